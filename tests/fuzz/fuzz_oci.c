// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: config.json as moat run reads it.  Each input becomes the
 * config.json of one bundle (with an empty rootfs/) and goes through
 * oci_load_extra(); whatever it says, the result must be 0 or a negative errno
 * with a message, and the spec must free cleanly (ASan checks the rest).
 *
 * The bundle is /tmp/moat-fuzz-oci.PID, removed at exit; a run that ends by
 * a crash or an interrupt (libFuzzer then skips atexit) leaves it, and the
 * next run removes every such directory whose process is gone.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "sentry/oci.h"
#include "sentry/spec.h"

#define PREFIX "moat-fuzz-oci."

static char bundle[64];
static char config[sizeof(bundle) + 16];
static char rootfs[sizeof(bundle) + 16];

static void remove_bundle(const char *dir)
{
	char path[sizeof(bundle) + 16];

	snprintf(path, sizeof(path), "%s/config.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/rootfs", dir);
	rmdir(path);
	rmdir(dir);
}

static void remove_own(void)
{
	remove_bundle(bundle);
}

/* Bundles of runs that were interrupted or crashed. */
static void remove_stale(void)
{
	DIR *d = opendir("/tmp");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char dir[sizeof(bundle)];
		char *end;
		long pid;

		if (strncmp(de->d_name, PREFIX, strlen(PREFIX)))
			continue;
		pid = strtol(de->d_name + strlen(PREFIX), &end, 10);
		if (*end || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(dir, sizeof(dir), "/tmp/%s", de->d_name);
		remove_bundle(dir);
	}
	if (d)
		closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	remove_stale();
	snprintf(bundle, sizeof(bundle), "/tmp/" PREFIX "%d", (int)getpid());
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	snprintf(config, sizeof(config), "%s/config.json", bundle);
	if ((mkdir(bundle, 0700) < 0 && errno != EEXIST) || (mkdir(rootfs, 0755) < 0 && errno != EEXIST))
		abort();
	atexit(remove_own);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_spec spec;
	struct oci_extra x;
	struct merr e = { 0 };
	FILE *f = fopen(config, "w");
	int r;

	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	spec_init(&spec);
	r = oci_load_extra(bundle, &spec, &x, &e);
	if (r > 0 || (r < 0 && !e.msg[0]))
		__builtin_trap();
	spec_free(&spec);
	return 0;
}
