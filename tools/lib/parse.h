/* SPDX-License-Identifier: MIT */
/* parse.h - strict parsers for numbers that users type on the command line. */
#ifndef MOAT_PARSE_H
#define MOAT_PARSE_H

#include <stdint.h>

/**
 * parse_u64() - a whole decimal number, nothing before or after it
 * Return: 0, -EINVAL (not a number) or -ERANGE (too big)
 */
int parse_u64(const char *s, uint64_t *out);

/**
 * parse_size() - bytes with an optional binary suffix: 512, 64k, 64K, 16M, 2G, 1T
 * ("KiB", "MiB", "GiB", "TiB" and "KB"-style are accepted as the same units)
 * Return: 0, -EINVAL or -ERANGE
 */
int parse_size(const char *s, uint64_t *out);

#endif
