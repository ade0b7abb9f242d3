#!/usr/bin/env python3
"""Cluster mode against one node, in one run on one machine (daemon/CLUSTER.md).

  python3 tests/bench/cluster_bench.py [--size N] [--duration S] [--conns C]
                                       [--seed N] [--json FILE]

One yimad alone, then three yimads on a 3-node NATS JetStream cluster, all
on 127.0.0.1, each loaded with the same yima-gen supply chain of N units
(default 100,000).  Figures:

  - durable DISPENSE req/s and p99: one node, and the cluster with the
    connections spread over its three nodes (yima-bench -h a,b,c);
  - VERIFY req/s at pipeline 1: one node, and each cluster node in turn;
  - replication lag under the DISPENSE load: INFO replication sampled on
    every node every 100 ms (entries not yet applied);
  - catch-up: a node stopped while the others take 20,000 writes, started
    again: entries it applied per second until level;
  - the write stall when the stream leader's nats-server is killed with
    -9: the longest time between acknowledged writes of one client.

Everything listens on 127.0.0.1 and is stopped by pid at the end; every
workload is bounded by --duration; data goes under build/cluster-bench/.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import compare  # noqa: E402
import harness  # noqa: E402
from natsctl import NatsCluster  # noqa: E402

BIN = os.path.join(ROOT, "bin")
TODAY = "2027-03-15"
CATCH_UP = 20000
log = compare.log


def check_ok(r):
    if isinstance(r, harness.Error):
        raise RuntimeError(f"a write failed: {r}")


def info_replication(d):
    c = d.connect(timeout=30)
    c.call("HELLO", "3")
    r = harness.info(c, "replication")
    c.close()
    return {k.decode(): v.decode() if isinstance(v, bytes) else v for k, v in r.items()}


def level(nodes, limit):
    """Wait until every node applied the stream's last entry; seconds taken."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        reps = [info_replication(d) for d in nodes]
        last = max(r["stream_last_seq"] for r in reps)
        if all(r["applied_seq"] >= last for r in reps):
            return time.monotonic() - t0
        time.sleep(0.05)
    raise RuntimeError(f"the nodes did not level within {limit} s")


def load(d, gen):
    p = subprocess.run([os.path.join(BIN, "yima"), "-p", str(d.port), "load",
                        *(os.path.join(gen, f) for f in ("sites.csv", "products.csv",
                                                         "events.csv"))],
                       capture_output=True, text=True, timeout=3600)
    if p.returncode != 0:
        raise RuntimeError(f"yima load: {p.stderr.strip()[-2000:]}")


class LagSampler(threading.Thread):
    """INFO replication's lag on every node, every 100 ms, until stopped."""

    def __init__(self, nodes):
        super().__init__(daemon=True)
        self.nodes, self.samples, self.stop = nodes, [], threading.Event()

    def run(self):
        while not self.stop.is_set():
            for d in self.nodes:
                r = info_replication(d)
                self.samples.append(max(0, r["stream_last_seq"] - r["applied_seq"]))
            self.stop.wait(0.1)


def write_stall(nats, node, seconds, kill_after):
    """One client writing SITE SET in a loop through node; the stream
    leader's nats-server killed with -9 after kill_after s; the longest
    time between two acknowledged writes, and how many failed."""
    c = node.connect(timeout=60)
    leader = nats.stream_leader("YIMA")
    acks, failed, killed = [], 0, False
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < seconds:
        if not killed and time.monotonic() - t0 >= kill_after:
            nats.kill9(leader)
            killed = True
        r = c.call("SITE", "SET", f"STALL{n}", "name", "x", "kind", "pharmacy")
        n += 1
        if isinstance(r, harness.Error):
            failed += 1
        else:
            acks.append(time.monotonic())
    c.close()
    gaps = [b - a for a, b in zip(acks, acks[1:])]
    return {"writes": len(acks), "failed": failed, "stall_s": max(gaps) if gaps else None,
            "leader": nats.server_name(leader)}, leader


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json")
    a = ap.parse_args()
    if not 1000 <= a.size <= 10_000_000 or not 1 <= a.duration <= 120:
        ap.error("--size from 1,000 to 10,000,000; --duration from 1 to 120 s")
    work = os.path.join(ROOT, "build", "cluster-bench")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    a.work = work
    gen = os.path.join(work, "gen")
    subprocess.run([os.path.join(BIN, "yima-gen"), "--units", str(a.size), "--seed",
                    str(a.seed), "--today", TODAY, "--out", gen], check=True,
                   capture_output=True, timeout=3600)
    units = os.path.join(work, "units.csv")
    compare.write_units(gen, units)
    sample = os.path.join(gen, "sample-codes.txt")
    res = {"size": a.size, "duration": a.duration, "conns": a.conns}

    # One node.
    d = harness.Yimad("--log-level", "warn")
    try:
        load(d, gen)
        sales = compare.find_sales(d.port, units, work)
        res["single_dispense"] = compare.bench("yima", d.port, sample, "dispense", 1,
                                               a.conns, a.duration, sales=sales)
        res["single_verify"] = compare.bench("yima", d.port, sample, "verify", 1, a.conns,
                                             a.duration)
    finally:
        d.close()

    # Three nodes.
    nats = NatsCluster(os.path.join(work, "nats"))
    nodes = []
    try:
        nats.start()
        for i in range(3):
            nodes.append(harness.Yimad("--log-level", "warn", "--cluster-nats-urls",
                                       nats.urls(), "--node-name", f"y{i + 1}",
                                       "--cluster-max-bytes", "1GiB"))
        load(nodes[0], gen)
        level(nodes, 600)
        sales = compare.find_sales(nodes[0].port, units, work)
        hosts = ",".join(f"127.0.0.1:{n.port}" for n in nodes)
        lag = LagSampler(nodes)
        lag.start()
        r = compare.bench("yima", nodes[0].port, sample, "dispense", 1, a.conns, a.duration,
                          sales=sales, extra=("-h", hosts))
        lag.stop.set()
        lag.join(30)
        res["cluster_dispense"] = r
        s = sorted(lag.samples)
        res["lag"] = {"samples": len(s), "max": s[-1] if s else None,
                      "median": s[len(s) // 2] if s else None,
                      "p99": s[int(len(s) * 0.99)] if s else None}
        res["cluster_verify"] = [compare.bench("yima", n.port, sample, "verify", 1, a.conns,
                                               a.duration / 2) for n in nodes]

        # Catch-up: the third node away while the others take CATCH_UP
        # writes (site records, pipelined 100 at a time).
        nodes[2].stop()
        before = info_replication(nodes[0])["applied_seq"]
        c = nodes[0].connect(timeout=60)
        for at in range(0, CATCH_UP, 100):
            c.send(b"".join(harness.encode("SITE", "SET", f"CU{i}", "name", "catch-up",
                                           "kind", "pharmacy")
                            for i in range(at, at + 100)))
            for _ in range(100):
                check_ok(c.reply())
        c.close()
        behind = info_replication(nodes[0])["applied_seq"] - before
        t0 = time.monotonic()
        nodes[2].start()
        took = level(nodes, 600)
        took_all = time.monotonic() - t0
        res["catch_up"] = {"entries": CATCH_UP, "messages": behind, "seconds": took_all,
                           "level_s": took,
                           "per_s": CATCH_UP / took_all if took_all else None}
        stall, leader = write_stall(nats, nodes[0], max(a.duration, 20), 3)
        res["leader_kill"] = stall
        nats.restart(leader)
    finally:
        for n in nodes:
            n.close()
        nats.stop()

    sd, cd = res["single_dispense"], res["cluster_dispense"]

    def p99(r, op):
        return r["ops"][op]["latency_ms"]["p99"]
    lines = [
        f"cluster bench: {a.size:,} units, {a.conns} connections, {a.duration:g} s a workload",
        "| measure | one node | three nodes |",
        "|---|---|---|",
        f"| durable DISPENSE req/s | {sd['throughput']:,.0f} | {cd['throughput']:,.0f} |",
        f"| durable DISPENSE p99 ms | {p99(sd, 'dispense'):.2f} | {p99(cd, 'dispense'):.2f} |",
        f"| VERIFY req/s, pipeline 1 (each node) | {res['single_verify']['throughput']:,.0f} | "
        + ", ".join(f"{v['throughput']:,.0f}" for v in res["cluster_verify"]) + " |",
        f"| replication lag under DISPENSE, stream messages (median / p99 / max) | – | "
        f"{res['lag']['median']} / {res['lag']['p99']} / {res['lag']['max']} |",
        f"| catch-up of a restarted node | – | {res['catch_up']['entries']:,} entries "
        f"({res['catch_up']['messages']:,} stream messages) in "
        f"{res['catch_up']['seconds']:.2f} s ({res['catch_up']['per_s']:,.0f} entries/s) |",
        f"| write stall, stream leader killed -9 | – | {res['leader_kill']['stall_s']:.1f} s "
        f"({res['leader_kill']['failed']} writes answered with an error) |",
    ]
    print("\n".join(lines))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1, default=str)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
