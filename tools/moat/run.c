// SPDX-License-Identifier: MIT
/*
 * run.c - `moat run [--bundle DIR] ID`: run an OCI bundle in the foreground.
 *
 * The bundle's config.json is read by oci_load_extra() (sentry/oci.c), which
 * turns it into the same struct moat_spec that `moat do` builds from flags;
 * run_spec() then runs the sandbox and its status becomes ours.  Flags keep
 * runc's names so that scripts written for `runc run` work unchanged where
 * moat supports what they ask; what it does not support (a detached
 * container, a terminal) is refused with exit status 125, never ignored.
 *
 * The container's umask (process.user.umask) is set on this process before
 * the sandbox starts: the sentry, the gofer and the guest inherit it.
 *
 * --pid-file, as with runc, names a file that gets the host pid of the
 * container's init (the guest's pid 1) once it exists; the sentry writes it
 * (sandbox.c), and it is removed when the sandbox has ended.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "sentry/oci.h"
#include "tools/moat/moat.h"

static const char usage[] =
"usage: moat run [OPTIONS] ID\n"
"\n"
"Run the OCI bundle in DIR (default: the current directory) as the sandbox\n"
"named ID, in the foreground, and exit with its status.  DIR holds config.json\n"
"(runtime-spec 1.0 to 1.2) and the root file system it names.  Writes land in\n"
"the root file system, as with runc, unless root.readonly is true.\n"
"\n"
"ID is 1 to 64 characters of A-Z a-z 0-9 _ . - and starts with a letter or\n"
"digit.  The guest gets no capabilities, no_new_privs, moat's syscall filter\n"
"and its own namespaces whatever config.json says; a field moat cannot apply\n"
"safely is an error that names it (docs/config.md lists every field).\n"
"\n"
"options:\n"
"  -b, --bundle DIR        the bundle directory (default: .)\n"
"  --log-level LEVEL       error, warn (default), info or debug; info also\n"
"                          lists the config.json fields moat ignores\n"
"  --audit FILE            append one JSON line per denied or refused syscall\n"
"                          (and per DNS name, connection and HTTP request)\n"
"  --pid-file FILE         write the host pid of the container's init (its pid 1)\n"
"                          to FILE once it runs; FILE is removed at the end\n"
"  --platform=seccomp|ptrace\n"
"                          how system calls are served (see moat do --help)\n"
"  -d, --detach            not supported yet: moat run stays in the foreground\n"
"  -h, --help              show this help\n"
"  --network=sandbox       (default) a network whose only exit is moat's own\n"
"                          TCP/IP stack: nothing is reachable but what --allow\n"
"                          and --policy open; HTTP(S) judged per request\n"
"  --network=none          no network but loopback\n";
static const char usage_tail[] =
"\n"
"With process.terminal=true the container gets a terminal of its own, relayed\n"
"to moat run's stdin and stdout (in raw mode when stdin is a terminal).\n"
"Not supported yet: --detach, --console-socket.\n"
"Exit status: the guest's (128+N if killed by signal N);\n"
"125 moat or config.json failed, 126 cannot execute, 127 not found.\n";

enum { OPT_LOG = 256, OPT_AUDIT, OPT_PID_FILE, OPT_PLATFORM, OPT_CONSOLE_SOCKET };

static const struct option options[] = {
	{ "bundle", required_argument, NULL, 'b' },
	{ "log-level", required_argument, NULL, OPT_LOG },
	{ "audit", required_argument, NULL, OPT_AUDIT },
	{ "pid-file", required_argument, NULL, OPT_PID_FILE },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "detach", no_argument, NULL, 'd' },
	{ "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
	NET_LONG_OPTIONS,
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * The absolute path of --pid-file FILE, checked now so that a bad one is a
 * usage error, not a sandbox that fails once it has started.
 */
static char *pid_file_path(const char *file)
{
	char cwd[PATH_MAX], *path = NULL, *slash;
	struct stat st;
	int r;

	if (!file[0])
		usage_error("run", "--pid-file: give a file name");
	if (file[0] == '/')
		path = strdup(file);
	else if (!getcwd(cwd, sizeof(cwd)))
		usage_error("run", "--pid-file %s: the current directory: %s", file, strerror(errno));
	else if (asprintf(&path, "%s/%s", cwd, file) < 0)
		path = NULL;
	if (!path)
		die(MOAT_EXIT_FAILURE, "out of memory");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		usage_error("run", "--pid-file %s: is a directory; give a file name", file);
	slash = strrchr(path, '/');
	*slash = '\0';
	r = stat(path[0] ? path : "/", &st);
	*slash = '/';
	if (r < 0 || !S_ISDIR(st.st_mode))
		usage_error("run", "--pid-file %s: %s; the file's directory must exist", file,
			    r < 0 ? strerror(errno) : "not a directory");
	return path;
}

int cmd_run(int argc, char **argv)
{
	const char *bundle = ".", *audit = NULL;	/* opened once all is judged */
	struct moat_spec spec;
	struct oci_extra x;
	struct merr e = { 0 };
	struct net_opts net = { .verb = "run", .spec = &spec };
	int opt, status;

	spec_init(&spec);
	spec.net.sandbox = true;	/* the default here; --network=none turns it off */
	opterr = 0;	/* one line per error, ours */
	while ((opt = getopt_long(argc, argv, "+:b:dp:h", options, NULL)) != -1) {
		switch (opt) {
		case 'b':
			bundle = optarg;
			break;
		case OPT_LOG:
			opt_log_level(optarg);
			break;
		case OPT_AUDIT:
			audit = optarg;
			break;
		case OPT_PID_FILE:
			free(spec.pid_file);
			spec.pid_file = pid_file_path(optarg);
			break;
		case OPT_PLATFORM:
			opt_platform("run", &spec, optarg);
			break;
		case 'd':
			usage_error("run", "--detach is not supported yet: moat run runs the "
				    "container in the foreground; drop --detach");
		case OPT_CONSOLE_SOCKET:
			usage_error("run", "--console-socket is not supported yet: moat run relays "
				    "process.terminal's terminal to its own standard streams; "
				    "drop it");
		case 'h':
			print_usage(usage, usage_tail);
			spec_free(&spec);
			return 0;
		default:
			if (!net_option(&net, opt, optarg))
				usage_bad_option("run", options, opt, argv);
		}
	}
	if (optind >= argc)
		usage_error("run", "no container ID given");
	if (optind + 1 < argc)
		usage_error("run", "one container ID expected, got '%s' after '%s'",
			    argv[optind + 1], argv[optind]);
	if (!oci_valid_id(argv[optind]))
		usage_error("run", "'%s' is not a valid container ID: use 1 to 64 of A-Z a-z 0-9 "
			    "_ . - starting with a letter or digit", argv[optind]);

	if (oci_load_extra(bundle, &spec, &x, &e) < 0) {
		spec_free(&spec);
		die(MOAT_EXIT_FAILURE, "%s", e.msg);
	}
	net_options_done(&net);
	spec.id = strdup(argv[optind]);
	if (!spec.id)
		die(MOAT_EXIT_FAILURE, "out of memory");
	if (audit)
		spec.audit_fd = opt_audit(audit);
	if (x.has_umask)
		umask(x.umask);
	status = run_spec(&spec);
	spec_remove_pid_file(&spec);
	if (spec.audit_fd >= 0)
		close(spec.audit_fd);
	spec_free(&spec);
	return status;
}
