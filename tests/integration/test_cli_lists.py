"""yima's subcommands for the reads of issue 21: stock, lots, sites,
products, contents, risk (tables, --json, --csv, pages followed to the end
or --limit), alerts --kind/--status, alert set, and impact of a product
alone (IMPACT PRODUCT, --region).  Bad arguments are refused by the client
before any server is asked."""
import csv
import io
import json

from harness import Yimad, check, day, eq
from secutil import ok

PRODUCT = "8301234"
OTHER = "8305555"
EXPIRY = day(400)
MANY = 1005		# more than one page (the client asks 1,000 at a time)


def code(n, product=PRODUCT):
    return f"{product}{n:013d}"


def scene():
    """MFR (Beijing) commissions L1 (codes 1-4 and a pack 90 of MANY units)
    and L2 (code 6); ships 1-3 to PH1 (Beijing) and 4 to PH2 (Shanghai).
    PH1 sells 3 twice (a duplicate) and an unknown code; OTHER is a second
    product with no lot."""
    d = Yimad()
    try:
        c = d.connect()
        c.call("HELLO", "3")
        for site, kind, region in (("MFR", "manufacturer", "110105"),
                                   ("PH1", "pharmacy", "110105"),
                                   ("PH2", "pharmacy", "310101")):
            ok(c.call("SITE", "SET", site, "name", f"{site} name", "kind", kind,
                      "region", region))
        ok(c.call("PRODUCT", "SET", PRODUCT, "name", "Amoxicillin", "units_per_pack", "1"))
        ok(c.call("PRODUCT", "SET", OTHER, "name", "Ibuprofen", "units_per_pack", "1"))
        ok(c.call("COMMISSION", *[code(n) for n in range(1, 5)], "SITE", "MFR", "LOT", "L1",
                  "EXPIRY", EXPIRY))
        inner = [code(1000 + n) for n in range(MANY)]
        ok(c.call("COMMISSION", *inner, "SITE", "MFR", "LOT", "L1", "EXPIRY", EXPIRY))
        ok(c.call("PACK", code(90), *inner, "SITE", "MFR"))
        ok(c.call("COMMISSION", code(6), "SITE", "MFR", "LOT", "L2", "EXPIRY", EXPIRY))
        ok(c.call("SHIP", *[code(n) for n in (1, 2, 3)], "FROM", "MFR", "TO", "PH1"))
        ok(c.call("RECEIVE", *[code(n) for n in (1, 2, 3)], "SITE", "PH1"))
        ok(c.call("SHIP", code(4), "FROM", "MFR", "TO", "PH2"))
        ok(c.call("RECEIVE", code(4), "SITE", "PH2"))
        ok(c.call("DISPENSE", code(3), "SITE", "PH1"))
        ok(c.call("DISPENSE", code(3), "SITE", "PH1"))
        ok(c.call("DISPENSE", code(77), "SITE", "PH1"))
        c.close()
    except BaseException:
        d.close()
        raise
    return d


def rows_csv(out):
    return list(csv.DictReader(io.StringIO(out)))


def usage(d, *args, says):
    """A usage error the client finds itself: exit 2, the message, the
    usage line."""
    rc, out, err = d.yima(*args)
    eq(rc, 2, f"yima {' '.join(args)}: {out} {err}")
    check(says in err, f"yima {' '.join(args)}: want {says!r} in {err!r}")


def test_stock_lots_sites_products():
    d = scene()
    try:
        _, out, _ = d.yima("stock", "--site", "PH1", check_rc=0)
        lines = out.strip().split("\n")
        check(lines[0].split()[:3] == ["PRODUCT", "LOT", "EXPIRY"], out)
        eq([ln.split()[1] for ln in lines[1:]], ["L1"], f"PH1's stock:\n{out}")
        eq(lines[1].split()[4], "2", f"PH1 holds 2 units of L1:\n{out}")
        _, out, _ = d.yima("--json", "stock", "--site", "MFR", check_rc=0)
        eq([(r["lot"], r["units"]) for r in json.loads(out)], [("L1", MANY), ("L2", 1)],
           "MFR's stock as JSON")
        _, out, _ = d.yima("stock", "--site", "MFR", "--product", PRODUCT, "--csv",
                           check_rc=0)
        eq([(r["lot"], r["units"]) for r in rows_csv(out)],
           [("L1", str(MANY)), ("L2", "1")], "--csv")
        _, out, _ = d.yima("stock", "--site", "MFR", "--limit", "1", "--csv", check_rc=0)
        eq(len(rows_csv(out)), 1, "--limit 1")

        _, out, _ = d.yima("lots", PRODUCT, "--json", check_rc=0)
        eq([(r["lot"], r["status"], r["dispensed"]) for r in json.loads(out)],
           [("L1", "active", 1), ("L2", "active", 0)], "lots")
        _, out, _ = d.yima("lots", PRODUCT, check_rc=0)
        check(out.startswith("LOT ") and "\nL2 " in out, out)

        _, out, _ = d.yima("sites", "--kind", "pharmacy", "--region", "11", "--csv",
                           check_rc=0)
        eq([(r["id"], r["kind"], r["region"], r["name"]) for r in rows_csv(out)],
           [("PH1", "pharmacy", "110105", "PH1 name")], "Beijing's pharmacies")
        _, out, _ = d.yima("sites", check_rc=0)
        eq([ln.split()[0] for ln in out.strip().split("\n")[1:]], ["MFR", "PH1", "PH2"], out)
        _, out, _ = d.yima("products", "--json", check_rc=0)
        eq([(p["id"], p["name"]) for p in json.loads(out)],
           [(PRODUCT, "Amoxicillin"), (OTHER, "Ibuprofen")], "products")

        # The server's refusals come through as errors (exit 1).
        rc, _, err = d.yima("sites", "--kind", "shop")
        eq(rc, 1, err)
        check(err.startswith("yima: ERR"), err)
        rc, _, err = d.yima("lots", "9999999")
        eq(rc, 1, err)
        usage(d, "stock", says="--site is required")
        usage(d, "stock", "--site", "PH1", "--csv", "--json", says="choose one of")
        usage(d, "lots", says="usage: yima lots PRODUCT")
        usage(d, "sites", "--limit", "0", says="--limit must be a number")
        usage(d, "sites", "--limit", "x", says="--limit must be a number")
        usage(d, "stok", says="did you mean 'stock'?")
    finally:
        d.close()


def test_contents_follows_every_page():
    d = scene()
    try:
        _, out, _ = d.yima("contents", code(90), "--json", check_rc=0)
        got = json.loads(out)
        eq(len(got), MANY, "rows over two pages")
        check(sorted(r["code"] for r in got) == sorted(code(1000 + n) for n in range(MANY)),
              "every unit of the pack, once")
        check(all(r["in"] == code(90) and r["depth"] == 1 for r in got), got[:2])
        _, out, _ = d.yima("contents", code(90), "--csv", check_rc=0)
        eq(len(rows_csv(out)), MANY, "--csv has every row")
        _, out, _ = d.yima("contents", code(90), "--limit", "3", check_rc=0)
        eq(len(out.strip().split("\n")), 1 + 3, f"a heading and three rows:\n{out}")
        usage(d, "contents", "not-a-code", says="is no code")
        rc, _, err = d.yima("contents", code(55))
        eq(rc, 1, f"an uncommissioned code: {err}")
    finally:
        d.close()


def test_risk_alerts_and_alert_set():
    d = scene()
    try:
        _, out, _ = d.yima("risk", check_rc=0)
        lines = out.strip().split("\n")
        check(lines[0].split()[:2] == ["RANK", "SITE"], out)
        eq(lines[1].split()[:2], ["1", "PH1"], f"PH1 first:\n{out}")
        _, out, _ = d.yima("risk", "--csv", "--limit", "1", check_rc=0)
        r = rows_csv(out)
        eq([(x["site"], x["duplicates"], x["unknown_codes"]) for x in r], [("PH1", "1", "1")],
           "--csv --limit 1")
        _, out, _ = d.yima("risk", "--json", "--region", "31", check_rc=0)
        check(all(x["site"] == "PH2" for x in json.loads(out)), out)
        rc, _, err = d.yima("risk", "--region", "x")
        eq(rc, 1, err)

        _, out, _ = d.yima("alerts", "--kind", "duplicate", "--json", check_rc=0)
        alerts = json.loads(out)
        eq([(a["kind"], a["status"]) for a in alerts], [("duplicate", "open")], "duplicates")
        aid = str(alerts[0]["id"])
        _, out, _ = d.yima("alert", "set", aid, "--status", "closed", "--class", "user_error",
                           "--note", "scanned twice", "--json", check_rc=0)
        eq(json.loads(out)["status"], "closed", out)
        _, out, _ = d.yima("alerts", "--status", "closed", check_rc=0)
        eq(len(out.strip().split("\n")), 1, out)
        check(out.strip().endswith("[closed user_error: scanned twice]"), out)
        _, out, _ = d.yima("alerts", "--status", "open", "--json", check_rc=0)
        eq([a["kind"] for a in json.loads(out)], ["unknown"], "the one still open")
        rc, _, err = d.yima("alert", "set", aid, "--status", "shut")
        eq(rc, 1, err)
        check("shut" in err, err)
        usage(d, "alert", "set", aid, says="give --status, --class or --note")
        usage(d, "alert", "get", aid, says="usage: yima alert set ID")
        usage(d, "alerts", "--kind", says="--kind")
    finally:
        d.close()


def test_impact_of_a_product():
    d = scene()
    try:
        _, out, _ = d.yima("impact", PRODUCT, check_rc=0)
        check(out.startswith(f"product {PRODUCT}, 2 lots:"), out)
        check("\n  L1 " in out and "\n  L2 " in out, out)
        _, out, _ = d.yima("impact", PRODUCT, "--json", check_rc=0)
        r = json.loads(out)
        eq((r["lot"], [x["lot"] for x in r["lots"]]), (None, ["L1", "L2"]), "IMPACT PRODUCT")
        _, out, _ = d.yima("impact", PRODUCT, "--region", "31", "--json", check_rc=0)
        eq(sorted(s["site"] for s in json.loads(out)["sites"]), ["PH2"], "Shanghai's sites")
        _, out, _ = d.yima("impact", PRODUCT, "--csv", check_rc=0)
        check(out.startswith("site,"), out)
        usage(d, "impact", PRODUCT, "L1", "--region", "11", says="--region goes with a product")
        rc, _, err = d.yima("impact", "9999999")
        eq(rc, 1, f"an unknown product is the server's refusal: {err}")
    finally:
        d.close()
