// SPDX-License-Identifier: MIT
/*
 * dns.c - the DNS server the guest uses (UDP port 53 on the DNS address).
 *
 * Theory of operation
 * -------------------
 * A query is parsed strictly (RFC 1035): a 12-byte header, QR clear, opcode
 * QUERY, exactly one question, a name of uncompressed labels (at most 63
 * bytes each, 253 in all) of letters, digits, '-' and '_', class IN (another
 * class gets NOTIMP, its question echoed as asked, so that the client matches
 * the answer to its query).  The rest of the message (EDNS options, say) is
 * ignored.  A query that cannot be parsed gets FORMERR if its header could
 * be read, nothing otherwise.
 *
 * The name is judged by the egress policy.  A denied name gets NXDOMAIN (or
 * REFUSED, by configuration) and an audit record; so does an allowed one,
 * which is then resolved: the static host table first, then the resolver
 * callback or c-ares (resolve.c), asynchronously: the query waits in a
 * bounded table (DNS_PENDING_MAX) until netstack_dns_answer() or a timeout
 * (SERVFAIL).  Only A records are answered; AAAA and every other type get an
 * empty NOERROR answer (the guest has no IPv6, and nothing else is needed to
 * connect).  Queries over TCP are not served: answers never set TC.
 *
 * Every address given to the guest is remembered with the name it answered
 * (a bounded table, DNS_BIND_MAX entries, oldest replaced first): that is how
 * a later connection to the address is judged by name rules (ns_egress()).
 * An answer of 127.0.0.1 is given as the gateway address, which is how the
 * guest reaches the host's loopback, still subject to an address rule.
 */
#include <string.h>
#include <strings.h>

#include "netstack/ns.h"

#define DNS_HLEN 12
#define DNS_MAX_ANSWERS 14
#define DNS_TYPE_A 1
#define DNS_CLASS_IN 1
#define RCODE_FORMERR 1
#define RCODE_SERVFAIL 2
#define RCODE_NXDOMAIN 3
#define RCODE_NOTIMP 4
#define RCODE_REFUSED 5
#define DNS_BIND_GRACE_S 600

/* Write @name as labels at @p; return the length (name checked already). */
static size_t put_name(uint8_t *p, const char *name)
{
	size_t n = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		p[n++] = (uint8_t)l;
		memcpy(p + n, name, l);
		n += l;
		name += l + (dot ? 1 : 0);
	}
	p[n++] = 0;
	return n;
}

static void reply(struct netstack *ns, uint16_t gport, uint16_t id, uint8_t rd, uint8_t rcode,
		  const char *name, uint16_t qtype, uint16_t qclass, const uint32_t *addrs, size_t n,
		  uint32_t ttl)
{
	uint8_t msg[DNS_HLEN + NS_MAX_DNS_NAME + 2 + 4 + DNS_MAX_ANSWERS * 16];
	size_t len = DNS_HLEN;

	static_assert(sizeof(msg) <= 512, "answers fit a plain DNS datagram");
	if (n > DNS_MAX_ANSWERS)
		n = DNS_MAX_ANSWERS;
	put_u16(msg, id);
	msg[2] = (uint8_t)(0x80 | (rd ? 1 : 0));	/* QR, opcode 0, RD as asked */
	msg[3] = (uint8_t)(0x80 | rcode);		/* RA */
	put_u16(msg + 4, name ? 1 : 0);
	put_u16(msg + 6, (uint16_t)n);
	put_u16(msg + 8, 0);
	put_u16(msg + 10, 0);
	if (name) {
		len += put_name(msg + len, name);
		put_u16(msg + len, qtype);
		put_u16(msg + len + 2, qclass);
		len += 4;
	}
	for (size_t i = 0; i < n; i++) {
		put_u16(msg + len, 0xc00c);		/* the question's name */
		put_u16(msg + len + 2, DNS_TYPE_A);
		put_u16(msg + len + 4, DNS_CLASS_IN);
		put_u32(msg + len + 6, ttl);
		put_u16(msg + len + 10, 4);
		put_u32(msg + len + 12, addrs[i]);
		len += 16;
	}
	udp_send(ns, ns->cfg.dns_addr, 53, gport, msg, len);
}

/* Parse the question's name at @off into @out (dotted, lower case). */
static bool parse_name(const struct pkt *m, size_t *off, char *out, size_t cap)
{
	size_t o = *off, n = 0;
	uint8_t l;
	char raw[NS_MAX_DNS_NAME + 2];

	for (;;) {
		if (!pkt_u8(m, o, &l))
			return false;
		o++;
		if (l == 0)
			break;
		if (l > 63 || n + l + 1 > sizeof(raw) - 1)	/* pointers (0xc0) too */
			return false;
		if (n)
			raw[n++] = '.';
		if (!pkt_bytes(m, o, raw + n, l) || memchr(raw + n, '.', l) || memchr(raw + n, 0, l))
			return false;
		n += l;
		o += l;
	}
	if (n == 0)
		return false;
	raw[n] = '\0';
	if (egress_name_normalize(raw, out, cap) < 0)
		return false;
	*off = o;
	return true;
}

static void start_resolve(struct netstack *ns, uint16_t gport, uint16_t id, uint8_t rd,
			  const char *name)
{
	struct dns_pending *p = NULL;
	unsigned slot = 0;
	int r = -1;

	for (size_t i = 0; i < ns->cfg.nhosts; i++) {
		const char *h = ns->cfg.hosts[i].name;
		size_t hl = strlen(h);

		if (hl && h[hl - 1] == '.')
			hl--;
		if (hl == strlen(name) && strncasecmp(h, name, hl) == 0) {
			uint32_t a = ns->cfg.hosts[i].addr;

			if (a == 0x7f000001u && ns->cfg.map_gateway_to_loopback)
				a = ns->cfg.gateway_addr;
			dns_bind(ns, a, name, 60);
			reply(ns, gport, id, rd, 0, name, DNS_TYPE_A, DNS_CLASS_IN, &a, 1, 60);
			return;
		}
	}
	if (!ns->cfg.resolve && !ns_ares_active(ns)) {
		reply(ns, gport, id, rd, RCODE_NXDOMAIN, name, DNS_TYPE_A, DNS_CLASS_IN, NULL, 0, 0);
		return;
	}
	for (unsigned i = 0; i < DNS_PENDING_MAX; i++) {
		if (!ns->dns[i].used) {
			p = &ns->dns[i];
			slot = i;
			break;
		}
	}
	if (!p) {
		reply(ns, gport, id, rd, RCODE_SERVFAIL, name, DNS_TYPE_A, DNS_CLASS_IN, NULL, 0, 0);
		return;
	}
	ns->dns_token++;
	*p = (struct dns_pending){
		.used = true, .rd = rd, .id = id, .gport = gport, .qtype = DNS_TYPE_A,
		.token = ns->dns_token << 8 | slot, .deadline = ns->now + DNS_TIMEOUT_MS,
	};
	strcpy(p->name, name);
	if (ns->cfg.resolve)
		r = ns->cfg.resolve(ns->cfg.resolve_ctx, ns, name, p->token);
	else
		r = ns_ares_resolve(ns, name, p->token);
	if (r < 0 && p->used) {
		p->used = false;
		reply(ns, gport, id, rd, RCODE_SERVFAIL, name, DNS_TYPE_A, DNS_CLASS_IN, NULL, 0, 0);
	}
}

void dns_input(struct netstack *ns, uint16_t gport, const struct pkt *m)
{
	uint16_t id, qd, qtype, qclass;
	uint8_t f2;
	size_t off = DNS_HLEN;
	char name[NS_MAX_DNS_NAME + 1];
	const char *reason = NULL;
	egress_decide_fn decide = ns->cfg.egress ? ns->cfg.egress : egress_decide;
	void *ctx = ns->cfg.egress ? ns->cfg.egress_ctx : (void *)ns->cfg.policy;
	struct egress_query q = { .proto = EGRESS_DNS, .name = name };
	uint8_t rd;

	ns_count(ns, NS_DNS_QUERIES);
	if (!pkt_u16(m, 0, &id) || !pkt_u8(m, 2, &f2) || !pkt_u16(m, 4, &qd) ||
	    !pkt_has(m, 0, DNS_HLEN) || (f2 & 0x80)) {
		ns_count(ns, NS_DROP_DNS);		/* no header, or a response */
		return;
	}
	rd = f2 & 1;
	if ((f2 >> 3) & 15) {
		reply(ns, gport, id, rd, RCODE_NOTIMP, NULL, 0, DNS_CLASS_IN, NULL, 0, 0);
		return;
	}
	if (qd != 1 || !parse_name(m, &off, name, sizeof(name)) || !pkt_u16(m, off, &qtype) ||
	    !pkt_u16(m, off + 2, &qclass)) {
		ns_count(ns, NS_DROP_DNS);
		reply(ns, gport, id, rd, RCODE_FORMERR, NULL, 0, DNS_CLASS_IN, NULL, 0, 0);
		return;
	}
	if (qclass != DNS_CLASS_IN) {
		reply(ns, gport, id, rd, RCODE_NOTIMP, name, qtype, qclass, NULL, 0, 0);
		return;
	}
	if (!decide(ctx, &q, &reason)) {
		ns_count(ns, NS_DNS_DENIED);
		ns_audit(ns, NS_AUDIT_DNS, false, name, 0, 0, reason);
		reply(ns, gport, id, rd, ns->cfg.dns_refused ? RCODE_REFUSED : RCODE_NXDOMAIN, name,
		      qtype, DNS_CLASS_IN, NULL, 0, 0);
		return;
	}
	ns_audit(ns, NS_AUDIT_DNS, true, name, 0, 0, reason);
	if (qtype != DNS_TYPE_A) {
		reply(ns, gport, id, rd, 0, name, qtype, DNS_CLASS_IN, NULL, 0, 0);	/* NODATA */
		return;
	}
	start_resolve(ns, gport, id, rd, name);
}

void netstack_dns_answer(struct netstack *ns, uint32_t token, enum ns_dns_status status,
			 const uint32_t *addrs, size_t n, uint32_t ttl)
{
	struct dns_pending *p = &ns->dns[token & 0xff];
	uint32_t mapped[DNS_MAX_ANSWERS];
	size_t m = 0;

	if (!p->used || p->token != token)
		return;				/* timed out already */
	p->used = false;
	if (status == NS_DNS_NXDOMAIN) {
		reply(ns, p->gport, p->id, p->rd, RCODE_NXDOMAIN, p->name, p->qtype, DNS_CLASS_IN,
		      NULL, 0, 0);
		return;
	}
	if (status != NS_DNS_OK) {
		reply(ns, p->gport, p->id, p->rd, RCODE_SERVFAIL, p->name, p->qtype, DNS_CLASS_IN,
		      NULL, 0, 0);
		return;
	}
	for (size_t i = 0; i < n && m < DNS_MAX_ANSWERS; i++) {
		uint32_t a = addrs[i];

		if (a == 0x7f000001u && ns->cfg.map_gateway_to_loopback)
			a = ns->cfg.gateway_addr;
		mapped[m++] = a;
		dns_bind(ns, a, p->name, ttl);
	}
	reply(ns, p->gport, p->id, p->rd, 0, p->name, p->qtype, DNS_CLASS_IN, mapped, m, ttl);
}

void dns_expire(struct netstack *ns)
{
	for (unsigned i = 0; i < DNS_PENDING_MAX; i++) {
		struct dns_pending *p = &ns->dns[i];

		if (p->used && p->deadline <= ns->now) {
			p->used = false;
			reply(ns, p->gport, p->id, p->rd, RCODE_SERVFAIL, p->name, p->qtype,
			      DNS_CLASS_IN, NULL, 0, 0);
		}
	}
}

/**
 * dns_bind() - remember that @name was answered with @addr
 * @ns:		the stack
 * @addr:	address given to the guest
 * @name:	normalized name
 * @ttl:	seconds (a grace period is added: programs cache past TTLs)
 */
void dns_bind(struct netstack *ns, uint32_t addr, const char *name, uint32_t ttl)
{
	struct dns_binding *slot = NULL;
	uint64_t expires = ns->now + ((uint64_t)ttl + DNS_BIND_GRACE_S) * 1000;

	for (uint32_t i = 0; i < DNS_BIND_MAX; i++) {
		struct dns_binding *b = &ns->bind[i];

		if (b->expires && b->addr == addr && strcmp(b->name, name) == 0) {
			if (expires > b->expires)
				b->expires = expires;
			b->answered = ++ns->nanswered;
			return;
		}
		if (!slot || b->expires < slot->expires)
			slot = b;	/* empty (0) or the one that expires first */
	}
	slot->addr = addr;
	slot->expires = expires;
	slot->answered = ++ns->nanswered;
	strcpy(slot->name, name);
}

/**
 * dns_names_for() - names recently answered with @addr, the latest answer first
 * @ns:		the stack
 * @addr:	address
 * @names:	filled with up to @max names (valid until the next DNS answer)
 * @max:	room (at most DNS_NAMES_MAX)
 *
 * Several names may share an address (sites behind one load balancer); a
 * connection is most likely to the one the guest has just looked up, which
 * is the name outbound then expects in its TLS server name and Host header.
 *
 * Return: how many.
 */
size_t dns_names_for(struct netstack *ns, uint32_t addr, const char **names, size_t max)
{
	uint64_t when[DNS_NAMES_MAX] = { 0 };
	size_t n = 0;

	if (max > DNS_NAMES_MAX)
		max = DNS_NAMES_MAX;
	for (uint32_t i = 0; i < DNS_BIND_MAX; i++) {
		const struct dns_binding *b = &ns->bind[i];
		size_t k;

		if (b->expires <= ns->now || b->addr != addr)
			continue;
		/* insert in order of the latest answer; past @max, the oldest goes */
		for (k = n; k > 0 && when[k - 1] < b->answered; k--) {
			if (k < max) {
				when[k] = when[k - 1];
				names[k] = names[k - 1];
			}
		}
		if (k < max) {
			when[k] = b->answered;
			names[k] = b->name;
			if (n < max)
				n++;
		}
	}
	return n;
}
