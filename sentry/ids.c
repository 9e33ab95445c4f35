// SPDX-License-Identifier: MIT
/* ids.c - the guest's uids and gids, as the stat family must show them (ids.h). */
#include "sentry/ids.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int ids_parse(const char *text, uint32_t overflow, struct id_map *m)
{
	const char *p = text;

	m->n = 0;
	m->overflow = overflow;
	while (*p) {
		unsigned long v[3];
		char *end;

		for (int i = 0; i < 3; i++) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p < '0' || *p > '9')
				return -EINVAL;
			errno = 0;
			v[i] = strtoul(p, &end, 10);
			if (errno || v[i] > UINT32_MAX)
				return -EINVAL;
			p = end;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\n' && *p != '\0')
			return -EINVAL;
		if (*p == '\n')
			p++;
		if (m->n == IDS_RANGES || v[2] == 0 || v[0] + v[2] - 1 > UINT32_MAX ||
		    v[1] + v[2] - 1 > UINT32_MAX)
			return -EINVAL;
		m->r[m->n].inside = (uint32_t)v[0];
		m->r[m->n].outside = (uint32_t)v[1];
		m->r[m->n].count = (uint32_t)v[2];
		m->n++;
	}
	return m->n ? 0 : -EINVAL;
}

/* One file of /proc, whole, NUL-terminated.  Return: 0, or -errno. */
static int read_text(int proc, const char *rel, char *buf, size_t cap)
{
	_cleanup_close_ int fd = openat(proc, rel, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int read_map(int proc, pid_t pid, const char *which, const char *overflow_file,
		    struct id_map *m)
{
	char rel[64], text[1024], of[32];
	int r;

	snprintf(rel, sizeof(rel), "%d/%s", (int)pid, which);
	r = read_text(proc, rel, text, sizeof(text));
	if (r < 0)
		return r;
	if (read_text(proc, overflow_file, of, sizeof(of)) < 0)
		snprintf(of, sizeof(of), "65534");
	return ids_parse(text, (uint32_t)strtoul(of, NULL, 10), m);
}

int ids_read(int proc, pid_t pid, struct id_map *uids, struct id_map *gids)
{
	int r = read_map(proc, pid, "uid_map", "sys/kernel/overflowuid", uids);

	if (r == 0)
		r = read_map(proc, pid, "gid_map", "sys/kernel/overflowgid", gids);
	if (r < 0)
		uids->n = gids->n = 0;
	return r;
}

/* @id from one side of @m to the other; @none if no range holds it. */
static uint32_t translate(const struct id_map *m, uint32_t id, bool to_guest, uint32_t none)
{
	if (m->n == 0)
		return id;
	for (unsigned i = 0; i < m->n; i++) {
		uint32_t from = to_guest ? m->r[i].outside : m->r[i].inside;
		uint32_t to = to_guest ? m->r[i].inside : m->r[i].outside;

		if (id >= from && id - from < m->r[i].count)
			return to + (id - from);
	}
	return none;
}

uint32_t ids_guest(const struct id_map *m, uint32_t id)
{
	return translate(m, id, true, m->overflow);
}

uint32_t ids_host(const struct id_map *m, uint32_t id)
{
	return translate(m, id, false, UINT32_MAX);
}

bool ids_identity(const struct id_map *m)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->r[i].inside != m->r[i].outside)
			return false;
	return true;
}
