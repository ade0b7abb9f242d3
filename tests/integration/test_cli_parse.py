"""yima parse: offline decoding of every form a scanner produces, with the
DOMAIN.md worked examples as the oracle."""
import json
import subprocess

from harness import YIMA, check, eq

GS = "\x1d"
SGTIN = {"type": "gs1", "key": "(01)06901234567892(21)SN12345",
         "product": "06901234567892", "serial": "SN12345"}
FULL = dict(SGTIN, lot="A1B2C3", expiry="2027-12-31")

CASES = [
    ("]d2" + "0106901234567892" + "17271231" + "10A1B2C3" + GS + "21SN12345", FULL),
    ("(01)06901234567892(17)271231(10)A1B2C3(21)SN12345", FULL),
    ("https://id.gs1.org/01/06901234567892/10/A1B2C3/21/SN12345?17=271231", FULL),
    ("(01)06901234567892(17)270200(21)X1",
     {"type": "gs1", "serial": "X1", "expiry": "2027-02-28"}),
    ("(01)06901234567892(17)280200(21)X1", {"expiry": "2028-02-29"}),
    ("urn:epc:id:sgtin:6901234.056789.SN12345", SGTIN),
    ("urn:epc:id:sgtin:6901234.156789.C0001",
     {"product": "16901234567899", "serial": "C0001"}),
    ("(00)069012340000000016", {"kind": "sscc", "key": "(00)069012340000000016"}),
    ("urn:epc:id:sscc:6901234.0000000001", {"kind": "sscc", "key": "(00)069012340000000016"}),
    ("83012345678901234567", {"type": "cn20", "product": "8301234", "serial": "567890123",
                              "check": "4567"}),
    ("８３０１２３４５６７８９０１２３４５６７\r\n", {"type": "cn20", "product": "8301234"}),
    ("+A123BJC5D6E71/$$3271231LOT1D", {"type": "udi-hibc", "lot": "LOT1",
                                        "expiry": "2027-12-31"}),
]

REFUSED = [
    ("6901234567892", "product barcode"),
    ("]E06901234567892", "product barcode"),
    ("(01)06901234567892", "without serial"),
    ("(01)06901234567891(21)X", "check digit"),
    ("830123456789", None),
]


def parse(*args, input=None):
    p = subprocess.run([YIMA, "--json", "parse", *args], capture_output=True, input=input,
                       timeout=30)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_worked_examples():
    for scan, want in CASES:
        rc, out, err = parse(scan)
        eq(rc, 0, f"exit status for {scan!r} ({err})")
        got = json.loads(out)
        for k, v in want.items():
            eq(got.get(k), v, f"{scan!r} {k}")


def test_refusals_exit_2_with_one_line():
    for scan, words in REFUSED:
        rc, out, err = parse(scan)
        eq(rc, 2, f"exit status for {scan!r}")
        lines = err.strip().split("\n")
        eq(len(lines), 1, f"one line on stderr for {scan!r}: {err!r}")
        check("at byte" in lines[0], lines[0])
        if words:
            check(words in lines[0], f"{scan!r}: {lines[0]}")


def test_scans_from_stdin():
    data = ("]d2010690123456789217271231" + "10A1B2C3" + GS + "21SN12345\n"
            "83012345678901234567\n").encode()
    rc, out, err = parse(input=data)
    eq(rc, 0, err)
    rows = [json.loads(line) for line in out.strip().split("\n")]
    eq([r["type"] for r in rows], ["gs1", "cn20"], "one result per line")
    eq(rows[0]["lot"], "A1B2C3", "GS separator read from stdin")
