#!/usr/bin/env python3
"""Two yimad builds compared in short interleaved pairs, on one machine.

  python3 tests/bench/paired.py --before-yimad PATH --before-yima PATH
                                [--after-yimad PATH] [--after-yima PATH]
                                [--size N] [--pairs K] [--seconds S] [--conns C]
                                [--seed N] [--results FILE] [--json FILE] [--keep]
  python3 tests/bench/paired.py --pool A.json B.json ...

(tests/bench/before_after.sh COMMIT --paired builds the "before" side and
runs this; the "after" side defaults to this checkout's bin/.)

Why pairs.  A shared 2-core machine drifts by more than 5 % within minutes,
so two builds measured one after the other by whole benchmark runs (3 to 4
minutes each: tests/bench/before_after.sh without --paired) differ by the
drift as much as by the change.  Here every figure is taken K times for
each build, the two builds back to back within seconds of each other, in
alternating order (before first in odd pairs, after first in even ones),
and the change is the median of the K per-pair ratios: drift slower than
a pair cancels out.

What is measured, for each build and each pair:
- the load: `yima load` (that build's own yima: how rows are batched is
  the client's) of yima-gen's chain into a fresh store, in units/s, and
  the writer thread's CPU µs per loaded unit (tests/bench/writer_cpu.py);
- then, each on a fresh copy of that build's first loaded store (the
  same state for every run: a DISPENSE run sells the same codes each
  time): VERIFY at pipeline 1 and 16, durable DISPENSE (pipeline 1) and the
  90/10 mix, in requests/s, with the writer's CPU µs per write for the two
  that write, and VERIFY's p99 at one offered load (half of the before
  build's median pipeline-1 peak) for every run: first from the daemon's
  start (a fresh daemon's first second sets most of that tail), then
  again on the same daemon ("warm").

The report (stdout and a "paired" section of RESULTS.md): each measure's
median for each build, the paired median change, how many of the K pairs
went the after build's way, and the range of the per-pair changes.  Goals
as before_after.sh's: no workload more than 5 % slower (p99 5 % higher),
the writer's CPU lower.  Everything listens on 127.0.0.1 and is stopped at
the end; data goes under build/bench-paired/ (removed unless --keep).
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import compare  # noqa: E402
import harness  # noqa: E402
from writer_cpu import WriterMeter, span  # noqa: E402

SLOWER_MAX = compare.SLOWER_MAX
log = compare.log

# name, kind: "rate" (higher is better), "latency" and "cpu" (lower is).
MEASURES = [
    ("bulk load, units/s", "rate"),
    ("VERIFY req/s, pipeline 1", "rate"),
    ("VERIFY req/s, pipeline 16", "rate"),
    ("durable DISPENSE req/s", "rate"),
    ("mixed 90/10 req/s", "rate"),
    ("VERIFY p99 ms at one offered load", "latency"),
    ("VERIFY p99 ms at one offered load, warm", "latency"),
    ("writer CPU µs per loaded unit", "cpu"),
    ("writer CPU µs per DISPENSE (DISPENSE P1)", "cpu"),
    ("writer CPU µs per DISPENSE (mixed 90/10)", "cpu"),
]


class Side:
    def __init__(self, name, label, yimad, yima, work):
        self.name, self.label, self.yimad, self.yima = name, label, yimad, yima
        self.base = os.path.join(work, f"{name}-base")
        self.figs = {m: [] for m, _ in MEASURES}

    def start(self, data):
        harness.YIMAD = self.yimad
        return harness.Yimad("--log-level", "warn", data=data)


def stop(d, data):
    d.stop()
    d.close()
    shutil.rmtree(data, ignore_errors=True)


def load_once(side, gen, n, data, keep_as_base):
    d = side.start(data)
    try:
        meter = WriterMeter(d)
        w0 = meter.read()
        load_s, _ = compare.load_chain(side.yima, d.port, gen)
        cpu = span(w0, meter.read(), per=n)
    finally:
        d.stop()
        d.close()
    side.figs["bulk load, units/s"].append(n / load_s)
    side.figs["writer CPU µs per loaded unit"].append(cpu["us_per"])
    log(f"  {side.label}: load {n / load_s:>10,.0f} units/s, writer "
        f"{cpu['us_per'] or 0:.2f} µs/unit, {cpu['writes'] / max(cpu['commits'], 1):.1f} "
        "writes per commit")
    if keep_as_base:
        os.rename(data, side.base)
    else:
        shutil.rmtree(data, ignore_errors=True)


def run_once(side, work, sample, a, kind, sales, half_rate):
    """One workload on a fresh copy of the side's base store."""
    data = os.path.join(work, f"{side.name}-run")
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(side.base, data)
    d = side.start(data)
    log(f"  {side.label}:")
    try:
        meter = WriterMeter(d)
        w0 = meter.read()
        if kind == "verify1":
            r = compare.bench("yima", d.port, sample, "verify", 1, a.conns, a.seconds)
            side.figs["VERIFY req/s, pipeline 1"].append(r["throughput"])
        elif kind == "verify16":
            r = compare.bench("yima", d.port, sample, "verify", 16, a.conns, a.seconds)
            side.figs["VERIFY req/s, pipeline 16"].append(r["throughput"])
        elif kind == "half":
            # The first run starts with the daemon (its first second is
            # most of its tail); the second, on the same daemon, is the
            # steady state.
            for name in ("VERIFY p99 ms at one offered load",
                         "VERIFY p99 ms at one offered load, warm"):
                r = compare.bench("yima", d.port, sample, "verify", 1, a.conns, a.seconds,
                                  rate=half_rate)
                side.figs[name].append(r["ops"]["verify"]["latency_ms"]["p99"])
        else:
            workload = "dispense" if kind == "dispense" else "mixed"
            r = compare.bench("yima", d.port, sample, workload, 1, a.conns, a.seconds,
                              sales=sales)
            cpu = span(w0, meter.read())
            if kind == "dispense":
                side.figs["durable DISPENSE req/s"].append(r["throughput"])
                side.figs["writer CPU µs per DISPENSE (DISPENSE P1)"].append(cpu["us_per"])
            else:
                side.figs["mixed 90/10 req/s"].append(r["throughput"])
                side.figs["writer CPU µs per DISPENSE (mixed 90/10)"].append(cpu["us_per"])
            if r["exhausted"]:
                raise RuntimeError(f"{side.label} {kind}: the codes to sell ran out in "
                                   f"{a.seconds:g} s: give a larger --size or fewer --seconds")
    finally:
        stop(d, data)


def median(xs):
    return statistics.median(xs) if xs else None


def rows(before, after):
    out = []
    for name, kind in MEASURES:
        b, f = before.figs[name], after.figs[name]
        pairs = [(x, y) for x, y in zip(b, f) if x and y is not None]
        if not pairs:
            out.append([name, "–", "–", "–", "–", "–", "–", "–"])
            continue
        ch = [(y / x - 1) * 100 for x, y in pairs]
        med = statistics.median(ch)
        better = sum(1 for c in ch if (c > 0 if kind == "rate" else c < 0))
        if kind == "rate":
            goal, met, fmt = f"≥ −{SLOWER_MAX:g} %", med >= -SLOWER_MAX, "{:,.0f}"
        elif kind == "latency":
            goal, met, fmt = f"≤ +{SLOWER_MAX:g} %", med <= SLOWER_MAX, "{:,.3f}"
        else:
            goal, met, fmt = "lower", med < 0, "{:,.2f}"
        out.append([name, fmt.format(median([x for x, _ in pairs])),
                    fmt.format(median([y for _, y in pairs])), f"{med:+.1f} %",
                    f"{better} of {len(ch)}", f"{min(ch):+.1f} … {max(ch):+.1f} %", goal,
                    "yes" if met else "**no**"])
    return out


def pool(paths):
    """The table over the pairs of several runs of the same two builds
    (their --json files, in order): more pairs, a narrower median."""
    sides = None
    for path in paths:
        with open(path, encoding="utf-8") as f:
            run = json.load(f)
        labels = list(run)
        if len(labels) != 2:
            sys.exit(f"paired: {path}: not a --json file of paired.py (want two builds)")
        if sides is None:
            sides = [Side(n, label, None, None, "") for n, label in zip(("before", "after"),
                                                                       labels)]
        elif [s.label for s in sides] != labels:
            sys.exit(f"paired: {path} compares {labels}, not {[s.label for s in sides]}")
        for side in sides:
            for m, xs in run[side.label].items():
                if m in side.figs:
                    # pairs stay aligned: a run's lists are pair-ordered
                    side.figs[m] += xs
    head = ["measure", sides[0].label, sides[1].label, "paired change",
            f"pairs in {sides[1].label}'s favour", "range", "goal", "met"]
    print(f"{len(paths)} run{'' if len(paths) == 1 else 's'} pooled: " + ", ".join(paths)
          + "\n")
    print(compare.md_table(head, rows(*sides)))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before-yimad")
    ap.add_argument("--before-yima")
    ap.add_argument("--after-yimad", default=os.path.join(compare.BIN, "yimad"))
    ap.add_argument("--after-yima", default=os.path.join(compare.BIN, "yima"))
    ap.add_argument("--before-label", default="before")
    ap.add_argument("--after-label", default="after")
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--json", help="also write every figure here")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--pool", nargs="+", metavar="JSON",
                    help="no run: the table over every pair of these --json files")
    a = ap.parse_args()
    if a.pool:
        return pool(a.pool)
    if not a.before_yimad or not a.before_yima:
        ap.error("--before-yimad and --before-yima are needed (or --pool)")
    if not 1 <= a.pairs <= 50:
        ap.error("--pairs goes from 1 to 50")
    if not 10_000 <= a.size <= compare.SIZE_MAX:
        ap.error(f"--size goes from 10,000 to {compare.SIZE_MAX:,}")
    if not 1 <= a.seconds <= 120:
        ap.error("--seconds goes from 1 to 120")
    for p in (a.before_yimad, a.before_yima, a.after_yimad, a.after_yima):
        if not os.access(p, os.X_OK):
            ap.error(f"{p}: not an executable")

    work = os.path.join(ROOT, "build", "bench-paired")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    a.work = work
    m = compare.machine()
    t_start = time.monotonic()
    try:
        gen = compare.generate(work, a.size, a.seed)
        units = os.path.join(work, "units.csv")
        compare.write_units(gen, units)
        sample = os.path.join(gen, "sample-codes.txt")
        before = Side("before", a.before_label, a.before_yimad, a.before_yima, work)
        after = Side("after", a.after_label, a.after_yimad, a.after_yima, work)

        def order(i):
            return (before, after) if i % 2 == 0 else (after, before)

        log(f"paired: {a.pairs} pairs; load {a.size:,} units")
        for i in range(a.pairs):
            for s in order(i):
                load_once(s, gen, a.size, os.path.join(work, f"{s.name}-load"), i == 0)
        # The codes to sell, from the after build's store (both hold the
        # same chain): every DISPENSE run sells the same ones.
        data = os.path.join(work, "sales-run")
        shutil.copytree(after.base, data)
        d = after.start(data)
        try:
            sales = compare.find_sales(d.port, units, work)
        finally:
            stop(d, data)
        half_rate = None
        for kind in ("verify1", "verify16", "dispense", "mixed", "half"):
            if kind == "half":
                half_rate = median(before.figs["VERIFY req/s, pipeline 1"]) / 2
                log(f"paired: VERIFY p99 at {half_rate:,.0f} req/s for every run")
            log(f"paired: {kind}")
            for i in range(a.pairs):
                for s in order(i):
                    run_once(s, work, sample, a, kind, sales, half_rate)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)

    head = ["measure", a.before_label, a.after_label, "paired change",
            f"pairs in {a.after_label}'s favour", "range", "goal", "met"]
    table = compare.md_table(head, rows(before, after))
    text = (f"## Before and after, in interleaved pairs (`tests/bench/paired.py`)\n\n"
            f"{m['date']}; {m['cores']} cores ({m['cpu']}), Linux {m['kernel']}; "
            f"{a.size:,} units (yima-gen --seed {a.seed}); {a.conns} connections; "
            f"{a.pairs} pairs of {a.seconds:g} s runs per workload, each build on a fresh "
            f"copy of its own loaded store, the two builds back to back in alternating "
            f"order; {(time.monotonic() - t_start) / 60:.0f} minutes in all.\n"
            f"- {a.before_label}: {compare.yimad_build(a.before_yimad)}\n"
            f"- {a.after_label}: {compare.yimad_build(a.after_yimad)}\n"
            f"- VERIFY p99 at {half_rate:,.0f} req/s (half of {a.before_label}'s median "
            f"pipeline-1 peak) for every run: from the daemon's start, then (warm) "
            f"again on the same daemon\n"
            f"- paired change: the median over the pairs of ({a.after_label} / "
            f"{a.before_label} − 1)\n\n{table}\n")
    print(text)
    compare.replace_section(a.results, "paired", text)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({s.label: s.figs for s in (before, after)}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
