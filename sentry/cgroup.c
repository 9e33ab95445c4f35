// SPDX-License-Identifier: MIT
/* cgroup.c - see cgroup.h */
#include "sentry/cgroup.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "util.h"

static int write_text(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return write_full(fd, text, strlen(text));
}

static bool file_has_word(const char *path, const char *word)
{
	char buf[4096];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t wl = strlen(word);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *p = strstr(buf, word); p; p = strstr(p + 1, word)) {
		if ((p == buf || p[-1] == ' ' || p[-1] == ',') &&
		    (p[wl] == '\0' || p[wl] == ' ' || p[wl] == ',' || p[wl] == '\n'))
			return true;
	}
	return false;
}

/* The mount point of the hierarchy that offers @controller: v2 first, then v1. */
static int find_hierarchy(const char *controller, char *mnt, size_t cap, bool *v2)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], v1[PATH_MAX] = "";

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char point[PATH_MAX], type[64], opts[1024];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1 ||
		    sscanf(sep + 3, "%63s %*s %1023s", type, opts) != 2)
			continue;
		if (!strcmp(type, "cgroup2")) {
			char ctl[PATH_MAX + 32];

			snprintf(ctl, sizeof(ctl), "%s/cgroup.controllers", point);
			/* v2 counts CPU time in every group (cpu.stat), controller or not */
			if (file_has_word(ctl, controller) || !strcmp(controller, "cpuacct")) {
				snprintf(mnt, cap, "%s", point);
				*v2 = true;
				return 0;
			}
		} else if (!strcmp(type, "cgroup") && !v1[0]) {
			char word[1100], *save = NULL;

			snprintf(word, sizeof(word), ",%s", opts);
			for (char *t = strtok_r(word, ",", &save); t; t = strtok_r(NULL, ",", &save))
				if (!strcmp(t, controller))
					snprintf(v1, sizeof(v1), "%s", point);
		}
	}
	if (!v1[0])
		return -ENOENT;
	snprintf(mnt, cap, "%s", v1);
	*v2 = false;
	return 0;
}

static int group_for(const struct moat_spec *spec, struct cgroups *cg, const char *controller,
		     struct merr *e, bool *v2, const char **dir)
{
	char mnt[PATH_MAX], path[PATH_MAX];
	int r = find_hierarchy(controller, mnt, sizeof(mnt), v2);

	if (r < 0)
		return merr_set(e, ENOTSUP, "no cgroup hierarchy offers the %s controller "
				"(is /sys/fs/cgroup mounted?)", controller);
	if (*v2 && strcmp(controller, "cpuacct")) {
		r = write_text(mnt, "cgroup.subtree_control", *controller == 'm' ? "+memory" : "+pids");
		if (r < 0 && r != -EBUSY)
			return merr_set(e, -r, "enable the %s controller in %s: %s", controller,
					mnt, strerror(-r));
	}
	if (snprintf(path, sizeof(path), "%s/moat-%s", mnt, spec->id) >= (int)sizeof(path))
		return merr_set(e, ENAMETOOLONG, "cgroup path too long");
	for (int i = 0; i < cg->n; i++) {
		if (!strcmp(cg->dir[i], path)) {
			*dir = cg->dir[i];
			return 0;
		}
	}
	if (cg->n >= (int)ARRAY_SIZE(cg->dir))
		return merr_set(e, E2BIG, "too many cgroup hierarchies");
	if (mkdir(path, 0755) < 0) {
		if (errno != EEXIST)
			return merr_sys(e, "create cgroup %s (moat needs root, or a delegated "
					"cgroup, for --memory and --pids)", path);
		/*
		 * An empty group was left by a sandbox of this ID that was killed
		 * before it could remove it: its counters (refused forks, OOM
		 * kills, peak usage) would be taken for this sandbox's, so it is
		 * made anew.  A group with processes belongs to a sandbox of this
		 * ID that runs: sharing it would share its limits.
		 */
		if (rmdir(path) < 0 && errno == EBUSY)
			return merr_set(e, EBUSY, "the sandbox ID %s is in use: its cgroup %s has "
					"processes; give another ID, or wait for that sandbox to "
					"end", spec->id, path);
		if (mkdir(path, 0755) < 0)
			return merr_sys(e, "create cgroup %s", path);
	}
	snprintf(cg->dir[cg->n], sizeof(cg->dir[0]), "%s", path);
	*dir = cg->dir[cg->n++];
	return 0;
}

int cgroup_setup(const struct moat_spec *spec, struct cgroups *cg, struct merr *e)
{
	char num[32];
	const char *dir = NULL;
	bool v2 = false;
	int r;

	memset(cg, 0, sizeof(*cg));
	if (spec->memory_bytes) {
		r = group_for(spec, cg, "memory", e, &v2, &dir);
		if (r < 0)
			return r;
		snprintf(num, sizeof(num), "%llu", (unsigned long long)spec->memory_bytes);
		r = write_text(dir, v2 ? "memory.max" : "memory.limit_in_bytes", num);
		if (r < 0)
			goto fail_mem;
		/* No swap beyond the limit, where the kernel accounts it. */
		if (v2)
			write_text(dir, "memory.swap.max", "0");
		else
			write_text(dir, "memory.memsw.limit_in_bytes", num);
		snprintf(cg->oom_file, sizeof(cg->oom_file), "%s/%s", dir,
			 v2 ? "memory.events" : "memory.oom_control");
		if (!v2)
			snprintf(cg->peak_file, sizeof(cg->peak_file), "%s/memory.max_usage_in_bytes",
				 dir);
		cg->mem_limit = spec->memory_bytes;
	}
	if (spec->pids) {
		r = group_for(spec, cg, "pids", e, &v2, &dir);
		if (r < 0)
			goto fail;
		snprintf(num, sizeof(num), "%llu", (unsigned long long)spec->pids);
		r = write_text(dir, "pids.max", num);
		if (r < 0) {
			merr_set(e, -r, "set pids.max in %s: %s", dir, strerror(-r));
			goto fail;
		}
		snprintf(cg->pids_file, sizeof(cg->pids_file), "%s/pids.events", dir);
	}
	/*
	 * --cpu-seconds is also a budget for the whole sandbox where a group can
	 * count it (v1's cpuacct, or v2's cpu.stat, which every group has): the
	 * sentry reads it (cgroup_cpu_ns()).  Without one (no root, no
	 * delegation), each process's RLIMIT_CPU is the limit, as before.
	 */
	if (spec->cpu_seconds) {
		struct merr quiet = { 0 };

		if (group_for(spec, cg, "cpuacct", &quiet, &v2, &dir) == 0) {
			snprintf(cg->cpu_file, sizeof(cg->cpu_file), "%s/%s", dir,
				 v2 ? "cpu.stat" : "cpuacct.usage");
			cg->cpu_v2 = v2;
		}
	}
	return 0;
fail_mem:
	merr_set(e, -r, "set the memory limit in %s: %s", dir, strerror(-r));
fail:
	cgroup_remove(cg);
	return r;
}

int cgroup_add(struct cgroups *cg, pid_t pid, struct merr *e)
{
	char num[32];

	snprintf(num, sizeof(num), "%d", pid);
	for (int i = 0; i < cg->n; i++) {
		int r = write_text(cg->dir[i], "cgroup.procs", num);

		if (r < 0)
			return merr_set(e, -r, "move the guest into %s: %s", cg->dir[i], strerror(-r));
	}
	return 0;
}

/* The N of the "@key N" line of the events file @path (with no @key, the
 * file's one number); 0 if there is none. */
static uint64_t event_count(const char *path, const char *key)
{
	char buf[1024], *p;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (!path[0])
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (!key)
		return strtoull(buf, NULL, 10);
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, strlen(key)) && p[strlen(key)] == ' ')
			return strtoull(p + strlen(key) + 1, NULL, 10);
	return 0;
}

bool cgroup_oom_killed(struct cgroups *cg)
{
	return event_count(cg->oom_file, "oom_kill") > 0;
}

bool cgroup_pids_hit(struct cgroups *cg)
{
	return event_count(cg->pids_file, "max") > 0;
}

bool cgroup_memory_hit(struct cgroups *cg)
{
	/* v2's memory.events counts the times usage reached the limit ("max");
	 * v1 keeps the peak usage, which the limit (in pages) caps. */
	return cgroup_oom_killed(cg) || event_count(cg->oom_file, "max") > 0 ||
	       (cg->peak_file[0] &&
		event_count(cg->peak_file, NULL) >= (cg->mem_limit & ~(uint64_t)4095));
}

uint64_t cgroup_cpu_ns(struct cgroups *cg)
{
	if (!cg->cpu_file[0])
		return UINT64_MAX;
	return cg->cpu_v2 ? event_count(cg->cpu_file, "usage_usec") * 1000
			  : event_count(cg->cpu_file, NULL);
}

void cgroup_remove(struct cgroups *cg)
{
	for (int i = 0; i < cg->n; i++) {
		/* The last processes may take a moment to leave. */
		for (int tries = 0; tries < 200; tries++) {
			if (rmdir(cg->dir[i]) == 0 || errno == ENOENT)
				break;
			if (errno != EBUSY)
				break;
			nanosleep(&(struct timespec){ 0, 5 * 1000 * 1000 }, NULL);
		}
	}
	cg->n = 0;
}
