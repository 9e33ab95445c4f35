/* SPDX-License-Identifier: MIT */
/*
 * fdio.h - whole-buffer I/O and file-descriptor passing over unix sockets.
 *
 * The helpers between moat's processes speak fixed-format messages over
 * SOCK_SEQPACKET socketpairs: one message per sendmsg, fds in SCM_RIGHTS.
 * The receiving side trusts nothing: a truncated message or a truncated
 * control block is an error, and fds that arrive with a bad message are closed.
 */
#ifndef MOAT_FDIO_H
#define MOAT_FDIO_H

#include <stddef.h>
#include <sys/types.h>

#define FDIO_MAX_FDS 4

/**
 * fdio_send() - send one message with up to FDIO_MAX_FDS fds
 * Return: 0, or -errno
 */
int fdio_send(int sock, const void *buf, size_t len, const int *fds, unsigned nfds);

/**
 * fdio_recv() - receive one message and the fds it carries
 * @sock:	SOCK_SEQPACKET socket
 * @buf, @len:	where the message goes; a longer message is an error (-EMSGSIZE)
 * @fds:	where received fds go (each O_CLOEXEC), may be NULL if @maxfds is 0
 * @maxfds:	room in @fds; more fds than that is an error (-EMSGSIZE)
 * @nfds:	number of fds received
 *
 * Return: bytes received (0 means the peer closed), or -errno.  On error no fd
 * is left open.
 */
ssize_t fdio_recv(int sock, void *buf, size_t len, int *fds, unsigned maxfds,
		  unsigned *nfds);

/** read_full() - read exactly @len bytes unless EOF; Return: bytes read or -errno */
ssize_t read_full(int fd, void *buf, size_t len);

/**
 * copy_full() - copy up to @len bytes from the file @in (from its offset) to
 * @out, in the kernel (sendfile), until EOF
 * Return: bytes copied or -errno
 */
ssize_t copy_full(int out, int in, size_t len);

/** write_full() - write all of @buf; Return: 0 or -errno */
int write_full(int fd, const void *buf, size_t len);

#endif
