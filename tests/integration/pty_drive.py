#!/usr/bin/env python3
"""Run a command on a terminal of its own, as a user at a keyboard would.

    pty_drive.py [--rows R] [--cols C] [STEP...] -- COMMAND [ARG...]

Steps, in order:
    expect:REGEX    wait (10 s at most) until the output so far matches REGEX
    send:TEXT       type TEXT (Python escapes: \\n, \\x03 for Ctrl-C, ...)
    resize:R,C      change the terminal's size (the command gets SIGWINCH)
    sleep:SECONDS

Prints what the terminal showed (CR LF as LF), then "status N" (the command's
exit status, 128+N for signal N), or "timeout waiting for REGEX" (or "for the
end", 20 s after the last step), having killed the command.
"""
import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time


def resize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    args = sys.argv[1:]
    split = args.index("--")
    opts, argv = args[:split], args[split + 1:]
    rows, cols, steps = 24, 80, []
    i = 0
    while i < len(opts):
        if opts[i] in ("--rows", "--cols"):
            if opts[i] == "--rows":
                rows = int(opts[i + 1])
            else:
                cols = int(opts[i + 1])
            i += 2
            continue
        kind, _, arg = opts[i].partition(":")
        steps.append((kind, arg))
        i += 1

    # The size is set before the command starts: the parent waits for it.
    ready_r, ready_w = os.pipe()
    pid, fd = pty.fork()
    if pid == 0:
        os.close(ready_w)
        os.read(ready_r, 1)
        os.execvp(argv[0], argv)
    os.close(ready_r)
    resize(fd, rows, cols)
    os.write(ready_w, b"x")
    os.close(ready_w)

    out = b""
    closed = False

    def pump(timeout):
        nonlocal out, closed
        if closed:
            time.sleep(timeout)
            return
        r, _, _ = select.select([fd], [], [], timeout)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                closed = True
            out += data

    failed = None
    for kind, arg in steps:
        if kind == "expect":
            end = time.time() + 10
            while not re.search(arg.encode(), out) and time.time() < end and not closed:
                pump(0.05)
            if not re.search(arg.encode(), out):
                failed = "timeout waiting for " + arg
                break
        elif kind == "send":
            os.write(fd, arg.encode().decode("unicode_escape").encode("latin-1"))
        elif kind == "resize":
            r, c = arg.split(",")
            resize(fd, int(r), int(c))
        elif kind == "sleep":
            end = time.time() + float(arg)
            while time.time() < end:
                pump(0.05)
    end = time.time() + 20
    while not failed and not closed and time.time() < end:
        pump(0.1)
    if not failed and not closed:
        failed = "timeout waiting for the end"
    if failed:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.replace(b"\r\n", b"\n").decode(errors="replace"))
    if failed:
        print("\n" + failed)
    else:
        code = os.waitstatus_to_exitcode(status)
        print("\nstatus %d" % (code if code >= 0 else 128 - code))


main()
