#!/bin/bash
# HTTP/1.1 through outbound in `moat do --network=sandbox`: a raw client in
# the sandbox (python3 sockets, so that every byte it gets is compared), curl,
# and http_upstream.py on the host's loopback answering by script.  What is
# asserted is what the guest gets, byte for byte, and what the upstream got.
. tests/lib.sh

D=$T_TMP
. tests/upstream.sh

python3 tests/integration/http_upstream.py "$D/port" "$D/up.log" &
PIDS+=($!)
wait_file "$D/port" || { echo "Bail out! the upstream did not start"; exit 1; }
P=$(cat "$D/port")
cat >"$D/policy.json" <<JSON
{"version": 1, "rules": [
  {"name": "up", "host": ["up.test", "up2.test", "127.0.0.1"], "port": $P, "path": "/", "action": "allow"}
]}
JSON
# The client: sends each argument (a Python bytes literal; "|" between two
# means a pause of 0.5 s, "~" at the start a half-close after it) on one
# connection to up.test, and prints what it got, then <EOF> or <timeout>.
cat >"$D/client.py" <<'PY'
import ast, socket, sys, time
s = socket.create_connection(("up.test", int(sys.argv[1])))
s.settimeout(3)
out = b""
for i, a in enumerate(sys.argv[2:]):
    half = a.startswith("~")
    for j, part in enumerate((a[1:] if half else a).split("|")):
        if j:
            time.sleep(0.5)
        s.sendall(ast.literal_eval("b'" + part + "'"))
    if half:
        s.shutdown(socket.SHUT_WR)
    if i + 2 < len(sys.argv) - 1:
        time.sleep(0.5)
try:
    while True:
        d = s.recv(65536)
        if not d:
            out += b"<EOF>"
            break
        out += d
except socket.timeout:
    out += b"<timeout>"
sys.stdout.buffer.write(out.replace(b"\r\n", b"|").replace(b"\n", b"\\n").replace(b"a" * 30000, b"a*30000"))
PY
run() {
	"$MOAT" do --network=sandbox --policy "$D/policy.json" --add-host up.test:10.88.0.1 \
		--add-host up2.test:10.88.0.1 --audit "$D/audit.log" "$@"
}
raw() { run -- python3 - "$P" "$@" <"$D/client.py" 2>&1; }
H="Host: up.test:$P\\r\\n"
CLOSE="Connection: close\\r\\n"
exchange() {	# NAME EXPECTED REQUEST...: what the guest gets for the requests
	local name=$1 want=$2
	shift 2
	is "$name" "$want" "$(raw "$@")"
}
upstream_got() { grep -c "\"line\": \"$1" "$D/up.log"; }

# --- framing ----------------------------------------------------------------
exchange "three pipelined requests: three answers, in order, then the close" \
	"HTTP/1.1 200 OK|Content-Length: 8|Connection: keep-alive||GET /a 0HTTP/1.1 200 OK|Content-Length: 8|Connection: keep-alive||GET /b 0HTTP/1.1 200 OK|Content-Length: 8|Connection: close||GET /c 0<EOF>" \
	"GET /a HTTP/1.1\r\n$H\r\nGET /b HTTP/1.1\r\n$H\r\nGET /c HTTP/1.1\r\n$H$CLOSE\r\n"
exchange "HEAD with a Content-Length and no body, then GET on the same connection" \
	"HTTP/1.1 200 OK|Content-Length: 10|Connection: keep-alive||HTTP/1.1 200 OK|Content-Length: 10|Connection: close||0123456789<EOF>" \
	"HEAD /len HTTP/1.1\r\n$H\r\nGET /len HTTP/1.1\r\n$H$CLOSE\r\n"
exchange "a 304 with a Content-Length ends at its head; the next request is answered" \
	"HTTP/1.1 304 Not Modified|ETag: \"x\"|Content-Length: 99|Connection: keep-alive||HTTP/1.1 200 OK|Content-Length: 11|Connection: close||GET /next 0<EOF>" \
	"GET /304 HTTP/1.1\r\n$H\r\nGET /next HTTP/1.1\r\n$H$CLOSE\r\n"
exchange "a 204, then the next request" \
	"HTTP/1.1 204 No Content|Connection: keep-alive||HTTP/1.1 200 OK|Content-Length: 11|Connection: close||GET /next 0<EOF>" \
	"GET /204 HTTP/1.1\r\n$H\r\nGET /next HTTP/1.1\r\n$H$CLOSE\r\n"
exchange "a chunked body with an extension and a trailer, as sent" \
	"HTTP/1.1 200 OK|Transfer-Encoding: chunked|Connection: close||5;ext=1|hello|6| world|0|X-Sum: 42||<EOF>" \
	"GET /chunked HTTP/1.1\r\n$H$CLOSE\r\n"
exchange "a body ended by the upstream's close: Connection: close, then the close" \
	"HTTP/1.1 200 OK|Connection: close||until close<EOF>" \
	"GET /eof HTTP/1.1\r\n$H\r\n"
exchange "HTTP/1.0 without keep-alive: answered, then closed" \
	"HTTP/1.1 200 OK|Content-Length: 10|Connection: close||GET /ten 0<EOF>" \
	"GET /ten HTTP/1.0\r\n$H\r\n"
is "...and it went upstream as HTTP/1.0" 1 "$(upstream_got "GET /ten HTTP/1.0")"
exchange "a client that half-closes after its request gets the answer, then the close" \
	"HTTP/1.1 200 OK|Content-Length: 11|Connection: keep-alive||GET /half 0<EOF>" \
	"~GET /half HTTP/1.1\r\n$H\r\n"
exchange "a chunked upload with an extension and a trailer" \
	"HTTP/1.1 200 OK|Content-Length: 16|Connection: close||POST /chunk-up 3<EOF>" \
	"POST /chunk-up HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n$CLOSE\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n"
exchange "Expect: 100-continue: the 100 comes before the body is sent, the answer after" \
	"HTTP/1.1 100 Continue||HTTP/1.1 200 OK|Content-Length: 14|Connection: close||POST /expect 5<EOF>" \
	"POST /expect HTTP/1.1\r\n${H}Content-Length: 5\r\nExpect: 100-continue\r\n$CLOSE\r\n|12345"
head -c 300000 /dev/urandom >"$D/upload"
want=$(curl -s -H 'Expect: 100-continue' -T "$D/upload" "http://127.0.0.1:$P/curl-put" 2>&1)
out=$(run -v "$D/upload:/upload" -- curl -s -H 'Expect: 100-continue' -T /upload "http://up.test:$P/curl-put" 2>&1)
is "curl -T with Expect: 100-continue: the same answer as direct" "$want" "$out"
out=$(run -- /usr/bin/python3 -c "
import http.client
c = http.client.HTTPConnection('up.test', $P)
for p in ('/k1', '/closeafter', '/k2'):
    c.request('GET', p); r = c.getresponse(); print(r.status, r.read().decode())" 2>&1)
is "python3 http.client: keep-alive across an upstream close" "200 GET /k1 0
200 ok
200 GET /k2 0" "$out"

# Two names of one address: each connection carries the name looked up last,
# which the client then sends as its Host.
out=$(run -- /usr/bin/python3 -c "
import urllib.request
for h in ('up.test', 'up2.test', 'up.test'):
    print(urllib.request.urlopen('http://%s:$P/name-%s' % (h, h)).read().decode())" 2>&1)
is "two names of one address, each looked up before its request: each answered" \
	"GET /name-up.test 0
GET /name-up2.test 0
GET /name-up.test 0" "$out"
is "...and the upstream got each as its Host" "Host: up.test:$P Host: up2.test:$P" \
	"$(grep -o '"line": "GET /name-up2\?.test.*Host: [^\\]*' "$D/up.log" | grep -o 'Host: [^\\]*' | sort -u | tr '\n' ' ' | sed 's/ $//')"

# ...and a client that looks both up first, then connects to the address it
# kept for the first (as a DNS cache would): each connection may take either
# name, judged by that name's rules; one it did not look up is 421.
out=$(run -- /usr/bin/python3 -c "
import http.client, socket
a = socket.gethostbyname('up.test'); b = socket.gethostbyname('up2.test')
for host in ('up.test', 'up2.test', 'other.test'):
    c = http.client.HTTPConnection(a, $P)
    c.request('GET', '/cached-' + host, headers={'Host': '%s:$P' % host})
    r = c.getresponse(); print(a == b, r.status, r.read().decode().split(chr(10))[0]); c.close()" 2>&1)
is "two names of one address, both looked up first: either is taken, another is 421" \
	"True 200 GET /cached-up.test 0
True 200 GET /cached-up2.test 0
True 421 moat outbound: Host other.test:$P does not match this connection's destination up2.test" "$out"

# --- the upstream closes a kept-alive connection --------------------------------
exchange "the upstream closed a kept-alive connection: the next request goes on a new one" \
	"HTTP/1.1 200 OK|Content-Length: 2|Connection: keep-alive||okHTTP/1.1 200 OK|Content-Length: 18|Connection: close||GET /after-close 0<EOF>" \
	"GET /closeafter HTTP/1.1\r\n$H\r\n" "GET /after-close HTTP/1.1\r\n$H$CLOSE\r\n"
exchange "it closes as a GET arrives: the GET is sent again on a new connection" \
	"HTTP/1.1 200 OK|Content-Length: 12|Connection: keep-alive||GET /drop1 0HTTP/1.1 200 OK|Content-Length: 15|Connection: close||GET /drop-get 0<EOF>" \
	"GET /drop1 HTTP/1.1\r\n$H\r\n" "GET /drop-get HTTP/1.1\r\n$H$CLOSE\r\n"
is "...the upstream read it twice" 2 "$(upstream_got "GET /drop-get")"
out=$(raw "GET /drop1 HTTP/1.1\r\n$H\r\n" "POST /drop-post HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nhi")
like "...a POST is not sent again: 502, then the close" \
"^HTTP/1.1 200 OK.*HTTP/1.1 502 Bad Gateway\|.*closed the connection before answering.*<EOF>$" "$out"
is "...the upstream read it once" 1 "$(upstream_got "POST /drop-post")"
like "...and the audit log says why" \
'"method":"POST".*"path":"/drop-post".*"status":502.*"decision":"error","reason":"the upstream up.test: closed the connection before answering"' \
	"$(grep drop-post "$D/audit.log")"
for how in drop:closed reset:reset; do
	out=$(raw "POST /continue-${how%:*} HTTP/1.1\r\n${H}Content-Length: 5\r\nExpect: 100-continue\r\n\r\n|12345")
	like "the upstream ${how#*:} the connection after its 100 Continue: 502 after the 100" \
"^HTTP/1.1 100 Continue\|\|HTTP/1.1 502 Bad Gateway\|.*${how#*:} the connection after 100 Continue, before the final response.*<EOF>$" "$out"
	like "...and the audit log says so" \
"\"path\":\"/continue-${how%:*}\".*\"status\":502.*\"decision\":\"error\",\"reason\":\"the upstream up.test: ${how#*:} the connection after 100 Continue, before the final response\"" \
		"$(grep "continue-${how%:*}" "$D/audit.log")"
done

# --- slow peers -------------------------------------------------------------------
out=$(run -- /usr/bin/python3 -c "
import socket, time
s = socket.create_connection(('up.test', $P))
for ch in b'GET /slow-client HTTP/1.1\r\nHost: up.test\r\nConnection: close\r\n\r\n':
    s.sendall(bytes([ch])); time.sleep(0.005)
print(s.makefile('rb').read().decode().split('\r\n')[-1])" 2>&1)
is "a client that sends its request a byte at a time" "GET /slow-client 0" "$out"
exchange "an upstream that sends its body a byte at a time" \
	"HTTP/1.1 200 OK|Content-Length: 5|Connection: close||slow!<EOF>" \
	"GET /slow HTTP/1.1\r\n$H$CLOSE\r\n"

# --- what a strict reader refuses, and what it passes ------------------------------
for c in "fold:GET /fold HTTP/1.1\r\n${H}X: a\r\n b\r\n\r\n:obsolete line folding" \
	"bare-lf:GET /bare-lf HTTP/1.1\r\n${H}X: a\n\r\n:a bare LF" \
	"cl-te:POST /cl-te HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n:Content-Length with Transfer-Encoding" \
	"te-space:POST /te-space HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n:a header name with characters a token cannot have" \
	"two-cl:POST /two-cl HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab:repeated Content-Length"; do
	name=${c%%:*}
	req=${c#*:}
	why=${req##*:}
	req=${req%:*}
	out=$(raw "$req")
	like "smuggling ($name): 400 $why" "^HTTP/1.1 400 Bad Request\|.*$why.*<EOF>$" "$out"
	is "...and the upstream never saw it" 0 "$(grep -c "/$name" "$D/up.log")"
done
exchange "an absolute-form target naming the destination" \
	"HTTP/1.1 200 OK|Content-Length: 15|Connection: close||GET /absolute 0<EOF>" \
	"GET http://up.test:$P/absolute HTTP/1.1\r\n$H$CLOSE\r\n"
upstream_host() { grep "\"line\": \"GET $1 " "$D/up.log" | grep -o 'Host: [^\\]*' | head -1; }
# The gateway, named by its address: netstack connects to the host's
# 127.0.0.1, which the rule names, and the guest knows it as 10.88.0.1.
out=$(run -- curl -s --request-target "http://10.88.0.1:$P/gw-abs" "http://10.88.0.1:$P/" 2>&1)
is "an absolute-form target naming the gateway as the guest knows it (curl)" "GET /gw-abs 0" "$out"
is "...the upstream gets the URL's host" "Host: 10.88.0.1:$P" "$(upstream_host /gw-abs)"
out=$(run -- curl -s -H "Host: svc.internal" "http://10.88.0.1:$P/gw-host" 2>&1)
is "an origin-form request to the gateway" "GET /gw-host 0" "$out"
is "...the upstream gets the gateway's address, not the guest's Host (which could pick another site behind the address)" "Host: 10.88.0.1:$P" "$(upstream_host /gw-host)"
out=$(run -- curl -s -0 -H "Host:" "http://10.88.0.1:$P/gw-nohost" 2>&1)
is "an HTTP/1.0 request to the gateway without a Host" "GET /gw-nohost 0" "$out"
is "...the upstream gets the gateway's address" "Host: 10.88.0.1:$P" "$(upstream_host /gw-nohost)"
out=$(run -- curl -s -i --request-target "http://10.88.0.2:$P/gw-other" "http://10.88.0.1:$P/" 2>&1)
like "an absolute-form target naming another address on a flow to the gateway: 421" \
	"^HTTP/1.1 421 .*the URL names another destination" "$(printf '%s' "$out" | tr -d '\r' | tr '\n' ' ')"
out=$(raw "OPTIONS * HTTP/1.1\r\n$H$CLOSE\r\n")
like "the asterisk form: 400" "^HTTP/1.1 400 Bad Request\|.*OPTIONS \* is not supported" "$out"
out=$(raw "CONNECT up.test:$P HTTP/1.1\r\n$H\r\n")
like "the authority form (CONNECT) to an origin: 405" "^HTTP/1.1 405 Method Not Allowed\|" "$out"
out=$(raw "GET /utf HTTP/1.1\r\n${H}X-Utf: caf\xc3\xa9\r\n$CLOSE\r\n")
like "a non-ASCII header value is passed on" "^HTTP/1.1 200 OK" "$out"
check "...unchanged" grep -q 'X-Utf: caf\\u00c3\\u00a9' "$D/up.log"
exchange "a response with a 30000-byte and a non-ASCII header value" \
	"HTTP/1.1 200 OK|X-Long: a*30000|X-Utf: café|Content-Length: 2|Connection: close||ok<EOF>" \
	"GET /headers HTTP/1.1\r\n$H$CLOSE\r\n"
long=$(head -c 40000 /dev/zero | tr '\0' b)
out=$(raw "GET /long HTTP/1.1\r\n${H}X-Long: $long\r\n\r\n")
like "a request header of 40000 bytes: 431" "^HTTP/1.1 431 " "$out"
# HTTPS to the gateway by its address, so without a server name: the leaf
# certificate outbound makes names the address the guest connected to,
# 10.88.0.1, which the guest's client checks (not 127.0.0.1, where it leads);
# the rule names a method, so that this port goes to outbound.
mkdir -p "$D/tls"
start_upstream "$D/tls" "unused-secret" "IP:127.0.0.1,IP:203.0.113.9"
cat >"$D/tls-policy.json" <<JSON
{"version": 1, "rules": [{"name": "gw", "host": "127.0.0.1", "port": $HP, "method": ["GET"], "action": "allow"},
  {"name": "other", "host": "203.0.113.9", "action": "allow", "inject": {"X-Other": "for-203.0.113.9"}}]}
JSON
out=$("$MOAT" do --network=sandbox --policy "$D/tls-policy.json" --upstream-ca "$D/tls/upca.pem" -- \
	sh -c "curl -s -o /dev/null -w '%{http_code}' https://10.88.0.1:$HP/echo; echo \" \$?\"" 2>&1)
is "HTTPS to the gateway's address: the certificate names it" "200 0" "$out"
# An address as the TLS server name (clients do not send one; openssl
# s_client can): the gateway's as the guest knows it is the flow's own
# address; another address is not where the flow goes, so its rule (which
# injects a header) must not judge it.
sni() {	# SNI PATH: the status line the guest gets, and whether its check of the leaf passed
	"$MOAT" do --network=sandbox --policy "$D/tls-policy.json" --upstream-ca "$D/tls/upca.pem" -- \
		sh -c "printf 'GET $2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
			openssl s_client -quiet -connect 10.88.0.1:$HP -servername $1 -CAfile /run/moat/sandbox-ca.pem \
			-verify_ip $1 -verify_return_error 2>/dev/null | head -1 | tr -d '\r'" 2>&1
}
is "the gateway's address as the server name: judged as the gateway, the leaf names it" \
	"HTTP/1.1 200 OK" "$(sni 10.88.0.1 /echo?sni=gateway)"
is "another address as the server name: 421" "HTTP/1.1 421 Misdirected Request" "$(sni 203.0.113.9 /echo?sni=other)"
is "...and nothing reached the upstream" 0 "$(grep -c 'sni=other' "$D/tls/up.log")"

# HTTPS to two names of one address, both looked up first, then reached by
# the address kept for the first: the server name picks the name, and that
# name's rule judges the requests (each injects a header of its own).  The
# names lead to the gateway, the host's loopback, which only a rule naming
# it opens.
mkdir -p "$D/tls2"
start_upstream "$D/tls2" "unused-secret" "DNS:s1.test,DNS:s2.test"
cat >"$D/tls2-policy.json" <<JSON
{"version": 1, "rules": [{"name": "s1", "host": "s1.test", "port": $HP, "action": "allow", "inject": {"X-S1": "one"}},
  {"name": "s2", "host": "s2.test", "port": $HP, "action": "allow", "inject": {"X-S2": "two"}},
  {"name": "lo", "host": "127.0.0.1", "port": $HP, "method": ["GET"], "action": "allow"}]}
JSON
out=$("$MOAT" do --network=sandbox --policy "$D/tls2-policy.json" --upstream-ca "$D/tls2/upca.pem" \
	--add-host s1.test:10.88.0.1 --add-host s2.test:10.88.0.1 -- python3 -c "
import json, socket, ssl
a = socket.gethostbyname('s1.test'); b = socket.gethostbyname('s2.test')
ctx = ssl.create_default_context(cafile='/run/moat/sandbox-ca.pem')
for h in ('s1.test', 's2.test', 's3.test'):
    s = ctx.wrap_socket(socket.create_connection((a, $HP)), server_hostname=h)
    s.sendall(('GET /echo HTTP/1.1\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n' % h).encode())
    head, _, body = s.makefile('rb').read().partition(b'\\r\\n\\r\\n')
    status = head.split(b' ')[1].decode()
    print(h, a == b, status, sorted(n for n in json.loads(body)['headers'] if n.startswith('X-S'))
          if status == '200' else '')" 2>&1)
is "HTTPS, two names of one address: the server name picks the name and its rule" \
	"s1.test True 200 ['X-S1']
s2.test True 200 ['X-S2']
s3.test True 421 " "$out"

finish
