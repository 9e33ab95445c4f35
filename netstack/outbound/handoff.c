// SPDX-License-Identifier: MIT
/* handoff.c - see handoff.h. */
#include "handoff.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

int ob_flow_msg_decode(const void *buf, size_t len, struct ob_flow_dest *d)
{
	struct ob_flow_msg m;
	size_t hl;

	memset(d, 0, sizeof(*d));
	if (len != sizeof(m))
		return -EINVAL;
	memcpy(&m, buf, sizeof(m));
	if (m.magic != OB_FLOW_MAGIC || m.version != OB_FLOW_VERSION || m.port == 0 ||
	    m.reserved[0] || m.reserved[1])
		return -EINVAL;
	hl = strnlen(m.host, sizeof(m.host));
	if (hl == sizeof(m.host))
		return -EINVAL;
	if (hl && (policy_normalize_host(m.host, hl, d->host) < 0 || policy_host_is_ip(d->host)))
		return -EINVAL;
	for (size_t i = 0; i < OB_FLOW_ALSO; i++) {
		size_t al = strnlen(m.also[i], sizeof(m.also[i]));
		char *n = d->also[d->nalso];

		if (al == sizeof(m.also[i]) || (al && (!hl || i != d->nalso)))
			return -EINVAL;	/* unterminated; without a name; after a gap */
		for (size_t k = al; k < sizeof(m.also[i]); k++)
			if (m.also[i][k])
				return -EINVAL;	/* bytes after the name: not all zero */
		if (!al)
			continue;
		if (policy_normalize_host(m.also[i], al, n) < 0 || policy_host_is_ip(n))
			return -EINVAL;
		d->nalso++;
	}
	d->port = m.port;
	if (m.family == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)&d->addr;

		in->sin_family = AF_INET;
		in->sin_port = htons(m.port);
		memcpy(&in->sin_addr, m.addr, 4);
		d->addrlen = sizeof(*in);
	} else if (m.family == 6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&d->addr;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(m.port);
		memcpy(&in6->sin6_addr, m.addr, 16);
		d->addrlen = sizeof(*in6);
	} else if (m.family != 0) {
		return -EINVAL;
	}
	if (!hl && !d->addrlen)
		return -EINVAL;	/* nowhere to go */
	if (m.guest_family == 4 || m.guest_family == 6) {
		if (!inet_ntop(m.guest_family == 4 ? AF_INET : AF_INET6, m.guest_addr, d->guest_addr,
			       sizeof(d->guest_addr)))
			return -EINVAL;
	} else if (m.guest_family != 0) {
		return -EINVAL;
	}
	return 0;
}

int ob_flow_msg_encode(const struct ob_flow_dest *d, struct ob_flow_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->magic = OB_FLOW_MAGIC;
	m->version = OB_FLOW_VERSION;
	m->port = d->port;
	if (strlen(d->host) >= sizeof(m->host) || d->port == 0 || d->nalso > OB_FLOW_ALSO ||
	    (d->nalso && !d->host[0]))
		return -EINVAL;
	strcpy(m->host, d->host);
	for (unsigned i = 0; i < d->nalso; i++) {
		if (!d->also[i][0] || strlen(d->also[i]) >= sizeof(m->also[i]))
			return -EINVAL;
		strcpy(m->also[i], d->also[i]);
	}
	if (d->addrlen && d->addr.ss_family == AF_INET) {
		m->family = 4;
		memcpy(m->addr, &((const struct sockaddr_in *)&d->addr)->sin_addr, 4);
	} else if (d->addrlen && d->addr.ss_family == AF_INET6) {
		m->family = 6;
		memcpy(m->addr, &((const struct sockaddr_in6 *)&d->addr)->sin6_addr, 16);
	} else if (d->addrlen) {
		return -EINVAL;
	}
	if (inet_pton(AF_INET, d->guest_addr, m->guest_addr) == 1)
		m->guest_family = 4;
	else if (inet_pton(AF_INET6, d->guest_addr, m->guest_addr) == 1)
		m->guest_family = 6;
	else if (d->guest_addr[0])
		return -EINVAL;
	return 0;
}
