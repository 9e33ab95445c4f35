#!/usr/bin/env python3
"""outbound_upstream.py - the upstream server outbound's integration test talks to.

One process, two listeners on 127.0.0.1: HTTPS (a certificate from the test's
own CA) and plain HTTP.  Every request it parses is logged as one JSON line to
--log (method, path, all headers with values, client address, body length and
SHA-256), so the test can see exactly what reached the upstream.  Responses
never echo header values: /echo answers with header names and SHA-256 digests,
so a client's output can be searched for a secret without the server putting
it there.

  /echo           JSON: method, path, header names, SHA-256 of each value, body digest
  /big?n=N        N bytes of a fixed pattern, Content-Length
  /chunked?n=N    the same, chunked
  /upload         reads the body (Content-Length or chunked), answers its length and SHA-256
  /reset          promises 1000000 bytes, sends 65536, then resets the connection
  /git/...        files of --git-root (a bare repo for git's dumb HTTP), only with
                  "Authorization: Bearer $UPSTREAM_GIT_TOKEN"
  /smart/...      the same repositories through git http-backend (smart HTTP: fetch
                  and push), with the same token
  /ws             a WebSocket that echoes one text message

Usage: outbound_upstream.py --cert C --key K --log LOG --ports PORTS [--git-root DIR]
(PORTS receives {"https": N, "http": N} once both listen).
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import threading
import urllib.parse

LOG_LOCK = threading.Lock()


def pattern(n):
    block = bytes((i * 7 + 3) & 0xFF for i in range(65536))
    while n > 0:
        k = min(n, len(block))
        yield block[:k]
        n -= k


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "upstream"
    sys_version = ""

    def log_message(self, *a):
        pass

    def read_body(self, keep=None):
        """Read the body; its bytes go to @keep (a list) too, if given."""
        h = hashlib.sha256()
        total = 0
        te = self.headers.get("Transfer-Encoding", "")
        if te.lower() == "chunked":
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                left = size
                while left:
                    b = self.rfile.read(min(left, 65536))
                    if not b:
                        raise ConnectionError("short chunk")
                    if keep is not None:
                        keep.append(b)
                    h.update(b)
                    total += len(b)
                    left -= len(b)
                self.rfile.readline(16)
        else:
            left = int(self.headers.get("Content-Length", "0") or "0")
            while left:
                b = self.rfile.read(min(left, 65536))
                if not b:
                    raise ConnectionError("short body")
                if keep is not None:
                    keep.append(b)
                h.update(b)
                total += len(b)
                left -= len(b)
        return total, h.hexdigest()

    def log_request_line(self, blen, bsha):
        rec = {
            "method": self.command,
            "path": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "client": "%s:%d" % self.client_address[:2],
            "tls": isinstance(self.connection, ssl.SSLSocket),
            "resumed": isinstance(self.connection, ssl.SSLSocket)
            and self.connection.session_reused,
            "body_len": blen,
            "body_sha256": bsha,
        }
        with LOG_LOCK, open(self.server.log_path, "a") as f:
            f.write(json.dumps(rec) + "\n")

    def send_json(self, obj, status=200):
        body = (json.dumps(obj, sort_keys=True) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        if url.path == "/ws":
            return self.websocket()
        body = [] if url.path.startswith("/smart/") else None
        blen, bsha = self.read_body(body)
        self.log_request_line(blen, bsha)
        if url.path in ("/echo", "/upload") or url.path.startswith("/echo/"):
            names = [k for k, _ in self.headers.items()]
            self.send_json({
                "method": self.command,
                "path": self.path,
                "headers": names,
                "sha256": {k.lower(): hashlib.sha256(v.encode()).hexdigest()
                           for k, v in self.headers.items()},
                "authorization_count": sum(1 for k in names if k.lower() == "authorization"),
                "body_len": blen,
                "body_sha256": bsha,
            })
        elif url.path in ("/big", "/chunked"):
            n = int(q.get("n", ["0"])[0])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            if url.path == "/big":
                self.send_header("Content-Length", str(n))
                self.end_headers()
                for b in pattern(n):
                    self.wfile.write(b)
            else:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for b in pattern(n):
                    self.wfile.write(b"%x\r\n" % len(b) + b + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
        elif url.path == "/reset":
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            self.wfile.write(b"x" * 65536)
            self.wfile.flush()
            sock = self.connection
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            self.close_connection = True
        elif url.path.startswith(("/git/", "/smart/")):
            want = "Bearer " + os.environ.get("UPSTREAM_GIT_TOKEN", "")
            if self.headers.get("Authorization") != want:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Bearer realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if body is not None:
                return self.git_backend(url, b"".join(body))
            rel = os.path.normpath(url.path[len("/git/"):])
            full = os.path.join(self.server.git_root, rel)
            if rel.startswith("..") or not os.path.isfile(full):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with open(full, "rb") as f:
                data = f.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self.send_json({"error": "not found"}, 404)

    def git_backend(self, url, body):
        """Run git http-backend as a CGI program for this request."""
        env = dict(os.environ, GIT_PROJECT_ROOT=self.server.git_root, GIT_HTTP_EXPORT_ALL="1",
                   REQUEST_METHOD=self.command, PATH_INFO=url.path[len("/smart"):],
                   QUERY_STRING=url.query, CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(body)), REMOTE_USER="guest", REMOTE_ADDR="127.0.0.1",
                   GIT_PROTOCOL=self.headers.get("Git-Protocol", ""),
                   HTTP_CONTENT_ENCODING=self.headers.get("Content-Encoding", ""))
        out = subprocess.run(["git", "http-backend"], input=body, env=env,
                             capture_output=True).stdout
        head, _, data = out.partition(b"\r\n\r\n")
        status, fields = 200, []
        for line in head.decode("latin1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                fields.append((name, value.strip()))
        self.send_response(status)
        for name, value in fields:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def websocket(self):
        self.log_request_line(0, "")
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        hdr = self.rfile.read(2)
        length = hdr[1] & 0x7F
        if length == 126:
            length = struct.unpack(">H", self.rfile.read(2))[0]
        mask = self.rfile.read(4)
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
        reply = b"echo: " + data
        self.wfile.write(bytes([0x81, len(reply)]) + reply)
        self.wfile.flush()
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--ports", required=True)
    ap.add_argument("--git-root", default="/nonexistent")
    a = ap.parse_args()

    servers = {}
    for kind in ("https", "http"):
        s = Server(("127.0.0.1", 0), Handler)
        s.log_path = a.log
        s.git_root = a.git_root
        if kind == "https":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(a.cert, a.key)
            s.socket = ctx.wrap_socket(s.socket, server_side=True)
        servers[kind] = s
        threading.Thread(target=s.serve_forever, daemon=True).start()
    tmp = a.ports + ".tmp"
    with open(tmp, "w") as f:
        json.dump({k: s.server_address[1] for k, s in servers.items()}, f)
    os.rename(tmp, a.ports)
    threading.Event().wait()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
