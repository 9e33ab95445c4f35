// SPDX-License-Identifier: MIT
/*
 * tls_client.c - the upstream leg's TLS context (see tls.h): what it trusts,
 * parsed when first needed, and the sessions it resumes.
 *
 * Theory of operation
 * -------------------
 * Trust.  The host's CA bundle is read when the context is made (later
 * outbound may not see the file system) but parsed only when the first
 * upstream certificate is verified, from the context's verify callback:
 * OpenSSL takes some 20 ms of CPU to parse a distribution's ~150
 * certificates, which would otherwise be on the start-up path of every
 * sandbox, whether it speaks HTTPS or not.  A bundle without a single
 * "-----BEGIN " line is refused at once.  CA files the operator names are
 * small and loaded at once, so that a bad one is an error at start.
 *
 * Resumption.  A new upstream connection offers the last session made with
 * the same host (name or address) and port, kept in a small table the
 * context owns (one slot per hash of "host:port"; a newer session replaces
 * the older one).  A resumed handshake skips the server's certificate: its
 * parsing, its signature and the chain's verification, a third of outbound's
 * CPU for each new HTTPS connection.  OpenSSL does not check the name again
 * when it resumes, so a session is offered only to the very name it was
 * verified for; the upstream decides whether to accept it.
 */
#include "tls.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/lhash.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "ossl.h"
#include "policy.h"
#include "util.h"

#define BUNDLE_MAX (8u << 20)
#define SESSION_SLOTS 64
#define SESSION_KEY_MAX (POLICY_HOST_MAX + 8)	/* "host:port" */

struct up_session {
	char key[SESSION_KEY_MAX];
	SSL_SESSION *sess;
};

/* What a client context owns besides OpenSSL's own state (ex_data). */
struct client_state {
	char *pem;			/* the host's bundle, until first parsed */
	size_t len;
	struct up_session slots[SESSION_SLOTS];
};

static int state_idx = -1;	/* SSL_CTX ex_data: struct client_state */
static int key_idx = -1;	/* SSL ex_data: the upstream SSL's "host:port" */

static const unsigned char alpn_h1[] = { 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };

static void state_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
		       void *argp)
{
	struct client_state *st = ptr;

	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	if (!st)
		return;
	for (size_t i = 0; i < SESSION_SLOTS; i++)
		SSL_SESSION_free(st->slots[i].sess);
	free(st->pem);
	free(st);
}

static void key_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	free(ptr);
}

static bool indexes(void)
{
	if (state_idx < 0)
		state_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, state_free);
	if (key_idx < 0)
		key_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, key_free);
	return state_idx >= 0 && key_idx >= 0;
}

/* ---- trust ---------------------------------------------------------------- */

static int read_bundle(const char *path, struct client_state *st, struct merr *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;
	char *small;

	if (fd < 0)
		return merr_sys(e, "%s: load the host's CA bundle", path);
	st->pem = malloc(BUNDLE_MAX + 1);
	if (!st->pem)
		return merr_set(e, ENOMEM, "load the host's CA bundle: out of memory");
	got = read_full(fd, st->pem, BUNDLE_MAX + 1);
	if (got < 0)
		return merr_set(e, (int)-got, "%s: load the host's CA bundle: %s", path,
				strerror((int)-got));
	if ((size_t)got > BUNDLE_MAX)
		return merr_set(e, EFBIG, "%s: load the host's CA bundle: larger than %u MiB", path,
				BUNDLE_MAX >> 20);
	st->len = (size_t)got;
	st->pem[st->len] = '\0';
	small = realloc(st->pem, st->len + 1);
	if (small)
		st->pem = small;
	if (!strstr(st->pem, "-----BEGIN "))
		return merr_set(e, EINVAL, "%s: load the host's CA bundle: no certificate in it",
				path);
	return 0;
}

/* Add the held bundle's certificates (and CRLs) to @store, once. */
static void parse_bundle(X509_STORE *store, struct client_state *st)
{
	BIO *bio = BIO_new_mem_buf(st->pem, (int)st->len);
	STACK_OF(X509_INFO) *infos = bio ? PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL) : NULL;
	int n = 0;

	for (int i = 0; i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *xi = sk_X509_INFO_value(infos, i);

		if (xi->x509)
			n += X509_STORE_add_cert(store, xi->x509);
		if (xi->crl)
			X509_STORE_add_crl(store, xi->crl);
	}
	if (!n)
		log_warn("the host's CA bundle holds no certificate OpenSSL can read");
	ERR_clear_error();
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	free(st->pem);
	st->pem = NULL;
}

static int verify_cb(X509_STORE_CTX *xs, void *arg)
{
	struct client_state *st = arg;

	if (st->pem)
		parse_bundle(X509_STORE_CTX_get0_store(xs), st);
	return X509_verify_cert(xs);
}

/* ---- sessions --------------------------------------------------------------- */

static struct up_session *slot_of(struct client_state *st, const char *key)
{
	return &st->slots[OPENSSL_LH_strhash(key) % SESSION_SLOTS];
}

/* OpenSSL's new-session callback: keep the session for its "host:port". */
static int new_session(SSL *s, SSL_SESSION *sess)
{
	struct client_state *st = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(s), state_idx);
	const char *key = SSL_get_ex_data(s, key_idx);
	struct up_session *slot;

	if (!st || !key || !SSL_SESSION_is_resumable(sess))
		return 0;
	slot = slot_of(st, key);
	SSL_SESSION_free(slot->sess);
	snprintf(slot->key, sizeof(slot->key), "%s", key);
	slot->sess = sess;
	return 1;	/* the slot keeps OpenSSL's reference */
}

static void offer_session(SSL *s, const char *host, uint16_t port)
{
	struct client_state *st = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(s), state_idx);
	char key[SESSION_KEY_MAX], *copy;
	struct up_session *slot;
	int n;

	if (!st)
		return;
	n = snprintf(key, sizeof(key), "%s:%u", host, port);
	if (n < 0 || (size_t)n >= sizeof(key) || !(copy = strdup(key)))
		return;
	if (!SSL_set_ex_data(s, key_idx, copy)) {
		free(copy);
		return;
	}
	slot = slot_of(st, key);
	if (slot->sess && !strcmp(slot->key, key) && SSL_SESSION_is_resumable(slot->sess))
		SSL_set_session(s, slot->sess);
}

/* ---- the context ---------------------------------------------------------------- */

SSL_CTX *ob_tls_client_ctx(bool system, const char *const *extra, size_t nextra, struct merr *e)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	struct client_state *st = calloc(1, sizeof(*st));
	X509_STORE *store;

	if (!ctx || !st || !indexes() || !SSL_CTX_set_ex_data(ctx, state_idx, st)) {
		free(st);
		SSL_CTX_free(ctx);
		ob_ssl_fail(e, EIO, "make the upstream TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_alpn_protos(ctx, alpn_h1, sizeof(alpn_h1));
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, new_session);
	if (system) {
		if (read_bundle(X509_get_default_cert_file(), st, e) < 0) {
			SSL_CTX_free(ctx);
			return NULL;
		}
		SSL_CTX_set_cert_verify_callback(ctx, verify_cb, st);
	}
	store = SSL_CTX_get_cert_store(ctx);
	for (size_t i = 0; i < nextra; i++) {
		if (!X509_STORE_load_file(store, extra[i])) {
			ob_ssl_fail(e, EIO, "load a CA file");
			merr_prefix(e, "--extra-ca %s: ", extra[i]);
			SSL_CTX_free(ctx);
			return NULL;
		}
	}
	return ctx;
}

int ob_tls_client_setup(SSL *s, const char *host, uint16_t port, bool is_ip)
{
	if (is_ip) {
		if (!X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), host))
			return -EINVAL;
	} else {
		if (!SSL_set_tlsext_host_name(s, host) || !SSL_set1_host(s, host))
			return -EINVAL;
		SSL_set_hostflags(s, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	}
	offer_session(s, host, port);
	return 0;
}
