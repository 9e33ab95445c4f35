// SPDX-License-Identifier: MIT
/*
 * net.c - bind and connect.
 *
 * Both take an address in guest memory, so both are served: the sentry copies
 * the address, takes a duplicate of the guest's socket (pidfd_getfd) and makes
 * the call itself on that duplicate.  The socket object is shared, so the
 * guest's socket is bound or connected exactly as if it had made the call; its
 * O_NONBLOCK setting applies as well.
 *
 * A unix socket named by a path is the one way a path can reach outside the
 * sandbox: connecting to a socket file reaches whoever listens on it, even a
 * daemon on the host whose socket is visible through the read-only view.  So:
 *   - bind() of a path is done by the gofer, which alone can create files; the
 *     sentry records the (device, inode) of every socket bound this way;
 *   - connect() to a path is allowed only to those sockets, and to sockets on
 *     volumes the user mounted into the sandbox; anything else is refused with
 *     ECONNREFUSED and recorded in the audit log.  The connect goes through
 *     /proc/self/fd/<n> of the exact inode that was checked.
 * Abstract and unnamed unix sockets, and internet sockets, live in the
 * sandbox's own network namespace and need no such care.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sentry/handlers.h"
#include "sentry/mem.h"
#include "sentry/path.h"
#include "sys.h"
#include "util.h"

void sockset_add(struct sockset *set, dev_t dev, ino_t ino)
{
	pthread_mutex_lock(&set->lock);
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		struct sock_id *ids = realloc(set->ids, cap * sizeof(*ids));

		if (!ids) {
			pthread_mutex_unlock(&set->lock);
			return;
		}
		set->ids = ids;
		set->cap = cap;
	}
	set->ids[set->n].dev = dev;
	set->ids[set->n].ino = ino;
	set->n++;
	pthread_mutex_unlock(&set->lock);
}

bool sockset_has(struct sockset *set, dev_t dev, ino_t ino)
{
	bool found = false;

	pthread_mutex_lock(&set->lock);
	for (size_t i = 0; i < set->n && !found; i++)
		found = set->ids[i].dev == dev && set->ids[i].ino == ino;
	pthread_mutex_unlock(&set->lock);
	return found;
}

/* A duplicate of the caller's socket @fd. */
static int take_socket(struct call *c, int fd)
{
	struct stat st;
	int r = path_take_fd(c, fd);

	if (r >= 0 && (fstat(r, &st) < 0 || !S_ISSOCK(st.st_mode))) {
		close(r);
		return -ENOTSOCK;
	}
	return r;
}

/* Whether @st lies on a volume the user mounted (same device as its root). */
static bool on_volume(struct call *c, const struct stat *st)
{
	const struct gofer_tree *t = &c->s->spec->tree;

	for (size_t i = 0; i < t->nmounts; i++) {
		struct stat vs;
		int fd;

		if (t->mounts[i].type != TM_BIND)
			continue;
		fd = view_open(c, t->mounts[i].dst, O_PATH, 0);
		if (fd < 0)
			continue;
		if (fstat(fd, &vs) == 0 && vs.st_dev == st->st_dev) {
			close(fd);
			return true;
		}
		close(fd);
	}
	return false;
}

/* Read the guest's address; Return: its length or -errno. */
static int read_addr(struct call *c, struct sockaddr_storage *ss)
{
	size_t len = arg(c, 2);

	if (len > sizeof(*ss) || (int)len < 0)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (mem_read(c->tid, arg(c, 1), ss, len) < 0)
		return -EFAULT;
	return (int)len;
}

/* The path of a pathname unix address, or NULL for abstract and unnamed ones. */
static const char *unix_path(const struct sockaddr_storage *ss, int len, char *buf)
{
	const struct sockaddr_un *sun = (const void *)ss;
	size_t n;

	if (ss->ss_family != AF_UNIX || len <= (int)offsetof(struct sockaddr_un, sun_path) ||
	    sun->sun_path[0] == '\0')
		return NULL;
	n = (size_t)len - offsetof(struct sockaddr_un, sun_path);
	n = strnlen(sun->sun_path, MIN(n, sizeof(sun->sun_path)));
	memcpy(buf, sun->sun_path, n);
	buf[n] = '\0';
	return buf;
}

void h_bind(struct call *c)
{
	struct sockaddr_storage ss;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1], abs[PATH_MAX];
	_cleanup_close_ int sock = -1;
	int len = read_addr(c, &ss), r;

	if (len < 0 || !call_still_valid(c)) {
		call_fail(c, len < 0 ? -len : EINTR, false);
		return;
	}
	sock = take_socket(c, arg_int(c, 0));
	if (sock < 0) {
		call_fail(c, -sock, false);
		return;
	}
	if (!unix_path(&ss, len, path)) {
		r = bind(sock, (struct sockaddr *)&ss, (socklen_t)len);
		call_fail(c, r < 0 ? errno : 0, r < 0 && errno == EACCES);
		return;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	r = path_abs(c, AT_FDCWD, path, abs, sizeof(abs));
	if (r == 0) {
		struct gofer_req req = { .op = GOFER_BIND };

		int ch = sentry_gofer_channel(c);

		r = ch < 0 ? -EIO : gofer_call(ch, &req, abs, NULL, 0, sock, NULL);
	}
	if (r == 0) {
		struct stat st;
		int fd = view_open(c, abs, O_PATH | O_NOFOLLOW, 0);

		if (fd >= 0 && fstat(fd, &st) == 0)
			sockset_add(&c->s->socks, st.st_dev, st.st_ino);
		if (fd >= 0)
			close(fd);
	}
	call_fail(c, r < 0 ? -r : 0, r == -EACCES || r == -EROFS || r == -EPERM);
}

void h_connect(struct call *c)
{
	struct sockaddr_storage ss;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1], abs[PATH_MAX];
	_cleanup_close_ int sock = -1, target = -1;
	struct sockaddr_un via = { .sun_family = AF_UNIX };
	struct stat st;
	int len = read_addr(c, &ss), r;

	if (len < 0 || !call_still_valid(c)) {
		call_fail(c, len < 0 ? -len : EINTR, false);
		return;
	}
	sock = take_socket(c, arg_int(c, 0));
	if (sock < 0) {
		call_fail(c, -sock, false);
		return;
	}
	if (!unix_path(&ss, len, path)) {
		r = connect(sock, (struct sockaddr *)&ss, (socklen_t)len);
		call_fail(c, r < 0 ? errno : 0, false);
		return;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	r = path_abs(c, AT_FDCWD, path, abs, sizeof(abs));
	if (r < 0) {
		call_fail(c, -r, false);
		return;
	}
	target = view_open(c, abs, O_PATH, 0);
	if (target < 0) {
		call_fail(c, -target, false);
		return;
	}
	if (fstat(target, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		call_fail(c, ECONNREFUSED, false);
		return;
	}
	if (!sockset_has(&c->s->socks, st.st_dev, st.st_ino) && !on_volume(c, &st)) {
		call_fail(c, ECONNREFUSED, true);	/* a socket of the host */
		return;
	}
	if (path_self_fd(c, target, via.sun_path, sizeof(via.sun_path)) < 0) {
		call_fail(c, EIO, false);
		return;
	}
	r = connect(sock, (struct sockaddr *)&via, sizeof(via));
	call_fail(c, r < 0 ? errno : 0, false);
}
