// SPDX-License-Identifier: MIT
/*
 * netstack_driver - run netstack on a TAP device, for tests/integration/netstack.sh.
 *
 *   netstack_driver --tap-netns /run/netns/NAME --tap DEV [--allow SPEC]...
 *       [-p HOSTPORT:GUESTPORT]... [--host NAME=ADDR]... [--dns-server IP:PORT,...]
 *       [--audit FILE] [--stats FILE] [--mtu N] [--max-flows N] [--no-confine]
 *
 * Creates the TAP device DEV inside the network namespace at --tap-netns (as
 * the sentry does for a sandbox), then becomes a netstack process in its own
 * namespace.  Standard input is the control fd: when it closes, the stack
 * stops, writes its counters to --stats and exits 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "netstack/netstack.h"
#include "parse.h"

static int audit_fd = -1;

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer's exit check stops the world with system calls the stack's
 * seccomp allowlist refuses; the unit tests cover leaks instead. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

static void audit(void *ctx, const struct ns_audit_event *ev)
{
	char line[1024];
	int n = netstack_audit_json(ev, line, sizeof(line));

	(void)ctx;
	if (n > 0 && write(audit_fd, line, (size_t)n) < 0)
		return;
}

static int open_tap(const char *netns, const char *name)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int target = open(netns, O_RDONLY | O_CLOEXEC);
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd;

	if (self < 0 || target < 0)
		die(2, "open %s: %s", netns, strerror(errno));
	if (setns(target, CLONE_NEWNET) < 0)
		die(2, "setns %s: %s", netns, strerror(errno));
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(2, "open /dev/net/tun: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die(2, "TUNSETIFF %s: %s", name, strerror(errno));
	if (setns(self, CLONE_NEWNET) < 0)
		die(2, "setns back: %s", strerror(errno));
	close(self);
	close(target);
	return fd;
}

int main(int argc, char **argv)
{
	struct netstack_config cfg;
	struct egress_policy pol = { 0 };
	static struct ns_forward fwd[NS_MAX_FORWARDS];
	static struct ns_host hosts[NS_MAX_HOSTS];
	const char *netns = NULL, *tap = NULL;
	int keep[2], nkeep = 0, tapfd;
	struct merr e = { 0 };
	uint64_t v;

	log_set_component("netstack");
	netstack_config_init(&cfg);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--no-confine") == 0) {
			cfg.no_confine = true;
			continue;
		}
		if (!val)
			die(2, "%s needs a value", a);
		i++;
		if (strcmp(a, "--tap-netns") == 0) {
			netns = val;
		} else if (strcmp(a, "--tap") == 0) {
			tap = val;
		} else if (strcmp(a, "--allow") == 0) {
			if (egress_policy_add(&pol, val, &e) < 0)
				die(2, "%s", e.msg);
		} else if (strcmp(a, "-p") == 0) {
			if (cfg.nforwards == NS_MAX_FORWARDS)
				die(2, "too many -p");
			if (netstack_forward_parse(val, &fwd[cfg.nforwards], &e) < 0)
				die(2, "%s", e.msg);
			cfg.nforwards++;
		} else if (strcmp(a, "--host") == 0) {
			const char *eq = strchr(val, '=');
			struct in_addr in;

			if (!eq || cfg.nhosts == NS_MAX_HOSTS || (size_t)(eq - val) > NS_MAX_DNS_NAME ||
			    inet_pton(AF_INET, eq + 1, &in) != 1)
				die(2, "--host %s: expected NAME=IPV4", val);
			memcpy(hosts[cfg.nhosts].name, val, (size_t)(eq - val));
			hosts[cfg.nhosts].addr = ntohl(in.s_addr);
			cfg.nhosts++;
		} else if (strcmp(a, "--dns-server") == 0) {
			cfg.dns_servers = val;
		} else if (strcmp(a, "--audit") == 0) {
			audit_fd = open(val, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			if (audit_fd < 0)
				die(2, "open %s: %s", val, strerror(errno));
			keep[nkeep++] = audit_fd;
			cfg.audit = audit;
		} else if (strcmp(a, "--stats") == 0) {
			cfg.stats_fd = open(val, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (cfg.stats_fd < 0)
				die(2, "open %s: %s", val, strerror(errno));
		} else if (strcmp(a, "--mtu") == 0) {
			if (parse_u64(val, &v) < 0 || v > NS_MAX_MTU)
				die(2, "--mtu %s: not a number", val);
			cfg.mtu = (unsigned)v;
		} else if (strcmp(a, "--max-flows") == 0) {
			if (parse_u64(val, &v) < 0 || v == 0 || v > (1u << 20))
				die(2, "--max-flows %s: not a number", val);
			cfg.max_tcp_flows = (unsigned)v;
		} else {
			die(2, "unknown option %s", a);
		}
	}
	if (!netns || !tap)
		die(2, "usage: netstack_driver --tap-netns PATH --tap DEV [options]");
	cfg.policy = &pol;
	cfg.forwards = fwd;
	cfg.hosts = hosts;
	cfg.keep_fds = keep;
	cfg.nkeep_fds = (size_t)nkeep;
	cfg.ctl_fd = STDIN_FILENO;
	tapfd = open_tap(netns, tap);
	if (netstack_run(&cfg, tapfd, &e) < 0)
		die(1, "%s", e.msg);
	return 0;
}
