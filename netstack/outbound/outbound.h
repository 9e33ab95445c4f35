/* SPDX-License-Identifier: MIT */
/*
 * outbound.h - the outbound server: what the sentry (or moat-outbound's
 * main) sets up and runs.
 *
 * Theory of operation.  Everything outbound does happens on flows: a
 * terminated byte stream from the guest whose original destination (a name
 * and/or an address, and a port) is known.  Flows arrive three ways:
 *
 *   - ob_server_flow_channel() / ob_server_flow_listen(): netstack hands each
 *     guest TCP connection over as an fd with a struct ob_flow_msg (handoff.h);
 *   - ob_server_add_flow(): an fd and a destination, in-process;
 *   - ob_server_listen(): an explicit HTTP proxy (HTTP_PROXY/HTTPS_PROXY):
 *     "CONNECT host:port" turns the connection into a flow to host:port, and
 *     absolute-form "GET http://host/..." requests are flows of one request.
 *
 * A flow's first byte tells TLS (0x16) from plain HTTP.  TLS is intercepted
 * with a leaf certificate for its server name, unless the policy says
 * passthrough for that name, in which case the bytes are relayed untouched.
 * HTTP requests are parsed, judged, rewritten with their injections and sent
 * to the upstream over a connection outbound opens itself (TLS-verified when
 * the guest spoke TLS); responses come back the same way.  One thread runs an
 * epoll loop over every socket; buffers are bounded per flow, and a side that
 * is not read from is not read for.  A helper thread resolves names in
 * explicit-proxy mode.
 */
#ifndef MOAT_OUTBOUND_OUTBOUND_H
#define MOAT_OUTBOUND_OUTBOUND_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "handoff.h"
#include "jwt.h"
#include "policy.h"
#include "resolve.h"
#include "secret.h"
#include "tls.h"

struct ob_config {
	const struct policy *policy;
	const struct ob_secrets *secrets;
	const char *sandbox_id;
	struct ob_ca *ca;			/* the sandbox's CA (ob_ca_new) */
	const struct ob_signer *signer;		/* identity tokens; NULL: none */
	SSL_CTX *upstream;			/* ob_tls_client_ctx() */
	int audit_fd;				/* -1: no audit log */
	const struct ob_pin *pins;		/* --resolve */
	size_t npins;
	unsigned max_flows;			/* 0: OB_MAX_FLOWS_DEFAULT */
	bool resolver;				/* resolve names (explicit-proxy mode) */
	unsigned idle_timeout;			/* seconds; 0: default */
	int (*thread_init)(void);		/* run first on each helper thread
						 * (seccomp and capabilities are per
						 * thread); 0 or -errno */
};

#define OB_MAX_FLOWS_DEFAULT 1024

struct ob_server;

/**
 * ob_server_new() - set up a server (epoll, signal handling, resolver)
 * Return: 0 or -errno
 */
int ob_server_new(const struct ob_config *cfg, struct ob_server **out, struct merr *e);

/**
 * ob_server_listen() - serve as an explicit proxy on @hostport ("127.0.0.1:3128";
 * port 0 picks one)
 * @bound:	if not NULL, receives "ADDR:PORT" as bound
 * Return: 0 or -errno
 */
int ob_server_listen(struct ob_server *s, const char *hostport, char *bound, size_t boundsz,
		     struct merr *e);

/**
 * ob_server_flow_listen() - accept hand-off channels on a unix SOCK_SEQPACKET
 * socket at @path
 * Return: 0 or -errno
 */
int ob_server_flow_listen(struct ob_server *s, const char *path, struct merr *e);

/**
 * ob_server_flow_channel() - take hand-off messages on an already connected
 * SOCK_SEQPACKET socket (netstack's end of a socketpair); @fd is owned by the
 * server from now on
 * Return: 0 or -errno
 */
int ob_server_flow_channel(struct ob_server *s, int fd, struct merr *e);

/**
 * ob_server_add_flow() - serve one flow; @fd (a connected stream socket) is
 * owned by the server from now on, also on failure
 * Return: 0 or -errno
 */
int ob_server_add_flow(struct ob_server *s, int fd, const struct ob_flow_dest *d, struct merr *e);

/**
 * ob_server_keep_fds() - the fds the server needs (for confine_close_fds())
 * Return: how many were written to @fds
 */
size_t ob_server_keep_fds(const struct ob_server *s, int *fds, size_t max);

/**
 * ob_server_run() - serve until SIGINT or SIGTERM (blocked and taken through
 * a signalfd by ob_server_new()) or ob_server_stop()
 * Return: 0, or -errno if the loop itself failed
 */
int ob_server_run(struct ob_server *s);

/** ob_server_stop() - make ob_server_run() return (from the loop's thread) */
void ob_server_stop(struct ob_server *s);

/** ob_server_free() - close every flow and socket and release the server */
void ob_server_free(struct ob_server *s);

/* The system calls the serving loop makes: its seccomp allowlist. */
extern const int ob_syscalls[];
extern const size_t ob_nsyscalls;

#endif
