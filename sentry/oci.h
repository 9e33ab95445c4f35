/* SPDX-License-Identifier: MIT */
/*
 * oci.h - reading an OCI bundle's config.json into a struct moat_spec.
 *
 * An OCI bundle is a directory with a config.json (runtime-spec 1.0 to 1.2)
 * and a root file system.  oci_load() maps every field the spec defines to
 * what moat does with it: applied, ignored because it cannot weaken the
 * sandbox, or refused with an error that names the field.  docs/config.md is
 * the field-by-field table; this reader is its implementation.
 *
 * config.json is untrusted input: its size is capped, it must be a regular
 * file, duplicate keys and NUL characters are refused, and every value is
 * type- and range-checked before it reaches the spec.
 */
#ifndef MOAT_SENTRY_OCI_H
#define MOAT_SENTRY_OCI_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "sentry/spec.h"

/* config.json larger than this is refused (EFBIG). */
#define OCI_CONFIG_MAX (4u << 20)

/*
 * What config.json asks for that struct moat_spec has no field for; the
 * caller applies it to its own process before it starts the sandbox, and the
 * sandbox's processes inherit it.
 */
struct oci_extra {
	bool has_umask;		/* process.user.umask was given */
	mode_t umask;
};

/**
 * oci_load_extra() - read BUNDLE/config.json into a spec
 * @bundle:	the bundle directory
 * @spec:	a spec_init()ed spec; filled in
 * @x:		filled with what the spec cannot carry, may be NULL (then a
 *		process.user.umask is refused, since nobody would apply it)
 * @e:		error: "BUNDLE/config.json: FIELD: reason; what to do"
 *
 * The root file system is used directly (writes land in it, as with runc),
 * or, with root.readonly, under a read-only in-memory layer that only holds
 * mount points.  On failure the spec may be partly filled: spec_free() it
 * either way.
 *
 * Return: 0; -ENOENT (no config.json, no root, a bind source missing),
 * -ENOTDIR, -EFBIG (config.json too large), -EINVAL (malformed or truncated
 * JSON, a value of the wrong type or range), -ENOTSUP (a field moat does not
 * support and would weaken the sandbox if ignored), or -ENOMEM.
 */
int oci_load_extra(const char *bundle, struct moat_spec *spec, struct oci_extra *x,
		   struct merr *e);

/**
 * oci_load() - oci_load_extra() without extras
 */
int oci_load(const char *bundle, struct moat_spec *spec, struct merr *e);

/**
 * oci_valid_id() - whether @id is a valid container id:
 * [A-Za-z0-9][A-Za-z0-9_.-]*, at most 64 characters
 */
bool oci_valid_id(const char *id);

#endif
