/* SPDX-License-Identifier: MIT */
/*
 * sentry.h - the state of a running sentry and of one served system call.
 *
 * A struct sentry lives as long as its sandbox.  Worker threads (notify.c)
 * each receive notifications from the guest's seccomp listener, wrap each one
 * in a struct call, run the handler the syscall table names (table.c), and
 * answer: a value, an errno, or an fd injected into the guest as the result.
 */
#ifndef MOAT_SENTRY_SENTRY_H
#define MOAT_SENTRY_SENTRY_H

#include <linux/seccomp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "gofer/gofer.h"
#include "sentry/guestproc.h"
#include "sentry/ids.h"
#include "sentry/spec.h"

#define SENTRY_MAX_WORKERS 64

/* (device, inode) of unix sockets bound inside the sandbox. */
struct sockset {
	pthread_mutex_t lock;
	struct sock_id { dev_t dev; ino_t ino; } *ids;
	size_t n, cap;
};

/*
 * Presented files whose rest comes on first use: the trust store's files,
 * which get the sandbox's CA when outbound first makes it (network.c).  The
 * first served open or stat of one of them calls @fill, holding @lock, before
 * the guest sees the file.
 */
#define LATE_FILES_MAX 4
struct late_files {
	atomic_bool pending;
	pthread_mutex_t lock;
	struct sock_id ids[LATE_FILES_MAX];
	size_t n;
	/* appends the rest over gofer channel @ch: 0 or -errno with @e */
	int (*fill)(void *ctx, int ch, struct merr *e);
	void *ctx;
};

/*
 * Workers waiting on the guest in a served call (a FIFO open, a connect, a
 * send): the watchdog interrupts one whose caller has gone (notify.c).
 */
struct waits {
	pthread_mutex_t lock;
	pthread_cond_t more;		/* a worker began to wait */
	struct worker *list;
	bool watching;			/* the watchdog thread runs */
};

struct sentry {
	const struct moat_spec *spec;
	struct gofer *gofer;
	int listener;		/* seccomp user-notification fd (-1 with a tracer) */
	struct tracer *tracer;	/* the ptrace platform's tracer, else NULL */
	int rootfd;		/* O_PATH: the guest's root, read-only view */
	int hostproc;		/* O_PATH: the host's /proc */
	dev_t hostproc_dev;	/* and its device: files there are named by host pids */
	int selffd;		/* O_PATH: the sentry's own /proc/self/fd */
	int audit_fd;		/* -1 without --audit */
	bool chrooted;		/* workers run with the guest's root as theirs */
	pthread_mutex_t audit_lock;
	atomic_int idle;	/* workers waiting for a notification */
	atomic_int nworkers;
	atomic_int handing;	/* fds given to the guest that the sentry has not closed yet */
	atomic_bool gofer_fds;	/* the gofer has opened a file for the guest */
	struct sockset socks;
	struct late_files late;
	struct waits waits;
	struct seccomp_notif_sizes sizes;
	struct id_map uids, gids;	/* the guest's, for the owners stat shows */
	struct id_map gofer_uids, gofer_gids;	/* the gofer's, for chown */
	struct guestproc procs;	/* opens /proc/<pid> files as the guest would */
	/* the guest's terminal of its own (sentry/tty.h), which its /dev/tty
	 * opens: the master (-1: none) and its terminal side's device number */
	atomic_int tty_master;
	dev_t tty_rdev;
	/* moat's stdio, opened again through read-only clones (sandbox.c): the
	 * clones' mount ids and the names the files had, which readlink shows */
	struct stdio_name {
		uint64_t mnt_id;	/* 0: none */
		char name[PATH_MAX];
	} stdio[3];
};

/* What one worker thread keeps between calls. */
#define WORKER_PIDFDS 8
struct worker {
	int ch;				/* gofer channel, -1 until first used */
	pid_t tids[WORKER_PIDFDS];	/* pidfds of recent callers, for pidfd_getfd */
	int pidfds[WORKER_PIDFDS];
	unsigned next;
	/* while it waits on the guest (struct waits) */
	pthread_t self;
	uint64_t wait_id;		/* the notification it serves */
	bool waiting;
	struct worker *next_waiting;
};

struct call {
	struct sentry *s;
	struct worker *w;
	const struct seccomp_notif *n;
	pid_t tid;			/* host tid of the calling guest thread */
	pid_t nstgid, nstid;		/* its ids in the guest's pid namespace, once
					 * path_ns_ids() has read them (else 0) */

	/* the answer */
	int64_t val;
	int err;			/* positive errno, 0 to return val */
	bool cont;			/* let the kernel run it (execve only) */
	int inject;			/* fd to install in the guest as the result */
	bool inject_cloexec;

	/* for the audit log (path last: a new call clears what comes before it) */
	bool refused;			/* denied by policy rather than failed */
	char path[4096];		/* the path the call named, if any */
};

typedef void (*sc_handler)(struct call *c);

static inline uint64_t arg(const struct call *c, int i)
{
	return c->n->data.args[i];
}

/* An argument that the kernel treats as an int (fds, flags). */
static inline int arg_int(const struct call *c, int i)
{
	return (int)(uint32_t)c->n->data.args[i];
}

/**
 * call_fail() - answer with -@err; @refused marks a policy refusal for the audit
 */
static inline void call_fail(struct call *c, int err, bool refused)
{
	c->err = err;
	c->refused = refused;
}

/**
 * call_still_valid() - the notification is still pending (the thread did not die
 * or get interrupted); checked after reading guest memory, before acting
 */
bool call_still_valid(struct call *c);

/**
 * sentry_gofer_channel() - this worker's channel to the gofer, opened on first use
 * Return: the channel fd, or -errno
 */
int sentry_gofer_channel(struct call *c);

/**
 * sentry_may_block() - call before anything that may wait on the guest (a FIFO
 * open, a connect): makes sure another worker is listening meanwhile, and that
 * the wait ends (EINTR) if the caller dies or is interrupted before it does
 */
void sentry_may_block(struct call *c);

/**
 * sentry_settle_fds() - wait (briefly, bounded) until the sentry has closed its
 * copies of the fds it gave the guest, so that a file the guest has closed is
 * closed (an execve of a file just written is not ETXTBSY)
 */
void sentry_settle_fds(struct call *c);

/**
 * sentry_serve() - start the worker threads
 * Return: 0, -ENOSYS if the kernel lacks SECCOMP_IOCTL_NOTIF_ADDFD, or -errno
 */
int sentry_serve(struct sentry *s);

/** audit_call() - one JSON line for a denied or refused call (audit.c) */
void audit_call(struct call *c);

/** sockset_add() / sockset_has() - unix sockets bound inside the sandbox */
void sockset_add(struct sockset *set, dev_t dev, ino_t ino);
bool sockset_has(struct sockset *set, dev_t dev, ino_t ino);

/**
 * late_complete() - if (@dev, @ino) is a late file still waiting for its
 * rest, have it appended now (struct late_files)
 * Return: whether it was appended by this call (a stat must then be taken again)
 */
bool late_complete(struct call *c, dev_t dev, ino_t ino);

#endif
