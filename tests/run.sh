#!/bin/bash
# tests/run.sh - run every test and print one summary line.
#
# Unit tests are the cmocka binaries in $BUILD/tests/unit; integration and
# escape tests are the scripts in tests/integration and tests/escape.  Every
# test speaks TAP; this script counts "ok" and "not ok" lines, shows the
# failures, and ends with "N passed, N failed".  A script that dies without a
# plan counts as one failure.
set -u
BUILD=${BUILD:-build}
export MOAT=${MOAT:-$(pwd)/$BUILD/moat}
export BUILD
passed=0
failed=0
failures=()
log=$(mktemp /tmp/moat-run.XXXXXX)
trap 'rm -f "$log"' EXIT

run_one() {
	local name=$1
	shift
	local start=$SECONDS rc p f
	CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$@" >"$log" 2>&1
	rc=$?
	p=$(grep -cE '^ok ' "$log")
	f=$(grep -cE '^not ok ' "$log")
	if ! grep -qE '^1\.\.[0-9]+' "$log" && [ "$f" = 0 ]; then
		f=1	# died before it could say how many tests it ran
		echo "not ok - $name ended without a plan (exit status $rc)" >>"$log"
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	printf '%-40s %4d passed %4d failed %4ds\n' "$name" "$p" "$f" $((SECONDS - start))
	if [ "$f" != 0 ]; then
		failures+=("$name")
		grep -E -A12 '^not ok' "$log" | head -80 | sed 's/^/    /'
	fi
}

only=${1:-}
for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	[ -n "$only" ] && [[ "$t" != *"$only"* ]] && continue
	run_one "unit/$(basename "$t")" "$t"
done
for dir in integration escape; do
	for t in tests/$dir/*.sh; do
		[ -f "$t" ] || continue
		[ -n "$only" ] && [[ "$t" != *"$only"* ]] && continue
		run_one "$dir/$(basename "$t" .sh)" bash "$t"
	done
done
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
