// SPDX-License-Identifier: MIT
/*
 * network.c - --network=sandbox: netstack and outbound for one sandbox.
 *
 * Theory of operation
 * -------------------
 *   guest ── eth0 (TAP) ── netstack ──┬── direct host sockets (other ports)
 *                                     └── SOCK_SEQPACKET ── outbound ── HTTP(S) upstreams
 *
 * The guest's network namespace holds lo and eth0, a TAP device the setup
 * process creates there (guest.c) and hands to the sentry.  The sentry forks
 * two helpers from its own (host) network namespace:
 *
 *   - outbound first: it loads the secrets (only it ever holds them), makes the
 *     sandbox's CA and sends back the CA's certificate, which the gofer
 *     presents in the guest's trust store; it serves HTTP and HTTPS flows that
 *     netstack hands it over a SOCK_SEQPACKET channel, one fd per flow.
 *     Starting it costs a few milliseconds of CPU (loading OpenSSL, whose
 *     first use in a process is most of it, and making the CA), which most
 *     sandboxes never need: so outbound starts on first use.  The process
 *     forked for it (the standby) checks the secrets and the policy's
 *     references to them at once, so that a bad --secret fails the start as
 *     before, puts the variables back for outbound and waits.  It runs
 *     moat-outbound when netstack hands it a flow, or when the sentry asks
 *     for the CA: the trust store's files are present from the start without
 *     it (late files), and the first served open or stat of one has the
 *     gofer append it before the guest sees the file (fs.c).  With
 *     --identity-key (only OpenSSL can check it) or --identity-pub (its file
 *     must exist once the sandbox runs), outbound starts at once and the CA
 *     is appended before the guest may run;
 *   - netstack, once the TAP exists: every frame of the guest goes through it.
 *     A connection is judged by the policy (the same one outbound applies to
 *     requests): denied, it gets an immediate RST; allowed, its far side is a
 *     socket to outbound for ports 80 and 443, a direct host socket otherwise.
 *
 * The policy is one file format (docs/outbound.md) plus --allow rules.
 * Connections and DNS are decided here by host and port; requests by
 * outbound, by host, port, method and path.  Loopback, private, link-local and
 * metadata addresses need a rule that names the address, even when an allowed
 * name resolves to them.  Both helpers confine themselves before they read a
 * byte from the guest and die with the sentry.
 */
#include "sentry/network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "fdio.h"
#include "gofer/gofer.h"
#include "gofer/proto.h"
#include "log.h"
#include "netstack/netstack.h"
#include "netstack/outbound/handoff.h"
#include "netstack/outbound/policy.h"
#include "netstack/outbound/secret.h"
#include "sys.h"
#include "util.h"

/* the gofer appends the CA to the trust store's files: it must fit */
static_assert(OB_CTL_MSG_MAX <= GOFER_LATE_MAX, "outbound's CA fits in a late file");
#define CANNOT_RUN "cannot run %s (it is installed next to moat): %s"
#define SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
/* in the sandbox's own /run: a new file in the host's /etc would need a copy-up
 * that a sandbox run by a user cannot make */
#define MOAT_CA_PATH "/run/moat/sandbox-ca.pem"

/*
 * Which connections outbound serves (it tells HTTP from TLS by itself): those
 * to ports 80 and 443, and those to which a rule that speaks of HTTP (methods,
 * paths, injected headers, WebSocket, passthrough) applies, deny rules for
 * some paths included (policy_match_stream()).  Others are plain TCP.
 */
static bool through_outbound(const struct policy *p, const struct ns_flow_info *fi)
{
	const struct policy_rule *r = NULL;
	struct in_addr a = { .s_addr = htonl(fi->host_addr) };	/* as decide() sees it */
	char ip[INET_ADDRSTRLEN];

	if (fi->proto != IPPROTO_TCP)
		return false;
	if (fi->dst_port == 80 || fi->dst_port == 443)
		return true;
	if (fi->name)
		r = policy_match_stream(p, fi->name, fi->dst_port);
	if (!r) {
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		r = policy_match_stream(p, ip, fi->dst_port);
	}
	return r && policy_rule_speaks_http(r);
}

/* --- the policy, as netstack asks it ----------------------------------- */

#define HTTP_ONLY "the rules for this destination speak of HTTP (methods, paths, injected " \
		  "headers, WebSocket, passthrough), which outbound applies; a UDP flow is not HTTP"

/* The rule for a connection: a UDP flow never reaches outbound, so a rule
 * only outbound could hold it to does not allow one (@why says so). */
static const struct policy_rule *match_flow(const struct policy *p, const struct egress_query *q,
					    const char *host, const char **why)
{
	const struct policy_rule *r;

	if (q->proto != EGRESS_UDP)
		return policy_match(p, host, q->port, NULL, NULL);
	r = policy_match_datagram(p, host, q->port);
	if (!r && policy_match(p, host, q->port, NULL, NULL))
		*why = HTTP_ONLY;
	return r;
}

/* netstack's egress hook: DNS by name, connections by name or address. */
static bool decide(void *ctx, const struct egress_query *q, const char **reason)
{
	const struct policy *p = ctx;
	const struct policy_rule *r = NULL;
	char ip[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = htonl(q->addr) };
	const char *cls, *http_only = NULL;

	if (q->proto == EGRESS_DNS) {
		r = policy_match(p, q->name, 0, NULL, NULL);
		*reason = policy_rule_name(r);
		return policy_rule_action(r) != POLICY_DENY;
	}
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	cls = egress_addr_class(q->addr);
	if (cls) {
		/* Only a rule that names this address opens it (no DNS rebinding). */
		r = match_flow(p, q, ip, &http_only);
		if (!r || !policy_rule_names_address(r, ip) || r->action == POLICY_DENY) {
			*reason = !r && http_only ? http_only :
						    "a loopback, private, link-local or metadata address "
						    "needs a rule that names it";
			return false;
		}
		*reason = policy_rule_name(r);
		return true;
	}
	if (q->name)
		r = match_flow(p, q, q->name, &http_only);
	if (!r)
		r = match_flow(p, q, ip, &http_only);
	*reason = r || !http_only ? policy_rule_name(r) : http_only;
	return policy_rule_action(r) != POLICY_DENY;
}

/* netstack's connector: HTTP(S) to outbound, the rest direct. */
struct connector {
	const struct policy *policy;
	int flow_fd;		/* netstack's end of the hand-off channel */
};

static int connect_far(void *ctx, const struct ns_flow_info *fi, struct merr *e)
{
	const struct connector *k = ctx;
	struct ob_flow_dest d = { .port = fi->dst_port };
	struct sockaddr_in *sin = (struct sockaddr_in *)&d.addr;
	struct ob_flow_msg m;
	int sp[2], r;

	if (k->flow_fd < 0 || !through_outbound(k->policy, fi))
		return netstack_direct_connect(fi, e);
	if (fi->name)
		snprintf(d.host, sizeof(d.host), "%s", fi->name);
	for (size_t i = 0; fi->name && i < fi->nalso && d.nalso < OB_FLOW_ALSO; i++)
		snprintf(d.also[d.nalso++], sizeof(d.also[0]), "%s", fi->also[i]);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(fi->dst_port);
	sin->sin_addr.s_addr = htonl(fi->host_addr);
	d.addrlen = sizeof(*sin);
	if (fi->dst_addr != fi->host_addr) {
		/* the gateway: outbound must know the guest's name for it */
		struct in_addr ga = { .s_addr = htonl(fi->dst_addr) };

		inet_ntop(AF_INET, &ga, d.guest_addr, sizeof(d.guest_addr));
	}
	if (ob_flow_msg_encode(&d, &m) < 0)
		return merr_set(e, EINVAL, "hand a flow to outbound: bad destination");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp) < 0)
		return merr_sys(e, "socketpair for a flow");
	r = fdio_send(k->flow_fd, &m, sizeof(m), &sp[1], 1);
	close(sp[1]);
	if (r < 0) {
		close(sp[0]);
		return merr_set(e, -r, "hand a flow to outbound: %s", strerror(-r));
	}
	return sp[0];
}

/* netstack's records, with the time and sandbox fields every record has. */
struct audit_ctx {
	int fd;
	const char *sandbox;
};

static void audit_line(void *ctx, const struct ns_audit_event *ev)
{
	const struct audit_ctx *a = ctx;
	char stamp[LOG_TIMESTAMP_MAX], rec[768], line[1024];
	int n;

	if (a->fd < 0 || netstack_audit_json(ev, rec, sizeof(rec)) <= 1)
		return;
	log_timestamp(stamp, sizeof(stamp));
	/* rec is '{' fields '}' '\n'; the sandbox id is [A-Za-z0-9_.-] */
	n = snprintf(line, sizeof(line), "{\"time\":\"%s\",\"sandbox\":\"%s\",%s", stamp,
		     a->sandbox, rec + 1);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	if (write_full(a->fd, line, (size_t)n) < 0) {
		/* the audit log went away: nothing to tell */
	}
}

/* --- outbound ------------------------------------------------------------ */

/*
 * outbound is its own program, moat-outbound, installed next to moat: the
 * sentry never loads OpenSSL (which costs every sandbox's start ~0.7 ms of
 * dynamic linking), and outbound starts from a fresh image holding nothing of
 * the sentry's memory.  Its options carry what it needs of the spec; the
 * secrets' variables reach it in the environment (the sentry wipes its own
 * copy once outbound is started).
 */
struct outbound_argv {
	char **v;		/* NULL-terminated */
	size_t n;
	char fds[3][16];	/* the numbers of the inherited fds, as text */
};

static void argv_add(struct outbound_argv *a, const char *flag, const char *val)
{
	a->v[a->n++] = (char *)flag;
	if (val)
		a->v[a->n++] = (char *)val;
	a->v[a->n] = NULL;
}

/*
 * Whether outbound starts at first use (the top of this file): not when an
 * identity key must be checked (only OpenSSL can) or its public key written
 * before the guest runs.
 */
static bool on_demand(const struct moat_spec *spec)
{
	return !spec->net.identity_key && !spec->net.identity_pub;
}

/* @path: moat-outbound, next to this program.  Return: a->v, or NULL with @e. */
static char **outbound_argv(const struct moat_spec *spec, int ctl, int flows,
			    struct outbound_argv *a, char *path, size_t cap, struct merr *e)
{
	const struct moat_net *net = &spec->net;
	/* program, the fds, id, log level, policy, identity, on demand: at most 19 */
	size_t words = 19 + 2 * (net->nallow + net->nsecrets + net->nupstream_ca);
	ssize_t len = readlink("/proc/self/exe", path, cap - 1);
	char *slash;

	if (len <= 0) {
		merr_sys(e, "find moat's own program");
		return NULL;
	}
	path[len] = '\0';
	slash = strrchr(path, '/');
	if (!slash || (size_t)(slash - path) + sizeof("/moat-outbound") > cap) {
		merr_set(e, ENAMETOOLONG, "%s: path too long", path);
		return NULL;
	}
	strcpy(slash, "/moat-outbound");
	a->v = calloc(words + 1, sizeof(*a->v));
	if (!a->v) {
		merr_set(e, ENOMEM, "out of memory");
		return NULL;
	}
	a->n = 0;
	snprintf(a->fds[0], sizeof(a->fds[0]), "%d", ctl);
	snprintf(a->fds[1], sizeof(a->fds[1]), "%d", flows);
	snprintf(a->fds[2], sizeof(a->fds[2]), "%d", spec->audit_fd);
	argv_add(a, "moat-outbound", NULL);
	argv_add(a, "--ctl-fd", a->fds[0]);
	argv_add(a, "--flow-fd", a->fds[1]);
	if (spec->audit_fd >= 0)
		argv_add(a, "--audit-fd", a->fds[2]);
	argv_add(a, "--sandbox-id", spec->id);
	argv_add(a, "--log-level", log_level_name(log_level));
	if (net->policy_file)
		argv_add(a, "--policy", net->policy_file);
	for (size_t i = 0; i < net->nallow; i++)
		argv_add(a, "--allow", net->allow[i]);
	for (size_t i = 0; i < net->nsecrets; i++)
		argv_add(a, "--secret", net->secrets[i]);
	for (size_t i = 0; i < net->nupstream_ca; i++)
		argv_add(a, "--extra-ca", net->upstream_ca[i]);
	if (net->identity_key)
		argv_add(a, "--identity-key", net->identity_key);
	if (net->identity_pub)
		argv_add(a, "--identity-pub", net->identity_pub);
	if (on_demand(spec))
		argv_add(a, "--on-demand", NULL);
	return a->v;
}

/*
 * The standby: check what outbound will load that can be wrong without
 * OpenSSL (moat-outbound is there, the secrets, the policy's references to
 * them; the CLI has checked that the key and CA files can be read), then
 * say so on the control
 * channel ("=", or "!" and why) and run moat-outbound, at once or once it is
 * needed: a flow from netstack, or the sentry asking for the CA ("G" on a
 * channel of its own, which closes as moat-outbound runs, so that nothing
 * is ever left unread on the control channel).  It holds the secrets'
 * variables as outbound will, and reads nothing the guest sends.
 */
static int standby_check(const struct moat_spec *spec, const struct policy *p, const char *path,
			 struct merr *e)
{
	const struct moat_net *net = &spec->net;
	struct ob_secrets s = { 0 };
	int r = 0;

	if (access(path, X_OK) < 0)
		return merr_set(e, errno, CANNOT_RUN, path, strerror(errno));
	for (size_t i = 0; i < net->nsecrets && r == 0; i++)
		r = ob_secrets_add(&s, net->secrets[i], e);
	if (r == 0 && ob_inject_check(p, &s, true, e) < 0) {
		merr_prefix(e, "policy: ");
		r = -e->errnum;
	}
	/* Loading took each variable out of the environment: outbound needs it. */
	for (size_t i = 0; i < s.n; i++)
		if (!strncmp(s.v[i].source, "env:", 4) && setenv(s.v[i].source + 4, s.v[i].value, 1) < 0)
			r = r ? r : merr_set(e, ENOMEM, "out of memory");
	ob_secrets_free(&s);
	return r;
}

/* Wait until outbound is needed.  Return: whether it is (else the sandbox is gone). */
static bool standby_wait(int wake, int flows)
{
	struct pollfd p[2] = { { .fd = wake, .events = POLLIN }, { .fd = flows, .events = POLLIN } };

	for (;;) {
		char go;
		unsigned nfds;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (p[1].revents & POLLIN)
			return true;	/* a flow: outbound reads it */
		if (p[0].revents & POLLIN)
			return fdio_recv(wake, &go, 1, NULL, 0, &nfds) == 1 && go == 'G';
		if ((p[0].revents | p[1].revents) & (POLLHUP | POLLERR | POLLNVAL))
			return false;
	}
}

/* @fds: what moat-outbound inherits (ctl, flows, the audit log); @wake closes. */
static _Noreturn void standby(const struct moat_spec *spec, const struct policy *pol,
			      const char *path, char **argv, const int *fds, size_t nfds, int wake,
			      pid_t sentry)
{
	int ctl = fds[0], flows = fds[1], keep[4];
	struct merr e = { 0 };
	char msg[PATH_MAX + 160];
	int len;

	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* kept across execve */
	if (getppid() != sentry)
		_exit(MOAT_EXIT_FAILURE);
	prctl(PR_SET_DUMPABLE, 0);	/* it holds the secrets' variables */
	prctl(PR_SET_NAME, "moat-outbound");
	memcpy(keep, fds, nfds * sizeof(*fds));
	keep[nfds] = wake;
	if (confine_close_fds(keep, nfds + 1) < 0)
		_exit(MOAT_EXIT_FAILURE);
	if (standby_check(spec, pol, path, &e) < 0) {
		len = snprintf(msg, sizeof(msg), "!%s", e.msg);
		fdio_send(ctl, msg, (size_t)MIN(len, (int)sizeof(msg) - 1), NULL, 0);
		_exit(MOAT_EXIT_FAILURE);
	}
	if (fdio_send(ctl, "=", 1, NULL, 0) < 0 || (on_demand(spec) && !standby_wait(wake, flows)))
		_exit(0);
	for (size_t i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFD, 0);	/* inherited by moat-outbound */
	execv(path, argv);
	len = snprintf(msg, sizeof(msg), "!" CANNOT_RUN, path, strerror(errno));
	if (on_demand(spec))
		log_err("outbound: %s", msg + 1);
	fdio_send(ctl, msg, (size_t)MIN(len, (int)sizeof(msg) - 1), NULL, 0);
	_exit(MOAT_EXIT_FAILURE);
}

static int start_outbound(const struct moat_spec *spec, struct network *n, struct merr *e)
{
	struct outbound_argv a = { 0 };
	char path[PATH_MAX];
	int ctl[2], flows[2] = { -1, -1 }, wake[2] = { -1, -1 };
	pid_t self = getpid(), pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0)
		return merr_sys(e, "socketpair for outbound");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, flows) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, wake) < 0) {
		merr_sys(e, "socketpair for outbound's flows");
		goto fail;
	}
	if (!outbound_argv(spec, ctl[1], flows[1], &a, path, sizeof(path), e))
		goto fail;
	pid = fork();
	if (pid < 0) {
		merr_sys(e, "fork outbound");
		goto fail;
	}
	if (pid == 0) {
		int fds[] = { ctl[1], flows[1], spec->audit_fd };

		standby(spec, n->policy, path, a.v, fds, ARRAY_SIZE(fds), wake[1], self);
	}
	n->outbound = child_pidfd(pid);
	if (n->outbound < 0) {
		merr_set(e, -n->outbound, "pidfd of outbound: %s", strerror(-n->outbound));
		goto fail;
	}
	free(a.v);
	close(ctl[1]);
	close(flows[1]);
	close(wake[1]);
	n->flow_fd = flows[0];
	n->outbound_ctl = ctl[0];
	n->outbound_wake = wake[0];
	return 0;
fail:
	free(a.v);
	close(ctl[0]);
	close(ctl[1]);
	for (int i = 0; i < 2; i++) {
		if (flows[i] >= 0)
			close(flows[i]);
		if (wake[i] >= 0)
			close(wake[i]);
	}
	n->outbound = -1;
	return -e->errnum;
}

/* One message from a helper (@who) as it starts: what it sends, or "!" and
 * why it failed.  Return: its length (NUL-terminated in @buf), or -errno
 * with @e. */
static ssize_t helper_says(int fd, const char *who, char *buf, size_t cap, struct merr *e)
{
	unsigned nfds;
	ssize_t len = fd < 0 ? -1 : fdio_recv(fd, buf, cap - 1, NULL, 0, &nfds);

	if (len <= 0)
		return merr_set(e, EPROTO, "%s died while starting", who);
	buf[len] = '\0';
	if (buf[0] == '!')
		return merr_set(e, EINVAL, "%s", buf + 1);
	return len;
}

static ssize_t outbound_says(struct network *n, char *buf, size_t cap, struct merr *e)
{
	return helper_says(n->outbound_ctl, "outbound", buf, cap, e);
}

bool network_on_demand(const struct moat_spec *spec)
{
	return on_demand(spec);
}

int network_wait_checked(struct network *n, struct merr *e)
{
	char msg[PATH_MAX + 160];	/* as the standby's */
	ssize_t r = outbound_says(n, msg, sizeof(msg), e);

	if (r >= 0 && strcmp(msg, "="))
		return merr_set(e, EPROTO, "outbound's standby said something unexpected");
	return r < 0 ? (int)r : 0;
}

ssize_t network_wait_ca(struct network *n, char *pem, size_t cap, struct merr *e)
{
	return outbound_says(n, pem, cap, e);
}

int network_fill_ca(struct network *n, int ch, struct merr *e)
{
	char pem[OB_CTL_MSG_MAX + 1];
	struct gofer_req req = { .op = GOFER_LATE };
	ssize_t len;
	int r;

	/* Started by a flow already, the standby is gone: no matter. */
	fdio_send(n->outbound_wake, "G", 1, NULL, 0);
	len = outbound_says(n, pem, sizeof(pem), e);
	r = len < 0 ? (int)len : ch < 0 ? ch : gofer_call(ch, &req, "/", pem, (size_t)len, -1, NULL);
	if (r < 0) {
		if (len >= 0)
			merr_set(e, -r, "append the sandbox's CA to its trust store: %s", strerror(-r));
		if (n->outbound_ctl >= 0)
			close(n->outbound_ctl);
		n->outbound_ctl = -1;
		return r;
	}
	/* The CA is there.  Had outbound failed after sending it, it has said
	 * why on stderr itself (--on-demand). */
	if (network_wait_ready(n, e) < 0)
		log_debug("outbound did not start: %s", e->msg);
	return 0;
}

int network_wait_ready(struct network *n, struct merr *e)
{
	char msg[640];
	ssize_t r;

	if (n->outbound_ctl < 0)
		return 0;
	r = outbound_says(n, msg, sizeof(msg), e);
	close(n->outbound_ctl);
	n->outbound_ctl = -1;
	return r < 0 ? (int)r : 0;
}

/* --- the files the guest sees --------------------------------------------- */

/* @copy_from: NULL, or a host file the gofer puts before @content (tree.h) */
static int add_file(struct gofer_tree *t, const char *path, const char *copy_from,
		    const char *content, size_t len, bool late)
{
	struct tree_file *f = realloc(t->files, (t->nfiles + 1) * sizeof(*f));

	if (!f)
		return -ENOMEM;
	t->files = f;
	f = &f[t->nfiles];
	f->path = strdup(path);
	f->content = malloc(len + 1);
	if (!f->path || !f->content) {
		free(f->path);
		free(f->content);
		return -ENOMEM;
	}
	memcpy(f->content, content, len);
	f->content[len] = '\0';
	f->len = len;
	f->late = late;
	f->copy_from = copy_from;
	t->nfiles++;
	return 0;
}

static void ip_text(uint32_t host_order, char *buf, size_t cap)
{
	struct in_addr a = { .s_addr = htonl(host_order) };

	inet_ntop(AF_INET, &a, buf, (socklen_t)cap);
}

int network_tree_files(const struct moat_spec *spec, struct gofer_tree *t, struct merr *e)
{
	char resolv[128], hosts[384], dns[INET_ADDRSTRLEN], guest[INET_ADDRSTRLEN];
	int r;

	ip_text(NS_DEFAULT_GATEWAY, dns, sizeof(dns));
	ip_text(NS_DEFAULT_GUEST, guest, sizeof(guest));
	snprintf(resolv, sizeof(resolv), "nameserver %s\n", dns);
	/* --add-host names are not listed here: the sandbox's DNS answers them,
	 * so that a connection to one is judged by its name (netstack/dns.c). */
	if (spec_hostname_listable(spec))
		snprintf(hosts, sizeof(hosts), "127.0.0.1\tlocalhost\n%s\t%s\n", guest,
			 spec_hostname(spec));
	else
		snprintf(hosts, sizeof(hosts), "127.0.0.1\tlocalhost\n");
	r = add_file(t, "/etc/resolv.conf", NULL, resolv, strlen(resolv), false);
	if (!r)
		r = add_file(t, "/etc/hosts", NULL, hosts, strlen(hosts), false);
	/* The CA is appended to these two once outbound has made it; the gofer
	 * copies the host's bundle into the second itself. */
	if (!r)
		r = add_file(t, MOAT_CA_PATH, NULL, "", 0, true);
	if (!r)
		r = add_file(t, SYSTEM_BUNDLE, SYSTEM_BUNDLE, "", 0, true);
	return r < 0 ? merr_set(e, -r, "present the network files: %s", strerror(-r)) : 0;
}

int network_env(struct moat_spec *spec)
{
	static const char *const bundle_vars[] = {
		"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO",
	};
	char entry[256];
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bundle_vars) && !r; i++) {
		snprintf(entry, sizeof(entry), "%s=%s", bundle_vars[i], SYSTEM_BUNDLE);
		r = spec_env_set(&spec->env, entry);
	}
	if (!r)
		r = spec_env_set(&spec->env, "NODE_EXTRA_CA_CERTS=" MOAT_CA_PATH);
	return r;
}

/* --- setting up and tearing down ------------------------------------------ */

int network_prepare(const struct moat_spec *spec, struct network *n, struct merr *e)
{
	int r;

	memset(n, 0, sizeof(*n));
	n->flow_fd = n->netstack_ctl = n->outbound_ctl = n->outbound_wake = -1;
	n->netstack = n->outbound = -1;
	n->policy = policy_new();
	if (!n->policy)
		return merr_set(e, ENOMEM, "out of memory");
	if (spec->net.policy_file && policy_load_file(n->policy, spec->net.policy_file, e) < 0)
		return -e->errnum;
	for (size_t i = 0; i < spec->net.nallow; i++)
		if (policy_add_allow(n->policy, spec->net.allow[i], e) < 0)
			return -e->errnum;	/* the message names the --allow */
	r = start_outbound(spec, n, e);
	if (r < 0)
		return r;
	/* Only outbound keeps the secrets: the sentry's copy of their variables
	 * goes before anything else is forked. */
	for (size_t i = 0; i < spec->net.nsecrets; i++) {
		const char *src = strchr(spec->net.secrets[i], '=');

		if (src && !strncmp(src + 1, "env:", 4))
			ob_env_wipe(src + 5);
	}
	return 0;
}

static _Noreturn void netstack_child(const struct moat_spec *spec, struct network *n, int tapfd,
				     int ctl)
{
	struct netstack_config cfg;
	struct connector k = { .policy = n->policy, .flow_fd = n->flow_fd };
	struct ns_forward fw[NS_MAX_FORWARDS];
	struct ns_host hosts[NS_MAX_HOSTS];
	struct audit_ctx audit = { .fd = spec->audit_fd, .sandbox = spec->id ? spec->id : "" };
	int keep[2], nkeep = 0;
	struct merr e = { 0 };
	int r;

	log_set_component("netstack");
	prctl(PR_SET_NAME, "moat-netstack");
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 0);
	netstack_config_init(&cfg);
	cfg.egress = decide;
	cfg.egress_ctx = n->policy;
	cfg.connect = connect_far;
	cfg.connect_ctx = &k;
	cfg.audit = audit_line;
	cfg.audit_ctx = &audit;
	cfg.dns_use_system = true;
	cfg.ctl_fd = ctl;
	cfg.ready_fd = ctl;
	if (spec->net.mtu)
		cfg.mtu = spec->net.mtu;
	for (size_t i = 0; i < spec->net.npublish && i < NS_MAX_FORWARDS; i++)
		if (netstack_forward_parse(spec->net.publish[i], &fw[i], &e) < 0)
			goto fail;
	cfg.forwards = fw;
	cfg.nforwards = MIN(spec->net.npublish, (size_t)NS_MAX_FORWARDS);
	for (size_t i = 0; i < spec->net.nadd_hosts && i < NS_MAX_HOSTS; i++) {
		const char *colon = strrchr(spec->net.add_hosts[i], ':');
		struct in_addr a;
		char addr[64];

		snprintf(hosts[i].name, sizeof(hosts[i].name), "%.*s",
			 (int)(colon - spec->net.add_hosts[i]), spec->net.add_hosts[i]);
		snprintf(addr, sizeof(addr), "%s", colon + 1);
		inet_pton(AF_INET, addr, &a);
		hosts[i].addr = ntohl(a.s_addr);
	}
	cfg.hosts = hosts;
	cfg.nhosts = MIN(spec->net.nadd_hosts, (size_t)NS_MAX_HOSTS);
	if (k.flow_fd >= 0)
		keep[nkeep++] = k.flow_fd;
	if (audit.fd >= 0)
		keep[nkeep++] = audit.fd;
	cfg.keep_fds = keep;
	cfg.nkeep_fds = (size_t)nkeep;
	r = netstack_run(&cfg, tapfd, &e);
	_exit(r < 0 ? MOAT_EXIT_FAILURE : 0);
fail:
	log_err("%s", e.msg);
	_exit(MOAT_EXIT_FAILURE);
}

int network_start_netstack(const struct moat_spec *spec, struct network *n, int tapfd,
			   struct merr *e)
{
	int sp[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return merr_sys(e, "socketpair for netstack");
	pid = fork();
	if (pid < 0) {
		close(sp[0]);
		close(sp[1]);
		return merr_sys(e, "fork netstack");
	}
	if (pid == 0) {
		close(sp[0]);
		netstack_child(spec, n, tapfd, sp[1]);
	}
	close(sp[1]);
	n->netstack = child_pidfd(pid);
	if (n->netstack < 0) {
		int err = -n->netstack;

		n->netstack = -1;
		close(sp[0]);
		return merr_set(e, err, "pidfd of netstack: %s", strerror(err));
	}
	n->netstack_ctl = sp[0];
	/* Only netstack keeps the hand-off channel: outbound sees its end close
	 * when netstack goes. */
	close(n->flow_fd);
	n->flow_fd = -1;
	return 0;
}

int network_wait_netstack(struct network *n, struct merr *e)
{
	char msg[sizeof(e->msg) + 2];
	ssize_t r = helper_says(n->netstack_ctl, "netstack", msg, sizeof(msg), e);

	if (r >= 0 && strcmp(msg, "+"))
		return merr_set(e, EPROTO, "netstack said something unexpected");
	return r < 0 ? (int)r : 0;
}

void network_kill(struct network *n)
{
	if (n->netstack >= 0)
		sys_pidfd_send_signal(n->netstack, SIGKILL);
	if (n->outbound >= 0)
		sys_pidfd_send_signal(n->outbound, SIGKILL);
}

void network_stop(struct network *n)
{
	if (n->outbound_ctl >= 0)
		close(n->outbound_ctl);
	n->outbound_ctl = -1;
	if (n->outbound_wake >= 0)
		close(n->outbound_wake);
	n->outbound_wake = -1;
	if (n->netstack_ctl >= 0)
		close(n->netstack_ctl);
	n->netstack_ctl = -1;
	child_end(&n->netstack);
	child_end(&n->outbound);
	if (n->flow_fd >= 0)
		close(n->flow_fd);
	n->flow_fd = -1;
	if (n->policy)
		policy_free(n->policy);
	n->policy = NULL;
}
