#!/usr/bin/env python3
"""VERIFY on a store larger than the memory yimad may keep it in.

  python3 tests/bench/cache_bench.py [--units 10000000] [--memory 1G]
                                     [--threads 2,16] [--duration 20] [--conns 50]
                                     [--brief] [--keep] [--work DIR] [--wait-read-in]

At 100 M units the store (about 27 GB) outgrows this machine's memory and
each VERIFY waits for pages read from the disk.  This bench shows that case
at a size that takes minutes, not an hour: yima-gen and `yima load` make a
store of --units units (kept in --work and used again by the next run with
the same --units), then for each --threads value in turn the page cache is
dropped and yimad starts inside a memory cgroup capped at --memory, so that
it can keep only part of the store in memory.  yima-bench VERIFY over
yima-gen's sample runs at pipeline 1, then 16, then 1 again (the cache
warmer by then), --duration each; with --wait-read-in only once yimad has
read the store in (daemon/STORE.md, "Warming the map").

Printed per run: req/s, p99, and yimad's major page faults per VERIFY (each
one a read from the disk).  Needs root: dropping the page cache and making
a cgroup (cgroup v1's memory controller or v2's).  Every wait is bounded;
yimad is stopped by its pid at the end of each round.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import (BIN, ROOT, bench, generate, harness, load_chain, log,  # noqa: E402
                     wait_read_in)


def size_bytes(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper()
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


class MemoryCgroup:
    """A memory cgroup of our own under the one this process is in, capped
    at limit bytes; processes join it by writing their pid to procs."""

    def __init__(self, name, limit):
        v2 = "/sys/fs/cgroup/cgroup.controllers"
        if os.path.exists(v2) and "memory" in open(v2).read().split():
            rel = self.own_path("")
            self.dir = os.path.join("/sys/fs/cgroup", rel.lstrip("/"), name)
            limit_file = "memory.max"
        elif os.path.isdir("/sys/fs/cgroup/memory"):
            rel = self.own_path("memory")
            self.dir = os.path.join("/sys/fs/cgroup/memory", rel.lstrip("/"), name)
            limit_file = "memory.limit_in_bytes"
        else:
            raise SystemExit("cache_bench: no cgroup memory controller on this machine")
        os.makedirs(self.dir, exist_ok=True)
        with open(os.path.join(self.dir, limit_file), "w") as f:
            f.write(str(limit))
        self.procs = os.path.join(self.dir, "cgroup.procs")

    @staticmethod
    def own_path(controller):
        """This process's cgroup path for controller ("" for v2)."""
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, names, path = line.rstrip("\n").split(":", 2)
                if (controller == "" and names == "") or controller in names.split(","):
                    return path
        raise SystemExit(f"cache_bench: /proc/self/cgroup names no {controller or 'v2'} cgroup")

    def remove(self):
        for _ in range(50):     # the last process's exit is seen a little later
            try:
                os.rmdir(self.dir)
                return
            except OSError:
                time.sleep(0.1)
        log(f"cache_bench: could not remove {self.dir}")


def drop_page_cache():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("1")


def major_faults(pid):
    with open(f"/proc/{pid}/stat") as f:
        # Fields after the command's closing parenthesis; majflt is the 12th
        # field of the line, the 10th after it.
        return int(f.read().rsplit(")", 1)[1].split()[9])


def wrapper(work, procs):
    """A yimad that first joins the cgroup: the harness starts it."""
    path = os.path.join(work, "yimad-in-cgroup")
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\necho $$ > '{procs}' || exit 2\n"
                f"exec '{os.path.join(BIN, 'yimad')}' \"$@\"\n")
    os.chmod(path, 0o755)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=10_000_000)
    ap.add_argument("--memory", default="1G", help="yimad's memory cap (K, M, G)")
    ap.add_argument("--threads", default="2,16", help="network threads, one round each")
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--brief", action="store_true", help="VERIFY ... BRIEF")
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench-cache"))
    ap.add_argument("--keep", action="store_true", help="keep the store for the next run")
    ap.add_argument("--wait-read-in", action="store_true",
                    help="start the runs once yimad has read the store in")
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("cache_bench: needs root (drop_caches, cgroups)")
    limit = size_bytes(a.memory)
    threads = [int(t) for t in a.threads.split(",")]

    os.makedirs(a.work, exist_ok=True)
    gen = os.path.join(a.work, "gen")
    data = os.path.join(a.work, f"data-{a.units}")
    if not os.path.exists(os.path.join(data, "data.mdb")):
        shutil.rmtree(data, ignore_errors=True)
        gen = generate(a.work, a.units, a.seed)
        d = harness.Yimad("--log-level", "warn", data=data)
        try:
            load_s, summary = load_chain(os.path.join(BIN, "yima"), d.port, gen)
            log(f"yima load: {load_s:.1f} s ({summary})")
        finally:
            d.close()
    sample = os.path.join(gen, "sample-codes.txt")
    store = os.path.getsize(os.path.join(data, "data.mdb"))
    log(f"store {store / 1e9:.2f} GB of {a.units:,} units; yimad capped at "
        f"{limit / 1e9:.2f} GB ({limit / store:.0%} of the store)")

    cg = MemoryCgroup(f"yima-cache-bench-{os.getpid()}", limit)
    harness.YIMAD = wrapper(a.work, cg.procs)
    extra = ["--brief"] if a.brief else []
    rows = []
    try:
        for t in threads:
            drop_page_cache()
            d = harness.Yimad("--log-level", "info", "--threads", str(t), data=data)
            try:
                if a.wait_read_in:
                    log(f"yimad read the store in for {wait_read_in(d.proc.pid, 1800):.1f} s")
                for pipeline in (1, 16, 1):
                    f0 = major_faults(d.proc.pid)
                    r = bench("yima", d.port, sample, "verify", pipeline, a.conns,
                              a.duration, extra=extra)
                    faults = major_faults(d.proc.pid) - f0
                    done = r["ops"]["verify"]["count"]
                    rows.append((t, pipeline, r["throughput"],
                                 r["ops"]["verify"]["latency_ms"]["p99"],
                                 faults / max(done, 1)))
                for line in d.output().splitlines():
                    if "store" in line and ("warmed" in line or "read in" in line):
                        log("yimad: " + line.split("] ", 1)[-1])
            finally:
                d.close()
    finally:
        cg.remove()
        if not a.keep:
            shutil.rmtree(a.work, ignore_errors=True)

    print(f"{a.units:,} units, store {store / 1e9:.2f} GB, yimad capped at "
          f"{limit / 1e9:.2f} GB; {a.conns} connections, {a.duration:g} s a run"
          f"{', VERIFY ... BRIEF' if a.brief else ''}\n")
    print("| threads | pipeline | req/s | p99 ms | disk reads per VERIFY |")
    print("|---:|---:|---:|---:|---:|")
    for t, p, rps, p99, per in rows:
        print(f"| {t} | {p} | {rps:,.0f} | {p99:.3f} | {per:.2f} |")


if __name__ == "__main__":
    main()
