"""The log of entries: every write request applied is stored as an entry
(daemon/STORE.md, "The log"), and the entries give the store again.

`yimad --replay SRC --data DST` applies a stopped store's entries to an
empty store: the same hash-chain heads and, database by database, the same
records.  `AUDIT VERIFY STATE` replays the live log into a scratch store
and compares: a sold unit's status byte set back to active underneath
yimad (lmdb_poke, a test helper) makes VERIFY answer GREEN and AUDIT
VERIFY hold, but not AUDIT VERIFY STATE; an entry changed without its
link shows too.  A store upgraded from before the log says its log does
not cover it."""
import http.client
import json
import os
import re
import subprocess
import sys
import threading

import oldstore
from harness import YIMAD, Error, Yimad, check, day, eq, encode, free_port
from harness import info as harness_info
from secutil import token_line

TOOLS = os.environ.get("YIMA_TEST_TOOLS", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "tests"))
POKE = os.path.join(TOOLS, "lmdb_poke")

PRODUCT, SPLIT = "8301234", "8305555"
CASE = "(00)069012340000000016"
TOKENS = {"ph1": ("pharmacy", "PH1"), "mfr": ("manufacturer", "MFR")}


def cn(n, product=PRODUCT):
    return f"{product}{n:013d}"


def ok(r, what):
    check(not isinstance(r, Error), f"{what}: {r!r}")
    return r


def refused(r, what):
    check(isinstance(r, Error), f"{what}: want an error reply, got {r!r}")
    return r


def acl_yimad():
    """A yimad with a token for a pharmacy and one for a manufacturer."""
    d = Yimad()
    path = os.path.join(d.tmp, "acl")
    with open(path, "w") as f:
        for name, (role, site) in TOKENS.items():
            f.write(token_line(name, role, site, f"secret-{name}"))
    d.flags += ["--acl-file", path]
    d.restart()
    return d


def connect(d, token=None):
    c = d.connect()
    if token:
        eq(c.call("AUTH", f"secret-{token}"), "OK", f"AUTH as {token}")
    c.call("HELLO", "3")
    return c


def workload(d):
    """A bit of everything a write can do, by the local principal and by
    two signed-in ones, with refusals and an undone batch among them and
    the clock moved in between.  Returns the write requests applied."""
    c = connect(d)
    applied = 0

    def w(*args, want_error=False):
        nonlocal applied
        r = c.call(*args)
        if want_error:
            refused(r, " ".join(map(str, args[:3])))
        else:
            ok(r, " ".join(map(str, args[:3])))
            applied += 1
        return r

    for site, kind in (("MFR", "manufacturer"), ("DIST", "distributor"), ("PH1", "pharmacy"),
                       ("PH2", "pharmacy")):
        w("SITE", "SET", site, "name", f"Site {site}", "kind", kind)
    w("PRODUCT", "SET", PRODUCT, "name", "Amoxicillin", "units_per_pack", "1")
    w("PRODUCT", "SET", SPLIT, "name", "Tablets", "units_per_pack", "24")
    w("COMMISSION", *[cn(i) for i in range(1, 9)], "SITE", "MFR", "LOT", "L1", "EXPIRY", day(400))
    w("COMMISSION", cn(1, SPLIT), "SITE", "MFR", "LOT", "S1", "EXPIRY", day(20))
    w("COMMISSION", CASE, "SITE", "MFR", "LEVEL", "3")
    w("COMMISSION", cn(1), "SITE", "MFR", "LOT", "L1", "EXPIRY", day(400), want_error=True)
    w("PACK", CASE, cn(1), cn(2), cn(3), "SITE", "MFR")
    w("SHIP", CASE, cn(4), cn(5), cn(1, SPLIT), "FROM", "MFR", "TO", "DIST", "REF", "DN-1")
    w("RECEIVE", CASE, cn(4), cn(5), cn(1, SPLIT), "SITE", "DIST")
    w("UNPACK", CASE, cn(1), "SITE", "DIST")
    r = w("EVENTS", "BATCH", "b-1", "SKIPBAD", f"SHIP {cn(1)} FROM DIST TO PH1 REF DN-2",
          f"RECEIVE {cn(1)} SITE PH1", f"SHIP {cn(99)} FROM DIST TO PH1",
          f"RECEIVE {cn(6)} SITE PH1")
    eq((r[b"applied"], r[b"skipped"]), (2, 2), "SKIPBAD batch")
    # All or nothing: the third record fails after two applied (WRITE_UNDO).
    r = w("EVENTS", f"SHIP {cn(4)} FROM DIST TO PH1", f"RECEIVE {cn(4)} SITE PH1",
          f"RECEIVE {cn(7)} SITE PH2", want_error=True)
    check("nothing was applied" in r, r)
    r = w("EVENTS", "BATCH", "b-1", "SKIPBAD", f"SHIP {cn(1)} FROM DIST TO PH1 REF DN-2",
          f"RECEIVE {cn(1)} SITE PH1", f"SHIP {cn(99)} FROM DIST TO PH1",
          f"RECEIVE {cn(6)} SITE PH1")
    eq(r[b"replayed"], True, "the batch sent again")
    w("SHIP", cn(1, SPLIT), "FROM", "DIST", "TO", "PH1")
    w("RECEIVE", cn(1, SPLIT), "SITE", "PH1")
    eq(w("DISPENSE", cn(1), "SITE", "PH1", "TX", "T1")[b"verdict"], b"green", "sale")
    eq(w("DISPENSE", cn(1), "SITE", "PH2", "TX", "T2")[b"verdict"], b"red", "duplicate")
    w("DISPENSE", cn(1), "SITE", "PH1", "TX", "T1")         # the same sale again
    w("DISPENSE", cn(1, SPLIT), "SITE", "PH1", "TX", "T3", "QTY", "5")
    w("DISPENSE", cn(1, SPLIT), "SITE", "PH1", "TX", "T4", "QTY", "5")
    w("DISPENSE", cn(5), "SITE", "PH2", "TX", "T5")          # never received there
    w("DISPENSE", cn(12345), "SITE", "PH1")                  # unknown: an alert
    w("DISPENSE", cn(1), "SITE", "NOWHERE", want_error=True)
    d.advance("1h")
    w("UNDO", cn(1, SPLIT), "SITE", "PH1", "TX", "T4")
    w("LOCK", cn(7), "REASON", "counted twice")
    w("RECALL", PRODUCT, "L1", "LEVEL", "2", "REASON", "dissolution")
    w("RECALL.ACK", PRODUCT, "L1", "SITE", "DIST")
    d.advance("2d")
    w("LIFT", PRODUCT, "L1", "REASON", "false alarm", want_error=False)
    w("DESTROY", cn(8), "SITE", "MFR")
    c.close()

    # Signed-in principals: their batch ids are their own (the key names
    # them), and a pharmacy's own site only.
    m = connect(d, "mfr")
    ok(m.call("EVENTS", "BATCH", "b-1", f"COMMISSION {cn(20)} SITE MFR LOT L2 EXPIRY {day(300)}",
              f"COMMISSION {cn(21)} SITE MFR LOT L2 EXPIRY {day(300)}",
              f"SHIP {cn(20)} {cn(21)} FROM MFR TO PH1"), "manufacturer's batch b-1")
    applied += 1
    refused(m.call("SHIP", cn(4), "FROM", "DIST", "TO", "PH1"), "not its stock")
    m.close()
    p = connect(d, "ph1")
    ok(p.call("RECEIVE", cn(20), cn(21), "SITE", "PH1"), "pharmacy receives")
    ok(p.call("DISPENSE", cn(20), "SITE", "PH1", "TX", "P1"), "pharmacy sells")
    applied += 2
    refused(p.call("DISPENSE", cn(21), "SITE", "PH2", "TX", "P2"), "another pharmacy's sale")
    p.close()
    return applied


def basics(d):
    """MFR, PH1 and the product, on a connection it returns."""
    c = connect(d)
    for site, kind in (("MFR", "manufacturer"), ("PH1", "pharmacy")):
        ok(c.call("SITE", "SET", site, "name", site, "kind", kind), "SITE SET")
    ok(c.call("PRODUCT", "SET", PRODUCT, "name", "Amoxicillin"), "PRODUCT SET")
    return c


def info(d, section):
    c = connect(d)
    r = harness_info(c, section)
    c.close()
    return r


def dump(data, db):
    out = subprocess.run([POKE, data, db, "-", "dump"], capture_output=True, text=True,
                         timeout=60)
    check(out.returncode == 0, f"lmdb_poke {data} {db} dump: {out.stderr}")
    return out.stdout


def replay(src, dst, *flags):
    return subprocess.run([YIMAD, "--replay", src, "--data", dst, *flags],
                          capture_output=True, text=True, timeout=300)


def audit_state(d):
    c = connect(d)
    r = c.call("AUDIT", "VERIFY", "STATE")
    c.close()
    if isinstance(r, dict):
        r = {k.decode(): v.decode() if isinstance(v, bytes) else v for k, v in r.items()}
    return r


def test_replay_gives_the_same_store():
    """A mixed workload, stopped; its entries replayed into an empty
    store: entries as many as the writes applied, the same heads of the
    event chain and the log's chain, every database the same record for
    record."""
    d = acl_yimad()
    dst = os.path.join(d.tmp, "replayed")
    try:
        applied = workload(d)
        # A bulk batch: its entry is stored packed (STORE.md, "Packed
        # entries"), and replays and chains as stored.
        c = connect(d)
        ok(c.call("EVENTS", "BATCH", "bulk-1",
                  *[f"COMMISSION {cn(i)} SITE MFR LOT L3 EXPIRY {day(300)}"
                    for i in range(100, 160)]), "a bulk batch")
        c.close()
        applied += 1
        audit = info(d, "audit")
        eq(audit[b"log_head_seq"], applied, "one entry per write applied")
        dbs = [db.decode() for db in info(d, "store")[b"entries"]]
        check("log" in dbs and "log_hashes" not in dbs, dbs)
        eq(d.stop(), 0, "yimad stopped")
        entries = [bytes.fromhex(v) for _, v in oldstore.dump(d.data, "log")]
        packed = [e for e in entries if e[32] == 0x80]
        eq(len(packed), 1, f"packed entries among {len(entries)}")
        check(len(packed[0]) < 32 + 1000, f"the batch's entry packed: {len(packed[0])} bytes")

        r = replay(d.data, dst)
        eq(r.returncode, 0, f"yimad --replay\n{r.stdout}{r.stderr}")
        check(f"entries applied: {applied} in" in r.stdout, r.stdout)
        check("heads: match" in r.stdout and "state: identical" in r.stdout, r.stdout)
        head = audit[b"head_hash"].decode()
        check(f"source head:     {audit[b'head_seq']} {head}" in r.stdout and
              f"replay head:     {audit[b'head_seq']} {head}" in r.stdout, r.stdout)
        for db in dbs:
            a, b = dump(d.data, db), dump(dst, db)
            check(a == b, f"database {db} differs after replay:\n{a[:2000]}\n---\n{b[:2000]}")
        for db in ("units", "sales", "alerts", "batches", "tally", "events", "log"):
            check(dump(dst, db).count("\n") > 1, f"{db}: the workload wrote some")

        r = replay(d.data, dst)
        eq(r.returncode, 2, f"replay into a store that holds data\n{r.stdout}{r.stderr}")
        check("holds data" in r.stderr, r.stderr)
        d.start()
        eq(audit_state(d)["ok"], True, "AUDIT VERIFY STATE of the same store")
    finally:
        d.close()


def test_sold_unit_set_back_to_active_is_found():
    """The tamper case: a sold unit's status byte changed from dispensed
    (3) to active (1) in the stopped store.  VERIFY answers GREEN and
    AUDIT VERIFY finds the event chain intact; AUDIT VERIFY STATE does not
    hold, and names the units database and the unit's key."""
    d = Yimad()
    try:
        c = basics(d)
        ok(c.call("COMMISSION", cn(1), cn(2), "SITE", "MFR", "LOT", "L1", "EXPIRY", day(400)), "")
        ok(c.call("SHIP", cn(1), cn(2), "FROM", "MFR", "TO", "PH1"), "SHIP")
        ok(c.call("RECEIVE", cn(1), cn(2), "SITE", "PH1"), "RECEIVE")
        eq(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "T1")[b"verdict"], b"green", "sale")
        eq(c.call("VERIFY", cn(1), "SITE", "PH1")[b"verdict"], b"red", "sold: red")
        eq(audit_state(d)["ok"], True, "untouched")
        eq(d.stop(), 0, "yimad stopped")

        key = (1).to_bytes(5, "big").hex()      # the first unit commissioned
        value = subprocess.run([POKE, d.data, "units", key, "get"], capture_output=True,
                               text=True, check=True, timeout=30).stdout.strip()
        eq(value[2:4], "03", f"unit 1 is dispensed: {value}")
        subprocess.run([POKE, d.data, "units", key, "put", value[:2] + "01" + value[4:]],
                       check=True, timeout=30)
        d.start()
        c = connect(d)
        eq(c.call("VERIFY", cn(1), "SITE", "PH1")[b"verdict"], b"green", "the changed unit")
        r = c.call("AUDIT", "VERIFY")
        eq(r[b"ok"], True, f"the event chain holds: {r}")
        r = audit_state(d)
        eq((r["ok"], r["db"], r["key"]), (False, "units", key), f"AUDIT VERIFY STATE: {r}")
        check("the value differs from byte 1" in r["error"], r["error"])
        rc, out, err = d.yima("AUDIT", "VERIFY", "STATE")
        eq(rc, 1, f"yima exits 1 on ok: false\n{out}{err}")
    finally:
        d.close()


def test_untouched_store_holds_while_writes_go_on():
    """AUDIT VERIFY STATE of an untouched store: ok, every entry replayed,
    in several steps, while another connection keeps writing;
    the scratch store is gone afterwards."""
    d = Yimad()
    stop = threading.Event()
    errors = []

    def writer():
        try:
            c = connect(d)
            i = 0
            while not stop.is_set():
                r = c.call("DISPENSE", cn(900000 + i), "SITE", "PH1")
                if isinstance(r, Error):
                    errors.append(r)
                i += 1
            c.close()
        except Exception as e:      # reported by the main thread
            errors.append(repr(e))

    try:
        c = basics(d)
        for b in range(40):     # 40,000 units: more records than one step compares
            c.send(encode("COMMISSION", *[cn(b * 1000 + i + 1) for i in range(1000)],
                          "SITE", "MFR", "LOT", f"L{b % 3}", "EXPIRY", day(400)))
        for b in range(40):
            ok(c.reply(), f"COMMISSION batch {b}")
        t = threading.Thread(target=writer)
        t.start()
        try:
            r = audit_state(d)
        finally:
            stop.set()
            t.join(60)
        eq(errors, [], "the writes meanwhile")
        check(r["ok"] is True and r["db"] is None and r["error"] is None, r)
        check(r["entries"] >= 43 and r["records"] > 120000, r)
        check(not [n for n in os.listdir(d.data) if n.startswith("audit-state")],
              os.listdir(d.data))
        eq(audit_state(d)["entries"], info(d, "audit")[b"log_head_seq"], "every entry")
    finally:
        stop.set()
        d.close()


def test_entry_changed_without_its_link_is_found():
    """A log entry changed underneath yimad (a bit of its request id, which
    changes nothing the entry does): replaying chains the entries again,
    so the link stored for it differs."""
    d = Yimad()
    try:
        c = basics(d)
        ok(c.call("COMMISSION", cn(1), "SITE", "MFR", "LOT", "L1", "EXPIRY", day(400)), "")
        eq(d.stop(), 0, "yimad stopped")
        key = (3).to_bytes(6, "big").hex()      # PRODUCT SET
        # The value is the 32-byte link, then the entry; the entry's
        # request id ends at its byte 15.
        subprocess.run([POKE, d.data, "log", key, "flip", str(32 + 15)], check=True,
                       timeout=30)
        d.start()
        r = audit_state(d)
        eq((r["ok"], r["db"], r["key"]), (False, "log", key), f"AUDIT VERIFY STATE: {r}")
        eq(d.stop(), 0, "yimad stopped")
        r = replay(d.data, os.path.join(d.tmp, "replayed"))
        eq(r.returncode, 1, f"yimad --replay\n{r.stdout}{r.stderr}")
        check("heads: differ" in r.stdout and "state: differs: log " in r.stdout,
              r.stdout)
    finally:
        d.close()


def test_store_from_before_the_log_is_not_taken_for_damage():
    """A store of schema version 4 (no log: made here from a new store by
    recording version 4 and emptying the log, which is what yimad 4 left
    and this version finds once it has created the log's database) is
    upgraded in place: AUDIT VERIFY STATE says its log does not cover its
    events instead of reporting them as damage, AUDIT VERIFY holds, new
    writes are logged, and --replay refuses it as a source."""
    d = Yimad()
    try:
        c = basics(d)
        ok(c.call("COMMISSION", cn(1), cn(2), "SITE", "MFR", "LOT", "L1", "EXPIRY", day(400)), "")
        ok(c.call("SHIP", cn(1), "FROM", "MFR", "TO", "PH1"), "SHIP")
        eq(d.stop(), 0, "yimad stopped")
        subprocess.run([POKE, d.data, "log", "-", "drop"], check=True, timeout=30)
        oldstore.links_apart(d.data, "events", "event_hashes")
        oldstore.set_schema(d.data, 4)
        d.start()
        out = d.output()
        check("schema version 4 upgraded to 9" in out and "after event 2" in out, out)
        r = connect(d).call("AUDIT", "VERIFY", "STATE")
        check(isinstance(r, Error) and "the log does not cover events 1..2" in r, r)
        eq(connect(d).call("AUDIT", "VERIFY")[b"ok"], True, "the event chain holds")
        c = connect(d)
        ok(c.call("RECEIVE", cn(1), "SITE", "PH1"), "a write after the upgrade")
        eq(info(d, "audit")[b"log_head_seq"], 1, "logged")
        d.restart()
        check("upgraded" not in d.output(), "upgraded once")
        eq(d.stop(), 0, "yimad stopped")
        r = replay(d.data, os.path.join(d.tmp, "replayed"))
        eq(r.returncode, 2, f"yimad --replay of it\n{r.stdout}{r.stderr}")
        check("does not cover" in r.stderr, r.stderr)
    finally:
        d.close()


def as_schema_5(data):
    """Turn a stopped store back into what yimad 5 left: each entry's link
    in a database of its own (log_hashes), the entry alone in log, and so
    for the events (event_hashes)."""
    oldstore.links_apart(data, "events", "event_hashes")
    rows = [" ".join(r).split() for r in oldstore.links_apart(data, "log", "log_hashes")]
    oldstore.set_schema(data, 5)
    return rows


def test_store_of_schema_5_keeps_its_log_and_links():
    """A version 5 store (links in log_hashes) is upgraded in place: every
    entry takes its link, log_hashes goes, the log's head is unchanged,
    AUDIT VERIFY STATE holds and the log goes on.  A link missing from
    log_hashes is damage: yimad refuses to start, naming the entry, and
    leaves the store as it was."""
    d = Yimad()
    try:
        c = basics(d)
        ok(c.call("COMMISSION", cn(1), cn(2), "SITE", "MFR", "LOT", "L1", "EXPIRY", day(400)), "")
        ok(c.call("SHIP", cn(1), "FROM", "MFR", "TO", "PH1"), "SHIP")
        head = info(d, "audit")
        eq(d.stop(), 0, "yimad stopped")
        before = dump(d.data, "log")
        events = dump(d.data, "events")
        rows = as_schema_5(d.data)
        eq(len(rows), head[b"log_head_seq"], "one row per entry")
        check(dump(d.data, "log") != before, "the links moved out")

        # One link lost: refused, nothing changed.
        spare = os.path.join(d.tmp, "spare")
        subprocess.run(["cp", "-a", d.data, spare], check=True, timeout=60)
        missing = rows[2][0]
        subprocess.run([POKE, spare, "log_hashes", missing, "del"], check=True, timeout=30)
        r = subprocess.run([YIMAD, "--bind", "127.0.0.1", "--port", "0", "--data", spare],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode != 0 and
              f"log record {missing} has no link in log_hashes" in r.stdout + r.stderr,
              f"{r.returncode}\n{r.stdout}{r.stderr}")
        out = subprocess.run([POKE, spare, "meta", b"schema_version".hex(), "get"],
                             capture_output=True, text=True, timeout=30)
        eq(out.stdout.strip(), (5).to_bytes(4, sys.byteorder).hex(), "still version 5")

        d.start()
        check("schema version 5 upgraded to 9" in d.output(), d.output())
        eq(dump(d.data, "log"), before, "every entry with its link again")
        eq(dump(d.data, "events"), events, "every event with its link again")
        got = subprocess.run([POKE, d.data, "log_hashes", "-", "dump"], capture_output=True,
                             text=True, timeout=30)
        check(got.returncode != 0, "log_hashes is gone")
        audit = info(d, "audit")
        eq((audit[b"log_head_seq"], audit[b"log_head_hash"]),
           (head[b"log_head_seq"], head[b"log_head_hash"]), "the same head")
        check(audit_state(d)["ok"] is True, "the state holds against the log")
        ok(connect(d).call("RECEIVE", cn(1), "SITE", "PH1"), "a write after the upgrade")
        eq(info(d, "audit")[b"log_head_seq"], head[b"log_head_seq"] + 1, "logged")
        check(audit_state(d)["ok"] is True, "and holds")
    finally:
        d.close()


def test_store_of_schema_8_keeps_its_version_1_log():
    """Issue 20: a version 8 store (log entries of version 1, events that
    do not say who made them) is upgraded by recording version 9 alone.
    Its log still replays to its state (the old entries applied as version
    1: no principal on their events), TRACE shows no principal on the old
    events, and the events of new requests say who made them."""
    d = acl_yimad()
    try:
        workload(d)
        eq(d.stop(), 0, "yimad stopped")
        oldstore.as_schema_8(d.data)
        d.start()
        check("schema version 8 upgraded to 9" in d.output(), d.output()[-800:])
        c = connect(d)
        r = c.call("AUDIT", "VERIFY")
        eq(r[b"ok"], True, f"both chains hold: {r}")
        eq(audit_state(d)["ok"], True, "the old log replays to the store")
        ok(c.call("COMMISSION", cn(900), "SITE", "MFR", "LOT", "NEW", "EXPIRY", day(400)),
           "COMMISSION")
        ok(c.call("LOCK", cn(1), "REASON", "after the upgrade"), "LOCK")
        events = c.call("TRACE", cn(1))[b"events"]
        check(len(events) >= 2, events)
        eq([b"principal" in e for e in events], [False] * (len(events) - 1) + [True],
           f"only the new event says who made it: {events}")
        eq(events[-1][b"principal"], b"local", "the local principal")
        eq(c.call("TRACE", cn(900))[b"events"][0][b"principal"], b"local", "a new COMMISSION")
        eq(audit_state(d)["ok"], True, "old and new entries replay alike")
    finally:
        d.close()


def test_store_of_schema_7_gets_the_units_of_its_events():
    """A version 7 store (no event_units: which units a PACK, an UNPACK or
    a movement of several codes named was kept only per unit) is upgraded
    in place: the lists are built from what each unit lists, byte for
    byte what the rules write, so AUDIT VERIFY STATE, which replays the
    log into a store of this version, finds the same state."""
    d = acl_yimad()
    try:
        workload(d)
        eq(d.stop(), 0, "yimad stopped")
        lists = dump(d.data, "event_units")
        check(lists.count("\n") >= 6, f"the workload's lists:\n{lists}")
        subprocess.run([POKE, d.data, "event_units", "-", "drop"], check=True, timeout=30)
        oldstore.set_schema(d.data, 7)
        eq(dump(d.data, "event_units"), "", "emptied")
        d.start()
        out = d.output()
        check("schema version 7 upgraded to 9" in out, out[-800:])
        check(f"listed the units of {lists.count(chr(10))} events" in out, out[-800:])
        eq(dump(d.data, "event_units"), lists, "the same lists again")
        eq(audit_state(d)["ok"], True, "the state holds against the log")
        d.restart()
        check("listed the units" not in d.output(), "built once")
    finally:
        d.close()


# -- the operator's logs (access_log, log_format) ---------------------------

def logged_yimad(fmt):
    """A yimad with the tokens of acl_yimad, an access log, HTTP, and
    log_format fmt; returns (daemon, the access log's path)."""
    d = Yimad()
    path = os.path.join(d.tmp, "acl")
    with open(path, "w") as f:
        for name, (role, site) in TOKENS.items():
            f.write(token_line(name, role, site, f"secret-{name}"))
    access = os.path.join(d.tmp, "access.log")
    d.flags += ["--acl-file", path, "--access-log", access, "--log-format", fmt,
                "--http-port", str(free_port())]
    d.restart()
    return d, access


def operator_session(d):
    """A sale, a refusal, a failed sign-in, an alert, and a read over HTTP
    (of the sold pack: red)."""
    c = connect(d)
    for args in (("SITE", "SET", "PH1", "name", "P1", "kind", "pharmacy"),
                 ("SITE", "SET", "MFR", "name", "M", "kind", "manufacturer"),
                 ("PRODUCT", "SET", PRODUCT, "name", "Amoxicillin", "units_per_pack", "1"),
                 ("COMMISSION", cn(1), "SITE", "MFR", "LOT", "L1", "EXPIRY", day(700)),
                 ("SHIP", cn(1), "FROM", "MFR", "TO", "PH1"),
                 ("RECEIVE", cn(1), "SITE", "PH1")):
        ok(c.call(*args), args[0])
    ph = connect(d, "ph1")
    eq(ph.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "T1")[b"verdict"], b"green", "sale")
    refused(ph.call("RECALL", PRODUCT, "L1", "LEVEL", "1", "REASON", "r"), "NOPERM")
    eq(ph.call("DISPENSE", cn(2), "SITE", "PH1", "TX", "T2")[b"verdict"], b"red",
       "an unknown code: an alert")
    bad = d.connect()
    refused(bad.call("AUTH", "not-a-token"), "a wrong token")
    h = http.client.HTTPConnection("127.0.0.1", d.http_port, timeout=30)
    h.request("GET", f"/v1/verify?code={cn(1)}&site=PH1")
    r = h.getresponse()
    r.read()
    eq(r.status, 200, "GET /v1/verify")
    # Two EPCIS captures by the manufacturer: one with no events (accepted,
    # its job done at once), one that is no EPCIS document.
    empty = json.dumps({"@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
                        "type": "EPCISDocument", "schemaVersion": "2.0",
                        "creationDate": "2027-03-15T00:00:00Z",
                        "epcisBody": {"eventList": []}})
    for body, status in ((empty, 202), ('{"type": "EPCISQueryDocument"', 400)):
        h.request("POST", "/epcis/capture", body=body,
                  headers={"Authorization": "Bearer secret-mfr",
                           "Content-Type": "application/ld+json"})
        r = h.getresponse()
        eq(r.status, status, f"capture: {r.read()!r}")
    for x in (c, ph, bad, h):
        x.close()


def test_access_log_text_a_line_per_request_and_operator_events():
    d, access = logged_yimad("text")
    try:
        operator_session(d)
        d.stop()
        with open(access) as f:
            lines = f.read().splitlines()
        fields = [{k: v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|\S+)', line)}
                  for line in lines]
        by = {(f["command"], f["code"], f["outcome"]): f for f in fields}
        sale = by.get(("DISPENSE", cn(1), "green"))
        check(sale is not None, f"no line for the sale in:\n" + "\n".join(lines))
        eq((sale["principal"], sale["role"], sale["site"]), ("ph1", "pharmacy", "PH1"), "who")
        check(sale["addr"].startswith("127.0.0.1:") and float(sale["latency_ms"]) >= 0, sale)
        check(("RECALL", "-", "NOPERM") in by, "the refusal has its line")
        check(("DISPENSE", cn(2), "red") in by, "the unknown code's sale")
        check(("AUTH", "-", "WRONGPASS") in by, "the failed AUTH")
        check(any(ln.split()[1] == "http" and f"code={cn(1)}" in ln and "outcome=red" in ln
                  for ln in lines), "the HTTP read has its line")
        check(all(ln.split()[1] in ("resp", "http") for ln in lines), lines)
        captures = [(f["principal"], f["outcome"]) for f in fields if f["command"] == "EVENTS"]
        eq(captures, [("mfr", "accepted"), ("mfr", "ERR")], "the captures' lines")
        log = d.output()
        check(re.search(r"conn \d+ 127\.0\.0\.1:\d+: NOPERM for pharmacy 'ph1': "
                        r"pharmacy 'ph1' may not run RECALL", log), log)
        check(re.search(r"conn \d+ 127\.0\.0\.1:\d+: AUTH failed", log), log)
        check(re.search(rf"alert: unknown #\d+ at site PH1: code {cn(2)} tx T2", log), log)
    finally:
        d.close()


def test_json_log_format_and_access_log():
    d, access = logged_yimad("json")
    try:
        operator_session(d)
        d.stop()
        with open(access) as f:
            lines = [json.loads(line) for line in f]
        keys = {"time", "proto", "conn", "addr", "principal", "role", "site", "command",
                "code", "outcome", "latency_ms"}
        check(all(set(line) == keys for line in lines), lines[:3])
        sale = [x for x in lines if x["command"] == "DISPENSE" and x["code"] == cn(1)]
        eq([(x["principal"], x["site"], x["outcome"]) for x in sale], [("ph1", "PH1", "green")],
           "the sale")
        check(isinstance(sale[0]["latency_ms"], float), sale)
        log = [json.loads(line) for line in d.output().splitlines() if line.strip()]
        check(all(set(x) == {"time", "level", "msg"} for x in log), log[:3])
        check(any(x["msg"].startswith("alert: unknown") for x in log), log)
        check(any("NOPERM" in x["msg"] and "'ph1'" in x["msg"] for x in log), log)
    finally:
        d.close()


def test_no_access_log_unless_configured():
    d = Yimad()
    try:
        ok(d.connect().call("PING"), "PING")
        d.stop()
        eq([n for n in os.listdir(d.tmp) if "access" in n], [], "no access log")
    finally:
        d.close()


def test_store_from_before_the_new_databases():
    """A store an older yimad left, without the databases added since with
    no schema step (readings, cold_breaks, cold_counts, alert_status,
    lot_sources, lot_outputs): `yimad --replay` opens it read only and
    reads each as empty (state identical to its replay); a yimad started on
    it creates them and goes on, cold chain included."""
    d = Yimad()
    dst = os.path.join(d.tmp, "replayed")
    try:
        c = basics(d)
        ok(c.call("COMMISSION", cn(1), cn(2), "SITE", "MFR", "LOT", "L1", "EXPIRY", day(400)), "")
        ok(c.call("SHIP", cn(1), cn(2), "FROM", "MFR", "TO", "PH1"), "SHIP")
        ok(c.call("RECEIVE", cn(1), cn(2), "SITE", "PH1"), "RECEIVE")
        ok(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "T1"), "DISPENSE")
        eq(d.stop(), 0, "yimad stopped")
        oldstore.without_new_databases(d.data)
        for db in oldstore.MADE_AT_OPEN:
            r = subprocess.run([POKE, d.data, db, "-", "dump"], capture_output=True, text=True,
                               timeout=60)
            check(r.returncode != 0, f"{db} still there: {r.stdout}")

        r = replay(d.data, dst)
        eq(r.returncode, 0, f"yimad --replay of an older store\n{r.stdout}{r.stderr}")
        check("state: identical" in r.stdout, r.stdout)

        d.start()
        c = connect(d)
        entries = info(d, "store")[b"entries"]
        check(all(entries.get(db.encode()) == 0 for db in oldstore.MADE_AT_OPEN),
              f"created empty: {entries}")
        eq(c.call("VERIFY", cn(1), "SITE", "PH1")[b"reasons"], [b"duplicate"], "sold before")
        ok(c.call("PRODUCT", "SET", PRODUCT, "storage_max_c", "25"), "a storage range")
        r = ok(c.call("RETURN", cn(2), "FROM", "PH1", "TO", "MFR", "TEMP", "30"), "a warm return")
        eq(r[b"cold_chain_breaks"], 1, f"the cold chain on the older store: {r}")
    finally:
        d.close()
