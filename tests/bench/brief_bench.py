#!/usr/bin/env python3
"""VERIFY ... BRIEF against the full VERIFY, side by side in one run.

  python3 tests/bench/brief_bench.py [--units 200000] [--rounds 3] [--duration 15]
                                     [--conns 50] [--callgrind N] [--keep]

yima-gen writes a chain of --units units (dated by the daemon's day,
harness.TODAY); `yima load` takes it into a fresh yimad (default threads).
Then, on that one daemon, yima-bench VERIFY over yima-gen's sample at
pipeline 16 and 1, the full reply and --brief in turn, for --rounds
alternating rounds of --duration seconds each: req/s and p99 of each run.
The bytes of a reply, full and brief, are the mean over the sample of one
VERIFY of each code.  With --callgrind N: the same store under `valgrind
--tool=callgrind --separate-threads=yes`, N VERIFYs at pipeline 1 over 4
connections, once full and once brief (a daemon each); the instructions of
the network threads (those that ran cmd_verify) per VERIFY.

The machine's load average is printed before and after: on a shared
machine the figures say what they can.  Data goes under
build/bench-brief/ (removed unless --keep).
"""
import argparse
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from compare import bench, generate, load_chain  # noqa: E402

BIN = os.path.join(ROOT, "bin")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def reply_bytes(port, codes, brief):
    """Mean bytes of a VERIFY reply (RESP 2) over codes."""
    extra = ["BRIEF"] if brief else []
    total = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        for i in range(0, len(codes), 500):
            chunk = codes[i:i + 500]
            s.sendall(b"".join(harness.encode("VERIFY", c, *extra) for c in chunk))
            buf, pos, got = b"", 0, 0
            while got < len(chunk):
                v, end = harness.parse_reply(buf, pos)
                if not end:
                    buf += s.recv(1 << 16)
                    continue
                total += end - pos
                pos, got = end, got + 1
    return total / len(codes)


def timing(port, sample, a):
    """{(pipeline, brief): [run, ...]} over a.rounds alternating rounds."""
    runs = {}
    for rnd in range(a.rounds):
        for pipeline in (16, 1):
            # Alternate which form goes first, so neither always follows
            # the other's warm cache.
            forms = (False, True) if rnd % 2 == 0 else (True, False)
            for brief in forms:
                r = bench("yima", port, sample, "verify", pipeline, a.conns, a.duration,
                          extra=["--brief"] if brief else [])
                runs.setdefault((pipeline, brief), []).append(r)
    return runs


def network_instructions(outs):
    """Instructions of the threads that ran cmd_verify (the network
    threads), over callgrind's per-thread files outs."""
    total = 0
    for path in outs:
        with open(path, errors="replace") as f:
            text = f.read()
        if re.search(r"^c?fn=\(\d+\) cmd_verify$", text, re.M):
            total += int(re.search(r"^(?:totals|summary):\s*(\d+)", text, re.M).group(1))
    return total


def callgrind(data, sample, n, brief, work):
    """Network threads' instructions per VERIFY, the daemon under callgrind."""
    tag = "brief" if brief else "full"
    out = os.path.join(work, f"callgrind.{tag}")
    wrapper = os.path.join(work, f"yimad-{tag}.sh")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec valgrind --tool=callgrind --separate-threads=yes "
                f"--callgrind-out-file={out}.%p {os.path.join(BIN, 'yimad')} \"$@\"\n")
    os.chmod(wrapper, 0o755)
    saved = harness.YIMAD, harness.START_TIMEOUT
    harness.YIMAD, harness.START_TIMEOUT = wrapper, 300.0
    try:
        d = harness.Yimad("--log-level", "warn", data=data)
    finally:
        harness.YIMAD, harness.START_TIMEOUT = saved
    try:
        cmd = [os.path.join(BIN, "yima-bench"), "-p", str(d.port), "--sample", sample,
               "--workload", "verify", "-c", "4", "-P", "1", "-n", str(n), "--json"]
        p = subprocess.run(cmd + (["--brief"] if brief else []), capture_output=True,
                           text=True, timeout=3600)
        r = json.loads(p.stdout)
        harness.check(r["ops"]["verify"]["count"] == n and p.returncode == 0,
                      f"callgrind run: {p.stderr}")
    finally:
        d.stop(timeout=300)
        d.close()
    files = glob.glob(out + ".*")
    return network_instructions(files) / n, len(files)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=15.0)
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--callgrind", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    work = os.path.join(ROOT, "build", "bench-brief")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    data = os.path.join(work, "data")
    try:
        print(f"load average before: {load_average()}")
        gen = generate(work, a.units, a.seed)
        sample = os.path.join(gen, "sample-codes.txt")
        codes = open(sample).read().split()
        d = harness.Yimad("--log-level", "warn", data=data)
        try:
            load_s, summary = load_chain(os.path.join(BIN, "yima"), d.port, gen)
            log(f"yima load: {load_s:.1f} s ({summary})")
            full_b, brief_b = reply_bytes(d.port, codes, False), reply_bytes(d.port, codes, True)
            runs = timing(d.port, sample, a)
        finally:
            d.close()
        print(f"{a.units:,} units, sample of {len(codes):,} codes; {a.rounds} rounds of "
              f"{a.duration:g} s, {a.conns} connections")
        print(f"reply bytes (RESP 2, mean over the sample): full {full_b:.0f}, "
              f"brief {brief_b:.0f}")
        print(f"{'':<14} {'req/s, each round':<36} {'p99 ms, each round':<30}")
        for pipeline in (16, 1):
            for brief in (False, True):
                rs = runs[(pipeline, brief)]
                tp = " / ".join(f"{r['throughput']:,.0f}" for r in rs)
                p99 = " / ".join(f"{r['ops']['verify']['latency_ms']['p99']:.2f}" for r in rs)
                print(f"P{pipeline:<2} {'brief' if brief else 'full':<10} {tp:<36} {p99:<30}")
        if a.callgrind:
            for brief in (False, True):
                per, nfiles = callgrind(data, sample, a.callgrind, brief, work)
                print(f"callgrind, {a.callgrind:,} VERIFYs at P1 over 4 connections, "
                      f"{'brief' if brief else 'full'}: network threads "
                      f"{per:,.0f} instructions per VERIFY ({nfiles} thread files)")
        print(f"load average after: {load_average()}")
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
