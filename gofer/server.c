// SPDX-License-Identifier: MIT
/*
 * server.c - the gofer's request loop.
 *
 * Theory of operation
 * -------------------
 * By the time this loop runs, the gofer's root is the writable sandbox tree
 * (tree.c), it holds no capabilities, and its seccomp filter allows only the
 * system calls listed in gofer_syscalls[] below.  Every request arrives on one
 * of the sentry's channels (SOCK_SEQPACKET), is checked by gofer_req_check()
 * and is carried out relative to the root with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS): a path can never leave the tree, whatever its "..",
 * symlinks or concurrent renames.  The kernel applies the sandbox's rules
 * itself: read-only mounts (EROFS), whiteouts of hidden paths (ENOENT), the
 * upper layer's size (ENOSPC), and, since the gofer runs with the guest's user
 * and no capabilities, the same permission checks the guest would get.
 *
 * Opens never block: the gofer opens with O_NONBLOCK and clears it afterwards,
 * so a FIFO without a peer cannot stall every other request.
 *
 * The late files (the trust store's, which get the sandbox's CA when outbound
 * first makes it: sentry/network.c) stay open here until one GOFER_LATE
 * request appends their rest; a second one is refused.
 */
#include "gofer/server.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include "syscall_nr.h"
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fdio.h"
#include "gofer/proto.h"
#include "log.h"
#include "sys.h"
#include "util.h"


#define MAX_CHANNELS 64

/* The system calls this loop makes: its seccomp allowlist. */
const int gofer_syscalls[] = {
	SCMP_SYS(openat2), SCMP_SYS(openat), SCMP_SYS(mkdirat), SCMP_SYS(mknodat),
	SCMP_SYS(unlinkat), SCMP_SYS(renameat2), SCMP_SYS(linkat), SCMP_SYS(symlinkat),
	SCMP_SYS(fchmodat), SCMP_SYS(fchmodat2), SCMP_SYS(fchownat), SCMP_SYS(utimensat),
	SCMP_SYS(ftruncate), SCMP_SYS(setxattr), SCMP_SYS(lsetxattr), SCMP_SYS(removexattr),
	SCMP_SYS(lremovexattr), SCMP_SYS(bind), SCMP_SYS(umask), SCMP_SYS(fchdir), SCMP_SYS(faccessat2),
	SCMP_SYS(fcntl), SCMP_SYS(close), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
	SCMP_SYS(ppoll), SCMP_SYS(poll), SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(fstatfs), SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap),
	SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(exit),
	SCMP_SYS(exit_group), SCMP_SYS(restart_syscall), SCMP_SYS(clock_gettime),
	SCMP_SYS(getrandom),
	/* what a sanitizer build's run-time calls on its way out */
	SCMP_SYS(sigaltstack), SCMP_SYS(futex), SCMP_SYS(sched_yield), SCMP_SYS(prlimit64),
};
const size_t gofer_nsyscalls = ARRAY_SIZE(gofer_syscalls);

/* The sandbox's own directories of `moat do`, mount points for the guest. */
static const char *const own_dirs[] = { "tmp", "run", "dev", "dev/shm" };

struct server {
	int rootfd;
	struct pollfd ch[MAX_CHANNELS];
	size_t nch;
	int *late;		/* fds of the late files, or -1 */
	size_t nlate;
	bool late_done;
	bool host_root;		/* own_dirs[] are the sandbox's own */
};

/* GOFER_LATE: append the rest to every late file, once. */
static int op_late(struct server *s, const struct gofer_msg *m)
{
	int r = 0;

	if (s->late_done)
		return -EALREADY;
	s->late_done = true;
	for (size_t i = 0; i < s->nlate; i++) {
		if (s->late[i] < 0)
			continue;
		if (!r)
			r = write_full(s->late[i], m->data, m->datalen);
		close(s->late[i]);
		s->late[i] = -1;
	}
	return r < 0 ? r : 0;
}

/*
 * Split @path into its parent directory, opened in the root, and the last
 * component (with any trailing slashes, which the *at() calls interpret).
 */
static int open_parent(int rootfd, const char *path, char *name, size_t cap)
{
	char parent[GOFER_PATH_MAX];
	size_t len = strlen(path), end = len, start;

	while (end > 1 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (start == end) {	/* the root itself */
		snprintf(name, cap, ".");
		return sys_openat2(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, MOAT_RESOLVE);
	}
	if (len - start >= cap)
		return -ENAMETOOLONG;
	memcpy(name, path + start, len - start + 1);
	memcpy(parent, path, start);
	parent[start] = '\0';
	int fd = sys_openat2(rootfd, parent, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, MOAT_RESOLVE);
	return fd < 0 ? -errno : fd;
}

static int open_target(int rootfd, const char *path, bool follow)
{
	int fd = sys_openat2(rootfd, path, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), 0,
			     MOAT_RESOLVE);

	return fd < 0 ? -errno : fd;
}

/*
 * GOFER_OPEN opens s1 from the root; GOFER_OPEN_AT opens s2 from the directory
 * s1 names, confined there as the guest's openat2() asked (req->a).
 */
/*
 * The mode bits the gofer gives: never setuid, nor setgid but on a directory
 * (where it only passes the group on).  The guest's view is nosuid, but a
 * volume, a kept overlay directory or a bundle's root file system is also the
 * host's, where a setuid file owned by the guest's user (root, when root runs
 * moat) would run as that user for whoever executes it there.
 */
static mode_t no_setid(mode_t mode, bool dir)
{
	return mode & ~(mode_t)(S_ISUID | (dir ? 0 : S_ISGID));
}

/*
 * Take the setuid and setgid bits off the file @fd names, if it is not a
 * directory: a file the guest opened for writing or changed may have been
 * copied up with them from the lower layer (a setuid program of the host) into
 * an upper layer that is a directory of the host (--overlay=dir), where it
 * would then run as its owner with what the guest made of it.
 * Return: 0, or -errno.
 */
static int drop_setid(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode) || !(st.st_mode & (S_ISUID | S_ISGID)))
		return 0;
	if (syscall(__NR_fchmodat2, fd, "", no_setid(st.st_mode & 07777, false), AT_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/* drop_setid() for @name in @dir, if it is there. */
static int drop_setid_at(int dir, const char *name)
{
	_cleanup_close_ int fd = sys_openat2(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0,
					     MOAT_RESOLVE);

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	return drop_setid(fd);
}

static int op_open(struct server *s, const struct gofer_msg *m, int *out)
{
	int flags = (int)m->req->flags;
	uint64_t how = (uint64_t)(flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? no_setid(m->req->mode, false) : 0;
	int fd;

	if (m->req->op == GOFER_OPEN_AT) {
		_cleanup_close_ int dir = sys_openat2(s->rootfd, m->s1,
						      O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
						      MOAT_RESOLVE);

		if (dir < 0)
			return -errno;
		fd = sys_openat2(dir, m->s2, how, mode, m->req->a | RESOLVE_NO_MAGICLINKS);
	} else {
		fd = sys_openat2(s->rootfd, m->s1, how, mode, MOAT_RESOLVE);
	}
	if (fd < 0)
		return -errno;
	if (drop_setid(fd) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	if (!(flags & O_NONBLOCK)) {
		int fl = fcntl(fd, F_GETFL);

		if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
			int r = -errno;

			close(fd);
			return r;
		}
	}
	*out = fd;
	return 0;
}

/*
 * Whether @name in @dir is one of the sandbox's own directories (/tmp, /run,
 * /dev, /dev/shm), which stand where a system mounts a file system: Linux
 * refuses to remove or rename a mount point (EBUSY), as it does the volumes'.
 * Here they are directories of the tree, which the kernel would let go.  The
 * object is held open while it is compared, so that an overlay directory's
 * inode number, which lasts only as long as its inode, is the one each
 * lookup sees.
 */
static bool is_own_dir(const struct server *s, int dir, const char *name)
{
	_cleanup_close_ int fd = -1;
	size_t len = strcspn(name, "/");	/* "tmp/" names /tmp too */
	struct stat st, own;
	const char *base;

	if (!s->host_root)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(own_dirs); i++) {
		base = strrchr(own_dirs[i], '/');
		base = base ? base + 1 : own_dirs[i];
		if (strlen(base) != len || strncmp(base, name, len))
			continue;
		if (fd < 0)
			fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			return false;
		if (fstatat(s->rootfd, own_dirs[i], &own, AT_SYMLINK_NOFOLLOW) == 0 &&
		    own.st_dev == st.st_dev && own.st_ino == st.st_ino)
			return true;
	}
	return false;
}

static int op_two_paths(struct server *s, const struct gofer_msg *m)
{
	char n1[NAME_MAX * 4], n2[NAME_MAX * 4];
	_cleanup_close_ int p1 = open_parent(s->rootfd, m->s1, n1, sizeof(n1));
	_cleanup_close_ int p2 = -1;
	int r;

	if (p1 < 0)
		return p1;
	p2 = open_parent(s->rootfd, m->s2, n2, sizeof(n2));
	if (p2 < 0)
		return p2;
	if (m->req->op == GOFER_RENAME && (is_own_dir(s, p1, n1) || is_own_dir(s, p2, n2)))
		return -EBUSY;
	if (m->req->op == GOFER_RENAME)
		r = (int)syscall(SYS_renameat2, p1, n1, p2, n2, m->req->flags);
	else
		r = linkat(p1, n1, p2, n2, (int)m->req->flags);
	if (r < 0)
		return -errno;
	r = drop_setid_at(p1, n1);	/* both names: RENAME_EXCHANGE */
	return r < 0 ? r : drop_setid_at(p2, n2);
}

/*
 * GOFER_LINK_FD: a name for the open file @fd (an O_TMPFILE file made
 * visible).  The kernel lets linkat(AT_EMPTY_PATH) name only a file the
 * caller opened itself, with the credentials it has (Linux 6.10; before,
 * only with CAP_DAC_READ_SEARCH, which the gofer has not: ENOENT): a file
 * the gofer opened for the guest.  Any other fd the sentry could pass is
 * refused there.
 */
static int op_link_fd(struct server *s, const struct gofer_msg *m, int fd)
{
	char name[NAME_MAX * 4];
	_cleanup_close_ int parent = open_parent(s->rootfd, m->s1, name, sizeof(name));

	if (parent < 0)
		return parent;
	if (linkat(fd, "", parent, name, AT_EMPTY_PATH) < 0)
		return -errno;
	return drop_setid_at(parent, name);
}

/*
 * The kernel keeps the address as bind() was given it, and getsockname(),
 * getpeername() and accept() give it back: so the guest's own path is bound,
 * from the directory it was relative to.  The kernel resolves it like any
 * path of the gofer's: inside its root, which is the sandbox root, and
 * without magic links, since its tree holds no procfs (tree_unveil()).
 *
 * The socket file's identity goes back to the sentry (@fd_out), which lets
 * the guest connect to that file alone: it is what the last component names
 * in the parent directory, opened before the bind and kept, not what the
 * path names afterwards, when the guest may have turned a directory of it
 * into a symlink to one of the host's (read-only) sockets.  In the parent
 * the guest can put nothing of the host's: a file moved or linked into an
 * overlay directory is a copy, and one it removes leaves a whiteout.  If the
 * guest moved things so that the bind landed elsewhere, nothing is sent and
 * nothing may connect to its socket.
 */
static int op_bind(struct server *s, const struct gofer_msg *m, int sock, int *fd_out)
{
	char abs[GOFER_PATH_MAX], name[NAME_MAX * 4];
	_cleanup_close_ int dir = -1, parent = -1;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(m->s2);
	struct stat st;
	int r, id;

	if (len > sizeof(sun.sun_path))	/* all 108 bytes, without a NUL, are a path */
		return -ENAMETOOLONG;
	if (snprintf(abs, sizeof(abs), "%s/%s", m->s2[0] == '/' ? "" : m->s1, m->s2) >=
	    (int)sizeof(abs))
		return -ENAMETOOLONG;
	parent = open_parent(s->rootfd, abs, name, sizeof(name));
	if (parent < 0)
		return parent;
	dir = sys_openat2(s->rootfd, m->s1, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, MOAT_RESOLVE);
	if (dir < 0)
		return -errno;
	memcpy(sun.sun_path, m->s2, len);
	if (fchdir(dir) < 0)
		return -errno;
	/* bind() takes the socket file's mode from the umask only (ours is 0). */
	umask(~m->req->mode & 0777);
	r = bind(sock, (struct sockaddr *)&sun,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
			     (len < sizeof(sun.sun_path))));
	r = r < 0 ? -errno : 0;
	umask(0);
	if (fchdir(s->rootfd) < 0 && !r)
		r = -errno;
	if (r < 0)
		return r;
	id = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (id >= 0 && (fstat(id, &st) < 0 || !S_ISSOCK(st.st_mode))) {
		close(id);
		id = -1;
	}
	*fd_out = id;
	return 0;
}

static int op_xattr(struct server *s, const struct gofer_msg *m)
{
	_cleanup_close_ int fd = -1;
	bool nofollow = m->req->flags & GOFER_NOFOLLOW;
	int flags = (int)(m->req->flags & ~GOFER_NOFOLLOW);
	int r;

	/* The gofer's root is the sandbox root, so these paths stay inside it. */
	if (m->req->op == GOFER_SETXATTR)
		r = nofollow ? lsetxattr(m->s1, m->s2, m->data, m->datalen, flags)
			     : setxattr(m->s1, m->s2, m->data, m->datalen, flags);
	else
		r = nofollow ? lremovexattr(m->s1, m->s2) : removexattr(m->s1, m->s2);
	if (r < 0)
		return -errno;
	fd = open_target(s->rootfd, m->s1, !nofollow);
	return fd < 0 ? fd : drop_setid(fd);
}

/* Ops that act on one existing object, following a final symlink or not. */
static int op_attr(struct server *s, const struct gofer_msg *m)
{
	const struct gofer_req *q = m->req;
	bool follow = !(q->flags & AT_SYMLINK_NOFOLLOW);
	_cleanup_close_ int fd = -1;
	int r;

	if (q->op == GOFER_TRUNCATE) {
		fd = sys_openat2(s->rootfd, m->s1, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0,
				 MOAT_RESOLVE);
		if (fd < 0)
			return errno == ENXIO ? -EINVAL : -errno;
		return ftruncate(fd, (off_t)q->a) < 0 ? -errno : 0;
	}
	fd = open_target(s->rootfd, m->s1, follow);
	if (fd < 0)
		return fd;
	switch (q->op) {
	case GOFER_CHMOD: {
		struct stat st;

		r = fstat(fd, &st);
		if (r == 0)
			r = (int)syscall(__NR_fchmodat2, fd, "", no_setid(q->mode, S_ISDIR(st.st_mode)),
					 AT_EMPTY_PATH);
		break;
	}
	case GOFER_CHOWN:
		r = fchownat(fd, "", (uid_t)q->a, (gid_t)q->b, AT_EMPTY_PATH);
		break;
	case GOFER_UTIMENS: {
		struct timespec ts[2] = {
			{ .tv_sec = q->times[0].sec, .tv_nsec = q->times[0].nsec },
			{ .tv_sec = q->times[1].sec, .tv_nsec = q->times[1].nsec },
		};
		r = utimensat(fd, "", ts, AT_EMPTY_PATH);
		break;
	}
	case GOFER_ACCESS:
		r = (int)syscall(SYS_faccessat2, fd, "", (int)q->mode,
				 AT_EMPTY_PATH | (int)(q->flags & AT_EACCESS));
		break;
	default:
		return -EINVAL;
	}
	if (r < 0)
		return -errno;
	/* chmod gave no such bit (no_setid()); any other change takes them off */
	return q->op == GOFER_ACCESS || q->op == GOFER_CHMOD ? 0 : drop_setid(fd);
}

/*
 * GOFER_STATFS: whether the mount of the object s1 names is read-only here,
 * where the guest's changes are made (the guest's own view is read-only
 * everywhere).  The sentry names the object it found (a = st_dev, b =
 * st_ino); a path that leads to another one here (a file system only the
 * guest's view has, a rename in between) is -ESTALE, and the sentry keeps
 * its own answer.
 */
static int op_statfs(struct server *s, const struct gofer_msg *m)
{
	_cleanup_close_ int fd = open_target(s->rootfd, m->s1, true);
	struct statfs sfs;
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0)
		return -errno;
	if ((uint64_t)st.st_dev != m->req->a || (uint64_t)st.st_ino != m->req->b)
		return -ESTALE;
	return (sfs.f_flags & ST_RDONLY) ? ST_RDONLY : 0;
}

/**
 * gofer_serve_one() - carry out one checked request
 * @s:		server state
 * @m:		the request
 * @fd_in:	the fd that came with it (GOFER_BIND, GOFER_CHANNEL), or -1
 * @fd_out:	set to an fd to send back (GOFER_OPEN, GOFER_OPEN_AT, GOFER_BIND)
 *
 * Return: the result to reply with (>= 0, or -errno)
 */
static int gofer_serve_one(struct server *s, const struct gofer_msg *m, int fd_in, int *fd_out)
{
	char name[NAME_MAX * 4];
	_cleanup_close_ int parent = -1;
	int r;

	switch (m->req->op) {
	case GOFER_OPEN:
	case GOFER_OPEN_AT:
		return op_open(s, m, fd_out);
	case GOFER_RENAME:
	case GOFER_LINK:
		return op_two_paths(s, m);
	case GOFER_BIND:
		return op_bind(s, m, fd_in, fd_out);
	case GOFER_LINK_FD:
		return op_link_fd(s, m, fd_in);
	case GOFER_SETXATTR:
	case GOFER_REMOVEXATTR:
		return op_xattr(s, m);
	case GOFER_CHMOD:
	case GOFER_CHOWN:
	case GOFER_TRUNCATE:
	case GOFER_UTIMENS:
	case GOFER_ACCESS:
		return op_attr(s, m);
	case GOFER_STATFS:
		return op_statfs(s, m);
	case GOFER_LATE:
		return op_late(s, m);
	case GOFER_CHANNEL:
		if (s->nch >= MAX_CHANNELS)
			return -EMFILE;
		s->ch[s->nch].fd = fd_in;
		s->ch[s->nch].events = POLLIN;
		s->nch++;
		return 0;
	}
	/* The root, which open_parent() gives as "." (rmdir of "." is EINVAL). */
	if (m->req->op == GOFER_UNLINK && m->s1[strspn(m->s1, "/")] == '\0')
		return (m->req->flags & AT_REMOVEDIR) ? -EBUSY : -EISDIR;
	parent = open_parent(s->rootfd, m->s1, name, sizeof(name));
	if (parent < 0)
		return parent;
	switch (m->req->op) {
	case GOFER_MKDIR:
		r = mkdirat(parent, name, m->req->mode);
		break;
	case GOFER_MKNOD:
		r = mknodat(parent, name, m->req->mode ? no_setid(m->req->mode, false) : S_IFREG, 0);
		break;
	case GOFER_UNLINK:
		if ((m->req->flags & AT_REMOVEDIR) && is_own_dir(s, parent, name))
			return -EBUSY;
		r = unlinkat(parent, name, (int)m->req->flags);
		break;
	case GOFER_SYMLINK:
		r = symlinkat(m->s2, parent, name);
		break;
	default:
		return -EINVAL;
	}
	return r < 0 ? -errno : 0;
}

/* Receive, check, serve and answer one request on channel @i. */
static int serve_channel(struct server *s, size_t i)
{
	static char buf[GOFER_MSG_MAX];
	struct gofer_msg m;
	struct gofer_resp resp = { 0 };
	int fds[FDIO_MAX_FDS], out = -1;
	unsigned nfds = 0;
	ssize_t n;
	int r;

	n = fdio_recv(s->ch[i].fd, buf, sizeof(buf), fds, FDIO_MAX_FDS, &nfds);
	if (n == 0 || n == -ECONNRESET)
		return -ECONNRESET;
	if (n < 0) {
		log_warn("channel %zu: dropped a malformed message: %s", i, strerror((int)-n));
		resp.result = -EPROTO;
		return fdio_send(s->ch[i].fd, &resp, sizeof(resp), NULL, 0);
	}
	r = gofer_req_check(buf, (size_t)n, nfds, &m);
	if (r < 0) {
		log_warn("channel %zu: refused a bad request: %s", i, strerror(-r));
		for (unsigned k = 0; k < nfds; k++)
			close(fds[k]);
		resp.result = r;
		return fdio_send(s->ch[i].fd, &resp, sizeof(resp), NULL, 0);
	}
	r = gofer_serve_one(s, &m, nfds ? fds[0] : -1, &out);
	/* The channel fd of GOFER_CHANNEL is kept; any other received fd is done. */
	if (nfds && !(m.req->op == GOFER_CHANNEL && r == 0))
		close(fds[0]);
	log_debug("%s %s -> %d", gofer_op_name(m.req->op), m.s1, r);
	resp.result = r;
	resp.nfds = out >= 0 ? 1 : 0;
	r = fdio_send(s->ch[i].fd, &resp, sizeof(resp), out >= 0 ? &out : NULL, resp.nfds);
	if (out >= 0)
		close(out);
	return r == -EPIPE ? -ECONNRESET : 0;
}

int gofer_serve(int rootfd, int ctl, int *late, size_t nlate, bool host_root)
{
	struct server s = { .rootfd = rootfd, .nch = 1, .late = late, .nlate = nlate,
			    .host_root = host_root };

	s.ch[0].fd = ctl;
	s.ch[0].events = POLLIN;
	for (;;) {
		int n = poll(s.ch, s.nch, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (size_t i = 0; i < s.nch; i++) {
			if (!s.ch[i].revents)
				continue;
			if (serve_channel(&s, i) == -ECONNRESET ||
			    (s.ch[i].revents & (POLLHUP | POLLERR | POLLNVAL) &&
			     !(s.ch[i].revents & POLLIN))) {
				if (i == 0)
					return 0;	/* the sentry is gone: so are we */
				close(s.ch[i].fd);
				s.ch[i] = s.ch[--s.nch];
				i--;
			}
		}
	}
}
