// SPDX-License-Identifier: MIT
/*
 * Unit tests: netstack/outbound/http.c - request parsing, judging, header
 * rewriting and injection, framing rejection.  Every row is run twice: the
 * whole request in one piece, and one byte at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netstack/outbound/http.h"
#include "netstack/outbound/inject.h"

#define SECRET "s3cr3t-made-up-value"

static struct policy *pol;
static struct ob_secrets secrets;
static struct ob_inject_ctx ictx;

static const char policy_json[] =
	"{\"rules\": ["
	" {\"name\": \"no-delete\", \"host\": \"api.test\", \"method\": \"DELETE\", \"action\": \"deny\","
	"  \"reason\": \"deleting is not allowed\"},"
	" {\"name\": \"no-admin\", \"host\": \"api.test\", \"path\": \"/admin\", \"action\": \"deny\","
	"  \"reason\": \"the admin API is off limits\"},"
	" {\"name\": \"api\", \"host\": \"api.test\", \"action\": \"allow\","
	"  \"inject\": {\"Authorization\": \"Bearer ${TOKEN}\"}},"
	" {\"name\": \"ws\", \"host\": \"ws.test\", \"action\": \"allow\", \"websocket\": true},"
	" {\"name\": \"plain\", \"host\": \"plain.test\", \"action\": \"allow\","
	"  \"inject\": {\"X-Api-Key\": \"${TOKEN}\"}},"
	" {\"name\": \"plain-ok\", \"host\": \"plainok.test\", \"action\": \"allow\","
	"  \"inject\": {\"X-Api-Key\": \"${TOKEN}\"}, \"plaintext_inject\": true},"
	" {\"name\": \"host\", \"host\": \"127.0.0.1\", \"port\": 8080, \"action\": \"allow\"}"
	"]}";

static int setup(void **state)
{
	struct merr e = { 0 };

	(void)state;
	pol = policy_new();
	if (policy_parse(pol, policy_json, strlen(policy_json), "t", &e))
		fail_msg("%s", e.msg);
	setenv("T_TOKEN", SECRET, 1);
	if (ob_secrets_add(&secrets, "TOKEN=env:T_TOKEN", &e))
		fail_msg("%s", e.msg);
	ictx = (struct ob_inject_ctx){ .secrets = &secrets, .sandbox_id = "sb1" };
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	policy_free(pol);
	ob_secrets_free(&secrets);
	return 0;
}

enum tgt { TLS_API, TLS_WS, PROXY, TLS_OTHER, ADDR_HTTP, GATEWAY, TLS_SHARED };

struct result {
	enum ob_ev ev;			/* OB_EV_DONE, OB_EV_ERROR, or OB_EV_HEAD (judged, not allowed) */
	enum ob_verdict verdict;
	int status;
	char why[512];
	char out[8192];			/* what would go upstream */
	char rule[80];
	struct ob_injected inj;
	struct ob_request rq;
};

static void target(enum tgt which, struct ob_target *t)
{
	memset(t, 0, sizeof(*t));
	switch (which) {
	case TLS_API:
		strcpy(t->host, "api.test");
		break;
	case TLS_WS:
		strcpy(t->host, "ws.test");
		break;
	case TLS_OTHER:
		strcpy(t->host, "other.test");
		break;
	case TLS_SHARED:
		/* two names the guest resolved to one address: either may be used */
		strcpy(t->host, "other.test");
		strcpy(t->also[0], "api.test");
		t->nalso = 1;
		break;
	case PROXY:
		t->proxy = true;
		return;
	case ADDR_HTTP:
		/* netstack gave an address and no name: plain HTTP to it */
		strcpy(t->host, "203.0.113.9");
		t->port = 80;
		return;
	case GATEWAY:
		/* the guest connected to the gateway; netstack went to loopback */
		strcpy(t->host, "127.0.0.1");
		strcpy(t->guest_addr, "10.88.0.1");
		t->port = 8080;
		return;
	}
	t->port = 443;
	t->named = true;
	t->tls = true;
}

static void run(const char *req, size_t len, enum tgt which, size_t step, struct result *res)
{
	struct ob_parser p;
	struct ob_buf out = { .sensitive = true };
	struct ob_target t;
	size_t off = 0;

	memset(res, 0, sizeof(*res));
	target(which, &t);
	assert_int_equal(ob_parser_init(&p, OB_REQUEST), 0);
	res->ev = OB_EV_MORE;
	while (off < len || res->ev == OB_EV_HEAD) {
		size_t n = len - off < step ? len - off : step, used;
		enum ob_ev ev = ob_parser_feed(&p, req + off, n, &used);

		off += used;
		if (ev == OB_EV_HEAD) {
			struct merr e = { 0 };

			ob_http_judge(p.head, &t, pol, &res->rq);
			res->verdict = res->rq.verdict;
			res->status = res->rq.status;
			snprintf(res->why, sizeof(res->why), "%s", res->rq.why);
			snprintf(res->rule, sizeof(res->rule), "%s", policy_rule_name(res->rq.rule));
			if (res->rq.verdict != OB_ALLOW) {
				res->ev = OB_EV_HEAD;
				break;
			}
			assert_int_equal(ob_http_write_request(p.head, &res->rq, &ictx, t.tls, &out,
							       &res->inj, &e), 0);
			ob_parser_body(&p, &out);
			res->ev = OB_EV_MORE;
			continue;
		}
		if (ev == OB_EV_ERROR) {
			res->ev = ev;
			res->status = p.status;
			snprintf(res->why, sizeof(res->why), "%s", p.why);
			break;
		}
		if (ev == OB_EV_DONE) {
			res->ev = ev;
			break;
		}
		if (used == 0 && n == 0)
			break;
	}
	snprintf(res->out, sizeof(res->out), "%.*s", (int)ob_buf_avail(&out), ob_buf_head(&out));
	ob_buf_free(&out);
	ob_parser_free(&p);
}

#define H "Host: api.test\r\n"

struct row {
	const char *req;
	enum tgt t;
	enum ob_ev ev;
	int status;		/* 0: forwarded */
	const char *expect;	/* forwarded: the exact upstream bytes; else a substring of why */
};

static const struct row rows[] = {
	/* forwarded, with the guest's Authorization replaced by the injected one */
	{ "GET /x?q=1 HTTP/1.1\r\n" H "Authorization: Bearer guest\r\nAccept: */*\r\n\r\n", TLS_API, OB_EV_DONE, 0,
	  "GET /x?q=1 HTTP/1.1\r\nHost: api.test\r\nAccept: */*\r\nAuthorization: Bearer " SECRET
	  "\r\nConnection: keep-alive\r\n\r\n" },
	/* case does not matter for the replacement */
	{ "GET / HTTP/1.1\r\n" H "aUtHoRiZaTiOn: x\r\n\r\n", TLS_API, OB_EV_DONE, 0,
	  "GET / HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer " SECRET "\r\nConnection: keep-alive\r\n\r\n" },
	/* hop-by-hop headers and the ones Connection names are dropped */
	{ "GET / HTTP/1.1\r\n" H "Connection: close, X-Drop\r\nX-Drop: 1\r\nKeep-Alive: 5\r\nTE: trailers\r\n"
	  "Proxy-Authorization: Basic eA==\r\nProxy-Connection: keep-alive\r\nX-Keep: 2\r\n\r\n", TLS_API, OB_EV_DONE, 0,
	  "GET / HTTP/1.1\r\nHost: api.test\r\nX-Keep: 2\r\nAuthorization: Bearer " SECRET "\r\nConnection: close\r\n\r\n" },
	/* a Content-Length body is forwarded as counted */
	{ "POST /u HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\nhello", TLS_API, OB_EV_DONE, 0,
	  "POST /u HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer " SECRET
	  "\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello" },
	/* a chunked body is re-chunked: extensions and trailers are gone */
	{ "POST /u HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n01\r\n!\r\n0\r\nX-T: 1\r\n\r\n",
	  TLS_API, OB_EV_DONE, 0,
	  "POST /u HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer " SECRET
	  "\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n" },
	/* HTTP/1.0 without Host: allowed, not kept alive */
	{ "GET / HTTP/1.0\r\n\r\n", TLS_API, OB_EV_DONE, 0,
	  "GET / HTTP/1.0\r\nHost: api.test\r\nAuthorization: Bearer " SECRET "\r\nConnection: close\r\n\r\n" },
	/* the Host header may carry the port */
	{ "GET / HTTP/1.1\r\nHost: API.test:443\r\n\r\n", TLS_API, OB_EV_DONE, 0,
	  "GET / HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer " SECRET "\r\nConnection: keep-alive\r\n\r\n" },
	/* an explicit proxy's plain request: absolute form; no injection in plaintext */
	{ "GET http://plain.test:8080/p?x HTTP/1.1\r\nHost: evil.test\r\nX-Api-Key: guest\r\n\r\n", PROXY, OB_EV_DONE, 0,
	  "GET /p?x HTTP/1.1\r\nHost: plain.test:8080\r\nConnection: keep-alive\r\n\r\n" },
	/* ... unless the rule says so */
	{ "GET http://plainok.test/ HTTP/1.1\r\n\r\n", PROXY, OB_EV_DONE, 0,
	  "GET / HTTP/1.1\r\nHost: plainok.test\r\nX-Api-Key: " SECRET "\r\nConnection: keep-alive\r\n\r\n" },
	/* a guest header an upstream could read as the injected one ('_' for '-') is dropped too */
	{ "GET http://plainok.test/ HTTP/1.1\r\nX_Api_Key: guest\r\nx-api_KEY: guest2\r\nX-Api-Keys: kept\r\n\r\n",
	  PROXY, OB_EV_DONE, 0,
	  "GET / HTTP/1.1\r\nHost: plainok.test\r\nX-Api-Keys: kept\r\nX-Api-Key: " SECRET
	  "\r\nConnection: keep-alive\r\n\r\n" },
	{ "GET http://plainok.test HTTP/1.1\r\n\r\n", PROXY, OB_EV_DONE, 0,
	  "GET / HTTP/1.1\r\nHost: plainok.test\r\nX-Api-Key: " SECRET "\r\nConnection: keep-alive\r\n\r\n" },
	/* no path but a query: the query is kept */
	{ "GET http://plainok.test?q=1&r HTTP/1.1\r\n\r\n", PROXY, OB_EV_DONE, 0,
	  "GET /?q=1&r HTTP/1.1\r\nHost: plainok.test\r\nX-Api-Key: " SECRET "\r\nConnection: keep-alive\r\n\r\n" },
	{ "GET http://plainok.test:8080?q HTTP/1.1\r\n\r\n", PROXY, OB_EV_DONE, 0,
	  "GET /?q HTTP/1.1\r\nHost: plainok.test:8080\r\nX-Api-Key: " SECRET "\r\nConnection: keep-alive\r\n\r\n" },
	/* a WebSocket upgrade where the rule allows it */
	{ "GET /chat HTTP/1.1\r\nHost: ws.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
	  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", TLS_WS, OB_EV_DONE, 0,
	  "GET /chat HTTP/1.1\r\nHost: ws.test\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	  "Sec-WebSocket-Version: 13\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n" },
	/* CONNECT, on the proxy itself */
	{ "CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n\r\n", PROXY, OB_EV_HEAD, 0, "" },

	/* denials name the rule */
	{ "DELETE /x HTTP/1.1\r\n" H "\r\n", TLS_API, OB_EV_HEAD, 403,
	  "request denied by rule \"no-delete\": deleting is not allowed" },
	{ "GET /admin/users HTTP/1.1\r\n" H "\r\n", TLS_API, OB_EV_HEAD, 403,
	  "request denied by rule \"no-admin\": the admin API is off limits" },
	{ "GET /%61dmin HTTP/1.1\r\n" H "\r\n", TLS_API, OB_EV_HEAD, 403, "rule \"no-admin\"" },
	{ "GET //admin HTTP/1.1\r\n" H "\r\n", TLS_API, OB_EV_HEAD, 403, "rule \"no-admin\"" },
	{ "GET / HTTP/1.1\r\nHost: other.test\r\n\r\n", TLS_OTHER, OB_EV_HEAD, 403,
	  "request denied by rule \"default-deny\": no rule allows GET other.test:443/" },
	{ "GET http://nowhere.test/x HTTP/1.1\r\n\r\n", PROXY, OB_EV_HEAD, 403,
	  "no rule allows GET nowhere.test:80/x" },
	{ "GET / HTTP/1.1\r\n" H "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n", TLS_API, OB_EV_HEAD, 403,
	  "rule \"api\": it does not allow WebSocket upgrades" },

	/* ambiguous framing */
	{ "POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", TLS_API,
	  OB_EV_ERROR, 400, "Content-Length" },
	{ "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", TLS_API,
	  OB_EV_ERROR, 400, "Content-Length" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", TLS_API, OB_EV_ERROR, 400,
	  "Content-Length" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", TLS_API, OB_EV_ERROR, 400,
	  "Content-Length" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: 5, 5\r\n\r\nhello", TLS_API, OB_EV_ERROR, 400, "Content-Length" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", TLS_API, OB_EV_ERROR, 400, "Content-Length" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: 99999999999999999999\r\n\r\n", TLS_API, OB_EV_ERROR, 400, "Content-Length" },
	{ "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n\r\n", TLS_API, OB_EV_HEAD, 400,
	  "Transfer-Encoding must be exactly \"chunked\"" },
	{ "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", TLS_API, OB_EV_HEAD, 400,
	  "exactly \"chunked\"" },
	{ "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", TLS_API,
	  OB_EV_HEAD, 400, "repeated Transfer-Encoding" },
	{ "POST / HTTP/1.1\r\n" H "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", TLS_API, OB_EV_HEAD, 400,
	  "header name" },
	{ "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", TLS_API,
	  OB_EV_ERROR, 400, "malformed chunk size" },
	{ "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nx\r\n0\r\n\r\n", TLS_API,
	  OB_EV_ERROR, 400, "malformed chunk size" },
	{ "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", TLS_API,
	  OB_EV_ERROR, 400, "" },
	{ "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", TLS_API,
	  OB_EV_ERROR, 400, "chunk size" },
	/* line endings and folding */
	{ "GET / HTTP/1.1\r\n" H "X-A: 1\r\n continued\r\n\r\n", TLS_API, OB_EV_ERROR, 400, "folding" },
	{ "GET / HTTP/1.1\n" H "\r\n", TLS_API, OB_EV_ERROR, 400, "bare LF" },
	{ "GET / HTTP/1.1\r\n" H "X-A: 1\n\r\n", TLS_API, OB_EV_ERROR, 400, "bare LF" },
	{ "GET / HTTP/1.1\r\n" H "\r\r", TLS_API, OB_EV_ERROR, 400, "bare CR" },
	{ "GET / HTTP/1.1\r\n" H "X-A: a\rb\r\n\r\n", TLS_API, OB_EV_ERROR, 400, "" },
	{ "GET / HTTP/1.1\r\n" H "X-A: a\x01" "b\r\n\r\n", TLS_API, OB_EV_ERROR, 400, "" },
	/* request line and target */
	{ "GARBAGE\r\n\r\n", TLS_API, OB_EV_ERROR, 400, "" },
	{ "GET\r\n\r\n", TLS_API, OB_EV_ERROR, 400, "" },
	{ "GET / HTTP/1.1 extra\r\n" H "\r\n", TLS_API, OB_EV_ERROR, 400, "" },
	{ "FOO / HTTP/1.1\r\n" H "\r\n", TLS_API, OB_EV_ERROR, 400, "" },
	{ "GET / HTTP/2.0\r\n" H "\r\n", TLS_API, OB_EV_HEAD, 505, "HTTP/2.0 is not supported" },
	{ "GET / HTTP/1.2\r\n" H "\r\n", TLS_API, OB_EV_HEAD, 505, "not supported" },
	{ "GET /a/../admin HTTP/1.1\r\n" H "\r\n", TLS_API, OB_EV_HEAD, 400, "path is refused" },
	{ "GET /a%2fb HTTP/1.1\r\n" H "\r\n", TLS_API, OB_EV_HEAD, 400, "path is refused" },
	{ "GET x HTTP/1.1\r\n" H "\r\n", TLS_API, OB_EV_ERROR, 400, "" },
	{ "OPTIONS * HTTP/1.1\r\n" H "\r\n", TLS_API, OB_EV_HEAD, 400, "OPTIONS *" },
	{ "GET / HTTP/1.1\r\n\r\n", TLS_API, OB_EV_HEAD, 400, "needs a Host header" },
	{ "GET / HTTP/1.1\r\n" H H "\r\n", TLS_API, OB_EV_HEAD, 400, "more than one Host" },
	{ "GET / HTTP/1.1\r\nHost: evil.test\r\n\r\n", TLS_API, OB_EV_HEAD, 421, "does not match" },
	/* another name of the connection's address: judged by that name's rules */
	{ "DELETE / HTTP/1.1\r\nHost: api.test\r\n\r\n", TLS_SHARED, OB_EV_HEAD, 403, "deleting is not" },
	{ "DELETE https://api.test/ HTTP/1.1\r\nHost: api.test\r\n\r\n", TLS_SHARED, OB_EV_HEAD, 403,
	  "deleting is not" },
	{ "GET / HTTP/1.1\r\nHost: evil.test\r\n\r\n", TLS_SHARED, OB_EV_HEAD, 421, "does not match" },
	{ "GET https://evil.test/ HTTP/1.1\r\nHost: evil.test\r\n\r\n", TLS_SHARED, OB_EV_HEAD, 421,
	  "another destination" },
	{ "GET / HTTP/1.1\r\nHost: api.test:8443\r\n\r\n", TLS_API, OB_EV_HEAD, 421, "port" },
	{ "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", TLS_API, OB_EV_HEAD, 400, "malformed Host" },
	{ "GET https://evil.test/ HTTP/1.1\r\n" H "\r\n", TLS_API, OB_EV_HEAD, 421, "another destination" },
	{ "GET http://api.test/ HTTP/1.1\r\n" H "\r\n", TLS_API, OB_EV_HEAD, 421, "scheme" },
	{ "GET / HTTP/1.1\r\n" H "\r\n", PROXY, OB_EV_HEAD, 400, "this is a proxy" },
	/* a flow known only by its address is judged by the address: neither a
	 * Host header nor an absolute URL can name a host a rule allows */
	{ "GET / HTTP/1.1\r\nHost: plainok.test\r\n\r\n", ADDR_HTTP, OB_EV_HEAD, 403,
	  "no rule allows GET 203.0.113.9:80/" },
	{ "GET http://plainok.test/ HTTP/1.1\r\n\r\n", ADDR_HTTP, OB_EV_HEAD, 421, "another destination" },
	{ "GET http://203.0.113.9:80/x HTTP/1.1\r\n\r\n", ADDR_HTTP, OB_EV_HEAD, 403,
	  "no rule allows GET 203.0.113.9:80/x" },
	/* to the gateway: the guest's name for it is the destination's; the
	 * upstream gets the URL's host, or the gateway's address, never the
	 * guest's Host, which could pick another site behind the address */
	{ "GET http://10.88.0.1:8080/x HTTP/1.1\r\nHost: other.test\r\n\r\n", GATEWAY, OB_EV_DONE, 0,
	  "GET /x HTTP/1.1\r\nHost: 10.88.0.1:8080\r\nConnection: keep-alive\r\n\r\n" },
	{ "GET http://127.0.0.1:8080/x HTTP/1.1\r\n\r\n", GATEWAY, OB_EV_DONE, 0,
	  "GET /x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\n\r\n" },
	{ "GET /y HTTP/1.1\r\nhost:  Svc.Internal \r\n\r\n", GATEWAY, OB_EV_DONE, 0,
	  "GET /y HTTP/1.1\r\nHost: 10.88.0.1:8080\r\nConnection: keep-alive\r\n\r\n" },
	{ "GET /z HTTP/1.0\r\n\r\n", GATEWAY, OB_EV_DONE, 0,
	  "GET /z HTTP/1.0\r\nHost: 10.88.0.1:8080\r\nConnection: close\r\n\r\n" },
	{ "GET http://10.88.0.1:8081/x HTTP/1.1\r\n\r\n", GATEWAY, OB_EV_HEAD, 421, "another destination" },
	{ "GET http://10.88.0.2:8080/x HTTP/1.1\r\n\r\n", GATEWAY, OB_EV_HEAD, 421, "another destination" },
	{ "GET / HTTP/1.1\r\nHost: 10.88.0.1:8081\r\n\r\n", GATEWAY, OB_EV_HEAD, 421, "port" },
	{ "GET https://api.test/ HTTP/1.1\r\n" H "\r\n", PROXY, OB_EV_HEAD, 400, "CONNECT" },
	{ "GET http://u:p@api.test/ HTTP/1.1\r\n\r\n", PROXY, OB_EV_HEAD, 400, "credentials" },
	{ "CONNECT api.test HTTP/1.1\r\n\r\n", PROXY, OB_EV_HEAD, 400, "HOST:PORT" },
	{ "CONNECT api.test:443 HTTP/1.1\r\n" H "\r\n", TLS_API, OB_EV_HEAD, 405, "only accepted by the proxy" },
};

static void test_requests(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (int mode = 0; mode < 2; mode++) {
			const struct row *w = &rows[i];
			struct result *res = calloc(1, sizeof(*res));

			run(w->req, strlen(w->req), w->t, mode ? 1 : 1 << 20, res);
			if (res->ev != w->ev || res->status != w->status)
				fail_msg("row %zu (%s): event %d status %d (%s), want event %d status %d\n%s", i,
					 mode ? "bytewise" : "whole", res->ev, res->status, res->why, w->ev,
					 w->status, w->req);
			if (w->status == 0 && w->ev == OB_EV_DONE && strcmp(res->out, w->expect))
				fail_msg("row %zu (%s): upstream got\n%s\nwant\n%s", i, mode ? "bytewise" : "whole",
					 res->out, w->expect);
			if (w->status && !strstr(res->why, w->expect))
				fail_msg("row %zu: why \"%s\" lacks \"%s\"", i, res->why, w->expect);
			/* a refused request that arrived whole produces no body bytes
			 * (streamed in pieces, the flow engine aborts the upstream) */
			if (mode == 0 && w->status && w->ev == OB_EV_ERROR && strstr(res->out, "\r\n\r\n") &&
			    strlen(strstr(res->out, "\r\n\r\n")) > 4)
				fail_msg("row %zu: refused, yet body bytes were produced: %s", i, res->out);
			free(res);
		}
	}
}

/* What gets injected is reported by name; plaintext skips are reported. */
/* A misdirected request (421) is audited with its path, normalized. */
static void test_misdirected_path(void **state)
{
	static const char *const reqs[] = {
		"GET /a//b?q HTTP/1.1\r\nHost: evil.test\r\n\r\n",
		"GET https://evil.test/a//b HTTP/1.1\r\nHost: evil.test\r\n\r\n",
		"GET http://api.test/a//b HTTP/1.1\r\nHost: api.test\r\n\r\n",
		"GET /a//b HTTP/1.1\r\nHost: api.test:8443\r\n\r\n",
	};
	struct result *res = calloc(1, sizeof(*res));

	(void)state;
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		run(reqs[i], strlen(reqs[i]), TLS_API, 1 << 20, res);
		assert_int_equal(res->status, 421);
		assert_string_equal(res->rq.path, "/a/b");
	}
	free(res);
}

static void test_injected_names(void **state)
{
	struct result *res = calloc(1, sizeof(*res));
	const char *req = "GET / HTTP/1.1\r\n" H "\r\n";
	const char *plain = "GET http://plain.test/ HTTP/1.1\r\n\r\n";

	(void)state;
	run(req, strlen(req), TLS_API, 1 << 20, res);
	assert_int_equal(res->inj.n, 1);
	assert_string_equal(res->inj.names[0], "TOKEN");
	assert_false(res->inj.skipped_plaintext);
	assert_string_equal(res->rule, "api");
	run(plain, strlen(plain), PROXY, 1 << 20, res);
	assert_int_equal(res->inj.n, 0);
	assert_true(res->inj.skipped_plaintext);
	assert_null(strstr(res->out, SECRET));
	free(res);
}

/* Limits: header section size (431), field count (431), target length (414). */
static void test_limits(void **state)
{
	struct result *res = calloc(1, sizeof(*res));
	char *big = malloc(OB_HEAD_MAX + 1024);
	size_t n;

	(void)state;
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\n" H "X-Big: ");
	memset(big + n, 'a', OB_HEAD_MAX);
	n += OB_HEAD_MAX;
	memcpy(big + n, "\r\n\r\n", 4);
	run(big, n + 4, TLS_API, 1 << 20, res);
	assert_int_equal(res->ev, OB_EV_ERROR);
	assert_int_equal(res->status, 431);
	run(big, n + 4, TLS_API, 4096, res);
	assert_int_equal(res->status, 431);

	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\n" H);
	for (int i = 0; i < OB_FIELDS_MAX; i++)
		n += (size_t)sprintf(big + n, "X-%d: 1\r\n", i);
	n += (size_t)sprintf(big + n, "\r\n");
	run(big, n, TLS_API, 1 << 20, res);
	assert_int_equal(res->status, 431);
	assert_non_null(strstr(res->why, "too many header fields"));

	n = (size_t)sprintf(big, "GET /");
	memset(big + n, 'a', OB_URL_MAX);
	n += OB_URL_MAX;
	n += (size_t)sprintf(big + n, " HTTP/1.1\r\n" H "\r\n");
	run(big, n, TLS_API, 1 << 20, res);
	assert_int_equal(res->status, 414);

	/* just under the limits is fine */
	n = (size_t)sprintf(big, "GET /");
	memset(big + n, 'a', OB_URL_MAX - 1);
	n += OB_URL_MAX - 1;
	n += (size_t)sprintf(big + n, " HTTP/1.1\r\n" H "\r\n");
	run(big, n, TLS_API, 1 << 20, res);
	assert_int_equal(res->ev, OB_EV_DONE);
	free(big);
	free(res);
}

/* Several requests on one connection; a pipelined second waits its turn. */
static void test_keep_alive(void **state)
{
	const char *in = "POST /1 HTTP/1.1\r\n" H "Content-Length: 3\r\n\r\nabc"
			 "GET /2 HTTP/1.1\r\n" H "\r\n";
	struct ob_buf out = { 0 };
	struct ob_target t;
	struct ob_request *rq = calloc(1, sizeof(*rq));
	struct ob_injected inj;
	struct ob_parser p;
	size_t off = 0, used, len = strlen(in);
	int heads = 0, dones = 0;

	(void)state;
	target(TLS_API, &t);
	assert_int_equal(ob_parser_init(&p, OB_REQUEST), 0);
	while (off < len) {
		enum ob_ev ev = ob_parser_feed(&p, in + off, len - off, &used);

		off += used;
		if (ev == OB_EV_HEAD) {
			heads++;
			ob_http_judge(p.head, &t, pol, rq);
			assert_int_equal(rq->verdict, OB_ALLOW);
			assert_string_equal(rq->path, heads == 1 ? "/1" : "/2");
			assert_int_equal(ob_http_write_request(p.head, rq, &ictx, true, &out, &inj, NULL), 0);
			ob_parser_body(&p, &out);
		} else if (ev == OB_EV_DONE) {
			dones++;
			assert_int_equal(p.body_bytes, dones == 1 ? 3 : 0);
			assert_int_equal(ob_parser_next(&p), 0);
		} else {
			assert_int_equal(ev, OB_EV_MORE);
		}
	}
	assert_int_equal(heads, 2);
	assert_int_equal(dones, 2);
	ob_parser_free(&p);
	ob_buf_free(&out);
	free(rq);
}

/* Responses: heads rewritten, bodies copied as received, HEAD has no body. */
static void test_responses(void **state)
{
	static const struct {
		const char *in; bool head_req; enum ob_ev ev; int status; const char *out; uint64_t body;
	} rows[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
		  "Keep-Alive: timeout=5\r\nX-End: 2\r\n\r\nhi",
		  false, OB_EV_DONE, 0,
		  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-End: 2\r\nConnection: keep-alive\r\n\r\nhi", 2 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x\r\nhi\r\n0\r\nT: 1\r\n\r\n", false,
		  OB_EV_DONE, 0,
		  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
		  "2;x\r\nhi\r\n0\r\nT: 1\r\n\r\n", 2 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true, OB_EV_DONE, 0,
		  "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: keep-alive\r\n\r\n", 0 },
		{ "HTTP/1.1 204 No Content\r\n\r\n", false, OB_EV_DONE, 0,
		  "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n", 0 },
		/* a 304's Content-Length is the length of what it did not send;
		 * 204 and 1xx have no body either: each ends at its head */
		{ "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", false, OB_EV_DONE, 0,
		  "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nConnection: keep-alive\r\n\r\n", 0 },
		{ "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", false, OB_EV_DONE, 0,
		  "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n", 0 },
		{ "HTTP/1.1 100 Continue\r\nContent-Length: 3\r\n\r\n", false, OB_EV_DONE, 0,
		  "HTTP/1.1 100 Continue\r\nContent-Length: 3\r\n\r\n", 0 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", false, OB_EV_ERROR, 502, "", 0 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", false, OB_EV_ERROR, 502, "", 0 },
		{ "HTTP/1.1 200 OK\r\nX: a\n\r\n", false, OB_EV_ERROR, 502, "", 0 },
		{ "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", false, OB_EV_ERROR, 502, "", 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ob_parser p;
		struct ob_buf out = { 0 };
		const char *in = rows[i].in;
		size_t off = 0, used, len = strlen(in);
		enum ob_ev ev = OB_EV_MORE;
		char got[1024];

		assert_int_equal(ob_parser_init(&p, OB_RESPONSE), 0);
		p.skip_body = rows[i].head_req;
		while (off < len) {
			ev = ob_parser_feed(&p, in + off, len - off, &used);
			off += used;
			if (ev == OB_EV_HEAD) {
				const char *why = NULL;

				assert_int_equal(ob_http_check_response(p.head, &why), 0);
				assert_int_equal(ob_http_write_response(p.head, true, false, &out), 0);
				ob_parser_body(&p, &out);
			} else if (ev != OB_EV_MORE) {
				break;
			}
		}
		snprintf(got, sizeof(got), "%.*s", (int)ob_buf_avail(&out), ob_buf_head(&out));
		if (ev != rows[i].ev || (ev == OB_EV_ERROR && p.status != rows[i].status))
			fail_msg("row %zu: event %d status %d, want %d %d", i, ev, p.status, rows[i].ev,
				 rows[i].status);
		if (ev == OB_EV_DONE) {
			if (strcmp(got, rows[i].out))
				fail_msg("row %zu: got\n%s\nwant\n%s", i, got, rows[i].out);
			assert_int_equal(p.body_bytes, rows[i].body);
		}
		ob_parser_free(&p);
		ob_buf_free(&out);
	}
}

/* A body that runs to the end of the connection. */
static void test_response_eof(void **state)
{
	const char *in = "HTTP/1.1 200 OK\r\n\r\nsome data";
	struct ob_buf out = { 0 };
	struct ob_parser p;
	size_t used;

	(void)state;
	assert_int_equal(ob_parser_init(&p, OB_RESPONSE), 0);
	assert_int_equal(ob_parser_feed(&p, in, strlen(in), &used), OB_EV_HEAD);
	ob_parser_body(&p, &out);
	assert_int_equal(ob_parser_feed(&p, in + used, strlen(in) - used, &used), OB_EV_MORE);
	assert_int_equal(ob_parser_eof(&p), OB_EV_DONE);
	assert_int_equal(p.body_bytes, 9);
	assert_int_equal(ob_buf_avail(&out), 9);
	ob_parser_free(&p);
	/* cut short: an error */
	in = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome";
	assert_int_equal(ob_parser_init(&p, OB_RESPONSE), 0);
	assert_int_equal(ob_parser_feed(&p, in, strlen(in), &used), OB_EV_HEAD);
	ob_parser_body(&p, &out);
	assert_int_equal(ob_parser_feed(&p, in + used, strlen(in) - used, &used), OB_EV_MORE);
	assert_int_equal(ob_parser_eof(&p), OB_EV_ERROR);
	assert_int_equal(p.status, 502);
	ob_parser_free(&p);
	ob_buf_free(&out);
}

static void test_error_response(void **state)
{
	struct ob_buf out = { 0 };
	char got[512];

	(void)state;
	assert_int_equal(ob_http_write_error(&out, 403, "no-admin", "request denied by rule \"no-admin\": x"), 0);
	snprintf(got, sizeof(got), "%.*s", (int)ob_buf_avail(&out), ob_buf_head(&out));
	assert_string_equal(got,
			    "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"
			    "Content-Length: 52\r\nCache-Control: no-store\r\nX-Moat-Outbound: denied\r\n"
			    "X-Moat-Rule: no-admin\r\nConnection: close\r\n\r\n"
			    "moat outbound: request denied by rule \"no-admin\": x\n");
	ob_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_misdirected_path),
		cmocka_unit_test(test_injected_names),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_response_eof),
		cmocka_unit_test(test_error_response),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
