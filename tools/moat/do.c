// SPDX-License-Identifier: MIT
/*
 * do.c - `moat do [OPTIONS] -- CMD [ARG...]`: run a command in a sandbox whose
 * root is the host's /, read-only, under a copy-on-write overlay.
 */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "parse.h"
#include "tools/moat/moat.h"

/* Secret stores hidden unless --no-default-hide; docs/cli.md lists them. */
static const char *const default_hide[] = {
	"/root",
	"/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-",
	"/etc/security/opasswd", "/etc/ssh/*_key", "/etc/ssl/private",
	"/home/*/.ssh", "/home/*/.aws", "/home/*/.azure", "/home/*/.config/gcloud",
	"/home/*/.config/gh", "/home/*/.kube", "/home/*/.docker/config.json",
	"/home/*/.netrc", "/home/*/.git-credentials", "/home/*/.gnupg",
	"/home/*/.npmrc", "/home/*/.pypirc", "/home/*/.cargo/credentials",
	"/home/*/.cargo/credentials.toml", "/home/*/.password-store",
	"/home/*/.local/share/keyrings", "/home/*/.vault-token", "/home/*/.pgpass",
	"/home/*/.my.cnf", "/home/*/.terraform.d/credentials.tfrc.json",
	"/home/*/.m2/settings.xml", "/home/*/.gradle/gradle.properties",
	"/home/*/.gem/credentials", "/home/*/.config/rclone", "/home/*/.s3cfg",
	"/home/*/.boto", "/home/*/.config/doctl", "/home/*/.config/hub", "/home/*/.oci",
	"/home/*/.config/op", "/home/*/.config/containers/auth.json",
	"/home/*/.bash_history", "/home/*/.zsh_history", "/etc/kubernetes/admin.conf",
};

static const char usage[] =
"usage: moat do [OPTIONS] [--] CMD [ARG...]\n"
"\n"
"Run CMD in a fresh sandbox.  Its root is the host's /, read-only, under an\n"
"in-memory copy-on-write overlay: the guest can write anywhere it can see, and\n"
"nothing reaches the host; its changes vanish when it exits.  /tmp, /run and\n"
"/dev are fresh, and the usual secret stores are hidden (docs/cli.md).\n"
"\n"
"options:\n"
"  --network=none          no network but loopback (default)\n"
"  --network=sandbox       a network whose only exit is moat's own TCP/IP stack:\n"
"                          deny by default, HTTP(S) judged per request\n";
static const char usage_tail[] =
"  -v, --volume HOST:GUEST[:ro|:rw]\n"
"                          bind host path HOST at GUEST; writable unless :ro;\n"
"                          shown also inside a hidden directory\n"
"  --hide PATH             make PATH (globs allowed) appear absent\n"
"  --no-default-hide       do not hide the default secret stores\n"
"  --ro PATH               make PATH read-only inside (writes fail: EROFS)\n"
"  -e, --env K=V           set an environment variable (K alone: copy the host's)\n"
"  -w, --cwd DIR           working directory inside (default: /)\n"
"  -u, --user USER[:GROUP] run as this user (a name of the host's /etc/passwd or\n"
"                          a number up to 65535) and group (default: the user's\n"
"                          own): their ids on the host too when root runs moat,\n"
"                          else names for the one id mapped, the runner's\n"
"  --overlay=memory        keep changes in memory (default)\n"
"  --overlay=dir:PATH      keep the upper layer in host directory PATH\n"
"  --disk BYTES            size limit of the in-memory overlay (default 1G)\n"
"  --memory BYTES          memory limit (cgroup); e.g. 512M\n"
"  --pids N                limit on processes and threads (cgroup)\n"
"  --cpu-seconds N         CPU time limit of each process (RLIMIT_CPU), and of\n"
"                          all together when moat can make a cgroup (exit 152)\n"
"  --timeout SECONDS       stop the sandbox after this long; exit status 124\n"
"  -t, --tty               give the guest a terminal of its own, relayed to\n"
"                          moat's stdin and stdout (the default when both are\n"
"                          a terminal and moat runs in its foreground)\n"
"  --no-tty                never: the guest gets moat's standard streams\n"
"  --hostname NAME         host name inside (default: moat)\n"
"  --log-level LEVEL       error, warn (default), info or debug\n"
"  --audit FILE            append one JSON line per denied or refused syscall\n"
"                          (and per DNS name, connection and HTTP request)\n"
"  --platform=seccomp      serve system calls through seccomp user notification\n"
"                          (default; Linux 5.9 or later)\n"
"  --platform=ptrace       through a tracer instead: slower, for kernels without\n"
"                          user notification (docs/architecture.md)\n"
"  -h, --help              show this help\n"
"\n"
"The environment is not inherited: the guest gets PATH, TERM, LANG, LC_*, TZ,\n"
"HOME=/tmp and what --env adds (with --network=sandbox also the variables that\n"
"point TLS clients at the sandbox's trust store).  Exit status: the guest's\n"
"(128+N if killed by signal N); 124 timeout, 125 moat failed, 126 cannot\n"
"execute, 127 not found.\n";

enum {
	OPT_HIDE = 256, OPT_NO_DEFAULT_HIDE, OPT_RO, OPT_OVERLAY, OPT_DISK,
	OPT_MEMORY, OPT_PIDS, OPT_CPU, OPT_TIMEOUT, OPT_HOSTNAME, OPT_LOG, OPT_AUDIT,
	OPT_PLATFORM, OPT_NO_TTY,
};

static const struct option options[] = {
	{ "volume", required_argument, NULL, 'v' },
	{ "user", required_argument, NULL, 'u' },
	{ "hide", required_argument, NULL, OPT_HIDE },
	{ "no-default-hide", no_argument, NULL, OPT_NO_DEFAULT_HIDE },
	{ "ro", required_argument, NULL, OPT_RO },
	{ "env", required_argument, NULL, 'e' },
	{ "cwd", required_argument, NULL, 'w' },
	{ "overlay", required_argument, NULL, OPT_OVERLAY },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "pids", required_argument, NULL, OPT_PIDS },
	{ "cpu-seconds", required_argument, NULL, OPT_CPU },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "tty", no_argument, NULL, 't' },
	{ "no-tty", no_argument, NULL, OPT_NO_TTY },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "log-level", required_argument, NULL, OPT_LOG },
	{ "audit", required_argument, NULL, OPT_AUDIT },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	NET_LONG_OPTIONS,
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void must(int r)
{
	if (r < 0)
		die(MOAT_EXIT_FAILURE, "out of memory");
}

static uint64_t size_arg(const char *opt, const char *v)
{
	uint64_t n;

	if (parse_size(v, &n) < 0 || n == 0)
		usage_error("do", "%s %s: give a size in bytes, such as 512M or 2G", opt, v);
	return n;
}

/*
 * The most each count takes: pids.max refuses more than the kernel's
 * PID_MAX_LIMIT, and a number of seconds past 2^31 - 1 (68 years) would only
 * overflow a timer or RLIMIT_CPU into no limit at all.
 */
#define MAX_PIDS 4194304
#define MAX_SECONDS 2147483647

static uint64_t count_arg(const char *opt, const char *v, uint64_t max)
{
	uint64_t n;

	if (parse_u64(v, &n) < 0 || n == 0 || n > max)
		usage_error("do", "%s %s: give a whole number from 1 to %llu", opt, v,
			    (unsigned long long)max);
	return n;
}

static bool absolute(const char *p)
{
	return p[0] == '/';
}

/* Whether @path is @dir or lies under it (both plain, absolute). */
static bool within(const char *path, const char *dir)
{
	size_t n = strlen(dir), m = strlen(path);

	return m >= n && !memcmp(path, dir, n) && (m == n || path[n] == '/');
}

/* The sandbox's own fresh directories (docs/cli.md): nothing of the host's. */
static const char *const fresh[] = { "/tmp", "/run", "/dev" };

/* The fresh directory @path lies in, or NULL. */
static const char *in_fresh(const char *path)
{
	for (size_t i = 0; i < sizeof(fresh) / sizeof(fresh[0]); i++)
		if (within(path, fresh[i]))
			return fresh[i];
	return NULL;
}

/*
 * A path in the sandbox that --hide, --ro or --volume names: absolute, with
 * no "." or ".." (what it names must be plain to see), and not in what the
 * sandbox mounts afresh for itself (/proc, /sys, /dev/pts), where the
 * option could not take effect.  @arg is the option's argument, for messages.
 * Return: @out (PATH_MAX bytes), @path without repeated or trailing slashes
 * ("/" for the root).  Nothing is allocated: a usage error leaves no leak.
 */
static char *guest_path(const char *opt, const char *arg, const char *path, char *out)
{
	static const char *const own[] = { "/proc", "/sys", "/dev/pts" };
	char *o = out;

	if (strlen(path) + 2 > PATH_MAX)
		usage_error("do", "%s %s: the path is too long", opt, arg);
	memset(out, 0, PATH_MAX);
	if (!absolute(path))
		usage_error("do", "%s %s: the path must be absolute", opt, arg);
	for (const char *p = path; *p;) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			usage_error("do", "%s %s: write the path without . or .. in it", opt, arg);
		if (n) {
			*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (within(out, own[i]))
			usage_error("do", "%s %s: the sandbox mounts its own %s, which this cannot "
				    "change", opt, arg, own[i]);
	return out;
}

static void add_volume(struct moat_spec *s, const char *arg)
{
	char copy[2 * PATH_MAX + 8], *host, *guest, *mode;
	char real[PATH_MAX], plain[PATH_MAX];
	struct tree_mount *m;
	struct stat st;

	if (strlen(arg) >= sizeof(copy))
		usage_error("do", "--volume: the argument is too long");
	strcpy(copy, arg);
	host = copy;
	guest = strchr(copy, ':');
	if (!guest || guest == copy || !guest[1])
		usage_error("do", "--volume %s: expected HOST:GUEST[:ro|:rw]", arg);
	*guest++ = '\0';
	mode = strchr(guest, ':');
	if (mode) {
		*mode++ = '\0';
		if (strcmp(mode, "ro") && strcmp(mode, "rw"))
			usage_error("do", "--volume %s: the mode is ro or rw, not '%s'", arg, mode);
	}
	guest = guest_path("--volume", arg, guest, plain);
	if (!strcmp(guest, "/"))
		usage_error("do", "--volume %s: a volume cannot be the sandbox's root (moat run "
			    "takes a bundle's rootfs)", arg);
	if (stat(host, &st) < 0 || !realpath(host, real))
		die(MOAT_EXIT_FAILURE, "--volume %s: %s: %s", arg, host, strerror(errno));
	/* One volume a path.  The sandbox's root is the host's: what is at GUEST
	 * there (outside the fresh directories and other volumes) is what the
	 * volume goes over, and a directory takes a directory, a file a file. */
	{
		struct stat at;
		bool nested = in_fresh(guest) != NULL;

		for (size_t i = 0; i < s->tree.nmounts; i++) {
			if (s->tree.mounts[i].type != TM_BIND)
				continue;
			if (!strcmp(s->tree.mounts[i].dst, guest))
				usage_error("do", "--volume %s: %s has a volume already", arg, guest);
			nested |= within(guest, s->tree.mounts[i].dst);
		}
		if (!nested && stat(guest, &at) == 0 && S_ISDIR(at.st_mode) != S_ISDIR(st.st_mode))
			usage_error("do", "--volume %s: %s is %s directory, and %s is %s", arg, host,
				    S_ISDIR(st.st_mode) ? "a" : "not a", guest,
				    S_ISDIR(at.st_mode) ? "one" : "not");
	}
	m = realloc(s->tree.mounts, (s->tree.nmounts + 1) * sizeof(*m));
	if (!m)
		die(MOAT_EXIT_FAILURE, "out of memory");
	s->tree.mounts = m;
	m = &m[s->tree.nmounts++];
	memset(m, 0, sizeof(*m));
	m->type = TM_BIND;
	m->src = strdup(real);
	m->dst = strdup(guest);
	m->ro = mode && !strcmp(mode, "ro");
	if (!m->src || !m->dst)
		die(MOAT_EXIT_FAILURE, "out of memory");
}

/*
 * --overlay=dir:PATH: one sandbox at a time.  Two overlays sharing an upper
 * layer see each other's changes half-made (overlayfs leaves it undefined).
 * The lock is the directory's own (flock), held by this process and its
 * forks until the sandbox ends: the fd is never closed before exit.
 */
static void lock_upper(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		die(MOAT_EXIT_FAILURE, "--overlay=dir:%s: %s", dir, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		die(MOAT_EXIT_FAILURE, "--overlay=dir:%s: %s", dir, errno == EWOULDBLOCK ?
		    "another sandbox is using it (an upper layer serves one at a time)" :
		    strerror(errno));
}

static void add_guest_mount(struct moat_spec *s, enum tree_mount_type type, const char *dst)
{
	struct tree_mount *m = realloc(s->tree.mounts, (s->tree.nmounts + 1) * sizeof(*m));

	if (!m)
		die(MOAT_EXIT_FAILURE, "out of memory");
	s->tree.mounts = m;
	m = &m[s->tree.nmounts++];
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->dst = strdup(dst);
	if (!m->dst)
		die(MOAT_EXIT_FAILURE, "out of memory");
}

static void add_env(struct moat_spec *s, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *entry = NULL;
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);

	if (klen == 0)
		usage_error("do", "--env %s: expected K=V or K", kv);
	if (!eq) {
		const char *v = getenv(kv);

		if (!v)
			return;	/* not set on the host: nothing to copy */
		if (asprintf(&entry, "%s=%s", kv, v) < 0)
			die(MOAT_EXIT_FAILURE, "out of memory");
	} else {
		entry = strdup(kv);
	}
	/* A later value for the same key replaces an earlier one. */
	for (size_t i = 0; s->env && s->env[i]; i++) {
		if (!strncmp(s->env[i], entry, klen + 1)) {
			free(s->env[i]);
			s->env[i] = entry;
			return;
		}
	}
	must(spec_strv_add(&s->env, NULL, entry));
	free(entry);
}

/*
 * The entry of the host's /etc/passwd (with @gid) or /etc/group (@gid NULL)
 * named @name, or whose id is @num when @name is NULL.  The files are read
 * here: moat is static, and getpwnam() would load glibc's NSS modules.
 * Return: whether one was found; @id (and @gid) are set from it
 */
static bool id_entry(const char *file, const char *name, unsigned num, unsigned *id,
		     unsigned *gid)
{
	FILE *f = fopen(file, "re");
	char line[1024];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		char *fields[4] = { NULL }, *tok = line;
		uint64_t a, b = 0;
		size_t n = 0;

		/* name:password:id:gid:... (an empty field still counts) */
		line[strcspn(line, "\n")] = '\0';
		for (; n < 4 && tok; n++) {
			fields[n] = tok;
			tok = strchr(tok, ':');
			if (tok)
				*tok++ = '\0';
		}
		if (n < (gid ? 4u : 3u) || parse_u64(fields[2], &a) < 0 || a > UINT32_MAX ||
		    (gid && (parse_u64(fields[3], &b) < 0 || b > UINT32_MAX)))
			continue;
		if (name ? !strcmp(fields[0], name) : a == num) {
			*id = (unsigned)a;
			if (gid)
				*gid = (unsigned)b;
			found = true;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* --user USER[:GROUP]: numbers, or names of the host's /etc/passwd and /etc/group. */
static void opt_user(struct moat_spec *s, const char *arg)
{
	char user[256], *group;
	unsigned uid, gid;
	uint64_t n;

	if (snprintf(user, sizeof(user), "%s", arg) >= (int)sizeof(user))
		usage_error("do", "--user: the argument is too long");
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	if (!user[0] || (group && !group[0]))
		usage_error("do", "--user '%s': give a user name or number, with :GROUP if wanted",
			    arg);
	if (parse_u64(user, &n) == 0) {
		if (n > 65535)
			usage_error("do", "--user %s: give a number up to 65535", arg);
		uid = (unsigned)n;
		if (!id_entry("/etc/passwd", NULL, uid, &uid, &gid))
			gid = uid;	/* no entry: a group of the same number */
	} else if (!id_entry("/etc/passwd", user, 0, &uid, &gid)) {
		usage_error("do", "--user %s: no user %s in /etc/passwd; give its number", arg,
			    user);
	}
	if (group) {
		if (parse_u64(group, &n) == 0)
			gid = n <= UINT32_MAX ? (unsigned)n : 65536;
		else if (!id_entry("/etc/group", group, 0, &gid, NULL))
			usage_error("do", "--user %s: no group %s in /etc/group; give its number",
				    arg, group);
	}
	if (uid > 65535 || gid > 65535)
		usage_error("do", "--user %s: the user and group must be numbers up to 65535 "
			    "(the ids a sandbox maps)", arg);
	s->uid = uid;
	s->gid = gid;
}

static void default_env(struct moat_spec *s)
{
	extern char **environ;
	const char *path = getenv("PATH");
	char *entry = NULL;

	if (asprintf(&entry, "PATH=%s", path ? path :
		     "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0)
		die(MOAT_EXIT_FAILURE, "out of memory");
	must(spec_strv_add(&s->env, NULL, entry));
	free(entry);
	must(spec_strv_add(&s->env, NULL, "HOME=/tmp"));
	for (char **e = environ; *e; e++) {
		if (!strncmp(*e, "TERM=", 5) || !strncmp(*e, "LANG=", 5) ||
		    !strncmp(*e, "LC_", 3) || !strncmp(*e, "TZ=", 3))
			must(spec_strv_add(&s->env, NULL, *e));
	}
}

int cmd_do(int argc, char **argv)
{
	struct moat_spec spec;
	bool default_hides = true;
	const char *audit = NULL;	/* opened once the options are judged */
	struct net_opts net = { .verb = "do", .spec = &spec };
	int opt, status, tty = -1;	/* -1: a terminal's if moat has one */

	spec_init(&spec);
	spec.tree.rootfs = strdup("/");
	spec.tree.host_root = true;
	spec.tree.privileged = geteuid() == 0;
	default_env(&spec);
	opterr = 0;	/* one line per error, ours */
	while ((opt = getopt_long(argc, argv, "+:v:e:w:u:p:th", options, NULL)) != -1) {
		switch (opt) {
		case 'v':
			add_volume(&spec, optarg);
			break;
		case OPT_HIDE: {
			char plain[PATH_MAX], *p = guest_path("--hide", optarg, optarg, plain);
			const char *fresh_dir;

			if (!strcmp(p, "/"))
				usage_error("do", "--hide %s: the sandbox's root cannot be hidden",
					    optarg);
			fresh_dir = in_fresh(p);
			if (fresh_dir)
				usage_error("do", "--hide %s: the sandbox makes its own %s, fresh: "
					    "nothing of the host's is there to hide", optarg, fresh_dir);
			must(spec_strv_add(&spec.tree.hide, &spec.tree.nhide, p));
			break;
		}
		case OPT_NO_DEFAULT_HIDE:
			default_hides = false;
			break;
		case OPT_RO: {
			/* "/" too: the gofer makes the root itself read-only (tree.c) */
			char plain[PATH_MAX];

			must(spec_strv_add(&spec.tree.ro, &spec.tree.nro,
					   guest_path("--ro", optarg, optarg, plain)));
			break;
		}
		case 'e':
			add_env(&spec, optarg);
			break;
		case 'w':
			if (!absolute(optarg))
				usage_error("do", "--cwd %s: the directory must be absolute", optarg);
			free(spec.cwd);
			spec.cwd = strdup(optarg);
			break;
		case OPT_OVERLAY:
			if (!strcmp(optarg, "memory")) {
				spec.tree.layer = TREE_OVERLAY_MEMORY;
			} else if (!strncmp(optarg, "dir:", 4) && optarg[4]) {
				char real[PATH_MAX];

				if (!realpath(optarg + 4, real))
					die(MOAT_EXIT_FAILURE, "--overlay=%s: %s", optarg, strerror(errno));
				spec.tree.layer = TREE_OVERLAY_DIR;
				free((char *)spec.tree.upper_dir);
				spec.tree.upper_dir = strdup(real);
			} else {
				usage_error("do", "--overlay=%s: use memory or dir:PATH", optarg);
			}
			break;
		case OPT_DISK:
			spec.tree.disk_bytes = size_arg("--disk", optarg);
			break;
		case OPT_MEMORY:
			spec.memory_bytes = size_arg("--memory", optarg);
			break;
		case OPT_PIDS:
			spec.pids = count_arg("--pids", optarg, MAX_PIDS);
			break;
		case OPT_CPU:
			spec.cpu_seconds = count_arg("--cpu-seconds", optarg, MAX_SECONDS);
			break;
		case OPT_TIMEOUT:
			spec.timeout_sec = count_arg("--timeout", optarg, MAX_SECONDS);
			break;
		case 't':
		case OPT_NO_TTY:
			tty = opt == 't' ? 1 : 0;
			break;
		case 'u':
			opt_user(&spec, optarg);
			break;
		case OPT_HOSTNAME:
			/* as config.json's hostname: the kernel's limit, HOST_NAME_MAX */
			if (!optarg[0] || strlen(optarg) > 64)
				usage_error("do", "--hostname: give 1 to 64 characters");
			free(spec.hostname);
			spec.hostname = strdup(optarg);
			break;
		case OPT_LOG:
			opt_log_level(optarg);
			break;
		case OPT_AUDIT:
			audit = optarg;
			break;
		case OPT_PLATFORM:
			opt_platform("do", &spec, optarg);
			break;
		case 'h':
			print_usage(usage, usage_tail);
			spec_free(&spec);
			return 0;
		default:
			if (!net_option(&net, opt, optarg))
				usage_bad_option("do", options, opt, argv);
		}
	}
	if (optind >= argc)
		usage_error("do", "no command given");
	/*
	 * Another user's guest is built as moat run builds one (spec_own_ids()):
	 * run by root, in the gofer's user namespace, which maps the ids 0-65535
	 * to themselves; run by a user, the guest's ids are the runner's.
	 */
	if (spec.uid || spec.gid)
		spec.tree.privileged = false;
	net_options_done(&net);
	if (spec.tree.layer == TREE_OVERLAY_DIR && spec.tree.disk_bytes)
		usage_error("do", "--disk limits the in-memory overlay only; it cannot be "
			    "combined with --overlay=dir:PATH");
	if (spec.tree.layer == TREE_OVERLAY_DIR)
		lock_upper(spec.tree.upper_dir);
	if (audit)
		spec.audit_fd = opt_audit(audit);
	for (int i = optind; i < argc; i++)
		must(spec_strv_add(&spec.argv, NULL, argv[i]));
	/* A path both hidden and a volume's: which was meant cannot be guessed.
	 * (A default hide gives way: the volume is shown, docs/cli.md.) */
	for (size_t i = 0; i < spec.tree.nhide; i++)
		for (size_t k = 0; k < spec.tree.nmounts; k++)
			if (spec.tree.mounts[k].type == TM_BIND &&
			    !strcmp(spec.tree.mounts[k].dst, spec.tree.hide[i]))
				usage_error("do", "--hide %s: a --volume is mounted there; hide "
					    "what is inside it instead", spec.tree.hide[i]);
	if (default_hides)
		for (size_t i = 0; i < sizeof(default_hide) / sizeof(default_hide[0]); i++)
			must(spec_strv_add(&spec.tree.hide, &spec.tree.nhide, default_hide[i]));
	add_guest_mount(&spec, TM_PROC, "/proc");
	add_guest_mount(&spec, TM_DEVPTS, "/dev/pts");
	add_guest_mount(&spec, TM_SYSFS, "/sys");
	/* moat in the background would stop at its first look at the terminal */
	spec.tty = tty >= 0 ? tty : isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) &&
				     tcgetpgrp(STDIN_FILENO) == getpgrp();
	spec.id = new_sandbox_id("do");
	status = run_spec(&spec);
	if (spec.audit_fd >= 0)
		close(spec.audit_fd);
	spec_free(&spec);
	return status;
}
