/* SPDX-License-Identifier: MIT */
/*
 * craft.h - frames as a guest would send them, an independent parser for the
 * frames the stack answers with, and a frame sink that keeps them: the
 * tools of the unit tests and the fuzzer.  Nothing on the data path uses it.
 */
#ifndef MOAT_NETSTACK_CRAFT_H
#define MOAT_NETSTACK_CRAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRAFT_CAP_MAX 512

/* A guest-side TCP segment. */
struct craft_tcp {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	const uint8_t *opts;	/* raw option bytes, length a multiple of 4 */
	size_t optlen;
	const void *data;
	size_t len;
};

/* Each returns the frame length, 0 if @cap is too small. */
size_t craft_tcp(uint8_t *buf, size_t cap, const uint8_t *src_mac, const uint8_t *dst_mac,
		 const struct craft_tcp *t);
size_t craft_udp(uint8_t *buf, size_t cap, const uint8_t *src_mac, const uint8_t *dst_mac,
		 uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, const void *data,
		 size_t len);
size_t craft_icmp_echo(uint8_t *buf, size_t cap, const uint8_t *src_mac, const uint8_t *dst_mac,
		       uint32_t src, uint32_t dst, uint16_t id, uint16_t seq, const void *data,
		       size_t len);
size_t craft_arp(uint8_t *buf, size_t cap, const uint8_t *eth_dst, uint16_t op,
		 const uint8_t *sha, uint32_t spa, const uint8_t *tha, uint32_t tpa);
/* A DNS query message (no UDP/IP headers). */
size_t craft_dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype);

/* What a frame from the stack says; checksums are verified independently. */
struct craft_frame {
	uint8_t eth_dst[6], eth_src[6];
	uint16_t ethertype;
	/* ARP */
	uint16_t arp_op;
	uint8_t arp_sha[6];
	uint32_t arp_spa, arp_tpa;
	/* IPv4 */
	uint8_t proto, ttl;
	uint32_t src, dst;
	bool ip_csum_ok, l4_csum_ok;
	/* TCP / UDP */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	int mss, ws;		/* -1 if absent */
	bool sackok, ts;
	/* ICMP */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	/* payload of TCP/UDP/ICMP (after the 8-byte ICMP header) */
	const uint8_t *data;
	size_t len;
};

bool craft_parse(const uint8_t *frame, size_t len, struct craft_frame *f);

/* A frame sink (an ns_tx_fn) that keeps copies. */
struct craft_cap {
	size_t n;
	size_t len[CRAFT_CAP_MAX];
	uint8_t *buf[CRAFT_CAP_MAX];
	size_t dropped;		/* frames past CRAFT_CAP_MAX */
};

void craft_cap_tx(void *ctx, const void *frame, size_t len);
void craft_cap_clear(struct craft_cap *c);

#endif

/* ---- a stack wired for tests: captured frames, a fake clock, and far
 * sides that are socket pairs whose other ends the test holds ---- */
#include "netstack/netstack.h"

#define CRAFT_PEERS 64

struct craft_env {
	struct netstack_config cfg;
	struct egress_policy pol;
	struct netstack *ns;
	struct craft_cap cap;
	uint64_t now;			/* ms, the stack's clock */
	bool pair_far;			/* far sides are socket pairs (else direct) */
	int sndbuf;			/* SO_SNDBUF for the stack's end, 0: default */
	int peer[CRAFT_PEERS];		/* the test's ends, in connect order */
	unsigned npeers;
	unsigned audits, audit_denies;
	char last_audit[512];
};

extern const uint8_t craft_guest_mac[6];
/* the gateway MAC the stack answers from by default (the tests expect it) */
extern const uint8_t craft_gw_mac[6];

/**
 * craft_env_start() - build env->ns from env->cfg (set up by craft_env_init()
 * and adjusted by the caller) with the rules in @allow (NULL-terminated)
 * Return: 0 or -errno
 */
void craft_env_init(struct craft_env *env);
int craft_env_start(struct craft_env *env, const char *const *allow);
void craft_env_free(struct craft_env *env);
/* Feed one frame, then run one poll round (timers, ACKs) at env->now. */
void craft_env_input(struct craft_env *env, const uint8_t *frame, size_t len);
void craft_env_poll(struct craft_env *env);
