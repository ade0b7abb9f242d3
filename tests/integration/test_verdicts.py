"""Wrong answers users found, each as the test that reproduced it: bulk
batches applied in the order sent, and verdicts that say what happened."""
import os
import re
import shutil
import subprocess
import sys

import oldstore
from harness import Yimad, at, check, day, eq, encode, Error, yymmdd
from secutil import token_line
from test_gen import gen
from test_recall import expected_facts, impact_holdings

TOOLS = os.environ.get("YIMA_TEST_TOOLS", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "tests"))


def setup_sites(c, n_small_writes=12):
    """MFR and PH1, a CN product, and enough small writes that the writer has
    taken many small groups in a row (its turn for bulk work is due)."""
    for args in (("SITE", "SET", "MFR", "name", "Maker", "kind", "manufacturer"),
                 ("SITE", "SET", "PH1", "name", "Pharmacy 1", "kind", "pharmacy"),
                 ("PRODUCT", "SET", "8301234", "name", "Amoxicillin", "units_per_pack", "1",
                  "kind", "drug")):
        r = c.call(*args)
        check(not isinstance(r, Error), f"{args}: {r}")
    for i in range(n_small_writes):
        r = c.call("SITE", "SET", f"S{i}", "name", f"Site {i}", "kind", "distributor")
        check(not isinstance(r, Error), f"SITE SET S{i}: {r}")


def cn(i):
    return "8301234%013d" % i


def test_pipelined_events_batches_apply_in_order_sent():
    """EVENTS BATCH A (a small request: COMMISSION X and 170 more) then BATCH
    B (a bulk one: SHIP X and 150 DISPENSEs of other units), pipelined on one
    connection: A is applied first and each reply is its own batch's."""
    d = Yimad()
    try:
        c = d.connect()
        c.call("HELLO", "3")
        setup_sites(c)
        a = [f"COMMISSION {cn(1)} SITE MFR LOT L1 EXPIRY {day(400)}"]
        a += [f"COMMISSION {cn(100 + i)} SITE MFR LOT L1 EXPIRY {day(400)}" for i in range(20)]
        a += [" ".join(["COMMISSION"] + [cn(200 + i) for i in range(150)] +
                       ["SITE", "MFR", "LOT", "L1", "EXPIRY", day(400)])]
        b = [f"SHIP {cn(1)} FROM MFR TO PH1 REF DN-1"]
        b += [f"DISPENSE {cn(200 + i)} SITE PH1 TX TILL-0001-SALE-{i:06d}" for i in range(150)]
        req_a = encode("EVENTS", "BATCH", "A", *a)
        req_b = encode("EVENTS", "BATCH", "B", *b)
        check(len(req_a) < 8192 < len(req_b),
              f"batch A must be small ({len(req_a)} B) and B bulk ({len(req_b)} B)")
        c.send(req_a + req_b)
        ra, rb = c.reply(), c.reply()
        check(not isinstance(ra, Error), f"batch A refused: {ra}")
        check(not isinstance(rb, Error), f"batch B refused: {rb}")
        eq(ra[b"applied"], 22, f"batch A's reply {ra}")
        eq(rb[b"applied"], 151, f"batch B's reply {rb}")
        t = c.call("TRACE", cn(1))
        kinds = [e[b"event"] for e in t[b"events"]]
        eq(kinds, [b"commission", b"ship"], "X's events")
        c.close()
    finally:
        d.close()


# ---------------------------------------------------------------- verdicts

SPLIT = "8305555"               # a product sold by the tablet: 24 a pack


def chain(d, codes=(), to="PH1", product="8301234", upp=1):
    """Sites MFR, PH1, PH2, HOSP1; the product; codes commissioned at MFR
    (expiring in 400 days), shipped to `to` and received there (to=None:
    left at MFR; to="transit": shipped to PH1, not received)."""
    c = d.connect()
    c.call("HELLO", "3")
    for site, kind in (("MFR", "manufacturer"), ("PH1", "pharmacy"), ("PH2", "pharmacy"),
                       ("HOSP1", "hospital")):
        eq(c.call("SITE", "SET", site, "name", site, "kind", kind), "OK", "SITE SET")
    eq(c.call("PRODUCT", "SET", product, "name", "Amoxicillin", "units_per_pack", str(upp),
              "kind", "drug"), "OK", "PRODUCT SET")
    if codes:
        ok(c.call("COMMISSION", *codes, "SITE", "MFR", "LOT", "L1", "EXPIRY", day(400)))
        if to:
            ok(c.call("SHIP", *codes, "FROM", "MFR", "TO", "PH1" if to == "transit" else to))
            if to != "transit":
                ok(c.call("RECEIVE", *codes, "SITE", to))
    return c


def ok(r, what="reply"):
    check(not isinstance(r, Error), f"{what}: {r!r}")
    return r


def verdict(r):
    check(not isinstance(r, Error), f"expected a verdict, got {r!r}")
    return r[b"verdict"].decode(), sorted(x.decode() for x in r[b"reasons"])


def test_dispense_after_undo_of_its_tx_sells_again():
    """UNDO of (PH1, T1), then DISPENSE with T1 again: a new sale,
    recorded (it answered GREEN and sold nothing), so the pack cannot then
    sell elsewhere."""
    d = Yimad()
    try:
        c = chain(d, [cn(1)])
        eq(verdict(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "T1")), ("green", []), "sale")
        eq(verdict(c.call("UNDO", cn(1), "SITE", "PH1", "TX", "T1")), ("green", []), "undo")
        r = c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "T1")
        eq((verdict(r), r[b"status"], r[b"dispensed"]), (("green", []), b"dispensed", 1),
           "the same TX after its undo")
        r = c.call("VERIFY", cn(1))
        eq((r[b"status"], r[b"dispensed"]), (b"dispensed", 1), "recorded")
        eq(verdict(c.call("DISPENSE", cn(1), "SITE", "PH2", "TX", "T9")), ("red", ["duplicate"]),
           "then sold elsewhere")
        r = c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "T1")
        eq((verdict(r), r[b"dispensed"]), (("green", []), 1), "a retry of the new sale")
        sales = [e for e in c.call("TRACE", cn(1))[b"events"] if e[b"event"] == b"dispense"]
        eq(len(sales), 2, "two sales, the first undone")
    finally:
        d.close()


def test_qty_beyond_what_remains_is_refused_without_alert():
    """QTY 25 on a fresh pack of 24 is refused as more than remains, with
    nothing recorded and no alert; so is QTY 5 when 4 remain."""
    d = Yimad()
    try:
        c = chain(d, [SPLIT + "0000000000011"], product=SPLIT, upp=24)
        code = SPLIT + "0000000000011"
        r = c.call("DISPENSE", code, "SITE", "PH1", "TX", "A", "QTY", "25")
        check(isinstance(r, Error) and "QTY 25 is more than the 24 that remain" in r, r)
        eq(c.call("ALERTS"), [], "no alert for a wrong QTY")
        r = c.call("VERIFY", code, "SITE", "PH1")
        eq((verdict(r), r[b"dispensed"], r[b"status"]), (("green", []), 0, b"active"),
           "nothing sold")
        eq(verdict(c.call("DISPENSE", code, "SITE", "PH1", "TX", "A", "QTY", "20")),
           ("green", []), "20 of 24 (TX A was refused, so it is free)")
        r = c.call("DISPENSE", code, "SITE", "PH1", "TX", "B", "QTY", "5")
        check(isinstance(r, Error) and "QTY 5 is more than the 4 that remain" in r, r)
        r = c.call("DISPENSE", code, "SITE", "PH1", "TX", "C", "QTY", "4")
        eq((verdict(r), r[b"dispensed"], r[b"status"]), (("green", []), 24, b"dispensed"),
           "the last 4")
        r = c.call("DISPENSE", code, "SITE", "PH1", "TX", "D", "QTY", "1")
        eq(verdict(r), ("red", ["duplicate"]), "a sold-out pack again")
        check(r[b"message"].endswith(b"(all 24 units of this pack sold, none remain)"),
              f"a sold-out split pack says none remain: {r[b'message']!r}")
        eq(len(c.call("ALERTS")), 1, "one alert: the real duplicate")
        r = c.call("DISPENSE", cn(7), "SITE", "PH1", "TX", "E", "QTY", "2")
        check(isinstance(r, Error) or verdict(r)[0] == "red", r)
    finally:
        d.close()


def test_red_answer_does_not_freeze_its_tx():
    """A DISPENSE before the code's COMMISSION arrived answers RED unknown;
    retried with the same TX once the code is loaded and received, it is
    judged again and sells. Retries while still unknown raise one alert."""
    d = Yimad()
    try:
        c = chain(d)
        for _ in range(3):
            eq(verdict(c.call("DISPENSE", cn(5), "SITE", "PH1", "TX", "T5")),
               ("red", ["unknown"]), "not loaded yet")
        eq(len(c.call("ALERTS")), 1, "one alert for the retried unknown code")
        ok(c.call("COMMISSION", cn(5), "SITE", "MFR", "LOT", "L1", "EXPIRY", day(400)))
        ok(c.call("SHIP", cn(5), "FROM", "MFR", "TO", "PH1"))
        ok(c.call("RECEIVE", cn(5), "SITE", "PH1"))
        r = c.call("DISPENSE", cn(5), "SITE", "PH1", "TX", "T5")
        eq((verdict(r), r[b"status"]), (("green", []), b"dispensed"), "loaded: it sells")
        r = c.call("DISPENSE", cn(5), "SITE", "PH1", "TX", "T5")
        eq((verdict(r), r[b"dispensed"]), (("green", []), 1), "and that sale is the TX's now")
    finally:
        d.close()


def test_amber_message_describes_the_pack_before_the_sale():
    """Sold at HOSP1 while PH1 holds it: the message names PH1. Sold at PH1
    while in transit from MFR: it names MFR and PH1."""
    d = Yimad()
    try:
        c = chain(d, [cn(1)])
        r = c.call("DISPENSE", cn(1), "SITE", "HOSP1", "TX", "H1")
        eq(verdict(r), ("amber", ["not_received_here"]), "sold where not received")
        check(b"held by PH1, not received here" in r[b"message"], r[b"message"])
        eq(r[b"holder"], b"HOSP1", "the state after the sale")
        c.close()
        d.close()
        d = Yimad()
        c = chain(d, [cn(2)], to="transit")
        r = c.call("DISPENSE", cn(2), "SITE", "PH1", "TX", "P1")
        eq(verdict(r)[1], ["in_transit"], "sold before it was received")
        check(b"in transit from MFR to PH1" in r[b"message"], r[b"message"])
    finally:
        d.close()


def test_drug_scan_without_serial_is_not_a_trace_code():
    """(01)(17)(10) of a drug, without (21): a partial scan, not a suspected
    counterfeit, and no alert. The same lot-level scan of a device whose
    lot-level unit is unknown stays unknown."""
    d = Yimad()
    try:
        c = chain(d, product="06901234567892")
        ok(c.call("COMMISSION", f"(01)06901234567892(17){yymmdd(400)}(10)A1(21)SN1",
                  "SITE", "MFR", "LOT", "A1", "EXPIRY", day(400)))
        scan = f"(01)06901234567892(17){yymmdd(400)}(10)A1"
        for cmd in (("VERIFY", scan), ("DISPENSE", scan, "SITE", "PH1", "TX", "T1")):
            r = c.call(*cmd)
            eq(verdict(r), ("red", ["not_a_trace_code"]), cmd[0])
            check(b"without a serial number" in r[b"message"], r[b"message"])
        eq(c.call("ALERTS"), [], "no alert for a partial scan")
        ok(c.call("PRODUCT", "SET", "06901234567892", "kind", "device"))
        eq(verdict(c.call("VERIFY", scan)), ("red", ["unknown"]), "a device's unknown lot")
    finally:
        d.close()


def test_alerts_since_follows_alert_time_not_log_order():
    """A live DISPENSE of an unknown code (an alert now), then a RECEIVE
    loaded with an older TIME that raises a diversion alert: ALERTS SINCE
    yesterday keeps the live alert (it stopped at the older one stored after
    it), SINCE last year has both, newest first by time; the same by SITE."""
    d = Yimad()
    try:
        c = chain(d, [cn(1)], to="transit")
        eq(verdict(c.call("DISPENSE", cn(9), "SITE", "PH2", "TX", "X")), ("red", ["unknown"]),
           "live unknown scan")
        r = ok(c.call("RECEIVE", cn(1), "SITE", "PH2", "TIME", at(-60)))
        eq(r[b"diverted"], 1, "received by a site it was not shipped to")
        kinds = lambda rs: [(a[b"kind"], a[b"site"]) for a in rs]
        eq(kinds(c.call("ALERTS", "SINCE", at(-1))), [(b"unknown", b"PH2")],
           "SINCE yesterday: the live alert, behind an older one stored later")
        eq(kinds(c.call("ALERTS", "SINCE", at(-365))), [(b"unknown", b"PH2"), (b"diversion", b"PH2")],
           "SINCE last year: both, newest first")
        eq(kinds(c.call("ALERTS", "SITE", "PH2", "SINCE", at(-1))), [(b"unknown", b"PH2")],
           "the same through the site")
        eq(kinds(c.call("ALERTS")), [(b"unknown", b"PH2"), (b"diversion", b"PH2")],
           "no SINCE: newest first by time")
        eq(c.call("ALERTS", "SINCE", at(1)), [], "SINCE tomorrow: none")
    finally:
        d.close()


def test_store_of_schema_3_gets_alert_times_indexed():
    """A version 3 store (site_alerts held alert seqs only) is upgraded at
    start: site_alerts is rebuilt with times, ALERTS SINCE and SITE work."""
    d = Yimad()
    try:
        c = chain(d, [cn(1)])
        for i in range(5):
            eq(verdict(c.call("DISPENSE", cn(100 + i), "SITE", "PH1")), ("red", ["unknown"]), "scan")
        c.close()
        eq(d.stop(), 0, "yimad stopped")
        poke = os.path.join(TOOLS, "lmdb_poke")
        subprocess.run([poke, d.data, "site_alerts", "-", "drop"], check=True)
        # what version 3 kept: site number → alert seq (u48)
        subprocess.run([poke, d.data, "site_alerts", "00000002", "put", "000000000001"],
                       check=True)
        oldstore.links_apart(d.data, "events", "event_hashes")
        oldstore.set_schema(d.data, 3)
        d.start()
        out = d.output()
        check("schema version 3 upgraded to 9" in out, out)
        check("indexed 5 alerts by site and unit" in out, out)
        c = d.connect()
        c.call("HELLO", "3")
        eq(len(c.call("ALERTS", "SITE", "PH1", "SINCE", at(-1))), 5, "ALERTS SITE SINCE")
        eq(len(c.call("ALERTS", "SINCE", at(-1))), 5, "ALERTS SINCE")
        eq(c.call("ALERTS", "SITE", "PH2"), [], "PH2 has none")
    finally:
        d.close()


def test_trace_in_time_order_and_printed_whole():
    """TRACE lists events by their time (a RECEIVE loaded with an older TIME
    after a live LOCK comes before it); `yima trace` prints recall, lift,
    lock and unlock with what they were about, never '?'."""
    d = Yimad()
    try:
        c = chain(d)
        ok(c.call("COMMISSION", cn(1), "SITE", "MFR", "LOT", "L1", "EXPIRY", day(400),
                  "TIME", at(-10)))
        ok(c.call("SHIP", cn(1), "FROM", "MFR", "TO", "PH1", "TIME", at(-9)))
        ok(c.call("LOCK", cn(1), "REASON", "counted twice"))
        ok(c.call("UNLOCK", cn(1)))
        ok(c.call("RECEIVE", cn(1), "SITE", "PH1", "TIME", at(-8)))
        ok(c.call("RECALL", "8301234", "L1", "LEVEL", "2", "REASON", "dissolution"))
        ok(c.call("LIFT", "8301234", "L1", "REASON", "retested"))
        events = c.call("TRACE", cn(1))[b"events"]
        eq([e[b"event"] for e in events],
           [b"commission", b"ship", b"receive", b"lock", b"unlock", b"recall", b"lift"],
           "TRACE in time order")
        times = [e[b"time"] for e in events]
        eq(times, sorted(times), "times never go back")
        rc, out, err = d.yima("trace", cn(1))
        eq(rc, 0, f"yima trace: {err}")
        lines = {ln.split()[1]: ln for ln in out.splitlines()
                 if len(ln.split()) > 1 and ln.split()[1] in
                 ("lock", "unlock", "recall", "lift")}
        eq(sorted(lines), ["lift", "lock", "recall", "unlock"], f"lines in\n{out}")
        for kind, ln in lines.items():
            check("?" not in ln, f"{kind} printed with '?': {ln}")
        check("the lot" in lines["recall"] and "level 2" in lines["recall"] and
              "dissolution" in lines["recall"], lines["recall"])
        check("the code" in lines["lock"] and "counted twice" in lines["lock"], lines["lock"])
    finally:
        d.close()


def test_audit_verify_of_a_broken_chain_exits_nonzero():
    """`yima AUDIT VERIFY` exits 0 on an intact chain and 1 when it is broken."""
    d = Yimad()
    try:
        chain(d, [cn(1), cn(2)]).close()
        rc, out, err = d.yima("AUDIT", "VERIFY")
        eq(rc, 0, f"intact chain: {out}{err}")
        eq(d.stop(), 0, "yimad stopped")
        subprocess.run([os.path.join(TOOLS, "lmdb_poke"), d.data, "events",
                        (2).to_bytes(6, "big").hex(), "flip", "3"], check=True, timeout=30)
        d.start()
        rc, out, err = d.yima("AUDIT", "VERIFY")
        check("ok: false" in out or "ok: (false)" in out or "false" in out, out)
        eq(rc, 1, f"broken chain: exit status\n{out}{err}")
    finally:
        d.close()


def acl_daemon(*flags):
    """A yimad with an ACL file: token 'ph1-secret' signs in as pharmacy PH1."""
    d = Yimad(*flags)
    path = os.path.join(d.tmp, "acl")
    with open(path, "w") as f:
        f.write(token_line("till-1", "pharmacy", "PH1", "ph1-secret"))
    d.flags += ["--acl-file", path]
    d.restart()
    return d


def test_counter_cannot_back_date_a_sale():
    """As PH1, DISPENSE ... TIME (a day before the pack expired) is refused,
    directly and as an EVENTS record, and sells nothing; the live scan is
    RED expired. The local principal may still load history with TIME."""
    d = acl_daemon()
    try:
        local = chain(d)
        ok(local.call("COMMISSION", cn(1), cn(2), "SITE", "MFR", "LOT", "OLD",
                      "EXPIRY", day(-5), "TIME", at(-100)))
        ok(local.call("SHIP", cn(1), cn(2), "FROM", "MFR", "TO", "PH1", "TIME", at(-90)))
        ok(local.call("RECEIVE", cn(1), cn(2), "SITE", "PH1", "TIME", at(-89)))
        ph1 = d.connect()
        ph1.call("HELLO", "3")
        eq(ph1.call("AUTH", "ph1-secret"), "OK", "AUTH as PH1")
        r = ph1.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "T1", "TIME", at(-10))
        check(isinstance(r, Error) and r.startswith("NOPERM ") and "TIME is for loading history" in r, r)
        r = ph1.call("EVENTS", f"DISPENSE {cn(1)} SITE PH1 TX T1 TIME {at(-10)}")
        check(isinstance(r, Error) and "TIME is for loading history" in r, r)
        eq(verdict(ph1.call("VERIFY", cn(1), "SITE", "PH1")), ("red", ["expired"]), "not sold")
        eq(verdict(ph1.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "T1")), ("red", ["expired"]),
           "a live scan of an expired pack")
        r = local.call("DISPENSE", cn(2), "SITE", "PH1", "TX", "H1", "TIME", at(-10))
        eq((verdict(r), r[b"status"]), (("amber", ["near_expiry"]), b"dispensed"),
           "history loaded locally: judged at its TIME, 5 days before expiry")
    finally:
        d.close()


def test_public_verify_names_no_business():
    """Without signing in (public_verify), VERIFY says genuine, expired,
    recalled or sold before, and names no holder, first-sale site, time or
    till transaction."""
    d = Yimad("--public-verify", "yes", "--local-trust", "no")
    path = os.path.join(d.tmp, "acl")
    with open(path, "w") as f:
        f.write(token_line("ops", "admin", "-", "admin-secret"))
        f.write(token_line("till-1", "pharmacy", "PH1", "ph1-secret"))
        f.write(token_line("mfr", "manufacturer", "MFR", "mfr-secret"))
    d.flags += ["--acl-file", path]
    d.restart()
    try:
        admin = d.connect()
        admin.call("HELLO", "3")
        eq(admin.call("AUTH", "admin-secret"), "OK", "AUTH admin")
        for site, kind in (("MFR", "manufacturer"), ("PH1", "pharmacy")):
            ok(admin.call("SITE", "SET", site, "name", site, "kind", kind))
        ok(admin.call("PRODUCT", "SET", "8301234", "name", "Amoxicillin", "units_per_pack", "1"))
        mfr = d.connect()
        mfr.call("HELLO", "3")
        eq(mfr.call("AUTH", "mfr-secret"), "OK", "AUTH MFR")
        ok(mfr.call("COMMISSION", cn(1), cn(2), "SITE", "MFR", "LOT", "L1", "EXPIRY", day(400)))
        ok(mfr.call("SHIP", cn(1), cn(2), "FROM", "MFR", "TO", "PH1"))
        ph1 = d.connect()
        ph1.call("HELLO", "3")
        eq(ph1.call("AUTH", "ph1-secret"), "OK", "AUTH PH1")
        ok(ph1.call("RECEIVE", cn(1), cn(2), "SITE", "PH1"))
        eq(verdict(ph1.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "TILL-7781")), ("green", []),
           "sold")
        pub = d.connect()
        pub.call("HELLO", "3")
        sold = pub.call("VERIFY", cn(1))
        eq(verdict(sold), ("red", ["duplicate"]), "public: sold before")
        fresh = pub.call("VERIFY", cn(2))
        eq(verdict(fresh), ("green", []), "public: genuine")
        for r in (sold, fresh):
            text = repr(r)
            for secret in ("PH1", "MFR", "TILL-7781", "first_sale", "holder", "last_event"):
                check(secret not in text, f"public answer shows {secret}: {text}")
            eq((r[b"product"], r[b"lot"], r[b"expiry"]), (b"8301234", b"L1", day(400).encode()),
               "what the consumer needs")
        full = ph1.call("VERIFY", cn(1), "SITE", "PH1")
        eq(full[b"first_sale"][b"tx"], b"TILL-7781", "a signed-in pharmacy sees the whole record")
    finally:
        d.close()


def test_moving_recalled_or_expired_stock_warns_and_counts():
    """After a recall, COMMISSION into the lot, SHIP and RECEIVE of its units
    still record what happened but warn in the reply, and IMPACT counts
    them per site under after_recall; expired stock shipped warns too; a
    RETURN of recalled stock, the wanted move, does not warn."""
    d = Yimad()
    try:
        c = chain(d, [cn(1), cn(2), cn(3)], to=None)
        ok(c.call("COMMISSION", cn(50), "SITE", "MFR", "LOT", "OLD", "EXPIRY", day(-1)))
        ok(c.call("RECALL", "8301234", "L1", "LEVEL", "1", "REASON", "sterility"))
        r = ok(c.call("COMMISSION", cn(4), "SITE", "MFR", "LOT", "L1"))
        eq(r[b"warnings"], [{b"reason": b"recalled", b"product": b"8301234", b"lot": b"L1",
                             b"units": 1}], "commissioned into a recalled lot")
        r = ok(c.call("SHIP", cn(1), cn(2), "FROM", "MFR", "TO", "PH1"))
        eq(r[b"warnings"], [{b"reason": b"recalled", b"product": b"8301234", b"lot": b"L1",
                             b"units": 2}], "recalled stock shipped")
        r = ok(c.call("RECEIVE", cn(1), cn(2), "SITE", "PH1"))
        eq((r[b"diverted"], len(r[b"warnings"]), r[b"warnings"][0][b"units"]), (0, 1, 2),
           "recalled stock received")
        r = ok(c.call("SHIP", cn(50), "FROM", "MFR", "TO", "PH1"))
        eq([(w[b"reason"], w[b"lot"]) for w in r[b"warnings"]], [(b"expired", b"OLD")],
           "expired stock shipped")
        r = ok(c.call("RETURN", cn(1), "FROM", "PH1", "TO", "MFR"))
        check(b"warnings" not in r, f"a return warns: {r}")
        r = ok(c.call("RECEIVE", cn(1), "SITE", "MFR"))
        check(b"warnings" not in r, f"receiving a return warns: {r}")
        r = ok(c.call("COMMISSION", cn(60), "SITE", "MFR", "LOT", "L2", "EXPIRY", day(400)))
        eq((r[b"level"], b"warnings" in r), (1, False), "a sound lot: no warning, level shown")
        im = c.call("IMPACT", "8301234", "L1")
        eq(im[b"totals"][b"after_recall"],
           {b"commissioned": 1, b"shipped": 2, b"received": 2}, "IMPACT totals")
        sites = {s[b"site"]: s[b"after_recall"] for s in im[b"sites"]}
        eq(sites[b"MFR"], {b"commissioned": 1, b"shipped": 2, b"received": 0}, "at MFR")
        eq(sites[b"PH1"], {b"commissioned": 0, b"shipped": 0, b"received": 2}, "at PH1")
    finally:
        d.close()


def hibc(data):
    """An HIBC code: data and its check character (sum of values mod 43)."""
    chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
    return data + chars[sum(chars.index(ch) for ch in data) % 43]


def test_hibc_level_shown_and_bad_udi_product_ids_refused():
    """COMMISSION of an HIBC code whose unit-of-measure digit is 3, without
    LEVEL, answers which level it took (a middle pack); PRODUCT SET refuses
    an HIBC DI without its check character and an MA DI with a serial, ids
    no scan could ever match, and takes the DIs scans carry."""
    d = Yimad()
    try:
        c = chain(d)
        r = c.call("PRODUCT", "SET", "+H123CATH3", "name", "Catheter", "kind", "device")
        check(isinstance(r, Error) and "check character" in r, r)
        r = c.call("PRODUCT", "SET", "MA.156.M0.100443.12345.S1", "name", "Stent")
        check(isinstance(r, Error) and "a product is named by its DI alone: "
              "MA.156.M0.100443.12345" in r, r)
        eq(c.call("PRODUCT", "SET", hibc("+H123CATH3"), "name", "Catheter", "kind", "device"),
           "OK", "the HIBC primary as printed")
        eq(c.call("PRODUCT", "SET", "MA.156.M0.100443.12345", "name", "Stent", "kind", "device"),
           "OK", "the MA DI")
        box = hibc("+H123CATH3/$+SN1")
        r = ok(c.call("COMMISSION", box, "SITE", "MFR", "LOT", "C1", "EXPIRY", day(400)))
        eq(r[b"level"], 2, "unit of measure 3: a middle pack, and the reply says so")
        one = hibc("+H123CATH3/$+SN2")
        r = ok(c.call("COMMISSION", one, "SITE", "MFR", "LOT", "C1", "LEVEL", "1"))
        eq(r[b"level"], 1, "LEVEL given")
        eq(c.call("VERIFY", box)[b"product"], hibc("+H123CATH3").encode(), "scans match it")
    finally:
        d.close()




def test_gen_chain_loaded_in_small_batches_ends_at_expected():
    """yima-gen's 20,000-unit chain loaded with `yima load --batch 100`
    (many pipelined batches of both sizes on one connection, which were
    applied out of order) applies every record and ends at exactly
    expected.csv, lot by lot and site by site."""
    d, _ = gen(20000, seed=7)
    y = Yimad()
    try:
        rc, out, err = y.yima("load", os.path.join(d, "sites.csv"),
                              os.path.join(d, "products.csv"))
        eq(rc, 0, f"master data\n{out}{err}")
        rc, out, err = y.yima("load", os.path.join(d, "events.csv"), "--batch", "100")
        eq(rc, 0, f"events\n{out}{err}")
        m = re.search(r"records: (\d+), applied: (\d+), already applied: (\d+), "
                      r"refused: (\d+), held back: (\d+)", out)
        check(m, out)
        records, applied, earlier, refused, held = map(int, m.groups())
        eq((applied, earlier, refused, held), (records, 0, 0, 0),
           f"every record applied: {out}")
        exp = expected_facts(d)
        c = y.connect()
        c.call("HELLO", "3")
        for (product, lot), want in sorted(exp.items()):
            eq(impact_holdings(c.call("IMPACT", product, lot)), want,
               f"IMPACT {product} {lot} vs expected.csv")
        print(f"    {records} records in batches of 100: {len(exp)} lots at expected.csv")
    finally:
        y.close()
        shutil.rmtree(d)


def test_trace_follows_containers_only_while_inside():
    """A unit packed into a case that already sits on a pallet moves with
    the pallet from then on (the pallet's shipment is in its chain); a unit
    taken out of the case before the case joined a pallet does not move
    with that pallet."""
    d = Yimad()
    try:
        c = chain(d, product="06901234567892")
        case_a, case_b = "8309999%013d" % 17, "8309999%013d" % 18
        pallet = "(00)069012340000000252"
        s21, s22 = "(01)06901234567892(21)S21", "(01)06901234567892(21)S22"
        ok(c.call("PRODUCT", "SET", "8309999", "name", "Cases", "units_per_pack", "1"))
        ok(c.call("COMMISSION", case_a, case_b, "SITE", "MFR", "LEVEL", "3"))
        ok(c.call("COMMISSION", s21, "SITE", "MFR", "LOT", "G2", "EXPIRY", day(35)))
        ok(c.call("COMMISSION", s22, "SITE", "MFR", "LOT", "G1", "EXPIRY", day(500)))
        ok(c.call("PACK", pallet, case_a, s22, case_b, "SITE", "MFR"))
        ok(c.call("PACK", case_a, s21, "SITE", "MFR"))
        ok(c.call("SHIP", pallet, "FROM", "MFR", "TO", "HOSP1", "REF", "DN-41"))
        kinds = lambda code: [(e[b"event"], e.get(b"via")) for e in c.call("TRACE", code)[b"events"]]
        got = kinds(s21)
        check((b"ship", pallet.replace("(00)", "").encode()) in got or
              any(k == b"ship" and v is not None for k, v in got),
              f"the pallet's shipment is in the chain of a unit packed into a case on it: {got}")
        # In a case put on a pallet, then taken out before the pallet ships.
        case_c, s23 = "8309999%013d" % 19, "(01)06901234567892(21)S23"
        pallet2 = "(00)069012340000000269"
        ok(c.call("COMMISSION", case_c, "SITE", "MFR", "LEVEL", "3"))
        ok(c.call("COMMISSION", s23, "SITE", "MFR", "LOT", "G1"))
        ok(c.call("PACK", case_c, s23, "SITE", "MFR"))
        ok(c.call("PACK", pallet2, case_c, "SITE", "MFR"))
        ok(c.call("UNPACK", case_c, s23, "SITE", "MFR"))
        ok(c.call("SHIP", pallet2, "FROM", "MFR", "TO", "PH1"))
        after = [k for k, _ in kinds(s23)]
        check(b"ship" not in after, f"a unit out of its case moved with the case's pallet: {after}")
        eq(after[0], b"commission", "its chain starts at commissioning")
        check(b"unpack" in after, after)
        # Sold out of a case on a pallet that was shipped before the sale:
        # the pallet's shipment is still in its chain.
        case_d, s24 = "8309999%013d" % 20, "(01)06901234567892(21)S24"
        pallet3 = "(00)069012340000000276"
        ok(c.call("COMMISSION", case_d, "SITE", "MFR", "LEVEL", "3"))
        ok(c.call("COMMISSION", s24, "SITE", "MFR", "LOT", "G1"))
        ok(c.call("PACK", case_d, s24, "SITE", "MFR"))
        ok(c.call("PACK", pallet3, case_d, "SITE", "MFR"))
        ok(c.call("SHIP", pallet3, "FROM", "MFR", "TO", "PH1"))
        ok(c.call("DISPENSE", s24, "SITE", "HOSP1", "TX", "H9"))
        sold = [k for k, _ in kinds(s24)]
        eq(sold, [b"commission", b"pack", b"pack", b"ship", b"dispense"],
           "the shipment right before the sale out of the case")
    finally:
        d.close()


def test_failed_dispense_record_in_events_changes_nothing():
    """A DISPENSE record that answers RED fails its EVENTS batch, or is
    skipped with SKIPBAD, and changes nothing: no alert, and no answer kept
    for its TX (a later UNDO of an earlier sale with that TX still finds
    the sale)."""
    d = Yimad()
    try:
        c = chain(d, [cn(1), cn(2)], to="PH2")
        r = c.call("EVENTS", "BATCH", "B41", "SKIPBAD", f"DISPENSE {cn(9)} SITE PH2 TX T40")
        eq((r[b"applied"], r[b"skipped"]), (0, 1), "the unknown code's record skipped")
        r = c.call("EVENTS", f"DISPENSE {cn(9)} SITE PH2 TX T41")
        check(isinstance(r, Error) and "nothing was applied" in r, r)
        eq(c.call("ALERTS"), [], "no alert from a record that failed")
        ok(c.call("DISPENSE", cn(1), "SITE", "PH2", "TX", "T7"))
        ok(c.call("UNDO", cn(1), "SITE", "PH2", "TX", "T7"))
        ok(c.call("DESTROY", cn(1), "SITE", "PH2"))
        r = c.call("EVENTS", f"DISPENSE {cn(1)} SITE PH2 TX T7")
        check(isinstance(r, Error) and "answered red" in r, r)
        eq(verdict(c.call("UNDO", cn(1), "SITE", "PH2", "TX", "T7")), ("green", []),
           "the retried UNDO still finds its sale: the refused record kept nothing")
    finally:
        d.close()


def test_undo_of_a_split_sale_leaves_a_shipped_pack_in_transit():
    """UNDO of a sale from a split pack that has since been returned gives
    the quantity back and leaves the pack where it is: in transit."""
    d = Yimad()
    try:
        code = SPLIT + "0000000000008"
        c = chain(d, [code], product=SPLIT, upp=10)
        ok(c.call("DISPENSE", code, "SITE", "PH1", "TX", "T14", "QTY", "3"))
        ok(c.call("RETURN", code, "FROM", "PH1", "TO", "MFR"))
        r = c.call("UNDO", code, "SITE", "PH1", "TX", "T14")
        eq((verdict(r)[0], r[b"status"], r[b"dispensed"], r[b"in_transit_to"]),
           ("green", b"in_transit", 0, b"MFR"), "undone, still on its way back")
        r = c.call("VERIFY", code)
        eq((r[b"status"], r[b"dispensed"]), (b"in_transit", 0), "as stored")
    finally:
        d.close()


def test_undo_of_a_sale_stamped_later_than_now_is_within_the_window():
    """A sale loaded with a TIME later than the clock (history from a till
    whose clock ran ahead) is undone within the window; the difference
    used to wrap to 49 days and refuse it."""
    d = Yimad()
    try:
        c = chain(d, [cn(1)])
        ok(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "F1", "TIME", at(0, "23:00:00")))
        eq(verdict(c.call("UNDO", cn(1), "SITE", "PH1", "TX", "F1")), ("green", []),
           "undo of a sale stamped later today")
    finally:
        d.close()


def test_messages_name_both_sides_and_durations_as_configured():
    """expiry_mismatch names the scan's expiry and the record's; a split
    pack sold from at one site and scanned at another says how many of its
    units remain; the undo window is shown as configured (36h), not in
    seconds."""
    d = Yimad("--undo-window", "36h")
    try:
        gtin = "06901234567892"
        c = chain(d, product=gtin, upp=10)
        ok(c.call("COMMISSION", f"(01){gtin}(21)S1", "SITE", "MFR", "LOT", "A1",
                  "EXPIRY", day(400)))
        ok(c.call("SHIP", f"(01){gtin}(21)S1", "FROM", "MFR", "TO", "PH1"))
        ok(c.call("RECEIVE", f"(01){gtin}(21)S1", "SITE", "PH1"))
        r = c.call("VERIFY", f"(01){gtin}(17){yymmdd(500)}(10)A1(21)S1", "SITE", "PH1")
        eq(verdict(r), ("amber", ["expiry_mismatch"]), "expiry differs")
        eq(r[b"message"].decode(), f"the scan says expiry {day(500)}, the record {day(400)}",
           "both expiries")
        ok(c.call("DISPENSE", f"(01){gtin}(21)S1", "SITE", "PH1", "TX", "T1", "QTY", "4"))
        r = c.call("DISPENSE", f"(01){gtin}(21)S1", "SITE", "PH2", "TX", "T2")
        eq(verdict(r), ("red", ["duplicate"]), "an opened pack sold again elsewhere")
        check(r[b"message"].endswith(b"(4 of this pack's 10 units sold there, 6 remain)"),
              r[b"message"])
        d.advance("2d")
        r = c.call("UNDO", f"(01){gtin}(21)S1", "SITE", "PH1", "TX", "T1")
        eq((verdict(r), r[b"message"]), (("red", ["undo_window"]),
                                         b"the undo window (36h) has passed"), "undo too late")
    finally:
        d.close()
