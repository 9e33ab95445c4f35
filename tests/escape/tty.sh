#!/bin/bash
# tests/escape/tty.sh - a guest with a terminal of its own (sentry/tty.h) holds
# no fd of moat's terminal: not among its fds, not through /dev/tty, not
# through /proc; what it does to its own terminal stays there.  Driven on a
# terminal made by tests/integration/pty_drive.py, as a user would run moat.
. tests/lib.sh

drive() { python3 tests/integration/pty_drive.py "$@"; }

# Every terminal the guest can reach is of its own devpts (whose ptmx it
# compares with), including the one /dev/tty opens; TIOCSTI is refused on all.
cat >"$T_TMP/probe.py" <<'PY'
import errno, fcntl, os, termios
own = os.stat("/dev/pts/ptmx").st_dev
fds = [int(f) for f in os.listdir("/proc/self/fd")]
try:
    fds.append(os.open("/dev/tty", os.O_RDWR))
except OSError as e:
    print("dev-tty", errno.errorcode[e.errno])
for pid in os.listdir("/proc"):
    if pid.isdigit():
        for f in os.listdir("/proc/%s/fd" % pid) if os.access("/proc/%s/fd" % pid, os.R_OK) else []:
            try:
                fds.append(os.open("/proc/%s/fd/%s" % (pid, f), os.O_RDWR | os.O_NOCTTY))
            except OSError:
                pass
seen = 0
for fd in fds:
    try:
        if not os.isatty(fd):
            continue
    except OSError:
        continue
    seen += 1
    if os.fstat(fd).st_dev != own:
        print("ESCAPED fd %d is moat's terminal" % fd)
    try:
        fcntl.ioctl(fd, termios.TIOCSTI, b"x")
        print("ESCAPED TIOCSTI on fd %d" % fd)
    except OSError as e:
        if e.errno != errno.EPERM:
            print("TIOCSTI on fd %d: %s" % (fd, errno.errorcode[e.errno]))
print("terminals", "several" if seen >= 4 else seen)
PY
out=$(drive -- "$MOAT" do -v "$T_TMP/probe.py:/probe.py:ro" -- python3 /probe.py | tr -d '\r')
expect "a guest on a terminal" "terminals several" "status 0" <<<"$out"

# ... also when only moat's stderr is its terminal (stdout a file): that
# stderr is the guest's terminal too, never moat's.
out=$(drive -- sh -c "\"$MOAT\" do -t -v \"$T_TMP/probe.py:/probe.py:ro\" -- python3 /probe.py >\"$T_TMP/probe.out\"
	cat \"$T_TMP/probe.out\"" | tr -d '\r')
expect "a guest on a terminal, with moat's stdout a file" "terminals several" "status 0" <<<"$out"

# Without one (--no-tty) the guest has moat's terminal, through a read-only
# clone of its mount (docs/security.md): the probe says so, which shows it
# can tell.
out=$(drive -- "$MOAT" do --no-tty -v "$T_TMP/probe.py:/probe.py:ro" -- python3 /probe.py | tr -d '\r')
like "with --no-tty the probe does see moat's terminal" "ESCAPED fd [0-9]+ is moat's terminal" "$out"

# /dev/tty, opened blocking or not, is never moat's terminal (the sentry's
# controlling terminal, which an O_NONBLOCK open was given): the guest's own,
# if it has one.
cat >"$T_TMP/devtty.py" <<'PY'
import errno, os
own = os.stat("/dev/pts/ptmx").st_dev
for name, flags in (("blocking", 0), ("nonblocking", os.O_NONBLOCK)):
    try:
        fd = os.open("/dev/tty", os.O_RDWR | flags)
    except OSError as e:
        print(name, errno.errorcode[e.errno])
        continue
    print(name, "own" if os.fstat(fd).st_dev == own else "ESCAPED moat's terminal")
PY
out=$(drive -- "$MOAT" do -v "$T_TMP/devtty.py:/p.py:ro" -- python3 /p.py | tr -d '\r')
expect "/dev/tty with a terminal of the guest's own" "blocking own" "nonblocking own" <<<"$out"
out=$(drive -- "$MOAT" do --no-tty -v "$T_TMP/devtty.py:/p.py:ro" -- python3 /p.py | tr -d '\r')
expect "/dev/tty with --no-tty" "blocking ENXIO" "nonblocking ENXIO" <<<"$out"

# What the guest does to its terminal stays there: moat's settings and size
# are as they were, whatever the guest set.
out=$(drive --rows 20 --cols 70 -- sh -c "stty -g; stty size; \"$MOAT\" do -- sh -c 'stty raw -echo -isig cols 3 rows 2 speed 50 >/dev/null; stty size'; stty -g; stty size")
is "the guest's own terminal took its settings" "2 3" "$(sed -n 3p <<<"$out")"
is "moat's terminal keeps its settings" "$(sed -n 1p <<<"$out")" "$(sed -n 4p <<<"$out")"
is "moat's terminal keeps its size" "20 70" "$(sed -n 5p <<<"$out")"

finish
