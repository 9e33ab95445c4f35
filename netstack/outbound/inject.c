// SPDX-License-Identifier: MIT
/* inject.c - see inject.h. */
#include "inject.h"

#include <string.h>

struct lookup {
	const struct ob_inject_ctx *c;
	const struct policy_rule *r;
	const char *host;
	struct ob_injected *names;
	struct merr *e;
};

static void note(struct ob_injected *names, const char *name)
{
	for (unsigned i = 0; i < names->n; i++)
		if (!strcmp(names->names[i], name))
			return;
	if (names->n < OB_INJECTED_MAX)
		names->names[names->n++] = name;
}

static int lookup(void *ctx, const char *name, struct ob_buf *out)
{
	struct lookup *l = ctx;
	const struct ob_secret *s;

	if (!strcmp(name, "MOAT_IDENTITY_TOKEN")) {
		struct ob_jwt_claims cl = {
			.sandbox_id = l->c->sandbox_id,
			.audience = l->r->audience ? l->r->audience : l->host,
			.ttl = l->r->ttl,
			.now = l->c->now ? l->c->now : time(NULL),
		};
		int r;

		if (!l->c->signer)
			return merr_set(l->e, ENOENT, "no identity key to sign ${MOAT_IDENTITY_TOKEN}");
		r = ob_jwt_mint(l->c->signer, &cl, out, l->e);
		if (r == 0)
			note(l->names, "MOAT_IDENTITY_TOKEN");
		return r;
	}
	if (!strcmp(name, "MOAT_SANDBOX_ID")) {
		note(l->names, "MOAT_SANDBOX_ID");
		return ob_buf_puts(out, l->c->sandbox_id);
	}
	s = ob_secrets_find(l->c->secrets, name);
	if (!s)
		return merr_set(l->e, ENOENT, "rule \"%s\": no secret called %s", l->r->name, name);
	note(l->names, s->name);
	return ob_buf_append(out, s->value, s->len);
}

int ob_inject_headers(const struct policy_rule *r, const struct ob_inject_ctx *c,
		      const char *host, struct ob_buf *out, struct ob_injected *names,
		      struct merr *e)
{
	struct lookup l = { .c = c, .r = r, .host = host, .names = names, .e = e };

	for (size_t i = 0; i < r->ninject; i++) {
		const struct policy_inject *inj = &r->inject[i];
		int ret;

		ret = ob_buf_puts(out, inj->header);
		if (!ret)
			ret = ob_buf_append(out, ": ", 2);
		if (!ret)
			ret = tmpl_expand(&inj->value, lookup, &l, out);
		if (!ret)
			ret = ob_buf_append(out, "\r\n", 2);
		if (ret == -ENOMEM || ret == -E2BIG)
			return merr_set(e, -ret, "inject %s: out of memory", inj->header);
		if (ret)
			return ret;
	}
	return 0;
}
