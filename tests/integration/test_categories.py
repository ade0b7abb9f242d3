"""Product categories and their policy, and the archives of sites and
products (issue 21 items 1 and 3), against the real yimad: a vaccine sold
away from its holder is RED and the reply names the category; a vaccine
pack is sold whole; a site whose licence has passed sells AMBER; archive
fields in bad formats are refused, naming the field, and change nothing."""
import json

from harness import Yimad, check, day, eq, Error, free_port
from test_http import call


def cn(i):
    return "8305555%013d" % i


def scene(c, n=4):
    """MFR, PH1 and PH2; vaccine 8305555 (10 doses a pack, 2-8 °C); n packs
    of lot V1 received at PH1."""
    for args in (("SITE", "SET", "MFR", "name", "Maker", "kind", "manufacturer"),
                 ("SITE", "SET", "PH1", "name", "Pharmacy 1", "kind", "pharmacy"),
                 ("SITE", "SET", "PH2", "name", "Pharmacy 2", "kind", "pharmacy"),
                 ("PRODUCT", "SET", "8305555", "name", "Hepatitis B vaccine",
                  "units_per_pack", "10", "kind", "drug")):
        r = c.call(*args)
        check(not isinstance(r, Error), f"{args}: {r}")
    codes = [cn(i) for i in range(1, n + 1)]
    for cmd in (["COMMISSION", *codes, "SITE", "MFR", "PRODUCT", "8305555", "LOT", "V1",
                 "EXPIRY", day(400)],
                ["SHIP", *codes, "FROM", "MFR", "TO", "PH1"],
                ["RECEIVE", *codes, "SITE", "PH1"]):
        r = c.call(*cmd)
        check(not isinstance(r, Error), f"{cmd[0]}: {r}")


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def test_a_vaccines_policy_is_applied_and_named():
    d = Yimad()
    try:
        c = d.connect()
        c.call("HELLO", "3")
        scene(c)
        before = c.call("VERIFY", cn(1), "SITE", "PH2")
        eq(text(before[b"verdict"]), "amber", f"before a category: {before}")
        check(b"category" not in before, f"no category yet: {before}")
        eq(c.call("PRODUCT", "SET", "8305555", "category", "vaccine",
                  "approval_number", "国药准字S20203456", "storage_min_c", "2",
                  "storage_max_c", "8"), "OK", "PRODUCT SET category")
        after = c.call("VERIFY", cn(1), "SITE", "PH2")
        eq(text(after[b"verdict"]), "red", f"a diverted vaccine: {after}")
        eq(text(after[b"category"]), "vaccine", f"{after}")
        check("red by the vaccine 疫苗 policy: policy_vaccine" in text(after[b"message"]),
              f"the message names the policy: {after}")
        # A split sale of a vaccine pack: refused, nothing sold.
        r = c.call("DISPENSE", cn(2), "SITE", "PH1", "TX", "T1", "QTY", "3")
        check(isinstance(r, Error) and "vaccine (疫苗) packs are sold whole" in str(r),
              f"split sale: {r}")
        eq(c.call("VERIFY", cn(2), "SITE", "PH1")[b"dispensed"], 0, "nothing sold")
        r = c.call("DISPENSE", cn(2), "SITE", "PH1", "TX", "T1", "QTY", "10")
        eq(text(r[b"verdict"]), "green", f"a whole pack: {r}")
        # The policy is the config's: not_received=amber turns it back.
        d.stop()
        d.flags += ["--policy-vaccine", "not_received=amber split_sale=allow"]
        d.start()
        c = d.connect()
        c.call("HELLO", "3")
        r = c.call("VERIFY", cn(1), "SITE", "PH2")
        eq(text(r[b"verdict"]), "amber", f"policy_vaccine not_received=amber: {r}")
        eq(text(r[b"category"]), "vaccine", f"{r}")
    finally:
        d.stop()


def test_a_bad_policy_line_stops_the_daemon_naming_it():
    d = Yimad()
    try:
        d.stop()
        d.flags += ["--policy-narcotic", "not_received=purple"]
        try:
            d.start()
        except Exception:
            pass
        log = open(d.log_path, encoding="utf-8", errors="replace").read()
        check("policy_narcotic: not_received=purple: not red or amber" in log,
              f"the error names the option and setting: {log[-500:]}")
    finally:
        d.stop()


def test_an_expired_licence_makes_sales_amber():
    d = Yimad()
    try:
        c = d.connect()
        c.call("HELLO", "3")
        scene(c)
        eq(c.call("SITE", "SET", "PH1", "licence", "粤AA0200001", "licence_valid_from",
                  day(-2000), "licence_valid_until", day(-1), "address", "广州市天河区1号",
                  "contact", "李四 020-1234567", "region", "440106"), "OK", "SITE SET licence")
        r = c.call("DISPENSE", cn(3), "SITE", "PH1", "TX", "T9", "QTY", "10")
        eq(text(r[b"verdict"]), "amber", f"a sale at a site whose licence passed: {r}")
        eq([text(x) for x in r[b"reasons"]], ["licence_expired"], f"{r}")
        check(f"this site's licence expired on {day(-1)}" in text(r[b"message"]), f"{r}")
        got = c.call("SITE", "GET", "PH1")
        eq(text(got[b"licence"]), "粤AA0200001", f"{got}")
        eq(c.call("SITE", "SET", "PH1", "licence_valid_until", day(1000)), "OK", "renewed")
        r = c.call("VERIFY", cn(4), "SITE", "PH1")
        eq(text(r[b"verdict"]), "green", f"renewed: {r}")
    finally:
        d.stop()


def test_bad_archive_fields_are_refused_and_change_nothing():
    d = Yimad()
    try:
        c = d.connect()
        c.call("HELLO", "3")
        scene(c, 1)
        cases = [
            (("PRODUCT", "SET", "8305555", "category", "vacine"),
             "category 'vacine' is not one of ordinary, vaccine"),
            (("PRODUCT", "SET", "8305555", "approval_number", "国药准字Q20203456"),
             "approval_number '国药准字Q20203456': 国药准字 takes a letter"),
            (("PRODUCT", "SET", "8305555", "storage_min_c", "8", "storage_max_c", "2"),
             "storage_min_c 8 is above storage_max_c 2"),
            (("SITE", "SET", "PH1", "licence", "AA0200001"),
             "licence 'AA0200001' does not open with a province abbreviation"),
            (("SITE", "SET", "PH1", "licence_valid_from", day(10), "licence_valid_until",
              day(1)), f"licence_valid_from {day(10)} is after licence_valid_until {day(1)}"),
            (("SITE", "SET", "PH1", "name", "Renamed", "licence_valid_until", "2029-02-30"),
             "licence_valid_until '2029-02-30' is not a date"),
        ]
        for args, want in cases:
            r = c.call(*args)
            check(isinstance(r, Error) and want in str(r), f"{args}: {r!r}, want {want!r}")
        eq(text(c.call("SITE", "GET", "PH1")[b"name"]), "Pharmacy 1", "nothing changed")
        prod = c.call("PRODUCT", "GET", "8305555")
        check(b"category" not in prod and b"storage_min_c" not in prod, f"{prod}")
    finally:
        d.stop()


def test_expired_licences_are_listed():
    """SITE LIST EXPIRED: the sites whose licence_valid_until has passed
    (not one valid until today, nor one without a validity), alone or with
    KIND and REGION; the same in `yima sites --expired` and GET
    /v1/sites?expired=true; a value after EXPIRED is refused."""
    d = Yimad("--http-port", str(free_port()))
    try:
        c = d.connect()
        c.call("HELLO", "3")
        scene(c, n=1)
        for site, until, region in (("PH1", day(-1), "440106"), ("PH2", day(0), "440106"),
                                    ("MFR", day(-30), "320102")):
            eq(c.call("SITE", "SET", site, "licence", "粤AA0200001", "licence_valid_from",
                      day(-2000), "licence_valid_until", until, "region", region), "OK", site)
        eq(c.call("SITE", "SET", "HOSP", "name", "No licence given", "kind", "hospital"), "OK",
           "HOSP")

        def ids(r):
            check(not isinstance(r, Error), f"{r}")
            return [text(s[b"id"]) for s in r[b"sites"]]
        eq(ids(c.call("SITE", "LIST", "EXPIRED")), ["MFR", "PH1"], "expired")
        eq(ids(c.call("SITE", "LIST", "KIND", "pharmacy", "EXPIRED")), ["PH1"], "with KIND")
        eq(ids(c.call("SITE", "LIST", "EXPIRED", "REGION", "32")), ["MFR"], "with REGION")
        eq(ids(c.call("SITE", "LIST", "EXPIRED", "COUNT", "1")), ["MFR"], "a page")
        eq(ids(c.call("SITE", "LIST", "EXPIRED", "AFTER", "MFR")), ["PH1"], "the next page")
        eq(ids(c.call("SITE", "LIST")), ["HOSP", "MFR", "PH1", "PH2"], "all")
        r = c.call("SITE", "LIST", "EXPIRED", "yes")
        check(isinstance(r, Error), f"EXPIRED takes no value: {r}")

        rc, out, err = d.yima("--json", "sites", "--expired", "--kind", "pharmacy")
        eq(rc, 0, err)
        eq([s["id"] for s in json.loads(out)], ["PH1"], f"yima sites --expired: {out}")
        eq(json.loads(out)[0]["licence_valid_until"], day(-1), out)
        rc, out, err = d.yima("sites", "--expired")
        check(rc == 0 and "PH1" in out and "MFR" in out and "PH2" not in out, out)
        status, r, _ = call(d, "GET", "/v1/sites?expired=true&region=44")
        eq((status, [s["id"] for s in r["sites"]]), (200, ["PH1"]), f"HTTP: {r}")
        status, r, _ = call(d, "GET", "/v1/sites?expired=false")
        eq(len(r["sites"]), 4, f"expired=false: no filter: {r}")
        status, r, _ = call(d, "GET", "/v1/sites?expired=soon")
        eq(status, 400, f"a bad flag: {r}")
    finally:
        d.stop()


def test_archives_are_shown_in_trace_and_impact():
    """TRACE gives the product's archive and each site's the chain passes
    through; IMPACT (lot, code, PRODUCT) the product's and each listed
    site's: fields as stored, null where not set (a site without any is no
    error), a passed licence flagged `licence_expired`; the same in `yima
    trace`, `yima impact` (table and --csv) and over HTTP."""
    d = Yimad("--http-port", str(free_port()))
    try:
        c = d.connect()
        c.call("HELLO", "3")
        scene(c, n=2)
        r = c.call("TRACE", cn(1))
        eq(r[b"product_archive"][b"approval_number"], None, f"no archive yet: {r}")
        eq([text(s[b"site"]) for s in r[b"sites"]], ["MFR", "PH1"], f"{r}")
        eq(r[b"sites"][0][b"archive"][b"licence"], None, f"no licence yet: {r}")
        eq(r[b"sites"][0][b"archive"][b"licence_expired"], False, f"{r}")
        product = {"approval_number": "国药准字S20203456", "holder": "Maker Ltd",
                   "form": "injection", "strength": "10 µg/0.5 ml", "storage_min_c": "2",
                   "storage_max_c": "8", "nhsa_code": "XJ07BCY001", "category": "vaccine"}
        eq(c.call("PRODUCT", "SET", "8305555", *[x for kv in product.items() for x in kv]),
           "OK", "PRODUCT SET archive")
        ph1 = {"licence": "粤AA0200001", "licence_valid_from": day(-2000),
               "licence_valid_until": day(-1), "region": "440106",
               "address": "广州市天河区1号", "contact": "李四 020-1234567"}
        eq(c.call("SITE", "SET", "PH1", *[x for kv in ph1.items() for x in kv]), "OK", "PH1")
        eq(c.call("SITE", "SET", "MFR", "licence", "苏AA0100001", "licence_valid_until",
                  day(1000), "region", "320102"), "OK", "MFR")
        for cmd in (["COMMISSION", cn(3), "SITE", "MFR", "PRODUCT", "8305555", "LOT", "V1",
                     "EXPIRY", day(400)], ["SHIP", cn(3), "FROM", "MFR", "TO", "PH2"],
                    ["RECEIVE", cn(3), "SITE", "PH2"]):
            r = c.call(*cmd)
            check(not isinstance(r, Error), f"{cmd}: {r}")

        def plain(m):
            return {text(k): text(v) for k, v in m.items()}
        r = c.call("TRACE", cn(2))
        eq(plain(r[b"product_archive"]), product, f"TRACE product_archive: {r}")
        eq([text(s[b"site"]) for s in r[b"sites"]], ["MFR", "PH1"], "in chain order")
        got = {text(s[b"site"]): plain(s[b"archive"]) for s in r[b"sites"]}
        eq(got["PH1"], dict(ph1, licence_expired=True), "PH1's archive, expired")
        eq(got["MFR"]["licence_expired"], False, f"MFR's is valid: {got}")
        eq(text(r[b"sites"][1][b"kind"]), "pharmacy", f"{r}")
        r = c.call("TRACE", cn(3))
        got = {text(s[b"site"]): plain(s[b"archive"]) for s in r[b"sites"]}
        eq(set(got["PH2"].values()), {None, False}, f"PH2 has no archive fields: {got}")

        for words in (("IMPACT", "8305555", "V1"), ("IMPACT", cn(1)),
                      ("IMPACT", "PRODUCT", "8305555")):
            r = c.call(*words)
            check(not isinstance(r, Error), f"{words}: {r}")
            eq(plain(r[b"product_archive"]), product, f"{words}: product_archive")
            got = {text(s[b"site"]): plain(s[b"archive"]) for s in r[b"sites"]}
            eq(sorted(got), ["MFR", "PH1", "PH2"], f"{words}: sites")
            eq(got["PH1"], dict(ph1, licence_expired=True), f"{words}: PH1")
            eq((got["MFR"]["licence"], got["MFR"]["licence_expired"]), ("苏AA0100001", False),
               f"{words}: MFR")
            eq(got["PH2"]["licence"], None, f"{words}: PH2")

        rc, out, err = d.yima("trace", cn(2))
        eq(rc, 0, err)
        lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.startswith("  ")}
        check("licence 粤AA0200001" in lines["PH1"] and "EXPIRED" in lines["PH1"] and
              "region 440106" in lines["PH1"], f"yima trace, PH1: {out}")
        check("EXPIRED" not in lines["MFR"], out)
        rc, out, err = d.yima("trace", cn(3))
        check(rc == 0 and "no licence on file" in out, out)
        check("approval 国药准字S20203456" in out and "storage 2–8 °C" in out, out)
        rc, out, err = d.yima("impact", "8305555", "V1")
        eq(rc, 0, err)
        check("product archive: approval 国药准字S20203456" in out, out)
        check(any(ln.split()[:1] == ["PH1"] and "EXPIRED" in ln for ln in out.splitlines()),
              f"yima impact's licence line: {out}")
        rc, out, err = d.yima("impact", "8305555", "V1", "--csv")
        eq(rc, 0, err)
        rows = [ln.split(",") for ln in out.splitlines()]
        eq(rows[0][-4:], ["region", "licence", "licence_valid_until", "licence_expired"], out)
        ph1_row = next(x for x in rows if x[0] == "PH1")
        eq(ph1_row[-4:], ["440106", "粤AA0200001", day(-1), "true"], out)
        eq(next(x for x in rows if x[0] == "PH2")[-3:], ["", "", "false"], out)

        status, r, _ = call(d, "GET", "/v1/trace?code=" + cn(2))
        eq(status, 200, f"{r}")
        eq(r["product_archive"], product, "HTTP TRACE")
        eq([s["archive"]["licence_expired"] for s in r["sites"]], [False, True], f"{r}")
        status, r, _ = call(d, "GET", "/v1/impact/product?product=8305555")
        eq(status, 200, f"{r}")
        eq(r["product_archive"]["nhsa_code"], "XJ07BCY001", "HTTP IMPACT PRODUCT")
        eq({s["site"]: s["archive"]["licence_expired"] for s in r["sites"]},
           {"MFR": False, "PH1": True, "PH2": False}, f"{r}")
    finally:
        d.stop()
