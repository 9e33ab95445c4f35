# tests/escape/bystander.bash - sourced by the attacks that kill one of a
# sandbox's helpers from the host, in a pid namespace of their own: give the
# helper's pid, once it is free, to an innocent process.
#
# bystander PID: start `sleep 60` with PID (the namespace's next pid is set
# just before; anything else forking in between takes it, so try again) and
# print its pid, PID itself unless every try lost the race.
bystander() {
	local want=$1 got=
	for _ in $(seq 20); do
		echo $((want - 1)) >/proc/sys/kernel/ns_last_pid
		sleep 60 >/dev/null 2>&1 &
		got=$!
		[ "$got" = "$want" ] && break
		kill "$got" 2>/dev/null
	done
	echo "$got"
}
