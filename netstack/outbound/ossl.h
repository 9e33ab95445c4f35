/* SPDX-License-Identifier: MIT */
/*
 * ossl.h - what outbound's OpenSSL users (tls.c, tls_client.c, jwt.c) share:
 * turning OpenSSL's error queue into a message, and creating a PEM file.
 */
#ifndef MOAT_OUTBOUND_OSSL_H
#define MOAT_OUTBOUND_OSSL_H

#include <stdio.h>

#include "err.h"

/**
 * ob_ssl_fail() - set @e to "@what: <OpenSSL's last error>" (or @what alone
 * when the queue is empty) with @errnum, and clear the queue
 * Return: -@errnum
 */
int ob_ssl_fail(struct merr *e, int errnum, const char *what);

/**
 * ob_pem_create() - create (or truncate) @path, mode 0644, not through a
 * symbolic link, for a PEM_write_*() call; the caller fclose()s *@out
 * Return: 0 or -errno
 */
int ob_pem_create(const char *path, FILE **out, struct merr *e);

#endif
