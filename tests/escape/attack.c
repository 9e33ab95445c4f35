// SPDX-License-Identifier: MIT
/*
 * attack.c - attacks on moat's invariants, run inside a sandbox.
 *
 * `attack NAME [ARGS]` performs one attack and prints one line per probe:
 * "<probe> <outcome>", where the outcome is the errno name of the failure
 * ("ENOENT"), "ok" when a step that is allowed worked, or "ESCAPED ..." when
 * the attack got something it must not.  tests/escape/escape.sh compares the
 * lines with the exact outcomes expected.  Static, so that it depends on
 * nothing in the sandbox.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <limits.h>
#include <netinet/in.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static const char *ename(int e)
{
	static const struct { int e; const char *n; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EACCES, "EACCES" },
		{ EROFS, "EROFS" }, { ENOSYS, "ENOSYS" }, { ELOOP, "ELOOP" },
		{ EBADF, "EBADF" }, { EINVAL, "EINVAL" }, { EXDEV, "EXDEV" },
		{ ENOTDIR, "ENOTDIR" }, { ECONNREFUSED, "ECONNREFUSED" },
		{ EAFNOSUPPORT, "EAFNOSUPPORT" }, { ENETUNREACH, "ENETUNREACH" },
		{ EEXIST, "EEXIST" }, { ESRCH, "ESRCH" }, { EFAULT, "EFAULT" },
		{ ENXIO, "ENXIO" }, { ENOTTY, "ENOTTY" }, { EIO, "EIO" },
		{ ENAMETOOLONG, "ENAMETOOLONG" }, { EPIPE, "EPIPE" },
		{ EAGAIN, "EAGAIN" }, { EBUSY, "EBUSY" }, { EPROTONOSUPPORT, "EPROTONOSUPPORT" },
	};
	static char buf[32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].n;
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

/* Open and read @path; print what happened.  @secret is what must not be seen. */
static void try_read(const char *probe, int dirfd, const char *path, const char *secret)
{
	char buf[256] = "";
	int fd = openat(dirfd, path, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		printf("%s %s\n", probe, ename(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (secret && strstr(buf, secret))
		printf("%s ESCAPED read the secret\n", probe);
	else
		printf("%s read-other\n", probe);
}

/* `paths SECRET_PATH SECRET_TEXT`: reach a hidden file by every path trick. */
static int paths(const char *secret, const char *text)
{
	char p[4096];
	int fd;

	try_read("direct", AT_FDCWD, secret, text);
	snprintf(p, sizeof(p), "/tmp/../../../..%s", secret);
	try_read("dotdot-absolute", AT_FDCWD, p, text);
	if (chdir("/usr/share") == 0) {
		snprintf(p, sizeof(p), "../../../../../..%s", secret);
		try_read("dotdot-relative", AT_FDCWD, p, text);
	}
	symlink(secret, "/tmp/abs-link");
	try_read("symlink-absolute", AT_FDCWD, "/tmp/abs-link", text);
	mkdir("/tmp/s", 0755);
	mkdir("/tmp/s/t", 0755);
	snprintf(p, sizeof(p), "../../../../../../..%s", secret);
	symlink(p, "/tmp/s/t/rel-link");
	try_read("symlink-relative", AT_FDCWD, "/tmp/s/t/rel-link", text);
	symlink("/", "/tmp/root-link");
	snprintf(p, sizeof(p), "/tmp/root-link%s", secret);
	try_read("symlink-to-root", AT_FDCWD, p, text);
	snprintf(p, sizeof(p), "/proc/self/root%s", secret);
	try_read("proc-self-root", AT_FDCWD, p, text);
	snprintf(p, sizeof(p), "/proc/1/root%s", secret);
	try_read("proc-1-root", AT_FDCWD, p, text);
	snprintf(p, sizeof(p), "/proc/self/cwd/../../../..%s", secret);
	try_read("proc-self-cwd", AT_FDCWD, p, text);
	/* A directory fd taken before its directory moves. */
	mkdir("/tmp/a", 0755);
	mkdir("/tmp/a/b", 0755);
	mkdir("/tmp/a/b/c", 0755);
	fd = open("/tmp/a/b/c", O_RDONLY | O_DIRECTORY);
	if (rename("/tmp/a", "/tmp/moved") < 0)
		printf("rename %s\n", ename(errno));
	snprintf(p, sizeof(p), "../../../../../../../..%s", secret);
	try_read("dirfd-after-rename", fd, p, text);
	close(fd);
	/* An O_PATH fd of / reopened through /proc. */
	fd = open("/", O_PATH);
	snprintf(p, sizeof(p), "/proc/self/fd/%d%s", fd, secret);
	try_read("opath-root-via-proc", AT_FDCWD, p, text);
	close(fd);
	return 0;
}

/* `writes LIST...`: try to create each path; the driver checks the host. */
static int writes(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		int fd = open(argv[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0) {
			printf("write %s %s\n", argv[i], ename(errno));
			continue;
		}
		printf("write %s %s\n", argv[i], write(fd, "moat-escape\n", 12) == 12 ? "ok" : ename(errno));
		close(fd);
	}
	return 0;
}

/* `reopen FILE`: write access from a read-only fd, through every back door. */
static int reopen(const char *file)
{
	char p[64];
	int fd = open(file, O_RDONLY), w;

	if (fd < 0) {
		printf("open %s\n", ename(errno));
		return 1;
	}
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	w = open(p, O_RDWR);
	printf("reopen-rdwr %s\n", w < 0 ? ename(errno) : "ok");
	printf("write-rdonly-fd %s\n", write(fd, "x", 1) < 0 ? ename(errno) : "ok");
	printf("ftruncate-rdonly-fd %s\n", ftruncate(fd, 0) < 0 ? ename(errno) : "ok");
	printf("fchmod-rdonly-fd %s\n", fchmod(fd, 0777) < 0 ? ename(errno) : "ok");
	snprintf(p, sizeof(p), "/dev/fd/%d", fd);
	w = open(p, O_WRONLY | O_APPEND);
	printf("reopen-devfd-wronly %s\n", w < 0 ? ename(errno) : "ok");
	return 0;
}

/* The TOCTOU attacks: a second thread flips the path while the call is served. */
static char race_buf[4096];
static const char *race_a, *race_b;
static volatile int race_stop;

static void *flipper(void *arg)
{
	(void)arg;
	while (!race_stop) {
		strcpy(race_buf, race_a);
		strcpy(race_buf, race_b);
	}
	return NULL;
}

/* `toctou-open BENIGN SECRET TEXT N` */
static int toctou_open(const char *benign, const char *secret, const char *text, int n)
{
	pthread_t t;
	int escaped = 0, benign_reads = 0;

	race_a = benign;
	race_b = secret;
	strcpy(race_buf, benign);
	pthread_create(&t, NULL, flipper, NULL);
	/* on a busy machine the flipper may sit at the secret's path for long:
	 * go on (up to 20 times as long) until a benign open shows the race ran */
	for (int i = 0; i < n || (!benign_reads && i < 20 * n); i++) {
		char buf[256];
		int fd = open(race_buf, O_RDONLY);
		ssize_t r;

		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[r > 0 ? r : 0] = '\0';
		if (strstr(buf, text))
			escaped++;
		else
			benign_reads++;
	}
	race_stop = 1;
	pthread_join(t, NULL);
	printf("toctou-open %s\n", escaped ? "ESCAPED" : benign_reads ? "held" : "no-reads");
	return 0;
}

/* `toctou-exec BENIGN SECRET N`: each try forks; the child races execve. */
static int toctou_exec(const char *benign, const char *secret, int n)
{
	race_a = benign;
	race_b = secret;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			pthread_t t;
			char *argv[] = { race_buf, NULL };

			strcpy(race_buf, benign);
			pthread_create(&t, NULL, flipper, NULL);
			for (int k = 0; k < 50; k++)
				execve(race_buf, argv, NULL);
			_exit(99);
		}
		waitpid(pid, NULL, 0);
	}
	return 0;
}

/*
 * `toctou-calls DIR SECRET TEXT N`: each served call other than open and
 * execve, its path (or openat2's struct open_how) rewritten while the call is
 * served, by a thread and then by another process that shares the page
 * (MAP_SHARED), between an object of the sandbox's DIR and the hidden SECRET
 * (or its directory).  A probe prints "held" when the call worked at least
 * once (the benign form) and failed at least once (the other form was tried)
 * and nothing hidden was reached; "ESCAPED" when a call showed or moved the
 * hidden file, or gave a writable fd of the read-only file.  The driver checks
 * that the host's SECRET is as it was: a change that reached it cannot be
 * seen from inside.
 */
struct race_page {
	char buf[2][PATH_MAX];		/* what the calls name */
	char alt[2][2][PATH_MAX];	/* the two forms each buffer flips between */
	struct open_how how;		/* openat2's, flipped between two forms */
	struct open_how how_alt[2];
	atomic_int stop, flip_how;
};
static struct race_page *rp;

static void race_flip(void)
{
	while (!atomic_load(&rp->stop)) {
		for (int k = 0; k < 2; k++) {
			for (int b = 0; b < 2; b++) {
				if (rp->alt[b][k][0])
					strcpy(rp->buf[b], rp->alt[b][k]);
			}
			if (atomic_load(&rp->flip_how))
				memcpy(&rp->how, &rp->how_alt[k], sizeof(rp->how));
		}
	}
}

static void *race_thread(void *arg)
{
	(void)arg;
	race_flip();
	return NULL;
}

/* Set buffer @b to flip between @benign and @hidden (NULL: stays @benign). */
static void race_path(int b, const char *benign, const char *hidden)
{
	snprintf(rp->alt[b][0], PATH_MAX, "%s", benign);
	snprintf(rp->alt[b][1], PATH_MAX, "%s", hidden ? hidden : "");
	snprintf(rp->buf[b], PATH_MAX, "%s", benign);
}

/* Does @path hold @text? */
static bool holds(const char *path, const char *text)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, text) != NULL;
}

enum race_call {
	R_RENAME, R_LINK, R_SYMLINK, R_MKNOD, R_CHOWN, R_UTIMENS, R_SETXATTR,
	R_LSETXATTR, R_STATX, R_OPENAT2_PATH, R_OPENAT2_HOW, R_NCALLS
};
static const char *const race_names[R_NCALLS] = {
	"renameat2", "linkat", "symlinkat", "mknodat", "fchownat", "utimensat",
	"setxattr", "lsetxattr", "statx", "openat2-path", "openat2-how",
};

/*
 * One try of @call.  Return: 1 when the benign form worked, 0 when it failed,
 * -1 when the call reached the hidden file.
 */
static int race_once(enum race_call call, const char *text, ino_t benign_ino)
{
	static const struct timespec epoch[2] = { { 0, 0 }, { 0, 0 } };
	char *p = rp->buf[0];
	struct statx stx;
	int r, fd;

	switch (call) {
	case R_RENAME:
		if (syscall(SYS_renameat2, AT_FDCWD, p, AT_FDCWD, "/tmp/race/moved", 0) < 0)
			return 0;
		if (holds("/tmp/race/moved", text))
			return -1;
		rename("/tmp/race/moved", "/tmp/race/file");
		return 1;
	case R_LINK:
		if (linkat(AT_FDCWD, p, AT_FDCWD, "/tmp/race/linked", 0) < 0)
			return 0;
		r = holds("/tmp/race/linked", text) ? -1 : 1;
		unlink("/tmp/race/linked");
		return r;
	case R_SYMLINK:
		/* The link's name flips into the hidden directory. */
		if (symlinkat(rp->buf[1], AT_FDCWD, p) < 0)
			return 0;
		unlink("/tmp/race/sym");
		return 1;
	case R_MKNOD:
		if (mknodat(AT_FDCWD, p, S_IFIFO | 0644, 0) < 0)
			return 0;
		unlink("/tmp/race/fifo");
		return 1;
	case R_CHOWN:
		return fchownat(AT_FDCWD, p, 0, 0, 0) == 0;
	case R_UTIMENS:
		return utimensat(AT_FDCWD, p, epoch, 0) == 0;
	case R_SETXATTR:
		return syscall(SYS_setxattr, p, "user.moat", "x", 1, 0) == 0;
	case R_LSETXATTR:
		return syscall(SYS_lsetxattr, p, "user.moat", "x", 1, 0) == 0;
	case R_STATX:
		if (statx(AT_FDCWD, p, 0, STATX_INO, &stx) < 0)
			return 0;
		return stx.stx_ino == benign_ino ? 1 : -1;
	case R_OPENAT2_PATH:
	case R_OPENAT2_HOW: {
		char buf[256];
		ssize_t got;

		fd = (int)syscall(SYS_openat2, AT_FDCWD, p, &rp->how, sizeof(rp->how));
		if (fd < 0)
			return 0;
		/* Hidden text, or a writable fd of a read-only file: escaped. */
		got = read(fd, buf, sizeof(buf) - 1);
		buf[got > 0 ? got : 0] = '\0';
		r = strstr(buf, text) || (fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY ||
		    write(fd, "x", 1) >= 0 ? -1 : 1;
		close(fd);
		return r;
	}
	default:
		return 0;
	}
}

static void race_setup(enum race_call call, const char *dir, const char *secret)
{
	char hidden[PATH_MAX], benign[PATH_MAX];
	const char *slash = strrchr(secret, '/');
	int n = slash ? (int)(slash - secret) : 0;

	memset(rp->alt, 0, sizeof(rp->alt));
	atomic_store(&rp->flip_how, 0);
	memset(&rp->how, 0, sizeof(rp->how));
	rp->how.flags = O_RDONLY;
	switch (call) {
	case R_SYMLINK:
		snprintf(hidden, sizeof(hidden), "%.*s/planted-link", n, secret);
		race_path(0, "/tmp/race/sym", hidden);
		race_path(1, "target", secret);
		break;
	case R_MKNOD:
		snprintf(hidden, sizeof(hidden), "%.*s/planted-fifo", n, secret);
		race_path(0, "/tmp/race/fifo", hidden);
		break;
	case R_RENAME:
		race_path(0, "/tmp/race/file", secret);
		break;
	case R_OPENAT2_HOW:
		/* A file of a read-only volume, opened for reading or for writing. */
		snprintf(benign, sizeof(benign), "%s/benign.txt", dir);
		race_path(0, benign, NULL);
		rp->how_alt[0] = (struct open_how){ .flags = O_RDONLY };
		rp->how_alt[1] = (struct open_how){ .flags = O_RDWR | O_TRUNC };
		atomic_store(&rp->flip_how, 1);
		break;
	case R_OPENAT2_PATH:
		snprintf(benign, sizeof(benign), "%s/benign.txt", dir);
		race_path(0, benign, secret);
		rp->how_alt[0] = rp->how_alt[1] = (struct open_how){ .flags = O_RDONLY,
			.resolve = RESOLVE_NO_MAGICLINKS };
		atomic_store(&rp->flip_how, 1);
		break;
	default:
		race_path(0, "/tmp/race/file", secret);
		break;
	}
}

static int toctou_calls(const char *dir, const char *secret, const char *text, int n)
{
	rp = mmap(NULL, sizeof(*rp), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rp == MAP_FAILED) {
		printf("mmap %s\n", ename(errno));
		return 1;
	}
	mkdir("/tmp/race", 0755);
	for (int how = 0; how < 2; how++) {
		for (int call = 0; call < R_NCALLS; call++) {
			int escaped = 0, benign = 0, refused = 0, fd;
			struct timespec t0, now;
			pthread_t t;
			pid_t pid = -1;
			struct stat st;

			fd = open("/tmp/race/file", O_WRONLY | O_CREAT | O_TRUNC, 0644);
			close(fd);
			if (stat(call == R_STATX ? "/tmp/race/file" : "/", &st) < 0)
				st.st_ino = 0;
			race_setup((enum race_call)call, dir, secret);
			atomic_store(&rp->stop, 0);
			if (how == 0) {
				pthread_create(&t, NULL, race_thread, NULL);
			} else {
				pid = fork();
				if (pid == 0) {
					race_flip();
					_exit(0);
				}
			}
			/*
			 * At least @n tries, and on until both forms were seen: on a
			 * busy host the flipper may not run for a while (10 s at most).
			 */
			clock_gettime(CLOCK_MONOTONIC, &t0);
			for (int i = 0;; i++) {
				int r = race_once((enum race_call)call, text, st.st_ino);

				escaped += r < 0;
				benign += r > 0;
				refused += r == 0;
				if (i + 1 >= n && benign && refused)
					break;
				clock_gettime(CLOCK_MONOTONIC, &now);
				if (now.tv_sec - t0.tv_sec >= 10)
					break;
			}
			atomic_store(&rp->stop, 1);
			if (how == 0)
				pthread_join(t, NULL);
			else
				waitpid(pid, NULL, 0);
			printf("toctou-%s-%s %s\n", race_names[call], how ? "shared" : "thread",
			       escaped ? "ESCAPED" : !benign ? "no-benign" :
			       !refused ? "no-race" : "held");
		}
	}
	return 0;
}

struct denied {
	const char *name;
	long nr;
	long a0, a1, a2, a3, a4;
};

/* `denied`: every system call the sandbox must refuse, with its errno. */
static int denied(void)
{
	static char buf[64];
	const struct denied rows[] = {
		{ "mount", SYS_mount, (long)"none", (long)"/mnt", (long)"tmpfs", 0, 0 },
		{ "umount2", SYS_umount2, (long)"/proc", MNT_DETACH, 0, 0, 0 },
		{ "pivot_root", SYS_pivot_root, (long)"/tmp", (long)"/tmp", 0, 0, 0 },
		{ "chroot", SYS_chroot, (long)"/tmp", 0, 0, 0, 0 },
		{ "unshare-user", SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0 },
		{ "unshare-mnt", SYS_unshare, CLONE_NEWNS, 0, 0, 0, 0 },
		{ "setns", SYS_setns, 0, 0, 0, 0, 0 },
		{ "clone-newuser", SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0 },
		{ "clone-newns", SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0 },
		{ "clone-newnet", SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0 },
		{ "clone3", SYS_clone3, (long)buf, 64, 0, 0, 0 },
		{ "ptrace", SYS_ptrace, PTRACE_TRACEME, 0, 0, 0, 0 },
		{ "process_vm_readv", SYS_process_vm_readv, 1, 0, 0, 0, 0 },
		{ "bpf", SYS_bpf, 0, (long)buf, 64, 0, 0 },
		{ "perf_event_open", SYS_perf_event_open, (long)buf, 0, -1, -1, 0 },
		{ "userfaultfd", SYS_userfaultfd, 0, 0, 0, 0, 0 },
		{ "io_uring_setup", SYS_io_uring_setup, 8, (long)buf, 0, 0, 0 },
		{ "io_uring_enter", SYS_io_uring_enter, 0, 0, 0, 0, 0 },
		{ "io_uring_register", SYS_io_uring_register, 0, 0, 0, 0, 0 },
		{ "keyctl", SYS_keyctl, 0, 0, 0, 0, 0 },
		{ "add_key", SYS_add_key, (long)"user", (long)"k", (long)buf, 1, -3 },
		{ "request_key", SYS_request_key, (long)"user", (long)"k", 0, 0, 0 },
		{ "init_module", SYS_init_module, (long)buf, 1, (long)"", 0, 0 },
		{ "finit_module", SYS_finit_module, 0, (long)"", 0, 0, 0 },
		{ "delete_module", SYS_delete_module, (long)"loop", 0, 0, 0, 0 },
		{ "kexec_load", SYS_kexec_load, 0, 0, 0, 0, 0 },
		{ "open_by_handle_at", SYS_open_by_handle_at, AT_FDCWD, (long)buf, 0, 0, 0 },
		{ "name_to_handle_at", SYS_name_to_handle_at, AT_FDCWD, (long)"/", (long)buf, (long)buf, 0 },
		{ "fsopen", SYS_fsopen, (long)"tmpfs", 0, 0, 0, 0 },
		{ "open_tree", SYS_open_tree, AT_FDCWD, (long)"/", 1, 0, 0 },
		{ "move_mount", SYS_move_mount, 0, 0, 0, 0, 0 },
		{ "pidfd_getfd", SYS_pidfd_getfd, 0, 0, 0, 0, 0 },
		{ "reboot", SYS_reboot, 0xfee1dead, 672274793, 0x1234567, 0, 0 },
		{ "syslog", SYS_syslog, 3, (long)buf, 64, 0, 0 },
		{ "socket-packet", SYS_socket, AF_PACKET, SOCK_RAW, 0, 0, 0 },
		{ "socket-raw", SYS_socket, AF_INET, SOCK_RAW, IPPROTO_RAW, 0, 0 },
		{ "socket-raw6", SYS_socket, AF_INET6, SOCK_RAW, IPPROTO_RAW, 0, 0 },
		{ "socket-netlink-audit", SYS_socket, AF_NETLINK, SOCK_RAW, 9, 0, 0 },
		{ "ioctl-tiocsti", SYS_ioctl, 0, TIOCSTI, (long)"x", 0, 0 },
		{ "ioctl-tiocsti-high", SYS_ioctl, 0, TIOCSTI | (1L << 32), (long)"x", 0, 0 },
		{ "unknown-1000", 1000, 0, 0, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		long r;

		errno = 0;
		r = syscall(rows[i].nr, rows[i].a0, rows[i].a1, rows[i].a2, rows[i].a3, rows[i].a4);
		if (r == 0 && (rows[i].nr == SYS_clone))
			_exit(0);	/* a child: must never happen */
		printf("%s %s\n", rows[i].name, r < 0 ? ename(errno) : "ESCAPED allowed");
	}
	return 0;
}

/* `abi`: other system call entry points must kill the process. */
static int abi(void)
{
	static const struct { const char *name; int kind; } rows[] = {
		{ "x32-getpid", 0 }, { "int80-getpid", 1 },
	};

	for (size_t i = 0; i < 2; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			if (rows[i].kind == 0) {
				syscall(0x40000000L | SYS_getpid);
			} else {
				long ret;

				__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20) : "memory");
			}
			_exit(0);
		}
		waitpid(pid, &st, 0);
		if (WIFSIGNALED(st))
			printf("%s killed-%s\n", rows[i].name, WTERMSIG(st) == SIGSYS ? "SIGSYS" : "other");
		else
			printf("%s ESCAPED exited %d\n", rows[i].name, WEXITSTATUS(st));
	}
	return 0;
}

/* `fds`: the fds the guest starts with. */
static int fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int self = d ? dirfd(d) : -1, seen[64], n = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) != self && n < 64)
			seen[n++] = atoi(de->d_name);
	for (int i = 0; i < n; i++)	/* sort */
		for (int k = i + 1; k < n; k++)
			if (seen[k] < seen[i]) {
				int t = seen[i];

				seen[i] = seen[k];
				seen[k] = t;
			}
	printf("fds");
	for (int i = 0; i < n; i++)
		printf(" %d", seen[i]);
	printf("\n");
	return 0;
}

/* `unix PATH`: connect to a unix socket the host listens on. */
static int unix_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	printf("unix-connect %s\n", connect(s, (struct sockaddr *)&sun, sizeof(sun)) < 0 ?
	       ename(errno) : "ESCAPED connected");
	return 0;
}

/* `dgram PATH`: send datagrams to a unix socket the host has bound. */
static int dgram(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct iovec iov = { (void *)"from the guest", 14 };
	struct msghdr mh = { .msg_name = &sun, .msg_namelen = sizeof(sun),
			     .msg_iov = &iov, .msg_iovlen = 1 };
	struct mmsghdr mm = { .msg_hdr = mh };
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	printf("dgram-sendto %s\n", sendto(s, "x", 1, 0, (struct sockaddr *)&sun, sizeof(sun)) < 0 ?
	       ename(errno) : "ESCAPED sent");
	printf("dgram-sendmsg %s\n", sendmsg(s, &mh, 0) < 0 ? ename(errno) : "ESCAPED sent");
	printf("dgram-sendmmsg %s\n", sendmmsg(s, &mm, 1, 0) < 0 ? ename(errno) : "ESCAPED sent");
	return 0;
}

/* `kernel`: kernel interfaces a root user could misuse. */
static int kernel(void)
{
	int fd;
	struct stat st;

	fd = open("/proc/sys/kernel/hostname", O_WRONLY);
	printf("proc-sys-write %s\n", fd < 0 ? ename(errno) : "ESCAPED opened");
	fd = open("/proc/1/mem", O_RDWR);
	printf("proc-1-mem %s\n", fd < 0 ? ename(errno) : "ESCAPED opened");
	/* Absent (this kernel hides them from user namespaces) or masked with
	 * /dev/null: either way, not the kernel's file. */
	for (int i = 0; i < 2; i++) {
		const char *path = i ? "/proc/sysrq-trigger" : "/proc/kcore";

		if (stat(path, &st) < 0)
			printf("%s %s\n", path, errno == ENOENT ? "unreachable" : ename(errno));
		else if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3)
			printf("%s unreachable\n", path);
		else
			printf("%s ESCAPED visible\n", path);
	}
	fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_WRONLY);
	printf("sysfs-write %s\n", fd < 0 ? ename(errno) : "ESCAPED opened");
	fd = open("/dev/tty", O_RDWR);
	printf("dev-tty %s\n", fd < 0 ? ename(errno) : "ESCAPED opened");
	printf("mknod-char %s\n", mknod("/tmp/mem", S_IFCHR | 0600, makedev(1, 1)) < 0 ?
	       ename(errno) : "ESCAPED made");
	kill(1, SIGKILL);
	usleep(100000);
	printf("kill-init %s\n", kill(1, 0) == 0 ? "survived" : "ESCAPED killed");
	return 0;
}

/*
 * Paths the sentry must copy out of guest memory exactly: one that ends on
 * the last byte before an unmapped page, a long one that crosses into the
 * next page, one with no NUL before the unmapped page (EFAULT, never a read
 * of something else) and one with none in PATH_MAX bytes (ENAMETOOLONG).
 */
static int pagepath(const char *file)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, (size_t)pg * 3, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	size_t len = strlen(file) + 1, longlen = 1000;
	struct stat st;
	char *p;

	if (m == MAP_FAILED || munmap(m + 2 * pg, (size_t)pg) < 0)
		return 1;
	p = m + 2 * pg - len;	/* NUL on the last byte of the mapping */
	memcpy(p, file, len);
	printf("at-page-end %s\n", stat(p, &st) == 0 ? "ok" : ename(errno));
	/* "/./././.../FILE", 1000 bytes, straddling the first two pages */
	p = m + pg - 500;
	for (size_t i = 0; i + len + 1 < longlen; i += 2)
		memcpy(p + i, "/.", 2);
	memcpy(p + longlen - len - (longlen - len) % 2, file, len);
	printf("across-pages %s\n", stat(p, &st) == 0 ? "ok" : ename(errno));
	memset(m, 'a', (size_t)pg * 2);	/* no NUL up to the unmapped page */
	printf("no-nul %s\n", stat(m + 2 * pg - 100, &st) == 0 ? "ESCAPED ok" : ename(errno));
	printf("no-nul-in-path-max %s\n", stat(m, &st) == 0 ? "ESCAPED ok" : ename(errno));
	return 0;
}

/*
 * The ptrace platform's injection socket, fd @h (sentry/ptrace.c): the guest
 * can neither close nor replace it, close_range() over it spares it (and
 * leaves the caller's registers as they were), sending on it fails, and a
 * thread that receives from it while another opens files gets only what those
 * opens would have returned.
 */
static long raw_close_range(unsigned *first, unsigned *last, unsigned long flags, int *kept)
{
	register unsigned long rdi __asm__("rdi") = *first;
	register unsigned long rsi __asm__("rsi") = *last;
	register unsigned long rdx __asm__("rdx") = flags;
	unsigned long a = rdi, b = rsi, c = rdx;
	long ret = __NR_close_range;

	__asm__ volatile("syscall" : "+a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx)
			 : : "rcx", "r11", "memory");
	*kept = rdi == a && rsi == b && rdx == c;
	return ret;
}

static int fds_named(const char *want, int lo, int hi)
{
	int bad = 0;

	for (int fd = lo; fd <= hi; fd++) {
		char link[64], target[256];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, want))
			bad++;
	}
	return bad;
}

static atomic_int steal_stop;
static atomic_int stolen;

static void *stealer(void *arg)
{
	int h = *(int *)arg;

	while (!atomic_load(&steal_stop)) {
		char byte;
		struct iovec iov = { &byte, 1 };
		union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr a; } cb;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cb.buf, .msg_controllen = sizeof(cb.buf) };

		if (recvmsg(h, &mh, MSG_DONTWAIT) >= 0 && CMSG_FIRSTHDR(&mh))
			atomic_fetch_add(&stolen, 1);
	}
	return NULL;
}

static int hidden(int h, const char *self)
{
	struct rlimit rl;
	unsigned first = 3, last = ~0u;
	int kept, errs = 0, opened = 0, above;
	pthread_t t;
	char c = 'x';
	long r;

	printf("close %s\n", close(h) == 0 && fcntl(h, F_GETFD) >= 0 ? "kept" : "ESCAPED closed");
	printf("dup2 %s\n", dup2(0, h) < 0 ? ename(errno) : "ESCAPED replaced");
	printf("dup3 %s\n", dup3(0, h, 0) < 0 ? ename(errno) : "ESCAPED replaced");
	printf("send %s\n", send(h, &c, 1, MSG_NOSIGNAL) < 0 ? ename(errno) : "ESCAPED sent");
	printf("recv %s\n", recv(h, &c, 1, MSG_DONTWAIT) < 0 ? ename(errno) : "ESCAPED got a message");
	/* fds below and above it, then close_range() over all of them */
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	open("/etc/hostname", O_RDONLY);
	above = fcntl(0, F_DUPFD, h + 5);
	r = raw_close_range(&first, &last, 0, &kept);
	printf("close_range %s\n", r == 0 ? "ok" : ename((int)-r));
	printf("close_range-registers %s\n", kept ? "kept" : "CHANGED");
	printf("close_range-spared %s\n", fcntl(h, F_GETFD) >= 0 ? "ok" : "ESCAPED closed");
	printf("close_range-closed %s\n", fcntl(3, F_GETFD) < 0 && (above < 0 ||
	       fcntl(above, F_GETFD) < 0) ? "ok" : "NOT CLOSED");
	/* a thread receives from it while this one opens */
	pthread_create(&t, NULL, stealer, &h);
	for (int i = 0; i < 2000; i++) {
		int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			errs++;
			continue;
		}
		opened++;
		if (fds_named("/etc/hostname", fd, fd))
			printf("open ESCAPED fd %d is something else\n", fd);
	}
	atomic_store(&steal_stop, 1);
	pthread_join(t, NULL);
	printf("race %s\n", opened + errs == 2000 && fds_named("/etc/hostname", 3, h - 1) == 0 &&
	       fds_named("/etc/hostname", h + 1, h + 4096) == 0
	       ? "ok" : "ESCAPED a stolen fd is something else");
	fprintf(stderr, "race: %d opened, %d failed, %d taken by the other thread\n",
		opened, errs, atomic_load(&stolen));
	/* close_range(CLOEXEC) over it, then exec: it must still be there */
	first = 3;
	last = ~0u;
	raw_close_range(&first, &last, CLOSE_RANGE_CLOEXEC, &kept);
	execl(self, self, "fds", (char *)NULL);
	printf("exec %s\n", ename(errno));
	return 1;
}

/*
 * `untraced`: a child made with CLONE_UNTRACED is not traced by the ptrace
 * platform's tracer; its served calls must fail (ENOSYS), not run natively.
 */
static int untraced(void)
{
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
	int st;

	if (pid < 0) {
		printf("untraced-clone %s\n", ename(errno));
		return 0;
	}
	if (pid == 0) {
		struct stat sb;
		int fd = open("/etc/hostname", O_RDONLY);

		printf("untraced-open %s\n", fd >= 0 ? "ESCAPED opened" : ename(errno));
		printf("untraced-stat %s\n", stat("/etc", &sb) == 0 ? "ESCAPED" : ename(errno));
		execl("/bin/true", "true", (char *)NULL);
		printf("untraced-exec %s\n", ename(errno));
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return 0;
}

/*
 * `own-filter`: seccomp filters the guest installs itself.  A filter with a
 * listener of its own must be refused (the kernel allows one listener per
 * filter stack, and the sandbox's is there), or its listener could let served
 * calls run natively.  A filter that answers SECCOMP_RET_TRACE gets ENOSYS for
 * a native call (there is no tracer for it), and leaves a served one served.
 * `own-filter recvmsg`: a filter that refuses recvmsg(), which the ptrace
 * platform's guest needs to receive a served fd.
 */
static int own_listener;

static void *own_answer(void *arg)
{
	(void)arg;
	for (;;) {
		struct seccomp_notif n;
		struct seccomp_notif_resp r;

		memset(&n, 0, sizeof(n));
		if (ioctl(own_listener, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0)
			return NULL;
		memset(&r, 0, sizeof(r));
		r.id = n.id;
		r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(own_listener, SECCOMP_IOCTL_NOTIF_SEND, &r);
	}
}

static int own_recvmsg(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_recvmsg, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p = { sizeof(f) / sizeof(f[0]), f };
	struct stat sb;
	int fd;

	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p) < 0) {
		printf("own-recvmsg %s\n", ename(errno));
		return 0;
	}
	fd = open("/etc/hostname", O_RDONLY);
	printf("own-recvmsg-open %s\n", fd >= 0 ? "ok" : ename(errno));
	printf("own-recvmsg-stat %s\n", stat("/etc/hostname", &sb) == 0 ? "ok" : ename(errno));
	return 0;
}

static int own_filter(void)
{
	struct sock_filter notify[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_filter trace[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close_range, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 7),
	};
	struct sock_fprog p = { sizeof(notify) / sizeof(notify[0]), notify };
	pthread_t t;
	int fd;
	long r;

	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	own_listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				    SECCOMP_FILTER_FLAG_NEW_LISTENER, &p);
	if (own_listener < 0) {
		printf("own-listener %s\n", ename(errno));
	} else {
		pthread_create(&t, NULL, own_answer, NULL);
		fd = open("/etc/moat-own-listener", O_WRONLY | O_CREAT, 0644);
		printf("own-listener ESCAPED installed, a continued open: %s\n",
		       fd >= 0 ? "ok" : ename(errno));
		return 0;
	}
	p.len = sizeof(trace) / sizeof(trace[0]);
	p.filter = trace;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p) < 0) {
		printf("own-trace %s\n", ename(errno));
		return 0;
	}
	printf("own-trace-native %s\n", syscall(SYS_getppid) < 0 ? ename(errno) : "ran");
	dup2(0, 10);
	dup2(0, 40);
	r = syscall(SYS_close_range, 10, 11, 0);
	printf("own-trace-close_range %s\n", r < 0 ? ename(errno) : "ran");
	printf("own-trace-fds %s\n", fcntl(10, F_GETFD) >= 0 && fcntl(40, F_GETFD) >= 0 &&
	       fcntl(2, F_GETFD) >= 0 ? "kept" : "CLOSED");
	fd = open("/etc/moat-own-trace", O_WRONLY | O_CREAT, 0644);
	printf("own-trace-served %s\n", fd >= 0 ? "ok" : ename(errno));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && !strcmp(argv[1], "paths"))
		return paths(argv[2], argv[3]);
	if (argc >= 2 && !strcmp(argv[1], "writes"))
		return writes(argc - 2, argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "reopen"))
		return reopen(argv[2]);
	if (argc >= 6 && !strcmp(argv[1], "toctou-open"))
		return toctou_open(argv[2], argv[3], argv[4], atoi(argv[5]));
	if (argc >= 5 && !strcmp(argv[1], "toctou-exec"))
		return toctou_exec(argv[2], argv[3], atoi(argv[4]));
	if (argc >= 6 && !strcmp(argv[1], "toctou-calls"))
		return toctou_calls(argv[2], argv[3], argv[4], atoi(argv[5]));
	if (argc >= 2 && !strcmp(argv[1], "denied"))
		return denied();
	if (argc >= 2 && !strcmp(argv[1], "abi"))
		return abi();
	if (argc >= 2 && !strcmp(argv[1], "fds"))
		return fds();
	if (argc >= 3 && !strcmp(argv[1], "unix"))
		return unix_connect(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "kernel"))
		return kernel();
	if (argc >= 3 && !strcmp(argv[1], "dgram"))
		return dgram(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "pagepath"))
		return pagepath(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "untraced"))
		return untraced();
	if (argc >= 3 && !strcmp(argv[1], "hidden"))
		return hidden(atoi(argv[2]), argv[0]);
	if (argc >= 3 && !strcmp(argv[1], "own-filter") && !strcmp(argv[2], "recvmsg"))
		return own_recvmsg();
	if (argc >= 2 && !strcmp(argv[1], "own-filter"))
		return own_filter();
	fprintf(stderr, "usage: attack paths|writes|reopen|toctou-open|toctou-exec|toctou-calls|denied|abi|fds|unix|kernel|dgram|pagepath|hidden|untraced|own-filter [recvmsg] ...\n");
	return 2;
}
