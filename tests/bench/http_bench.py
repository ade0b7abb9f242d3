#!/usr/bin/env python3
"""VERIFY over HTTP beside VERIFY over RESP, in one run against one yimad:
yima-bench (RESP, pipeline 1) and wrk (HTTP/1.1 keep-alive, GET
/v1/verify) each with the same connections, for the same time, over the
same codes drawn at random (seeded); reports requests/s and p50/p99 of
each side by side, and writes the table to tests/bench/HTTP.md.

  python3 tests/bench/http_bench.py [--units 200000] [--conns 50]
                                    [--seconds 15] [--seed 1]

Needs wrk (config/install-deps.sh bench).  Files go under
build/bench-http/ (removed at the end); loopback only; every run is
bounded by --seconds.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
import compare  # noqa: E402

WRK_SCRIPT = """
local codes = {}
local seed = %d
function init(args)
  for line in io.lines("%s") do codes[#codes + 1] = line end
  math.randomseed(seed + tonumber(string.format("%%d", wrk.thread:get("id") or 0)))
end
function setup(thread)
  thread:set("id", %d)
end
request = function()
  return wrk.format("GET", "/v1/verify?code=" .. codes[math.random(#codes)])
end
"""


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def wrk_ms(text, pct):
    """wrk's latency distribution line for pct ("99%"), in ms."""
    m = re.search(r"^\s*%s\s+([\d.]+)(us|ms|s)\s*$" % re.escape(pct), text, re.M)
    if not m:
        raise SystemExit(f"http_bench: no {pct} line in wrk's output:\n{text}")
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=200000)
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--yimad", default=os.path.join(ROOT, "bin", "yimad"))
    ap.add_argument("--results", default=os.path.join(HERE, "HTTP.md"))
    a = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("http_bench: wrk is missing: sh config/install-deps.sh bench")
    print(f"http_bench: seed {a.seed}", flush=True)
    work = os.path.join(ROOT, "build", "bench-http")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    bindir = os.path.join(ROOT, "bin")
    gen = os.path.join(work, "gen")
    run([os.path.join(bindir, "yima-gen"), "--units", str(a.units), "--seed", str(a.seed),
         "--today", "2027-03-15", "--out", gen])
    data, port_file = os.path.join(work, "data"), os.path.join(work, "port")
    http_port = harness.free_port()
    log = open(os.path.join(work, "yimad.log"), "wb")
    proc = subprocess.Popen([a.yimad, "--bind", "127.0.0.1", "--port", "0", "--port-file",
                             port_file, "--http-port", str(http_port), "--data", data,
                             "--log-level", "warn", "--clock-today", "2027-03-15T12:00:00"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(500):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            if proc.poll() is not None:
                raise SystemExit("http_bench: yimad exited at start")
            harness.time.sleep(0.01)
        port = int(open(port_file).read().split()[0])
        run([os.path.join(bindir, "yima"), "-p", str(port), "load",
             os.path.join(gen, "sites.csv"), os.path.join(gen, "products.csv"),
             os.path.join(gen, "events.csv")], timeout=600)
        units = os.path.join(work, "units.csv")
        compare.write_units(gen, units)
        # Every sales unit's code (level 1), as yima-bench's VERIFY asks.
        codes = []
        with open(units) as f:
            for line in f:
                cols = line.rstrip("\n").split(",")
                if len(cols) > 4 and cols[4] == "1":
                    codes.append(cols[0])
        sample = os.path.join(work, "codes.txt")
        with open(sample, "w") as f:
            f.write("\n".join(codes) + "\n")
        bench = run([os.path.join(bindir, "yima-bench"), "-p", str(port), "--sample", sample,
                     "--workload", "verify", "-c", str(a.conns), "-P", "1",
                     "--duration", str(a.seconds), "--seed", str(a.seed), "--json"],
                    timeout=a.seconds + 120)
        r = json.loads(bench.stdout)["ops"]["verify"]
        resp = (r["throughput"], r["latency_ms"]["p50"], r["latency_ms"]["p99"], r["count"])
        script = os.path.join(work, "verify.lua")
        with open(script, "w") as f:
            f.write(WRK_SCRIPT % (a.seed, sample, a.seed))
        threads = min(2, a.conns)
        w = run(["wrk", "-t", str(threads), "-c", str(a.conns), "-d", f"{a.seconds:g}s",
                 "--latency", "-s", script, f"http://127.0.0.1:{http_port}/"],
                timeout=a.seconds + 120)
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", w.stdout).group(1))
        n = int(re.search(r"(\d+) requests in", w.stdout).group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", w.stdout)
        if non2xx:
            raise SystemExit(f"http_bench: {non2xx.group(1)} HTTP errors:\n{w.stdout}")
        http = (rps, wrk_ms(w.stdout, "50%"), wrk_ms(w.stdout, "99%"), n)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()
    rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    lines = [
        "# VERIFY over HTTP and over RESP",
        "",
        "Written by `tests/bench/http_bench.py` (one run, one yimad, the same codes).",
        "",
        f"Date {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC; commit {rev}; "
        f"{os.cpu_count()} cores, Linux {platform.release()}; {a.units:,} units "
        f"(yima-gen --seed {a.seed}); {len(codes):,} sales-unit codes drawn at "
        f"random (seed {a.seed}); {a.conns} connections; {a.seconds:g} s each; clients "
        f"on the same cores: yima-bench (RESP, pipeline 1), wrk -t{threads} "
        "(HTTP/1.1 keep-alive, `GET /v1/verify?code=…`), both as a trusted local client.",
        "",
        "| protocol | requests | req/s | p50 ms | p99 ms |",
        "|---|---|---|---|---|",
        f"| RESP | {resp[3]:,} | {resp[0]:,.0f} | {resp[1]:.3f} | {resp[2]:.3f} |",
        f"| HTTP | {http[3]:,} | {http[0]:,.0f} | {http[1]:.3f} | {http[2]:.3f} |",
        "",
        f"HTTP/RESP throughput: {http[0] / resp[0]:.2f}.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    with open(a.results, "w") as f:
        f.write(text)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
