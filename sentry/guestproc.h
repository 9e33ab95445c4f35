/* SPDX-License-Identifier: MIT */
/*
 * guestproc.h - opening the guest's /proc/<pid> files with the guest's own
 * credentials (guestproc.c).
 */
#ifndef MOAT_SENTRY_GUESTPROC_H
#define MOAT_SENTRY_GUESTPROC_H

#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/*
 * The opener's messages: one request, one answer (with the fd of GP_OPEN,
 * GP_CREATE and GP_FOLLOW).  GP_FOLLOW opens what a process's exe or fd/<n>
 * link names: the one magic link the opener follows, for a path of exactly
 * that shape.
 */
enum { GP_OPEN = 1, GP_READLINK, GP_CREATE, GP_FOLLOW };

/* The RESOLVE_* flags a request may add (the opener adds IN_ROOT and NO_MAGICLINKS) */
#define GUESTPROC_RESOLVE (RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS)

struct guestproc_req {
	uint32_t op;
	int32_t flags;		/* O_* for GP_OPEN, GP_CREATE and GP_FOLLOW */
	uint32_t mode;		/* GP_CREATE: the new file's mode (07777 at most) */
	uint64_t resolve;	/* GUESTPROC_RESOLVE flags the guest's openat2 asked for */
	char path[PATH_MAX];	/* NUL-terminated */
};

struct guestproc_resp {
	int32_t result;		/* GP_OPEN, GP_CREATE, GP_FOLLOW: 0 (the fd
				 * comes along) or -errno;
				 * GP_READLINK: the text's length or -errno;
				 * a malformed request: -EINVAL, alone */
	char text[PATH_MAX];
};

enum guestproc_state { GP_NONE, GP_WANTED, GP_READY, GP_FAILED };

struct guestproc {
	pid_t pid;		/* the opener process, 0 if none */
	int pidfd;		/* and its pidfd: the pid may be reaped and reused */
	int sock;		/* the sentry's end of its socket */
	int userns, mntns;	/* the guest's, for the opener to join */
	int wake;		/* readable once a worker wants the opener (eventfd) */
	enum guestproc_state state;
	bool become;		/* the guest's ids are its own: the opener takes them */
	uid_t uid;		/* ... in the guest's namespace */
	gid_t gid;
	pthread_mutex_t lock;	/* one request and its answer at a time; state */
	pthread_cond_t changed;	/* the state left GP_WANTED */
};

/* The opener's allowlist (compiled at build time as moat_filter_guestproc). */
extern const int guestproc_syscalls[];
extern const size_t guestproc_nsyscalls;

/** guestproc_init() - no opener, and none to come until guestproc_namespaces() */
void guestproc_init(struct guestproc *gp);

/**
 * guestproc_namespaces() - open the guest's user and mount namespaces for
 * the opener to join, through @member, a process in them that the sentry may
 * still inspect (the command before it executes: init is not dumpable).  From
 * then on, the first call that needs the opener asks the sentry's main thread
 * for it (@gp->wake) and waits for guestproc_start().
 * @proc:	the host's /proc
 * Return: 0, or -errno with @e set
 */
int guestproc_namespaces(struct guestproc *gp, int proc, pid_t member, struct merr *e);

/**
 * guestproc_ids() - the guest's command runs as @uid and @gid of its
 * namespace, not as the id the runner is mapped to there (spec_own_ids()):
 * the opener becomes them too
 */
void guestproc_ids(struct guestproc *gp, uid_t uid, gid_t gid);

/**
 * guestproc_start() - fork the opener, once @gp->wake is readable, and make
 * it one of the guest's users; the calls waiting for it go on (if it fails,
 * refused, with a warning; the next call that needs it tries again)
 *
 * Call from the sentry's main thread: not chrooted (a chrooted process cannot
 * join a user namespace), one of the host's processes.
 */
void guestproc_start(struct guestproc *gp);

/**
 * guestproc_open() - open @abs (a /proc/<pid> path of the guest's view) as
 * the guest would, in the guest's root, with RESOLVE_IN_ROOT, @resolve and
 * RESOLVE_NO_MAGICLINKS
 * Return: an fd, or -errno
 */
int guestproc_open(struct guestproc *gp, const char *abs, int flags, uint64_t resolve);

/**
 * guestproc_create() - open @abs with O_CREAT and @mode (the guest's umask
 * applied) as the guest would, like guestproc_open(): for the one file system
 * of the guest's own that takes new files, its mqueue
 * Return: an fd, or -errno
 */
int guestproc_create(struct guestproc *gp, const char *abs, int flags, mode_t mode);

/**
 * guestproc_follow() - open, as the guest would, what the link @abs names:
 * "/proc/<pid>[/task/<tid>]/exe" or ".../fd/<n>" (the kernel lets the guest
 * follow another process's links only where it may trace it)
 * Return: an fd, or -errno (-EINVAL for a path of another shape)
 */
int guestproc_follow(struct guestproc *gp, const char *abs, int flags);

/**
 * guestproc_readlink() - the text of the link @abs names, read as the guest
 * would read it
 * Return: its length (not NUL-terminated), or -errno
 */
ssize_t guestproc_readlink(struct guestproc *gp, const char *abs, char *out, size_t cap);

/** guestproc_stop() - end the opener */
void guestproc_stop(struct guestproc *gp);

#endif
