# tests/upstream.sh - sourced by the tests that need an HTTPS
# upstream on the host's loopback (outbound.sh, do_network.sh).
#
# start_upstream DIR SECRET SAN-LIST: a test CA (DIR/upca.pem), a certificate
# for SAN-LIST signed by it, a bare git repository whose README says "hello
# from the upstream repository", and outbound_upstream.py serving them, which
# requires SECRET as the git password and logs each request to DIR/up.log.
# Sets HP (its HTTPS port) and PP (its plain HTTP port).  Background
# processes go in PIDS, which cleanup() kills.

PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T_TMP"
}
trap cleanup EXIT

wait_file() {
	for _ in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.05; done
	return 1
}

start_upstream() {
	local d=$1 secret=$2 san=$3 here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/integration
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$d/upca.key" -out "$d/upca.pem" -subj "/CN=moat test upstream CA" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=api.test" \
		-keyout "$d/up.key" -out "$d/up.csr" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		"$san" >"$d/up.ext"
	openssl x509 -req -in "$d/up.csr" -CA "$d/upca.pem" -CAkey "$d/upca.key" -CAcreateserial \
		-days 2 -out "$d/up.pem" -extfile "$d/up.ext" 2>/dev/null
	mkdir -p "$d/src" "$d/gitroot"
	(cd "$d/src" && git init -q && echo "hello from the upstream repository" >README &&
		git add README && git -c user.name=t -c user.email=t@t commit -qm init) >/dev/null 2>&1
	git clone -q --bare "$d/src" "$d/gitroot/repo.git" 2>/dev/null
	git -C "$d/gitroot/repo.git" update-server-info
	UPSTREAM_GIT_TOKEN="$secret" python3 "$here/outbound_upstream.py" --cert "$d/up.pem" \
		--key "$d/up.key" --log "$d/up.log" --ports "$d/ports.json" --git-root "$d/gitroot" &
	PIDS+=($!)
	wait_file "$d/ports.json" || { echo "Bail out! the upstream did not start"; exit 1; }
	HP=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["https"])' "$d/ports.json")
	PP=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$d/ports.json")
}
