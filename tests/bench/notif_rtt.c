// SPDX-License-Identifier: MIT
/*
 * notif_rtt - the physical limit of moat's design: a bare seccomp
 * user-notification round trip.  A child installs a filter that sends getppid()
 * to a listener; the parent (another process, as the sentry is) answers each
 * notification at once with SECCOMP_IOCTL_NOTIF_SEND and does nothing else.
 * Prints the mean nanoseconds per call the child measured.  With "sync", the
 * listener asks for synchronous wake-ups (Linux 6.6), as the sentry does.
 *
 * usage: notif_rtt [N [sync]]
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };
	int p[2], q[2], lfd;
	pid_t pid;

	if (pipe(p) < 0 || pipe(q) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		double t0, t1;
		char go;

		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		lfd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				   SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (lfd < 0 || write(p[1], &lfd, sizeof(lfd)) != sizeof(lfd) || read(q[0], &go, 1) != 1)
			_exit(1);
		for (int i = 0; i < 1000; i++)
			syscall(SYS_getppid);
		t0 = now();
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		t1 = now();
		printf("%.0f\n", (t1 - t0) / n);
		fflush(stdout);
		_exit(0);
	}
	if (read(p[0], &lfd, sizeof(lfd)) != sizeof(lfd))
		return 1;
	{
		int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		struct seccomp_notif_sizes sz;
		struct seccomp_notif *req;
		struct seccomp_notif_resp *resp;

		lfd = (int)syscall(SYS_pidfd_getfd, pidfd, lfd, 0);
		/* SECCOMP_IOCTL_NOTIF_SET_FLAGS(SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) */
		if (argc > 2 && !strcmp(argv[2], "sync") &&
		    ioctl(lfd, SECCOMP_IOW(4, __u64), 1UL) < 0)
			perror("notif_rtt: synchronous wake-ups");
		syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz);
		req = calloc(1, sz.seccomp_notif);
		resp = calloc(1, sz.seccomp_notif_resp);
		if (lfd < 0 || write(q[1], "g", 1) != 1)
			return 1;
		for (long i = 0; i < n + 1000; i++) {
			memset(req, 0, sz.seccomp_notif);
			if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
				break;
			resp->id = req->id;
			resp->val = 1;
			resp->error = 0;
			resp->flags = 0;
			ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, resp);
		}
	}
	waitpid(pid, NULL, 0);
	return 0;
}
