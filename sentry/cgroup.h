/* SPDX-License-Identifier: MIT */
/*
 * cgroup.h - the memory and pids limits of a sandbox, on cgroup v2 or v1.
 *
 * For each controller moat needs, the v2 hierarchy is used if it offers the
 * controller, else the v1 hierarchy that has it.  The sandbox's group is
 * "moat-<id>" at the root of that hierarchy; it is removed when the sandbox
 * ends.  An empty one found there (left by a killed sandbox) is made anew; one
 * with processes means a sandbox of that id runs, and the start is refused.
 * Nothing is created when no limit is asked for.
 */
#ifndef MOAT_SENTRY_CGROUP_H
#define MOAT_SENTRY_CGROUP_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "sentry/spec.h"

struct cgroups {
	int n;
	char dir[4][PATH_MAX];
	char oom_file[PATH_MAX];	/* where the OOM kill count is, or "" */
	char pids_file[PATH_MAX];	/* pids.events: refused forks, or "" */
	char peak_file[PATH_MAX];	/* v1: memory.max_usage_in_bytes, else "" */
	char cpu_file[PATH_MAX];	/* the CPU time all its processes used: v1
					 * cpuacct.usage (ns), v2 cpu.stat (usage_usec); or "" */
	bool cpu_v2;
	uint64_t mem_limit;
};

/** cgroup_setup() - create the groups and set the limits; Return: 0 or -errno */
int cgroup_setup(const struct moat_spec *spec, struct cgroups *cg, struct merr *e);

/** cgroup_add() - move @pid into every group; Return: 0 or -errno */
int cgroup_add(struct cgroups *cg, pid_t pid, struct merr *e);

/** cgroup_oom_killed() - whether the kernel killed something for memory */
bool cgroup_oom_killed(struct cgroups *cg);

/** cgroup_pids_hit() - whether a fork was refused by the pids limit */
bool cgroup_pids_hit(struct cgroups *cg);

/** cgroup_memory_hit() - whether the memory limit was reached (not only by an OOM kill) */
bool cgroup_memory_hit(struct cgroups *cg);

/**
 * cgroup_cpu_ns() - the CPU time the sandbox's processes used together, in
 * nanoseconds, or UINT64_MAX where no group counts it
 */
uint64_t cgroup_cpu_ns(struct cgroups *cg);

/** cgroup_remove() - remove the groups (their processes must be gone) */
void cgroup_remove(struct cgroups *cg);

#endif
