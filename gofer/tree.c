// SPDX-License-Identifier: MIT
/*
 * tree.c - building the sandbox's file system inside the gofer.
 *
 * Theory of operation
 * -------------------
 * The gofer starts in fresh user and mount namespaces, owning both.  It mounts a
 * staging file system at /tmp of its private namespace (a tmpfs sized by the disk
 * quota, or the host directory that keeps the upper layer), pivots into it with
 * the host's root under /oldroot, and assembles the sandbox root in /root:
 *
 *   /root      the sandbox root; top-level entries for the host's /
 *   /upper/N   overlay upper layer for top-level directory N (or /upper/_)
 *   /work/N    overlay work directory for N
 *
 * For `moat do` the root is the host's /, and each top-level directory is its
 * own overlay (lower = the host directory, upper = /upper/N).  One overlay of
 * the whole host root is not possible in a user namespace: the kernel refuses
 * to clone a mount whose submounts are locked (/proc, /sys, ...), and it would
 * not show other file systems mounted below / anyway.  A directory that cannot
 * be overlaid (it has locked submounts) is bound read-only instead.  /tmp and
 * /run start empty, /dev is synthetic (a few host devices bound on files), and
 * /proc and /sys are left to the guest's init, which mounts its own.
 *
 * For an OCI bundle the root is the bundle's rootfs, used directly (writes land
 * in it, as with runc) or under one overlay.
 *
 * Hidden paths are made absent, not empty, where an overlay allows it: the
 * hide patterns are expanded (glob; DIR/ * /REST ones with one read of DIR
 * for all of them) against the host's copy of the root before
 * anything is mounted, and before an overlay is mounted a whiteout (a 0:0
 * character device) is placed at each such path in its upper layer, which the
 * kernel lets anyone create.  Once the mounts are built, every pattern that
 * names one path (no glob characters) is resolved again, in the built tree:
 * that sees into bind mounts and follows symlinks inside the root, where the
 * host glob did neither.  What is still there, and what the glob found that no
 * overlay covers, is masked by an empty read-only mount, which the docs say.
 * Globs are expanded on the host only.  A volume is what the user asked to
 * see: one at a hidden path is not masked, and those below a hidden
 * directory are made again inside its mask (mask_rest()).
 *
 * Run by root with the upper layer in memory, the overlays keep their
 * records in trusted.* xattrs, with the inode index and redirect_dir (see
 * indexed()); otherwise in user.* xattrs, without either.
 *
 * Bind and tmpfs mounts get the attributes asked for (noexec, nodev, nosuid,
 * read-only) when they are made, with every mount below them; a tmpfs is
 * always nosuid and nodev.
 *
 * All mount targets inside the tree are resolved with openat2(RESOLVE_IN_ROOT)
 * and mounted by fd with the new mount API, so a symlink in an untrusted rootfs
 * cannot redirect a mount outside the tree.  Finally the gofer pivots into
 * /root and detaches the staging area with the host's root below it: from
 * then on it sees only the sandbox.
 */
#include "gofer/tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "sys.h"
#include "util.h"

#define STAGE "/tmp"
#define SRC_PREFIX "/oldroot"

struct build {
	const struct gofer_tree *t;
	struct merr *e;
	char submounted[32][NAME_MAX + 1];	/* top-level host dirs with mounts below */
	int nsubmounted;
	char src[PATH_MAX];	/* rootfs as seen from the staging root */
	int rootfd;		/* /root */
	int *late;		/* late files: fds to append to (tree_build()) */
	char **hidden;		/* sandbox paths (no leading '/') found on the host */
	size_t nhidden;
};

/*
 * Whether this build's overlays keep their own records in trusted.overlay.*
 * xattrs, with the kernel's inode index and redirect_dir: only real root may
 * (the kernel allows neither with the user.overlay.* xattrs of a user
 * namespace's overlay), and only for an upper layer that ends with the
 * sandbox, so that a directory kept by --overlay=dir:PATH has one format
 * whoever ran moat.  With them a directory of the host's root renames (the
 * upper layer records where it came from), and a hard link made to a file
 * of the host's root reports the device and inode number the file did
 * before (without the index the new name reports the upper layer's: git
 * clone of a local repository checks that, and fails).
 */
static bool indexed(const struct build *b)
{
	return b->t->privileged && b->t->layer == TREE_OVERLAY_MEMORY;
}

static bool is_name(const char *top, const char *name)
{
	return !strcmp(top, name);
}

/* Resolve @path (absolute, in the sandbox) inside the tree being built. */
static int tree_open(struct build *b, const char *path, int flags)
{
	const char *rel = path;

	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	return sys_openat2(b->rootfd, rel, (uint64_t)flags | O_CLOEXEC, 0, MOAT_RESOLVE);
}

/* Symlinks followed for one mount point, as the kernel's path walk allows. */
#define TREE_LINKS_MAX 40

/**
 * dangling() - where the missing object at @path (in the tree) would be
 * @path:	its first @len bytes name the object; the rest (from @len) follows
 * @out:	the path that leads there instead: the symlink's target (one that
 *		is relative read from the symlink's directory), then the rest
 *
 * A mount point the bundle's root file system names through a symlink to
 * nothing (a relative one such as /etc/resolv.conf ->
 * ../run/systemd/resolve/stub-resolv.conf) is made at the link's target, as
 * runc makes it; the new path is resolved in the tree as every other, so it
 * cannot leave it.  Return: 1 (rewritten), 0 (not a symlink), or -errno
 */
static int dangling(struct build *b, const char *path, size_t len, char *out, size_t cap)
{
	char obj[PATH_MAX], link[PATH_MAX];
	_cleanup_close_ int fd = -1;
	const char *slash;
	ssize_t n;
	int w;

	if (len >= sizeof(obj))
		return -ENAMETOOLONG;
	memcpy(obj, path, len);
	obj[len] = '\0';
	fd = tree_open(b, obj, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = readlinkat(fd, "", link, sizeof(link) - 1);
	if (n <= 0)
		return errno == EINVAL || n == 0 ? 0 : -errno;
	link[n] = '\0';
	slash = strrchr(obj, '/');
	w = link[0] == '/' ? snprintf(out, cap, "%s%s", link, path + len)
			   : snprintf(out, cap, "%.*s/%s%s", slash ? (int)(slash - obj) : 0, obj,
				      link, path + len);
	return w < 0 || (size_t)w >= cap ? -ENAMETOOLONG : 1;
}

/*
 * mkdir -p of @path (fits in PATH_MAX) inside the tree, once.  Return: O_PATH fd
 * of the directory, or -errno; with @again set when a symlink to nothing is in
 * the way, and @next the path through its target (to make instead).
 */
static int mkdir_p_once(struct build *b, const char *path, mode_t mode, char *next,
			bool *again)
{
	char buf[PATH_MAX];
	int fd, r;

	fd = tree_open(b, path, O_PATH | O_DIRECTORY);
	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : -errno;
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		fd = tree_open(b, buf, O_PATH | O_DIRECTORY);
		if (fd < 0 && errno == ENOENT) {
			char *slash = strrchr(buf, '/');
			_cleanup_close_ int parent = -1;

			*slash = '\0';
			parent = tree_open(b, buf[0] ? buf : "/", O_PATH | O_DIRECTORY);
			*slash = '/';
			if (parent < 0)
				return -errno;
			if (mkdirat(parent, slash + 1, mode) < 0 && errno != EEXIST)
				return -errno;
			fd = tree_open(b, buf, O_PATH | O_DIRECTORY);
			if (fd < 0 && errno == ENOENT) {
				/* there, and a symlink to nothing: make its target */
				r = dangling(b, path, (size_t)(p - buf), next, PATH_MAX);
				*again = r > 0;
				return r < 0 ? r : -ENOENT;
			}
		}
		if (fd < 0)
			return -errno;
		*p = saved;
		if (!saved)
			return fd;
		close(fd);
	}
}

/* mkdir -p inside the tree; Return: O_PATH fd of the directory, or -errno */
static int tree_mkdir_p(struct build *b, const char *path, mode_t mode)
{
	char cur[PATH_MAX], next[PATH_MAX] = "";

	if (strlen(path) >= sizeof(cur))
		return -ENAMETOOLONG;
	strcpy(cur, path);
	for (int links = 0; links <= TREE_LINKS_MAX; links++) {
		bool again = false;
		int fd = mkdir_p_once(b, cur, mode, next, &again);

		if (!again)
			return fd;
		strcpy(cur, next);
	}
	return -ELOOP;
}

/* Make sure a file exists at @path (a mount point for a file); Return: O_PATH fd */
static int tree_touch(struct build *b, const char *path)
{
	char cur[PATH_MAX], parent[PATH_MAX];

	if (strlen(path) >= sizeof(cur))
		return -ENAMETOOLONG;
	strcpy(cur, path);
	for (int links = 0; links <= TREE_LINKS_MAX; links++) {
		const char *slash = strrchr(cur, '/');
		_cleanup_close_ int dir = -1;
		char next[PATH_MAX] = "";
		int fd, r;

		fd = tree_open(b, cur, O_PATH);
		if (fd >= 0 || errno != ENOENT)
			return fd >= 0 ? fd : -errno;
		/* a symlink to nothing: its target is to be made */
		r = dangling(b, cur, strlen(cur), next, sizeof(next));
		if (r < 0)
			return r;
		if (r) {
			strcpy(cur, next);
			continue;
		}
		if (!slash || (size_t)(slash - cur) >= sizeof(parent))
			return -EINVAL;
		memcpy(parent, cur, (size_t)(slash - cur));
		parent[slash - cur] = '\0';
		dir = tree_mkdir_p(b, parent[0] ? parent : "/", 0755);
		if (dir < 0)
			return dir;
		fd = openat(dir, slash + 1, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return -errno;
		if (fd >= 0)
			close(fd);
		fd = tree_open(b, cur, O_PATH);
		return fd >= 0 ? fd : -errno;
	}
	return -ELOOP;
}

/* Move detached mount @mnt onto the object @target refers to. */
static int attach(int mnt, int target)
{
	if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/* Append the kernel's own explanation of a failed fsconfig to @e. */
static void fs_context_log(int fs, struct merr *e)
{
	char msg[256];
	ssize_t n;

	if (!e)
		return;
	while ((n = read(fs, msg, sizeof(msg) - 1)) > 0) {
		size_t len = strlen(e->msg);

		msg[n] = '\0';
		snprintf(e->msg + len, sizeof(e->msg) - len, " (%s)", msg);
	}
}

/**
 * new_fs() - create a detached mount of a file system
 * @type:	"tmpfs" or "overlay"
 * @opts:	NULL-terminated key, value pairs (value NULL: a flag)
 * @attrs:	MOUNT_ATTR_* for the mount
 * @e:		error, naming @what
 *
 * Return: mount fd, or -errno
 */
static int new_fs(const char *type, const char *const *opts, unsigned attrs,
		  const char *what, struct merr *e)
{
	_cleanup_close_ int fs = fsopen(type, FSOPEN_CLOEXEC);
	int mnt;

	if (fs < 0)
		return merr_sys(e, "fsopen %s for %s", type, what);
	for (; opts[0]; opts += 2) {
		int r = opts[1] ? fsconfig(fs, FSCONFIG_SET_STRING, opts[0], opts[1], 0)
				: fsconfig(fs, FSCONFIG_SET_FLAG, opts[0], NULL, 0);
		if (r < 0) {
			r = merr_sys(e, "%s on %s: option %s", type, what, opts[0]);
			fs_context_log(fs, e);
			return r;
		}
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int r = merr_sys(e, "%s on %s", type, what);

		fs_context_log(fs, e);
		return r;
	}
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (mnt < 0)
		return merr_sys(e, "fsmount %s on %s", type, what);
	return mnt;
}

/* How many inodes a tmpfs of @size bytes holds: see TREE_INODE_BYTES. */
static unsigned long long tmpfs_inodes(uint64_t size)
{
	unsigned long long n = size / TREE_INODE_BYTES;

	return n > TREE_MIN_INODES ? n : TREE_MIN_INODES;
}

/* A tmpfs at @target: always nosuid and nodev, with @attrs (MOUNT_ATTR_*) on top. */
static int mount_tmpfs(struct build *b, int target, const char *what, uint64_t size,
		       unsigned mode, unsigned attrs)
{
	char sz[32], md[16], ni[32];
	const char *opts[] = { "size", sz, "mode", md, "nr_inodes", ni, NULL };
	_cleanup_close_ int mnt = -1;

	if (!size)
		size = 64ull << 20;
	snprintf(sz, sizeof(sz), "%llu", (unsigned long long)size);
	snprintf(ni, sizeof(ni), "%llu", tmpfs_inodes(size));
	snprintf(md, sizeof(md), "%o", mode);
	mnt = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | attrs, what, b->e);
	if (mnt < 0)
		return mnt;
	if (attach(mnt, target) < 0)
		return merr_sys(b->e, "tmpfs on %s", what);
	return 0;
}

/*
 * Bind host path @src (as seen from the staging root) onto @target, with
 * @attrs (MOUNT_ATTR_RDONLY, _NOEXEC, _NODEV, _NOSUID) set on it and, when
 * @recursive, on every mount below it.
 */
static int mount_bind(struct build *b, const char *src, int target, const char *what,
		      unsigned attrs, bool recursive)
{
	_cleanup_close_ int tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					     (recursive ? AT_RECURSIVE : 0));
	/* messages name the host's path, not where the gofer sees it */
	size_t n = strlen(SRC_PREFIX);
	const char *host = !strncmp(src, SRC_PREFIX, n) && src[n] == '/' ? src + n : src;

	if (tree < 0)
		return merr_sys(b->e, "bind %s on %s", host, what);
	if (attrs) {
		struct mount_attr attr = { .attr_set = attrs };

		if (mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
				  &attr, sizeof(attr)) < 0)
			return merr_sys(b->e, attrs == MOUNT_ATTR_RDONLY ? "make %s read-only"
					: "set the mount attributes of %s", what);
	}
	if (attach(tree, target) < 0)
		return merr_sys(b->e, "bind %s on %s", host, what);
	return 0;
}

/* Copy a directory's mode, owner and times from the lower layer to the upper. */
static void copy_dir_attrs(int lowerdir, const char *lower, int upperdir, const char *upper)
{
	struct stat st;

	if (fstatat(lowerdir, lower, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	/* Owners not mapped in our namespace cannot be set; the mode still can. */
	if (fchownat(upperdir, upper, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) {
		/* keep ours */
	}
	if (fchmodat(upperdir, upper, st.st_mode & 07777, 0) < 0) {
		/* the upper directory keeps its default mode */
	}
	struct timespec ts[2] = { st.st_atim, st.st_mtim };
	utimensat(upperdir, upper, ts, AT_SYMLINK_NOFOLLOW);
}

/**
 * whiteout() - make @rel absent in the overlay whose layers are @lower/@upper
 * @lower, @upper:	the overlay's lower and upper directories (staging paths)
 * @rel:		path below them, no leading '/'
 *
 * Return: 0, or -errno (a parent that is not a real directory on the host)
 */
static int whiteout(const char *lower, const char *upper, const char *rel)
{
	_cleanup_close_ int lo = open(lower, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int up = open(upper, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char buf[PATH_MAX];
	char *name = buf, *slash;

	if (lo < 0 || up < 0)
		return -errno;
	if (strlen(rel) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, rel);
	while ((slash = strchr(name, '/'))) {
		struct stat st;
		int lnext, unext;

		*slash = '\0';
		if (fstatat(lo, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;	/* a symlinked parent: the path is elsewhere */
		if (mkdirat(up, name, 0755) == 0)
			copy_dir_attrs(lo, name, up, name);
		else if (errno != EEXIST)
			return -errno;
		lnext = openat(lo, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		unext = openat(up, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (lnext < 0 || unext < 0) {
			int r = -errno;

			if (lnext >= 0)
				close(lnext);
			if (unext >= 0)
				close(unext);
			return r;
		}
		close(lo);
		close(up);
		lo = lnext;
		up = unext;
		name = slash + 1;
	}
	if (mknodat(up, name, S_IFCHR | 0, makedev(0, 0)) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Whether hidden path @h lies below top-level entry @top ("" is the whole root). */
static const char *below(const char *h, const char *top)
{
	size_t toplen = strlen(top);

	if (!toplen)
		return h;
	if (strncmp(h, top, toplen) || h[toplen] != '/')
		return NULL;
	return h + toplen + 1;
}

/* Place whiteouts for the hidden paths below @top in an overlay's upper layer. */
static int whiteouts_for(struct build *b, const char *top, const char *lower, const char *upper)
{
	for (size_t i = 0; i < b->nhidden; i++) {
		const char *rel = below(b->hidden[i], top);
		int r;

		if (!rel || !b->hidden[i][0])
			continue;
		r = whiteout(lower, upper, rel);
		if (r < 0 && r != -ENOTDIR) {
			merr_set(b->e, -r, "hide /%s: %s", b->hidden[i], strerror(-r));
			return r;
		}
	}
	return 0;
}

/* The overlay below @top is mounted: its whiteouts took effect. */
static void whiteouts_done(struct build *b, const char *top)
{
	for (size_t i = 0; i < b->nhidden; i++) {
		if (b->hidden[i][0] && below(b->hidden[i], top))
			b->hidden[i][0] = '\0';
	}
}

/* Escape ':' and '\\' for overlay's "lowerdir" option. */
static int escape_lower(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in; in++) {
		if (n + 3 > cap)
			return -ENAMETOOLONG;
		if (*in == ':' || *in == '\\' || *in == ',')
			out[n++] = '\\';
		out[n++] = *in;
	}
	out[n] = '\0';
	return 0;
}

/**
 * overlay() - mount an overlay of host directory @lower at @target
 * @name:	key for its upper and work directories
 * @what:	the sandbox path, for messages
 *
 * Return: 0, -EINVAL if the kernel refused this lower directory (the caller
 * may fall back), or another -errno
 */
static int overlay_at(struct build *b, const char *lower, const char *name, int target,
		      const char *what, const char *top)
{
	char upper[PATH_MAX], work[PATH_MAX], escaped[PATH_MAX * 2];
	const char *opts[] = { "lowerdir+", lower, "upperdir", upper, "workdir", work,
			       "userxattr", NULL, NULL, NULL, NULL, NULL };
	_cleanup_close_ int mnt = -1;
	int r;

	snprintf(upper, sizeof(upper), "/upper/%s", name);
	snprintf(work, sizeof(work), "/work/%s", name);
	if ((mkdir(upper, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(work, 0700) < 0 && errno != EEXIST))
		return merr_sys(b->e, "mkdir %s", upper);
	copy_dir_attrs(AT_FDCWD, lower, AT_FDCWD, upper);
	r = top ? whiteouts_for(b, top, lower, upper) : 0;	/* NULL: placed by the caller */
	if (r < 0)
		return r;
	/* A lower layer without file handles (an overlay, FUSE): the kernel
	 * mounts without the index itself, and says so in its log. */
	if (indexed(b)) {
		opts[6] = "index";
		opts[7] = "on";
		opts[8] = "redirect_dir";
		opts[9] = "on";
	}
	mnt = new_fs("overlay", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, what, b->e);
	if (mnt == -EINVAL && escape_lower(lower, escaped, sizeof(escaped)) == 0) {
		/* Kernels before 6.8 know only the colon-separated "lowerdir". */
		opts[0] = "lowerdir";
		opts[1] = escaped;
		mnt = new_fs("overlay", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, what, b->e);
	}
	if (mnt < 0)
		return mnt;
	if (attach(mnt, target) < 0)
		return merr_sys(b->e, "overlay on %s", what);
	if (top)
		whiteouts_done(b, top);
	return 0;
}

static int overlay(struct build *b, const char *lower, const char *name, int target,
		   const char *what)
{
	return overlay_at(b, lower, name, target, what, b->t->host_root ? name : "");
}

static bool top_hidden(struct build *b, const char *name)
{
	for (size_t i = 0; i < b->nhidden; i++) {
		if (!strcmp(b->hidden[i], name)) {
			b->hidden[i][0] = '\0';
			return true;
		}
	}
	return false;
}

/* Note which top-level directories of the host have file systems mounted below. */
static void find_submounts(struct build *b)
{
	_cleanup_fclose_ FILE *f = fopen(SRC_PREFIX "/proc/self/mountinfo", "re");
	char line[4096];
	size_t plen = strlen(b->src);

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char point[PATH_MAX], name[NAME_MAX + 1];
		const char *rest;
		size_t n;
		bool dup = false;

		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1)
			continue;
		if (strncmp(point, b->src, plen) || point[plen] != '/')
			continue;
		rest = point + plen + 1;
		n = strcspn(rest, "/");
		if (rest[n] != '/' || n == 0 || n > NAME_MAX)
			continue;	/* the top-level entry itself, not below it */
		memcpy(name, rest, n);
		name[n] = '\0';
		for (int i = 0; i < b->nsubmounted && !dup; i++)
			dup = !strcmp(b->submounted[i], name);
		if (!dup && b->nsubmounted < (int)ARRAY_SIZE(b->submounted))
			strcpy(b->submounted[b->nsubmounted++], name);
	}
}

static bool has_submounts(const struct build *b, const char *name)
{
	for (int i = 0; i < b->nsubmounted; i++)
		if (!strcmp(b->submounted[i], name))
			return true;
	return false;
}

/* One top-level entry of the host's root. */
static int host_entry(struct build *b, int srcdir, const char *name)
{
	char lower[PATH_MAX], what[PATH_MAX];
	_cleanup_close_ int target = -1;
	struct stat st;
	int r;

	if (top_hidden(b, name))
		return 0;
	if (fstatat(srcdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;	/* gone meanwhile */
	snprintf(lower, sizeof(lower), "%s/%s", b->src, name);
	snprintf(what, sizeof(what), "/%s", name);

	if (S_ISLNK(st.st_mode)) {
		char link[PATH_MAX];
		ssize_t n = readlinkat(srcdir, name, link, sizeof(link) - 1);

		if (n < 0)
			return 0;
		link[n] = '\0';
		if (symlinkat(link, b->rootfd, name) < 0 && errno != EEXIST)
			return merr_sys(b->e, "symlink %s", what);
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		target = tree_touch(b, what);
		if (target < 0)
			return merr_set(b->e, -target, "create %s: %s", what, strerror(-target));
		return mount_bind(b, lower, target, what, MOUNT_ATTR_RDONLY, false);
	}
	if (!S_ISDIR(st.st_mode))
		return 0;

	if (is_name(name, "proc") || is_name(name, "sys") || is_name(name, "dev") ||
	    is_name(name, "tmp") || is_name(name, "run")) {
		mode_t mode = is_name(name, "tmp") ? 01777 : 0755;

		if (mkdirat(b->rootfd, name, mode) < 0 && errno != EEXIST)
			return merr_sys(b->e, "mkdir %s", what);
		if (fchmodat(b->rootfd, name, mode, 0) < 0)
			return merr_sys(b->e, "chmod %s", what);
		return 0;
	}
	if (mkdirat(b->rootfd, name, st.st_mode & 07777) < 0 && errno != EEXIST)
		return merr_sys(b->e, "mkdir %s", what);
	target = tree_open(b, what, O_PATH | O_DIRECTORY);
	if (target < 0)
		return merr_sys(b->e, "open %s", what);
	if (!has_submounts(b, name)) {
		r = overlay(b, lower, name, target, what);
		if (r != -EINVAL)
			return r;
	}
	/*
	 * File systems mounted below it: an overlay would show only the top
	 * one, and the kernel will not clone a mount with locked submounts.
	 * Bind it all, read-only.
	 */
	return mount_bind(b, lower, target, what, MOUNT_ATTR_RDONLY, true);
}

static int build_host_root(struct build *b)
{
	_cleanup_close_ int self = -1;
	DIR *d;
	struct dirent *de;
	int r = 0;

	/* /root must be a mount point for the final pivot. */
	if (mkdir("/root", 0755) < 0 && errno != EEXIST)
		return merr_sys(b->e, "mkdir /root");
	self = open_tree(AT_FDCWD, "/root", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (self < 0 || move_mount(self, "", AT_FDCWD, "/root", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return merr_sys(b->e, "bind /root");
	b->rootfd = open("/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b->rootfd < 0)
		return merr_sys(b->e, "open /root");
	find_submounts(b);
	d = opendir(b->src);
	if (!d)
		return merr_sys(b->e, "opendir %s", b->src);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = host_entry(b, dirfd(d), de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

/* Virtual file systems: never overlaid, and what is below them is replaced. */
static bool is_virtual_fs(const char *type)
{
	static const char *const names[] = {
		"proc", "sysfs", "cgroup", "cgroup2", "devpts", "devtmpfs", "mqueue", "debugfs",
		"tracefs", "securityfs", "pstore", "bpf", "autofs", "fusectl", "configfs",
		"binfmt_misc", "hugetlbfs", "efivarfs", "nsfs", "rpc_pipefs", "nfsd",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(type, names[i]))
			return true;
	return false;
}

/* Top-level directories that the sandbox replaces with its own. */
static bool replaced_top(const char *rel)
{
	static const char *const tops[] = { "proc", "sys", "dev", "tmp", "run" };

	for (size_t i = 0; i < ARRAY_SIZE(tops); i++) {
		size_t n = strlen(tops[i]);

		if (!strncmp(rel, tops[i], n) && (rel[n] == '\0' || rel[n] == '/'))
			return true;
	}
	return false;
}

/* Make upper-layer directory @rel opaque: it shows nothing of the lower layer. */
static int opaque_dir(struct build *b, const char *upper, const char *rel, mode_t mode)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", upper, rel);
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return merr_sys(b->e, "mkdir %s", path);
	if (chmod(path, mode) < 0 ||
	    setxattr(path, indexed(b) ? "trusted.overlay.opaque" : "user.overlay.opaque", "y", 1,
		     0) < 0)
		return merr_sys(b->e, "make /%s fresh", rel);
	return 0;
}

struct submount {
	char path[PATH_MAX];
};

/* The other file systems below the host's root, parents before children. */
static int read_submounts(struct build *b, struct submount **out, size_t *nout)
{
	FILE *f = fopen(SRC_PREFIX "/proc/self/mountinfo", "re");
	struct submount *subs = NULL;
	size_t nsubs = 0, plen = strlen(b->src);
	char line[4096];

	while (f && fgets(line, sizeof(line), f)) {
		char point[PATH_MAX], type[64];
		char *sep = strstr(line, " - ");
		void *n;

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1 ||
		    sscanf(sep + 3, "%63s", type) != 1)
			continue;
		if (strncmp(point, b->src, plen) || point[plen] != '/' || is_virtual_fs(type) ||
		    replaced_top(point + plen + 1))
			continue;
		n = realloc(subs, (nsubs + 1) * sizeof(*subs));
		if (!n) {
			free(subs);
			fclose(f);
			return merr_set(b->e, ENOMEM, "out of memory");
		}
		subs = n;
		snprintf(subs[nsubs++].path, sizeof(subs->path), "%s", point + plen);
	}
	if (f)
		fclose(f);
	*out = subs;
	*nout = nsubs;
	return 0;
}

/*
 * The host's root, built by real root: one overlay of the root file system
 * (the kernel allows it outside a user namespace), and one more for each other
 * file system mounted below it.  /tmp, /run, /dev, /proc and /sys are opaque
 * directories in the upper layer: empty, the sandbox's own.
 */
static int build_host_root_priv(struct build *b)
{
	struct submount *subs = NULL;
	size_t nsubs = 0;
	_cleanup_close_ int target = -1;
	int r = 0;

	if (mkdir("/root", 0755) < 0 && errno != EEXIST)
		return merr_sys(b->e, "mkdir /root");
	if (mkdir("/upper/_", 0755) < 0 && errno != EEXIST)
		return merr_sys(b->e, "mkdir /upper/_");
	copy_dir_attrs(AT_FDCWD, b->src, AT_FDCWD, "/upper/_");
	r = opaque_dir(b, "/upper/_", "tmp", 01777);
	if (!r)
		r = opaque_dir(b, "/upper/_", "run", 0755);
	if (!r)
		r = opaque_dir(b, "/upper/_", "dev", 0755);
	if (!r)
		r = opaque_dir(b, "/upper/_", "proc", 0555);
	if (!r)
		r = opaque_dir(b, "/upper/_", "sys", 0555);
	if (!r)
		r = read_submounts(b, &subs, &nsubs);
	if (r < 0)
		return r;
	/* Whiteouts of paths below a submount go to that submount's overlay:
	 * leave them for it, the root overlay's would be hidden under it. */
	target = open("/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (target < 0) {
		free(subs);
		return merr_sys(b->e, "open /root");
	}
	bool done[b->nhidden + 1];

	memset(done, 0, sizeof(done));
	for (size_t i = 0; i < b->nhidden && !r; i++) {
		bool below_sub = false;

		for (size_t k = 0; k < nsubs && !below_sub; k++)
			below_sub = below(b->hidden[i], subs[k].path + 1) != NULL;
		done[i] = false;
		if (!below_sub && b->hidden[i][0]) {
			int w = whiteout(b->src, "/upper/_", b->hidden[i]);

			if (w < 0 && w != -ENOTDIR)
				r = merr_set(b->e, -w, "hide /%s: %s", b->hidden[i], strerror(-w));
			done[i] = w == 0;
		}
	}
	if (!r)
		r = overlay_at(b, b->src, "_", target, "/", NULL);
	for (size_t i = 0; i < b->nhidden && !r; i++)
		if (done[i])
			b->hidden[i][0] = '\0';
	if (!r)
		b->rootfd = open("/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (!r && b->rootfd < 0)
		r = merr_sys(b->e, "open /root");
	/* In mountinfo order: a mount comes after the one it is mounted on. */
	for (size_t i = 0; i < nsubs && !r; i++) {
		char lower[PATH_MAX], name[PATH_MAX];
		_cleanup_close_ int at = tree_open(b, subs[i].path, O_PATH | O_DIRECTORY);

		if (at < 0)
			continue;	/* a file mount point, or gone: leave it */
		snprintf(lower, sizeof(lower), "%s%s", b->src, subs[i].path);
		snprintf(name, sizeof(name), "%s", subs[i].path + 1);
		for (char *p = name; *p; p++)
			if (*p == '/')
				*p = '!';
		r = overlay_at(b, lower, name, at, subs[i].path, subs[i].path + 1);
		if (r == -EINVAL)
			r = mount_bind(b, lower, at, subs[i].path, MOUNT_ATTR_RDONLY, true);
	}
	free(subs);
	return r;
}

static int build_rootfs(struct build *b)
{
	int r;

	if (mkdir("/root", 0755) < 0 && errno != EEXIST)
		return merr_sys(b->e, "mkdir /root");
	if (b->t->layer == TREE_DIRECT) {
		_cleanup_close_ int target = open("/root", O_PATH | O_DIRECTORY | O_CLOEXEC);

		r = mount_bind(b, b->src, target, "/", b->t->readonly ? MOUNT_ATTR_RDONLY : 0,
			       true);
	} else {
		_cleanup_close_ int target = open("/root", O_PATH | O_DIRECTORY | O_CLOEXEC);

		r = overlay(b, b->src, "_", target, "/");
	}
	if (r < 0)
		return r;
	b->rootfd = open("/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return b->rootfd < 0 ? merr_sys(b->e, "open /root") : 0;
}

/*
 * The fresh /run of the host's root keeps what programs find there before
 * anything runs: /run/lock (mode 1777), where /var/lock leads.
 */
static int build_run(struct build *b)
{
	_cleanup_close_ int lock = tree_mkdir_p(b, "/run/lock", 01777);

	if (lock < 0)
		return merr_set(b->e, -lock, "mkdir /run/lock: %s", strerror(-lock));
	if (fchmodat(b->rootfd, "run/lock", 01777, 0) < 0)
		return merr_sys(b->e, "chmod /run/lock");
	return 0;
}

/* /dev: the devices every program expects, bound from the host. */
static int build_dev(struct build *b)
{
	static const char *const devices[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
		{ "ptmx", "pts/ptmx" },
	};
	_cleanup_close_ int dev = tree_mkdir_p(b, "/dev", 0755);
	char path[64], src[64];

	if (dev < 0)
		return merr_set(b->e, -dev, "mkdir /dev: %s", strerror(-dev));
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		if (symlinkat(links[i][1], dev, links[i][0]) < 0 && errno != EEXIST)
			return merr_sys(b->e, "symlink /dev/%s", links[i][0]);
	}
	if (mkdirat(dev, "pts", 0755) < 0 && errno != EEXIST)
		return merr_sys(b->e, "mkdir /dev/pts");
	if (mkdirat(dev, "shm", 01777) < 0 && errno != EEXIST)
		return merr_sys(b->e, "mkdir /dev/shm");
	if (fchmodat(dev, "shm", 01777, 0) < 0)
		return merr_sys(b->e, "chmod /dev/shm");
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
		_cleanup_close_ int target = -1;
		int r;

		snprintf(path, sizeof(path), "/dev/%s", devices[i]);
		snprintf(src, sizeof(src), SRC_PREFIX "/dev/%s", devices[i]);
		if (access(src, F_OK) < 0)
			continue;
		target = tree_touch(b, path);
		if (target < 0)
			return merr_set(b->e, -target, "create %s: %s", path, strerror(-target));
		/*
		 * Read-only: the gofer is root over the host's device nodes, which
		 * would take the guest's chmod or utimes to the host's /dev.  A
		 * device is still opened for writing on a read-only mount.
		 */
		r = mount_bind(b, src, target, path, MOUNT_ATTR_RDONLY, false);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A file cannot be bound on a directory, nor a directory on a file. */
static int bind_kind_matches(struct build *b, int target, const struct stat *src,
			     const struct tree_mount *m)
{
	struct stat st;

	if (fstat(target, &st) < 0)
		return merr_sys(b->e, "mount point %s", m->dst);
	if (S_ISDIR(st.st_mode) == S_ISDIR(src->st_mode))
		return 0;
	return merr_set(b->e, S_ISDIR(st.st_mode) ? EISDIR : ENOTDIR, "mount point %s: %s is %s "
			"directory, and %s is %s", m->dst, m->src, S_ISDIR(src->st_mode) ? "a" : "not a",
			m->dst, S_ISDIR(st.st_mode) ? "one" : "not");
}

/* One mount of the sandbox's (a volume, a tmpfs, a guest file system's mount point). */
static int build_mount(struct build *b, const struct tree_mount *m)
{
	unsigned attrs = m->attrs | (m->ro ? MOUNT_ATTR_RDONLY : 0);
	_cleanup_close_ int target = -1;
	int r;

	if (m->dst[0] != '/')
		return merr_set(b->e, EINVAL, "mount destination %s: not an absolute path", m->dst);
	if (m->type == TM_BIND) {
		char src[PATH_MAX];
		struct stat st;

		if (snprintf(src, sizeof(src), SRC_PREFIX "%s", m->src) >= (int)sizeof(src))
			return merr_set(b->e, ENAMETOOLONG, "volume %s: path too long", m->src);
		if (stat(src, &st) < 0)
			return merr_sys(b->e, "volume source %s", m->src);
		/* An existing mount point of the other kind gets its own message. */
		target = tree_open(b, m->dst, O_PATH);
		if (target < 0)
			target = errno != ENOENT ? -errno
			       : S_ISDIR(st.st_mode) ? tree_mkdir_p(b, m->dst, 0755)
			       : tree_touch(b, m->dst);
		if (target < 0)
			return merr_set(b->e, -target, "mount point %s: %s", m->dst,
					strerror(-target));
		r = bind_kind_matches(b, target, &st, m);
		if (!r)
			r = mount_bind(b, src, target, m->dst, attrs, true);
	} else if (m->type == TM_TMPFS) {
		target = tree_mkdir_p(b, m->dst, 0755);
		if (target < 0)
			return merr_set(b->e, -target, "mount point %s: %s", m->dst,
					strerror(-target));
		r = mount_tmpfs(b, target, m->dst, m->size, m->mode, attrs);
	} else {
		/* Mounted by the guest's init; only the mount point is made here. */
		target = tree_mkdir_p(b, m->dst, 0755);
		r = target < 0 ? merr_set(b->e, -target, "mount point %s: %s", m->dst,
					  strerror(-target)) : 0;
		/*
		 * The kernel lets a user namespace mount a new proc or sysfs
		 * only where an instance of it is already fully visible.  The
		 * host's is bound here for the guest's mount namespace to be
		 * copied with; the gofer detaches it again (tree_unveil()).
		 */
		if (!r && (m->type == TM_PROC || m->type == TM_SYSFS))
			r = mount_bind(b, m->type == TM_PROC ? SRC_PREFIX "/proc"
					: SRC_PREFIX "/sys", target, m->dst, 0, true);
	}
	return r;
}

static int build_mounts(struct build *b)
{
	for (size_t i = 0; i < b->t->nmounts; i++) {
		int r = build_mount(b, &b->t->mounts[i]);

		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The host file @path (under SRC_PREFIX, its symlinks resolved there too, as
 * on the host), into @fd: at most TREE_COPY_MAX bytes, copied by the kernel,
 * and a newline after them if they lack one.  A missing file adds nothing.
 * Return: 0 or -errno.
 */
static int copy_host_file(const char *path, int fd)
{
	_cleanup_close_ int host = open(SRC_PREFIX, O_PATH | O_DIRECTORY | O_CLOEXEC), in = -1;
	char last = '\n';
	ssize_t done;

	if (host < 0)
		return -errno;
	while (*path == '/')
		path++;
	in = sys_openat2(host, path, O_RDONLY | O_CLOEXEC, 0, RESOLVE_IN_ROOT);
	if (in < 0)
		return errno == ENOENT ? 0 : -errno;
	done = copy_full(fd, in, TREE_COPY_MAX);
	if (done < 0)
		return (int)done;
	if (done && pread(in, &last, 1, (off_t)done - 1) != 1)
		return -EIO;
	return last == '\n' ? 0 : write_full(fd, "\n", 1);
}

/*
 * Files the sandbox presents (/etc/resolv.conf, /etc/hosts, a CA bundle): the
 * content goes to the staging area and is bound read-only over the path (a
 * late file's staged copy stays open: the rest of it is appended there).  A
 * path that is a symlink is followed inside the tree; a missing file (or its
 * dangling symlink's target) is made first.
 */
static int build_files(struct build *b)
{
	if (b->t->nfiles && mkdir("/files", 0755) < 0 && errno != EEXIST)
		return merr_sys(b->e, "mkdir /files");
	for (size_t i = 0; i < b->t->nfiles; i++) {
		const struct tree_file *f = &b->t->files[i];
		char staged[64];
		_cleanup_close_ int fd = -1, target = -1;
		int r;

		snprintf(staged, sizeof(staged), "/files/%zu", i);
		fd = open(staged, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return merr_sys(b->e, "stage %s", f->path);
		r = f->copy_from ? copy_host_file(f->copy_from, fd) : 0;
		if (r < 0)
			return merr_set(b->e, -r, "stage %s from %s: %s", f->path, f->copy_from,
					strerror(-r));
		if (write_full(fd, f->content, f->len) < 0)
			return merr_sys(b->e, "stage %s", f->path);
		if (f->late)
			b->late[i] = steal_fd(&fd);	/* the rest comes later: keep it open */
		/* Missing, or a symlink to nothing: the file is made (tree_touch()). */
		target = tree_touch(b, f->path);
		if (target < 0)
			return merr_set(b->e, -target, "present %s: %s", f->path, strerror(-target));
		r = mount_bind(b, staged, target, f->path, MOUNT_ATTR_RDONLY, false);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The guest's host name is not the host's, and a program that looks itself up
 * (getaddrinfo(gethostname())) must find it without DNS: the host's /etc/hosts
 * is copied up with a line for it, as Debian names its own host, and stays
 * writable.  An /etc/hosts that cannot be written (absent, hidden, on a volume
 * or a read-only mount) is left as it is.
 */
static void name_host(struct build *b)
{
	_cleanup_close_ int fd = -1;
	struct statfs sfs;
	char line[128];
	int n;

	if (!b->t->host_name || !b->t->host_root || b->t->layer != TREE_OVERLAY_MEMORY)
		return;
	n = snprintf(line, sizeof(line), "127.0.1.1\t%s\n", b->t->host_name);
	fd = tree_open(b, "/etc/hosts", O_WRONLY | O_APPEND | O_NOFOLLOW);
	if (fd < 0 || fstatfs(fd, &sfs) < 0 || sfs.f_type != OVERLAYFS_SUPER_MAGIC ||
	    n <= 0 || (size_t)n >= sizeof(line) || write_full(fd, line, (size_t)n) < 0)
		log_debug("gofer: /etc/hosts does not name %s", b->t->host_name);
}

/* Whether volume or tmpfs @m is mounted strictly below @path ("/x"). */
static bool mounted_below(const struct tree_mount *m, const char *path)
{
	size_t n = strlen(path);

	return (m->type == TM_BIND || m->type == TM_TMPFS) && !strncmp(m->dst, path, n) &&
	       m->dst[n] == '/';
}

/*
 * A hidden directory @path, masked by a tmpfs still writable, with volumes
 * below it: a volume asked for inside a hidden directory (-v
 * ~/.cargo:/root/.cargo under the hidden /root) shows there, and nothing else
 * of the directory does.  The mounts below it are made again inside the mask,
 * in their order, then the mask alone (not them) is made read-only.
 */
static int remount_below(struct build *b, const char *path)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	_cleanup_close_ int mask = -1;

	for (size_t k = 0; k < b->t->nmounts; k++) {
		int r = mounted_below(&b->t->mounts[k], path) ? build_mount(b, &b->t->mounts[k]) : 0;

		if (r < 0)
			return r;
	}
	mask = tree_open(b, path, O_PATH | O_NOFOLLOW);
	if (mask < 0 || mount_setattr(mask, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
		return merr_sys(b->e, "make the mask of %s read-only", path);
	return 0;
}

/*
 * Hidden paths no whiteout made absent: resolved in the built tree (symlinks
 * inside it, the mounts included), and masked with an empty read-only mount.
 * A volume's own destination is what the guest asked to see there, not
 * masked; volumes below a hidden directory are made again inside its mask.
 */
static int mask_rest(struct build *b)
{
	for (size_t i = 0; i < b->nhidden; i++) {
		char path[PATH_MAX];
		_cleanup_close_ int target = -1;
		bool below = false, volume = false;
		struct stat st;
		int r;

		if (!b->hidden[i][0])
			continue;
		snprintf(path, sizeof(path), "/%s", b->hidden[i]);
		for (size_t k = 0; k < b->t->nmounts; k++) {
			below = below || mounted_below(&b->t->mounts[k], path);
			volume = volume || (b->t->mounts[k].type == TM_BIND &&
					    !strcmp(b->t->mounts[k].dst, path));
		}
		if (volume)
			continue;
		target = tree_open(b, path, O_PATH | O_NOFOLLOW);
		if (target < 0)
			continue;	/* not in the tree at all */
		if (fstat(target, &st) < 0)
			return merr_sys(b->e, "stat %s", path);
		if (S_ISDIR(st.st_mode))
			r = mount_tmpfs(b, target, path, 4096, 0500, below ? 0 : MOUNT_ATTR_RDONLY);
		else
			r = mount_bind(b, "/empty", target, path, MOUNT_ATTR_RDONLY, false);
		if (!r && below && S_ISDIR(st.st_mode))
			r = remount_below(b, path);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Whether O_PATH fd @fd is the tree's root (a read-only path that leads there). */
static bool is_root(struct build *b, int fd)
{
	struct stat a, r;

	return fstat(fd, &a) == 0 && fstat(b->rootfd, &r) == 0 && a.st_dev == r.st_dev &&
	       a.st_ino == r.st_ino;
}

static int build_ro(struct build *b)
{
	bool root_ro = false;	/* beyond what t->readonly already made */

	for (size_t i = 0; i < b->t->nro; i++) {
		_cleanup_close_ int target = tree_open(b, b->t->ro[i], O_PATH);
		_cleanup_close_ int tree = -1;
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

		if (target < 0) {
			if (errno == ENOENT)
				continue;
			return merr_sys(b->e, "read-only path %s", b->t->ro[i]);
		}
		/* A mount stacked on the root would leave us beneath it: flag the
		 * root itself instead, as for a read-only root. */
		if (is_root(b, target)) {
			root_ro = true;
			continue;
		}
		tree = open_tree(target, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				 AT_EMPTY_PATH | AT_RECURSIVE);
		if (tree < 0 ||
		    mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0 ||
		    attach(tree, target) < 0)
			return merr_sys(b->e, "make %s read-only", b->t->ro[i]);
	}
	/* A direct root was bound read-only already if t->readonly says so. */
	if (root_ro || (b->t->readonly && b->t->layer != TREE_DIRECT)) {
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

		if (mount_setattr(b->rootfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
			return merr_sys(b->e, "make / read-only");
	}
	return 0;
}

/* Add @path (in the sandbox; leading slashes are dropped) to the hidden paths. */
static int add_hidden(struct build *b, const char *path)
{
	char **n;

	while (*path == '/')
		path++;
	if (!*path)
		return 0;	/* never hide the root itself */
	n = realloc(b->hidden, (b->nhidden + 1) * sizeof(*n));
	if (!n)
		return merr_set(b->e, ENOMEM, "hide: out of memory");
	b->hidden = n;
	b->hidden[b->nhidden] = strdup(path);
	if (!b->hidden[b->nhidden])
		return merr_set(b->e, ENOMEM, "hide: out of memory");
	b->nhidden++;
	return 0;
}

/*
 * Whether @pattern is DIR/ * /REST, with one '*' as a whole component and the
 * rest plain: then @star is set to where "/ * /" starts.
 */
static bool star_component(const char *pattern, const char **star)
{
	const char *p = strstr(pattern, "/*/");

	if (!p || p == pattern || strpbrk(p + 3, "*?[\\"))
		return false;
	for (const char *q = pattern; q < p; q++)
		if (strchr("*?[\\", *q))
			return false;
	*star = p;
	return true;
}

/*
 * The patterns DIR/ * /REST of one DIR (the defaults' /home/ * /.ssh and the
 * like): DIR is read once for all of them, where glob() would read it for
 * each.  Each name in DIR but . and .. stands for the '*', a leading dot too
 * (GLOB_PERIOD), and DIR/NAME/REST is hidden where it exists (a last
 * component that is a symlink counts; the others are followed), as glob()
 * finds it.  @done marks the patterns taken care of here.
 */
static int find_hidden_star(struct build *b, size_t first, bool *done)
{
	const char *dirname = b->t->hide[first], *star, *rest[b->t->nhide];
	size_t dirlen, n = 0, srclen = strlen(b->src);
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (!star_component(dirname, &star))
		return 0;	/* not called so */
	dirlen = (size_t)(star - dirname);
	if (snprintf(dir, sizeof(dir), "%s%.*s", b->src, (int)dirlen, dirname) >= (int)sizeof(dir))
		return merr_set(b->e, ENAMETOOLONG, "hide %s: path too long", dirname);
	/* the patterns of the same DIR, this one among them: their RESTs */
	for (size_t i = first; i < b->t->nhide; i++) {
		if (done[i] || !star_component(b->t->hide[i], &star) ||
		    (size_t)(star - b->t->hide[i]) != dirlen ||
		    strncmp(b->t->hide[i], dirname, dirlen))
			continue;
		done[i] = true;
		rest[n++] = star + 3;
	}
	d = opendir(dir);
	while (d && !r && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		for (size_t i = 0; i < n && !r; i++) {
			char path[PATH_MAX * 2];
			struct stat st;

			if (snprintf(path, sizeof(path), "%s/%s/%s", dir, de->d_name, rest[i]) >=
			    (int)sizeof(path) - 1)
				continue;
			if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
				r = add_hidden(b, path + srclen);
		}
	}
	if (d)
		closedir(d);
	return r;
}

/* Expand the hide patterns against the host; keep paths relative to the root. */
static int find_hidden(struct build *b)
{
	size_t srclen = strlen(b->src);
	bool done[b->t->nhide + 1];

	memset(done, 0, sizeof(done));
	for (size_t i = 0; i < b->t->nhide; i++) {
		char pattern[PATH_MAX];
		const char *star;
		glob_t g;
		int r = 0;

		if (done[i])
			continue;
		if (star_component(b->t->hide[i], &star)) {
			r = find_hidden_star(b, i, done);
			if (r < 0)
				return r;
			continue;
		}
		if (snprintf(pattern, sizeof(pattern), "%s%s", b->src, b->t->hide[i]) >=
		    (int)sizeof(pattern))
			return merr_set(b->e, ENAMETOOLONG, "hide %s: path too long", b->t->hide[i]);
		if (glob(pattern, GLOB_NOSORT | GLOB_PERIOD, NULL, &g) != 0)
			continue;	/* nothing matches */
		for (size_t k = 0; k < g.gl_pathc && !r; k++)
			r = add_hidden(b, g.gl_pathv[k] + srclen);
		globfree(&g);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * literal_path() - whether @pattern names one path (no unescaped '*', '?' or
 * '['); if so @out gets it with the escapes removed.
 */
static bool literal_path(const char *pattern, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = pattern; *p; p++) {
		if (*p == '*' || *p == '?' || *p == '[')
			return false;
		if (*p == '\\' && p[1])
			p++;
		if (n + 1 >= cap)
			return false;
		out[n++] = *p;
	}
	out[n] = '\0';
	return true;
}

/*
 * The host glob of find_hidden() looked at the root file system before the
 * mounts were made: it cannot see into a bind mount, and it follows a
 * symlinked parent on the host, not in the tree.  So every hide pattern that
 * names one path is listed again here, to be resolved in the built tree by
 * mask_rest(), unless the glob listed it and no whiteout has taken it off
 * (mask_rest() resolves those already).  One a whiteout made absent is found
 * only if a mount shows the path again.
 */
static int find_hidden_in_tree(struct build *b)
{
	for (size_t i = 0; i < b->t->nhide; i++) {
		char path[PATH_MAX];
		const char *rel = path;
		bool listed = false;
		int r;

		if (!literal_path(b->t->hide[i], path, sizeof(path)))
			continue;
		while (*rel == '/')
			rel++;
		for (size_t k = 0; k < b->nhidden && !listed; k++)
			listed = !strcmp(b->hidden[k], rel);
		if (listed)
			continue;
		r = add_hidden(b, rel);
		if (r < 0)
			return r;
	}
	return 0;
}

static int stage(const struct gofer_tree *t, struct merr *e)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return merr_sys(e, "make mounts private");
	if (t->layer == TREE_OVERLAY_DIR) {
		if (mount(t->upper_dir, STAGE, NULL, MS_BIND, NULL) < 0)
			return merr_sys(e, "bind overlay directory %s", t->upper_dir);
	} else {
		uint64_t size = t->disk_bytes ? t->disk_bytes : TREE_DEFAULT_DISK;
		char opts[96];

		snprintf(opts, sizeof(opts), "size=%llu,nr_inodes=%llu,mode=0755",
			 (unsigned long long)size, tmpfs_inodes(size));
		if (mount("moat", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
			return merr_sys(e, "mount staging tmpfs");
	}
	if (chdir(STAGE) < 0)
		return merr_sys(e, "chdir " STAGE);
	if (mkdir("oldroot", 0700) < 0 && errno != EEXIST)
		return merr_sys(e, "mkdir oldroot");
	if (sys_pivot_root(".", "oldroot") < 0)
		return merr_sys(e, "pivot_root into the staging area");
	if (chdir("/") < 0)
		return merr_sys(e, "chdir /");
	if ((mkdir("/upper", 0755) < 0 && errno != EEXIST) ||
	    (mkdir("/work", 0700) < 0 && errno != EEXIST))
		return merr_sys(e, "mkdir staging directories");
	/* An empty file to mask hidden files with. */
	int fd = open("/empty", O_CREAT | O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return merr_sys(e, "create /empty");
	close(fd);
	return 0;
}

/*
 * Make the sandbox root our root.  The staging area, stacked on it by the
 * pivot, is detached with everything below it, the host's root included: one
 * detach, since each one waits for an RCU grace period (~0.1-0.5 ms).
 */
static int finish(struct build *b)
{
	if (fchdir(b->rootfd) < 0)
		return merr_sys(b->e, "chdir into the sandbox root");
	if (sys_pivot_root(".", ".") < 0)
		return merr_sys(b->e, "pivot_root into the sandbox root");
	log_phase("gofer: pivoted");
	if (umount2(".", MNT_DETACH) < 0)
		return merr_sys(b->e, "detach the staging area and the host's root");
	log_phase("gofer: staging and host root detached");
	if (chdir("/") < 0)
		return merr_sys(b->e, "chdir /");
	return 0;
}

int tree_unveil(const struct gofer_tree *t, struct merr *e)
{
	for (size_t i = 0; i < t->nmounts; i++) {
		const struct tree_mount *m = &t->mounts[i];

		if (m->type != TM_PROC && m->type != TM_SYSFS)
			continue;
		if (umount2(m->dst, MNT_DETACH) < 0 && errno != EINVAL)
			return merr_sys(e, "detach the host's %s", m->dst);
	}
	return 0;
}

int tree_build(const struct gofer_tree *t, int *late, struct merr *e)
{
	struct build b = { .t = t, .e = e, .rootfd = -1, .late = late };
	int r;

	if (!t->rootfs || t->rootfs[0] != '/')
		return merr_set(e, EINVAL, "rootfs %s: not an absolute path",
				t->rootfs ? t->rootfs : "(none)");
	if (snprintf(b.src, sizeof(b.src), SRC_PREFIX "%s",
		     strcmp(t->rootfs, "/") ? t->rootfs : "") >= (int)sizeof(b.src))
		return merr_set(e, ENAMETOOLONG, "rootfs %s: path too long", t->rootfs);
	r = stage(t, e);
	if (r < 0)
		goto out;
	if (access(b.src, F_OK) < 0) {
		r = merr_sys(e, "rootfs %s", t->rootfs);
		goto out;
	}
	log_phase("gofer: staged");
	r = find_hidden(&b);
	log_phase("gofer: hidden paths found");
	if (!r)
		r = !t->host_root ? build_rootfs(&b) :
		    t->privileged ? build_host_root_priv(&b) : build_host_root(&b);
	log_phase("gofer: root built");
	if (!r && t->host_root)
		r = build_run(&b);
	if (!r)
		r = build_mounts(&b);
	if (!r)
		r = build_dev(&b);
	if (!r)
		r = build_files(&b);
	if (!r)
		name_host(&b);
	if (!r)
		r = find_hidden_in_tree(&b);
	if (!r)
		r = mask_rest(&b);
	if (!r)
		r = build_ro(&b);
	log_phase("gofer: mounts built");
	if (!r)
		r = finish(&b);
out:
	for (size_t i = 0; i < b.nhidden; i++)
		free(b.hidden[i]);
	free(b.hidden);
	if (b.rootfd >= 0)
		close(b.rootfd);
	return r;
}
