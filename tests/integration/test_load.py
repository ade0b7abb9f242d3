"""yima load: CSV and EPCIS files into the real daemon, batches, errors with
file:line, skip-bad, and resuming after the loader is killed.

The EPCIS documents are the project's own, tests/data/epcis/, dated around
DATA_DAY and moved to the harness's day before loading.  With
YIMA_GS1_REFERENCE naming GS1's EPCIS reference directory (make test-gs1),
test_gs1_* also load GS1's example documents and validate ours against
GS1's JSON schema."""
import datetime
import json
import os
import re
import signal
import subprocess
import tempfile
import time

from harness import TODAY, YIMA, Yimad, at, check, day, eq, info
from secutil import token_line
from seeded import rng

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "epcis")
# The day the documents in tests/data/epcis were written for (their
# creationDate): their events happen in the days before it.
DATA_DAY = datetime.date(2026, 3, 10)
GS1_REFERENCE = os.environ.get("YIMA_GS1_REFERENCE")

SITES = "site,name,kind,gln\nMFR,Maker,manufacturer,6901234000016\n" \
        "DIST,\"Dist, East\",distributor,6901234000023\nPH1,Pharmacy One,pharmacy,\n"
PRODUCTS = "\ufeffproduct,name,units_per_pack,kind\n8301234,Amoxicillin,10,drug\n"
HEADER = "event,time,code,parent,product,lot,expiry,level,from,to,ref,qty\n"


def cn(i):
    return f"8301234{i:013d}"


def events(n, case_every=100):
    """n units commissioned, packed into SSCC cases, shipped and received."""
    rows = [HEADER]
    t = at(-60, "08:00:00")
    for i in range(n):
        rows.append(f"commission,{t},{cn(i)},,,L1,{day(700)},1,MFR,,,\n")
    for i in range(n):
        rows.append(f"pack,{t},{cn(i)},{case(i // case_every)},,,,,MFR,,,\n")
    for c in range((n + case_every - 1) // case_every):
        rows.append(f"ship,{at(-59, '08:00:00')},{case(c)},,,,,,MFR,DIST,DN-{c},\n")
    for c in range((n + case_every - 1) // case_every):
        rows.append(f"receive,{at(-58, '08:00:00')},{case(c)},,,,,,,DIST,,\n")
    return "".join(rows)


def case(c):
    """The SSCC of case c."""
    return f"(00)0690123400{c:07d}{sscc_check(c)}"


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


def state(d, c=None):
    """The store's entry counts per database (on connection c, if given),
    but for the log of requests (log), which grows with every
    request applied: a rerun sends more of them than a clean load."""
    if c is None:
        c = d.connect()
    ent = info(c, "store")[b"entries"]
    return {db: n for db, n in ent.items() if db != b"log"}


def load_counts(out):
    """(records, applied, already applied, refused, held back, batches,
    batches already applied) from yima load's summary line."""
    m = re.search(r"records: (\d+), applied: (\d+), already applied: (\d+), "
                  r"refused: (\d+), held back: (\d+), batches: (\d+) "
                  r"\((\d+) already applied\)", out)
    check(m, f"no summary line in {out!r}")
    return tuple(int(x) for x in m.groups())


def test_load_csv_files():
    with tempfile.TemporaryDirectory() as tmp:
        files = [write(tmp, "sites.csv", SITES), write(tmp, "products.csv", PRODUCTS),
                 write(tmp, "events.csv", events(1000))]
        d = Yimad()
        try:
            rc, out, err = load(d, *files)
            eq(rc, 0, f"load exit status: {out}{err}")
            eq(load_counts(out)[:5], (2024, 2024, 0, 0, 0), out)
            c = d.connect()
            c.call("HELLO", "3")
            r = c.call("VERIFY", cn(999), "SITE", "DIST")
            eq((r[b"verdict"], r[b"holder"], r[b"parent"]),
               (b"green", b"DIST", case(9).encode()),
               "loaded unit at DIST in its case")
            eq(c.call("SITE", "GET", "DIST")[b"name"], b"Dist, East", "quoted CSV field")
            t = c.call("TRACE", cn(5))
            eq([e[b"event"] for e in t[b"events"]], [b"commission", b"pack", b"ship", b"receive"],
               "trace of a loaded unit")
            eq(t[b"events"][2][b"time"], f"{day(-59)}T00:00:00.000Z".encode(), "loaded time kept")
        finally:
            d.close()


def test_load_errors_name_file_and_line():
    with tempfile.TemporaryDirectory() as tmp:
        t, t2 = at(-60, "08:00:00"), at(-59, "08:00:00")
        bad = HEADER + f"commission,{t},{cn(1)},,,L1,{day(700)},1,MFR,,,\n" \
            + f"commission,2026-13-05T08:00:00+08:00,x,,,L1,{day(700)},1,MFR,,,\n" \
            + f"ship,{t2},{cn(1)},,,,,,MFR\n" \
            + f"ship,{t2},{cn(1)},,,,,,MFR,NOWHERE,DN,\n"
        files = [write(tmp, "sites.csv", SITES), write(tmp, "products.csv", PRODUCTS),
                 write(tmp, "bad.csv", bad)]
        d = Yimad()
        try:
            rc, out, err = load(d, *files)
            eq(rc, 2, "exit status: nothing loaded")
            check("bad.csv:3:" in err, err)
            check("bad.csv:4:" in err and "columns" in err, err)
            # rows that cannot be read stop the whole command before it
            # sends anything: not even the sites are loaded
            check("nothing was loaded" in err, err)
            eq(state(d)[b"codes"], 0, "nothing half-applied")
            rc, out, err = load(d, "--skip-bad", *files)
            eq(rc, 1, "skip-bad: refused rows are errors, and the status says so")
            check("bad.csv:5:" in err and "unknown site 'NOWHERE'" in err, err)
            eq(load_counts(out)[1:5], (4 + 1, 0, 3, 0), out)
            check(re.search(r"refused at: \S*/bad\.csv:3, \S*/bad\.csv:4, \S*/bad\.csv:5$",
                            out, re.M), out)
            eq(state(d)[b"codes"], 1, "the good row applied with --skip-bad")
        finally:
            d.close()


def settled(d, c, quiet=0.3, timeout=30.0):
    """The store once it has stopped changing for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last, since = state(d, c), time.monotonic()
    while time.monotonic() - since < quiet:
        check(time.monotonic() < deadline, f"the store still changing after {timeout:g} s")
        time.sleep(0.01)
        now = state(d, c)
        if now != last:
            last, since = now, time.monotonic()
    return last


def test_load_resumes_after_kill():
    """Loads killed part way (each once the killed run has had a batch of
    events applied, and a further moment drawn from a seeded generator
    later), then a full rerun: the store ends exactly as after one clean
    load, and the rerun skipped the batches the killed runs had applied."""
    rnd = rng("test_load.kill_points")
    n = 50000                  # about 150 batches of 500 rows
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
            c = d.connect()
            partial = []         # the store right after each kill
            for attempt in range(2):
                before = settled(d, c)  # what the last killed run sent is in
                p = subprocess.Popen([YIMA, "-p", str(d.port), "load", "--batch", "500",
                                      *files], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                try:
                    deadline = time.monotonic() + 60
                    # (codes: an EVENTS batch applied, not just sites or
                    # products set)
                    while p.poll() is None and state(d, c)[b"codes"] == before[b"codes"]:
                        check(time.monotonic() < deadline,
                              f"attempt {attempt}: the load changed nothing in 60 s")
                        time.sleep(0.001)
                    time.sleep(rnd.uniform(0, 0.005))
                    if p.poll() is None:
                        p.send_signal(signal.SIGKILL)
                    p.communicate(timeout=60)
                finally:
                    if p.poll() is None:
                        p.kill()
                        p.wait()
                if p.returncode == -signal.SIGKILL:
                    partial.append(state(d, c))
            check(partial, "the loader was never killed while it was loading")
            check(any(s != want for s in partial),
                  "every kill came after the whole load was in the store")
            # What the killed runs had sent is applied (or not) by now.
            left = settled(d, c) != want
            rc, out, err = load(d, "--batch", "500", *files)
            eq(rc, 0, f"resumed load: {out}{err}")
            eq(state(d, c), want, f"state after {len(partial)} killed loads and a rerun "
               "= a clean load")
            records, applied, earlier, refused, held, batches, replayed = load_counts(out)
            check(replayed > 0, f"the rerun found no batch the killed runs applied: {out}")
            if left:
                check(replayed < batches, f"the rerun applied nothing more: {out}")
            print(f"    {len(partial)} of 2 loads killed; the rerun found {replayed} of "
                  f"{batches} batches applied" + (" and applied the rest" if left else ""))
        finally:
            d.close()


def load_input(d, data, *args):
    """yima load with `data` (bytes) on its standard input."""
    p = subprocess.run([YIMA, "-p", str(d.port), "load", *args], input=data,
                       capture_output=True, timeout=300)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_load_standard_input():
    """`-` reads standard input: CSV and EPCIS (told apart by their first
    byte), through a pipe that cannot seek; the same bytes piped again
    find every batch applied (a killed load of a pipe resumes by being run
    again), and change nothing."""
    doc = {"type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": at(0), "epcisBody": {"eventList": [
               {"type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
                "eventTime": at(-30), "eventTimeZoneOffset": "+08:00",
                "epcList": [cn(i) for i in range(900, 905)],
                "bizLocation": {"id": "urn:epc:id:sgln:6901234.00001.0"},
                "ilmd": {"cbvmda:lotNumber": "L9", "cbvmda:itemExpirationDate": day(700)}}]}}
    d = Yimad()
    try:
        eq(load_input(d, SITES.encode(), "-")[0], 0, "sites from stdin")
        eq(load_input(d, PRODUCTS.encode(), "-")[0], 0, "products from stdin")
        c = d.connect()
        c.call("HELLO", "3")
        eq(c.call("SITE", "GET", "DIST")[b"name"], b"Dist, East", "a site read from stdin")
        rc, out, err = load_input(d, events(300).encode(), "--batch", "100", "-")
        eq(rc, 0, f"events from stdin: {out}{err}")
        records, applied, earlier, refused, held, batches, replayed = load_counts(out)
        eq((records, applied, refused), (606, 606, 0), out)
        before = state(d)
        rc, out, err = load_input(d, events(300).encode(), "--batch", "100", "-")
        eq(rc, 0, f"the same pipe again: {out}{err}")
        eq(load_counts(out)[1:], (0, 606, 0, 0, batches, batches),
           f"every batch found applied: {out}")
        eq(state(d), before, "the second run changed nothing")
        rc, out, err = load_input(d, json.dumps(doc).encode(), "-")
        eq(rc, 0, f"EPCIS from stdin: {out}{err}")
        eq(load_counts(out)[:2], (5, 5), out)
        eq(c.call("VERIFY", cn(902))[b"lot"], b"L9", "a code commissioned from stdin")
    finally:
        d.close()


def test_load_exit_status():
    """0: every row applied (or found applied); 1: the load finished but
    rows were refused (named, file:line, in the summary), also with
    --skip-bad; 2: nothing loaded (rows that cannot be read) or the load did
    not finish.  --json gives the summary as JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        good = write(tmp, "good.csv", events(10))
        bad = write(tmp, "bad.csv", HEADER +
                    f"commission,{at(-60)},{cn(50)},,,L1,{day(700)},1,MFR,,,\n"
                    f"ship,{at(-59)},{cn(50)},,,,,,MFR,NOWHERE,DN,\n")
        d = Yimad()
        try:
            eq(load(d, write(tmp, "sites.csv", SITES), write(tmp, "products.csv", PRODUCTS))[0],
               0, "master data")
            rc, out, err = load(d, good)
            eq(rc, 0, f"complete: {out}{err}")
            rc, out, err = load(d, good)
            eq(rc, 0, f"complete, found applied: {out}{err}")
            rc, out, err = load(d, "--skip-bad", bad)
            eq(rc, 1, f"a row refused with --skip-bad: {out}{err}")
            check(re.search(r"^refused at: \S*bad\.csv:3$", out, re.M), out)
            eq(load_counts(out)[1:5], (1, 0, 1, 0), out)
            p = subprocess.run([YIMA, "-p", str(d.port), "--json", "load", "--skip-bad", bad],
                               capture_output=True, timeout=60)
            eq(p.returncode, 1, "--json: the same status")
            summary = json.loads(p.stdout)
            eq((summary["status"], summary["refused"], summary["already_applied"],
                len(summary["refused_at"])), ("refused", 1, 1, 1), summary)
            check(summary["refused_at"][0].endswith("bad.csv:3"), summary)
            rc, out, err = load(d, write(tmp, "syntax.csv", HEADER + "commission,x\n"))
            eq(rc, 2, f"nothing loaded: {out}{err}")
            rc, out, err = load(d, os.path.join(tmp, "missing.csv"))
            eq(rc, 2, f"a file that cannot be opened: {out}{err}")
        finally:
            d.close()


def corrected_rerun(skip_bad):
    """A load with one row naming an unknown site, then the corrected file
    run again: the store ends as one clean load of the corrected file, and
    the rerun recognises what the first run applied."""
    n = 3000                    # 90 rows of ship and receive: several batches
    flags = ["--batch", "200"] + (["--skip-bad"] if skip_bad else [])
    text = events(n, case_every=20)
    bad_row = f"ship,{at(-59, '08:00:00')},{case(77)},,,,,,MFR,DIST,DN-77,\n"
    check(bad_row in text, "the row to spoil")
    spoilt = text.replace(bad_row, bad_row.replace("MFR,DIST", "MFR,DSIT"))
    with tempfile.TemporaryDirectory() as tmp:
        master = [write(tmp, "sites.csv", SITES), write(tmp, "products.csv", PRODUCTS)]
        clean = Yimad()
        try:
            eq(load(clean, "--batch", "200", *master, write(tmp, "events.csv", text))[0], 0,
               "clean load")
            want = state(clean)
            del want[b"batches"]        # the runs sent other batches
        finally:
            clean.close()
        d = Yimad()
        try:
            eq(load(d, *master)[0], 0, "master data")
            path = write(tmp, "events.csv", spoilt)
            rc, out, err = load(d, *flags, path)
            eq(rc, 1, f"a row refused: {out}{err}")
            line = spoilt.splitlines().index(bad_row.replace("MFR,DIST", "MFR,DSIT")[:-1]) + 1
            # The spoilt shipment first.  The receipt of its case is refused
            # too (not in transit), or, without --skip-bad, held back when
            # the content-cut batches put it in the shipment's batch.
            check(re.search(rf"^refused at: \S*events\.csv:{line}(, |$)", out, re.M), out)
            records, applied, earlier, refused, held, batches, _ = load_counts(out)
            check(refused > 1 if skip_bad else refused >= 1, out)
            check((held > 0) != skip_bad, f"rows held back only without --skip-bad: {out}")
            write(tmp, "events.csv", text)              # corrected in place
            rc, out, err = load(d, *flags, path)
            eq(rc, 0, f"the corrected file: {out}{err}")
            records, applied, earlier, refused, held, batches, replayed = load_counts(out)
            eq((refused, held), (0, 0), f"nothing refused: {out}")
            check(0 < replayed < batches and earlier > applied,
                  f"the unchanged batches found applied: {out}")
            got = state(d)
            del got[b"batches"]
            eq(got, want, "the store = one clean load of the corrected file")
            print(f"    {'--skip-bad: ' if skip_bad else ''}rerun applied {applied} rows, "
                  f"found {earlier} applied ({replayed} of {batches} batches)")
        finally:
            d.close()


def test_load_corrected_file_rerun():
    corrected_rerun(False)


def test_load_corrected_file_rerun_after_skip_bad():
    corrected_rerun(True)


def test_load_refused_rows_go_in_once_what_they_lacked_is_there():
    """With --skip-bad a row naming a site not yet known is refused and the
    rest of its batch applied; once the site is added, the same file run
    again sends that row again (its batch is found applied) and it goes in:
    exit 0, nothing refused."""
    with tempfile.TemporaryDirectory() as tmp:
        rows = HEADER + "".join(f"commission,{at(-60)},{cn(i)},,,L1,{day(700)},1,MFR,,,\n"
                                for i in range(20)) + \
            f"ship,{at(-59)},{cn(3)},,,,,,MFR,PH9,DN-3,\n" + \
            f"ship,{at(-59)},{cn(4)},,,,,,MFR,DIST,DN-4,\n"
        path = write(tmp, "events.csv", rows)
        d = Yimad()
        try:
            eq(load(d, write(tmp, "sites.csv", SITES), write(tmp, "products.csv", PRODUCTS))[0],
               0, "master data")
            rc, out, err = load(d, "--skip-bad", path)
            eq(rc, 1, f"PH9 unknown: {out}{err}")
            eq(load_counts(out)[1:5], (21, 0, 1, 0), out)
            c = d.connect()
            eq(c.call("SITE", "SET", "PH9", "name", "Nine", "kind", "pharmacy"), "OK", "PH9")
            rc, out, err = load(d, "--skip-bad", path)
            eq(rc, 0, f"the refused row goes in now: {out}{err}")
            eq(load_counts(out)[1:5], (1, 21, 0, 0), out)
            c.call("HELLO", "3")
            eq(c.call("VERIFY", cn(3))[b"in_transit_to"], b"PH9", "shipped to PH9")
            rc, out, err = load(d, "--skip-bad", path)
            eq((rc, load_counts(out)[1:5]), (0, (0, 22, 0, 0)), f"and only once: {out}")
        finally:
            d.close()


def test_load_shipment_without_destination():
    """An EPCIS shipping event without destinationList (as GS1's Example
    9.6.1) is a shipment to a destination not known: loaded, the codes in
    transit with no destination, then received by DIST without a diversion
    alert."""
    mfr, dist = "urn:epc:id:sgln:6901234.00001.0", "urn:epc:id:sgln:6901234.00002.0"
    codes = [cn(i) for i in range(700, 703)]

    def event(step, t, where, **more):
        e = {"type": "ObjectEvent", "action": "ADD" if step == "commissioning" else "OBSERVE",
             "bizStep": step, "eventTime": t, "eventTimeZoneOffset": "+08:00",
             "epcList": codes}
        e.update(where)
        e.update(more)
        return e
    doc = {"type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": at(0),
           "epcisBody": {"eventList": [
               event("commissioning", at(-20), {"bizLocation": {"id": mfr}},
                     ilmd={"cbvmda:lotNumber": "L7", "cbvmda:itemExpirationDate": day(700)}),
               event("shipping", at(-19), {"readPoint": {"id": mfr}},
                     bizTransactionList=[{"type": "po", "bizTransaction": "PO-7"}])]}}
    receipt = {"type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": at(0),
               "epcisBody": {"eventList": [
                   event("receiving", at(-18), {"bizLocation": {"id": dist}})]}}
    with tempfile.TemporaryDirectory() as tmp:
        d = Yimad()
        try:
            eq(load(d, write(tmp, "sites.csv", SITES), write(tmp, "products.csv", PRODUCTS))[0],
               0, "master data")
            rc, out, err = load(d, write(tmp, "ship.jsonld", json.dumps(doc)))
            eq(rc, 0, f"the shipment loads: {out}{err}")
            eq(load_counts(out)[:5], (6, 6, 0, 0, 0), out)
            c = d.connect()
            c.call("HELLO", "3")
            r = c.call("VERIFY", codes[0])
            eq((r[b"status"], r[b"holder"], b"in_transit_to" in r),
               (b"in_transit", b"MFR", False), f"in transit, destination not known: {r}")
            t = c.call("TRACE", codes[0])[b"events"]
            eq((t[-1][b"event"], t[-1][b"from"], b"to" in t[-1]), (b"ship", b"MFR", False),
               "the shipment names no destination")
            rc, out, err = load(d, write(tmp, "receipt.jsonld", json.dumps(receipt)))
            eq(rc, 0, f"the receipt loads: {out}{err}")
            r = c.call("VERIFY", codes[0], "SITE", "DIST")
            eq((r[b"status"], r[b"holder"]), (b"active", b"DIST"), "received at DIST")
            eq(c.call("TRACE", codes[0])[b"events"][-1][b"diverted"], False,
               "a receipt of a shipment to no known place is no diversion")
            eq(c.call("ALERTS")[b"alerts"] if isinstance(c.call("ALERTS"), dict) else
               c.call("ALERTS"), [], "no diversion alert")
        finally:
            d.close()


def test_load_master_data_in_batches():
    """Sites and products go in EVENTS batches (thousands in one write job,
    not one command each), each record answering to the role matrix as if
    sent alone: an admin's token loads them, a pharmacy's is refused row by
    row and changes nothing."""
    n = 5000
    sites = "site,name,kind,gln\n" + "".join(f"P{i},Pharmacy {i},pharmacy,\n"
                                             for i in range(n))
    with tempfile.TemporaryDirectory() as tmp:
        path = write(tmp, "sites.csv", sites)
        acl = write(tmp, "acl", token_line("boss", "admin", "-", "secret-admin") +
                    token_line("till", "pharmacy", "PH1", "secret-ph"))
        d = Yimad("--acl-file", acl)
        try:
            eq(load(d, write(tmp, "ph.csv", SITES))[0], 0, "PH1, by the local principal")
            before = state(d)
            p = subprocess.run([YIMA, "-p", str(d.port), "-a", "secret-ph", "load", path],
                               capture_output=True, timeout=300)
            out = p.stdout.decode()
            eq(p.returncode, 1, f"a pharmacy may not set sites: {out}{p.stderr.decode()}")
            eq(load_counts(out)[1], 0, out)
            check("pharmacy 'till' may not run SITE SET" in p.stderr.decode(), p.stderr.decode())
            eq(state(d), before, "the refused load changed nothing")
            p = subprocess.run([YIMA, "-p", str(d.port), "-a", "secret-admin", "load", path],
                               capture_output=True, timeout=300)
            out = p.stdout.decode()
            eq(p.returncode, 0, f"an admin loads sites: {out}{p.stderr.decode()}")
            records, applied, _, _, _, batches, _ = load_counts(out)
            eq((records, applied), (n, n), out)
            check(batches <= n // 250, f"{n} sites in {batches} batches, not one each: {out}")
            c = d.connect()
            c.call("HELLO", "3")
            eq(c.call("SITE", "GET", f"P{n - 1}")[b"name"], f"Pharmacy {n - 1}".encode(),
               "the last site loaded")
        finally:
            d.close()


DATE_KEYS = {"eventTime", "creationDate", "declarationTime", "cbvmda:itemExpirationDate",
             "urn:epcglobal:cbv:mda:itemExpirationDate", "itemExpirationDate"}


def moved(v, days):
    """A document (or part) with every date in DATE_KEYS moved by days; a
    value whose date part is not a real date is left as it is."""
    if isinstance(v, list):
        return [moved(x, days) for x in v]
    if not isinstance(v, dict):
        return v
    out = {}
    for k, x in v.items():
        if k in DATE_KEYS and isinstance(x, str):
            try:
                x = (datetime.date.fromisoformat(x[:10])
                     + datetime.timedelta(days=days)).isoformat() + x[10:]
            except ValueError:
                pass
        out[k] = moved(x, days)
    return out


def dated(tmp, name):
    """tests/data/epcis/NAME written into tmp with its dates moved from
    DATA_DAY to TODAY; returns the copy's path."""
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        doc = json.load(f)
    if isinstance(doc, dict):
        eq(doc["creationDate"][:10], DATA_DAY.isoformat(), f"{name}: creationDate")
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(moved(doc, (TODAY - DATA_DAY).days), f)
    return path


def utc(day_offset, hhmmss):
    """A time on DATA_DAY + day_offset in Beijing time, moved to TODAY's
    calendar, as yimad shows it (UTC, milliseconds)."""
    t = datetime.datetime.combine(TODAY + datetime.timedelta(days=day_offset),
                                  datetime.time.fromisoformat(hhmmss))
    return (t - datetime.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S.000Z").encode()


S = "urn:epc:id:sgtin:6901234.056789."
M = "urn:epc:id:sgtin:6901234.156789."
SSCC = "urn:epc:id:sscc:6901234.0000000001"
U1, U2, P1 = "83012340000000011234", "83012340000000025678", "83098760000000014321"
D7 = "urn:epc:class:lgtin:6901234.001234.D7"


def test_load_own_epcis_documents():
    """The chain in tests/data/epcis (sites, products, chain.jsonld and the
    query document) loads whole and leaves every code where its story ends;
    the skipped events change nothing; of the refused events only the good
    one applies, with --skip-bad, and every bad one is named."""
    with tempfile.TemporaryDirectory() as tmp:
        docs = {name: dated(tmp, name) for name in
                ("chain.jsonld", "query.jsonld", "skipped.jsonld", "refused.jsonld")}
        d = Yimad()
        try:
            rc, out, err = load(d, os.path.join(DATA, "sites.csv"),
                                os.path.join(DATA, "products.csv"), docs["chain.jsonld"],
                                docs["query.jsonld"])
            eq(rc, 0, f"load: {out}{err}")
            eq(load_counts(out)[:5], (4 + 5 + 41 + 4, 4 + 5 + 41 + 4, 0, 0, 0),
               "records, applied, already applied, refused, held back")
            c = d.connect()
            c.call("HELLO", "3")
            # code: (status, holder, parent, dispensed, reasons); VERIFY
            # without a site
            want = {
                S + "S1": ("dispensed", "PH1", None, 1, ["duplicate"]),
                S + "S2": ("dispensed", "PH1", None, 1, ["duplicate"]),
                S + "S3": ("destroyed", "PH1", None, 0, ["destroyed"]),
                S + "S4": ("active", "MFR", "(01)16901234567899(21)M2", 0, []),
                "(01)06901234567892(21)S6": ("active", "MFR", "(01)16901234567899(21)M2", 0,
                                             []),
                "https://id.gs1.org/01/06901234567892/21/S7": ("destroyed", "MFR", None, 0,
                                                               ["destroyed"]),
                M + "M1": ("active", "PH1", None, 0, []),
                M + "M2": ("active", "MFR", None, 0, []),
                SSCC: ("active", "DIST", None, 0, []),
                U1: ("dispensed", "PH2", None, 10, ["duplicate", "near_expiry"]),
                U2: ("active", "PH2", P1, 0, ["near_expiry"]),
                P1: ("active", "PH2", None, 0, ["near_expiry"]),
                D7: ("active", "PH2", None, 2, []),
            }
            for code, (status, holder, parent, sold, reasons) in want.items():
                r = c.call("VERIFY", code)
                got = (r[b"status"].decode(), r[b"holder"].decode(),
                       r[b"parent"].decode() if b"parent" in r else None, r[b"dispensed"],
                       [x.decode() for x in r[b"reasons"]])
                eq(got, (status, holder, parent, sold, reasons), f"VERIFY {code}")
            r = c.call("VERIFY", U2)
            eq((r[b"lot"], r[b"expiry"], r[b"units_per_pack"]), (b"C1", day(20).encode(), 10),
               "the CN lot, near expiry on the moved calendar")
            r = c.call("VERIFY", D7)
            eq((r[b"lot"], r[b"units_per_pack"]), (b"D7", 50), "the lot-level device record")
            t = c.call("TRACE", S + "S1")[b"events"]
            eq([(e[b"event"], e[b"time"], e.get(b"via")) for e in t], [
                (b"commission", utc(-9, "09:00:00"), None),
                (b"pack", utc(-9, "11:00:00"), None),
                (b"pack", utc(-9, "11:05:00"), b"(01)16901234567899(21)M1"),
                (b"ship", utc(-8, "14:00:00"), b"(00)069012340000000016"),
                (b"receive", utc(-7, "09:30:00"), b"(00)069012340000000016"),
                (b"ship", utc(-6, "08:00:00"), b"(01)16901234567899(21)M1"),
                (b"receive", utc(-6, "15:00:00"), b"(01)16901234567899(21)M1"),
                (b"unpack", utc(-5, "09:00:00"), None),
                (b"dispense", utc(-5, "09:05:00"), None)], "TRACE of S1")
            eq((t[3][b"ref"], t[6][b"ref"], t[8][b"tx"]),
               (b"urn:epcglobal:cbv:bt:6901234000016:DN-100", b"DN-200", b"TX-1001"),
               "despatch advice and sale references")
            t = c.call("TRACE", M + "M2")[b"events"]
            eq([(e[b"event"], e.get(b"from"), e.get(b"to"), e.get(b"site"), e.get(b"ref"))
                for e in t[-2:]], [(b"return", b"DIST", b"MFR", None, b"RMA-9"),
                                   (b"receive", b"DIST", None, b"MFR", b"RMA-9")],
               "the return of M2")
            before = state(d)

            rc, out, err = load(d, docs["skipped.jsonld"])
            eq(rc, 0, f"skipped events: {out}{err}")
            eq(load_counts(out)[:5], (0, 0, 0, 0, 0), "skipped events give no records")
            for why, n in (("error-declaration", 1), ("corrective", 1), ("type", 3),
                           ("no-bizstep", 1), ("bizstep", 2), ("action", 3),
                           ("no-objects", 1)):
                eq(err.count(f"skipped ({why})"), n, f"events skipped for {why}: {err}")
            eq(state(d), before, "skipped events change nothing")

            rc, out, err = load(d, "--skip-bad", docs["refused.jsonld"])
            eq(rc, 1, f"refused events: {out}{err}")
            eq(load_counts(out)[:5], (15, 1, 0, 14, 0), f"the one good event: {out}")
            for n in range(1, 15):
                check(f"refused.jsonld: event {n}: " in err, f"event {n} not named: {err}")
            check("refused.jsonld: event 15:" not in err, err)
            r = c.call("VERIFY", S + "S4")
            eq((r[b"status"], r[b"holder"]), (b"destroyed", b"MFR"), "the good event applied")
        finally:
            d.close()


# ------------------------------------------- GS1's own documents (test-gs1)

# GS1's example documents: (records the reader gives, events it skips as
# unusable, events it refuses).  Loaded into an empty yimad with --skip-bad,
# every record is applied or skipped with its reason; nothing is fatal.
REFERENCE_DOCS = {
    "ErrorDeclarationAndCorrectiveEvent.jsonld": (0, 2, 0),
    "Example-TransactionEvents-2020_07_03y.jsonld": (0, 2, 0),
    "Example_9.6.1-ObjectEvent.jsonld": (3, 0, 0),
    "Example_9.6.1-ObjectEventWithDigitalLink.jsonld": (3, 0, 0),
    "Example_9.6.2-ObjectEvent.jsonld": (1, 0, 0),
    "Example_9.6.3-AggregationEvent.jsonld": (0, 1, 0),
    "Example_9.6.3-AggregationEventWithDigitalLink.jsonld": (0, 1, 0),
    "PersistentDisposition-example.jsonld": (10, 1, 0),
    "aggregation_event_all_possible_fields.jsonld": (0, 1, 0),
    "object_event_all_possible_fields.jsonld": (0, 1, 0),
}

if GS1_REFERENCE:
    def test_gs1_load_every_example_document():
        d = Yimad()
        try:
            for name, (records, skipped_events, refused) in REFERENCE_DOCS.items():
                path = os.path.join(GS1_REFERENCE, name)
                check(os.path.isfile(path), f"GS1's document {path} is missing")
                rc, out, err = load(d, "--skip-bad", path)
                check(rc in (0, 1), f"{name}: exit {rc}: {err}")
                got_records, applied, earlier, errors, held = load_counts(out)[:5]
                eq(got_records, records + refused, f"{name}: records read")
                eq(applied + earlier + errors + held, got_records,
                   f"{name}: every record accounted for")
                # nothing is known to an empty yimad: every record names an
                # unknown location or code, and says so
                eq(applied, 0, f"{name}: applied")
                if records:
                    check("unknown site" in err or "no site has GLN" in err or
                          "not commissioned" in err, f"{name}: reasons: {err}")
                eq(err.count("skipped ("), skipped_events, f"{name}: skipped events: {err}")
        finally:
            d.close()

    def test_gs1_schema_takes_our_documents():
        """The documents of tests/data/epcis that are meant to be valid EPCIS
        2.0 are, by GS1's JSON schema; the refused events are not."""
        import jsonschema
        path = os.path.join(GS1_REFERENCE, "EPCIS-JSON-Schema.json")
        check(os.path.isfile(path), f"{path}: GS1's JSON schema is missing")
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        for name in ("chain.jsonld", "query.jsonld", "skipped.jsonld"):
            with open(os.path.join(DATA, name), encoding="utf-8") as f:
                doc = json.load(f)
            try:
                jsonschema.validate(doc, schema)
            except jsonschema.ValidationError as e:
                raise AssertionError(f"{name}: {e.message} at {list(e.absolute_path)}")
        with open(os.path.join(DATA, "refused.jsonld"), encoding="utf-8") as f:
            events = json.load(f)
        doc = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
               "type": "EPCISDocument", "schemaVersion": "2.0",
               "creationDate": "2026-03-10T08:00:00+08:00",
               "epcisBody": {"eventList": events[-1:]}}
        jsonschema.validate(doc, schema)
        for i, e in enumerate(events[:-1], 1):
            doc["epcisBody"]["eventList"] = [e]
            try:
                jsonschema.validate(doc, schema)
            except jsonschema.ValidationError:
                continue
            print(f"    refused.jsonld event {i}: valid by the schema (refused by yima only)")
