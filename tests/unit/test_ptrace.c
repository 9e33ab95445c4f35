// SPDX-License-Identifier: MIT
/*
 * Unit tests: the sentry's side of the ptrace platform's channel to its
 * tracer (sentry/ptrace.c).  A call arrives as a notification with every
 * field in place; a message of the wrong size is refused and the next one
 * still read; the end of the tracer is told apart; a call's validity is its
 * slot's generation; an answer carries the fd to install only when it should.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdio.h"
#include "sentry/ptrace.h"

struct fixture {
	struct tracer t;
	int peer;		/* the tracer's end */
	uint32_t gens[16];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int sp[2];

	if (!f || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -1;
	f->t.sock = sp[0];
	f->t.ctl = f->t.guest_end = -1;
	f->t.gens = f->gens;
	f->peer = sp[1];
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->t.sock);
	if (f->peer >= 0)
		close(f->peer);
	free(f);
	return 0;
}

static void test_call(void **state)
{
	struct fixture *f = *state;
	struct pt_call m = { .id = (uint64_t)3 << 32 | 9, .args = { 1, 2, 3, 4, 5, 6 },
			     .ip = 0x401000, .nr = 257, .tid = 4242 };
	struct seccomp_notif n;

	assert_int_equal(send(f->peer, &m, sizeof(m), 0), sizeof(m));
	memset(&n, 0xff, sizeof(n));
	assert_int_equal(tracer_recv(&f->t, &n), 0);
	assert_true(n.id == m.id);
	assert_int_equal(n.pid, 4242);
	assert_int_equal(n.flags, 0);
	assert_int_equal(n.data.nr, 257);
	assert_int_equal(n.data.arch, AUDIT_ARCH_X86_64);
	assert_true(n.data.instruction_pointer == 0x401000);
	for (int i = 0; i < 6; i++)
		assert_true(n.data.args[i] == (uint64_t)i + 1);
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	char small[3] = "abc", big[sizeof(struct pt_call) + 8] = { 0 };
	struct pt_call m = { .id = 1, .nr = 4, .tid = 7 };
	struct seccomp_notif n;

	assert_int_equal(send(f->peer, small, sizeof(small), 0), sizeof(small));
	assert_int_equal(send(f->peer, big, sizeof(big), 0), sizeof(big));
	assert_int_equal(send(f->peer, &m, sizeof(m), 0), sizeof(m));
	assert_int_equal(tracer_recv(&f->t, &n), -EPROTO);
	assert_int_equal(tracer_recv(&f->t, &n), -EPROTO);
	assert_int_equal(tracer_recv(&f->t, &n), 0);	/* the next one is whole */
	assert_int_equal(n.pid, 7);
	close(f->peer);
	f->peer = -1;
	assert_int_equal(tracer_recv(&f->t, &n), -ECONNRESET);
}

static void test_valid(void **state)
{
	struct fixture *f = *state;

	f->gens[5] = 77;
	assert_true(tracer_valid(&f->t, (uint64_t)5 << 32 | 77));
	assert_false(tracer_valid(&f->t, (uint64_t)5 << 32 | 78));
	assert_false(tracer_valid(&f->t, (uint64_t)6 << 32 | 77));
	f->gens[5] = 0;		/* answered, or its thread exited */
	assert_false(tracer_valid(&f->t, (uint64_t)5 << 32 | 77));
	assert_false(tracer_valid(&f->t, (uint64_t)TRACER_SLOTS << 32 | 0));
}

static void test_answer(void **state)
{
	struct fixture *f = *state;
	struct pt_answer a;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), got[1];
	unsigned nfds;

	assert_true(fd >= 0);
	tracer_answer(&f->t, 11, 0, 0, false, fd, true);
	assert_int_equal(fdio_recv(f->peer, &a, sizeof(a), got, 1, &nfds), sizeof(a));
	assert_int_equal(nfds, 1);
	assert_true(a.id == 11 && a.flags == (PT_INJECT | PT_CLOEXEC) && a.err == 0);
	close(got[0]);
	/* a failure carries no fd, even if the handler had one */
	tracer_answer(&f->t, 12, 0, EACCES, false, fd, false);
	assert_int_equal(fdio_recv(f->peer, &a, sizeof(a), got, 1, &nfds), sizeof(a));
	assert_int_equal(nfds, 0);
	assert_true(a.id == 12 && a.flags == 0 && a.err == EACCES);
	tracer_answer(&f->t, 13, 0, 0, true, -1, false);
	assert_int_equal(fdio_recv(f->peer, &a, sizeof(a), got, 1, &nfds), sizeof(a));
	assert_true(a.id == 13 && a.flags == PT_CONT && nfds == 0);
	tracer_answer(&f->t, 14, -5, 0, false, -1, false);
	assert_int_equal(fdio_recv(f->peer, &a, sizeof(a), got, 1, &nfds), sizeof(a));
	assert_true(a.id == 14 && a.val == -5 && a.flags == 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
