#!/bin/bash
# `moat run` on OCI bundles: a busybox root file system and a generated
# config.json; what the config asks for is checked from inside the guest, and
# bad input must give the exact exit status and a one-line message.
. tests/lib.sh

B=$T_TMP/bundle
R=$B/rootfs
ID=rt$$

# The root file system: static busybox and its applets, nothing from the host.
mkdir -p "$R"/{bin,dev,proc,sys,tmp,etc,data,mnt}
check "busybox-static is installed (make deps-test)" test -x /bin/busybox
cp /bin/busybox "$R/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ "$applet" = busybox ] || ln -s busybox "$R/bin/$applet"
done
echo s3cret >"$R/etc/secret"
printf '#!/bin/sh\necho never\n' >"$R/bin/notexec"
chmod 0644 "$R/bin/notexec"
printf '#!/no/such/interpreter\necho never\n' >"$R/bin/badinterp"
chmod 0755 "$R/bin/badinterp"

# config PATCH: write $B/config.json, a base config with the JSON object PATCH
# merged into it (objects merge key by key, anything else replaces; null
# removes a key).  The guest runs /t.sh, which guest() writes.
config() {
	python3 - "$B/config.json" "${1:-{\}}" <<'PY'
import json, sys
base = {
    "ociVersion": "1.2.0",
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": ["sh", "/t.sh"],
        "env": ["PATH=/bin"],
        "cwd": "/",
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": True},
    "hostname": "moat-test",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "nodev", "mode=1777"]},
    ],
    "linux": {"namespaces": [{"type": t} for t in
                             ("pid", "network", "ipc", "uts", "mount", "cgroup")]},
}
def merge(a, b):
    for k, v in b.items():
        if v is None:
            a.pop(k, None)
        elif isinstance(v, dict) and isinstance(a.get(k), dict):
            merge(a[k], v)
        else:
            a[k] = v
merge(base, json.loads(sys.argv[2]))
with open(sys.argv[1], "w") as f:
    json.dump(base, f, indent=1)
PY
}

guest() {
	printf '%s\n' "$1" >"$R/t.sh"
}

# Every sandbox here ends within seconds; a hang fails the test with 124.
moat() {
	timeout -k 5 60 "$MOAT" "$@"
}

# mrun [ARGS...]: `moat run -b $B ARGS`; sets $out, $err, $rc
mrun() {
	moat run -b "$B" "$@" >"$T_TMP/stdout" 2>"$T_TMP/stderr"
	rc=$?
	out=$(cat "$T_TMP/stdout")
	err=$(cat "$T_TMP/stderr")
}

# fails_with NAME STATUS PATTERN: the last mrun exited STATUS with one stderr
# line matching PATTERN
fails_with() {
	is "$1: exit status" "$2" "$rc"
	like "$1: message" "$3" "$err"
	is "$1: one line" 1 "$(printf '%s\n' "$err" | wc -l)"
}

# --- running ----------------------------------------------------------------

config
guest 'echo hello from the bundle'
mrun "$ID"
is "runs the bundle's process" "hello from the bundle" "$out"
is "exit status 0" 0 "$rc"

guest 'exit 42'
mrun "$ID"
is "the guest's exit status passes through" 42 "$rc"

guest 'kill -TERM $$'
mrun "$ID"
is "killed by SIGTERM: 128+15" 143 "$rc"

guest 'kill -KILL $$'
mrun "$ID"
is "killed by SIGKILL: 128+9" 137 "$rc"

guest 'echo hello from the bundle'
(cd "$B" && moat run "$ID" >"$T_TMP/stdout" 2>&1)
rc=$?
is "the bundle defaults to the current directory" "0 hello from the bundle" \
	"$rc $(cat "$T_TMP/stdout")"

# SIGTERM to moat reaches the guest, whose handler decides the status.  (The
# sandboxes started in the background here write a fresh $T_TMP/stdout: the
# old one goes first, or its "ready" would be taken for theirs before the
# shell that starts them truncates it.)
rm -f "$T_TMP/stdout"
guest 'trap "echo got TERM; exit 7" TERM; echo ready; sleep 30 & wait'
timeout -k 5 60 "$MOAT" run -b "$B" "$ID" >"$T_TMP/stdout" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q ready "$T_TMP/stdout" && break; sleep 0.1; done
kill -TERM $pid
wait $pid
rc=$?
is "SIGTERM to moat reaches the guest" "7 ready got TERM" "$rc $(tr '\n' ' ' <"$T_TMP/stdout" | sed 's/ $//')"

# --pid-file FILE (relative to the current directory, as with runc) holds the
# host pid of the sandbox's init, its pid 1, while it runs; it is removed at
# the end.
config
guest 'echo ready; sleep 30 & wait'
rm -f "$T_TMP/stdout"
(cd "$T_TMP" && exec timeout -k 5 60 "$MOAT" run -b "$B" --pid-file init.pid "$ID") \
	>"$T_TMP/stdout" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q ready "$T_TMP/stdout" && break; sleep 0.1; done
ipid=$(cat "$T_TMP/init.pid" 2>&1)
is "--pid-file: the host pid of the sandbox's pid 1" "1" \
	"$(awk '/^NSpid:/ { print $NF }' "/proc/$ipid/status" 2>&1)"
check "--pid-file: a process in the sandbox's pid namespace, not moat's" \
	test "$(readlink "/proc/$ipid/ns/pid")" != "$(readlink /proc/self/ns/pid)"
kill -TERM $pid
wait $pid
check_fails "--pid-file is removed when the sandbox ends" test -e "$T_TMP/init.pid"

# --- what the config asks for ------------------------------------------------

config '{"process": {"env": ["PATH=/bin", "GREETING=hi there"], "cwd": "/data",
	 "user": {"uid": 1234, "gid": 5678}}, "hostname": "boxy"}'
guest 'echo "$GREETING|$(pwd)|$(hostname)|$(id -u)|$(id -g)|$HOME"'
mrun "$ID"
is "env, cwd, hostname and user applied" "hi there|/data|boxy|1234|5678|" "$out"

# With a root runner, a guest user other than root is itself on the host, as
# runc runs it, with root mapped beside it: the stat family shows its files
# as its own, root's as root's (as fstat() says: the sentry asks from the
# host's namespace) and others' as the overflow id.
touch "$R/etc/others" && chown 4321:4321 "$R/etc/others"
guest 'echo x > /tmp/mine; chown 1234:5678 /tmp/mine && echo chowned
	stat -c "%u:%g" /tmp/mine /bin/busybox /etc/others
	ls -ln /tmp/mine | awk "{print \$3\":\"\$4}"
	grep -E "^(Uid|Gid):" /proc/self/status | tr -s "\t" " "'
mrun "$ID"
is "a guest of uid 1234: stat shows its files as its own, root's as root's, others' as the overflow id; /proc/self/status its ids" \
	"chowned
1234:5678
0:0
65534:65534
1234:5678
Uid: 1234 1234 1234 1234
Gid: 5678 5678 5678 5678" "$out"

# chown to root, which the guest may not be, is EPERM; to an id the guest's
# namespace does not map, EINVAL, as the kernel says there; neither changes
# anything, and root's file of mode 0600 is closed to the guest, for reading
# and for writing (served by the sentry and the gofer with the guest's ids).
echo root-only >"$R/etc/root-only" && chmod 0600 "$R/etc/root-only"
config '{"process": {"user": {"uid": 1234, "gid": 5678}}, "root": {"readonly": false}}'
guest 'echo x > /tmp/mine; ln -s mine /tmp/link
	for ids in 0 :0 0:0 4321 65534:65534; do chown $ids /tmp/mine 2>&1; done
	chown -h 0 /tmp/link 2>&1; chown 1234:5678 /tmp/mine && echo own ok
	stat -c "%u:%g" /tmp/mine
	cat /etc/root-only 2>&1; echo x 2>&1 >>/etc/root-only; chmod 644 /etc/root-only 2>&1
	rm /etc/root-only 2>&1; touch /etc/new 2>&1'
mrun "$ID"
is "a guest of uid 1234: chown to root EPERM, to an unmapped id EINVAL, to its own works; root's 0600 file closed" \
	"chown: /tmp/mine: Operation not permitted
chown: /tmp/mine: Operation not permitted
chown: /tmp/mine: Operation not permitted
chown: /tmp/mine: Invalid argument
chown: /tmp/mine: Invalid argument
chown: /tmp/link: Operation not permitted
own ok
1234:5678
cat: can't open '/etc/root-only': Permission denied
sh: can't create /etc/root-only: Permission denied
chmod: /etc/root-only: Operation not permitted
rm: can't remove '/etc/root-only': Permission denied
touch: /etc/new: Permission denied" "$(sed 's|^/t.sh: line [0-9]*: |sh: |' <<<"$out")"
is "...and the file is unchanged, nothing made" "root-only 0:0 600 no-new" \
	"$(cat "$R/etc/root-only") $(stat -c '%u:%g %a' "$R/etc/root-only") $(test -e "$R/etc/new" && echo new || echo no-new)"
rm -f "$R/etc/root-only"

# ...however the guest reaches the file: an O_PATH fd (native) reopened
# through /proc/self/fd, openat2 from a dirfd, a hard link it makes, a copy.
cat >"$T_TMP/reach.c" <<'C'
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
static void say(const char *how, int fd)
{
	char buf[64] = "";
	printf("%s %s\n", how, fd < 0 ? strerror(errno) : read(fd, buf, 9) > 0 ? buf : "opened");
}
int main(void)
{
	char p[64];
	struct open_how how = { .flags = O_RDONLY, .resolve = RESOLVE_IN_ROOT };
	int o = open("/etc/root-only", O_PATH), d = open("/etc", O_RDONLY | O_DIRECTORY);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", o);
	say("reopen", open(p, O_RDONLY));
	say("openat2", (int)syscall(SYS_openat2, d, "root-only", &how, sizeof(how)));
	say("link", link("/etc/root-only", "/data/l") < 0 ? -1 : open("/data/l", O_RDONLY));
	say("write", open("/etc/root-only", O_WRONLY | O_APPEND));
	return 0;
}
C
gcc -static -O1 -o "$R/bin/reach" "$T_TMP/reach.c"
echo root-only >"$R/etc/root-only" && chmod 0600 "$R/etc/root-only"
chmod 1777 "$R/data"
config '{"process": {"user": {"uid": 1234, "gid": 5678}}, "root": {"readonly": false}}'
guest 'reach'
mrun "$ID"
is "a guest of uid 1234: root's 0600 file closed through an O_PATH fd, openat2, a link" \
	"reopen Permission denied
openat2 Permission denied
link Operation not permitted
write Permission denied" "$out"
rm -f "$R/etc/root-only" "$R/bin/reach" "$R/data/l"
chmod 755 "$R/data"

# The /proc opener is the guest's user too: a process of uid 1234 reads its
# parent's /proc files and follows its links, not init's (root's, and not
# dumpable); the sentry's workers open its own with its ids.
config '{"process": {"user": {"uid": 1234, "gid": 5678}}, "root": {"readonly": false}}'
guest 'exec 3</etc/secret; sh -c "cat /proc/$$/fd/3; tr \"\\0\" \"\\n\" </proc/$$/environ | grep -c PATH=
	cat /proc/1/environ 2>&1 | sed \"s/.*: //\"; ls /proc/1/fd 2>&1 | sed \"s/.*: //\"
	readlink /proc/self/exe"'
mrun "$ID"
is "a guest of uid 1234: another of its processes' /proc files open, init's not" "s3cret
1
Permission denied
Permission denied
/bin/busybox" "$out"

# The guest has no supplementary groups: a group its runner (root) is in
# gives it nothing, neither through the sentry, which opens files for it,
# nor through the gofer, which writes them.  As natively, a file of group
# 4321 is EACCES to a guest of gid 5678, for reading and for writing.
echo grp-secret >"$R/etc/group-only" && chown 4321:4321 "$R/etc/group-only" &&
	chmod 0660 "$R/etc/group-only"
config '{"process": {"user": {"uid": 1234, "gid": 5678}}, "root": {"readonly": false}}'
guest 'cat /etc/group-only 2>&1; echo x 2>&1 >>/etc/group-only; id -G'
timeout -k 5 60 setpriv --groups 4321 "$MOAT" run -b "$B" "$ID" >"$T_TMP/stdout" 2>&1
is "a guest of gid 5678 under a runner in group 4321: that group's file is EACCES to read and write" \
	"cat: can't open '/etc/group-only': Permission denied
sh: can't create /etc/group-only: Permission denied
5678" "$(sed 's|^/t.sh: line [0-9]*: |sh: |' "$T_TMP/stdout")"
is "...and the file is unchanged" "grp-secret 4321:4321 660" \
	"$(cat "$R/etc/group-only") $(stat -c '%u:%g %a' "$R/etc/group-only")"
rm -f "$R/etc/group-only"

# A key given twice in process.env: the last one wins, in its own place, as
# with runc; PATH is searched with the value the guest gets.
config '{"process": {"args": ["env"], "env": ["PATH=/nope", "A=1", "PATH=/bin", "A=2"]}}'
mrun --network=none "$ID"
is "process.env: a key given twice, the last one wins" "0 PATH=/bin A=2" "$rc $(echo $out)"

config '{"process": {"user": {"uid": 0, "gid": 0, "umask": 63}}}'
guest 'umask'
mrun "$ID"
is "process.user.umask applied" "0077" "$out"

config '{"process": {"capabilities": {"bounding": ["CAP_SYS_ADMIN"],
	 "effective": ["CAP_SYS_ADMIN"], "permitted": ["CAP_SYS_ADMIN"]}}}'
guest 'grep -E "^Cap(Eff|Prm|Bnd)" /proc/self/status | tr -s "\t" " " | tr "\n" " "'
mrun "$ID"
is "capabilities asked for are dropped" \
	"CapPrm: 0000000000000000 CapEff: 0000000000000000 CapBnd: 0000000000000000 " "$out"

mrun --log-level info "$ID"
like "--log-level info names the ignored fields" \
	"config.json: process.capabilities is ignored: the guest runs with no capabilities" "$err"

config
guest 'mount -t tmpfs none /mnt 2>/dev/null; echo "mount: $?"'
rm -f "$T_TMP/audit"
mrun --audit "$T_TMP/audit" "$ID"
is "a denied mount fails in the guest" "mount: 1" "$out"
like "--audit records it under the container ID" \
	"\"sandbox\":\"$ID\",.*\"syscall\":\"mount\",.*\"decision\":\"denied\"" \
	"$(cat "$T_TMP/audit" 2>&1)"

config '{"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 200, "hard": 300},
	 {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]}}'
guest 'echo "$(ulimit -n) $(ulimit -Hn) $(ulimit -c)"'
mrun "$ID"
is "rlimits applied (RLIMIT_NOFILE, RLIMIT_CORE)" "200 300 0" "$out"

# A read-only root: writes fail, the tmpfs at /tmp takes them, the bundle
# stays untouched.
config '{"root": {"readonly": true}}'
guest 'echo x > /file 2>/dev/null && echo wrote / || echo refused /
echo y > /tmp/f && cat /tmp/f'
mrun "$ID"
is "read-only root: writes refused, /tmp tmpfs writable" "refused /
y" "$out"
check_fails "read-only root: nothing written to the bundle" test -e "$R/file"

# A writable root is used directly: writes land in the bundle, as with runc.
config '{"root": {"readonly": false}}'
guest 'echo persisted > /data/out'
mrun "$ID"
is "writable root: the write lands in the bundle" "0 persisted" "$rc $(cat "$R/data/out" 2>&1)"
rm -f "$R/data/out"

mkdir -p "$T_TMP/share" "$B/rel"
echo "from host" >"$T_TMP/share/in.txt"
echo "relative" >"$B/rel/r.txt"
config '{"mounts": [{"destination": "/proc", "type": "proc"},
	{"destination": "/tmp", "type": "tmpfs"},
	{"destination": "/mnt/ro", "type": "bind", "source": "'"$T_TMP"'/share", "options": ["rbind", "ro"]},
	{"destination": "/mnt/rw", "type": "bind", "source": "'"$T_TMP"'/share", "options": ["bind", "rw"]},
	{"destination": "/mnt/rel", "type": "none", "source": "rel", "options": ["rbind", "ro", "nosuid", "rprivate"]}]}'
guest 'cat /mnt/ro/in.txt
echo x > /mnt/ro/new.ro 2>/dev/null && echo wrote ro || echo refused ro
echo out > /mnt/rw/new && echo wrote rw
cat /mnt/rel/r.txt'
mrun "$ID"
is "bind mounts: read-only, writable, relative to the bundle" "from host
refused ro
wrote rw
relative" "$out"
is "a write through the writable bind reaches the host" "out" "$(cat "$T_TMP/share/new" 2>&1)"
check_fails "a write through the read-only bind does not" test -e "$T_TMP/share/new.ro"

# "bind" of a directory with another file system below it is refused, since
# moat binds recursively; "rbind" shows it.
mkdir -p "$T_TMP/nest/in"
mount -t tmpfs -o size=64k moat-test "$T_TMP/nest/in" && echo inner >"$T_TMP/nest/in/f"
guest 'cat /mnt/in/f'
for opt in bind rbind; do
	config '{"mounts": [{"destination": "/proc", "type": "proc"},
		{"destination": "/mnt", "type": "bind", "source": "'"$T_TMP"'/nest", "options": ["'$opt'"]}]}'
	mrun "$ID"
	[ $opt = bind ] && fails_with "bind of a directory with a mount below it is refused" 125 \
		"mounts\[1\]\.source \".*/nest\": other file systems are mounted below it"
done
is "rbind of a directory with a mount below it shows it" "0 inner" "$rc $out"
umount "$T_TMP/nest/in"

# The host's cgroup file systems are not bound, as the host's proc and sysfs
# are not: neither /sys/fs/cgroup (a tmpfs with them below it) nor a v1
# controller or a cgroup2 hierarchy, with bind or rbind.
guest 'echo never'
for src in /sys/fs/cgroup $(awk '($3 == "cgroup" || $3 == "cgroup2") && !seen[$3]++ &&
	$2 != "/sys/fs/cgroup" { print $2 }' /proc/self/mounts); do
	for opt in bind rbind; do
		config '{"mounts": [{"destination": "/proc", "type": "proc"},
			{"destination": "/mnt", "type": "bind", "source": "'"$src"'", "options": ["'$opt'"]}]}'
		mrun "$ID"
		fails_with "$opt of the host's $src is refused" 125 \
			"mounts\[1\]\.source \"$src\": (binding the host's cgroup|the host's cgroup2? file system is mounted below it)"
	done
done

# statfs() says read-only where writes fail: a writable root, a tmpfs and a
# writable bind are not; a read-only root, a read-only bind or tmpfs and a
# readonlyPaths entry are.  The guest's own /proc is writable, as with runc.
cat >"$T_TMP/statro.c" <<'C'
#include <stdio.h>
#include <sys/statvfs.h>
int main(int argc, char **argv)
{
	struct statvfs s;

	for (int i = 1; i < argc; i++)
		printf("%s %ld ", argv[i], statvfs(argv[i], &s) ? -1L : (long)(s.f_flag & ST_RDONLY));
	printf("\n");
	return 0;
}
C
gcc -static -O1 -o "$R/bin/statro" "$T_TMP/statro.c"
for ro in false true; do
	config '{"root": {"readonly": '$ro'}, "mounts": [{"destination": "/proc", "type": "proc"},
		{"destination": "/tmp", "type": "tmpfs"},
		{"destination": "/data", "type": "tmpfs", "options": ["ro"]},
		{"destination": "/mnt/ro", "type": "bind", "source": "'"$T_TMP"'/share", "options": ["rbind", "ro"]},
		{"destination": "/mnt/rw", "type": "bind", "source": "'"$T_TMP"'/share", "options": ["bind", "rw"]}],
		"linux": {"readonlyPaths": ["/etc"]}}'
	guest 'statro / /bin /tmp /data /mnt/ro /mnt/rw /mnt/rw/in.txt /etc /proc'
	mrun "$ID"
	r=$([ $ro = true ] && echo 1 || echo 0)
	is "statvfs: read-only exactly where writes fail (root.readonly $ro)" \
		"/ $r /bin $r /tmp 0 /data 1 /mnt/ro 1 /mnt/rw 0 /mnt/rw/in.txt 0 /etc 1 /proc 0 " "$out"
done
rm -f "$R/bin/statro"

# Mount attributes: a noexec tmpfs refuses to run what is copied into it (a
# tmpfs without noexec runs it), and a nodev bind mount is nodev with
# everything below it: its device files cannot be opened.
mkdir -p "$T_TMP/devs"
mknod "$T_TMP/devs/null" c 1 3
config '{"mounts": [{"destination": "/proc", "type": "proc"},
	{"destination": "/tmp", "type": "tmpfs", "options": ["nosuid", "nodev"]},
	{"destination": "/dev/shm", "type": "tmpfs", "options": ["nosuid", "noexec", "nodev", "mode=1777"]},
	{"destination": "/mnt/nd", "type": "bind", "source": "'"$T_TMP"'/devs", "options": ["rbind", "nodev", "noexec"]},
	{"destination": "/mnt/d", "type": "bind", "source": "'"$T_TMP"'/devs", "options": ["rbind"]}]}'
guest 'cp /bin/busybox /tmp/true && /tmp/true && echo tmp: ran
cp /bin/busybox /dev/shm/true && { /dev/shm/true 2>/dev/null; echo "shm: $?"; }
for m in /mnt/nd /mnt/d; do
	echo "$m: $(awk -v m=$m "\$5 == m { print \$6 }" /proc/self/mountinfo | tr , "\n" | grep -E "^no(dev|exec)$" | tr "\n" " ")"
	echo x 2>/dev/null >$m/null && echo "$m: opened" || echo "$m: refused"
done'
mrun "$ID"
is "noexec tmpfs and nodev/noexec bind applied" "tmp: ran
shm: 126
/mnt/nd: nodev noexec 
/mnt/nd: refused
/mnt/d: 
/mnt/d: opened" "$out"

# A tmpfs's mode= is its root's mode, 0 too; without it, 1777 (the kernel's).
config '{"mounts": [{"destination": "/proc", "type": "proc"},
	{"destination": "/tmp", "type": "tmpfs"},
	{"destination": "/mnt", "type": "tmpfs", "options": ["mode=0"]},
	{"destination": "/data", "type": "tmpfs", "options": ["mode=1755"]}]}'
guest 'stat -c %a /tmp /mnt /data'
mrun --network=none "$ID"
is "tmpfs mode=: 0 and 1755 applied, 1777 without" "0 1777 0 1755" "$rc $(echo $out)"

# runc's own default config runs as it is, but for its command and terminal.
if command -v runc >/dev/null; then
	rm -f "$B/config.json"
	(cd "$B" && runc spec)
	python3 - "$B/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["sh", "-c", "echo $(hostname) $(ulimit -n) $(wc -c </proc/keys); "
                        "grep -cE ' /dev/(shm|mqueue) .*noexec' /proc/self/mountinfo"]
c["process"]["terminal"] = False
json.dump(c, open(sys.argv[1], "w"))
PY
	mrun "$ID"
	is "runc spec's default config.json runs" "0 runc 1024 0 2" "$rc $(echo $out)"
else
	_t_result 0 "runc spec's default config.json runs # SKIP runc is not installed"
fi

config '{"root": {"readonly": false}, "mounts": [
	{"destination": "/proc", "type": "proc"}, {"destination": "/tmp", "type": "tmpfs"},
	{"destination": "/sys", "type": "sysfs", "options": ["ro", "nosuid", "nodev", "noexec"]}],
	"linux": {"maskedPaths": ["/etc/secret", "/proc/kcore", "/sys/firmware"],
	          "readonlyPaths": ["/data"]}}'
guest 'echo "<$(cat /etc/secret 2>/dev/null)>"
cat /proc/kcore | wc -c
ls /sys/firmware | wc -l
echo x > /data/f 2>/dev/null && echo wrote /data || echo refused /data'
mrun "$ID"
is "maskedPaths (file, /proc, /sys) and readonlyPaths" "<>
0
0
refused /data" "$out"
is "the masked file is intact in the bundle" "s3cret" "$(cat "$R/etc/secret")"
like "the masked sysfs directory is not empty on the host" "[a-z]" "$(ls /sys/firmware)"

# A path listed twice, or one that moat's defaults already cover (runc's
# default config lists /proc/kcore, /proc/sys and the like), is masked or made
# read-only once: one mount each in mountinfo.
config '{"root": {"readonly": false}, "mounts": [{"destination": "/proc", "type": "proc"},
	{"destination": "/tmp", "type": "tmpfs"},
	{"destination": "/sys", "type": "sysfs", "options": ["ro"]}],
	"linux": {"maskedPaths": ["/proc/keys", "/proc/timer_list", "/sys/firmware", "/sys/firmware",
	                          "/etc/secret", "/etc/secret", "/proc/acpi"],
	          "readonlyPaths": ["/proc/sys", "/proc/bus", "/data", "/data", "/proc/fs"]}}'
guest 'awk "{ print \$5 }" /proc/self/mountinfo | grep -E "^/(proc/|sys/firmware|etc/secret|data)" |
	sort | uniq -c | awk "\$1 > 1 { print \$2 }"
cat /proc/keys /etc/secret | wc -c; ls -A /sys/firmware | wc -l; echo x >/data/f || echo refused'
mrun "$ID"
is "a path masked or made read-only twice is so once" "0 0 refused" "$(echo $out)"

# Without a proc mount, masks in sysfs, devpts and mqueue are applied all the
# same (each path is checked on its own), and a missing one is skipped.  The
# guest's sysfs is its own: it shows its network devices, not the host's.
config '{"mounts": [{"destination": "/tmp", "type": "tmpfs"},
	{"destination": "/dev", "type": "tmpfs", "options": ["nosuid", "mode=755"]},
	{"destination": "/dev/pts", "type": "devpts"},
	{"destination": "/dev/mqueue", "type": "mqueue"},
	{"destination": "/sys", "type": "sysfs", "options": ["ro"]}],
	"linux": {"maskedPaths": ["/sys/firmware", "/dev/pts/ptmx", "/dev/mqueue", "/sys/nope", "/proc/kcore"],
	          "readonlyPaths": ["/proc/sys"]}}'
guest 'ls -A /proc | wc -l
ls -A /sys/firmware | wc -l
stat -c %t:%T /dev/pts/ptmx
stat -f -c %t /dev/mqueue
ls /sys/class/net'
mrun --network=none "$ID"
is "masks in sysfs, devpts and mqueue without a proc mount" "0 0 0 1:3 1021994 lo" "$rc $(echo $out)"

# An mqueue mount takes new files as the kernel's does: open(O_CREAT) (touch)
# makes a message queue there, owned by the guest, with the guest's umask;
# mq_open() works and its queue shows there; mkdir is EPERM, a name below a
# missing one ENOENT, and creating in /proc stays EACCES.
cat >"$T_TMP/mq.c" <<'C'
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
static const char *res(int r) { return r < 0 ? strerror(errno) : "ok"; }
int main(void)
{
	char buf[8192];
	mqd_t q = mq_open("/moatq", O_CREAT | O_RDWR, 0600, NULL);
	int fd = open("/dev/mqueue/made", O_WRONLY | O_CREAT | O_EXCL, 0666);

	printf("mq_open %s\n", res(q));
	printf("send %s\n", res(mq_send(q, "hi", 2, 0)));
	printf("receive %zd\n", mq_receive(q, buf, sizeof(buf), NULL));
	printf("create %s\n", res(fd));
	printf("again %s\n", res(open("/dev/mqueue/made", O_WRONLY | O_CREAT | O_EXCL, 0666)));
	printf("mkdir %s\n", res(mkdir("/dev/mqueue/d", 0755)));
	printf("below %s\n", res(open("/dev/mqueue/none/x", O_WRONLY | O_CREAT, 0666)));
	printf("proc %s\n", res(open("/proc/none", O_WRONLY | O_CREAT, 0666)));
	printf("mq_unlink %s\n", res(mq_unlink("/moatq")));
	return 0;
}
C
gcc -static -O1 -o "$R/bin/mq" "$T_TMP/mq.c"
config '{"process": {"user": {"uid": 1000, "gid": 1000}}, "mounts": [{"destination": "/proc", "type": "proc"},
	{"destination": "/tmp", "type": "tmpfs"},
	{"destination": "/dev", "type": "tmpfs", "options": ["nosuid", "mode=755"]},
	{"destination": "/dev/mqueue", "type": "mqueue"}]}'
guest 'umask 027; touch /dev/mqueue/q && stat -c "%n %a %u" /dev/mqueue/q && head -c 6 /dev/mqueue/q
echo; mq; echo $(ls /dev/mqueue)'
mrun "$ID"
is "mqueue: touch and open(O_CREAT) make a queue, mq_open() works" "0 /dev/mqueue/q 640 1000
QSIZE:
mq_open ok
send ok
receive 2
create ok
again File exists
mkdir Operation not permitted
below No such file or directory
proc Permission denied
mq_unlink ok
made q" "$rc $out"
rm -f "$R/bin/mq"

# A masked path below a read-only one stays masked, as with runc: below the
# config's read-only /sys, and below /proc/sys, which moat always makes
# read-only itself.
config '{"mounts": [{"destination": "/proc", "type": "proc"}, {"destination": "/tmp", "type": "tmpfs"},
	{"destination": "/sys", "type": "sysfs", "options": ["ro"]}],
	"linux": {"maskedPaths": ["/proc/sys/kernel", "/sys/kernel"], "readonlyPaths": ["/sys"]}}'
guest 'ls -A /proc/sys/kernel | wc -l; ls -A /sys/kernel | wc -l; ls -A /proc/sys/vm | grep -c .'
mrun --network=none "$ID"
like "a masked path below a read-only one is masked" "^0 0 0 [1-9][0-9]*$" "$rc $(echo $out)"

# Masked paths are resolved in the tree moat built: inside a bind mount, and
# behind a symlinked directory (an absolute symlink, resolved inside the
# root), with a writable root and with a read-only one.
mkdir -p "$T_TMP/vol/sub"
echo vol-secret >"$T_TMP/vol/key"
echo sub-secret >"$T_TMP/vol/sub/f"
ln -s /etc "$R/lnk"
for ro in false true; do
	config '{"root": {"readonly": '$ro'}, "mounts": [{"destination": "/proc", "type": "proc"},
		{"destination": "/tmp", "type": "tmpfs"},
		{"destination": "/mnt/vol", "type": "bind", "source": "'"$T_TMP"'/vol", "options": ["rbind", "ro"]}],
		"linux": {"maskedPaths": ["/mnt/vol/key", "/mnt/vol/sub", "/lnk/secret", "/mnt/vol/none"]}}'
	guest 'cat /mnt/vol/key /lnk/secret /etc/secret 2>/dev/null; ls -A /mnt/vol/sub; echo ---
	ls /mnt/vol'
	mrun "$ID"
	is "maskedPaths in a bind mount and behind a symlink (root.readonly $ro)" "---
key
sub" "$out"
done
is "the masked files are intact on the host" "vol-secret sub-secret s3cret" \
	"$(cat "$T_TMP/vol/key" "$T_TMP/vol/sub/f" "$R/etc/secret" | tr '\n' ' ' | sed 's/ $//')"
rm "$R/lnk"

# moat do --hide: a path without glob characters is resolved in the built
# tree too, so it is masked inside a volume; a glob is expanded on the host.
out=$("$MOAT" do -v "$T_TMP/vol:/v" --hide /v/key --hide '/v/s*' -- \
	sh -c 'cat /v/key 2>/dev/null; echo ---; ls /v/sub' 2>&1)
is "moat do --hide: a path in a volume is masked, a glob in it is not expanded" "---
f" "$out"

# The memory limit: the cgroup exists while the guest runs, and a guest that
# goes over it is killed.
config '{"linux": {"resources": {"memory": {"limit": 33554432}, "pids": {"limit": 32}}}}'
guest 'echo ready; sleep 3'
timeout -k 5 60 "$MOAT" run -b "$B" "$ID-mem" >"$T_TMP/stdout" 2>&1 &
pid=$!
mem="" pids=""
for _ in $(seq 50); do
	for f in /sys/fs/cgroup/memory/moat-$ID-mem/memory.limit_in_bytes \
		 /sys/fs/cgroup/moat-$ID-mem/memory.max; do
		[ -r "$f" ] && mem=$(cat "$f")
	done
	for f in /sys/fs/cgroup/pids/moat-$ID-mem/pids.max /sys/fs/cgroup/moat-$ID-mem/pids.max; do
		[ -r "$f" ] && pids=$(cat "$f")
	done
	[ -n "$mem" ] && [ -n "$pids" ] && break
	sleep 0.1
done
wait $pid
is "memory limit set on the sandbox's cgroup" 33554432 "$mem"
is "pids limit set on the sandbox's cgroup" 32 "$pids"
is "the sandbox's cgroups are removed at exit" "" \
	"$(ls -d /sys/fs/cgroup/*/moat-$ID-mem /sys/fs/cgroup/moat-$ID-mem 2>/dev/null)"

# A sandbox ID is in use while a sandbox with limits runs under it: a second
# one is refused rather than sharing its cgroup and so its limits.
config '{"linux": {"resources": {"pids": {"limit": 32}}}}'
guest 'echo ready; sleep 30 & wait'
rm -f "$T_TMP/stdout"
timeout -k 5 60 "$MOAT" run -b "$B" "$ID-busy" >"$T_TMP/stdout" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q ready "$T_TMP/stdout" && break; sleep 0.1; done
guest 'echo second'
mrun "$ID-busy"
fails_with "a second sandbox with the ID of a running one" 125 \
	"^moat: the sandbox ID $ID-busy is in use: its cgroup .*/moat-$ID-busy has processes"
kill -TERM $pid
wait $pid

# An empty cgroup left by a sandbox of the same ID that was killed (here made
# by hand, with a refused fork counted) is made anew: its counters do not
# pass for this sandbox's.
pids_root=/sys/fs/cgroup/pids
[ -d "$pids_root" ] || pids_root=/sys/fs/cgroup
mkdir "$pids_root/moat-$ID-stale"
echo 1 >"$pids_root/moat-$ID-stale/pids.max"
sh -c 'echo $$ >"$1/cgroup.procs"; /bin/true' sh "$pids_root/moat-$ID-stale" 2>/dev/null
config '{"process": {"cwd": "/no-such-dir"}, "linux": {"resources": {"pids": {"limit": 32}}}}'
mrun "$ID-stale"
fails_with "a cgroup left by a killed sandbox of the same ID" 125 \
	"^moat: working directory /no-such-dir: No such file or directory"
check_fails "a cgroup left by a killed sandbox is removed at the end" test -d "$pids_root/moat-$ID-stale"

# sort holds all 4 million lines in memory: far more than 32 MiB.
yes aaaaaaa | head -n 4000000 >"$R/big"
config '{"process": {"args": ["sort", "/big"]},
	 "linux": {"resources": {"memory": {"limit": 33554432}}}}'
mrun "$ID"
rm -f "$R/big"
fails_with "a guest over the memory limit" 137 "^moat: the guest was killed: it reached the --memory limit"
is "a guest over the memory limit: no output" "" "$out"
config '{"linux": {"resources": {"memory": {"limit": 65536}}}}'
mrun "$ID"
fails_with "a memory limit too small to start" 125 \
	"^moat: the sandbox reached its memory limit .65536 bytes. while starting: give it more"
config '{"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 3, "hard": 3}]}}'
mrun "$ID"
# (the ptrace platform refuses below 16, before the guest starts)
fails_with "RLIMIT_NOFILE 3: no fd for the sandbox's own" 125 \
	"^moat: (load the seccomp filter: the command's RLIMIT_NOFILE leaves no fd for the sandbox's own .give it at least 4.|the ptrace platform needs an RLIMIT_NOFILE of at least 16 .*)$"

# --- the network ----------------------------------------------------------------
# The default is the sandbox network, with nothing allowed; --network=none
# leaves loopback alone.  A TCP echo server on the host's loopback is reached
# through the gateway only when a rule names it.
python3 -c '
import socket, sys
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", 0)); t.listen(8)
open(sys.argv[1], "w").write("%d\n" % t.getsockname()[1])
while True:
    c, _ = t.accept(); c.sendall(c.recv(100)[::-1]); c.close()' "$T_TMP/echo.port" &
echo_pid=$!
for _ in $(seq 100); do [ -s "$T_TMP/echo.port" ] && break; sleep 0.05; done
EP=$(cat "$T_TMP/echo.port")
config '{}'
guest 'ip -4 -o addr show eth0 | awk "{print \$4}"; cat /etc/resolv.conf
printf olleh | nc -w 3 10.88.0.1 '"$EP"' && echo || echo refused'
mrun "$ID"
is "the sandbox network by default: eth0, resolv.conf, nothing allowed" "10.88.0.2/24
nameserver 10.88.0.1
refused" "$out"
mrun --allow "127.0.0.1:$EP" "$ID"
is "--allow opens the host's loopback port through the gateway" "10.88.0.2/24
nameserver 10.88.0.1
hello" "$out"
# The trust store variables replace the config's own: one value each, the
# same for every reader of the environment.
config '{"process": {"env": ["PATH=/bin", "SSL_CERT_FILE=/mine", "NODE_EXTRA_CA_CERTS=/x"]}}'
guest 'env | grep -E "^(SSL_CERT_FILE|NODE_EXTRA_CA_CERTS)=" | sort'
mrun "$ID"
is "the sandbox network's trust store variables are set once" \
	"NODE_EXTRA_CA_CERTS=/run/moat/sandbox-ca.pem SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" \
	"$(echo $out)"
guest 'ip -o link | wc -l'
mrun --network=none "$ID"
is "--network=none: loopback only" "1" "$out"
mrun --network=none --allow example.com "$ID"
fails_with "--allow without the sandbox network" 125 "need --network=sandbox"
kill "$echo_pid" 2>/dev/null; wait "$echo_pid" 2>/dev/null
config '{"root": {"readonly": false}}'
guest 'true'
mrun "$ID"
check "a writable root gets the network files as mount points, as runc makes them" \
	test -f "$R/etc/resolv.conf"
rm -rf "$R/etc/resolv.conf" "$R/etc/hosts" "$R/etc/ssl"

# --- bad input ----------------------------------------------------------------

mkdir -p "$T_TMP/empty"
moat run -b "$T_TMP/empty" "$ID" >"$T_TMP/stdout" 2>"$T_TMP/stderr"
rc=$? err=$(cat "$T_TMP/stderr")
fails_with "missing config.json" 125 "^moat: .*/empty/config.json: no such file"

config
head -c 100 "$B/config.json" >"$T_TMP/trunc" && cp "$T_TMP/trunc" "$B/config.json"
mrun "$ID"
fails_with "truncated config.json" 125 "config.json: truncated JSON: the file ends at line [0-9]+"

printf '{"ociVersion": "1.2.0",, }' >"$B/config.json"
mrun "$ID"
fails_with "malformed config.json" 125 "config.json: malformed JSON at line 1, column"

# Valid JSON, but deeper than the parser goes: said so, not "malformed".
python3 -c 'print("{\"a\": " * 1200 + "1" + "}" * 1200)' >"$B/config.json"
mrun "$ID"
fails_with "config.json nested too deep" 125 \
	"config.json: objects and arrays nested more than 1000 deep at line 1, column 6001"

config '{"ociVersion": "1.+2.0"}'
mrun "$ID"
fails_with "an ociVersion that is not three plain numbers" 125 'ociVersion "1.\+2.0": not a version'

config '{"root": {"path": "no-such-rootfs"}}'
mrun "$ID"
fails_with "missing rootfs" 125 'root.path "no-such-rootfs": .*No such file or directory'

config '{"mounts": [{"destination": "/proc", "type": "proc"}, {"destination": "/tmp", "type": "tmpfs"},
	{"destination": "/dev", "type": "tmpfs"}, {"destination": "/x", "type": "nfs", "source": "h:/x"}]}'
mrun "$ID"
fails_with "unknown mount type" 125 'mounts\[3\]\.type "nfs": not supported'

# A bind mount's source and mount point must be of one kind, as with runc;
# the message names the host's path.
echo file >"$T_TMP/afile"
config '{"mounts": [{"destination": "/proc", "type": "proc"},
	{"destination": "/etc", "type": "bind", "source": "'"$T_TMP"'/afile", "options": ["rbind"]}]}'
mrun "$ID"
fails_with "a file bound on a directory" 125 "^moat: mount point /etc: $T_TMP/afile is not a directory, and /etc is one$"
config '{"mounts": [{"destination": "/proc", "type": "proc"},
	{"destination": "/etc/secret", "type": "bind", "source": "'"$T_TMP"'", "options": ["rbind"]}]}'
mrun "$ID"
fails_with "a directory bound on a file" 125 "^moat: mount point /etc/secret: $T_TMP is a directory, and /etc/secret is not$"

config '{"linux": {"namespaces": [{"type": "pid"}, {"type": ["mount"]}]}}'
mrun "$ID"
fails_with "a namespace type of the wrong JSON type" 125 \
	'linux.namespaces\[1\]\.type: expected a string, found an array'

# init's set-up fails (a read-only path it cannot bind: a symlink in sysfs)
# while the sentry takes the command's listener; as pid 1 it takes the
# command with it.  The message is init's, every time, not the sentry's
# failed look at the vanished command ("open the guest's root: No such file
# or directory").  The race is narrow: it is run many times.
config '{"mounts": [{"destination": "/proc", "type": "proc"}, {"destination": "/sys", "type": "sysfs"}],
	"linux": {"readonlyPaths": ["/sys/class/net/lo"]}}'
guest 'true'
msgs=$(for _ in $(seq 40); do moat run -b "$B" "$ID" 2>&1; echo "rc=$?"; done | sort | uniq -c | awk '{$1=""; print}')
is "a set-up failure in init is reported as init's, whatever the sentry was doing" \
	" moat: make /sys/class/net/lo read-only: Invalid argument
 rc=125" "$msgs"

config '{"process": {"consoleSize": {"height": 70000}}}'
mrun "$ID"
fails_with "a console size out of range" 125 "process.consoleSize.height: must be at most 65535"

config '{"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO"}}}'
mrun "$ID"
fails_with "a seccomp profile" 125 "linux.seccomp: moat cannot load a seccomp profile"

config
mrun --frobnicate "$ID"
fails_with "unknown flag" 125 "^moat run: unknown option '--frobnicate'"

mrun --detach "$ID"
fails_with "--detach" 125 "^moat run: --detach is not supported yet"
mrun --console-socket "$T_TMP/console.sock" "$ID"
fails_with "--console-socket" 125 \
	"^moat run: --console-socket is not supported yet: moat run relays process.terminal's terminal to its own standard streams; drop it"

mrun --pid-file "$T_TMP/no-such-dir/pid" "$ID"
fails_with "--pid-file in a missing directory" 125 \
	"^moat run: --pid-file .*/no-such-dir/pid: No such file or directory"
mrun --pid-file "$T_TMP" "$ID"
fails_with "--pid-file naming a directory" 125 "^moat run: --pid-file .*: is a directory"

mrun "bad/id"
fails_with "invalid container ID" 125 "^moat run: 'bad/id' is not a valid container ID"

mrun
fails_with "no container ID" 125 "^moat run: no container ID given"

config '{"process": {"args": ["no-such-command"]}}'
mrun "$ID"
fails_with "command not found" 127 "no-such-command: command not found"

config '{"process": {"args": ["/bin/notexec"]}}'
mrun "$ID"
fails_with "not executable" 126 "/bin/notexec: cannot execute"

# A script without #!: as runc, not run (moat do runs it with /bin/sh).
printf 'echo never\n' >"$R/bin/plain" && chmod 755 "$R/bin/plain"
config '{"process": {"args": ["/bin/plain"]}}'
mrun "$ID"
fails_with "a script without #! line" 126 "/bin/plain: cannot execute: Exec format error"
rm -f "$R/bin/plain"

# A file that is there but whose #! interpreter is not: 127, as a shell says,
# with a message that names the missing interpreter rather than the command.
for cmd in /bin/badinterp badinterp; do
	config '{"process": {"args": ["'$cmd'"]}}'
	mrun "$ID"
	fails_with "a script whose interpreter is missing ($cmd)" 127 \
		"^moat: /bin/badinterp: cannot execute: its interpreter .* is not in the sandbox"
done

moat run --help >"$T_TMP/stdout" 2>&1
rc=$?
is "--help exits 0" 0 "$rc"
like "--help describes --bundle" "-b, --bundle DIR" "$(cat "$T_TMP/stdout")"
like "--help describes --pid-file" "--pid-file FILE" "$(cat "$T_TMP/stdout")"

finish
