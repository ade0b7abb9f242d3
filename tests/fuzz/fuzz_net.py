#!/usr/bin/env python3
"""fuzz_net — socket-level fuzzing of a running yimad (make fuzz-net).

The libFuzzer targets (tests/fuzz/fuzz_*.c) take the parsers one buffer at
a time; this takes the whole daemon over real connections: connection
setup and teardown, requests split at every byte, pipelines, flow control,
request timeouts, the writer, clients that vanish mid-request.  Meant for
the AddressSanitizer yimad.

  python3 tests/fuzz/fuzz_net.py --bin build/asan/bin [--seconds 60]
                                 [--seed N] [--connections 16]

What is sent, from a generator seeded by --seed (printed first; the
default is taken from the time):
  * valid commands, RESP multibulk or inline, over a few sites, products
    and codes of the fuzzer's own (so writes succeed too);
  * those and the seeds in tests/fuzz/seeds-resp, mutated: bits flipped,
    bytes inserted, deleted or repeated, numbers in headers replaced with
    edge values, tokens of tests/fuzz/resp.dict spliced in, truncated;
  * random bytes, and hostile framing (huge counts and lengths, deep
    nesting of lines, unbalanced quotes, NULs, over-long inline lines).
Each connection sends a few of these at once or in random pieces with
short pauses, reads what comes back or not, and ends with QUIT, a close,
a half-close or a reset.  With several connections at once, on threads.

Before the fuzzing a few records are stored under random ids the fuzzer
never uses (two sites, a product, three packs shipped, received and one
sold); afterwards yimad must be alive and answer, those records (SITE GET,
PRODUCT GET, TRACE, VERIFY) must read exactly as before, AUDIT VERIFY must
find the event chain intact, yimad must stop cleanly on SIGTERM, and its
log must hold no sanitizer report.  Exit status 0 if all of that holds, 1
if not, 2 on a usage or setup error.  Prints connections, bytes, requests
and replies (errors among them) at the end.

Every wait is bounded: connecting, each read (--io-timeout), the liveness
check during the run, the checks after it, and yimad's start and stop.
"""
import argparse
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The integration harness's RESP encoder and reply parser, and what a
# sanitizer report looks like.
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from harness import SANITIZER_MARKS, Conn, ConnectionClosed, encode, parse_reply  # noqa: E402
from harness import Error as RespError  # noqa: E402
START_TIMEOUT = 60.0
STOP_TIMEOUT = 120.0


class FuzzFailure(Exception):
    pass


# ------------------------------------------------------------------ RESP

def encode_inline(*args):
    words = []
    for a in args:
        if a == "" or any(ch in a for ch in " \t\"'\\"):
            a = '"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"'
        words.append(a)
    return (" ".join(words) + "\r\n").encode()


def client(port, timeout):
    """A connection for the setup and the checks: one request, one reply
    (harness.Conn), every read bounded by timeout."""
    return Conn(socket.create_connection(("127.0.0.1", port), timeout=timeout))


# ----------------------------------------------------------- the daemon

class Daemon:
    def __init__(self, bindir, workdir):
        self.yimad = os.path.join(bindir, "yimad")
        self.dir = workdir
        self.log_path = os.path.join(workdir, "yimad.log")
        port_file = os.path.join(workdir, "port")
        # A short request_timeout, so that connections left mid-request end
        # within the run; the system's clock, so that CLOCK ADVANCE, which
        # the fuzzer sends too, is refused and the kept records' verdicts
        # cannot change with the date.
        cmd = [self.yimad, "--bind", "127.0.0.1", "--port", "0", "--port-file", port_file,
               "--data", os.path.join(workdir, "data"), "--threads", "2",
               "--request-timeout", "2", "--timeout", "60", "--max-clients", "2000",
               "--log-level", "info"]
        self.log = open(self.log_path, "wb")
        env = dict(os.environ)
        # Leaks are reported at exit; halt at the first error so that the
        # report is there to find.
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + START_TIMEOUT
        self.port = None
        while time.monotonic() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text.splitlines()[0])
                    return
            if self.proc.poll() is not None:
                raise FuzzFailure(f"yimad exited with {self.proc.returncode} at start:\n"
                                  + self.output()[-2000:])
            time.sleep(0.05)
        self.proc.kill()
        self.proc.wait(10)
        raise FuzzFailure(f"yimad did not start within {START_TIMEOUT:g} s")

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """SIGTERM and wait; returns the exit status (None if it had to be
        killed)."""
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            return None
        finally:
            self.log.close()

    def sanitizer_report(self):
        text = self.output()
        for mark in SANITIZER_MARKS:
            i = text.find(mark)
            if i >= 0:
                return text[max(0, i - 200):i + 3000]
        return None


# ------------------------------------------------------ kept records

def setup_kept(port, rng, timeout):
    """Store records under ids the fuzzer never uses; returns the requests
    that read them back."""
    tag = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))
    mfr, ph = f"KM{tag}", f"KP{tag}"
    product = "89" + "".join(rng.choice("0123456789") for _ in range(5))
    codes = [product + "".join(rng.choice("0123456789") for _ in range(13)) for _ in range(3)]
    expiry = time.strftime("%Y-12-31", time.gmtime(time.time() + 5 * 366 * 86400))
    setup = [
        ("SITE", "SET", mfr, "name", f"Kept maker {tag}", "kind", "manufacturer"),
        ("SITE", "SET", ph, "name", f"Kept pharmacy {tag}", "kind", "pharmacy"),
        ("PRODUCT", "SET", product, "name", f"Kept product {tag}", "units_per_pack", "1",
         "kind", "drug"),
        ("COMMISSION", *codes, "SITE", mfr, "LOT", f"L{tag}", "EXPIRY", expiry),
        ("SHIP", *codes, "FROM", mfr, "TO", ph, "REF", f"DN-{tag}"),
        ("RECEIVE", *codes, "SITE", ph),
        ("DISPENSE", codes[0], "SITE", ph, "TX", f"T-{tag}"),
    ]
    c = client(port, timeout)
    try:
        for req in setup:
            r = c.call(*req)
            if isinstance(r, RespError):
                raise FuzzFailure(f"setup {' '.join(req[:2])}: {r}")
    finally:
        c.close()
    reads = [("SITE", "GET", mfr), ("SITE", "GET", ph), ("PRODUCT", "GET", product)]
    for code in codes:
        reads += [("TRACE", code), ("VERIFY", code, "SITE", ph)]
    return reads


def read_kept(port, reads, timeout):
    c = client(port, timeout)
    try:
        return [c.call(*r) for r in reads]
    finally:
        c.close()


# ----------------------------------------------------------- generators

def load_seeds():
    seeds = []
    d = os.path.join(HERE, "seeds-resp")
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            seeds.append(f.read())
    return seeds


def load_dict():
    """The byte strings of tests/fuzz/resp.dict (name="value" lines)."""
    tokens = []
    with open(os.path.join(HERE, "resp.dict"), "rb") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(b"#") or b'="' not in line:
                continue
            value = line.split(b'="', 1)[1].rsplit(b'"', 1)[0]
            tokens.append(value.decode("unicode_escape").encode("latin-1"))
    return tokens


class Generator:
    """Request bytes for one connection, from one seeded Random."""

    SITES = ["FM1", "FM2", "FD1", "FP1", "FP2", "FH1", "NOPE"]
    KINDS = ["manufacturer", "distributor", "pharmacy", "hospital", "regulator", "x"]
    PRODUCTS = ["8301234", "8305678", "0690123", "06901234567892"]
    EDGE = [b"0", b"-1", b"-2", b"1", b"2147483647", b"2147483648", b"4294967296",
            b"99999999999", b"18446744073709551616", b"1048577", b"67108865", b"",
            b"+1", b" 1", b"1x", b"0x10", b"00000000000000000001"]

    def __init__(self, rng, seeds, tokens):
        self.rng = rng
        self.seeds = seeds
        self.tokens = tokens

    def code(self):
        r = self.rng
        k = r.randrange(6)
        if k < 3:
            return r.choice(self.PRODUCTS[:2]) + "".join(r.choice("0123456789")
                                                         for _ in range(13))
        if k == 3:
            return f"(01)06901234567892(17)2912{r.randrange(10, 29)}(10)A{r.randrange(9)}" \
                   f"(21)S{r.randrange(1000)}"
        if k == 4:
            return "".join(r.choice("0123456789") for _ in range(r.randrange(1, 30)))
        return self.word()

    def word(self):
        r = self.rng
        alphabet = "ABCXYZabc0189 _-.:/()\"'\\\t\x00\x1b\u00e9\u4e2d"
        return "".join(r.choice(alphabet) for _ in range(r.randrange(0, 24)))

    def date(self):
        r = self.rng
        return r.choice([f"20{r.randrange(20, 40)}-{r.randrange(1, 13):02d}-"
                         f"{r.randrange(1, 29):02d}", "2027-02-30", "yesterday", ""])

    def command(self):
        """A command as a tuple of words, valid more often than not."""
        r = self.rng
        s = lambda: r.choice(self.SITES)   # noqa: E731
        codes = lambda: [self.code() for _ in range(r.randrange(1, 4))]   # noqa: E731
        k = r.randrange(26)
        if k == 0:
            return ("PING",) if r.random() < 0.5 else ("PING", self.word())
        if k == 1:
            return ("ECHO", self.word() * r.randrange(1, 50))
        if k == 2:
            return ("HELLO", r.choice(["2", "3", "4", "x"]), *(["SETNAME", self.word()]
                                                               if r.random() < 0.3 else []))
        if k == 3:
            return ("INFO", r.choice(["server", "clients", "store", "writer", "memory",
                                      "audit", "x"]))
        if k == 4:
            return ("SITE", "SET", s(), "name", self.word() or "n", "kind", r.choice(self.KINDS),
                    *(["gln", r.choice(["0614141000005", "1234"])] if r.random() < 0.3 else []))
        if k == 5:
            return ("SITE", "GET", s())
        if k == 6:
            return ("PRODUCT", "SET", r.choice(self.PRODUCTS), "name", self.word() or "p",
                    "units_per_pack", str(r.choice([1, 2, 10, 0, -1])),
                    "kind", r.choice(["drug", "device", "x"]))
        if k == 7:
            return ("PRODUCT", "GET", r.choice(self.PRODUCTS))
        if k == 8:
            return ("COMMISSION", *codes(), "SITE", s(), "LOT", f"L{r.randrange(5)}",
                    "EXPIRY", self.date(), *(["LEVEL", str(r.randrange(0, 6))]
                                             if r.random() < 0.2 else []))
        if k == 9:
            return ("PACK", self.code(), *codes(), "SITE", s())
        if k == 10:
            return ("UNPACK", self.code(), "SITE", s())
        if k == 11:
            return ("SHIP", *codes(), "FROM", s(), "TO", s(), "REF", self.word() or "r")
        if k == 12:
            return ("RECEIVE", *codes(), "SITE", s())
        if k == 13:
            return ("RETURN", *codes(), "FROM", s(), "TO", s())
        if k == 14:
            return ("DESTROY", *codes(), "SITE", s())
        if k == 15:
            return ("VERIFY", self.code(), *(["SITE", s()] if r.random() < 0.5 else []))
        if k == 16:
            return ("DISPENSE", self.code(), "SITE", s(), "TX", f"T{r.randrange(50)}",
                    *(["QTY", str(r.randrange(-1, 3))] if r.random() < 0.2 else []))
        if k == 17:
            return ("UNDO", self.code(), "SITE", s(), "TX", f"T{r.randrange(50)}")
        if k == 18:
            return ("TRACE", self.code())
        if k == 19:
            return ("ALERTS", *(["SITE", s()] if r.random() < 0.5 else []))
        if k == 20:
            return ("RECALL", r.choice(self.PRODUCTS), "LOT", f"L{r.randrange(5)}",
                    "LEVEL", str(r.randrange(0, 5)), "REASON", self.word() or "x")[:7]
        if k == 21:
            return ("IMPACT", r.choice(self.PRODUCTS), *([f"L{r.randrange(5)}"]
                                                         if r.random() < 0.5 else []))
        if k == 22:
            records = [" ".join(self.command()) for _ in range(r.randrange(1, 6))]
            return ("EVENTS", *(["BATCH", f"B{r.randrange(20)}"] if r.random() < 0.5 else []),
                    *(["SKIPBAD"] if r.random() < 0.5 else []), *records)
        if k == 23:
            return ("AUDIT", "VERIFY")
        if k == 24:
            return ("CLOCK", *(["ADVANCE", r.choice(["1d", "90", "x"])]
                               if r.random() < 0.5 else []))
        return (r.choice(["AUTH", "LOCK", "UNLOCK", "WITHDRAW", "LIFT", "RECALL.ACK",
                          "CODES", "NOSUCH", "QUIT"]), *[self.word() for _ in
                                                          range(r.randrange(0, 4))])

    def valid(self):
        cmd = self.command()
        if cmd[0] == "QUIT":   # ends the connection early; keep it rare
            cmd = ("PING",)
        if self.rng.random() < 0.25:
            return encode_inline(*cmd)
        return encode(*cmd)

    def mutate(self, data):
        r = self.rng
        b = bytearray(data)
        for _ in range(r.randrange(1, 6)):
            k = r.randrange(9)
            if k == 0 and b:
                i = r.randrange(len(b))
                b[i] ^= 1 << r.randrange(8)
            elif k == 1:
                i = r.randrange(len(b) + 1)
                b[i:i] = bytes(r.randrange(256) for _ in range(r.randrange(1, 8)))
            elif k == 2 and b:
                i = r.randrange(len(b))
                del b[i:i + r.randrange(1, 8)]
            elif k == 3 and b:
                i = r.randrange(len(b))
                j = min(len(b), i + r.randrange(1, 64))
                b[i:i] = b[i:j] * r.randrange(1, 20)
            elif k == 4:
                # A number after * or $ replaced with an edge value.
                marks = [i for i, ch in enumerate(b) if ch in (0x2a, 0x24)]
                if marks:
                    i = r.choice(marks) + 1
                    j = i
                    while j < len(b) and (0x30 <= b[j] <= 0x39 or b[j] == 0x2d):
                        j += 1
                    b[i:j] = r.choice(self.EDGE)
            elif k == 5:
                i = r.randrange(len(b) + 1)
                b[i:i] = r.choice(self.tokens)
            elif k == 6 and b:
                del b[r.randrange(len(b)):]
            elif k == 7:
                i = r.randrange(len(b) + 1)
                b[i:i] = self.valid()
            elif k == 8 and b:
                crlf = [i for i in range(len(b) - 1) if b[i] == 13 and b[i + 1] == 10]
                if crlf:
                    i = r.choice(crlf)
                    b[i:i + 2] = r.choice([b"\n", b"\r", b"", b"\r\r\n", b"\n\r"])
        return bytes(b)

    def hostile(self):
        r = self.rng
        k = r.randrange(10)
        if k == 0:
            return b"*%d\r\n" % r.choice([1048577, 2 ** 31, 2 ** 63, -5, 3]) + b"$4\r\nPING\r\n"
        if k == 1:
            return b"*1\r\n$%s\r\n" % r.choice(self.EDGE) + b"x" * r.randrange(0, 100)
        if k == 2:
            return b"*" * r.randrange(1, 5000) + b"\r\n"
        if k == 3:
            return b"PING " + b"a" * r.choice([100, 70000, 200000]) + b"\r\n"
        if k == 4:
            return r.choice([b'ECHO "unbalanced\r\n', b"ECHO 'x\r\n", b'ECHO "a"b\r\n',
                             b'ECHO "\\x4"\r\n', b'ECHO "\\xZZ"\r\n'])
        if k == 5:
            return b"\x00" * r.randrange(1, 100) + b"\r\n"
        if k == 6:
            return b"*2\r\n$4\r\nECHO\r\n$1000000\r\n" + b"y" * r.randrange(0, 5000)
        if k == 7:
            return b"\r\n" * r.randrange(1, 2000)
        if k == 8:
            return b"*0\r\n*-1\r\n" * r.randrange(1, 200)
        return bytes(r.randrange(256) for _ in range(r.randrange(1, 2000)))

    def unit(self):
        """One piece of input and how many requests it holds (roughly: a
        mutated or random piece counts as one)."""
        r = self.rng
        k = r.random()
        if k < 0.4:
            n = r.randrange(1, 20)
            return b"".join(self.valid() for _ in range(n)), n
        if k < 0.75:
            base = r.choice(self.seeds) if r.random() < 0.4 else self.valid()
            return self.mutate(base), 1
        if k < 0.9:
            return self.hostile(), 1
        return bytes(r.randrange(256) for _ in range(r.randrange(1, 300))), 1


# ------------------------------------------------------------ the run

class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.connections = 0
        self.refused = 0        # connect() failed
        self.bytes_sent = 0
        self.bytes_received = 0
        self.requests = 0
        self.replies = 0
        self.errors = 0         # error replies
        self.closed_by_server = 0

    def add(self, **kw):
        with self.lock:
            for k, v in kw.items():
                setattr(self, k, getattr(self, k) + v)


def count_replies(buf):
    """(replies, errors) complete in buf; stops at the first unparsable
    byte (a reply cut by the close)."""
    pos = replies = errors = 0
    while pos < len(buf):
        try:
            value, end = parse_reply(buf, pos)
        except (ValueError, IndexError, TypeError):
            break
        if not end:
            break
        replies += 1
        errors += isinstance(value, RespError)
        pos = end
    return replies, errors


def session(port, gen, counts, io_timeout):
    r = gen.rng
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=io_timeout)
    except OSError:
        counts.add(refused=1)
        return
    counts.add(connections=1)
    received = bytearray()
    sent = requests = 0
    closed = False
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(io_timeout)
        units = [gen.unit() for _ in range(r.randrange(1, 8))]
        data = b"".join(u for u, _ in units)
        requests = sum(n for _, n in units)
        mode = r.randrange(4)
        if mode == 0:           # all at once
            pieces = [data]
        else:                   # in pieces, some of a byte
            pieces, i = [], 0
            while i < len(data):
                n = 1 if mode == 1 and r.random() < 0.3 else r.randrange(1, 4096)
                pieces.append(data[i:i + n])
                i += n
        for piece in pieces:
            s.sendall(piece)
            sent += len(piece)
            if mode != 0 and r.random() < 0.05:
                time.sleep(r.random() * 0.01)
            if r.random() < 0.1:
                closed = drain(s, received, 0.0) or closed
                if closed:
                    break
        end = r.randrange(5)
        if end == 0:            # read everything that comes, briefly
            drain(s, received, 0.3)
        elif end == 1:
            s.sendall(encode("QUIT"))
            drain(s, received, 0.3)
        elif end == 2:          # half-close: replies still come
            s.shutdown(socket.SHUT_WR)
            drain(s, received, 0.5)
        elif end == 3:          # reset
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # end == 4: close without reading anything more
    except socket.timeout:
        pass
    except OSError:             # reset, broken pipe, not connected: yimad closed it
        closed = True
    finally:
        s.close()
    replies, errors = count_replies(bytes(received))
    counts.add(bytes_sent=sent, bytes_received=len(received), requests=requests,
               replies=replies, errors=errors, closed_by_server=int(closed))


def drain(s, received, seconds):
    """Read what is there (for up to `seconds`); True if the server
    closed the connection."""
    end = time.monotonic() + seconds
    try:
        while True:
            s.settimeout(max(0.001, end - time.monotonic()) if seconds else 0.001)
            chunk = s.recv(65536)
            if not chunk:
                return True
            if len(received) < (1 << 20):   # enough to count replies
                received += chunk
            if time.monotonic() >= end:
                return False
    except socket.timeout:
        return False
    except BlockingIOError:
        return False


def worker(index, port, seed, seeds, tokens, counts, stop_at, io_timeout, failures):
    rng = random.Random(seed * 1000003 + index)
    gen = Generator(rng, seeds, tokens)
    try:
        while time.monotonic() < stop_at:
            session(port, gen, counts, io_timeout)
    except Exception as e:      # a bug in the fuzzer itself
        failures.append(f"fuzz thread {index}: {type(e).__name__}: {e}")


def check_alive(daemon, timeout):
    """A PING on a new connection, answered within timeout."""
    if not daemon.alive():
        raise FuzzFailure(f"yimad exited with {daemon.proc.returncode}")
    c = client(daemon.port, timeout)
    try:
        r = c.call("PING")
    finally:
        c.close()
    if r != "PONG":
        raise FuzzFailure(f"PING answered {r!r}")


def run(args):
    seed = args.seed if args.seed is not None else time.time_ns() % 1_000_000_007
    print(f"fuzz-net: seed {seed} (repeat with --seed {seed} / FUZZ_NET_SEED={seed}), "
          f"{args.seconds:g} s, {args.connections} connections at once", flush=True)
    workdir = tempfile.mkdtemp(prefix="yima-fuzz-net-")
    daemon = None
    ok = False
    try:
        daemon = Daemon(args.bin, workdir)
        rng = random.Random(seed)
        reads = setup_kept(daemon.port, rng, args.io_timeout)
        before = read_kept(daemon.port, reads, args.io_timeout)

        seeds, tokens = load_seeds(), load_dict()
        counts = Counts()
        failures = []
        stop_at = time.monotonic() + args.seconds
        threads = [threading.Thread(target=worker, name=f"fuzz-{i}", daemon=True,
                                    args=(i, daemon.port, seed, seeds, tokens, counts,
                                          stop_at, args.io_timeout, failures))
                   for i in range(args.connections)]
        for t in threads:
            t.start()
        next_check = time.monotonic() + 10
        last_report = time.monotonic()
        while any(t.is_alive() for t in threads):
            time.sleep(0.5)
            now = time.monotonic()
            if now >= next_check and now < stop_at:
                check_alive(daemon, 30)
                next_check = now + 10
            if now - last_report >= 60:
                last_report = now
                print(f"  {now - (stop_at - args.seconds):.0f} s: {counts.connections} "
                      f"connections, {counts.bytes_sent} bytes, {counts.requests} requests",
                      flush=True)
            if now > stop_at + 60:
                raise FuzzFailure("fuzz threads did not finish 60 s after the end")
        if failures:
            raise FuzzFailure("; ".join(failures))

        print(f"fuzz-net: {counts.connections} connections ({counts.refused} refused, "
              f"{counts.closed_by_server} closed by yimad), {counts.bytes_sent} bytes sent, "
              f"{counts.bytes_received} received, {counts.requests} requests, "
              f"{counts.replies} replies read of which {counts.errors} errors", flush=True)

        check_alive(daemon, 30)
        after = read_kept(daemon.port, reads, args.io_timeout)
        for req, a, b in zip(reads, before, after):
            if a != b:
                raise FuzzFailure(f"kept record changed: {' '.join(req)}:\n  before "
                                  f"{a!r}\n  after  {b!r}")
        c = client(daemon.port, args.io_timeout)
        try:
            audit = c.call("AUDIT", "VERIFY")
        finally:
            c.close()
        intact = audit.get(b"ok") if isinstance(audit, dict) else \
            (isinstance(audit, list) and b"ok" in audit and audit[audit.index(b"ok") + 1])
        if not intact:
            raise FuzzFailure(f"AUDIT VERIFY: {audit!r}")
        print(f"fuzz-net: yimad alive, {len(reads)} kept records unchanged, audit chain "
              "intact", flush=True)
        rc = daemon.stop()
        if rc != 0:
            raise FuzzFailure(f"yimad exit status {rc} after SIGTERM")
        report = daemon.sanitizer_report()
        if report:
            raise FuzzFailure(f"sanitizer report in {daemon.log_path}:\n{report}")
        print("fuzz-net: clean stop, no sanitizer report", flush=True)
        ok = True
    except (FuzzFailure, ConnectionClosed, OSError) as e:
        # OSError: a check's connection refused, reset or timed out.
        print(f"fuzz-net: FAILED (seed {seed}): {type(e).__name__}: {e}", flush=True)
        if daemon is not None:
            report = daemon.sanitizer_report()
            if report:
                print(report)
    finally:
        if daemon is not None and daemon.alive():
            daemon.stop()
        if ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"fuzz-net: yimad's data and log kept in {workdir}")
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", required=True, help="directory of the yimad to fuzz")
    p.add_argument("--seconds", type=float,
                   default=float(os.environ.get("FUZZ_NET_SECONDS") or 60))
    p.add_argument("--seed", type=int,
                   default=int(os.environ["FUZZ_NET_SEED"]) if os.environ.get("FUZZ_NET_SEED")
                   else None)
    p.add_argument("--connections", type=int, default=16, help="connections at once")
    p.add_argument("--io-timeout", type=float, default=10.0,
                   help="bound on each connect and read, in seconds")
    p.add_argument("--keep", action="store_true", help="keep yimad's data and log")
    args = p.parse_args()
    if args.seconds <= 0 or args.connections < 1:
        p.error("--seconds must be positive and --connections at least 1")
    if not os.access(os.path.join(args.bin, "yimad"), os.X_OK):
        print(f"fuzz-net: no yimad in {args.bin} (build it first)", file=sys.stderr)
        return 2
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
