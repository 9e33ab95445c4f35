# tests/lib.sh - a small TAP library for the shell tests.
#
#   . tests/lib.sh
#   check "name" COMMAND...          passes if COMMAND exits 0
#   check_fails "name" COMMAND...     passes if COMMAND exits non-zero
#   is "name" EXPECTED ACTUAL         passes if the strings are equal
#   like "name" PATTERN ACTUAL        passes if ACTUAL matches the grep -E PATTERN
#   expect "name" "line"... < OUTPUT  passes per line present; fails on ESCAPED
#   finish                            prints the plan; the exit status says if all passed
#
# Every test prints one TAP line; tests/run.sh counts them.  On failure the
# diagnostics (what was expected, what came) go to stdout as TAP comments.

MOAT=${MOAT:-$(pwd)/build/moat}
T_COUNT=0
T_FAILED=0
T_TMP=$(mktemp -d /tmp/moat-test.XXXXXX)
trap 'rm -rf "$T_TMP"' EXIT

# MOAT_PLATFORM=ptrace runs a script's sandboxes on that platform: $MOAT
# becomes a wrapper that adds --platform to `do` and `run`.
MOAT_PLATFORM=${MOAT_PLATFORM:-seccomp}
if [ "$MOAT_PLATFORM" != seccomp ]; then
	printf '#!/bin/sh\nverb=$1; shift\ncase $verb in do|run) exec "%s" "$verb" --platform=%s "$@";; esac\nexec "%s" "$verb" "$@"\n' \
		"$MOAT" "$MOAT_PLATFORM" "$MOAT" >"$T_TMP/moat"
	chmod +x "$T_TMP/moat"
	MOAT=$T_TMP/moat
fi

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

# An attack's output (tests/escape/attack.c): every "probe outcome" line is
# there, and no line says ESCAPED.
expect() {	# expect NAME "probe outcome" ... < output
	local name=$1 out line
	shift
	out=$(cat)
	for line in "$@"; do
		if printf '%s\n' "$out" | grep -qxF -- "$line"; then
			_t_result 0 "$name: $line"
		else
			_t_result 1 "$name: $line"
			_t_diag "got:" "$out"
		fi
	done
	if printf '%s\n' "$out" | grep -q ESCAPED; then
		_t_result 1 "$name: nothing escaped"
		_t_diag "$(printf '%s\n' "$out" | grep ESCAPED)"
	fi
}

finish() {
	echo "1..$T_COUNT"
	[ "$T_FAILED" = 0 ]
}
