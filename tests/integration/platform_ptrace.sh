#!/bin/bash
# tests/integration/platform_ptrace.sh - the platform-independent suites again,
# every sandbox on the ptrace platform (moat do/run --platform=ptrace): the
# file-system calls, real programs, the options, unix sockets and the sandbox
# network, OCI bundles and the attacks of tests/escape/escape.sh and
# network.sh.  Their results are renumbered into one plan, each
# named after its script.
. tests/lib.sh

for t in integration/do_fs integration/do_programs integration/do_options integration/do_net \
	integration/run escape/escape escape/network; do
	MOAT_PLATFORM=ptrace timeout 600 bash "tests/$t.sh" >"$T_TMP/out" 2>&1
	rc=$?
	failed_before=$T_FAILED
	while IFS= read -r line; do
		case $line in
		"ok "*) _t_result 0 "$t: ${line#ok * - }" ;;
		"not ok "*) _t_result 1 "$t: ${line#not ok * - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$T_TMP/out"
	if [ "$rc" != 0 ] && [ "$T_FAILED" = "$failed_before" ]; then
		_t_result 1 "$t: exited with status $rc"
		_t_diag "$(tail -20 "$T_TMP/out")"
	fi
done

finish
