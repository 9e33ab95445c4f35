#!/bin/bash
# `moat do` options and behaviour: the overlay, volumes, hiding, read-only
# paths, environment, limits, exit statuses, signals, and what is left behind.
. tests/lib.sh

mark=moat-test-$$-$RANDOM

# --- the overlay: writes land in the sandbox, never on the host ----------
out=$("$MOAT" do -- sh -c "echo inside > /etc/$mark && cat /etc/$mark && rm /usr/bin/env && ls /usr/bin/env" 2>&1)
like "writes anywhere inside" "^inside" "$out"
like "deleting a host file inside works inside" "No such file" "$out"
check "the host's /etc is untouched" test ! -e "/etc/$mark"
check "the host's /usr/bin/env is still there" test -x /usr/bin/env
out=$("$MOAT" do -- sh -c "cat /etc/$mark" 2>&1)
like "changes vanish with the sandbox" "No such file" "$out"

upper="$T_TMP/upper"
mkdir -p "$upper"
"$MOAT" do --overlay="dir:$upper" -- sh -c "echo kept > /etc/$mark" >/dev/null 2>&1
like "--overlay=dir keeps the upper layer" "/etc/$mark$" "$(find "$upper" -name "$mark")"
out=$("$MOAT" do --overlay="dir:$upper" -- cat "/etc/$mark" 2>&1)
is "a later sandbox on the same directory sees it" "kept" "$out"
"$MOAT" do --overlay="dir:$upper" -- sh -c "touch /etc/$mark-busy; sleep 3" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 100); do [ -n "$(find "$upper" -name "$mark-busy")" ] && break; sleep 0.05; done
"$MOAT" do --overlay="dir:$upper" -- true >"$T_TMP/err" 2>&1
is "...but not while another uses it: 125" "125" "$?"
is "...saying so" "moat: --overlay=dir:$upper: another sandbox is using it (an upper layer serves one at a time)" "$(cat "$T_TMP/err")"
wait $holder
check "the host's /etc is still untouched" test ! -e "/etc/$mark"

# --- volumes -----------------------------------------------------------
vol="$T_TMP/vol"
mkdir -p "$vol"
echo host-data >"$vol/in"
# What a volume goes over must be of its kind; one volume a path.
"$MOAT" do -v "$vol/in:/etc" -- true >"$T_TMP/err" 2>&1
is "a file volume over a directory: 125" "125" "$?"
is "...saying which is which" "moat do: --volume $vol/in:/etc: $vol/in is not a directory, and /etc is one (see: moat do --help)" "$(cat "$T_TMP/err")"
"$MOAT" do -v "$vol:/etc/passwd" -- true >"$T_TMP/err" 2>&1
is "a directory volume over a file: 125" "125" "$?"
"$MOAT" do -v "$vol:/mnt/v" -v "$T_TMP:/mnt/v/" -- true >"$T_TMP/err" 2>&1
is "two volumes at one path: 125" "125" "$?"
is "...saying so" "moat do: --volume $T_TMP:/mnt/v/: /mnt/v has a volume already (see: moat do --help)" "$(cat "$T_TMP/err")"
out=$("$MOAT" do -v "$vol:/data" -- sh -c 'cat /data/in && echo from-guest > /data/out' 2>&1)
is "a volume is readable" "host-data" "$out"
is "a writable volume reaches the host" "from-guest" "$(cat "$vol/out" 2>&1)"
out=$("$MOAT" do -v "$vol:/data:ro" -- sh -c 'echo x > /data/nope' 2>&1)
like "a :ro volume refuses writes" "Read-only file system" "$out"
check "nothing was written through the :ro volume" test ! -e "$vol/nope"
"$MOAT" do -v "/nonexistent-$mark:/data" -- true >"$T_TMP/err" 2>&1
is "a missing volume source: exit 125" "125" "$?"
like "a missing volume source: says which" "nonexistent-$mark: No such file" "$(cat "$T_TMP/err")"

# --- hiding and read-only paths ----------------------------------------
out=$("$MOAT" do -- sh -c 'ls -d /root; cat /etc/shadow; ls /etc/ssh/ | grep -c _key$' 2>&1)
like "/root is absent by default" "ls: cannot access '/root': No such file" "$out"
like "/etc/shadow is absent by default" "cat: /etc/shadow: No such file" "$out"
mkdir -p "$T_TMP/h/sub"
echo secret >"$T_TMP/h/sub/key"
out=$("$MOAT" do -v "$T_TMP/h:/h" --hide /usr/share/doc --hide '/usr/lib/os-rel*' -- sh -c 'ls -d /usr/share/doc /usr/lib/os-release 2>&1; ls /usr/share | grep -c "^doc$"' 2>&1)
like "--hide makes a path absent" "cannot access '/usr/share/doc'" "$out"
like "--hide takes globs" "cannot access '/usr/lib/os-release'" "$out"
like "--hidden names do not show in listings" "^0$" "$(printf '%s' "$out" | tail -1)"
out=$("$MOAT" do --no-default-hide -- sh -c 'test -e /etc/shadow && echo visible' 2>&1)
is "--no-default-hide shows them again" "visible" "$out"
# The default secret stores of every home directory (one made here: the
# machine's may have none), and --hide DIR/*/REST read DIR once for all: a
# name with a leading dot stands for the '*' too, a symlink at REST is hidden.
home=/home/moat-test-$$
mkdir -p "$home/.ssh" "$home/.aws" "$home/.config/rclone" "$home/.config/kept" "$home/work" \
	/srv/moat-star-$$/.dot/deep /srv/moat-star-$$/plain
for f in .ssh/id_ed25519 .aws/credentials .config/rclone/rclone.conf .vault-token .pgpass \
	.bash_history .config/kept/f work/f; do
	echo secret >"$home/$f"
done
touch /srv/moat-star-$$/.dot/deep/x /srv/moat-star-$$/plain/y
ln -s /etc/hostname /srv/moat-star-$$/plain/link
out=$("$MOAT" do --hide "/srv/moat-star-$$/*/deep" --hide "/srv/moat-star-$$/*/link" -- sh -c "
	cd $home && ls -A . .config | tr '\n' ' '
	ls -A /srv/moat-star-$$/.dot /srv/moat-star-$$/plain | tr '\n' ' '" 2>&1)
rm -rf "$home" /srv/moat-star-$$
is "the default secret stores of a home directory are absent, the rest is there" \
	".: .config work  .config: kept /srv/moat-star-$$/.dot:  /srv/moat-star-$$/plain: y " "$out"
# A volume asked for inside a hidden directory shows there, and nothing else
# of the directory does; one at a hidden path itself is what is there.
mkdir -p "$T_TMP/vin"
echo in-volume >"$T_TMP/vin/f"
out=$("$MOAT" do -v "$T_TMP/vin:/root/.cache/v:ro" -v "$T_TMP/vin/f:/etc/shadow" \
	--hide /usr/share/doc -v "$T_TMP/vin:/usr/share/doc/sub" -- sh -c '
cat /root/.cache/v/f /etc/shadow /usr/share/doc/sub/f; ls -A /root /root/.cache /usr/share/doc
touch /root/x /usr/share/doc/x 2>&1 | sed "s/.*: //"; echo w >/usr/share/doc/sub/w && cat /usr/share/doc/sub/w' 2>&1)
is "a volume inside a hidden directory shows; the rest stays hidden" "in-volume
in-volume
in-volume
/root:
.cache

/root/.cache:
v

/usr/share/doc:
sub
Read-only file system
Read-only file system
w" "$out"
is "...and the writable volume was written" "w" "$(cat "$T_TMP/vin/w")"
"$MOAT" do --hide /data -v "$T_TMP/vin:/data" -- true >"$T_TMP/err" 2>&1
is "--hide of a volume's own path: 125" "125" "$?"
is "...saying why" "moat do: --hide /data: a --volume is mounted there; hide what is inside it instead (see: moat do --help)" "$(cat "$T_TMP/err")"
out=$("$MOAT" do --ro /etc -- sh -c 'echo x > /etc/x; mkdir /etc/d; echo y > /tmp/y && cat /tmp/y' 2>&1)
like "--ro refuses writes below it" "Read-only file system" "$out"
like "--ro leaves the rest writable" "^y$" "$(printf '%s' "$out" | tail -1)"
out=$("$MOAT" do --ro / -- sh -c 'echo x > /etc/x; head -c 5 /etc/passwd' 2>&1)
is "--ro /: the whole tree refuses writes, and reads" "sh: 1: cannot create /etc/x: Read-only file system
root:" "$out"
out=$("$MOAT" do --hide /etc//passwd/ -- sh -c 'test -e /etc/passwd || echo gone' 2>&1)
is "--hide of a path with extra slashes: the same path" "gone" "$out"
"$MOAT" do --hostname "$(printf 'h%.0s' $(seq 65))" -- true >"$T_TMP/err" 2>&1
is "--hostname of 65 characters: 125" "125" "$?"
like "...saying the limit" "^moat do: --hostname: give 1 to 64 characters" "$(cat "$T_TMP/err")"
# An option that takes no value, given one: named, not a stray character.
for bad in "do --help=x" "do --no-default-hide=1 -- true" "do --no-default=1 -- true" \
	"run --detach=1 x" "run --help=x"; do
	read -r verb opt _ <<<"$bad"
	"$MOAT" $bad >"$T_TMP/err" 2>&1
	is "moat $bad: 125" 125 "$?"
	is "...saying it takes no value" \
		"moat $verb: $(sed 's/=.*//; s/--no-default$/--no-default-hide/' <<<"$opt") takes no value (see: moat $verb --help)" \
		"$(cat "$T_TMP/err")"
done
"$MOAT" do --hostname=x -qz -- true >"$T_TMP/err" 2>&1
is "an unknown short option after a long one with =: named" \
	"moat do: unknown option '-q' (see: moat do --help)" "$(cat "$T_TMP/err")"
# A long option shortened: to a prefix of one option, it is that option; of
# several, it is refused with their names.
"$MOAT" do --net=none --no-d -- true >"$T_TMP/err" 2>&1
is "a prefix of one long option is that option" "0 " "$? $(cat "$T_TMP/err")"
"$MOAT" do --no=1 -- true >"$T_TMP/err" 2>&1
is "a prefix of two long options is refused, naming them" \
	"125 moat do: '--no' is short for more than one option: --no-default-hide, --no-tty (see: moat do --help)" \
	"$? $(cat "$T_TMP/err")"
for bad in ":/x" "/tmp:" "/tmp"; do
	"$MOAT" do -v "$bad" -- true >"$T_TMP/err" 2>&1
	is "-v $bad: 125" 125 "$?"
	is "...saying what it takes" "moat do: --volume $bad: expected HOST:GUEST[:ro|:rw] (see: moat do --help)" \
		"$(cat "$T_TMP/err")"
done
# Counts out of range: each refused before anything starts, naming the range.
for bad in "--pids 0" "--pids 4194305" "--pids 18446744073709551615" "--timeout -1" \
	"--timeout 2147483648" "--timeout 9223372036854775808" "--timeout 1s" \
	"--cpu-seconds 18446744073709551615" "--cpu-seconds 99999999999999999999"; do
	read -r opt arg <<<"$bad"
	"$MOAT" do $opt "$arg" -- true >"$T_TMP/err" 2>&1
	is "$bad: 125" 125 "$?"
	like "...naming the range" "^moat do: $opt $arg: give a whole number from 1 to [0-9]+ " \
		"$(cat "$T_TMP/err")"
done
# Paths the options cannot take: each refused before anything starts.
for bad in "--hide /" "--hide /usr/.." "--hide /proc/self" "--hide /dev/null" "--hide /tmp/x" \
	"--ro /sys/kernel" "--ro ./etc" \
	"--volume /tmp:/" "--volume /tmp:/dev/pts" "--volume /tmp:/mnt/./x"; do
	read -r opt arg <<<"$bad"
	"$MOAT" do $opt "$arg" -- true >"$T_TMP/err" 2>&1
	is "$bad: 125" 125 "$?"
	like "...naming it, and why" "^moat do: (--[a-z]+|-v) $arg: (the|a volume|write)" "$(cat "$T_TMP/err")"
done

# --- the verbs' own arguments ------------------------------------------
v=$("$MOAT" version)
like "moat version prints the version" "^moat [0-9]+\.[0-9]+\.[0-9]+$" "$v"
is "...as --version does" "$v" "$("$MOAT" --version)"
"$MOAT" version extra >"$T_TMP/err" 2>&1
is "moat version with an argument: 125" 125 "$?"
like "...saying it takes none" "takes no arguments, not 'extra'" "$(cat "$T_TMP/err")"
like "moat help do: the verb's own help" "^usage: moat do" "$("$MOAT" help do 2>&1)"
"$MOAT" help nosuchverb >"$T_TMP/err" 2>&1
is "moat help of an unknown verb: 125" 125 "$?"
like "...naming it" "unknown verb 'nosuchverb'" "$(cat "$T_TMP/err")"
for verb in do run version help; do
	"$MOAT" help $verb >"$T_TMP/out" 2>"$T_TMP/err"
	is "moat help $verb: exit 0" 0 "$?"
	like "...its usage" "^usage: moat " "$(head -1 "$T_TMP/out")"
	is "...and no error" "" "$(cat "$T_TMP/err")"
done
is "moat version --help: the same help" "$("$MOAT" help version)" "$("$MOAT" version --help)"
# -p is --publish's short form for both verbs, as their help says.
for verb in do run; do
	"$MOAT" $verb -p 80 x >"$T_TMP/out" 2>"$T_TMP/err"
	is "moat $verb -p with a bad value: 125" 125 "$?"
	like "...judged as --publish's" "^moat $verb: -p 80: expected HOSTPORT:GUESTPORT" "$(cat "$T_TMP/err")"
done

# --- environment and working directory ----------------------------------
out=$(MOAT_HOST_ONLY=leak FROMHOST=yes "$MOAT" do -e A=1 -e A=2 -e FROMHOST -w /usr/share -- sh -c 'echo "$A $FROMHOST ${MOAT_HOST_ONLY:-unset} $HOME $(pwd)"' 2>&1)
is "env: set, override, copy; nothing else inherited; cwd" "2 yes unset /tmp /usr/share" "$out"
"$MOAT" do -w /nonexistent-dir -- true >"$T_TMP/err" 2>&1
is "a missing --cwd: exit 125" "125" "$?"
like "a missing --cwd: says so" "working directory /nonexistent-dir" "$(cat "$T_TMP/err")"
# The command is forked before init mounts the guest's own /dev/pts and /proc:
# it must still start inside them, not in the directories they cover.
out=$("$MOAT" do -w /dev/pts -- sh -c 'echo "$(pwd) $(ls)"' 2>&1)
is "a --cwd on one of init's mounts: the mount, not what it covers" "/dev/pts ptmx" "$out"
out=$("$MOAT" do -w /proc/self -- sh -c 'cat comm' 2>&1)
is "a --cwd of /proc/self: the command's own, in the guest's procfs" "sh" "$out"

# --- exit statuses -------------------------------------------------------
"$MOAT" do -- sh -c 'exit 7'
is "the guest's exit status passes through" "7" "$?"
"$MOAT" do -- sh -c 'kill -TERM $$'
is "a guest killed by signal N gives 128+N" "143" "$?"
"$MOAT" do -- "no-such-command-$mark" >"$T_TMP/err" 2>&1
is "command not found: 127" "127" "$?"
like "command not found: one clear line" "no-such-command-$mark: command not found in the sandbox" "$(cat "$T_TMP/err")"
"$MOAT" do -w /tmp -- "./no-such-command-$mark" >"$T_TMP/err" 2>&1
is "a relative path not found: 127" "127" "$?"
is "...saying it was looked for in the working directory inside" \
	"moat: ./no-such-command-$mark: not found in the sandbox's working directory, /tmp (give an absolute path, or the directory with -w or process.cwd)" \
	"$(cat "$T_TMP/err")"
"$MOAT" do -- '' >"$T_TMP/err" 2>&1
is "an empty command name: 127, as a shell says" "127" "$?"
like "...saying the name is empty" "^moat: '' .an empty name.: command not found" "$(cat "$T_TMP/err")"
"$MOAT" do -- /etc/passwd >"$T_TMP/err" 2>&1
is "not executable: 126" "126" "$?"
like "not executable: says so" "/etc/passwd: cannot execute: Permission denied" "$(cat "$T_TMP/err")"
# init reports the command's status and exits at once: its SIGCHLD can reach
# the sentry before the report is read, which once made this 125 in ~1 run of
# 200.  100 runs, each must say 126.
statuses=$(for _ in $(seq 100); do "$MOAT" do -- /etc/passwd 2>/dev/null; echo $?; done | sort | uniq -c | tr -s ' ')
is "not executable, 100 times: always 126" " 100 126" "$statuses"
# A script without a #! line runs with /bin/sh, found in PATH or not, as env
# and execvp() run it.
printf 'echo plain "$@"; exit 3\n' >"$T_TMP/plain-script"
chmod 755 "$T_TMP/plain-script"
out=$("$MOAT" do -v "$T_TMP/plain-script:/usr/local/bin/plain-script:ro" -- sh -c \
	'plain-script a b; echo $?; /usr/local/bin/plain-script c; echo $?' 2>&1)
is "a script without #!: run by /bin/sh (from sh)" "plain a b
3
plain c
3" "$out"
out=$("$MOAT" do -v "$T_TMP/plain-script:/usr/local/bin/plain-script:ro" -- plain-script d 2>&1)
is "...and as the command itself" "3 plain d" "$? $out"
"$MOAT" do --bogus-flag -- true >"$T_TMP/err" 2>&1
is "an unknown flag: 125" "125" "$?"
"$MOAT" do --memory 12Q -- true >"$T_TMP/err" 2>&1
is "a bad size: 125" "125" "$?"
like "a bad size: says what is expected" "such as 512M" "$(cat "$T_TMP/err")"
"$MOAT" do >"$T_TMP/err" 2>&1
is "no command: 125" "125" "$?"
"$MOAT" do --network=host -- true >"$T_TMP/err" 2>&1
is "--network=host is not offered: 125" "125" "$?"
like "--network: says what is available" "use none or sandbox" "$(cat "$T_TMP/err")"
out=$("$MOAT" do --help)
is "--help exits 0" "0" "$?"
like "--help lists the options" "--volume HOST:GUEST" "$out"

# --- limits ---------------------------------------------------------------
"$MOAT" do --memory 64M -- /usr/bin/python3 -c 'x = bytearray(256 << 20)' >"$T_TMP/err" 2>&1
is "--memory: killed past the limit" "137" "$?"
like "--memory: says why" "reached the --memory limit" "$(cat "$T_TMP/err")"
out=$("$MOAT" do --pids 10 -- /usr/bin/python3 -c '
import os, time
made = failed = 0
for i in range(30):
    try:
        if os.fork() == 0:
            time.sleep(2)
            os._exit(0)
        made += 1
    except BlockingIOError:
        failed += 1
print(made < 10, failed > 0)' 2>&1)
is "--pids: forks fail past the limit" "True True" "$out"
# Limits too small for the sandbox to start: said so, not "the guest died".
"$MOAT" do --memory 64K -- true >"$T_TMP/err" 2>&1
is "--memory 64K: 125" "125" "$?"
is "...saying the memory limit stopped the start" \
	"moat: the sandbox reached its memory limit (65536 bytes) while starting: give it more (--memory, linux.resources.memory.limit)" \
	"$(cat "$T_TMP/err")"
"$MOAT" do --pids 1 -- true >"$T_TMP/err" 2>&1
is "--pids 1: 125" "125" "$?"
is "...saying the process limit stopped the start" \
	"moat: the sandbox reached its limit on processes (1) while starting (its init is one of them): give it more (--pids, linux.resources.pids.limit)" \
	"$(cat "$T_TMP/err")"
"$MOAT" do --cpu-seconds 1 -- sh -c 'while :; do :; done'
is "--cpu-seconds: SIGXCPU at the limit" "152" "$?"
# Spread over processes, the CPU seconds add up (a cgroup counts them): the
# sandbox stops once they have used N together, not N each.
"$MOAT" do --cpu-seconds 1 -- sh -c 'for i in 1 2 3; do (while :; do :; done) & done; wait; echo went on' \
	>"$T_TMP/out" 2>"$T_TMP/err"
is "--cpu-seconds: all processes together, 152" "152" "$?"
is "...saying so" "moat: the sandbox used up its 1 s of CPU time (--cpu-seconds, all its processes together) and was stopped" \
	"$(cat "$T_TMP/err")"
is "...and the guest did not go on" "" "$(cat "$T_TMP/out")"
start=$SECONDS
"$MOAT" do --timeout 1 -- sleep 30 >"$T_TMP/err" 2>&1
is "--timeout: exit 124" "124" "$?"
check "--timeout: stops in time" test $((SECONDS - start)) -le 5
out=$("$MOAT" do --disk 8M -- sh -c 'dd if=/dev/zero of=/tmp/big bs=1M count=20 2>&1 | grep -c "No space left"' 2>&1)
is "--disk: the overlay fills up" "1" "$out"

# --- signals ---------------------------------------------------------------
"$MOAT" do -v "$vol:/data" -- sh -c 'trap "echo got-term > /data/sig; exit 3" TERM; echo ready > /data/ready; while :; do sleep 0.1; done' &
pid=$!
for i in $(seq 1 100); do [ -f "$vol/ready" ] && break; sleep 0.05; done
kill -TERM $pid
wait $pid
is "SIGTERM to moat reaches the guest; its status comes back" "3" "$?"
is "the guest's handler ran" "got-term" "$(cat "$vol/sig" 2>&1)"
rm -f "$vol/ready"
"$MOAT" do -v "$vol:/data" -- sh -c 'trap "exit 9" INT; echo ready > /data/ready; while :; do sleep 0.1; done' &
pid=$!
for i in $(seq 1 100); do [ -f "$vol/ready" ] && break; sleep 0.05; done
kill -INT $pid
wait $pid
is "SIGINT (Ctrl-C) reaches the guest" "9" "$?"

# --- orphans and leftovers ----------------------------------------------------
mounts_before=$(wc -l </proc/self/mountinfo)
"$MOAT" do -- sh -c "/usr/bin/python3 -c 'import time; time.sleep(300)' $mark-orphan & sleep 0.2; exit 0"
sleep 0.2
check "the guest's orphans do not outlive it" test -z "$(pgrep -f "$mark-orphan")"
is "no mount is left on the host" "$mounts_before" "$(wc -l </proc/self/mountinfo)"
check "no cgroup is left on the host" test -z "$(ls -d /sys/fs/cgroup/*/moat-* /sys/fs/cgroup/unified/moat-* 2>/dev/null)"

# --- audit log -------------------------------------------------------------
# Calls that succeed after a refusal must not be recorded.
# openat is sent to the sentry for some arguments only (a conditional row):
# served and refused by the rules (--ro), it is "refused", as mkdir is.
"$MOAT" do --audit "$T_TMP/audit.jsonl" --ro /etc -- sh -c 'unshare -r true; mkdir /proc/x; echo x > /etc/ro-test; cat /etc/hostname; ls /' >/dev/null 2>&1
out=$(python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
print(" ".join(sorted("%s:%s:%s" % (r["syscall"], r["decision"], r["errno"]) for r in recs)))' "$T_TMP/audit.jsonl" 2>&1)
is "--audit: one JSON line per denied or refused call" "mkdir:refused:EPERM openat:refused:EROFS unshare:denied:EPERM" "$out"
# A path of bytes that are not UTF-8 (\xff, a cut \xc3) still gets its line,
# valid JSON, with U+FFFD for each such byte.
rm -f "$T_TMP/audit8.jsonl"
"$MOAT" do --audit "$T_TMP/audit8.jsonl" --ro /etc -- python3 -c '
import os
for name in (b"/etc/a\xffb", b"/etc/caf\xc3", b"/etc/caf\xc3\xa9"):
    try:
        os.mkdir(name)
    except OSError:
        pass' >/dev/null 2>&1
out=$(python3 -c '
import json, sys
print(" ".join(json.loads(l)["path"].encode("unicode_escape").decode() for l in open(sys.argv[1], "rb")))' \
	"$T_TMP/audit8.jsonl" 2>&1)
is "--audit: a path that is not UTF-8 is written with U+FFFD" '/etc/a\ufffdb /etc/caf\ufffd /etc/caf\xe9' "$out"
# A usage error leaves no audit file behind: it is made once the options are judged.
for args in "do --audit $T_TMP/left.jsonl --bogus -- true" "do --audit $T_TMP/left.jsonl" \
	    "do --audit $T_TMP/left.jsonl --timeout 0 -- true" \
	    "run --audit $T_TMP/left.jsonl --bundle $T_TMP/no-bundle x"; do
	rm -f "$T_TMP/left.jsonl"
	"$MOAT" $args >/dev/null 2>&1
	is "moat $args: 125" 125 "$?"
	check "...and no audit file made" test ! -e "$T_TMP/left.jsonl"
done

# --- --user -------------------------------------------------------------------
# The guest runs as another user, whose ids are the same on the host: a project
# directory of that user is its own, root's files stay closed to it.
proj=$(mktemp -d /var/tmp/moat-user.XXXXXX)
chown 4242:4343 "$proj"
echo root-only >"$proj/secret" && chmod 600 "$proj/secret"
out=$("$MOAT" do --user 4242:4343 -v "$proj:/work" -w /work -- sh -c '
	id -u; id -g; echo made >mine && git init -q && git status --short
	python3 -c "import os; print(os.access(\".\", os.W_OK | os.X_OK), os.access(\"secret\", os.R_OK))"
	cat secret 2>/dev/null || echo secret closed
	(echo x >/etc/moat-user-test) 2>/dev/null || echo etc closed
	echo x >/tmp/t && echo tmp open' 2>&1)
is "--user: the guest's ids; its own directory (access() too); root's file and /etc closed" "4242
4343
?? mine
?? secret
True False
secret closed
etc closed
tmp open" "$out"
is "...and what it made in the volume is that user's on the host" "4242:4343" \
	"$(stat -c %u:%g "$proj/mine")"
rm -rf "$proj"
out=$("$MOAT" do --user nobody -- sh -c 'id -u; id -g' 2>&1)
is "--user by name: its group from /etc/passwd" "65534
65534" "$out"
for bad in "no-such-user-$$" "4242:no-such-group-$$" 65536 "" ":" "4242:" ":4343"; do
	"$MOAT" do --user "$bad" -- true >"$T_TMP/err" 2>&1
	is "--user '$bad': 125" "125" "$?"
	like "...says what to give" "^moat do: --user" "$(cat "$T_TMP/err")"
done

finish
