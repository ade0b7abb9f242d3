#!/usr/bin/env python3
"""yima side by side with Redis and PostgreSQL, in one run on one machine.

  python3 tests/bench/compare.py [--size N] [--duration S] [--conns C]
                                 [--peers redis,pg|none] [--results FILE] [--keep]
                                 [--yimad PATH] [--label NAME] [--json FILE]
  python3 tests/bench/compare.py --curve 1000000,10000000,100000000
  python3 tests/bench/compare.py --before B.json [...] --after A.json [...]

(tests/bench/run.sh builds first, then runs this.)

The comparison: yima-gen writes a supply chain of N units; `yima load`
takes it into a fresh yimad; yima-bench runs the workloads against it
(VERIFY at pipeline 1 and 16, durable DISPENSE, a 90/10 mix, and VERIFY at
half of its pipeline-1 peak for the latency target).  Then the same codes go
into Redis (SET code record; GET is the verify, SET sale:code NX with
appendfsync always the durable dispense) and into PostgreSQL (COPY into a
table, then its primary key and lot index; SELECT by code, and UPDATE ...
WHERE status = 'active' with synchronous_commit on), and yima-bench runs the
same workloads against each with the same connections and pipeline depth.
It prints one table of ratios (yima / peer) and writes RESULTS.md: date,
machine, commit and every figure, and what yimad's writer thread spent:
CPU µs per loaded unit and per DISPENSE (tests/bench/writer_cpu.py).

Before and after a change to yimad (tests/bench/before_after.sh): --yimad
runs another yimad build with the current clients, --label gives the run
its own RESULTS.md section, --json keeps its figures, and --before/--after
set such files side by side (the median of each side's rounds).

The cost curve (--curve): for each size, yima alone: generate, load, bytes
per unit, then yimad started again on the loaded store and, once it has
read the store in (the seconds that took), VERIFY throughput at pipeline 1
and 16 and durable DISPENSE of the sample's sellable codes.  A size is skipped, and
said so, when the disk has not room for it.

Every server is started here on a free loopback port and stopped at the end;
data goes under build/bench-run/ (removed unless --keep); every workload is
bounded by --duration.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from peers import PgServer, RedisServer  # noqa: E402
from writer_cpu import WriterMeter, span  # noqa: E402

BIN = os.path.join(ROOT, "bin")
SIZE_MAX = 100_000_000
# Bytes of disk per unit a size needs at its peak: events.csv (~280), the
# units file for the peers (~110), yima's store (~200), PostgreSQL (~150 +
# WAL), the Redis AOF (~120); with room to spare.
DISK_PER_UNIT = {"compare": 1400, "curve": 700}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ data

def generate(work, n, seed):
    out = os.path.join(work, "gen")
    t0 = time.monotonic()
    # The chain's "today" is the day yimad's clock starts on (harness.TODAY):
    # the same seed gives the same run on any date, and no lot has expired
    # between the chain's end and the daemon's day.
    subprocess.run([os.path.join(BIN, "yima-gen"), "--units", str(n), "--seed", str(seed),
                    "--today", harness.TODAY.isoformat(), "--out", out],
                   check=True, capture_output=True, timeout=7200)
    log(f"yima-gen: {n:,} units in {time.monotonic() - t0:.1f} s")
    return out


def write_units(gen, path):
    """One row per commissioned code for the peers, as the chain leaves it
    after packing: code, product, lot, expiry, level, status, holder,
    parent.  A code's pack rows follow its commissioning closely (yima-gen
    writes a case's life together), so only the current case is held."""
    rows = 0
    pending = {}
    with open(os.path.join(gen, "events.csv"), encoding="utf-8") as f, \
            open(path, "w", encoding="utf-8") as out:
        f.readline()
        last = ""

        def flush():
            for code, r in pending.items():
                out.write(",".join((code, *r)) + "\n")
            pending.clear()

        for line in f:
            # Codes, lots, sites and references hold no comma or quote.
            ev, _, code, parent, product, lot, expiry, level, frm = line.split(",", 9)[:9]
            if ev == "commission":
                if last != "commission":
                    flush()
                pending[code] = [product, lot, expiry, level, "active", frm, ""]
                rows += 1
            elif ev == "pack" and code in pending:
                pending[code][6] = parent
            last = ev
        flush()
    return rows


# ------------------------------------------------------------ yima-bench

def bench(target, port, sample, workload="verify", pipeline=1, conns=50, duration=10.0,
          rate=None, sales=None, sale_offset=0, extra=()):
    cmd = [os.path.join(BIN, "yima-bench"), "--target", target, "-p", str(port),
           "--sample", sample, "--workload", workload, "-c", str(conns), "-P", str(pipeline),
           "--duration", str(duration), "--json", *extra]
    if rate:
        cmd += ["--rate", str(int(rate))]
    if sales and workload != "verify":
        cmd += ["--sales", sales, "--sale-offset", str(sale_offset)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 900)
    if p.returncode == 2 and "no code left to sell" in p.stderr:
        log(f"  {target:<5} {workload:<8} skipped: {p.stderr.strip()}")
        return None
    if not p.stdout.strip():
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
    r = json.loads(p.stdout)
    r["stderr"] = p.stderr.strip()
    r["exit"] = p.returncode
    lat = r["ops"].get("verify" if workload != "dispense" else "dispense", {})
    log(f"  {target:<5} {workload:<8} P{pipeline:<2} {'rate ' + str(int(rate)) if rate else '':<12}"
        f" {r['throughput']:>10,.0f} req/s  p99 {lat.get('latency_ms', {}).get('p99', 0):.3f} ms"
        f"{'  (codes ran out)' if r['exhausted'] else ''}"
        f"{'  ERRORS: ' + p.stderr.strip() if p.returncode and not r['exhausted'] else ''}")
    return r


def workloads(target, port, sample, a, sales, meter=None):
    """The comparison's workloads against one server; returns {name: result}.
    Every server sells the codes of the same sales file in the same order;
    the mixed run starts after the codes the dispense run sold.  meter
    (yima's WriterMeter): the writer's CPU around the workloads that write,
    in res["writer_cpu"]: each DISPENSE is one write."""
    res = {}
    res["verify1"] = bench(target, port, sample, "verify", 1, a.conns, a.duration)
    res["verify16"] = bench(target, port, sample, "verify", 16, a.conns, a.duration)
    # The mix sells at a tenth of the rate: it goes first, so that a small
    # data set runs out of codes in the dispense run, which says so.
    cpu = {}
    w0 = meter.read() if meter else None
    res["mixed"] = bench(target, port, sample, "mixed", 1, a.conns, a.duration, sales=sales)
    w1 = meter.read() if meter else None
    res["dispense"] = bench(target, port, sample, "dispense", 1, a.conns, a.duration,
                            sales=sales, sale_offset=res["mixed"]["sales_used"])
    if meter:
        cpu["mixed"] = span(w0, w1)
        cpu["dispense"] = span(w1, meter.read())
        res["writer_cpu"] = cpu
    # --half-rate: one offered load for every run being compared; each
    # run's own half peak would load a faster build harder, and latency
    # grows with load.
    res["half_rate"] = a.half_rate or res["verify1"]["throughput"] / 2
    res["half"] = bench(target, port, sample, "verify", 1, a.conns, a.duration,
                        rate=res["half_rate"])
    return res


# ----------------------------------------------------------------- yima

def yima_store_bytes(d):
    st = os.stat(os.path.join(d.data, "data.mdb"))
    return st.st_blocks * 512


def find_sales(port, units, work):
    """The sales every server makes: yimad, loaded, says which unit codes
    are active and GREEN at a pharmacy or hospital (yima-bench
    --write-sales); yima-gen's sample is too small a pool for long runs."""
    codes = os.path.join(work, "unit-codes.txt")
    with open(units, encoding="utf-8") as f, open(codes, "w", encoding="utf-8") as out:
        for line in f:
            r = line.split(",", 5)
            if r[4] == "1":
                out.write(r[0] + "\n")
    sales = write_sales(port, codes, work)
    os.unlink(codes)
    return sales


def write_sales(port, codes, work):
    """sales.csv in work: those of codes yimad says may be sold, and where."""
    sales = os.path.join(work, "sales.csv")
    p = subprocess.run([os.path.join(BIN, "yima-bench"), "-p", str(port), "--sample", codes,
                        "--write-sales", sales, "--sites", os.path.join(work, "gen", "sites.csv")],
                       capture_output=True, text=True, timeout=3600)
    if p.returncode != 0:
        raise RuntimeError(f"yima-bench --write-sales: {p.stderr.strip()}")
    log(p.stderr.strip())
    return sales


def load_chain(loader, port, gen):
    """`yima load` (loader: which yima) of yima-gen's chain into the yimad
    on port: (seconds, its summary line)."""
    t0 = time.monotonic()
    p = subprocess.run([loader, "-p", str(port), "load",
                        *(os.path.join(gen, f) for f in ("sites.csv", "products.csv",
                                                         "events.csv"))],
                       capture_output=True, text=True, timeout=7200)
    load_s = time.monotonic() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{loader} load: exit {p.returncode}: {p.stderr.strip()[-2000:]}")
    return load_s, p.stdout.strip()


def run_yima(gen, n, a, units=None, curve=False):
    d = harness.Yimad("--log-level", "warn")
    try:
        meter = WriterMeter(d)     # at rest: it may have to find the thread
        w0 = meter.read()
        load_s, summary = load_chain(a.loader, d.port, gen)
        load_cpu = span(w0, meter.read(), per=n)
        size = yima_store_bytes(d)
        log(f"yima load: {load_s:.1f} s, {size / n:.1f} B/unit ({summary})")
        r = {"load_s": load_s, "bytes": size, "load_out": summary}
        sample = os.path.join(gen, "sample-codes.txt")
        if curve:
            r.update(restart_and_read_in(d))
            r["verify1"] = bench("yima", d.port, sample, "verify", 1, a.conns, a.duration)
            r["verify16"] = bench("yima", d.port, sample, "verify", 16, a.conns, a.duration)
            # The sample's sellable codes (up to a million at any size).
            r["dispense"] = bench("yima", d.port, sample, "dispense", 1, a.conns, a.duration,
                                  sales=write_sales(d.port, sample, a.work))
        else:
            r["sales"] = find_sales(d.port, units, a.work)
            r.update(workloads("yima", d.port, sample, a, r["sales"], meter))
        r["writer"] = meter.info()
        r.setdefault("writer_cpu", {})["load"] = load_cpu
        r["writer_cpu"].update(source=meter.source, why=meter.why)
        log("yima writer CPU: " + "; ".join(writer_cpu_lines(r)))
        return r
    finally:
        d.close()


def warm_threads(pid):
    """How many of yimad's threads are reading the store in (yimad-warm)."""
    n = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                n += f.read().strip() == "yimad-warm"
        except FileNotFoundError:
            pass
    return n


def wait_read_in(pid, timeout):
    """Wait for yimad (pid) to have read the store in; the seconds that took."""
    t0 = time.monotonic()
    while warm_threads(pid) and time.monotonic() - t0 < timeout:
        time.sleep(0.2)
    if warm_threads(pid):
        raise RuntimeError(f"yimad still reading the store in after {timeout} s")
    return time.monotonic() - t0


def restart_and_read_in(d, timeout=3600):
    """The cost curve measures VERIFY as a node serves it for days, not in
    the minutes after a load: yimad starts again on the loaded store (what
    the load left in the page cache stays there), and the runs begin once
    it has read the store in (STORE.md, "Warming the map"); how long that
    took is part of the curve."""
    d.restart(["--log-level", "info"])
    took = wait_read_in(d.proc.pid, timeout)
    said = [line.split("] ", 1)[-1] for line in d.output().splitlines()
            if "store" in line and ("warmed" in line or "read in" in line)]
    for line in said:
        log("yimad: " + line)
    return {"read_in_s": took, "read_in": said}


# --------------------------------------------------------------- peers

def run_redis(work, units, n, sample, sales, a):
    with RedisServer(os.path.join(work, "redis")) as rs:
        # SET code "product,lot,expiry,level,status,holder,parent", piped.
        t0 = time.monotonic()
        feed = subprocess.Popen(["redis-cli", "-p", str(rs.port), "--pipe"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        with open(units, encoding="utf-8") as f:
            chunk = []
            for line in f:
                code, rest = line.rstrip("\n").split(",", 1)
                k, v = code.encode(), rest.encode()
                chunk.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
                             % (len(k), k, len(v), v))
                if len(chunk) == 10000:
                    feed.stdin.write(b"".join(chunk))
                    chunk = []
            feed.stdin.write(b"".join(chunk))
        feed.stdin.close()
        out = feed.stdout.read().decode()
        if feed.wait(3600) != 0 or "errors: 0" not in out:
            raise RuntimeError("loading Redis: " + out)
        load_s = time.monotonic() - t0
        rs.durable_aof()
        mem = int(rs.info("memory")["used_memory"])
        aof = sum(os.path.getsize(os.path.join(dp, f))
                  for dp, _, fs in os.walk(rs.dir) for f in fs if "aof" in f)
        log(f"redis load: {load_s:.1f} s, used_memory {mem / n:.1f} B/unit, AOF {aof / n:.1f} B/unit")
        r = {"load_s": load_s, "memory": mem, "aof": aof}
        r.update(workloads("redis", rs.port, sample, a, sales))
        return r


PG_TABLE = ("CREATE TABLE units (code text, product text, lot text, expiry date, "
            "level smallint, status text, holder text, parent text, "
            "sold_site text, sold_tx text, sold_at timestamptz)")


def run_pg(work, units, n, sample, sales, a):
    pg = PgServer(os.path.join(work, "pg"),
                  settings=("shared_buffers=1GB", "max_connections=300"))
    pg.give(units)
    with pg:
        pg.psql(PG_TABLE)
        t0 = time.monotonic()
        pg.psql(f"COPY units (code, product, lot, expiry, level, status, holder, parent) "
                f"FROM '{units}' WITH (FORMAT csv)")
        copy_s = time.monotonic() - t0
        pg.psql("ALTER TABLE units ADD PRIMARY KEY (code)")
        pg.psql("CREATE INDEX units_lot ON units (product, lot)")
        load_s = time.monotonic() - t0
        pg.psql("VACUUM ANALYZE units")
        size = int(pg.psql("SELECT pg_total_relation_size('units')"))
        log(f"pg load: COPY {copy_s:.1f} s, with indexes {load_s:.1f} s, {size / n:.1f} B/unit")
        r = {"copy_s": copy_s, "load_s": load_s, "bytes": size}
        r.update(workloads("pg", pg.port, sample, a, sales))
        return r


# -------------------------------------------------------------- report

def machine():
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    # RESULTS.md, which an earlier run of a before/after pair has written,
    # is not a change to what is measured.
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no",
                            "--", ".", ":(exclude)tests/bench/RESULTS.md"],
                           capture_output=True, text=True).stdout.strip()
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cores": os.cpu_count(), "memory_gib": round(mem / 2**30, 1), "cpu": model,
            "kernel": platform.release(), "commit": commit + ("+changes" if dirty else "")}


def tput(r, key):
    return r[key]["throughput"] if r and r.get(key) else None


def p99(r, key, op="verify"):
    return r[key]["ops"][op]["latency_ms"]["p99"] if r and r.get(key) else None


def ratio_rows(n, y, rd, pg):
    """(measure, yima, redis, pg, yima/redis, yima/pg, target, met)."""
    def row(name, yv, rv, pv, target, good, fmt="{:,.0f}"):
        rr = yv / rv if yv and rv else None
        pr = yv / pv if yv and pv else None
        met = good(rr, pr, yv)
        return [name, fmt.format(yv) if yv is not None else "–",
                fmt.format(rv) if rv is not None else "–",
                fmt.format(pv) if pv is not None else "–",
                f"{rr:.2f}" if rr else "–", f"{pr:.2f}" if pr else "–", target,
                "–" if met is None else ("yes" if met else "**no**")]

    def ge(x, t):
        return None if x is None else x >= t

    def both(*xs):
        xs = [x for x in xs if x is not None]
        return all(xs) if xs else None

    rows = [
        row("VERIFY req/s, pipeline 1", tput(y, "verify1"), tput(rd, "verify1"),
            tput(pg, "verify1"), "≥ 1.0× Redis", lambda r, p, v: ge(r, 1.0)),
        row("VERIFY req/s, pipeline 16", tput(y, "verify16"), tput(rd, "verify16"),
            tput(pg, "verify16"), "≥ 1.0× Redis", lambda r, p, v: ge(r, 1.0)),
        row("durable DISPENSE req/s", tput(y, "dispense"), tput(rd, "dispense"),
            tput(pg, "dispense"), "≥ 1.0× Redis, ≥ 3× PG",
            lambda r, p, v: both(ge(r, 1.0), ge(p, 3.0))),
        row("mixed 90/10 req/s", tput(y, "mixed"), tput(rd, "mixed"), tput(pg, "mixed"),
            "", lambda r, p, v: None),
        row("bulk load, units/s", n / y["load_s"], None,
            n / pg["load_s"] if pg else None, "≥ 2× PG", lambda r, p, v: ge(p, 2.0)),
        row("disk bytes per unit", y["bytes"] / n, None, pg["bytes"] / n if pg else None,
            "≤ 0.5× PG", lambda r, p, v: None if p is None else p <= 0.5, "{:.1f}"),
        row("VERIFY p99 ms at half of peak", p99(y, "half"), p99(rd, "half"), p99(pg, "half"),
            "< 1 ms", lambda r, p, v: None if v is None else v < 1.0, "{:.3f}"),
    ]
    return rows


def us(x):
    return "–" if x is None else f"{x:,.1f}"


def writer_cpu_lines(y):
    """The writer's CPU per loaded unit and per DISPENSE, in words."""
    c = y.get("writer_cpu", {})
    per = [f"writer CPU µs per loaded unit: {us(c.get('load', {}).get('us_per'))}"]
    for key, label in (("dispense", "DISPENSE P1"), ("mixed", "mixed 90/10")):
        if key in c:
            per.append(f"writer CPU µs per DISPENSE ({label}): {us(c[key]['us_per'])}")
    how = c.get("source") or c.get("why") or "not measured"
    return per + [f"measured from {how}"]


def writer_cpu_table(y, n):
    c = y.get("writer_cpu", {})
    rows = []
    for key, label, per in (("load", "`yima load`", f"loaded unit ({n:,} units)"),
                            ("dispense", "DISPENSE P1", "DISPENSE"),
                            ("mixed", "mixed 90/10 P1", "DISPENSE")):
        s = c.get(key)
        if s is None:
            continue
        group = f"{s['writes'] / s['commits']:.1f}" if s["commits"] else "–"
        rows.append([label, "–" if s["cpu_s"] is None else f"{s['cpu_s']:.3f}",
                     f"{s['writes']:,}", group, f"{us(s['us_per'])} per {per}"])
    return md_table(["workload", "writer CPU s", "writes", "mean group", "writer CPU µs"],
                    rows)


def md_table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def figures_table(name, r):
    rows = []
    for key, label in (("verify1", "VERIFY P1"), ("verify16", "VERIFY P16"),
                       ("dispense", "DISPENSE P1"), ("mixed", "mixed 90/10 P1"),
                       ("half", "VERIFY P1 at half peak")):
        x = r.get(key)
        if not x:
            continue
        for op, o in x["ops"].items():
            lat = o["latency_ms"]
            note = "codes ran out" if x["exhausted"] else ""
            if o["errors"] or o["unexpected"]:
                note += f" {o['errors']} errors, {o['unexpected']} unexpected"
            rows.append([name, label, op, f"{o['count']:,}", f"{x['seconds']:.1f}",
                         f"{o['throughput']:,.0f}", f"{lat['p50']:.3f}", f"{lat['p90']:.3f}",
                         f"{lat['p99']:.3f}", f"{lat['p99_9']:.3f}", f"{lat['max']:.3f}",
                         note.strip()])
    return rows


def yimad_build(path):
    """The yimad a run used: its path, and the commit of the checkout it
    was built in (a checkout's bin/yimad; "+changes" when what yimad is
    built from there has uncommitted changes), when that can be told."""
    path = os.path.realpath(path)
    top = os.path.dirname(os.path.dirname(path))
    root = os.path.realpath(ROOT)
    shown = os.path.relpath(path, root) if path.startswith(root + os.sep) else path

    def git(*args):
        return subprocess.run(["git", "-C", top, *args], capture_output=True,
                              text=True).stdout.strip()

    if os.path.realpath(git("rev-parse", "--show-toplevel") or "/nonexistent") != top:
        return shown
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "daemon", "proto",
                "Makefile")
    return f"{shown} (commit {git('rev-parse', '--short', 'HEAD')}{'+changes' if dirty else ''})"


def replace_section(path, tag, text):
    """RESULTS.md holds one section per kind of run, between markers, so a
    comparison and a cost curve can be rerun apart."""
    begin, end = f"<!-- {tag} -->", f"<!-- /{tag} -->"
    body = f"{begin}\n{text.rstrip()}\n{end}\n"
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else \
        "# Benchmarks: yima, Redis and PostgreSQL side by side\n\n" \
        "Written by `tests/bench/run.sh` (see clients/BENCH.md); each section is " \
        "replaced by the next run of its kind.\n\n"
    if begin in old and end in old:
        new = old[:old.index(begin)] + body + old[old.index(end) + len(end) + 1:]
    else:
        new = old.rstrip() + "\n\n" + body
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)


def describe(m, a, n):
    """n: the units of the run, or a text such as the curve's sizes."""
    units = f"{n:,}" if isinstance(n, int) else n
    return (f"Date {m['date']}; commit {m['commit']}; {m['cores']} cores ({m['cpu']}), "
            f"{m['memory_gib']} GiB memory, Linux {m['kernel']}.  {units} units "
            f"(yima-gen --seed {a.seed}); {a.conns} connections for every server; "
            f"{a.duration:g} s per workload; client yima-bench on the same cores; "
            f"yimad {m['yimad']}.")


def report_compare(a, n, m, y, rd, pg):
    head = ["measure", "yima", "Redis", "PostgreSQL", "yima/Redis", "yima/PG", "target", "met"]
    rows = ratio_rows(n, y, rd, pg)
    print(md_table(head, rows))
    fig = figures_table("yima", y)
    if rd:
        fig += figures_table("Redis", rd)
    if pg:
        fig += figures_table("PostgreSQL", pg)
    fhead = ["server", "workload", "op", "requests", "s", "req/s", "p50 ms", "p90 ms", "p99 ms",
             "p99.9 ms", "max ms", "note"]
    loads = [["yima", "`yima load` of sites, products, events.csv", f"{y['load_s']:.1f}",
              f"{n / y['load_s']:,.0f}", f"{y['bytes'] / n:.1f}", "data.mdb"]]
    if pg:
        loads.append(["PostgreSQL", f"COPY {pg['copy_s']:.1f} s + primary key + lot index",
                      f"{pg['load_s']:.1f}", f"{n / pg['load_s']:,.0f}",
                      f"{pg['bytes'] / n:.1f}", "pg_total_relation_size"])
    if rd:
        loads.append(["Redis", "SET of every code (redis-cli --pipe)", f"{rd['load_s']:.1f}",
                      f"{n / rd['load_s']:,.0f}", f"{rd['aof'] / n:.1f}",
                      f"AOF; used_memory {rd['memory'] / n:.1f} B/unit"])
    lhead = ["server", "load", "seconds", "units/s", "bytes/unit", "measured as"]
    notes = []
    for name, r in (("yima", y), ("Redis", rd), ("PostgreSQL", pg)):
        for key in ("verify1", "verify16", "dispense", "mixed", "half"):
            if r and r.get(key) and r[key]["stderr"]:
                notes.append(f"- {name} {key}: {r[key]['stderr'].splitlines()[-1]}")
    print("\n".join(writer_cpu_lines(y)))
    cmd = f"tests/bench/run.sh --size {n}"
    if not rd and not pg:
        cmd += " --peers none"
    if a.yimad:
        cmd += " --yimad " + os.path.relpath(a.yimad, ROOT)
    if a.label:
        cmd += " --label " + a.label
    title = "Side by side" if rd or pg else "yima alone"
    if a.label:
        title += ", " + a.label
    text = (f"## {title} (`{cmd}`)\n\n{describe(m, a, n)}\n\n"
            f"{md_table(head, rows)}\n\n### Every figure\n\n{md_table(fhead, fig)}\n\n"
            f"### Loads\n\n{md_table(lhead, loads)}\n\n"
            f"yima writer during the run: {y['writer'].get('commits')} commits, mean group "
            f"{float(y['writer'].get('mean_group_size', 0)):.1f}; its CPU "
            f"(from {y['writer_cpu']['source'] or y['writer_cpu']['why']}):\n\n"
            f"{writer_cpu_table(y, n)}\n")
    if notes:
        text += "\nWhat the client said:\n\n" + "\n".join(notes) + "\n"
    replace_section(a.results, "compare-" + a.label if a.label else "compare", text)


def report_curve(a, m, rows):
    head = ["units", "load s", "units/s", "bytes/unit", "read in s", "VERIFY P1 req/s",
            "P1 p99 ms", "VERIFY P16 req/s", "P16 p99 ms", "DISPENSE req/s", "DISPENSE p99 ms"]
    print(md_table(head, rows))
    sizes = ", ".join(f"{r[0]}" for r in rows)
    text = (f"## Cost curve (`tests/bench/run.sh --curve ...`)\n\n{describe(m, a, sizes)}\n\n"
            f"{md_table(head, rows)}\n")
    replace_section(a.results, "curve", text)


# ------------------------------------------------------ before and after

# The most a workload may lose to a change (percent).
SLOWER_MAX = 5.0
# (measure, its figure in a --json document, what the change must do:
# "rate" not drop by more than SLOWER_MAX %, "latency" not rise by more
# than that, "cpu" drop).
BEFORE_AFTER = (
    ("VERIFY req/s, pipeline 1", lambda d: tput(d["yima"], "verify1"), "rate"),
    ("VERIFY req/s, pipeline 16", lambda d: tput(d["yima"], "verify16"), "rate"),
    ("durable DISPENSE req/s", lambda d: tput(d["yima"], "dispense"), "rate"),
    ("mixed 90/10 req/s", lambda d: tput(d["yima"], "mixed"), "rate"),
    ("VERIFY p99 ms at half of peak", lambda d: p99(d["yima"], "half"), "latency"),
    ("bulk load, units/s", lambda d: d["size"] / d["yima"]["load_s"], "rate"),
    ("writer CPU µs per loaded unit", lambda d: writer_us(d, "load"), "cpu"),
    ("writer CPU µs per DISPENSE (DISPENSE P1)", lambda d: writer_us(d, "dispense"), "cpu"),
    ("writer CPU µs per DISPENSE (mixed 90/10)", lambda d: writer_us(d, "mixed"), "cpu"),
)


def writer_us(doc, key):
    return doc["yima"].get("writer_cpu", {}).get(key, {}).get("us_per")


def median_spread(xs):
    """The median of the known figures, and half their range as a
    percentage of it (None when unknown or from one run)."""
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None, None
    mid = len(xs) // 2
    med = xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2
    spread = (xs[-1] - xs[0]) / 2 / med * 100 if len(xs) > 1 and med else None
    return med, spread


def before_after_rows(bs, afs):
    """[measure, before, after, change %, goal, met] for two lists of
    --json documents (rounds): each side's median, with ± half its range
    when there were several rounds."""
    rows = []
    for name, fig, kind in BEFORE_AFTER:
        (x, xs), (y, ys) = (median_spread([fig(d) for d in bs]),
                            median_spread([fig(d) for d in afs]))
        change = (y / x - 1) * 100 if x and y is not None else None
        if kind == "rate":
            fmt, goal = "{:,.0f}", f"≥ −{SLOWER_MAX:g} %"
            met = None if change is None else change >= -SLOWER_MAX
        elif kind == "latency":
            fmt, goal = "{:,.3f}", f"≤ +{SLOWER_MAX:g} %"
            met = None if change is None else change <= SLOWER_MAX
        else:
            fmt, goal = "{:,.1f}", "lower"
            met = None if change is None else y < x

        def cell(v, spread):
            if v is None:
                return "–"
            return fmt.format(v) + ("" if spread is None else f" ±{spread:.1f} %")
        rows.append([name, cell(x, xs), cell(y, ys),
                     "–" if change is None else f"{change:+.1f} %", goal,
                     "–" if met is None else ("yes" if met else "**no**")])
    return rows


def before_after(a):
    """--before/--after: print the runs side by side, with what the reader
    needs to trust the table, and write it to RESULTS.md."""
    sides = []
    for paths in (a.before, a.after):
        docs = []
        for path in paths:
            with open(path, encoding="utf-8") as f:
                docs.append(json.load(f))
        sides.append(docs)
    bs, afs = sides
    first = bs[0]
    lines = []
    for name, docs in (("before", bs), ("after", afs)):
        lines.append(f"- {name}: yimad {docs[0]['machine']['yimad']}, run "
                     + ", ".join(d["machine"]["date"] for d in docs))
    for d in bs[1:] + afs:
        for what in ("size", "duration", "conns", "seed"):
            x = first[what] if what == "size" else first["args"][what]
            y = d[what] if what == "size" else d["args"][what]
            if x != y:
                lines.append(f"- **not comparable**: {what} {x} in one run, {y} in another")
    rates = {round(d["yima"].get("half_rate", 0)) for d in bs + afs}
    if len(rates) == 1:
        lines.append(f"- VERIFY p99 at one offered load for every run: {rates.pop():,} req/s")
    else:
        lines.append("- VERIFY p99 at each run's own half peak (offered loads "
                     + ", ".join(f"{r:,}" for r in sorted(rates)) + " req/s): a faster "
                     "build is loaded harder")
    for name, docs in (("before", bs), ("after", afs)):
        for i, d in enumerate(docs):
            run = name if len(docs) == 1 else f"{name} #{i + 1}"
            c = d["yima"].get("writer_cpu", {})
            groups = [f"{label} {s['writes'] / s['commits']:.1f}"
                      for key, label in (("load", "load"), ("dispense", "DISPENSE P1"),
                                         ("mixed", "mixed"))
                      for s in [c.get(key)] if s and s.get("commits")]
            lines.append(f"- {run}: writer CPU from {c.get('source') or c.get('why')}; "
                         "writes per commit (larger groups cost the writer less per "
                         "write): " + (", ".join(groups) or "–"))
            for key in ("verify1", "verify16", "dispense", "mixed", "half"):
                r = d["yima"].get(key)
                if r and r["exhausted"]:
                    lines.append(f"- {run} {key}: the codes to sell ran out")
    m = first["machine"]
    head = ["measure", "before", "after", "change", "goal", "met"]
    table = md_table(head, before_after_rows(bs, afs))
    rounds = "" if len(bs) == len(afs) == 1 else \
        (f" {len(bs)} rounds, before and after in turn: each figure is the median of its "
         "runs, ± half their range;")
    print(table)
    print("\n".join(lines))
    text = (f"## Before and after (`tests/bench/before_after.sh`)\n\n"
            f"{first['size']:,} units (yima-gen --seed {first['args']['seed']}); "
            f"{first['args']['conns']} connections; {first['args']['duration']:g} s per "
            f"workload; {m['cores']} cores ({m['cpu']}), Linux {m['kernel']}; yima alone, "
            f"the two yimad builds run one after the other with the same clients (commit "
            f"{afs[0]['machine']['commit']});{rounds} goals: no workload more than "
            f"{SLOWER_MAX:g} % slower, the writer's CPU lower.\n\n{table}\n\n"
            + "\n".join(lines) + "\n")
    replace_section(a.results, "before-after", text)


# ---------------------------------------------------------------- main

def disk_ok(work, n, kind):
    free = shutil.disk_usage(work).free
    need = n * DISK_PER_UNIT[kind]
    if free < need:
        log(f"skipping {n:,} units: needs about {need / 1e9:.0f} GB of disk, "
            f"{free / 1e9:.0f} GB free")
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=1_000_000, help="units (default 1,000,000)")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds per workload")
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--half-rate", type=float, metavar="REQ_S",
                    help="the latency run's offered load (default: half of this run's "
                         "pipeline-1 VERIFY peak)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--peers", default="redis,pg", help="redis,pg, one of them, or none")
    ap.add_argument("--curve", help="comma-separated sizes: the cost curve, yima only")
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench-run"))
    ap.add_argument("--keep", action="store_true", help="keep generated data and stores")
    ap.add_argument("--yimad", help="run this yimad instead of bin/yimad (the clients stay "
                    "bin/'s)")
    ap.add_argument("--label", help="a name for the run: its own RESULTS.md section")
    ap.add_argument("--json", help="write the run's figures to this file")
    ap.add_argument("--before", nargs="+", metavar="JSON",
                    help="with --after: --json files side by side (no run)")
    ap.add_argument("--after", nargs="+", metavar="JSON")
    a = ap.parse_args()
    if a.before or a.after:
        if not (a.before and a.after):
            ap.error("--before and --after go together")
        before_after(a)
        return
    if a.label and not all(ch.isalnum() or ch in "._-" for ch in a.label):
        ap.error("--label takes letters, digits, '.', '_' and '-'")
    peers = set(p for p in a.peers.split(",") if p and p != "none")
    if peers - {"redis", "pg"}:
        ap.error("--peers takes redis, pg or none")
    sizes = [int(s) for s in a.curve.split(",")] if a.curve else [a.size]
    for s in sizes:
        if not 1000 <= s <= SIZE_MAX:
            ap.error(f"sizes go from 1000 to {SIZE_MAX:,}, not {s:,}")
    if not 1 <= a.duration <= 600:
        ap.error("--duration goes from 1 to 600 seconds")
    if not 1 <= a.conns <= 1000:
        ap.error("--conns goes from 1 to 1000")
    for prog in ("yima", "yimad", "yima-gen", "yima-bench"):
        if not os.access(os.path.join(BIN, prog), os.X_OK):
            sys.exit(f"compare.py: {BIN}/{prog} is missing: run make first")
    if a.yimad:
        if not os.access(a.yimad, os.X_OK):
            sys.exit(f"compare.py: --yimad {a.yimad} is not an executable file")
        a.yimad = os.path.abspath(a.yimad)
        harness.YIMAD = a.yimad
    # A load is its client and its server together (how rows are batched
    # is the client's): with --yimad, the yima beside it loads, when there
    # is one.  The workloads' client (yima-bench) stays this checkout's.
    a.loader = os.path.join(BIN, "yima")
    if a.yimad and os.access(os.path.join(os.path.dirname(a.yimad), "yima"), os.X_OK):
        a.loader = os.path.join(os.path.dirname(a.yimad), "yima")
    m = machine()
    m["yimad"] = yimad_build(harness.YIMAD)
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    try:
        if a.curve:
            rows = []
            for n in sizes:
                if not disk_ok(a.work, n, "curve"):
                    rows.append([f"{n:,}", "skipped: not enough disk"] + [""] * 9)
                    continue
                gen = generate(a.work, n, a.seed)
                y = run_yima(gen, n, a, curve=True)
                shutil.rmtree(gen, ignore_errors=True)
                rows.append([f"{n:,}", f"{y['load_s']:.1f}", f"{n / y['load_s']:,.0f}",
                             f"{y['bytes'] / n:.1f}", f"{y['read_in_s']:.1f}",
                             f"{tput(y, 'verify1'):,.0f}",
                             f"{p99(y, 'verify1'):.3f}", f"{tput(y, 'verify16'):,.0f}",
                             f"{p99(y, 'verify16'):.3f}",
                             "no code left to sell" if not y.get("dispense") else
                             f"{tput(y, 'dispense'):,.0f}",
                             "" if not y.get("dispense") else
                             f"{p99(y, 'dispense', 'dispense'):.3f}"])
            report_curve(a, m, rows)
            return
        n = a.size
        if not disk_ok(a.work, n, "compare"):
            sys.exit(1)
        gen = generate(a.work, n, a.seed)
        sample = os.path.join(gen, "sample-codes.txt")
        units = os.path.join(a.work, "units.csv")
        rd = pg = None
        t0 = time.monotonic()
        rows = write_units(gen, units)
        log(f"units.csv: {rows:,} codes in {time.monotonic() - t0:.1f} s")
        y = run_yima(gen, n, a, units)
        if "redis" in peers:
            rd = run_redis(a.work, units, n, sample, y["sales"], a)
        if "pg" in peers:
            pg = run_pg(a.work, units, n, sample, y["sales"], a)
        report_compare(a, n, m, y, rd, pg)
        if a.json:
            with open(a.json, "w", encoding="utf-8") as f:
                json.dump({"label": a.label, "size": n, "machine": m,
                           "args": {"duration": a.duration, "conns": a.conns, "seed": a.seed,
                                    "half_rate": a.half_rate, "peers": sorted(peers)},
                           "yima": y, "redis": rd, "pg": pg}, f, indent=1)
    finally:
        if not a.keep:
            shutil.rmtree(a.work, ignore_errors=True)


if __name__ == "__main__":
    main()
