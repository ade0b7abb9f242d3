"""Who may do what: every role against every command (the role matrix of
proto/PROTOCOL.md, written out here on its own), site scoping, tokens, the
ACL file, unauthenticated clients and public_verify."""
import os
import re
import tempfile
import time

from harness import Error, Yimad, check, day, eq
from secutil import PRODUCT, ROOT, certs, ok, refused, setup_sites, tls_flags, token_line

ALL = {"none", "pharmacy", "hospital", "distributor", "manufacturer", "regulator", "admin"}
SIGNED = ALL - {"none"}
COUNTER = {"pharmacy", "hospital"}
SUPPLY = {"distributor", "manufacturer"}
SITE_OF = {"pharmacy": "PH1", "hospital": "HOSP", "distributor": "DIST",
           "manufacturer": "MFR", "regulator": "PH1", "admin": "PH1", "none": "PH1"}

# The matrix as documented: command → roles allowed.
MATRIX = {
    "PING": ALL, "HELLO": ALL, "QUIT": ALL, "AUTH": ALL,
    "ECHO": SIGNED,
    "INFO": {"regulator", "admin"}, "CLOCK": {"admin"}, "BACKUP": {"admin"},
    "SITE SET": {"admin"}, "PRODUCT SET": {"admin"},
    "SITE GET": SIGNED, "PRODUCT GET": SIGNED,
    "COMMISSION": SUPPLY, "PACK": SUPPLY, "UNPACK": SUPPLY, "SHIP": SUPPLY,
    "RECEIVE": COUNTER | SUPPLY, "RETURN": COUNTER | SUPPLY, "DESTROY": COUNTER | SUPPLY,
    "VERIFY": SIGNED,
    "DISPENSE": COUNTER, "UNDO": COUNTER,
    "TRACE": COUNTER | SUPPLY | {"regulator"},
    "ALERTS": COUNTER | SUPPLY | {"regulator"},
    "RECALL": {"regulator"}, "LIFT": {"regulator"}, "WITHDRAW": {"regulator"},
    "LOCK": {"regulator"}, "UNLOCK": {"regulator"},
    "EVENTS": COUNTER | SUPPLY | {"admin"},   # each record: its own row
    "AUDIT VERIFY": {"regulator", "admin"},
    "RECALL.ACK": COUNTER | SUPPLY,
    "IMPACT": {"regulator"}, "CODES": {"regulator"},
    "EPCIS.QUERY": COUNTER | SUPPLY | {"regulator"},
    "CLIENT SETNAME": ALL, "CLIENT GETNAME": ALL, "CLIENT ID": ALL, "CLIENT INFO": ALL,
    "CLIENT SETINFO": ALL, "SELECT": ALL, "COMMAND": ALL,
    "DECOMMISSION": COUNTER | SUPPLY, "REACTIVATE": COUNTER | SUPPLY,
    "UNWITHDRAW": {"regulator"},
    "COLDCHAIN RELEASE": {"regulator"},
    "ALERT SET": {"regulator"}, "STOCK": COUNTER | SUPPLY | {"regulator"},
    "PRODUCT LIST": SIGNED, "SITE LIST": SIGNED,
    "LOTS": {"regulator"}, "CONTENTS": {"regulator"}, "RISK": {"regulator"},
    "TRANSFORM": SUPPLY,
}

CODE = "83012340000000000001"
EXPIRY = day(730)      # two years after the pinned day


def request(command, site):
    """A well-formed request of `command` acting for `site`."""
    other = "MFR" if site != "MFR" else "DIST"
    return {
        "PING": ["PING"], "HELLO": ["HELLO", "2"], "QUIT": ["QUIT"],
        "AUTH": ["AUTH", "not-a-token"], "ECHO": ["ECHO", "x"], "INFO": ["INFO", "server"],
        "CLOCK": ["CLOCK"], "BACKUP": ["BACKUP"],
        "SITE SET": ["SITE", "SET", "X1", "name", "x"], "SITE GET": ["SITE", "GET", "PH1"],
        "PRODUCT SET": ["PRODUCT", "SET", "8309999", "name", "x"],
        "PRODUCT GET": ["PRODUCT", "GET", PRODUCT],
        "COMMISSION": ["COMMISSION", "83012340000000000099", "SITE", site, "LOT", "L1",
                       "EXPIRY", EXPIRY],
        "PACK": ["PACK", "83012340000000000098", CODE, "SITE", site],
        "UNPACK": ["UNPACK", "83012340000000000098", "SITE", site],
        "SHIP": ["SHIP", CODE, "FROM", site, "TO", other],
        "RECEIVE": ["RECEIVE", CODE, "SITE", site],
        "RETURN": ["RETURN", CODE, "FROM", site, "TO", other],
        "DESTROY": ["DESTROY", "83012340000000000097", "SITE", site],
        "VERIFY": ["VERIFY", CODE, "SITE", site],
        "DISPENSE": ["DISPENSE", "83012340000000000096", "SITE", site, "TX", "T1"],
        "UNDO": ["UNDO", "83012340000000000096", "SITE", site, "TX", "T1"],
        "TRACE": ["TRACE", CODE], "ALERTS": ["ALERTS"],
        "RECALL": ["RECALL", PRODUCT, "NOLOT", "LEVEL", "1", "REASON", "r"],
        "LIFT": ["LIFT", PRODUCT, "NOLOT", "REASON", "r"],
        "WITHDRAW": ["WITHDRAW", "8309998", "REASON", "r"],
        "LOCK": ["LOCK", "83012340000000000095"], "UNLOCK": ["UNLOCK", "83012340000000000095"],
        "EVENTS": ["EVENTS", f"DESTROY 83012340000000000094 SITE {site}"],
        "AUDIT VERIFY": ["AUDIT", "VERIFY"],
        "RECALL.ACK": ["RECALL.ACK", PRODUCT, "NOLOT", "SITE", site],
        "IMPACT": ["IMPACT", PRODUCT, "NOLOT"], "CODES": ["CODES", PRODUCT, "NOLOT"],
        "EPCIS.QUERY": ["EPCIS.QUERY", "COUNT", "1"],
        "CLIENT SETNAME": ["CLIENT", "SETNAME", "till-1"], "CLIENT GETNAME": ["CLIENT", "GETNAME"],
        "CLIENT ID": ["CLIENT", "ID"], "CLIENT INFO": ["CLIENT", "INFO"],
        "CLIENT SETINFO": ["CLIENT", "SETINFO", "LIB-NAME", "redis-py"],
        "SELECT": ["SELECT", "0"], "COMMAND": ["COMMAND", "COUNT"],
        "DECOMMISSION": ["DECOMMISSION", "83012340000000000093", "SITE", site, "STATE",
                         "sample"],
        "REACTIVATE": ["REACTIVATE", "83012340000000000093", "SITE", site],
        "UNWITHDRAW": ["UNWITHDRAW", "8309998", "REASON", "r"],
        "COLDCHAIN RELEASE": ["COLDCHAIN", "RELEASE", CODE, "REASON", "assessed"],
        "ALERT SET": ["ALERT", "SET", "1", "STATUS", "investigating"],
        "STOCK": ["STOCK", "SITE", site], "PRODUCT LIST": ["PRODUCT", "LIST"],
        "SITE LIST": ["SITE", "LIST"], "LOTS": ["LOTS", "PRODUCT", PRODUCT],
        "CONTENTS": ["CONTENTS", CODE], "RISK": ["RISK"],
        "TRANSFORM": ["TRANSFORM", "INPUTS", "83012340000000000094", "OUTPUTS",
                      "83012340000000000095", "SITE", site, "LOT", "R1", "EXPIRY", EXPIRY],
    }[command]


def tokens():
    lines, secret = [], {}
    for role in SIGNED:
        secret[role] = f"secret-{role}"
        site = SITE_OF[role] if role in COUNTER | SUPPLY else "-"
        lines.append(token_line(f"t-{role}", role, site, secret[role]))
    return "".join(lines), secret


def daemon(*extra, acl_text=None):
    """A yimad with a token per role; returns (daemon, secrets)."""
    text, secret = tokens()
    tmp = tempfile.mkdtemp(prefix="yima-acl-")
    path = os.path.join(tmp, "acl")
    with open(path, "w") as f:
        f.write(acl_text if acl_text is not None else text)
    d = Yimad("--acl-file", path, "--auth-max-failures", "1000", *extra)
    d.acl_path = path
    return d, secret


def signed_in(d, secret, role):
    c = d.connect()
    if role != "none":
        eq(c.call("AUTH", secret[role]), "OK", f"AUTH as {role}")
    return c


def unauthenticated(d):
    """A connection that has not signed in: TLS, no client certificate."""
    return d.connect_tls(certs()["ca"])


def test_matrix_covers_every_command():
    with open(os.path.join(ROOT, "proto", "command.c")) as f:
        table = f.read()
    names = {f"{a} {b}" if b != "NULL" else a for a, b in
             re.findall(r'\[CMD_\w+\] = \{ CMD_\w+, "([\w.]+)", (NULL|"\w+")', table)}
    names = {n.replace('"', "") for n in names}
    eq(names - set(MATRIX), set(), "commands without a row in the test's matrix")
    eq(set(MATRIX) - names, set(), "rows for commands that do not exist")


def test_every_role_against_every_command():
    d, secret = daemon(*tls_flags("optional"))
    try:
        setup_sites(d).call("COMMISSION", CODE, "SITE", "MFR", "LOT", "L1",
                            "EXPIRY", EXPIRY)
        failures = []
        for role in sorted(ALL):
            for command in sorted(MATRIX):
                c = unauthenticated(d) if role == "none" else signed_in(d, secret, role)
                r = c.call(*request(command, SITE_OF[role]))
                denied = isinstance(r, Error) and r.split(" ")[0] in ("NOPERM", "NOAUTH")
                want = role in MATRIX[command]
                if want == denied:
                    failures.append(f"{role} {command}: {'allowed' if want else 'denied'} "
                                    f"expected, got {r!r}")
                if denied:
                    code = "NOAUTH" if role == "none" else "NOPERM"
                    if not r.startswith(code):
                        failures.append(f"{role} {command}: {code} expected, got {r!r}")
                c.close()
        # The local principal (plaintext, loopback, local_trust) may do all.
        for command in sorted(MATRIX):
            r = d.connect().call(*request(command, "MFR"))
            if isinstance(r, Error) and r.split(" ")[0] in ("NOPERM", "NOAUTH"):
                failures.append(f"local {command}: denied: {r!r}")
        eq(failures, [], "role matrix")
    finally:
        d.close()


def test_dispense_for_another_site_refused():
    d, secret = daemon()
    try:
        local = setup_sites(d)
        ok(local.call("SITE", "SET", "PH1", "gln", "6901234000016"))
        codes = ["83012340000000000011", "83012340000000000012"]
        ok(local.call("COMMISSION", *codes, "SITE", "MFR", "LOT", "L1", "EXPIRY", EXPIRY))
        ok(local.call("SHIP", *codes, "FROM", "MFR", "TO", "PH2"))
        ok(local.call("RECEIVE", *codes, "SITE", "PH2"))
        ph1 = signed_in(d, secret, "pharmacy")
        r = refused(ph1.call("DISPENSE", codes[0], "SITE", "PH2", "TX", "T1"), "NOPERM",
                    "DISPENSE as PH2")
        check("SITE must be your own site PH1, not 'PH2'" in r, r)
        refused(ph1.call("DISPENSE", codes[0], "TX", "T1", "SITE", "PH2"), "NOPERM",
                "DISPENSE as PH2, options reordered")
        # Malformed before it is anyone's: parsed once, refused as the
        # local principal's would be, and never applied as PH1's.
        r = refused(ph1.call("DISPENSE", codes[0], "SITE", "PH1", "SITE", "PH2"), "ERR",
                    "SITE given twice")
        check("SITE given twice" in r, r)
        refused(ph1.call("UNDO", codes[0], "SITE", "PH2", "TX", "T1"), "NOPERM", "UNDO")
        refused(ph1.call("RECEIVE", codes[0], "SITE", "PH2"), "NOPERM", "RECEIVE for PH2")
        refused(ph1.call("EVENTS", f"DISPENSE {codes[0]} SITE PH2 TX T9"), "ERR",
                "EVENTS record for PH2")
        # Nothing was sold: PH2 itself still sells it first.
        v = ok(local.call("DISPENSE", codes[0], "SITE", "PH2", "TX", "T2"))
        eq(v[b"verdict"], b"green", "PH2 sells first")
        # Its own site, by id or by GLN, is fine.
        r = ok(ph1.call("DISPENSE", codes[1], "SITE", "6901234000016", "TX", "T3"))
        check(b"verdict" in r, r)
        # Refusals are replies; the log has one line each, naming who and from where.
        log = [ln for ln in d.output().splitlines() if "SITE must be your own site" in ln]
        check(log and all("NOPERM for pharmacy 't-pharmacy'" in ln and "127.0.0.1" in ln for ln in log),
              "\n".join(log) or "no NOPERM line logged")
    finally:
        d.close()


def test_supply_chain_roles_act_for_their_own_site():
    d, secret = daemon()
    try:
        local = setup_sites(d)
        c1, c2 = "83012340000000000021", "83012340000000000022"
        mfr = signed_in(d, secret, "manufacturer")
        ok(mfr.call("COMMISSION", c1, c2, "SITE", "MFR", "LOT", "L1", "EXPIRY", EXPIRY))
        refused(mfr.call("COMMISSION", "83012340000000000023", "SITE", "DIST", "LOT", "L1"),
                "NOPERM", "COMMISSION at DIST")
        ok(mfr.call("SHIP", c1, "FROM", "MFR", "TO", "DIST"))
        dist = signed_in(d, secret, "distributor")
        ok(dist.call("RECEIVE", c1, "SITE", "DIST"))
        ok(local.call("SHIP", c2, "FROM", "MFR", "TO", "PH1"))
        r = refused(dist.call("SHIP", c2, "FROM", "MFR", "TO", "PH1"), "NOPERM",
                    "SHIP between two other sites")
        check("FROM must be your own site DIST" in r, r)
        # Only the holder ships its stock out, even to the principal itself.
        refused(mfr.call("SHIP", c1, "FROM", "DIST", "TO", "MFR"), "NOPERM",
                "SHIP of DIST's stock to MFR")
        # A batch is checked record by record.
        r = refused(mfr.call("EVENTS", "COMMISSION 83012340000000000024 SITE MFR LOT L1",
                             "COMMISSION 83012340000000000025 SITE DIST LOT L1"),
                    "ERR", "batch with another site's record")
        check("record 2" in r and "own site MFR" in r and "nothing was applied" in r, r)
        r = ok(mfr.call("EVENTS", "SKIPBAD", "COMMISSION 83012340000000000024 SITE MFR LOT L1",
                        "COMMISSION 83012340000000000025 SITE DIST LOT L1"))
        eq((r[r.index(b"applied") + 1], r[r.index(b"skipped") + 1]), (1, 1), "SKIPBAD")
    finally:
        d.close()


def test_pharmacy_sees_its_own_alerts_and_part_of_the_chain():
    d, secret = daemon()
    try:
        local = setup_sites(d)
        code = "83012340000000000031"
        ok(local.call("COMMISSION", code, "SITE", "MFR", "LOT", "L1", "EXPIRY", EXPIRY))
        ok(local.call("SHIP", code, "FROM", "MFR", "TO", "DIST"))
        ok(local.call("RECEIVE", code, "SITE", "DIST"))
        ok(local.call("SHIP", code, "FROM", "DIST", "TO", "PH2"))
        ok(local.call("RECEIVE", code, "SITE", "PH2"))
        ok(local.call("DISPENSE", code, "SITE", "PH2", "TX", "A"))
        ok(local.call("DISPENSE", code, "SITE", "PH2", "TX", "B"))   # alert at PH2
        ok(local.call("DISPENSE", code, "SITE", "PH1", "TX", "C"))   # alert at PH1
        eq(len(ok(local.call("ALERTS"))), 2, "all alerts, locally")
        ph1 = signed_in(d, secret, "pharmacy")
        mine = ok(ph1.call("ALERTS"))
        eq(len(mine), 1, "PH1 sees one alert")
        check(b"PH1" in mine[0], mine)
        refused(ph1.call("ALERTS", "SITE", "PH2"), "NOPERM", "ALERTS SITE PH2")
        t = ok(ph1.call("TRACE", code))
        events = t[t.index(b"events") + 1]
        kinds = [e[e.index(b"event") + 1] for e in events]
        eq(kinds, [b"commission"], "PH1 sees the origin only")
        eq(len(t[t.index(b"alerts") + 1]), 1, "PH1's alert only")
        full = ok(signed_in(d, secret, "regulator").call("TRACE", code))
        eq(len(full[full.index(b"events") + 1]), 6, "the regulator sees every event")
    finally:
        d.close()


def test_trace_shows_who_made_each_event():
    """Issue 20 item 10: TRACE names the principal behind each event (its
    token or certificate name and role, or the local principal), stored
    with the event; a pharmacy sees it for its own site's events only."""
    d, secret = daemon()
    try:
        local = setup_sites(d)
        code = "83012340000000000041"
        ok(local.call("COMMISSION", code, "SITE", "MFR", "LOT", "L1", "EXPIRY", EXPIRY))
        mfr = signed_in(d, secret, "manufacturer")
        ok(mfr.call("SHIP", code, "FROM", "MFR", "TO", "PH1", "REF", "DN-9"))
        ph1 = signed_in(d, secret, "pharmacy")
        ok(ph1.call("RECEIVE", code, "SITE", "PH1"))
        ok(ph1.call("DISPENSE", code, "SITE", "PH1", "TX", "T1"))

        def who(conn):
            conn.call("HELLO", "3")
            return [(e[b"event"].decode(), e.get(b"principal", b"").decode(),
                     e.get(b"role", b"").decode()) for e in ok(conn.call("TRACE", code))[b"events"]]
        eq(who(signed_in(d, secret, "regulator")),
           [("commission", "local", "local"), ("ship", "t-manufacturer", "manufacturer"),
            ("receive", "t-pharmacy", "pharmacy"), ("dispense", "t-pharmacy", "pharmacy")],
           "the regulator sees who made each event")
        eq(who(signed_in(d, secret, "pharmacy")),
           [("commission", "", ""), ("ship", "", ""), ("receive", "t-pharmacy", "pharmacy"),
            ("dispense", "t-pharmacy", "pharmacy")], "PH1 sees its own site's staff only")
        rc, out, err = d.yima("trace", code)
        eq(rc, 0, err)
        lines = [ln for ln in out.split("\n") if ln[:4].isdigit()]
        check(lines[0].endswith("by local"), out)
        check("ref DN-9  by manufacturer t-manufacturer" in lines[1], out)
        check(lines[3].endswith("by pharmacy t-pharmacy"), out)
    finally:
        d.close()


def test_unauthenticated_clients_and_public_verify():
    d, _ = daemon("--local-trust", "no")
    try:
        c = d.connect()
        eq(c.call("PING"), "PONG", "PING")
        check(isinstance(c.call("HELLO", "3"), dict), "HELLO")
        r = refused(c.call("VERIFY", CODE), "NOAUTH", "VERIFY")
        check("AUTH" in r, r)
        refused(c.call("SITE", "GET", "PH1"), "NOAUTH", "SITE GET")
        refused(c.call("DISPENSE", CODE, "SITE", "PH1"), "NOAUTH", "DISPENSE")
    finally:
        d.close()
    d, _ = daemon("--local-trust", "no", "--public-verify", "yes")
    try:
        c = d.connect()
        r = ok(c.call("VERIFY", CODE))
        check(b"verdict" in r, r)
        refused(c.call("VERIFY", CODE, "SITE", "PH1"), "NOAUTH", "public VERIFY with SITE")
        refused(c.call("TRACE", CODE), "NOAUTH", "TRACE")
    finally:
        d.close()


def wait_for(cond, what, timeout=10.0):
    """Poll cond until it holds; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.02)


def test_tokens_and_the_acl_file():
    d, secret = daemon()
    try:
        c = d.connect()
        refused(c.call("AUTH", "secret-nobody"), "WRONGPASS", "unknown token")
        eq(c.call("AUTH", secret["admin"]), "OK", "AUTH admin")
        refused(c.call("DISPENSE", CODE, "SITE", "PH1"), "NOPERM", "admin DISPENSE")
        # A token for a site that does not exist (yet) names the problem.
        c = d.connect()
        r = refused(c.call("AUTH", secret["pharmacy"]), "ERR", "site missing")
        check("acts for site 'PH1', which does not exist" in r, r)
        # SIGHUP: a new token works; a broken file keeps the old list.
        with open(d.acl_path, "a") as f:
            f.write(token_line("late", "regulator", "-", "late-secret"))
        d.hup()
        wait_for(lambda: d.connect().call("AUTH", "late-secret") == "OK",
                 "the reloaded token accepted")
        with open(d.acl_path, "a") as f:
            f.write("token broken regulator\n")
        d.hup()
        wait_for(lambda: "ACL file not reloaded" in d.output(), "the broken file logged")
        check(f"{d.acl_path}:" in d.output() and "a token line is" in d.output(),
              d.output()[-1000:])
        eq(d.connect().call("AUTH", "late-secret"), "OK", "old list still in use")
    finally:
        d.close()


def test_bad_acl_file_refused_at_start():
    cases = [
        ("token a pharmacy PH1 sha256:1234\n", ":1: the secret must be sha256:"),
        ("# ok\ncert x.example wizard -\n", ":2: 'wizard' is not a role"),
        ("cert x pharmacy -\n", ":1: a pharmacy acts for one site"),
        ("cert x regulator PH1\n", ":1: a regulator acts for no one site"),
        ("cert x admin -\ncert x admin -\n", ":2: cert 'x' is listed twice"),
        ("user x admin -\n", ":1: 'user' is not an entry kind"),
    ]
    for text, want in cases:
        try:
            d, _ = daemon(acl_text=text)
        except AssertionError as e:
            check(want in str(e), f"{text!r}: {e}")
        else:
            d.close()
            raise AssertionError(f"yimad started with ACL {text!r}")
