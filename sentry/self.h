/* SPDX-License-Identifier: MIT */
/* self.h - the sentry's own seccomp allowlist (see self.c). */
#ifndef MOAT_SENTRY_SELF_H
#define MOAT_SENTRY_SELF_H

#include <stddef.h>

#include "err.h"

extern const int sentry_syscalls[];
extern const size_t sentry_nsyscalls;

/**
 * sentry_confine_self() - load the allowlist into every thread of the sentry
 * Return: 0 or -errno
 */
int sentry_confine_self(struct merr *e);

#endif
