// SPDX-License-Identifier: MIT
/*
 * fs.c - the guest's path-based file-system calls.
 *
 * Theory of operation
 * -------------------
 * Lookups (open for reading, the stat family, access, readlink, statfs,
 * xattrs) are answered by the sentry in the read-only view of the sandbox:
 * one openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from the guest's root,
 * then an fd-based call on the result (statfs asks the gofer whether the
 * mount is read-only: the view's all are).  Anything that changes the file system
 * is sent to the gofer as (op, absolute path): create, write-open, mkdir,
 * unlink, rename, link, symlink, chmod, chown, truncate, utimes, xattrs, bind.
 * The changes that name their object by an fd (fchmod, fchown, futimens,
 * fsetxattr, fremovexattr) run natively on a writable fd and are made by path
 * for an fd of the read-only view (fd_change_path()).  A process's mounts
 * and mountinfo are given as a copy that says "rw" where writes work
 * (mounts_as_written()).
 * Opened files reach the guest as fds installed by the kernel
 * (SECCOMP_ADDFD_FLAG_SEND); struct results are copied into guest memory.
 *
 * Objects that are not plain files of the sandbox's tree (devices, FIFOs,
 * sockets, procfs and devpts files) are opened by the sentry itself, by
 * reopening the O_PATH fd it resolved: they exist only in the guest's mount
 * namespace, and writing to them changes no file.  Two such objects are
 * refused: the sentry's own controlling terminal (/dev/tty: ENXIO, as for a
 * process without one, which the guest is) and procfs/sysfs files outside
 * the caller's /proc/<pid> (EACCES): the guest is root in its namespace, and
 * some kernel files check only for uid 0.
 *
 * The guest's arguments are copied out of its memory before anything is done,
 * and the notification is checked to be still pending after the copy.
 *
 * While the trust store's files wait for the sandbox's CA (outbound starts on
 * first use: network.c), every fd given to the guest and every stat result is
 * checked against them first (late_complete()); afterwards nothing is.
 */
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/inotify.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

#include "fdio.h"
#include "log.h"
#include "sentry/handlers.h"
#include "sentry/mem.h"
#include "sentry/path.h"
#include "sys.h"
#include "syscall_nr.h"
#include "util.h"

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif
#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif

/*
 * The kernel's VALID_OPEN_FLAGS and O_PATH_FLAGS (include/linux/fcntl.h).
 * Its O_LARGEFILE, which glibc calls 0 on x86-64, is 0100000, and set on
 * every open there anyway: the gofer is not asked for it.
 */
#define KERNEL_O_LARGEFILE 0100000
#define OPEN_FLAGS_VALID                                                                 \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_SYNC | \
	 O_DSYNC | O_ASYNC | O_DIRECT | KERNEL_O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW |        \
	 O_NOATIME | O_CLOEXEC | O_PATH | __O_TMPFILE)
#define OPEN_FLAGS_PATH (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)

static bool ends_with_slash(const char *s)
{
	size_t n = strlen(s);

	return n && s[n - 1] == '/';
}

static bool is_refusal(int err)
{
	return err == EACCES || err == EPERM || err == EROFS;
}

/* Record a result: >= 0 is the return value, < 0 an errno. */
static void finish(struct call *c, long r)
{
	if (r < 0)
		call_fail(c, (int)-r, is_refusal((int)-r));
	else
		c->val = r;
}

bool late_complete(struct call *c, dev_t dev, ino_t ino)
{
	struct late_files *l = &c->s->late;
	bool done = false;
	size_t i;

	if (!atomic_load(&l->pending))
		return false;
	for (i = 0; i < l->n && (l->ids[i].dev != dev || l->ids[i].ino != ino); i++)
		;
	if (i == l->n)
		return false;
	sentry_may_block(c);	/* outbound takes milliseconds to start */
	pthread_mutex_lock(&l->lock);
	if (atomic_load(&l->pending)) {
		struct merr e = { 0 };

		if (l->fill(l->ctx, sentry_gofer_channel(c), &e) < 0)
			log_err("the sandbox's CA is not in its trust store: %s", e.msg);
		atomic_store(&l->pending, false);
		done = true;
	}
	pthread_mutex_unlock(&l->lock);
	return done;
}

/* Answer with @fd as a new fd of the guest (or with the error in @fd). */
static void give_fd(struct call *c, int fd, bool cloexec)
{
	struct stat st;

	if (fd < 0) {
		finish(c, fd);
		return;
	}
	if (atomic_load(&c->s->late.pending) && fstat(fd, &st) == 0)
		late_complete(c, st.st_dev, st.st_ino);
	c->inject = fd;
	c->inject_cloexec = cloexec;
}

/* The guest's own mount (init's or set-up's: not in the gofer's tree) @abs is in, or NULL. */
static const struct tree_mount *guest_mounted(struct call *c, const char *abs)
{
	const struct gofer_tree *t = &c->s->spec->tree;

	for (size_t i = 0; i < t->nmounts; i++) {
		const char *dst = t->mounts[i].dst;
		size_t n = strlen(dst);

		if (!tree_needs_guest_mount(&t->mounts[i]))
			continue;
		if (!strncmp(abs, dst, n) && (abs[n] == '\0' || abs[n] == '/'))
			return &t->mounts[i];
	}
	return NULL;
}

/*
 * Create @abs, which is not there, in the guest's own mount @m.  Of those,
 * only an mqueue takes new files: each is a message queue with the default
 * attributes, as the kernel makes one for open(O_CREAT) there (mq_open() is
 * the kernel's own call and needs no help).  The opener creates it with the
 * guest's credentials, so that the kernel's checks, limits and the queue's
 * owner are the guest's.  mqueue has no directories, so only a name right
 * below the mount can be made ("." and ".." are there, and never come here).
 * proc and devpts have no create at all, and the kernel says EACCES; sysfs is
 * read-only.
 */
static int create_in_guest_mount(struct call *c, const struct tree_mount *m, const char *abs,
				 int flags, mode_t mode)
{
	const char *name = abs + strlen(m->dst);

	if (m->type == TM_SYSFS)
		return -EROFS;
	if (m->type != TM_MQUEUE || name[0] != '/' || !name[1] || (flags & __O_TMPFILE) == __O_TMPFILE)
		return -EACCES;
	if (strchr(name + 1, '/'))
		return -ENOENT;	/* below a name that is not there (the lookup said so) */
	return guestproc_create(&c->s->procs, abs, flags & ~O_CREAT,
				mode & 07777 & ~call_umask(c));
}

mode_t call_umask(struct call *c)
{
	char rel[64], buf[1024];
	_cleanup_close_ int fd = -1;
	const char *p;
	ssize_t n;

	snprintf(rel, sizeof(rel), "%d/status", c->tid);
	fd = openat(c->s->hostproc, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 022;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 022;
	buf[n] = '\0';
	p = strstr(buf, "Umask:");
	return p ? (mode_t)strtoul(p + 6, NULL, 8) & 0777 : 022;
}

static int gofer(struct call *c, struct gofer_req *req, const char *s1, const void *s2,
		 size_t len2, int fd_in, int *fd_out)
{
	int r;

	r = sentry_gofer_channel(c);
	if (r < 0)
		return -EIO;
	r = gofer_call(r, req, s1, s2, len2, fd_in, fd_out);
	if (r == -EPROTO || r == -ECONNRESET)
		return -EIO;
	return r;
}

/*
 * Open a non-plain object (device, FIFO, socket, procfs or devpts file) that
 * the sentry resolved to @opath, with the guest's @flags.
 */
static int reopen_special(struct call *c, const char *abs, int opath, const struct stat *st,
			  int flags)
{
	struct statfs sfs;

	(void)st;
	if (fstatfs(opath, &sfs) == 0) {
		if (sfs.f_type == SYSFS_MAGIC && (flags & O_ACCMODE) != O_RDONLY)
			return -EROFS;
		if (sfs.f_type == PROC_SUPER_MAGIC && (flags & O_ACCMODE) != O_RDONLY) {
			char copy[PATH_MAX];
			int own;
			const char *p;

			snprintf(copy, sizeof(copy), "%s", abs);
			if (path_rewrite_proc(c, copy, sizeof(copy), &own) < 0)
				return -EACCES;
			p = copy + 5;	/* after "/proc" */
			if (strncmp(copy, "/proc/", 6) || p[1] < '1' || p[1] > '9')
				return -EACCES;
		}
	}
	/* A /proc/<pid> file is opened again as the guest once open (path.c). */
	return path_reopen(c, opath, flags);
}

static bool is_special(int fd, const struct stat *st)
{
	struct statfs sfs;

	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode))
		return true;
	if (fstatfs(fd, &sfs) < 0)
		return false;
	return sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC ||
	       sfs.f_type == DEVPTS_SUPER_MAGIC || sfs.f_type == MQUEUE_MAGIC;
}

/* The guest's openat2 resolve flags that only tighten resolution. */
#define PASS_RESOLVE (RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS)
#define CONFINE_RESOLVE (RESOLVE_BENEATH | RESOLVE_IN_ROOT)

/* An openat2() confined to the guest's dirfd (RESOLVE_BENEATH or _IN_ROOT). */
struct confined {
	int base;		/* the dirfd (or cwd), our O_PATH duplicate */
	const char *dir;	/* its sandbox path */
	const char *rel;	/* the guest's path, resolved from there */
	uint64_t resolve;
};

/*
 * Open @abs for writing (or creating): an object that exists is checked in
 * the view first, then the gofer opens it.  With @cf, @abs only names the
 * object for the /proc checks: the object is resolved from @cf's directory,
 * in the view and by the gofer alike.
 */
/*
 * O_CREAT of a name with a trailing slash (@path, or @cf's): the kernel looks
 * up the directory it would be made in, and then says EISDIR whatever is or
 * is not there under that name (a file, a directory, nothing).
 */
static int create_with_slash(struct call *c, const char *path, uint64_t resolve,
			     const struct confined *cf)
{
	char dir[PATH_MAX];
	size_t n = strlen(cf ? cf->rel : path);
	char *slash;
	int fd;

	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, cf ? cf->rel : path, n + 1);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (cf) {
		fd = sys_openat2(cf->base, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
				 cf->resolve | RESOLVE_NO_MAGICLINKS);
		fd = fd < 0 ? -errno : fd;
	} else {
		fd = view_open(c, dir, O_PATH | O_DIRECTORY, resolve);
	}
	if (fd < 0)
		return fd;
	close(fd);
	return -EISDIR;
}

static int open_write_depth(struct call *c, const char *abs, int flags, mode_t mode,
			    uint64_t resolve, const struct confined *cf, int depth)
{
	char path[PATH_MAX], asked[PATH_MAX];
	_cleanup_close_ int probe = -1;
	struct gofer_req req = { .op = cf ? GOFER_OPEN_AT : GOFER_OPEN };
	const struct tree_mount *gm;
	struct stat st;
	int own, fd, r;

	snprintf(path, sizeof(path), "%s", abs);
	r = path_rewrite_proc(c, path, sizeof(path), &own);
	if (r < 0)
		return r;
	if (own >= 0 && !cf) {	/* confined, a magic link is refused below */
		if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
			return -EEXIST;
		return path_open_own_fd(c, own, flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW));
	}
	if (!cf && !resolve && !(flags & O_NOFOLLOW)) {
		/* another process's fd/<n>, an exe: the file the link names (on the
		 * gofer's writable mount, for a file the gofer opened) */
		r = path_open_proc_link(c, path, flags & ~(O_CREAT | O_EXCL));
		if (r >= 0 && (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
			close(r);
			return -EEXIST;
		}
		if (r != -ENOTSUP)
			return r;
	}
	if ((flags & O_CREAT) && ends_with_slash(cf ? cf->rel : path))
		return create_with_slash(c, path, resolve, cf);
	if (cf) {
		probe = sys_openat2(cf->base, cf->rel, O_PATH | O_CLOEXEC | (flags & O_NOFOLLOW), 0,
				    cf->resolve | RESOLVE_NO_MAGICLINKS);
		probe = probe < 0 ? -errno : probe;
	} else {
		strcpy(asked, path);
		probe = view_open_links(c, path, sizeof(path), O_PATH | (flags & O_NOFOLLOW), resolve);
		/* symlinks led into /proc (the caller's own fd, a procfs file) or a
		 * process's cwd led out of it, and no further: the path there is
		 * opened as if the guest named it (once more only: links that led
		 * around in a circle, or changed under it, are ELOOP) */
		if (strcmp(asked, path) && (probe >= 0 || probe == -ENOENT))
			return depth < 2 ? open_write_depth(c, path, flags, mode, resolve, NULL,
							    depth + 1)
					 : -ELOOP;
	}
	if (probe >= 0) {
		if (fstat(probe, &st) < 0)
			return -errno;
		if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
			return -EEXIST;
		if (S_ISLNK(st.st_mode))
			return -ELOOP;
		if (is_special(probe, &st))
			return reopen_special(c, path, probe, &st, flags);
		if (S_ISDIR(st.st_mode) && (flags & __O_TMPFILE) != __O_TMPFILE)
			return -EISDIR;
	} else if (probe != -ENOENT || !(flags & (O_CREAT | __O_TMPFILE))) {
		return probe;
	}
	gm = guest_mounted(c, path);
	if (gm)
		return create_in_guest_mount(c, gm, path, flags, mode);
	req.flags = (uint32_t)(flags & ~(O_CLOEXEC | KERNEL_O_LARGEFILE));
	req.mode = (uint32_t)(mode & 07777 & ~call_umask(c));
	if (cf) {
		req.a = cf->resolve;
		r = gofer(c, &req, cf->dir, cf->rel, strlen(cf->rel) + 1, -1, &fd);
	} else {
		r = gofer(c, &req, path, NULL, 0, -1, &fd);
	}
	if (r < 0)
		return r;
	atomic_store(&c->s->gofer_fds, true);	/* see sentry_settle_fds() */
	return fd;
}

static int open_write(struct call *c, const char *abs, int flags, mode_t mode, uint64_t resolve,
		      const struct confined *cf)
{
	return open_write_depth(c, abs, flags, mode, resolve, cf, 0);
}

/* Copy the path a call names and check the call is still pending. */
static int read_path(struct call *c, uint64_t addr, int atflags)
{
	int r = path_read(c, addr);

	if (r < 0)
		return r;
	if (c->path[0] == '\0' && !(atflags & AT_EMPTY_PATH))
		return -ENOENT;
	return call_still_valid(c) ? 0 : -EINTR;
}

static void do_open_path(struct call *c, int dirfd, int flags, mode_t mode, uint64_t resolve);
static int mounts_as_written(struct call *c, const char *abs, int fd);

static void do_open(struct call *c, int dirfd, uint64_t addr, int flags, mode_t mode,
		    uint64_t resolve)
{
	int r = read_path(c, addr, 0);

	if (r < 0) {
		finish(c, r);
		return;
	}
	do_open_path(c, dirfd, flags, mode, resolve);
}

/* The open of c->path (already read), by absolute path string. */
static void do_open_path(struct call *c, int dirfd, int flags, mode_t mode, uint64_t resolve)
{
	char abs[PATH_MAX];
	bool write = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) ||
		     (flags & __O_TMPFILE) == __O_TMPFILE;
	int r, fd;

	if (flags & O_PATH) {
		/*
		 * Only openat2() gets here with O_PATH (open and openat run it
		 * natively): an O_PATH fd cannot be installed in the guest, so a
		 * read-only fd of the same object is given instead.
		 */
		flags = (flags & (O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW)) | O_RDONLY | O_NONBLOCK;
		write = false;
	}
	r = path_abs(c, dirfd, c->path, abs, sizeof(abs));
	if (r < 0) {
		finish(c, r);
		return;
	}
	if (write) {
		fd = open_write(c, abs, flags, mode, resolve, NULL);
	} else {
		/* the path reached, through symlinks too (/etc/mtab) */
		fd = view_open_links(c, abs, sizeof(abs), flags & ~O_CLOEXEC, resolve);
		fd = mounts_as_written(c, abs, fd);
	}
	give_fd(c, fd, flags & O_CLOEXEC);
}

/* Reads: relative to the caller's own base when the worker is chrooted. */
static void do_open_fast(struct call *c, int dirfd, uint64_t addr, int flags, mode_t mode,
			 uint64_t resolve)
{
	bool write = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) ||
		     (flags & __O_TMPFILE) == __O_TMPFILE || (flags & O_PATH);
	int base, fd, r;

	if (write || !c->s->chrooted) {
		do_open(c, dirfd, addr, flags, mode, resolve);
		return;
	}
	r = read_path(c, addr, 0);
	if (r < 0) {
		finish(c, r);
		return;
	}
	base = path_base(c, dirfd);
	if (base == PATH_SLOW) {
		do_open_path(c, dirfd, flags, mode, resolve);
		return;
	}
	if (base < 0 && base != AT_FDCWD) {
		finish(c, base);
		return;
	}
	fd = view_open_at(c, base, c->path, flags & ~O_CLOEXEC, resolve);
	if (fd < 0 && path_retry_slow(base, c->path, -fd)) {
		close(base);
		do_open_path(c, dirfd, flags, mode, resolve);
		return;
	}
	if (base >= 0)
		close(base);
	give_fd(c, fd, flags & O_CLOEXEC);
}

/*
 * open() and openat() ignore the flag bits they do not know, as the kernel
 * does (openat2() refuses them); O_CREAT with O_DIRECTORY is EINVAL for all
 * three, before the path is looked at.
 */
static void open_flags_served(struct call *c, int dirfd, uint64_t addr, int flags, mode_t mode)
{
	flags &= OPEN_FLAGS_VALID;
	if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY)) {
		finish(c, -EINVAL);
		return;
	}
	do_open_fast(c, dirfd, addr, flags, mode, 0);
}

void h_open(struct call *c)
{
	open_flags_served(c, AT_FDCWD, arg(c, 0), arg_int(c, 1), (mode_t)arg(c, 2));
}

void h_openat(struct call *c)
{
	open_flags_served(c, arg_int(c, 0), arg(c, 1), arg_int(c, 2), (mode_t)arg(c, 3));
}

void h_creat(struct call *c)
{
	do_open(c, AT_FDCWD, arg(c, 0), O_CREAT | O_WRONLY | O_TRUNC, (mode_t)arg(c, 1), 0);
}

/*
 * openat2() confined to the guest's dirfd: resolved from there, in the view
 * for a read and by the gofer for a write, with the guest's RESOLVE_* flags.
 */
static void open_confined(struct call *c, int dirfd, uint64_t addr, const struct open_how *how)
{
	char abs[PATH_MAX], dir[PATH_MAX], rel[64];
	uint64_t resolve = how->resolve & (PASS_RESOLVE | CONFINE_RESOLVE);
	int flags = (int)how->flags, base, fd, r;
	const char *p;
	bool write;

	r = read_path(c, addr, 0);
	if (r < 0) {
		finish(c, r);
		return;
	}
	if (dirfd == AT_FDCWD) {
		snprintf(rel, sizeof(rel), "%d/cwd", c->tid);
		base = openat(c->s->hostproc, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
		base = base < 0 ? -errno : base;
	} else {
		base = path_open_own_fd(c, dirfd, O_PATH | O_DIRECTORY);
	}
	if (base < 0) {
		finish(c, base);
		return;
	}
	if (flags & O_PATH)	/* an O_PATH fd cannot be installed: as do_open_path() */
		flags = (flags & (O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW)) | O_RDONLY | O_NONBLOCK;
	write = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) ||
		(flags & __O_TMPFILE) == __O_TMPFILE;
	if (!write) {
		fd = view_open_at(c, base, c->path, flags & ~O_CLOEXEC, resolve);
	} else {
		/* The sandbox path, for the /proc checks: RESOLVE_IN_ROOT's "/" is dirfd. */
		for (p = c->path; *p == '/'; p++)
			;
		fd = path_abs(c, dirfd, "", dir, sizeof(dir));
		if (fd == 0)
			fd = path_abs(c, dirfd, p, abs, sizeof(abs));
		if (fd == 0) {
			struct confined cf = { base, dir, c->path, resolve };

			fd = open_write(c, abs, flags, (mode_t)how->mode, 0, &cf);
		}
	}
	close(base);
	give_fd(c, fd, flags & O_CLOEXEC);
}

void h_openat2(struct call *c)
{
	struct open_how how;
	size_t size = arg(c, 3);
	char rest[64];

	if (size < sizeof(how) || size > 4096) {
		finish(c, -EINVAL);
		return;
	}
	if (mem_read(c->tid, arg(c, 2), &how, sizeof(how)) < 0) {
		finish(c, -EFAULT);
		return;
	}
	/* Fields of a newer struct must be zero, as the kernel requires. */
	for (size_t off = sizeof(how); off < size; off += sizeof(rest)) {
		size_t n = MIN(sizeof(rest), size - off);

		if (mem_read(c->tid, arg(c, 2) + off, rest, n) < 0) {
			finish(c, -EFAULT);
			return;
		}
		for (size_t i = 0; i < n; i++) {
			if (rest[i]) {
				finish(c, -E2BIG);
				return;
			}
		}
	}
	if ((how.flags & ~(uint64_t)OPEN_FLAGS_VALID) ||
	    (how.mode && !(how.flags & (O_CREAT | __O_TMPFILE))) || how.mode > 07777 ||
	    (how.flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY) ||
	    ((how.flags & O_PATH) && (how.flags & ~(uint64_t)OPEN_FLAGS_PATH))) {
		finish(c, -EINVAL);
		return;
	}
	if ((how.resolve & ~(uint64_t)(PASS_RESOLVE | CONFINE_RESOLVE | RESOLVE_CACHED)) ||
	    (how.resolve & CONFINE_RESOLVE) == CONFINE_RESOLVE) {
		finish(c, -EINVAL);
		return;
	}
	if (how.resolve & CONFINE_RESOLVE) {
		open_confined(c, arg_int(c, 0), arg(c, 1), &how);
		return;
	}
	do_open(c, arg_int(c, 0), arg(c, 1), (int)how.flags, (mode_t)how.mode,
		how.resolve & PASS_RESOLVE);
}

/* The object c->path names, by absolute path string.  Return: O_PATH fd or -errno. */
static int lookup_slow(struct call *c, int dirfd, int atflags)
{
	char abs[PATH_MAX];
	int r = path_abs(c, dirfd, c->path, abs, sizeof(abs));

	if (r < 0)
		return r;
	if (c->path[0] == '\0') {
		if (dirfd == AT_FDCWD)
			return view_open(c, abs, O_PATH, 0);
		return path_open_own_fd(c, dirfd, O_PATH);
	}
	return view_open(c, abs, O_PATH | ((atflags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0), 0);
}

/*
 * Resolve the object a lookup call names, in the read-only view: relative to
 * the caller's own dirfd in a chrooted worker, else by absolute path string.
 * Return: O_PATH fd, or -errno.
 */
static int lookup(struct call *c, int dirfd, uint64_t addr, int atflags)
{
	int r = read_path(c, addr, atflags), base, fd;
	int nofollow = (atflags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0;

	if (r < 0)
		return r;
	base = path_base(c, dirfd);
	if (base == PATH_SLOW)
		return lookup_slow(c, dirfd, atflags);
	if (base < 0 && base != AT_FDCWD)
		return base;
	fd = view_open_at(c, base, c->path, O_PATH | nofollow, 0);
	if (fd < 0 && path_retry_slow(base, c->path, -fd))
		fd = lookup_slow(c, dirfd, atflags);
	if (base >= 0)
		close(base);
	return fd;
}

/* A struct stat into the guest's memory, its owner as the guest's namespace shows it. */
static int write_stat(struct call *c, uint64_t buf, struct stat *st)
{
	st->st_uid = ids_guest(&c->s->uids, st->st_uid);
	st->st_gid = ids_guest(&c->s->gids, st->st_gid);
	return mem_write(c->tid, buf, st, sizeof(*st));
}

void h_stat(struct call *c)
{
	int nr = c->n->data.nr, dirfd = AT_FDCWD, atflags = 0, base, r;
	uint64_t path = arg(c, 0), buf = arg(c, 1);
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (nr == __NR_lstat) {
		atflags = AT_SYMLINK_NOFOLLOW;
	} else if (nr == __NR_newfstatat) {
		dirfd = arg_int(c, 0);
		path = arg(c, 1);
		buf = arg(c, 2);
		atflags = arg_int(c, 3);
		if (atflags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) {
			finish(c, -EINVAL);
			return;
		}
	}
	/* The hottest call of all: one fstatat() from the caller's own base. */
	r = read_path(c, path, atflags);
	if (r < 0) {
		finish(c, r);
		return;
	}
	base = path_base(c, dirfd);
	if (base != PATH_SLOW && (base >= 0 || base == AT_FDCWD)) {
		r = fstatat(base, c->path, &st, atflags & AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
		if (r == 0 && late_complete(c, st.st_dev, st.st_ino))
			r = fstatat(base, c->path, &st, atflags & AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
		if (r == 0 || !path_retry_slow(base, c->path, -r)) {
			if (base >= 0)
				close(base);
			finish(c, r < 0 ? r : write_stat(c, buf, &st));
			return;
		}
	}
	if (base >= 0)
		close(base);
	if (base < 0 && base != AT_FDCWD && base != PATH_SLOW) {
		finish(c, base);
		return;
	}
	fd = lookup_slow(c, dirfd, atflags);
	if (fd < 0) {
		finish(c, fd);
		return;
	}
	if (fstat(fd, &st) < 0 || (late_complete(c, st.st_dev, st.st_ino) && fstat(fd, &st) < 0)) {
		finish(c, -errno);
		return;
	}
	finish(c, write_stat(c, buf, &st));
}

void h_statx(struct call *c)
{
	int atflags = arg_int(c, 2);
	_cleanup_close_ int fd = -1;
	struct statx stx;
	struct stat st;

	if (atflags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
			AT_STATX_SYNC_TYPE)) {
		finish(c, -EINVAL);
		return;
	}
	fd = lookup(c, arg_int(c, 0), arg(c, 1), atflags);
	if (fd < 0) {
		finish(c, fd);
		return;
	}
	if (atomic_load(&c->s->late.pending) && fstat(fd, &st) == 0)
		late_complete(c, st.st_dev, st.st_ino);
	if (statx(fd, "", AT_EMPTY_PATH | (atflags & AT_STATX_SYNC_TYPE),
		  (unsigned)arg(c, 3), &stx) < 0) {
		finish(c, -errno);
		return;
	}
	stx.stx_uid = ids_guest(&c->s->uids, stx.stx_uid);
	stx.stx_gid = ids_guest(&c->s->gids, stx.stx_gid);
	finish(c, mem_write(c->tid, arg(c, 4), &stx, sizeof(stx)));
}

void h_access(struct call *c)
{
	int nr = c->n->data.nr, dirfd = AT_FDCWD, mode, atflags = 0;
	uint64_t path = arg(c, 0);
	_cleanup_close_ int fd = -1;
	struct stat st;
	char abs[PATH_MAX];

	if (nr == __NR_access) {
		mode = arg_int(c, 1);
	} else {
		dirfd = arg_int(c, 0);
		path = arg(c, 1);
		mode = arg_int(c, 2);
		if (nr == __NR_faccessat2)
			atflags = arg_int(c, 3);
	}
	if ((mode & ~(R_OK | W_OK | X_OK)) ||
	    (atflags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))) {
		finish(c, -EINVAL);
		return;
	}
	fd = lookup(c, dirfd, path, atflags);
	if (fd < 0) {
		finish(c, fd);
		return;
	}
	if ((mode & W_OK) && fstat(fd, &st) == 0 && !is_special(fd, &st)) {
		/* Write access is a question for the writable view. */
		struct gofer_req req = { .op = GOFER_ACCESS, .mode = (uint32_t)mode,
					 .flags = (uint32_t)(atflags & (AT_EACCESS |
								       AT_SYMLINK_NOFOLLOW)) };

		if (path_abs(c, dirfd, c->path, abs, sizeof(abs)) < 0) {
			finish(c, -ENOENT);
			return;
		}
		finish(c, gofer(c, &req, abs, NULL, 0, -1, NULL));
		return;
	}
	/*
	 * access() asks with the real ids, which the kernel takes from the
	 * worker's; a guest with ids of its own (spec_own_ids()) has them as
	 * the worker's file-system ids only, which AT_EACCESS asks with (and
	 * the guest's real and effective ids are the same).
	 */
	if (c->s->spec->own_ids)
		atflags |= AT_EACCESS;
	finish(c, (int)syscall(SYS_faccessat2, fd, "", mode,
			       AT_EMPTY_PATH | (atflags & AT_EACCESS)) < 0 ? -errno : 0);
}

/*
 * The text of the guest procfs's "self" or "thread-self" link, which @fd
 * names: the kernel's is the reader's ids, and the sentry has none in the
 * guest's pid namespace (ENOENT), so it is the caller's.
 * Return: its length, or -1 with errno ENOENT when @fd is another object.
 */
static ssize_t proc_self_link(struct call *c, int fd, char *out, size_t cap)
{
	const char *name = strrchr(c->path, '/') ? strrchr(c->path, '/') + 1 : c->path;
	pid_t tgid, tid;
	struct statfs sfs;
	struct stat st;
	int n;

	if ((strcmp(name, "self") && strcmp(name, "thread-self")) || fstat(fd, &st) < 0 ||
	    !S_ISLNK(st.st_mode) || fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC ||
	    path_ns_ids(c, &tgid, &tid) < 0) {
		errno = ENOENT;
		return -1;
	}
	n = name[0] == 's' ? snprintf(out, cap, "%d", (int)tgid)
			   : snprintf(out, cap, "%d/task/%d", (int)tgid, (int)tid);
	return n;
}

void h_readlink(struct call *c)
{
	bool at = c->n->data.nr == __NR_readlinkat;
	uint64_t buf = arg(c, at ? 2 : 1);
	size_t size = arg(c, at ? 3 : 2);
	_cleanup_close_ int fd = -1;
	char target[PATH_MAX];
	ssize_t n;

	if ((ssize_t)size <= 0) {
		finish(c, -EINVAL);
		return;
	}
	/* readlinkat() takes an empty path as the object its dirfd names. */
	fd = lookup(c, at ? arg_int(c, 0) : AT_FDCWD, arg(c, at ? 1 : 0),
		    AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH);
	if (fd < 0) {
		finish(c, fd);
		return;
	}
	n = readlinkat(fd, "", target, sizeof(target));
	if (n < 0 && errno == ENOENT)
		n = proc_self_link(c, fd, target, sizeof(target));
	if (n >= 0) {
		/*
		 * A process's links (exe, cwd, fd/N) are read as the guest reads
		 * them, named as the kernel names the link the lookup reached
		 * (through a symlink or a dirfd as well); /proc/self is no
		 * process's directory, and any other file is not on a procfs.
		 */
		char abs[PATH_MAX];
		ssize_t r = path_proc_file(c, fd, abs, sizeof(abs));

		if (r > 0) {
			pid_t pid = (pid_t)r;

			r = path_proc_as_guest(c, abs, pid, 0, 0, target, sizeof(target));
			if (r == 1 || (r == -ENOSYS && n == 1))
				r = path_stdio_name(c, abs, pid, target, sizeof(target));
		}
		if (r < 0 && r != -ENOSYS) {
			finish(c, (int)r);
			return;
		}
		if (r > 0)
			n = r;
	}
	if (n < 0) {
		/*
		 * On our O_PATH fd, a non-symlink is ENOENT; for a path the guest
		 * named it is EINVAL.  An empty path gets what the kernel says.
		 */
		finish(c, errno == ENOENT && c->path[0] ? -EINVAL : -errno);
		return;
	}
	n = MIN((size_t)n, size);
	if (mem_write(c->tid, buf, target, (size_t)n) < 0) {
		finish(c, -EFAULT);
		return;
	}
	c->val = n;
}

/*
 * Whether @sfs is of a file system the guest's view holds but the gofer's tree
 * does not (the guest's own mounts), where the view's answer is the answer.
 */
static bool guest_only_fs(const struct statfs *sfs)
{
	return sfs->f_type == PROC_SUPER_MAGIC || sfs->f_type == SYSFS_MAGIC ||
	       sfs->f_type == DEVPTS_SUPER_MAGIC || sfs->f_type == MQUEUE_MAGIC;
}

/*
 * ST_RDONLY (or 0) of the gofer's mount of @fd, the object the view has at
 * @path (its file system @sfs), or -errno where the gofer cannot say (a file
 * system of the guest's own, another object there, no gofer).
 */
static int gofer_ro(struct call *c, const char *path, int fd, const struct statfs *sfs)
{
	struct gofer_req req = { .op = GOFER_STATFS };
	struct stat st;

	if (guest_only_fs(sfs))
		return -ENOTSUP;
	if (fstat(fd, &st) < 0)
		return -errno;
	req.a = (uint64_t)st.st_dev;
	req.b = (uint64_t)st.st_ino;
	return gofer(c, &req, path, NULL, 0, -1, NULL);
}

/* Whether the gofer's mount of the object at @path (in the view) is writable. */
static bool written_rw(struct call *c, const char *path)
{
	_cleanup_close_ int fd = view_open(c, path, O_PATH | O_NOFOLLOW, 0);
	struct statfs sfs;

	return fd >= 0 && fstatfs(fd, &sfs) == 0 && gofer_ro(c, path, fd, &sfs) == 0;
}

/* The mount point @f (escaped as the kernel writes it: \040 for a space...) into @out. */
static bool unescape_field(const char *f, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (o + 1 >= cap)
			return false;
		if (f[i] == '\\' && i + 3 < len &&
		    f[i + 1] >= '0' && f[i + 1] <= '3' && f[i + 2] >= '0' && f[i + 2] <= '7' &&
		    f[i + 3] >= '0' && f[i + 3] <= '7') {
			out[o++] = (char)((f[i + 1] - '0') << 6 | (f[i + 2] - '0') << 3 | (f[i + 3] - '0'));
			i += 3;
		} else {
			out[o++] = f[i];
		}
	}
	out[o] = '\0';
	return true;
}

#define MOUNTS_MAX (4u << 20)	/* bytes of a mounts file rewritten; a larger one is left */

/*
 * /proc/<pid>/mounts and mountinfo (and /etc/mtab, which leads there) list
 * the guest's mounts as its view has them, every one read-only: the guest
 * reads through a read-only view, the gofer writes through its own.  The
 * copy the guest is given says "rw" where the gofer's mount at that place is
 * writable, as statfs() does, so that a program that looks there before it
 * writes (Java's FileStore.isReadOnly(), psutil) sees what writes will do.
 * The copy is a sealed memfd, opened again read-only.  Return: the copy's
 * fd, or @fd (a file of another name, an error, a copy that could not be made)
 */
static int mounts_as_written(struct call *c, const char *abs, int fd)
{
	bool info = false;
	size_t len = strlen(abs), n = 0;
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int mfd = -1;
	char *line;
	int out;

	if (fd < 0 || strncmp(abs, "/proc/", 6))
		return fd;
	if (len > 10 && !strcmp(abs + len - 10, "/mountinfo"))
		info = true;
	else if (len <= 7 || strcmp(abs + len - 7, "/mounts"))
		return fd;
	buf = malloc(MOUNTS_MAX + 1);
	if (!buf)
		return fd;
	for (ssize_t r; n < MOUNTS_MAX && (r = read(fd, buf + n, MOUNTS_MAX - n)) != 0;) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return fd;
		}
		n += (size_t)r;
	}
	if (n == MOUNTS_MAX || lseek(fd, 0, SEEK_SET) < 0)
		return fd;
	buf[n] = '\0';
	for (line = buf; line < buf + n;) {
		char *end = strchr(line, '\n'), *field[6] = { NULL }, path[PATH_MAX], *opts;
		size_t nf = 0, want = info ? 6 : 4, point = info ? 4 : 1;

		end = end ? end : buf + n;
		for (char *p = line; p < end && nf < want; nf++) {
			field[nf] = p;
			p += strcspn(p, " \n");
			p += *p == ' ';
		}
		/* mountinfo: the point is field 5, its options 6; mounts: 2 and 4 */
		opts = field[want - 1];
		if (nf == want && !strncmp(opts, "ro", 2) && strchr(", \n", opts[2]) && opts[2] &&
		    unescape_field(field[point], strcspn(field[point], " "), path, sizeof(path)) &&
		    path[0] == '/' && written_rw(c, path))
			opts[1] = 'w';
		line = end + 1;
	}
	mfd = memfd_create("moat-mounts", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0 || write_full(mfd, buf, n) < 0 ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return fd;
	out = path_reopen(c, mfd, O_RDONLY);
	if (out < 0)
		return fd;
	close(fd);
	return out;
}

/*
 * statfs() answers from the read-only view, which shares every file system
 * with the gofer's tree (the same sizes and counts) but marks every mount
 * read-only.  Whether a mount is read-only is asked of the writable view, for
 * the very object the lookup found; where the gofer cannot say (another
 * object there, no gofer) the view's ST_RDONLY stays, as writes would fail.
 */
void h_statfs(struct call *c)
{
	_cleanup_close_ int fd = lookup(c, AT_FDCWD, arg(c, 0), 0);
	struct statfs sfs;
	char abs[PATH_MAX];
	int ro;

	if (fd < 0) {
		finish(c, fd);
		return;
	}
	if (fstatfs(fd, &sfs) < 0) {
		finish(c, -errno);
		return;
	}
	ro = guest_only_fs(&sfs) || path_abs(c, AT_FDCWD, c->path, abs, sizeof(abs)) < 0
		     ? -ENOTSUP : gofer_ro(c, abs, fd, &sfs);
	if (ro >= 0)
		sfs.f_flags = (sfs.f_flags & ~(long)ST_RDONLY) | ro;
	finish(c, mem_write(c->tid, arg(c, 1), &sfs, sizeof(sfs)));
}

/* Copy an xattr name, with the kernel's errno for one empty or too long. */
static ssize_t read_xattr_name(struct call *c, uint64_t addr, char *name, size_t cap)
{
	ssize_t n = mem_read_str(c->tid, addr, name, cap);

	return n == 0 || n == -ENAMETOOLONG ? -ERANGE : n;
}

void h_getxattr(struct call *c)
{
	bool nofollow = c->n->data.nr == __NR_lgetxattr;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *value = NULL;
	char name[XATTR_NAME_MAX + 1], p[64];
	size_t size = arg(c, 3);
	ssize_t n = read_xattr_name(c, arg(c, 1), name, sizeof(name));

	if (n < 0) {
		finish(c, n);
		return;
	}
	fd = lookup(c, AT_FDCWD, arg(c, 0), nofollow ? AT_SYMLINK_NOFOLLOW : 0);
	if (fd < 0) {
		finish(c, fd);
		return;
	}
	size = MIN(size, (size_t)XATTR_SIZE_MAX);
	value = malloc(size ? size : 1);
	if (!value) {
		finish(c, -ENOMEM);
		return;
	}
	if (path_self_fd(c, fd, p, sizeof(p)) < 0) {
		finish(c, -EIO);
		return;
	}
	n = getxattr(p, name, value, size);
	if (n < 0) {
		finish(c, -errno);
		return;
	}
	if (size && mem_write(c->tid, arg(c, 2), value, (size_t)n) < 0) {
		finish(c, -EFAULT);
		return;
	}
	c->val = n;
}

void h_listxattr(struct call *c)
{
	bool nofollow = c->n->data.nr == __NR_llistxattr;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *list = NULL;
	size_t size = MIN(arg(c, 2), (uint64_t)XATTR_LIST_MAX);
	char p[64];
	ssize_t n;

	fd = lookup(c, AT_FDCWD, arg(c, 0), nofollow ? AT_SYMLINK_NOFOLLOW : 0);
	if (fd < 0) {
		finish(c, fd);
		return;
	}
	list = malloc(size ? size : 1);
	if (!list) {
		finish(c, -ENOMEM);
		return;
	}
	if (path_self_fd(c, fd, p, sizeof(p)) < 0) {
		finish(c, -EIO);
		return;
	}
	n = listxattr(p, list, size);
	if (n < 0) {
		finish(c, -errno);
		return;
	}
	if (size && mem_write(c->tid, arg(c, 1), list, (size_t)n) < 0) {
		finish(c, -EFAULT);
		return;
	}
	c->val = n;
}

void h_inotify_add_watch(struct call *c)
{
	uint32_t mask = (uint32_t)arg(c, 2);
	_cleanup_close_ int fd = lookup(c, AT_FDCWD, arg(c, 1),
					(mask & IN_DONT_FOLLOW) ? AT_SYMLINK_NOFOLLOW : 0);
	_cleanup_close_ int in = -1;
	char p[64];
	int wd;

	if (fd < 0) {
		finish(c, fd);
		return;
	}
	in = path_take_fd(c, arg_int(c, 0));
	if (in < 0) {
		finish(c, in);
		return;
	}
	if (path_self_fd(c, fd, p, sizeof(p)) < 0) {
		finish(c, -EIO);
		return;
	}
	wd = inotify_add_watch(in, p, mask & ~IN_DONT_FOLLOW);
	finish(c, wd < 0 ? -errno : wd);
}

/*
 * The changes: each becomes one gofer request with absolute paths.
 */

/* The absolute path of the object a change names; refuses guest-mounted fs. */
static int change_path(struct call *c, int dirfd, uint64_t addr, int atflags, char *abs)
{
	int own, r = path_fd(c, dirfd, addr, atflags, abs, PATH_MAX);

	if (r < 0)
		return r;
	if (!call_still_valid(c))
		return -EINTR;
	r = path_rewrite_proc(c, abs, PATH_MAX, &own);
	if (r < 0)
		return r;
	if (own >= 0) {
		/* /proc/self/fd/N (glibc's fchmodat and friends): the file fd N names. */
		r = path_abs(c, own, "", abs, PATH_MAX);
		if (r < 0)
			return r == -ENOTDIR ? -EOPNOTSUPP : r;
	} else {
		/* /proc/self/cwd/NAME: NAME in the caller's cwd */
		r = path_proc_dirs(c, abs, PATH_MAX, false);
		if (r < 0)
			return r;
	}
	if (guest_mounted(c, abs))
		return -EPERM;
	return 0;
}

static void simple_change(struct call *c, struct gofer_req *req, int dirfd, uint64_t addr,
			  int atflags)
{
	char abs[PATH_MAX];
	int r = change_path(c, dirfd, addr, atflags, abs);

	/*
	 * A change to an object of the guest's own mounts that is not there:
	 * ENOENT, as the kernel finds first (touch tries utimensat() before it
	 * creates), not EPERM.  mkdir and mknod make their object.
	 */
	if (r == -EPERM && req->op != GOFER_MKDIR && req->op != GOFER_MKNOD &&
	    guest_mounted(c, abs)) {
		int fd = view_open(c, abs, O_PATH | O_NOFOLLOW, 0);

		if (fd == -ENOENT)
			r = -ENOENT;
		else if (fd >= 0)
			close(fd);
	}
	finish(c, r < 0 ? r : gofer(c, req, abs, NULL, 0, -1, NULL));
}

void h_mkdir(struct call *c)
{
	bool at = c->n->data.nr == __NR_mkdirat;
	struct gofer_req req = { .op = GOFER_MKDIR };

	req.mode = (uint32_t)(arg(c, at ? 2 : 1) & 07777 & ~call_umask(c));
	simple_change(c, &req, at ? arg_int(c, 0) : AT_FDCWD, arg(c, at ? 1 : 0), 0);
}

void h_mknod(struct call *c)
{
	bool at = c->n->data.nr == __NR_mknodat;
	mode_t mode = (mode_t)arg(c, at ? 2 : 1);
	struct gofer_req req = { .op = GOFER_MKNOD };

	if (S_ISCHR(mode) || S_ISBLK(mode)) {
		call_fail(c, EPERM, true);
		return;
	}
	if (S_ISDIR(mode)) {
		call_fail(c, EPERM, false);	/* the kernel's answer: mkdir makes those */
		return;
	}
	if ((mode & S_IFMT) && !S_ISREG(mode) && !S_ISFIFO(mode) && !S_ISSOCK(mode)) {
		finish(c, -EINVAL);
		return;
	}
	req.mode = (uint32_t)((mode & S_IFMT) | (mode & 07777 & ~call_umask(c)));
	simple_change(c, &req, at ? arg_int(c, 0) : AT_FDCWD, arg(c, at ? 1 : 0), 0);
}

void h_unlink(struct call *c)
{
	int nr = c->n->data.nr;
	struct gofer_req req = { .op = GOFER_UNLINK };

	if (nr == __NR_unlinkat) {
		int flags = arg_int(c, 2);

		if (flags & ~AT_REMOVEDIR) {
			finish(c, -EINVAL);
			return;
		}
		req.flags = (uint32_t)flags;
		simple_change(c, &req, arg_int(c, 0), arg(c, 1), 0);
		return;
	}
	req.flags = nr == __NR_rmdir ? AT_REMOVEDIR : 0;
	simple_change(c, &req, AT_FDCWD, arg(c, 0), 0);
}

/* Calls with two paths: rename and link. */
static void two_paths(struct call *c, struct gofer_req *req, int d1, uint64_t p1, int d2,
		      uint64_t p2, int atflags1)
{
	char a1[PATH_MAX], a2[PATH_MAX], first[sizeof(c->path)];
	int r = change_path(c, d1, p1, atflags1, a1);

	if (r == 0) {
		memcpy(first, c->path, sizeof(first));
		r = change_path(c, d2, p2, 0, a2);
		memcpy(c->path, first, sizeof(first));
	}
	finish(c, r < 0 ? r : gofer(c, req, a1, a2, strlen(a2) + 1, -1, NULL));
}

void h_rename(struct call *c)
{
	int nr = c->n->data.nr;
	struct gofer_req req = { .op = GOFER_RENAME };

	if (nr == __NR_rename) {
		two_paths(c, &req, AT_FDCWD, arg(c, 0), AT_FDCWD, arg(c, 1), 0);
		return;
	}
	if (nr == __NR_renameat2) {
		unsigned flags = (unsigned)arg(c, 4);

		/* Flags that cannot go together are the kernel's EINVAL, here too. */
		if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) ||
		    ((flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) && (flags & RENAME_EXCHANGE))) {
			finish(c, -EINVAL);
			return;
		}
		if (flags & RENAME_WHITEOUT) {
			finish(c, -EPERM);	/* it makes a device node: never */
			return;
		}
		req.flags = flags;
	}
	two_paths(c, &req, arg_int(c, 0), arg(c, 1), arg_int(c, 2), arg(c, 3), 0);
}

/* A new name @p2 (from @d2) for the guest's open file @fdnum, made by the gofer. */
static int link_fd(struct call *c, int fdnum, int d2, uint64_t p2)
{
	struct gofer_req req = { .op = GOFER_LINK_FD };
	_cleanup_close_ int fd = path_take_fd(c, fdnum);
	char a2[PATH_MAX];
	struct stat st;
	int r;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))	/* a directory; a pipe's, a socket's, a device's mount */
		return S_ISDIR(st.st_mode) ? -EPERM : -EXDEV;
	r = change_path(c, d2, p2, 0, a2);
	return r < 0 ? r : gofer(c, &req, a2, NULL, 0, fd, NULL);
}

/*
 * link, linkat.  An open file named by its fd (AT_EMPTY_PATH, or
 * /proc/self/fd/N followed: how an O_TMPFILE file is made visible) is linked
 * by the gofer from that fd, which the kernel allows for a file the gofer
 * opened (one the guest opened for writing, an O_TMPFILE one); any other (a
 * file the sentry opened in the read-only view) is linked by the name its fd
 * has, as before.
 */
void h_link(struct call *c)
{
	struct gofer_req req = { .op = GOFER_LINK };
	int flags = arg_int(c, 4), own = -1, r;

	if (c->n->data.nr == __NR_link) {
		two_paths(c, &req, AT_FDCWD, arg(c, 0), AT_FDCWD, arg(c, 1), 0);
		return;
	}
	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) {
		finish(c, -EINVAL);
		return;
	}
	r = path_read(c, arg(c, 1));
	if (r < 0) {
		finish(c, r);
		return;
	}
	if (!c->path[0] && (flags & AT_EMPTY_PATH)) {
		own = arg_int(c, 0);
	} else if (flags & AT_SYMLINK_FOLLOW) {
		char abs[PATH_MAX];

		if (path_abs(c, arg_int(c, 0), c->path, abs, sizeof(abs)) == 0 &&
		    path_rewrite_proc(c, abs, sizeof(abs), &own) < 0)
			own = -1;
	}
	if (own >= 0) {
		r = link_fd(c, own, arg_int(c, 2), arg(c, 3));
		if (r != -ENOENT) {
			finish(c, r);
			return;
		}
	}
	req.flags = (uint32_t)(flags & AT_SYMLINK_FOLLOW);
	two_paths(c, &req, arg_int(c, 0), arg(c, 1), arg_int(c, 2), arg(c, 3), flags & AT_EMPTY_PATH);
}

void h_symlink(struct call *c)
{
	bool at = c->n->data.nr == __NR_symlinkat;
	struct gofer_req req = { .op = GOFER_SYMLINK };
	char target[PATH_MAX], abs[PATH_MAX];
	ssize_t n = mem_read_str(c->tid, arg(c, 0), target, sizeof(target));
	int r;

	if (n < 0) {
		finish(c, n);
		return;
	}
	if (n == 0) {
		finish(c, -ENOENT);
		return;
	}
	r = change_path(c, at ? arg_int(c, 1) : AT_FDCWD, arg(c, at ? 2 : 1), 0, abs);
	finish(c, r < 0 ? r : gofer(c, &req, abs, target, (size_t)n + 1, -1, NULL));
}

void h_chmod(struct call *c)
{
	int nr = c->n->data.nr, atflags = 0;
	struct gofer_req req = { .op = GOFER_CHMOD };

	if (nr == __NR_chmod) {
		req.mode = (uint32_t)(arg(c, 1) & 07777);
		simple_change(c, &req, AT_FDCWD, arg(c, 0), 0);
		return;
	}
	if (nr == __NR_fchmodat2)
		atflags = arg_int(c, 3);
	if (atflags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) {
		finish(c, -EINVAL);
		return;
	}
	req.mode = (uint32_t)(arg(c, 2) & 07777);
	req.flags = (uint32_t)(atflags & AT_SYMLINK_NOFOLLOW);
	if (atflags & AT_EMPTY_PATH)
		req.flags = AT_SYMLINK_NOFOLLOW;	/* the object the fd names */
	simple_change(c, &req, arg_int(c, 0), arg(c, 1), atflags);
}

/*
 * The changes that name their object by an fd: fchmod, fchown, futimens
 * (utimensat or futimesat without a path), fsetxattr and fremovexattr.  An
 * fd of a file the guest opened for writing is the gofer's, on its writable
 * mount, and the call runs there natively, as the guest made it (continued:
 * the kernel acts on the guest's own fd with the guest's credentials, as
 * before the sentry looked).  An fd the sentry opened in the read-only view
 * (a file opened for reading, a directory) would fail with EROFS where the
 * same change by path works (Java's Files.setLastModifiedTime() opens the
 * file read-only and calls futimens()): so that one becomes the change by
 * path, sent to the gofer as the path its link reads, if that path names the
 * same object in the view.  Anything else (a read-only mount, the guest's
 * own mounts, moat's stdio through its read-only clone, a file since
 * unlinked or renamed) runs natively too, and fails as it would.
 * Return: true with @abs set (send the change by path), or false with the
 * call answered (continued, or failed).
 */
static bool fd_change_path(struct call *c, int fdnum, char *abs)
{
	_cleanup_close_ int fd = path_take_fd(c, fdnum), probe = -1;
	struct statfs sfs;
	struct stat st, named;
	int fl;

	if (fd < 0) {
		finish(c, fd);
		return false;
	}
	/* the common case, a writable fd, decided by one call */
	if (fstatfs(fd, &sfs) < 0 || !(sfs.f_flags & ST_RDONLY) || guest_only_fs(&sfs))
		goto native;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_PATH) || fstat(fd, &st) < 0 ||
	    path_abs(c, fdnum, "", abs, PATH_MAX) < 0 || guest_mounted(c, abs))
		goto native;
	probe = view_open(c, abs, O_PATH | O_NOFOLLOW, 0);
	if (probe < 0 || fstat(probe, &named) < 0 || named.st_dev != st.st_dev ||
	    named.st_ino != st.st_ino)
		goto native;
	if (!call_still_valid(c)) {
		finish(c, -EINTR);
		return false;
	}
	return true;
native:
	c->cont = true;
	return false;
}

/*
 * fchmod(): by path for an fd of the read-only view (fd_change_path()).  On
 * the guest's own writable fd, a mode with the setuid or setgid bit is
 * applied without the bits the gofer never gives (gofer/server.c,
 * no_setid()); any other runs natively.
 */
void h_fchmod(struct call *c)
{
	struct gofer_req req = { .op = GOFER_CHMOD, .flags = AT_SYMLINK_NOFOLLOW };
	mode_t mode = (mode_t)arg(c, 1) & 07777;
	_cleanup_close_ int fd = -1;
	char abs[PATH_MAX];
	struct stat st;

	req.mode = (uint32_t)mode;
	if (fd_change_path(c, arg_int(c, 0), abs)) {
		finish(c, gofer(c, &req, abs, NULL, 0, -1, NULL));
		return;
	}
	if (!c->cont || !(mode & (S_ISUID | S_ISGID)))
		return;
	c->cont = false;
	fd = path_take_fd(c, arg_int(c, 0));
	if (fd < 0) {
		finish(c, fd);
		return;
	}
	if (fstat(fd, &st) < 0) {
		finish(c, -errno);
		return;
	}
	mode &= ~(mode_t)(S_ISUID | (S_ISDIR(st.st_mode) ? 0 : S_ISGID));
	finish(c, fchmod(fd, mode) < 0 ? -errno : 0);
}

/*
 * An owner the guest gives chown(), in the gofer's namespace; -1 stays -1.  An
 * id the guest's namespace does not map is EINVAL, as the kernel says before
 * any other check: passed on as it is, it would name whatever the gofer's
 * namespace maps there (the host's root, for a gofer of the host's root, so
 * that a guest of uid 1234 could chown to "0" and be told it worked).
 * Return: 0 with *@out set, or -EINVAL.
 */
static int gofer_id(const struct id_map *guest, const struct id_map *gofer, uint32_t id,
		    uint32_t *out)
{
	uint32_t host;

	*out = id;
	if (id == UINT32_MAX)
		return 0;
	host = ids_host(guest, id);
	if (host == UINT32_MAX)
		return -EINVAL;
	*out = ids_guest(gofer, host);
	return 0;
}

void h_chown(struct call *c)
{
	int nr = c->n->data.nr, atflags = 0, dirfd = AT_FDCWD, base = 0;
	struct gofer_req req = { .op = GOFER_CHOWN };
	uint32_t uid, gid;

	if (nr == __NR_lchown)
		atflags = AT_SYMLINK_NOFOLLOW;
	if (nr == __NR_fchownat) {
		dirfd = arg_int(c, 0);
		base = 1;
		atflags = arg_int(c, 4);
		if (atflags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) {
			finish(c, -EINVAL);
			return;
		}
	}
	if (gofer_id(&c->s->uids, &c->s->gofer_uids, (uint32_t)arg(c, base + 1), &uid) < 0 ||
	    gofer_id(&c->s->gids, &c->s->gofer_gids, (uint32_t)arg(c, base + 2), &gid) < 0) {
		finish(c, -EINVAL);
		return;
	}
	req.a = uid;
	req.b = gid;
	req.flags = (atflags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) ? AT_SYMLINK_NOFOLLOW : 0;
	simple_change(c, &req, dirfd, arg(c, base), atflags);
}

/* fchown(): by path for an fd of the read-only view (fd_change_path()) */
void h_fchown(struct call *c)
{
	struct gofer_req req = { .op = GOFER_CHOWN, .flags = AT_SYMLINK_NOFOLLOW };
	char abs[PATH_MAX];
	uint32_t uid, gid;

	if (!fd_change_path(c, arg_int(c, 0), abs))
		return;
	if (gofer_id(&c->s->uids, &c->s->gofer_uids, (uint32_t)arg(c, 1), &uid) < 0 ||
	    gofer_id(&c->s->gids, &c->s->gofer_gids, (uint32_t)arg(c, 2), &gid) < 0) {
		finish(c, -EINVAL);
		return;
	}
	req.a = uid;
	req.b = gid;
	finish(c, gofer(c, &req, abs, NULL, 0, -1, NULL));
}

void h_truncate(struct call *c)
{
	struct gofer_req req = { .op = GOFER_TRUNCATE };

	if ((int64_t)arg(c, 1) < 0) {
		finish(c, -EINVAL);
		return;
	}
	req.a = arg(c, 1);
	simple_change(c, &req, AT_FDCWD, arg(c, 0), 0);
}

/* A tv_nsec utimensat() takes (the gofer refuses any other). */
static bool nsec_valid(long nsec)
{
	return nsec == UTIME_NOW || nsec == UTIME_OMIT || (nsec >= 0 && nsec < 1000000000);
}

void h_utimes(struct call *c)
{
	int nr = c->n->data.nr, dirfd = AT_FDCWD, atflags = 0;
	uint64_t path = arg(c, 0), times = arg(c, 1);
	struct gofer_req req = { .op = GOFER_UTIMENS };
	char fdpath[PATH_MAX];

	if (nr == __NR_futimesat || nr == __NR_utimensat) {
		dirfd = arg_int(c, 0);
		path = arg(c, 1);
		times = arg(c, 2);
	}
	if (nr == __NR_utimensat)
		atflags = arg_int(c, 3);
	if (!path && dirfd != AT_FDCWD) {
		/*
		 * futimens(), futimes(): the object the fd names, no flags.
		 * Decided before the guest's memory is read: a continued call
		 * reads none.
		 */
		if (atflags) {
			finish(c, -EINVAL);
			return;
		}
		if (!fd_change_path(c, dirfd, fdpath))
			return;
	}
	req.times[0].nsec = req.times[1].nsec = UTIME_NOW;
	if (times) {
		if (nr == __NR_utime) {
			struct utimbuf ub;

			if (mem_read(c->tid, times, &ub, sizeof(ub)) < 0) {
				finish(c, -EFAULT);
				return;
			}
			req.times[0] = (struct gofer_ts){ ub.actime, 0 };
			req.times[1] = (struct gofer_ts){ ub.modtime, 0 };
		} else if (nr == __NR_utimensat) {
			struct timespec ts[2];

			if (mem_read(c->tid, times, ts, sizeof(ts)) < 0) {
				finish(c, -EFAULT);
				return;
			}
			/* Nothing to change: the kernel does not even look at the path. */
			if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT) {
				finish(c, 0);
				return;
			}
			for (int i = 0; i < 2; i++) {
				if (!nsec_valid(ts[i].tv_nsec)) {
					finish(c, -EINVAL);
					return;
				}
				req.times[i] = (struct gofer_ts){ ts[i].tv_sec, ts[i].tv_nsec };
			}
		} else {
			struct timeval tv[2];

			if (mem_read(c->tid, times, tv, sizeof(tv)) < 0) {
				finish(c, -EFAULT);
				return;
			}
			for (int i = 0; i < 2; i++) {
				if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000) {
					finish(c, -EINVAL);
					return;
				}
				req.times[i] = (struct gofer_ts){ tv[i].tv_sec, tv[i].tv_usec * 1000 };
			}
		}
	}
	if (atflags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) {
		finish(c, -EINVAL);
		return;
	}
	/* the object itself, for an empty path or an fd (futimens) */
	req.flags = (uint32_t)(atflags & AT_SYMLINK_NOFOLLOW);
	if ((atflags & AT_EMPTY_PATH) || !path)
		req.flags = AT_SYMLINK_NOFOLLOW;
	if (!path && dirfd != AT_FDCWD) {
		finish(c, call_still_valid(c) ? gofer(c, &req, fdpath, NULL, 0, -1, NULL) : -EINTR);
		return;
	}
	simple_change(c, &req, dirfd, path, atflags);
}

void h_setxattr(struct call *c)
{
	struct gofer_req req = { .op = GOFER_SETXATTR };
	char abs[PATH_MAX], name[XATTR_NAME_MAX + 1];
	_cleanup_free_ char *pair = NULL;
	size_t size = arg(c, 3);
	ssize_t nlen;
	int flags = arg_int(c, 4), r;
	bool f = c->n->data.nr == __NR_fsetxattr;

	/* decided before the guest's memory is read: a continued call reads none */
	if (f && !fd_change_path(c, arg_int(c, 0), abs))
		return;
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) {
		finish(c, -EINVAL);
		return;
	}
	if (size > XATTR_SIZE_MAX) {
		finish(c, -E2BIG);
		return;
	}
	nlen = read_xattr_name(c, arg(c, 1), name, sizeof(name));
	if (nlen < 0) {
		finish(c, nlen);
		return;
	}
	pair = malloc((size_t)nlen + 1 + size);
	if (!pair) {
		finish(c, -ENOMEM);
		return;
	}
	memcpy(pair, name, (size_t)nlen + 1);
	if (size && mem_read(c->tid, arg(c, 2), pair + nlen + 1, size) < 0) {
		finish(c, -EFAULT);
		return;
	}
	r = f ? (call_still_valid(c) ? 0 : -EINTR) : change_path(c, AT_FDCWD, arg(c, 0), 0, abs);
	if (r < 0) {
		finish(c, r);
		return;
	}
	req.a = size;
	req.flags = (uint32_t)flags | (c->n->data.nr == __NR_lsetxattr ? GOFER_NOFOLLOW : 0);
	finish(c, gofer(c, &req, abs, pair, (size_t)nlen + 1 + size, -1, NULL));
}

void h_removexattr(struct call *c)
{
	struct gofer_req req = { .op = GOFER_REMOVEXATTR };
	char abs[PATH_MAX], name[XATTR_NAME_MAX + 1];
	bool f = c->n->data.nr == __NR_fremovexattr;
	ssize_t nlen;
	int r;

	/* decided before the guest's memory is read: a continued call reads none */
	if (f && !fd_change_path(c, arg_int(c, 0), abs))
		return;
	nlen = read_xattr_name(c, arg(c, 1), name, sizeof(name));
	if (nlen < 0) {
		finish(c, nlen);
		return;
	}
	r = f ? (call_still_valid(c) ? 0 : -EINTR) : change_path(c, AT_FDCWD, arg(c, 0), 0, abs);
	if (r < 0) {
		finish(c, r);
		return;
	}
	req.flags = c->n->data.nr == __NR_lremovexattr ? GOFER_NOFOLLOW : 0;
	finish(c, gofer(c, &req, abs, name, (size_t)nlen + 1, -1, NULL));
}
