// SPDX-License-Identifier: MIT
/*
 * gofer.c - the gofer process: birth, confinement, and the sentry's client.
 *
 * The gofer is forked by the sentry with CLONE_NEWUSER | CLONE_NEWNS.  The
 * sentry writes its id maps (the invoking user becomes root inside; a root
 * invoker maps uids and gids 0-65535 so that overlay copy-up can keep owners),
 * then says go.  The gofer builds the tree (tree.c), ending with the tree as
 * its root, closes every fd it did not bring for the purpose, drops all
 * capabilities, loads its seccomp allowlist and only then reports ready and
 * starts reading requests.  It dies with the sentry (PR_SET_PDEATHSIG).
 *
 * Late files (presented files whose rest comes from outbound: the sandbox's
 * CA) get it before the guest runs ("L" on the control channel), or, when
 * outbound starts on first use, from a GOFER_LATE request while serving: their
 * fds stay open until then.
 */
#include "gofer/gofer.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confine.h"
#include "fdio.h"
#include "gofer/server.h"
#include "log.h"
#include "sys.h"
#include "util.h"

/* The allowlist compiled at build time (tools/genfilter), when linked in. */
extern const struct sock_filter moat_filter_gofer[] __attribute__((weak));
extern const unsigned short moat_filter_gofer_len __attribute__((weak));

struct gofer_status {
	int32_t result;
	char msg[sizeof(((struct merr *)0)->msg)];
};

static int report(int ctl, int result, const char *msg)
{
	struct gofer_status st = { .result = result };

	snprintf(st.msg, sizeof(st.msg), "%s", msg ? msg : "");
	return fdio_send(ctl, &st, sizeof(st), NULL, 0);
}

static int write_at(int dirfd, const char *path, const char *text)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return write_full(fd, text, strlen(text));
}

/* Close the late files; with @data, append it to each first. */
static int fill_late(int *late, size_t n, const char *data, size_t len)
{
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		if (late[i] < 0)
			continue;
		if (data && !r)
			r = write_full(late[i], data, len);
		close(late[i]);
		late[i] = -1;
	}
	return r;
}

/*
 * Built: wait for the sentry's word to go on ("D", once the guest has copied
 * our mounts), appending the late data to the late files when it comes first
 * ("L" and the data; otherwise they stay open for GOFER_LATE).
 * Return: 0, or -1 if the sentry gave up on us.
 */
static int wait_go_on(const struct gofer_tree *t, int *late, int ctl)
{
	static char msg[1 + GOFER_LATE_MAX];
	unsigned nfds;
	ssize_t n;

	for (;;) {
		n = fdio_recv(ctl, msg, sizeof(msg), NULL, 0, &nfds);
		if (n < 1)
			return -1;
		if (msg[0] != 'L')
			break;
		{
			int r = fill_late(late, t->nfiles, msg + 1, (size_t)n - 1);

			if (report(ctl, r, r < 0 ? "append to the sandbox's presented files" : NULL) < 0)
				return -1;
		}
	}
	return 0;
}

/*
 * Build the tree, report it built and wait for the word to go on, filling the
 * late files meanwhile (@late: t->nfiles fds, -1 or still open after).
 * Return: 0, 1 if the sentry gave up on us, or -errno with @e naming what
 * failed.
 */
static int build(const struct gofer_tree *t, int *late, int ctl, struct merr *e)
{
	int r;

	r = tree_build(t, late, e);
	if (r < 0) {
		fill_late(late, t->nfiles, NULL, 0);
		return r;
	}
	/* Built: the sentry copies our mounts for the guest, then says go on. */
	if (report(ctl, 0, NULL) < 0 || wait_go_on(t, late, ctl) < 0)
		return 1;
	return 0;
}

int gofer_child(const struct gofer_tree *t, int ctl)
{
	struct merr e = { 0 };
	char go;
	unsigned nfds;
	int rootfd, null, r, procself = -1;
	_cleanup_free_ int *late = NULL;

	log_set_component("gofer");
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (fdio_recv(ctl, &go, 1, NULL, 0, &nfds) != 1)
		return 1;	/* the sentry gave up on us */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		merr_sys(&e, "become root in the gofer's user namespace");
		goto fail;
	}
	prctl(PR_SET_DUMPABLE, 0);
	late = malloc((t->nfiles + 1) * sizeof(*late));
	if (!late) {
		merr_set(&e, ENOMEM, "gofer: out of memory");
		goto fail;
	}
	for (size_t i = 0; i < t->nfiles; i++)
		late[i] = -1;
	r = build(t, late, ctl, &e);
	if (r < 0)
		goto fail;
	if (r > 0)
		return 1;
	procself = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	r = tree_unveil(t, &e);
	if (r < 0)
		goto fail;
	if (t->privileged) {
		/* Root of a user namespace of our own, owning nothing. */
		char umap[32], gmap[32];

		snprintf(umap, sizeof(umap), "0 %u 1\n", geteuid());
		snprintf(gmap, sizeof(gmap), "0 %u 1\n", getegid());
		if (unshare(CLONE_NEWUSER) < 0 || write_at(procself, "setgroups", "deny") < 0 ||
		    write_at(procself, "uid_map", umap) < 0 || write_at(procself, "gid_map", gmap) < 0) {
			merr_sys(&e, "enter the gofer's user namespace");
			goto fail;
		}
	}
	if (procself >= 0)
		close(procself);
	/*
	 * The guest's ids are its own (spec_own_ids(); this namespace maps
	 * them to themselves): write as that user, as the guest would, not as
	 * the root of the namespace.  The tree was built as root.
	 */
	if (t->own_ids && (setgroups(0, NULL) < 0 || confine_become(t->uid, t->gid, &e) < 0)) {
		if (!e.msg[0])
			merr_sys(&e, "drop the gofer's supplementary groups");
		goto fail;
	}
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (rootfd < 0) {
		merr_sys(&e, "open the sandbox root");
		goto fail;
	}
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	{
		int keep[16] = { ctl, rootfd };
		size_t n = 2;

		for (size_t i = 0; i < t->nfiles; i++) {
			if (late[i] >= 0 && n == ARRAY_SIZE(keep))
				late[i] = -1;	/* no room: closed below, never filled */
			if (late[i] >= 0)
				keep[n++] = late[i];
		}
		r = confine_close_fds(keep, n);
		if (r < 0) {
			merr_set(&e, -r, "close inherited fds: %s", strerror(-r));
			goto fail;
		}
	}
	/* Modes in requests are already masked by the guest's umask (sentry/fs.c):
	 * ours must not mask them again. */
	umask(0);
	if (confine_drop_caps(0, &e) < 0)
		goto fail;
	r = confine_allowlist_load(moat_filter_gofer, &moat_filter_gofer_len, gofer_syscalls,
				   gofer_nsyscalls, &e);
	if (r < 0)
		goto fail;
	if (report(ctl, 0, NULL) < 0)
		return 1;
	return gofer_serve(rootfd, ctl, late, t->nfiles, t->host_root) < 0 ? 1 : 0;
fail:
	report(ctl, -e.errnum, e.msg);
	return 1;
}

static int write_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return write_full(fd, text, strlen(text));
}

/* Map the invoking user to root in the namespace of @pid. */
static int write_maps(pid_t pid, struct merr *e)
{
	char path[64], map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int r;

	if (uid != 0) {
		snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
		r = write_file(path, "deny");
		if (r < 0 && r != -ENOENT)
			return merr_set(e, -r, "write %s: %s", path, strerror(-r));
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	snprintf(map, sizeof(map), uid == 0 ? "0 0 65536\n" : "0 %u 1\n", uid);
	r = write_file(path, map);
	if (r < 0)
		return merr_set(e, -r, "write %s: %s (are user namespaces enabled? "
				"sysctl user.max_user_namespaces)", path, strerror(-r));
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	snprintf(map, sizeof(map), uid == 0 ? "0 0 65536\n" : "0 %u 1\n", gid);
	r = write_file(path, map);
	if (r < 0)
		return merr_set(e, -r, "write %s: %s", path, strerror(-r));
	return 0;
}

static int wait_status(struct gofer *g, struct merr *e, const char *what)
{
	struct gofer_status st;
	unsigned nfds;
	ssize_t n = fdio_recv(g->ctl, &st, sizeof(st), NULL, 0, &nfds);

	if (n != (ssize_t)sizeof(st))
		return merr_set(e, EPROTO, "the gofer died while %s", what);
	st.msg[sizeof(st.msg) - 1] = '\0';
	if (st.result < 0)
		return merr_set(e, -st.result, "%s", st.msg);
	return 0;
}

int gofer_start(struct gofer *g, const struct gofer_tree *t, struct merr *e)
{
	int sp[2], r;
	pid_t pid;

	memset(g, 0, sizeof(*g));
	g->pidfd = g->ctl = g->userns = g->mntns = -1;
	pthread_mutex_init(&g->lock, NULL);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return merr_sys(e, "socketpair for the gofer");
	/* Real root builds outside a user namespace (one overlay will do), and
	 * enters one of its own before it serves (gofer_child()). */
	pid = (pid_t)syscall(SYS_clone, (t->privileged ? 0 : CLONE_NEWUSER) | CLONE_NEWNS | SIGCHLD,
			     NULL, NULL, NULL, 0);
	if (pid < 0) {
		r = merr_sys(e, "create the gofer's namespaces (are unprivileged user "
			     "namespaces allowed? sysctl user.max_user_namespaces; a container "
			     "or a sandbox, moat's own too, may deny them)");
		close(sp[0]);
		close(sp[1]);
		return r;
	}
	if (pid == 0) {
		close(sp[0]);
		_exit(gofer_child(t, sp[1]));
	}
	close(sp[1]);
	g->pid = pid;
	g->ctl = sp[0];
	r = child_pidfd(pid);
	if (r < 0) {
		g->pid = 0;
		merr_set(e, -r, "pidfd of the gofer: %s", strerror(-r));
		goto fail;
	}
	g->pidfd = r;
	r = t->privileged ? 0 : write_maps(pid, e);
	if (r < 0)
		goto fail;
	/* Before "go": from then on the gofer is not dumpable, /proc/PID/ns closed. */
	{
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
		g->userns = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
		g->mntns = open(path, O_RDONLY | O_CLOEXEC);
		if (g->userns < 0 || g->mntns < 0) {
			r = merr_sys(e, "open the gofer's namespaces");
			goto fail;
		}
	}
	r = fdio_send(g->ctl, "G", 1, NULL, 0);
	if (r < 0) {
		merr_set(e, -r, "start the gofer: %s", strerror(-r));
		goto fail;
	}
	return 0;
fail:
	gofer_stop(g);
	return r;
}

int gofer_wait_built(struct gofer *g, struct merr *e)
{
	int r = wait_status(g, e, "building the sandbox tree");

	if (r < 0)
		gofer_stop(g);
	return r;
}

int gofer_fill_late(struct gofer *g, const void *data, size_t len, struct merr *e)
{
	char msg[1 + GOFER_LATE_MAX];
	int r;

	if (len > GOFER_LATE_MAX)
		return merr_set(e, EMSGSIZE, "late file data of %zu bytes (at most %d)", len,
				GOFER_LATE_MAX);
	msg[0] = 'L';
	memcpy(msg + 1, data, len);
	r = fdio_send(g->ctl, msg, 1 + len, NULL, 0);
	if (r < 0)
		return merr_set(e, -r, "send the gofer the rest of its files: %s", strerror(-r));
	return wait_status(g, e, "appending to the sandbox's presented files");
}

int gofer_seal(struct gofer *g, struct merr *e)
{
	int r = fdio_send(g->ctl, "D", 1, NULL, 0);

	if (r < 0)
		return merr_set(e, -r, "seal the gofer: %s", strerror(-r));
	/* Its answer is read by the first request on the control channel. */
	g->sealing = true;
	return 0;
}

int gofer_channel_open(struct gofer *g)
{
	struct gofer_req req = { .op = GOFER_CHANNEL };
	int sp[2], r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	pthread_mutex_lock(&g->lock);
	r = 0;
	if (g->sealing) {
		struct merr e = { 0 };

		r = wait_status(g, &e, "confining itself");
		if (r < 0)
			log_err("gofer: %s", e.msg);
		g->sealing = r < 0;
	}
	if (r == 0)
		r = gofer_call(g->ctl, &req, "/", NULL, 0, sp[1], NULL);
	pthread_mutex_unlock(&g->lock);
	close(sp[1]);
	if (r < 0) {
		close(sp[0]);
		return r;
	}
	return sp[0];
}

int gofer_call(int ch, struct gofer_req *req, const char *s1, const void *s2, size_t len2,
	       int fd_in, int *fd_out)
{
	char buf[GOFER_MSG_MAX];
	struct gofer_resp resp;
	int fds[FDIO_MAX_FDS];
	unsigned nfds = 0;
	ssize_t n;
	int r;

	if (fd_out)
		*fd_out = -1;
	n = gofer_req_build(buf, sizeof(buf), req, s1, s2, len2);
	if (n < 0)
		return (int)n;
	r = fdio_send(ch, buf, (size_t)n, fd_in >= 0 ? &fd_in : NULL, fd_in >= 0 ? 1 : 0);
	if (r < 0)
		return r == -EPIPE ? -ECONNRESET : r;
	n = fdio_recv(ch, &resp, sizeof(resp), fds, FDIO_MAX_FDS, &nfds);
	if (n == 0)
		return -ECONNRESET;
	if (n < 0)
		return (int)n;
	if (gofer_resp_check(req->op, &resp, (size_t)n, nfds) < 0) {
		for (unsigned i = 0; i < nfds; i++)
			close(fds[i]);
		return -EPROTO;
	}
	if (nfds) {
		if (fd_out)
			*fd_out = fds[0];
		else
			close(fds[0]);
	}
	return resp.result;
}

void gofer_kill(struct gofer *g)
{
	if (g->pidfd >= 0)
		sys_pidfd_send_signal(g->pidfd, SIGKILL);
}

void gofer_stop(struct gofer *g)
{
	if (g->ctl >= 0)
		close(g->ctl);
	g->ctl = -1;
	child_end(&g->pidfd);
	g->pid = 0;
	if (g->userns >= 0)
		close(g->userns);
	if (g->mntns >= 0)
		close(g->mntns);
	g->userns = g->mntns = -1;
}
