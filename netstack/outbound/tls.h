/* SPDX-License-Identifier: MIT */
/*
 * tls.h - TLS for outbound: the sandbox's ephemeral CA, leaf certificates
 * minted per server name, and the contexts for both legs of a flow.
 *
 * Theory of operation.  At start outbound makes a CA that exists nowhere but
 * in its memory: an ECDSA P-256 key and a self-signed certificate naming the
 * sandbox.  Only the certificate is written out (ob_ca_write_cert), for the
 * guest's trust store.  When the guest opens TLS, the ClientHello's server
 * name (SNI) picks a leaf certificate, minted on first use and kept in a small
 * cache; every leaf shares one key made at start, so minting is one signature.
 *
 * The upstream leg is an ordinary verifying TLS client: the peer's chain must
 * lead to the host's trust store or to a CA file the operator added, and its
 * name must match the destination.  Its context (tls_client.c) parses the
 * host's trust store only when it first needs it, and resumes the last
 * session made with the same destination.  Both legs speak TLS 1.2 or 1.3
 * and offer only HTTP/1.1 in ALPN.  I/O goes through memory BIOs: the flow engine
 * moves bytes between sockets and OpenSSL itself, so a handshake never blocks
 * and a ClientHello can be replayed unchanged to a passthrough upstream.
 */
#ifndef MOAT_OUTBOUND_TLS_H
#define MOAT_OUTBOUND_TLS_H

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define OB_LEAF_CACHE 256	/* leaf certificates kept */

struct ob_ca;

/**
 * ob_ca_new() - make the CA for sandbox @sandbox_id, and the leaves' key
 * Return: 0 or -errno
 */
int ob_ca_new(const char *sandbox_id, struct ob_ca **out, struct merr *e);

/** ob_ca_write_cert() - write the CA certificate (PEM, mode 0644) to @path */
int ob_ca_write_cert(const struct ob_ca *ca, const char *path, struct merr *e);

/** ob_ca_cert() - the CA certificate (borrowed) */
X509 *ob_ca_cert(const struct ob_ca *ca);

/**
 * ob_ca_leaf() - the leaf certificate for @name (a normalized host name or IP
 * literal), minted and cached on first use
 * @cert, @key:	borrowed; valid until the cache evicts them, so use them at once
 * Return: 0 or -errno
 */
int ob_ca_leaf(struct ob_ca *ca, const char *name, X509 **cert, EVP_PKEY **key, struct merr *e);

/** ob_ca_stats() - leaves minted and cache hits so far */
void ob_ca_stats(const struct ob_ca *ca, unsigned long *minted, unsigned long *hits);

void ob_ca_free(struct ob_ca *ca);

/**
 * ob_tls_server_ctx() - the context for guest-facing TLS
 * @hello:	called with each ClientHello (to read SNI, decide, pick a leaf)
 * Return: the context, or NULL with @e set
 */
SSL_CTX *ob_tls_server_ctx(SSL_client_hello_cb_fn hello, void *arg, struct merr *e);

/**
 * ob_tls_client_ctx() - the context for upstream TLS
 * @system:	trust the host's CA bundle
 * @extra:	more PEM CA files to trust
 * Return: the context, or NULL with @e set
 */
SSL_CTX *ob_tls_client_ctx(bool system, const char *const *extra, size_t nextra, struct merr *e);

/* The encrypted_client_hello extension (ECH), which OpenSSL does not name. */
#define OB_TLSEXT_ECH 0xfe0d

/**
 * ob_tls_hello_sni() - in a ClientHello callback: the host_name of the
 * server_name extension, NUL-terminated in @out
 * Return: length, 0 if there is none, -EINVAL if the extension is malformed
 * or names more than one host
 */
int ob_tls_hello_sni(SSL *s, char *out, size_t outsz);

/**
 * ob_tls_client_setup() - set SNI and the name to verify on an upstream SSL,
 * and offer the last session made with @host:@port, if there is one
 * Return: 0 or -errno
 */
int ob_tls_client_setup(SSL *s, const char *host, uint16_t port, bool is_ip);

/** ob_tls_error() - the reason for the last TLS failure, for messages */
const char *ob_tls_error(SSL *s, char *buf, size_t len);

#endif
