// SPDX-License-Identifier: MIT
/*
 * core.c - the stack object: creation, the poll step, counters, egress and
 * audit plumbing shared by every layer.
 *
 * Theory of operation
 * -------------------
 * A frame from the guest enters at netstack_input() and is handed down the
 * layers (eth.c -> arp.c / ipv4.c -> icmp.c / udp.c / tcp.c); each layer
 * checks its header through struct pkt and either answers, forwards the
 * payload to a far-side socket, or drops the frame and counts why.
 *
 * Far-side sockets (TCP flows, UDP flows, -p listeners, c-ares) are watched
 * by one epoll fd.  netstack_poll() waits on it no longer than the earliest
 * timer, dispatches readiness by the tag stored with each fd, fires expired
 * timers, and finally sends the acknowledgements that frames from the guest
 * made due, one per flow per round.  A tag carries the slot's generation, so
 * an event for a flow that was closed and reused in the same round is
 * recognised as stale and ignored.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "netstack/ns.h"
#include "parse.h"
#include "util.h"

static const char *const stat_names[NS_STAT_COUNT] = {
	[NS_RX_FRAMES] = "rx_frames", [NS_RX_BYTES] = "rx_bytes",
	[NS_TX_FRAMES] = "tx_frames", [NS_TX_BYTES] = "tx_bytes",
	[NS_DROP_ETH] = "drop_eth", [NS_DROP_IPV6] = "drop_ipv6",
	[NS_DROP_ARP] = "drop_arp", [NS_DROP_IP] = "drop_ip",
	[NS_DROP_ICMP] = "drop_icmp", [NS_DROP_UDP] = "drop_udp",
	[NS_DROP_TCP_MALFORMED] = "drop_tcp_malformed",
	[NS_DROP_TCP_WINDOW] = "drop_tcp_window",
	[NS_DROP_TCP_NOFLOW] = "drop_tcp_noflow", [NS_DROP_DNS] = "drop_dns",
	[NS_TCP_DENIED] = "tcp_denied", [NS_UDP_DENIED] = "udp_denied",
	[NS_DNS_DENIED] = "dns_denied", [NS_TCP_OPENED] = "tcp_opened",
	[NS_TCP_CLOSED] = "tcp_closed", [NS_TCP_RESET] = "tcp_reset",
	[NS_TCP_FULL] = "tcp_table_full", [NS_TCP_RETRANSMIT] = "tcp_retransmit",
	[NS_TCP_PROBES] = "tcp_window_probes", [NS_TCP_OOO_HELD] = "tcp_ooo_held", [NS_UDP_FLOWS] = "udp_flows",
	[NS_DNS_QUERIES] = "dns_queries",
};

const char *netstack_stat_name(enum ns_stat s)
{
	return (unsigned)s < NS_STAT_COUNT ? stat_names[s] : "?";
}

uint64_t netstack_stat(const struct netstack *ns, enum ns_stat s)
{
	return (unsigned)s < NS_STAT_COUNT ? ns->stats[s] : 0;
}

int netstack_epoll_fd(const struct netstack *ns)
{
	return ns->epfd;
}

void ns_count(struct netstack *ns, enum ns_stat s)
{
	ns->stats[s]++;
}

void ns_send(struct netstack *ns, const uint8_t *frame, size_t len)
{
	ns->stats[NS_TX_FRAMES]++;
	ns->stats[NS_TX_BYTES] += len;
	ns->tx(ns->tx_ctx, frame, len);
}

uint32_t ns_random(struct netstack *ns)
{
	/* xorshift64*: ISNs, ephemeral ports and DNS tokens need to be
	 * unpredictable to the guest only loosely (it cannot see other flows). */
	ns->rng ^= ns->rng >> 12;
	ns->rng ^= ns->rng << 25;
	ns->rng ^= ns->rng >> 27;
	return (uint32_t)((ns->rng * 2685821657736338717ull) >> 32);
}

void netstack_config_init(struct netstack_config *cfg)
{
	static const uint8_t mac[6] = { 0x02, 0x6d, 0x6f, 0x61, 0x74, 0x01 };

	memset(cfg, 0, sizeof(*cfg));
	cfg->guest_addr = NS_DEFAULT_GUEST;
	cfg->gateway_addr = NS_DEFAULT_GATEWAY;
	cfg->dns_addr = NS_DEFAULT_GATEWAY;
	cfg->prefix_len = NS_DEFAULT_PREFIX;
	memcpy(cfg->gateway_mac, mac, 6);
	cfg->mtu = NS_DEFAULT_MTU;
	cfg->map_gateway_to_loopback = true;
	cfg->max_tcp_flows = NS_DEFAULT_TCP_FLOWS;
	cfg->max_udp_flows = NS_DEFAULT_UDP_FLOWS;
	cfg->ctl_fd = -1;
	cfg->ready_fd = -1;
	cfg->stats_fd = -1;
}

int netstack_forward_parse(const char *s, struct ns_forward *f, struct merr *e)
{
	char buf[64], *parts[3], *save = NULL, *tok;
	unsigned n = 0;
	uint64_t hp, gp;
	struct in_addr a = { .s_addr = htonl(0x7f000001) };

	if (!s || strlen(s) >= sizeof(buf))
		return merr_set(e, EINVAL, "-p %s: expected HOSTPORT:GUESTPORT", s ? s : "");
	strcpy(buf, s);
	for (tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (n == 3)
			return merr_set(e, EINVAL, "-p %s: expected HOSTPORT:GUESTPORT", s);
		parts[n++] = tok;
	}
	if (n < 2 || (n == 3 && inet_pton(AF_INET, parts[0], &a) != 1) ||
	    parse_u64(parts[n - 2], &hp) < 0 || parse_u64(parts[n - 1], &gp) < 0 ||
	    hp == 0 || hp > 65535 || gp == 0 || gp > 65535)
		return merr_set(e, EINVAL,
				"-p %s: expected HOSTPORT:GUESTPORT or ADDR:HOSTPORT:GUESTPORT (ports 1-65535)",
				s);
	f->host_addr = ntohl(a.s_addr);
	f->host_port = (uint16_t)hp;
	f->guest_port = (uint16_t)gp;
	return 0;
}

void ns_audit(struct netstack *ns, enum ns_audit_kind kind, bool allowed, const char *name,
	      uint32_t addr, uint16_t port, const char *reason)
{
	struct ns_audit_event ev = {
		.kind = kind, .allowed = allowed, .name = name, .addr = addr,
		.port = port, .reason = reason,
	};

	if (ns->cfg.audit)
		ns->cfg.audit(ns->cfg.audit_ctx, &ev);
}

static size_t json_str(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return n;
}

int netstack_audit_json(const struct ns_audit_event *ev, char *buf, size_t cap)
{
	static const char *const kinds[] = { "dns", "tcp", "udp" };
	char name[2 * 6 * NS_MAX_DNS_NAME], reason[256], addr[INET_ADDRSTRLEN] = "";
	struct in_addr a = { .s_addr = htonl(ev->addr) };
	int n;

	json_str(name, sizeof(name), ev->name ? ev->name : "");
	json_str(reason, sizeof(reason), ev->reason ? ev->reason : "");
	if (ev->kind != NS_AUDIT_DNS)
		inet_ntop(AF_INET, &a, addr, sizeof(addr));
	n = snprintf(buf, cap,
		     "{\"event\":\"egress\",\"proto\":\"%s\",\"verdict\":\"%s\",\"name\":\"%s\","
		     "\"addr\":\"%s\",\"port\":%u,\"reason\":\"%s\"}\n",
		     kinds[ev->kind], ev->allowed ? "allow" : "deny", name, addr,
		     (unsigned)ev->port, reason);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

bool ns_egress(struct netstack *ns, enum egress_proto proto, uint32_t dst, uint32_t addr,
	       uint16_t port, const char **allowed, size_t *nallowed)
{
	const char *names[DNS_NAMES_MAX], *reason = "no rule", *first_reason = NULL;
	size_t n = dns_names_for(ns, dst, names, DNS_NAMES_MAX);
	egress_decide_fn decide = ns->cfg.egress ? ns->cfg.egress : egress_decide;
	void *ctx = ns->cfg.egress ? ns->cfg.egress_ctx : (void *)ns->cfg.policy;
	struct egress_query q = { .proto = proto, .addr = addr, .port = port };
	enum ns_audit_kind kind = proto == EGRESS_UDP ? NS_AUDIT_UDP : NS_AUDIT_TCP;

	/* Every name of the address that allows the flow, for outbound to pick
	 * the one the client names (sites behind one address). */
	*nallowed = 0;
	for (size_t i = 0; i < (n ? n : 1); i++) {
		q.name = n ? names[i] : NULL;
		if (decide(ctx, &q, &reason)) {
			if (!*nallowed)
				first_reason = reason;
			if (q.name)
				allowed[(*nallowed)++] = q.name;
			else
				break;
		}
	}
	if (first_reason) {
		ns_audit(ns, kind, true, *nallowed ? allowed[0] : NULL, addr, port, first_reason);
		return true;
	}
	ns_audit(ns, kind, false, n ? names[0] : NULL, addr, port, reason);
	return false;
}

int ns_ep_add(struct netstack *ns, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(ns->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

void ns_ep_del(struct netstack *ns, int fd)
{
	epoll_ctl(ns->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static uint64_t mono_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 16;

	while (p < n)
		p <<= 1;
	return p;
}

int netstack_new(const struct netstack_config *cfg, ns_tx_fn tx, void *tx_ctx,
		 ns_clock_fn clock, void *clock_ctx, struct netstack **out, struct merr *e)
{
	struct netstack *ns;
	int r;

	if (cfg->mtu < NS_MIN_MTU || cfg->mtu > NS_MAX_MTU)
		return merr_set(e, EINVAL, "netstack: MTU %u is out of range (%u-%u)", cfg->mtu,
				NS_MIN_MTU, NS_MAX_MTU);
	if (cfg->prefix_len < 8 || cfg->prefix_len > 30 || !cfg->guest_addr ||
	    !cfg->gateway_addr || cfg->guest_addr == cfg->gateway_addr)
		return merr_set(e, EINVAL, "netstack: bad addressing (guest, gateway, prefix)");
	if (cfg->max_tcp_flows < 1 || cfg->max_tcp_flows > (1u << 20) ||
	    cfg->max_udp_flows < 1 || cfg->max_udp_flows > (1u << 16))
		return merr_set(e, EINVAL, "netstack: flow limits out of range");
	if (cfg->nforwards > NS_MAX_FORWARDS)
		return merr_set(e, EINVAL, "netstack: at most %d -p forwards", NS_MAX_FORWARDS);
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return merr_set(e, ENOMEM, "netstack: out of memory");
	ns->cfg = *cfg;
	ns->tx = tx;
	ns->tx_ctx = tx_ctx;
	ns->clock = clock ? clock : mono_ms;
	ns->clock_ctx = clock_ctx;
	ns->now = ns->clock(ns->clock_ctx);
	ns->tapfd = -1;
	for (unsigned i = 0; i < NS_MAX_FORWARDS; i++)
		ns->fwd_fd[i] = -1;
	if (getrandom(&ns->rng, sizeof(ns->rng), 0) != sizeof(ns->rng) || !ns->rng)
		ns->rng = 0x9e3779b97f4a7c15ull ^ ns->now;
	ns->hseed = ns_random(ns);
	ns->next_port = (uint16_t)(32768 + ns_random(ns) % 28000);
	ns->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ns->epfd < 0) {
		r = merr_sys(e, "netstack: epoll_create1");
		free(ns);
		return r;
	}
	ns->tcp_max = cfg->max_tcp_flows;
	ns->tcp_hmask = pow2_at_least(ns->tcp_max * 2) - 1;
	ns->udp_max = cfg->max_udp_flows;
	ns->udp_hmask = pow2_at_least(ns->udp_max * 2) - 1;
	/* calloc'd tables stay untouched (not resident) until flows use them. */
	ns->tcp = calloc(ns->tcp_max, sizeof(*ns->tcp));
	ns->tcp_hash = calloc(ns->tcp_hmask + 1, sizeof(uint32_t));
	ns->ackq = calloc(ns->tcp_max, sizeof(uint32_t));
	ns->udp = calloc(ns->udp_max, sizeof(*ns->udp));
	ns->udp_hash = calloc(ns->udp_hmask + 1, sizeof(uint32_t));
	ns->bind = calloc(DNS_BIND_MAX, sizeof(*ns->bind));
	ns->cbuf = malloc(NS_BUF_SIZE);
	ns->scratch = malloc(NS_BUF_SIZE);
	ns->discard = malloc(TCP_DISCARD_MAX);
	r = timer_heap_init(&ns->timers, ns->tcp_max + ns->udp_max);
	for (unsigned i = 0; i < NS_TX_BATCH; i++) {
		ns->dbuf[i] = malloc(NS_BUF_SIZE);
		if (!ns->dbuf[i])
			r = -ENOMEM;
	}
	if (r < 0 || !ns->tcp || !ns->tcp_hash || !ns->ackq || !ns->udp || !ns->udp_hash ||
	    !ns->bind || !ns->cbuf || !ns->scratch || !ns->discard) {
		netstack_free(ns);
		return merr_set(e, ENOMEM, "netstack: out of memory for %u flows", cfg->max_tcp_flows);
	}
	/* Slots are handed out from tcp_fresh upwards before the free list is
	 * used, so the untouched part of the table is never made resident. */
	r = tcp_forwards_open(ns, e);
	if (r >= 0)
		r = ns_ares_init(ns, e);
	if (r < 0) {
		netstack_free(ns);
		return r;
	}
	*out = ns;
	return 0;
}

void netstack_free(struct netstack *ns)
{
	if (!ns)
		return;
	if (ns->tcp)
		tcp_close_all(ns);
	if (ns->udp)
		udp_close_all(ns);
	ns_ares_free(ns);
	for (unsigned i = 0; i < NS_MAX_FORWARDS; i++)
		if (ns->fwd_fd[i] >= 0)
			close(ns->fwd_fd[i]);
	if (ns->epfd >= 0)
		close(ns->epfd);
	timer_heap_free(&ns->timers);
	free(ns->tcp);
	free(ns->tcp_hash);
	free(ns->ackq);
	free(ns->udp);
	free(ns->udp_hash);
	free(ns->bind);
	free(ns->cbuf);
	free(ns->scratch);
	free(ns->discard);
	for (unsigned i = 0; i < NS_TX_BATCH; i++)
		free(ns->dbuf[i]);
	free(ns);
}

void netstack_input(struct netstack *ns, const void *frame, size_t len)
{
	struct pkt f = pkt_make(frame, len);

	ns->now = ns->clock(ns->clock_ctx);
	ns->stats[NS_RX_FRAMES]++;
	ns->stats[NS_RX_BYTES] += len;
	eth_input(ns, &f);
}

/* Fire every timer that is due. */
static void run_timers(struct netstack *ns)
{
	uint64_t at;
	uint32_t id;

	while (timer_first(&ns->timers, &at, &id) && at <= ns->now) {
		timer_clear(&ns->timers, id);
		if (id < ns->tcp_max)
			tcp_timer(ns, id);
		else
			udp_timer(ns, id - ns->tcp_max);
	}
	dns_expire(ns);
	ns_ares_process_timeouts(ns);
}

/* The epoll timeout: @timeout_ms, shortened to the earliest timer. */
static int wait_ms(struct netstack *ns, int timeout_ms)
{
	uint64_t at;
	uint32_t id;
	int t = timeout_ms, a;

	if (timer_first(&ns->timers, &at, &id)) {
		uint64_t d = at > ns->now ? at - ns->now : 0;

		if (t < 0 || d < (uint64_t)t)
			t = d > 60000 ? 60000 : (int)d;
	}
	a = ns_ares_timeout(ns);
	if (a >= 0 && (t < 0 || a < t))
		t = a;
	for (unsigned i = 0; i < DNS_PENDING_MAX; i++) {
		if (ns->dns[i].used) {
			uint64_t d = ns->dns[i].deadline > ns->now ? ns->dns[i].deadline - ns->now : 0;

			if (t < 0 || d < (uint64_t)t)
				t = (int)d;
		}
	}
	return t;
}

int netstack_poll(struct netstack *ns, int timeout_ms)
{
	struct epoll_event evs[64];
	int n;

	ns->now = ns->clock(ns->clock_ctx);
	n = epoll_wait(ns->epfd, evs, 64, wait_ms(ns, timeout_ms));
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return -errno;
	}
	ns->now = ns->clock(ns->clock_ctx);
	for (int i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;
		uint32_t idx = (uint32_t)tag, gen = (uint32_t)(tag >> 32) & 0xffffff;

		switch ((enum ns_ep_kind)(tag >> 56)) {
		case EP_TAP:
			tap_event(ns, evs[i].events);
			break;
		case EP_TCP:
			tcp_event(ns, idx, gen, evs[i].events);
			break;
		case EP_UDP:
			udp_event(ns, idx, gen, evs[i].events);
			break;
		case EP_FWD:
			tcp_forward_accept(ns, idx);
			break;
		case EP_ARES:
			ns_ares_event(ns, (int)idx, evs[i].events);
			break;
		case EP_CTL:
			ns->stop = true;
			break;
		}
	}
	run_timers(ns);
	tcp_flush_acks(ns);
	return n;
}
