#!/usr/bin/env python3
"""outbound_client.py - what curl cannot do for outbound's integration test.

  raw PROXY REQFILE [--connect HOST:PORT --cafile CA]
      send the bytes of REQFILE to the proxy (inside a CONNECT tunnel, over TLS
      with the sandbox CA, with --connect) and print what comes back
  ws PROXY HOST:PORT CAFILE PATH
      a WebSocket through a CONNECT tunnel: send "hello", print the reply
      (or the refusal's status line and body)
  handoff SOCKET NAME PORT ADDR CAFILE REQFILE [--magic N]
      hand a flow to outbound as netstack does (an fd with a struct
      ob_flow_msg), speak TLS with SNI NAME over it, send REQFILE, print the reply
  jwt PUBKEY TOKEN
      check an ES256 token's signature with openssl and print its claims as JSON
"""
import base64
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import tempfile


def read_all(s, timeout=10):
    s.settimeout(timeout)
    out = b""
    while True:
        try:
            b = s.recv(65536)
        except (ConnectionResetError, ssl.SSLError):
            break
        except socket.timeout:
            break
        if not b:
            break
        out += b
    return out


def proxy_tunnel(proxy, target, cafile):
    host, port = proxy.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (target.encode(), target.encode()))
    resp = b""
    while b"\r\n\r\n" not in resp:
        b = s.recv(1)
        if not b:
            raise SystemExit("proxy closed during CONNECT")
        resp += b
    if not resp.startswith(b"HTTP/1.1 200"):
        raise SystemExit("CONNECT refused: %r" % resp)
    ctx = ssl.create_default_context(cafile=cafile)
    return ctx.wrap_socket(s, server_hostname=target.rsplit(":", 1)[0])


def cmd_raw(args):
    proxy, reqfile = args[0], args[1]
    data = open(reqfile, "rb").read()
    if "--connect" in args:
        target = args[args.index("--connect") + 1]
        cafile = args[args.index("--cafile") + 1]
        s = proxy_tunnel(proxy, target, cafile)
    else:
        host, port = proxy.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=10)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    sys.stdout.buffer.write(read_all(s))


def cmd_ws(args):
    proxy, target, cafile, path = args[:4]
    s = proxy_tunnel(proxy, target, cafile)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
               % (path, target.rsplit(":", 1)[0], key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        b = s.recv(1)
        if not b:
            break
        head += b
    status = head.split(b"\r\n", 1)[0].decode()
    if not status.startswith("HTTP/1.1 101"):
        print(status)
        sys.stdout.write(read_all(s).decode(errors="replace"))
        return
    msg = b"hello"
    mask = os.urandom(4)
    s.sendall(bytes([0x81, 0x80 | len(msg)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(msg)))
    hdr = s.recv(2)
    data = b""
    while len(data) < hdr[1]:
        data += s.recv(hdr[1] - len(data))
    print(status)
    print(data.decode())


def cmd_handoff(args):
    path, name, port, addr, cafile, reqfile = args[:6]
    magic = 0x6D6F6174
    if "--magic" in args:
        magic = int(args[args.index("--magic") + 1], 0)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    msg = struct.pack("=IHHBB2x16s16s256s768s", magic, 3, int(port), 4, 0,
                      socket.inet_aton(addr) + b"\0" * 12, b"", name.encode(), b"")
    ch = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    ch.connect(path)
    socket.send_fds(ch, [msg], [theirs.fileno()])
    theirs.close()
    ours.settimeout(10)
    try:
        ctx = ssl.create_default_context(cafile=cafile)
        s = ctx.wrap_socket(ours, server_hostname=name)
    except (ssl.SSLError, OSError):
        # outbound closed the flow's socket: EOF or reset, depending on timing
        print("handoff refused: the connection was closed")
        return
    s.sendall(open(reqfile, "rb").read())
    sys.stdout.buffer.write(read_all(s))


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def der_int(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b


def cmd_jwt(args):
    pub, token = args[:2]
    h, c, sig = token.split(".")
    header = json.loads(b64d(h))
    claims = json.loads(b64d(c))
    raw = b64d(sig)
    assert header["alg"] == "ES256" and len(raw) == 64, header
    body = der_int(raw[:32]) + der_int(raw[32:])
    der = b"\x30" + bytes([len(body)]) + body
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "sig"), "wb").write(der)
        open(os.path.join(d, "data"), "wb").write((h + "." + c).encode())
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub, "-signature",
                            os.path.join(d, "sig"), os.path.join(d, "data")],
                           capture_output=True, text=True)
    claims["signature"] = "valid" if r.returncode == 0 else "invalid"
    claims["kid"] = header.get("kid", "")
    print(json.dumps(claims, sort_keys=True))


if __name__ == "__main__":
    {"raw": cmd_raw, "ws": cmd_ws, "handoff": cmd_handoff, "jwt": cmd_jwt}[sys.argv[1]](sys.argv[2:])
