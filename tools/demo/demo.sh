#!/bin/bash
# tools/demo/demo.sh MOAT BUILD - `make demo`: compile an untrusted program, run
# it under `moat do` with the host's root read-only and the sandbox network
# (nothing allowed), and show what it could and could not do; then check the
# host for any change it made.
set -u
MOAT=${1:-build/moat}
BUILD=${2:-build}
out=$(mktemp -d /tmp/moat-demo.XXXXXX)
trap 'rm -rf "$out"' EXIT
cc -O1 -o "$out/untrusted" tools/demo/untrusted.c || exit 1
passwd_before=$(md5sum </etc/passwd)
mode_before=$(stat -c %a /usr/bin/passwd 2>/dev/null)

echo "\$ $MOAT do --network=sandbox --volume $out:/out -- /out/untrusted"
"$MOAT" do --network=sandbox --volume "$out:/out" -- /out/untrusted
status=$?
echo
echo "exit status $status.  Meanwhile, on the host:"
[ "$(md5sum </etc/passwd)" = "$passwd_before" ] && echo "  /etc/passwd is unchanged"
[ -x /usr/bin/ls ] && echo "  /usr/bin/ls is still there"
[ "$(stat -c %a /usr/bin/passwd 2>/dev/null)" = "$mode_before" ] &&
	echo "  /usr/bin/passwd keeps its mode"
[ -f "$out/result.txt" ] && echo "  the volume got the result: $(cat "$out/result.txt")"
sleep 0.1
pgrep -f "$out/untrusted" >/dev/null || echo "  no process of the sandbox is left"
