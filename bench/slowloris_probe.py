#!/usr/bin/env python3
"""slowloris_probe.py — bench/slowloris's other client: /healthz timed from another address.

Usage: slowloris_probe.py PORT SOURCE SECONDS [TIMEOUT]

For SECONDS, one request at a time, each on a new connection from local
address SOURCE to 127.0.0.1:PORT (as a new visitor would come), GET /healthz
with TIMEOUT seconds (default 3) for the whole answer. Prints one JSON line:
{"tried": n, "answered": n answered 200, "failed": n timed out or refused,
 "median_ms": .., "p99_ms": .., "max_ms": ..} over the answered ones.
Python 3 standard library only.
"""
import json
import socket
import sys
import time

REQ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def once(port, source, timeout):
    t0 = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                     source_address=(source, 0))
    except OSError:
        return None
    try:
        s.settimeout(max(0.01, timeout - (time.monotonic() - t0)))
        s.sendall(REQ)
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        if not data.startswith(b"HTTP/1.1 200"):
            return None
        return (time.monotonic() - t0) * 1000
    except OSError:
        return None
    finally:
        s.close()


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p / 100 * len(xs)))], 2)


def main():
    port, source, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0
    end = time.monotonic() + seconds
    times, tried = [], 0
    while time.monotonic() < end:
        tried += 1
        ms = once(port, source, timeout)
        if ms is not None:
            times.append(ms)
        time.sleep(0.02)  # about 50 a second at most: a visitor, not a load
    print(json.dumps({"tried": tried, "answered": len(times), "failed": tried - len(times),
                      "median_ms": pct(times, 50), "p99_ms": pct(times, 99),
                      "max_ms": pct(times, 100)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
