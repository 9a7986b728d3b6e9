#!/usr/bin/env python3
"""rate_pair.py — requests from client addresses taken in turn, for the rate-limit test.

Usage: rate_pair.py PORT PATH COUNT ADDRESS...

Sends COUNT GET requests for PATH to 127.0.0.1:PORT, from each local source
ADDRESS in turn (the whole of 127/8 is loopback on Linux), each address over
its own kept-alive connection (opened again when the server closes it), as
fast as the answers come. Prints one JSON object: the seconds the requests
took, and for each address how many answers of each status it got, e.g.
{"elapsed": 1.2, "status": {"127.0.0.33": {"200": 20, "429": 30}, ...}}.
Python 3 standard library only.
"""
import http.client
import json
import sys
import time


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    port, path, count, addrs = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    conns = {a: None for a in addrs}
    seen = {a: {} for a in addrs}
    start = time.monotonic()
    for i in range(count):
        a = addrs[i % len(addrs)]
        for attempt in range(2):
            if conns[a] is None:
                conns[a] = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                                      source_address=(a, 0))
            try:
                conns[a].request("GET", path)
                r = conns[a].getresponse()
                r.read()
                if r.getheader("Connection", "").lower() == "close":
                    conns[a].close()
                    conns[a] = None
                break
            except (http.client.HTTPException, OSError):
                conns[a].close()
                conns[a] = None
                if attempt == 1:
                    raise
        seen[a][str(r.status)] = seen[a].get(str(r.status), 0) + 1
    print(json.dumps({"elapsed": round(time.monotonic() - start, 3), "status": seen}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
