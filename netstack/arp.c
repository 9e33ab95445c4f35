// SPDX-License-Identifier: MIT
/*
 * arp.c - ARP for IPv4 over Ethernet (RFC 826), the gateway's side.
 *
 * The gateway answers requests for its own addresses (the gateway and the
 * DNS server) and nothing else: other addresses in the guest's subnet do not
 * exist.  It learns the guest's MAC from ARP packets whose sender is the
 * guest's address, and asks for it when it has to open a connection into a
 * guest that has not spoken yet (a -p forward).
 */
#include <string.h>

#include "netstack/ns.h"

#define ARP_REQUEST 1
#define ARP_REPLY 2
#define ARP_LEN 28

static void learn(struct netstack *ns, const uint8_t *mac)
{
	bool had = ns->guest_mac_known;

	if (mac[0] & 1)
		return;
	memcpy(ns->guest_mac, mac, 6);
	ns->guest_mac_known = true;
	if (!had)
		tcp_guest_mac_learned(ns);
}

static size_t arp_build(struct netstack *ns, uint8_t *buf, uint16_t op, const uint8_t *eth_dst,
			uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
	uint8_t *a = buf + eth_build(ns, buf, eth_dst, 0x0806);

	put_u16(a, 1);			/* Ethernet */
	put_u16(a + 2, 0x0800);		/* IPv4 */
	a[4] = 6;
	a[5] = 4;
	put_u16(a + 6, op);
	memcpy(a + 8, ns->cfg.gateway_mac, 6);
	put_u32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	put_u32(a + 24, tpa);
	return ETH_HLEN_ + ARP_LEN;
}

void arp_input(struct netstack *ns, const struct pkt *a)
{
	uint16_t htype, ptype, op;
	uint8_t hlen, plen, sha[6];
	uint32_t spa, tpa;
	size_t len;

	if (!pkt_u16(a, 0, &htype) || !pkt_u16(a, 2, &ptype) || !pkt_u8(a, 4, &hlen) ||
	    !pkt_u8(a, 5, &plen) || !pkt_u16(a, 6, &op) || !pkt_bytes(a, 8, sha, 6) ||
	    !pkt_u32(a, 14, &spa) || !pkt_u32(a, 24, &tpa) || htype != 1 || ptype != 0x0800 ||
	    hlen != 6 || plen != 4 || (op != ARP_REQUEST && op != ARP_REPLY)) {
		ns_count(ns, NS_DROP_ARP);
		return;
	}
	if (spa != ns->cfg.guest_addr) {
		/* Only the guest lives on this link (0.0.0.0 probes included). */
		ns_count(ns, NS_DROP_ARP);
		return;
	}
	learn(ns, sha);
	if (op != ARP_REQUEST)
		return;
	if (tpa != ns->cfg.gateway_addr && tpa != ns->cfg.dns_addr) {
		ns_count(ns, NS_DROP_ARP);
		return;
	}
	len = arp_build(ns, ns->cbuf, ARP_REPLY, sha, tpa, sha, spa);
	ns_send(ns, ns->cbuf, len);
}

/**
 * arp_request_guest() - ask for the guest's MAC, at most every 100 ms
 * @ns:		the stack
 */
void arp_request_guest(struct netstack *ns)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	size_t len;

	if (ns->arp_asked && ns->now < ns->arp_asked + 100)
		return;
	ns->arp_asked = ns->now ? ns->now : 1;
	len = arp_build(ns, ns->cbuf, ARP_REQUEST, bcast, ns->cfg.gateway_addr, zero,
			ns->cfg.guest_addr);
	ns_send(ns, ns->cbuf, len);
}
