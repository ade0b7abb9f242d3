"""Integration-test harness: start the real yimad on a free loopback port
with a fresh data directory, talk to it with bin/yima, redis-cli and raw
sockets, and stop it.

Readiness is the port file yimad writes once it listens (--port 0
--port-file), never a fixed sleep.  A daemon whose stderr shows a sanitizer
report fails the test that ran it.

The calendar is pinned: every yimad starts with --clock-today TODAY (noon
that day in Asia/Shanghai, then running), yima-gen gets --today TODAY, and
fixtures take their dates from day(n) rather than literals.  TODAY is
$YIMA_TEST_TODAY (`make test-dates` runs the suite at other days), else
DEFAULT_TODAY.  A test that needs time to pass moves the clock
(Yimad.advance) instead of sleeping.
"""
import datetime
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

BIN = os.environ.get("YIMA_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "bin"))
YIMAD = os.path.join(BIN, "yimad")
YIMA = os.path.join(BIN, "yima")
START_TIMEOUT = 20.0

DEFAULT_TODAY = "2027-03-15"
TODAY = datetime.date.fromisoformat(os.environ.get("YIMA_TEST_TODAY") or DEFAULT_TODAY)


def day(n=0, fmt="%Y-%m-%d"):
    """TODAY + n days, as YYYY-MM-DD (or strftime fmt)."""
    return (TODAY + datetime.timedelta(days=n)).strftime(fmt)


def yymmdd(n=0):
    """TODAY + n days as a code's YYMMDD (GS1 AI 17)."""
    return day(n, "%y%m%d")


def at(n=0, hhmmss="10:00:00"):
    """An ISO 8601 time on TODAY + n days, Beijing time (the daemon's zone)."""
    return f"{day(n)}T{hhmmss}+08:00"

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "WARNING: ThreadSanitizer", "UndefinedBehaviorSanitizer")


class TestFailure(AssertionError):
    pass


def check(cond, msg="check failed"):
    if not cond:
        raise TestFailure(msg)


def eq(got, want, what="value"):
    if got != want:
        raise TestFailure(f"{what}: got {got!r}, want {want!r}")


class Yimad:
    """One yimad process and its data directory (kept across restarts)."""

    def __init__(self, *flags, data=None, today=TODAY):
        """today: the day the daemon's clock starts on (None: the
        system's clock)."""
        self.tmp = tempfile.mkdtemp(prefix="yima-it-")
        self.data = data or os.path.join(self.tmp, "data")
        self.flags = list(flags)
        # The daemon's clock in local (Beijing) time when it last started,
        # carried on across restarts so that it never goes back.
        self.clock = None if today is None else datetime.datetime.combine(
            today, datetime.time(12))
        self.clock_started = None
        self.proc = None
        self.port = None
        self.tls_port = None
        self.http_port = None
        self.https_port = None
        self.tls_contexts = {}
        self.logs = []
        self.start()

    def start(self, extra=()):
        port_file = os.path.join(self.tmp, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.log_path = os.path.join(self.tmp, f"yimad-{len(self.logs)}.log")
        self.logs.append(self.log_path)
        clock = []
        if self.clock is not None:
            clock = ["--clock-today", self.clock.strftime("%Y-%m-%dT%H:%M:%S")]
        cmd = [YIMAD, "--bind", "127.0.0.1", "--port", "0", "--port-file", port_file,
               "--data", self.data, *clock, *self.flags, *extra]
        self.clock_started = time.monotonic()
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    # "PORT", then "tls PORT", "http PORT", "https PORT"
                    # for the listeners that are on.
                    lines = text.splitlines()
                    self.port = int(lines[0])
                    for line in lines[1:]:
                        kind, _, number = line.partition(" ")
                        if kind in ("tls", "http", "https"):
                            setattr(self, f"{kind}_port", int(number))
                    return
            if self.proc.poll() is not None:
                raise TestFailure(f"yimad exited with {self.proc.returncode} at start:\n"
                                  + self.output())
            time.sleep(0.01)
        raise TestFailure("yimad did not start within %ss" % START_TIMEOUT)

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stop with a signal; returns the exit status."""
        if self.proc is None:
            return None
        self.carry_clock()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            threads = thread_states(self.proc.pid)
            self.proc.kill()
            self.proc.wait()
            self.log.close()
            tail = "\n".join(self.output().splitlines()[-15:])
            raise TestFailure(f"yimad did not stop within {timeout}s; its threads then:\n"
                              f"{threads}\nthe end of its log:\n{tail}")
        self.proc = None
        self.log.close()
        self.check_sanitizers()
        return rc

    def kill9(self):
        self.carry_clock()
        self.proc.kill()
        self.proc.wait()
        self.proc = None
        self.log.close()

    def restart(self, extra=()):
        rc = self.stop()
        eq(rc, 0, "yimad exit status after SIGTERM")
        self.start(extra)

    def check_sanitizers(self):
        for path in self.logs:
            with open(path, "rb") as f:
                text = f.read().decode(errors="replace")
            for mark in SANITIZER_MARKS:
                if mark in text:
                    raise TestFailure(f"sanitizer report in {path}:\n{text[-4000:]}")

    def close(self):
        try:
            if self.proc is not None:
                self.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- clients -------------------------------------------------------
    def yima(self, *args, input=None, check_rc=None):
        """Run bin/yima against this daemon; returns (rc, stdout, stderr)."""
        p = subprocess.run([YIMA, "-p", str(self.port), *args], input=input,
                           capture_output=True, timeout=60)
        out, err = p.stdout.decode(), p.stderr.decode()
        if check_rc is not None and p.returncode != check_rc:
            raise TestFailure(f"yima {' '.join(args)}: exit {p.returncode}, want "
                              f"{check_rc}\nstdout: {out}\nstderr: {err}")
        return p.returncode, out, err

    def redis_cli(self, *args, input=None):
        p = subprocess.run(["redis-cli", "-p", str(self.port), *args], input=input,
                           capture_output=True, timeout=60)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def connect(self, timeout=10.0):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return Conn(s)

    def connect_tls(self, cafile, cert=None, key=None, timeout=10.0, session=None):
        """A TLS connection to the TLS port (server name localhost)."""
        # One context per identity, so that a session can be resumed.
        ctx = self.tls_contexts.get((cafile, cert, key))
        if ctx is None:
            ctx = ssl.create_default_context(cafile=cafile)
            if cert:
                ctx.load_cert_chain(cert, key)
            self.tls_contexts[(cafile, cert, key)] = ctx
        raw = socket.create_connection(("127.0.0.1", self.tls_port), timeout=timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s = ctx.wrap_socket(raw, server_hostname="localhost", session=session)
        return Conn(s)

    def carry_clock(self):
        """Where the next start's clock begins: where this run's clock is
        now, rounded up to the next whole second."""
        if self.clock is not None and self.clock_started is not None:
            ran = time.monotonic() - self.clock_started
            self.clock += datetime.timedelta(seconds=int(ran) + 1)
            self.clock_started = None

    def advance(self, duration):
        """Move the daemon's clock forward (CLOCK ADVANCE, e.g. 3600 or
        "2d"); returns the clock's new time as yimad reports it."""
        c = self.connect()
        try:
            r = c.call("CLOCK", "ADVANCE", str(duration))
        finally:
            c.close()
        if isinstance(r, Error):
            raise TestFailure(f"CLOCK ADVANCE {duration}: {r}")
        units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
        text = str(duration)
        secs = int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)
        self.clock += datetime.timedelta(seconds=secs)
        return r[r.index(b"time") + 1] if isinstance(r, list) else r[b"time"]

    def hup(self):
        """SIGHUP: reload certificates and the ACL file."""
        self.proc.send_signal(signal.SIGHUP)


def thread_states(pid):
    """A line a thread: name, where it sleeps, signals pending and blocked
    (/proc): what a process that does not stop is doing."""
    lines = []
    try:
        tids = sorted(os.listdir(f"/proc/{pid}/task"), key=int)
    except OSError as e:
        return f"(no threads to read: {e})"
    for tid in tids:
        base = f"/proc/{pid}/task/{tid}"
        try:
            with open(base + "/comm") as f:
                comm = f.read().strip()
            with open(base + "/wchan") as f:
                wchan = f.read().strip()
            with open(base + "/status") as f:
                sig = " ".join(line.split()[0] + line.split()[1] for line in f
                               if line.startswith(("SigPnd", "ShdPnd", "SigBlk")))
        except OSError:
            continue    # the thread ended meanwhile
        lines.append(f"  {tid} {comm} in {wchan or '-'} {sig}")
    return "\n".join(lines)


def free_port():
    """A TCP port free on 127.0.0.1 right now (for a second listener)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Conn:
    """A raw socket with a RESP reply reader."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def call(self, *args):
        self.send(encode(*args))
        return self.reply()

    def reply(self):
        while True:
            value, used = parse_reply(self.buf)
            if used:
                self.buf = self.buf[used:]
                return value
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionClosed(f"closed; unparsed: {self.buf[:200]!r}")
            self.buf += chunk

    def closed_by_peer(self, timeout=5.0):
        """True if the server closes the connection within timeout."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True

    def close(self):
        self.sock.close()


class ConnectionClosed(Exception):
    pass


class Error(str):
    """An error reply."""


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def info_value(text):
    """One INFO value: an int, a float (it has a point), a map of
    "k=v,k=v" (Redis's keyspace form), else the bytes."""
    if re.fullmatch(rb"-?[0-9]+", text):
        return int(text)
    if re.fullmatch(rb"-?[0-9]+\.[0-9]+", text):
        return float(text)
    parts = text.split(b",")
    if b"=" in text and all(re.fullmatch(rb"[a-z_0-9]+=[^=]*", p) for p in parts):
        return {k: info_value(v) for k, _, v in (p.partition(b"=") for p in parts)}
    return text


def parse_info(text):
    """INFO's reply, Redis's text ("# Section" lines, then "key:value"
    lines), as {section: {key: value}} with bytes keys: b"store"."""
    if isinstance(text, Error):
        raise TestFailure(f"INFO: {text}")
    if not isinstance(text, bytes):
        raise TestFailure(f"INFO is not a bulk string: {text!r}")
    sections, cur = {}, None
    for line in text.split(b"\r\n"):
        if line.startswith(b"# "):
            cur = sections.setdefault(line[2:].lower(), {})
        elif line:
            key, sep, value = line.partition(b":")
            if cur is None or not sep:
                raise TestFailure(f"INFO: line {line!r} is not key:value in a section")
            cur[key] = info_value(value)
    return sections


def info(conn, section=None):
    """INFO [section] on conn, parsed (parse_info); with a section, that
    section's figures."""
    r = parse_info(conn.call("INFO", section) if section else conn.call("INFO"))
    return r[section.encode()] if section else r


def parse_reply(buf, pos=0):
    """Parse one RESP2/RESP3 reply at buf[pos:]; returns (value, end) or
    (None, 0) if incomplete.  Maps become dicts, errors Error, strings
    bytes."""
    nl = buf.find(b"\r\n", pos)
    if nl < 0:
        return None, 0
    t, line, nxt = buf[pos:pos + 1], buf[pos + 1:nl], nl + 2
    if t == b"+":
        return line.decode(), nxt
    if t == b"-":
        return Error(line.decode()), nxt
    if t == b":":
        return int(line), nxt
    if t == b"_":
        return None, nxt
    if t == b"#":
        return line == b"t", nxt
    if t == b",":
        return float(line), nxt
    if t in (b"$", b"=", b"!"):
        n = int(line)
        if n < 0:
            return None, nxt
        if len(buf) < nxt + n + 2:
            return None, 0
        data = buf[nxt:nxt + n]
        if t == b"!":
            data = Error(data.decode())
        return data, nxt + n + 2
    if t in (b"*", b"~", b">", b"%"):
        n = int(line)
        if n < 0:
            return None, nxt
        count = n * 2 if t == b"%" else n
        items = []
        for _ in range(count):
            v, nxt = parse_reply(buf, nxt)
            if not nxt:
                return None, 0
            items.append(v)
        if t == b"%":
            return {items[i]: items[i + 1] for i in range(0, len(items), 2)}, nxt
        return items, nxt
    raise ValueError(f"bad reply type {t!r} in {buf[pos:pos + 50]!r}")
