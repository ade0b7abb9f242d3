#!/usr/bin/env python3
"""Write daemon/hot.order: yimad's functions in the order the linker lays
them out, the hottest first, from a profile of the three paths that carry
its load.

  python3 tests/bench/hot_order.py [--units 20000] [--verify 20000]
                                   [--dispense 3000] [--out daemon/hot.order]

The release build compiles each function into its own section and links
yimad with gold's --section-ordering-file (Makefile): the functions a
VERIFY runs then sit together, in as few instruction-cache sets as their
size allows, instead of spread over 2 MB of code in the order the files
happen to be linked.  The path of a VERIFY touches some 44 KB of yimad's
functions, more than the 32 KB first-level instruction cache, so where they
lie decides how many of its lines evict one another (tests/bench/CORE.md,
"The VERIFY path's code layout").

The profile: yima-gen's chain of --units units loaded into a fresh yimad
(one network thread) under `valgrind --tool=callgrind`, then --verify
VERIFYs at pipeline 16 and --dispense durable DISPENSEs, each counted on
its own (callgrind_control zeroes the counts between them).  The order:
the functions a VERIFY ran, by instructions per VERIFY; then those a
DISPENSE added; then those the load added.  Functions that ran in none
keep the linker's order after them.  Only yimad's own functions are named
(its symbol table); a name that no longer exists is skipped by the linker,
so an old order file only costs speed, never a build.

Run it again after a change moves the hot paths; data goes under
build/hot-order/ (removed at the end).
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from compare import BIN, generate, load_chain, log  # noqa: E402


def self_costs(path):
    """{function: instructions in it, calls excluded} of a callgrind file."""
    names, cost, fn, skip = {}, collections.Counter(), None, False
    with open(path, errors="replace") as f:
        for line in f:
            m = re.match(r"^(c?)fn=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
            if m:
                if m.group(3):
                    names[m.group(2)] = m.group(3)
                if not m.group(1):
                    fn = names.get(m.group(2))
                continue
            if line.startswith("calls="):
                skip = True     # the next cost line is the call's, not fn's
                continue
            if line[:1].isdigit() or line[:1] in "+-*":
                if skip:
                    skip = False
                    continue
                parts = line.split()
                if len(parts) > 1 and fn:
                    cost[fn] += int(parts[1])
    return cost


def own_functions(binary):
    """The names of binary's functions (text symbols)."""
    out = subprocess.run(["nm", binary], capture_output=True, text=True, check=True).stdout
    return {p[2] for p in (line.split() for line in out.splitlines())
            if len(p) == 3 and p[1] in "Tt"}


def profile(work, units, n_verify, n_dispense):
    """[(part, {function: instructions})] for the load, VERIFY, DISPENSE."""
    gen = generate(work, units, 1)
    sample = os.path.join(gen, "sample-codes.txt")
    out = os.path.join(work, "callgrind")
    wrapper = os.path.join(work, "yimad.sh")
    with open(wrapper, "w") as f:
        f.write(f"#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file={out}.%p "
                f"{os.path.join(BIN, 'yimad')} \"$@\"\n")
    os.chmod(wrapper, 0o755)
    saved = harness.YIMAD, harness.START_TIMEOUT
    harness.YIMAD, harness.START_TIMEOUT = wrapper, 300.0
    try:
        d = harness.Yimad("--log-level", "warn", "--threads", "1",
                          data=os.path.join(work, "data"))
    finally:
        harness.YIMAD, harness.START_TIMEOUT = saved
    bench = os.path.join(BIN, "yima-bench")
    sales = os.path.join(work, "sales.csv")

    def control(what):
        subprocess.run(["callgrind_control", what, str(d.proc.pid)], check=True,
                       capture_output=True, timeout=300)

    def run(*args):
        subprocess.run([bench, "-p", str(d.port), "--sample", sample, *args], check=True,
                       capture_output=True, timeout=1800)

    try:
        control("-z")
        load_chain(os.path.join(BIN, "yima"), d.port, gen)
        control("-d")
        run("--write-sales", sales)
        control("-z")
        run("--workload", "verify", "-c", "4", "-P", "16", "-n", str(n_verify))
        control("-d")
        control("-z")
        run("--workload", "dispense", "-c", "8", "-n", str(n_dispense), "--sales", sales)
        control("-d")
    finally:
        d.close()
    parts = sorted((p for p in os.listdir(work) if p.startswith("callgrind.")),
                   key=lambda p: [int(x) for x in re.findall(r"\d+", p)])
    dumps = [os.path.join(work, p) for p in parts if re.search(r"\.\d+\.\d+$", p)]
    if len(dumps) < 3:
        raise RuntimeError(f"callgrind wrote {parts}: want three dumps")
    load, verify, dispense = (self_costs(p) for p in dumps[:3])
    return [("VERIFY", verify), ("DISPENSE", dispense), ("load", load)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=20_000)
    ap.add_argument("--verify", type=int, default=20_000)
    ap.add_argument("--dispense", type=int, default=3_000)
    ap.add_argument("--out", default=os.path.join(ROOT, "daemon", "hot.order"))
    a = ap.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("hot_order: valgrind (callgrind) is needed: apt-get install valgrind")
    work = os.path.join(ROOT, "build", "hot-order")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    try:
        parts = profile(work, a.units, a.verify, a.dispense)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    own = own_functions(os.path.join(BIN, "yimad"))
    order, seen, counts = [], set(), []
    for part, cost in parts:
        names = [f for f, c in cost.most_common() if c > 0 and f in own and f not in seen]
        order += names
        seen.update(names)
        counts.append(f"{len(names)} {part}")
    with open(a.out, "w") as f:
        f.write("# yimad's hottest functions first: written by tests/bench/hot_order.py,\n"
                "# read by the linker (gold --section-ordering-file; see the Makefile).\n"
                f"# {', '.join(counts)}; --units {a.units} --verify {a.verify} "
                f"--dispense {a.dispense}\n")
        for name in order:
            f.write(f".text.{name}\n")
    log(f"hot_order: {len(order)} functions ({', '.join(counts)}) into {a.out}")


if __name__ == "__main__":
    main()
