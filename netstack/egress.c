// SPDX-License-Identifier: MIT
/*
 * egress.c - the allow list (see egress.h for the rules and the decision).
 *
 * Rules are parsed once, at start-up, from strings the user typed; the
 * decision runs for every DNS query and every new flow, so it only walks the
 * (short) rule array and compares normalized names.
 */
#include "netstack/egress.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int egress_name_normalize(const char *in, char *out, size_t cap)
{
	size_t len = strlen(in), lab = 0;

	if (len && in[len - 1] == '.')
		len--;
	if (len == 0 || len > 253 || len + 1 > cap)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)tolower((unsigned char)in[i]);

		if (c == '.') {
			if (lab == 0)
				return -EINVAL;
			lab = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++lab > 63)
				return -EINVAL;
		} else {
			return -EINVAL;
		}
		out[i] = (char)c;
	}
	if (lab == 0)
		return -EINVAL;
	out[len] = '\0';
	return 0;
}

static int parse_port(const char *s, uint16_t *port)
{
	uint64_t v;

	if (strcmp(s, "*") == 0) {
		*port = 0;
		return 0;
	}
	if (parse_u64(s, &v) < 0 || v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int parse_addr(const char *s, struct egress_rule *r)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	struct in_addr a;
	uint64_t bits = 32;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	if (slash) {
		buf[slash - s] = '\0';
		if (parse_u64(slash + 1, &bits) < 0 || bits > 32)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	r->mask = bits ? ~0u << (32 - bits) : 0;
	r->addr = ntohl(a.s_addr) & r->mask;
	r->kind = EGRESS_RULE_ADDR;
	return 0;
}

int egress_policy_add(struct egress_policy *p, const char *spec, struct merr *e)
{
	struct egress_rule r = { 0 };
	char host[300];
	const char *colon;
	struct egress_rule *rules;

	if (!spec || !*spec)
		return merr_set(e, EINVAL, "--allow: empty rule (expected HOST[:PORT])");
	if (spec[0] == '[' || strchr(spec, ':') != strrchr(spec, ':'))
		return merr_set(e, EINVAL, "--allow %s: IPv6 is not supported", spec);
	colon = strrchr(spec, ':');
	if (colon) {
		if ((size_t)(colon - spec) >= sizeof(host))
			return merr_set(e, EINVAL, "--allow %s: host too long", spec);
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		if (parse_port(colon + 1, &r.port) < 0)
			return merr_set(e, EINVAL, "--allow %s: bad port (expected 1-65535 or *)",
					spec);
	} else {
		if (strlen(spec) >= sizeof(host))
			return merr_set(e, EINVAL, "--allow %s: host too long", spec);
		strcpy(host, spec);
	}
	if (strcmp(host, "*") == 0) {
		r.kind = EGRESS_RULE_ANY;
	} else if (strncmp(host, "*.", 2) == 0) {
		r.kind = EGRESS_RULE_GLOB;
		if (egress_name_normalize(host + 2, r.name, sizeof(r.name)) < 0)
			return merr_set(e, EINVAL, "--allow %s: bad name after *.", spec);
	} else if (isdigit((unsigned char)host[0]) && strspn(host, "0123456789./") == strlen(host)) {
		if (parse_addr(host, &r) < 0)
			return merr_set(e, EINVAL, "--allow %s: bad IPv4 address or range", spec);
	} else {
		r.kind = EGRESS_RULE_NAME;
		if (strchr(host, '*') || egress_name_normalize(host, r.name, sizeof(r.name)) < 0)
			return merr_set(e, EINVAL,
					"--allow %s: bad host (a name, *.name, *, an IPv4 address or a range)",
					spec);
	}
	rules = realloc(p->rules, (p->n + 1) * sizeof(*rules));
	if (!rules)
		return merr_set(e, ENOMEM, "--allow %s: out of memory", spec);
	p->rules = rules;
	p->rules[p->n++] = r;
	return 0;
}

void egress_policy_free(struct egress_policy *p)
{
	free(p->rules);
	p->rules = NULL;
	p->n = 0;
}

const char *egress_addr_class(uint32_t a)
{
	static const struct { uint32_t net; unsigned bits; const char *what; } ranges[] = {
		{ 0x00000000u, 8, "this-network" },	/* 0.0.0.0/8 */
		{ 0x7f000000u, 8, "loopback" },		/* 127.0.0.0/8 */
		{ 0x0a000000u, 8, "private" },		/* 10.0.0.0/8 */
		{ 0xac100000u, 12, "private" },		/* 172.16.0.0/12 */
		{ 0xc0a80000u, 16, "private" },		/* 192.168.0.0/16 */
		{ 0xa9fea9feu, 32, "metadata" },	/* 169.254.169.254 */
		{ 0xa9fe0000u, 16, "link-local" },	/* 169.254.0.0/16 */
		{ 0x64400000u, 10, "shared" },		/* 100.64.0.0/10 (CGNAT) */
		{ 0xc0000000u, 24, "ietf" },		/* 192.0.0.0/24 */
		{ 0xe0000000u, 4, "multicast" },	/* 224.0.0.0/4 */
		{ 0xf0000000u, 4, "reserved" },		/* 240.0.0.0/4, broadcast */
	};

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		uint32_t mask = ~0u << (32 - ranges[i].bits);

		if ((a & mask) == ranges[i].net)
			return ranges[i].what;
	}
	return NULL;
}

static bool name_matches(const struct egress_rule *r, const char *name)
{
	size_t n, s;

	if (r->kind == EGRESS_RULE_ANY)
		return true;
	if (!name)
		return false;
	if (r->kind == EGRESS_RULE_NAME)
		return strcmp(r->name, name) == 0;
	if (r->kind != EGRESS_RULE_GLOB)
		return false;
	n = strlen(name);
	s = strlen(r->name);
	return n > s + 1 && name[n - s - 1] == '.' && strcmp(name + n - s, r->name) == 0;
}

bool egress_decide(void *ctx, const struct egress_query *q, const char **reason)
{
	const struct egress_policy *p = ctx;
	char name[256];
	const char *n = NULL, *cls;
	size_t nrules = p ? p->n : 0;

	if (q->name && egress_name_normalize(q->name, name, sizeof(name)) == 0)
		n = name;
	if (q->proto == EGRESS_DNS) {
		for (size_t i = 0; i < nrules; i++) {
			if (n && name_matches(&p->rules[i], n)) {
				*reason = "a rule allows the name";
				return true;
			}
		}
		*reason = "no rule allows the name";
		return false;
	}
	for (size_t i = 0; i < nrules; i++) {
		const struct egress_rule *r = &p->rules[i];

		if (r->kind == EGRESS_RULE_ADDR && (q->addr & r->mask) == r->addr &&
		    (!r->port || r->port == q->port)) {
			*reason = "a rule allows the address";
			return true;
		}
	}
	cls = egress_addr_class(q->addr);
	if (cls) {
		*reason = strcmp(cls, "loopback") == 0 ? "loopback address needs an address rule"
			: strcmp(cls, "metadata") == 0 ? "metadata address needs an address rule"
			: strcmp(cls, "private") == 0 ? "private address needs an address rule"
			: strcmp(cls, "link-local") == 0 ? "link-local address needs an address rule"
			: "special address needs an address rule";
		return false;
	}
	for (size_t i = 0; i < nrules; i++) {
		const struct egress_rule *r = &p->rules[i];

		if (r->kind != EGRESS_RULE_ADDR && name_matches(r, n) &&
		    (!r->port || r->port == q->port)) {
			*reason = r->kind == EGRESS_RULE_ANY ? "a rule allows any public address"
							     : "a rule allows the name";
			return true;
		}
	}
	*reason = n ? "no rule allows the name and port" : "no rule allows the address";
	return false;
}
