# tests/lib.sh - a small TAP library for the shell tests.
#
#   . tests/lib.sh
#   check "name" COMMAND...          passes if COMMAND exits 0
#   check_fails "name" COMMAND...     passes if COMMAND exits non-zero
#   is "name" EXPECTED ACTUAL         passes if the strings are equal
#   like "name" PATTERN ACTUAL        passes if ACTUAL matches the grep -E PATTERN
#   finish                            prints the plan; the exit status says if all passed
#
# Every test prints one TAP line; tests/run.sh counts them.  On failure the
# diagnostics (what was expected, what came) go to stdout as TAP comments.

MOAT=${MOAT:-$(pwd)/build/moat}
T_COUNT=0
T_FAILED=0
T_TMP=$(mktemp -d /tmp/moat-test.XXXXXX)
trap 'rm -rf "$T_TMP"' EXIT

_t_result() {
	T_COUNT=$((T_COUNT + 1))
	if [ "$1" = 0 ]; then
		echo "ok $T_COUNT - $2"
	else
		T_FAILED=$((T_FAILED + 1))
		echo "not ok $T_COUNT - $2"
	fi
}

_t_diag() {
	printf '%s\n' "$@" | sed 's/^/#   /'
}

check() {
	name=$1
	shift
	if "$@" >"$T_TMP/out" 2>&1; then
		_t_result 0 "$name"
	else
		rc=$?
		_t_result 1 "$name"
		_t_diag "command: $*" "exit status: $rc" "$(head -c 2000 "$T_TMP/out")"
	fi
}

check_fails() {
	name=$1
	shift
	if "$@" >"$T_TMP/out" 2>&1; then
		_t_result 1 "$name"
		_t_diag "command succeeded but should have failed: $*" "$(head -c 2000 "$T_TMP/out")"
	else
		_t_result 0 "$name"
	fi
}

is() {
	if [ "$2" = "$3" ]; then
		_t_result 0 "$1"
	else
		_t_result 1 "$1"
		_t_diag "expected: $2" "got:      $3"
	fi
}

like() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		_t_result 0 "$1"
	else
		_t_result 1 "$1"
		_t_diag "expected to match: $2" "got: $(printf '%s' "$3" | head -c 2000)"
	fi
}

finish() {
	echo "1..$T_COUNT"
	[ "$T_FAILED" = 0 ]
}
