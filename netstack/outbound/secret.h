/* SPDX-License-Identifier: MIT */
/*
 * secret.h - the credentials outbound injects, loaded from the environment of
 * the process that started it or from files.
 *
 *   --secret GITHUB_TOKEN=env:GH_TOKEN       the value of $GH_TOKEN
 *   --secret OPENAI_KEY=file:/run/keys/oai   the file's contents (one
 *                                            trailing newline dropped)
 *
 * Values live in this store only.  They are never printed: messages about a
 * secret name it and its source ("env:GH_TOKEN"), never its value.  After
 * reading an environment variable the store wipes the value in the process's
 * environment block too (so /proc/PID/environ no longer shows it) and unsets
 * it.  ob_secrets_free() zeroes every value before releasing it.
 *
 * A value must fit in an HTTP header: control characters (CR, LF, NUL, ...)
 * are refused at load time, so a template expansion can never split a header.
 */
#ifndef MOAT_OUTBOUND_SECRET_H
#define MOAT_OUTBOUND_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "policy.h"
#include "template.h"

#define OB_SECRET_MAX (64 * 1024)	/* largest value */
#define OB_SECRETS_MAX 256		/* secrets per store */
#define OB_SECRET_SOURCE_MAX 512

struct ob_secret {
	char name[TMPL_NAME_MAX + 1];
	char source[OB_SECRET_SOURCE_MAX];	/* "env:VAR" or "file:PATH", for messages */
	char *value;				/* NUL-terminated, @len bytes */
	size_t len;
};

struct ob_secrets {
	struct ob_secret *v;
	size_t n;
};

/**
 * ob_secrets_add() - load one secret from a NAME=env:VAR or NAME=file:PATH spec
 *
 * NAME follows template.h's rules and may not start with MOAT_ (those are
 * built-ins); a NAME given twice is an error.
 * Return: 0 or -errno, with @e naming the secret and its source only
 */
int ob_secrets_add(struct ob_secrets *s, const char *spec, struct merr *e);

/**
 * ob_env_wipe() - overwrite the value of environment variable @var where it
 * lies (so /proc/PID/environ and the process's memory no longer hold it) and
 * unset it; for a process that forked outbound and must not keep the secret
 */
void ob_env_wipe(const char *var);

/** ob_secrets_find() - the secret called @name, or NULL */
const struct ob_secret *ob_secrets_find(const struct ob_secrets *s, const char *name);

/** ob_secrets_free() - zero and release every value */
void ob_secrets_free(struct ob_secrets *s);

/**
 * ob_inject_check() - before serving: does every ${NAME} in @p resolve
 * @have_signer: whether MOAT_IDENTITY_TOKEN can be minted
 * Return: 0, or -ENOENT with @e naming the rule, the header and the name
 */
int ob_inject_check(const struct policy *p, const struct ob_secrets *s, bool have_signer,
		    struct merr *e);

#endif
