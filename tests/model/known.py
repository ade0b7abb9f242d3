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
PROBES = {}


def is_err(x):
    return isinstance(x, Err)
