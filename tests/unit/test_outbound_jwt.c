// SPDX-License-Identifier: MIT
/* Unit tests: netstack/outbound/jwt.c - identity tokens: shape, claims,
 * signature (checked with OpenSSL independently), expiry, keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netstack/outbound/jwt.h"

static size_t b64url_decode(const char *in, size_t len, unsigned char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned v = 0, bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		const char *p = strchr(tab, in[i]);

		assert_non_null(p);
		v = v << 6 | (unsigned)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	return o;
}

struct token {
	json_t *header, *claims;
	unsigned char sig[600];
	size_t siglen;
	char signed_part[2048];
};

static void split(const char *tok, size_t len, struct token *t)
{
	const char *d1 = memchr(tok, '.', len), *d2;
	unsigned char buf[2048];
	size_t n;

	assert_non_null(d1);
	d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok));
	assert_non_null(d2);
	assert_null(memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - tok)));
	n = b64url_decode(tok, (size_t)(d1 - tok), buf);
	t->header = json_loadb((char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
	n = b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), buf);
	t->claims = json_loadb((char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(t->header);
	assert_non_null(t->claims);
	t->siglen = b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - tok), t->sig);
	snprintf(t->signed_part, sizeof(t->signed_part), "%.*s", (int)(d2 - tok), tok);
	/* no padding, no characters outside base64url */
	for (size_t i = 0; i < len; i++)
		assert_non_null(memchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", tok[i], 65));
}

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

static json_int_t num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* Verify with the public key written to a file, as a relying party would. */
static int verify(const char *pubpath, const struct token *t, bool es256)
{
	FILE *f = fopen(pubpath, "r");
	EVP_PKEY *pub = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80], *p = der;
	const unsigned char *sig = t->sig;
	size_t siglen = t->siglen;
	int ok;

	fclose(f);
	assert_non_null(pub);
	if (es256) {
		ECDSA_SIG *es = ECDSA_SIG_new();

		assert_int_equal(t->siglen, 64);
		ECDSA_SIG_set0(es, BN_bin2bn(t->sig, 32, NULL), BN_bin2bn(t->sig + 32, 32, NULL));
		siglen = (size_t)i2d_ECDSA_SIG(es, &p);
		sig = der;
		ECDSA_SIG_free(es);
	}
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1 &&
	     EVP_DigestVerify(md, sig, siglen, (const unsigned char *)t->signed_part,
			      strlen(t->signed_part)) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pub);
	return ok;
}

static void check_token(struct ob_signer *s, const char *alg, bool es256)
{
	char pub[] = "/tmp/moat-jwt-pub-XXXXXX";
	struct ob_jwt_claims c = { .sandbox_id = "sb-42", .audience = "https://api.example", .ttl = 300,
				   .now = 1790000000 };
	struct ob_buf b1 = { 0 }, b2 = { 0 };
	struct token t1, t2;
	int fd = mkstemp(pub);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ob_signer_write_public(s, pub, NULL), 0);
	assert_int_equal(ob_jwt_mint(s, &c, &b1, NULL), 0);
	assert_int_equal(ob_jwt_mint(s, &c, &b2, NULL), 0);
	split(ob_buf_head(&b1), ob_buf_avail(&b1), &t1);
	split(ob_buf_head(&b2), ob_buf_avail(&b2), &t2);

	assert_string_equal(str(t1.header, "alg"), alg);
	assert_string_equal(str(t1.header, "typ"), "JWT");
	assert_string_equal(str(t1.header, "kid"), ob_signer_kid(s));
	assert_int_equal(strlen(ob_signer_kid(s)), 22);
	assert_string_equal(str(t1.claims, "iss"), "moat-outbound");
	assert_string_equal(str(t1.claims, "sub"), "sandbox:sb-42");
	assert_string_equal(str(t1.claims, "sandbox_id"), "sb-42");
	assert_string_equal(str(t1.claims, "aud"), "https://api.example");
	assert_int_equal(num(t1.claims, "iat"), 1790000000);
	assert_int_equal(num(t1.claims, "nbf"), 1790000000 - 5);
	assert_int_equal(num(t1.claims, "exp"), 1790000000 + 300);
	assert_int_equal(strlen(str(t1.claims, "jti")), 22);
	/* every token is unique */
	assert_string_not_equal(str(t1.claims, "jti"), str(t2.claims, "jti"));
	assert_true(verify(pub, &t1, es256));
	assert_true(verify(pub, &t2, es256));
	/* a changed claim breaks the signature */
	t1.signed_part[strlen(t1.signed_part) - 2] ^= 1;
	assert_false(verify(pub, &t1, es256));
	json_decref(t1.header);
	json_decref(t1.claims);
	json_decref(t2.header);
	json_decref(t2.claims);
	ob_buf_free(&b1);
	ob_buf_free(&b2);
	unlink(pub);
}

static void test_es256(void **state)
{
	struct ob_signer *s = NULL;

	(void)state;
	assert_int_equal(ob_signer_generate(&s, NULL), 0);
	assert_string_equal(ob_signer_alg(s), "ES256");
	check_token(s, "ES256", true);
	ob_signer_free(s);
}

static char *write_key(EVP_PKEY *k)
{
	static char path[] = "/tmp/moat-jwt-key-XXXXXX";
	int fd;
	FILE *f;

	strcpy(path, "/tmp/moat-jwt-key-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_true(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL));
	fclose(f);
	EVP_PKEY_free(k);
	return path;
}

static void test_loaded_keys(void **state)
{
	struct ob_signer *s = NULL;
	struct merr e = { 0 };
	char *path;

	(void)state;
	path = write_key(EVP_RSA_gen(2048));
	assert_int_equal(ob_signer_load(&s, path, &e), 0);
	assert_string_equal(ob_signer_alg(s), "RS256");
	check_token(s, "RS256", false);
	ob_signer_free(s);
	unlink(path);

	path = write_key(EVP_EC_gen("P-256"));
	assert_int_equal(ob_signer_load(&s, path, &e), 0);
	assert_string_equal(ob_signer_alg(s), "ES256");
	check_token(s, "ES256", true);
	ob_signer_free(s);
	unlink(path);

	path = write_key(EVP_RSA_gen(1024));
	assert_int_equal(ob_signer_load(&s, path, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "at least 2048 bits"));
	unlink(path);

	path = write_key(EVP_EC_gen("P-384"));
	assert_int_equal(ob_signer_load(&s, path, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "P-256"));
	unlink(path);

	assert_int_equal(ob_signer_load(&s, "/nonexistent/key.pem", &e), -ENOENT);
	assert_int_equal(ob_signer_load(&s, "/etc/hostname", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not a PEM private key"));
}

static void test_base64url(void **state)
{
	static const struct { const char *in; const char *out; } rows[] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" }, { "foob", "Zm9vYg" },
		{ "\xfb\xff", "-_8" }, { "\xff\xfe\xfd", "__79" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ob_buf b = { 0 };
		char got[32];

		assert_int_equal(ob_base64url(rows[i].in, strlen(rows[i].in), &b), 0);
		snprintf(got, sizeof(got), "%.*s", (int)ob_buf_avail(&b), ob_buf_avail(&b) ? ob_buf_head(&b) : "");
		assert_string_equal(got, rows[i].out);
		ob_buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_es256),
		cmocka_unit_test(test_loaded_keys),
		cmocka_unit_test(test_base64url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
