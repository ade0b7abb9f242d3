"""The web pages yimad serves from web_root (clients/web), driven in
headless Chromium through Selenium (Debian's chromium, chromium-driver and
python3-selenium: config/install-deps.sh), over HTTPS as a browser off this
machine would ask: the consumer page as nobody (the public view), the
recall and alerts pages with a regulator's token typed into the page.

Each page's numbers are held to what the commands answer over RESP (`yima
impact --json`, ALERTS, TRACE, the public VERIFY).  The file serving
itself (paths outside web_root, HEAD, content types, the size cap) is
checked with plain HTTP requests, and with inotify that a path leading
out of web_root opens nothing there.

The last test holds `yima impact --dot/--svg` to the same rules as the
recall page's tree, on the same lot spread over 458 sites.

YIMA_WEB_SHOTS=DIR saves a screenshot of each page in DIR (never in the
repository)."""
import contextlib
import ctypes
import ctypes.util
import http.client
import json
import os
import shutil
import struct
import sys
import tempfile
import urllib.parse

from harness import TestFailure, Yimad, check, day, encode, eq, free_port, yymmdd
from secutil import ok, token_line, write_acl
from test_http import call, https_flags, resp_json

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WEB = os.path.join(ROOT, "clients", "web")
PRODUCT = "8301234"
GTIN = "06901234567892"
TOKEN = "t-regulator-web"
WAIT = 30          # seconds any page may take to show what it was asked
SITES = (("MFR", "manufacturer", "华北制药厂"), ("DIST", "distributor", "国药控股北京"),
         ("PH1", "pharmacy", "同仁堂药店"), ("PH2", "pharmacy", "老百姓大药房"),
         ("HOSP", "hospital", "协和医院"), ("NMPA", "regulator", "国家药监局"))


def cn(n):
    return f"{PRODUCT}{n:013d}"


def selenium():
    """Debian's python3-selenium lives in the system's dist-packages,
    whichever python3 runs the tests."""
    try:
        import selenium.webdriver  # noqa: F401
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    return webdriver, Service, By, WebDriverWait


class Browser:
    """Headless Chromium on one yimad's HTTPS port (the dev CA is not the
    browser's: its certificate errors are accepted)."""

    def __init__(self, d, width=1280, height=1000):
        webdriver, Service, self.By, self.Wait = selenium()
        o = webdriver.ChromeOptions()
        o.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-extensions", "--no-first-run", f"--window-size={width},{height}"):
            o.add_argument(a)
        o.set_capability("acceptInsecureCerts", True)
        self.base = f"https://127.0.0.1:{d.https_port}"
        self.drv = webdriver.Chrome(service=Service(shutil.which("chromedriver") or
                                                    "/usr/bin/chromedriver"), options=o)
        self.drv.set_page_load_timeout(WAIT)
        self.drv.set_script_timeout(WAIT)

    def get(self, path):
        self.drv.get(self.base + path)

    def find(self, css):
        return self.drv.find_element(self.By.CSS_SELECTOR, css)

    def all(self, css):
        return self.drv.find_elements(self.By.CSS_SELECTOR, css)

    def wait(self, cond, what):
        """Until cond(self) is truthy (WAIT seconds at most); its value."""
        def probe(_):
            try:
                return cond(self)
            except Exception:   # not there yet, or redrawn under us
                return False
        try:
            return self.Wait(self.drv, WAIT).until(probe)
        except Exception:
            raise TestFailure(f"the page did not show {what} within {WAIT}s; it shows:\n"
                              + self.find("body").text[:3000])

    def type(self, css, text):
        e = self.find(css)
        e.clear()
        e.send_keys(text)

    def shot(self, name, full=True):
        where = os.environ.get("YIMA_WEB_SHOTS")
        if not where:
            return
        os.makedirs(where, exist_ok=True)
        if full:   # the whole page, not the window
            h = self.drv.execute_script("return document.documentElement.scrollHeight")
            self.drv.set_window_size(1280, min(max(int(h) + 100, 700), 9000))
        self.drv.save_screenshot(os.path.join(where, name))
        print(f"    screenshot: {os.path.join(where, name)}")

    def close(self):
        self.drv.quit()


def web_yimad(web_root=WEB, *flags):
    """HTTP (trusted from loopback: the tests' own requests) and HTTPS (the
    browser: nobody, or the regulator's token), public verify on."""
    d = Yimad("--http-port", str(free_port()), *https_flags("none"), "--web-root", web_root,
              "--public-verify", "yes", *flags)
    path = write_acl(d, [token_line("nmpa", "regulator", "-", TOKEN)])
    d.stop()
    d.flags += ["--acl-file", path]
    d.start()
    return d


def rc(c):
    """A RESP connection in RESP 3, through the local principal."""
    c.call("HELLO", "3")
    return c


def setup(d):
    """Sites, a product and the lots the tests look at:
    L1: codes 1-6 at MFR → DIST → PH1 (1-3, code 2 sold, then sold again:
        a duplicate alert), DIST → PH2 (4-5 on the way), code 6 at DIST.
    L2: codes 11-16 at MFR → DIST → PH1 (11-13), DIST → PH2 (14-15) of which
        HOSP receives 15 (a diversion alert); DIST repackages 16 into 21-22
        (lot R2); L2 is recalled at level 1, PH1 acknowledges; two days
        later the others are late.
    A GS1 pack of GTIN, lot G1, at PH1; an unknown code scanned at PH1."""
    c = rc(d.connect())
    for site, kind, name in SITES:
        eq(c.call("SITE", "SET", site, "name", name, "kind", kind), "OK", "SITE SET")
    ok(c.call("PRODUCT", "SET", PRODUCT, "name", "阿莫西林胶囊 0.25g", "units_per_pack", "1"))
    ok(c.call("PRODUCT", "SET", GTIN, "name", "布洛芬缓释胶囊", "units_per_pack", "1"))
    l1, l2 = [cn(i) for i in range(1, 7)], [cn(i) for i in range(11, 17)]
    for lot, codes in (("L1", l1), ("L2", l2)):
        ok(c.call("COMMISSION", *codes, "SITE", "MFR", "LOT", lot, "EXPIRY", day(400)))
        ok(c.call("SHIP", *codes, "FROM", "MFR", "TO", "DIST"))
        ok(c.call("RECEIVE", *codes, "SITE", "DIST"))
        ok(c.call("SHIP", *codes[:3], "FROM", "DIST", "TO", "PH1"))
        ok(c.call("RECEIVE", *codes[:3], "SITE", "PH1"))
        ok(c.call("SHIP", *codes[3:5], "FROM", "DIST", "TO", "PH2"))
    ok(c.call("RECEIVE", l2[4], "SITE", "HOSP"))
    ok(c.call("DISPENSE", l1[1], "SITE", "PH1", "TX", "till-1"))
    ok(c.call("DISPENSE", l1[1], "SITE", "PH1", "TX", "till-2"))
    ok(c.call("DISPENSE", cn(999), "SITE", "PH1", "TX", "till-3"))
    dl = f"(01){GTIN}(17){yymmdd(400)}(10)G1(21)SNDL1"
    ok(c.call("COMMISSION", dl, "SITE", "MFR", "LOT", "G1", "EXPIRY", day(400)))
    ok(c.call("SHIP", dl, "FROM", "MFR", "TO", "PH1"))
    ok(c.call("RECEIVE", dl, "SITE", "PH1"))
    ok(c.call("TRANSFORM", "INPUTS", l2[5], "OUTPUTS", cn(21), cn(22), "SITE", "DIST",
              "LOT", "R2", "EXPIRY", day(300)))
    ok(c.call("RECALL", PRODUCT, "L2", "LEVEL", "1", "REASON", "溶出度不合格"))
    ok(c.call("RECALL.ACK", PRODUCT, "L2", "SITE", "PH1"))
    c.close()
    d.advance("2d")


@contextlib.contextmanager
def pages():
    """A yimad with the fixture of setup() and a browser on it."""
    d = web_yimad()
    b = None
    try:
        setup(d)
        b = Browser(d)
        yield d, b
    finally:
        if b:
            b.close()
        d.close()


def public_verify(d, code):
    """VERIFY as the page's browser asks it: HTTPS, not signed in."""
    st, body, _ = call(d, "GET", "/v1/verify?code=" + urllib.parse.quote(code, safe=""),
                       tls=True)
    eq(st, 200, f"public verify of {code}: {body}")
    return body


def verify_on_page(b, code, shows):
    """Type code, check it: the verdict element once the code it shows is
    shows."""
    b.type("#code", code)
    b.find("#check").click()
    return b.wait(lambda b: b.find("#fact-code").text == shows and b.find("#verdict"),
                  f"the verdict for {code}")


def test_consumer_page_shows_the_verdicts():
    with pages() as (d, b):
        b.get("/")
        eq(b.find("#title").text, "药品追溯码查询", "the page opens in Chinese")
        cases = [(cn(1), "green", "genuine", "正品"),
                 (cn(2), "red", "sold", "已售出"),
                 (cn(11), "red", "recalled", "已召回"),
                 (cn(999), "red", "unknown", "查无此码")]
        for code, verdict, outcome, headline in cases:
            pub = public_verify(d, code)
            eq(pub["verdict"], verdict, f"VERIFY {code} as the public sees it: {pub}")
            if outcome == "unknown":    # no record: nothing to show but the verdict
                b.type("#code", code)
                b.find("#check").click()
                v = b.wait(lambda b: b.find("#verdict").get_attribute("data-outcome") == outcome
                           and b.find("#verdict"), f"the verdict for {code}")
            else:
                v = verify_on_page(b, code, pub["code"])
                eq(b.find("#fact-code").text, pub["code"], "the code shown")
                eq(b.find("#fact-lot").text, pub["lot"], "the lot shown")
                eq(b.find("#fact-expiry").text, pub["expiry"], "the expiry shown")
                check(pub["product_name"] in b.find("#fact-product").text, "the product")
            eq((v.get_attribute("data-verdict"), v.get_attribute("data-outcome")),
               (verdict, outcome), f"the page's verdict for {code}")
            eq(b.find("#headline").text, headline, f"the headline for {code}")
            check(f"verdict {verdict}" in v.get_attribute("class"), "its colour")
            # Only the public view: where the pack is, or was sold, is not shown.
            text = b.find("#result").text
            for private in ("PH1", "同仁堂", "till-"):
                check(private not in text, f"{code}: the page shows {private!r}: {text}")
            if outcome == "recalled":
                b.shot("consumer-recalled.png")
            if outcome == "genuine":
                b.shot("consumer-genuine.png")


def test_consumer_page_says_when_public_checks_are_off():
    d = Yimad("--http-port", str(free_port()), *https_flags("none"), "--web-root", WEB)
    b = None
    try:
        b = Browser(d)
        b.get("/")
        b.type("#code", cn(1))
        b.find("#check").click()
        eq(b.wait(lambda b: b.find("#verify-error").text, "the refusal"),
           "本服务器未开放公众查询（public_verify 未开启）。", "public_verify off, said so")
    finally:
        if b:
            b.close()
        d.close()


def test_digital_link_path_lands_on_the_consumer_page():
    with pages() as (d, b):
        path = f"/01/{GTIN}/10/G1/21/SNDL1?17={yymmdd(400)}"
        url = b.base + path
        pub = public_verify(d, url)
        eq(pub["verdict"], "green", f"the Digital Link URL verifies: {pub}")
        b.get(path)
        v = b.wait(lambda b: b.find("#fact-code").text and b.find("#verdict"),
                   "the verdict of the page's own URL")
        eq(b.find("#code").get_attribute("value"), url, "the URL is the code typed")
        eq((v.get_attribute("data-verdict"), b.find("#fact-code").text, b.find("#fact-lot").text),
           ("green", pub["code"], "G1"), "the pack's verdict, code and lot")
        b.shot("consumer-digital-link.png")
        # The pack's code printed without the lot, and a key yima does not serve.
        b.get(f"/01/{GTIN}/21/SNDL1")
        b.wait(lambda b: b.find("#verdict").get_attribute("data-verdict") == "green",
               "the verdict of a shorter Digital Link")


def test_english_switch_changes_the_text_and_is_remembered():
    with pages() as (d, b):
        b.get("/")
        verify_on_page(b, cn(11), cn(11))
        eq((b.find("#title").text, b.find("#headline").text, b.find("#lang").text),
           ("药品追溯码查询", "已召回", "English"), "Chinese first")
        b.find("#lang").click()
        eq((b.find("#title").text, b.find("#headline").text, b.find("#lang").text),
           ("Check a medicine's traceability code", "Recalled", "中文"), "English")
        eq(b.find("html").get_attribute("lang"), "en", "the document's language")
        b.shot("consumer-english.png")
        b.get("/alerts.html")   # another page: the choice is kept
        eq(b.find("#title").text, "Alerts", "the alerts page opens in English")
        b.find("#lang").click()
        eq(b.find("#title").text, "警报", "and back")
        b.get("/")
        eq(b.find("#title").text, "药品追溯码查询", "Chinese again on the next page")


def sign_in(b):
    b.type("#token", TOKEN)
    b.find("#token-form button[type=submit]").click()
    b.wait(lambda b: "令牌" in b.find("#token-state").text and
           "未使用" not in b.find("#token-state").text, "the token taken")


def number(text):
    return int(text.replace(",", "").strip())


def impact_json(d, lot):
    return json.loads(d.yima("impact", PRODUCT, lot, "--json", check_rc=0)[1])


def open_impact(b, lot):
    b.type("#product", PRODUCT)
    b.type("#lot", lot)
    b.find("#impact-go").click()
    b.wait(lambda b: b.find("#impact").get_attribute("data-ready") == "true",
           f"the impact of lot {lot}")


def test_recall_page_matches_impact():
    with pages() as (d, b):
        imp = impact_json(d, "L2")
        eq(imp, resp_json(d, "IMPACT", PRODUCT, "L2"), "yima impact --json is IMPACT over RESP")
        b.get("/recall.html")
        b.type("#product", PRODUCT)
        b.type("#lot", "L2")
        b.find("#impact-go").click()
        b.wait(lambda b: b.find("#impact-failed"), "a refusal without a token")
        check(b.find("#impact-failed").text.startswith("需要访问令牌"),
              b.find("#impact-failed").text)
        sign_in(b)
        open_impact(b, "L2")
        eq(b.find("#lot-status").get_attribute("data-status"), "recalled", "the lot's status")
        cards = {c.get_attribute("data-k"): number(c.find_element(b.By.CSS_SELECTOR, ".n").text)
                 for c in b.all("#totals .card")}
        want = {k: v for k, v in imp["totals"].items() if k != "after_recall"}
        want.update({f"after_recall.{k}": v for k, v in imp["totals"]["after_recall"].items()})
        eq(cards, want, "the totals shown are IMPACT's")
        # Acknowledgements: progress and the late sites.
        t = imp["totals"]
        eq(b.find("#ack-progress").text, f"已确认 {t['acknowledged']} / {t['sites']} 个站点",
           "acknowledgement progress")
        late = sorted(s["site"] for s in imp["sites"] if s["past_deadline"])
        check(late and "PH1" not in late, f"PH1 acknowledged, others late: {late}")
        eq(sorted(li.get_attribute("data-site") for li in b.all("#late-sites li")), late,
           "the late sites listed")
        # Every site's numbers, once every group is open.
        b.find("#expand-all").click()
        counts = ["commissioned", "received", "in_stock", "in_transit", "incoming", "dispensed",
                  "destroyed", "middle_packs", "cases", "pallets", "returned"]
        rows = {r.get_attribute("data-site"): r for r in b.all("#sites tr[data-site]")}
        eq(sorted(rows), sorted(s["site"] for s in imp["sites"]), "a row for every site")
        for s in imp["sites"]:
            r = rows[s["site"]]
            got = {k: number(r.find_element(b.By.CSS_SELECTOR, f"td[data-k={k}]").text)
                   for k in counts + ["after_recall"]}
            exp = {k: s[k] for k in counts}
            exp["after_recall"] = sum(s["after_recall"].values())
            eq(got, exp, f"site {s['site']}'s numbers")
            eq(r.find_element(b.By.CSS_SELECTOR, "td[data-k=name]").text, s["name"], "its name")
        # The tree: every site a node; HOSP got a unit of the lot sent to PH2.
        b.wait(lambda b: "1" in b.find("#diverted-note").text, "the diversion found")
        nodes = {n.get_attribute("data-site"): n.get_attribute("class")
                 for n in b.all("#tree svg g.node[data-site]")}
        eq(sorted(nodes), sorted(s["site"] for s in imp["sites"]), "a node for every site")
        check("diverted" in nodes["HOSP"], f"HOSP is drawn diverted: {nodes['HOSP']}")
        check("窜货" in rows["HOSP"].text, f"and so in the table: {rows['HOSP'].text}")
        check("late" in nodes["PH2"], f"PH2 is late: {nodes}")
        eq(len(b.all("#tree svg path.edge")), len(imp["edges"]) + len(imp["transit"]),
           "an edge for each flow")
        # The lot repackaged from L2, recalled with it.
        eq([x["lot"] for x in imp["derived"]], ["R2"], "IMPACT's derived lots")
        rows = b.all("#derived tbody tr")
        eq([r.get_attribute("data-lot") for r in rows], ["R2"], "the derived lots shown")
        eq(number(rows[0].find_element(b.By.CSS_SELECTOR, "td[data-k=units]").text),
           imp["derived"][0]["units"], "its units")
        check("随源批次召回" in rows[0].text, f"recalled with its source: {rows[0].text}")
        # A code's trace.
        tr = resp_json(d, "TRACE", cn(15))
        b.type("#trace-code", cn(15))
        b.find("#trace-go").click()
        b.wait(lambda b: b.all("#trace-events tbody tr"), "the trace")
        eq([int(r.get_attribute("data-seq")) for r in b.all("#trace-events tbody tr")],
           [e["seq"] for e in tr["events"]], "the trace's events")
        check("窜货" in b.find("#trace").text, "the diverted receipt is said")
        b.shot("recall-small.png")


def pipeline(c, commands):
    """Send commands in batches, then read their replies; each must be OK."""
    for i in range(0, len(commands), 400):
        batch = commands[i:i + 400]
        c.send(b"".join(encode(*cmd) for cmd in batch))
        for cmd in batch:
            ok(c.reply(), " ".join(str(w) for w in cmd[:4]))


def spread_lot(d):
    """Lot L9 over 458 sites: MFR, 3 distributors, 404 pharmacies and 50
    hospitals, one unit each; 420 of the retail sites sold theirs and
    acknowledged the recall, 24 hold it and acknowledged, 10 hold it and
    are late.  Returns the retail sites' ids by what they did."""
    c = rc(d.connect())
    dists = ["D1", "D2", "D3"]
    retail = [(f"P{i:03d}", "pharmacy") for i in range(404)] + \
             [(f"H{i:02d}", "hospital") for i in range(50)]
    cmds = [("SITE", "SET", s, "name", f"分销{s}", "kind", "distributor") for s in dists]
    cmds += [("SITE", "SET", s, "name", f"{'药店' if k == 'pharmacy' else '医院'}{s}", "kind", k)
             for s, k in retail]
    pipeline(c, cmds)
    codes = [cn(5000 + i) for i in range(len(retail) + 30)]
    ok(c.call("COMMISSION", *codes, "SITE", "MFR", "LOT", "L9", "EXPIRY", day(300)))
    share = len(codes) // 3
    cmds = []
    for i, dist in enumerate(dists):
        part = codes[i * share:(i + 1) * share] if i < 2 else codes[2 * share:]
        cmds += [("SHIP", *part, "FROM", "MFR", "TO", dist), ("RECEIVE", *part, "SITE", dist)]
    pipeline(c, cmds)
    owner = {code: dists[min(i // share, 2)] for i, code in enumerate(codes)}
    cmds, sold, held, late = [], [], [], []
    for i, (site, _) in enumerate(retail):
        code = codes[i]
        cmds += [("SHIP", code, "FROM", owner[code], "TO", site), ("RECEIVE", code, "SITE", site)]
        if i % 45 == 7:
            late.append(site)
        elif i % 19 == 3 and len(held) < 24:
            held.append(site)
        else:
            sold.append(site)
            cmds.append(("DISPENSE", code, "SITE", site, "TX", f"t-{site}"))
    pipeline(c, cmds)
    ok(c.call("RECALL", PRODUCT, "L9", "LEVEL", "2", "REASON", "标签错误"))
    pipeline(c, [("RECALL.ACK", PRODUCT, "L9", "SITE", s) for s in ["MFR", *dists, *sold, *held]])
    c.close()
    d.advance("4d")
    return {"sold": sold, "held": held, "late": late}


def test_recall_page_stays_readable_over_hundreds_of_sites():
    with pages() as (d, b):
        who = spread_lot(d)
        imp = impact_json(d, "L9")
        eq(imp["totals"]["sites"], 458, "the lot is at 458 sites")
        eq(sorted(s["site"] for s in imp["sites"] if s["past_deadline"]), sorted(who["late"]),
           "the late sites")
        b.get("/recall.html")
        sign_in(b)
        open_impact(b, "L9")
        svg = b.find("#tree svg")
        height, width = int(svg.get_attribute("height")), int(svg.get_attribute("width"))
        drawn = b.all("#tree svg g.node[data-site]")
        # The maker and the distributors (small groups, drawn whole), then of
        # each retail group the (at most 6) sites that matter most.
        matter = set(who["held"]) | set(who["late"])
        mp = len([s for s in matter if s.startswith("P")])
        mh = len([s for s in matter if s.startswith("H")])
        check(mp > 6 and 0 < mh < 6, f"the fixture: {mp} pharmacies, {mh} hospitals matter")
        check(height < 1200 and width < 1400, f"the tree is {width} x {height} px")
        eq(len(drawn), 1 + 3 + 6 + mh, "sites drawn one by one while the groups are folded")
        late_drawn = [n.get_attribute("data-site") for n in drawn
                      if "late" in n.get_attribute("class")]
        check(late_drawn and set(late_drawn) <= set(who["late"]),
              f"the late sites come first in a folded group: {late_drawn}")
        pharm = [g for g in b.all("#tree svg g.node.group") if "另" in g.text]
        check(len(pharm) == 2, f"a summary node per retail group: {[g.text for g in pharm]}")
        b.shot("recall-458-sites.png")
        # The reader opens the pharmacies.
        head = [h for h in b.all("#tree svg g.ghead") if "药店" in h.text][0]
        check("404" in head.text, head.text)
        head.click()
        b.wait(lambda b: len(b.all("#tree svg g.node[data-site]")) == 1 + 3 + 404 + mh,
               "every pharmacy drawn once its group is open")
        # The table: each kind summed as IMPACT sums it, the sites that matter first.
        for kind in ("pharmacy", "hospital", "distributor"):
            row = b.find(f"#sites tr.group[data-group='{kind}|']")
            for k in ("in_stock", "dispensed", "received"):
                eq(number(row.find_element(b.By.CSS_SELECTOR, f"td[data-k={k}]").text),
                   sum(s[k] for s in imp["sites"] if s["kind"] == kind), f"{kind} {k}")
        listed = [r.get_attribute("data-site") for r in b.all("#sites tr[data-site]")]
        check(set(listed) - {"MFR", "D1", "D2", "D3"} <= matter,
              f"only the sites that matter are listed: {sorted(set(listed) - matter)}")
        eq(len(listed), 4 + min(20, mp) + mh, "the sites listed")
        notes = [td.text for td in b.all("#sites tr.quiet td[colspan]")]
        eq(notes, [f"另有 {404 - min(20, mp)} 个站点未列出，其中 {mp - min(20, mp)} 个有库存、逾期或窜货",
                   f"另有 {50 - mh} 个站点未列出（无库存、未逾期）"], "what the table leaves out")
        button = b.find("#sites tr.group[data-group='pharmacy|'] button")
        button.click()
        b.wait(lambda b: len([r for r in b.all("#sites tr[data-site]")
                              if r.get_attribute("data-site").startswith("P")]) == 404,
               "every pharmacy in the table once opened")


def test_alerts_page_lists_the_alerts():
    with pages() as (d, b):
        alerts = resp_json(d, "ALERTS")
        eq(sorted(a["kind"] for a in alerts), ["diversion", "duplicate", "unknown"],
           f"the fixture's alerts: {alerts}")
        b.get("/alerts.html")
        sign_in(b)
        b.wait(lambda b: b.find("#alerts").get_attribute("data-ready") == "true" and
               b.all("#alerts tbody tr"), "the alerts")

        def shown():
            return [{td.get_attribute("data-k"): td.text for td in r.find_elements(
                b.By.CSS_SELECTOR, "td")} for r in b.all("#alerts tbody tr")]
        rows = shown()
        eq([int(r["id"]) for r in rows], [a["id"] for a in alerts], "ALERTS's order")
        for r, a in zip(rows, alerts):
            eq((r["site"], r["code"], r["tx"], r["first_sale_site"]),
               (a["site"], a["code"], a.get("tx", ""), a.get("first_sale_site", "")),
               f"alert {a['id']}")
            eq(b.find(f"#alerts tr[data-id='{a['id']}'] td[data-k=kind]")
               .get_attribute("data-kind"), a["kind"], "its kind")
        b.find("#alerts th[data-k=id]").click()
        eq([int(r["id"]) for r in shown()], sorted(a["id"] for a in alerts), "sorted by id")
        b.find("#alerts th[data-k=id]").click()
        eq([int(r["id"]) for r in shown()], sorted((a["id"] for a in alerts), reverse=True),
           "and the other way")
        b.find("#alerts th[data-k=site]").click()
        eq([r["site"] for r in shown()], sorted(a["site"] for a in alerts), "sorted by site")
        b.shot("alerts.png")
        # Filters: the site's own, and a limit.
        b.type("#site", "PH1")
        b.type("#limit", "1")
        b.find("#alerts-go").click()
        want = resp_json(d, "ALERTS", "SITE", "PH1", "LIMIT", "1")
        b.wait(lambda b: b.find("#alerts").get_attribute("data-ready") == "true" and
               [int(r.get_attribute("data-id")) for r in b.all("#alerts tbody tr")] ==
               [a["id"] for a in want], "PH1's newest alert")
        b.type("#limit", "100")
        b.type("#since", day(1))
        b.find("#alerts-go").click()
        b.wait(lambda b: b.find("#alerts").get_attribute("data-ready") == "true" and
               not b.all("#alerts tbody tr"), "no alert since tomorrow")
        # Each alert's handling (ALERT SET), and the kind and status filters.
        dup = next(a for a in alerts if a["kind"] == "duplicate")
        c = d.connect()
        ok(c.call("ALERT", "SET", str(dup["id"]), "STATUS", "closed", "CLASS", "user_error",
                  "NOTE", "scanned twice"))
        c.close()
        b.type("#since", "")
        b.type("#site", "")
        b.drv.execute_script("document.getElementById('status').value = 'closed'")
        b.find("#alerts-go").click()
        b.wait(lambda b: b.find("#alerts").get_attribute("data-ready") == "true" and
               [int(r.get_attribute("data-id")) for r in b.all("#alerts tbody tr")] ==
               [dup["id"]], "the closed alert alone")
        row = f"#alerts tr[data-id='{dup['id']}']"
        eq((b.find(row + " td[data-k=status]").get_attribute("data-status"),
            b.find(row + " td[data-k=class]").get_attribute("data-class"),
            b.find(row + " td[data-k=class]").get_attribute("title")),
           ("closed", "user_error", "scanned twice"), "its status, class and note")
        b.drv.execute_script("document.getElementById('status').value = 'open';"
                             "document.getElementById('kind').value = 'diversion'")
        b.find("#alerts-go").click()
        want = [a["id"] for a in alerts if a["kind"] == "diversion"]
        b.wait(lambda b: b.find("#alerts").get_attribute("data-ready") == "true" and
               [int(r.get_attribute("data-id")) for r in b.all("#alerts tbody tr")] == want and
               b.find(f"#alerts tr[data-id='{want[0]}'] td[data-k=status]")
               .get_attribute("data-status") == "open", "the open diversion")


# -------------------------------------------------------------- http_static

class Inotify:
    """Linux inotify through libc: which files under a directory were
    opened or read."""
    IN_ACCESS, IN_OPEN = 0x1, 0x20

    def __init__(self, directory):
        self.libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        check(self.fd >= 0, "inotify_init1")
        wd = self.libc.inotify_add_watch(self.fd, directory.encode(),
                                         self.IN_ACCESS | self.IN_OPEN)
        check(wd >= 0, f"inotify_add_watch {directory}: errno {ctypes.get_errno()}")

    def names(self):
        """Names opened or read since the last call."""
        out = []
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return out
            at = 0
            while at < len(data):
                _, mask, _, n = struct.unpack_from("iIII", data, at)
                name = data[at + 16:at + 16 + n].rstrip(b"\0").decode()
                out.append(name)
                at += 16 + n

    def close(self):
        os.close(self.fd)


def raw_get(d, path, method="GET"):
    """A request with its path sent as it is (no client-side clean-up)."""
    c = http.client.HTTPConnection("127.0.0.1", d.http_port, timeout=30)
    c.putrequest(method, path, skip_accept_encoding=True)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    hdrs = dict(r.getheaders())
    c.close()
    return r.status, body, hdrs


def test_static_files_stay_under_web_root():
    top = tempfile.mkdtemp(prefix="yima-web-")
    root, outside = os.path.join(top, "web"), os.path.join(top, "outside")
    shutil.copytree(WEB, root)
    os.makedirs(outside)
    secret = os.path.join(outside, "secret.txt")
    with open(secret, "w") as f:
        f.write("SECRET-OUTSIDE\n")
    os.symlink(secret, os.path.join(root, "link.txt"))          # a link pointing out
    os.symlink(outside, os.path.join(root, "out"))              # a directory link out
    os.symlink(os.path.join(root, "style.css"), os.path.join(root, "alias.css"))  # in: fine
    with open(os.path.join(root, ".hidden"), "w") as f:
        f.write("hidden\n")
    os.makedirs(os.path.join(root, "sub"))
    with open(os.path.join(root, "big.txt"), "wb") as f:
        f.write(b"x" * (1024 * 1024 + 1))
    os.mkfifo(os.path.join(root, "fifo.txt"))
    d = web_yimad(root)
    watch = Inotify(outside)
    try:
        hostile = ["/../outside/secret.txt", "/%2e%2e/outside/secret.txt",
                   "/%2E%2E%2Foutside%2Fsecret.txt", "/sub/../../outside/secret.txt",
                   "/./../outside/secret.txt", "/link.txt", "/out/secret.txt",
                   "/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd", "/..%2f..%2fetc/passwd",
                   "/index.html%00.txt", "/.hidden", "/sub", "/sub/", "/out", "//etc/passwd",
                   "/big.txt", "/fifo.txt", "/nothing.html"]
        for path in hostile:
            for method in ("GET", "HEAD"):
                st, body, hdrs = raw_get(d, path, method)
                eq(st, 404, f"{method} {path}: {body[:200]!r}")
                check(b"SECRET" not in body and b"root:" not in body, f"{path}: {body[:200]!r}")
                check(hdrs["Content-Type"].startswith("application/json"), f"{path}: {hdrs}")
                if method == "GET":
                    eq(json.loads(body)["code"], "ERR", f"{path}: the API's 404")
        eq(watch.names(), [], "nothing outside web_root was opened or read")
        with open(secret) as f:         # the watch sees a read: the check above holds
            f.read()
        check("secret.txt" in watch.names(), "inotify sees an open")

        types = {"/": "text/html; charset=utf-8", "/index.html": "text/html; charset=utf-8",
                 "/recall.html": "text/html; charset=utf-8",
                 "/style.css": "text/css; charset=utf-8", "/alias.css": "text/css; charset=utf-8",
                 "/yima.js": "text/javascript; charset=utf-8",
                 f"/01/{GTIN}/21/SN1": "text/html; charset=utf-8"}
        index = open(os.path.join(root, "index.html"), "rb").read()
        for path, kind in types.items():
            st, body, hdrs = raw_get(d, path)
            eq((st, hdrs["Content-Type"]), (200, kind), f"GET {path}")
            eq(hdrs["X-Content-Type-Options"], "nosniff", path)
            hst, hbody, hh = raw_get(d, path, "HEAD")
            eq((hst, hbody, hh["Content-Type"], int(hh["Content-Length"])),
               (200, b"", kind, len(body)), f"HEAD {path}")
        eq(raw_get(d, "/")[1], index, "/ is index.html")
        eq(raw_get(d, f"/01/{GTIN}/10/A1/21/SN1?17=271231")[1], index,
           "a Digital Link path is index.html")
        eq(raw_get(d, "/alias.css")[1], open(os.path.join(root, "style.css"), "rb").read(),
           "a link inside web_root is followed")
        check("default-src 'self'" in raw_get(d, "/")[2]["Content-Security-Policy"],
              "pages load nothing from elsewhere")
        st, body, _ = raw_get(d, "/v1/nothing")
        eq(st, 404, "the API's own paths are not files")
        st, body, _ = call(d, "POST", "/index.html", {})
        eq(st, 404, f"only GET and HEAD read pages: {body}")
    finally:
        watch.close()
        d.close()
        shutil.rmtree(top, ignore_errors=True)


def test_web_root_is_checked_at_start_and_off_by_default():
    d = Yimad("--http-port", str(free_port()))
    try:
        st, body, _ = raw_get(d, "/")
        eq(st, 404, f"no pages unless web_root is set: {body}")
        st, body, _ = raw_get(d, "/index.html")
        eq(st, 404, "none")
        d.stop()
        missing = os.path.join(d.tmp, "no-such-dir")
        try:
            d.start(["--web-root", missing])
        except TestFailure as e:
            check(f"web_root '{missing}': No such file or directory" in str(e), str(e))
        else:
            raise TestFailure("yimad started with a web_root that does not exist")
    finally:
        d.close()


# ------------------------------------------------------ yima impact --dot/--svg

def test_cli_impact_tree_groups_hundreds_of_sites():
    """`yima impact --dot/--svg` of a lot at 458 sites: a cluster per site
    kind, in each the sites that matter (late, diverted, holding stock) and
    one box for the rest, every unit's flow still counted; --all-sites
    draws them all."""
    import re
    d = Yimad()
    try:
        setup(d)
        who = spread_lot(d)
        c = rc(d.connect())     # a unit of D3's sent to P001, received at H40
        spare = cn(5000 + 454)
        ok(c.call("SHIP", spare, "FROM", "D3", "TO", "P001"))
        ok(c.call("RECEIVE", spare, "SITE", "H40"))
        c.close()
        imp = impact_json(d, "L9")
        out = d.yima("impact", PRODUCT, "L9", "--dot", check_rc=0)[1]
        nodes = dict(re.findall(r'^    "([^"]+)" \[label="([^"]*)"', out, re.M))
        boxes = {k: v for k, v in nodes.items() if k.startswith("more ")}
        drawn = {k: v for k, v in nodes.items() if not k.startswith("more ")}
        matter = set(who["held"]) | set(who["late"]) | {"H40"}
        mp = len([s for s in matter if s.startswith("P")])
        mh = len([s for s in matter if s.startswith("H")])
        check(mp > 6 and 0 < mh <= 6, f"the fixture: {mp} pharmacies, {mh} hospitals matter")
        eq(len(drawn), 1 + 3 + 6 + mh, f"sites drawn one by one: {sorted(drawn)}")
        check(set(drawn) - {"MFR", "D1", "D2", "D3"} <= matter, f"only sites that matter: {drawn}")
        folded = sorted(int(re.match(r"(\d+) more", v).group(1)) for v in boxes.values())
        eq(folded, sorted([404 - 6, 50 - mh]), f"one box per big group: {boxes}")
        eq(sum(folded) + len(drawn), 458, "every site drawn or in a box")
        check("DIVERTED" in drawn["H40"] and 'color=darkorange' in
              re.search(r'^    "H40" .*$', out, re.M).group(0), "H40 drawn diverted")
        for s in who["late"]:
            if s in drawn:
                check(re.search(rf'^    "{s}" .*color=red', out, re.M), f"{s} drawn late")
        clusters = re.findall(r'label="(\w+): (\d+) sites?"', out)
        eq(sorted(clusters), sorted([("manufacturer", "1"), ("distributor", "3"),
                                     ("pharmacy", "404"), ("hospital", "50")]), "the clusters")
        shipped = sum(int(u) for u in re.findall(r'-> "[^"]+" \[label="(\d+)"\]', out))
        eq(shipped, sum(e["units"] for e in imp["edges"] if e["kind"] == "ship"),
           "every unit received is on an edge")
        svg = os.path.join(d.tmp, "tree.svg")
        d.yima("impact", PRODUCT, "L9", "--svg", svg, check_rc=0)
        with open(svg, encoding="utf-8") as f:
            head = f.read(2000)
        w, h = (int(x) for x in re.search(r'<svg width="(\d+)pt" height="(\d+)pt"', head).groups())
        print(f"    yima impact --svg of 458 sites: {w} x {h} pt")
        check(h < 1500 and w < 2000, f"a readable picture: {w} x {h} pt")
        every = d.yima("impact", PRODUCT, "L9", "--dot", "--all-sites", check_rc=0)[1]
        eq(len(re.findall(r'^    "([^"]+)" \[label=', every, re.M)), 458, "--all-sites")
        rc_, _, err = d.yima("impact", PRODUCT, "L9", "--all-sites")
        check(rc_ == 2 and "--all-sites goes with --dot or --svg" in err, err)
    finally:
        d.close()
