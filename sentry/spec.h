/* SPDX-License-Identifier: MIT */
/*
 * spec.h - everything that defines one sandbox, whichever front end made it
 * (`moat do` flags or an OCI config.json).  sandbox_run() takes it from here.
 */
#ifndef MOAT_SENTRY_SPEC_H
#define MOAT_SENTRY_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "gofer/tree.h"

struct spec_rlimit {
	int resource;		/* RLIMIT_* */
	struct rlimit lim;
};

/* --network=sandbox (docs/network.md, docs/outbound.md) */
struct moat_net {
	bool sandbox;			/* a network through netstack; else loopback only */
	char *policy_file;		/* --policy */
	char **allow;			/* --allow HOST[:PORT] */
	size_t nallow;
	char **secrets;			/* --secret NAME=env:VAR|file:PATH */
	size_t nsecrets;
	char **publish;			/* -p HOSTPORT:GUESTPORT */
	size_t npublish;
	char **add_hosts;		/* --add-host NAME:ADDR */
	size_t nadd_hosts;
	char **upstream_ca;		/* --upstream-ca FILE: also trusted for upstreams */
	size_t nupstream_ca;
	char *identity_key;		/* --identity-key FILE: signs identity tokens */
	char *identity_pub;		/* --identity-pub FILE: their public key, written */
	unsigned mtu;			/* --mtu: eth0's MTU; 0 for NS_DEFAULT_MTU */
};

struct moat_spec {
	char *id;			/* sandbox id (names cgroups, audit records) */
	struct gofer_tree tree;		/* the file system */

	/* the process */
	char **argv;
	char **env;			/* "K=V", NULL-terminated */
	char *cwd;			/* in the sandbox; "/" if NULL */
	uid_t uid;			/* inside the sandbox */
	gid_t gid;
	bool own_ids;			/* spec_own_ids(), decided once as the sandbox starts */
	bool one_id;			/* the config's id mappings ask for the runner's one id */
	struct spec_rlimit *rlimits;
	size_t nrlimits;
	char *hostname;

	/* limits; 0 means none */
	uint64_t memory_bytes;
	uint64_t pids;
	uint64_t cpu_seconds;
	uint64_t timeout_sec;

	/* Paths masked (empty) or made read-only by the guest's init once its
	 * own mounts are made: OCI maskedPaths/readonlyPaths in /proc or in a
	 * sysfs, devpts or mqueue mount (moat's /proc defaults are added by
	 * init).  Each is applied if it exists; a /proc one only on a procfs. */
	char **proc_masked;
	size_t nproc_masked;
	char **proc_ro;
	size_t nproc_ro;

	struct moat_net net;

	bool tty;			/* a terminal of its own (sentry/tty.h) */
	unsigned short tty_rows, tty_cols;	/* its size; 0: moat's terminal's */

	bool ptrace;			/* --platform=ptrace: served calls stop in a
					 * tracer (sentry/ptrace.c), not a listener */

	/* observability */
	int audit_fd;			/* -1: no audit log */
	char *pid_file;			/* absolute; the host pid of the guest's init
					 * is written there once it exists */
};

/** spec_init() - an empty spec with moat's defaults */
void spec_init(struct moat_spec *s);

/** spec_free() - free everything the spec owns */
void spec_free(struct moat_spec *s);

/**
 * spec_strv_add() - append a copy of @str to a NULL-terminated or counted array
 * Return: 0 or -ENOMEM
 */
int spec_strv_add(char ***v, size_t *n, const char *str);

/**
 * spec_env_set() - set "KEY=VALUE" @kv in a NULL-terminated environment
 *
 * Any earlier entry for KEY is dropped and @kv appended, so that the guest
 * never sees a key twice (getenv() would take the first, other readers the
 * last).
 * Return: 0 or -ENOMEM
 */
int spec_env_set(char ***env, const char *kv);

/** spec_hostname() - the guest's host name: the spec's, or "moat" */
const char *spec_hostname(const struct moat_spec *s);

/**
 * spec_own_ids() - decide, once, in moat itself before anything starts,
 * whether the guest's ids are its own on the host too: with a root runner, a
 * guest user other than root (process.user) is mapped to the same ids on the
 * host, with root beside it, as runc runs it, so that the root file system's
 * files stay their owners' (a file of root's, mode 0600, is closed to it);
 * the gofer and the sentry's workers then act with those ids.  Otherwise
 * (root as the guest, a runner that is not root, an id beyond the gofer's
 * map) the guest's one id is the runner's.  Sets s->own_ids and the tree's.
 */
void spec_own_ids(struct moat_spec *s);

/**
 * spec_hostname_listable() - whether the guest's host name can stand in its
 * /etc/hosts as one name (letters, digits, '-' and '.'): sethostname() takes
 * any bytes, and a blank would add aliases there, a newline lines
 */
bool spec_hostname_listable(const struct moat_spec *s);

/**
 * spec_write_pid_file() - write @pid to the spec's pid file, if it has one
 *
 * The file is written under a temporary name next to it and renamed, so a
 * reader never sees it half written.
 * Return: 0, or -errno with @e naming the file
 */
int spec_write_pid_file(const struct moat_spec *s, pid_t pid, struct merr *e);

/** spec_remove_pid_file() - remove the spec's pid file, if it has one */
void spec_remove_pid_file(const struct moat_spec *s);

#endif
