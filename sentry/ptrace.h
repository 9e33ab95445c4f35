/* SPDX-License-Identifier: MIT */
/*
 * ptrace.h - the ptrace platform: a tracer process takes the place of the
 * seccomp listener (see ptrace.c).
 */
#ifndef MOAT_SENTRY_PTRACE_H
#define MOAT_SENTRY_PTRACE_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "sentry/spec.h"

#define TRACER_SLOTS 65536u	/* calls pending at once */

/* tracer -> sentry: one call a thread stopped in */
struct pt_call {
	uint64_t id;		/* slot << 32 | generation */
	uint64_t args[6];
	uint64_t ip;
	int32_t nr;
	uint32_t tid;		/* host tid */
};

/* sentry -> tracer: its answer (and the fd to install, in SCM_RIGHTS) */
enum { PT_CONT = 1, PT_INJECT = 2, PT_CLOEXEC = 4 };
struct pt_answer {
	uint64_t id;
	int64_t val;
	int32_t err;		/* positive errno, 0 to return val */
	uint32_t flags;
};

struct tracer {
	int pidfd;		/* the tracer process, -1 if none */
	int sock;		/* calls come in here, answers go out */
	int ctl;		/* seize requests and their replies */
	int guest_end;		/* the guest's end of the injection socket, until sent */
	int hidden;		/* the fd number that end has in the guest */
	uint32_t *gens;		/* shared with the tracer: each pending call's generation */
};

/**
 * tracer_hidden_fd() - the fd number the guest's end of the injection socket
 * gets: below the guest's RLIMIT_NOFILE, at most 1023
 * Return: the number, or -EINVAL (with @e) if the limit leaves no room
 */
int tracer_hidden_fd(const struct moat_spec *spec, struct merr *e);

/**
 * tracer_filter() - turn the guest's seccomp program into the ptrace
 * platform's: served calls stop in the tracer (SECCOMP_RET_TRACE) instead of
 * notifying, and closing or replacing fd @hidden is kept from the guest
 * Return: 0 or -errno (with @e); prog->filter is replaced (malloc'd)
 */
int tracer_filter(struct sock_fprog *prog, int hidden, struct merr *e);

/**
 * tracer_start() - fork the tracer process, which keeps @prog, the guest's
 * program, to tell its stops from those of filters the guest installs itself
 * Return: 0 or -errno (with @e)
 */
int tracer_start(struct tracer *t, int hidden, const struct sock_fprog *prog, struct merr *e);

/**
 * tracer_seize() - have the tracer trace @pid (a host pid) and, through
 * fork, clone and exec, everything it starts
 * Return: 0 or -errno (with @e)
 */
int tracer_seize(struct tracer *t, pid_t pid, struct merr *e);

/**
 * tracer_recv() - wait for the next call a guest thread stopped in, as a
 * notification (id, host tid, number, arguments)
 * Return: 0, -EINTR, -EPROTO for a message of the wrong size (skipped), or
 * another -errno once the tracer is gone
 */
int tracer_recv(struct tracer *t, struct seccomp_notif *n);

/** tracer_valid() - whether call @id still waits for its answer */
bool tracer_valid(const struct tracer *t, uint64_t id);

/**
 * tracer_answer() - answer call @id: continue it (@cont), fail it with @err,
 * return @val, or install @inject (if >= 0) in the guest and return its number
 */
void tracer_answer(struct tracer *t, uint64_t id, int64_t val, int err, bool cont,
		   int inject, bool cloexec);

/* The tracer's seccomp allowlist. */
extern const int tracer_syscalls[];
extern const size_t tracer_nsyscalls;

/** tracer_stop() - kill the tracer (its tracees die with it) and free @t */
void tracer_stop(struct tracer *t);

#endif
