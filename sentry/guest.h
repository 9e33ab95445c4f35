/* SPDX-License-Identifier: MIT */
/* guest.h - creating the guest's processes (see guest.c). */
#ifndef MOAT_SENTRY_GUEST_H
#define MOAT_SENTRY_GUEST_H

#include <linux/filter.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "gofer/gofer.h"
#include "sentry/spec.h"

/* Messages from the guest's processes to the sentry (one SOCK_SEQPACKET each). */
enum guest_msg_type {
	GM_GO = 1,		/* sentry -> guest: carry on (the command: value = the
				 * number to keep the fd it carries at, if any) */
	GM_INIT,		/* setup -> sentry: value = host pid of init */
	GM_LISTENER,		/* command -> sentry: value = fd number of the listener,
				 * -1 with the ptrace platform */
	GM_EXEC_FAILED,		/* command -> sentry: value = errno, text = command */
	GM_EXIT,		/* init -> sentry: value = wait status of the command */
	GM_SETUP_FAILED,	/* any -> sentry: value = errno, text = message */
	GM_TAP,			/* setup -> sentry: the TAP device's fd (SCM_RIGHTS) */
	GM_MOUNTED,		/* init -> sentry: the pid namespace's mounts are made
				 * (the command, forked before them, may exec) */
	GM_NO_INTERPRETER,	/* command -> sentry: text = the file found, whose
				 * interpreter (#! or ELF loader) is missing */
	GM_TTY,			/* command -> sentry: value = fd number of its
				 * terminal's master, to take (sentry/tty.h);
				 * the command waits for GM_GO */
};

struct guest_msg {
	uint32_t type;
	int32_t value;
	char text[480];
};

struct guest_ns {
	int userns;
	int mntns;
	int proc;		/* the host's /proc: the gofer's tree has none */
};

struct guest {
	pid_t setup;		/* the set-up process (exits once init is born) */
	pid_t init;		/* host pid of the guest's pid 1 */
	pid_t cmd;		/* host pid of the command */
	int sock;		/* the sentry's end of the guest socket */
	int listener;		/* seccomp notification fd */
	int init_pidfd;
};

/* The guest's init's allowlist, once the command runs. */
extern const int init_syscalls[];
extern const size_t init_nsyscalls;

/**
 * guest_start() - fork the guest's set-up process; it waits for guest_go()
 * Return: 0 or -errno
 */
int guest_start(const struct moat_spec *spec, const struct gofer *gofer,
		const struct sock_fprog *prog, struct guest *g, struct merr *e);

/** guest_go() - let the set-up process go on (after it was put in its cgroups) */
int guest_go(struct guest *g);

/**
 * guest_go_fd() - let the command exec, handing it @fd to keep at number @at
 * (the ptrace platform's injection socket)
 */
int guest_go_fd(struct guest *g, int fd, int at);

/**
 * guest_recv() - the next message from the guest, its sender's host pid, and
 * the fd it carried (or -1; @fd may be NULL when none is expected)
 */
int guest_recv(struct guest *g, struct guest_msg *m, pid_t *sender, int *fd);

/**
 * guest_take_listener() - take the listener from @cmd, which waits to exec
 * until guest_go()
 */
int guest_take_listener(struct guest *g, pid_t cmd, int fdnum, struct merr *e);

/** guest_take_fd() - a copy of fd @fdnum of process @pid; Return: the fd or -errno */
int guest_take_fd(pid_t pid, int fdnum);

/**
 * guest_args_area() - where moat's argument strings are (main's argv[0] to the
 * end of the last), for the guest's init to blank: the guest would read them
 * as init's command line
 */
void guest_args_area(char *start, size_t len);

/* What init masks, and what it makes read-only, in every guest's /proc (guest_paths.c). */
extern const char *const guest_proc_masked[];
extern const size_t guest_nproc_masked;
extern const char *const guest_proc_ro[];
extern const size_t guest_nproc_ro;

/**
 * guest_default_path() - whether moat masks @path (or, !@masked, makes it
 * read-only) in every guest, whatever the config says
 */
bool guest_default_path(const char *path, bool masked);

#endif
