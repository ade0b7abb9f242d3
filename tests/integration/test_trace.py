"""The traceability core against the real daemon: events, verdicts, durable
and idempotent dispensing, undo, trace and alerts.

Every date is computed from the harness's TODAY (the day yimad's clock
starts on); time that must pass is a clock move (Yimad.advance)."""
import os
import subprocess
import sys
import threading
import time

from seeded import rng
import oldstore
from harness import TODAY, ConnectionClosed, Error, Yimad, at, check, day, encode, eq, info, yymmdd

PRODUCT = "8301234"            # CN 7-digit product prefix
TOOLS = os.environ.get("YIMA_TEST_TOOLS", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "tests"))
FAR_DAYS = 1200                # fixtures' expiry: well clear of near_expiry_days
FAR = day(FAR_DAYS)
HIBC_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"


def cn(n):
    """A CN 20-digit code of PRODUCT with serial/check digits from n."""
    return f"{PRODUCT}{n:013d}"


def hibc_lot_code(expiry_days):
    """A concatenated HIBC lot code (date format 3, YYMMDD) expiring on
    TODAY + expiry_days, and its lot: the first of LOT1, LOT2 whose check
    character (sum of character values mod 43) is not a space, which
    would be trimmed as a trailing blank."""
    for lot in ("LOT1", "LOT2"):
        text = f"+A123BJC5D6E71/$$3{yymmdd(expiry_days)}{lot}"
        check_char = HIBC_CHARS[sum(HIBC_CHARS.index(ch) for ch in text) % 43]
        if check_char != " ":
            return text + check_char, lot
    raise AssertionError("no printable HIBC check")


def ok(r, what="reply"):
    check(not isinstance(r, Error), f"{what}: {r!r}")
    return r


def setup(d, codes=(), expiry=FAR, lot="L1", to="PH1", upp=1):
    """Sites MFR, DIST, PH1, PH2; the product; codes commissioned at MFR,
    shipped to DIST then `to`, and received there."""
    c = d.connect()
    c.call("HELLO", "3")
    for site, kind in (("MFR", "manufacturer"), ("DIST", "distributor"),
                       ("PH1", "pharmacy"), ("PH2", "pharmacy"), ("HOSP", "hospital")):
        eq(c.call("SITE", "SET", site, "name", site, "kind", kind), "OK", "SITE SET")
    eq(c.call("PRODUCT", "SET", PRODUCT, "name", "Amoxicillin 250mg",
              "units_per_pack", str(upp)), "OK", "PRODUCT SET")
    if codes:
        ok(c.call("COMMISSION", *codes, "SITE", "MFR", "LOT", lot, "EXPIRY", expiry))
        if to:
            ok(c.call("SHIP", *codes, "FROM", "MFR", "TO", "DIST", "REF", "DN-1"))
            ok(c.call("RECEIVE", *codes, "SITE", "DIST"))
            if to != "DIST":
                ok(c.call("SHIP", *codes, "FROM", "DIST", "TO", to, "REF", "DN-2"))
                ok(c.call("RECEIVE", *codes, "SITE", to))
    return c


def verdict(r):
    return r[b"verdict"].decode(), sorted(x.decode() for x in r[b"reasons"])


def test_commission_errors_change_nothing():
    d = Yimad()
    try:
        c = setup(d)
        bad = [
            (["COMMISSION", cn(1), "SITE", "NOWHERE", "LOT", "L1", "EXPIRY", FAR], "unknown site"),
            (["COMMISSION", "83019999000000000001", "SITE", "MFR", "LOT", "L1", "EXPIRY", FAR],
             "unknown product"),
            (["COMMISSION", cn(1), "SITE", "MFR", "EXPIRY", FAR], "LOT is required"),
            (["COMMISSION", cn(1), "SITE", "MFR", "LOT", "L9"], "EXPIRY is required"),
            (["COMMISSION", cn(1), "6901234567892", "SITE", "MFR", "LOT", "L1", "EXPIRY", FAR],
             "product barcode"),
            (["COMMISSION", cn(1), cn(1), "SITE", "MFR", "LOT", "L1", "EXPIRY", FAR], "twice"),
            (["COMMISSION", cn(1), cn(2), cn(3), cn(2), "SITE", "MFR", "LOT", "L1", "EXPIRY",
              FAR], "code 4 is named twice"),
            # far apart in a long request too: the 202nd code repeats the 2nd
            (["COMMISSION", cn(5000), cn(1), *[cn(100 + i) for i in range(199)], cn(1),
              "SITE", "MFR", "LOT", "L1", "EXPIRY", FAR], "code 202 is named twice"),
            (["COMMISSION", cn(1), "SITE", "MFR", "LOT", "L1", "EXPIRY",
              f"{TODAY.year + 3}-02-30"], "not a date"),
            (["COMMISSION", cn(1), "SITE", "MFR", "LOT", "L1", "EXPIRY", FAR, "TIME", "yesterday"],
             "ISO 8601"),
        ]
        for args, msg in bad:
            r = c.call(*args)
            check(isinstance(r, Error) and msg in r, f"{args}: {r!r}")
        ent = info(c, "store")[b"entries"]
        eq((ent[b"codes"], ent[b"events"], ent[b"lots"]), (0, 0, 0), "nothing written")
        ok(c.call("COMMISSION", cn(1), "SITE", "MFR", "LOT", "L1", "EXPIRY", FAR))
        r = c.call("COMMISSION", cn(1), cn(2), "SITE", "MFR", "LOT", "L1", "EXPIRY", FAR)
        check(isinstance(r, Error) and "already commissioned" in r, r)
        r = c.call("COMMISSION", cn(2), "SITE", "MFR", "LOT", "L1", "EXPIRY", day(FAR_DAYS + 1))
        check(isinstance(r, Error) and f"expires on {FAR}, not {day(FAR_DAYS + 1)}" in r, r)
        eq(info(c, "store")[b"entries"][b"codes"], 1, "one code")
    finally:
        d.close()


def test_pack_rules_and_movements():
    d = Yimad()
    try:
        c = setup(d, [cn(1), cn(2), cn(3)], to=None)
        case, pallet = "(00)069012340000000016", "(00)069012340000000023"
        r = c.call("PACK", case, cn(1), cn(2), cn(3), cn(2), "SITE", "MFR")
        check(isinstance(r, Error) and "code 5" in r and "named twice" in r, r)  # container: 1
        ok(c.call("PACK", case, cn(1), cn(2), "SITE", "MFR"))
        r = c.call("PACK", case, cn(2), "SITE", "MFR")
        check(isinstance(r, Error) and "already packed" in r, r)
        r = c.call("PACK", cn(3), case, "SITE", "MFR")
        check(isinstance(r, Error) and "higher level" in r, r)
        ok(c.call("PACK", pallet, case, "SITE", "MFR"))
        r = c.call("PACK", case, pallet, "SITE", "MFR")         # cycle / inversion
        check(isinstance(r, Error), r)
        r = c.call("SHIP", cn(1), "FROM", "MFR", "TO", "DIST")  # inside the case
        check(isinstance(r, Error) and "ship the container" in r, r)
        r = c.call("RECEIVE", pallet, "SITE", "DIST")            # before ship
        check(isinstance(r, Error) and "not in transit" in r, r)
        ok(c.call("SHIP", pallet, "FROM", "MFR", "TO", "DIST", "REF", "DN-7"))
        r = c.call("VERIFY", cn(1))
        eq(verdict(r), ("amber", ["in_transit"]), "unit inside a shipped pallet")
        eq(r[b"in_transit_to"], b"DIST", "destination")
        r = c.call("RECEIVE", pallet, "SITE", "PH2")            # not the destination
        eq(r[b"diverted"], 1, "diverted receipt recorded")
        r = c.call("VERIFY", cn(2), "SITE", "PH2")
        eq((verdict(r), r[b"holder"]), (("green", []), b"PH2"), "unit moved with its pallet")
        alerts = c.call("ALERTS")
        eq([a[b"kind"] for a in alerts], [b"diversion"], "diversion alert")
        ok(c.call("UNPACK", pallet, "SITE", "PH2"))
        ok(c.call("UNPACK", case, cn(1), "SITE", "PH2"))
        r = c.call("VERIFY", cn(1))
        eq((r[b"holder"], b"parent" in r), (b"PH2", False), "unpacked unit")
        eq(c.call("VERIFY", cn(2))[b"parent"], b"(00)069012340000000016", "still in case")
        ok(c.call("DESTROY", cn(3), "SITE", "MFR", "REF", "burnt"))
        eq(verdict(c.call("VERIFY", cn(3))), ("red", ["destroyed"]), "destroyed")
        ok(c.call("RETURN", case, "FROM", "PH2", "TO", "DIST"))
        eq(verdict(c.call("VERIFY", cn(2))), ("amber", ["in_transit"]), "returning")
        ok(c.call("RECEIVE", case, "SITE", "DIST"))
        eq(c.call("VERIFY", cn(2))[b"holder"], b"DIST", "returned")
    finally:
        d.close()


def test_unit_history_in_order_across_record_and_index():
    """A unit's newest event is kept in its record and reaches unit_events
    only when a newer one comes; events indexed directly (LOCK, UNLOCK)
    fall between them.  TRACE and the first-sale lookup see every event
    once, in order, and the same after a restart."""
    d = Yimad()
    try:
        c = setup(d, [cn(1), cn(2)], to=None)
        case = "(00)069012340000000047"
        ok(c.call("PACK", case, cn(1), cn(2), "SITE", "MFR"))     # pending: pack
        ok(c.call("LOCK", cn(1), "REASON", "count"))              # indexed directly
        ok(c.call("UNLOCK", cn(1)))
        ok(c.call("SHIP", case, "FROM", "MFR", "TO", "PH1", "REF", "DN-9"))
        ok(c.call("RECEIVE", case, "SITE", "PH1"))
        ok(c.call("UNPACK", case, cn(1), "SITE", "PH1"))         # pack → index
        eq(verdict(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "T1")), ("green", []), "sale")
        eq(verdict(c.call("UNDO", cn(1), "SITE", "PH1", "TX", "T1")), ("green", []), "undo")
        eq(verdict(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "T2")), ("green", []), "resale")
        want = [b"commission", b"pack", b"lock", b"unlock", b"ship", b"receive", b"unpack",
                b"dispense", b"undo", b"dispense"]
        seen = lambda: [(e[b"event"], e[b"seq"]) for e in c.call("TRACE", cn(1))[b"events"]]
        got = seen()
        eq([k for k, _ in got], want, "TRACE of the unit")
        eq([s for _, s in got], sorted(s for _, s in got), "in order")
        r = c.call("DISPENSE", cn(1), "SITE", "PH2", "TX", "T3")
        eq((verdict(r), r[b"first_sale"][b"tx"]), (("red", ["duplicate"]), b"T2"),
           "first sale after the undo is T2")
        d.restart()
        c = d.connect()
        c.call("HELLO", "3")
        eq(seen(), got, "TRACE after a restart")
    finally:
        d.close()


def test_alerts_found_through_site_and_unit_indexes():
    """ALERTS SITE and TRACE find a site's and a unit's alerts through their
    indexes, however many other alerts came since (TRACE used to look back
    10,000 alerts only).  A store from before the indexes (schema version
    2, no index entries) gets them built when yimad starts."""
    d = Yimad()
    try:
        c = setup(d, [cn(1)], to="PH1")
        eq(verdict(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "S1")), ("green", []), "sale")
        eq(verdict(c.call("DISPENSE", cn(1), "SITE", "PH2", "TX", "S2")),
           ("red", ["duplicate"]), "resold at PH2")
        n = 10050      # newer alerts elsewhere: unknown codes scanned at PH1
        c.send(b"".join(encode("DISPENSE", cn(100000 + i), "SITE", "PH1") for i in range(n)))
        for i in range(n):
            eq(verdict(c.reply()), ("red", ["unknown"]), f"unknown code {i}")

        def check_found(when):
            alerts = c.call("TRACE", cn(1))[b"alerts"]
            eq([(a[b"kind"], a[b"site"]) for a in alerts], [(b"duplicate", b"PH2")],
               f"{when}: TRACE shows the unit's alert behind {n:,} newer ones")
            eq([(a[b"kind"], a[b"code"]) for a in c.call("ALERTS", "SITE", "PH2")],
               [(b"duplicate", cn(1).encode())], f"{when}: ALERTS SITE PH2")
            eq(len(c.call("ALERTS", "SITE", "PH1", "LIMIT", "10000")), 10000,
               f"{when}: ALERTS SITE PH1 LIMIT")
            eq(c.call("ALERTS", "LIMIT", "1")[0][b"code"], cn(100000 + n - 1).encode(),
               f"{when}: newest alert of all")
        check_found("indexed as written")
        schema = info(c, "store")[b"schema_version"]

        eq(d.stop(), 0, "yimad stopped")
        poke = os.path.join(TOOLS, "lmdb_poke")
        for db in ("site_alerts", "unit_alerts"):
            subprocess.run([poke, d.data, db, "-", "drop"], check=True)
        oldstore.links_apart(d.data, "events", "event_hashes")
        oldstore.set_schema(d.data, 2)
        d.start()
        out = d.output()
        check(f"schema version 2 upgraded to {schema}" in out, out)
        check(f"indexed {n + 1} alerts by site and unit" in out, out)
        c = d.connect()
        c.call("HELLO", "3")
        check_found("after the upgrade")
        d.restart()
        check("indexed" not in d.output(), "built once")
    finally:
        d.close()


def test_shipping_a_case_of_10000_writes_one_record():
    d = Yimad()
    try:
        c = setup(d)
        codes = [cn(i) for i in range(10000)]
        ok(c.call("COMMISSION", *codes, "SITE", "MFR", "LOT", "L1", "EXPIRY", FAR))
        case = "(00)069012340000000016"
        ok(c.call("PACK", case, *codes, "SITE", "MFR"))
        before = info(c, "store")
        t0 = time.monotonic()
        ok(c.call("SHIP", case, "FROM", "MFR", "TO", "PH1"))
        ok(c.call("RECEIVE", case, "SITE", "PH1"))
        took = time.monotonic() - t0
        after = info(c, "store")
        # The case's newest event (RECEIVE) stays in its record until the
        # next one; the SHIP before it went into the index.
        eq(after[b"entries"][b"unit_events"] - before[b"entries"][b"unit_events"], 1,
           "index entries per movement of the case, not per unit")
        for code in (case, codes[0], codes[9999]):
            kinds = [e[b"event"] for e in c.call("TRACE", code)[b"events"]]
            eq(kinds, [b"commission", b"pack", b"ship", b"receive"] if code != case
               else [b"pack", b"ship", b"receive"], f"TRACE {code}")
        eq(verdict(c.call("VERIFY", codes[9999], "SITE", "PH1")), ("green", []), "last unit")
        print(f"    ship+receive of a 10,000-unit case: {took * 1000:.1f} ms round trip")
    finally:
        d.close()


def test_every_reason():
    near, past = day(10), day(-2)     # near_expiry_days is 30
    d = Yimad()
    try:
        c = setup(d, [cn(1), cn(2), cn(3)])
        ok(c.call("COMMISSION", cn(10), "SITE", "MFR", "LOT", "NEAR", "EXPIRY", near))
        ok(c.call("COMMISSION", cn(11), "SITE", "MFR", "LOT", "OLD", "EXPIRY", past))
        ok(c.call("COMMISSION", cn(12), "SITE", "MFR", "LOT", "L1"))
        cases = [
            (("VERIFY", cn(1), "SITE", "PH1"), ("green", [])),
            (("VERIFY", cn(1)), ("green", [])),
            (("VERIFY", cn(999)), ("red", ["unknown"])),
            (("VERIFY", "6901234567892"), ("red", ["not_a_trace_code"])),
            (("VERIFY", cn(1), "SITE", "PH2"), ("amber", ["not_received_here"])),
            (("VERIFY", cn(10), "SITE", "MFR"), ("amber", ["near_expiry"])),
            (("VERIFY", cn(11), "SITE", "MFR"), ("red", ["expired"])),
            (("DISPENSE", "(00)069012340000000016", "SITE", "PH1"), ("red", ["unknown"])),
        ]
        for args, want in cases:
            eq(verdict(c.call(*args)), want, " ".join(args))
        r = c.call("VERIFY", "(01)06901234567892(21)X")
        eq(verdict(r), ("red", ["unknown"]), "unknown GS1 pack")
        # dispense: green, then duplicate from another site
        eq(verdict(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "S1")), ("green", []), "sale")
        r = c.call("DISPENSE", cn(1), "SITE", "PH2", "TX", "S2")
        eq(verdict(r), ("red", ["duplicate"]), "resold pack")
        eq((r[b"first_sale"][b"site"], r[b"first_sale"][b"tx"]), (b"PH1", b"S1"), "first sale")
        eq(verdict(c.call("VERIFY", cn(1))), ("red", ["duplicate"]), "verify after sale")
        # a case at the counter (packed by the distributor: a pharmacy
        # does not PACK)
        case = "(00)069012340000000030"
        ok(c.call("COMMISSION", cn(20), "SITE", "MFR", "LOT", "L1"))
        ok(c.call("SHIP", cn(20), "FROM", "MFR", "TO", "DIST"))
        ok(c.call("RECEIVE", cn(20), "SITE", "DIST"))
        ok(c.call("PACK", case, cn(20), "SITE", "DIST"))
        ok(c.call("SHIP", case, "FROM", "DIST", "TO", "PH1"))
        ok(c.call("RECEIVE", case, "SITE", "PH1"))
        eq(verdict(c.call("DISPENSE", case, "SITE", "PH1")),
           ("red", ["not_a_sales_unit"]), "case at POS")
        # a unit dispensed out of its case leaves it
        eq(verdict(c.call("DISPENSE", cn(20), "SITE", "PH1")), ("green", []), "out of case")
        check(b"parent" not in c.call("VERIFY", cn(20)), "no longer in the case")
        # recall, lift, lock, withdraw
        ok(c.call("RECALL", PRODUCT, "L1", "LEVEL", "2", "REASON", "dissolution failure"))
        eq(verdict(c.call("VERIFY", cn(3), "SITE", "PH1")), ("red", ["recalled"]), "recalled")
        r = c.call("DISPENSE", cn(3), "SITE", "PH1", "TX", "R1")
        eq((verdict(r), r[b"dispensed"]), (("red", ["recalled"]), 0), "no sale of a recalled unit")
        ok(c.call("LIFT", PRODUCT, "L1", "REASON", "tests passed"))
        eq(verdict(c.call("VERIFY", cn(3), "SITE", "PH1")), ("green", []), "recall lifted")
        ok(c.call("LOCK", cn(3), "REASON", "stolen"))
        eq(verdict(c.call("VERIFY", cn(3), "SITE", "PH1")), ("red", ["locked"]), "locked")
        ok(c.call("UNLOCK", cn(3)))
        eq(verdict(c.call("VERIFY", cn(3), "SITE", "PH1")), ("green", []), "unlocked")
        ok(c.call("WITHDRAW", PRODUCT, "REASON", "licence revoked"))
        eq(verdict(c.call("VERIFY", cn(3), "SITE", "PH1")), ("red", ["withdrawn"]), "withdrawn")
        r = c.call("COMMISSION", cn(50), "SITE", "MFR", "LOT", "L1")
        check(isinstance(r, Error) and "withdrawn" in r, r)
        kinds = [e[b"event"] for e in c.call("TRACE", cn(3))[b"events"]][-5:]
        eq(kinds, [b"recall", b"lift", b"lock", b"unlock", b"withdraw"], "trace shows them")
        alerts = c.call("ALERTS")
        eq([a[b"kind"] for a in alerts], [b"duplicate", b"unknown"], "alerts, newest first")
        eq(alerts[0][b"first_sale_site"], b"PH1", "duplicate alert names the first sale")
        eq(len(c.call("ALERTS", "SITE", "PH2")), 1, "ALERTS SITE")
        eq(len(c.call("ALERTS", "LIMIT", "1")), 1, "ALERTS LIMIT")
        eq(c.call("ALERTS", "SINCE", at(1, "00:00:00")), [], "ALERTS SINCE tomorrow")
        eq(len(c.call("ALERTS", "SINCE", at(0, "00:00:00"))), 2, "ALERTS SINCE this morning")
    finally:
        d.close()


def test_scan_lot_and_expiry_mismatch():
    gtin = "06901234567892"
    exp, yy = day(FAR_DAYS), yymmdd(FAR_DAYS)     # the record's expiry, as YYMMDD
    other = yymmdd(FAR_DAYS + 365)
    d = Yimad()
    try:
        c = setup(d)
        eq(c.call("PRODUCT", "SET", gtin, "name", "Imported", "units_per_pack", "1"), "OK", "p")
        ok(c.call("COMMISSION", f"(01){gtin}(21)S1", f"(01){gtin}(21)S2", "SITE", "MFR",
                  "LOT", "A1", "EXPIRY", exp))
        eq(verdict(c.call("VERIFY", f"(01){gtin}(17){yy}(10)A1(21)S1")), ("green", []),
           "scan agrees")
        r = c.call("COMMISSION", f"(01){gtin}(17){yy}(10)A1(21)S3",
                   f"(01){gtin}(17){yy}(10)B2(21)S4", "SITE", "MFR")
        check(isinstance(r, Error) and f"code 2 ((01){gtin}(21)S4) carries lot B2, not A1" in r,
              r)
        eq(verdict(c.call("VERIFY", f"(01){gtin}(17){yy}(10)B2(21)S1")),
           ("amber", ["lot_mismatch"]), "lot differs")
        eq(verdict(c.call("VERIFY", f"(01){gtin}(17){other}(10)A1(21)S1")),
           ("amber", ["expiry_mismatch"]), "expiry differs")
    finally:
        d.close()
    d = Yimad("--mismatch", "red", "--unknown-code", "amber")
    try:
        c = setup(d)
        eq(c.call("PRODUCT", "SET", gtin, "name", "Imported"), "OK", "p")
        ok(c.call("COMMISSION", f"(01){gtin}(21)S1", "SITE", "MFR", "LOT", "A1",
                  "EXPIRY", exp))
        eq(verdict(c.call("VERIFY", f"(01){gtin}(10)B2(21)S1")), ("red", ["lot_mismatch"]),
           "mismatch = red")
        eq(verdict(c.call("VERIFY", cn(5))), ("amber", ["unknown"]), "unknown_code = amber")
    finally:
        d.close()


def test_split_pack_sales():
    d = Yimad()
    try:
        c = setup(d, [cn(1)], upp=10)
        eq(verdict(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "a", "QTY", "4")),
           ("green", []), "4 of 10")
        eq(verdict(c.call("DISPENSE", cn(1), "SITE", "PH2", "TX", "p", "QTY", "1")),
           ("red", ["duplicate"]), "another site selling from an opened pack")
        r = c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "b", "QTY", "6")
        eq((verdict(r), r[b"dispensed"], r[b"status"]), (("green", []), 10, b"dispensed"),
           "the last 6")
        eq(verdict(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "c", "QTY", "1")),
           ("red", ["duplicate"]), "beyond the pack")
        r = c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "x", "QTY", "0")
        check(isinstance(r, Error) and "QTY" in r, r)
    finally:
        d.close()


def test_first_sale_is_the_first_standing_one():
    """A duplicate names the first sale not undone: the undo of the first
    of two standing sales of a split pack leaves the second as the first."""
    d = Yimad()
    try:
        c = setup(d, [cn(1), cn(2)], upp=10)
        ok(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "a", "QTY", "4"))
        ok(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "b", "QTY", "6"))
        r = c.call("VERIFY", cn(1))
        eq((verdict(r), r[b"first_sale"][b"tx"], r[b"first_sale"][b"qty"]),
           (("red", ["duplicate"]), b"a", 4), "sold out: the first sale")
        eq(verdict(c.call("UNDO", cn(1), "SITE", "PH1", "TX", "a")), ("green", []), "undo a")
        ok(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "c", "QTY", "4"))
        r = c.call("VERIFY", cn(1))
        eq((verdict(r), r[b"first_sale"][b"tx"], r[b"first_sale"][b"qty"]),
           (("red", ["duplicate"]), b"b", 6), "a undone: b is the first standing sale")
        ok(c.call("DISPENSE", cn(2), "SITE", "PH2", "TX", "d", "QTY", "10"))
        eq(c.call("VERIFY", cn(2))[b"first_sale"][b"site"], b"PH2", "sold whole at PH2")
    finally:
        d.close()


def test_retry_same_tx_is_one_sale():
    d = Yimad()
    try:
        c = setup(d, [cn(1)])
        answers = [c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "T-42") for _ in range(10)]
        eq(len({repr(a) for a in answers}), 1, "ten identical answers")
        eq(verdict(answers[0]), ("green", []), "and it is the sale")
        events = [e for e in c.call("TRACE", cn(1))[b"events"] if e[b"event"] == b"dispense"]
        eq(len(events), 1, "one dispense event")
        # a duplicate retried is the same duplicate, and one alert
        dup = [c.call("DISPENSE", cn(1), "SITE", "PH2", "TX", "Z") for _ in range(3)]
        eq(len({repr(a) for a in dup}), 1, "same red answer")
        eq(len(c.call("ALERTS")), 1, "one alert for a retried duplicate")
    finally:
        d.close()


def test_undo_rules():
    d = Yimad("--undo-window", "1h")
    try:
        c = setup(d, [cn(1), cn(2), cn(3)])
        ok(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "T1"))
        eq(verdict(c.call("UNDO", cn(1), "SITE", "PH2", "TX", "T1")), ("red", ["not_dispensed"]),
           "another site")
        eq(verdict(c.call("UNDO", cn(1), "SITE", "PH1", "TX", "T9")), ("red", ["not_dispensed"]),
           "another transaction")
        r = c.call("UNDO", cn(1), "SITE", "PH1", "TX", "T1")
        eq((verdict(r), r[b"status"], r[b"dispensed"]), (("green", []), b"active", 0), "undone")
        eq(verdict(c.call("UNDO", cn(1), "SITE", "PH1", "TX", "T1")), ("green", []), "retried")
        eq(verdict(c.call("DISPENSE", cn(1), "SITE", "PH2", "TX", "T3")),
           ("amber", ["not_received_here"]), "saleable again after undo")
        ok(c.call("DISPENSE", cn(2), "SITE", "PH1", "TX", "T2"))
        ok(c.call("DISPENSE", cn(3), "SITE", "PH1", "TX", "T4"))
        d.advance("59m")     # the configured window is an hour
        eq(verdict(c.call("UNDO", cn(3), "SITE", "PH1", "TX", "T4")), ("green", []),
           "59 minutes on: within the window")
        d.advance("2m")
        eq(verdict(c.call("UNDO", cn(2), "SITE", "PH1", "TX", "T2")), ("red", ["undo_window"]),
           "61 minutes on: too late")
        eq(c.call("VERIFY", cn(2))[b"status"], b"dispensed", "the late undo changed nothing")
        kinds = [e[b"event"] for e in c.call("TRACE", cn(1))[b"events"]]
        eq(kinds, [b"commission", b"ship", b"receive", b"ship", b"receive", b"dispense",
                   b"undo", b"dispense"], "trace of the undone sale")
    finally:
        d.close()


def test_refused_batches_amid_sales_leave_no_trace():
    """EVENTS batches that fail after a record applied, sent while sales
    stream in on other connections: the writer discards each such batch's
    transaction and applies its neighbours again (WRITE_UNDO).  Every sale
    is recorded once, with the answer it was given; no refused record
    stays."""
    n, batches = 600, 40
    d = Yimad()
    try:
        c = setup(d, [cn(i) for i in range(n)])
        events_before = info(c, "store")[b"entries"][b"events"]
        sold, refused = {}, []
        go = threading.Barrier(3)

        def seller(part):
            conn = d.connect()
            codes = list(range(part, n, 2))
            reqs = [encode("DISPENSE", cn(i), "SITE", "PH1", "TX", f"t{i}") for i in codes]
            go.wait()
            for k in range(0, len(reqs), 20):    # 20 in flight at a time
                conn.send(b"".join(reqs[k:k + 20]))
                for i in codes[k:k + 20]:
                    sold[i] = conn.reply()

        def refuser():
            conn = d.connect()
            go.wait()
            for b in range(batches):
                refused.append(conn.call(
                    "EVENTS", f"COMMISSION {cn(100000 + b)} SITE MFR LOT L1 EXPIRY {FAR}",
                    f"DISPENSE {cn(b)} SITE NOWHERE"))

        threads = [threading.Thread(target=seller, args=(0,)),
                   threading.Thread(target=seller, args=(1,)),
                   threading.Thread(target=refuser)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for r in refused:
            check(isinstance(r, Error) and "record 2" in r and "nothing was applied" in r, r)
        for b in range(batches):
            eq(c.call("VERIFY", cn(100000 + b))[b"verdict"], b"red",
               f"refused batch {b}: its commissioning left no trace")
        eq(sorted(sold), list(range(n)), "every sale answered")
        for i, r in sold.items():
            check(isinstance(r, list) and r[1] == b"green", f"sale {i}: {r}")
            eq(c.call("VERIFY", cn(i))[b"status"], b"dispensed", f"sale {i} recorded")
        eq(info(c, "store")[b"entries"][b"events"], events_before + n,
           "one event per sale, none from refused batches")
    finally:
        d.close()


def test_race_two_sites_one_winner():
    n = 1000
    d = Yimad()
    try:
        c = setup(d, [cn(i) for i in range(n)])
        results = {}

        go = threading.Barrier(2)

        def dispenser(site, order):
            conn = d.connect()
            reqs = [encode("DISPENSE", cn(i), "SITE", site, "TX", f"{site}-{i}") for i in order]
            go.wait()
            got = []
            for k in range(0, n, 25):    # 25 in flight at a time
                conn.send(b"".join(reqs[k:k + 25]))
                got.extend(conn.reply() for _ in reqs[k:k + 25])
            results[site] = dict(zip(order, got))

        # opposite orders: the two sites collide on every code somewhere

        threads = [threading.Thread(target=dispenser, args=("PH1", list(range(n)))),
                   threading.Thread(target=dispenser, args=("PH2", list(range(n))[::-1]))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        greens = 0
        for i in range(n):
            # RESP2 replies: the verdict is the second element of the flat map
            kinds = sorted(r[i][1].decode() if isinstance(r[i], list) else "?"
                           for r in results.values())
            # PH1 holds the codes: PH1 wins GREEN, PH2 wins AMBER (not received here)
            check(kinds in (["amber", "red"], ["green", "red"]), f"code {i}: {kinds}")
            greens += kinds[0] == "green"
        alerts = c.call("ALERTS", "LIMIT", "10000")
        eq(sum(a[b"kind"] == b"duplicate" for a in alerts), n, "one duplicate alert per code")
        print(f"    1,000 codes, two sites at once: exactly one winner each "
              f"(PH1 {greens}, PH2 {n - greens})")
    finally:
        d.close()


def resp2_map(r):
    """A RESP2 reply map (a flat list of keys and values) as a dict."""
    return dict(zip(r[0::2], r[1::2]))


def test_acknowledged_dispenses_survive_kill9():
    """yimad is killed with SIGKILL while a client sells one pack after
    another, 20 times; every DISPENSE that got its reply — GREEN, or AMBER
    (a pack near its expiry: sold too) — is in the store after the
    restart.  Each round waits for some replies before the kill, so the
    test always checks a good number of acknowledged sales."""
    rounds, per_round = 20, 10      # at least this many replies before each kill
    r = rng("test_trace.kill9")
    d = Yimad()
    try:
        total = 30000
        codes = [cn(i) for i in range(total)]
        c = setup(d)
        # Even codes expire far away (GREEN), odd ones in 20 days: AMBER
        # near_expiry, which sells as well.
        for lot, expiry, part in (("L1", FAR, codes[0::2]), ("NEAR", day(20), codes[1::2])):
            ok(c.call("COMMISSION", *part, "SITE", "MFR", "LOT", lot, "EXPIRY", expiry))
            ok(c.call("SHIP", *part, "FROM", "MFR", "TO", "PH1", "REF", "DN-1"))
            ok(c.call("RECEIVE", *part, "SITE", "PH1"))
        c.close()
        acked = []          # (code, round, verdict) of every reply
        sent = 0            # codes sent so far, over all rounds
        for rnd in range(rounds):
            replies, failures = [], []
            enough, killed = threading.Event(), threading.Event()

            def seller():
                nonlocal sent
                try:
                    conn = d.connect()
                    try:
                        while sent < total:
                            code = codes[sent]
                            sent += 1
                            replies.append((code, conn.call("DISPENSE", code, "SITE", "PH1",
                                                            "TX", f"r{rnd}")))
                            if len(replies) >= per_round:
                                enough.set()
                    finally:
                        conn.close()
                # What kill -9 does to a connection, and only after it.
                except (ConnectionClosed, ConnectionResetError, BrokenPipeError) as e:
                    if not killed.is_set():
                        failures.append(f"connection lost before the kill: {e!r}")
                except BaseException as e:
                    failures.append(f"{type(e).__name__}: {e}")
                    raise
                finally:
                    enough.set()

            t = threading.Thread(target=seller, name=f"seller-{rnd}")
            t.start()
            check(enough.wait(30), f"round {rnd}: {per_round} replies within 30 s")
            time.sleep(r.uniform(0.0, 0.15))
            killed.set()
            d.kill9()
            t.join(30)
            check(not t.is_alive(), f"round {rnd}: the seller did not stop after kill -9")
            eq(failures, [], f"round {rnd}: seller")
            check(len(replies) >= per_round,
                  f"round {rnd}: {len(replies)} replies before the kill, want {per_round}")
            for code, reply in replies:
                check(isinstance(reply, list), f"round {rnd}: DISPENSE {code}: {reply!r}")
                m = resp2_map(reply)
                want = b"green" if int(code) % 2 == 0 else b"amber"
                eq(m[b"verdict"], want, f"round {rnd}: DISPENSE {code} ({m[b'reasons']})")
                acked.append((code, rnd, m[b"verdict"]))
            d.start()
        greens = sum(v == b"green" for _, _, v in acked)
        check(len(acked) >= rounds * per_round and greens and len(acked) - greens,
              f"{len(acked)} acknowledged sales ({greens} GREEN), want at least "
              f"{rounds * per_round} of both kinds")
        c = d.connect()
        c.call("HELLO", "3")
        lost = []
        for k in range(0, len(acked), 500):
            part = acked[k:k + 500]
            c.send(b"".join(encode("VERIFY", code) for code, _, _ in part))
            for code, rnd, _ in part:
                v = c.reply()
                sale = v.get(b"first_sale") or {}
                if (v[b"status"], sale.get(b"site"), sale.get(b"tx")) != \
                        (b"dispensed", b"PH1", f"r{rnd}".encode()):
                    lost.append((code, v[b"status"], sale))
        eq(lost[:5], [], f"acknowledged sales lost ({len(lost)} of {len(acked)} over "
                         f"{rounds} kill -9)")
        print(f"    {rounds} kill -9 rounds: {len(acked)} acknowledged sales ({greens} GREEN, "
              f"{len(acked) - greens} AMBER), all present; {sent} sent")
    finally:
        d.close()


def test_alerts_since_compares_alert_times():
    """ALERTS lists alerts newest first by their time, then by id, and
    SINCE t keeps those whose time is t or later, whatever order they were
    stored in (proto/PROTOCOL.md): live alerts made an hour apart on the
    moved clock, then alerts loaded with an older TIME (DISPENSE with TIME,
    a diverted RECEIVE in EVENTS) after newer live ones, then a newer live
    one again."""
    d = Yimad()
    try:
        c = setup(d, [cn(1)], to="PH1")
        ok(c.call("COMMISSION", cn(10), "SITE", "MFR", "LOT", "L1", "EXPIRY", FAR,
                  "TIME", at(-3)))

        def red(args, reason):
            eq(verdict(c.call(*args)), ("red", [reason]), " ".join(args))

        # Stored in this order (label: kind at site, time):
        red(("DISPENSE", cn(900), "SITE", "PH1"), "unknown")               # A PH1 12:00
        d.advance("1h")
        ok(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "s1"))
        red(("DISPENSE", cn(1), "SITE", "PH2", "TX", "s2"), "duplicate")   # B PH2 13:00
        d.advance("1h")
        red(("DISPENSE", cn(901), "SITE", "PH2"), "unknown")               # C PH2 14:00
        red(("DISPENSE", cn(902), "SITE", "PH1", "TIME", at(-1, "10:00:00")),
            "unknown")                                                     # D PH1 yesterday
        r = c.call("EVENTS", f"SHIP {cn(10)} FROM MFR TO PH1 TIME {at(0, '12:20:00')}",
                   f"RECEIVE {cn(10)} SITE PH2 TIME {at(0, '12:30:00')}")  # E PH2 12:30
        eq((r[b"applied"], c.call("VERIFY", cn(10))[b"holder"]), (2, b"PH2"), "diverted")
        red(("DISPENSE", cn(904), "SITE", "PH1", "TIME", at(-1, "10:00:00")),
            "unknown")                                                     # G PH1 = D's time
        d.advance("1h")
        red(("DISPENSE", cn(903), "SITE", "PH1"), "unknown")               # F PH1 15:00
        label = {cn(900): "A", cn(1): "B", cn(901): "C", cn(902): "D", cn(10): "E",
                 cn(903): "F", cn(904): "G"}

        def listed(*args):
            got = c.call("ALERTS", *args)
            check(not isinstance(got, Error), f"ALERTS {' '.join(args)}: {got!r}")
            return "".join(label[a[b"code"].decode()] for a in got), got

        order, every = listed()
        eq(order, "FCBEAGD", "every alert, newest first by time, then by id")
        times = {label[a[b"code"].decode()]: a[b"time"].decode() for a in every}
        eq((times["D"], times["E"], times["G"]),
           (f"{day(-1)}T02:00:00.000Z", f"{day(0)}T04:30:00.000Z", f"{day(-1)}T02:00:00.000Z"),
           "loaded alerts keep their records' times")
        for x, hour in (("A", "04"), ("B", "05"), ("C", "06"), ("F", "07")):
            check(times[x].startswith(f"{day(0)}T{hour}:"), f"live alert {x} at {times[x]}")
        ids = {label[a[b"code"].decode()]: a[b"id"] for a in every}
        check(ids["G"] > ids["D"], f"G stored after D: {ids}")

        for t, want in ((at(1, "00:00:00"), ""),
                        (at(0, "14:30:00"), "F"),
                        (at(0, "13:30:00"), "FC"),
                        (at(0, "12:45:00"), "FCB"),
                        (at(0, "12:30:00.001"), "FCB"),
                        (at(0, "12:30:00"), "FCBE"),           # t itself is kept
                        (at(0, "12:15:00"), "FCBE"),
                        (f"{day(0)}T03:00:00Z", "FCBEA"),
                        (at(-1, "10:00:00"), "FCBEAGD"),
                        (at(-1, "10:00:00.001"), "FCBEA")):
            eq(listed("SINCE", t)[0], want, f"ALERTS SINCE {t}")
        eq(listed("SINCE", at(0, "12:15:00"), "SITE", "PH2")[0], "CBE", "SINCE ... SITE PH2")
        eq(listed("SINCE", at(0, "11:00:00"), "SITE", "PH1")[0], "FA", "SINCE ... SITE PH1")
        eq(listed("SINCE", at(-2), "SITE", "PH1")[0], "FAGD", "SINCE ... SITE PH1")
        eq(listed("SINCE", at(-2), "LIMIT", "3")[0], "FCB", "SINCE ... LIMIT 3")
        eq(listed("SITE", "PH1", "LIMIT", "2")[0], "FA", "SITE ... LIMIT 2")
    finally:
        d.close()


def test_events_one_code_records_run_together_as_if_one_by_one():
    """EVENTS runs consecutive one-code COMMISSION records (and one-child
    PACK records into one container) as one command; the outcome, errors
    and their record numbers included, is that of the records one by one."""
    d = Yimad()
    try:
        c = setup(d)
        events = lambda: info(c, "store")[b"entries"][b"events"]
        opts = f"SITE MFR LOT L7 EXPIRY {FAR} TIME {at(-70, '08:00:00')}"
        ok(c.call("COMMISSION", cn(1), "SITE", "MFR", "LOT", "L7", "EXPIRY", FAR))
        ok(c.call("COMMISSION", cn(2), "LEVEL", "2", "SITE", "MFR", "LOT", "L7"))
        before = events()
        run = [f"COMMISSION {cn(n)} {opts}" for n in (10, 11, 1, 12, 13)]
        r = c.call("EVENTS", *run)
        check(isinstance(r, Error) and "record 3" in r and "already commissioned" in r
              and "nothing was applied" in r, r)
        eq(events(), before, "nothing applied")
        r = c.call("EVENTS", "SKIPBAD", *run)
        eq((r[b"records"], r[b"applied"], r[b"skipped"]), (5, 4, 1), "one skipped")
        eq([e[b"record"] for e in r[b"errors"]], [3], "the bad record's number")
        for n in (10, 11, 12, 13):
            eq(c.call("VERIFY", cn(n))[b"status"], b"active", f"{cn(n)} commissioned")
        # A clean run of one-code records is one event for all of them.
        before = events()
        r = c.call("EVENTS", *[f"COMMISSION {cn(n)} {opts}" for n in range(20, 30)],
                   f"PACK (00)069012340000000016 {cn(20)} SITE MFR",
                   f"PACK (00)069012340000000016 {cn(21)} SITE MFR")
        eq((r[b"records"], r[b"applied"]), (12, 12), "applied")
        eq(events(), before + 2, "one commission event, one pack event")
        first = lambda code: c.call("TRACE", code)[b"events"][0][b"seq"]
        eq(first(cn(20)), first(cn(29)), "the same commission event")
        eq(c.call("TRACE", cn(21))[b"events"][-1][b"container"], b"(00)069012340000000016",
           "packed")
        # One by one, the first child sets a new container's level: a middle
        # pack after a unit does not fit.
        r = c.call("EVENTS", "SKIPBAD",
                   f"PACK (00)069012340000000023 {cn(22)} SITE MFR",
                   f"PACK (00)069012340000000023 {cn(2)} SITE MFR",
                   f"PACK (00)069012340000000023 {cn(23)} SITE MFR")
        eq((r[b"records"], r[b"applied"], r[b"skipped"]), (3, 2, 1), "one skipped")
        eq([e[b"record"] for e in r[b"errors"]], [2], "which record")
        check(b"container must be of a higher level" in r[b"errors"][0][b"error"], r)
        eq(c.call("TRACE", "(00)069012340000000023")[b"level"], 2, "level from the first child")
        # A child named twice: the second record finds it packed.
        r = c.call("EVENTS", "SKIPBAD",
                   f"PACK (00)069012340000000030 {cn(24)} SITE MFR",
                   f"PACK (00)069012340000000030 {cn(24)} SITE MFR")
        eq([e[b"record"] for e in r[b"errors"]], [2], "which record")
        check(b"already packed" in r[b"errors"][0][b"error"], r)
        # Without LEVEL, codes of one COMMISSION must imply one level.
        r = c.call("COMMISSION", cn(40), "(00)069012340000000047", "SITE", "MFR", "LOT", "L7")
        check(isinstance(r, Error) and "code 2" in r and "give LEVEL" in r, r)
    finally:
        d.close()


def test_events_batch_is_all_or_nothing():
    d = Yimad()
    try:
        c = setup(d)
        good = [
            f"COMMISSION {cn(1)} {cn(2)} SITE MFR LOT L7 EXPIRY {FAR} TIME {at(-70, '08:00:00')}",
            f"PACK (00)069012340000000016 {cn(1)} {cn(2)} SITE MFR TIME {at(-70, '09:00:00')}",
            f'SHIP (00)069012340000000016 FROM MFR TO PH1 REF "DN 1" TIME {at(-69, "10:00:00")}',
            f"RECEIVE (00)069012340000000016 SITE PH1 TIME {at(-68, '10:00:00')}",
            f"DISPENSE {cn(1)} SITE PH1 TX s1 TIME {at(-67, '12:00:00')}",
        ]
        bad = good[:3] + ["RECEIVE (00)069012340000000016 SITE PH2 FROM DIST"] + good[4:]
        r = c.call("EVENTS", *bad)
        check(isinstance(r, Error) and "record 4" in r and "shipped by MFR" in r
              and "nothing was applied" in r, r)
        eq(info(c, "store")[b"entries"][b"events"], 0, "nothing applied")
        r = c.call("EVENTS", *good[:4], f"DISPENSE {cn(9)} SITE PH1")
        check(isinstance(r, Error) and "record 5" in r and "red" in r, r)
        r = c.call("EVENTS", "VERIFY x")
        check(isinstance(r, Error) and "not a distribution record" in r, r)
        r = c.call("EVENTS", "BATCH", "f1:0", *good)
        eq((r[b"records"], r[b"applied"], r[b"skipped"], r[b"replayed"]), (5, 5, 0, False),
           "batch applied")
        r = c.call("EVENTS", "BATCH", "f1:0", *good)
        eq((r[b"applied"], r[b"replayed"]), (5, True), "same batch id again: earlier result")
        eq(len([e for e in c.call("TRACE", cn(1))[b"events"] if e[b"event"] == b"ship"]), 1,
           "re-upload applied nothing")
        # SKIPBAD: bad records are skipped and reported, the rest applies
        r = c.call("EVENTS", "BATCH", "f2:0", "SKIPBAD",
                   f"COMMISSION {cn(3)} SITE MFR LOT L7",
                   f"COMMISSION {cn(1)} SITE MFR LOT L7",
                   "SHIP 6901234567892 FROM MFR TO PH1",
                   f"COMMISSION {cn(4)} SITE MFR LOT L7")
        eq((r[b"records"], r[b"applied"], r[b"skipped"]), (4, 2, 2), "skip-bad counts")
        eq([e[b"record"] for e in r[b"errors"]], [2, 3], "which records")
        check(b"already commissioned" in r[b"errors"][0][b"error"], r[b"errors"][0])
        check(b"product barcode" in r[b"errors"][1][b"error"], r[b"errors"][1])
        eq(c.call("EVENTS", "BATCH", "f2:0", "SKIPBAD", "x")[b"errors"], r[b"errors"],
           "the stored result names the same errors")
        t = c.call("TRACE", cn(1))
        utc = lambda n, hms: f"{day(n)}T{hms}.000Z".encode()    # Beijing time - 8 h
        eq([(e[b"event"], e[b"time"]) for e in t[b"events"]],
           [(b"commission", utc(-70, "00:00:00")), (b"pack", utc(-70, "01:00:00")),
            (b"ship", utc(-69, "02:00:00")), (b"receive", utc(-68, "02:00:00")),
            (b"dispense", utc(-67, "04:00:00"))], "records keep their own times")
        eq(t[b"events"][2][b"ref"], b"DN 1", "quoted words")
    finally:
        d.close()


def test_devices_serial_and_lot_level():
    gtin = "06901234567892"
    d = Yimad()
    try:
        c = setup(d)
        eq(c.call("PRODUCT", "SET", gtin, "name", "Stent", "kind", "device"), "OK", "device")
        # a serialised UDI behaves like a drug pack
        yy = yymmdd(FAR_DAYS)        # two-digit years: read against the clock's year
        ok(c.call("COMMISSION", f"(01){gtin}(17){yy}(10)B7(21)D1", "SITE", "MFR"))
        eq(c.call("VERIFY", f"(01){gtin}(21)D1")[b"expiry"], FAR.encode(), "expiry from (17)")
        ok(c.call("SHIP", f"(01){gtin}(21)D1", "FROM", "MFR", "TO", "HOSP"))
        ok(c.call("RECEIVE", f"(01){gtin}(21)D1", "SITE", "HOSP"))
        eq(verdict(c.call("DISPENSE", f"https://udi.example/01/{gtin}/21/D1", "SITE", "HOSP",
                          "TX", "op-1")), ("green", []), "implant used")
        eq(verdict(c.call("DISPENSE", f"(01){gtin}(21)D1", "SITE", "PH1")),
           ("red", ["duplicate"]), "used twice")
        # a lot-level UDI: (DI, lot) with a use count capped by QTY
        ok(c.call("COMMISSION", f"(01){gtin}(10)LOT9", "SITE", "MFR", "EXPIRY", FAR,
                  "QTY", "3"))
        ok(c.call("SHIP", f"(01){gtin}(10)LOT9", "FROM", "MFR", "TO", "HOSP"))
        ok(c.call("RECEIVE", f"(01){gtin}(10)LOT9", "SITE", "HOSP"))
        for i in range(3):
            r = c.call("DISPENSE", f"(01){gtin}(17){yy}(10)LOT9", "SITE", "HOSP")
            eq((verdict(r), r[b"dispensed"]), (("green", []), i + 1), f"use {i + 1} of 3")
        eq(verdict(c.call("DISPENSE", f"(01){gtin}(10)LOT9", "SITE", "HOSP")),
           ("red", ["duplicate"]), "beyond the lot's quantity")
        ok(c.call("RECALL", gtin, "LOT9", "LEVEL", "1", "REASON", "sterility"))
        eq(verdict(c.call("VERIFY", f"(01){gtin}(10)LOT9")), ("red", ["duplicate", "recalled"]),
           "lot-level record recalled")
        r = c.call("COMMISSION", f"(01){gtin}(21)D2", "SITE", "MFR", "QTY", "2")
        check(isinstance(r, Error) and "QTY is for lot-level" in r, r)
        # HIBC: lot-level with the expiry in the code
        eq(c.call("PRODUCT", "SET", "+A123BJC5D6E71G", "name", "Catheter", "kind", "device"),
           "OK", "HIBC product")
        hibc, lot = hibc_lot_code(FAR_DAYS)
        ok(c.call("COMMISSION", hibc, "SITE", "MFR"))
        r = c.call("VERIFY", hibc)
        eq((verdict(r)[0], r[b"lot"], r[b"expiry"], r[b"type"]),
           ("green", lot.encode(), FAR.encode(), b"udi-hibc"), f"HIBC lot record {hibc}")
    finally:
        d.close()


def test_sites_found_by_gln():
    d = Yimad()
    try:
        c = setup(d, [cn(1)], to=None)
        eq(c.call("SITE", "SET", "DIST", "gln", "6901234000016"), "OK", "gln")
        r = c.call("SITE", "SET", "PH1", "gln", "6901234000016")
        check(isinstance(r, Error) and "already belongs to site DIST" in r, r)
        ok(c.call("SHIP", cn(1), "FROM", "MFR", "TO", "urn:epc:id:sgln:6901234.00001.0"))
        eq(c.call("VERIFY", cn(1))[b"in_transit_to"], b"DIST", "SGLN URN → site")
        ok(c.call("RECEIVE", cn(1), "SITE", "6901234000016"))
        eq(c.call("VERIFY", cn(1))[b"holder"], b"DIST", "GLN → site")
        r = c.call("RECEIVE", cn(1), "SITE", "urn:epc:id:sgln:6901234.00002.0")
        check(isinstance(r, Error) and "no site has GLN 6901234000023" in r, r)
        # a site's GLN can change; the old one no longer finds it
        eq(c.call("SITE", "SET", "DIST", "gln", "6901234000023"), "OK", "new gln")
        r = c.call("SHIP", cn(1), "FROM", "6901234000016", "TO", "MFR")
        check(isinstance(r, Error) and "no site has GLN" in r, r)
        ok(c.call("SHIP", cn(1), "FROM", "6901234000023", "TO", "MFR"))
    finally:
        d.close()


def test_commission_level_from_the_code():
    d = Yimad()
    try:
        c = setup(d)
        for gtin in ("06901234567892", "16901234567899"):
            eq(c.call("PRODUCT", "SET", gtin, "name", gtin), "OK", "product")
        ok(c.call("COMMISSION", "(01)06901234567892(21)U1", "SITE", "MFR", "LOT", "A",
                  "EXPIRY", FAR))
        ok(c.call("COMMISSION", "(01)16901234567899(21)M1", "SITE", "MFR"))
        ok(c.call("COMMISSION", "(00)069012340000000016", "SITE", "MFR"))
        levels = [c.call("VERIFY", x)[b"level"] for x in
                  ("(01)06901234567892(21)U1", "(01)16901234567899(21)M1",
                   "(00)069012340000000016")]
        eq(levels, [1, 2, 3], "unit, middle pack (indicator 1), case (SSCC)")
        ok(c.call("PACK", "(01)16901234567899(21)M1", "(01)06901234567892(21)U1", "SITE", "MFR"))
    finally:
        d.close()
