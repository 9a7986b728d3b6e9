#!/usr/bin/env python3
"""slowloris.py — a slow-header client for the tests and bench/slowloris.

Opens N connections to HOST:PORT from one or more local source addresses
(the whole of 127/8 is loopback on Linux) and trickles a request header
block into each, one byte a second, never finishing it. Every second it
notes how many are still open (not closed or reset by the server), and
optionally opens a new one for each that was closed (--reconnect, as a
real attacker would). Bounded: at most N sockets, one byte per socket per
second, for --duration seconds. Prints one JSON line per second
({"t": seconds, "open": n, "held": n}: open, and open since the previous
look, i.e. kept by the server at least a second) and a summary line at the
end:

  {"summary": true, "connected": how many connects succeeded,
   "open_end": still open at the end, "open_max": the most open at a
   once-a-second look (the first a second after starting), "lifetime_max": longest a closed one lived
   (seconds), "closed": how many the server closed}

Python 3 standard library only.
"""
import argparse
import json
import resource
import socket
import sys
import time

HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sources", default="127.0.0.1",
                    help="comma-separated source addresses, used in turn")
    ap.add_argument("--connections", type=int, default=1010)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--reconnect", action="store_true")
    ap.add_argument("--quiet", action="store_true", help="only the summary line")
    a = ap.parse_args()
    sources = a.sources.split(",")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, a.connections + 64)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    conns = {}  # socket -> [opened_at, bytes_sent, tick it was opened in]
    connected = 0
    closed = 0
    lifetime_max = 0.0
    n_opened = 0

    def open_one():
        nonlocal connected, n_opened
        src = sources[n_opened % len(sources)]
        n_opened += 1
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.settimeout(2)
            s.bind((src, 0))
            s.connect((a.host, a.port))
            s.setblocking(False)
            s.send(HEAD[:1])
        except OSError:
            s.close()
            return
        connected += 1
        conns[s] = [time.monotonic(), 1, tick]

    start = time.monotonic()
    tick = 0
    for _ in range(a.connections):
        open_one()
    open_max = 0
    while True:
        tick += 1
        deadline = start + tick
        now = time.monotonic()
        if deadline > start + a.duration:
            deadline = start + a.duration
        if deadline > now:
            time.sleep(deadline - now)
        now = time.monotonic()
        for s in list(conns):
            opened, sent, _ = conns[s]
            gone = False
            try:
                if s.recv(4096) == b"":
                    gone = True
            except BlockingIOError:
                pass
            except OSError:
                gone = True
            if not gone:
                byte = HEAD[sent:sent + 1] or b"a"
                try:
                    s.send(byte)
                    conns[s][1] = sent + 1
                except BlockingIOError:
                    pass
                except OSError:
                    gone = True
            if gone:
                closed += 1
                lifetime_max = max(lifetime_max, now - opened)
                del conns[s]
                s.close()
        if a.reconnect:
            while len(conns) < a.connections and time.monotonic() - now < 0.5:
                before = len(conns)
                open_one()
                if len(conns) == before:
                    break
        t = round(now - start, 1)
        open_max = max(open_max, len(conns))
        held = sum(1 for c in conns.values() if c[2] < tick)
        if not a.quiet:
            print(json.dumps({"t": t, "open": len(conns), "held": held}), flush=True)
        if now - start >= a.duration:
            break
    print(json.dumps({"summary": True, "connected": connected, "open_end": len(conns),
                      "open_max": open_max, "lifetime_max": round(lifetime_max, 2),
                      "closed": closed}), flush=True)
    for s in conns:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
