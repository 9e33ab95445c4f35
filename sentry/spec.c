// SPDX-License-Identifier: MIT
/* spec.c - see spec.h */
#include "sentry/spec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	free((char *)s->tree.rootfs);
	free((char *)s->tree.upper_dir);
	memset(s, 0, sizeof(*s));
	s->audit_fd = -1;
}
