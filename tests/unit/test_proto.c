// SPDX-License-Identifier: MIT
/*
 * Unit tests: the gofer protocol's validation.  Every malformed or truncated
 * message must be refused before a byte of it is used; well-formed ones of
 * every op must pass.  Table-driven: one row per case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "gofer/proto.h"

static char buf[GOFER_MSG_MAX];

static ssize_t build(uint32_t op, uint32_t flags, uint32_t mode, const char *s1,
		     const void *s2, size_t len2)
{
	struct gofer_req req = { .op = op, .flags = flags, .mode = mode };

	return gofer_req_build(buf, sizeof(buf), &req, s1, s2, len2);
}

static void test_valid(void **state)
{
	static const struct {
		uint32_t op, flags, mode;
		const char *s1, *s2;
		unsigned nfds;
	} rows[] = {
		{ GOFER_OPEN, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644, "/tmp/x", NULL, 0 },
		{ GOFER_MKDIR, 0, 0755, "/a/b", NULL, 0 },
		{ GOFER_MKNOD, 0, S_IFIFO | 0600, "/tmp/fifo", NULL, 0 },
		{ GOFER_UNLINK, AT_REMOVEDIR, 0, "/d", NULL, 0 },
		{ GOFER_RENAME, RENAME_NOREPLACE, 0, "/a", "/b", 0 },
		{ GOFER_LINK, AT_SYMLINK_FOLLOW, 0, "/a", "/b", 0 },
		{ GOFER_SYMLINK, 0, 0, "/l", "../target", 0 },
		{ GOFER_CHMOD, AT_SYMLINK_NOFOLLOW, 04755, "/f", NULL, 0 },
		{ GOFER_CHOWN, 0, 0, "/f", NULL, 0 },
		{ GOFER_TRUNCATE, 0, 0, "/f", NULL, 0 },
		{ GOFER_UTIMENS, 0, 0, "/f", NULL, 0 },
		{ GOFER_REMOVEXATTR, GOFER_NOFOLLOW, 0, "/f", "user.x", 0 },
		{ GOFER_BIND, 0, 0, "/tmp", "sock", 1 },
		{ GOFER_ACCESS, AT_EACCESS, W_OK, "/f", NULL, 0 },
		{ GOFER_CHANNEL, 0, 0, "/", NULL, 1 },
		{ GOFER_STATFS, 0, 0, "/tmp", NULL, 0 },
		{ GOFER_LINK_FD, 0, 0, "/tmp/made", NULL, 1 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct gofer_msg m;
		ssize_t n = build(rows[i].op, rows[i].flags, rows[i].mode, rows[i].s1, rows[i].s2,
				  rows[i].s2 ? strlen(rows[i].s2) + 1 : 0);

		assert_true(n > 0);
		assert_int_equal(gofer_req_check(buf, (size_t)n, rows[i].nfds, &m), 0);
		assert_string_equal(m.s1, rows[i].s1);
		if (rows[i].s2)
			assert_string_equal(m.s2, rows[i].s2);
	}
}

static void test_xattr_pair(void **state)
{
	char pair[] = "user.k\0value-bytes";
	struct gofer_req req = { .op = GOFER_SETXATTR, .a = 11 };
	struct gofer_msg m;
	ssize_t n;

	(void)state;
	n = gofer_req_build(buf, sizeof(buf), &req, "/f", pair, 7 + 11);
	assert_true(n > 0);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), 0);
	assert_string_equal(m.s2, "user.k");
	assert_int_equal(m.datalen, 11);
	assert_memory_equal(m.data, "value-bytes", 11);
	/* the value length must agree with the header */
	((struct gofer_req *)buf)->a = 12;
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), -EPROTO);
}

/* GOFER_LATE: any bytes (NULs too), counted by the header, within bounds. */
static void test_late_data(void **state)
{
	static char data[GOFER_DATA_MAX + 1];
	struct gofer_msg m;
	ssize_t n;

	(void)state;
	memcpy(data, "-----BEGIN\0CERT", 16);
	n = build(GOFER_LATE, 0, 0, "/", data, 16);
	assert_true(n > 0);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), 0);
	assert_int_equal(m.datalen, 16);
	assert_memory_equal(m.data, data, 16);
	n = build(GOFER_LATE, 0, 0, "/", data, GOFER_DATA_MAX);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), 0);
	/* too long, empty, with an fd, with flags */
	n = build(GOFER_LATE, 0, 0, "/", data, GOFER_DATA_MAX + 1);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), -EPROTO);
	n = build(GOFER_LATE, 0, 0, "/", NULL, 0);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), -EPROTO);
	n = build(GOFER_LATE, 0, 0, "/", data, 16);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 1, &m), -EPROTO);
	n = build(GOFER_LATE, 1, 0, "/", data, 16);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), -EINVAL);
}

/* Corrupt a valid OPEN message one way per row; each must be refused. */
static void test_malformed(void **state)
{
	enum { TRUNC_HDR, TRUNC_BODY, EXTRA_BYTE, BAD_OP, ZERO_OP, RESERVED, LEN_LIE,
	       NO_NUL, EMBEDDED_NUL, RELATIVE, BAD_FLAGS, BAD_MODE, WRONG_FDS, N_CASES };
	(void)state;
	for (int c = 0; c < N_CASES; c++) {
		struct gofer_msg m;
		struct gofer_req *q = (struct gofer_req *)buf;
		ssize_t n = build(GOFER_OPEN, O_RDWR, 0644, "/tmp/file", NULL, 0);
		size_t len = (size_t)n;
		unsigned nfds = 0;
		char *s1 = buf + sizeof(*q);

		switch (c) {
		case TRUNC_HDR: len = sizeof(*q) - 1; break;
		case TRUNC_BODY: len -= 3; break;
		case EXTRA_BYTE: len += 1; break;
		case BAD_OP: q->op = GOFER_OP_MAX; break;
		case ZERO_OP: q->op = 0; break;
		case RESERVED: q->reserved = 1; break;
		case LEN_LIE: q->len1 += 1; break;
		case NO_NUL: s1[q->len1 - 1] = 'x'; break;
		case EMBEDDED_NUL: s1[3] = '\0'; break;
		case RELATIVE: s1[0] = 't'; break;
		case BAD_FLAGS: q->flags |= O_PATH; break;
		case BAD_MODE: q->mode = 010000; break;
		case WRONG_FDS: nfds = 1; break;
		}
		assert_true(gofer_req_check(buf, len, nfds, &m) < 0);
	}
}

static void test_rules(void **state)
{
	struct gofer_msg m;
	ssize_t n;

	(void)state;
	/* device nodes are never made */
	n = build(GOFER_MKNOD, 0, S_IFCHR | 0666, "/dev/x", NULL, 0);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), -EPERM);
	n = build(GOFER_MKNOD, 0, S_IFBLK | 0666, "/dev/x", NULL, 0);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), -EPERM);
	/* RENAME_WHITEOUT is not among the accepted flags */
	n = build(GOFER_RENAME, RENAME_WHITEOUT, 0, "/a", "/b", 2);
	assert_true(gofer_req_check(buf, (size_t)n, 0, &m) < 0);
	/* NOREPLACE and EXCHANGE together */
	n = build(GOFER_RENAME, RENAME_NOREPLACE | RENAME_EXCHANGE, 0, "/a", "/b", 3);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), -EINVAL);
	/* second path must be absolute too */
	n = build(GOFER_RENAME, 0, 0, "/a", "b", 2);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), -EINVAL);
	/* a link of an open file comes with its fd, and nothing else */
	n = build(GOFER_LINK_FD, 0, 0, "/tmp/made", NULL, 0);
	assert_true(gofer_req_check(buf, (size_t)n, 0, &m) < 0);
	n = build(GOFER_LINK_FD, AT_EMPTY_PATH, 0, "/tmp/made", NULL, 0);
	assert_true(gofer_req_check(buf, (size_t)n, 1, &m) < 0);
	n = build(GOFER_LINK_FD, 0, 0, "/tmp/made", "/b", 2);
	assert_true(gofer_req_check(buf, (size_t)n, 1, &m) < 0);
	/* an empty symlink target */
	n = build(GOFER_SYMLINK, 0, 0, "/l", "", 1);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), -ENOENT);
	/* bad timestamps */
	{
		struct gofer_req req = { .op = GOFER_UTIMENS };

		req.times[1].nsec = 1000000000;
		n = gofer_req_build(buf, sizeof(buf), &req, "/f", NULL, 0);
		assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), -EINVAL);
	}
	/* a path of exactly GOFER_PATH_MAX bytes with its NUL is refused by build */
	{
		static char longpath[GOFER_PATH_MAX + 1];

		memset(longpath, 'a', GOFER_PATH_MAX);
		longpath[0] = '/';
		assert_int_equal(build(GOFER_MKDIR, 0, 0755, longpath, NULL, 0), -ENAMETOOLONG);
	}
}

/* GOFER_OPEN_AT: a path from the directory, confined by BENEATH or IN_ROOT. */
static void test_open_at(void **state)
{
	static const struct {
		uint64_t resolve;
		const char *s2;
		int expect;
	} rows[] = {
		{ RESOLVE_BENEATH, "a/b", 0 },
		{ RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS, "/etc/x", 0 },
		{ 0, "a", -EINVAL },				/* not confined */
		{ RESOLVE_BENEATH | RESOLVE_IN_ROOT, "a", -EINVAL },
		{ RESOLVE_NO_XDEV, "a", -EINVAL },
		{ RESOLVE_BENEATH | 0x100, "a", -EINVAL },	/* unknown bit */
		{ RESOLVE_BENEATH, "", -ENOENT },		/* openat2(fd, "") */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct gofer_req req = { .op = GOFER_OPEN_AT, .flags = O_WRONLY | O_CREAT,
					 .mode = 0644, .a = rows[i].resolve };
		struct gofer_msg m;
		ssize_t n = gofer_req_build(buf, sizeof(buf), &req, "/tmp", rows[i].s2,
					    strlen(rows[i].s2) + 1);

		assert_true(n > 0);
		assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), rows[i].expect);
	}
}

/* GOFER_STATFS: one path, the object's st_dev and st_ino, nothing else. */
static void test_statfs(void **state)
{
	struct gofer_req req = { .op = GOFER_STATFS, .a = 0x803, .b = UINT64_MAX };
	struct gofer_resp r = { 0 };
	struct gofer_msg m;
	ssize_t n;

	(void)state;
	n = gofer_req_build(buf, sizeof(buf), &req, "/mnt/vol", NULL, 0);
	assert_true(n > 0);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), 0);
	assert_true(m.req->a == 0x803 && m.req->b == UINT64_MAX);
	/* with an fd, flags, a second string, a relative path */
	assert_int_equal(gofer_req_check(buf, (size_t)n, 1, &m), -EPROTO);
	req.flags = AT_SYMLINK_NOFOLLOW;
	n = gofer_req_build(buf, sizeof(buf), &req, "/mnt/vol", NULL, 0);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), -EINVAL);
	req.flags = 0;
	n = gofer_req_build(buf, sizeof(buf), &req, "/mnt/vol", "/x", 3);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), -EPROTO);
	n = gofer_req_build(buf, sizeof(buf), &req, "mnt/vol", NULL, 0);
	assert_int_equal(gofer_req_check(buf, (size_t)n, 0, &m), -EINVAL);
	/* the reply: ST_RDONLY or 0, or an errno; never other bits, never an fd */
	assert_int_equal(gofer_resp_check(GOFER_STATFS, &r, sizeof(r), 0), 0);
	r.result = 1;
	assert_int_equal(gofer_resp_check(GOFER_STATFS, &r, sizeof(r), 0), 0);
	r.result = -ESTALE;
	assert_int_equal(gofer_resp_check(GOFER_STATFS, &r, sizeof(r), 0), 0);
	r.result = 2;
	assert_int_equal(gofer_resp_check(GOFER_STATFS, &r, sizeof(r), 0), -EPROTO);
	r.result = 0x1001;
	assert_int_equal(gofer_resp_check(GOFER_STATFS, &r, sizeof(r), 0), -EPROTO);
	r.result = 0;
	r.nfds = 1;
	assert_int_equal(gofer_resp_check(GOFER_STATFS, &r, sizeof(r), 1), -EPROTO);
	r.nfds = 0;
	assert_int_equal(gofer_resp_check(GOFER_STATFS, &r, sizeof(r) + 1, 0), -EPROTO);
}

static void test_resp(void **state)
{
	struct gofer_resp r = { .result = 0, .nfds = 1 };

	(void)state;
	assert_int_equal(gofer_resp_check(GOFER_OPEN, &r, sizeof(r), 1), 0);
	assert_int_equal(gofer_resp_check(GOFER_OPEN_AT, &r, sizeof(r), 1), 0);
	assert_int_equal(gofer_resp_check(GOFER_OPEN, &r, sizeof(r), 0), -EPROTO);
	assert_int_equal(gofer_resp_check(GOFER_OPEN, &r, sizeof(r) - 1, 1), -EPROTO);
	r.nfds = 0;
	r.result = -ENOENT;
	assert_int_equal(gofer_resp_check(GOFER_OPEN, &r, sizeof(r), 0), 0);
	r.result = -5000;	/* not an errno */
	assert_int_equal(gofer_resp_check(GOFER_MKDIR, &r, sizeof(r), 0), -EPROTO);
	r.result = 0;
	r.nfds = 1;		/* an fd where none belongs */
	assert_int_equal(gofer_resp_check(GOFER_MKDIR, &r, sizeof(r), 1), -EPROTO);
	/* a bind: the socket file's fd, or none if it was gone; never two, never on failure */
	assert_int_equal(gofer_resp_check(GOFER_BIND, &r, sizeof(r), 1), 0);
	r.nfds = 0;
	assert_int_equal(gofer_resp_check(GOFER_BIND, &r, sizeof(r), 0), 0);
	r.nfds = 2;
	assert_int_equal(gofer_resp_check(GOFER_BIND, &r, sizeof(r), 2), -EPROTO);
	r.result = -EADDRINUSE;
	r.nfds = 1;
	assert_int_equal(gofer_resp_check(GOFER_BIND, &r, sizeof(r), 1), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_xattr_pair),
		cmocka_unit_test(test_late_data),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_open_at),
		cmocka_unit_test(test_statfs),
		cmocka_unit_test(test_resp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
