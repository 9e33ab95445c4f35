// SPDX-License-Identifier: MIT
/* main.c - `moat VERB ...`: one table of verbs, one file per verb. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "sentry/guest.h"
#include "tools/moat/moat.h"

static int cmd_version(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: moat version\n\nPrint moat's version (as moat --version does).\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "moat version: it takes no arguments, not '%s'\n", argv[1]);
		return MOAT_EXIT_FAILURE;
	}
	printf("moat %s\n", MOAT_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv);

static const struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} verbs[] = {
	{ "do", cmd_do, "run a command in a sandbox of the host's root, read-only" },
	{ "run", cmd_run, "run an OCI bundle in the foreground" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "show this help" },
};

static int cmd_help(int argc, char **argv)
{
	if (argc > 2) {
		fprintf(stderr, "moat help: give at most one verb\n");
		return MOAT_EXIT_FAILURE;
	}
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		argc = 1;	/* moat help help, moat help --help: this help */
	if (argc == 2) {	/* moat help VERB: that verb's own help */
		char *args[] = { argv[1], "--help", NULL };

		for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
			if (!strcmp(argv[1], verbs[i].name))
				return verbs[i].fn(2, args);
		}
		fprintf(stderr, "moat help: unknown verb '%s' (try: moat help)\n", argv[1]);
		return MOAT_EXIT_FAILURE;
	}
	printf("usage: moat VERB [OPTIONS] [ARGS]\n\n"
	       "moat runs untrusted programs in a sandbox: a supervisor serves their\n"
	       "file-system calls from a separate file broker, everything else is\n"
	       "filtered by seccomp.\n\nverbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		printf("  %-8s %s\n", verbs[i].name, verbs[i].summary);
	printf("\n`moat VERB --help` (or `moat help VERB`) describes each verb.  Exit\n"
	       "status: the guest's own; 124 timeout, 125 moat failed, 126 cannot\n"
	       "execute, 127 not found.\n");
	return 0;
}

/*
 * A stdin, stdout or stderr that moat was started without (`<&-`) is
 * /dev/null: else the next fd moat opens takes its number, and what is meant
 * for the stream goes to that fd (the terminal's relay read the sentry's
 * signalfd as its stdin and wrote the guest's output to its timerfd).
 */
static void stdio_open(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* the lowest free number: @fd, as those below it are open */
		if (open("/dev/null", O_RDWR) != fd)
			_exit(MOAT_EXIT_FAILURE);
	}
}

int main(int argc, char **argv)
{
	stdio_open();
	guest_args_area(argv[0], (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]));
	if (argc < 2) {
		cmd_help(1, argv);
		return MOAT_EXIT_FAILURE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "moat: unknown verb '%s' (try: moat help)\n", argv[1]);
	return MOAT_EXIT_FAILURE;
}
