#!/bin/bash
# tests/integration/outbound.sh - moat-outbound with real clients and a real
# upstream: curl, python3 urllib and git through the explicit proxy, raw
# requests for what clients would never send, and a flow handed over the way
# netstack hands them.  The upstream (outbound_upstream.py) has its own test
# CA and logs every request it parses; the secret is a made-up value that
# only outbound and the upstream are given.
set -u
. "$(dirname "$0")/../lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
OB=${BUILD:-build}/moat-outbound
[ -x "$OB" ] || OB=$(pwd)/build/moat-outbound
CLIENT="python3 $HERE/outbound_client.py"
D=$T_TMP
SECRET="ghp-made-up-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
. tests/upstream.sh

# ---- the upstream: its CA, its certificate, a git repository -------------
start_upstream "$D" "$SECRET" "DNS:api.test,DNS:pass.test,DNS:deny.test,DNS:nows.test,IP:127.0.0.1"

# ---- the policy ----------------------------------------------------------
cat >"$D/policy.json" <<JSON
{
  "version": 1,
  "rules": [
    {"name": "no-delete", "host": "api.test", "method": "DELETE", "action": "deny",
     "reason": "deleting is not allowed here"},
    {"name": "no-admin", "host": "api.test", "path": "/admin", "action": "deny",
     "reason": "the admin API is off limits"},
    {"name": "api", "host": "api.test", "port": $HP, "action": "allow", "websocket": true,
     "inject": {"Authorization": "Bearer \${API_TOKEN}",
                "X-Sandbox-Identity": "\${MOAT_IDENTITY_TOKEN}"},
     "identity": {"audience": "https://api.test", "ttl": 120}},
    {"name": "plain", "host": "plain.test", "action": "allow",
     "inject": {"X-Api-Key": "\${API_TOKEN}"}},
    {"name": "plain-ok", "host": "plainok.test", "action": "allow", "plaintext_inject": true,
     "inject": {"X-Api-Key": "\${API_TOKEN}"}},
    {"name": "pass", "host": "pass.test", "action": "passthrough"},
    {"name": "blocked", "host": "deny.test", "action": "deny", "reason": "this host is blocked"},
    {"name": "nows", "host": "nows.test", "action": "allow"},
    {"name": "local", "host": "localhost", "action": "allow"},
    {"name": "wrong", "host": "wrong.test", "action": "allow",
     "inject": {"Authorization": "Bearer \${API_TOKEN}"}}
  ]
}
JSON

PINS=()
for h in api.test pass.test deny.test nows.test wrong.test; do PINS+=(--resolve "$h:$HP:127.0.0.1"); done
for h in plain.test plainok.test; do PINS+=(--resolve "$h:$PP:127.0.0.1"); done
OBARGS=(--policy "$D/policy.json" --secret API_TOKEN=env:OB_TEST_TOKEN --sandbox-id itest
	--extra-ca "$D/upca.pem" --no-system-ca "${PINS[@]}")

# ---- configuration checks --------------------------------------------------
out=$(OB_TEST_TOKEN="$SECRET" "$OB" --help 2>&1)
check "--help works and shows no secret" test "$(printf '%s' "$out" | grep -c -- "$SECRET")" = 0 -a -n "$out"
out=$(OB_TEST_TOKEN="$SECRET" "$OB" "${OBARGS[@]}" --check 2>&1)
like "--check lists the secret by name and source" "secret API_TOKEN from env:OB_TEST_TOKEN \(${#SECRET} bytes\)" "$out"
like "--check lists the rules" 'rule 3 "api": allow host api\.test port [0-9]+ inject Authorization: Bearer \$\{API_TOKEN\}' "$out"
is "--check never prints the value" 0 "$(printf '%s' "$out" | grep -c -- "$SECRET")"
printf '{"rules": [{"host": "x.test", "action": "allow", "inject": {"A": "${NOPE}"}}]}' >"$D/bad.json"
out=$(OB_TEST_TOKEN="$SECRET" "$OB" --policy "$D/bad.json" --secret API_TOKEN=env:OB_TEST_TOKEN --listen 127.0.0.1:0 2>&1)
rc=$?
is "a policy using an undefined secret is refused (exit 125)" 125 "$rc"
like "... naming the rule, header and secret" 'rule "rule 1": header A uses \$\{NOPE\}, which no --secret defines' "$out"
out=$("$OB" --secret API_TOKEN=env:OB_UNSET_VARIABLE --listen 127.0.0.1:0 2>&1)
like "a missing secret variable is a clear error" 'API_TOKEN=env:OB_UNSET_VARIABLE: the variable is not set' "$out"
printf 'a\r\nb' >"$D/crlf.secret"
out=$("$OB" --secret K=file:"$D/crlf.secret" --listen 127.0.0.1:0 2>&1)
like "a secret with CR/LF is refused without showing it" 'K=file:.*control character' "$out"

# ---- the start-up channel the sentry uses (--ctl-fd) -------------------------
ctl() {
	python3 - "$OB" "$@" <<'PY'
import socket, subprocess, sys
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
f, g = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
p = subprocess.Popen([sys.argv[1], "--ctl-fd", str(b.fileno()), "--flow-fd", str(g.fileno())]
                     + sys.argv[2:], pass_fds=(b.fileno(), g.fileno()), stderr=subprocess.PIPE)
b.close(); g.close()
a.settimeout(20)
msgs = []
while True:
    m = a.recv(65536)
    if not m:
        break
    msgs.append(m.decode(errors="replace"))
    if m[:1] in (b"+", b"!"):
        break
f.close()   # no more flows: outbound ends
p.wait(timeout=20)
err = p.stderr.read().decode()
print("first:", "PEM" if msgs and msgs[0].startswith("-----BEGIN CERTIFICATE-----") else repr(msgs[:1]))
print("last:", msgs[-1][:120] if len(msgs) > 1 else "none")
print("exit:", p.returncode, "stderr:", "empty" if not err else err.strip())
PY
}
out=$(ctl --sandbox-id ctl1 --allow x.test --no-system-ca 2>&1)
like "--ctl-fd: the CA's certificate comes first" "first: PEM" "$out"
like "--ctl-fd: then + once confined" "last: \+" "$out"
like "--ctl-fd: ends cleanly when its flow channel closes" "exit: 0 stderr: empty" "$out"
out=$(ctl --sandbox-id ctl2 --secret K=env:OB_UNSET_VARIABLE 2>&1)
like "--ctl-fd: a bad secret after the CA is told there" "last: !--secret K=env:OB_UNSET_VARIABLE: the variable is not set" "$out"
like "--ctl-fd: ...not on stderr, exit 125" "exit: 125 stderr: empty" "$out"
out=$("$OB" --ctl-fd 2 --flow-fd 3 2>&1)
is "--ctl-fd 2: refused (exit 125)" 125 "$?"
like "...saying what it expects" "--ctl-fd 2: expected an fd number from 3 to 65535" "$out"
out=$("$OB" --flow-fd 65536 2>&1)
is "--flow-fd 65536: refused (exit 125)" 125 "$?"
like "...saying the range" "--flow-fd 65536: expected an fd number from 3 to 65535" "$out"
out=$("$OB" --flow-fd 3 --audit "$D/a.jsonl" --audit-fd 4 2>&1)
like "--audit and --audit-fd together: refused" "--audit and --audit-fd: give one" "$out"

# ---- outbound ---------------------------------------------------------------
# (a sanitizer build's leak check needs ptrace, which outbound's seccomp filter refuses)
OB_TEST_TOKEN="$SECRET" ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
	"$OB" "${OBARGS[@]}" --listen 127.0.0.1:0 --ready-file "$D/ready" \
	--ca-out "$D/moatca.pem" --identity-pub "$D/idpub.pem" --audit "$D/audit.log" \
	--flow-socket "$D/flows.sock" --log-level debug 2>"$D/outbound.err" &
OBPID=$!
PIDS+=($OBPID)
wait_file "$D/ready" || { echo "Bail out! moat-outbound did not start"; cat "$D/outbound.err"; exit 1; }
PROXY=$(cat "$D/ready")
CA="$D/moatca.pem"
CURL=(curl -sS --max-time 20 --proxy "http://$PROXY" --cacert "$CA")
OUT="$D/client-output"	# everything any client printed, searched for the secret at the end
: >"$OUT"

header_values() {	# NAME PATH: the values of header NAME the upstream got, one per line
	python3 - "$D/up.log" "$2" "$1" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["path"] == sys.argv[2]]
for k, v in (recs[-1]["headers"] if recs else []):
    if k.lower() == sys.argv[3].lower():
        print(v)
PY
}
upstream_saw() { grep -c -- "\"path\": \"$1" "$D/up.log"; }
sha() { printf '%s' "$1" | sha256sum | cut -c1-64; }

check "the CA certificate was written" openssl x509 -in "$CA" -noout
is "... and never its key" 0 "$(grep -c PRIVATE "$CA")"
like "the CA names the sandbox" "moat sandbox itest ephemeral CA" "$(openssl x509 -in "$CA" -noout -subject)"
is "outbound's environment no longer holds the secret" 0 "$(tr '\0' '\n' </proc/$OBPID/environ | grep -c -- "$SECRET")"

# ---- injection with real clients ------------------------------------------------
body=$("${CURL[@]}" "https://api.test:$HP/echo/curl" 2>&1); echo "$body" >>"$OUT"
like "curl: 200 through the proxy" '"path": "/echo/curl"' "$body"
is "curl: the upstream got the injected Authorization" "Bearer $SECRET" "$(header_values Authorization /echo/curl)"
like "curl: the response carries only its digest" "\"authorization\": \"$(sha "Bearer $SECRET")\"" "$body"

body=$("${CURL[@]}" -H "Authorization: Bearer guest-made-up" "https://api.test:$HP/echo/replace" 2>&1); echo "$body" >>"$OUT"
is "a guest-supplied Authorization is replaced, not merged" "Bearer $SECRET" "$(header_values Authorization /echo/replace)"
like "... the upstream saw exactly one" '"authorization_count": 1' "$body"

tok=$(header_values X-Sandbox-Identity /echo/curl)
claims=$($CLIENT jwt "$D/idpub.pem" "$tok")
like "identity token: signature valid for the written public key" '"signature": "valid"' "$claims"
like "identity token: names the sandbox" '"sandbox_id": "itest".*"sub": "sandbox:itest"' "$claims"
like "identity token: audience from the rule" '"aud": "https://api.test"' "$claims"
is "identity token: expires 120 s after issue" 120 "$(printf '%s' "$claims" | python3 -c 'import json,sys; c=json.load(sys.stdin); print(c["exp"]-c["iat"])')"
is "identity token: not yet expired" 1 "$(printf '%s' "$claims" | python3 -c 'import json,sys,time; c=json.load(sys.stdin); print(int(c["exp"] > time.time()))')"

body=$(env -u OB_TEST_TOKEN HTTPS_PROXY="http://$PROXY" SSL_CERT_FILE="$CA" python3 -c '
import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=20).read().decode())' "https://api.test:$HP/echo/urllib" 2>&1)
echo "$body" >>"$OUT"
like "python3 urllib: 200 through the proxy" '"path": "/echo/urllib"' "$body"
is "python3 urllib: the upstream got the injected header" "Bearer $SECRET" "$(header_values Authorization /echo/urllib)"

out=$(cd "$D" && env -u OB_TEST_TOKEN https_proxy="http://$PROXY" GIT_SSL_CAINFO="$CA" \
	GIT_TERMINAL_PROMPT=0 git clone -q "https://api.test:$HP/git/repo.git" clone 2>&1)
echo "$out" >>"$OUT"
check "git clone over HTTPS (the upstream demands the injected token)" test -f "$D/clone/README"
is "git: the clone has the repository's content" "hello from the upstream repository" "$(cat "$D/clone/README" 2>/dev/null)"
is "git: no trace of the secret in the clone" 0 "$(grep -rl -- "$SECRET" "$D/clone" 2>/dev/null | wc -l)"

# ---- denials ------------------------------------------------------------------------
body=$("${CURL[@]}" -w '\n%{http_code}' "https://deny.test:$HP/x" 2>&1); echo "$body" >>"$OUT"
like "denied host: 403 naming the rule and its reason" 'request denied by rule "blocked": this host is blocked.403$' "$(echo $body)"
body=$("${CURL[@]}" -w '\n%{http_code}' "https://nowhere.test/x" 2>&1); echo "$body" >>"$OUT"
like "no rule: 403 naming default-deny" 'rule "default-deny": no rule allows GET nowhere.test:443/x.403$' "$(echo $body)"
body=$("${CURL[@]}" -w '\n%{http_code}' -X DELETE "https://api.test:$HP/echo/del" 2>&1); echo "$body" >>"$OUT"
like "denied method: 403 naming the rule" 'rule "no-delete": deleting is not allowed here.403$' "$(echo $body)"
body=$("${CURL[@]}" -w '\n%{http_code}' "https://api.test:$HP/admin/users" 2>&1); echo "$body" >>"$OUT"
like "denied path: 403 naming the rule" 'rule "no-admin": the admin API is off limits.403$' "$(echo $body)"
body=$("${CURL[@]}" -w '\n%{http_code}' "https://api.test:$HP/%61dmin/panel" 2>&1); echo "$body" >>"$OUT"
like "denied path, percent-encoded: still 403" 'rule "no-admin".*403$' "$(echo $body)"
is "the upstream never saw a denied request" 0 "$(($(upstream_saw /echo/del) + $(upstream_saw /admin) + $(upstream_saw /%61dmin) + $(upstream_saw /admin/panel) + $(upstream_saw /x)))"

# ---- passthrough and plaintext -------------------------------------------------------
body=$(curl -sS --max-time 20 --proxy "http://$PROXY" --cacert "$D/upca.pem" "https://pass.test:$HP/echo/pass" 2>&1)
echo "$body" >>"$OUT"
like "passthrough: the upstream's own certificate, not intercepted" '"path": "/echo/pass"' "$body"
is "passthrough: nothing injected" "" "$(header_values Authorization /echo/pass)"
curl -sS --max-time 20 --proxy "http://$PROXY" --cacert "$CA" "https://pass.test:$HP/echo/pass2" >/dev/null 2>&1
is "passthrough: the sandbox CA does not fit (curl exit 60)" 60 "$?"

body=$("${CURL[@]}" "http://plain.test:$PP/echo/plain" 2>&1); echo "$body" >>"$OUT"
like "plaintext host: 200" '"path": "/echo/plain"' "$body"
is "plaintext host: no injection without plaintext_inject" "" "$(header_values X-Api-Key /echo/plain)"
body=$("${CURL[@]}" -H "X-Api-Key: guest" "http://plainok.test:$PP/echo/plainok" 2>&1); echo "$body" >>"$OUT"
is "plaintext host with plaintext_inject: injected" "$SECRET" "$(header_values X-Api-Key /echo/plainok)"

# ---- what the upstream must never see -------------------------------------------
raw() {	# NAME FILE-CONTENT [tls]: send raw bytes, print the reply's status code
	printf "$2" >"$D/raw.req"
	if [ "${3:-}" = tls ]; then
		$CLIENT raw "$PROXY" "$D/raw.req" --connect "api.test:$HP" --cafile "$CA" >"$D/raw.out" 2>&1
	else
		$CLIENT raw "$PROXY" "$D/raw.req" >"$D/raw.out" 2>&1
	fi
	cat "$D/raw.out" >>"$OUT"
	head -1 "$D/raw.out" | tr -d '\r'
}
P="http://plain.test:$PP"
is "smuggling: Content-Length with Transfer-Encoding is 400" "HTTP/1.1 400 Bad Request" \
	"$(raw cl-te "POST $P/smuggle-1 HTTP/1.1\r\nHost: plain.test\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX")"
is "smuggling: two Content-Lengths are 400" "HTTP/1.1 400 Bad Request" \
	"$(raw cl-cl "POST $P/smuggle-2 HTTP/1.1\r\nHost: plain.test\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde")"
is "smuggling: a bad chunk size is 400" "HTTP/1.1 400 Bad Request" \
	"$(raw chunk "POST $P/smuggle-3 HTTP/1.1\r\nHost: plain.test\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n")"
is "smuggling: chunk data without its CRLF is 400" "HTTP/1.1 400 Bad Request" \
	"$(raw chunk-crlf "POST $P/smuggle-4 HTTP/1.1\r\nHost: plain.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n")"
is "smuggling: an obfuscated Transfer-Encoding is 400" "HTTP/1.1 400 Bad Request" \
	"$(raw te-obf "POST $P/smuggle-5 HTTP/1.1\r\nHost: plain.test\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n")"
is "smuggling inside TLS: Content-Length with Transfer-Encoding is 400" "HTTP/1.1 400 Bad Request" \
	"$(raw tls-cl-te "POST /smuggle-6 HTTP/1.1\r\nHost: api.test\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX" tls)"
is "the upstream never saw a smuggling attempt" 0 "$(upstream_saw /smuggle)"

# A TLS hello with two host names (RFC 6066 allows one), to a passthrough
# host: judged by the first, it was relayed as it was, and a server there for
# the other could have answered it.  The first byte of the answer: 22 a
# handshake, 21 an alert (the upstream's); or the tunnel is closed.
hello() {	# NAME...: the record type outbound answers a hello naming them with
	python3 - "$PROXY" "$HP" "$@" <<'PY'
import os, socket, struct, sys
proxy, port, names = sys.argv[1], sys.argv[2], sys.argv[3:]
ech = names[-1] == "+ech"       # an encrypted_client_hello extension too
names = names[:-1] if ech else names
host, pport = proxy.rsplit(":", 1)
ext = lambda t, d: struct.pack("!HH", t, len(d)) + d
sni = b"".join(b"\0" + struct.pack("!H", len(n)) + n.encode() for n in names)  # host_name entries
exts = (ext(0, struct.pack("!H", len(sni)) + sni) +            # server_name
        ext(10, bytes.fromhex("0004001d0017")) +                # x25519, P-256
        ext(11, bytes.fromhex("0100")) +                        # uncompressed points
        ext(13, bytes.fromhex("0006040308040401")) +            # signature algorithms
        (ext(0xfe0d, b"\0" + os.urandom(40)) if ech else b""))
body = (bytes.fromhex("0303") + os.urandom(32) + b"\0" +       # TLS 1.2, no session
        bytes.fromhex("0006c02bc02f009c") + bytes.fromhex("0100") +  # 3 ciphers, no compression
        struct.pack("!H", len(exts)) + exts)
hs = b"\1" + struct.pack("!I", len(body))[1:] + body
s = socket.create_connection((host, int(pport)), timeout=10)
s.sendall(("CONNECT %s:%s HTTP/1.1\r\nHost: %s:%s\r\n\r\n" % (names[0], port, names[0], port)).encode())
reply = b""
while b"\r\n\r\n" not in reply:
    reply += s.recv(1)
s.sendall(bytes.fromhex("160301") + struct.pack("!H", len(hs)) + hs)
first = s.recv(1)
print(first[0] if first else "closed")
PY
}
is "a TLS hello naming one host is answered" 22 "$(hello api.test)"
is "... and one to a passthrough host, by the upstream" 22 "$(hello pass.test)"
is "a TLS hello naming two hosts is refused, never relayed" closed "$(hello pass.test evil.test)"
is "an encrypted hello (ECH) to a passthrough host is refused, never relayed" closed \
	"$(hello pass.test +ech)"
is "... while one to a host outbound intercepts is answered, by outbound" 22 "$(hello api.test +ech)"
is "a malformed request line is 400" "HTTP/1.1 400 Bad Request" "$(raw garbage "GARBAGE\r\n\r\n")"
is "an unsupported HTTP version is 505" "HTTP/1.1 505 HTTP Version Not Supported" \
	"$(raw version "GET $P/v HTTP/1.2\r\nHost: plain.test\r\n\r\n")"
big=$(head -c 70000 /dev/zero | tr '\0' a)
is "a huge header is 431" "HTTP/1.1 431 Request Header Fields Too Large" \
	"$(raw huge "GET $P/huge HTTP/1.1\r\nHost: plain.test\r\nX-Big: $big\r\n\r\n")"
is "a Host that does not match the tunnel is 421" "HTTP/1.1 421 Misdirected Request" \
	"$(raw host "GET /echo/host HTTP/1.1\r\nHost: evil.test\r\n\r\n" tls)"
is "an origin-form request to the proxy itself is 400" "HTTP/1.1 400 Bad Request" \
	"$(raw origin "GET /echo HTTP/1.1\r\nHost: plain.test\r\n\r\n")"

# ---- upstreams that fail, private addresses --------------------------------------------
"${CURL[@]}" -o /dev/null "https://api.test:$HP/reset" 2>>"$OUT"
is "an upstream reset mid-body reaches the client as a reset (curl exit 56)" 56 "$?"
body=$("${CURL[@]}" -w '\n%{http_code}' "https://wrong.test:$HP/never-sent" 2>&1); echo "$body" >>"$OUT"
like "an upstream whose certificate does not match: 502" 'TLS with the upstream wrong.test failed: certificate verification failed.*502$' "$(echo $body)"
body=$("${CURL[@]}" -w '\n%{http_code}' "http://localhost:$PP/echo/local" 2>&1); echo "$body" >>"$OUT"
like "a name resolving to loopback: 403 unless a rule names the address" 'localhost is (127\.0\.0\.1|::1), a private or local address.*403$' "$(echo $body)"
is "... the upstream never saw it" 0 "$(upstream_saw /echo/local)"

# ---- keep-alive, big bodies, WebSocket --------------------------------------------------
out=$("${CURL[@]}" -v -o /dev/null -o /dev/null -o /dev/null "https://api.test:$HP/echo/ka1" \
	"https://api.test:$HP/echo/ka2" "https://api.test:$HP/echo/ka3" 2>&1)
is "keep-alive: curl reused the proxy connection" 2 "$(printf '%s\n' "$out" | grep -c 'Re-using existing connection')"
is "keep-alive: three requests over one upstream connection" 1 "$(grep '"path": "/echo/ka' "$D/up.log" | python3 -c '
import json, sys; print(len({json.loads(l)["client"] for l in sys.stdin}))')"
# Each curl run above is a new guest connection, so a new upstream one: after
# the first, outbound offers the session it kept for api.test:$HP.
"${CURL[@]}" -o /dev/null "https://api.test:$HP/echo/resume1" "https://api.test:$HP/echo/resume2" \
	--next "${CURL[@]:1}" -o /dev/null "https://api.test:$HP/echo/resume3"
resumed() { python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["path"] == sys.argv[2]: print(r["resumed"])' "$D/up.log" "$1"; }
is "TLS resumption: the third upstream connection resumed a session" True "$(resumed /echo/resume3)"

N=$((32 * 1024 * 1024))
want=$(python3 -c '
import hashlib, sys
n = int(sys.argv[1]); h = hashlib.sha256(); b = bytes((i * 7 + 3) & 0xff for i in range(65536))
while n > 0:
    k = min(n, len(b)); h.update(b[:k]); n -= k
print(h.hexdigest())' $N)
is "a 32 MiB download has the right checksum" "$want" "$("${CURL[@]}" "https://api.test:$HP/big?n=$N" | sha256sum | cut -c1-64)"
is "a chunked download arrives whole" 3000000 "$("${CURL[@]}" "https://api.test:$HP/chunked?n=3000000" | wc -c)"
head -c $((16 * 1024 * 1024)) /dev/urandom >"$D/upload.bin"
body=$("${CURL[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$D/upload.bin" "https://api.test:$HP/upload")
is "a 16 MiB chunked upload arrives with the right checksum" \
	"$(sha256sum <"$D/upload.bin" | cut -c1-64)" "$(printf '%s' "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["body_sha256"])')"

out=$($CLIENT ws "$PROXY" "api.test:$HP" "$CA" /ws 2>&1); echo "$out" >>"$OUT"
is "WebSocket where the rule allows it" "$(printf 'HTTP/1.1 101 Switching Protocols\necho: hello')" "$out"
out=$($CLIENT ws "$PROXY" "nows.test:$HP" "$CA" /ws 2>&1); echo "$out" >>"$OUT"
like "WebSocket where it does not: 403 naming the rule" 'HTTP/1.1 403 Forbidden.*rule "nows": it does not allow WebSocket' "$(echo $out)"

# ---- flows handed over as netstack does ---------------------------------------------------
printf 'GET /echo/handoff HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n' >"$D/h.req"
out=$($CLIENT handoff "$D/flows.sock" api.test "$HP" 127.0.0.1 "$CA" "$D/h.req" 2>&1); echo "$out" >>"$OUT"
like "hand-off: a flow over the unix socket is intercepted and served" '^HTTP/1.1 200 OK' "$out"
is "hand-off: the upstream got the injected header" "Bearer $SECRET" "$(header_values Authorization /echo/handoff)"
out=$($CLIENT handoff "$D/flows.sock" api.test "$HP" 127.0.0.1 "$CA" "$D/h.req" --magic 0x1234 2>&1)
is "hand-off: a malformed message is refused (its fd closed)" "handoff refused: the connection was closed" "$out"
out=$($CLIENT handoff "$D/flows.sock" api.test "$HP" 127.0.0.1 "$CA" "$D/h.req" 2>&1)
like "hand-off: the channel still works afterwards" '^HTTP/1.1 200 OK' "$out"

# ---- the audit log, and where the secret must not be ------------------------------------------
kill -TERM "$OBPID" 2>/dev/null; wait "$OBPID" 2>/dev/null
rc=$?
is "outbound exits 0 on SIGTERM" 0 "$rc"
[ "$rc" = 0 ] || tail -20 "$D/outbound.err" | sed 's/^/# outbound: /'
check "every audit line is JSON with the required fields" python3 -c '
import json, sys
need = {"time", "sandbox", "method", "host", "port", "path", "status", "bytes_up", "bytes_down",
        "rule", "decision", "injected", "latency_us"}
for line in open(sys.argv[1]):
    r = json.loads(line)
    missing = need - r.keys()
    assert not missing, (missing, line)
    assert r["sandbox"] == "itest", line' "$D/audit.log"
audit_of() { python3 - "$D/audit.log" "$1" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["path"] == sys.argv[2]:
        print(r["decision"], r["status"], r["rule"], ",".join(r["injected"]), r["bytes_down"] > 0, r["latency_us"] > 0)
PY
}
is "audit: an allowed request, with the injected names" "allow 200 api API_TOKEN,MOAT_IDENTITY_TOKEN True True" "$(audit_of /echo/curl)"
is "audit: a denied request" "deny 403 no-admin  False True" "$(audit_of /admin/users)"
is "audit: a request that never reached its upstream names no injected header" \
	"error 502 wrong  False True" "$(audit_of /never-sent)"
is "audit: the big download's bytes" "$N" "$(python3 -c '
import json, sys
print([json.loads(l)["bytes_down"] for l in open(sys.argv[1]) if json.loads(l)["path"] == "/big"][0])' "$D/audit.log")"
like "audit: the reset" '"path":"/reset".*"decision":"error","reason":"the upstream api.test: reset the connection in the middle of the response"' "$(cat "$D/audit.log")"
like "audit: the passthrough connection" '"host":"pass.test".*"rule":"pass","decision":"passthrough"' "$(cat "$D/audit.log")"
like "audit: plaintext injection skipped is noted" '"path":"/echo/plain".*"note":"injection skipped: the request left in plaintext"' "$(cat "$D/audit.log")"
is "the secret is in no audit line" 0 "$(grep -c -- "$SECRET" "$D/audit.log")"
like "the debug log records each judged request" 'GET api\.test:[0-9]+/echo/curl: allowed by api' "$(cat "$D/outbound.err")"
is "the secret is not in outbound's own output (at --log-level debug)" 0 "$(grep -c -- "$SECRET" "$D/outbound.err")"
is "the secret is in no client's output" 0 "$(grep -c -- "$SECRET" "$OUT")"
is "the clients' environment never held the secret" 0 "$(env -u OB_TEST_TOKEN env | grep -c -- "$SECRET")"

finish
