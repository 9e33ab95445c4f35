// SPDX-License-Identifier: MIT
/*
 * policy.c - the policy file format, --allow rules, and matching (see policy.h).
 *
 * The file is parsed with jansson into a tree, then every field is checked
 * against what it may hold; anything unexpected (an unknown field, a value of
 * the wrong type, a template that does not parse) is an error that names the
 * file, the rule and the field.  A key given twice is refused by the parser
 * itself, with its line.  A policy that loaded is one whose every rule means
 * exactly one thing.
 */
#include "policy.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsontext.h"
#include "util.h"

const char *policy_action_name(enum policy_action a)
{
	switch (a) {
	case POLICY_ALLOW:
		return "allow";
	case POLICY_PASSTHROUGH:
		return "passthrough";
	default:
		return "deny";
	}
}

/* ---- names and addresses ------------------------------------------------ */

bool policy_host_is_ip(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* A DNS name: labels of [a-z0-9_-], 1-63 bytes, not starting or ending with '-';
 * the last label starts with a letter, so that "2130706433" or "0x7f.1", which
 * some resolvers read as addresses, are never taken for names. */
static bool valid_dns_name(const char *s, size_t len)
{
	size_t label = 0, last_start = 0;

	if (len == 0 || len > POLICY_HOST_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';

		if (c == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			if (s[i - label] == '-')
				return false;
			last_start = i - label;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
		label++;
	}
	return s[last_start] >= 'a' && s[last_start] <= 'z';
}

int policy_normalize_host(const char *in, size_t len, char *out)
{
	char tmp[POLICY_HOST_MAX + 2];
	unsigned char addr[16];

	if (!in || len == 0)
		return -EINVAL;
	if (in[0] == '[') {
		if (len < 3 || in[len - 1] != ']')
			return -EINVAL;
		in++;
		len -= 2;
		if (len >= sizeof(tmp))
			return -EINVAL;
		memcpy(tmp, in, len);
		tmp[len] = '\0';
		if (inet_pton(AF_INET6, tmp, addr) != 1)
			return -EINVAL;
		return inet_ntop(AF_INET6, addr, out, POLICY_HOST_MAX + 1) ? 0 : -EINVAL;
	}
	if (in[len - 1] == '.')
		len--;
	if (len == 0 || len > POLICY_HOST_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '\0')
			return -EINVAL;
		tmp[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, addr) == 1)
		return inet_ntop(AF_INET, addr, out, POLICY_HOST_MAX + 1) ? 0 : -EINVAL;
	if (inet_pton(AF_INET6, tmp, addr) == 1)
		return inet_ntop(AF_INET6, addr, out, POLICY_HOST_MAX + 1) ? 0 : -EINVAL;
	if (!valid_dns_name(tmp, len))
		return -EINVAL;
	memcpy(out, tmp, len + 1);
	return 0;
}

/* "ADDR/BITS": parse into a family, address bytes and a prefix length. */
static bool parse_cidr(const char *s, int *family, unsigned char addr[16], unsigned *bits)
{
	const char *slash = strchr(s, '/');
	char a[INET6_ADDRSTRLEN + 1];
	unsigned long n;
	char *end;

	if (!slash || (size_t)(slash - s) >= sizeof(a) || !slash[1])
		return false;
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	if (slash[1] < '0' || slash[1] > '9')
		return false;
	n = strtoul(slash + 1, &end, 10);
	if (*end)
		return false;
	if (inet_pton(AF_INET, a, addr) == 1) {
		*family = AF_INET;
		if (n > 32)
			return false;
	} else if (inet_pton(AF_INET6, a, addr) == 1) {
		*family = AF_INET6;
		if (n > 128)
			return false;
	} else {
		return false;
	}
	*bits = (unsigned)n;
	return true;
}

static bool in_cidr(const char *pattern, const char *host)
{
	unsigned char net[16], ip[16];
	unsigned bits;
	int family;

	if (!parse_cidr(pattern, &family, net, &bits) || inet_pton(family, host, ip) != 1)
		return false;
	for (unsigned i = 0; i < bits; i++)
		if ((net[i / 8] ^ ip[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

bool policy_host_match(const char *pattern, const char *host)
{
	size_t pl, hl;

	if (pattern[0] == '*' && pattern[1] == '\0')
		return true;
	if (strchr(pattern, '/'))
		return in_cidr(pattern, host);
	if (pattern[0] == '*' && pattern[1] == '.') {
		pl = strlen(pattern + 1);	/* ".example.com" */
		hl = strlen(host);
		return hl > pl && !strcmp(host + hl - pl, pattern + 1);
	}
	return !strcmp(pattern, host);
}

bool policy_path_match(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);

	if (strncmp(prefix, path, n))
		return false;
	if (path[n] == '\0' || (n && prefix[n - 1] == '/'))
		return true;
	return path[n] == '/';
}

bool policy_rule_names_address(const struct policy_rule *r, const char *ip)
{
	for (size_t i = 0; r && i < r->nhosts; i++)
		if (!strcmp(r->hosts[i], ip) || (strchr(r->hosts[i], '/') && in_cidr(r->hosts[i], ip)))
			return true;
	return false;
}

/* ---- matching ----------------------------------------------------------- */

static bool host_matches(const struct policy_rule *r, const char *host)
{
	bool ok = !r->nhosts;

	for (size_t i = 0; i < r->nhosts && !ok; i++)
		ok = policy_host_match(r->hosts[i], host);
	return ok;
}

static bool rule_matches(const struct policy_rule *r, const char *host, uint16_t port,
			 const char *method, const char *path)
{
	bool ok;
	/* An attribute the caller does not know yet (NULL) cannot confirm a
	 * deny, and cannot rule out an allow (see policy.h). */
	bool unknown_ok = r->action != POLICY_DENY;

	if (!host_matches(r, host))
		return false;
	if (r->nports) {
		if (!port)
			return unknown_ok;
		ok = false;
		for (size_t i = 0; i < r->nports && !ok; i++)
			ok = r->ports[i] == port;
		if (!ok)
			return false;
	}
	if (r->nmethods) {
		if (!method)
			return unknown_ok;
		ok = false;
		for (size_t i = 0; i < r->nmethods && !ok; i++)
			ok = !strcmp(r->methods[i], method);
		if (!ok)
			return false;
	}
	if (r->npaths) {
		if (!path)
			return unknown_ok;
		ok = false;
		for (size_t i = 0; i < r->npaths && !ok; i++)
			ok = policy_path_match(r->paths[i], path);
		if (!ok)
			return false;
	}
	return true;
}

const struct policy_rule *policy_match(const struct policy *p, const char *host,
				       uint16_t port, const char *method, const char *path)
{
	if (!p || !host)
		return NULL;
	for (size_t i = 0; i < p->nrules; i++)
		if (rule_matches(&p->rules[i], host, port, method, path))
			return &p->rules[i];
	return NULL;
}

bool policy_rule_speaks_http(const struct policy_rule *r)
{
	return r->nmethods || r->npaths || r->ninject || r->websocket ||
	       r->action == POLICY_PASSTHROUGH;
}

/* Does @r name @host and @port, whatever its methods and paths? */
static bool host_port_matches(const struct policy_rule *r, const char *host, uint16_t port)
{
	bool ok = !r->nports;

	for (size_t i = 0; i < r->nports && !ok; i++)
		ok = r->ports[i] == port;
	return ok && host_matches(r, host);
}

const struct policy_rule *policy_match_stream(const struct policy *p, const char *host,
					      uint16_t port)
{
	for (size_t i = 0; p && host && i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (host_port_matches(r, host, port) &&
		    (policy_rule_speaks_http(r) || rule_matches(r, host, port, NULL, NULL)))
			return r;
	}
	return NULL;
}

const struct policy_rule *policy_match_datagram(const struct policy *p, const char *host,
						uint16_t port)
{
	for (size_t i = 0; p && host && i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (!host_port_matches(r, host, port))
			continue;
		if (policy_rule_speaks_http(r) ? r->action == POLICY_DENY
					       : rule_matches(r, host, port, NULL, NULL))
			return r;
	}
	return NULL;
}

/* ---- freeing ------------------------------------------------------------ */

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void rule_free(struct policy_rule *r)
{
	free(r->name);
	free(r->reason);
	strv_free(r->hosts, r->nhosts);
	free(r->ports);
	strv_free(r->methods, r->nmethods);
	strv_free(r->paths, r->npaths);
	for (size_t i = 0; i < r->ninject; i++) {
		free(r->inject[i].header);
		free(r->inject[i].source);
		tmpl_free(&r->inject[i].value);
	}
	free(r->inject);
	free(r->audience);
	memset(r, 0, sizeof(*r));
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++)
		rule_free(&p->rules[i]);
	free(p->rules);
	free(p);
}

struct policy *policy_new(void)
{
	return calloc(1, sizeof(struct policy));
}

/* ---- parsing ------------------------------------------------------------ */

struct pctx {
	const char *origin;
	char where[96];		/* "rules[3] (github)" */
	struct merr *e;
};

__attribute__((format(printf, 3, 4)))
static int bad(struct pctx *c, const char *field, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (field && c->where[0])
		return merr_set(c->e, EINVAL, "%s: %s.%s: %s", c->origin, c->where, field, msg);
	if (field)
		return merr_set(c->e, EINVAL, "%s: %s: %s", c->origin, field, msg);
	if (c->where[0])
		return merr_set(c->e, EINVAL, "%s: %s: %s", c->origin, c->where, msg);
	return merr_set(c->e, EINVAL, "%s: %s", c->origin, msg);
}

static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

bool policy_valid_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return false;
	return true;
}

static bool printable(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return n <= max;
}

/* Headers outbound owns: framing and connection management are rebuilt for
 * each hop, so a policy may not inject them. */
static const char *const reserved_headers[] = {
	"host", "content-length", "transfer-encoding", "connection", "keep-alive",
	"proxy-connection", "proxy-authorization", "proxy-authenticate", "te",
	"trailer", "upgrade", "expect",
};

bool policy_header_reserved(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(reserved_headers); i++)
		if (!strcasecmp(name, reserved_headers[i]))
			return true;
	return false;
}

/* Every key of @obj must be in @known (the parser refused any given twice). */
static int check_keys(struct pctx *c, json_t *obj, const char *const *known, size_t nknown,
		      const char *what)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		bool ok = false;

		for (size_t i = 0; i < nknown && !ok; i++)
			ok = !strcmp(key, known[i]);
		if (!ok)
			return bad(c, NULL, "unknown field \"%.64s\" in %s", key, what);
	}
	return 0;
}

/* A string or a list of strings, each passed to @each. */
static int for_strings(struct pctx *c, json_t *v, const char *field,
		       int (*each)(struct pctx *, const char *, const char *, void *), void *arg)
{
	json_t *item;
	size_t i;
	int r;

	if (json_is_string(v))
		return each(c, field, json_string_value(v), arg);
	if (!json_is_array(v))
		return bad(c, field, "must be a string or a list of strings");
	if (json_array_size(v) == 0)
		return bad(c, field, "an empty list matches nothing; leave the field out to match any");
	json_array_foreach(v, i, item) {
		if (!json_is_string(item))
			return bad(c, field, "must be a string or a list of strings");
		if (i >= POLICY_LIST_MAX)
			return bad(c, field, "more than %d entries", POLICY_LIST_MAX);
		r = each(c, field, json_string_value(item), arg);
		if (r)
			return r;
	}
	return 0;
}

static int strv_push(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

static int add_host(struct pctx *c, const char *field, const char *s, void *arg)
{
	struct policy_rule *r = arg;
	char norm[POLICY_HOST_MAX + 3];
	size_t len = strlen(s);

	if (!strcmp(s, "*")) {
		strcpy(norm, "*");
	} else if (strchr(s, '/')) {
		int family;
		unsigned char a[16];
		unsigned bits;
		char txt[INET6_ADDRSTRLEN];

		if (!parse_cidr(s, &family, a, &bits))
			return bad(c, field, "\"%.80s\" is not a valid address range (ADDR/BITS)", s);
		/* canonical form, host bits cleared */
		for (unsigned i = bits; i < (family == AF_INET ? 32u : 128u); i++)
			a[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
		inet_ntop(family, a, txt, sizeof(txt));
		snprintf(norm, sizeof(norm), "%s/%u", txt, bits);
	} else if (!strncmp(s, "*.", 2)) {
		norm[0] = '*';
		norm[1] = '.';
		if (policy_normalize_host(s + 2, len - 2, norm + 2) < 0 || policy_host_is_ip(norm + 2))
			return bad(c, field, "\"%.80s\" is not a valid host pattern", s);
	} else if (strchr(s, '*')) {
		return bad(c, field, "\"%.80s\": \"*\" may only stand alone or start \"*.\"", s);
	} else if (policy_normalize_host(s, len, norm) < 0) {
		return bad(c, field, "\"%.80s\" is not a valid host name or address", s);
	}
	char *copy = strdup(norm);

	return copy ? strv_push(&r->hosts, &r->nhosts, copy) : -ENOMEM;
}

static int add_method(struct pctx *c, const char *field, const char *s, void *arg)
{
	struct policy_rule *r = arg;

	if (strlen(s) > 32 || !policy_valid_token(s))
		return bad(c, field, "\"%.40s\" is not a method", s);
	for (const char *p = s; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			return bad(c, field, "\"%.40s\": methods are upper case", s);
	char *copy = strdup(s);

	return copy ? strv_push(&r->methods, &r->nmethods, copy) : -ENOMEM;
}

static int add_path(struct pctx *c, const char *field, const char *s, void *arg)
{
	struct policy_rule *r = arg;
	char norm[POLICY_PATH_MAX + 1];
	size_t len = strlen(s);

	if (len > POLICY_PATH_MAX || s[0] != '/' || strpbrk(s, "?#"))
		return bad(c, field, "\"%.80s\" must be a path starting with \"/\" (no query), at most %d bytes",
			   s, POLICY_PATH_MAX);
	if (policy_normalize_path(s, len, norm, sizeof(norm)) < 0)
		return bad(c, field, "\"%.80s\" is not a valid path (dot segments, encoded \"/\" and control characters are refused)", s);
	char *copy = strdup(norm);

	return copy ? strv_push(&r->paths, &r->npaths, copy) : -ENOMEM;
}

static int add_port(struct pctx *c, struct policy_rule *r, json_t *v)
{
	uint16_t *np;

	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 65535)
		return bad(c, "port", "must be an integer 1-65535 or a list of them");
	if (r->nports >= POLICY_LIST_MAX)
		return bad(c, "port", "more than %d entries", POLICY_LIST_MAX);
	np = realloc(r->ports, (r->nports + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	np[r->nports++] = (uint16_t)json_integer_value(v);
	r->ports = np;
	return 0;
}

static int parse_inject(struct pctx *c, struct policy_rule *r, json_t *v)
{
	const char *name;
	json_t *h;
	size_t n;
	int ret;

	if (!json_is_object(v))
		return bad(c, "inject", "must be an object of header names to templates");
	n = json_object_size(v);
	if (n > POLICY_INJECT_MAX)
		return bad(c, "inject", "more than %d headers", POLICY_INJECT_MAX);
	r->inject = calloc(n ? n : 1, sizeof(*r->inject));
	if (!r->inject)
		return -ENOMEM;
	r->ninject = 0;
	json_object_foreach(v, name, h) {
		struct policy_inject *inj = &r->inject[r->ninject];
		struct merr te = { 0 };

		if (strlen(name) > 64 || !policy_valid_token(name))
			return bad(c, "inject", "\"%.64s\" is not a header name", name);
		if (policy_header_reserved(name))
			return bad(c, "inject", "\"%s\" is managed by outbound and cannot be injected",
				   name);
		/* the parser refused a name given twice as is; this is one in another case */
		for (size_t i = 0; i < r->ninject; i++)
			if (!strcasecmp(r->inject[i].header, name))
				return bad(c, "inject", "header \"%s\" given twice", name);
		if (!json_is_string(h))
			return bad(c, "inject", "\"%s\": the value must be a template string",
				   name);
		ret = tmpl_parse(json_string_value(h), &inj->value, &te);
		if (ret)
			return bad(c, "inject", "\"%s\": %s", name, te.msg);
		inj->header = strdup(name);
		inj->source = strdup(json_string_value(h));
		r->ninject++;
		if (!inj->header || !inj->source)
			return -ENOMEM;
	}
	return 0;
}

static int parse_identity(struct pctx *c, struct policy_rule *r, json_t *v)
{
	static const char *const keys[] = { "audience", "ttl" };
	json_t *aud, *ttl;
	int ret;

	if (!json_is_object(v))
		return bad(c, "identity", "must be an object with \"audience\" and/or \"ttl\"");
	ret = check_keys(c, v, keys, ARRAY_SIZE(keys), "identity");
	if (ret)
		return ret;
	aud = json_object_get(v, "audience");
	ttl = json_object_get(v, "ttl");
	if (aud) {
		const char *s = json_string_value(aud);	/* NULL if not a string */

		if (!s || !s[0] || !printable(s, 256))
			return bad(c, "identity.audience", "must be a printable string of 1-256 bytes");
		r->audience = strdup(s);
		if (!r->audience)
			return -ENOMEM;
	}
	if (ttl) {
		if (!json_is_integer(ttl) || json_integer_value(ttl) < POLICY_TTL_MIN ||
		    json_integer_value(ttl) > POLICY_TTL_MAX)
			return bad(c, "identity.ttl", "must be a whole number of seconds, %d-%d",
				   POLICY_TTL_MIN, POLICY_TTL_MAX);
		r->ttl = (unsigned)json_integer_value(ttl);
	}
	return 0;
}

static int parse_bool(struct pctx *c, json_t *v, const char *field, bool *out)
{
	if (!json_is_boolean(v))
		return bad(c, field, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

static int parse_rule(struct pctx *c, json_t *o, struct policy_rule *r, size_t index)
{
	static const char *const keys[] = {
		"name", "host", "port", "method", "path", "action", "reason", "inject",
		"identity", "plaintext_inject", "websocket",
	};
	const char *s;
	json_t *v;
	int ret;

	r->ttl = POLICY_TTL_DEFAULT;
	snprintf(c->where, sizeof(c->where), "rules[%zu]", index);
	if (!json_is_object(o))
		return bad(c, NULL, "a rule must be an object");
	v = json_object_get(o, "name");
	if (v) {
		s = json_string_value(v);	/* NULL if not a string */
		if (!s || !s[0] || strlen(s) > POLICY_NAME_MAX ||
		    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._:/@+-") !=
			    strlen(s))
			return bad(c, "name", "must be 1-%d characters of letters, digits, space and ._:/@+-",
				   POLICY_NAME_MAX);
		snprintf(c->where, sizeof(c->where), "rules[%zu] (%s)", index, s);
		r->name = strdup(s);
	} else {
		char name[32];

		snprintf(name, sizeof(name), "rule %zu", index + 1);
		r->name = strdup(name);
	}
	if (!r->name)
		return -ENOMEM;
	ret = check_keys(c, o, keys, ARRAY_SIZE(keys), "a rule");
	if (ret)
		return ret;

	v = json_object_get(o, "action");
	if (!v)
		return bad(c, NULL, "\"action\" is required (allow, deny or passthrough)");
	s = json_string_value(v);
	if (s && !strcmp(s, "allow"))
		r->action = POLICY_ALLOW;
	else if (s && !strcmp(s, "deny"))
		r->action = POLICY_DENY;
	else if (s && !strcmp(s, "passthrough"))
		r->action = POLICY_PASSTHROUGH;
	else
		return bad(c, "action", "must be \"allow\", \"deny\" or \"passthrough\"");

	if ((v = json_object_get(o, "host")) && (ret = for_strings(c, v, "host", add_host, r)))
		return ret;
	if ((v = json_object_get(o, "port"))) {
		if (json_is_array(v)) {
			json_t *item;
			size_t i;

			if (json_array_size(v) == 0)
				return bad(c, "port", "an empty list matches nothing; leave the field out to match any");
			json_array_foreach(v, i, item)
				if ((ret = add_port(c, r, item)))
					return ret;
		} else if ((ret = add_port(c, r, v))) {
			return ret;
		}
	}
	if ((v = json_object_get(o, "method")) &&
	    (ret = for_strings(c, v, "method", add_method, r)))
		return ret;
	if ((v = json_object_get(o, "path")) && (ret = for_strings(c, v, "path", add_path, r)))
		return ret;
	if ((v = json_object_get(o, "reason"))) {
		if (r->action != POLICY_DENY)
			return bad(c, "reason", "only a deny rule has a reason");
		s = json_string_value(v);
		if (!s || !printable(s, POLICY_REASON_MAX))
			return bad(c, "reason", "must be a string of printable characters, at most %d bytes",
				   POLICY_REASON_MAX);
		r->reason = strdup(s);
		if (!r->reason)
			return -ENOMEM;
	}
	if ((v = json_object_get(o, "inject")) && (ret = parse_inject(c, r, v)))
		return ret;
	if ((v = json_object_get(o, "identity")) && (ret = parse_identity(c, r, v)))
		return ret;
	if ((v = json_object_get(o, "plaintext_inject")) &&
	    (ret = parse_bool(c, v, "plaintext_inject", &r->plaintext_inject)))
		return ret;
	if ((v = json_object_get(o, "websocket")) &&
	    (ret = parse_bool(c, v, "websocket", &r->websocket)))
		return ret;

	/* What an action can carry. */
	if (r->action != POLICY_ALLOW) {
		static const char *const allow_only[] = {
			"inject", "identity", "plaintext_inject", "websocket",
		};

		for (size_t i = 0; i < ARRAY_SIZE(allow_only); i++)
			if (json_object_get(o, allow_only[i]))
				return bad(c, allow_only[i], "only an allow rule can have it");
	}
	if (r->action == POLICY_PASSTHROUGH && (r->nmethods || r->npaths))
		return bad(c, r->nmethods ? "method" : "path",
			   "a passthrough rule does not see requests; it matches on host and port only");
	if (json_object_get(o, "identity")) {
		bool used = false;

		for (size_t i = 0; i < r->ninject; i++)
			for (size_t j = 0; j < r->inject[i].value.nsegs; j++)
				used |= r->inject[i].value.segs[j].ref &&
					!strcmp(r->inject[i].value.segs[j].text, "MOAT_IDENTITY_TOKEN");
		if (!used)
			return bad(c, "identity", "no header of \"inject\" uses ${MOAT_IDENTITY_TOKEN}");
	}
	return 0;
}

/* The address of range @cidr ("10.1.0.0/16": "10.1.0.0") in @out. */
static const char *cidr_address(const char *cidr, char *out, size_t cap)
{
	size_t n = strcspn(cidr, "/");

	snprintf(out, cap, "%.*s", (int)MIN(n, cap - 1), cidr);
	return out;
}

/*
 * Can host patterns @a and @b match one host?  Globs are taken both ways
 * round; two address ranges share one where either holds the other's
 * address (the shorter prefix decides).
 */
static bool hosts_overlap(const char *a, const char *b)
{
	char addr[INET6_ADDRSTRLEN];

	if (policy_host_match(a, b) || policy_host_match(b, a))
		return true;
	return strchr(a, '/') && strchr(b, '/') &&
	       (in_cidr(a, cidr_address(b, addr, sizeof(addr))) ||
		in_cidr(b, cidr_address(a, addr, sizeof(addr))));
}

/* Can @a and @b match one host and port? */
static bool rules_overlap(const struct policy_rule *a, const struct policy_rule *b)
{
	bool hosts = !a->nhosts || !b->nhosts, ports = !a->nports || !b->nports;

	for (size_t i = 0; i < a->nhosts && !hosts; i++)
		for (size_t j = 0; j < b->nhosts && !hosts; j++)
			hosts = hosts_overlap(a->hosts[i], b->hosts[j]);
	for (size_t i = 0; i < a->nports && !ports; i++)
		for (size_t j = 0; j < b->nports && !ports; j++)
			ports = a->ports[i] == b->ports[j];
	return hosts && ports;
}

/*
 * A passthrough rule after a deny of some methods or paths of the same host:
 * the deny would hold for nothing, since a passthrough connection's requests
 * are never seen (first match wins on the host and port alone).
 */
static int check_passthrough(struct pctx *c, const struct policy_rule *rules, size_t first,
			     size_t n)
{
	for (size_t i = first; i < n; i++) {
		if (rules[i].action != POLICY_PASSTHROUGH)
			continue;
		for (size_t k = 0; k < i; k++) {
			const struct policy_rule *d = &rules[k];

			if (d->action != POLICY_DENY || (!d->nmethods && !d->npaths) ||
			    !rules_overlap(d, &rules[i]))
				continue;
			snprintf(c->where, sizeof(c->where), "rules[%zu]", i - first);
			return bad(c, "action", "passthrough sees no requests: the %s that "
				   "\"%s\" denies before it would pass; allow the host instead, "
				   "or give the rules different hosts or ports",
				   d->npaths ? "paths" : "methods", d->name);
		}
	}
	return 0;
}

/*
 * The key that a JSON_REJECT_DUPLICATES error is about, as a JSON string, or
 * NULL: the string literal that ends where the parser stopped (@end).
 */
static json_t *duplicate_key(const char *json, size_t len, int end)
{
	size_t start;

	if (end < 2 || (size_t)end > len || json[end - 1] != '"')
		return NULL;
	start = json_token_start(json, (size_t)end);
	return json_loadb(json + start, (size_t)end - start, JSON_DECODE_ANY, NULL);
}

/* What the parser refused, where: "ORIGIN: line 3: not valid JSON: ..." */
static int parse_error(struct pctx *c, const char *json, size_t len, const json_error_t *err)
{
	json_t *key;
	int r;

	if (json_error_code(err) != json_error_duplicate_key)
		return merr_set(c->e, EINVAL, "%s: line %d: not valid JSON: %s (column %d)",
				c->origin, err->line, err->text, err->column);
	key = duplicate_key(json, len, err->position);
	if (json_is_string(key))
		r = merr_set(c->e, EINVAL, "%s: line %d: key \"%.64s\" given twice in one object",
			     c->origin, err->line, json_string_value(key));
	else
		r = merr_set(c->e, EINVAL, "%s: line %d: a key given twice in one object",
			     c->origin, err->line);
	json_decref(key);
	return r;
}

int policy_parse(struct policy *p, const char *json, size_t len, const char *origin,
		 struct merr *e)
{
	static const char *const keys[] = { "version", "rules" };
	struct pctx c = { .origin = origin ? origin : "policy", .e = e };
	struct policy_rule *nr = NULL;
	json_t *root, *rules, *ver, *it;
	json_error_t err;
	size_t n = 0, i = 0;
	int ret = 0;

	if (len > POLICY_FILE_MAX)
		return merr_set(e, EFBIG, "%s: larger than %d bytes", c.origin, POLICY_FILE_MAX);
	/* any value, so that one that is not an object gets the message below */
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (!root)
		return parse_error(&c, json, len, &err);
	if (!json_is_object(root)) {
		ret = bad(&c, NULL, "must be an object with \"rules\"");
		goto out;
	}
	ret = check_keys(&c, root, keys, ARRAY_SIZE(keys), "the policy");
	if (ret)
		goto out;
	ver = json_object_get(root, "version");
	if (ver && (!json_is_number(ver) || json_number_value(ver) != 1)) {
		ret = bad(&c, "version", "this outbound reads version 1");
		goto out;
	}
	rules = json_object_get(root, "rules");
	if (!json_is_array(rules)) {
		ret = bad(&c, "rules", "must be a list of rules");
		goto out;
	}
	n = json_array_size(rules);
	if (p->nrules + n > POLICY_RULES_MAX) {
		ret = bad(&c, "rules", "more than %d rules", POLICY_RULES_MAX);
		goto out;
	}
	nr = calloc(p->nrules + n + 1, sizeof(*nr));
	if (!nr) {
		ret = merr_set(e, ENOMEM, "%s: out of memory", c.origin);
		goto out;
	}
	json_array_foreach(rules, i, it) {
		ret = parse_rule(&c, it, &nr[p->nrules + i], i);
		if (ret == -ENOMEM)
			merr_set(e, ENOMEM, "%s: out of memory", c.origin);
		if (ret)
			goto out;
		for (size_t k = 0; k < p->nrules + i; k++) {
			const struct policy_rule *prev = k < p->nrules ? &p->rules[k] : &nr[k];

			if (!strcmp(prev->name, nr[p->nrules + i].name)) {
				ret = bad(&c, "name", "\"%s\" names an earlier rule too", prev->name);
				goto out;
			}
		}
	}
	/* Commit: the old rules move into the new array. */
	if (p->nrules)
		memcpy(nr, p->rules, p->nrules * sizeof(*nr));
	ret = check_passthrough(&c, nr, p->nrules, p->nrules + n);
	if (ret) {
		for (size_t k = 0; k < n; k++)
			rule_free(&nr[p->nrules + k]);
		free(nr);	/* the old rules are still p->rules' */
		nr = NULL;
		goto out;
	}
	free(p->rules);
	p->rules = nr;
	p->nrules += n;
	nr = NULL;
out:
	if (nr) {
		for (size_t k = 0; k <= i && k < n; k++)
			rule_free(&nr[p->nrules + k]);
		free(nr);
	}
	json_decref(root);
	return ret;
}

int policy_load_file(struct policy *p, const char *path, struct merr *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *text = NULL;
	struct stat st;
	ssize_t n;
	size_t got = 0;

	if (fd < 0)
		return merr_sys(e, "open policy %s", path);
	if (fstat(fd, &st) < 0)
		return merr_sys(e, "stat policy %s", path);
	if (!S_ISREG(st.st_mode))
		return merr_set(e, EINVAL, "policy %s: not a regular file", path);
	if (st.st_size > POLICY_FILE_MAX)
		return merr_set(e, EFBIG, "policy %s: larger than %d bytes", path, POLICY_FILE_MAX);
	text = calloc(1, (size_t)st.st_size + 1);
	if (!text)
		return merr_set(e, ENOMEM, "policy %s: out of memory", path);
	while (got < (size_t)st.st_size) {
		n = read(fd, text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return merr_sys(e, "read policy %s", path);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return policy_parse(p, text, got, path, e);
}

int policy_add_allow(struct policy *p, const char *spec, struct merr *e)
{
	char host[POLICY_HOST_MAX + 3], name[POLICY_HOST_MAX + 32], origin[96];
	struct policy_rule *nr, r = { .action = POLICY_ALLOW, .ttl = POLICY_TTL_DEFAULT };
	struct pctx c = { .origin = origin, .e = e };	/* "--allow SPEC: host: why" */
	const char *hs = spec, *colon = NULL;
	size_t hl = strlen(spec);
	long port = 0;
	int ret;

	snprintf(origin, sizeof(origin), "--allow %.80s", spec);
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close)
			return merr_set(e, EINVAL, "--allow %s: \"[\" without \"]\"", spec);
		if (close[1] == ':')
			colon = close + 1;
		else if (close[1])
			return merr_set(e, EINVAL, "--allow %s: expected HOST[:PORT]", spec);
		hs = spec;
		hl = (size_t)(close - spec) + 1;
	} else {
		colon = strchr(spec, ':');
		if (colon && strchr(colon + 1, ':'))
			return merr_set(e, EINVAL, "--allow %s: write an IPv6 address as [ADDR] or [ADDR]:PORT",
					spec);
		if (colon)
			hl = (size_t)(colon - spec);
	}
	if (colon) {
		char *end;

		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || errno || port < 1 || port > 65535 || colon[1] == '+' ||
		    colon[1] == '-' || colon[1] == ' ')
			return merr_set(e, EINVAL, "--allow %s: the port must be 1-65535", spec);
	}
	if (hl == 0 || hl > POLICY_HOST_MAX + 2)
		return merr_set(e, EINVAL, "--allow %s: expected HOST[:PORT]", spec);
	memcpy(host, hs, hl);
	host[hl] = '\0';
	ret = add_host(&c, "host", host, &r);
	if (ret == 0 && port) {
		r.ports = malloc(sizeof(*r.ports));
		if (!r.ports)
			ret = -ENOMEM;
		else
			r.ports[r.nports++] = (uint16_t)port;
	}
	snprintf(name, sizeof(name), "--allow %s", spec);
	if (ret == 0 && !(r.name = strdup(name)))
		ret = -ENOMEM;
	if (ret == 0 && p->nrules >= POLICY_RULES_MAX)
		ret = merr_set(e, E2BIG, "--allow %s: more than %d rules", spec, POLICY_RULES_MAX);
	if (ret == 0) {
		nr = realloc(p->rules, (p->nrules + 1) * sizeof(*nr));
		if (!nr) {
			ret = -ENOMEM;
		} else {
			p->rules = nr;
			p->rules[p->nrules++] = r;
			return 0;
		}
	}
	if (ret == -ENOMEM)
		merr_set(e, ENOMEM, "--allow: out of memory");
	rule_free(&r);
	return ret;
}

int policy_for_each_ref(const struct policy *p,
			int (*fn)(void *ctx, const struct policy_rule *r,
				  const struct policy_inject *inj, const char *name),
			void *ctx)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];

		for (size_t j = 0; j < r->ninject; j++)
			for (size_t k = 0; k < r->inject[j].value.nsegs; k++) {
				const struct tmpl_seg *s = &r->inject[j].value.segs[k];
				int ret;

				if (!s->ref)
					continue;
				ret = fn(ctx, r, &r->inject[j], s->text);
				if (ret)
					return ret;
			}
	}
	return 0;
}

/* ---- paths -------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

int policy_normalize_path(const char *in, size_t len, char *out, size_t outsz)
{
	size_t o = 0, seg = 0;

	if (!in || len == 0 || in[0] != '/' || outsz < 2)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		char enc[3];
		size_t elen = 1;

		if (c == '?' || c == '#')
			break;
		if (c <= 0x20 || c >= 0x7f || c == '\\')
			return -EINVAL;
		enc[0] = (char)c;
		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -EINVAL;
			hi = hexval(in[i + 1]);
			lo = hexval(in[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
				return -EINVAL;
			if (unreserved(c)) {
				enc[0] = (char)c;
			} else {
				enc[0] = '%';
				enc[1] = "0123456789ABCDEF"[c >> 4];
				enc[2] = "0123456789ABCDEF"[c & 15];
				elen = 3;
			}
		} else if (c == '/') {
			/* "//" is one separator for matching: some servers merge them */
			if (o && out[o - 1] == '/')
				continue;
		}
		if (enc[0] == '/' && elen == 1) {
			/* end of a segment: refuse "." and ".." */
			if ((o - seg == 1 && out[seg] == '.') ||
			    (o - seg == 2 && out[seg] == '.' && out[seg + 1] == '.'))
				return -EINVAL;
			seg = o + 1;
		}
		if (o + elen >= outsz)
			return -E2BIG;
		memcpy(out + o, enc, elen);
		o += elen;
	}
	if ((o - seg == 1 && out[seg] == '.') ||
	    (o - seg == 2 && out[seg] == '.' && out[seg + 1] == '.'))
		return -EINVAL;
	out[o] = '\0';
	return 0;
}
