// SPDX-License-Identifier: MIT
/* Unit tests: netstack/outbound/policy.c - the policy format, --allow, matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netstack/outbound/policy.h"

static struct policy *parse_ok(const char *json)
{
	struct policy *p = policy_new();
	struct merr e = { 0 };
	int r;

	assert_non_null(p);
	r = policy_parse(p, json, strlen(json), "t.json", &e);
	if (r)
		fail_msg("policy did not parse: %s\n%s", e.msg, json);
	return p;
}

/* Every field, read back. */
static void test_fields(void **state)
{
	struct policy *p = parse_ok(
		"{\"version\": 1, \"rules\": ["
		" {\"name\": \"gh\", \"host\": [\"API.GitHub.com.\", \"*.githubusercontent.com\"],"
		"  \"port\": [443, 8443], \"method\": [\"GET\", \"POST\"], \"path\": [\"/repos/acme/\", \"/user\"],"
		"  \"action\": \"allow\", \"inject\": {\"Authorization\": \"Bearer ${GITHUB_TOKEN}\","
		"  \"X-Id\": \"${MOAT_IDENTITY_TOKEN}\"}, \"identity\": {\"audience\": \"https://x\", \"ttl\": 120},"
		"  \"plaintext_inject\": true, \"websocket\": true},"
		" {\"host\": \"10.0.0.7\", \"action\": \"deny\", \"reason\": \"no\"},"
		" {\"host\": \"[::1]\", \"port\": 22, \"action\": \"passthrough\"}"
		"]}");
	const struct policy_rule *r = &p->rules[0];

	(void)state;
	assert_int_equal(p->nrules, 3);
	assert_string_equal(r->name, "gh");
	assert_int_equal(r->action, POLICY_ALLOW);
	assert_int_equal(r->nhosts, 2);
	assert_string_equal(r->hosts[0], "api.github.com");
	assert_string_equal(r->hosts[1], "*.githubusercontent.com");
	assert_int_equal(r->nports, 2);
	assert_int_equal(r->ports[1], 8443);
	assert_int_equal(r->nmethods, 2);
	assert_string_equal(r->methods[1], "POST");
	assert_int_equal(r->npaths, 2);
	assert_string_equal(r->paths[0], "/repos/acme/");
	assert_int_equal(r->ninject, 2);
	assert_string_equal(r->inject[0].header, "Authorization");
	assert_int_equal(r->inject[0].value.nsegs, 2);
	assert_false(r->inject[0].value.segs[0].ref);
	assert_string_equal(r->inject[0].value.segs[0].text, "Bearer ");
	assert_true(r->inject[0].value.segs[1].ref);
	assert_string_equal(r->inject[0].value.segs[1].text, "GITHUB_TOKEN");
	assert_string_equal(r->audience, "https://x");
	assert_int_equal(r->ttl, 120);
	assert_true(r->plaintext_inject);
	assert_true(r->websocket);
	r = &p->rules[1];
	assert_string_equal(r->name, "rule 2");
	assert_int_equal(r->action, POLICY_DENY);
	assert_string_equal(r->reason, "no");
	assert_int_equal(r->ttl, POLICY_TTL_DEFAULT);
	assert_false(r->websocket);
	r = &p->rules[2];
	assert_string_equal(r->hosts[0], "::1");
	assert_int_equal(r->action, POLICY_PASSTHROUGH);
	assert_true(policy_rule_names_address(&p->rules[1], "10.0.0.7"));
	assert_false(policy_rule_names_address(&p->rules[1], "10.0.0.8"));
	policy_free(p);
	p = parse_ok("{\"rules\": [{\"host\": [\"10.9.8.7/8\", \"2001:db8::1/32\"], \"action\": \"allow\"}]}");
	r = &p->rules[0];
	assert_string_equal(r->hosts[0], "10.0.0.0/8");	/* canonical: host bits cleared */
	assert_string_equal(r->hosts[1], "2001:db8::/32");
	assert_true(policy_rule_names_address(r, "10.200.0.1"));
	assert_false(policy_rule_names_address(r, "11.0.0.1"));
	assert_true(policy_rule_names_address(r, "2001:db8:ffff::2"));
	policy_free(p);
}

/* Malformed policies: each is refused with a message naming the problem. */
static void test_malformed(void **state)
{
	static const struct { const char *json; const char *msg; } rows[] = {
		{ "", "not valid JSON" },
		{ "{\"rules\": [}", "line 1: not valid JSON" },
		{ "{\n\"rules\": [\n,]}", "line 3: not valid JSON" },
		{ "[]", "must be an object" },
		{ "{}", "t.json: rules: must be a list" },
		{ "{\"rules\": {}}", "must be a list" },
		{ "{\"version\": 2, \"rules\": []}", "version 1" },
		{ "{\"rules\": [], \"extra\": 1}", "unknown field \"extra\"" },
		{ "{\"rules\": [], \"rules\": []}", "given twice" },
		{ "{\"rules\": [1]}", "rules[0]: a rule must be an object" },
		{ "{\"rules\": [{\"host\": \"a.com\"}]}", "\"action\" is required" },
		{ "{\"rules\": [{\"action\": \"permit\"}]}", "rules[0].action: must be" },
		{ "{\"rules\": [{\"action\": \"allow\", \"hots\": \"a\"}]}", "unknown field \"hots\"" },
		{ "{\"rules\": [{\"action\": \"allow\", \"action\": \"deny\"}]}", "given twice" },
		{ "{\"rules\": [{\"action\": \"allow\", \"host\": \"a b\"}]}", "not a valid host" },
		{ "{\"rules\": [{\"action\": \"allow\", \"host\": \"a.*.com\"}]}", "may only stand alone" },
		{ "{\"rules\": [{\"action\": \"allow\", \"host\": \"*.1.2.3.4\"}]}", "not a valid host pattern" },
		{ "{\"rules\": [{\"action\": \"allow\", \"host\": \"0x7f.1\"}]}", "not a valid host" },
		{ "{\"rules\": [{\"action\": \"allow\", \"host\": \"-a.com\"}]}", "not a valid host" },
		{ "{\"rules\": [{\"action\": \"allow\", \"host\": []}]}", "empty list" },
		{ "{\"rules\": [{\"action\": \"allow\", \"host\": \"10.0.0.0/33\"}]}", "not a valid address range" },
		{ "{\"rules\": [{\"action\": \"allow\", \"host\": \"10.0.0.0/\"}]}", "not a valid address range" },
		{ "{\"rules\": [{\"action\": \"allow\", \"host\": \"a.com/8\"}]}", "not a valid address range" },
		{ "{\"rules\": [{\"action\": \"allow\", \"host\": \"::/129\"}]}", "not a valid address range" },
		{ "{\"rules\": [{\"action\": \"allow\", \"host\": [1]}]}", "list of strings" },
		{ "{\"rules\": [{\"action\": \"allow\", \"port\": 0}]}", "rules[0].port: must be an integer" },
		{ "{\"rules\": [{\"action\": \"allow\", \"port\": 65536}]}", "must be an integer" },
		{ "{\"rules\": [{\"action\": \"allow\", \"port\": 1.5}]}", "must be an integer" },
		{ "{\"rules\": [{\"action\": \"allow\", \"port\": \"443\"}]}", "must be an integer" },
		{ "{\"rules\": [{\"action\": \"allow\", \"port\": []}]}", "empty list" },
		{ "{\"rules\": [{\"action\": \"allow\", \"method\": \"get\"}]}", "upper case" },
		{ "{\"rules\": [{\"action\": \"allow\", \"method\": \"GE T\"}]}", "not a method" },
		{ "{\"rules\": [{\"action\": \"allow\", \"path\": \"v1\"}]}", "starting with \"/\"" },
		{ "{\"rules\": [{\"action\": \"allow\", \"path\": \"/a?b\"}]}", "no query" },
		{ "{\"rules\": [{\"action\": \"allow\", \"path\": \"/a/../b\"}]}", "not a valid path" },
		{ "{\"rules\": [{\"action\": \"allow\", \"path\": \"/a%2fb\"}]}", "not a valid path" },
		{ "{\"rules\": [{\"action\": \"allow\", \"reason\": \"x\"}]}", "only a deny rule has a reason" },
		{ "{\"rules\": [{\"action\": \"deny\", \"reason\": \"a\\nb\"}]}", "printable" },
		{ "{\"rules\": [{\"action\": \"deny\", \"inject\": {}}]}", "rules[0].inject: only an allow rule" },
		{ "{\"rules\": [{\"action\": \"passthrough\", \"websocket\": true}]}", "only an allow rule" },
		{ "{\"rules\": [{\"action\": \"passthrough\", \"method\": \"GET\"}]}", "does not see requests" },
		{ "{\"rules\": [{\"action\": \"passthrough\", \"path\": \"/\"}]}", "does not see requests" },
		{ "{\"rules\": [{\"name\": \"no-admin\", \"action\": \"deny\", \"host\": \"api.test\", "
		  "\"path\": \"/admin\"}, {\"action\": \"passthrough\", \"host\": \"*.test\"}]}",
		  "t.json: rules[1].action: passthrough sees no requests: the paths that \"no-admin\" denies" },
		{ "{\"rules\": [{\"name\": \"no-admin\", \"action\": \"deny\", \"host\": \"10.0.0.0/8\", "
		  "\"path\": \"/admin\"}, {\"action\": \"passthrough\", \"host\": \"10.1.0.0/16\"}]}",
		  "the paths that \"no-admin\" denies" },
		{ "{\"rules\": [{\"name\": \"no-admin\", \"action\": \"deny\", \"host\": \"fd00:1::/32\", "
		  "\"path\": \"/admin\"}, {\"action\": \"passthrough\", \"host\": \"fd00::/16\"}]}",
		  "the paths that \"no-admin\" denies" },
		{ "{\"rules\": [{\"action\": \"deny\", \"method\": \"POST\", \"port\": 443}, "
		  "{\"action\": \"passthrough\", \"host\": \"a.test\"}]}",
		  "the methods that \"rule 1\" denies" },
		{ "{\"rules\": [{\"action\": \"allow\", \"inject\": []}]}", "must be an object" },
		{ "{\"rules\": [{\"action\": \"allow\", \"inject\": {\"A\": 1}}]}", "must be a template string" },
		{ "{\"rules\": [{\"action\": \"allow\", \"inject\": {\"Bad Name\": \"x\"}}]}", "not a header name" },
		{ "{\"rules\": [{\"action\": \"allow\", \"inject\": {\"Host\": \"x\"}}]}", "managed by outbound" },
		{ "{\"rules\": [{\"action\": \"allow\", \"inject\": {\"content-length\": \"1\"}}]}", "managed by outbound" },
		{ "{\"rules\": [{\"action\": \"allow\", \"inject\": {\"A\": \"x\", \"a\": \"y\"}}]}", "given twice" },
		{ "{\"rules\": [{\"action\": \"allow\", \"inject\": {\"A\": \"${lower}\"}}]}", "not a valid name" },
		{ "{\"rules\": [{\"action\": \"allow\", \"inject\": {\"A\": \"${X\"}}]}", "without a closing" },
		{ "{\"rules\": [{\"action\": \"allow\", \"inject\": {\"A\": \"$X\"}}]}", "must start \"${NAME}\"" },
		{ "{\"rules\": [{\"action\": \"allow\", \"inject\": {\"A\": \"a\\r\\nB: c\"}}]}", "control character" },
		{ "{\"rules\": [{\"action\": \"allow\", \"identity\": {\"ttl\": 60}}]}", "uses ${MOAT_IDENTITY_TOKEN}" },
		{ "{\"rules\": [{\"action\": \"allow\", \"inject\": {\"A\": \"${MOAT_IDENTITY_TOKEN}\"}, \"identity\": {\"ttl\": 3600}}]}", "identity.ttl" },
		{ "{\"rules\": [{\"action\": \"allow\", \"inject\": {\"A\": \"${MOAT_IDENTITY_TOKEN}\"}, \"identity\": {\"ttl\": 10}}]}", "identity.ttl" },
		{ "{\"rules\": [{\"action\": \"allow\", \"inject\": {\"A\": \"${MOAT_IDENTITY_TOKEN}\"}, \"identity\": {\"aud\": \"x\"}}]}", "unknown field \"aud\"" },
		{ "{\"rules\": [{\"action\": \"allow\", \"inject\": {\"A\": \"${MOAT_IDENTITY_TOKEN}\"}, \"identity\": {\"audience\": \"\"}}]}", "identity.audience" },
		{ "{\"rules\": [{\"action\": \"allow\", \"plaintext_inject\": 1}]}", "true or false" },
		{ "{\"rules\": [{\"action\": \"allow\", \"websocket\": \"yes\"}]}", "true or false" },
		{ "{\"rules\": [{\"action\": \"allow\", \"name\": \"a\\\"b\"}]}", "rules[0].name" },
		{ "{\"rules\": [{\"action\": \"allow\", \"name\": \"x\"}, {\"action\": \"deny\", \"name\": \"x\"}]}", "rules[1] (x).name: \"x\" names an earlier rule" },
		{ "{\"rules\": [{\"action\": \"deny\", \"name\": \"rule 2\"}, {\"action\": \"deny\"}]}", "names an earlier rule" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct policy *p = parse_ok("{\"rules\": [{\"name\": \"keep\", \"action\": \"deny\"}]}");
		struct merr e = { 0 };
		int r = policy_parse(p, rows[i].json, strlen(rows[i].json), "t.json", &e);

		if (r != -EINVAL || !strstr(e.msg, rows[i].msg) || strncmp(e.msg, "t.json: ", 8))
			fail_msg("row %zu: %s\n  got %d \"%s\", want -EINVAL \"...%s...\"", i,
				 rows[i].json, r, e.msg, rows[i].msg);
		assert_int_equal(p->nrules, 1);	/* unchanged on error */
		assert_string_equal(p->rules[0].name, "keep");
		policy_free(p);
	}
}

/* First match wins; each matcher; connection-level questions. */
static void test_match(void **state)
{
	struct policy *p = parse_ok(
		"{\"rules\": ["
		" {\"name\": \"no-delete\", \"host\": \"api.test\", \"method\": \"DELETE\", \"action\": \"deny\"},"
		" {\"name\": \"no-admin\", \"host\": \"api.test\", \"path\": \"/admin\", \"action\": \"deny\"},"
		" {\"name\": \"api\", \"host\": \"api.test\", \"port\": 443, \"action\": \"allow\"},"
		" {\"name\": \"v1-only\", \"host\": \"*.models.test\", \"path\": \"/v1\", \"action\": \"allow\"},"
		" {\"name\": \"slash\", \"host\": \"s.test\", \"path\": \"/v2/\", \"action\": \"allow\"},"
		" {\"name\": \"pass\", \"host\": \"pass.test\", \"action\": \"passthrough\"},"
		" {\"name\": \"block-models\", \"host\": \"*.models.test\", \"action\": \"deny\"},"
		" {\"name\": \"db\", \"host\": \"10.1.0.0/16\", \"port\": 5432, \"action\": \"allow\"},"
		" {\"name\": \"ula\", \"host\": \"fd00::/8\", \"action\": \"allow\"},"
		" {\"name\": \"any-dns\", \"port\": 53, \"action\": \"allow\"}"
		"]}");
	static const struct {
		const char *host; uint16_t port; const char *method, *path; const char *rule;
	} rows[] = {
		{ "api.test", 443, "GET", "/repos", "api" },
		{ "api.test", 443, "DELETE", "/repos", "no-delete" },
		{ "api.test", 443, "GET", "/admin", "no-admin" },
		{ "api.test", 443, "GET", "/admin/users", "no-admin" },
		{ "api.test", 443, "GET", "/administrator", "api" },
		{ "api.test", 80, "GET", "/", POLICY_DEFAULT_DENY },
		{ "api.test", 443, NULL, NULL, "api" },		/* connection level */
		{ "API.test", 443, "GET", "/", POLICY_DEFAULT_DENY },	/* not normalized */
		{ "a.models.test", 443, "POST", "/v1", "v1-only" },
		{ "a.models.test", 443, "POST", "/v1/chat", "v1-only" },
		{ "a.b.models.test", 1, "POST", "/v1/chat", "v1-only" },
		{ "a.models.test", 443, "POST", "/v1beta", "block-models" },
		{ "models.test", 443, "POST", "/v1", POLICY_DEFAULT_DENY },
		{ "xmodels.test", 443, "POST", "/v1", POLICY_DEFAULT_DENY },
		{ "a.models.test", 443, NULL, NULL, "v1-only" },
		{ "s.test", 1, "GET", "/v2", POLICY_DEFAULT_DENY },
		{ "s.test", 1, "GET", "/v2/", "slash" },
		{ "s.test", 1, "GET", "/v2/x", "slash" },
		{ "pass.test", 443, NULL, NULL, "pass" },
		{ "pass.test", 443, "GET", "/", "pass" },
		{ "other.test", 53, NULL, NULL, "any-dns" },
		{ "other.test", 54, NULL, NULL, POLICY_DEFAULT_DENY },
		{ "10.1.2.3", 53, "GET", "/", "any-dns" },
		{ "10.1.200.7", 5432, NULL, NULL, "db" },
		{ "10.2.0.1", 5432, NULL, NULL, POLICY_DEFAULT_DENY },
		{ "10.1.200.7", 5433, NULL, NULL, POLICY_DEFAULT_DENY },
		{ "fd12:3456::1", 80, NULL, NULL, "ula" },
		{ "fe80::1", 80, NULL, NULL, POLICY_DEFAULT_DENY },
		/* port 0: a DNS question; a port constraint is then unknown */
		{ "api.test", 0, NULL, NULL, "api" },
		{ "other.test", 0, NULL, NULL, "any-dns" },
		{ "pass.test", 0, NULL, NULL, "pass" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct policy_rule *r = policy_match(p, rows[i].host, rows[i].port,
							   rows[i].method, rows[i].path);

		if (strcmp(policy_rule_name(r), rows[i].rule))
			fail_msg("row %zu (%s:%u %s %s): matched %s, want %s", i, rows[i].host,
				 rows[i].port, rows[i].method ? rows[i].method : "-",
				 rows[i].path ? rows[i].path : "-", policy_rule_name(r), rows[i].rule);
	}
	/* a deny rule that constrains the method is skipped at connection level */
	assert_int_equal(policy_rule_action(policy_match(p, "api.test", 443, NULL, NULL)), POLICY_ALLOW);
	assert_int_equal(policy_rule_action(policy_match(p, "pass.test", 1, NULL, NULL)), POLICY_PASSTHROUGH);
	assert_int_equal(policy_rule_action(policy_match(p, "x.test", 1, NULL, NULL)), POLICY_DENY);
	assert_null(policy_match(NULL, "x", 1, NULL, NULL));
	policy_free(p);
}

/* Connections before any request is known: a TCP one goes through outbound
 * when a rule that speaks of HTTP applies to it (policy_match_stream()); a
 * UDP one, which outbound never sees, is not allowed by such a rule and is
 * denied by a deny one (policy_match_datagram()). */
static void test_match_flows(void **state)
{
	struct policy *p = parse_ok(
		"{\"rules\": ["
		" {\"name\": \"no-admin\", \"host\": \"api.test\", \"path\": \"/admin\", \"action\": \"deny\"},"
		" {\"name\": \"get\", \"host\": \"api.test\", \"method\": \"GET\", \"action\": \"allow\"},"
		" {\"name\": \"v1\", \"host\": \"m.test\", \"path\": \"/v1\", \"action\": \"allow\"},"
		" {\"name\": \"key\", \"host\": \"k.test\", \"action\": \"allow\","
		"  \"inject\": {\"X-Key\": \"literal\"}},"
		" {\"name\": \"ws\", \"host\": \"w.test\", \"action\": \"allow\", \"websocket\": true},"
		" {\"name\": \"pass\", \"host\": \"pass.test\", \"action\": \"passthrough\"},"
		" {\"name\": \"no-q\", \"host\": \"q.test\", \"port\": 443, \"action\": \"deny\"},"
		" {\"name\": \"q\", \"host\": \"q.test\", \"action\": \"allow\"},"
		" {\"name\": \"z\", \"host\": \"z.test\", \"action\": \"allow\"},"
		" {\"name\": \"z-shadowed\", \"host\": \"z.test\", \"path\": \"/x\", \"action\": \"deny\"},"
		" {\"name\": \"rest\", \"host\": \"*.test\", \"port\": 9999, \"action\": \"allow\"}"
		"]}");
	static const struct {
		const char *host; uint16_t port; const char *stream, *datagram;
	} rows[] = {
		{ "api.test", 443, "no-admin", "no-admin" },	/* a deny rule for a path */
		{ "api.test", 9999, "no-admin", "no-admin" },
		{ "m.test", 443, "v1", POLICY_DEFAULT_DENY },
		{ "m.test", 9999, "v1", "rest" },		/* a later rule without HTTP */
		{ "k.test", 443, "key", POLICY_DEFAULT_DENY },
		{ "w.test", 443, "ws", POLICY_DEFAULT_DENY },
		{ "pass.test", 443, "pass", POLICY_DEFAULT_DENY },
		{ "q.test", 443, "no-q", "no-q" },
		{ "q.test", 53, "q", "q" },
		{ "z.test", 80, "z", "z" },			/* the first rule decides every request */
		{ "x.test", 9999, "rest", "rest" },
		{ "x.org", 9999, POLICY_DEFAULT_DENY, POLICY_DEFAULT_DENY },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *st = policy_rule_name(policy_match_stream(p, rows[i].host, rows[i].port));
		const char *dg = policy_rule_name(policy_match_datagram(p, rows[i].host, rows[i].port));

		if (strcmp(st, rows[i].stream) || strcmp(dg, rows[i].datagram))
			fail_msg("row %zu (%s:%u): stream %s, datagram %s; want %s, %s", i, rows[i].host,
				 rows[i].port, st, dg, rows[i].stream, rows[i].datagram);
	}
	assert_null(policy_match_stream(NULL, "x", 1));
	assert_null(policy_match_datagram(NULL, "x", 1));
	policy_free(p);
}

static void test_allow_flag(void **state)
{
	static const struct { const char *spec; int r; const char *host; uint16_t port; } rows[] = {
		{ "example.com", 0, "example.com", 0 },
		{ "Example.COM:8443", 0, "example.com", 8443 },
		{ "*.example.com", 0, "*.example.com", 0 },
		{ "*", 0, "*", 0 },
		{ "10.0.0.1:80", 0, "10.0.0.1", 80 },
		{ "10.1.0.0/16:5432", 0, "10.1.0.0/16", 5432 },
		{ "10.1.0.0/40", -EINVAL, NULL, 0 },
		{ "[::1]", 0, "::1", 0 },
		{ "[2001:db8::1]:443", 0, "2001:db8::1", 443 },
		{ "::1", -EINVAL, NULL, 0 },
		{ "[::1", -EINVAL, NULL, 0 },
		{ "[::1]x", -EINVAL, NULL, 0 },
		{ "a.com:", -EINVAL, NULL, 0 },
		{ "a.com:0", -EINVAL, NULL, 0 },
		{ "a.com:65536", -EINVAL, NULL, 0 },
		{ "a.com:+1", -EINVAL, NULL, 0 },
		{ "a.com:1x", -EINVAL, NULL, 0 },
		{ ":80", -EINVAL, NULL, 0 },
		{ "", -EINVAL, NULL, 0 },
		{ "a..com", -EINVAL, NULL, 0 },
		{ "a.*", -EINVAL, NULL, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct policy *p = policy_new();
		struct merr e = { 0 };
		int r = policy_add_allow(p, rows[i].spec, &e);

		if (r != rows[i].r)
			fail_msg("row %zu (%s): got %d (%s), want %d", i, rows[i].spec, r, e.msg, rows[i].r);
		if (r == 0) {
			char name[300];

			assert_int_equal(p->nrules, 1);
			snprintf(name, sizeof(name), "--allow %s", rows[i].spec);
			assert_string_equal(p->rules[0].name, name);
			assert_string_equal(p->rules[0].hosts[0], rows[i].host);
			assert_int_equal(p->rules[0].nports, rows[i].port ? 1 : 0);
			if (rows[i].port)
				assert_int_equal(p->rules[0].ports[0], rows[i].port);
			assert_int_equal(p->rules[0].action, POLICY_ALLOW);
		} else {
			assert_int_equal(p->nrules, 0);
			assert_non_null(strstr(e.msg, "--allow"));
		}
		policy_free(p);
	}
}

/* --allow rules come after the file's rules: the file's denials stand. */
static void test_allow_after_file(void **state)
{
	struct policy *p = parse_ok("{\"rules\": [{\"name\": \"x\", \"host\": \"a.test\", \"action\": \"deny\"}]}");
	struct merr e = { 0 };

	(void)state;
	assert_int_equal(policy_add_allow(p, "a.test", &e), 0);
	assert_int_equal(policy_add_allow(p, "b.test", &e), 0);
	assert_string_equal(policy_rule_name(policy_match(p, "a.test", 1, "GET", "/")), "x");
	assert_string_equal(policy_rule_name(policy_match(p, "b.test", 1, "GET", "/")), "--allow b.test");
	policy_free(p);
}

static void test_normalize_host(void **state)
{
	static const struct { const char *in; int r; const char *out; } rows[] = {
		{ "Example.COM", 0, "example.com" }, { "example.com.", 0, "example.com" },
		{ "a_b.example", 0, "a_b.example" }, { "localhost", 0, "localhost" },
		{ "127.0.0.1", 0, "127.0.0.1" }, { "[::1]", 0, "::1" },
		{ "[0:0::1]", 0, "::1" }, { "::FFFF:1.2.3.4", 0, "::ffff:1.2.3.4" },
		{ "", -EINVAL, NULL }, { ".", -EINVAL, NULL }, { "a..b", -EINVAL, NULL },
		{ "a.-b.c", -EINVAL, NULL }, { "a-.b", -EINVAL, NULL }, { "a b", -EINVAL, NULL },
		{ "a/b", -EINVAL, NULL }, { "1.2.3", -EINVAL, NULL }, { "2130706433", -EINVAL, NULL },
		{ "0x7f.0.0.1", -EINVAL, NULL }, { "a.b.1com", -EINVAL, NULL }, { "[1.2.3.4]", -EINVAL, NULL },
		{ "[::1", -EINVAL, NULL }, { "a:80", -EINVAL, NULL },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", -EINVAL, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char out[POLICY_HOST_MAX + 1] = "";
		int r = policy_normalize_host(rows[i].in, strlen(rows[i].in), out);

		if (r != rows[i].r || (r == 0 && strcmp(out, rows[i].out)))
			fail_msg("row %zu (%s): got %d \"%s\"", i, rows[i].in, r, out);
	}
}

static void test_normalize_path(void **state)
{
	static const struct { const char *in; int r; const char *out; } rows[] = {
		{ "/", 0, "/" }, { "/a/b?x=../..", 0, "/a/b" }, { "/a#frag", 0, "/a" },
		{ "/%61dmin", 0, "/admin" }, { "/a%20b", 0, "/a%20b" }, { "/a%2a", 0, "/a%2A" },
		{ "//admin", 0, "/admin" }, { "/a///b/", 0, "/a/b/" }, { "/.well-known/x", 0, "/.well-known/x" },
		{ "/a/..b", 0, "/a/..b" }, { "/%7euser", 0, "/~user" },
		{ "", -EINVAL, NULL }, { "a", -EINVAL, NULL }, { "/a/../b", -EINVAL, NULL },
		{ "/a/./b", -EINVAL, NULL }, { "/..", -EINVAL, NULL }, { "/a/.", -EINVAL, NULL },
		{ "/a/%2e%2E/b", -EINVAL, NULL }, { "/a/.%2e", -EINVAL, NULL }, { "/a%2fb", -EINVAL, NULL },
		{ "/a%5cb", -EINVAL, NULL }, { "/a\\b", -EINVAL, NULL }, { "/a%00", -EINVAL, NULL },
		{ "/a%0d%0a", -EINVAL, NULL }, { "/a%", -EINVAL, NULL }, { "/a%4", -EINVAL, NULL },
		{ "/a%zz", -EINVAL, NULL }, { "/a b", -EINVAL, NULL }, { "/\x80", -EINVAL, NULL },
	};
	char small[4];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char out[256] = "";
		int r = policy_normalize_path(rows[i].in, strlen(rows[i].in), out, sizeof(out));

		if (r != rows[i].r || (r == 0 && strcmp(out, rows[i].out)))
			fail_msg("row %zu (%s): got %d \"%s\"", i, rows[i].in, r, out);
	}
	assert_int_equal(policy_normalize_path("/abcdef", 7, small, sizeof(small)), -E2BIG);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/moat-policy-XXXXXX";
	const char *text = "{\"rules\": [{\"host\": \"a.test\", \"action\": \"allow\"}]}";
	struct policy *p = policy_new();
	struct merr e = { 0 };
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	assert_int_equal(policy_load_file(p, path, &e), 0);
	assert_int_equal(p->nrules, 1);
	unlink(path);
	assert_int_equal(policy_load_file(p, path, &e), -ENOENT);
	assert_non_null(strstr(e.msg, path));
	assert_int_equal(policy_load_file(p, "/tmp", &e), -EINVAL);
	policy_free(p);
}

/* A passthrough rule may follow a deny of paths on other hosts or ports
 * (test_malformed: never on the same). */
static void test_passthrough_after_deny(void **state)
{
	struct policy *p = parse_ok(
		"{\"rules\": ["
		" {\"action\": \"deny\", \"host\": \"api.test\", \"path\": \"/admin\", \"port\": 80},"
		" {\"action\": \"passthrough\", \"host\": \"api.test\", \"port\": 443},"
		" {\"action\": \"deny\", \"host\": \"*.corp.test\", \"method\": \"DELETE\"},"
		" {\"action\": \"passthrough\", \"host\": [\"other.test\", \"10.0.0.0/8\"]},"
		" {\"action\": \"deny\", \"host\": \"192.168.0.0/16\", \"path\": \"/admin\"},"
		" {\"action\": \"passthrough\", \"host\": \"192.169.0.0/16\"},"
		" {\"action\": \"deny\", \"host\": \"other.test\"}"
		"]}");

	(void)state;
	assert_int_equal(p->nrules, 7);
	assert_int_equal(p->rules[3].action, POLICY_PASSTHROUGH);
	assert_int_equal(p->rules[5].action, POLICY_PASSTHROUGH);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_passthrough_after_deny),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_match_flows),
		cmocka_unit_test(test_allow_flag),
		cmocka_unit_test(test_allow_after_file),
		cmocka_unit_test(test_normalize_host),
		cmocka_unit_test(test_normalize_path),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
