#!/usr/bin/env python3
"""Hold N idle connections to a fresh yimad and report its memory.

  python3 tests/bench/idle_conns.py [--conns 5000] [--bin bin]

Starts bin/yimad on a free loopback port with a temporary data directory,
opens N connections, sends one PING on each (so every one is served), then
reports yimad's RSS before and after, and stops it.  Bounded: N ≤ 20000.
"""
import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conns", type=int, default=5000)
    ap.add_argument("--bin", default=None)
    a = ap.parse_args()
    n = min(a.conns, 20000)
    if a.bin:
        harness.YIMAD = os.path.join(a.bin, "yimad")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1000), hard))

    d = harness.Yimad("--max-clients", str(n + 100))
    try:
        pid = d.proc.pid
        base = rss_kib(pid)
        t0 = time.monotonic()
        conns = [d.connect() for _ in range(n)]
        for c in conns:
            c.send(harness.encode("PING"))
        for c in conns:
            harness.eq(c.reply(), "PONG", "PING")
        took = time.monotonic() - t0
        held = rss_kib(pid)
        clients = harness.info(conns[0], "clients")
        print(f"connections held:      {clients[b'connected_clients']}")
        print(f"opened and pinged in:  {took:.2f} s")
        print(f"yimad RSS at start:    {base / 1024:.1f} MiB")
        print(f"yimad RSS with {n}:  {held / 1024:.1f} MiB")
        print(f"per connection:        {(held - base) * 1024 / n:.0f} bytes")
        for c in conns:
            c.close()
    finally:
        d.close()


if __name__ == "__main__":
    main()
