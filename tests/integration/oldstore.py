"""Stores as older yimads left them, made from a stopped store of this
version with lmdb_poke (a test helper): before schema 7 each event's chain
link lived in a database of its own (event_hashes), and before schema 6
each log entry's (log_hashes); this version keeps a link in front of the
value it covers."""
import hashlib
import os
import subprocess
import sys

from harness import check

TOOLS = os.environ.get("YIMA_TEST_TOOLS", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "tests"))
POKE = os.path.join(TOOLS, "lmdb_poke")
LINK_HEX = 64      # a SHA-256 link, in hex


def poke(data, db, key, *change):
    subprocess.run([POKE, data, db, key, *change], check=True, timeout=30)


def dump(data, db):
    """[(key hex, value hex)] of a database, in key order."""
    out = subprocess.run([POKE, data, db, "-", "dump"], capture_output=True, text=True,
                         timeout=60)
    check(out.returncode == 0, f"lmdb_poke {data} {db} dump: {out.stderr}")
    return [tuple(line.split()) for line in out.stdout.splitlines()]


def links_apart(data, db, links_db, keep_links=True):
    """Move each record's link out of db into links_db (or drop it:
    keep_links False, a log from before the chain).  Returns the rows as
    they were."""
    rows = dump(data, db)
    poke(data, db, "-", "unlink", links_db if keep_links else "-")
    return rows


# Databases added with no schema step (daemon/store.c, db_made_at_open):
# a store from before them has none, at the same schema version.
MADE_AT_OPEN = ("readings", "cold_breaks", "cold_counts", "alert_status", "lot_sources",
                "lot_outputs")


def without_new_databases(data):
    """Turn a stopped store into what a yimad before the cold chain, alert
    handling and repackaging left: none of MADE_AT_OPEN."""
    for db in MADE_AT_OPEN:
        poke(data, db, "-", "remove")


def set_schema(data, version):
    poke(data, "meta", b"schema_version".hex(), "put",
         version.to_bytes(4, sys.byteorder).hex())


def schema_version(data):
    out = subprocess.run([POKE, data, "meta", b"schema_version".hex(), "get"],
                         capture_output=True, text=True, timeout=30)
    return int.from_bytes(bytes.fromhex(out.stdout.strip()), sys.byteorder)


def _relinked(rows, change):
    """The rows of a chained database (each value its link, then its
    record) with each record changed by change(bytes) and the chain
    computed again: link = SHA-256(previous link, u48 seq, record)."""
    prev, out = bytes(32), []
    for key, value in rows:
        record = change(bytes.fromhex(value)[32:])
        link = hashlib.sha256(prev + int(key, 16).to_bytes(6, "big") + record).digest()
        out.append((key, (link + record).hex()))
        prev = link
    return out


def as_schema_8(data):
    """A stopped store as a yimad of schema 8 would have written it: its
    log entries of version 1, its events without who made them (the two
    fields after the ref, daemon/STORE.md), both chains linked again."""
    for db, change in (("log", lambda e: b"\x01" + e[1:]),
                       ("events", lambda r: r[:35 + r[34]])):
        for key, value in _relinked(dump(data, db), change):
            poke(data, db, key, "put", value)
    set_schema(data, 8)
