// SPDX-License-Identifier: MIT
/* tls.c - see tls.h. */
#include "tls.h"

#include "ossl.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "util.h"

#define CA_DAYS 365
#define LEAF_DAYS 30

struct leaf {
	char name[POLICY_HOST_MAX + 1];
	X509 *cert;
};

struct ob_ca {
	EVP_PKEY *key;
	X509 *cert;
	EVP_PKEY *leaf_key;
	struct leaf cache[OB_LEAF_CACHE];
	unsigned long minted, hits;
};

static int add_ext(X509 *issuer, X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return 0;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

static int random_serial(X509 *x)
{
	unsigned char b[16];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return 0;
	b[0] &= 0x7f;	/* positive */
	b[0] |= 0x01;
	bn = BN_bin2bn(b, sizeof(b), NULL);
	ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok;
}

static X509 *new_cert(X509_NAME *subject, X509_NAME *issuer, EVP_PKEY *pub, long days)
{
	X509 *x = X509_new();

	if (!x || !X509_set_version(x, 2) || !random_serial(x) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -86400) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), days * 86400) ||
	    !X509_set_subject_name(x, subject) || !X509_set_issuer_name(x, issuer) ||
	    !X509_set_pubkey(x, pub)) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int ob_ca_new(const char *sandbox_id, struct ob_ca **out, struct merr *e)
{
	struct ob_ca *ca = calloc(1, sizeof(*ca));
	X509_NAME *name = NULL;
	char cn[128];
	int r;

	if (!ca)
		return merr_set(e, ENOMEM, "CA: out of memory");
	ca->key = EVP_EC_gen("P-256");
	ca->leaf_key = EVP_EC_gen("P-256");
	if (!ca->key || !ca->leaf_key) {
		r = ob_ssl_fail(e, EIO, "generate the sandbox CA's keys");
		goto fail;
	}
	snprintf(cn, sizeof(cn), "moat sandbox %.64s ephemeral CA", sandbox_id);
	name = X509_NAME_new();
	if (!name ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"moat", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0)) {
		r = ob_ssl_fail(e, EIO, "name the sandbox CA");
		goto fail;
	}
	ca->cert = new_cert(name, name, ca->key, CA_DAYS);
	if (!ca->cert ||
	    !add_ext(ca->cert, ca->cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
	    !add_ext(ca->cert, ca->cert, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_ext(ca->cert, ca->cert, NID_subject_key_identifier, "hash") ||
	    !X509_sign(ca->cert, ca->key, EVP_sha256())) {
		r = ob_ssl_fail(e, EIO, "make the sandbox CA certificate");
		goto fail;
	}
	X509_NAME_free(name);
	*out = ca;
	return 0;
fail:
	X509_NAME_free(name);
	ob_ca_free(ca);
	return r;
}

int ob_ca_write_cert(const struct ob_ca *ca, const char *path, struct merr *e)
{
	FILE *f;
	int ok, r = ob_pem_create(path, &f, e);

	if (r < 0)
		return r;
	ok = PEM_write_X509(f, ca->cert);
	if (fclose(f) != 0 || !ok)
		return merr_set(e, EIO, "write the CA certificate to %s", path);
	return 0;
}

X509 *ob_ca_cert(const struct ob_ca *ca)
{
	return ca->cert;
}

static X509 *mint(struct ob_ca *ca, const char *host)
{
	GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *gn = GENERAL_NAME_new();
	X509_NAME *subj = X509_NAME_new();
	unsigned char addr[16];
	X509 *x = NULL;
	char cn[65];
	int alen = 0;

	if (!names || !gn || !subj)
		goto out;
	if (inet_pton(AF_INET, host, addr) == 1)
		alen = 4;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		alen = 16;
	if (alen) {
		ASN1_OCTET_STRING *ip = ASN1_OCTET_STRING_new();

		if (!ip || !ASN1_OCTET_STRING_set(ip, addr, alen)) {
			ASN1_OCTET_STRING_free(ip);
			goto out;
		}
		GENERAL_NAME_set0_value(gn, GEN_IPADD, ip);
	} else {
		ASN1_IA5STRING *dns = ASN1_IA5STRING_new();

		if (!dns || !ASN1_STRING_set(dns, host, (int)strlen(host))) {
			ASN1_IA5STRING_free(dns);
			goto out;
		}
		GENERAL_NAME_set0_value(gn, GEN_DNS, dns);
	}
	if (!sk_GENERAL_NAME_push(names, gn))
		goto out;
	gn = NULL;
	/* CN is limited to 64 characters; the SAN carries the real name */
	snprintf(cn, sizeof(cn), "%s", host);
	if (!X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0))
		goto out;
	x = new_cert(subj, X509_get_subject_name(ca->cert), ca->leaf_key, LEAF_DAYS);
	if (!x || !X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT) ||
	    !add_ext(ca->cert, x, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(ca->cert, x, NID_key_usage, "critical,digitalSignature") ||
	    !add_ext(ca->cert, x, NID_ext_key_usage, "serverAuth") ||
	    !add_ext(ca->cert, x, NID_authority_key_identifier, "keyid:always") ||
	    !X509_sign(x, ca->key, EVP_sha256())) {
		X509_free(x);
		x = NULL;
	}
out:
	GENERAL_NAME_free(gn);
	GENERAL_NAMES_free(names);
	X509_NAME_free(subj);
	return x;
}

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int ob_ca_leaf(struct ob_ca *ca, const char *name, X509 **cert, EVP_PKEY **key, struct merr *e)
{
	struct leaf *l = &ca->cache[hash(name) % OB_LEAF_CACHE];
	X509 *x;

	if (strlen(name) > POLICY_HOST_MAX)
		return merr_set(e, EINVAL, "mint a certificate: name too long");
	if (l->cert && !strcmp(l->name, name)) {
		ca->hits++;
	} else {
		x = mint(ca, name);
		if (!x)
			return ob_ssl_fail(e, EIO, "mint a leaf certificate");
		X509_free(l->cert);
		l->cert = x;
		snprintf(l->name, sizeof(l->name), "%s", name);
		ca->minted++;
	}
	*cert = l->cert;
	*key = ca->leaf_key;
	return 0;
}

void ob_ca_stats(const struct ob_ca *ca, unsigned long *minted, unsigned long *hits)
{
	*minted = ca->minted;
	*hits = ca->hits;
}

void ob_ca_free(struct ob_ca *ca)
{
	if (!ca)
		return;
	for (size_t i = 0; i < OB_LEAF_CACHE; i++)
		X509_free(ca->cache[i].cert);
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	EVP_PKEY_free(ca->leaf_key);
	free(ca);
}

/* ---- contexts ----------------------------------------------------------- */

static int alpn_select(SSL *s, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned inlen, void *arg)
{
	(void)s;
	(void)arg;
	for (unsigned i = 0; i < inlen;) {
		unsigned l = in[i];

		if (i + 1 + l > inlen)
			break;
		if (l == 8 && !memcmp(in + i + 1, "http/1.1", 8)) {
			*out = in + i + 1;
			*outlen = 8;
			return SSL_TLSEXT_ERR_OK;
		}
		i += 1 + l;
	}
	/* No http/1.1 offered: go on without ALPN rather than fail the handshake. */
	return SSL_TLSEXT_ERR_NOACK;
}

/* ECH's extension, accepted as a custom one only so that OpenSSL keeps it
 * for the hello callback to see (it drops extensions it does not know). */
static int ech_seen(SSL *s, unsigned int type, unsigned int context, const unsigned char *in,
		    size_t inlen, X509 *x, size_t chainidx, int *al, void *arg)
{
	(void)s, (void)type, (void)context, (void)in, (void)inlen, (void)x, (void)chainidx;
	(void)al, (void)arg;
	return 1;
}

SSL_CTX *ob_tls_server_ctx(SSL_client_hello_cb_fn hello, void *arg, struct merr *e)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx) {
		ob_ssl_fail(e, EIO, "make the guest-facing TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_client_hello_cb(ctx, hello, arg);
	/* fails where OpenSSL knows ECH itself, which then keeps it anyway */
	SSL_CTX_add_custom_ext(ctx, OB_TLSEXT_ECH, SSL_EXT_CLIENT_HELLO, NULL, NULL, NULL,
			       ech_seen, NULL);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"moat", 4);
	return ctx;
}

int ob_tls_hello_sni(SSL *s, char *out, size_t outsz)
{
	const unsigned char *p;
	size_t len, list, off;
	int found = 0;

	out[0] = '\0';
	if (!SSL_client_hello_get0_ext(s, TLSEXT_TYPE_server_name, &p, &len))
		return 0;
	if (len < 2)
		return -EINVAL;
	list = (size_t)p[0] << 8 | p[1];
	if (list != len - 2)
		return -EINVAL;
	/* The whole list is read: a second host name (RFC 6066 allows one) is
	 * refused, or a hello could be judged by one name and answered by a
	 * server for the other where it is relayed as it is (passthrough). */
	for (off = 2; off + 3 <= len;) {
		unsigned type = p[off];
		size_t nl = (size_t)p[off + 1] << 8 | p[off + 2];

		if (off + 3 + nl > len)
			return -EINVAL;
		if (type == TLSEXT_NAMETYPE_host_name) {
			if (found || nl == 0 || nl >= outsz || memchr(p + off + 3, 0, nl))
				return -EINVAL;
			memcpy(out, p + off + 3, nl);
			out[nl] = '\0';
			found = (int)nl;
		}
		off += 3 + nl;
	}
	return off == len ? found : -EINVAL;
}

const char *ob_tls_error(SSL *s, char *buf, size_t len)
{
	unsigned long code = ERR_peek_last_error();
	long v = s ? SSL_get_verify_result(s) : X509_V_OK;

	if (v != X509_V_OK) {
		snprintf(buf, len, "certificate verification failed: %s",
			 X509_verify_cert_error_string(v));
	} else if (code) {
		ERR_error_string_n(code, buf, len);
	} else {
		snprintf(buf, len, "TLS handshake failed");
	}
	ERR_clear_error();
	return buf;
}
