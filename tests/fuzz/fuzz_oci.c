// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: config.json as moat run reads it.  Each input becomes the
 * config.json of one bundle (with an empty rootfs/) and goes through
 * oci_load_extra(); whatever it says, the result must be 0 or a negative errno
 * with a message, and the spec must free cleanly (ASan checks the rest).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "sentry/oci.h"
#include "sentry/spec.h"

static char bundle[] = "/tmp/moat-fuzz-oci.XXXXXX";
static char config[sizeof(bundle) + 16];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char rootfs[sizeof(bundle) + 16];

	(void)argc;
	(void)argv;
	if (!mkdtemp(bundle))
		abort();
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	snprintf(config, sizeof(config), "%s/config.json", bundle);
	if (mkdir(rootfs, 0755) < 0)
		abort();
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
