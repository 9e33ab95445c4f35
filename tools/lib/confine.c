// SPDX-License-Identifier: MIT
/* confine.c - see confine.h */
#include "confine.h"
#include "util.h"

#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/seccomp.h>
#include "syscall_nr.h"
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
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

	/* Capabilities are numbered from 0 to the kernel's last without gaps:
	 * the first one it does not know (EINVAL) ends the walk. */
	for (int cap = 0; cap <= 63; cap++) {
		if (keep & (1ull << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0 || errno == EPERM)
			continue;
		if (errno == EINVAL)
			break;
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

int confine_become(uid_t uid, gid_t gid, struct merr *e)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return merr_sys(e, "keep capabilities across a change of ids");
	if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
		int r = merr_sys(e, "become uid %u, gid %u", (unsigned)uid, (unsigned)gid);

		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
		return r;
	}
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	/* the permitted set was kept; the effective one was emptied */
	if (syscall(SYS_capget, &hdr, data) < 0)
		return merr_sys(e, "read capabilities");
	data[0].effective = data[0].permitted;
	data[1].effective = data[1].permitted;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return merr_sys(e, "raise capabilities");
	return 0;
}

int confine_allowlist(const int *nrs, size_t n, struct sock_fprog *prog, struct merr *e)
{
	scmp_filter_ctx ctx;
	_cleanup_close_ int mfd = -1;
	off_t size;
	int r = 0;

	ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx)
		return merr_set(e, ENOMEM, "seccomp_init: out of memory");
	seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/*
	 * A binary tree of syscall numbers, not a chain: as it loads a filter
	 * the kernel runs it for every syscall number, with interrupts off, to
	 * cache the ones it allows outright; through a chain of 50 numbers that
	 * took ~95 us, through the tree ~35 us.
	 */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; i < n && !r; i++) {
		if (nrs[i] < 0)
			continue;	/* not on this architecture */
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nrs[i], 0);
	}
	mfd = memfd_create("moat-allowlist", MFD_CLOEXEC);
	if (!r && mfd < 0)
		r = -errno;
	if (!r)
		r = seccomp_export_bpf(ctx, mfd);
	seccomp_release(ctx);
	if (r)
		return merr_set(e, -r, "build the seccomp allowlist: %s", strerror(-r));
	size = lseek(mfd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter))
		return merr_set(e, EINVAL, "seccomp allowlist of %lld bytes", (long long)size);
	prog->filter = malloc((size_t)size);
	if (!prog->filter)
		return merr_set(e, ENOMEM, "seccomp allowlist: out of memory");
	if (pread(mfd, prog->filter, (size_t)size, 0) != size) {
		free(prog->filter);
		prog->filter = NULL;
		return merr_sys(e, "read back the seccomp allowlist");
	}
	prog->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
	return 0;
}

int confine_load(const struct sock_fprog *prog, struct merr *e)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return merr_sys(e, "set no_new_privs");
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
		return merr_sys(e, "load the seccomp allowlist");
	return 0;
}

int confine_load_all_threads(const struct sock_fprog *prog, struct merr *e)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return merr_sys(e, "set no_new_privs");
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, prog) != 0)
		return merr_sys(e, "load the seccomp allowlist into every thread");
	return 0;
}

int confine_allowlist_load(const struct sock_filter *built, const unsigned short *built_len,
			   const int *nrs, size_t n, struct merr *e)
{
	if (built && built_len) {
		struct sock_fprog prog = { *built_len, (struct sock_filter *)built };

		return confine_load(&prog, e);
	}
	return confine_seccomp(nrs, n, e);
}

int confine_seccomp(const int *nrs, size_t n, struct merr *e)
{
	struct sock_fprog prog = { 0 };
	int r = confine_allowlist(nrs, n, &prog, e);

	if (r < 0)
		return r;
	r = confine_load(&prog, e);
	free(prog.filter);
	return r;
}
