/* SPDX-License-Identifier: MIT */
/*
 * gofer.h - starting the gofer and talking to it, from the sentry's side.
 *
 * gofer_start() forks the gofer into fresh user and mount namespaces, maps the
 * invoking user to root in them, and waits until the gofer has built the
 * sandbox tree and confined itself.  The sentry then opens one channel per
 * worker thread (gofer_channel_open()) and sends requests with gofer_call().
 */
#ifndef MOAT_GOFER_H
#define MOAT_GOFER_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "gofer/proto.h"
#include "gofer/tree.h"

struct gofer {
	pid_t pid;
	int pidfd;
	int ctl;		/* control channel; requests on it take @lock */
	int userns, mntns;	/* its namespaces, for the guest to start from */
	bool sealing;		/* gofer_seal() sent; its answer is yet to be read */
	pthread_mutex_t lock;
};

/**
 * gofer_start() - fork the gofer, map its ids, and let it build the tree
 * @g:		filled in
 * @t:		the tree to build
 * @e:		error
 *
 * Return: 0, or -errno; the tree is being built when this returns
 */
int gofer_start(struct gofer *g, const struct gofer_tree *t, struct merr *e);

/**
 * gofer_wait_built() - wait until the gofer has built the tree
 * Return: 0, or -errno with the gofer's own message in @e (the gofer is stopped)
 */
int gofer_wait_built(struct gofer *g, struct merr *e);

/* The most late data gofer_fill_late() takes (a PEM certificate). */
#define GOFER_LATE_MAX 16384

/**
 * gofer_fill_late() - append @data to every late file of the tree and close
 * them; between gofer_wait_built() and gofer_seal(), and at most once.  Once
 * the gofer serves, a GOFER_LATE request on a channel does the same.
 * Return: 0, or -errno with the gofer's own message in @e
 */
int gofer_fill_late(struct gofer *g, const void *data, size_t len, struct merr *e);

/**
 * gofer_seal() - tell the gofer that the guest's mounts are copied: it lets go
 * of what it held for them, confines itself and starts serving.  Does not
 * wait: the first gofer_channel_open() collects the gofer's answer.
 * Return: 0 or -errno
 */
int gofer_seal(struct gofer *g, struct merr *e);

/**
 * gofer_channel_open() - open another request channel
 * Return: the channel fd, or -errno
 */
int gofer_channel_open(struct gofer *g);

/**
 * gofer_call() - send one request and wait for its reply
 * @ch:		a channel from gofer_channel_open()
 * @req:	header (op, flags, mode, a, b, times)
 * @s1:		first path
 * @s2, @len2:	second part (see proto.h), or NULL, 0
 * @fd_in:	fd to pass (GOFER_BIND) or -1
 * @fd_out:	receives the fd of GOFER_OPEN, or NULL
 *
 * Return: the gofer's result (>= 0 or -errno); -EPROTO for a bad reply and
 * -ECONNRESET if the gofer is gone
 */
int gofer_call(int ch, struct gofer_req *req, const char *s1, const void *s2, size_t len2,
	       int fd_in, int *fd_out);

/** gofer_kill() - send the gofer SIGKILL (gofer_stop() reaps it) */
void gofer_kill(struct gofer *g);

/** gofer_stop() - end the gofer and reap it */
void gofer_stop(struct gofer *g);

/* The gofer process's entry point, in the child (gofer.c). */
int gofer_child(const struct gofer_tree *t, int ctl);

#endif
