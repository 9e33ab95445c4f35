#!/bin/bash
# tests/bench/run.sh - `make bench`: moat side by side with its peers, in one
# run, on this machine.  Absolute times drift on shared machines; the ratios
# are what to compare with the bars in DESIGN.md.  Results go to stdout and to
# $BUILD/bench/results.md.
set -u
. tests/bench/lib.sh
: >"$out"

cc -O2 -o "$B/notif_rtt" tests/bench/notif_rtt.c || exit 1
cc -O2 -static -o "$B/served" tests/bench/served.c || exit 1

say "# moat benchmarks"
say ""
say "$(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
say ""

# --- start-up ------------------------------------------------------------
bundle=$(mktemp -d /tmp/moat-bench-bundle.XXXXXX)
trap 'rm -rf "$bundle"' EXIT
mkdir -p "$bundle/rootfs/bin"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
ln -s busybox "$bundle/rootfs/bin/true"
(cd "$bundle" && runc spec >/dev/null 2>&1)
python3 - "$bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(sys.argv[1], "w"))
PY
hyperfine -N -w 5 -r "$RUNS" --export-json "$B/start-moat.json" "$MOAT do -- /bin/true" >/dev/null 2>&1
hyperfine -N -w 5 -r "$RUNS" --export-json "$B/start-bwrap.json" "bwrap --unshare-all --ro-bind / / /bin/true" >/dev/null 2>&1
hyperfine -N -w 2 -r 10 --export-json "$B/start-runc.json" "runc run --bundle $bundle moat-bench-$$" >/dev/null 2>&1
hyperfine -N -w 5 -r "$RUNS" --export-json "$B/start-ptrace.json" "$MOAT do --platform=ptrace -- /bin/true" >/dev/null 2>&1
m=$(mean "$B/start-moat.json"); bw=$(mean "$B/start-bwrap.json"); rc=$(mean "$B/start-runc.json")
mp=$(mean "$B/start-ptrace.json")
say "## Start to exit of /bin/true (hyperfine, $RUNS runs)"
say ""
say "| | mean | ratio |"
say "| --- | --- | --- |"
say "| moat do --network=none | $(ms "$m") ms | 1 |"
say "| bwrap --unshare-all --ro-bind / / | $(ms "$bw") ms | moat/bwrap = $(ratio "$m" "$bw") (bar: at most 1) |"
say "| runc run | $(ms "$rc") ms | runc/moat = $(ratio "$rc" "$m") (bar: at least 8) |"
say "| moat do --platform=ptrace | $(ms "$mp") ms | ptrace/seccomp = $(ratio "$mp" "$m") (no bar) |"
say ""

# --- served calls --------------------------------------------------------
rtt() { for i in 1 2 3 4 5; do "$B/notif_rtt" 100000 "$@"; done | median_of; }
# served ARGS natively or in a sandbox (with $B/volume-file as the volume /v):
echo moat-bench >"$B/volume-file"
# the median of 5 runs; PLATFORM=ptrace runs them on that platform
native() { for i in 1 2 3 4 5; do "$B/served" "$@"; done | median_of; }
inside() {
	for i in 1 2 3 4 5; do
		"$MOAT" do --platform="${PLATFORM:-seccomp}" -v "$B/served:/served:ro" \
			-v "$B/volume-file:/v:ro" -- /served "$@"
	done | median_of
}
bare=$(rtt); bare_sync=$(rtt sync)
st=$(inside stat 100000 /etc/hostname); op=$(inside open 100000 /etc/hostname)
native_st=$(native stat 100000 /etc/hostname); native_op=$(native open 100000 /etc/hostname)
say "## A served system call (median of 5 runs of 100000 calls, ns per call)"
say ""
say "| | ns | ratio to the bare round trip (bar: at most 1.5) |"
say "| --- | --- | --- |"
say "| bare user-notification round trip | $bare | |"
say "| bare round trip, synchronous wake-ups (moat's mode) | $bare_sync | 1 |"
say "| stat() served by moat | $st | $(ratio "$st" "$bare_sync") |"
say "| open()+close() served by moat | $op | $(ratio "$op" "$bare_sync") |"
say "| native stat() / open()+close() | $native_st / $native_op | |"
say ""
# Spread out (no bar): what a stat costs when the program computes between
# calls, as real programs do, against the same stat back to back.
# (Natively the stat is lost in the computation's own jitter: no row.)
sp=$(inside spaced 5000 /etc/hostname)
say "| | ns (median of 5 runs of 5000 calls) | ratio to the same call back to back |"
say "| --- | --- | --- |"
say "| stat() served, one every ~100 us of computation | $sp | $(ratio "$sp" "$st") |"
say ""
# The ptrace platform (no bar): fewer calls, each costs far more.
pt_st=$(PLATFORM=ptrace inside stat 10000 /etc/hostname)
pt_op=$(PLATFORM=ptrace inside open 10000 /etc/hostname)
say "| | ns (median of 5 runs of 10000 calls) | ratio to the seccomp platform |"
say "| --- | --- | --- |"
say "| stat() served, --platform=ptrace | $pt_st | $(ratio "$pt_st" "$st") |"
say "| open()+close() served, --platform=ptrace | $pt_op | $(ratio "$pt_op" "$op") |"
say ""

# --- native-path calls ------------------------------------------------------
# The same calls natively and in a sandbox, where the filter lets them through
# to the kernel: getppid(), and pread() of a file on a bind volume and of one
# from the host's root (through the overlay).
n_pp=$(native getppid 1000000); m_pp=$(inside getppid 1000000)
n_rv=$(native read 1000000 "$B/volume-file"); m_rv=$(inside read 1000000 /v)
n_ro=$(native read 1000000 /etc/hostname); m_ro=$(inside read 1000000 /etc/hostname)
say "## A native-path system call (median of 5 runs of 1000000 calls, ns per call)"
say ""
say "| | native | moat | ratio (bar: at most 1.05) |"
say "| --- | --- | --- | --- |"
say "| getppid() | $n_pp | $m_pp | $(ratio "$m_pp" "$n_pp") |"
say "| pread() of 1 byte, a file on a bind volume | $n_rv | $m_rv | $(ratio "$m_rv" "$n_rv") |"
say "| pread() of 1 byte, /etc/hostname from the host's root (overlay) | $n_ro | $m_ro | $(ratio "$m_ro" "$n_ro") |"
say ""

# --- real work -------------------------------------------------------------
touch /var/tmp/moat-bench-ref
hyperfine -N -w 1 -r 5 --export-json "$B/find-native.json" "find /usr/share -newer /var/tmp/moat-bench-ref" >/dev/null 2>&1
hyperfine -N -w 1 -r 5 -i --export-json "$B/find-moat.json" "$MOAT do -- find /usr/share -newer /var/tmp/moat-bench-ref" >/dev/null 2>&1
hyperfine -N -r 1 -i --export-json "$B/find-proot.json" "proot -r / find /usr/share -newer /var/tmp/moat-bench-ref" >/dev/null 2>&1
fn=$(mean "$B/find-native.json"); fm=$(mean "$B/find-moat.json"); fp=$(mean "$B/find-proot.json")
files=$(find /usr/share 2>/dev/null | wc -l)
cc_cmd="gcc -O2 -D_GNU_SOURCE -I. -Itools/lib -c sentry/fs.c -o /tmp/moat-bench.o"
hyperfine -N -w 1 -r 10 --export-json "$B/cc-native.json" "$cc_cmd" >/dev/null 2>&1
hyperfine -N -w 1 -r 10 --export-json "$B/cc-moat.json" "$MOAT do -v $(pwd):$(pwd):ro -w $(pwd) -- $cc_cmd" >/dev/null 2>&1
py_cmd="/usr/bin/python3 -c 'import asyncio, json'"
hyperfine -N -w 2 -r "$RUNS" --export-json "$B/py-native.json" "$py_cmd" >/dev/null 2>&1
hyperfine -N -w 2 -r "$RUNS" --export-json "$B/py-moat.json" "$MOAT do -- $py_cmd" >/dev/null 2>&1
ccn=$(mean "$B/cc-native.json"); ccm=$(mean "$B/cc-moat.json")
pyn=$(mean "$B/py-native.json"); pym=$(mean "$B/py-moat.json")
say "## Real work (hyperfine; moat's times include starting the sandbox)"
say ""
say "| | native | moat | ratio | bar |"
say "| --- | --- | --- | --- | --- |"
say "| find /usr/share -newer X ($files entries) | $(ms "$fn") ms | $(ms "$fm") ms | $(ratio "$fm" "$fn") | at most 2.5 |"
say "| proot -r / for the same find | | $(ms "$fp") ms | proot/moat = $(ratio "$fp" "$fm") | far ahead of proot |"
say "| gcc -O2 -c sentry/fs.c | $(ms "$ccn") ms | $(ms "$ccm") ms | $(ratio "$ccm" "$ccn") | at most 1.3 |"
say "| python3 -c 'import asyncio, json' | $(ms "$pyn") ms | $(ms "$pym") ms | $(ratio "$pym" "$pyn") | at most 1.3 |"
say ""

# --- idle memory --------------------------------------------------------------
"$MOAT" do -- sleep 30 &
moat_pid=$!
sleep 2
pss=0; rss=0
# the sentry and its children but the guest's command (init calls itself moat-init)
for p in "$moat_pid" $(ps -o pid= --ppid "$moat_pid"); do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = sleep ] && continue
	p_pss=$(awk '/^Pss:/ {print $2}' /proc/$p/smaps_rollup 2>/dev/null)
	p_rss=$(awk '/^VmRSS:/ {print $2}' /proc/$p/status 2>/dev/null)
	pss=$((pss + ${p_pss:-0})); rss=$((rss + ${p_rss:-0}))
done
kill "$moat_pid" 2>/dev/null; wait "$moat_pid" 2>/dev/null
say "## An idle sandbox (moat do -- sleep): moat's own processes (sentry, gofer, init)"
say ""
say "| PSS | RSS | bar |"
say "| --- | --- | --- |"
say "| $((pss / 1024)).$(( (pss % 1024) * 10 / 1024 )) MiB | $((rss / 1024)).$(( (rss % 1024) * 10 / 1024 )) MiB | at most 4 MiB |"
say ""
# --- many idle sandboxes ------------------------------------------------------
# MANY sandboxes sleeping at once: what the machine's MemAvailable lost (guest,
# moat's processes and the kernel's share: namespaces, page tables, the overlay),
# a sandbox, and so how many would fit in 24 GiB.
MANY=${MANY:-100}
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
avail() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
before=$(avail)
many=()
for i in $(seq "$MANY"); do
	"$MOAT" do -- sleep 120 </dev/null >/dev/null 2>&1 &
	many+=($!)
done
up=0
for _ in $(seq 100); do
	up=$(pgrep -c -f '^sleep 120$')
	[ "$up" -ge "$MANY" ] && break
	sleep 0.2
done
sleep 2
after=$(avail)
kill "${many[@]}" 2>/dev/null; wait "${many[@]}" 2>/dev/null
per=$(( (before - after) / MANY ))
say "## $MANY idle sandboxes at once (moat do -- sleep; $up of them were up)"
say ""
say "| MemAvailable lost, a sandbox | sandboxes in 24 GiB at that rate | bar |"
say "| --- | --- | --- |"
say "| $((per / 1024)).$(( (per % 1024) * 10 / 1024 )) MiB | $(( 24 * 1024 * 1024 / (per > 0 ? per : 1) )) | at least 1000 |"
say ""
tests/bench/net.sh
say "(written to $out)"
