"""yima-gen: the synthetic supply chain is deterministic, well formed, and
— the real check — loads into a real yimad row by row, leaving exactly the
state that expected.csv and scans.csv promise.

Every run passes --today = the harness's day (TODAY), the day yimad's clock
starts on, so the generator's near-expiry and expired lots are what the
daemon judges them to be.

The load translates each events.csv row into the server command it stands
for (COMMISSION/PACK/UNPACK/SHIP/RECEIVE/DISPENSE with TIME), sent in EVENTS
batches; a small model of the chain, replayed in Python from the same rows,
cross-checks expected.csv independently of the generator.

With YIMA_GS1_REFERENCE naming GS1's EPCIS reference directory (make
test-gs1), the generated EPCIS document is also validated against GS1's
JSON schema (test_gs1_*); `make test` checks its structure only."""
import csv
import datetime
import json
import os
import random
import re
import shutil
import subprocess
import tempfile

from harness import BIN, TODAY, YIMA, Error, TestFailure, Yimad, check, day, eq

GEN = os.path.join(BIN, "yima-gen")
# GS1's EPCIS reference files (examples and JSON schema): only for make test-gs1.
GS1_REFERENCE = os.environ.get("YIMA_GS1_REFERENCE")

HEADERS = {
    "sites.csv": "site,name,kind,gln",
    "products.csv": "product,name,units_per_pack,form,strength,holder,kind,nhsa_code",
    "events.csv": "event,time,code,parent,product,lot,expiry,level,from,to,ref,qty",
    "scans.csv": "site,code,tx,expect",
    "expected.csv": "product,lot,site,in_stock,in_transit,dispensed",
}


def epcis_doc(units, seed):
    """yima-gen's EPCIS document of a fresh run, parsed."""
    d, _ = gen(units, "--epcis", seed=seed)
    try:
        with open(os.path.join(d, "events.jsonld"), encoding="utf-8") as f:
            return json.load(f)
    finally:
        shutil.rmtree(d)


def gen(units, *args, seed=None, today=None):
    """Run yima-gen into a fresh directory with --today today (default:
    the harness's TODAY); returns (dir, stderr)."""
    out = tempfile.mkdtemp(prefix="yima-gen-")
    cmd = [GEN, "--units", str(units), "--out", out, "--today", today or day(), *args]
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


def contents(d):
    """Every file of a directory: name -> bytes."""
    out = {}
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            out[name] = f.read()
    return out


def same_bytes(a, b, what):
    """Two directories hold the same files with the same bytes; a
    difference is named by file and first differing byte."""
    eq(sorted(a), sorted(b), f"{what}: files")
    for name in a:
        x, y = a[name], b[name]
        if x != y:
            at = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]),
                      min(len(x), len(y)))
            raise TestFailure(f"{what}: {name} differs at byte {at} "
                              f"({len(x)} vs {len(y)} bytes): {x[at:at + 60]!r} vs "
                              f"{y[at:at + 60]!r}")


def gs1_check_ok(digits):
    body, check_digit = digits[:-1], int(digits[-1])
    s = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - s % 10) % 10 == check_digit


# ------------------------------------------------------------------ basics

def test_gen_refuses_bad_arguments():
    bad_today = "--today must be a date YYYY-MM-DD from 2000-01-01 to 9990-12-31"
    for args, msg in ((["--units", "999"], "--units must be"),
                      (["--units", "100000001"], "--units must be"),
                      (["--units", "12x"], "--units must be"),
                      ([], "--units N is required"),
                      (["--units", "1000", "--bogus"], "unknown argument"),
                      (["--units", "1000", "--sites", "1,1,5,5"], "--sites"),
                      (["--units", "1000", "--products", "0"], "--products"),
                      (["--units", "1000", "--bad-pharmacies", "x"], "--bad-pharmacies must be"),
                      (["--units", "1000", "--bad-pharmacies", "11"],
                       "--bad-pharmacies 11 is more than the 10 pharmacies"),
                      (["--units", "1000", "--today"], "--today needs a value"),
                      *((["--units", "1000", "--today", t], f"{bad_today}, not '{t}'")
                        for t in ("", "2027-02-29", "2028-02-30", "2027-13-01", "2027-00-10",
                                  "2027-04-31", "2027-3-15", "20270315", "2027-03-15T12:00:00",
                                  "2027/03/15", " 2027-03-15", "1999-12-31", "9991-01-01",
                                  "tomorrow")),
                      (["--units", "1000", "--today=2027-02-29"], bad_today)):
        p = subprocess.run([GEN, "--out", "/nonexistent/never", *args], capture_output=True,
                           timeout=60)
        eq(p.returncode, 2, f"exit status for {args}")
        check(msg in p.stderr.decode(), f"{args}: {p.stderr.decode()!r}")
    p = subprocess.run([GEN, "--help"], capture_output=True, timeout=60)
    eq(p.returncode, 0, "--help")
    check(b"usage: yima-gen" in p.stdout and b"--today" in p.stdout, p.stdout)
    # The first and last days accepted: every date written keeps 4 digits.
    for today in ("2000-01-01", "9990-12-31"):
        d, _ = gen(1000, "--epcis", today=today)
        try:
            ev = rows(os.path.join(d, "events.csv"))
            dates = [r["time"][:10] for r in ev] + [r["expiry"] for r in ev if r["expiry"]]
            check(all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", x) for x in dates),
                  f"--today {today}: dates {min(dates)} .. {max(dates)}")
            check(max(r["time"] for r in ev) < today, f"--today {today}: sales before it")
        finally:
            shutil.rmtree(d)


def test_gen_is_deterministic():
    """One seed and one --today: byte-identical files, compared whole."""
    a, _ = gen(3000, "--epcis", seed=7)
    b, _ = gen(3000, "--epcis", seed=7)
    c, _ = gen(3000, "--epcis", seed=8)
    try:
        da, db, dc = contents(a), contents(b), contents(c)
        eq(sorted(da), sorted(list(HEADERS) + ["events.jsonld", "sample-codes.txt"]), "files")
        check(all(da.values()), "no empty file")
        same_bytes(da, db, "same seed and --today")
        for name in ("events.csv", "events.jsonld", "scans.csv", "sample-codes.txt",
                     "expected.csv", "products.csv"):
            check(da[name] != dc[name], f"{name}: another seed gives the same file")
        # --epcis only adds a file: the CSV files do not change.
        d, _ = gen(3000, seed=7)
        try:
            same_bytes(contents(d), {k: v for k, v in da.items() if k != "events.jsonld"},
                       "without --epcis")
        finally:
            shutil.rmtree(d)
    finally:
        for d in (a, b, c):
            shutil.rmtree(d)


def shift_time(t, days):
    """An ISO time 'YYYY-MM-DDTHH:MM:SS...' moved by whole days (the date
    part only: the clock time and offset stay)."""
    return (datetime.date.fromisoformat(t[:10]) + datetime.timedelta(days=days)).isoformat() \
        + t[10:]


LOT_RE = re.compile(r"^B(\d\d)(\d\d)(\d\d)(\d{5})$")


def lot_made(lot, near=TODAY):
    """The manufacture date in a lot name, B + YYMMDD + number: of the
    centuries the two digits could stand for, the one nearest `near`."""
    m = LOT_RE.match(lot)
    check(m, f"lot name {lot!r}")
    yy, mm, dd = (int(x) for x in m.groups()[:3])
    days = []
    for c in range(near.year // 100 * 100 - 100, near.year // 100 * 100 + 101, 100):
        try:
            days.append(datetime.date(c + yy, mm, dd))
        except ValueError:      # 29 February of a century not a leap year
            pass
    check(days, f"lot name {lot!r}: no such day")
    return min(days, key=lambda x: abs((x - near).days))


def shift_lot(lot, days):
    """A lot name with its manufacture date moved by days."""
    made = lot_made(lot) + datetime.timedelta(days=days)
    return "B" + made.strftime("%y%m%d") + lot[7:]


def test_gen_today_moves_every_date_and_nothing_else():
    """Another --today gives the same chain with every date — times,
    expiries, lot names, creationDate — moved by the difference in days;
    codes, sites, routes, sales and scans are the same."""
    shift = 1000  # crosses at least one 29 February
    later = day(shift)
    a, _ = gen(2000, "--epcis", seed=4)
    b, _ = gen(2000, "--epcis", seed=4, today=later)
    try:
        da, db = contents(a), contents(b)
        for name in ("sites.csv", "products.csv", "scans.csv", "sample-codes.txt"):
            eq(da[name], db[name], f"{name} does not depend on --today")
        check(da["events.csv"] != db["events.csv"], "events.csv moved")
        ea, eb = rows(os.path.join(a, "events.csv")), rows(os.path.join(b, "events.csv"))
        eq(len(ea), len(eb), "events.csv rows")
        for i, (x, y) in enumerate(zip(ea, eb)):
            want = dict(x, time=shift_time(x["time"], shift))
            if x["expiry"]:
                want["expiry"] = shift_time(x["expiry"], shift)
            if x["lot"]:
                want["lot"] = shift_lot(x["lot"], shift)
            if y != want:
                raise TestFailure(f"events.csv row {i + 2}: {y} with --today {later}, want {want}")
        xa, xb = rows(os.path.join(a, "expected.csv")), rows(os.path.join(b, "expected.csv"))
        eq(xb, [dict(x, lot=shift_lot(x["lot"], shift)) for x in xa], "expected.csv")

        ja, jb = json.loads(da["events.jsonld"]), json.loads(db["events.jsonld"])
        eq(jb["creationDate"], shift_time(ja["creationDate"], shift), "creationDate")
        eq(ja["creationDate"], day() + "T08:00:00.000+08:00", "creationDate is --today")
        la, lb = ja["epcisBody"]["eventList"], jb["epcisBody"]["eventList"]
        eq(len(la), len(lb), "EPCIS events")
        for i, (x, y) in enumerate(zip(la, lb)):
            want = dict(x, eventTime=shift_time(x["eventTime"], shift))
            if "ilmd" in x:
                want["ilmd"] = {"cbvmda:lotNumber": shift_lot(x["ilmd"]["cbvmda:lotNumber"], shift),
                                "cbvmda:itemExpirationDate":
                                    shift_time(x["ilmd"]["cbvmda:itemExpirationDate"], shift)}
            eq(y, want, f"EPCIS event {i + 1} with --today {later}")
    finally:
        shutil.rmtree(a)
        shutil.rmtree(b)


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
        # Placed around --today: from 08:00 321 days before it, over 299
        # days, so everything happens at least three weeks before it.
        check(day(-321) + "T08:00" < times[0] < day(-320), f"first event {times[0]}")
        check(times[-1] < day(-21), f"last event {times[-1]}, --today {day()}")
        # Every lot's expiry is in one band: expired 1..300 days before
        # --today, near expiry 1..29 days after it, or 2..5 years after
        # manufacture (so over 400 days after --today).
        lots = {r["lot"]: r["expiry"] for r in units}
        bands = {"expired": 0, "near": 0, "far": 0}
        for lot, e in lots.items():
            made = lot_made(lot).isoformat()
            check(day(-321) <= made < day(-21), f"lot {lot} made {made}")
            if day(-300) <= e <= day(-1):
                bands["expired"] += 1
            elif day(1) <= e <= day(29):
                bands["near"] += 1
            elif e > day(400):
                bands["far"] += 1
            else:
                raise TestFailure(f"lot {lot} expires {e}, in no band around {day()}")
        check(all(bands.values()), f"expired, near-expiry and far lots: {bands}")
        sold = {r["code"] for r in by["dispense"]}
        for r in units:
            if r["code"] in sold:
                check(r["expiry"] > day(0), f"sold unit {r['code']} of lot {r['lot']} "
                      f"expires {r['expiry']}")
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
        eq(epcis_shape_errors(doc), [], "the document's structure")
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


# An EPCIS 2.0 document's structure, as GS1's JSON schema lays it down for
# what yima-gen writes (the schema itself is checked in make test-gs1).
EPCIS_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
EPCIS_OFFSET = re.compile(r"[+-]\d{2}:\d{2}")
EPCIS_COMMON = {"type", "eventTime", "eventTimeZoneOffset", "recordTime", "eventID",
                "errorDeclaration", "certificationInfo", "readPoint", "bizLocation",
                "bizStep", "disposition", "persistentDisposition", "bizTransactionList",
                "sourceList", "destinationList", "sensorElementList", "action"}
EPCIS_KEYS = {"ObjectEvent": EPCIS_COMMON | {"epcList", "quantityList", "ilmd"},
              "AggregationEvent": EPCIS_COMMON | {"parentID", "childEPCs",
                                                   "childQuantityList"}}
CBV_STEPS = {"commissioning", "packing", "unpacking", "shipping", "receiving",
             "retail_selling", "dispensing", "destroying", "decommissioning"}
CBV_DISPOSITIONS = {"active", "in_progress", "in_transit", "retail_sold",
                    "partially_dispensed", "returned", "destroyed", "inactive"}


def epcis_shape_errors(doc):
    """What is wrong with an EPCISDocument of ObjectEvents and
    AggregationEvents: a list of messages, empty when nothing is."""
    errs = []
    ctx = doc.get("@context")
    if not (isinstance(ctx, list) and
            "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld" in ctx):
        errs.append(f"@context {ctx!r}")
        ctx = []
    prefixes = {k for c in ctx if isinstance(c, dict) for k in c}
    if doc.get("type") != "EPCISDocument" or doc.get("schemaVersion") != "2.0":
        errs.append(f"type {doc.get('type')!r}, schemaVersion {doc.get('schemaVersion')!r}")
    if not EPCIS_TIME.fullmatch(str(doc.get("creationDate"))):
        errs.append(f"creationDate {doc.get('creationDate')!r}")
    events = doc.get("epcisBody", {}).get("eventList")
    if not isinstance(events, list) or not events:
        return errs + ["no epcisBody.eventList"]

    def ids(v):
        return isinstance(v, list) and all(isinstance(x, str) and x for x in v)

    for i, e in enumerate(events, 1):
        where = f"event {i}"
        keys = EPCIS_KEYS.get(e.get("type"))
        if keys is None:
            errs.append(f"{where}: type {e.get('type')!r}")
            continue
        for k in e:
            if k not in keys and not (":" in k and k.split(":")[0] in prefixes):
                errs.append(f"{where}: key {k!r}")
        if not EPCIS_TIME.fullmatch(str(e.get("eventTime"))):
            errs.append(f"{where}: eventTime {e.get('eventTime')!r}")
        if not EPCIS_OFFSET.fullmatch(str(e.get("eventTimeZoneOffset"))):
            errs.append(f"{where}: eventTimeZoneOffset {e.get('eventTimeZoneOffset')!r}")
        if e.get("action") not in ("ADD", "OBSERVE", "DELETE"):
            errs.append(f"{where}: action {e.get('action')!r}")
        if "ilmd" in e and e.get("action") != "ADD":
            errs.append(f"{where}: ilmd on {e.get('action')}")
        if e.get("bizStep") not in CBV_STEPS:
            errs.append(f"{where}: bizStep {e.get('bizStep')!r}")
        if "disposition" in e and e["disposition"] not in CBV_DISPOSITIONS:
            errs.append(f"{where}: disposition {e['disposition']!r}")
        if e["type"] == "AggregationEvent":
            if not isinstance(e.get("parentID"), str) or not ids(e.get("childEPCs")):
                errs.append(f"{where}: parentID and childEPCs")
        elif not ids(e.get("epcList")):
            errs.append(f"{where}: epcList")
        for k in ("readPoint", "bizLocation"):
            if k in e and (set(e[k]) != {"id"} or not isinstance(e[k]["id"], str)):
                errs.append(f"{where}: {k} {e[k]!r}")
        for k, field in (("sourceList", "source"), ("destinationList", "destination"),
                         ("bizTransactionList", "bizTransaction")):
            for x in e.get(k, []):
                if set(x) != {"type", field} or not all(isinstance(v, str) for v in x.values()):
                    errs.append(f"{where}: {k} entry {x!r}")
    return errs


def test_gen_epcis_shape_check_finds_faults():
    """The structure check above refuses what is wrong, one fault at a time."""
    doc = epcis_doc(1000, seed=2)
    eq(epcis_shape_errors(doc), [], "the generated document")
    ev = doc["epcisBody"]["eventList"]
    first_ship = next(i for i, e in enumerate(ev) if e["bizStep"] == "shipping")
    faults = [
        ("creationDate", lambda x: x.update(creationDate="2027-03-15")),
        ("eventTime",
         lambda x: x["epcisBody"]["eventList"][0].update(eventTime="2027-03-15 10:00")),
        ("eventTimeZoneOffset",
         lambda x: x["epcisBody"]["eventList"][0].update(eventTimeZoneOffset="+8")),
        ("action", lambda x: x["epcisBody"]["eventList"][0].update(action="MOVE")),
        ("key 'level'", lambda x: x["epcisBody"]["eventList"][0].update(level=1)),
        ("bizStep", lambda x: x["epcisBody"]["eventList"][0].update(bizStep="selling")),
        ("epcList", lambda x: x["epcisBody"]["eventList"][0].update(epcList=[""])),
        ("sourceList entry",
         lambda x: x["epcisBody"]["eventList"][first_ship]["sourceList"][0].pop("type")),
        ("ilmd on OBSERVE", lambda x: x["epcisBody"]["eventList"][first_ship].update(ilmd={})),
        ("@context", lambda x: x.update({"@context": ["https://example.com/"]})),
    ]
    for what, spoil in faults:
        bad = json.loads(json.dumps(doc))
        spoil(bad)
        errs = epcis_shape_errors(bad)
        check(errs and all(what in e for e in errs[:1]), f"{what}: {errs[:3]}")


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


# ------------------------------------------------ GS1's JSON schema (test-gs1)

if GS1_REFERENCE:
    def test_gs1_generated_epcis_document_is_valid():
        """yima-gen's EPCIS document (every event kind it writes) against
        GS1's EPCIS 2.0 JSON schema, which must refuse a spoiled copy."""
        import jsonschema
        path = os.path.join(GS1_REFERENCE, "EPCIS-JSON-Schema.json")
        check(os.path.isfile(path), f"{path}: GS1's JSON schema is missing")
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        doc = epcis_doc(3000, seed=2)
        steps = {e["bizStep"] for e in doc["epcisBody"]["eventList"]}
        eq(steps, {"commissioning", "packing", "unpacking", "shipping", "receiving",
                   "retail_selling"}, "every kind of event")
        jsonschema.validate(doc, schema)
        doc["epcisBody"]["eventList"][0]["action"] = "MOVE"
        try:
            jsonschema.validate(doc, schema)
        except jsonschema.ValidationError:
            pass
        else:
            raise TestFailure("the schema took an event with action MOVE")


def load_files(y, d):
    """yima load the generated sites, products and events of d into the
    yimad y; returns a RESP3 connection to it."""
    p = subprocess.run([YIMA, "-p", str(y.port), "load",
                        *[os.path.join(d, f) for f in ("sites.csv", "products.csv", "events.csv")]],
                       capture_output=True, timeout=300)
    check(p.returncode == 0, f"yima load: {p.stderr.decode()[-400:]}")
    c = y.connect()
    c.call("HELLO", "3")
    return c


def test_gen_archives_add_columns_and_change_nothing_else():
    """--archives: sites.csv and products.csv gain the archive columns (some
    licences expired, some vaccines at 2-8 °C), every other file and the
    existing columns stay byte for byte; the files load, and yimad applies
    the archive: a vaccine away from its holder is RED naming its category,
    a pharmacy whose licence passed sells AMBER."""
    plain, _ = gen(3000, seed=7)
    arch, _ = gen(3000, "--archives", seed=7)
    try:
        for f in ("events.csv", "scans.csv", "expected.csv", "sample-codes.txt"):
            with open(os.path.join(plain, f), "rb") as a, open(os.path.join(arch, f), "rb") as b:
                check(a.read() == b.read(), f"--archives changed {f}")
        sites, psites = rows(os.path.join(arch, "sites.csv")), rows(os.path.join(plain, "sites.csv"))
        for s, p in zip(sites, psites):
            eq({k: s[k] for k in p}, p, "the plain columns of sites.csv")
        expired = [s for s in sites if s["licence_valid_until"] < day()]
        check(expired and all(s["kind"] == "pharmacy" for s in expired),
              f"some pharmacies' licences expired: {len(expired)}")
        products = rows(os.path.join(arch, "products.csv"))
        vaccines = [p for p in products if p["category"] == "vaccine"]
        check(vaccines and all(p["storage_min_c"] == "2" and p["storage_max_c"] == "8" and
                               p["approval_number"].startswith("国药准字S") for p in vaccines),
              f"vaccines at 2-8 °C: {vaccines[:1]}")
        y = Yimad()
        try:
            c = load_files(y, arch)
            eq(c.call("SITE", "GET", expired[0]["site"])[b"licence"].decode(),
               expired[0]["licence"], "the licence loaded")
            vac = {p["product"] for p in vaccines}
            seen = False
            for r in rows(os.path.join(arch, "events.csv")):
                if r["event"] != "commission" or r["product"] not in vac or r["level"] != "1":
                    continue
                v = c.call("VERIFY", r["code"], "SITE", sites[-1]["site"])
                if v[b"status"] == b"active" and v[b"holder"].decode() != sites[-1]["site"]:
                    eq(v[b"category"], b"vaccine", f"{v}")
                    eq(v[b"verdict"], b"red", f"a vaccine away from its holder: {v}")
                    seen = True
                    break
            check(seen, "a vaccine unit held somewhere")
        finally:
            y.stop()
    finally:
        shutil.rmtree(plain, ignore_errors=True)
        shutil.rmtree(arch, ignore_errors=True)


def test_gen_bad_pharmacies_rank_first_and_break_the_cold_chain():
    """--bad-pharmacies 2 --archives: the last two pharmacies get the
    diversions and far more duplicates and unknown codes than any other
    site, so once the files are loaded and scans.csv sent, RISK ranks them
    first; a vaccine shipment to one of them carries a 14.5 °C reading
    (events.csv's temp column) and its units VERIFY RED cold_chain_break.
    Without the option the files are what they were."""
    plain, _ = gen(3000, "--archives", seed=7)
    bad, _ = gen(3000, "--archives", "--bad-pharmacies", "2", seed=7)
    try:
        with open(os.path.join(plain, "sites.csv"), "rb") as a, \
                open(os.path.join(bad, "sites.csv"), "rb") as b:
            check(a.read() == b.read(), "--bad-pharmacies changed sites.csv")
        with open(os.path.join(bad, "events.csv"), encoding="utf-8") as f:
            eq(f.readline().strip(), HEADERS["events.csv"] + ",temp", "the temp column")
        sites = rows(os.path.join(bad, "sites.csv"))
        planted = [s["site"] for s in sites if s["kind"] == "pharmacy"][-2:]
        events = rows(os.path.join(bad, "events.csv"))
        warm = [r for r in events if r["temp"]]
        eq(len(warm), 1, f"one warm shipment: {warm}")
        eq((warm[0]["event"], warm[0]["temp"]), ("ship", "14.5"), f"{warm[0]}")
        check(warm[0]["to"] in planted, f"to a planted pharmacy: {warm[0]}")
        units = [r["code"] for r in events if r["event"] == "pack" and r["parent"] == warm[0]["code"]]
        check(units, f"the warm middle pack holds units: {warm[0]['code']}")
        y = Yimad()
        try:
            c = load_files(y, bad)
            scans = rows(os.path.join(bad, "scans.csv"))
            for s in scans:
                v = c.call("DISPENSE", s["code"], "SITE", s["site"], "TX", s["tx"])
                if v[b"reasons"] == [b"licence_expired"]:	# the planted expired licences
                    v[b"verdict"] = b"green"
                eq(v[b"verdict"].decode(), s["expect"], f"scan {s}: {v}")
            ranked = c.call("RISK", "LIMIT", "5")
            top = [r[b"site"].decode() for r in ranked[:2]]
            eq(sorted(top), sorted(planted), f"RISK names the planted pharmacies first: {ranked}")
            for r in ranked[:2]:
                check(r[b"duplicates"] > 0 and r[b"unknown_codes"] > 0, f"{r}")
            if len(ranked) > 2:
                check(ranked[1][b"per_1000_sales"] >= 2 * ranked[2][b"per_1000_sales"],
                      f"clearly higher rates: {ranked}")
            v = c.call("VERIFY", units[0], "SITE", warm[0]["to"])
            eq(v[b"verdict"], b"red", f"a unit of the warm shipment: {v}")
            check(b"cold_chain_break" in v[b"reasons"], f"{v}")
            check("14.5 °C" in v[b"message"].decode(), f"{v}")
        finally:
            y.stop()
    finally:
        shutil.rmtree(plain, ignore_errors=True)
        shutil.rmtree(bad, ignore_errors=True)
