/* SPDX-License-Identifier: MIT */
/*
 * syscall_nr.h - x86-64 numbers of system calls newer than the kernel headers
 * of the build machine (Debian 12 ships 6.1 headers; the machine runs 6.x).
 */
#ifndef MOAT_SYSCALL_NR_H
#define MOAT_SYSCALL_NR_H

#include <sys/syscall.h>

#if defined(__x86_64__)
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif
#ifndef __NR_map_shadow_stack
#define __NR_map_shadow_stack 453
#endif
#ifndef __NR_futex_wake
#define __NR_futex_wake 454
#endif
#ifndef __NR_futex_wait
#define __NR_futex_wait 455
#endif
#ifndef __NR_futex_requeue
#define __NR_futex_requeue 456
#endif
#else
#error "moat supports x86-64 only for now"
#endif

#endif
