// SPDX-License-Identifier: MIT
/*
 * timer.c - one timer per flow, kept in a binary min-heap.
 *
 * Every flow has at most one pending deadline (its retransmission, persist,
 * TIME_WAIT or idle timer: the flow knows which).  The heap is sized once
 * for every flow slot, so setting a timer never allocates; pos[] maps an
 * owner to its place in the heap so that a timer can be moved or cleared in
 * O(log n).
 */
#include <errno.h>
#include <stdlib.h>

#include "netstack/ns.h"

int timer_heap_init(struct timer_heap *t, uint32_t cap)
{
	t->n = 0;
	t->cap = cap;
	t->h = calloc(cap, sizeof(*t->h));
	t->pos = calloc(cap, sizeof(*t->pos));
	if (!t->h || !t->pos) {
		timer_heap_free(t);
		return -ENOMEM;
	}
	return 0;
}

void timer_heap_free(struct timer_heap *t)
{
	free(t->h);
	free(t->pos);
	t->h = NULL;
	t->pos = NULL;
	t->n = t->cap = 0;
}

static void place(struct timer_heap *t, uint32_t i, struct timer_ent e)
{
	t->h[i] = e;
	t->pos[e.id] = i + 1;
}

static void sift_up(struct timer_heap *t, uint32_t i)
{
	struct timer_ent e = t->h[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (t->h[parent].at <= e.at)
			break;
		place(t, i, t->h[parent]);
		i = parent;
	}
	place(t, i, e);
}

static void sift_down(struct timer_heap *t, uint32_t i)
{
	struct timer_ent e = t->h[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= t->n)
			break;
		if (c + 1 < t->n && t->h[c + 1].at < t->h[c].at)
			c++;
		if (e.at <= t->h[c].at)
			break;
		place(t, i, t->h[c]);
		i = c;
	}
	place(t, i, e);
}

void timer_set(struct timer_heap *t, uint32_t id, uint64_t at)
{
	uint32_t p;

	if (id >= t->cap)
		return;
	p = t->pos[id];
	if (p) {
		uint64_t old = t->h[p - 1].at;

		t->h[p - 1].at = at;
		if (at < old)
			sift_up(t, p - 1);
		else
			sift_down(t, p - 1);
		return;
	}
	t->h[t->n] = (struct timer_ent){ .at = at, .id = id };
	t->n++;
	sift_up(t, t->n - 1);
}

void timer_clear(struct timer_heap *t, uint32_t id)
{
	uint32_t i;

	if (id >= t->cap || !t->pos[id])
		return;
	i = t->pos[id] - 1;
	t->pos[id] = 0;
	t->n--;
	if (i == t->n)
		return;
	place(t, i, t->h[t->n]);
	if (i > 0 && t->h[(i - 1) / 2].at > t->h[i].at)
		sift_up(t, i);
	else
		sift_down(t, i);
}

bool timer_first(const struct timer_heap *t, uint64_t *at, uint32_t *id)
{
	if (!t->n)
		return false;
	*at = t->h[0].at;
	*id = t->h[0].id;
	return true;
}
