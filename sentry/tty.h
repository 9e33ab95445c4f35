/* SPDX-License-Identifier: MIT */
/*
 * tty.h - the guest's terminal of its own, relayed to moat's standard streams.
 *
 * With a terminal (`moat do` whose stdin and stdout are one in the
 * foreground, `--tty`, or config.json's process.terminal), the command opens
 * a pseudo-terminal on the guest's own devpts before it executes, makes it
 * its controlling terminal and its standard streams, and sends the master
 * side to the sentry (GM_TTY).  A thread of the sentry then copies moat's
 * stdin to the master and the master's output to moat's stdout, with moat's
 * terminal, if stdin is one, in raw mode: keys reach the guest's line
 * discipline as they are typed, which turns Ctrl-C and Ctrl-Z into signals
 * for the guest's foreground job, so shells get job control.  A change of
 * moat's window size is passed on (TIOCSWINSZ, from which the kernel signals
 * the guest).  The relay holds a side of the terminal open itself, so that a
 * guest that closes its terminal and opens it again is still relayed, and the
 * workers open the guest's /dev/tty anew from the master (path.c).  At the
 * end the master's last output is copied and moat's terminal is given back
 * its settings.
 *
 * What it trusts: nothing from the guest but bytes.  The master comes from
 * the command before it executes (moat's code), and the guest holds no fd
 * of moat's terminal: nothing it does to its terminal reaches moat's.
 */
#ifndef MOAT_SENTRY_TTY_H
#define MOAT_SENTRY_TTY_H

#include <pthread.h>
#include <stdbool.h>
#include <termios.h>

struct tty_relay {
	int master;		/* -1: no relay */
	int slave;		/* held: the master never reads EIO while the guest lives */
	int stop;		/* eventfd: the relay's thread ends (and drains) */
	bool running;		/* the thread was started: join it */
	bool raw;		/* moat's stdin was put in raw mode: restore @saved */
	struct termios saved;
	pthread_t thread;
};

#define TTY_RELAY_INIT { .master = -1, .slave = -1, .stop = -1 }

/**
 * tty_relay_prepare() - what the relay needs made before the sentry confines
 * itself (tty_relay_start() comes after)
 * Return: 0 or -errno
 */
int tty_relay_prepare(struct tty_relay *t);

/**
 * tty_relay_start() - relay between moat's stdio and the guest's terminal
 * @t: the relay (TTY_RELAY_INIT)
 * @master: the master side of the guest's terminal; the relay owns it
 * Return: 0 or -errno (the relay is stopped then, @master closed)
 */
int tty_relay_start(struct tty_relay *t, int master);

/** tty_relay_resize() - give the guest's terminal the size of moat's */
void tty_relay_resize(struct tty_relay *t);

/**
 * tty_relay_restore() - give moat's terminal back its settings, for a message
 * of moat's own; the relay goes on (closing the master now would hang up
 * the guest's terminal, and SIGHUP a command that is still exiting)
 */
void tty_relay_restore(struct tty_relay *t);

/**
 * tty_relay_stop() - copy what the guest's terminal still holds, end the
 * relay and give moat's terminal back its settings.  Call once no guest
 * process is left.
 */
void tty_relay_stop(struct tty_relay *t);

#endif
