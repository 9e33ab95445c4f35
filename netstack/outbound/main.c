// SPDX-License-Identifier: MIT
/*
 * main.c - moat-outbound: outbound as a process of its own.
 *
 * The sentry runs it for a sandbox with --network=sandbox (flows come from
 * netstack over --flow-fd; start-up is reported over --ctl-fd, handoff.h);
 * standalone it is an explicit HTTP proxy (--listen) for any client that
 * honours HTTP_PROXY/HTTPS_PROXY.  Either way: read the configuration and the
 * secrets, make the CA, open every socket, then close inherited fds, drop
 * capabilities and load the seccomp allowlist before the first byte from a
 * client is read.  A program of its own, so that OpenSSL is loaded only where
 * TLS is spoken, and none of the sentry's memory is ever in this process.
 */
#include <fcntl.h>
#include <getopt.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confine.h"
#include "err.h"
#include "fdio.h"
#include "inject.h"
#include "log.h"
#include "netstack/outbound/outbound.h"
#include "parse.h"
#include "util.h"

#define MAX_LIST OB_MAX_LIST

static const char usage[] =
"usage: moat-outbound [OPTIONS]\n"
"\n"
"The credential-injecting HTTP/TLS egress layer of a moat sandbox.  Every\n"
"request is judged by the policy (deny by default); allowed requests get the\n"
"headers their rule injects, from secrets only this process holds.  HTTPS is\n"
"intercepted with a CA made at start for this sandbox alone.\n"
"\n"
"where flows come from (one or more):\n"
"  --listen ADDR:PORT       an explicit proxy for HTTP_PROXY/HTTPS_PROXY (port 0: any)\n"
"  --flow-socket PATH       accept hand-off channels from netstack on a unix socket\n"
"  --flow-fd N              a connected hand-off channel inherited as fd N\n"
"  --ctl-fd N               report start-up on fd N: the CA's certificate, then\n"
"                           ready or why not (how the sentry runs it)\n"
"  --on-demand              started at a sandbox's first use of the network, not\n"
"                           with it: a start-up failure goes to stderr as well\n"
"policy and secrets:\n"
"  --policy FILE            the policy file (docs/outbound.md)\n"
"  --allow HOST[:PORT]      allow a host (globs: *.example.com); after the file's rules\n"
"  --secret NAME=env:VAR    a secret from the environment (the variable is wiped)\n"
"  --secret NAME=file:PATH  a secret from a file\n"
"  --sandbox-id ID          the sandbox's id (audit log, identity tokens, CA name)\n"
"  --identity-key FILE      sign identity tokens with this PEM key (default: a new P-256 key)\n"
"  --identity-pub FILE      write the identity tokens' public key (PEM) here\n"
"TLS:\n"
"  --ca-out FILE            write the sandbox CA's certificate (never its key) here\n"
"  --extra-ca FILE          also trust this CA file for upstreams (repeatable)\n"
"  --no-system-ca           do not trust the host's CA bundle for upstreams\n"
"other:\n"
"  --resolve HOST:PORT:ADDR connect to ADDR for HOST:PORT, as curl's option\n"
"  --audit FILE             append one JSON line per request\n"
"  --audit-fd N             ... to the inherited fd N instead\n"
"  --ready-file FILE        write ADDR:PORT of --listen here once serving\n"
"  --max-flows N            concurrent flows (default 1024)\n"
"  --idle-timeout SECONDS   close idle flows (default 120)\n"
"  --check                  load everything, print what was loaded (names only), exit\n"
"  --log-level LEVEL        error, warn, info or debug\n"
"  --help\n";

struct opts {
	const char *listen, *flow_socket, *policy, *sandbox_id, *ca_out, *audit, *ready;
	const char *identity_key, *identity_pub;
	const char *allow[MAX_LIST], *secret[MAX_LIST], *extra_ca[MAX_LIST], *resolve[MAX_LIST];
	size_t nallow, nsecret, nextra_ca, nresolve;
	int flow_fd, ctl_fd, audit_fd;
	bool no_system_ca, check, on_demand;
	uint64_t max_flows, idle;
};

static _Noreturn void usage_error(const char *fmt, ...);

/*
 * In a sanitizer build (make test SAN=1): LeakSanitizer checks at exit by
 * ptrace, which the allowlist refuses once outbound is confined, and then
 * fails the exit.  Leaks are looked for in the unit tests of outbound's
 * library instead.  (Unused in other builds.)
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

/* --ctl-fd: start-up failures are told to the sentry there, not to stderr
 * (unless --on-demand: the sentry is not waiting for them then) */
static int ctl_fd = -1;
static bool on_demand;

__attribute__((format(printf, 1, 2)))
static _Noreturn void fail(const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	int n;

	msg[0] = '!';
	va_start(ap, fmt);
	n = vsnprintf(msg + 1, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (ctl_fd < 0)
		die(MOAT_EXIT_FAILURE, "%s", msg + 1);
	if (on_demand)
		log_err("cannot start: %s", msg + 1);
	n = n < 0 ? 0 : MIN(n, (int)sizeof(msg) - 2);
	if (fdio_send(ctl_fd, msg, (size_t)n + 1, NULL, 0) < 0) {
		/* the sentry is gone: it learns nothing more */
	}
	_exit(MOAT_EXIT_FAILURE);
}

static int parse_fd(const char *flag, const char *arg)
{
	uint64_t v;

	if (parse_u64(arg, &v) < 0 || v < 3 || v > 65535)
		usage_error("%s %s: expected an fd number from 3 to 65535", flag, arg);
	return (int)v;
}

__attribute__((format(printf, 1, 2)))
static _Noreturn void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("moat-outbound: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(moat-outbound --help lists the options)\n", stderr);
	exit(MOAT_EXIT_FAILURE);
}

static void push(const char **list, size_t *n, const char *v, const char *flag)
{
	if (*n >= MAX_LIST)
		usage_error("%s: at most %d", flag, MAX_LIST);
	list[(*n)++] = v;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	enum {
		O_LISTEN = 256, O_FLOW_SOCKET, O_FLOW_FD, O_CTL_FD, O_AUDIT_FD, O_POLICY, O_ALLOW, O_SECRET, O_SANDBOX,
		O_IDKEY, O_IDPUB, O_CA_OUT, O_EXTRA_CA, O_NO_SYS_CA, O_RESOLVE, O_AUDIT, O_READY,
		O_MAX_FLOWS, O_IDLE, O_CHECK, O_ON_DEMAND, O_LOG, O_HELP,
	};
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "flow-socket", required_argument, NULL, O_FLOW_SOCKET },
		{ "flow-fd", required_argument, NULL, O_FLOW_FD },
		{ "ctl-fd", required_argument, NULL, O_CTL_FD },
		{ "audit-fd", required_argument, NULL, O_AUDIT_FD },
		{ "policy", required_argument, NULL, O_POLICY },
		{ "allow", required_argument, NULL, O_ALLOW },
		{ "secret", required_argument, NULL, O_SECRET },
		{ "sandbox-id", required_argument, NULL, O_SANDBOX },
		{ "identity-key", required_argument, NULL, O_IDKEY },
		{ "identity-pub", required_argument, NULL, O_IDPUB },
		{ "ca-out", required_argument, NULL, O_CA_OUT },
		{ "extra-ca", required_argument, NULL, O_EXTRA_CA },
		{ "no-system-ca", no_argument, NULL, O_NO_SYS_CA },
		{ "resolve", required_argument, NULL, O_RESOLVE },
		{ "audit", required_argument, NULL, O_AUDIT },
		{ "ready-file", required_argument, NULL, O_READY },
		{ "max-flows", required_argument, NULL, O_MAX_FLOWS },
		{ "idle-timeout", required_argument, NULL, O_IDLE },
		{ "check", no_argument, NULL, O_CHECK },
		{ "on-demand", no_argument, NULL, O_ON_DEMAND },
		{ "log-level", required_argument, NULL, O_LOG },
		{ "help", no_argument, NULL, O_HELP },
		{ 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->flow_fd = o->ctl_fd = o->audit_fd = -1;
	o->sandbox_id = "standalone";
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN: o->listen = optarg; break;
		case O_FLOW_SOCKET: o->flow_socket = optarg; break;
		case O_FLOW_FD: o->flow_fd = parse_fd("--flow-fd", optarg); break;
		case O_CTL_FD: o->ctl_fd = parse_fd("--ctl-fd", optarg); break;
		case O_AUDIT_FD: o->audit_fd = parse_fd("--audit-fd", optarg); break;
		case O_POLICY: o->policy = optarg; break;
		case O_ALLOW: push(o->allow, &o->nallow, optarg, "--allow"); break;
		case O_SECRET: push(o->secret, &o->nsecret, optarg, "--secret"); break;
		case O_SANDBOX: o->sandbox_id = optarg; break;
		case O_IDKEY: o->identity_key = optarg; break;
		case O_IDPUB: o->identity_pub = optarg; break;
		case O_CA_OUT: o->ca_out = optarg; break;
		case O_EXTRA_CA: push(o->extra_ca, &o->nextra_ca, optarg, "--extra-ca"); break;
		case O_NO_SYS_CA: o->no_system_ca = true; break;
		case O_RESOLVE: push(o->resolve, &o->nresolve, optarg, "--resolve"); break;
		case O_AUDIT: o->audit = optarg; break;
		case O_READY: o->ready = optarg; break;
		case O_MAX_FLOWS:
			if (parse_u64(optarg, &o->max_flows) < 0 || !o->max_flows || o->max_flows > 1000000)
				usage_error("--max-flows %s: expected 1-1000000", optarg);
			break;
		case O_IDLE:
			if (parse_u64(optarg, &o->idle) < 0 || !o->idle || o->idle > 86400)
				usage_error("--idle-timeout %s: expected 1-86400 seconds", optarg);
			break;
		case O_CHECK: o->check = true; break;
		case O_ON_DEMAND: o->on_demand = true; break;
		case O_LOG: {
			enum log_level l;

			if (log_parse_level(optarg, &l) < 0)
				usage_error("--log-level %s: expected error, warn, info or debug", optarg);
			log_level = l;
			break;
		}
		case O_HELP:
			fputs(usage, stdout);
			exit(0);
		default:
			/* never echo the argument: it could be a misspelt --secret with a value */
			usage_error("unknown option or missing value (argument %d)", optind - 1);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument %d", optind);
	if (o->audit && o->audit_fd >= 0)
		usage_error("--audit and --audit-fd: give one");
	if (!o->check && !o->listen && !o->flow_socket && o->flow_fd < 0)
		usage_error("nothing to serve: give --listen, --flow-socket or --flow-fd");
	if (!o->sandbox_id[0] || strlen(o->sandbox_id) > 64 ||
	    strspn(o->sandbox_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		    strlen(o->sandbox_id))
		usage_error("--sandbox-id: 1-64 letters, digits, '.', '_' or '-'");
}

/* Each helper thread confines itself: seccomp filters and capabilities
 * belong to threads, not processes. */
static int confine_thread(void)
{
	struct merr e = { 0 };
	int r = confine_drop_caps(0, &e);

	if (r == 0)
		r = confine_seccomp(ob_syscalls, ob_nsyscalls, &e);
	if (r < 0)
		log_err("confine the resolver thread: %s", e.msg);
	return r;
}

static int write_file_atomic(const char *path, const char *text, struct merr *e)
{
	char tmp[4096];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return merr_set(e, ENAMETOOLONG, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return merr_sys(e, "create %s", tmp);
	if (write_full(fd, text, strlen(text)) < 0 || close(fd) < 0)
		return merr_sys(e, "write %s", tmp);
	if (rename(tmp, path) < 0)
		return merr_sys(e, "rename %s", tmp);
	return 0;
}

static void print_check(const struct opts *o, const struct policy *p, const struct ob_secrets *s,
			const struct ob_signer *signer)
{
	printf("sandbox %s\n", o->sandbox_id);
	for (size_t i = 0; i < s->n; i++)
		printf("secret %s from %s (%zu bytes)\n", s->v[i].name, s->v[i].source, s->v[i].len);
	printf("identity %s kid %s\n", ob_signer_alg(signer), ob_signer_kid(signer));
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];

		printf("rule %zu \"%s\": %s", i + 1, r->name, policy_action_name(r->action));
		for (size_t k = 0; k < r->nhosts; k++)
			printf("%s%s", k ? "," : " host ", r->hosts[k]);
		for (size_t k = 0; k < r->nports; k++)
			printf("%s%u", k ? "," : " port ", r->ports[k]);
		for (size_t k = 0; k < r->nmethods; k++)
			printf("%s%s", k ? "," : " method ", r->methods[k]);
		for (size_t k = 0; k < r->npaths; k++)
			printf("%s%s", k ? "," : " path ", r->paths[k]);
		for (size_t k = 0; k < r->ninject; k++)
			printf(" inject %s: %s", r->inject[k].header, r->inject[k].source);
		printf("\n");
	}
	printf("default: deny\n");
}

/* --ctl-fd: the CA's certificate, the first thing the sentry waits for */
static void send_ca(const struct ob_ca *ca)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	long len;

	if (!bio || !PEM_write_bio_X509(bio, ob_ca_cert(ca)))
		fail("encode the sandbox CA");
	len = BIO_get_mem_data(bio, &pem);
	if (len <= 0 || len > OB_CTL_MSG_MAX)
		fail("the sandbox CA's certificate is %ld bytes", len);
	if (fdio_send(ctl_fd, pem, (size_t)len, NULL, 0) < 0)
		fail("send the CA certificate: %s", strerror(errno));
	BIO_free(bio);
}

int main(int argc, char **argv)
{
	struct ob_secrets secrets = { 0 };
	struct ob_pin pins[MAX_LIST];
	struct ob_server *srv = NULL;
	struct ob_signer *signer = NULL;
	struct ob_ca *ca = NULL;
	struct policy *pol;
	SSL_CTX *upstream;
	struct merr e = { 0 };
	char bound[80] = "";
	struct opts o;
	int audit_fd, r;

	log_set_component("outbound");
	prctl(PR_SET_DUMPABLE, 0);	/* no core dumps, no ptrace by the same uid */
	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv, &o);
	ctl_fd = o.ctl_fd;
	on_demand = o.on_demand;
	audit_fd = o.audit_fd;
	{
		int keep[] = { o.flow_fd, o.ctl_fd, o.audit_fd };
		size_t n = 0;

		for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
			if (keep[i] >= 0)
				keep[n++] = keep[i];
		r = confine_close_fds(keep, n);
		if (r < 0)
			fail("close inherited fds: %s", strerror(-r));
		for (size_t i = 0; i < n; i++)
			fcntl(keep[i], F_SETFD, FD_CLOEXEC);
	}
	/* The sentry builds the sandbox's tree while we load the rest. */
	if (ctl_fd >= 0) {
		if (ob_ca_new(o.sandbox_id, &ca, &e) < 0)
			fail("%s", e.msg);
		send_ca(ca);
		log_phase("outbound: CA sent");
	}

	for (size_t i = 0; i < o.nsecret; i++)
		if (ob_secrets_add(&secrets, o.secret[i], &e) < 0)
			fail("%s", e.msg);
	pol = policy_new();
	if (!pol)
		fail("out of memory");
	if (o.policy && policy_load_file(pol, o.policy, &e) < 0)
		fail("%s", e.msg);
	for (size_t i = 0; i < o.nallow; i++)
		if (policy_add_allow(pol, o.allow[i], &e) < 0)
			fail("%s", e.msg);	/* it names the --allow */
	for (size_t i = 0; i < o.nresolve; i++)
		if (ob_pin_parse(o.resolve[i], &pins[i], &e) < 0)
			fail("%s", e.msg);
	r = o.identity_key ? ob_signer_load(&signer, o.identity_key, &e) : ob_signer_generate(&signer, &e);
	if (r < 0)
		fail("%s", e.msg);
	if (ob_inject_check(pol, &secrets, true, &e) < 0)
		fail("policy: %s", e.msg);
	if (o.check) {
		print_check(&o, pol, &secrets, signer);
		ob_secrets_free(&secrets);
		policy_free(pol);
		ob_signer_free(signer);
		return 0;
	}
	if (!ca && ob_ca_new(o.sandbox_id, &ca, &e) < 0)
		fail("%s", e.msg);
	if (o.ca_out && ob_ca_write_cert(ca, o.ca_out, &e) < 0)
		fail("%s", e.msg);
	if (o.identity_pub && ob_signer_write_public(signer, o.identity_pub, &e) < 0)
		fail("%s", e.msg);
	log_phase("outbound: policy, secrets and keys loaded");
	upstream = ob_tls_client_ctx(!o.no_system_ca, o.extra_ca, o.nextra_ca, &e);
	if (!upstream)
		fail("%s", e.msg);
	log_phase("outbound: upstreams' trust store loaded");
	if (o.audit) {
		audit_fd = open(o.audit, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
		if (audit_fd < 0)
			fail("open the audit log %s: %s", o.audit, strerror(errno));
	}

	struct ob_config cfg = {
		.policy = pol,
		.secrets = &secrets,
		.sandbox_id = o.sandbox_id,
		.ca = ca,
		.signer = signer,
		.upstream = upstream,
		.audit_fd = audit_fd,
		.pins = pins,
		.npins = o.nresolve,
		.max_flows = (unsigned)o.max_flows,
		.resolver = o.listen != NULL,
		.idle_timeout = (unsigned)o.idle,
		.thread_init = confine_thread,
	};
	if (ob_server_new(&cfg, &srv, &e) < 0)
		fail("%s", e.msg);
	if (o.listen && ob_server_listen(srv, o.listen, bound, sizeof(bound), &e) < 0)
		fail("%s", e.msg);
	if (o.flow_socket && ob_server_flow_listen(srv, o.flow_socket, &e) < 0)
		fail("%s", e.msg);
	if (o.flow_fd >= 0) {
		fcntl(o.flow_fd, F_SETFL, O_NONBLOCK);
		if (ob_server_flow_channel(srv, o.flow_fd, &e) < 0)
			fail("%s", e.msg);
	}

	/* Clients may connect from now on; the backlog holds them until the
	 * loop runs, confined. */
	if (o.ready) {
		char line[96];

		snprintf(line, sizeof(line), "%s\n", bound);
		if (write_file_atomic(o.ready, line, &e) < 0)
			fail("%s", e.msg);
	}

	/* Confined from here on: nothing a client sent has been read yet. */
	{
		int keep[34];
		size_t n = ob_server_keep_fds(srv, keep, ARRAY_SIZE(keep) - 2);

		if (audit_fd >= 0)
			keep[n++] = audit_fd;
		if (ctl_fd >= 0)
			keep[n++] = ctl_fd;
		r = confine_close_fds(keep, n);
		if (r < 0)
			fail("close fds: %s", strerror(-r));
	}
	if (confine_drop_caps(0, &e) < 0 || confine_seccomp(ob_syscalls, ob_nsyscalls, &e) < 0)
		fail("confine: %s", e.msg);
	log_phase("outbound: confined");
	if (ctl_fd >= 0) {
		if (fdio_send(ctl_fd, "+", 1, NULL, 0) < 0)
			return MOAT_EXIT_FAILURE;	/* the sentry is gone */
		close(ctl_fd);
		ctl_fd = -1;
	}
	if (bound[0])
		log_info("serving as an explicit proxy on %s", bound);
	r = ob_server_run(srv);
	ob_server_free(srv);
	SSL_CTX_free(upstream);
	ob_ca_free(ca);
	ob_signer_free(signer);
	policy_free(pol);
	ob_secrets_free(&secrets);
	if (r < 0) {
		log_err("the event loop failed: %s", strerror(-r));
		return MOAT_EXIT_FAILURE;
	}
	return 0;
}
