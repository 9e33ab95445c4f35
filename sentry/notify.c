// SPDX-License-Identifier: MIT
/*
 * notify.c - the seccomp user-notification platform: receiving, dispatching
 * and answering the guest's served system calls.
 *
 * Theory of operation
 * -------------------
 * Worker threads block in SECCOMP_IOCTL_NOTIF_RECV on the guest's listener;
 * the kernel hands each notification to exactly one of them.  A worker looks
 * the syscall up in the table, runs its handler, and answers with one ioctl:
 * SECCOMP_IOCTL_NOTIF_SEND for a value or an errno, or
 * SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND when the answer is a
 * new fd, which installs it in the guest and completes the call atomically.
 *
 * A handler may block (opening a FIFO, connecting a socket).  So that a blocked
 * worker never stalls the guest, a handler calls sentry_may_block() first, which
 * starts another worker if none is left waiting (up to SENTRY_MAX_WORKERS).
 * The wait is the guest's, and ends with it: a caller killed or interrupted
 * by a signal while a worker waits for it (on a FIFO nobody opens, a listener
 * that never accepts) no longer needs the answer, but the worker would wait
 * on, and once SENTRY_MAX_WORKERS of them did, no call of the sandbox would
 * be served again.  So sentry_may_block() also lists the worker as waiting,
 * and a watchdog thread (started with the first wait) checks the listed
 * calls every WATCH_PERIOD_NS while any is listed: a worker whose call is no
 * longer pending gets WAKE_SIGNAL, whose handler does nothing and is
 * installed without SA_RESTART, so the wait fails with EINTR and the worker
 * goes back to serving.  The signal is sent only while the worker is still
 * listed for that call, under the list's lock, so it never interrupts
 * another call; a worker that has just finished the call it was signalled
 * for answers one no longer pending, which the kernel ignores.
 * With synchronous wake-ups the guest thread and a worker hand one CPU back
 * and forth: a notification moves a worker that sleeps in RECV to the guest
 * thread's CPU.  An ADDFD answer breaks that: the worker waits in the ioctl
 * until the guest has installed the fd, and that wake-up is not synchronous,
 * so the worker is often still on its way back (on another CPU, woken by an
 * IPI) when the guest's next call arrives; it then takes the call where it
 * is, and the two stay on different CPUs, each answer costing two cross-CPU
 * wake-ups.  So two workers are started from the outset: while one returns
 * from an ADDFD, the other sleeps in RECV and is moved to the guest's CPU.
 * On an idle two-CPU virtual machine this took an open+close from ~70 to
 * 13-16 microseconds (docs/benchmarks.md).
 *
 * With the ptrace platform (ptrace.c), workers receive calls from the
 * tracer's socket instead of the listener, and answer on it; the handlers
 * are the same.
 *
 * Only execve/execveat and the fd-based changes of a writable fd (fchmod and
 * the like, decided before any guest memory is read) are ever continued
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE); see exec.c and fd_change_path() in
 * fs.c for why that is safe.  Every handler reads guest memory into its
 * own buffers first and checks call_still_valid() before acting on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "confine.h"
#include "log.h"
#include "sentry/handlers.h"
#include "sentry/ptrace.h"
#include "sentry/sentry.h"
#include "sentry/table.h"
#include "sys.h"

#define WORKER_STACK (512 * 1024)
#define WATCHDOG_STACK (64 * 1024)
#define WATCH_PERIOD_NS (100 * 1000 * 1000)
#define WAKE_SIGNAL SIGRTMIN

static bool spawn_worker(struct sentry *s);

/* Whether notification @id is still pending: 0, -ENOENT, or -errno the ioctl's */
static int notif_valid(struct sentry *s, uint64_t id)
{
	if (s->tracer)
		return tracer_valid(s->tracer, id) ? 0 : -ENOENT;
	return ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0 ? 0 : -errno;
}

bool call_still_valid(struct call *c)
{
	return notif_valid(c->s, c->n->id) == 0;
}

static void on_wake(int sig)
{
	(void)sig;	/* only to end a wait with EINTR */
}

/* Interrupt the workers that wait for calls no longer pending: see the top. */
static void *watchdog(void *arg)
{
	struct sentry *s = arg;
	struct waits *q = &s->waits;
	const struct timespec period = { 0, WATCH_PERIOD_NS };

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->list)
			pthread_cond_wait(&q->more, &q->lock);
		/* Signalled again each round: one that came before the wait began
		 * was spent before it could end it. */
		for (struct worker *w = q->list; w; w = w->next_waiting)
			if (notif_valid(s, w->wait_id) == -ENOENT)	/* else: unsure, wait on */
				pthread_kill(w->self, WAKE_SIGNAL);
		pthread_mutex_unlock(&q->lock);
		nanosleep(&period, NULL);
		pthread_mutex_lock(&q->lock);
	}
	return NULL;
}

/* List @w as waiting for call @id; start the watchdog with the first wait. */
static void wait_begin(struct sentry *s, struct worker *w, uint64_t id)
{
	struct waits *q = &s->waits;

	pthread_mutex_lock(&q->lock);
	if (!w->waiting) {
		w->waiting = true;
		w->wait_id = id;
		w->next_waiting = q->list;
		q->list = w;
	}
	if (!q->watching) {
		pthread_attr_t attr;
		pthread_t t;

		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, WATCHDOG_STACK);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		q->watching = pthread_create(&t, &attr, watchdog, s) == 0;
		pthread_attr_destroy(&attr);
		if (!q->watching)
			log_warn("cannot start the watchdog of waiting calls");
	}
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->lock);
}

/* The call is done (or failed): the watchdog no longer interrupts @w. */
static void wait_end(struct sentry *s, struct worker *w)
{
	struct waits *q = &s->waits;

	pthread_mutex_lock(&q->lock);
	for (struct worker **p = &q->list; *p; p = &(*p)->next_waiting) {
		if (*p == w) {
			*p = w->next_waiting;
			break;
		}
	}
	w->waiting = false;
	pthread_mutex_unlock(&q->lock);
}

void sentry_may_block(struct call *c)
{
	wait_begin(c->s, c->w, c->n->id);
	if (atomic_load(&c->s->idle) == 0)
		spawn_worker(c->s);
}

int sentry_gofer_channel(struct call *c)
{
	if (c->w->ch < 0) {
		c->w->ch = gofer_channel_open(c->s->gofer);
		if (c->w->ch < 0)
			log_warn("no channel to the gofer: %s", strerror(-c->w->ch));
	}
	return c->w->ch;
}

void h_denied(struct call *c)
{
	const struct sc_entry *e = sc_lookup(c->n->data.nr);

	if (!e)
		call_fail(c, ENOSYS, true);
	else if (e->cls == SC_DENY)
		call_fail(c, e->deny_errno, true);
	else if (e->nr == __NR_socketpair)
		call_fail(c, EAFNOSUPPORT, true);
	else
		call_fail(c, EPERM, true);	/* a conditional rule denied it */
}

static void dispatch(struct call *c)
{
	sc_handler fn = sc_handler_of(c->n->data.nr, c->n->data.arch);

	if (!fn) {
		h_denied(c);
		return;
	}
	fn(c);
}

/*
 * The guest may run, and close the fd it was given, before the worker that
 * gave it (and the gofer that opened it) have closed their own copies: the
 * file then stays open a moment longer than the guest asked.  An execve of a
 * file just written would find it still open for writing (ETXTBSY), so
 * execve waits for those closes first (sentry_settle_fds()): the sentry's
 * are counted in @s->handing; the gofer closes its copy right after sending
 * it and serves one request at a time, so once it has answered any later
 * request, every fd it sent before is closed on its side.
 */
static void inject_close(struct call *c, bool counted)
{
	close(c->inject);
	c->inject = -1;
	if (counted)
		atomic_fetch_sub(&c->s->handing, 1);
}

void sentry_settle_fds(struct call *c)
{
	struct gofer_req req = { .op = GOFER_ACCESS, .mode = F_OK };
	int ch;

	if (atomic_load(&c->s->gofer_fds) && (ch = sentry_gofer_channel(c)) >= 0)
		gofer_call(ch, &req, "/", NULL, 0, -1, NULL);
	/*
	 * Each is closed right after its ioctl returns, by a worker that may be
	 * waiting for a CPU on a busy host: yield, then sleep 100 us at a time,
	 * up to 100 ms (a bound: the other threads of a guest that opens files
	 * without pause must not keep its execve waiting).
	 */
	for (int i = 0; i < 2000 && atomic_load(&c->s->handing) > 0; i++) {
		if (i < 1000)
			sched_yield();
		else
			nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
	}
}

static void answer(struct call *c, struct seccomp_notif_resp *resp)
{
	struct sentry *s = c->s;

	if (s->tracer) {
		if (c->inject >= 0)
			atomic_fetch_add(&s->handing, 1);
		tracer_answer(s->tracer, c->n->id, c->val, c->err, c->cont, c->inject,
			      c->inject_cloexec);
		if (c->inject >= 0)
			inject_close(c, true);
		return;
	}
	if (c->inject >= 0 && !c->err) {
		struct seccomp_notif_addfd add = {
			.id = c->n->id,
			.flags = SECCOMP_ADDFD_FLAG_SEND,
			.srcfd = (uint32_t)c->inject,
			.newfd_flags = c->inject_cloexec ? O_CLOEXEC : 0,
		};
		int r;

		atomic_fetch_add(&s->handing, 1);
		r = ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
		inject_close(c, true);
		if (r >= 0 || errno == ENOENT)
			return;	/* answered, or the thread is gone */
		c->err = errno == EBUSY ? EINTR : errno;	/* e.g. EMFILE */
	} else if (c->inject >= 0) {
		inject_close(c, false);
	}
	memset(resp, 0, s->sizes.seccomp_notif_resp);
	resp->id = c->n->id;
	if (c->cont) {
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	} else if (c->err) {
		resp->error = -c->err;
	} else {
		resp->val = c->val;
	}
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
		log_debug("answer %s: %s", sc_name(c->n->data.nr), strerror(errno));
}

static void *worker(void *arg);

/* Return: whether a worker was started (a worker may end at once: no matter) */
static bool spawn_worker(struct sentry *s)
{
	pthread_attr_t attr;
	pthread_t t;
	int n = atomic_fetch_add(&s->nworkers, 1), r;

	if (n >= SENTRY_MAX_WORKERS) {
		atomic_fetch_sub(&s->nworkers, 1);
		return false;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &attr, worker, s);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		atomic_fetch_sub(&s->nworkers, 1);
		log_warn("cannot start another worker thread: %s", strerror(r));
	}
	return r == 0;
}

/*
 * Give this worker a file-system context of its own (cwd and root are per
 * process otherwise) and make the guest's root its root.  Lookups can then
 * resolve relative to a duplicate of the guest's own dirfd: ".." stops at the
 * guest's root, absolute symlinks start there, and no path string is needed.
 * The first worker does the chroot (it still has CAP_SYS_CHROOT); the workers
 * it starts inherit it.  Without the capability (moat run by a user), lookups
 * go through absolute path strings instead (path.c).
 * Return: whether this is the first worker (which starts the second).
 */
static bool worker_root(struct sentry *s)
{
	static atomic_int decided;

	if (unshare(CLONE_FS) < 0)
		return false;
	if (atomic_exchange(&decided, 1))
		return false;	/* started by a worker: its root came along */
	s->chrooted = fchdir(s->rootfd) == 0 && chroot(".") == 0 && chdir("/") == 0;
	if (!s->chrooted)
		log_info("workers resolve through path strings: chroot: %s", strerror(errno));
	return true;
}

static void *worker(void *arg)
{
	struct sentry *s = arg;
	struct seccomp_notif *n = calloc(1, s->sizes.seccomp_notif);
	struct seccomp_notif_resp *resp = calloc(1, s->sizes.seccomp_notif_resp);
	struct call *c = malloc(sizeof(*c));
	struct worker w = { .ch = -1 };	/* the channel opens on first use */
	bool first;

	if (!n || !resp || !c) {
		log_err("worker: out of memory");
		goto out;
	}
	for (int i = 0; i < WORKER_PIDFDS; i++)
		w.pidfds[i] = -1;
	w.self = pthread_self();
	{
		sigset_t wake;

		sigemptyset(&wake);
		sigaddset(&wake, WAKE_SIGNAL);
		pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
	}
	first = worker_root(s);
	/*
	 * The guest's ids its own (spec_own_ids()): a worker opens files for it
	 * as it, by its file-system ids (this thread's alone), so that a file
	 * closed to the guest stays closed when the sentry opens it.
	 */
	if (s->spec->own_ids) {
		setfsgid(s->spec->gid);
		setfsuid(s->spec->uid);
		if ((uid_t)setfsuid((uid_t)-1) != s->spec->uid ||
		    (gid_t)setfsgid((gid_t)-1) != s->spec->gid) {
			log_err("worker: cannot take the guest's ids");
			goto out;
		}
	}
	/* Capabilities are per thread: a worker serves with none at all. */
	if (confine_drop_caps(0, NULL) < 0) {
		log_err("worker: cannot drop capabilities");
		goto out;
	}
	if (first)
		spawn_worker(s);	/* the second waiter: see the top of this file */
	for (;;) {
		int r;

		memset(n, 0, s->sizes.seccomp_notif);
		atomic_fetch_add(&s->idle, 1);
		if (s->tracer) {
			r = tracer_recv(s->tracer, n);
			atomic_fetch_sub(&s->idle, 1);
			if (r == -EINTR)
				continue;
			if (r == -EPROTO) {
				log_warn("worker: a malformed message from the tracer");
				continue;
			}
			if (r < 0) {
				log_debug("worker: the tracer is gone: %s", strerror(-r));
				break;
			}
		} else {
			r = ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, n);
			atomic_fetch_sub(&s->idle, 1);
		}
		if (r < 0) {
			struct pollfd p = { .fd = s->listener, .events = POLLIN };

			if (errno == EINTR)
				continue;
			/* ENOENT: the caller died, or no guest process is left. */
			if (errno == ENOENT && poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP))
				continue;
			break;
		}
		memset(c, 0, offsetof(struct call, path));
		c->path[0] = '\0';
		c->s = s;
		c->w = &w;
		c->n = n;
		c->tid = (pid_t)n->pid;
		c->inject = -1;
		dispatch(c);
		if (w.waiting)
			wait_end(s, &w);
		if (c->refused)
			audit_call(c);
		answer(c, resp);
	}
out:
	if (w.ch >= 0)
		close(w.ch);
	for (int i = 0; i < WORKER_PIDFDS; i++)
		if (w.pidfds[i] >= 0)
			close(w.pidfds[i]);
	free(n);
	free(resp);
	free(c);
	atomic_fetch_sub(&s->nworkers, 1);
	return NULL;
}

/* Linux 6.6: wake the other side on this CPU, as one switch (no IPI). */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

int sentry_serve(struct sentry *s)
{
	struct sigaction sa = { .sa_handler = on_wake };	/* no SA_RESTART */

	sigemptyset(&sa.sa_mask);
	if (sigaction(WAKE_SIGNAL, &sa, NULL) < 0)
		return -errno;
	if (s->tracer) {
		s->sizes.seccomp_notif = sizeof(struct seccomp_notif);
		s->sizes.seccomp_notif_resp = sizeof(struct seccomp_notif_resp);
		return spawn_worker(s) ? 0 : -EAGAIN;
	}
	if (sys_seccomp(SECCOMP_GET_NOTIF_SIZES, 0, &s->sizes) < 0)
		return -errno;
	{
		/* Linux 5.9 answers an fd of -1 with EBADF; before, the ioctl
		 * does not exist (EINVAL) and no open could be served. */
		struct seccomp_notif_addfd probe = { .srcfd = (uint32_t)-1 };

		if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &probe) == 0 || errno != EBADF)
			return -ENOSYS;
	}
	/*
	 * The guest thread waits while a worker serves it: synchronous wake-ups
	 * let the two hand the CPU back and forth instead of waking an idle CPU
	 * each way.  A round trip costs a few microseconds instead of tens.
	 */
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
		  (uint64_t)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0)
		log_info("synchronous wake-ups unavailable (Linux 6.6+): %s", strerror(errno));
	return spawn_worker(s) ? 0 : -EAGAIN;
}
