/* SPDX-License-Identifier: MIT */
/*
 * mem.h - reading and writing the guest's memory.
 *
 * The sentry copies syscall arguments out of the guest once, into its own
 * buffers, and works only on those copies; results are written back with one
 * call.  A guest thread that rewrites its buffer after the copy changes nothing
 * the sentry does (invariant 1).  process_vm_readv/writev need ptrace access to
 * the guest, which the sentry has as the owner of the guest's user namespace.
 */
#ifndef MOAT_SENTRY_MEM_H
#define MOAT_SENTRY_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** mem_read() - copy @len bytes at guest address @addr; Return: 0 or -EFAULT */
int mem_read(pid_t tid, uint64_t addr, void *buf, size_t len);

/** mem_write() - copy @len bytes to guest address @addr; Return: 0 or -EFAULT */
int mem_write(pid_t tid, uint64_t addr, const void *buf, size_t len);

/**
 * mem_read_str() - copy a NUL-terminated string of at most @cap bytes
 * Return: its length, -EFAULT, or -ENAMETOOLONG if no NUL within @cap bytes
 */
ssize_t mem_read_str(pid_t tid, uint64_t addr, char *buf, size_t cap);

#endif
