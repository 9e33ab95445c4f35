// SPDX-License-Identifier: MIT
/*
 * fuzz_netstack - libFuzzer target: frames from a hostile guest.
 *
 * Each input is a script of records, [op][len_hi][len_lo][len bytes]:
 *   op % 6 == 0  a raw frame, as is (parsers: Ethernet, ARP, IPv4, ICMP, UDP)
 *   op % 6 == 1  a TCP segment on the open connection: the bytes give the
 *                flags, window, sequence and acknowledgement offsets (from
 *                what the stack expects), options and payload; the checksum
 *                is made right so the segment reaches the state machine
 *   op % 6 == 2  a UDP datagram to the DNS server with the bytes as the query
 *   op % 6 == 3  time passes (the bytes say how long), timers fire
 *   op % 6 == 4  the far side writes the bytes, or shuts down, or closes
 *   op % 6 == 5  a new connection (SYN) from the given guest port
 * Before the script runs, one connection is opened with a real handshake, so
 * that the interesting states are reachable.  Build: make fuzz; run:
 * build/fuzz/fuzz_netstack -max_total_time=60.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netstack/craft.h"
#include "netstack/netstack.h"

#define GUEST 0x0a580002u
#define GW 0x0a580001u
#define REMOTE 0xcb007105u

static uint8_t fbuf[70000];
static const char *const allow[] = { "203.0.113.5:80", "*.fuzz.test", NULL };
static const struct ns_host hosts[] = { { "a.fuzz.test", REMOTE } };

struct conn {
	uint16_t sport;
	uint32_t seq, ack;	/* what the guest believes */
};

static void segment(struct craft_env *env, struct conn *c, const uint8_t *b, size_t n)
{
	uint8_t opts[40];
	struct craft_tcp t = {
		.src = GUEST, .dst = REMOTE, .sport = c->sport, .dport = 80,
		.seq = c->seq, .ack = c->ack,
	};
	size_t olen = 0, len;

	if (n < 8)
		return;
	t.flags = b[0];
	t.wnd = (uint16_t)(b[1] << 8 | b[2]);
	t.seq += (uint32_t)(int8_t)b[3] * (b[4] & 0x80 ? 4096u : 1u);
	t.ack += (uint32_t)(int8_t)b[5] * (b[4] & 0x40 ? 4096u : 1u);
	olen = (size_t)(b[6] & 7) * 4;
	if (olen > n - 8)
		olen = (n - 8) & ~(size_t)3;
	memcpy(opts, b + 8, olen);
	t.opts = opts;
	t.optlen = olen;
	t.data = b + 8 + olen;
	t.len = n - 8 - olen;
	len = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	if (!len)
		return;
	craft_env_input(env, fbuf, len);
	if (b[7] & 1)
		c->seq = t.seq + (uint32_t)t.len + !!(t.flags & 0x03);
}

/* The stack's latest segment to the guest on @c tells the guest what to ACK. */
static void learn(struct craft_env *env, struct conn *c)
{
	for (size_t i = 0; i < env->cap.n; i++) {
		struct craft_frame f;

		if (craft_parse(env->cap.buf[i], env->cap.len[i], &f) && f.proto == 6 &&
		    f.dport == c->sport)
			c->ack = f.seq + (uint32_t)f.len + !!(f.flags & 0x03);
	}
	craft_cap_clear(&env->cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t syn_opts[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	struct craft_env env;
	struct conn c = { .sport = 40000, .seq = 1000 };
	struct craft_tcp t = {
		.src = GUEST, .dst = REMOTE, .sport = 40000, .dport = 80, .seq = 999,
		.flags = 0x02, .wnd = 65535, .opts = syn_opts, .optlen = sizeof(syn_opts),
	};
	size_t off = 0, n;

	craft_env_init(&env);
	env.cfg.max_tcp_flows = 8;
	env.cfg.max_udp_flows = 4;
	env.cfg.hosts = hosts;
	env.cfg.nhosts = 1;
	if (craft_env_start(&env, allow) < 0)
		return 0;
	n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	craft_env_input(&env, fbuf, n);
	learn(&env, &c);
	t.flags = 0x10;
	t.seq = 1000;
	t.ack = c.ack;
	t.optlen = 0;
	n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
	craft_env_input(&env, fbuf, n);
	while (off + 3 <= size) {
		uint8_t op = data[off];
		size_t len = (size_t)(data[off + 1] << 8 | data[off + 2]);
		const uint8_t *b = data + off + 3;

		if (len > size - off - 3)
			len = size - off - 3;
		off += 3 + len;
		switch (op % 6) {
		case 0:
			craft_env_input(&env, b, len);
			break;
		case 1:
			segment(&env, &c, b, len);
			break;
		case 2:
			n = craft_udp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, GUEST, GW, 5353, 53,
				      b, len);
			if (n)
				craft_env_input(&env, fbuf, n);
			break;
		case 3:
			env.now += len ? (uint64_t)b[0] << (len > 1 ? (b[1] & 15) : 0) : 1;
			craft_env_poll(&env);
			break;
		case 4:
			if (env.npeers && env.peer[0] >= 0) {
				if (len == 0) {
					shutdown(env.peer[0], SHUT_WR);
				} else if (len == 1) {
					close(env.peer[0]);
					env.peer[0] = -1;
				} else if (send(env.peer[0], b, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
					break;
				}
				craft_env_poll(&env);
			}
			break;
		case 5:
			if (len >= 2) {
				t.flags = 0x02;
				t.sport = (uint16_t)(b[0] << 8 | b[1]);
				t.seq = 7;
				t.opts = syn_opts;
				t.optlen = sizeof(syn_opts);
				n = craft_tcp(fbuf, sizeof(fbuf), craft_guest_mac, craft_gw_mac, &t);
				craft_env_input(&env, fbuf, n);
			}
			break;
		}
		learn(&env, &c);
	}
	craft_env_free(&env);
	return 0;
}
