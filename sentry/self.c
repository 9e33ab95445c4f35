// SPDX-License-Identifier: MIT
/*
 * self.c - the sentry's own seccomp allowlist.
 *
 * Once the guest runs, the sentry needs only the calls listed here: serving
 * (notification ioctls, guest memory, lookups, the gofer's channels), its
 * threads, and the end of the sandbox (waiting, killing, removing cgroups).
 * Everything else, execve, mount, ptrace and bpf among them, fails with EPERM.
 * The list lives next to the code whose needs it states; a build-time copy is
 * compiled by tools/genfilter.  Sanitizer builds skip it: their run-time uses
 * calls (ptrace for the leak checker) that the sentry itself never does.
 */
#include "sentry/self.h"

#include <seccomp.h>
#include <stdlib.h>

#include "confine.h"
#include "syscall_nr.h"
#include "util.h"

const int sentry_syscalls[] = {
	/* serving: notifications, guest memory, lookups, the gofer */
	SCMP_SYS(ioctl), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
	SCMP_SYS(openat), SCMP_SYS(openat2), SCMP_SYS(newfstatat), SCMP_SYS(statx),
	SCMP_SYS(fstat), SCMP_SYS(readlinkat), SCMP_SYS(faccessat2), SCMP_SYS(fstatfs),
	SCMP_SYS(fcntl), SCMP_SYS(close), SCMP_SYS(getxattr), SCMP_SYS(listxattr),
	SCMP_SYS(inotify_add_watch), SCMP_SYS(pidfd_open), SCMP_SYS(pidfd_getfd),
	SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(socketpair), SCMP_SYS(sendmsg),
	SCMP_SYS(recvmsg), SCMP_SYS(read), SCMP_SYS(pread64), SCMP_SYS(write),
	SCMP_SYS(fchdir), SCMP_SYS(chdir), SCMP_SYS(chroot), SCMP_SYS(lseek),
	SCMP_SYS(fchmod), SCMP_SYS(getsockopt),
	/* the guest's mounts as written (fs.c, mounts_as_written()) */
	SCMP_SYS(memfd_create),
	/* a worker takes the guest's file-system ids when they are its own */
	SCMP_SYS(setfsuid), SCMP_SYS(setfsgid),
	/* threads and memory */
	SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(unshare), SCMP_SYS(mmap),
	SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(madvise), SCMP_SYS(brk),
	SCMP_SYS(mremap), SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sigaltstack), SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(capget), SCMP_SYS(capset), SCMP_SYS(prctl), SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(restart_syscall),
	SCMP_SYS(getrandom), SCMP_SYS(prlimit64), SCMP_SYS(tgkill),
	/* the guest's /proc opener, forked when first needed (guestproc.c) */
	SCMP_SYS(setns), SCMP_SYS(seccomp), SCMP_SYS(close_range), SCMP_SYS(setgroups),
	SCMP_SYS(setresuid), SCMP_SYS(setresgid),
	/* the end of the sandbox */
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(wait4), SCMP_SYS(waitid), SCMP_SYS(kill),
	SCMP_SYS(pidfd_send_signal), SCMP_SYS(timerfd_settime), SCMP_SYS(rmdir),
	SCMP_SYS(unlinkat),
};
const size_t sentry_nsyscalls = ARRAY_SIZE(sentry_syscalls);

extern const struct sock_filter moat_filter_sentry[] __attribute__((weak));
extern const unsigned short moat_filter_sentry_len __attribute__((weak));

int sentry_confine_self(struct merr *e)
{
#if defined(__SANITIZE_ADDRESS__)
	(void)e;
	return 0;
#else
	if (moat_filter_sentry && &moat_filter_sentry_len) {
		struct sock_fprog prog = { moat_filter_sentry_len,
					   (struct sock_filter *)moat_filter_sentry };

		return confine_load_all_threads(&prog, e);
	}
	{
		struct sock_fprog prog = { 0 };
		int r = confine_allowlist(sentry_syscalls, sentry_nsyscalls, &prog, e);

		if (r < 0)
			return r;
		r = confine_load_all_threads(&prog, e);
		free(prog.filter);
		return r;
	}
#endif
}
