#!/usr/bin/env python3
"""`yima load` of master data and of a large EPCIS document, into a fresh
yimad each: reports the records/s of sites and products (the issue: ~175
records/s when each was one command) and the loader's peak resident memory
and records/s on an EPCIS document (the reader used to hold the whole
document parsed: 1.7 GB for 259 MB).

  python3 tests/bench/load_master_epcis.py [--pharmacies 40000] [--units 300000]
      [--bin DIR]

--bin names the directory of the yima, yimad and yima-gen to measure
(default bin/), so that two builds can be compared on the same data.
Files and data go under build/bench-load-me/ (removed at the end);
loopback only; every wait is bounded.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def timed_load(yima, port, *files):
    """(stdout, seconds, the loader's peak RSS in KiB) of one yima load."""
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "maxrss %M", yima, "-p", str(port), "load",
                        *files], capture_output=True, text=True, timeout=3600)
    el = time.monotonic() - t0
    if p.returncode != 0:
        raise RuntimeError(f"yima load {' '.join(files)}: exit {p.returncode}\n"
                           f"{p.stdout}{p.stderr[-2000:]}")
    rss = int(p.stderr.rsplit("maxrss ", 1)[1].split()[0])
    return p.stdout.strip().splitlines()[0], el, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pharmacies", type=int, default=40000)
    ap.add_argument("--units", type=int, default=300000)
    ap.add_argument("--bin", default=os.path.join(ROOT, "bin"))
    a = ap.parse_args()
    os.environ["YIMA_BIN"] = os.path.abspath(a.bin)
    import harness  # noqa: E402  (reads YIMA_BIN)
    yima, gen = os.path.join(a.bin, "yima"), os.path.join(a.bin, "yima-gen")
    work = os.path.join(ROOT, "build", "bench-load-me")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    try:
        master, events = os.path.join(work, "master"), os.path.join(work, "epcis")
        subprocess.run([gen, "--units", "1000", "--seed", "1", "--today", "2026-03-10",
                        "--out", master, "--sites", f"2,2,{a.pharmacies},0"], check=True,
                       capture_output=True, timeout=600)
        subprocess.run([gen, "--units", str(a.units), "--seed", "7", "--today", "2026-03-10",
                        "--out", events, "--epcis"], check=True, capture_output=True,
                       timeout=600)
        d = harness.Yimad("--log-level", "warn")
        try:
            files = [os.path.join(master, "sites.csv"), os.path.join(master, "products.csv")]
            n = sum(sum(1 for _ in open(f)) - 1 for f in files)
            line, el, _ = timed_load(yima, d.port, *files)
            print(f"master data: {n:,} sites and products in {el:.2f} s: {n / el:,.0f} records/s")
            print(f"  {line}")
        finally:
            d.close()
        d = harness.Yimad("--log-level", "warn")
        try:
            timed_load(yima, d.port, os.path.join(events, "sites.csv"),
                       os.path.join(events, "products.csv"))
            doc = os.path.join(events, "events.jsonld")
            line, el, rss = timed_load(yima, d.port, doc)
            print(f"EPCIS: {os.path.getsize(doc):,} bytes in {el:.1f} s, loader peak RSS "
                  f"{rss / 1024:,.1f} MiB")
            print(f"  {line}")
        finally:
            d.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
