/* SPDX-License-Identifier: MIT */
/* moat.h - the CLI's verbs, one file each, dispatched from main.c. */
#ifndef MOAT_TOOLS_MOAT_H
#define MOAT_TOOLS_MOAT_H

#include "sentry/spec.h"

#define MOAT_VERSION "0.1.0"

int cmd_do(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* Shared by the verbs (common.c). */

/** parse_log_level_opt() - apply --log-level; exits 125 on a bad value */
void opt_log_level(const char *value);

/** open_audit() - open --audit FILE for appending; exits 125 on failure */
int opt_audit(const char *path);

/** usage_error() - "moat VERB: message" and a hint, exit 125 */
_Noreturn __attribute__((noreturn)) void usage_error(const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** new_sandbox_id() - a fresh id for a foreground sandbox */
char *new_sandbox_id(const char *prefix);

/** run_spec() - run a sandbox and turn the outcome into an exit status */
int run_spec(struct moat_spec *spec);

#endif
