// SPDX-License-Identifier: MIT
/* Unit tests: netstack/outbound/tls.c and handoff.c - the sandbox CA, leaf
 * certificates per server name, a full handshake through the hello callback,
 * and the netstack hand-off message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netstack/outbound/handoff.h"
#include "netstack/outbound/tls.h"

static struct ob_ca *ca;

static int setup(void **state)
{
	(void)state;
	return ob_ca_new("unit", &ca, NULL);
}

static int teardown(void **state)
{
	(void)state;
	ob_ca_free(ca);
	return 0;
}

static int verify_leaf(X509 *leaf, const char *host, bool ip)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;
	int ok;

	X509_STORE_add_cert(store, ob_ca_cert(ca));
	X509_STORE_CTX_init(ctx, store, leaf, NULL);
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
	if (ip)
		X509_VERIFY_PARAM_set1_ip_asc(param, host);
	else
		X509_VERIFY_PARAM_set1_host(param, host, 0);
	ok = X509_verify_cert(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

static void test_ca(void **state)
{
	X509 *c = ob_ca_cert(ca);
	char path[] = "/tmp/moat-ca-XXXXXX", buf[4096];
	FILE *f;
	size_t n;
	int fd;

	(void)state;
	assert_int_equal(X509_check_ca(c), 1);
	assert_int_equal(X509_check_issued(c, c), X509_V_OK);
	X509_NAME_oneline(X509_get_subject_name(c), buf, sizeof(buf));
	assert_non_null(strstr(buf, "moat sandbox unit ephemeral CA"));
	fd = mkstemp(path);
	close(fd);
	assert_int_equal(ob_ca_write_cert(ca, path, NULL), 0);
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "BEGIN CERTIFICATE"));
	assert_null(strstr(buf, "PRIVATE"));
	unlink(path);
}

static void test_leaves(void **state)
{
	static const struct { const char *name; bool ip; const char *other; } rows[] = {
		{ "api.test", false, "other.test" },
		{ "a.b.c.example.com", false, "b.c.example.com" },
		{ "10.0.0.1", true, "10.0.0.2" },
		{ "::1", true, "::2" },
	};
	unsigned long minted, hits, m0, h0;

	(void)state;
	ob_ca_stats(ca, &m0, &h0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		X509 *leaf, *again;
		EVP_PKEY *key, *key2;

		assert_int_equal(ob_ca_leaf(ca, rows[i].name, &leaf, &key, NULL), 0);
		if (!verify_leaf(leaf, rows[i].name, rows[i].ip))
			fail_msg("row %zu: the leaf for %s does not verify", i, rows[i].name);
		if (verify_leaf(leaf, rows[i].other, rows[i].ip))
			fail_msg("row %zu: the leaf for %s also fits %s", i, rows[i].name, rows[i].other);
		assert_int_equal(X509_check_private_key(leaf, key), 1);
		assert_int_equal(X509_check_ca(leaf), 0);
		assert_int_equal(ob_ca_leaf(ca, rows[i].name, &again, &key2, NULL), 0);
		assert_ptr_equal(leaf, again);		/* cached */
	}
	ob_ca_stats(ca, &minted, &hits);
	assert_int_equal(minted - m0, 4);
	assert_int_equal(hits - h0, 4);
}

/* The guest-facing context: the hello callback reads SNI and picks the leaf. */
static char seen_sni[300];

static int hello(SSL *s, int *al, void *arg)
{
	X509 *cert;
	EVP_PKEY *key;
	int n = ob_tls_hello_sni(s, seen_sni, sizeof(seen_sni));

	(void)arg;
	if (n <= 0) {
		*al = SSL_AD_UNRECOGNIZED_NAME;
		return SSL_CLIENT_HELLO_ERROR;
	}
	if (ob_ca_leaf(ca, seen_sni, &cert, &key, NULL) < 0)
		return SSL_CLIENT_HELLO_ERROR;
	SSL_use_certificate(s, cert);
	SSL_use_PrivateKey(s, key);
	return SSL_CLIENT_HELLO_SUCCESS;
}

static int handshake(const char *sni, const char *verify_name)
{
	SSL_CTX *sctx = ob_tls_server_ctx(hello, NULL, NULL);
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	SSL *srv = SSL_new(sctx), *cli = SSL_new(cctx);
	BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
	BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
	char buf[16384];
	int ok = 0;

	X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx), ob_ca_cert(ca));
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	if (sni)
		SSL_set_tlsext_host_name(cli, sni);
	SSL_set1_host(cli, verify_name);
	SSL_set_bio(srv, s_in, s_out);
	SSL_set_bio(cli, c_in, c_out);
	SSL_set_accept_state(srv);
	SSL_set_connect_state(cli);
	seen_sni[0] = '\0';
	for (int i = 0; i < 20; i++) {
		int rc = SSL_do_handshake(cli), rs = SSL_do_handshake(srv), n;

		while ((n = BIO_read(c_out, buf, sizeof(buf))) > 0)
			BIO_write(s_in, buf, n);
		while ((n = BIO_read(s_out, buf, sizeof(buf))) > 0)
			BIO_write(c_in, buf, n);
		if (rc == 1 && rs == 1) {
			ok = SSL_get_verify_result(cli) == X509_V_OK;
			break;
		}
		if (rc <= 0 && SSL_get_error(cli, rc) == SSL_ERROR_SSL)
			break;
		if (rs <= 0 && SSL_get_error(srv, rs) == SSL_ERROR_SSL)
			break;
	}
	ERR_clear_error();
	SSL_free(srv);
	SSL_free(cli);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	return ok;
}

static void test_handshake(void **state)
{
	(void)state;
	assert_true(handshake("api.test", "api.test"));
	assert_string_equal(seen_sni, "api.test");
	assert_true(handshake("Mixed.Case.test", "mixed.case.test"));
	assert_false(handshake("api.test", "other.test"));	/* the client checks the name */
	assert_false(handshake(NULL, "api.test"));		/* no SNI: refused by the callback */
}

static void test_client_ctx(void **state)
{
	struct merr e = { 0 };
	const char *missing[] = { "/nonexistent/ca.pem" };
	SSL_CTX *c;

	(void)state;
	c = ob_tls_client_ctx(false, NULL, 0, &e);
	assert_non_null(c);
	SSL_CTX_free(c);
	assert_null(ob_tls_client_ctx(false, missing, 1, &e));
	assert_non_null(strstr(e.msg, "--extra-ca /nonexistent/ca.pem"));
}

static void test_handoff(void **state)
{
	struct ob_flow_dest d = { .port = 443 }, got;
	struct ob_flow_msg m, bad;
	struct sockaddr_in *in = (struct sockaddr_in *)&d.addr;

	(void)state;
	strcpy(d.host, "api.test");
	in->sin_family = AF_INET;
	in->sin_port = htons(443);
	inet_pton(AF_INET, "10.1.2.3", &in->sin_addr);
	d.addrlen = sizeof(*in);
	assert_int_equal(ob_flow_msg_encode(&d, &m), 0);
	assert_int_equal(ob_flow_msg_decode(&m, sizeof(m), &got), 0);
	assert_string_equal(got.host, "api.test");
	assert_int_equal(got.port, 443);
	assert_int_equal(got.addrlen, sizeof(struct sockaddr_in));
	assert_int_equal(memcmp(&((struct sockaddr_in *)&got.addr)->sin_addr, &in->sin_addr, 4), 0);
	assert_string_equal(got.guest_addr, "");

	/* the gateway: the guest's address for it travels with the flow */
	strcpy(d.guest_addr, "10.88.0.1");
	assert_int_equal(ob_flow_msg_encode(&d, &bad), 0);
	assert_int_equal(ob_flow_msg_decode(&bad, sizeof(bad), &got), 0);
	assert_string_equal(got.guest_addr, "10.88.0.1");
	strcpy(d.guest_addr, "gateway");
	assert_int_equal(ob_flow_msg_encode(&d, &bad), -EINVAL);

	/* the address's other names travel with it, in order */
	strcpy(d.guest_addr, "");
	strcpy(d.also[0], "www.test");
	strcpy(d.also[1], "cdn.test");
	d.nalso = 2;
	assert_int_equal(ob_flow_msg_encode(&d, &bad), 0);
	assert_int_equal(ob_flow_msg_decode(&bad, sizeof(bad), &got), 0);
	assert_int_equal(got.nalso, 2);
	assert_string_equal(got.also[0], "www.test");
	assert_string_equal(got.also[1], "cdn.test");
	d.nalso = OB_FLOW_ALSO + 1;
	assert_int_equal(ob_flow_msg_encode(&d, &bad), -EINVAL);
	d.nalso = 0;

	/* each malformed variant is refused */
	for (int i = 0; i < 18; i++) {
		size_t len = sizeof(bad);

		bad = m;
		switch (i) {
		case 0: len = sizeof(bad) - 1; break;
		case 1: bad.magic ^= 1; break;
		case 2: bad.version = 1; break;
		case 3: bad.port = 0; break;
		case 4: bad.reserved[1] = 1; break;
		case 5: memset(bad.host, 'a', sizeof(bad.host)); break;	/* not terminated */
		case 6: strcpy(bad.host, "bad host"); break;
		case 7: bad.family = 5; break;
		case 8: bad.family = 0; bad.host[0] = '\0'; break;	/* nowhere to go */
		case 9: strcpy(bad.host, "10.0.0.1"); break;	/* a name must be a name */
		case 10: len = 0; break;
		case 11: bad.guest_family = 5; break;
		case 12: memset(bad.also[0], 'a', sizeof(bad.also[0])); break;	/* not terminated */
		case 13: strcpy(bad.also[1], "gap.test"); break;	/* after an empty one */
		case 14: strcpy(bad.also[0], "10.0.0.2"); break;	/* an address */
		case 15: strcpy(bad.also[0], "bad name"); break;
		case 16: strcpy(bad.also[0], "x.test"); bad.also[0][10] = 'y'; break;	/* bytes after */
		case 17: bad.host[0] = '\0'; strcpy(bad.also[0], "x.test"); break;	/* no name first */
		}
		if (ob_flow_msg_decode(&bad, len, &got) != -EINVAL)
			fail_msg("malformed variant %d was accepted", i);
	}
	/* a name without an address (resolved by outbound), an address without a name */
	bad = m;
	bad.family = 0;
	assert_int_equal(ob_flow_msg_decode(&bad, sizeof(bad), &got), 0);
	assert_int_equal(got.addrlen, 0);
	bad = m;
	bad.host[0] = '\0';
	assert_int_equal(ob_flow_msg_decode(&bad, sizeof(bad), &got), 0);
	assert_string_equal(got.host, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ca),
		cmocka_unit_test(test_leaves),
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_client_ctx),
		cmocka_unit_test(test_handoff),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
