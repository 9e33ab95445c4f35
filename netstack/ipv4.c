// SPDX-License-Identifier: MIT
/*
 * ipv4.c - IPv4 input checks, header building and the gateway mapping.
 *
 * A datagram from the guest must be a well-formed IPv4 header (version 4,
 * header length 20..60 bytes within the frame, total length within the
 * frame, a correct header checksum), come from the guest's own address, not
 * be a fragment (the guest's MTU is the link's, so its TCP never fragments;
 * fragmented UDP is not reassembled) and be addressed to a unicast address
 * outside the guest's own.  Options are skipped, never interpreted.  Bytes
 * past the total length (Ethernet padding) are ignored.
 *
 * The gateway address stands for the host itself: with
 * map_gateway_to_loopback, TCP and UDP to the gateway continue to 127.0.0.1
 * (the egress policy still has to allow 127.0.0.1 explicitly).
 */
#include <netinet/in.h>
#include <string.h>

#include "netstack/ns.h"

bool ip4_is_local(const struct netstack *ns, uint32_t addr)
{
	return addr == ns->cfg.gateway_addr || addr == ns->cfg.dns_addr;
}

uint32_t ip4_host_addr(const struct netstack *ns, uint32_t dst)
{
	if (dst == ns->cfg.gateway_addr && ns->cfg.map_gateway_to_loopback)
		return 0x7f000001u;
	return dst;
}

void ip4_input(struct netstack *ns, const struct pkt *f, const uint8_t *src_mac)
{
	uint8_t vihl, proto;
	uint16_t tot, frag;
	uint32_t src, dst, mask;
	size_t hlen;
	struct pkt ip, l4;

	if (!pkt_u8(f, 0, &vihl) || (vihl >> 4) != 4) {
		ns_count(ns, NS_DROP_IP);
		return;
	}
	hlen = (size_t)(vihl & 15) * 4;
	if (hlen < IP4_HLEN || !pkt_u16(f, 2, &tot) || tot < hlen || !pkt_sub(f, 0, tot, &ip) ||
	    !pkt_u16(&ip, 6, &frag) || !pkt_u8(&ip, 9, &proto) || !pkt_u32(&ip, 12, &src) ||
	    !pkt_u32(&ip, 16, &dst) || !pkt_has(&ip, 0, hlen) ||
	    csum_fold(csum_partial(ip.p, hlen, 0)) != 0) {
		ns_count(ns, NS_DROP_IP);
		return;
	}
	if (frag & 0x3fff) {		/* MF or a fragment offset */
		ns_count(ns, NS_DROP_IP);
		return;
	}
	mask = ~0u << (32 - ns->cfg.prefix_len);
	if (src != ns->cfg.guest_addr || dst == 0xffffffffu || (dst & 0xf0000000u) == 0xe0000000u ||
	    ((dst & mask) == (ns->cfg.guest_addr & mask) && !ip4_is_local(ns, dst))) {
		/* spoofed, broadcast, multicast, or an on-link address that does
		 * not exist (only the gateway's own addresses do) */
		ns_count(ns, NS_DROP_IP);
		return;
	}
	/* The guest spoke: its MAC is the one to answer. */
	if (!ns->guest_mac_known || memcmp(ns->guest_mac, src_mac, 6) != 0) {
		bool had = ns->guest_mac_known;

		memcpy(ns->guest_mac, src_mac, 6);
		ns->guest_mac_known = true;
		if (!had)
			tcp_guest_mac_learned(ns);
	}
	pkt_sub(&ip, hlen, tot - hlen, &l4);
	switch (proto) {
	case IPPROTO_ICMP:
		icmp_input(ns, src, dst, &l4);
		break;
	case IPPROTO_UDP:
		udp_input(ns, src, dst, &l4, &ip);
		break;
	case IPPROTO_TCP:
		tcp_input(ns, src, dst, &l4);
		break;
	default:
		ns_count(ns, NS_DROP_IP);
	}
}

bool ip4_build(struct netstack *ns, uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto,
	       size_t l4len)
{
	uint8_t *ip = buf + ETH_HLEN_;

	if (!ns->guest_mac_known) {
		arp_request_guest(ns);
		return false;
	}
	eth_build(ns, buf, ns->guest_mac, 0x0800);
	ip[0] = 0x45;
	ip[1] = 0;
	put_u16(ip + 2, (uint16_t)(IP4_HLEN + l4len));
	put_u16(ip + 4, ns->ip_id++);
	put_u16(ip + 6, 0x4000);	/* DF */
	ip[8] = 64;
	ip[9] = proto;
	put_u16(ip + 10, 0);
	put_u32(ip + 12, src);
	put_u32(ip + 16, dst);
	put_u16(ip + 10, csum_fold(csum_partial(ip, IP4_HLEN, 0)));
	return true;
}
