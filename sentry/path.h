/* SPDX-License-Identifier: MIT */
/* path.h - guest paths to sandbox paths and fds (see path.c). */
#ifndef MOAT_SENTRY_PATH_H
#define MOAT_SENTRY_PATH_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "sentry/sentry.h"

/** path_read() - copy the guest string at @addr into c->path; Return: 0 or -errno */
int path_read(struct call *c, uint64_t addr);

/**
 * path_abs() - the absolute sandbox path of @rel relative to the caller's
 * @dirfd (AT_FDCWD: its cwd); an empty @rel names @dirfd itself
 * Return: 0, -EBADF, -ENOTDIR, -ENOENT or -ENAMETOOLONG
 */
int path_abs(struct call *c, int dirfd, const char *rel, char *abs, size_t cap);

/**
 * path_fd() - path_read() then path_abs(); an empty path is -ENOENT unless
 * @atflags has AT_EMPTY_PATH
 */
int path_fd(struct call *c, int dirfd, uint64_t addr, int atflags, char *abs, size_t cap);

/** path_ns_ids() - the caller's process and thread ids in its pid namespace */
int path_ns_ids(struct call *c, pid_t *nstgid, pid_t *nstid);

/**
 * path_rewrite_proc() - rewrite /proc/self, /proc/thread-self, /dev/fd, ...
 * to the caller's ids; sets @own_fd when @abs names one of the caller's fds
 * Return: 0 or -errno
 */
int path_rewrite_proc(struct call *c, char *abs, size_t cap, int *own_fd);

/** path_open_own_fd() - reopen the caller's fd @fd with @flags, as the kernel would */
int path_open_own_fd(struct call *c, int fd, int flags);

/**
 * path_reopen() - reopen the sentry's O_PATH fd @opath with the guest's @flags
 * (devices, FIFOs, procfs files)
 */
int path_reopen(struct call *c, int opath, int flags);

/**
 * view_open() - open absolute sandbox path @abs in the read-only view
 * @flags:	open flags (O_PATH, O_NOFOLLOW, ...); O_CLOEXEC is added
 * @resolve:	RESOLVE_* on top of RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS
 *
 * Never blocks unawares (FIFOs: see open_guest()); /dev/tty is refused.
 * Return: fd or -errno
 */
int view_open(struct call *c, const char *abs, int flags, uint64_t resolve);

#endif
