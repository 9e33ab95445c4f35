// SPDX-License-Identifier: MIT
/* Unit tests: netstack egress rules (egress.c) and -p parsing, table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "netstack/egress.h"
#include "netstack/netstack.h"

static void test_parse_rules(void **state)
{
	static const struct {
		const char *spec;
		int r;
		enum egress_rule_kind kind;
		const char *name;
		uint32_t addr, mask;
		uint16_t port;
	} rows[] = {
		{ "api.example.com", 0, EGRESS_RULE_NAME, "api.example.com", 0, 0, 0 },
		{ "API.Example.COM.:443", 0, EGRESS_RULE_NAME, "api.example.com", 0, 0, 443 },
		{ "*.example.com:8080", 0, EGRESS_RULE_GLOB, "example.com", 0, 0, 8080 },
		{ "*", 0, EGRESS_RULE_ANY, "", 0, 0, 0 },
		{ "*:443", 0, EGRESS_RULE_ANY, "", 0, 0, 443 },
		{ "203.0.113.7", 0, EGRESS_RULE_ADDR, "", 0xcb007107u, 0xffffffffu, 0 },
		{ "10.1.0.0/16:5432", 0, EGRESS_RULE_ADDR, "", 0x0a010000u, 0xffff0000u, 5432 },
		{ "10.1.2.3/16", 0, EGRESS_RULE_ADDR, "", 0x0a010000u, 0xffff0000u, 0 },
		{ "0.0.0.0/0:53", 0, EGRESS_RULE_ADDR, "", 0, 0, 53 },
		{ "host:*", 0, EGRESS_RULE_NAME, "host", 0, 0, 0 },
		{ "", -EINVAL, 0, NULL, 0, 0, 0 },
		{ "host:0", -EINVAL, 0, NULL, 0, 0, 0 },
		{ "host:65536", -EINVAL, 0, NULL, 0, 0, 0 },
		{ "host:", -EINVAL, 0, NULL, 0, 0, 0 },
		{ "ho st", -EINVAL, 0, NULL, 0, 0, 0 },
		{ "a..b", -EINVAL, 0, NULL, 0, 0, 0 },
		{ "*foo.com", -EINVAL, 0, NULL, 0, 0, 0 },
		{ "foo.*.com", -EINVAL, 0, NULL, 0, 0, 0 },
		{ "1.2.3.4/33", -EINVAL, 0, NULL, 0, 0, 0 },
		{ "1.2.3.400", -EINVAL, 0, NULL, 0, 0, 0 },
		{ "[::1]:80", -EINVAL, 0, NULL, 0, 0, 0 },
		{ "::1", -EINVAL, 0, NULL, 0, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct egress_policy p = { 0 };
		struct merr e = { 0 };
		int r = egress_policy_add(&p, rows[i].spec, &e);

		print_message("%s\n", rows[i].spec);
		assert_int_equal(r, rows[i].r);
		if (r == 0) {
			assert_int_equal(p.n, 1);
			assert_int_equal(p.rules[0].kind, rows[i].kind);
			assert_string_equal(p.rules[0].name, rows[i].name);
			assert_int_equal(p.rules[0].addr, rows[i].addr);
			assert_int_equal(p.rules[0].mask, rows[i].mask);
			assert_int_equal(p.rules[0].port, rows[i].port);
		} else {
			assert_int_equal(p.n, 0);
			assert_non_null(strstr(e.msg, "--allow"));
		}
		egress_policy_free(&p);
	}
}

static void test_decisions(void **state)
{
	static const char *const specs[] = {
		"api.example.com:443", "*.cdn.test", "198.51.100.0/24:22", "127.0.0.1:8080",
		"169.254.169.254:80",
	};
	static const struct {
		enum egress_proto proto;
		const char *name;
		uint32_t addr;
		uint16_t port;
		bool allow;
	} rows[] = {
		/* DNS: the name alone */
		{ EGRESS_DNS, "api.example.com", 0, 0, true },
		{ EGRESS_DNS, "API.example.com.", 0, 0, true },
		{ EGRESS_DNS, "x.api.example.com", 0, 0, false },
		{ EGRESS_DNS, "img.cdn.test", 0, 0, true },
		{ EGRESS_DNS, "a.b.cdn.test", 0, 0, true },
		{ EGRESS_DNS, "cdn.test", 0, 0, false },
		{ EGRESS_DNS, "evilcdn.test", 0, 0, false },
		{ EGRESS_DNS, "other.test", 0, 0, false },
		/* connections: name bound by DNS, and the address */
		{ EGRESS_TCP, "api.example.com", 0xcb007101u, 443, true },
		{ EGRESS_TCP, "api.example.com", 0xcb007101u, 80, false },
		{ EGRESS_TCP, NULL, 0xcb007101u, 443, false },
		{ EGRESS_UDP, "img.cdn.test", 0xcb007102u, 443, true },
		{ EGRESS_TCP, "api.example.com", 0x0a000001u, 443, false },	/* private */
		{ EGRESS_TCP, "api.example.com", 0xac100001u, 443, false },
		{ EGRESS_TCP, "api.example.com", 0xc0a80101u, 443, false },
		{ EGRESS_TCP, "api.example.com", 0x7f000001u, 443, false },	/* loopback */
		{ EGRESS_TCP, "api.example.com", 0xa9fe0001u, 443, false },	/* link-local */
		{ EGRESS_TCP, "api.example.com", 0x64400001u, 443, false },	/* CGNAT */
		{ EGRESS_TCP, "api.example.com", 0xe0000001u, 443, false },	/* multicast */
		{ EGRESS_TCP, "api.example.com", 0x00000000u, 443, false },
		{ EGRESS_TCP, NULL, 0xc6336407u, 22, true },			/* the range */
		{ EGRESS_TCP, NULL, 0xc6336407u, 23, false },
		{ EGRESS_TCP, NULL, 0xc6336507u, 22, false },
		{ EGRESS_TCP, NULL, 0x7f000001u, 8080, true },		/* named loopback */
		{ EGRESS_TCP, NULL, 0x7f000001u, 8081, false },
		{ EGRESS_TCP, NULL, 0xa9fea9feu, 80, true },		/* named metadata */
		{ EGRESS_TCP, NULL, 0xa9fea9feu, 443, false },
	};
	struct egress_policy p = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		assert_int_equal(egress_policy_add(&p, specs[i], NULL), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct egress_query q = {
			.proto = rows[i].proto, .name = rows[i].name, .addr = rows[i].addr,
			.port = rows[i].port,
		};
		const char *why = NULL;

		print_message("row %zu\n", i);
		assert_int_equal(egress_decide(&p, &q, &why), rows[i].allow);
		assert_non_null(why);
	}
	/* no policy at all: deny */
	{
		struct egress_query q = { .proto = EGRESS_DNS, .name = "api.example.com" };
		const char *why;

		assert_false(egress_decide(NULL, &q, &why));
	}
	egress_policy_free(&p);
}

static void test_any_rule_keeps_private_denied(void **state)
{
	struct egress_policy p = { 0 };
	struct egress_query pub = { .proto = EGRESS_TCP, .addr = 0x08080808u, .port = 443 };
	struct egress_query priv = { .proto = EGRESS_TCP, .addr = 0xc0a80001u, .port = 443 };
	const char *why;

	(void)state;
	assert_int_equal(egress_policy_add(&p, "*:443", NULL), 0);
	assert_true(egress_decide(&p, &pub, &why));
	assert_false(egress_decide(&p, &priv, &why));
	assert_string_equal(why, "private address needs an address rule");
	pub.port = 80;
	assert_false(egress_decide(&p, &pub, &why));
	egress_policy_free(&p);
}

static void test_forward_parse(void **state)
{
	static const struct { const char *s; int r; uint32_t addr; uint16_t h, g; } rows[] = {
		{ "8080:80", 0, 0x7f000001u, 8080, 80 },
		{ "0.0.0.0:8080:80", 0, 0, 8080, 80 },
		{ "8080", -EINVAL, 0, 0, 0 },
		{ "8080:0", -EINVAL, 0, 0, 0 },
		{ "70000:80", -EINVAL, 0, 0, 0 },
		{ "a:80", -EINVAL, 0, 0, 0 },
		{ "1:2:3:4", -EINVAL, 0, 0, 0 },
		{ "x.y:1:2", -EINVAL, 0, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ns_forward f = { 0 };

		assert_int_equal(netstack_forward_parse(rows[i].s, &f, NULL), rows[i].r);
		if (rows[i].r == 0) {
			assert_int_equal(f.host_addr, rows[i].addr);
			assert_int_equal(f.host_port, rows[i].h);
			assert_int_equal(f.guest_port, rows[i].g);
		}
	}
}

static void test_audit_json(void **state)
{
	struct ns_audit_event ev = {
		.kind = NS_AUDIT_TCP, .allowed = false, .name = "we\"ird\n.test",
		.addr = 0xcb007101u, .port = 443, .reason = "no rule",
	};
	char buf[512];

	(void)state;
	assert_true(netstack_audit_json(&ev, buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
		"{\"event\":\"egress\",\"proto\":\"tcp\",\"verdict\":\"deny\","
		"\"name\":\"we\\\"ird\\u000a.test\",\"addr\":\"203.0.113.1\",\"port\":443,"
		"\"reason\":\"no rule\"}\n");
	assert_int_equal(netstack_audit_json(&ev, buf, 20), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rules),
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_any_rule_keeps_private_denied),
		cmocka_unit_test(test_forward_parse),
		cmocka_unit_test(test_audit_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
