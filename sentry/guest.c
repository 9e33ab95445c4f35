// SPDX-License-Identifier: MIT
/*
 * guest.c - creating the guest's processes.
 *
 * Theory of operation
 * -------------------
 *   sentry ──fork──> setup process ──clone(CLONE_PARENT)──> init (pid 1)
 *                                                              └─fork─> command
 *
 * The setup process joins the gofer's user and mount namespaces, so that its
 * view is the sandbox tree the gofer built, then creates the guest's own user
 * namespace (one id: the sandbox user, mapped to the gofer's root, which is
 * the user who ran moat) and new mount, pid, network, IPC, UTS and cgroup
 * namespaces.  In its copy of the mounts it makes everything read-only and
 * nosuid: the guest reads through this view, the gofer writes through its own.
 * It also mounts the guest's sysfs and mqueue, which only a holder of
 * capabilities over the network and IPC namespaces' owner may mount
 * (setup_mounts_make()).  It forks init as a sibling (CLONE_PARENT), so that
 * init is the sentry's child and dies with it (PR_SET_PDEATHSIG), then exits.
 *
 * init forks the command first, so that the command's set-up (above all the
 * kernel's check of its seccomp filter) runs while init mounts what belongs to
 * the new pid namespace (/proc, /dev/pts) and masks the kernel files a root
 * user could misuse (path by path: one that is not there is skipped, and so is
 * one in /proc when no procfs is mounted there); init then says so
 * (GM_MOUNTED), drops every capability and only reaps: the guest's orphans end
 * up with it, and when the command exits, init reports the status and exits,
 * which makes the kernel kill whatever is left.
 *
 * The command process sets the limits, drops every capability, sets
 * no_new_privs and loads the guest's seccomp filter with a listener; it tells
 * the sentry the listener's fd number and waits until the sentry has taken it
 * (pidfd_getfd) and init's mounts are made, then enters its working directory
 * (which may lie below one of them) and executes the command.  From the
 * filter on, everything it and its descendants do is subject to the sentry.
 */
#include "sentry/guest.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscall_nr.h"
#include <seccomp.h>

#include "confine.h"
#include "fdio.h"
#include "log.h"
#include "netstack/netstack.h"
#include "sys.h"
#include "util.h"

/*
 * One message to the sentry.  write(), not sendmsg(): the command sends under
 * the guest's filter, where write() runs natively while sendmsg() is served,
 * and the sentry does not serve until it holds the listener.  The kernel
 * attaches the sender's credentials either way (SO_PASSCRED).
 */
static int send_msg(int sock, uint32_t type, int32_t value, const char *text)
{
	struct guest_msg m = { .type = type, .value = value };

	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	return write(sock, &m, sizeof(m)) == (ssize_t)sizeof(m) ? 0 : -EIO;
}

/* Report a set-up failure from inside the guest and exit. */
static _Noreturn void fail(int sock, const struct merr *e)
{
	send_msg(sock, GM_SETUP_FAILED, e->errnum, e->msg);
	_exit(MOAT_EXIT_FAILURE);
}

static int write_file(int dirfd, const char *path, const char *text)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return write_full(fd, text, strlen(text));
}

/* Bind @src over @dst (a mask), optionally read-only. */
static int bind_over(const char *src, const char *dst, bool ro)
{
	_cleanup_close_ int tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

	if (tree < 0)
		return -errno;
	if (ro && mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return -errno;
	if (move_mount(tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

static int mask_path(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return 0;	/* not on this kernel */
	if (S_ISDIR(st.st_mode))
		return mount("moat", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			     "size=0,mode=0500") < 0 ? -errno : 0;
	return bind_over("/dev/null", path, false);
}

static int ro_path(const char *path)
{
	if (access(path, F_OK) < 0)
		return 0;
	return bind_over(path, path, true);
}

/* Whether @path is /proc or below it. */
static bool in_proc(const char *path)
{
	return !strncmp(path, "/proc", 5) && (path[5] == '/' || path[5] == '\0');
}

/**
 * guest_paths() - mask @paths, or make them read-only
 * @proc:	whether a procfs is mounted at /proc
 *
 * Each path is checked on its own: one that does not exist is skipped, and
 * so is one in /proc when no procfs is there (it would be the root file
 * system's directory, not the kernel's files).  Exits through fail().
 */
static void guest_paths(const char *const *paths, size_t n, bool mask, bool proc, int sock)
{
	struct merr e = { 0 };

	for (size_t i = 0; i < n; i++) {
		if (!proc && in_proc(paths[i]))
			continue;
		if ((mask ? mask_path(paths[i]) : ro_path(paths[i])) < 0) {
			if (mask)
				merr_sys(&e, "mask %s", paths[i]);
			else
				merr_sys(&e, "make %s read-only", paths[i]);
			fail(sock, &e);
		}
	}
}

/*
 * What belongs to the guest's pid namespace (proc, devpts), then the
 * read-only paths, then the masks, as runc orders them: a read-only path is
 * a bind of itself that leaves out the mounts below it, so a mask made
 * before it would be hidden.  sysfs and mqueue are already there
 * (setup_mounts_make()).
 */
static void guest_mounts(const struct moat_spec *spec, int sock)
{
	struct merr e = { 0 };
	struct statfs sfs;
	bool proc;

	for (size_t i = 0; i < spec->tree.nmounts; i++) {
		const struct tree_mount *m = &spec->tree.mounts[i];
		unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC | (m->ro ? MS_RDONLY : 0);
		int r = 0;

		switch (m->type) {
		case TM_PROC:
			r = mount("proc", m->dst, "proc", fl, NULL);
			break;
		case TM_DEVPTS:
			r = mount("devpts", m->dst, "devpts", fl & ~MS_NODEV,
				  "newinstance,ptmxmode=0666,mode=0620");
			break;
		default:
			continue;	/* the gofer's, or set-up's */
		}
		if (r < 0) {
			merr_sys(&e, "mount %s", m->dst);
			fail(sock, &e);
		}
	}
	proc = statfs("/proc", &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
	guest_paths(guest_proc_ro, guest_nproc_ro, false, proc, sock);
	guest_paths((const char *const *)spec->proc_ro, spec->nproc_ro, false, proc, sock);
	guest_paths(guest_proc_masked, guest_nproc_masked, true, proc, sock);
	guest_paths((const char *const *)spec->proc_masked, spec->nproc_masked, true, proc, sock);
}

/* A detached mount of a new @type file system; Return: its fd, or -1 (errno). */
static int new_mount(const char *type, const char *mode, unsigned attrs)
{
	_cleanup_close_ int fs = fsopen(type, FSOPEN_CLOEXEC);

	if (fs < 0 || (mode && fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) < 0) ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	return fsmount(fs, FSMOUNT_CLOEXEC, attrs);
}

/**
 * setup_mounts_make() - the guest's sysfs and mqueue, made but not attached
 * @fds:	one fd per mount of spec->tree.mounts, -1 for the others
 *
 * The kernel lets a process mount a sysfs only with CAP_SYS_ADMIN over its
 * network namespace's owner, and an mqueue only with it over its IPC
 * namespace's owner; both namespaces belong to the gofer's user namespace,
 * not to the guest's.  So the set-up process makes these mounts while it
 * still holds that capability (in the gofer's user and mount namespaces, in
 * the guest's network and IPC namespaces), and setup_mounts_attach() attaches
 * them once it is in the guest's mount namespace.  A sysfs the kernel will
 * not give (the host's is not fully visible to moat) is an empty read-only
 * directory instead: the host's, which the gofer bound there for the kernel's
 * check, must not show through.  Exits through fail().
 */
static void setup_mounts_make(const struct moat_spec *spec, int *fds, int sock)
{
	const unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
	struct merr e = { 0 };

	for (size_t i = 0; i < spec->tree.nmounts; i++) {
		const struct tree_mount *m = &spec->tree.mounts[i];

		fds[i] = -1;
		if (m->type == TM_MQUEUE) {
			fds[i] = new_mount("mqueue", NULL, attrs | (m->ro ? MOUNT_ATTR_RDONLY : 0));
		} else if (m->type == TM_SYSFS) {
			/* Never writable: the guest is root in its namespace. */
			fds[i] = new_mount("sysfs", NULL, attrs | MOUNT_ATTR_RDONLY);
			if (fds[i] < 0 && (errno == EPERM || errno == EACCES))
				fds[i] = new_mount("tmpfs", "0555", attrs | MOUNT_ATTR_RDONLY);
		} else {
			continue;
		}
		if (fds[i] < 0) {
			merr_sys(&e, "mount %s", m->dst);
			fail(sock, &e);
		}
	}
}

/* Attach what setup_mounts_make() made, in the guest's mount namespace. */
static void setup_mounts_attach(const struct moat_spec *spec, int *fds, int sock)
{
	struct merr e = { 0 };

	for (size_t i = 0; i < spec->tree.nmounts; i++) {
		if (fds[i] < 0)
			continue;
		if (move_mount(fds[i], "", AT_FDCWD, spec->tree.mounts[i].dst,
			       MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			merr_sys(&e, "mount %s", spec->tree.mounts[i].dst);
			fail(sock, &e);
		}
		close(fds[i]);
	}
}

/*
 * ping without raw sockets, which the filter denies: ICMP datagram sockets
 * for every group, on loopback as on eth0.  A new network namespace starts
 * with none allowed.  The kernel takes only groups our user namespace maps:
 * run by a user, that is the guest's alone (@gid), which is enough.
 */
static void ping_open(int proc, gid_t gid)
{
	_cleanup_close_ int pg = openat(proc, "sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC);
	char range[32];
	int n = snprintf(range, sizeof(range), "%u %u", gid, gid);

	if (pg < 0 || write(pg, "0 2147483647", 12) == 12)
		return;
	if (write(pg, range, (size_t)n) < 0) {
		/* ping then needs the raw sockets it will not get */
	}
}

static void loopback_up(void)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	ioctl(s, SIOCSIFFLAGS, &ifr);
}

/*
 * --network=sandbox: eth0, a TAP device in the guest's network namespace, with
 * netstack's addressing and a default route through it.  The fd goes to the
 * sentry, which gives it to netstack; the device dies with that fd.
 */
static int make_tap(int proc, unsigned mtu, struct merr *e)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	struct rtentry rt = { 0 };
	_cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	_cleanup_close_ int v6 = -1;

	if (fd < 0 && errno == EACCES)
		return merr_sys(e, "open /dev/net/tun: --network=sandbox run by a user needs "
				"the device open to that user (most systems make it 0666)");
	if (fd < 0)
		return merr_sys(e, "open /dev/net/tun (is the tun module loaded?)");
	/* No IPv6 is offered (netstack drops it): eth0 is born without it. */
	v6 = openat(proc, "sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY | O_CLOEXEC);
	if (v6 >= 0 && write(v6, "1", 1) < 0)
		log_warn("eth0 keeps IPv6: disable_ipv6: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "eth0");
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return merr_sys(e, "create the guest's TAP device");
	if (s < 0)
		return merr_sys(e, "socket");
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(NS_DEFAULT_GUEST);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
		return merr_sys(e, "set eth0's address");
	sin->sin_addr.s_addr = htonl(~0u << (32 - NS_DEFAULT_PREFIX));
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
		return merr_sys(e, "set eth0's netmask");
	ifr.ifr_mtu = (int)(mtu ? mtu : NS_DEFAULT_MTU);
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
		return merr_sys(e, "set eth0's MTU");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return merr_sys(e, "get eth0's flags");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return merr_sys(e, "bring eth0 up");
	((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
	((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
	sin = (struct sockaddr_in *)&rt.rt_gateway;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(NS_DEFAULT_GATEWAY);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = ifr.ifr_name;
	if (ioctl(s, SIOCADDRT, &rt) < 0)
		return merr_sys(e, "add the default route");
	return steal_fd(&fd);
}

static const char *env_get(char **env, const char *key)
{
	size_t n = strlen(key);

	for (; env && *env; env++)
		if (!strncmp(*env, key, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* Whether a file the kernel cannot execute (no #! line) is run by /bin/sh. */
static bool sh_fallback;

/*
 * execve() @file; Return: its errno.  ENOENT for a file that is there means
 * its interpreter (a #! line's program, or an ELF's loader) is not: the
 * first such file goes to @found (empty until then).  A file of no format the
 * kernel knows (ENOEXEC: a script without #!) is run by /bin/sh with
 * @sh_fallback, as execvp() and env do; if /bin/sh cannot run, ENOEXEC stands.
 */
static int try_exec(const char *file, char **argv, char **env, char *found, size_t cap)
{
	int err;

	execve(file, argv, env);
	err = errno;
	if (err == ENOEXEC && sh_fallback) {
		size_t n = 0;

		while (argv[n])
			n++;
		{
			char *shv[n + 2];

			shv[0] = (char *)"/bin/sh";
			shv[1] = (char *)file;
			for (size_t i = 1; i <= n; i++)
				shv[i + 1] = argv[i];
			execve("/bin/sh", shv, env);
		}
	}
	if (err == ENOENT && !found[0] && access(file, F_OK) == 0)
		snprintf(found, cap, "%s", file);
	return err;
}

/*
 * execvp() with the sandbox's PATH; Return: the errno of the best failure.
 * @found: as for try_exec(), PATH_MAX bytes
 */
static int exec_command(char **argv, char **env, char *found)
{
	const char *path = env_get(env, "PATH");
	char buf[PATH_MAX];
	int err = ENOENT;

	found[0] = '\0';
	if (!argv[0][0])
		return ENOENT;	/* as a shell: an empty name is no command */
	if (strchr(argv[0], '/'))
		return try_exec(argv[0], argv, env, found, PATH_MAX);
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *end = strchrnul(path, ':');
		size_t n = (size_t)(end - path);

		if (n + 1 + strlen(argv[0]) < sizeof(buf)) {
			memcpy(buf, n ? path : ".", n ? n : 1);
			buf[n ? n : 1] = '/';
			strcpy(buf + (n ? n : 1) + 1, argv[0]);
			int r = try_exec(buf, argv, env, found, PATH_MAX);

			if (r == EACCES || (r != ENOENT && r != ENOTDIR))
				err = r;
		}
		path = *end ? end + 1 : end;
	}
	return err;
}

/*
 * The command's terminal of its own (sentry/tty.h): a pseudo-terminal of the
 * guest's devpts, opened as the guest opens one (served: this runs under the
 * filter, once init's mounts are made), becomes its controlling terminal and
 * its stdin and stdout, and its stderr unless that was sent apart from stdout
 * (2>file).  The sentry takes the master from us as it took the listener.
 */
static void command_tty(const struct moat_spec *spec, int sock)
{
	struct merr e = { 0 };
	struct winsize ws = { .ws_row = spec->tty_rows, .ws_col = spec->tty_cols };
	struct guest_msg ack;
	struct stat out, err;
	unsigned nfds;
	int unlock = 0, master, slave = -1;
	bool err_too = isatty(STDERR_FILENO) || fstat(STDOUT_FILENO, &out) < 0 ||
		       fstat(STDERR_FILENO, &err) < 0 ||
		       (out.st_dev == err.st_dev && out.st_ino == err.st_ino);

	master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master >= 0 && ioctl(master, TIOCSPTLCK, &unlock) == 0)
		slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0) {
		merr_sys(&e, "give the command a terminal: /dev/pts/ptmx (a devpts mount at "
			 "/dev/pts is needed)");
		fail(sock, &e);
	}
	if (!ws.ws_row && !ws.ws_col && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
		ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
	if (ws.ws_row || ws.ws_col)
		ioctl(master, TIOCSWINSZ, &ws);
	if (send_msg(sock, GM_TTY, master, NULL) < 0 ||
	    fdio_recv(sock, &ack, sizeof(ack), NULL, 0, &nfds) != sizeof(ack))
		_exit(MOAT_EXIT_FAILURE);
	close(master);
	if (ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, STDIN_FILENO) < 0 ||
	    dup2(slave, STDOUT_FILENO) < 0 || (err_too && dup2(slave, STDERR_FILENO) < 0)) {
		merr_sys(&e, "make the terminal the command's");
		fail(sock, &e);
	}
	if (slave > STDERR_FILENO)
		close(slave);
}

static _Noreturn void command(const struct moat_spec *spec, int sock, const struct sock_fprog *prog)
{
	struct merr e = { 0 };
	struct guest_msg ack;
	unsigned nfds;
	int listener, hidden = -1, err;
	char found[PATH_MAX];

	setsid();
	/* The guest starts with every signal at its default and none blocked. */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	{
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	for (size_t i = 0; i < spec->nrlimits; i++) {
		if (setrlimit(spec->rlimits[i].resource, &spec->rlimits[i].lim) < 0) {
			merr_sys(&e, "setrlimit %d", spec->rlimits[i].resource);
			fail(sock, &e);
		}
	}
	if (spec->cpu_seconds) {
		struct rlimit rl = { spec->cpu_seconds, spec->cpu_seconds + 1 };

		setrlimit(RLIMIT_CPU, &rl);
	}
	{
		int keep[] = { sock };

		if (confine_close_fds(keep, 1) < 0) {
			merr_sys(&e, "close inherited fds");
			fail(sock, &e);
		}
	}
	/* ids of its own (spec_own_ids()): root of the namespace until now.  The
	 * change made it not dumpable, as its exec will not: the sentry must
	 * read its memory for that exec (ptrace's rules). */
	if (spec->own_ids && (confine_become(spec->uid, spec->gid, &e) < 0 ||
			      prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0))
		fail(sock, &e);
	if (confine_drop_caps(0, &e) < 0)
		fail(sock, &e);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		merr_sys(&e, "set no_new_privs");
		fail(sock, &e);
	}
	/* With the ptrace platform, the tracer stands where the listener would. */
	listener = sys_seccomp(SECCOMP_SET_MODE_FILTER,
			       spec->ptrace ? 0 : SECCOMP_FILTER_FLAG_NEW_LISTENER, (void *)prog);
	if (spec->ptrace && listener == 0) {
		listener = -1;
	} else if (listener < 0) {
		if (errno == EMFILE)
			merr_set(&e, EMFILE, "load the seccomp filter: the command's RLIMIT_NOFILE "
				 "leaves no fd for the sandbox's own (give it at least 4)");
		else if (spec->ptrace)
			merr_sys(&e, "load the seccomp filter");
		else
			merr_sys(&e, "load the seccomp filter (does the kernel support user "
				 "notification? Linux 5.9 or later is needed, or use "
				 "--platform=ptrace)");
		fail(sock, &e);
	}
	log_phase("command: filter loaded");
	/* From here on only native calls until the sentry holds the listener. */
	send_msg(sock, GM_LISTENER, listener, NULL);
	if (fdio_recv(sock, &ack, sizeof(ack), &hidden, 1, &nfds) != sizeof(ack))
		_exit(MOAT_EXIT_FAILURE);
	if (listener >= 0)
		close(listener);
	if (nfds == 1) {
		/* The ptrace platform's injection socket, at the number the
		 * guest's filter keeps from being closed (fcntl: dup2 onto it is
		 * refused by now).  Every guest process inherits it. */
		int at = fcntl(hidden, F_DUPFD, ack.value);

		close(hidden);
		if (at != ack.value)
			_exit(MOAT_EXIT_FAILURE);
	}
	if (spec->tty)
		command_tty(spec, sock);
	/* chdir() runs natively: in the read-only view, with init's mounts made. */
	if (chdir(spec->cwd ? spec->cwd : "/") < 0) {
		merr_sys(&e, "working directory %s", spec->cwd ? spec->cwd : "/");
		fail(sock, &e);
	}
	sh_fallback = spec->tree.host_root;	/* moat do; moat run execs as runc does */
	err = exec_command(spec->argv, spec->env, found);
	if (err == ENOENT && found[0])
		send_msg(sock, GM_NO_INTERPRETER, err, found);
	else
		send_msg(sock, GM_EXEC_FAILED, err, spec->argv[0]);
	_exit(err == ENOENT ? MOAT_EXIT_NOTFOUND : MOAT_EXIT_NOEXEC);
}

/* All that init does once the command runs: its allowlist (also compiled at
 * build time by tools/genfilter, as moat_filter_init). */
const int init_syscalls[] = {
	SCMP_SYS(wait4), SCMP_SYS(sendmsg), SCMP_SYS(write), SCMP_SYS(exit_group),
	SCMP_SYS(exit), SCMP_SYS(rt_sigreturn), SCMP_SYS(restart_syscall),
	SCMP_SYS(sigaltstack), SCMP_SYS(munmap), SCMP_SYS(futex),
};
const size_t init_nsyscalls = ARRAY_SIZE(init_syscalls);

extern const struct sock_filter moat_filter_init[] __attribute__((weak));
extern const unsigned short moat_filter_init_len __attribute__((weak));

/* moat's argument strings (main's argv, end to end), which /proc/<pid>/cmdline shows */
static char *args_area;
static size_t args_len;

void guest_args_area(char *start, size_t len)
{
	args_area = start;
	args_len = len;
}

static _Noreturn void init(const struct moat_spec *spec, int sock, const struct sock_fprog *prog)
{
	struct merr e = { 0 };
	sigset_t all;
	pid_t cmd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	cmd = fork();
	if (cmd < 0) {
		merr_sys(&e, "fork the command");
		fail(sock, &e);
	}
	if (cmd == 0)
		command(spec, sock, prog);
	guest_mounts(spec, sock);
	log_phase("init: mounts made");
	if (send_msg(sock, GM_MOUNTED, 0, NULL) < 0)
		_exit(MOAT_EXIT_FAILURE);

	/* init itself: nothing but reaping, with nothing to lose.  Nor to show:
	 * the guest's ps reads its command line, which was moat's own, with
	 * the host's paths in it (the command has its copy; spec's strings,
	 * which may be those, are not used from here on). */
	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_NAME, "moat-init");
	if (args_area && args_len > sizeof("moat-init")) {
		memset(args_area, 0, args_len);
		memcpy(args_area, "moat-init", sizeof("moat-init"));
	}
	{
		int keep[] = { sock };

		confine_close_fds(keep, 1);
	}
	confine_drop_caps(0, &e);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	if (confine_allowlist_load(moat_filter_init, &moat_filter_init_len, init_syscalls,
				   init_nsyscalls, &e) < 0)
		_exit(MOAT_EXIT_FAILURE);
	for (;;) {
		int status;
		pid_t p = waitpid(-1, &status, __WALL);

		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			_exit(MOAT_EXIT_FAILURE);
		if (p == cmd) {
			send_msg(sock, GM_EXIT, status, NULL);
			_exit(0);
		}
	}
}

/* setgroups "deny", then the maps, of the process /proc/@dir. */
static int write_maps(int proc, const char *dir, const char *umap, const char *gmap)
{
	char path[64];
	int r;

	snprintf(path, sizeof(path), "%s/setgroups", dir);
	write_file(proc, path, "deny");
	snprintf(path, sizeof(path), "%s/uid_map", dir);
	r = write_file(proc, path, umap);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/gid_map", dir);
	return write_file(proc, path, gmap);
}

/* The guest's map of @id: to itself, with root beside it (@own), or to the runner. */
static void id_map_text(char *buf, size_t cap, bool own, unsigned id)
{
	if (own && id)
		snprintf(buf, cap, "0 0 1\n%u %u 1\n", id, id);
	else
		snprintf(buf, cap, "%u 0 1\n", own ? 0 : id);
}

/*
 * The guest's user namespace, made by unshare() and given its maps: one id,
 * the runner's (0 in the gofer's namespace); or, with ids of the guest's own
 * (spec_own_ids()), root and the guest's id, each to itself, and the command
 * becomes that id as it starts (command()).  A map of more than the writer's
 * own id takes CAP_SETUID in the parent namespace, which a process loses
 * as it enters the new one: so a child left behind in the parent writes it.
 * setgroups() is denied there either way.  Return: 0 or -errno (with @e)
 */
static int guest_userns(const struct moat_spec *spec, int proc, struct merr *e)
{
	char umap[64], gmap[64], dir[32];
	int go[2], status = -1;
	pid_t self = getpid(), writer = -1;

	id_map_text(umap, sizeof(umap), spec->own_ids, spec->uid);
	id_map_text(gmap, sizeof(gmap), spec->own_ids, spec->gid);
	snprintf(dir, sizeof(dir), "self");
	if (spec->own_ids) {
		if (pipe2(go, O_CLOEXEC) < 0)
			return merr_sys(e, "pipe for the guest's id maps");
		writer = fork();
		if (writer == 0) {
			char c;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(go[1]);
			if (read(go[0], &c, 1) != 1)
				_exit(1);
			snprintf(dir, sizeof(dir), "%d", (int)self);
			_exit(write_maps(proc, dir, umap, gmap) < 0);
		}
		close(go[0]);
		if (writer < 0) {
			close(go[1]);
			return merr_sys(e, "fork the writer of the guest's id maps");
		}
	}
	if (unshare(CLONE_NEWUSER) < 0) {
		int r = merr_sys(e, "create the guest's user namespace");

		if (writer > 0) {
			close(go[1]);
			waitpid(writer, NULL, 0);
		}
		return r;
	}
	if (writer < 0) {
		int r = write_maps(proc, dir, umap, gmap);

		return r < 0 ? merr_set(e, -r, "write the guest's id maps: %s", strerror(-r)) : 0;
	}
	if (write(go[1], "x", 1) != 1)
		status = -1;
	close(go[1]);
	while (waitpid(writer, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return merr_set(e, EPERM, "write the guest's id maps");
	return 0;
}

static _Noreturn void setup(const struct moat_spec *spec, const struct guest_ns *ns, int sock,
			    const struct sock_fprog *prog)
{
	struct merr e = { 0 };
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID };
	struct guest_msg go;
	unsigned nfds;
	int mnt[spec->tree.nmounts + 1];
	pid_t pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* First go: the gofer's user namespace exists and has its id maps. */
	if (fdio_recv(sock, &go, sizeof(go), NULL, 0, &nfds) != sizeof(go))
		_exit(MOAT_EXIT_FAILURE);
	if (geteuid() == 0)
		setgroups(0, NULL);	/* no supplementary groups of the host's root */
	/* A gofer built by real root has no user namespace of interest: stay. */
	if (!spec->tree.privileged && setns(ns->userns, CLONE_NEWUSER) < 0) {
		merr_sys(&e, "join the gofer's user namespace");
		fail(sock, &e);
	}
	close(ns->userns);
	/*
	 * While the gofer builds the tree: the network, IPC and UTS namespaces.
	 * They belong to the gofer's user namespace, not the guest's, so the
	 * guest holds no capability over them: it cannot reconfigure its network
	 * or rename its host.
	 */
	if (unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0) {
		merr_sys(&e, "create the guest's network, IPC and UTS namespaces");
		fail(sock, &e);
	}
	if (sethostname(spec_hostname(spec), strlen(spec_hostname(spec))) < 0) {
		merr_sys(&e, "sethostname");
		fail(sock, &e);
	}
	loopback_up();
	ping_open(ns->proc, spec->gid);
	if (spec->net.sandbox) {
		struct guest_msg m = { .type = GM_TAP };
		int tap = make_tap(ns->proc, spec->net.mtu, &e);

		if (tap < 0)
			fail(sock, &e);
		if (fdio_send(sock, &m, sizeof(m), &tap, 1) < 0)
			_exit(MOAT_EXIT_FAILURE);
		close(tap);
	}
	/* Second go: the tree is built and this process is in its cgroups. */
	if (fdio_recv(sock, &go, sizeof(go), NULL, 0, &nfds) != sizeof(go))
		_exit(MOAT_EXIT_FAILURE);
	if (setns(ns->mntns, CLONE_NEWNS) < 0) {
		merr_sys(&e, "join the gofer's mount namespace");
		fail(sock, &e);
	}
	close(ns->mntns);
	setup_mounts_make(spec, mnt, sock);
	if (guest_userns(spec, ns->proc, &e) < 0)
		fail(sock, &e);
	close(ns->proc);
	if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWCGROUP) < 0) {
		merr_sys(&e, "create the guest's namespaces");
		fail(sock, &e);
	}
	log_phase("setup: namespaces made");
	if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof(ro)) < 0) {
		merr_sys(&e, "make the guest's view read-only");
		fail(sock, &e);
	}
	setup_mounts_attach(spec, mnt, sock);
	if (chdir("/") < 0) {
		merr_sys(&e, "chdir /");
		fail(sock, &e);
	}
	pid = (pid_t)syscall(SYS_clone, CLONE_PARENT, NULL, NULL, NULL, 0);
	if (pid < 0) {
		merr_sys(&e, "start the guest's init");
		fail(sock, &e);
	}
	if (pid == 0)
		init(spec, sock, prog);
	send_msg(sock, GM_INIT, pid, NULL);
	_exit(0);
}

int guest_start(const struct moat_spec *spec, const struct gofer *gofer,
		const struct sock_fprog *prog, struct guest *g, struct merr *e)
{
	struct guest_ns ns = { -1, -1, -1 };
	int sp[2], one = 1;
	pid_t pid;

	memset(g, 0, sizeof(*g));
	g->sock = g->listener = g->init_pidfd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return merr_sys(e, "socketpair for the guest");
	setsockopt(sp[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	ns.userns = fcntl(gofer->userns, F_DUPFD_CLOEXEC, 3);
	ns.mntns = fcntl(gofer->mntns, F_DUPFD_CLOEXEC, 3);
	ns.proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ns.userns < 0 || ns.mntns < 0 || ns.proc < 0) {
		int r = merr_sys(e, "open the gofer's namespaces");

		if (ns.userns >= 0)
			close(ns.userns);
		if (ns.mntns >= 0)
			close(ns.mntns);
		if (ns.proc >= 0)
			close(ns.proc);
		close(sp[0]);
		close(sp[1]);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		int r = merr_sys(e, "fork the guest");

		close(ns.userns);
		close(ns.mntns);
		close(ns.proc);
		close(sp[0]);
		close(sp[1]);
		return r;
	}
	if (pid == 0) {
		close(sp[0]);
		setup(spec, &ns, sp[1], prog);
	}
	close(ns.userns);
	close(ns.mntns);
	close(ns.proc);
	close(sp[1]);
	g->setup = pid;
	g->sock = sp[0];
	return 0;
}

/* Receive one guest message and the sender's host pid. */
int guest_recv(struct guest *g, struct guest_msg *m, pid_t *sender, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf) };
	ssize_t n;

	do
		n = recvmsg(g->sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	if (n != sizeof(*m) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -EPROTO;
	m->text[sizeof(m->text) - 1] = '\0';
	*sender = 0;
	if (fd)
		*fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;

			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			*sender = cred.pid;
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int got;

			memcpy(&got, CMSG_DATA(c), sizeof(got));
			if (fd && *fd < 0 && c->cmsg_len == CMSG_LEN(sizeof(int)))
				*fd = got;
			else
				close(got);	/* more than the one fd a message may carry */
		}
	}
	return 0;
}

int guest_go(struct guest *g)
{
	return guest_go_fd(g, -1, 0);
}

int guest_go_fd(struct guest *g, int fd, int at)
{
	struct guest_msg m = { .type = GM_GO, .value = at };

	return fdio_send(g->sock, &m, sizeof(m), &fd, fd >= 0 ? 1 : 0);
}

int guest_take_fd(pid_t pid, int fdnum)
{
	int pidfd = sys_pidfd_open(pid, 0), fd, r;

	if (pidfd < 0)
		return -errno;
	fd = sys_pidfd_getfd(pidfd, fdnum, 0);
	r = -errno;
	close(pidfd);
	return fd < 0 ? r : fd;
}

int guest_take_listener(struct guest *g, pid_t cmd, int fdnum, struct merr *e)
{
	g->listener = guest_take_fd(cmd, fdnum);
	if (g->listener < 0)
		return merr_set(e, -g->listener, "take the guest's seccomp listener: %s",
				strerror(-g->listener));
	g->cmd = cmd;
	return 0;
}
