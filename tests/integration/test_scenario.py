"""The regulators' scenario end to end, as its users run it with the `yima`
CLI: yima-gen's chain with categories, archives, temperatures and two
planted bad pharmacies is loaded, the counters sell what scans.csv says,
and then

  1. a vaccine scanned at a pharmacy that never received it is RED (the
     vaccine policy), and an alert is raised;
  2. a unit of the 14.5 °C shipment is RED cold_chain_break at the counter,
     sells once a regulator releases it after assessment, and its alert is
     handled (investigating, then closed with a classification);
  3. a distributor repackages units of a lot; the lot is recalled; the
     repackaged outputs are RED recalled naming that lot, and the lot's
     IMPACT lists the derived lot;
  4. `yima risk` names the planted pharmacies first;
  5. IMPACT PRODUCT answers for the vaccine across its lots.

tests/bench/impact_product_bench.sh times IMPACT PRODUCT on a 10 M-unit
store (tests/bench/RESULTS.md)."""
import csv
import io
import json
import os
import shutil

from harness import check, day, eq
from harness import Yimad
from test_gen import gen, load_files, rows

OUTPUT_PRODUCT = "8309999"	# not one of yima-gen's prefixes


def units_of(events, container):
    """The level-1 units packed into a middle pack, as events.csv says."""
    return [r["code"] for r in events if r["event"] == "pack" and r["parent"] == container]


def cli_json(y, *args, rc=0):
    got, out, err = y.yima("--json", *args)
    eq(got, rc, f"yima {' '.join(args)}: {out}{err}")
    return json.loads(out)


def test_regulators_scenario():
    d, _ = gen(20000, "--archives", "--bad-pharmacies", "2", seed=5)
    y = Yimad()
    try:
        sites = rows(os.path.join(d, "sites.csv"))
        products = {p["product"]: p for p in rows(os.path.join(d, "products.csv"))}
        events = rows(os.path.join(d, "events.csv"))
        pharmacies = [s["site"] for s in sites if s["kind"] == "pharmacy"]
        planted = pharmacies[-2:]
        c = load_files(y, d)

        # The counters sell; the planted expired licences make some AMBER.
        for s in rows(os.path.join(d, "scans.csv")):
            v = c.call("DISPENSE", s["code"], "SITE", s["site"], "TX", s["tx"])
            got = v[b"verdict"].decode()
            if v[b"reasons"] == [b"licence_expired"]:
                got = "green"
            eq(got, s["expect"], f"counter sale {s}: {v}")

        # 1. A vaccine away from its holder: a pharmacy that never received
        # it scans it.  RED by the vaccine policy, and an alert.
        vaccines = {p for p, r in products.items() if r["category"] == "vaccine"}
        check(vaccines, "yima-gen made vaccines")
        # A receive row's receiver is its `to`.
        received = [r for r in events if r["event"] == "receive" and r["to"] in pharmacies
                    and r["temp"] == ""]
        # Packs carry no product column: find the unit's product by its commission row.
        made = {r["code"]: r["product"] for r in events if r["event"] == "commission"}
        vaccine_packs = [r for r in received
                         if any(made.get(u) in vaccines for u in units_of(events, r["code"]))]
        check(vaccine_packs, "a vaccine middle pack received by a pharmacy")
        # One of their units still on the shelf, sellable where it is.
        unit, holder = next((u, r["to"]) for r in vaccine_packs
                            for u in units_of(events, r["code"])
                            if c.call("VERIFY", u, "SITE", r["to"])[b"verdict"] == b"green")
        elsewhere = next(p for p in pharmacies if p != holder)
        rc, out, err = y.yima("dispense", unit, "--site", elsewhere, "--tx", "SCENARIO-1")
        eq(rc, 4, f"yima dispense of a vaccine at {elsewhere}, held by {holder}: {out}{err}")
        v = c.call("VERIFY", unit, "SITE", elsewhere)
        eq(v[b"verdict"], b"red", f"{v}")
        check(b"not_received_here" in v[b"reasons"], f"the reason: {v}")
        check("policy_vaccine" in v[b"message"].decode(), f"the policy named: {v}")
        eq(v[b"category"], b"vaccine", f"{v}")
        alerts = cli_json(y, "alerts", "--site", elsewhere, "--limit", "50")
        check(any(a.get("code") == unit for a in alerts),
              f"an alert for the vaccine sold away from its holder: {alerts}")

        # 2. The warm shipment, caught at the counter.
        warm = [r for r in events if r["temp"]]
        eq({(r["event"], r["ref"], r["to"], r["temp"]) for r in warm},
           {("ship", warm[0]["ref"], warm[0]["to"], "14.5")}, "one warm shipment")
        warm_units = [u for r in warm for u in units_of(events, r["code"])]
        at = warm[0]["to"]
        check(at in planted, f"the warm shipment goes to a planted pharmacy: {warm[0]}")
        unsold = [u for u in warm_units if c.call("VERIFY", u)[b"status"] != b"dispensed"]
        check(unsold, f"an unsold unit of the warm shipment: {warm_units}")
        u = unsold[0]
        before = c.call("VERIFY", u)
        got, out, err = y.yima("dispense", u, "--site", at, "--tx", "SCENARIO-2")
        eq(got, 4, f"the warm unit at the counter: {out}{err}")
        check("cold_chain_break" in out and "14.5 °C" in out, f"the counter is told why: {out}")
        after = c.call("VERIFY", u)
        eq((after[b"status"], after[b"dispensed"], after[b"holder"]),
           (before[b"status"], before[b"dispensed"], before[b"holder"]),
           "the refused sale recorded nothing")
        cold = cli_json(y, "alerts", "--kind", "cold_chain_break", "--limit", "10")
        check(cold, "the cold-chain break's alert")
        aid = str(cold[0]["id"])
        got, out, err = y.yima("alert", "set", aid, "--status", "investigating",
                               "--note", "logger data asked of DST")
        eq(got, 0, f"yima alert set: {out}{err}")
        got, out, err = y.yima("coldchain", "release", *unsold, "--reason",
                               "stability data: 14.5 °C for 2 h is within the label")
        eq(got, 0, f"yima coldchain release: {out}{err}")
        got, out, err = y.yima("dispense", u, "--site", at, "--tx", "SCENARIO-3")
        check(got in (0, 3), f"released, it sells: {out}{err}")
        got, out, err = y.yima("alert", "set", aid, "--status", "closed", "--class",
                               "user_error", "--note", "released after assessment")
        eq(got, 0, f"yima alert set closed: {out}{err}")
        closed = cli_json(y, "alerts", "--kind", "cold_chain_break", "--status", "closed")
        check(any(str(a["id"]) == aid for a in closed), f"the alert is closed: {closed}")

        # 3. Repackaging at a distributor, then a recall of the input lot.
        # Middle packs a distributor took out of a case (unpack: `from` is
        # the site) hold loose units there.
        opened = [(r["code"], r["from"]) for r in events
                  if r["event"] == "unpack" and r["from"].startswith("DST")]
        ordinary = {p for p, r in products.items() if r["category"] == "ordinary"}
        inputs, site, lot, product = None, None, None, None
        for code, dst in opened:
            units = units_of(events, code)
            if not units or made.get(units[0]) not in ordinary:
                continue
            free = [x for x in units
                    if (lambda v: (v[b"status"], v[b"holder"], v[b"verdict"]))(
                        c.call("VERIFY", x, "SITE", dst)) == (b"active", dst.encode(), b"green")]
            if len(free) >= 2:
                inputs, site = free[:2], dst
                lot = next(r["lot"] for r in events
                           if r["event"] == "commission" and r["code"] == free[0])
                product = made[free[0]]
                break
        check(inputs, "two units in stock at a distributor")
        outputs = [f"{OUTPUT_PRODUCT}{i:013d}" for i in (1, 2, 3, 4)]
        eq(y.yima("PRODUCT", "SET", OUTPUT_PRODUCT, "name", "Repackaged",
                  "units_per_pack", "1")[0], 0, "the output product")
        got, out, err = y.yima("transform", "--inputs", ",".join(inputs), "--outputs",
                               ",".join(outputs), "--site", site, "--lot", "RP1",
                               "--expiry", day(200), "--product", OUTPUT_PRODUCT)
        eq(got, 0, f"yima transform: {out}{err}")
        eq(y.yima("recall", product, lot, "--level", "1", "--reason",
                  "dissolution out of specification")[0], 0, "yima recall")
        v = cli_json(y, "verify", outputs[0], "--site", site, rc=4)
        eq(v["verdict"], "red", f"a repackaged output: {v}")
        check("recalled" in v["reasons"] and lot in v["message"],
              f"recalled, naming the source lot: {v}")
        report = cli_json(y, "impact", product, lot)
        derived = [x["lot"] for x in report["derived"]]
        check("RP1" in derived, f"the recall's reach includes the repackaged lot: {derived}")
        print(f"    recall of {product} {lot} at {site}'s repackaging: derived lots {derived}")

        # 4. The inspection list.
        got, out, err = y.yima("risk", "--limit", "5", "--csv")
        eq(got, 0, f"yima risk: {out}{err}")
        ranked = list(csv.DictReader(io.StringIO(out)))
        eq(sorted(r["site"] for r in ranked[:2]), sorted(planted),
           f"yima risk names the planted pharmacies first: {out}")
        print(f"    yima risk: {', '.join(r['site'] + ' ' + r['per_1000_sales'] for r in ranked[:3])}"
              f" (per 1,000 sales; planted {', '.join(planted)})")

        # 5. The emergency query for the vaccine, across its lots.
        vaccine = made[unit]
        r = cli_json(y, "impact", vaccine)
        check(r["totals"]["units"] > 0 and r.get("lots"), f"IMPACT PRODUCT {vaccine}: {r}")
        got, out, err = y.yima("impact", vaccine)
        eq(got, 0, f"yima impact {vaccine}: {out}{err}")
    finally:
        y.stop()
        shutil.rmtree(d, ignore_errors=True)
