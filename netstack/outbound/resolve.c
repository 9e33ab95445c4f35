// SPDX-License-Identifier: MIT
/* resolve.c - see resolve.h. */
#include "resolve.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "util.h"

int ob_addr_parse(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

int ob_pin_parse(const char *spec, struct ob_pin *out, struct merr *e)
{
	const char *c1 = strchr(spec, ':'), *c2, *a;
	char addr[64];
	unsigned long port;
	char *end;
	size_t al;

	memset(out, 0, sizeof(*out));
	if (!c1 || !(c2 = strchr(c1 + 1, ':')))
		return merr_set(e, EINVAL, "--resolve %.80s: expected HOST:PORT:ADDR", spec);
	if (policy_normalize_host(spec, (size_t)(c1 - spec), out->host) < 0)
		return merr_set(e, EINVAL, "--resolve %.80s: invalid host", spec);
	errno = 0;
	port = strtoul(c1 + 1, &end, 10);
	if (end != c2 || errno || port < 1 || port > 65535 || c1[1] < '0' || c1[1] > '9')
		return merr_set(e, EINVAL, "--resolve %.80s: the port must be 1-65535", spec);
	out->port = (uint16_t)port;
	a = c2 + 1;
	al = strlen(a);
	if (al >= 2 && a[0] == '[' && a[al - 1] == ']') {
		a++;
		al -= 2;
	}
	if (al == 0 || al >= sizeof(addr))
		return merr_set(e, EINVAL, "--resolve %.80s: invalid address", spec);
	memcpy(addr, a, al);
	addr[al] = '\0';
	if (ob_addr_parse(addr, out->port, &out->addr, &out->addrlen) < 0)
		return merr_set(e, EINVAL, "--resolve %.80s: \"%s\" is not an IP address", spec, addr);
	return 0;
}

static bool v4_private(uint32_t a)
{
	return (a >> 24) == 0 ||			/* 0.0.0.0/8 */
	       (a >> 24) == 10 ||			/* 10/8 */
	       (a >> 24) == 127 ||			/* loopback */
	       (a >> 22) == (100u << 2 | 1) ||		/* 100.64/10 CGNAT */
	       (a >> 16) == (169u << 8 | 254) ||	/* link-local, metadata */
	       (a >> 20) == (172u << 4 | 1) ||		/* 172.16/12 */
	       (a >> 16) == (192u << 8 | 168) ||	/* 192.168/16 */
	       (a >> 8) == (192u << 16 | 0 << 8 | 0) ||	/* 192.0.0/24 */
	       (a >> 17) == (198u << 7 | 18 >> 1) ||	/* 198.18/15 benchmarking */
	       (a >> 28) >= 14;				/* multicast, reserved, broadcast */
}

bool ob_addr_is_private(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return v4_private(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6) {
		const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		static const unsigned char zero[15] = { 0 };

		if (!memcmp(b, mapped, 12) || (!memcmp(b, zero, 12) && (b[12] | b[13])))
			return v4_private((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
					  (uint32_t)b[14] << 8 | b[15]);	/* mapped, compatible */
		if (!memcmp(b, zero, 15) && (b[15] == 0 || b[15] == 1))
			return true;				/* :: and ::1 */
		if ((b[0] & 0xfe) == 0xfc)			/* fc00::/7, incl. fd00:ec2::254 */
			return true;
		if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)	/* fe80::/10 */
			return true;
		if (b[0] == 0xff)				/* multicast */
			return true;
		if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
			return true;				/* documentation */
		if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
			return true;				/* NAT64 may reach anything */
		return false;
	}
	return true;
}

const char *ob_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *a = sa->sa_family == AF_INET ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr :
						     (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;

	if (!inet_ntop(sa->sa_family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* ---- the helper thread -------------------------------------------------- */

struct question {
	uint64_t cookie;
	uint16_t port;
	char host[POLICY_HOST_MAX + 1];
};

_Static_assert(sizeof(struct question) <= PIPE_BUF, "questions are written atomically");
_Static_assert(sizeof(struct ob_answer) <= PIPE_BUF, "answers are written atomically");

struct ob_resolver {
	int q[2], a[2];
	pthread_t thread;
	int (*init)(void);
	int init_result;
	sem_t started;
};

static void *resolver_main(void *arg)
{
	struct ob_resolver *r = arg;
	struct question q;

	/* Confine this thread before the caller goes on, so that no two threads
	 * build seccomp filters at once; if that fails, no lookup is served. */
	r->init_result = r->init ? r->init() : 0;
	sem_post(&r->started);
	if (r->init_result)
		return NULL;
	while (read_full(r->q[0], &q, sizeof(q)) == (ssize_t)sizeof(q)) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
		struct ob_answer ans = { .cookie = q.cookie };
		struct addrinfo *res = NULL;
		int g;

		q.host[sizeof(q.host) - 1] = '\0';
		g = getaddrinfo(q.host, NULL, &hints, &res);
		if (g || !res) {
			ans.err = g == EAI_NONAME || g == EAI_NODATA ? ENOENT : EIO;
			snprintf(ans.why, sizeof(ans.why), "%s", g ? gai_strerror(g) : "no address");
		} else {
			memcpy(&ans.addr, res->ai_addr, res->ai_addrlen);
			ans.addrlen = res->ai_addrlen;
			if (ans.addr.ss_family == AF_INET)
				((struct sockaddr_in *)&ans.addr)->sin_port = htons(q.port);
			else
				((struct sockaddr_in6 *)&ans.addr)->sin6_port = htons(q.port);
		}
		if (res)
			freeaddrinfo(res);
		if (write_full(r->a[1], &ans, sizeof(ans)) < 0)
			break;
	}
	return NULL;
}

int ob_resolver_start(struct ob_resolver **out, int (*init)(void), struct merr *e)
{
	struct ob_resolver *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return merr_set(e, ENOMEM, "resolver: out of memory");
	r->init = init;
	sem_init(&r->started, 0, 0);
	if (pipe2(r->q, O_CLOEXEC) < 0 || pipe2(r->a, O_CLOEXEC | O_NONBLOCK) < 0) {
		err = merr_sys(e, "resolver: pipe");
		free(r);
		return err;
	}
	fcntl(r->q[1], F_SETFL, O_NONBLOCK);
	err = pthread_create(&r->thread, NULL, resolver_main, r);
	if (err) {
		close(r->q[0]);
		close(r->q[1]);
		close(r->a[0]);
		close(r->a[1]);
		free(r);
		return merr_set(e, err, "resolver: start the thread: %s", strerror(err));
	}
	while (sem_wait(&r->started) < 0 && errno == EINTR)
		;
	if (r->init_result) {
		err = r->init_result;
		pthread_join(r->thread, NULL);
		close(r->q[0]);
		close(r->q[1]);
		close(r->a[0]);
		close(r->a[1]);
		free(r);
		return merr_set(e, -err, "resolver: confine the thread: %s", strerror(-err));
	}
	*out = r;
	return 0;
}

int ob_resolver_fd(const struct ob_resolver *r)
{
	return r->a[0];
}

void ob_resolver_fds(const struct ob_resolver *r, int fds[4])
{
	fds[0] = r->q[0];
	fds[1] = r->q[1];
	fds[2] = r->a[0];
	fds[3] = r->a[1];
}

int ob_resolver_ask(struct ob_resolver *r, uint64_t cookie, const char *host, uint16_t port)
{
	struct question q = { .cookie = cookie, .port = port };
	ssize_t n;

	snprintf(q.host, sizeof(q.host), "%s", host);
	n = write(r->q[1], &q, sizeof(q));
	if (n == (ssize_t)sizeof(q))
		return 0;
	return n < 0 && errno != EAGAIN ? -errno : -EAGAIN;
}

int ob_resolver_answer(struct ob_resolver *r, struct ob_answer *a)
{
	ssize_t n = read(r->a[0], a, sizeof(*a));

	if (n == (ssize_t)sizeof(*a))
		return 0;
	if (n < 0)
		return errno == EAGAIN ? -EAGAIN : -errno;
	return -EIO;
}

void ob_resolver_stop(struct ob_resolver *r)
{
	if (!r)
		return;
	close(r->q[1]);		/* the thread's read ends, and so does it */
	pthread_join(r->thread, NULL);
	close(r->q[0]);
	close(r->a[0]);
	close(r->a[1]);
	free(r);
}
