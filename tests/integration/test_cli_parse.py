"""yima parse: offline decoding of every form a scanner produces, with the
DOMAIN.md worked examples as the oracle.

Dates in the scans are computed from the harness's TODAY, and two-digit
years are read against --ref-year TODAY's year, so that the expectations
hold on any day; one test reads them against the real clock's year, as
yima parse does without --ref-year."""
import calendar
import datetime
import json
import subprocess

from harness import TODAY, YIMA, check, day, eq, yymmdd

GS = "\x1d"
REF = str(TODAY.year)             # --ref-year for every scan with a YY date
SGTIN = {"type": "gs1", "key": "(01)06901234567892(21)SN12345",
         "product": "06901234567892", "serial": "SN12345"}
EXP = 400                         # the fixtures' expiry: TODAY + 400 days
FULL = dict(SGTIN, lot="A1B2C3", expiry=day(EXP))

HIBC_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
HIBC_DI = "+A123BJC5D6E71"        # LIC A123, product BJC5D6E7, unit of measure 1


def hibc_check(text):
    """HIBC check character: the sum of the character values, mod 43."""
    return HIBC_CHARS[sum(HIBC_CHARS.index(c) for c in text) % 43]


def hibc(secondary, di=HIBC_DI):
    """A concatenated HIBC code: primary without its check, '/', the
    secondary data, one check character."""
    text = f"{di}/{secondary}"
    return text + hibc_check(text)


def hibc_lot(template, lots=("LOT1", "LOT2")):
    """hibc(template with {lot} filled in) and the lot, for the first lot
    whose check character is not a space (trimmed as a trailing blank).
    Two lots one apart have different checks: one of them is not a space."""
    for lot in lots:
        code = hibc(template.format(lot=lot))
        if not code.endswith(" "):
            return code, lot
    raise AssertionError(f"no lot gives {template} a printable check")


def first_feb(leap, after):
    """The first year after `after` that is (or is not) a leap year."""
    y = after + 1
    while calendar.isleap(y) != leap:
        y += 1
    return y


def hibc_cases():
    """The same expiry written in each HIBC date format, as (secondary
    data with {lot}, expiry)."""
    d = TODAY + datetime.timedelta(days=EXP)
    yy, mm, dd = d.strftime("%y"), d.strftime("%m"), d.strftime("%d")
    jjj = d.strftime("%j")
    last = d.replace(day=calendar.monthrange(d.year, d.month)[1]).isoformat()
    return [
        (f"$${mm}{yy}{{lot}}", last),                  # MMYY (the month's 0/1 is the
                                                       # format digit): end of month
        (f"$$2{mm}{dd}{yy}{{lot}}", d.isoformat()),    # 2: MMDDYY
        (f"$$3{yy}{mm}{dd}{{lot}}", d.isoformat()),    # 3: YYMMDD
        (f"$$4{yy}{mm}{dd}17{{lot}}", d.isoformat()),  # 4: YYMMDDHH
        (f"$$5{yy}{jjj}{{lot}}", d.isoformat()),       # 5: YYJJJ
        (f"$$6{yy}{jjj}09{{lot}}", d.isoformat()),     # 6: YYJJJHH
        (f"$$+3{yy}{mm}{dd}S{{lot}}", d.isoformat()),  # date, then a serial
        (f"$$805{mm}{yy}{{lot}}", last),               # quantity 05, then MMYY
        (f"$$9000123{yy}{mm}{dd}{{lot}}", d.isoformat()),  # quantity 00012, then YYMMDD
        (f"${{lot}}/14D{d:%Y%m%d}", d.isoformat()),    # supplementary expiry YYYYMMDD
    ]


def cases():
    leap = first_feb(True, TODAY.year)
    plain = first_feb(False, TODAY.year)
    hibc_rows = []
    for template, expiry in hibc_cases():
        code, lot = hibc_lot(template)
        want = {"type": "udi-hibc", "expiry": expiry, "product": HIBC_DI + hibc_check(HIBC_DI)}
        if template.startswith("$$+"):
            want["serial"] = "S" + lot
        else:
            want["lot"] = lot
        hibc_rows.append((code, want))
    return [
        ("]d2" + "0106901234567892" + "17" + yymmdd(EXP) + "10A1B2C3" + GS + "21SN12345", FULL),
        (f"(01)06901234567892(17){yymmdd(EXP)}(10)A1B2C3(21)SN12345", FULL),
        ("https://id.gs1.org/01/06901234567892/10/A1B2C3/21/SN12345?17=" + yymmdd(EXP), FULL),
        # DD = 00: the last day of the month, leap years included
        (f"(01)06901234567892(17){plain % 100:02d}0200(21)X1",
         {"type": "gs1", "serial": "X1", "expiry": f"{plain}-02-28"}),
        (f"(01)06901234567892(17){leap % 100:02d}0200(21)X1", {"expiry": f"{leap}-02-29"}),
        ("urn:epc:id:sgtin:6901234.056789.SN12345", SGTIN),
        ("urn:epc:id:sgtin:6901234.156789.C0001",
         {"product": "16901234567899", "serial": "C0001"}),
        ("(00)069012340000000016", {"kind": "sscc", "key": "(00)069012340000000016"}),
        ("urn:epc:id:sscc:6901234.0000000001", {"kind": "sscc", "key": "(00)069012340000000016"}),
        ("83012345678901234567", {"type": "cn20", "product": "8301234", "serial": "567890123",
                                  "check": "4567"}),
        ("８３０１２３４５６７８９０１２３４５６７\r\n", {"type": "cn20", "product": "8301234"}),
        *hibc_rows,
        # MA codes: dates YYMMDD or YYYYMMDD
        (f"MA.156.M0.100761.21234561.E{yymmdd(EXP)}.LL7.C1",
         {"type": "udi-ma", "lot": "L7", "expiry": day(EXP)}),
        (f"MA.156.M0.100761.21234561.E{day(EXP, '%Y%m%d')}.Sx00008",
         {"type": "udi-ma", "serial": "x00008", "expiry": day(EXP)}),
    ]


# An HIBC code with every character right but its check.
HIBC_GOOD = hibc_lot(f"$$3{yymmdd(EXP)}{{lot}}")[0]
HIBC_BAD_CHECK = HIBC_GOOD[:-1] + ("%" if HIBC_GOOD[-1] != "%" else "$")

REFUSED = [
    ("6901234567892", "product barcode"),
    ("]E06901234567892", "product barcode"),
    ("(01)06901234567892", "without serial"),
    ("(01)06901234567891(21)X", "check digit"),
    ("830123456789", None),
    (HIBC_BAD_CHECK, "check character"),
]


def parse(*args, input=None):
    p = subprocess.run([YIMA, "--json", "parse", *args], capture_output=True, input=input,
                       timeout=30)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def expiry_of(scan, *opts):
    rc, out, err = parse(*opts, scan)
    eq(rc, 0, f"exit status for {scan!r} {opts} ({err})")
    return json.loads(out).get("expiry")


def test_worked_examples():
    print(f"    TODAY {TODAY}, --ref-year {REF}")
    for scan, want in cases():
        rc, out, err = parse("--ref-year", REF, scan)
        eq(rc, 0, f"exit status for {scan!r} ({err})")
        got = json.loads(out)
        for k, v in want.items():
            eq(got.get(k), v, f"{scan!r} {k}")


def test_refusals_exit_2_with_one_line():
    for scan, words in REFUSED:
        rc, out, err = parse("--ref-year", REF, scan)
        eq(rc, 2, f"exit status for {scan!r}")
        lines = err.strip().split("\n")
        eq(len(lines), 1, f"one line on stderr for {scan!r}: {err!r}")
        check("at byte" in lines[0], lines[0])
        if words:
            check(words in lines[0], f"{scan!r}: {lines[0]}")


def test_scans_from_stdin():
    data = ("]d20106901234567892" + "17" + yymmdd(EXP) + "10A1B2C3" + GS + "21SN12345\n"
            "83012345678901234567\n").encode()
    rc, out, err = parse("--ref-year", REF, input=data)
    eq(rc, 0, err)
    rows = [json.loads(line) for line in out.strip().split("\n")]
    eq([r["type"] for r in rows], ["gs1", "cn20"], "one result per line")
    eq(rows[0]["lot"], "A1B2C3", "GS separator read from stdin")
    eq(rows[0]["expiry"], day(EXP), "--ref-year applies to standard input too")


def test_ref_year_pins_two_digit_years():
    """GS1's window: YY - (ref mod 100) >= 51 is the previous century,
    <= -50 the next, else the reference year's."""
    scan = "(01)06901234567892(17)761231(21)X"
    eq(expiry_of(scan, "--ref-year", "2026"), "2076-12-31", "76 read in 2026")
    eq(expiry_of(scan, "--ref-year=2025"), "1976-12-31", "76 read in 2025")
    eq(expiry_of(scan, "--ref-year", "2076"), "2076-12-31", "76 read in 2076")
    eq(expiry_of(scan, "--ref-year", "2127"), "2176-12-31", "76 read in 2127")
    # The worked examples as printed (DOMAIN.md, proto/CODES.md), read in 2026.
    eq(expiry_of("(01)06901234567892(17)271231(10)A1B2C3(21)SN12345", "--ref-year", "2026"),
       "2027-12-31", "GS1 worked example")
    eq(expiry_of("+A123BJC5D6E71/$$3271231LOT1D", "--ref-year", "2026"), "2027-12-31",
       "HIBC worked example")
    scan = "(01)06901234567892(17)000101(21)X"
    eq(expiry_of(scan, "--ref-year", "2049"), "2000-01-01", "00 read in 2049")
    eq(expiry_of(scan, "--ref-year", "2050"), "2100-01-01", "00 read in 2050")
    # Every place a code has a two-digit year: HIBC and MA too.
    code = hibc_lot("$$3761231{lot}")[0]
    eq(expiry_of(code, "--ref-year", "2026"), "2076-12-31", "HIBC YYMMDD")
    eq(expiry_of(code, "--ref-year", "2025"), "1976-12-31", "HIBC YYMMDD in 2025")
    code = hibc_lot("$$576366{lot}")[0]          # day 366: both are leap years
    eq(expiry_of(code, "--ref-year", "2026"), "2076-12-31", "HIBC YYJJJ")
    eq(expiry_of(code, "--ref-year", "2025"), "1976-12-31", "HIBC YYJJJ in 2025")
    eq(expiry_of("MA.156.M0.100761.21234561.E761231.LL7", "--ref-year", "2026"),
       "2076-12-31", "MA YYMMDD")
    eq(expiry_of("MA.156.M0.100761.21234561.E761231.LL7", "--ref-year", "2025"),
       "1976-12-31", "MA in 2025")
    # A four-digit year does not move with it.
    eq(expiry_of("MA.156.M0.100761.21234561.E20761231.LL7", "--ref-year", "2025"),
       "2076-12-31", "MA YYYYMMDD")
    # 29 February 00 exists in 2000, not in 2100.
    rc, _, err = parse("--ref-year", "2050", "(01)06901234567892(17)000229(21)X")
    eq(rc, 2, f"2100-02-29 does not exist ({err})")
    check("day does not exist" in err, err)
    eq(expiry_of("(01)06901234567892(17)000229(21)X", "--ref-year", "2049"), "2000-02-29",
       "2000-02-29 does")


def test_bad_ref_year_is_refused():
    scan = "(01)06901234567892(17)761231(21)X"
    for bad in ("20x6", "26", "0", "0000", "1899", "9901", "02026", "-2026", "2026 ", "year"):
        rc, out, err = parse("--ref-year", bad, scan)
        eq(rc, 2, f"--ref-year {bad!r}: exit status ({err})")
        eq(out, "", f"--ref-year {bad!r}: nothing parsed")
        lines = err.strip().split("\n")
        eq(len(lines), 1, f"--ref-year {bad!r}: one line on stderr: {err!r}")
        check(f"--ref-year '{bad}' is not a year 1900-9900" in lines[0], lines[0])
    for args in (["--ref-year"], ["--ref-year="], [scan, "--ref-year"]):
        rc, out, err = parse(*args)
        eq(rc, 2, f"{args}: exit status ({err})")
        check("--ref-year needs a value" in err and out == "", f"{args}: {err!r}")
    rc, out, err = parse("--ref-year", "2026", "--ref-year", "2027", scan)
    check(rc == 2 and "given twice" in err and out == "", f"given twice: {rc} {err!r}")
    rc, out, err = parse("--year", "2026", scan)
    check(rc == 2 and "unknown option '--year'" in err and out == "", f"{rc} {err!r}")
    for y in ("1900", "9900"):
        eq(parse("--ref-year", y, scan)[0], 0, f"--ref-year {y} is in range")


def test_without_ref_year_the_real_clock_reads_two_digit_years():
    """With no --ref-year the reference is the current UTC year: 10 years
    on stays in this century's window, 60 years on is 40 years back."""
    for ahead, want in ((10, 10), (60, -40)):
        before = datetime.datetime.now(datetime.timezone.utc).year
        scan = f"(01)06901234567892(17){(before + ahead) % 100:02d}0615(21)X"
        got = expiry_of(scan)
        after = datetime.datetime.now(datetime.timezone.utc).year
        check(got in {f"{y + want}-06-15" for y in (before, after)},
              f"{scan} read in {before}: {got}")
