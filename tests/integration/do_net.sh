#!/bin/bash
# Sockets inside `moat do` (--network=none): loopback TCP and UDP, unix stream
# and datagram sockets between guest processes, fds passed over them.
. tests/lib.sh

py() { "$MOAT" do -w /tmp -- /usr/bin/python3 -c "$1" 2>&1; }

out=$(py '
import socket, threading
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
port = srv.getsockname()[1]
def serve():
    c, _ = srv.accept(); c.sendall(c.recv(100).upper()); c.close()
threading.Thread(target=serve).start()
cl = socket.create_connection(("127.0.0.1", port)); cl.sendall(b"tcp over loopback")
print(cl.recv(100).decode())')
is "TCP on loopback" "TCP OVER LOOPBACK" "$out"

out=$(py '
import socket
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b.sendto(b"udp datagram", a.getsockname())
data, _ = a.recvfrom(100); print(data.decode())
b.sendmsg([b"via ", b"sendmsg"], [], 0, a.getsockname()); print(a.recv(100).decode())')
is "UDP sendto and sendmsg with addresses" "udp datagram
via sendmsg" "$out"

out=$(py '
import socket, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind("/tmp/d.sock")
c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
c.sendto(b"unix datagram", "/tmp/d.sock"); print(s.recv(100).decode())
c.sendto(b"relative path", "d.sock"); print(s.recv(100).decode())')
is "unix datagrams to a socket bound inside" "unix datagram
relative path" "$out"

# The kernel gives back the address as bind() had it: getsockname(),
# getpeername() and accept() show the guest's own path, absolute or relative
# (multiprocessing connects to what getsockname() said).
out=$(py '
import os, socket
os.mkdir("d"); a = socket.socket(socket.AF_UNIX); a.bind("/tmp/d/a.sock"); a.listen()
r = socket.socket(socket.AF_UNIX); r.bind("d/../d/r.sock")
c = socket.socket(socket.AF_UNIX); c.bind("c.sock"); c.connect(a.getsockname())
conn, peer = a.accept()
print(a.getsockname(), r.getsockname(), c.getpeername(), peer, sorted(os.listdir("d")))')
is "a bound unix socket is named as the guest named it" \
	"/tmp/d/a.sock d/../d/r.sock /tmp/d/a.sock c.sock ['a.sock', 'r.sock']" "$out"

out=$(py '
import socket, os, array
a, b = socket.socketpair()
r, w = os.pipe()
a.sendmsg([b"fd"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [w]))])
msg, anc, _, _ = b.recvmsg(10, socket.CMSG_SPACE(4))
fd = array.array("i", anc[0][2])[0]
os.write(fd, b"through a passed fd"); os.close(fd); os.close(w)
print(msg.decode(), os.read(r, 100).decode())')
is "an fd passed with SCM_RIGHTS" "fd through a passed fd" "$out"

# sendmsg() is served: on a stream socket a message past the sentry's 1 MiB
# is sent in part, as a stream may take less, never refused as a datagram
# would be (the sentry must learn the socket's type to tell).
out=$(py '
import socket, threading
a, b = socket.socketpair()
got = []
def read():
    n = 0
    while (d := b.recv(1 << 20)):
        n += len(d)
    got.append(n)
t = threading.Thread(target=read); t.start()
data = memoryview(b"x" * (3 << 20)); first = done = 0
try:
    while done < len(data):
        n = a.sendmsg([data[done:]]); first = first or n; done += n
except OSError as e:
    print(e.strerror)
a.close(); t.join()
print(0 < first <= len(data), done, got[0])')
is "a 3 MiB sendmsg on a stream socket goes out whole, in parts" "True 3145728 3145728" "$out"

out=$(py '
import socket
s = socket.socket()
try:
    s.connect(("93.184.215.14", 80))
except OSError as e:
    print(e.errno)')
is "no route out of the sandbox" "101" "$out"

finish
