// SPDX-License-Identifier: MIT
/*
 * Unit tests: reading an OCI bundle's config.json (sentry/oci.c).
 *
 * Each test writes config.json into a fresh bundle directory (a rootfs/ and a
 * data/ directory to bind) and calls oci_load_extra().  A full, valid config
 * must map to the expected spec fields; every malformed, truncated or
 * unsupported config must fail with the exact errno and a message that names
 * the field.  Table-driven: one row per case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sentry/oci.h"

static char bundle[PATH_MAX];
static char real_bundle[PATH_MAX];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	char path[PATH_MAX + 32];

	(void)state;
	snprintf(bundle, sizeof(bundle), "/tmp/moat-test-oci.XXXXXX");
	if (!mkdtemp(bundle))
		return -1;
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	if (mkdir(path, 0755) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/data", bundle);
	if (mkdir(path, 0755) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/afile", bundle);
	if (close(open(path, O_CREAT | O_WRONLY, 0644)) < 0)
		return -1;
	return realpath(bundle, real_bundle) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(bundle, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_config(const char *text, size_t len)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	unlink(path);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* Load @text as config.json; Return: 0 or -errno, with @e filled. */
static int load_text(const char *text, struct moat_spec *spec, struct oci_extra *x,
		     struct merr *e)
{
	write_config(text, strlen(text));
	spec_init(spec);
	memset(e, 0, sizeof(*e));
	return oci_load_extra(bundle, spec, x, e);
}

#define VER "\"ociVersion\": \"1.2.0\""
#define ROOT "\"root\": {\"path\": \"rootfs\"}"
#define PARGS "\"args\": [\"/bin/sh\"], \"cwd\": \"/\""
#define PROC "\"process\": {" PARGS "}"
/* A valid document with @extra members appended (each starting with ","). */
#define DOC(extra) "{" VER ", " ROOT ", " PROC extra "}"
/* A valid document whose process object holds PARGS and @extra. */
#define DOCP(extra) "{" VER ", " ROOT ", \"process\": {" PARGS extra "}}"
#define MOUNT(m) DOC(", \"mounts\": [" m "]")
#define LINUX(l) DOC(", \"linux\": {" l "}")

static const char good[] =
"{\n"
"  \"ociVersion\": \"1.0.2-dev\",\n"
"  \"process\": {\n"
"    \"terminal\": false,\n"
"    \"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 23, \"additionalGids\": [100]},\n"
"    \"args\": [\"sh\", \"-c\", \"echo hi\"],\n"
"    \"env\": [\"PATH=/bin:/usr/bin\", \"TERM=xterm\", \"EMPTY=\"],\n"
"    \"cwd\": \"/home//user/\",\n"
"    \"capabilities\": {\"bounding\": [\"CAP_KILL\"], \"effective\": [\"CAP_KILL\"]},\n"
"    \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 512, \"soft\": 256},\n"
"                {\"type\": \"RLIMIT_CORE\", \"hard\": 0, \"soft\": 0}],\n"
"    \"noNewPrivileges\": false,\n"
"    \"oomScoreAdj\": 100\n"
"  },\n"
"  \"root\": {\"path\": \"rootfs\", \"readonly\": false},\n"
"  \"hostname\": \"box\",\n"
"  \"domainname\": \"example\",\n"
"  \"mounts\": [\n"
"    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
"    {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
"     \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
"    {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
"     \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\", \"gid=5\"]},\n"
"    {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\",\n"
"     \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},\n"
"    {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
"     \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},\n"
"    {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\",\n"
"     \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]},\n"
"    {\"destination\": \"//data/\", \"type\": \"none\", \"source\": \"data\",\n"
"     \"options\": [\"rbind\", \"rprivate\", \"ro\"]},\n"
"    {\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"options\": [\"rw\", \"nodev\"]}\n"
"  ],\n"
"  \"linux\": {\n"
"    \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},\n"
"                   {\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"cgroup\"}],\n"
"    \"devices\": [{\"path\": \"/dev/null\", \"type\": \"c\", \"major\": 1, \"minor\": 3}],\n"
"    \"resources\": {\n"
"      \"devices\": [{\"allow\": false, \"access\": \"rwm\"}],\n"
"      \"memory\": {\"limit\": 67108864, \"swap\": 67108864},\n"
"      \"pids\": {\"limit\": 64},\n"
"      \"cpu\": {\"shares\": 1024}\n"
"    },\n"
"    \"maskedPaths\": [\"/proc/kcore\", \"/sys/firmware\", \"/etc/secret*\", \"/proc/scsi\",\n"
"                    \"/sys/firmware\", \"/etc/secret*\"],\n"
"    \"readonlyPaths\": [\"/proc/sys\", \"/etc\", \"/proc/bus/pci\", \"/etc\", \"/proc/kcore\"],\n"
"    \"sysctl\": {\"net.ipv4.ip_unprivileged_port_start\": \"0\"},\n"
"    \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\"},\n"
"    \"cgroupsPath\": \"/moat/x\",\n"
"    \"rootfsPropagation\": \"rprivate\"\n"
"  },\n"
"  \"annotations\": {\"org.example.key\": \"value\"},\n"
"  \"x-unknown-extension\": [1, 2, 3]\n"
"}\n";

static const struct tree_mount *find_mount(const struct moat_spec *s, const char *dst)
{
	for (size_t i = 0; i < s->tree.nmounts; i++)
		if (!strcmp(s->tree.mounts[i].dst, dst))
			return &s->tree.mounts[i];
	return NULL;
}

static void test_good_config(void **state)
{
	struct moat_spec s;
	struct oci_extra x;
	struct merr e;
	const struct tree_mount *m;
	char path[PATH_MAX + 32];

	(void)state;
	assert_int_equal(load_text(good, &s, &x, &e), 0);
	/* process */
	assert_string_equal(s.argv[0], "sh");
	assert_string_equal(s.argv[2], "echo hi");
	assert_null(s.argv[3]);
	assert_string_equal(s.env[0], "PATH=/bin:/usr/bin");
	assert_string_equal(s.env[2], "EMPTY=");
	assert_null(s.env[3]);
	assert_string_equal(s.cwd, "/home/user");
	assert_int_equal(s.uid, 1000);
	assert_int_equal(s.gid, 100);
	assert_true(x.has_umask);
	assert_int_equal(x.umask, 027);
	assert_int_equal(s.nrlimits, 2);
	assert_int_equal(s.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(s.rlimits[0].lim.rlim_cur, 256);
	assert_int_equal(s.rlimits[0].lim.rlim_max, 512);
	assert_int_equal(s.rlimits[1].resource, RLIMIT_CORE);
	assert_string_equal(s.hostname, "box");
	/* root: used directly, writable */
	snprintf(path, sizeof(path), "%s/rootfs", real_bundle);
	assert_string_equal(s.tree.rootfs, path);
	assert_int_equal(s.tree.layer, TREE_DIRECT);
	assert_false(s.tree.readonly);
	assert_false(s.tree.host_root);
	/* mounts: the cgroup one is skipped */
	assert_int_equal(s.tree.nmounts, 7);
	assert_null(find_mount(&s, "/sys/fs/cgroup"));
	m = find_mount(&s, "/proc");
	assert_non_null(m);
	assert_int_equal(m->type, TM_PROC);
	m = find_mount(&s, "/dev");
	assert_int_equal(m->type, TM_TMPFS);
	assert_int_equal(m->size, 65536 * 1024);
	assert_int_equal(m->mode, 0755);
	assert_false(m->ro);
	assert_int_equal(find_mount(&s, "/dev/pts")->type, TM_DEVPTS);
	assert_int_equal(find_mount(&s, "/dev/mqueue")->type, TM_MQUEUE);
	m = find_mount(&s, "/sys");
	assert_int_equal(m->type, TM_SYSFS);
	assert_true(m->ro);
	m = find_mount(&s, "/data");
	assert_non_null(m);
	assert_int_equal(m->type, TM_BIND);
	snprintf(path, sizeof(path), "%s/data", real_bundle);
	assert_string_equal(m->src, path);
	assert_true(m->ro);
	m = find_mount(&s, "/tmp");
	assert_int_equal(m->type, TM_TMPFS);
	assert_int_equal(m->size, 0);
	assert_int_equal(m->mode, 01777);	/* without mode=: the kernel's */
	assert_int_equal(m->attrs, MOUNT_ATTR_NODEV);
	assert_int_equal(find_mount(&s, "/dev")->attrs, MOUNT_ATTR_NOSUID);
	/* masked and read-only paths: procfs and sysfs ones go to the guest's init,
	 * each once, and none that moat's own defaults cover (/proc/kcore and
	 * /proc/scsi masked, /proc/sys read-only) */
	assert_int_equal(s.nproc_masked, 1);
	assert_string_equal(s.proc_masked[0], "/sys/firmware");
	assert_int_equal(s.tree.nhide, 1);
	assert_string_equal(s.tree.hide[0], "/etc/secret\\*");
	assert_int_equal(s.nproc_ro, 2);
	assert_string_equal(s.proc_ro[0], "/proc/bus/pci");
	assert_string_equal(s.proc_ro[1], "/proc/kcore");
	assert_int_equal(s.tree.nro, 1);
	assert_string_equal(s.tree.ro[0], "/etc");
	/* limits */
	assert_int_equal(s.memory_bytes, 67108864);
	assert_int_equal(s.pids, 64);
	spec_free(&s);
}

static void test_readonly_root(void **state)
{
	struct moat_spec s;
	struct oci_extra x;
	struct merr e;

	(void)state;
	assert_int_equal(load_text("{" VER ", \"root\": {\"path\": \"rootfs\", \"readonly\": true}, "
				   PROC "}", &s, &x, &e), 0);
	assert_true(s.tree.readonly);
	assert_int_equal(s.tree.layer, TREE_OVERLAY_MEMORY);
	assert_false(x.has_umask);
	/* no environment is an empty one */
	assert_non_null(s.env);
	assert_null(s.env[0]);
	assert_null(s.hostname);
	assert_int_equal(s.memory_bytes, 0);
	spec_free(&s);
}

/* noexec, nodev and nosuid become the mount's attributes; the last one given wins. */
static void test_mount_attrs(void **state)
{
	static const struct {
		const char *options;	/* the inside of the options array */
		unsigned attrs;
	} cases[] = {
		{ "", 0 },
		{ "\"noexec\"", MOUNT_ATTR_NOEXEC },
		{ "\"rnoexec\", \"rnodev\", \"rnosuid\"",
		  MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID },
		{ "\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"",
		  MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID },
		{ "\"noexec\", \"exec\"", 0 },
		{ "\"exec\", \"noexec\"", MOUNT_ATTR_NOEXEC },
		{ "\"nodev\", \"dev\", \"nosuid\", \"suid\"", 0 },
		{ "\"rw\", \"noatime\"", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int bind = 0; bind < 2; bind++) {
			const char *opts = cases[i].options;
			char doc[1024], entry[512];
			struct moat_spec s;
			struct merr e;

			if (bind && strstr(opts, "mode="))
				continue;	/* size= and mode= are for tmpfs only */
			if (bind)
				snprintf(entry, sizeof(entry), "{\"destination\": \"/a\", \"source\": "
					 "\"data\", \"options\": [\"rbind\"%s%s]}", opts[0] ? ", " : "",
					 opts);
			else
				snprintf(entry, sizeof(entry), "{\"destination\": \"/a\", \"type\": "
					 "\"tmpfs\", \"options\": [%s]}", opts);
			snprintf(doc, sizeof(doc), MOUNT("%s"), entry);
			if (load_text(doc, &s, NULL, &e) != 0)
				fail_msg("%s: %s", doc, e.msg);
			assert_int_equal(s.tree.nmounts, 1);
			assert_int_equal(s.tree.mounts[0].type, bind ? TM_BIND : TM_TMPFS);
			if (s.tree.mounts[0].attrs != cases[i].attrs)
				fail_msg("%s: attrs %#x, expected %#x", doc, s.tree.mounts[0].attrs,
					 cases[i].attrs);
			spec_free(&s);
		}
	}
}

/* A masked path inside a bind mount goes to the gofer, which resolves it in its tree. */
static void test_masked_in_bind(void **state)
{
	struct moat_spec s;
	struct merr e;

	(void)state;
	assert_int_equal(load_text(DOC(", \"mounts\": [{\"destination\": \"/data\", "
				       "\"source\": \"data\", \"options\": [\"rbind\"]}], \"linux\": "
				       "{\"maskedPaths\": [\"/data/secret\", \"/data//a*b/\"], "
				       "\"readonlyPaths\": [\"/data/ro\"]}"), &s, NULL, &e), 0);
	assert_int_equal(s.tree.nhide, 2);
	assert_string_equal(s.tree.hide[0], "/data/secret");
	assert_string_equal(s.tree.hide[1], "/data/a\\*b");
	assert_int_equal(s.tree.nro, 1);
	assert_string_equal(s.tree.ro[0], "/data/ro");
	assert_int_equal(s.nproc_masked, 0);
	spec_free(&s);
}

/* Limits given as "unlimited" in their several spellings. */
/* A terminal, and its size: relayed by the sentry (sentry/tty.h). */
static void test_terminal(void **state)
{
	struct moat_spec s;
	struct oci_extra x;
	struct merr e;

	(void)state;
	assert_int_equal(load_text(DOCP(", \"terminal\": true, \"consoleSize\": "
					"{\"height\": 33, \"width\": 120}"), &s, &x, &e), 0);
	assert_true(s.tty);
	assert_int_equal(s.tty_rows, 33);
	assert_int_equal(s.tty_cols, 120);
	spec_free(&s);
	assert_int_equal(load_text(DOCP(""), &s, &x, &e), 0);
	assert_false(s.tty);
	assert_int_equal(s.tty_rows, 0);
	spec_free(&s);
}

static void test_unlimited(void **state)
{
	static const char *const docs[] = {
		LINUX("\"resources\": {\"memory\": {\"limit\": -1}, \"pids\": {\"limit\": -1}}"),
		LINUX("\"resources\": {\"memory\": {\"limit\": 0}, \"pids\": {\"limit\": 0}}"),
		LINUX("\"resources\": {\"memory\": {\"limit\": 9223372036854775807}}"),
	};
	struct moat_spec s;
	struct merr e;

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		assert_int_equal(load_text(docs[i], &s, NULL, &e), 0);
		assert_int_equal(s.memory_bytes, 0);
		assert_int_equal(s.pids, 0);
		spec_free(&s);
	}
	assert_int_equal(load_text(DOCP(", \"rlimits\": [{\"type\": \"RLIMIT_CORE\", "
					"\"soft\": 18446744073709551615, \"hard\": 18446744073709551615}]"),
				   &s, NULL, &e), 0);
	assert_true(s.rlimits[0].lim.rlim_max == RLIM_INFINITY);
	spec_free(&s);
}

static const struct row {
	const char *name;
	const char *doc;
	int err;		/* expected errno, 0 = must load */
	const char *msg;	/* must appear in the message */
} rows[] = {
	/* syntax */
	{ "malformed", "{\"ociVersion\": \"1.2.0\",, }", EINVAL, "malformed JSON at line 1, column" },
	{ "malformed line 3", "{\n\"ociVersion\": \"1.2.0\"\n\"root\": {}}", EINVAL,
	  "malformed JSON at line 3" },
	{ "trailing garbage", DOC("") " x", EINVAL, "malformed JSON at line 1" },
	{ "mismatched brackets", "{\"ociVersion\": [1, 2}", EINVAL, "malformed JSON at line 1, "
	  "column" },
	{ "cut literal mid-document", "{\"ociVersion\": tru, \"root\": {", EINVAL,
	  "malformed JSON at line 1" },
	{ "top level array", "[]", EINVAL, "the top level must be a JSON object" },
	{ "empty file", "", EINVAL, "truncated JSON" },
	{ "duplicate key", "{" VER ", " VER ", " ROOT ", " PROC "}", EINVAL,
	  "the key \"ociVersion\" appears twice" },
	{ "nested duplicate key", "{" VER ", " ROOT ", \"process\": {" PARGS ", \"cwd\": \"/x\"}}",
	  EINVAL, "the key \"cwd\" appears twice" },
	{ "nul escape", "{" VER ", " ROOT ", \"process\": {\"args\": [\"/bin/sh\\u0000x\"], "
	  "\"cwd\": \"/\"}}", EINVAL, "\\u0000 in a string at line 1" },
	{ "escaped backslash is not nul", "{" VER ", " ROOT ", \"process\": {\"args\": "
	  "[\"/bin/sh\\\\u0000x\"], \"cwd\": \"/\"}}", 0, NULL },
	/* ociVersion */
	{ "no version", "{" ROOT ", " PROC "}", EINVAL, "ociVersion: missing" },
	{ "version 2", "{\"ociVersion\": \"2.0.0\", " ROOT ", " PROC "}", ENOTSUP,
	  "ociVersion \"2.0.0\": moat reads runtime-spec 1.0.x to 1.2.x" },
	{ "version 1.3", "{\"ociVersion\": \"1.3.0\", " ROOT ", " PROC "}", ENOTSUP,
	  "ociVersion \"1.3.0\"" },
	{ "version junk", "{\"ociVersion\": \"one\", " ROOT ", " PROC "}", EINVAL,
	  "ociVersion \"one\": not a version" },
	{ "version number", "{\"ociVersion\": 1, " ROOT ", " PROC "}", EINVAL,
	  "ociVersion: expected a string, found a number" },
	{ "version with a sign", "{\"ociVersion\": \"1.+2.0\", " ROOT ", " PROC "}", EINVAL,
	  "ociVersion \"1.+2.0\": not a version" },
	{ "version negative", "{\"ociVersion\": \"1. 2.-0\", " ROOT ", " PROC "}", EINVAL,
	  "ociVersion \"1. 2.-0\": not a version" },
	{ "version 1.0.0", "{\"ociVersion\": \"1.0.0\", " ROOT ", " PROC "}", 0, NULL },
	{ "version with build", "{\"ociVersion\": \"1.2.1+dev\", " ROOT ", " PROC "}", 0, NULL },
	/* root */
	{ "no root", "{" VER ", " PROC "}", EINVAL, "root: missing" },
	{ "no root path", "{" VER ", \"root\": {}, " PROC "}", EINVAL, "root.path: missing" },
	{ "missing rootfs", "{" VER ", \"root\": {\"path\": \"nope\"}, " PROC "}", ENOENT,
	  "root.path \"nope\": " },
	{ "rootfs is a file", "{" VER ", \"root\": {\"path\": \"afile\"}, " PROC "}", ENOTDIR,
	  "root.path \"afile\": " },
	{ "rootfs is the host root", "{" VER ", \"root\": {\"path\": \"/\"}, " PROC "}", ENOTSUP,
	  "use moat do" },
	{ "readonly not bool", "{" VER ", \"root\": {\"path\": \"rootfs\", \"readonly\": 1}, "
	  PROC "}", EINVAL, "root.readonly: expected true or false, found a number" },
	/* process */
	{ "no process", "{" VER ", " ROOT "}", EINVAL, "process: missing" },
	{ "no args", "{" VER ", " ROOT ", \"process\": {\"cwd\": \"/\"}}", EINVAL,
	  "process.args: missing" },
	{ "empty args", "{" VER ", " ROOT ", \"process\": {\"args\": [], \"cwd\": \"/\"}}", EINVAL,
	  "process.args: empty" },
	{ "args not strings", "{" VER ", " ROOT ", \"process\": {\"args\": [1], \"cwd\": \"/\"}}",
	  EINVAL, "process.args[0]: expected a string, found a number" },
	{ "no cwd", "{" VER ", " ROOT ", \"process\": {\"args\": [\"sh\"]}}", EINVAL,
	  "process.cwd: missing" },
	{ "relative cwd", "{" VER ", " ROOT ", \"process\": {\"args\": [\"sh\"], \"cwd\": \"tmp\"}}",
	  EINVAL, "process.cwd \"tmp\": must be an absolute path" },
	{ "terminal false", DOCP(", \"terminal\": false"), 0, NULL },
	{ "terminal not bool", DOCP(", \"terminal\": \"yes\""), EINVAL,
	  "process.terminal: expected true or false, found a string" },
	{ "console size not object", DOCP(", \"consoleSize\": [24, 80]"), EINVAL,
	  "process.consoleSize: expected an object, found an array" },
	{ "console height too big", DOCP(", \"consoleSize\": {\"height\": 65536}"), EINVAL,
	  "process.consoleSize.height: must be at most 65535" },
	{ "console width negative", DOCP(", \"consoleSize\": {\"width\": -1}"), EINVAL,
	  "process.consoleSize.width: -1: must not be negative" },
	{ "env without =", DOCP(", \"env\": [\"A=1\", \"FOO\"]"), EINVAL,
	  "process.env[1] \"FOO\": expected KEY=VALUE" },
	{ "negative uid", DOCP(", \"user\": {\"uid\": -1}"), EINVAL,
	  "process.user.uid: -1: must not be negative" },
	{ "fractional gid", DOCP(", \"user\": {\"gid\": 1.5}"), EINVAL,
	  "process.user.gid: 1.5: must be a whole number" },
	{ "uid as string", DOCP(", \"user\": {\"uid\": \"0\"}"), EINVAL,
	  "process.user.uid: expected a number, found a string" },
	{ "uid too big", DOCP(", \"user\": {\"uid\": 4294967295}"), EINVAL,
	  "process.user.uid: must be at most 4294967294" },
	{ "additional gids", DOCP(", \"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [0, 5]}"),
	  ENOTSUP, "process.user.additionalGids[1]: 5: moat maps exactly one group" },
	{ "umask too big", DOCP(", \"user\": {\"umask\": 512}"), EINVAL,
	  "process.user.umask: must be at most 511" },
	{ "unknown rlimit", DOCP(", \"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]"),
	  EINVAL, "process.rlimits[0].type \"RLIMIT_FOO\": not a resource limit" },
	{ "rlimit soft above hard", DOCP(", \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 2, "
	  "\"hard\": 1}]"), EINVAL, "process.rlimits[0] (RLIMIT_CORE): the soft limit is above" },
	{ "rlimit twice", DOCP(", \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 0}, "
	  "{\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 0}]"), EINVAL,
	  "process.rlimits[1].type \"RLIMIT_CORE\": given twice" },
	{ "rlimit without hard", DOCP(", \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 0}]"),
	  EINVAL, "process.rlimits[0] (RLIMIT_CORE): needs both" },
	{ "rlimit above moat's", DOCP(", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, "
	  "\"hard\": 18446744073709551615}]"), EINVAL,
	  "process.rlimits[0] (RLIMIT_NOFILE): the hard limit is above moat's own" },
	{ "apparmor", DOCP(", \"apparmorProfile\": \"docker-default\""), ENOTSUP,
	  "process.apparmorProfile \"docker-default\": moat does not apply AppArmor" },
	{ "selinux", DOCP(", \"selinuxLabel\": \"system_u\""), ENOTSUP, "process.selinuxLabel" },
	{ "capabilities bad", DOCP(", \"capabilities\": {\"bounding\": \"CAP_KILL\"}"), EINVAL,
	  "process.capabilities.bounding: expected an array" },
	{ "capabilities dropped", DOCP(", \"capabilities\": {\"bounding\": [\"CAP_SYS_ADMIN\"], "
	  "\"ambient\": [\"CAP_NET_RAW\"]}"), 0, NULL },
	{ "no new privileges false", DOCP(", \"noNewPrivileges\": false"), 0, NULL },
	{ "oom score out of range", DOCP(", \"oomScoreAdj\": 5000"), EINVAL,
	  "process.oomScoreAdj: 5000 is outside" },
	{ "null values", DOCP(", \"env\": null, \"user\": null, \"rlimits\": null"), 0, NULL },
	/* hostname */
	{ "hostname too long", DOC(", \"hostname\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaa\""), EINVAL, "hostname: longer than 64" },
	{ "hostname number", DOC(", \"hostname\": 7"), EINVAL, "hostname: expected a string" },
	/* mounts */
	{ "mounts not array", DOC(", \"mounts\": {}"), EINVAL, "mounts: expected an array" },
	{ "nfs at index 3", MOUNT("{\"destination\": \"/a\", \"type\": \"tmpfs\"}, "
	  "{\"destination\": \"/b\", \"type\": \"tmpfs\"}, {\"destination\": \"/c\", \"type\": \"tmpfs\"}, "
	  "{\"destination\": \"/d\", \"type\": \"nfs\", \"source\": \"server:/x\"}"), ENOTSUP,
	  "mounts[3].type \"nfs\": not supported" },
	{ "no type", MOUNT("{\"destination\": \"/a\"}"), EINVAL, "mounts[0].type: missing" },
	{ "no destination", MOUNT("{\"type\": \"tmpfs\"}"), EINVAL, "mounts[0].destination: missing" },
	{ "relative destination", MOUNT("{\"destination\": \"a\", \"type\": \"tmpfs\"}"), EINVAL,
	  "mounts[0].destination \"a\": must be an absolute path" },
	{ "dotdot destination", MOUNT("{\"destination\": \"/a/../../etc\", \"type\": \"tmpfs\"}"),
	  EINVAL, "mounts[0].destination \"/a/../../etc\"" },
	{ "root destination", MOUNT("{\"destination\": \"/\", \"type\": \"tmpfs\"}"), EINVAL,
	  "mounts[0].destination \"/\"" },
	{ "bind source missing", MOUNT("{\"destination\": \"/a\", \"type\": \"bind\", "
	  "\"source\": \"nope\", \"options\": [\"rbind\"]}"), ENOENT, "mounts[0].source \"nope\": " },
	{ "bind without source", MOUNT("{\"destination\": \"/a\", \"options\": [\"rbind\"]}"),
	  EINVAL, "mounts[0].source: missing" },
	{ "unknown option", MOUNT("{\"destination\": \"/a\", \"type\": \"tmpfs\", "
	  "\"options\": [\"rw\", \"bogus\"]}"), EINVAL, "mounts[0].options[1] \"bogus\": unknown" },
	{ "tmpfs noexec", MOUNT("{\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", "
	  "\"options\": [\"nosuid\", \"noexec\"]}"), 0, NULL },
	{ "bind nodev noexec", MOUNT("{\"destination\": \"/a\", \"source\": \"data\", "
	  "\"options\": [\"rbind\", \"nodev\", \"noexec\"]}"), 0, NULL },
	{ "bad attribute option", MOUNT("{\"destination\": \"/a\", \"type\": \"tmpfs\", "
	  "\"options\": [\"noexecute\"]}"), EINVAL,
	  "mounts[0].options[0] \"noexecute\": unknown mount option" },
	{ "bind over the host's proc", MOUNT("{\"destination\": \"/host\", \"type\": \"bind\", "
	  "\"source\": \"/\", \"options\": [\"bind\"]}"), ENOTSUP,
	  "mounts[0].source \"/\": the host's proc file system is mounted below it, at /proc" },
	{ "bind plain dir", MOUNT("{\"destination\": \"/a\", \"type\": \"bind\", "
	  "\"source\": \"data\", \"options\": [\"bind\", \"ro\"]}"), 0, NULL },
	{ "bind host proc", MOUNT("{\"destination\": \"/hp\", \"type\": \"bind\", "
	  "\"source\": \"/proc/self\", \"options\": [\"rbind\"]}"), ENOTSUP,
	  "mounts[0].source \"/proc/self\": binding the host's proc" },
	{ "rbind over the host's proc", MOUNT("{\"destination\": \"/host\", \"type\": \"bind\", "
	  "\"source\": \"/\", \"options\": [\"rbind\"]}"), ENOTSUP,
	  "mounts[0].source \"/\": the host's proc file system is mounted below it, at /proc" },
	{ "bind a device", MOUNT("{\"destination\": \"/null\", \"type\": \"bind\", "
	  "\"source\": \"/dev/null\", \"options\": [\"rbind\"]}"), ENOTSUP,
	  "mounts[0].source \"/dev/null\": moat does not bind host devices" },
	{ "idmap", MOUNT("{\"destination\": \"/a\", \"source\": \"data\", "
	  "\"options\": [\"rbind\", \"idmap\"]}"), ENOTSUP, "mounts[0].options[1] \"idmap\"" },
	{ "mount uid mappings", MOUNT("{\"destination\": \"/a\", \"type\": \"tmpfs\", "
	  "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}"), ENOTSUP,
	  "mounts[0].uidMappings" },
	{ "tmpfs bad size", MOUNT("{\"destination\": \"/a\", \"type\": \"tmpfs\", "
	  "\"options\": [\"size=lots\"]}"), EINVAL, "mounts[0].options[0] \"size=lots\"" },
	{ "tmpfs bad mode", MOUNT("{\"destination\": \"/a\", \"type\": \"tmpfs\", "
	  "\"options\": [\"mode=999\"]}"), EINVAL, "mounts[0].options[0] \"mode=999\"" },
	{ "tmpfs uid", MOUNT("{\"destination\": \"/a\", \"type\": \"tmpfs\", "
	  "\"options\": [\"uid=5\"]}"), ENOTSUP, "mounts[0].options[0] \"uid=5\"" },
	{ "proc elsewhere", MOUNT("{\"destination\": \"/myproc\", \"type\": \"proc\"}"), ENOTSUP,
	  "mounts[0].destination \"/myproc\": moat mounts proc only at /proc" },
	{ "proc twice", MOUNT("{\"destination\": \"/proc\", \"type\": \"proc\"}, "
	  "{\"destination\": \"/proc\", \"type\": \"proc\"}"), EINVAL,
	  "mounts[1].destination \"/proc\": mounted twice" },
	{ "tmpfs in proc", MOUNT("{\"destination\": \"/proc/x\", \"type\": \"tmpfs\"}"), ENOTSUP,
	  "mounts[0].destination \"/proc/x\"" },
	{ "proc hidepid", MOUNT("{\"destination\": \"/proc\", \"type\": \"proc\", "
	  "\"options\": [\"hidepid=2\"]}"), ENOTSUP, "mounts[0].options[0] \"hidepid=2\"" },
	{ "tmpfs under devpts", MOUNT("{\"destination\": \"/dev/pts\", \"type\": \"devpts\"}, "
	  "{\"destination\": \"/dev/pts/x\", \"type\": \"tmpfs\"}"), ENOTSUP,
	  "\"/dev/pts/x\" is inside the devpts mount" },
	{ "options not strings", MOUNT("{\"destination\": \"/a\", \"type\": \"tmpfs\", "
	  "\"options\": [1]}"), EINVAL, "mounts[0].options[0]: expected a string" },
	/* linux */
	{ "join a namespace", LINUX("\"namespaces\": [{\"type\": \"network\", "
	  "\"path\": \"/var/run/netns/x\"}]"), ENOTSUP,
	  "linux.namespaces[0].path: moat cannot join an existing network namespace" },
	{ "namespace twice", LINUX("\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]"),
	  EINVAL, "linux.namespaces[1].type \"pid\": listed twice" },
	{ "unknown namespace", LINUX("\"namespaces\": [{\"type\": \"pids\"}]"), EINVAL,
	  "linux.namespaces[0].type \"pids\": not a namespace type" },
	{ "namespace type not a string", LINUX("\"namespaces\": [{\"type\": 1}]"), EINVAL,
	  "linux.namespaces[0].type: expected a string, found a number" },
	{ "foreign uid mapping", LINUX("\"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, "
	  "\"size\": 65536}]"), ENOTSUP, "linux.uidMappings: moat maps the process's uid (0) to the user running moat" },
	{ "uid mapped twice, ours last", LINUX("\"uidMappings\": [{\"containerID\": 0, \"hostID\": 5, "
	  "\"size\": 1}, {\"containerID\": 0, \"hostID\": 0, \"size\": 1}]"), EINVAL,
	  "linux.uidMappings[1]: a second entry maps the process's uid (0)" },
	{ "gid mapped twice, ours first", LINUX("\"gidMappings\": [{\"containerID\": 0, \"hostID\": 0, "
	  "\"size\": 1}, {\"containerID\": 0, \"hostID\": 5, \"size\": 10}]"), EINVAL,
	  "linux.gidMappings[1]: a second entry maps the process's gid (0)" },
	{ "extra device", LINUX("\"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", "
	  "\"major\": 10, \"minor\": 229}]"), ENOTSUP,
	  "linux.devices[0] \"/dev/fuse\": moat provides only the default devices" },
	{ "cpu quota", LINUX("\"resources\": {\"cpu\": {\"quota\": 50000, \"period\": 100000}}"),
	  ENOTSUP, "linux.resources.cpu.quota: CPU quotas are not supported" },
	{ "cpuset", LINUX("\"resources\": {\"cpu\": {\"cpus\": \"0-1\"}}"), ENOTSUP,
	  "linux.resources.cpu.cpus" },
	{ "memory below -1", LINUX("\"resources\": {\"memory\": {\"limit\": -2}}"), EINVAL,
	  "linux.resources.memory.limit: -2" },
	{ "memory as string", LINUX("\"resources\": {\"memory\": {\"limit\": \"1G\"}}"), EINVAL,
	  "linux.resources.memory.limit: expected a number, found a string" },
	{ "pids as string", LINUX("\"resources\": {\"pids\": {\"limit\": \"x\"}}"), EINVAL,
	  "linux.resources.pids.limit: expected a number" },
	{ "unified", LINUX("\"resources\": {\"unified\": {\"io.max\": \"8:0 rbps=1\"}}"), ENOTSUP,
	  "linux.resources.unified" },
	{ "io throttle", LINUX("\"resources\": {\"blockIO\": {\"throttleReadBpsDevice\": "
	  "[{\"major\": 8, \"minor\": 0, \"rate\": 1}]}}"), ENOTSUP,
	  "linux.resources.blockIO.throttleReadBpsDevice" },
	{ "hugepages", LINUX("\"resources\": {\"hugepageLimits\": [{\"pageSize\": \"2MB\", "
	  "\"limit\": 1}]}"), ENOTSUP, "linux.resources.hugepageLimits" },
	{ "device rule malformed", LINUX("\"resources\": {\"devices\": [{\"allow\": true, "
	  "\"access\": \"rwx\"}]}"), EINVAL, "linux.resources.devices[0].access" },
	{ "seccomp profile", LINUX("\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", "
	  "\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}"), ENOTSUP,
	  "linux.seccomp: moat cannot load a seccomp profile" },
	{ "sysctl", LINUX("\"sysctl\": {\"net.core.somaxconn\": \"256\"}"), ENOTSUP,
	  "linux.sysctl \"net.core.somaxconn\"" },
	{ "masked relative", LINUX("\"maskedPaths\": [\"proc/kcore\"]"), EINVAL,
	  "linux.maskedPaths[0] \"proc/kcore\": must be an absolute path" },
	{ "readonly root path", LINUX("\"readonlyPaths\": [\"/\"]"), EINVAL, "linux.readonlyPaths[0]" },
	{ "masked /proc/net", LINUX("\"maskedPaths\": [\"/proc/kcore\", \"/proc/net\"]"), ENOTSUP,
	  "linux.maskedPaths[1] \"/proc/net\": a path of one process" },
	{ "masked /proc/self file", LINUX("\"maskedPaths\": [\"/proc//self/environ\"]"), ENOTSUP,
	  "linux.maskedPaths[0] \"/proc//self/environ\": a path of one process" },
	{ "read-only /proc/thread-self", LINUX("\"readonlyPaths\": [\"/proc/thread-self/attr\"]"),
	  ENOTSUP, "moat cannot make read-only for every process" },
	{ "masked /proc/mounts", LINUX("\"maskedPaths\": [\"/proc/mounts\"]"), ENOTSUP,
	  "linux.maskedPaths[0] \"/proc/mounts\"" },
	{ "masked /proc/1", LINUX("\"maskedPaths\": [\"/proc/1/cmdline\"]"), ENOTSUP,
	  "linux.maskedPaths[0] \"/proc/1/cmdline\"" },
	{ "masked /proc/<pid> dir", LINUX("\"readonlyPaths\": [\"/proc/42\"]"), ENOTSUP,
	  "linux.readonlyPaths[0] \"/proc/42\"" },
	{ "masked /proc names like a pid's", LINUX("\"maskedPaths\": [\"/proc/1x\", \"/proc/netx\", "
	  "\"/proc/selfish\", \"/proc/sys/net\"]"), 0, NULL },
	{ "masked in a bind", DOC(", \"mounts\": [{\"destination\": \"/data\", \"source\": \"data\", "
	  "\"options\": [\"rbind\"]}], \"linux\": {\"maskedPaths\": [\"/data/secret\"]}"), 0, NULL },
	{ "masked sysfs without proc", DOC(", \"mounts\": [{\"destination\": \"/sys\", "
	  "\"type\": \"sysfs\"}], \"linux\": {\"maskedPaths\": [\"/sys/firmware\"]}"), 0, NULL },
	{ "personality", LINUX("\"personality\": {\"domain\": \"LINUX32\"}"), ENOTSUP,
	  "linux.personality" },
	{ "mount label", LINUX("\"mountLabel\": \"system_u:object_r\""), ENOTSUP, "linux.mountLabel" },
	{ "time offsets", LINUX("\"timeOffsets\": {\"monotonic\": {\"secs\": 1}}"), ENOTSUP,
	  "linux.timeOffsets" },
	{ "intel rdt", LINUX("\"intelRdt\": {\"closID\": \"x\"}"), ENOTSUP, "linux.intelRdt" },
	{ "linux not object", DOC(", \"linux\": []"), EINVAL, "linux: expected an object" },
	/* ignored fields are checked for form all the same */
	{ "tmpfs source not a string", MOUNT("{\"destination\": \"/a\", \"type\": \"tmpfs\", "
	  "\"source\": 5}"), EINVAL, "mounts[0].source: expected a string, found a number" },
	{ "namespace path not a string", LINUX("\"namespaces\": [{\"type\": \"pid\", \"path\": 5}]"),
	  EINVAL, "linux.namespaces[0].path: expected a string, found a number" },
	{ "sysctl value not a string", LINUX("\"sysctl\": {\"net.ipv4.ping_group_range\": 5}"),
	  EINVAL, "linux.sysctl.net.ipv4.ping_group_range: expected a string, found a number" },
	{ "device fileMode not a number", LINUX("\"devices\": [{\"path\": \"/dev/null\", "
	  "\"type\": \"c\", \"major\": 1, \"minor\": 3, \"fileMode\": \"0666\"}]"), EINVAL,
	  "linux.devices[0].fileMode: expected a number, found a string" },
	{ "device with its mode and owner", LINUX("\"devices\": [{\"path\": \"/dev/null\", "
	  "\"type\": \"c\", \"major\": 1, \"minor\": 3, \"fileMode\": 438, \"uid\": 0, "
	  "\"gid\": 0}]"), 0, NULL },
	{ "blkio weight not a number", LINUX("\"resources\": {\"blockIO\": {\"weight\": \"x\"}}"),
	  EINVAL, "linux.resources.blockIO.weight: expected a number, found a string" },
	{ "blkio weight", LINUX("\"resources\": {\"blockIO\": {\"weight\": 500, "
	  "\"weightDevice\": []}}"), 0, NULL },
	{ "network resources not an object", LINUX("\"resources\": {\"network\": 5}"), EINVAL,
	  "linux.resources.network: expected an object, found a number" },
	{ "rdma not an object", LINUX("\"resources\": {\"rdma\": []}"), EINVAL,
	  "linux.resources.rdma: expected an object, found an array" },
	{ "hugepages not an array", LINUX("\"resources\": {\"hugepageLimits\": 5}"), EINVAL,
	  "linux.resources.hugepageLimits: expected an array, found a number" },
	{ "cpu shares not a number", LINUX("\"resources\": {\"cpu\": {\"shares\": \"1024\"}}"),
	  EINVAL, "linux.resources.cpu.shares: expected a number, found a string" },
	{ "cpus not a string", LINUX("\"resources\": {\"cpu\": {\"cpus\": 0}}"), EINVAL,
	  "linux.resources.cpu.cpus: expected a string, found a number" },
	{ "cpu weights", LINUX("\"resources\": {\"cpu\": {\"shares\": 1024, \"period\": 100000, "
	  "\"quota\": -1, \"cpus\": \"\", \"mems\": \"\"}}"), 0, NULL },
	{ "disableOOMKiller not a bool", LINUX("\"resources\": {\"memory\": "
	  "{\"disableOOMKiller\": 1}}"), EINVAL,
	  "linux.resources.memory.disableOOMKiller: expected true or false, found a number" },
	{ "seccomp action not a string", LINUX("\"seccomp\": {\"defaultAction\": 0}"), EINVAL,
	  "linux.seccomp.defaultAction: expected a string, found a number" },
	{ "username not a string", DOCP(", \"user\": {\"username\": 5}"), EINVAL,
	  "process.user.username: expected a string, found a number" },
	{ "commandLine not a string", DOCP(", \"commandLine\": [\"sh\"]"), EINVAL,
	  "process.commandLine: expected a string, found an array" },
	/* the rest */
	{ "hooks", DOC(", \"hooks\": {\"prestart\": [{\"path\": \"/bin/true\"}]}"), ENOTSUP,
	  "hooks.prestart: moat does not run OCI hooks" },
	{ "empty hooks", DOC(", \"hooks\": {\"prestart\": []}"), 0, NULL },
	{ "hooks not array", DOC(", \"hooks\": {\"poststop\": {}}"), EINVAL,
	  "hooks.poststop: expected an array" },
	{ "windows section", DOC(", \"windows\": {}"), ENOTSUP, "windows: this section is for "
	  "another platform" },
	{ "annotations", DOC(", \"annotations\": {\"a\": \"b\"}"), 0, NULL },
	{ "annotations not object", DOC(", \"annotations\": [\"a=b\"]"), EINVAL,
	  "annotations: expected an object, found an array" },
	{ "annotation not string", DOC(", \"annotations\": {\"a\": \"b\", \"n\": 1}"), EINVAL,
	  "annotations.n: expected a string, found a number" },
};

/* One row: load its document, compare the outcome. */
static void test_row(void **state)
{
	const struct row *r = *state;
	char prefix[PATH_MAX + 32];
	struct oci_extra x;
	struct moat_spec s;
	struct merr e;
	int rc;

	snprintf(prefix, sizeof(prefix), "%s/config.json: ", real_bundle);
	rc = load_text(r->doc, &s, &x, &e);
	spec_free(&s);
	if (rc != -r->err)
		fail_msg("%s: expected %d (%s), got %d: %s", r->name, -r->err, strerror(r->err), rc,
			 e.msg);
	if (!r->err)
		return;
	assert_int_equal(e.errnum, r->err);
	if (strncmp(e.msg, prefix, strlen(prefix)) || !strstr(e.msg, r->msg))
		fail_msg("%s: message \"%s\" does not hold \"%s\"", r->name, e.msg, r->msg);
	if (strchr(e.msg, '\n'))
		fail_msg("%s: message is more than one line: %s", r->name, e.msg);
}

/* Every proper prefix of a valid config is reported as truncated. */
static void test_truncated(void **state)
{
	size_t len = strlen(good);

	(void)state;
	/* the last byte is the final newline, and the one before closes the document */
	for (size_t n = 0; n + 2 < len; n++) {
		struct moat_spec s;
		struct merr e = { 0 };
		int rc;

		write_config(good, n);
		spec_init(&s);
		rc = oci_load_extra(bundle, &s, NULL, &e);
		if (rc != -EINVAL || !strstr(e.msg, "truncated JSON"))
			fail_msg("prefix of %zu bytes: got %d: %s", n, rc, e.msg);
		spec_free(&s);
	}
}

/* oci_load() has nobody to hand the umask to: it refuses it. */
static void test_umask_without_extra(void **state)
{
	struct moat_spec s;
	struct merr e = { 0 };

	(void)state;
	write_config(DOCP(", \"user\": {\"umask\": 18}"), strlen(DOCP(", \"user\": {\"umask\": 18}")));
	spec_init(&s);
	assert_int_equal(oci_load(bundle, &s, &e), -ENOTSUP);
	assert_non_null(strstr(e.msg, "process.user.umask"));
	spec_free(&s);
}

/* The file itself: missing, not regular, too large; the bundle itself. */
static void test_files(void **state)
{
	char path[PATH_MAX + 32];
	struct moat_spec s;
	struct merr e = { 0 };
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	unlink(path);
	spec_init(&s);
	assert_int_equal(oci_load(bundle, &s, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "config.json: no such file"));

	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(oci_load(bundle, &s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "config.json: not a regular file"));
	rmdir(path);

	assert_int_equal(mkfifo(path, 0644), 0);	/* must not block */
	assert_int_equal(oci_load(bundle, &s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not a regular file"));
	unlink(path);

	fd = open(path, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, OCI_CONFIG_MAX + 1), 0);
	close(fd);
	assert_int_equal(oci_load(bundle, &s, &e), -EFBIG);
	assert_non_null(strstr(e.msg, "more than moat reads"));

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "{\"a\":\0}", 7), 7);
	close(fd);
	assert_int_equal(oci_load(bundle, &s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "a NUL byte at line 1, column 6"));

	assert_int_equal(oci_load("/nonexistent-bundle", &s, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "bundle /nonexistent-bundle"));
	snprintf(path, sizeof(path), "%s/afile", bundle);
	assert_int_equal(oci_load(path, &s, &e), -ENOTDIR);
	spec_free(&s);
}

static void test_ids(void **state)
{
	static const struct {
		const char *id;
		bool ok;
	} ids[] = {
		{ "a", true }, { "web-1", true }, { "A.b_c-9", true }, { "0abc", true },
		{ "", false }, { "-a", false }, { ".a", false }, { "_a", false }, { "a/b", false },
		{ "a b", false }, { "a:b", false }, { "é", false },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (oci_valid_id(ids[i].id) != ids[i].ok)
			fail_msg("id \"%s\": expected %s", ids[i].id, ids[i].ok ? "valid" : "invalid");
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test_setup_teardown(test_good_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlimited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_terminal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mount_attrs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_masked_in_bind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_umask_without_extra, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files, setup, teardown),
		cmocka_unit_test(test_ids),
	};
	const size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	const size_t nrows = sizeof(rows) / sizeof(rows[0]);
	struct CMUnitTest *tests = calloc(nfixed + nrows, sizeof(*tests));
	int failed;

	if (!tests)
		return 1;
	memcpy(tests, fixed, sizeof(fixed));
	/* one test per row, named after it */
	for (size_t i = 0; i < nrows; i++) {
		tests[nfixed + i] = (struct CMUnitTest){
			.name = rows[i].name, .test_func = test_row, .setup_func = setup,
			.teardown_func = teardown, .initial_state = (void *)&rows[i],
		};
	}
	failed = _cmocka_run_group_tests("oci", tests, nfixed + nrows, NULL, NULL);
	free(tests);
	return failed;
}
