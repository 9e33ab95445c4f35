// SPDX-License-Identifier: MIT
/*
 * resolve.c - real name resolution for the DNS server, through c-ares.
 *
 * c-ares runs inside the stack's event loop: its sockets are added to the
 * stack's epoll set as it opens them (the socket-state callback), readiness
 * is handed back with ares_process_fd(), and its timeouts shorten the epoll
 * wait.  Queries are plain A queries (ares_query(): no search list, no
 * /etc/hosts, so nothing touches the file system once the process is
 * confined).  The upstream servers are the configuration's ("ip[:port],..."),
 * or the host's /etc/resolv.conf, read once at start-up, before confinement.
 * Without either, c-ares is not used and only the static host table and the
 * resolver callback answer.
 */
#include <ares.h>
#include <errno.h>
#include <arpa/nameser.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "netstack/ns.h"

#define ARES_MAX_SOCKS 16

struct ares_query_ctx {
	struct netstack *ns;
	uint32_t token;
};

struct ns_ares {
	ares_channel ch;
	int fds[ARES_MAX_SOCKS];
	unsigned nfds;
};

static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct netstack *ns = data;
	struct ns_ares *a = ns->ares;
	struct epoll_event ev = {
		.events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0),
		.data.u64 = ep_tag(EP_ARES, 0, (uint32_t)fd),
	};
	unsigned i;

	if (!a)
		return;
	for (i = 0; i < a->nfds && a->fds[i] != fd; i++)
		;
	if (!readable && !writable) {
		if (i < a->nfds) {
			epoll_ctl(ns->epfd, EPOLL_CTL_DEL, fd, NULL);
			a->fds[i] = a->fds[--a->nfds];
		}
		return;
	}
	if (i < a->nfds) {
		epoll_ctl(ns->epfd, EPOLL_CTL_MOD, fd, &ev);
	} else if (a->nfds < ARES_MAX_SOCKS &&
		   epoll_ctl(ns->epfd, EPOLL_CTL_ADD, fd, &ev) == 0) {
		a->fds[a->nfds++] = fd;
	}
}

int ns_ares_init(struct netstack *ns, struct merr *e)
{
	struct ares_options opt = { 0 };
	struct ns_ares *a;
	int r;

	if (!ns->cfg.dns_servers && !ns->cfg.dns_use_system)
		return 0;
	r = ares_library_init(ARES_LIB_INIT_ALL);
	if (r != ARES_SUCCESS)
		return merr_set(e, EIO, "c-ares: %s", ares_strerror(r));
	a = calloc(1, sizeof(*a));
	if (!a)
		return merr_set(e, ENOMEM, "c-ares: out of memory");
	opt.sock_state_cb = sock_state;
	opt.sock_state_cb_data = ns;
	opt.timeout = 2000;
	opt.tries = 2;
	r = ares_init_options(&a->ch, &opt,
			      ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (r != ARES_SUCCESS) {
		free(a);
		return merr_set(e, EIO, "c-ares: %s", ares_strerror(r));
	}
	ns->ares = a;
	if (ns->cfg.dns_servers) {
		r = ares_set_servers_ports_csv(a->ch, ns->cfg.dns_servers);
		if (r != ARES_SUCCESS)
			return merr_set(e, EINVAL, "DNS servers \"%s\": %s (expected ip[:port],...)",
					ns->cfg.dns_servers, ares_strerror(r));
	}
	return 0;
}

void ns_ares_free(struct netstack *ns)
{
	struct ns_ares *a = ns->ares;

	if (!a)
		return;
	ares_destroy(a->ch);	/* callbacks see ARES_EDESTRUCTION */
	ns->ares = NULL;
	free(a);
}

bool ns_ares_active(const struct netstack *ns)
{
	return ns->ares != NULL;
}

static void answered(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct ares_query_ctx *q = arg;
	struct ares_addrttl at[16];
	uint32_t addrs[16], ttl = 0;
	int n = 16;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
		free(q);
		return;
	}
	if (status == ARES_ENOTFOUND) {
		netstack_dns_answer(q->ns, q->token, NS_DNS_NXDOMAIN, NULL, 0, 0);
		free(q);
		return;
	}
	if (status == ARES_ENODATA) {
		netstack_dns_answer(q->ns, q->token, NS_DNS_OK, NULL, 0, 0);
		free(q);
		return;
	}
	if (status != ARES_SUCCESS || ares_parse_a_reply(abuf, alen, NULL, at, &n) != ARES_SUCCESS) {
		netstack_dns_answer(q->ns, q->token, NS_DNS_SERVFAIL, NULL, 0, 0);
		free(q);
		return;
	}
	for (int i = 0; i < n; i++) {
		addrs[i] = ntohl(at[i].ipaddr.s_addr);
		if (i == 0 || (uint32_t)at[i].ttl < ttl)
			ttl = at[i].ttl < 0 ? 0 : (uint32_t)at[i].ttl;
	}
	netstack_dns_answer(q->ns, q->token, NS_DNS_OK, addrs, (size_t)n, ttl);
	free(q);
}

int ns_ares_resolve(struct netstack *ns, const char *name, uint32_t token)
{
	struct ares_query_ctx *q;

	if (!ns->ares)
		return -ENOSYS;
	/* One small context per query (c-ares allocates per query anyway): a
	 * query that outlives its pending entry must not answer a newer one;
	 * netstack_dns_answer() checks the token. */
	q = malloc(sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->ns = ns;
	q->token = token;
	ares_query(ns->ares->ch, name, ns_c_in, ns_t_a, answered, q);
	return 0;
}

void ns_ares_event(struct netstack *ns, int fd, uint32_t events)
{
	if (!ns->ares)
		return;
	ares_process_fd(ns->ares->ch,
			(events & (EPOLLIN | EPOLLERR | EPOLLHUP)) ? fd : ARES_SOCKET_BAD,
			(events & EPOLLOUT) ? fd : ARES_SOCKET_BAD);
}

int ns_ares_timeout(struct netstack *ns)
{
	struct timeval tv, *tvp;

	if (!ns->ares)
		return -1;
	tvp = ares_timeout(ns->ares->ch, NULL, &tv);
	if (!tvp)
		return -1;
	return (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
}

void ns_ares_process_timeouts(struct netstack *ns)
{
	if (ns->ares)
		ares_process_fd(ns->ares->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}
