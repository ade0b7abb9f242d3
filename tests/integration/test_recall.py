"""Recalls and recall chains: RECALL / LIFT / WITHDRAW / LOCK answers, IMPACT
against two oracles — yima-gen's expected facts and a brute-force recount
from the event log replayed in Python — over several seeds and after undo,
returns, unpacking, re-shipping and destruction; CODES paging; RECALL.ACK
and deadlines; a recall racing in-flight dispenses; the CLI."""
import datetime
import os
import random
import shutil
import threading

from harness import Error, Yimad, at, check, day, eq
from test_gen import Model, gen, record, rows


def expected_facts(d):
    """expected.csv of a yima-gen directory: (product, lot) -> {site:
    (in_stock, in_transit, dispensed)}."""
    exp = {}
    for r in rows(os.path.join(d, "expected.csv")):
        exp.setdefault((r["product"], r["lot"]), {})[r["site"]] = (
            int(r["in_stock"]), int(r["in_transit"]), int(r["dispensed"]))
    return exp


def impact_holdings(r):
    """IMPACT's sites as expected.csv lists them: {site: (in_stock,
    in_transit, dispensed)} of the sites holding, sending or having sold."""
    check(not isinstance(r, Error), f"IMPACT: {r}")
    return {s[b"site"].decode(): (s[b"in_stock"], s[b"in_transit"], s[b"dispensed"])
            for s in r[b"sites"] if s[b"in_stock"] or s[b"in_transit"] or s[b"dispensed"]}


def wait_for(cond, pred, what, timeout=30.0):
    """Wait on threading.Condition cond until pred() holds; fail after
    timeout seconds."""
    with cond:
        check(cond.wait_for(pred, timeout), f"{what}: not within {timeout:g} s")


def load_gen(c, d):
    """Sites, products and events.csv of a yima-gen directory, through EVENTS;
    returns (model, products, events)."""
    c.call("HELLO", "3")
    for s in rows(os.path.join(d, "sites.csv")):
        eq(c.call("SITE", "SET", s["site"], "name", s["name"], "kind", s["kind"], "gln",
                  s["gln"]), "OK", f"SITE SET {s['site']}")
    products = rows(os.path.join(d, "products.csv"))
    for p in products:
        eq(c.call("PRODUCT", "SET", p["product"], "name", p["name"], "units_per_pack",
                  p["units_per_pack"], "kind", p["kind"]), "OK", "PRODUCT SET")
    ev = rows(os.path.join(d, "events.csv"))
    model = Chain(products)
    for i in range(0, len(ev), 500):
        part = ev[i:i + 500]
        r = c.call("EVENTS", *[record(x) for x in part])
        check(not isinstance(r, Error), f"rows {i + 2}..: {r}")
        for x in part:
            model.apply(x)
    return model, products, ev


class Chain(Model):
    """test_gen's replay, plus what the tests here do after the load."""

    def apply(self, r):
        e = r["event"]
        if e == "return":
            self.c[r["code"]]["transit"] = r["to"]
            self.c[r["code"]]["returning"] = True
        elif e == "destroy":
            x = self.c[r["code"]]
            t = self.top(r["code"])
            x["holder"], x["transit"], x["parent"], x["destroyed"] = t["holder"], None, None, True
        elif e == "undo":
            self.c[r["code"]]["sold"] -= int(r["qty"] or 1)
        else:
            super().apply(r)

    def bucket(self, code):
        """(bucket, site, to) of any code, as IMPACT counts it."""
        x = self.c[code]
        if x["level"] == 1 and x["sold"]:
            return "dispensed", x["holder"], None
        if x.get("destroyed"):
            return "destroyed", x["holder"], None
        t = self.top(code)
        if t["transit"]:
            return "in_transit", t["holder"], t["transit"]
        return "in_stock", t["holder"], None

    def lots_inside(self):
        """container code -> set of (product, lot) of the units it holds."""
        inside = {}
        for code, x in self.c.items():
            if x["level"] != 1 or x["parent"] is None:
                continue
            p = x["parent"]
            while p:
                inside.setdefault(p, set()).add((x["product"], x["lot"]))
                p = self.c[p]["parent"]
        return inside

    def impact(self, product, lot):
        """Per site: units in stock / in transit (at the sender) / dispensed /
        destroyed, and containers (level 2/3) in stock; plus transit flows."""
        sites, flows = {}, {}
        for code, x in self.c.items():
            if x["level"] != 1 or (x["product"], x["lot"]) != (product, lot):
                continue
            b, site, to = self.bucket(code)
            s = sites.setdefault(site, dict(in_stock=0, in_transit=0, dispensed=0,
                                            destroyed=0, middle_packs=0, cases=0))
            s[b] += 1
            if to:
                flows[(site, to)] = flows.get((site, to), 0) + 1
        for code, held in self.lots_inside().items():
            if (product, lot) not in held:
                continue
            b, site, _ = self.bucket(code)
            if b == "in_stock":
                s = sites.setdefault(site, dict(in_stock=0, in_transit=0, dispensed=0,
                                                destroyed=0, middle_packs=0, cases=0))
                s["middle_packs" if self.c[code]["level"] == 2 else "cases"] += 1
        return sites, flows


def check_impact(c, model, product, lot, what):
    r = c.call("IMPACT", product, lot)
    check(not isinstance(r, Error), f"IMPACT {product} {lot}: {r}")
    want, want_flows = model.impact(product, lot)
    got = {}
    for s in r[b"sites"]:
        row = {k: s[k.encode()] for k in ("in_stock", "in_transit", "dispensed", "destroyed",
                                          "middle_packs", "cases")}
        if any(row.values()):
            got[s[b"site"].decode()] = row
    want = {k: v for k, v in want.items() if any(v.values())}
    eq(got, want, f"{what}: IMPACT {product} {lot} per site")
    flows = {(f[b"from"].decode(), f[b"to"].decode()): f[b"units"] for f in r[b"transit"]
             if f[b"units"]}
    eq(flows, want_flows, f"{what}: transit flows of {lot}")
    t = r[b"totals"]
    for k in ("in_stock", "in_transit", "dispensed", "destroyed"):
        eq(t[k.encode()], sum(v[k] for v in want.values()), f"{what}: totals.{k}")
    eq(t[b"units"], t[b"in_stock"] + t[b"in_transit"] + t[b"dispensed"] + t[b"destroyed"],
       "totals.units")
    return r


def unit_lots(model):
    return sorted({(x["product"], x["lot"]) for x in model.c.values() if x["level"] == 1})


# --------------------------------------------------------------- oracles

def test_impact_equals_expected_facts_and_recount_over_seeds():
    for seed in (3, 11, 29):
        d, _ = gen(2500, seed=seed)
        y = Yimad()
        try:
            c = y.connect()
            model, _, _ = load_gen(c, d)
            exp = expected_facts(d)
            lots = unit_lots(model)
            eq(sorted(exp), lots, f"seed {seed}: lots in expected.csv")
            for product, lot in lots:
                r = check_impact(c, model, product, lot, f"seed {seed}")
                eq(impact_holdings(r), exp[(product, lot)],
                   f"seed {seed}: IMPACT {lot} vs expected.csv")
            print(f"    seed {seed}: {len(lots)} lots agree with expected.csv and the recount")
        finally:
            y.close()
            shutil.rmtree(d)


def test_impact_follows_undo_returns_unpacking_reshipping_and_destruction():
    d, _ = gen(3000, seed=7)
    y = Yimad("--undo_window", "3650d")
    try:
        c = y.connect()
        model, products, ev = load_gen(c, d)
        rnd = random.Random(5)
        kinds = {s["site"]: s["kind"] for s in rows(os.path.join(d, "sites.csv"))}
        distributors = sorted(s for s, k in kinds.items() if k == "distributor")
        now = at(0, "10:00:00")

        def do(*words, row=None):
            r = c.call(*words)
            check(not isinstance(r, Error), f"{' '.join(words)}: {r}")
            if row:
                model.apply(dict(row, time=now))
            return r

        # Undo a share of the sales (whole and split).
        sales = [x for x in ev if x["event"] == "dispense"]
        for x in rnd.sample(sales, 40):
            r = do("UNDO", x["code"], "SITE", x["from"], "TX", x["ref"])
            eq(r[b"verdict"], b"green", f"undo of {x['ref']}")
            model.apply(dict(x, event="undo"))

        # Pharmacies return loose unsold units to a distributor, who receives them.
        loose = [k for k, x in model.c.items()
                 if x["level"] == 1 and not x["sold"] and x["parent"] is None
                 and model.bucket(k)[0] == "in_stock" and kinds[x["holder"]] != "distributor"
                 and kinds[x["holder"]] != "manufacturer"]
        for code in rnd.sample(loose, min(30, len(loose))):
            frm, to = model.c[code]["holder"], rnd.choice(distributors)
            do("RETURN", code, "FROM", frm, "TO", to, row=dict(event="return", code=code, to=to))
            if rnd.random() < 0.7:
                do("RECEIVE", code, "SITE", to,
                   row=dict(event="receive", code=code, to=to))

        # Open middle packs at pharmacies and hospitals.
        packs = [k for k, x in model.c.items()
                 if x["level"] == 2 and x["parent"] is None and model.bucket(k)[0] == "in_stock"
                 and kinds[x["holder"]] in ("pharmacy", "hospital")
                 and any(v["parent"] == k for v in model.c.values())]
        for code in rnd.sample(packs, min(15, len(packs))):
            site = model.c[code]["holder"]
            do("UNPACK", code, "SITE", site)
            for k, x in model.c.items():
                if x["parent"] == code:
                    model.apply(dict(event="unpack", code=k, parent=code, **{"from": site}))

        # Re-ship middle packs held by distributors, receive most of them.
        held = [k for k, x in model.c.items()
                if x["level"] == 2 and x["parent"] is None and model.bucket(k)[0] == "in_stock"
                and kinds[x["holder"]] == "distributor"]
        pharmacies = sorted(s for s, k in kinds.items() if k == "pharmacy")
        for code in rnd.sample(held, min(20, len(held))):
            frm, to = model.c[code]["holder"], rnd.choice(pharmacies)
            do("SHIP", code, "FROM", frm, "TO", to,
               row=dict(event="ship", code=code, to=to, **{"from": frm}))
            if rnd.random() < 0.8:
                do("RECEIVE", code, "SITE", to, row=dict(event="receive", code=code, to=to))

        # Destroy some units, loose and still packed.
        packed = [k for k, x in model.c.items()
                  if x["level"] == 1 and not x["sold"] and x["parent"] is not None
                  and model.bucket(k)[0] == "in_stock"]
        for code in rnd.sample(packed, min(20, len(packed))):
            site = model.bucket(code)[1]
            do("DESTROY", code, "SITE", site, row=dict(event="destroy", code=code))

        for product, lot in unit_lots(model):
            check_impact(c, model, product, lot, "after changes")
        print(f"    {len(unit_lots(model))} lots recounted after undo, returns, unpacking, "
              "re-shipping and destruction")
    finally:
        y.close()
        shutil.rmtree(d)


def test_epcis_load_of_the_chain_matches_expected_facts():
    """yima-gen's EPCIS document (CN middle packs carry yima:level, split
    sales yima:qty) loads to the same state as its CSV promises."""
    d, _ = gen(2500, "--epcis", seed=13)
    y = Yimad()
    try:
        y.yima("load", *(os.path.join(d, f) for f in ("sites.csv", "products.csv",
                                                      "events.jsonld")), check_rc=0)
        c = y.connect()
        c.call("HELLO", "3")
        exp = expected_facts(d)
        for (product, lot), want in exp.items():
            eq(impact_holdings(c.call("IMPACT", product, lot)), want,
               f"IMPACT {lot} after the EPCIS load")
        print(f"    {len(exp)} lots loaded from EPCIS agree with expected.csv")
    finally:
        y.close()
        shutil.rmtree(d)


# ------------------------------------------------------ a small chain by hand

def small_chain(c, units=30, per_pack=10):
    """MFR -> DST -> PH1/PH2 for one lot of units in middle packs in a case."""
    c.call("HELLO", "3")
    for site, kind in (("MFR", "manufacturer"), ("DST", "distributor"), ("PH1", "pharmacy"),
                       ("PH2", "pharmacy")):
        eq(c.call("SITE", "SET", site, "name", site, "kind", kind), "OK", "SITE SET")
    eq(c.call("PRODUCT", "SET", "8301234", "name", "Amoxicillin", "units_per_pack", "1"), "OK",
       "PRODUCT SET")
    codes = [f"830123400000{i:04d}0000" for i in range(units)]
    packs = [f"830123490000{i:04d}0000" for i in range(units // per_pack)]
    t = at(-30, "08:00:00")
    check(not isinstance(c.call("COMMISSION", *codes, "SITE", "MFR", "LOT", "L1", "EXPIRY",
                                day(700), "TIME", t), Error), "commission")
    check(not isinstance(c.call("COMMISSION", *packs, "SITE", "MFR", "LEVEL", "2", "LOT", "L1",
                                "TIME", t), Error), "commission packs")
    for i, p in enumerate(packs):
        check(not isinstance(c.call("PACK", p, *codes[i * per_pack:(i + 1) * per_pack],
                                    "SITE", "MFR"), Error), "pack")
    case = "(00)069012340000000016"
    check(not isinstance(c.call("PACK", case, *packs, "SITE", "MFR"), Error), "pack case")
    return codes, packs, case


def test_containers_and_edges_by_hand():
    y = Yimad()
    try:
        c = y.connect()
        codes, packs, case = small_chain(c)
        r = c.call("IMPACT", "8301234", "L1")
        mfr = r[b"sites"][0]
        eq((mfr[b"site"], mfr[b"in_stock"], mfr[b"middle_packs"], mfr[b"cases"],
            mfr[b"commissioned"]), (b"MFR", 30, 3, 1, 30), "at the manufacturer")
        c.call("SHIP", case, "FROM", "MFR", "TO", "DST", "REF", "DN1")
        r = c.call("IMPACT", "8301234", "L1")
        eq([(f[b"from"], f[b"to"], f[b"units"], f[b"middle_packs"], f[b"cases"])
            for f in r[b"transit"]], [(b"MFR", b"DST", 30, 3, 1)], "the case in transit")
        eq(r[b"totals"][b"in_transit"], 30, "in transit")
        c.call("RECEIVE", case, "SITE", "DST")
        c.call("UNPACK", case, "SITE", "DST")
        c.call("SHIP", packs[0], "FROM", "DST", "TO", "PH1")
        c.call("SHIP", packs[1], "FROM", "DST", "TO", "PH2")
        c.call("RECEIVE", packs[0], "SITE", "PH1")
        c.call("RECEIVE", packs[1], "SITE", "PH2")
        # Sell one unit out of the pack at PH1: the pack still holds 9.
        eq(c.call("DISPENSE", codes[0], "SITE", "PH1", "TX", "S1")[b"verdict"], b"green", "sale")
        r = c.call("IMPACT", codes[5])	# by code: the same lot
        by = {s[b"site"]: s for s in r[b"sites"]}
        eq((by[b"PH1"][b"in_stock"], by[b"PH1"][b"dispensed"], by[b"PH1"][b"middle_packs"]),
           (9, 1, 1), "PH1")
        eq((by[b"DST"][b"in_stock"], by[b"DST"][b"middle_packs"], by[b"DST"][b"cases"]),
           (10, 1, 0), "DST after unpacking the case")
        check(by[b"PH1"][b"first_dispensed"] is not None, "first sale time")
        edges = sorted((e[b"from"], e[b"to"], e[b"units"], e[b"kind"]) for e in r[b"edges"])
        eq(edges, [(b"DST", b"PH1", 10, b"ship"), (b"DST", b"PH2", 10, b"ship"),
                   (b"MFR", b"DST", 30, b"ship")], "distribution tree")
        # Selling the pack empty: it no longer counts under the lot.
        for i in range(1, 10):
            c.call("DISPENSE", codes[i], "SITE", "PH1", "TX", f"S{i + 1}")
        by = {s[b"site"]: s for s in c.call("IMPACT", "8301234", "L1")[b"sites"]}
        eq((by[b"PH1"][b"in_stock"], by[b"PH1"][b"dispensed"], by[b"PH1"][b"middle_packs"]),
           (0, 10, 0), "PH1 sold out")
        # A return after the recall is counted for the returning site.
        eq(c.call("RECALL", "8301234", "L1", "LEVEL", "2", "REASON", "label error")[b"event"] > 0,
           True, "recall")
        c.call("RETURN", packs[1], "FROM", "PH2", "TO", "DST")
        r = c.call("IMPACT", "8301234", "L1")
        by = {s[b"site"]: s for s in r[b"sites"]}
        eq(by[b"PH2"][b"returned"], 10, "returned since the recall")
        c.call("RECEIVE", packs[1], "SITE", "DST")
        r = c.call("IMPACT", "8301234", "L1")
        check((b"PH2", b"DST", 10, b"return") in
              [(e[b"from"], e[b"to"], e[b"units"], e[b"kind"]) for e in r[b"edges"]],
              f"return edge in {r[b'edges']}")
    finally:
        y.close()


def test_codes_pages_cover_the_lot_once():
    y = Yimad()
    try:
        c = y.connect()
        codes, packs, case = small_chain(c, units=50)
        c.call("SHIP", case, "FROM", "MFR", "TO", "DST")
        seen, cursor, pages = [], None, 0
        while True:
            args = ["CODES", "8301234", "L1", "LEVEL", "1", "COUNT", "7"]
            if cursor:
                args += ["AFTER", cursor]
            r = c.call(*args)
            check(not isinstance(r, Error), f"CODES: {r}")
            seen += [(x[b"code"].decode(), x[b"status"], x[b"site"], x[b"to"]) for x in r[b"codes"]]
            pages += 1
            cursor = r[b"next"].decode() if r[b"next"] else None
            if not cursor:
                break
        eq(sorted(s[0] for s in seen), sorted(codes), "every unit once")
        check(all(s[1:] == (b"in_transit", b"MFR", b"DST") for s in seen), "all in transit")
        eq(pages, 8, "pages of 7")
        r = c.call("CODES", "8301234", "L1", "SITE", "MFR", "STATUS", "in_stock")
        eq(r[b"codes"], [], "nothing in stock at MFR")
        c.call("RECEIVE", case, "SITE", "DST")
        r = c.call("CODES", "8301234", "L1", "SITE", "DST", "LEVEL", "2")
        eq(sorted(x[b"code"].decode() for x in r[b"codes"]), sorted(packs), "middle packs at DST")
        for args, msg in ((("STATUS", "lost"), "STATUS must be"),
                          (("COUNT", "0"), "COUNT"), (("AFTER", "x1"), "AFTER must be"),
                          (("SITE", "NOWHERE"), "SITE")):
            r = c.call("CODES", "8301234", "L1", *args)
            check(isinstance(r, Error) and msg in r, f"CODES {args}: {r!r}")
    finally:
        y.close()


# ------------------------------------------------- acknowledgements, deadlines

def test_recall_ack_and_deadline():
    """A level-1 recall's deadline is recall_deadline_1 (1 day by default)
    after it, on the daemon's clock, which the test moves."""
    y = Yimad()
    try:
        c = y.connect()
        codes, packs, case = small_chain(c)
        c.call("SHIP", case, "FROM", "MFR", "TO", "DST")
        c.call("RECEIVE", case, "SITE", "DST")
        c.call("UNPACK", case, "SITE", "DST")
        c.call("SHIP", packs[0], "FROM", "DST", "TO", "PH1")
        r = c.call("RECALL.ACK", "8301234", "L1", "SITE", "DST")
        check(isinstance(r, Error) and "is not recalled" in r, f"ack before a recall: {r!r}")
        c.call("RECALL", "8301234", "L1", "LEVEL", "1", "REASON", "contamination")
        r = c.call("RECALL.ACK", "8301234", "L1", "SITE", "DST")
        eq(r[b"repeated"], False, "first ack")
        again = c.call("RECALL.ACK", "8301234", "L1", "SITE", "DST")
        eq((again[b"repeated"], again[b"event"], again[b"acknowledged"]),
           (True, r[b"event"], r[b"acknowledged"]), "a repeated ack answers the first")
        r = c.call("IMPACT", "8301234", "L1")
        eq((r[b"status"], r[b"level"]), (b"recalled", 1), "status")
        check(all(not s[b"past_deadline"] for s in r[b"sites"]), "nobody late yet")
        recall = {k: datetime.datetime.fromisoformat(
            r[b"recall"][k].decode().replace("Z", "+00:00")) for k in (b"time", b"deadline")}
        eq(recall[b"deadline"] - recall[b"time"], datetime.timedelta(days=1),
           "deadline: a day after the recall")
        y.advance("23h")
        r = c.call("IMPACT", "8301234", "L1")
        eq((r[b"totals"][b"past_deadline"], [s[b"site"] for s in r[b"sites"]
                                             if s[b"past_deadline"]]), (0, []),
           "23 hours after the recall, nobody is late")
        y.advance("2h")
        r = c.call("IMPACT", "8301234", "L1")
        late = sorted(s[b"site"] for s in r[b"sites"] if s[b"past_deadline"])
        eq(late, [b"MFR", b"PH1"], "past the deadline: every site without an ack, including "
           "where units are on their way to")
        ph1 = [s for s in r[b"sites"] if s[b"site"] == b"PH1"][0]
        eq((ph1[b"incoming"], ph1[b"in_stock"]), (10, 0), "PH1 has units coming")
        eq((r[b"totals"][b"acknowledged"], r[b"totals"][b"past_deadline"]), (1, 2), "totals")
        check(r[b"recall"][b"deadline"] > r[b"recall"][b"time"], "deadline after the recall")
        # Lift and recall again: a new notice, earlier acks do not count.
        c.call("LIFT", "8301234", "L1", "REASON", "retested")
        r = c.call("IMPACT", "8301234", "L1")
        eq((r[b"status"], r[b"recall"], r[b"totals"][b"acknowledged"]), (b"active", None, 0),
           "after the lift")
        c.call("RECALL", "8301234", "L1", "LEVEL", "3", "REASON", "again")
        r = c.call("IMPACT", "8301234", "L1")
        check(all(s[b"acknowledged"] is None for s in r[b"sites"]), "acks reset by a new recall")
    finally:
        y.close()


def test_recall_errors_change_nothing():
    y = Yimad()
    try:
        c = y.connect()
        small_chain(c)
        cases = [
            (("RECALL", "8301234", "NOPE", "LEVEL", "1", "REASON", "x"), "has no lot 'NOPE'"),
            (("RECALL", "8309999", "L1", "LEVEL", "1", "REASON", "x"), "unknown product"),
            (("RECALL", "8301234", "L1", "LEVEL", "4", "REASON", "x"), "LEVEL"),
            (("RECALL", "8301234", "L1", "LEVEL", "1", "REASON", ""), "REASON is required"),
            (("LIFT", "8301234", "L1", "REASON", "x"), "is not recalled"),
            (("RECALL.ACK", "8301234", "L1", "SITE", "PH1"), "is not recalled"),
            (("IMPACT", "8301234", "NOPE"), "has no lot"),
            (("IMPACT", "83012340000099990000"), "is not commissioned"),
            (("IMPACT", "not-a-code"), "IMPACT"),
        ]
        for args, msg in cases:
            r = c.call(*args)
            check(isinstance(r, Error) and msg in r, f"{args}: {r!r}")
        eq(c.call("IMPACT", "8301234", "L1")[b"status"], b"active", "nothing recalled")
        c.call("RECALL", "8301234", "L1", "LEVEL", "2", "REASON", "x")
        r = c.call("RECALL", "8301234", "L1", "LEVEL", "2", "REASON", "x")
        check(isinstance(r, Error) and "already recalled" in r, f"double recall: {r!r}")
        r = c.call("RECALL.ACK", "8301234", "L1", "SITE", "NOWHERE")
        check(isinstance(r, Error) and "SITE" in r, f"ack of an unknown site: {r!r}")
    finally:
        y.close()


# ------------------------------------------------------- recall in a rush

def test_recall_while_dispenses_are_in_flight():
    """No sale sent after the RECALL's reply is GREEN, and every GREEN sale
    is before the recall in the log."""
    y = Yimad()
    try:
        c = y.connect()
        codes, packs, case = small_chain(c, units=1200, per_pack=100)
        c.call("SHIP", case, "FROM", "MFR", "TO", "PH1")
        c.call("RECEIVE", case, "SITE", "PH1")
        recall_done = threading.Event()
        results = []
        answered = threading.Condition()

        def seller(part):
            s = y.connect()
            s.call("HELLO", "3")
            for code in part:
                after = recall_done.is_set()
                r = s.call("DISPENSE", code, "SITE", "PH1", "TX", f"T{code}")
                with answered:
                    results.append((code, after, r[b"verdict"], r.get(b"reasons", [])))
                    answered.notify_all()
            s.close()

        threads = [threading.Thread(target=seller, args=(codes[i::6],)) for i in range(6)]
        for t in threads:
            t.start()
        # The recall goes in once sales are flowing, with most still to come.
        wait_for(answered, lambda: len(results) >= 60, "60 sales answered")
        r = c.call("RECALL", "8301234", "L1", "LEVEL", "1", "REASON", "in a rush")
        recall_done.set()
        recall_seq = r[b"event"]
        for t in threads:
            t.join(60)
        check(not any(t.is_alive() for t in threads), "sellers done within 60 s")
        eq(len(results), len(codes), "every sale answered")
        after = [x for x in results if x[1]]
        green = [x for x in results if x[2] == b"green"]
        check(after and green, f"sales on both sides of the recall: {len(green)} green, "
              f"{len(after)} after")
        bad = [x for x in after if x[2] != b"red" or b"recalled" not in x[3]]
        eq(bad, [], "sales sent after the recall's reply")
        for code, _, _, _ in green:
            sale = [e for e in c.call("TRACE", code)[b"events"] if e[b"event"] == b"dispense"]
            check(sale and sale[0][b"seq"] < recall_seq, f"GREEN sale of {code} after the recall")
        r = c.call("IMPACT", "8301234", "L1")
        eq(r[b"totals"][b"dispensed"], len(green), "IMPACT counts exactly the GREEN sales")
        print(f"    {len(green)} sold before the recall, {len(after)} refused after it")
    finally:
        y.close()


def test_verify_copies_follow_recall_lift_withdraw_and_product_set():
    """Network threads keep copies of lots, products and sites (daemon/
    mcache.c).  With every thread's copies warm, the reply to RECALL, LIFT,
    PRODUCT SET and WITHDRAW is followed by VERIFYs that show the change on
    every connection; VERIFYs racing a RECALL then a LIFT show each from
    its reply on."""
    y = Yimad("--threads", "3")
    try:
        c = y.connect()
        codes, _, _ = small_chain(c, units=60, per_pack=10)
        conns = [y.connect() for _ in range(9)]
        for s in conns:
            s.call("HELLO", "3")

        def everyone(what, want):
            for i, s in enumerate(conns):
                r = s.call("VERIFY", codes[i])
                check(want(r), f"{what}: connection {i}: {r}")

        everyone("warm", lambda r: r[b"product_name"] == b"Amoxicillin" and
                 r[b"verdict"] == b"green")
        eq(c.call("PRODUCT", "SET", "8301234", "name", "Amoxicillin 250mg"), "OK", "rename")
        everyone("renamed", lambda r: r[b"product_name"] == b"Amoxicillin 250mg")
        check(not isinstance(c.call("RECALL", "8301234", "L1", "LEVEL", "2", "REASON", "x"),
                             Error), "recall")
        everyone("recalled", lambda r: r[b"verdict"] == b"red" and
                 r[b"reasons"] == [b"recalled"])
        check(not isinstance(c.call("LIFT", "8301234", "L1", "REASON", "y"), Error), "lift")
        everyone("lifted", lambda r: r[b"verdict"] == b"green")

        stop = threading.Event()
        # 0: before the recall's reply; 1: after it, before the lift is sent;
        # 3: the lift in flight; 2: after the lift's reply
        phase = [0]
        seen = []
        per_phase = [0, 0, 0, 0]
        answered = threading.Condition()

        def prober(s, part):
            n = 0
            while not stop.is_set() and n < 100000:
                before = phase[0]
                r = s.call("VERIFY", part[n % len(part)])
                # Phase 1 counts only when the lift was not sent yet as
                # the reply came back: then the VERIFY ran before the lift.
                if before == 1 and phase[0] != 1:
                    before = 3
                with answered:
                    seen.append((before, b"recalled" in r[b"reasons"]))
                    per_phase[before] += 1
                    answered.notify_all()
                n += 1

        def probed(p, n=50):
            """Wait until n VERIFYs of phase p have been answered."""
            wait_for(answered, lambda: per_phase[p] >= n, f"{n} VERIFYs in phase {p}")

        threads = [threading.Thread(target=prober, args=(s, codes[i::9]))
                   for i, s in enumerate(conns)]
        for t in threads:
            t.start()
        probed(0)
        check(not isinstance(c.call("RECALL", "8301234", "L1", "LEVEL", "1", "REASON", "z"),
                             Error), "recall")
        phase[0] = 1
        probed(1)
        phase[0] = 3
        check(not isinstance(c.call("LIFT", "8301234", "L1", "REASON", "ok"), Error), "lift")
        phase[0] = 2
        probed(2)
        stop.set()
        for t in threads:
            t.join(60)
        check(not any(t.is_alive() for t in threads), "probers done within 60 s")
        after_recall = [x for x in seen if x[0] == 1]
        after_lift = [x for x in seen if x[0] == 2]
        check(after_recall and after_lift, f"{len(after_recall)} VERIFYs after the recall, "
              f"{len(after_lift)} after the lift")
        eq([x for x in after_recall if not x[1]], [], "VERIFYs sent after RECALL's reply")
        eq([x for x in after_lift if x[1]], [], "VERIFYs sent after LIFT's reply")
        c.call("WITHDRAW", "8301234", "REASON", "licence revoked")
        everyone("withdrawn", lambda r: b"withdrawn" in r[b"reasons"])
        print(f"    {len(seen)} VERIFYs on 9 connections over 3 threads")
    finally:
        y.close()


# ------------------------------------------------------------------- CLI

def test_cli_recall_and_impact():
    y = Yimad()
    try:
        c = y.connect()
        small_chain(c)
        c.call("SHIP", "(00)069012340000000016", "FROM", "MFR", "TO", "DST")
        y.yima("recall", "8301234", "L1", "--level", "1", "--reason", "bad seal", check_rc=0)
        rc, out, err = y.yima("recall", "8301234", "L1", "--level", "1", "--reason", "x")
        check(rc == 1 and "already recalled" in err, f"double recall: {rc} {err}")
        rc, out, err = y.yima("recall", "8301234", "L1", "--reason", "x")
        check(rc == 2 and "--level is required" in err, f"no level: {rc} {err}")
        rc, out, _ = y.yima("impact", "8301234", "L1", check_rc=0)
        check("RECALLED at level 1" in out and "MFR" in out and "30 in transit" in out, out)
        import json
        rc, out, _ = y.yima("impact", "8301234", "L1", "--json", check_rc=0)
        j = json.loads(out)
        for k in ("product", "lot", "level", "sites", "totals", "edges"):
            check(k in j, f"--json has {k}")
        check({"site", "in_stock", "in_transit", "dispensed"} <= set(j["sites"][0]), "site keys")
        check({"units", "in_stock", "in_transit", "dispensed"} <= set(j["totals"]), "totals keys")
        eq(j["totals"]["units"], 30, "units")
        rc, out, _ = y.yima("impact", "8301234", "L1", "--csv", check_rc=0)
        lines = out.splitlines()
        check(lines[0].startswith("site,name,kind,commissioned,in_stock,in_transit,incoming,"
                                  "dispensed"), lines[0])
        rc, out, _ = y.yima("impact", "8301234", "L1", "--dot", check_rc=0)
        check(out.startswith("digraph impact {") and '"MFR" -> "DST"' in out, out)
        svg = os.path.join(y.tmp, "tree.svg")
        y.yima("impact", "8301234", "L1", "--svg", svg, check_rc=0)
        with open(svg, encoding="utf-8") as f:
            pic = f.read()
        check("<svg" in pic and "MFR" in pic and "DST" in pic, "rendered tree")
        rc, out, _ = y.yima("impact", "8301234", "L1", "--codes", "--csv", check_rc=0)
        eq(len(out.splitlines()), 1 + 30 + 3 + 1, "codes of every level, with a header")
        rc, _, err = y.yima("impact", "8301234", "L1", "--json", "--csv")
        check(rc == 2 and "choose one" in err, err)
        y.yima("lift", "8301234", "L1", "--reason", "cleared", check_rc=0)
        rc, _, err = y.yima("lift", "8301234", "L1", "--reason", "again")
        check(rc == 1 and "is not recalled" in err, err)
        y.yima("withdraw", "8301234", "--reason", "licence", check_rc=0)
        r = c.call("VERIFY", "83012340000000000000")
        check(b"withdrawn" in r[b"reasons"], f"withdrawn: {r}")
    finally:
        y.close()
