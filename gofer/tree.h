/* SPDX-License-Identifier: MIT */
/*
 * tree.h - the sandbox's file system, as the gofer builds it.
 *
 * A struct gofer_tree says what the sandbox root is made of; tree_build() makes
 * it, inside the gofer's own user and mount namespaces, and leaves the calling
 * process with that tree as its root.  The guest's mount namespace is later
 * copied from the gofer's and made read-only, so both see the same files: the
 * gofer writes, the guest (through the sentry) reads.
 */
#ifndef MOAT_GOFER_TREE_H
#define MOAT_GOFER_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum tree_layer {
	TREE_OVERLAY_MEMORY,	/* copy-on-write, upper layer in a tmpfs */
	TREE_OVERLAY_DIR,	/* copy-on-write, upper layer kept in a host dir */
	TREE_DIRECT,		/* the rootfs itself (OCI bundles, as runc) */
};

enum tree_mount_type {
	TM_BIND,		/* host path src at dst (made by the gofer) */
	TM_TMPFS,		/* empty tmpfs at dst (made by the gofer) */
	TM_PROC,		/* made by the guest's init, in its pid namespace */
	TM_DEVPTS,
	TM_SYSFS,
	TM_MQUEUE,
};

struct tree_mount {
	enum tree_mount_type type;
	char *src;		/* TM_BIND: absolute host path */
	char *dst;		/* absolute path in the sandbox */
	bool ro;
	unsigned attrs;		/* TM_BIND, TM_TMPFS: MOUNT_ATTR_NOEXEC, MOUNT_ATTR_NODEV
				 * and MOUNT_ATTR_NOSUID, applied with everything below */
	uint64_t size;		/* TM_TMPFS: bytes, 0 for the default */
	unsigned mode;		/* TM_TMPFS: mode of its root */
};

/*
 * A file the sandbox presents at @path, read-only, with this content; a late
 * file's content is followed by data that comes after the build (tree_build()
 * leaves it open for gofer_child() to append to).
 */
#define TREE_COPY_MAX (4u << 20)	/* bytes taken of a @copy_from file */
struct tree_file {
	char *path;		/* absolute, in the sandbox */
	const char *copy_from;	/* NULL, or a host file whose bytes come first
				 * (at most TREE_COPY_MAX, ending in a newline;
				 * none if it is missing): the gofer copies them */
	char *content;
	size_t len;
	bool late;
};

struct gofer_tree {
	const char *rootfs;	/* host path of the sandbox root ("/" for moat do) */
	bool host_root;		/* rootfs is the host's /: fresh /tmp, /run, /dev */
	bool privileged;	/* built by real root, outside a user namespace */
	enum tree_layer layer;
	const char *upper_dir;	/* TREE_OVERLAY_DIR: host directory kept after exit */
	bool readonly;		/* the root is read-only (writes fail with EROFS) */
	uint64_t disk_bytes;	/* TREE_OVERLAY_MEMORY: size of the upper layer */
	struct tree_mount *mounts;
	size_t nmounts;
	char **hide;		/* absolute paths, globs allowed: appear absent (or
				 * empty); a glob is expanded on the host, a path
				 * without glob characters is also resolved in the
				 * built tree (inside bind mounts, through symlinks) */
	size_t nhide;
	char **ro;		/* absolute paths made read-only */
	size_t nro;
	struct tree_file *files;	/* presented files (/etc/resolv.conf, ...) */
	size_t nfiles;
	const char *host_name;	/* NULL, or the guest's host name, which a memory
				 * overlay's /etc/hosts is given (for 127.0.1.1) */
	/*
	 * Whether the gofer serves as the guest's own user, not as the
	 * runner: set when the guest's ids are its own on the host too
	 * (spec_own_ids()), then the gofer writes with @uid and @gid.
	 */
	bool own_ids;
	uid_t uid;
	gid_t gid;
};

/* The default size of a memory overlay's upper layer. */
#define TREE_DEFAULT_DISK (1ull << 30)

/*
 * Files, directories and links take no blocks of a tmpfs but kernel memory
 * (an inode, a dentry, its name: up to 2 KiB with the overlay's), charged to
 * the gofer that makes them, outside the guest's --memory.  So each counts as
 * this much of the size: a tmpfs holds size / TREE_INODE_BYTES of them.
 */
#define TREE_INODE_BYTES 4096ull
#define TREE_MIN_INODES 1024ull

/**
 * tree_build() - build the sandbox tree and make it this process's root
 * @t:		what to build
 * @late:	t->nfiles fds, set to -1: receives an fd open for appending to
 *		each late file (its staged copy, which the read-only mount shows)
 * @e:		error
 *
 * Must run in fresh user and mount namespaces with all capabilities in them.
 * Return: 0, or -errno with @e naming what failed
 */
int tree_build(const struct gofer_tree *t, int *late, struct merr *e);

/**
 * tree_unveil() - detach the host's proc and sysfs from the gofer's tree
 *
 * tree_build() binds them where the guest mounts its own, because the kernel
 * requires a visible instance for that; once the guest's mount namespace has
 * been copied, the gofer lets go of them.
 * Return: 0 or -errno
 */
int tree_unveil(const struct gofer_tree *t, struct merr *e);

/**
 * tree_needs_guest_mount() - whether a mount is left to the guest's init
 */
static inline bool tree_needs_guest_mount(const struct tree_mount *m)
{
	return m->type == TM_PROC || m->type == TM_DEVPTS || m->type == TM_SYSFS ||
	       m->type == TM_MQUEUE;
}

#endif
