// SPDX-License-Identifier: MIT
/*
 * ptrace.c - the ptrace platform (moat do --platform=ptrace), for kernels
 * without seccomp user notification (or without SECCOMP_IOCTL_NOTIF_ADDFD).
 *
 * Theory of operation
 * -------------------
 * The guest's seccomp program is the same one, with one change: a call the
 * sentry serves stops the thread for its tracer (SECCOMP_RET_TRACE) instead of
 * notifying a listener.  The tracer is a process of its own, forked by the
 * sentry, because ptrace requests must come from the one thread that attached
 * and because its wait for tracee events must not take the sentry's children
 * (init, the gofer).  It seizes the guest's first process before that process
 * executes the command, with fork, clone and exec tracing, so every guest
 * process and thread is its tracee; and with PTRACE_O_EXITKILL, so the guest
 * dies if it does.
 *
 *   guest thread ──seccomp stop──> tracer ──call──> sentry workers (notify.c)
 *                <──registers───          <─answer─
 *
 * At a seccomp stop the tracer reads the registers and sends the call (id,
 * host tid, number, arguments) over a socket; the sentry's workers receive
 * calls from it as they receive notifications from a listener, run the same
 * handlers, and send back the answer.  The tracer then writes the result into
 * the thread's registers and skips the call (orig_rax = -1), continues it
 * unchanged (execve), or installs an fd.
 *
 * Validity.  A stopped tracee cannot be reaped, so its tid stays its own while
 * the call waits: the real parent may reap it only after the tracer has seen
 * it exit.  Each pending call has a slot in memory shared with the sentry,
 * holding the call's generation; the tracer clears it when the call is
 * answered or the thread exits, so the sentry's "is this call still valid"
 * check (invariant 1) is one load.
 *
 * Installing an fd.  Without SECCOMP_IOCTL_NOTIF_ADDFD nothing can put an fd
 * into another process, so the guest receives it itself.  Every guest process
 * holds one end of a datagram socket at a fixed high fd number (its "hidden"
 * fd, inherited through fork and exec; the guest cannot send on it).  The
 * tracer sends the fd on the other end, turns the stopped call into
 * recvmsg(hidden, msg, MSG_DONTWAIT) with the message header written below
 * the thread's stack red zone, and at the syscall-exit stop reads the new fd's
 * number from the control message and makes it the call's result, restoring
 * every other register.  Only one such receive is in flight at a time (a
 * datagram must reach the thread it is meant for); what a failed receive left
 * is drained.  The seccomp program keeps the hidden fd from being closed or
 * replaced: close() of it succeeds without effect, dup2/dup3 onto it fail with
 * EBADF, and close_range() over it stops in the tracer, which splits it in two
 * (below, then above the hidden fd) and restores the registers afterwards.
 * The guest can still see the socket (/proc/self/fd) and receive from it: the
 * most it can do is take an fd meant for another of its own threads, or make
 * its own opens fail.
 *
 * Filters the guest installs itself.  The kernel runs every filter of a
 * thread and takes the most restrictive action, and SECCOMP_RET_USER_NOTIF
 * ranks above SECCOMP_RET_TRACE: a guest filter with a listener of its own
 * would take the served calls from the tracer, and its listener could let
 * them run natively (SECCOMP_USER_NOTIF_FLAG_CONTINUE).  On the seccomp
 * platform the kernel refuses a second listener in a filter stack (EBUSY);
 * here the program refuses it, with the same errno.  A guest filter may also
 * answer SECCOMP_RET_TRACE, which the seccomp platform's kernel turns into
 * ENOSYS (no tracer) unless the sandbox's program serves the call.  The
 * program's own stops carry TRACE_DATA, but the newest filter's data wins a
 * tie, so at a stop with other data the tracer runs the program on the call
 * itself (filter_verdict()) and fails the call with ENOSYS unless it says
 * TRACE.
 *
 * A child made with CLONE_UNTRACED is not traced, but its filter is the same:
 * every call it would have served fails with ENOSYS, as the kernel answers a
 * SECCOMP_RET_TRACE with no tracer, so it can do nothing the others cannot.
 *
 * What is different from the seccomp platform: a stopped thread does not see
 * signals until its call is answered (a guest blocked in a served FIFO open
 * cannot be interrupted, only killed); every served call costs a ptrace stop
 * and a hop to a worker and back (for an fd, a syscall-exit stop more): tens
 * of microseconds where wake-ups cross CPUs (docs/benchmarks.md); and the
 * sentry's seccomp allowlist is the same (the ptrace calls are the tracer's,
 * which has an allowlist of its own).
 */
#include "sentry/ptrace.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "fdio.h"
#include "log.h"
#include "sentry/mem.h"
#include "sys.h"
#include "syscall_nr.h"
#include "util.h"
#include <seccomp.h>

#define NSLOTS TRACER_SLOTS
#define NBUCKETS 1024u
#define RED_ZONE 128
/* The data of the program's SECCOMP_RET_TRACE: other data is a guest filter's. */
#define TRACE_DATA 0x6d74u

/* ------------------------------------------------------------------------ */
/* the guest's seccomp program                                               */

int tracer_hidden_fd(const struct moat_spec *spec, struct merr *e)
{
	struct rlimit rl;
	rlim_t soft;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return merr_sys(e, "getrlimit");
	soft = rl.rlim_cur;
	for (size_t i = 0; i < spec->nrlimits; i++)
		if (spec->rlimits[i].resource == RLIMIT_NOFILE)
			soft = spec->rlimits[i].lim.rlim_cur;
	if (soft > 1024)
		soft = 1024;
	if (soft < 16)
		return merr_set(e, EINVAL, "the ptrace platform needs an RLIMIT_NOFILE of at least 16 "
				"(it keeps one fd of each guest process)");
	return (int)soft - 1;
}

#define LD_ABS(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))	/* little-endian */

int tracer_filter(struct sock_fprog *prog, int hidden, struct merr *e)
{
	/* Jump offsets count from the next instruction; END is the old program. */
	enum { CLOSE = 8, DUP = 10, RANGE = 12, FILTER = 16, OK = 20, BADF = 21, BUSY = 22,
	       TRACE = 23, END = 24 };
	const uint32_t h = (uint32_t)hidden;
	const struct sock_filter guard[END] = {
		/* 0 */ LD_ABS(offsetof(struct seccomp_data, arch)),
		/* 1 */ JEQ(AUDIT_ARCH_X86_64, 0, END - 2),
		/* 2 */ LD_ABS(offsetof(struct seccomp_data, nr)),
		/* 3 */ JEQ(__NR_close, CLOSE - 4, 0),
		/* 4 */ JEQ(__NR_dup2, DUP - 5, 0),
		/* 5 */ JEQ(__NR_dup3, DUP - 6, 0),
		/* 6 */ JEQ(__NR_close_range, RANGE - 7, 0),
		/* 7 */ JEQ(__NR_seccomp, FILTER - 8, END - 8),
		/* 8: CLOSE */ LD_ABS(ARG_LO(0)),
		/* 9 */ JEQ(h, OK - 10, END - 10),
		/* 10: DUP */ LD_ABS(ARG_LO(1)),
		/* 11 */ JEQ(h, BADF - 12, END - 12),
		/* 12: RANGE (first <= h && last >= h) */ LD_ABS(ARG_LO(0)),
		/* 13 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, h, END - 14, 0),
		/* 14 */ LD_ABS(ARG_LO(1)),
		/* 15 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, h, TRACE - 16, END - 16),
		/* 16: FILTER (a listener of the guest's own) */ LD_ABS(ARG_LO(0)),
		/* 17 */ JEQ(SECCOMP_SET_MODE_FILTER, 0, END - 18),
		/* 18 */ LD_ABS(ARG_LO(1)),
		/* 19 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, SECCOMP_FILTER_FLAG_NEW_LISTENER,
				  BUSY - 20, END - 20),
		/* 20: OK */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0),
		/* 21: BADF */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EBADF),
		/* 22: BUSY */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EBUSY),
		/* 23: TRACE */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | TRACE_DATA),
	};
	size_t n = END + (size_t)prog->len;
	struct sock_filter *f;

	if (n > BPF_MAXINSNS)
		return merr_set(e, E2BIG, "the ptrace platform's seccomp program is too long");
	f = malloc(n * sizeof(*f));
	if (!f)
		return merr_set(e, ENOMEM, "seccomp filter: out of memory");
	memcpy(f, guard, sizeof(guard));
	memcpy(f + END, prog->filter, prog->len * sizeof(*f));
	for (size_t i = END; i < n; i++)
		if (f[i].code == (BPF_RET | BPF_K) &&
		    (f[i].k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_USER_NOTIF)
			f[i].k = SECCOMP_RET_TRACE | TRACE_DATA;
	free(prog->filter);
	prog->filter = f;
	prog->len = (unsigned short)n;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* the tracer process                                                        */

enum tstate {
	T_RUN,		/* running, or stopped in nothing of ours */
	T_CALL,		/* in a served call, waiting for the sentry */
	T_QUEUED,	/* its answer is an fd, waiting for its turn to receive it */
	T_INJECT,	/* receiving its fd: next comes the syscall-exit stop */
	T_RANGE,	/* in a close_range() with a bound moved: exit stop next */
	T_RANGE_SPLIT,	/* in the first half of a split close_range() */
	T_RANGE_ENTRY,	/* about to enter its second half */
	T_RANGE_EXIT,	/* in its second half */
};

struct tracee {
	pid_t tid;
	enum tstate state;
	struct user_regs_struct regs;	/* as they were at the seccomp stop */
	uint32_t slot;			/* T_CALL */
	bool queued;			/* T_CALL: still to be sent to the sentry */
	int fd;				/* T_QUEUED: the fd to install */
	bool cloexec;
	uint64_t scratch;		/* T_INJECT: the message header's address */
	uint32_t range_last;		/* T_RANGE_SPLIT: the second half's last fd */
	struct tracee *next;		/* in its hash bucket */
	struct tracee *qnext;		/* in the send or injection queue */
};

struct tracer_proc {
	const struct sock_fprog *prog;	/* the guest's program, tracer_filter()'s */
	int sock, ctl, tend, gend;	/* gend: our copy of the guest's end, for draining */
	int sigfd;
	uint32_t hidden;
	uint32_t *gens;
	uint32_t next_gen;
	struct tracee *owner[NSLOTS];
	uint32_t free_slots[NSLOTS];
	uint32_t nfree;
	struct tracee *buckets[NBUCKETS];
	struct tracee *sendq, **sendq_tail;
	struct tracee *injq, **injq_tail;
	struct tracee *injecting;
};

/* The tracer's allowlist (also compiled at build time by tools/genfilter). */
const int tracer_syscalls[] = {
	SCMP_SYS(ptrace), SCMP_SYS(wait4), SCMP_SYS(poll), SCMP_SYS(read), SCMP_SYS(write),
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
	SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(close),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
	SCMP_SYS(futex), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(clock_gettime),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn), SCMP_SYS(restart_syscall),
	SCMP_SYS(sigaltstack), SCMP_SYS(exit), SCMP_SYS(exit_group),
};
const size_t tracer_nsyscalls = ARRAY_SIZE(tracer_syscalls);

extern const struct sock_filter moat_filter_tracer[] __attribute__((weak));
extern const unsigned short moat_filter_tracer_len __attribute__((weak));

static struct tracee *tracee_find(struct tracer_proc *tp, pid_t tid, bool create)
{
	struct tracee **b = &tp->buckets[(uint32_t)tid % NBUCKETS], *t;

	for (t = *b; t; t = t->next)
		if (t->tid == tid)
			return t;
	if (!create)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		log_err("tracer: out of memory");
		_exit(MOAT_EXIT_FAILURE);
	}
	t->tid = tid;
	t->fd = -1;
	t->next = *b;
	*b = t;
	return t;
}

static void queue_remove(struct tracee **head, struct tracee ***tail, struct tracee *t)
{
	struct tracee **pp = head, *prev = NULL;

	while (*pp && *pp != t) {
		prev = *pp;
		pp = &(*pp)->qnext;
	}
	if (!*pp)
		return;
	*pp = t->qnext;
	if (*tail == &t->qnext)
		*tail = prev ? &prev->qnext : head;
	t->qnext = NULL;
}

static void queue_add(struct tracee ***tail, struct tracee *t)
{
	t->qnext = NULL;
	**tail = t;
	*tail = &t->qnext;
}

static void slot_free(struct tracer_proc *tp, uint32_t slot)
{
	__atomic_store_n(&tp->gens[slot], 0, __ATOMIC_RELEASE);
	tp->owner[slot] = NULL;
	tp->free_slots[tp->nfree++] = slot;
}

/* Resume @t: with syscall stops while one of ours is in flight. */
static void resume(struct tracee *t, int sig)
{
	bool stops = t->state == T_INJECT || t->state == T_RANGE || t->state == T_RANGE_SPLIT ||
		     t->state == T_RANGE_ENTRY || t->state == T_RANGE_EXIT;

	if (ptrace(stops ? PTRACE_SYSCALL : PTRACE_CONT, t->tid, 0, (void *)(long)sig) < 0 &&
	    errno != ESRCH)
		log_debug("tracer: resume %d: %s", t->tid, strerror(errno));
}

/* Finish @t's call with @v (a value or -errno), without running it. */
static void set_return(struct tracee *t, int64_t v)
{
	t->regs.orig_rax = (unsigned long long)-1;
	t->regs.rax = (unsigned long long)v;
	t->state = T_RUN;
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &t->regs) < 0)
		return;	/* killed meanwhile: its exit is on its way */
	resume(t, 0);
}

/* Whatever a failed receive left on the guest's end. */
static void drain(struct tracer_proc *tp)
{
	for (;;) {
		char byte;
		int fds[FDIO_MAX_FDS];
		unsigned nfds = 0;
		struct iovec iov = { &byte, 1 };
		union {
			char buf[CMSG_SPACE(sizeof(fds))];
			struct cmsghdr align;
		} cbuf;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf) };

		if (recvmsg(tp->gend, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			nfds = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
			for (unsigned i = 0; i < nfds; i++)
				close(fds[i]);
		}
	}
}

/* What is written below the red zone for the guest's recvmsg(). */
struct scratch {
	struct msghdr mh;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr hdr;
	} ctl;
	char byte;
};

/* Start @t's receive of its fd; Return: 0, or -1 if @t was answered otherwise. */
static int inject_start(struct tracer_proc *tp, struct tracee *t)
{
	struct scratch sc;
	uint64_t at = (t->regs.rsp - RED_ZONE - sizeof(sc)) & ~(uint64_t)15;
	struct user_regs_struct r = t->regs;
	char byte = 'm';
	int fd = t->fd;

	t->fd = -1;
	memset(&sc, 0, sizeof(sc));
	sc.mh.msg_iov = (struct iovec *)(uintptr_t)(at + offsetof(struct scratch, iov));
	sc.mh.msg_iovlen = 1;
	sc.mh.msg_control = (void *)(uintptr_t)(at + offsetof(struct scratch, ctl));
	sc.mh.msg_controllen = sizeof(sc.ctl.buf);
	sc.iov.iov_base = (void *)(uintptr_t)(at + offsetof(struct scratch, byte));
	sc.iov.iov_len = 1;
	if (mem_write(t->tid, at, &sc, sizeof(sc)) < 0) {
		close(fd);
		log_debug("tracer: no room below the stack of %d for its fd", t->tid);
		set_return(t, -ENOMEM);
		return -1;
	}
	if (fdio_send(tp->tend, &byte, 1, &fd, 1) < 0) {
		close(fd);
		set_return(t, -EIO);
		return -1;
	}
	close(fd);
	r.orig_rax = __NR_recvmsg;
	r.rdi = tp->hidden;
	r.rsi = at;
	r.rdx = MSG_DONTWAIT | (t->cloexec ? MSG_CMSG_CLOEXEC : 0);
	t->scratch = at;
	t->state = T_INJECT;
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &r) < 0) {
		drain(tp);
		return -1;	/* killed meanwhile */
	}
	resume(t, 0);
	return 0;
}

static void inject_next(struct tracer_proc *tp)
{
	while (!tp->injecting && tp->injq) {
		struct tracee *t = tp->injq;

		queue_remove(&tp->injq, &tp->injq_tail, t);
		if (inject_start(tp, t) == 0)
			tp->injecting = t;
	}
}

/* @t's recvmsg() returned: its result becomes the served call's. */
static void inject_done(struct tracer_proc *tp, struct tracee *t)
{
	struct user_regs_struct r;
	int64_t result = -EIO;

	tp->injecting = NULL;
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &r) == 0) {
		struct scratch sc;

		if ((int64_t)r.rax < 0)
			result = -EIO;
		else if (mem_read(t->tid, t->scratch, &sc, sizeof(sc)) == 0 &&
			 sc.ctl.hdr.cmsg_level == SOL_SOCKET && sc.ctl.hdr.cmsg_type == SCM_RIGHTS &&
			 sc.ctl.hdr.cmsg_len == CMSG_LEN(sizeof(int))) {
			int got;

			memcpy(&got, CMSG_DATA(&sc.ctl.hdr), sizeof(got));
			result = got;
		} else {
			result = -EMFILE;	/* received, but the kernel had no fd number left */
		}
		t->regs.rax = (unsigned long long)result;
		t->state = T_RUN;
		if (ptrace(PTRACE_SETREGS, t->tid, 0, &t->regs) == 0)
			resume(t, 0);
	}
	drain(tp);
	inject_next(tp);
}

/* ------------------------------------------------------------------------ */

static bool send_call(struct tracer_proc *tp, struct tracee *t)
{
	const struct user_regs_struct *r = &t->regs;
	struct pt_call m = {
		.id = (uint64_t)t->slot << 32 | tp->gens[t->slot],
		.args = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 },
		.ip = r->rip,
		.nr = (int32_t)r->orig_rax,
		.tid = (uint32_t)t->tid,
	};
	ssize_t n = send(tp->sock, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n == (ssize_t)sizeof(m))
		return true;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	_exit(0);	/* the sentry is gone: so are we, and the guest with us */
}

static void flush_sendq(struct tracer_proc *tp)
{
	while (tp->sendq && send_call(tp, tp->sendq)) {
		struct tracee *t = tp->sendq;

		t->queued = false;
		queue_remove(&tp->sendq, &tp->sendq_tail, t);
	}
}

/* close_range() over the hidden fd: run it without the hidden fd. */
static void on_close_range(struct tracer_proc *tp, struct tracee *t)
{
	struct user_regs_struct r = t->regs;
	uint32_t first = (uint32_t)r.rdi, last = (uint32_t)r.rsi, h = tp->hidden;

	if (first > h || last < h) {
		/* a guest filter's stop with the program's data: the call is native */
		resume(t, 0);
		return;
	}
	if (first == h && last == h) {
		set_return(t, 0);
		return;
	}
	if (first == h) {
		r.rdi = h + 1;
		t->state = T_RANGE;
	} else if (last == h) {
		r.rsi = h - 1;
		t->state = T_RANGE;
	} else {
		r.rsi = h - 1;
		t->range_last = last;
		t->state = T_RANGE_SPLIT;
	}
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &r) == 0)
		resume(t, 0);
}

/**
 * filter_verdict() - the action the guest's program takes on a call
 * @prog: the program (the instructions libseccomp emits, and the guard's)
 * @d: the call
 *
 * Return: the action, without its data; SECCOMP_RET_TRACE for an instruction
 * it does not know, since serving a call is always safe
 */
static uint32_t filter_verdict(const struct sock_fprog *prog, const struct seccomp_data *d)
{
	uint32_t a = 0;

	for (size_t pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->filter[pc];
		bool jump;

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k % 4 || f->k > sizeof(*d) - 4)
				return SECCOMP_RET_TRACE;
			memcpy(&a, (const char *)d + f->k, sizeof(a));
			continue;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= f->k;
			continue;
		case BPF_JMP | BPF_JA:
			pc += f->k;
			continue;
		case BPF_RET | BPF_K:
			return f->k & SECCOMP_RET_ACTION_FULL;
		case BPF_JMP | BPF_JEQ | BPF_K:
			jump = a == f->k;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			jump = a > f->k;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			jump = a >= f->k;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			jump = (a & f->k) != 0;
			break;
		default:
			return SECCOMP_RET_TRACE;
		}
		pc += jump ? f->jt : f->jf;
	}
	return SECCOMP_RET_TRACE;
}

/* Whether the guest's program stops @t's call, rather than a filter of the guest's own. */
static bool ours(struct tracer_proc *tp, const struct tracee *t)
{
	const struct user_regs_struct *r = &t->regs;
	unsigned long data = 0;
	struct seccomp_data d = {
		.nr = (int)r->orig_rax,
		.arch = AUDIT_ARCH_X86_64,	/* the program kills the others */
		.instruction_pointer = r->rip,
		.args = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 },
	};

	if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &data) == 0 &&
	    (data & SECCOMP_RET_DATA) == TRACE_DATA)
		return true;
	return filter_verdict(tp->prog, &d) == SECCOMP_RET_TRACE;
}

static void on_seccomp(struct tracer_proc *tp, struct tracee *t)
{
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &t->regs) < 0)
		return;	/* killed meanwhile */
	if (!ours(tp, t)) {
		set_return(t, -ENOSYS);	/* as the kernel answers a trace without a tracer */
		return;
	}
	if (t->regs.orig_rax == __NR_close_range) {
		on_close_range(tp, t);
		return;
	}
	if (tp->nfree == 0) {
		set_return(t, -EAGAIN);
		return;
	}
	t->slot = tp->free_slots[--tp->nfree];
	if (++tp->next_gen == 0)
		tp->next_gen = 1;
	tp->owner[t->slot] = t;
	__atomic_store_n(&tp->gens[t->slot], tp->next_gen, __ATOMIC_RELEASE);
	t->state = T_CALL;
	if (tp->sendq || !send_call(tp, t)) {
		t->queued = true;
		queue_add(&tp->sendq_tail, t);
	}
}

/* A syscall-entry or -exit stop: one of ours (close_range, an fd to install). */
static void on_syscall_stop(struct tracer_proc *tp, struct tracee *t)
{
	struct user_regs_struct r;

	if (t->state == T_INJECT) {
		inject_done(tp, t);
		return;
	}
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &r) < 0)
		return;
	switch (t->state) {
	case T_RANGE:
	case T_RANGE_EXIT:
		/* the exit: the guest's own registers back, with the result */
		t->regs.rax = r.rax;
		t->state = T_RUN;
		if (ptrace(PTRACE_SETREGS, t->tid, 0, &t->regs) == 0)
			resume(t, 0);
		return;
	case T_RANGE_SPLIT:
		if ((int64_t)r.rax < 0) {
			t->regs.rax = r.rax;
			t->state = T_RUN;
			if (ptrace(PTRACE_SETREGS, t->tid, 0, &t->regs) == 0)
				resume(t, 0);
			return;
		}
		/* run the call again, for the fds above the hidden one */
		r.rax = __NR_close_range;
		r.rdi = tp->hidden + 1;
		r.rsi = t->range_last;
		r.rdx = t->regs.rdx;
		r.rip -= 2;	/* the length of the syscall instruction */
		t->state = T_RANGE_ENTRY;
		if (ptrace(PTRACE_SETREGS, t->tid, 0, &r) == 0)
			resume(t, 0);
		return;
	case T_RANGE_ENTRY:
		/* a signal handler may have gone elsewhere: only our call is ours */
		if (r.orig_rax == __NR_close_range && (uint32_t)r.rdi == tp->hidden + 1)
			t->state = T_RANGE_EXIT;
		else
			t->state = T_RUN;
		resume(t, 0);
		return;
	default:
		t->state = T_RUN;
		resume(t, 0);
	}
}

static void tracee_gone(struct tracer_proc *tp, struct tracee *t)
{
	struct tracee **pp = &tp->buckets[(uint32_t)t->tid % NBUCKETS];

	if (t->state == T_CALL) {
		if (t->queued)
			queue_remove(&tp->sendq, &tp->sendq_tail, t);
		slot_free(tp, t->slot);
	} else if (t->state == T_QUEUED) {
		queue_remove(&tp->injq, &tp->injq_tail, t);
	}
	if (t->fd >= 0)
		close(t->fd);
	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
	if (tp->injecting == t) {
		tp->injecting = NULL;
		drain(tp);
	}
	free(t);
	inject_next(tp);
}

static void on_event(struct tracer_proc *tp, pid_t tid, int st)
{
	struct tracee *t = tracee_find(tp, tid, true);
	int sig, ev;

	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		tracee_gone(tp, t);
		return;
	}
	if (!WIFSTOPPED(st))
		return;
	sig = WSTOPSIG(st);
	ev = (unsigned)st >> 16;
	switch (ev) {
	case PTRACE_EVENT_SECCOMP:
		on_seccomp(tp, t);
		return;
	case PTRACE_EVENT_STOP:
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			ptrace(PTRACE_LISTEN, tid, 0, 0);	/* a group stop */
		else
			resume(t, 0);	/* a new tracee's first stop */
		return;
	case PTRACE_EVENT_EXEC: {
		unsigned long former = 0;

		/* A thread other than the leader executed: it now has the
		 * leader's id, and both the leader (in whatever state it was)
		 * and the thread's own id are gone without an exit. */
		if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &former) == 0 && (pid_t)former != tid) {
			struct tracee *old = tracee_find(tp, (pid_t)former, false);

			if (old)
				tracee_gone(tp, old);
			tracee_gone(tp, t);
			t = tracee_find(tp, tid, true);
		}
		t->state = T_RUN;
		resume(t, 0);
		return;
	}
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		resume(t, 0);	/* the child shows up with its own first stop */
		return;
	case 0:
		if (sig == (SIGTRAP | 0x80)) {
			on_syscall_stop(tp, t);
			return;
		}
		resume(t, sig);	/* a signal on its way to the guest */
		return;
	default:
		resume(t, 0);
	}
}

static void on_answers(struct tracer_proc *tp)
{
	for (;;) {
		struct pt_answer a;
		struct tracee *t;
		int fd = -1;
		unsigned nfds = 0;
		uint32_t slot;
		ssize_t n = fdio_recv(tp->sock, &a, sizeof(a), &fd, 1, &nfds);

		if (n == -EAGAIN || n == -EINTR)
			return;
		if (n == 0 || (n < 0 && n != -EMSGSIZE))
			_exit(0);	/* the sentry is gone */
		if (nfds == 0)
			fd = -1;
		if (n != (ssize_t)sizeof(a)) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		slot = (uint32_t)(a.id >> 32);
		if (slot >= NSLOTS || !tp->owner[slot] || tp->gens[slot] != (uint32_t)a.id) {
			if (fd >= 0)
				close(fd);	/* its thread died meanwhile */
			continue;
		}
		t = tp->owner[slot];
		slot_free(tp, slot);	/* answered: only a sent call can be */
		if (a.flags & PT_CONT) {
			t->state = T_RUN;
			resume(t, 0);
		} else if (!a.err && (a.flags & PT_INJECT)) {
			if (fd < 0) {
				set_return(t, -EIO);
				continue;
			}
			t->fd = fd;
			t->cloexec = a.flags & PT_CLOEXEC;
			t->state = T_QUEUED;
			queue_add(&tp->injq_tail, t);
			inject_next(tp);
		} else {
			if (fd >= 0)
				close(fd);
			set_return(t, a.err ? -(int64_t)a.err : a.val);
		}
	}
}

static void on_control(struct tracer_proc *tp)
{
	int32_t pid, rc = 0;
	ssize_t n = read(tp->ctl, &pid, sizeof(pid));

	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		_exit(0);
	if (n != (ssize_t)sizeof(pid))
		return;
	if (ptrace(PTRACE_SEIZE, pid, 0, (void *)(long)(PTRACE_O_TRACESECCOMP |
		   PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		   PTRACE_O_TRACEEXEC | PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)) < 0)
		rc = errno;
	if (write(tp->ctl, &rc, sizeof(rc)) != (ssize_t)sizeof(rc))
		_exit(0);
}

static _Noreturn void tracer_main(struct tracer_proc *tp)
{
	struct merr e = { 0 };
	sigset_t chld;

	log_set_component("tracer");
	for (uint32_t i = 0; i < NSLOTS; i++)
		tp->free_slots[i] = NSLOTS - 1 - i;
	tp->nfree = NSLOTS;
	tp->sendq_tail = &tp->sendq;
	tp->injq_tail = &tp->injq;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	tp->sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (tp->sigfd < 0 || fcntl(tp->sock, F_SETFL, O_NONBLOCK) < 0) {
		log_err("tracer: signalfd: %s", strerror(errno));
		_exit(MOAT_EXIT_FAILURE);
	}
	{
		int keep[] = { tp->sock, tp->ctl, tp->tend, tp->gend, tp->sigfd };

		confine_close_fds(keep, ARRAY_SIZE(keep));
	}
	prctl(PR_SET_DUMPABLE, 0);
	if (confine_drop_caps(0, &e) < 0) {
		log_err("tracer: %s", e.msg);
		_exit(MOAT_EXIT_FAILURE);
	}
	/* Sanitizer builds too: the tracer ends with _exit(), never in their
	 * leak checker, which would need ptrace of its own (their run-time
	 * looks at the signal stack before _exit: sigaltstack is allowed). */
	if (confine_allowlist_load(moat_filter_tracer, &moat_filter_tracer_len, tracer_syscalls,
				   tracer_nsyscalls, &e) < 0) {
		log_err("tracer: %s", e.msg);
		_exit(MOAT_EXIT_FAILURE);
	}
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = tp->sigfd, .events = POLLIN },
			{ .fd = tp->sock, .events = POLLIN | (tp->sendq ? POLLOUT : 0) },
			{ .fd = tp->ctl, .events = POLLIN },
		};

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(MOAT_EXIT_FAILURE);
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			int st;
			pid_t tid;

			while (read(tp->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				;
			while ((tid = waitpid(-1, &st, __WALL | WNOHANG)) > 0)
				on_event(tp, tid, st);
		}
		if (p[1].revents & POLLIN)
			on_answers(tp);
		else if (p[1].revents & (POLLHUP | POLLERR))
			_exit(0);
		if (p[1].revents & POLLOUT)
			flush_sendq(tp);
		if (p[2].revents)
			on_control(tp);
	}
}

/* ------------------------------------------------------------------------ */
/* the sentry's side                                                         */

int tracer_start(struct tracer *t, int hidden, const struct sock_fprog *prog, struct merr *e)
{
	int calls[2], ctl[2], inj[2];
	pid_t parent = getpid(), pid;
	size_t shared = NSLOTS * sizeof(uint32_t);

	t->pidfd = t->sock = t->ctl = t->guest_end = -1;
	t->hidden = hidden;
	t->gens = mmap(NULL, shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t->gens == MAP_FAILED) {
		t->gens = NULL;
		return merr_sys(e, "the tracer's shared memory");
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, calls) < 0)
		return merr_sys(e, "socketpair for the tracer");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
		close(calls[0]);
		close(calls[1]);
		return merr_sys(e, "socketpair for the tracer");
	}
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, inj) < 0) {
		close(calls[0]);
		close(calls[1]);
		close(ctl[0]);
		close(ctl[1]);
		return merr_sys(e, "socketpair for the tracer");
	}
	/* The guest's end only receives. */
	shutdown(inj[1], SHUT_WR);
	pid = fork();
	if (pid < 0) {
		int r = merr_sys(e, "fork the tracer");

		close(calls[0]);
		close(calls[1]);
		close(ctl[0]);
		close(ctl[1]);
		close(inj[0]);
		close(inj[1]);
		return r;
	}
	if (pid == 0) {
		struct tracer_proc *tp;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		tp = calloc(1, sizeof(*tp));
		if (!tp)
			_exit(MOAT_EXIT_FAILURE);
		tp->prog = prog;
		tp->sock = calls[1];
		tp->ctl = ctl[1];
		tp->tend = inj[0];
		tp->gend = inj[1];
		tp->hidden = (uint32_t)hidden;
		tp->gens = t->gens;
		tracer_main(tp);
	}
	close(calls[1]);
	close(ctl[1]);
	close(inj[0]);
	t->pidfd = child_pidfd(pid);
	if (t->pidfd < 0) {
		int r = merr_set(e, -t->pidfd, "pidfd of the tracer: %s", strerror(-t->pidfd));

		t->pidfd = -1;
		close(calls[0]);
		close(ctl[0]);
		close(inj[1]);
		return r;
	}
	t->sock = calls[0];
	t->ctl = ctl[0];
	t->guest_end = inj[1];
	return 0;
}

int tracer_seize(struct tracer *t, pid_t pid, struct merr *e)
{
	int32_t p = pid, rc;

	if (write(t->ctl, &p, sizeof(p)) != (ssize_t)sizeof(p) ||
	    read_full(t->ctl, &rc, sizeof(rc)) != (ssize_t)sizeof(rc))
		return merr_set(e, EPROTO, "the tracer died");
	if (rc)
		return merr_set(e, rc, "ptrace the guest: %s", strerror(rc));
	return 0;
}

int tracer_recv(struct tracer *t, struct seccomp_notif *n)
{
	struct pt_call m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r = recvmsg(t->sock, &mh, 0);	/* the sentry's allowlist has no recvfrom */

	if (r < 0)
		return -errno;
	if (r == 0)
		return -ECONNRESET;	/* the tracer is gone */
	if (r != (ssize_t)sizeof(m) || (mh.msg_flags & MSG_TRUNC))
		return -EPROTO;
	n->id = m.id;
	n->pid = m.tid;
	n->flags = 0;
	n->data.nr = m.nr;
	n->data.arch = AUDIT_ARCH_X86_64;
	n->data.instruction_pointer = m.ip;
	memcpy(n->data.args, m.args, sizeof(m.args));
	return 0;
}

bool tracer_valid(const struct tracer *t, uint64_t id)
{
	uint32_t slot = (uint32_t)(id >> 32);

	return slot < NSLOTS && __atomic_load_n(&t->gens[slot], __ATOMIC_ACQUIRE) == (uint32_t)id;
}

void tracer_answer(struct tracer *t, uint64_t id, int64_t val, int err, bool cont,
		   int inject, bool cloexec)
{
	struct pt_answer a = { .id = id, .val = val, .err = err };
	int r;

	if (cont)
		a.flags |= PT_CONT;
	if (inject >= 0 && !err)
		a.flags |= PT_INJECT | (cloexec ? PT_CLOEXEC : 0);
	r = fdio_send(t->sock, &a, sizeof(a), &inject, (a.flags & PT_INJECT) ? 1 : 0);
	if (r < 0)
		log_debug("answer to the tracer: %s", strerror(-r));
}

void tracer_stop(struct tracer *t)
{
	if (t->ctl >= 0)
		close(t->ctl);
	child_end(&t->pidfd);
	/* t->sock stays open: workers may still be in recv() on it, and it
	 * tells them the tracer is gone (end of file). */
	if (t->guest_end >= 0)
		close(t->guest_end);
	t->ctl = t->guest_end = -1;
}
