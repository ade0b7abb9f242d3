#!/usr/bin/env python3
"""Recall benchmark: one lot of N units (default 1,000,000) spread over
S sites (default 5,000: a manufacturer, S/100 distributors, the rest
pharmacies), loaded with `yima load`; then the time IMPACT of that lot takes
(repeated, min / median / max from the request to the reply's last byte,
with the reply's size), the time RECALL of
the lot takes, and CODES for one pharmacy.

The chain: units packed 20 to a middle pack and 10 middle packs to a case;
cases shipped manufacturer -> distributors and received; distributors open
the cases and ship the middle packs on to pharmacies (~2 % left in transit);
pharmacies sell ~30 % of what they received.

  python3 tests/bench/impact_bench.py [--units 1000000] [--sites 5000] [--runs 20]

Files and data go under build/bench-impact/ (removed at the end); loopback
only; every loop is bounded by a count.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from load_bench import cn, sscc  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
UNITS_PER_PACK, PACKS_PER_CASE = 20, 10


def write_files(work, n, nsites):
    ndist = max(1, nsites // 100)
    npharm = nsites - 1 - ndist
    dists = [f"DST{i:04d}" for i in range(ndist)]
    pharms = [f"PHA{i:05d}" for i in range(npharm)]
    with open(os.path.join(work, "sites.csv"), "w") as f:
        f.write("site,name,kind\nMFR,Maker,manufacturer\n")
        f.writelines(f"{s},Distributor {s},distributor\n" for s in dists)
        f.writelines(f"{s},Pharmacy {s},pharmacy\n" for s in pharms)
    with open(os.path.join(work, "products.csv"), "w") as f:
        f.write("product,name,units_per_pack\n8301234,Amoxicillin 250mg,1\n"
                "8301235,Amoxicillin 250mg x20,1\n")
    rnd = random.Random(1)
    npacks = (n + UNITS_PER_PACK - 1) // UNITS_PER_PACK
    ncases = (npacks + PACKS_PER_CASE - 1) // PACKS_PER_CASE
    t = ["2026-03-0%dT08:00:00+08:00" % d for d in range(1, 7)]
    rows = 0
    with open(os.path.join(work, "events.csv"), "w") as f:
        w = f.write
        w("event,time,code,parent,product,lot,expiry,level,from,to,ref,qty\n")
        for i in range(n):
            w(f"commission,{t[0]},{cn('8301234', i)},,,L1,2030-12-31,1,MFR,,,\n")
        for p in range(npacks):
            w(f"commission,{t[0]},{cn('8301235', p)},,,L1,2030-12-31,2,MFR,,,\n")
        for i in range(n):
            w(f"pack,{t[0]},{cn('8301234', i)},{cn('8301235', i // UNITS_PER_PACK)},,,,,MFR,,,\n")
        for p in range(npacks):
            w(f"pack,{t[0]},{cn('8301235', p)},{sscc(p // PACKS_PER_CASE)},,,,,MFR,,,\n")
        rows += 2 * n + 2 * npacks
        case_dist = [dists[c % ndist] for c in range(ncases)]
        for c in range(ncases):
            w(f"ship,{t[1]},{sscc(c)},,,,,,MFR,{case_dist[c]},DN{c},\n")
        for c in range(ncases):
            w(f"receive,{t[1]},{sscc(c)},,,,,,MFR,{case_dist[c]},DN{c},\n")
        for c in range(ncases):
            w(f"unpack,{t[2]},{cn('8301235', c * PACKS_PER_CASE)},{sscc(c)},,,,,"
              f"{case_dist[c]},,,\n")
        rows += 3 * ncases
        # unpack rows name one child each: the loader merges them per container;
        # here each case is opened whole by naming every middle pack.
        for c in range(ncases):
            for p in range(c * PACKS_PER_CASE + 1, min(npacks, (c + 1) * PACKS_PER_CASE)):
                w(f"unpack,{t[2]},{cn('8301235', p)},{sscc(c)},,,,,{case_dist[c]},,,\n")
                rows += 1
        dest, arrived = {}, []
        for p in range(npacks):
            dest[p] = pharms[p % npharm]
            w(f"ship,{t[3]},{cn('8301235', p)},,,,,,{case_dist[p // PACKS_PER_CASE]},"
              f"{dest[p]},DM{p},\n")
        for p in range(npacks):
            if rnd.random() < 0.98:
                w(f"receive,{t[4]},{cn('8301235', p)},,,,,,,{dest[p]},,\n")
                arrived.append(p)
        rows += npacks + len(arrived)
        sold = 0
        for p in arrived:
            for i in range(p * UNITS_PER_PACK, min(n, (p + 1) * UNITS_PER_PACK)):
                if rnd.random() < 0.3:
                    w(f"dispense,{t[5]},{cn('8301234', i)},,,,,,{dest[p]},,TX{i},\n")
                    sold += 1
        rows += sold
    return rows, ndist, npharm, sold


def raw_round_trips(d, req, runs):
    """(reply bytes, sorted seconds): request `req` (encoded) sent `runs`
    times on a connection of its own, each timed from the request to the
    reply's last byte, without Python's decoding (the server's part): the
    reply's length is learnt once, then only counted."""
    s = d.connect(timeout=120)
    s.send(req)
    whole, used = b"", 0
    for _ in range(100_000):
        whole += s.sock.recv(1 << 20)
        _, used = harness.parse_reply(whole)
        if used:
            break
    raw = []
    for _ in range(runs):
        t0 = time.perf_counter()
        s.send(req)
        got = 0
        while got < used:
            got += len(s.sock.recv(1 << 20))
        raw.append(time.perf_counter() - t0)
    s.close()
    return used, sorted(raw)


def timed(c, *args):
    t0 = time.perf_counter()
    r = c.call(*args)
    return time.perf_counter() - t0, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=1_000_000)
    ap.add_argument("--sites", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=20)
    a = ap.parse_args()
    n, nsites, runs = min(a.units, 20_000_000), max(10, min(a.sites, 99_999)), min(a.runs, 1000)
    work = os.path.join(ROOT, "build", "bench-impact")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    d = harness.Yimad("--log-level", "warn")
    try:
        t0 = time.time()
        rows, ndist, npharm, sold = write_files(work, n, nsites)
        print(f"files: {rows} event rows for {n} units over {1 + ndist + npharm} sites "
              f"({ndist} distributors, {npharm} pharmacies), {sold} sales; "
              f"written in {time.time() - t0:.1f} s")
        t0 = time.time()
        p = subprocess.run([harness.YIMA, "-p", str(d.port), "load",
                            *(os.path.join(work, x) for x in ("sites.csv", "products.csv",
                                                              "events.csv"))],
                           capture_output=True, text=True, timeout=3600)
        if p.returncode != 0:
            sys.exit(f"load failed: {p.stdout[-2000:]} {p.stderr[-2000:]}")
        print(f"load: {p.stdout.strip().splitlines()[-1]} ({time.time() - t0:.1f} s)")
        c = d.connect(timeout=120)
        c.call("HELLO", "3")
        # One reply decoded in Python (slow for megabytes: not timed) to check it.
        r = c.call("IMPACT", "8301234", "L1")
        if isinstance(r, harness.Error):
            sys.exit(f"IMPACT: {r}")
        t = r[b"totals"]
        print(f"IMPACT 8301234 L1: {t[b'units']} units ({t[b'in_stock']} in stock, "
              f"{t[b'in_transit']} in transit, {t[b'dispensed']} dispensed), "
              f"{t[b'sites']} sites, {len(r[b'edges'])} edges, {len(r[b'transit'])} "
              f"transit flows")
        if t[b"units"] != n or t[b"dispensed"] != sold or t[b"sites"] != 1 + ndist + npharm:
            sys.exit("IMPACT totals do not match what was loaded")
        used, raw = raw_round_trips(d, harness.encode("IMPACT", "8301234", "L1"), runs)
        print(f"IMPACT reply {used} bytes (RESP2); request to last byte: min "
              f"{raw[0] * 1000:.1f} ms, median {raw[len(raw) // 2] * 1000:.1f} ms, max "
              f"{raw[-1] * 1000:.1f} ms")
        dt, r = timed(c, "CODES", "8301234", "L1", "SITE", "PHA00007", "LEVEL", "1",
                      "COUNT", "10000")
        print(f"CODES of one pharmacy: {len(r[b'codes'])} codes in {dt * 1000:.1f} ms "
              f"(one page; next: {r[b'next']})")
        dt, r = timed(c, "RECALL", "8301234", "L1", "LEVEL", "1", "REASON", "bench")
        print(f"RECALL of the {n}-unit lot: {dt * 1000:.2f} ms (durable: includes the commit)")
        dt, r = timed(c, "VERIFY", cn("8301234", n // 2))
        print(f"VERIFY of one of its units after the recall: {r[b'verdict'].decode()} "
              f"{[x.decode() for x in r[b'reasons']]} ({dt * 1000:.2f} ms)")
        r = c.call("IMPACT", "8301234", "L1")
        print(f"IMPACT after the recall: status {r[b'status'].decode()}, level {r[b'level']}, "
              f"past deadline {r[b'totals'][b'past_deadline']}")
    finally:
        d.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
