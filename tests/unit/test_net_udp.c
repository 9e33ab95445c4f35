// SPDX-License-Identifier: MIT
/*
 * Unit tests: netstack UDP and the DNS server (udp.c, dns.c), and how DNS
 * answers feed the egress decision for later connections.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netstack/craft.h"
#include "netstack/netstack.h"

#define GUEST 0x0a580002u
#define GW 0x0a580001u

static struct craft_env env;
static uint8_t fbuf[70000];
static uint32_t last_token;
static char last_name[256];
static unsigned resolves;

static int fake_resolve(void *ctx, struct netstack *ns, const char *name, uint32_t token)
{
	(void)ctx;
	(void)ns;
	last_token = token;
	snprintf(last_name, sizeof(last_name), "%s", name);
	resolves++;
	return 0;
}

static const struct ns_host hosts[] = {
	{ "web.test", 0xcb00710au },		/* 203.0.113.10 */
	{ "local.test", 0x7f000001u },
	{ "inside.test", 0x0a000005u },		/* 10.0.0.5 */
	{ "mirror.test", 0xcb00710au },		/* web.test's address too */
};

static const char *const rules[] = {
	"web.test:443", "local.test", "inside.test", "*.async.test", "mirror.test", NULL,
};

static int setup(void **state)
{
	(void)state;
	craft_env_init(&env);
	env.cfg.hosts = hosts;
	env.cfg.nhosts = sizeof(hosts) / sizeof(hosts[0]);
	env.cfg.resolve = fake_resolve;
	resolves = 0;
	return craft_env_start(&env, rules);
}

static int teardown(void **state)
{
	(void)state;
	craft_env_free(&env);
	return 0;
}

static void query(uint16_t id, const char *name, uint16_t qtype)
{
	uint8_t q[512];
	size_t qn = craft_dns_query(q, sizeof(q), id, name, qtype);
	size_t n = craft_udp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, GUEST, GW, 5353, 53, q, qn);

	craft_env_input(&env, fbuf, n);
}

/* The one answer frame: its DNS message. */
static const uint8_t *answer(size_t *len)
{
	static struct craft_frame f;

	assert_int_equal(env.cap.n, 1);
	assert_true(craft_parse(env.cap.buf[0], env.cap.len[0], &f));
	assert_int_equal(f.proto, IPPROTO_UDP);
	assert_true(f.ip_csum_ok);
	assert_true(f.l4_csum_ok);
	assert_int_equal(f.src, GW);
	assert_int_equal(f.sport, 53);
	assert_int_equal(f.dport, 5353);
	assert_true(f.len >= 12);
	*len = f.len;
	return f.data;
}

static uint16_t u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void test_dns_answers(void **state)
{
	static const struct {
		const char *name;
		uint16_t qtype;
		uint8_t rcode;
		uint16_t ancount;
		uint32_t addr;
	} rows[] = {
		{ "web.test", 1, 0, 1, 0xcb00710au },
		{ "WEB.Test.", 1, 0, 1, 0xcb00710au },	/* case and trailing dot */
		{ "local.test", 1, 0, 1, GW },		/* the host's loopback: the gateway */
		{ "web.test", 28, 0, 0, 0 },		/* AAAA: no IPv6, NODATA */
		{ "web.test", 15, 0, 0, 0 },		/* MX: NODATA */
		{ "denied.test", 1, 3, 0, 0 },		/* NXDOMAIN */
		{ "sub.web.test", 1, 3, 0, 0 },		/* a name rule is exact */
	};
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const uint8_t *m;

		craft_cap_clear(&env.cap);
		query((uint16_t)(0x4000 + i), rows[i].name, rows[i].qtype);
		m = answer(&len);
		print_message("%s/%u\n", rows[i].name, rows[i].qtype);
		assert_int_equal(u16(m), 0x4000 + i);
		assert_int_equal(m[2], 0x81);			/* QR, RD */
		assert_int_equal(m[3], 0x80 | rows[i].rcode);	/* RA, rcode */
		assert_int_equal(u16(m + 4), 1);
		assert_int_equal(u16(m + 6), rows[i].ancount);
		if (rows[i].ancount) {
			const uint8_t *a = m + len - 16;

			assert_int_equal(u16(a), 0xc00c);
			assert_int_equal(u16(a + 2), 1);
			assert_int_equal(u16(a + 10), 4);
			assert_int_equal((uint32_t)u16(a + 12) << 16 | u16(a + 14), rows[i].addr);
		}
	}
	assert_int_equal(netstack_stat(env.ns, NS_DNS_DENIED), 2);
	assert_int_equal(resolves, 0);
}

static void test_dns_refused_option(void **state)
{
	size_t len;
	const uint8_t *m;

	(void)state;
	craft_env_free(&env);
	setup(NULL);
	netstack_free(env.ns);
	env.cfg.dns_refused = true;
	assert_int_equal(netstack_new(&env.cfg, craft_cap_tx, &env.cap, NULL, NULL, &env.ns, NULL), 0);
	query(1, "denied.test", 1);
	m = answer(&len);
	assert_int_equal(m[3] & 15, 5);
}

static void test_dns_malformed(void **state)
{
	uint8_t q[512];
	size_t qn, n, len;
	const uint8_t *m;

	(void)state;
	/* too short for a header: dropped without an answer */
	n = craft_udp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, GUEST, GW, 5353, 53, "abc", 3);
	craft_env_input(&env, fbuf, n);
	assert_int_equal(env.cap.n, 0);
	/* a response (QR set): dropped */
	qn = craft_dns_query(q, sizeof(q), 7, "web.test", 1);
	q[2] |= 0x80;
	n = craft_udp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, GUEST, GW, 5353, 53, q, qn);
	craft_env_input(&env, fbuf, n);
	assert_int_equal(env.cap.n, 0);
	/* two questions: FORMERR */
	qn = craft_dns_query(q, sizeof(q), 8, "web.test", 1);
	q[5] = 2;
	n = craft_udp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, GUEST, GW, 5353, 53, q, qn);
	craft_env_input(&env, fbuf, n);
	m = answer(&len);
	assert_int_equal(m[3] & 15, 1);
	assert_int_equal(u16(m + 6), 0);
	/* a compression pointer in the question: FORMERR */
	craft_cap_clear(&env.cap);
	qn = craft_dns_query(q, sizeof(q), 9, "web.test", 1);
	q[12] = 0xc0;
	n = craft_udp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, GUEST, GW, 5353, 53, q, qn);
	craft_env_input(&env, fbuf, n);
	m = answer(&len);
	assert_int_equal(m[3] & 15, 1);
	/* a label running past the message: FORMERR */
	craft_cap_clear(&env.cap);
	qn = craft_dns_query(q, sizeof(q), 10, "web.test", 1);
	q[12] = 60;
	n = craft_udp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, GUEST, GW, 5353, 53, q, qn);
	craft_env_input(&env, fbuf, n);
	m = answer(&len);
	assert_int_equal(m[3] & 15, 1);
	/* another class (CH TXT version.bind): NOTIMP, the question echoed with
	 * its own class, so that the client takes the answer as its own */
	craft_cap_clear(&env.cap);
	qn = craft_dns_query(q, sizeof(q), 12, "version.bind", 16);
	q[qn - 1] = 3;
	n = craft_udp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, GUEST, GW, 5353, 53, q, qn);
	craft_env_input(&env, fbuf, n);
	m = answer(&len);
	assert_int_equal(len, qn);
	assert_int_equal(u16(m), 12);
	assert_int_equal(m[3] & 15, 4);
	assert_int_equal(u16(m + 4), 1);
	assert_int_equal(u16(m + 6), 0);
	assert_memory_equal(m + 12, q + 12, qn - 12);	/* name, type 16, class 3 */
	/* a UDP length past the datagram, and a bad UDP checksum: dropped */
	craft_cap_clear(&env.cap);
	qn = craft_dns_query(q, sizeof(q), 11, "web.test", 1);
	n = craft_udp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, GUEST, GW, 5353, 53, q, qn);
	fbuf[38] = 0x7f;
	craft_env_input(&env, fbuf, n);
	n = craft_udp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, GUEST, GW, 5353, 53, q, qn);
	fbuf[n - 1] ^= 1;
	craft_env_input(&env, fbuf, n);
	assert_int_equal(env.cap.n, 0);
	assert_int_equal(netstack_stat(env.ns, NS_DROP_UDP), 2);
}

static void test_dns_async_resolver(void **state)
{
	size_t len;
	const uint8_t *m;
	uint32_t addrs[2] = { 0xcb007114u, 0xcb007115u };

	(void)state;
	query(21, "a.async.test", 1);
	assert_int_equal(env.cap.n, 0);		/* waiting for the resolver */
	assert_int_equal(resolves, 1);
	assert_string_equal(last_name, "a.async.test");
	netstack_dns_answer(env.ns, last_token, NS_DNS_OK, addrs, 2, 30);
	m = answer(&len);
	assert_int_equal(u16(m), 21);
	assert_int_equal(u16(m + 6), 2);
	/* a late or repeated answer is ignored */
	craft_cap_clear(&env.cap);
	netstack_dns_answer(env.ns, last_token, NS_DNS_OK, addrs, 2, 30);
	assert_int_equal(env.cap.n, 0);
	/* no answer within 5 s: SERVFAIL */
	query(22, "b.async.test", 1);
	env.now += 4999;
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 0);
	env.now += 1;
	craft_env_poll(&env);
	m = answer(&len);
	assert_int_equal(u16(m), 22);
	assert_int_equal(m[3] & 15, 2);
	/* NXDOMAIN from upstream */
	craft_cap_clear(&env.cap);
	query(23, "c.async.test", 1);
	netstack_dns_answer(env.ns, last_token, NS_DNS_NXDOMAIN, NULL, 0, 0);
	m = answer(&len);
	assert_int_equal(m[3] & 15, 3);
}

static struct craft_frame syn_to(uint32_t dst, uint16_t port, uint16_t sport)
{
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4 };
	struct craft_tcp t = {
		.src = GUEST, .dst = dst, .sport = sport, .dport = port, .seq = 1, .flags = 0x02,
		.wnd = 65535, .opts = opts, .optlen = 4,
	};
	size_t n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	struct craft_frame f;

	craft_cap_clear(&env.cap);
	craft_env_input(&env, fbuf, n);
	assert_int_equal(env.cap.n, 1);
	assert_true(craft_parse(env.cap.buf[0], env.cap.len[0], &f));
	return f;
}

static void test_names_decide_connections(void **state)
{
	(void)state;
	/* before any DNS answer, the address alone matches no rule */
	assert_int_equal(syn_to(0xcb00710au, 443, 30001).flags, 0x14);		/* RST|ACK */
	query(31, "web.test", 1);
	assert_int_equal(syn_to(0xcb00710au, 443, 30002).flags, 0x12);		/* SYN|ACK */
	assert_int_equal(syn_to(0xcb00710au, 80, 30003).flags, 0x14);		/* port not allowed */
	assert_int_equal(syn_to(0xcb00710bu, 443, 30004).flags, 0x14);		/* other address */
	/* an allowed name that resolves to a private address: still denied */
	query(32, "inside.test", 1);
	assert_int_equal(syn_to(0x0a000005u, 443, 30005).flags, 0x14);
	/* ... and to the host's loopback, through the gateway */
	query(33, "local.test", 1);
	assert_int_equal(syn_to(GW, 8080, 30006).flags, 0x14);
	assert_non_null(strstr(env.last_audit, "loopback"));
	assert_non_null(strstr(env.last_audit, "\"name\":\"local.test\""));
}

/* Two names of one address: a connection carries the one answered last,
 * which is the name the guest's client then sends (outbound checks it). */
static void test_names_of_one_address(void **state)
{
	(void)state;
	query(41, "web.test", 1);
	query(42, "mirror.test", 1);
	assert_int_equal(syn_to(0xcb00710au, 443, 30011).flags, 0x12);
	assert_non_null(strstr(env.last_audit, "\"name\":\"mirror.test\""));
	query(43, "WEB.test", 1);
	assert_int_equal(syn_to(0xcb00710au, 443, 30012).flags, 0x12);
	assert_non_null(strstr(env.last_audit, "\"name\":\"web.test\""));
	/* the latest name's rule does not allow the port: the next one's does */
	assert_int_equal(syn_to(0xcb00710au, 8080, 30013).flags, 0x12);
	assert_non_null(strstr(env.last_audit, "\"name\":\"mirror.test\""));
}

static void test_udp_flow_and_denial(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	struct sockaddr_in from;
	socklen_t sl = sizeof(sa), fl = sizeof(from);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	char rule[32], buf[64];
	const char *const allow[] = { rule, NULL };
	struct craft_frame f;
	size_t n;

	(void)state;
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(s, (struct sockaddr *)&sa, &sl);
	snprintf(rule, sizeof(rule), "127.0.0.1:%u", ntohs(sa.sin_port));
	craft_env_free(&env);
	craft_env_init(&env);
	assert_int_equal(craft_env_start(&env, allow), 0);
	n = craft_udp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, GUEST, GW, 6000,
		      ntohs(sa.sin_port), "marco", 5);
	craft_env_input(&env, fbuf, n);
	assert_int_equal(recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 5);
	assert_memory_equal(buf, "marco", 5);
	assert_int_equal(sendto(s, "polo!", 5, 0, (struct sockaddr *)&from, fl), 5);
	for (int i = 0; i < 100 && env.cap.n == 0; i++) {
		usleep(1000);
		craft_env_poll(&env);
	}
	assert_int_equal(env.cap.n, 1);
	assert_true(craft_parse(env.cap.buf[0], env.cap.len[0], &f));
	assert_true(f.l4_csum_ok);
	assert_int_equal(f.src, GW);
	assert_int_equal(f.sport, ntohs(sa.sin_port));
	assert_int_equal(f.dport, 6000);
	assert_int_equal(f.len, 5);
	assert_memory_equal(f.data, "polo!", 5);
	assert_int_equal(netstack_stat(env.ns, NS_UDP_FLOWS), 1);
	/* another port: administratively prohibited */
	craft_cap_clear(&env.cap);
	n = craft_udp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, GUEST, GW, 6000, 9, "no", 2);
	craft_env_input(&env, fbuf, n);
	assert_int_equal(env.cap.n, 1);
	assert_true(craft_parse(env.cap.buf[0], env.cap.len[0], &f));
	assert_int_equal(f.proto, IPPROTO_ICMP);
	assert_true(f.l4_csum_ok);
	assert_int_equal(f.icmp_type, 3);
	assert_int_equal(f.icmp_code, 13);
	assert_int_equal(f.len, 20 + 8);	/* the offending header and 8 bytes */
	assert_int_equal(netstack_stat(env.ns, NS_UDP_DENIED), 1);
	/* the host port closes: the guest hears "port unreachable" */
	close(s);
	s = -1;
	craft_cap_clear(&env.cap);
	n = craft_udp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, GUEST, GW, 6000,
		      ntohs(sa.sin_port), "anyone?", 7);
	craft_env_input(&env, fbuf, n);
	for (int i = 0; i < 100 && env.cap.n == 0; i++) {
		usleep(1000);
		craft_env_poll(&env);
	}
	assert_int_equal(env.cap.n, 1);
	assert_true(craft_parse(env.cap.buf[0], env.cap.len[0], &f));
	assert_int_equal(f.proto, IPPROTO_ICMP);
	assert_true(f.l4_csum_ok);
	assert_int_equal(f.icmp_type, 3);
	assert_int_equal(f.icmp_code, 3);
	assert_int_equal(f.len, 28);
	assert_int_equal(f.data[9], IPPROTO_UDP);
	assert_int_equal(f.data[20] << 8 | f.data[21], 6000);
	assert_int_equal(f.data[22] << 8 | f.data[23], ntohs(sa.sin_port));
	/* idle flows are closed after a minute */
	env.now += 60000;
	craft_env_poll(&env);
	n = craft_udp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, GUEST, GW, 6000,
		      ntohs(sa.sin_port), "again", 5);
	craft_env_input(&env, fbuf, n);
	assert_int_equal(netstack_stat(env.ns, NS_UDP_FLOWS), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dns_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_refused_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_async_resolver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_decide_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_of_one_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_flow_and_denial, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
