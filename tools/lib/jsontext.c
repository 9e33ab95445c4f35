// SPDX-License-Identifier: MIT
/*
 * jsontext.c - JSON strings of bytes that need not be UTF-8 (jsontext.h).
 */
#include "jsontext.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at @p (RFC 3629), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;	/* a continuation byte, an overlong lead, or past U+10FFFF */
	/* The second byte's range rules out overlongs, surrogates and > U+10FFFF. */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

json_t *json_text(const char *s)
{
	static const unsigned char replacement[] = { 0xef, 0xbf, 0xbd };	/* U+FFFD */
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n = 0;
	bool valid = true;
	char *out;
	json_t *j;

	for (size_t i = 0, k; i < len; i += k ? k : 1) {
		k = utf8_len(p + i);	/* reads past no NUL: it ends every sequence */
		valid = valid && k;
	}
	if (valid)
		return json_stringn(s, len);
	out = malloc(len * 3 + 1);
	if (!out)
		return NULL;
	for (size_t i = 0, k; i < len; i += k ? k : 1) {
		k = utf8_len(p + i);
		if (k) {
			memcpy(out + n, s + i, k);
			n += k;
		} else {
			memcpy(out + n, replacement, sizeof(replacement));
			n += sizeof(replacement);
		}
	}
	j = json_stringn(out, n);
	free(out);
	return j;
}

int json_set_text(json_t *obj, const char *key, const char *s)
{
	json_t *v = json_text(s);

	return v ? json_object_set_new(obj, key, v) : -1;
}

size_t json_token_start(const char *buf, size_t end)
{
	size_t i = end;

	if (!i)
		return 0;
	if (strchr("{}[],:", buf[i - 1]))
		return i - 1;
	if (buf[i - 1] == '"') {
		for (i--; i-- > 0;) {
			size_t n = 0;

			while (n < i && buf[i - 1 - n] == '\\')
				n++;
			if (buf[i] == '"' && n % 2 == 0)
				return i;
		}
		return 0;
	}
	while (i > 0 && !strchr(" \t\r\n{}[],:\"", buf[i - 1]))
		i--;
	return i;
}
