// SPDX-License-Identifier: MIT
/*
 * guest_paths.c - the kernel files the guest's init masks or makes read-only
 * whatever the spec says (guest.h): apart from guest.c, so that the OCI
 * loader, which checks a config's paths against them, links without the
 * guest's set-up (its fuzz target among others).
 */
#include "sentry/guest.h"

#include <string.h>

#include "util.h"

const char *const guest_proc_masked[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/proc/sysrq-trigger", "/proc/kallsyms", "/proc/kmsg",
};
const size_t guest_nproc_masked = ARRAY_SIZE(guest_proc_masked);

const char *const guest_proc_ro[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
};
const size_t guest_nproc_ro = ARRAY_SIZE(guest_proc_ro);

bool guest_default_path(const char *path, bool masked)
{
	const char *const *list = masked ? guest_proc_masked : guest_proc_ro;
	size_t n = masked ? guest_nproc_masked : guest_nproc_ro;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(path, list[i]))
			return true;
	return false;
}
