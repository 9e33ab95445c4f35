// SPDX-License-Identifier: MIT
/*
 * Unit tests: the syscall table and the filter made from it.  The table must
 * be consistent (one row per syscall, a handler for every served call), must
 * deny what docs/security.md says is denied, and must compile into a filter;
 * the ptrace platform's version of that filter must trace what the other
 * notifies and keep its injection fd from being closed or replaced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "sentry/filter.h"
#include "sentry/ptrace.h"
#include "sentry/table.h"

static const struct sc_entry *find(const char *name)
{
	for (size_t i = 0; i < sc_table_len; i++)
		if (!strcmp(sc_table[i].name, name))
			return &sc_table[i];
	return NULL;
}

static void test_consistent(void **state)
{
	(void)state;
	for (size_t i = 0; i < sc_table_len; i++) {
		const struct sc_entry *e = &sc_table[i];

		assert_true(e->nr >= 0);	/* every row exists on x86-64 */
		assert_ptr_equal(sc_lookup(e->nr), e);
		if (e->cls == SC_SERVED)
			assert_non_null(e->fn);
		if (e->cls == SC_DENY)
			assert_true(e->deny_errno > 0);
		for (size_t k = i + 1; k < sc_table_len; k++)
			assert_int_not_equal(e->nr, sc_table[k].nr);
	}
}

static void test_denied(void **state)
{
	static const char *const must_deny[] = {
		"mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "ptrace",
		"bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
		"io_uring_setup", "io_uring_enter", "io_uring_register", "open_by_handle_at",
		"init_module", "finit_module", "delete_module", "kexec_load",
		"kexec_file_load", "process_vm_readv", "process_vm_writev", "fsopen",
		"fsmount", "move_mount", "open_tree", "clone3", "reboot", "pidfd_getfd",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(must_deny) / sizeof(must_deny[0]); i++) {
		const struct sc_entry *e = find(must_deny[i]);

		assert_non_null(e);
		assert_int_equal(e->cls, SC_DENY);
	}
}

static void test_served(void **state)
{
	static const char *const must_serve[] = {
		"openat2", "creat", "stat", "lstat", "access", "faccessat",
		"faccessat2", "readlink", "readlinkat", "mkdir", "mkdirat", "unlink",
		"unlinkat", "rmdir", "rename", "renameat", "renameat2", "link", "linkat",
		"symlink", "symlinkat", "chmod", "fchmodat", "chown", "lchown", "fchownat",
		"truncate", "utime", "utimes", "futimesat", "utimensat", "mknod", "mknodat", "statfs",
		"getxattr", "lgetxattr", "setxattr", "lsetxattr", "listxattr", "llistxattr",
		"removexattr", "lremovexattr", "fchmod", "fchown", "fsetxattr", "fremovexattr",
		"execve", "execveat", "inotify_add_watch",
		"bind", "connect", "sendmsg", "sendmmsg",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(must_serve) / sizeof(must_serve[0]); i++) {
		const struct sc_entry *e = find(must_serve[i]);

		assert_non_null(e);
		assert_int_equal(e->cls, SC_SERVED);
	}
	/* path-taking calls with a native fast path are conditional, with a handler */
	assert_int_equal(find("newfstatat")->cls, SC_COND);
	assert_non_null(find("newfstatat")->fn);
	assert_int_equal(find("statx")->cls, SC_COND);
	assert_int_equal(find("open")->cls, SC_COND);
	assert_non_null(find("open")->fn);
	assert_int_equal(find("openat")->cls, SC_COND);
	assert_int_equal(find("sendto")->cls, SC_COND);
}

static void test_filter_builds(void **state)
{
	struct sock_fprog prog;
	struct merr e = { 0 };

	(void)state;
	for (int audit = 0; audit < 2; audit++) {
		assert_int_equal(filter_build(audit, &prog, &e), 0);
		assert_true(prog.len > 10 && prog.len < 4096);
		free(prog.filter);
	}
}

/* The program compiled at build time must be what the table gives now. */
static void test_precompiled(void **state)
{
	extern const unsigned short moat_filter_plain_len;
	struct sock_fprog built, got;
	struct merr e = { 0 };

	(void)state;
	assert_true(moat_filter_plain_len > 0);	/* linked in */
	for (int audit = 0; audit < 2; audit++) {
		assert_int_equal(filter_build(audit, &built, &e), 0);
		assert_int_equal(filter_get(audit, &got, &e), 0);
		assert_int_equal(built.len, got.len);
		assert_memory_equal(built.filter, got.filter, built.len * sizeof(*built.filter));
		free(built.filter);
		free(got.filter);
	}
	{
		/* the tracer's allowlist too */
		extern const struct sock_filter moat_filter_tracer[];
		extern const unsigned short moat_filter_tracer_len;

		assert_int_equal(confine_allowlist(tracer_syscalls, tracer_nsyscalls, &built, &e), 0);
		assert_int_equal(built.len, moat_filter_tracer_len);
		assert_memory_equal(built.filter, moat_filter_tracer,
				    built.len * sizeof(*built.filter));
		free(built.filter);
	}
}

static size_t count_ret(const struct sock_fprog *p, uint32_t action)
{
	size_t n = 0;

	for (size_t i = 0; i < p->len; i++)
		if (p->filter[i].code == (BPF_RET | BPF_K) &&
		    (p->filter[i].k & SECCOMP_RET_ACTION_FULL) == action)
			n++;
	return n;
}

static void test_ptrace_filter(void **state)
{
	struct sock_fprog prog;
	struct merr e = { 0 };
	size_t notify, len;
	int hidden = 100, st;
	pid_t pid;

	(void)state;
	assert_int_equal(filter_build(false, &prog, &e), 0);
	notify = count_ret(&prog, SECCOMP_RET_USER_NOTIF);
	len = prog.len;
	assert_true(notify > 0);
	assert_int_equal(tracer_filter(&prog, hidden, &e), 0);
	assert_int_equal(count_ret(&prog, SECCOMP_RET_USER_NOTIF), 0);
	assert_int_equal(count_ret(&prog, SECCOMP_RET_TRACE), notify + 1);	/* + close_range */
	assert_true(prog.len > len);

	/* Loaded with no tracer: the guard answers in the kernel; a traced
	 * call fails with ENOSYS, as the kernel does without a tracer. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct stat sb;
		int bad = 0;

		if (dup2(0, hidden) != hidden || dup2(0, hidden + 1) != hidden + 1)
			_exit(90);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			_exit(91);
		bad |= (close(hidden) != 0 || fcntl(hidden, F_GETFD) < 0) << 0;
		bad |= (dup2(0, hidden) != -1 || errno != EBADF) << 1;
		bad |= (dup3(0, hidden, 0) != -1 || errno != EBADF) << 2;
		bad |= (syscall(SYS_close_range, 3, ~0u, 0) != -1 || errno != ENOSYS) << 3;
		bad |= (fcntl(hidden, F_GETFD) < 0) << 4;
		bad |= (syscall(SYS_close_range, hidden + 1, ~0u, 0) != 0) << 5;	/* native */
		bad |= (fcntl(hidden + 1, F_GETFD) >= 0) << 6;
		bad |= (close(hidden - 1) != -1 || errno != EBADF) << 7;		/* native */
		bad |= (stat("/", &sb) != -1 || errno != ENOSYS) << 8;		/* traced */
		_exit(bad);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	free(prog.filter);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consistent),
		cmocka_unit_test(test_denied),
		cmocka_unit_test(test_served),
		cmocka_unit_test(test_filter_builds),
		cmocka_unit_test(test_precompiled),
		cmocka_unit_test(test_ptrace_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
