/* SPDX-License-Identifier: MIT */
/*
 * ids.h - the guest's uids and gids, as the stat family must show them.
 *
 * The kernel reports a file's owner in the user namespace of whoever asks.
 * The sentry asks from the host's, so a stat it serves would show host ids
 * where the guest's own fstat() shows the ids of its namespace: a guest run as
 * uid 1000 (or by an ordinary user) would see its new files owned by someone
 * else.  So the sentry reads the guest's id maps once, as the kernel shows
 * them to the sentry (inside, then outside in the sentry's own namespace), and
 * maps every owner it reports: an id inside a range becomes the guest's, one
 * outside every range the overflow id, as the kernel does.  The other way, an
 * owner the guest gives chown() is the gofer's to apply: a guest id becomes
 * the sentry's (the guest's map), then the gofer's (the gofer's map).
 */
#ifndef MOAT_SENTRY_IDS_H
#define MOAT_SENTRY_IDS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define IDS_RANGES 8	/* /proc/PID/uid_map holds at most 340; moat writes one */

struct id_map {
	unsigned n;		/* 0: not read, ids are shown as they are */
	uint32_t overflow;	/* what an unmapped id is shown as */
	struct {
		uint32_t inside, outside, count;
	} r[IDS_RANGES];
};

/**
 * ids_parse() - read one uid_map or gid_map text
 * @text:	"inside outside count" lines
 * @overflow:	the kernel's overflow id for this kind
 * Return: 0, or -EINVAL for text that is not a map of at most IDS_RANGES lines
 */
int ids_parse(const char *text, uint32_t overflow, struct id_map *m);

/**
 * ids_read() - the uid and gid maps of process @pid, as the caller sees them
 * @proc:	the host's /proc
 * Return: 0, or -errno
 */
int ids_read(int proc, pid_t pid, struct id_map *uids, struct id_map *gids);

/** ids_guest() - @id of the caller's namespace, as the guest's namespace shows it */
uint32_t ids_guest(const struct id_map *m, uint32_t id);

/** ids_identity() - whether @m shows every id it maps as the caller sees it */
bool ids_identity(const struct id_map *m);

/**
 * ids_host() - the guest's @id, in the caller's namespace
 * Return: the id, or -1 (as uint32_t) if the guest's namespace does not map it
 */
uint32_t ids_host(const struct id_map *m, uint32_t id);

#endif
