// SPDX-License-Identifier: MIT
/* buf.c - see buf.h. */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUF_MIN_CAP 4096

static void drop(struct ob_buf *b, char *p, size_t n)
{
	if (b->sensitive && n)
		explicit_bzero(p, n);
}

char *ob_buf_reserve(struct ob_buf *b, size_t n)
{
	size_t used = b->len - b->off, want, cap;
	char *nd;

	if (n == 0)
		n = 1;	/* always hand out a real pointer */
	if (b->cap - b->len >= n)
		return b->data + b->len;
	if (n > SIZE_MAX / 2 - used) {
		errno = E2BIG;
		return NULL;
	}
	want = used + n;
	if (b->off && b->cap >= want && b->off >= b->cap / 4) {
		/* enough room once the consumed front is reclaimed */
		memmove(b->data, b->data + b->off, used);
		drop(b, b->data + used, b->len - used);
		b->off = 0;
		b->len = used;
		return b->data + b->len;
	}
	cap = b->cap ? b->cap : BUF_MIN_CAP;
	while (cap < want)
		cap *= 2;
	if (b->max && cap > b->max) {
		if (want > b->max) {
			errno = E2BIG;
			return NULL;
		}
		cap = b->max;
	}
	nd = malloc(cap);
	if (!nd) {
		errno = ENOMEM;
		return NULL;
	}
	if (used)
		memcpy(nd, b->data + b->off, used);
	if (b->data) {
		drop(b, b->data, b->len);
		free(b->data);
	}
	b->data = nd;
	b->cap = cap;
	b->off = 0;
	b->len = used;
	return b->data + b->len;
}

void ob_buf_commit(struct ob_buf *b, size_t n)
{
	if (n > b->cap - b->len)
		n = b->cap - b->len;
	b->len += n;
}

int ob_buf_append(struct ob_buf *b, const void *p, size_t n)
{
	char *dst;

	if (!n)
		return 0;
	dst = ob_buf_reserve(b, n);
	if (!dst)
		return -errno;
	memcpy(dst, p, n);
	b->len += n;
	return 0;
}

int ob_buf_puts(struct ob_buf *b, const char *s)
{
	return ob_buf_append(b, s, strlen(s));
}

int ob_buf_printf(struct ob_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *dst;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	dst = ob_buf_reserve(b, (size_t)n + 1);
	if (!dst)
		return -errno;
	va_start(ap, fmt);
	vsnprintf(dst, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void ob_buf_consume(struct ob_buf *b, size_t n)
{
	size_t avail = b->len - b->off;

	if (n > avail)
		n = avail;
	drop(b, b->data + b->off, n);
	b->off += n;
	if (b->off == b->len)
		b->off = b->len = 0;
}

void ob_buf_truncate(struct ob_buf *b, size_t avail)
{
	if (avail >= b->len - b->off)
		return;
	drop(b, b->data + b->off + avail, b->len - b->off - avail);
	b->len = b->off + avail;
	if (b->off == b->len)
		b->off = b->len = 0;
}

void ob_buf_reset(struct ob_buf *b)
{
	if (b->data)
		drop(b, b->data, b->len);
	b->off = b->len = 0;
}

void ob_buf_free(struct ob_buf *b)
{
	ob_buf_reset(b);
	free(b->data);
	b->data = NULL;
	b->cap = 0;
}
