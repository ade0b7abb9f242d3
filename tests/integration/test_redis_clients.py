"""Redis's own clients against the real yimad, with their defaults:
Python's redis package (Debian's python3-redis) and redis-cli (redis-tools).
INFO as Redis's text, a client name, db 0, pipelines, RESP3 maps, and
redis-cli's hints, which it builds from COMMAND DOCS."""
import os
import pty
import select
import sys
import time

from harness import Error, Yimad, check, day, eq


def redis_module():
    """Debian's python3-redis lives in the system's dist-packages, whichever
    python3 runs the tests."""
    try:
        import redis
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
        import redis
    return redis


def setup_chain(d):
    c = d.connect()
    for args in (("SITE", "SET", "MFR", "name", "Maker", "kind", "manufacturer"),
                 ("SITE", "SET", "PH1", "name", "Pharmacy", "kind", "pharmacy"),
                 ("PRODUCT", "SET", "8301234", "name", "Amoxicillin", "units_per_pack", "1"),
                 ("COMMISSION", "83012340000000000001", "SITE", "MFR", "LOT", "L1", "EXPIRY",
                  day(730)),
                 ("SHIP", "83012340000000000001", "FROM", "MFR", "TO", "PH1"),
                 ("RECEIVE", "83012340000000000001", "SITE", "PH1")):
        r = c.call(*args)
        check(not isinstance(r, Error), f"{args}: {r}")
    c.close()


def test_redis_py_info_client_name_db_and_pipeline():
    redis = redis_module()
    d = Yimad()
    try:
        setup_chain(d)
        r = redis.Redis(port=d.port, socket_timeout=10)
        everything = r.info()
        eq(everything["version"], "0.1.0", "r.info()['version']")
        check(everything["connected_clients"] >= 1, everything)
        store = r.info("store")
        eq(store["entries"]["sites"], 2, "INFO store: entries as a dict (Redis's keyspace form)")
        check(isinstance(r.info("writer")["cpu_seconds"], float), r.info("writer"))
        check(set(r.info("server")) >= {"version", "pid", "port"}, r.info("server"))
        both = r.execute_command("INFO", "memory", "audit")
        check("rss_bytes" in both and "head_hash" in both and "pid" not in both, both)

        named = redis.Redis(port=d.port, client_name="till-1", socket_timeout=10)
        eq(named.client_getname(), "till-1", "Redis(client_name=...).client_getname()")
        ci = named.client_info()
        eq((ci["name"], ci["db"], ci["resp"]), ("till-1", 0, "2"), "CLIENT INFO")
        eq(ci["id"], named.client_id(), "CLIENT INFO id is CLIENT ID")
        check(ci["addr"].startswith("127.0.0.1:"), ci)
        named.execute_command("CLIENT", "SETINFO", "LIB-NAME", "redis-py")
        eq(named.client_info()["lib-name"], "redis-py", "CLIENT SETINFO LIB-NAME")
        check(r.client_getname() is None, "another connection has no name")
        try:
            named.client_setname("two words")
            check(False, "a name with a space was taken")
        except redis.exceptions.ResponseError as e:
            check("spaces" in str(e), e)

        eq(redis.Redis(port=d.port, db=0).execute_command("SELECT", 0), True, "SELECT 0")
        try:
            redis.Redis(port=d.port, db=1, socket_timeout=10).ping()
            check(False, "Redis(db=1) connected")
        except redis.exceptions.ResponseError as e:
            check("one database" in str(e), e)

        p = r.pipeline(transaction=False)
        p.ping()
        p.execute_command("VERIFY", "83012340000000000001", "SITE", "PH1")
        p.client_id()
        p.info("clients")
        pong, verdict, cid, clients = p.execute()
        eq(pong, True, "PING in a pipeline")
        check(verdict[:2] == [b"verdict", b"green"], verdict)
        check(isinstance(cid, int) and "connected_clients" in clients, (cid, clients))
        # RESP3: Debian 12's redis-py (4.3) speaks RESP2 only; RESP3 maps are
        # checked with HELLO 3 and redis-cli -3 below.
    finally:
        d.close()


def test_resp3_info_is_text_and_replies_are_maps():
    d = Yimad()
    try:
        setup_chain(d)
        c = d.connect()
        hello = c.call("HELLO", "3", "SETNAME", "till-9")
        eq(hello[b"proto"], 3, "HELLO 3")
        raw = c.call("INFO", "clients")
        check(isinstance(raw, bytes) and raw.startswith(b"# Clients\r\nconnected_clients:"), raw)
        eq(c.call("CLIENT", "GETNAME"), b"till-9", "HELLO SETNAME is CLIENT GETNAME")
        v = c.call("VERIFY", "83012340000000000001", "SITE", "PH1")
        check(isinstance(v, dict) and v[b"verdict"] == b"green", v)
        docs = c.call("COMMAND", "DOCS", "DISPENSE")
        args = docs[b"dispense"][b"arguments"]
        eq([(a[b"name"], a.get(b"token")) for a in args],
           [(b"code", None), (b"s", b"SITE"), (b"t", b"TX"), (b"n", b"QTY"), (b"t", b"TIME"),
            (b"BRIEF", b"BRIEF")],
           "DISPENSE's arguments, from its usage and grammar")
        eq(args[3][b"type"], b"integer", "QTY is a number (its grammar)")
        eq(args[1].get(b"flags"), None, "SITE is required")
        eq(args[2][b"flags"], {"optional"} if isinstance(args[2][b"flags"], set)
           else ["optional"], "TX is optional")
        c.close()
        rc, out, err = d.redis_cli("-3", "INFO", "writer")
        check(rc == 0 and out.startswith("# Writer\r\n") and "cpu_seconds:" in out, (out, err))
    finally:
        d.close()


class Terminal:
    """redis-cli on a pseudo-terminal: it reads keys and draws its prompt
    and hints there (linenoise asks the cursor's place: answered)."""

    def __init__(self, port):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ.update(TERM="xterm", HOME="/nonexistent", REDISCLI_HISTFILE="/dev/null")
            os.execvp("redis-cli", ["redis-cli", "-p", str(port)])

    def read_until(self, want, timeout=10.0):
        out, end = b"", time.monotonic() + timeout
        while time.monotonic() < end and want not in out:
            r, _, _ = select.select([self.fd], [], [], 0.1)
            if not r:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            out += chunk
            # Where is the cursor: at column 1, and after "move right
            # 999", at 250 (a terminal 250 columns wide).
            at = out.find(b"\x1b[6n", max(0, len(out) - len(chunk) - 3))
            while at >= 0:
                right = out[max(0, at - 6):at] == b"\x1b[999C"
                os.write(self.fd, b"\x1b[1;250R" if right else b"\x1b[1;1R")
                at = out.find(b"\x1b[6n", at + 4)
        check(want in out, f"redis-cli did not show {want!r}; it showed {out[-600:]!r}")
        return out

    def type(self, keys):
        """Keys, typed once the prompt is drawn (linenoise reads the
        terminal's answers from the same input)."""
        os.write(self.fd, keys)

    def close(self):
        try:
            os.kill(self.pid, 9)
        finally:
            os.waitpid(self.pid, 0)
            os.close(self.fd)


def test_redis_cli_hints_help_and_info():
    d = Yimad()
    t = None
    try:
        rc, out, _ = d.redis_cli("INFO", "clients")
        check(rc == 0 and out.startswith("# Clients\r\n") and "connected_clients:1" in out, out)
        rc, out, _ = d.redis_cli("COMMAND", "COUNT")
        check(rc == 0 and int(out) > 30, out)
        t = Terminal(d.port)
        t.read_until(b"> ")
        t.type(b"DISPENSE ")
        # The hint, drawn in grey after what was typed: the usage.
        t.read_until(b"code SITE s [TX t] [QTY n] [TIME t]")
        t.type(b"\x15help COMMISSION\r")
        out = t.read_until(b"group:")
        out += t.read_until(b"> ")	# the prompt again: keys typed before it are lost
        check(b"code [code ...] SITE s [PRODUCT p] [LOT l] [EXPIRY YYYY-MM-DD]" in out, out)
        check(b"create codes: units, middle packs, cases, pallets" in out, out)
        t.type(b"\x15CLIENT SETNAME ")
        t.read_until(b"SETNAME \x1b[0;90;49mname")
    finally:
        if t:
            t.close()
        d.close()
