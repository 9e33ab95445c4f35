// SPDX-License-Identifier: MIT
/*
 * exchange.c - a flow's HTTP exchanges and the upstream connection they go
 * over (flow.c drives the flow; see its comment for the phases).
 *
 * One exchange at a time: a request is read from the guest and judged; if
 * allowed, its rewritten head goes to up.out and the upstream connection is
 * opened (or reused, for the very same destination); the body streams after
 * the head; the response streams back to the guest; keep-alive returns to
 * the next request.  Whatever fails is answered as long as the guest has seen
 * no byte of the response (403, 4xx, 502, 504), and cut off otherwise.
 */
#include "engine.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* ---- the upstream connection -------------------------------------------- */

void ob_up_fail(struct ob_flow *f, int status, const char *msg)
{
	log_info("upstream %s:%u: %s", f->up_host, f->up_port, msg);
	ob_up_close(f, false);
	if (f->ph == PH_TUNNEL) {
		ob_flow_kill(f, true);
		return;
	}
	if (f->exch && !f->resp_started) {
		ob_flow_audit(f, status, status == 403 ? "deny" : "error", msg);
		ob_flow_send_error(f, status, status == 403 ? policy_rule_name(f->rq->rule) : NULL, msg);
	} else {
		if (f->exch)
			ob_flow_audit(f, 0, "error", msg);
		ob_flow_kill(f, true);
	}
	f->exch = false;
}

static const struct policy_rule *deciding_rule(const struct ob_flow *f)
{
	return f->ph == PH_TUNNEL ? f->conn_rule : f->rq->rule;
}

void ob_up_handshake(struct ob_flow *f)
{
	char why[256], msg[400];
	int r = SSL_do_handshake(f->up.ssl);

	ob_end_collect(&f->up);
	if (r == 1) {
		f->up.hs = false;
		f->ups = UP_READY;
		return;
	}
	switch (SSL_get_error(f->up.ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		if (!f->up.eof)
			return;
		/* the upstream closed mid-handshake */
		__attribute__((fallthrough));
	default:
		snprintf(msg, sizeof(msg), "TLS with the upstream %s failed: %s", f->up_host,
			 ob_tls_error(f->up.ssl, why, sizeof(why)));
		ob_up_fail(f, 502, msg);
	}
}

void ob_up_connected(struct ob_flow *f)
{
	int err = 0;
	socklen_t len = sizeof(err);
	char msg[400];

	if (getsockopt(f->up.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		snprintf(msg, sizeof(msg), "cannot connect to %s:%u: %s", f->up_host, f->up_port, strerror(err));
		ob_up_fail(f, 502, msg);
		return;
	}
	if (!f->up_tls) {
		f->ups = UP_READY;
		return;
	}
	if (!ob_end_tls(&f->up, f->srv->cfg.upstream, false) ||
	    ob_tls_client_setup(f->up.ssl, f->up_host, f->up_port, policy_host_is_ip(f->up_host)) < 0) {
		ob_up_fail(f, 502, "cannot set up TLS for the upstream");
		return;
	}
	f->ups = UP_HANDSHAKE;
	ob_up_handshake(f);
}

static void up_connect(struct ob_flow *f, const struct sockaddr_storage *ss, socklen_t len,
		       bool trusted)
{
	char ip[INET6_ADDRSTRLEN], msg[400];
	int one = 1, fd;

	if (!trusted && ob_addr_is_private((const struct sockaddr *)ss)) {
		ob_addr_str((const struct sockaddr *)ss, ip, sizeof(ip));
		if (!policy_rule_names_address(deciding_rule(f), ip)) {
			snprintf(msg, sizeof(msg),
				 "%s is %s, a private or local address; only a rule that names %s can allow it",
				 f->up_host, ip, ip);
			ob_up_fail(f, 403, msg);
			return;
		}
	}
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(msg, sizeof(msg), "cannot open a socket: %s", strerror(errno));
		ob_up_fail(f, 502, msg);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	f->up.fd = fd;
	f->ups = UP_CONNECTING;
	if (connect(fd, (const struct sockaddr *)ss, len) < 0 && errno != EINPROGRESS) {
		snprintf(msg, sizeof(msg), "cannot connect to %s:%u: %s", f->up_host, f->up_port,
			 strerror(errno));
		ob_up_fail(f, 502, msg);
		return;
	}
	if (ob_server_watch(f->srv, f, &f->up, true, EPOLLIN | EPOLLOUT) < 0)
		ob_up_fail(f, 502, "cannot watch the upstream socket");
}

/* Open the upstream connection for @host:@port (@tls: with TLS). */
void ob_up_start(struct ob_flow *f, const char *host, uint16_t port, bool tls)
{
	const struct ob_config *cfg = &f->srv->cfg;
	struct sockaddr_storage ss;
	socklen_t len;
	char msg[400];

	snprintf(f->up_host, sizeof(f->up_host), "%s", host);
	f->up_port = port;
	f->up_tls = tls;
	f->up_keep = true;
	f->up.fd = -1;
	f->up.out.sensitive = true;
	for (size_t i = 0; i < cfg->npins; i++) {
		if (!strcmp(cfg->pins[i].host, host) && cfg->pins[i].port == port) {
			up_connect(f, &cfg->pins[i].addr, cfg->pins[i].addrlen, true);
			return;
		}
	}
	if (f->dest.addrlen) {
		ss = f->dest.addr;
		up_connect(f, &ss, f->dest.addrlen, f->dest_trusted);
		return;
	}
	if (ob_addr_parse(host, port, &ss, &len) == 0) {
		up_connect(f, &ss, len, false);
		return;
	}
	if (!f->srv->res) {
		snprintf(msg, sizeof(msg), "no address for %s (names are not resolved here)", host);
		ob_up_fail(f, 502, msg);
		return;
	}
	if (ob_resolver_ask(f->srv->res, ob_tag_flow(f, true), host, port) < 0) {
		ob_up_fail(f, 503, "too many name lookups at once; try again");
		return;
	}
	f->ups = UP_RESOLVING;
}

void ob_flow_resolved(struct ob_flow *f, const struct ob_answer *a)
{
	char msg[400];

	if (f->ups != UP_RESOLVING)
		return;
	if (a->err) {
		snprintf(msg, sizeof(msg), "cannot resolve %s: %s", f->up_host, a->why);
		ob_up_fail(f, 502, msg);
	} else {
		up_connect(f, &a->addr, a->addrlen, false);
	}
	/* no socket event follows a lookup: drive the flow (a refusal to send,
	 * or a death to reap) */
	ob_flow_event(f, false, 0);
}

/* ---- requests ----------------------------------------------------------- */

/*
 * The request's head into up.out (its body follows), and the response's
 * parser made ready for the answer.  Return: 0, or -1 once the guest was
 * answered 500.
 */
static int send_head(struct ob_flow *f, bool tls)
{
	struct ob_request *rq = f->rq;
	struct merr e = { 0 };

	f->up.out.sensitive = true;
	f->mark_avail = ob_buf_avail(&f->up.out);
	f->mark_taken = f->up_taken;
	if (ob_http_write_request(f->req.head, rq, &f->srv->ictx, tls, &f->up.out, &f->inj, &e) < 0) {
		ob_flow_audit(f, 500, "error", e.msg);
		ob_flow_send_error(f, 500, NULL, e.msg);
		return -1;
	}
	if (ob_parser_next(&f->resp) < 0) {
		ob_flow_send_error(f, 500, NULL, "out of memory");
		return -1;
	}
	f->resp.skip_body = !strcmp(rq->method, "HEAD");
	return 0;
}

static void begin_exchange(struct ob_flow *f)
{
	struct ob_request *rq = f->rq;
	bool tls = f->ph == PH_FRONT ? false : f->tgt.tls;

	/* the upstream: reuse it only for the very same destination */
	if (f->ups != UP_NONE &&
	    (strcmp(f->up_host, rq->host) || f->up_port != rq->port || f->up_tls != tls ||
	     !f->up_keep || f->up.eof))
		ob_up_close(f, false);
	f->up_reused = f->ups != UP_NONE;
	if (send_head(f, tls) < 0)
		return;
	ob_parser_body(&f->req, &f->up.out);
	f->exch = true;
	f->req_done = false;
	f->resp_started = false;
	f->interim = 0;
	f->close_after = !rq->keep_alive;
	if (f->ups == UP_NONE)
		ob_up_start(f, rq->host, rq->port, tls);
}

/*
 * A connection to an address the guest chose, named only by its TLS hello:
 * the name's credentials go only where a DNS answer for the name leads, or
 * to an address its rule names.  Any server with a certificate for the name
 * (a wildcard one, shared by other hosts of the domain) would pass the
 * upstream's verification, so that alone cannot keep them from another host.
 */
static void check_sni_named(struct ob_flow *f)
{
	struct ob_request *rq = f->rq;
	char ip[INET6_ADDRSTRLEN];

	if (!rq->rule || !rq->rule->ninject || !f->dest.addrlen)
		return;
	ob_addr_str((const struct sockaddr *)&f->dest.addr, ip, sizeof(ip));
	if (policy_rule_names_address(rq->rule, ip))
		return;
	rq->verdict = OB_DENY;
	rq->status = 403;
	snprintf(rq->why, sizeof(rq->why),
		 "request denied by rule \"%s\": its credentials go only to the addresses a DNS answer gives for %s, "
		 "and this connection is to %s, an address the guest chose (connect by name)",
		 rq->rule->name, rq->host, f->tgt.guest_addr[0] ? f->tgt.guest_addr : ip);
}

static void judge(struct ob_flow *f)
{
	struct ob_request *rq = f->rq;
	struct ob_target front = { .proxy = true };
	const struct ob_target *t = f->ph == PH_FRONT ? &front : &f->tgt;

	f->logged = false;
	f->t0 = ob_now_us();
	memset(&f->inj, 0, sizeof(f->inj));
	ob_http_judge(f->req.head, t, f->srv->cfg.policy, rq);
	/* the first request names the flow's name, of those of its address */
	if (f->ph != PH_FRONT && f->tgt.named && ob_target_names(&f->tgt, rq->host))
		ob_target_take(&f->tgt, rq->host);
	log_debug("%s %s:%u%s: %s by %s%s%s", rq->method, rq->host[0] ? rq->host : f->tgt.host,
		  rq->port ? rq->port : f->tgt.port, rq->path,
		  rq->verdict == OB_ALLOW ? "allowed" : rq->verdict == OB_CONNECT ? "tunnel" : "refused",
		  policy_rule_name(rq->rule), rq->why[0] ? ": " : "", rq->why);
	if (f->misdirect[0] && rq->verdict != OB_REJECT) {
		rq->verdict = OB_REJECT;
		rq->status = 421;
		snprintf(rq->why, sizeof(rq->why), "%s", f->misdirect);
	}
	if (rq->verdict == OB_ALLOW && f->tgt.sni_named)
		check_sni_named(f);
	switch (rq->verdict) {
	case OB_CONNECT:
		/* the head's last LF is still in down.in (http.h): it is the
		 * request's, not the tunnel's */
		ob_buf_consume(&f->down.in, 1);
		if (ob_buf_puts(&f->down.out, "HTTP/1.1 200 Connection established\r\n\r\n") < 0 ||
		    ob_parser_next(&f->req) < 0) {
			ob_flow_kill(f, true);
			return;
		}
		ob_up_close(f, false);
		memset(&f->dest, 0, sizeof(f->dest));
		f->dest.port = rq->port;
		if (ob_addr_parse(rq->host, rq->port, &f->dest.addr, &f->dest.addrlen) < 0)
			snprintf(f->dest.host, sizeof(f->dest.host), "%s", rq->host);
		f->dest_trusted = false;
		snprintf(f->tgt.host, sizeof(f->tgt.host), "%s", rq->host);
		f->tgt.port = rq->port;
		f->tgt.named = f->dest.host[0] != '\0';
		f->tgt.tls = false;
		f->tgt.proxy = false;
		f->ph = PH_SNIFF;
		return;
	case OB_DENY:
		ob_flow_audit(f, rq->status, "deny", rq->why);
		ob_flow_send_error(f, rq->status, policy_rule_name(rq->rule), rq->why);
		return;
	case OB_REJECT:
		ob_flow_audit(f, rq->status, "reject", rq->why);
		ob_flow_send_error(f, rq->status, NULL, rq->why);
		return;
	case OB_ALLOW:
		begin_exchange(f);
		return;
	}
}

/* The request broke off: refuse it, and make sure the upstream cannot take
 * what it already has for a complete request. */
static void request_error(struct ob_flow *f, int status, const char *why)
{
	char msg[300];

	snprintf(msg, sizeof(msg), "bad request: %s", why);
	if (f->exch) {
		if (f->up_taken > f->mark_taken + f->mark_avail || f->up.ssl) {
			ob_up_close(f, true);
		} else {
			ob_buf_truncate(&f->up.out, f->mark_avail);
			ob_up_close(f, false);
		}
		f->exch = false;
	}
	if (!f->logged)
		ob_flow_audit(f, status, "reject", msg);
	if (f->resp_started)
		ob_flow_kill(f, true);
	else
		ob_flow_send_error(f, status, NULL, msg);
}

bool ob_request_step(struct ob_flow *f)
{
	bool progress = false;

	while (f->ph == PH_HTTP || f->ph == PH_FRONT) {
		size_t used;
		enum ob_ev ev;

		if (f->exch && f->req_done)
			break;		/* the response comes first */
		if (!ob_buf_avail(&f->down.in)) {
			if (!f->down.eof)
				break;
			if (f->exch) {
				/* the guest stopped in the middle of its body */
				ob_flow_audit(f, 0, "error", "the guest closed the connection in the middle of a request");
				ob_up_close(f, true);
				ob_flow_kill(f, false);
			} else {
				ob_flow_finish(f);	/* between requests: a clean end, once the
						 * last response has gone out */
			}
			return true;
		}
		if (f->exch && ob_buf_avail(&f->up.out) >= OB_OUT_HIGH)
			break;
		ev = ob_parser_feed(&f->req, ob_buf_head(&f->down.in), ob_buf_avail(&f->down.in), &used);
		ob_buf_consume(&f->down.in, used);
		progress |= used > 0;
		switch (ev) {
		case OB_EV_MORE:
			if (!used && !f->down.eof)
				return progress;
			if (!used && f->down.eof) {
				ob_buf_reset(&f->down.in);
				continue;
			}
			break;
		case OB_EV_HEAD:
			judge(f);
			progress = true;
			break;
		case OB_EV_DONE:
			f->req_done = true;
			progress = true;
			break;
		case OB_EV_ERROR:
			request_error(f, f->req.status, f->req.why);
			return true;
		}
	}
	return progress;
}

/* ---- responses ---------------------------------------------------------- */

static void release_idle(struct ob_end *e)
{
	if (!ob_buf_avail(&e->in))
		ob_buf_free(&e->in);
	if (!ob_buf_avail(&e->out))
		ob_buf_free(&e->out);
	if (!ob_buf_avail(&e->raw))
		ob_buf_free(&e->raw);
}

static void response_done(struct ob_flow *f)
{
	ob_flow_audit(f, (int)f->resp.head->status, "allow", NULL);
	f->exch = false;
	if (!f->req_done)
		f->close_after = true;	/* the upstream answered before the body was in */
	if (!f->up_keep || f->up.eof)
		ob_up_close(f, false);
	if (f->close_after) {
		ob_flow_finish(f);
		return;
	}
	if (ob_parser_next(&f->req) < 0) {
		ob_flow_kill(f, true);
		return;
	}
	/* between requests an idle flow keeps no buffers */
	release_idle(&f->down);
	release_idle(&f->up);
}

static void response_error(struct ob_flow *f, const char *why)
{
	char msg[400];

	snprintf(msg, sizeof(msg), "the upstream %s: %s", f->up_host, why);
	log_info("%s", msg);
	ob_up_close(f, true);
	f->exch = false;
	if (!f->resp_started) {
		ob_flow_audit(f, 502, "error", msg);
		ob_flow_send_error(f, 502, NULL, msg);
	} else {
		ob_flow_audit(f, (int)f->resp.head->status, "error", msg);
		ob_flow_kill(f, true);	/* the guest sees the body break off */
	}
}

static bool idempotent(const char *method)
{
	static const char *const m[] = { "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" };

	for (size_t i = 0; i < ARRAY_SIZE(m); i++)
		if (!strcmp(method, m[i]))
			return true;
	return false;
}

/*
 * An upstream may close an idle keep-alive connection just as the next
 * request goes out on it (RFC 9112 section 9.3.1).  A request that may be
 * repeated (idempotent, no body), sent on such a reused connection that gave
 * no byte of an answer, goes once more on a new connection.
 * Return: true if it did
 */
static bool retry_request(struct ob_flow *f)
{
	bool tls = f->up_tls;

	if (!f->up_reused || !f->req_done || f->rq->has_body || f->req.body_bytes || f->interim ||
	    !idempotent(f->rq->method) || ob_parser_in_message(&f->resp))
		return false;
	log_info("upstream %s:%u closed a kept-alive connection; sending %s again on a new one",
		 f->up_host, f->up_port, f->rq->method);
	ob_up_close(f, false);
	f->up_reused = false;
	if (send_head(f, tls) < 0)
		f->exch = false;
	else
		ob_up_start(f, f->rq->host, f->rq->port, tls);
	return true;
}

bool ob_response_step(struct ob_flow *f)
{
	bool progress = false;

	while (f->exch && f->ups == UP_READY) {
		size_t used;
		enum ob_ev ev;
		const char *why;

		if (!ob_buf_avail(&f->up.in)) {
			bool began = ob_parser_in_message(&f->resp);
			char after[128];

			if (!f->up.eof)
				break;
			if (retry_request(f))
				return true;
			ev = ob_parser_eof(&f->resp);
			if (ev == OB_EV_DONE) {
				f->up_keep = false;
				f->close_after = true;
				response_done(f);
			} else if (!began && f->interim) {
				snprintf(after, sizeof(after),
					 "%s the connection after %u%s, before the final response",
					 f->up.reset ? "reset" : "closed", f->interim,
					 f->interim == 100 ? " Continue" : "");
				response_error(f, after);
			} else {
				response_error(f, !began ?
							  (f->up.reset ? "reset the connection before answering" :
									 "closed the connection before answering") :
						  f->up.reset ? "reset the connection in the middle of the response" :
								f->resp.why);
			}
			return true;
		}
		if (ob_buf_avail(&f->down.out) >= OB_OUT_HIGH)
			break;
		ev = ob_parser_feed(&f->resp, ob_buf_head(&f->up.in), ob_buf_avail(&f->up.in), &used);
		ob_buf_consume(&f->up.in, used);
		progress |= used > 0;
		switch (ev) {
		case OB_EV_MORE:
			if (!used)
				return progress;
			break;
		case OB_EV_HEAD: {
			const struct ob_head *h = f->resp.head;
			bool keep;

			if (ob_http_check_response(h, &why) < 0) {
				response_error(f, why);
				return true;
			}
			if (h->status == 101) {
				if (!f->rq->websocket || !h->upgrade) {
					response_error(f, "switched protocols without being asked to");
					return true;
				}
				ob_http_write_response(h, false, true, &f->down.out);
				ob_parser_body(&f->resp, NULL);
			} else if (h->status < 200) {
				/* interim: the final response has not started, so
				 * a failure from here on is still answered with 502 */
				ob_http_write_response(h, true, false, &f->down.out);
				ob_parser_body(&f->resp, NULL);
				f->interim = h->status;
				progress = true;
				break;
			} else {
				f->up_keep = h->keep_alive;
				keep = h->keep_alive && !f->close_after && f->req_done;
				f->close_after = !keep;
				if (ob_http_write_response(h, keep, false, &f->down.out) < 0) {
					ob_flow_kill(f, true);
					return true;
				}
				ob_parser_body(&f->resp, &f->down.out);
			}
			f->resp_started = true;
			progress = true;
			break;
		}
		case OB_EV_DONE:
			if (f->resp.head->status == 101) {
				ob_flow_audit(f, 101, "allow", NULL);
				f->exch = false;
				f->ph = PH_TUNNEL;
				return true;
			}
			if (f->resp.head->status < 200) {
				if (ob_parser_next(&f->resp) < 0) {
					ob_flow_kill(f, true);
					return true;
				}
				f->resp.skip_body = !strcmp(f->rq->method, "HEAD");
				break;
			}
			response_done(f);
			return true;
		case OB_EV_ERROR:
			response_error(f, f->resp.why);
			return true;
		}
	}
	return progress;
}
