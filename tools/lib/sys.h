/* SPDX-License-Identifier: MIT */
/* sys.h - system calls that glibc 2.36 does not wrap. */
#ifndef MOAT_SYS_H
#define MOAT_SYS_H

#include <linux/openat2.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int sys_openat2(int dirfd, const char *path, uint64_t flags,
			      uint64_t mode, uint64_t resolve)
{
	struct open_how how = { .flags = flags, .mode = mode, .resolve = resolve };

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static inline int sys_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

static inline int sys_pidfd_open(pid_t pid, unsigned flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static inline int sys_pidfd_getfd(int pidfd, int fd, unsigned flags)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, flags);
}

static inline int sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static inline int sys_seccomp(unsigned op, unsigned flags, void *args)
{
	return (int)syscall(SYS_seccomp, op, flags, args);
}

/* pidfd_open() of a thread rather than a process (Linux 6.9; O_EXCL's value). */
#define PIDFD_THREAD_FLAG 0x80

/* The strict resolution every served path goes through. */
#define MOAT_RESOLVE (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

#endif
