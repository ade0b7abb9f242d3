"""The cold chain (issue 21 item 2), against the real yimad: a shipment of a
2-8 °C vaccine whose reading was 14.5 °C marks every unit it carried (a
case's contents included) RED cold_chain_break at the counter, the reply
naming the reading, its time and place; an alert is stored; TRACE and
IMPACT show it; a regulator's COLDCHAIN RELEASE clears it; bad readings and
releases are refused and change nothing."""
import os
import tempfile

from harness import Yimad, check, day, eq, Error
from secutil import token_line


def cn(i):
    return "8305555%013d" % i


CASE = "8305555%013d" % 900


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def ok(r, what):
    check(not isinstance(r, Error), f"{what}: {r}")
    return r


def scene(c):
    """MFR, DIST, PH1; vaccine 8305555 at 2-8 °C and 8301234 without a range;
    units 1-3 of the vaccine packed in CASE with unit 10 of the other, and
    unit 4 of the vaccine loose; all at DIST."""
    for args in (("SITE", "SET", "MFR", "name", "Maker", "kind", "manufacturer"),
                 ("SITE", "SET", "DIST", "name", "Distributor", "kind", "distributor"),
                 ("SITE", "SET", "PH1", "name", "Pharmacy 1", "kind", "pharmacy"),
                 ("PRODUCT", "SET", "8305555", "name", "Hepatitis B vaccine", "kind", "drug",
                  "category", "vaccine", "storage_min_c", "2", "storage_max_c", "8"),
                 ("PRODUCT", "SET", "8301234", "name", "Amoxicillin", "kind", "drug")):
        ok(c.call(*args), args)
    vaccine = [cn(i) for i in range(1, 5)]
    other = "8301234%013d" % 10
    for cmd in (["COMMISSION", *vaccine, "SITE", "MFR", "PRODUCT", "8305555", "LOT", "V1",
                 "EXPIRY", day(400)],
                ["COMMISSION", other, "SITE", "MFR", "PRODUCT", "8301234", "LOT", "A1",
                 "EXPIRY", day(400)],
                ["PACK", CASE, cn(1), cn(2), cn(3), other, "SITE", "MFR"],
                ["SHIP", CASE, cn(4), "FROM", "MFR", "TO", "DIST", "TEMP", "4.5"],
                ["RECEIVE", CASE, cn(4), "SITE", "DIST", "TEMP", "3:7.5"]):
        r = ok(c.call(*cmd), cmd[0])
        if cmd[0] in ("SHIP", "RECEIVE"):
            eq(r[b"cold_chain_breaks"], 0, f"{cmd[0]} within range: {r}")
    return other


def test_a_warm_shipment_is_caught_at_the_counter_and_released_by_a_regulator():
    tmp = tempfile.mkdtemp(prefix="yima-cold-")
    acl = os.path.join(tmp, "acl")
    with open(acl, "w") as f:
        f.write(token_line("reg", "regulator", "-", "s-reg") +
                token_line("ph1", "pharmacy", "PH1", "s-ph1"))
    d = Yimad("--acl-file", acl)
    try:
        c = d.connect()
        c.call("HELLO", "3")
        other = scene(c)
        eq(text(c.call("VERIFY", cn(1), "SITE", "DIST")[b"verdict"]), "green", "before")
        # Bad readings: refused, nothing shipped.
        for bad, says in (("warm", "is not a temperature"), ("14.55", "is not a temperature"),
                          ("9:3", "lowest reading is above the highest"),
                          ("500", "from -200 to 100")):
            r = c.call("SHIP", CASE, cn(4), "FROM", "DIST", "TO", "PH1", "TEMP", bad)
            check(isinstance(r, Error) and says in str(r), f"TEMP {bad}: {r}")
        eq(text(c.call("VERIFY", cn(4), "SITE", "DIST")[b"status"]), "active",
           "a refused SHIP moved nothing")
        r = ok(c.call("SHIP", CASE, cn(4), "FROM", "DIST", "TO", "PH1", "TEMP", "14.5"),
               "warm SHIP")
        eq(r[b"cold_chain_breaks"], 4, f"three vaccines in the case and one loose: {r}")
        ok(c.call("RECEIVE", CASE, cn(4), "SITE", "PH1"), "RECEIVE")
        ok(c.call("UNPACK", CASE, "SITE", "PH1"), "UNPACK")
        # At the counter: RED, naming the reading, its time and place.
        ph = d.connect()
        ph.call("HELLO", "3")
        eq(ph.call("AUTH", "s-ph1"), "OK", "AUTH pharmacy")
        v = ph.call("VERIFY", cn(2), "SITE", "PH1")
        eq(text(v[b"verdict"]), "red", f"a warm vaccine: {v}")
        check("cold_chain_break" in [text(x) for x in v[b"reasons"]], f"{v}")
        msg = text(v[b"message"])
        t = c.call("TRACE", cn(2))
        shipped = [e for e in t[b"events"] if text(e[b"event"]) == "ship" and
                   text(e[b"to"]) == "PH1"]
        eq(len(shipped), 1, f"TRACE: the warm shipment: {t[b'events']}")
        eq(text(shipped[0][b"temp"]), "14.5 °C", f"TRACE shows the reading: {shipped[0]}")
        for part in ("14.5 °C", text(shipped[0][b"time"]), "shipment to PH1", "2.0–8.0 °C"):
            check(part in msg, f"the message names {part!r}: {msg}")
        # The other product in the case has no range: not broken.
        eq(text(ph.call("VERIFY", other, "SITE", "PH1")[b"verdict"]), "green", "no range")
        r = ph.call("DISPENSE", cn(4), "SITE", "PH1", "TX", "T1")
        eq(text(r[b"verdict"]), "red", f"DISPENSE of a warm vaccine: {r}")
        # The alert, TRACE and IMPACT.
        alerts = [a for a in c.call("ALERTS") if text(a[b"kind"]) == "cold_chain_break"]
        eq(len(alerts), 2, f"one alert per code shipped holding a break: {alerts}")
        cold = t[b"cold_chain"]
        eq(text(cold[b"status"]), "break", f"TRACE: {cold}")
        eq(text(cold[b"reading"]), "14.5 °C", f"{cold}")
        eq(text(cold[b"site"]), "PH1", f"{cold}")
        imp = c.call("IMPACT", "8305555", "V1")
        eq(imp[b"totals"][b"cold_chain_breaks"], 4, f"IMPACT totals: {imp[b'totals']}")
        rows = {text(s[b"site"]): s for s in imp[b"sites"]}
        eq(rows["PH1"][b"cold_chain_breaks"], 4, f"IMPACT PH1: {rows['PH1']}")
        # The release: a regulator's only, with a reason; refused for a code
        # with nothing to release, changing nothing.
        r = ph.call("COLDCHAIN", "RELEASE", cn(2), "REASON", "assessed")
        check(isinstance(r, Error) and str(r).startswith("NOPERM"), f"a pharmacy: {r}")
        reg = d.connect()
        reg.call("HELLO", "3")
        eq(reg.call("AUTH", "s-reg"), "OK", "AUTH regulator")
        r = reg.call("COLDCHAIN", "RELEASE", cn(2), "REASON")
        check(isinstance(r, Error), f"no reason: {r}")
        r = reg.call("COLDCHAIN", "RELEASE", cn(2), other, "REASON", "assessed")
        check(isinstance(r, Error) and "has no cold-chain break to release" in str(r), f"{r}")
        eq(text(ph.call("VERIFY", cn(2), "SITE", "PH1")[b"verdict"]), "red", "still red")
        r = reg.call("COLDCHAIN", "RELEASE", cn(2), cn(3), "REASON", "stability data: 48 h ok")
        eq(r[b"released"], 2, f"released: {r}")
        v = ph.call("VERIFY", cn(2), "SITE", "PH1")
        eq(text(v[b"verdict"]), "green", f"released: {v}")
        eq(text(ph.call("VERIFY", cn(1), "SITE", "PH1")[b"verdict"]), "red", "not released")
        cold = c.call("TRACE", cn(2))[b"cold_chain"]
        eq(text(cold[b"status"]), "released", f"TRACE after: {cold}")
        eq(text(cold[b"release_reason"]), "stability data: 48 h ok", f"{cold}")
        r = reg.call("COLDCHAIN", "RELEASE", cn(2), "REASON", "again")
        check(isinstance(r, Error) and "no cold-chain break" in str(r), f"twice: {r}")
        imp = c.call("IMPACT", "8305555", "V1")
        eq(imp[b"totals"][b"cold_chain_breaks"], 2, f"open breaks after: {imp[b'totals']}")
    finally:
        d.stop()


def test_cli_coldchain_release():
    """yima coldchain release CODE... --reason TEXT: options anywhere, the
    codes through the codecs (full-width digits too), usage errors sending
    nothing, the server's refusal exit 1 with its message."""
    d = Yimad()
    try:
        c = d.connect()
        c.call("HELLO", "3")
        scene(c)
        r = ok(c.call("SHIP", CASE, cn(4), "FROM", "DIST", "TO", "PH1", "TEMP", "14.5"), "SHIP")
        eq(r[b"cold_chain_breaks"], 4, f"{r}")
        ok(c.call("RECEIVE", CASE, cn(4), "SITE", "PH1"), "RECEIVE")
        full_width = "".join(chr(ord(x) + 0xFEE0) for x in cn(2))
        for args, want in ((("coldchain", "release", cn(1)), "--reason is required"),
                           (("coldchain", "release", cn(1), "--reason", ""),
                            "--reason needs a value"),
                           (("coldchain", "release", "--reason", "x"), "no CODE given"),
                           (("coldchain", cn(1), "--reason", "x"), "say what to do: release"),
                           (("coldchain", "--reason", "x"), "say what to do: release"),
                           (("coldchain", "release", cn(1), "6901234567892", "--reason", "x"),
                            "CODE 2: EAN-13"),
                           (("coldchain", "release", cn(1), "--reason", "x", "--site", "PH1"),
                            "unknown option '--site'")):
            rc, out, err = d.yima(*args)
            check(rc == 2 and want in err, f"{args}: exit {rc}, {err!r}")
        eq(text(c.call("VERIFY", cn(1), "SITE", "PH1")[b"verdict"]), "red", "nothing sent")
        rc, out, err = d.yima("--json", "coldchain", "--reason", "stability data ok", "release",
                              cn(1), full_width)
        eq(rc, 0, f"release: {err}")
        check('"released": 2' in out or '"released":2' in out, f"--json reply: {out}")
        eq(text(c.call("VERIFY", cn(2), "SITE", "PH1")[b"verdict"]), "green", "released")
        cold = c.call("TRACE", cn(1))[b"cold_chain"]
        eq(text(cold[b"release_reason"]), "stability data ok", f"REASON sent: {cold}")
        eq(text(c.call("VERIFY", cn(3), "SITE", "PH1")[b"verdict"]), "red", "cn(3) not named")
        rc, out, err = d.yima("coldchain", "release", cn(1), "--reason", "again")
        check(rc == 1 and "has no cold-chain break to release" in err, f"server: {rc} {err!r}")
        rc, out, err = d.yima("--help")
        check("coldchain release CODE..." in out, f"--help lists it: {out}")
        rc, out, err = d.yima("coldchain", "--help")
        check(rc == 0 and "yima coldchain release CODE... --reason TEXT" in out, f"{out!r}")
        c.close()
    finally:
        d.close()
