/* SPDX-License-Identifier: MIT */
/* filter.h - the guest's seccomp program (see filter.c). */
#ifndef MOAT_SENTRY_FILTER_H
#define MOAT_SENTRY_FILTER_H

#include <linux/filter.h>
#include <stdbool.h>

#include "err.h"

/**
 * filter_build() - generate the guest's seccomp program from the syscall table
 * @audit:	send denied calls to the sentry too, so that it can record them
 * @prog:	receives the program; prog->filter is malloc'd
 * @e:		error
 *
 * Return: 0 or -errno
 */
int filter_build(bool audit, struct sock_fprog *prog, struct merr *e);

/**
 * filter_get() - the guest's seccomp program: the one compiled at build time if
 * the program was linked with it, else filter_build()
 */
int filter_get(bool audit, struct sock_fprog *prog, struct merr *e);

#endif
