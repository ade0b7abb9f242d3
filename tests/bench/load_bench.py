#!/usr/bin/env python3
"""Bulk-load benchmark: `yima load` of N units (commission, packing into
cases of 100, two shipments with receipts) into a fresh yimad, with durable
DISPENSE traffic from redis-benchmark running during the load; reports
records/s, bytes per unit, and DISPENSE p50/p99 during the load and idle.
With --sparse-ms MS the traffic is instead one till: one DISPENSE every MS
milliseconds on one connection (a quiet counter, the common case), each
one's latency measured; reports p50, p99 and the worst.

  python3 tests/bench/load_bench.py [--units 1000000] [--sparse-ms MS]

Files and data go under build/bench-load/ (removed at the end); loopback
only; every loop is bounded by a count.
"""
import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BATCH = os.environ.get("LOAD_BATCH", "1000")


def cn(prefix, i):
    return f"{prefix}{i:013d}"


def sscc(c):
    body = f"0690123{c:010d}"
    s = sum(int(d) * (3 if (len(body) - i) % 2 else 1) for i, d in enumerate(body))
    return f"(00){body}{(10 - s % 10) % 10}"


def write_events(path, n):
    t1, t2, t3 = ("2026-01-05T08:00:00+08:00", "2026-01-06T08:00:00+08:00",
                  "2026-01-07T08:00:00+08:00")
    cases = (n + 99) // 100
    rows = 0
    with open(path, "w") as f:
        f.write("event,time,code,parent,product,lot,expiry,level,from,to,ref,qty\n")
        for i in range(n):
            f.write(f"commission,{t1},{cn('8301234', i)},,,L{i // 1000000},2030-12-31,1,MFR,,,\n")
        for i in range(n):
            f.write(f"pack,{t1},{cn('8301234', i)},{sscc(i // 100)},,,,,MFR,,,\n")
        for c in range(cases):
            f.write(f"ship,{t2},{sscc(c)},,,,,,MFR,DIST,DN-{c // 50},\n")
        for c in range(cases):
            f.write(f"receive,{t2},{sscc(c)},,,,,,,DIST,,\n")
        for c in range(cases):
            f.write(f"ship,{t3},{sscc(c)},,,,,,DIST,PH1,DN2-{c // 50},\n")
        for c in range(cases):
            f.write(f"receive,{t3},{sscc(c)},,,,,,,PH1,,\n")
        rows = 2 * n + 4 * cases
    return rows


def dispense_bench(port, n):
    p = subprocess.run(["redis-benchmark", "-p", str(port), "-c", "20", "-n", str(n),
                        "-r", "100000", "--csv", "DISPENSE", "83019990__rand_int__",
                        "SITE", "PH1"], capture_output=True, text=True, timeout=900)
    rows = list(csv.reader(io.StringIO(p.stdout)))
    v = dict(zip(rows[0], rows[-1]))
    return float(v["rps"]), float(v["p50_latency_ms"]), float(v["p99_latency_ms"])


def sparse_scans(d, every_ms, running, lat):
    """One DISPENSE every every_ms ms on one connection while running()
    (at most 100,000), each of a code not sold yet; its latency in ms
    appended to lat."""
    c = d.connect(timeout=60)
    due = time.monotonic()
    for i in range(100000):
        if not running():
            break
        due += every_ms / 1000
        t0 = time.monotonic()
        r = c.call("DISPENSE", f"83019990{50000 + i:012d}", "SITE", "PH1", "TX", f"sp-{i}")
        lat.append((time.monotonic() - t0) * 1000)
        if not isinstance(r, list):
            raise RuntimeError(f"DISPENSE during the load: {r!r}")
        time.sleep(max(0.0, due - time.monotonic()))
    c.close()


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=1000000)
    ap.add_argument("--sparse-ms", type=float, default=0,
                    help="one DISPENSE every this many ms instead of redis-benchmark runs")
    a = ap.parse_args()
    n = min(a.units, 20_000_000)
    work = os.path.join(ROOT, "build", "bench-load")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    d = harness.Yimad("--log-level", "warn", *os.environ.get("YIMAD_ARGS", "").split())
    try:
        c = d.connect(timeout=600)
        for s, kind, gln in (("MFR", "manufacturer", "6901234000016"),
                             ("DIST", "distributor", "6901234000023"),
                             ("PH1", "pharmacy", "6901234000030")):
            c.call("SITE", "SET", s, "name", s, "kind", kind, "gln", gln)
        c.call("PRODUCT", "SET", "8301234", "name", "Amoxicillin", "units_per_pack", "10")
        c.call("PRODUCT", "SET", "8301999", "name", "Scan target", "units_per_pack", "1000000")
        # 100,000 units already at PH1 for the DISPENSE traffic (made at
        # the manufacturer and received: a pharmacy commissions nothing)
        for k in range(0, 100000, 10000):
            codes = [f"83019990{i:012d}" for i in range(k, k + 10000)]
            for cmd in (("COMMISSION", *codes, "SITE", "MFR", "LOT", "S1", "EXPIRY",
                         "2030-12-31"),
                        ("SHIP", *codes, "FROM", "MFR", "TO", "PH1"),
                        ("RECEIVE", *codes, "SITE", "PH1")):
                r = c.call(*cmd)
                if not isinstance(r, list):
                    raise RuntimeError(f"{cmd[0]} of the scan targets: {r!r}")
        idle = dispense_bench(d.port, 20000)

        path = os.path.join(work, "events.csv")
        t0 = time.monotonic()
        rows = write_events(path, n)
        print(f"wrote {rows:,} rows for {n:,} units in {time.monotonic() - t0:.1f} s")
        # On disk before the load starts: the kernel writing the file back
        # during the load would be measured as the load's (and the scans')
        # time.
        os.sync()
        before = os.stat(os.path.join(d.data, "data.mdb")).st_blocks * 512
        t0 = time.monotonic()
        loader = subprocess.Popen([os.path.join(ROOT, "bin", "yima"), "-p", str(d.port),
                                   "load", "--batch", BATCH, path],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        # DISPENSE traffic for as long as the load runs: runs of 5,000
        # requests back to back (each bounded by its count), at most 2,000.
        runs, sparse = [], []

        def traffic():
            if a.sparse_ms:
                sparse_scans(d, a.sparse_ms, lambda: loader.poll() is None, sparse)
                return
            while loader.poll() is None and len(runs) < 2000:
                runs.append(dispense_bench(d.port, 5000))
        t = threading.Thread(target=traffic)
        t.start()
        out, _ = loader.communicate(timeout=3600)
        took = time.monotonic() - t0
        t.join()
        after = os.stat(os.path.join(d.data, "data.mdb")).st_blocks * 512
        store = harness.info(c, "store")
        live = store[b"map_used"] - store[b"map_free"]
        print(out.strip())
        print(f"load: {rows:,} rows ({n:,} units) in {took:.1f} s = {rows / took:,.0f} records/s "
              f"= {n / took:,.0f} units/s")
        print(f"disk: {(after - before) / n:.1f} bytes per loaded unit (data.mdb growth); "
              f"{live / n:.1f} bytes per unit in live pages ({store[b'map_free']:,} B free "
              f"pages, reused by later writes)")
        if a.sparse_ms:
            print(f"DISPENSE every {a.sparse_ms:g} ms on one connection during the load: "
                  f"{len(sparse)} scans, p50 {percentile(sparse, 0.5):.3f} ms, "
                  f"p99 {percentile(sparse, 0.99):.3f} ms, worst {max(sparse):.3f} ms")
            print(f"idle (20 conns, redis-benchmark): p50 {idle[1]:.3f} ms, p99 {idle[2]:.3f} ms")
            return
        print(f"{'DISPENSE, 20 conns':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
        print(f"{'idle':<28} {idle[0]:>9,.0f} {idle[1]:>8.3f} {idle[2]:>8.3f}")
        p99s = sorted(r[2] for r in runs)
        print(f"during the load: {len(runs)} runs of 5,000 (the last may outlast the load)")
        for name, r in (("  best run", min(runs, key=lambda r: r[2])),
                        ("  median run", sorted(runs, key=lambda r: r[2])[len(runs) // 2]),
                        ("  worst run", max(runs, key=lambda r: r[2]))):
            print(f"{name:<28} {r[0]:>9,.0f} {r[1]:>8.3f} {r[2]:>8.3f}")
        print(f"p99 of every run, ms: {', '.join(f'{x:.1f}' for x in p99s)}")
    finally:
        d.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
