"""End states besides sale and destruction (DECOMMISSION ... STATE sample|
exported|stolen|checked_out), their undo (REACTIVATE, within the undo
window, by the same site), and UNWITHDRAW: the verdicts a later scan gets,
IMPACT's counts, TRACE, which site kinds may, bad input changing nothing."""
from harness import Yimad, check, eq, Error
from test_verdicts import chain, cn, ok, verdict


def sites(c):
    for site, kind in (("DIST", "distributor"), ("REG", "regulator")):
        eq(c.call("SITE", "SET", site, "name", site, "kind", kind), "OK", "SITE SET")


def test_end_states_verdicts_impact_trace():
    d = Yimad()
    try:
        codes = [cn(i) for i in range(1, 9)]
        c = chain(d, codes, to="HOSP1")
        sites(c)
        before = verdict(c.call("VERIFY", cn(1), "SITE", "HOSP1"))
        eq(before, ("green", []), "in stock at HOSP1")
        r = ok(c.call("DECOMMISSION", cn(1), "SITE", "HOSP1", "STATE", "stolen", "REF", "PR-7"))
        eq(r[b"codes"], 1, "reply")
        ok(c.call("DECOMMISSION", cn(2), cn(3), "SITE", "HOSP1", "STATE", "sample"))
        ok(c.call("DECOMMISSION", cn(4), "SITE", "HOSP1", "STATE", "checked_out"))
        eq(verdict(c.call("VERIFY", cn(1), "SITE", "HOSP1")), ("red", ["stolen"]), "stolen")
        eq(verdict(c.call("VERIFY", cn(2), "SITE", "PH1")), ("red", ["sample"]), "sample")
        eq(verdict(c.call("VERIFY", cn(4), "SITE", "HOSP1")), ("amber", ["checked_out"]),
           "checked out, at its hospital")
        eq(verdict(c.call("VERIFY", cn(4), "SITE", "PH1")), ("red", ["checked_out"]),
           "checked out, elsewhere")
        r = c.call("VERIFY", cn(4), "SITE", "PH1")
        check(b"ward of HOSP1" in r[b"message"], f"message names the hospital: {r}")
        # A hospital exports nothing: the site-kind rule says who may.
        r = c.call("DECOMMISSION", cn(5), "SITE", "HOSP1", "STATE", "exported")
        check(isinstance(r, Error) and "STATE exported" in r and "distributors" in r,
              f"hospital export refused: {r}")
        # Bad input: a clear error, nothing changed.
        for args, want in ((("STATE", "lost"), "STATE 'lost' is not an end state"),
                           (("STATE", "stolen", "SITE", "NOPE"), "NOPE"),):
            a = [cn(5)] + (["SITE", "HOSP1"] if "SITE" not in args else []) + list(args)
            r = c.call("DECOMMISSION", *a)
            check(isinstance(r, Error) and want in r, f"{a}: {r}")
        r = c.call("DECOMMISSION", cn(1), "SITE", "HOSP1", "STATE", "sample")
        check(isinstance(r, Error) and "decommissioned (stolen)" in r, f"twice: {r}")
        r = c.call("DECOMMISSION", cn(5), cn(1), "SITE", "HOSP1", "STATE", "sample")
        check(isinstance(r, Error) and "code 2" in r, f"one bad code: {r}")
        eq(verdict(c.call("VERIFY", cn(5), "SITE", "HOSP1")), ("green", []), "unchanged")
        # IMPACT counts per state; TRACE shows the event and its state.
        imp = ok(c.call("IMPACT", "8301234", "L1"))
        t = imp[b"totals"]
        eq((t[b"stolen"], t[b"sample"], t[b"checked_out"], t[b"exported"], t[b"in_stock"],
            t[b"units"]), (1, 2, 1, 0, 4, 8), "IMPACT totals")
        h = [s for s in imp[b"sites"] if s[b"site"] == b"HOSP1"][0]
        eq((h[b"stolen"], h[b"sample"], h[b"checked_out"]), (1, 2, 1), "HOSP1's row")
        tr = ok(c.call("TRACE", cn(1)))
        last = tr[b"events"][-1]
        eq((last[b"event"], last[b"state"], last[b"site"], last[b"ref"]),
           (b"decommission", b"stolen", b"HOSP1", b"PR-7"), "TRACE")
        # The ward gives the checked-out pack: AMBER, and it is sold.
        r = c.call("DISPENSE", cn(4), "SITE", "HOSP1", "TX", "W1")
        eq((verdict(r), r[b"status"]), (("amber", ["checked_out"]), b"dispensed"), "ward use")
        # CODES by state.
        r = ok(c.call("CODES", "8301234", "L1", "STATUS", "sample"))
        eq(len(r[b"codes"]), 2, "CODES STATUS sample")
        c.close()
    finally:
        d.close()


def test_reactivate_same_site_within_window():
    d = Yimad()
    try:
        codes = [cn(i) for i in range(1, 4)]
        c = chain(d, codes, to="PH1")
        ok(c.call("DECOMMISSION", cn(1), cn(2), "SITE", "PH1", "STATE", "stolen"))
        r = c.call("REACTIVATE", cn(1), "SITE", "PH2")
        check(isinstance(r, Error) and "only that site" in r, f"other site: {r}")
        r = c.call("REACTIVATE", cn(3), "SITE", "PH1")
        check(isinstance(r, Error) and "not decommissioned" in r, f"active: {r}")
        ok(c.call("REACTIVATE", cn(1), "SITE", "PH1", "REF", "found in the back room"))
        eq(verdict(c.call("VERIFY", cn(1), "SITE", "PH1")), ("green", []), "back in stock")
        tr = ok(c.call("TRACE", cn(1)))
        eq([(e[b"event"], e.get(b"state")) for e in tr[b"events"][-2:]],
           [(b"decommission", b"stolen"), (b"reactivate", b"stolen")], "TRACE")
        imp = ok(c.call("IMPACT", "8301234", "L1"))
        eq((imp[b"totals"][b"stolen"], imp[b"totals"][b"in_stock"]), (1, 2), "IMPACT")
        d.advance("11d")    # past the default undo window of 10 days
        r = c.call("REACTIVATE", cn(2), "SITE", "PH1")
        check(isinstance(r, Error) and "undo window (10d)" in r, f"late: {r}")
        eq(verdict(c.call("VERIFY", cn(2), "SITE", "PH1")), ("red", ["stolen"]), "stays stolen")
        c.close()
    finally:
        d.close()


def test_unwithdraw():
    d = Yimad()
    try:
        c = chain(d, [cn(1)], to="PH1")
        ok(c.call("WITHDRAW", "8301234", "REASON", "wrong product"))
        eq(verdict(c.call("VERIFY", cn(1), "SITE", "PH1")), ("red", ["withdrawn"]), "withdrawn")
        r = ok(c.call("UNWITHDRAW", "8301234", "REASON", "withdrawn in error"))
        check(r[b"event"] > 0, f"event: {r}")
        eq(verdict(c.call("VERIFY", cn(1), "SITE", "PH1")), ("green", []), "as before")
        r = c.call("UNWITHDRAW", "8301234", "REASON", "again")
        check(isinstance(r, Error) and "not withdrawn" in r, f"twice: {r}")
        r = c.call("UNWITHDRAW", "9999999", "REASON", "x")
        check(isinstance(r, Error) and "9999999" in r, f"unknown product: {r}")
        tr = ok(c.call("TRACE", cn(1)))
        eq([e[b"event"] for e in tr[b"events"]][-2:], [b"withdraw", b"unwithdraw"], "TRACE")
        ok(c.call("WITHDRAW", "8301234", "REASON", "now for real"))
        eq(verdict(c.call("VERIFY", cn(1), "SITE", "PH1")), ("red", ["withdrawn"]), "again")
        r = ok(c.call("AUDIT", "VERIFY"))
        check(not isinstance(r, Error), f"audit chain: {r}")
        c.close()
    finally:
        d.close()


def test_reactivate_refused_once_recalled_or_withdrawn():
    """EU Art. 13: a pack recalled or withdrawn since it was decommissioned
    stays out of stock; once the recall is lifted it may return."""
    d = Yimad()
    try:
        c = chain(d, [cn(1), cn(2)], to="PH1")
        ok(c.call("DECOMMISSION", cn(1), cn(2), "SITE", "PH1", "STATE", "sample"))
        ok(c.call("RECALL", "8301234", "L1", "LEVEL", "1", "REASON", "contamination"))
        r = c.call("REACTIVATE", cn(1), "SITE", "PH1")
        check(isinstance(r, Error) and "its lot is recalled, so it cannot return to stock" in r,
              f"recalled: {r}")
        eq(verdict(c.call("VERIFY", cn(1), "SITE", "PH1"))[1], ["recalled", "sample"],
           "still a sample")
        ok(c.call("LIFT", "8301234", "L1", "REASON", "cleared"))
        ok(c.call("WITHDRAW", "8301234", "REASON", "licence"))
        r = c.call("REACTIVATE", cn(1), "SITE", "PH1")
        check(isinstance(r, Error) and "its product is withdrawn" in r, f"withdrawn: {r}")
        ok(c.call("UNWITHDRAW", "8301234", "REASON", "in error"))
        ok(c.call("REACTIVATE", cn(1), "SITE", "PH1"))
        eq(verdict(c.call("VERIFY", cn(1), "SITE", "PH1")), ("green", []), "back")
        c.close()
    finally:
        d.close()


def test_decommission_as_events_records():
    """DECOMMISSION and REACTIVATE are EVENTS records (a bulk load): all or
    nothing, each record answering as the command alone."""
    d = Yimad()
    try:
        c = chain(d, [cn(i) for i in range(1, 4)], to="PH1")
        r = c.call("EVENTS", f"DECOMMISSION {cn(1)} SITE PH1 STATE stolen REF PR-1",
                   f"DECOMMISSION {cn(2)} SITE PH1 STATE exported")
        check(isinstance(r, Error) and "record 2" in r and "pharmacy" in r and
              "nothing was applied" in r, f"a pharmacy exports nothing: {r}")
        eq(verdict(c.call("VERIFY", cn(1), "SITE", "PH1")), ("green", []), "nothing applied")
        r = ok(c.call("EVENTS", f"DECOMMISSION {cn(1)} SITE PH1 STATE stolen REF PR-1",
                      f"DECOMMISSION {cn(2)} SITE PH1 STATE sample",
                      f"REACTIVATE {cn(2)} SITE PH1"))
        eq((r[b"records"], r[b"applied"]), (3, 3), "applied")
        eq(verdict(c.call("VERIFY", cn(1), "SITE", "PH1")), ("red", ["stolen"]), "stolen")
        eq(verdict(c.call("VERIFY", cn(2), "SITE", "PH1")), ("green", []), "reactivated")
        c.close()
    finally:
        d.close()


def test_cli_decommission_reactivate_unwithdraw():
    """yima decommission / reactivate / unwithdraw: options anywhere (global
    ones too), the codes through the codecs, usage errors sending nothing."""
    d = Yimad()
    try:
        c = chain(d, [cn(1), cn(2), cn(3)], to="PH1")
        # Global --json after the subcommand's words; the codes in any form.
        full_width = "".join(chr(ord(x) + 0xFEE0) for x in cn(2))
        rc, out, err = d.yima("decommission", cn(1), "--site", "PH1", full_width,
                              "--state=stolen", "--json", "--ref", "PR 9")
        eq(rc, 0, f"decommission: {err}")
        check('"codes": 2' in out or '"codes":2' in out, f"--json reply: {out}")
        eq(verdict(c.call("VERIFY", cn(2), "SITE", "PH1")), ("red", ["stolen"]), "stolen")
        tr = ok(c.call("TRACE", cn(1)))
        eq(tr[b"events"][-1][b"ref"], b"PR 9", "REF sent")
        # Usage errors: exit 2, nothing sent.
        for args, want in ((("decommission", cn(3), "--site", "PH1"), "--state is required"),
                           (("decommission", "--site", "PH1", "--state", "sample"),
                            "no CODE given"),
                           (("decommission", "6901234567892", "--site", "PH1", "--state",
                             "sample"), "CODE 1: EAN-13"),
                           (("reactivate", cn(1)), "--site is required"),
                           (("unwithdraw", "8301234"), "--reason is required"),
                           (("decommission", cn(3), "--site", "PH1", "--state", "sample",
                             "--bogus", "x"), "unknown option '--bogus'")):
            rc, out, err = d.yima(*args)
            check(rc == 2 and want in err, f"{args}: exit {rc}, {err!r}")
        eq(verdict(c.call("VERIFY", cn(3), "SITE", "PH1")), ("green", []), "nothing sent")
        # A refusal by the server: exit 1 with its message.
        rc, out, err = d.yima("decommission", cn(3), "--site", "PH1", "--state", "lost")
        check(rc == 1 and "STATE 'lost' is not an end state" in err, f"server: {rc} {err!r}")
        d.yima("reactivate", cn(1), cn(2), "--site", "PH1", check_rc=0)
        eq(verdict(c.call("VERIFY", cn(2), "SITE", "PH1")), ("green", []), "reactivated")
        ok(c.call("WITHDRAW", "8301234", "REASON", "x"))
        d.yima("unwithdraw", "8301234", "--reason", "in error", check_rc=0)
        eq(verdict(c.call("VERIFY", cn(1), "SITE", "PH1")), ("green", []), "unwithdrawn")
        rc, out, err = d.yima("--help")
        check(all(w in out for w in ("decommission CODE...", "reactivate CODE...",
                                    "unwithdraw PRODUCT")), f"--help lists them: {out}")
        c.close()
    finally:
        d.close()
