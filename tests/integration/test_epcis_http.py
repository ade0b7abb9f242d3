"""The GS1 EPCIS 2.0 REST binding on the HTTP side (proto/HTTP.md, "EPCIS"):
POST /epcis/capture of the project's own documents (tests/data/epcis, their
dates moved to the test's day), the capture job's result, and GET
/epcis/events giving back every event; a query document captured into a
second yimad gives the same events again; the same document posted twice
applies once; bad documents and refused events change nothing and name
their event; pages follow Next-Page-Token and Link; who may capture and
see what.

With YIMA_GS1_REFERENCE naming GS1's EPCIS reference directory (make
test-gs1), test_gs1_* also validate every query document against GS1's
EPCIS 2.0 JSON schema and capture GS1's own example documents."""
import json
import os
import tempfile
import time
import urllib.parse

from harness import TODAY, Error, Yimad, check, eq, free_port
from secutil import token_line, write_acl
from test_http import call
from test_load import DATA, DATA_DAY, dated, load, state

GS1_REFERENCE = os.environ.get("YIMA_GS1_REFERENCE")
TOKENS = {"mfr": ("manufacturer", "MFR"), "dist": ("distributor", "DIST"),
          "ph1": ("pharmacy", "PH1"), "reg": ("regulator", "-")}
S = "urn:epc:id:sgtin:6901234.056789."
DL = "https://id.gs1.org"


def epcis_yimad():
    """A yimad with HTTP, a token per role, and the documents' sites and
    products (loaded by the local principal)."""
    d = Yimad("--http-port", str(free_port()))
    path = write_acl(d, [token_line(n, role, site, f"secret-{n}")
                         for n, (role, site) in TOKENS.items()])
    d.flags += ["--acl-file", path]
    d.restart()
    rc, out, err = load(d, os.path.join(DATA, "sites.csv"), os.path.join(DATA, "products.csv"))
    eq(rc, 0, f"sites and products: {out}{err}")
    return d


def secret(name):
    return f"secret-{name}" if name else None


def post(d, doc, who=None, raw=None, headers=None):
    """(status, answer, headers) of POST /epcis/capture."""
    return call(d, "POST", "/epcis/capture", raw=raw if raw is not None else json.dumps(doc),
                token=secret(who), headers=headers)


def job_result(d, status, answer, hdrs, who=None):
    """The finished job of an accepted capture (polled: at most 30 s)."""
    eq(status, 202, f"capture: {answer}")
    where = hdrs["Location"]
    eq(where, f"/epcis/capture/{answer['captureID']}", "Location")
    deadline = time.monotonic() + 30
    while True:
        status, job, _ = call(d, "GET", where, token=secret(who))
        eq(status, 200, f"GET {where}: {job}")
        if not job["running"]:
            return job
        check(time.monotonic() < deadline, f"job still running: {job}")
        time.sleep(0.02)


def captured(d, doc, who=None):
    return job_result(d, *post(d, doc, who), who=who)


def pages(d, params="", who=None, per_page=5, via_link=False):
    """Every page of GET /epcis/events: [query document]."""
    docs = []
    path = f"/epcis/events?perPage={per_page}" + (f"&{params}" if params else "")
    while True:
        status, doc, hdrs = call(d, "GET", path, token=secret(who))
        eq(status, 200, f"GET {path}: {doc}")
        eq(doc["type"], "EPCISQueryDocument", "the document's type")
        docs.append(doc)
        token = hdrs.get("Next-Page-Token")
        check(len(docs) < 200, "pages without end")
        if token is None:
            check("Link" not in hdrs, "a Link on the last page")
            return docs
        link = hdrs["Link"]
        check(link.startswith("</epcis/events?") and link.endswith('>; rel="next"'), link)
        if via_link:
            path = link[1:link.index(">")]
        else:
            path = f"/epcis/events?perPage={per_page}&nextPageToken={token}" + \
                   (f"&{params}" if params else "")
        check(f"nextPageToken={token}" in link, f"the Link names the token: {link}")


def events_of(docs):
    return [e for doc in docs for e in doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


def all_events(d, params="", who=None):
    return events_of(pages(d, params, who, per_page=1000))


def test_capture_then_query_round_trip():
    """chain.jsonld captured: the job applies its 26 events; the query
    gives 26 events, in order, each the captured event's step, time and
    codes; that query document captured into a second yimad gives the same
    events again."""
    with tempfile.TemporaryDirectory() as tmp:
        path = dated(tmp, "chain.jsonld")
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    d = epcis_yimad()
    d2 = None
    try:
        job = captured(d, doc)
        eq((job["success"], job["events"], job["applied"], job["replayed"], job["skipped"],
            job["errors"]), (True, 26, 26, False, {}, []), f"the job: {job}")
        check(job["finishedAt"] >= job["createdAt"], job)
        got = events_of(pages(d, per_page=5))
        eq(len(got), 26, "every event, 5 a page")
        sent = doc["epcisBody"]["eventList"]
        for i, (a, b) in enumerate(zip(sent, got), 1):
            eq(b["eventTime"][:16], utc(a["eventTime"])[:16], f"event {i}: eventTime")
            eq(b["eventTimeZoneOffset"], "+08:00", f"event {i}: offset")
            eq(b["type"], a["type"], f"event {i}: type")
            codes = a.get("epcList") or a.get("childEPCs") or []
            if a["type"] == "AggregationEvent" and not codes:
                # An unpacking of everything: what the packing put in.
                codes = next(p["childEPCs"] for p in sent if p.get("action") == "ADD" and
                             p.get("parentID") == a["parentID"])
                eq(key(b["parentID"]), key(a["parentID"]), f"event {i}: parentID")
            shown = b.get("epcList") or b.get("childEPCs") or []
            eq(sorted(key(c) for c in shown), sorted(key(c) for c in codes),
               f"event {i}: codes")
        # S1's events: commissioned, packed twice (once as a child), ...
        s1 = all_events(d, "MATCH_epc=" + urllib.parse.quote(S + "S1"))
        eq([e["bizStep"] for e in s1], ["commissioning", "packing", "unpacking", "dispensing"],
           "MATCH_epc of S1")

        # The query document, captured again elsewhere, gives itself back.
        d2 = epcis_yimad()
        full = pages(d, per_page=1000)[0]
        job = captured(d2, full)
        eq((job["success"], job["applied"]), (True, 26), f"the query document captured: {job}")
        again = all_events(d2)
        first = all_events(d)
        eq(len(again), 26, "every event in the second yimad")
        for i, (a, b) in enumerate(zip(first, again), 1):
            a, b = dict(a), dict(b)
            # An eventID is the event's link in the hash chain: the same
            # history gives the same ids, until event 14, the first whose
            # delivery note came back as a URI (urn:yima:ref:DN-200).
            eq(a.pop("eventID") == b.pop("eventID"), i < 14, f"event {i}: the same eventID")
            eq(b, a, f"event {i} after a round trip")
    finally:
        d.close()
        if d2:
            d2.close()


def utc(t):
    """An ISO 8601 time with an offset, in UTC ("...Z")."""
    import datetime
    x = datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
    return x.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z"


def gs1_check(digits):
    s = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(digits)))
    return str((10 - s % 10) % 10)


def key(code):
    """A code as one canonical text, whatever its form here: EPC URN,
    Digital Link, CN digits."""
    if code.startswith("urn:epc:id:sgtin:"):
        cp, ref, serial = code[17:].split(".")
        gtin = ref[0] + cp + ref[1:]
        return f"(01){gtin}{gs1_check(gtin)}(21){serial}"
    if code.startswith("urn:epc:id:sscc:"):
        cp, ref = code[16:].split(".")
        sscc = ref[0] + cp + ref[1:]
        return f"(00){sscc}{gs1_check(sscc)}"
    if code.startswith(DL + "/01/"):
        parts = code[len(DL) + 1:].split("/")
        return f"(01){parts[1]}(21){urllib.parse.unquote(parts[3])}"
    if code.startswith(DL + "/00/"):
        return f"(00){code[len(DL) + 4:]}"
    return code


def test_same_document_twice_applies_once():
    """The same document posted again by the same principal is answered
    from the first capture (replayed) and changes nothing; posted by
    another principal it is that principal's to apply, and refused there
    (the codes exist)."""
    with tempfile.TemporaryDirectory() as tmp:
        with open(dated(tmp, "chain.jsonld"), encoding="utf-8") as f:
            doc = json.load(f)
    d = epcis_yimad()
    try:
        eq(captured(d, doc)["applied"], 26, "first capture")
        before, n = state(d), len(all_events(d))
        job = captured(d, doc)
        eq((job["success"], job["applied"], job["replayed"]), (True, 0, True),
           f"posted again: {job}")
        eq(state(d), before, "nothing applied twice")
        eq(len(all_events(d)), n, "no event twice")
        # The same events in other bytes are another document: refused
        # where it repeats, naming the event.
        job = captured(d, doc["epcisBody"]["eventList"])
        eq((job["success"], job["applied"], job["replayed"]), (False, 0, False), f"{job}")
        eq(job["errors"][0]["event"], 1, f"the first event repeats: {job}")
        check("already" in job["errors"][0]["error"] or "exist" in job["errors"][0]["error"],
              job["errors"])
        eq(state(d), before, "nothing changed")
    finally:
        d.close()


def test_bad_documents_change_nothing():
    """Not JSON, not EPCIS, events that cannot be read: 400 at once with
    what is wrong and where; a body that is not JSON by its type: 415; an
    event yima refuses (shipping what was never commissioned): the job
    names it, and the events before it are not applied either."""
    d = epcis_yimad()
    try:
        before = state(d)
        status, r, _ = post(d, None, raw='{"type": "EPCISDocument",\n "epcisBody": [}')
        eq(status, 400, f"not JSON: {r}")
        check(r["error"].startswith("document:2:") and "invalid JSON" in r["error"], r)
        status, r, _ = post(d, {"type": "EPCISDocument", "epcisBody": {"events": []}})
        eq((status, r["error"]), (400, "document: not an EPCIS document (no "
                                       "epcisBody.eventList, not an array of events)"), r)
        status, r, _ = post(d, {"epcisBody": {"eventList": {"a": 1}}})
        eq((status, r["error"]), (400, "document: eventList is not an array"), r)
        with tempfile.TemporaryDirectory() as tmp:
            with open(dated(tmp, "refused.jsonld"), encoding="utf-8") as f:
                refused = json.load(f)
        status, r, _ = post(d, refused)
        eq(status, 400, f"refused.jsonld: {r}")
        eq(r["error"], "14 events of the document cannot be read; nothing was captured", r)
        eq([e["event"] for e in r["errors"]], list(range(1, 15)), "each event named")
        eq(r["errors"][1]["error"], "document: event 2: no eventTime", r["errors"][1])
        status, r, _ = post(d, refused, headers={"Content-Type": "text/plain"})
        eq((status, r["code"]), (415, "ERR"), r)
        check("application/ld+json" in r["error"], r)

        good = refused[-1]      # destroys S4 at MFR: S4 is not commissioned here
        commission = {"type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
                      "eventTime": good["eventTime"], "eventTimeZoneOffset": "+08:00",
                      "epcList": [S + "X1"],
                      "bizLocation": {"id": "urn:epc:id:sgln:6901234.00001.0"},
                      "ilmd": {"cbvmda:lotNumber": "X", "cbvmda:itemExpirationDate":
                               TODAY.replace(year=TODAY.year + 2).isoformat()}}
        job = captured(d, [commission, good])
        eq((job["success"], job["applied"]), (False, 0), f"an event refused: {job}")
        e = job["errors"][0]
        eq(e["event"], 2, f"the event named: {job}")
        check("DESTROY" in e["error"] and "not commissioned" in e["error"], e)
        eq(state(d), before, "nothing changed, not even event 1")
        eq(all_events(d), [], "no event stored")
    finally:
        d.close()


def test_pages_follow_next_page_token():
    """perPage events a page; the Next-Page-Token header, the Link header
    and the nextPageToken parameter walk every event once, in order; a
    filter keeps its pages; parameters it does not take are refused,
    naming those it does."""
    with tempfile.TemporaryDirectory() as tmp:
        with open(dated(tmp, "chain.jsonld"), encoding="utf-8") as f:
            doc = json.load(f)
    d = epcis_yimad()
    try:
        captured(d, doc)
        whole = all_events(d)
        eq(len(whole), 26, "one page of all")
        for per_page, via_link in ((4, False), (7, True), (26, False)):
            docs = pages(d, per_page=per_page, via_link=via_link)
            eq(len(docs), (26 + per_page - 1) // per_page, f"pages of {per_page}")
            eq(events_of(docs), whole, f"pages of {per_page}")
            check(all(len(events_of([x])) == per_page for x in docs[:-1]), "full pages")
        ships = events_of(pages(d, "EQ_bizStep=shipping", per_page=1, via_link=True))
        eq([e["bizStep"] for e in ships], ["shipping"] * 4, "shipping events, 1 a page")
        status, r, _ = call(d, "GET", "/epcis/events?nextPageToken=bogus")
        eq(status, 400, f"a token this server did not give: {r}")
        check("not a page token" in r["error"], r)
        status, r, _ = call(d, "GET", "/epcis/events?EQ_bizStep=shipping&eventType=ObjectEvent")
        eq(status, 400, r)
        check("unknown key 'eventType'" in r["error"] and "MATCH_epc" in r["error"] and
              "nextPageToken" in r["error"], r)
        status, r, _ = call(d, "GET", "/epcis/events?perPage=1001")
        eq(status, 400, f"perPage over 1000: {r}")
    finally:
        d.close()


def test_who_may_capture_and_see_what():
    """A pharmacy's token may not capture a manufacturer's commissioning
    (403, naming the event, nothing changed); the manufacturer may; a job
    is its principal's only; a pharmacy sees the events at or with its
    site, a regulator every event."""
    d = epcis_yimad()
    try:
        event = {"type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
                 "eventTime": f"{TODAY.isoformat()}T09:00:00+08:00",
                 "eventTimeZoneOffset": "+08:00", "epcList": [S + "Q1", S + "Q2"],
                 "bizLocation": {"id": f"{DL}/414/6901234000016"},
                 "ilmd": {"cbvmda:lotNumber": "Q", "cbvmda:itemExpirationDate":
                          TODAY.replace(year=TODAY.year + 2).isoformat()}}
        ship = {"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
                "eventTime": f"{TODAY.isoformat()}T10:00:00+08:00",
                "eventTimeZoneOffset": "+08:00", "epcList": [S + "Q1"],
                "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.0"},
                "destinationList": [{"type": "location",
                                     "destination": "urn:epc:id:sgln:6901234.00003.0"}]}
        before = state(d)
        status, r, _ = post(d, [event, ship], who="ph1")
        eq((status, r["code"]), (403, "NOPERM"), f"a pharmacy commissioning: {r}")
        check(r["error"].startswith("event 1: pharmacy 'ph1' may not run COMMISSION"), r)
        eq(state(d), before, "nothing changed")
        status, r, _ = post(d, [event], who="dist")
        eq((status, r["code"]), (403, "NOPERM"), f"a distributor for MFR: {r}")
        check("event 1: COMMISSION: SITE must be your own site DIST" in r["error"], r)

        status, r, hdrs = post(d, [event, ship], who="mfr")
        job = job_result(d, status, r, hdrs, who="mfr")
        eq((job["success"], job["applied"]), (True, 2), f"the manufacturer's: {job}")
        where = hdrs["Location"]
        for other in ("ph1", "reg", None):
            status, r, _ = call(d, "GET", where, token=secret(other))
            eq(status, 404, f"the job to {other or 'the local principal'}: {r}")

        # A receipt at PH1 by the pharmacy: its own event.
        receive = {"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "receiving",
                   "eventTime": f"{TODAY.isoformat()}T11:00:00+08:00",
                   "eventTimeZoneOffset": "+08:00", "epcList": [S + "Q1"],
                   "bizLocation": {"id": f"{DL}/414/6901234000030"}}
        eq(captured(d, [receive], who="ph1")["applied"], 1, "the pharmacy's receipt")
        steps = [e["bizStep"] for e in all_events(d, who="ph1")]
        eq(steps, ["shipping", "receiving"], "what PH1 sees: its shipment in, its receipt")
        steps = [e["bizStep"] for e in all_events(d, who="reg")]
        eq(steps, ["commissioning", "shipping", "receiving"], "what a regulator sees")
        eq([e["bizStep"] for e in all_events(d, who="mfr")], ["commissioning", "shipping",
                                                              "receiving"],
           "MFR sees its events and the receipt of what it shipped")
        status, r, _ = call(d, "GET", "/epcis/events", token="not-a-token")
        eq(status, 401, f"a wrong token: {r}")
    finally:
        d.close()


# ------------------------------------------------ GS1's own (test-gs1)

if GS1_REFERENCE:
    def gs1_schema():
        path = os.path.join(GS1_REFERENCE, "EPCIS-JSON-Schema.json")
        check(os.path.isfile(path), f"{path}: GS1's JSON schema is missing")
        with open(path, encoding="utf-8") as f:
            return json.load(f)

    def test_gs1_query_documents_are_valid():
        """Every page of every query, after the project's documents and a
        recall, lock, sale and undone sale, validates against GS1's EPCIS
        2.0 JSON schema (date-time formats checked too); a spoiled copy
        does not."""
        import jsonschema
        schema = gs1_schema()
        checker = jsonschema.FormatChecker()
        d = epcis_yimad()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                for name in ("chain.jsonld", "query.jsonld"):
                    with open(dated(tmp, name), encoding="utf-8") as f:
                        job = captured(d, json.load(f))
                    check(job["success"], f"{name}: {job}")
            c = d.connect()
            c.call("HELLO", "3")
            eq(c.call("DISPENSE", "83012340000000025678", "SITE", "PH2", "TX", "T9")[b"verdict"],
               b"amber", "a sale (near expiry)")
            for words in (("UNDO", "83012340000000025678", "SITE", "PH2", "TX", "T9"),
                          ("RECALL", "8301234", "C1", "LEVEL", "2", "REASON", "mould"),
                          ("RECALL.ACK", "8301234", "C1", "SITE", "PH2"),
                          ("LIFT", "8301234", "C1", "REASON", "false alarm"),
                          ("WITHDRAW", "8309876", "REASON", "gone"),
                          ("LOCK", S + "S4", "REASON", "stolen"),
                          ("UNLOCK", S + "S4", "REASON", "found")):
                check(not isinstance(c.call(*words), Error), f"{words}")
            n = 0
            for params in ("", "EQ_bizStep=dispensing", "MATCH_anyEPC=" +
                           urllib.parse.quote("urn:epc:id:sscc:6901234.0000000001")):
                for doc in pages(d, params, per_page=3):
                    jsonschema.validate(doc, schema, format_checker=checker)
                    n += len(events_of([doc]))
            check(n > 30, f"{n} events validated")
            steps = {e["bizStep"] for e in all_events(d)}
            check({"commissioning", "packing", "unpacking", "shipping", "receiving",
                   "dispensing", "destroying", "holding"} <= steps, steps)
            check(any("errorDeclaration" in e for e in all_events(d)), "the undone sale")
            doc = pages(d, per_page=2)[0]
            doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["action"] = "MOVE"
            try:
                jsonschema.validate(doc, schema, format_checker=checker)
            except jsonschema.ValidationError:
                pass
            else:
                raise AssertionError("the schema took an event with action MOVE")
        finally:
            d.close()

    # GS1's example documents: (status of the capture, events applied,
    # events skipped).  Their places and codes are not this yimad's: the
    # ones that map events are refused, naming the event.
    EXAMPLES = {
        "ErrorDeclarationAndCorrectiveEvent.jsonld": (202, 0, 2),
        "Example-TransactionEvents-2020_07_03y.jsonld": (202, 0, 2),
        # A shipping event without destinationList: a shipment to a
        # destination not known, read, and refused by the job (its places).
        "Example_9.6.1-ObjectEvent.jsonld": (202, 0, 0),
        "Example_9.6.1-ObjectEventWithDigitalLink.jsonld": (202, 0, 0),
        "Example_9.6.2-ObjectEvent.jsonld": (202, 0, 0),
        "Example_9.6.3-AggregationEvent.jsonld": (202, 0, 1),
        "Example_9.6.3-AggregationEventWithDigitalLink.jsonld": (202, 0, 1),
        "PersistentDisposition-example.jsonld": (202, 0, 1),
        "aggregation_event_all_possible_fields.jsonld": (202, 0, 1),
        "object_event_all_possible_fields.jsonld": (202, 0, 1),
    }

    def test_gs1_example_documents_captured():
        """GS1's own example documents, posted as they are: each is read,
        its unusable events skipped by reason, an unreadable event refused
        at once (400, naming it), and a usable one refused by the job
        (naming the event: its places are not this yimad's sites);
        nothing changes."""
        d = epcis_yimad()
        try:
            before = state(d)
            for name, (want, applied, skipped) in EXAMPLES.items():
                path = os.path.join(GS1_REFERENCE, name)
                check(os.path.isfile(path), f"GS1's document {path} is missing")
                with open(path, "rb") as f:
                    body = f.read()
                status, r, hdrs = post(d, None, raw=body,
                                       headers={"Content-Type": "application/ld+json"})
                eq(status, want, f"{name}: {r}")
                if status == 400:
                    eq(r["errors"][0]["event"], 1, f"{name}: the event named: {r}")
                    continue
                job = job_result(d, status, r, hdrs)
                eq((job["applied"], sum(job["skipped"].values())), (applied, skipped),
                   f"{name}: {job}")
                mapped = job["events"] - skipped
                eq(job["success"], mapped == 0, f"{name}: {job}")
                if mapped:
                    e = job["errors"][0]
                    check(e["event"] >= 1 and ("site" in e["error"] or "GLN" in e["error"]
                                               or "commissioned" in e["error"]), f"{name}: {e}")
            eq(state(d), before, "GS1's examples changed nothing here")
        finally:
            d.close()


def test_capture_of_a_warm_shipment_breaks_the_cold_chain():
    """A shipping ObjectEvent whose sensorElementList has a gs1:Temperature
    reading outside the product's 2-8 °C: its units answer RED
    cold_chain_break, an alert is stored, TRACE shows the reading and the
    break; one inside the range marks nothing; a malformed
    sensorElementList is refused at once (400, naming the report) and
    changes nothing."""
    d = epcis_yimad()
    try:
        c = d.connect()
        c.call("HELLO", "3")
        eq(c.call("PRODUCT", "SET", "06901234567892", "storage_min_c", "2", "storage_max_c",
                  "8"), "OK", "storage range")
        when = f"{TODAY.isoformat()}T09:00:00+08:00"
        mfr, dist = "urn:epc:id:sgln:6901234.00001.0", "urn:epc:id:sgln:6901234.00002.0"

        def event(step, codes, **extra):
            e = {"type": "ObjectEvent", "eventTime": when, "eventTimeZoneOffset": "+08:00",
                 "action": "ADD" if step == "commissioning" else "OBSERVE", "bizStep": step,
                 "epcList": [S + x for x in codes]}
            if step == "commissioning":
                e.update(bizLocation={"id": mfr}, ilmd={
                    "cbvmda:lotNumber": "V1", "cbvmda:itemExpirationDate":
                    TODAY.replace(year=TODAY.year + 2).isoformat()})
            else:
                e.update(readPoint={"id": mfr}, sourceList=[{"type": "location", "source": mfr}],
                         destinationList=[{"type": "location", "destination": dist}])
            e.update(extra)
            return e

        def temperature(**report):
            return [{"sensorMetadata": {"time": when},
                     "sensorReport": [dict({"type": "gs1:Temperature", "uom": "CEL"}, **report)]}]

        job = captured(d, [event("commissioning", ["W1", "W2", "C1"]),
                           event("shipping", ["W1", "W2"],
                                 sensorElementList=temperature(minValue=3.5, maxValue=14.5)),
                           event("shipping", ["C1"], sensorElementList=temperature(value=5))])
        eq((job["success"], job["applied"]), (True, 3), f"the job: {job}")
        w1, c1 = key(S + "W1"), key(S + "C1")
        v = c.call("VERIFY", w1)
        eq((v[b"verdict"], v[b"reasons"]), (b"red", [b"in_transit", b"cold_chain_break"]),
           f"warm: {v}")
        check("3.5–14.5 °C".encode() in v[b"message"] and b"to DIST" in v[b"message"],
              f"the message names the reading and the place: {v[b'message']}")
        v = c.call("VERIFY", c1)
        eq((v[b"verdict"], v[b"reasons"]), (b"amber", [b"in_transit"]), f"in range: {v}")
        alerts = [a for a in c.call("ALERTS") if a[b"kind"] == b"cold_chain_break"]
        eq(sorted(a[b"code"] for a in alerts), sorted([w1.encode(), key(S + "W2").encode()]),
           f"one alert per code shipped warm: {alerts}")
        t = c.call("TRACE", w1)
        eq((t[b"cold_chain"][b"status"], t[b"cold_chain"][b"reading"]),
           (b"break", "3.5–14.5 °C".encode()), f"TRACE: {t[b'cold_chain']}")
        eq(t[b"events"][-1][b"temp"], "3.5–14.5 °C".encode(), f"TRACE's shipment: {t}")
        check(b"cold_chain" not in c.call("TRACE", c1), "no break in range")

        before = state(d)
        for report, says in (({"value": 30, "uom": "MTR"}, "uom 'MTR' is not a temperature"),
                             ({"value": "warm"}, "sensorReport[0]")):
            status, r, _ = post(d, [event("receiving", ["C1"], bizLocation={"id": dist},
                                          sensorElementList=temperature(**report))])
            eq(status, 400, f"{report}: {r}")
            check(says in json.dumps(r) and "sensorElementList[0]" in json.dumps(r),
                  f"{report}: names the report: {r}")
        eq(state(d), before, "nothing changed")
        eq(c.call("VERIFY", c1, "SITE", "DIST")[b"reasons"], [b"in_transit"], "still shipped")
    finally:
        d.close()
