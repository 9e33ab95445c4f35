// SPDX-License-Identifier: MIT
/*
 * flow.c - the flow tables: fixed arrays of TCP and UDP flows, found by hash.
 *
 * A flow is named by the guest's port and the remote address and port as the
 * guest sees them (the guest's address is fixed).  Each table is an array
 * sized once from the configuration; a hash table of chain heads (index + 1,
 * 0 for empty) with a per-stack random seed finds a flow, so a guest cannot
 * choose ports that all land in one chain.  Free TCP slots form a list
 * through the hash-chain field; UDP slots are found by a scan, which the
 * small table and the rate of new UDP flows allow.
 *
 * TCP flows still in their handshake are also kept on an "embryonic" list,
 * and flows in TIME_WAIT on a list of their own, oldest first, through the
 * same links (a flow is on one of them at most).  When the table is full, a
 * new flow takes the slot of the oldest flow in TIME_WAIT, which holds
 * nothing but its four ports (tcp_slot_alloc()); failing that, a new SYN
 * evicts the oldest embryonic one (tcp.c), never an established flow: so
 * neither a SYN flood nor many short connections can push out working ones,
 * and closed flows do not lock the table for the length of TIME_WAIT.
 */
#include <string.h>
#include <unistd.h>

#include "netstack/ns.h"

static uint32_t hash3(const struct netstack *ns, uint32_t raddr, uint16_t rport, uint16_t gport)
{
	uint32_t h = ns->hseed;

	h ^= raddr * 0x9e3779b1u;
	h = (h << 13 | h >> 19) * 0x85ebca77u;
	h ^= ((uint32_t)rport << 16 | gport) * 0xc2b2ae3du;
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	return h;
}

/* A list of flows through eprev/enext, oldest at @head (index + 1, 0: none). */
static void list_add(struct netstack *ns, uint32_t *head, uint32_t *tail, struct tcp_conn *c)
{
	uint32_t i = tcp_idx(ns, c) + 1;

	c->enext = 0;
	c->eprev = *tail;
	if (*tail)
		ns->tcp[*tail - 1].enext = i;
	else
		*head = i;
	*tail = i;
}

static void list_del(struct netstack *ns, uint32_t *head, uint32_t *tail, struct tcp_conn *c)
{
	if (c->eprev)
		ns->tcp[c->eprev - 1].enext = c->enext;
	else
		*head = c->enext;
	if (c->enext)
		ns->tcp[c->enext - 1].eprev = c->eprev;
	else
		*tail = c->eprev;
	c->eprev = c->enext = 0;
}

struct tcp_conn *tcp_lookup(struct netstack *ns, uint32_t raddr, uint16_t rport, uint16_t gport)
{
	uint32_t i = ns->tcp_hash[hash3(ns, raddr, rport, gport) & ns->tcp_hmask];

	while (i) {
		struct tcp_conn *c = &ns->tcp[i - 1];

		if (c->raddr == raddr && c->rport == rport && c->gport == gport)
			return c;
		i = c->hnext;
	}
	return NULL;
}

struct tcp_conn *tcp_slot_alloc(struct netstack *ns, uint32_t raddr, uint16_t rport,
				uint16_t gport)
{
	uint32_t i = ns->tcp_free, h;
	struct tcp_conn *c;
	uint32_t gen;

	if (!i && ns->tcp_fresh == ns->tcp_max && ns->twhead) {
		/* full: the oldest flow in TIME_WAIT gives its slot, silently */
		tcp_close(ns, &ns->tcp[ns->twhead - 1]);
		i = ns->tcp_free;
	}
	if (i) {
		c = &ns->tcp[i - 1];
		ns->tcp_free = c->hnext;
	} else if (ns->tcp_fresh < ns->tcp_max) {
		i = ++ns->tcp_fresh;
		c = &ns->tcp[i - 1];
	} else {
		return NULL;
	}
	gen = c->gen + 1;
	memset(c, 0, sizeof(*c));
	c->gen = gen;
	c->fd = -1;
	c->raddr = raddr;
	c->rport = rport;
	c->gport = gport;
	c->born = ns->now;
	h = hash3(ns, raddr, rport, gport) & ns->tcp_hmask;
	c->hnext = ns->tcp_hash[h];
	ns->tcp_hash[h] = i;
	ns->tcp_used++;
	return c;
}

void tcp_slot_release(struct netstack *ns, struct tcp_conn *c)
{
	uint32_t i = tcp_idx(ns, c) + 1;
	uint32_t *pp = &ns->tcp_hash[hash3(ns, c->raddr, c->rport, c->gport) & ns->tcp_hmask];

	while (*pp && *pp != i)
		pp = &ns->tcp[*pp - 1].hnext;
	if (*pp)
		*pp = c->hnext;
	tcp_embryo_del(ns, c);
	if (c->state == TS_TIME_WAIT)
		list_del(ns, &ns->twhead, &ns->twtail, c);
	tcp_ooo_free(ns, c);
	timer_clear(&ns->timers, i - 1);
	c->state = TS_FREE;
	c->flags = 0;
	c->gen++;
	c->hnext = ns->tcp_free;
	ns->tcp_free = i;
	ns->tcp_used--;
}

void tcp_embryo_add(struct netstack *ns, struct tcp_conn *c)
{
	if (c->flags & TF_EMBRYO)
		return;
	c->flags |= TF_EMBRYO;
	list_add(ns, &ns->ehead, &ns->etail, c);
}

void tcp_embryo_del(struct netstack *ns, struct tcp_conn *c)
{
	if (!(c->flags & TF_EMBRYO))
		return;
	c->flags &= (uint16_t)~TF_EMBRYO;
	list_del(ns, &ns->ehead, &ns->etail, c);
}

/** tcp_time_wait() - @c enters TIME_WAIT: its far socket closes, a timer ends it */
void tcp_time_wait(struct netstack *ns, struct tcp_conn *c)
{
	tcp_embryo_del(ns, c);
	c->state = TS_TIME_WAIT;
	list_add(ns, &ns->twhead, &ns->twtail, c);
	tcp_far_close(ns, c, false);
	c->t_main = ns->now + TCP_TIME_WAIT_MS;
	tcp_arm(ns, c);
}

struct tcp_conn *tcp_embryo_oldest(struct netstack *ns)
{
	return ns->ehead ? &ns->tcp[ns->ehead - 1] : NULL;
}

struct udp_flow *udp_lookup(struct netstack *ns, uint32_t raddr, uint16_t rport, uint16_t gport)
{
	uint32_t i = ns->udp_hash[hash3(ns, raddr, rport, gport) & ns->udp_hmask];

	while (i) {
		struct udp_flow *u = &ns->udp[i - 1];

		if (u->raddr == raddr && u->rport == rport && u->gport == gport)
			return u;
		i = u->hnext;
	}
	return NULL;
}

struct udp_flow *udp_slot_alloc(struct netstack *ns, uint32_t raddr, uint16_t rport,
				uint16_t gport)
{
	struct udp_flow *u = NULL, *oldest = NULL;
	uint32_t h;

	for (uint32_t i = 0; i < ns->udp_max; i++) {
		if (!ns->udp[i].used) {
			u = &ns->udp[i];
			break;
		}
		if (!oldest || ns->udp[i].last < oldest->last)
			oldest = &ns->udp[i];
	}
	if (!u) {
		/* Full: the flow idle the longest makes room. */
		if (!oldest)
			return NULL;
		udp_slot_release(ns, oldest);
		u = oldest;
	}
	u->used = true;
	u->gen++;
	u->raddr = raddr;
	u->rport = rport;
	u->gport = gport;
	u->last = ns->now;
	u->fd = -1;
	h = hash3(ns, raddr, rport, gport) & ns->udp_hmask;
	u->hnext = ns->udp_hash[h];
	ns->udp_hash[h] = (uint32_t)(u - ns->udp) + 1;
	return u;
}

void udp_slot_release(struct netstack *ns, struct udp_flow *u)
{
	uint32_t i = (uint32_t)(u - ns->udp) + 1;
	uint32_t *pp = &ns->udp_hash[hash3(ns, u->raddr, u->rport, u->gport) & ns->udp_hmask];

	while (*pp && *pp != i)
		pp = &ns->udp[*pp - 1].hnext;
	if (*pp)
		*pp = u->hnext;
	if (u->fd >= 0) {
		ns_ep_del(ns, u->fd);
		close(u->fd);
	}
	timer_clear(&ns->timers, ns->tcp_max + i - 1);
	u->fd = -1;
	u->used = false;
	u->gen++;
}
