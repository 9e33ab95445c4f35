#!/usr/bin/env python3
# tests/integration/http_upstream.py - a plain HTTP/1.1 server on the host's
# loopback whose answers do.http.sh scripts by path: framings a library
# server would not produce (a 304 with a Content-Length, trailers, a body
# ended by close) and connection behaviour (closing a kept-alive connection,
# dropping a request without an answer, failing after a 100 Continue,
# answering slowly).  Each request it reads is logged as one JSON line: its
# request line, head and body length, and how many requests its connection
# has carried.
#
#   http_upstream.py PORTFILE LOG
import json
import os
import socket
import struct
import sys
import threading
import time

log = open(sys.argv[2], "a", buffering=1)
lock = threading.Lock()


def read_head(c, buf):
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            return None, buf
        buf += d
    i = buf.index(b"\r\n\r\n") + 4
    return buf[:i], buf[i:]


def need(c, buf, n):
    while len(buf) < n:
        d = c.recv(65536)
        if not d:
            raise EOFError
        buf += d
    return buf


def read_body(c, head, buf):
    h = head.decode("latin1").lower()
    if "transfer-encoding: chunked" in h:
        out = b""
        while True:
            while b"\r\n" not in buf:
                buf = need(c, buf, len(buf) + 1)
            line, buf = buf.split(b"\r\n", 1)
            size = int(line.split(b";")[0], 16)
            if size == 0:
                while not buf.startswith(b"\r\n") and b"\r\n\r\n" not in buf:
                    buf = need(c, buf, len(buf) + 1)
                end = 2 if buf.startswith(b"\r\n") else buf.index(b"\r\n\r\n") + 4
                return out, buf[end:]
            buf = need(c, buf, size + 2)
            out += buf[:size]
            buf = buf[size + 2:]
    n = 0
    for line in h.split("\r\n"):
        if line.startswith("content-length:"):
            n = int(line.split(":", 1)[1])
    if "expect: 100-continue" in h and len(buf) < n:
        c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    buf = need(c, buf, n)
    return buf[:n], buf[n:]


def answer(c, method, path, body, reqs):
    """Send the answer for @path; return False to close the connection."""
    p = path.split("?")[0]
    if p.startswith("/drop") and reqs >= 2:
        return False    # read the request, close without a byte of answer
    if p == "/continue-drop":
        return False    # a 100 Continue (read_body), then the close
    if p == "/continue-reset":
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False    # a 100 Continue, then a reset
    if p == "/len":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" +
                  (b"" if method == "HEAD" else b"0123456789"))
    elif p == "/304":
        c.sendall(b'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 99\r\n\r\n')
    elif p == "/204":
        c.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
    elif p == "/chunked":
        c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
                  b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n")
    elif p == "/eof":
        c.sendall(b"HTTP/1.1 200 OK\r\n\r\nuntil close")
        return False
    elif p == "/closeafter":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return False
    elif p == "/slow":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        for ch in b"slow!":
            time.sleep(0.3)
            c.sendall(bytes([ch]))
    elif p == "/headers":
        c.sendall(b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 30000 +
                  b"\r\nX-Utf: caf\xc3\xa9\r\nContent-Length: 2\r\n\r\nok")
    else:
        out = b"%s %s %d" % (method.encode(), path.encode(), len(body))
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(out) + out)
    return True


def serve(c):
    buf = b""
    reqs = 0
    try:
        while True:
            head, buf = read_head(c, buf)
            if head is None:
                break
            reqs += 1
            line = head.split(b"\r\n")[0].decode("latin1")
            method, path = line.split(" ")[0], line.split(" ")[1]
            body, buf = read_body(c, head, buf)
            with lock:
                log.write(json.dumps({"line": line, "head": head.decode("latin1"),
                                      "body": len(body), "conn_req": reqs}) + "\n")
            if not answer(c, method, path, body, reqs):
                break
            if "connection: close" in head.decode("latin1").lower() or line.endswith("/1.0"):
                break
    except (EOFError, OSError, ValueError):
        pass
    c.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])

os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    conn, _ = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
