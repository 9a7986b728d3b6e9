#!/usr/bin/env python3
"""rawhttp.py - send exact bytes to an HTTP server and report what came back.

The integration tests use it where curl cannot send the request: malformed
framing (two Content-Length headers, a bare CR, a NUL byte), or several
requests pipelined on one connection. It connects to HOST:PORT, sends the
bytes (escapes such as \\r \\n \\x00 in the argument are decoded, or the raw
bytes are read from stdin with "-"), half-closes nothing, and reads until the
server closes the connection or the timeout runs out. It prints one line:

    statuses=400 closed=1 seconds=0.003

statuses: the status codes of every HTTP/1.x status line received, wherever
it is (a header block sent twice counts twice, and so does a response that
follows a body without a line break; the service's bodies are JSON or HTML
and never hold one); closed: 1 when the server closed the
connection within the timeout, 0 when the timeout ran out first; seconds: how
long until the close (or the timeout). With --dump the bytes received are
written to the file named. With --batch FILE, each line of FILE is a case,
NAME then the request (escaped as above; lines starting with # are skipped),
sent on a connection of its own; one line "NAME statuses=..." per case, and
--dump names a folder for the NAME files. Exit status 0, or 2 when it cannot
connect.
"""
import argparse
import re
import socket
import sys
import time

STATUS = re.compile(rb"HTTP/1\.[01] (\d{3})[ \r\n]")


def decode(arg):
    """The bytes of an argument written with Python escapes (\\r, \\n, \\x00)."""
    return arg.encode("latin-1").decode("unicode_escape").encode("latin-1")


def statuses(data):
    """Status codes of every status line ("HTTP/1.x NNN") in data, in order."""
    return [int(m.group(1)) for m in STATUS.finditer(data)]


def exchange(host, port, payload, timeout):
    """Sends payload on a new connection; (bytes received, closed, seconds)."""
    start = time.monotonic()
    s = socket.create_connection((host, port), timeout=timeout)
    received = b""
    closed = 0
    try:
        s.sendall(payload)
        while True:
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                break
            s.settimeout(left)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = 1
                break
            if not chunk:
                closed = 1
                break
            received += chunk
    except (BrokenPipeError, ConnectionResetError):
        closed = 1
    finally:
        s.close()
    return received, closed, time.monotonic() - start


def report(received, closed, seconds):
    codes = ",".join(str(c) for c in statuses(received))
    return f"statuses={codes} closed={closed} seconds={seconds:.3f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("request", nargs="?", help="the bytes, with \\r \\n \\xNN escapes; - reads stdin")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the close")
    ap.add_argument("--dump", help="write the bytes received to this file (with --batch: to DUMP/NAME)")
    ap.add_argument("--batch", help="a file of lines NAME REQUEST: each on its own connection")
    a = ap.parse_args()
    try:
        if a.batch:
            with open(a.batch, encoding="utf-8") as f:
                cases = [l.split(None, 1) for l in f.read().splitlines() if l.strip() and l[0] != "#"]
            for name, request in cases:
                got = exchange(a.host, a.port, decode(request), a.timeout)
                if a.dump:
                    with open(f"{a.dump}/{name}", "wb") as out:
                        out.write(got[0])
                print(name, report(*got), flush=True)
            return 0
        if a.request is None:
            ap.error("give a request or --batch")
        payload = sys.stdin.buffer.read() if a.request == "-" else decode(a.request)
        got = exchange(a.host, a.port, payload, a.timeout)
    except OSError as e:
        print(f"cannot connect: {e}", file=sys.stderr)
        return 2
    if a.dump:
        with open(a.dump, "wb") as f:
            f.write(got[0])
    print(report(*got))
    return 0


if __name__ == "__main__":
    sys.exit(main())
