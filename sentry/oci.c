// SPDX-License-Identifier: MIT
/*
 * oci.c - an OCI bundle's config.json to a struct moat_spec (see oci.h).
 *
 * Theory of operation
 * -------------------
 * read_config() reads BUNDLE/config.json (a regular file, at most
 * OCI_CONFIG_MAX bytes) and vets the raw bytes before cJSON sees them: no NUL
 * byte and no \u0000 escape (cJSON would cut the string there, and another
 * parser would not), and on a parse failure it tells a truncated file (the
 * brackets never close) from a syntax error (line and column).  The tree is
 * then checked for duplicate keys, which parsers resolve differently.
 *
 * The loaders then walk the document one section at a time, in the order the
 * runtime-spec describes it.  Every field falls in one of three classes, and
 * docs/config.md lists which:
 *   - applied: copied into the spec (args, env, cwd, user, rlimits, root,
 *     hostname, mounts, masked and read-only paths, memory and pids limits);
 *   - ignored: fields that cannot weaken the sandbox if dropped, because moat
 *     is already stricter (capabilities: none are granted; namespaces: all are
 *     always created; noNewPrivileges: always set) or because they only tune
 *     scheduling or naming (cpu shares, oomScoreAdj, cgroupsPath,
 *     annotations).  They are logged at --log-level info;
 *   - refused: fields moat cannot apply and whose absence would leave the
 *     guest with more than the config allows (a seccomp profile, AppArmor,
 *     CPU quotas, hooks, joining a namespace, noexec on a tmpfs...).  These
 *     fail with ENOTSUP and a message naming the field.
 * Malformed values (wrong type, out of range, relative paths) fail with
 * EINVAL.  Every message has the form "CONFIG: FIELD: reason; what to do".
 *
 * Numbers: cJSON holds them as doubles, exact up to 2^53.  A larger value is
 * treated as "unlimited" where the field is a limit (rlimits, memory), and
 * refused where it must be exact (ids).
 *
 * What this file trusts: nothing in config.json.  Host paths it resolves
 * (root.path, bind sources) belong to whoever wrote the bundle, who runs
 * moat; they are resolved with realpath() on the host, as runc does.
 */
#include "sentry/oci.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "util.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#ifndef SYSFS_MAGIC
#define SYSFS_MAGIC 0x62656572
#endif

#define FIELD_MAX 160
#define TWO_POW_53 9007199254740992.0

struct oci {
	struct moat_spec *spec;
	struct oci_extra *x;
	struct merr *e;
	char bundle[PATH_MAX];
	char config[PATH_MAX];
	bool has_proc;		/* a proc mount at /proc */
};

static int fail(struct oci *o, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct oci *o, int errnum, const char *fmt, ...)
{
	char msg[sizeof(o->e->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return merr_set(o->e, errnum, "%s: %s", o->config, msg);
}

static int nomem(struct oci *o)
{
	return fail(o, ENOMEM, "out of memory");
}

/* ---- reading and vetting the file ------------------------------------- */

static void position(const char *buf, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Up to 20 characters of @p for a message: one line, printable. */
static const char *excerpt(const char *p, char out[24])
{
	size_t n = 0;

	for (; *p && *p != '\n' && n < 20; p++)
		out[n++] = (*p >= ' ' && *p < 127) ? *p : '?';
	out[n] = '\0';
	return out;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/**
 * truncated() - whether a parse failure at @err means the file was cut short
 * @buf, @len:	the file
 * @err:	offset where the parser gave up
 *
 * Cut short means: the file ends inside a string that opened at or before
 * @err, or it ends with brackets still open and nothing after @err but the
 * start of a token (a cut "tru" or "12").  Anything else is a syntax error
 * at @err.
 */
static bool truncated(const char *buf, size_t len, size_t err)
{
	bool in_string = false, escaped = false;
	size_t i = 0, string_start = 0;
	long depth = 0;

	while (i < len && is_space(buf[i]))
		i++;
	if (i == len)
		return true;	/* nothing at all */
	for (; i < len; i++) {
		char c = buf[i];

		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
			string_start = i;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	if (in_string)
		return err >= string_start;
	if (depth <= 0)
		return false;
	for (i = err; i < len && !is_space(buf[i]) && !strchr("{}[],:\"", buf[i]); i++)
		;
	while (i < len && is_space(buf[i]))
		i++;
	return i == len;
}

/**
 * vet_bytes() - refuse what cJSON would read differently from other parsers
 * @buf, @len:	the file
 *
 * A NUL byte, or a \u0000 escape, would end a C string early: "sh\u0000 -x"
 * would run "sh" here and something else under another runtime.
 * Return: 0 or -EINVAL
 */
static int vet_bytes(struct oci *o, const char *buf, size_t len)
{
	unsigned line, col;
	const char *nul = memchr(buf, '\0', len);

	if (nul) {
		position(buf, (size_t)(nul - buf), &line, &col);
		return fail(o, EINVAL, "a NUL byte at line %u, column %u: this is not a text "
			    "file; write config.json as UTF-8 JSON", line, col);
	}
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\\')
			continue;
		if (buf[i + 1] == 'u' && i + 5 < len && !memcmp(buf + i + 2, "0000", 4)) {
			position(buf, i, &line, &col);
			return fail(o, EINVAL, "\\u0000 in a string at line %u, column %u: NUL "
				    "characters are not allowed in config.json", line, col);
		}
		i++;	/* skip the escaped character, so "\\\\u0000" is two characters */
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Refuse an object that holds one key twice: parsers disagree on which wins. */
static int check_dups(struct oci *o, const cJSON *v)
{
	size_t n = 0, k = 0;
	const char **names;
	int r = 0;

	for (const cJSON *c = v->child; c; c = c->next) {
		if (c->child) {
			r = check_dups(o, c);
			if (r < 0)
				return r;
		}
		n++;
	}
	if (!cJSON_IsObject(v) || n < 2)
		return 0;
	names = malloc(n * sizeof(*names));
	if (!names)
		return nomem(o);
	for (const cJSON *c = v->child; c; c = c->next)
		names[k++] = c->string ? c->string : "";
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 1; i < n && !r; i++)
		if (!strcmp(names[i - 1], names[i]))
			r = fail(o, EINVAL, "the key \"%s\" appears twice in one object; keep "
				 "one of them", names[i]);
	free(names);
	return r;
}

/**
 * read_config() - read, vet and parse config.json
 * @o:		context (o->config is the path)
 * @out:	the parsed document, to cJSON_Delete()
 *
 * Return: 0, -ENOENT, -EFBIG, -EINVAL or another -errno from open/read
 */
static int read_config(struct oci *o, cJSON **out)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	const char *end = NULL;
	char near[24];
	struct stat st;
	size_t len = 0;
	cJSON *doc;

	/* O_NONBLOCK: a FIFO planted as config.json must not hang us. */
	fd = open(o->config, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int err = errno;

		if (err == ENOENT)
			return fail(o, ENOENT, "no such file; a bundle directory holds config.json "
				    "and the root file system (give the bundle with --bundle DIR)");
		return fail(o, err, "open: %s", strerror(err));
	}
	if (fstat(fd, &st) < 0)
		return fail(o, errno, "stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(o, EINVAL, "not a regular file; config.json must be a plain file");
	if (st.st_size > (off_t)OCI_CONFIG_MAX)
		return fail(o, EFBIG, "%lld bytes is more than moat reads (%u bytes); "
			    "is this the right file?", (long long)st.st_size, OCI_CONFIG_MAX);
	buf = malloc(OCI_CONFIG_MAX + 1);
	if (!buf)
		return nomem(o);
	for (;;) {
		ssize_t n = read(fd, buf + len, OCI_CONFIG_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(o, errno, "read: %s", strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > OCI_CONFIG_MAX)	/* it grew while we read it */
			return fail(o, EFBIG, "more than %u bytes; is this the right file?",
				    OCI_CONFIG_MAX);
	}
	buf[len] = '\0';
	if (vet_bytes(o, buf, len) < 0)
		return -EINVAL;
	/* The length includes the terminating NUL, which "require_null_terminated"
	 * looks for: trailing garbage after the document is an error. */
	doc = cJSON_ParseWithLengthOpts(buf, len + 1, &end, true);
	if (!doc) {
		unsigned line, col;
		size_t off = end && end >= buf && end <= buf + len ? (size_t)(end - buf) : len;

		if (truncated(buf, len, off)) {
			position(buf, len, &line, &col);
			return fail(o, EINVAL, "truncated JSON: the file ends at line %u before "
				    "the document is complete; write the whole file again", line);
		}
		position(buf, off, &line, &col);
		return fail(o, EINVAL, "malformed JSON at line %u, column %u (near \"%s\"); "
			    "fix the syntax there", line, col, excerpt(buf + off, near));
	}
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return fail(o, EINVAL, "the top level must be a JSON object ({...})");
	}
	if (check_dups(o, doc) < 0) {
		cJSON_Delete(doc);
		return -o->e->errnum;
	}
	*out = doc;
	return 0;
}

/* ---- typed access ------------------------------------------------------ */

/* A member, or NULL if absent or null (null reads as "not given", as in Go). */
static const cJSON *get(const cJSON *obj, const char *key)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	return v && !cJSON_IsNull(v) ? v : NULL;
}

static const char *kind_of(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "true or false";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "null";
}

static int wrong_type(struct oci *o, const cJSON *v, const char *f, const char *want)
{
	return fail(o, EINVAL, "%s: expected %s, found %s", f, want, kind_of(v));
}

static int want_str(struct oci *o, const cJSON *v, const char *f, const char **out)
{
	*out = "";
	if (!cJSON_IsString(v))
		return wrong_type(o, v, f, "a string");
	*out = v->valuestring;
	return 0;
}

static int want_bool(struct oci *o, const cJSON *v, const char *f, bool *out)
{
	*out = false;
	if (!cJSON_IsBool(v))
		return wrong_type(o, v, f, "true or false");
	*out = cJSON_IsTrue(v);
	return 0;
}

static int want_array(struct oci *o, const cJSON *v, const char *f)
{
	return cJSON_IsArray(v) ? 0 : wrong_type(o, v, f, "an array");
}

static int want_object(struct oci *o, const cJSON *v, const char *f)
{
	return cJSON_IsObject(v) ? 0 : wrong_type(o, v, f, "an object");
}

enum { NUM_EXACT, NUM_HUGE };

/**
 * want_int() - a whole number
 * @v:		the value
 * @f:		field name for messages
 * @negative:	whether values below 0 are allowed
 * @out:	the number; INT64_MAX when it is 2^53 or more
 *
 * Return: NUM_EXACT, NUM_HUGE (too large for a double to hold exactly; the
 * caller decides whether that means "unlimited"), or -EINVAL
 */
static int want_int(struct oci *o, const cJSON *v, const char *f, bool negative, int64_t *out)
{
	double d;

	*out = 0;
	if (!cJSON_IsNumber(v))
		return wrong_type(o, v, f, "a number");
	d = v->valuedouble;
	if (d != d || d < -TWO_POW_53)
		return fail(o, EINVAL, "%s: %g is not a usable number", f, d);
	if (d < 0 && !negative)
		return fail(o, EINVAL, "%s: %.0f: must not be negative", f, d);
	if (d >= TWO_POW_53) {
		*out = INT64_MAX;
		return NUM_HUGE;
	}
	if (d != (double)(int64_t)d)
		return fail(o, EINVAL, "%s: %g: must be a whole number", f, d);
	*out = (int64_t)d;
	return NUM_EXACT;
}

/* A whole number in [0, max] that must be exact (ids, modes). */
static int want_uint(struct oci *o, const cJSON *v, const char *f, int64_t max, int64_t *out)
{
	int r = want_int(o, v, f, false, out);

	if (r < 0)
		return r;
	if (r == NUM_HUGE || *out > max)
		return fail(o, EINVAL, "%s: must be at most %lld", f, (long long)max);
	return 0;
}

/* Each element of a string array, checked. */
static int want_str_array(struct oci *o, const cJSON *v, const char *f)
{
	size_t i = 0;
	int r = want_array(o, v, f);

	for (const cJSON *c = v->child; !r && c; c = c->next, i++)
		if (!cJSON_IsString(c))
			r = fail(o, EINVAL, "%s[%zu]: expected a string, found %s", f, i,
				 kind_of(c));
	return r;
}

/* Whether a field that would be refused when set holds something. */
static bool non_empty(const cJSON *v)
{
	if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
		return false;
	if (cJSON_IsString(v))
		return v->valuestring[0] != '\0';
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		return v->child != NULL;
	if (cJSON_IsNumber(v))
		return v->valuedouble != 0;
	return true;
}

static void ignored(const char *field, const char *why)
{
	log_info("config.json: %s is ignored: %s", field, why);
}

/* ---- paths ------------------------------------------------------------- */

/**
 * clean_abs() - check and normalise an absolute path in the sandbox
 * @in:		the path from config.json
 * @out:	"/a/b": single slashes, no trailing slash
 *
 * Return: 0, or -EINVAL for a relative path, a "." or ".." component, or a
 * path that does not fit
 */
static int clean_abs(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	const char *p = in;

	if (in[0] != '/')
		return -EINVAL;
	while (*p) {
		const char *start, *end;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		start = p;
		end = strchrnul(p, '/');
		len = (size_t)(end - start);
		if ((len == 1 && start[0] == '.') || (len == 2 && !strncmp(start, "..", 2)))
			return -EINVAL;
		if (n + 1 + len + 1 > cap)
			return -EINVAL;
		out[n++] = '/';
		memcpy(out + n, start, len);
		n += len;
		p = end;
	}
	if (n == 0) {
		if (cap < 2)
			return -EINVAL;
		out[n++] = '/';
	}
	out[n] = '\0';
	return 0;
}

/* Whether @path is @dir or below it (both clean). */
static bool at_or_below(const char *path, const char *dir)
{
	size_t n = strlen(dir), len = strlen(path);

	if (!strcmp(dir, "/"))
		return true;
	if (len < n || memcmp(path, dir, n))
		return false;
	return len == n || path[n] == '/';
}

/* @rel relative to the bundle, or absolute as it is. */
static int bundle_path(struct oci *o, const char *rel, char *out, size_t cap)
{
	int n = rel[0] == '/' ? snprintf(out, cap, "%s", rel)
			      : snprintf(out, cap, "%s/%s", o->bundle, rel);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* ---- ociVersion, root, hostname ---------------------------------------- */

static int load_version(struct oci *o, const cJSON *doc)
{
	const cJSON *v = get(doc, "ociVersion");
	unsigned major, minor, patch;
	const char *s = NULL;
	int used = 0;

	if (!v)
		return fail(o, EINVAL, "ociVersion: missing; give the runtime-spec version the "
			    "file follows, such as \"1.2.0\"");
	if (want_str(o, v, "ociVersion", &s) < 0)
		return -EINVAL;
	if (sscanf(s, "%u.%u.%u%n", &major, &minor, &patch, &used) != 3 ||
	    (s[used] != '\0' && s[used] != '-' && s[used] != '+') || s[0] < '0' || s[0] > '9')
		return fail(o, EINVAL, "ociVersion \"%s\": not a version such as \"1.2.0\"", s);
	if (major != 1 || minor > 2)
		return fail(o, ENOTSUP, "ociVersion \"%s\": moat reads runtime-spec 1.0.x to "
			    "1.2.x; write the config for one of those", s);
	return 0;
}

static int load_root(struct oci *o, const cJSON *doc)
{
	const cJSON *root = get(doc, "root"), *v;
	char joined[PATH_MAX], real[PATH_MAX];
	const char *path = NULL;
	bool readonly = false;
	struct stat st;

	if (!root)
		return fail(o, EINVAL, "root: missing; give {\"path\": \"rootfs\"}");
	if (want_object(o, root, "root") < 0)
		return -EINVAL;
	v = get(root, "path");
	if (!v)
		return fail(o, EINVAL, "root.path: missing; give the root file system's "
			    "directory, relative to the bundle");
	if (want_str(o, v, "root.path", &path) < 0)
		return -EINVAL;
	if (!path[0])
		return fail(o, EINVAL, "root.path: empty; give the root file system's directory");
	v = get(root, "readonly");
	if (v && want_bool(o, v, "root.readonly", &readonly) < 0)
		return -EINVAL;
	if (bundle_path(o, path, joined, sizeof(joined)) < 0)
		return fail(o, ENAMETOOLONG, "root.path \"%s\": path too long", path);
	if (!realpath(joined, real) || stat(real, &st) < 0) {
		int err = errno;

		return fail(o, err, "root.path \"%s\": %s: %s; create the root file system "
			    "there or fix root.path", path, joined, strerror(err));
	}
	if (!S_ISDIR(st.st_mode))
		return fail(o, ENOTDIR, "root.path \"%s\": %s is not a directory", path, real);
	if (!strcmp(real, "/"))
		return fail(o, ENOTSUP, "root.path \"%s\": this is the host's root; to run on "
			    "it, use moat do, which puts it under a copy-on-write layer", path);
	o->spec->tree.rootfs = strdup(real);
	if (!o->spec->tree.rootfs)
		return nomem(o);
	o->spec->tree.host_root = false;
	o->spec->tree.readonly = readonly;
	/*
	 * A writable root is used directly: writes land in the bundle, as with
	 * runc.  A read-only one goes under an in-memory layer that is made
	 * read-only once the gofer has created mount points in it, so that the
	 * bundle is never written and need not hold every mount point.
	 */
	o->spec->tree.layer = readonly ? TREE_OVERLAY_MEMORY : TREE_DIRECT;
	return 0;
}

static int load_hostname(struct oci *o, const cJSON *doc)
{
	const cJSON *v = get(doc, "hostname");
	const char *s;

	if (get(doc, "domainname")) {
		const char *d;

		if (want_str(o, get(doc, "domainname"), "domainname", &d) < 0)
			return -EINVAL;
		if (d[0])
			ignored("domainname", "the guest's NIS domain name stays \"(none)\"");
	}
	if (!v)
		return 0;
	if (want_str(o, v, "hostname", &s) < 0)
		return -EINVAL;
	if (strlen(s) > 64)
		return fail(o, EINVAL, "hostname: longer than 64 characters");
	if (!s[0])
		return 0;	/* moat's default name */
	free(o->spec->hostname);
	o->spec->hostname = strdup(s);
	return o->spec->hostname ? 0 : nomem(o);
}

/* ---- process ----------------------------------------------------------- */

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU }, { "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

/* A limit value: whole, >= 0; 2^53 and above mean unlimited. */
static int rlim_value(struct oci *o, const cJSON *v, const char *f, rlim_t *out)
{
	int64_t n;
	int r = want_int(o, v, f, false, &n);

	if (r < 0)
		return r;
	*out = r == NUM_HUGE ? RLIM_INFINITY : (rlim_t)n;
	return 0;
}

static int load_rlimits(struct oci *o, const cJSON *arr)
{
	struct moat_spec *s = o->spec;
	size_t i = 0;

	if (want_array(o, arr, "process.rlimits") < 0)
		return -EINVAL;
	for (const cJSON *c = arr->child; c; c = c->next, i++) {
		char f[FIELD_MAX];
		const char *type;
		struct spec_rlimit rl = { .resource = -1 };
		struct spec_rlimit *n;
		struct rlimit own;
		const cJSON *v;

		snprintf(f, sizeof(f), "process.rlimits[%zu]", i);
		if (want_object(o, c, f) < 0)
			return -EINVAL;
		v = get(c, "type");
		if (!v)
			return fail(o, EINVAL, "%s.type: missing; give a name such as "
				    "\"RLIMIT_NOFILE\"", f);
		{
			char ft[FIELD_MAX + 8];

			snprintf(ft, sizeof(ft), "%s.type", f);
			if (want_str(o, v, ft, &type) < 0)
				return -EINVAL;
		}
		for (size_t k = 0; k < ARRAY_SIZE(rlimit_names); k++)
			if (!strcmp(type, rlimit_names[k].name))
				rl.resource = rlimit_names[k].resource;
		if (rl.resource < 0)
			return fail(o, EINVAL, "%s.type \"%s\": not a resource limit Linux knows "
				    "(RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_CORE, ...)", f, type);
		for (size_t k = 0; k < s->nrlimits; k++)
			if (s->rlimits[k].resource == rl.resource)
				return fail(o, EINVAL, "%s.type \"%s\": given twice; keep one",
					    f, type);
		if (!get(c, "soft") || !get(c, "hard"))
			return fail(o, EINVAL, "%s (%s): needs both \"soft\" and \"hard\"", f, type);
		{
			char fs[FIELD_MAX + 8], fh[FIELD_MAX + 8];

			snprintf(fs, sizeof(fs), "%s.soft", f);
			snprintf(fh, sizeof(fh), "%s.hard", f);
			if (rlim_value(o, get(c, "soft"), fs, &rl.lim.rlim_cur) < 0 ||
			    rlim_value(o, get(c, "hard"), fh, &rl.lim.rlim_max) < 0)
				return -EINVAL;
		}
		if (rl.lim.rlim_cur > rl.lim.rlim_max)
			return fail(o, EINVAL, "%s (%s): the soft limit is above the hard limit",
				    f, type);
		/* The guest cannot raise a hard limit: it has no privilege on the host. */
		if (getrlimit(rl.resource, &own) == 0 && own.rlim_max != RLIM_INFINITY &&
		    (rl.lim.rlim_max == RLIM_INFINITY || rl.lim.rlim_max > own.rlim_max))
			return fail(o, EINVAL, "%s (%s): the hard limit is above moat's own (%llu); "
				    "lower it, or raise moat's limit before starting it", f, type,
				    (unsigned long long)own.rlim_max);
		n = realloc(s->rlimits, (s->nrlimits + 1) * sizeof(*n));
		if (!n)
			return nomem(o);
		s->rlimits = n;
		s->rlimits[s->nrlimits++] = rl;
	}
	return 0;
}

static int load_user(struct oci *o, const cJSON *user)
{
	const cJSON *v;
	int64_t n;
	size_t i = 0;

	if (want_object(o, user, "process.user") < 0)
		return -EINVAL;
	/* (uid_t)-1 means "no change" to the kernel: never a real id. */
	if ((v = get(user, "uid"))) {
		if (want_uint(o, v, "process.user.uid", UINT32_MAX - 1, &n) < 0)
			return -EINVAL;
		o->spec->uid = (uid_t)n;
	}
	if ((v = get(user, "gid"))) {
		if (want_uint(o, v, "process.user.gid", UINT32_MAX - 1, &n) < 0)
			return -EINVAL;
		o->spec->gid = (gid_t)n;
	}
	if ((v = get(user, "umask"))) {
		if (want_uint(o, v, "process.user.umask", 0777, &n) < 0)
			return -EINVAL;
		if (!o->x)
			return fail(o, ENOTSUP, "process.user.umask: this caller cannot apply a "
				    "umask; remove it");
		o->x->has_umask = true;
		o->x->umask = (mode_t)n;
	}
	if ((v = get(user, "additionalGids"))) {
		if (want_array(o, v, "process.user.additionalGids") < 0)
			return -EINVAL;
		for (const cJSON *c = v->child; c; c = c->next, i++) {
			char f[FIELD_MAX];

			snprintf(f, sizeof(f), "process.user.additionalGids[%zu]", i);
			if (want_uint(o, c, f, UINT32_MAX - 1, &n) < 0)
				return -EINVAL;
			if ((gid_t)n != o->spec->gid)
				return fail(o, ENOTSUP, "%s: %lld: moat maps exactly one group into "
					    "the sandbox, the process's gid (%u); remove the "
					    "additional groups", f, (long long)n, o->spec->gid);
		}
	}
	if (get(user, "username"))
		ignored("process.user.username", "it is for Windows");
	return 0;
}

static int load_capabilities(struct oci *o, const cJSON *caps)
{
	static const char *const sets[] = {
		"bounding", "effective", "inheritable", "permitted", "ambient",
	};
	size_t asked = 0;

	if (want_object(o, caps, "process.capabilities") < 0)
		return -EINVAL;
	for (size_t k = 0; k < ARRAY_SIZE(sets); k++) {
		const cJSON *v = get(caps, sets[k]);
		char f[FIELD_MAX];

		if (!v)
			continue;
		snprintf(f, sizeof(f), "process.capabilities.%s", sets[k]);
		if (want_str_array(o, v, f) < 0)
			return -EINVAL;
		asked += (size_t)cJSON_GetArraySize(v);
	}
	if (asked)
		ignored("process.capabilities", "the guest runs with no capabilities at all; "
			"the ones listed are dropped");
	return 0;
}

static int load_env(struct oci *o, const cJSON *env)
{
	size_t i = 0;

	if (want_array(o, env, "process.env") < 0)
		return -EINVAL;
	for (const cJSON *c = env->child; c; c = c->next, i++) {
		char f[FIELD_MAX];
		const char *kv = NULL;

		snprintf(f, sizeof(f), "process.env[%zu]", i);
		if (want_str(o, c, f, &kv) < 0)
			return -EINVAL;
		if (!strchr(kv, '=') || kv[0] == '=')
			return fail(o, EINVAL, "%s \"%.60s\": expected KEY=VALUE", f, kv);
		if (spec_strv_add(&o->spec->env, NULL, kv) < 0)
			return nomem(o);
	}
	return 0;
}

static int load_args(struct oci *o, const cJSON *args)
{
	size_t i = 0;

	if (!args)
		return fail(o, EINVAL, "process.args: missing; give the command to run, such as "
			    "[\"/bin/sh\", \"-c\", \"...\"]");
	if (want_str_array(o, args, "process.args") < 0)
		return -EINVAL;
	if (!args->child)
		return fail(o, EINVAL, "process.args: empty; give the command to run");
	if (!args->child->valuestring[0])
		return fail(o, EINVAL, "process.args[0]: empty; give the program to run");
	for (const cJSON *c = args->child; c; c = c->next, i++)
		if (spec_strv_add(&o->spec->argv, NULL, c->valuestring) < 0)
			return nomem(o);
	return 0;
}

/* Fields that only tune scheduling: accepted, type-checked, not applied. */
static int load_process_tuning(struct oci *o, const cJSON *p)
{
	static const struct {
		const char *key, *why;
	} tuning[] = {
		{ "ioPriority", "the guest keeps moat's I/O priority" },
		{ "scheduler", "the guest keeps moat's scheduling policy" },
		{ "execCPUAffinity", "the guest may run on any CPU moat may use" },
		{ "consoleSize", "there is no terminal" },
	};
	const cJSON *v;
	int64_t n;

	for (size_t k = 0; k < ARRAY_SIZE(tuning); k++) {
		char f[FIELD_MAX];

		if (!(v = get(p, tuning[k].key)))
			continue;
		snprintf(f, sizeof(f), "process.%s", tuning[k].key);
		if (want_object(o, v, f) < 0)
			return -EINVAL;
		ignored(f, tuning[k].why);
	}
	if ((v = get(p, "oomScoreAdj"))) {
		if (want_int(o, v, "process.oomScoreAdj", true, &n) < 0)
			return -EINVAL;
		if (n < -1000 || n > 1000)
			return fail(o, EINVAL, "process.oomScoreAdj: %lld is outside -1000..1000",
				    (long long)n);
		ignored("process.oomScoreAdj", "the guest keeps moat's OOM score");
	}
	if (get(p, "commandLine"))
		ignored("process.commandLine", "it is for Windows; process.args is used");
	return 0;
}

static int load_process(struct oci *o, const cJSON *doc)
{
	const cJSON *p = get(doc, "process"), *v;
	char cwd[PATH_MAX] = "";
	const char *s;
	bool b;

	if (!p)
		return fail(o, EINVAL, "process: missing; moat run needs the process to start");
	if (want_object(o, p, "process") < 0)
		return -EINVAL;
	if ((v = get(p, "terminal"))) {
		if (want_bool(o, v, "process.terminal", &b) < 0)
			return -EINVAL;
		if (b)
			return fail(o, ENOTSUP, "process.terminal: true is not supported yet; set "
				    "it to false (the guest then uses moat's own standard streams)");
	}
	if (load_args(o, get(p, "args")) < 0)
		return -o->e->errnum;
	/* An empty environment is an empty array, never a missing one. */
	o->spec->env = calloc(1, sizeof(char *));
	if (!o->spec->env)
		return nomem(o);
	if ((v = get(p, "env")) && load_env(o, v) < 0)
		return -o->e->errnum;
	v = get(p, "cwd");
	if (!v)
		return fail(o, EINVAL, "process.cwd: missing; give an absolute directory such "
			    "as \"/\"");
	if (want_str(o, v, "process.cwd", &s) < 0)
		return -EINVAL;
	if (s[0] != '/' || clean_abs(s, cwd, sizeof(cwd)) < 0)
		return fail(o, EINVAL, "process.cwd \"%s\": must be an absolute path without "
			    "\".\" or \"..\"", s);
	o->spec->cwd = strdup(cwd);
	if (!o->spec->cwd)
		return nomem(o);
	if ((v = get(p, "user")) && load_user(o, v) < 0)
		return -o->e->errnum;
	if ((v = get(p, "rlimits")) && load_rlimits(o, v) < 0)
		return -o->e->errnum;
	if ((v = get(p, "noNewPrivileges"))) {
		if (want_bool(o, v, "process.noNewPrivileges", &b) < 0)
			return -EINVAL;
		if (!b)
			ignored("process.noNewPrivileges", "moat always sets no_new_privs");
	}
	if ((v = get(p, "capabilities")) && load_capabilities(o, v) < 0)
		return -o->e->errnum;
	if ((v = get(p, "apparmorProfile"))) {
		if (want_str(o, v, "process.apparmorProfile", &s) < 0)
			return -EINVAL;
		if (s[0])
			return fail(o, ENOTSUP, "process.apparmorProfile \"%s\": moat does not "
				    "apply AppArmor profiles; remove the field", s);
	}
	if ((v = get(p, "selinuxLabel"))) {
		if (want_str(o, v, "process.selinuxLabel", &s) < 0)
			return -EINVAL;
		if (s[0])
			return fail(o, ENOTSUP, "process.selinuxLabel \"%s\": moat does not apply "
				    "SELinux labels; remove the field", s);
	}
	return load_process_tuning(o, p);
}

/* ---- mounts ------------------------------------------------------------ */

enum mkind { MK_BIND, MK_TMPFS, MK_PROC, MK_SYSFS, MK_DEVPTS, MK_MQUEUE };

static const char *const mkind_name[] = {
	[MK_BIND] = "bind", [MK_TMPFS] = "tmpfs", [MK_PROC] = "proc",
	[MK_SYSFS] = "sysfs", [MK_DEVPTS] = "devpts", [MK_MQUEUE] = "mqueue",
};

/* Options that change nothing moat does (time stamps, propagation: moat's
 * mounts are always private, so nothing propagates in or out). */
static const char *const harmless_opts[] = {
	"private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable",
	"runbindable", "atime", "noatime", "relatime", "norelatime", "strictatime",
	"nostrictatime", "diratime", "nodiratime", "lazytime", "nolazytime", "ratime",
	"rnoatime", "rrelatime", "rnorelatime", "rstrictatime", "rnostrictatime",
	"rdiratime", "rnodiratime", "sync", "async", "dirsync", "mand", "nomand",
	"iversion", "noiversion", "silent", "loud", "symfollow", "rsymfollow",
	/* moat's mounts are always nosuid, and the guest has no_new_privs */
	"nosuid", "rnosuid", "suid", "rsuid",
	/* device files are never honoured in tmpfs and guest mounts */
	"dev", "rdev", "exec", "rexec",
};

/* Options refused whatever the type, with what to do. */
static const struct {
	const char *name, *why;
} refused_opts[] = {
	{ "nosymfollow", "moat cannot apply nosymfollow yet" },
	{ "rnosymfollow", "moat cannot apply nosymfollow yet" },
	{ "idmap", "moat does not make id-mapped mounts" },
	{ "ridmap", "moat does not make id-mapped mounts" },
	{ "tmpcopyup", "moat does not copy image contents into a tmpfs" },
	{ "remount", "a remount has no meaning in a new sandbox" },
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

/* Whether a mount point strictly below @dir exists in moat's mount namespace. */
static bool has_submounts(const char *dir)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, n = strlen(dir);

	if (!f)
		return true;	/* cannot tell: assume the worst */
	while (getline(&line, &cap, f) > 0) {
		char mp[PATH_MAX], *p = line;
		size_t k = 0;

		for (int field = 0; field < 4 && p; field++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (!p)
			continue;
		/* the mount point, with spaces and the like as \ooo */
		while (*p && *p != ' ' && *p != '\n' && k + 1 < sizeof(mp)) {
			if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
			    p[3] >= '0' && p[3] <= '7') {
				mp[k++] = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
				p += 4;
			} else {
				mp[k++] = *p++;
			}
		}
		mp[k] = '\0';
		if (!strcmp(dir, "/") ? strcmp(mp, "/") != 0
				      : !strncmp(mp, dir, n) && mp[n] == '/')
			return true;
	}
	return false;
}

struct mopts {
	bool bind, rbind, ro, nodev, noexec;
	uint64_t size;
	unsigned mode;
};

/**
 * parse_option() - one entry of mounts[i].options
 * @f:		"mounts[i].options[j]", for messages
 * @kind:	the mount's kind (decided before the options are read, except that
 *		"bind"/"rbind" make any mount a bind mount)
 *
 * Return: 0, -EINVAL (unknown or malformed) or -ENOTSUP (known, cannot apply)
 */
static int parse_option(struct oci *o, const char *f, const char *opt, enum mkind kind,
			struct mopts *m)
{
	const char *eq = strchr(opt, '=');

	if (!strcmp(opt, "ro") || !strcmp(opt, "rro")) {
		m->ro = true;
		return 0;
	}
	if (!strcmp(opt, "rw") || !strcmp(opt, "rrw")) {
		m->ro = false;
		return 0;
	}
	if (!strcmp(opt, "bind") || !strcmp(opt, "rbind"))
		return 0;	/* read before the others */
	if (!strcmp(opt, "nodev") || !strcmp(opt, "rnodev")) {
		m->nodev = true;
		return 0;
	}
	if (!strcmp(opt, "noexec") || !strcmp(opt, "rnoexec")) {
		m->noexec = true;
		return 0;
	}
	if (in_list(opt, harmless_opts, ARRAY_SIZE(harmless_opts)))
		return 0;
	for (size_t k = 0; k < ARRAY_SIZE(refused_opts); k++)
		if (!strcmp(opt, refused_opts[k].name))
			return fail(o, ENOTSUP, "%s \"%s\": %s; remove the option", f, opt,
				    refused_opts[k].why);
	if (kind == MK_TMPFS && eq) {
		if (!strncmp(opt, "size=", 5)) {
			if (parse_size(opt + 5, &m->size) < 0 || m->size == 0)
				return fail(o, EINVAL, "%s \"%s\": give a size in bytes, such as "
					    "size=64m", f, opt);
			return 0;
		}
		if (!strncmp(opt, "mode=", 5)) {
			char *end;
			unsigned long mode = strtoul(opt + 5, &end, 8);

			if (!opt[5] || *end || mode > 07777)
				return fail(o, EINVAL, "%s \"%s\": give an octal mode such as "
					    "mode=1777", f, opt);
			m->mode = (unsigned)mode;
			return 0;
		}
		return fail(o, ENOTSUP, "%s \"%s\": moat supports size= and mode= for tmpfs; "
			    "remove the option", f, opt);
	}
	if (kind == MK_DEVPTS) {
		/* moat's devpts is always newinstance,ptmxmode=0666,mode=0620 */
		if (!strcmp(opt, "newinstance") || !strncmp(opt, "ptmxmode=", 9) ||
		    !strncmp(opt, "mode=", 5) || !strncmp(opt, "gid=", 4) ||
		    !strncmp(opt, "uid=", 4) || !strncmp(opt, "max=", 4))
			return 0;
	}
	if (eq)
		return fail(o, ENOTSUP, "%s \"%s\": not supported for a %s mount; remove the "
			    "option", f, opt, mkind_name[kind]);
	return fail(o, EINVAL, "%s \"%s\": unknown mount option", f, opt);
}

static struct tree_mount *add_mount(struct oci *o, enum tree_mount_type type, const char *src,
				    const char *dst)
{
	struct gofer_tree *t = &o->spec->tree;
	struct tree_mount *m = realloc(t->mounts, (t->nmounts + 1) * sizeof(*m));

	if (!m)
		return NULL;
	t->mounts = m;
	m = &m[t->nmounts];
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->dst = strdup(dst);
	m->src = src ? strdup(src) : NULL;
	if (!m->dst || (src && !m->src)) {
		free(m->dst);
		free(m->src);
		return NULL;
	}
	t->nmounts++;
	return m;
}

/* Resolve and check a bind mount's source; Return: 0 or -errno */
static int bind_source(struct oci *o, const char *f, const cJSON *mnt, bool recursive,
		       char *real)
{
	const cJSON *v = get(mnt, "source");
	char joined[PATH_MAX], fs[FIELD_MAX + 8];
	struct statfs sfs;
	struct stat st;
	const char *src;

	snprintf(fs, sizeof(fs), "%s.source", f);
	if (!v)
		return fail(o, EINVAL, "%s: missing; a bind mount needs the host path to bind", fs);
	if (want_str(o, v, fs, &src) < 0)
		return -EINVAL;
	if (!src[0])
		return fail(o, EINVAL, "%s: empty; give the host path to bind", fs);
	if (bundle_path(o, src, joined, sizeof(joined)) < 0)
		return fail(o, ENAMETOOLONG, "%s \"%s\": path too long", fs, src);
	if (!realpath(joined, real) || stat(real, &st) < 0 || statfs(real, &sfs) < 0) {
		int err = errno;

		return fail(o, err, "%s \"%s\": %s: %s; create it or fix the mount", fs, src,
			    joined, strerror(err));
	}
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || at_or_below(real, "/dev"))
		return fail(o, ENOTSUP, "%s \"%s\": moat does not bind host devices; the "
			    "sandbox has /dev/null, zero, full, random, urandom and tty", fs, src);
	if (sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC)
		return fail(o, ENOTSUP, "%s \"%s\": binding the host's proc or sysfs would "
			    "show the host to the guest; use a proc or sysfs mount", fs, src);
	if (!recursive && S_ISDIR(st.st_mode) && has_submounts(real))
		return fail(o, ENOTSUP, "%s \"%s\": other file systems are mounted below it, and "
			    "moat always binds recursively; use the option \"rbind\" if the "
			    "guest may see them, or bind a directory without mounts below it",
			    fs, src);
	return 0;
}

/* The kind of mounts[i], from its type and options; Return: kind, 1+ = skip, or -errno */
static int mount_kind(struct oci *o, const char *f, const cJSON *mnt, const struct mopts *m,
		      enum mkind *kind)
{
	static const struct {
		const char *type;
		enum mkind kind;
	} types[] = {
		{ "bind", MK_BIND }, { "rbind", MK_BIND }, { "tmpfs", MK_TMPFS },
		{ "proc", MK_PROC }, { "sysfs", MK_SYSFS }, { "devpts", MK_DEVPTS },
		{ "mqueue", MK_MQUEUE },
	};
	const cJSON *v = get(mnt, "type");
	char ft[FIELD_MAX + 8];
	const char *type = NULL;

	snprintf(ft, sizeof(ft), "%s.type", f);
	if (v && want_str(o, v, ft, &type) < 0)
		return -EINVAL;
	/* As runc: the bind options make a bind mount, whatever the type says. */
	if (m->bind || m->rbind) {
		*kind = MK_BIND;
		return 0;
	}
	if (!type || !type[0])
		return fail(o, EINVAL, "%s: missing; give the file system type (bind mounts: "
			    "\"bind\" with the option \"rbind\")", ft);
	for (size_t k = 0; k < ARRAY_SIZE(types); k++) {
		if (!strcmp(type, types[k].type)) {
			*kind = types[k].kind;
			return 0;
		}
	}
	if (!strcmp(type, "cgroup") || !strcmp(type, "cgroup2")) {
		char what[FIELD_MAX + 32];

		snprintf(what, sizeof(what), "%s (type %s)", f, type);
		ignored(what, "the guest gets no cgroup file system; its limits are set from "
			"outside");
		return 1;
	}
	return fail(o, ENOTSUP, "%s \"%s\": not supported; moat mounts bind, tmpfs, proc, "
		    "sysfs, devpts and mqueue (cgroup is skipped)", ft, type);
}

static int load_mount(struct oci *o, const cJSON *mnt, size_t i)
{
	char f[FIELD_MAX], fd[FIELD_MAX + 16], dst[PATH_MAX] = "", real[PATH_MAX];
	const cJSON *v, *opts;
	struct mopts m = { 0 };
	enum mkind kind = MK_BIND;
	struct tree_mount *tm;
	const char *s;
	size_t j = 0;
	int r;

	snprintf(f, sizeof(f), "mounts[%zu]", i);
	if (want_object(o, mnt, f) < 0)
		return -EINVAL;
	snprintf(fd, sizeof(fd), "%s.destination", f);
	v = get(mnt, "destination");
	if (!v)
		return fail(o, EINVAL, "%s: missing; give the absolute path in the sandbox", fd);
	if (want_str(o, v, fd, &s) < 0)
		return -EINVAL;
	if (clean_abs(s, dst, sizeof(dst)) < 0)
		return fail(o, EINVAL, "%s \"%s\": must be an absolute path without \".\" or "
			    "\"..\"", fd, s);
	if (!strcmp(dst, "/"))
		return fail(o, EINVAL, "%s \"/\": the root is root.path; mount below it", fd);
	if (non_empty(get(mnt, "uidMappings")) || non_empty(get(mnt, "gidMappings")))
		return fail(o, ENOTSUP, "%s.uidMappings: moat does not make id-mapped mounts; "
			    "remove the mappings", f);
	opts = get(mnt, "options");
	if (opts) {
		char fo[FIELD_MAX + 8];

		snprintf(fo, sizeof(fo), "%s.options", f);
		if (want_str_array(o, opts, fo) < 0)
			return -EINVAL;
		for (const cJSON *c = opts->child; c; c = c->next) {
			m.bind |= !strcmp(c->valuestring, "bind");
			m.rbind |= !strcmp(c->valuestring, "rbind");
		}
	}
	v = get(mnt, "type");
	if (v && cJSON_IsString(v) && !strcmp(v->valuestring, "rbind"))
		m.rbind = true;
	r = mount_kind(o, f, mnt, &m, &kind);
	if (r != 0)
		return r < 0 ? r : 0;
	for (const cJSON *c = opts ? opts->child : NULL; c; c = c->next, j++) {
		char fo[FIELD_MAX + 24];

		snprintf(fo, sizeof(fo), "%s.options[%zu]", f, j);
		if (parse_option(o, fo, c->valuestring, kind, &m) < 0)
			return -o->e->errnum;
	}
	/* Flags the gofer cannot set yet: honoured for guest mounts only. */
	if (m.noexec && (kind == MK_BIND || kind == MK_TMPFS))
		return fail(o, ENOTSUP, "%s.options \"noexec\": moat cannot make a %s mount "
			    "noexec yet, and the guest could run programs from it; remove the "
			    "option", f, mkind_name[kind]);
	if (m.nodev && kind == MK_BIND)
		return fail(o, ENOTSUP, "%s.options \"nodev\": moat cannot make a bind mount "
			    "nodev yet, and the guest could open device files in it; remove the "
			    "option or bind a directory without device files", f);
	if (kind == MK_PROC || kind == MK_SYSFS) {
		const char *where = kind == MK_PROC ? "/proc" : "/sys";

		if (strcmp(dst, where))
			return fail(o, ENOTSUP, "%s \"%s\": moat mounts %s only at %s", fd, dst,
				    mkind_name[kind], where);
		for (size_t k = 0; k < o->spec->tree.nmounts; k++)
			if (!strcmp(o->spec->tree.mounts[k].dst, where))
				return fail(o, EINVAL, "%s \"%s\": mounted twice; keep one", fd, dst);
		if (kind == MK_PROC)
			o->has_proc = true;
	} else if (at_or_below(dst, "/proc") || at_or_below(dst, "/sys")) {
		return fail(o, ENOTSUP, "%s \"%s\": moat mounts nothing but proc at /proc and "
			    "sysfs at /sys, and nothing below them", fd, dst);
	}
	switch (kind) {
	case MK_BIND:
		r = bind_source(o, f, mnt, m.rbind, real);
		if (r < 0)
			return r;
		tm = add_mount(o, TM_BIND, real, dst);
		break;
	case MK_TMPFS:
		tm = add_mount(o, TM_TMPFS, NULL, dst);
		if (tm) {
			tm->size = m.size;
			tm->mode = m.mode;
		}
		break;
	case MK_PROC:
		tm = add_mount(o, TM_PROC, NULL, dst);
		break;
	case MK_SYSFS:
		tm = add_mount(o, TM_SYSFS, NULL, dst);
		break;
	case MK_DEVPTS:
		tm = add_mount(o, TM_DEVPTS, NULL, dst);
		break;
	default:
		tm = add_mount(o, TM_MQUEUE, NULL, dst);
		break;
	}
	if (!tm)
		return nomem(o);
	tm->ro = m.ro;
	return 0;
}

/*
 * The gofer makes bind and tmpfs mounts, the guest's init makes the others
 * later: a gofer mount at or below a guest mount would be hidden by it.
 */
static int check_mount_order(struct oci *o)
{
	const struct gofer_tree *t = &o->spec->tree;

	for (size_t i = 0; i < t->nmounts; i++) {
		if (tree_needs_guest_mount(&t->mounts[i]))
			continue;
		for (size_t k = 0; k < t->nmounts; k++) {
			if (!tree_needs_guest_mount(&t->mounts[k]) ||
			    !at_or_below(t->mounts[i].dst, t->mounts[k].dst))
				continue;
			return fail(o, ENOTSUP, "mounts: \"%s\" is inside the %s mount at \"%s\", "
				    "which moat mounts last and would hide it; move it elsewhere",
				    t->mounts[i].dst, t->mounts[k].type == TM_DEVPTS ? "devpts"
				    : "mqueue", t->mounts[k].dst);
		}
	}
	return 0;
}

static int load_mounts(struct oci *o, const cJSON *doc)
{
	const cJSON *arr = get(doc, "mounts");
	size_t i = 0;

	if (!arr)
		return 0;
	if (want_array(o, arr, "mounts") < 0)
		return -EINVAL;
	for (const cJSON *c = arr->child; c; c = c->next, i++)
		if (load_mount(o, c, i) < 0)
			return -o->e->errnum;
	return check_mount_order(o);
}

/* ---- linux ------------------------------------------------------------- */

/* The guest mount (proc, sysfs, devpts, mqueue) that holds @path, or NULL. */
static const struct tree_mount *guest_mount_of(struct oci *o, const char *path)
{
	const struct gofer_tree *t = &o->spec->tree;

	for (size_t k = 0; k < t->nmounts; k++)
		if (tree_needs_guest_mount(&t->mounts[k]) && at_or_below(path, t->mounts[k].dst))
			return &t->mounts[k];
	return NULL;
}

/* Escape glob characters: tree.hide holds patterns. */
static int glob_escape(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in; in++) {
		if (n + 3 > cap)
			return -ENAMETOOLONG;
		if (strchr("*?[]\\", *in))
			out[n++] = '\\';
		out[n++] = *in;
	}
	out[n] = '\0';
	return 0;
}

/**
 * load_paths() - linux.maskedPaths or linux.readonlyPaths
 * @masked:	true for maskedPaths
 *
 * Paths in what the guest's init mounts (proc, sysfs, devpts, mqueue) go to
 * the spec's proc lists, which init applies after its mounts (and only when a
 * procfs is there to apply them through); the rest go to the gofer's hide and
 * ro lists.
 * Return: 0 or -errno
 */
static int load_paths(struct oci *o, const cJSON *linux, bool masked)
{
	const char *key = masked ? "maskedPaths" : "readonlyPaths";
	const cJSON *arr = get(linux, key);
	struct moat_spec *s = o->spec;
	char f[FIELD_MAX];
	size_t i = 0;

	if (!arr)
		return 0;
	snprintf(f, sizeof(f), "linux.%s", key);
	if (want_str_array(o, arr, f) < 0)
		return -EINVAL;
	for (const cJSON *c = arr->child; c; c = c->next, i++) {
		char path[PATH_MAX] = "", pattern[PATH_MAX * 2];
		const struct tree_mount *gm;
		int r;

		if (clean_abs(c->valuestring, path, sizeof(path)) < 0 || !strcmp(path, "/"))
			return fail(o, EINVAL, "%s[%zu] \"%s\": must be an absolute path below / "
				    "without \".\" or \"..\"", f, i, c->valuestring);
		gm = guest_mount_of(o, path);
		if (gm || at_or_below(path, "/proc")) {
			if (gm && gm->type != TM_PROC && !o->has_proc &&
			    !(gm->type == TM_SYSFS && !masked))
				return fail(o, ENOTSUP, "%s[%zu] \"%s\": moat applies this only when "
					    "proc is mounted at /proc too; add that mount", f, i,
					    path);
			r = masked ? spec_strv_add(&s->proc_masked, &s->nproc_masked, path)
				   : spec_strv_add(&s->proc_ro, &s->nproc_ro, path);
			if (r < 0)
				return nomem(o);
			continue;
		}
		if (!masked) {
			if (spec_strv_add(&s->tree.ro, &s->tree.nro, path) < 0)
				return nomem(o);
			continue;
		}
		for (size_t k = 0; k < s->tree.nmounts; k++) {
			const struct tree_mount *m = &s->tree.mounts[k];

			if (m->type == TM_BIND && at_or_below(path, m->dst))
				return fail(o, ENOTSUP, "%s[%zu] \"%s\": moat cannot mask a path in "
					    "the bind mount at \"%s\" yet; leave it out of the bound "
					    "directory instead", f, i, path, m->dst);
		}
		if (glob_escape(path, pattern, sizeof(pattern)) < 0)
			return fail(o, ENAMETOOLONG, "%s[%zu]: path too long", f, i);
		if (spec_strv_add(&s->tree.hide, &s->tree.nhide, pattern) < 0)
			return nomem(o);
	}
	return 0;
}

static int load_namespaces(struct oci *o, const cJSON *linux)
{
	static const char *const types[] = {
		"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
	};
	const cJSON *arr = get(linux, "namespaces");
	unsigned seen = 0;
	size_t i = 0;

	if (!arr)
		return 0;
	if (want_array(o, arr, "linux.namespaces") < 0)
		return -EINVAL;
	for (const cJSON *c = arr->child; c; c = c->next, i++) {
		char f[FIELD_MAX];
		const char *type = NULL;
		size_t k;

		snprintf(f, sizeof(f), "linux.namespaces[%zu]", i);
		if (want_object(o, c, f) < 0)
			return -EINVAL;
		if (!get(c, "type"))
			return fail(o, EINVAL, "%s.type: missing", f);
		if (want_str(o, get(c, "type"), f, &type) < 0)
			return -EINVAL;
		for (k = 0; k < ARRAY_SIZE(types); k++)
			if (!strcmp(type, types[k]))
				break;
		if (k == ARRAY_SIZE(types))
			return fail(o, EINVAL, "%s.type \"%s\": not a namespace type (pid, network, "
				    "mount, ipc, uts, user, cgroup, time)", f, type);
		if (seen & (1u << k))
			return fail(o, EINVAL, "%s.type \"%s\": listed twice; keep one", f, type);
		seen |= 1u << k;
		if (non_empty(get(c, "path")))
			return fail(o, ENOTSUP, "%s.path: moat cannot join an existing %s "
				    "namespace; it always creates its own (remove \"path\")", f, type);
	}
	return 0;
}

/* Mappings are accepted only where they say what moat does anyway. */
static int load_mapping(struct oci *o, const cJSON *linux, bool uid)
{
	const char *key = uid ? "uidMappings" : "gidMappings";
	const cJSON *arr = get(linux, key);
	uint32_t id = uid ? o->spec->uid : o->spec->gid;
	uint32_t host = uid ? (uint32_t)geteuid() : (uint32_t)getegid();
	bool covered = false;
	char f[FIELD_MAX];
	size_t i = 0;

	if (!arr)
		return 0;
	snprintf(f, sizeof(f), "linux.%s", key);
	if (want_array(o, arr, f) < 0)
		return -EINVAL;
	if (!arr->child)
		return 0;
	for (const cJSON *c = arr->child; c; c = c->next, i++) {
		char fi[FIELD_MAX + 16];
		int64_t cid, hid, size;

		snprintf(fi, sizeof(fi), "%s[%zu]", f, i);
		if (want_object(o, c, fi) < 0)
			return -EINVAL;
		if (!get(c, "containerID") || !get(c, "hostID") || !get(c, "size"))
			return fail(o, EINVAL, "%s: needs containerID, hostID and size", fi);
		if (want_uint(o, get(c, "containerID"), fi, UINT32_MAX, &cid) < 0 ||
		    want_uint(o, get(c, "hostID"), fi, UINT32_MAX, &hid) < 0 ||
		    want_uint(o, get(c, "size"), fi, UINT32_MAX, &size) < 0)
			return -EINVAL;
		if (id >= cid && id - cid < size)
			covered = hid + (id - cid) == host;
	}
	if (!covered)
		return fail(o, ENOTSUP, "%s: moat maps exactly one %s, the process's (%u), to "
			    "the user running moat (%u); remove the mappings or make them say so",
			    f, uid ? "uid" : "gid", id, host);
	return 0;
}

static int load_devices(struct oci *o, const cJSON *linux)
{
	static const struct {
		const char *path;
		int major, minor;
	} defaults[] = {
		{ "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 },
		{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
		{ "/dev/ptmx", 5, 2 },
	};
	const cJSON *arr = get(linux, "devices");
	size_t i = 0;

	if (!arr)
		return 0;
	if (want_array(o, arr, "linux.devices") < 0)
		return -EINVAL;
	for (const cJSON *c = arr->child; c; c = c->next, i++) {
		char f[FIELD_MAX];
		const char *path = "", *type = "";
		int64_t major = -1, minor = -1;
		bool ok = false;

		snprintf(f, sizeof(f), "linux.devices[%zu]", i);
		if (want_object(o, c, f) < 0)
			return -EINVAL;
		if ((get(c, "path") && want_str(o, get(c, "path"), f, &path) < 0) ||
		    (get(c, "type") && want_str(o, get(c, "type"), f, &type) < 0) ||
		    (get(c, "major") && want_int(o, get(c, "major"), f, true, &major) < 0) ||
		    (get(c, "minor") && want_int(o, get(c, "minor"), f, true, &minor) < 0))
			return -EINVAL;
		for (size_t k = 0; k < ARRAY_SIZE(defaults); k++)
			ok |= !strcmp(path, defaults[k].path) && !strcmp(type, "c") &&
			      major == defaults[k].major && minor == defaults[k].minor;
		if (!ok)
			return fail(o, ENOTSUP, "%s \"%s\": moat provides only the default devices "
				    "(/dev/null, zero, full, random, urandom, tty, ptmx); remove "
				    "the entry", f, path);
	}
	return 0;
}

/* Device-cgroup rules: checked for form; moat's device set is fixed. */
static int load_device_rules(struct oci *o, const cJSON *res)
{
	const cJSON *arr = get(res, "devices");
	size_t i = 0;

	if (!arr)
		return 0;
	if (want_array(o, arr, "linux.resources.devices") < 0)
		return -EINVAL;
	for (const cJSON *c = arr->child; c; c = c->next, i++) {
		char f[FIELD_MAX];
		const char *s;
		bool allow;

		snprintf(f, sizeof(f), "linux.resources.devices[%zu]", i);
		if (want_object(o, c, f) < 0)
			return -EINVAL;
		if (!get(c, "allow") || want_bool(o, get(c, "allow"), f, &allow) < 0)
			return fail(o, EINVAL, "%s.allow: expected true or false", f);
		if (get(c, "type") && (want_str(o, get(c, "type"), f, &s) < 0 ||
				       (strcmp(s, "a") && strcmp(s, "c") && strcmp(s, "b"))))
			return fail(o, EINVAL, "%s.type: expected \"a\", \"c\" or \"b\"", f);
		if (get(c, "access") && (want_str(o, get(c, "access"), f, &s) < 0 ||
					 s[strspn(s, "rwm")] != '\0'))
			return fail(o, EINVAL, "%s.access: expected letters of \"rwm\"", f);
	}
	if (i)
		ignored("linux.resources.devices", "the guest reaches only the default devices "
			"whatever the rules say");
	return 0;
}

static int load_memory(struct oci *o, const cJSON *res)
{
	const cJSON *mem = get(res, "memory"), *v;
	int64_t n;
	int r;

	if (!mem)
		return 0;
	if (want_object(o, mem, "linux.resources.memory") < 0)
		return -EINVAL;
	if ((v = get(mem, "limit"))) {
		r = want_int(o, v, "linux.resources.memory.limit", true, &n);
		if (r < 0)
			return r;
		if (n < -1)
			return fail(o, EINVAL, "linux.resources.memory.limit: %lld: give bytes, or "
				    "-1 for no limit", (long long)n);
		if (r == NUM_EXACT && n > 0)
			o->spec->memory_bytes = (uint64_t)n;
	}
	static const char *const numeric[] = {
		"reservation", "swap", "kernel", "kernelTCP", "swappiness",
	};
	for (size_t k = 0; k < ARRAY_SIZE(numeric); k++) {
		char f[FIELD_MAX];

		snprintf(f, sizeof(f), "linux.resources.memory.%s", numeric[k]);
		if ((v = get(mem, numeric[k])) && want_int(o, v, f, true, &n) < 0)
			return -EINVAL;
	}
	if (get(mem, "swap"))
		ignored("linux.resources.memory.swap", "with a memory limit the guest gets no "
			"swap at all");
	if (non_empty(get(mem, "disableOOMKiller")))
		ignored("linux.resources.memory.disableOOMKiller", "a guest over its limit is "
			"killed");
	return 0;
}

static int load_cpu(struct oci *o, const cJSON *res)
{
	const cJSON *cpu = get(res, "cpu"), *v;
	int64_t n;

	if (!cpu)
		return 0;
	if (want_object(o, cpu, "linux.resources.cpu") < 0)
		return -EINVAL;
	if ((v = get(cpu, "quota"))) {
		if (want_int(o, v, "linux.resources.cpu.quota", true, &n) < 0)
			return -EINVAL;
		if (n > 0)
			return fail(o, ENOTSUP, "linux.resources.cpu.quota: CPU quotas are not "
				    "supported yet; remove it");
	}
	if (non_empty(get(cpu, "burst")))
		return fail(o, ENOTSUP, "linux.resources.cpu.burst: CPU quotas are not supported "
			    "yet; remove it");
	if (non_empty(get(cpu, "cpus")) || non_empty(get(cpu, "mems")))
		return fail(o, ENOTSUP, "linux.resources.cpu.%s: moat cannot pin the guest to "
			    "CPUs or memory nodes yet; remove it",
			    non_empty(get(cpu, "cpus")) ? "cpus" : "mems");
	/* Weights, not limits: without them the guest competes as any process. */
	if (get(cpu, "shares") || get(cpu, "idle") || get(cpu, "period") ||
	    get(cpu, "realtimeRuntime") || get(cpu, "realtimePeriod"))
		ignored("linux.resources.cpu", "CPU weights and periods are not applied");
	return 0;
}

static int load_resources(struct oci *o, const cJSON *linux)
{
	const cJSON *res = get(linux, "resources"), *v;
	int64_t n;
	int r;

	if (!res)
		return 0;
	if (want_object(o, res, "linux.resources") < 0)
		return -EINVAL;
	if (load_device_rules(o, res) < 0 || load_memory(o, res) < 0 || load_cpu(o, res) < 0)
		return -o->e->errnum;
	if ((v = get(res, "pids"))) {
		if (want_object(o, v, "linux.resources.pids") < 0)
			return -EINVAL;
		if ((v = get(v, "limit"))) {
			r = want_int(o, v, "linux.resources.pids.limit", true, &n);
			if (r < 0)
				return r;
			if (n < -1)
				return fail(o, EINVAL, "linux.resources.pids.limit: %lld: give a "
					    "number of tasks, or -1 (or 0) for no limit", (long long)n);
			if (r == NUM_EXACT && n > 0)
				o->spec->pids = (uint64_t)n;
		}
	}
	if ((v = get(res, "blockIO"))) {
		static const char *const throttles[] = {
			"throttleReadBpsDevice", "throttleWriteBpsDevice",
			"throttleReadIOPSDevice", "throttleWriteIOPSDevice",
		};

		if (want_object(o, v, "linux.resources.blockIO") < 0)
			return -EINVAL;
		for (size_t k = 0; k < ARRAY_SIZE(throttles); k++)
			if (non_empty(get(v, throttles[k])))
				return fail(o, ENOTSUP, "linux.resources.blockIO.%s: I/O limits are "
					    "not supported yet; remove it", throttles[k]);
		ignored("linux.resources.blockIO", "I/O weights are not applied");
	}
	if (non_empty(get(res, "hugepageLimits")))
		return fail(o, ENOTSUP, "linux.resources.hugepageLimits: huge page limits are not "
			    "supported yet; remove them");
	if (non_empty(get(res, "unified")))
		return fail(o, ENOTSUP, "linux.resources.unified: moat does not write raw cgroup "
			    "files; remove it (memory and pids limits have their own fields)");
	if (get(res, "network"))
		ignored("linux.resources.network", "the guest has no host network interface");
	if (get(res, "rdma"))
		ignored("linux.resources.rdma", "the guest has no RDMA device");
	return 0;
}

/* Sysctls that only loosen what a guest may do: safe to leave unapplied. */
static const char *const loosening_sysctls[] = {
	"net.ipv4.ip_unprivileged_port_start", "net.ipv4.ping_group_range",
};

static int load_linux_misc(struct oci *o, const cJSON *linux)
{
	const cJSON *v;
	const char *s;

	if ((v = get(linux, "sysctl"))) {
		if (want_object(o, v, "linux.sysctl") < 0)
			return -EINVAL;
		for (const cJSON *c = v->child; c; c = c->next) {
			if (!in_list(c->string, loosening_sysctls, ARRAY_SIZE(loosening_sysctls)))
				return fail(o, ENOTSUP, "linux.sysctl \"%s\": moat does not set "
					    "sysctls; remove it", c->string);
			ignored("linux.sysctl", "the listed settings only loosen the sandbox");
		}
	}
	if ((v = get(linux, "seccomp"))) {
		const cJSON *def;

		if (want_object(o, v, "linux.seccomp") < 0)
			return -EINVAL;
		def = get(v, "defaultAction");
		/* A profile that allows everything asks for nothing moat lacks. */
		if (!(def && cJSON_IsString(def) && !strcmp(def->valuestring, "SCMP_ACT_ALLOW") &&
		      !non_empty(get(v, "syscalls"))))
			return fail(o, ENOTSUP, "linux.seccomp: moat cannot load a seccomp profile "
				    "yet; its own filter confines every guest (docs/security.md); "
				    "remove linux.seccomp");
	}
	if ((v = get(linux, "rootfsPropagation"))) {
		if (want_str(o, v, "linux.rootfsPropagation", &s) < 0)
			return -EINVAL;
		ignored("linux.rootfsPropagation", "the sandbox's mounts are always private");
	}
	if ((v = get(linux, "cgroupsPath"))) {
		if (want_str(o, v, "linux.cgroupsPath", &s) < 0)
			return -EINVAL;
		ignored("linux.cgroupsPath", "moat names its cgroups moat-ID");
	}
	if (non_empty(get(linux, "mountLabel")))
		return fail(o, ENOTSUP, "linux.mountLabel: moat does not apply SELinux labels; "
			    "remove the field");
	if (non_empty(get(linux, "intelRdt")))
		return fail(o, ENOTSUP, "linux.intelRdt: not supported; remove it");
	if (non_empty(get(linux, "timeOffsets")))
		return fail(o, ENOTSUP, "linux.timeOffsets: moat does not create a time "
			    "namespace; remove it");
	if (non_empty(get(linux, "netDevices")))
		return fail(o, ENOTSUP, "linux.netDevices: moat gives the guest no host network "
			    "device; remove it");
	if ((v = get(linux, "personality"))) {
		const cJSON *d;

		if (want_object(o, v, "linux.personality") < 0)
			return -EINVAL;
		d = get(v, "domain");
		if ((d && (!cJSON_IsString(d) || strcmp(d->valuestring, "LINUX"))) ||
		    non_empty(get(v, "flags")))
			return fail(o, ENOTSUP, "linux.personality: moat runs the guest with the "
				    "LINUX personality only; remove the field");
	}
	return 0;
}

static int load_linux(struct oci *o, const cJSON *doc)
{
	const cJSON *linux = get(doc, "linux");

	if (!linux)
		return 0;
	if (want_object(o, linux, "linux") < 0)
		return -EINVAL;
	if (load_namespaces(o, linux) < 0 || load_mapping(o, linux, true) < 0 ||
	    load_mapping(o, linux, false) < 0 || load_devices(o, linux) < 0 ||
	    load_resources(o, linux) < 0 || load_paths(o, linux, true) < 0 ||
	    load_paths(o, linux, false) < 0 || load_linux_misc(o, linux) < 0)
		return -o->e->errnum;
	return 0;
}

/* ---- the rest ---------------------------------------------------------- */

static int load_other(struct oci *o, const cJSON *doc)
{
	static const char *const platforms[] = { "solaris", "windows", "vm", "zos" };
	const cJSON *hooks = get(doc, "hooks");

	if (hooks) {
		if (want_object(o, hooks, "hooks") < 0)
			return -EINVAL;
		for (const cJSON *c = hooks->child; c; c = c->next) {
			char f[FIELD_MAX];

			snprintf(f, sizeof(f), "hooks.%s", c->string);
			if (!cJSON_IsNull(c) && want_array(o, c, f) < 0)
				return -EINVAL;
			if (non_empty(c))
				return fail(o, ENOTSUP, "%s: moat does not run OCI hooks; remove "
					    "them", f);
		}
	}
	for (size_t k = 0; k < ARRAY_SIZE(platforms); k++)
		if (get(doc, platforms[k]))
			return fail(o, ENOTSUP, "%s: this section is for another platform; moat "
				    "runs Linux containers", platforms[k]);
	/* annotations: free-form metadata, ignored as the spec allows */
	return 0;
}

int oci_load_extra(const char *bundle, struct moat_spec *spec, struct oci_extra *x,
		   struct merr *e)
{
	struct oci o = { .spec = spec, .x = x, .e = e };
	struct merr local = { 0 };
	cJSON *doc = NULL;
	struct stat st;
	int r;

	if (!o.e)
		o.e = &local;
	if (x)
		memset(x, 0, sizeof(*x));
	snprintf(o.config, sizeof(o.config), "%s/config.json", bundle);
	if (!realpath(bundle, o.bundle) || stat(o.bundle, &st) < 0)
		return merr_set(o.e, errno, "bundle %s: %s; give the directory that holds "
				"config.json", bundle, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return merr_set(o.e, ENOTDIR, "bundle %s: not a directory; give the directory "
				"that holds config.json", bundle);
	if (snprintf(o.config, sizeof(o.config), "%s/config.json", o.bundle) >=
	    (int)sizeof(o.config))
		return merr_set(o.e, ENAMETOOLONG, "bundle %s: path too long", bundle);
	r = read_config(&o, &doc);
	if (r < 0)
		return r;
	if (load_version(&o, doc) < 0 || load_root(&o, doc) < 0 || load_process(&o, doc) < 0 ||
	    load_hostname(&o, doc) < 0 || load_mounts(&o, doc) < 0 || load_linux(&o, doc) < 0 ||
	    load_other(&o, doc) < 0)
		r = -o.e->errnum;
	cJSON_Delete(doc);
	return r;
}

int oci_load(const char *bundle, struct moat_spec *spec, struct merr *e)
{
	return oci_load_extra(bundle, spec, NULL, e);
}

bool oci_valid_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 64)
		return false;
	if (!((id[0] >= 'A' && id[0] <= 'Z') || (id[0] >= 'a' && id[0] <= 'z') ||
	      (id[0] >= '0' && id[0] <= '9')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = id[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}
