// SPDX-License-Identifier: MIT
/*
 * judge.c - deciding on a parsed request, and writing the heads that go on to
 * the other side (see http.h).
 *
 * Judging checks what the lenient parser let through (header names are
 * tokens, values have no control characters, one Host, framing that means one
 * thing, a target of the form the connection calls for), normalizes host and
 * path, and asks the policy.  Writing builds each head anew: canonical first
 * line, the end-to-end headers minus hop-by-hop ones and minus injected names,
 * then what outbound adds.
 */
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inject.h"
#include "util.h"

bool ob_target_names(const struct ob_target *t, const char *name)
{
	if (!strcmp(name, t->host))
		return true;
	for (unsigned i = 0; i < t->nalso && i < ARRAY_SIZE(t->also); i++)
		if (!strcmp(name, t->also[i]))
			return true;
	return false;
}

void ob_target_take(struct ob_target *t, const char *name)
{
	if (strcmp(name, t->host))
		snprintf(t->host, sizeof(t->host), "%s", name);
	t->nalso = 0;
}

static bool tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool field_is(const struct ob_head *h, const struct ob_field *f, const char *name)
{
	return strlen(name) == f->name_len && !strncasecmp(h->buf + f->name, name, f->name_len);
}

/* A value without its surrounding whitespace. */
static void trimmed(const struct ob_head *h, const struct ob_field *f, const char **v, size_t *len)
{
	const char *s = h->buf + f->value;
	size_t n = f->value_len;

	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*v = s;
	*len = n;
}

/* Does a comma-separated list value hold @token (case-insensitive)? */
static bool list_has(const char *v, size_t len, const char *token)
{
	size_t tl = strlen(token), i = 0;

	while (i < len) {
		size_t start, end;

		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		start = i;
		while (i < len && v[i] != ',')
			i++;
		end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (end - start == tl && !strncasecmp(v + start, token, tl))
			return true;
	}
	return false;
}

static bool header_has(const struct ob_head *h, const char *name, const char *token)
{
	for (unsigned i = 0; i < h->nf; i++) {
		const char *v;
		size_t n;

		if (!field_is(h, &h->f[i], name))
			continue;
		trimmed(h, &h->f[i], &v, &n);
		if (list_has(v, n, token))
			return true;
	}
	return false;
}

static int check_fields(const struct ob_head *h, const char **why)
{
	for (unsigned i = 0; i < h->nf; i++) {
		const struct ob_field *f = &h->f[i];

		if (f->name_len == 0) {
			*why = "an empty header name";
			return -1;
		}
		for (uint32_t k = 0; k < f->name_len; k++)
			if (!tchar((unsigned char)h->buf[f->name + k])) {
				*why = "a header name with characters a token cannot have (spaces, separators)";
				return -1;
			}
		for (uint32_t k = 0; k < f->value_len; k++) {
			unsigned char c = (unsigned char)h->buf[f->value + k];

			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				*why = "a control character in a header value";
				return -1;
			}
		}
	}
	return 0;
}

__attribute__((format(printf, 4, 5)))
static void verdict(struct ob_request *rq, enum ob_verdict v, int status, const char *fmt, ...)
{
	va_list ap;

	rq->verdict = v;
	rq->status = status;
	va_start(ap, fmt);
	vsnprintf(rq->why, sizeof(rq->why), fmt, ap);
	va_end(ap);
}

/* Copy printable ASCII of @s (for messages that echo the guest's input). */
static void printable_copy(char *dst, size_t dsz, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < dsz; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[o] = '\0';
}

/* "host[:port]" or "[v6][:port]" into a normalized host and a port. */
static int parse_authority(const char *s, size_t n, char *host, uint16_t *port, bool *has_port)
{
	const char *colon = NULL;
	size_t hl = n;

	*has_port = false;
	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close)
			return -EINVAL;
		hl = (size_t)(close - s) + 1;
		if (hl < n) {
			if (s[hl] != ':')
				return -EINVAL;
			colon = s + hl;
		}
	} else {
		colon = memchr(s, ':', n);
		if (colon)
			hl = (size_t)(colon - s);
	}
	if (colon) {
		size_t pl = n - (size_t)(colon - s) - 1;
		unsigned long v = 0;

		if (pl == 0 || pl > 5)
			return -EINVAL;
		for (size_t i = 1; i <= pl; i++) {
			if (colon[i] < '0' || colon[i] > '9')
				return -EINVAL;
			v = v * 10 + (unsigned long)(colon[i] - '0');
		}
		if (v == 0 || v > 65535)
			return -EINVAL;
		*port = (uint16_t)v;
		*has_port = true;
	}
	return policy_normalize_host(s, hl, host);
}

/* The request's path for the audit record of a request refused before its
 * path was judged (421): normalized where it can be, else left empty. */
static void path_for_audit(const struct ob_head *h, struct ob_request *rq)
{
	if (rq->target_len == 0 || h->buf[rq->target] == '?')
		strcpy(rq->path, "/");
	else if (policy_normalize_path(h->buf + rq->target, rq->target_len, rq->path,
				       sizeof(rq->path)) < 0)
		rq->path[0] = '\0';
}

static bool target_chars_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f)
			return false;
	}
	return true;
}

void ob_http_judge(const struct ob_head *h, const struct ob_target *t,
		   const struct policy *pol, struct ob_request *rq)
{
	const char *url = h->buf + h->url, *why = NULL, *v;
	size_t ul = h->url_len, n;
	unsigned nhost = 0, nte = 0, ncl = 0;
	const struct ob_field *host_field = NULL;
	bool ws, has_port;
	uint16_t port;
	char shown[160];
	int r;

	rq->verdict = OB_REJECT;
	rq->status = 400;
	rq->why[0] = '\0';
	rq->rule = NULL;
	rq->host[0] = '\0';
	rq->port = 0;
	rq->host_as[0] = '\0';
	rq->path[0] = '\0';
	rq->absolute = false;
	rq->websocket = false;
	rq->target = h->url;
	rq->target_len = h->url_len;
	snprintf(rq->method, sizeof(rq->method), "%s", http_method_str((enum http_method)h->method));
	rq->keep_alive = h->keep_alive;
	rq->chunked = h->chunked;
	rq->content_length = h->content_length;
	rq->has_body = h->chunked || (h->has_length && h->content_length > 0);

	if (h->major != 1 || h->minor > 1)
		return verdict(rq, OB_REJECT, 505, "HTTP/%u.%u is not supported; use HTTP/1.1",
			       h->major, h->minor);
	if (check_fields(h, &why) < 0)
		return verdict(rq, OB_REJECT, 400, "malformed header: %s", why);
	for (unsigned i = 0; i < h->nf; i++) {
		if (field_is(h, &h->f[i], "host")) {
			nhost++;
			host_field = &h->f[i];
		} else if (field_is(h, &h->f[i], "transfer-encoding")) {
			nte++;
			trimmed(h, &h->f[i], &v, &n);
			if (n != 7 || strncasecmp(v, "chunked", 7))
				return verdict(rq, OB_REJECT, 400,
					       "ambiguous framing: Transfer-Encoding must be exactly \"chunked\"");
		} else if (field_is(h, &h->f[i], "content-length")) {
			ncl++;
		}
	}
	if (nte > 1 || (nte && ncl) || ncl > 1)
		return verdict(rq, OB_REJECT, 400,
			       "ambiguous framing: repeated Transfer-Encoding or Content-Length, or both");
	if (nte && !h->chunked)
		return verdict(rq, OB_REJECT, 400, "ambiguous framing: Transfer-Encoding was not understood");
	if (nhost > 1)
		return verdict(rq, OB_REJECT, 400, "more than one Host header");
	if (!target_chars_ok(url, ul) || ul == 0)
		return verdict(rq, OB_REJECT, 400, "malformed request target");

	if (h->method == HTTP_CONNECT) {
		if (!t->proxy)
			return verdict(rq, OB_REJECT, 405, "CONNECT is only accepted by the proxy itself");
		if (parse_authority(url, ul, rq->host, &rq->port, &has_port) < 0 || !has_port)
			return verdict(rq, OB_REJECT, 400, "CONNECT needs HOST:PORT");
		if (rq->has_body)
			return verdict(rq, OB_REJECT, 400, "a CONNECT request cannot have a body");
		rq->verdict = OB_CONNECT;
		rq->status = 0;
		snprintf(rq->path, sizeof(rq->path), "%s", "");
		return;
	}

	if (url[0] == '/') {
		if (t->proxy)
			return verdict(rq, OB_REJECT, 400,
				       "this is a proxy: send absolute-form requests (http://host/path) or CONNECT");
		snprintf(rq->host, sizeof(rq->host), "%s", t->host);
		rq->port = t->port;
	} else if ((ul > 7 && !strncasecmp(url, "http://", 7)) || (ul > 8 && !strncasecmp(url, "https://", 8))) {
		struct http_parser_url u;
		bool https = url[4] == 's' || url[4] == 'S';
		uint32_t off;

		http_parser_url_init(&u);
		if (http_parser_parse_url(url, ul, 0, &u) || !(u.field_set & (1 << UF_HOST)))
			return verdict(rq, OB_REJECT, 400, "malformed absolute URL");
		if (u.field_set & (1 << UF_USERINFO))
			return verdict(rq, OB_REJECT, 400, "credentials in the URL are not accepted");
		if (u.field_set & (1 << UF_FRAGMENT))
			return verdict(rq, OB_REJECT, 400, "a fragment in the request target");
		if (u.field_set & (1 << UF_PATH)) {
			off = u.field_data[UF_PATH].off;
			rq->target = h->url + off;
			rq->target_len = h->url_len - off;
		} else if (u.field_set & (1 << UF_QUERY)) {
			/* "http://h?q": the query from its '?', written after a "/" */
			off = u.field_data[UF_QUERY].off - 1;
			rq->target = h->url + off;
			rq->target_len = h->url_len - off;
		} else {
			rq->target_len = 0;	/* written as "/" */
		}
		if (t->proxy && https)
			return verdict(rq, OB_REJECT, 400, "https:// URLs go through CONNECT");
		if (!t->proxy && https != t->tls) {
			path_for_audit(h, rq);
			return verdict(rq, OB_REJECT, 421, "the URL's scheme does not match the connection");
		}
		if (u.field_data[UF_HOST].len > POLICY_HOST_MAX + 2)
			return verdict(rq, OB_REJECT, 400, "malformed host in the URL");
		{
			/* http-parser drops IPv6 brackets; put them back for the normalizer */
			char hb[POLICY_HOST_MAX + 3];
			const char *hs = url + u.field_data[UF_HOST].off;
			size_t hl = u.field_data[UF_HOST].len;

			if (hs > url && hs[-1] == '[') {
				hs--;
				hl += 2;
			}
			memcpy(hb, hs, hl);
			hb[hl] = '\0';
			if (policy_normalize_host(hb, hl, rq->host) < 0)
				return verdict(rq, OB_REJECT, 400, "malformed host in the URL");
		}
		rq->port = (u.field_set & (1 << UF_PORT)) ? u.port : (https ? 443 : 80);
		if (rq->port == 0)
			return verdict(rq, OB_REJECT, 400, "malformed port in the URL");
		/* A flow known only by its address is judged by the address: a
		 * URL naming some host is not where the connection goes.  The
		 * guest may name the gateway as it knows it; the upstream then
		 * gets that name, and the policy the address it leads to. */
		if (!t->proxy && t->guest_addr[0] && !strcmp(rq->host, t->guest_addr)) {
			snprintf(rq->host_as, sizeof(rq->host_as), "%s", rq->host);
			snprintf(rq->host, sizeof(rq->host), "%s", t->host);
		}
		if (!t->proxy && ((t->named ? !ob_target_names(t, rq->host) : strcmp(rq->host, t->host)) ||
				  rq->port != t->port)) {
			path_for_audit(h, rq);
			return verdict(rq, OB_REJECT, 421, "the URL names another destination than the connection's");
		}
		rq->absolute = true;
	} else if (h->method == HTTP_OPTIONS && ul == 1 && url[0] == '*') {
		return verdict(rq, OB_REJECT, 400, "OPTIONS * is not supported");
	} else {
		return verdict(rq, OB_REJECT, 400, "malformed request target");
	}

	if (!rq->absolute) {
		char hh[POLICY_HOST_MAX + 1];

		if (!host_field) {
			if (h->minor >= 1)
				return verdict(rq, OB_REJECT, 400, "HTTP/1.1 needs a Host header");
		} else {
			trimmed(h, host_field, &v, &n);
			port = t->tls ? 443 : 80;
			if (parse_authority(v, n, hh, &port, &has_port) < 0)
				return verdict(rq, OB_REJECT, 400, "malformed Host header");
			if (t->named && !ob_target_names(t, hh)) {
				printable_copy(shown, sizeof(shown), v, n);
				path_for_audit(h, rq);
				return verdict(rq, OB_REJECT, 421, "Host %s does not match this connection's destination %s",
					       shown, t->host);
			}
			if (t->named)
				snprintf(rq->host, sizeof(rq->host), "%s", hh);	/* one of its names */
			if (has_port && port != t->port) {
				path_for_audit(h, rq);
				return verdict(rq, OB_REJECT, 421, "the Host header's port does not match this connection's");
			}
		}
		/*
		 * By address, the upstream gets the address as the guest knows
		 * it (the gateway's, 10.88.0.1, for the host's loopback), never
		 * the guest's Host: behind one address (a load balancer, a CDN)
		 * that would pick another site, which would then get what the
		 * rule for the address injects.
		 */
		if (!t->named && !t->proxy)
			snprintf(rq->host_as, sizeof(rq->host_as), "%s", t->guest_addr);
	}

	if (rq->target_len == 0 || h->buf[rq->target] == '?') {
		strcpy(rq->path, "/");
	} else {
		r = policy_normalize_path(h->buf + rq->target, rq->target_len, rq->path, sizeof(rq->path));
		if (r < 0)
			return verdict(rq, OB_REJECT, 400,
				       "the path is refused: dot segments, encoded slashes or backslashes, and control characters are not accepted");
	}

	rq->rule = policy_match(pol, rq->host, rq->port, rq->method, rq->path);
	switch (policy_rule_action(rq->rule)) {
	case POLICY_DENY:
		printable_copy(shown, sizeof(shown), rq->path, strlen(rq->path));
		if (rq->rule)
			return verdict(rq, OB_DENY, 403, "request denied by rule \"%s\": %s", rq->rule->name,
				       rq->rule->reason ? rq->rule->reason : "denied by policy");
		return verdict(rq, OB_DENY, 403,
			       "request denied by rule \"%s\": no rule allows %s %s:%u%s",
			       POLICY_DEFAULT_DENY, rq->method, rq->host, rq->port, shown);
	case POLICY_ALLOW:
	case POLICY_PASSTHROUGH:
		break;
	}
	ws = h->upgrade && header_has(h, "upgrade", "websocket") && header_has(h, "connection", "upgrade");
	if (ws) {
		if (!rq->rule->websocket)
			return verdict(rq, OB_DENY, 403,
				       "request denied by rule \"%s\": it does not allow WebSocket upgrades (\"websocket\": true)",
				       rq->rule->name);
		if (rq->has_body || h->method != HTTP_GET)
			return verdict(rq, OB_REJECT, 400, "a WebSocket upgrade is a GET without a body");
		rq->websocket = true;
	}
	rq->verdict = OB_ALLOW;
	rq->status = 0;
}

/* ---- writing ------------------------------------------------------------ */

/* Hop-by-hop headers (RFC 9110 section 7.6.1) and the proxy's own. */
static const char *const hop_by_hop[] = {
	"connection", "keep-alive", "proxy-connection", "proxy-authorization",
	"proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade",
};

static bool is_hop(const struct ob_head *h, const struct ob_field *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(hop_by_hop); i++)
		if (field_is(h, f, hop_by_hop[i]))
			return true;
	return false;
}

/* Is @f named by a Connection header (and so hop-by-hop for this message)? */
static bool connection_listed(const struct ob_head *h, const struct ob_field *f)
{
	char name[80];

	if (f->name_len >= sizeof(name))
		return false;
	memcpy(name, h->buf + f->name, f->name_len);
	name[f->name_len] = '\0';
	return header_has(h, "connection", name) || header_has(h, "proxy-connection", name);
}

/*
 * Is @f the header @name, to a server that reads '_' as '-' (CGI and WSGI
 * make both of X-Api-Key and X_Api_Key the variable HTTP_X_API_KEY, and join
 * their values)?
 */
static bool field_is_loosely(const struct ob_head *h, const struct ob_field *f, const char *name)
{
	const char *s = h->buf + f->name;

	if (strlen(name) != f->name_len)
		return false;
	for (uint32_t i = 0; i < f->name_len; i++) {
		char a = s[i] == '_' ? '-' : s[i], b = name[i] == '_' ? '-' : name[i];

		if (tolower((unsigned char)a) != tolower((unsigned char)b))
			return false;
	}
	return true;
}

static bool injected_name(const struct policy_rule *r, const struct ob_head *h,
			  const struct ob_field *f)
{
	for (size_t i = 0; r && i < r->ninject; i++)
		if (field_is_loosely(h, f, r->inject[i].header))
			return true;
	return false;
}

static int put_field(struct ob_buf *out, const struct ob_head *h, const struct ob_field *f)
{
	const char *v;
	size_t n;

	trimmed(h, f, &v, &n);
	if (ob_buf_append(out, h->buf + f->name, f->name_len) || ob_buf_append(out, ": ", 2) ||
	    ob_buf_append(out, v, n) || ob_buf_append(out, "\r\n", 2))
		return -ENOMEM;
	return 0;
}

int ob_http_write_request(const struct ob_head *h, const struct ob_request *rq,
			  const struct ob_inject_ctx *ictx, bool tls, struct ob_buf *out,
			  struct ob_injected *inj, struct merr *e)
{
	size_t start = ob_buf_avail(out);
	const char *host = rq->host_as[0] ? rq->host_as : rq->host;
	bool ipv6 = strchr(host, ':') != NULL;
	uint16_t defport = tls ? 443 : 80;
	bool keep = rq->keep_alive && h->minor >= 1;
	int r = 0;

	inj->n = 0;
	inj->skipped_plaintext = false;
	r |= ob_buf_printf(out, "%s ", rq->method);
	if (!rq->target_len || h->buf[rq->target] == '?')
		r |= ob_buf_append(out, "/", 1);
	r |= ob_buf_append(out, h->buf + rq->target, rq->target_len);
	r |= ob_buf_printf(out, " HTTP/1.%u\r\nHost: %s%s%s", h->minor ? 1 : 0, ipv6 ? "[" : "",
			   host, ipv6 ? "]" : "");
	if (rq->port != defport)
		r |= ob_buf_printf(out, ":%u", rq->port);
	r |= ob_buf_append(out, "\r\n", 2);
	for (unsigned i = 0; i < h->nf && !r; i++) {
		const struct ob_field *f = &h->f[i];

		if (is_hop(h, f) || field_is(h, f, "host") || field_is(h, f, "content-length") ||
		    connection_listed(h, f) || injected_name(rq->rule, h, f))
			continue;
		r = put_field(out, h, f);
	}
	if (r)
		goto nomem;
	if (rq->rule && rq->rule->ninject) {
		if (!tls && !rq->rule->plaintext_inject) {
			inj->skipped_plaintext = true;
		} else if (ictx) {
			r = ob_inject_headers(rq->rule, ictx, rq->host, out, inj, e);
			if (r) {
				ob_buf_truncate(out, start);
				return r;
			}
		}
	}
	if (rq->chunked)
		r |= ob_buf_puts(out, "Transfer-Encoding: chunked\r\n");
	else if (h->has_length)
		r |= ob_buf_printf(out, "Content-Length: %" PRIu64 "\r\n", rq->content_length);
	if (rq->websocket)
		r |= ob_buf_puts(out, "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
	else
		r |= ob_buf_puts(out, keep ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
	if (!r)
		return 0;
nomem:
	ob_buf_truncate(out, start);
	return merr_set(e, ENOMEM, "write the upstream request: out of memory");
}

int ob_http_check_response(const struct ob_head *h, const char **why)
{
	if (h->major != 1) {
		*why = "the upstream's response is not HTTP/1.x";
		return -EPROTO;
	}
	if (h->status < 100 || h->status > 599) {
		*why = "the upstream's response has an invalid status";
		return -EPROTO;
	}
	if (check_fields(h, why) < 0)
		return -EPROTO;
	return 0;
}

int ob_http_write_response(const struct ob_head *h, bool keep_alive, bool upgrade,
			   struct ob_buf *out)
{
	size_t start = ob_buf_avail(out);
	int r = 0;
	bool ok_reason = h->reason_len < 256;

	for (uint32_t i = 0; i < h->reason_len && ok_reason; i++) {
		unsigned char c = (unsigned char)h->buf[h->reason + i];

		ok_reason = c == '\t' || (c >= 0x20 && c != 0x7f);
	}
	r |= ob_buf_printf(out, "HTTP/1.1 %u ", h->status);
	if (ok_reason)
		r |= ob_buf_append(out, h->buf + h->reason, h->reason_len);
	else
		r |= ob_buf_puts(out, ob_http_reason((int)h->status));
	r |= ob_buf_append(out, "\r\n", 2);
	for (unsigned i = 0; i < h->nf && !r; i++) {
		const struct ob_field *f = &h->f[i];

		/* The body is copied as received, so its framing header stays. */
		if (field_is(h, f, "transfer-encoding")) {
			r = put_field(out, h, f);
			continue;
		}
		if (is_hop(h, f) || connection_listed(h, f))
			continue;
		r = put_field(out, h, f);
	}
	if (upgrade)
		r |= ob_buf_puts(out, "Connection: Upgrade\r\nUpgrade: websocket\r\n");
	else if (h->status >= 200)
		r |= ob_buf_puts(out, keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
	r |= ob_buf_append(out, "\r\n", 2);
	if (r) {
		ob_buf_truncate(out, start);
		return -ENOMEM;
	}
	return 0;
}

const char *ob_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 421: return "Misdirected Request";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

int ob_http_write_error(struct ob_buf *out, int status, const char *rule, const char *msg)
{
	size_t start = ob_buf_avail(out);
	int r;

	r = ob_buf_printf(out,
			  "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
			  "Content-Length: %zu\r\nCache-Control: no-store\r\n"
			  "X-Moat-Outbound: %s\r\n",
			  status, ob_http_reason(status), strlen("moat outbound: ") + strlen(msg) + 1,
			  status == 403 ? "denied" : "error");
	if (!r && rule)
		r = ob_buf_printf(out, "X-Moat-Rule: %s\r\n", rule);
	if (!r)
		r = ob_buf_printf(out, "Connection: close\r\n\r\nmoat outbound: %s\n", msg);
	if (r)
		ob_buf_truncate(out, start);
	return r;
}
