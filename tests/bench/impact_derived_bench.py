#!/usr/bin/env python3
"""IMPACT's cost per derived lot: one source lot of N units (default
1,000) at a manufacturer, shipped in part to a distributor, repackaged
(TRANSFORM, one input into M outputs, default 10) into K derived lots; the
time IMPACT of the source lot takes from the request to the reply's last
byte, for K = 0, 1, 10 and 100 (the same daemon, lots added between the
measures), min / median / max of --runs rounds, with the reply's size.

  python3 tests/bench/impact_derived_bench.py [--units 1000] [--outputs 10] [--runs 50]

One yimad on 127.0.0.1 (tests/integration/harness.py: a fresh data
directory, stopped by its pid at the end); every loop is bounded by a
count.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from impact_bench import raw_round_trips  # noqa: E402
from load_bench import cn  # noqa: E402

SOURCE, SPLIT = "8301234", "8305555"
STEPS = (0, 1, 10, 100)
CHUNK = 500     # codes in one COMMISSION / SHIP


def ok(r, what):
    if isinstance(r, harness.Error):
        sys.exit(f"{what}: {r}")
    return r


def setup(c, n):
    for site, kind in (("MFR", "manufacturer"), ("DIST", "distributor")):
        ok(c.call("SITE", "SET", site, "name", site, "kind", kind), "SITE SET")
    ok(c.call("PRODUCT", "SET", SOURCE, "name", "Amoxicillin", "units_per_pack", "1",
              "kind", "drug"), "PRODUCT SET")
    ok(c.call("PRODUCT", "SET", SPLIT, "name", "Amoxicillin split", "units_per_pack", "1",
              "kind", "drug"), "PRODUCT SET")
    codes = [cn(SOURCE, i) for i in range(n)]
    for i in range(0, n, CHUNK):
        ok(c.call("COMMISSION", *codes[i:i + CHUNK], "SITE", "MFR", "LOT", "L1", "EXPIRY",
                  "2030-12-31"), "COMMISSION")
    half = codes[n // 2:]
    for i in range(0, len(half), CHUNK):
        ok(c.call("SHIP", *half[i:i + CHUNK], "FROM", "MFR", "TO", "DIST"), "SHIP")
        ok(c.call("RECEIVE", *half[i:i + CHUNK], "SITE", "DIST"), "RECEIVE")


def repackage(c, first, last, m):
    """Derived lots D<first>..D<last - 1>: input unit k of L1 into m
    outputs each, half of them shipped on to MFR's distributor."""
    for k in range(first, last):
        outs = [cn(SPLIT, k * m + j) for j in range(m)]
        ok(c.call("TRANSFORM", "INPUTS", cn(SOURCE, k), "OUTPUTS", *outs, "SITE", "MFR",
                  "LOT", f"D{k}", "EXPIRY", "2030-06-30"), "TRANSFORM")
        ok(c.call("SHIP", *outs[:m // 2 or 1], "FROM", "MFR", "TO", "DIST"), "SHIP")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--outputs", type=int, default=10)
    ap.add_argument("--runs", type=int, default=50)
    a = ap.parse_args()
    n = max(2 * STEPS[-1], min(a.units, 1_000_000))
    m, runs = max(1, min(a.outputs, 1000)), max(1, min(a.runs, 1000))
    d = harness.Yimad("--log-level", "warn")
    try:
        c = d.connect(timeout=60)
        c.call("HELLO", "3")
        setup(c, n)
        print(f"source lot {SOURCE} L1: {n} units at MFR and DIST; each derived lot one "
              f"input into {m} outputs; {runs} rounds each")
        base, done = None, 0
        for k in STEPS:
            repackage(c, done, k, m)
            done = k
            r = ok(c.call("IMPACT", SOURCE, "L1"), "IMPACT")
            if len(r[b"derived"]) != k or r[b"totals"][b"derived_units"] != k * m:
                sys.exit(f"IMPACT lists {len(r[b'derived'])} derived lots, want {k}")
            size, t = raw_round_trips(d, harness.encode("IMPACT", SOURCE, "L1"), runs)
            med = t[len(t) // 2] * 1000
            extra = "" if base is None or k == 0 else \
                f"; +{(med - base) / k * 1000:.1f} us per derived lot"
            base = med if k == 0 else base
            print(f"K = {k:3d}: reply {size:6d} bytes; min {t[0] * 1000:.2f} ms, median "
                  f"{med:.2f} ms, max {t[-1] * 1000:.2f} ms{extra}")
        c.close()
    finally:
        d.close()


if __name__ == "__main__":
    main()
