/* SPDX-License-Identifier: MIT */
/*
 * http.h - HTTP/1.1 for outbound: reading messages with http-parser,
 * judging requests, and writing the heads that go to the other side.
 *
 * Theory of operation.  Nothing a guest sends is forwarded byte for byte.
 * A request head is parsed into a bounded struct ob_head (at most OB_HEAD_MAX
 * bytes, OB_FIELDS_MAX fields, an OB_URL_MAX target), checked (ob_http_judge:
 * version, header syntax, framing, target form, Host, path, policy), and, if
 * allowed, written anew for the upstream (ob_http_write_request): canonical
 * request line, the guest's end-to-end headers minus hop-by-hop ones and minus
 * any header a rule injects, the injected headers, and framing outbound
 * chose.  A chunked request body is decoded and re-chunked, so the upstream
 * only ever sees outbound's framing; a Content-Length body is forwarded as
 * counted.  Anything ambiguous is refused before a byte of it leaves:
 * Content-Length with Transfer-Encoding, two Content-Lengths, a coding other
 * than "chunked", malformed chunk sizes, obsolete line folding, bare CR or LF,
 * spaces in header names, control characters in values.
 *
 * Responses come from the upstream, which outbound chose and (over TLS)
 * verified; their heads are rewritten the same way (hop-by-hop headers
 * dropped, Connection set by outbound) and their bodies are copied as
 * received, after the parser has accepted the framing.
 *
 * The parser stops after a head (OB_EV_HEAD) so that the caller can judge it
 * before any of the body is taken, and after each message (OB_EV_DONE) so
 * that a pipelined next request waits its turn.
 */
#ifndef MOAT_OUTBOUND_HTTP_H
#define MOAT_OUTBOUND_HTTP_H

#include <http_parser.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "policy.h"

#define OB_HEAD_MAX (32 * 1024)		/* request head; more is 431 */
#define OB_RESP_HEAD_MAX (64 * 1024)	/* response head; more is 502 */
#define OB_URL_MAX (8 * 1024)		/* request target; more is 414 */
#define OB_FIELDS_MAX 128		/* header fields; more is 431 */
#define OB_INJECTED_MAX (POLICY_INJECT_MAX * 4)

struct ob_field {
	uint32_t name, name_len;	/* offsets into ob_head.buf */
	uint32_t value, value_len;
};

/* One parsed message head.  Strings are offsets into @buf, not terminated. */
struct ob_head {
	uint32_t used, cap;
	uint32_t url, url_len;		/* requests */
	uint32_t reason, reason_len;	/* responses */
	struct ob_field f[OB_FIELDS_MAX];
	unsigned nf;
	unsigned method;		/* enum http_method */
	unsigned status;
	unsigned short major, minor;
	bool keep_alive;		/* per the message's version and Connection */
	bool upgrade;			/* the parser saw Upgrade (or CONNECT) */
	bool chunked;
	bool has_length;
	uint64_t content_length;
	char buf[];			/* @cap bytes */
};

enum ob_msg { OB_REQUEST, OB_RESPONSE };

enum ob_ev {
	OB_EV_MORE,	/* all input taken; feed more */
	OB_EV_HEAD,	/* a head is complete: judge it, then ob_parser_body(); the
			 * head's last byte (its final LF) is not counted as used and
			 * is read again by the body; a caller that leaves HTTP here
			 * (CONNECT) skips it */
	OB_EV_DONE,	/* a message is complete */
	OB_EV_ERROR,	/* see ob_parser.status and .why */
};

struct ob_parser {
	http_parser hp;
	enum ob_msg type;
	enum { OB_PS_HEAD, OB_PS_BODY, OB_PS_DONE, OB_PS_ERROR } state;
	struct ob_head *head;	/* from a message's first byte until ob_parser_next() */
	uint32_t head_bytes;	/* bytes of the current head so far */
	unsigned char prev;	/* last head byte seen, for line-ending checks */
	bool in_value;		/* header callbacks: a value is being read */
	bool skip_body;		/* responses: the request was HEAD (set after
				 * ob_parser_next(), before feeding) */
	bool rechunk;		/* requests: re-chunk a chunked body */
	bool raw;		/* responses: copy the body bytes as received */
	bool chunk_open;
	unsigned pending_lf;	/* the head's last byte is still to be re-read */
	struct {		/* strict chunked framing, checked beside the parser */
		unsigned state;
		unsigned digits;
		uint64_t left;
		uint64_t size;
	} ck;
	struct ob_buf *body;	/* where body bytes go */
	uint64_t body_bytes;	/* decoded body bytes of this message */
	int status;		/* on error: the HTTP status to answer with */
	const char *why;	/* on error: what was wrong */
};

/**
 * ob_parser_init() - make @p ready for a message of @type
 * Return: 0 or -ENOMEM
 */
int ob_parser_init(struct ob_parser *p, enum ob_msg type);

/** ob_parser_free() - release the head buffer, if any */
void ob_parser_free(struct ob_parser *p);

/**
 * ob_parser_feed() - parse some input
 * @p:		parser
 * @data, @len:	input
 * @used:	set to the number of bytes taken; the rest must be fed again
 *
 * Return: the event that stopped it (see enum ob_ev)
 */
enum ob_ev ob_parser_feed(struct ob_parser *p, const char *data, size_t len, size_t *used);

/**
 * ob_parser_eof() - the input ended
 * Return: OB_EV_DONE if that completes the message (a response whose body runs
 * to the end of the connection), OB_EV_ERROR otherwise (with .status set)
 */
enum ob_ev ob_parser_eof(struct ob_parser *p);

/**
 * ob_parser_body() - after OB_EV_HEAD: go on into the body, sending its bytes
 * to @out (NULL to count them only), re-chunked (requests) or as received
 * (responses).  The head stays readable until ob_parser_next().
 */
void ob_parser_body(struct ob_parser *p, struct ob_buf *out);

/**
 * ob_parser_next() - after OB_EV_DONE: get ready for the next message on the
 * same connection (drops the head; the next one is allocated when its first
 * byte arrives)
 * Return: 0
 */
int ob_parser_next(struct ob_parser *p);

/** ob_parser_in_message() - has any byte of a message been taken yet */
bool ob_parser_in_message(const struct ob_parser *p);

/* ---- judging requests --------------------------------------------------- */

/* Where a connection's requests go: known from CONNECT, from netstack, or (for
 * an explicit proxy's plain requests) from each request's absolute URL. */
struct ob_target {
	char host[POLICY_HOST_MAX + 1];	/* normalized; "" if unknown */
	uint16_t port;
	char guest_addr[INET6_ADDRSTRLEN];	/* the guest's address for @host when
						 * it has another (the gateway), or "" */
	bool named;		/* @host is the name the guest asked for, not just an address */
	/* other names the guest resolved to the same address (sites behind one
	 * address): the flow's first TLS hello or request may name one of them
	 * instead of @host, which then becomes it (ob_target_take()) */
	char also[3][POLICY_HOST_MAX + 1];
	unsigned nalso;
	bool sni_named;		/* ... a name from the TLS hello alone, on a connection to an
				 * address the guest chose (no DNS answer of netstack's) */
	bool tls;		/* the guest spoke TLS (so the upstream leg is TLS) */
	bool proxy;		/* explicit proxy front: absolute-form or CONNECT */
};

/**
 * ob_target_names() - whether @name is @t's host or one of its other names
 */
bool ob_target_names(const struct ob_target *t, const char *name);

/**
 * ob_target_take() - @t's host becomes @name (one ob_target_names() said
 * yes to), and it has no other names from then on: a connection keeps the
 * name it was first used with
 */
void ob_target_take(struct ob_target *t, const char *name);

enum ob_verdict {
	OB_ALLOW,		/* forward it */
	OB_DENY,		/* 403: a rule (or the default) denies it */
	OB_REJECT,		/* 4xx/5xx: the request itself is bad */
	OB_CONNECT,		/* an explicit proxy's CONNECT: open a tunnel */
};

struct ob_request {
	enum ob_verdict verdict;
	int status;			/* for OB_DENY and OB_REJECT */
	char why[384];			/* for OB_DENY and OB_REJECT */
	const struct policy_rule *rule;	/* the deciding rule, NULL: default */
	char method[24];
	char host[POLICY_HOST_MAX + 1];	/* normalized destination */
	uint16_t port;
	/* the Host to send, when not @host: the guest's own name for an
	 * address (its URL's, or the gateway's) */
	char host_as[POLICY_HOST_MAX + 1];
	bool absolute;			/* came in absolute form */
	uint32_t target, target_len;	/* origin-form path and query, in the head */
	char path[OB_URL_MAX + 1];	/* normalized path, for matching and audit */
	bool websocket;			/* an allowed WebSocket upgrade */
	bool keep_alive;
	bool chunked;
	bool has_body;
	uint64_t content_length;
};

/**
 * ob_http_judge() - check a complete request head and decide on it
 * @h:		the head (from OB_EV_HEAD)
 * @t:		where this connection's requests go
 * @pol:	the policy
 * @rq:		the decision and what it was based on
 */
void ob_http_judge(const struct ob_head *h, const struct ob_target *t,
		   const struct policy *pol, struct ob_request *rq);

/* ---- writing heads ------------------------------------------------------ */

/* The names of what was injected into a request, for the audit log. */
struct ob_injected {
	const char *names[OB_INJECTED_MAX];
	unsigned n;
	bool skipped_plaintext;		/* the rule injects, but the leg is plaintext */
};

struct ob_inject_ctx;	/* inject.h */

/**
 * ob_http_write_request() - append the head to send upstream for @rq
 * @h, @rq:	the request head and its judgment (OB_ALLOW)
 * @ictx:	secrets and signer for the rule's injections; NULL: inject nothing
 * @tls:	the upstream leg is TLS (plaintext legs get no injection unless
 *		the rule says "plaintext_inject")
 * @out:	a sensitive buffer: it receives credentials
 * @inj:	filled with the names of what was injected
 * @e:		why it failed
 *
 * Return: 0 or -errno
 */
int ob_http_write_request(const struct ob_head *h, const struct ob_request *rq,
			  const struct ob_inject_ctx *ictx, bool tls, struct ob_buf *out,
			  struct ob_injected *inj, struct merr *e);

/**
 * ob_http_check_response() - check a response head from the upstream
 * Return: 0, or -EPROTO with *why set
 */
int ob_http_check_response(const struct ob_head *h, const char **why);

/**
 * ob_http_write_response() - append the response head to send to the guest
 * @keep_alive:	the connection stays open after this response
 * @upgrade:	a 101 that switches to WebSocket
 * Return: 0 or -errno
 */
int ob_http_write_response(const struct ob_head *h, bool keep_alive, bool upgrade,
			   struct ob_buf *out);

/**
 * ob_http_write_error() - append a complete response outbound makes itself
 * (403 for denials, 4xx/5xx for errors), with Connection: close
 * @rule:	the rule to name in X-Moat-Rule, or NULL
 * @msg:	the body's message (one line; a newline is added)
 * Return: 0 or -errno
 */
int ob_http_write_error(struct ob_buf *out, int status, const char *rule, const char *msg);

/** ob_http_reason() - the standard reason phrase of @status */
const char *ob_http_reason(int status);

/** ob_head_str() - a field of @h as a pointer and length */
static inline const char *ob_head_str(const struct ob_head *h, uint32_t off)
{
	return h->buf + off;
}

#endif
