"""yima verify / dispense / undo / trace / alerts / scan against the real
daemon: exit statuses (0 green, 3 amber, 4 red, 1 error reply, 2 usage,
invalid scan or no connection), the --json keys, retries, and a counter
session fed through a pipe as a keyboard-wedge scanner types.

Expiries and times are computed from the harness's TODAY, the day yimad's
clock starts on."""
import json
import select
import socket
import subprocess
import time

from harness import YIMA, Yimad, at, check, day, eq, info, yymmdd
from test_hardening_acl import FakeServer

GS = "\x1d"
PRODUCT = "8301234"
# CN 20-digit codes of that product.
RECEIVED = ["830123456789012345%02d" % i for i in range(10, 20)]   # at PH1
AT_MFR = "83012345678901234530"      # commissioned, never shipped
IN_CASE = "83012345678901234531"     # packed into CASE, shipped to PH1
CASE = "(00)069012340000000016"
UNKNOWN = "83012345678901234599"
EAN13 = "6901234567892"
GTIN = "06901234567892"
SGTIN = "(01)06901234567892(21)SN1"  # lot A1, expiry EXPIRY, at PH1
EXPIRY = day(400)                    # every lot's expiry: not near it
YYMMDD = yymmdd(400)                 # the same as a GS1 (17) date
SPLIT = "83055555678901234510"       # a pack of 10 units, at PH1
SPLIT_PRODUCT = "8305555"

REQUIRED = ("verdict", "reasons", "code", "product", "lot", "expiry", "status", "holder")


def setup():
    """A daemon with a manufacturer, two pharmacies and received stock
    (SPLIT, a pack of 10 units, among it)."""
    d = Yimad()
    try:
        for site, kind in (("MFR", "manufacturer"), ("PH1", "pharmacy"), ("PH2", "pharmacy")):
            d.yima("SITE", "SET", site, "name", f"Site {site}", "kind", kind, check_rc=0)
        d.yima("PRODUCT", "SET", PRODUCT, "name", "Amoxicillin 250mg", "units_per_pack", "1",
               check_rc=0)
        d.yima("PRODUCT", "SET", GTIN, "name", "Aspirin 100mg", "units_per_pack", "1",
               check_rc=0)
        d.yima("COMMISSION", *RECEIVED, AT_MFR, IN_CASE, "SITE", "MFR", "LOT", "L1",
               "EXPIRY", EXPIRY, check_rc=0)
        d.yima("COMMISSION", SGTIN, "SITE", "MFR", "LOT", "A1", "EXPIRY", EXPIRY,
               check_rc=0)
        d.yima("COMMISSION", CASE, "SITE", "MFR", "LEVEL", "3", "PRODUCT", PRODUCT,
               "LOT", "L1", "EXPIRY", EXPIRY, check_rc=0)
        d.yima("PACK", CASE, IN_CASE, "SITE", "MFR", check_rc=0)
        d.yima("SHIP", *RECEIVED, SGTIN, "FROM", "MFR", "TO", "PH1", "REF", "DN-1", check_rc=0)
        d.yima("RECEIVE", *RECEIVED, SGTIN, "SITE", "PH1", check_rc=0)
        d.yima("SHIP", CASE, "FROM", "MFR", "TO", "PH1", "REF", "DN-2", check_rc=0)
        d.yima("RECEIVE", CASE, "SITE", "PH1", check_rc=0)
        d.yima("PRODUCT", "SET", SPLIT_PRODUCT, "name", "Cough syrup", "units_per_pack", "10",
               check_rc=0)
        d.yima("COMMISSION", SPLIT, "SITE", "MFR", "LOT", "S1", "EXPIRY", EXPIRY, check_rc=0)
        d.yima("SHIP", SPLIT, "FROM", "MFR", "TO", "PH1", check_rc=0)
        d.yima("RECEIVE", SPLIT, "SITE", "PH1", check_rc=0)
    except BaseException:
        d.close()
        raise
    return d


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def first_line(text):
    return text.split("\n", 1)[0]


def jsonof(d, *args, rc=None):
    code, out, err = d.yima("--json", *args)
    if rc is not None:
        eq(code, rc, f"exit status of yima {' '.join(args)} ({err.strip()})")
    return json.loads(out)


def test_verify_exit_statuses():
    d = setup()
    try:
        rc, out, err = d.yima("verify", RECEIVED[0], "--site", "PH1")
        eq(rc, 0, f"green: {out}{err}")
        check(first_line(out).startswith("GREEN  "), out)
        check("\x1b" not in out, "no colour when stdout is not a terminal")
        for want in ("Amoxicillin 250mg", "L1", EXPIRY, "active", "PH1", "0 of 1"):
            check(want in out, f"{want!r} in the record:\n{out}")

        rc, out, err = d.yima("verify", RECEIVED[0], "--site", "PH2")
        eq(rc, 3, f"amber at another site: {out}{err}")
        check(first_line(out).startswith("AMBER  not_received_here — held by PH1"), out)

        rc, out, err = d.yima("verify", UNKNOWN, "--site", "PH1")
        eq(rc, 4, f"red unknown: {out}{err}")
        check(first_line(out).startswith("RED    unknown — "), out)

        rc, out, err = d.yima("verify", RECEIVED[0], "--site", "NOPE")
        eq(rc, 1, "unknown site is an error reply")
        check("unknown site" in err and out == "", err)

        # A scan the codecs refuse never reaches the server: no daemon is
        # needed to say so.
        for port in (d.port, closed_port()):
            p = subprocess.run([YIMA, "-p", str(port), "verify", EAN13, "--site", "PH1"],
                               capture_output=True, timeout=30)
            eq(p.returncode, 2, "EAN-13 is an invalid scan")
            lines = p.stderr.decode().strip().split("\n")
            eq(len(lines), 1, f"one stderr line: {lines}")
            check("product barcode" in lines[0] and "at byte 0" in lines[0], lines[0])

        p = subprocess.run([YIMA, "-p", str(closed_port()), "verify", RECEIVED[0]],
                           capture_output=True, timeout=30)
        eq(p.returncode, 2, "connection refused")
        check("cannot connect" in p.stderr.decode(), p.stderr.decode())

        eq(d.yima("verify")[0], 2, "no CODE")
        eq(d.yima("verify", RECEIVED[0], "--bogus", "x")[0], 2, "unknown option")
        eq(d.yima("verify", RECEIVED[0], "extra")[0], 2, "two codes")
    finally:
        d.close()


def test_verify_any_scanned_form():
    """Full-width digits, a GS1 scan with GS separators and a Digital
    Link all name the same pack; a scanned lot that disagrees with the
    record is AMBER, so the scan's own lot reached the server."""
    d = setup()
    try:
        fullwidth = "".join(chr(0xFF10 + int(c)) for c in RECEIVED[1])
        rc, out, _ = d.yima("--json", "verify", fullwidth, "--site", "PH1")
        eq(rc, 0, "full-width digits")
        eq(json.loads(out)["code"], RECEIVED[1], "canonical code")

        raw = "]d2" + "01" + GTIN + "17" + YYMMDD + "10A1" + GS + "21SN1"
        r = jsonof(d, "verify", raw, "--site", "PH1", rc=0)
        eq((r["verdict"], r["code"], r["lot"]), ("green", SGTIN, "A1"), "raw GS1 scan")

        wrong_lot = "]d2" + "01" + GTIN + "17" + YYMMDD + "10ZZ" + GS + "21SN1"
        r = jsonof(d, "verify", wrong_lot, "--site", "PH1", rc=3)
        eq(r["reasons"], ["lot_mismatch"], "scanned lot compared with the record")

        r = jsonof(d, "verify", "https://id.gs1.org/01/06901234567892/21/SN1", rc=0)
        eq(r["code"], SGTIN, "Digital Link")

        wrong_expiry = "]d2" + "01" + GTIN + "17" + yymmdd(401) + "10A1" + GS + "21SN1"
        r = jsonof(d, "verify", wrong_expiry, "--site", "PH1", rc=3)
        eq(r["reasons"], ["expiry_mismatch"], "scanned expiry compared with the record")
    finally:
        d.close()


def test_dispense_exit_statuses():
    d = setup()
    try:
        rc, out, err = d.yima("dispense", RECEIVED[0], "--site", "PH1", "--tx", "T1")
        eq(rc, 0, f"green: {out}{err}")
        check("dispensed" in out and "1 of 1" in out, out)

        rc, out, err = d.yima("dispense", RECEIVED[1], "--site", "PH2", "--tx", "T2")
        eq(rc, 3, f"amber: sold where it was never received: {out}{err}")

        rc, out, err = d.yima("dispense", RECEIVED[0], "--site", "PH2", "--tx", "T3")
        eq(rc, 4, f"red: a duplicate: {out}{err}")
        check(first_line(out).startswith("RED    duplicate — already dispensed at PH1 on "),
              out)

        eq(d.yima("dispense", UNKNOWN, "--site", "PH1")[0], 4, "red: unknown code")
        eq(d.yima("dispense", RECEIVED[2], "--site", "NOPE")[0], 1, "unknown site")
        eq(d.yima("dispense", EAN13, "--site", "PH1")[0], 2, "invalid scan")
        eq(d.yima("dispense", RECEIVED[2])[0], 2, "--site is required")
        eq(d.yima("dispense", RECEIVED[2], "--site", "PH1", "--qty", "0")[0], 2, "--qty 0")
        eq(d.yima("dispense", RECEIVED[2], "--site", "PH1", "--qty", "x")[0], 2, "--qty x")
        p = subprocess.run([YIMA, "-p", str(closed_port()), "dispense", RECEIVED[2], "--site",
                            "PH1"], capture_output=True, timeout=30)
        eq(p.returncode, 2, "connection refused")
        # None of the refused ones sold anything.
        eq(jsonof(d, "verify", RECEIVED[2], "--site", "PH1", rc=0)["status"], "active",
           "untouched")
    finally:
        d.close()


def test_json_keys():
    d = setup()
    try:
        r = jsonof(d, "verify", RECEIVED[0], "--site", "PH1", rc=0)
        for k in REQUIRED:
            check(k in r, f"key {k!r} in {r}")
        eq({k: r[k] for k in REQUIRED},
           {"verdict": "green", "reasons": [], "code": RECEIVED[0], "product": PRODUCT,
            "lot": "L1", "expiry": EXPIRY, "status": "active", "holder": "PH1"},
           "verify --json")

        r = jsonof(d, "verify", UNKNOWN, rc=4)
        eq({k: r[k] for k in REQUIRED},
           {"verdict": "red", "reasons": ["unknown"], "code": UNKNOWN, "product": None,
            "lot": None, "expiry": None, "status": None, "holder": None},
           "unknown code: every key, null where there is no record")

        rc, out, err = d.yima("--json", "verify", EAN13)
        eq(rc, 2, "invalid scan")
        r = json.loads(out)
        eq((r["verdict"], r["reasons"], r["error"], r["at"]),
           ("red", ["not_a_trace_code"], "product-barcode", 0), "invalid scan as JSON")

        rc, out, _ = d.yima("--json", "verify", RECEIVED[0], "--site", "NOPE")
        eq(rc, 1, "error reply")
        check("unknown site" in json.loads(out)["error"], out)
    finally:
        d.close()


def test_dispense_retry_same_tx_same_answer():
    d = setup()
    try:
        first = d.yima("--json", "dispense", RECEIVED[0], "--site", "PH1", "--tx", "R1",
                       check_rc=0)[1]
        for _ in range(3):
            eq(d.yima("--json", "dispense", RECEIVED[0], "--site", "PH1", "--tx", "R1",
                      check_rc=0)[1], first, "a retry gets the first answer")
        trace = jsonof(d, "trace", RECEIVED[0], rc=0)
        eq([e["event"] for e in trace["events"]].count("dispense"), 1, "one sale recorded")
        r = jsonof(d, "dispense", RECEIVED[0], "--site", "PH1", "--tx", "R2", rc=4)
        eq(r["reasons"], ["duplicate"], "another transaction is a duplicate")
    finally:
        d.close()


def test_undo():
    d = setup()
    try:
        d.yima("dispense", RECEIVED[0], "--site", "PH1", "--tx", "U1", check_rc=0)
        r = jsonof(d, "undo", RECEIVED[0], "--site", "PH1", "--tx", "U1", rc=0)
        eq((r["verdict"], r["status"], r["dispensed"]), ("green", "active", 0), "undone")
        r = jsonof(d, "undo", RECEIVED[0], "--site", "PH1", "--tx", "U9", rc=4)
        eq(r["reasons"], ["not_dispensed"], "no such sale")
        rc, out, _ = d.yima("undo", RECEIVED[0], "--site", "PH1", "--tx", "U9")
        check(first_line(out).startswith("RED    not_dispensed — "), out)
        eq(d.yima("undo", RECEIVED[0], "--site", "PH1")[0], 2, "--tx is required")
        # Sold again after the undo: GREEN, not a duplicate.
        d.yima("dispense", RECEIVED[0], "--site", "PH1", "--tx", "U2", check_rc=0)
    finally:
        d.close()


def test_trace_listing():
    d = setup()
    try:
        d.yima("dispense", RECEIVED[0], "--site", "PH1", "--tx", "S1", check_rc=0)
        rc, out, err = d.yima("trace", RECEIVED[0])
        eq(rc, 0, err)
        lines = out.split("\n")
        ship = [ln for ln in lines if "  ship  " in ln]
        eq(len(ship), 1, out)
        check("MFR → PH1" in ship[0] and "ref DN-1" in ship[0], ship[0])
        check(any("  receive  " in ln and "PH1" in ln for ln in lines), out)
        check(any("  dispense  " in ln and "tx S1" in ln for ln in lines), out)
        kinds = [ln.split()[1] for ln in lines if ln[:4].isdigit()]
        eq(kinds, ["commission", "ship", "receive", "dispense"], "events in time order")

        rc, out, _ = d.yima("trace", IN_CASE)
        eq(rc, 0)
        check(any("ship" in ln and "(in " + CASE + ")" in ln for ln in out.split("\n")),
              "moved inside its case:\n" + out)
        check(any("pack" in ln and "into " + CASE in ln for ln in out.split("\n")), out)

        t = jsonof(d, "trace", RECEIVED[0], rc=0)
        eq([e["event"] for e in t["events"]], kinds, "JSON events")
        rc, _, err = d.yima("trace", UNKNOWN)
        eq(rc, 1, "no record is an error reply")
        eq(d.yima("trace", EAN13)[0], 2, "invalid scan")
        eq(d.yima("trace")[0], 2, "no CODE")
    finally:
        d.close()


def test_alerts_after_duplicate():
    d = setup()
    try:
        rc, out, _ = d.yima("alerts")
        eq((rc, out), (0, "(no alerts)\n"), "none yet")
        d.yima("dispense", RECEIVED[0], "--site", "PH1", "--tx", "A1", check_rc=0)
        d.yima("dispense", RECEIVED[0], "--site", "PH2", "--tx", "A2", check_rc=4)
        rc, out, _ = d.yima("alerts")
        eq(rc, 0)
        lines = out.strip().split("\n")
        eq(len(lines), 1, out)
        for want in ("duplicate", "PH2", RECEIVED[0], "tx A2", "first sale at PH1"):
            check(want in lines[0], f"{want!r} in {lines[0]!r}")
        a = jsonof(d, "alerts", "--site", "PH2", "--limit", "5", rc=0)
        eq([(x["kind"], x["code"], x["first_sale_site"]) for x in a],
           [("duplicate", RECEIVED[0], "PH1")], "alerts --json")
        eq(jsonof(d, "alerts", "--site", "PH1", rc=0), [], "none at PH1")
        eq(jsonof(d, "alerts", "--since", at(1, "00:00:00"), rc=0), [], "--since tomorrow")
        eq([x["code"] for x in jsonof(d, "alerts", "--since", at(0, "00:00:00"), rc=0)],
           [RECEIVED[0]], "--since this morning")
        eq(d.yima("alerts", "--since", "yesterday")[0], 1, "bad time: error reply")
        eq(d.yima("alerts", "stray")[0], 2, "usage")
    finally:
        d.close()


def test_scan_session_from_a_pipe():
    d = setup()
    try:
        fullwidth = "".join(chr(0xFF10 + int(c)) for c in RECEIVED[0])
        # A wedge scanner ending lines in CR, then CR LF, then LF.
        stdin = (fullwidth + "\r" + RECEIVED[0] + "\r\n" + EAN13 + "\n").encode()
        rc, out, err = d.yima("scan", "--site", "PH1", input=stdin)
        eq(rc, 0, f"a session ends with 0 even with red scans: {err}")
        lines = out.rstrip("\n").split("\n")
        eq(len(lines), 3, f"one line per scan: {out!r}")
        check(lines[0].startswith("GREEN  " + RECEIVED[0]), lines[0])
        check(lines[1].startswith("RED    " + RECEIVED[0] + "  duplicate — already dispensed "
                                  "at PH1"), lines[1])
        check(lines[2].startswith("RED    not a trace code: EAN-13"), lines[2])
        check("\x1b" not in out, "no colour in a pipe")

        t = jsonof(d, "trace", RECEIVED[0], rc=0)
        sales = [e for e in t["events"] if e["event"] == "dispense"]
        eq(len(sales), 1, "the first scan sold it")
        check(sales[0]["tx"].startswith("scan-"), sales[0]["tx"])

        # --verify-only sells nothing; --json gives one object per line.
        stdin = (RECEIVED[1] + "\n\n" + RECEIVED[1] + "\n").encode()
        rc, out, _ = d.yima("--json", "scan", "--site", "PH1", "--verify-only", input=stdin)
        eq(rc, 0)
        rows = [json.loads(ln) for ln in out.strip().split("\n")]
        eq([r["verdict"] for r in rows], ["green", "green"], "blank lines skipped")
        eq(rows[1]["status"], "active", "nothing sold")

        # GS separators and a prefix of our own.
        raw = "]d2" + "01" + GTIN + "17" + YYMMDD + "10A1" + GS + "21SN1"
        rc, out, _ = d.yima("scan", "--site", "PH1", "--tx-prefix", "till-7",
                            input=(raw + "\r").encode())
        eq(rc, 0)
        check(out.startswith("GREEN  " + SGTIN), out)
        t = jsonof(d, "trace", SGTIN, rc=0)
        check(t["events"][-1]["tx"].startswith("till-7-"), t["events"][-1])

        eq(d.yima("scan", "--site", "NOPE", input=b"")[0], 2, "unknown site")
        eq(d.yima("scan", input=b"")[0], 2, "--site is required")
        eq(d.yima("scan", "--site", "PH1", "--tx-prefix", "a b", input=b"")[0], 2,
           "bad prefix")
        p = subprocess.run([YIMA, "-p", str(closed_port()), "scan", "--site", "PH1"],
                           input=b"", capture_output=True, timeout=30)
        eq(p.returncode, 2, "no server")
    finally:
        d.close()


def test_scan_reconnects_after_idle_close():
    """The server closes a connection idle for `timeout` seconds; the next
    scan of the session reconnects and is answered."""
    d = Yimad("--timeout", "1")
    try:
        d.yima("SITE", "SET", "PH1", "name", "P", "kind", "pharmacy", check_rc=0)
        d.yima("SITE", "SET", "MFR", "name", "M", "kind", "manufacturer", check_rc=0)
        d.yima("PRODUCT", "SET", PRODUCT, "name", "Amox", "units_per_pack", "1", check_rc=0)
        d.yima("COMMISSION", RECEIVED[0], RECEIVED[1], "SITE", "MFR", "LOT", "L1",
               "EXPIRY", EXPIRY, check_rc=0)
        d.yima("SHIP", RECEIVED[0], RECEIVED[1], "FROM", "MFR", "TO", "PH1", check_rc=0)
        d.yima("RECEIVE", RECEIVED[0], RECEIVED[1], "SITE", "PH1", check_rc=0)
        p = subprocess.Popen([YIMA, "-p", str(d.port), "scan", "--site", "PH1"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        try:
            p.stdin.write((RECEIVED[0] + "\n").encode())
            p.stdin.flush()
            check(select.select([p.stdout], [], [], 30)[0], "no answer to the first scan in 30 s")
            first = p.stdout.readline().decode()
            check(first.startswith("GREEN  " + RECEIVED[0]), first)
            # The idle timeout is real time (monotonic), not yimad's clock:
            # wait until the server has closed the session's connection, a
            # second or two, and at most 15 s.
            watch = d.connect()
            try:
                watch.call("HELLO", "3")
                connected = lambda: info(watch, "clients")[b"connected_clients"]
                eq(connected(), 2, "the session's connection and this one")
                deadline = time.monotonic() + 15
                while connected() > 1:
                    check(time.monotonic() < deadline,
                          "the idle connection still open after 15 s")
                    time.sleep(0.05)
            finally:
                watch.close()
            out, err = p.communicate((RECEIVED[1] + "\n").encode(), timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        eq(p.returncode, 0, err.decode())
        check(out.decode().startswith("GREEN  " + RECEIVED[1]), out.decode())
        check("reconnecting" in err.decode(), err.decode())
    finally:
        d.close()


def test_scan_quantity_and_void():
    """*N sells N units of the next scan only; /void reverses the last
    sale of the session, once."""
    d = setup()
    try:
        stdin = "\n".join(["*4", SPLIT, SPLIT, RECEIVED[0], "/void", "/void", "*0", "*x",
                           "*9999999"]) + "\n"
        rc, out, err = d.yima("scan", "--site", "PH1", input=stdin.encode())
        eq(rc, 0, f"mistyped *N and /void are said, not failures: {err}")
        lines = out.rstrip("\n").split("\n")
        eq(lines[0], "QTY    the next scan sells 4 units", out)
        check(lines[1].startswith("GREEN  " + SPLIT + " qty 4  ok"), lines[1])
        check(lines[2].startswith("GREEN  " + SPLIT + "  ok"), "the next scan sells 1: " + lines[2])
        check(lines[3].startswith("GREEN  " + RECEIVED[0] + "  ok"), lines[3])
        check(lines[4].startswith("VOID   " + RECEIVED[0] + "  sale scan-"), lines[4])
        eq(lines[5], "ERROR  /void: no sale of this session to reverse", "one void a sale")
        for line in lines[6:9]:
            check(line.startswith("ERROR  '*") and "is no quantity" in line, line)
        eq(len(lines), 9, out)
        t = jsonof(d, "trace", SPLIT, rc=0)
        eq([(e["event"], e.get("qty")) for e in t["events"] if e["event"] == "dispense"],
           [("dispense", 4), ("dispense", 1)], "4 units, then 1")
        eq(jsonof(d, "verify", SPLIT, "--site", "PH1", rc=0)["dispensed"], 5, "5 of 10 sold")
        # The sale voided is the last one: RECEIVED[0] is on the shelf again.
        t = jsonof(d, "trace", RECEIVED[0], rc=0)
        eq((t["status"], t["events"][-1]["event"]), ("active", "undo"), "voided")
        # /void after a sale of this session reverses it.
        stdin = f"{SPLIT}\n/void\n".encode()
        rc, out, _ = d.yima("--json", "scan", "--site", "PH1", input=stdin)
        rows = [json.loads(ln) for ln in out.strip().split("\n")]
        eq([(r["verdict"], r["dispensed"]) for r in rows], [("green", 6), ("green", 5)],
           "sold, then voided")
        # Verify-only and receive sessions sell nothing: no quantity, no void.
        rc, out, _ = d.yima("scan", "--site", "PH1", "--verify-only",
                            input=f"*2\n/void\n{SPLIT}\n".encode())
        lines = out.rstrip("\n").split("\n")
        check(lines[0].startswith("ERROR  a quantity is for sales"), lines[0])
        check(lines[1].startswith("ERROR  /void reverses a sale"), lines[1])
        check(lines[2].startswith("GREEN  " + SPLIT), lines[2])
    finally:
        d.close()


def test_scan_receive_mode():
    """--receive: goods-in, each scanned case received at the site; one
    shipped elsewhere is received, diverted (AMBER); one not on its way is
    an error."""
    d = setup()
    try:
        d.yima("SITE", "SET", "DIS", "name", "Site DIS", "kind", "distributor", check_rc=0)
        d.yima("SHIP", AT_MFR, "FROM", "MFR", "TO", "DIS", "REF", "DN-3", check_rc=0)
        d.yima("RETURN", CASE, "FROM", "PH1", "TO", "DIS", "REF", "RT-4", check_rc=0)
        stdin = "\n".join([AT_MFR, CASE, RECEIVED[6]]) + "\n"
        rc, out, err = d.yima("scan", "--site", "DIS", "--receive", input=stdin.encode())
        eq(rc, 1, f"an error reply for the code not in transit: {err}")
        lines = out.rstrip("\n").split("\n")
        eq(lines[0], f"GREEN  {AT_MFR}  received, 1 code", out)
        eq(lines[1], f"GREEN  {CASE}  received, 1 code", "a case, with what it holds")
        check(lines[2].startswith(f"ERROR  {RECEIVED[6]}  ") and "not in transit" in lines[2],
              lines[2])
        eq(jsonof(d, "verify", IN_CASE, "--site", "DIS", rc=0)["holder"], "DIS", "received")
        # Sent back to MFR, received at DIS: recorded, and AMBER for a look.
        d.yima("RETURN", RECEIVED[8], "FROM", "PH1", "TO", "MFR", check_rc=0)
        rc, out, _ = d.yima("scan", "--site", "DIS", "--receive",
                            input=(RECEIVED[8] + "\n").encode())
        eq(rc, 0)
        check(out.startswith(f"AMBER  {RECEIVED[8]}  received, 1 code; diverted: 1 was "
                             "shipped elsewhere"), out)
        eq(d.yima("scan", "--site", "DIS", "--receive", "--verify-only", input=b"")[0], 2,
           "one mode")
    finally:
        d.close()


def test_scan_bell_on_red():
    d = setup()
    try:
        stdin = "\n".join([RECEIVED[0], RECEIVED[0], EAN13, RECEIVED[1]]) + "\n"
        rc, out, err = d.yima("scan", "--site", "PH1", "--bell", input=stdin.encode())
        eq(rc, 0, err)
        eq([ln.split()[0] for ln in out.strip().split("\n")], ["GREEN", "RED", "RED", "GREEN"],
           out)
        eq(err.count("\a"), 2, "one bell a RED line")
        check("\a" not in out, "the bell is not part of a line")
        stdin = "\n".join([RECEIVED[0], RECEIVED[2]]) + "\n"
        for flags in ((), ("--no-bell",)):
            rc, out, err = d.yima("scan", "--site", "PH1", *flags, input=stdin.encode())
            check("\a" not in err, f"no bell with {flags or 'stderr not a terminal'}")
            check(out.startswith("RED"), out)
    finally:
        d.close()


class SilentServer(FakeServer):
    """A RESP server that answers HELLO and SITE GET and never answers a
    DISPENSE: a server too slow for a till.  Notes each DISPENSE's TX."""

    def __init__(self):
        self.txs = []
        super().__init__({"SITE": b"%1\r\n+id\r\n+PH1\r\n", "DISPENSE": b""})

    def request(self, buf):
        req, rest = FakeServer.request(buf)
        if req and req[0].upper() == b"DISPENSE":
            self.txs.append(req[req.index(b"TX") + 1].decode())
        return req, rest


def test_scan_reply_timeout_fits_a_till():
    """No answer within the till's timeout: a NO ANSWER line, the bell, and
    the session goes on; the same pack scanned again is the same sale
    (same TX).  The default is 5 s, not a script's 30; --timeout sets it."""
    srv = SilentServer()
    try:
        stdin = (RECEIVED[0] + "\n" + RECEIVED[0] + "\n" + RECEIVED[1] + "\n").encode()
        started = time.monotonic()
        p = subprocess.run([YIMA, "-p", str(srv.port), "scan", "--site", "PH1", "--bell",
                            "--timeout", "0.5"], input=stdin, capture_output=True, timeout=60)
        took = time.monotonic() - started
        out, err = p.stdout.decode(), p.stderr.decode()
        eq(p.returncode, 2, "a scan left without an answer")
        lines = out.rstrip("\n").split("\n")
        eq(len(lines), 3, out)
        for line, code in zip(lines, (RECEIVED[0], RECEIVED[0], RECEIVED[1])):
            check(line.startswith(f"NO ANSWER  {code}  no answer from the server"), line)
        check("timed out waiting for the reply after 500 ms" in err, err)
        eq(err.count("\a"), 3, "a bell each")
        eq(len(srv.txs), 3, f"each sent once, not again on the same slow server: {srv.txs}")
        eq(srv.txs[0], srv.txs[1], "the pack scanned again: the same sale")
        check(srv.txs[2] != srv.txs[0], "another pack: another sale")
        check(took < 10, f"three 0.5 s waits took {took:.1f} s")

        started = time.monotonic()
        p = subprocess.run([YIMA, "-p", str(srv.port), "scan", "--site", "PH1"],
                           input=(RECEIVED[2] + "\n").encode(), capture_output=True, timeout=60)
        took = time.monotonic() - started
        check(p.stdout.decode().startswith("NO ANSWER"), p.stdout.decode())
        check(4.5 <= took < 9, f"the default wait is 5 s: took {took:.1f} s")
    finally:
        srv.close()
