#!/bin/bash
# `moat do` run by an ordinary user (nobody): user namespaces only, no cgroups.
. tests/lib.sh

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
mark=moat-rootless-$$
share=$(mktemp -d /tmp/moat-rootless.XXXXXX)
chmod 777 "$share"
trap 'rm -rf "$share" "$T_TMP"' EXIT

out=$(as_nobody "$MOAT" do -- sh -c 'id -u; echo inside > /tmp/f && cat /tmp/f' 2>&1)
is "runs as root of its own namespace; /tmp is writable" "0
inside" "$out"
out=$(as_nobody "$MOAT" do -- sh -c "echo x > /etc/$mark; cat /etc/$mark; cat /etc/shadow" 2>&1)
like "writes land in the overlay" "^x" "$out"
like "secrets stay hidden" "/etc/shadow: No such file" "$out"
check "the host's /etc is untouched" test ! -e "/etc/$mark"
out=$(as_nobody "$MOAT" do -v "$share:/out" -- sh -c 'echo result > /out/r' 2>&1)
is "a volume it may write" "result" "$(cat "$share/r" 2>&1)"
as_nobody "$MOAT" do -- sh -c 'exit 5'
is "exit status" "5" "$?"
as_nobody "$MOAT" do --memory 64M -- true >"$T_TMP/err" 2>&1
is "--memory without a delegated cgroup: 125" "125" "$?"
like "--memory without a delegated cgroup: says why" "needs root, or a delegated" "$(cat "$T_TMP/err")"

finish
