// SPDX-License-Identifier: MIT
/*
 * proto.c - building and validating gofer messages (see proto.h).
 *
 * The check is table-driven: each op says which strings it carries, which
 * flag bits it accepts and how many fds come with it.  Anything else is
 * refused before a single byte of the message is used.
 */
#include "gofer/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

enum s2_kind { S2_NONE, S2_PATH, S2_TEXT, S2_XATTR_NAME, S2_XATTR_PAIR, S2_DATA };

/* The RESOLVE_* flags GOFER_OPEN_AT takes; BENEATH or IN_ROOT is one of them. */
#define CONFINE_RESOLVE (RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_NO_XDEV | \
			 RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS)

struct op_rule {
	const char *name;
	enum s2_kind s2;
	uint32_t flags;		/* bits the op accepts */
	unsigned nfds;
	int mode;		/* 1 if mode must be <= 07777 */
};

#define OPEN_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
		    O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT | O_LARGEFILE | \
		    O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_TMPFILE | \
		    O_ASYNC)

static const struct op_rule rules[GOFER_OP_MAX] = {
	[GOFER_OPEN] = { "open", S2_NONE, OPEN_FLAGS, 0, 1 },
	[GOFER_MKDIR] = { "mkdir", S2_NONE, 0, 0, 1 },
	[GOFER_MKNOD] = { "mknod", S2_NONE, 0, 0, 0 },
	[GOFER_UNLINK] = { "unlink", S2_NONE, AT_REMOVEDIR, 0, 0 },
	[GOFER_RENAME] = { "rename", S2_PATH, RENAME_NOREPLACE | RENAME_EXCHANGE, 0, 0 },
	[GOFER_LINK] = { "link", S2_PATH, AT_SYMLINK_FOLLOW, 0, 0 },
	[GOFER_SYMLINK] = { "symlink", S2_TEXT, 0, 0, 0 },
	[GOFER_CHMOD] = { "chmod", S2_NONE, AT_SYMLINK_NOFOLLOW, 0, 1 },
	[GOFER_CHOWN] = { "chown", S2_NONE, AT_SYMLINK_NOFOLLOW, 0, 0 },
	[GOFER_TRUNCATE] = { "truncate", S2_NONE, 0, 0, 0 },
	[GOFER_UTIMENS] = { "utimens", S2_NONE, AT_SYMLINK_NOFOLLOW, 0, 0 },
	[GOFER_SETXATTR] = { "setxattr", S2_XATTR_PAIR,
			     XATTR_CREATE | XATTR_REPLACE | GOFER_NOFOLLOW, 0, 0 },
	[GOFER_REMOVEXATTR] = { "removexattr", S2_XATTR_NAME, GOFER_NOFOLLOW, 0, 0 },
	[GOFER_BIND] = { "bind", S2_TEXT, 0, 1, 1 },
	[GOFER_ACCESS] = { "access", S2_NONE, AT_EACCESS | AT_SYMLINK_NOFOLLOW, 0, 0 },
	[GOFER_CHANNEL] = { "channel", S2_NONE, 0, 1, 0 },
	[GOFER_LATE] = { "late", S2_DATA, 0, 0, 0 },
	[GOFER_OPEN_AT] = { "open_at", S2_TEXT, OPEN_FLAGS, 0, 1 },
	[GOFER_STATFS] = { "statfs", S2_NONE, 0, 0, 0 },
	[GOFER_LINK_FD] = { "link_fd", S2_NONE, 0, 1, 0 },
};

const char *gofer_op_name(uint32_t op)
{
	if (op == 0 || op >= GOFER_OP_MAX)
		return "?";
	return rules[op].name;
}

ssize_t gofer_req_build(void *buf, size_t cap, struct gofer_req *req,
			const char *s1, const void *s2, size_t len2)
{
	size_t len1 = strlen(s1) + 1;
	char *p = buf;

	if (len1 > GOFER_PATH_MAX)
		return -ENAMETOOLONG;
	if (len2 > GOFER_PATH_MAX + GOFER_DATA_MAX)
		return -E2BIG;
	if (sizeof(*req) + len1 + len2 > cap)
		return -E2BIG;
	req->len1 = (uint32_t)len1;
	req->len2 = (uint32_t)len2;
	req->reserved = 0;
	memcpy(p, req, sizeof(*req));
	memcpy(p + sizeof(*req), s1, len1);
	if (len2)
		memcpy(p + sizeof(*req) + len1, s2, len2);
	return (ssize_t)(sizeof(*req) + len1 + len2);
}

/* A string of exactly @len bytes whose only NUL is the last byte. */
static int check_cstr(const char *s, size_t len, size_t max)
{
	if (len == 0)
		return -EPROTO;
	if (len > max)
		return -ENAMETOOLONG;
	if (s[len - 1] != '\0' || strlen(s) != len - 1)
		return -EPROTO;
	return 0;
}

static int check_path(const char *s, size_t len)
{
	int r = check_cstr(s, len, GOFER_PATH_MAX);

	if (r)
		return r;
	return s[0] == '/' ? 0 : -EINVAL;
}

static int check_ts(const struct gofer_ts *t)
{
	if (t->nsec == UTIME_NOW || t->nsec == UTIME_OMIT)
		return 0;
	return (t->nsec >= 0 && t->nsec < 1000000000) ? 0 : -EINVAL;
}

int gofer_req_check(const void *buf, size_t len, unsigned nfds, struct gofer_msg *out)
{
	const struct gofer_req *req = buf;
	const struct op_rule *rule;
	const char *s1, *s2;
	int r;

	if (len < sizeof(*req))
		return -EPROTO;
	if (req->op == 0 || req->op >= GOFER_OP_MAX || req->reserved)
		return -EPROTO;
	rule = &rules[req->op];
	if ((uint64_t)req->len1 + req->len2 != len - sizeof(*req))
		return -EPROTO;
	if (nfds != rule->nfds)
		return -EPROTO;
	if (req->flags & ~rule->flags)
		return -EINVAL;
	if (rule->mode && req->mode > 07777)
		return -EINVAL;

	s1 = (const char *)buf + sizeof(*req);
	s2 = s1 + req->len1;
	r = check_path(s1, req->len1);
	if (r)
		return r;

	memset(out, 0, sizeof(*out));
	out->req = req;
	out->s1 = s1;
	switch (rule->s2) {
	case S2_NONE:
		if (req->len2)
			return -EPROTO;
		break;
	case S2_PATH:
		r = check_path(s2, req->len2);
		if (r)
			return r;
		out->s2 = s2;
		break;
	case S2_TEXT:
		r = check_cstr(s2, req->len2, GOFER_PATH_MAX);
		if (r)
			return r;
		if (req->len2 < 2)
			return -ENOENT;	/* symlink("") */
		out->s2 = s2;
		break;
	case S2_XATTR_NAME:
		r = check_cstr(s2, req->len2, 256);
		if (r)
			return r;
		out->s2 = s2;
		break;
	case S2_XATTR_PAIR: {
		size_t namelen = strnlen(s2, req->len2);

		if (namelen == 0 || namelen == req->len2 || namelen > 255)
			return -EPROTO;
		if (req->a != req->len2 - namelen - 1 || req->a > GOFER_DATA_MAX)
			return -EPROTO;
		out->s2 = s2;
		out->data = s2 + namelen + 1;
		out->datalen = (size_t)req->a;
		break;
	}
	case S2_DATA:
		if (req->len2 == 0 || req->len2 > GOFER_DATA_MAX)
			return -EPROTO;
		out->data = s2;
		out->datalen = req->len2;
		break;
	}

	switch (req->op) {
	case GOFER_MKNOD: {
		mode_t type = req->mode & S_IFMT;

		if (type != 0 && type != S_IFREG && type != S_IFIFO && type != S_IFSOCK)
			return -EPERM;	/* device nodes are never made */
		if (req->mode & ~(S_IFMT | 07777))
			return -EINVAL;
		break;
	}
	case GOFER_RENAME:
		if ((req->flags & RENAME_NOREPLACE) && (req->flags & RENAME_EXCHANGE))
			return -EINVAL;
		break;
	case GOFER_CHOWN:
		if (req->a > UINT32_MAX || req->b > UINT32_MAX)
			return -EINVAL;
		break;
	case GOFER_TRUNCATE:
		if (req->a > INT64_MAX)
			return -EINVAL;
		break;
	case GOFER_UTIMENS:
		if (check_ts(&req->times[0]) || check_ts(&req->times[1]))
			return -EINVAL;
		break;
	case GOFER_ACCESS:
		if (req->mode & ~(uint32_t)(R_OK | W_OK | X_OK))
			return -EINVAL;
		break;
	case GOFER_OPEN_AT: {
		uint64_t confine = req->a & (RESOLVE_BENEATH | RESOLVE_IN_ROOT);

		if ((req->a & ~(uint64_t)CONFINE_RESOLVE) ||
		    (confine != RESOLVE_BENEATH && confine != RESOLVE_IN_ROOT))
			return -EINVAL;
		break;
	}
	}
	return 0;
}

int gofer_resp_check(uint32_t op, const void *buf, size_t len, unsigned nfds)
{
	const struct gofer_resp *resp = buf;

	if (len != sizeof(*resp))
		return -EPROTO;
	if (resp->nfds != nfds)
		return -EPROTO;
	if (resp->result < -4095)
		return -EPROTO;
	if ((op == GOFER_OPEN || op == GOFER_OPEN_AT) && resp->result >= 0)
		return nfds == 1 ? 0 : -EPROTO;
	if (op == GOFER_BIND && resp->result >= 0)
		return nfds <= 1 ? 0 : -EPROTO;	/* the socket file, if found */
	if (op == GOFER_STATFS && resp->result > ST_RDONLY)
		return -EPROTO;
	return nfds == 0 ? 0 : -EPROTO;
}
