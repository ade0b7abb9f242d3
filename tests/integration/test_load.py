"""yima load: CSV and EPCIS files into the real daemon, batches, errors with
file:line, skip-bad, and resuming after the loader is killed."""
import json
import os
import random
import signal
import subprocess
import tempfile
import time

from harness import YIMA, Yimad, check, eq

SITES = "site,name,kind,gln\nMFR,Maker,manufacturer,6901234000016\n" \
        "DIST,\"Dist, East\",distributor,6901234000023\nPH1,Pharmacy One,pharmacy,\n"
PRODUCTS = "\ufeffproduct,name,units_per_pack,kind\n8301234,Amoxicillin,10,drug\n"
HEADER = "event,time,code,parent,product,lot,expiry,level,from,to,ref,qty\n"


def cn(i):
    return f"8301234{i:013d}"


def events(n, case_every=100):
    """n units commissioned, packed into SSCC cases, shipped and received."""
    rows = [HEADER]
    t = "2026-01-05T08:00:00+08:00"
    for i in range(n):
        rows.append(f"commission,{t},{cn(i)},,,L1,2030-12-31,1,MFR,,,\n")
    for i in range(n):
        rows.append(f"pack,{t},{cn(i)},(00)0690123400{i // case_every:07d}{sscc_check(i // case_every)},,,,,MFR,,,\n")
    for c in range((n + case_every - 1) // case_every):
        rows.append(f"ship,2026-01-06T08:00:00+08:00,(00)0690123400{c:07d}{sscc_check(c)},,,,,,MFR,DIST,DN-{c},\n")
    for c in range((n + case_every - 1) // case_every):
        rows.append(f"receive,2026-01-07T08:00:00+08:00,(00)0690123400{c:07d}{sscc_check(c)},,,,,,,DIST,,\n")
    return "".join(rows)


def sscc_check(c):
    body = f"0690123400{c:07d}"
    s = sum(int(d) * (3 if (len(body) - i) % 2 else 1) for i, d in enumerate(body))
    return (10 - s % 10) % 10


def write(dirname, name, text):
    path = os.path.join(dirname, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def load(d, *args):
    p = subprocess.run([YIMA, "-p", str(d.port), "load", *args], capture_output=True,
                       timeout=300)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def state(d):
    c = d.connect()
    info = c.call("INFO", "store")
    store = dict(zip(info[1][::2], info[1][1::2]))
    ent = store[b"entries"]
    return dict(zip(ent[::2], ent[1::2]))


def test_load_csv_files():
    with tempfile.TemporaryDirectory() as tmp:
        files = [write(tmp, "sites.csv", SITES), write(tmp, "products.csv", PRODUCTS),
                 write(tmp, "events.csv", events(1000))]
        d = Yimad()
        try:
            rc, out, err = load(d, *files)
            eq(rc, 0, f"load exit status: {out}{err}")
            check("records: 2024, applied: 2024, skipped: 0, errors: 0" in out, out)
            c = d.connect()
            c.call("HELLO", "3")
            r = c.call("VERIFY", cn(999), "SITE", "DIST")
            eq((r[b"verdict"], r[b"holder"], r[b"parent"]),
               (b"green", b"DIST", f"(00)0690123400{9:07d}{sscc_check(9)}".encode()),
               "loaded unit at DIST in its case")
            eq(c.call("SITE", "GET", "DIST")[b"name"], b"Dist, East", "quoted CSV field")
            t = c.call("TRACE", cn(5))
            eq([e[b"event"] for e in t[b"events"]], [b"commission", b"pack", b"ship", b"receive"],
               "trace of a loaded unit")
            eq(t[b"events"][2][b"time"], b"2026-01-06T00:00:00.000Z", "loaded time kept")
        finally:
            d.close()


def test_load_errors_name_file_and_line():
    with tempfile.TemporaryDirectory() as tmp:
        bad = HEADER + f"commission,2026-01-05T08:00:00+08:00,{cn(1)},,,L1,2030-12-31,1,MFR,,,\n" \
            + "commission,2026-13-05T08:00:00+08:00,x,,,L1,2030-12-31,1,MFR,,,\n" \
            + f"ship,2026-01-06T08:00:00+08:00,{cn(1)},,,,,,MFR\n" \
            + f"ship,2026-01-06T08:00:00+08:00,{cn(1)},,,,,,MFR,NOWHERE,DN,\n"
        files = [write(tmp, "sites.csv", SITES), write(tmp, "products.csv", PRODUCTS),
                 write(tmp, "bad.csv", bad)]
        d = Yimad()
        try:
            rc, out, err = load(d, *files)
            eq(rc, 1, "exit status with errors")
            check("bad.csv:3:" in err, err)
            check("bad.csv:4:" in err and "columns" in err, err)
            check("bad.csv:5:" in err and "unknown site 'NOWHERE'" in err, err)
            # the batch holding the bad SHIP was refused whole: row 2 too
            eq(state(d)[b"codes"], 0, "nothing half-applied")
            rc, out, err = load(d, "--skip-bad", *files)
            eq(rc, 1, "skip-bad still reports the bad rows")
            check("skipped: 1" in out, out)
            eq(state(d)[b"codes"], 1, "the good row applied with --skip-bad")
        finally:
            d.close()


def test_load_resumes_after_kill():
    n = 20000
    with tempfile.TemporaryDirectory() as tmp:
        files = [write(tmp, "sites.csv", SITES), write(tmp, "products.csv", PRODUCTS),
                 write(tmp, "events.csv", events(n))]
        clean = Yimad()
        try:
            rc, out, err = load(clean, "--batch", "500", *files)
            eq(rc, 0, f"clean load: {out}{err}")
            want = state(clean)
        finally:
            clean.close()
        d = Yimad()
        try:
            kills = 0
            for attempt in range(5):
                p = subprocess.Popen([YIMA, "-p", str(d.port), "load", "--batch", "500", *files],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                time.sleep(random.uniform(0.01, 0.08))
                if p.poll() is None:
                    p.send_signal(signal.SIGKILL)
                    kills += 1
                p.communicate(timeout=60)
            rc, out, err = load(d, "--batch", "500", *files)
            eq(rc, 0, f"resumed load: {out}{err}")
            eq(state(d), want, f"state after {kills} killed loads and a rerun = a clean load")
            check("already applied" in out, out)
        finally:
            d.close()


def test_load_epcis_document():
    doc = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": "2026-01-05T08:00:00+08:00",
        "epcisBody": {"eventList": [
            {"type": "ObjectEvent", "eventTime": "2026-01-05T08:00:00+08:00",
             "eventTimeZoneOffset": "+08:00", "action": "ADD", "bizStep": "commissioning",
             "epcList": ["urn:epc:id:sgtin:6901234.056789.S1", "urn:epc:id:sgtin:6901234.056789.S2"],
             "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.0"},
             "bizLocation": {"id": "urn:epc:id:sgln:6901234.00001.0"},
             "ilmd": {"cbvmda:lotNumber": "A1", "cbvmda:itemExpirationDate": "2030-06-30"}},
            {"type": "ObjectEvent", "eventTime": "2026-01-06T08:00:00+08:00",
             "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "bizStep": "shipping",
             "epcList": ["urn:epc:id:sgtin:6901234.056789.S1"],
             "sourceList": [{"type": "owning_party", "source": "urn:epc:id:sgln:6901234.00001.0"}],
             "destinationList": [{"type": "owning_party",
                                  "destination": "urn:epc:id:sgln:6901234.00002.0"}]},
            {"type": "TransformationEvent", "eventTime": "2026-01-06T09:00:00+08:00",
             "eventTimeZoneOffset": "+08:00"},
        ]},
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = write(tmp, "events.jsonld", json.dumps(doc))
        d = Yimad()
        try:
            c = d.connect()
            c.call("HELLO", "3")
            for s, g in (("MFR", "6901234000016"), ("DIST", "6901234000023")):
                c.call("SITE", "SET", s, "name", s, "kind", "distributor", "gln", g)
            c.call("PRODUCT", "SET", "06901234567892", "name", "Imported")
            rc, out, err = load(d, path)
            eq(rc, 0, f"epcis load: {out}{err}")
            check("records: 3, applied: 3" in out, out)
            check("1 event(s) skipped" in err, err)
            r = c.call("VERIFY", "(01)06901234567892(21)S1")
            eq((r[b"verdict"], r[b"in_transit_to"], r[b"lot"]), (b"amber", b"DIST", b"A1"),
               "shipped to the site with that SGLN")
        finally:
            d.close()


# $YIMA_REFERENCE, else shared/ beside the repository, else the workplace's copy.
REFERENCE = os.environ.get("YIMA_REFERENCE") or next(
    (p for p in (os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                              "shared", "reference", "epcis"), "/work/shared/reference/epcis")
     if os.path.isdir(p)), "/work/shared/reference/epcis")

# GS1's example documents: (records the reader gives, events it skips as
# unusable, events it refuses).  Loaded into an empty yimad with --skip-bad,
# every record is applied or skipped with its reason; nothing is fatal.
REFERENCE_DOCS = {
    "ErrorDeclarationAndCorrectiveEvent.jsonld": (0, 2, 0),
    "Example-TransactionEvents-2020_07_03y.jsonld": (0, 2, 0),
    "Example_9.6.1-ObjectEvent.jsonld": (1, 0, 1),
    "Example_9.6.1-ObjectEventWithDigitalLink.jsonld": (1, 0, 1),
    "Example_9.6.2-ObjectEvent.jsonld": (1, 0, 0),
    "Example_9.6.3-AggregationEvent.jsonld": (0, 1, 0),
    "Example_9.6.3-AggregationEventWithDigitalLink.jsonld": (0, 1, 0),
    "PersistentDisposition-example.jsonld": (10, 1, 0),
    "aggregation_event_all_possible_fields.jsonld": (0, 1, 0),
    "object_event_all_possible_fields.jsonld": (0, 1, 0),
}


def test_load_every_gs1_example_document():
    d = Yimad()
    try:
        for name, (records, skipped_events, refused) in REFERENCE_DOCS.items():
            path = os.path.join(REFERENCE, name)
            check(os.path.exists(path), f"reference document {path} missing")
            rc, out, err = load(d, "--skip-bad", path)
            check(rc in (0, 1), f"{name}: exit {rc}: {err}")
            m = [int(x) for x in
                 __import__("re").findall(r"records: (\d+), applied: (\d+), skipped: (\d+), "
                                          r"errors: (\d+)", out)[0]]
            got_records, applied, skipped, errors = m
            eq(got_records, records + refused, f"{name}: records read")
            eq(applied + skipped + errors, got_records, f"{name}: every record accounted for")
            # nothing is known to an empty yimad: every record names an
            # unknown location or code, and says so
            eq(applied, 0, f"{name}: applied")
            if records:
                check("unknown site" in err or "no site has GLN" in err or
                      "not commissioned" in err, f"{name}: reasons: {err}")
            if skipped_events:
                check("skipped:" in err, f"{name}: skipped events reported: {err}")
    finally:
        d.close()
