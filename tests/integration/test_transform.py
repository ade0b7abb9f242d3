"""Repackaging (TRANSFORM, `yima transform`, EPCIS TransformationEvent)
against the real daemon: inputs consumed and outputs commissioned, TRACE of
either side showing the other, a recall of an input lot reaching the
outputs (VERIFY RED recalled naming the lot, IMPACT listing the derived
lot, over RESP, the CLI and HTTP), an EPCIS TransformationEvent loaded with
`yima load` and captured over HTTP and given back by the EPCIS query, and
bad input refused with a clear error, changing nothing."""
import json
import os
import re
import tempfile
import urllib.parse

from harness import Error, Yimad, check, day, eq, free_port
from test_epcis_http import all_events, captured, epcis_yimad, job_result, key
from test_http import call
from test_load import load, load_counts, state
from test_verdicts import chain, cn, ok, verdict

SPLIT = "8305555"


def out(i):
    return f"{SPLIT}{i:013d}"


def xform_step(trace):
    """The transform event of a TRACE reply (there is one)."""
    steps = [e for e in trace[b"events"] if e[b"event"] == b"transform"]
    eq(len(steps), 1, f"one transform step: {trace[b'events']}")
    return steps[0]


def codes(side):
    return [(x[b"code"].decode(), x[b"product"].decode(), x[b"lot"].decode()) for x in side]


def test_transform_trace_recall_impact():
    d = Yimad("--http-port", str(free_port()))
    try:
        c = chain(d, [cn(i) for i in range(1, 5)], to=None)	# at MFR, lot L1
        eq(c.call("PRODUCT", "SET", SPLIT, "name", "Amoxicillin split", "kind", "drug"), "OK",
           "PRODUCT SET")
        # The CLI sends TRANSFORM; its reply as JSON.
        rc, o, e = d.yima("--json", "transform", "--inputs", f"{cn(1)},{cn(2)}", "--outputs",
                          ",".join(out(i) for i in (1, 2, 3)), "--site", "MFR", "--lot", "S1",
                          "--expiry", day(300), "--ref", "RP-7")
        eq(rc, 0, f"yima transform: {o}{e}")
        r = json.loads(o)
        eq((r["codes"], r["outputs"], r["level"]), (2, 3, 1), "the reply")
        eq(verdict(c.call("VERIFY", cn(1))), ("red", ["transformed"]), "an input")
        eq(verdict(c.call("VERIFY", out(1), "SITE", "MFR")), ("green", []), "an output")
        # TRACE of an output: what it was made from.
        t = ok(c.call("TRACE", out(1)))
        s = xform_step(t)
        eq((s[b"side"], s[b"site"], s[b"ref"], s[b"input_count"], s[b"output_count"]),
           (b"output", b"MFR", b"RP-7", 2, 3), "the output's transform step")
        eq(codes(s[b"inputs"]), [(cn(1), "8301234", "L1"), (cn(2), "8301234", "L1")],
           "the inputs and their lot")
        eq([e[b"event"] for e in t[b"events"]][:2], [b"commission", b"transform"],
           "made, then the repackaging")
        # TRACE of an input: what it became.
        s = xform_step(ok(c.call("TRACE", cn(2))))
        eq(s[b"side"], b"input", "the input's side")
        eq(codes(s[b"outputs"]), [(out(i), SPLIT, "S1") for i in (1, 2, 3)], "the outputs")
        rc, o, e = d.yima("trace", out(1))
        eq(rc, 0, f"yima trace: {e}")
        check(f"made from 2 codes: {cn(1)} (8301234 lot L1), {cn(2)} (8301234 lot L1)" in o,
              f"yima trace of an output names its inputs: {o}")
        rc, o, e = d.yima("trace", cn(1))
        check(f"into 3 codes: {out(1)} ({SPLIT} lot S1)" in o, f"and of an input: {o}")
        # An output moves on; the input lot is recalled: the outputs are too.
        ok(c.call("SHIP", out(2), "FROM", "MFR", "TO", "PH1"))
        ok(c.call("RECEIVE", out(2), "SITE", "PH1"))
        ok(c.call("RECALL", "8301234", "L1", "LEVEL", "1", "REASON", "impurity"))
        r = c.call("VERIFY", out(2), "SITE", "PH1")
        eq(verdict(r), ("red", ["recalled"]), "an output of a recalled input lot")
        check(b"repackaged from lot L1 of product 8301234" in r[b"message"], f"named: {r}")
        t = ok(c.call("TRACE", out(2)))
        eq((t[b"recalled"], t[b"recalled_source"][b"lot"]), (True, b"L1"), "TRACE says why")
        # IMPACT of the input lot lists the derived lot and counts its units.
        imp = ok(c.call("IMPACT", "8301234", "L1"))
        eq((imp[b"totals"][b"transformed"], imp[b"totals"][b"derived_units"],
            imp[b"totals"][b"units"]), (2, 3, 4), "IMPACT totals")
        eq(len(imp[b"derived"]), 1, f"one derived lot: {imp[b'derived']}")
        dv = imp[b"derived"][0]
        eq((dv[b"product"], dv[b"lot"], dv[b"from_lot"], dv[b"units"], dv[b"in_stock"]),
           (SPLIT.encode(), b"S1", b"L1", 3, 3), "the derived lot")
        mfr = [x for x in imp[b"sites"] if x[b"site"] == b"MFR"][0]
        eq(mfr[b"transformed"], 2, "MFR repackaged two")
        rc, o, e = d.yima("impact", "8301234", "L1")
        check("repackaged into 1 lot (3 units" in o and f"{SPLIT}" in o, f"yima impact: {o}")
        # The picture: the derived lot a node of its own, with its units,
        # linked from the recalled lot; the same drawn by Graphviz.
        rc, o, e = d.yima("impact", "8301234", "L1", "--dot")
        eq(rc, 0, f"yima impact --dot: {e}")
        node = re.search(r'^    "lot 8305555 S1" \[label="([^"]*)".*$', o, re.M)
        check(node, f"the derived lot's node: {o}")
        eq(node.group(1), "8305555 lot S1\\n3 units: stock 3, in transit 0, sold 0, "
           "destroyed 0\\nRECALLED with its source", "its label: units by status")
        check("color=red" in node.group(0), f"drawn recalled: {node.group(0)}")
        check('label="repackaged: 1 lot, 3 units"' in o, f"the cluster: {o}")
        check('"lot 8301234 L1" [label="8301234 lot L1\\n4 units\\nRECALLED"' in o,
              f"the source lot's node: {o}")
        check('"lot 8301234 L1" -> "lot 8305555 S1" [label="repackaged into 3"' in o,
              f"linked from the source lot: {o}")
        svg = os.path.join(d.tmp, "impact.svg")
        rc, _, e = d.yima("impact", "8301234", "L1", "--svg", svg)
        eq(rc, 0, f"yima impact --svg: {e}")
        with open(svg, encoding="utf-8") as f:
            picture = f.read()
        check("8305555 lot S1" in picture and "repackaged into 3" in picture,
              "Graphviz drew the derived lot and its link")
        st, dot, _ = call(d, "GET", "/v1/impact?product=8301234&lot=L1&format=dot")
        check(st == 200 and '-> "lot 8305555 S1"' in dot, f"GET /v1/impact?format=dot: {st}")
        # The HTTP side answers the same.
        status, j, _ = call(d, "GET", "/v1/impact?product=8301234&lot=L1")
        eq((status, [(x["lot"], x["units"]) for x in j["derived"]]), (200, [("S1", 3)]),
           "GET /v1/impact")
        status, j, _ = call(d, "GET", "/v1/trace?code=" + out(3))
        step = [x for x in j["events"] if x["event"] == "transform"][0]
        eq((status, step["side"], [x["code"] for x in step["inputs"]]),
           (200, "output", [cn(1), cn(2)]), "GET /v1/trace")
        c.close()
    finally:
        d.close()


def test_bad_transforms_change_nothing():
    d = Yimad()
    try:
        c = chain(d, [cn(i) for i in range(1, 5)], to=None)
        ok(c.call("SHIP", cn(3), "FROM", "MFR", "TO", "PH1"))
        eq(c.call("PRODUCT", "SET", SPLIT, "name", "split", "kind", "drug"), "OK", "PRODUCT")
        before = state(d, c)
        tail = ["SITE", "MFR", "LOT", "S1", "EXPIRY", day(300)]
        cases = (
            (["INPUTS", cn(9), "OUTPUTS", out(1)] + tail,
             f"INPUTS code 1 ({cn(9)}) is not commissioned"),
            (["INPUTS", cn(1), cn(3), "OUTPUTS", out(1)] + tail, "INPUTS code 2 ("),
            (["INPUTS", cn(1), "OUTPUTS", out(1), cn(4)] + tail,
             f"OUTPUTS code 2 ({cn(4)}) is already commissioned"),
            (["INPUTS", "OUTPUTS", out(1), out(2)] + tail, "INPUTS needs at least one code"),
            (["INPUTS", cn(1), cn(2), "OUTPUTS"] + tail, "OUTPUTS needs at least one code"),
            (["INPUTS", cn(1), "OUTPUTS", out(1), "SITE", "MFR", "LOT", "S1", "EXPIRY",
              "2029-13-01"], "EXPIRY"),
            (["INPUTS", cn(1), "OUTPUTS", out(1), "SITE", "PH1", "LOT", "S1", "EXPIRY",
              day(300)], "PH1"),
        )
        for args, want in cases:
            r = c.call("TRANSFORM", *args)
            check(isinstance(r, Error) and want in r, f"TRANSFORM {args}: {r!r}, want {want}")
            eq(state(d, c), before, f"nothing changed by TRANSFORM {args}")
        eq(verdict(c.call("VERIFY", cn(1), "SITE", "MFR")), ("green", []), "the input as was")
        check(isinstance(c.call("TRACE", out(1)), Error), "no output made")
        # The CLI: a code that is no code, an empty one, a missing option:
        # usage (exit 2), nothing sent.
        for args, want in (
                (["--inputs", "12x", "--outputs", out(1)], "--inputs: code 1:"),
                (["--inputs", f"{cn(1)},", "--outputs", out(1)], "--inputs: code 2 is empty"),
                (["--inputs", cn(1)], "--outputs is required")):
            rc, o, e = d.yima("transform", *args, "--site", "MFR", "--lot", "S1",
                              "--expiry", day(300))
            check(rc == 2 and want in e, f"yima transform {args}: {rc} {e}")
        rc, o, e = d.yima("transform", "--inputs", cn(1), "--outputs", cn(4), "--site", "MFR",
                          "--lot", "S1", "--expiry", day(300))
        check(rc == 1 and "already commissioned" in e, f"refused by the server: {rc} {e}")
        eq(state(d, c), before, "nothing changed by the CLI")
        c.close()
    finally:
        d.close()


def test_csv_transform_loaded():
    """A `transform` row of an events file (FORMATS.md): yima load makes it
    TRANSFORM; a bad row is refused naming its line and column, and the
    file loads nothing."""
    d = Yimad()
    try:
        c = chain(d, [cn(i) for i in range(1, 5)], to=None)
        eq(c.call("PRODUCT", "SET", SPLIT, "name", "split", "kind", "drug"), "OK", "PRODUCT")
        hdr = "event,time,code,lot,expiry,from,ref,product,inputs,outputs\n"
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "bad.csv")
            with open(bad, "w") as f:
                f.write(hdr + f"transform,,,S1,{day(300)},MFR,,,{cn(1)}|{cn(2)},{out(1)}\n"
                        f"transform,,,S2,{day(300)},MFR,,,{cn(3)},{out(2)}||{out(3)}\n")
            before = state(d, c)
            rc, o, e = load(d, bad)
            check(rc == 2 and "bad.csv:3: column 'outputs': code 2 is empty" in e
                  and "nothing was loaded" in e, f"a bad transform row: {rc} {o}{e}")
            eq(state(d, c), before, "nothing changed by the bad file")
            good = os.path.join(tmp, "events.csv")
            with open(good, "w") as f:
                f.write(hdr + f"transform,{day(-1)}T09:00:00+08:00,,S1,{day(300)},MFR,RP-9,"
                        f"{SPLIT},{cn(1)}|{cn(2)},\"{out(1)}\n{out(2)}\n{out(3)}\"\n")
            rc, o, e = load(d, good)
        eq(rc, 0, f"yima load: {o}{e}")
        eq(load_counts(o)[:4], (1, 1, 0, 0), f"one record, one TRANSFORM: {o}")
        eq(verdict(c.call("VERIFY", cn(2))), ("red", ["transformed"]), "an input")
        s = xform_step(ok(c.call("TRACE", out(3))))
        eq((s[b"side"], s[b"ref"], s[b"input_count"], s[b"output_count"]),
           (b"output", b"RP-9", 2, 3), "TRACE of an output")
        eq(codes(s[b"inputs"]), [(cn(1), "8301234", "L1"), (cn(2), "8301234", "L1")], "inputs")
        c.close()
    finally:
        d.close()


S = "urn:epc:id:sgtin:6901234.056789."
MFR_SGLN = "urn:epc:id:sgln:6901234.00001.0"


def doc(*events):
    return {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": f"{day(-1)}T00:00:00Z", "epcisBody": {"eventList": list(events)}}


def transformation(inputs, outputs, lot, expiry, hour, **extra):
    ev = {"type": "TransformationEvent", "eventTime": f"{day(-1)}T{hour:02d}:00:00+08:00",
          "eventTimeZoneOffset": "+08:00", "bizStep": "repackaging",
          "inputEPCList": [S + x for x in inputs], "outputEPCList": [S + x for x in outputs],
          "bizLocation": {"id": MFR_SGLN},
          "ilmd": {"cbvmda:lotNumber": lot, "cbvmda:itemExpirationDate": expiry}}
    ev.update(extra)
    return ev


def test_epcis_transformation_loaded_captured_and_queried():
    d = epcis_yimad()
    try:
        commission = {"type": "ObjectEvent", "eventTime": f"{day(-1)}T08:00:00+08:00",
                      "eventTimeZoneOffset": "+08:00", "action": "ADD",
                      "bizStep": "commissioning", "epcList": [S + "X1", S + "X2", S + "X3"],
                      "bizLocation": {"id": MFR_SGLN},
                      "ilmd": {"cbvmda:lotNumber": "L7",
                               "cbvmda:itemExpirationDate": day(400)}}
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "repack.jsonld")
            with open(path, "w") as f:
                json.dump(doc(commission, transformation(["X1", "X2"], ["Y1", "Y2", "Y3"], "R1",
                                                         day(300), 9)), f)
            rc, o, e = load(d, path)
        eq(rc, 0, f"yima load: {o}{e}")
        eq(load_counts(o)[:4], (4, 4, 0, 0), f"4 records (3 codes, 1 transform): {o}")
        c = d.connect()
        c.call("HELLO", "3")
        eq(verdict(c.call("VERIFY", S + "X1")), ("red", ["transformed"]), "an input")
        s = xform_step(ok(c.call("TRACE", S + "Y1")))
        eq((s[b"side"], s[b"input_count"]), (b"output", 2), "TRACE of an output")
        # The query gives it back as a TransformationEvent.
        got = [e for e in all_events(d, "MATCH_epc=" + urllib.parse.quote(S + "Y2"))
               if e["type"] == "TransformationEvent"]
        eq(len(got), 1, "MATCH_epc of an output finds the transformation")
        ev = got[0]
        eq((ev["bizStep"], ev["disposition"], "action" in ev), ("repackaging", "active", False),
           "its step, disposition, no action")
        eq(sorted(key(x) for x in ev["inputEPCList"]), sorted(key(S + x) for x in ("X1", "X2")),
           "inputEPCList")
        eq(sorted(key(x) for x in ev["outputEPCList"]),
           sorted(key(S + x) for x in ("Y1", "Y2", "Y3")), "outputEPCList")
        eq((ev["ilmd"]["cbvmda:lotNumber"], ev["ilmd"]["cbvmda:itemExpirationDate"]),
           ("R1", day(300)), "ilmd: the outputs' lot")
        eq(ev["bizLocation"]["id"], ev["readPoint"]["id"], "bizLocation and readPoint")
        eq(ev["bizLocation"]["id"], "https://id.gs1.org/414/6901234000016", "MFR by its GLN")
        eq([e["type"] for e in all_events(d, "MATCH_epc=" + urllib.parse.quote(S + "X1"))],
           ["ObjectEvent", "TransformationEvent"], "MATCH_epc of an input")
        # Captured over HTTP: Y2 repackaged again, into lot R2.
        job = captured(d, doc(transformation(["Y2"], ["Z1"], "R2", day(200), 10)))
        eq((job["success"], job["applied"]), (True, 1), f"capture: {job}")
        eq(verdict(c.call("VERIFY", S + "Y2")), ("red", ["transformed"]), "Y2 consumed")
        # A bad TransformationEvent is refused, whole, and changes nothing.
        before = state(d, c)
        for bad, want in ((transformation(["X3"], [], "R3", day(200), 11),
                           "without outputEPCList"),
                          (transformation(["X3"], ["W1"], "R3", day(200), 11, ilmd={}),
                           "without ilmd lotNumber"),
                          (transformation(["X3"], ["Y1"], "R3", day(200), 11),
                           "already commissioned")):
            status, answer, hdrs = call(d, "POST", "/epcis/capture", body=doc(bad))
            if status == 202:	# read whole; refused when applied
                answer = job_result(d, status, answer, hdrs)
                check(not answer["success"], f"{want}: {answer}")
            check(want in json.dumps(answer), f"{want}: {status} {answer}")
            eq(state(d, c), before, f"nothing changed ({want})")
        eq(verdict(c.call("VERIFY", S + "X3", "SITE", "MFR")), ("green", []), "X3 as it was")
        ok(c.call("RECALL", "06901234567892", "L7", "LEVEL", "2", "REASON", "impurity"))
        eq(verdict(c.call("VERIFY", S + "Z1")), ("red", ["recalled"]), "two steps from L7")
        imp = ok(c.call("IMPACT", "06901234567892", "L7"))
        eq([x[b"lot"] for x in imp[b"derived"]], [b"R1", b"R2"], "IMPACT reaches both")
        rc, o, e = d.yima("impact", "06901234567892", "L7", "--dot")
        P = "06901234567892"
        for a, b, n in ((f"lot {P} L7", f"lot {P} R1", 3), (f"lot {P} R1", f"lot {P} R2", 1)):
            check(f'"{a}" -> "{b}" [label="repackaged into {n}"' in o, f"{a} -> {b}: {o}")
        check(re.search(rf'^    "lot {P} R1" \[label="{P} lot R1\\n3 units: stock 2, in '
                        r'transit 0, sold 0, destroyed 0, repackaged 1', o, re.M),
              f"R1 counts the unit repackaged again: {o}")
        c.close()
    finally:
        d.close()
