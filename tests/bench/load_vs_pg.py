#!/usr/bin/env python3
"""Bulk load, side by side in one run: `yima load` of N units (commission,
packing into cases of 100, two shipments with receipts) into a fresh yimad,
and PostgreSQL (Debian's, started here on a loopback port, fsync and
synchronous_commit on) COPY of the same N units into a table, then its
primary key and lot index.  Prints both times, rows/s, bytes per unit and
the ratios.

  python3 tests/bench/load_vs_pg.py [--units 1000000]

Needs the postgresql package (installed when missing, as root).  Data goes
under build/bench-pg/ and is removed at the end.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
import load_bench  # noqa: E402
from peers import PgServer  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=1000000)
    n = min(ap.parse_args().units, 20_000_000)
    work = os.path.join(ROOT, "build", "bench-pg")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    try:
        # --- yima
        events = os.path.join(work, "events.csv")
        rows = load_bench.write_events(events, n)
        d = harness.Yimad("--log-level", "warn")
        try:
            c = d.connect(timeout=600)
            for s, kind in (("MFR", "manufacturer"), ("DIST", "distributor"), ("PH1", "pharmacy")):
                c.call("SITE", "SET", s, "name", s, "kind", kind)
            c.call("PRODUCT", "SET", "8301234", "name", "Amoxicillin", "units_per_pack", "10")
            before = os.stat(os.path.join(d.data, "data.mdb")).st_blocks * 512
            t0 = time.monotonic()
            p = subprocess.run([os.path.join(ROOT, "bin", "yima"), "-p", str(d.port), "load",
                                events], capture_output=True, text=True, timeout=7200)
            yima_s = time.monotonic() - t0
            after = os.stat(os.path.join(d.data, "data.mdb")).st_blocks * 512
            print("yima:", p.stdout.strip())
        finally:
            d.close()
        # --- PostgreSQL: the same units
        units_csv = os.path.join(work, "units.csv")
        with open(units_csv, "w") as f:
            for i in range(n):
                f.write(f"8301234{i:013d},8301234,L{i // 1000000},2030-12-31,1,MFR,"
                        f"{load_bench.sscc(i // 100)}\n")
        pg = PgServer(work)
        pg.give(units_csv)
        with pg:
            pg.psql("CREATE TABLE units (code text, product text, lot text, expiry date, "
                    "level int, holder text, parent text)")
            t0 = time.monotonic()
            pg.psql(f"COPY units FROM '{units_csv}' WITH (FORMAT csv)")
            copy_s = time.monotonic() - t0
            pg.psql("ALTER TABLE units ADD PRIMARY KEY (code)")
            pg.psql("CREATE INDEX units_lot ON units (product, lot)")
            pg_s = time.monotonic() - t0
            size = int(pg.psql("SELECT pg_total_relation_size('units')"))
        print(f"{'':<44} {'seconds':>8} {'units/s':>11} {'B/unit':>7}")
        print(f"{'yima load (commission+pack+2 ships+receipts)':<44} {yima_s:>8.1f} "
              f"{n / yima_s:>11,.0f} {(after - before) / n:>7.1f}   ({rows:,} rows, "
              f"{rows / yima_s:,.0f} rows/s)")
        print(f"{'PostgreSQL COPY + primary key + lot index':<44} {pg_s:>8.1f} "
              f"{n / pg_s:>11,.0f} {size / n:>7.1f}   (COPY alone {copy_s:.1f} s)")
        print(f"ratio, units/s yima / PostgreSQL: {pg_s / yima_s:.2f}; "
              f"bytes per unit yima / PostgreSQL: {(after - before) / size:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
