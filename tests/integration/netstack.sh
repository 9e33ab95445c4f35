#!/bin/bash
# tests/integration/netstack.sh - netstack as a guest's only network, with real
# clients and servers.
#
# Two network namespaces: "host" (where the netstack driver runs and the test
# servers listen, on 127.0.0.1 and on 203.0.113.10, a stand-in for a public
# address) and "guest" (whose only interface is the TAP device netstack
# owns).  From the guest, curl and python3 reach the servers through the
# stack, as a sandboxed program would.  Everything made here (namespaces,
# processes, /etc/netns/<guest>) is removed on exit, pass or fail.
#
# NETSTACK_BIG_MB sets the size of the large transfers (default 64; 1024 for
# the full "1 GiB each way" run).
. tests/lib.sh
BUILD=${BUILD:-build}
DRIVER=$(pwd)/$BUILD/tests/netstack_driver
BIG_MB=${NETSTACK_BIG_MB:-64}
HOSTNS=moat-nh-$$
GUESTNS=moat-ng-$$
PIDS=()

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || [ ! -c /dev/net/tun ]; then
	echo "1..0 # SKIP needs root, iproute2 and /dev/net/tun"
	exit 0
fi
if [ ! -x "$DRIVER" ]; then
	echo "not ok 1 - $DRIVER is not built (make tests)"
	echo "1..1"
	exit 1
fi

cleanup() {
	exec 7>&- 2>/dev/null
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	sleep 0.2
	for p in "${PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	ip netns del "$HOSTNS" 2>/dev/null
	ip netns del "$GUESTNS" 2>/dev/null
	rm -rf "/etc/netns/$GUESTNS" "$T_TMP"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

H() { ip netns exec "$HOSTNS" "$@"; }
G() { ip netns exec "$GUESTNS" "$@"; }

ip netns add "$HOSTNS" && ip netns add "$GUESTNS" || { echo "1..0 # SKIP cannot create network namespaces"; exit 0; }
H ip link set lo up
G ip link set lo up
H ip addr add 203.0.113.10/32 dev lo
G sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
mkdir -p "/etc/netns/$GUESTNS"
echo "nameserver 10.88.0.1" >"/etc/netns/$GUESTNS/resolv.conf"

# ---- servers on the host side ----
mkdir -p "$T_TMP/www" "$T_TMP/gwww"
echo "hello from the host side" >"$T_TMP/www/small.txt"
echo "hello from inside the guest" >"$T_TMP/gwww/inside.txt"
head -c $((BIG_MB << 20)) /dev/urandom >"$T_TMP/www/big.bin"
BIG_SHA=$(sha256sum <"$T_TMP/www/big.bin" | cut -d' ' -f1)

cat >"$T_TMP/servers.py" <<'EOF'
# TCP echo (7000), TCP sink that answers "<bytes> <sha256>" after the
# client's FIN (7001), UDP echo (7002), a TCP firehose that sends until the
# connection breaks (7003), and a DNS server (127.0.0.1:5353).
import asyncio, hashlib, socket, struct

NAMES = {"web.test": "203.0.113.10", "x.glob.test": "203.0.113.10",
         "rebind.test": "127.0.0.1"}

async def echo(r, w):
    try:
        while True:
            d = await r.read(65536)
            if not d:
                break
            w.write(d)
            await w.drain()
    finally:
        w.close()

async def sink(r, w):
    h, n = hashlib.sha256(), 0
    while True:
        d = await r.read(1 << 20)
        if not d:
            break
        h.update(d)
        n += len(d)
    w.write(f"{n} {h.hexdigest()}\n".encode())
    await w.drain()
    w.close()

async def firehose(r, w):
    chunk = b"x" * (1 << 20)
    try:
        while True:
            w.write(chunk)
            await w.drain()
    except OSError:
        pass
    finally:
        w.close()

class Udp(asyncio.DatagramProtocol):
    def connection_made(self, t): self.t = t
    def datagram_received(self, d, a): self.t.sendto(d, a)

class Dns(asyncio.DatagramProtocol):
    def connection_made(self, t): self.t = t
    def datagram_received(self, d, a):
        qid, = struct.unpack(">H", d[:2])
        o, labels = 12, []
        while d[o]:
            labels.append(d[o + 1:o + 1 + d[o]].decode()); o += 1 + d[o]
        q = d[12:o + 5]
        ip = NAMES.get(".".join(labels).lower())
        if ip is None:
            self.t.sendto(struct.pack(">HHHHHH", qid, 0x8183, 1, 0, 0, 0) + q, a)
            return
        ans = struct.pack(">HHHIH", 0xc00c, 1, 1, 30, 4) + socket.inet_aton(ip)
        self.t.sendto(struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + q + ans, a)

async def main():
    loop = asyncio.get_running_loop()
    await asyncio.start_server(echo, "0.0.0.0", 7000, backlog=2048)
    await asyncio.start_server(sink, "0.0.0.0", 7001)
    await asyncio.start_server(firehose, "0.0.0.0", 7003)
    await loop.create_datagram_endpoint(Udp, local_addr=("0.0.0.0", 7002))
    await loop.create_datagram_endpoint(Dns, local_addr=("127.0.0.1", 5353))
    print("ready", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
EOF

cat >"$T_TMP/client.py" <<'EOF'
import asyncio, hashlib, os, socket, struct, sys, time

def dns(name):
    msg = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    msg += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    msg += struct.pack(">HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(msg, ("10.88.0.1", 53))
    r = s.recv(512)
    print(r[3] & 15, struct.unpack(">H", r[6:8])[0])

def connect(host, port):
    t = time.time()
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
        print("connected")
    except ConnectionRefusedError:
        print("refused" if time.time() - t < 1 else "refused late")
    except Exception as e:
        print(type(e).__name__)

def upload(host, port, mb):
    s = socket.create_connection((host, int(port)), timeout=30)
    h, block = hashlib.sha256(), os.urandom(1 << 20)
    for _ in range(int(mb)):
        s.sendall(block)
        h.update(block)
    s.shutdown(socket.SHUT_WR)          # half-close: the answer still comes
    r = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        r += d
    print("ok" if r.decode().split() == [str(int(mb) << 20), h.hexdigest()] else "bad " + r.decode())

def halfclose(host, port):
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(b"hello")
    s.shutdown(socket.SHUT_WR)
    print(s.makefile().read().split()[0])

def udperr(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((host, int(port)))
    try:
        s.send(b"anyone?")
        s.recv(100)
        print("answered")
    except OSError as e:
        print(type(e).__name__ if not isinstance(e, socket.timeout) else "timeout",
              e.errno)

def udp(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    for i in range(3):
        s.sendto(b"ping %d" % i, (host, int(port)))
        print(s.recv(100).decode())

async def one(host, port, i):
    r, w = await asyncio.open_connection(host, port)
    msg = b"conn %d\n" % i
    w.write(msg)
    await w.drain()
    got = await r.readline()
    w.close()
    return got == msg

async def many(host, port, n):
    # all n open at the same time: each waits until every one is connected
    opened = []
    for i in range(n):
        opened.append(await asyncio.open_connection(host, port))
    ok = 0
    for i, (r, w) in enumerate(opened):
        w.write(b"conn %d\n" % i)
    for i, (r, w) in enumerate(opened):
        await w.drain()
        if await r.readline() == b"conn %d\n" % i:
            ok += 1
        w.close()
    print(ok)

def garbage(n):
    # frames a broken guest might send: bad TCP checksums, bogus options
    mac = bytes.fromhex(open("/sys/class/net/eth0/address").read().strip().replace(":", ""))
    gw = bytes.fromhex("026d6f617401")
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind(("eth0", 0))
    def ipcsum(h):
        t = sum(struct.unpack(">10H", h))
        while t >> 16: t = (t & 0xffff) + (t >> 16)
        return ~t & 0xffff
    for i in range(int(n)):
        if i % 2:
            tcp = struct.pack(">HHIIBBHHH", 40000 + i, 80, 1, 0, 0x60, 2, 1000, 0x1234, 0) + bytes([2, 0, 0, 0])
        else:
            tcp = struct.pack(">HHIIBBHHH", 40000 + i, 80, 1, 0, 0x50, 2, 1000, 0xdead, 0)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i, 0x4000, 64, 6, 0,
                         socket.inet_aton("10.88.0.2"), socket.inet_aton("203.0.113.10"))
        ip = ip[:10] + struct.pack(">H", ipcsum(ip)) + ip[12:]
        s.send(gw + mac + b"\x08\x00" + ip + tcp)
    print("sent")

def csum(data):
    if len(data) % 2:
        data += b"\0"
    t = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff

def floods(n):
    # One connection made first must keep working through each flood.
    n, host = int(n), "10.88.0.1"
    keep = socket.create_connection((host, 7000), timeout=15)
    def alive(tag):
        keep.sendall(tag.encode() + b"\n")
        got = b""
        while not got.endswith(b"\n"):
            d = keep.recv(100)
            if not d:
                break
            got += d
        return got.decode().strip() == tag
    print("before:", alive("before"))
    # n SYNs from a MAC the guest's kernel does not own: netstack answers to
    # that MAC, the kernel drops the answers, and each handshake stays open.
    mac = bytes.fromhex(open("/sys/class/net/eth0/address").read().strip().replace(":", ""))
    fake = bytes.fromhex("02000000f10d")
    gw = bytes.fromhex("026d6f617401")
    src, dst = socket.inet_aton("10.88.0.2"), socket.inet_aton(host)
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    raw.setsockopt(socket.SOL_SOCKET, 33, 256 << 20)     # SO_RCVBUFFORCE
    raw.bind(("eth0", 0))
    for i in range(n):
        sport = 1024 + i
        tcp = struct.pack(">HHIIBBHHH", sport, 7000, i * 7919, 0, 0x60, 2, 64240, 0, 0) + \
              struct.pack(">BBH", 2, 4, 1460)
        tcp = tcp[:16] + struct.pack(">H", csum(src + dst + struct.pack(">BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xffff, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack(">H", csum(ip)) + ip[12:]
        raw.send(gw + fake + b"\x08\x00" + ip + tcp)
        if i % 128 == 127:
            time.sleep(0.005)       # not faster than netstack reads them
    # What netstack sent the flood's MAC: answers to far more SYNs than the
    # table holds, and resets for half-open flows that newer SYNs pushed out
    # of it.  (Not all n: the guest's kernel may drop some of a burst of
    # answers before a packet socket sees them, when its backlog is full.)
    synack, rst = set(), set()
    raw.settimeout(1)
    try:
        while True:
            f = raw.recv(2048)
            if f[:6] == fake and f[6:12] == gw and f[23] == 6:
                port, flags = struct.unpack(">H", f[36:38])[0], f[14 + 20 + 13]
                if flags & 0x12 == 0x12:
                    synack.add(port)
                if flags & 0x04:
                    rst.add(port)
    except socket.timeout:
        pass
    print("SYN flood: answered", len(synack) > 4096 + 1000, "pushed out", len(rst) > 1000)
    print("after a SYN flood:", alive("syn"))
    # n connections at once: the table is full of them, and then refuses.
    opened, refused = [], 0
    for i in range(n):
        s = socket.socket()
        s.settimeout(10)
        try:
            s.connect((host, 7000))
            opened.append(s)
        except ConnectionRefusedError:
            refused += 1
            s.close()
    print("connections:", len(opened) + refused == n and len(opened) >= 1000, "refused:", refused > 0)
    print("with them open:", alive("many"))
    for s in opened:
        s.close()
    # A connection whose reader never reads, while another one moves data.
    for _ in range(50):     # until the closed ones have left the table
        try:
            hose = socket.create_connection((host, 7003), timeout=10)
            break
        except ConnectionRefusedError:
            time.sleep(0.1)
    hose.recv(1)
    time.sleep(2)
    print("beside a reader that never reads:", alive("hose"))
    upload(host, 7001, 16)

cmd = sys.argv[1]
if cmd == "many":
    asyncio.run(many(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
else:
    globals()[cmd](*sys.argv[2:])
EOF

# Background processes are started without the H/G functions, so that $! is
# the process itself (ip netns exec and the shells exec) and cleanup kills it.
ip netns exec "$HOSTNS" bash -c "ulimit -n 8192; exec python3 '$T_TMP/servers.py'" \
	>"$T_TMP/servers.log" 2>&1 &
PIDS+=($!)
ip netns exec "$HOSTNS" python3 -m http.server 8080 --bind 0.0.0.0 --directory "$T_TMP/www" \
	>/dev/null 2>&1 &
PIDS+=($!)

# ---- the stack ----
mkfifo "$T_TMP/ctl"
ip netns exec "$HOSTNS" "$DRIVER" --tap-netns "/run/netns/$GUESTNS" --tap eth0 \
	--allow web.test:8080 --allow '*.glob.test:8080' --allow rebind.test \
	--allow 127.0.0.1:7000 --allow 127.0.0.1:7001 --allow 127.0.0.1:7002 --allow 127.0.0.1:7003 \
	-p 18080:80 --dns-server 127.0.0.1:5353 --max-flows 4096 \
	--audit "$T_TMP/audit.log" --stats "$T_TMP/stats" <"$T_TMP/ctl" 2>"$T_TMP/driver.log" &
DRIVER_PID=$!
PIDS+=($DRIVER_PID)
exec 7>"$T_TMP/ctl"

for _ in $(seq 50); do
	G ip link show eth0 >/dev/null 2>&1 && grep -q ready "$T_TMP/servers.log" 2>/dev/null &&
		H bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080' 2>/dev/null && break
	sleep 0.1
done
G ip addr add 10.88.0.2/24 dev eth0
G ip link set eth0 mtu 65520 up
G ip route add default via 10.88.0.1

PY="python3 $T_TMP/client.py"

check "ping the gateway" G ping -c 2 -W 2 10.88.0.1
is "DNS: an allowed name resolves" "203.0.113.10" \
	"$(G getent ahostsv4 web.test | awk 'NR == 1 { print $1 }')"
is "DNS: a glob-allowed name resolves" "0 1" "$(G $PY dns x.glob.test)"
is "DNS: a denied name is NXDOMAIN" "3 0" "$(G $PY dns denied.test)"
is "DNS: an allowed name upstream does not know is NXDOMAIN" "3 0" "$(G $PY dns y.glob.test)"
check_fails "DNS: getent fails for a denied name" G getent ahostsv4 denied.test
is "HTTP GET through the stack" "hello from the host side" \
	"$(G curl -sS --max-time 10 http://web.test:8080/small.txt)"
t0=$(date +%s%N)
is "download of ${BIG_MB} MiB: checksum matches" "$BIG_SHA" \
	"$(G curl -sS --max-time 120 http://web.test:8080/big.bin | sha256sum | cut -d' ' -f1)"
t1=$(date +%s%N)
is "upload of ${BIG_MB} MiB: checksum matches" "ok" "$(G $PY upload 10.88.0.1 7001 "$BIG_MB")"
t2=$(date +%s%N)
echo "# download ${BIG_MB} MiB: $(((t1 - t0) / 1000000)) ms, upload: $(((t2 - t1) / 1000000)) ms (hashing included)"
is "half-close: the answer comes after our FIN" "5" "$(G $PY halfclose 10.88.0.1 7001)"
is "RST at once for a port no rule allows" "refused" "$(G $PY connect web.test 9999)"
is "RST at once for the host's loopback without a rule" "refused" "$(G $PY connect 10.88.0.1 22)"
is "RST at once for a name that rebinds to loopback" "refused" "$(G $PY connect rebind.test 8080)"
is "UDP echo through the stack" "ping 0
ping 1
ping 2" "$(G $PY udp 10.88.0.1 7002)"
is "UDP to a port no rule allows: host unreachable" "OSError 113" "$(G $PY udperr 10.88.0.1 7009)"
is "UDP to a closed allowed port: connection refused" "ConnectionRefusedError 111" \
	"$(G $PY udperr 10.88.0.1 7003)"
is "1000 concurrent connections" "1000" \
	"$(G bash -c "ulimit -n 8192; exec $PY many 10.88.0.1 7000 1000")"

# Floods from the guest (the table holds 4096 flows): 10,000 SYNs whose
# handshakes never end, then 10,000 connections, then a reader that never
# reads.  A connection made before them goes on working through each, the
# table refuses what does not fit, and netstack's memory stays small.
is "floods: a connection made before goes on, the rest is refused" "before: True
SYN flood: answered True pushed out True
after a SYN flood: True
connections: True refused: True
with them open: True
beside a reader that never reads: True
ok" "$(G ip link set eth0 txqueuelen 10000 && G bash -c "ulimit -n 16384; exec $PY floods 10000" 2>&1)"
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$DRIVER_PID/status")
check "floods: netstack's peak memory stayed under 16 MiB (${hwm} KiB)" test "${hwm:-999999}" -lt 16384

# -p: a server inside the guest, reached on the host's loopback
# (7>&-: only the test may hold the stack's control fifo open)
ip netns exec "$GUESTNS" python3 -m http.server 80 --bind 10.88.0.2 --directory "$T_TMP/gwww" \
	>/dev/null 2>&1 7>&- &
PIDS+=($!)
for _ in $(seq 50); do
	G bash -c 'exec 3<>/dev/tcp/10.88.0.2/80' 2>/dev/null && break
	sleep 0.1
done
is "-p 18080:80 reaches a server in the guest" "hello from inside the guest" \
	"$(H curl -sS --max-time 10 http://127.0.0.1:18080/inside.txt)"

is "malformed frames from the guest are sent" "sent" "$(G $PY garbage 10)"
check "the stack still answers after them" G ping -c 1 -W 2 10.88.0.1

like "audit: the denied connection is recorded" \
	'"proto":"tcp","verdict":"deny","name":"web.test","addr":"203.0.113.10","port":9999' \
	"$(cat "$T_TMP/audit.log")"
like "audit: the denied name is recorded" '"proto":"dns","verdict":"deny","name":"denied.test"' \
	"$(cat "$T_TMP/audit.log")"
like "audit: the rebinding is recorded" '"name":"rebind.test","addr":"127.0.0.1","port":8080,"reason":"loopback' \
	"$(cat "$T_TMP/audit.log")"

# Stop the stack through its control fd: it exits 0 and reports its counters.
exec 7>&-
for _ in $(seq 50); do
	kill -0 "$DRIVER_PID" 2>/dev/null || break
	sleep 0.1
done
wait "$DRIVER_PID"
is "the stack exits 0 when its control fd closes" "0" "$?"
stat_of() { awk -v k="$1" '$1 == k { print $2 }' "$T_TMP/stats"; }
is "counters: three denied connections" "3" "$(stat_of tcp_denied)"
is "counters: the ten malformed segments were dropped" "10" "$(stat_of drop_tcp_malformed)"
is "counters: no IPv6 reached the stack" "0" "$(stat_of drop_ipv6)"
if [ "${T_FAILED}" != 0 ]; then
	_t_diag "driver log:" "$(tail -20 "$T_TMP/driver.log")" "stats:" "$(cat "$T_TMP/stats" 2>/dev/null)"
fi
finish
