/* SPDX-License-Identifier: MIT */
/*
 * egress.h - who the guest may reach: the allow list and the decision hook.
 *
 * Deny is the default.  A rule comes from an `--allow HOST[:PORT]` string:
 *   api.example.com[:443]   that name (case-insensitive, trailing dot ignored)
 *   *.example.com[:443]     any name under example.com (not example.com itself)
 *   *[:443]                 any name and any public address
 *   203.0.113.7[:443]       that address
 *   10.1.0.0/16[:5432]      that range
 * A missing port or "*" means every port.
 *
 * A connection is judged on its destination address and port and on the name
 * the guest's DNS query bound to that address (see dns.c), if any: an address
 * rule that covers it allows it; otherwise loopback, RFC 1918, link-local
 * (169.254.169.254 included), CGNAT, multicast and reserved addresses are
 * denied, whatever name resolved to them; otherwise a name rule (or "*")
 * that matches the bound name and the port allows it.  A DNS query is judged
 * on its name alone: any name rule that matches it, on any port.
 */
#ifndef MOAT_NETSTACK_EGRESS_H
#define MOAT_NETSTACK_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum egress_proto { EGRESS_DNS, EGRESS_TCP, EGRESS_UDP };

struct egress_query {
	enum egress_proto proto;
	const char *name;	/* DNS name, or the name bound to addr; NULL if none */
	uint32_t addr;		/* host order; unused for EGRESS_DNS */
	uint16_t port;		/* unused for EGRESS_DNS */
};

/**
 * typedef egress_decide_fn - the egress hook
 * @ctx:	its context
 * @q:		what the guest wants to reach
 * @reason:	set to a static string that says why (for the audit log)
 *
 * Return: true to allow.
 */
typedef bool (*egress_decide_fn)(void *ctx, const struct egress_query *q, const char **reason);

enum egress_rule_kind { EGRESS_RULE_NAME, EGRESS_RULE_GLOB, EGRESS_RULE_ADDR, EGRESS_RULE_ANY };

struct egress_rule {
	enum egress_rule_kind kind;
	char name[256];		/* NAME: the name; GLOB: the suffix after "*." */
	uint32_t addr, mask;	/* ADDR */
	uint16_t port;		/* 0: any */
};

struct egress_policy {
	struct egress_rule *rules;
	size_t n;
};

/**
 * egress_policy_add() - parse one `--allow` string and append its rule
 * Return: 0, -EINVAL (with @e saying what is wrong) or -ENOMEM
 */
int egress_policy_add(struct egress_policy *p, const char *spec, struct merr *e);

/** egress_policy_free() - free the rules (the struct itself is the caller's) */
void egress_policy_free(struct egress_policy *p);

/**
 * egress_decide() - the default hook: judge @q against the policy @ctx
 * (a const struct egress_policy *, NULL for deny-all)
 */
bool egress_decide(void *ctx, const struct egress_query *q, const char **reason);

/**
 * egress_addr_class() - the special range @addr falls in ("loopback",
 * "private", "link-local", ...), or NULL for a public address
 */
const char *egress_addr_class(uint32_t addr);

/**
 * egress_name_normalize() - lower-case @in into @out, drop one trailing dot,
 * check it is a plausible DNS name (labels of 1..63 of [a-z0-9_-], 253 total)
 * Return: 0 or -EINVAL
 */
int egress_name_normalize(const char *in, char *out, size_t cap);

#endif
