"""Random command sequences for the difference test, guided by the model.

A sequence is a list of Steps: (connection 0 or 1, burst number, words).
Consecutive steps of one burst are sent pipelined on their connection; a
new burst waits for every reply of the one before, so the order of
everything is defined (PROTOCOL.md: one connection's writes apply in the
order sent; across connections, the replies were produced in order).

The generator keeps its own Model and picks mostly plausible arguments
from its state (codes held where they are shipped from, codes in transit
where they are received, sales to undo...), and sometimes implausible ones,
so that refusals are tested too.  Every choice comes from one
random.Random, so a seed gives the same sequence.
"""
import copy
import datetime
from collections import namedtuple

from model import Model, gs1_check

Step = namedtuple("Step", "conn burst words")

SITES = [("MFR", "manufacturer"), ("DIST", "distributor"), ("PH1", "pharmacy"),
         ("PH2", "pharmacy"), ("HOSP", "hospital")]
COUNTERS = ("PH1", "PH2", "HOSP")
# Where goods go next: the supply direction (and sometimes straight through).
DOWNSTREAM = {"MFR": ["DIST", "DIST", "DIST", "PH1", "HOSP"], "DIST": ["PH1", "PH2", "HOSP"],
              "PH1": ["PH2"], "PH2": ["PH1"], "HOSP": ["PH1"]}
UPSTREAM = {"DIST": "MFR", "PH1": "DIST", "PH2": "DIST", "HOSP": "DIST", "MFR": "DIST"}

GTIN = "06901234567892"
# product id -> (name, units per pack, code pool)
PRODUCTS = {"8301234": ("Amoxicillin 250mg", 1, "cn"),
            "8305678": ("Ibuprofen 200mg x10, split", 10, "cn"),
            GTIN: ("Insulin pen", 1, "gs1"),
            "8309999": ("Amoxicillin case code", 1, "cn")}
UNIT_PRODUCTS = ("8301234", "8305678", GTIN)
# Storage ranges (P "SHIP", TEMP): the insulin pens at 2-8 °C, the split
# ibuprofen at most 25 °C; the others have none (never broken).
STORAGE = {GTIN: ["storage_min_c", "2", "storage_max_c", "8"],
           "8305678": ["storage_max_c", "25"]}
# Readings a shipment's logger may give: in range, out of it, and not readings.
TEMPS = ["5", "4.5", "2:8", "3.5:7.5", "14.5", "1.5:14.5", "-3", "30", "0:26", "-0.5",
         "warm", "9:3", "8.25", "101", "5:"]
CASE_PRODUCT = "8309999"


def lots(today):
    """Lots by product, with expiries relative to the daemon's first day:
    far, near (within 30 days), expired, one that becomes near when the
    clock moves on, and the edges: 30 and 31 days on, and today."""
    d = lambda n: (today + datetime.timedelta(days=n)).isoformat()  # noqa: E731
    return {"8301234": {"L1": d(400), "LN": d(20), "LX": d(-5), "LS": d(45), "LB": d(30),
                        "LC": d(31)},
            "8305678": {"S1": d(300), "SN": d(10), "ST": d(0)},
            GTIN: {"G1": d(500), "G2": d(35), "GX": d(-40)},
            CASE_PRODUCT: {"K1": d(600)}}


def setup_commands(today):
    cmds = [["SITE", "SET", s, "name", f"Site {s}", "kind", k] for s, k in SITES]
    for p, (name, upp, _) in PRODUCTS.items():
        cmds.append(["PRODUCT", "SET", p, "name", name, "units_per_pack", str(upp),
                     "kind", "drug"] + STORAGE.get(p, []))
    return cmds


def sscc(i):
    body = f"06901234{i:09d}"
    return f"(00){body}{gs1_check(body)}"


class Generator:
    def __init__(self, rng, today):
        self.rng, self.today = rng, today
        self.lots = lots(today)
        self.model = Model(today)
        for c in setup_commands(today):
            self.model.apply(c)
        self.serial = 0
        self.txs = []           # (site, tx, code) of earlier DISPENSEs
        self.batches = []
        self.advanced_days = 0

    # -- codes -----------------------------------------------------------
    def fresh(self, product):
        self.serial += 1
        if product == GTIN:
            return f"(01){GTIN}(21)S{self.serial}"
        return f"{product}{self.serial:013d}"

    def scan_form(self, code):
        """The code as a scanner might send it: a GS1 code sometimes with
        its lot and expiry, right or wrong."""
        u = self.model.units.get(code)
        r = self.rng.random()
        if not code.startswith("(01)") or u is None or not u.lot or r < 0.6:
            return code
        lot = self.model.lots[u.lot]
        name, exp = lot.name, lot.expiry
        if r < 0.75:
            name = "ZZ9"
        elif r < 0.85:
            exp = exp + datetime.timedelta(days=31)
        gtin, serial = code[4:18], code.split("(21)")[1]
        return f"(01){gtin}(17){exp.strftime('%y%m%d')}(10){name}(21){serial}"

    def units(self, pred=lambda u: True):
        return [u for u in self.model.units.values() if pred(u)]

    def pick(self, seq, default=None):
        seq = list(seq)
        return self.rng.choice(seq) if seq else default

    def any_code(self):
        r = self.rng.random()
        if r < 0.06 or not self.model.units:
            return self.fresh(self.pick(UNIT_PRODUCTS))         # unknown
        if r < 0.09:
            return self.pick(["6901234567892", f"(01){GTIN}", "12345", f"(01){GTIN}(10)G1"])
        return self.pick(self.model.units)

    # -- commands --------------------------------------------------------
    def commission(self):
        rng = self.rng
        r = rng.random()
        if r < 0.1:
            return ["COMMISSION", sscc(self.next_serial()), "SITE", "MFR"]
        product = CASE_PRODUCT if r < 0.22 else self.pick(UNIT_PRODUCTS)
        n = rng.choice([1, 1, 2, 3])
        codes = [self.fresh(product) for _ in range(n)]
        if rng.random() < 0.04 and self.model.units:
            codes[-1] = self.pick(self.model.units)             # commissioned before
        words = ["COMMISSION"] + codes + ["SITE", "MFR" if rng.random() < 0.95 else "DIST"]
        if product == CASE_PRODUCT:
            words += ["LEVEL", rng.choice(["2", "3"])]
            if rng.random() < 0.3:
                words += ["LOT", "K1", "EXPIRY", self.lots[product]["K1"]]
            return words
        lot = self.lot_of(product)
        words += ["LOT", lot]
        r = rng.random()
        if r < 0.9:
            words += ["EXPIRY", self.lots[product][lot]]
        elif r < 0.95:
            words += ["EXPIRY", (self.today + datetime.timedelta(days=77)).isoformat()]
        if product == GTIN and rng.random() < 0.2 and words[1].startswith(f"(01){GTIN}(21)"):
            exp = datetime.date.fromisoformat(self.lots[product][lot])
            words[1] = f"(01){GTIN}(17){exp.strftime('%y%m%d')}(10){lot}" \
                       f"(21){words[1].split('(21)')[1]}"
        return words

    def lot_of(self, product):
        """Mostly the far lot (the first), so that most sales can be GREEN."""
        names = list(self.lots[product])
        return names[0] if self.rng.random() < 0.5 else self.pick(names)

    def next_serial(self):
        self.serial += 1
        return self.serial

    def active_at(self, site=None, loose=True):
        def ok(u):
            st, holder, _ = self.model.place(u)
            return st == "active" and (site is None or holder == site) and \
                (not loose or u.parent is None)
        return self.units(ok)

    def pack(self):
        rng = self.rng
        site = self.pick(["MFR", "MFR", "DIST", "DIST", "PH1", "HOSP"])
        here = [u for u in self.active_at(site) if not u.dispensed]
        if not here:
            return None
        conts = [u for u in self.active_at(site, loose=False) if 2 <= u.level <= 3
                 and u.status == "active"]
        if conts and rng.random() < 0.5:
            c = self.pick(conts)
            kids = [u for u in here if u.level < c.level and u is not c]
            cont = c.code
        else:
            cont = sscc(self.next_serial())
            kids = here
        if not kids:
            return None
        rng.shuffle(kids)
        kids = kids[:rng.choice([1, 1, 2, 3])]
        if rng.random() < 0.05:
            kids.append(self.pick(self.model.units.values()))
        return ["PACK", cont] + [k.code for k in kids] + ["SITE", site]

    def unpack(self):
        conts = self.units(lambda u: u.children)
        if not conts:
            return None
        c = self.pick(conts)
        _, holder, _ = self.model.place(c)
        site = holder if self.rng.random() < 0.9 else self.pick(s for s, _ in SITES)
        words = ["UNPACK", c.code]
        if self.rng.random() < 0.5:
            words += self.rng.sample(c.children, self.rng.randint(1, len(c.children)))
        return words + ["SITE", site]

    def ship(self, kind="SHIP"):
        rng = self.rng
        loose = self.active_at()
        if not loose:
            return None
        u = self.pick(loose)
        frm = self.model.place(u)[1]
        codes = [u] + [x for x in self.active_at(frm) if x is not u][:rng.choice([0, 0, 1, 2])]
        if rng.random() < 0.08:
            frm = self.pick(s for s, _ in SITES)
        to = UPSTREAM[frm] if kind == "RETURN" else self.pick(DOWNSTREAM[frm])
        words = [kind] + [x.code for x in codes] + ["FROM", frm]
        # A shipment may name no destination (EPCIS without destinationList).
        if kind == "RETURN" or rng.random() >= 0.05:
            words += ["TO", to]
        if rng.random() < 0.3:
            words += ["REF", f"DN-{self.next_serial()}"]
        return self.temp(words)

    def temp(self, words):
        """A shipment's reading, now and then (a bad one among them)."""
        if self.rng.random() < 0.3:
            words += ["TEMP", self.pick(TEMPS)]
        return words

    def receive(self):
        moving = self.units(lambda u: u.status == "in_transit" and u.parent is None)
        if not moving:
            return None
        u = self.pick(moving)
        codes = [u] + [x for x in moving if x is not u and x.dest == u.dest][:1]
        site = u.dest if self.rng.random() < 0.85 and u.dest else self.pick(s for s, _ in SITES)
        words = ["RECEIVE"] + [x.code for x in codes] + ["SITE", site]
        if self.rng.random() < 0.3:
            words += ["FROM", u.holder if self.rng.random() < 0.8 else "MFR"]
        return self.temp(words)

    def destroy(self):
        u = self.pick(self.active_at(loose=False))
        if u is None:
            return None
        return ["DESTROY", u.code, "SITE", self.model.place(u)[1], "REF", "expired-stock"]

    def decommission(self):
        """DECOMMISSION of sales units mostly where they are held, in a
        state the site's kind may reach, sometimes not."""
        rng = self.rng
        held = [u for u in self.units(lambda u: u.level == 1)
                if self.model.place(u)[0] == "active"]
        ward = [u for u in held if self.model.place(u)[1] == "HOSP"]
        u = self.pick(ward) if ward and rng.random() < 0.5 else \
            self.pick(held) if held and rng.random() < 0.9 else \
            self.pick(self.model.units.values())
        if u is None:
            return None
        site = self.model.place(u)[1]
        if site is None or rng.random() < 0.08:
            site = self.pick(s for s, _ in SITES)
        kind = dict(SITES)[site]
        states = {"manufacturer": ["sample", "stolen", "exported"],
                  "distributor": ["sample", "stolen", "exported"],
                  "hospital": ["sample", "stolen", "checked_out", "checked_out"]}.get(
                      kind, ["sample", "stolen"])
        state = self.pick(states) if rng.random() < 0.92 else \
            self.pick(["exported", "checked_out", "lost"])
        codes = [u] + [x for x in held if x is not u and self.model.place(x)[1] == site][
            :rng.choice([0, 0, 1])]
        words = ["DECOMMISSION"] + [x.code for x in codes] + ["SITE", site, "STATE", state]
        if rng.random() < 0.3:
            words += ["REF", f"R-{self.next_serial()}"]
        return words

    def reactivate(self):
        ended = self.units(lambda u: u.status in ("sample", "exported", "stolen",
                                                  "checked_out"))
        u = self.pick(ended) if ended and self.rng.random() < 0.9 else \
            self.pick(self.model.units.values())
        if u is None:
            return None
        site = u.holder if u.holder and self.rng.random() < 0.9 else \
            self.pick(s for s, _ in SITES)
        return ["REACTIVATE", u.code, "SITE", site]

    def transform(self):
        """TRANSFORM: sales units held at a manufacturer or distributor
        repackaged into fresh codes of a unit product, into a new lot or
        an existing one; now and then an input held elsewhere, an output
        commissioned before, a pharmacy, a bad EXPIRY."""
        rng = self.rng
        usable = [u for u in self.units(lambda u: u.level == 1 and not u.dispensed)
                  if self.model.place(u)[0] == "active" and not self.model.unusable(u) and
                  self.model.place(u)[1] in ("MFR", "DIST")]
        site = self.model.place(self.pick(usable))[1] if usable and rng.random() < 0.85 else \
            self.pick(["MFR", "DIST", "PH1"])
        held = [u for u in usable if self.model.place(u)[1] == site]
        if not held or rng.random() < 0.05:
            held = [u for u in self.units(lambda u: u.level == 1)]
        if not held:
            return None
        rng.shuffle(held)
        inputs = [u.code for u in held[:rng.choice([1, 1, 2, 3])]]
        product = self.pick(UNIT_PRODUCTS)
        outputs = [self.fresh(product) for _ in range(rng.choice([1, 2, 3]))]
        if rng.random() < 0.04:
            outputs[-1] = self.pick(self.model.units)           # commissioned before
        r = rng.random()
        if r < 0.6:
            lot, expiry = f"R{self.next_serial()}", \
                (self.today + datetime.timedelta(days=rng.choice([200, 20, -3]))).isoformat()
        else:
            lot = self.lot_of(product)
            expiry = self.lots[product][lot]
        if rng.random() < 0.03:
            expiry = "2030-02-30"
        words = ["TRANSFORM", "INPUTS"] + inputs + ["OUTPUTS"] + outputs + \
            ["SITE", site, "LOT", lot, "EXPIRY", expiry]
        if rng.random() < 0.3:
            words += ["REF", f"RP-{self.next_serial()}"]
        return words

    def unwithdraw(self):
        out = [p for p in UNIT_PRODUCTS if self.model.products[p]["withdrawn"]]
        p = self.pick(out) if out and self.rng.random() < 0.9 else self.pick(UNIT_PRODUCTS)
        return ["UNWITHDRAW", p, "REASON", "withdrawn in error"]

    def verify(self):
        words = ["VERIFY", self.scan_form(self.any_code())]
        if self.rng.random() < 0.7:
            words += ["SITE", self.pick(s for s, _ in SITES)]
        return words

    def dispense(self):
        rng = self.rng
        if self.txs and rng.random() < 0.25:
            site, tx, code = self.pick(self.txs)        # a retry, or the TX reused
            if rng.random() < 0.3:
                code = self.any_code()
        else:
            sellable = self.units(lambda u: u.level == 1 and
                                  self.model.place(u)[1] in COUNTERS)
            ready = [u for u in sellable if self.model.place(u)[0] == "active"]
            sellable = ready if ready and rng.random() < 0.7 else sellable
            code = self.pick(sellable).code if sellable and rng.random() < 0.8 \
                else self.any_code()
            u = self.model.units.get(code)
            site = self.model.place(u)[1] if u and rng.random() < 0.75 else None
            site = site if site in COUNTERS else self.pick(COUNTERS)
            tx = f"T{self.next_serial()}" if rng.random() < 0.9 else None
        words = ["DISPENSE", self.scan_form(code), "SITE", site]
        if tx:
            words += ["TX", tx]
            self.txs.append((site, tx, code))
        u = self.model.units.get(code)
        if u and u.lot and self.model.products[u.lot[0]]["upp"] > 1 and rng.random() < 0.7:
            words += ["QTY", str(rng.choice([1, 2, 3, 5, 11]))]
        return words

    def undo(self):
        if not self.txs:
            return None
        site, tx, code = self.pick(self.txs)
        if self.rng.random() < 0.1:
            site = self.pick(COUNTERS)
        return ["UNDO", code, "SITE", site, "TX", tx]

    def some_lot(self):
        p = self.pick(UNIT_PRODUCTS)
        return p, self.pick(self.lots[p])

    def recall(self):
        # Often a lot repackaged into another: its recall reaches the outputs.
        sources = [k for lot in self.model.lots.values() for k in lot.sources]
        p, lot = self.pick(sources) if sources and self.rng.random() < 0.5 else \
            self.some_lot()
        return ["RECALL", p, lot, "LEVEL", self.pick("123"), "REASON", "contamination"]

    def lift(self):
        recalled = [k for k, lot in self.model.lots.items() if lot.recall_level]
        p, lot = self.pick(recalled) if recalled and self.rng.random() < 0.9 \
            else self.some_lot()
        return ["LIFT", p, lot, "REASON", "cleared"]

    def withdraw(self):
        return ["WITHDRAW", self.pick(UNIT_PRODUCTS), "REASON", "licence revoked"]

    def category(self):
        """A product's category changes: a special one makes diversion and
        sales before receipt red and refuses split sales (policy_<category>)."""
        return ["PRODUCT", "SET", self.pick(UNIT_PRODUCTS), "category",
                self.pick(["vaccine", "ordinary", "narcotic"])]

    def storage(self):
        """A product's storage range changes (now and then a bad one: not a
        temperature, or its lowest above its highest)."""
        p = self.pick(UNIT_PRODUCTS)
        words = ["PRODUCT", "SET", p]
        if self.rng.random() < 0.6:
            words += ["storage_min_c", self.pick(["2", "-20", "15", "8.5", "cold"])]
        if len(words) == 3 or self.rng.random() < 0.6:
            words += ["storage_max_c", self.pick(["8", "25", "30", "1", "8.55"])]
        return words

    def licence(self):
        """A site's licence runs until a day near today: passed, today (still
        valid), or ahead."""
        site = self.pick([s for s, _ in SITES])
        day = self.model.today() + datetime.timedelta(days=self.pick([-40, -1, 0, 1, 30]))
        return ["SITE", "SET", site, "licence_valid_until", day.isoformat()]

    def release(self):
        """COLDCHAIN RELEASE of codes with an open break, or of the
        container they are in; now and then of a code without one."""
        broken = self.units(lambda u: u.cold and not u.cold["released"])
        if broken and self.rng.random() < 0.85:
            u = self.pick(broken)
            if u.parent and self.rng.random() < 0.4:
                u = self.model.outer(u)
            codes = [u.code] + [x.code for x in broken if x is not u and
                                x.parent is None][:self.rng.choice([0, 0, 1])]
        else:
            codes = [self.any_code()]
        return ["COLDCHAIN", "RELEASE"] + codes + ["REASON", "stability data reviewed"]

    def lock(self, on=True):
        if on:
            u = self.pick(self.model.units)
        else:
            u = self.pick([c for c, x in self.model.units.items() if x.locked]) \
                or self.pick(self.model.units)
        if u is None:
            return None
        return ["LOCK" if on else "UNLOCK", u, "REASON", "investigation"]

    def events(self):
        """An EVENTS batch: records made by the other generators, some as
        runs that the daemon applies as one command."""
        rng = self.rng
        saved = self.model
        self.model = copy.deepcopy(saved)
        records = []
        try:
            for _ in range(rng.randint(1, 5)):
                r = rng.random()
                if r < 0.25:
                    run = self.commission_run()
                elif r < 0.35:
                    run = self.pack_run()
                else:
                    w = self.pick([self.ship, self.receive, self.dispense, self.commission,
                                   self.pack, self.unpack, self.destroy, self.decommission,
                                   self.reactivate])()
                    run = [w] if w else []
                for w in run:
                    self.model.apply(w)
                    records.append(" ".join(f'"{x}"' if " " in x else x for x in w))
        finally:
            self.model = saved
        if not records:
            return None
        words = ["EVENTS"]
        if rng.random() < 0.5:
            if self.batches and rng.random() < 0.3:
                words += ["BATCH", self.pick(self.batches)]
            else:
                self.batches.append(f"B{self.next_serial()}")
                words += ["BATCH", self.batches[-1]]
        if rng.random() < 0.35:
            words.append("SKIPBAD")
        return words + records

    def commission_run(self):
        """One-code COMMISSION records with the same options (a CSV export
        lists a lot's units one per row)."""
        p = self.pick(UNIT_PRODUCTS)
        lot = self.lot_of(p)
        run = [["COMMISSION", self.fresh(p), "SITE", "MFR", "LOT", lot, "EXPIRY",
                self.lots[p][lot]] for _ in range(self.rng.randint(2, 4))]
        if self.rng.random() < 0.2 and self.model.units:
            run[-1][1] = self.pick(self.model.units)
        return run

    def pack_run(self):
        w = self.pack()
        if not w:
            return []
        i = w.index("SITE")
        return [[w[0], w[1], kid] + w[i:] for kid in w[2:i]]

    def advance(self):
        if self.advanced_days > 60:
            return None
        days = self.pick([1, 3, 9, 11, 25])
        self.advanced_days += days
        return ["CLOCK", "ADVANCE", f"{days * 1440 + 1}m"]

    WEIGHTS = [("commission", 12), ("pack", 7), ("unpack", 3), ("ship", 10), ("receive", 9),
               ("ret", 2), ("destroy", 1.5), ("verify", 10), ("dispense", 14), ("undo", 5),
               ("recall", 1.5), ("lift", 1.5), ("withdraw", 0.75), ("lock", 1.5),
               ("unlock", 1), ("events", 5), ("advance", 1.5), ("decommission", 2.5),
               ("reactivate", 1.5), ("unwithdraw", 0.75), ("category", 0.4),
               ("transform", 2),
               ("alert_set", 2), ("alerts", 1), ("storage", 0.4), ("release", 1.5),
               ("licence", 0.4)]

    def alert_set(self):
        """ALERT SET on a stored alert (now and then one past the last, a
        bad status or class, or closing without a class)."""
        rng, n = self.rng, len(self.model.alerts)
        words = ["ALERT", "SET", str(rng.randint(1, n + 1) if rng.random() < 0.9 or n == 0
                                     else n + 1)]
        status = rng.choice(["open", "investigating", "closed", "closed", "shut", None])
        klass = rng.choice(["confirmed_counterfeit", "resale", "user_error", "system_error",
                            "other", "fraud", None, None])
        if status:
            words += ["STATUS", status]
        if klass:
            words += ["CLASS", klass]
        if rng.random() < 0.5:
            words += ["NOTE", rng.choice(["called the pharmacy", "till scanned twice"])]
        return words

    def alerts(self):
        """ALERTS of a kind or status (a bad one now and then)."""
        rng, words = self.rng, ["ALERTS", "LIMIT", "10000"]
        if rng.random() < 0.6:
            words += ["KIND", rng.choice(["duplicate", "unknown", "diversion", "theft",
                                          "cold_chain_break"])]
        if rng.random() < 0.6:
            words += ["STATUS", rng.choice(["open", "investigating", "closed", "done"])]
        return words

    def ret(self):
        return self.ship("RETURN")

    def unlock(self):
        return self.lock(on=False)

    def sequence(self, length):
        """`length` steps, in bursts on two connections."""
        names = [n for n, _ in self.WEIGHTS]
        weights = [w for _, w in self.WEIGHTS]
        steps, burst, conn, in_burst = [], 0, 0, 0
        while len(steps) < length:
            words = getattr(self, self.rng.choices(names, weights)[0])()
            if not words:
                continue
            alone = words[0] == "CLOCK"
            if alone or in_burst >= 6 or self.rng.random() < 0.45 or \
                    (steps and steps[-1].words[0] == "CLOCK"):
                burst, in_burst = burst + 1, 0
                conn = self.rng.randrange(2)
            if words[0] in ("VERIFY", "DISPENSE", "UNDO") and self.rng.random() < 0.2:
                words = words + ["BRIEF"]       # the reply a till acts on
            steps.append(Step(conn, burst, words))
            in_burst += 1
            self.model.apply(words)
        return steps
