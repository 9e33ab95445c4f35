// SPDX-License-Identifier: MIT
/*
 * server.c - outbound's event loop: listeners, hand-off channels, the flow
 * table, signals, name-lookup answers and timeouts (see outbound.h).
 *
 * One epoll instance, level-triggered.  Flows live in a fixed-size table; an
 * epoll tag names a flow by slot and generation, so an event or a lookup
 * answer for a flow that has since closed (and whose slot was reused) is
 * recognized and dropped.  Every second the loop sweeps the table for flows
 * past their deadline.
 */
#include "engine.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "syscall_nr.h"
#include "util.h"

/* What the loop (and OpenSSL, getaddrinfo on the resolver thread, and the
 * allocator under them) calls once serving has begun. */
const int ob_syscalls[] = {
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(accept4), SCMP_SYS(socket), SCMP_SYS(connect), SCMP_SYS(getsockopt),
	SCMP_SYS(setsockopt), SCMP_SYS(getsockname), SCMP_SYS(getpeername), SCMP_SYS(shutdown),
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(close),
	SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
	SCMP_SYS(recvmmsg), SCMP_SYS(sendmmsg), SCMP_SYS(bind), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(fcntl), SCMP_SYS(ioctl), SCMP_SYS(pipe2),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(mprotect),
	SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(futex_wake), SCMP_SYS(futex_wait),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(gettimeofday),
	SCMP_SYS(getrandom), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(restart_syscall),
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(sched_yield),
	SCMP_SYS(sigaltstack),	/* sanitizer builds, at thread exit */
	/* getaddrinfo(3): /etc/hosts, /etc/resolv.conf, nsswitch, gai.conf */
	SCMP_SYS(openat), SCMP_SYS(newfstatat), SCMP_SYS(fstat), SCMP_SYS(lseek),
	SCMP_SYS(uname), SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
};
const size_t ob_nsyscalls = ARRAY_SIZE(ob_syscalls);

#define TAG_SERVER(kind, idx) ((uint64_t)(idx) << 8 | (uint64_t)(kind))

static int ep_add(struct ob_server *s, int fd, uint64_t tag, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.u64 = tag };

	return epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e) < 0 ? -errno : 0;
}

int ob_server_watch(struct ob_server *s, struct ob_flow *f, struct ob_end *e, bool up,
		    uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = ob_tag_flow(f, up) };
	int op;

	if (e->fd < 0)
		return 0;
	/* registered ends keep a marker bit so that "no events" stays registered */
	events |= 0x80000000u;
	if (e->events == events)
		return 0;
	op = e->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(s->ep, op, e->fd, &ev) < 0)
		return -errno;
	e->events = events;
	return 0;
}

static int add_flow(struct ob_server *s, int fd, enum ob_phase ph, const struct ob_flow_dest *d,
		    bool trusted, struct merr *e)
{
	struct ob_flow *f;
	uint32_t slot;
	int one = 1;

	if (s->live >= s->nflows) {
		close(fd);
		return merr_set(e, EAGAIN, "too many flows (%u); refusing a new one", s->nflows);
	}
	for (slot = 0; slot < s->nflows && s->flows[slot]; slot++)
		;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof(one));
	f = ob_flow_new(s, fd, ph, d, trusted);
	if (!f) {
		close(fd);
		return merr_set(e, ENOMEM, "new flow: out of memory");
	}
	f->slot = slot;
	f->gen = ++s->gens[slot];
	if (f->gen == 0)
		f->gen = s->gens[slot] = 1;
	s->flows[slot] = f;
	s->live++;
	if (ob_server_watch(s, f, &f->down, false, EPOLLIN) < 0) {
		ob_server_release(s, f);
		return merr_sys(e, "watch a new flow");
	}
	return 0;
}

void ob_server_release(struct ob_server *s, struct ob_flow *f)
{
	if (s->flows[f->slot] == f) {
		s->flows[f->slot] = NULL;
		s->live--;
	}
	ob_flow_free(f);
}

int ob_server_add_flow(struct ob_server *s, int fd, const struct ob_flow_dest *d, struct merr *e)
{
	if (!d || !d->port || (!d->host[0] && !d->addrlen)) {
		close(fd);
		return merr_set(e, EINVAL, "a flow needs a destination port and a name or an address");
	}
	return add_flow(s, fd, PH_SNIFF, d, true, e);
}

int ob_server_new(const struct ob_config *cfg, struct ob_server **out, struct merr *e)
{
	struct ob_server *s = calloc(1, sizeof(*s));
	sigset_t set;
	int r;

	if (!s)
		return merr_set(e, ENOMEM, "outbound: out of memory");
	s->cfg = *cfg;
	s->ep = s->sigfd = s->listen_fd = s->flow_listen_fd = -1;
	for (size_t i = 0; i < OB_CHANNELS_MAX; i++)
		s->chans[i] = -1;
	s->nflows = cfg->max_flows ? cfg->max_flows : OB_MAX_FLOWS_DEFAULT;
	s->flows = calloc(s->nflows, sizeof(*s->flows));	/* NOLINT(bugprone-sizeof-expression): pointers */
	s->gens = calloc(s->nflows, sizeof(*s->gens));
	if (!s->flows || !s->gens) {
		r = merr_set(e, ENOMEM, "outbound: out of memory");
		goto fail;
	}
	s->ictx = (struct ob_inject_ctx){
		.secrets = cfg->secrets, .signer = cfg->signer, .sandbox_id = cfg->sandbox_id,
	};
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0) {
		r = merr_sys(e, "epoll_create1");
		goto fail;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	s->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->sigfd < 0 || ep_add(s, s->sigfd, TAG_SERVER(TAG_SIGNAL, 0), EPOLLIN) < 0) {
		r = merr_sys(e, "signalfd");
		goto fail;
	}
	s->down_ctx = ob_tls_server_ctx(ob_flow_hello_cb, s, e);
	if (!s->down_ctx) {
		r = -EIO;
		goto fail;
	}
	if (cfg->resolver) {
		r = ob_resolver_start(&s->res, cfg->thread_init, e);
		if (r < 0)
			goto fail;
		if (ep_add(s, ob_resolver_fd(s->res), TAG_SERVER(TAG_RESOLVER, 0), EPOLLIN) < 0) {
			r = merr_sys(e, "watch the resolver");
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	ob_server_free(s);
	return r;
}

int ob_server_listen(struct ob_server *s, const char *hostport, char *bound, size_t boundsz,
		     struct merr *e)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char host[POLICY_HOST_MAX + 3], ip[INET6_ADDRSTRLEN];
	const char *colon = strrchr(hostport, ':');
	unsigned long port;
	char *end;
	int fd, one = 1;

	if (!colon || (size_t)(colon - hostport) >= sizeof(host))
		return merr_set(e, EINVAL, "--listen %s: expected ADDR:PORT", hostport);
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535)
		return merr_set(e, EINVAL, "--listen %s: bad port", hostport);
	if (ob_addr_parse(host, (uint16_t)port, &ss, &len) < 0)
		return merr_set(e, EINVAL, "--listen %s: ADDR must be an IP address", hostport);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return merr_sys(e, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 512) < 0) {
		int r = merr_sys(e, "listen on %s", hostport);

		close(fd);
		return r;
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	if (bound)
		snprintf(bound, boundsz, ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
			 ob_addr_str((struct sockaddr *)&ss, ip, sizeof(ip)),
			 ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
							  ((struct sockaddr_in6 *)&ss)->sin6_port));
	if (ep_add(s, fd, TAG_SERVER(TAG_LISTEN, 0), EPOLLIN) < 0) {
		int r = merr_sys(e, "watch the listener");

		close(fd);
		return r;
	}
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->listen_fd = fd;
	return 0;
}

int ob_server_flow_listen(struct ob_server *s, const char *path, struct merr *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return merr_set(e, ENAMETOOLONG, "--flow-socket %s: path too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return merr_sys(e, "socket");
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 ||
	    ep_add(s, fd, TAG_SERVER(TAG_FLOW_LISTEN, 0), EPOLLIN) < 0) {
		int r = merr_sys(e, "listen on %s", path);

		close(fd);
		return r;
	}
	s->flow_listen_fd = fd;
	return 0;
}

int ob_server_flow_channel(struct ob_server *s, int fd, struct merr *e)
{
	for (size_t i = 0; i < OB_CHANNELS_MAX; i++) {
		if (s->chans[i] >= 0)
			continue;
		if (ep_add(s, fd, TAG_SERVER(TAG_CHANNEL, i), EPOLLIN) < 0) {
			int r = merr_sys(e, "watch a hand-off channel");

			close(fd);
			return r;
		}
		s->chans[i] = fd;
		return 0;
	}
	close(fd);
	return merr_set(e, EMFILE, "more than %d hand-off channels", OB_CHANNELS_MAX);
}

size_t ob_server_keep_fds(const struct ob_server *s, int *fds, size_t max)
{
	int all[8 + OB_CHANNELS_MAX];
	size_t n = 0, k = 0;

	all[n++] = s->ep;
	all[n++] = s->sigfd;
	all[n++] = s->listen_fd;
	all[n++] = s->flow_listen_fd;
	if (s->res) {
		ob_resolver_fds(s->res, all + n);
		n += 4;
	}
	for (size_t i = 0; i < OB_CHANNELS_MAX; i++)
		all[n++] = s->chans[i];
	for (size_t i = 0; i < n && k < max; i++)
		if (all[i] >= 0)
			fds[k++] = all[i];
	return k;
}

static void on_accept(struct ob_server *s)
{
	for (int i = 0; i < 64; i++) {
		struct merr e = { 0 };
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warn("accept: %s", strerror(errno));
			return;
		}
		if (add_flow(s, fd, PH_FRONT, NULL, false, &e) < 0)
			log_warn("%s", e.msg);
	}
}

static void on_flow_listen(struct ob_server *s)
{
	struct merr e = { 0 };
	int fd = accept4(s->flow_listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (ob_server_flow_channel(s, fd, &e) < 0)
		log_warn("%s", e.msg);
}

/* One hand-off message; anything malformed is dropped, its fd closed. */
/* Whether any flow may still come: a listener or a hand-off channel. */
static bool has_sources(const struct ob_server *s)
{
	if (s->listen_fd >= 0 || s->flow_listen_fd >= 0)
		return true;
	for (size_t i = 0; i < OB_CHANNELS_MAX; i++)
		if (s->chans[i] >= 0)
			return true;
	return false;
}

static void on_channel(struct ob_server *s, size_t i)
{
	struct ob_flow_msg m;
	struct ob_flow_dest d;
	struct merr e = { 0 };
	unsigned nfds = 0;
	int fd = -1;
	ssize_t n = fdio_recv(s->chans[i], &m, sizeof(m), &fd, 1, &nfds);

	if (n == -EAGAIN || n == -EINTR)
		return;
	if ((n == 0 && nfds == 0) || (n < 0 && n != -EMSGSIZE && n != -EPROTO)) {
		/* the peer is gone */
		epoll_ctl(s->ep, EPOLL_CTL_DEL, s->chans[i], NULL);
		close(s->chans[i]);
		s->chans[i] = -1;
		return;
	}
	if (n < 0 || nfds != 1 || ob_flow_msg_decode(&m, (size_t)n, &d) < 0) {
		log_warn("hand-off channel: a malformed message (%zd bytes, %u fds); dropped", n, nfds);
		if (nfds && fd >= 0)
			close(fd);
		return;
	}
	if (add_flow(s, fd, PH_SNIFF, &d, true, &e) < 0)
		log_warn("%s", e.msg);
}

static struct ob_flow *flow_of(struct ob_server *s, uint64_t tag)
{
	uint32_t slot = (uint32_t)(tag & 0xffffffffu) >> 1, gen = (uint32_t)(tag >> 32);

	if (slot >= s->nflows || !s->flows[slot] || s->flows[slot]->gen != gen)
		return NULL;
	return s->flows[slot];
}

static void on_resolver(struct ob_server *s)
{
	struct ob_answer a;

	while (ob_resolver_answer(s->res, &a) == 0) {
		struct ob_flow *f = flow_of(s, a.cookie);

		if (f)
			ob_flow_resolved(f, &a);
	}
}

static void sweep(struct ob_server *s)
{
	uint64_t now = ob_now_us() / 1000;

	if (now - s->last_sweep < 1000)
		return;
	s->last_sweep = now;
	for (uint32_t i = 0; i < s->nflows; i++)
		if (s->flows[i])
			ob_flow_timer(s->flows[i], now);
}

int ob_server_run(struct ob_server *s)
{
	struct epoll_event evs[64];

	s->last_sweep = ob_now_us() / 1000;
	while (!s->stop) {
		int n = epoll_wait(s->ep, evs, ARRAY_SIZE(evs), 1000);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !s->stop; i++) {
			uint64_t tag = evs[i].data.u64;

			if ((tag >> 32) == 0) {
				switch (tag & 0xff) {
				case TAG_LISTEN:
					on_accept(s);
					break;
				case TAG_FLOW_LISTEN:
					on_flow_listen(s);
					break;
				case TAG_SIGNAL: {
					struct signalfd_siginfo si;

					if (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
						s->stop = true;
					break;
				}
				case TAG_RESOLVER:
					on_resolver(s);
					break;
				case TAG_CHANNEL:
					on_channel(s, (size_t)(tag >> 8) & 0xffffff);
					break;
				}
				continue;
			}
			struct ob_flow *f = flow_of(s, tag);

			if (f)
				ob_flow_event(f, tag & 1, evs[i].events);
		}
		sweep(s);
		/* netstack is gone and nothing else feeds us: done once the
		 * flows it handed over are */
		if (!s->live && !has_sources(s))
			s->stop = true;
	}
	return 0;
}

void ob_server_stop(struct ob_server *s)
{
	s->stop = true;
}

void ob_server_free(struct ob_server *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; s->flows && i < s->nflows; i++)
		if (s->flows[i])
			ob_flow_free(s->flows[i]);
	free(s->flows);
	free(s->gens);
	ob_resolver_stop(s->res);
	for (size_t i = 0; i < OB_CHANNELS_MAX; i++)
		if (s->chans[i] >= 0)
			close(s->chans[i]);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->flow_listen_fd >= 0)
		close(s->flow_listen_fd);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->ep >= 0)
		close(s->ep);
	SSL_CTX_free(s->down_ctx);
	free(s);
}
