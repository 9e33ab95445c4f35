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
 *   - bind() of a path is done by the gofer, which alone can create files,
 *     with the guest's own path (getsockname() gives it back); the sentry
 *     records the (device, inode) of every socket bound this way;
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
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
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
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1], dir[PATH_MAX];
	_cleanup_close_ int sock = -1;
	int len = read_addr(c, &ss), r, id = -1;
	struct stat st;

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
	/* The gofer binds the guest's own path, which getsockname() shows,
	 * from the directory it is relative to. */
	r = path_abs(c, AT_FDCWD, path[0] == '/' ? "/" : "", dir, sizeof(dir));
	if (r == 0) {
		/* The kernel gives a socket file 0777 less the binder's umask. */
		struct gofer_req req = { .op = GOFER_BIND, .mode = 0777 & ~call_umask(c) };

		int ch = sentry_gofer_channel(c);

		r = ch < 0 ? -EIO : gofer_call(ch, &req, dir, path, strlen(path) + 1, sock, &id);
	}
	/* The file the gofer found where it bound, never the path looked up
	 * again, which the guest may have turned elsewhere since (gofer/server.c). */
	if (r == 0 && id >= 0 && fstat(id, &st) == 0 && S_ISSOCK(st.st_mode))
		sockset_add(&c->s->socks, st.st_dev, st.st_ino);
	if (id >= 0)
		close(id);
	call_fail(c, r < 0 ? -r : 0, r == -EACCES || r == -EROFS || r == -EPERM);
}

/*
 * Vet a unix pathname address for connect or send: the socket file must have
 * been bound inside the sandbox or live on a volume.  On success @ss names the
 * exact inode that was checked, through the worker's /proc/self/fd, and
 * *target holds it (the caller closes it after the call).
 * Return: 0, or -errno (-ECONNREFUSED for a socket of the host, refused)
 */
static int vet_unix(struct call *c, struct sockaddr_storage *ss, int *len, int *target)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1], abs[PATH_MAX];
	struct sockaddr_un *via = (struct sockaddr_un *)ss;
	struct stat st;
	int r;

	*target = -1;
	if (!unix_path(ss, *len, path))
		return 0;	/* abstract or unnamed: the sandbox's own */
	snprintf(c->path, sizeof(c->path), "%s", path);
	r = path_abs(c, AT_FDCWD, path, abs, sizeof(abs));
	if (r < 0)
		return r;
	*target = view_open(c, abs, O_PATH, 0);
	if (*target < 0)
		return *target;
	if (fstat(*target, &st) < 0 || !S_ISSOCK(st.st_mode))
		return -ECONNREFUSED;
	if (!sockset_has(&c->s->socks, st.st_dev, st.st_ino) && !on_volume(c, &st)) {
		c->refused = true;	/* a socket of the host */
		return -ECONNREFUSED;
	}
	memset(via, 0, sizeof(*via));
	via->sun_family = AF_UNIX;
	if (path_self_fd(c, *target, via->sun_path, sizeof(via->sun_path)) < 0)
		return -EIO;
	*len = (int)sizeof(*via);
	return 0;
}

/* Whether a call on @sock may wait: a blocking socket, without MSG_DONTWAIT. */
static void maybe_blocks(struct call *c, int sock, int msgflags)
{
	int fl = fcntl(sock, F_GETFL);

	if (fl >= 0 && !(fl & O_NONBLOCK) && !(msgflags & MSG_DONTWAIT))
		sentry_may_block(c);
}

void h_connect(struct call *c)
{
	struct sockaddr_storage ss;
	_cleanup_close_ int sock = -1, target = -1;
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
	r = vet_unix(c, &ss, &len, &target);
	if (r < 0) {
		call_fail(c, -r, c->refused);
		return;
	}
	maybe_blocks(c, sock, 0);
	r = connect(sock, (struct sockaddr *)&ss, (socklen_t)len);
	call_fail(c, r < 0 ? errno : 0, false);
}

/*
 * sendto with an address, sendmsg and sendmmsg.
 *
 * The address of a datagram can name a socket file, so these calls are
 * served like connect.  Since the sentry reads their arguments, it also makes
 * the call itself (on its duplicate of the guest's socket): the data is
 * copied out of guest memory, up to SEND_MAX bytes a message.  A stream socket
 * may take less than was asked, as it may natively; a datagram larger than
 * that is refused with EMSGSIZE.  SCM_RIGHTS fds are the guest's own, taken
 * with pidfd_getfd; SCM_CREDENTIALS cannot be passed on (EPERM).
 */
#define SEND_MAX (1u << 20)
#define SEND_CTL_MAX 4096u

struct outmsg {
	struct sockaddr_storage addr;
	int addrlen;
	char *data;
	size_t len;
	union { char buf[SEND_CTL_MAX]; struct cmsghdr align; } ctl;
	size_t ctllen;
	int fds[64];
	int nfds;
	int target;
};

static void outmsg_free(struct outmsg *m)
{
	free(m->data);
	m->data = NULL;
	for (int i = 0; i < m->nfds; i++)
		close(m->fds[i]);
	m->nfds = 0;
	if (m->target >= 0)
		close(m->target);
	m->target = -1;
}

/* Gather @iovcnt guest iovecs at @iovp into one buffer; Return: 0 or -errno. */
static int gather(struct call *c, uint64_t iovp, uint64_t iovcnt, int socktype, struct outmsg *m)
{
	struct iovec iov[64];
	size_t total = 0;

	if (iovcnt > 1024)
		return -EMSGSIZE;
	m->data = malloc(SEND_MAX);
	if (!m->data)
		return -ENOMEM;
	for (uint64_t done = 0; done < iovcnt && total < SEND_MAX; done += 64) {
		size_t n = (size_t)MIN(64, iovcnt - done);

		if (mem_read(c->tid, iovp + done * sizeof(*iov), iov, n * sizeof(*iov)) < 0)
			return -EFAULT;
		for (size_t i = 0; i < n && total < SEND_MAX; i++) {
			size_t take = iov[i].iov_len;

			if (take > SEND_MAX - total) {
				if (socktype != SOCK_STREAM)
					return -EMSGSIZE;
				take = SEND_MAX - total;	/* a stream may send less */
			}
			if (take && mem_read(c->tid, (uint64_t)(uintptr_t)iov[i].iov_base,
					     m->data + total, take) < 0)
				return -EFAULT;
			total += take;
		}
	}
	m->len = total;
	return 0;
}

/* Copy the control messages, putting the sentry's copies of passed fds in. */
static int translate_control(struct call *c, uint64_t ctlp, size_t ctllen, struct outmsg *m)
{
	struct msghdr h = { .msg_control = m->ctl.buf, .msg_controllen = ctllen };

	if (ctllen > SEND_CTL_MAX)
		return -ENOBUFS;
	if (mem_read(c->tid, ctlp, m->ctl.buf, ctllen) < 0)
		return -EFAULT;
	m->ctllen = ctllen;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&h); cm; cm = CMSG_NXTHDR(&h, cm)) {
		if (cm->cmsg_len < CMSG_LEN(0) || cm->cmsg_len > ctllen)
			return -EINVAL;
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_CREDENTIALS)
			return -EPERM;
		if (cm->cmsg_type == SCM_RIGHTS) {
			size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < n; i++) {
				int gfd, fd;

				if (m->nfds >= (int)ARRAY_SIZE(m->fds))
					return -ETOOMANYREFS;
				memcpy(&gfd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				fd = path_take_fd(c, gfd);
				if (fd < 0)
					return fd == -ESRCH ? -ESRCH : -EBADF;
				m->fds[m->nfds++] = fd;
				memcpy(CMSG_DATA(cm) + i * sizeof(int), &fd, sizeof(int));
			}
		}
	}
	return 0;
}

static int socket_type(int sock)
{
	int type = 0;
	socklen_t len = sizeof(type);

	getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len);
	return type;
}

/* A message as the guest described it: every pointer is into guest memory. */
struct guest_send {
	uint64_t name, namelen;
	uint64_t iov, iovlen;		/* sendmsg: an iovec array */
	uint64_t buf, len;		/* sendto: one buffer */
	uint64_t ctl, ctllen;
	bool vector;			/* the data is described by iov, iovlen */
};

/* Read, vet and send the guest's message @g on @sock; Return: bytes or -errno. */
static ssize_t send_one(struct call *c, int sock, const struct guest_send *g, int flags)
{
	struct outmsg m = { .target = -1 };
	struct msghdr out = { 0 };
	struct iovec iov;
	ssize_t n;
	int r = 0, type = socket_type(sock);

	if (g->name && g->namelen) {
		if (g->namelen > sizeof(m.addr))
			return -EINVAL;
		if (mem_read(c->tid, g->name, &m.addr, g->namelen) < 0)
			return -EFAULT;
		m.addrlen = (int)g->namelen;
	}
	if (g->vector) {
		r = gather(c, g->iov, g->iovlen, type, &m);
	} else {
		size_t take = g->len;

		if (take > SEND_MAX && type != SOCK_STREAM)
			r = -EMSGSIZE;
		take = MIN(take, (size_t)SEND_MAX);
		m.data = malloc(take ? take : 1);
		if (!r && !m.data)
			r = -ENOMEM;
		if (!r && take && mem_read(c->tid, g->buf, m.data, take) < 0)
			r = -EFAULT;
		m.len = take;
	}
	if (!r && g->ctl && g->ctllen)
		r = translate_control(c, g->ctl, g->ctllen, &m);
	if (!r && m.addrlen)
		r = vet_unix(c, &m.addr, &m.addrlen, &m.target);
	if (r < 0) {
		outmsg_free(&m);
		return r;
	}
	iov.iov_base = m.data;
	iov.iov_len = m.len;
	out.msg_iov = &iov;
	out.msg_iovlen = 1;
	if (m.addrlen) {
		out.msg_name = &m.addr;
		out.msg_namelen = (socklen_t)m.addrlen;
	}
	if (m.ctllen) {
		out.msg_control = m.ctl.buf;
		out.msg_controllen = m.ctllen;
	}
	maybe_blocks(c, sock, flags);
	n = sendmsg(sock, &out, flags | MSG_NOSIGNAL);
	n = n < 0 ? -errno : n;
	outmsg_free(&m);
	/* MSG_NOSIGNAL was ours: the guest gets its SIGPIPE as the kernel would. */
	if (n == -EPIPE && !(flags & MSG_NOSIGNAL))
		kill(c->tid, SIGPIPE);
	return n;
}

static int send_prologue(struct call *c)
{
	int sock;

	if (!call_still_valid(c))
		return -EINTR;
	sock = take_socket(c, arg_int(c, 0));
	return sock;
}

static void send_result(struct call *c, ssize_t n)
{
	if (n < 0)
		call_fail(c, (int)-n, c->refused);
	else
		c->val = n;
}

void h_sendto(struct call *c)
{
	struct guest_send g = {
		.buf = arg(c, 1), .len = arg(c, 2), .name = arg(c, 4), .namelen = (uint32_t)arg(c, 5),
	};
	int sock = send_prologue(c);

	if (sock < 0) {
		call_fail(c, -sock, false);
		return;
	}
	send_result(c, send_one(c, sock, &g, arg_int(c, 3)));
	close(sock);
}

/* A struct msghdr of the guest, read once. */
static int read_msghdr(struct call *c, uint64_t addr, struct guest_send *g)
{
	struct msghdr mh;

	if (mem_read(c->tid, addr, &mh, sizeof(mh)) < 0)
		return -EFAULT;
	g->name = (uint64_t)(uintptr_t)mh.msg_name;
	g->namelen = mh.msg_namelen;
	g->iov = (uint64_t)(uintptr_t)mh.msg_iov;
	g->iovlen = mh.msg_iovlen;
	g->ctl = (uint64_t)(uintptr_t)mh.msg_control;
	g->ctllen = mh.msg_controllen;
	g->vector = true;
	if (!g->iov && g->iovlen)
		return -EFAULT;
	return 0;
}

void h_sendmsg(struct call *c)
{
	struct guest_send g = { 0 };
	int sock, r = read_msghdr(c, arg(c, 1), &g);

	if (r < 0) {
		call_fail(c, -r, false);
		return;
	}
	sock = send_prologue(c);
	if (sock < 0) {
		call_fail(c, -sock, false);
		return;
	}
	send_result(c, send_one(c, sock, &g, arg_int(c, 2)));
	close(sock);
}

void h_sendmmsg(struct call *c)
{
	uint64_t vec = arg(c, 1);
	unsigned vlen = (unsigned)MIN(arg(c, 2), 1024u), sent = 0;
	int sock = send_prologue(c), flags = arg_int(c, 3);
	ssize_t n = 0;

	if (sock < 0) {
		call_fail(c, -sock, false);
		return;
	}
	for (; sent < vlen; sent++) {
		struct guest_send g = { 0 };
		uint64_t at = vec + sent * sizeof(struct mmsghdr);
		unsigned len;

		n = read_msghdr(c, at, &g);
		if (n < 0)
			break;
		n = send_one(c, sock, &g, flags);
		if (n < 0)
			break;
		len = (unsigned)n;
		if (mem_write(c->tid, at + offsetof(struct mmsghdr, msg_len), &len, sizeof(len)) < 0) {
			n = -EFAULT;
			break;
		}
	}
	close(sock);
	if (sent > 0)
		c->val = sent;	/* as the kernel: the count, if any message went */
	else
		send_result(c, n);
}
