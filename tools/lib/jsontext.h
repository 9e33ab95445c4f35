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

#endif
