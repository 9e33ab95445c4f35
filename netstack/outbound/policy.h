/* SPDX-License-Identifier: MIT */
/*
 * policy.h - the egress policy: which destinations, methods and paths a
 * sandbox may reach, and what outbound adds to the requests it lets through.
 *
 * Theory of operation.  A policy is an ordered list of rules read from one
 * JSON file (the format netstack's egress rules share; docs/outbound.md is the
 * reference) plus one rule per --allow flag, appended after the file's rules.
 * A request is judged by the first rule whose matchers all accept it; if no
 * rule does, it is denied ("default-deny").  Each matcher is optional and
 * absent means "any":
 *
 *   host    one or a list of names: "api.github.com", "*.example.com" (one or
 *           more labels before .example.com, never example.com itself), "*"
 *           (any host), an IP address literal ("10.0.0.7", "::1") or an
 *           address range ("10.1.0.0/16", "fd00::/8"), which matches address
 *           literals only
 *   port    one or a list of ports
 *   method  one or a list of methods ("GET", "POST", ...)
 *   path    one or a list of path prefixes, matched segment-wise: "/v1"
 *           matches "/v1", "/v1/models", not "/v1beta"; "/v1/" matches
 *           "/v1/models" only
 *
 * Actions: "allow" (intercept, judge every request, inject), "deny" (HTTP 403
 * naming the rule and its "reason"), "passthrough" (TLS is not intercepted:
 * the connection is allowed or denied by its TLS server name alone, nothing is
 * injected).  An allow rule may "inject" headers from templates (template.h),
 * whose ${NAME}s are secrets or built-ins (MOAT_IDENTITY_TOKEN, a signed token
 * naming the sandbox, configured by "identity"; MOAT_SANDBOX_ID).  Injection
 * into a request that leaves in plaintext needs "plaintext_inject": true.
 * WebSocket upgrades need "websocket": true.
 *
 * Connection-level questions (netstack deciding whether to open a TCP flow,
 * outbound deciding on a TLS server name) are asked with a NULL method and
 * path; a DNS question (may this name be resolved at all) also with port 0.
 * A deny rule that constrains an unknown attribute cannot be confirmed and is
 * skipped; an allow or passthrough rule that constrains one is taken, since
 * some requests on the connection may satisfy it (they are judged one by one
 * later).
 *
 * Names given to policy_match() must already be normalized: lower case, no
 * trailing dot, IPv6 without brackets (policy_normalize_host()); paths without
 * the query, already checked by the HTTP layer.
 */
#ifndef MOAT_OUTBOUND_POLICY_H
#define MOAT_OUTBOUND_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "template.h"

#define POLICY_FILE_MAX (1 << 20)	/* largest policy file */
#define POLICY_RULES_MAX 4096
#define POLICY_LIST_MAX 256		/* entries in one host/port/method/path list */
#define POLICY_INJECT_MAX 16		/* injected headers per rule */
#define POLICY_NAME_MAX 64		/* rule names */
#define POLICY_REASON_MAX 512
#define POLICY_HOST_MAX 253
#define POLICY_PATH_MAX 1024
#define POLICY_TTL_MIN 30		/* identity token lifetime bounds, seconds */
#define POLICY_TTL_MAX 900
#define POLICY_TTL_DEFAULT 300

/* The name policy_rule_name() gives when no rule matched. */
#define POLICY_DEFAULT_DENY "default-deny"

enum policy_action {
	POLICY_DENY = 0,
	POLICY_ALLOW,
	POLICY_PASSTHROUGH,
};

struct policy_inject {
	char *header;		/* header name as written in the policy */
	char *source;		/* the template text, for messages */
	struct tmpl value;
};

struct policy_rule {
	char *name;		/* given, or "rule N" (N counts from 1) */
	enum policy_action action;
	char *reason;		/* deny only, shown to the guest */
	char **hosts;
	size_t nhosts;
	uint16_t *ports;
	size_t nports;
	char **methods;
	size_t nmethods;
	char **paths;
	size_t npaths;
	struct policy_inject *inject;
	size_t ninject;
	bool plaintext_inject;
	bool websocket;
	char *audience;		/* identity token "aud"; NULL: the request's host */
	unsigned ttl;		/* identity token lifetime, seconds */
};

struct policy {
	struct policy_rule *rules;
	size_t nrules;
};

/** policy_new() - an empty policy (denies everything); Return: NULL on ENOMEM */
struct policy *policy_new(void);

/**
 * policy_parse() - parse a policy from JSON text and append its rules to @p
 * @p:		policy to extend
 * @json:	the text (need not be NUL-terminated)
 * @len:	its length
 * @origin:	what to call it in messages (the file name)
 * @e:		on error: "ORIGIN: rules[2].port: must be ..."
 *
 * On error @p is unchanged.
 * Return: 0 or -errno
 */
int policy_parse(struct policy *p, const char *json, size_t len, const char *origin,
		 struct merr *e);

/**
 * policy_load_file() - read @path (at most POLICY_FILE_MAX) and policy_parse() it
 * Return: 0 or -errno
 */
int policy_load_file(struct policy *p, const char *path, struct merr *e);

/**
 * policy_add_allow() - append the rule of one --allow flag
 * @spec:	HOST, HOST:PORT, [IPV6] or [IPV6]:PORT; HOST may be a glob
 *
 * The rule is named "--allow SPEC" and allows every method and path, with TLS
 * intercepted and nothing injected.
 * Return: 0 or -errno
 */
int policy_add_allow(struct policy *p, const char *spec, struct merr *e);

/** policy_free() - release @p and everything it holds */
void policy_free(struct policy *p);

/**
 * policy_match() - the rule that decides a request or a connection
 * @p:		the policy
 * @host:	normalized host name or IP literal
 * @port:	destination port, or 0 if unknown (a DNS question)
 * @method:	request method, or NULL for a connection-level question
 * @path:	request path without query, or NULL for a connection-level question
 *
 * Return: the first matching rule, or NULL: denied by default
 */
const struct policy_rule *policy_match(const struct policy *p, const char *host,
				       uint16_t port, const char *method, const char *path);

/**
 * policy_rule_speaks_http() - does @r say something only HTTP can carry
 * (methods, paths, injected headers, WebSocket, passthrough)?  Such a rule
 * is outbound's to apply: a connection it allows goes through outbound.
 */
bool policy_rule_speaks_http(const struct policy_rule *r);

/**
 * policy_match_stream() - the first rule that applies to a TCP connection to
 * @host:@port before any request on it is known: one that matches it with
 * no method or path (as policy_match()), or one that names the host and port
 * and speaks of HTTP, whatever its action (a deny rule for a path applies to
 * some of the connection's requests).  When that rule speaks of HTTP, the
 * connection must go through outbound, which applies it.
 * Return: the rule, or NULL
 */
const struct policy_rule *policy_match_stream(const struct policy *p, const char *host,
					      uint16_t port);

/**
 * policy_match_datagram() - the rule that decides a flow outbound never
 * sees (a UDP flow): as policy_match() with no method or path, except for
 * the rules that speak of HTTP, which nothing could hold the flow to: an
 * allow or passthrough one is passed over, a deny one (for some methods or
 * paths) denies it
 * Return: the first matching rule, or NULL: denied by default
 */
const struct policy_rule *policy_match_datagram(const struct policy *p, const char *host,
						uint16_t port);

/** policy_rule_action() - what @r (NULL: no rule matched) says */
static inline enum policy_action policy_rule_action(const struct policy_rule *r)
{
	return r ? r->action : POLICY_DENY;
}

/** policy_rule_name() - @r's name, or POLICY_DEFAULT_DENY for NULL */
static inline const char *policy_rule_name(const struct policy_rule *r)
{
	return r ? r->name : POLICY_DEFAULT_DENY;
}

/** policy_action_name() - "allow", "deny" or "passthrough" */
const char *policy_action_name(enum policy_action a);

/**
 * policy_host_match() - does @host match one host @pattern of a rule
 * (both normalized)
 */
bool policy_host_match(const char *pattern, const char *host);

/**
 * policy_path_match() - does @path match the path prefix @prefix
 */
bool policy_path_match(const char *prefix, const char *path);

/**
 * policy_normalize_host() - check a host name or IP literal and write its
 * normalized form (lower case, no trailing dot, no IPv6 brackets) to @out
 * @in:		the name, of @len bytes
 * @out:	at least POLICY_HOST_MAX + 1 bytes
 *
 * Accepts DNS names (letters, digits, '-', '_', dots; labels of 1-63 bytes)
 * and IPv4/IPv6 literals.
 * Return: 0 or -EINVAL
 */
int policy_normalize_host(const char *in, size_t len, char *out);

/**
 * policy_host_is_ip() - is a normalized host an IP literal
 */
bool policy_host_is_ip(const char *host);

/**
 * policy_rule_names_address() - does @r name the IP literal @ip in its host
 * list, or an address range holding it (the explicit opt-in that lets a rule
 * reach a private address)
 */
bool policy_rule_names_address(const struct policy_rule *r, const char *ip);

/**
 * policy_normalize_path() - the form of a request path that rules are matched on
 * @in, @len:	the path as sent (origin-form; the query and fragment are cut off)
 * @out:	where the normalized path goes, NUL-terminated
 * @outsz:	room in @out
 *
 * Percent-encoded unreserved characters are decoded ("%41" is "A"), other
 * escapes are upper-cased, runs of "/" count as one.  Refused (-EINVAL): a
 * path not starting with "/", "." or ".." segments (also when encoded), an
 * encoded "/" or "\", a raw "\", control characters, spaces and bytes
 * outside ASCII, a malformed escape.  -E2BIG: @out is too small.
 * Return: 0 or -errno
 */
int policy_normalize_path(const char *in, size_t len, char *out, size_t outsz);

/** policy_valid_token() - is @s an RFC 9110 token (method, header name) */
bool policy_valid_token(const char *s);

/**
 * policy_header_reserved() - is @name a header outbound manages itself
 * (framing, connection, proxy headers), which a rule may not inject
 */
bool policy_header_reserved(const char *name);

/**
 * policy_for_each_ref() - call @fn for every ${NAME} the rules' templates use
 * (to check, before serving, that every secret they need was given)
 * Return: 0, or the first non-zero result of @fn
 */
int policy_for_each_ref(const struct policy *p,
			int (*fn)(void *ctx, const struct policy_rule *r,
				  const struct policy_inject *inj, const char *name),
			void *ctx);

#endif
