#!/bin/bash
# tests/escape/ptrace.sh - attacks on what the ptrace platform adds
# (sentry/ptrace.c): the injection socket every guest process holds, the
# tracer process, and the tracee states a guest can drive it through (exec
# from a thread, group stops, signals).  The platform-independent attacks run
# on this platform too: tests/integration/platform_ptrace.sh.
. tests/lib.sh

ATTACK=${BUILD:-build}/tests/escape/attack
[ -x "$ATTACK" ] || { echo "not ok 1 - $ATTACK is not built"; echo "1..1"; exit 1; }
cp "$ATTACK" "$T_TMP/attack"
pt() { "$MOAT" do --platform=ptrace -v "$T_TMP/attack:/attack:ro" "$@"; }

# The injection socket: just below RLIMIT_NOFILE, at most fd 1023.
n=$(ulimit -n)
h=$(( (n > 1024 ? 1024 : n) - 1 ))
out=$(pt -- /attack hidden "$h" 2>"$T_TMP/err")
expect "injection socket" "close kept" "dup2 EBADF" "dup3 EBADF" "send EPIPE" "recv EAGAIN" \
	"close_range ok" "close_range-registers kept" "close_range-spared ok" \
	"close_range-closed ok" "race ok" "fds 0 1 2 $h" <<<"$out"
like "a thread that takes fds meant for another gets some" \
	'race: [0-9]+ opened, [0-9]+ failed, [1-9][0-9]* taken' "$(cat "$T_TMP/err")"

# A child the tracer does not trace (CLONE_UNTRACED) can serve itself nothing.
out=$(pt -- /attack untraced 2>&1)
expect "CLONE_UNTRACED" "untraced-open ENOSYS" "untraced-stat ENOSYS" "untraced-exec ENOSYS" <<<"$out"

# Seccomp filters the guest installs itself.  One with a listener of its own
# could let served calls run natively: refused with EBUSY, as the kernel does
# on the seccomp platform (one listener per filter stack).  A SECCOMP_RET_TRACE
# of its own gets ENOSYS for a native call, touches no fd in a close_range(),
# and leaves a served call served: the same on both platforms.
for plat in seccomp ptrace; do
	out=$("$MOAT" do --platform=$plat -v "$T_TMP/attack:/attack:ro" -- /attack own-filter 2>&1)
	expect "the guest's own seccomp filters ($plat)" "own-listener EBUSY" \
		"own-trace-native ENOSYS" "own-trace-close_range ENOSYS" "own-trace-fds kept" \
		"own-trace-served ok" <<<"$out"
done
# A limit of the platform (docs/security.md): the guest receives a served fd
# with recvmsg(), which its own filters may refuse; other served calls work.
out=$(pt -- /attack own-filter recvmsg 2>&1)
expect "a guest filter that refuses recvmsg" "own-recvmsg-open EIO" "own-recvmsg-stat ok" <<<"$out"

# A lower RLIMIT_NOFILE moves it; too low a limit is refused before the start.
out=$(ulimit -n 200; "$MOAT" do --platform=ptrace -- sh -c 'ulimit -n; ls /proc/self/fd' 2>&1 |
	tr '\n' ' ')
is "the socket sits just below the guest's RLIMIT_NOFILE" '200 0 1 199 2 3 ' "$out"
out=$(ulimit -n 10; "$MOAT" do --platform=ptrace -- true 2>&1)
rc=$?
is "RLIMIT_NOFILE 10: exit 125" 125 "$rc"
like "RLIMIT_NOFILE 10: says why" "RLIMIT_NOFILE of at least 16" "$out"
out=$("$MOAT" do --platform=ptrace -- sh -c 'ulimit -n 100' 2>&1; echo "rc=$?")
is "a guest may still lower its own limit" "rc=0" "$out"

# Tracee states: exec from a thread other than the leader, a stopped and
# continued child, a signal to a process in a served call, fork storms.
out=$("$MOAT" do --platform=ptrace -- /usr/bin/python3 -c '
import os, threading
def go(): os.execv("/bin/sh", ["sh", "-c", "echo exec-from-thread $(cat /etc/hostname | wc -c)"])
threading.Thread(target=go).start()
threading.Event().wait()' 2>&1)
is "exec from a thread" "exec-from-thread $(wc -c </etc/hostname)" "$out"
out=$("$MOAT" do --platform=ptrace -- sh -c 'sleep 0.3 & p=$!; kill -STOP $p; sleep 0.1;
	s=$(cut -d" " -f3 /proc/$p/stat); kill -CONT $p; wait $p; echo "$s $?"' 2>&1)
like "a stopped child stops, and goes on when continued" '^[Tt] 0$' "$out"
out=$("$MOAT" do --platform=ptrace -- /usr/bin/python3 -c '
import os, signal, time
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    while True: os.stat("/etc/hostname")
time.sleep(0.2); os.kill(pid, signal.SIGTERM); print(os.waitpid(pid, 0)[1] & 0x7f)' 2>&1)
is "a signal reaches a process making served calls" "15" "$out"
out=$("$MOAT" do --platform=ptrace -- sh -c 'for i in $(seq 200); do /bin/true & done; wait; echo done' 2>&1)
is "200 children at once" "done" "$out"

# A thread stopped in a served call that blocks (a FIFO with no writer)
# cannot be interrupted, but --timeout still ends the sandbox.
start=$SECONDS
"$MOAT" do --platform=ptrace --timeout 1 -- sh -c 'mkfifo /tmp/p; cat /tmp/p' 2>/dev/null
rc=$?
is "a guest blocked in a served open: --timeout ends it (124)" 124 "$rc"
check "...at once" test $((SECONDS - start)) -le 5

# The tracer's death takes the guest with it, and nothing is left.
"$MOAT" do --platform=ptrace -- /usr/bin/python3 -c 'import time; time.sleep(600)' "moat-pt-$$" &
moat_pid=$!
tracer=
for i in $(seq 100); do	# moat's own processes have its command line too: the traced one
	for g in $(pgrep -f "moat-pt-$$"); do
		t=$(awk '/^TracerPid:/ {print $2}' "/proc/$g/status" 2>/dev/null)
		[ -n "$t" ] && [ "$t" != 0 ] && tracer=$t
	done
	[ -n "$tracer" ] && break
	sleep 0.05
done
check "the guest is traced" test -n "$tracer"
[ -n "$tracer" ] && kill -9 "$tracer"
wait "$moat_pid"
rc=$?
is "killing the tracer kills the guest: moat exits 137" 137 "$rc"
sleep 0.2
is "no process of the sandbox is left" "" "$(pgrep -f "moat-pt-$$")"

# Bad values.
out=$("$MOAT" do --platform=gvisor -- true 2>&1)
rc=$?
is "--platform=gvisor: exit 125" 125 "$rc"
like "--platform=gvisor: names the choices" "use seccomp or ptrace" "$out"

# The tracer killed from the host: the guest dies with it (PTRACE_O_EXITKILL:
# never a guest left untraced), and the tracer's pid, reaped by the sentry and
# given to a bystander (in a pid namespace of the test's own), is not killed
# when the sandbox ends.
if [ "$(id -u)" = 0 ]; then
	cat >"$T_TMP/tracer-kill.sh" <<'EOS'
mkfifo "$2/in"
"$1" do --platform=ptrace -- sh -c 'read x; exit 6' <"$2/in" &
moat=$!
exec 3>"$2/in"
for i in $(seq 100); do
	guest=$(pgrep -P "$(pgrep -d, -P "$moat")" -x sh | head -1)
	[ -n "$guest" ] && break
	sleep 0.05
done
tracer=$(awk '/^TracerPid:/ {print $2}' "/proc/$guest/status")
echo "tracer found $([ -n "$tracer" ] && [ "$tracer" != 0 ] && echo yes)"
kill -KILL "$tracer"
while [ -e "/proc/$tracer" ]; do sleep 0.05; done
. "$BYSTANDER_LIB"
bystander=$(bystander "$tracer")
echo "bystander has the tracer's pid $([ "$bystander" = "$tracer" ] && echo yes)"
echo go >&3 2>/dev/null
exec 3>&-
wait "$moat"
echo "moat exit $?"
sleep 0.2
kill -0 "$bystander" 2>/dev/null && echo "bystander alive" || echo "bystander ESCAPED killed"
kill "$bystander" 2>/dev/null
EOS
	mkdir -p "$T_TMP/tk"
	out=$(BYSTANDER_LIB=$PWD/tests/escape/bystander.bash unshare --pid --fork --mount-proc bash "$T_TMP/tracer-kill.sh" "$MOAT" "$T_TMP/tk" 2>&1)
	expect "tracer killed" "tracer found yes" "bystander has the tracer's pid yes" \
		"moat exit 137" "bystander alive" <<<"$out"
fi

finish
