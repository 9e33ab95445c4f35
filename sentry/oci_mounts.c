// SPDX-License-Identifier: MIT
/*
 * oci_mounts.c - config.json's mounts, maskedPaths and readonlyPaths.
 *
 * Theory of operation
 * -------------------
 * oci_load_mounts() turns each entry of "mounts" into a struct tree_mount.
 * The kind is decided first (a "bind" or "rbind" option makes any mount a
 * bind mount, as with runc), then the options are read against that kind:
 * each is applied (ro, noexec, nodev, nosuid and their opposites, which the
 * gofer sets as mount attributes; tmpfs size and mode), harmless (time
 * stamps, propagation), or refused.  Bind sources are host paths, resolved
 * with realpath() relative to the bundle; host devices and the host's proc,
 * sysfs and cgroup file systems are refused, and so is an rbind that would
 * bring one of those in from below its source.  The gofer makes bind and tmpfs mounts, the guest's
 * set-up process and init make proc, sysfs, devpts and mqueue afterwards, so
 * a gofer mount inside one of those is refused: it would be hidden.
 *
 * oci_load_paths() sorts linux.maskedPaths and linux.readonlyPaths: a path
 * in /proc or in one of the guest's own mounts goes to the spec's proc lists
 * (init applies it after mounting), any other to the gofer's hide and ro
 * lists.
 *
 * What this file trusts: nothing in config.json.
 */
#include "sentry/oci_internal.h"
#include "sentry/guest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "parse.h"
#include "util.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#ifndef SYSFS_MAGIC
#define SYSFS_MAGIC 0x62656572
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

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
};

/*
 * Options that set or clear a mount attribute; the last one given wins, as
 * with mount(8).  The gofer applies them to bind and tmpfs mounts with
 * everything below (so "noexec" and "rnoexec" are the same); it makes tmpfs
 * nosuid and nodev whatever they say, the guest's own mounts are always
 * nosuid, nodev (but devpts) and noexec, and the guest's whole view is
 * nosuid: "dev", "exec" and "suid" can leave moat stricter than asked.
 */
static const struct {
	const char *name;
	unsigned attr;		/* MOUNT_ATTR_* */
	bool set;		/* set it, or clear it */
} attr_opts[] = {
	{ "noexec", MOUNT_ATTR_NOEXEC, true }, { "rnoexec", MOUNT_ATTR_NOEXEC, true },
	{ "exec", MOUNT_ATTR_NOEXEC, false }, { "rexec", MOUNT_ATTR_NOEXEC, false },
	{ "nodev", MOUNT_ATTR_NODEV, true }, { "rnodev", MOUNT_ATTR_NODEV, true },
	{ "dev", MOUNT_ATTR_NODEV, false }, { "rdev", MOUNT_ATTR_NODEV, false },
	{ "nosuid", MOUNT_ATTR_NOSUID, true }, { "rnosuid", MOUNT_ATTR_NOSUID, true },
	{ "suid", MOUNT_ATTR_NOSUID, false }, { "rsuid", MOUNT_ATTR_NOSUID, false },
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


/* Host file systems a bind must not show: their files are the host's kernel state. */
static bool host_state_fs(const char *type)
{
	return !strcmp(type, "proc") || !strcmp(type, "sysfs") || !strcmp(type, "cgroup") ||
	       !strcmp(type, "cgroup2");
}

/* Copy a mountinfo field (spaces and the like as \ooo) into @out. */
static void mountinfo_field(const char *p, char *out, size_t cap)
{
	size_t k = 0;

	while (*p && *p != ' ' && *p != '\n' && k + 1 < cap) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			out[k++] = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 4;
		} else {
			out[k++] = *p++;
		}
	}
	out[k] = '\0';
}

/**
 * find_submount() - a mount point strictly below @dir in moat's mount namespace
 * @want:	only one of these file system types (host_state_fs()), or any
 * @mp:		the mount point found, PATH_MAX bytes
 * @type:	its file system type, 64 bytes
 *
 * Return: whether one was found; true when mountinfo cannot be read (assume
 * the worst), with @mp and @type "?"
 */
static bool find_submount(const char *dir, bool (*want)(const char *type), char *mp,
			  char *type)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, n = strlen(dir);

	strcpy(mp, "?");
	strcpy(type, "?");
	if (!f)
		return true;
	while (getline(&line, &cap, f) > 0) {
		const char *p = line, *sep = strstr(line, " - ");

		for (int field = 0; field < 4 && p; field++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (!p || !sep)
			continue;
		mountinfo_field(p, mp, PATH_MAX);
		mountinfo_field(sep + 3, type, 64);
		if (!(!strcmp(dir, "/") ? strcmp(mp, "/") != 0
					: !strncmp(mp, dir, n) && mp[n] == '/'))
			continue;
		if (!want || want(type))
			return true;
	}
	return false;
}

struct mopts {
	bool bind, rbind, ro;
	unsigned attrs;		/* MOUNT_ATTR_NOEXEC, _NODEV, _NOSUID */
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
	for (size_t k = 0; k < ARRAY_SIZE(attr_opts); k++) {
		if (strcmp(opt, attr_opts[k].name))
			continue;
		if (attr_opts[k].set)
			m->attrs |= attr_opts[k].attr;
		else
			m->attrs &= ~attr_opts[k].attr;
		return 0;
	}
	if (oci_in_list(opt, harmless_opts, ARRAY_SIZE(harmless_opts)))
		return 0;
	for (size_t k = 0; k < ARRAY_SIZE(refused_opts); k++)
		if (!strcmp(opt, refused_opts[k].name))
			return oci_fail(o, ENOTSUP, "%s \"%s\": %s; remove the option", f, opt,
					refused_opts[k].why);
	if (kind == MK_TMPFS && eq) {
		if (!strncmp(opt, "size=", 5)) {
			if (parse_size(opt + 5, &m->size) < 0 || m->size == 0)
				return oci_fail(o, EINVAL, "%s \"%s\": give a size in bytes, such "
						"as size=64m", f, opt);
			return 0;
		}
		if (!strncmp(opt, "mode=", 5)) {
			char *end;
			unsigned long mode = strtoul(opt + 5, &end, 8);

			if (!opt[5] || *end || mode > 07777)
				return oci_fail(o, EINVAL, "%s \"%s\": give an octal mode such as "
						"mode=1777", f, opt);
			m->mode = (unsigned)mode;
			return 0;
		}
		return oci_fail(o, ENOTSUP, "%s \"%s\": moat supports size= and mode= for tmpfs; "
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
		return oci_fail(o, ENOTSUP, "%s \"%s\": not supported for a %s mount; remove the "
				"option", f, opt, mkind_name[kind]);
	return oci_fail(o, EINVAL, "%s \"%s\": unknown mount option", f, opt);
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
static int bind_source(struct oci *o, const char *f, const json_t *mnt, bool recursive,
		       char *real)
{
	const json_t *v = oci_get(mnt, "source");
	char joined[PATH_MAX], fs[FIELD_MAX + 8], mp[PATH_MAX], type[64];
	struct statfs sfs;
	struct stat st;
	const char *src;

	snprintf(fs, sizeof(fs), "%s.source", f);
	if (!v)
		return oci_fail(o, EINVAL, "%s: missing; a bind mount needs the host path to bind",
				fs);
	if (oci_want_str(o, v, fs, &src) < 0)
		return -EINVAL;
	if (!src[0])
		return oci_fail(o, EINVAL, "%s: empty; give the host path to bind", fs);
	if (oci_bundle_path(o, src, joined, sizeof(joined)) < 0)
		return oci_fail(o, ENAMETOOLONG, "%s \"%s\": path too long", fs, src);
	if (!realpath(joined, real) || stat(real, &st) < 0 || statfs(real, &sfs) < 0) {
		int err = errno;

		return oci_fail(o, err, "%s \"%s\": %s: %s; create it or fix the mount", fs, src,
				joined, strerror(err));
	}
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || oci_at_or_below(real, "/dev"))
		return oci_fail(o, ENOTSUP, "%s \"%s\": moat does not bind host devices; the "
				"sandbox has /dev/null, zero, full, random, urandom and tty",
				fs, src);
	if (sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC)
		return oci_fail(o, ENOTSUP, "%s \"%s\": binding the host's proc or sysfs would "
				"show the host to the guest; use a proc or sysfs mount", fs, src);
	if (sfs.f_type == CGROUP_SUPER_MAGIC || sfs.f_type == CGROUP2_SUPER_MAGIC)
		return oci_fail(o, ENOTSUP, "%s \"%s\": binding the host's cgroup file system "
				"would show the host's cgroups to the guest and let it change them; "
				"remove the mount (moat sets the sandbox's limits from "
				"linux.resources)", fs, src);
	/* whether bind or rbind: moat always binds recursively */
	if (S_ISDIR(st.st_mode) && find_submount(real, host_state_fs, mp, type))
		return oci_fail(o, ENOTSUP, "%s \"%s\": the host's %s file system is mounted "
				"below it, at %s, and binding it would show the host to the guest; "
				"bind a directory without it below", fs, src, type, mp);
	if (!recursive && S_ISDIR(st.st_mode) && find_submount(real, NULL, mp, type))
		return oci_fail(o, ENOTSUP, "%s \"%s\": other file systems are mounted below it, "
				"and moat always binds recursively; use the option \"rbind\" if "
				"the guest may see them, or bind a directory without mounts below "
				"it", fs, src);
	return 0;
}

/* The kind of mounts[i], from its type and options; Return: kind, 1+ = skip, or -errno */
static int mount_kind(struct oci *o, const char *f, const json_t *mnt, const struct mopts *m,
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
	const json_t *v = oci_get(mnt, "type");
	char ft[FIELD_MAX + 8];
	const char *type = NULL;

	snprintf(ft, sizeof(ft), "%s.type", f);
	if (v && oci_want_str(o, v, ft, &type) < 0)
		return -EINVAL;
	/* As runc: the bind options make a bind mount, whatever the type says. */
	if (m->bind || m->rbind) {
		*kind = MK_BIND;
		return 0;
	}
	if (!type || !type[0])
		return oci_fail(o, EINVAL, "%s: missing; give the file system type (bind mounts: "
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
		oci_ignored(what, "the guest gets no cgroup file system; its limits are set from "
			    "outside");
		return 1;
	}
	return oci_fail(o, ENOTSUP, "%s \"%s\": not supported; moat mounts bind, tmpfs, proc, "
			"sysfs, devpts and mqueue (cgroup is skipped)", ft, type);
}

static int load_mount(struct oci *o, const json_t *mnt, size_t i)
{
	char f[FIELD_MAX], fd[FIELD_MAX + 16], dst[PATH_MAX] = "", real[PATH_MAX];
	const json_t *v, *opts;
	struct mopts m = { .mode = 01777 };	/* a tmpfs without mode=: the kernel's */
	enum mkind kind = MK_BIND;
	struct tree_mount *tm;
	const char *s;
	size_t j = 0;
	int r;

	static const struct oci_member members[] = {
		{ "source", OCI_STRING }, { "type", OCI_STRING }, { "options", OCI_ARRAY },
	};

	snprintf(f, sizeof(f), "mounts[%zu]", i);
	if (oci_want_object(o, mnt, f) < 0 ||
	    oci_check_types(o, mnt, f, members, ARRAY_SIZE(members)) < 0)
		return -EINVAL;
	snprintf(fd, sizeof(fd), "%s.destination", f);
	v = oci_get(mnt, "destination");
	if (!v)
		return oci_fail(o, EINVAL, "%s: missing; give the absolute path in the sandbox",
				fd);
	if (oci_want_str(o, v, fd, &s) < 0)
		return -EINVAL;
	if (oci_clean_abs(s, dst, sizeof(dst)) < 0)
		return oci_fail(o, EINVAL, "%s \"%s\": must be an absolute path without \".\" or "
				"\"..\"", fd, s);
	if (!strcmp(dst, "/"))
		return oci_fail(o, EINVAL, "%s \"/\": the root is root.path; mount below it", fd);
	if (oci_non_empty(oci_get(mnt, "uidMappings")) ||
	    oci_non_empty(oci_get(mnt, "gidMappings")))
		return oci_fail(o, ENOTSUP, "%s.uidMappings: moat does not make id-mapped mounts; "
				"remove the mappings", f);
	opts = oci_get(mnt, "options");
	if (opts) {
		char fo[FIELD_MAX + 8];
		size_t k;
		json_t *c;

		snprintf(fo, sizeof(fo), "%s.options", f);
		if (oci_want_str_array(o, opts, fo) < 0)
			return -EINVAL;
		json_array_foreach(opts, k, c) {
			m.bind |= !strcmp(json_string_value(c), "bind");
			m.rbind |= !strcmp(json_string_value(c), "rbind");
		}
	}
	v = oci_get(mnt, "type");
	if (v && json_is_string(v) && !strcmp(json_string_value(v), "rbind"))
		m.rbind = true;
	r = mount_kind(o, f, mnt, &m, &kind);
	if (r != 0)
		return r < 0 ? r : 0;
	for (const json_t *c = json_array_get(opts, 0); c; c = json_array_get(opts, ++j)) {
		char fo[FIELD_MAX + 24];

		snprintf(fo, sizeof(fo), "%s.options[%zu]", f, j);
		if (parse_option(o, fo, json_string_value(c), kind, &m) < 0)
			return -o->e->errnum;
	}
	if (kind == MK_PROC || kind == MK_SYSFS) {
		const char *where = kind == MK_PROC ? "/proc" : "/sys";

		if (strcmp(dst, where))
			return oci_fail(o, ENOTSUP, "%s \"%s\": moat mounts %s only at %s", fd, dst,
					mkind_name[kind], where);
		for (size_t k = 0; k < o->spec->tree.nmounts; k++)
			if (!strcmp(o->spec->tree.mounts[k].dst, where))
				return oci_fail(o, EINVAL, "%s \"%s\": mounted twice; keep one",
						fd, dst);
	} else if (oci_at_or_below(dst, "/proc") || oci_at_or_below(dst, "/sys")) {
		return oci_fail(o, ENOTSUP, "%s \"%s\": moat mounts nothing but proc at /proc and "
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
		return oci_nomem(o);
	tm->ro = m.ro;
	tm->attrs = m.attrs;
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
			    !oci_at_or_below(t->mounts[i].dst, t->mounts[k].dst))
				continue;
			return oci_fail(o, ENOTSUP, "mounts: \"%s\" is inside the %s mount at "
					"\"%s\", which moat mounts last and would hide it; move "
					"it elsewhere", t->mounts[i].dst,
					t->mounts[k].type == TM_DEVPTS ? "devpts" : "mqueue",
					t->mounts[k].dst);
		}
	}
	return 0;
}

int oci_load_mounts(struct oci *o, const json_t *doc)
{
	const json_t *arr = oci_get(doc, "mounts");
	size_t i = 0;

	if (!arr)
		return 0;
	if (oci_want_array(o, arr, "mounts") < 0)
		return -EINVAL;
	for (const json_t *c = json_array_get(arr, 0); c; c = json_array_get(arr, ++i))
		if (load_mount(o, c, i) < 0)
			return -o->e->errnum;
	return check_mount_order(o);
}

/* The guest mount (proc, sysfs, devpts, mqueue) that holds @path, or NULL. */
static const struct tree_mount *guest_mount_of(struct oci *o, const char *path)
{
	const struct gofer_tree *t = &o->spec->tree;

	for (size_t k = 0; k < t->nmounts; k++)
		if (tree_needs_guest_mount(&t->mounts[k]) &&
		    oci_at_or_below(path, t->mounts[k].dst))
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

/*
 * Whether @path (clean) names a different file for each process that looks it
 * up: /proc/self, /proc/thread-self, /proc/<pid> and the links into them,
 * /proc/net and /proc/mounts.  The guest's init would mask (or make read-only)
 * its own, and the sentry resolves each process's path to that process's file
 * (docs/architecture.md): the command's would stay as they are.
 */
static bool proc_per_process(const char *path)
{
	static const char *const links[] = {
		"/proc/self", "/proc/thread-self", "/proc/net", "/proc/mounts",
	};
	const char *p = path + strlen("/proc/");
	size_t k;

	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (oci_at_or_below(path, links[i]))
			return true;
	if (!oci_at_or_below(path, "/proc") || !strcmp(path, "/proc"))
		return false;
	k = strspn(p, "0123456789");
	return k > 0 && (p[k] == '/' || p[k] == '\0');
}

/**
 * oci_load_paths() - linux.maskedPaths or linux.readonlyPaths
 * @masked:	true for maskedPaths
 *
 * Paths in /proc and in the guest's own mounts (proc, sysfs, devpts, mqueue)
 * go to the spec's proc lists, which init applies after those mounts are
 * made, path by path (skipping those not there); the rest go to the gofer's
 * hide list (as glob patterns that match only themselves) and ro list, which
 * the gofer resolves in the tree it built, inside bind mounts too.
 * Return: 0 or -errno
 */
int oci_load_paths(struct oci *o, const json_t *linux, bool masked)
{
	const char *key = masked ? "maskedPaths" : "readonlyPaths";
	const json_t *arr = oci_get(linux, key);
	struct moat_spec *s = o->spec;
	char f[FIELD_MAX];
	size_t i = 0;

	if (!arr)
		return 0;
	snprintf(f, sizeof(f), "linux.%s", key);
	if (oci_want_str_array(o, arr, f) < 0)
		return -EINVAL;
	for (const json_t *c = json_array_get(arr, 0); c; c = json_array_get(arr, ++i)) {
		char path[PATH_MAX] = "", pattern[PATH_MAX * 2];
		const char *entry = path;
		const struct tree_mount *gm;
		char ***v;
		size_t *n;

		if (oci_clean_abs(json_string_value(c), path, sizeof(path)) < 0 || !strcmp(path, "/"))
			return oci_fail(o, EINVAL, "%s[%zu] \"%s\": must be an absolute path below "
					"/ without \".\" or \"..\"", f, i, json_string_value(c));
		if (proc_per_process(path))
			return oci_fail(o, ENOTSUP, "%s[%zu] \"%s\": a path of one process "
					"(each process that looks it up finds its own file), which "
					"moat cannot %s for every process of the guest; remove it",
					f, i, json_string_value(c), masked ? "mask" : "make read-only");
		gm = guest_mount_of(o, path);
		if (gm || oci_at_or_below(path, "/proc")) {
			v = masked ? &s->proc_masked : &s->proc_ro;
			n = masked ? &s->nproc_masked : &s->nproc_ro;
			/* what moat's defaults cover is applied once, by them */
			if (guest_default_path(path, masked))
				continue;
		} else if (!masked) {
			v = &s->tree.ro;
			n = &s->tree.nro;
		} else {
			if (glob_escape(path, pattern, sizeof(pattern)) < 0)
				return oci_fail(o, ENAMETOOLONG, "%s[%zu]: path too long", f, i);
			entry = pattern;
			v = &s->tree.hide;
			n = &s->tree.nhide;
		}
		/* a path listed twice is masked or made read-only once */
		if (oci_in_list(entry, (const char *const *)*v, *n))
			continue;
		if (spec_strv_add(v, n, entry) < 0)
			return oci_nomem(o);
	}
	return 0;
}
