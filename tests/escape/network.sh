#!/bin/bash
# tests/escape/network.sh - invariant 3 (the guest never holds a secret;
# secrets live in outbound's memory alone) and the helpers' confinement,
# attacked from the host: every process of a sandbox with --network=sandbox
# and a --secret from the environment has its memory searched for the value;
# outbound, which must hold it, is the search's own check.  Then a process
# with netstack's powers (uid 0, no capability) tries to read outbound's memory,
# and that of its standby (the process that waits to run it until first use).
. tests/lib.sh

SECRET="made-up-secret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat >"$T_TMP/policy.json" <<'JSON'
{"version": 1, "rules": [{"name": "api", "host": "api.test", "action": "allow",
  "inject": {"Authorization": "Bearer ${API_TOKEN}"}}]}
JSON
# The guest reads its trust store, which starts outbound (on first use).
TOK="$SECRET" "$MOAT" do --network=sandbox --policy "$T_TMP/policy.json" \
	--secret API_TOKEN=env:TOK -- \
	sh -c 'cat /etc/ssl/certs/ca-certificates.crt >/dev/null; exec sleep 30' &
moat_pid=$!
trap 'kill $moat_pid $idle_pid 2>/dev/null; wait $moat_pid $idle_pid 2>/dev/null; rm -rf "$T_TMP"' EXIT
for _ in $(seq 100); do pgrep -P "$moat_pid" -x moat-netstack >/dev/null && pgrep -f -x "sleep 30" >/dev/null && break; sleep 0.05; done
outbound=$(pgrep -P "$moat_pid" -x moat-outbound)
netstack=$(pgrep -P "$moat_pid" -x moat-netstack)
check "outbound and netstack run" test -n "$outbound" -a -n "$netstack"
check "...outbound as moat-outbound, started" \
	sh -c "readlink /proc/$outbound/exe | grep -q '/moat-outbound\$'"

# What each helper holds: no capability, a seccomp filter, no new privileges.
for p in "$outbound" "$netstack"; do
	name=$(cat "/proc/$p/comm")
	is "$name: no capability" "0000000000000000" "$(awk '/^CapEff:/ {print $2}' "/proc/$p/status")"
	is "$name: under seccomp" "2" "$(awk '/^Seccomp:/ {print $2}' "/proc/$p/status")"
	is "$name: no new privileges" "1" "$(awk '/^NoNewPrivs:/ {print $2}' "/proc/$p/status")"
done

# Search the memory and environment of every process of the sandbox.
scan() {	# scan PID: "found", "clean" or "unreadable"
	python3 - "$1" "$SECRET" <<'PY'
import re, sys
pid, secret = sys.argv[1], sys.argv[2].encode()
try:
    if secret in open("/proc/%s/environ" % pid, "rb").read():
        print("found"); sys.exit()
    mem = open("/proc/%s/mem" % pid, "rb", 0)
    maps = open("/proc/%s/maps" % pid).read().splitlines()
except OSError:
    print("unreadable"); sys.exit()
# Read in pieces that overlap by the secret's length, so that one across a
# piece boundary is found too.  Regions of 4 GiB and more are reserved
# address space (AddressSanitizer's shadow in a SAN=1 build), not data.
STEP = 64 << 20
scanned = 0
for line in maps:
    m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
    if not m or "[vvar]" in line or "[vsyscall]" in line:
        continue
    a, b = int(m.group(1), 16), int(m.group(2), 16)
    if b - a >= 4 << 30:
        continue
    for off in range(a, b, STEP):
        try:
            mem.seek(off); chunk = mem.read(min(b, off + STEP + len(secret)) - off)
        except (OSError, OverflowError, ValueError):
            break
        scanned += len(chunk)
        if secret in chunk:
            print("found"); sys.exit()
print("clean" if scanned else "unreadable")
PY
}
is "outbound holds the secret (the search works)" "found" "$(scan "$outbound")"
if [ "${BUILD:-build}" = build-san ]; then
	# AddressSanitizer's runtime reads /proc/self/environ into a buffer of
	# its own when moat starts, before main(), where moat cannot wipe it;
	# the forked helpers inherit it.  The search is made in the plain build.
	echo "# SAN=1 build: the search of the sentry, netstack and the guest is left out"
	is "the guest does not" "clean" "$(scan "$(pgrep -f -x "sleep 30" | head -1)")"
else
	is "the sentry does not" "clean" "$(scan "$moat_pid")"
	is "netstack does not" "clean" "$(scan "$netstack")"
	for p in $(pgrep -P "$moat_pid" -x moat) $(pgrep -f -x "sleep 30"); do
		is "$(tr '\0' ' ' <"/proc/$p/cmdline" | cut -c1-40) does not" "clean" "$(scan "$p")"
	done
fi

# netstack's powers: uid 0, no capability.  outbound is not dumpable, so
# such a process cannot open its memory (nor ptrace it).
peek() {	# peek PID: what such a process gets from PID's memory and ptrace
	setpriv --inh-caps=-all --bounding-set=-all -- python3 -c "
import ctypes, sys
try:
    open('/proc/$1/mem', 'rb').read(1)
    print('read')
except OSError as e:
    print(e.strerror)
libc = ctypes.CDLL(None, use_errno=True)
print('ptrace', 'attached' if libc.ptrace(16, $1, 0, 0) == 0 else 'refused')" 2>&1
}
is "a capless process of uid 0 cannot read outbound's memory or ptrace it" "Permission denied
ptrace refused" "$(peek "$outbound")"

# An idle sandbox: outbound's standby holds the secret's variable for it, and
# is as closed to others as outbound.
TOK="$SECRET" "$MOAT" do --network=sandbox --policy "$T_TMP/policy.json" \
	--secret API_TOKEN=env:TOK -- sleep 31 &
idle_pid=$!
for _ in $(seq 100); do pgrep -P "$idle_pid" -x moat-netstack >/dev/null && pgrep -f -x "sleep 31" >/dev/null && break; sleep 0.05; done
standby=$(pgrep -P "$idle_pid" -x moat-outbound)
check "an idle sandbox: outbound's standby waits" test -n "$standby"
check_fails "...not yet moat-outbound" sh -c "readlink /proc/$standby/exe | grep -q '/moat-outbound\$'"
is "...holds the secret (for outbound)" "found" "$(scan "$standby")"
[ "${BUILD:-build}" = build-san ] || is "...no longer the sentry" "clean" "$(scan "$idle_pid")"
is "...a capless process of uid 0 cannot read its memory or ptrace it" "Permission denied
ptrace refused" "$(peek "$standby")"

# netstack and outbound killed from the host: their pids, reaped by the
# sentry and given to bystanders (in a pid namespace of the test's own, where
# the next pid can be chosen), are not killed when the sandbox ends.
if [ "$(id -u)" = 0 ]; then
	cat >"$T_TMP/helpers-kill.sh" <<'EOS'
. "$BYSTANDER_LIB"
mkdir -p "$2"
"$1" do --network=sandbox -v "$2:/sync:ro" -- sh -c \
	'while [ ! -e /sync/go ]; do sleep 0.05; done; exit 6' &
moat=$!
for i in $(seq 100); do
	netstack=$(pgrep -P "$moat" -x moat-netstack)
	outbound=$(pgrep -P "$moat" -x moat-outbound)
	[ -n "$netstack" ] && [ -n "$outbound" ] && break
	sleep 0.05
done
echo "helpers found ${netstack:+yes}${outbound:+ yes}"
bystanders=
for p in $netstack $outbound; do
	kill -KILL "$p"
	while [ -e "/proc/$p" ]; do sleep 0.05; done
	b=$(bystander "$p")
	echo "bystander has the pid $([ "$b" = "$p" ] && echo yes)"
	bystanders="$bystanders $b"
done
touch "$2/go"
wait "$moat"
echo "moat exit $?"
sleep 0.2
for b in $bystanders; do
	kill -0 "$b" 2>/dev/null && echo "bystander alive" || echo "bystander ESCAPED killed"
	kill "$b" 2>/dev/null
done
EOS
	out=$(BYSTANDER_LIB=$PWD/tests/escape/bystander.bash unshare --pid --fork --mount-proc bash "$T_TMP/helpers-kill.sh" "$MOAT" "$T_TMP/hk" 2>&1)
	expect "netstack and outbound killed" "helpers found yes yes" "bystander has the pid yes" \
		"moat exit 6" "bystander alive" <<<"$out"
	is "...both bystanders" "2 2" "$(grep -c "bystander has the pid yes" <<<"$out") $(grep -c "bystander alive" <<<"$out")"
fi

# A secret for one host is never sent to another.  The guest connects to an
# address it chose (the host's loopback, which a rule allows by address) and
# names, in its TLS hello and Host, a host whose rule injects the secret;
# the server at the address has a wildcard certificate for that host's
# domain, so verifying the upstream's certificate cannot tell the two apart.
kill $moat_pid $idle_pid 2>/dev/null
wait $moat_pid $idle_pid 2>/dev/null
D=$T_TMP
. tests/upstream.sh
start_upstream "$D" "unused" "DNS:*.corp.test"
cat >"$D/front-policy.json" <<JSON
{"version": 1, "rules": [
  {"name": "api", "host": "api.corp.test", "action": "allow", "inject": {"Authorization": "Bearer \${API_TOKEN}"}},
  {"name": "local", "host": "127.0.0.1", "port": $HP, "method": ["GET"], "action": "allow"}]}
JSON
out=$(TOK="$SECRET" "$MOAT" do --network=sandbox --policy "$D/front-policy.json" --secret API_TOKEN=env:TOK \
	--upstream-ca "$D/upca.pem" -- curl -s -w ' %{http_code}' \
	--connect-to "api.corp.test:$HP:10.88.0.1:$HP" "https://api.corp.test:$HP/echo?fronted=1" 2>&1)
like "a host named in the TLS hello on a connection to another address: 403" \
	"credentials go only to the addresses a DNS answer gives for api.corp.test.* 403 ?$" "$(tr '\n' ' ' <<<"$out")"
check_fails "...the secret never reached the server at that address" grep -q "$SECRET" "$D/up.log"
check_fails "...nor did the request" grep -q "fronted=1" "$D/up.log"

finish
