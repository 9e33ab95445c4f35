// SPDX-License-Identifier: MIT
/*
 * udp.c - UDP: datagrams to the DNS server, and flows through host sockets.
 *
 * Theory of operation
 * -------------------
 * A datagram from the guest must have a UDP length within the IP payload
 * (the bytes past it are ignored) and, if it carries a checksum, a correct
 * one.  Datagrams to the DNS address's port 53 go to dns.c.  Any other
 * destination is a flow (guest port, remote address, remote port): its first
 * datagram is judged by the egress policy (denied: ICMP "administratively
 * prohibited", code 13), then a host UDP socket connected to the destination
 * carries it and everything after.  Replies on that socket come back to the
 * guest from the address and port it wrote to, read in batches with
 * recvmmsg() straight into frame buffers.  A flow idle for UDP_IDLE_MS is
 * closed; when the table is full the flow idle the longest makes room.
 * Fragmented datagrams are not reassembled (ipv4.c drops fragments).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netstack/ns.h"

#define UDP_IDLE_MS 60000
#define UDP_DATA_OFF (ETH_HLEN_ + IP4_HLEN + UDP_HLEN)

/* UDP header in front of @len payload bytes at buf + UDP_DATA_OFF; IPv4 and
 * Ethernet in front of that.  Return: the frame length, 0 if not sendable. */
static size_t udp_build(struct netstack *ns, uint8_t *buf, uint32_t src, uint16_t sport,
			uint16_t dport, size_t len)
{
	uint8_t *u = buf + ETH_HLEN_ + IP4_HLEN;
	uint16_t ulen = (uint16_t)(UDP_HLEN + len), sum;

	put_u16(u, sport);
	put_u16(u + 2, dport);
	put_u16(u + 4, ulen);
	put_u16(u + 6, 0);
	sum = csum_fold(csum_partial(u, ulen, csum_pseudo(src, ns->cfg.guest_addr,
							  IPPROTO_UDP, ulen)));
	put_u16(u + 6, sum ? sum : 0xffff);
	if (!ip4_build(ns, buf, src, ns->cfg.guest_addr, IPPROTO_UDP, ulen))
		return 0;
	return UDP_DATA_OFF + len;
}

/**
 * udp_send() - send @len bytes to the guest's @dport from @src:@sport
 */
void udp_send(struct netstack *ns, uint32_t src, uint16_t sport, uint16_t dport,
	      const void *data, size_t len)
{
	size_t flen;

	if (len > ns->cfg.mtu - IP4_HLEN - UDP_HLEN)
		return;
	memmove(ns->cbuf + UDP_DATA_OFF, data, len);
	flen = udp_build(ns, ns->cbuf, src, sport, dport, len);
	if (flen)
		ns_send(ns, ns->cbuf, flen);
}

static struct udp_flow *udp_open(struct netstack *ns, uint32_t dst, uint16_t dport,
				 uint16_t sport, const struct pkt *ip)
{
	const char *names[DNS_NAMES_MAX];
	size_t nnames;
	uint32_t host = ip4_host_addr(ns, dst);
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(dport),
		.sin_addr.s_addr = htonl(host),
	};
	struct udp_flow *u;
	uint32_t idx;
	int fd;

	if (!ns_egress(ns, EGRESS_UDP, dst, host, dport, names, &nnames)) {
		ns_count(ns, NS_UDP_DENIED);
		icmp_unreach(ns, ip, 13);
		return NULL;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		icmp_unreach(ns, ip, 1);	/* host unreachable */
		return NULL;
	}
	u = udp_slot_alloc(ns, dst, dport, sport);
	if (!u) {
		close(fd);
		return NULL;
	}
	u->fd = fd;
	idx = (uint32_t)(u - ns->udp);
	if (ns_ep_add(ns, fd, EPOLLIN, ep_tag(EP_UDP, u->gen, idx)) < 0) {
		udp_slot_release(ns, u);
		return NULL;
	}
	ns_count(ns, NS_UDP_FLOWS);
	return u;
}

void udp_input(struct netstack *ns, uint32_t src, uint32_t dst, const struct pkt *l4,
	       const struct pkt *ip)
{
	uint16_t sport, dport, len, sum;
	struct pkt d, msg;
	struct udp_flow *u;

	if (!pkt_u16(l4, 0, &sport) || !pkt_u16(l4, 2, &dport) || !pkt_u16(l4, 4, &len) ||
	    !pkt_u16(l4, 6, &sum) || len < UDP_HLEN || !pkt_sub(l4, 0, len, &d) ||
	    !sport || !dport) {
		ns_count(ns, NS_DROP_UDP);
		return;
	}
	if (sum && csum_fold(csum_partial(d.p, d.len, csum_pseudo(src, dst, IPPROTO_UDP, len))) != 0) {
		ns_count(ns, NS_DROP_UDP);
		return;
	}
	if (!pkt_sub(&d, UDP_HLEN, len - UDP_HLEN, &msg)) {
		ns_count(ns, NS_DROP_UDP);	/* cannot happen: d holds len bytes */
		return;
	}
	if (dst == ns->cfg.dns_addr && dport == 53) {
		dns_input(ns, sport, &msg);
		return;
	}
	if (dst == ns->cfg.dns_addr && dst != ns->cfg.gateway_addr) {
		ns_count(ns, NS_DROP_UDP);
		return;
	}
	u = udp_lookup(ns, dst, dport, sport);
	if (!u)
		u = udp_open(ns, dst, dport, sport, ip);
	if (!u)
		return;
	if (send(u->fd, msg.p, msg.len, MSG_DONTWAIT) < 0)
		ns_count(ns, NS_DROP_UDP);
	u->last = ns->now;
	timer_set(&ns->timers, ns->tcp_max + (uint32_t)(u - ns->udp), ns->now + UDP_IDLE_MS);
}

/*
 * The host said "port unreachable" to an earlier datagram: say the same to
 * the guest, quoting a header of that flow so its socket gets ECONNREFUSED.
 */
static void refused(struct netstack *ns, const struct udp_flow *u)
{
	uint8_t q[IP4_HLEN + UDP_HLEN] = { 0x45 };
	struct pkt k = pkt_make(q, sizeof(q));

	put_u16(q + 2, sizeof(q));
	q[8] = 64;
	q[9] = IPPROTO_UDP;
	put_u32(q + 12, ns->cfg.guest_addr);
	put_u32(q + 16, u->raddr);
	put_u16(q + 10, csum_fold(csum_partial(q, IP4_HLEN, 0)));
	put_u16(q + 20, u->gport);
	put_u16(q + 22, u->rport);
	put_u16(q + 24, UDP_HLEN);
	icmp_unreach(ns, &k, 3);
}

/**
 * udp_event() - replies waiting on flow @idx's socket: to the guest
 */
void udp_event(struct netstack *ns, uint32_t idx, uint32_t gen, uint32_t events)
{
	struct udp_flow *u;
	struct mmsghdr mm[NS_TX_BATCH];
	struct iovec iov[NS_TX_BATCH];
	size_t max = ns->cfg.mtu - IP4_HLEN - UDP_HLEN;
	int n;

	(void)events;
	if (idx >= ns->udp_max)
		return;
	u = &ns->udp[idx];
	if (!u->used || u->gen != gen || u->fd < 0)
		return;
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < NS_TX_BATCH; i++) {
		iov[i].iov_base = ns->dbuf[i] + UDP_DATA_OFF;
		iov[i].iov_len = max;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(u->fd, mm, NS_TX_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n < 0) {
		if (errno == ECONNREFUSED)
			refused(ns, u);
		return;
	}
	for (int i = 0; i < n; i++) {
		size_t flen;

		if (mm[i].msg_len > max || (mm[i].msg_hdr.msg_flags & MSG_TRUNC)) {
			ns_count(ns, NS_DROP_UDP);	/* larger than the guest's MTU */
			continue;
		}
		flen = udp_build(ns, ns->dbuf[i], u->raddr, u->rport, u->gport, mm[i].msg_len);
		if (flen)
			ns_send(ns, ns->dbuf[i], flen);
	}
	u->last = ns->now;
}

void udp_timer(struct netstack *ns, uint32_t idx)
{
	struct udp_flow *u;

	if (idx >= ns->udp_max)
		return;
	u = &ns->udp[idx];
	if (!u->used)
		return;
	if (ns->now >= u->last + UDP_IDLE_MS)
		udp_slot_release(ns, u);
	else
		timer_set(&ns->timers, ns->tcp_max + idx, u->last + UDP_IDLE_MS);
}

void udp_close_all(struct netstack *ns)
{
	for (uint32_t i = 0; i < ns->udp_max; i++)
		if (ns->udp[i].used && ns->udp[i].fd >= 0) {	/* fd is valid only if used */
			close(ns->udp[i].fd);
			ns->udp[i].fd = -1;
		}
}
