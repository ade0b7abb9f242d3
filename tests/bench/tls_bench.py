"""VERIFY throughput over TLS against plaintext, 50 connections, with TLS
session resumption on and off.

  python3 tests/bench/tls_bench.py [--requests N] [--seconds S] [--yimad PATH]

Two measurements, each against a fresh yimad on loopback:

1. Steady state: redis-benchmark, 50 kept-alive connections, VERIFY of a
   commissioned code as pharmacy PH1 (plaintext: the local principal; TLS:
   PH1's client certificate, so every request also passes the role check).
2. Connection churn: 50 threads each connect, VERIFY once, disconnect, for
   S seconds — over plaintext, over TLS offering the previous session
   (resumption on), and over TLS with the server's session cache and
   tickets off (tls_session_timeout 0: every handshake is full).

Prints one line per run and the TLS/plaintext ratios.  Short runs on a
shared machine: read the ratios, not the absolute numbers.
"""
import argparse
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import harness  # noqa: E402

CODE = "83012340000000000001"
VERIFY = ["VERIFY", CODE, "SITE", "PH1"]


def start(yimad, certs, *extra):
    harness.YIMAD = yimad
    tls = ["--tls-port", str(harness.free_port()), "--tls-cert", f"{certs}/server.crt",
           "--tls-key", f"{certs}/server.key", "--tls-ca", f"{certs}/ca.crt",
           "--tls-verify-client", "optional", "--log-level", "warn",
           "--rate-limit", "0", "--max-clients-per-addr", "0"]
    d = harness.Yimad(*tls, *extra)
    c = d.connect()
    for site, kind in (("MFR", "manufacturer"), ("PH1", "pharmacy")):
        c.call("SITE", "SET", site, "name", site, "kind", kind)
    c.call("PRODUCT", "SET", "8301234", "name", "Amoxicillin")
    c.call("COMMISSION", CODE, "SITE", "MFR", "LOT", "L1", "EXPIRY", "2030-12-31")
    c.call("SHIP", CODE, "FROM", "MFR", "TO", "PH1")
    c.call("RECEIVE", CODE, "SITE", "PH1")
    return d


def redis_benchmark(port, n, tls_args):
    cmd = ["redis-benchmark", "-p", str(port), "-c", "50", "-n", str(n), "-q", *tls_args,
           *VERIFY]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    m = re.findall(r"([\d.]+) requests per second", out)
    return float(m[-1]) if m else 0.0, " ".join(cmd)


def churn(port, seconds, ctx=None, resume=False):
    """Connections a second, each: connect, (TLS handshake,) VERIFY, close."""
    req = harness.encode(*VERIFY)
    done = [0] * 50
    stop = time.monotonic() + seconds

    def worker(i):
        session = None
        while time.monotonic() < stop:
            s = socket.create_connection(("127.0.0.1", port))
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if ctx:
                s = ctx.wrap_socket(s, server_hostname="localhost",
                                    session=session if resume else None)
            c = harness.Conn(s)
            c.send(req)
            c.reply()
            if ctx and resume:
                session = s.session
            s.close()
            done[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.monotonic() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--yimad", default=os.path.join(ROOT, "bin", "yimad"))
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="yima-tlsbench-")
    certs = os.path.join(tmp, "certs")
    subprocess.run(["sh", os.path.join(ROOT, "config", "gen-dev-certs.sh"), certs, "PH1"],
                   check=True, capture_output=True)
    tls_args = ["--tls", "--cacert", f"{certs}/ca.crt", "--cert", f"{certs}/PH1.crt",
                "--key", f"{certs}/PH1.key"]
    ctx = ssl.create_default_context(cafile=f"{certs}/ca.crt")
    ctx.load_cert_chain(f"{certs}/PH1.crt", f"{certs}/PH1.key")
    res = {}
    d = start(a.yimad, certs)
    try:
        res["plain"], cmd_p = redis_benchmark(d.port, a.requests, [])
        res["tls"], cmd_t = redis_benchmark(d.tls_port, a.requests, tls_args)
        res["churn_plain"] = churn(d.port, a.seconds)
        res["churn_resume"] = churn(d.tls_port, a.seconds, ctx, resume=True)
        res["churn_full_client"] = churn(d.tls_port, a.seconds, ctx, resume=False)
    finally:
        d.close()
    d = start(a.yimad, certs, "--tls-session-timeout", "0")
    try:
        res["churn_full_server"] = churn(d.tls_port, a.seconds, ctx, resume=True)
    finally:
        d.close()
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"steady state, 50 kept-alive connections, {a.requests} VERIFY:")
    print(f"  plaintext  {res['plain']:10.0f} req/s   ({cmd_p})")
    print(f"  TLS        {res['tls']:10.0f} req/s   ({' '.join(cmd_t.split()[:3])} --tls ...)")
    print(f"  TLS/plaintext {res['tls'] / res['plain']:.2f}")
    print(f"connection churn, 50 threads, connect + VERIFY + close, {a.seconds:g} s each:")
    print(f"  plaintext                          {res['churn_plain']:8.0f} conn/s")
    print(f"  TLS, resumption on                 {res['churn_resume']:8.0f} conn/s  "
          f"({res['churn_resume'] / res['churn_plain']:.2f} of plaintext)")
    print(f"  TLS, client offers no session      {res['churn_full_client']:8.0f} conn/s  "
          f"({res['churn_full_client'] / res['churn_plain']:.2f})")
    print(f"  TLS, tls_session_timeout 0 (off)   {res['churn_full_server']:8.0f} conn/s  "
          f"({res['churn_full_server'] / res['churn_plain']:.2f})")


if __name__ == "__main__":
    main()
