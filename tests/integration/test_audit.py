"""The event log's hash chain: AUDIT VERIFY over an intact log, a flipped
byte in a stored event (changed underneath yimad with lmdb_poke, a test
helper), a removed event, ranges, and INFO's head hash."""
import os
import subprocess

from harness import Yimad, check, day, eq
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
        info = c.call("INFO", "audit")[b"audit"]
        eq(info[b"head_seq"], 12, "head seq")
        eq(info[b"head_hash"].decode(), r["head_hash"], "INFO and AUDIT VERIFY agree")
        eq(len(info[b"head_hash"]), 64, "hex SHA-256")
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
        tamper(d, "events", 7, "flip", "10")    # a bit of the site number
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
        tamper(d, "event_hashes", 9, "put", "00" * 32)
        r = audit(d)
        eq((r["ok"], r["broken"]), (False, 9), "a rewritten hash")
    finally:
        d.close()


def test_log_written_before_the_chain_is_chained_at_start():
    d = Yimad()
    try:
        make_events(d)
        head = audit(d)["head_hash"]
        tamper(d, "event_hashes", 0, "drop")
        check("audit: chained 12 events written before the hash chain" in d.output(),
              d.output()[-500:])
        r = audit(d)
        eq((r["ok"], r["checked"], r["head_hash"]), (True, 12, head), "chained again")
    finally:
        d.close()
