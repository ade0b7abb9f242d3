"""Durability and master data: writes survive restarts and kill -9, bad
input changes nothing, the map grows by itself."""
import json
import signal
import subprocess
import threading
import time

from harness import YIMAD, ConnectionClosed, TestFailure, Yimad, check, encode, eq, info


def product_get(d, pid):
    rc, out, err = d.yima("--json", "PRODUCT", "GET", pid)
    if rc != 0:
        raise TestFailure(f"PRODUCT GET {pid}: exit {rc}: {out}{err}")
    return json.loads(out)


def test_product_survives_restart():
    d = Yimad()
    try:
        d.yima("PRODUCT", "SET", "06901234567892", "name", "Aspirin 100mg", "form", "tablet",
               "units_per_pack", "10", "kind", "drug", check_rc=0)
        d.restart()
        eq(product_get(d, "06901234567892"),
           {"id": "06901234567892", "name": "Aspirin 100mg", "form": "tablet",
            "units_per_pack": "10", "kind": "drug"}, "after restart")
    finally:
        d.close()


def test_product_survives_kill9_right_after_reply():
    d = Yimad()
    try:
        c = d.connect()
        for i in range(20):
            r = c.call("PRODUCT", "SET", "8301234", "name", f"Version {i}")
            eq(r, "OK", "PRODUCT SET")
        d.kill9()            # the instant the 20th reply arrived
        d.start()
        eq(product_get(d, "8301234")["name"], "Version 19", "after kill -9")
    finally:
        d.close()


def test_acknowledged_writes_survive_kill9_under_load():
    """Many clients write; kill -9 mid-stream; every acknowledged write is
    there after restart."""
    d = Yimad()
    try:
        acked = {}
        lock = threading.Lock()
        stop = threading.Event()
        killed = threading.Event()

        def writer(n):
            try:
                c = d.connect()
                for i in range(5000):
                    if stop.is_set():
                        break
                    site = f"w{n}-{i}"
                    eq(c.call("SITE", "SET", site, "name", f"n{i}"), "OK", f"SITE SET {site}")
                    with lock:
                        acked[site] = f"n{i}"
            except (ConnectionClosed, OSError):
                if not killed.is_set():     # only the kill may end a connection
                    raise

        threads = [threading.Thread(target=writer, args=(n,), name=f"writer-{n}")
                   for n in range(8)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with lock:
                if len(acked) >= 500:
                    break
            time.sleep(0.001)
        check(len(acked) >= 500, f"only {len(acked)} writes acknowledged in 60 s")
        killed.set()
        d.kill9()
        stop.set()
        for t in threads:
            t.join(30)
            check(not t.is_alive(), f"{t.name} still running 30 s after the kill")
        d.start()
        c = d.connect()
        missing = [s for s, name in acked.items()
                   if not isinstance(r := c.call("SITE", "GET", s), list) or r[3] != name.encode()]
        eq(missing, [], f"acknowledged writes missing after kill -9 (of {len(acked)})")
    finally:
        d.close()


def test_ids_are_normalised_and_checked():
    d = Yimad()
    try:
        d.yima("PRODUCT", "SET", "6901234567892", "name", "EAN-13 given", check_rc=0)
        eq(product_get(d, "06901234567892")["name"], "EAN-13 given", "GTIN-13 stored as GTIN-14")
        eq(product_get(d, "6901234567892")["id"], "06901234567892", "lookup by GTIN-13")
        rc, _, err = d.yima("PRODUCT", "SET", "6901234567891", "name", "x")
        eq(rc, 1, "wrong check digit exit status")
        check("wrong check digit" in err and "expected 2" in err, err)
        rc, _, err = d.yima("PRODUCT", "SET", "12345", "name", "x")
        check(rc == 1 and "is not a CN 7-digit product prefix" in err, err)
        rc, _, err = d.yima("SITE", "SET", "bad id", "name", "x")
        check(rc == 1 and "site id 'bad id'" in err, err)
    finally:
        d.close()


def test_bad_fields_change_nothing():
    d = Yimad()
    try:
        d.yima("SITE", "SET", "PH-1", "name", "Good Pharmacy", "kind", "pharmacy",
               "gln", "6901234000016", check_rc=0)
        bad = [
            (["gln", "6901234000017"], "wrong check digit"),
            (["kind", "shop"], "is not one of"),
            (["colour", "red"], "unknown site field 'colour'"),
            (["name", "x", "kind"], "field 'kind' has no value"),
            (["name", "New", "gln", "123"], "is not a GLN"),
        ]
        for args, msg in bad:
            rc, _, err = d.yima("SITE", "SET", "PH-1", *args)
            check(rc == 1 and msg in err, f"{args}: {err}")
        rc, out, _ = d.yima("--json", "SITE", "GET", "PH-1", check_rc=0)
        eq(json.loads(out), {"id": "PH-1", "name": "Good Pharmacy", "kind": "pharmacy",
                             "gln": "6901234000016"}, "unchanged by rejected sets")
        d.yima("SITE", "SET", "PH-1", "name", "Renamed", check_rc=0)
        rc, out, _ = d.yima("--json", "SITE", "GET", "PH-1", check_rc=0)
        eq(json.loads(out)["kind"], "pharmacy", "fields not given are kept")
        eq(json.loads(out)["name"], "Renamed", "given field updated")
        rc, _, err = d.yima("SITE", "GET", "PH-2")
        check(rc == 1 and "NOTFOUND" in err, err)
    finally:
        d.close()


def test_map_grows_when_full():
    d = Yimad("--map-size", "1MiB")
    try:
        c = d.connect()
        big = "x" * 190
        n = 3000
        c.send(b"".join(encode("SITE", "SET", f"g{i}", "name", f"{big}{i}") for i in range(n)))
        for i in range(n):
            eq(c.reply(), "OK", f"set {i}")
        store = info(c, "store")
        check(store[b"map_grows"] >= 1, f"map_grows {store[b'map_grows']}")
        check(store[b"map_size"] > 1 << 20, f"map_size {store[b'map_size']}")
        d.restart()
        c = d.connect()
        eq(c.call("SITE", "GET", f"g{n - 1}")[3], f"{big}{n - 1}".encode(), "last after restart")
    finally:
        d.close()


def test_second_daemon_on_same_data_is_refused():
    d = Yimad()
    try:
        p = subprocess.run([YIMAD, "--port", "0", "--data", d.data], capture_output=True,
                           timeout=30)
        eq(p.returncode, 1, "second yimad exit status")
        check(b"in use by another yimad" in p.stderr, p.stderr)
        eq(d.connect().call("PING"), "PONG", "first still serving")
    finally:
        d.close()


def info_sections(conn):
    """INFO (every section) over a RESP2 connection: {section: {key: value}}."""
    return {k.decode(): v for k, v in info(conn).items()}


def test_sigterm_drains_queued_writes():
    """Every write yimad has read when SIGTERM comes is committed and
    answered before it exits, and is in the store after a restart.  One
    transaction per write (group_max 1) keeps the writer busy, so that most
    of them are still queued when the signal arrives."""
    n = 2000
    d = Yimad("--group-max", "1", "--max-pending", str(n))
    try:
        c, watch = d.connect(), d.connect()
        c.send(b"".join(encode("SITE", "SET", f"t{i}", "name", f"T{i}") for i in range(n)))
        # Wait until yimad has read all n: INFO's `commands` counts a write
        # when it is queued (and each earlier INFO once it has run).
        deadline = time.monotonic() + 30
        infos = 0
        while True:
            info = info_sections(watch)
            infos += 1
            accepted = info["clients"][b"commands"] - (infos - 1)
            if accepted >= n:
                break
            check(time.monotonic() < deadline, f"yimad read {accepted} of {n} writes in 30 s")
            time.sleep(0.001)
        eq(accepted, n, "writes read by yimad")
        queued = info["writer"][b"queue_depth"]
        committed = info["writer"][b"writes"]
        check(queued > 0, f"every write was committed ({committed}) before SIGTERM: "
              "nothing left to drain, the test proves nothing")
        d.carry_clock()
        d.proc.send_signal(signal.SIGTERM)
        replies = []
        try:
            while len(replies) < n:
                replies.append(c.reply())
        except (ConnectionClosed, OSError) as e:
            raise TestFailure(f"{len(replies)} of {n} writes answered before the connection "
                              f"ended ({queued} were queued at SIGTERM): {e!r}") from None
        wrong = [(i, r) for i, r in enumerate(replies) if r != "OK"]
        eq(wrong[:5], [], f"replies that are not OK ({len(wrong)} of {n})")
        check(c.closed_by_peer(timeout=30), "connection closed after the last reply")
        eq(c.buf, b"", "nothing after the last reply")
        try:
            rc = d.proc.wait(30)
        except subprocess.TimeoutExpired:
            raise TestFailure("yimad did not exit within 30 s of SIGTERM") from None
        d.proc = None
        d.log.close()
        eq(rc, 0, "exit status after SIGTERM")
        check("reply bytes unsent at exit" not in d.output(), d.output()[-1000:])
        d.check_sanitizers()
        d.start()
        c = d.connect()
        c.send(b"".join(encode("SITE", "GET", f"t{i}") for i in range(n)))
        missing = []
        for i in range(n):
            r = c.reply()
            if not (isinstance(r, list) and r[3] == f"T{i}".encode()):
                missing.append((f"t{i}", r))
        eq(missing[:5], [], f"answered writes missing after restart ({len(missing)} of {n})")
    finally:
        d.close()
