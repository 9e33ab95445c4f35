/* SPDX-License-Identifier: MIT */
/* moat.h - the CLI's verbs, one file each, dispatched from main.c. */
#ifndef MOAT_TOOLS_MOAT_H
#define MOAT_TOOLS_MOAT_H

#include <getopt.h>

#include "sentry/spec.h"

#define MOAT_VERSION "0.1.0"

int cmd_do(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* Shared by the verbs (common.c). */

/** parse_log_level_opt() - apply --log-level; exits 125 on a bad value */
void opt_log_level(const char *value);

/**
 * opt_platform() - apply --platform=seccomp|ptrace to @spec; exits 125 on a
 * bad value
 */
void opt_platform(const char *verb, struct moat_spec *spec, const char *value);

/** open_audit() - open --audit FILE for appending; exits 125 on failure */
int opt_audit(const char *path);

/** usage_error() - "moat VERB: message" and a hint, exit 125 */
_Noreturn __attribute__((noreturn)) void usage_error(const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * usage_bad_option() - after getopt_long() (with opterr = 0 and a leading ':'
 * in its option string) returned ':' or '?': say which option, exit 125
 * @options: the verb's long options, to name a flag given a value it does not take
 */
_Noreturn __attribute__((noreturn)) void usage_bad_option(const char *verb,
							   const struct option *options, int opt,
							   char **argv);

/** new_sandbox_id() - a fresh id for a foreground sandbox */
char *new_sandbox_id(const char *prefix);

/* The network options (netopts.c): getopt values, long options, help lines. */
enum {
	OPT_NETWORK = 1000, OPT_ALLOW, OPT_POLICY, OPT_SECRET, OPT_ADD_HOST, OPT_UPSTREAM_CA,
	OPT_IDENTITY_KEY, OPT_IDENTITY_PUB, OPT_MTU,
};
#define NET_LONG_OPTIONS \
	{ "network", required_argument, NULL, OPT_NETWORK }, \
	{ "allow", required_argument, NULL, OPT_ALLOW }, \
	{ "policy", required_argument, NULL, OPT_POLICY }, \
	{ "secret", required_argument, NULL, OPT_SECRET }, \
	{ "publish", required_argument, NULL, 'p' }, \
	{ "add-host", required_argument, NULL, OPT_ADD_HOST }, \
	{ "upstream-ca", required_argument, NULL, OPT_UPSTREAM_CA }, \
	{ "identity-key", required_argument, NULL, OPT_IDENTITY_KEY }, \
	{ "identity-pub", required_argument, NULL, OPT_IDENTITY_PUB }, \
	{ "mtu", required_argument, NULL, OPT_MTU }
extern const char net_usage[];	/* the lines after the --network ones */

/** print_usage() - a verb's help: @head, the network options, @tail */
void print_usage(const char *head, const char *tail);

struct net_opts {
	const char *verb;
	struct moat_spec *spec;
	int nflags;		/* network options other than --network */
};

/**
 * net_option() - apply network option @opt (a getopt value) to o->spec
 * Return: false if @opt is not a network option.  Exits 125 on a bad value.
 */
bool net_option(struct net_opts *o, int opt, const char *arg);

/** net_options_done() - after parsing: check the options agree, add the TLS variables */
void net_options_done(struct net_opts *o);

/** run_spec() - run a sandbox and turn the outcome into an exit status */
int run_spec(struct moat_spec *spec);

#endif
