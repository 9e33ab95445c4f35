// SPDX-License-Identifier: MIT
/* common.c - helpers the verbs share. */
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "sentry/sandbox.h"
#include "tools/moat/moat.h"

void usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "moat %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see: moat %s --help)\n", verb);
	exit(MOAT_EXIT_FAILURE);
}

void usage_bad_option(const char *verb, const struct option *options, int opt, char **argv)
{
	const char *arg = argv[optind - 1], *eq = strchr(arg, '=');

	if (opt == ':')
		usage_error(verb, "%s needs a value", arg);
	/* --flag=VALUE of a flag without one: getopt gives the flag's value in
	 * optopt, as for an unknown short option, so the name tells them apart
	 * (it may be an abbreviation: getopt_long takes a unique prefix). */
	if (optopt && !strncmp(arg, "--", 2) && eq)
		for (const struct option *o = options; o->name; o++)
			if (o->val == optopt && o->has_arg == no_argument &&
			    !strncmp(o->name, arg + 2, (size_t)(eq - arg - 2)))
				usage_error(verb, "--%s takes no value", o->name);
	if (optopt)
		usage_error(verb, "unknown option '-%c'", optopt);
	/* a prefix of several long options: name them */
	if (!strncmp(arg, "--", 2) && arg[2]) {
		char want[64], names[256] = "";
		size_t len;
		int n = 0;

		snprintf(want, sizeof(want), "%.*s", eq ? (int)(eq - arg - 2) : (int)strlen(arg + 2),
			 arg + 2);
		len = strlen(want);
		for (const struct option *o = options; o->name; o++) {
			if (strncmp(o->name, want, len))
				continue;
			n++;
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s--%s",
				 n > 1 ? ", " : "", o->name);
		}
		if (n > 1)
			usage_error(verb, "'--%s' is short for more than one option: %s", want, names);
	}
	usage_error(verb, "unknown option '%s'", arg);
}

void opt_log_level(const char *value)
{
	if (log_parse_level(value, &log_level) < 0)
		die(MOAT_EXIT_FAILURE, "--log-level %s: use error, warn, info or debug", value);
}

void opt_platform(const char *verb, struct moat_spec *spec, const char *value)
{
	if (!strcmp(value, "seccomp"))
		spec->ptrace = false;
	else if (!strcmp(value, "ptrace"))
		spec->ptrace = true;
	else
		usage_error(verb, "--platform=%s: use seccomp or ptrace", value);
}

int opt_audit(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		die(MOAT_EXIT_FAILURE, "--audit %s: %s", path, strerror(errno));
	return fd;
}

char *new_sandbox_id(const char *prefix)
{
	unsigned char rnd[4] = { 0 };
	char *id = NULL;

	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd)) {
		/* the pid alone keeps ids of concurrent sandboxes apart */
	}
	if (asprintf(&id, "%s-%d-%02x%02x%02x%02x", prefix, getpid(), rnd[0], rnd[1], rnd[2],
		     rnd[3]) < 0)
		die(MOAT_EXIT_FAILURE, "out of memory");
	return id;
}

int run_spec(struct moat_spec *spec)
{
	struct merr e = { 0 };
	int status;

	log_set_component("sentry");
	spec_own_ids(spec);
	status = sandbox_run(spec, &e);
	if (status < 0) {
		fprintf(stderr, "moat: %s\n", e.msg[0] ? e.msg : strerror(-status));
		status = MOAT_EXIT_FAILURE;
	}
	return status;
}
