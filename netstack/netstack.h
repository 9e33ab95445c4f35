/* SPDX-License-Identifier: MIT */
/*
 * netstack.h - moat's user-space TCP/IP stack: the public interface.
 *
 * A netstack owns one TAP device, the guest network namespace's only
 * interface, and answers every frame the guest sends on it: ARP, IPv4, ICMP
 * echo to the gateway, UDP, TCP and DNS.  Each guest TCP connection is
 * terminated here and continued on a "far side" socket (a host TCP socket, or
 * any stream socket a connector callback returns, such as a unix socket to
 * the HTTP layer); each UDP flow is continued on a host UDP socket.  The
 * egress policy (egress.h) decides which destinations may be reached.
 *
 * Two ways to drive it:
 *   - netstack_run(): the whole life of a netstack process.  It confines the
 *     process (closes fds, drops capabilities, loads its seccomp allowlist)
 *     and then runs the event loop until the TAP device goes away.
 *   - netstack_new() + netstack_input() + netstack_poll(): the same stack
 *     driven by hand, with frames going to a callback and an injectable
 *     clock.  Unit tests and the fuzzer use this.
 *
 * docs/network.md describes the addressing, the data path and what is not
 * implemented.
 */
#ifndef MOAT_NETSTACK_H
#define MOAT_NETSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "netstack/egress.h"

/* Default addressing (host byte order): the guest is 10.88.0.2/24, and
 * 10.88.0.1 is both its gateway and its DNS server. */
#define NS_DEFAULT_GUEST	0x0a580002u
#define NS_DEFAULT_GATEWAY	0x0a580001u
#define NS_DEFAULT_PREFIX	24
#define NS_DEFAULT_MTU		65520
#define NS_MIN_MTU		576
#define NS_MAX_MTU		65520
#define NS_DEFAULT_TCP_FLOWS	16384
#define NS_DEFAULT_UDP_FLOWS	1024
#define NS_MAX_FORWARDS		8
#define NS_MAX_HOSTS		64
#define NS_MAX_DNS_NAME		253

struct netstack;

/* What a flow is about; passed to the connector and the egress hook. */
struct ns_flow_info {
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t guest_addr;		/* host order */
	uint16_t guest_port;
	uint32_t dst_addr;		/* the destination the guest named */
	uint16_t dst_port;
	uint32_t host_addr;		/* where the far side connects (gateway -> 127.0.0.1) */
	const char *name;		/* the DNS name the guest resolved to dst_addr, or NULL */
	const char *const *also;	/* other names it resolved to dst_addr that allow the
					 * flow, latest answer first: @nalso of them */
	size_t nalso;
};

/**
 * typedef ns_connect_fn - open the far side of a guest TCP flow
 * @ctx:	config's connect_ctx
 * @fi:		the flow
 * @e:		error to fill
 *
 * Return: a non-blocking, close-on-exec stream socket whose connection may
 * still be in progress (the stack waits for it to become writable and reads
 * SO_ERROR), or -errno.  The stack owns the fd from then on.
 */
typedef int (*ns_connect_fn)(void *ctx, const struct ns_flow_info *fi, struct merr *e);

/**
 * netstack_direct_connect() - the default far side: a non-blocking TCP socket
 * connecting to fi->host_addr:fi->dst_port (for connectors that hand some flows
 * elsewhere and leave the rest as they were)
 * Return: the socket, or -errno
 */
int netstack_direct_connect(const struct ns_flow_info *fi, struct merr *e);

/* Things the stack reports for the audit log. */
enum ns_audit_kind { NS_AUDIT_DNS, NS_AUDIT_TCP, NS_AUDIT_UDP };

struct ns_audit_event {
	enum ns_audit_kind kind;
	bool allowed;
	const char *name;		/* DNS name, or the name bound to addr, or NULL */
	uint32_t addr;			/* destination (host order), 0 for a DNS query */
	uint16_t port;
	const char *reason;		/* why (egress_decide()'s reason) */
};

typedef void (*ns_audit_fn)(void *ctx, const struct ns_audit_event *ev);

/**
 * netstack_audit_json() - format @ev as one JSON line (with '\n')
 * Return: its length, or -ENOSPC if @cap is too small
 */
int netstack_audit_json(const struct ns_audit_event *ev, char *buf, size_t cap);

/*
 * Name resolution for the DNS server.  The stack calls resolve() for a name
 * the egress policy allows; the resolver answers, now or later from the event
 * loop, with netstack_dns_answer() and the same @token.
 */
typedef int (*ns_resolve_fn)(void *ctx, struct netstack *ns, const char *name,
			     uint32_t token);

/* DNS answer status for netstack_dns_answer() */
enum ns_dns_status { NS_DNS_OK, NS_DNS_NXDOMAIN, NS_DNS_SERVFAIL };

/**
 * netstack_dns_answer() - complete a resolve() call
 * @ns:		the stack
 * @token:	the token resolve() was given
 * @status:	outcome
 * @addrs:	IPv4 addresses, host order (ignored unless NS_DNS_OK)
 * @n:		how many
 * @ttl:	seconds the answer may be cached
 */
void netstack_dns_answer(struct netstack *ns, uint32_t token, enum ns_dns_status status,
			 const uint32_t *addrs, size_t n, uint32_t ttl);

/* A static name -> address answer (checked before any resolver). */
struct ns_host {
	char name[NS_MAX_DNS_NAME + 1];
	uint32_t addr;
};

/* -p HOSTPORT:GUESTPORT: a listener on host_addr:host_port whose connections
 * are opened into the guest's guest_port. */
struct ns_forward {
	uint32_t host_addr;		/* as is: 127.0.0.1 unless the -p string named one */
	uint16_t host_port;
	uint16_t guest_port;
};

/**
 * netstack_forward_parse() - "HOSTPORT:GUESTPORT" or "ADDR:HOSTPORT:GUESTPORT"
 * Return: 0 or -EINVAL (with @e)
 */
int netstack_forward_parse(const char *s, struct ns_forward *f, struct merr *e);

struct netstack_config {
	/* Addressing, host byte order. */
	uint32_t guest_addr;
	uint32_t gateway_addr;
	uint32_t dns_addr;		/* usually the gateway */
	unsigned prefix_len;
	uint8_t gateway_mac[6];
	unsigned mtu;
	/* TCP and UDP to the gateway reach the host's 127.0.0.1 (still subject
	 * to egress: loopback needs a rule that names it). */
	bool map_gateway_to_loopback;

	/* Egress: the policy decides unless egress is set. */
	const struct egress_policy *policy;
	egress_decide_fn egress;
	void *egress_ctx;
	ns_audit_fn audit;
	void *audit_ctx;

	/* Far side of TCP flows: a direct host socket unless connect is set. */
	ns_connect_fn connect;
	void *connect_ctx;

	/* DNS */
	const struct ns_host *hosts;
	size_t nhosts;
	ns_resolve_fn resolve;		/* NULL: only hosts[] and c-ares (dns_servers) */
	void *resolve_ctx;
	const char *dns_servers;	/* c-ares upstreams "ip[:port],..."; NULL: none */
	bool dns_use_system;		/* c-ares with the host's /etc/resolv.conf */
	bool dns_refused;		/* REFUSED rather than NXDOMAIN for denied names */

	/* -p forwards */
	const struct ns_forward *forwards;
	size_t nforwards;

	/* Limits */
	unsigned max_tcp_flows;
	unsigned max_udp_flows;

	/* netstack_run() only */
	int ctl_fd;			/* -1, or an fd whose hang-up (or input) ends the loop */
	int ready_fd;			/* -1, or a socket that hears "+" once set up and
					   confined, or "!" and why set-up failed */
	int stats_fd;			/* -1, or where "name value" lines go at the end */
	bool no_confine;		/* tests: skip the seccomp/capability steps */
	const int *keep_fds;		/* fds netstack_run() must not close (audit log) */
	size_t nkeep_fds;
};

/* The system calls netstack_run() allows once confined. */
extern const int netstack_syscalls[];
extern const size_t netstack_nsyscalls;

/** netstack_config_init() - the defaults above, deny-all egress */
void netstack_config_init(struct netstack_config *cfg);

/**
 * netstack_run() - be a netstack process until the TAP device closes
 * @cfg:	configuration (policy and tables are read, not copied)
 * @tapfd:	an open TAP fd (IFF_TAP | IFF_NO_PI)
 * @e:		error to fill
 *
 * Makes the TAP device persistent, so that it goes with its network
 * namespace rather than with @tapfd (a TAP device in a namespace that
 * outlives the process stays there until the namespace goes).  Raises
 * RLIMIT_NOFILE for the flow table, then confines the process (closes
 * every fd but @tapfd, the stack's own and cfg->keep_fds; drops every
 * capability; loads the seccomp allowlist netstack_syscalls[]) before it
 * reads the first frame.  Returns when the TAP fd fails or hangs up, or when
 * cfg->ctl_fd becomes readable or hangs up (the sentry keeps the other end of
 * a socket pair: its death ends the netstack).  SIGPIPE is ignored; other
 * signals keep their default actions (SIGTERM ends the process).  At most 16
 * fds are kept in all (TAP, epoll, ctl, stats, -p listeners, keep_fds; the
 * ready fd must be one of them).
 *
 * Return: 0, or -errno (with @e) if set-up failed.
 */
int netstack_run(const struct netstack_config *cfg, int tapfd, struct merr *e);

/* Counters; the names are in netstack_stat_name(). */
enum ns_stat {
	NS_RX_FRAMES, NS_RX_BYTES, NS_TX_FRAMES, NS_TX_BYTES,
	NS_DROP_ETH,		/* short frame, not for us, unknown type */
	NS_DROP_IPV6,		/* IPv6 is not offered */
	NS_DROP_ARP,		/* malformed or not for us */
	NS_DROP_IP,		/* bad header, length, checksum, source, fragment */
	NS_DROP_ICMP,
	NS_DROP_UDP,
	NS_DROP_TCP_MALFORMED,	/* bad length, checksum, flags or options */
	NS_DROP_TCP_WINDOW,	/* out-of-window or out-of-order segment */
	NS_DROP_TCP_NOFLOW,	/* segment for no connection (answered with RST) */
	NS_DROP_DNS,
	NS_TCP_DENIED, NS_UDP_DENIED, NS_DNS_DENIED,
	NS_TCP_OPENED, NS_TCP_CLOSED, NS_TCP_RESET, NS_TCP_FULL,
	NS_TCP_RETRANSMIT, NS_TCP_PROBES,
	NS_TCP_OOO_HELD,	/* a segment past a gap, held until the gap fills */
	NS_UDP_FLOWS, NS_DNS_QUERIES,
	NS_STAT_COUNT
};

const char *netstack_stat_name(enum ns_stat s);

/* ---- driving a stack by hand (tests, fuzzing) ---- */

/* Where frames go: the whole frame, Ethernet header included. */
typedef void (*ns_tx_fn)(void *ctx, const void *frame, size_t len);
/* The clock, in milliseconds of CLOCK_MONOTONIC (or anything monotonic). */
typedef uint64_t (*ns_clock_fn)(void *ctx);

/**
 * netstack_new() - a stack that sends frames to @tx
 * @cfg:	configuration (copied; tables it points to must outlive the stack)
 * @tx, @tx_ctx:	frame sink
 * @clock, @clock_ctx:	time source; NULL for CLOCK_MONOTONIC
 * @out:	the new stack
 * @e:		error to fill
 *
 * Return: 0 or -errno.
 */
int netstack_new(const struct netstack_config *cfg, ns_tx_fn tx, void *tx_ctx,
		 ns_clock_fn clock, void *clock_ctx, struct netstack **out, struct merr *e);

/** netstack_free() - close every flow and free @ns (NULL is fine) */
void netstack_free(struct netstack *ns);

/** netstack_input() - process one frame from the guest */
void netstack_input(struct netstack *ns, const void *frame, size_t len);

/**
 * netstack_poll() - wait up to @timeout_ms for far-side sockets, handle them,
 * run expired timers and send pending acknowledgements
 * Return: number of events handled, or -errno from epoll_wait
 */
int netstack_poll(struct netstack *ns, int timeout_ms);

/** netstack_stat() - one counter */
uint64_t netstack_stat(const struct netstack *ns, enum ns_stat s);

/** netstack_epoll_fd() - the stack's epoll fd (readable when it has work) */
int netstack_epoll_fd(const struct netstack *ns);

#endif
