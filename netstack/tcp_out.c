// SPDX-License-Identifier: MIT
/*
 * tcp_out.c - TCP segments to the guest: building them, the data path from a
 * far socket, acknowledgements, windows and the timers.
 *
 * Theory of operation
 * -------------------
 * netstack keeps no per-flow send buffer.  Bytes the far side sent stay in
 * the far socket's receive queue until the guest acknowledges them: they are
 * read with MSG_PEEK straight into the payload area of preallocated frames,
 * one MSS per frame, and only discarded from the socket when the guest's ACK
 * covers them (tcp_far.c).  A retransmission peeks the same bytes again.
 * With SO_PEEK_OFF the kernel remembers where the last peek ended; without it
 * (kernels before 6.9 for TCP) the already-sent bytes are peeked into a
 * discard buffer first, and at most TCP_DISCARD_MAX bytes are kept in flight.
 *
 * The window offered to the guest is the room left in the far socket's send
 * buffer (SO_SNDBUF less SIOCOUTQ), so that what the guest sends can be
 * written at once and nothing needs to be buffered here either.  When that
 * room is small the flow re-checks it every few milliseconds (and on EPOLLOUT)
 * and sends a window update when it grows.  If the estimate was too generous
 * and a write took less than the guest sent, the rest is not acknowledged:
 * the window update is followed by three duplicate ACKs, so the guest resends
 * it at once (fast retransmit) rather than after its RTO.
 *
 * Timers, one deadline per purpose, the earliest in the heap:
 *   t_main: retransmission (RFC 6298: srtt/rttvar, Karn's rule, doubling
 *           back-off, 200 ms floor), or the persist timer when the guest's
 *           window is zero with data waiting (a probe is an ACK with the
 *           sequence number one below snd_una; a timeout that finds the
 *           window closed with data in flight turns into it), or the far
 *           connect timeout,
 *           or TIME_WAIT;
 *   t_wnd:  the re-check of a small receive window.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/sockios.h>

#include "netstack/ns.h"

/**
 * tcp_far_room() - how many bytes the far socket can take now
 * @ns:		the stack
 * @c:		the flow
 *
 * Return: the window to offer the guest, before scaling.
 */
uint32_t tcp_far_room(struct netstack *ns, struct tcp_conn *c)
{
	int outq = 0, sndbuf;
	socklen_t sl = sizeof(sndbuf);
	uint32_t cap, room, max = 65535u << c->rcv_ws;

	(void)ns;
	if (c->fd < 0 || (c->flags & TF_FAR_SHUT) || !(c->flags & TF_CONNECTED))
		return 0;
	if (ioctl(c->fd, SIOCOUTQ, &outq) < 0 || outq < 0)
		outq = 0;
	if (!c->sndbuf || (uint32_t)outq > c->sndbuf / 2) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) == 0 && sndbuf > 0)
			c->sndbuf = (uint32_t)sndbuf;
	}
	/* SO_SNDBUF counts buffer overhead too: three quarters of it is data. */
	cap = c->sndbuf / 4 * 3;
	room = cap > (uint32_t)outq ? cap - (uint32_t)outq : 0;
	return room < max ? room : max;
}

/* The window field for a segment, and bookkeeping of what it offers. */
static uint16_t wnd_field(struct netstack *ns, struct tcp_conn *c, bool syn)
{
	uint32_t room = tcp_far_room(ns, c), field, small;

	if (syn) {
		field = room > 65535 ? 65535 : room;
		c->rcv_adv = c->rcv_nxt + field;
	} else {
		field = room >> c->rcv_ws;
		if (field > 65535)
			field = 65535;
		c->rcv_adv = c->rcv_nxt + (field << c->rcv_ws);
	}
	small = c->snd_mss > 16384 ? 65536 : 4u * c->snd_mss;
	if (c->state >= TS_ESTABLISHED && !(c->flags & TF_GUEST_FIN) && c->fd >= 0 && (field << (syn ? 0 : c->rcv_ws)) < small) {
		if (!(c->flags & TF_WUPD)) {
			c->flags |= TF_WUPD;
			c->wbackoff = 0;
			c->t_wnd = ns->now + TCP_WND_RECHECK;
			tcp_arm(ns, c);
		}
	} else if (c->flags & TF_WUPD) {
		c->flags &= (uint16_t)~TF_WUPD;
		c->t_wnd = 0;
		tcp_arm(ns, c);
	}
	return (uint16_t)field;
}

/*
 * Write the TCP header (and, for SYNs, options) at buf + ETH + IP, with
 * @len payload bytes already in place after it, and the IPv4 and Ethernet
 * headers in front.  Return: the frame length, 0 if it cannot be sent yet.
 */
static size_t build(struct netstack *ns, struct tcp_conn *c, uint8_t *buf, uint8_t flags,
		    uint32_t seq, uint32_t len)
{
	uint8_t *t = buf + ETH_HLEN_ + IP4_HLEN;
	size_t hlen = TCP_HLEN;
	uint64_t sum;

	put_u16(t, c->rport);
	put_u16(t + 2, c->gport);
	put_u32(t + 4, seq);
	put_u32(t + 8, (flags & TH_ACK) ? c->rcv_nxt : 0);
	t[13] = flags;
	put_u16(t + 14, (flags & TH_RST) ? 0 : wnd_field(ns, c, flags & TH_SYN));
	put_u16(t + 16, 0);
	put_u16(t + 18, 0);
	if (flags & TH_SYN) {
		/* MSS; and window scaling unless the guest's SYN went without */
		t[20] = 2;
		t[21] = 4;
		put_u16(t + 22, (uint16_t)(ns->cfg.mtu - IP4_HLEN - TCP_HLEN));
		hlen += 4;
		if (c->state == TS_SYN_SENT || c->snd_ws || c->rcv_ws) {
			t[24] = 1;
			t[25] = 3;
			t[26] = 3;
			t[27] = c->rcv_ws;
			hlen += 4;
		}
		if (len)
			return 0;	/* never data on a SYN */
	}
	t[12] = (uint8_t)(hlen / 4) << 4;
	sum = csum_pseudo(c->raddr, ns->cfg.guest_addr, IPPROTO_TCP, (uint16_t)(hlen + len));
	sum = csum_partial(t, hlen + len, sum);
	put_u16(t + 16, csum_fold(sum));
	if (!ip4_build(ns, buf, c->raddr, ns->cfg.guest_addr, IPPROTO_TCP, hlen + len))
		return 0;
	return ETH_HLEN_ + IP4_HLEN + hlen + len;
}

/**
 * tcp_send_ctl() - send a segment without data: SYN, SYN-ACK, ACK, FIN, RST
 * @ns:		the stack
 * @c:		the flow
 * @flags:	TH_* flags; the sequence number follows from them
 */
void tcp_send_ctl(struct netstack *ns, struct tcp_conn *c, uint8_t flags)
{
	uint32_t seq = (flags & TH_SYN) ? c->iss : c->snd_nxt;
	size_t len;

	if (flags & TH_FIN)
		seq = c->snd_max - 1;	/* the FIN's own sequence number */
	len = build(ns, c, ns->cbuf, flags, seq, 0);
	if (flags & TH_ACK)
		c->flags &= (uint16_t)~TF_ACK_NOW;
	if (len)
		ns_send(ns, ns->cbuf, len);
}

/**
 * tcp_send_probe() - a zero-window probe: an old sequence number, so the
 * guest answers with an ACK that carries its current window
 */
void tcp_send_probe(struct netstack *ns, struct tcp_conn *c)
{
	size_t len = build(ns, c, ns->cbuf, TH_ACK, c->snd_una - 1, 0);

	c->flags &= (uint16_t)~TF_ACK_NOW;
	ns_count(ns, NS_TCP_PROBES);
	if (len)
		ns_send(ns, ns->cbuf, len);
}

/**
 * tcp_rst_reply() - answer a segment that has no flow (RFC 793, "Reset
 * Generation"): seq from its ACK, or an ACK of everything it carried
 */
void tcp_rst_reply(struct netstack *ns, uint32_t src, uint32_t dst, const struct tcp_seg *s)
{
	struct tcp_conn tmp = { 0 };
	uint8_t flags = TH_RST;
	uint32_t seq = 0;
	size_t len;

	if (s->flags & TH_RST)
		return;
	tmp.raddr = dst;
	tmp.rport = s->dport;
	tmp.gport = s->sport;
	tmp.fd = -1;
	if (s->flags & TH_ACK) {
		seq = s->ack;
	} else {
		flags |= TH_ACK;
		tmp.rcv_nxt = s->seq + s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
	}
	(void)src;
	len = build(ns, &tmp, ns->cbuf, flags, seq, 0);
	if (len)
		ns_send(ns, ns->cbuf, len);
}

/**
 * tcp_ack_later() - acknowledge at the end of this round (one ACK for all the
 * segments of the flow that arrived in it), unless data leaves first
 */
void tcp_ack_later(struct netstack *ns, struct tcp_conn *c)
{
	if (c->flags & TF_ACK_NOW)
		return;
	if (ns->nackq == ns->tcp_max) {
		tcp_send_ctl(ns, c, TH_ACK);
		return;
	}
	c->flags |= TF_ACK_NOW;
	ns->ackq[ns->nackq++] = tcp_idx(ns, c);
}

void tcp_flush_acks(struct netstack *ns)
{
	for (uint32_t i = 0; i < ns->nackq; i++) {
		struct tcp_conn *c = &ns->tcp[ns->ackq[i]];

		if (c->state != TS_FREE && (c->flags & TF_ACK_NOW))
			tcp_send_ctl(ns, c, TH_ACK);
	}
	ns->nackq = 0;
}

/** tcp_arm() - put the flow's earliest deadline in the timer heap */
void tcp_arm(struct netstack *ns, struct tcp_conn *c)
{
	uint64_t at = c->t_main;

	if (c->t_wnd && (!at || c->t_wnd < at))
		at = c->t_wnd;
	if (at)
		timer_set(&ns->timers, tcp_idx(ns, c), at);
	else
		timer_clear(&ns->timers, tcp_idx(ns, c));
}

/** tcp_arm_rto() - (re)start the retransmission timer */
void tcp_arm_rto(struct netstack *ns, struct tcp_conn *c)
{
	uint64_t rto = (uint64_t)c->rto << c->backoff;

	if (rto > TCP_RTO_MAX)
		rto = TCP_RTO_MAX;
	c->flags &= (uint16_t)~TF_PERSIST;
	c->t_main = ns->now + rto;
	tcp_arm(ns, c);
}

/* Send FIN once the far side's data is all out. */
static void send_fin(struct netstack *ns, struct tcp_conn *c)
{
	c->flags |= TF_FIN_SENT;
	c->snd_nxt++;
	if (SEQ_GT(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	if (c->state == TS_ESTABLISHED)
		c->state = TS_FIN_WAIT_1;
	else if (c->state == TS_CLOSE_WAIT)
		c->state = TS_LAST_ACK;
	tcp_send_ctl(ns, c, TH_FIN | TH_ACK);
	if (!c->t_main || (c->flags & TF_PERSIST))
		tcp_arm_rto(ns, c);
}

static bool can_send(const struct tcp_conn *c)
{
	switch (c->state) {
	case TS_ESTABLISHED: case TS_CLOSE_WAIT: case TS_FIN_WAIT_1:
	case TS_CLOSING: case TS_LAST_ACK:
		return c->fd >= 0 &&
		       (!(c->flags & TF_FIN_SENT) || SEQ_LT(c->snd_nxt, c->snd_max));
	default:
		return false;
	}
}

/**
 * tcp_send_data() - move far-side bytes to the guest, as the window allows
 * @ns:		the stack
 * @c:		the flow
 * @limit:	at most this many bytes (a retransmission sends one segment)
 *
 * Sends FIN after the last byte once the far side has ended.  Resets the
 * flow if the far socket failed (and then @c is free on return).
 */
void tcp_send_data(struct netstack *ns, struct tcp_conn *c, uint32_t limit)
{
	uint32_t mss = c->snd_mss;

	while (can_send(c)) {
		uint32_t inflight = c->snd_nxt - c->snd_una;
		uint32_t avail = c->snd_wnd > inflight ? c->snd_wnd - inflight : 0;
		struct iovec iov[NS_TX_BATCH + 1];
		struct msghdr mh = { .msg_iov = iov };
		uint32_t want = 0, skip = 0, n;
		ssize_t r;
		int k = 0;

		if (!(c->flags & TF_PEEK_OFF)) {
			skip = inflight;
			if (skip >= TCP_DISCARD_MAX)
				break;
			if (avail > TCP_DISCARD_MAX - skip)
				avail = TCP_DISCARD_MAX - skip;
			if (skip) {
				iov[k].iov_base = ns->discard;
				iov[k++].iov_len = skip;
			}
		}
		if (avail > limit)
			avail = limit;
		if (c->flags & TF_FIN_SENT) {
			/* Resending after a retransmission: data up to the FIN,
			 * then the FIN again. */
			uint32_t left = (c->snd_max - 1) - c->snd_nxt;

			if (avail > left)
				avail = left;
			if (!left) {
				c->snd_nxt = c->snd_max;
				tcp_send_ctl(ns, c, TH_FIN | TH_ACK);
				break;
			}
		}
		if (!avail) {
			/* Nothing may go.  If bytes wait behind a closed window,
			 * the persist timer asks the guest for news; an ended far
			 * side gets its FIN, which needs no window. */
			int inq = 0;
			bool more;

			if (ioctl(c->fd, SIOCINQ, &inq) < 0 || inq < 0)
				inq = 0;
			more = (uint32_t)inq > inflight;
			if (more) {
				c->flags |= TF_FAR_DATA;
				if (c->snd_wnd == 0 && inflight == 0 && !(c->flags & TF_PERSIST)) {
					c->flags |= TF_PERSIST;
					c->t_main = ns->now + c->rto;
					c->backoff = 0;
					tcp_arm(ns, c);
				}
			} else if ((c->flags & TF_FAR_EOF) && !(c->flags & TF_FIN_SENT)) {
				send_fin(ns, c);
			}
			break;
		}
		for (unsigned i = 0; i < NS_TX_BATCH && want < avail; i++) {
			uint32_t part = avail - want < mss ? avail - want : mss;

			iov[k].iov_base = ns->dbuf[i] + TCP_DATA_OFF;
			iov[k++].iov_len = part;
			want += part;
		}
		mh.msg_iovlen = (size_t)k;
		r = recvmsg(c->fd, &mh, MSG_PEEK | MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->flags &= (uint16_t)~TF_FAR_DATA;
			c->flags |= TF_FAR_DRAINED;
			if (c->flags & TF_FAR_EOF)
				r = skip;	/* ended: nothing beyond what is in flight */
			else
				break;
		}
		if (r < 0) {
			tcp_reset(ns, c, true);
			return;
		}
		if ((uint32_t)r < skip) {	/* fewer bytes than we sent: cannot be */
			tcp_reset(ns, c, true);
			return;
		}
		n = (uint32_t)r - skip;
		if (n == 0) {
			c->flags &= (uint16_t)~TF_FAR_DATA;
			if (r == 0 || (c->flags & TF_FAR_EOF)) {
				c->flags |= TF_FAR_EOF;
				send_fin(ns, c);
			}
			break;
		}
		for (unsigned i = 0, off = 0; i < NS_TX_BATCH && off < n; i++) {
			uint32_t part = n - off < mss ? n - off : mss;
			size_t flen = build(ns, c, ns->dbuf[i],
					    TH_ACK | (off + part == n ? TH_PSH : 0),
					    c->snd_nxt + off, part);

			if (flen)
				ns_send(ns, ns->dbuf[i], flen);
			off += part;
		}
		c->flags &= (uint16_t)~TF_ACK_NOW;
		if (!(c->flags & TF_RTT)) {
			c->flags |= TF_RTT;
			c->rtt_seq = c->snd_nxt + n;
			c->rtt_start = ns->now;
		}
		c->snd_nxt += n;
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (!c->t_main || (c->flags & TF_PERSIST))
			tcp_arm_rto(ns, c);
		limit -= n;
		if (n < want) {
			c->flags &= (uint16_t)~TF_FAR_DATA;
			c->flags |= TF_FAR_DRAINED;
			if (!(c->flags & TF_FAR_EOF))
				break;
			continue;	/* drained and ended: the FIN goes next */
		}
		c->flags |= TF_FAR_DATA;
		c->flags &= (uint16_t)~TF_FAR_DRAINED;
		if (!limit)
			break;
	}
}

/**
 * tcp_retransmit() - go back to snd_una and send again
 * @ns:		the stack
 * @c:		the flow
 * @timeout:	true for an RTO (one segment, back-off), false for fast
 *		retransmit after three duplicate ACKs
 */
void tcp_retransmit(struct netstack *ns, struct tcp_conn *c, bool timeout)
{
	int zero = 0;

	ns_count(ns, NS_TCP_RETRANSMIT);
	c->flags &= (uint16_t)~TF_RTT;	/* Karn: no sample from a resent segment */
	if (c->state == TS_SYN_RCVD || c->state == TS_SYN_SENT) {
		tcp_send_ctl(ns, c, TH_SYN | (c->state == TS_SYN_RCVD ? TH_ACK : 0));
		return;
	}
	c->snd_nxt = c->snd_una;
	if (c->flags & TF_PEEK_OFF)
		setsockopt(c->fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero));
	tcp_send_data(ns, c, timeout ? c->snd_mss : UINT32_MAX);
}

static void update_rto_on_timeout(struct tcp_conn *c)
{
	if (c->backoff < 16)
		c->backoff++;
	c->retries++;
}

/**
 * tcp_timer() - the flow's earliest deadline passed
 * @ns:		the stack
 * @idx:	the flow's slot
 */
void tcp_timer(struct netstack *ns, uint32_t idx)
{
	struct tcp_conn *c = &ns->tcp[idx];

	if (c->state == TS_FREE)
		return;
	if (c->t_wnd && c->t_wnd <= ns->now) {
		uint32_t before = c->rcv_adv - c->rcv_nxt;
		uint32_t room = tcp_far_room(ns, c);

		c->t_wnd = 0;
		if (room > before + c->snd_mss || room >= 65536) {
			bool blocked = c->flags & TF_RCV_BLOCKED;

			c->flags &= (uint16_t)~(TF_WUPD | TF_RCV_BLOCKED);
			tcp_send_ctl(ns, c, TH_ACK);
			for (int i = 0; blocked && i < 3; i++)
				tcp_send_ctl(ns, c, TH_ACK);
		} else if (c->flags & TF_WUPD) {
			if (c->wbackoff < 4)
				c->wbackoff++;
			c->t_wnd = ns->now + ((uint64_t)TCP_WND_RECHECK << c->wbackoff);
		}
	}
	if (c->t_main && c->t_main <= ns->now) {
		c->t_main = 0;
		switch (c->state) {
		case TS_CONNECTING:
			/* The far side never answered: refuse the guest. */
			tcp_reset(ns, c, true);
			return;
		case TS_TIME_WAIT:
			tcp_close(ns, c);
			return;
		default:
			break;
		}
		if (c->flags & TF_PERSIST) {
			tcp_send_probe(ns, c);
			if (c->backoff < 8)
				c->backoff++;
			c->t_main = ns->now + (((uint64_t)c->rto << c->backoff) > TCP_RTO_MAX
				? TCP_RTO_MAX : (uint64_t)c->rto << c->backoff);
		} else if (c->snd_una != c->snd_max ||
			   c->state == TS_SYN_RCVD || c->state == TS_SYN_SENT) {
			unsigned max = (c->state == TS_SYN_RCVD || c->state == TS_SYN_SENT)
				? TCP_SYN_RETRIES : TCP_MAX_RETRIES;

			if (c->retries >= max) {
				tcp_reset(ns, c, true);
				return;
			}
			update_rto_on_timeout(c);
			tcp_retransmit(ns, c, true);
			if (c->state == TS_FREE)
				return;
			if (c->flags & TF_PERSIST) {
				/* The guest closed its window with data in flight:
				 * nothing could be resent, so the persist timer
				 * tcp_send_data() armed probes it instead, and a
				 * closed window is not a peer that stopped answering. */
				c->retries = 0;
				return;
			}
			tcp_arm_rto(ns, c);
			return;
		}
	}
	tcp_arm(ns, c);
}
