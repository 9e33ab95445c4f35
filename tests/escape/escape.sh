#!/bin/bash
# tests/escape/escape.sh - attacks on every invariant of docs/security.md, each
# of which must fail, with the exact outcome asserted.  The attack program
# (tests/escape/attack.c, static) runs inside `moat do`; the secrets it goes
# after exist on the host and are hidden from the sandbox.
. tests/lib.sh

ATTACK=${BUILD:-build}/tests/escape/attack
[ -x "$ATTACK" ] || { echo "not ok 1 - $ATTACK is not built"; echo "1..1"; exit 1; }

# Secrets on the host, in a place the sandbox would see if they were not hidden.
sec=/var/tmp/moat-escape-$$
mkdir -p "$sec"
text="TOPSECRET-$$-$RANDOM"
echo "$text" >"$sec/secret.txt"
printf '#!/bin/sh\necho ESCAPED-EXEC\n' >"$sec/secret.sh"
chmod 755 "$sec/secret.sh"
cleanup() { rm -rf "$sec"; [ -n "${listener:-}" ] && kill "$listener" 2>/dev/null; }
trap 'cleanup; rm -rf "$T_TMP"' EXIT
cp "$ATTACK" "$T_TMP/attack"
run() { "$MOAT" do --hide "$sec" -v "$T_TMP/attack:/attack:ro" "$@"; }

# Invariant 2: no path resolution leaves the sandbox's view.
out=$(run -- /attack paths "$sec/secret.txt" "$text" 2>&1)
expect "paths" \
	"direct ENOENT" "dotdot-absolute ENOENT" "dotdot-relative ENOENT" \
	"symlink-absolute ENOENT" "symlink-relative ENOENT" "symlink-to-root ENOENT" \
	"proc-self-root ENOENT" "proc-1-root EACCES" "proc-self-cwd ENOENT" \
	"dirfd-after-rename ENOENT" "opath-root-via-proc ENOENT" <<<"$out"

# A symlink walk that may lead into /proc costs the sentry what the kernel's
# own lookup would: a link 1300 directories deep in a volume that leads back
# to itself from the root (across the volume's mount, so that the sentry
# walks it), opened 8 times, each ELOOP after 40 links.  Looking each
# component up from the root again cost the sentry 2-3 s of CPU per open,
# charged to no limit of the guest's.
mkdir "$T_TMP/deep"
deep='p=/deep; for i in $(seq 1300); do p=$p/a; done; mkdir -p $p; ln -s $p/L $p/L
for i in 1 2 3 4 5 6 7 8; do cat $p/L 2>&1 | grep -c "Too many levels of symbolic links"; done'
cpu=$( { TIMEFORMAT='%R %U %S'; time run -v "$T_TMP/deep:/deep" -- sh -c "$deep" >"$T_TMP/deep.out" 2>&1; } 2>&1)
is "a deep symlink loop: ELOOP for each open" "1 1 1 1 1 1 1 1 " "$(tr '\n' ' ' <"$T_TMP/deep.out")"
check "...for less than 3 s of CPU in all (took: real, user, sys $cpu)" \
	awk -v u="${cpu#* }" 'BEGIN { split(u, t, " "); exit !(t[1] + t[2] < 3) }'
rm -rf "$T_TMP/deep"

# Invariant 5 on the guest's side: paths copied out of its memory exactly.
out=$(run -- /attack pagepath /etc/hostname 2>&1)
expect "pagepath" "at-page-end ok" "across-pages ok" "no-nul EFAULT" \
	"no-nul-in-path-max ENAMETOOLONG" <<<"$out"

# Writing to the host: every attempt lands in the sandbox's overlay, or fails.
targets="/etc/moat-escape-$$ /usr/moat-escape-$$ /moat-escape-$$ /var/moat-escape-$$ /home/moat-escape-$$ $sec/planted"
out=$(run -- /attack writes $targets 2>&1)
expect "writes" \
	"write /etc/moat-escape-$$ ok" "write /usr/moat-escape-$$ ok" "write /moat-escape-$$ ok" \
	"write /var/moat-escape-$$ ok" "write /home/moat-escape-$$ ok" "write $sec/planted ENOENT" <<<"$out"
for t in $targets; do
	check "the host did not get $t" test ! -e "$t"
done
# A hard link to a file of the host's root is a link to the sandbox's copy:
# written through it, both names change there, and the host's file does not.
echo "host's own" >"$T_TMP/linked" && cp "$T_TMP/linked" /var/tmp/moat-escape-link-$$
out=$(run -- sh -c "ln /var/tmp/moat-escape-link-$$ /tmp/l && echo planted >/tmp/l &&
	cat /var/tmp/moat-escape-link-$$" 2>&1)
is "a hard link to a host file: written through it, the sandbox's copy changes" "planted" "$out"
is "...and the host's file does not" "host's own" "$(cat /var/tmp/moat-escape-link-$$)"
rm -f /var/tmp/moat-escape-link-$$
# The host's device nodes in the sandbox's /dev: their modes, owners, times
# and attributes are the host's, whatever the guest asks the gofer (which is
# root over them) to change.
devs="/dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty"
before=$(stat -c '%n %a %u %g %Y' $devs 2>&1)
out=$(run -- python3 -c '
import os, sys
for d in sys.argv[1:]:
    for what, f in (("chmod", lambda: os.chmod(d, 0)), ("chown", lambda: os.chown(d, 0, 0)),
                    ("utime", lambda: os.utime(d, (0, 0))),
                    ("setxattr", lambda: os.setxattr(d, "user.moat", b"x"))):
        try:
            f(); r = "ok"
        except OSError as e:
            r = e.strerror
        print(d, what, r)' $devs 2>&1)
after=$(stat -c '%n %a %u %g %Y' $devs 2>&1)
is "the host's device nodes are unchanged after the guest's chmod, chown, utime and setxattr" \
	"$before" "$after"
if [ "$before" != "$after" ]; then	# escaped: put the host's modes back
	while read -r d mode _; do chmod "$mode" "$d"; done <<<"$before"
fi
check_fails "...and none of those changes succeeded in the sandbox" \
	grep -E '(chmod|utime|setxattr) ok' <<<"$out"
# A writable volume is the host's too: no file the guest leaves there may be
# setuid or setgid (it would run as root there, when root runs moat), however
# it sets the mode; a directory may keep setgid (group inheritance only).
vol=$T_TMP/vol
mkdir -p "$vol"
out=$(run -v "$vol:/data" -- python3 -c '
import os, shutil
shutil.copy("/bin/true", "/data/copied"); os.chmod("/data/copied", 0o4755)
fd = os.open("/data/created", os.O_CREAT | os.O_WRONLY, 0o6755); os.fchmod(fd, 0o6755); os.close(fd)
os.mkfifo("/data/fifo", 0o4755)
os.mkdir("/data/dir"); os.chmod("/data/dir", 0o6775)
os.chmod("/data/copied", 0o2755)
print(" ".join("%o" % (os.stat("/data/" + n).st_mode & 0o7777)
               for n in ("copied", "created", "fifo", "dir")))' 2>&1)
is "a volume: setuid and setgid bits are dropped, a directory's setgid kept" "755 755 755 2775" "$out"
is "...and the host sees no setuid or setgid file there" "" "$(find "$vol" -perm /6000 -not -type d)"
# A kept overlay directory is the host's too: a setuid program of the host's
# root, copied up as the guest changes it (written through a shared mapping,
# which the kernel does not strip, touched, renamed, linked, given an xattr or
# a chown that changes nothing), is copied without the bits.
upper=$T_TMP/upper
mkdir -p "$upper"
suid=$(find /usr/bin -maxdepth 1 -type f -perm -4000 -user root | head -6 | tr '\n' ' ')
out=$(run --overlay=dir:"$upper" -- python3 -c '
import mmap, os, sys
a, b, c, d, e, f = sys.argv[1:7]
fd = os.open(a, os.O_RDWR); m = mmap.mmap(fd, 4096); m[0:1] = m[0:1]; m.flush(); m.close(); os.close(fd)
os.utime(b); os.rename(c, c + ".moved"); os.link(d, d + ".linked")
os.setxattr(e, "user.moat", b"x"); os.chown(f, -1, -1)
print(" ".join("%o" % (os.stat(n).st_mode & 0o6000)
               for n in (a, b, c + ".moved", d, d + ".linked", e, f)))' $suid 2>&1)
is "an overlay directory: a copied-up setuid program loses its bits" "0 0 0 0 0 0 0" "$out"
is "...and the host sees no setuid or setgid file in it" "" \
	"$(find "$upper" -perm /6000 -not -type d)"
# The overlay's own records are the kernel's: the guest can neither write
# them (trusted.overlay.*: EPERM; user.overlay.* it may set, and the kernel
# keeps them apart) nor get one to lead it to a hidden path.  Renaming a
# directory of the host's root that holds a hidden path (the in-memory overlay
# records where it came from) takes the hiding along, and a sandbox that
# starts from a kept upper layer the guest wrote them in obeys none.
overlay_attack='
import errno, os, sys
sec = sys.argv[1]; parent = os.path.dirname(sec); name = os.path.basename(sec)
def probe(what, f):
    try:
        f(); print(what, "ok")
    except OSError as e:
        print(what, errno.errorcode[e.errno])
if sys.argv[2] == "first":
    os.makedirs("/srv/lure")
    for p in ("/srv/lure", "/usr/share/doc"):
        for n in ("trusted.overlay.redirect", "trusted.overlay.opaque", "trusted.overlay.origin"):
            probe(n + " " + p, lambda: os.setxattr(p, n, b"/" + parent.strip("/").encode() + b"/" + name.encode()))
        probe("user.overlay.redirect " + p, lambda: os.setxattr(p, "user.overlay.redirect", sec.encode()))
    probe("user.overlay.opaque", lambda: os.setxattr("/usr/share/doc", "user.overlay.opaque", b"y"))
    probe("rename-parent", lambda: os.rename(parent, parent + ".moved"))
    probe("hidden-after-rename", lambda: os.stat(parent + ".moved/" + name))
    probe("rename-back", lambda: os.rename(parent + ".moved", parent))
print("lure", os.listdir("/srv/lure") if os.path.isdir("/srv/lure") else "none")
print("doc-whole", len(os.listdir("/usr/share/doc")) > 10)
probe("hidden", lambda: os.stat(sec))
'
out=$(run -- python3 -c "$overlay_attack" "$sec" first 2>&1)
expect "overlay records (in memory)" \
	"trusted.overlay.redirect /srv/lure EPERM" "trusted.overlay.opaque /srv/lure EPERM" \
	"trusted.overlay.origin /srv/lure EPERM" "trusted.overlay.redirect /usr/share/doc EPERM" \
	"user.overlay.redirect /srv/lure ok" "user.overlay.opaque ok" \
	"rename-parent ok" "hidden-after-rename ENOENT" "rename-back ok" \
	"lure []" "doc-whole True" "hidden ENOENT" <<<"$out"
upper2=$T_TMP/upper2
mkdir -p "$upper2"
out=$(run --overlay=dir:"$upper2" -- python3 -c "$overlay_attack" "$sec" first 2>&1)
expect "overlay records (kept layer, first sandbox)" \
	"trusted.overlay.redirect /srv/lure EPERM" "user.overlay.redirect /srv/lure ok" \
	"user.overlay.opaque ok" "rename-parent EXDEV" "hidden ENOENT" <<<"$out"
out=$(run --overlay=dir:"$upper2" -- python3 -c "$overlay_attack" "$sec" again 2>&1)
expect "overlay records (kept layer, the next sandbox)" \
	"lure []" "doc-whole True" "hidden ENOENT" <<<"$out"
rm -rf "$upper2"
# A read-only fd gives no write access; a change of the file's mode through
# it is the change by path (the sandbox's copy), never the host's file.
host_state=$(stat -c '%a %Y' /etc/hostname)
out=$(run -- /attack reopen /etc/hostname 2>&1)
expect "reopen" \
	"reopen-rdwr EROFS" "write-rdonly-fd EBADF" "ftruncate-rdonly-fd EINVAL" \
	"fchmod-rdonly-fd ok" "reopen-devfd-wronly EROFS" <<<"$out"
is "...and the host's file is unchanged" "$host_state" "$(stat -c '%a %Y' /etc/hostname)"
# fchmod, fchown, futimens, fsetxattr and fremovexattr of a read-only fd
# change nothing that the same change by path could not: on a read-only
# volume they fail, and through the fd of a file since replaced they do not
# reach the file now at its path.
mkdir -p "$T_TMP/rovol"
echo data >"$T_TMP/rovol/f"
touch -d 2001-02-03 "$T_TMP/rovol/f" "$T_TMP/rovol"
rovol_state() {
	stat -c '%n %a %u %g %Y' "$T_TMP/rovol" "$T_TMP/rovol/f"
	python3 -c 'import os, sys; print(os.listxattr(sys.argv[1]), os.listxattr(sys.argv[2]))' \
		"$T_TMP/rovol" "$T_TMP/rovol/f"
}
before=$(rovol_state)
out=$(run -v "$T_TMP/rovol:/ro:ro" -- python3 -c '
import errno, os
def probe(name, f):
    try:
        f(); print(name, "ESCAPED changed")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
for n, x in (("file", os.open("/ro/f", os.O_RDONLY)), ("dir", os.open("/ro", os.O_RDONLY))):
    probe("fchmod-" + n, lambda: os.fchmod(x, 0o600))
    probe("fchown-" + n, lambda: os.fchown(x, 0, 0))
    probe("futimens-" + n, lambda: os.utime(x, (5, 5)))
    probe("fsetxattr-" + n, lambda: os.setxattr(x, "user.moat", b"x"))
    probe("fremovexattr-" + n, lambda: os.removexattr(x, "user.moat"))
os.mkdir("/tmp/r")
for n in "ab":
    with open("/tmp/r/" + n, "w") as f:
        f.write(n)
    os.chmod("/tmp/r/" + n, 0o644); os.utime("/tmp/r/" + n, (1, 1))
fd = os.open("/tmp/r/a", os.O_RDONLY)
os.rename("/tmp/r/b", "/tmp/r/a")
probe("replaced-fchmod", lambda: os.fchmod(fd, 0o600))
probe("replaced-futimens", lambda: os.utime(fd, (5, 5)))
st = os.stat("/tmp/r/a")
print("replacement", oct(st.st_mode & 0o777), int(st.st_mtime), open("/tmp/r/a").read())' 2>&1)
expect "read-only fds" "fchmod-file EROFS" "fchown-file EROFS" "futimens-file EROFS" \
	"fsetxattr-file EROFS" "fremovexattr-file EROFS" "fchmod-dir EROFS" "fchown-dir EROFS" \
	"futimens-dir EROFS" "fsetxattr-dir EROFS" "fremovexattr-dir EROFS" \
	"replaced-fchmod EROFS" "replaced-futimens EROFS" "replacement 0o644 1 b" <<<"$out"
is "...and the read-only volume is unchanged" "$before" "$(rovol_state)"

# The guest's stdio may be the host's files (`< input`, `> /dev/null`), which
# the guest's user owns when root runs moat: through the fd it must change
# neither their mode, times, attributes and flags, nor reopen them for
# writing, nor give them a name (their link count stays); their data still
# reads and writes (a device node of the host's
# null device stands for /dev/null).
if [ "$(id -u)" = 0 ]; then
	printf 'stdio input\n' >"$T_TMP/input"
	chmod 644 "$T_TMP/input"
	touch -d '2001-02-03' "$T_TMP/input"
	mknod -m 666 "$T_TMP/null" c 1 3
	flags() { python3 -c '
import array, fcntl, sys
b = array.array("l", [0]); fcntl.ioctl(open(sys.argv[1]), 0x80086601, b); print(b[0])' "$1"; }
	state() { for f in "$T_TMP/input" "$T_TMP/null"; do
		echo "$(stat -c '%a %u %g %Y %h' "$f") $(flags "$f" 2>/dev/null)" \
			"$(python3 -c 'import os, sys; print(os.listxattr(sys.argv[1]))' "$f")"
	done; cat "$T_TMP/input"; }
	before=$(state)
	out=$(run -- python3 -c '
import array, errno, fcntl, os, sys
def probe(name, f):
    try:
        f(); print(name, "ESCAPED changed", file=sys.stderr)
    except OSError as e:
        print(name, errno.errorcode[e.errno], file=sys.stderr)
for fd in (0, 1):
    probe("fchmod-%d" % fd, lambda: os.fchmod(fd, 0o600))
    probe("futimens-%d" % fd, lambda: os.utime(fd, (5, 5)))
    probe("fsetxattr-%d" % fd, lambda: os.setxattr(fd, "user.moat", b"x"))
    probe("setflags-%d" % fd, lambda: fcntl.ioctl(fd, 0x40086602, array.array("l", [0x40])))
probe("reopen-stdin-write", lambda: os.open("/proc/self/fd/0", os.O_WRONLY | os.O_APPEND))
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
def link_stdin(flags, path):
    if libc.linkat(0, path, -100, b"/tmp/stdin-link", flags) < 0:
        raise OSError(ctypes.get_errno(), "")
probe("link-stdin", lambda: link_stdin(0x1000, b""))
probe("link-stdin-proc", lambda: libc.linkat(-100, b"/proc/self/fd/0", -100, b"/tmp/l2", 0x400) == 0 or
      (_ for _ in ()).throw(OSError(ctypes.get_errno(), "")))
probe("devstdin-rdwr", lambda: os.open("/dev/stdin", os.O_RDWR))
print("read", os.read(0, 100).decode().strip(), "write", os.write(1, b"x"), file=sys.stderr)' \
		<"$T_TMP/input" 2>&1 >"$T_TMP/null")
	expect "stdio of the host's files" "fchmod-0 EROFS" "futimens-0 EROFS" "fsetxattr-0 EROFS" \
		"setflags-0 EROFS" "fchmod-1 EROFS" "futimens-1 EROFS" "fsetxattr-1 EROFS" \
		"setflags-1 EROFS" "reopen-stdin-write EROFS" "link-stdin EPERM" \
		"link-stdin-proc EPERM" "devstdin-rdwr EROFS" \
		"read stdio input write 1" <<<"$out"
	is "...and the host's files are unchanged" "$before" "$(state)"
	# One file on all three (as a terminal or /dev/null is): one clone serves them.
	mkdir -p "$T_TMP/res"
	run -v "$T_TMP/res:/res" -- python3 -c '
import errno, os
with open("/res/out", "w") as out:
    for fd in (0, 1, 2):
        try:
            os.fchmod(fd, 0o600); print(fd, "ESCAPED changed", file=out)
        except OSError as e:
            print(fd, errno.errorcode[e.errno], os.read(fd, 1) if fd == 0 else os.write(fd, b"x"),
                  file=out)' \
		<"$T_TMP/null" >"$T_TMP/null" 2>"$T_TMP/null"
	out=$(cat "$T_TMP/res/out")
	expect "stdio of one host file" "0 EROFS b''" "1 EROFS 1" "2 EROFS 1" <<<"$out"
	is "...unchanged" "$before" "$(state)"
	# A directory of the host as stdin: its `..` does not lead to the rest of
	# the host, where a native O_PATH lookup would find a hidden file.
	mkdir -p "$T_TMP/dir/sub"
	out=$(run -- sh -c 'exec 3<&0 0</dev/null; exec python3 -c "
import errno, os, sys
try:
    p = os.open(\"../../../../../../../..\" + sys.argv[1], os.O_PATH, dir_fd=3)
    print(\"dotdot-opath\", \"ESCAPED read\" if sys.argv[2] in open(\"/proc/self/fd/%d\" % p).read()
          else \"other\")
except OSError as e:
    print(\"dotdot-opath\", errno.errorcode[e.errno])
" "$1" "$2"' sh "$sec/secret.txt" "$text" <"$T_TMP/dir/sub" 2>&1)
	expect "a directory of the host as stdin" "dotdot-opath ENOENT" <<<"$out"
fi

# Invariant 1: a thread rewriting the path while the call is served.
echo benign >"$T_TMP/benign.txt"
out=$(run -v "$T_TMP/benign.txt:/benign.txt:ro" -- /attack toctou-open /benign.txt "$sec/secret.txt" "$text" 3000 2>&1)
expect "toctou" "toctou-open held" <<<"$out"
# The other served calls, raced by a thread and by a process sharing the
# page: the path flips to the hidden file (or into its directory) and
# openat2's struct open_how between reading and writing a read-only file.
# Each probe's benign form worked and the other was tried; the host's hidden
# directory (a planted name would show), its files' modes, owners, times
# (a read shows in the atime) and xattrs, and the read-only file are as
# they were.
mkdir -p "$T_TMP/racevol"
echo benign >"$T_TMP/racevol/benign.txt"
hostside() { stat -c '%n %a %u %g %X %Y %Z' "$sec" "$sec"/*
	stat -c '%n %a %u %g %Y %Z' "$T_TMP/racevol/benign.txt"	# its reads change atime
	python3 -c 'import os, sys; print(os.listxattr(sys.argv[1]))' "$sec/secret.txt"
	cat "$T_TMP/racevol/benign.txt"; }
before=$(hostside 2>&1)
out=$(run -v "$T_TMP/racevol:/racevol:ro" -- /attack toctou-calls /racevol "$sec/secret.txt" "$text" 300 2>&1)
probes=()
for how in thread shared; do
	for call in renameat2 linkat symlinkat mknodat fchownat utimensat setxattr lsetxattr \
		statx openat2-path openat2-how; do
		probes+=("toctou-$call-$how held")
	done
done
expect "toctou: the other served calls" "${probes[@]}" <<<"$out"
is "toctou: the host's hidden files and the read-only file are unchanged" "$before" "$(hostside 2>&1)"
printf '#!/bin/sh\necho benign-exec\n' >"$T_TMP/benign.sh"
chmod 755 "$T_TMP/benign.sh"
out=$(run -v "$T_TMP/benign.sh:/benign.sh:ro" -- /attack toctou-exec /benign.sh "$sec/secret.sh" 200 2>&1)
like "toctou-exec: the benign program ran" "benign-exec" "$out"
check_fails "toctou-exec: the hidden program never ran" grep -q ESCAPED-EXEC <<<"$out"

# Calls that wait on the guest (a FIFO nobody opens, a listener that never
# accepts) are served by a worker each, of at most 64: a caller killed while
# it waits must give its worker back, or 64 such kills leave nothing to serve
# the sandbox's next call.  After each round of 70, a stat is still served,
# and the FIFO still pairs a reader and a writer.
cat >"$T_TMP/abandon.py" <<'EOF'
import os, socket, threading, time
os.mkfifo("/tmp/fifo")
srv = socket.socket(socket.AF_UNIX); srv.bind("/tmp/l.sock"); srv.listen(0)
def wait_fifo_write(): os.open("/tmp/fifo", os.O_WRONLY)
def wait_fifo_read(): os.open("/tmp/fifo", os.O_RDONLY)
def wait_connect():
    for _ in range(8):	# past the backlog: the connect waits
        socket.socket(socket.AF_UNIX).connect("/tmp/l.sock")
def served(what):
    t = threading.Thread(target=os.stat, args=("/etc/hostname",), daemon=True)
    t.start(); t.join(3)
    print(what, "ESCAPED stat hangs" if t.is_alive() else "stat served", flush=True)
for name, wait in (("fifo-write", wait_fifo_write), ("fifo-read", wait_fifo_read),
                   ("connect", wait_connect)):
    for _ in range(70):
        kid = os.fork()
        if kid == 0:
            wait(); os._exit(0)
        time.sleep(0.02); os.kill(kid, 9); os.waitpid(kid, 0)
    served(name)
kid = os.fork()
if kid == 0:
    os.write(os.open("/tmp/fifo", os.O_WRONLY), b"paired"); os._exit(0)
print("fifo", os.read(os.open("/tmp/fifo", os.O_RDONLY), 16).decode()); os.waitpid(kid, 0)
EOF
out=$("$MOAT" do --timeout 30 -v "$T_TMP/abandon.py:/abandon.py:ro" -- python3 /abandon.py 2>&1)
expect "abandoned waits give their workers back" "fifo-write stat served" \
	"fifo-read stat served" "connect stat served" "fifo paired" <<<"$out"
# 80 threads waiting at once hold every worker: the guest's own calls wait
# for one, as it asked; --timeout and SIGTERM still end the sandbox at once.
cat >"$T_TMP/hold.py" <<'EOF'
import os, threading, time
os.mkfifo("/tmp/fifo")
for _ in range(80):
    threading.Thread(target=os.open, args=("/tmp/fifo", os.O_WRONLY), daemon=True).start()
print("holding", flush=True)
time.sleep(60)
EOF
start=$SECONDS
"$MOAT" do --timeout 2 -v "$T_TMP/hold.py:/hold.py:ro" -- python3 /hold.py "hold-$$" >/dev/null 2>&1
is "every worker held: --timeout still stops the sandbox (124)" "124" "$?"
check "...in time" test $((SECONDS - start)) -le 6
"$MOAT" do -v "$T_TMP/hold.py:/hold.py:ro" -- python3 /hold.py "hold-$$" >/dev/null 2>&1 &
moat_pid=$!
sleep 1.5
kill -TERM "$moat_pid"
wait "$moat_pid"
is "...and SIGTERM ends it (143)" "143" "$?"
sleep 0.2
is "...leaving no process" "" "$(pgrep -f "hold-$$")"

# Empty files, directories and links take no blocks of the in-memory overlay
# but kernel memory that the gofer, outside --memory, is charged for: each
# counts as 4 KiB of --disk, so 8M holds at most 2048 of them.
out=$("$MOAT" do --memory 64M --disk 8M -- python3 -c '
import errno, os
made = 0
try:
    for i in range(5000):
        os.mkdir("/tmp/%05d-%s" % (i, "x" * 200)); made += 1
    print("mkdir ESCAPED made", made)
except OSError as e:
    print("mkdir", errno.errorcode[e.errno], "after", "fewer than 2048" if made < 2048 else made)
try:
    os.symlink("x", "/tmp/link"); print("symlink ESCAPED made")
except OSError as e:
    print("symlink", errno.errorcode[e.errno])
for i in range(100):
    os.rmdir("/tmp/%05d-%s" % (i, "x" * 200))
open("/tmp/file", "w").write("data"); print("after rmdir", open("/tmp/file").read())' 2>&1)
expect "inodes count against --disk" "mkdir ENOSPC after fewer than 2048" "symlink ENOSPC" \
	"after rmdir data" <<<"$out"

# Denied system calls, with the errno each gets.
out=$(run -- /attack denied </dev/null 2>&1)
expect "denied" \
	"mount EPERM" "umount2 EPERM" "pivot_root EPERM" "chroot EPERM" "unshare-user EPERM" \
	"unshare-mnt EPERM" "setns EPERM" "clone-newuser EPERM" "clone-newns EPERM" \
	"clone-newnet EPERM" "clone3 ENOSYS" "ptrace EPERM" "process_vm_readv EPERM" "bpf EPERM" \
	"perf_event_open EPERM" "userfaultfd EPERM" "io_uring_setup EPERM" "io_uring_enter EPERM" \
	"io_uring_register EPERM" "keyctl EPERM" "add_key EPERM" "request_key EPERM" \
	"init_module EPERM" "finit_module EPERM" "delete_module EPERM" "kexec_load EPERM" \
	"open_by_handle_at EPERM" "name_to_handle_at EPERM" "fsopen EPERM" "open_tree EPERM" \
	"move_mount EPERM" "pidfd_getfd EPERM" "reboot EPERM" "syslog EPERM" \
	"socket-packet EPERM" "socket-raw EPERM" "socket-raw6 EPERM" "socket-netlink-audit EPROTONOSUPPORT" \
	"ioctl-tiocsti EPERM" "ioctl-tiocsti-high EPERM" "unknown-1000 ENOSYS" <<<"$out"
out=$(run -- /attack abi 2>&1)
expect "abi" "x32-getpid killed-SIGSYS" "int80-getpid killed-SIGSYS" <<<"$out"

# Kernel interfaces that trust uid 0 more than they should.
out=$(run -- /attack kernel 2>&1)
expect "kernel" \
	"proc-sys-write EACCES" "proc-1-mem EACCES" "/proc/kcore unreachable" \
	"/proc/sysrq-trigger unreachable" "sysfs-write EROFS" "dev-tty ENXIO" "mknod-char EPERM" \
	"kill-init survived" <<<"$out"

# Guest processes among themselves: one that made itself not dumpable (as
# ssh-agent does) is shielded from the others as on Linux, though the sentry,
# which serves their opens, could open its files; it still reads its own.
out=$(run -- python3 -c '
import ctypes, errno, os, time
r, w = os.pipe()
kid = os.fork()
if kid == 0:
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)    # PR_SET_DUMPABLE 0
    ok = len(open("/proc/self/maps").read()) > 0 and os.readlink("/proc/self/exe") != ""
    os.write(w, b"y" if ok else b"n"); time.sleep(10); os._exit(0)
print("own-maps", "read" if os.read(r, 1) == b"y" else "ESCAPED refused")
def probe(name, f):
    try:
        f(); print(name, "ESCAPED opened")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
probe("other-environ", lambda: open("/proc/%d/environ" % kid).read())
probe("other-mem", lambda: os.open("/proc/%d/mem" % kid, os.O_RDONLY))
probe("other-mem-write", lambda: os.open("/proc/%d/mem" % kid, os.O_RDWR))
probe("other-maps", lambda: open("/proc/%d/maps" % kid).read())
probe("other-exe", lambda: os.readlink("/proc/%d/exe" % kid))
# Its links followed: what they name, the kernel lets only a tracer reach.
probe("other-exe-open", lambda: open("/proc/%d/exe" % kid, "rb").read(4))
probe("other-exe-stat", lambda: os.stat("/proc/%d/exe" % kid))
probe("other-cwd", lambda: os.listdir("/proc/%d/cwd/" % kid))
probe("other-cwd-last", lambda: os.stat("/proc/%d/cwd" % kid))
probe("other-root", lambda: open("/proc/%d/root/etc/hostname" % kid).read())
probe("other-fd", lambda: os.fstat(os.open("/proc/%d/fd/%d" % (kid, w), os.O_WRONLY)))
probe("other-fd-dir", lambda: os.listdir("/proc/%d/fd/0/" % kid))
probe("other-task-exe", lambda: open("/proc/%d/task/%d/exe" % (kid, kid), "rb").read(4))
probe("other-mkdir-cwd", lambda: os.mkdir("/proc/%d/cwd/made" % kid))
probe("other-fd-dotdot", lambda: open("/proc/%d/fd/../environ" % kid).read())
probe("other-fd-sign", lambda: os.open("/proc/%d/fd/+%d" % (kid, w), os.O_RDONLY))
probe("other-cwd-dotdot", lambda: open("/proc/%d/cwd/../proc/%d/environ" % (kid, kid)).read())
d = os.open("/proc/%d" % kid, os.O_RDONLY)
probe("other-environ-dirfd", lambda: os.open("environ", os.O_RDONLY, dir_fd=d))
# The same files named so that the path string does not show them.
probe("dot", lambda: open("/proc/./%d/environ" % kid).read())
probe("dotdot", lambda: open("/tmp/../proc/%d/environ" % kid).read())
os.symlink("/proc/%d" % kid, "/tmp/kid")
probe("symlink", lambda: open("/tmp/kid/environ").read())
probe("symlink-mem", lambda: os.open("/tmp/kid/mem", os.O_RDONLY))
probe("symlink-exe", lambda: os.readlink("/tmp/kid/exe"))
t = os.open("/tmp", os.O_RDONLY)
probe("symlink-dirfd", lambda: os.open("kid/maps", os.O_RDONLY, dir_fd=t))
o = os.open("/proc/%d/environ" % kid, os.O_PATH)
probe("opath-reopen", lambda: open("/proc/self/fd/%d" % o).read())
probe("opath-reopen-devfd", lambda: open("/dev/fd/%d" % o).read())
print("own-environ", "read" if "PATH=" in open("/proc/self/environ").read() else "empty")
os.kill(kid, 9)
pal = os.fork()
if pal == 0:
    time.sleep(10); os._exit(0)
time.sleep(0.2)
print("dumpable-environ", "read" if "PATH=" in open("/proc/%d/environ" % pal).read() else "empty",
      "exe", os.readlink("/proc/%d/exe" % pal) == os.readlink("/proc/self/exe"),
      "followed", open("/proc/%d/exe" % pal, "rb").read(4) == b"\x7fELF",
      os.listdir("/proc/%d/cwd/" % pal) == os.listdir("."),
      open("/proc/%d/root/etc/hostname" % pal).read() == open("/etc/hostname").read())
os.kill(pal, 9)' 2>&1)
expect "not dumpable" "own-maps read" "other-environ EACCES" "other-mem EACCES" \
	"other-mem-write EACCES" "other-maps EACCES" "other-exe EACCES" \
	"other-environ-dirfd EACCES" "dot EACCES" "dotdot EACCES" "symlink EACCES" \
	"symlink-mem EACCES" "symlink-exe EACCES" "symlink-dirfd EACCES" "opath-reopen EACCES" \
	"opath-reopen-devfd EACCES" "other-exe-open EACCES" "other-exe-stat EACCES" \
	"other-cwd EACCES" "other-cwd-last EACCES" "other-root EACCES" "other-fd EACCES" \
	"other-fd-dir EACCES" "other-task-exe EACCES" "other-mkdir-cwd EACCES" \
	"other-fd-dotdot EACCES" "other-fd-sign ENOENT" "other-cwd-dotdot EACCES" "own-environ read" \
	"dumpable-environ read exe True followed True True True" <<<"$out"

# The /proc opener killed from the host: the guest's later opens of another
# process's files fail (EIO), none is served with the sentry's credentials,
# moat exits with the guest's status, and the opener's pid, reaped and given
# to a bystander (in a pid namespace of the test's own, where the next pid can
# be chosen), is not killed at the end.
if [ "$(id -u)" = 0 ]; then
	cat >"$T_TMP/opener-kill.sh" <<'EOS'
mkdir -p "$3"
"$1" do -v "$3:/sync:ro" -- python3 -c '
import errno, os, sys, time
kid = os.fork()
if kid == 0:
    time.sleep(30); os._exit(0)
open("/proc/%d/environ" % kid).close()
print("started", flush=True)
for i in range(200):    # until the opener is killed
    time.sleep(0.1)
    try:
        os.close(os.open("/proc/%d/environ" % kid, os.O_RDONLY))
    except OSError as e:
        break
for n in ("environ", "maps", "status", "mem"):
    try:
        os.close(os.open("/proc/%d/%s" % (kid, n), os.O_RDONLY)); print(n, "ESCAPED opened")
    except OSError as e:
        print(n, errno.errorcode[e.errno])
try:
    os.readlink("/proc/%d/exe" % kid); print("exe ESCAPED read")
except OSError as e:
    print("exe", errno.errorcode[e.errno])
print("own-environ", "read" if open("/proc/self/environ").read() else "empty", flush=True)
while not os.path.exists("/sync/go"):    # until the host says go
    time.sleep(0.05)
os.kill(kid, 9); sys.exit(7)' "opener-kill-$2" &
moat=$!
for i in $(seq 100); do
	guest=$(pgrep -f "^python3 -c .*opener-kill-$2" | head -1)
	[ -n "$guest" ] && break
	sleep 0.05
done
sleep 0.5
opener=
for p in $(pgrep -x moat); do
	[ "$(readlink "/proc/$p/ns/user")" = "$(readlink "/proc/$guest/ns/user")" ] &&
		[ "$(readlink "/proc/$p/ns/pid")" = "$(readlink /proc/self/ns/pid)" ] && opener=$p
done
echo "opener found ${opener:+yes}"
kill -KILL "$opener"
while [ -e "/proc/$opener" ]; do sleep 0.05; done
. "$BYSTANDER_LIB"
bystander=$(bystander "$opener")
echo "bystander has the opener's pid $([ "$bystander" = "$opener" ] && echo yes)"
touch "$3/go"
wait "$moat"
echo "moat exit $?"
sleep 0.2
kill -0 "$bystander" 2>/dev/null && echo "bystander alive" || echo "bystander ESCAPED killed"
kill "$bystander" 2>/dev/null
echo "left: $(pgrep -f "opener-kill-$2" | tr '\n' ' ')"
EOS
	out=$(BYSTANDER_LIB=$PWD/tests/escape/bystander.bash unshare --pid --fork --mount-proc bash "$T_TMP/opener-kill.sh" "$MOAT" "$$" "$T_TMP/sync" 2>&1)
	expect "opener killed" "started" "opener found yes" "bystander has the opener's pid yes" \
		"environ EAGAIN" "maps EAGAIN" "status EAGAIN" "mem EAGAIN" "exe EAGAIN" "own-environ read" \
		"moat exit 7" "bystander alive" "left: " <<<"$out"
fi

# /proc/sys/net is per network namespace, resolved in the looker's: the guest
# must see its own (lo only), not the host's interfaces.
dummy=moatesc$((RANDOM % 10000))
if [ "$(id -u)" = 0 ] && ip link add "$dummy" type dummy 2>/dev/null; then
	trap 'cleanup; ip link del "$dummy" 2>/dev/null; rm -rf "$T_TMP"' EXIT
fi
check "the host has interfaces besides lo" test "$(ls /proc/sys/net/ipv4/conf | wc -l)" -gt 3
out=$(run -- sh -c 'ls /proc/sys/net/ipv4/conf; ls /proc/sys/net/ipv4/neigh' 2>&1 | tr '\n' ' ')
is "/proc/sys/net shows the guest's namespace, not the host's" \
	"all default lo lo " "$out"

# Inherited fds: only stdio reaches the guest.
exec 7</etc/hostname 8>"$T_TMP/fd8"
out=$(run -- /attack fds 2>&1)
if [ "$MOAT_PLATFORM" = ptrace ]; then
	# and the platform's injection socket, below RLIMIT_NOFILE (1024 here)
	expect "fds" "fds 0 1 2 1023" <<<"$out"
else
	expect "fds" "fds 0 1 2" <<<"$out"
fi
exec 7<&- 8>&-

# moat's own command line (host paths, volumes, options) is not the guest's
# to read: init, pid 1 and a fork of moat, shows itself as moat-init.
mkdir -p "$T_TMP/marker-$$"
out=$(run -v "$T_TMP/marker-$$:/m:ro" -- python3 -c '
import sys
cmd = open("/proc/1/cmdline", "rb").read()
print("cmdline", cmd.rstrip(b"\0").decode(), "marker ESCAPED read" if sys.argv[1].encode() in cmd else "")
print("comm", open("/proc/1/comm").read().strip())' "marker-$$" 2>&1)
expect "init's command line" "cmdline moat-init " "comm moat-init" <<<"$out"

# A unix socket of the host, visible in the view: connecting is refused.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
while True: c, _ = s.accept(); c.send(b"host daemon\n"); c.close()' "/var/tmp/moat-sock-$$" &
listener=$!
for i in $(seq 50); do [ -S "/var/tmp/moat-sock-$$" ] && break; sleep 0.05; done
out=$("$MOAT" do -v "$T_TMP/attack:/attack:ro" -- /attack unix "/var/tmp/moat-sock-$$" 2>&1)
expect "host socket" "unix-connect ECONNREFUSED" <<<"$out"
out=$("$MOAT" do -- sh -c 'cd /tmp && /usr/bin/python3 -c "
import socket, os
s = socket.socket(socket.AF_UNIX); s.bind(\"own.sock\"); s.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect(\"/tmp/own.sock\"); print(\"own socket connects\")"' 2>&1)
is "a socket bound inside the sandbox still connects" "own socket connects" "$out"
# The socket the sandbox lets the guest connect to is the file the gofer
# bound, not what the path names a moment later: a directory of the path
# swapped, again and again, with a symlink to the host socket's directory
# while the guest binds there must never let it reach the host's socket.
mkdir -p "/var/tmp/moat-race-$$"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
while True: c, _ = s.accept(); c.close()' "/var/tmp/moat-race-$$/h.sock" &
racer=$!
for i in $(seq 50); do [ -S "/var/tmp/moat-race-$$/h.sock" ] && break; sleep 0.05; done
out=$("$MOAT" do -- python3 -c '
import ctypes, os, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
os.makedirs("/tmp/x"); os.symlink("/var/tmp/moat-race-" + sys.argv[1], "/tmp/y")
kid = os.fork()
if kid == 0:
    end = time.time() + 2
    while time.time() < end:
        libc.renameat2(-100, b"/tmp/x", -100, b"/tmp/y", 2)
    os._exit(0)
end, n, got = time.time() + 2, 0, "refused"
while time.time() < end and got == "refused":
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind("/tmp/x/h.sock"); n += 1
    except OSError:
        pass
    s.close()
    for p in ("/tmp/x/h.sock", "/tmp/y/h.sock"):
        try: os.unlink(p)
        except OSError: pass
    c = socket.socket(socket.AF_UNIX)
    try:
        c.connect("/var/tmp/moat-race-%s/h.sock" % sys.argv[1]); got = "ESCAPED connected"
    except OSError:
        pass
    c.close()
os.waitpid(kid, 0)
print("race", got, "binds", "some" if n else "none")' "$$" 2>&1)
expect "bind raced with a symlink" "race refused binds some" <<<"$out"
kill "$racer" 2>/dev/null
rm -rf "/var/tmp/moat-race-$$"
kill "$listener" 2>/dev/null
rm -f "/var/tmp/moat-sock-$$"

# The same for a datagram socket of the host: sendto, sendmsg and sendmmsg.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
open(sys.argv[2], "w").close()
while True: print(s.recv(100), flush=True)' "/var/tmp/moat-dgram-$$" "$T_TMP/dgram-ready" >"$T_TMP/dgram-got" &
listener=$!
for i in $(seq 50); do [ -f "$T_TMP/dgram-ready" ] && break; sleep 0.05; done
out=$("$MOAT" do -v "$T_TMP/attack:/attack:ro" -- /attack dgram "/var/tmp/moat-dgram-$$" 2>&1)
expect "host datagram socket" "dgram-sendto ECONNREFUSED" "dgram-sendmsg ECONNREFUSED" \
	"dgram-sendmmsg ECONNREFUSED" <<<"$out"
sleep 0.2
is "the host socket received nothing" "" "$(cat "$T_TMP/dgram-got")"
kill "$listener" 2>/dev/null
rm -f "/var/tmp/moat-dgram-$$"

# The gofer, which can write to the sandbox's files, holds nothing more: no
# capability, a seccomp filter, no new privileges, no mount of the host's root
# (it built the tree from one, then detached it) and no fd but its stdio, its
# root and its sockets.  It is the sentry's child that has no child, in a
# mount namespace of its own (the ptrace platform's tracer stays in the
# sentry's, with no file-system call in its allowlist).
"$MOAT" do -- sh -c "sleep 30; : gofer-probe-$$" &
moat_pid=$!
gofer= tracer=
# Once the guest's command runs (the sentry's forks carry moat's command line,
# probe and all, from their birth: wait for the guest's own sh), the gofer is
# the child without a child.
for i in $(seq 100); do
	if pgrep -f "^sh -c sleep 30; : gofer-probe-$$" >/dev/null; then
		for p in $(pgrep -P "$moat_pid"); do
			[ -z "$(pgrep -P "$p")" ] || continue
			if [ "$(readlink "/proc/$p/ns/mnt")" = "$(readlink "/proc/$moat_pid/ns/mnt")" ]; then
				tracer=$p
			else
				gofer=$p
			fi
		done
		break
	fi
	sleep 0.05
done
check "the gofer is found" test -n "$gofer"
is "gofer: no capability" "0000000000000000" "$(awk '/^CapEff:/ {print $2}' "/proc/$gofer/status")"
is "gofer: under seccomp" "2" "$(awk '/^Seccomp:/ {print $2}' "/proc/$gofer/status")"
is "gofer: no new privileges" "1" "$(awk '/^NoNewPrivs:/ {print $2}' "/proc/$gofer/status")"
host_root=$(awk '$5 == "/" {d = $3} END {print d}' /proc/self/mountinfo)
is "gofer: the host's root is not mounted in its view" "" \
	"$(awk -v d="$host_root" '$3 == d && $4 == "/"' "/proc/$gofer/mountinfo")"
is "gofer: its fds are stdio, its root and sockets" "" \
	"$(for f in /proc/"$gofer"/fd/*; do
		n=${f##*/} l=$(readlink "$f")
		[ "$n" -le 2 ] || [ "$l" = / ] || [[ "$l" == socket:* ]] || echo "$n -> $l"
	done)"
if [ "$MOAT_PLATFORM" = ptrace ]; then
	check "the tracer is found" test -n "$tracer"
	is "tracer: no capability" "0000000000000000" \
		"$(awk '/^CapEff:/ {print $2}' "/proc/$tracer/status")"
	is "tracer: under seccomp" "2" "$(awk '/^Seccomp:/ {print $2}' "/proc/$tracer/status")"
	is "tracer: no new privileges" "1" "$(awk '/^NoNewPrivs:/ {print $2}' "/proc/$tracer/status")"
	is "tracer: its fds are stdio, sockets and its signalfd" "" \
		"$(for f in /proc/"$tracer"/fd/*; do
			n=${f##*/} l=$(readlink "$f")
			[ "$n" -le 2 ] || [[ "$l" == socket:* ]] || [ "$l" = "anon_inode:[signalfd]" ] ||
				echo "$n -> $l"
		done)"
	guest=$(pgrep -f "gofer-probe-$$" | grep -vx "$moat_pid" | while read -r p; do
		[ "$(awk '/^TracerPid:/ {print $2}' "/proc/$p/status")" = "$tracer" ] && echo "$p"
	done | head -1)
	check "the guest's command is the tracer's tracee" test -n "$guest"
else
	is "no tracer with the seccomp platform" "" "$tracer"
fi
kill "$moat_pid"
wait "$moat_pid" 2>/dev/null

# Invariant 2 for an OCI bundle: symlinks in its root file system never take
# what moat makes there (mount points, the network files it presents) out of
# it: absolute ones, relative ones that climb with "..", dangling ones (whose
# target moat makes, as runc does).  With a writable root the mount points are
# made in the bundle, at the place each link names inside the root; the
# host's directory of that name stays empty.
oci=$T_TMP/oci
mkdir -p "$oci/rootfs/bin" "$oci/rootfs/etc" "$oci/rootfs$sec/oci" "$sec/oci" "$T_TMP/vol"
cp /bin/busybox "$oci/rootfs/bin/sh"
ln -s "../../../../../../../../..$sec/oci/resolv" "$oci/rootfs/etc/resolv.conf"
ln -s "$sec/oci/hosts" "$oci/rootfs/etc/hosts"
ln -s "$sec/oci" "$oci/rootfs/abs"
ln -s "../../../../../../../../..$sec/oci" "$oci/rootfs/rel"
ln -s "../../../../../../../../..$sec/oci/dang" "$oci/rootfs/dang"
ln -s "$sec/oci/efile" "$oci/rootfs/efile"
echo vol-file >"$T_TMP/vol-file"
cat >"$oci/config.json" <<JSON
{"ociVersion": "1.2.0", "root": {"path": "rootfs"},
 "process": {"args": ["sh", "-c", "read -r l </etc/resolv.conf; read -r f </efile; echo \$l \$f"], "cwd": "/"},
 "mounts": [{"destination": "/abs/t", "type": "tmpfs"},
	    {"destination": "/rel/b", "type": "bind", "source": "$T_TMP/vol", "options": ["rbind"]},
	    {"destination": "/abs/mq", "type": "mqueue"},
	    {"destination": "/dang/t", "type": "tmpfs"},
	    {"destination": "/efile", "type": "bind", "source": "$T_TMP/vol-file", "options": ["rbind"]}]}
JSON
out=$("$MOAT" run -b "$oci" "esc$$" 2>&1)
is "OCI: a bundle whose links point out of its root runs, with its mounts" \
	"nameserver 10.88.0.1 vol-file" "$out"
is "OCI: nothing was made on the host through the links" "" "$(ls -A "$sec/oci")"
is "OCI: the mount points and files were made inside the root" "b dang efile hosts mq resolv t" \
	"$(ls "$oci/rootfs$sec/oci" | tr '\n' ' ' | sed 's/ $//')"

# Invariant 4: when the sentry dies, the guest dies, and nothing is left.
mounts_before=$(wc -l </proc/self/mountinfo)
"$MOAT" do -- /usr/bin/python3 -c 'import time; time.sleep(600)' "moat-orphan-$$" &
moat_pid=$!
for i in $(seq 100); do pgrep -f "moat-orphan-$$" | grep -vqx "$moat_pid" && break; sleep 0.05; done
check "the guest is running" pgrep -f "time.sleep\(600\)"
kill -KILL "$moat_pid"
wait "$moat_pid" 2>/dev/null
for i in $(seq 100); do [ -z "$(pgrep -f "moat-orphan-$$")" ] && break; sleep 0.05; done
is "SIGKILL of the sentry leaves no process of the sandbox" "" "$(pgrep -f "moat-orphan-$$")"
is "and no mount" "$mounts_before" "$(wc -l </proc/self/mountinfo)"

finish
