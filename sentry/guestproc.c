// SPDX-License-Identifier: MIT
/*
 * guestproc.c - opening the guest's /proc/<pid> files with the guest's own
 * credentials.
 *
 * Theory of operation
 * -------------------
 * Many files under /proc/<pid> are guarded by the kernel's ptrace access check
 * (mem, environ, maps, the fd directory, the exe and cwd links): a process may
 * open another's only if their ids match and the other is dumpable, or with
 * CAP_SYS_PTRACE over it.  Others render ids in the opener's user namespace
 * (status, uid_map).  The sentry serves the guest's opens, and it is the
 * owner of the user namespace the guest's programs run in, which the kernel
 * counts as holding every capability there: a file the sentry opened for the
 * guest would skip the guest's own check (a process that made itself not
 * dumpable, as ssh-agent does, would be open to the rest of the guest) and
 * show the host's ids.
 *
 * So the sandbox has one more process, the opener, forked by the sentry's
 * main thread when a worker first needs it (most sandboxes never do).  It
 * joins the guest's user and mount namespaces and drops every capability, so
 * that it holds exactly what a guest process holds: the guest's uid and gid,
 * no capability anywhere, no_new_privs, the guest's read-only view as its
 * root (so that link texts read as the guest reads them).  It is not dumpable
 * and not in the guest's pid namespace, so no guest process can name it in
 * /proc or reach it.  Its allowlist has no call but those below.  It opens
 * only what the sentry asks, in that root (RESOLVE_IN_ROOT, no magic links),
 * and sends back the fd or the link text; the sentry installs the fd in the
 * guest as it would its own.  The one magic link it follows is the last
 * component of a path of exactly the shape /proc/<pid>/exe or
 * /proc/<pid>/fd/<n> (GP_FOLLOW, for another process's links: path.c), where
 * the kernel checks that it may trace that process, as it would check the
 * guest's.  The sentry sends it every /proc/<pid> path of
 * the guest's procfs (path.c decides); a caller's own files that the opener
 * may not open (the caller made itself not dumpable) the sentry then opens
 * itself, as the kernel lets a process open its own.  The opener also creates
 * what a guest's open(O_CREAT) makes in its mqueue mount (GP_CREATE, a name
 * right below that mount: fs.c), so that the queue's owner and the kernel's
 * limits are the guest's; no other request carries O_CREAT.
 *
 * An opener killed from the host is not replaced: its socket's hang-up makes
 * it GP_FAILED, as one that could not start, and the sentry's reaper collects
 * it with the sandbox's other children, so it is ended at the last through
 * its pidfd, never its pid, which the host may have given to another process.
 *
 * Messages are fixed-size and checked on both sides (DESIGN.md invariant 5).
 */
#include "sentry/guestproc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "fdio.h"
#include "log.h"
#include "sys.h"
#include "syscall_nr.h"
#include "util.h"

/* Everything the opener does once it is confined. */
const int guestproc_syscalls[] = {
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(openat2), SCMP_SYS(readlinkat),
	SCMP_SYS(close), SCMP_SYS(exit_group), SCMP_SYS(exit), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(restart_syscall),
};
const size_t guestproc_nsyscalls = ARRAY_SIZE(guestproc_syscalls);

extern const struct sock_filter moat_filter_guestproc[] __attribute__((weak));
extern const unsigned short moat_filter_guestproc_len __attribute__((weak));

#define GP_RESOLVE (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/*
 * Where the link's name starts in "/proc/<pid>[/task/<tid>]/exe" or
 * ".../fd/<n>" (at "exe" or at <n>), or NULL for a path of any other shape.
 */
static const char *follow_name(const char *path)
{
	const char *p = path + 6;
	size_t k;

	if (strncmp(path, "/proc/", 6))
		return NULL;
	k = strspn(p, "0123456789");
	if (!k || k > 9 || p[k] != '/')
		return NULL;
	p += k + 1;
	if (!strncmp(p, "task/", 5)) {
		k = strspn(p + 5, "0123456789");
		if (!k || k > 9 || p[5 + k] != '/')
			return NULL;
		p += 5 + k + 1;
	}
	if (!strcmp(p, "exe"))
		return p;
	k = strncmp(p, "fd/", 3) ? 0 : strspn(p + 3, "0123456789");
	return k && k <= 9 && !p[3 + k] ? p + 3 : NULL;
}

/*
 * GP_FOLLOW: the directory holding the link is looked up as any path (in the
 * root, no magic link), then the link alone, a name of that procfs directory,
 * is followed: the kernel checks there that the opener, with the guest's
 * credentials, may trace the link's process.  Return: fd or -errno
 */
static int follow(int rootfd, const char *path, int flags)
{
	const char *name = follow_name(path);
	char dir[PATH_MAX];
	_cleanup_close_ int dfd = -1;
	int fd;

	if (!name)
		return -EINVAL;
	memcpy(dir, path, (size_t)(name - path - 1));
	dir[name - path - 1] = '\0';
	dfd = sys_openat2(rootfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, GP_RESOLVE);
	if (dfd < 0)
		return -errno;
	fd = sys_openat2(dfd, name,
			 (uint64_t)(unsigned)(flags | O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY)), 0, 0);
	return fd < 0 ? -errno : fd;
}

static void answer(int sock, const struct guestproc_req *q, int rootfd)
{
	struct guestproc_resp a = { 0 };
	size_t len = sizeof(a.result);
	int fd = -1;

	if (q->op == GP_OPEN || q->op == GP_CREATE) {
		int flags = q->op == GP_CREATE ? q->flags | O_CREAT : q->flags & ~O_CREAT;

		fd = sys_openat2(rootfd, q->path, (uint64_t)(unsigned)(flags | O_CLOEXEC | O_NOCTTY),
				 q->op == GP_CREATE ? q->mode : 0, GP_RESOLVE | q->resolve);
		a.result = fd < 0 ? -errno : 0;
	} else if (q->op == GP_FOLLOW) {
		fd = follow(rootfd, q->path, q->flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW));
		a.result = fd < 0 ? fd : 0;
	} else {
		_cleanup_close_ int link = sys_openat2(rootfd, q->path,
						       O_PATH | O_NOFOLLOW | O_CLOEXEC, 0,
						       GP_RESOLVE);
		ssize_t n = link < 0 ? -1 : readlinkat(link, "", a.text, sizeof(a.text));

		a.result = n < 0 ? -errno : (int32_t)n;
		if (n > 0)
			len += (size_t)n;
	}
	fdio_send(sock, &a, len, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0);
	if (fd >= 0)
		close(fd);
}

static _Noreturn void opener(const struct guestproc *gp, int sock)
{
	int userns = gp->userns, mntns = gp->mntns;
	struct merr e = { 0 };
	int rootfd, keep[2] = { sock };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (geteuid() == 0)
		setgroups(0, NULL);	/* the guest has no supplementary groups */
	/* The user namespace first: its capabilities let it join the other. */
	if (setns(userns, CLONE_NEWUSER) < 0 || setns(mntns, CLONE_NEWNS) < 0)
		_exit(MOAT_EXIT_FAILURE);
	/* root of the guest's namespace, as the runner is there, unless its ids
	 * are its own: then the command's */
	if (gp->become && confine_become(gp->uid, gp->gid, &e) < 0)
		_exit(MOAT_EXIT_FAILURE);
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	keep[1] = rootfd;
	if (rootfd < 0 || confine_close_fds(keep, 2) < 0 || confine_drop_caps(0, &e) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0) < 0 ||
	    confine_allowlist_load(moat_filter_guestproc, &moat_filter_guestproc_len,
				   guestproc_syscalls, guestproc_nsyscalls, &e) < 0)
		_exit(MOAT_EXIT_FAILURE);
	if (fdio_send(sock, &(int32_t){ 0 }, sizeof(int32_t), NULL, 0) < 0)	/* ready */
		_exit(MOAT_EXIT_FAILURE);
	for (;;) {
		struct guestproc_req q;
		unsigned nfds = 0;
		ssize_t n = fdio_recv(sock, &q, sizeof(q), NULL, 0, &nfds);

		if (n == 0 || (n < 0 && n != -EMSGSIZE && n != -EPROTO))
			_exit(0);	/* the sentry is gone */
		if (n == (ssize_t)sizeof(q) &&
		    (q.op == GP_OPEN || q.op == GP_READLINK || q.op == GP_CREATE ||
		     q.op == GP_FOLLOW) &&
		    memchr(q.path, '\0', sizeof(q.path)) && !(q.mode & ~07777u) &&
		    !(q.resolve & ~(uint64_t)GUESTPROC_RESOLVE))
			answer(sock, &q, rootfd);
		else
			fdio_send(sock, &(int32_t){ -EINVAL }, sizeof(int32_t), NULL, 0);
	}
}

void guestproc_ids(struct guestproc *gp, uid_t uid, gid_t gid)
{
	gp->become = true;
	gp->uid = uid;
	gp->gid = gid;
}

void guestproc_init(struct guestproc *gp)
{
	gp->pid = 0;
	gp->become = false;
	gp->sock = gp->pidfd = gp->userns = gp->mntns = gp->wake = -1;
	gp->state = GP_FAILED;	/* until guestproc_namespaces() */
	pthread_mutex_init(&gp->lock, NULL);
	pthread_cond_init(&gp->changed, NULL);
}

int guestproc_namespaces(struct guestproc *gp, int proc, pid_t member, struct merr *e)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "%d/ns/user", (int)member);
	gp->userns = openat(proc, rel, O_RDONLY | O_CLOEXEC);
	snprintf(rel, sizeof(rel), "%d/ns/mnt", (int)member);
	gp->mntns = openat(proc, rel, O_RDONLY | O_CLOEXEC);
	gp->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (gp->userns < 0 || gp->mntns < 0 || gp->wake < 0)
		return merr_sys(e, "open the guest's namespaces for its /proc opener");
	gp->state = GP_NONE;
	return 0;
}

static int start(struct guestproc *gp)
{
	int32_t ready = -1;
	unsigned nfds;
	int sp[2], pidfd;
	pid_t pid;

	if (gp->userns < 0 || gp->mntns < 0)
		return -EBADF;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(sp[0]);
		opener(gp, sp[1]);
	}
	close(sp[1]);
	if (pid < 0) {
		close(sp[0]);
		return -errno;
	}
	/*
	 * Only this thread reaps, so the pid is still the opener's.  Later it
	 * may not be: killed from the host, the opener is reaped with the
	 * sandbox's other children and its pid given to any new process.
	 */
	pidfd = child_pidfd(pid);
	if (pidfd < 0) {
		close(sp[0]);
		return pidfd;
	}
	gp->pidfd = pidfd;
	gp->pid = pid;
	if (fdio_recv(sp[0], &ready, sizeof(ready), NULL, 0, &nfds) != sizeof(ready) || ready) {
		close(sp[0]);
		return -EPROTO;
	}
	gp->sock = sp[0];
	return 0;
}

void guestproc_start(struct guestproc *gp)
{
	uint64_t n;
	int r;

	if (read(gp->wake, &n, sizeof(n)) != sizeof(n))
		return;		/* spurious */
	r = start(gp);
	if (r < 0)
		log_warn("the guest's /proc/<pid> files of other processes are refused: "
			 "its opener did not start (%s); the next open tries again", strerror(-r));
	pthread_mutex_lock(&gp->lock);
	gp->state = r < 0 ? GP_NONE : GP_READY;
	pthread_cond_broadcast(&gp->changed);
	pthread_mutex_unlock(&gp->lock);
	if (r < 0)
		return;
	close(gp->userns);
	close(gp->mntns);
	gp->userns = gp->mntns = -1;
}

/* One request and its answer.  Return: the result (-errno on failure). */
static int call(struct guestproc *gp, const char *abs, uint32_t op, int flags, mode_t mode,
		uint64_t resolve, struct guestproc_resp *a, int *fd)
{
	struct guestproc_req q = { .op = op, .flags = flags, .mode = (uint32_t)(mode & 07777),
				   .resolve = resolve & GUESTPROC_RESOLVE };
	unsigned nfds = 0;
	ssize_t n;
	int r;

	*fd = -1;
	if (strlen(abs) >= sizeof(q.path))
		return -ENAMETOOLONG;
	strcpy(q.path, abs);
	pthread_mutex_lock(&gp->lock);
	if (gp->state == GP_NONE) {
		gp->state = GP_WANTED;
		if (write(gp->wake, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
			gp->state = GP_FAILED;
	}
	while (gp->state == GP_WANTED)
		pthread_cond_wait(&gp->changed, &gp->lock);
	if (gp->state != GP_READY) {
		pthread_mutex_unlock(&gp->lock);
		return -ENOSYS;
	}
	r = fdio_send(gp->sock, &q, sizeof(q), NULL, 0);
	n = r < 0 ? r : fdio_recv(gp->sock, a, sizeof(*a), fd, 1, &nfds);
	if (n == 0 || n == -EPIPE || n == -ECONNRESET) {
		/* Killed from the host: as if it had never started, for good. */
		gp->state = GP_FAILED;
		pthread_mutex_unlock(&gp->lock);
		log_warn("the guest's /proc opener is gone: the guest's /proc/<pid> files of "
			 "other processes are refused from now on");
		return -ENOSYS;
	}
	pthread_mutex_unlock(&gp->lock);
	if (n < (ssize_t)sizeof(a->result) || a->result < -4095 ||
	    (op != GP_READLINK && (a->result == 0) != (nfds == 1)) ||
	    (op == GP_READLINK && (nfds != 0 || (a->result >= 0 &&
						 n != (ssize_t)sizeof(a->result) + a->result)))) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		log_warn("the guest's /proc opener gave a malformed answer");
		return -EIO;
	}
	return a->result;
}

int guestproc_open(struct guestproc *gp, const char *abs, int flags, uint64_t resolve)
{
	struct guestproc_resp a;
	int fd, r = call(gp, abs, GP_OPEN, flags, 0, resolve, &a, &fd);

	return r < 0 ? r : fd;
}

int guestproc_create(struct guestproc *gp, const char *abs, int flags, mode_t mode)
{
	struct guestproc_resp a;
	int fd, r = call(gp, abs, GP_CREATE, flags, mode, 0, &a, &fd);

	return r < 0 ? r : fd;
}

int guestproc_follow(struct guestproc *gp, const char *abs, int flags)
{
	struct guestproc_resp a;
	int fd, r = call(gp, abs, GP_FOLLOW, flags, 0, 0, &a, &fd);

	return r < 0 ? r : fd;
}

ssize_t guestproc_readlink(struct guestproc *gp, const char *abs, char *out, size_t cap)
{
	struct guestproc_resp a;
	int fd, r = call(gp, abs, GP_READLINK, 0, 0, 0, &a, &fd);

	if (r < 0)
		return r;
	r = (int)MIN((size_t)r, cap);
	memcpy(out, a.text, (size_t)r);
	return r;
}

void guestproc_stop(struct guestproc *gp)
{
	int *fds[] = { &gp->sock, &gp->userns, &gp->mntns, &gp->wake };

	child_end(&gp->pidfd);
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	gp->pid = 0;
}
