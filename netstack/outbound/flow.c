// SPDX-License-Identifier: MIT
/*
 * flow.c - one flow, from its first byte to its close: the phases, TLS from
 * the guest, tunnels, and the driver that moves bytes on each event (see
 * outbound.h for the big picture, engine.h for the buffers; the HTTP
 * exchanges themselves are in exchange.c).
 *
 *   PH_FRONT   explicit proxy: each request is absolute-form (judged and sent
 *              to its own destination) or CONNECT (the flow gets a destination
 *              and goes to PH_SNIFF)
 *   PH_SNIFF   a flow with a destination: 0x16 starts TLS (PH_HELLO), anything
 *              else is plain HTTP (PH_HTTP)
 *   PH_HELLO   the ClientHello's server name decides: passthrough (the hello is
 *              replayed to the upstream, PH_TUNNEL) or interception (a leaf
 *              certificate for the name, then PH_HTTP)
 *   PH_HTTP    one exchange at a time: a request is read and judged, its head
 *              rewritten and its body streamed upstream; the response streams
 *              back; keep-alive returns here for the next request
 *   PH_TUNNEL  bytes both ways, unparsed (passthrough, an accepted WebSocket)
 *   PH_DRAIN   a last response (403, 4xx, 5xx) goes out, then the flow closes
 *
 * Requests are never pipelined upstream: the next request is read only when
 * the previous response is complete.  A request refused after part of it went
 * upstream (bad chunking in the middle of a body) resets the upstream
 * connection, so the upstream sees a broken request, never a different one.
 */
#include "engine.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "log.h"
#include "util.h"

uint64_t ob_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void touch(struct ob_flow *f)
{
	unsigned idle = f->srv->cfg.idle_timeout ? f->srv->cfg.idle_timeout : OB_IDLE_DEFAULT;

	if (f->ph != PH_DRAIN)
		f->deadline = ob_now_us() / 1000 + (uint64_t)idle * 1000;
}

/* ---- audit -------------------------------------------------------------- */

void ob_flow_audit(struct ob_flow *f, int status, const char *decision, const char *reason)
{
	const struct ob_request *rq = f->rq;
	/* the names of injected headers only if the head left (a byte of it was
	 * taken past what up.out held before it): one refused or failed before it
	 * reached the upstream carried nothing */
	struct ob_injected none = { .skipped_plaintext = f->inj.skipped_plaintext };
	bool sent = f->up_taken > f->mark_taken + f->mark_avail;
	struct ob_audit a = {
		.sandbox = f->srv->cfg.sandbox_id,
		.method = rq->method,
		.host = rq->host[0] ? rq->host : f->tgt.host,
		.port = rq->port ? rq->port : f->tgt.port,
		.path = rq->path,
		.tls = f->tgt.tls,
		.status = status,
		.bytes_up = f->req.body_bytes,
		.bytes_down = f->resp.body_bytes,
		.rule = rq->rule || !strcmp(decision, "deny") ? policy_rule_name(rq->rule) : "",
		.decision = decision,
		.reason = reason,
		.injected = sent ? &f->inj : &none,
		.latency_us = f->t0 ? ob_now_us() - f->t0 : 0,
	};

	if (f->logged)
		return;
	f->logged = true;
	if (ob_audit_write(f->srv->cfg.audit_fd, &a) < 0)
		log_warn("cannot write the audit log: %s", strerror(errno));
}

static void audit_tunnel(struct ob_flow *f)
{
	struct ob_audit a = {
		.sandbox = f->srv->cfg.sandbox_id,
		.method = "",
		.host = f->tgt.host,
		.port = f->tgt.port,
		.path = "",
		.tls = true,
		.bytes_up = f->down.rx,
		.bytes_down = f->down.tx,
		.rule = policy_rule_name(f->conn_rule),
		.decision = "passthrough",
		.latency_us = ob_now_us() - f->started,
	};

	if (f->passthrough && !f->logged) {
		f->logged = true;
		ob_audit_write(f->srv->cfg.audit_fd, &a);
	}
}

/* ---- endings ------------------------------------------------------------ */

void ob_up_close(struct ob_flow *f, bool reset)
{
	ob_end_close(&f->up, reset);
	f->ups = UP_NONE;
}

/* Stop serving requests: what is in down.out goes out, then the flow closes. */
void ob_flow_finish(struct ob_flow *f)
{
	if (f->ph == PH_DRAIN || f->ph == PH_DEAD)
		return;
	f->ph = PH_DRAIN;
	f->deadline = ob_now_us() / 1000 + OB_DRAIN_MS;
	ob_up_close(f, false);
}

void ob_flow_kill(struct ob_flow *f, bool reset_guest)
{
	if (f->ph == PH_TUNNEL)
		audit_tunnel(f);
	if (reset_guest && f->down.fd >= 0)
		ob_end_close(&f->down, true);
	f->ph = PH_DEAD;
}

/* A response outbound makes itself; the flow closes after it. */
void ob_flow_send_error(struct ob_flow *f, int status, const char *rule, const char *msg)
{
	/* after what the guest is still owed: earlier responses, a 1xx */
	if (ob_http_write_error(&f->down.out, status, rule, msg) < 0) {
		ob_flow_kill(f, true);
		return;
	}
	ob_flow_finish(f);
}

/* ---- TLS from the guest ------------------------------------------------- */

int ob_flow_hello_cb(SSL *s, int *al, void *arg)
{
	struct ob_flow *f = SSL_get_app_data(s);
	char sni[POLICY_HOST_MAX + 2], name[POLICY_HOST_MAX + 1];
	const struct policy_rule *r;
	struct merr e = { 0 };
	EVP_PKEY *key;
	X509 *cert;
	bool as_addr;
	int n;

	(void)arg;
	n = ob_tls_hello_sni(s, sni, sizeof(sni));
	if (n < 0 || (n > 0 && policy_normalize_host(sni, (size_t)n, name) < 0)) {
		*al = SSL_AD_UNRECOGNIZED_NAME;
		return SSL_CLIENT_HELLO_ERROR;
	}
	if (n == 0) {
		if (!f->tgt.host[0]) {
			*al = SSL_AD_UNRECOGNIZED_NAME;
			return SSL_CLIENT_HELLO_ERROR;
		}
		snprintf(name, sizeof(name), "%s", f->tgt.host);
	}
	/* An address as the server name (clients do not send one, RFC 6066,
	 * but a guest may) is the destination's, or the one the guest knows it
	 * by: the flow goes to that address, never to another one's rules. */
	as_addr = !f->tgt.named && policy_host_is_ip(name);
	if (f->tgt.named && ob_target_names(&f->tgt, name))
		ob_target_take(&f->tgt, name);	/* one of the address's names: the flow's now */
	if (as_addr && strcmp(name, f->tgt.host) && strcmp(name, f->tgt.guest_addr)) {
		snprintf(f->misdirect, sizeof(f->misdirect),
			 "the TLS server name %s does not match the destination %s", name,
			 f->tgt.guest_addr[0] ? f->tgt.guest_addr : f->tgt.host);
	} else if (f->tgt.named && strcmp(name, f->tgt.host)) {
		snprintf(f->misdirect, sizeof(f->misdirect),
			 "the TLS server name %s does not match the destination %s", name, f->tgt.host);
	} else if (!f->misdirect[0]) {
		/* An unnamed flow is judged by its address: a name in the hello
		 * could claim anything, so it never selects passthrough. */
		r = policy_match(f->srv->cfg.policy, f->tgt.named ? name : f->tgt.host, f->tgt.port,
				 NULL, NULL);
		if (policy_rule_action(r) == POLICY_PASSTHROUGH) {
			const unsigned char *ech;
			size_t len;

			/* An encrypted hello's real server name is not the one
			 * judged (its outer one is a front's, for many sites). */
			if (SSL_client_hello_get0_ext(s, OB_TLSEXT_ECH, &ech, &len)) {
				*al = SSL_AD_UNSUPPORTED_EXTENSION;
				return SSL_CLIENT_HELLO_ERROR;
			}
			f->passthrough = true;
			f->conn_rule = r;
			return SSL_CLIENT_HELLO_RETRY;
		}
		if (!f->tgt.named && !as_addr) {
			snprintf(f->tgt.host, sizeof(f->tgt.host), "%s", name);
			f->tgt.named = f->tgt.sni_named = true;
		}
	}
	/* Without a server name the client checks the address it connected to,
	 * which for the gateway is not the one the flow is judged by. */
	if (ob_ca_leaf(f->srv->cfg.ca, n == 0 && f->tgt.guest_addr[0] ? f->tgt.guest_addr : name,
		       &cert, &key, &e) < 0) {
		log_warn("%s", e.msg);
		*al = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	if (SSL_use_certificate(s, cert) != 1 || SSL_use_PrivateKey(s, key) != 1) {
		*al = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	f->tgt.tls = true;
	return SSL_CLIENT_HELLO_SUCCESS;
}

static void start_passthrough(struct ob_flow *f)
{
	SSL_free(f->down.ssl);
	f->down.ssl = NULL;
	f->down.hs = false;
	ob_buf_reset(&f->down.raw);
	f->down.rx = ob_buf_avail(&f->hello);
	/* the ClientHello goes to the upstream as the guest sent it */
	f->up.out.sensitive = true;
	if (ob_buf_append(&f->up.out, ob_buf_head(&f->hello), ob_buf_avail(&f->hello)) < 0) {
		ob_flow_kill(f, true);
		return;
	}
	ob_buf_free(&f->hello);
	f->ph = PH_TUNNEL;
	ob_up_start(f, f->tgt.host, f->tgt.port, false);
}

static void guest_handshake(struct ob_flow *f)
{
	char why[256];
	int r = SSL_do_handshake(f->down.ssl);

	ob_end_collect(&f->down);
	if (r == 1) {
		f->down.hs = false;
		ob_buf_free(&f->hello);
		f->ph = PH_HTTP;
		return;
	}
	switch (SSL_get_error(f->down.ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		if (f->down.eof)
			ob_flow_kill(f, false);
		return;
	case SSL_ERROR_WANT_CLIENT_HELLO_CB:
		if (f->passthrough) {
			start_passthrough(f);
			return;
		}
		__attribute__((fallthrough));
	default:
		log_info("TLS handshake with the guest (for %s) failed: %s", f->tgt.host,
			 ob_tls_error(NULL, why, sizeof(why)));
		ob_flow_kill(f, false);
	}
}

static void sniff(struct ob_flow *f)
{
	if (!ob_buf_avail(&f->down.in)) {
		if (f->down.eof)
			ob_flow_kill(f, false);
		return;
	}
	if ((unsigned char)ob_buf_head(&f->down.in)[0] != 0x16) {
		f->ph = PH_HTTP;
		return;
	}
	if (!ob_end_tls(&f->down, f->srv->down_ctx, true)) {
		ob_flow_kill(f, true);
		return;
	}
	SSL_set_app_data(f->down.ssl, f);
	f->ph = PH_HELLO;
	/* what already arrived goes to OpenSSL, and is kept for a replay */
	if (ob_buf_append(&f->hello, ob_buf_head(&f->down.in), ob_buf_avail(&f->down.in)) < 0 ||
	    BIO_write(SSL_get_rbio(f->down.ssl), ob_buf_head(&f->down.in),
		      (int)ob_buf_avail(&f->down.in)) <= 0) {
		ob_flow_kill(f, true);
		return;
	}
	ob_buf_reset(&f->down.in);
	guest_handshake(f);
}

/* ---- tunnels ------------------------------------------------------------ */

static bool relay(struct ob_buf *from, struct ob_buf *to)
{
	size_t n = MIN(ob_buf_avail(from), OB_OUT_HIGH - MIN(ob_buf_avail(to), (size_t)OB_OUT_HIGH));

	if (!n || ob_buf_append(to, ob_buf_head(from), n) < 0)
		return false;
	ob_buf_consume(from, n);
	return true;
}

static bool tunnel_step(struct ob_flow *f)
{
	bool progress = relay(&f->down.in, &f->up.out);

	if (f->ups == UP_READY || f->ups == UP_NONE)
		progress |= relay(&f->up.in, &f->down.out);
	/* one side ended: what the other has in flight goes out, then both close */
	if ((f->down.eof && !ob_buf_avail(&f->down.in) && !ob_end_pending(&f->up)) ||
	    (f->up.eof && !ob_buf_avail(&f->up.in) && !ob_end_pending(&f->down))) {
		audit_tunnel(f);
		f->logged = true;
		ob_flow_finish(f);
		progress = true;
	}
	return progress;
}

/* ---- the driver --------------------------------------------------------- */

static bool step(struct ob_flow *f)
{
	bool progress = false;

	/* TLS bytes OpenSSL holds but the buffers had no room for before */
	if (f->down.ssl && !f->down.hs && ob_buf_avail(&f->down.in) < OB_IN_MAX) {
		size_t before = ob_buf_avail(&f->down.in);
		int r = ob_end_decrypt(&f->down);

		if (r < 0) {
			ob_flow_kill(f, false);
			return true;
		}
		if (r == 1)
			f->down.eof = true;
		progress |= ob_buf_avail(&f->down.in) != before;
	}
	if (f->up.ssl && f->ups == UP_HANDSHAKE)
		ob_up_handshake(f);
	if (f->up.ssl && f->ups == UP_READY && ob_buf_avail(&f->up.in) < OB_IN_MAX) {
		size_t before = ob_buf_avail(&f->up.in);
		int r = ob_end_decrypt(&f->up);

		if (r < 0) {
			f->up.eof = f->up.reset = true;
		} else if (r == 1) {
			f->up.eof = true;
		}
		progress |= ob_buf_avail(&f->up.in) != before;
	}
	switch (f->ph) {
	case PH_SNIFF:
		sniff(f);
		return f->ph != PH_SNIFF;
	case PH_HELLO:
		guest_handshake(f);
		return f->ph != PH_HELLO;
	case PH_FRONT:
	case PH_HTTP:
		if (f->exch)
			progress |= ob_response_step(f);
		progress |= ob_request_step(f);
		return progress;
	case PH_TUNNEL:
		return tunnel_step(f) || progress;
	case PH_DRAIN:
		ob_buf_reset(&f->down.in);
		return progress;
	case PH_DEAD:
		return false;
	}
	return progress;
}

static void flush(struct ob_flow *f)
{
	int r;

	if (f->down.fd >= 0) {
		r = ob_end_send(&f->down, NULL);
		if (r < 0) {
			ob_flow_kill(f, false);
			return;
		}
	}
	if (f->up.fd >= 0 && (f->ups == UP_READY || f->ups == UP_HANDSHAKE)) {
		r = ob_end_send(&f->up, &f->up_taken);
		if (r < 0) {
			f->up.eof = f->up.reset = true;
		}
	}
	/* PH_DRAIN: once the last response is out, say so and wait for the
	 * guest to close (closing at once could reset what it has not read) */
	if (f->ph == PH_DRAIN && !f->down.shut && !ob_end_pending(&f->down)) {
		if (f->down.ssl && !f->down.hs) {
			SSL_shutdown(f->down.ssl);
			ob_end_collect(&f->down);
			if (ob_end_send(&f->down, NULL) < 0 || ob_end_pending(&f->down))
				return;
		}
		shutdown(f->down.fd, SHUT_WR);
		f->down.shut = true;
	}
}

static void watch(struct ob_flow *f)
{
	uint32_t ev;

	if (f->down.fd >= 0) {
		ev = 0;
		if (!f->down.eof && ob_buf_avail(&f->down.in) < OB_IN_MAX)
			ev |= EPOLLIN;
		if (ob_end_pending(&f->down) && !f->down.shut)
			ev |= EPOLLOUT;
		if (ob_server_watch(f->srv, f, &f->down, false, ev) < 0)
			ob_flow_kill(f, true);
	}
	if (f->up.fd >= 0 && f->ups != UP_CONNECTING) {
		ev = 0;
		if (!f->up.eof && ob_buf_avail(&f->up.in) < OB_IN_MAX)
			ev |= EPOLLIN;
		if (ob_end_pending(&f->up) && (f->ups == UP_READY || f->ups == UP_HANDSHAKE))
			ev |= EPOLLOUT;
		if (ob_server_watch(f->srv, f, &f->up, true, ev) < 0)
			ob_up_fail(f, 502, "cannot watch the upstream socket");
	}
}

static void read_end(struct ob_flow *f, bool up)
{
	struct ob_end *e = up ? &f->up : &f->down;
	ssize_t n;

	if (e->fd < 0 || e->eof || ob_buf_avail(&e->in) >= OB_IN_MAX)
		return;
	n = ob_end_recv(e, !up && f->ph == PH_HELLO ? &f->hello : NULL);
	if (n > 0) {
		touch(f);
		if (e->ssl && !e->hs) {
			int r = ob_end_decrypt(e);

			if (r == 1)
				e->eof = true;
			else if (r < 0)
				e->eof = e->reset = true;
		}
		return;
	}
	if (n == -EAGAIN)
		return;
	e->eof = true;
	if (n < 0)
		e->reset = true;
}

/* What flush() can change: bytes sent, bytes waiting, sides that ended. */
static uint64_t io_state(const struct ob_flow *f)
{
	return (f->down.tx + f->up.tx + ob_buf_avail(&f->down.raw) + ob_buf_avail(&f->up.raw)) << 2 |
	       (uint64_t)f->down.eof << 1 | (uint64_t)f->up.eof;
}

void ob_flow_event(struct ob_flow *f, bool up, uint32_t events)
{
	if (up && f->ups == UP_CONNECTING) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		ob_up_connected(f);
	} else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		read_end(f, up);
	}
	for (int i = 0; i < 64 && f->ph != PH_DEAD; i++) {
		bool progress = step(f);
		uint64_t before = io_state(f);

		if (f->ph == PH_DEAD)
			break;
		flush(f);
		/* go on while anything moved, or a failed send ended a side */
		if (!progress && before == io_state(f))
			break;
	}
	if (f->ph == PH_DRAIN && f->down.shut && f->down.eof)
		f->ph = PH_DEAD;
	if (f->ph == PH_DEAD) {
		ob_server_release(f->srv, f);
		return;
	}
	watch(f);
	if (f->ph == PH_DEAD)
		ob_server_release(f->srv, f);
}

void ob_flow_timer(struct ob_flow *f, uint64_t now_ms)
{
	if (now_ms < f->deadline)
		return;
	if (f->ph == PH_DRAIN || f->ph == PH_DEAD) {
		ob_flow_kill(f, false);
	} else if (f->exch && !f->resp_started) {
		ob_flow_audit(f, 504, "error", "the upstream did not answer in time");
		ob_flow_send_error(f, 504, NULL, "the upstream did not answer in time");
		ob_flow_event(f, false, 0);
		return;
	} else {
		if (f->exch)
			ob_flow_audit(f, 0, "error", "the exchange timed out");
		ob_flow_kill(f, true);
	}
	ob_server_release(f->srv, f);
}

struct ob_flow *ob_flow_new(struct ob_server *s, int fd, enum ob_phase ph,
			    const struct ob_flow_dest *d, bool trusted)
{
	struct ob_flow *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->rq = calloc(1, sizeof(*f->rq));
	if (!f->rq || ob_parser_init(&f->req, OB_REQUEST) < 0 || ob_parser_init(&f->resp, OB_RESPONSE) < 0) {
		ob_parser_free(&f->req);
		free(f->rq);
		free(f);
		return NULL;
	}
	f->srv = s;
	f->down.fd = fd;
	f->up.fd = -1;
	f->up.out.sensitive = true;
	f->ph = ph;
	f->started = ob_now_us();
	if (d) {
		f->dest = *d;
		f->dest_trusted = trusted;
		f->tgt.port = d->port;
		snprintf(f->tgt.guest_addr, sizeof(f->tgt.guest_addr), "%s", d->guest_addr);
		if (d->host[0]) {
			snprintf(f->tgt.host, sizeof(f->tgt.host), "%s", d->host);
			f->tgt.named = true;
			for (unsigned i = 0; i < d->nalso && i < ARRAY_SIZE(f->tgt.also); i++)
				snprintf(f->tgt.also[f->tgt.nalso++], sizeof(f->tgt.also[0]), "%s",
					 d->also[i]);
		} else {
			ob_addr_str((const struct sockaddr *)&d->addr, f->tgt.host, sizeof(f->tgt.host));
		}
	}
	touch(f);
	return f;
}

void ob_flow_free(struct ob_flow *f)
{
	ob_end_close(&f->down, false);
	ob_end_close(&f->up, false);
	ob_parser_free(&f->req);
	ob_parser_free(&f->resp);
	ob_buf_free(&f->hello);
	free(f->rq);
	free(f);
}
