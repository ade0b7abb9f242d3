"""Known disagreements between yimad and the model (KNOWN.md says why the
model is right in each).  Each entry recognises exactly one pattern:
the command and the fields that differ.  A sequence that meets one stops
there and is counted apart; anything else is a failure.  The goal is an
empty list.
"""
from model import Err

KNOWN = []


def known(name):
    def add(fn):
        KNOWN.append((name, fn))
        return fn
    return add


def known_disagreement(words, got, want, model):
    """The name of the known disagreement this is, or None (`model`: the
    model after the command)."""
    for name, fn in KNOWN:
        try:
            if fn(words, got, want, model):
                return name
        except (KeyError, TypeError, AttributeError):
            pass
    return None


# Patterns whose reply agrees but which leave the daemon's state unlike the
# model's: when the model notes one, the runner reads `probe` from both at
# once; a difference there is the known disagreement (and ends the
# sequence), none means the daemon no longer does it.
PROBES = {
    "events-red-dispense": ["ALERTS", "LIMIT", "10000"],
}


def is_err(x):
    return isinstance(x, Err)


@known("events-red-dispense")
def events_red_dispense(words, got, want, model):
    """A DISPENSE record of an EVENTS batch that answers RED fails, and a
    failing record changes nothing (PROTOCOL.md, EVENTS); the daemon keeps
    the alert it raised and the TX's answer (when the batch is refused at
    its first record, or the record is skipped): a later DISPENSE or UNDO
    of that (site, TX, code) then answers from it.  (The alert is caught
    by the probe at the batch itself.)"""
    if words[0].upper() not in ("DISPENSE", "UNDO"):
        return False
    o = dict(zip([w.upper() for w in words[2::2]], words[3::2]))
    code = want.get("code") if not is_err(want) else None
    return (o.get("SITE"), o.get("TX"), code) in model.red_records


@known("undo-in-transit")
def undo_in_transit(words, got, want, model):
    """UNDO of a sale of a split pack that has since been shipped: the
    daemon answers (and records) status `active` while the pack is still
    in transit (`in_transit_to` stays set)."""
    return words[0].upper() == "UNDO" and not is_err(got) and \
        want.get("status") == "in_transit" and got.get("status") == "active" and \
        {k: v for k, v in got.items() if k != "status"} == \
        {k: v for k, v in want.items() if k != "status"}


@known("trace-nested-via")
def trace_nested_via(words, got, want, model):
    """TRACE of a unit in a container that is (or was) inside another: the
    outer container's movements are shown for the wrong stretch of time
    (after the unit left the inner container; or not at all when the
    unit was packed into an inner container already inside the outer)."""
    if words[0].upper() != "TRACE" or is_err(got) or is_err(want):
        return False
    def strip(e):
        return {k: v for k, v in e.items() if k != "via"}
    g, w = got["events"], want["events"]
    gs, ws = [strip(e) for e in g], [strip(e) for e in w]
    extra = [e for e in g if strip(e) not in ws]
    missing = [e for e in w if strip(e) not in gs]
    # The unit's own events are all there (one may carry a `via` it should
    # not have: it moved in the same SHIP as the outer container).
    return g != w and all("via" in e for e in extra + missing) and \
        all(strip(e) in gs for e in w if "via" not in e) and \
        {k: v for k, v in got.items() if k != "events"} == \
        {k: v for k, v in want.items() if k != "events"}
