// SPDX-License-Identifier: MIT
/* confine.c - see confine.h */
#include "confine.h"

#include <linux/capability.h>
#include <linux/close_range.h>
#include "syscall_nr.h"
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int confine_close_fds(const int *keep, size_t nkeep)
{
	int sorted[16];
	unsigned lo = 3;

	if (nkeep > 16)
		return -EINVAL;
	memcpy(sorted, keep, nkeep * sizeof(int));
	qsort(sorted, nkeep, sizeof(int), cmp_int);
	for (size_t i = 0; i < nkeep; i++) {
		if (sorted[i] < (int)lo)
			continue;
		if ((unsigned)sorted[i] > lo &&
		    syscall(SYS_close_range, lo, (unsigned)sorted[i] - 1, 0) < 0)
			return -errno;
		lo = (unsigned)sorted[i] + 1;
	}
	if (syscall(SYS_close_range, lo, ~0u, 0) < 0)
		return -errno;
	return 0;
}

int confine_drop_caps(uint64_t keep, struct merr *e)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	for (int cap = 0; cap <= 63; cap++) {
		if (keep & (1ull << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL && errno != EPERM)
			return merr_sys(e, "drop capability %d from the bounding set", cap);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return merr_sys(e, "clear ambient capabilities");
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return merr_sys(e, "drop capabilities");
	return 0;
}

int confine_seccomp(const int *nrs, size_t n, struct merr *e)
{
	scmp_filter_ctx ctx;
	int r = 0;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return merr_sys(e, "set no_new_privs");
	ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx)
		return merr_set(e, ENOMEM, "seccomp_init: out of memory");
	seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; i < n && !r; i++) {
		if (nrs[i] < 0)
			continue;	/* not on this architecture */
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nrs[i], 0);
	}
	if (!r)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r)
		return merr_set(e, -r, "load the seccomp allowlist: %s", strerror(-r));
	return 0;
}
