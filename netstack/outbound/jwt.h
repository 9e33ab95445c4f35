/* SPDX-License-Identifier: MIT */
/*
 * jwt.h - short-lived identity tokens: a JWT (RFC 7519) that names the
 * sandbox, signed with a key only outbound holds.
 *
 * A rule injects one through the built-in template variable
 * ${MOAT_IDENTITY_TOKEN}.  The token is minted per request:
 *
 *   header  {"alg": "ES256" | "RS256", "typ": "JWT", "kid": KID}
 *   claims  {"iss": "moat-outbound", "sub": "sandbox:ID", "aud": AUDIENCE,
 *            "iat": NOW, "nbf": NOW - 5, "exp": NOW + TTL, "jti": RANDOM,
 *            "sandbox_id": ID}
 *
 * The key is an ECDSA P-256 key made at start (ES256) unless the operator
 * gives one (--identity-key: P-256 for ES256, RSA of 2048 bits or more for
 * RS256); the public half is written out (--identity-pub) for the services
 * that verify the tokens.  KID is the base64url of the first 16 bytes of the
 * SHA-256 of the public key's DER encoding.
 */
#ifndef MOAT_OUTBOUND_JWT_H
#define MOAT_OUTBOUND_JWT_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"

struct ob_signer;

/** ob_signer_generate() - a fresh P-256 key (ES256); Return: 0 or -errno */
int ob_signer_generate(struct ob_signer **out, struct merr *e);

/** ob_signer_load() - a PEM private key from @path; Return: 0 or -errno */
int ob_signer_load(struct ob_signer **out, const char *path, struct merr *e);

/** ob_signer_write_public() - write the public key as PEM to @path (mode 0644) */
int ob_signer_write_public(const struct ob_signer *s, const char *path, struct merr *e);

/** ob_signer_alg() - "ES256" or "RS256" */
const char *ob_signer_alg(const struct ob_signer *s);

/** ob_signer_kid() - the key id carried in every token's header */
const char *ob_signer_kid(const struct ob_signer *s);

void ob_signer_free(struct ob_signer *s);

struct ob_jwt_claims {
	const char *sandbox_id;
	const char *audience;
	unsigned ttl;		/* seconds */
	time_t now;
};

/**
 * ob_jwt_mint() - append a signed token to @out
 * Return: 0 or -errno
 */
int ob_jwt_mint(const struct ob_signer *s, const struct ob_jwt_claims *c, struct ob_buf *out,
		struct merr *e);

/**
 * ob_base64url() - append the unpadded base64url encoding of @len bytes
 * Return: 0 or -errno
 */
int ob_base64url(const void *data, size_t len, struct ob_buf *out);

#endif
