#!/bin/bash
# File-system calls served inside `moat do`, one behaviour each: what the guest
# sees must be what the same calls give natively.
. tests/lib.sh

py() { "$MOAT" do -w /tmp -- /usr/bin/python3 -c "$1" 2>&1; }

out=$(py '
import os
os.mkdir("d"); open("d/f", "w").write("x")
os.symlink("d/f", "l"); os.link("d/f", "h")
print(os.readlink("l"), open("l").read(), os.stat("h").st_nlink)')
is "mkdir, symlink, readlink, hard link" "d/f x 2" "$out"

out=$(py '
import os
open("a", "w").write("1"); os.rename("a", "b")
os.makedirs("x/y"); os.rename("x", "z")
print(sorted(os.listdir(".")), os.listdir("z"))
os.unlink("b"); os.rmdir("z/y"); os.rmdir("z"); print(sorted(os.listdir(".")))')
is "rename, unlink, rmdir" "['b', 'z'] ['y']
[]" "$out"

# renameat2 flags that cannot go together: EINVAL, from the sentry (the
# gofer would refuse the request, and say so on moat's stderr).
out=$(py '
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
open("a", "w").close(); open("b", "w").close()
for flags in (1 | 2, 2 | 4):
    r = libc.renameat2(-100, b"a", -100, b"b", flags)
    print(r, errno.errorcode[ctypes.get_errno()])')
is "renameat2 with RENAME_EXCHANGE and NOREPLACE or WHITEOUT" "-1 EINVAL
-1 EINVAL" "$out"

out=$(py '
import os, stat
open("f", "w").write("data")
os.chmod("f", 0o640); os.truncate("f", 2); os.utime("f", (1000000000, 1000000000))
st = os.stat("f")
print(oct(stat.S_IMODE(st.st_mode)), int(st.st_mtime), st.st_size, open("f").read())
os.chown("f", 0, 0); print(os.access("f", os.W_OK), os.access("/usr/bin/ls", os.X_OK), os.access("/etc", os.W_OK))')
is "chmod, utime, truncate, chown, access" "0o640 1000000000 2 da
True True True" "$out"

out=$(py '
import os
open("f", "w").write("x")
os.setxattr("f", "user.k", b"value"); print(os.getxattr("f", "user.k"), os.listxattr("f"))
os.removexattr("f", "user.k"); print(os.listxattr("f"))')
is "xattrs" "b'value' ['user.k']
[]" "$out"

# An empty or too long xattr name is ERANGE for every xattr call.
out=$(py '
import os
open("f", "w").close()
for name in ("", "user." + "n" * 300):
    for call in (lambda: os.setxattr("f", name, b"v"), lambda: os.getxattr("f", name),
                 lambda: os.removexattr("f", name)):
        try:
            call()
        except OSError as e:
            print(e.strerror, end="; ")')
is "xattr names empty or too long" "$(printf 'Numerical result out of range; %.0s' 1 2 3 4 5 6)" "$out"

out=$(py '
import os, threading
os.mkfifo("p")
def writer(): open("p", "w").write("through the fifo")
t = threading.Thread(target=writer); t.start()
print(open("p").read()); t.join()')
is "a FIFO: a blocking open waits for the other end" "through the fifo" "$out"

# A writer that opens, writes and closes while the reader's open is being
# served must still be seen: its data, then EOF (the served open once waited
# for a next writer, for ever, about once in 3000 tries).
out=$(timeout 60 "$MOAT" do -w /tmp -- /usr/bin/python3 -c '
import os, threading, time
for i in range(3000):
    p = "p%d" % i
    os.mkfifo(p)
    def writer():
        time.sleep((i % 20) * 0.00002)
        with open(p, "w") as f: f.write("x%d" % i)
    t = threading.Thread(target=writer); t.start()
    got = open(p).read(); t.join(); os.unlink(p)
    if got != "x%d" % i: print("fifo", i, "read", repr(got)); break
else: print("3000 fifos")' 2>&1)
is "a FIFO whose writer comes and goes at once, 3000 times" "3000 fifos" "$out"

out=$("$MOAT" do -- bash -c 'cat <(echo from-process-substitution); echo via-stdin | cat /dev/stdin' 2>&1)
is "/dev/fd and /dev/stdin" "from-process-substitution
via-stdin" "$out"

out=$(py '
import os, select
fd = os.inotify_init() if hasattr(os, "inotify_init") else None
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(0)
wd = libc.inotify_add_watch(fd, b"/tmp", 0x100)  # IN_CREATE
open("/tmp/new", "w").close()
r, _, _ = select.select([fd], [], [], 2)
print(wd > 0, bool(r))')
is "inotify_add_watch sees a file created through the gofer" "True True" "$out"

out=$("$MOAT" do -- sh -c 'df -P / | tail -1 | wc -w; stat -f -c %T /proc' 2>&1)
is "statfs" "6
proc" "$out"

# statfs() says read-only where writes fail, and not where they work: the
# root overlay, its /tmp and a volume are writable; a :ro volume, a --ro path
# (and a file below it, or a symlink leading there), the host's /dev nodes,
# /proc/sys and /sys are not.  The guest's own /proc is writable, as natively
# (a process's own files).  Sizes are those of the writable file system: the
# overlay's upper layer under --disk.  An fd the sentry opened read-only says
# read-only, as changes through it fail.
mkdir -p "$T_TMP/sf-rw" "$T_TMP/sf-ro"
out=$("$MOAT" do --disk 48M -v "$T_TMP/sf-rw:/mnt/rw" -v "$T_TMP/sf-ro:/mnt/ro:ro" --ro /etc \
	-w /tmp -- /usr/bin/python3 -c '
import os
os.symlink("/etc", "l")
for p in ("/", "/tmp", "/mnt/rw", "/mnt/ro", "/etc", "/etc/passwd", "l", "/usr/bin",
          "/dev", "/dev/null", "/proc", "/proc/sys", "/sys"):
    print(p, os.statvfs(p).f_flag & os.ST_RDONLY, end="; ")
print()
s = os.statvfs("/tmp"); print(s.f_blocks * s.f_frsize >> 20, os.statvfs("/").f_blocks == s.f_blocks)
fd = os.open("/tmp", os.O_RDONLY); print(os.fstatvfs(fd).f_flag & os.ST_RDONLY)' 2>&1)
is "statvfs: read-only exactly where writes fail; sizes of the upper layer" \
	"/ 0; /tmp 0; /mnt/rw 0; /mnt/ro 1; /etc 1; /etc/passwd 1; l 1; /usr/bin 0; /dev 0; /dev/null 1; /proc 0; /proc/sys 1; /sys 1; 
48 True
1" "$out"
out=$("$MOAT" do --ro / -- /usr/bin/python3 -c 'import os; print(os.statvfs("/tmp").f_flag & 1, os.statvfs("/").f_flag & 1)' 2>&1)
is "statvfs under --ro / (the whole tree read-only)" "1 1" "$out"

# /proc/self/mounts, mountinfo and /etc/mtab say "rw" where writes work and
# "ro" where they fail, as statfs() does; the copy read is sealed.
out=$("$MOAT" do -v "$T_TMP/sf-rw:/mnt/rw" -v "$T_TMP/sf-ro:/mnt/ro:ro" -- /usr/bin/python3 -c '
import os
def opts(path, point, field):
    return " ".join(sorted({l.split()[point] + ":" + l.split()[field].split(",")[0] for l in open(path)
                            if l.split()[point] in ("/", "/mnt/rw", "/mnt/ro", "/sys", "/proc/sys")}))
print(opts("/proc/self/mounts", 1, 3)); print(opts("/etc/mtab", 1, 3))
print(opts("/proc/self/mountinfo", 4, 5))
print(open("/proc/self/mounts").read() == open("/proc/%d/mounts" % os.getpid()).read())
fd = os.open("/proc/self/mounts", os.O_RDONLY)
try:
    os.write(fd, b"x"); print("written")
except OSError as e:
    print("write", e.strerror)' 2>&1)
is "mounts and mountinfo: rw where writes work, ro where they fail" \
	"/:rw /mnt/ro:ro /mnt/rw:rw /proc/sys:ro /sys:ro
/:rw /mnt/ro:ro /mnt/rw:rw /proc/sys:ro /sys:ro
/:rw /mnt/ro:ro /mnt/rw:rw /proc/sys:ro /sys:ro
True
write Bad file descriptor" "$out"

out=$("$MOAT" do -- sh -c 'ls -l /etc/passwd | cut -c1-10; readlink /proc/self/exe; readlink /proc/self/cwd' 2>&1)
is "ls -l, /proc/self links" "$(ls -l /etc/passwd | cut -c1-10)
/usr/bin/readlink
/" "$out"

# Changes through an fd the sandbox opened read-only (Java's
# Files.setLastModifiedTime() opens the file O_RDONLY and calls futimens()):
# the change by path, in the sandbox; the host's files stay as they were.
host_before=$(stat -c '%a %Y' /etc/hostname /usr/share)
out=$("$MOAT" do -- python3 -c '
import os
f = os.open("/etc/hostname", os.O_RDONLY)
d = os.open("/usr/share", os.O_RDONLY | os.O_DIRECTORY)
os.utime(f, (5, 5)); os.fchmod(f, 0o600); os.fchown(f, 0, 0)
os.setxattr(f, "user.moat", b"x"); print(os.getxattr("/etc/hostname", "user.moat"))
os.removexattr(f, "user.moat"); print(os.listxattr("/etc/hostname"))
os.utime(d, (7, 7)); os.fchmod(d, 0o700)
for p in ("/etc/hostname", "/usr/share"):
    st = os.stat(p); print(p, oct(st.st_mode & 0o777), int(st.st_mtime))
st = os.fstat(f); print("fd", oct(st.st_mode & 0o777), int(st.st_mtime))
w = os.open("/tmp/w", os.O_WRONLY | os.O_CREAT, 0o644)
os.fchmod(w, 0o4755); os.utime(w, (9, 9))
st = os.stat("/tmp/w"); print("written", oct(st.st_mode & 0o7777), int(st.st_mtime))' 2>&1)
is "fchmod, fchown, futimens, fsetxattr, fremovexattr of read-only fds" "b'x'
[]
/etc/hostname 0o600 5
/usr/share 0o700 7
fd 0o600 5
written 0o755 9" "$out"
is "...and the host's files are unchanged" "$host_before" "$(stat -c '%a %Y' /etc/hostname /usr/share)"

# A process's links followed as the kernel follows them: its own always, a
# process's of the same user that is dumpable too (bash's /proc/$$/fd/N seen
# from a child, a program opening /proc/self/exe to read itself).
out=$("$MOAT" do -w /tmp -- bash -c '
exec 4</etc/hostname
head -c 4 /proc/self/exe | od -An -c | tr -d " "
stat -L -c %F /proc/self/exe /proc/self/cwd /proc/self/root
cat /proc/self/root/etc/hostname /proc/$$/fd/4 /proc/$$/root/etc/hostname /dev/fd/4
ls /proc/self/cwd/../etc/hostname /proc/$$/cwd/../etc/hostname
head -c 4 /proc/$$/exe | od -An -c | tr -d " "
mkdir /proc/self/cwd/d && echo in > /proc/self/cwd/d/f && mv /proc/$$/cwd/d/f /proc/self/cwd/g
ls /tmp/d; cat /proc/self/root/tmp/g
exec 5</tmp/d; touch /proc/self/fd/5/h; ls /tmp/d; cat /proc/$$/fd/5/h && echo h-empty
cd /proc/self/cwd/d && pwd -P && cd ..
ln -s /proc/self/cwd/loop /tmp/loop; cat /tmp/loop' 2>&1)
is "/proc/<pid>/exe, cwd, root and fd/<n> are followed" "177ELF
regular file
directory
directory
$(hostname)
$(hostname)
$(hostname)
$(hostname)
/proc/2/cwd/../etc/hostname
/proc/self/cwd/../etc/hostname
177ELF
in
h
h-empty
/tmp/d
cat: /tmp/loop: Too many levels of symbolic links" "$out"

out=$("$MOAT" do -w /usr/share -- sh -c 'cd doc && pwd && ls -d ../doc && cd /proc/self && cat comm' 2>&1)
is "relative paths follow the cwd (/proc/self is the shell)" "/usr/share/doc
../doc
sh" "$out"

out=$(py '
import os
os.mkdir("/tmp/base")
fd = os.open("/tmp/base", os.O_RDONLY | os.O_DIRECTORY)
os.mkdir("sub", dir_fd=fd); open(os.open("sub/f", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w").write("at")
print(os.stat("sub/f", dir_fd=fd).st_size, os.listdir("/tmp/base/sub"))')
is "*at calls relative to a directory fd" "2 ['f']" "$out"

out=$(py '
import os
try:
    os.mknod("/tmp/dev", 0o600 | 0o020000, os.makedev(1, 3))
except PermissionError as e:
    print("refused", e.errno)')
is "mknod of a device is refused" "refused 1" "$out"

out=$(py '
import os, stat
try:
    os.mknod("/tmp/dir", 0o755 | stat.S_IFDIR)
except OSError as e:
    print(e.strerror)')
is "mknod of a directory: EPERM, as the kernel answers" "Operation not permitted" "$out"

out=$(py '
import os, tempfile
with tempfile.NamedTemporaryFile(dir="/tmp") as f:
    f.write(b"tmp"); f.flush(); print(os.path.getsize(f.name))
fd = os.open("/tmp", os.O_TMPFILE | os.O_RDWR, 0o600); print(os.write(fd, b"anon"))')
is "temporary files, O_TMPFILE" "3
4" "$out"

# An open file given a name: an O_TMPFILE file by linkat(AT_EMPTY_PATH) and by
# /proc/self/fd/N (AT_SYMLINK_FOLLOW), a file opened for reading by its fd's
# name; a name taken is EEXIST, a pipe EXDEV, a directory EPERM, as natively.
out=$(py '
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
def link(fd, path, name, flags):
    r = libc.linkat(fd, path, -100, name, flags)
    return "ok" if r == 0 else errno.errorcode[ctypes.get_errno()]
t1 = os.open("/tmp", os.O_TMPFILE | os.O_WRONLY, 0o640); os.write(t1, b"one")
t2 = os.open("/tmp", os.O_TMPFILE | os.O_WRONLY, 0o600); os.write(t2, b"two")
r = os.open("/etc/hostname", os.O_RDONLY); p = os.pipe(); d = os.open("/tmp", os.O_RDONLY)
print(link(t1, b"", b"/tmp/one", 0x1000), link(-100, b"/proc/self/fd/%d" % t2, b"/tmp/two", 0x400),
      link(r, b"", b"/tmp/host", 0x1000), link(t1, b"", b"/tmp/one", 0x1000),
      link(p[0], b"", b"/tmp/pipe", 0x1000), link(d, b"", b"/tmp/dir", 0x1000))
print(open("/tmp/one").read(), oct(os.stat("/tmp/one").st_mode & 0o777), open("/tmp/two").read(),
      open("/tmp/host").read() == open("/etc/hostname").read())')
is "linkat of an open file: O_TMPFILE by its fd and by /proc/self/fd, a read-only fd by its name" \
	"ok ok ok EEXIST EXDEV EPERM
one 0o640 two True" "$out"

# readlinkat(fd, "") reads the symlink an O_PATH fd names; a directory's fd
# gets ENOENT, as the kernel gives it.
out=$(py '
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
os.symlink("target", "/tmp/sl")
def rl(fd):
    buf = ctypes.create_string_buffer(64)
    n = libc.readlinkat(fd, b"", buf, 64)
    return buf.raw[:n].decode() if n >= 0 else errno.errorcode[ctypes.get_errno()]
print(rl(os.open("/tmp/sl", os.O_PATH | os.O_NOFOLLOW)), rl(os.open("/tmp", os.O_PATH)))')
is "readlinkat with an empty path" "target ENOENT" "$out"

# A directory may be named "x (deleted)", as the kernel marks a removed one:
# calls relative to it work; relative to a removed "x", beside it, they fail.
out=$(py '
import os
os.mkdir("/tmp/x (deleted)"); os.mkdir("/tmp/x")
fd = os.open("/tmp/x (deleted)", os.O_RDONLY); gone = os.open("/tmp/x", os.O_RDONLY); os.rmdir("/tmp/x")
os.close(os.open("f", os.O_CREAT | os.O_WRONLY, dir_fd=fd)); print(os.listdir(fd), os.stat("f", dir_fd=fd).st_size)
os.chdir("/tmp/x (deleted)"); os.mkdir("d"); print(sorted(os.listdir(".")))
try:
    os.mkdir("d", dir_fd=gone)
except OSError as e:
    print(e.strerror)')
is "a directory whose name ends in \" (deleted)\"" "['f'] 0
['d', 'f']
No such file or directory" "$out"

# openat2 confined to a dirfd (RESOLVE_BENEATH, RESOLVE_IN_ROOT) writes too,
# resolved from the dirfd: "/" under RESOLVE_IN_ROOT is the dirfd; the cwd as
# dirfd, O_PATH, unknown resolve flags.
out=$(py '
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
BENEATH, IN_ROOT = 0x08, 0x10
def o2(dirfd, path, flags, mode, resolve):
    how = (ctypes.c_uint64 * 3)(flags, mode, resolve)
    fd = libc.syscall(437, dirfd, path.encode(), how, 24)
    return fd if fd >= 0 else errno.errorcode[ctypes.get_errno()]
os.makedirs("/tmp/r/etc"); os.symlink("/etc", "/tmp/r/lnk")
r = os.open("/tmp/r", os.O_RDONLY)
fd = o2(r, "new", os.O_CREAT | os.O_WRONLY, 0o640, BENEATH); os.write(fd, b"beneath")
print(open("/tmp/r/new").read(), oct(os.stat("/tmp/r/new").st_mode & 0o777))
os.close(o2(r, "lnk/passwd", os.O_CREAT | os.O_WRONLY, 0o644, IN_ROOT))
print(sorted(os.listdir("/tmp/r/etc")), o2(r, "lnk/x", os.O_CREAT | os.O_WRONLY, 0, BENEATH),
      o2(r, "../x", os.O_CREAT | os.O_WRONLY, 0, BENEATH))
os.chdir("/tmp/r"); os.close(o2(-100, "new", os.O_WRONLY | os.O_TRUNC, 0, BENEATH))
print(os.stat("/tmp/r/new").st_size, o2(r, "new", os.O_PATH, 0, BENEATH) >= 0,
      o2(r, "new", 0, 0, 0x100))')
is "openat2 with RESOLVE_BENEATH and RESOLVE_IN_ROOT" "beneath 0o640
['passwd'] EXDEV EXDEV
0 True EINVAL" "$out"

# Modes are the guest's umask applied once, as natively: files, directories,
# FIFOs and socket files, under umask 0, 077 and 022.
out=$(py '
import os, socket
for mask in (0, 0o77, 0o22):
    os.umask(mask); d = "/tmp/m%o" % mask
    os.mkdir(d, 0o777); open(os.open(d + "/f", os.O_CREAT | os.O_WRONLY, 0o666), "w").close()
    os.mkfifo(d + "/p", 0o666)
    socket.socket(socket.AF_UNIX).bind(d + "/s")
    print(" ".join("%o" % (os.stat(d + x).st_mode & 0o777) for x in ("", "/f", "/p", "/s")))')
is "modes: the umask applied once" "777 666 666 777
700 600 600 700
755 644 644 755" "$out"

# /proc/self and its like are links: lstat and readlink see the link, and
# its text is the caller's ids in its pid namespace, as the kernel writes it.
out=$(py '
import os, stat, threading
print(os.readlink("/proc/self") == str(os.getpid()), stat.S_ISLNK(os.lstat("/proc/self").st_mode), stat.S_ISDIR(os.stat("/proc/self").st_mode),
      stat.S_ISLNK(os.lstat("/dev/fd").st_mode), os.readlink("/dev/stdin"))
t = threading.Thread(target=lambda: print(os.readlink("/proc/thread-self") ==
                                          "%d/task/%d" % (os.getpid(), threading.get_native_id())))
t.start(); t.join()
d = os.open("/proc", os.O_RDONLY)
print(os.readlink("self", dir_fd=d) == str(os.getpid()))')
is "/proc/self and /proc/thread-self: links, read as the caller's ids" "True True True True /proc/self/fd/0
True
True" "$out"

# The links of the caller's own fds, read through /proc/self/fd,
# /proc/thread-self/fd, /proc/<pid>/fd and /dev/fd, from the main thread and
# another: the files' paths, as the guest sees them; moat's stdin (opened
# again through a read-only clone, whose root the kernel would name "/") by
# the name it has on the host.
out=$(py '
import os, threading
fd = os.open("/etc/hostname", os.O_RDONLY)
names = ("/proc/self/fd/%d", "/proc/thread-self/fd/%d", "/proc/%d/fd/%%d" % os.getpid(), "/dev/fd/%d")
print(*(os.readlink(n % fd) for n in names))
t = threading.Thread(target=lambda: print(*(os.readlink(n % fd) for n in names)))
t.start(); t.join()
print(os.readlink("/dev/stdin"), os.readlink("/proc/self/fd/0"))' </dev/null)
is "readlink of the caller's own fds" "/etc/hostname /etc/hostname /etc/hostname /etc/hostname
/etc/hostname /etc/hostname /etc/hostname /etc/hostname
/proc/self/fd/0 /dev/null" "$out"

# The gofer killed from the host: the sandbox goes on without a writer (each
# write EIO, reads served as before), moat exits with the guest's status once
# the guest ends, and no process of the sandbox is left.
mkdir -p "$T_TMP/gk"
"$MOAT" do -v "$T_TMP/gk:/sync:ro" -- /usr/bin/python3 -c '
import errno, os, sys, time
print("started", flush=True)
while not os.path.exists("/sync/go"):
    time.sleep(0.02)
try:
    open("/tmp/after", "w"); print("write ok")
except OSError as e:
    print("write", errno.errorcode[e.errno])
print("read", open("/etc/hostname").read() == open("/sync/hostname").read())
print("statfs", os.statvfs("/tmp").f_flag & os.ST_RDONLY)
sys.exit(3)' gofer-kill-$$ >"$T_TMP/gk.out" 2>&1 &
moat=$!
cp /etc/hostname "$T_TMP/gk/hostname"
for i in $(seq 200); do grep -q started "$T_TMP/gk.out" && break; sleep 0.05; done
# moat's children are the gofer and init (moat-init): by name, not by order,
# which wraps with the pids.
gofer=$(ps -o pid=,comm= --ppid "$moat" | awk '$2 == "moat" { print $1; exit }')
kill -KILL $gofer
touch "$T_TMP/gk/go"
wait "$moat"
rc=$?
out=$(grep -v "^moat" "$T_TMP/gk.out"; echo "exit $rc"; pgrep -f "gofer-kill-$$" | wc -l)
is "the gofer killed from the host: writes fail, reads go on, nothing is left" "started
write EIO
read True
statfs 1
exit 3
0" "$out"

# open() and openat() flags as the kernel takes them: bits it does not know
# are ignored (openat2() refuses them), O_CREAT with O_DIRECTORY is EINVAL,
# O_CREAT of "name/" is EISDIR even where a file has that name.
out=$(py '
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
def call(fn, *a):
    r = fn(*a)
    return "ok" if r >= 0 else errno.errorcode[ctypes.get_errno()]
open("f", "w").close(); os.mkdir("d")
class How(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]
def openat2(path, flags):
    how = How(flags, 0, 0)
    return call(libc.syscall, 437, -100, path.encode(), ctypes.byref(how), ctypes.c_size_t(24))
print(call(libc.open, b"f", ctypes.c_int(0x40000000)),
      call(libc.open, b"f", ctypes.c_int(os.O_WRONLY | 0x40000000)),
      call(libc.open, b"new", ctypes.c_int(os.O_WRONLY | os.O_CREAT | 0x10000000), 0o644),
      openat2("f", 0x40000000), openat2("f", os.O_WRONLY | 0x40000000))
print(call(libc.open, b"d", os.O_RDONLY | os.O_DIRECTORY | os.O_CREAT, 0o755),
      call(libc.open, b"g", os.O_RDONLY | os.O_DIRECTORY | os.O_CREAT, 0o755),
      openat2("d", os.O_DIRECTORY | os.O_CREAT), openat2("f", os.O_PATH | os.O_RDWR))
print(call(libc.open, b"f/", os.O_RDWR | os.O_CREAT, 0o644),
      call(libc.open, b"d/", os.O_RDWR | os.O_CREAT, 0o644),
      call(libc.open, b"h/", os.O_RDWR | os.O_CREAT, 0o644),
      call(libc.open, b"nodir/h/", os.O_RDWR | os.O_CREAT, 0o644),
      call(libc.open, b"f/h/", os.O_RDWR | os.O_CREAT, 0o644))')
is "open flags: unknown bits, O_CREAT|O_DIRECTORY, O_CREAT of name/" "ok ok ok EINVAL EINVAL
EINVAL EINVAL EINVAL EINVAL
EISDIR EISDIR EISDIR ENOENT ENOTDIR" "$out"

# execveat(AT_SYMLINK_NOFOLLOW) of a symlink is ELOOP, as the kernel says.
out=$(py '
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
os.symlink("/bin/true", "t")
argv = (ctypes.c_char_p * 2)(b"t", None)
libc.syscall(322, -100, b"t", argv, argv, 0x100)
print(errno.errorcode[ctypes.get_errno()])')
is "execveat(AT_SYMLINK_NOFOLLOW) of a symlink: ELOOP" "ELOOP" "$out"

# utimensat(): both times UTIME_OMIT is 0 without a look at the path (or the
# flags), as in the kernel; a bad tv_nsec is EINVAL from the sentry (the
# gofer would refuse the request, and say so on moat's stderr).
out=$(py '
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
OMIT, NOW = (1 << 30) - 2, (1 << 30) - 1
def ut(path, a, b, flags=0):
    ts = (ctypes.c_long * 4)(0, a, 0, b)
    r = libc.utimensat(-100, path, ts, flags)
    return "ok" if r == 0 else errno.errorcode[ctypes.get_errno()]
open("f", "w").close()
print(ut(b"missing", OMIT, OMIT), ut(b"f", OMIT, OMIT, 0x4000000), ut(b"f", 1000000000, OMIT),
      ut(b"f", -1, NOW), ut(b"f", 5, OMIT), ut(b"missing", 5, OMIT), ut(b"f", 5, 5, 0x4000000))')
is "utimensat: UTIME_OMIT twice, a bad tv_nsec, bad flags" "ok ok EINVAL EINVAL ok ENOENT EINVAL" "$out"

# Symlinks of the sandbox into /proc, as container images make them
# (nginx's access.log -> /dev/stdout): writes, reads and stats through them
# reach the caller's own fds and /proc files, as natively.
out=$("$MOAT" do -w /tmp -- sh -c '
	ln -s /dev/stdout log; ln -s /proc/self/fd/1 log2; ln -s ../dev/stdin in
	ln -s /proc/self me; mkdir d; ln -s ../me/comm d/comm
	echo one > log; echo two > log2; echo three | cat in
	cat me/comm d/comm; test -e log && test -p log2 && echo stat ok
	ln -s nowhere dangling; ln -s loop1 loop2; ln -s loop2 loop1
	cat dangling loop1 2>&1 | sed "s/^cat: //"' </dev/null 2>&1)
is "symlinks into /proc: /dev/stdout, /proc/self/fd/1, /dev/stdin, /proc/self" "one
two
three
cat
cat
stat ok
dangling: No such file or directory
loop1: Too many levels of symbolic links" "$out"

# A directory of the host's root renames (run by root, the overlay records
# where it came from: docs/cli.md), and back; the guest's own directories too.
out=$(py '
import os
os.rename("/usr/share", "/usr/share2")
print(os.path.exists("/usr/share"), os.path.isfile("/usr/share2/doc/git/copyright"))
os.rename("/usr/share2/doc", "/tmp/doc"); print(os.path.isfile("/tmp/doc/git/copyright"))
os.rename("/tmp/doc", "/usr/share2/doc"); os.rename("/usr/share2", "/usr/share")
print(os.path.isfile("/usr/share/doc/git/copyright"))
os.makedirs("/usr/mine/d"); os.rename("/usr/mine", "/usr/mine2"); print(os.listdir("/usr/mine2"))')
is "rename of a host directory, away and back" "False True
True
True
['d']" "$out"

# rmdir() of the root is EBUSY and unlink() of it EISDIR, as the kernel says.
out=$(py '
import errno, os
for f in (os.rmdir, os.unlink):
    for p in ("/", "//"):
        try:
            f(p)
        except OSError as e:
            print(errno.errorcode[e.errno], end=" ")
print()')
is "rmdir and unlink of /" "EBUSY EBUSY EISDIR EISDIR " "$out"

# A program written and closed is executed at once without ETXTBSY: neither
# the sentry nor the gofer still holds the file open for writing then.
cat >"$T_TMP/txtbsy.c" <<'C'
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	int busy = 0;

	if (argc > 1)
		return 0;
	for (int i = 0; i < 2000; i++) {
		int fd = open("/tmp/x.sh", O_WRONLY | O_CREAT | O_TRUNC, 0755), st;
		pid_t p;

		dprintf(fd, "#!/txtbsy\n");
		close(fd);
		p = fork();
		if (p == 0) {
			char *a[] = { "/tmp/x.sh", NULL };
			execv(a[0], a);
			_exit(errno == ETXTBSY ? 3 : 4);
		}
		waitpid(p, &st, 0);
		busy += WIFEXITED(st) && WEXITSTATUS(st) == 3;
	}
	printf("ETXTBSY %d\n", busy);
	return 0;
}
C
gcc -O1 -static -o "$T_TMP/txtbsy" "$T_TMP/txtbsy.c"
out=$("$MOAT" do -v "$T_TMP/txtbsy:/txtbsy:ro" -- /txtbsy 2>&1)
is "2000 scripts written, closed and executed at once: no ETXTBSY" "ETXTBSY 0" "$out"

# A lookup through ".." while the host renames something elsewhere: the
# kernel's scoped lookup says EAGAIN, and asks its caller to try again, which
# the sentry and the gofer do; the guest saw EAGAIN for 5% of its opens.
mkdir "$T_TMP/ren"
touch "$T_TMP/ren/a"
python3 -c '
import os, sys, time
os.chdir(sys.argv[1]); end = time.time() + 120
while time.time() < end and os.path.exists("a"):
    for i in range(1000): os.rename("a", "b"); os.rename("b", "a")' "$T_TMP/ren" &
renamer=$!
out=$("$MOAT" do -- python3 -c '
fails = 0
for i in range(10000):
    for p in ("/dev/../etc/hostname", "/tmp/../tmp/../tmp/f"):
        try:
            open(p, "a" if p.startswith("/tmp") else "r").close()
        except OSError as e:
            fails += 1; err = e
print("failures", fails, err if fails else "")' 2>&1)
kill "$renamer"
wait "$renamer" 2>/dev/null
is "20000 opens through .. while the host renames: none fails" "failures 0 " "$out"

finish
