"""yima's command line as a new user meets it (issue 20, items 1-3): global
options before or after any subcommand and `--` ending them; a lower-case
typo gets the nearest subcommand and never reaches the server; the prompt
runs subcommands as the command line does; every error has one form; times
are shown in the daemon's time zone with its offset; `impact` of a product
alone is the chain of every lot of it (IMPACT PRODUCT)."""
import datetime
import json
import os
import re
import subprocess
import tempfile

from harness import YIMA, Yimad, check, day, eq

PRODUCT = "8301234"
CODES = ["830123456789012345%02d" % i for i in range(10, 14)]
EXPIRY = day(400)


def setup(*flags):
    """A manufacturer and a pharmacy holding CODES."""
    d = Yimad(*flags)
    try:
        for site, kind in (("MFR", "manufacturer"), ("PH1", "pharmacy")):
            d.yima("SITE", "SET", site, "name", site, "kind", kind, check_rc=0)
        d.yima("PRODUCT", "SET", PRODUCT, "name", "Amoxicillin", "units_per_pack", "1",
               check_rc=0)
        d.yima("COMMISSION", *CODES, "SITE", "MFR", "LOT", "L1", "EXPIRY", EXPIRY, check_rc=0)
        d.yima("SHIP", *CODES, "FROM", "MFR", "TO", "PH1", check_rc=0)
        d.yima("RECEIVE", *CODES, "SITE", "PH1", check_rc=0)
    except BaseException:
        d.close()
        raise
    return d


def run(*args, input=None):
    """bin/yima with no -p of the harness's: the test places it."""
    p = subprocess.run([YIMA, *args], input=input, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_global_options_after_the_subcommand():
    d = setup()
    try:
        port = str(d.port)
        # --json and -p after the subcommand and its arguments, for each.
        rc, out, err = run("verify", CODES[0], "--site", "PH1", "--json", "-p", port)
        eq(rc, 0, err)
        eq(json.loads(out)["verdict"], "green", "verify ... --json")
        rc, out, err = run("trace", CODES[0], "-p", port, "--json")
        eq((rc, json.loads(out)["code"]), (0, CODES[0]), f"trace ... --json: {err}")
        rc, out, err = run("alerts", "--json", "-p", port)
        eq((rc, json.loads(out)), (0, []), f"alerts --json: {err}")
        rc, out, err = run("dispense", CODES[1], "--site", "PH1", "--tx", "T1", "-p", port,
                           "--json")
        eq((rc, json.loads(out)["status"]), (0, "dispensed"), f"dispense --json: {err}")
        rc, out, err = run("undo", CODES[1], "-p", port, "--site", "PH1", "--tx", "T1",
                           "--json")
        eq((rc, json.loads(out)["status"]), (0, "active"), f"undo --json: {err}")
        rc, out, err = run("--json", "-p", port, "recall", PRODUCT, "NOLOT", "--level", "1",
                           "--reason", "x")
        eq(rc, 1, "recall of no lot")
        check("no lot" in json.loads(out)["error"], out)
        rc, out, err = run("--timeout=5", "verify", CODES[2], "-p", port,
                           "--site=PH1")
        eq(rc, 0, f"--timeout=SEC and -p PORT around it: {err}")
        # parse: --json is the option, not a scan.
        rc, out, err = run("parse", CODES[0], "--json")
        eq(rc, 0, err)
        eq(json.loads(out)["key"], CODES[0], "parse C --json")
        # `--` ends the options: --json after it is an argument (no code).
        rc, out, err = run("-p", port, "trace", "--", "--json")
        eq(rc, 2, "--json after -- is a scan")
        check("'--json' is not a code" in err, err)
        # A server command's words go as they are, -p and --json included.
        rc, out, err = run("-p", port, "ECHO", "--json")
        eq((rc, out), (0, "--json\n"), f"ECHO --json: {err}")
        # A global option without its value, anywhere: usage.
        rc, out, err = run("verify", CODES[0], "-p")
        eq(rc, 2, "-p without a port")
        check("-p needs a value" in err, err)
        # The subcommand's --help is its usage.
        rc, out, err = run("verify", "--help")
        eq((rc, out.startswith("usage: yima verify CODE")), (0, True), out)
    finally:
        d.close()


def test_json_load_summary():
    d = setup()
    tmp = tempfile.mkdtemp(prefix="yima-cli-")
    try:
        path = os.path.join(tmp, "sites.csv")
        with open(path, "w") as f:
            f.write("site,name,kind\nPH2,Pharmacy Two,pharmacy\nPH3,Pharmacy Three,pharmacy\n")
        # The second load of the same file finds its batch applied.
        for args, applied in ((("--json", "load", path), 2), (("load", path, "--json"), 0)):
            rc, out, err = run("-p", str(d.port), *args)
            eq(rc, 0, err)
            summary = json.loads(out)
            eq((summary["status"], summary["records"], summary["applied"],
                summary["already_applied"], summary["refused"]),
               ("complete", 2, applied, 2 - applied, 0), f"yima {' '.join(args)}: {out}")
        rc, out, _ = run("-p", str(d.port), "load", path)
        check(out.startswith("records: 2, applied: 0, already applied: 2"),
              "text without --json: " + out)
    finally:
        d.close()
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)


def test_typos_get_usage_not_the_server():
    d = setup()
    try:
        port = str(d.port)
        rc, out, err = run("-p", port, "verfy", CODES[0])
        eq(rc, 2, "unknown subcommand")
        check("'verfy' is not a subcommand; did you mean 'verify'?" in err, err)
        rc, out, err = run("-p", port, "lock", CODES[0], "--reason", "x")
        eq(rc, 2, "lock is no subcommand")
        check("server commands are written in upper case: yima LOCK" in err, err)
        # Nothing reached the server: the code is not locked, and the
        # server saw no unknown command.
        rc, out, _ = run("-p", port, "--json", "verify", CODES[0], "--site", "PH1")
        eq((rc, json.loads(out)["reasons"]), (0, []), "not locked")
        rc, out, err = run("-p", port, "xyzzy")
        eq(rc, 2, "no near name")
        check("did you mean" not in err and "'yima --help' lists" in err, err)
        rc, out, _ = run("--help")
        for name in ("verify", "dispense", "scan", "impact", "parse", "UPPER CASE"):
            check(name in out, f"{name} in --help")
    finally:
        d.close()


def test_prompt_runs_subcommands():
    d = setup()
    try:
        lines = ["help", f"verify {CODES[0]} --site PH1", f"trace {CODES[0]}",
                 f"verify {CODES[0]} --json", "verfy x", "PING", f"-p 1 verify {CODES[0]}"]
        rc, out, err = run("-p", str(d.port), input="\n".join(lines).encode() + b"\n")
        check("subcommands" in out and "  verify CODE [--site S]" in out, "help:\n" + out)
        check(re.search(r"^GREEN  ok — Amoxicillin, lot L1", out, re.M), out)
        check(re.search(r"  receive     PH1  from MFR  by local$", out, re.M), "human trace:\n" + out)
        check(re.search(r'^\{"verdict": "green"', out, re.M), "--json in the prompt:\n" + out)
        check("PONG" in out, out)
        check("'verfy' is not a subcommand; did you mean 'verify'?" in err, err)
        check("'help' lists the subcommands" in err, err)
        check("set when yima starts" in err, "-p refused in the prompt: " + err)
        eq(rc, 2, "the last failing line's status")
    finally:
        d.close()


def test_one_form_for_errors():
    d = setup()
    try:
        want = f"yima: NOTFOUND TRACE: no record of {CODES[0][:-1]}9\n"
        rc, _, raw = d.yima("TRACE", CODES[0][:-1] + "9")
        rc2, _, sub = d.yima("trace", CODES[0][:-1] + "9")
        eq((rc, raw), (1, want), "a server command's error")
        eq((rc2, sub), (1, want), "a subcommand's error, the same")
        rc, _, err = d.yima("recall", PRODUCT, "NOLOT", "--level", "1", "--reason", "x")
        check(err.startswith("yima: ERR RECALL: "), err)
        rc, out, _ = d.yima("--json", "TRACE", CODES[0][:-1] + "9")
        eq(json.loads(out), {"error": want[6:-1]}, "JSON errors")
    finally:
        d.close()


def shown(text):
    """The times in text that carry an offset or Z."""
    return re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)", text)


def instant(t):
    return datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))


def test_times_in_the_daemons_zone():
    for zone, offset in (("Asia/Shanghai", "+08:00"), ("-05:30", "-05:30"), ("UTC", "Z")):
        d = setup("--timezone", zone)
        try:
            d.yima("dispense", CODES[0], "--site", "PH1", "--tx", "T1", check_rc=0)
            d.yima("dispense", CODES[0], "--site", "PH1", "--tx", "T2", check_rc=4)
            utc = json.loads(d.yima("--json", "trace", CODES[0], check_rc=0)[1])
            utc_times = [e["time"] for e in utc["events"]]
            _, out, _ = d.yima("trace", CODES[0], check_rc=0)
            times = shown(out)
            check(times, out)
            for t in times:
                check(t.endswith(offset), f"{zone}: {t} shown with {offset}:\n{out}")
            # The same instants, only written in the zone.
            events = [ln.split()[0] for ln in out.split("\n") if ln[:4].isdigit()]
            eq([instant(t) for t in events], [instant(t) for t in utc_times],
               f"{zone}: the events' times")
            check(all(t.endswith("Z") for t in utc_times), "JSON keeps UTC")
            # The server's message carries a time too.
            _, out, _ = d.yima("dispense", CODES[0], "--site", "PH1", "--tx", "T3")
            first = out.split("\n", 1)[0]
            check(first.startswith("RED    duplicate — already dispensed at PH1 on ") and
                  shown(first) and shown(first)[0].endswith(offset), first)
            c = d.connect()
            try:
                eq(c.call("HELLO", "3")[b"timezone"], zone.encode(), "HELLO's timezone")
            finally:
                c.close()
        finally:
            d.close()


def test_impact_without_a_lot():
    d = setup()
    try:
        rc, out, err = run("-p", str(d.port), "impact", PRODUCT)
        eq(rc, 0, "a product alone: IMPACT PRODUCT: " + err)
        check(out.startswith(f"product {PRODUCT}, 1 lots:\n") and "\n  L1 " in out, out)
        rc, out, err = run("-p", "1", "impact", PRODUCT)
        eq(rc, 2, "no server there: " + err)
        rc, out, err = run("-p", str(d.port), "impact", CODES[0])
        eq(rc, 0, "a code of the lot is enough: " + err)
        check(out.startswith(f"product {PRODUCT} lot L1"), out)
    finally:
        d.close()
