// SPDX-License-Identifier: MIT
/*
 * eth.c - Ethernet: the first check every frame passes.
 *
 * The TAP device carries Ethernet frames without a packet-information
 * header.  A frame is accepted only if it is long enough for its header, is
 * addressed to the gateway's MAC or to broadcast, and carries ARP or IPv4.
 * IPv6 is not offered to the guest (no router advertisement is ever sent),
 * so its frames are dropped and counted on their own; so are VLAN tags and
 * every other EtherType.
 */
#include <string.h>

#include "netstack/ns.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void eth_input(struct netstack *ns, const struct pkt *f)
{
	uint8_t dst[6], src[6];
	uint16_t type;
	struct pkt l3;

	if (!pkt_bytes(f, 0, dst, 6) || !pkt_bytes(f, 6, src, 6) || !pkt_u16(f, 12, &type) ||
	    !pkt_sub(f, ETH_HLEN_, f->len - ETH_HLEN_, &l3)) {
		ns_count(ns, NS_DROP_ETH);
		return;
	}
	if (type == ETHERTYPE_IPV6) {
		ns_count(ns, NS_DROP_IPV6);
		return;
	}
	if (src[0] & 1) {		/* a multicast source is never a real sender */
		ns_count(ns, NS_DROP_ETH);
		return;
	}
	if (memcmp(dst, ns->cfg.gateway_mac, 6) != 0 && memcmp(dst, bcast, 6) != 0) {
		ns_count(ns, NS_DROP_ETH);
		return;
	}
	switch (type) {
	case ETHERTYPE_ARP:
		arp_input(ns, &l3);
		break;
	case ETHERTYPE_IPV4:
		if (memcmp(dst, bcast, 6) == 0) {
			ns_count(ns, NS_DROP_ETH);
			return;
		}
		ip4_input(ns, &l3, src);
		break;
	default:
		ns_count(ns, NS_DROP_ETH);
	}
}

/**
 * eth_build() - write an Ethernet header from the gateway
 * @ns:		the stack
 * @buf:	frame start
 * @dst:	destination MAC
 * @type:	EtherType
 *
 * Return: the header length.
 */
size_t eth_build(struct netstack *ns, uint8_t *buf, const uint8_t *dst, uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, ns->cfg.gateway_mac, 6);
	put_u16(buf + 12, type);
	return ETH_HLEN_;
}
