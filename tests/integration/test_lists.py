"""The reads of issue 21 against the real yimad: STOCK, PRODUCT LIST, SITE
LIST, LOTS, CONTENTS, IMPACT PRODUCT, RISK, ALERTS' KIND/STATUS and ALERT
SET.  Who may (a pharmacy sees its own stock alone; ALERT SET is the
regulators'), paging to the end, bad input refused with nothing changed,
and ALERT SET kept in the log's hash chain (AUDIT VERIFY, AUDIT VERIFY
STATE replays it)."""
from harness import Yimad, day, eq, info
from secutil import PRODUCT, ok, refused, token_line, write_acl

EXPIRY = day(730)
TOKENS = {"ph1": ("pharmacy", "PH1"), "ph2": ("pharmacy", "PH2"),
          "reg": ("regulator", "-"), "mfr": ("manufacturer", "MFR")}


def code(n):
    return f"{PRODUCT}{n:013d}"


def text(v):
    """A RESP3 reply with its bytes as str."""
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, dict):
        return {text(k): text(x) for k, x in v.items()}
    if isinstance(v, list):
        return [text(x) for x in v]
    return v


def daemon():
    d = Yimad()
    path = write_acl(d, [token_line(f"t-{n}", role, site, f"secret-{n}")
                         for n, (role, site) in TOKENS.items()])
    d.stop()
    d.flags += ["--acl-file", path]
    d.start()
    return d


def as_(d, name=None):
    c = d.connect()
    c.call("HELLO", "3")
    if name:
        eq(c.call("AUTH", f"secret-{name}"), "OK", f"AUTH {name}")
    return c


def call(c, *args):
    return text(c.call(*args))


def scene(d):
    """MFR (Beijing) ships codes 1-3 of lot L1 to PH1 (Beijing) and 4 to
    PH2 (Shanghai), keeps 5 and L2's 6; PH1 sells 1 twice and an unknown
    code: a duplicate alert and an unknown one."""
    c = as_(d)
    for site, kind, region in (("MFR", "manufacturer", "110105"), ("PH1", "pharmacy", "110105"),
                               ("PH2", "pharmacy", "310101"), ("REG", "regulator", "110000")):
        ok(c.call("SITE", "SET", site, "name", site, "kind", kind, "region", region))
    ok(c.call("PRODUCT", "SET", PRODUCT, "name", "Amoxicillin", "units_per_pack", "1"))
    ok(c.call("COMMISSION", *[code(n) for n in range(1, 6)], "SITE", "MFR", "LOT", "L1",
              "EXPIRY", EXPIRY))
    ok(c.call("COMMISSION", code(6), "SITE", "MFR", "LOT", "L2", "EXPIRY", EXPIRY))
    ok(c.call("PACK", code(90), code(1), code(2), "SITE", "MFR"))
    ok(c.call("SHIP", code(90), code(3), "FROM", "MFR", "TO", "PH1"))
    ok(c.call("RECEIVE", code(90), code(3), "SITE", "PH1"))
    ok(c.call("SHIP", code(4), "FROM", "MFR", "TO", "PH2"))
    ok(c.call("RECEIVE", code(4), "SITE", "PH2"))
    ok(c.call("DISPENSE", code(3), "SITE", "PH1"))
    ok(c.call("DISPENSE", code(3), "SITE", "PH1"))
    ok(c.call("DISPENSE", code(77), "SITE", "PH1"))
    return c


def test_stock_lists_and_lots():
    d = daemon()
    try:
        c = scene(d)
        s = call(c, "STOCK", "SITE", "PH1")
        eq([(r["lot"], r["units"]) for r in s["stock"]], [("L1", 2)], "PH1's stock")
        s = call(c, "STOCK", "SITE", "MFR")
        eq([(r["lot"], r["units"]) for r in s["stock"]], [("L1", 1), ("L2", 1)], "MFR's")
        # A page at a time, to the end.
        p1 = call(c, "STOCK", "SITE", "MFR", "COUNT", "1")
        eq(len(p1["stock"]), 1, "first page")
        p2 = call(c, "STOCK", "SITE", "MFR", "AFTER", p1["next"])
        eq(([r["lot"] for r in p2["stock"]], p2["next"]), (["L2"], None), "second page")

        eq([p["id"] for p in call(c, "PRODUCT", "LIST")["products"]], [PRODUCT], "products")
        sites = call(c, "SITE", "LIST", "KIND", "pharmacy", "REGION", "11")["sites"]
        eq([s["id"] for s in sites], ["PH1"], "Beijing's pharmacies")
        seen, after = [], []
        while True:
            page = call(c, "SITE", "LIST", "COUNT", "3", *after)
            seen += [s["id"] for s in page["sites"]]
            if page["next"] is None:
                break
            after = ["AFTER", page["next"]]
        eq(seen, ["MFR", "PH1", "PH2", "REG"], "every site, in pages of 3")

        lots = call(c, "LOTS", "PRODUCT", PRODUCT)["lots"]
        eq([(lot["lot"], lot["units"], lot["dispensed"]) for lot in lots],
           [("L1", 5, 1), ("L2", 1, 0)], "lots")
        box = call(c, "CONTENTS", code(90))
        eq(sorted(r["code"] for r in box["contents"]), [code(1), code(2)], "the pack's")
        refused(c.call("CONTENTS", code(55)), "ERR", "an unknown code")
        refused(c.call("STOCK", "SITE", "NOPE"), "ERR", "an unknown site")
        refused(c.call("LOTS", "PRODUCT", PRODUCT, "AFTER", "x"), "ERR", "a bad cursor")
        refused(c.call("SITE", "LIST", "KIND", "shop"), "ERR", "an unknown kind")
    finally:
        d.close()


def test_impact_product_and_risk():
    d = daemon()
    try:
        c = scene(d)
        r = call(c, "IMPACT", "PRODUCT", PRODUCT)
        eq((r["lot"], len(r["lots"]), r["totals"]["units"]), (None, 2, 6), "IMPACT PRODUCT")
        r = call(c, "IMPACT", "PRODUCT", PRODUCT, "REGION", "31")
        eq([s["site"] for s in r["sites"]], ["PH2"], "Shanghai's")
        refused(c.call("IMPACT", "PRODUCT", "8309999"), "ERR", "an unknown product")
        risk = call(c, "RISK")
        eq([(s["site"], s["duplicates"], s["unknown_codes"], s["sales"]) for s in risk],
           [("PH1", 1, 1, 1)], "RISK")
        eq(call(c, "RISK", "REGION", "31"), [], "no risk in Shanghai")
        refused(c.call("RISK", "REGION", "abc"), "ERR", "a bad region")
    finally:
        d.close()


def test_who_may():
    d = daemon()
    try:
        scene(d)
        ph1 = as_(d, "ph1")
        eq(len(call(ph1, "STOCK", "SITE", "PH1")["stock"]), 1, "PH1's own stock")
        refused(ph1.call("STOCK", "SITE", "PH2"), "NOPERM", "not PH2's")
        ok(ph1.call("PRODUCT", "LIST"))
        ok(ph1.call("SITE", "LIST"))
        for args in (("LOTS", "PRODUCT", PRODUCT), ("CONTENTS", code(90)), ("RISK",),
                     ("IMPACT", "PRODUCT", PRODUCT), ("ALERT", "SET", "1", "STATUS", "closed",
                                                      "CLASS", "resale")):
            refused(ph1.call(*args), "NOPERM", f"a pharmacy's {args[0]}")
        refused(as_(d, "mfr").call("ALERT", "SET", "1", "NOTE", "x"), "NOPERM",
                "a manufacturer's ALERT SET")
        reg = as_(d, "reg")
        ok(reg.call("RISK"))
        eq(call(reg, "ALERT", "SET", "1", "STATUS", "investigating")["status"], "investigating",
           "a regulator's ALERT SET")
    finally:
        d.close()


def test_alert_set_filters_and_the_audit_chain():
    d = daemon()
    try:
        c = scene(d)
        reg = as_(d, "reg")
        before = info(c, "audit")[b"log_head_seq"]
        refused(reg.call("ALERT", "SET", "1", "STATUS", "closed"), "ERR", "closed, no class")
        refused(reg.call("ALERT", "SET", "99", "STATUS", "open"), "ERR", "no such alert")
        refused(reg.call("ALERT", "SET", "1", "CLASS", "fraud"), "ERR", "an unknown class")
        eq(info(c, "audit")[b"log_head_seq"], before, "refusals are not logged")
        eq(call(c, "ALERTS", "STATUS", "open")[0]["status"], "open", "untouched")

        r = call(reg, "ALERT", "SET", "1", "STATUS", "closed", "CLASS", "user_error",
                 "NOTE", "scanned twice by the till")
        eq((r["status"], r["class"], r["note"]), ("closed", "user_error",
                                                  "scanned twice by the till"), "reply")
        eq(info(c, "audit")[b"log_head_seq"], before + 1, "one entry in the log")
        closed = call(c, "ALERTS", "STATUS", "closed")
        eq([(a["id"], a["class"], a["handled_by"]) for a in closed], [(1, "user_error", "t-reg")],
           "ALERTS STATUS closed")
        eq([a["kind"] for a in call(c, "ALERTS", "KIND", "unknown")], ["unknown"], "KIND")
        eq([a["id"] for a in call(c, "ALERTS", "STATUS", "open")], [2], "still open")
        refused(c.call("ALERTS", "STATUS", "done"), "ERR", "an unknown status")

        v = call(c, "AUDIT", "VERIFY")
        eq(v["ok"], True, f"AUDIT VERIFY {v}")
        s = call(c, "AUDIT", "VERIFY", "STATE")
        eq((s["ok"], s["error"]), (True, None), f"AUDIT VERIFY STATE replays it: {s}")
        # Kept across a restart.
        d.restart()
        eq(call(as_(d), "ALERTS", "STATUS", "closed")[0]["note"], "scanned twice by the till",
           "after a restart")
    finally:
        d.close()


def test_stock_counts_opened_packs():
    """STOCK's `opened`: a split pack partly sold at a site counts 1 there
    (no longer among `units`), 0 once sold out; a lot the site holds only
    opened packs of is listed with units 0; a product sold in whole packs
    has none; `yima stock` shows the column in the table and --csv."""
    d = daemon()
    try:
        c = scene(d)
        split = "8306666"

        def sc(n):
            return f"{split}{n:013d}"
        ok(c.call("PRODUCT", "SET", split, "name", "Insulin pen", "units_per_pack", "10"))
        ok(c.call("COMMISSION", sc(1), sc(2), sc(3), "SITE", "MFR", "LOT", "S1", "EXPIRY",
                  EXPIRY))
        ok(c.call("COMMISSION", sc(4), "SITE", "MFR", "LOT", "S2", "EXPIRY", EXPIRY))
        ok(c.call("SHIP", sc(1), sc(2), sc(3), sc(4), "FROM", "MFR", "TO", "PH1"))
        ok(c.call("RECEIVE", sc(1), sc(2), sc(3), sc(4), "SITE", "PH1"))

        def stock(site="PH1", *more):
            r = call(c, "STOCK", "SITE", site, "PRODUCT", split, *more)
            return [(x["lot"], x["units"], x["opened"]) for x in r["stock"]], r["next"]
        eq(stock(), ([("S1", 3, 0), ("S2", 1, 0)], None), "nothing sold yet")
        eq(text(c.call("DISPENSE", sc(1), "SITE", "PH1", "TX", "T1", "QTY", "4"))["verdict"],
           "green", "4 of 10")
        eq(stock(), ([("S1", 2, 1), ("S2", 1, 0)], None), "one pack of S1 opened")
        ok(c.call("DISPENSE", sc(4), "SITE", "PH1", "TX", "T2", "QTY", "3"))
        eq(stock(), ([("S1", 2, 1), ("S2", 0, 1)], None), "S2: only an opened pack left")
        eq(stock("PH1", "COUNT", "1"), ([("S1", 2, 1)], stock("PH1", "COUNT", "1")[1]),
           "a page")
        nxt = stock("PH1", "COUNT", "1")[1]
        eq(stock("PH1", "AFTER", nxt), ([("S2", 0, 1)], None), "the next page")
        ok(c.call("DISPENSE", sc(1), "SITE", "PH1", "TX", "T3", "QTY", "6"))
        eq(stock(), ([("S1", 2, 0), ("S2", 0, 1)], None), "sold out: no longer opened")
        eq(stock("MFR"), ([], None), "MFR holds none of it")
        eq([(x["lot"], x["opened"]) for x in call(c, "STOCK", "SITE", "PH1",
                                                  "PRODUCT", PRODUCT)["stock"]],
           [("L1", 0)], "whole packs: none opened")

        rc, out, err = d.yima("stock", "--site", "PH1", "--product", split, "--csv")
        eq(rc, 0, err)
        rows = [ln.split(",") for ln in out.strip().split("\n")]
        eq(rows[0][4:6], ["units", "opened"], out)
        eq([r[1] + ":" + r[5] for r in rows[1:]], ["S1:0", "S2:1"], out)
        rc, out, err = d.yima("stock", "--site", "PH1", "--product", split)
        eq(out.split("\n")[0].split()[4:6], ["UNITS", "OPENED"], out)
    finally:
        d.stop()
