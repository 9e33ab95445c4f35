// SPDX-License-Identifier: MIT
/*
 * http.c - reading HTTP/1.1 messages for outbound (see http.h for the theory;
 * judge.c decides on them and writes the heads that go on).
 *
 * http-parser does the tokenizing and the framing arithmetic; Debian builds it
 * in its lenient mode, so what it lets through that a strict reader would
 * refuse is checked here again: line endings and folding (scan_head) and
 * chunked framing (check_chunked); judge.c re-checks header names and values,
 * the request target and Transfer-Encoding.  A head is copied into a bounded
 * buffer as the parser hands it out, so the caller can judge it after the
 * input buffer has moved on.
 */
#include "http.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- the parser --------------------------------------------------------- */

static struct ob_parser *P(http_parser *hp)
{
	return hp->data;
}

static int fail(struct ob_parser *p, int status, const char *why)
{
	if (!p->status) {
		p->status = status;
		p->why = why;
	}
	return -1;
}

static int too_big(struct ob_parser *p)
{
	return p->type == OB_REQUEST ? fail(p, 431, "the request's header section is too large") :
				       fail(p, 502, "the upstream's response header section is too large");
}

static int head_append(struct ob_parser *p, const char *at, size_t len)
{
	struct ob_head *h = p->head;

	if (len > h->cap - h->used)
		return too_big(p);
	memcpy(h->buf + h->used, at, len);
	h->used += (uint32_t)len;
	return 0;
}

static int on_url(http_parser *hp, const char *at, size_t len)
{
	struct ob_parser *p = P(hp);
	struct ob_head *h = p->head;

	if (h->url_len == 0)
		h->url = h->used;
	if (h->url_len + len > OB_URL_MAX)
		return fail(p, 414, "the request target is too long");
	h->url_len += (uint32_t)len;
	return head_append(p, at, len);
}

static int on_status(http_parser *hp, const char *at, size_t len)
{
	struct ob_parser *p = P(hp);
	struct ob_head *h = p->head;

	if (h->reason_len == 0)
		h->reason = h->used;
	h->reason_len += (uint32_t)len;
	return head_append(p, at, len);
}

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
	struct ob_parser *p = P(hp);
	struct ob_head *h = p->head;

	if (p->state != OB_PS_HEAD)
		return 0;	/* trailers of a chunked body: dropped */
	if (h->nf == 0 || p->in_value) {
		if (h->nf == OB_FIELDS_MAX)
			return p->type == OB_REQUEST ?
				fail(p, 431, "the request has too many header fields") :
				fail(p, 502, "the upstream's response has too many header fields");
		h->f[h->nf++] = (struct ob_field){ .name = h->used };
		p->in_value = false;
	}
	h->f[h->nf - 1].name_len += (uint32_t)len;
	return head_append(p, at, len);
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
	struct ob_parser *p = P(hp);
	struct ob_head *h = p->head;

	if (p->state != OB_PS_HEAD || h->nf == 0)
		return 0;
	if (!p->in_value) {
		h->f[h->nf - 1].value = h->used;
		p->in_value = true;
	}
	h->f[h->nf - 1].value_len += (uint32_t)len;
	return head_append(p, at, len);
}

static int on_headers_complete(http_parser *hp)
{
	struct ob_parser *p = P(hp);
	struct ob_head *h = p->head;

	h->method = hp->method;
	h->status = hp->status_code;
	h->major = hp->http_major;
	h->minor = hp->http_minor;
	h->keep_alive = http_should_keep_alive(hp);
	h->upgrade = hp->upgrade;
	h->chunked = hp->flags & F_CHUNKED;
	h->has_length = hp->flags & F_CONTENTLENGTH;
	h->content_length = h->has_length ? hp->content_length : 0;
	http_parser_pause(hp, 1);
	/* A response to HEAD, and a 1xx (but 101), 204 or 304, has no body
	 * whatever its head says: a 304's Content-Length is the length of the
	 * representation it did not send (RFC 9110 section 8.6). */
	if (p->type == OB_RESPONSE && (h->status == 204 || h->status == 304 ||
				       (h->status >= 100 && h->status < 200 && h->status != 101)))
		return 1;
	return p->skip_body ? 1 : 0;
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
	struct ob_parser *p = P(hp);

	p->body_bytes += len;
	if (p->raw || !p->body)
		return 0;
	if (ob_buf_append(p->body, at, len))
		return fail(p, 500, "out of memory");
	return 0;
}

static int on_chunk_header(http_parser *hp)
{
	struct ob_parser *p = P(hp);

	if (!p->rechunk || !p->body || hp->content_length == 0)
		return 0;
	p->chunk_open = true;
	if (ob_buf_printf(p->body, "%" PRIx64 "\r\n", (uint64_t)hp->content_length))
		return fail(p, 500, "out of memory");
	return 0;
}

static int on_chunk_complete(http_parser *hp)
{
	struct ob_parser *p = P(hp);

	if (!p->chunk_open)
		return 0;
	p->chunk_open = false;
	if (ob_buf_append(p->body, "\r\n", 2))
		return fail(p, 500, "out of memory");
	return 0;
}

static int on_message_complete(http_parser *hp)
{
	struct ob_parser *p = P(hp);

	if (p->rechunk && p->body && p->head && p->head->chunked &&
	    ob_buf_append(p->body, "0\r\n\r\n", 5))
		return fail(p, 500, "out of memory");
	p->state = OB_PS_DONE;
	http_parser_pause(hp, 1);
	return 0;
}

static const http_parser_settings settings = {
	.on_url = on_url,
	.on_status = on_status,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
	.on_chunk_header = on_chunk_header,
	.on_chunk_complete = on_chunk_complete,
};

static size_t head_limit(const struct ob_parser *p)
{
	return p->type == OB_REQUEST ? OB_HEAD_MAX : OB_RESP_HEAD_MAX;
}

/* The head buffer exists only while a message is read: an idle connection
 * between requests holds none. */
static int head_alloc(struct ob_parser *p)
{
	size_t cap = head_limit(p);

	if (p->head)
		return 0;
	p->head = malloc(sizeof(*p->head) + cap);
	if (!p->head)
		return -ENOMEM;
	memset(p->head, 0, sizeof(*p->head));
	p->head->cap = (uint32_t)cap;
	return 0;
}

int ob_parser_next(struct ob_parser *p)
{
	free(p->head);
	p->head = NULL;
	http_parser_init(&p->hp, p->type == OB_REQUEST ? HTTP_REQUEST : HTTP_RESPONSE);
	p->hp.data = p;
	p->state = OB_PS_HEAD;
	p->head_bytes = 0;
	p->prev = 0;
	p->in_value = false;
	p->skip_body = false;
	p->rechunk = false;
	p->raw = false;
	p->chunk_open = false;
	p->body = NULL;
	p->body_bytes = 0;
	p->status = 0;
	p->why = NULL;
	memset(&p->ck, 0, sizeof(p->ck));
	return 0;
}

int ob_parser_init(struct ob_parser *p, enum ob_msg type)
{
	memset(p, 0, sizeof(*p));
	p->type = type;
	return ob_parser_next(p);
}

void ob_parser_free(struct ob_parser *p)
{
	free(p->head);
	p->head = NULL;
}

bool ob_parser_in_message(const struct ob_parser *p)
{
	return p->state != OB_PS_HEAD || p->head_bytes > 0;
}

/* Line endings of a head: CRLF only, no folded continuation lines. */
static int scan_head(struct ob_parser *p, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)data[i];

		if (p->prev == '\r' && c != '\n')
			return fail(p, p->type == OB_REQUEST ? 400 : 502, "a bare CR in the header section");
		if (c == '\n' && p->prev != '\r')
			return fail(p, p->type == OB_REQUEST ? 400 : 502, "a bare LF in the header section");
		if (p->prev == '\n' && (c == ' ' || c == '\t') && p->head_bytes + i > 1)
			return fail(p, p->type == OB_REQUEST ? 400 : 502,
				    "obsolete line folding in the header section");
		p->prev = c;
	}
	return 0;
}

/*
 * Chunked framing, strictly (RFC 9112 section 7.1): the lenient parser takes
 * any two bytes after chunk data for CRLF, and a lone CR or LF for a line end.
 * This walks the same bytes and refuses what a strict reader would.
 */
enum { CK_SIZE, CK_SIZE_MORE, CK_EXT, CK_SIZE_LF, CK_DATA, CK_DATA_CR, CK_DATA_LF,
       CK_TRAILER, CK_TRAILER_LINE, CK_TRAILER_LF, CK_END_LF, CK_DONE };

static int hexdig(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int check_chunked(struct ob_parser *p, const char *data, size_t n)
{
	int bad = p->type == OB_REQUEST ? 400 : 502;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)data[i];
		int h;

		switch (p->ck.state) {
		case CK_SIZE:
		case CK_SIZE_MORE:
			h = hexdig(c);
			if (h >= 0) {
				if (++p->ck.digits > 15)
					return fail(p, bad, "a malformed chunk size");
				p->ck.size = p->ck.size << 4 | (uint64_t)h;
				p->ck.state = CK_SIZE_MORE;
				break;
			}
			if (p->ck.state == CK_SIZE)
				return fail(p, bad, "a malformed chunk size");
			if (c == '\r')
				p->ck.state = CK_SIZE_LF;
			else if (c == ';' || c == ' ' || c == '\t')
				p->ck.state = CK_EXT;
			else
				return fail(p, bad, "a malformed chunk size");
			break;
		case CK_EXT:
			if (c == '\r')
				p->ck.state = CK_SIZE_LF;
			else if ((c < 0x20 && c != '\t') || c == 0x7f)
				return fail(p, bad, "a malformed chunk extension");
			break;
		case CK_SIZE_LF:
			if (c != '\n')
				return fail(p, bad, "a chunk size line not ending in CRLF");
			p->ck.left = p->ck.size;
			p->ck.state = p->ck.size ? CK_DATA : CK_TRAILER;
			break;
		case CK_DATA: {
			/* skip over the data in one step */
			uint64_t take = MIN((uint64_t)(n - i), p->ck.left);

			p->ck.left -= take;
			i += (size_t)take - 1;
			if (!p->ck.left)
				p->ck.state = CK_DATA_CR;
			break;
		}
		case CK_DATA_CR:
			if (c != '\r')
				return fail(p, bad, "chunk data not followed by CRLF");
			p->ck.state = CK_DATA_LF;
			break;
		case CK_DATA_LF:
			if (c != '\n')
				return fail(p, bad, "chunk data not followed by CRLF");
			p->ck.state = CK_SIZE;
			p->ck.size = 0;
			p->ck.digits = 0;
			break;
		case CK_TRAILER:
			if (c == '\r')
				p->ck.state = CK_END_LF;
			else if (c == '\n' || c == ' ' || c == '\t')
				return fail(p, bad, "a malformed trailer section");
			else
				p->ck.state = CK_TRAILER_LINE;
			break;
		case CK_TRAILER_LINE:
			if (c == '\r')
				p->ck.state = CK_TRAILER_LF;
			else if (c == '\n')
				return fail(p, bad, "a bare LF in the trailer section");
			break;
		case CK_TRAILER_LF:
		case CK_END_LF:
			if (c != '\n')
				return fail(p, bad, "a bare CR in the trailer section");
			p->ck.state = p->ck.state == CK_END_LF ? CK_DONE : CK_TRAILER;
			break;
		default:
			return fail(p, bad, "bytes after the last chunk");
		}
	}
	return 0;
}

static enum ob_ev error_event(struct ob_parser *p)
{
	enum http_errno err = HTTP_PARSER_ERRNO(&p->hp);

	p->state = OB_PS_ERROR;
	if (!p->status) {
		p->status = p->type == OB_REQUEST ? 400 : 502;
		p->why = err == HPE_UNEXPECTED_CONTENT_LENGTH ?
				 "conflicting or repeated Content-Length (or Content-Length with Transfer-Encoding)" :
			 err == HPE_INVALID_TRANSFER_ENCODING ?
				 "a Transfer-Encoding other than chunked" :
			 err == HPE_INVALID_CHUNK_SIZE ? "a malformed chunk size" :
			 /* http-parser says so of a too large chunk size too */
			 err == HPE_INVALID_CONTENT_LENGTH ?
				 (p->head && p->head->chunked ? "a malformed chunk size" :
							      "a malformed Content-Length") :
			 err == HPE_HEADER_OVERFLOW ? "the header section is too large" :
							http_errno_description(err);
		if (err == HPE_HEADER_OVERFLOW && p->type == OB_REQUEST)
			p->status = 431;
	}
	return OB_EV_ERROR;
}

enum ob_ev ob_parser_feed(struct ob_parser *p, const char *data, size_t len, size_t *used)
{
	size_t n, stage = 0;

	*used = 0;
	switch (p->state) {
	case OB_PS_DONE:
		return OB_EV_DONE;
	case OB_PS_ERROR:
		return OB_EV_ERROR;
	case OB_PS_HEAD:
		if (!len)
			return OB_EV_MORE;
		if (head_alloc(p) < 0) {
			fail(p, 500, "out of memory");
			p->state = OB_PS_ERROR;
			return OB_EV_ERROR;
		}
		/* Never give the parser more than the head may still grow by. */
		if (len > head_limit(p) - p->head_bytes + 1)
			len = head_limit(p) - p->head_bytes + 1;
		n = http_parser_execute(&p->hp, &settings, data, len);
		if (HTTP_PARSER_ERRNO(&p->hp) == HPE_PAUSED) {
			/* headers complete: the parser stopped on the head's last
			 * byte, which it will read again once resumed */
			if (scan_head(p, data, n + 1) < 0)
				return error_event(p);
			p->head_bytes += (uint32_t)n + 1;
			if (p->head_bytes > head_limit(p))
				return too_big(p), error_event(p);
			*used = n;
			return OB_EV_HEAD;
		}
		if (HTTP_PARSER_ERRNO(&p->hp) != HPE_OK || scan_head(p, data, n) < 0)
			return error_event(p);
		p->head_bytes += (uint32_t)n;
		if (p->head_bytes > head_limit(p))
			return too_big(p), error_event(p);
		*used = n;
		return OB_EV_MORE;
	case OB_PS_BODY:
		break;
	}
	if (p->body)
		stage = ob_buf_avail(p->body);
	n = http_parser_execute(&p->hp, &settings, data, len);
	if ((HTTP_PARSER_ERRNO(&p->hp) != HPE_OK && HTTP_PARSER_ERRNO(&p->hp) != HPE_PAUSED) ||
	    (p->head->chunked && n > p->pending_lf &&
	     check_chunked(p, data + p->pending_lf, n - p->pending_lf) < 0) ||
	    (p->head->chunked && p->state == OB_PS_DONE && p->ck.state != CK_DONE &&
	     fail(p, p->type == OB_REQUEST ? 400 : 502, "the chunked body ended early") < 0)) {
		if (p->body)
			ob_buf_truncate(p->body, stage);
		return error_event(p);
	}
	if (p->raw && p->body && n > p->pending_lf) {
		/* the first byte after the head is the head's own last LF */
		if (ob_buf_append(p->body, data + p->pending_lf, n - p->pending_lf)) {
			fail(p, 500, "out of memory");
			ob_buf_truncate(p->body, stage);
			return error_event(p);
		}
	}
	if (n)
		p->pending_lf = 0;
	*used = n;
	if (p->state == OB_PS_DONE)
		return OB_EV_DONE;
	return OB_EV_MORE;
}

enum ob_ev ob_parser_eof(struct ob_parser *p)
{
	if (p->state == OB_PS_DONE)
		return OB_EV_DONE;
	if (p->state == OB_PS_HEAD || p->state == OB_PS_ERROR) {
		fail(p, p->type == OB_REQUEST ? 400 : 502, "the connection closed in the middle of a message");
		p->state = OB_PS_ERROR;
		return OB_EV_ERROR;
	}
	http_parser_execute(&p->hp, &settings, NULL, 0);
	if (p->state == OB_PS_DONE)
		return OB_EV_DONE;
	fail(p, p->type == OB_REQUEST ? 400 : 502, "the connection closed in the middle of a message");
	p->state = OB_PS_ERROR;
	return OB_EV_ERROR;
}

void ob_parser_body(struct ob_parser *p, struct ob_buf *out)
{
	p->state = OB_PS_BODY;
	p->body = out;
	p->pending_lf = 1;
	if (p->type == OB_REQUEST)
		p->rechunk = p->head->chunked;
	else
		p->raw = true;
	http_parser_pause(&p->hp, 0);
}
