// SPDX-License-Identifier: MIT
/*
 * Unit tests: sentry/guestproc.c, the guest's /proc opener.  A child in a user
 * and mount namespace of its own stands for the guest; the opener joins them
 * and must open what a process with those credentials may open, refuse what
 * it may not, and answer every malformed request with -EINVAL (DESIGN.md
 * invariant 5).  Needs root (it creates the user namespace's maps).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "fdio.h"
#include "sentry/guestproc.h"

static pid_t guest, quiet;	/* the namespaces' member; a non-dumpable process */
static struct guestproc gp;

static pid_t child(bool in_namespaces, bool dumpable)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		/* as a guest process: namespaces of its own, no capability */
		if (in_namespaces && unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			_exit(1);
		if (confine_drop_caps(0, NULL) < 0)
			_exit(1);
		if (!dumpable)
			prctl(PR_SET_DUMPABLE, 0);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		pid = -1;
	close(p[0]);
	return pid;
}

static int write_at(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	close(fd);
	return r;
}

static int setup(void **state)
{
	struct merr e = { 0 };
	char path[64];
	int proc;

	(void)state;
	if (geteuid() != 0)
		return -1;
	guest = child(true, true);
	quiet = child(false, false);
	if (guest < 0 || quiet < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/setgroups", guest);
	write_at(path, "deny");
	snprintf(path, sizeof(path), "/proc/%d/uid_map", guest);
	if (write_at(path, "0 0 1\n") < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", guest);
	if (write_at(path, "0 0 1\n") < 0)
		return -1;
	proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	guestproc_init(&gp);
	if (guestproc_namespaces(&gp, proc, guest, &e) < 0)
		return -1;
	close(proc);
	/* as a worker's first call would, then the main thread's answer */
	if (write(gp.wake, &(uint64_t){ 1 }, sizeof(uint64_t)) != sizeof(uint64_t))
		return -1;
	gp.state = GP_WANTED;
	guestproc_start(&gp);
	return gp.state == GP_READY ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	guestproc_stop(&gp);
	kill(guest, SIGKILL);
	kill(quiet, SIGKILL);
	waitpid(guest, NULL, 0);
	waitpid(quiet, NULL, 0);
	return 0;
}

static void test_opens_as_the_guest(void **state)
{
	char path[64], text[PATH_MAX];
	int fd;

	(void)state;
	/* the member's own files, as a process of its uid may */
	snprintf(path, sizeof(path), "/proc/%d/status", guest);
	fd = guestproc_open(&gp, path, O_RDONLY, 0);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/environ", guest);
	fd = guestproc_open(&gp, path, O_RDONLY, 0);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/exe", guest);
	assert_true(guestproc_readlink(&gp, path, text, sizeof(text)) > 0);
	/* a process that is not dumpable: refused, as to the guest */
	snprintf(path, sizeof(path), "/proc/%d/environ", quiet);
	assert_int_equal(guestproc_open(&gp, path, O_RDONLY, 0), -EACCES);
	snprintf(path, sizeof(path), "/proc/%d/mem", quiet);
	assert_int_equal(guestproc_open(&gp, path, O_RDWR, 0), -EACCES);
	snprintf(path, sizeof(path), "/proc/%d/exe", quiet);
	assert_int_equal(guestproc_readlink(&gp, path, text, sizeof(text)), -EACCES);
	/* the guest's own resolve flags: a symlink refused where it asked */
	assert_int_equal(guestproc_open(&gp, "/proc/self", O_RDONLY, RESOLVE_NO_SYMLINKS), -ELOOP);
}

static void test_follows_only_a_process_link(void **state)
{
	static const char *const shapes[] = {
		"/proc/%d/status", "/proc/%d/fd/", "/proc/%d/fd/0/x", "/proc/%d/exe/",
		"/proc/%d/cwd", "/proc/%d/root", "/proc/%d/task/x/exe", "/proc/%d/fd/-1",
		"/proc/self/exe%.0d", "/proc/%d/../1/exe", "/tmp/%d",
	};
	char path[64];
	struct stat st;
	int fd;

	(void)state;
	/* the member's exe and fds: the files they name, as the guest may follow */
	snprintf(path, sizeof(path), "/proc/%d/exe", guest);
	fd = guestproc_follow(&gp, path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/fd/0", guest, guest);
	fd = guestproc_follow(&gp, path, O_PATH);
	assert_true(fd >= 0);
	close(fd);
	/* refused where the guest could not trace the process */
	snprintf(path, sizeof(path), "/proc/%d/exe", quiet);
	assert_int_equal(guestproc_follow(&gp, path, O_RDONLY), -EACCES);
	snprintf(path, sizeof(path), "/proc/%d/fd/0", quiet);
	assert_int_equal(guestproc_follow(&gp, path, O_PATH), -EACCES);
	/* any other shape of path is no request to follow a link */
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		snprintf(path, sizeof(path), shapes[i], guest);
		assert_int_equal(guestproc_follow(&gp, path, O_RDONLY), -EINVAL);
	}
}

static void test_malformed_requests(void **state)
{
	struct guestproc_req q = { .op = GP_OPEN };
	struct guestproc_resp a;
	unsigned nfds;
	struct {
		const char *name;
		size_t len;
		uint32_t op;
		uint64_t resolve;
		bool nul;
		uint32_t mode;
	} rows[] = {
		{ "short", 3, GP_OPEN, 0, true, 0 },
		{ "no path's end", sizeof(q), GP_OPEN, 0, false, 0 },
		{ "unknown op", sizeof(q), 99, 0, true, 0 },
		{ "op 0", sizeof(q), 0, 0, true, 0 },
		{ "a resolve flag of its own", sizeof(q), GP_OPEN, RESOLVE_IN_ROOT, true, 0 },
		{ "an unknown resolve flag", sizeof(q), GP_OPEN, 1ull << 40, true, 0 },
		{ "a mode beyond 07777", sizeof(q), GP_CREATE, 0, true, 010644 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int fd = -1;

		memset(&q, rows[i].nul ? 0 : 'a', sizeof(q));
		q.op = rows[i].op;
		q.flags = O_RDONLY;
		q.resolve = rows[i].resolve;
		q.mode = rows[i].mode;
		if (rows[i].nul)
			strcpy(q.path, "/proc/1/status");
		assert_int_equal(fdio_send(gp.sock, &q, rows[i].len, NULL, 0), 0);
		assert_int_equal(fdio_recv(gp.sock, &a, sizeof(a), &fd, 1, &nfds),
				 (ssize_t)sizeof(a.result));
		assert_int_equal(nfds, 0);
		assert_int_equal(a.result, -EINVAL);
	}
	/* too long: not answered as a request, and the opener goes on */
	{
		char big[sizeof(q) + 16] = { 0 };
		int fd = -1;

		assert_int_equal(fdio_send(gp.sock, big, sizeof(big), NULL, 0), 0);
		assert_int_equal(fdio_recv(gp.sock, &a, sizeof(a), &fd, 1, &nfds),
				 (ssize_t)sizeof(a.result));
		assert_int_equal(a.result, -EINVAL);
	}
	/* and still serves */
	{
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/status", guest);
		fd = guestproc_open(&gp, path, O_RDONLY, 0);
		assert_true(fd >= 0);
		close(fd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opens_as_the_guest),
		cmocka_unit_test(test_follows_only_a_process_link),
		cmocka_unit_test(test_malformed_requests),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
