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
 * call named one.  The schema is documented in docs/cli.md.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "fdio.h"
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
	cJSON *o;

	if (s->audit_fd < 0)
		return;
	log_timestamp(stamp, sizeof(stamp));
	o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddStringToObject(o, "time", stamp);
	cJSON_AddStringToObject(o, "sandbox", s->spec->id ? s->spec->id : "");
	cJSON_AddNumberToObject(o, "pid", c->tid);
	cJSON_AddStringToObject(o, "syscall", sc_name(c->n->data.nr));
	cJSON_AddNumberToObject(o, "nr", c->n->data.nr);
	cJSON_AddStringToObject(o, "decision", sc_handler_of(c->n->data.nr, c->n->data.arch) ?
				"refused" : "denied");
	cJSON_AddStringToObject(o, "errno", errno_name(c->err));
	if (c->path[0])
		cJSON_AddStringToObject(o, "path", c->path);
	line = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!line)
		return;
	pthread_mutex_lock(&s->audit_lock);
	write_full(s->audit_fd, line, strlen(line));
	write_full(s->audit_fd, "\n", 1);
	pthread_mutex_unlock(&s->audit_lock);
	cJSON_free(line);
}
