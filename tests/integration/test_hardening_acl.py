"""Issue 16, items 3, 4 and 7.

3. EVENTS batch ids are each principal's own: a pharmacy's refused batch
   named like the manufacturer's next one neither blocks it nor is shown
   to it, and a replay answers only for records the principal may send.
4. Only the holder ships its stock out: SHIP's FROM is the principal's own
   site; the receiver confirms with RECEIVE.
7. No control character reaches a terminal: yimad refuses controls, bidi
   controls and separators in every name and free-text field it stores,
   naming the field and the position, and changes nothing; yima escapes
   whatever it prints, so old stored data cannot do it either."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading

from harness import YIMA, Error, Yimad, check, day, eq, encode
from secutil import PRODUCT, ok, refused, setup_sites, token_line

EXPIRY = day(730)
TOOLS = os.environ.get("YIMA_TEST_TOOLS", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "tests"))

TOKENS = {"ph1": ("pharmacy", "PH1"), "mfr": ("manufacturer", "MFR"),
          "dist": ("distributor", "DIST")}

# Terminal attack from the issue: retitle the window, then paint a line red.
EVIL_TX = "\x1b]0;pwned\x07\x1b[31mFAKE GREEN\r\n"
# Characters that must never reach a terminal raw: C0 (bar newline, which
# yima writes itself), DEL, C1, the bidi controls and the separators.
RAW_CHARS = [chr(c) for c in [*range(0x0a), *range(0x0b, 0x20), *range(0x7f, 0xa0),
                              0x61c, 0x200e, 0x200f, *range(0x2028, 0x202f),
                              *range(0x2066, 0x206a)]]
RAW = [ch.encode() for ch in RAW_CHARS]


class Principals:
    """A yimad with a token per principal in TOKENS, and the standard
    sites and product (set by the local principal)."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="yima-hard-")
        path = os.path.join(self.tmp, "acl")
        with open(path, "w") as f:
            for name, (role, site) in TOKENS.items():
                f.write(token_line(name, role, site, f"secret-{name}"))
        self.d = Yimad("--acl-file", path)
        self.local = setup_sites(self.d)

    def signed_in(self, name):
        c = self.d.connect()
        eq(c.call("AUTH", f"secret-{name}"), "OK", f"AUTH as {name}")
        c.call("HELLO", "3")
        return c

    def close(self):
        try:
            self.d.close()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


def code(i):
    return f"830123400000000{i:05d}"


def record(i):
    """An EVENTS record commissioning code(i) at MFR."""
    return f"COMMISSION {code(i)} SITE MFR LOT L1 EXPIRY {EXPIRY}"


def outcome(r):
    """(applied, replayed) of an EVENTS reply."""
    return r[b"applied"], r[b"replayed"]


def commission(c, *codes, site="MFR"):
    return c.call("COMMISSION", *codes, "SITE", site, "LOT", "L1", "EXPIRY", EXPIRY)


def at_site(c, codes, site):
    """Commission codes at MFR and move them to `site` (local principal)."""
    ok(commission(c, *codes))
    if site != "MFR":
        ok(c.call("SHIP", *codes, "FROM", "MFR", "TO", site))
        ok(c.call("RECEIVE", *codes, "SITE", site))


def verify(c, cd, site=None):
    r = ok(c.call("VERIFY", cd, *(["SITE", site] if site else [])))
    return {k.decode(): v for k, v in r.items()}


# ------------------------------------------------------------ item 3

def test_issue16_batch_ids_are_each_principals_own():
    p = Principals()
    try:
        ph1, mfr = p.signed_in("ph1"), p.signed_in("mfr")
        rec = record(1)
        # The pharmacy may not commission: SKIPBAD skips the record, and
        # the (empty) result is kept under the pharmacy's id.
        r = ok(ph1.call("EVENTS", "BATCH", "shared-batch-1", "SKIPBAD", rec))
        eq((r[b"applied"], r[b"skipped"], r[b"replayed"]), (0, 1, False), "PH1's batch")
        # The manufacturer's own batch of that id applies, as new.
        r = ok(mfr.call("EVENTS", "BATCH", "shared-batch-1", rec))
        eq((r[b"records"], r[b"applied"], r[b"skipped"], r[b"replayed"], r[b"errors"]),
           (1, 1, 0, False, []), "MFR's batch is applied, not PH1's replayed")
        eq(verify(p.local, code(1))["status"], b"active", "the code was commissioned")
        # Each principal's re-upload replays its own result, and only that.
        r = ok(mfr.call("EVENTS", "BATCH", "shared-batch-1", rec))
        eq((r[b"applied"], r[b"skipped"], r[b"replayed"]), (1, 0, True), "MFR's replay")
        r = ok(ph1.call("EVENTS", "BATCH", "shared-batch-1", "SKIPBAD", rec))
        eq((r[b"applied"], r[b"skipped"], r[b"replayed"]), (0, 1, True), "PH1's replay")
        eq(r[b"errors"][0][b"error"], b"pharmacy 'ph1' may not run COMMISSION", "its error")
        # The local principal is one more principal with its own ids.
        r = ok(p.local.call("EVENTS", "BATCH", "shared-batch-1", record(2)))
        eq(outcome(r), (1, False), "local's batch of that id")
    finally:
        p.close()


def test_issue16_batch_replay_checks_permission_first():
    p = Principals()
    try:
        mfr = p.signed_in("mfr")
        at_site(p.local, [code(3)], "DIST")
        ok(mfr.call("EVENTS", "BATCH", "b-2", record(4)))
        # The same id with a record the manufacturer may not send: refused
        # as a fresh run would be, not answered with the stored result.
        r = refused(mfr.call("EVENTS", "BATCH", "b-2", f"SHIP {code(3)} FROM DIST TO MFR"),
                    "ERR", "replay of a batch holding another site's record")
        check("record 1" in r and "own site MFR" in r and "nothing was applied" in r, r)
        eq(verify(p.local, code(3))["holder"], b"DIST", "nothing moved")
    finally:
        p.close()


def test_issue16_batches_stored_before_are_the_local_principals():
    """A store from before batches were kept per principal has bare batch
    ids as keys: they stay the local principal's, and no one else's."""
    p = Principals()
    try:
        eq(p.d.stop(), 0, "yimad stopped")
        # A result (9 records, 9 applied) under the key every batch had
        # before: the id alone.
        out = subprocess.run([os.path.join(TOOLS, "lmdb_poke"), p.d.data, "batches",
                              b"old-1".hex(), "put", "00000009" "00000009" "00000000" "0000"],
                             capture_output=True, timeout=30)
        eq(out.returncode, 0, f"lmdb_poke: {out.stderr!r}")
        p.d.start()
        local = p.d.connect()
        local.call("HELLO", "3")
        r = ok(local.call("EVENTS", "BATCH", "old-1", "DESTROY 1 SITE MFR"))
        eq(outcome(r), (9, True), "the local principal's old batch")
        r = ok(p.signed_in("mfr").call("EVENTS", "BATCH", "old-1", record(6)))
        eq(outcome(r), (1, False), "not the manufacturer's")
    finally:
        p.close()


# ------------------------------------------------------------ item 4

def test_issue16_only_the_holder_ships_its_stock_out():
    p = Principals()
    try:
        at_site(p.local, [code(10), code(11)], "PH1")
        mfr, ph1 = p.signed_in("mfr"), p.signed_in("ph1")
        r = refused(mfr.call("SHIP", code(10), "FROM", "PH1", "TO", "MFR"), "NOPERM",
                    "the manufacturer ships PH1's pack to itself")
        check("FROM must be your own site MFR, not 'PH1'" in r and "RECEIVE" in r, r)
        r = refused(mfr.call("EVENTS", f"SHIP {code(10)} FROM PH1 TO MFR"), "ERR",
                    "the same as an EVENTS record")
        check("record 1" in r and "nothing was applied" in r, r)
        v = verify(p.local, code(10), "PH1")
        eq((v["verdict"], v["status"], v["holder"]), (b"green", b"active", b"PH1"),
           "PH1's pack untouched")
        # A distributor cannot record a shipment between two other sites
        # or to itself; the holder ships, the receiver receives.
        refused(p.signed_in("dist").call("SHIP", code(11), "FROM", "PH1", "TO", "DIST"),
                "NOPERM", "SHIP to DIST by DIST")
        # Returns: the holder sends them (RETURN FROM is its own site) and
        # the supplier confirms with RECEIVE.
        refused(mfr.call("RETURN", code(10), "FROM", "PH1", "TO", "MFR"), "NOPERM",
                "RETURN FROM another site")
        ok(ph1.call("RETURN", code(10), "FROM", "PH1", "TO", "MFR"))
        ok(mfr.call("RECEIVE", code(10), "SITE", "MFR"))
        eq(verify(p.local, code(10))["holder"], b"MFR", "returned")
        ok(mfr.call("SHIP", code(10), "FROM", "MFR", "TO", "PH1"))
        ok(ph1.call("RECEIVE", code(10), "SITE", "PH1"))
    finally:
        p.close()


# ------------------------------------------------------------ item 7

def refused_text(c, args, field, what, pos, name=None):
    """c.call(*args) is refused with an error naming the field, the kind
    of character and its position, and quoting none of it raw."""
    r = c.call(*args)
    label = name or f"{args[0]} {field}"
    check(isinstance(r, Error) and r.startswith("ERR "), f"{label}: want ERR, got {r!r}")
    check(f"{field} {what} at character {pos}" in r, f"{label}: {r!r}")
    check(not any(ch in r for ch in RAW_CHARS), f"{label}: raw control in {r!r}")
    return r


def test_issue16_control_characters_refused_in_stored_text():
    d = Yimad()
    try:
        c = setup_sites(d)
        c.call("HELLO", "3")
        at_site(c, [code(20), code(21)], "PH1")
        events_before = len(ok(c.call("TRACE", code(20)))[b"events"])

        refused_text(c, ["DISPENSE", code(20), "SITE", "PH1", "TX", EVIL_TX], "TX",
                     "has a control character (U+001B)", 1)
        refused_text(c, ["DISPENSE", code(20), "SITE", "PH1", "TX", "T\u202e1"], "TX",
                     "has a bidirectional control (U+202E)", 2)
        r = c.call("DISPENSE", code(20), "SITE", "PH1", "TX", b"T\xff")
        check(isinstance(r, Error) and "TX is not UTF-8 at byte 2 (0xFF)" in r, r)
        v = verify(c, code(20), "PH1")
        eq((v["verdict"], v["status"], v["dispensed"]), (b"green", b"active", 0), "not sold")
        eq(ok(c.call("ALERTS")), [], "no alert")

        ok(c.call("DISPENSE", code(21), "SITE", "PH1", "TX", "T-21"))
        refused_text(c, ["UNDO", code(21), "SITE", "PH1", "TX", "T-21\x7f"], "TX",
                     "has a control character (U+007F)", 5)

        refused_text(c, ["SITE", "SET", "PH1", "name", "Renmin\u0085Pharmacy"], "name",
                     "has a C1 control character (U+0085)", 7)
        refused_text(c, ["SITE", "SET", "PH1", "kind", "pharmacy", "name", "\u202eycamrahP"],
                     "name", "has a bidirectional control (U+202E)", 1)
        for ch, what in (("\u2028", "a line separator"), ("\u2029", "a paragraph separator"),
                         ("\u2066", "a bidirectional control"),
                         ("\u200f", "a bidirectional control"),
                         ("\u061c", "a bidirectional control"), ("\t", "a control character")):
            refused_text(c, ["SITE", "SET", "PH1", "name", "仁民" + ch],
                         "name", f"has {what} (U+{ord(ch):04X})", 3)
        eq(ok(c.call("SITE", "GET", "PH1"))[b"name"], b"PH1", "PH1's name unchanged")
        refused_text(c, ["SITE", "SET", "PH\x1b9", "name", "x"], "site id",
                     "has a control character (U+001B)", 3)
        refused_text(c, ["PRODUCT", "SET", PRODUCT, "holder", "Maker\x9b31m"], "holder",
                     "has a C1 control character (U+009B)", 6)
        refused_text(c, ["PRODUCT", "SET", PRODUCT, "kind", "drug\x1b"], "kind",
                     "has a control character (U+001B)", 5)
        refused_text(c, ["DISPENSE", code(20), "SITE", "PH\x1b1"], "site id",
                     "has a control character (U+001B)", 3, "DISPENSE SITE")

        refused_text(c, ["SHIP", code(20), "FROM", "PH1", "TO", "MFR", "REF", "DN\u202e1"],
                     "REF", "has a bidirectional control (U+202E)", 3)
        eq(verify(c, code(20), "PH1")["status"], b"active", "not shipped")
        refused_text(c, ["RECALL", PRODUCT, "L1", "LEVEL", "1", "REASON", "bad\x1b[2J"],
                     "REASON", "has a control character (U+001B)", 4)
        eq(verify(c, code(20), "PH1")["verdict"], b"green", "not recalled")
        refused_text(c, ["LOCK", code(20), "REASON", "stolen\r\nFAKE"], "REASON",
                     "has a control character (U+000D)", 7)
        refused_text(c, ["COMMISSION", code(22), "SITE", "MFR", "LOT", "L\x1b2",
                         "EXPIRY", EXPIRY], "LOT", "has a control character (U+001B)", 2)
        check(isinstance(c.call("VERIFY", code(22)), dict) and
              verify(c, code(22))["reasons"] == [b"unknown"], "not commissioned")
        refused_text(c, ["EVENTS", "BATCH", "b\x1b1", f"DESTROY {code(21)} SITE PH1"],
                     "BATCH id", "has a control character (U+001B)", 2)
        # An EVENTS record is checked as the command itself.
        r = refused_text(c, ["EVENTS", f'DISPENSE {code(20)} SITE PH1 TX "\\x1b[31mX"'],
                         "TX", "has a control character (U+001B)", 1, "EVENTS record")
        check("record 1" in r, r)

        eq(len(ok(c.call("TRACE", code(20)))[b"events"]), events_before, "no event added")
        # Text that is only unusual is still welcome.
        ok(c.call("SITE", "SET", "PH1", "name", "仁民大药房 Renmin — Café №1"))
        ok(c.call("DISPENSE", code(20), "SITE", "PH1", "TX", "收银-1"))
    finally:
        d.close()


class FakeServer:
    """A RESP3 server on loopback that answers HELLO, and every other
    command with the reply given for its name: what a store written before
    the checks (or a hostile server) could send yima."""

    def __init__(self, replies):
        self.replies = replies
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)     # so that serve() sees self.stop
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(30)
            with conn:
                buf = b""
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
                    while True:
                        req, buf = self.request(buf)
                        if req is None:
                            break
                        name = req[0].upper().decode()
                        conn.sendall(b"%1\r\n+proto\r\n:3\r\n" if name == "HELLO"
                                     else self.replies[name])

    @staticmethod
    def request(buf):
        """One RESP array of bulk strings off buf: (args, rest) or (None, buf)."""
        try:
            head, rest = buf.split(b"\r\n", 1)
            args = []
            for _ in range(int(head[1:])):
                n_line, rest = rest.split(b"\r\n", 1)
                n = int(n_line[1:])
                if len(rest) < n + 2:
                    return None, buf
                args.append(rest[:n])
                rest = rest[n + 2:]
            return args, rest
        except ValueError:
            return None, buf

    def close(self):
        self.stop = True
        self.thread.join(timeout=10)
        self.sock.close()


def bulk(s):
    b = s.encode() if isinstance(s, str) else s
    return b"$%d\r\n%s\r\n" % (len(b), b)


def rmap(**kv):
    out = [b"%%%d\r\n" % len(kv)]
    for k, v in kv.items():
        out.append(bulk(k))
        out.append(v if isinstance(v, bytes) and v[:1] in b"%*:$_#" else bulk(v))
    return b"".join(out)


def rarray(*items):
    return b"*%d\r\n" % len(items) + b"".join(items)


def test_issue16_yima_escapes_what_it_prints():
    cd = "83012340000000000001"
    name = "Renmin\u0085\u202eycamrahP"
    alert = rmap(id=b":7\r\n", time="2027-03-15T04:00:00.000Z", kind="duplicate",
                 site="PH1", code=cd, tx=EVIL_TX, first_sale_site="PH2",
                 first_sale_time="2027-03-15T03:00:00.000Z")
    trace = rmap(code=cd, type="cn20", product=PRODUCT, product_name=name, lot="L\x1b1",
                 status="dispensed", holder="PH1",
                 events=rarray(rmap(seq=b":1\r\n", time="2027-03-15T03:00:00.000Z",
                                    event="dispense", site="PH1", tx=EVIL_TX,
                                    qty=b":1\r\n"),
                               rmap(seq=b":2\r\n", time="2027-03-15T03:30:00.000Z",
                                    event="ship", to="PH2", ref="DN\u2066-1\x9b2J",
                                    **{"from": "PH1"})),
                 alerts=rarray(alert))
    verdict = rmap(verdict="red", reasons=rarray(bulk("duplicate")),
                   message="already dispensed\x1b[32m GREEN \u202e", code=cd,
                   product_name=name)
    site = rmap(id="PH1", name=name)
    srv = FakeServer({"TRACE": trace, "ALERTS": rarray(alert), "VERIFY": verdict,
                      "SITE": site})
    try:
        def run(*args):
            p = subprocess.run([YIMA, "-p", str(srv.port), *args], capture_output=True,
                               timeout=30)
            for stream in (p.stdout, p.stderr):
                bad = [b for b in RAW if b in stream]
                check(not bad, f"yima {' '.join(args)}: raw {bad} in {stream!r}")
            return p.stdout.decode()

        out = run("trace", cd)
        check("tx \\x1b]0;pwned\\x07\\x1b[31mFAKE GREEN\\x0d\\x0a" in out, out)
        check("Renmin\\u0085\\u202eycamrahP" in out and "lot:           L\\x1b1" in out, out)
        check("ref DN\\u2066-1\\u009b2J" in out, out)
        out = run("alerts")
        check("tx \\x1b]0;pwned\\x07\\x1b[31mFAKE GREEN\\x0d\\x0a" in out, out)
        out = run("verify", cd)
        check("already dispensed\\x1b[32m GREEN \\u202e" in out, out)
        out = run("SITE", "GET", "PH1")
        check("Renmin\\u0085\\u202eycamrahP" in out, out)
        # JSON stays JSON and means the same text.
        j = json.loads(run("--json", "trace", cd))
        eq((j["events"][0]["tx"], j["product_name"], j["events"][1]["ref"]),
           (EVIL_TX, name, "DN\u2066-1\x9b2J"), "JSON values")
        j = json.loads(run("--json", "verify", cd))
        eq(j["message"], "already dispensed\x1b[32m GREEN \u202e", "verdict JSON")
    finally:
        srv.close()


def test_issue16_yima_impact_and_errors_escape_stored_text():
    """`yima impact` prints stored recall reasons, site ids and lot names,
    and every subcommand prints error replies: escaped too (a REASON
    stored before the checks, or a hostile server's error)."""
    impact = rmap(product=PRODUCT, lot="L\x1b1", expiry="2028-01-01", status="recalled",
                  level=b":1\r\n",
                  recall=rmap(event=b":9\r\n", time="2027-03-15T04:00:00.000Z",
                              reason="sterility\x1b]0;pwned\x07", deadline="2027-03-16T04:00:00.000Z"),
                  totals=rmap(units=b":1\r\n", sites=b":1\r\n"),
                  sites=rarray(rmap(site="PH\u202e1", kind="pharmacy", in_stock=b":1\r\n")),
                  transit=rarray(), edges=rarray())
    srv = FakeServer({"IMPACT": impact, "VERIFY": b"-ERR VERIFY: \x1b[31mred\x1b[0m\r\n"})
    try:
        for args in (("impact", PRODUCT, "L1"), ("verify", "83012340000000000001"),
                     ("impact", PRODUCT, "L1", "--csv")):
            p = subprocess.run([YIMA, "-p", str(srv.port), *args], capture_output=True,
                               timeout=30)
            for stream in (p.stdout, p.stderr):
                bad = [b for b in RAW if b in stream]
                check(not bad, f"yima {' '.join(args)}: raw {bad} in {stream!r}")
        p = subprocess.run([YIMA, "-p", str(srv.port), "impact", PRODUCT, "L1"],
                           capture_output=True, timeout=30)
        out = p.stdout.decode()
        check("sterility\\x1b]0;pwned\\x07" in out and "PH\\u202e1" in out, out)
    finally:
        srv.close()
