/* SPDX-License-Identifier: MIT */
/*
 * handoff.h - how a flow reaches outbound from another process: one message
 * on a SOCK_SEQPACKET unix socket, carrying the flow's socket as SCM_RIGHTS
 * and a fixed-size header that says where the guest meant to go.
 *
 * netstack terminates a guest TCP connection, makes a socketpair (or any
 * stream socket) whose other end carries the guest's bytes, and sends one end
 * with a struct ob_flow_msg.  outbound checks every field (invariant: a
 * helper never trusts the other side of its socket): a message of the wrong
 * size, magic or version, a port of 0, an unknown address family, a host that
 * is not NUL-terminated or not a valid name, or anything but exactly one fd
 * is refused, and its fd closed.  Integers are in the host's byte order: both
 * ends run on one machine.
 */
#ifndef MOAT_OUTBOUND_HANDOFF_H
#define MOAT_OUTBOUND_HANDOFF_H

#include <arpa/inet.h>
#include <assert.h>
#include <stdint.h>
#include <sys/socket.h>

#include "policy.h"

#define OB_FLOW_MAGIC 0x6d6f6174u	/* "moat" */
#define OB_FLOW_VERSION 3
#define OB_FLOW_ALSO 3		/* other names of the address a message may carry */

struct ob_flow_msg {
	uint32_t magic;		/* OB_FLOW_MAGIC */
	uint16_t version;	/* OB_FLOW_VERSION */
	uint16_t port;		/* the destination port the guest connected to */
	uint8_t family;		/* 4 or 6: @addr holds the address; 0: none */
	uint8_t guest_family;	/* 4 or 6: @guest_addr holds an address; 0: none */
	uint8_t reserved[2];	/* zero */
	uint8_t addr[16];	/* IPv4 in the first 4 bytes, network order */
	uint8_t guest_addr[16];	/* the address the guest connected to, when netstack
				 * connects to @addr instead (the gateway: the
				 * host's loopback) */
	char host[256];		/* the name the guest resolved, NUL-terminated; "" if unknown */
	/* other names the guest resolved to the same address that the policy
	 * allows for the port, latest answer first, each NUL-terminated or all
	 * zero (none); only with @host */
	char also[OB_FLOW_ALSO][256];
};

static_assert(sizeof(struct ob_flow_msg) == 1068, "the hand-off message has a fixed layout");

/*
 * The start-up channel (moat-outbound --ctl-fd, a SOCK_SEQPACKET socket to the
 * sentry): outbound sends the sandbox CA's certificate (PEM) as soon as it has
 * made it, then "+" once it serves, confined; or "!" and why it cannot, at any
 * point, and exits.  No message is longer than this.
 */
#define OB_CTL_MSG_MAX 16384
/* moat-outbound takes at most this many of each repeatable option */
#define OB_MAX_LIST 256

/* Where a handed-off flow goes. */
struct ob_flow_dest {
	char host[POLICY_HOST_MAX + 1];	/* normalized name, or "" */
	/* other names of the address (sites behind one address), which the
	 * flow takes instead of @host where the client names one of them */
	char also[OB_FLOW_ALSO][POLICY_HOST_MAX + 1];
	unsigned nalso;
	uint16_t port;
	struct sockaddr_storage addr;	/* addrlen 0: resolve @host */
	socklen_t addrlen;
	/* the address the guest connected to, when it is not @addr (the
	 * gateway, which netstack maps to the host's loopback); "" if none */
	char guest_addr[INET6_ADDRSTRLEN];
};

/**
 * ob_flow_msg_decode() - check a received message and turn it into a dest
 * Return: 0 or -EINVAL
 */
int ob_flow_msg_decode(const void *buf, size_t len, struct ob_flow_dest *d);

/**
 * ob_flow_msg_encode() - the message for @d (for netstack and tests)
 * Return: 0 or -EINVAL
 */
int ob_flow_msg_encode(const struct ob_flow_dest *d, struct ob_flow_msg *m);

#endif
