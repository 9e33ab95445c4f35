// SPDX-License-Identifier: MIT
/*
 * ossl.c - OpenSSL helpers shared by outbound's TLS and identity-token code
 * (see ossl.h).
 */
#include "ossl.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <unistd.h>

int ob_ssl_fail(struct merr *e, int errnum, const char *what)
{
	char buf[256];
	unsigned long code = ERR_get_error();

	ERR_clear_error();
	if (!code)
		return merr_set(e, errnum, "%s", what);
	ERR_error_string_n(code, buf, sizeof(buf));
	return merr_set(e, errnum, "%s: %s", what, buf);
}

int ob_pem_create(const char *path, FILE **out, struct merr *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644), r;

	if (fd < 0)
		return merr_sys(e, "create %s", path);
	*out = fdopen(fd, "w");
	if (!*out) {
		r = merr_sys(e, "create %s", path);
		close(fd);
		return r;
	}
	return 0;
}
