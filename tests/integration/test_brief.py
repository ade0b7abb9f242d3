"""VERIFY, DISPENSE and UNDO ... BRIEF: the reply a till acts on.  Over
RESP 2 and 3, HTTP and the CLI, a brief reply holds verdict, reasons and
message and nothing else, each the full reply's; BRIEF changes nothing a
sale records; a BRIEF given wrongly is refused and changes nothing."""
import contextlib
import json

from harness import check, eq
from secutil import certs, ok, refused
from test_http import acl_yimad, call, cn, http_yimad, resp_json, stock, tls_port_flags

BRIEF_KEYS = ["verdict", "reasons", "message"]


@contextlib.contextmanager
def stocked(d):
    """d (a yimad with HTTP) holding codes 1-4 at PH1 (test_http.stock);
    stopped however the test ends."""
    try:
        stock(d)
        yield d
    finally:
        d.close()


def pairs(r):
    """A reply's (key, value) pairs in the order sent: a RESP 3 map, or
    RESP 2's flat array; keys as text."""
    items = list(r.items()) if isinstance(r, dict) else list(zip(r[0::2], r[1::2]))
    return [(k.decode(), v) for k, v in items]


def brief_of(full, brief, what):
    """brief holds exactly the first three pairs of full: verdict, reasons,
    message, equal; full goes on past them."""
    f, b = pairs(full), pairs(brief)
    eq([k for k, _ in b], BRIEF_KEYS, f"{what}: the brief reply's keys")
    eq(b, f[:3], f"{what}: the brief reply is the full one's verdict, reasons, message")
    check(len(f) > 3, f"{what}: the full reply has the record too: {full!r}")
    return dict(b)


def test_resp2_and_resp3_brief_replies_are_the_full_ones_first_three():
    with stocked(http_yimad()) as d:
        for proto in ("2", "3"):
            c = d.connect()
            if proto == "3":
                c.call("HELLO", "3")
            for site, verdict in (("PH1", b"green"), ("PH2", b"amber")):
                b = brief_of(ok(c.call("VERIFY", cn(1), "SITE", site)),
                             ok(c.call("VERIFY", cn(1), "SITE", site, "BRIEF")),
                             f"RESP{proto} VERIFY at {site}")
                eq(b["verdict"], verdict, f"RESP{proto} VERIFY at {site}")
            c.close()

        c = d.connect()
        c.call("HELLO", "3")
        # A brief sale sells, and binds its TX: a retry, brief or not, gets
        # the same answer and sells nothing more.
        sale = ("DISPENSE", cn(2), "SITE", "PH1", "TX", "T1")
        first = ok(c.call(*sale, "BRIEF"))
        eq(list(first), [b"verdict", b"reasons", b"message"], "brief DISPENSE keys")
        eq(first[b"verdict"], b"green", "brief DISPENSE sells")
        again_full = ok(c.call(*sale))
        eq(again_full[b"dispensed"], 1, "a retry without BRIEF: one unit sold")
        brief_of(again_full, ok(c.call(*sale, "BRIEF")), "retried DISPENSE")
        eq(ok(c.call(*sale, "BRIEF")), first, "the retry's brief answer is the first's")
        trace = ok(c.call("TRACE", cn(2)))
        eq([e[b"event"] for e in trace[b"events"]].count(b"dispense"), 1, "one sale recorded")

        # A duplicate's brief message names the first sale, as the full one.
        red = brief_of(ok(c.call("DISPENSE", cn(2), "SITE", "PH2", "TX", "T2")),
                       ok(c.call("DISPENSE", cn(2), "SITE", "PH2", "TX", "T3", "BRIEF")),
                       "duplicate DISPENSE")
        eq((red["verdict"], red["reasons"]), (b"red", [b"duplicate"]), "duplicate")
        check(b"already dispensed at PH1 on " in red["message"], red)
        brief_of(ok(c.call("VERIFY", cn(2))), ok(c.call("VERIFY", cn(2), "BRIEF")),
                 "VERIFY of a sold code")
        un = ok(c.call("UNDO", cn(2), "SITE", "PH1", "TX", "T1", "BRIEF"))
        eq((list(un), un[b"verdict"]), ([b"verdict", b"reasons", b"message"], b"green"),
           "brief UNDO")
        brief_of(ok(c.call("UNDO", cn(2), "SITE", "PH1", "TX", "T9")),
                 ok(c.call("UNDO", cn(2), "SITE", "PH1", "TX", "T9", "BRIEF")),
                 "UNDO of no sale")
        c.close()

def test_brief_given_wrongly_is_refused_and_changes_nothing():
    with stocked(http_yimad()) as d:
        c = d.connect()
        c.call("HELLO", "3")
        before = ok(c.call("TRACE", cn(3)))
        for words, says in (
                (("VERIFY", cn(3), "BRIEF", "BRIEF"), "BRIEF given twice"),
                (("DISPENSE", cn(3), "SITE", "PH1", "BRIEF", "yes"),
                 "unexpected argument 'yes'"),
                (("DISPENSE", cn(3), "BRIEF", "SITE", "PH1", "BRIEF"), "BRIEF given twice"),
                (("TRACE", cn(3), "BRIEF"), "unexpected argument 'BRIEF'"),
                (("UNDO", cn(3), "SITE", "PH1", "TX", "T1", "BRIEF", "BRIEF"),
                 "wrong number of arguments for 'UNDO'; usage: UNDO code SITE s TX t [BRIEF]")):
            r = refused(c.call(*words), "ERR", " ".join(words))
            check(says in r, f"{' '.join(words)}: {r}")
        eq(ok(c.call("TRACE", cn(3))), before, "nothing changed")
        st, body, _ = call(d, "GET", f"/v1/verify?code={cn(3)}&brief=maybe")
        eq(st, 400, body)
        check("brief=maybe: true or false" in body["error"], body)
        st, body, _ = call(d, "POST", "/v1/dispense",
                           {"code": cn(3), "site": "PH1", "brief": "yes"})
        eq(st, 400, body)
        check("brief" in body["error"], body)
        eq(ok(c.call("TRACE", cn(3))), before, "nothing changed by HTTP either")

def test_http_brief_is_the_resp_brief_reply():
    with stocked(http_yimad()) as d:
        st, body, _ = call(d, "GET", f"/v1/verify?code={cn(1)}&site=PH2&brief=true")
        eq(st, 200, body)
        eq(list(body), BRIEF_KEYS, "brief=true keys")
        eq(body, resp_json(d, "VERIFY", cn(1), "SITE", "PH2", "BRIEF"), "as RESP answers")
        st, full, _ = call(d, "GET", f"/v1/verify?code={cn(1)}&site=PH2&brief=false")
        eq({k: full[k] for k in BRIEF_KEYS}, body, "brief=false: the full reply, same three")
        check("holder" in full, full)
        sale = {"code": cn(2), "site": "PH1", "tx": "till-1", "brief": True}
        st, sold, _ = call(d, "POST", "/v1/dispense", sale)
        eq((st, list(sold), sold["verdict"]), (200, BRIEF_KEYS, "green"), sold)
        st, undone, _ = call(d, "POST", "/v1/undo", sale)
        eq((st, list(undone), undone["verdict"]), (200, BRIEF_KEYS, "green"), undone)

def test_public_brief_verify_says_no_more_than_the_public_one():
    tokens = [("till", "pharmacy", "PH1", "t-ph1")]
    with stocked(acl_yimad(tokens, "--public-verify", "yes", *tls_port_flags())) as d:
        c = d.connect()
        ok(c.call("DISPENSE", cn(1), "SITE", "PH1", "TX", "T1"))
        c.close()
        pub = d.connect_tls(certs()["ca"])
        pub.call("HELLO", "3")
        b = brief_of(ok(pub.call("VERIFY", cn(1))), ok(pub.call("VERIFY", cn(1), "BRIEF")),
                     "public VERIFY")
        eq(b["message"], b"already dispensed", "the public message names no site or time")
        pub.close()

def test_cli_brief():
    with stocked(http_yimad()) as d:
        rc, out, err = d.yima("verify", cn(1), "--site", "PH1", "--brief")
        eq((rc, err), (0, ""), out)
        eq(out, "GREEN  ok\n", "the light line alone")
        rc, full, _ = d.yima("verify", cn(1), "--site", "PH1")
        check("lot:" in full and full.startswith("GREEN  ok — "), full)
        rc, out, err = d.yima("--json", "verify", cn(1), "--site", "PH2", "--brief")
        eq(rc, 3, err)
        eq(json.loads(out), resp_json(d, "VERIFY", cn(1), "SITE", "PH2", "BRIEF"),
           "--json --brief: the reply as it came")
        eq(list(json.loads(out)), BRIEF_KEYS, "no nulls added")
        d.yima("dispense", cn(2), "--site", "PH1", "--tx", "T1", "--brief", check_rc=0)
        rc, out, err = d.yima("dispense", cn(2), "--site", "PH2", "--tx", "T2", "--brief")
        eq(rc, 4, err)
        check(out.startswith("RED    duplicate — already dispensed at PH1 on ") and
              out.count("\n") == 1, out)
        d.yima("undo", cn(2), "--site", "PH1", "--tx", "T1", "--brief", check_rc=0)
        rc, out, err = d.yima("verify", "--help")
        check("--brief" in out + err, out + err)
