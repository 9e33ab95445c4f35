// SPDX-License-Identifier: MIT
/*
 * oci_linux.c - config.json's linux object, but for its masked and read-only
 * paths (oci_mounts.c).
 *
 * Theory of operation
 * -------------------
 * moat always creates its own namespaces, maps one uid and one gid, gives the
 * default devices only, and confines the guest with its own filter.  So most
 * of the linux object is checked for form and accepted when it asks for no
 * more than that: namespaces (never joined), id mappings that say what moat
 * does anyway, the default devices, device-cgroup rules.  Memory and pids
 * limits are applied; what moat cannot apply and whose absence would loosen
 * the sandbox (CPU quotas and pinning, I/O throttles, sysctls, a seccomp
 * profile, SELinux labels, Intel RDT, time offsets) is refused.
 *
 * What this file trusts: nothing in config.json.
 */
#include "sentry/oci_internal.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static int load_namespaces(struct oci *o, const json_t *linux)
{
	static const char *const types[] = {
		"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
	};
	static const struct oci_member members[] = { { "path", OCI_STRING } };
	const json_t *arr = oci_get(linux, "namespaces");
	unsigned seen = 0;
	size_t i = 0;

	if (!arr)
		return 0;
	if (oci_want_array(o, arr, "linux.namespaces") < 0)
		return -EINVAL;
	for (const json_t *c = json_array_get(arr, 0); c; c = json_array_get(arr, ++i)) {
		char f[FIELD_MAX];
		const char *type = NULL;
		size_t k;

		snprintf(f, sizeof(f), "linux.namespaces[%zu]", i);
		if (oci_want_object(o, c, f) < 0 ||
		    oci_check_types(o, c, f, members, ARRAY_SIZE(members)) < 0)
			return -EINVAL;
		if (!oci_get(c, "type"))
			return oci_fail(o, EINVAL, "%s.type: missing", f);
		{
			char ft[FIELD_MAX + 8];

			snprintf(ft, sizeof(ft), "%s.type", f);
			if (oci_want_str(o, oci_get(c, "type"), ft, &type) < 0)
				return -EINVAL;
		}
		for (k = 0; k < ARRAY_SIZE(types); k++)
			if (!strcmp(type, types[k]))
				break;
		if (k == ARRAY_SIZE(types))
			return oci_fail(o, EINVAL, "%s.type \"%s\": not a namespace type (pid, "
					"network, mount, ipc, uts, user, cgroup, time)", f, type);
		if (seen & (1u << k))
			return oci_fail(o, EINVAL, "%s.type \"%s\": listed twice; keep one",
					f, type);
		seen |= 1u << k;
		if (oci_non_empty(oci_get(c, "path")))
			return oci_fail(o, ENOTSUP, "%s.path: moat cannot join an existing %s "
					"namespace; it always creates its own (remove \"path\")",
					f, type);
	}
	return 0;
}

/*
 * Mappings are accepted only where they say what moat does anyway: the
 * process's id to the user running moat (the one id mapped, which they then
 * ask for: spec->one_id), or, with a root runner, to itself (the guest's ids
 * its own: spec_own_ids()).
 */
static int load_mapping(struct oci *o, const json_t *linux, bool uid)
{
	const char *key = uid ? "uidMappings" : "gidMappings";
	const json_t *arr = oci_get(linux, key);
	uint32_t id = uid ? o->spec->uid : o->spec->gid;
	uint32_t host = uid ? (uint32_t)geteuid() : (uint32_t)getegid();
	bool covered = false, seen = false, runner = false;
	char f[FIELD_MAX];
	size_t i = 0;

	if (!arr)
		return 0;
	snprintf(f, sizeof(f), "linux.%s", key);
	if (oci_want_array(o, arr, f) < 0)
		return -EINVAL;
	if (!json_array_size(arr))
		return 0;
	for (const json_t *c = json_array_get(arr, 0); c; c = json_array_get(arr, ++i)) {
		char fi[FIELD_MAX + 16];
		int64_t cid, hid, size;

		snprintf(fi, sizeof(fi), "%s[%zu]", f, i);
		if (oci_want_object(o, c, fi) < 0)
			return -EINVAL;
		if (!oci_get(c, "containerID") || !oci_get(c, "hostID") || !oci_get(c, "size"))
			return oci_fail(o, EINVAL, "%s: needs containerID, hostID and size", fi);
		if (oci_want_uint(o, oci_get(c, "containerID"), fi, UINT32_MAX, &cid) < 0 ||
		    oci_want_uint(o, oci_get(c, "hostID"), fi, UINT32_MAX, &hid) < 0 ||
		    oci_want_uint(o, oci_get(c, "size"), fi, UINT32_MAX, &size) < 0)
			return -EINVAL;
		if (id < cid || id - cid >= size)
			continue;
		/* The kernel refuses ranges that overlap: one entry may map the id. */
		if (seen)
			return oci_fail(o, EINVAL, "%s: a second entry maps the process's %s "
					"(%u); the ranges must not overlap", fi,
					uid ? "uid" : "gid", id);
		seen = true;
		runner = hid + (id - cid) == host;
		covered = runner || (geteuid() == 0 && hid + (id - cid) == id && id < 65536);
	}
	if (!covered)
		return oci_fail(o, ENOTSUP, "%s: moat maps the process's %s (%u) to the user "
				"running moat (%u), or, run by root, to itself; remove the mappings "
				"or make them say so", f, uid ? "uid" : "gid", id, host);
	if (runner && id != host)
		o->spec->one_id = true;
	return 0;
}

static int load_devices(struct oci *o, const json_t *linux)
{
	static const struct {
		const char *path;
		int major, minor;
	} defaults[] = {
		{ "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 },
		{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
		{ "/dev/ptmx", 5, 2 },
	};
	/* what the device node would be made with: moat's are the host's own */
	static const struct oci_member device_fields[] = {
		{ "fileMode", OCI_NUMBER }, { "uid", OCI_NUMBER }, { "gid", OCI_NUMBER },
	};
	const json_t *arr = oci_get(linux, "devices");
	size_t i = 0;

	if (!arr)
		return 0;
	if (oci_want_array(o, arr, "linux.devices") < 0)
		return -EINVAL;
	for (const json_t *c = json_array_get(arr, 0); c; c = json_array_get(arr, ++i)) {
		char f[FIELD_MAX];
		const char *path = "", *type = "";
		int64_t major = -1, minor = -1;
		bool ok = false;

		snprintf(f, sizeof(f), "linux.devices[%zu]", i);
		if (oci_want_object(o, c, f) < 0 ||
		    oci_check_types(o, c, f, device_fields, ARRAY_SIZE(device_fields)) < 0)
			return -EINVAL;
		if ((oci_get(c, "path") && oci_want_str(o, oci_get(c, "path"), f, &path) < 0) ||
		    (oci_get(c, "type") && oci_want_str(o, oci_get(c, "type"), f, &type) < 0) ||
		    (oci_get(c, "major") &&
		     oci_want_int(o, oci_get(c, "major"), f, true, &major) < 0) ||
		    (oci_get(c, "minor") &&
		     oci_want_int(o, oci_get(c, "minor"), f, true, &minor) < 0))
			return -EINVAL;
		for (size_t k = 0; k < ARRAY_SIZE(defaults); k++)
			ok |= !strcmp(path, defaults[k].path) && !strcmp(type, "c") &&
			      major == defaults[k].major && minor == defaults[k].minor;
		if (!ok)
			return oci_fail(o, ENOTSUP, "%s \"%s\": moat provides only the default "
					"devices (/dev/null, zero, full, random, urandom, tty, "
					"ptmx); remove the entry", f, path);
	}
	return 0;
}

/* Device-cgroup rules: checked for form; moat's device set is fixed. */
static int load_device_rules(struct oci *o, const json_t *res)
{
	const json_t *arr = oci_get(res, "devices");
	size_t i = 0;

	if (!arr)
		return 0;
	if (oci_want_array(o, arr, "linux.resources.devices") < 0)
		return -EINVAL;
	for (const json_t *c = json_array_get(arr, 0); c; c = json_array_get(arr, ++i)) {
		char f[FIELD_MAX];
		const char *s;
		bool allow;

		snprintf(f, sizeof(f), "linux.resources.devices[%zu]", i);
		if (oci_want_object(o, c, f) < 0)
			return -EINVAL;
		if (!oci_get(c, "allow") || oci_want_bool(o, oci_get(c, "allow"), f, &allow) < 0)
			return oci_fail(o, EINVAL, "%s.allow: expected true or false", f);
		if (oci_get(c, "type") && (oci_want_str(o, oci_get(c, "type"), f, &s) < 0 ||
					   (strcmp(s, "a") && strcmp(s, "c") && strcmp(s, "b"))))
			return oci_fail(o, EINVAL, "%s.type: expected \"a\", \"c\" or \"b\"", f);
		if (oci_get(c, "access") && (oci_want_str(o, oci_get(c, "access"), f, &s) < 0 ||
					     s[strspn(s, "rwm")] != '\0'))
			return oci_fail(o, EINVAL, "%s.access: expected letters of \"rwm\"", f);
	}
	if (i)
		oci_ignored("linux.resources.devices", "the guest reaches only the default devices "
			    "whatever the rules say");
	return 0;
}

static int load_memory(struct oci *o, const json_t *res)
{
	const json_t *mem = oci_get(res, "memory"), *v;
	int64_t n;
	int r;

	if (!mem)
		return 0;
	if (oci_want_object(o, mem, "linux.resources.memory") < 0)
		return -EINVAL;
	if ((v = oci_get(mem, "limit"))) {
		r = oci_want_int(o, v, "linux.resources.memory.limit", true, &n);
		if (r < 0)
			return r;
		if (n < -1)
			return oci_fail(o, EINVAL, "linux.resources.memory.limit: %lld: give "
					"bytes, or -1 for no limit", (long long)n);
		if (r == NUM_EXACT && n > 0)
			o->spec->memory_bytes = (uint64_t)n;
	}
	static const char *const numeric[] = {
		"reservation", "swap", "kernel", "kernelTCP", "swappiness",
	};
	for (size_t k = 0; k < ARRAY_SIZE(numeric); k++) {
		char f[FIELD_MAX];

		snprintf(f, sizeof(f), "linux.resources.memory.%s", numeric[k]);
		if ((v = oci_get(mem, numeric[k])) && oci_want_int(o, v, f, true, &n) < 0)
			return -EINVAL;
	}
	static const struct oci_member flags[] = {
		{ "disableOOMKiller", OCI_BOOL }, { "useHierarchy", OCI_BOOL },
		{ "checkBeforeUpdate", OCI_BOOL },
	};
	if (oci_check_types(o, mem, "linux.resources.memory", flags, ARRAY_SIZE(flags)) < 0)
		return -EINVAL;
	if (oci_get(mem, "swap"))
		oci_ignored("linux.resources.memory.swap", "with a memory limit the guest gets no "
			    "swap at all");
	if (oci_non_empty(oci_get(mem, "disableOOMKiller")))
		oci_ignored("linux.resources.memory.disableOOMKiller", "a guest over its limit is "
			    "killed");
	return 0;
}

static int load_cpu(struct oci *o, const json_t *res)
{
	const json_t *cpu = oci_get(res, "cpu"), *v;
	int64_t n;

	if (!cpu)
		return 0;
	static const struct oci_member fields[] = {
		{ "shares", OCI_NUMBER }, { "period", OCI_NUMBER }, { "burst", OCI_NUMBER },
		{ "realtimeRuntime", OCI_NUMBER }, { "realtimePeriod", OCI_NUMBER },
		{ "idle", OCI_NUMBER }, { "cpus", OCI_STRING }, { "mems", OCI_STRING },
	};

	if (oci_want_object(o, cpu, "linux.resources.cpu") < 0 ||
	    oci_check_types(o, cpu, "linux.resources.cpu", fields, ARRAY_SIZE(fields)) < 0)
		return -EINVAL;
	if ((v = oci_get(cpu, "quota"))) {
		if (oci_want_int(o, v, "linux.resources.cpu.quota", true, &n) < 0)
			return -EINVAL;
		if (n > 0)
			return oci_fail(o, ENOTSUP, "linux.resources.cpu.quota: CPU quotas are not "
					"supported yet; remove it");
	}
	if (oci_non_empty(oci_get(cpu, "burst")))
		return oci_fail(o, ENOTSUP, "linux.resources.cpu.burst: CPU quotas are not "
				"supported yet; remove it");
	if (oci_non_empty(oci_get(cpu, "cpus")) || oci_non_empty(oci_get(cpu, "mems")))
		return oci_fail(o, ENOTSUP, "linux.resources.cpu.%s: moat cannot pin the guest to "
				"CPUs or memory nodes yet; remove it",
				oci_non_empty(oci_get(cpu, "cpus")) ? "cpus" : "mems");
	/* Weights, not limits: without them the guest competes as any process. */
	if (oci_get(cpu, "shares") || oci_get(cpu, "idle") || oci_get(cpu, "period") ||
	    oci_get(cpu, "realtimeRuntime") || oci_get(cpu, "realtimePeriod"))
		oci_ignored("linux.resources.cpu", "CPU weights and periods are not applied");
	return 0;
}

static int load_resources(struct oci *o, const json_t *linux)
{
	static const struct oci_member members[] = {
		{ "network", OCI_OBJECT }, { "rdma", OCI_OBJECT }, { "hugepageLimits", OCI_ARRAY },
		{ "unified", OCI_OBJECT }, { "blockIO", OCI_OBJECT }, { "cpu", OCI_OBJECT },
	};
	const json_t *res = oci_get(linux, "resources"), *v;
	int64_t n;
	int r;

	if (!res)
		return 0;
	if (oci_want_object(o, res, "linux.resources") < 0 ||
	    oci_check_types(o, res, "linux.resources", members, ARRAY_SIZE(members)) < 0)
		return -EINVAL;
	if (load_device_rules(o, res) < 0 || load_memory(o, res) < 0 || load_cpu(o, res) < 0)
		return -o->e->errnum;
	if ((v = oci_get(res, "pids"))) {
		if (oci_want_object(o, v, "linux.resources.pids") < 0)
			return -EINVAL;
		if ((v = oci_get(v, "limit"))) {
			r = oci_want_int(o, v, "linux.resources.pids.limit", true, &n);
			if (r < 0)
				return r;
			if (n < -1)
				return oci_fail(o, EINVAL, "linux.resources.pids.limit: %lld: give "
						"a number of tasks, or -1 (or 0) for no limit",
						(long long)n);
			if (r == NUM_EXACT && n > 0)
				o->spec->pids = (uint64_t)n;
		}
	}
	if ((v = oci_get(res, "blockIO"))) {
		static const char *const throttles[] = {
			"throttleReadBpsDevice", "throttleWriteBpsDevice",
			"throttleReadIOPSDevice", "throttleWriteIOPSDevice",
		};

		static const struct oci_member weights[] = {
			{ "weight", OCI_NUMBER }, { "leafWeight", OCI_NUMBER },
			{ "weightDevice", OCI_ARRAY }, { "throttleReadBpsDevice", OCI_ARRAY },
			{ "throttleWriteBpsDevice", OCI_ARRAY },
			{ "throttleReadIOPSDevice", OCI_ARRAY },
			{ "throttleWriteIOPSDevice", OCI_ARRAY },
		};

		if (oci_want_object(o, v, "linux.resources.blockIO") < 0 ||
		    oci_check_types(o, v, "linux.resources.blockIO", weights,
				    ARRAY_SIZE(weights)) < 0)
			return -EINVAL;
		for (size_t k = 0; k < ARRAY_SIZE(throttles); k++)
			if (oci_non_empty(oci_get(v, throttles[k])))
				return oci_fail(o, ENOTSUP, "linux.resources.blockIO.%s: I/O "
						"limits are not supported yet; remove it",
						throttles[k]);
		oci_ignored("linux.resources.blockIO", "I/O weights are not applied");
	}
	if (oci_non_empty(oci_get(res, "hugepageLimits")))
		return oci_fail(o, ENOTSUP, "linux.resources.hugepageLimits: huge page limits are "
				"not supported yet; remove them");
	if (oci_non_empty(oci_get(res, "unified")))
		return oci_fail(o, ENOTSUP, "linux.resources.unified: moat does not write raw "
				"cgroup files; remove it (memory and pids limits have their own "
				"fields)");
	if (oci_get(res, "network"))
		oci_ignored("linux.resources.network", "the guest has no host network interface");
	if (oci_get(res, "rdma"))
		oci_ignored("linux.resources.rdma", "the guest has no RDMA device");
	return 0;
}

/* Sysctls that only loosen what a guest may do: safe to leave unapplied. */
static const char *const loosening_sysctls[] = {
	"net.ipv4.ip_unprivileged_port_start", "net.ipv4.ping_group_range",
};

static int load_linux_misc(struct oci *o, const json_t *linux)
{
	const json_t *v;
	const char *s;

	if ((v = oci_get(linux, "sysctl"))) {
		const char *key;
		json_t *c;

		if (oci_want_object(o, v, "linux.sysctl") < 0)
			return -EINVAL;
		json_object_foreach((json_t *)v, key, c) {
			char f[FIELD_MAX];

			snprintf(f, sizeof(f), "linux.sysctl.%s", key);
			if (oci_want_str(o, c, f, &s) < 0)
				return -EINVAL;
			if (!oci_in_list(key, loosening_sysctls, ARRAY_SIZE(loosening_sysctls)))
				return oci_fail(o, ENOTSUP, "linux.sysctl \"%s\": moat does not "
						"set sysctls; remove it", key);
			oci_ignored("linux.sysctl", "the listed settings only loosen the sandbox");
		}
	}
	if ((v = oci_get(linux, "seccomp"))) {
		const json_t *def;

		if (oci_want_object(o, v, "linux.seccomp") < 0)
			return -EINVAL;
		def = oci_get(v, "defaultAction");
		if (def && oci_want_str(o, def, "linux.seccomp.defaultAction", &s) < 0)
			return -EINVAL;
		/* A profile that allows everything asks for nothing moat lacks. */
		if (!(def && json_is_string(def) && !strcmp(json_string_value(def), "SCMP_ACT_ALLOW") &&
		      !oci_non_empty(oci_get(v, "syscalls"))))
			return oci_fail(o, ENOTSUP, "linux.seccomp: moat cannot load a seccomp "
					"profile yet; its own filter confines every guest "
					"(docs/security.md); remove linux.seccomp");
	}
	if ((v = oci_get(linux, "rootfsPropagation"))) {
		if (oci_want_str(o, v, "linux.rootfsPropagation", &s) < 0)
			return -EINVAL;
		oci_ignored("linux.rootfsPropagation", "the sandbox's mounts are always private");
	}
	if ((v = oci_get(linux, "cgroupsPath"))) {
		if (oci_want_str(o, v, "linux.cgroupsPath", &s) < 0)
			return -EINVAL;
		oci_ignored("linux.cgroupsPath", "moat names its cgroups moat-ID");
	}
	if (oci_non_empty(oci_get(linux, "mountLabel")))
		return oci_fail(o, ENOTSUP, "linux.mountLabel: moat does not apply SELinux labels; "
				"remove the field");
	if (oci_non_empty(oci_get(linux, "intelRdt")))
		return oci_fail(o, ENOTSUP, "linux.intelRdt: not supported; remove it");
	if (oci_non_empty(oci_get(linux, "timeOffsets")))
		return oci_fail(o, ENOTSUP, "linux.timeOffsets: moat does not create a time "
				"namespace; remove it");
	if (oci_non_empty(oci_get(linux, "netDevices")))
		return oci_fail(o, ENOTSUP, "linux.netDevices: moat gives the guest no host "
				"network device; remove it");
	if ((v = oci_get(linux, "personality"))) {
		const json_t *d;

		if (oci_want_object(o, v, "linux.personality") < 0)
			return -EINVAL;
		d = oci_get(v, "domain");
		if ((d && (!json_is_string(d) || strcmp(json_string_value(d), "LINUX"))) ||
		    oci_non_empty(oci_get(v, "flags")))
			return oci_fail(o, ENOTSUP, "linux.personality: moat runs the guest with "
					"the LINUX personality only; remove the field");
	}
	return 0;
}

int oci_load_linux(struct oci *o, const json_t *doc)
{
	const json_t *linux = oci_get(doc, "linux");

	if (!linux)
		return 0;
	if (oci_want_object(o, linux, "linux") < 0)
		return -EINVAL;
	if (load_namespaces(o, linux) < 0 || load_mapping(o, linux, true) < 0 ||
	    load_mapping(o, linux, false) < 0 || load_devices(o, linux) < 0 ||
	    load_resources(o, linux) < 0 || oci_load_paths(o, linux, true) < 0 ||
	    oci_load_paths(o, linux, false) < 0 || load_linux_misc(o, linux) < 0)
		return -o->e->errnum;
	return 0;
}
