/* SPDX-License-Identifier: MIT */
/*
 * resolve.h - turning a destination name into an address, off the event loop.
 *
 * In flow mode netstack hands over the address the guest connected to, and
 * nothing needs resolving.  In explicit-proxy mode outbound resolves names
 * itself: pins first (--resolve HOST:PORT:ADDR, as curl's option, for
 * operators and tests), then IP literals, then getaddrinfo(3) on a helper
 * thread, so that a slow DNS server never stalls other flows.  The thread
 * reads fixed-size questions from one pipe and writes fixed-size answers to
 * another; the event loop polls the answer pipe.
 *
 * Addresses a sandbox must not reach by accident (loopback, RFC 1918, CGNAT,
 * link-local, cloud metadata, unique-local, multicast, unspecified) are
 * classified by ob_addr_is_private(): the caller refuses them unless the
 * operator pinned them or a rule names the address itself.
 */
#ifndef MOAT_OUTBOUND_RESOLVE_H
#define MOAT_OUTBOUND_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "err.h"
#include "policy.h"

struct ob_pin {
	char host[POLICY_HOST_MAX + 1];
	uint16_t port;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

/**
 * ob_pin_parse() - HOST:PORT:ADDR (ADDR an IPv4 literal or [IPv6])
 * Return: 0 or -EINVAL
 */
int ob_pin_parse(const char *spec, struct ob_pin *out, struct merr *e);

/**
 * ob_addr_parse() - an IP literal (normalized host) and a port to a sockaddr
 * Return: 0, or -EINVAL if @host is not an IP literal
 */
int ob_addr_parse(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len);

/** ob_addr_is_private() - is @sa an address a sandbox must not reach by default */
bool ob_addr_is_private(const struct sockaddr *sa);

/** ob_addr_str() - the address part of @sa as text */
const char *ob_addr_str(const struct sockaddr *sa, char *buf, size_t len);

struct ob_resolver;

struct ob_answer {
	uint64_t cookie;
	int err;			/* 0, or a positive errno-like code */
	char why[96];			/* gai_strerror() when err != 0 */
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

/**
 * ob_resolver_start() - start the helper thread
 * @init:	run first on the new thread (to confine it), may be NULL;
 *		returns 0 or -errno.  The caller waits for it.
 * Return: 0 or -errno
 */
int ob_resolver_start(struct ob_resolver **out, int (*init)(void), struct merr *e);

/** ob_resolver_fd() - readable when answers wait */
int ob_resolver_fd(const struct ob_resolver *r);

/** ob_resolver_fds() - all four pipe ends (to keep when closing fds) */
void ob_resolver_fds(const struct ob_resolver *r, int fds[4]);

/**
 * ob_resolver_ask() - queue a question
 * Return: 0, or -EAGAIN when too many are queued
 */
int ob_resolver_ask(struct ob_resolver *r, uint64_t cookie, const char *host, uint16_t port);

/** ob_resolver_answer() - take one answer; Return: 0, -EAGAIN if none, -errno */
int ob_resolver_answer(struct ob_resolver *r, struct ob_answer *a);

/** ob_resolver_stop() - stop the thread and release everything */
void ob_resolver_stop(struct ob_resolver *r);

#endif
