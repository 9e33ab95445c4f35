/* SPDX-License-Identifier: MIT */
/*
 * table.h - the guest's system calls, one row each: how each is treated.
 *
 *   SC_NATIVE  runs in the kernel as is (memory, I/O on open fds, signals...)
 *   SC_SERVED  goes to the sentry, which serves it (handler) or denies it
 *   SC_COND    native for some arguments, served or denied for others; the
 *              rules are in filter.c, next to their reasons
 *   SC_DENY    fails with @deny_errno, without reaching the sentry unless the
 *              audit log is on (then the sentry answers and records it)
 *
 * Anything not in the table fails with ENOSYS.  One table serves every
 * platform: the filter is generated from it, and notify.c dispatches by it.
 */
#ifndef MOAT_SENTRY_TABLE_H
#define MOAT_SENTRY_TABLE_H

#include "sentry/sentry.h"

enum sc_class { SC_NATIVE, SC_SERVED, SC_COND, SC_DENY };

struct sc_entry {
	int nr;			/* negative if not on this architecture */
	const char *name;
	enum sc_class cls;
	sc_handler fn;		/* SC_SERVED, SC_COND */
	int deny_errno;		/* SC_DENY */
};

extern const struct sc_entry sc_table[];
extern const size_t sc_table_len;

/** sc_lookup() - the row for syscall @nr, or NULL */
const struct sc_entry *sc_lookup(int nr);

/**
 * sc_handler_of() - the handler that serves syscall @nr of architecture @arch
 * when it reaches the sentry
 * Return: NULL if the filter's rules deny it (no row, SC_DENY, or a
 * conditional row without a handler)
 */
sc_handler sc_handler_of(int nr, uint32_t arch);

/** sc_name() - the name of syscall @nr for logs, "?" if unknown */
const char *sc_name(int nr);

#endif
