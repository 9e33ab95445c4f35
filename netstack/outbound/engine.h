/* SPDX-License-Identifier: MIT */
/*
 * engine.h - outbound's internals, shared by server.c (the loop), flow.c (one
 * flow's state machine) and conn.c (moving bytes between a socket, OpenSSL
 * and a flow's buffers).  Not an interface for other components: see
 * outbound.h.
 *
 * A flow has two ends: down (the guest's stream) and up (the connection
 * outbound opened to the destination).  Each end has plaintext buffers @in
 * (received, not yet processed) and @out (to send); a TLS end also has @raw,
 * ciphertext OpenSSL produced that the socket has not taken yet.  OpenSSL
 * works on memory BIOs, never on the sockets.
 *
 * Bounds: an end is not read while its @in holds OB_IN_MAX bytes; nothing is
 * produced for an end whose @out holds OB_OUT_HIGH; OpenSSL is not given more
 * to encrypt while @raw holds OB_OUT_HIGH.  So a flow holds at most a few
 * hundred KiB whatever its peers do, and a peer that stops reading stops the
 * flow, not the process.
 */
#ifndef MOAT_OUTBOUND_ENGINE_H
#define MOAT_OUTBOUND_ENGINE_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "inject.h"
#include "outbound.h"

#define OB_IO_CHUNK (64 * 1024)
#define OB_IN_MAX (256 * 1024)
#define OB_OUT_HIGH (256 * 1024)
#define OB_HELLO_MAX (64 * 1024)	/* ClientHello bytes kept for a passthrough replay */
#define OB_DRAIN_MS 2000		/* linger after a final response */
#define OB_IDLE_DEFAULT 120		/* seconds */
#define OB_CHANNELS_MAX 16

struct ob_end {
	int fd;
	SSL *ssl;
	struct ob_buf in, out, raw;
	uint32_t events;	/* registered with epoll; 0: not registered */
	bool eof;		/* the peer will send nothing more */
	bool reset;		/* ... because the connection was reset */
	bool shut;		/* our sending side is shut down */
	bool hs;		/* a TLS handshake is in progress */
	uint64_t rx, tx;	/* plaintext bytes received and sent */
};

enum ob_phase {
	PH_FRONT,	/* explicit proxy: absolute-form requests or CONNECT */
	PH_SNIFF,	/* destination known; the first byte says TLS or not */
	PH_HELLO,	/* the guest's TLS handshake */
	PH_HTTP,	/* requests and responses */
	PH_TUNNEL,	/* bytes relayed as they are (passthrough, WebSocket) */
	PH_DRAIN,	/* a last response goes out, then the flow closes */
	PH_DEAD,
};

enum ob_upstate { UP_NONE, UP_RESOLVING, UP_CONNECTING, UP_HANDSHAKE, UP_READY };

struct ob_flow {
	struct ob_server *srv;
	uint32_t slot, gen;
	struct ob_end down, up;
	enum ob_phase ph;
	struct ob_target tgt;		/* where requests go (policy's view) */
	struct ob_flow_dest dest;	/* the flow's destination (empty in PH_FRONT) */
	bool dest_trusted;		/* dest.addr came from netstack */
	uint64_t deadline;		/* ms, monotonic */
	uint64_t started;		/* us, monotonic */

	/* the upstream connection */
	enum ob_upstate ups;
	char up_host[POLICY_HOST_MAX + 1];
	uint16_t up_port;
	bool up_tls;
	bool up_keep;			/* the upstream keeps the connection open */
	bool up_reused;			/* the exchange went over a connection that
					 * served an earlier one */
	uint64_t up_taken;		/* plaintext bytes taken from up.out so far */

	/* the exchange in progress: one request, then its response */
	struct ob_parser req, resp;
	struct ob_request *rq;
	struct ob_injected inj;
	bool exch;			/* a request went upstream; its response is due */
	bool req_done;			/* ... and all of it was read from the guest */
	bool resp_started;		/* the guest has bytes of the final response */
	unsigned interim;		/* the status of a 1xx relayed before it, or 0 */
	bool close_after;		/* close once this response is out */
	bool logged;			/* the exchange has its audit line */
	size_t mark_avail;		/* up.out before this request's head */
	uint64_t mark_taken;		/* up_taken then */
	uint64_t t0;			/* us, when the request was judged */

	/* TLS interception */
	struct ob_buf hello;		/* raw ClientHello, for a passthrough replay */
	bool passthrough;
	const struct policy_rule *conn_rule;
	char misdirect[256];		/* set: every request gets 421 with this */
};

struct ob_server {
	struct ob_config cfg;
	struct ob_inject_ctx ictx;
	int ep, sigfd, listen_fd, flow_listen_fd;
	int chans[OB_CHANNELS_MAX];
	struct ob_resolver *res;
	SSL_CTX *down_ctx;
	struct ob_flow **flows;
	uint32_t *gens;
	uint32_t nflows, live;
	uint64_t last_sweep;
	bool stop;
};

/* epoll tags: flows carry (gen << 32 | slot << 1 | up); generation 0 marks
 * the server's own fds, whose kind is in the low bits. */
enum { TAG_LISTEN = 1, TAG_FLOW_LISTEN, TAG_SIGNAL, TAG_RESOLVER, TAG_CHANNEL };

static inline uint64_t ob_tag_flow(const struct ob_flow *f, bool up)
{
	return (uint64_t)f->gen << 32 | (uint64_t)f->slot << 1 | (up ? 1 : 0);
}

uint64_t ob_now_us(void);

/* conn.c */
ssize_t ob_end_recv(struct ob_end *e, struct ob_buf *tap);
int ob_end_decrypt(struct ob_end *e);
void ob_end_collect(struct ob_end *e);
int ob_end_send(struct ob_end *e, uint64_t *taken);
bool ob_end_pending(const struct ob_end *e);
SSL *ob_end_tls(struct ob_end *e, SSL_CTX *ctx, bool server);
void ob_end_close(struct ob_end *e, bool reset);

/* flow.c: the driver, and what both files use to end things.
 * ob_flow_audit() writes the exchange's audit line (once); ob_flow_finish()
 * lets down.out drain, then closes; ob_flow_kill() ends the flow now (with a
 * reset for the guest if asked); ob_flow_send_error() answers with a response
 * of outbound's own, then finishes. */
void ob_flow_audit(struct ob_flow *f, int status, const char *decision, const char *reason);
void ob_flow_finish(struct ob_flow *f);
void ob_flow_kill(struct ob_flow *f, bool reset_guest);
void ob_flow_send_error(struct ob_flow *f, int status, const char *rule, const char *msg);
void ob_up_close(struct ob_flow *f, bool reset);

/* exchange.c: ob_up_*() open and fail the upstream connection; the step
 * functions make what progress the buffers allow and say if they made any. */
void ob_up_start(struct ob_flow *f, const char *host, uint16_t port, bool tls);
void ob_up_handshake(struct ob_flow *f);
void ob_up_connected(struct ob_flow *f);
void ob_up_fail(struct ob_flow *f, int status, const char *msg);
bool ob_request_step(struct ob_flow *f);
bool ob_response_step(struct ob_flow *f);

/* flow.c */
struct ob_flow *ob_flow_new(struct ob_server *s, int fd, enum ob_phase ph,
			    const struct ob_flow_dest *d, bool trusted);
void ob_flow_event(struct ob_flow *f, bool up, uint32_t events);
void ob_flow_resolved(struct ob_flow *f, const struct ob_answer *a);
void ob_flow_timer(struct ob_flow *f, uint64_t now_ms);
void ob_flow_free(struct ob_flow *f);
int ob_flow_hello_cb(SSL *s, int *al, void *arg);

/* server.c */
int ob_server_watch(struct ob_server *s, struct ob_flow *f, struct ob_end *e, bool up,
		    uint32_t events);
void ob_server_release(struct ob_server *s, struct ob_flow *f);

#endif
