"""The event log's hash chain: AUDIT VERIFY over an intact log, a flipped
byte in a stored event (changed underneath yimad with lmdb_poke, a test
helper), a removed event, ranges, and INFO's head hash."""
import os
import subprocess

import oldstore
from harness import YIMAD, Yimad, check, day, eq, info
from secutil import ok, refused, setup_sites

CODES = [f"830123400000000001{i:02d}" for i in range(10)]
EXPIRY = day(730)      # two years after the pinned day


def make_events(d):
    c = setup_sites(d)
    for code in CODES:
        ok(c.call("COMMISSION", code, "SITE", "MFR", "LOT", "L1", "EXPIRY", EXPIRY))
    ok(c.call("SHIP", *CODES, "FROM", "MFR", "TO", "DIST"))
    ok(c.call("RECEIVE", *CODES, "SITE", "DIST"))
    return c      # events 1-12


def audit(d, *args):
    c = d.connect()
    c.call("HELLO", "3")
    r = c.call("AUDIT", "VERIFY", *args)
    if isinstance(r, dict):     # keys and texts as str
        r = {k.decode(): v.decode() if isinstance(v, bytes) else v for k, v in r.items()}
    return r


TOOLS = os.environ.get("YIMA_TEST_TOOLS", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "tests"))


def tamper(d, db, seq, *change):
    """Stop yimad, change one record of its store, start it again."""
    eq(d.stop(), 0, "yimad stopped")
    key = seq.to_bytes(6, "big").hex() if seq else "-"
    subprocess.run([os.path.join(TOOLS, "lmdb_poke"), d.data, db, key, *change],
                   check=True, timeout=30)
    d.start()


def test_intact_log_verifies_and_info_shows_the_head():
    d = Yimad()
    try:
        make_events(d)
        r = audit(d)
        eq((r["ok"], r["from"], r["to"], r["checked"], r["broken"]),
           (True, 1, 12, 12, None), "whole log")
        c = d.connect()
        c.call("HELLO", "3")
        head = info(c, "audit")
        eq(head[b"head_seq"], 12, "head seq")
        eq(head[b"head_hash"].decode(), r["head_hash"], "INFO and AUDIT VERIFY agree")
        eq(len(head[b"head_hash"]), 64, "hex SHA-256")
        part = audit(d, "FROM", "3", "TO", "5")
        eq((part["ok"], part["from"], part["to"], part["checked"]), (True, 3, 5, 3), "a range")
        e = refused(audit(d, "FROM", "0"), "ERR", "FROM 0")
        check("FROM '0' is not an event sequence number" in e, e)
        refused(audit(d, "FROM", "5", "TO", "3"), "ERR", "TO before FROM")
        # The head moves with every event, and survives a restart.
        ok(c.call("DESTROY", CODES[0], "SITE", "DIST"))
        r2 = audit(d)
        check(r2["ok"] and r2["head_hash"] != r["head_hash"] and r2["to"] == 13, r2)
        d.restart()
        eq(audit(d)["head_hash"], r2["head_hash"], "head after restart")
    finally:
        d.close()


def test_flipped_byte_in_a_stored_event_found():
    d = Yimad()
    try:
        make_events(d)
        tamper(d, "events", 7, "flip", "42")    # a bit of the site number (after the link)
        r = audit(d)
        eq((r["ok"], r["broken"], r["checked"]), (False, 7, 7), "first broken link")
        check("event 7 does not match its hash" in r["error"], r["error"])
        r = audit(d, "TO", "6")
        check(r["ok"], f"events before the change still verify: {r}")
        r = audit(d, "FROM", "8")
        check(r["ok"], f"links after it verify from their stored anchor: {r}")
    finally:
        d.close()


def test_removed_or_rewritten_links_found():
    d = Yimad()
    try:
        make_events(d)
        tamper(d, "events", 4, "del")
        r = audit(d)
        eq((r["ok"], r["broken"]), (False, 4), "a removed event")
        check("event 4 is missing" in r["error"], r["error"])
    finally:
        d.close()
    d = Yimad()
    try:
        make_events(d)
        key = (9).to_bytes(6, "big").hex()
        eq(d.stop(), 0, "yimad stopped")
        value = dict(oldstore.dump(d.data, "events"))[key]
        oldstore.poke(d.data, "events", key, "put", "00" * 32 + value[oldstore.LINK_HEX:])
        d.start()
        r = audit(d)
        eq((r["ok"], r["broken"]), (False, 9), "a rewritten hash")
        check("event 9 does not match its hash" in r["error"], r["error"])
    finally:
        d.close()


def test_log_written_before_the_chain_is_chained_at_start():
    """A store written before the chain existed (schema 6 or older: events
    with no links anywhere) is chained from its first event as it is
    upgraded, with a line saying how many."""
    d = Yimad()
    try:
        make_events(d)
        head = audit(d)["head_hash"]
        eq(d.stop(), 0, "yimad stopped")
        oldstore.links_apart(d.data, "events", None, keep_links=False)
        oldstore.set_schema(d.data, 6)
        d.start()
        check("store: chained 12 events written before the hash chain" in d.output(),
              d.output()[-500:])
        r = audit(d)
        eq((r["ok"], r["checked"], r["head_hash"]), (True, 12, head), "chained again")
    finally:
        d.close()


def test_store_of_schema_6_keeps_its_event_links():
    """A version 6 store (each event's link in event_hashes) is upgraded in
    place: every event takes its link, event_hashes goes, the head is the
    same.  A link missing from event_hashes is damage: yimad refuses to
    start, naming the event, and leaves the store as it was."""
    d = Yimad()
    try:
        make_events(d)
        head = audit(d)["head_hash"]
        eq(d.stop(), 0, "yimad stopped")
        before = oldstore.dump(d.data, "events")
        rows = oldstore.links_apart(d.data, "events", "event_hashes")
        oldstore.set_schema(d.data, 6)
        eq(len(rows), 12, "one row per event")
        check(oldstore.dump(d.data, "events") != before, "the links moved out")

        spare = os.path.join(d.tmp, "spare")
        subprocess.run(["cp", "-a", d.data, spare], check=True, timeout=60)
        missing = rows[4][0]
        oldstore.poke(spare, "event_hashes", missing, "del")
        r = subprocess.run([YIMAD, "--bind", "127.0.0.1", "--port", "0", "--data", spare],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode != 0 and
              f"events record {missing} has no link in event_hashes" in r.stdout + r.stderr,
              f"{r.returncode}\n{r.stdout}{r.stderr}")
        eq(oldstore.schema_version(spare), 6, "still version 6")

        d.start()
        check("schema version 6 upgraded to 9" in d.output(), d.output()[-500:])
        eq(oldstore.dump(d.data, "events"), before, "every event with its link again")
        got = subprocess.run([oldstore.POKE, d.data, "event_hashes", "-", "dump"],
                             capture_output=True, text=True, timeout=30)
        check(got.returncode != 0, "event_hashes is gone")
        r = audit(d)
        eq((r["ok"], r["checked"], r["head_hash"]), (True, 12, head), "the same chain")
        ok(d.connect().call("DESTROY", CODES[0], "SITE", "DIST"))
        eq(audit(d)["to"], 13, "the log goes on")
    finally:
        d.close()
