/* SPDX-License-Identifier: MIT */
/*
 * jsontext.h - JSON strings of bytes that need not be UTF-8.
 *
 * A path or a host name that the guest chose may hold any bytes, while a JSON
 * string (jansson's too: json_string() refuses the rest, and json_dumps()
 * fails on a string made without the check) must be UTF-8.  An audit line
 * must be written all the same, so such a value is given with every byte that
 * is not part of a valid UTF-8 sequence replaced by U+FFFD.
 */
#ifndef MOAT_JSONTEXT_H
#define MOAT_JSONTEXT_H

#include <jansson.h>
#include <stddef.h>

/**
 * json_text() - a new JSON string of @s, made valid UTF-8 where it is not
 * Return: a new reference, or NULL when out of memory
 */
json_t *json_text(const char *s);

/**
 * json_set_text() - json_object_set_new(@obj, @key, json_text(@s))
 * Return: 0, or -1 when out of memory
 */
int json_set_text(json_t *obj, const char *key, const char *s);

/**
 * json_token_start() - where the token that ends at @end of @buf starts
 *
 * jansson reports a parse error (json_error_t.position) just past the token it
 * stopped at: a string literal (back to its opening quote, one that no
 * backslash escapes), a bracket, comma or colon, or a bare word or number.
 * Return: its offset, at most @end
 */
size_t json_token_start(const char *buf, size_t end);

#endif
