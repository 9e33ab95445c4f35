/* SPDX-License-Identifier: MIT */
/*
 * confine.h - the steps every moat helper process takes to shrink itself before
 * it reads anything another process controls: close inherited fds, drop every
 * capability (bounding set included), set no_new_privs, and load a seccomp
 * allowlist built from the list of system calls its code declares it needs.
 */
#ifndef MOAT_CONFINE_H
#define MOAT_CONFINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/filter.h>

#include "err.h"

/**
 * confine_close_fds() - close every fd except 0, 1, 2 and those in @keep
 * Return: 0 or -errno
 */
int confine_close_fds(const int *keep, size_t nkeep);

/**
 * confine_drop_caps() - drop all capabilities but those in @keep (a bit mask
 * of CAP_* numbers), from every set including the bounding set
 * Return: 0 or -errno (with @e)
 */
int confine_drop_caps(uint64_t keep, struct merr *e);

/**
 * confine_become() - take @uid and @gid as real, effective and saved ids
 * (of the calling thread's process: glibc sets them in every thread),
 * keeping the capabilities permitted before (effective again), so that
 * confine_drop_caps() can still drop them from the bounding set after
 * Return: 0 or -errno (with @e)
 */
int confine_become(uid_t uid, gid_t gid, struct merr *e);

/**
 * confine_seccomp() - set no_new_privs and load an allowlist: the system calls
 * in @nrs run, every other fails with EPERM, other architectures are killed
 * Return: 0 or -errno (with @e)
 */
int confine_seccomp(const int *nrs, size_t n, struct merr *e);

/**
 * confine_allowlist() - compile an allowlist (as confine_seccomp() loads it)
 * @prog:	receives the program; prog->filter is malloc'd
 * Return: 0 or -errno (with @e)
 */
int confine_allowlist(const int *nrs, size_t n, struct sock_fprog *prog, struct merr *e);

/**
 * confine_allowlist_load() - set no_new_privs and load an allowlist: @built
 * (@built_len instructions, compiled at build time by tools/genfilter) if
 * the program was linked with it, else @nrs compiled now
 * Return: 0 or -errno (with @e)
 */
int confine_allowlist_load(const struct sock_filter *built, const unsigned short *built_len,
			   const int *nrs, size_t n, struct merr *e);

/** confine_load() - set no_new_privs and load @prog; Return: 0 or -errno */
int confine_load(const struct sock_fprog *prog, struct merr *e);

/** confine_load_all_threads() - the same for every thread of the process (TSYNC) */
int confine_load_all_threads(const struct sock_fprog *prog, struct merr *e);



#endif
