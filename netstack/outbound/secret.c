// SPDX-License-Identifier: MIT
/* secret.c - see secret.h. */
#include "secret.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

/* A value is refused if it could not travel in a header as one value. */
static int check_value(const char *v, size_t len)
{
	if (len == 0)
		return -ENODATA;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -EINVAL;
	}
	return 0;
}

/* Read at most OB_SECRET_MAX bytes of a regular file into a fresh buffer. */
static int read_secret_file(const char *path, char **out, size_t *outlen)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	size_t got = 0;
	char *buf;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	buf = malloc(OB_SECRET_MAX + 2);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + got, OB_SECRET_MAX + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;

			explicit_bzero(buf, got);
			free(buf);
			return r;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > OB_SECRET_MAX) {
			explicit_bzero(buf, got);
			free(buf);
			return -EFBIG;
		}
	}
	if (got && buf[got - 1] == '\n')
		got--;
	if (got && buf[got - 1] == '\r')
		got--;
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	return 0;
}

void ob_env_wipe(const char *var)
{
	size_t vl = strlen(var);

	for (char **ep = environ; ep && *ep; ep++)
		if (!strncmp(*ep, var, vl) && (*ep)[vl] == '=')
			explicit_bzero(*ep + vl + 1, strlen(*ep + vl + 1));
	unsetenv(var);
}

/* Take VAR's value and wipe it from the environment block. */
static int take_env(const char *var, char **out, size_t *outlen)
{
	const char *val = getenv(var);

	if (!val)
		return -ENOENT;
	*outlen = strlen(val);
	*out = malloc(*outlen + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, val, *outlen + 1);
	ob_env_wipe(var);
	return 0;
}

int ob_secrets_add(struct ob_secrets *s, const char *spec, struct merr *e)
{
	const char *eq = strchr(spec, '='), *src;
	struct ob_secret sec = { 0 }, *nv;
	size_t nl;
	int r;

	if (!eq)
		return merr_set(e, EINVAL, "--secret %.80s: expected NAME=env:VAR or NAME=file:PATH", spec);
	nl = (size_t)(eq - spec);
	src = eq + 1;
	if (!tmpl_valid_name(spec, nl))
		return merr_set(e, EINVAL,
				"--secret %.*s: a name is A-Z, 0-9 and _, not starting with a digit, at most %d",
				(int)MIN(nl, 80), spec, TMPL_NAME_MAX);
	memcpy(sec.name, spec, nl);
	sec.name[nl] = '\0';
	if (!strncmp(sec.name, "MOAT_", 5))
		return merr_set(e, EINVAL, "--secret %s: names starting with MOAT_ are reserved", sec.name);
	if (ob_secrets_find(s, sec.name))
		return merr_set(e, EEXIST, "--secret %s: given twice", sec.name);
	if (s->n >= OB_SECRETS_MAX)
		return merr_set(e, E2BIG, "--secret %s: more than %d secrets", sec.name, OB_SECRETS_MAX);
	if (strlen(src) >= sizeof(sec.source))
		return merr_set(e, ENAMETOOLONG, "--secret %s: the source is too long", sec.name);
	snprintf(sec.source, sizeof(sec.source), "%s", src);

	if (!strncmp(src, "env:", 4)) {
		if (!src[4] || strchr(src + 4, '='))
			return merr_set(e, EINVAL, "--secret %s=%s: name the variable (env:VAR)", sec.name, src);
		r = take_env(src + 4, &sec.value, &sec.len);
		if (r == -ENOENT)
			return merr_set(e, ENOENT,
					"--secret %s=%s: the variable is not set in outbound's environment",
					sec.name, src);
	} else if (!strncmp(src, "file:", 5)) {
		if (!src[5])
			return merr_set(e, EINVAL, "--secret %s=file:: name the file", sec.name);
		r = read_secret_file(src + 5, &sec.value, &sec.len);
		if (r == -EFBIG)
			return merr_set(e, EFBIG, "--secret %s=%s: larger than %d bytes", sec.name, src,
					OB_SECRET_MAX);
		if (r == -EINVAL)
			return merr_set(e, EINVAL, "--secret %s=%s: not a regular file", sec.name, src);
		if (r < 0)
			return merr_set(e, -r, "--secret %s=%s: %s", sec.name, src, strerror(-r));
	} else {
		return merr_set(e, EINVAL, "--secret %s: the source must be env:VAR or file:PATH", sec.name);
	}
	if (r < 0)
		return merr_set(e, -r, "--secret %s=%s: %s", sec.name, src, strerror(-r));
	r = check_value(sec.value, sec.len);
	if (r) {
		explicit_bzero(sec.value, sec.len);
		free(sec.value);
		if (r == -ENODATA)
			return merr_set(e, ENODATA, "--secret %s=%s: the value is empty", sec.name, src);
		return merr_set(e, EINVAL,
				"--secret %s=%s: the value contains a control character (CR, LF, NUL, ...), which no HTTP header can carry",
				sec.name, src);
	}
	nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
	if (!nv) {
		explicit_bzero(sec.value, sec.len);
		free(sec.value);
		return merr_set(e, ENOMEM, "--secret %s: out of memory", sec.name);
	}
	s->v = nv;
	s->v[s->n++] = sec;
	return 0;
}

const struct ob_secret *ob_secrets_find(const struct ob_secrets *s, const char *name)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

void ob_secrets_free(struct ob_secrets *s)
{
	for (size_t i = 0; i < s->n; i++) {
		explicit_bzero(s->v[i].value, s->v[i].len);
		free(s->v[i].value);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

struct check {
	const struct ob_secrets *s;
	bool have_signer;
	struct merr *e;
};

static int check_ref(void *ctx, const struct policy_rule *r, const struct policy_inject *inj,
		     const char *name)
{
	struct check *c = ctx;

	if (!strcmp(name, "MOAT_SANDBOX_ID"))
		return 0;
	if (!strcmp(name, "MOAT_IDENTITY_TOKEN"))
		return c->have_signer ? 0 :
		       merr_set(c->e, ENOENT, "rule \"%s\": header %s uses ${MOAT_IDENTITY_TOKEN}, but there is no identity key",
				r->name, inj->header);
	if (!strncmp(name, "MOAT_", 5))
		return merr_set(c->e, ENOENT, "rule \"%s\": header %s: ${%s} is not a built-in (MOAT_IDENTITY_TOKEN, MOAT_SANDBOX_ID)",
				r->name, inj->header, name);
	if (!ob_secrets_find(c->s, name))
		return merr_set(c->e, ENOENT, "rule \"%s\": header %s uses ${%s}, which no --secret defines (--secret %s=env:VAR or =file:PATH)",
				r->name, inj->header, name, name);
	return 0;
}

int ob_inject_check(const struct policy *p, const struct ob_secrets *s, bool have_signer,
		    struct merr *e)
{
	struct check c = { .s = s, .have_signer = have_signer, .e = e };

	return policy_for_each_ref(p, check_ref, &c);
}
