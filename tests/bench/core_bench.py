#!/usr/bin/env python3
"""Traceability core benchmark: commission N units into a fresh yimad, report
disk bytes per unit, then VERIFY (50 connections, pipeline 1 and 16) and
durable DISPENSE (50 connections) throughput and latency, measured with
redis-benchmark as an independent client.

  python3 tests/bench/core_bench.py [--units 1000000] [--bin bin]

Codes are CN 20-digit codes 83012340 + 12 digits, so redis-benchmark's
__rand_int__ (12 digits, below --units) picks a commissioned code at random.
Everything runs on loopback; every loop is bounded by a request count.
"""
import argparse
import csv
import io
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402

BATCH = 10000


def code(i):
    return f"83012340{i:012d}"


def bench(port, n, clients, pipeline, *cmd):
    p = subprocess.run(["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(n),
                        "-P", str(pipeline), "-r", str(ARGS.units), "--csv", *cmd],
                       capture_output=True, text=True, timeout=600)
    rows = list(csv.reader(io.StringIO(p.stdout)))
    head = rows[0]
    vals = dict(zip(head, rows[-1]))
    return float(vals["rps"]), float(vals["p50_latency_ms"]), float(vals["p99_latency_ms"])


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=1000000)
    ap.add_argument("--bin", default=None)
    ARGS = ap.parse_args()
    n = min(ARGS.units, 50_000_000)
    if ARGS.bin:
        harness.YIMAD = os.path.join(ARGS.bin, "yimad")
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    d = harness.Yimad("--log-level", "warn", data=None)
    try:
        c = d.connect(timeout=600)
        for s, kind in (("MFR", "manufacturer"), ("PH1", "pharmacy")):
            c.call("SITE", "SET", s, "name", s, "kind", kind)
        c.call("PRODUCT", "SET", "8301234", "name", "Amoxicillin", "units_per_pack", "1000000")
        t0 = time.monotonic()
        inflight = 0
        for start in range(0, n, BATCH):
            codes = [code(i) for i in range(start, min(n, start + BATCH))]
            c.send(harness.encode("COMMISSION", *codes, "SITE", "MFR", "LOT", f"L{start // 1000000}",
                                  "EXPIRY", "2030-12-31"))
            inflight += 1
            if inflight == 4:
                r = c.reply()
                harness.check(isinstance(r, list), r)
                inflight -= 1
        while inflight:
            r = c.reply()
            harness.check(isinstance(r, list), r)
            inflight -= 1
        load = time.monotonic() - t0
        store = harness.info(c, "store")
        data = os.path.join(d.data, "data.mdb")
        st = os.stat(data)
        print(f"units: {n:,}   commissioned in {load:.1f} s ({n / load:,.0f} units/s, "
              f"batches of {BATCH:,})")
        print(f"store: map_used {store[b'map_used']:,} B = {store[b'map_used'] / n:.1f} B/unit; "
              f"data.mdb on disk {st.st_blocks * 512:,} B = {st.st_blocks * 512 / n:.1f} B/unit")
        print(f"{'workload':<34} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
        for label, reqs, pipe, cmd in (
            ("VERIFY, 50 conns, pipeline 1", 300000, 1, ["VERIFY", "83012340__rand_int__"]),
            ("VERIFY, 50 conns, pipeline 16", 2000000, 16, ["VERIFY", "83012340__rand_int__"]),
            ("DISPENSE (durable), 50 conns", 200000, 1,
             ["DISPENSE", "83012340__rand_int__", "SITE", "MFR"]),
        ):
            rps, p50, p99 = bench(d.port, reqs, 50, pipe, *cmd)
            print(f"{label:<34} {rps:>10,.0f} {p50:>8.3f} {p99:>8.3f}")
        writer = harness.info(c, "writer")
        print(f"writer: {writer[b'commits']:,} commits, mean group {float(writer[b'mean_group_size']):.1f}")
    finally:
        d.close()


if __name__ == "__main__":
    main()
