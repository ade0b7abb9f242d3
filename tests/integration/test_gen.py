"""yima-gen: the synthetic supply chain is deterministic, well formed, and
— the real check — loads into a real yimad row by row, leaving exactly the
state that expected.csv and scans.csv promise.

The load translates each events.csv row into the server command it stands
for (COMMISSION/PACK/UNPACK/SHIP/RECEIVE/DISPENSE with TIME), sent in EVENTS
batches; a small model of the chain, replayed in Python from the same rows,
cross-checks expected.csv independently of the generator."""
import csv
import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile

import jsonschema

from harness import BIN, YIMA, Error, TestFailure, Yimad, check, eq

GEN = os.path.join(BIN, "yima-gen")
HERE = os.path.dirname(os.path.abspath(__file__))
# GS1's EPCIS 2.0 JSON schema: $YIMA_REFERENCE, else shared/ beside the
# repository, else the workplace's copy (as test_load finds the examples).
REFERENCE = os.environ.get("YIMA_REFERENCE") or next(
    (p for p in (os.path.join(HERE, "..", "..", "..", "shared", "reference", "epcis"),
                 "/work/shared/reference/epcis") if os.path.isdir(p)),
    "/work/shared/reference/epcis")
SCHEMA = os.path.join(REFERENCE, "EPCIS-JSON-Schema.json")

HEADERS = {
    "sites.csv": "site,name,kind,gln",
    "products.csv": "product,name,units_per_pack,form,strength,holder,kind,nhsa_code",
    "events.csv": "event,time,code,parent,product,lot,expiry,level,from,to,ref,qty",
    "scans.csv": "site,code,tx,expect",
    "expected.csv": "product,lot,site,in_stock,in_transit,dispensed",
}


def gen(units, *args, seed=None):
    """Run yima-gen into a fresh directory; returns (dir, stderr)."""
    out = tempfile.mkdtemp(prefix="yima-gen-")
    cmd = [GEN, "--units", str(units), "--out", out, *args]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    p = subprocess.run(cmd, capture_output=True, timeout=300)
    if p.returncode != 0:
        shutil.rmtree(out, ignore_errors=True)
        raise TestFailure(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.decode()}")
    return out, p.stderr.decode()


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def digest(d):
    h = {}
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            h[name] = hashlib.sha256(f.read()).hexdigest()
    return h


def gs1_check_ok(digits):
    body, check_digit = digits[:-1], int(digits[-1])
    s = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - s % 10) % 10 == check_digit


# ------------------------------------------------------------------ basics

def test_gen_refuses_bad_arguments():
    for args, msg in ((["--units", "999"], "--units must be"),
                      (["--units", "100000001"], "--units must be"),
                      (["--units", "12x"], "--units must be"),
                      ([], "--units N is required"),
                      (["--units", "1000", "--bogus"], "unknown argument"),
                      (["--units", "1000", "--sites", "1,1,5,5"], "--sites"),
                      (["--units", "1000", "--products", "0"], "--products")):
        p = subprocess.run([GEN, *args, "--out", "/nonexistent/never"], capture_output=True)
        eq(p.returncode, 2, f"exit status for {args}")
        check(msg in p.stderr.decode(), f"{args}: {p.stderr.decode()!r}")
    p = subprocess.run([GEN, "--help"], capture_output=True)
    eq(p.returncode, 0, "--help")
    check(b"usage: yima-gen" in p.stdout, p.stdout)


def test_gen_is_deterministic():
    a, _ = gen(3000, "--epcis", seed=7)
    b, _ = gen(3000, "--epcis", seed=7)
    c, _ = gen(3000, "--epcis", seed=8)
    try:
        da, db, dc = digest(a), digest(b), digest(c)
        eq(sorted(da), sorted(list(HEADERS) + ["events.jsonld", "sample-codes.txt"]), "files")
        eq(da, db, "same seed, same bytes")
        for name in ("events.csv", "events.jsonld", "scans.csv", "sample-codes.txt",
                     "expected.csv", "products.csv"):
            check(da[name] != dc[name], f"{name}: another seed gives the same file")
        # --epcis only adds a file: the CSV files do not change.
        d, _ = gen(3000, seed=7)
        try:
            dd = digest(d)
            eq(dd, {k: v for k, v in da.items() if k != "events.jsonld"}, "without --epcis")
        finally:
            shutil.rmtree(d)
    finally:
        for d in (a, b, c):
            shutil.rmtree(d)


def test_gen_files_and_counts():
    n = 5000
    d, err = gen(n, seed=3)
    try:
        for name, header in HEADERS.items():
            with open(os.path.join(d, name), "rb") as f:
                eq(f.readline().rstrip(b"\n").decode(), header, f"{name} header")
        sites = rows(os.path.join(d, "sites.csv"))
        kinds = {}
        for s in sites:
            kinds[s["kind"]] = kinds.get(s["kind"], 0) + 1
            check(len(s["gln"]) == 13 and s["gln"].startswith("6901234")
                  and gs1_check_ok(s["gln"]), f"GLN {s['gln']}")
        check(kinds["manufacturer"] >= 2 and kinds["distributor"] >= 3
              and kinds["pharmacy"] >= 10 and kinds["hospital"] >= 10, f"site kinds {kinds}")
        eq(len({s["gln"] for s in sites}), len(sites), "distinct GLNs")

        products = rows(os.path.join(d, "products.csv"))
        pk = {p["product"]: p for p in products}
        eq(len(pk), len(products), "distinct product ids")
        check(any(p["kind"] == "device" for p in products), "some devices")
        check(any(len(p["product"]) == 7 and p["product"][0] == "8" for p in products), "CN")
        check(any(len(p["product"]) == 14 for p in products), "GTIN-14")
        check(any(int(p["units_per_pack"]) > 1 for p in products), "split-packable")
        check(any("middle pack" in p["name"] for p in products), "middle-pack products")
        for p in products:
            if len(p["product"]) == 14:
                check(gs1_check_ok(p["product"]), f"GTIN {p['product']}")

        ev = rows(os.path.join(d, "events.csv"))
        by = {}
        for r in ev:
            by.setdefault(r["event"], []).append(r)
        units = [r for r in by["commission"] if r["level"] == "1"]
        eq(len(units), n, "level-1 units commissioned")
        mids = [r for r in by["commission"] if r["level"] == "2"]
        cases = [r for r in by["commission"] if r["level"] == "3"]
        check(n // 10 <= len(mids) <= n // 10 + 60, f"middle packs: {len(mids)}")
        check(len(mids) // 20 <= len(cases) <= len(mids) // 20 + 60, f"cases: {len(cases)}")
        eq(len(by["pack"]), n + len(mids), "pack rows: every unit and middle pack")
        for kind in ("ship", "receive", "unpack", "dispense"):
            check(by.get(kind), f"no {kind} rows")
        check(all(r["code"].startswith("(00)") and len(r["code"]) == 22 for r in cases),
              "cases are SSCCs")
        times = [r["time"] for r in ev]
        check(all(t.endswith("+08:00") for t in times), "+08:00 offsets")
        check(times == sorted(times), "times increase along the file")
        check(max(times) < "2026-11-22", f"last event {max(times)}")
        expiries = {r["expiry"] for r in units}
        check(any(e < "2026-11-22" for e in expiries), "expired lots")
        check(any("2026-11-22" < e <= "2026-12-22" for e in expiries), "near-expiry lots")
        check(any(e > "2027-12-31" for e in expiries), "far lots")
        ship_to = {r["ref"]: r["to"] for r in by["ship"]}
        check(any(r["to"] != ship_to[r["ref"]] for r in by["receive"]), "a diversion")
        check(len({r["ref"] for r in by["receive"]}) < len(ship_to), "a shipment in transit")
        check(any(r["qty"] for r in by["dispense"]), "split sales with QTY")

        exp = rows(os.path.join(d, "expected.csv"))
        total = sum(int(r["in_stock"]) + int(r["in_transit"]) + int(r["dispensed"])
                    for r in exp)
        eq(total, n, "expected.csv accounts for every unit")
        check(any(int(r["in_transit"]) for r in exp), "units in transit")

        with open(os.path.join(d, "sample-codes.txt")) as f:
            sample = f.read().split("\n")
        eq(sample[-1], "", "final newline")
        sample = sample[:-1]
        eq(len(sample), n, "sample of a small run: every unit")
        eq(set(sample), {r["code"] for r in units}, "sample = level-1 codes")

        scans = rows(os.path.join(d, "scans.csv"))
        expect = {}
        for s in scans:
            expect[s["expect"]] = expect.get(s["expect"], 0) + 1
        check(expect.get("green", 0) >= 5 and expect.get("red", 0) >= 10, f"scans {expect}")
        eq(len({s["tx"] for s in scans}), len(scans), "distinct scan tx")
        check("records/s" in err, err)
    finally:
        shutil.rmtree(d)


def test_gen_sample_is_bounded_and_random():
    """Above the cap of 1,000,000 the sample keeps the cap; here: a run of
    more units than a small sample shows it is a shuffled subset."""
    d, _ = gen(20000, seed=5)
    try:
        with open(os.path.join(d, "sample-codes.txt")) as f:
            sample = f.read().split()
        units = [r["code"] for r in rows(os.path.join(d, "events.csv"))
                 if r["event"] == "commission" and r["level"] == "1"]
        eq(len(sample), 20000, "sample size")
        check(sample != units, "sample is shuffled, not commission order")
        eq(sorted(sample), sorted(units), "same codes")
    finally:
        shutil.rmtree(d)


def test_gen_codes_parse():
    d, _ = gen(4000, seed=11)
    try:
        ev = rows(os.path.join(d, "events.csv"))
        codes = sorted({r["code"] for r in ev} | {r["parent"] for r in ev if r["parent"]})
        with open(os.path.join(d, "sample-codes.txt")) as f:
            sample = f.read().split()
        scans = [r["code"] for r in rows(os.path.join(d, "scans.csv"))]
        rnd = random.Random(1)
        pick = rnd.sample(codes, 300) + rnd.sample(sample, 200) + scans
        p = subprocess.run([YIMA, "--json", "parse"], input="\n".join(pick).encode(),
                           capture_output=True, timeout=60)
        eq(p.returncode, 0, f"yima parse: {p.stderr.decode()[:500]}")
        out = [json.loads(line) for line in p.stdout.decode().splitlines()]
        eq(len(out), len(pick), "one result per code")
        seen = set()
        for code, r in zip(pick, out):
            check("error" not in r, f"{code}: {r}")
            eq(r["key"], code, "codes are written in canonical form")
            seen.add(r["kind"])
            if r["kind"] == "cn20":
                check(code[0] == "8" and len(code) == 20, code)
        check({"cn20", "sgtin", "sscc"} <= seen, f"kinds {seen}")
    finally:
        shutil.rmtree(d)


def test_gen_epcis_document():
    n = 1000
    d, _ = gen(n, "--epcis", seed=2)
    try:
        with open(os.path.join(d, "events.jsonld"), encoding="utf-8") as f:
            doc = json.load(f)
        eq(doc["type"], "EPCISDocument", "type")
        check("https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
              in doc["@context"], "context")
        events = doc["epcisBody"]["eventList"]
        with open(SCHEMA) as f:
            jsonschema.validate(doc, json.load(f))
        ev = rows(os.path.join(d, "events.csv"))
        sites = {s["site"]: s["gln"] for s in rows(os.path.join(d, "sites.csv"))}
        epcs = []
        steps = {}
        for e in events:
            steps[e["bizStep"]] = steps.get(e["bizStep"], 0) + 1
            epcs += e.get("epcList", []) + e.get("childEPCs", [])
            if e["bizStep"] == "commissioning" and e["yima:level"] != 3:
                check(set(e["ilmd"]) == {"cbvmda:lotNumber", "cbvmda:itemExpirationDate"},
                      e["ilmd"])
            if e["bizStep"] == "shipping":
                types = [s["type"] for s in e["sourceList"]]
                eq(types, ["owning_party", "location"], "source types")
                check(e["destinationList"][0]["destination"].startswith("urn:epc:id:sgln:6901234."),
                      e["destinationList"])
        eq(len(epcs), len(ev), "one EPC per CSV row")
        for kind, step in (("commission", "commissioning"), ("pack", "packing"),
                           ("unpack", "unpacking"), ("ship", "shipping"),
                           ("receive", "receiving"), ("dispense", "retail_selling")):
            check(steps.get(step), f"no {step} events")
            eq(sum(len(e.get("epcList", e.get("childEPCs", []))) for e in events
                   if e["bizStep"] == step),
               sum(1 for r in ev if r["event"] == kind), f"{kind} rows vs {step} EPCs")
        # GS1 codes become EPC URNs; CN codes stay as they are (no EPC form).
        kinds = {x.split(":")[3] if x.startswith("urn:") else "cn20" for x in epcs}
        eq(kinds, {"sgtin", "sscc", "cn20"}, "identifier kinds")
        # An SGLN names each site: the URN of GLN 6901234LLLLLc is
        # urn:epc:id:sgln:6901234.LLLLL.0.
        glns = {e["bizLocation"]["id"] for e in events}
        want = {f"urn:epc:id:sgln:{g[:7]}.{g[7:12]}.0" for g in sites.values()}
        check(glns <= want, f"unknown locations {glns - want}")
    finally:
        shutil.rmtree(d)


# ------------------------------------------------------------- real load

def record(r):
    """The server command a CSV row stands for, as an EVENTS record."""
    e, code, t = r["event"], r["code"], r["time"]
    if e == "commission":
        words = ["COMMISSION", code, "SITE", r["from"]]
        if r["product"]:
            words += ["PRODUCT", r["product"]]
        if r["lot"]:
            words += ["LOT", r["lot"], "EXPIRY", r["expiry"]]
        words += ["LEVEL", r["level"]]
    elif e in ("pack", "unpack"):
        words = [e.upper(), r["parent"], code, "SITE", r["from"]]
    elif e == "ship":
        words = ["SHIP", code, "FROM", r["from"], "TO", r["to"], "REF", r["ref"]]
    elif e == "receive":
        words = ["RECEIVE", code, "SITE", r["to"], "FROM", r["from"], "REF", r["ref"]]
    elif e == "dispense":
        words = ["DISPENSE", code, "SITE", r["from"], "TX", r["ref"]]
        if r["qty"]:
            words += ["QTY", r["qty"]]
    else:
        raise TestFailure(f"unexpected event {e!r}")
    return " ".join(words + ["TIME", t])


class Model:
    """Where every code is after the rows, replayed independently."""

    def __init__(self, products):
        self.upp = {p["product"]: int(p["units_per_pack"]) for p in products}
        self.c = {}

    def apply(self, r):
        e, code = r["event"], r["code"]
        if e == "commission":
            self.c[code] = dict(level=int(r["level"]), product=r["product"], lot=r["lot"],
                                holder=r["from"], transit=None, parent=None, sold=0)
        elif e == "pack":
            self.c[code]["parent"] = r["parent"]
        elif e == "unpack":
            x = self.c[code]
            check(x["parent"] == r["parent"], f"unpack of {code}")
            # Out of its container, it is where the container was.
            x["parent"], x["holder"], x["transit"] = None, r["from"], None
        elif e == "ship":
            self.c[code]["transit"] = r["to"]
        elif e == "receive":
            x = self.c[code]
            check(x["transit"] is not None, f"receive of {code} not in transit")
            x["transit"], x["holder"] = None, r["to"]
        elif e == "dispense":
            x = self.c[code]
            x["sold"] += int(r["qty"] or 1)
            x["parent"], x["holder"], x["transit"] = None, r["from"], None

    def top(self, code):
        x = self.c[code]
        while x["parent"]:
            x = self.c[x["parent"]]
        return x

    def state(self, code):
        """(status, holder, in_transit_to, sold) of a level-1 unit."""
        x = self.c[code]
        if x["sold"]:
            upp = self.upp[x["product"]]
            return ("dispensed" if x["sold"] >= upp else "active"), x["holder"], None, x["sold"]
        t = self.top(code)
        if t["transit"]:
            return "in_transit", t["holder"], t["transit"], 0
        return "active", t["holder"], None, 0

    def expected(self):
        out = {}
        for code, x in self.c.items():
            if x["level"] != 1:
                continue
            status, holder, to, sold = self.state(code)
            k = (x["product"], x["lot"], holder)
            v = out.setdefault(k, [0, 0, 0])
            v[2 if sold else 1 if status == "in_transit" else 0] += 1
        return {k: tuple(v) for k, v in out.items()}


def test_gen_loads_into_yimad_and_matches_expected():
    d, _ = gen(2000, seed=42)
    y = Yimad()
    try:
        c = y.connect()
        c.call("HELLO", "3")
        sites = rows(os.path.join(d, "sites.csv"))
        for s in sites:
            eq(c.call("SITE", "SET", s["site"], "name", s["name"], "kind", s["kind"],
                      "gln", s["gln"]), "OK", f"SITE SET {s['site']}")
        products = rows(os.path.join(d, "products.csv"))
        for p in products:
            args = []
            for f in ("name", "units_per_pack", "form", "strength", "holder", "kind",
                      "nhsa_code"):
                args += [f, p[f]]
            eq(c.call("PRODUCT", "SET", p["product"], *args), "OK",
               f"PRODUCT SET {p['product']}")

        ev = rows(os.path.join(d, "events.csv"))
        model = Model(products)
        batch = 400
        for i in range(0, len(ev), batch):
            part = ev[i:i + batch]
            r = c.call("EVENTS", *[record(x) for x in part])
            if isinstance(r, Error):
                raise TestFailure(f"rows {i + 2}..{i + 1 + len(part)} of events.csv: {r}")
            eq(r[b"records"], len(part), "records applied")
            for x in part:
                model.apply(x)

        # expected.csv agrees with the independent replay.
        want = model.expected()
        got = {(r["product"], r["lot"], r["site"]):
               (int(r["in_stock"]), int(r["in_transit"]), int(r["dispensed"]))
               for r in rows(os.path.join(d, "expected.csv"))}
        eq(got, want, "expected.csv vs replay")

        # VERIFY a sample of units: the server agrees with both.
        units = [k for k, x in model.c.items() if x["level"] == 1]
        rnd = random.Random(3)
        by_state = {}
        for u in units:
            st = model.state(u)
            by_state.setdefault(st[0] + ("-sold" if st[3] else ""), []).append(u)
        pick = []
        for group in by_state.values():
            pick += rnd.sample(group, min(len(group), 40))
        pick += rnd.sample(units, 200 - len(pick)) if len(pick) < 200 else []
        # In stock, in transit, sold whole, and split packs sold in part.
        check({"active", "in_transit", "dispensed-sold", "active-sold"} <= set(by_state),
              f"states {by_state.keys()}")
        packed = 0
        for u in pick:
            status, holder, to, sold = model.state(u)
            r = c.call("VERIFY", u)
            check(not isinstance(r, Error), f"VERIFY {u}: {r}")
            eq(r[b"status"].decode(), status, f"status of {u}")
            eq(r[b"holder"].decode(), holder, f"holder of {u}")
            parent = model.c[u]["parent"]
            eq(r[b"parent"].decode() if b"parent" in r else None, parent, f"container of {u}")
            packed += parent is not None
            if to:
                eq(r[b"in_transit_to"].decode(), to, f"destination of {u}")
            if sold:
                eq(r[b"dispensed"], sold, f"sold of {u}")

        # The planted scans give the verdicts they promise.
        verdicts = {}
        for s in rows(os.path.join(d, "scans.csv")):
            r = c.call("DISPENSE", s["code"], "SITE", s["site"], "TX", s["tx"])
            check(not isinstance(r, Error), f"DISPENSE {s}: {r}")
            v = r[b"verdict"].decode()
            eq(v, s["expect"], f"scan {s['tx']} of {s['code']} at {s['site']} "
               f"(reasons {r[b'reasons']})")
            reasons = [x.decode() for x in r[b"reasons"]]
            kind = ("green" if v == "green" else "duplicate" if "duplicate" in reasons
                    else "unknown" if "unknown" in reasons else "other")
            verdicts[kind] = verdicts.get(kind, 0) + 1
        check(verdicts.get("green") and verdicts.get("duplicate") and verdicts.get("unknown")
              and not verdicts.get("other"), f"planted scans: {verdicts}")
        check(packed, "some verified units are packed")
        print(f"    loaded {len(ev)} rows, verified {len(pick)} units ({packed} packed), "
              f"planted scans {verdicts}")
        alerts = c.call("ALERTS", "LIMIT", "10000")
        check(any(a[b"kind"] == b"diversion" for a in alerts), "diversion alerts")
    finally:
        y.close()
        shutil.rmtree(d)
