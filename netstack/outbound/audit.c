// SPDX-License-Identifier: MIT
/* audit.c - see audit.h. */
#include "audit.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int ob_audit_write(int fd, const struct ob_audit *a)
{
	char when[LOG_TIMESTAMP_MAX];
	cJSON *o, *inj;
	char *text;
	size_t len;
	int r = 0;

	if (fd < 0)
		return 0;
	log_timestamp(when, sizeof(when));
	o = cJSON_CreateObject();
	inj = cJSON_CreateArray();
	if (!o || !inj) {
		cJSON_Delete(o);
		cJSON_Delete(inj);
		return -ENOMEM;
	}
	for (unsigned i = 0; a->injected && i < a->injected->n; i++)
		cJSON_AddItemToArray(inj, cJSON_CreateString(a->injected->names[i]));
	cJSON_AddStringToObject(o, "time", when);
	cJSON_AddStringToObject(o, "sandbox", a->sandbox ? a->sandbox : "");
	cJSON_AddStringToObject(o, "method", a->method ? a->method : "");
	cJSON_AddStringToObject(o, "host", a->host ? a->host : "");
	cJSON_AddNumberToObject(o, "port", a->port);
	cJSON_AddStringToObject(o, "path", a->path ? a->path : "");
	cJSON_AddBoolToObject(o, "tls", a->tls);
	cJSON_AddNumberToObject(o, "status", a->status);
	cJSON_AddNumberToObject(o, "bytes_up", (double)a->bytes_up);
	cJSON_AddNumberToObject(o, "bytes_down", (double)a->bytes_down);
	cJSON_AddStringToObject(o, "rule", a->rule ? a->rule : "");
	cJSON_AddStringToObject(o, "decision", a->decision);
	if (a->reason)
		cJSON_AddStringToObject(o, "reason", a->reason);
	cJSON_AddItemToObject(o, "injected", inj);
	if (a->injected && a->injected->skipped_plaintext)
		cJSON_AddStringToObject(o, "note", "injection skipped: the request left in plaintext");
	cJSON_AddNumberToObject(o, "latency_us", (double)a->latency_us);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		return -ENOMEM;
	len = strlen(text);
	text[len] = '\n';	/* replaces the NUL; written by length */
	if (write(fd, text, len + 1) < 0)
		r = -errno;
	free(text);
	return r;
}
