/* SPDX-License-Identifier: MIT */
/* handlers.h - the handlers of served system calls (fs.c, exec.c, net.c). */
#ifndef MOAT_SENTRY_HANDLERS_H
#define MOAT_SENTRY_HANDLERS_H

#include "sentry/sentry.h"

/* fs.c: opens, lookups */
void h_open(struct call *c);
void h_openat(struct call *c);
void h_openat2(struct call *c);
void h_creat(struct call *c);
void h_stat(struct call *c);		/* stat, lstat, newfstatat */
void h_statx(struct call *c);
void h_access(struct call *c);		/* access, faccessat, faccessat2 */
void h_readlink(struct call *c);	/* readlink, readlinkat */
void h_statfs(struct call *c);
void h_getxattr(struct call *c);	/* getxattr, lgetxattr */
void h_listxattr(struct call *c);	/* listxattr, llistxattr */
void h_inotify_add_watch(struct call *c);

/* fs.c: changes, through the gofer */
void h_mkdir(struct call *c);		/* mkdir, mkdirat */
void h_mknod(struct call *c);		/* mknod, mknodat */
void h_unlink(struct call *c);		/* unlink, unlinkat, rmdir */
void h_rename(struct call *c);		/* rename, renameat, renameat2 */
void h_link(struct call *c);		/* link, linkat */
void h_symlink(struct call *c);		/* symlink, symlinkat */
void h_chmod(struct call *c);		/* chmod, fchmodat, fchmodat2 */
void h_fchmod(struct call *c);
void h_fchown(struct call *c);
void h_chown(struct call *c);		/* chown, lchown, fchownat */
void h_truncate(struct call *c);
void h_utimes(struct call *c);		/* utime, utimes, futimesat, utimensat */
void h_setxattr(struct call *c);	/* setxattr, lsetxattr, fsetxattr */
void h_removexattr(struct call *c);	/* removexattr, lremovexattr, fremovexattr */

/* exec.c */
void h_execve(struct call *c);		/* execve, execveat */

/* net.c */
void h_bind(struct call *c);

/** call_umask() - the caller's umask, which the kernel would apply to a mode it creates */
mode_t call_umask(struct call *c);
void h_connect(struct call *c);
void h_sendto(struct call *c);		/* with an address */
void h_sendmsg(struct call *c);
void h_sendmmsg(struct call *c);

/* table.c: a denied call that reached the sentry because the audit log is on */
void h_denied(struct call *c);

#endif
