/* SPDX-License-Identifier: MIT */
/*
 * err.h - the one error contract of moat.
 *
 * A function that can fail returns 0 (or a non-negative result) on success and
 * -errno on failure.  If the caller passed a struct merr, the function also fills
 * it with one line that names the operation and the object, in the style
 * "openat /etc/x: Permission denied", and, where a user can act on it, what to do.
 * The errno in the struct and the return value always agree.
 *
 * die() is for a process's own set-up only (before it serves anything); long-lived
 * loops report and carry on.  docs/errors.md describes the contract for readers.
 */
#ifndef MOAT_ERR_H
#define MOAT_ERR_H

#include <errno.h>
#include <stdarg.h>

struct merr {
	int errnum;		/* positive errno of the failure, 0 if none */
	char msg[512];		/* "operation object: reason" */
};

/**
 * merr_set() - record a failure with an explicit errno
 * @e:		error to fill, may be NULL
 * @errnum:	positive errno
 * @fmt:	message; ": strerror(errnum)" is NOT appended
 *
 * Return: -errnum
 */
int merr_set(struct merr *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * merr_sys() - record a failed system call, taking errno
 * @e:		error to fill, may be NULL
 * @fmt:	what was attempted ("openat %s"); ": strerror(errno)" is appended
 *
 * Return: -errno (as it was when called; EIO if errno was 0)
 */
int merr_sys(struct merr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * merr_prefix() - prepend context to an existing message ("gofer: " ...)
 * @e:		error, may be NULL
 * @fmt:	prefix text
 */
void merr_prefix(struct merr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * die() - print "moat: <message>" and exit with @status; set-up code only
 */
_Noreturn __attribute__((noreturn)) void die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Exit statuses moat uses for its own failures (the guest's own status otherwise). */
enum {
	MOAT_EXIT_TIMEOUT = 124,	/* --timeout expired, as timeout(1) */
	MOAT_EXIT_FAILURE = 125,	/* moat itself could not run the sandbox */
	MOAT_EXIT_NOEXEC = 126,		/* the command exists but cannot be executed */
	MOAT_EXIT_NOTFOUND = 127,	/* the command was not found in the sandbox */
};

#endif
