#!/bin/bash
# Real programs inside `moat do`: busybox, shell pipelines, python3, gcc,
# git, tar, and a multi-threaded guest.
. tests/lib.sh

out=$("$MOAT" do -- /bin/busybox echo hello from busybox 2>&1)
is "busybox runs" "hello from busybox" "$out"

out=$("$MOAT" do -- sh -c 'seq 1 1000 | grep 7 | sort -rn | head -2 | tr "\n" " "' 2>&1)
is "sh -c pipeline" "997 987 " "$out"

out=$("$MOAT" do -- /usr/bin/python3 -c '
import os, subprocess, threading, json
os.makedirs("/tmp/d/e")
open("/tmp/d/e/f.txt", "w").write("data")
names = sorted(os.listdir("/tmp/d/e"))
sub = subprocess.run(["cat", "/tmp/d/e/f.txt"], capture_output=True, text=True).stdout
box = []
ts = [threading.Thread(target=lambda i=i: box.append(os.stat("/tmp/d/e/f.txt").st_size)) for i in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
print(json.dumps([names, sub, sum(box)]))' 2>&1)
is "python3: files, listdir, subprocess, threads" '[["f.txt"], "data", 32]' "$out"

cat >"$T_TMP/hello.c" <<'C'
#include <stdio.h>
int main(void) { printf("compiled %d\n", 6 * 7); return 0; }
C
out=$("$MOAT" do -v "$T_TMP/hello.c:/src/hello.c:ro" -w /tmp -- sh -c 'gcc -O1 /src/hello.c -o hello && ./hello' 2>&1)
is "gcc compiles and runs a binary written inside" "compiled 42" "$out"

out=$("$MOAT" do -w /tmp -- sh -c '
	git init -q repo && cd repo &&
	git config user.email t@example.com && git config user.name t &&
	echo one > a && git add a && git commit -qm one &&
	echo two >> a && git commit -qam two && git log --oneline | wc -l' 2>&1)
is "git init, add, commit" "2" "$out"

# A hard link to a file of the host's root names the same file, with the
# device and inode number it had before: git's local clone checks that.
repo=$(mktemp -d /var/tmp/moat-repo.XXXXXX)
git -C "$repo" init -q && echo one >"$repo/a" && git -C "$repo" add a &&
	git -C "$repo" -c user.email=t@example.com -c user.name=t commit -qm one
out=$("$MOAT" do -w /tmp -- sh -c "git clone -q $repo c && cat c/a &&
	before=\$(stat -c %d:%i $repo/a) && ln $repo/a l &&
	echo \$before \$(stat -c %d:%i $repo/a l) | awk '{ print (\$1 == \$2 && \$2 == \$3) ? \"same\" : \$0 }'" 2>&1)
rm -rf "$repo"
is "git clones a repository of the host's root; a hard link keeps the inode" "one
same" "$out"

# useradd logs to the audit netlink socket, which the sandbox answers as a
# kernel without audit does: the user is made, in the sandbox's /etc only.
out=$("$MOAT" do -- sh -c "useradd moat-user-$$ && getent passwd moat-user-$$ | cut -d: -f1" 2>&1)
is "useradd makes a user" "moat-user-$$" "$out"
check_fails "...not on the host" grep -q "^moat-user-$$:" /etc/passwd

out=$("$MOAT" do -w /tmp -- sh -c '
	mkdir -p t/x/y && echo 1 > t/x/y/f && ln -s x/y/f t/link &&
	tar cf t.tar t && mkdir u && tar xf t.tar -C u --no-same-owner &&
	echo $(cat u/t/link) $(tar tf t.tar | sort)' 2>&1)
is "tar a tree and back" "1 t/ t/link t/x/ t/x/y/ t/x/y/f" "$out"

# A threaded guest whose threads make served calls at once.
cat >"$T_TMP/threads.c" <<'C'
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
static int bad;
static void *work(void *arg) {
	long id = (long)arg;
	char path[64];
	for (int i = 0; i < 300; i++) {
		struct stat st;
		snprintf(path, sizeof(path), "/tmp/t%ld-%d", id, i);
		int fd = open(path, O_CREAT | O_WRONLY, 0600);
		if (fd < 0 || write(fd, path, (size_t)id + 1) != id + 1) bad++;
		close(fd);
		if (stat(path, &st) < 0 || st.st_size != id + 1) bad++;
		if (stat("/etc/passwd", &st) < 0) bad++;
		if (unlink(path) < 0) bad++;
	}
	return NULL;
}
int main(void) {
	pthread_t t[8];
	for (long i = 0; i < 8; i++) pthread_create(&t[i], NULL, work, (void *)i);
	for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
	printf("errors %d\n", bad);
	return bad != 0;
}
C
gcc -O1 -pthread -o "$T_TMP/threads" "$T_TMP/threads.c"
out=$("$MOAT" do -v "$T_TMP/threads:/threads:ro" -- /threads 2>&1)
is "8 threads x 300 served open/stat/unlink at once" "errors 0" "$out"

# The guest's host name resolves, as the host's does, from an /etc/hosts that
# stays writable (Java's getLocalHost(), getfqdn() and test set-ups need both).
out=$("$MOAT" do --hostname box -- /usr/bin/python3 -c '
import socket
print(socket.gethostbyname(socket.gethostname()))
open("/etc/hosts", "a").write("10.1.2.3 other\n"); print(socket.gethostbyname("other"))' 2>&1)
is "the host name resolves; /etc/hosts stays writable" "127.0.1.1
10.1.2.3" "$out"
# A host name /etc/hosts cannot hold as one name adds no line or alias there.
out=$("$MOAT" do --hostname 'a b
10.9.9.9 evil' -- sh -c 'grep -c evil /etc/hosts' 2>&1)
is "a host name with a blank or newline is not written to /etc/hosts" "0" "$out"
out=$("$MOAT" do --network=sandbox --hostname 'a b
10.9.9.9 evil' -- sh -c 'grep -c evil /etc/hosts' 2>&1)
is "...nor to the sandbox network's /etc/hosts" "0" "$out"

# One uid and one gid are mapped, and setgroups is denied: the kernel's
# answers, as security.md lists them.
out=$("$MOAT" do -w /tmp -- /usr/bin/python3 -c '
import errno, os
def e(f, *a):
    try:
        f(*a); return "ok"
    except OSError as x:
        return errno.errorcode[x.errno]
open("f", "w").close()
print(e(os.setuid, 65534), e(os.setgid, 65534), e(os.chown, "f", 1, 1), e(os.setgroups, [0]),
      e(os.setxattr, "f", "trusted.x", b"1"), e(os.setxattr, "f", "user.x", b"1"), e(os.setuid, 0))' 2>&1)
is "other ids: EINVAL; setgroups and trusted.* xattrs: EPERM" "EINVAL EINVAL EINVAL EPERM EPERM ok ok" "$out"

# ping on loopback without the sandbox network: ICMP datagram sockets are open
# to the guest there too (raw ones are denied).
out=$("$MOAT" do -- sh -c 'ping -c 1 -W 5 127.0.0.1 >/dev/null && echo pong' 2>&1)
is "ping 127.0.0.1 with --network=none" "pong" "$out"
out=$("$MOAT" do -- /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
s.sendto(b"\x08\0\xf7\xff\0\0\0\0", ("127.0.0.1", 0))
print(s.recv(64)[0])' 2>&1)
is "an ICMP datagram socket echoes on loopback" "0" "$out"

# The sandbox's own /tmp, /run, /dev and /dev/shm stand where a system mounts
# file systems: like a mount point (or a volume), they cannot be removed or
# renamed.  mv of /tmp to a volume copies it, then fails to remove it.
mkdir "$T_TMP/vol"
out=$("$MOAT" do -v "$T_TMP/vol:/vol" -- sh -c '
	echo x >/tmp/f
	mv /tmp /vol/t 2>/dev/null; echo "mv $? $(cat /tmp/f 2>&1)"
	for d in /tmp /run /dev /dev/shm; do rmdir $d 2>&1; mv $d /moved 2>&1; done
	cd /dev && rmdir shm/ 2>&1
	mkdir /empty; mv -T /empty /run 2>&1
	ls -d /tmp /run /dev /dev/shm /dev/null | tr "\n" " "' 2>&1)
is "/tmp, /run, /dev and /dev/shm are not removed or renamed (EBUSY)" "mv 1 x
rmdir: failed to remove '/tmp': Device or resource busy
mv: cannot move '/tmp' to '/moved': Device or resource busy
rmdir: failed to remove '/run': Device or resource busy
mv: cannot move '/run' to '/moved': Device or resource busy
rmdir: failed to remove '/dev': Device or resource busy
mv: cannot move '/dev' to '/moved': Device or resource busy
rmdir: failed to remove '/dev/shm': Device or resource busy
mv: cannot move '/dev/shm' to '/moved': Device or resource busy
rmdir: failed to remove 'shm/': Device or resource busy
mv: cannot move '/empty' to '/run': Device or resource busy
/dev /dev/null /dev/shm /run /tmp " "$out"

# /var/lock leads to /run/lock, which the fresh /run keeps (mode 1777): lock
# files of scripts (flock /var/lock/...), and a volume below it.
out=$("$MOAT" do -v "$T_TMP/vol:/var/lock/app" -- sh -c '
	flock /var/lock/job.lock -c "echo locked"; stat -c %a /run/lock; ls -d /var/lock/app' 2>&1)
is "/var/lock holds lock files and volumes" "locked
1777
/var/lock/app" "$out"

finish
