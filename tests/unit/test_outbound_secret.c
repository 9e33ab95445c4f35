// SPDX-License-Identifier: MIT
/* Unit tests: netstack/outbound secret.c, template.c, inject.c - loading
 * secrets, parsing and expanding templates, checking a policy's references. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netstack/outbound/inject.h"
#include "netstack/outbound/secret.h"
#include "netstack/outbound/template.h"

#define VALUE "tok-made-up-0123456789"

static char dir[] = "/tmp/moat-secret-XXXXXX";

static void write_file(const char *name, const char *text, size_t len)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (int)len);
	close(fd);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	write_file("plain", VALUE, strlen(VALUE));
	write_file("newline", VALUE "\n", strlen(VALUE) + 1);
	write_file("crlf", VALUE "\r\n", strlen(VALUE) + 2);
	write_file("inner", "a\nb", 3);
	write_file("nul", "a\0b", 3);
	write_file("empty", "", 0);
	write_file("nl-only", "\n", 1);
	{
		char *big = malloc(OB_SECRET_MAX + 1);

		memset(big, 'x', OB_SECRET_MAX + 1);
		write_file("big", big, OB_SECRET_MAX + 1);
		write_file("max", big, OB_SECRET_MAX);
		free(big);
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_load(void **state)
{
	static const struct { const char *spec; int r; const char *msg; size_t len; } rows[] = {
		{ "A=env:T_SECRET_A", 0, NULL, sizeof(VALUE) - 1 },
		{ "B=file:%s/plain", 0, NULL, sizeof(VALUE) - 1 },
		{ "C=file:%s/newline", 0, NULL, sizeof(VALUE) - 1 },
		{ "D=file:%s/crlf", 0, NULL, sizeof(VALUE) - 1 },
		{ "E=file:%s/max", 0, NULL, OB_SECRET_MAX },
		{ "A=env:T_SECRET_A2", -EEXIST, "--secret A: given twice", 0 },
		{ "F=env:T_SECRET_UNSET", -ENOENT, "F=env:T_SECRET_UNSET: the variable is not set", 0 },
		{ "G=env:T_SECRET_EMPTY", -ENODATA, "G=env:T_SECRET_EMPTY: the value is empty", 0 },
		{ "H=env:T_SECRET_CRLF", -EINVAL, "H=env:T_SECRET_CRLF: the value contains a control character", 0 },
		{ "I=file:%s/inner", -EINVAL, "control character", 0 },
		{ "J=file:%s/nul", -EINVAL, "control character", 0 },
		{ "K=file:%s/empty", -ENODATA, "the value is empty", 0 },
		{ "L=file:%s/nl-only", -ENODATA, "the value is empty", 0 },
		{ "M=file:%s/big", -EFBIG, "larger than", 0 },
		{ "N=file:%s/missing", -ENOENT, "No such file", 0 },
		{ "O=file:%s", -EINVAL, "not a regular file", 0 },
		{ "P=file:", -EINVAL, "name the file", 0 },
		{ "Q=env:", -EINVAL, "name the variable", 0 },
		{ "R=vault:x", -EINVAL, "env:VAR or file:PATH", 0 },
		{ "lower=env:T_SECRET_A", -EINVAL, "a name is A-Z", 0 },
		{ "1X=env:T_SECRET_A", -EINVAL, "a name is A-Z", 0 },
		{ "=env:T_SECRET_A", -EINVAL, "a name is A-Z", 0 },
		{ "MOAT_X=env:T_SECRET_A", -EINVAL, "reserved", 0 },
		{ "NOEQUALS", -EINVAL, "expected NAME=env:VAR", 0 },
	};
	struct ob_secrets s = { 0 };

	(void)state;
	setenv("T_SECRET_A", VALUE, 1);
	setenv("T_SECRET_A2", VALUE, 1);
	setenv("T_SECRET_EMPTY", "", 1);
	setenv("T_SECRET_CRLF", "a\r\nInjected: yes", 1);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char spec[256];
		struct merr e = { 0 };
		int r;

		snprintf(spec, sizeof(spec), rows[i].spec, dir);
		r = ob_secrets_add(&s, spec, &e);
		if (r != rows[i].r || (rows[i].msg && !strstr(e.msg, rows[i].msg)))
			fail_msg("row %zu (%s): got %d \"%s\"", i, spec, r, e.msg);
		if (r == 0) {
			const struct ob_secret *sec = &s.v[s.n - 1];

			assert_int_equal(sec->len, rows[i].len);
			assert_int_equal(strlen(sec->value), rows[i].len);
			if (rows[i].len == sizeof(VALUE) - 1)
				assert_string_equal(sec->value, VALUE);
		} else {
			/* no message ever carries a value */
			assert_null(strstr(e.msg, VALUE));
			assert_null(strstr(e.msg, "Injected"));
		}
	}
	assert_int_equal(s.n, 5);
	assert_non_null(ob_secrets_find(&s, "D"));
	assert_null(ob_secrets_find(&s, "Z"));
	assert_string_equal(ob_secrets_find(&s, "A")->source, "env:T_SECRET_A");
	/* the variable was taken out of the environment */
	assert_null(getenv("T_SECRET_A"));
	ob_secrets_free(&s);
	assert_int_equal(s.n, 0);
	assert_null(s.v);
}

static void test_template_parse(void **state)
{
	static const struct {
		const char *src; int r; size_t nsegs; const char *segs; const char *msg;
	} rows[] = {
		/* segs: "L:text|R:NAME|..." */
		{ "Bearer ${TOKEN}", 0, 2, "L:Bearer |R:TOKEN", NULL },
		{ "${A}${B}", 0, 2, "R:A|R:B", NULL },
		{ "plain", 0, 1, "L:plain", NULL },
		{ "", 0, 0, "", NULL },
		{ "cost: $$5", 0, 1, "L:cost: $5", NULL },
		{ "a$$b${X_1}c", 0, 3, "L:a$b|R:X_1|L:c", NULL },
		{ "\tx", 0, 1, "L:\tx", NULL },
		{ "${", -EINVAL, 0, "", "column 1: \"${\" without a closing" },
		{ "ab${X", -EINVAL, 0, "", "column 3" },
		{ "${}", -EINVAL, 0, "", "not a valid name" },
		{ "${lower}", -EINVAL, 0, "", "\"lower\" is not a valid name" },
		{ "${9A}", -EINVAL, 0, "", "not a valid name" },
		{ "${A-B}", -EINVAL, 0, "", "not a valid name" },
		{ "$X", -EINVAL, 0, "", "write \"$$\"" },
		{ "x$", -EINVAL, 0, "", "column 2" },
		{ "a\rb", -EINVAL, 0, "", "control character" },
		{ "a\nb", -EINVAL, 0, "", "control character" },
		{ "a\x7f", -EINVAL, 0, "", "control character" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tmpl t;
		struct merr e = { 0 };
		char got[256] = "";
		int r = tmpl_parse(rows[i].src, &t, &e);

		if (r != rows[i].r || (rows[i].msg && !strstr(e.msg, rows[i].msg)))
			fail_msg("row %zu (%s): got %d \"%s\"", i, rows[i].src, r, e.msg);
		if (r)
			continue;
		assert_int_equal(t.nsegs, rows[i].nsegs);
		for (size_t k = 0; k < t.nsegs; k++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s:%s", k ? "|" : "",
				 t.segs[k].ref ? "R" : "L", t.segs[k].text);
		assert_string_equal(got, rows[i].segs);
		tmpl_free(&t);
	}
	{
		char *big = malloc(TMPL_MAX + 2);
		struct tmpl t;

		memset(big, 'a', TMPL_MAX + 1);
		big[TMPL_MAX + 1] = '\0';
		assert_int_equal(tmpl_parse(big, &t, NULL), -EINVAL);
		free(big);
	}
}

/* Injection: the rule's headers, expanded; names reported; built-ins. */
static void test_inject(void **state)
{
	const char *json =
		"{\"rules\": [{\"name\": \"r\", \"host\": \"a.test\", \"action\": \"allow\","
		" \"inject\": {\"Authorization\": \"Bearer ${TOK}\", \"X-Both\": \"${TOK}:${TOK2}\","
		" \"X-Sandbox\": \"${MOAT_SANDBOX_ID}\"}}]}";
	struct policy *p = policy_new();
	struct ob_secrets s = { 0 };
	struct ob_injected names = { 0 };
	struct ob_buf out = { .sensitive = true };
	struct merr e = { 0 };
	struct ob_inject_ctx c = { .secrets = &s, .sandbox_id = "sb-7" };
	char got[512];

	(void)state;
	assert_int_equal(policy_parse(p, json, strlen(json), "t", &e), 0);
	setenv("T_TOK", "one", 1);
	assert_int_equal(ob_secrets_add(&s, "TOK=env:T_TOK", &e), 0);
	/* a reference to a secret that was not given is caught before serving */
	assert_int_equal(ob_inject_check(p, &s, false, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "rule \"r\": header X-Both uses ${TOK2}, which no --secret defines"));
	setenv("T_TOK2", "two", 1);
	assert_int_equal(ob_secrets_add(&s, "TOK2=env:T_TOK2", &e), 0);
	assert_int_equal(ob_inject_check(p, &s, false, &e), 0);

	assert_int_equal(ob_inject_headers(&p->rules[0], &c, "a.test", &out, &names, &e), 0);
	snprintf(got, sizeof(got), "%.*s", (int)ob_buf_avail(&out), ob_buf_head(&out));
	assert_string_equal(got, "Authorization: Bearer one\r\nX-Both: one:two\r\nX-Sandbox: sb-7\r\n");
	assert_int_equal(names.n, 3);
	assert_string_equal(names.names[0], "TOK");
	assert_string_equal(names.names[1], "TOK2");
	assert_string_equal(names.names[2], "MOAT_SANDBOX_ID");
	ob_buf_free(&out);
	ob_secrets_free(&s);
	policy_free(p);
}

/* MOAT_IDENTITY_TOKEN without a key: refused up front, an error at run time. */
static void test_inject_identity_needs_key(void **state)
{
	const char *json =
		"{\"rules\": [{\"name\": \"id\", \"action\": \"allow\","
		" \"inject\": {\"X-Id\": \"${MOAT_IDENTITY_TOKEN}\"}},"
		" {\"name\": \"bad\", \"action\": \"allow\", \"inject\": {\"X\": \"${MOAT_OTHER}\"}}]}";
	struct policy *p = policy_new();
	struct ob_secrets s = { 0 };
	struct ob_injected names = { 0 };
	struct ob_buf out = { 0 };
	struct merr e = { 0 };
	struct ob_inject_ctx c = { .secrets = &s, .sandbox_id = "x" };

	(void)state;
	assert_int_equal(policy_parse(p, json, strlen(json), "t", &e), 0);
	assert_int_equal(ob_inject_check(p, &s, false, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "there is no identity key"));
	assert_int_equal(ob_inject_check(p, &s, true, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "${MOAT_OTHER} is not a built-in"));
	assert_int_equal(ob_inject_headers(&p->rules[0], &c, "h", &out, &names, &e), -ENOENT);
	ob_buf_free(&out);
	policy_free(p);
}

/* A sensitive buffer zeroes what it drops. */
static void test_sensitive_buffer(void **state)
{
	struct ob_buf b = { .sensitive = true };
	char *old;

	(void)state;
	assert_int_equal(ob_buf_puts(&b, "secret!"), 0);
	old = b.data;
	ob_buf_consume(&b, 7);
	assert_ptr_equal(b.data, old);
	assert_int_equal(memcmp(old, "\0\0\0\0\0\0\0", 7), 0);
	assert_int_equal(ob_buf_puts(&b, "abcdef"), 0);
	ob_buf_truncate(&b, 2);
	assert_int_equal(memcmp(b.data + 2, "\0\0\0\0", 4), 0);
	ob_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_template_parse),
		cmocka_unit_test(test_inject),
		cmocka_unit_test(test_inject_identity_needs_key),
		cmocka_unit_test(test_sensitive_buffer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
