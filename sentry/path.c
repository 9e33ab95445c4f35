// SPDX-License-Identifier: MIT
/*
 * path.c - turning a guest's (dirfd, path) into something the sentry can open.
 *
 * Theory of operation
 * -------------------
 * The sentry never resolves a guest path relative to anything but the guest's
 * root.  A relative path is made absolute first: the guest's cwd or dirfd is
 * read from the host's /proc/<tid>/cwd or /proc/<tid>/fd/<n>, whose link text
 * the kernel computes relative to the root of the guest's mount namespace, so
 * it is exactly the path the guest would see.  The absolute path is then opened
 * with openat2(guest root, path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): "..",
 * absolute symlinks and magic links cannot leave the sandbox.  The same string
 * goes to the gofer for changes, which resolves it the same way in its own
 * (writable) view of the same files.
 *
 * /proc needs care: the guest's procfs belongs to its pid namespace, where the
 * sentry does not exist, so "self" and "thread-self" are rewritten to the
 * caller's ids in that namespace.  The only magic links the sentry follows are
 * the caller's own fds (/proc/<own pid>/fd/<n>, and /dev/fd/<n>, /dev/stdin...),
 * which it reopens through the host's /proc: that is what the kernel would do
 * for the guest, on an object the guest already holds.  A symlink of the
 * sandbox's that leads into /proc is followed by the sentry, so that the path
 * it reaches gets the same rewriting (expand_into_proc()).
 */
#include "sentry/path.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sentry/mem.h"
#include "sys.h"
#include "util.h"

int path_read(struct call *c, uint64_t addr)
{
	ssize_t n = mem_read_str(c->tid, addr, c->path, sizeof(c->path));

	if (n < 0) {
		c->path[0] = '\0';
		return (int)n;
	}
	return 0;
}

/* Read the link text of /proc/<tid>/<what> into @out; Return: length or -errno */
static ssize_t proc_link(struct call *c, const char *what, char *out, size_t cap)
{
	char rel[64];
	ssize_t n;

	snprintf(rel, sizeof(rel), "%d/%s", c->tid, what);
	n = readlinkat(c->s->hostproc, rel, out, cap - 1);
	if (n < 0)
		return errno == ENOENT ? -EBADF : -errno;
	out[n] = '\0';
	return n;
}

/*
 * The kernel ends the link text of an unlinked object with " (deleted)",
 * which may also end a real name: @text is that object's name only if it
 * resolves, in the guest's view, to the object /proc/<tid>/<what> names.
 */
static bool proc_link_deleted(struct call *c, const char *what, const char *text)
{
	char rel[64];
	struct stat obj, named;
	_cleanup_close_ int fd = -1;

	snprintf(rel, sizeof(rel), "%d/%s", c->tid, what);
	if (fstatat(c->s->hostproc, rel, &obj, 0) < 0)
		return true;
	fd = sys_openat2(c->s->rootfd, text, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, MOAT_RESOLVE);
	if (fd < 0 || fstat(fd, &named) < 0)
		return true;
	return obj.st_dev != named.st_dev || obj.st_ino != named.st_ino;
}

int path_abs(struct call *c, int dirfd, const char *rel, char *abs, size_t cap)
{
	char base[PATH_MAX], what[32];
	size_t blen, rlen = strlen(rel);
	ssize_t n;

	if (rel[0] == '/') {
		if (rlen >= cap)
			return -ENAMETOOLONG;
		memcpy(abs, rel, rlen + 1);
		return 0;
	}
	if (dirfd != AT_FDCWD && dirfd < 0)
		return -EBADF;
	if (dirfd == AT_FDCWD)
		snprintf(what, sizeof(what), "cwd");
	else
		snprintf(what, sizeof(what), "fd/%d", dirfd);
	n = proc_link(c, what, base, sizeof(base));
	if (n < 0)
		return (int)n;
	if (base[0] != '/')
		return -ENOTDIR;	/* a pipe, socket or other non-directory */
	if ((size_t)n > 10 && !strcmp(base + n - 10, " (deleted)") &&
	    proc_link_deleted(c, what, base))
		return -ENOENT;
	blen = (size_t)n;
	if (rlen == 0) {
		if (blen >= cap)
			return -ENAMETOOLONG;
		memcpy(abs, base, blen + 1);
		return 0;
	}
	if (blen + 1 + rlen >= cap)
		return -ENAMETOOLONG;
	memcpy(abs, base, blen);
	if (blen > 1)
		abs[blen++] = '/';
	else
		blen = 1;
	memcpy(abs + blen, rel, rlen + 1);
	return 0;
}

/* The caller's /proc/<tid>/@name, its start, as a string in @buf; Return: 0 or -errno */
static int read_caller_proc(struct call *c, const char *name, char *buf, size_t cap)
{
	_cleanup_close_ int fd = -1;
	char rel[64];
	ssize_t n;

	snprintf(rel, sizeof(rel), "%d/%s", c->tid, name);
	fd = openat(c->s->hostproc, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return 0;
}

int path_ns_ids(struct call *c, pid_t *nstgid, pid_t *nstid)
{
	char buf[2048];
	const char *p;
	int r;

	if (c->nstgid > 0) {	/* read already for this call */
		*nstgid = c->nstgid;
		*nstid = c->nstid;
		return 0;
	}

	r = read_caller_proc(c, "status", buf, sizeof(buf));
	if (r < 0)
		return r;
	/* "NStgid:\t<host>\t<ns>" and "NSpid:\t<host>\t<ns>": the last field. */
	for (int i = 0; i < 2; i++) {
		const char *key = i ? "\nNSpid:" : "\nNStgid:";
		const char *end;
		pid_t *out = i ? nstid : nstgid;

		p = strstr(buf, key);
		if (!p)
			return -EIO;
		end = strchr(p + 1, '\n');
		if (!end)
			return -EIO;
		while (end > p && (end[-1] < '0' || end[-1] > '9'))
			end--;
		p = end;
		while (p > buf && p[-1] >= '0' && p[-1] <= '9')
			p--;
		*out = (pid_t)atoi(p);
	}
	c->nstgid = *nstgid;
	c->nstid = *nstid;
	return 0;
}

/* Whether @s starts with directory @dir ("/proc" matches "/proc" and "/proc/x"). */
static const char *under(const char *s, const char *dir)
{
	size_t n = strlen(dir);

	if (strncmp(s, dir, n))
		return NULL;
	if (s[n] == '\0' || s[n] == '/')
		return s + n;
	return NULL;
}

int path_rewrite_proc(struct call *c, char *abs, size_t cap, int *own_fd)
{
	static const struct { const char *from, *to; } aliases[] = {
		{ "/dev/stdin", "/proc/self/fd/0" }, { "/dev/stdout", "/proc/self/fd/1" },
		{ "/dev/stderr", "/proc/self/fd/2" }, { "/dev/fd", "/proc/self/fd" },
		{ "/proc/mounts", "/proc/self/mounts" }, { "/proc/net", "/proc/self/net" },
	};
	char out[PATH_MAX];
	const char *rest;
	pid_t nstgid = 0, nstid = 0;
	bool self = false, thread = false;
	int r;

	*own_fd = -1;
	if (strncmp(abs, "/proc", 5) && strncmp(abs, "/dev/", 5))
		return 0;	/* the common case: nothing to do */
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++) {
		rest = under(abs, aliases[i].from);
		if (rest) {
			if (snprintf(out, sizeof(out), "%s%s", aliases[i].to, rest) >= (int)sizeof(out))
				return -ENAMETOOLONG;
			if (strlen(out) >= cap)
				return -ENAMETOOLONG;
			strcpy(abs, out);
			break;
		}
	}
	if ((rest = under(abs, "/proc/self")))
		self = true;
	else if ((rest = under(abs, "/proc/thread-self")))
		self = thread = true;
	if (!self) {
		/* /proc/<pid>/fd/<n> of the caller's own process is its own fd too. */
		char pidpart[16];
		const char *p = under(abs, "/proc");

		if (!p || p[0] != '/' || p[1] < '1' || p[1] > '9')
			return 0;
		size_t k = strspn(p + 1, "0123456789");
		if (k >= sizeof(pidpart) || (p[1 + k] != '/' && p[1 + k] != '\0'))
			return 0;
		memcpy(pidpart, p + 1, k);
		pidpart[k] = '\0';
		r = path_ns_ids(c, &nstgid, &nstid);
		if (r < 0)
			return r;
		if (atoi(pidpart) == nstgid) {
			const char *fd = p + 1 + k;
			int n = -1;
			char tail;

			if (sscanf(fd, "/fd/%d%c", &n, &tail) == 1 && n >= 0)
				*own_fd = n;
		}
		return 0;
	}
	r = path_ns_ids(c, &nstgid, &nstid);
	if (r < 0)
		return r;
	{
		int n = -1;
		char tail;

		if (sscanf(rest, "/fd/%d%c", &n, &tail) == 1 && n >= 0)
			*own_fd = n;
	}
	if (thread)
		r = snprintf(out, sizeof(out), "/proc/%d/task/%d%s", nstgid, nstid, rest);
	else
		r = snprintf(out, sizeof(out), "/proc/%d%s", nstgid, rest);
	if (r >= (int)sizeof(out) || (size_t)r >= cap)
		return -ENAMETOOLONG;
	strcpy(abs, out);	/* @rest pointed into @abs: used up above */
	return 0;
}

/*
 * Open something for the guest without ever blocking unawares.  Opening a FIFO
 * waits for its other end, which may be a guest thread that needs serving; so
 * the first try is non-blocking, and only a FIFO may then wait, after
 * sentry_may_block().  @op opens with the flags it is given.
 *
 * The non-blocking try is already an end of the FIFO, and its other side sees
 * it: closing it would hand a writer EPIPE or a reader an early EOF.  So it is
 * never closed before the guest has its real end: a writer that found a reader
 * keeps it (without O_NONBLOCK); a reader keeps it while a blocking open waits
 * for a writer, unless one has been there already (data or a hang-up on it).
 * A writer may come, write and go between that check and the blocking open,
 * which would then wait for the next writer: fifo_wait_writer() covers that.
 */
struct fifo_watch {
	int fd;		/* our non-blocking read end */
	int stop;	/* readable once the blocking open has returned */
	int selffd;	/* our /proc/self/fd */
};

/*
 * Watch our read end while the blocking open waits.  Data or a hang-up on it
 * means a writer came; if it also left, the blocking open may have missed it
 * (the kernel counts writers from the moment a reader starts to wait).  So
 * the watcher then opens the FIFO for writing itself and closes it at once:
 * a writer that writes nothing, which ends the wait.  The data stays in the
 * pipe, which our read end keeps, and the guest's read end gets it, then EOF,
 * as it would have.  Kicks repeat until the open returns, in case one came
 * before the open began to wait.
 */
static void *fifo_watch(void *arg)
{
	const struct fifo_watch *w = arg;
	struct pollfd p[2] = { { .fd = w->stop, .events = POLLIN }, { .fd = w->fd, .events = POLLIN } };
	char rel[32];

	snprintf(rel, sizeof(rel), "%d", w->fd);
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		if (!p[1].revents)
			continue;
		do {
			int kick = openat(w->selffd, rel, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

			if (kick >= 0)
				close(kick);
		} while (poll(p, 1, 1) == 0);
		break;
	}
	return NULL;
}

/* The blocking open of a FIFO to read, with a watcher (above) on @fd. */
static int fifo_wait_writer(struct call *c, int fd, int (*op)(const void *ctx, int flags),
			    const void *ctx, int flags)
{
	struct fifo_watch w = { .fd = fd, .selffd = c->s->selffd };
	pthread_attr_t attr;
	pthread_t t;
	int sp[2], real;
	bool watching;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return op(ctx, flags);	/* unwatched: only the rare case above waits on */
	w.stop = sp[0];
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	watching = pthread_create(&t, &attr, fifo_watch, &w) == 0;
	pthread_attr_destroy(&attr);
	real = op(ctx, flags);
	if (watching) {
		(void)!write(sp[1], "", 1);
		pthread_join(t, NULL);
	}
	close(sp[0]);
	close(sp[1]);
	return real;
}

pid_t path_proc_file(struct call *c, int fd, char *abs, size_t cap)
{
	char self[32], guest[PATH_MAX];
	pid_t pid, nstgid = 0, nstid = 0;
	struct statfs sfs;
	const char *rest;
	struct stat st;
	ssize_t n;

	if (fstatfs(fd, &sfs) < 0)
		return -errno;
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return 0;
	/* The kernel's name for the object, from the guest's root (the worker's or its mount's). */
	snprintf(self, sizeof(self), "self/fd/%d", fd);
	n = readlinkat(c->s->hostproc, self, abs, cap);
	if (n <= 0 || (size_t)n >= cap || abs[0] != '/')
		return -EACCES;
	abs[n] = '\0';
	pid = path_proc_pid(abs);
	if (pid <= 0 || fstat(fd, &st) < 0 || st.st_dev != c->s->hostproc_dev)
		return pid;
	/*
	 * The host's /proc, where the caller's own fds are looked up (the links
	 * themselves, for readlink and lstat): named by the caller's host tid,
	 * which the guest knows by its tid in the guest's pid namespace.
	 */
	if (pid != c->tid || path_ns_ids(c, &nstgid, &nstid) < 0)
		return -EACCES;
	rest = abs + 6 + strspn(abs + 6, "0123456789");
	if (snprintf(guest, sizeof(guest), "/proc/%d%s", (int)nstid, rest) >= (int)sizeof(guest) ||
	    strlen(guest) >= cap)
		return -ENAMETOOLONG;
	strcpy(abs, guest);
	return nstid;
}

/*
 * An fd the sentry opened for the guest, checked once open: a file of a
 * /proc/<pid> directory, however it was reached (its path, a symlink, "..", a
 * dirfd, an fd reopened through /proc/self/fd), is opened again by the guest's
 * /proc opener, under the name the kernel gives it, so that the kernel's
 * checks are the guest's.  This is the one place every open of the sentry's
 * passes.  Return: @fd, the opener's, or -errno.
 */
static int proc_recheck(struct call *c, int fd, int flags)
{
	char abs[PATH_MAX];
	pid_t pid;
	ssize_t r;

	if (fd < 0 || (flags & O_PATH))
		return fd;
	pid = path_proc_file(c, fd, abs, sizeof(abs));
	if (pid == 0)
		return fd;
	r = pid < 0 ? pid : path_proc_as_guest(c, abs, pid, flags & ~(O_CREAT | O_EXCL), 0, NULL, 0);
	if (r == -ENOSYS)
		return fd;	/* the caller's own file */
	close(fd);
	return (int)r;
}

static int open_guest_once(struct call *c, int flags, int (*op)(const void *ctx, int flags),
			   const void *ctx);

/* Open for the guest with @op, as the guest would (FIFOs, /dev/tty, /proc/<pid>). */
static int open_guest(struct call *c, int flags, int (*op)(const void *ctx, int flags),
		      const void *ctx)
{
	return proc_recheck(c, open_guest_once(c, flags, op, ctx), flags);
}

/*
 * /dev/tty: the caller's controlling terminal, never the sentry's own (moat's
 * terminal).  The one a guest process can have is the guest's terminal of its
 * own (the filter refuses TIOCSCTTY's stealing; a terminal the guest made
 * itself, as script(1) does, is not served: ENXIO).  Opened anew from its
 * master.  Return: fd (O_NONBLOCK) or -errno
 */
static int open_ctty(struct call *c, int flags)
{
	int master = atomic_load(&c->s->tty_master), r;
	char buf[1024];
	const char *p;
	unsigned nr;

	if (master < 0)
		return -ENXIO;
	r = read_caller_proc(c, "stat", buf, sizeof(buf));
	if (r < 0)
		return r;
	/* after the name, which may hold anything: state ppid pgrp session tty_nr */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %u", &nr) != 1)
		return -EIO;
	if (!nr || makedev((nr >> 8) & 0xfff, (nr & 0xff) | ((nr >> 12) & 0xfff00)) != c->s->tty_rdev)
		return -ENXIO;
	r = ioctl(master, TIOCGPTPEER, (flags & O_ACCMODE) | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	return r < 0 ? -errno : r;
}

static int open_guest_once(struct call *c, int flags, int (*op)(const void *ctx, int flags),
			   const void *ctx)
{
	struct stat st;
	int fd;

	if (flags & O_PATH)
		return op(ctx, flags);
	/* O_NONBLOCK too: an open of /dev/tty is never the sentry's terminal */
	fd = op(ctx, flags | O_NONBLOCK);
	if (fd == -ENXIO) {
		/* A FIFO without a reader, /dev/tty of a sentry without a
		 * terminal, or a device that says so itself. */
		int probe = op(ctx, O_PATH), r;

		if (probe < 0)
			return fd;
		r = fstat(probe, &st);
		close(probe);
		if (r == 0 && S_ISFIFO(st.st_mode) && (flags & O_ACCMODE) != O_RDONLY &&
		    !(flags & O_NONBLOCK)) {
			sentry_may_block(c);
			return op(ctx, flags);
		}
		if (r < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(5, 0))
			return fd;
		fd = open_ctty(c, flags);
	} else if (fd >= 0) {
		if (fstat(fd, &st) < 0) {
			close(fd);
			return -errno;
		}
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(5, 0)) {
			close(fd);
			fd = open_ctty(c, flags);
		}
	}
	if (fd < 0)
		return fd;
	if (S_ISFIFO(st.st_mode) && (flags & O_ACCMODE) == O_RDONLY && !(flags & O_NONBLOCK)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int real;

		if (poll(&p, 1, 0) == 0) {
			/* no writer has come yet: wait for one, as the guest would */
			sentry_may_block(c);
			real = fifo_wait_writer(c, fd, op, ctx, flags);
			close(fd);
			return real;
		}
	}
	/* F_SETFL changes only these bits: the guest's own. */
	if (fcntl(fd, F_SETFL, flags & (O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME | O_NONBLOCK)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

struct at_ctx {
	int dirfd;
	const char *path;
	uint64_t resolve;
};

static int op_openat(const void *ctx, int flags)
{
	const struct at_ctx *a = ctx;
	int fd = openat(a->dirfd, a->path, flags | O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY));

	return fd < 0 ? -errno : fd;
}

static int op_openat2(const void *ctx, int flags)
{
	const struct at_ctx *a = ctx;
	/* openat2() refuses O_PATH with flags that mean nothing to it. */
	int fd = sys_openat2(a->dirfd, a->path,
			     (uint64_t)(flags | O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY)), 0,
			     MOAT_RESOLVE | a->resolve);

	return fd < 0 ? -errno : fd;
}

int path_open_own_fd(struct call *c, int fd, int flags)
{
	char rel[64];
	struct at_ctx a = { c->s->hostproc, rel, 0 };
	int r;

	snprintf(rel, sizeof(rel), "%d/fd/%d", c->tid, fd);
	r = open_guest(c, flags, op_openat, &a);
	return r == -ENOENT ? -EBADF : r;
}

int path_reopen(struct call *c, int opath, int flags)
{
	char rel[64];
	struct at_ctx a = { c->s->hostproc, rel, 0 };

	snprintf(rel, sizeof(rel), "self/fd/%d", opath);
	return open_guest(c, flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW), op_openat, &a);
}

/*
 * Whether @abs is, itself, one of the links path_rewrite_proc() rewrites
 * (/proc/self, /dev/stdin...): not followed, it is the link, as lstat() and
 * readlink() must see it, and needs no rewriting.
 */
static bool is_self_link(const char *abs)
{
	static const char *const links[] = {
		"/proc/self", "/proc/thread-self", "/proc/mounts", "/proc/net",
		"/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/fd",
	};

	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (!strcmp(abs, links[i]))
			return true;
	return false;
}

/* *@to becomes *@from, which is emptied; what *@to held is closed. */
static void move_fd(int *to, int *from)
{
	if (*to >= 0)
		close(*to);
	*to = *from;
	*from = -1;
}

/*
 * Symlinks of the sandbox that lead into the guest's /proc (a log file linked
 * to /dev/stdout, as container images make them, or to /proc/self/fd/1): a
 * lookup from the guest's root meets "self" there, which names nobody for
 * the sentry (ENOENT), or the caller's /proc/<pid>/fd/<n>, a magic link
 * (ELOOP).  So the links are followed here, one component at a time in the
 * view, until the path enters /proc; the rest is then rewritten for the
 * caller (path_rewrite_proc()) as if the guest had named that path itself,
 * which it could have.  @follow: whether a final symlink is followed.
 *
 * Each component is looked up from the directory reached so far, and ".."
 * goes to that directory's parent, so that the walk costs what the kernel's
 * own lookup would: looking each one up from the root again made a deep
 * tree and 40 links cost seconds of the sentry's time per call.  ".." stops
 * at the root, as RESOLVE_IN_ROOT does.  What the walk finds only shapes a
 * path, which is then resolved from the root as any other.
 * Return: 1 with @abs rewritten, 0 where the path does not enter /proc
 * through a symlink (@abs unchanged), or -errno (ELOOP, ENAMETOOLONG).
 */
static int expand_into_proc(struct call *c, char *abs, size_t cap, bool follow)
{
	char done[PATH_MAX] = "", todo[PATH_MAX], link[PATH_MAX], one[NAME_MAX + 1];
	_cleanup_close_ int fd0 = -1, cur = -1;	/* @cur: the directory @done, -1 the root */
	struct stat root;
	int links = 0;

	if (under(abs, "/proc") || strlen(abs) >= sizeof(todo))
		return 0;
	/* The common miss never leaves its mount on the way: nothing to walk. */
	fd0 = sys_openat2(c->s->rootfd, abs, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), 0,
			  MOAT_RESOLVE | RESOLVE_NO_XDEV);
	if (fd0 >= 0 || errno != EXDEV || fstat(c->s->rootfd, &root) < 0)
		return 0;
	strcpy(todo, abs);
	for (;;) {
		char *name = todo + strspn(todo, "/"), *rest = name + strcspn(name, "/");
		size_t dlen = strlen(done), nlen = (size_t)(rest - name);
		bool last = rest[strspn(rest, "/")] == '\0';
		_cleanup_close_ int fd = -1;
		struct stat st;
		ssize_t n;

		if (!nlen)
			return 0;	/* all of it resolved without entering /proc */
		if (nlen == 1 && name[0] == '.') {
			memmove(todo, rest, strlen(rest) + 1);
			continue;
		}
		if (nlen == 2 && name[0] == '.' && name[1] == '.') {
			*(strrchr(done, '/') ? strrchr(done, '/') : done) = '\0';
			if (cur >= 0 && (!done[0] || (fstat(cur, &st) == 0 && st.st_dev == root.st_dev &&
						      st.st_ino == root.st_ino))) {
				close(cur);
				cur = -1;
				done[0] = '\0';
			} else if (cur >= 0) {
				fd = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (fd < 0)
					return 0;
				move_fd(&cur, &fd);
			}
			memmove(todo, rest, strlen(rest) + 1);
			continue;
		}
		if (dlen + 1 + nlen >= sizeof(done) || nlen >= sizeof(one))
			return -ENAMETOOLONG;
		done[dlen] = '/';
		memcpy(done + dlen + 1, name, nlen);
		done[dlen + 1 + nlen] = '\0';
		if (!strcmp(done, "/proc")) {
			if (dlen + 1 + nlen + strlen(rest) >= cap)
				return -ENAMETOOLONG;
			snprintf(abs, cap, "%s%s", done, rest);
			return links ? 1 : 0;
		}
		memcpy(one, name, nlen);
		one[nlen] = '\0';
		fd = sys_openat2(cur >= 0 ? cur : c->s->rootfd, one, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0,
				 MOAT_RESOLVE);
		if (fd < 0 || fstat(fd, &st) < 0)
			return 0;	/* not there: the lookup's own error stands */
		if (!S_ISLNK(st.st_mode) || (last && !follow && !*rest)) {
			memmove(todo, rest, strlen(rest) + 1);
			move_fd(&cur, &fd);	/* not a directory: the next lookup from it fails */
			continue;
		}
		if (++links > 40)
			return -ELOOP;
		n = readlinkat(fd, "", link, sizeof(link) - 1);
		if (n <= 0)
			return 0;
		link[n] = '\0';
		if ((size_t)n + strlen(rest) >= sizeof(todo))
			return -ENAMETOOLONG;
		memmove(todo + n, rest, strlen(rest) + 1);	/* @rest: "" or "/..." */
		memcpy(todo, link, (size_t)n);
		if (link[0] == '/') {
			done[0] = '\0';
			if (cur >= 0)
				close(cur);
			cur = -1;
		} else {
			done[dlen] = '\0';
		}
	}
}

/*
 * The link of a process's /proc directory that @abs names, as
 * path_rewrite_proc() leaves it: "/proc/<pid>[/task/<tid>]/<name>...".
 * Return: where <name> starts, with *@pid and *@tid (0: none) set, or NULL.
 */
static const char *proc_link_at(const char *abs, pid_t *pid, pid_t *tid)
{
	const char *p;
	size_t k;

	*pid = path_proc_pid(abs);
	*tid = 0;
	if (*pid <= 0)
		return NULL;
	p = abs + 6 + strspn(abs + 6, "0123456789");
	if (*p++ != '/')
		return NULL;
	if (!strncmp(p, "task/", 5)) {
		k = strspn(p + 5, "0123456789");
		if (!k || k > 9 || p[5 + k] != '/')
			return NULL;
		*tid = (pid_t)atoi(p + 5);
		p += 5 + k + 1;
	}
	return p;
}

/* The digits of "fd/<n>" that @name starts with (at most 9), or 0. */
static size_t fd_digits(const char *name)
{
	size_t k = strncmp(name, "fd/", 3) ? 0 : strspn(name + 3, "0123456789");

	return k <= 9 ? k : 0;
}

/* Whether @pid and @tid (0: none) are the caller's own process, or thread. */
static bool proc_own(struct call *c, pid_t pid, pid_t tid)
{
	pid_t nstgid = 0, nstid = 0;

	return path_ns_ids(c, &nstgid, &nstid) == 0 && pid == nstgid && (!tid || tid == nstid);
}

/*
 * One of a process's links to a directory followed, on the way (cwd, root,
 * fd/<n>) or (@follow) as the last component (cwd, root; a last fd/<n> is
 * the file itself: path_open_proc_link()): the path goes on from the directory
 * the link names, which is reached by its name in the view as well (the
 * guest cannot chroot: every root there is the sandbox's).  The caller's
 * own links it may always follow; another process's only where the kernel
 * lets it trace that process, so their text is read by the guest's /proc
 * opener, with the guest's credentials, which the kernel refuses as it would
 * refuse the guest.  Return: 1 with @abs rewritten, 0 if @abs follows no
 * such link, or -errno.
 */
static int proc_dir_link(struct call *c, char *abs, size_t cap, bool follow)
{
	char text[PATH_MAX], link[PATH_MAX], what[32];
	pid_t pid, tid;
	const char *name = proc_link_at(abs, &pid, &tid), *rest;
	bool own;
	size_t k;
	ssize_t n;

	if (!name)
		return 0;
	if (!strncmp(name, "cwd", 3) || !strncmp(name, "root", 4)) {
		rest = name + (name[0] == 'c' ? 3 : 4);
		if (*rest != '/' && (*rest || !follow))
			return 0;
	} else if ((k = fd_digits(name)) > 0 && name[3 + k] == '/') {
		rest = name + 3 + k;
	} else {
		return 0;
	}
	snprintf(what, sizeof(what), "%.*s", (int)(rest - name), name);
	own = proc_own(c, pid, tid);
	if (own && !strcmp(what, "root")) {
		n = 1;
		strcpy(text, "/");
	} else if (own) {
		n = proc_link(c, what, text, sizeof(text));
		if (n > 10 && !strcmp(text + n - 10, " (deleted)") &&
		    proc_link_deleted(c, what, text))
			return -ENOENT;
	} else {
		memcpy(link, abs, (size_t)(rest - abs));
		link[rest - abs] = '\0';
		n = guestproc_readlink(&c->s->procs, link, text, sizeof(text) - 1);
		if (n == -ENOSYS)
			return -EACCES;	/* never followed with the sentry's credentials */
		if (n >= 0)
			text[n] = '\0';
		if (n > 10 && !strcmp(text + n - 10, " (deleted)"))
			return -ENOENT;
	}
	if (n < 0)
		return (int)n;
	if (text[0] != '/')
		return -ENOTDIR;	/* a pipe's or a socket's fd */
	if (!strcmp(text, "/") && *rest)
		text[0] = '\0';	/* no "//" */
	if (strlen(text) + strlen(rest) >= cap)
		return -ENAMETOOLONG;
	memmove(abs + strlen(text), rest, strlen(rest) + 1);
	memcpy(abs, text, strlen(text));
	return 1;
}

int path_proc_dirs(struct call *c, char *abs, size_t cap, bool follow)
{
	int links = 0, r;

	while ((r = proc_dir_link(c, abs, cap, follow)) == 1)
		if (++links > 40)
			return -ELOOP;
	return r < 0 ? r : links > 0;
}

int path_open_proc_link(struct call *c, const char *abs, int flags)
{
	char rel[64];
	struct at_ctx a = { c->s->hostproc, rel, 0 };
	pid_t pid, tid;
	const char *name = proc_link_at(abs, &pid, &tid);
	size_t k = name ? fd_digits(name) : 0;
	int n = k && !name[3 + k] ? atoi(name + 3) : -1, r;

	if (!name || (strcmp(name, "exe") && n < 0))
		return -ENOTSUP;
	if (proc_own(c, pid, tid)) {
		if (n >= 0)
			return path_open_own_fd(c, n, flags);
		snprintf(rel, sizeof(rel), "%d/exe", c->tid);
		return open_guest(c, flags, op_openat, &a);
	}
	r = guestproc_follow(&c->s->procs, abs, flags);
	return r == -ENOSYS ? -EACCES : r;
}

int view_open_links(struct call *c, char *abs, size_t cap, int flags, uint64_t resolve)
{
	char path[PATH_MAX];
	struct at_ctx a = { c->s->rootfd, path, resolve };
	int own = -1, r, e;

	/* Each round follows links of a process (cwd, root) or of the sandbox
	 * into /proc; around in a circle (a symlink to a path through its own
	 * directory's cwd), they are ELOOP as the kernel's 40 links are. */
	for (int round = 0; round <= 40; round++) {
		if (strlen(abs) >= sizeof(path))
			return -ENAMETOOLONG;
		strcpy(path, abs);
		if ((flags & O_NOFOLLOW) && is_self_link(path))
			return open_guest(c, flags, op_openat2, &a);
		r = path_rewrite_proc(c, path, sizeof(path), &own);
		if (r < 0)
			return r;
		if (own >= 0)
			return path_open_own_fd(c, own, flags);
		if (!resolve && !strncmp(path, "/proc/", 6)) {
			/* a process's links, followed as the kernel would for the caller */
			r = path_proc_dirs(c, path, sizeof(path), !(flags & O_NOFOLLOW));
			if (r < 0)
				return r;
			if (r > 0) {
				if (strlen(path) >= cap)
					return -ENAMETOOLONG;
				strcpy(abs, path);
				continue;
			}
			r = (flags & O_NOFOLLOW) ? -ENOTSUP : path_open_proc_link(c, path, flags);
			if (r != -ENOTSUP)
				return r;
		}
		r = open_guest(c, flags, op_openat2, &a);	/* /proc/<pid>: see proc_recheck() */
		if ((r != -ENOENT && r != -ELOOP) || resolve)
			return r;
		e = expand_into_proc(c, abs, cap, !(flags & O_NOFOLLOW));
		if (e <= 0)
			return e < 0 ? e : r;
	}
	return -ELOOP;
}

int view_open(struct call *c, const char *abs, int flags, uint64_t resolve)
{
	char path[PATH_MAX];

	if (strlen(abs) >= sizeof(path))
		return -ENAMETOOLONG;
	strcpy(path, abs);
	return view_open_links(c, path, sizeof(path), flags, resolve);
}

pid_t path_proc_pid(const char *abs)
{
	size_t k;

	if (strncmp(abs, "/proc/", 6))
		return 0;
	k = strspn(abs + 6, "0123456789");
	if (k == 0 || k > 9 || (abs[6 + k] != '/' && abs[6 + k] != '\0'))
		return 0;
	return (pid_t)atoi(abs + 6);
}

ssize_t path_proc_as_guest(struct call *c, const char *abs, pid_t pid, int flags,
			   uint64_t resolve, char *link, size_t cap)
{
	pid_t tgid = 0, tid = 0;
	bool own = path_ns_ids(c, &tgid, &tid) == 0 && tgid == pid;
	ssize_t r;

	/*
	 * The caller's own files need the opener only for what the sentry
	 * would render otherwise: ids where the guest's differ from the host's,
	 * link texts when the worker does not have the guest's root as its own.
	 * Static programs read /proc/self/exe as they start: that stays cheap.
	 */
	if (own && (link ? c->s->chrooted : ids_identity(&c->s->uids) && ids_identity(&c->s->gids)))
		return -ENOSYS;
	r = link ? guestproc_readlink(&c->s->procs, abs, link, cap)
		 : guestproc_open(&c->s->procs, abs, flags, resolve);
	/*
	 * A process may open its own files whatever it made of its
	 * dumpability.  Another's are never opened with the sentry's
	 * credentials: without an opener, they are refused.
	 */
	if ((r == -EACCES || r == -EPERM || r == -ENOSYS) && own)
		return -ENOSYS;
	return r == -ENOSYS ? -EAGAIN : r;
}

ssize_t path_stdio_name(struct call *c, const char *abs, pid_t pid, char *target, size_t cap)
{
	const struct stdio_name *stdio = c->s->stdio;
	pid_t tgid = 0, tid = 0;
	char rel[64], tail;
	struct statx stx;
	int n = -1, fd;

	if (!stdio[0].mnt_id && !stdio[1].mnt_id && !stdio[2].mnt_id)
		return 1;	/* no stdio was opened again */
	if (target[0] != '/' || sscanf(abs, "/proc/%*d/fd/%d%c", &n, &tail) != 1 || n < 0 ||
	    path_ns_ids(c, &tgid, &tid) < 0 || (pid != tgid && pid != tid))
		return 1;	/* another process's: its link reads "/" */
	/* The file behind the caller's link, by the host's name, for its mount. */
	snprintf(rel, sizeof(rel), "%d/fd/%d", c->tid, n);
	fd = openat(c->s->hostproc, rel, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 1;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
		stx.stx_mnt_id = 0;
	close(fd);
	for (int i = 0; i < 3 && stx.stx_mnt_id; i++) {
		if (stdio[i].mnt_id == stx.stx_mnt_id) {
			size_t len = MIN(strlen(stdio[i].name), cap);

			memcpy(target, stdio[i].name, len);
			return (ssize_t)len;
		}
	}
	return 1;
}

/* openat2() relative to a base in a chrooted worker: the chroot is the root. */
static int op_openat2_chrooted(const void *ctx, int flags)
{
	const struct at_ctx *a = ctx;
	int fd = sys_openat2(a->dirfd, a->path,
			     (uint64_t)(flags | O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY)), 0,
			     RESOLVE_NO_MAGICLINKS | a->resolve);

	return fd < 0 ? -errno : fd;
}

int view_open_at(struct call *c, int base, const char *path, int flags, uint64_t resolve)
{
	struct at_ctx a = { base, path, resolve };

	return open_guest(c, flags, op_openat2_chrooted, &a);
}

int path_take_fd(struct call *c, int fd)
{
	struct worker *w = c->w;
	int r, slot = -1;

	for (int i = 0; i < WORKER_PIDFDS; i++)
		if (w->pidfds[i] >= 0 && w->tids[i] == c->tid)
			slot = i;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (slot < 0) {
			int pidfd = sys_pidfd_open(c->tid, PIDFD_THREAD_FLAG);

			if (pidfd < 0 && errno == EINVAL)
				pidfd = sys_pidfd_open(c->tid, 0);	/* before Linux 6.9 */
			if (pidfd < 0)
				return -ESRCH;
			slot = (int)(w->next++ % WORKER_PIDFDS);
			if (w->pidfds[slot] >= 0)
				close(w->pidfds[slot]);
			w->pidfds[slot] = pidfd;
			w->tids[slot] = c->tid;
		}
		r = sys_pidfd_getfd(w->pidfds[slot], fd, 0);
		if (r >= 0)
			return r;
		if (errno != ESRCH || attempt)
			return -errno;
		/* The cached pidfd was of an earlier thread with this id. */
		close(w->pidfds[slot]);
		w->pidfds[slot] = -1;
		slot = -1;
	}
	return -ESRCH;
}

int path_base(struct call *c, int dirfd)
{
	const char *p = c->path;

	if (!c->s->chrooted || !p[0])
		return PATH_SLOW;
	/* /proc/self, /dev/fd and friends need the caller's ids: the slow path. */
	if (strstr(p, "proc") || !strncmp(p, "/dev/", 5))
		return PATH_SLOW;
	if (p[0] == '/')
		return AT_FDCWD;
	if (dirfd == AT_FDCWD) {
		char rel[64];
		int fd;

		snprintf(rel, sizeof(rel), "%d/cwd", c->tid);
		fd = openat(c->s->hostproc, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	return dirfd < 0 ? -EBADF : path_take_fd(c, dirfd);
}

int path_self_fd(struct call *c, int fd, char *buf, size_t cap)
{
	/* A worker's cwd is its own (CLONE_FS unshared): park it in our fd table. */
	if (fchdir(c->s->selffd) < 0)
		return -errno;
	snprintf(buf, cap, "%d", fd);
	return 0;
}

bool path_retry_slow(int base, const char *path, int err)
{
	_cleanup_close_ int fd = -1;
	struct statfs sfs;

	if (err != ENOENT && err != ELOOP && err != ENOTDIR)
		return false;
	/* A directory of the guest's procfs: "self" there means the caller. */
	if (base >= 0 && fstatfs(base, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC)
		return true;
	if (err == ENOTDIR)
		return false;
	/*
	 * Symlinks on the way that may lead into /proc (expand_into_proc()):
	 * only a lookup that follows one and then leaves its mount can, so a
	 * miss behind /lib -> usr/lib costs two lookups more, not the slow path.
	 */
	fd = sys_openat2(base, path, O_PATH | O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS);
	if (fd >= 0 || errno != ELOOP)
		return false;
	fd = sys_openat2(base, path, O_PATH | O_CLOEXEC, 0, RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS);
	return fd < 0 && errno == EXDEV;
}

int path_fd(struct call *c, int dirfd, uint64_t addr, int atflags, char *abs, size_t cap)
{
	int r = path_read(c, addr);

	if (r < 0)
		return r;
	if (c->path[0] == '\0' && !(atflags & AT_EMPTY_PATH))
		return -ENOENT;
	return path_abs(c, dirfd, c->path, abs, cap);
}
