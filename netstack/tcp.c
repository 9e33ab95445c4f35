// SPDX-License-Identifier: MIT
/*
 * tcp.c - TCP segments from the guest: parsing, the state machine, opening
 * flows.
 *
 * Theory of operation
 * -------------------
 * netstack is the guest's TCP peer for every connection it makes: a SYN from
 * the guest is judged by the egress policy (denied: an immediate RST), then
 * the far side is opened (tcp_far.c) and the SYN-ACK goes out only once the
 * far side has connected, so a refused host connection is a refused guest
 * connection.  Connections a -p forward accepts on the host start the other
 * way, with our SYN to the guest.
 *
 * The states are RFC 793's, seen from netstack's side of the guest link:
 * CONNECTING (guest SYN held while the far side connects), SYN_SENT,
 * SYN_RCVD, ESTABLISHED, then FIN_WAIT_1/2, CLOSING and TIME_WAIT when the
 * far side ends first, or CLOSE_WAIT and LAST_ACK when the guest does.  A
 * FIN from the guest becomes shutdown(SHUT_WR) on the far socket, and the
 * far side's end of file becomes our FIN after its last byte: each direction
 * closes on its own (half-close).  RST in either direction resets the other.
 *
 * Every segment is checked before it can change anything: header length,
 * checksum, flag combinations, option lengths (tcp_parse()), then RFC 793's
 * acceptability test against the window we offered, RFC 5961's rules for RST
 * and SYN on a synchronized connection (a challenge ACK unless the sequence
 * number is exact; before our SYN-ACK, an inexact RST is ignored), and ACKs
 * of data never sent.  Data goes to the far side
 * in order: a segment beyond rcv_nxt is held, within small bounds, until the
 * gap before it fills (tcp_ooo.c), and answered with a duplicate ACK, which
 * makes the guest resend what is missing.  No SACK, no timestamps: neither
 * is offered in our SYN.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netstack/ns.h"

/* Parse and check a TCP header; false (counted) if anything is off. */
static bool tcp_parse(uint32_t src, uint32_t dst, const struct pkt *l4,
		      struct tcp_seg *s)
{
	uint8_t off, flags;
	size_t hlen, o;

	if (!pkt_u16(l4, 0, &s->sport) || !pkt_u16(l4, 2, &s->dport) ||
	    !pkt_u32(l4, 4, &s->seq) || !pkt_u32(l4, 8, &s->ack) || !pkt_u8(l4, 12, &off) ||
	    !pkt_u8(l4, 13, &flags) || !pkt_u16(l4, 14, &s->wnd))
		return false;
	hlen = (size_t)(off >> 4) * 4;
	if (hlen < TCP_HLEN || !pkt_has(l4, 0, hlen) || l4->len > 65535)
		return false;
	if (csum_fold(csum_partial(l4->p, l4->len,
				   csum_pseudo(src, dst, IPPROTO_TCP, (uint16_t)l4->len))) != 0)
		return false;
	s->flags = flags & 0x3f;
	if (!s->sport || !s->dport || (flags & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN) ||
	    (flags & (TH_SYN | TH_RST)) == (TH_SYN | TH_RST) || !(flags & 0x17))
		return false;
	s->mss = 0;
	s->ws = -1;
	for (o = TCP_HLEN; o < hlen;) {
		uint8_t kind = 0, len, v8;
		uint16_t v16;

		pkt_u8(l4, o, &kind);
		if (kind == 0)
			break;
		if (kind == 1) {
			o++;
			continue;
		}
		if (!pkt_u8(l4, o + 1, &len) || len < 2 || o + len > hlen)
			return false;
		switch (kind) {
		case 2:
			if (len != 4 || !pkt_u16(l4, o + 2, &v16))
				return false;
			s->mss = v16;
			break;
		case 3:
			if (len != 3 || !pkt_u8(l4, o + 2, &v8))
				return false;
			s->ws = (int8_t)(v8 > 14 ? 14 : v8);
			break;
		case 4:
			if (len != 2)
				return false;
			break;
		case 8:
			if (len != 10)
				return false;
			break;
		default:
			break;
		}
		o += len;
	}
	s->data = l4->p + hlen;
	s->len = (uint32_t)(l4->len - hlen);
	return true;
}

/* A new connection from the guest. */
static void tcp_open(struct netstack *ns, uint32_t src, uint32_t dst, const struct tcp_seg *s)
{
	const char *names[DNS_NAMES_MAX];
	size_t nnames = 0;
	struct tcp_conn *c;
	uint32_t host = ip4_host_addr(ns, dst);

	if (s->flags & (TH_ACK | TH_FIN | TH_RST) || s->len) {
		ns_count(ns, NS_DROP_TCP_MALFORMED);
		tcp_rst_reply(ns, src, dst, s);
		return;
	}
	if (dst == ns->cfg.dns_addr && dst != ns->cfg.gateway_addr) {
		/* The DNS address serves UDP only. */
		tcp_rst_reply(ns, src, dst, s);
		return;
	}
	if (!ns_egress(ns, EGRESS_TCP, dst, host, s->dport, names, &nnames)) {
		ns_count(ns, NS_TCP_DENIED);
		tcp_rst_reply(ns, src, dst, s);
		return;
	}
	c = tcp_slot_alloc(ns, dst, s->dport, s->sport);
	if (!c) {
		struct tcp_conn *old = tcp_embryo_oldest(ns);

		ns_count(ns, NS_TCP_FULL);
		if (!old) {
			tcp_rst_reply(ns, src, dst, s);
			return;
		}
		tcp_reset(ns, old, true);
		c = tcp_slot_alloc(ns, dst, s->dport, s->sport);
		if (!c)
			return;
	}
	c->state = TS_CONNECTING;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->iss = ns_random(ns);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->snd_wnd = s->wnd;		/* never scaled in a SYN */
	c->snd_wl1 = s->seq;
	c->snd_mss = s->mss ? s->mss : 536;
	if (c->snd_mss > ns->cfg.mtu - IP4_HLEN - TCP_HLEN)
		c->snd_mss = (uint16_t)(ns->cfg.mtu - IP4_HLEN - TCP_HLEN);
	if (c->snd_mss < 64)
		c->snd_mss = 64;
	if (s->ws >= 0) {
		c->snd_ws = (uint8_t)s->ws;
		c->rcv_ws = TCP_WS;
	}
	c->rto = TCP_RTO_INIT;
	tcp_embryo_add(ns, c);
	if (tcp_far_connect(ns, c, names, nnames) < 0) {
		tcp_reset(ns, c, true);
		return;
	}
	c->t_main = ns->now + TCP_CONNECT_TIMEOUT;
	tcp_arm(ns, c);
}

/* RFC 793's acceptability test, against the window we last offered. */
static bool acceptable(const struct tcp_conn *c, const struct tcp_seg *s)
{
	uint32_t seglen = s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
	uint32_t wnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t end = s->seq + seglen - 1;

	if (seglen == 0) {
		if (wnd == 0)
			return s->seq == c->rcv_nxt;
		return SEQ_GE(s->seq, c->rcv_nxt) && SEQ_LT(s->seq, c->rcv_nxt + wnd);
	}
	if (wnd == 0)
		return false;
	return (SEQ_GE(s->seq, c->rcv_nxt) && SEQ_LT(s->seq, c->rcv_nxt + wnd)) ||
	       (SEQ_GE(end, c->rcv_nxt) && SEQ_LT(end, c->rcv_nxt + wnd));
}

static void rtt_sample(struct tcp_conn *c, uint32_t ms)
{
	/* RFC 6298, with srtt scaled by 8 and rttvar by 4 as in BSD. */
	if (!c->srtt) {
		c->srtt = ms << 3;
		c->rttvar = ms << 1;
	} else {
		int32_t delta = (int32_t)ms - (int32_t)(c->srtt >> 3);

		c->srtt = (uint32_t)((int32_t)c->srtt + delta);
		if (delta < 0)
			delta = -delta;
		c->rttvar = (uint32_t)((int32_t)c->rttvar + (delta - (int32_t)(c->rttvar >> 2)));
	}
	c->rto = (c->srtt >> 3) + c->rttvar;
	if (c->rto < TCP_RTO_MIN)
		c->rto = TCP_RTO_MIN;
	if (c->rto > TCP_RTO_MAX)
		c->rto = TCP_RTO_MAX;
}

/* The ACK field of a segment on a synchronized connection.  Return: false
 * if the flow is gone. */
static bool process_ack(struct netstack *ns, struct tcp_conn *c, const struct tcp_seg *s)
{
	uint32_t wnd = (uint32_t)s->wnd << c->snd_ws;

	if (SEQ_GT(s->ack, c->snd_max)) {
		tcp_send_ctl(ns, c, TH_ACK);	/* acks what we never sent */
		return false;
	}
	if (SEQ_GT(s->ack, c->snd_una)) {
		bool fin_acked = (c->flags & TF_FIN_SENT) && s->ack == c->snd_max;
		uint32_t data = s->ack - c->snd_una - (fin_acked ? 1 : 0);

		if (data)
			tcp_far_discard(ns, c, data);
		if (c->state == TS_FREE)
			return false;
		c->snd_una = s->ack;
		if (SEQ_LT(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		c->dupacks = 0;
		c->backoff = 0;
		c->retries = 0;
		if ((c->flags & TF_RTT) && SEQ_GE(s->ack, c->rtt_seq)) {
			c->flags &= (uint16_t)~TF_RTT;
			rtt_sample(c, (uint32_t)(ns->now - c->rtt_start));
		}
		if (c->snd_una == c->snd_max) {
			c->t_main = 0;
			c->flags &= (uint16_t)~TF_PERSIST;
			tcp_arm(ns, c);
		} else {
			tcp_arm_rto(ns, c);
		}
		if (fin_acked) {
			switch (c->state) {
			case TS_FIN_WAIT_1:
				c->state = TS_FIN_WAIT_2;
				break;
			case TS_CLOSING:
				tcp_time_wait(ns, c);
				break;
			case TS_LAST_ACK:
				tcp_close(ns, c);
				return false;
			default:
				break;
			}
		}
	} else if (s->ack == c->snd_una && !s->len && !(s->flags & TH_FIN) &&
		   wnd == c->snd_wnd && c->snd_max != c->snd_una) {
		if (++c->dupacks == 3)
			tcp_retransmit(ns, c, false);
		if (c->state == TS_FREE)
			return false;
	}
	if (SEQ_LT(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && SEQ_LE(c->snd_wl2, s->ack))) {
		c->snd_wnd = wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		if (wnd && (c->flags & TF_PERSIST)) {
			c->flags &= (uint16_t)~TF_PERSIST;
			c->t_main = 0;
			c->backoff = 0;
			tcp_arm(ns, c);
		}
	}
	return true;
}

/* Guest data, in order, to the far socket.  Return: false if the flow is
 * gone, *all set if every byte was taken. */
static bool take_data(struct netstack *ns, struct tcp_conn *c, struct tcp_seg *s, bool *all)
{
	uint32_t wnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	ssize_t n;

	*all = false;
	if (SEQ_LT(s->seq, c->rcv_nxt)) {
		uint32_t dup = c->rcv_nxt - s->seq;

		if (dup >= s->len) {
			/* Nothing new; a FIN right after it is new, one before is not. */
			*all = dup == s->len;
			if (!*all)
				s->flags &= (uint8_t)~TH_FIN;
			s->seq = c->rcv_nxt;
			s->len = 0;
			return true;
		}
		s->data += dup;
		s->len -= dup;
		s->seq = c->rcv_nxt;
	}
	if (s->seq != c->rcv_nxt) {
		/* Past a gap: held if there is room, and a duplicate ACK either
		 * way (RFC 5681 4.2), so that the guest resends what is missing. */
		uint32_t off = s->seq - c->rcv_nxt, len = s->len;
		bool fin = s->flags & TH_FIN;

		if (off >= wnd) {
			len = 0;
		} else if (len > wnd - off) {
			len = wnd - off;
			fin = false;
		}
		if (tcp_ooo_hold(ns, c, s->seq, s->data, len, fin))
			ns_count(ns, NS_TCP_OOO_HELD);
		else
			ns_count(ns, NS_DROP_TCP_WINDOW);
		tcp_send_ctl(ns, c, TH_ACK);
		return true;
	}
	if (!s->len) {
		*all = true;
		return true;
	}
	if (s->len > wnd) {
		s->len = wnd;		/* beyond the window: not taken, FIN neither */
		s->flags &= (uint8_t)~TH_FIN;
	}
	n = send(c->fd, s->data, s->len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			tcp_reset(ns, c, true);
			return false;
		}
		n = 0;
	}
	c->rcv_nxt += (uint32_t)n;
	if ((uint32_t)n < s->len) {
		c->flags |= TF_RCV_BLOCKED;
		tcp_send_ctl(ns, c, TH_ACK);
		return true;
	}
	*all = true;
	if (c->ooo && !(s->flags & TH_FIN)) {
		bool fin;
		int r = tcp_ooo_flush(ns, c, &fin);

		if (r < 0) {
			tcp_reset(ns, c, true);
			return false;
		}
		if (fin)
			s->flags |= TH_FIN;	/* taken with the held data */
	}
	if (!(s->flags & TH_FIN))
		tcp_ack_later(ns, c);
	return true;
}

static void guest_fin(struct netstack *ns, struct tcp_conn *c)
{
	c->rcv_nxt++;
	c->flags |= TF_GUEST_FIN;
	if (c->fd >= 0 && !(c->flags & TF_FAR_SHUT)) {
		shutdown(c->fd, SHUT_WR);
		c->flags |= TF_FAR_SHUT;
	}
	switch (c->state) {
	case TS_ESTABLISHED:
		c->state = TS_CLOSE_WAIT;
		break;
	case TS_FIN_WAIT_1:
		c->state = TS_CLOSING;
		break;
	case TS_FIN_WAIT_2:
		tcp_time_wait(ns, c);
		break;
	default:
		break;
	}
	tcp_send_ctl(ns, c, TH_ACK);
}

/* SYN-ACK from the guest for a connection a -p forward opened. */
static void syn_sent(struct netstack *ns, struct tcp_conn *c, const struct tcp_seg *s)
{
	if ((s->flags & TH_ACK) && s->ack != c->iss + 1) {
		if (!(s->flags & TH_RST))
			tcp_rst_reply(ns, ns->cfg.guest_addr, c->raddr, s);
		return;
	}
	if (s->flags & TH_RST) {
		if (s->flags & TH_ACK)
			tcp_reset(ns, c, false);	/* nobody listens in the guest */
		return;
	}
	if (!(s->flags & TH_SYN) || !(s->flags & TH_ACK))
		return;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->snd_una = s->ack;
	c->snd_nxt = c->snd_max = s->ack;
	c->snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (s->mss)
		c->snd_mss = s->mss < c->snd_mss ? s->mss : c->snd_mss;
	if (c->snd_mss < 64)
		c->snd_mss = 64;
	if (s->ws >= 0) {
		c->snd_ws = (uint8_t)s->ws;
	} else {
		c->snd_ws = 0;
		c->rcv_ws = 0;
	}
	c->retries = c->backoff = 0;
	c->t_main = 0;
	tcp_established(ns, c);
	tcp_send_ctl(ns, c, TH_ACK);
	tcp_send_data(ns, c, UINT32_MAX);
}

static void segment(struct netstack *ns, struct tcp_conn *c, struct tcp_seg *s)
{
	bool all = false, had_fin = s->flags & TH_FIN;

	switch (c->state) {
	case TS_CONNECTING:
		/* Nothing was sent yet: only the guest's next sequence number
		 * can be its own reset (RFC 5961 3.2); a repeated SYN waits
		 * with the first. */
		if ((s->flags & TH_RST) && s->seq == c->rcv_nxt)
			tcp_reset(ns, c, false);
		return;
	case TS_SYN_SENT:
		syn_sent(ns, c, s);
		return;
	case TS_SYN_RCVD:
		if (s->flags & TH_RST) {
			if (s->seq == c->rcv_nxt)
				tcp_reset(ns, c, false);
			return;
		}
		if (s->flags & TH_SYN) {
			if (s->seq == c->irs)
				tcp_send_ctl(ns, c, TH_SYN | TH_ACK);
			return;
		}
		if (!(s->flags & TH_ACK))
			return;
		if (s->ack != c->iss + 1) {
			tcp_rst_reply(ns, ns->cfg.guest_addr, c->raddr, s);
			return;
		}
		c->snd_una = c->snd_nxt = c->snd_max = s->ack;
		c->snd_wl1 = s->seq - 1;	/* take this segment's window */
		c->retries = c->backoff = 0;
		c->t_main = 0;
		tcp_established(ns, c);
		break;
	default:
		break;
	}
	if (!acceptable(c, s)) {
		ns_count(ns, NS_DROP_TCP_WINDOW);
		if (!(s->flags & TH_RST))
			tcp_send_ctl(ns, c, TH_ACK);
		return;
	}
	if (s->flags & TH_RST) {
		if (s->seq == c->rcv_nxt)
			tcp_reset(ns, c, false);
		else
			tcp_send_ctl(ns, c, TH_ACK);	/* RFC 5961 challenge ACK */
		return;
	}
	if (s->flags & TH_SYN) {
		tcp_send_ctl(ns, c, TH_ACK);		/* RFC 5961 challenge ACK */
		return;
	}
	if (!(s->flags & TH_ACK))
		return;
	if (!process_ack(ns, c, s))
		return;
	switch (c->state) {
	case TS_ESTABLISHED: case TS_FIN_WAIT_1: case TS_FIN_WAIT_2:
		if (!take_data(ns, c, s, &all))
			return;
		break;
	default:
		/* The guest already sent FIN: anything more is a repeat. */
		if (s->len || had_fin)
			tcp_send_ctl(ns, c, TH_ACK);
		break;
	}
	if (all && (s->flags & TH_FIN) && !(c->flags & TF_GUEST_FIN))
		guest_fin(ns, c);
	/* A drained far socket has nothing new to send until its next EPOLLIN
	 * (tcp_event()): peek only to resend, to send a waiting FIN, or when
	 * what it holds is not known. */
	if (!(c->flags & TF_FAR_DRAINED) || SEQ_LT(c->snd_nxt, c->snd_max) ||
	    ((c->flags & TF_FAR_EOF) && !(c->flags & TF_FIN_SENT)))
		tcp_send_data(ns, c, UINT32_MAX);
}

void tcp_input(struct netstack *ns, uint32_t src, uint32_t dst, const struct pkt *l4)
{
	struct tcp_seg s;
	struct tcp_conn *c;

	if (!tcp_parse(src, dst, l4, &s)) {
		ns_count(ns, NS_DROP_TCP_MALFORMED);
		return;
	}
	c = tcp_lookup(ns, dst, s.dport, s.sport);
	if (c && c->state == TS_TIME_WAIT && (s.flags & TH_SYN) && !(s.flags & TH_ACK) &&
	    SEQ_GT(s.seq, c->rcv_nxt)) {
		tcp_close(ns, c);	/* a new incarnation (RFC 1122 4.2.2.13) */
		c = NULL;
	}
	if (!c) {
		if (s.flags & TH_SYN) {
			tcp_open(ns, src, dst, &s);
			return;
		}
		ns_count(ns, NS_DROP_TCP_NOFLOW);
		tcp_rst_reply(ns, src, dst, &s);
		return;
	}
	segment(ns, c, &s);
}
