// SPDX-License-Identifier: MIT
/* audit.c - see audit.h. */
#include "audit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsontext.h"
#include "log.h"

int ob_audit_write(int fd, const struct ob_audit *a)
{
	char when[LOG_TIMESTAMP_MAX];
	json_t *o, *inj;
	char *line;
	size_t len;
	int r = 0;

	if (fd < 0)
		return 0;
	log_timestamp(when, sizeof(when));
	o = json_object();
	inj = json_array();
	if (!o || !inj) {
		json_decref(o);
		json_decref(inj);
		return -ENOMEM;
	}
	for (unsigned i = 0; a->injected && i < a->injected->n; i++)
		r |= json_array_append_new(inj, json_text(a->injected->names[i]));
	r |= json_object_set_new(o, "time", json_string(when));
	r |= json_set_text(o, "sandbox", a->sandbox ? a->sandbox : "");
	r |= json_set_text(o, "method", a->method ? a->method : "");
	r |= json_set_text(o, "host", a->host ? a->host : "");
	r |= json_object_set_new(o, "port", json_integer(a->port));
	r |= json_set_text(o, "path", a->path ? a->path : "");
	r |= json_object_set_new(o, "tls", json_boolean(a->tls));
	r |= json_object_set_new(o, "status", json_integer(a->status));
	r |= json_object_set_new(o, "bytes_up", json_integer((json_int_t)a->bytes_up));
	r |= json_object_set_new(o, "bytes_down", json_integer((json_int_t)a->bytes_down));
	r |= json_set_text(o, "rule", a->rule ? a->rule : "");
	r |= json_set_text(o, "decision", a->decision);
	if (a->reason)
		r |= json_set_text(o, "reason", a->reason);
	r |= json_object_set_new(o, "injected", inj);
	if (a->injected && a->injected->skipped_plaintext) {
		const char *note = "injection skipped: the request left in plaintext";

		r |= json_object_set_new(o, "note", json_string(note));
	}
	r |= json_object_set_new(o, "latency_us", json_integer((json_int_t)a->latency_us));
	line = r ? NULL : json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!line)
		return -ENOMEM;
	len = strlen(line);
	line[len] = '\n';	/* replaces the NUL; written by length */
	if (write(fd, line, len + 1) < 0)
		r = -errno;
	free(line);
	return r;
}
