"""BACKUP: an online, compacted copy of the store that a second yimad opens
as its data directory; taken while a pharmacy keeps selling, it holds every
sale acknowledged before it was asked for and none asked for after its
reply, and its log, chains and state agree (AUDIT VERIFY, AUDIT VERIFY
STATE).  Then the refusals: bad names, a taken name, a pharmacy's BACKUP,
and a second BACKUP while one runs."""
import json
import os
import select
import threading
import time

from harness import Error, Yimad, check, day, eq, info
from secutil import ok, refused, setup_sites, token_line, write_acl

EXPIRY = day(700)
SOLD = [f"8301234{i:013d}" for i in range(10_000_000, 10_002_000)]   # at PH1
LOAD_TIMEOUT = 60.0


def bulk(c, batches, per=5000):
    """batches x per units commissioned at MFR, one lot a request: a store
    large enough (about 120 MB for 200 batches) for a copy to take a while."""
    for b in range(batches):
        codes = [f"8301234{b * per + i:013d}" for i in range(per)]
        ok(c.call("COMMISSION", *codes, "SITE", "MFR", "LOT", f"B{b}", "EXPIRY", EXPIRY))


def stock_ph1(c):
    ok(c.call("COMMISSION", *SOLD, "SITE", "MFR", "LOT", "S1", "EXPIRY", EXPIRY))
    ok(c.call("SHIP", *SOLD, "FROM", "MFR", "TO", "PH1"))
    ok(c.call("RECEIVE", *SOLD, "SITE", "PH1"))


def text_map(r):
    check(isinstance(r, dict), f"a map: {r!r}")
    return {k.decode(): v.decode() if isinstance(v, bytes) else v for k, v in r.items()}


class Seller(threading.Thread):
    """Sells codes one after another on its own connection; keeps when
    each DISPENSE was sent and when its reply came (monotonic)."""

    def __init__(self, d, codes):
        super().__init__(daemon=True)
        self.conn = d.connect(timeout=10.0)
        self.codes = codes
        self.stop = threading.Event()
        self.sales = []         # (code, sent, acked)
        self.error = None

    def run(self):
        try:
            deadline = time.monotonic() + LOAD_TIMEOUT
            for n, code in enumerate(self.codes):
                if self.stop.is_set() or time.monotonic() > deadline:
                    break
                sent = time.monotonic()
                r = self.conn.call("DISPENSE", code, "SITE", "PH1", "TX", f"T{n}")
                acked = time.monotonic()
                if isinstance(r, Error):
                    raise AssertionError(f"DISPENSE {code}: {r}")
                self.sales.append((code, sent, acked))
        except Exception as e:      # reported by the test
            self.error = e

    def wait_for(self, n):
        deadline = time.monotonic() + LOAD_TIMEOUT
        while len(self.sales) < n and self.error is None and time.monotonic() < deadline:
            time.sleep(0.005)
        check(len(self.sales) >= n, f"{n} sales within {LOAD_TIMEOUT}s: {self.error}")


def status(c, code):
    return text_map(c.call("VERIFY", code))["status"]


def test_backup_while_selling_opens_as_the_same_store():
    d = Yimad("--threads", "1")     # the seller and BACKUP share the network thread
    copy = None
    try:
        c = setup_sites(d)
        bulk(c, 200)
        stock_ph1(c)
        for n, code in enumerate(SOLD[:100]):
            ok(c.call("DISPENSE", code, "SITE", "PH1", "TX", f"B{n}"))
        seller = Seller(d, SOLD[100:])
        seller.start()
        seller.wait_for(20)
        asked = time.monotonic()
        rc, out, err = d.yima("--json", "backup")
        replied = time.monotonic()
        eq(rc, 0, f"yima backup: {err}")
        time.sleep(0.2)                 # some sales after the copy
        seller.stop.set()
        seller.join(LOAD_TIMEOUT)
        check(seller.error is None, f"seller: {seller.error}")
        r = json.loads(out)
        before = [s[0] for s in seller.sales if s[2] < asked]
        after = [s[0] for s in seller.sales if s[1] > replied]
        during = [s[0] for s in seller.sales if s[1] > asked and s[2] < replied]
        check(before and after, f"sales on both sides of the copy: {len(before)} before, "
              f"{len(after)} after, {len(seller.sales)} in all")
        check(len(during) >= 5, f"sales go on while the copy runs: {len(during)} during it")
        print(f"backup: {r['bytes']} bytes in {r['ms']} ms at log entry {r['journal_last']}; "
              f"{len(seller.sales)} sales meanwhile")
        eq(os.path.dirname(r["path"]), os.path.realpath(os.path.join(d.tmp, "backups")),
           "default backup_dir: 'backups' beside the data directory")
        eq(sorted(os.listdir(os.path.join(d.tmp, "backups"))), [r["name"]],
           "only the finished backup, no .partial directory")
        eq(os.listdir(r["path"]), ["data.mdb"], "the backup's files")
        check(r["bytes"] > 50 << 20, f"a store of a useful size: {r['bytes']}")
        live = d.connect()
        live.call("HELLO", "3")
        live_head = text_map(info(live, "audit"))
        eq(d.stop(), 0, "yimad stopped")

        copy = Yimad(data=r["path"])
        # AUDIT VERIFY STATE replays the whole log: minutes under TSan.
        cc = copy.connect(timeout=LOAD_TIMEOUT)
        cc.call("HELLO", "3")
        head = text_map(info(cc, "audit"))
        eq(head["log_head_seq"], r["journal_last"], "the copy's log ends at journal_last")
        check(head["log_head_seq"] < live_head["log_head_seq"],
              "the live log went on after the copy")
        for code in SOLD[:100] + before:
            eq(status(cc, code), "dispensed", f"{code}, sold before BACKUP, in the copy")
        for code in after:
            eq(status(cc, code), "active", f"{code}, sold after BACKUP's reply, in the copy")
        eq(status(cc, "8301234" + "0" * 13), "active", "a bulk unit")
        v = text_map(cc.call("AUDIT", "VERIFY"))
        eq(v["ok"], True, f"AUDIT VERIFY of the copy: {v}")
        s = text_map(cc.call("AUDIT", "VERIFY", "STATE"))
        eq((s["ok"], s["entries"]), (True, r["journal_last"]),
           f"AUDIT VERIFY STATE of the copy: {s}")
        # The copy is a store like any other: it takes writes.
        ok(cc.call("DISPENSE", after[0], "SITE", "PH1", "TX", "AGAIN"))
        eq(copy.stop(), 0, "the copy's yimad stopped")
    finally:
        if copy:
            copy.close()
        d.close()


def test_backup_refusals():
    d = Yimad()
    try:
        lines = [token_line("ph", "pharmacy", "PH1", "secret-ph"),
                 token_line("adm", "admin", "-", "secret-adm")]
        acl = write_acl(d, lines)
        d.stop()
        d.flags += ["--acl-file", acl]
        d.start()
        c = setup_sites(d)
        for name, why in (("../x", "may not start with '.'"), ("..", "may not start"),
                          (".", "may not start"), ("a/b", "character 2 of the name"),
                          ("", "1 to 64 characters"), ("x" * 65, "1 to 64 characters"),
                          ("a b", "character 2"), ("a\x00b", "character 2")):
            r = refused(c.call("BACKUP", name), "ERR", f"BACKUP {name!r}")
            check(why in r, f"BACKUP {name!r}: {r!r} should say {why!r}")
        eq(os.path.exists(os.path.join(d.tmp, "x")), False, "nothing written outside")
        r = text_map(ok(c.call("BACKUP", "nightly-1.a_b")))
        eq(r["name"], "nightly-1.a_b", "a given name")
        r = refused(c.call("BACKUP", "nightly-1.a_b"), "ERR", "a taken name")
        check("a backup named 'nightly-1.a_b' exists" in r, r)
        # The CLI: the error on stderr, exit status 1.
        rc, out, err = d.yima("backup", "nightly-1.a_b")
        eq(rc, 1, "yima backup of a taken name")
        check("exists" in err, err)
        rc, out, err = d.yima("backup", "n2")
        eq(rc, 0, f"yima backup n2: {err}")
        check(out.startswith("backup written: ") and "/backups/n2 (" in out, out)
        rc, out, err = d.yima("backup", "a", "b")
        eq(rc, 2, "yima backup with two names")
        # Who may: admin (and local, above); a pharmacy may not.
        ph = d.connect()
        eq(ph.call("AUTH", "secret-ph"), "OK", "AUTH pharmacy")
        refused(ph.call("BACKUP", "ph"), "NOPERM", "a pharmacy's BACKUP")
        adm = d.connect()
        eq(adm.call("AUTH", "secret-adm"), "OK", "AUTH admin")
        ok(adm.call("BACKUP", "adm"), "an admin's BACKUP")
        eq(sorted(os.listdir(os.path.join(d.tmp, "backups"))), ["adm", "n2", "nightly-1.a_b"],
           "the backups")
    finally:
        d.close()


def test_one_backup_at_a_time():
    """A second BACKUP while one runs is refused at once; the first
    completes, and the network thread answers meanwhile.  Two connections
    send a BACKUP 5 ms apart; whichever the server reads second is the
    second (on a slow build the one sent later can be read first).  The
    store is large enough that a copy takes a while; an attempt where the
    first ended before the second was read proves nothing and is tried
    again."""
    d = Yimad("--threads", "1")     # the second is answered by the thread of the first
    try:
        c = setup_sites(d)
        bulk(c, 200)
        first, second = d.connect(timeout=60.0), d.connect(timeout=60.0)
        for attempt in range(5):
            first.send(b"*1\r\n$6\r\nBACKUP\r\n")
            time.sleep(0.005)
            second.send(b"*1\r\n$6\r\nBACKUP\r\n")
            ready = select.select([first.sock, second.sock], [], [], 120)[0]
            check(ready, "no reply to either BACKUP in 120 s")
            early, late = (first, second) if first.sock in ready else (second, first)
            r = early.reply()
            pending = not select.select([late.sock], [], [], 0)[0]
            done = late.reply()
            for reply in (r, done):
                if isinstance(reply, Error):
                    refused(reply, "ERR", "a second BACKUP while one runs")
                    check("another BACKUP is running" in reply, reply)
            check(not (isinstance(r, Error) and isinstance(done, Error)), "both refused")
            if isinstance(r, Error) and pending:
                # Refused at once, while the other BACKUP still copies.
                ok(done, "the BACKUP that ran")
                break
            print(f"attempt {attempt}: no refusal came while the other BACKUP ran")
        else:
            raise AssertionError("no two BACKUPs overlapped in 5 attempts")
        backups = os.listdir(os.path.join(d.tmp, "backups"))
        check(not any(b.startswith(".") for b in backups), f"no partial copy left: {backups}")
        eq(c.call("PING"), "PONG", "the server goes on")
    finally:
        d.close()


def test_shutdown_waits_for_a_running_backup():
    """SIGTERM while a BACKUP copies: yimad waits for it, sends its reply,
    and stops cleanly; the backup is complete."""
    d = Yimad()
    try:
        c = setup_sites(d)
        bulk(c, 200)
        b = d.connect(timeout=60.0)
        b.call("HELLO", "3")
        b.send(b"*2\r\n$6\r\nBACKUP\r\n$4\r\nlast\r\n")
        time.sleep(0.05)
        eq(d.stop(), 0, "yimad stopped while BACKUP ran")
        r = text_map(ok(b.reply(), "BACKUP's reply before the end"))
        eq(os.listdir(r["path"]), ["data.mdb"], "a complete backup")
        check("waiting for 1 long command (BACKUP) to end" in d.output(),
              f"the shutdown waited for it (the copy took {r['ms']} ms)")
    finally:
        d.close()
