// SPDX-License-Identifier: MIT
/*
 * conn.c - one end of a flow: bytes between its socket and its buffers, with
 * OpenSSL in between for a TLS end (see engine.h).  No policy here: these
 * functions move bytes and report what happened.
 */
#include "engine.h"

#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/* Read once from the socket.  A plain end's bytes go to @in; a TLS end's go
 * to OpenSSL's read BIO, and, if @tap is given, are also kept there. */
ssize_t ob_end_recv(struct ob_end *e, struct ob_buf *tap)
{
	char stack[OB_IO_CHUNK];
	char *dst;
	ssize_t n;

	if (e->ssl) {
		dst = stack;
	} else {
		dst = ob_buf_reserve(&e->in, OB_IO_CHUNK);
		if (!dst)
			return -ENOMEM;
	}
	n = recv(e->fd, dst, OB_IO_CHUNK, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return -EAGAIN;
		return -errno;
	}
	if (n == 0)
		return 0;
	if (!e->ssl) {
		ob_buf_commit(&e->in, (size_t)n);
		e->rx += (uint64_t)n;
		return n;
	}
	if (tap && ob_buf_avail(tap) + (size_t)n <= OB_HELLO_MAX && ob_buf_append(tap, stack, (size_t)n))
		return -ENOMEM;
	if (BIO_write(SSL_get_rbio(e->ssl), stack, (int)n) != (int)n)
		return -ENOMEM;
	return n;
}

/* Move what OpenSSL can decrypt into @in.
 * Return: 0, 1 when the peer sent close_notify, -EIO on a TLS error */
int ob_end_decrypt(struct ob_end *e)
{
	while (ob_buf_avail(&e->in) < OB_IN_MAX) {
		char *dst = ob_buf_reserve(&e->in, 16384);
		int n, err;

		if (!dst)
			return -ENOMEM;
		n = SSL_read(e->ssl, dst, 16384);
		if (n > 0) {
			ob_buf_commit(&e->in, (size_t)n);
			e->rx += (uint64_t)n;
			continue;
		}
		err = SSL_get_error(e->ssl, n);
		ob_end_collect(e);	/* a TLS 1.3 key update may want an answer */
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
			return 0;
		if (err == SSL_ERROR_ZERO_RETURN)
			return 1;
		return -EIO;
	}
	return 0;
}

/* Move what OpenSSL wrote to its BIO into @raw. */
void ob_end_collect(struct ob_end *e)
{
	BIO *w = SSL_get_wbio(e->ssl);
	size_t pending;

	while ((pending = BIO_ctrl_pending(w)) > 0) {
		char *dst = ob_buf_reserve(&e->raw, pending);
		int n;

		if (!dst)
			return;
		n = BIO_read(w, dst, (int)MIN(pending, (size_t)INT32_MAX));
		if (n <= 0)
			return;
		ob_buf_commit(&e->raw, (size_t)n);
	}
}

bool ob_end_pending(const struct ob_end *e)
{
	return ob_buf_avail(&e->raw) || (!e->ssl && ob_buf_avail(&e->out)) ||
	       (e->ssl && !e->hs && ob_buf_avail(&e->out));
}

/* Encrypt (TLS) and write what is pending.  @taken counts plaintext bytes
 * that left @out.  Return: 0, or -errno when the connection failed. */
int ob_end_send(struct ob_end *e, uint64_t *taken)
{
	struct ob_buf *src = e->ssl ? &e->raw : &e->out;

	if (e->fd < 0)
		return 0;
	for (;;) {
		ssize_t n;

		if (e->ssl && !e->hs) {
			while (ob_buf_avail(&e->out) && ob_buf_avail(&e->raw) < OB_OUT_HIGH) {
				size_t len = MIN(ob_buf_avail(&e->out), (size_t)16384);
				int w = SSL_write(e->ssl, ob_buf_head(&e->out), (int)len);

				if (w <= 0)
					return -EIO;
				ob_buf_consume(&e->out, (size_t)w);
				e->tx += (uint64_t)w;
				if (taken)
					*taken += (uint64_t)w;
				ob_end_collect(e);
			}
		}
		if (!ob_buf_avail(src))
			return 0;
		n = send(e->fd, ob_buf_head(src), ob_buf_avail(src), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return -errno;
		}
		if (!e->ssl) {
			e->tx += (uint64_t)n;
			if (taken)
				*taken += (uint64_t)n;
		}
		ob_buf_consume(src, (size_t)n);
	}
}

SSL *ob_end_tls(struct ob_end *e, SSL_CTX *ctx, bool server)
{
	SSL *s = SSL_new(ctx);
	BIO *r = BIO_new(BIO_s_mem()), *w = BIO_new(BIO_s_mem());

	if (!s || !r || !w) {
		SSL_free(s);
		BIO_free(r);
		BIO_free(w);
		return NULL;
	}
	BIO_set_mem_eof_return(r, -1);
	BIO_set_mem_eof_return(w, -1);
	SSL_set_bio(s, r, w);
	if (server)
		SSL_set_accept_state(s);
	else
		SSL_set_connect_state(s);
	e->ssl = s;
	e->hs = true;
	return s;
}

void ob_end_close(struct ob_end *e, bool reset)
{
	if (e->ssl) {
		/* OpenSSL forgets the session of a connection freed before it
		 * sent close_notify.  One that ends in order after its handshake
		 * keeps it, so that the next connection can resume it; a fatal
		 * TLS error has made it unresumable already. */
		if (!reset && !e->hs)
			SSL_set_shutdown(e->ssl, SSL_get_shutdown(e->ssl) | SSL_SENT_SHUTDOWN);
		SSL_free(e->ssl);
		e->ssl = NULL;
	}
	if (e->fd >= 0) {
		if (reset) {
			struct linger l = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(e->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		}
		close(e->fd);
		e->fd = -1;
	}
	ob_buf_free(&e->in);
	ob_buf_free(&e->out);
	ob_buf_free(&e->raw);
	e->events = 0;
	e->eof = e->reset = e->shut = e->hs = false;
	ERR_clear_error();
}
