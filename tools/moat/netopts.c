// SPDX-License-Identifier: MIT
/*
 * netopts.c - the network options `moat do` and `moat run` share: --network,
 * --allow, --policy, --secret, -p, --add-host, --upstream-ca, --identity-*,
 * --mtu.  Each is checked
 * when it is parsed (a missing file or variable is exit status 125 before
 * anything starts); the policy itself is read by the sentry (network.c).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "netstack/netstack.h"
#include "netstack/outbound/handoff.h"
#include "parse.h"
#include "sentry/network.h"
#include "tools/moat/moat.h"

const char net_usage[] =
"  --allow HOST[:PORT]     open a destination (globs: *.example.com; addresses)\n"
"  --policy FILE           egress and credential rules (docs/outbound.md)\n"
"  --secret NAME=env:VAR   a secret for the policy's templates, from moat's\n"
"  --secret NAME=file:PATH   environment or a file; the guest never sees it\n"
"  -p, --publish [ADDR:]HOSTPORT:GUESTPORT\n"
"                          expose a server of the guest on 127.0.0.1:HOSTPORT\n"
"                          (or ADDR:HOSTPORT)\n"
"  --add-host NAME:ADDR    answer DNS for NAME with the IPv4 address ADDR\n"
"                          (127.0.0.1: the host, reached as 10.88.0.1)\n"
"  --upstream-ca FILE      also trust this CA for HTTPS upstreams\n"
"  --identity-key FILE     sign the policy's identity tokens with this PEM key\n"
"                          (default: a new P-256 key for this sandbox)\n"
"  --identity-pub FILE     write the identity tokens' public key (PEM) here\n"
"  --mtu N                 eth0's MTU, 576-65520 (default 65520: big frames,\n"
"                          fewer of them)\n";

void print_usage(const char *head, const char *tail)
{
	fputs(head, stdout);
	fputs(net_usage, stdout);
	fputs(tail, stdout);
}

static void must(int r)
{
	if (r < 0)
		die(MOAT_EXIT_FAILURE, "out of memory");
}

static void set_path(char **field, const char *arg)
{
	free(*field);
	*field = strdup(arg);
	if (!*field)
		die(MOAT_EXIT_FAILURE, "out of memory");
}

/* NAME=env:VAR or NAME=file:PATH, checked before anything starts. */
static void check_secret(const char *verb, const char *arg)
{
	const char *eq = strchr(arg, '='), *src;

	if (!eq || eq == arg)
		usage_error(verb, "--secret %s: expected NAME=env:VAR or NAME=file:PATH", arg);
	src = eq + 1;
	if (!strncmp(src, "env:", 4)) {
		if (!src[4] || !getenv(src + 4))
			die(MOAT_EXIT_FAILURE, "--secret %.*s: the variable %s is not set",
			    (int)(eq - arg), arg, src + 4);
	} else if (!strncmp(src, "file:", 5)) {
		if (access(src + 5, R_OK) < 0)
			die(MOAT_EXIT_FAILURE, "--secret %.*s: %s: %s", (int)(eq - arg), arg, src + 5,
			    strerror(errno));
	} else {
		usage_error(verb, "--secret %.*s: the source is env:VAR or file:PATH",
			    (int)(eq - arg), arg);
	}
}

/* NAME:ADDR, an IPv4 address for a DNS name; Return: it with the name in
 * lower case (DNS names are case-blind; the sandbox's DNS compares them so). */
static char *check_add_host(const char *verb, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	struct in_addr a;
	char *out;

	if (!colon || colon == arg || inet_pton(AF_INET, colon + 1, &a) != 1)
		usage_error(verb, "--add-host %s: expected NAME:IPV4-ADDRESS", arg);
	for (const char *p = arg; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			usage_error(verb, "--add-host %s: the name takes letters, digits, '-' and '.'",
				    arg);
	out = strdup(arg);
	if (!out)
		die(MOAT_EXIT_FAILURE, "out of memory");
	for (char *p = out; *p != ':'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return out;
}

bool net_option(struct net_opts *o, int opt, const char *arg)
{
	struct moat_net *n = &o->spec->net;

	switch (opt) {
	case OPT_NETWORK:
		if (!strcmp(arg, "sandbox"))
			n->sandbox = true;
		else if (!strcmp(arg, "none"))
			n->sandbox = false;
		else
			usage_error(o->verb, "--network=%s: use none or sandbox", arg);
		return true;
	case OPT_ALLOW:
		if (n->nallow >= OB_MAX_LIST)
			usage_error(o->verb, "--allow: at most %d (a --policy file takes more)",
				    OB_MAX_LIST);
		must(spec_strv_add(&n->allow, &n->nallow, arg));
		break;
	case OPT_POLICY:
		if (access(arg, R_OK) < 0)
			die(MOAT_EXIT_FAILURE, "--policy %s: %s", arg, strerror(errno));
		set_path(&n->policy_file, arg);
		break;
	case OPT_SECRET:
		if (n->nsecrets >= OB_MAX_LIST)
			usage_error(o->verb, "--secret: at most %d", OB_MAX_LIST);
		check_secret(o->verb, arg);
		must(spec_strv_add(&n->secrets, &n->nsecrets, arg));
		break;
	case 'p': {
		struct ns_forward f;
		struct merr e = { 0 };

		if (netstack_forward_parse(arg, &f, &e) < 0)
			usage_error(o->verb, "%s", e.msg);	/* "-p ARG: why" */
		if (n->npublish >= NS_MAX_FORWARDS)
			usage_error(o->verb, "-p: at most %d", NS_MAX_FORWARDS);
		must(spec_strv_add(&n->publish, &n->npublish, arg));
		break;
	}
	case OPT_ADD_HOST: {
		char *lower;

		if (n->nadd_hosts >= NS_MAX_HOSTS)
			usage_error(o->verb, "--add-host: at most %d", NS_MAX_HOSTS);
		lower = check_add_host(o->verb, arg);
		must(spec_strv_add(&n->add_hosts, &n->nadd_hosts, lower));
		free(lower);
		break;
	}
	case OPT_UPSTREAM_CA:
		if (n->nupstream_ca >= OB_MAX_LIST)
			usage_error(o->verb, "--upstream-ca: at most %d", OB_MAX_LIST);
		if (access(arg, R_OK) < 0)
			die(MOAT_EXIT_FAILURE, "--upstream-ca %s: %s", arg, strerror(errno));
		must(spec_strv_add(&n->upstream_ca, &n->nupstream_ca, arg));
		break;
	case OPT_IDENTITY_KEY:
		if (access(arg, R_OK) < 0)
			die(MOAT_EXIT_FAILURE, "--identity-key %s: %s", arg, strerror(errno));
		set_path(&n->identity_key, arg);
		break;
	case OPT_IDENTITY_PUB:
		set_path(&n->identity_pub, arg);
		break;
	case OPT_MTU: {
		uint64_t v;

		if (parse_u64(arg, &v) < 0 || v < NS_MIN_MTU || v > NS_MAX_MTU)
			usage_error(o->verb, "--mtu %s: give a whole number from %d to %d", arg,
				    NS_MIN_MTU, NS_MAX_MTU);
		n->mtu = (unsigned)v;
		break;
	}
	default:
		return false;
	}
	o->nflags++;
	return true;
}

void net_options_done(struct net_opts *o)
{
	if (o->nflags && !o->spec->net.sandbox)
		usage_error(o->verb, "--allow, --policy, --secret, -p, --add-host, --upstream-ca, "
			    "--identity-* and --mtu need --network=sandbox");
	/* -e VAR would hand the guest the very value --secret keeps from it. */
	for (size_t i = 0; i < o->spec->net.nsecrets; i++) {
		const char *src = strchr(o->spec->net.secrets[i], '=') + 1;
		size_t vl = strlen(src + 4);

		if (strncmp(src, "env:", 4))
			continue;
		for (char **e = o->spec->env; e && *e; e++) {
			const char *eq = strchr(*e, '=');

			if (eq && (size_t)(eq - *e) == vl && !memcmp(*e, src + 4, vl))
				usage_error(o->verb, "--secret %s: the guest's environment would hold "
					    "%s too (given with -e): drop one", o->spec->net.secrets[i],
					    src + 4);
		}
	}
	if (o->spec->net.sandbox)
		must(network_env(o->spec));
}
