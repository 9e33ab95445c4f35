// SPDX-License-Identifier: MIT
/*
 * icmp.c - ICMP: echo replies from the gateway, and "administratively
 * prohibited" for UDP the egress policy denies.
 *
 * Only echo requests to the gateway's own addresses are answered, with the
 * same identifier, sequence number and data (RFC 792).  Echo to other
 * destinations is not forwarded (netstack opens no ICMP sockets on the
 * host); every other ICMP message from the guest is dropped and counted.
 */
#include <netinet/in.h>
#include <string.h>

#include "netstack/ns.h"

#define ICMP_ECHOREPLY_ 0
#define ICMP_UNREACH_ 3
#define ICMP_ECHO_ 8

void icmp_input(struct netstack *ns, uint32_t src, uint32_t dst, const struct pkt *l4)
{
	uint8_t type, code;
	uint8_t *icmp = ns->cbuf + ETH_HLEN_ + IP4_HLEN;

	if (!pkt_u8(l4, 0, &type) || !pkt_u8(l4, 1, &code) || !pkt_has(l4, 0, 8) ||
	    csum_fold(csum_partial(l4->p, l4->len, 0)) != 0) {
		ns_count(ns, NS_DROP_ICMP);
		return;
	}
	if (type != ICMP_ECHO_ || code != 0 || !ip4_is_local(ns, dst) ||
	    l4->len > ns->cfg.mtu - IP4_HLEN) {
		ns_count(ns, NS_DROP_ICMP);
		return;
	}
	memcpy(icmp, l4->p, l4->len);
	icmp[0] = ICMP_ECHOREPLY_;
	put_u16(icmp + 2, 0);
	put_u16(icmp + 2, csum_fold(csum_partial(icmp, l4->len, 0)));
	if (ip4_build(ns, ns->cbuf, dst, src, IPPROTO_ICMP, l4->len))
		ns_send(ns, ns->cbuf, ETH_HLEN_ + IP4_HLEN + l4->len);
}

/**
 * icmp_unreach() - tell the guest its datagram @ip cannot be delivered
 * @ns:		the stack
 * @ip:		the offending IPv4 datagram (header and payload, validated)
 * @code:	ICMP destination-unreachable code (13: administratively prohibited)
 */
void icmp_unreach(struct netstack *ns, const struct pkt *ip, uint8_t code)
{
	uint8_t *icmp = ns->cbuf + ETH_HLEN_ + IP4_HLEN;
	uint8_t vihl;
	uint32_t src, dst;
	size_t quote;

	if (!pkt_u8(ip, 0, &vihl) || !pkt_u32(ip, 12, &src) || !pkt_u32(ip, 16, &dst))
		return;
	quote = (size_t)(vihl & 15) * 4 + 8;
	if (quote > ip->len)
		quote = ip->len;
	memset(icmp, 0, 8);
	icmp[0] = ICMP_UNREACH_;
	icmp[1] = code;
	memcpy(icmp + 8, ip->p, quote);
	put_u16(icmp + 2, csum_fold(csum_partial(icmp, 8 + quote, 0)));
	/* From the gateway, as the router that refuses to forward it. */
	(void)dst;
	if (ip4_build(ns, ns->cbuf, ns->cfg.gateway_addr, src, IPPROTO_ICMP, 8 + quote))
		ns_send(ns, ns->cbuf, ETH_HLEN_ + IP4_HLEN + 8 + quote);
}
