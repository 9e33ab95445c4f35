// SPDX-License-Identifier: MIT
/*
 * table.c - the syscall table (see table.h).
 *
 * Native calls act only on what the guest already holds (memory, open fds,
 * its own processes and signals) or are harmless queries.  Served calls name
 * files by path or reach outside through an address.  Denied calls are those
 * that could change the kernel's view of the sandbox itself (mounts,
 * namespaces), reach other processes' memory, or widen the kernel's attack
 * surface (bpf, io_uring, perf, userfaultfd, keyrings, modules).
 */
#include "sentry/table.h"

#include <errno.h>
#include <linux/audit.h>
#include "syscall_nr.h"
#include <seccomp.h>
#include <stdlib.h>

#include "sentry/handlers.h"
#include "util.h"

#define N(x) { SCMP_SYS(x), #x, SC_NATIVE, NULL, 0 }
#define S(x, fn) { SCMP_SYS(x), #x, SC_SERVED, fn, 0 }
#define C(x, fn) { SCMP_SYS(x), #x, SC_COND, fn, 0 }
#define D(x, e) { SCMP_SYS(x), #x, SC_DENY, NULL, e }

const struct sc_entry sc_table[] = {
	/* I/O on open fds */
	N(read), N(write), N(readv), N(writev), N(pread64), N(pwrite64), N(preadv),
	N(pwritev), N(preadv2), N(pwritev2), N(lseek), N(close), N(close_range),
	N(dup), N(dup2), N(dup3), N(fcntl), N(flock), N(fsync), N(fdatasync),
	N(syncfs), N(sync), N(sync_file_range), N(ftruncate), N(fallocate),
	N(fadvise64), N(readahead), N(getdents), N(getdents64), N(fstat), N(fstatfs),
	S(fchmod, h_fchmod), S(fchown, h_fchown), N(fgetxattr), S(fsetxattr, h_setxattr),
	N(flistxattr), S(fremovexattr, h_removexattr), N(sendfile), N(splice), N(tee), N(vmsplice),
	N(copy_file_range), N(pipe), N(pipe2), N(select), N(pselect6), N(poll),
	N(ppoll), N(epoll_create), N(epoll_create1), N(epoll_ctl), N(epoll_wait),
	N(epoll_pwait), N(epoll_pwait2), N(eventfd), N(eventfd2), N(signalfd),
	N(signalfd4), N(timerfd_create), N(timerfd_settime), N(timerfd_gettime),
	N(inotify_init), N(inotify_init1), N(inotify_rm_watch), N(memfd_create),
	N(io_setup), N(io_destroy), N(io_getevents), N(io_submit), N(io_cancel),
	N(io_pgetevents),
	C(ioctl, NULL),

	/* directories: the kernel's cwd moves only inside the read-only view */
	N(chdir), N(fchdir), N(getcwd),

	/* memory */
	N(brk), N(mmap), N(munmap), N(mremap), N(mprotect), N(madvise), N(msync),
	N(mincore), N(mlock), N(mlock2), N(munlock), N(mlockall), N(munlockall),
	N(membarrier), N(mbind), N(set_mempolicy), N(get_mempolicy),
	N(set_mempolicy_home_node), N(remap_file_pages), N(pkey_alloc), N(pkey_free), N(pkey_mprotect),
	N(memfd_secret), N(map_shadow_stack), N(cachestat),

	/* processes, threads, signals */
	C(clone, NULL), D(clone3, ENOSYS), N(fork), N(vfork), N(exit), N(exit_group),
	N(wait4), N(waitid), N(kill), N(tkill), N(tgkill), N(rt_sigaction),
	N(rt_sigprocmask), N(rt_sigreturn), N(rt_sigpending), N(rt_sigtimedwait),
	N(rt_sigqueueinfo), N(rt_tgsigqueueinfo), N(rt_sigsuspend), N(sigaltstack),
	N(pause), N(pidfd_open), N(pidfd_send_signal), N(getpid), N(getppid),
	N(gettid), N(getpgid), N(setpgid), N(getpgrp), N(getsid), N(setsid),
	N(set_tid_address), N(set_robust_list), N(get_robust_list), N(rseq),
	N(futex), N(futex_waitv), N(futex_wake), N(futex_wait), N(futex_requeue),
	N(arch_prctl), N(prctl), N(personality), N(seccomp), N(restart_syscall),
	N(sched_yield), N(sched_getaffinity), N(sched_setaffinity),
	N(sched_getparam), N(sched_setparam), N(sched_getscheduler),
	N(sched_setscheduler), N(sched_get_priority_max), N(sched_get_priority_min),
	N(sched_rr_get_interval), N(sched_getattr), N(sched_setattr), N(getpriority),
	N(setpriority), N(getcpu), N(getrlimit), N(setrlimit), N(prlimit64),
	N(getrusage), N(times), N(landlock_create_ruleset), N(landlock_add_rule),
	N(landlock_restrict_self), N(process_mrelease), N(capget), N(capset), N(umask),
	N(ioprio_get), N(ioprio_set), N(set_thread_area), N(get_thread_area),

	/* credentials: only ids mapped in the guest's user namespace exist */
	N(getuid), N(geteuid), N(getgid), N(getegid), N(getresuid), N(getresgid),
	N(getgroups), N(setuid), N(setgid), N(setreuid), N(setregid), N(setresuid),
	N(setresgid), N(setfsuid), N(setfsgid), N(setgroups),

	/* time */
	N(clock_gettime), N(clock_getres), N(clock_nanosleep), N(nanosleep),
	N(gettimeofday), N(time), N(alarm), N(getitimer), N(setitimer),
	N(timer_create), N(timer_settime), N(timer_gettime), N(timer_getoverrun),
	N(timer_delete),

	/* system information */
	N(uname), N(sysinfo), N(getrandom), N(sethostname), N(setdomainname),

	/* System V and POSIX IPC: the sandbox has its own IPC namespace */
	N(shmget), N(shmat), N(shmdt), N(shmctl), N(semget), N(semop),
	N(semtimedop), N(semctl), N(msgget), N(msgsnd), N(msgrcv), N(msgctl),
	N(mq_open), N(mq_unlink), N(mq_timedsend), N(mq_timedreceive), N(mq_notify),
	N(mq_getsetattr),

	/* sockets: the sandbox has its own network namespace */
	C(socket, NULL), C(socketpair, NULL), N(listen), N(accept), N(accept4),
	N(getsockname), N(getpeername), N(setsockopt), N(getsockopt), N(shutdown),
	C(sendto, h_sendto), N(recvfrom), S(sendmsg, h_sendmsg), N(recvmsg),
	S(sendmmsg, h_sendmmsg), N(recvmmsg),
	S(bind, h_bind), S(connect, h_connect),

	/* path-based: served */
	C(open, h_open), C(openat, h_openat), S(openat2, h_openat2), S(creat, h_creat),
	S(stat, h_stat), S(lstat, h_stat), C(newfstatat, h_stat), C(statx, h_statx),
	S(access, h_access), S(faccessat, h_access), S(faccessat2, h_access),
	S(readlink, h_readlink), S(readlinkat, h_readlink), S(statfs, h_statfs),
	S(getxattr, h_getxattr), S(lgetxattr, h_getxattr), S(listxattr, h_listxattr),
	S(llistxattr, h_listxattr), S(inotify_add_watch, h_inotify_add_watch),
	S(mkdir, h_mkdir), S(mkdirat, h_mkdir), S(mknod, h_mknod), S(mknodat, h_mknod),
	S(unlink, h_unlink), S(unlinkat, h_unlink), S(rmdir, h_unlink),
	S(rename, h_rename), S(renameat, h_rename), S(renameat2, h_rename),
	S(link, h_link), S(linkat, h_link), S(symlink, h_symlink),
	S(symlinkat, h_symlink), S(chmod, h_chmod), S(fchmodat, h_chmod),
	S(fchmodat2, h_chmod), S(chown, h_chown), S(lchown, h_chown),
	S(fchownat, h_chown), S(truncate, h_truncate), S(utime, h_utimes),
	S(utimes, h_utimes), S(futimesat, h_utimes), S(utimensat, h_utimes),
	S(setxattr, h_setxattr), S(lsetxattr, h_setxattr),
	S(removexattr, h_removexattr), S(lremovexattr, h_removexattr),
	S(execve, h_execve), S(execveat, h_execve),

	/* denied: the sandbox's own shape */
	D(mount, EPERM), D(umount2, EPERM), D(pivot_root, EPERM), D(chroot, EPERM),
	D(fsopen, EPERM), D(fsconfig, EPERM), D(fsmount, EPERM), D(fspick, EPERM),
	D(open_tree, EPERM), D(move_mount, EPERM), D(mount_setattr, EPERM),
	D(unshare, EPERM), D(setns, EPERM),
	D(name_to_handle_at, EPERM), D(open_by_handle_at, EPERM),
	D(fanotify_init, EPERM), D(fanotify_mark, EPERM), D(acct, EPERM),
	D(swapon, EPERM), D(swapoff, EPERM), D(quotactl, EPERM),
	D(quotactl_fd, EPERM), D(uselib, EPERM),

	/* denied: other processes and the kernel */
	D(ptrace, EPERM), D(process_vm_readv, EPERM), D(process_vm_writev, EPERM),
	D(process_madvise, EPERM), D(pidfd_getfd, EPERM), D(kcmp, EPERM),
	D(move_pages, EPERM), D(migrate_pages, EPERM), D(bpf, EPERM),
	D(perf_event_open, EPERM), D(userfaultfd, EPERM), D(io_uring_setup, EPERM),
	D(io_uring_enter, EPERM), D(io_uring_register, EPERM), D(keyctl, EPERM),
	D(add_key, EPERM), D(request_key, EPERM), D(init_module, EPERM),
	D(finit_module, EPERM), D(delete_module, EPERM), D(kexec_load, EPERM),
	D(kexec_file_load, EPERM), D(reboot, EPERM), D(syslog, EPERM),
	D(iopl, EPERM), D(ioperm, EPERM), D(modify_ldt, EPERM), D(vhangup, EPERM),
	D(settimeofday, EPERM), D(clock_settime, EPERM), D(adjtimex, EPERM),
	D(clock_adjtime, EPERM), D(lookup_dcookie, EPERM), D(nfsservctl, EPERM),
};
const size_t sc_table_len = ARRAY_SIZE(sc_table);

#define SC_MAX 1024
static const struct sc_entry *by_nr[SC_MAX];

static void __attribute__((constructor)) index_table(void)
{
	for (size_t i = 0; i < sc_table_len; i++) {
		if (sc_table[i].nr >= 0 && sc_table[i].nr < SC_MAX)
			by_nr[sc_table[i].nr] = &sc_table[i];
	}
}

const struct sc_entry *sc_lookup(int nr)
{
	return nr >= 0 && nr < SC_MAX ? by_nr[nr] : NULL;
}

sc_handler sc_handler_of(int nr, uint32_t arch)
{
	const struct sc_entry *e = sc_lookup(nr);

	if (arch != AUDIT_ARCH_X86_64 || !e || e->cls == SC_DENY)
		return NULL;
	return e->fn;
}

const char *sc_name(int nr)
{
	const struct sc_entry *e = sc_lookup(nr);

	return e ? e->name : "?";
}
