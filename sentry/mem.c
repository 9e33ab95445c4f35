// SPDX-License-Identifier: MIT
/* mem.c - see mem.h */
#include "sentry/mem.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#define PAGE 4096u

int mem_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };

	if (len == 0)
		return 0;
	if (addr == 0)
		return -EFAULT;
	return process_vm_readv(tid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

int mem_write(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { .iov_base = (void *)buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };

	if (len == 0)
		return 0;
	if (addr == 0)
		return -EFAULT;
	return process_vm_writev(tid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

#define FIRST_READ 256

ssize_t mem_read_str(pid_t tid, uint64_t addr, char *buf, size_t cap)
{
	size_t done = 0;

	if (addr == 0)
		return -EFAULT;
	/*
	 * Page by page: a string that ends just before an unmapped page is
	 * valid.  The first read is short: most paths are, and the copy of a
	 * whole page would cost more than the rest of a served call.
	 */
	while (done < cap) {
		size_t chunk = PAGE - (size_t)((addr + done) % PAGE);
		struct iovec local, remote;
		ssize_t n;
		char *nul;

		if (done == 0 && chunk > FIRST_READ)
			chunk = FIRST_READ;
		if (chunk > cap - done)
			chunk = cap - done;
		local.iov_base = buf + done;
		local.iov_len = chunk;
		remote.iov_base = (void *)(uintptr_t)(addr + done);
		remote.iov_len = chunk;
		n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return -EFAULT;
		nul = memchr(buf + done, '\0', (size_t)n);
		if (nul)
			return nul - buf;
		done += (size_t)n;
	}
	return -ENAMETOOLONG;
}
