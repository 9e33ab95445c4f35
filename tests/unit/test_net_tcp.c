// SPDX-License-Identifier: MIT
/*
 * Unit tests: netstack TCP (tcp.c, tcp_out.c, tcp_far.c, flow.c).  Each test
 * plays the guest: it crafts segments, feeds them to a stack whose far sides
 * are socket pairs (the test holds the other ends) and whose clock is fake,
 * and checks every segment the stack answers with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netstack/craft.h"
#include "netstack/netstack.h"
#include "netstack/ns.h"	/* white-box: the path for kernels without SO_PEEK_OFF */

#define GUEST 0x0a580002u
#define GW 0x0a580001u
#define REMOTE 0xcb007105u	/* 203.0.113.5 */
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

static struct craft_env env;
static uint8_t fbuf[70000];
static const char *const allow_remote[] = { "203.0.113.5:80", NULL };

/* MSS 1460, NOP, WS 7, SACK permitted, timestamps: what Linux sends. */
static const uint8_t linux_syn_opts[] = {
	2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
};
static const uint8_t mss_only_opts[] = { 2, 4, 0x05, 0xb4 };

static void send_seg(uint16_t sport, uint32_t dst, uint16_t dport, uint32_t seq, uint32_t ack,
		     uint8_t flags, uint16_t wnd, const void *data, size_t len)
{
	struct craft_tcp t = {
		.src = GUEST, .dst = dst, .sport = sport, .dport = dport, .seq = seq, .ack = ack,
		.flags = flags, .wnd = wnd, .data = data, .len = len,
	};
	size_t n;

	if (flags & SYN) {
		t.opts = linux_syn_opts;
		t.optlen = sizeof(linux_syn_opts);
	}
	n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	assert_true(n > 0);
	craft_env_input(&env, fbuf, n);
}

static void frame_at(size_t i, struct craft_frame *f)
{
	assert_true(i < env.cap.n);
	assert_true(craft_parse(env.cap.buf[i], env.cap.len[i], f));
	assert_int_equal(f->ethertype, 0x0800);
	assert_int_equal(f->proto, IPPROTO_TCP);
	assert_true(f->ip_csum_ok);
	assert_true(f->l4_csum_ok);
	assert_memory_equal(f->eth_dst, craft_guest_mac, 6);
	assert_memory_equal(f->eth_src, craft_gw_mac, 6);
	assert_int_equal(f->dst, GUEST);
}

static int setup(void **state)
{
	(void)state;
	craft_env_init(&env);
	return craft_env_start(&env, allow_remote);
}

static int teardown(void **state)
{
	(void)state;
	craft_env_free(&env);
	return 0;
}

/* Open 203.0.113.5:80 from guest port @sport; return the stack's ISN. */
static uint32_t handshake(uint16_t sport, uint32_t iss, uint16_t wnd)
{
	struct craft_frame f;
	uint32_t s_iss;

	craft_cap_clear(&env.cap);
	send_seg(sport, REMOTE, 80, iss, 0, SYN, wnd, NULL, 0);
	/* the SYN-ACK waits for the far side's connect, which the poll sees */
	if (env.cap.n == 0)
		craft_env_poll(&env);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, SYN | ACK);
	assert_int_equal(f.ack, iss + 1);
	s_iss = f.seq;
	craft_cap_clear(&env.cap);
	send_seg(sport, REMOTE, 80, iss + 1, s_iss + 1, ACK, wnd, NULL, 0);
	assert_int_equal(env.cap.n, 0);
	return s_iss;
}

/* The far peer writes @len bytes: the stack sends them in @frames segments
 * (the capture is cleared after). */
static void far_sends(const void *data, size_t len, size_t frames)
{
	assert_int_equal(write(env.peer[0], data, len), (ssize_t)len);
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, frames);
	craft_cap_clear(&env.cap);
}

static void test_handshake_options(void **state)
{
	struct craft_frame f;

	(void)state;
	send_seg(40000, REMOTE, 80, 1000, 0, SYN, 64240, NULL, 0);
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.src, REMOTE);
	assert_int_equal(f.sport, 80);
	assert_int_equal(f.dport, 40000);
	assert_int_equal(f.flags, SYN | ACK);
	assert_int_equal(f.ack, 1001);
	assert_int_equal(f.mss, NS_DEFAULT_MTU - 40);
	assert_int_equal(f.ws, 7);
	assert_false(f.sackok);		/* not offered: no SACK */
	assert_false(f.ts);		/* not offered: no timestamps */
	assert_true(f.wnd > 0);
	assert_int_equal(env.npeers, 1);
	craft_cap_clear(&env.cap);
	send_seg(40000, REMOTE, 80, 1001, f.seq + 1, ACK, 502, NULL, 0);
	assert_int_equal(env.cap.n, 0);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_OPENED), 1);
	/* a repeated SYN-ACK's ACK is harmless; a stray SYN gets a challenge ACK */
	send_seg(40000, REMOTE, 80, 5000, 0, SYN, 64240, NULL, 0);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, ACK);
	assert_int_equal(f.ack, 1001);
}

static void test_syn_without_wscale(void **state)
{
	struct craft_tcp t = {
		.src = GUEST, .dst = REMOTE, .sport = 40001, .dport = 80, .seq = 7,
		.flags = SYN, .wnd = 8192, .opts = mss_only_opts, .optlen = sizeof(mss_only_opts),
	};
	struct craft_frame f;
	size_t n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);

	(void)state;
	craft_env_input(&env, fbuf, n);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, SYN | ACK);
	assert_int_equal(f.mss, NS_DEFAULT_MTU - 40);
	assert_int_equal(f.ws, -1);		/* no scaling unless both offer it */
}

static void test_mtu_sets_mss(void **state)
{
	struct craft_frame f;
	struct netstack *bad;

	(void)state;
	craft_env_free(&env);
	craft_env_init(&env);
	env.cfg.mtu = 1500;
	assert_int_equal(craft_env_start(&env, allow_remote), 0);
	send_seg(40020, REMOTE, 80, 1, 0, SYN, 65535, NULL, 0);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.mss, 1460);
	env.cfg.mtu = 575;
	assert_int_equal(netstack_new(&env.cfg, craft_cap_tx, &env.cap, NULL, NULL, &bad, NULL),
			 -EINVAL);
	env.cfg.mtu = 65521;
	assert_int_equal(netstack_new(&env.cfg, craft_cap_tx, &env.cap, NULL, NULL, &bad, NULL),
			 -EINVAL);
}

static void test_denied_syn_gets_rst(void **state)
{
	static const struct { uint32_t dst; uint16_t port; } rows[] = {
		{ REMOTE, 81 },			/* allowed host, other port */
		{ 0xcb007106u, 80 },		/* other host */
		{ GW, 80 },			/* host loopback, no rule */
		{ 0xa9fea9feu, 80 },		/* metadata */
		{ 0x0a000001u, 80 },		/* RFC 1918 */
	};
	struct craft_frame f;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		craft_cap_clear(&env.cap);
		send_seg(41000 + (uint16_t)i, rows[i].dst, rows[i].port, 555, 0, SYN, 64240, NULL, 0);
		assert_int_equal(env.cap.n, 1);	/* at once, no poll needed */
		frame_at(0, &f);
		assert_int_equal(f.flags, RST | ACK);
		assert_int_equal(f.ack, 556);
		assert_int_equal(f.seq, 0);
		assert_int_equal(f.src, rows[i].dst);
		assert_int_equal(f.sport, rows[i].port);
		assert_int_equal(netstack_stat(env.ns, NS_TCP_DENIED), i + 1);
		assert_non_null(strstr(env.last_audit, "\"verdict\":\"deny\""));
	}
	assert_int_equal(env.npeers, 0);		/* no far side was opened */
	assert_int_equal(env.audit_denies, 5);
}

static void test_data_both_ways(void **state)
{
	uint32_t s_iss = handshake(40002, 100, 65535);
	char buf[4096], out[3000];
	struct craft_frame f;
	uint32_t seq;

	(void)state;
	/* guest -> far, acknowledged after the round */
	memset(buf, 'g', 1000);
	send_seg(40002, REMOTE, 80, 101, s_iss + 1, ACK | PSH, 65535, buf, 1000);
	assert_int_equal(read(env.peer[0], out, sizeof(out)), 1000);
	assert_memory_equal(out, buf, 1000);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, ACK);
	assert_int_equal(f.ack, 1101);
	assert_int_equal(f.len, 0);
	/* far -> guest, cut to the guest's MSS of 1460 */
	craft_cap_clear(&env.cap);
	for (int i = 0; i < 3000; i++)
		out[i] = (char)('a' + i % 26);
	assert_int_equal(write(env.peer[0], out, 3000), 3000);
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 3);
	seq = s_iss + 1;
	for (size_t i = 0, off = 0; i < 3; i++) {
		size_t want = i < 2 ? 1460 : 80;

		frame_at(i, &f);
		assert_int_equal(f.seq, seq + off);
		assert_int_equal(f.ack, 1101);
		assert_int_equal(f.len, want);
		assert_memory_equal(f.data, out + off, want);
		assert_int_equal(f.flags, ACK | (i == 2 ? PSH : 0));
		off += want;
	}
	/* acknowledged bytes leave the far socket; unacknowledged ones stay */
	craft_cap_clear(&env.cap);
	send_seg(40002, REMOTE, 80, 1101, seq + 3000, ACK, 65535, NULL, 0);
	assert_int_equal(env.cap.n, 0);
}

static void test_guest_window_limits_sending(void **state)
{
	uint32_t s_iss = handshake(40003, 100, 1000);	/* scaled by 7 */
	static char out[200000];
	struct craft_frame f;
	size_t total = 0;

	(void)state;
	/* a window of 1000 << 7 = 128000 bytes */
	memset(out, 'x', sizeof(out));
	assert_int_equal(write(env.peer[0], out, 200000), 200000);
	craft_env_poll(&env);
	for (size_t i = 0; i < env.cap.n; i++) {
		frame_at(i, &f);
		total += f.len;
	}
	assert_int_equal(total, 128000);
	/* a guest that does not read: the rest waits in the far socket, and the
	 * stack does not spin on it (edge-triggered: no event until news) */
	craft_cap_clear(&env.cap);
	assert_int_equal(netstack_poll(env.ns, 0), 0);
	assert_int_equal(env.cap.n, 0);
	/* the guest takes 100000 and opens the window by as much */
	craft_cap_clear(&env.cap);
	send_seg(40003, REMOTE, 80, 101, s_iss + 1 + 100000, ACK, 1000, NULL, 0);
	total = 0;
	for (size_t i = 0; i < env.cap.n; i++) {
		frame_at(i, &f);
		total += f.len;
	}
	assert_int_equal(total, 200000 - 128000);
}

static void test_zero_window_persist(void **state)
{
	uint32_t s_iss = handshake(40004, 100, 0);	/* closed from the start */
	struct craft_frame f;
	uint64_t t0 = env.now;

	(void)state;
	assert_int_equal(write(env.peer[0], "hello", 5), 5);
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 0);		/* nothing may go */
	env.now = t0 + 999;
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 0);
	env.now = t0 + 1000;			/* the initial RTO */
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, ACK);
	assert_int_equal(f.seq, s_iss);		/* snd_una - 1: a probe */
	assert_int_equal(f.len, 0);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_PROBES), 1);
	/* backed off: the next probe after twice the time */
	craft_cap_clear(&env.cap);
	env.now = t0 + 1000 + 1999;
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 0);
	env.now = t0 + 1000 + 2000;
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 1);
	/* the window opens: the data goes */
	craft_cap_clear(&env.cap);
	send_seg(40004, REMOTE, 80, 101, s_iss + 1, ACK, 100, NULL, 0);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.len, 5);
	assert_memory_equal(f.data, "hello", 5);
	assert_int_equal(f.seq, s_iss + 1);
}

/* The guest closes its window with our data still in flight: the timeout
 * cannot resend anything, so it becomes the persist timer; the flow is
 * probed for as long as it takes, not reset after the retry limit. */
static void test_zero_window_with_data_in_flight(void **state)
{
	uint32_t s_iss = handshake(40021, 100, 65535);
	static char out[3000];
	struct craft_frame f;
	size_t got = 0;

	(void)state;
	memset(out, 'z', sizeof(out));
	far_sends(out, sizeof(out), 3);
	send_seg(40021, REMOTE, 80, 101, s_iss + 1, ACK, 0, NULL, 0);	/* nothing taken */
	assert_int_equal(env.cap.n, 0);
	for (int i = 0; i < 2 * TCP_MAX_RETRIES; i++) {
		env.now += TCP_RTO_MAX;
		craft_cap_clear(&env.cap);
		craft_env_poll(&env);
		if (i == 0) {
			assert_int_equal(env.cap.n, 0);	/* the timeout: nothing may go */
			continue;
		}
		assert_int_equal(env.cap.n, 1);
		frame_at(0, &f);
		assert_int_equal(f.flags, ACK);
		assert_int_equal(f.seq, s_iss);		/* a probe */
		assert_int_equal(f.len, 0);
		craft_cap_clear(&env.cap);
		send_seg(40021, REMOTE, 80, 101, s_iss + 1, ACK, 0, NULL, 0);
	}
	assert_int_equal(netstack_stat(env.ns, NS_TCP_RESET), 0);
	/* the window opens: everything is sent again from snd_una */
	craft_cap_clear(&env.cap);
	send_seg(40021, REMOTE, 80, 101, s_iss + 1, ACK, 100, NULL, 0);
	for (size_t i = 0; i < env.cap.n; i++) {
		frame_at(i, &f);
		assert_int_equal(f.seq, s_iss + 1 + got);
		assert_memory_equal(f.data, out + got, f.len);
		got += f.len;
	}
	assert_int_equal(got, sizeof(out));
}

static void test_retransmission_timeout(void **state)
{
	uint32_t s_iss = handshake(40005, 100, 65535);
	struct craft_frame f;
	uint64_t t0;

	(void)state;
	assert_int_equal(write(env.peer[0], "0123456789", 10), 10);
	t0 = env.now;
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 1);
	craft_cap_clear(&env.cap);
	env.now = t0 + 999;
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 0);
	env.now = t0 + 1000;
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.seq, s_iss + 1);
	assert_int_equal(f.len, 10);
	assert_memory_equal(f.data, "0123456789", 10);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_RETRANSMIT), 1);
	/* doubled */
	craft_cap_clear(&env.cap);
	env.now = t0 + 1000 + 1999;
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 0);
	env.now = t0 + 3000;
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 1);
	/* acknowledged: no more */
	craft_cap_clear(&env.cap);
	send_seg(40005, REMOTE, 80, 101, s_iss + 11, ACK, 65535, NULL, 0);
	env.now = t0 + 60000;
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 0);
}

static void test_fast_retransmit(void **state)
{
	uint32_t s_iss = handshake(40006, 100, 65535);
	static char out[4380];
	struct craft_frame f;

	(void)state;
	memset(out, 'r', sizeof(out));
	far_sends(out, sizeof(out), 3);
	/* the first segment was lost: three duplicate ACKs */
	for (int i = 0; i < 3; i++)
		send_seg(40006, REMOTE, 80, 101, s_iss + 1, ACK, 65535, NULL, 0);
	assert_true(env.cap.n >= 1);
	frame_at(0, &f);
	assert_int_equal(f.seq, s_iss + 1);
	assert_int_equal(f.len, 1460);
}

/* The far side has ended: the stack's one segment is its FIN at @seq (the
 * capture is cleared after). */
static void expect_our_fin(uint32_t seq)
{
	struct craft_frame f;

	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, FIN | ACK);
	assert_int_equal(f.seq, seq);
	craft_cap_clear(&env.cap);
}

static void test_half_close(void **state)
{
	uint32_t s_iss = handshake(40007, 100, 65535);
	struct craft_frame f;
	char buf[16];

	(void)state;
	/* guest: data and FIN; the far side sees the data, then end of file */
	send_seg(40007, REMOTE, 80, 101, s_iss + 1, ACK | FIN, 65535, "req", 3);
	assert_int_equal(read(env.peer[0], buf, sizeof(buf)), 3);
	assert_int_equal(read(env.peer[0], buf, sizeof(buf)), 0);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, ACK);
	assert_int_equal(f.ack, 105);		/* 3 bytes + FIN */
	/* the far side still answers, then ends: data, then our FIN */
	craft_cap_clear(&env.cap);
	assert_int_equal(write(env.peer[0], "answer", 6), 6);
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.len, 6);
	craft_cap_clear(&env.cap);
	close(env.peer[0]);
	env.peer[0] = -1;
	expect_our_fin(s_iss + 7);
	send_seg(40007, REMOTE, 80, 105, s_iss + 8, ACK, 65535, NULL, 0);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_CLOSED), 1);
	/* the flow is gone: another ACK gets a RST */
	send_seg(40007, REMOTE, 80, 105, s_iss + 8, ACK, 65535, NULL, 0);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, RST);
	assert_int_equal(f.seq, s_iss + 8);
}

static void test_far_ends_first(void **state)
{
	uint32_t s_iss = handshake(40008, 100, 65535);
	struct craft_frame f;

	(void)state;
	assert_int_equal(write(env.peer[0], "bye", 3), 3);
	shutdown(env.peer[0], SHUT_WR);
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 2);
	frame_at(0, &f);
	assert_int_equal(f.len, 3);
	frame_at(1, &f);
	assert_int_equal(f.flags, FIN | ACK);
	assert_int_equal(f.seq, s_iss + 4);
	/* the guest acknowledges both, and keeps sending (half-close) */
	craft_cap_clear(&env.cap);
	send_seg(40008, REMOTE, 80, 101, s_iss + 5, ACK, 65535, "more", 4);
	{
		char buf[8];

		assert_int_equal(read(env.peer[0], buf, sizeof(buf)), 4);
		assert_memory_equal(buf, "more", 4);
	}
	/* then its FIN: TIME_WAIT, freed after it */
	send_seg(40008, REMOTE, 80, 105, s_iss + 5, ACK | FIN, 65535, NULL, 0);
	assert_true(env.cap.n >= 1);
	frame_at(env.cap.n - 1, &f);
	assert_int_equal(f.ack, 106);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_CLOSED), 0);
	env.now += 2000;
	craft_env_poll(&env);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_CLOSED), 1);
}

/* Simultaneous close: the guest's FIN crosses ours (it does not acknowledge
 * ours); each side acknowledges the other's, then TIME_WAIT. */
static void test_simultaneous_close(void **state)
{
	uint32_t s_iss = handshake(40020, 100, 65535);
	struct craft_frame f;
	char buf[4];

	(void)state;
	shutdown(env.peer[0], SHUT_WR);
	expect_our_fin(s_iss + 1);
	send_seg(40020, REMOTE, 80, 101, s_iss + 1, ACK | FIN, 65535, NULL, 0);
	assert_int_equal(read(env.peer[0], buf, sizeof(buf)), 0);
	assert_true(env.cap.n >= 1);
	frame_at(env.cap.n - 1, &f);
	assert_int_equal(f.flags & (SYN | RST), 0);
	assert_int_equal(f.ack, 102);
	craft_cap_clear(&env.cap);
	/* the guest's ACK of our FIN: nothing to answer; closed after TIME_WAIT */
	send_seg(40020, REMOTE, 80, 102, s_iss + 2, ACK, 65535, NULL, 0);
	assert_int_equal(env.cap.n, 0);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_CLOSED), 0);
	env.now += 2000;
	craft_env_poll(&env);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_CLOSED), 1);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_RESET), 0);
}

static void test_rst_from_guest(void **state)
{
	uint32_t s_iss = handshake(40009, 100, 65535);
	struct craft_frame f;
	char buf[4];

	(void)state;
	/* in the window but not exact: a challenge ACK, the flow stays */
	send_seg(40009, REMOTE, 80, 150, 0, RST, 0, NULL, 0);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, ACK);
	assert_int_equal(f.ack, 101);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_RESET), 0);
	/* exact: the far side is closed */
	craft_cap_clear(&env.cap);
	send_seg(40009, REMOTE, 80, 101, 0, RST, 0, NULL, 0);
	assert_int_equal(env.cap.n, 0);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_RESET), 1);
	assert_int_equal(read(env.peer[0], buf, sizeof(buf)), 0);
	(void)s_iss;
}

/* While the far side connects, a RST counts only at the guest's next
 * sequence number; any other is ignored and the handshake goes on. */
static void test_rst_while_connecting(void **state)
{
	struct craft_tcp t = {
		.src = GUEST, .dst = REMOTE, .sport = 40030, .dport = 80, .seq = 5000, .flags = SYN,
		.wnd = 65535, .opts = linux_syn_opts, .optlen = sizeof(linux_syn_opts),
	};
	struct craft_frame f;
	size_t n;

	(void)state;
	/* fed without a poll round: the far side's connect is not seen yet */
	n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	netstack_input(env.ns, fbuf, n);
	assert_int_equal(env.cap.n, 0);
	t.flags = RST;
	t.opts = NULL;
	t.optlen = 0;
	t.seq = 5000 + 77777;
	n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	netstack_input(env.ns, fbuf, n);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_RESET), 0);
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, SYN | ACK);
	assert_int_equal(f.ack, 5001);
	/* a second flow, reset at the exact sequence number while connecting */
	craft_cap_clear(&env.cap);
	t.sport = 40031;
	t.flags = SYN;
	t.seq = 9000;
	n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	netstack_input(env.ns, fbuf, n);
	t.flags = RST;
	t.seq = 9001;
	n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	netstack_input(env.ns, fbuf, n);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_RESET), 1);
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 0);
}

static void test_malformed_segments(void **state)
{
	uint32_t s_iss = handshake(40010, 100, 65535);
	struct craft_tcp t = {
		.src = GUEST, .dst = REMOTE, .sport = 40010, .dport = 80, .seq = 101,
		.ack = s_iss + 1, .flags = ACK, .wnd = 100, .data = "zz", .len = 2,
	};
	static const uint8_t bad_len_opt[] = { 2, 0, 0, 0 };	/* length 0 */
	static const uint8_t bad_mss_opt[] = { 2, 3, 1, 1 };	/* MSS of length 3 */
	static const uint8_t overrun_opt[] = { 1, 1, 8, 10 };	/* past the header */
	size_t n;
	uint64_t before = netstack_stat(env.ns, NS_DROP_TCP_MALFORMED);
	char buf[4];

	(void)state;
	/* bad checksum */
	n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	fbuf[n - 1] ^= 0x55;
	craft_env_input(&env, fbuf, n);
	/* bogus options */
	t.opts = bad_len_opt;
	t.optlen = 4;
	n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	craft_env_input(&env, fbuf, n);
	t.opts = bad_mss_opt;
	n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	craft_env_input(&env, fbuf, n);
	t.opts = overrun_opt;
	n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	craft_env_input(&env, fbuf, n);
	/* SYN and FIN together */
	t.opts = NULL;
	t.optlen = 0;
	t.flags = SYN | FIN;
	n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	craft_env_input(&env, fbuf, n);
	/* a data offset past the segment (checksum fixed up by hand) */
	t.flags = ACK;
	t.len = 0;
	n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	fbuf[34 + 12] = 0xf0;
	craft_env_input(&env, fbuf, n);
	assert_int_equal(netstack_stat(env.ns, NS_DROP_TCP_MALFORMED), before + 6);
	assert_int_equal(env.cap.n, 0);
	assert_int_equal(read(env.peer[0], buf, sizeof(buf)), -1);	/* nothing reached it */
	assert_int_equal(errno, EAGAIN);
}

static void test_out_of_window_and_order(void **state)
{
	uint32_t s_iss = handshake(40011, 100, 65535);
	struct craft_frame f;
	char buf[8];

	(void)state;
	/* far beyond the window: dropped, answered with an ACK */
	send_seg(40011, REMOTE, 80, 101 + 50000000, s_iss + 1, ACK, 100, "late", 4);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.ack, 101);
	assert_int_equal(netstack_stat(env.ns, NS_DROP_TCP_WINDOW), 1);
	/* in the window but not in order: held, a duplicate ACK, nothing
	 * written yet */
	craft_cap_clear(&env.cap);
	send_seg(40011, REMOTE, 80, 111, s_iss + 1, ACK, 100, "later", 5);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.ack, 101);
	assert_int_equal(netstack_stat(env.ns, NS_DROP_TCP_WINDOW), 1);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_OOO_HELD), 1);
	assert_int_equal(read(env.peer[0], buf, sizeof(buf)), -1);
	/* an ACK of data never sent: ignored, answered */
	craft_cap_clear(&env.cap);
	send_seg(40011, REMOTE, 80, 101, s_iss + 99999, ACK, 100, "x", 1);
	assert_int_equal(env.cap.n, 1);
	assert_int_equal(read(env.peer[0], buf, sizeof(buf)), -1);
	/* overlapping: the new part only */
	craft_cap_clear(&env.cap);
	send_seg(40011, REMOTE, 80, 101, s_iss + 1, ACK, 100, "abc", 3);
	send_seg(40011, REMOTE, 80, 102, s_iss + 1, ACK, 100, "bcdef", 5);
	assert_int_equal(read(env.peer[0], buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "abcdef", 6);
}

/* Segments the guest sends out of order are held and written in order once
 * the gap fills; a FIN held with them is taken too; bounds drop the rest. */
static void test_reordered_segments(void **state)
{
	uint32_t s_iss = handshake(40012, 100, 65535);
	struct craft_frame f;
	char buf[64];

	(void)state;
	/* 101..104 "abcd" is late; "efgh" and "ijkl" and the FIN come first,
	 * "ijkl" twice */
	send_seg(40012, REMOTE, 80, 109, s_iss + 1, ACK | FIN, 65535, "ijkl", 4);
	send_seg(40012, REMOTE, 80, 105, s_iss + 1, ACK, 65535, "efgh", 4);
	send_seg(40012, REMOTE, 80, 109, s_iss + 1, ACK | FIN, 65535, "ijkl", 4);
	assert_int_equal(env.cap.n, 3);
	for (size_t i = 0; i < 3; i++) {
		frame_at(i, &f);
		assert_int_equal(f.ack, 101);	/* duplicate ACKs */
	}
	assert_int_equal(netstack_stat(env.ns, NS_TCP_OOO_HELD), 3);
	assert_int_equal(read(env.peer[0], buf, sizeof(buf)), -1);
	/* the gap fills: everything goes in order, the FIN with it */
	craft_cap_clear(&env.cap);
	send_seg(40012, REMOTE, 80, 101, s_iss + 1, ACK, 65535, "abcd", 4);
	assert_int_equal(read(env.peer[0], buf, sizeof(buf)), 12);
	assert_memory_equal(buf, "abcdefghijkl", 12);
	assert_int_equal(read(env.peer[0], buf, sizeof(buf)), 0);	/* shut down */
	assert_true(env.cap.n >= 1);
	frame_at(env.cap.n - 1, &f);
	assert_int_equal(f.ack, 114);	/* 12 bytes and the FIN */
}

static void test_reordered_bounds(void **state)
{
	uint32_t s_iss = handshake(40013, 100, 65535);
	char data[1000], buf[65536];
	ssize_t got = 0, n;

	(void)state;
	memset(data, 'r', sizeof(data));
	/* Forty segments past a gap: all held, however many (without SACK the
	 * guest would resend each one dropped a round trip apart) ... */
	for (uint32_t i = 1; i <= 40; i++)
		send_seg(40013, REMOTE, 80, 101 + i * 1000, s_iss + 1, ACK, 65535, data, 1000);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_OOO_HELD), 40);
	assert_int_equal(netstack_stat(env.ns, NS_DROP_TCP_WINDOW), 0);
	/* ... but nothing past the window offered */
	send_seg(40013, REMOTE, 80, 101 + (64u << 20), s_iss + 1, ACK, 65535, data, 1000);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_OOO_HELD), 40);
	assert_int_equal(netstack_stat(env.ns, NS_DROP_TCP_WINDOW), 1);
	send_seg(40013, REMOTE, 80, 101, s_iss + 1, ACK, 65535, data, 1000);
	while ((n = read(env.peer[0], buf + got, sizeof(buf) - (size_t)got)) > 0)
		got += n;
	assert_int_equal(got, 41000);	/* the gap and the forty held, in order */
	for (ssize_t i = 0; i < got; i++)
		assert_int_equal(buf[i], 'r');
	/* the flow ends with something held: the free runs under ASan */
	send_seg(40013, REMOTE, 80, 101 + 42000, s_iss + 1, ACK, 65535, data, 100);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_OOO_HELD), 41);
}

static void test_our_zero_window(void **state)
{
	uint32_t s_iss;
	static char data[65536];
	struct craft_frame f;
	uint32_t seq = 101;
	uint16_t last_wnd = 1;
	int rounds = 0;

	(void)state;
	craft_env_free(&env);
	craft_env_init(&env);
	env.sndbuf = 4096;		/* a far socket that fills at once */
	assert_int_equal(craft_env_start(&env, allow_remote), 0);
	s_iss = handshake(40012, 100, 65535);
	memset(data, 'w', sizeof(data));
	/* the peer does not read: the guest sends what the window allows */
	while (last_wnd && rounds++ < 50) {
		craft_cap_clear(&env.cap);
		send_seg(40012, REMOTE, 80, seq, s_iss + 1, ACK, 65535, data, 1000);
		assert_true(env.cap.n >= 1);
		frame_at(env.cap.n - 1, &f);
		seq = f.ack;
		last_wnd = f.wnd;
	}
	assert_int_equal(last_wnd, 0);
	/* a probe into the closed window is answered with the closed window */
	craft_cap_clear(&env.cap);
	send_seg(40012, REMOTE, 80, seq, s_iss + 1, ACK, 65535, data, 1);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.wnd, 0);
	assert_int_equal(f.ack, seq);
	/* the peer reads: a window update follows, at the latest on re-check */
	{
		char sink[65536];

		while (read(env.peer[0], sink, sizeof(sink)) > 0)
			;
	}
	craft_cap_clear(&env.cap);
	for (int i = 0; i < 10 && env.cap.n == 0; i++) {
		env.now += 10;
		craft_env_poll(&env);
	}
	assert_true(env.cap.n >= 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, ACK);
	assert_int_equal(f.ack, seq);
	assert_true(f.wnd > 0);
}

static void test_direct_far_side_reset(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t sl = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), afd;
	char rule[32];
	const char *const allow[] = { rule, NULL };
	struct linger lg = { 1, 0 };
	struct craft_frame f;
	uint32_t s_iss = 0;

	(void)state;
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(rule, sizeof(rule), "127.0.0.1:%u", ntohs(sa.sin_port));
	craft_env_free(&env);
	craft_env_init(&env);
	env.pair_far = false;		/* real host sockets */
	assert_int_equal(craft_env_start(&env, allow), 0);
	/* the gateway address is the host's loopback */
	send_seg(40013, GW, ntohs(sa.sin_port), 100, 0, SYN, 65535, NULL, 0);
	for (int i = 0; i < 100 && env.cap.n == 0; i++) {
		usleep(1000);
		craft_env_poll(&env);
	}
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, SYN | ACK);
	assert_int_equal(f.src, GW);
	s_iss = f.seq;
	craft_cap_clear(&env.cap);
	send_seg(40013, GW, ntohs(sa.sin_port), 101, s_iss + 1, ACK, 65535, "ping", 4);
	afd = accept(lfd, NULL, NULL);
	assert_true(afd >= 0);
	{
		char buf[8];

		assert_int_equal(read(afd, buf, sizeof(buf)), 4);
		assert_memory_equal(buf, "ping", 4);
	}
	/* the host peer resets: so does the guest's connection */
	craft_cap_clear(&env.cap);
	setsockopt(afd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(afd);
	for (int i = 0; i < 100 && env.cap.n == 0; i++) {
		usleep(1000);
		craft_env_poll(&env);
	}
	assert_true(env.cap.n >= 1);
	frame_at(env.cap.n - 1, &f);
	assert_true(f.flags & RST);
	/* a refused connect is a refused guest connection */
	craft_cap_clear(&env.cap);
	close(lfd);
	send_seg(40014, GW, ntohs(sa.sin_port), 100, 0, SYN, 65535, NULL, 0);
	for (int i = 0; i < 100 && env.cap.n == 0; i++) {
		usleep(1000);
		craft_env_poll(&env);
	}
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, RST | ACK);
	assert_int_equal(f.ack, 101);
}

/* A SYN from @sport that a table full of established flows refuses. */
static void syn_refused(uint16_t sport)
{
	struct craft_frame f;

	craft_cap_clear(&env.cap);
	send_seg(sport, REMOTE, 80, 1, 0, SYN, 65535, NULL, 0);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, RST | ACK);
	assert_int_equal(f.dport, sport);
}

static void test_table_full_evicts_embryonic(void **state)
{
	struct craft_frame f;

	(void)state;
	craft_env_free(&env);
	craft_env_init(&env);
	env.cfg.max_tcp_flows = 4;
	assert_int_equal(craft_env_start(&env, allow_remote), 0);
	/* four handshakes left half-open (no final ACK) */
	for (uint16_t p = 0; p < 4; p++) {
		craft_cap_clear(&env.cap);
		send_seg(42000 + p, REMOTE, 80, 1, 0, SYN, 65535, NULL, 0);
		assert_int_equal(env.cap.n, 1);
	}
	/* a fifth SYN pushes out the oldest half-open one with a RST */
	craft_cap_clear(&env.cap);
	send_seg(42004, REMOTE, 80, 1, 0, SYN, 65535, NULL, 0);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_FULL), 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, RST | ACK);
	assert_int_equal(f.dport, 42000);
	frame_at(env.cap.n - 1, &f);
	assert_int_equal(f.flags, SYN | ACK);
	assert_int_equal(f.dport, 42004);
}

static void test_table_full_reclaims_time_wait(void **state)
{
	struct craft_frame f;
	uint32_t s_iss;

	(void)state;
	craft_env_free(&env);
	craft_env_init(&env);
	env.cfg.max_tcp_flows = 2;
	assert_int_equal(craft_env_start(&env, allow_remote), 0);
	/* one flow the far side ends first, into TIME_WAIT; one established */
	s_iss = handshake(44000, 1, 65535);
	shutdown(env.peer[0], SHUT_WR);
	craft_env_poll(&env);
	send_seg(44000, REMOTE, 80, 2, s_iss + 2, ACK | FIN, 65535, NULL, 0);
	handshake(44001, 1, 65535);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_CLOSED), 0);
	/* a new SYN takes the TIME_WAIT slot, silently, and is answered */
	craft_cap_clear(&env.cap);
	send_seg(44002, REMOTE, 80, 1, 0, SYN, 65535, NULL, 0);
	if (env.cap.n == 0)
		craft_env_poll(&env);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_FULL), 0);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_CLOSED), 1);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_RESET), 0);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, SYN | ACK);
	assert_int_equal(f.dport, 44002);
	/* the established flow was not touched: the next SYN is refused */
	send_seg(44002, REMOTE, 80, 2, f.seq + 1, ACK, 65535, NULL, 0);
	syn_refused(44003);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_OPENED), 3);
}

static void test_table_full_of_established(void **state)
{
	(void)state;
	craft_env_free(&env);
	craft_env_init(&env);
	env.cfg.max_tcp_flows = 2;
	assert_int_equal(craft_env_start(&env, allow_remote), 0);
	handshake(43000, 1, 65535);
	handshake(43001, 1, 65535);
	syn_refused(43002);
	assert_int_equal(netstack_stat(env.ns, NS_TCP_OPENED), 2);
}

static void test_forward_into_guest(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	struct ns_forward fw;
	struct craft_frame f;
	int cfd, port = 0;
	char buf[16];

	(void)state;
	craft_env_free(&env);
	craft_env_init(&env);
	/* find a free port, then forward it to the guest's port 8080 */
	{
		int t = socket(AF_INET, SOCK_STREAM, 0);
		socklen_t sl = sizeof(sa);

		bind(t, (struct sockaddr *)&sa, sizeof(sa));
		getsockname(t, (struct sockaddr *)&sa, &sl);
		port = ntohs(sa.sin_port);
		close(t);
	}
	snprintf(buf, sizeof(buf), "%d:8080", port);
	assert_int_equal(netstack_forward_parse(buf, &fw, NULL), 0);
	env.cfg.forwards = &fw;
	env.cfg.nforwards = 1;
	assert_int_equal(craft_env_start(&env, NULL), 0);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	craft_env_poll(&env);
	/* the guest has not spoken: who-has first */
	assert_int_equal(env.cap.n, 1);
	assert_true(craft_parse(env.cap.buf[0], env.cap.len[0], &f));
	assert_int_equal(f.ethertype, 0x0806);
	assert_int_equal(f.arp_op, 1);
	assert_int_equal(f.arp_tpa, GUEST);
	/* its answer releases the SYN */
	craft_cap_clear(&env.cap);
	{
		size_t n = craft_arp(fbuf, sizeof(fbuf), craft_gw_mac, 2, craft_guest_mac, GUEST, craft_gw_mac, GW);

		craft_env_input(&env, fbuf, n);
	}
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.flags, SYN);
	assert_int_equal(f.src, GW);
	assert_int_equal(f.dport, 8080);
	assert_int_equal(f.mss, NS_DEFAULT_MTU - 40);
	assert_int_equal(f.ws, 7);
	/* the guest accepts; data flows from the host client into the guest */
	{
		uint16_t sp = f.sport;
		uint32_t iss = f.seq;
		struct craft_tcp t = {
			.src = GUEST, .dst = GW, .sport = 8080, .dport = sp, .seq = 5000,
			.ack = iss + 1, .flags = SYN | ACK, .wnd = 65535, .opts = linux_syn_opts,
			.optlen = 8,	/* MSS, NOP, WS */
		};
		size_t n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);

		craft_cap_clear(&env.cap);
		craft_env_input(&env, fbuf, n);
		assert_int_equal(env.cap.n, 1);
		frame_at(0, &f);
		assert_int_equal(f.flags, ACK);
		assert_int_equal(f.ack, 5001);
		craft_cap_clear(&env.cap);
		assert_int_equal(write(cfd, "GET /", 5), 5);
		for (int i = 0; i < 100 && env.cap.n == 0; i++) {
			usleep(1000);
			craft_env_poll(&env);
		}
		assert_int_equal(env.cap.n, 1);
		frame_at(0, &f);
		assert_int_equal(f.len, 5);
		assert_memory_equal(f.data, "GET /", 5);
		/* and back */
		t.flags = ACK | PSH;
		t.seq = 5001;
		t.ack = iss + 6;
		t.opts = NULL;
		t.optlen = 0;
		t.data = "200 OK";
		t.len = 6;
		n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
		craft_env_input(&env, fbuf, n);
		assert_int_equal(read(cfd, buf, sizeof(buf)), 6);
		assert_memory_equal(buf, "200 OK", 6);
	}
	close(cfd);
}

static void test_without_peek_offset(void **state)
{
	uint32_t s_iss = handshake(40015, 100, 65535);
	struct tcp_conn *c = NULL;
	static char out[3000];
	struct craft_frame f;
	int off = -1;
	uint64_t t0;

	(void)state;
	for (uint32_t i = 0; i < env.ns->tcp_max; i++)
		if (env.ns->tcp[i].state == TS_ESTABLISHED && env.ns->tcp[i].gport == 40015)
			c = &env.ns->tcp[i];
	assert_non_null(c);
	/* as on a kernel whose sockets have no peek offset */
	assert_int_equal(setsockopt(c->fd, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off)), 0);
	c->flags &= (uint16_t)~TF_PEEK_OFF;
	for (int i = 0; i < 3000; i++)
		out[i] = (char)(i * 13);
	assert_int_equal(write(env.peer[0], out, 1000), 1000);
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 1);
	/* more arrives while the first 1000 are unacknowledged: only the new bytes go */
	craft_cap_clear(&env.cap);
	assert_int_equal(write(env.peer[0], out + 1000, 2000), 2000);
	t0 = env.now;
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 2);
	frame_at(0, &f);
	assert_int_equal(f.seq, s_iss + 1001);
	assert_int_equal(f.len, 1460);
	assert_memory_equal(f.data, out + 1000, 1460);
	frame_at(1, &f);
	assert_int_equal(f.len, 540);
	assert_memory_equal(f.data, out + 2460, 540);
	/* the guest takes 1000; the timeout resends from there, the right bytes */
	craft_cap_clear(&env.cap);
	send_seg(40015, REMOTE, 80, 101, s_iss + 1001, ACK, 65535, NULL, 0);
	env.now = t0 + 1000;
	craft_env_poll(&env);
	assert_int_equal(env.cap.n, 1);
	frame_at(0, &f);
	assert_int_equal(f.seq, s_iss + 1001);
	assert_int_equal(f.len, 1460);
	assert_memory_equal(f.data, out + 1000, 1460);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_without_wscale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_simultaneous_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtu_sets_mss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_denied_syn_gets_rst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_window_limits_sending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_persist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_with_data_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retransmission_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fast_retransmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_far_ends_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rst_from_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rst_while_connecting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_window_and_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reordered_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reordered_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_our_zero_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_far_side_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_full_evicts_embryonic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_full_reclaims_time_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_full_of_established, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_into_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_peek_offset, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
