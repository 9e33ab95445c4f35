# tests/bench/lib.sh - sourced by the benchmark scripts (run.sh, net.sh):
# where things go and how numbers are printed.
#
#   BUILD, MOAT, B     the build directory, the moat binary, $BUILD/bench
#   RUNS               hyperfine runs for the start-up measures (default 30)
#   say TEXT           one line to stdout and to $B/results.md
#   mean FILE          mean seconds of a hyperfine --export-json run
#   median_of          the median of the numbers on stdin, one a line
#   ratio A B          A/B with two decimals
#   ms SECONDS         seconds as milliseconds with two decimals
BUILD=${BUILD:-build}
MOAT=${MOAT:-$(pwd)/$BUILD/moat}
B=$BUILD/bench
mkdir -p "$B"
RUNS=${RUNS:-30}
out="$B/results.md"
say() { printf '%s\n' "$*" | tee -a "$out"; }
mean() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["mean"])' "$1"; }
median_of() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# A/B to two places; "n/a" when B is zero (a peer that moved nothing).
ratio() { python3 -c "print('%.2f' % ($1 / $2) if $2 else 'n/a')"; }
ms() { python3 -c "print('%.2f' % ($1 * 1000))"; }
