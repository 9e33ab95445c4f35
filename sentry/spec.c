// SPDX-License-Identifier: MIT
/* spec.c - see spec.h */
#include "sentry/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void spec_init(struct moat_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->audit_fd = -1;
	s->tree.layer = TREE_OVERLAY_MEMORY;
}

int spec_strv_add(char ***v, size_t *n, const char *str)
{
	size_t count = 0;
	char **nv, *copy;

	if (n)
		count = *n;
	else
		while (*v && (*v)[count])
			count++;
	copy = strdup(str);
	if (!copy)
		return -ENOMEM;
	nv = realloc(*v, (count + 2) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	nv[count] = copy;
	nv[count + 1] = NULL;
	*v = nv;
	if (n)
		*n = count + 1;
	return 0;
}

int spec_env_set(char ***env, const char *kv)
{
	size_t klen = strcspn(kv, "="), k = 0;

	for (size_t i = 0; *env && (*env)[i]; i++) {
		if (!strncmp((*env)[i], kv, klen) && (*env)[i][klen] == '=')
			free((*env)[i]);
		else
			(*env)[k++] = (*env)[i];
	}
	if (*env)
		(*env)[k] = NULL;
	return spec_strv_add(env, NULL, kv);
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void spec_free(struct moat_spec *s)
{
	free(s->id);
	strv_free(s->argv);
	strv_free(s->env);
	free(s->cwd);
	free(s->hostname);
	free(s->rlimits);
	strv_free(s->tree.hide);
	strv_free(s->tree.ro);
	strv_free(s->proc_masked);
	strv_free(s->proc_ro);
	for (size_t i = 0; i < s->tree.nmounts; i++) {
		free(s->tree.mounts[i].src);
		free(s->tree.mounts[i].dst);
	}
	free(s->tree.mounts);
	for (size_t i = 0; i < s->tree.nfiles; i++) {
		free(s->tree.files[i].path);
		free(s->tree.files[i].content);
	}
	free(s->tree.files);
	free(s->net.policy_file);
	strv_free(s->net.allow);
	strv_free(s->net.secrets);
	strv_free(s->net.publish);
	strv_free(s->net.add_hosts);
	strv_free(s->net.upstream_ca);
	free(s->net.identity_key);
	free(s->net.identity_pub);
	free(s->pid_file);
	free((char *)s->tree.rootfs);
	free((char *)s->tree.upper_dir);
	memset(s, 0, sizeof(*s));
	s->audit_fd = -1;
}

void spec_own_ids(struct moat_spec *s)
{
	/* the gofer's namespace maps 0-65535 for a root runner (gofer.c) */
	s->own_ids = geteuid() == 0 && !s->tree.privileged && !s->one_id && (s->uid || s->gid) &&
		     s->uid < 65536 && s->gid < 65536;
	s->tree.own_ids = s->own_ids;
	s->tree.uid = s->uid;
	s->tree.gid = s->gid;
}

const char *spec_hostname(const struct moat_spec *s)
{
	return s->hostname ? s->hostname : "moat";
}

bool spec_hostname_listable(const struct moat_spec *s)
{
	const char *name = spec_hostname(s);

	return name[0] && strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789.-") == strlen(name);
}

int spec_write_pid_file(const struct moat_spec *s, pid_t pid, struct merr *e)
{
	char tmp[PATH_MAX], text[24];
	int fd, n, r = 0;
	ssize_t w;

	if (!s->pid_file)
		return 0;
	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", s->pid_file, (int)getpid()) >= (int)sizeof(tmp))
		return merr_set(e, ENAMETOOLONG, "pid file %s: path too long", s->pid_file);
	n = snprintf(text, sizeof(text), "%d", (int)pid);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return merr_sys(e, "create the pid file %s", tmp);
	w = write(fd, text, (size_t)n);
	if (w < 0)
		r = merr_sys(e, "write the pid file %s", tmp);
	else if (w != n)
		r = merr_set(e, EIO, "write the pid file %s: short write", tmp);
	if (close(fd) < 0 && !r)
		r = merr_sys(e, "write the pid file %s", tmp);
	if (!r && rename(tmp, s->pid_file) < 0)
		r = merr_sys(e, "rename %s to %s", tmp, s->pid_file);
	if (r < 0)
		unlink(tmp);
	return r;
}

void spec_remove_pid_file(const struct moat_spec *s)
{
	/* unlinkat(): unlink() is not on the sentry's own allowlist (self.c) */
	if (s->pid_file)
		unlinkat(AT_FDCWD, s->pid_file, 0);
}
