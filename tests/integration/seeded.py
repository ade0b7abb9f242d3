"""Seeded randomness for the integration tests.

The suite has one seed, $YIMA_TEST_SEED: run.py sets it (from the
environment, or from the time when it is not set) and prints it at the
start, so any run can be repeated with YIMA_TEST_SEED=N.  A test that
makes random choices takes its own generator by name,

    r = seeded.rng("test_load.kill_points")

seeded from the suite seed and that name (the same name and suite seed give
the same choices, whatever ran before), and the seed is printed.  run.py
also seeds the module-level `random` before each test (seed_for(test name))
and prints that seed when the test fails.
"""
import hashlib
import os
import random
import time


def suite_seed():
    """The suite's seed, $YIMA_TEST_SEED; set from the time (and printed)
    when a test runs without run.py and the variable is not set."""
    text = os.environ.get("YIMA_TEST_SEED", "").strip()
    if not text:
        text = str(time.time_ns() % 1_000_000_007)
        os.environ["YIMA_TEST_SEED"] = text
        print(f"seed: YIMA_TEST_SEED={text} (from the time)", flush=True)
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"YIMA_TEST_SEED={text!r} is not a whole number") from None


def seed_for(name):
    """The seed for `name` under the suite seed: a 48-bit integer."""
    digest = hashlib.sha256(f"{suite_seed()}:{name}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def rng(name):
    """A random.Random for `name`, seeded from the suite seed; prints the
    seed."""
    seed = seed_for(name)
    print(f"    random {name}: seed {seed} (YIMA_TEST_SEED={suite_seed()})", flush=True)
    return random.Random(seed)
