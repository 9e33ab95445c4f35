/* SPDX-License-Identifier: MIT */
/*
 * oci_internal.h - what the files of the config.json reader share.
 *
 * The reader is three files: oci.c reads and vets the file, holds the typed
 * access helpers below, and loads the root, the process and the top-level
 * fields; oci_mounts.c loads mounts, maskedPaths and readonlyPaths;
 * oci_linux.c loads the rest of the linux object.  They pass one struct oci
 * along, and every error goes through oci_fail(), so that each message has the
 * form "CONFIG: FIELD: reason; what to do".  Nothing outside sentry/oci*.c
 * includes this header.
 */
#ifndef MOAT_SENTRY_OCI_INTERNAL_H
#define MOAT_SENTRY_OCI_INTERNAL_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sentry/oci.h"

/* Room for a field name such as "mounts[12].options[3]". */
#define FIELD_MAX 160

/* One reading of one config.json. */
struct oci {
	struct moat_spec *spec;
	struct oci_extra *x;
	struct merr *e;
	char bundle[PATH_MAX];
	char config[PATH_MAX];
};

/**
 * oci_fail() - set the error: "CONFIG: " and the formatted reason
 * Return: -@errnum
 */
int oci_fail(struct oci *o, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** oci_nomem() - oci_fail() with ENOMEM */
int oci_nomem(struct oci *o);

/* ---- typed access (oci.c) ---------------------------------------------- */

/** oci_get() - a member, or NULL if absent or null (null reads as "not given") */
const json_t *oci_get(const json_t *obj, const char *key);

/*
 * Each oci_want_*() checks the type of @v and fails with "F: expected ...,
 * found ..." (EINVAL) otherwise; @f names the field.  Return: 0 or -EINVAL.
 */
int oci_want_str(struct oci *o, const json_t *v, const char *f, const char **out);
int oci_want_bool(struct oci *o, const json_t *v, const char *f, bool *out);
int oci_want_array(struct oci *o, const json_t *v, const char *f);
int oci_want_object(struct oci *o, const json_t *v, const char *f);
int oci_want_str_array(struct oci *o, const json_t *v, const char *f);

enum { NUM_EXACT, NUM_HUGE };

/**
 * oci_want_int() - a whole number
 * @v:		the value
 * @f:		field name for messages
 * @negative:	whether values below 0 are allowed
 * @out:	the number; INT64_MAX when it is 2^53 or more
 *
 * Return: NUM_EXACT, NUM_HUGE (too large for a double to hold exactly; the
 * caller decides whether that means "unlimited"), or -EINVAL
 */
int oci_want_int(struct oci *o, const json_t *v, const char *f, bool negative, int64_t *out);

/** oci_want_uint() - a whole number in [0, @max] that must be exact (ids, modes) */
int oci_want_uint(struct oci *o, const json_t *v, const char *f, int64_t max, int64_t *out);

/* The JSON type an optional member must have, for oci_check_types(). */
enum oci_kind { OCI_STRING, OCI_NUMBER, OCI_BOOL, OCI_ARRAY, OCI_OBJECT };

struct oci_member {
	const char *key;
	enum oci_kind kind;
};

/**
 * oci_check_types() - the JSON type of each of @n members of @obj that is given
 * @f:		@obj's field name, for messages ("F.KEY: expected ...")
 *
 * For members moat reads no further (ignored fields): their form is checked
 * all the same, as every other field's.  Return: 0 or -EINVAL
 */
int oci_check_types(struct oci *o, const json_t *obj, const char *f,
		    const struct oci_member *members, size_t n);

/** oci_non_empty() - whether a field that would be refused when set holds something */
bool oci_non_empty(const json_t *v);

/** oci_ignored() - log, at info level, that @field is ignored and why */
void oci_ignored(const char *field, const char *why);

/** oci_in_list() - whether @s is one of the @n strings of @list */
bool oci_in_list(const char *s, const char *const *list, size_t n);

/* ---- paths (oci.c) ----------------------------------------------------- */

/**
 * oci_clean_abs() - check and normalise an absolute path in the sandbox
 * @in:		the path from config.json
 * @out:	"/a/b": single slashes, no trailing slash
 *
 * Return: 0, or -EINVAL for a relative path, a "." or ".." component, or a
 * path that does not fit
 */
int oci_clean_abs(const char *in, char *out, size_t cap);

/** oci_at_or_below() - whether @path is @dir or below it (both clean) */
bool oci_at_or_below(const char *path, const char *dir);

/** oci_bundle_path() - @rel relative to the bundle, or absolute as it is */
int oci_bundle_path(struct oci *o, const char *rel, char *out, size_t cap);

/* ---- the sections ------------------------------------------------------ */

/** oci_load_mounts() - the mounts array (oci_mounts.c); Return: 0 or -errno */
int oci_load_mounts(struct oci *o, const json_t *doc);

/**
 * oci_load_paths() - linux.maskedPaths or linux.readonlyPaths (oci_mounts.c)
 * @masked:	true for maskedPaths
 *
 * Needs the mounts loaded first.  Return: 0 or -errno
 */
int oci_load_paths(struct oci *o, const json_t *linux, bool masked);

/** oci_load_linux() - the linux object (oci_linux.c); Return: 0 or -errno */
int oci_load_linux(struct oci *o, const json_t *doc);

#endif
