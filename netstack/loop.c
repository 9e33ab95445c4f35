// SPDX-License-Identifier: MIT
/*
 * loop.c - the netstack process: TAP I/O, confinement, the event loop.
 *
 * Theory of operation
 * -------------------
 * netstack_run() is the whole life of a netstack process.  It builds the
 * stack (which binds the -p listeners and reads the host's resolver
 * configuration), raises its fd limit to what the flow table needs, and then
 * confines itself before it reads a single frame: every inherited fd but the
 * TAP device, its own and those the caller names is closed, every capability
 * is dropped, and a seccomp allowlist built from netstack_syscalls[] (the
 * system calls this directory makes, listed here) is loaded, so that the
 * process cannot open a file again.
 *
 * The TAP device is made persistent (TUNSETPERSIST): it then lives as long
 * as the network namespace that holds it, which is the guest's, rather than
 * as long as this process's fd, so that neither netstack's exit nor the
 * sandbox's teardown waits for the kernel to unregister it.
 *
 * The TAP fd is non-blocking and level-triggered in the stack's epoll set;
 * each readiness reads up to TAP_BUDGET frames, one read() per frame (the
 * TAP device delivers one frame per read), into one buffer that is reused:
 * no frame outlives its netstack_input() call.  Frames to the guest are one
 * write() each; a TAP device never blocks a writer, it drops when the guest's
 * queue is full, and TCP's retransmission covers that.
 */
#include <errno.h>
#include <fcntl.h>
#include "syscall_nr.h"
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_tun.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "confine.h"
#include "log.h"
#include "netstack/ns.h"
#include "util.h"

#define TAP_BUDGET 64

/* Every system call the stack makes once confined (c-ares included). */
const int netstack_syscalls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(socket), SCMP_SYS(connect), SCMP_SYS(accept4), SCMP_SYS(shutdown),
	SCMP_SYS(bind), SCMP_SYS(setsockopt), SCMP_SYS(getsockopt), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(sendto), SCMP_SYS(recvfrom), SCMP_SYS(sendmsg),
	SCMP_SYS(recvmsg), SCMP_SYS(recvmmsg), SCMP_SYS(sendmmsg), SCMP_SYS(ioctl),
	SCMP_SYS(fcntl), SCMP_SYS(close), SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(getrandom), SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap),
	SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(restart_syscall), SCMP_SYS(getpid),
	SCMP_SYS(gettid), SCMP_SYS(futex),
	/* the sandbox's connector hands HTTP flows to outbound over a socketpair */
	SCMP_SYS(socketpair),
};
const size_t netstack_nsyscalls = ARRAY_SIZE(netstack_syscalls);

static void tap_tx(void *ctx, const void *frame, size_t len)
{
	struct netstack *ns = ctx;

	if (write(ns->tapfd, frame, len) < 0 && errno != EAGAIN && errno != ENOBUFS)
		log_debug("tap: write: %s", strerror(errno));
}

/**
 * tap_event() - frames from the guest are waiting (or the TAP device failed)
 * @ns:		the stack
 * @events:	EPOLL* bits
 */
void tap_event(struct netstack *ns, uint32_t events)
{
	for (int i = 0; i < TAP_BUDGET; i++) {
		ssize_t n = read(ns->tapfd, ns->scratch, NS_BUF_SIZE);

		if (n > 0) {
			netstack_input(ns, ns->scratch, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		log_info("tap: %s: stopping", n == 0 ? "end of file" : strerror(errno));
		ns->stop = true;
		return;
	}
	if (events & (EPOLLHUP | EPOLLERR))
		ns->stop = true;
}

static int confine(struct netstack *ns, struct merr *e)
{
	int keep[16];
	size_t n = 0;
	int r;

	keep[n++] = ns->tapfd;
	keep[n++] = ns->epfd;
	if (ns->cfg.ctl_fd >= 0)
		keep[n++] = ns->cfg.ctl_fd;
	if (ns->cfg.stats_fd >= 0)
		keep[n++] = ns->cfg.stats_fd;
	for (unsigned i = 0; i < NS_MAX_FORWARDS; i++)
		if (ns->fwd_fd[i] >= 0)
			keep[n++] = ns->fwd_fd[i];
	if (n + ns->cfg.nkeep_fds > ARRAY_SIZE(keep))
		return merr_set(e, EINVAL, "netstack: too many fds to keep");
	for (size_t i = 0; i < ns->cfg.nkeep_fds; i++)
		keep[n++] = ns->cfg.keep_fds[i];
	/* c-ares opens its sockets only when it first asks: none is open yet. */
	r = confine_close_fds(keep, n);
	if (r < 0)
		return merr_set(e, -r, "netstack: close inherited fds: %s", strerror(-r));
	prctl(PR_SET_DUMPABLE, 0);
	if (ns->cfg.no_confine)
		return 0;
	r = confine_drop_caps(0, e);
	if (r < 0)
		return r;
	return confine_seccomp(netstack_syscalls, netstack_nsyscalls, e);
}

/* cfg->ready_fd: "+", or "!" and what failed (a -p port in use, ...). */
static void say_ready(const struct netstack_config *cfg, int r, const struct merr *e)
{
	char msg[sizeof(e->msg) + 1];
	int n = r < 0 ? snprintf(msg, sizeof(msg), "!%s", e->msg) : snprintf(msg, sizeof(msg), "+");

	if (cfg->ready_fd >= 0 && send(cfg->ready_fd, msg, (size_t)MIN(n, (int)sizeof(msg) - 1),
				       MSG_NOSIGNAL) < 0)
		log_debug("netstack: the ready fd: %s", strerror(errno));
}

int netstack_run(const struct netstack_config *cfg, int tapfd, struct merr *e)
{
	struct netstack *ns;
	struct rlimit rl;
	int r, fl;

	r = netstack_new(cfg, tap_tx, NULL, NULL, NULL, &ns, e);
	if (r < 0) {
		say_ready(cfg, r, e);
		return r;
	}
	ns->tx_ctx = ns;
	ns->tapfd = tapfd;
	fl = fcntl(tapfd, F_GETFL);
	if (fl < 0 || fcntl(tapfd, F_SETFL, fl | O_NONBLOCK) < 0) {
		r = merr_sys(e, "netstack: TAP fd %d", tapfd);
		say_ready(cfg, r, e);
		goto out;
	}
	/* The device is to go with its network namespace, not with this fd:
	 * unregistering a TAP device waits for an RCU grace period (20-50 ms),
	 * and the last close of a non-persistent one does it in the closing
	 * process's exit, which the sandbox's teardown then waits for. */
	if (ioctl(tapfd, TUNSETPERSIST, 1) < 0)
		log_debug("tap: TUNSETPERSIST: %s", strerror(errno));
	r = ns_ep_add(ns, tapfd, EPOLLIN, ep_tag(EP_TAP, 0, 0));
	if (r == 0 && cfg->ctl_fd >= 0)
		r = ns_ep_add(ns, cfg->ctl_fd, EPOLLIN | EPOLLRDHUP, ep_tag(EP_CTL, 0, 0));
	if (r < 0) {
		r = merr_set(e, -r, "netstack: epoll_ctl: %s", strerror(-r));
		say_ready(cfg, r, e);
		goto out;
	}
	/* Each TCP and UDP flow holds a host socket. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t want = (rlim_t)cfg->max_tcp_flows + cfg->max_udp_flows + 256;

		rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);	/* a peer that went away is an error, not a death */
	r = confine(ns, e);
	say_ready(cfg, r, e);
	if (r < 0)
		goto out;
	while (!ns->stop) {
		r = netstack_poll(ns, -1);
		if (r < 0) {
			r = merr_set(e, -r, "netstack: epoll_wait: %s", strerror(-r));
			goto out;
		}
	}
	r = 0;
	if (cfg->stats_fd >= 0) {
		char line[64];

		for (int i = 0; i < NS_STAT_COUNT; i++) {
			int n = snprintf(line, sizeof(line), "%s %llu\n", netstack_stat_name(i),
					 (unsigned long long)ns->stats[i]);

			if (write(cfg->stats_fd, line, (size_t)n) < 0)
				break;
		}
	}
out:
	ns->tapfd = -1;		/* the caller's */
	netstack_free(ns);
	return r;
}
