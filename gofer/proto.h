/* SPDX-License-Identifier: MIT */
/*
 * proto.h - the sentry <-> gofer protocol.
 *
 * The sentry serves the guest's path-based system calls.  Lookups it can answer
 * from the read-only view of the sandbox; anything that changes the file system
 * is a request to the gofer, the only process that holds a writable view.
 *
 * Transport: a SOCK_SEQPACKET socketpair per sentry worker thread.  One request
 * is one message: a fixed struct gofer_req followed by two byte strings whose
 * lengths the header gives (len1, len2).  One reply is one message: a struct
 * gofer_resp, and at most one fd in SCM_RIGHTS.  Strings that are paths are
 * absolute paths inside the sandbox, NUL-terminated, with no NUL inside.
 *
 * The gofer validates every field (gofer_req_check()) before it acts; the sentry
 * validates every reply (gofer_resp_check()).  Neither trusts the other side.
 */
#ifndef MOAT_GOFER_PROTO_H
#define MOAT_GOFER_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GOFER_PATH_MAX 4096		/* bytes, including the NUL */
#define GOFER_DATA_MAX 65536		/* xattr value, as XATTR_SIZE_MAX */
#define GOFER_MSG_MAX (sizeof(struct gofer_req) + GOFER_PATH_MAX + GOFER_DATA_MAX)

enum gofer_op {
	GOFER_OPEN = 1,		/* s1 path; flags = O_*; mode -> fd */
	GOFER_MKDIR,		/* s1 path; mode */
	GOFER_MKNOD,		/* s1 path; mode (FIFO, socket or regular only) */
	GOFER_UNLINK,		/* s1 path; flags = 0 or AT_REMOVEDIR */
	GOFER_RENAME,		/* s1 old, s2 new; flags = RENAME_* */
	GOFER_LINK,		/* s1 existing, s2 new; flags = 0 or AT_SYMLINK_FOLLOW */
	GOFER_SYMLINK,		/* s1 link path, s2 target text (any bytes but NUL) */
	GOFER_CHMOD,		/* s1 path; mode; flags = 0 or AT_SYMLINK_NOFOLLOW */
	GOFER_CHOWN,		/* s1 path; a = uid, b = gid (-1 keeps); flags as CHMOD */
	GOFER_TRUNCATE,		/* s1 path; a = length */
	GOFER_UTIMENS,		/* s1 path; times; flags as CHMOD */
	GOFER_SETXATTR,		/* s1 path, s2 "name\0value"; a = value length;
				   flags = XATTR_CREATE/REPLACE | GOFER_NOFOLLOW */
	GOFER_REMOVEXATTR,	/* s1 path, s2 name; flags = GOFER_NOFOLLOW or 0 */
	GOFER_BIND,		/* s1 directory, s2 address (the guest's path, resolved
				   from s1); one fd: an AF_UNIX socket to bind ->
				   an O_PATH fd of the socket file, if still there */
	GOFER_ACCESS,		/* s1 path; mode = W_OK etc.; flags = AT_EACCESS,
				   AT_SYMLINK_NOFOLLOW: answered on the writable view */
	GOFER_CHANNEL,		/* s1 "/"; one fd: a new SOCK_SEQPACKET channel */
	GOFER_LATE,		/* s1 "/", s2 data (any bytes, up to GOFER_DATA_MAX):
				   append it to the late files, once (gofer.h) */
	GOFER_OPEN_AT,		/* s1 directory path, s2 path resolved from it;
				   flags = O_*; mode; a = RESOLVE_* with BENEATH
				   or IN_ROOT (openat2's confinement) -> fd */
	GOFER_STATFS,		/* s1 path; a = st_dev, b = st_ino of the object the
				   sentry found there -> ST_RDONLY of its mount in
				   the writable view (0 or 1); -ESTALE if the path
				   names another object there */
	GOFER_LINK_FD,		/* s1 new path; one fd: the open file to link there
				   (linkat with AT_EMPTY_PATH, which the kernel
				   allows for a file the gofer itself opened: an
				   O_TMPFILE file, one opened for writing) */
	GOFER_OP_MAX
};

/* GOFER_SETXATTR/REMOVEXATTR: do not follow a final symlink (lsetxattr). */
#define GOFER_NOFOLLOW 0x10000u

struct gofer_ts {
	int64_t sec;
	int64_t nsec;		/* or UTIME_NOW / UTIME_OMIT */
};

struct gofer_req {
	uint32_t op;
	uint32_t flags;
	uint32_t mode;
	uint32_t len1;		/* bytes of string 1, including its NUL */
	uint32_t len2;		/* bytes of string 2 (NUL-terminated unless data) */
	uint32_t reserved;	/* must be 0 */
	uint64_t a;
	uint64_t b;
	struct gofer_ts times[2];
};

struct gofer_resp {
	int32_t result;		/* >= 0 on success, -errno on failure */
	uint32_t nfds;		/* 0 or 1: the fd of GOFER_OPEN(_AT) */
};

/* A request as the receiver sees it once checked: pointers into the buffer. */
struct gofer_msg {
	const struct gofer_req *req;
	const char *s1;		/* always a path */
	const char *s2;		/* path, symlink text, xattr name, or NULL */
	const void *data;	/* xattr value (SETXATTR), or NULL */
	size_t datalen;
};

/**
 * gofer_req_build() - lay out a request in @buf
 * @buf, @cap:	output buffer (GOFER_MSG_MAX is always enough)
 * @req:	header; len1/len2 are filled in here
 * @s1:		first string (required)
 * @s2, @len2:	second part, or NULL/0; copied as is (the caller includes NULs)
 *
 * Return: message length, or -ENAMETOOLONG / -E2BIG when a part is too long
 */
ssize_t gofer_req_build(void *buf, size_t cap, struct gofer_req *req,
			const char *s1, const void *s2, size_t len2);

/**
 * gofer_req_check() - validate a received request
 * @buf, @len:	the message as received
 * @nfds:	number of fds that came with it
 * @out:	filled with pointers into @buf on success
 *
 * Every length, string, flag and the fd count are checked against what @op
 * allows.  Return: 0, or -EPROTO / -EINVAL / -ENAMETOOLONG with nothing used.
 */
int gofer_req_check(const void *buf, size_t len, unsigned nfds, struct gofer_msg *out);

/**
 * gofer_resp_check() - validate a received reply for a request of @op
 * Return: 0 if the reply is well-formed (its result may still be -errno),
 * -EPROTO otherwise
 */
int gofer_resp_check(uint32_t op, const void *buf, size_t len, unsigned nfds);

/** gofer_op_name() - "open", "mkdir", ... for logs; "?" for unknown ops */
const char *gofer_op_name(uint32_t op);

#endif
