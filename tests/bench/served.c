// SPDX-License-Identifier: MIT
/*
 * served - time served system calls from inside a sandbox (or natively).
 *
 * usage: served stat|open|read|getppid N [PATH]
 *   stat         stat(PATH)                      (served in moat)
 *   open         open(PATH, O_RDONLY) + close    (served in moat)
 *   read         pread(fd, 1 byte) of PATH       (native in moat)
 *   getppid      getppid()                       (native in moat)
 *   spaced       stat(PATH), with ~100 us of computation between calls, as
 *                a program's calls come (python's imports: one per ~100 us);
 *                the computation's own time is measured apart and taken off
 * Prints the mean nanoseconds per call.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* ~100 microseconds of arithmetic the compiler cannot drop */
static void compute(void)
{
	volatile double x = 0;

	for (long k = 0; k < 50000; k++)
		x += (double)k;
}

static int spaced(long n, const char *path)
{
	struct stat st;
	double t0, alone, with;

	t0 = now();
	for (long i = 0; i < n; i++)
		compute();
	alone = now() - t0;
	t0 = now();
	for (long i = 0; i < n; i++) {
		if (stat(path, &st) < 0)
			return 1;
		compute();
	}
	with = now() - t0;
	printf("%.0f\n", (with - alone) / n);
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "stat";
	long n = argc > 2 ? atol(argv[2]) : 100000;
	const char *path = argc > 3 ? argv[3] : "/etc/hostname";
	struct stat st;
	double t0, t1;
	char byte;
	int fd = open(path, O_RDONLY);

	if (!strcmp(what, "spaced"))
		return spaced(n, path);
	for (int warm = 0; warm < 2; warm++) {
		long m = warm ? n : 1000;

		t0 = now();
		for (long i = 0; i < m; i++) {
			if (!strcmp(what, "stat")) {
				if (stat(path, &st) < 0)
					return 1;
			} else if (!strcmp(what, "open")) {
				int f = open(path, O_RDONLY);

				if (f < 0)
					return 1;
				close(f);
			} else if (!strcmp(what, "read")) {
				if (pread(fd, &byte, 1, 0) != 1)
					return 1;
			} else {
				syscall(SYS_getppid);	/* a native call, for reference */
			}
		}
		t1 = now();
	}
	printf("%.0f\n", (t1 - t0) / n);
	return 0;
}
