"""The HTTP side (http_port, https_port): health, readiness and metrics; the
JSON API answering as the RESP commands do, with the keys `yima --json`
prints; errors as JSON with a fitting status, changing nothing; who asks
(bearer token, client certificate, trusted local, nobody) and the limits."""
import http.client
import json
import os
import ssl
import sys
import tempfile

from harness import Error, Yimad, check, day, eq, free_port
from secutil import PRODUCT, certs, ok, setup_sites, token_line, write_acl

EXPIRY = day(400)


def cn(n):
    return f"{PRODUCT}{n:013d}"


def http_yimad(*flags):
    return Yimad("--http-port", str(free_port()), *flags)


def https_flags(verify="optional"):
    c = certs()
    return ["--https-port", str(free_port()), "--tls-cert", c["server"][0], "--tls-key", c["server"][1],
            "--tls-ca", c["ca"], "--tls-verify-client", verify]


def tls_port_flags():
    """The RESP TLS port too, for comparing with RESP's answers."""
    return ["--tls-port", str(free_port())]


def tls_context(cert=None):
    ctx = ssl.create_default_context(cafile=certs()["ca"])
    ctx.check_hostname = False
    if cert:
        ctx.load_cert_chain(*cert)
    return ctx


def call(d, method, path, body=None, token=None, raw=None, headers=None, tls=False, cert=None):
    """(status, parsed JSON or text, headers) of one request: plaintext
    HTTP from loopback (a trusted local client), or HTTPS (tls: signed in
    by a token or a client certificate, or nobody)."""
    if tls:
        c = http.client.HTTPSConnection("127.0.0.1", d.https_port, timeout=30,
                                        context=tls_context(cert))
    else:
        c = http.client.HTTPConnection("127.0.0.1", d.http_port, timeout=30)
    h = dict(headers or {})
    if token:
        h["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    if data is not None:
        h.setdefault("Content-Type", "application/json")
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    text = r.read().decode()
    hdrs = dict(r.getheaders())
    c.close()
    kind = hdrs.get("Content-Type", "")
    return r.status, json.loads(text) if kind.startswith("application/json") else text, hdrs


def resp_json(d, *words):
    """What `yima --json` prints for a command: its RESP 3 reply as JSON."""
    c = d.connect()
    c.call("HELLO", "3")
    r = c.call(*words)
    c.close()

    def conv(v):
        if isinstance(v, dict):
            return {k.decode() if isinstance(k, bytes) else str(k): conv(x)
                    for k, x in v.items()}
        if isinstance(v, (list, tuple, set)):
            return [conv(x) for x in v]
        if isinstance(v, bytes):
            return v.decode()
        return v
    return conv(r)


def stock(d):
    """Codes 1-4 commissioned, shipped to PH1 and received there."""
    c = setup_sites(d)
    codes = [cn(i) for i in range(1, 5)]
    ok(c.call("COMMISSION", *codes, "SITE", "MFR", "LOT", "L1", "EXPIRY", EXPIRY))
    ok(c.call("SHIP", *codes, "FROM", "MFR", "TO", "PH1"))
    ok(c.call("RECEIVE", *codes, "SITE", "PH1"))
    return c


def test_health_ready_and_port_file():
    d = http_yimad()
    try:
        check(d.http_port, "the port file names the HTTP port")
        st, body, _ = call(d, "GET", "/healthz")
        eq((st, body), (200, "ok\n"), "healthz")
        st, body, _ = call(d, "GET", "/readyz")
        eq((st, body), (200, "ready\n"), "readyz")
        st, _, hdrs = call(d, "HEAD", "/healthz")
        eq(st, 200, "HEAD healthz")
    finally:
        d.close()


def prometheus_parser():
    """Prometheus's own exposition-format parser: Debian's
    python3-prometheus-client (config/install-deps.sh), which lives in the
    system's dist-packages whichever python3 runs the tests."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
        from prometheus_client.parser import text_string_to_metric_families
    return text_string_to_metric_families


def test_metrics_parse_as_prometheus_text():
    """/metrics through Prometheus's own parser, and the figures true to
    what was asked: requests, errors and latency per command, verdicts and
    reasons, alerts by kind, the writer's commits."""
    text_string_to_metric_families = prometheus_parser()
    d = http_yimad()
    try:
        c = stock(d)
        eq(call(d, "GET", f"/v1/verify?code={cn(1)}&site=PH1")[1]["verdict"], "green", "v1")
        r = c.call("VERIFY", cn(99))                    # unknown: red, over RESP
        check(r[b"verdict"] == b"red", r)
        sale = {"code": cn(2), "site": "PH1", "tx": "m-1"}
        eq(call(d, "POST", "/v1/dispense", sale)[0], 200, "a sale")
        dup = call(d, "POST", "/v1/dispense", {**sale, "tx": "m-2"})[1]
        check("duplicate" in dup["reasons"], dup)        # an alert too
        eq(call(d, "POST", "/v1/dispense", {**sale, "site": "NOWHERE"})[0], 400, "refused")
        st, text, hdrs = call(d, "GET", "/metrics")
        eq(st, 200, "metrics status")
        check(hdrs["Content-Type"].startswith("text/plain; version=0.0.4"), hdrs)
        fams = {f.name: f for f in text_string_to_metric_families(text)}

        def value(family, suffix="", **labels):
            for s in fams[family].samples:
                if s.name == family + suffix and all(s.labels.get(k) == v
                                                     for k, v in labels.items()):
                    return s.value
            return None
        eq(value("yima_up"), 1.0, "yima_up")
        eq(fams["yima_requests"].type, "counter", "requests are a counter")
        eq(value("yima_requests", "_total", command="VERIFY"), 2.0, "two VERIFYs")
        eq(value("yima_requests", "_total", command="DISPENSE"), 3.0, "three DISPENSEs")
        eq(value("yima_request_errors", "_total", command="DISPENSE", code="ERR"), 1.0,
           "one refused")
        eq(value("yima_request_duration_seconds", "_count", command="VERIFY"), 2.0,
           "VERIFY latency observed twice")
        eq(value("yima_request_duration_seconds", "_bucket", command="VERIFY", le="+Inf"),
           2.0, "every VERIFY under +Inf")
        eq(value("yima_verdicts", "_total", verdict="green"), 2.0, "green: a VERIFY, a sale")
        eq(value("yima_verdicts", "_total", verdict="red"), 2.0, "red: unknown, duplicate")
        eq(value("yima_verdict_reasons", "_total", reason="unknown"), 1.0, "reason unknown")
        eq(value("yima_verdict_reasons", "_total", reason="duplicate"), 1.0, "duplicate")
        eq(value("yima_alerts", "_total", kind="duplicate"), 1.0, "one duplicate alert")
        check(value("yima_writer_jobs", "_total") >= 6, "the writes so far are counted")
        check(value("yima_writer_commit_seconds", "_count") >= 1, "commits observed")
        eq(value("yima_writer_group_size", "_count"), value("yima_writer_commits", "_total"),
           "a group size for each commit")
        eq(value("yima_writer_group_size", "_sum"), value("yima_writer_jobs", "_total"),
           "the groups hold every job")
        eq(value("yima_writer_group_size", "_bucket", le="+Inf"),
           value("yima_writer_group_size", "_count"), "every group under +Inf")
        check(value("yima_store_map_size_bytes") > 0, "map size")
    finally:
        d.close()


def test_verify_answers_as_resp_does():
    d = http_yimad()
    try:
        stock(d)
        st, body, hdrs = call(d, "GET", f"/v1/verify?code={cn(1)}&site=PH1")
        eq(st, 200, f"verify status: {body}")
        check(hdrs["Content-Type"].startswith("application/json"), hdrs)
        eq(body, resp_json(d, "VERIFY", cn(1), "SITE", "PH1"), "the same keys as yima --json")
        eq(body["verdict"], "green", "verdict")
        st, body, _ = call(d, "GET", f"/v1/verify?code={cn(99)}")
        eq((st, body["verdict"], body["reasons"]), (200, "red", ["unknown"]), "an unknown code")
    finally:
        d.close()


def test_dispense_is_idempotent_by_site_and_tx():
    d = http_yimad()
    try:
        stock(d)
        sale = {"code": cn(2), "site": "PH1", "tx": "till-1-0001"}
        st, first, _ = call(d, "POST", "/v1/dispense", sale)
        eq((st, first["verdict"]), (200, "green"), f"first dispense: {first}")
        st, again, _ = call(d, "POST", "/v1/dispense", sale)
        eq((st, again), (200, first), "the retry gets the first answer")
        st, trace, _ = call(d, "GET", f"/v1/trace?code={cn(2)}")
        eq(st, 200, "trace")
        eq([e["event"] for e in trace["events"]].count("dispense"), 1, "one sale recorded")
        st, other, _ = call(d, "POST", "/v1/dispense", {**sale, "tx": "till-1-0002"})
        eq((st, other["verdict"]), (200, "red"), "another TX is a second sale")
        check("duplicate" in other["reasons"], other)
        st, undo, _ = call(d, "POST", "/v1/undo", sale)
        eq((st, undo["verdict"]), (200, "green"), f"undo: {undo}")
    finally:
        d.close()


def test_bad_requests_are_refused_and_change_nothing():
    d = http_yimad()
    try:
        stock(d)
        before = resp_json(d, "TRACE", cn(3))
        cases = [
            ("POST", "/v1/dispense", '{"code": "%s", "site": "PH1"' % cn(3), 400,
             "body: not JSON: line 1"),
            ("POST", "/v1/dispense", '[1, 2]', 400, "body: a JSON object, not an array"),
            ("POST", "/v1/dispense", json.dumps({"code": cn(3), "site": "PH1", "qyt": 1}),
             400, "unknown key 'qyt'"),
            ("POST", "/v1/dispense", json.dumps({"site": "PH1"}), 400,
             "key 'code' is required"),
            ("POST", "/v1/dispense", json.dumps({"code": cn(3), "site": "PH1", "qty": 1.5}),
             400, "key 'qty': a string or a whole number, not a fraction"),
            ("POST", "/v1/dispense", json.dumps({"code": cn(3), "site": "PH1", "qty": 0}),
             400, "QTY"),
            ("POST", "/v1/dispense", json.dumps({"code": cn(3), "site": "NOWHERE"}), 400,
             "unknown site 'NOWHERE'"),
            ("GET", "/v1/dispense", None, 405, "does not take this method"),
            ("GET", "/v1/nothing", None, 404, "no such path: /v1/nothing"),
            ("GET", "/v1/verify?code=%s&colour=red" % cn(3), None, 400,
             "query: unknown key 'colour'"),
        ]
        for method, path, raw, status, says in cases:
            st, body, _ = call(d, method, path, raw=raw)
            eq(st, status, f"{method} {path} {raw}: {body}")
            check(isinstance(body, dict) and says in body["error"] and body["code"],
                  f"{method} {path} {raw}: {body}")
        eq(resp_json(d, "TRACE", cn(3)), before, "nothing changed")
    finally:
        d.close()


def test_impact_as_json_csv_dot_and_svg():
    """/v1/impact in each format: JSON as IMPACT answers it, CSV one row a
    site, the tree as DOT and as SVG drawn by Graphviz; a format it does
    not have is refused."""
    d = http_yimad()
    try:
        stock(d)
        q = f"/v1/impact?product={PRODUCT}&lot=L1"
        st, body, _ = call(d, "GET", q)
        eq((st, body), (200, resp_json(d, "IMPACT", PRODUCT, "L1")), "JSON as IMPACT")
        st, text, hdrs = call(d, "GET", q + "&format=csv")
        eq(st, 200, f"csv: {text}")
        check(hdrs["Content-Type"].startswith("text/csv"), hdrs)
        rows = text.strip().splitlines()
        eq(rows[0].split(",")[:3], ["site", "name", "kind"], "CSV header")
        eq(sorted(r.split(",")[0] for r in rows[1:]), sorted(s["site"] for s in body["sites"]),
           "one row a site")
        st, dot, hdrs = call(d, "GET", q + "&format=dot")
        check(st == 200 and dot.startswith("digraph") and "PH1" in dot, dot[:200])
        check(hdrs["Content-Type"].startswith("text/vnd.graphviz"), hdrs)
        st, svg, hdrs = call(d, "GET", q + "&format=svg")
        eq((st, hdrs["Content-Type"]), (200, "image/svg+xml"), svg[:200])
        check("<svg" in svg and "PH1" in svg, svg[:300])
        # Sites in regions (行政区划) are grouped by kind and region.
        for site, region in (("PH1", "110105"), ("MFR", "130102")):
            eq(call(d, "PUT", f"/v1/sites/{site}", {"region": region})[0], 200, "region")
        st, body, _ = call(d, "PUT", "/v1/sites/PH2", {"region": "990101"})
        eq(st, 400, f"not a region: {body}")
        regions = {s["site"]: s["region"] for s in call(d, "GET", q)[1]["sites"]}
        eq((regions["PH1"], regions["MFR"]), ("110105", "130102"), "IMPACT shows regions")
        dot = call(d, "GET", q + "&format=dot")[1]
        check("110105" in dot and "130102" in dot, f"the tree's groups name them: {dot[:400]}")
        st, body, _ = call(d, "GET", q + "&format=pdf")
        eq(st, 400, f"a format it does not have: {body}")
        check("format 'pdf': one of json csv dot svg" in body["error"], body)
        st, body, _ = call(d, "GET", f"/v1/impact?product={PRODUCT}&lot=NOLOT&format=csv")
        check(st >= 400 and isinstance(body, dict) and body["code"] and body["error"],
              f"an error stays JSON, whatever the format: {st} {body}")
    finally:
        d.close()


def test_dot_starts_with_no_signal_blocked():
    """yimad's threads block the signals its loop reads; the dot it runs
    for an SVG must not inherit that, or it could not be stopped.  A
    stand-in dot on PATH writes down the signals it was started with."""
    with tempfile.TemporaryDirectory() as tmp:
        record = os.path.join(tmp, "sigblk")
        with open(os.path.join(tmp, "dot"), "w") as f:
            # Python, not sh: a shell clears its signal mask as it starts.
            f.write(f"#!{sys.executable}\n"
                    "import sys\n"
                    "blk = [l for l in open('/proc/self/status') if l.startswith('SigBlk:')]\n"
                    f"open({record!r}, 'w').write(blk[0])\n"
                    "sys.stdin.read()\n"
                    "print('<svg>stand-in</svg>')\n")
        os.chmod(os.path.join(tmp, "dot"), 0o755)
        path = os.environ["PATH"]
        os.environ["PATH"] = tmp + ":" + path
        try:
            d = http_yimad()
        finally:
            os.environ["PATH"] = path
        try:
            stock(d)
            st, svg, _ = call(d, "GET", f"/v1/impact?product={PRODUCT}&lot=L1&format=svg")
            eq((st, svg.strip()), (200, "<svg>stand-in</svg>"), "the stand-in drew it")
            with open(record) as f:
                eq(int(f.read().split()[1], 16), 0, "signals dot started with blocked")
        finally:
            d.close()


def test_listings_risk_and_impact_product():
    """The reads of issue 21 over HTTP answer what the RESP commands do:
    /v1/stock, /v1/products, /v1/sites, /v1/lots, /v1/contents, /v1/risk,
    /v1/impact/product (JSON and CSV) and /v1/alerts' kind and status; a
    bad value is the command's refusal, an unknown key a 400."""
    d = http_yimad()
    try:
        c = stock(d)
        ok(c.call("COMMISSION", cn(5), cn(6), "SITE", "MFR", "LOT", "L2", "EXPIRY", EXPIRY))
        ok(c.call("PACK", cn(90), cn(5), cn(6), "SITE", "MFR"))
        ok(c.call("DISPENSE", cn(1), "SITE", "PH1"))
        ok(c.call("DISPENSE", cn(1), "SITE", "PH1"))
        for path, words in (
                ("/v1/stock?site=PH1", ("STOCK", "SITE", "PH1")),
                (f"/v1/stock?site=MFR&product={PRODUCT}&count=1",
                 ("STOCK", "SITE", "MFR", "PRODUCT", PRODUCT, "COUNT", "1")),
                ("/v1/products", ("PRODUCT", "LIST")),
                ("/v1/sites?kind=pharmacy&count=1", ("SITE", "LIST", "KIND", "pharmacy",
                                                     "COUNT", "1")),
                (f"/v1/lots?product={PRODUCT}", ("LOTS", "PRODUCT", PRODUCT)),
                (f"/v1/contents?code={cn(90)}", ("CONTENTS", cn(90))),
                ("/v1/risk?limit=5", ("RISK", "LIMIT", "5")),
                (f"/v1/impact/product?product={PRODUCT}", ("IMPACT", "PRODUCT", PRODUCT)),
                ("/v1/alerts?kind=duplicate&status=open", ("ALERTS", "KIND", "duplicate",
                                                            "STATUS", "open"))):
            st, body, _ = call(d, "GET", path)
            eq((st, body), (200, resp_json(d, *words)), f"GET {path} as {' '.join(words)}")
        body = call(d, "GET", "/v1/stock?site=PH1")[1]
        eq([(r["lot"], r["units"]) for r in body["stock"]], [("L1", 3)], "PH1 holds L1, one sold")
        eq(call(d, "GET", "/v1/risk")[1][0]["site"], "PH1", "PH1 ranked first")
        eq(call(d, "GET", "/v1/alerts?kind=unknown")[1], [], "no unknown-code alerts")
        imp = call(d, "GET", f"/v1/impact/product?product={PRODUCT}")[1]
        eq((imp["lot"], [x["lot"] for x in imp["lots"]]), (None, ["L1", "L2"]), "every lot")
        st, text, hdrs = call(d, "GET", f"/v1/impact/product?product={PRODUCT}&format=csv")
        check(st == 200 and hdrs["Content-Type"].startswith("text/csv") and
              text.startswith("site,"), f"{st} {text[:200]}")
        for path in ("/v1/sites?kind=shop", "/v1/risk?region=x", "/v1/lots?product=9999999",
                     f"/v1/impact/product?product={PRODUCT}&region=1",
                     "/v1/alerts?status=shut"):
            st, body, _ = call(d, "GET", path)
            check(400 <= st < 500 and body["error"], f"GET {path}: {st} {body}")
        st, body, _ = call(d, "GET", "/v1/stock?site=PH1&colour=red")
        eq(st, 400, f"an unknown key: {body}")
        st, body, _ = call(d, "GET", "/v1/stock")
        check(400 <= st < 500, f"STOCK without a site: {st} {body}")
    finally:
        d.close()


def test_conflicts_with_the_store_are_409():
    """A request well formed but refused for what the store holds is 409
    (over RESP the same -ERR): a code commissioned twice, a lot recalled
    twice at its level, a GLN that is another site's; its words wrong is
    still 400.  Nothing changes."""
    d = http_yimad()
    try:
        stock(d)
        st, body, _ = call(d, "POST", "/v1/commission",
                           {"code": cn(1), "site": "MFR", "lot": "L1", "expiry": EXPIRY})
        eq((st, body["code"]), (409, "ERR"), f"commissioned twice: {body}")
        check("already commissioned" in body["error"], body)
        recall = {"product": PRODUCT, "lot": "L1", "level": 2, "reason": "label"}
        eq(call(d, "POST", "/v1/recall", recall)[0], 200, "a recall")
        before = resp_json(d, "IMPACT", PRODUCT, "L1")
        st, body, _ = call(d, "POST", "/v1/recall", recall)
        eq(st, 409, f"recalled twice: {body}")
        check("already recalled" in body["error"], body)
        eq(call(d, "PUT", "/v1/sites/PH1", {"gln": "6901234000016"})[0], 200, "a GLN")
        st, body, _ = call(d, "PUT", "/v1/sites/PH2", {"gln": "6901234000016"})
        eq(st, 409, f"another site's GLN: {body}")
        st, body, _ = call(d, "POST", "/v1/recall", {**recall, "level": 9})
        eq(st, 400, f"a level out of range is the words' fault: {body}")
        eq(resp_json(d, "IMPACT", PRODUCT, "L1"), before, "nothing changed")
    finally:
        d.close()


def test_sites_and_products_get_and_put():
    d = http_yimad()
    try:
        setup_sites(d)
        st, body, _ = call(d, "PUT", "/v1/sites/PH9", {"name": "新药房", "kind": "pharmacy"})
        eq(st, 200, f"PUT site: {body}")
        st, body, _ = call(d, "GET", "/v1/sites/PH9")
        eq((st, body["name"], body["kind"]), (200, "新药房", "pharmacy"), f"GET site: {body}")
        eq(body, resp_json(d, "SITE", "GET", "PH9"), "as SITE GET")
        st, body, _ = call(d, "GET", "/v1/sites/NOPE")
        eq((st, body["code"]), (404, "NOTFOUND"), "an unknown site")
        st, body, _ = call(d, "PUT", "/v1/products/8309999", {"name": "X", "colour": "red"})
        eq(st, 400, f"an unknown product field: {body}")
        check("colour" in body["error"], body)
    finally:
        d.close()


def acl_yimad(tokens, *flags):
    """HTTPS beside HTTP, with an ACL file of tokens: plaintext from
    loopback stays trusted (the tests' setup), HTTPS clients sign in."""
    d = http_yimad(*https_flags())
    lines = [token_line(n, role, site, tok) for n, role, site, tok in tokens]
    path = write_acl(d, lines)
    d.stop()
    d.flags += ["--acl-file", path, *flags]
    d.start()
    return d


def public_verify(d, code):
    """VERIFY as a client that has not signed in sees it, over RESP."""
    c = d.connect_tls(certs()["ca"])
    c.call("HELLO", "3")
    r = c.call("VERIFY", code)
    c.close()
    return {k.decode(): v.decode() if isinstance(v, bytes) else
            [x.decode() for x in v] if isinstance(v, list) else v for k, v in r.items()}


def test_who_asks_bearer_tokens_roles_and_sites():
    tokens = [("till", "pharmacy", "PH1", "t-ph1"), ("nmpa", "regulator", "-", "t-reg")]
    d = acl_yimad(tokens, "--public-verify", "yes", *tls_port_flags())
    try:
        stock(d)
        sale = {"code": cn(1), "site": "PH1", "tx": "a-1"}
        st, body, _ = call(d, "POST", "/v1/dispense", sale, tls=True)
        eq((st, body["code"]), (401, "NOAUTH"), f"nobody may not dispense: {body}")
        check("Authorization: Bearer" in body["error"], f"says how to sign in: {body}")
        st, body, _ = call(d, "POST", "/v1/dispense", sale, token="wrong", tls=True)
        eq((st, body["code"]), (401, "WRONGPASS"), f"a wrong token: {body}")
        st, body, _ = call(d, "POST", "/v1/dispense", {**sale, "site": "PH2"}, token="t-ph1",
                           tls=True)
        eq((st, body["code"]), (403, "NOPERM"), f"another site's sale: {body}")
        st, body, _ = call(d, "POST", "/v1/dispense", sale, token="t-ph1", tls=True)
        eq((st, body.get("verdict")), (200, "green"), f"its own site: {body}")
        recall = {"product": PRODUCT, "lot": "L1", "level": 1, "reason": "test"}
        st, body, _ = call(d, "POST", "/v1/recall", recall, token="t-ph1", tls=True)
        eq((st, body["code"]), (403, "NOPERM"), f"a pharmacy may not recall: {body}")
        st, body, _ = call(d, "POST", "/v1/recall", recall, token="t-reg", tls=True)
        eq(st, 200, f"a regulator may: {body}")
        st, body, _ = call(d, "GET", f"/v1/verify?code={cn(2)}", tls=True)
        eq((st, body.get("verdict")), (200, "red"), f"the public sees the recall: {body}")
        check("recalled" in body["reasons"], body)
        eq(body, public_verify(d, cn(2)), "the public view, as RESP gives it")
    finally:
        d.close()


def test_bearer_lockout_spares_tokens_that_signed_in():
    """Issue 20 item 9 over HTTP: wrong bearer tokens lock out the address
    for tokens that have not signed in from it, not for one that has, and
    not for a client certificate."""
    tokens = [("till-1", "pharmacy", "PH1", "t-1"), ("till-2", "pharmacy", "PH1", "t-2")]
    d = acl_yimad(tokens, "--auth-max-failures", "5")
    try:
        stock(d)
        path = f"/v1/verify?code={cn(1)}&site=PH1"
        eq(call(d, "GET", path, token="t-1", tls=True)[0], 200, "till 1 signs in")
        for i in range(5):
            st, body, _ = call(d, "GET", path, token=f"guess-{i}", tls=True)
            eq((st, "invalid token" in body["error"]), (401, True), f"guess {i}: {body}")
        st, body, _ = call(d, "GET", path, token="guess-5", tls=True)
        check(st == 401 and "too many failed sign-ins" in body["error"], f"locked: {body}")
        st, body, _ = call(d, "GET", path, token="t-1", tls=True)
        eq(st, 200, f"till 1 after five wrong tokens from its address: {body}")
        st, body, _ = call(d, "GET", path, token="t-2", tls=True)
        check(st == 401 and "too many failed sign-ins" in body["error"],
              f"a token new to the address waits: {body}")
        st, body, _ = call(d, "GET", path, tls=True, cert=certs()["PH1"])
        eq(st, 200, f"a client certificate is let through: {body}")
    finally:
        d.close()


def test_rate_limit_and_body_limit():
    d = acl_yimad([("till", "pharmacy", "PH1", "t-ph1")], "--rate-limit", "5",
                  "--rate-burst", "5", "--unauth-max-request", "256")
    try:
        stock(d)
        statuses = [call(d, "GET", f"/v1/verify?code={cn(1)}", token="t-ph1", tls=True)[0]
                    for _ in range(12)]
        check(429 in statuses and statuses[0] == 200, f"over the rate: {statuses}")
        st, body, _ = call(d, "POST", "/v1/dispense", tls=True, raw=json.dumps(
            {"code": cn(1), "site": "PH1", "tx": "x" * 400}))
        eq(st, 413, f"a stranger's big body: {body}")
    finally:
        d.close()


def test_https_with_a_client_certificate():
    d = http_yimad(*https_flags())
    try:
        stock(d)
        check(d.https_port, "the port file names the HTTPS port")
        st, body, _ = call(d, "POST", "/v1/dispense", {"code": cn(4), "site": "PH1",
                                                       "tx": "tls-1"},
                           tls=True, cert=certs()["PH1"])
        eq((st, body["verdict"]), (200, "green"), f"signed in by certificate: {body}")
        st, body, _ = call(d, "POST", "/v1/dispense", {"code": cn(3), "site": "PH1",
                                                       "tx": "tls-2"}, tls=True)
        eq((st, body["code"]), (401, "NOAUTH"), "no certificate, no token: not signed in")
        check("did not sign you in" not in body["error"], body)
        st, body, _ = call(d, "POST", "/v1/dispense", {"code": cn(3), "site": "PH1",
                                                       "tx": "tls-3"}, tls=True,
                           cert=certs()["ops"])
        eq((st, body["code"]), (401, "NOAUTH"), f"a certificate named after no site: {body}")
        check("your client certificate did not sign you in: no ACL entry or site for "
              "certificate name 'ops'" in body["error"], body)
    finally:
        d.close()


def test_resp_port_unchanged_beside_http():
    d = http_yimad()
    try:
        c = stock(d)
        r = c.call("VERIFY", cn(1), "SITE", "PH1")
        check(not isinstance(r, Error) and r[b"verdict"] == b"green", r)
        eq(call(d, "GET", "/healthz")[0], 200, "HTTP beside RESP")
    finally:
        d.close()
