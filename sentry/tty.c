// SPDX-License-Identifier: MIT
/* tty.c - see tty.h */
#include "sentry/tty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "util.h"

/* Copy what the master holds to moat's stdout, without waiting for more. */
static bool copy_out(int master)
{
	char buf[16384];

	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));

		if (n > 0) {
			/* stdout gone: read on regardless, or the guest blocks */
			(void)write_full(STDOUT_FILENO, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* EAGAIN: for now; EIO: no process has the terminal open any more */
		return n < 0 && errno == EAGAIN;
	}
}

/*
 * The relay's thread.  Input waits in @in while the guest does not read it
 * (the master is non-blocking, so its output is copied meanwhile); stdin's
 * end is passed on as the terminal's end-of-file character, which a reader
 * in canonical mode, or a line editor, takes for the end of its input.
 */
static void *relay(void *arg)
{
	struct tty_relay *t = arg;
	char in[4096];
	size_t off = 0, pending = 0;
	bool in_open = true;

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = t->stop, .events = POLLIN },
			{ .fd = t->master, .events = POLLIN | (pending ? POLLOUT : 0) },
			{ .fd = in_open && !pending ? STDIN_FILENO : -1, .events = POLLIN },
		};

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !copy_out(t->master))
			break;
		if (pending && (p[1].revents & POLLOUT)) {
			ssize_t n = write(t->master, in + off, pending);

			if (n > 0) {
				off += (size_t)n;
				pending -= (size_t)n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				pending = 0;
			}
		}
		if (p[2].revents) {
			ssize_t n = read(STDIN_FILENO, in, sizeof(in));
			struct termios tio;

			off = 0;
			if (n > 0) {
				pending = (size_t)n;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				/* Also out of canonical mode, as a user at a keyboard
				 * would: line editors (readline) read it as the end
				 * too, where nothing at all left them waiting. */
				in_open = false;
				in[0] = tcgetattr(t->master, &tio) == 0 && tio.c_cc[VEOF] != _POSIX_VDISABLE ?
					(char)tio.c_cc[VEOF] : CEOF;
				pending = 1;
			}
		}
	}
	copy_out(t->master);
	return NULL;
}

int tty_relay_start(struct tty_relay *t, int master)
{
	struct stat st;
	unsigned ptn;
	int r;

	/* a pseudo-terminal's master: the only fd TIOCGPTN answers on */
	if (t->stop < 0 || fstat(master, &st) < 0 || !S_ISCHR(st.st_mode) || ioctl(master, TIOCGPTN, &ptn) < 0 ||
	    fcntl(master, F_SETFL, O_RDWR | O_NONBLOCK) < 0) {
		close(master);
		return -EINVAL;
	}
	t->master = master;
	/*
	 * While no fd of the terminal's side is open, its master reads EIO (and
	 * polls POLLHUP): a guest that closes its terminal and opens it again
	 * (/dev/tty, /dev/pts/N) found the relay ended, and its output stuck.
	 * The relay ends when tty_relay_stop() says.
	 */
	t->slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (t->slave < 0) {
		r = -errno;
		tty_relay_stop(t);
		return r;
	}
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
		struct termios raw = t->saved;

		cfmakeraw(&raw);
		t->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	r = pthread_create(&t->thread, NULL, relay, t);
	if (r) {
		tty_relay_stop(t);
		return -r;
	}
	t->running = true;
	return 0;
}

int tty_relay_prepare(struct tty_relay *t)
{
	t->stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return t->stop < 0 ? -errno : 0;
}

void tty_relay_resize(struct tty_relay *t)
{
	struct winsize ws;

	if (t->master < 0)
		return;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(t->master, TIOCSWINSZ, &ws);
}

void tty_relay_stop(struct tty_relay *t)
{
	if (t->running) {
		uint64_t one = 1;

		if (write(t->stop, &one, sizeof(one)) < 0)
			log_warn("end the terminal's relay: %s", strerror(errno));
		pthread_join(t->thread, NULL);
		t->running = false;
	}
	closep(&t->master);
	closep(&t->slave);
	closep(&t->stop);
	tty_relay_restore(t);
}

void tty_relay_restore(struct tty_relay *t)
{
	if (t->raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &t->saved);
	t->raw = false;
}
