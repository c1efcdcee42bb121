#!/usr/bin/env python3
# tests/cli/pty_session.py: drives a program through a pseudo-terminal, as a person at a
# keyboard would, for the shell's interactive tests (line editing, Ctrl-C, Ctrl-D, tab).
#   python3 pty_session.py TRANSCRIPT PROGRAM [ARGS...]  < steps
# Each step is a line: "send TEXT" types TEXT (escapes: \n \t \\ \xNN, e.g. \x03 is Ctrl-C,
# \x04 Ctrl-D); "type TEXT" first waits until the line editor reads keys (the terminal is in
# raw mode: a prompt is drawn before that, and a Ctrl-C or Ctrl-D sent in between would reach
# the terminal's own line discipline instead); "expect REGEX" waits until the output since
# the last expect matches (Python re, DOTALL); "eof" waits for the program to end. Everything the terminal showed goes to
# TRANSCRIPT. Exit status: the program's, or 124 when an expected text never came (the wait
# is long, 20 s, so that a slow machine only makes a failing test slower, never a passing
# one fail), or 125 when the program died from a signal.
import os
import pty
import re
import select
import sys
import termios
import time

WAIT = 20.0


def unescape(text):
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def main():
    transcript_path, argv = sys.argv[1], sys.argv[2:]
    steps = sys.stdin.read().splitlines()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.setdefault("TERM", "xterm")
        os.execvp(argv[0], argv)
    seen = b""      # all output
    unmatched = 0   # where the next expect starts looking
    transcript = open(transcript_path, "wb")
    status = None

    def read_some(deadline):
        nonlocal seen
        timeout = max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the program closed the terminal
            data = b""
        if not data:
            return False
        seen += data
        transcript.write(data)
        transcript.flush()
        return True

    for step in steps:
        if not step.strip() or step.startswith("#"):
            continue
        verb, _, arg = step.partition(" ")
        if verb == "type":
            # tcgetattr on the master gives the terminal's (slave's) modes, on Linux.
            deadline = time.monotonic() + WAIT
            while termios.tcgetattr(fd)[3] & termios.ICANON:
                if time.monotonic() >= deadline:
                    sys.stderr.write("pty_session: the terminal never left canonical mode\n")
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                    return 124
                read_some(time.monotonic() + 0.01)
            os.write(fd, unescape(arg))
        elif verb == "send":
            os.write(fd, unescape(arg))
        elif verb == "expect":
            pattern = re.compile(arg.encode(), re.DOTALL)
            deadline = time.monotonic() + WAIT
            while True:
                m = pattern.search(seen, unmatched)
                if m:
                    unmatched = m.end()
                    break
                if time.monotonic() >= deadline or not read_some(deadline):
                    m = pattern.search(seen, unmatched)
                    if m:
                        unmatched = m.end()
                        break
                    sys.stderr.write("pty_session: never saw /%s/ after: %r\n"
                                     % (arg, seen[unmatched:]))
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                    return 124
        elif verb == "eof":
            deadline = time.monotonic() + WAIT
            while time.monotonic() < deadline and read_some(deadline):
                pass
        else:
            sys.stderr.write("pty_session: unknown step %r\n" % step)
            return 2
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and read_some(deadline):
        pass
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() >= deadline:
            sys.stderr.write("pty_session: the program did not end\n")
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return 124
        time.sleep(0.05)
    transcript.close()
    if os.WIFSIGNALED(status):
        return 125
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main())
