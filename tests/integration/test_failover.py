"""Client failover: yima and yima-bench given several servers (-h A,B) move
to the next when one is gone.  Two yimads with their own data directories
(no replication: each answers from its own store); a server stops by its
pid being killed.  Also a server that closes the connection in the middle
of a request (a stand-in on a socket): a request safe to repeat (VERIFY, a
DISPENSE with its TX) goes again to the next server, one that is not safe
is not; and the errors of -h lists."""
import json
import os
import socket
import subprocess
import threading
import time

from harness import BIN, YIMA, Yimad, check, day, eq
from secutil import ok, setup_sites

CODE = "83012340000000000001"
CODE2 = "83012340000000000002"
BENCH = os.path.join(BIN, "yima-bench")


def yima(*args, timeout=60):
    p = subprocess.run([YIMA, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def addr(d):
    return f"127.0.0.1:{d.port}"


def dead_port():
    """A loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dropper(threading.Thread):
    """Accepts connections; answers HELLO (as a server without RESP3
    would), then closes the connection when the next request comes: a
    server that goes away in the middle of a request."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(30)
        self.port = self.sock.getsockname()[1]
        self.requests = 0

    def run(self):
        try:
            while True:
                c, _ = self.sock.accept()
                c.settimeout(10)
                with c:
                    data = c.recv(65536)        # HELLO 3
                    if not data:
                        continue
                    c.sendall(b"-ERR unknown command 'HELLO'\r\n")
                    if c.recv(65536):
                        self.requests += 1      # then gone without a reply
        except OSError:
            return

    def stop(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)    # wakes accept()
        except OSError:
            pass
        self.sock.close()
        self.join(10)


def stock(d):
    c = setup_sites(d)
    ok(c.call("COMMISSION", CODE, CODE2, "SITE", "MFR", "LOT", "L1", "EXPIRY", day(700)))
    ok(c.call("SHIP", CODE, CODE2, "FROM", "MFR", "TO", "PH1"))
    ok(c.call("RECEIVE", CODE, CODE2, "SITE", "PH1"))


def test_yima_moves_to_the_next_server():
    a, b = Yimad(), Yimad()
    try:
        stock(b)
        both = f"{addr(a)},{addr(b)}"
        rc, out, err = yima("-h", both, "PING")
        eq((rc, out.strip(), err), (0, "PONG", ""), "both up: the first answers, no note")
        a.kill9()
        rc, out, err = yima("-h", both, "PING")
        eq((rc, out.strip()), (0, "PONG"), f"A killed: B answers ({err})")
        check(f"cannot connect to {addr(a)}" in err and f"trying {addr(b)}" in err,
              f"stderr names the server it moved to: {err!r}")
        # A host alone takes -p.
        rc, out, err = yima("-h", f"{addr(a)},127.0.0.1", "-p", str(b.port), "verify", CODE,
                            "--site", "PH1")
        eq(rc, 0, f"verify through B: {out} {err}")
        check(out.startswith("GREEN"), out)
        eq(b.stop(), 0, "B stopped")
        rc, out, err = yima("-h", both, "PING")
        eq(rc, 2, "no server answers: a connection error")
        check(f"no server answered: cannot connect to {addr(a)}" in err and addr(b) in err,
              f"the error names every server: {err!r}")
    finally:
        a.close()
        b.close()


def test_a_request_cut_off_goes_again_only_when_safe():
    b = Yimad()
    drop = Dropper()
    drop.start()
    try:
        stock(b)
        both = f"127.0.0.1:{drop.port},{addr(b)}"
        rc, out, err = yima("-h", both, "dispense", CODE, "--site", "PH1", "--tx", "T1")
        eq(rc, 0, f"dispense with its TX, sent again to B: {out} {err}")
        check(out.startswith("GREEN"), out)
        check(f"moving to {addr(b)}" in err, f"stderr says where it moved: {err!r}")
        # The same sale again (a till that did not see the answer): the
        # first answer, not a duplicate.
        rc, out, err = yima("-h", addr(b), "dispense", CODE, "--site", "PH1", "--tx", "T1")
        eq(rc, 0, f"the same TX again: {out}")
        # Without a TX a sale is not sent twice: its outcome is unknown.
        rc, out, err = yima("-h", both, "dispense", CODE2, "--site", "PH1")
        eq(rc, 2, f"a dispense without TX cut off: {out} {err}")
        check("not sent again" in err, err)
        rc, out, err = yima("-h", addr(b), "--json", "verify", CODE2)
        eq(json.loads(out)["status"], "active", "the sale without TX went nowhere else")
        rc, out, err = yima("-h", both, "VERIFY", CODE2)
        eq(rc, 0, f"a raw VERIFY cut off goes to B: {err}")
        eq(drop.requests, 3, "the stand-in saw each request once")
    finally:
        drop.stop()
        b.close()


def test_server_list_errors():
    for arg, why in ((f"127.0.0.1:{dead_port()},,127.0.0.1", "server 2 of"),
                     ("127.0.0.1:70000", "port '70000' is not a number from 1 to 65535"),
                     ("127.0.0.1:", "port '' is not a number"),
                     (":7700", "has no host"),
                     (",", "server 1 of ',' is empty"),
                     ("[::1", "an IPv6 address is written [address]:port")):
        rc, out, err = yima("-h", arg, "PING")
        eq(rc, 2, f"yima -h {arg!r}: usage error")
        check(why in err and f"-h {arg}" in err, f"yima -h {arg!r}: {err!r} should say {why!r}")
        p = subprocess.run([BENCH, "--sample", "/nonexistent", "-h", arg],
                           capture_output=True, text=True, timeout=30)
        eq(p.returncode, 2, f"yima-bench -h {arg!r}")
        check(why in p.stderr, f"yima-bench -h {arg!r}: {p.stderr!r}")
    rc, out, err = yima("-h", "127.0.0.1", "-p", "x", "PING")
    eq(rc, 2, "a bad -p for a host alone")
    check("port 'x'" in err, err)


def test_bench_connections_move_when_a_server_dies():
    a, b = Yimad(), Yimad()
    tmp = a.tmp
    try:
        sample = os.path.join(tmp, "sample.txt")
        with open(sample, "w") as f:
            f.write("".join(f"830123400000000{i:05d}\n" for i in range(100)))
        p = subprocess.Popen([BENCH, "--sample", sample, "-h", f"{addr(a)},{addr(b)}",
                              "--workload", "verify", "-c", "4", "--rate", "400",
                              "--duration", "3", "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        a.kill9()
        out, err = p.communicate(timeout=60)
        eq(p.returncode, 0, f"yima-bench goes on: {err}")
        r = json.loads(out)
        eq(r["reconnects"], 2, f"connections 0 and 2 were on A: {err}")
        eq(r["ops"]["verify"]["errors"], 0, "no error replies")
        check(err.count(f"moved to {addr(b)}") == 2, err)
        check(r["requests"] > 1000, f"requests answered before and after: {r['requests']}")
    finally:
        a.close()
        b.close()
