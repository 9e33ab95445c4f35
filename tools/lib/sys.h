/* SPDX-License-Identifier: MIT */
/* sys.h - system calls that glibc 2.36 does not wrap. */
#ifndef MOAT_SYS_H
#define MOAT_SYS_H

#include <errno.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * A scoped lookup (RESOLVE_IN_ROOT, RESOLVE_BENEATH) that takes ".." fails
 * with EAGAIN when anything on the host was renamed or mounted meanwhile:
 * the kernel asks its caller to try again, which the guest, whose call it
 * was not, would not know to do.  So a few tries are made here.
 */
static inline int sys_openat2(int dirfd, const char *path, uint64_t flags,
			      uint64_t mode, uint64_t resolve)
{
	struct open_how how = { .flags = flags, .mode = mode, .resolve = resolve };
	int fd, tries = 0;

	do
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN && !(resolve & RESOLVE_CACHED) &&
	       (resolve & (RESOLVE_IN_ROOT | RESOLVE_BENEATH)) && ++tries < 16);
	return fd;
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

/*
 * child_pidfd() - the pidfd of @pid, a child just forked and not yet reaped
 *
 * Return: the pidfd, or -errno once the child is killed and reaped (a child
 * without a pidfd could not be ended safely later).
 */
static inline int child_pidfd(pid_t pid)
{
	int fd = sys_pidfd_open(pid, 0), err = errno;

	if (fd >= 0)
		return fd;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
	return -err;
}

/*
 * child_end() - kill a child through its pidfd, wait for it, close the pidfd
 *
 * Never by its pid: a child that died early (killed from the host) was
 * reaped by the parent's waitpid(-1) already, and the host may since have
 * given its pid to another process.  A child reaped already is no error.
 */
static inline void child_end(int *pidfd)
{
	siginfo_t si;

	if (*pidfd < 0)
		return;
	sys_pidfd_send_signal(*pidfd, SIGKILL);
	while (waitid((idtype_t)P_PIDFD, (id_t)*pidfd, &si, WEXITED | __WALL) < 0 &&
	       errno == EINTR)
		;
	close(*pidfd);
	*pidfd = -1;
}

/* pidfd_open() of a thread rather than a process (Linux 6.9; O_EXCL's value). */
#define PIDFD_THREAD_FLAG 0x80

/* The strict resolution every served path goes through. */
#define MOAT_RESOLVE (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

#endif
