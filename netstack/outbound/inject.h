/* SPDX-License-Identifier: MIT */
/*
 * inject.h - turning a rule's "inject" templates into header lines.
 *
 * A template's ${NAME} is looked up, in order, among the built-ins
 * (MOAT_IDENTITY_TOKEN: a freshly minted identity token, see jwt.h;
 * MOAT_SANDBOX_ID: the sandbox's id) and the secrets (secret.h).  Expanded
 * values go straight into a sensitive buffer; the caller learns only the names
 * that were used, which is what the audit log records.
 */
#ifndef MOAT_OUTBOUND_INJECT_H
#define MOAT_OUTBOUND_INJECT_H

#include <time.h>

#include "http.h"
#include "jwt.h"
#include "policy.h"
#include "secret.h"

struct ob_inject_ctx {
	const struct ob_secrets *secrets;
	const struct ob_signer *signer;	/* NULL: MOAT_IDENTITY_TOKEN is unavailable */
	const char *sandbox_id;
	time_t now;			/* 0: the current time */
};

/**
 * ob_inject_headers() - append "Name: value\r\n" for each of @r's injections
 * @host:	the request's host (the identity token's default audience)
 * @names:	the names used are added here
 * Return: 0 or -errno
 */
int ob_inject_headers(const struct policy_rule *r, const struct ob_inject_ctx *c,
		      const char *host, struct ob_buf *out, struct ob_injected *names,
		      struct merr *e);

#endif
