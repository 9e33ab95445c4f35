// SPDX-License-Identifier: MIT
/*
 * exec.c - execve and execveat.
 *
 * Executing a program must happen in the kernel, in the calling process: the
 * sentry cannot do it for the guest, and seccomp cannot change the arguments of
 * a call it lets through.  So exec is the one path-taking served call that is
 * continued (SECCOMP_USER_NOTIF_FLAG_CONTINUE) after the sentry has checked it
 * (the others are fd changes: fs.c, fd_change_path()): the path
 * must name a regular, executable file in the sandbox, or the call fails here
 * with the errno the kernel would give.
 *
 * Why this is safe: the kernel then resolves the path again, in the guest's
 * own mount namespace, which is the read-only view of the same sandbox tree,
 * with hidden paths absent (whiteouts) and nothing of the host beyond what the
 * sandbox shows.  A guest thread that rewrites the path after the check can
 * only make the kernel execute another file the guest could already execute;
 * tests/escape/ does exactly that.  The check is a convenience (early errors,
 * one place for policy), and the mount namespace is the enforcement.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sentry/handlers.h"
#include "sentry/path.h"

/* Let the kernel run it, once no file the guest closed is held open by the sentry. */
static void exec_continue(struct call *c)
{
	sentry_settle_fds(c);
	c->cont = true;
}

void h_execve(struct call *c)
{
	bool at = c->n->data.nr == __NR_execveat;
	int dirfd = at ? arg_int(c, 0) : AT_FDCWD;
	int flags = at ? arg_int(c, 4) : 0;
	char abs[PATH_MAX];
	struct stat st = { 0 };
	int fd, r;

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		call_fail(c, EINVAL, false);
		return;
	}
	r = path_read(c, arg(c, at ? 1 : 0));
	if (r < 0) {
		call_fail(c, -r, false);
		return;
	}
	if (c->path[0] == '\0') {
		if (at && (flags & AT_EMPTY_PATH))
			exec_continue(c);	/* fexecve() of an fd the guest holds */
		else
			call_fail(c, ENOENT, false);
		return;
	}
	r = path_abs(c, dirfd, c->path, abs, sizeof(abs));
	if (r < 0) {
		call_fail(c, -r, false);
		return;
	}
	fd = view_open(c, abs, O_PATH | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0), 0);
	if (fd == -ELOOP && !strncmp(abs, "/proc/", 6)) {
		/* /proc/self/exe and the like: the kernel follows it in the guest's
		 * own namespace, to a file the guest is already running. */
		exec_continue(c);
		return;
	}
	if (fd < 0) {
		call_fail(c, -fd, fd == -EACCES);
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		/* AT_SYMLINK_NOFOLLOW on a symlink: ELOOP, as the kernel says */
		r = S_ISLNK(st.st_mode) ? -ELOOP : -EACCES;
	else if (syscall(SYS_faccessat2, fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS) < 0)
		r = -errno;
	close(fd);
	if (r < 0) {
		call_fail(c, -r, r == -EACCES);
		return;
	}
	exec_continue(c);
}
