/* SPDX-License-Identifier: MIT */
/*
 * ns.h - the stack's internal state, shared by its layers.
 *
 * One struct netstack holds everything: the configuration, the counters,
 * the fixed-size flow tables (allocated once, at start-up, sized by the
 * configuration), the timer heap and the frame buffers.  Nothing on the data
 * path allocates: a flow is a slot in a table, a frame is built in one of the
 * preallocated buffers and handed to the frame sink.
 */
#ifndef MOAT_NETSTACK_NS_H
#define MOAT_NETSTACK_NS_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "netstack/netstack.h"
#include "netstack/pkt.h"

#define ETH_HLEN_	14
#define IP4_HLEN	20
#define TCP_HLEN	20
#define UDP_HLEN	8
#define NS_FRAME_MAX	(ETH_HLEN_ + NS_MAX_MTU)
#define NS_BUF_SIZE	65536
static_assert(NS_FRAME_MAX <= NS_BUF_SIZE, "a frame fits a buffer");

/* Data frames built per batch when copying from a far socket to the guest. */
#define NS_TX_BATCH	8

/* epoll tags: kind in the top byte, generation, then the slot index. */
enum ns_ep_kind { EP_TAP = 1, EP_TCP, EP_UDP, EP_FWD, EP_ARES, EP_CTL };

static inline uint64_t ep_tag(enum ns_ep_kind k, uint32_t gen, uint32_t idx)
{
	return (uint64_t)k << 56 | (uint64_t)(gen & 0xffffff) << 32 | idx;
}

/* ---- timers: a binary min-heap of (deadline, owner) ---- */
struct timer_heap {
	uint32_t n, cap;
	struct timer_ent { uint64_t at; uint32_t id; } *h;
	uint32_t *pos;		/* pos[id]: heap index + 1, 0 if not queued */
};

int timer_heap_init(struct timer_heap *t, uint32_t cap);
void timer_heap_free(struct timer_heap *t);
void timer_set(struct timer_heap *t, uint32_t id, uint64_t at);
void timer_clear(struct timer_heap *t, uint32_t id);
/* The earliest timer, if any. */
bool timer_first(const struct timer_heap *t, uint64_t *at, uint32_t *id);

/* ---- TCP ---- */
enum tcp_state {
	TS_FREE = 0,
	TS_CONNECTING,		/* guest SYN seen, far side connecting */
	TS_SYN_SENT,		/* we sent SYN to the guest (-p forward) */
	TS_SYN_RCVD,		/* we sent SYN-ACK */
	TS_ESTABLISHED,
	TS_FIN_WAIT_1,		/* far side ended, our FIN not yet acknowledged */
	TS_FIN_WAIT_2,
	TS_CLOSING,
	TS_TIME_WAIT,
	TS_CLOSE_WAIT,		/* guest ended, far side still sending */
	TS_LAST_ACK,
};

enum tcp_flag {
	TF_ACK_NOW = 1 << 0,	/* queued on the pending-ACK list */
	TF_FAR_EOF = 1 << 1,	/* far side sent its FIN (read returned 0) */
	TF_FAR_SHUT = 1 << 2,	/* we shut down the far side's write direction */
	TF_FAR_DATA = 1 << 3,	/* far data may be waiting (window was full) */
	TF_RCV_BLOCKED = 1 << 4,/* far socket was full: guest data was refused */
	TF_FIN_SENT = 1 << 5,
	TF_RTT = 1 << 6,	/* a segment is being timed */
	TF_FORWARD = 1 << 7,	/* opened by a -p forward */
	TF_PEEK_OFF = 1 << 8,	/* the far socket supports SO_PEEK_OFF */
	TF_FAR_TCP = 1 << 9,	/* the far socket is TCP (MSG_TRUNC discards) */
	TF_EMBRYO = 1 << 10,	/* on the embryonic list */
	TF_PERSIST = 1 << 11,	/* the timer is the persist timer */
	TF_GUEST_FIN = 1 << 12,	/* guest's FIN received */
	TF_WUPD = 1 << 13,	/* our window was small: tell the guest when it grows */
	TF_CONNECTED = 1 << 14,	/* the far side's connect completed */
	TF_FAR_DRAINED = 1 << 15,/* everything the far socket had is sent; EPOLLIN clears */
};

/* Bounds on the guest's data held past a gap (tcp_ooo.c): a flow may hold
 * the whole window it offers, up to the largest a far socket's send buffer
 * makes (3/4 of the 4 MiB of tcp_wmem), and the stack 16 MiB in all. */
#define TCP_OOO_FLOW_MAX	(4u << 20)
#define TCP_OOO_TOTAL_MAX	(16u << 20)

struct tcp_ooo;

struct tcp_conn {
	uint8_t state;
	uint8_t snd_ws, rcv_ws;
	uint8_t retries, dupacks, backoff, wbackoff;
	uint16_t flags;
	uint16_t snd_mss;
	uint16_t gport, rport;		/* guest's port, remote port */
	uint32_t raddr;			/* remote address as the guest sees it */
	uint32_t gen;
	int fd;				/* far side */
	uint32_t iss, snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2, snd_max;
	uint32_t irs, rcv_nxt, rcv_adv;
	uint32_t rtt_seq, srtt, rttvar, rto;	/* ms; srtt/rttvar scaled by 8/4 */
	uint64_t rtt_start;
	uint32_t sndbuf;		/* far socket's SO_SNDBUF, refreshed now and then */
	uint32_t hnext;			/* hash chain (index + 1) */
	uint32_t eprev, enext;		/* embryonic or TIME_WAIT list (index + 1) */
	uint32_t fwd;			/* which forward opened it */
	uint64_t born;
	uint64_t t_main;		/* RTO, persist, handshake or TIME_WAIT deadline */
	uint64_t t_wnd;			/* re-check the far socket's room */
	struct tcp_ooo *ooo;		/* data past a gap (tcp_ooo.c), or NULL */
};
static_assert(sizeof(struct tcp_conn) <= 160, "a TCP flow stays small");

/* ---- UDP ---- */
struct udp_flow {
	bool used;
	uint16_t gport, rport;
	uint32_t raddr;
	uint32_t gen;
	int fd;
	uint32_t hnext;
	uint64_t last;
};

/* ---- DNS ---- */
#define DNS_PENDING_MAX	256
#define DNS_BIND_MAX	2048
#define DNS_NAMES_MAX	4	/* names of one address a connection is judged by */
#define DNS_TIMEOUT_MS	5000

struct dns_pending {
	bool used;
	uint8_t rd;
	uint16_t id, gport, qtype;
	uint32_t token;
	uint64_t deadline;
	char name[NS_MAX_DNS_NAME + 1];
};

struct dns_binding {
	uint32_t addr;
	uint64_t expires;
	uint64_t answered;	/* when last given to the guest: a count, not a time */
	char name[NS_MAX_DNS_NAME + 1];
};

struct ns_ares;

struct netstack {
	struct netstack_config cfg;
	ns_tx_fn tx;
	void *tx_ctx;
	ns_clock_fn clock;
	void *clock_ctx;
	uint64_t now;
	uint64_t stats[NS_STAT_COUNT];
	uint64_t rng;
	uint32_t hseed;			/* hash seed: the guest cannot aim collisions */
	int epfd;
	int tapfd;
	bool stop;

	uint8_t guest_mac[6];
	bool guest_mac_known;
	uint64_t arp_asked;
	uint16_t ip_id;

	/* TCP */
	struct tcp_conn *tcp;
	uint32_t tcp_max, tcp_used, tcp_free;	/* free list via hnext */
	uint32_t tcp_fresh;			/* slots never used start here */
	uint32_t *tcp_hash, tcp_hmask;
	uint32_t ehead, etail;			/* embryonic list */
	uint32_t twhead, twtail;		/* TIME_WAIT list */
	uint32_t *ackq, nackq;
	uint64_t ooo_bytes;			/* held by every flow's tcp_ooo */
	uint16_t next_port;
	int fwd_fd[NS_MAX_FORWARDS];

	/* UDP */
	struct udp_flow *udp;
	uint32_t udp_max;
	uint32_t *udp_hash, udp_hmask;

	struct timer_heap timers;		/* ids: TCP slots, then UDP slots */

	/* DNS */
	struct dns_pending dns[DNS_PENDING_MAX];
	uint32_t dns_token;
	struct dns_binding *bind;
	uint32_t nbind;
	uint64_t nanswered;	/* answers so far, for dns_binding.answered */
	struct ns_ares *ares;

	/* Buffers */
	uint8_t *cbuf;				/* control frames */
	uint8_t *dbuf[NS_TX_BATCH];		/* data frames */
	uint8_t *scratch;			/* TAP read buffer */
	uint8_t *discard;			/* peeked bytes already sent (no SO_PEEK_OFF) */
};

/* core.c */
void ns_count(struct netstack *ns, enum ns_stat s);
void ns_send(struct netstack *ns, const uint8_t *frame, size_t len);
uint32_t ns_random(struct netstack *ns);
void ns_audit(struct netstack *ns, enum ns_audit_kind kind, bool allowed, const char *name,
	      uint32_t addr, uint16_t port, const char *reason);
/* Judge a new flow to @dst (as the guest named it) reaching host address
 * @addr; audits the decision; @names (DNS_NAMES_MAX of them) get the DNS
 * names of @dst that allow it, latest answer first, *@nnames of them. */
bool ns_egress(struct netstack *ns, enum egress_proto proto, uint32_t dst, uint32_t addr,
	       uint16_t port, const char **names, size_t *nnames);
int ns_ep_add(struct netstack *ns, int fd, uint32_t events, uint64_t tag);
void ns_ep_del(struct netstack *ns, int fd);

/* eth.c, arp.c */
void eth_input(struct netstack *ns, const struct pkt *f);
size_t eth_build(struct netstack *ns, uint8_t *buf, const uint8_t *dst, uint16_t type);
void arp_input(struct netstack *ns, const struct pkt *f);
void arp_request_guest(struct netstack *ns);

/* ipv4.c */
void ip4_input(struct netstack *ns, const struct pkt *f, const uint8_t *src_mac);
/* Build Ethernet + IPv4 headers in front of an @l4len-byte payload at
 * buf + ETH_HLEN_ + IP4_HLEN; false if the guest's MAC is not known yet. */
bool ip4_build(struct netstack *ns, uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto,
	       size_t l4len);
/* Gateway-mapped host address for a destination the guest named. */
uint32_t ip4_host_addr(const struct netstack *ns, uint32_t dst);
bool ip4_is_local(const struct netstack *ns, uint32_t addr);

/* icmp.c */
void icmp_input(struct netstack *ns, uint32_t src, uint32_t dst, const struct pkt *l4);
void icmp_unreach(struct netstack *ns, const struct pkt *ip, uint8_t code);

/* udp.c */
void udp_input(struct netstack *ns, uint32_t src, uint32_t dst, const struct pkt *l4,
	       const struct pkt *ip);
void udp_send(struct netstack *ns, uint32_t src, uint16_t sport, uint16_t dport,
	      const void *data, size_t len);
void udp_event(struct netstack *ns, uint32_t idx, uint32_t gen, uint32_t events);
void udp_timer(struct netstack *ns, uint32_t idx);
void udp_close_all(struct netstack *ns);

/* dns.c */
void dns_input(struct netstack *ns, uint16_t gport, const struct pkt *msg);
void dns_expire(struct netstack *ns);
size_t dns_names_for(struct netstack *ns, uint32_t addr, const char **names, size_t max);
void dns_bind(struct netstack *ns, uint32_t addr, const char *name, uint32_t ttl);

/* flow.c */
struct tcp_conn *tcp_lookup(struct netstack *ns, uint32_t raddr, uint16_t rport, uint16_t gport);
struct tcp_conn *tcp_slot_alloc(struct netstack *ns, uint32_t raddr, uint16_t rport,
				uint16_t gport);
void tcp_slot_release(struct netstack *ns, struct tcp_conn *c);
void tcp_embryo_add(struct netstack *ns, struct tcp_conn *c);
void tcp_embryo_del(struct netstack *ns, struct tcp_conn *c);
void tcp_time_wait(struct netstack *ns, struct tcp_conn *c);
struct tcp_conn *tcp_embryo_oldest(struct netstack *ns);
static inline uint32_t tcp_idx(const struct netstack *ns, const struct tcp_conn *c)
{
	return (uint32_t)(c - ns->tcp);
}
struct udp_flow *udp_lookup(struct netstack *ns, uint32_t raddr, uint16_t rport, uint16_t gport);
struct udp_flow *udp_slot_alloc(struct netstack *ns, uint32_t raddr, uint16_t rport,
				uint16_t gport);
void udp_slot_release(struct netstack *ns, struct udp_flow *u);

/* tcp.c, tcp_out.c, tcp_far.c */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TCP_DATA_OFF (ETH_HLEN_ + IP4_HLEN + TCP_HLEN)
#define TCP_RTO_MIN 200
#define TCP_RTO_INIT 1000
#define TCP_RTO_MAX 60000
#define TCP_MAX_RETRIES 12
#define TCP_SYN_RETRIES 6
#define TCP_CONNECT_TIMEOUT 30000
#define TCP_TIME_WAIT_MS 2000
#define TCP_WND_RECHECK 10
#define TCP_WS 7			/* our window scale */
#define TCP_DISCARD_MAX NS_BUF_SIZE	/* in flight without SO_PEEK_OFF */

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LE(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GE(a, b) SEQ_LE(b, a)

/* A segment from the guest, parsed and checked. */
struct tcp_seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	uint16_t mss;		/* 0: no option */
	int8_t ws;		/* -1: no option */
	const uint8_t *data;
	uint32_t len;
};

/* tcp_out.c */
void tcp_send_ctl(struct netstack *ns, struct tcp_conn *c, uint8_t flags);
void tcp_send_probe(struct netstack *ns, struct tcp_conn *c);
void tcp_send_data(struct netstack *ns, struct tcp_conn *c, uint32_t limit);
void tcp_rst_reply(struct netstack *ns, uint32_t src, uint32_t dst, const struct tcp_seg *s);
void tcp_ack_later(struct netstack *ns, struct tcp_conn *c);
void tcp_arm(struct netstack *ns, struct tcp_conn *c);
void tcp_arm_rto(struct netstack *ns, struct tcp_conn *c);
void tcp_retransmit(struct netstack *ns, struct tcp_conn *c, bool timeout);
uint32_t tcp_far_room(struct netstack *ns, struct tcp_conn *c);

/* tcp_ooo.c */
bool tcp_ooo_hold(struct netstack *ns, struct tcp_conn *c, uint32_t seq, const uint8_t *data,
		  uint32_t len, bool fin);
int tcp_ooo_flush(struct netstack *ns, struct tcp_conn *c, bool *fin);
void tcp_ooo_free(struct netstack *ns, struct tcp_conn *c);

/* tcp_far.c */
int tcp_far_connect(struct netstack *ns, struct tcp_conn *c, const char *const *names,
		    size_t nnames);
void tcp_far_discard(struct netstack *ns, struct tcp_conn *c, uint32_t n);
void tcp_reset(struct netstack *ns, struct tcp_conn *c, bool rst_guest);
void tcp_close(struct netstack *ns, struct tcp_conn *c);
void tcp_far_close(struct netstack *ns, struct tcp_conn *c, bool reset);
void tcp_established(struct netstack *ns, struct tcp_conn *c);
int tcp_forwards_open(struct netstack *ns, struct merr *e);

void tcp_input(struct netstack *ns, uint32_t src, uint32_t dst, const struct pkt *l4);
void tcp_event(struct netstack *ns, uint32_t idx, uint32_t gen, uint32_t events);
void tcp_timer(struct netstack *ns, uint32_t idx);
void tcp_flush_acks(struct netstack *ns);
void tcp_close_all(struct netstack *ns);
void tcp_forward_accept(struct netstack *ns, unsigned which);
void tcp_guest_mac_learned(struct netstack *ns);

/* loop.c */
void tap_event(struct netstack *ns, uint32_t events);

/* resolve.c */
int ns_ares_init(struct netstack *ns, struct merr *e);
void ns_ares_free(struct netstack *ns);
bool ns_ares_active(const struct netstack *ns);
int ns_ares_resolve(struct netstack *ns, const char *name, uint32_t token);
void ns_ares_event(struct netstack *ns, int fd, uint32_t events);
/* ms until c-ares wants to be called, -1 if never */
int ns_ares_timeout(struct netstack *ns);
void ns_ares_process_timeouts(struct netstack *ns);

#endif
