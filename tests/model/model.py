"""A reference model of yima's rules: the specification as executable code.

Small on purpose.  It keeps the state yima keeps (units, containers,
holders, lots, products, sales, alerts, the event log) in plain Python and
answers every command the way proto/PROTOCOL.md, proto/CODES.md and
issue 15's decisions say it should.  `difftest.py` sends the same commands
to a real yimad and compares the answers.

Sources, cited in the docstrings:
  P  proto/PROTOCOL.md (commands, replies, reasons table)
  C  proto/CODES.md (code formats and check digits)
  S  daemon/STORE.md (what an event records; lot counters)
  I  issue 15 (decisions on the wrong answers users found)

Only what the difference test generates is modelled: CN 20-digit codes,
GS1 element strings ((01)+(21), optionally with (17)/(10)), SSCCs, sites
named by id, configuration at its defaults (unknown_code = red,
mismatch = amber, not_received = amber, near_expiry_days = 30,
undo_window = 10d, recall deadlines 1/3/7 days).  Times are not compared:
the model's clock counts minutes since the daemon started (CLOCK ADVANCE),
which is all that decides expiry, the undo window and recall deadlines.

A reply is a dict (a map, keys as in PROTOCOL.md) or an Err.
"""
import copy
import datetime
import re
import shlex

# Reasons in the daemon's stable bit order (daemon/verdict.h), which is the
# order of the `reasons` array; severity per P's reasons table.
REASONS = ["unknown", "duplicate", "recalled", "withdrawn", "expired", "near_expiry",
           "not_received_here", "in_transit", "destroyed", "locked", "lot_mismatch",
           "expiry_mismatch", "not_a_trace_code", "not_a_sales_unit", "undo_window",
           "not_dispensed", "sample", "exported", "stolen", "checked_out", "licence_expired",
           "cold_chain_break", "transformed"]
# checked_out is amber at the hospital that checked it out; elsewhere the
# judgement adds ELSEWHERE too, a mark no reply shows, which makes it red.
# Categories whose default policy_<category> line is "not_received=red
# in_transit=red split_sale=refuse" (config.c); ordinary: the global settings.
SPECIAL_CATEGORIES = {"vaccine", "blood_product", "narcotic", "psychotropic", "psychotropic_1",
                      "psychotropic_2", "toxic", "radioactive", "precursor", "botulinum"}
ZH = {"vaccine": "疫苗", "blood_product": "血液制品", "narcotic": "麻醉药品",
      "psychotropic": "精神药品", "psychotropic_1": "第一类精神药品",
      "psychotropic_2": "第二类精神药品", "toxic": "医疗用毒性药品", "radioactive": "放射性药品",
      "precursor": "药品类易制毒化学品", "botulinum": "注射用A型肉毒毒素"}
AMBER_REASONS = {"near_expiry", "not_received_here", "in_transit", "lot_mismatch",
                 "expiry_mismatch", "checked_out", "licence_expired"}   # defaults: mismatch, not_received = amber
ELSEWHERE = "_checked_out_elsewhere"
# P "DECOMMISSION": the end states besides sale and destruction.
END_STATES = ("sample", "exported", "stolen", "checked_out")
NEAR_EXPIRY_DAYS = 30
UNDO_WINDOW_MIN = 10 * 1440
RECALL_DEADLINE_DAYS = {1: 1, 2: 3, 3: 7}
DAY_MIN = 1440

# P "Site kinds": the kinds of site that may be each command's acting site
# (SITE; FROM for SHIP and RETURN).  A site without a kind is not
# restricted; neither are reads nor commands without an acting site.
HOLDERS = {"manufacturer", "distributor", "pharmacy", "hospital"}
SITE_KINDS = {
    "COMMISSION": {"manufacturer"},
    "PACK": {"manufacturer", "distributor"},
    "UNPACK": HOLDERS,
    "SHIP": {"manufacturer", "distributor"},
    "RETURN": {"distributor", "pharmacy", "hospital"},
    "RECEIVE": HOLDERS,
    "DESTROY": HOLDERS,
    "RECALL.ACK": HOLDERS,
    "DISPENSE": {"pharmacy", "hospital"},
    "UNDO": {"pharmacy", "hospital"},
    "DECOMMISSION": HOLDERS,
    "DECOMMISSION exported": {"manufacturer", "distributor"},
    "DECOMMISSION checked_out": {"hospital"},
    "REACTIVATE": HOLDERS,
    "TRANSFORM": {"manufacturer", "distributor"},
}
# P "TRANSFORM": repackagings followed from a lot to the lots it was made of.
LOT_LINKS_DEPTH = 8
LOT_LINKS_MAX = 256     # lots one walk of the links collects (P "IMPACT": derived)

# P "SHIP" (TEMP) and PRODUCT's storage_min_c/storage_max_c: °C with at most
# one decimal, -200 to 100, kept in tenths.
CELSIUS_RE = re.compile(r"-?\d{1,4}(\.\d)?")

DISTRIBUTION = ("COMMISSION", "PACK", "UNPACK", "SHIP", "RECEIVE", "RETURN", "DESTROY",
                "DISPENSE", "DECOMMISSION", "REACTIVATE", "TRANSFORM")


class Err(Exception):
    """An error reply: `code` is its first word (P, "Errors"); `why` is the
    model's own explanation (not compared with the daemon's text)."""

    def __init__(self, code, why):
        super().__init__(f"{code} {why}")
        self.code = code
        self.why = why

    def __repr__(self):
        return f"Err({self.code} {self.why})"


def err(why):
    return Err("ERR", why)


def celsius(text):
    """A temperature in tenths of °C (P "SHIP": TEMP), or None when the
    text is none."""
    if not CELSIUS_RE.fullmatch(text):
        return None
    whole, _, tenth = text.lstrip("-").partition(".")
    dc = int(whole) * 10 + int(tenth or 0)
    dc = -dc if text.startswith("-") else dc
    return dc if -2000 <= dc <= 1000 else None


def reading_of(text):
    """TEMP min[:max] as (min, max) in tenths of °C; Err when it is not one."""
    lo, colon, hi = text.partition(":")
    r = (celsius(lo), celsius(hi) if colon else celsius(lo))
    if None in r:
        raise err(f"TEMP: '{text}' is not a temperature in °C from -200 to 100")
    if r[0] > r[1]:
        raise err(f"TEMP {text}: the lowest reading is above the highest")
    return r


def fmt_dc(dc):
    return f"{'-' if dc < 0 else ''}{abs(dc) // 10}.{abs(dc) % 10}"


def fmt_reading(r):
    """P "TRACE": "14.5 °C", or "1.5–14.5 °C" for a lowest and highest."""
    return f"{fmt_dc(r[0])} °C" if r[0] == r[1] else f"{fmt_dc(r[0])}–{fmt_dc(r[1])} °C"


def fmt_range(lo, hi):
    """A storage range as TRACE's cold_chain shows it; a bound not set is open."""
    if lo is not None and hi is not None:
        return f"{fmt_dc(lo)}–{fmt_dc(hi)} °C"
    return f"at most {fmt_dc(hi)} °C" if hi is not None else f"at least {fmt_dc(lo)} °C"


# ---------------------------------------------------------------- codes


class Scan:
    """A parsed scan (proto/CODES.md): canonical text, family, product, and
    the lot/expiry a GS1 scan carries."""

    def __init__(self, key, family, product=None, lot=None, expiry=None, sscc=False,
                 grouped=False):
        self.key, self.family, self.product = key, family, product
        self.lot, self.expiry, self.sscc, self.grouped = lot, expiry, sscc, grouped


GS1_RE = re.compile(r"^\(01\)(\d{14})((?:\((?:17|10|21)\)[^()]+)*)$")


def gs1_check(body):
    """GS1 mod-10 check digit of the digits in body (C)."""
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def parse_code(text, today):
    """Parse the scan forms the generator produces; anything else is
    not a trace code (P: `not_a_trace_code`).  A GS1 scan without (21) is
    a lot-level key, which for a serialised drug is not a trace code
    either (I item 5)."""
    if re.fullmatch(r"8\d{19}", text):
        return Scan(text, "cn20", product=text[:7])
    m = re.fullmatch(r"\(00\)(\d{18})", text)
    if m and gs1_check(m.group(1)[:17]) == m.group(1)[17]:
        return Scan(text, "gs1", sscc=True)
    m = GS1_RE.match(text)
    if m and gs1_check(m.group(1)[:13]) == m.group(1)[13]:
        gtin, fields = m.group(1), dict(re.findall(r"\((\d\d)\)([^()]+)", m.group(2)))
        if "21" not in fields:
            return None
        expiry = None
        if "17" in fields:
            yy, mm, dd = int(fields["17"][:2]), int(fields["17"][2:4]), int(fields["17"][4:])
            century = today.year // 100 * 100
            expiry = datetime.date(century + yy, mm, dd)
        return Scan(f"(01){gtin}(21){fields['21']}", "gs1", product=gtin,
                    lot=fields.get("10"), expiry=expiry, grouped=gtin[0] in "12345678")
    return None


# ---------------------------------------------------------------- state


class Unit:
    """A unit record (S "Unit record"): anything with a code, any level."""

    def __init__(self, code, family, level, lot, site, seq):
        self.code, self.family, self.level, self.lot = code, family, level, lot
        self.status = "active"          # own status; where it is follows parents
        self.holder, self.dest, self.parent = site, None, None
        self.children = []
        self.dispensed = 0
        self.locked = self.returning = False
        self.commission_seq = self.last_seq = seq
        self.steps = [(seq, None)]      # TRACE: (event seq, via container)
        self.alerts = []                # alert ids about it
        self.cold = None                # its cold-chain break (P "SHIP", TEMP)


class Lot:
    def __init__(self, product, name, expiry):
        self.product, self.name, self.expiry = product, name, expiry
        self.recall_level = None        # None: not recalled
        self.recall_seq = None
        self.recall_minute = None
        self.history = []               # RECALL and LIFT event seqs
        self.returned = {}              # site -> units RETURNed since the recall
        self.edges = {}                 # (sender, receiver, kind) -> units received
        self.after = {}                 # site -> units moved since the recall, by kind
        self.sources = []               # lot keys it was repackaged from (TRANSFORM)


class Model:
    def __init__(self, today):
        self.today0 = today
        self.minute = 0                 # minutes the clock was advanced
        self.sites = []                 # in creation order (IMPACT orders by it)
        self.site_kind = {}             # site -> its kind, when it has one
        self.site_licence = {}          # site -> the last day its licence is valid
        self.products = {}              # id -> {"upp", "name", "withdrawn", "withdraw_seq"}
        self.lots = {}                  # (product, name) -> Lot
        self.units = {}                 # canonical code -> Unit
        self.events = {}                # seq -> dict
        self.sales = {}                 # (site, tx, code) -> sale record
        self.alerts = []                # dicts, oldest first
        self.batches = {}               # BATCH id -> stored result
        self.seq = 0
        self.notes = []                 # what the last command met (known.py)

    # -- helpers -------------------------------------------------------
    def today(self):
        return self.today0 + datetime.timedelta(days=self.minute // DAY_MIN)

    def event(self, kind, **fields):
        self.seq += 1
        e = dict(seq=self.seq, event=kind, minute=self.minute, **fields)
        self.events[self.seq] = e
        return e

    def site_arg(self, name, what="SITE"):
        if name is None:
            raise err(f"{what} is required")
        if name not in self.sites:
            raise err(f"{what}: unknown site '{name}'")
        return name

    def acting(self, command, name, what="SITE"):
        """The acting site of a write, which its kind must allow to do
        the command (P "Site kinds"), checked before anything else the
        command checks about its codes."""
        site = self.site_arg(name, what)
        kind = self.site_kind.get(site)
        if kind is not None and kind not in SITE_KINDS[command]:
            raise err(f"site '{site}' is a {kind}, and a {kind} may not {command}")
        return site

    def unit_of(self, text):
        s = parse_code(text, self.today())
        if s is None:
            raise err(f"'{text}' is not a code")
        if s.key not in self.units:
            raise err(f"{s.key} is not commissioned")
        return self.units[s.key]

    def load_units(self, texts):
        us = [self.unit_of(t) for t in texts]
        if len({u.code for u in us}) != len(us):
            raise err("a code is named twice")
        return us

    def outer(self, u):
        while u.parent is not None:
            u = self.units[u.parent]
        return u

    def place(self, u):
        """Where a unit is (S: a packed unit is wherever its outermost
        container is and moves with it): (status, holder, dest)."""
        if u.status == "dispensed" or u.parent is None:
            return u.status, u.holder, u.dest
        o = self.outer(u)
        return ("destroyed" if u.status == "destroyed" else o.status), o.holder, o.dest

    def descendants(self, u):
        out = []
        for c in u.children:
            out.append(self.units[c])
            out.extend(self.descendants(self.units[c]))
        return out

    def not_movable(self, u, site):
        """Why u cannot move from site (dispensed, destroyed, in transit,
        held elsewhere), or None."""
        status, holder, _ = self.place(u)
        if status != "active":
            return f"is {status}"
        if holder != site:
            return f"is held by {holder}"
        return None

    def step(self, u, e, via_kids=False):
        """Record event e in u's chain of custody, and (for movements)
        in that of everything packed in it, `via` u (P, TRACE: movements
        the code made inside a container carry `via`)."""
        u.steps.append((e["seq"], None))
        if via_kids:
            for d in self.descendants(u):
                d.steps.append((e["seq"], u.code))

    def unlink(self, u):
        if u.parent is not None:
            self.units[u.parent].children.remove(u.code)
            u.parent = None

    def add_alert(self, kind, site, code, unit=None, tx=None, first_sale=None):
        a = dict(id=len(self.alerts) + 1, kind=kind, site=site, code=code, tx=tx,
                 first_sale_site=first_sale["site"] if first_sale else None,
                 status="open", klass=None, note="")
        self.alerts.append(a)
        if unit is not None:
            unit.alerts.append(a["id"])

    def warn(self, parts, site, what, warnings):
        """P "Stock that should not move": units of a recalled lot, an
        expired lot or a withdrawn product that are commissioned, shipped
        or received (not as a return) are recorded with a warning, one per
        reason and lot; a recalled lot's count `after_recall` at the site."""
        for key, units in parts:
            lot = self.lots[key]
            why = [r for r, yes in (("withdrawn", self.products[lot.product]["withdrawn"]),
                                    ("expired", self.today() > lot.expiry),
                                    ("recalled", lot.recall_level)) if yes]
            for r in why:
                w = next((w for w in warnings if w["reason"] == r and w["lot"] == lot.name and
                          w["product"] == lot.product), None)
                if w is None:
                    warnings.append(dict(reason=r, product=lot.product, lot=lot.name, units=0))
                    w = warnings[-1]
                w["units"] += units
            if lot.recall_level:
                a = lot.after.setdefault(site, dict(commissioned=0, shipped=0, received=0))
                a[what] += units

    @staticmethod
    def moved(reply, warnings):
        if warnings:
            reply["warnings"] = warnings
        return reply

    # -- verdicts (P "VERIFY": the reasons table) -------------------------
    def judge(self, text, site):
        """The verdict on a scan at `site` (None: no site): a dict j with
        the reasons and what the reply shows."""
        j = dict(reasons=set(), scan=parse_code(text, self.today()), unit=None, lot=None)
        if j["scan"] is None:
            j["reasons"].add("not_a_trace_code")
            return j
        u = self.units.get(j["scan"].key)
        if u is None:
            j["reasons"].add("unknown")
            return j
        j["unit"] = u
        status, holder, dest = self.place(u)
        lot = self.lots.get(u.lot) if u.lot else None
        j["lot"] = lot
        r = j["reasons"]
        if status == "destroyed":
            r.add("destroyed")
        if status in END_STATES:
            r.add(status)
            if status == "checked_out" and site != holder:
                r.add(ELSEWHERE)
        if u.locked:
            r.add("locked")
        # P "SITE SET": a scan at a site whose licence has passed.
        if site and site in self.site_licence and self.today() > self.site_licence[site]:
            r.add("licence_expired")
        if u.cold and not u.cold["released"]:
            r.add("cold_chain_break")
        if lot and lot.recall_level:
            r.add("recalled")
        elif lot and self.recalled_source(lot):
            r.add("recalled")
        if status == "transformed":
            r.add("transformed")
        if lot and self.products[lot.product]["withdrawn"]:
            r.add("withdrawn")
        if lot:
            left = (lot.expiry - self.today()).days
            if left < 0:
                r.add("expired")
            elif left <= NEAR_EXPIRY_DAYS:
                r.add("near_expiry")
        if status == "dispensed":
            r.add("duplicate")
        if status == "in_transit":
            r.add("in_transit")
        elif site and status == "active" and holder != site:
            r.add("not_received_here")
        sc = j["scan"]
        if lot and sc.lot and sc.lot != lot.name:
            r.add("lot_mismatch")
        if lot and sc.expiry and sc.expiry != lot.expiry:
            r.add("expiry_mismatch")
        return j

    def recalled_source(self, lot):
        """P "TRANSFORM": the first lot `lot` was repackaged from (at any
        depth up to LOT_LINKS_DEPTH, nearest first, each depth in the
        order lots were made) that is recalled, or None."""
        order = {k: i for i, k in enumerate(self.lots)}
        own = (lot.product, lot.name)   # links can lead back to it: never listed
        seen, level = [], sorted(lot.sources, key=order.get)
        for _ in range(LOT_LINKS_DEPTH):
            level = [k for k in level if k not in seen and k != own]
            seen += level
            nxt = []
            for k in level:
                nxt += [s for s in sorted(self.lots[k].sources, key=order.get) if s not in nxt]
            if not nxt:
                break
            level = nxt
        return next((self.lots[k] for k in seen if self.lots[k].recall_level), None)

    def category(self, j):
        lot = j.get("lot")
        return self.products[lot.product].get("category") if lot else None

    @staticmethod
    def verdict(reasons, category=None):
        amber = AMBER_REASONS
        if category in SPECIAL_CATEGORIES:
            amber = amber - {"not_received_here", "in_transit"}
        if any(x not in amber for x in reasons):
            return "red"
        return "amber" if reasons else "green"

    def first_sale(self, u):
        """The first sale still standing (not undone): who sold it first."""
        for seq in sorted(s for s, _ in u.steps):
            e = self.events[seq]
            if e["event"] == "dispense" and e.get("unit") == u.code and not e.get("undone"):
                return e
        return None

    def verdict_reply(self, j, reasons=None, verdict=None, first_sale=False):
        """P "VERIFY": the reply map every scan command shares."""
        reasons = j["reasons"] if reasons is None else reasons
        out = dict(verdict=verdict or self.verdict(reasons, self.category(j)),
                   reasons=[x for x in REASONS if x in reasons])
        sc, u, lot = j["scan"], j["unit"], j["lot"]
        if sc is None:
            return out
        out.update(code=sc.key, type=sc.family)
        if u is None:
            return out
        if lot:
            out.update(product=lot.product, product_name=self.products[lot.product]["name"],
                       lot=lot.name, expiry=lot.expiry.isoformat())
        status, holder, dest = self.place(u)
        out.update(level=u.level, status=status, holder=holder)
        if dest:
            out["in_transit_to"] = dest
        if u.parent:
            out["parent"] = u.parent
        out["dispensed"] = u.dispensed
        out["units_per_pack"] = self.products[lot.product]["upp"] if lot else 1
        if self.category(j):
            out["category"] = self.category(j)
        le = self.events[u.last_seq]
        out["last_event"] = dict(event=le["event"], site=le.get("site") or le.get("from"))
        out["commissioned"] = True
        if first_sale:
            fs = self.first_sale(u)
            if fs:
                out["first_sale"] = dict(site=fs["site"], tx=fs.get("tx") or "",
                                         qty=fs["qty"])
        return out

    # -- commands --------------------------------------------------------
    def apply(self, args):
        """Run one command (a list of words); returns the reply dict, or
        an Err.  A refused command changes nothing (P "Errors")."""
        self.notes = []
        try:    # every command checks its input before it changes anything
            args, brief = self.brief(args)
            reply = getattr(self, "cmd_" + args[0].lower())(args)
        except Err as e:
            return e
        # P "VERIFY", BRIEF: verdict, reasons and message alone (the model
        # has no message).
        return {k: reply[k] for k in ("verdict", "reasons")} if brief else reply

    # The options that take a value, of the commands that take BRIEF.
    BRIEF_VALUED = {"VERIFY": ("SITE",), "DISPENSE": ("SITE", "TX", "QTY", "TIME"),
                    "UNDO": ("SITE", "TX")}

    @classmethod
    def brief(cls, args):
        """P "VERIFY": the words without the BRIEF flag among a scan's
        options (a value such as TX BRIEF is no flag), and whether it was
        given."""
        valued = cls.BRIEF_VALUED.get(args[0].upper() if args else "")
        if valued is None:
            return args, False
        out, given, i = list(args[:2]), False, 2
        while i < len(args):
            w = args[i].upper()
            if w == "BRIEF":
                if given:
                    raise err("BRIEF given twice")
                given = True
            else:
                out.append(args[i])
                if w in valued and i + 1 < len(args):
                    out.append(args[i + 1])
                    i += 1
            i += 1
        return out, given

    def snapshot(self):
        return copy.deepcopy({k: v for k, v in vars(self).items()
                              if k not in ("notes",)})

    def restore(self, saved):
        vars(self).update(saved)

    @staticmethod
    def options(args, start, names):
        """Codes (args[start:first option]) and KEYWORD value options."""
        i = start
        while i < len(args) and args[i].upper() not in names:
            i += 1
        codes, opts = args[start:i], {}
        while i < len(args):
            k = args[i].upper()
            if k not in names or i + 1 >= len(args):
                raise err(f"bad option {args[i]}")
            if k in opts:
                raise err(f"{k} given twice")
            opts[k] = args[i + 1]
            i += 2
        return codes, opts

    def cmd_clock(self, args):
        """CLOCK ADVANCE N m (the difference test only advances by
        minutes)."""
        self.minute += int(args[2][:-1])
        return dict(ok=True)

    def cmd_site(self, args):
        fields = dict(zip(args[3::2], args[4::2]))
        if args[2] not in self.sites:
            self.sites.append(args[2])
        if "kind" in fields:
            self.site_kind[args[2]] = fields["kind"]
        if "licence_valid_until" in fields:
            self.site_licence[args[2]] = datetime.date.fromisoformat(fields["licence_valid_until"])
        return "OK"

    def cmd_product(self, args):
        fields = dict(zip(args[3::2], args[4::2]))
        old = self.products.get(args[2], {})
        lo, hi = old.get("lo"), old.get("hi")
        for k in ("storage_min_c", "storage_max_c"):
            if k in fields and celsius(fields[k]) is None:
                raise err(f"{k}: '{fields[k]}' is not a temperature in °C from -200 to 100")
        lo = celsius(fields["storage_min_c"]) if "storage_min_c" in fields else lo
        hi = celsius(fields["storage_max_c"]) if "storage_max_c" in fields else hi
        if lo is not None and hi is not None and lo > hi:
            raise err("storage_min_c is above storage_max_c")
        p = self.products.setdefault(args[2], dict(upp=1, name="", withdrawn=False,
                                                   withdraw_seq=None))
        p["lo"], p["hi"] = lo, hi
        if "units_per_pack" in fields:
            p["upp"] = int(fields["units_per_pack"])
        if "name" in fields:
            p["name"] = fields["name"]
        if "category" in fields:
            p["category"] = fields["category"]
        return "OK"

    def cmd_commission(self, args, as_records=False, acting="COMMISSION"):
        """P "COMMISSION": create codes at a site; the product is the one
        the codes carry; LOT required for units; a new lot needs EXPIRY; a
        lot's expiry agrees everywhere; without LEVEL an SSCC is a case, a
        grouped GTIN a middle pack, else a unit, and one request is one
        level; a code commissioned twice or a withdrawn product is refused."""
        codes, o = self.options(args, 1, ("SITE", "PRODUCT", "LOT", "EXPIRY", "LEVEL",
                                          "QTY", "TIME"))
        if not codes:
            raise err("no codes given")
        site = self.acting(acting, o.get("SITE"))
        level = int(o["LEVEL"]) if "LEVEL" in o else None
        if level is not None and not 1 <= level <= 4:
            raise err("LEVEL is 1 to 4")
        expiry = datetime.date.fromisoformat(o["EXPIRY"]) if "EXPIRY" in o else None
        lot, product, scans = o.get("LOT"), None, []
        implied = lambda s: 3 if s.sscc else 2 if s.grouped else 1  # noqa: E731
        for text in codes:
            s = parse_code(text, self.today())
            if s is None:
                raise err(f"'{text}' is not a code")
            if s.key in self.units:
                raise err(f"{s.key} is already commissioned")
            if s.product and not s.sscc:
                if product and product != s.product:
                    raise err("one product per request")
                product = product or s.product
            if s.lot:
                if lot and s.lot != lot:
                    raise err(f"{s.key} carries another lot")
                lot = lot or s.lot
            if s.expiry:
                if expiry and s.expiry != expiry:
                    raise err(f"{s.key} carries another expiry")
                expiry = s.expiry
            if level is None and implied(s) != implied(scans[0] if scans else s):
                raise err("codes of several levels: give LEVEL")
            scans.append(s)
        if len({s.key for s in scans}) != len(scans):
            raise err("a code is named twice")
        if "PRODUCT" in o:
            if product and o["PRODUCT"] != product:
                raise err("PRODUCT does not match the codes")
            product = o["PRODUCT"]
        if product:
            if product not in self.products:
                raise err(f"unknown product {product}")
            if self.products[product]["withdrawn"]:
                raise err(f"product {product} is withdrawn: no new codes")
        level = level or implied(scans[0])
        if lot and not product:
            raise err("LOT needs a product")
        if product and level == 1 and not lot:
            raise err("LOT is required for units (level 1)")
        key = None
        if lot:
            if not 1 <= len(lot) <= 20:
                raise err("LOT must be 1 to 20 characters")
            key = (product, lot)
            if key not in self.lots:
                if not expiry:
                    raise err(f"EXPIRY is required for a new lot ({lot})")
                self.lots[key] = Lot(product, lot, expiry)
            elif expiry and expiry != self.lots[key].expiry:
                raise err(f"lot {lot} expires on {self.lots[key].expiry}, not {expiry}")
        e = self.event("commission", site=site, codes=len(scans))
        for s in scans:
            self.units[s.key] = Unit(s.key, s.family, level, key, site, e["seq"])
        warnings = []
        if key and level == 1:
            self.warn([(key, len(scans))], site, "commissioned", warnings)
        return self.moved(dict(event=e["seq"], codes=len(scans), level=level), warnings)

    def cmd_pack(self, args, as_records=False):
        """P "PACK": every code at the site, not packed already, of a lower
        level than the container, no cycles, no opened split pack; an
        unknown container is created one level above what it holds (and
        has a lot when all it holds share one)."""
        codes, o = self.options(args, 1, ("SITE", "TIME"))
        if len(codes) < 2:
            raise err("give the container, then the codes packed into it")
        site = self.acting("PACK", o.get("SITE"))
        cs = parse_code(codes[0], self.today())
        if cs is None:
            raise err("container: not a code")
        parent = self.units.get(cs.key)
        kids = self.load_units(codes[1:])
        top = max(k.level for k in kids)
        lots = {k.lot for k in kids}
        lot = kids[0].lot if len(lots) == 1 else None
        for k in kids:
            if parent is None and as_records and (k.level != kids[0].level or
                                                  k.lot != kids[0].lot):
                raise err("children differ in level or lot")
            if parent is not None and k is parent:
                raise err("cannot be packed into itself")
            if k.parent:
                raise err(f"{k.code} is already packed in {k.parent}")
            why = self.not_movable(k, site)
            if why:
                raise err(f"{k.code} {why}")
            if k.dispensed:
                raise err(f"{k.code} is an opened pack")
            if parent is not None and k.level >= parent.level:
                raise err(f"{k.code} is not of a lower level than the container")
            if parent is not None:
                a = parent
                while a is not None:
                    if a is k:
                        raise err("packing would make a cycle")
                    a = self.units[a.parent] if a.parent else None
        if top >= 4:
            raise err("pallets (level 4) are the outermost level")
        if parent is not None:
            why = self.not_movable(parent, site)
            if why:
                raise err(f"container {why}")
            if parent.status != "active":
                raise err("container is not active")
        e = self.event("pack", site=site, container=cs.key, count=len(kids))
        if parent is None:
            parent = Unit(cs.key, cs.family, top + 1, lot, site, e["seq"])
            self.units[cs.key] = parent
        else:
            parent.steps.append((e["seq"], None))
        for k in kids:
            k.parent = parent.code
            parent.children.append(k.code)
            k.last_seq = e["seq"]
            self.step(k, e, via_kids=True)
        return dict(event=e["seq"], codes=len(kids))

    def cmd_unpack(self, args, as_records=False):
        """P "UNPACK": take the named codes (default all) out of a
        container held at the site; they are where it was."""
        codes, o = self.options(args, 1, ("SITE", "TIME"))
        if not codes:
            raise err("give the container's code")
        site = self.acting("UNPACK", o.get("SITE"))
        p = self.load_units(codes[:1])[0]
        why = self.not_movable(p, site)
        if why:
            raise err(f"container {why}")
        if len(codes) > 1:
            kids = self.load_units(codes[1:])
            for k in kids:
                if k.parent != p.code:
                    raise err(f"{k.code} is not packed in {p.code}")
        else:
            kids = [self.units[c] for c in p.children]
            if not kids:
                raise err(f"{p.code} holds nothing")
        _, holder, _ = self.place(p)
        e = self.event("unpack", site=site, container=p.code, count=len(kids))
        p.steps.append((e["seq"], None))
        for k in kids:
            self.unlink(k)
            k.holder = holder
            if k.status not in ("dispensed", "destroyed"):
                k.status = "active"
            k.last_seq = e["seq"]
            k.steps.append((e["seq"], None))
        return dict(event=e["seq"], codes=len(kids))

    def cmd_ship(self, args, as_records=False, kind="ship"):
        """P "SHIP"/"RETURN": codes held by FROM, not packed in something
        else, are in transit to TO until received; what is packed inside
        moves with them.  A RETURN of a recalled lot's units counts as
        returned for the recall (P "IMPACT", recall progress)."""
        codes, o = self.options(args, 1, ("FROM", "TO", "REF", "TIME", "TEMP"))
        if not codes:
            raise err("no codes given")
        if "REF" in o and not 1 <= len(o["REF"]) <= 200:
            raise err("REF must be 1 to 200 bytes")
        frm = self.acting(kind.upper(), o.get("FROM"), "FROM")
        # A SHIP may name no destination: received anywhere, never diverted.
        to = self.site_arg(o.get("TO"), "TO") if "TO" in o or kind == "return" else None
        if frm == to:
            raise err("FROM and TO are the same site")
        reading = reading_of(o["TEMP"]) if "TEMP" in o else None
        us = self.load_units(codes)
        for u in us:
            if u.parent:
                raise err(f"{u.code} is packed in {u.parent}")
            why = self.not_movable(u, frm)
            if why:
                raise err(f"{u.code} {why}")
        e = self.event(kind, **{"from": frm, "to": to}, ref=o.get("REF"), temp=reading)
        warnings = []
        for u in us:
            u.status, u.holder, u.dest = "in_transit", frm, to
            u.returning = kind == "return"
            u.last_seq = e["seq"]
            self.step(u, e, via_kids=True)
            if kind == "return":
                for key, n in self.lot_units(u).items():
                    lot = self.lots[key]
                    if lot.recall_level:
                        lot.returned[frm] = lot.returned.get(frm, 0) + n
            else:
                self.warn(self.lot_units(u).items(), frm, "shipped", warnings)
        # Counted where the shipment is going (its FROM when TO is not known).
        return self.moved(self.cold_reading(dict(event=e["seq"], codes=len(us)), e, us,
                                            to or frm), warnings)

    def cmd_return(self, args, as_records=False):
        return self.cmd_ship(args, kind="return")

    def cmd_receive(self, args, as_records=False):
        """P "RECEIVE": codes in transit are received at SITE; FROM, if
        given, must be the sender; a site other than the destination is
        recorded, flagged `diverted` and alerted."""
        codes, o = self.options(args, 1, ("SITE", "FROM", "REF", "TIME", "TEMP"))
        if not codes:
            raise err("no codes given")
        if "REF" in o and not 1 <= len(o["REF"]) <= 200:
            raise err("REF must be 1 to 200 bytes")
        site = self.acting("RECEIVE", o.get("SITE"))
        frm = self.site_arg(o["FROM"], "FROM") if "FROM" in o else None
        reading = reading_of(o["TEMP"]) if "TEMP" in o else None
        us = self.load_units(codes)
        for u in us:
            if u.parent:
                raise err(f"{u.code} is packed: receive its container")
            if u.status != "in_transit":
                raise err(f"{u.code} is not in transit")
            if frm and u.holder != frm:
                raise err(f"{u.code} was shipped by {u.holder}")
        senders = {u.holder for u in us}
        diverted = sum(u.dest is not None and u.dest != site for u in us)
        e = self.event("receive", site=site, sender=senders.pop() if len(senders) == 1
                       else None, ref=o.get("REF"), diverted=diverted > 0, temp=reading)
        warnings = []
        for u in us:
            if u.dest is not None and u.dest != site:
                self.add_alert("diversion", site, u.code, unit=u)
            if not u.returning:
                self.warn(self.lot_units(u).items(), site, "received", warnings)
            self.edge(u, site, u.holder, u.returning)
            u.status, u.holder, u.dest, u.returning = "active", site, None, False
            u.last_seq = e["seq"]
            self.step(u, e, via_kids=True)
        return self.moved(self.cold_reading(dict(event=e["seq"], codes=len(us),
                                                 diverted=diverted), e, us, site), warnings)

    def cold_reading(self, reply, e, us, site):
        """P "SHIP" (TEMP): a reading outside a unit's product's storage
        range marks it (each unit shipped, its containers' contents
        included, by its own product) with a break counted at `site`; a
        unit keeps its first open break; each code named that holds a
        newly broken unit raises an alert.  The reply's cold_chain_breaks:
        the units newly marked."""
        r = e["temp"]
        if r is None:
            return reply
        broken = 0
        for u in us:
            here = 0
            for x in [u] + self.descendants(u):
                if x.lot is None or (x.cold and not x.cold["released"]):
                    continue
                p = self.products[x.lot[0]]
                lo, hi = p.get("lo"), p.get("hi")
                if (lo is not None and r[0] < lo) or (hi is not None and r[1] > hi):
                    x.cold = dict(event=e["seq"], site=site, reading=r, lo=lo, hi=hi,
                                  released=False, reason=None)
                    here += 1
            if here:
                self.add_alert("cold_chain_break", site, u.code, unit=u)
            broken += here
        reply["cold_chain_breaks"] = broken
        return reply

    def codes_ref(self, args, names):
        """The codes and options of a custody command with a REF: at least
        one code, REF 1 to 200 bytes."""
        codes, o = self.options(args, 1, names)
        if not codes:
            raise err("no codes given")
        if "REF" in o and not 1 <= len(o["REF"]) <= 200:
            raise err("REF must be 1 to 200 bytes")
        return codes, o

    def cmd_destroy(self, args, as_records=False):
        """P "DESTROY": codes held by the site are destroyed with what is
        packed inside; a destroyed code leaves its container."""
        codes, o = self.codes_ref(args, ("SITE", "REF", "TIME"))
        site = self.acting("DESTROY", o.get("SITE"))
        us = self.load_units(codes)
        for u in us:
            why = self.not_movable(u, site)
            if why:
                raise err(f"{u.code} {why}")
        e = self.event("destroy", site=site, ref=o.get("REF"))
        for u in us:
            self.unlink(u)
            u.status, u.holder, u.dest = "destroyed", site, None
            u.last_seq = e["seq"]
            self.step(u, e, via_kids=True)
        return dict(event=e["seq"], codes=len(us))

    def unusable(self, u):
        """Why u's stock must not be used (recalled, withdrawn, expired), or
        None."""
        lot = self.lots.get(u.lot) if u.lot else None
        if lot is None:
            return None
        if lot.recall_level:
            return "its lot is recalled"
        if self.products[lot.product]["withdrawn"]:
            return "its product is withdrawn"
        if self.today() > lot.expiry:
            return "it is expired"
        return None

    def ending(self, codes, site):
        """The units of codes, each a sales unit `site` holds that may leave
        its stock for good: not a container, not a split pack sold from
        (DECOMMISSION, TRANSFORM)."""
        us = self.load_units(codes)
        for u in us:
            if u.level > 1:
                raise err(f"{u.code} is a container")
            why = self.not_movable(u, site)
            if why:
                raise err(f"{u.code} {why}")
            if u.dispensed > 0:
                raise err(f"{u.code} is a split pack already sold from")
        return us

    def cmd_decommission(self, args, as_records=False):
        """P "DECOMMISSION": sales units held by the site leave the chain
        in an end state (a packed one leaves its container); not a
        container, nor a split pack sold from; a recalled, withdrawn or
        expired pack may be a sample or stolen, not exported or checked
        out.  Site kinds by state (P "Site kinds")."""
        codes, o = self.codes_ref(args, ("SITE", "STATE", "REF", "TIME"))
        if "STATE" not in o:
            raise err("STATE is required")
        state = o["STATE"]
        kinds = f"DECOMMISSION {state}"
        site = self.acting(kinds if kinds in SITE_KINDS else "DECOMMISSION", o.get("SITE"))
        if state not in END_STATES:
            raise err(f"STATE '{state}' is not an end state")
        us = self.ending(codes, site)
        for u in us:
            bad = self.unusable(u) if state in ("exported", "checked_out") else None
            if bad:
                raise err(f"{u.code}: {bad}, so it may not be {state}")
        e = self.event("decommission", site=site, ref=o.get("REF"), state=state)
        for u in us:
            self.unlink(u)
            u.status, u.holder, u.dest = state, site, None
            u.last_seq = e["seq"]
            u.steps.append((e["seq"], None))
        return dict(event=e["seq"], codes=len(us))

    def cmd_reactivate(self, args, as_records=False):
        """P "REACTIVATE": decommissioned codes return to stock, by the
        site that decommissioned them, within the undo window, unless
        recalled, withdrawn or expired since (EU Art. 13)."""
        codes, o = self.codes_ref(args, ("SITE", "REF", "TIME"))
        site = self.acting("REACTIVATE", o.get("SITE"))
        us = self.load_units(codes)
        for u in us:
            if u.status not in END_STATES:
                raise err(f"{u.code} is not decommissioned")
            if u.holder != site:
                raise err(f"{u.code}: only {u.holder} may reactivate it")
            ended = max(seq for seq, _ in u.steps
                        if self.events[seq]["event"] == "decommission")
            if self.minute - self.events[ended]["minute"] >= UNDO_WINDOW_MIN:
                raise err(f"{u.code}: past the undo window")
            bad = self.unusable(u)
            if bad:
                raise err(f"{u.code}: {bad}, so it cannot return to stock")
        e = self.event("reactivate", site=site, ref=o.get("REF"), state=us[0].status)
        for u in us:
            u.status, u.holder, u.dest = "active", site, None
            u.last_seq = e["seq"]
            u.steps.append((e["seq"], None))
        return dict(event=e["seq"], codes=len(us))

    def cmd_transform(self, args, as_records=False):
        """P "TRANSFORM": INPUTS codes OUTPUTS codes SITE s LOT l EXPIRY d:
        the inputs, sales units held at s (not a container, not a split
        pack sold from, not recalled, withdrawn or expired), end
        transformed; the outputs are commissioned at s as COMMISSION would
        (a `commission` event, then the `transform` one); every input lot
        but the output lot becomes a source of the output lot."""
        if len(args) < 11:
            raise err("wrong number of arguments")
        if args[1].upper() != "INPUTS":
            raise err("INPUTS must come first")
        names = ("SITE", "LOT", "EXPIRY", "PRODUCT", "REF", "TIME")
        words, o = self.options(args, 2, names)
        split = [i for i, w in enumerate(words) if w.upper() == "OUTPUTS"]
        if len(split) != 1:
            raise err("OUTPUTS is required after the INPUTS codes, once")
        inputs, outputs = words[:split[0]], words[split[0] + 1:]
        if not inputs or not outputs:
            raise err("INPUTS and OUTPUTS need at least one code each")
        for k in ("LOT", "EXPIRY"):
            if k not in o:
                raise err(f"{k} is required")
        try:
            datetime.date.fromisoformat(o["EXPIRY"])
        except ValueError:
            raise err("EXPIRY is not a date")
        if not 1 <= len(o["LOT"]) <= 20:
            raise err("LOT must be 1 to 20 characters")
        if "REF" in o and not 1 <= len(o["REF"]) <= 200:
            raise err("REF must be 1 to 200 bytes")
        site = self.acting("TRANSFORM", o.get("SITE"))
        us = self.ending(inputs, site)
        for u in us:
            bad = self.unusable(u)
            if bad:
                raise err(f"{u.code}: {bad}, so it may not be repackaged")
        made = self.cmd_commission(
            ["COMMISSION"] + outputs + ["SITE", site, "LOT", o["LOT"], "EXPIRY", o["EXPIRY"]] +
            (["PRODUCT", o["PRODUCT"]] if "PRODUCT" in o else []), acting="TRANSFORM")
        outs = [self.units[parse_code(t, self.today()).key] for t in outputs]
        order = {c: i for i, c in enumerate(self.units)}
        e = self.event("transform", site=site, ref=o.get("REF"),
                       inputs=sorted((u.code for u in us), key=order.get),
                       outputs=[u.code for u in outs])
        for u in us:
            self.unlink(u)
            u.status, u.holder, u.dest = "transformed", site, None
            u.last_seq = e["seq"]
            u.steps.append((e["seq"], None))
        out_lot = self.lots[outs[0].lot]
        for u in us:
            if u.lot and u.lot != outs[0].lot and u.lot not in out_lot.sources:
                out_lot.sources.append(u.lot)
        for u in outs:      # the event is indexed under them; their record
            u.steps.append((e["seq"], None))    # keeps the commissioning
        reply = dict(event=e["seq"], codes=len(us), outputs=len(outs), level=made["level"])
        return self.moved(reply, made.get("warnings"))

    def cmd_verify(self, args):
        codes, o = self.options(args, 1, ("SITE",))
        site = self.site_arg(o["SITE"]) if "SITE" in o else None
        j = self.judge(codes[0], site)
        return self.verdict_reply(j, first_sale="duplicate" in j["reasons"])

    def cmd_dispense(self, args, as_records=False):
        """P "DISPENSE": the verdict, decided and recorded at once.  GREEN
        or AMBER sells (`dispensed` += QTY; the unit leaves its container
        and belongs to the site); RED sells nothing, a duplicate or unknown
        code stores an alert.  A middle pack, case or pallet is
        `not_a_sales_unit`; a split pack sells up to its units per pack
        (P "DISPENSE"), and an opened pack sold at another site than the
        one that opened it is a duplicate.
        Retries (P; I items 2-4): (site, TX, code) answers the sale it
        made again and changes nothing; a TX whose answer sold nothing, or
        whose sale was undone, is judged again as a new scan, and an alert
        it raised is not raised again for that TX.  QTY beyond what the
        pack still holds is refused as an error, with no alert (I item 3)."""
        codes, o = self.options(args, 1, ("SITE", "TX", "QTY", "TIME"))
        site = self.acting("DISPENSE", o.get("SITE"))
        qty = int(o.get("QTY", "1"))
        if not 1 <= qty <= 1000000:
            raise err("QTY is 1 to 1000000")
        tx = o.get("TX")
        if tx is not None and not 1 <= len(tx) <= 64:
            raise err("TX must be 1 to 64 bytes")
        j = self.judge(codes[0], site)
        sc, u, r = j["scan"], j["unit"], j["reasons"]
        key = (site, tx, sc.key) if tx is not None and sc is not None else None
        prev = self.sales.get(key) if key else None
        if prev and prev["seq"] and not prev["undone"]:
            return self.verdict_reply(j, reasons=prev["reasons"], verdict=prev["verdict"])
        if prev and prev["seq"]:
            prev = None                 # undone: raised nothing to keep
        upp = self.products[j["lot"].product]["upp"] if j["lot"] else 1
        if u is not None and u.level > 1:
            r.add("not_a_sales_unit")
        if u is not None and u.dispensed > 0 and self.place(u)[1] != site and \
                "duplicate" not in r:
            r.discard("not_received_here")
            r.add("duplicate")
        cat = self.category(j)
        if u is not None and cat in SPECIAL_CATEGORIES and upp > 1 and qty < upp and \
                "duplicate" not in r:
            raise err(f"QTY {qty}: {cat} ({ZH[cat]}) packs are sold whole, {upp} units")
        if u is not None and "duplicate" not in r and u.dispensed + qty > upp:
            raise err(f"QTY {qty} is more than the {upp - u.dispensed} that remain")
        verdict = self.verdict(r, cat)
        if as_records and verdict == "red":
            # PROTOCOL.md, EVENTS: the record fails, and a failed record
            # changes nothing (no alert, no answer kept for its TX).
            raise err("DISPENSE answered red: not sold")
        alerted = prev["reasons"] if prev else set()
        fs = self.first_sale(u) if u is not None and "duplicate" in r else None
        if verdict == "red" and "duplicate" in r:
            if "duplicate" not in alerted:
                self.add_alert("duplicate", site, sc.key, unit=u, tx=tx, first_sale=fs)
        elif "unknown" in r:
            if "unknown" not in alerted:
                self.add_alert("unknown", site, sc.key, tx=tx)
        elif verdict == "red" and "not_received_here" in r:
            # A category's policy refused a sale away from the holder: a
            # diversion, alerted as a sale made would be.
            if "not_received_here" not in alerted:
                self.add_alert("diversion", site, sc.key, unit=u, tx=tx)
        sold = None
        if verdict != "red" and u is not None:
            _, holder, _ = self.place(u)
            e = self.event("dispense", site=site, unit=u.code, tx=tx, qty=qty,
                           parent=u.parent)
            sold = e["seq"]
            self.unlink(u)
            if "not_received_here" in r:
                self.add_alert("diversion", site, sc.key, unit=u, tx=tx)
            u.dest, u.holder = None, site
            u.dispensed += qty
            # A split pack checked out to a ward stays there until used up.
            u.status = "dispensed" if u.dispensed >= upp else \
                "checked_out" if u.status == "checked_out" else "active"
            u.last_seq = e["seq"]
            u.steps.append((e["seq"], None))
        if key:
            self.sales[key] = dict(verdict=verdict, reasons=set(r), seq=sold, qty=qty,
                                   undone=False)
        return self.verdict_reply(j, reasons=r, verdict=verdict, first_sale="duplicate" in r)

    def cmd_undo(self, args):
        """P "UNDO": reverse the sale site s made in TX t, within the undo
        window, and not once the lot is recalled, the product withdrawn,
        the unit expired, destroyed or locked.
        GREEN when undone (a retry answers GREEN again), else RED with
        `undo_window`, `not_dispensed` or the blocking reason.  Undoing
        gives back the quantity sold; a pack wholly sold is active again,
        where it was sold."""
        codes, o = self.options(args, 1, ("SITE", "TX"))
        if "SITE" not in o or "TX" not in o:
            raise err("SITE and TX are required")
        tx = o["TX"]
        if not 1 <= len(tx) <= 64:
            raise err("TX must be 1 to 64 bytes")
        site = self.acting("UNDO", o["SITE"])
        j = self.judge(codes[0], site)
        u = j["unit"]
        if u is None:
            return self.verdict_reply(j)
        s = self.sales.get((site, tx, u.code))
        if s is None or not s["seq"]:
            return self.verdict_reply(j, reasons={"not_dispensed"},
                                      first_sale=u.status == "dispensed")
        if s["undone"]:
            return self.verdict_reply(j, reasons=set())
        reasons = set()
        sale = self.events[s["seq"]]
        if self.minute - sale["minute"] >= UNDO_WINDOW_MIN:
            reasons.add("undo_window")     # the clock also ran on: past the window
        reasons |= j["reasons"] & {"recalled", "withdrawn", "expired", "destroyed", "locked"}
        if reasons:
            return self.verdict_reply(j, reasons=reasons)
        e = self.event("undo", site=site, unit=u.code, tx=tx, qty=s["qty"])
        sale["undone"] = True
        u.dispensed = max(0, u.dispensed - s["qty"])
        if u.status == "dispensed":
            u.status = "active"
        u.last_seq = e["seq"]
        u.steps.append((e["seq"], None))
        s["undone"] = True
        return self.verdict_reply(j, reasons=set())

    # -- recalls and locks (P "RECALL", "LIFT", "WITHDRAW", "LOCK") ------
    def lot_arg(self, product, name):
        if product not in self.products:
            raise err(f"unknown product '{product}'")
        if (product, name) not in self.lots:
            raise err(f"product {product} has no lot '{name}'")
        return self.lots[(product, name)]

    @staticmethod
    def reason(o, required=True):
        """REASON: 1 to 200 bytes of text (required by RECALL, LIFT, WITHDRAW)."""
        if (required or "REASON" in o) and not 1 <= len(o.get("REASON", "")) <= 200:
            raise err("REASON is required: 1 to 200 bytes")

    def cmd_recall(self, args):
        _, o = self.options(args, 3, ("LEVEL", "REASON"))
        if "LEVEL" not in o or o["LEVEL"] not in ("1", "2", "3"):
            raise err("LEVEL is required (1, 2 or 3)")
        self.reason(o)
        lot = self.lot_arg(args[1], args[2])
        level = int(o["LEVEL"])
        if lot.recall_level == level:
            raise err("already recalled at that level")
        e = self.event("recall", scope="lot", level=level, reason=o["REASON"])
        lot.recall_level, lot.recall_seq, lot.recall_minute = level, e["seq"], self.minute
        lot.returned, lot.after = {}, {}    # a new notice: its progress starts again
        lot.history.append(e["seq"])
        return dict(event=e["seq"])

    def cmd_lift(self, args):
        _, o = self.options(args, 3, ("REASON",))
        self.reason(o)
        lot = self.lot_arg(args[1], args[2])
        if not lot.recall_level:
            raise err("lot is not recalled")
        e = self.event("lift", scope="lot", reason=o["REASON"])
        lot.recall_level = lot.recall_seq = lot.recall_minute = None
        lot.returned, lot.after = {}, {}
        lot.history.append(e["seq"])
        return dict(event=e["seq"])

    def cmd_withdraw(self, args):
        _, o = self.options(args, 2, ("REASON",))
        self.reason(o)
        if args[1] not in self.products:
            raise err(f"unknown product '{args[1]}'")
        p = self.products[args[1]]
        if p["withdrawn"]:
            raise err("already withdrawn")
        e = self.event("withdraw", scope="product", reason=o["REASON"])
        p["withdrawn"], p["withdraw_seq"] = True, e["seq"]
        p["unwithdraw_seq"] = None
        return dict(event=e["seq"])

    def cmd_unwithdraw(self, args):
        """P "UNWITHDRAW": a withdrawal made in error ends; the lots answer
        as before it.  TRACE shows the UNWITHDRAW and the WITHDRAW it
        ended."""
        _, o = self.options(args, 2, ("REASON",))
        self.reason(o)
        if args[1] not in self.products:
            raise err(f"unknown product '{args[1]}'")
        p = self.products[args[1]]
        if not p["withdrawn"]:
            raise err("not withdrawn")
        e = self.event("unwithdraw", scope="product", reason=o["REASON"])
        p["withdrawn"], p["unwithdraw_seq"] = False, e["seq"]
        return dict(event=e["seq"])

    def cmd_lock(self, args, on=True):
        _, o = self.options(args, 2, ("REASON",))
        self.reason(o, required=False)
        u = self.unit_of(args[1])
        if u.locked == on:
            raise err("already locked" if on else "not locked")
        e = self.event("lock" if on else "unlock", scope="code", reason=o.get("REASON"))
        u.locked = on
        u.steps.append((e["seq"], None))
        return dict(event=e["seq"])

    def cmd_unlock(self, args):
        return self.cmd_lock(args, on=False)

    # -- EVENTS (P "EVENTS") ---------------------------------------------
    def cmd_events(self, args):
        """Records applied in order, all or nothing (or SKIPBAD: a failing
        record is skipped and changes nothing, a DISPENSE answering RED
        included); consecutive one-code COMMISSION records with the same
        options, or PACK records of one child into the same container, are
        one event, unless as one command they would be refused; a BATCH id
        seen before answers the stored result, `replayed`."""
        i, batch, skipbad = 1, None, False
        while i < len(args):
            if args[i].upper() == "BATCH" and i + 1 < len(args):
                batch, i = args[i + 1], i + 2
            elif args[i].upper() == "SKIPBAD":
                skipbad, i = True, i + 1
            else:
                break
        if batch is not None and not 1 <= len(batch) <= 64:
            raise err("BATCH id must be 1 to 64 bytes")
        if i >= len(args):
            raise err("no records given")
        if batch in self.batches:
            return dict(self.batches[batch], replayed=True)
        saved = self.snapshot()
        recs = [shlex.split(r) for r in args[i:]]
        result = dict(batch=batch, records=0, applied=0, skipped=0, errors=[])
        k, alone = 0, 0
        while k < len(recs):
            end = k + 1
            while k >= alone and end < len(recs) and self.groupable(recs[k], recs[end]):
                end += 1
            if end - k > 1:
                v = self.vary(recs[k])
                words = recs[k][:v] + [r[v] for r in recs[k:end]] + recs[k][v + 1:]
                if not isinstance(self.run_record(words, True), Err):
                    result["records"] += end - k
                    result["applied"] += end - k
                    k = end
                    continue
                alone = end
            result["records"] += 1
            rep = self.run_record(recs[k], False)
            k += 1
            if not isinstance(rep, Err):
                result["applied"] += 1
            elif skipbad:
                result["skipped"] += 1
                result["errors"].append(dict(record=result["records"]))
            else:
                self.restore(saved)
                raise err(f"record {result['records']}: {rep.why}; nothing was applied")
        if batch is not None:
            self.batches[batch] = dict(result)
        return dict(result, replayed=False)

    @staticmethod
    def vary(words):
        """The word in which grouped records differ: a one-code COMMISSION's
        code, a one-child PACK's child (0: not groupable)."""
        name = words[0].upper() if words else ""
        if name == "COMMISSION" and len(words) >= 3 and words[2].upper() in (
                "SITE", "PRODUCT", "LOT", "EXPIRY", "LEVEL", "QTY", "TIME"):
            return 1
        if name == "PACK" and len(words) >= 4 and words[3].upper() in ("SITE", "TIME"):
            return 2
        return 0

    def groupable(self, a, b):
        v = self.vary(a)
        return v and a[0] == b[0] and len(a) == len(b) and \
            all(x == y for n, (x, y) in enumerate(zip(a, b)) if n != v)

    def run_record(self, words, as_records):
        if not words or words[0].upper() not in DISTRIBUTION:
            return err("not a distribution record")
        fn = getattr(self, "cmd_" + words[0].lower())
        try:    # a DISPENSE record that answers RED fails (P "EVENTS")
            return fn(words, as_records=as_records or words[0].upper() == "DISPENSE")
        except Err as e:
            return e

    # -- reads: TRACE, ALERTS, IMPACT ------------------------------------
    def cmd_trace(self, args):
        """P "TRACE": the record and the chain of custody in event order:
        the code's own events, its containers' movements while it was
        inside them (`via`), its lot's recalls and lifts and its product's
        withdrawal; its alerts, newest first."""
        s = parse_code(args[1], self.today())
        if s is None:
            raise err("not a code")
        u = self.units.get(s.key)
        if u is None:
            raise Err("NOTFOUND", f"no record of {s.key}")
        steps = dict(reversed(u.steps))
        if u.lot:
            lot = self.lots[u.lot]
            for seq in lot.history:
                steps.setdefault(seq, None)
            p = self.products[lot.product]
            if p["withdrawn"]:
                steps.setdefault(p["withdraw_seq"], None)
            elif p.get("unwithdraw_seq"):
                steps.setdefault(p["unwithdraw_seq"], None)
                steps.setdefault(p["withdraw_seq"], None)
        j = self.judge(args[1], None)
        rec = self.verdict_reply(j)
        out = {k: rec[k] for k in ("code", "type", "product", "product_name", "lot",
                                   "expiry", "level", "status", "holder") if k in rec}
        lot = self.lots[u.lot] if u.lot else None
        src = lot and not lot.recall_level and self.recalled_source(lot)
        out["recalled"] = bool(lot and lot.recall_level) or bool(src)
        if src:
            out["recalled_source"] = dict(product=src.product, lot=src.name,
                                          level=src.recall_level)
        if u.cold:
            c = u.cold
            out["cold_chain"] = dict(status="released" if c["released"] else "break",
                                     reading=fmt_reading(c["reading"]), site=c["site"],
                                     storage=fmt_range(c["lo"], c["hi"]), event=c["event"])
            if c["released"]:
                out["cold_chain"]["release_reason"] = c["reason"]
        out["events"] = [self.trace_event(self.events[seq], u, steps[seq])
                         for seq in sorted(steps)]
        by_id = {a["id"]: a for a in self.alerts}
        out["alerts"] = [self.alert_reply(by_id[i]) for i in reversed(u.alerts)][:32]
        return out

    def trace_event(self, e, u, via):
        """P "TRACE": each event with who made it, `principal` and `role`
        (the difference test sends everything as the local principal)."""
        kind = e["event"]
        out = dict(seq=e["seq"], event=kind, principal="local", role="local")
        if kind in ("recall", "lift", "withdraw", "unwithdraw", "lock", "unlock"):
            out["scope"] = e["scope"]
            if kind == "recall":
                out["level"] = e["level"]
            if e.get("reason"):
                out["reason"] = e["reason"]
            return out
        if kind in ("ship", "return"):
            out["from"] = e["from"]
            if e["to"] is not None:
                out["to"] = e["to"]
        else:
            out["site"] = e["site"]
        if kind == "receive":
            if e["sender"]:
                out["from"] = e["sender"]
            out["diverted"] = e["diverted"]
        if kind == "commission":
            out["codes"] = e["codes"]
        if kind in ("decommission", "reactivate"):
            out["state"] = e["state"]
        if kind == "transform":     # both sides, the first 32 of each
            out["side"] = "output" if u.code in e["outputs"] else "input"
            for side in ("inputs", "outputs"):
                out[side] = [self.xcode(c) for c in e[side][:32]]
                out[side[:-1] + "_count"] = len(e[side])
        if kind in ("dispense", "undo"):
            if e.get("tx"):
                out["tx"] = e["tx"]
            out["qty"] = e["qty"]
        elif e.get("ref"):
            out["ref"] = e["ref"]
        if kind in ("pack", "unpack") and e["container"] != u.code:
            out["container"] = e["container"]
        if via:
            out["via"] = via
        if e.get("temp"):
            out["temp"] = fmt_reading(e["temp"])
        return out

    def xcode(self, code):
        """A code of a repackaging's side, with its lot (P "TRACE")."""
        lot = self.units[code].lot
        return dict(code=code, product=lot[0] if lot else "", lot=lot[1] if lot else "")

    @staticmethod
    def alert_reply(a):
        out = dict(kind=a["kind"], site=a["site"], code=a["code"])
        if a["tx"]:
            out["tx"] = a["tx"]
        if a["first_sale_site"]:
            out["first_sale_site"] = a["first_sale_site"]
        out["status"] = a["status"]
        if a["klass"]:
            out["class"] = a["klass"]
        if a["note"]:
            out["note"] = a["note"]
        return out

    ALERT_KINDS = ("duplicate", "unknown", "diversion", "cold_chain_break")
    ALERT_STATES = ("open", "investigating", "closed")
    ALERT_CLASSES = ("confirmed_counterfeit", "resale", "user_error", "system_error", "other")

    def cmd_alerts(self, args):
        """P "ALERTS": stored alerts, newest first; KIND and STATUS keep
        those of that kind and status."""
        _, o = self.options(args, 1, ("SINCE", "SITE", "KIND", "STATUS", "LIMIT"))
        if "KIND" in o and o["KIND"] not in self.ALERT_KINDS:
            raise err(f"KIND must be an alert kind, not {o['KIND']!r}")
        if "STATUS" in o and o["STATUS"] not in self.ALERT_STATES:
            raise err(f"STATUS must be open, investigating or closed, not {o['STATUS']!r}")
        return [self.alert_reply(a) for a in reversed(self.alerts)
                if o.get("KIND", a["kind"]) == a["kind"] and
                o.get("STATUS", a["status"]) == a["status"]]

    def cmd_alert(self, args):
        """P "ALERT SET": a regulator's handling of an alert.  Refused:
        an id that is no alert, none of STATUS, CLASS, NOTE, an unknown
        status or class, a closed alert without a class."""
        if len(args) < 3 or args[1].upper() != "SET":
            raise err("ALERT needs SET")
        _, o = self.options(args, 3, ("STATUS", "CLASS", "NOTE"))
        ident = args[2]
        if not ident.isdigit() or int(ident) == 0:
            raise err(f"alert id must be a number ALERTS shows, not {ident!r}")
        if not o:
            raise err("say what changes: STATUS, CLASS or NOTE")
        if "STATUS" in o and o["STATUS"] not in self.ALERT_STATES:
            raise err(f"STATUS must be open, investigating or closed, not {o['STATUS']!r}")
        if "CLASS" in o and o["CLASS"] not in self.ALERT_CLASSES:
            raise err(f"CLASS must be one of {self.ALERT_CLASSES}, not {o['CLASS']!r}")
        if int(ident) > len(self.alerts):
            raise err(f"no alert {ident}")
        a = self.alerts[int(ident) - 1]
        status, klass = o.get("STATUS", a["status"]), o.get("CLASS", a["klass"])
        if status == "closed" and klass is None:
            raise err("a closed alert needs a CLASS")
        a.update(status=status, klass=klass, note=o.get("NOTE", a["note"]))
        return {"id": a["id"], "status": status, "class": klass, "note": a["note"]}

    def cmd_coldchain(self, args):
        """P "COLDCHAIN RELEASE": every open break among the codes and what
        is packed in them is released; refused when a code is not
        commissioned or neither it nor anything in it has an open break.
        Reply {released: units}."""
        if len(args) < 2 or args[1].upper() != "RELEASE":
            raise err("COLDCHAIN needs RELEASE")
        codes, o = self.options(args, 2, ("REASON",))
        if not codes:
            raise err("no codes given")
        if not 1 <= len(o.get("REASON", "")) <= 200:
            raise err("REASON is required, 1 to 200 bytes")
        us = self.load_units(codes)
        trees = [[u] + self.descendants(u) for u in us]
        for u, tree in zip(us, trees):
            if not any(x.cold and not x.cold["released"] for x in tree):
                raise err(f"{u.code} has no cold-chain break to release")
        released = 0
        for tree in trees:
            for x in tree:
                if x.cold and not x.cold["released"]:
                    x.cold.update(released=True, reason=o["REASON"])
                    released += 1
        return dict(released=released)

    # -- IMPACT (P "IMPACT"), computed from where every unit is ----------
    def lot_units(self, u):
        """Level-1 units per lot that move with u (u itself and what is
        packed in it, at any depth)."""
        out = {}
        for x in [u] + self.descendants(u):
            if x.level == 1 and x.lot:
                out[x.lot] = out.get(x.lot, 0) + 1
        return out

    def edge(self, u, receiver, sender, is_return):
        """A receipt adds the units it carries to the distribution tree's
        edge (sender, receiver)."""
        for key, n in self.lot_units(u).items():
            edges = self.lots[key].edges
            k = (sender, receiver, "return" if is_return else "ship")
            edges[k] = edges.get(k, 0) + n

    def bucket(self, u):
        """A unit's bucket: ("stock", site) | ("transit", sender, dest) |
        ("dispensed", site) | ("destroyed", site).  A split pack counts as
        dispensed from its first sale on (P "IMPACT")."""
        status, holder, dest = self.place(u)
        if u.level == 1 and u.dispensed > 0:
            return ("dispensed", u.holder)
        if status == "in_transit":
            return ("transit", holder, dest)
        return ({"active": "stock"}.get(status, status), holder)

    def derived_lots(self, key):
        """P "IMPACT": the lots repackaged from lot `key`, at any depth up
        to LOT_LINKS_DEPTH, nearest first (each depth in the order lots
        were made), each once, at most LOT_LINKS_MAX, each with the lot
        whose link reached it first: [(lot key, made-from key)]."""
        order = {k: i for i, k in enumerate(self.lots)}
        outputs = {}
        for k, lt in self.lots.items():
            for src in lt.sources:
                outputs.setdefault(src, []).append(k)
        found, via, level = [], {}, [key]
        for _ in range(LOT_LINKS_DEPTH):
            nxt = []
            for k in level:
                for o in sorted(outputs.get(k, []), key=order.get):
                    if o not in via and o != key and len(found) < LOT_LINKS_MAX:
                        via[o] = k
                        found.append(o)
                        nxt.append(o)
            if not nxt:
                break
            level = nxt
        return [(k, via[k]) for k in found]

    def derived_row(self, key, source):
        """A derived lot as IMPACT lists it: its status and units by
        status, counted at every site, and the lot it was made from."""
        lot = self.lots[key]
        t = self.cmd_impact(["IMPACT", lot.product, lot.name], derived=False)["totals"]
        return dict(product=lot.product, lot=lot.name, expiry=lot.expiry.isoformat(),
                    status="recalled" if lot.recall_level else "active",
                    level=lot.recall_level, units=t["units"], in_stock=t["in_stock"],
                    in_transit=t["in_transit"], dispensed=t["dispensed"],
                    destroyed=t["destroyed"], decommissioned=sum(t[k] for k in END_STATES),
                    transformed=t["transformed"], from_product=source[0], from_lot=source[1])

    def cmd_impact(self, args, derived=True):
        lot = self.lot_arg(args[1], args[2])
        key = (lot.product, lot.name)
        sites = {}

        def site(s):
            return sites.setdefault(s, dict(site=s, commissioned=0, in_stock=0, in_transit=0,
                                            incoming=0, dispensed=0, destroyed=0, received=0,
                                            sample=0, exported=0, stolen=0, checked_out=0,
                                            transformed=0, middle_packs=0, cases=0, pallets=0, returned=0,
                                            after_recall=dict(commissioned=0, shipped=0,
                                                              received=0),
                                            past_deadline=False, cold_chain_breaks=0))
        transit, levels = {}, {2: "middle_packs", 3: "cases", 4: "pallets"}
        for u in self.units.values():
            if u.level == 1 and u.lot == key:
                b = self.bucket(u)
                s = site(b[1])
                if b[0] == "transit":
                    s["in_transit"] += 1
                    if b[2] is not None:  # a destination not known has no row
                        site(b[2])["incoming"] += 1
                    f = transit.setdefault((b[1], b[2]), dict(units=0, middle_packs=0, cases=0,
                                                              pallets=0))
                    f["units"] += 1
                else:
                    s[{"stock": "in_stock"}.get(b[0], b[0])] += 1
            elif u.level > 1 and key in self.lot_units(u):
                b = self.bucket(u)
                if b[0] == "stock":
                    site(b[1])[levels[u.level]] += 1
                elif b[0] == "transit":
                    site(b[1])
                    if b[2] is not None:
                        site(b[2])
                    f = transit.setdefault((b[1], b[2]), dict(units=0, middle_packs=0, cases=0,
                                                              pallets=0))
                    f[levels[u.level]] += 1
                else:
                    site(b[1])
        for u in self.units.values():
            if u.level == 1 and u.lot == key:
                site(self.events[u.commission_seq]["site"])["commissioned"] += 1
        edges = lot.edges
        for (frm, to, kind), n in edges.items():
            s = site(to)
            if kind == "ship":
                s["received"] += n
        for s, n in lot.returned.items():
            site(s)["returned"] = n
        for s, a in lot.after.items():
            site(s)["after_recall"] = dict(a)
        for u in self.units.values():     # open breaks, at the site each is counted at
            if u.lot == key and u.cold and not u.cold["released"]:
                site(u.cold["site"])["cold_chain_breaks"] += 1
        if lot.recall_level:
            late = self.minute - lot.recall_minute >= RECALL_DEADLINE_DAYS[
                lot.recall_level] * DAY_MIN
            for s in sites.values():
                s["past_deadline"] = late
        order = {s: i for i, s in enumerate(self.sites)}
        out_sites = sorted(sites.values(), key=lambda s: order[s["site"]])
        totals = dict(units=0, in_stock=0, in_transit=0, dispensed=0, destroyed=0,
                      middle_packs=0, cases=0, pallets=0, sites=len(out_sites), transformed=0,
                      **{k: 0 for k in END_STATES})
        for s in out_sites:
            for k in ("in_stock", "in_transit", "dispensed", "destroyed", "middle_packs",
                      "cases", "pallets", "transformed") + END_STATES:
                totals[k] += s[k]
        for f in transit.values():
            for k in ("middle_packs", "cases", "pallets"):
                totals[k] += f[k]
        totals["units"] = sum(totals[k] for k in ("in_stock", "in_transit", "dispensed",
                                                  "destroyed", "transformed") + END_STATES)
        totals["past_deadline"] = sum(s["past_deadline"] for s in out_sites)
        totals["cold_chain_breaks"] = sum(s["cold_chain_breaks"] for s in out_sites)
        totals["after_recall"] = {k: sum(s["after_recall"][k] for s in out_sites)
                                  for k in ("commissioned", "shipped", "received")}
        more = {}
        if derived:     # P "IMPACT": the rest of a recall's reach
            rows = [self.derived_row(k, via) for k, via in self.derived_lots(key)]
            totals["derived_units"] = sum(r["units"] for r in rows)
            more = dict(derived=rows)
        return dict(**more, product=lot.product, lot=lot.name, expiry=lot.expiry.isoformat(),
                    status="recalled" if lot.recall_level else "active",
                    level=lot.recall_level, totals=totals, sites=out_sites,
                    transit=[dict({"from": a, "to": b}, **f) for (a, b), f in
                             sorted(transit.items(), key=lambda x: (order[x[0][0]],
                                                                    order.get(x[0][1], -1)))],
                    edges=[{"from": a, "to": b, "units": n, "kind": k} for (a, b, k), n in
                           sorted(edges.items(), key=lambda x: (order[x[0][0]],
                                                                order[x[0][1]],
                                                                x[0][2] == "return"))])
