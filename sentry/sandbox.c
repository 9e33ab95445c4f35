// SPDX-License-Identifier: MIT
/*
 * sandbox.c - one sandbox from start to end, in the foreground.
 *
 * Theory of operation
 * -------------------
 * sandbox_run() is the sentry's life: it builds the guest's seccomp program,
 * starts the gofer (which builds the file system), creates the cgroups, starts
 * the guest (guest.c), takes the guest's seccomp listener and starts serving
 * (notify.c).  The main thread then waits for the end: the guest's init
 * reports the command's status, a signal arrives (forwarded to the guest's
 * process group; SIGTERM also starts a grace period), or --timeout expires.
 * At the end it kills what is left (init's death takes the whole pid
 * namespace), stops the gofer and removes the cgroups.
 *
 * Once the guest runs, the sentry holds no capabilities: it serves the guest
 * with exactly the guest's user and permissions.  If the sentry is killed,
 * init, the set-up process and the gofer get SIGKILL from the kernel
 * (PR_SET_PDEATHSIG), and with init the whole pid namespace dies.
 */
#include "sentry/sandbox.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "log.h"
#include "sentry/cgroup.h"
#include "sentry/filter.h"
#include "sentry/guest.h"
#include "sentry/network.h"
#include "sentry/ptrace.h"
#include "sentry/self.h"
#include "sentry/sentry.h"
#include "sentry/tty.h"
#include "sys.h"
#include "util.h"

#define TERM_GRACE_SEC 10

static const int forwarded[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT,
};

struct run {
	const struct moat_spec *spec;
	struct sentry s;
	struct gofer_tree tree;		/* spec->tree, plus the network's files */
	struct network net;
	struct gofer gofer;
	struct guest guest;
	struct cgroups cg;
	struct tracer tracer;		/* --platform=ptrace */
	struct sock_fprog prog;
	int sigfd, timerfd;
	int stdio_tree[3];	/* read-only clones stdio was opened through (see below) */
	int status;		/* exit status once known, else -1 */
	struct tty_relay tty;	/* the guest's terminal, with spec->tty */
	bool terminating;	/* SIGTERM forwarded: the timer is the grace period */
	bool timed_out;
	int cputimer;		/* --cpu-seconds with a group that counts: a look every 0.1 s */
	bool cpu_out;		/* the sandbox used up its CPU seconds */
};

static int exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return MOAT_EXIT_FAILURE;
}

/*
 * A relative path such as ./prog is taken from the working directory inside
 * (/ unless -w or process.cwd says otherwise), not from the one moat was
 * started in: say which, since the file usually sits in the latter.  A file
 * that is there but whose interpreter is not gets ENOENT from execve() too:
 * say that rather than "not found".
 */
static void report_exec_failure(const struct guest_msg *m, const struct moat_spec *spec)
{
	const char *what = m->text[0] ? m->text : "'' (an empty name)";

	if (m->type == GM_NO_INTERPRETER)
		fprintf(stderr, "moat: %s: cannot execute: its interpreter (the program its #! "
			"line names, or the ELF loader it needs) is not in the sandbox\n", what);
	else if (m->value == ENOENT && strchr(what, '/') && what[0] != '/')
		fprintf(stderr, "moat: %s: not found in the sandbox's working directory, %s "
			"(give an absolute path, or the directory with -w or process.cwd)\n", what,
			spec->cwd ? spec->cwd : "/");
	else if (m->value == ENOENT)
		fprintf(stderr, "moat: %s: command not found in the sandbox "
			"(give a path, or check PATH and --env)\n", what);
	else if (m->value == EACCES || m->value == ENOEXEC)
		fprintf(stderr, "moat: %s: cannot execute: %s (is it an executable file?)\n",
			what, strerror(m->value));
	else
		fprintf(stderr, "moat: %s: cannot execute: %s\n", what, strerror(m->value));
}

/*
 * Before the command may run, netstack is set up (its -p ports bound) and
 * outbound's standby has checked the secrets.
 * Started at once, outbound has made the CA meanwhile (while the gofer built
 * the tree and the guest its namespaces): the trust store's files (late
 * files) get it now, and outbound must have loaded the secrets.  On demand,
 * they get it at their first use (late_start()).
 */
static int network_finish(struct run *r, struct merr *e)
{
	char pem[GOFER_LATE_MAX + 1];
	ssize_t len;
	int rc = network_wait_netstack(&r->net, e);

	if (rc == 0)
		rc = network_wait_checked(&r->net, e);
	if (rc < 0 || network_on_demand(r->spec))
		return rc;
	len = network_wait_ca(&r->net, pem, sizeof(pem), e);
	rc = len < 0 ? (int)len : gofer_fill_late(&r->gofer, pem, (size_t)len, e);
	if (rc == 0)
		rc = network_wait_ready(&r->net, e);
	if (rc == 0)
		log_phase("sentry: outbound ready");
	return rc;
}

static int fill_ca(void *ctx, int ch, struct merr *e)
{
	struct run *r = ctx;
	int rc = network_fill_ca(&r->net, ch, e);

	if (rc == 0)
		log_phase("sentry: the CA is in the trust store");
	return rc;
}

/*
 * Outbound on demand: find the late files in the guest's view (the trust
 * store's, as the tree presents them) so that their first served use has
 * the CA appended (fs.c).  One the user hid (--hide /etc/ssl) is not there
 * to be used.
 */
static int late_start(struct run *r, struct merr *e)
{
	struct late_files *l = &r->s.late;

	for (size_t i = 0; i < r->tree.nfiles && l->n < LATE_FILES_MAX; i++) {
		const char *path = r->tree.files[i].path;
		_cleanup_close_ int fd = -1;
		struct stat st;

		if (!r->tree.files[i].late)
			continue;
		while (*path == '/')
			path++;
		fd = sys_openat2(r->s.rootfd, path, O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT);
		if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
			continue;
		if (fd < 0 || fstat(fd, &st) < 0)
			return merr_sys(e, "find %s in the sandbox", r->tree.files[i].path);
		l->ids[l->n].dev = st.st_dev;
		l->ids[l->n].ino = st.st_ino;
		l->n++;
	}
	l->fill = fill_ca;
	l->ctx = r;
	atomic_store(&l->pending, true);
	return 0;
}

/* Wait for the guest to be born, then let its command exec.
 * Return: 0 once serving, or -errno. */
static int birth(struct run *r, struct merr *e)
{
	bool have_init = false, have_listener = false;
	pid_t mounted = 0;	/* who said GM_MOUNTED: init, or nobody yet */

	while (!have_init || !have_listener || !mounted) {
		struct guest_msg m;
		pid_t sender;
		int fd = -1, rc = guest_recv(&r->guest, &m, &sender, &fd);

		if (rc < 0)
			return merr_set(e, EPROTO, "the guest died while starting");
		if (m.type == GM_TAP) {
			rc = fd < 0 ? merr_set(e, EPROTO, "the guest's TAP device did not come")
				    : network_start_netstack(r->spec, &r->net, fd, e);
			if (fd >= 0)
				close(fd);
			if (rc < 0)
				return rc;
			continue;
		}
		if (fd >= 0)
			close(fd);	/* no other message carries one */
		switch (m.type) {
		case GM_INIT:
			r->guest.init = m.value;
			r->guest.init_pidfd = sys_pidfd_open(m.value, 0);
			while (waitpid(r->guest.setup, NULL, 0) < 0 && errno == EINTR)
				;
			r->guest.setup = 0;
			have_init = true;
			rc = spec_write_pid_file(r->spec, m.value, e);
			if (rc < 0)
				return rc;
			/* init is in the guest's user namespace, and sets itself up */
			rc = ids_read(r->s.hostproc, m.value, &r->s.uids, &r->s.gids);
			if (rc == 0)
				rc = ids_read(r->s.hostproc, r->gofer.pid, &r->s.gofer_uids,
					      &r->s.gofer_gids);
			if (rc < 0)
				return merr_set(e, -rc, "read the guest's id maps: %s", strerror(-rc));
			log_phase("sentry: guest namespaces made");
			break;
		case GM_LISTENER: {
			_cleanup_close_ int netns = -1;
			char root[64];

			/* The command still waits: open its root while it is ours to read. */
			snprintf(root, sizeof(root), "%d/root", sender);
			r->s.rootfd = openat(r->s.hostproc, root, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (r->s.rootfd < 0)
				return merr_sys(e, "open the guest's root");
			rc = guestproc_namespaces(&r->s.procs, r->s.hostproc, sender, e);
			if (r->spec->own_ids)
				guestproc_ids(&r->s.procs, r->spec->uid, r->spec->gid);
			if (rc < 0)
				return rc;
			if (r->spec->net.sandbox && network_on_demand(r->spec)) {
				rc = late_start(r, e);
				if (rc < 0)
					return rc;
			}
			/*
			 * /proc/sys/net resolves in the network namespace of whoever
			 * looks it up: the workers that open it for the guest must
			 * be in the guest's, which they inherit from this thread.
			 * Nothing here needs the host's network from now on.  A
			 * sentry run by a user has no capability to join it: there
			 * the guest reads the host's /proc/sys/net (docs/security.md).
			 */
			snprintf(root, sizeof(root), "%d/ns/net", sender);
			netns = openat(r->s.hostproc, root, O_RDONLY | O_CLOEXEC);
			if (netns < 0 || (setns(netns, CLONE_NEWNET) < 0 &&
					  (errno != EPERM || geteuid() == 0)))
				return merr_sys(e, "join the guest's network namespace");
			if (r->spec->ptrace) {
				rc = tracer_start(&r->tracer, r->tracer.hidden, &r->prog, e);
				if (rc == 0)
					rc = tracer_seize(&r->tracer, sender, e);
				if (rc < 0)
					return rc;
				r->guest.cmd = sender;
				r->s.tracer = &r->tracer;
			} else {
				rc = guest_take_listener(&r->guest, sender, m.value, e);
				if (rc < 0)
					return rc;
				r->s.listener = r->guest.listener;
			}
			rc = sentry_serve(&r->s);
			if (rc == -ENOSYS)
				return merr_set(e, ENOSYS, "this kernel cannot install fds in the guest "
						"(SECCOMP_IOCTL_NOTIF_ADDFD, Linux 5.9 or later): "
						"use --platform=ptrace");
			if (rc < 0)
				return merr_set(e, -rc, "start serving the guest: %s", strerror(-rc));
			have_listener = true;
			break;
		}
		case GM_MOUNTED:
			mounted = sender;
			break;
		case GM_SETUP_FAILED:
			return merr_set(e, m.value > 0 ? m.value : EIO, "%s", m.text);
		default:
			return merr_set(e, EPROTO, "unexpected message %u from the guest", m.type);
		}
	}
	if (mounted != r->guest.init)
		return merr_set(e, EPROTO, "the guest's mounts were announced by pid %d, not init",
				(int)mounted);
	/* The command waits to exec: its files must be complete by then. */
	if (r->spec->net.sandbox) {
		int rc = network_finish(r, e);

		if (rc < 0)
			return rc;
	}
	if (gofer_seal(&r->gofer, e) < 0)
		return -e->errnum;
	log_phase("sentry: gofer sealed");
	if (r->spec->ptrace) {
		int rc = guest_go_fd(&r->guest, r->tracer.guest_end, r->tracer.hidden);

		close(r->tracer.guest_end);
		r->tracer.guest_end = -1;
		return rc < 0 ? merr_set(e, EPROTO, "the guest died while starting") : 0;
	}
	return guest_go(&r->guest) < 0 ? merr_set(e, EPROTO, "the guest died while starting") : 0;
}

/* The guest did not start: say so plainly if its own limits stopped it. */
static void start_limited(struct run *r, struct merr *e)
{
	if (cgroup_memory_hit(&r->cg))
		merr_set(e, ENOMEM, "the sandbox reached its memory limit (%llu bytes) while "
			 "starting: give it more (--memory, linux.resources.memory.limit)",
			 (unsigned long long)r->spec->memory_bytes);
	else if (cgroup_pids_hit(&r->cg))
		merr_set(e, EAGAIN, "the sandbox reached its limit on processes (%llu) while "
			 "starting (its init is one of them): give it more (--pids, "
			 "linux.resources.pids.limit)",
			 (unsigned long long)r->spec->pids);
}

/**
 * setup_failure() - the guest's own account of a failed start, if it gave one
 * @wait:	read until the guest's end closes; else only what is queued
 *
 * Return: 0 with @e set to the guest's GM_SETUP_FAILED, or -ENOENT (none)
 */
static int setup_failure(struct run *r, bool wait, struct merr *e)
{
	struct pollfd p = { .fd = r->guest.sock, .events = POLLIN };
	struct guest_msg m;
	pid_t sender;
	int fd;

	while ((wait || poll(&p, 1, 0) == 1) &&
	       guest_recv(&r->guest, &m, &sender, &fd) == 0) {
		if (fd >= 0)
			close(fd);
		if (m.type == GM_SETUP_FAILED) {
			merr_set(e, m.value > 0 ? m.value : EIO, "%s", m.text);
			return 0;
		}
	}
	return -ENOENT;
}

/* The setup process is gone: its last word says why, if it had one. */
static int go_failed(struct run *r, int rc, struct merr *e)
{
	if (setup_failure(r, true, e) == 0)
		return -e->errnum;
	return merr_set(e, -rc, "start the guest: %s", strerror(-rc));
}

static void kill_guest(struct run *r)
{
	if (r->guest.init_pidfd >= 0)
		sys_pidfd_send_signal(r->guest.init_pidfd, SIGKILL);
	else if (r->guest.init > 0)
		kill(r->guest.init, SIGKILL);
	if (r->guest.setup > 0)
		kill(r->guest.setup, SIGKILL);
}

static void forward(struct run *r, int sig)
{
	if (r->guest.cmd <= 0)
		return;
	if (kill(-r->guest.cmd, sig) < 0)
		kill(r->guest.cmd, sig);
	if (sig == SIGTERM && !r->terminating) {
		struct itimerspec grace = { .it_value = { TERM_GRACE_SEC, 0 } };

		r->terminating = true;
		timerfd_settime(r->timerfd, 0, &grace, NULL);
	}
}

/* Reap init if it has exited; Return: true when it has. */
static bool reap_init(struct run *r)
{
	int ws;
	pid_t p;

	if (r->guest.init <= 0)
		return true;
	p = waitpid(r->guest.init, &ws, WNOHANG | __WALL);
	if (p != r->guest.init)
		return false;
	r->guest.init = 0;
	if (r->status < 0)
		r->status = WIFSIGNALED(ws) ? exit_status(ws) : MOAT_EXIT_FAILURE;
	return true;
}

/*
 * The command, about to execute, has the guest's terminal: take its master
 * (once, from the command alone) and relay it, then let the command go on.
 */
static void on_tty(struct run *r, const struct guest_msg *m, pid_t sender)
{
	int master, rc;

	if (!r->spec->tty || sender != r->guest.cmd || r->tty.master >= 0) {
		log_warn("ignored a terminal from pid %d", (int)sender);
		return;
	}
	master = guest_take_fd(sender, m->value);
	rc = master < 0 ? master : tty_relay_start(&r->tty, master);
	if (rc == 0) {
		struct stat st;

		if (fstat(r->tty.slave, &st) == 0) {	/* for the guest's /dev/tty */
			r->s.tty_rdev = st.st_rdev;
			atomic_store(&r->s.tty_master, r->tty.master);
		}
		/* moat's window may have changed since the command looked at it,
		 * before SIGWINCH was the relay's to pass on */
		if (!r->spec->tty_rows && !r->spec->tty_cols)
			tty_relay_resize(&r->tty);
		rc = guest_go(&r->guest);
	}
	if (rc < 0) {
		fprintf(stderr, "moat: relay the guest's terminal: %s\n", strerror(-rc));
		r->status = MOAT_EXIT_FAILURE;
		kill_guest(r);
	}
}

/* No guest process is left: end the relay, whose master no call opens now. */
static void tty_end(struct run *r)
{
	atomic_store(&r->s.tty_master, -1);
	tty_relay_stop(&r->tty);
}

static void on_message(struct run *r)
{
	struct guest_msg m;
	pid_t sender;

	if (guest_recv(&r->guest, &m, &sender, NULL) < 0) {
		if (r->status < 0 && reap_init(r))
			return;
		r->guest.sock = -1;
		return;
	}
	switch (m.type) {
	case GM_EXEC_FAILED:
	case GM_NO_INTERPRETER:
		tty_relay_restore(&r->tty);	/* a message on a terminal as it was */
		report_exec_failure(&m, r->spec);
		break;
	case GM_EXIT:
		r->status = exit_status(m.value);
		break;
	case GM_SETUP_FAILED:
		tty_relay_restore(&r->tty);
		fprintf(stderr, "moat: %s\n", m.text);
		r->status = MOAT_EXIT_FAILURE;
		break;
	case GM_TTY:
		on_tty(r, &m, sender);
		break;
	default:
		log_warn("ignored message %u from the guest", m.type);
	}
}

/* Every message the guest has sent so far. */
static void drain_messages(struct run *r)
{
	struct pollfd p = { .fd = r->guest.sock, .events = POLLIN };

	while (r->guest.sock >= 0 && poll(&p, 1, 0) == 1) {
		on_message(r);
		p.fd = r->guest.sock;
	}
}

/*
 * Reap any child but init: the set-up process, a helper killed from the host.
 * Never init, which may have died since reap_init() looked: its status is
 * reap_init()'s to read, at its next look (one zombie may wait until then).
 */
static void reap_others(struct run *r)
{
	for (;;) {
		siginfo_t si = { 0 };

		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0 ||
		    si.si_pid <= 0 || si.si_pid == r->guest.init)
			return;
		waitpid(si.si_pid, NULL, WNOHANG | __WALL);
	}
}

static void on_signal(struct run *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			/* init sends its command's status before it exits: read
			 * that before judging by init's own exit */
			drain_messages(r);
			reap_init(r);
			reap_others(r);
			continue;
		}
		if (si.ssi_signo == SIGWINCH && r->tty.master >= 0)
			tty_relay_resize(&r->tty);	/* the kernel signals the guest */
		else
			forward(r, (int)si.ssi_signo);
	}
}

static void wait_end(struct run *r)
{
	while (r->status < 0) {
		struct pollfd p[5] = {
			{ .fd = r->sigfd, .events = POLLIN },
			{ .fd = r->guest.sock, .events = POLLIN },
			{ .fd = r->timerfd, .events = POLLIN },
			{ .fd = r->s.procs.wake, .events = POLLIN },
			{ .fd = r->cputimer, .events = POLLIN },
		};

		if (poll(p, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[3].revents & POLLIN)
			guestproc_start(&r->s.procs);	/* a worker waits for it */
		if (p[1].revents)
			on_message(r);
		if (p[0].revents)
			on_signal(r);
		if (p[2].revents & POLLIN) {
			uint64_t n;

			if (read(r->timerfd, &n, sizeof(n)) < 0) {
				/* spurious */
			}
			if (!r->terminating)
				r->timed_out = true;
			kill_guest(r);
		}
		if (p[4].revents & POLLIN) {
			uint64_t n;

			/* all the sandbox's processes together, the living and the reaped */
			if (read(r->cputimer, &n, sizeof(n)) == sizeof(n) && !r->cpu_out &&
			    !r->terminating &&
			    cgroup_cpu_ns(&r->cg) >= r->spec->cpu_seconds * 1000000000ull) {
				r->cpu_out = true;
				kill_guest(r);
			}
		}
		if (r->guest.sock < 0 && r->status < 0) {
			/* init is gone without a word: wait for its exit status */
			int ws;

			if (r->guest.init > 0 && waitpid(r->guest.init, &ws, __WALL) == r->guest.init) {
				r->guest.init = 0;
				r->status = exit_status(ws);
			} else {
				r->status = MOAT_EXIT_FAILURE;
			}
		}
	}
}

static int setup_signals(struct run *r, struct merr *e)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return merr_sys(e, "block signals");
	signal(SIGPIPE, SIG_IGN);
	r->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (r->sigfd < 0)
		return merr_sys(e, "signalfd");
	r->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (r->timerfd < 0)
		return merr_sys(e, "timerfd");
	if (r->spec->timeout_sec) {
		struct itimerspec t = { .it_value = { (time_t)r->spec->timeout_sec, 0 } };

		timerfd_settime(r->timerfd, 0, &t, NULL);
	}
	return 0;
}

static void cleanup(struct run *r)
{
	/* Everyone at once: each process's exit tears down its namespaces. */
	kill_guest(r);
	gofer_kill(&r->gofer);
	network_kill(&r->net);
	if (r->guest.init > 0)
		while (waitpid(r->guest.init, NULL, __WALL) < 0 && errno == EINTR)
			;
	if (r->guest.setup > 0)
		while (waitpid(r->guest.setup, NULL, 0) < 0 && errno == EINTR)
			;
	/* Only now: the guest's last zombies were the tracer's to collect. */
	tracer_stop(&r->tracer);
	gofer_stop(&r->gofer);
	guestproc_stop(&r->s.procs);
	/* A worker may still be asking outbound for the CA: it fails, now. */
	pthread_mutex_lock(&r->s.late.lock);
	atomic_store(&r->s.late.pending, false);
	network_stop(&r->net);
	pthread_mutex_unlock(&r->s.late.lock);
	/*
	 * The guest's last processes, killed with its init, come to the sentry
	 * (a subreaper) to be reaped; a zombie still holds its cgroup.
	 */
	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		;
	cgroup_remove(&r->cg);
	if (r->guest.init_pidfd >= 0)
		close(r->guest.init_pidfd);
	free(r->prog.filter);
	for (size_t i = r->spec->tree.nfiles; i < r->tree.nfiles; i++) {
		free(r->tree.files[i].path);
		free(r->tree.files[i].content);
	}
	if (r->tree.files != r->spec->tree.files)
		free(r->tree.files);
	/* No guest process is left to be served: the workers are idle for good. */
	pthread_mutex_lock(&r->s.socks.lock);
	free(r->s.socks.ids);
	r->s.socks.ids = NULL;
	r->s.socks.n = r->s.socks.cap = 0;
	pthread_mutex_unlock(&r->s.socks.lock);
}

/*
 * The guest's stdio is the sentry's, and may be a file of the host: `< input`,
 * `> /dev/null`, the user's terminal.  The guest owns what the invoking user
 * owns, so through such an fd it could change the host's file without
 * writing a byte: its mode, times, attributes, flags (fchmod, futimens,
 * fsetxattr, FS_IOC_SETFLAGS), or reopen it through /proc/self/fd for
 * writing.  So each of fds 0-2 that is a file of a mount (not a pipe or a
 * socket) is replaced by the same file opened again, with the same flags and
 * offset, through a read-only clone of that mount of its own: its data reads
 * and writes as before, the rest is EROFS.  A regular file or directory
 * opened for writing cannot be (a read-only mount opens none so) and is kept:
 * the user gave it to be written.  A directory is confined too: `..` from a
 * clone's root stays there, where from the host's directory the guest's
 * native O_PATH lookups would reach any file of the host.  Only a sentry with
 * CAP_SYS_ADMIN can clone a mount; one run by a user, or stdio of another
 * mount namespace (EINVAL), keeps its fds as they are (docs/security.md),
 * but for a directory, which the sandbox could then not confine: refused.
 */

/* A read-only clone of the mount @fd is on, holding @fd's file alone; Return: fd or -errno */
static int stdio_clone(int fd)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID };
	int tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);

	if (tree < 0)
		return -errno;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		int r = -errno;

		close(tree);
		return r;
	}
	return tree;
}

/*
 * What the kernel names a file on a detached clone is the clone's root, "/":
 * the name @fd's file had, for readlink to show (path_stdio_name()).
 */
static void stdio_name(struct stdio_name *sn, int fd, int tree)
{
	struct statx stx;
	char self[32];
	ssize_t n;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	n = readlink(self, sn->name, sizeof(sn->name) - 1);
	if (n <= 0 || statx(tree, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return;
	sn->name[n] = '\0';
	sn->mnt_id = stx.stx_mnt_id;
}

/* @fd (of flags @fl) opened again through @tree, its clone; Return: fd or -errno */
static int stdio_reopen(int fd, int tree, int fl)
{
	char self[32];
	int again;
	off_t off;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", tree);
	/* never blocking: a FIFO whose other end just left would wait */
	again = open(self, (fl & (O_ACCMODE | O_DIRECTORY)) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (again < 0)
		return -errno;
	off = lseek(fd, 0, SEEK_CUR);
	if (fcntl(again, F_SETFL, fl) < 0 || (off > 0 && lseek(again, off, SEEK_SET) < 0)) {
		int r = -errno;

		close(again);
		return r;
	}
	return again;
}

/*
 * Return: 0, or -errno with @e.  One clone serves the fds that share a file
 * (a terminal or /dev/null on all three), and the clones stay open in
 * @r->stdio_tree until the guest runs: closing one detaches it, which waits
 * for an RCU grace period (0.1-0.5 ms here), best paid off the start's path
 * (stdio_release()).
 */
static int stdio_read_only(struct run *r, struct merr *e)
{
	static const char *const names[] = { "stdin", "stdout", "stderr" };
	struct stat st[3];

	for (int fd = 0; fd <= 2; fd++) {
		struct statfs sfs;
		int fl = fcntl(fd, F_GETFL), again, tree = -ENOENT;

		r->stdio_tree[fd] = -1;
		if (fl < 0 || fstat(fd, &st[fd]) < 0 || fstatfs(fd, &sfs) < 0 ||
		    S_ISSOCK(st[fd].st_mode) || sfs.f_type == PIPEFS_MAGIC || (fl & O_PATH))
			continue;
		if ((S_ISREG(st[fd].st_mode) || S_ISDIR(st[fd].st_mode)) &&
		    (fl & O_ACCMODE) != O_RDONLY)
			continue;
		for (int k = 0; k < fd && tree < 0; k++)
			if (r->stdio_tree[k] >= 0 && st[k].st_dev == st[fd].st_dev &&
			    st[k].st_ino == st[fd].st_ino)
				tree = r->stdio_tree[k];
		if (tree < 0) {
			tree = r->stdio_tree[fd] = stdio_clone(fd);
			if (tree >= 0)
				stdio_name(&r->s.stdio[fd], fd, tree);
		}
		again = tree < 0 ? tree : stdio_reopen(fd, tree, fl);
		if (again >= 0 && dup2(again, fd) < 0)
			again = -errno;
		if (again >= 0) {
			close(again);
			continue;
		}
		if (S_ISDIR(st[fd].st_mode))
			return merr_set(e, -again, "%s is a directory of the host, which the "
					"sandbox cannot confine without CAP_SYS_ADMIN (%s): give the "
					"command another %s", names[fd], strerror(-again), names[fd]);
		log_debug("%s stays as it is: %s", names[fd], strerror(-again));
	}
	return 0;
}

/* Close the clones stdio was opened through (the files keep their mounts). */
static void stdio_release(struct run *r)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (r->stdio_tree[fd] >= 0)
			close(r->stdio_tree[fd]);
		r->stdio_tree[fd] = -1;
	}
}

int sandbox_run(const struct moat_spec *spec, struct merr *e)
{
	struct run r = { .spec = spec, .sigfd = -1, .timerfd = -1, .cputimer = -1, .status = -1,
			 .stdio_tree = { -1, -1, -1 }, .tty = TTY_RELAY_INIT,
			 .net = { .netstack = -1, .outbound = -1, .flow_fd = -1, .netstack_ctl = -1,
				  .outbound_ctl = -1, .outbound_wake = -1 } };
	struct stat st;
	int rc;

	r.s.spec = spec;
	r.s.gofer = &r.gofer;
	r.s.listener = r.s.rootfd = -1;
	atomic_init(&r.s.tty_master, -1);
	r.s.audit_fd = spec->audit_fd;
	guestproc_init(&r.s.procs);
	pthread_mutex_init(&r.s.audit_lock, NULL);
	pthread_mutex_init(&r.s.socks.lock, NULL);
	pthread_mutex_init(&r.s.late.lock, NULL);
	pthread_mutex_init(&r.s.waits.lock, NULL);
	pthread_cond_init(&r.s.waits.more, NULL);
	r.gofer.pid = 0;
	r.gofer.ctl = r.gofer.pidfd = -1;
	r.guest.init_pidfd = r.guest.sock = -1;
	r.tracer.pidfd = r.tracer.sock = r.tracer.ctl = r.tracer.guest_end = -1;

	rc = setup_signals(&r, e);
	if (rc < 0)
		return rc;
	if (spec->tty && (rc = tty_relay_prepare(&r.tty)) < 0)
		return merr_set(e, -rc, "eventfd for the terminal's relay: %s", strerror(-rc));
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/*
	 * The guest has no supplementary groups of the host's root (guest.c):
	 * nor have the workers that open files for it, nor the gofer that
	 * changes them, or a group of the runner's would let a guest of
	 * another group read and write that group's files.  Where root cannot
	 * drop them, the guest keeps them too, natively.
	 */
	if (geteuid() == 0)
		setgroups(0, NULL);
	r.s.hostproc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r.s.hostproc < 0)
		return merr_sys(e, "open /proc");
	r.s.selffd = openat(r.s.hostproc, "self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r.s.selffd < 0 || fstat(r.s.hostproc, &st) < 0)
		return merr_sys(e, "open /proc/self/fd");
	r.s.hostproc_dev = st.st_dev;
	rc = stdio_read_only(&r, e);
	if (rc < 0)
		return rc;
	log_phase("sentry: start");
	rc = filter_get(spec->audit_fd >= 0, &r.prog, e);
	if (rc == 0 && spec->ptrace) {
		r.tracer.hidden = tracer_hidden_fd(spec, e);
		rc = r.tracer.hidden < 0 ? r.tracer.hidden
					 : tracer_filter(&r.prog, r.tracer.hidden, e);
	}
	if (rc < 0)
		goto out;
	log_phase("sentry: filter built");
	r.tree = spec->tree;
	if (!spec->net.sandbox && spec_hostname_listable(spec))	/* else network.c's /etc/hosts */
		r.tree.host_name = spec_hostname(spec);
	if (spec->net.sandbox) {
		/* outbound's standby first: the secrets' variables go with it,
		 * before anything else is forked (network.c) */
		rc = network_prepare(spec, &r.net, e);
		if (rc < 0)
			goto out;
		r.tree.files = malloc((spec->tree.nfiles + 1) * sizeof(*r.tree.files));
		if (!r.tree.files) {
			rc = merr_set(e, ENOMEM, "out of memory");
			goto out;
		}
		if (spec->tree.nfiles)
			memcpy(r.tree.files, spec->tree.files,
			       spec->tree.nfiles * sizeof(*r.tree.files));
		rc = network_tree_files(spec, &r.tree, e);
		if (rc < 0)
			goto out;
	}
	rc = gofer_start(&r.gofer, &r.tree, e);
	if (rc < 0)
		goto out;
	rc = guest_start(spec, &r.gofer, &r.prog, &r.guest, e);
	if (rc < 0)
		goto out;
	rc = guest_go(&r.guest);	/* the guest's first namespaces, meanwhile */
	if (rc < 0) {
		rc = go_failed(&r, rc, e);
		goto out;
	}
	rc = gofer_wait_built(&r.gofer, e);
	log_phase("sentry: gofer ready");
	if (rc < 0)
		goto out;
	rc = cgroup_setup(spec, &r.cg, e);
	if (rc < 0)
		goto out;
	if (r.cg.cpu_file[0]) {
		struct itimerspec t = { .it_value = { 0, 100000000 }, .it_interval = { 0, 100000000 } };

		r.cputimer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (r.cputimer >= 0)
			timerfd_settime(r.cputimer, 0, &t, NULL);
	}
	rc = cgroup_add(&r.cg, r.guest.setup, e);
	if (rc < 0)
		goto out;
	rc = guest_go(&r.guest);
	if (rc < 0) {
		rc = go_failed(&r, rc, e);
		start_limited(&r, e);
		goto out;
	}
	rc = birth(&r, e);
	if (rc < 0) {
		/*
		 * init's set-up failed, and as pid 1 it took the command with
		 * it, which the sentry may have been looking up (its root, its
		 * listener): init's word, queued before it exited, says why.
		 */
		if (setup_failure(&r, false, e) == 0)
			rc = -e->errnum;
		start_limited(&r, e);
		goto out;
	}
	log_phase("sentry: serving");
	/*
	 * The workers dropped every capability as they started (notify.c): the
	 * guest is served with its own permissions.  This thread keeps only
	 * what removing the cgroups takes (their parents are mode 0555).
	 */
	rc = confine_drop_caps(r.cg.n ? 1ull << CAP_DAC_OVERRIDE : 0, e);
	if (rc < 0)
		goto out;
	rc = sentry_confine_self(e);
	if (rc < 0)
		goto out;
	stdio_release(&r);	/* while the guest runs */
	wait_end(&r);
	tty_end(&r);	/* moat's terminal as it was, for what is said below */
	log_phase("sentry: guest exited");
	if (r.timed_out) {
		fprintf(stderr, "moat: the sandbox timed out after %llu s and was stopped\n",
			(unsigned long long)spec->timeout_sec);
		r.status = MOAT_EXIT_TIMEOUT;
	} else if (r.cpu_out) {
		fprintf(stderr, "moat: the sandbox used up its %llu s of CPU time (--cpu-seconds, all "
			"its processes together) and was stopped\n",
			(unsigned long long)spec->cpu_seconds);
		r.status = 128 + SIGXCPU;
	} else if (r.status == 128 + SIGKILL && cgroup_oom_killed(&r.cg)) {
		fprintf(stderr, "moat: the guest was killed: it reached the --memory limit\n");
	}
	rc = r.status;
out:
	if (r.cputimer >= 0)
		close(r.cputimer);
	stdio_release(&r);
	cleanup(&r);
	tty_end(&r);
	log_phase("sentry: cleaned up");
	return rc;
}
