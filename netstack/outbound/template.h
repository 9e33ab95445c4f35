/* SPDX-License-Identifier: MIT */
/*
 * template.h - header-value templates: literal text with ${NAME} references.
 *
 *   "Bearer ${GITHUB_TOKEN}"      a literal and a secret
 *   "${MOAT_IDENTITY_TOKEN}"      a built-in (names starting with MOAT_)
 *   "cost: $$5"                   "$$" is a literal "$"
 *
 * A "$" followed by anything else, an unterminated "${", an empty or invalid
 * name, or a control character in the literal text is a parse error: a
 * template that does not mean exactly one thing is refused when the policy is
 * loaded, never guessed at when a request is sent.
 *
 * Parsing only records names; what a name stands for is decided at expansion
 * time by a lookup function (inject.c), so policy files can be checked without
 * the secrets at hand.
 */
#ifndef MOAT_OUTBOUND_TEMPLATE_H
#define MOAT_OUTBOUND_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

#define TMPL_NAME_MAX 64	/* longest ${NAME} */
#define TMPL_MAX 4096		/* longest template text */

struct tmpl_seg {
	bool ref;		/* true: @text is a NAME; false: literal text */
	char *text;
	size_t len;
};

struct tmpl {
	struct tmpl_seg *segs;
	size_t nsegs;
};

/**
 * tmpl_valid_name() - is @name (of @len bytes) a valid variable name:
 * [A-Z_][A-Z0-9_]*, at most TMPL_NAME_MAX bytes
 */
bool tmpl_valid_name(const char *name, size_t len);

/**
 * tmpl_parse() - parse @src into @t
 * Return: 0, or -EINVAL with @e saying what and where ("column 8: ...")
 */
int tmpl_parse(const char *src, struct tmpl *t, struct merr *e);

/** tmpl_free() - release what tmpl_parse() made */
void tmpl_free(struct tmpl *t);

/**
 * typedef tmpl_lookup_fn - produce the value of NAME into @out
 * Return: 0, or -errno (-ENOENT: unknown name)
 */
typedef int (*tmpl_lookup_fn)(void *ctx, const char *name, struct ob_buf *out);

/**
 * tmpl_expand() - append the expansion of @t to @out
 * Return: 0, or the first lookup error
 */
int tmpl_expand(const struct tmpl *t, tmpl_lookup_fn lookup, void *ctx, struct ob_buf *out);

#endif
