#!/bin/bash
# `moat do --network=sandbox`: real clients inside the sandbox (curl, python3,
# git, ping, getent), real servers on the host's loopback, the guest's only
# exit being netstack and, for HTTP(S), outbound.  The upstream has a test CA
# of its own (--upstream-ca); the secret is a made-up value that must reach
# the upstream and nothing the guest can see.
. tests/lib.sh

D=$T_TMP
SECRET="made-up-token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
. tests/upstream.sh

# The upstream: its own CA, a certificate for api.test, a git repository.
start_upstream "$D" "$SECRET" "DNS:api.test"

# A plain TCP echo server and a UDP echo server on the host's loopback.
python3 -c '
import socket, sys, threading
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", 0)); t.listen(16)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write("%d %d\n" % (t.getsockname()[1], u.getsockname()[1]))
def udp():
    while True:
        d, a = u.recvfrom(2048); u.sendto(d.upper(), a)
threading.Thread(target=udp, daemon=True).start()
while True:
    c, _ = t.accept(); c.sendall(c.recv(100)[::-1]); c.close()' "$D/echo.ports" &
PIDS+=($!)
wait_file "$D/echo.ports" || { echo "Bail out! the echo server did not start"; exit 1; }
read -r TP UP <"$D/echo.ports"

cat >"$D/policy.json" <<JSON
{
  "version": 1,
  "rules": [
    {"name": "no-admin", "host": "api.test", "path": "/admin", "action": "deny",
     "reason": "the admin API is off limits"},
    {"name": "api", "host": ["api.test", "127.0.0.1"], "port": $HP, "action": "allow",
     "inject": {"Authorization": "Bearer \${API_TOKEN}",
                "X-Sandbox-Identity": "\${MOAT_IDENTITY_TOKEN}"},
     "identity": {"audience": "https://api.test", "ttl": 60}},
    {"name": "echo", "host": "127.0.0.1", "port": [$TP, $UP], "action": "allow"},
    {"name": "rebind", "host": "rebind.test", "action": "allow"}
  ]
}
JSON
run() {
	TOK="$SECRET" "$MOAT" do --network=sandbox --policy "$D/policy.json" \
		--secret API_TOKEN=env:TOK --add-host api.test:10.88.0.1 \
		--add-host rebind.test:10.88.0.1 --upstream-ca "$D/upca.pem" "$@"
}

# --- what the guest sees ---------------------------------------------------
out=$(run -- sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}"; ip route | head -1;
	cat /etc/resolv.conf; test -e /proc/sys/net/ipv6/conf/eth0 &&
	cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6' 2>&1)
is "eth0, a default route, resolv.conf; no IPv6" "10.88.0.2/24
default via 10.88.0.1 dev eth0 
nameserver 10.88.0.1
1" "$out"
out=$(run -- sh -c 'ping -c 1 -W 2 10.88.0.1 >/dev/null && echo pong' 2>&1)
is "ping the gateway" "pong" "$out"
# --mtu: a smaller eth0, and segments to match (4 MiB over HTTPS both ways).
big() { run "$@" -- sh -c "cat /sys/class/net/eth0/mtu; curl -s https://api.test:$HP/big?n=4194304 | sha256sum" 2>&1; }
want=$(curl -s --cacert "$D/upca.pem" --resolve "api.test:$HP:127.0.0.1" \
	"https://api.test:$HP/big?n=4194304" | sha256sum)
is "the default MTU: 65520; a 4 MiB download whole" "65520
$want" "$(big)"
is "--mtu 1500: eth0's MTU 1500; the same download whole" "1500
$want" "$(big --mtu 1500)"
"$MOAT" do --network=sandbox --mtu 575 -- true >"$D/err" 2>&1
is "--mtu 575: 125" 125 "$?"
like "...saying the range" "--mtu 575: give a whole number from 576 to 65520" "$(cat "$D/err")"

# --- DNS -------------------------------------------------------------------------
# Raw queries to the sandbox's resolver (getent would read /etc/hosts first).
out=$(run -- /usr/bin/python3 -c '
import socket, struct
def ask(name):
    q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    q += struct.pack(">HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
    s.sendto(q, ("10.88.0.1", 53)); r = s.recv(512)
    rcode, an = r[3] & 15, struct.unpack(">H", r[6:8])[0]
    return socket.inet_ntoa(r[-4:]) if an else "rcode %d" % rcode
print(ask("api.test")); print(ask("not-allowed.example"))' 2>&1)
is "DNS: an allowed name gets its address, another NXDOMAIN" "10.88.0.1
rcode 3" "$out"
out=$("$MOAT" do --network=sandbox --allow case.test --add-host CASE.Test:10.88.0.7 -- \
	getent hosts Case.TEST 2>&1)
like "--add-host takes a name in any case, as DNS does" "^10.88.0.7 +case.test$" "$out"

# --- the trust store: the host's bundle, then the sandbox's CA (appended once
# outbound has made it, after the tree was built) ---------------------------------
host_bundle=/etc/ssl/certs/ca-certificates.crt
out=$(run -- /usr/bin/python3 -c "
ca = open('/run/moat/sandbox-ca.pem', 'rb').read()
b = open('$host_bundle', 'rb').read()
print(ca.count(b'BEGIN CERTIFICATE'), b.endswith(ca), len(b) - len(ca))" 2>&1)
host_len=$(wc -c <"$host_bundle")
[ -z "$(tail -c 1 "$host_bundle")" ] || host_len=$((host_len + 1))
is "the guest's bundle is the host's with the sandbox CA at its end" "1 True $host_len" "$out"
# A host whose bundle is an absolute symlink (made so in a mount namespace of
# the test's own, the host untouched): the bundle it points to is the one copied.
host_certs=$(grep -c BEGIN "$host_bundle")
out=$(MOAT="$MOAT" D="$D" unshare -m sh -c '
	mkdir "$D/certs" && cp /etc/ssl/certs/ca-certificates.crt "$D/real.crt" &&
	ln -s "$D/real.crt" "$D/certs/ca-certificates.crt" &&
	mount --bind "$D/certs" /etc/ssl/certs &&
	"$MOAT" do --network=sandbox -- grep -c BEGIN /etc/ssl/certs/ca-certificates.crt' 2>&1)
is "a bundle behind an absolute symlink: its certificates and the sandbox CA" "$((host_certs + 1))" "$out"

# --- outbound starts on first use -------------------------------------------------
# The programs the processes of moat's run $1 (and their children) are running.
programs_of() {
	local pids=" $1 " grown=1
	while [ $grown = 1 ]; do
		grown=0
		while read -r pid ppid; do
			if [[ $pids == *" $ppid "* && $pids != *" $pid "* ]]; then
				pids+="$pid "
				grown=1
			fi
		done < <(ps -e -o pid=,ppid=)
	done
	for pid in $pids; do
		readlink "/proc/$pid/exe" 2>/dev/null
	done
}
# How many moat-outbound programs run a second into `run -- sh -c "$1"`.
outbound_running() {
	local bg n
	run -- sh -c "$1" &
	bg=$!
	sleep 1
	n=$(programs_of $bg | grep -c '/moat-outbound$')
	wait $bg
	echo "$n"
}
is "an idle sandbox runs no moat-outbound" "0" "$(outbound_running 'sleep 2')"
is "...which the first read of the trust store starts" "1" \
	"$(outbound_running "cat $host_bundle >/dev/null; sleep 2")"
out=$(run -- sh -c "stat -c %s $host_bundle; wc -c <$host_bundle" 2>&1)
read -r stat_len read_len <<<"$(echo $out)"
is "a stat of the bundle before any read: the size with the CA" "$read_len" "$stat_len"
check "...longer than the host's bundle" test "${stat_len:-0}" -gt "$host_len"
out=$(run -- /usr/bin/python3 -c "
import threading
ends = []
def look():
    ends.append(open('$host_bundle', 'rb').read().endswith(open('/run/moat/sandbox-ca.pem', 'rb').read()))
ts = [threading.Thread(target=look) for _ in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
print(ends.count(True), open('/run/moat/sandbox-ca.pem').read().count('BEGIN CERTIFICATE'))" 2>&1)
is "8 threads look at the trust store at once: each finds the CA, once" "8 1" "$out"
out=$("$MOAT" do --network=sandbox --hide /etc/ssl -- grep -c BEGIN /run/moat/sandbox-ca.pem 2>&1)
is "the host's trust store hidden (--hide /etc/ssl): the sandbox still starts, with its CA" "1" "$out"
out=$(run -- /usr/bin/python3 -c "
import http.client, ssl
c = http.client.HTTPSConnection('api.test', $HP, context=ssl._create_unverified_context())
c.request('GET', '/echo'); print(c.getresponse().status)
ca = open('/run/moat/sandbox-ca.pem').read()
print(ca.count('BEGIN CERTIFICATE'), open('$host_bundle').read().endswith(ca))" 2>&1)
is "a flow first (no trust store read): outbound starts; the CA comes after" "200
1 True" "$out"
echo "not a certificate" >"$D/junk.pem"
out=$("$MOAT" do --network=sandbox --allow api.test --upstream-ca "$D/junk.pem" -- \
	sh -c "cat $host_bundle >/dev/null && echo read" 2>&1)
is "a bad --upstream-ca: the guest runs" "0" "$?"
like "...and outbound says what is wrong when first used" \
	"^read
moat.outbound.: cannot start: --extra-ca .*junk.pem: load a CA file" "$out"

# --- HTTPS through outbound, with the injected credential ----------------------
out=$(run -- curl -s -w ' %{http_code}' "https://api.test:$HP/echo" 2>&1)
like "curl over HTTPS: 200 through the sandbox's CA" " 200$" "$out"
check "the upstream saw the injected header" \
	grep -q "\\[\"Authorization\", \"Bearer $SECRET\"\\]" "$D/up.log"
check_fails "the guest's output never holds the secret" grep -q "$SECRET" <<<"$out"
out=$(run -- /usr/bin/python3 -c "
import urllib.request
r = urllib.request.urlopen('https://api.test:$HP/echo?from=python')
print(r.status)" 2>&1)
is "python3 urllib over HTTPS" "200" "$out"
out=$(run -w /tmp -- sh -c "git clone -q https://api.test:$HP/git/repo.git r && cat r/README" 2>&1)
is "git clone over HTTPS, authorized by the injected token" "hello from the upstream repository" "$out"
# Smart HTTP (git http-backend): a clone, then a push whose 2 MB pack git
# sends as a chunked POST (past its 1 MB buffer), each authorized the same way.
out=$(run -w /tmp -- sh -c "git clone -q https://api.test:$HP/smart/repo.git s && cd s &&
	head -c 2000000 /dev/urandom >blob && git add blob &&
	git -c user.name=guest -c user.email=guest@sandbox commit -qm 'from the sandbox' &&
	git push -q origin HEAD 2>&1 && git rev-parse HEAD" 2>&1)
is "git clone and push over smart HTTP: the upstream has the guest's commit" \
	"$(git -C "$D/gitroot/repo.git" rev-parse HEAD 2>&1)" "$out"
is "...its pack went up as a chunked POST, with the token" "chunked Bearer $SECRET" "$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    h = dict((k.lower(), v) for k, v in r["headers"])
    if r["path"] == "/smart/repo.git/git-receive-pack" and r["body_len"] > 2000000:
        print(h.get("transfer-encoding"), h.get("authorization"))' "$D/up.log")"
out=$(run -- curl -s -w ' %{http_code}' -H "Authorization: Bearer guest-supplied" \
	-H "X_Sandbox_Identity: guest-supplied" "https://api.test:$HP/echo?replaced=1" 2>&1)
like "a guest-supplied header of the same name..." " 200$" "$out"
check "...is replaced, not merged" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "replaced=1" in r.get("path", ""):
        v = [h[1] for h in r["headers"] if h[0].lower() == "authorization"]
        # a server that reads "_" as "-" (CGI, WSGI) would join the two
        u = [h[1] for h in r["headers"] if h[0].lower() == "x_sandbox_identity"]
        sys.exit(0 if v == ["Bearer " + sys.argv[2]] and not u else 1)
sys.exit(1)' "$D/up.log" "$SECRET"
out=$(run -- curl -s -w ' %{http_code}' "https://api.test:$HP/admin/users" 2>&1)
like "a denied path: 403..." " 403$" "$out"
like "...naming the rule" 'rule "no-admin"' "$out"

# The identity token: signed with --identity-key, verifiable with --identity-pub.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$D/id.key" 2>/dev/null
run --identity-key "$D/id.key" --identity-pub "$D/id.pub" -- \
	curl -s -o /dev/null "https://api.test:$HP/echo?identity=1" >/dev/null 2>&1
tok=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "identity=1" in r.get("path", ""):
        print([h[1] for h in r["headers"] if h[0].lower() == "x-sandbox-identity"][0])' "$D/up.log")
claims=$(python3 tests/integration/outbound_client.py jwt "$D/id.pub" "$tok" 2>&1)
like "identity token: valid for --identity-pub's key" '"signature": "valid"' "$claims"
like "identity token: names this sandbox, for the rule's audience" \
	'"aud": "https://api.test".*"sandbox_id": "do-' "$claims"
check "--identity-pub holds the public key only" grep -q "BEGIN PUBLIC KEY" "$D/id.pub"
check_fails "...never a private one" grep -q PRIVATE "$D/id.pub"
# After requests that carried it, search the guest's environment, the files
# it wrote and those moat presents, and the memory of a live guest process.
out=$(run -w /tmp -- sh -c "curl -s -o /tmp/body https://api.test:$HP/echo;
	git clone -q https://api.test:$HP/git/repo.git /tmp/r; env; tr '\0' '\n' </proc/self/environ;
	grep -rs made-up-token /etc /tmp /run /var/tmp /home /dev/shm" 2>&1)
check_fails "the secret is nowhere in the guest's environment or files" grep -q "$SECRET" <<<"$out"
run -- /usr/bin/python3 -c "
import urllib.request, time, sys
urllib.request.urlopen('https://api.test:$HP/echo?from=memory').read()
print('ready', flush=True); time.sleep(60)  # moat-memory-probe" >"$D/mem.out" 2>&1 &
guest=$!
wait_file "$D/mem.out"
out=$(python3 - "$SECRET" <<'PY'
import os, re, sys
secret = sys.argv[1].encode()
found, scanned = [], 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if b"moat-memory-probe" not in open("/proc/%s/cmdline" % pid, "rb").read():
            continue
        if b"python3" not in open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")[0]:
            continue
        maps = open("/proc/%s/maps" % pid).read().splitlines()
        mem = open("/proc/%s/mem" % pid, "rb", 0)
    except OSError:
        continue
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
        if not m or "[vvar]" in line:
            continue
        a, b = int(m.group(1), 16), int(m.group(2), 16)
        try:
            mem.seek(a); chunk = mem.read(b - a)
        except (OSError, OverflowError, ValueError):
            continue
        scanned += len(chunk)
        if secret in chunk:
            found.append(pid)
print("scanned" if scanned > 1 << 20 else "nothing scanned", "found in %s" % found if found else "clean")
PY
)
kill "$guest" 2>/dev/null; wait "$guest" 2>/dev/null
is "the memory of a guest that made requests holds no secret" "scanned clean" "$out"

# --- plain HTTP to an allowed port: a direct connection, not through outbound ----
out=$("$MOAT" do --network=sandbox --allow "127.0.0.1:$PP" -- \
	curl -s -w ' %{http_code}' "http://10.88.0.1:$PP/echo?plain=1" 2>&1)
like "curl, plain HTTP GET to an allowed host port: 200" " 200$" "$out"
check "the server saw it come straight from netstack, with no header added" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "plain=1" in r.get("path", ""):
        sys.exit(1 if r["tls"] or any(h[0].lower() == "authorization" for h in r["headers"]) else 0)
sys.exit(1)' "$D/up.log"

# --- bulk TCP: 1 GiB each way, half-close, 1000 connections at once --------------
python3 tests/integration/bulk_server.py "$D/bulk.port" "$D/bulk.sum" &
PIDS+=($!)
wait_file "$D/bulk.port" || { echo "Bail out! the bulk server did not start"; exit 1; }
BP=$(cat "$D/bulk.port")
MB=${MOAT_BULK_MB:-1024}
out=$("$MOAT" do --network=sandbox --allow "127.0.0.1:$BP" -- /usr/bin/python3 -c "
import hashlib, os, socket
n, block = $MB << 20, os.urandom(1 << 20)
s = socket.create_connection(('10.88.0.1', $BP)); s.sendall(b'SINK %d\n' % n)
h, left = hashlib.sha256(), n
while left:
    d = block[:min(left, len(block))]; s.sendall(d); h.update(d); left -= len(d)
print('up', s.makefile().readline().strip() == h.hexdigest())
s = socket.create_connection(('10.88.0.1', $BP)); s.sendall(b'SOURCE %d\n' % n)
h, got = hashlib.sha256(), 0
while True:
    d = s.recv(1 << 20)
    if not d: break
    h.update(d); got += len(d)
print('down', got == n, h.hexdigest())" 2>&1)
is "$MB MiB guest to host: the host's checksum matches" "up True" "$(sed -n 1p <<<"$out")"
is "$MB MiB host to guest: all bytes, the same checksum" "down True $(cat "$D/bulk.sum" 2>&1)" \
	"$(sed -n 2p <<<"$out")"
out=$("$MOAT" do --network=sandbox --allow "127.0.0.1:$BP" -- /usr/bin/python3 -c "
import socket
s = socket.create_connection(('10.88.0.1', $BP)); s.sendall(b'HALF\n' + b'x' * 100000)
s.shutdown(socket.SHUT_WR); print('half-closed, then read', s.makefile().readline().strip())
socks = [socket.create_connection(('10.88.0.1', $BP), timeout=20) for _ in range(1000)]
for i, c in enumerate(socks): c.sendall(b'ECHO\nline %d\n' % i)
ok = sum(c.makefile().readline() == 'line %d\n' % i for i, c in enumerate(socks))
print(ok, 'of 1000 concurrent connections answered')" 2>&1)
is "half-close and 1000 concurrent connections" "half-closed, then read 100000
1000 of 1000 concurrent connections answered" "$out"

# --- plain TCP and UDP, allowed and denied ------------------------------------------
out=$(run -- /usr/bin/python3 -c "
import socket
s = socket.create_connection(('10.88.0.1', $TP), timeout=3); s.sendall(b'olleh'); print(s.recv(100).decode())
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3)
u.sendto(b'udp echo', ('10.88.0.1', $UP)); print(u.recv(100).decode())" 2>&1)
is "TCP and UDP to an allowed host port" "hello
UDP ECHO" "$out"
# A rule that speaks of HTTP allows what outbound can hold to it: TCP goes
# through outbound, and UDP (QUIC, say, or anything else) is not allowed.
printf '{"version": 1, "rules": [{"name": "web", "host": "127.0.0.1", "port": %s, "method": "GET", "action": "allow"}]}\n' \
	"$UP" >"$D/http-only.json"
rm -f "$D/http-only.jsonl"
out=$("$MOAT" do --network=sandbox --policy "$D/http-only.json" --audit "$D/http-only.jsonl" -- /usr/bin/python3 -c "
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3); u.connect(('10.88.0.1', $UP))
u.send(b'udp echo')
try: print(u.recv(100).decode())
except OSError as e: print(e.strerror)" 2>&1)
is "UDP to a port whose rule names a method: unreachable" "No route to host" "$out"
like "...and the audit log says why" '"proto":"udp","verdict":"deny".*"reason":"the rules for this destination speak of HTTP' \
	"$(cat "$D/http-only.jsonl")"
# A deny rule for a path applies on every port: a connection to a port
# allowed by a plain rule goes through outbound, and UDP is denied.
cat >"$D/no-admin.json" <<JSON
{"version": 1, "rules": [{"name": "no-admin", "host": "127.0.0.1", "path": "/admin", "action": "deny"},
  {"name": "lo", "host": "127.0.0.1", "port": [$PP, $UP], "action": "allow"}]}
JSON
out=$("$MOAT" do --network=sandbox --policy "$D/no-admin.json" -- sh -c "
	curl -s -o /dev/null -w '%{http_code} ' http://10.88.0.1:$PP/admin/users?port=any
	curl -s -o /dev/null -w '%{http_code} ' http://10.88.0.1:$PP/echo?port=any
	/usr/bin/python3 -c \"
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3); u.connect(('10.88.0.1', $UP))
u.send(b'udp echo')
try: print(u.recv(100).decode())
except OSError as e: print(e.strerror)\"" 2>&1)
is "a deny rule for a path, a plain allow for the port: the path denied, the rest allowed, no UDP" \
	"403 200 No route to host" "$out"
is "...the denied path never reached the upstream" 0 "$(grep -c '/admin/users?port=any' "$D/up.log")"
out=$(run -- /usr/bin/python3 -c "
import socket, time
t = time.time()
try:
    socket.create_connection(('10.88.0.1', $HP + 1), timeout=5)
except ConnectionRefusedError:
    print('refused', round(time.time() - t) < 2)" 2>&1)
is "a denied destination is refused at once (RST)" "refused True" "$out"
out=$(run -- curl -s -m 5 -w '%{http_code}' "http://rebind.test:$((HP + 1))/" 2>&1)
is "an allowed name that resolves to the host's loopback does not open it" "000" "$out"

# --- -p: a server in the guest, reached from the host ----------------------------
# A port free a moment ago (a random one could be another test's socket).
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run -p "$PORT:8000" -- /usr/bin/python3 -c '
import socket
s = socket.socket(); s.bind(("0.0.0.0", 8000)); s.listen(1); s.settimeout(20)
c, _ = s.accept(); c.sendall(b"served from the guest\n"); c.close()' &
guest=$!
got=""
for i in $(seq 1 50); do
	got=$(python3 -c "
import socket, sys
try:
    s = socket.create_connection(('127.0.0.1', $PORT), timeout=1); d = s.recv(100).decode().strip()
except OSError:
    sys.exit(1)
# Until the guest listens, netstack takes the connection and then closes it.
print(d); sys.exit(0 if d else 1)" 2>/dev/null) && break
	sleep 0.1
done
wait $guest
is "-p exposes a guest server on the host's loopback" "served from the guest" "$got"
# A host port already taken: the sandbox does not start without its forward.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1]); time.sleep(30)' "$D/taken.port" &
taker=$!
wait_file "$D/taken.port"
run -p "$(cat "$D/taken.port"):8000" -- echo ran >"$D/out" 2>&1
is "-p on a host port in use: 125" "125" "$?"
like "...saying which and why, the command not run" \
	"^moat: -p [0-9]+:8000: cannot listen on 127.0.0.1:[0-9]+: Address already in use .the port is in use: give another HOSTPORT.$" "$(cat "$D/out")"
kill $taker
run -p 192.0.2.1:18000:8000 -- echo ran >"$D/out" 2>&1
is "-p on an address the host does not have: 125" "125" "$?"
is "...naming the address given, not calling the port in use" \
	"moat: -p 192.0.2.1:18000:8000: cannot listen on 192.0.2.1:18000: Cannot assign requested address (the address is not one of this host's)" \
	"$(cat "$D/out")"

# --- the audit log ----------------------------------------------------------------
rm -f "$D/audit.jsonl"
run --audit "$D/audit.jsonl" -- sh -c "getent hosts nope.example; curl -s -o /dev/null https://api.test:$HP/echo" >/dev/null 2>&1
out=$(python3 -c '
import json, sys
seen = set()
for l in open(sys.argv[1]):
    r = json.loads(l)
    assert r["time"] and r["sandbox"], l
    if r.get("event") == "egress":
        seen.add("%s:%s" % (r["proto"], r["verdict"]))
    elif "method" in r:
        seen.add("http:%s" % r["decision"])
print(" ".join(sorted(seen)))' "$D/audit.jsonl" 2>&1)
is "--audit: netstack and outbound both record their decisions, one JSON object a line" \
	"dns:allow dns:deny http:allow tcp:allow" "$out"
check_fails "the audit log holds no secret" grep -q "$SECRET" "$D/audit.jsonl"

# --- bad input --------------------------------------------------------------------
"$MOAT" do --allow example.com -- true >"$D/err" 2>&1
is "--allow without --network=sandbox: 125" "125" "$?"
"$MOAT" do --network=sandbox $(for i in $(seq 257); do echo "--allow h$i.test"; done) -- true >"$D/err" 2>&1
is "257 --allow: 125" "125" "$?"
like "...saying the limit and the way around it" "--allow: at most 256 .a --policy file takes more." "$(cat "$D/err")"
"$MOAT" do --network=sandbox --allow 'a b' -- true >"$D/err" 2>&1
is "a bad --allow: 125" "125" "$?"
is "...named once, with why" 'moat: --allow a b: host: "a b" is not a valid host name or address' "$(cat "$D/err")"
"$MOAT" do --network=sandbox -p 99999:80 -- true >"$D/err" 2>&1
is "a bad -p: 125" "125" "$?"
like "...named once, with the forms it takes" "^moat do: -p 99999:80: expected HOSTPORT:GUESTPORT or ADDR:HOSTPORT:GUESTPORT .ports 1-65535. .see: moat do --help.$" "$(cat "$D/err")"
mkdir "$D/alone" && cp "$MOAT" "$D/alone/moat"
"$D/alone/moat" do --network=sandbox -- true >"$D/err" 2>&1
is "moat without moat-outbound beside it: 125" "125" "$?"
like "...saying what is missing" "cannot run $D/alone/moat-outbound .it is installed next to moat.: No such file" "$(cat "$D/err")"
"$D/alone/moat" do --network=none -- true 2>"$D/err"
is "...while --network=none needs no moat-outbound" "0" "$?"
"$MOAT" do --network=sandbox --secret API_TOKEN=env:NOT_SET_ANYWHERE -- true >"$D/err" 2>&1
is "a secret from an unset variable: 125" "125" "$?"
: >"$D/empty.secret"
"$MOAT" do --network=sandbox --secret API_TOKEN=file:"$D/empty.secret" -- true >"$D/err" 2>&1
is "an empty secret file: 125" "125" "$?"
like "...named, the value never shown" "API_TOKEN=file:.*empty" "$(cat "$D/err")"
echo "not a key" >"$D/bad.key"
"$MOAT" do --network=sandbox --identity-key "$D/bad.key" -- true >"$D/err" 2>&1
is "an identity key that is not one: 125" "125" "$?"
is "...naming the option and the file, and what a key must be" \
	"moat: --identity-key $D/bad.key: not a PEM private key (give an EC P-256 or an RSA key of 2048 bits or more, in PEM)" \
	"$(cat "$D/err")"
"$MOAT" do --network=sandbox --identity-pub "$D/no-such-dir/id.pub" -- true >"$D/err" 2>&1
is "an --identity-pub file in a missing directory: 125" "125" "$?"
is "...naming the option and the file" \
	"moat: --identity-pub $D/no-such-dir/id.pub: No such file or directory (the file's directory must exist)" \
	"$(cat "$D/err")"
TOK=x "$MOAT" do --network=sandbox --secret API_TOKEN=env:TOK -e TOK -- true >"$D/err" 2>&1
is "a secret's variable also passed with -e: 125" "125" "$?"
like "...saying the guest would hold it" "environment would hold TOK" "$(cat "$D/err")"
echo '{"rules": [{"host": "x", "action": "maybe"}]}' >"$D/bad.json"
"$MOAT" do --network=sandbox --policy "$D/bad.json" -- true >"$D/err" 2>&1
is "a bad policy file: 125" "125" "$?"
like "a bad policy file: says where" "rules\[0\]" "$(cat "$D/err")"

finish
