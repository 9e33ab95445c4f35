#!/bin/bash
# TCP through netstack in `moat do --network=sandbox`, with a real guest and a
# real server on the host's loopback (direct host sockets, no HTTP): flow
# control both ways, resets, many short connections, small writes, and one
# audit line per connection.
. tests/lib.sh

D=$T_TMP
. tests/upstream.sh

# The server: the first byte of a connection says what it does.
#   w  writes for 3 s (never blocking), then logs how much the kernel took
#   n  never reads, for 4 s
#   r  reads to the end, then logs how many bytes and how it ended
#   e  echoes
python3 -c '
import socket, sys, threading, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(128)
log = open(sys.argv[2], "a", buffering=1)
def serve(c):
    mode = c.recv(1)
    if mode == b"w":
        c.setblocking(False); n = 0; t0 = time.time()
        while time.time() - t0 < 3:
            try: n += c.send(b"x" * 65536)
            except BlockingIOError: time.sleep(0.05)
        log.write("wrote %d\n" % n)
    elif mode == b"n":
        time.sleep(4)
    elif mode == b"r":
        n = 0
        try:
            while True:
                d = c.recv(65536)
                if not d: log.write("read %d, end of file\n" % n); break
                n += len(d)
        except OSError as e: log.write("read %d, %s\n" % (n, e.strerror))
    elif mode == b"e":
        while True:
            d = c.recv(65536)
            if not d: break
            c.sendall(d)
    c.close()
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$D/port" "$D/server.log" &
PIDS+=($!)
wait_file "$D/port" || { echo "Bail out! the server did not start"; exit 1; }
P=$(cat "$D/port")
printf '{"version": 1, "rules": [{"name": "tcp", "host": "127.0.0.1", "port": %s, "action": "allow"}]}\n' \
	"$P" >"$D/policy.json"
guest() {	# PYTHON: run it in a sandbox, with A the server's address
	"$MOAT" do --network=sandbox --policy "$D/policy.json" --audit "$D/audit.log" -- \
		/usr/bin/python3 -c "import socket, struct, sys, time
A = ('10.88.0.1', $P)
$1" 2>&1
}
server_said() { sleep 0.5; tail -1 "$D/server.log"; }

guest 's = socket.create_connection(A); s.sendall(b"w"); time.sleep(3.5)' >/dev/null
read -r _ wrote <<<"$(server_said)"
check "a guest that never reads: the server's writes stop (at most 16 MiB went)" \
	test "${wrote:-0}" -gt 0 -a "${wrote:-0}" -lt 16777216
out=$(guest '
s = socket.create_connection(A); s.sendall(b"n"); s.setblocking(False); n = 0; t0 = time.time()
while time.time() - t0 < 2:
    try: n += s.send(b"y" * 65536)
    except BlockingIOError: time.sleep(0.05)
print(n)')
check "a server that never reads: the guest's sends stop (at most 32 MiB went)" \
	test "${out:-0}" -gt 0 -a "${out:-0}" -lt 33554432
guest '
s = socket.create_connection(A); s.sendall(b"r" + b"z" * 99999); time.sleep(0.3)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close(); time.sleep(0.3)'
is "close with SO_LINGER 0 after 99999 bytes: the server reads them all, then a reset" \
	"read 99999, Connection reset by peer" "$(server_said)"
guest 's = socket.create_connection(A); s.sendall(b"r" + b"z" * 99999); s.close(); time.sleep(0.3)'
is "an ordinary close: the bytes, then end of file" "read 99999, end of file" "$(server_said)"
: >"$D/audit.log"
out=$(guest '
ok = 0
for i in range(300):
    s = socket.create_connection(A); s.sendall(b"e%d" % i); s.shutdown(socket.SHUT_WR)
    ok += s.recv(100) == b"%d" % i and s.recv(100) == b""
    s.close()
print(ok)')
is "300 short connections, each echoed and closed" 300 "$out"
is "...one audit line each, saying allow" 300 \
	"$(grep -c "\"event\":\"egress\",\"proto\":\"tcp\",\"verdict\":\"allow\",\"name\":\"\",\"addr\":\"127.0.0.1\",\"port\":$P,\"reason\":\"tcp\"" "$D/audit.log")"
out=$(guest '
s = socket.create_connection(A); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1); s.sendall(b"e")
t0 = time.time()
for i in range(200):
    s.sendall(b"ab"); assert s.recv(10) == b"ab"
print("slow" if time.time() - t0 > 4 else "ok")')
is "TCP_NODELAY: 200 two-byte writes, each echoed at once (no 20 ms waits)" ok "$out"
finish
