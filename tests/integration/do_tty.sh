#!/bin/bash
# The guest's terminal of its own (sentry/tty.h): `moat do` on a terminal, or
# with --tty, gives the guest a pseudo-terminal of its devpts, relayed to moat's
# stdin and stdout.  Driven as a user at a keyboard would, through a terminal
# made by tests/integration/pty_drive.py.
. tests/lib.sh

drive() { python3 tests/integration/pty_drive.py "$@"; }

out=$(drive --rows 30 --cols 100 -- "$MOAT" do -- sh -c 'tty; stty size')
is "on a terminal, the guest has one of its own, of moat's size" \
	"$(printf '/dev/pts/0\n30 100\n\nstatus 0')" "$out"

out=$(drive -- "$MOAT" do --no-tty -- sh -c 'tty; exit 4')
is "--no-tty: the guest gets moat's streams, and no terminal of its own" \
	"$(printf 'not a tty\n\nstatus 4')" "$out"

# A shell with job control: Ctrl-C stops the foreground job, not the shell;
# Ctrl-Z stops one, which the shell lists.  (Each job says when it runs: a
# key typed before the shell has made it the foreground would go to the shell,
# and a line typed before its prompt may be lost as it sets the terminal up.)
out=$(drive expect:'P> ' send:'sh -c "echo one; exec sleep 100"\n' expect:'one\r\n' send:'\x03' \
	expect:'(?s)one.*P> ' send:'echo after=$?\n' expect:'after=[0-9]+' \
	send:'sh -c "echo two; exec sleep 50"\n' expect:'two\r\n' send:'\x1a' expect:'(?s)Stopped.*P> ' \
	send:'kill -9 %1; disown -a; exit 3\n' -- "$MOAT" do -e 'PS1=P> ' -- bash --norc --noprofile -i)
like "bash on it has job control" '^status 3$' "$(tail -1 <<<"$out")"
like "Ctrl-C reaches the guest's foreground job as SIGINT" 'after=130' "$out"
like "Ctrl-Z stops the guest's foreground job" 'Stopped +sh -c "echo two' "$out"
check_fails "bash does not say it has no job control" grep -q "no job control" <<<"$out"

# /dev/tty is the guest's terminal, for the processes whose controlling
# terminal it is (as less reads keys when its stdin is a pipe).
out=$(drive expect:'ask: ' send:'yes\n' expect:'got=' -- "$MOAT" do -- sh -c \
	'printf "ask: " >/dev/tty; read -r a </dev/tty; echo "got=$a"
	setsid sh -c ": </dev/tty" 2>&1 | sed "s/.*: //"')
is "/dev/tty is the guest's terminal; a process of another session has none" \
	"$(printf 'ask: yes\ngot=yes\nNo such device or address\n\nstatus 0')" "$out"

# A guest that closes its terminal and opens it again: its output still comes
# (the relay had ended when no fd of the terminal was left, and the output
# stuck once the terminal's buffer was full).  The sleep only gives the old
# relay the time to see its end.
out=$(drive -- "$MOAT" do -- sh -c 'exec </dev/null >/dev/null 2>&1; sleep 1
	exec >/dev/pts/0; seq 1 30000')
is "a guest that opens its terminal again is still relayed" "$(seq 1 30000 | cksum)" \
	"$(grep -E '^[0-9]+$' <<<"$out" | cksum)"
like "... to its end" '^status 0$' "$(tail -1 <<<"$out")"

out=$(drive --rows 24 --cols 80 expect:'^24 80' resize:50,132 expect:'50 132' -- \
	"$MOAT" do -- sh -c "trap 'stty size; exit 0' WINCH; stty size; while :; do sleep 0.1; done")
is "a change of moat's window size reaches the guest (SIGWINCH)" \
	"$(printf '24 80\n50 132\n\nstatus 0')" "$out"

# moat's terminal is in raw mode while the guest runs, and as it was after,
# however the guest left its own (and when moat stops it at --timeout).
out=$(drive -- sh -c "stty -g; \"$MOAT\" do -- sh -c 'stty raw -echo; exit 2'; echo rc=\$?; stty -g")
is "moat's terminal settings come back after the guest" "$(sed -n 1p <<<"$out")" \
	"$(sed -n 3p <<<"$out")"
like "... and the guest's exit status with them" '^rc=2$' "$(sed -n 2p <<<"$out")"
out=$(drive -- sh -c "stty -g; \"$MOAT\" do --timeout 1 -- sleep 60; echo rc=\$?; stty -g")
is "... also after a timeout" "$(sed -n 1p <<<"$out")" "$(sed -n 4p <<<"$out")"
like "... which moat reports" '^moat: the sandbox timed out after 1 s' "$(sed -n 2p <<<"$out")"

out=$(drive -- "$MOAT" do -- no-such-command)
like "a command that is not there is reported on a terminal as it was" \
	'^moat: no-such-command: command not found in the sandbox' "$out"
like "... with status 127" '^status 127$' "$(tail -1 <<<"$out")"

# --tty without a terminal: the guest's terminal carries moat's pipes.
n=$("$MOAT" do --tty -- seq 1 100000 | tr -d '\r' | cksum)
is "--tty with a pipe: all the output comes through, in order" "$(seq 1 100000 | cksum)" "$n"
# (The terminal echoes what is typed, whenever it comes: what cat read is
# shown after it has read to the end.)
out=$(printf 'one\ntwo\n' | timeout 20 "$MOAT" do --tty -- sh -c 'cat >/tmp/in; echo "rc=$? $(tty)"; cat /tmp/in' |
	tr -d '\r' | sed -n '/^rc=/,$p')
is "--tty: stdin is typed into the terminal, and its end is the terminal's end of file" \
	"$(printf 'rc=0 /dev/pts/0\none\ntwo')" "$out"
# A stream moat was started without is /dev/null, for moat and the guest:
# the relay read an fd of the sentry's own in its place and never ended.
out=$(timeout -k 5 20 "$MOAT" do --tty -- sh -c 'cat; echo "rc=$?"' <&- | tr -d '\r')
is "--tty with stdin closed: the guest reads its end" "rc=0" "$out"
out=$("$MOAT" do --no-tty -- readlink /proc/self/fd/0 <&-)
is "a closed stdin is /dev/null in the guest" "/dev/null" "$out"
# ... also when the terminal is out of canonical mode, as a line editor puts
# it (readline): stdin ends once the guest says it reads keys one by one.
mkfifo "$T_TMP/keys"
timeout -k 5 20 "$MOAT" do --tty -- python3 -c '
import os, tty
tty.setcbreak(0)
print("ready", flush=True)
data = b""
while not data.endswith(b"\x04"):
    data += os.read(0, 1) or b"\x04?"
print("read", data)' <"$T_TMP/keys" >"$T_TMP/keys.out" &
exec 3>"$T_TMP/keys"
for _ in $(seq 200); do grep -q ready "$T_TMP/keys.out" && break; sleep 0.1; done
printf 'ab' >&3
exec 3>&-
wait $!
is "--tty: stdin's end reaches a reader out of canonical mode" \
	"ready
read b'ab\\x04'" "$(tr -d '\r' <"$T_TMP/keys.out")"
out=$("$MOAT" do --tty -- sh -c 'echo out; echo err >&2' 2>"$T_TMP/err" | tr -d '\r')
is "--tty: a stderr sent apart from stdout stays apart (stdout)" "out" "$out"
is "--tty: ... (stderr)" "err" "$(cat "$T_TMP/err")"

out=$(drive --rows 20 --cols 60 -- "$MOAT" do --platform=ptrace -- sh -c 'tty; stty size')
is "the ptrace platform gives the same terminal" "$(printf '/dev/pts/0\n20 60\n\nstatus 0')" "$out"

# moat run: config.json's process.terminal, with its consoleSize.
B=$T_TMP/bundle
mkdir -p "$B/rootfs/bin"
cp /bin/busybox "$B/rootfs/bin/busybox"
for c in sh tty stty; do ln -s busybox "$B/rootfs/bin/$c"; done
cat >"$B/config.json" <<'EOF'
{"ociVersion": "1.0.2", "root": {"path": "rootfs"},
 "process": {"terminal": true, "consoleSize": {"height": 33, "width": 77},
             "args": ["sh", "-c", "tty; stty size"], "cwd": "/", "env": ["PATH=/bin"]},
 "mounts": [{"destination": "/proc", "type": "proc"},
            {"destination": "/dev/pts", "type": "devpts"}]}
EOF
out=$("$MOAT" run --network=none --bundle "$B" tty-run </dev/null | tr -d '\r')
is "moat run: process.terminal gives the container a terminal of consoleSize" \
	"$(printf '/dev/pts/0\n33 77')" "$out"
python3 - "$B/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["mounts"] = [m for m in c["mounts"] if m["type"] != "devpts"]
json.dump(c, open(sys.argv[1], "w"))
PY
out=$("$MOAT" run --network=none --bundle "$B" tty-run </dev/null 2>&1)
is "moat run: process.terminal without a devpts mount is refused, saying why" \
	"125 moat: give the command a terminal: /dev/pts/ptmx (a devpts mount at /dev/pts is needed): No such file or directory" \
	"$? $out"

finish
