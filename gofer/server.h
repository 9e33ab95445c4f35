/* SPDX-License-Identifier: MIT */
/* server.h - the gofer's request loop (see server.c). */
#ifndef MOAT_GOFER_SERVER_H
#define MOAT_GOFER_SERVER_H

#include <stdbool.h>
#include <stddef.h>

/* The system calls gofer_serve() makes: the gofer's seccomp allowlist. */
extern const int gofer_syscalls[];
extern const size_t gofer_nsyscalls;

/**
 * gofer_serve() - answer requests until the sentry closes the control channel
 * @rootfd:	O_PATH fd of the sandbox root (the process's root too)
 * @ctl:	the first channel; more arrive as GOFER_CHANNEL requests
 * @late:	@nlate fds (or -1) of the late files still waiting for their
 *		rest (GOFER_LATE appends it and closes them)
 * @host_root:	the tree is `moat do`'s: its own /tmp, /run, /dev and /dev/shm
 *		are not removed or renamed (EBUSY, as for a mount point)
 *
 * Return: 0 when the sentry is gone, -errno on a fatal error
 */
int gofer_serve(int rootfd, int ctl, int *late, size_t nlate, bool host_root);

#endif
