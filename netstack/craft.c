// SPDX-License-Identifier: MIT
/*
 * craft.c - test frames (see craft.h).  Written separately from the stack's
 * own builders and parsers on purpose: a test that crafted its input and
 * read its output with the code under test would agree with any bug in it.
 */
#include "netstack/craft.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static void w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void w32(uint8_t *p, uint32_t v)
{
	w16(p, (uint16_t)(v >> 16));
	w16(p + 2, (uint16_t)v);
}

static uint16_t r16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t r32(const uint8_t *p)
{
	return (uint32_t)r16(p) << 16 | r16(p + 2);
}

/* Plain RFC 1071, byte by byte: slow and obviously right. */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t fin16(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto +
	       (uint32_t)len;
}

static size_t eth_ip(uint8_t *buf, const uint8_t *smac, const uint8_t *dmac, uint32_t src,
		     uint32_t dst, uint8_t proto, size_t l4len)
{
	uint8_t *ip = buf + 14;

	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	w16(buf + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	w16(ip + 2, (uint16_t)(20 + l4len));
	w16(ip + 4, 0x1234);
	w16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = proto;
	w32(ip + 12, src);
	w32(ip + 16, dst);
	w16(ip + 10, fin16(sum16(ip, 20, 0)));
	return 34;
}

size_t craft_tcp(uint8_t *buf, size_t cap, const uint8_t *smac, const uint8_t *dmac,
		 const struct craft_tcp *t)
{
	size_t hlen = 20 + t->optlen, l4 = hlen + t->len;
	uint8_t *p;

	if (34 + l4 > cap || t->optlen % 4 || hlen > 60)
		return 0;
	p = buf + eth_ip(buf, smac, dmac, t->src, t->dst, IPPROTO_TCP, l4);
	w16(p, t->sport);
	w16(p + 2, t->dport);
	w32(p + 4, t->seq);
	w32(p + 8, t->ack);
	p[12] = (uint8_t)(hlen / 4) << 4;
	p[13] = t->flags;
	w16(p + 14, t->wnd);
	w16(p + 16, 0);
	w16(p + 18, 0);
	if (t->optlen)
		memcpy(p + 20, t->opts, t->optlen);
	if (t->len)
		memcpy(p + hlen, t->data, t->len);
	w16(p + 16, fin16(sum16(p, l4, pseudo(t->src, t->dst, IPPROTO_TCP, l4))));
	return 34 + l4;
}

size_t craft_udp(uint8_t *buf, size_t cap, const uint8_t *smac, const uint8_t *dmac,
		 uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, const void *data,
		 size_t len)
{
	size_t l4 = 8 + len;
	uint8_t *p;
	uint16_t s;

	if (34 + l4 > cap)
		return 0;
	p = buf + eth_ip(buf, smac, dmac, src, dst, IPPROTO_UDP, l4);
	w16(p, sport);
	w16(p + 2, dport);
	w16(p + 4, (uint16_t)l4);
	w16(p + 6, 0);
	memcpy(p + 8, data, len);
	s = fin16(sum16(p, l4, pseudo(src, dst, IPPROTO_UDP, l4)));
	w16(p + 6, s ? s : 0xffff);
	return 34 + l4;
}

size_t craft_icmp_echo(uint8_t *buf, size_t cap, const uint8_t *smac, const uint8_t *dmac,
		       uint32_t src, uint32_t dst, uint16_t id, uint16_t seq, const void *data,
		       size_t len)
{
	size_t l4 = 8 + len;
	uint8_t *p;

	if (34 + l4 > cap)
		return 0;
	p = buf + eth_ip(buf, smac, dmac, src, dst, IPPROTO_ICMP, l4);
	p[0] = 8;
	p[1] = 0;
	w16(p + 2, 0);
	w16(p + 4, id);
	w16(p + 6, seq);
	memcpy(p + 8, data, len);
	w16(p + 2, fin16(sum16(p, l4, 0)));
	return 34 + l4;
}

size_t craft_arp(uint8_t *buf, size_t cap, const uint8_t *eth_dst, uint16_t op,
		 const uint8_t *sha, uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
	uint8_t *a = buf + 14;

	if (cap < 42)
		return 0;
	memcpy(buf, eth_dst, 6);
	memcpy(buf + 6, sha, 6);
	w16(buf + 12, 0x0806);
	w16(a, 1);
	w16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	w16(a + 6, op);
	memcpy(a + 8, sha, 6);
	w32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	w32(a + 24, tpa);
	return 42;
}

size_t craft_dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
	size_t n = 12;

	if (cap < 12 + strlen(name) + 6)
		return 0;
	memset(buf, 0, 12);
	w16(buf, id);
	buf[2] = 1;		/* RD */
	w16(buf + 4, 1);
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		buf[n++] = (uint8_t)l;
		memcpy(buf + n, name, l);
		n += l;
		name += l + (dot ? 1 : 0);
	}
	buf[n++] = 0;
	w16(buf + n, qtype);
	w16(buf + n + 2, 1);
	return n + 4;
}

bool craft_parse(const uint8_t *b, size_t len, struct craft_frame *f)
{
	const uint8_t *ip, *p;
	size_t ihl, tot, l4;

	memset(f, 0, sizeof(*f));
	f->mss = f->ws = -1;
	if (len < 14)
		return false;
	memcpy(f->eth_dst, b, 6);
	memcpy(f->eth_src, b + 6, 6);
	f->ethertype = r16(b + 12);
	if (f->ethertype == 0x0806) {
		if (len < 42)
			return false;
		f->arp_op = r16(b + 20);
		memcpy(f->arp_sha, b + 22, 6);
		f->arp_spa = r32(b + 28);
		f->arp_tpa = r32(b + 38);
		return true;
	}
	if (f->ethertype != 0x0800 || len < 34)
		return false;
	ip = b + 14;
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = r16(ip + 2);
	if (ihl < 20 || tot < ihl || 14 + tot > len)
		return false;
	f->proto = ip[9];
	f->ttl = ip[8];
	f->src = r32(ip + 12);
	f->dst = r32(ip + 16);
	f->ip_csum_ok = fin16(sum16(ip, ihl, 0)) == 0;
	p = ip + ihl;
	l4 = tot - ihl;
	if (f->proto == IPPROTO_TCP) {
		size_t hlen;

		if (l4 < 20)
			return false;
		hlen = (size_t)(p[12] >> 4) * 4;
		if (hlen < 20 || hlen > l4)
			return false;
		f->l4_csum_ok = fin16(sum16(p, l4, pseudo(f->src, f->dst, IPPROTO_TCP, l4))) == 0;
		f->sport = r16(p);
		f->dport = r16(p + 2);
		f->seq = r32(p + 4);
		f->ack = r32(p + 8);
		f->flags = p[13];
		f->wnd = r16(p + 14);
		for (size_t o = 20; o < hlen;) {
			if (p[o] == 0)
				break;
			if (p[o] == 1) {
				o++;
				continue;
			}
			if (o + 1 >= hlen || p[o + 1] < 2 || o + p[o + 1] > hlen)
				return false;
			if (p[o] == 2 && p[o + 1] == 4)
				f->mss = r16(p + o + 2);
			if (p[o] == 3 && p[o + 1] == 3)
				f->ws = p[o + 2];
			if (p[o] == 4)
				f->sackok = true;
			if (p[o] == 8)
				f->ts = true;
			o += p[o + 1];
		}
		f->data = p + hlen;
		f->len = l4 - hlen;
	} else if (f->proto == IPPROTO_UDP) {
		if (l4 < 8 || r16(p + 4) != l4)
			return false;
		f->l4_csum_ok = r16(p + 6) == 0 ||
				fin16(sum16(p, l4, pseudo(f->src, f->dst, IPPROTO_UDP, l4))) == 0;
		f->sport = r16(p);
		f->dport = r16(p + 2);
		f->data = p + 8;
		f->len = l4 - 8;
	} else if (f->proto == IPPROTO_ICMP) {
		if (l4 < 8)
			return false;
		f->l4_csum_ok = fin16(sum16(p, l4, 0)) == 0;
		f->icmp_type = p[0];
		f->icmp_code = p[1];
		f->icmp_id = r16(p + 4);
		f->icmp_seq = r16(p + 6);
		f->data = p + 8;
		f->len = l4 - 8;
	}
	return true;
}

void craft_cap_tx(void *ctx, const void *frame, size_t len)
{
	struct craft_cap *c = ctx;
	uint8_t *copy;

	if (c->n == CRAFT_CAP_MAX) {
		c->dropped++;
		return;
	}
	copy = malloc(len);
	if (!copy) {
		c->dropped++;
		return;
	}
	memcpy(copy, frame, len);
	c->buf[c->n] = copy;
	c->len[c->n++] = len;
}

void craft_cap_clear(struct craft_cap *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->buf[i]);
	c->n = 0;
	c->dropped = 0;
}

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

const uint8_t craft_guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
const uint8_t craft_gw_mac[6] = { 0x02, 0x6d, 0x6f, 0x61, 0x74, 0x01 };

static uint64_t env_clock(void *ctx)
{
	return ((struct craft_env *)ctx)->now;
}

static int env_connect(void *ctx, const struct ns_flow_info *fi, struct merr *e)
{
	struct craft_env *env = ctx;
	int sv[2];

	(void)fi;
	if (env->npeers == CRAFT_PEERS)
		return merr_set(e, EMFILE, "craft: too many peers");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return merr_sys(e, "socketpair");
	if (env->sndbuf)
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &env->sndbuf, sizeof(env->sndbuf));
	env->peer[env->npeers++] = sv[1];
	return sv[0];
}

static void env_audit(void *ctx, const struct ns_audit_event *ev)
{
	struct craft_env *env = ctx;

	env->audits++;
	if (!ev->allowed)
		env->audit_denies++;
	netstack_audit_json(ev, env->last_audit, sizeof(env->last_audit));
}

void craft_env_init(struct craft_env *env)
{
	memset(env, 0, sizeof(*env));
	netstack_config_init(&env->cfg);
	env->now = 1000000;
	env->pair_far = true;
	env->cfg.max_tcp_flows = 64;
	env->cfg.max_udp_flows = 16;
}

int craft_env_start(struct craft_env *env, const char *const *allow)
{
	for (; allow && *allow; allow++) {
		int r = egress_policy_add(&env->pol, *allow, NULL);

		if (r < 0)
			return r;
	}
	env->cfg.policy = &env->pol;
	env->cfg.audit = env_audit;
	env->cfg.audit_ctx = env;
	if (env->pair_far) {
		env->cfg.connect = env_connect;
		env->cfg.connect_ctx = env;
	}
	return netstack_new(&env->cfg, craft_cap_tx, &env->cap, env_clock, env, &env->ns, NULL);
}

void craft_env_free(struct craft_env *env)
{
	netstack_free(env->ns);
	env->ns = NULL;
	for (unsigned i = 0; i < env->npeers; i++)
		if (env->peer[i] >= 0)
			close(env->peer[i]);
	env->npeers = 0;
	egress_policy_free(&env->pol);
	craft_cap_clear(&env->cap);
}

void craft_env_input(struct craft_env *env, const uint8_t *frame, size_t len)
{
	netstack_input(env->ns, frame, len);
	netstack_poll(env->ns, 0);
}

void craft_env_poll(struct craft_env *env)
{
	netstack_poll(env->ns, 0);
}
