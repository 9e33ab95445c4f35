// SPDX-License-Identifier: MIT
/*
 * oci.c - an OCI bundle's config.json to a struct moat_spec (see oci.h).
 *
 * Theory of operation
 * -------------------
 * read_config() reads BUNDLE/config.json (a regular file, at most
 * OCI_CONFIG_MAX bytes) and vets the raw bytes before jansson sees them: no
 * NUL byte and no \u0000 escape (a C string would end there, where another
 * runtime's would not), and no objects and arrays nested more than
 * OCI_NESTING_LIMIT deep.  jansson then refuses a key given twice in one
 * object (parsers disagree on which one wins) and bytes that are not UTF-8,
 * and on a parse failure read_config() tells a truncated file (the brackets
 * never close) from a syntax error (line and column).
 *
 * The loaders then walk the document one section at a time, in the order the
 * runtime-spec describes it: this file loads ociVersion, root, process,
 * hostname and the top-level rest, and holds the typed access helpers all
 * loaders use (oci_internal.h); oci_mounts.c loads mounts, maskedPaths and
 * readonlyPaths; oci_linux.c the rest of the linux object.  Every field
 * falls in one of three classes, and docs/config.md lists which:
 *   - applied: copied into the spec (args, env, cwd, user, rlimits, root,
 *     hostname, mounts, masked and read-only paths, memory and pids limits);
 *   - ignored: fields that cannot weaken the sandbox if dropped, because moat
 *     is already stricter (capabilities: none are granted; namespaces: all are
 *     always created; noNewPrivileges: always set) or because they only tune
 *     scheduling or naming (cpu shares, oomScoreAdj, cgroupsPath,
 *     annotations).  They are logged at --log-level info;
 *   - refused: fields moat cannot apply and whose absence would leave the
 *     guest with more than the config allows (a seccomp profile, AppArmor,
 *     CPU quotas, hooks, joining a namespace...).  These fail with ENOTSUP
 *     and a message naming the field.
 * Malformed values (wrong type, out of range, relative paths) fail with
 * EINVAL.  Every message has the form "CONFIG: FIELD: reason; what to do".
 *
 * Numbers: they are read as doubles (JSON_DECODE_INT_AS_REAL), exact up to
 * 2^53.  A larger value is treated as "unlimited" where the field is a limit
 * (rlimits, memory), and refused where it must be exact (ids).
 *
 * What this file trusts: nothing in config.json.  Host paths it resolves
 * (root.path, bind sources) belong to whoever wrote the bundle, who runs
 * moat; they are resolved with realpath() on the host, as runc does.
 */
#include "sentry/oci_internal.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsontext.h"
#include "log.h"
#include "util.h"

#define TWO_POW_53 9007199254740992.0

/* Deeper than any config.json, and than jansson goes (JSON_PARSER_MAX_DEPTH). */
#define OCI_NESTING_LIMIT 1000

int oci_fail(struct oci *o, int errnum, const char *fmt, ...)
{
	char msg[sizeof(o->e->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return merr_set(o->e, errnum, "%s: %s", o->config, msg);
}

int oci_nomem(struct oci *o)
{
	return oci_fail(o, ENOMEM, "out of memory");
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
 * scan_depth() - how many brackets are open at @end, outside strings
 * @buf:	the file, read from its start
 * @open_string: set to the offset of the quote of a string still open at
 *		@end, or SIZE_MAX
 * @limit, @deep_at: @deep_at is set to the offset of the first bracket that
 *		opens more than @limit levels, or SIZE_MAX
 */
static long scan_depth(const char *buf, size_t end, size_t *open_string, long limit,
		       size_t *deep_at)
{
	bool in_string = false, escaped = false;
	size_t string_start = 0;
	long depth = 0;

	*deep_at = SIZE_MAX;
	for (size_t i = 0; i < end; i++) {
		char c = buf[i];

		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
			string_start = i;
		} else if (c == '{' || c == '[') {
			if (++depth > limit && *deep_at == SIZE_MAX)
				*deep_at = i;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	*open_string = in_string ? string_start : SIZE_MAX;
	return depth;
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
	size_t i = 0, string_start, deep_at;
	long depth;

	while (i < len && is_space(buf[i]))
		i++;
	if (i == len)
		return true;	/* nothing at all */
	depth = scan_depth(buf, len, &string_start, LONG_MAX, &deep_at);
	if (string_start != SIZE_MAX)
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
 * vet_bytes() - refuse what a C program would read differently from others
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
		return oci_fail(o, EINVAL, "a NUL byte at line %u, column %u: this is not a text "
				"file; write config.json as UTF-8 JSON", line, col);
	}
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\\')
			continue;
		if (buf[i + 1] == 'u' && i + 5 < len && !memcmp(buf + i + 2, "0000", 4)) {
			position(buf, i, &line, &col);
			return oci_fail(o, EINVAL, "\\u0000 in a string at line %u, column %u: NUL "
					"characters are not allowed in config.json", line, col);
		}
		i++;	/* skip the escaped character, so "\\\\u0000" is two characters */
	}
	return 0;
}

/* The message for a document jansson could not parse (@je says why). */
static int parse_failure(struct oci *o, const char *buf, size_t len, const json_error_t *je)
{
	size_t end = je->position >= 0 && (size_t)je->position <= len ? (size_t)je->position : len;
	size_t off = json_token_start(buf, end);
	unsigned line, col;
	char near[24];

	position(buf, off, &line, &col);
	switch (json_error_code(je)) {
	case json_error_duplicate_key:
		return oci_fail(o, EINVAL, "the key %.*s appears twice in one object (line %u, "
				"column %u); keep one of them", (int)(end - off), buf + off,
				line, col);
	case json_error_invalid_utf8:
		position(buf, end, &line, &col);
		return oci_fail(o, EINVAL, "bytes that are not UTF-8 at line %u, column %u; "
				"write config.json as UTF-8 JSON", line, col);
	case json_error_premature_end_of_input:
		break;
	default:
		if (!truncated(buf, len, off))
			return oci_fail(o, EINVAL, "malformed JSON at line %u, column %u (near "
					"\"%s\"); fix the syntax there", line, col,
					excerpt(buf + off, near));
	}
	position(buf, len, &line, &col);
	return oci_fail(o, EINVAL, "truncated JSON: the file ends at line %u before the "
			"document is complete; write the whole file again", line);
}

/**
 * read_config() - read, vet and parse config.json
 * @o:		context (o->config is the path)
 * @out:	the parsed document, to json_decref()
 *
 * Return: 0, -ENOENT, -EFBIG, -EINVAL or another -errno from open/read
 */
static int read_config(struct oci *o, json_t **out)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	json_error_t je;
	struct stat st;
	size_t len = 0, at, open_string;
	json_t *doc;

	/* O_NONBLOCK: a FIFO planted as config.json must not hang us. */
	fd = open(o->config, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int err = errno;

		if (err == ENOENT)
			return oci_fail(o, ENOENT, "no such file; a bundle directory holds "
					"config.json and the root file system (give the bundle "
					"with --bundle DIR)");
		return oci_fail(o, err, "open: %s", strerror(err));
	}
	if (fstat(fd, &st) < 0)
		return oci_fail(o, errno, "stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return oci_fail(o, EINVAL, "not a regular file; config.json must be a plain file");
	if (st.st_size > (off_t)OCI_CONFIG_MAX)
		return oci_fail(o, EFBIG, "%lld bytes is more than moat reads (%u bytes); "
				"is this the right file?", (long long)st.st_size, OCI_CONFIG_MAX);
	buf = malloc(OCI_CONFIG_MAX + 1);
	if (!buf)
		return oci_nomem(o);
	for (;;) {
		ssize_t n = read(fd, buf + len, OCI_CONFIG_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return oci_fail(o, errno, "read: %s", strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > OCI_CONFIG_MAX)	/* it grew while we read it */
			return oci_fail(o, EFBIG, "more than %u bytes; is this the right file?",
					OCI_CONFIG_MAX);
	}
	buf[len] = '\0';
	if (vet_bytes(o, buf, len) < 0)
		return -EINVAL;
	scan_depth(buf, len, &open_string, OCI_NESTING_LIMIT, &at);
	if (at != SIZE_MAX) {
		unsigned line, col;

		position(buf, at, &line, &col);
		return oci_fail(o, EINVAL, "objects and arrays nested more than %d deep at line "
				"%u, column %u; no config.json needs that many",
				OCI_NESTING_LIMIT, line, col);
	}
	/*
	 * jansson refuses what follows the document, a key given twice in one
	 * object (parsers disagree on which one wins), bytes that are not
	 * UTF-8, and \u0000 (vet_bytes() said so already).  Every number is
	 * read as a double, as the loaders expect (see the top).
	 */
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
	if (!doc)
		return parse_failure(o, buf, len, &je);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return oci_fail(o, EINVAL, "the top level must be a JSON object ({...})");
	}
	*out = doc;
	return 0;
}

/* ---- typed access ------------------------------------------------------ */

/* null reads as "not given", as in Go */
const json_t *oci_get(const json_t *obj, const char *key)
{
	const json_t *v = obj ? json_object_get(obj, key) : NULL;

	return v && !json_is_null(v) ? v : NULL;
}

static const char *kind_of(const json_t *v)
{
	if (json_is_string(v))
		return "a string";
	if (json_is_number(v))
		return "a number";
	if (json_is_boolean(v))
		return "true or false";
	if (json_is_array(v))
		return "an array";
	if (json_is_object(v))
		return "an object";
	return "null";
}

static int wrong_type(struct oci *o, const json_t *v, const char *f, const char *want)
{
	return oci_fail(o, EINVAL, "%s: expected %s, found %s", f, want, kind_of(v));
}

int oci_want_str(struct oci *o, const json_t *v, const char *f, const char **out)
{
	*out = "";
	if (!json_is_string(v))
		return wrong_type(o, v, f, "a string");
	*out = json_string_value(v);
	return 0;
}

int oci_want_bool(struct oci *o, const json_t *v, const char *f, bool *out)
{
	*out = false;
	if (!json_is_boolean(v))
		return wrong_type(o, v, f, "true or false");
	*out = json_is_true(v);
	return 0;
}

int oci_want_array(struct oci *o, const json_t *v, const char *f)
{
	return json_is_array(v) ? 0 : wrong_type(o, v, f, "an array");
}

int oci_want_object(struct oci *o, const json_t *v, const char *f)
{
	return json_is_object(v) ? 0 : wrong_type(o, v, f, "an object");
}

/**
 * oci_want_int() - a whole number
 * @v:		the value
 * @f:		field name for messages
 * @negative:	whether values below 0 are allowed
 * @out:	the number; INT64_MAX when it is 2^53 or more
 *
 * Return: NUM_EXACT, NUM_HUGE (too large for a double to hold exactly; the
 * caller decides whether that means "unlimited"), or -EINVAL
 */
int oci_want_int(struct oci *o, const json_t *v, const char *f, bool negative, int64_t *out)
{
	double d;

	*out = 0;
	if (!json_is_number(v))
		return wrong_type(o, v, f, "a number");
	d = json_number_value(v);
	if (d != d || d < -TWO_POW_53)
		return oci_fail(o, EINVAL, "%s: %g is not a usable number", f, d);
	if (d < 0 && !negative)
		return oci_fail(o, EINVAL, "%s: %.0f: must not be negative", f, d);
	if (d >= TWO_POW_53) {
		*out = INT64_MAX;
		return NUM_HUGE;
	}
	if (d != (double)(int64_t)d)
		return oci_fail(o, EINVAL, "%s: %g: must be a whole number", f, d);
	*out = (int64_t)d;
	return NUM_EXACT;
}

/* A whole number in [0, max] that must be exact (ids, modes). */
int oci_want_uint(struct oci *o, const json_t *v, const char *f, int64_t max, int64_t *out)
{
	int r = oci_want_int(o, v, f, false, out);

	if (r < 0)
		return r;
	if (r == NUM_HUGE || *out > max)
		return oci_fail(o, EINVAL, "%s: must be at most %lld", f, (long long)max);
	return 0;
}

/* Each element of a string array, checked. */
int oci_want_str_array(struct oci *o, const json_t *v, const char *f)
{
	size_t i = 0;
	int r = oci_want_array(o, v, f);

	for (const json_t *c = json_array_get(v, 0); !r && c; c = json_array_get(v, ++i))
		if (!json_is_string(c))
			r = oci_fail(o, EINVAL, "%s[%zu]: expected a string, found %s", f, i,
				     kind_of(c));
	return r;
}

/* Whether @v has the JSON type @kind stands for. */
static bool is_kind(const json_t *v, enum oci_kind kind)
{
	switch (kind) {
	case OCI_STRING:
		return json_is_string(v);
	case OCI_NUMBER:
		return json_is_number(v);
	case OCI_BOOL:
		return json_is_boolean(v);
	case OCI_ARRAY:
		return json_is_array(v);
	case OCI_OBJECT:
		return json_is_object(v);
	}
	return false;
}

int oci_check_types(struct oci *o, const json_t *obj, const char *f,
		    const struct oci_member *members, size_t n)
{
	static const char *const wants[] = {
		[OCI_STRING] = "a string", [OCI_NUMBER] = "a number",
		[OCI_BOOL] = "true or false", [OCI_ARRAY] = "an array",
		[OCI_OBJECT] = "an object",
	};

	for (size_t i = 0; i < n; i++) {
		const json_t *v = oci_get(obj, members[i].key);
		char fm[FIELD_MAX * 2];

		if (!v || is_kind(v, members[i].kind))
			continue;
		snprintf(fm, sizeof(fm), "%s.%s", f, members[i].key);
		return wrong_type(o, v, fm, wants[members[i].kind]);
	}
	return 0;
}

/* Whether a field that would be refused when set holds something. */
bool oci_non_empty(const json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_string(v))
		return json_string_value(v)[0] != '\0';
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	if (json_is_number(v))
		return json_number_value(v) != 0;
	return true;
}

void oci_ignored(const char *field, const char *why)
{
	log_info("config.json: %s is ignored: %s", field, why);
}

bool oci_in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

/* ---- paths ------------------------------------------------------------- */

/**
 * oci_clean_abs() - check and normalise an absolute path in the sandbox
 * @in:		the path from config.json
 * @out:	"/a/b": single slashes, no trailing slash
 *
 * Return: 0, or -EINVAL for a relative path, a "." or ".." component, or a
 * path that does not fit
 */
int oci_clean_abs(const char *in, char *out, size_t cap)
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
bool oci_at_or_below(const char *path, const char *dir)
{
	size_t n = strlen(dir), len = strlen(path);

	if (!strcmp(dir, "/"))
		return true;
	if (len < n || memcmp(path, dir, n))
		return false;
	return len == n || path[n] == '/';
}

/* @rel relative to the bundle, or absolute as it is. */
int oci_bundle_path(struct oci *o, const char *rel, char *out, size_t cap)
{
	int n = rel[0] == '/' ? snprintf(out, cap, "%s", rel)
			      : snprintf(out, cap, "%s/%s", o->bundle, rel);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* ---- ociVersion, root, hostname ---------------------------------------- */

/* One number of a version: digits only (sscanf's %u would take " +2" too). */
static bool version_number(const char **p, unsigned *out)
{
	unsigned long n = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		n = n * 10 + (unsigned long)(*s - '0');
		if (n > 9999)
			return false;
	}
	*out = (unsigned)n;
	*p = s;
	return true;
}

static int load_version(struct oci *o, const json_t *doc)
{
	const json_t *v = oci_get(doc, "ociVersion");
	unsigned major, minor, patch;
	const char *s = NULL, *p;

	if (!v)
		return oci_fail(o, EINVAL, "ociVersion: missing; give the runtime-spec version the "
				"file follows, such as \"1.2.0\"");
	if (oci_want_str(o, v, "ociVersion", &s) < 0)
		return -EINVAL;
	p = s;
	if (!version_number(&p, &major) || *p++ != '.' || !version_number(&p, &minor) ||
	    *p++ != '.' || !version_number(&p, &patch) || (*p && *p != '-' && *p != '+'))
		return oci_fail(o, EINVAL, "ociVersion \"%s\": not a version such as \"1.2.0\"", s);
	if (major != 1 || minor > 2)
		return oci_fail(o, ENOTSUP, "ociVersion \"%s\": moat reads runtime-spec 1.0.x to "
				"1.2.x; write the config for one of those", s);
	return 0;
}

static int load_root(struct oci *o, const json_t *doc)
{
	const json_t *root = oci_get(doc, "root"), *v;
	char joined[PATH_MAX], real[PATH_MAX];
	const char *path = NULL;
	bool readonly = false;
	struct stat st;

	if (!root)
		return oci_fail(o, EINVAL, "root: missing; give {\"path\": \"rootfs\"}");
	if (oci_want_object(o, root, "root") < 0)
		return -EINVAL;
	v = oci_get(root, "path");
	if (!v)
		return oci_fail(o, EINVAL, "root.path: missing; give the root file system's "
				"directory, relative to the bundle");
	if (oci_want_str(o, v, "root.path", &path) < 0)
		return -EINVAL;
	if (!path[0])
		return oci_fail(o, EINVAL, "root.path: empty; give the root file system's "
				"directory");
	v = oci_get(root, "readonly");
	if (v && oci_want_bool(o, v, "root.readonly", &readonly) < 0)
		return -EINVAL;
	if (oci_bundle_path(o, path, joined, sizeof(joined)) < 0)
		return oci_fail(o, ENAMETOOLONG, "root.path \"%s\": path too long", path);
	if (!realpath(joined, real) || stat(real, &st) < 0) {
		int err = errno;

		return oci_fail(o, err, "root.path \"%s\": %s: %s; create the root file system "
				"there or fix root.path", path, joined, strerror(err));
	}
	if (!S_ISDIR(st.st_mode))
		return oci_fail(o, ENOTDIR, "root.path \"%s\": %s is not a directory", path, real);
	if (!strcmp(real, "/"))
		return oci_fail(o, ENOTSUP, "root.path \"%s\": this is the host's root; to run on "
				"it, use moat do, which puts it under a copy-on-write layer", path);
	o->spec->tree.rootfs = strdup(real);
	if (!o->spec->tree.rootfs)
		return oci_nomem(o);
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

static int load_hostname(struct oci *o, const json_t *doc)
{
	const json_t *v = oci_get(doc, "hostname");
	const char *s;

	if (oci_get(doc, "domainname")) {
		const char *d;

		if (oci_want_str(o, oci_get(doc, "domainname"), "domainname", &d) < 0)
			return -EINVAL;
		if (d[0])
			oci_ignored("domainname", "the guest's NIS domain name stays \"(none)\"");
	}
	if (!v)
		return 0;
	if (oci_want_str(o, v, "hostname", &s) < 0)
		return -EINVAL;
	if (strlen(s) > 64)
		return oci_fail(o, EINVAL, "hostname: longer than 64 characters");
	if (!s[0])
		return 0;	/* moat's default name */
	free(o->spec->hostname);
	o->spec->hostname = strdup(s);
	return o->spec->hostname ? 0 : oci_nomem(o);
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
static int rlim_value(struct oci *o, const json_t *v, const char *f, rlim_t *out)
{
	int64_t n;
	int r = oci_want_int(o, v, f, false, &n);

	if (r < 0)
		return r;
	*out = r == NUM_HUGE ? RLIM_INFINITY : (rlim_t)n;
	return 0;
}

static int load_rlimits(struct oci *o, const json_t *arr)
{
	struct moat_spec *s = o->spec;
	size_t i = 0;

	if (oci_want_array(o, arr, "process.rlimits") < 0)
		return -EINVAL;
	for (const json_t *c = json_array_get(arr, 0); c; c = json_array_get(arr, ++i)) {
		char f[FIELD_MAX];
		const char *type;
		struct spec_rlimit rl = { .resource = -1 };
		struct spec_rlimit *n;
		struct rlimit own;
		const json_t *v;

		snprintf(f, sizeof(f), "process.rlimits[%zu]", i);
		if (oci_want_object(o, c, f) < 0)
			return -EINVAL;
		v = oci_get(c, "type");
		if (!v)
			return oci_fail(o, EINVAL, "%s.type: missing; give a name such as "
					"\"RLIMIT_NOFILE\"", f);
		{
			char ft[FIELD_MAX + 8];

			snprintf(ft, sizeof(ft), "%s.type", f);
			if (oci_want_str(o, v, ft, &type) < 0)
				return -EINVAL;
		}
		for (size_t k = 0; k < ARRAY_SIZE(rlimit_names); k++)
			if (!strcmp(type, rlimit_names[k].name))
				rl.resource = rlimit_names[k].resource;
		if (rl.resource < 0)
			return oci_fail(o, EINVAL, "%s.type \"%s\": not a resource limit Linux "
					"knows (RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_CORE, ...)",
					f, type);
		for (size_t k = 0; k < s->nrlimits; k++)
			if (s->rlimits[k].resource == rl.resource)
				return oci_fail(o, EINVAL, "%s.type \"%s\": given twice; keep one",
						f, type);
		if (!oci_get(c, "soft") || !oci_get(c, "hard"))
			return oci_fail(o, EINVAL, "%s (%s): needs both \"soft\" and \"hard\"",
					f, type);
		{
			char fs[FIELD_MAX + 8], fh[FIELD_MAX + 8];

			snprintf(fs, sizeof(fs), "%s.soft", f);
			snprintf(fh, sizeof(fh), "%s.hard", f);
			if (rlim_value(o, oci_get(c, "soft"), fs, &rl.lim.rlim_cur) < 0 ||
			    rlim_value(o, oci_get(c, "hard"), fh, &rl.lim.rlim_max) < 0)
				return -EINVAL;
		}
		if (rl.lim.rlim_cur > rl.lim.rlim_max)
			return oci_fail(o, EINVAL, "%s (%s): the soft limit is above the hard "
					"limit", f, type);
		/* The guest cannot raise a hard limit: it has no privilege on the host. */
		if (getrlimit(rl.resource, &own) == 0 && own.rlim_max != RLIM_INFINITY &&
		    (rl.lim.rlim_max == RLIM_INFINITY || rl.lim.rlim_max > own.rlim_max))
			return oci_fail(o, EINVAL, "%s (%s): the hard limit is above moat's own "
					"(%llu); lower it, or raise moat's limit before starting "
					"it", f, type, (unsigned long long)own.rlim_max);
		n = realloc(s->rlimits, (s->nrlimits + 1) * sizeof(*n));
		if (!n)
			return oci_nomem(o);
		s->rlimits = n;
		s->rlimits[s->nrlimits++] = rl;
	}
	return 0;
}

static int load_user(struct oci *o, const json_t *user)
{
	const json_t *v;
	const char *s;
	int64_t n;
	size_t i = 0;

	if (oci_want_object(o, user, "process.user") < 0)
		return -EINVAL;
	/* (uid_t)-1 means "no change" to the kernel: never a real id. */
	if ((v = oci_get(user, "uid"))) {
		if (oci_want_uint(o, v, "process.user.uid", UINT32_MAX - 1, &n) < 0)
			return -EINVAL;
		o->spec->uid = (uid_t)n;
	}
	if ((v = oci_get(user, "gid"))) {
		if (oci_want_uint(o, v, "process.user.gid", UINT32_MAX - 1, &n) < 0)
			return -EINVAL;
		o->spec->gid = (gid_t)n;
	}
	if ((v = oci_get(user, "umask"))) {
		if (oci_want_uint(o, v, "process.user.umask", 0777, &n) < 0)
			return -EINVAL;
		if (!o->x)
			return oci_fail(o, ENOTSUP, "process.user.umask: this caller cannot apply "
					"a umask; remove it");
		o->x->has_umask = true;
		o->x->umask = (mode_t)n;
	}
	if ((v = oci_get(user, "additionalGids"))) {
		if (oci_want_array(o, v, "process.user.additionalGids") < 0)
			return -EINVAL;
		for (const json_t *c = json_array_get(v, 0); c; c = json_array_get(v, ++i)) {
			char f[FIELD_MAX];

			snprintf(f, sizeof(f), "process.user.additionalGids[%zu]", i);
			if (oci_want_uint(o, c, f, UINT32_MAX - 1, &n) < 0)
				return -EINVAL;
			if ((gid_t)n != o->spec->gid)
				return oci_fail(o, ENOTSUP, "%s: %lld: moat maps exactly one group "
						"into the sandbox, the process's gid (%u); remove "
						"the additional groups",
						f, (long long)n, o->spec->gid);
		}
	}
	if ((v = oci_get(user, "username")) && oci_want_str(o, v, "process.user.username", &s) < 0)
		return -EINVAL;
	if (v)
		oci_ignored("process.user.username", "it is for Windows");
	return 0;
}

static int load_capabilities(struct oci *o, const json_t *caps)
{
	static const char *const sets[] = {
		"bounding", "effective", "inheritable", "permitted", "ambient",
	};
	size_t asked = 0;

	if (oci_want_object(o, caps, "process.capabilities") < 0)
		return -EINVAL;
	for (size_t k = 0; k < ARRAY_SIZE(sets); k++) {
		const json_t *v = oci_get(caps, sets[k]);
		char f[FIELD_MAX];

		if (!v)
			continue;
		snprintf(f, sizeof(f), "process.capabilities.%s", sets[k]);
		if (oci_want_str_array(o, v, f) < 0)
			return -EINVAL;
		asked += (size_t)json_array_size(v);
	}
	if (asked)
		oci_ignored("process.capabilities", "the guest runs with no capabilities at all; "
			    "the ones listed are dropped");
	return 0;
}

static int load_env(struct oci *o, const json_t *env)
{
	size_t i = 0;

	if (oci_want_array(o, env, "process.env") < 0)
		return -EINVAL;
	for (const json_t *c = json_array_get(env, 0); c; c = json_array_get(env, ++i)) {
		char f[FIELD_MAX];
		const char *kv = NULL;

		snprintf(f, sizeof(f), "process.env[%zu]", i);
		if (oci_want_str(o, c, f, &kv) < 0)
			return -EINVAL;
		if (!strchr(kv, '=') || kv[0] == '=')
			return oci_fail(o, EINVAL, "%s \"%.60s\": expected KEY=VALUE", f, kv);
		/* As with runc, the last value of a key given twice wins. */
		if (spec_env_set(&o->spec->env, kv) < 0)
			return oci_nomem(o);
	}
	return 0;
}

static int load_args(struct oci *o, const json_t *args)
{
	size_t i = 0;

	if (!args)
		return oci_fail(o, EINVAL, "process.args: missing; give the command to run, such "
				"as [\"/bin/sh\", \"-c\", \"...\"]");
	if (oci_want_str_array(o, args, "process.args") < 0)
		return -EINVAL;
	if (!json_array_size(args))
		return oci_fail(o, EINVAL, "process.args: empty; give the command to run");
	if (!json_string_value(json_array_get(args, 0))[0])
		return oci_fail(o, EINVAL, "process.args[0]: empty; give the program to run");
	for (const json_t *c = json_array_get(args, 0); c; c = json_array_get(args, ++i))
		if (spec_strv_add(&o->spec->argv, NULL, json_string_value(c)) < 0)
			return oci_nomem(o);
	return 0;
}

/* Fields that only tune scheduling: accepted, type-checked, not applied. */
static int load_process_tuning(struct oci *o, const json_t *p)
{
	static const struct {
		const char *key, *why;
	} tuning[] = {
		{ "ioPriority", "the guest keeps moat's I/O priority" },
		{ "scheduler", "the guest keeps moat's scheduling policy" },
		{ "execCPUAffinity", "the guest may run on any CPU moat may use" },
	};
	const json_t *v;
	const char *s;
	int64_t n;

	for (size_t k = 0; k < ARRAY_SIZE(tuning); k++) {
		char f[FIELD_MAX];

		if (!(v = oci_get(p, tuning[k].key)))
			continue;
		snprintf(f, sizeof(f), "process.%s", tuning[k].key);
		if (oci_want_object(o, v, f) < 0)
			return -EINVAL;
		oci_ignored(f, tuning[k].why);
	}
	if ((v = oci_get(p, "oomScoreAdj"))) {
		if (oci_want_int(o, v, "process.oomScoreAdj", true, &n) < 0)
			return -EINVAL;
		if (n < -1000 || n > 1000)
			return oci_fail(o, EINVAL, "process.oomScoreAdj: %lld is outside "
					"-1000..1000", (long long)n);
		oci_ignored("process.oomScoreAdj", "the guest keeps moat's OOM score");
	}
	if ((v = oci_get(p, "commandLine")) &&
	    oci_want_str(o, v, "process.commandLine", &s) < 0)
		return -EINVAL;
	if (v)
		oci_ignored("process.commandLine", "it is for Windows; process.args is used");
	return 0;
}

/* The terminal's size, if it has one: height and width in characters. */
static int load_console_size(struct oci *o, const json_t *v)
{
	int64_t rows = 0, cols = 0;
	const json_t *x;

	if (oci_want_object(o, v, "process.consoleSize") < 0)
		return -EINVAL;
	if ((x = oci_get(v, "height")) &&
	    oci_want_uint(o, x, "process.consoleSize.height", UINT16_MAX, &rows) < 0)
		return -EINVAL;
	if ((x = oci_get(v, "width")) &&
	    oci_want_uint(o, x, "process.consoleSize.width", UINT16_MAX, &cols) < 0)
		return -EINVAL;
	o->spec->tty_rows = (unsigned short)rows;
	o->spec->tty_cols = (unsigned short)cols;
	return 0;
}

static int load_process(struct oci *o, const json_t *doc)
{
	const json_t *p = oci_get(doc, "process"), *v;
	char cwd[PATH_MAX] = "";
	const char *s;
	bool b;

	if (!p)
		return oci_fail(o, EINVAL, "process: missing; moat run needs the process to start");
	if (oci_want_object(o, p, "process") < 0)
		return -EINVAL;
	if ((v = oci_get(p, "terminal"))) {
		if (oci_want_bool(o, v, "process.terminal", &b) < 0)
			return -EINVAL;
		o->spec->tty = b;	/* relayed to moat's standard streams */
	}
	if ((v = oci_get(p, "consoleSize")) && load_console_size(o, v) < 0)
		return -EINVAL;
	if (load_args(o, oci_get(p, "args")) < 0)
		return -o->e->errnum;
	/* An empty environment is an empty array, never a missing one. */
	o->spec->env = calloc(1, sizeof(char *));
	if (!o->spec->env)
		return oci_nomem(o);
	if ((v = oci_get(p, "env")) && load_env(o, v) < 0)
		return -o->e->errnum;
	v = oci_get(p, "cwd");
	if (!v)
		return oci_fail(o, EINVAL, "process.cwd: missing; give an absolute directory such "
				"as \"/\"");
	if (oci_want_str(o, v, "process.cwd", &s) < 0)
		return -EINVAL;
	if (s[0] != '/' || oci_clean_abs(s, cwd, sizeof(cwd)) < 0)
		return oci_fail(o, EINVAL, "process.cwd \"%s\": must be an absolute path without "
				"\".\" or \"..\"", s);
	o->spec->cwd = strdup(cwd);
	if (!o->spec->cwd)
		return oci_nomem(o);
	if ((v = oci_get(p, "user")) && load_user(o, v) < 0)
		return -o->e->errnum;
	if ((v = oci_get(p, "rlimits")) && load_rlimits(o, v) < 0)
		return -o->e->errnum;
	if ((v = oci_get(p, "noNewPrivileges"))) {
		if (oci_want_bool(o, v, "process.noNewPrivileges", &b) < 0)
			return -EINVAL;
		if (!b)
			oci_ignored("process.noNewPrivileges", "moat always sets no_new_privs");
	}
	if ((v = oci_get(p, "capabilities")) && load_capabilities(o, v) < 0)
		return -o->e->errnum;
	if ((v = oci_get(p, "apparmorProfile"))) {
		if (oci_want_str(o, v, "process.apparmorProfile", &s) < 0)
			return -EINVAL;
		if (s[0])
			return oci_fail(o, ENOTSUP, "process.apparmorProfile \"%s\": moat does not "
					"apply AppArmor profiles; remove the field", s);
	}
	if ((v = oci_get(p, "selinuxLabel"))) {
		if (oci_want_str(o, v, "process.selinuxLabel", &s) < 0)
			return -EINVAL;
		if (s[0])
			return oci_fail(o, ENOTSUP, "process.selinuxLabel \"%s\": moat does not "
					"apply SELinux labels; remove the field", s);
	}
	return load_process_tuning(o, p);
}

/* ---- the rest ---------------------------------------------------------- */

/* annotations: an object of strings, as the runtime-spec says */
static int load_annotations(struct oci *o, const json_t *ann)
{
	const char *s, *key;
	json_t *c;

	if (!ann)
		return 0;
	if (oci_want_object(o, ann, "annotations") < 0)
		return -EINVAL;
	json_object_foreach((json_t *)ann, key, c) {
		char f[FIELD_MAX];

		snprintf(f, sizeof(f), "annotations.%s", key);
		if (!json_is_null(c) && oci_want_str(o, c, f, &s) < 0)
			return -EINVAL;
	}
	return 0;
}

static int load_other(struct oci *o, const json_t *doc)
{
	static const char *const platforms[] = { "solaris", "windows", "vm", "zos" };
	const json_t *hooks = oci_get(doc, "hooks");

	if (hooks) {
		const char *key;
		json_t *c;

		if (oci_want_object(o, hooks, "hooks") < 0)
			return -EINVAL;
		json_object_foreach((json_t *)hooks, key, c) {
			char f[FIELD_MAX];

			snprintf(f, sizeof(f), "hooks.%s", key);
			if (!json_is_null(c) && oci_want_array(o, c, f) < 0)
				return -EINVAL;
			if (oci_non_empty(c))
				return oci_fail(o, ENOTSUP, "%s: moat does not run OCI hooks; "
						"remove them", f);
		}
	}
	for (size_t k = 0; k < ARRAY_SIZE(platforms); k++)
		if (oci_get(doc, platforms[k]))
			return oci_fail(o, ENOTSUP, "%s: this section is for another platform; "
					"moat runs Linux containers", platforms[k]);
	/* annotations: free-form metadata, ignored as the spec allows; their form is checked */
	return load_annotations(o, oci_get(doc, "annotations"));
}

int oci_load_extra(const char *bundle, struct moat_spec *spec, struct oci_extra *x,
		   struct merr *e)
{
	struct oci o = { .spec = spec, .x = x, .e = e };
	struct merr local = { 0 };
	json_t *doc = NULL;
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
	    load_hostname(&o, doc) < 0 || oci_load_mounts(&o, doc) < 0 ||
	    oci_load_linux(&o, doc) < 0 || load_other(&o, doc) < 0)
		r = -o.e->errnum;
	json_decref(doc);
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
