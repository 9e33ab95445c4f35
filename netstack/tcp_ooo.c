// SPDX-License-Identifier: MIT
/*
 * tcp_ooo.c - the guest's data that arrived ahead of a gap, held until the
 * gap fills.
 *
 * Theory of operation
 * -------------------
 * netstack writes the guest's data to the far socket as it arrives, so only
 * data beyond rcv_nxt needs to be kept: a Linux guest on a multi-core machine
 * sends a burst slightly out of order now and then, and without SACK (neither
 * side offers it) dropping those segments turns each such burst into a
 * retransmission timeout, with a back-off that Karn's rule keeps (no
 * timestamps either) and that grew to minutes on a 1 GiB upload.
 *
 * A segment in the offered window but past rcv_nxt is copied here and still
 * answered with a duplicate ACK at rcv_nxt, as RFC 5681 asks.  When in-order
 * data reaches a held segment, tcp_ooo_flush() writes what follows on from
 * rcv_nxt, and the one ACK of the round covers all of it.
 *
 * Without SACK the guest learns of one hole per round trip, so everything
 * after a hole must be held, up to the whole window: a flow that held only a
 * few segments of a 3 MB window dropped the rest, and the guest recovered
 * them one retransmission timeout at a time (seconds of near-zero throughput
 * in an upload).  Memory is bounded by bytes: at most TCP_OOO_FLOW_MAX a flow
 * (the window, cut to that) and TCP_OOO_TOTAL_MAX in the whole stack; a
 * segment past a bound is dropped as before (the guest resends it).  The
 * store, a sorted array that grows as segments come, is allocated when a flow
 * first holds a segment and freed when the gap is gone or the flow ends.  A held FIN is kept with its segment and taken when the
 * data before it is.  If the far socket cannot take what is flushed, the rest
 * is dropped: the guest resends it once the window opens again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netstack/ns.h"

struct ooo_seg {
	uint32_t seq, len;
	bool fin;
	uint8_t *data;
};

struct tcp_ooo {
	uint32_t n, cap, bytes;
	struct ooo_seg *seg;	/* sorted by seq */
};

/* Free the data of the first @k segments and move the rest to the front. */
static void drop_first(struct netstack *ns, struct tcp_ooo *q, uint32_t k)
{
	for (uint32_t i = 0; i < k; i++) {
		ns->ooo_bytes -= q->seg[i].len;
		q->bytes -= q->seg[i].len;
		free(q->seg[i].data);
	}
	memmove(&q->seg[0], &q->seg[k], (q->n - k) * sizeof(q->seg[0]));
	q->n -= k;
}

/**
 * tcp_ooo_free() - forget every held segment of @c
 * @ns:		the stack
 * @c:		the flow
 */
void tcp_ooo_free(struct netstack *ns, struct tcp_conn *c)
{
	struct tcp_ooo *q = c->ooo;

	if (!q)
		return;
	drop_first(ns, q, q->n);
	free(q->seg);
	free(q);
	c->ooo = NULL;
}

/**
 * tcp_ooo_hold() - keep a segment that starts past rcv_nxt
 * @ns:		the stack
 * @c:		the flow
 * @seq, @data, @len:	the segment's data, already cut to the offered window
 * @fin:	whether the segment ends with FIN
 *
 * Return: true if it is held (or was held already), false if a bound left
 * it out.
 */
bool tcp_ooo_hold(struct netstack *ns, struct tcp_conn *c, uint32_t seq, const uint8_t *data,
		  uint32_t len, bool fin)
{
	struct tcp_ooo *q = c->ooo;
	uint32_t at = 0;
	uint8_t *copy;

	if (!len)
		return false;
	if (!q) {
		q = calloc(1, sizeof(*q));
		if (!q)
			return false;
		c->ooo = q;
	}
	while (at < q->n && SEQ_LT(q->seg[at].seq, seq))
		at++;
	/* The same bytes again (the guest resent them): already held. */
	for (uint32_t i = 0; i < q->n; i++)
		if (SEQ_LE(q->seg[i].seq, seq) && SEQ_GE(q->seg[i].seq + q->seg[i].len, seq + len))
			return true;
	if (q->bytes + len > TCP_OOO_FLOW_MAX || ns->ooo_bytes + len > TCP_OOO_TOTAL_MAX)
		return false;
	if (q->n == q->cap) {
		uint32_t cap = q->cap ? q->cap * 2 : 16;
		struct ooo_seg *grown = realloc(q->seg, cap * sizeof(*grown));

		if (!grown)
			return false;
		q->seg = grown;
		q->cap = cap;
	}
	copy = malloc(len);
	if (!copy)
		return false;
	memcpy(copy, data, len);
	memmove(&q->seg[at + 1], &q->seg[at], (q->n - at) * sizeof(q->seg[0]));
	q->seg[at] = (struct ooo_seg){ .seq = seq, .len = len, .fin = fin, .data = copy };
	q->n++;
	q->bytes += len;
	ns->ooo_bytes += len;
	return true;
}

/**
 * tcp_ooo_flush() - write the held data that now follows on from rcv_nxt
 * @ns:		the stack
 * @c:		the flow, whose rcv_nxt just moved
 * @fin:	set when the data taken ends with the guest's FIN
 *
 * Advances rcv_nxt over what the far socket took.
 * Return: 0, or -errno of a failed write (the caller resets the flow).
 */
int tcp_ooo_flush(struct netstack *ns, struct tcp_conn *c, bool *fin)
{
	struct tcp_ooo *q = c->ooo;

	uint32_t done = 0;

	*fin = false;
	if (!q)
		return 0;
	for (; done < q->n && SEQ_LE(q->seg[done].seq, c->rcv_nxt) && !*fin; done++) {
		struct ooo_seg *s = &q->seg[done];
		uint32_t skip = c->rcv_nxt - s->seq;
		ssize_t n;

		if (skip >= s->len)	/* wholly taken already */
			continue;
		n = send(c->fd, s->data + skip, s->len - skip, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if (n > 0)
			c->rcv_nxt += (uint32_t)n;
		if (n < 0 || (uint32_t)n < s->len - skip) {
			tcp_ooo_free(ns, c);	/* the guest resends the rest */
			c->flags |= TF_RCV_BLOCKED;
			return 0;
		}
		*fin = s->fin;
	}
	drop_first(ns, q, done);	/* one move for all that was written */
	if (*fin || !q->n)
		tcp_ooo_free(ns, c);
	return 0;
}
