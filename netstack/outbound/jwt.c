// SPDX-License-Identifier: MIT
/* jwt.c - see jwt.h.  Signing goes through OpenSSL's EVP interface; an ES256
 * signature is the raw r||s pair (RFC 7518 section 3.4), not OpenSSL's DER. */
#include "jwt.h"

#include <fcntl.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ossl.h"
#include "util.h"

struct ob_signer {
	EVP_PKEY *key;
	const char *alg;
	char kid[32];
};

int ob_base64url(const void *data, size_t len, struct ob_buf *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *p = data;
	char *dst = ob_buf_reserve(out, (len + 2) / 3 * 4);
	size_t o = 0, i = 0;

	if (!dst)
		return -errno;
	for (; i + 2 < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		dst[o++] = tab[v >> 18];
		dst[o++] = tab[(v >> 12) & 63];
		dst[o++] = tab[(v >> 6) & 63];
		dst[o++] = tab[v & 63];
	}
	if (len - i == 1) {
		unsigned v = (unsigned)p[i] << 16;

		dst[o++] = tab[v >> 18];
		dst[o++] = tab[(v >> 12) & 63];
	} else if (len - i == 2) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;

		dst[o++] = tab[v >> 18];
		dst[o++] = tab[(v >> 12) & 63];
		dst[o++] = tab[(v >> 6) & 63];
	}
	ob_buf_commit(out, o);
	return 0;
}

static int finish(struct ob_signer *s, struct merr *e)
{
	unsigned char *der = NULL, md[32];
	struct ob_buf b = { 0 };
	int len = i2d_PUBKEY(s->key, &der);

	if (len <= 0)
		return ob_ssl_fail(e, EINVAL, "encode the identity public key");
	SHA256(der, (size_t)len, md);
	OPENSSL_free(der);
	if (ob_base64url(md, 16, &b))
		return merr_set(e, ENOMEM, "identity key: out of memory");
	snprintf(s->kid, sizeof(s->kid), "%.*s", (int)ob_buf_avail(&b), ob_buf_head(&b));
	ob_buf_free(&b);
	return 0;
}

int ob_signer_generate(struct ob_signer **out, struct merr *e)
{
	struct ob_signer *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return merr_set(e, ENOMEM, "identity key: out of memory");
	s->key = EVP_EC_gen("P-256");
	if (!s->key) {
		free(s);
		return ob_ssl_fail(e, EIO, "generate the identity key");
	}
	s->alg = "ES256";
	r = finish(s, e);
	if (r) {
		ob_signer_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int ob_signer_load(struct ob_signer **out, const char *path, struct merr *e)
{
	struct ob_signer *s;
	FILE *f = fopen(path, "re");
	EVP_PKEY *key;
	int r;

	if (!f)
		return merr_sys(e, "--identity-key %s", path);
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!key) {
		ERR_clear_error();	/* OpenSSL's reason code would tell the user nothing */
		return merr_set(e, EINVAL, "--identity-key %s: not a PEM private key (give an EC "
				"P-256 or an RSA key of 2048 bits or more, in PEM)", path);
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		EVP_PKEY_free(key);
		return merr_set(e, ENOMEM, "identity key: out of memory");
	}
	s->key = key;
	if (EVP_PKEY_is_a(key, "EC")) {
		char group[64] = "";
		size_t gl = 0;

		if (!EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &gl) ||
		    strcmp(group, "prime256v1")) {
			ob_signer_free(s);
			return merr_set(e, EINVAL, "--identity-key %s: an EC key must be on P-256 (ES256)", path);
		}
		s->alg = "ES256";
	} else if (EVP_PKEY_is_a(key, "RSA")) {
		if (EVP_PKEY_get_bits(key) < 2048) {
			ob_signer_free(s);
			return merr_set(e, EINVAL, "--identity-key %s: an RSA key needs at least 2048 bits", path);
		}
		s->alg = "RS256";
	} else {
		ob_signer_free(s);
		return merr_set(e, EINVAL, "--identity-key %s: must be an EC P-256 or RSA key", path);
	}
	r = finish(s, e);
	if (r) {
		ob_signer_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int ob_signer_write_public(const struct ob_signer *s, const char *path, struct merr *e)
{
	FILE *f;
	int ok, r = ob_pem_create(path, &f, e);

	if (r < 0)
		return merr_set(e, -r, "--identity-pub %s: %s (the file's directory must exist)",
				path, strerror(-r));
	ok = PEM_write_PUBKEY(f, s->key);
	if (fclose(f) != 0 || !ok)
		return merr_set(e, EIO, "--identity-pub %s: cannot write the public key", path);
	return 0;
}

const char *ob_signer_alg(const struct ob_signer *s)
{
	return s->alg;
}

const char *ob_signer_kid(const struct ob_signer *s)
{
	return s->kid;
}

void ob_signer_free(struct ob_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->key);
	free(s);
}

static int append_json_b64(const json_t *obj, struct ob_buf *out)
{
	char *text = json_dumps(obj, JSON_COMPACT);
	int r;

	if (!text)
		return -ENOMEM;
	r = ob_base64url(text, strlen(text), out);
	free(text);
	return r;
}

/* Sign out[start..] and append ".SIGNATURE". */
static int sign(const struct ob_signer *s, struct ob_buf *out, size_t start, struct merr *e)
{
	unsigned char sig[1024], raw[64];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;

	if (!md)
		return merr_set(e, ENOMEM, "identity token: out of memory");
	ok = EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, s->key) == 1 &&
	     EVP_DigestSign(md, sig, &siglen, (unsigned char *)ob_buf_head(out) + start,
			    ob_buf_avail(out) - start) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		return ob_ssl_fail(e, EIO, "sign the identity token");
	if (!strcmp(s->alg, "ES256")) {
		const unsigned char *p = sig;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)siglen);
		const BIGNUM *r, *sv;

		if (!es)
			return ob_ssl_fail(e, EIO, "decode the identity token's signature");
		ECDSA_SIG_get0(es, &r, &sv);
		ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(sv, raw + 32, 32) == 32;
		ECDSA_SIG_free(es);
		if (!ok)
			return merr_set(e, EIO, "identity token: bad ECDSA signature size");
		memcpy(sig, raw, 64);
		siglen = 64;
	}
	if (ob_buf_append(out, ".", 1) || ob_base64url(sig, siglen, out))
		return merr_set(e, ENOMEM, "identity token: out of memory");
	return 0;
}

int ob_jwt_mint(const struct ob_signer *s, const struct ob_jwt_claims *c, struct ob_buf *out,
		struct merr *e)
{
	unsigned char jti[16];
	struct ob_buf jb = { 0 };
	char sub[160];
	json_t *hdr = json_object(), *cl = json_object();
	size_t start = ob_buf_avail(out);
	int r = -ENOMEM;

	if (RAND_bytes(jti, sizeof(jti)) != 1) {
		r = ob_ssl_fail(e, EIO, "identity token: no randomness");
		goto out;
	}
	if (ob_base64url(jti, sizeof(jti), &jb) || ob_buf_append(&jb, "", 1))
		goto out;
	snprintf(sub, sizeof(sub), "sandbox:%s", c->sandbox_id);
	if (!hdr || !cl || json_object_set_new(hdr, "alg", json_string(s->alg)) ||
	    json_object_set_new(hdr, "typ", json_string("JWT")) ||
	    json_object_set_new(hdr, "kid", json_string(s->kid)) ||
	    json_object_set_new(cl, "iss", json_string("moat-outbound")) ||
	    json_object_set_new(cl, "sub", json_string(sub)) ||
	    json_object_set_new(cl, "aud", json_string(c->audience)) ||
	    json_object_set_new(cl, "iat", json_integer(c->now)) ||
	    json_object_set_new(cl, "nbf", json_integer(c->now - 5)) ||
	    json_object_set_new(cl, "exp", json_integer(c->now + (time_t)c->ttl)) ||
	    json_object_set_new(cl, "jti", json_string(ob_buf_head(&jb))) ||
	    json_object_set_new(cl, "sandbox_id", json_string(c->sandbox_id)))
		goto out;
	if (append_json_b64(hdr, out) || ob_buf_append(out, ".", 1) || append_json_b64(cl, out))
		goto out;
	r = sign(s, out, start, e);
	if (r)
		ob_buf_truncate(out, start);
out:
	if (r == -ENOMEM) {
		ob_buf_truncate(out, start);
		merr_set(e, ENOMEM, "identity token: out of memory");
	}
	ob_buf_free(&jb);
	json_decref(hdr);
	json_decref(cl);
	return r;
}
