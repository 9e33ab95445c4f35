#!/bin/bash
# `moat do` run by an ordinary user (nobody): user namespaces only, no cgroups.
. tests/lib.sh

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
mark=moat-rootless-$$
share=$(mktemp -d /tmp/moat-rootless.XXXXXX)
chmod 777 "$share"
trap 'rm -rf "$share" "$T_TMP" ${mine:+"$mine"}' EXIT

out=$(as_nobody "$MOAT" do -- sh -c 'id -u; echo inside > /tmp/f && cat /tmp/f' 2>&1)
is "runs as root of its own namespace; /tmp is writable" "0
inside" "$out"
out=$(as_nobody "$MOAT" do -- sh -c "echo x > /etc/$mark; cat /etc/$mark; cat /etc/shadow" 2>&1)
like "writes land in the overlay" "^x" "$out"
like "secrets stay hidden" "/etc/shadow: No such file" "$out"
check "the host's /etc is untouched" test ! -e "/etc/$mark"
out=$(as_nobody "$MOAT" do -v "$share:/out" -- sh -c 'echo result > /out/r' 2>&1)
is "a volume it may write" "result" "$(cat "$share/r" 2>&1)"
echo shown >"$share/shown"
out=$(as_nobody "$MOAT" do -v "$share:/root/.cache/v:ro" --hide /usr/share/doc -v "$share:/usr/share/doc/sub" \
	-- sh -c 'cat /root/.cache/v/shown /usr/share/doc/sub/shown; ls -A /root /usr/share/doc' 2>&1)
is "volumes inside hidden directories show, the rest stays hidden" "shown
shown
/root:
.cache

/usr/share/doc:
sub" "$out"
# Owners as the guest's namespace shows them: its own files are root's (it is
# uid 0 there), the host's root's are the overflow id; stat agrees with fstat.
out=$(as_nobody "$MOAT" do -v "$share:/out" -- python3 -c '
import os
for p in ("/out/r", "/etc/passwd"):
    s, f = os.stat(p), os.open(p, os.O_RDONLY)
    print(s.st_uid, s.st_gid, s.st_uid == os.fstat(f).st_uid and s.st_gid == os.fstat(f).st_gid)' 2>&1)
is "stat shows owners in the guest's namespace, as fstat does" "0 0 True
65534 65534 True" "$out"
# Run by another user the overlay's own data are user.* xattrs, with which
# the kernel keeps no record of a renamed directory: a directory of the
# host's root renames with EXDEV, and mv copies it instead.
# (Right below a top-level directory: a directory between, such as root's
# /var/tmp, would have to be copied up, which this overlay cannot do.)
mine=$(mktemp -d /srv/moat-rootless.XXXXXX)
mkdir "$mine/d" && echo kept >"$mine/d/f" && chown -R 65534:65534 "$mine"
out=$(as_nobody "$MOAT" do -- python3 -c '
import errno, os, subprocess, sys
d = sys.argv[1]
try:
    os.rename(d + "/d", d + "/e")
except OSError as e:
    print(errno.errorcode[e.errno])
print(subprocess.run(["mv", d + "/d", d + "/e"]).returncode,
      open(d + "/e/f").read().strip(), os.path.exists(d + "/d"))' "$mine" 2>&1)
is "rename of a host directory: EXDEV; mv copies it" "EXDEV
0 kept False" "$out"
check "...and the host's directory is untouched" test -f "$mine/d/f" -a ! -e "$mine/e"
rm -rf "$mine"
# --user run by a user: the name the one id mapped has inside; on the host,
# what it makes is still the runner's.
out=$(as_nobody "$MOAT" do --user 4242:4343 -v "$share:/out" -- sh -c '
	id -u; id -g; echo x >/out/by-user && stat -c %u:%g /out/by-user' 2>&1)
is "--user run by a user: its ids inside" "4242
4343
4242:4343" "$out"
is "...and the runner's on the host" "65534:65534" "$(stat -c %u:%g "$share/by-user")"
as_nobody "$MOAT" do -- sh -c 'exit 5'
is "exit status" "5" "$?"
# Without a cgroup, --cpu-seconds is each process's own: two loops of a
# second each end, and the guest goes on.
out=$(as_nobody "$MOAT" do --cpu-seconds 1 -- sh -c '(while :; do :; done) & (while :; do :; done) & wait; echo went on' 2>&1)
is "--cpu-seconds run by a user: per process" "went on" "$out"
as_nobody "$MOAT" do --memory 64M -- true >"$T_TMP/err" 2>&1
is "--memory without a delegated cgroup: 125" "125" "$?"
like "--memory without a delegated cgroup: says why" "needs root, or a delegated" "$(cat "$T_TMP/err")"

# The sandbox network needs /dev/net/tun open to the user: where it is, the
# guest gets eth0; where it is not (0600 on some systems), a clear 125.
if as_nobody test -r /dev/net/tun -a -w /dev/net/tun; then
	out=$(as_nobody "$MOAT" do --network=sandbox -- sh -c \
		'ip -4 -o addr show eth0 | awk "{print \$4}"; test -s /run/moat/sandbox-ca.pem && echo ca' 2>&1)
	is "--network=sandbox run by a user: eth0 and the sandbox CA" "10.88.0.2/24
ca" "$out"
else
	as_nobody "$MOAT" do --network=sandbox -- true >"$T_TMP/err" 2>&1
	is "--network=sandbox without access to /dev/net/tun: 125" "125" "$?"
	like "--network=sandbox without access to /dev/net/tun: says why" \
		"needs the device open to that user" "$(cat "$T_TMP/err")"
fi

# ping on loopback: the user namespace maps one group, and the ping range
# the kernel takes is that one.
out=$(as_nobody "$MOAT" do -- sh -c 'ping -c 1 -W 5 127.0.0.1 >/dev/null && echo pong' 2>&1)
is "ping 127.0.0.1" "pong" "$out"

finish
