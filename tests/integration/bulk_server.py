#!/usr/bin/env python3
# bulk_server.py PORTFILE SUMFILE - a TCP server on the host's loopback for
# transfers through the sandbox network.  Each connection sends one command
# line: "SINK N" (read N bytes, answer their SHA-256), "SOURCE N" (send N
# bytes, write their SHA-256 to SUMFILE, close), "HALF" (read to end of file,
# then answer the byte count: the client half-closed and still reads) or
# "ECHO" (answer each line, for many concurrent connections).
import hashlib
import os
import socket
import sys
import threading

block = os.urandom(1 << 20)
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", 0))
t.listen(2048)
open(sys.argv[1], "w").write("%d\n" % t.getsockname()[1])


def serve(c):
    f = c.makefile("rb")
    cmd = f.readline().split()
    if not cmd:
        pass
    elif cmd[0] == b"SINK":
        n, h = int(cmd[1]), hashlib.sha256()
        while n:
            d = f.read1(min(n, 1 << 20))
            if not d:
                break
            h.update(d)
            n -= len(d)
        c.sendall(h.hexdigest().encode() + b"\n")
    elif cmd[0] == b"SOURCE":
        n, h = int(cmd[1]), hashlib.sha256()
        while n:
            d = block[:min(n, len(block))]
            c.sendall(d)
            h.update(d)
            n -= len(d)
        open(sys.argv[2], "w").write(h.hexdigest() + "\n")
    elif cmd[0] == b"HALF":
        n = len(f.read())
        c.sendall(b"%d\n" % n)
    elif cmd[0] == b"ECHO":
        for line in f:
            c.sendall(line)
    c.close()


while True:
    conn, _ = t.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
