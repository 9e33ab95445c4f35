// SPDX-License-Identifier: MIT
/*
 * audit.c - the audit log: one JSON object per line for every system call the
 * sandbox denied (by the filter, or refused by policy while serving it).
 *
 *   {"time":"2026-01-02T03:04:05.678Z","sandbox":"ID","pid":123,
 *    "syscall":"openat","nr":257,"decision":"refused","errno":"EACCES",
 *    "path":"/etc/shadow"}
 *
 * "pid" is the host's id of the calling thread.  "path" is present when the
 * call named one; a byte of it that is not UTF-8 is written as U+FFFD.  The
 * schema is documented in docs/cli.md.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdio.h"
#include "jsontext.h"
#include "log.h"
#include "sentry/sentry.h"
#include "sentry/table.h"

static const char *errno_name(int e)
{
	const char *name = strerrorname_np(e);

	return name ? name : "EUNKNOWN";
}

void audit_call(struct call *c)
{
	struct sentry *s = c->s;
	char stamp[LOG_TIMESTAMP_MAX], *line;
	json_t *o;
	int r;

	if (s->audit_fd < 0)
		return;
	log_timestamp(stamp, sizeof(stamp));
	o = json_object();
	if (!o)
		return;
	/* The path is the guest's, in bytes: json_set_text() makes it UTF-8. */
	r = json_set_text(o, "time", stamp) |
	    json_set_text(o, "sandbox", s->spec->id ? s->spec->id : "") |
	    json_object_set_new(o, "pid", json_integer(c->tid)) |
	    json_set_text(o, "syscall", sc_name(c->n->data.nr)) |
	    json_object_set_new(o, "nr", json_integer(c->n->data.nr)) |
	    json_set_text(o, "decision",
			  sc_handler_of(c->n->data.nr, c->n->data.arch) ? "refused" : "denied") |
	    json_set_text(o, "errno", errno_name(c->err));
	if (c->path[0])
		r |= json_set_text(o, "path", c->path);
	line = r ? NULL : json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!line)
		return;
	pthread_mutex_lock(&s->audit_lock);
	write_full(s->audit_fd, line, strlen(line));
	write_full(s->audit_fd, "\n", 1);
	pthread_mutex_unlock(&s->audit_lock);
	free(line);
}
