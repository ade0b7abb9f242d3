"""yima-bench smoke run (about 10 s): a small yima-gen data set loaded into a
real yimad, each workload run briefly, and the figures checked against the
server's own answers — verdict shares against an independent VERIFY of
every sampled code, every sale a first sale that the store then shows as
dispensed, nothing sold twice — plus the errors a user can make — and the
Redis target against a real redis-server (GET, SET NX duplicates; the test
fails when redis-server is not installed)."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

from harness import BIN, TestFailure, Yimad, check, day, encode, eq, parse_reply

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from peers import RedisServer, free_port  # noqa: E402
import compare  # noqa: E402
import writer_cpu  # noqa: E402

BENCH = os.path.join(BIN, "yima-bench")
UNITS = 20000


def run(*args, rc=0):
    p = subprocess.run([BENCH, *args], capture_output=True, text=True, timeout=120)
    if rc is not None and p.returncode != rc:
        raise TestFailure(f"yima-bench {' '.join(args)}: exit {p.returncode}, want {rc}\n"
                          f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def run_json(*args, rc=0):
    p = run(*args, "--json", rc=rc)
    return json.loads(p.stdout), p.stderr


def verify_all(port, codes):
    """{code: (verdict, status, units sold)} from VERIFY of each code."""
    out = {}
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        buf = b""
        for i in range(0, len(codes), 1000):
            chunk = codes[i:i + 1000]
            s.sendall(b"".join(encode("VERIFY", c) for c in chunk))
            for c in chunk:
                while True:
                    v, used = parse_reply(buf)
                    if used:
                        buf = buf[used:]
                        break
                    buf += s.recv(1 << 16)
                m = dict(zip(v[::2], v[1::2]))
                out[c] = (m[b"verdict"].decode(), m[b"status"].decode(), m[b"dispensed"])
    return out


def ok_run(r, op, count=None):
    o = r["ops"][op]
    eq(o["errors"], 0, f"{op} error replies")
    eq(o["unexpected"], 0, f"{op} unexpected replies")
    check(r["throughput"] > 0 and o["throughput"] > 0, f"{op}: no throughput: {r}")
    lat = o["latency_ms"]
    check(0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p99_9"] <= lat["max"] * 1.04,
          f"{op}: percentiles out of order: {lat}")
    if count is not None:
        eq(o["count"], count, f"{op} requests answered")
    return o


def test_bench_smoke():
    gen = tempfile.mkdtemp(prefix="yima-bench-")
    d = Yimad("--log-level", "warn")
    try:
        # The data set ends on the day yimad's clock is pinned to.
        subprocess.run([os.path.join(BIN, "yima-gen"), "--units", str(UNITS), "--today", day(),
                        "--out", gen], check=True, capture_output=True, timeout=60)
        subprocess.run([os.path.join(BIN, "yima"), "-p", str(d.port), "load",
                        *(os.path.join(gen, f) for f in ("sites.csv", "products.csv",
                                                         "events.csv"))],
                       check=True, capture_output=True, timeout=120)
        sample = os.path.join(gen, "sample-codes.txt")
        codes = open(sample).read().split()
        port = str(d.port)
        before = verify_all(d.port, codes)

        # VERIFY, uniform: the verdict shares are the sample's own (a
        # request bound, not a duration: enough replies for the shares
        # however slow the build, as under a sanitizer).
        r, _ = run_json("-p", port, "--sample", sample, "--requests", "20000", "-c", "20")
        o = ok_run(r, "verify", 20000)
        eq(sum(o["verdicts"].values()), o["count"], "verdicts counted")
        eq(r["requests"], o["count"], "requests")
        for v in ("green", "amber", "red"):
            want = sum(1 for x in before.values() if x[0] == v) / len(codes)
            got = o["verdicts"][v] / o["count"]
            check(abs(got - want) < 0.03, f"{v}: {got:.3f} of the replies, {want:.3f} of codes")

        # Zipf keys, pipeline 16, a request bound.
        r, _ = run_json("-p", port, "--sample", sample, "--keys", "zipf", "-P", "16", "-c", "8",
                        "--requests", "40000")
        ok_run(r, "verify", 40000)

        # DISPENSE: every sale GREEN, and the store shows exactly those sold.
        sellable = [c for c in codes if before[c] == ("green", "active", 0)]
        r, err = run_json("-p", port, "--sample", sample, "--workload", "dispense",
                          "--requests", "1500", "-c", "10")
        o = ok_run(r, "dispense", 1500)
        eq(o["verdicts"], {"green": 1500, "amber": 0, "red": 0}, "dispense verdicts")
        after = verify_all(d.port, codes)
        sold = [c for c in codes if after[c][2] > before[c][2]]
        eq(len(sold), 1500, "codes newly dispensed")
        check(set(sold) <= set(sellable), "a sale of a code that was not sellable")

        # A second run sells other codes: still no duplicate.
        r, _ = run_json("-p", port, "--sample", sample, "--workload", "mixed", "--mix", "50",
                        "--requests", "2000", "-c", "10")
        ok_run(r, "verify")
        o = ok_run(r, "dispense")
        eq(o["verdicts"]["green"], o["count"], "mixed: every sale green")
        again = verify_all(d.port, codes)
        resold = [c for c in sold if again[c][2] != after[c][2]]
        eq(resold, [], "codes sold twice")

        # A sales file; reselling its first codes is caught as not green.
        sales = os.path.join(gen, "sales.csv")
        p = run("-p", port, "--sample", sample, "--write-sales", sales)
        lines = open(sales).read().split("\n")
        eq(lines[0], "site,code", "sales header")
        check(len(lines) > 100, p.stderr)
        r, _ = run_json("-p", port, "--sample", sample, "--workload", "dispense", "--sales",
                        sales, "--requests", "100", "-c", "4")
        ok_run(r, "dispense", 100)
        # Selling them again: a whole pack is a RED duplicate; a split pack
        # (one of its units sold) sells another unit, GREEN.
        first = [line.split(",")[1] for line in lines[1:101]]
        state = verify_all(d.port, first)
        whole = sum(1 for c in first if state[c][1] == "dispensed")
        check(whole > 50, f"only {whole} of 100 sold out")
        r, err = run_json("-p", port, "--sample", sample, "--workload", "dispense", "--sales",
                          sales, "--requests", "100", "-c", "4", rc=1)
        eq(r["ops"]["dispense"]["unexpected"], whole, "resold codes")
        eq(r["ops"]["dispense"]["verdicts"], {"green": 100 - whole, "amber": 0, "red": whole},
           "resold codes' verdicts")
        check("not the expected answer" in err, err)

        # Text output.
        p = run("-p", port, "--sample", sample, "--duration", "0.5", "-c", "4")
        check("req/s" in p.stdout and "p99.9 ms" in p.stdout and "verdicts: green" in p.stdout,
              p.stdout)

        # Mistakes: each a one-line reason and exit status 2.
        for args, msg in (
            (["--sample", sample, "--bogus"], "unknown option '--bogus'"),
            (["--sample", sample, "-c", "0"], "--conns must be a whole number from 1"),
            (["--sample", sample, "--duration", "99999"], "--duration must be a number"),
            (["--sample", sample, "--workload", "sell"], "--workload must be verify"),
            (["-p", port], "--sample FILE is required"),
            (["--sample", os.path.join(gen, "missing.txt"), "-p", port],
             "cannot open sample file"),
            (["--sample", sample, "-h", "10.1.2.3"], "not a loopback address"),
            (["--sample", sample, "-p", str(free_port())], "cannot connect"),
            (["--sample", sample, "--target", "redis", "--write-sales", sales, "-p", port],
             "--write-sales needs --target yima"),
        ):
            p = run(*args, rc=2)
            check(msg in p.stderr, f"{args}: {p.stderr!r} lacks {msg!r}")
    finally:
        d.close()
        shutil.rmtree(gen, ignore_errors=True)


class RecordingServer:
    """A loopback RESP server that answers every VERIFY or DISPENSE with a
    brief green verdict (RESP 2), refuses anything else (HELLO: NOPROTO,
    so yima-bench goes on in RESP 2), and keeps each request's words."""

    BRIEF_GREEN = b"*6\r\n$7\r\nverdict\r\n$5\r\ngreen\r\n$7\r\nreasons\r\n*0\r\n" \
                  b"$7\r\nmessage\r\n$0\r\n\r\n"

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(t)
            t.start()

    def _serve(self, conn):
        buf = b""
        with conn:
            while True:
                req, used = parse_reply(buf)
                if not used:
                    data = conn.recv(1 << 16)
                    if not data:
                        return
                    buf += data
                    continue
                buf = buf[used:]
                words = [w.decode() for w in req]
                self.requests.append(words)
                conn.sendall(self.BRIEF_GREEN if words[0] in ("VERIFY", "DISPENSE")
                             else b"-NOPROTO this server speaks RESP 2 only\r\n")

    def close(self):
        self.sock.close()
        for t in self.threads[1:]:
            t.join(timeout=10)


def test_bench_brief_sends_brief_and_reads_brief_replies():
    """--brief: every VERIFY and DISPENSE yima-bench sends ends in BRIEF,
    and the brief reply's verdict is counted."""
    work = tempfile.mkdtemp(prefix="yima-bench-brief-")
    srv = RecordingServer()
    try:
        sample, sales = os.path.join(work, "sample.txt"), os.path.join(work, "sales.csv")
        codes = [f"8301234{i:013d}" for i in range(50)]
        with open(sample, "w") as f:
            f.write("\n".join(codes) + "\n")
        with open(sales, "w") as f:
            f.write("site,code\n" + "".join(f"PH1,{c}\n" for c in codes))
        r, _ = run_json("-p", str(srv.port), "--sample", sample, "--sales", sales,
                        "--workload", "mixed", "--mix", "50", "--requests", "40", "-c", "2",
                        "--brief")
        eq(r["brief"], True, "the report says brief")
        ok_run(r, "verify")
        ok_run(r, "dispense")
        eq(r["ops"]["verify"]["verdicts"]["green"] + r["ops"]["dispense"]["verdicts"]["green"],
           40, "every brief reply's verdict counted")
        scans = [w for w in srv.requests if w[0] in ("VERIFY", "DISPENSE")]
        eq(len(scans), 40, "requests")
        eq({w[0] for w in scans}, {"VERIFY", "DISPENSE"}, "both kinds sent")
        eq([w for w in scans if w[-1] != "BRIEF" or w.count("BRIEF") != 1], [],
           "each request ends in one BRIEF")
        p = run("--sample", sample, "--target", "redis", "--brief", rc=2)
        check("--brief needs --target yima" in p.stderr, p.stderr)
    finally:
        srv.close()
        shutil.rmtree(work, ignore_errors=True)


def test_bench_redis_target():
    # config/install-deps.sh installs redis-server for the tests; without it
    # this test fails rather than pass untested.
    check(shutil.which("redis-server") is not None,
          "redis-server is not installed: run config/install-deps.sh "
          "(Debian package redis-server)")
    work = tempfile.mkdtemp(prefix="yima-bench-redis-")
    try:
        sample = os.path.join(work, "sample.txt")
        codes = [f"8301234{i:013d}" for i in range(3000)]
        with open(sample, "w") as f:
            f.write("\n".join(codes) + "\n")
        with RedisServer(work) as rs:
            with socket.create_connection(("127.0.0.1", rs.port), timeout=30) as s:
                s.sendall(b"".join(encode("SET", c, "record") for c in codes))
                got = b""
                while got.count(b"\r\n") < len(codes):
                    got += s.recv(1 << 16)
            port = str(rs.port)
            r, _ = run_json("--target", "redis", "-p", port, "--sample", sample,
                            "--duration", "1", "-c", "8", "-P", "4")
            ok_run(r, "verify")
            r, _ = run_json("--target", "redis", "-p", port, "--sample", sample,
                            "--workload", "dispense", "--requests", "500", "-c", "8")
            ok_run(r, "dispense", 500)
            eq(r["sales_used"], 500, "sales used")
            eq(rs.cli("DBSIZE"), str(len(codes) + 500), "keys after 500 sales")
            # The same codes again: SET NX refuses every one.
            r, _ = run_json("--target", "redis", "-p", port, "--sample", sample,
                            "--workload", "dispense", "--requests", "500", "-c", "8", rc=1)
            eq(r["ops"]["dispense"]["unexpected"], 500, "second sales of the same codes")
            # Past them, first sales again.
            r, _ = run_json("--target", "redis", "-p", port, "--sample", sample,
                            "--workload", "dispense", "--requests", "500", "-c", "8",
                            "--sale-offset", "500")
            ok_run(r, "dispense", 500)
            p = run("--target", "redis", "-p", port, "--sample", sample, "--workload",
                    "dispense", "--sale-offset", "3000", rc=2)
            check("no code left to sell" in p.stderr, p.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_writer_thread_found_without_names():
    """tests/bench/writer_cpu.py, for a "before" yimad without cpu_seconds:
    the writer thread is told from the others by the order the threads
    start in and what they wait on at rest.  On today's yimad that must
    find the thread named yimad-writer (if yimad started its threads in
    another order, this fails, and the fallback must change with it), and
    its /proc figure must be INFO's."""
    d = Yimad("--threads", "2")
    try:
        pid = d.proc.pid
        named, how = writer_cpu.find_writer(pid)
        eq(how, "thread yimad-writer", "found by name")
        unnamed, how = writer_cpu.find_writer(pid, names=False, tries=200)
        eq(unnamed, named, f"the writer found without names ({how})")
        meter = writer_cpu.WriterMeter(d)
        eq(meter.source, "INFO writer cpu_seconds", "where the meter reads")
        k0 = writer_cpu.thread_cpu(pid, named)
        cpu, writes, _ = meter.read()
        k1 = writer_cpu.thread_cpu(pid, named)
        check(k0 - 1e-3 <= cpu <= k1 + 1e-3, f"INFO {cpu}, /proc {k0}..{k1}")
        eq(writes, 0, "writes")
        # Not yimad: one thread, so no writer to find.
        p = subprocess.Popen(["sleep", "30"])
        try:
            tid, why = writer_cpu.find_writer(p.pid, tries=1)
            check(tid is None and "not a yimad" in why, why)
        finally:
            p.kill()
            p.wait()
    finally:
        d.close()


def doc(verify1, verify16, mixed, dispense, half_p99, load_s, load_us, dispense_us,
        mixed_us=None):
    """A compare.py --json document with these figures."""
    def run(t):
        return {"throughput": t, "exhausted": False}

    def cpu(x):
        return {"cpu_s": None if x is None else 1.0, "writes": 10, "commits": 5,
                "us_per": x}
    return {"size": 1000, "machine": {"yimad": "bin/yimad", "date": "d", "commit": "c",
                                      "cores": 2, "cpu": "cpu", "kernel": "k"},
            "args": {"duration": 5, "conns": 50, "seed": 1},
            "yima": {"verify1": run(verify1), "verify16": run(verify16), "mixed": run(mixed),
                     "dispense": run(dispense), "load_s": load_s,
                     "half": dict(run(1), ops={"verify": {"latency_ms": {"p99": half_p99}}}),
                     "writer_cpu": {"load": cpu(load_us), "dispense": cpu(dispense_us),
                                    "mixed": cpu(mixed_us), "source": None,
                                    "why": "no cpu_seconds"}}}


def test_before_after_table():
    """compare.py --before/--after: no workload more than 5 % slower, the
    writer's CPU lower; "–" where a build could not tell its writer's CPU;
    with several rounds, each side's median and ± half its range."""
    before = doc(100000, 200000, 50000, 20000, 1.0, 10.0, 8.0, 40.0)
    after = doc(94000, 191000, 50000, 21000, 1.06, 9.0, 7.0, 30.0, 45.0)
    rows = {r[0]: r[1:] for r in compare.before_after_rows([before], [after])}
    eq(rows["VERIFY req/s, pipeline 1"], ["100,000", "94,000", "-6.0 %", "≥ −5 %", "**no**"],
       "6 % slower")
    eq(rows["VERIFY req/s, pipeline 16"], ["200,000", "191,000", "-4.5 %", "≥ −5 %", "yes"],
       "4.5 % slower")
    eq(rows["durable DISPENSE req/s"][2:], ["+5.0 %", "≥ −5 %", "yes"], "faster")
    eq(rows["VERIFY p99 ms at half of peak"], ["1.000", "1.060", "+6.0 %", "≤ +5 %", "**no**"],
       "latency")
    eq(rows["bulk load, units/s"], ["100", "111", "+11.1 %", "≥ −5 %", "yes"], "load")
    eq(rows["writer CPU µs per loaded unit"], ["8.0", "7.0", "-12.5 %", "lower", "yes"],
       "writer CPU per loaded unit")
    eq(rows["writer CPU µs per DISPENSE (DISPENSE P1)"],
       ["40.0", "30.0", "-25.0 %", "lower", "yes"], "writer CPU per DISPENSE")
    eq(rows["writer CPU µs per DISPENSE (mixed 90/10)"], ["–", "45.0", "–", "lower", "–"],
       "writer CPU unknown before")
    worse = doc(100000, 200000, 50000, 20000, 1.0, 10.0, 8.0, 40.0, 45.0)
    rows = {r[0]: r[1:] for r in compare.before_after_rows([after], [worse])}
    eq(rows["writer CPU µs per DISPENSE (mixed 90/10)"][2:], ["+0.0 %", "lower", "**no**"],
       "writer CPU not lower")
    # Three rounds a side: medians 100,000 and 96,000 (-4 %, met), though
    # one after round alone was 10 % slower; the writer's CPU known in two
    # before rounds only: their median.
    bs = [doc(v, 1, 1, 1, 1.0, 1.0, u, 40.0) for v, u in
          ((100000, 8.0), (104000, None), (98000, 10.0))]
    afs = [doc(v, 1, 1, 1, 1.0, 1.0, 7.0, 40.0) for v in (96000, 90000, 97000)]
    rows = {r[0]: r[1:] for r in compare.before_after_rows(bs, afs)}
    eq(rows["VERIFY req/s, pipeline 1"],
       ["100,000 ±3.0 %", "96,000 ±3.6 %", "-4.0 %", "≥ −5 %", "yes"], "medians")
    eq(rows["writer CPU µs per loaded unit"],
       ["9.0 ±11.1 %", "7.0 ±0.0 %", "-22.2 %", "lower", "yes"], "median of known figures")
    lines = compare.writer_cpu_lines(doc(1, 1, 1, 1, 1, 1, None, None)["yima"])
    eq(lines, ["writer CPU µs per loaded unit: –",
               "writer CPU µs per DISPENSE (DISPENSE P1): –",
               "writer CPU µs per DISPENSE (mixed 90/10): –",
               "measured from no cpu_seconds"], "an older yimad")
