// SPDX-License-Identifier: MIT
/* Unit tests: netstack Ethernet and ARP (eth.c, arp.c), table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "netstack/craft.h"
#include "netstack/netstack.h"

#define GUEST 0x0a580002u
#define GW 0x0a580001u

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zero[6];
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

static void test_arp_reply(void **state)
{
	uint8_t f[64];
	size_t n = craft_arp(f, sizeof(f), bcast, 1, craft_guest_mac, GUEST, zero, GW);
	struct craft_frame r;

	(void)state;
	craft_env_input(&env, f, n);
	assert_int_equal(env.cap.n, 1);
	assert_true(craft_parse(env.cap.buf[0], env.cap.len[0], &r));
	assert_int_equal(r.ethertype, 0x0806);
	assert_int_equal(r.arp_op, 2);
	assert_memory_equal(r.eth_dst, craft_guest_mac, 6);
	assert_memory_equal(r.eth_src, craft_gw_mac, 6);
	assert_memory_equal(r.arp_sha, craft_gw_mac, 6);
	assert_int_equal(r.arp_spa, GW);
	assert_int_equal(r.arp_tpa, GUEST);
	assert_int_equal(env.cap.len[0], 42);
}

/* One row per frame that must be dropped, with the counter that says why. */
static void test_dropped_frames(void **state)
{
	uint8_t good[64], f[64];
	size_t n = craft_arp(good, sizeof(good), bcast, 1, craft_guest_mac, GUEST, zero, GW);
	static const struct {
		const char *what;
		size_t off;		/* byte to change, or SIZE_MAX */
		uint8_t val;
		size_t len;		/* frame length to feed, 0: all */
		enum ns_stat stat;
	} rows[] = {
		{ "empty frame", SIZE_MAX, 0, 1, NS_DROP_ETH },
		{ "13-byte frame", SIZE_MAX, 0, 13, NS_DROP_ETH },
		{ "truncated ARP", SIZE_MAX, 0, 30, NS_DROP_ARP },
		{ "IPv6 EtherType", 12, 0x86, 0, NS_DROP_IPV6 },
		{ "unknown EtherType", 13, 0x99, 0, NS_DROP_ETH },
		{ "not our MAC", 0, 0x04, 0, NS_DROP_ETH },
		{ "multicast source", 6, 0x01, 0, NS_DROP_ETH },
		{ "ARP hardware type", 15, 6, 0, NS_DROP_ARP },
		{ "ARP hlen", 18, 8, 0, NS_DROP_ARP },
		{ "ARP opcode 3", 21, 3, 0, NS_DROP_ARP },
		{ "ARP from a stranger", 31, 0x09, 0, NS_DROP_ARP },
		{ "ARP for another address", 41, 0x07, 0, NS_DROP_ARP },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t before = netstack_stat(env.ns, rows[i].stat);

		memcpy(f, good, n);
		if (rows[i].off != SIZE_MAX)
			f[rows[i].off] = rows[i].val;
		if (rows[i].off == 12)
			f[13] = 0xdd;		/* 0x86dd */
		craft_cap_clear(&env.cap);
		craft_env_input(&env, f, rows[i].len ? rows[i].len : n);
		print_message("%s\n", rows[i].what);
		assert_int_equal(env.cap.n, 0);
		assert_int_equal(netstack_stat(env.ns, rows[i].stat), before + 1);
	}
	assert_int_equal(netstack_stat(env.ns, NS_RX_FRAMES), sizeof(rows) / sizeof(rows[0]));
	assert_int_equal(netstack_stat(env.ns, NS_TX_FRAMES), 0);
}

static void test_ipv4_to_broadcast_mac_dropped(void **state)
{
	uint8_t f[128];
	size_t n = craft_icmp_echo(f, sizeof(f), craft_guest_mac, bcast, GUEST, GW, 1, 1, "x", 1);

	(void)state;
	craft_env_input(&env, f, n);
	assert_int_equal(env.cap.n, 0);
	assert_int_equal(netstack_stat(env.ns, NS_DROP_ETH), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_arp_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv4_to_broadcast_mac_dropped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
