// SPDX-License-Identifier: MIT
/*
 * filter.c - the guest's seccomp program, generated from the syscall table.
 *
 * Built once per sandbox with libseccomp in the sentry, exported as classic
 * BPF, and loaded by the guest's first process just before it executes the
 * command (with SECCOMP_FILTER_FLAG_NEW_LISTENER).  Every descendant inherits
 * it and cannot remove it.  Only x86-64 system calls are allowed; the 32-bit
 * and x32 entry points kill the process.
 *
 * Rules with argument conditions (SC_COND rows) are written out here.  A
 * condition on a 32-bit argument compares its low 32 bits only where the
 * result of a mismatch would be to allow; exact 64-bit equality is used where
 * a mismatch denies, since the kernel truncates the register anyway.
 */
#include "sentry/filter.h"

#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sched.h>
#include "syscall_nr.h"
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sentry/table.h"
#include "util.h"

/* Unknown system calls below this number are recorded with --audit. */
#define AUDIT_NR_MAX 512

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
		  CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

struct rules {
	scmp_filter_ctx ctx;
	uint32_t dflt;		/* the default action */
	bool audit;
	int r;
};

static void add(struct rules *rl, uint32_t action, int nr, unsigned n, ...)
{
	struct scmp_arg_cmp cmp[4];
	va_list ap;

	if (rl->r || nr < 0 || action == rl->dflt)
		return;	/* libseccomp refuses a rule that repeats the default */
	va_start(ap, n);
	for (unsigned i = 0; i < n && i < 4; i++)
		cmp[i] = va_arg(ap, struct scmp_arg_cmp);
	va_end(ap);
	rl->r = seccomp_rule_add_array(rl->ctx, action, nr, n, cmp);
}

/* A denial: answered by the kernel, or by the sentry when it must be logged. */
static uint32_t deny(const struct rules *rl, int err)
{
	return rl->audit ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO((uint32_t)err);
}

static void cond_rules(struct rules *rl, const struct sc_entry *e)
{
	const int nr = e->nr;

	if (nr == SCMP_SYS(ioctl)) {
		/* TIOCSTI pushes input into a terminal: denied first, with the low
		 * 32 bits compared since the kernel ignores the rest. */
		add(rl, deny(rl, EPERM), nr, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffff, TIOCSTI));
		add(rl, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0x80000000, 0));
	} else if (nr == SCMP_SYS(clone)) {
		/* Threads and processes, but no new namespaces. */
		add(rl, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, NS_FLAGS, 0));
		for (uint64_t bit = 1; bit; bit <<= 1) {
			if (NS_FLAGS & bit)
				add(rl, deny(rl, EPERM), nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, bit, bit));
		}
	} else if (nr == SCMP_SYS(socket)) {
		/* Unix, TCP, UDP, ping and route netlink; no raw or packet sockets. */
		add(rl, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
		for (int fam = 0; fam < 2; fam++) {
			uint64_t af = fam ? AF_INET6 : AF_INET;
			uint64_t icmp = fam ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
			const uint64_t stream[] = { 0, IPPROTO_TCP };
			const uint64_t dgram[] = { 0, IPPROTO_UDP, icmp };

			for (size_t i = 0; i < ARRAY_SIZE(stream); i++)
				add(rl, SCMP_ACT_ALLOW, nr, 3, SCMP_A0(SCMP_CMP_EQ, af),
				    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM),
				    SCMP_A2(SCMP_CMP_EQ, stream[i]));
			for (size_t i = 0; i < ARRAY_SIZE(dgram); i++)
				add(rl, SCMP_ACT_ALLOW, nr, 3, SCMP_A0(SCMP_CMP_EQ, af),
				    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM),
				    SCMP_A2(SCMP_CMP_EQ, dgram[i]));
			add(rl, deny(rl, EPERM), nr, 2, SCMP_A0(SCMP_CMP_EQ, af),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW));
			add(rl, deny(rl, EPERM), nr, 2, SCMP_A0(SCMP_CMP_EQ, af),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_PACKET));
		}
		add(rl, SCMP_ACT_ALLOW, nr, 2, SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
		    SCMP_A2(SCMP_CMP_EQ, NETLINK_ROUTE));
		/*
		 * Audit: what a kernel without it answers, which libaudit takes
		 * for "no audit here" (shadow's useradd aborts on anything else).
		 * The other protocols after it (NETLINK_ROUTE is 0, audit 9).
		 */
		add(rl, deny(rl, EPROTONOSUPPORT), nr, 2, SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
		    SCMP_A2(SCMP_CMP_EQ, NETLINK_AUDIT));
		add(rl, deny(rl, EPERM), nr, 2, SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
		    SCMP_A2(SCMP_CMP_GT, NETLINK_AUDIT));
		for (uint64_t proto = NETLINK_ROUTE + 1; proto < NETLINK_AUDIT; proto++)
			add(rl, deny(rl, EPERM), nr, 2, SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
			    SCMP_A2(SCMP_CMP_EQ, proto));
		add(rl, deny(rl, EPERM), nr, 1, SCMP_A0(SCMP_CMP_EQ, AF_PACKET));
	} else if (nr == SCMP_SYS(socketpair)) {
		add(rl, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
		add(rl, deny(rl, EAFNOSUPPORT), nr, 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX));
	} else if (nr == SCMP_SYS(newfstatat) || nr == SCMP_SYS(statx)) {
		/*
		 * glibc's fstat() is fstatat(fd, "", AT_EMPTY_PATH): native.  A
		 * guest that adds AT_EMPTY_PATH to a real path gets a native stat
		 * in its own read-only view, which holds nothing it may not see.
		 */
		int flags_arg = nr == SCMP_SYS(statx) ? 2 : 3;
		struct scmp_arg_cmp empty = {
			.arg = (unsigned)flags_arg, .op = SCMP_CMP_MASKED_EQ,
			.datum_a = AT_EMPTY_PATH, .datum_b = AT_EMPTY_PATH,
		};
		struct scmp_arg_cmp path = empty;

		path.datum_b = 0;
		add(rl, SCMP_ACT_ALLOW, nr, 1, empty);
		add(rl, SCMP_ACT_NOTIFY, nr, 1, path);
	} else if (nr == SCMP_SYS(open) || nr == SCMP_SYS(openat)) {
		/*
		 * O_PATH opens are native: the kernel cannot install an O_PATH fd
		 * in another process (SECCOMP_IOCTL_NOTIF_ADDFD refuses them), and
		 * such an fd reads and writes nothing; reopening it (/proc/self/fd)
		 * is served.  The guest resolves the path in its own read-only view.
		 */
		struct scmp_arg_cmp opath = {
			.arg = nr == SCMP_SYS(open) ? 1 : 2, .op = SCMP_CMP_MASKED_EQ,
			.datum_a = O_PATH, .datum_b = O_PATH,
		};
		struct scmp_arg_cmp other = opath;

		other.datum_b = 0;
		add(rl, SCMP_ACT_ALLOW, nr, 1, opath);
		add(rl, SCMP_ACT_NOTIFY, nr, 1, other);
	} else if (nr == SCMP_SYS(sendto)) {
		/* Without an address, sendto() is send(): native.  An address may
		 * name a socket file, like connect(): served (net.c). */
		add(rl, SCMP_ACT_ALLOW, nr, 1, SCMP_A4(SCMP_CMP_EQ, 0));
		add(rl, SCMP_ACT_NOTIFY, nr, 1, SCMP_A4(SCMP_CMP_NE, 0));
	} else {
		rl->r = -EINVAL;	/* a COND row without rules */
	}
}

int filter_build(bool audit, struct sock_fprog *prog, struct merr *e)
{
	struct rules rl = { .audit = audit };
	_cleanup_close_ int mfd = -1;
	off_t size;
	void *buf;

	/*
	 * The default stays ENOSYS even with the audit log: a NOTIFY default would
	 * make libseccomp drop NOTIFY rules that must take precedence over an
	 * overlapping ALLOW (ioctl).  Unknown calls are listed explicitly instead.
	 */
	rl.dflt = SCMP_ACT_ERRNO(ENOSYS);
	rl.ctx = seccomp_init(rl.dflt);
	if (!rl.ctx)
		return merr_set(e, ENOMEM, "seccomp_init: out of memory");
	seccomp_attr_set(rl.ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	seccomp_attr_set(rl.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; i < sc_table_len && !rl.r; i++) {
		const struct sc_entry *s = &sc_table[i];

		switch (s->cls) {
		case SC_NATIVE:
			add(&rl, SCMP_ACT_ALLOW, s->nr, 0);
			break;
		case SC_SERVED:
			add(&rl, SCMP_ACT_NOTIFY, s->nr, 0);
			break;
		case SC_DENY:
			add(&rl, deny(&rl, s->deny_errno), s->nr, 0);
			break;
		case SC_COND:
			cond_rules(&rl, s);
			break;
		}
		if (rl.r) {
			int r = rl.r;

			seccomp_release(rl.ctx);
			return merr_set(e, -r, "seccomp rule for %s: %s", s->name, strerror(-r));
		}
	}
	if (audit) {
		/* Syscalls the table does not know reach the sentry, to be recorded. */
		for (int nr = 0; nr < AUDIT_NR_MAX; nr++) {
			if (sc_lookup(nr))
				continue;
			if (seccomp_rule_add(rl.ctx, SCMP_ACT_NOTIFY, nr, 0) < 0) {
				/* a number libseccomp does not know: ENOSYS, unrecorded */
			}
		}
	}
	mfd = memfd_create("moat-filter", MFD_CLOEXEC);
	if (mfd < 0 || (rl.r = seccomp_export_bpf(rl.ctx, mfd)) < 0) {
		int r = rl.r < 0 ? rl.r : -errno;

		seccomp_release(rl.ctx);
		return merr_set(e, -r, "export the seccomp filter: %s", strerror(-r));
	}
	seccomp_release(rl.ctx);
	size = lseek(mfd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) ||
	    size / (off_t)sizeof(struct sock_filter) > 4096)
		return merr_set(e, EINVAL, "seccomp filter of %lld bytes", (long long)size);
	buf = malloc((size_t)size);
	if (!buf)
		return merr_set(e, ENOMEM, "seccomp filter: out of memory");
	if (pread(mfd, buf, (size_t)size, 0) != size) {
		free(buf);
		return merr_sys(e, "read back the seccomp filter");
	}
	prog->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
	prog->filter = buf;
	return 0;
}

/* Compiled at build time (tools/genfilter); absent in programs that lack it. */
extern const struct sock_filter moat_filter_plain[] __attribute__((weak));
extern const unsigned short moat_filter_plain_len __attribute__((weak));
extern const struct sock_filter moat_filter_audit[] __attribute__((weak));
extern const unsigned short moat_filter_audit_len __attribute__((weak));

int filter_get(bool audit, struct sock_fprog *prog, struct merr *e)
{
	const struct sock_filter *f = audit ? moat_filter_audit : moat_filter_plain;
	const unsigned short *len = audit ? &moat_filter_audit_len : &moat_filter_plain_len;

	if (!f || !len)
		return filter_build(audit, prog, e);
	prog->filter = malloc(*len * sizeof(*f));
	if (!prog->filter)
		return merr_set(e, ENOMEM, "seccomp filter: out of memory");
	memcpy(prog->filter, f, *len * sizeof(*f));
	prog->len = *len;
	return 0;
}
