#!/usr/bin/env python3
"""Durable DISPENSE of codes in the order they were loaded, against the
same kind of codes in random order, on one loaded yimad.

  python3 tests/bench/dispense_order.py [--units 10000000] [--rounds 3]
                                        [--duration 8] [--conns 50] [--seed 7]

yima-gen's chain of --units units is loaded into one yimad; the codes it
says may be sold (compare.find_sales, in load order) are split in two
halves, the second shuffled with --seed (printed); then yima-bench sells
from each half in turn, --rounds times, each run --duration seconds at
--conns connections, taking up where the last run of its half stopped.
The side-by-side run (compare.py) sells in load order, where consecutive
sales share the store's pages; tills across a region sell at random.
Prints req/s and p99 for each run.  Everything is started here on a free
loopback port and removed at the end.
"""
import argparse
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
from compare import BIN, ROOT, bench, harness, log  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=10_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=8.0)
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench-order"))
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    gen = compare.generate(a.work, a.units, 1)
    d = harness.Yimad("--log-level", "warn")
    try:
        load_s, _ = compare.load_chain(os.path.join(BIN, "yima"), d.port, gen)
        log(f"yima load: {load_s:.1f} s")
        units = os.path.join(a.work, "units.csv")
        compare.write_units(gen, units)
        with open(compare.find_sales(d.port, units, a.work), encoding="utf-8") as f:
            head, *rows = f.read().splitlines()
        half = len(rows) // 2
        ordered, shuffled = rows[:half], rows[half:]
        random.Random(a.seed).shuffle(shuffled)
        print(f"seed {a.seed}; {len(rows):,} codes that may be sold, half of them each way")
        files = {}
        for name, part in (("load order", ordered), ("random order", shuffled)):
            files[name] = os.path.join(a.work, name.replace(" ", "-") + ".csv")
            with open(files[name], "w", encoding="utf-8") as f:
                f.write(head + "\n" + "\n".join(part) + "\n")
        offset = dict.fromkeys(files, 0)
        sample = os.path.join(gen, "sample-codes.txt")
        print("| round | order | req/s | p99 ms |\n|---:|---|---:|---:|")
        for rnd in range(1, a.rounds + 1):
            for name, path in files.items():
                r = bench("yima", d.port, sample, "dispense", 1, a.conns, a.duration,
                          sales=path, sale_offset=offset[name])
                if r is None:
                    raise SystemExit(f"{name}: no code left to sell; fewer --rounds")
                offset[name] = r["sales_used"]  # the next unsold, counted from the start
                print(f"| {rnd} | {name} | {r['throughput']:,.0f} | "
                      f"{r['ops']['dispense']['latency_ms']['p99']:.2f} |", flush=True)
    finally:
        d.close()
        shutil.rmtree(a.work, ignore_errors=True)


if __name__ == "__main__":
    main()
