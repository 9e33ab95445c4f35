/* SPDX-License-Identifier: MIT */
/* path.h - guest paths to sandbox paths and fds (see path.c). */
#ifndef MOAT_SENTRY_PATH_H
#define MOAT_SENTRY_PATH_H

#include <limits.h>
#include <stdbool.h>
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

/** path_proc_pid() - the pid of a "/proc/<pid>[/...]" path, or 0 for any other path */
pid_t path_proc_pid(const char *abs);

/**
 * path_proc_file() - the guest's path of @fd when it is a file of its procfs
 * (into @abs, @cap), as the kernel names it
 * Return: the pid of a /proc/<pid> file; 0 for any other file, or one that
 * is not on a procfs; -errno
 */
pid_t path_proc_file(struct call *c, int fd, char *abs, size_t cap);

/**
 * path_stdio_name() - the link text for @abs (a /proc/@pid/fd/<n> of the
 * guest's) when @target, what the kernel gave, is "/" for one of moat's stdio
 * files, opened again through a detached clone (sandbox.c): the file's name
 * Return: the length of the text in @target (unchanged: 1)
 */
ssize_t path_stdio_name(struct call *c, const char *abs, pid_t pid, char *target, size_t cap);

/**
 * path_proc_as_guest() - open (@link NULL) or read the link (into @link, @cap)
 * that @abs, a path under the guest's /proc/@pid, names, with the guest's own
 * credentials (guestproc.c)
 * Return: an fd or the link's length; -errno (-EAGAIN when the opener could
 * not start); -ENOSYS when the sentry should do it itself (the caller's own
 * file, which the opener may not open or is not needed for)
 */
ssize_t path_proc_as_guest(struct call *c, const char *abs, pid_t pid, int flags,
			   uint64_t resolve, char *link, size_t cap);

/** path_open_own_fd() - reopen the caller's fd @fd with @flags, as the kernel would */
int path_open_own_fd(struct call *c, int fd, int flags);

/**
 * path_reopen() - reopen the sentry's O_PATH fd @opath with the guest's @flags
 * (devices, FIFOs, procfs files)
 */
int path_reopen(struct call *c, int opath, int flags);

/**
 * path_proc_dirs() - follow the cwd and root links of /proc/<pid> that @abs
 * (rewritten by path_rewrite_proc()) passes through, and (@follow) ends with:
 * @abs becomes the path from the directory each names, if the caller may
 * follow it
 * Return: 1 if @abs was rewritten, 0 if not, or -errno (-EACCES: another
 * process's that the guest may not trace)
 */
int path_proc_dirs(struct call *c, char *abs, size_t cap, bool follow);

/**
 * path_open_proc_link() - open what a process's exe or fd/<n> link names,
 * @abs (rewritten by path_rewrite_proc()) ending with it: the caller's own
 * reopened through the host's /proc, as the kernel would for it; another
 * process's by the guest's /proc opener, where the kernel checks that the
 * guest may trace that process
 * Return: fd, -errno, or -ENOTSUP when @abs names no such link
 */
int path_open_proc_link(struct call *c, const char *abs, int flags);

/**
 * view_open() - open absolute sandbox path @abs in the read-only view
 * @flags:	open flags (O_PATH, O_NOFOLLOW, ...); O_CLOEXEC is added
 * @resolve:	RESOLVE_* on top of RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS
 *
 * Never blocks unawares (FIFOs: see open_guest()); /dev/tty is refused.
 * Return: fd or -errno
 */
int view_open(struct call *c, const char *abs, int flags, uint64_t resolve);

/**
 * view_open_links() - view_open(), where @abs (of @cap bytes) becomes the path
 * the object was found under when symlinks of the sandbox led into /proc
 * (a file linked to /dev/stdout): the caller's own fds and files there are
 * then what it opens
 */
int view_open_links(struct call *c, char *abs, size_t cap, int flags, uint64_t resolve);

/**
 * view_open_at() - open @path relative to @base in a chrooted worker (the
 * worker's root is the guest's, so ".." and absolute symlinks stay inside)
 */
int view_open_at(struct call *c, int base, const char *path, int flags, uint64_t resolve);

/** path_take_fd() - a duplicate of the caller's fd @fd (pidfd_getfd); Return: fd or -errno */
int path_take_fd(struct call *c, int fd);

#define PATH_SLOW (-4096)	/* path_base(): use absolute path strings */

/**
 * path_base() - where c->path resolves from, in a chrooted worker
 *
 * Return: AT_FDCWD for an absolute path (the worker's root is the guest's),
 * a duplicate of the caller's dirfd or cwd for a relative one (the caller
 * closes it), PATH_SLOW where the string path must be taken (not chrooted,
 * empty paths, /proc and /dev aliases), or another -errno
 */
int path_base(struct call *c, int dirfd);

/**
 * path_self_fd() - a path that names the sentry's own fd @fd, for the calls
 * that take only paths (getxattr, inotify_add_watch, connect): the worker's
 * cwd moves to its /proc/self/fd and @buf gets "N"
 * Return: 0 or -errno
 */
int path_self_fd(struct call *c, int fd, char *buf, size_t cap);

/**
 * path_retry_slow() - after a failure @err of @path relative to @base: is the
 * string path (which rewrites "self") needed, as @base is a procfs directory
 * or symlinks on the way may lead into /proc?
 */
bool path_retry_slow(int base, const char *path, int err);

#endif
