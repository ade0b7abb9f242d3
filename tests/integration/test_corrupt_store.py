"""A damaged store is reported, never trusted: bits flipped in a copy of
data.mdb — in a record's length or in its bytes — make the read commands
answer (a verdict, or `-STORE ... corrupt record in DB at key K`), never
crash yimad or make it read past the end of its data file."""
import os
import shutil
import subprocess

from harness import Error, Yimad, check, day, eq
from seeded import rng

TOOLS = os.environ.get("YIMA_TEST_TOOLS", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "tests"))
POKE = os.path.join(TOOLS, "lmdb_poke")
PRODUCT, SPLIT = "8301234", "8305555"
CASE = "(00)069012340000000016"
SITES = ("MFR", "DIST", "PH1", "PH2")
# Every database but meta (whose schema version decides whether yimad
# starts at all).
DBS = ("sites", "site_nums", "products", "product_nums", "lots", "lot_nums", "codes",
       "units", "lot_units", "children", "events", "unit_events", "sales",
       "alerts", "lot_events", "product_state", "batches", "tally", "contents",
       "site_alerts", "unit_alerts", "log")


def cn(n, product=PRODUCT):
    return f"{product}{n:013d}"


CODES = [cn(i) for i in range(1, 7)] + [cn(1, SPLIT), CASE]


def ok(r, what):
    check(not isinstance(r, Error), f"{what}: {r!r}")
    return r


def build(d):
    """A store with a bit of everything: sites, products, lots, units, a
    case, movements, sales (split and whole), an undo, alerts, a recall, a
    lock and an EVENTS batch."""
    c = d.connect()
    c.call("HELLO", "3")
    for site, kind in zip(SITES, ("manufacturer", "distributor", "pharmacy", "pharmacy")):
        ok(c.call("SITE", "SET", site, "name", site, "kind", kind), "SITE SET")
    ok(c.call("PRODUCT", "SET", PRODUCT, "name", "Amoxicillin", "units_per_pack", "1"), "PRODUCT")
    ok(c.call("PRODUCT", "SET", SPLIT, "name", "Tablets", "units_per_pack", "24"), "PRODUCT")
    ok(c.call("COMMISSION", *CODES[:6], "SITE", "MFR", "LOT", "L1", "EXPIRY", day(400)), "COMM")
    ok(c.call("COMMISSION", CODES[6], "SITE", "MFR", "LOT", "S1", "EXPIRY", day(20)), "COMM")
    ok(c.call("COMMISSION", CASE, "SITE", "MFR", "LEVEL", "3"), "COMMISSION case")
    ok(c.call("PACK", CASE, *CODES[:3], "SITE", "MFR"), "PACK")
    ok(c.call("SHIP", CASE, CODES[3], CODES[6], "FROM", "MFR", "TO", "DIST", "REF", "DN-1"), "SHIP")
    ok(c.call("RECEIVE", CASE, CODES[3], CODES[6], "SITE", "DIST"), "RECEIVE")
    ok(c.call("UNPACK", CASE, CODES[0], "SITE", "DIST"), "UNPACK")
    ok(c.call("EVENTS", "BATCH", "b-1", f"SHIP {CODES[0]} FROM DIST TO PH1 REF DN-2",
              f"RECEIVE {CODES[0]} SITE PH1"), "EVENTS")
    ok(c.call("SHIP", CODES[6], "FROM", "DIST", "TO", "PH1"), "SHIP")
    ok(c.call("RECEIVE", CODES[6], "SITE", "PH1"), "RECEIVE")
    ok(c.call("DISPENSE", CODES[0], "SITE", "PH1", "TX", "T1"), "DISPENSE")
    ok(c.call("DISPENSE", CODES[0], "SITE", "PH2", "TX", "T2"), "duplicate")
    ok(c.call("DISPENSE", cn(99), "SITE", "PH2", "TX", "T3"), "unknown")
    ok(c.call("DISPENSE", CODES[6], "SITE", "PH1", "TX", "T4", "QTY", "5"), "split sale")
    ok(c.call("UNDO", CODES[6], "SITE", "PH1", "TX", "T4"), "UNDO")
    ok(c.call("DISPENSE", CODES[3], "SITE", "PH1", "TX", "T5"), "diverted sale")
    ok(c.call("LOCK", CODES[4], "REASON", "counted twice"), "LOCK")
    ok(c.call("RECALL", PRODUCT, "L1", "LEVEL", "2", "REASON", "dissolution"), "RECALL")
    c.close()


def read_everything(d):
    """Every read command over every code, lot, site and product: each
    must answer (a reply or an error reply).  Returns the STORE errors."""
    c = d.connect()
    c.call("HELLO", "3")
    reqs = []
    for code in CODES:
        reqs += [("VERIFY", code), ("VERIFY", code, "SITE", "PH1"), ("TRACE", code),
                 ("IMPACT", code)]
    for product, lot in ((PRODUCT, "L1"), (SPLIT, "S1")):
        reqs += [("IMPACT", product, lot), ("CODES", product, lot), ("PRODUCT", "GET", product)]
    for site in SITES:
        reqs += [("SITE", "GET", site), ("ALERTS", "SITE", site)]
    reqs += [("ALERTS",), ("INFO",), ("AUDIT", "VERIFY"), ("AUDIT", "VERIFY", "STATE"),
             ("PING",)]
    errors = []
    for req in reqs:
        r = c.call(*req)        # a crash or a hang fails here
        if isinstance(r, Error) and r.startswith("STORE"):
            errors.append(r)
    eq(c.call("PING"), "PONG", "alive after every read")
    c.close()
    return errors


def entries(data, db):
    """(key hex, node offset or None, value offset, value length) of db."""
    out = subprocess.run([POKE, data, db, "-", "list"], capture_output=True, text=True,
                         timeout=30)
    check(out.returncode == 0, f"lmdb_poke {db} list: {out.stderr}")
    rows = []
    for line in out.stdout.split("\n"):
        if line:
            key, node, value, length = line.split()
            rows.append((key, None if node == "-" else int(node), int(value), int(length)))
    return rows


def flip(path, offset, bit):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)[0]
        f.seek(offset)
        f.write(bytes([b ^ (1 << bit)]))


def pristine():
    d = Yimad()
    build(d)
    eq(d.stop(), 0, "yimad stopped")
    return d


def test_event_length_past_the_end_of_the_file_is_reported():
    """An event whose stored length runs past the end of data.mdb (a bit
    flipped in the length's high half): AUDIT VERIFY and TRACE answer with
    the corrupt record's database and key — they used to hash or copy it
    and die of SIGBUS — and yimad goes on serving."""
    d = pristine()
    try:
        key, node, _, _ = entries(d.data, "events")[0]
        check(node is not None, "the first event is on its leaf page")
        flip(os.path.join(d.data, "data.mdb"), node + 3, 6)    # length += 2^30
        d.start()
        c = d.connect()
        r = c.call("AUDIT", "VERIFY")
        check(isinstance(r, Error) and r.startswith("STORE") and
              f"corrupt record in events at key {key}" in r, r)
        r = c.call("TRACE", CODES[5])
        check(isinstance(r, Error) and "corrupt record in events" in r, r)
        eq(c.call("PING"), "PONG", "still serving")
        check("corrupt record in events" in d.output(), "logged")
    finally:
        d.close()


def test_flipped_bits_are_reported_never_trusted():
    """Seeded rounds: a bit flipped in one record's length or bytes, in a
    copy of the store, then every read command: yimad answers each, stays
    up, exits cleanly and (under ASan) reads nothing it should not."""
    r = rng("test_corrupt_store.flips")
    base = pristine()
    try:
        targets = [(db, e) for db in DBS for e in entries(base.data, db)]
        check(len(targets) > 50, f"{len(targets)} records to damage")
        reported = 0
        for round_ in range(16):
            db, (key, node, value, length) = r.choice(targets)
            copy = os.path.join(base.tmp, f"round-{round_}")
            shutil.copytree(base.data, copy)
            if node is not None and r.random() < 0.5:
                where, what = node + r.randrange(4), "length"
            else:
                where, what = value + r.randrange(max(length, 1)), "bytes"
            flip(os.path.join(copy, "data.mdb"), where, r.randrange(8))
            d = Yimad(data=copy)
            try:
                errors = read_everything(d)
                reported += bool(errors)
                for e in errors:
                    check("corrupt record in" in e or "write failed" not in e,
                          f"round {round_} ({db} {key} {what}): {e}")
                eq(d.stop(), 0, f"round {round_} ({db} {key} {what}): clean exit")
            finally:
                d.close()
                shutil.rmtree(copy, ignore_errors=True)
        print(f"    16 damaged stores read whole; {reported} reported a corrupt record")
    finally:
        base.close()


def test_damaged_batch_result_is_reported_not_replayed():
    """A kept EVENTS BATCH result that does not add up — shorter than its
    header, or an error whose message runs past the record's end — makes a
    re-sent batch answer with the corrupt record's database and key: a
    short one used to be answered as a missing key, and a long error was
    copied from past the record into the reply."""
    d = pristine()
    try:
        key = b"b-1".hex()
        damaged = ("00000002" "00000002" "00000000" "00",      # 13 bytes
                   "00000002" "00000001" "00000001" "0001" "00000002" "0190" "6e6f")
        for value in damaged:
            out = subprocess.run([POKE, d.data, "batches", key, "put", value],
                                 capture_output=True, timeout=30)
            eq(out.returncode, 0, f"lmdb_poke: {out.stderr!r}")
            d.start()
            c = d.connect()
            r = c.call("EVENTS", "BATCH", "b-1", f"SHIP {CODES[0]} FROM DIST TO PH1 REF DN-2",
                       f"RECEIVE {CODES[0]} SITE PH1")
            check(isinstance(r, Error) and r.startswith("STORE") and
                  f"corrupt record in batches at key {key}" in r, f"{value}: {r!r}")
            eq(c.call("PING"), "PONG", "still serving")
            c.close()
            eq(d.stop(), 0, "yimad stopped")
    finally:
        d.close()
