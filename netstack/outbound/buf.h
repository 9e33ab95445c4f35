/* SPDX-License-Identifier: MIT */
/*
 * buf.h - growable byte buffers for outbound's data plane.
 *
 * A buffer holds the bytes between @off and @len of @data: producers append at
 * the end, consumers take from the front.  A buffer is bounded by its owner
 * (the flow engine stops reading when a buffer passes its high-water mark), so
 * growth here only fails on allocation failure or when @max is reached.
 *
 * A buffer marked sensitive may hold injected credentials: every byte it
 * drops (consumed, moved, freed) is zeroed first, and it never uses realloc,
 * which could leave a copy behind in freed memory.
 */
#ifndef MOAT_OUTBOUND_BUF_H
#define MOAT_OUTBOUND_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct ob_buf {
	char *data;
	size_t off;		/* first unconsumed byte */
	size_t len;		/* end of the valid bytes */
	size_t cap;		/* allocated size of @data */
	size_t max;		/* 0: no limit beyond memory; else the largest @cap */
	bool sensitive;		/* zero every byte that is dropped */
};

/** ob_buf_avail() - number of unconsumed bytes */
static inline size_t ob_buf_avail(const struct ob_buf *b)
{
	return b->len - b->off;
}

/** ob_buf_head() - the first unconsumed byte */
static inline char *ob_buf_head(const struct ob_buf *b)
{
	return b->data + b->off;
}

/**
 * ob_buf_reserve() - make room for @n more bytes at the end
 * Return: pointer to the free space (ob_buf_commit() publishes what was
 * written there), or NULL (ENOMEM, or the buffer would pass @max: E2BIG)
 */
char *ob_buf_reserve(struct ob_buf *b, size_t n);

/** ob_buf_commit() - publish @n bytes written at the pointer ob_buf_reserve() gave */
void ob_buf_commit(struct ob_buf *b, size_t n);

/** ob_buf_append() - copy @n bytes to the end; Return: 0 or -ENOMEM/-E2BIG */
int ob_buf_append(struct ob_buf *b, const void *p, size_t n);

/** ob_buf_puts() - append a NUL-terminated string; Return: 0 or -errno */
int ob_buf_puts(struct ob_buf *b, const char *s);

/** ob_buf_printf() - append formatted text; Return: 0 or -errno */
int ob_buf_printf(struct ob_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** ob_buf_consume() - drop @n bytes from the front (at most what is there) */
void ob_buf_consume(struct ob_buf *b, size_t n);

/** ob_buf_truncate() - keep only the first @avail unconsumed bytes */
void ob_buf_truncate(struct ob_buf *b, size_t avail);

/** ob_buf_reset() - drop everything but keep the memory */
void ob_buf_reset(struct ob_buf *b);

/** ob_buf_free() - drop everything and release the memory (zeroed if sensitive) */
void ob_buf_free(struct ob_buf *b);

#endif
