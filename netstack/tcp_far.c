// SPDX-License-Identifier: MIT
/*
 * tcp_far.c - the far side of a TCP flow: the socket netstack speaks to on
 * the guest's behalf, and the -p forward listeners.
 *
 * Theory of operation
 * -------------------
 * A flow's far side is one stream socket.  By default it is a TCP socket that
 * netstack connects to the guest's destination (the gateway address maps to
 * 127.0.0.1); a connector callback in the configuration can return any other
 * stream socket instead, such as one end of a unix socket pair whose other
 * end went to the HTTP layer.  Connections accepted on a -p listener are far
 * sides too, whose guest side netstack opens with a SYN.
 *
 * Each far socket is in the stack's epoll set, edge-triggered, for input,
 * output and peer shutdown.  Input means bytes to copy to the guest
 * (tcp_out.c peeks them; they are dropped from the socket only when the
 * guest acknowledges them: tcp_far_discard()).  Output first means the
 * connect completed (then the guest gets its SYN-ACK), later that the socket
 * has room again (then the guest gets a window update).  The peer's
 * shutdown becomes our FIN after its last byte; an error or a reset from the
 * peer becomes a RST to the guest, and a RST from the guest closes the far
 * socket with SO_LINGER 0, so the peer sees a reset too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "netstack/ns.h"
#include "util.h"

int netstack_direct_connect(const struct ns_flow_info *fi, struct merr *e)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(fi->dst_port),
		.sin_addr.s_addr = htonl(fi->host_addr),
	};
	int one = 1;
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return merr_sys(e, "socket");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		return merr_sys(e, "connect");
	return steal_fd(&fd);
}

/* Take ownership of a far socket: probe what it supports, watch it. */
static int far_attach(struct netstack *ns, struct tcp_conn *c, int fd)
{
	int zero = 0, domain = 0;
	socklen_t sl = sizeof(domain);

	c->fd = fd;
	if (setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)) == 0)
		c->flags |= TF_PEEK_OFF;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &sl) == 0 &&
	    (domain == AF_INET || domain == AF_INET6))
		c->flags |= TF_FAR_TCP;
	return ns_ep_add(ns, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
			 ep_tag(EP_TCP, c->gen, tcp_idx(ns, c)));
}

/**
 * tcp_far_connect() - open the far side of a new guest connection
 * @ns:		the stack
 * @c:		the flow (CONNECTING)
 * @names:	the DNS names of the destination that allow the flow, latest
 *		answer first (@nnames of them; none: by address)
 *
 * Return: 0 (the connect may still be in progress), or -errno.
 */
int tcp_far_connect(struct netstack *ns, struct tcp_conn *c, const char *const *names,
		    size_t nnames)
{
	struct ns_flow_info fi = {
		.proto = IPPROTO_TCP,
		.guest_addr = ns->cfg.guest_addr,
		.guest_port = c->gport,
		.dst_addr = c->raddr,
		.dst_port = c->rport,
		.host_addr = ip4_host_addr(ns, c->raddr),
		.name = nnames ? names[0] : NULL,
		.also = nnames ? names + 1 : NULL,
		.nalso = nnames ? nnames - 1 : 0,
	};
	struct merr e = { 0 };
	int fd, r;

	fd = ns->cfg.connect ? ns->cfg.connect(ns->cfg.connect_ctx, &fi, &e)
			     : netstack_direct_connect(&fi, &e);
	if (fd < 0) {
		log_debug("tcp: far side for port %u: %s", c->rport, e.msg);
		return fd;
	}
	r = far_attach(ns, c, fd);
	if (r < 0)
		tcp_far_close(ns, c, true);
	return r;
}

/**
 * tcp_far_discard() - drop @n acknowledged bytes from the far socket
 * @ns:		the stack
 * @c:		the flow
 * @n:		bytes the guest acknowledged
 */
void tcp_far_discard(struct netstack *ns, struct tcp_conn *c, uint32_t n)
{
	while (n && c->fd >= 0) {
		ssize_t r;

		if (c->flags & TF_FAR_TCP) {
			r = recv(c->fd, NULL, n, MSG_TRUNC | MSG_DONTWAIT);
		} else {
			r = recv(c->fd, ns->discard, n < TCP_DISCARD_MAX ? n : TCP_DISCARD_MAX,
				 MSG_DONTWAIT);
		}
		if (r <= 0) {
			/* The guest acknowledged bytes the socket no longer has. */
			tcp_reset(ns, c, true);
			return;
		}
		n -= (uint32_t)r;
	}
}

/** tcp_far_close() - close the far socket (@reset: make the peer see a RST) */
void tcp_far_close(struct netstack *ns, struct tcp_conn *c, bool reset)
{
	(void)ns;
	if (c->fd < 0)
		return;
	if (reset) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(c->fd);
	c->fd = -1;
}

/**
 * tcp_reset() - abort a flow: RST to the guest (if @rst_guest) and to the far
 * peer, then free it
 */
void tcp_reset(struct netstack *ns, struct tcp_conn *c, bool rst_guest)
{
	if (rst_guest && c->state != TS_TIME_WAIT)
		tcp_send_ctl(ns, c, TH_RST | TH_ACK);
	ns_count(ns, NS_TCP_RESET);
	tcp_far_close(ns, c, true);
	tcp_slot_release(ns, c);
}

/** tcp_close() - free a flow that ended in order */
void tcp_close(struct netstack *ns, struct tcp_conn *c)
{
	ns_count(ns, NS_TCP_CLOSED);
	tcp_far_close(ns, c, false);
	tcp_slot_release(ns, c);
}

/** tcp_established() - the three-way handshake completed */
void tcp_established(struct netstack *ns, struct tcp_conn *c)
{
	c->state = TS_ESTABLISHED;
	tcp_embryo_del(ns, c);
	ns_count(ns, NS_TCP_OPENED);
	tcp_arm(ns, c);
}

/**
 * tcp_event() - readiness of a flow's far socket
 * @ns:		the stack
 * @idx:	the flow's slot
 * @gen:	the generation the event was registered with
 * @events:	EPOLL* bits
 */
void tcp_event(struct netstack *ns, uint32_t idx, uint32_t gen, uint32_t events)
{
	struct tcp_conn *c;

	if (idx >= ns->tcp_max)
		return;
	c = &ns->tcp[idx];
	if (c->state == TS_FREE || (c->gen & 0xffffff) != gen || c->fd < 0)
		return;
	if (c->state == TS_CONNECTING) {
		int err = 0;
		socklen_t sl = sizeof(err);

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
			err = errno;
		if (err || (events & EPOLLERR)) {
			tcp_reset(ns, c, true);	/* refused, unreachable: so is the guest */
			return;
		}
		c->flags |= TF_CONNECTED;
		c->state = TS_SYN_RCVD;
		c->snd_nxt = c->snd_max = c->iss + 1;
		tcp_send_ctl(ns, c, TH_SYN | TH_ACK);
		tcp_arm_rto(ns, c);
		if (events & (EPOLLRDHUP | EPOLLHUP))
			c->flags |= TF_FAR_EOF;
		return;
	}
	if (events & EPOLLERR) {
		tcp_reset(ns, c, true);
		return;
	}
	if (events & (EPOLLRDHUP | EPOLLHUP))
		c->flags |= TF_FAR_EOF;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
		c->flags &= (uint16_t)~TF_FAR_DRAINED;
		tcp_send_data(ns, c, UINT32_MAX);
		if (c->state == TS_FREE)
			return;
	}
	if ((events & EPOLLOUT) && (c->flags & (TF_WUPD | TF_RCV_BLOCKED))) {
		c->t_wnd = ns->now;	/* re-check the window this round */
		tcp_arm(ns, c);
	}
}

/* A free port for a flow from the gateway into @gport. */
static int pick_port(struct netstack *ns, uint16_t gport, uint16_t *port)
{
	for (unsigned tries = 0; tries < 28232; tries++) {
		uint16_t p = ns->next_port++;

		if (ns->next_port < 32768 || ns->next_port >= 61000)
			ns->next_port = 32768;
		if (p < 32768 || p >= 61000)
			continue;
		if (!tcp_lookup(ns, ns->cfg.gateway_addr, p, gport)) {
			*port = p;
			return 0;
		}
	}
	return -EADDRINUSE;
}

/**
 * tcp_forward_accept() - connections waiting on -p listener @which
 * @ns:		the stack
 * @which:	index into cfg.forwards
 */
void tcp_forward_accept(struct netstack *ns, unsigned which)
{
	if (which >= ns->cfg.nforwards || ns->fwd_fd[which] < 0)
		return;
	for (int i = 0; i < 64; i++) {
		int fd = accept4(ns->fwd_fd[which], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		uint16_t gport = ns->cfg.forwards[which].guest_port, port;
		struct tcp_conn *c;

		if (fd < 0)
			return;
		if (pick_port(ns, gport, &port) < 0 ||
		    !(c = tcp_slot_alloc(ns, ns->cfg.gateway_addr, port, gport))) {
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };

			ns_count(ns, NS_TCP_FULL);
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			close(fd);
			continue;
		}
		c->state = TS_SYN_SENT;
		c->flags |= TF_FORWARD | TF_CONNECTED;
		c->fwd = which;
		c->iss = ns_random(ns);
		c->snd_una = c->iss;
		c->snd_nxt = c->snd_max = c->iss + 1;
		c->rcv_ws = TCP_WS;
		c->snd_mss = (uint16_t)(ns->cfg.mtu - IP4_HLEN - TCP_HLEN);
		c->rto = TCP_RTO_INIT;
		tcp_embryo_add(ns, c);
		if (far_attach(ns, c, fd) < 0) {
			tcp_reset(ns, c, false);
			continue;
		}
		tcp_send_ctl(ns, c, TH_SYN);
		tcp_arm_rto(ns, c);
	}
}

/** tcp_guest_mac_learned() - SYNs that waited for the guest's MAC go now */
void tcp_guest_mac_learned(struct netstack *ns)
{
	for (uint32_t i = ns->ehead; i; i = ns->tcp[i - 1].enext) {
		struct tcp_conn *c = &ns->tcp[i - 1];

		if (c->state == TS_SYN_SENT)
			tcp_send_ctl(ns, c, TH_SYN);
	}
}

/* Why -p could not bind, with the ADDR the user gave and what to do. */
static int forward_bind_error(const struct ns_forward *f, struct merr *e)
{
	int err = errno;
	char addr[INET_ADDRSTRLEN] = "", arg[INET_ADDRSTRLEN + 16];
	struct in_addr a = { .s_addr = htonl(f->host_addr) };
	const char *hint = err == EADDRINUSE ? "the port is in use: give another HOSTPORT" :
			   err == EADDRNOTAVAIL ? "the address is not one of this host's" :
			   err == EACCES ? "a port below 1024 needs privilege" : "";

	inet_ntop(AF_INET, &a, addr, sizeof(addr));
	if (f->host_addr == INADDR_LOOPBACK)
		snprintf(arg, sizeof(arg), "%u:%u", f->host_port, f->guest_port);
	else
		snprintf(arg, sizeof(arg), "%s:%u:%u", addr, f->host_port, f->guest_port);
	return merr_set(e, err, "-p %s: cannot listen on %s:%u: %s%s%s%s", arg, addr,
			f->host_port, strerror(err), hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
}

/**
 * tcp_forwards_open() - bind and listen on every -p forward's host port
 * Return: 0 or -errno (with @e)
 */
int tcp_forwards_open(struct netstack *ns, struct merr *e)
{
	for (size_t i = 0; i < ns->cfg.nforwards; i++) {
		const struct ns_forward *f = &ns->cfg.forwards[i];
		struct sockaddr_in sa = {
			.sin_family = AF_INET,
			.sin_port = htons(f->host_port),
			.sin_addr.s_addr = htonl(f->host_addr),
		};
		int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return merr_sys(e, "-p %u:%u: socket", f->host_port, f->guest_port);
		ns->fwd_fd[i] = fd;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return forward_bind_error(f, e);
		if (listen(fd, 128) < 0)
			return merr_sys(e, "-p %u:%u: listen", f->host_port, f->guest_port);
		if (ns_ep_add(ns, fd, EPOLLIN, ep_tag(EP_FWD, 0, (uint32_t)i)) < 0)
			return merr_sys(e, "-p %u:%u: epoll_ctl", f->host_port, f->guest_port);
	}
	return 0;
}

void tcp_close_all(struct netstack *ns)
{
	for (uint32_t i = 0; i < ns->tcp_fresh; i++) {
		struct tcp_conn *c = &ns->tcp[i];

		if (c->state != TS_FREE && c->fd >= 0) {
			close(c->fd);
			c->fd = -1;
		}
		tcp_ooo_free(ns, c);
	}
}
