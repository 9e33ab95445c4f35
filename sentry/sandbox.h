/* SPDX-License-Identifier: MIT */
/* sandbox.h - running one sandbox in the foreground (see sandbox.c). */
#ifndef MOAT_SENTRY_SANDBOX_H
#define MOAT_SENTRY_SANDBOX_H

#include "err.h"
#include "sentry/spec.h"

/**
 * sandbox_run() - run @spec's command in a new sandbox until it ends
 * Return: the exit status to give (the guest's, or 124-127 for moat's own
 * reasons), or -errno with @e set if the sandbox could not be started
 */
int sandbox_run(const struct moat_spec *spec, struct merr *e);

#endif
