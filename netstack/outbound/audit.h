/* SPDX-License-Identifier: MIT */
/*
 * audit.h - one JSON line per request outbound judged.
 *
 *   {"time": "2026-11-23T10:00:00.123Z", "sandbox": "sb1", "method": "GET",
 *    "host": "api.github.com", "port": 443, "path": "/user", "tls": true,
 *    "status": 200, "bytes_up": 0, "bytes_down": 512, "rule": "github",
 *    "decision": "allow", "injected": ["GITHUB_TOKEN"], "latency_us": 8123}
 *
 * "decision" is allow, deny (a rule or the default said no: 403), reject (the
 * request itself was refused: 4xx), error (the upstream failed: 5xx, or the
 * exchange broke off), or passthrough (one line per tunnelled connection).
 * "bytes_up" and "bytes_down" count body bytes (decoded) sent to the upstream
 * and to the guest; for passthrough, all bytes of the connection.  "path" has
 * no query string.  "injected" holds names, never values; "reason" says why
 * for anything but allow.  Each line is one write(2) on an O_APPEND file.
 */
#ifndef MOAT_OUTBOUND_AUDIT_H
#define MOAT_OUTBOUND_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"

struct ob_audit {
	const char *sandbox;
	const char *method;		/* "" for passthrough */
	const char *host;
	uint16_t port;
	const char *path;
	bool tls;
	int status;			/* 0: none was sent */
	uint64_t bytes_up, bytes_down;
	const char *rule;
	const char *decision;
	const char *reason;		/* NULL for a plain allow */
	const struct ob_injected *injected;	/* may be NULL */
	uint64_t latency_us;
};

/**
 * ob_audit_write() - append one record to @fd (nothing if @fd < 0)
 * Return: 0 or -errno
 */
int ob_audit_write(int fd, const struct ob_audit *a);

#endif
