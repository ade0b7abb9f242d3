"""Randomized difference test: the same command sequences to a real yimad
and to the reference model (model.py), every reply compared.

  python3 tests/model/difftest.py [-n SEQUENCES] [--length STEPS] [--seed S]
                                  [--time-budget SECONDS] [--no-shrink]

Each sequence runs against a fresh yimad (tests/integration/harness.py,
clock pinned at harness.TODAY): the fixed set-up (sites, products), then
the generated steps (gen.py), pipelined in bursts over two connections,
then TRACE of every code, IMPACT of every lot and ALERTS.  Compared:
verdict, reasons and the state fields of every scan reply (with BRIEF:
verdict and reasons, and that the message alone is beside them), the
event numbers and counts of every write, errors by their code (ERR,
NOTFOUND...), and the chains, recall figures and alerts at the end.  Times and messages
are not compared.  Last, AUDIT VERIFY STATE must hold: the sequence's log
entries, replayed into an empty store, give the daemon's store record for
record (whatever the model says).

The seed is printed; $YIMA_TEST_SEED (or --seed) repeats a run.  On a
disagreement the failing sequence is shrunk (delta debugging: drop steps
while the same disagreement persists, each try against a fresh daemon) and
printed as yima commands to paste.  Disagreements listed in KNOWN.md
(known.py) are counted apart and end their sequence there.

Exit status: 0 when every sequence ran clean or stopped at a known
disagreement, 1 otherwise.
"""
import argparse
import collections
import os
import random
import shlex
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402
from gen import Generator, Step, setup_commands  # noqa: E402
from known import PROBES, known_disagreement  # noqa: E402
from model import Err, Model  # noqa: E402

REPLY_TIMEOUT = 20.0
# Keys of a scan reply the model knows: the daemon may not add one of these
# where the model has none (new keys are not compared).
SCAN_KEYS = {"verdict", "reasons", "code", "type", "product", "product_name", "lot", "expiry",
             "level", "status", "holder", "in_transit_to", "parent", "dispensed",
             "units_per_pack", "last_event", "commissioned", "first_sale"}
SCAN_COMMANDS = {"VERIFY", "DISPENSE", "UNDO"}
# A scan reply asked with BRIEF: these keys, in this order, and no more.
BRIEF_KEYS = ["verdict", "reasons", "message"]
# The same for the reply of a write.
WRITE_KEYS = {"event", "codes", "diverted", "level", "warnings", "cold_chain_breaks"}
# What the compared replies said, over a run: "DISPENSE amber", "UNDO -ERR",
# "reason near_expiry"...
SEEN = collections.Counter()


def plain(v):
    """A daemon reply as the model writes it: str keys and values."""
    if isinstance(v, harness.Error):
        return Err(str(v).split(" ", 1)[0], str(v))
    if isinstance(v, bytes):
        return v.decode(errors="replace")
    if isinstance(v, dict):
        return {plain(k): plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def project(got, want, scan=False):
    """What of `got` (the daemon's) is compared with `want` (the model's):
    the model's keys, recursively; in a scan reply `commissioned` only for
    its presence, and also a known key the model does not have."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = {}
        for k, w in want.items():
            g = got.get(k, "<absent>")
            out[k] = (g not in (None, "<absent>")) if scan and k == "commissioned" else \
                project(g, w)
        if scan:
            for k in (SCAN_KEYS if scan is True else scan) - set(want):
                if k in got:
                    out[k] = got[k]
        return out
    if isinstance(want, list) and isinstance(got, list):
        if len(want) == len(got):
            return [project(g, w) for g, w in zip(got, want)]
        if want and all(isinstance(w, dict) for w in want):     # keys of any item
            keys = {k for w in want for k in w}
            return [{k: v for k, v in g.items() if k in keys} if isinstance(g, dict) else g
                    for g in got]
    return got


def compare(words, got, want):
    """None if the replies agree, else (signature, daemon's, model's)."""
    name = words[0].upper()
    if isinstance(want, Err) or isinstance(got, Err):
        if isinstance(want, Err) and isinstance(got, Err) and want.code == got.code:
            return None
        g = f"-{got.code} {got.why}" if isinstance(got, Err) else got
        w = f"-{want.code} ({want.why})" if isinstance(want, Err) else want
        return (f"{name}: error/reply", g, w)
    if name == "CLOCK":
        return None
    if name in SCAN_COMMANDS and Model.brief(words)[1] and \
            (not isinstance(got, dict) or list(got) != BRIEF_KEYS):
        return (f"{name} BRIEF: keys", got, BRIEF_KEYS)
    if name in SCAN_COMMANDS and "code" not in want:
        want = {k: want[k] for k in ("verdict", "reasons")}
        got = project(got, want)
    else:
        got = project(got, want, scan=True if name in SCAN_COMMANDS else
                      WRITE_KEYS if "event" in want else False)
        if isinstance(got, dict) and isinstance(got.get("warnings"), list):
            got["warnings"] = sorted(got["warnings"], key=str)
            want = dict(want, warnings=sorted(want.get("warnings", []), key=str))
    if name in ("SITE", "PRODUCT") and got == "OK":
        return None
    if got == want:
        return None
    keys = sorted(k for k in want if got.get(k) != want[k]) if isinstance(want, dict) and \
        isinstance(got, dict) else ["value"]
    keys += sorted(k for k in got if k not in want) if isinstance(got, dict) else []
    return (f"{name}: {','.join(keys)}", got, want)


class Disagreement(Exception):
    def __init__(self, index, words, sig, got, want, known=None):
        super().__init__(sig)
        self.index, self.words, self.sig = index, words, sig
        self.got, self.want, self.known = got, want, known


class Run:
    """One sequence against a fresh daemon and a fresh model."""

    def __init__(self, steps):
        self.steps = steps
        self.model = Model(harness.TODAY)
        self.commands = 0
        self.unseen = set()     # known patterns met that did not show
        self.known = []         # known disagreements of the final reads

    def play(self):
        """Raises Disagreement at the first reply that differs."""
        d = harness.Yimad()
        try:
            conns = [d.connect(timeout=REPLY_TIMEOUT), d.connect(timeout=REPLY_TIMEOUT)]
            for c in conns:
                c.call("HELLO", "3")
            for words in setup_commands(harness.TODAY):
                self.check(-1, words, plain(conns[0].call(*words)))
            i = 0
            while i < len(self.steps):
                j = i
                while j < len(self.steps) and self.steps[j].burst == self.steps[i].burst:
                    j += 1
                burst = self.steps[i:j]
                c = conns[burst[0].conn]
                c.send(b"".join(harness.encode(*s.words) for s in burst))
                replies = [plain(c.reply()) for _ in burst]
                notes = []
                for k, (s, got) in enumerate(zip(burst, replies)):
                    self.check(i + k, s.words, got)
                    notes += [(i + k, s.words, n) for n in self.model.notes]
                for index, words, note in notes:    # at the burst's end
                    self.probe(index, words, note, c)
                i = j
            self.final(conns[0])
            self.replayed(conns[0])
            for c in conns:
                c.close()
        finally:
            d.close()

    def replayed(self, c):
        """The store is what its log gives: replaying the sequence's log
        entries into a scratch store gives every record again."""
        r = c.call("AUDIT", "VERIFY", "STATE")
        if isinstance(r, harness.Error) or r.get(b"ok") is not True:
            want = {**r, b"ok": True, b"db": None, b"key": None, b"error": None} \
                if isinstance(r, dict) else {b"ok": True}
            raise Disagreement(len(self.steps), ["AUDIT", "VERIFY", "STATE"],
                               "AUDIT VERIFY STATE: the log does not give the store", r, want)

    def probe(self, index, words, note, c):
        """After a command the model noted as a known pattern: read the
        pattern's probe from both; a difference is that disagreement."""
        probe = PROBES[note]
        got, want = plain(c.call(*probe)), self.model.apply(probe)
        diff = compare(probe, got, want)
        if diff:
            raise Disagreement(index, words, diff[0], diff[1], diff[2], known=note)
        self.unseen.add(note)

    def check(self, index, words, got):
        want = self.model.apply(words)
        self.commands += 1
        name = words[0].upper()
        if isinstance(want, Err):
            SEEN[f"{name} -{want.code}"] += 1
        elif name in SCAN_COMMANDS:
            SEEN[f"{name} {want['verdict']}"] += 1
            SEEN[f"{name} BRIEF"] += Model.brief(words)[1]
            SEEN.update(f"reason {r}" for r in want["reasons"])
        else:
            SEEN[name] += 1
        diff = compare(words, got, want)
        if diff:
            known = known_disagreement(words, diff[1], diff[2], self.model)
            raise Disagreement(index, words, *diff, known=known)

    def final(self, c):
        """TRACE of every code the model knows (and of one it does not),
        IMPACT of every lot, every alert."""
        reads = [["TRACE", code] for code in self.model.units]
        reads.append(["TRACE", "83012349999999999999"])
        reads += [["IMPACT", p, lot] for p, lot in self.model.lots]
        reads.append(["ALERTS", "LIMIT", "10000"])
        c.send(b"".join(harness.encode(*w) for w in reads))
        replies = [plain(c.reply()) for _ in reads]
        for w, got in zip(reads, replies):
            try:
                self.check(len(self.steps), w, got)
            except Disagreement as e:   # reads change nothing: go on after a known one
                if not e.known:
                    raise
                self.known.append(e)


def outcome(steps):
    """(commands run, Disagreement or None): the first unknown
    disagreement, else the first known one."""
    r = Run(steps)
    try:
        r.play()
    except Disagreement as e:
        return r.commands, e
    return r.commands, (r.known[0] if r.known else None)


def shrink(steps, sig, budget):
    """Delta debugging: drop chunks of steps while a replay still ends in
    a disagreement of the same signature; stops at the time budget."""
    deadline = time.monotonic() + budget
    n = 2
    while len(steps) >= 2 and time.monotonic() < deadline:
        chunk = max(1, len(steps) // n)
        reduced = False
        for start in range(0, len(steps), chunk):
            if time.monotonic() >= deadline:
                break
            trial = steps[:start] + steps[start + chunk:]
            _, e = outcome(trial)
            if e is not None and e.sig == sig:
                steps, reduced = trial, True
                n = max(n - 1, 2)
                break
        if not reduced:
            if chunk == 1:
                break
            n = min(n * 2, len(steps))
    # Then the records of EVENTS batches, one at a time.
    for i in range(len(steps)):
        k = 0
        while steps[i].words[0] == "EVENTS" and k < len(steps[i].words) and \
                time.monotonic() < deadline:
            w = steps[i].words
            if w[k].upper() in ("EVENTS", "SKIPBAD") or (k > 0 and w[k - 1].upper() == "BATCH") \
                    or w[k].upper() == "BATCH" or sum(1 for x in w if " " in x) < 2 or \
                    " " not in w[k]:
                k += 1
                continue
            trial = steps[:i] + [Step(steps[i].conn, steps[i].burst, w[:k] + w[k + 1:])] + \
                steps[i + 1:]
            _, e = outcome(trial)
            if e is not None and e.sig == sig:
                steps = trial
            else:
                k += 1
    # Cut what follows the disagreement.
    _, e = outcome(steps)
    if e is not None and 0 <= e.index < len(steps):
        steps = steps[:e.index + 1]
    return steps, e


def as_yima(steps):
    """The sequence as commands to paste (yimad started with the test's
    pinned day)."""
    lines = [f"# bin/yimad --clock-today {harness.TODAY} --port 7700 --data $(mktemp -d) &"]
    lines += ["bin/yima " + " ".join(shlex.quote(w) for w in words)
              for words in setup_commands(harness.TODAY)]
    last = None
    for s in steps:
        note = ""
        if s.burst == last:
            note = "   # pipelined with the line before"
        last = s.burst
        lines.append("bin/yima " + " ".join(shlex.quote(w) for w in s.words) +
                     (f"   # connection {s.conn}" if s.conn else "") + note)
    return "\n".join(lines)


def diff_text(got, want, path=""):
    """Where two replies differ, as lines `path: daemon ... / model ...`."""
    if isinstance(got, dict) and isinstance(want, dict):
        out = []
        for k in list(want) + [k for k in got if k not in want]:
            out += diff_text(got.get(k, "<absent>"), want.get(k, "<absent>"), f"{path}.{k}")
        return out
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        out = []
        for i, (g, w) in enumerate(zip(got, want)):
            out += diff_text(g, w, f"{path}[{i}]")
        return out
    if isinstance(got, list) and isinstance(want, list):
        return [f"{path}: only the daemon has {[g for g in got if g not in want]}, "
                f"only the model {[w for w in want if w not in got]}"]
    if got == want:
        return []
    return [f"{path or 'reply'}: daemon {got!r}, model {want!r}"]


def report(e):
    lines = diff_text(e.got, e.want)
    text = f"  disagreement: {e.sig}\n    command: {' '.join(e.words)}\n    " + \
        "\n    ".join(lines[:12] + ([f"... {len(lines) - 12} more"] if len(lines) > 12 else []))
    if e.known:
        text += f"\n    known: {e.known}"
    return text


def run(sequences, length, seed, time_budget=None, shrink_budget=120.0, shrink_it=True,
        out=print, gen_seed=None, shrink_known=None):
    """Run up to `sequences` sequences (or until time_budget seconds);
    returns a dict of figures and the unknown disagreements."""
    rng = random.Random(seed)
    out(f"model: seed {seed} (repeat with YIMA_TEST_SEED={seed}), day {harness.TODAY}, "
        f"{sequences} sequences of {length} steps")
    started = time.monotonic()
    figures = dict(sequences=0, clean=0, commands=0, clean_commands=0, known=0, failed=0)
    failures, known = [], {}
    for n in range(sequences):
        if time_budget and time.monotonic() - started > time_budget:
            out(f"model: time budget of {time_budget:g} s reached")
            break
        seq_seed = rng.randrange(1 << 48) if gen_seed is None else gen_seed
        steps = Generator(random.Random(seq_seed), harness.TODAY).sequence(length)
        commands, e = outcome(steps)
        figures["sequences"] += 1
        figures["commands"] += commands
        if e is None:
            figures["clean"] += 1
            figures["clean_commands"] += commands
            continue
        if e.known:
            figures["known"] += 1
            known[e.known] = known.get(e.known, 0) + 1
            if shrink_known == e.known:     # show one, shrunk (KNOWN.md)
                shrink_known = None
                small, e2 = shrink(steps, e.sig, shrink_budget)
                out(f"model: known {e.known}, generator seed {seq_seed}, shrunk to "
                    f"{len(small)} steps:")
                if e2 is not None:
                    out(report(e2))
                out("    " + as_yima(small).replace("\n", "\n    "))
            continue
        figures["failed"] += 1
        out(f"model: sequence {n} (generator seed {seq_seed}) disagrees at step {e.index}:")
        out(report(e))
        if shrink_it:
            small, e2 = shrink(steps, e.sig, shrink_budget)
            out(f"  shrunk from {len(steps)} to {len(small)} steps:")
            if e2 is not None:
                out(report(e2))
            out("    " + as_yima(small).replace("\n", "\n    "))
        failures.append(e)
    out(f"model: {figures['sequences']} sequences, {figures['commands']} commands; "
        f"{figures['clean']} sequences ({figures['clean_commands']} commands) clean, "
        f"{figures['known']} stopped at a known disagreement "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(known.items())) or 'none'}), "
        f"{figures['failed']} disagreed")
    out("model: replies compared: " + ", ".join(f"{k} {v}" for k, v in sorted(SEEN.items())))
    return figures, failures


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--sequences", type=int, default=100)
    ap.add_argument("--length", type=int, default=80, help="steps in a sequence")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--time-budget", type=float, default=None)
    ap.add_argument("--shrink-budget", type=float, default=120.0)
    ap.add_argument("--no-shrink", action="store_true")
    ap.add_argument("--shrink-known", default=None, metavar="NAME",
                    help="shrink and print the first sequence that meets this known "
                    "disagreement")
    ap.add_argument("--gen-seed", type=int, default=None,
                    help="run the one sequence of this generator seed (as printed)")
    a = ap.parse_args(argv[1:])
    seed = a.seed
    if seed is None:
        text = os.environ.get("YIMA_TEST_SEED", "").strip()
        seed = int(text) if text else time.time_ns() % 1_000_000_007
    figures, failures = run(1 if a.gen_seed is not None else a.sequences, a.length, seed,
                            a.time_budget, a.shrink_budget, not a.no_shrink,
                            gen_seed=a.gen_seed, shrink_known=a.shrink_known)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
