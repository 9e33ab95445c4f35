// SPDX-License-Identifier: MIT
/* err.c - the error contract (see err.h). */
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int merr_set(struct merr *e, int errnum, const char *fmt, ...)
{
	if (errnum <= 0)
		errnum = EIO;
	if (e) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		e->errnum = errnum;
	}
	return -errnum;
}

int merr_sys(struct merr *e, const char *fmt, ...)
{
	int errnum = errno ? errno : EIO;

	if (e) {
		va_list ap;
		size_t n;

		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		n = strlen(e->msg);
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(errnum));
		e->errnum = errnum;
	}
	return -errnum;
}

void merr_prefix(struct merr *e, const char *fmt, ...)
{
	char prefix[128], old[sizeof(e->msg)];
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	if (snprintf(e->msg, sizeof(e->msg), "%s%s", prefix, old) >= (int)sizeof(e->msg)) {
		/* a long message loses its tail, never its start */
	}
}

_Noreturn void die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("moat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}
