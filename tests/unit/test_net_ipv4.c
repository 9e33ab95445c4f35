// SPDX-License-Identifier: MIT
/* Unit tests: netstack IPv4 and ICMP (ipv4.c, icmp.c, csum.c), table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <string.h>

#include "netstack/craft.h"
#include "netstack/netstack.h"
#include "netstack/pkt.h"

#define GUEST 0x0a580002u
#define GW 0x0a580001u

static struct craft_env env;

static int setup(void **state)
{
	(void)state;
	craft_env_init(&env);
	return craft_env_start(&env, NULL);
}

static int teardown(void **state)
{
	(void)state;
	craft_env_free(&env);
	return 0;
}

static void test_checksum_matches_reference(void **state)
{
	static uint8_t buf[70000];
	static const size_t lens[] = { 0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 64, 1499, 65535 };

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 8));
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		for (size_t off = 0; off < 3; off++) {
			uint32_t s = 0;

			for (size_t i = 0; i + 1 < lens[k]; i += 2)
				s += (uint32_t)(buf[off + i] << 8 | buf[off + i + 1]);
			if (lens[k] & 1)
				s += (uint32_t)buf[off + lens[k] - 1] << 8;
			while (s >> 16)
				s = (s & 0xffff) + (s >> 16);
			assert_int_equal(csum_fold(csum_partial(buf + off, lens[k], 0)),
					 (uint16_t)~s);
		}
	}
	/* RFC 1071's example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 */
	{
		static const uint8_t ex[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

		assert_int_equal(csum_fold(csum_partial(ex, 8, 0)), (uint16_t)~0xddf2);
	}
}

static void test_ping_gateway(void **state)
{
	uint8_t f[2048], payload[1000];
	struct craft_frame r;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	n = craft_icmp_echo(f, sizeof(f), craft_guest_mac, craft_gw_mac, GUEST, GW, 0x1234, 7, payload,
			    sizeof(payload));
	craft_env_input(&env, f, n);
	assert_int_equal(env.cap.n, 1);
	assert_true(craft_parse(env.cap.buf[0], env.cap.len[0], &r));
	assert_int_equal(r.proto, IPPROTO_ICMP);
	assert_true(r.ip_csum_ok);
	assert_true(r.l4_csum_ok);
	assert_int_equal(r.icmp_type, 0);
	assert_int_equal(r.icmp_code, 0);
	assert_int_equal(r.icmp_id, 0x1234);
	assert_int_equal(r.icmp_seq, 7);
	assert_int_equal(r.src, GW);
	assert_int_equal(r.dst, GUEST);
	assert_int_equal(r.len, sizeof(payload));
	assert_memory_equal(r.data, payload, sizeof(payload));
	assert_memory_equal(r.eth_dst, craft_guest_mac, 6);
}

/* Each row breaks one thing in a good echo request; none may be answered. */
static void test_malformed_ip_dropped(void **state)
{
	uint8_t good[256], f[256];
	size_t n = craft_icmp_echo(good, sizeof(good), craft_guest_mac, craft_gw_mac, GUEST, GW, 1, 1,
				   "abcdefgh", 8);
	static const struct {
		const char *what;
		size_t off;
		uint8_t val;
		size_t len;
		bool fix_ip_csum;
		enum ns_stat stat;
	} rows[] = {
		{ "version 6 in an IPv4 frame", 14, 0x65, 0, true, NS_DROP_IP },
		{ "header length 16", 14, 0x44, 0, true, NS_DROP_IP },
		{ "header length past the frame", 14, 0x4f, 0, true, NS_DROP_IP },
		{ "bad header checksum", 24, 0x00, 0, false, NS_DROP_IP },
		{ "total length past the frame", 16, 0x10, 0, true, NS_DROP_IP },
		{ "total length below the header", 17, 10, 0, true, NS_DROP_IP },
		{ "truncated header", SIZE_MAX, 0, 30, false, NS_DROP_IP },
		{ "fragment (MF)", 20, 0x20, 0, true, NS_DROP_IP },
		{ "fragment offset", 21, 0x08, 0, true, NS_DROP_IP },
		{ "spoofed source", 29, 0x09, 0, true, NS_DROP_IP },
		{ "multicast destination", 30, 224, 0, true, NS_DROP_IP },
		{ "subnet broadcast", 33, 255, 0, true, NS_DROP_IP },
		{ "other on-link address", 33, 77, 0, true, NS_DROP_IP },
		{ "unknown protocol", 23, 47, 0, true, NS_DROP_IP },
		{ "bad ICMP checksum", 36, 0xff, 0, false, NS_DROP_ICMP },
		{ "ICMP type 13", 34, 13, 0, false, NS_DROP_ICMP },
		{ "echo to a remote address", 30, 8, 0, true, NS_DROP_ICMP },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t before = netstack_stat(env.ns, rows[i].stat);

		memcpy(f, good, n);
		if (rows[i].off != SIZE_MAX)
			f[rows[i].off] = rows[i].val;
		if (rows[i].fix_ip_csum) {
			f[24] = f[25] = 0;
			put_u16(f + 24, csum_fold(csum_partial(f + 14, (size_t)(f[14] & 15) * 4, 0)));
		}
		if (rows[i].off == 34 || rows[i].off == 30) {
			/* keep the ICMP checksum right where the row is about something else */
			f[36] = f[37] = 0;
			put_u16(f + 36, csum_fold(csum_partial(f + 34, n - 34, 0)));
		}
		craft_cap_clear(&env.cap);
		craft_env_input(&env, f, rows[i].len ? rows[i].len : n);
		print_message("%s\n", rows[i].what);
		assert_int_equal(env.cap.n, 0);
		assert_int_equal(netstack_stat(env.ns, rows[i].stat), before + 1);
	}
}

static void test_padding_ignored(void **state)
{
	uint8_t f[256];
	size_t n = craft_icmp_echo(f, sizeof(f), craft_guest_mac, craft_gw_mac, GUEST, GW, 9, 9, "pad", 3);
	struct craft_frame r;

	(void)state;
	memset(f + n, 0xee, 20);	/* Ethernet padding past the total length */
	craft_env_input(&env, f, n + 20);
	assert_int_equal(env.cap.n, 1);
	assert_true(craft_parse(env.cap.buf[0], env.cap.len[0], &r));
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.data, "pad", 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_matches_reference),
		cmocka_unit_test_setup_teardown(test_ping_gateway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_ip_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_padding_ignored, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
