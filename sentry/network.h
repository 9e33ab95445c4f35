/* SPDX-License-Identifier: MIT */
/* network.h - netstack and outbound for --network=sandbox (see network.c). */
#ifndef MOAT_SENTRY_NETWORK_H
#define MOAT_SENTRY_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "gofer/tree.h"
#include "netstack/outbound/policy.h"
#include "sentry/spec.h"

struct network {
	struct policy *policy;	/* the policy file and --allow rules */
	int outbound, netstack;	/* pidfds (outbound: its standby until it is needed) */
	int flow_fd;		/* netstack's end of outbound's hand-off channel */
	int netstack_ctl;	/* closing it ends netstack */
	int outbound_ctl;	/* outbound says there whether it is ready */
	int outbound_wake;	/* "G" there starts outbound, if not yet started */
};

/**
 * network_prepare() - load the policy and fork outbound's standby (network.c),
 * which checks the secrets and then starts outbound at once or on demand
 * Return: 0 or -errno, with @e naming a bad policy
 */
int network_prepare(const struct moat_spec *spec, struct network *n, struct merr *e);

/** network_on_demand() - whether outbound starts at first use, not at once */
bool network_on_demand(const struct moat_spec *spec);

/**
 * network_wait_checked() - wait for the standby's word that the secrets and
 * the files outbound will load are fine (first, in both modes)
 * Return: 0 or -errno, with @e saying what is wrong
 */
int network_wait_checked(struct network *n, struct merr *e);

/**
 * network_wait_ca() - wait for outbound's CA certificate (PEM) into @pem
 * Return: its length (NUL-terminated; @cap - 1 at most), or -errno with @e
 * saying what outbound could not do
 */
ssize_t network_wait_ca(struct network *n, char *pem, size_t cap, struct merr *e);

/**
 * network_wait_ready() - wait for outbound to have loaded the secrets and
 * keys (after network_wait_ca(): it sends the CA first)
 * Return: 0 or -errno, with @e saying what outbound could not load
 */
int network_wait_ready(struct network *n, struct merr *e);

/**
 * network_fill_ca() - on demand: have outbound start (if a flow has not
 * started it), wait for its CA and have the gofer append it to the late files
 * over channel @ch (GOFER_LATE); then wait for outbound to be ready (had it
 * failed, it has said why on stderr).  Once only, by one thread at a time.
 * Return: 0 once the CA is appended, or -errno with @e saying what failed
 */
int network_fill_ca(struct network *n, int ch, struct merr *e);

/**
 * network_tree_files() - what the guest sees: /etc/resolv.conf, /etc/hosts, the
 * trust store; appended to @t.  The trust store's files are late: the CA's
 * certificate is to be appended to them (gofer_fill_late() before the guest
 * runs, or network_fill_ca() on demand).
 */
int network_tree_files(const struct moat_spec *spec, struct gofer_tree *t, struct merr *e);

/** network_env() - the variables that point TLS clients at the trust store */
int network_env(struct moat_spec *spec);

/** network_start_netstack() - fork netstack on the guest's TAP device @tapfd */
int network_start_netstack(const struct moat_spec *spec, struct network *n, int tapfd,
			   struct merr *e);

/**
 * network_wait_netstack() - wait for netstack to be set up and confined
 * Return: 0, or -errno with @e saying what failed (a -p port in use, ...)
 */
int network_wait_netstack(struct network *n, struct merr *e);

/** network_kill() - send both helpers SIGKILL (network_stop() reaps them) */
void network_kill(struct network *n);

/** network_stop() - end both helpers and release everything */
void network_stop(struct network *n);

#endif
