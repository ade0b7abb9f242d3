"""The RESP protocol as clients see it: yima, redis-cli and raw sockets."""
import contextlib
import socket
import time

from harness import Error, Yimad, check, encode, eq, info


@contextlib.contextmanager
def daemon(*flags):
    d = Yimad(*flags)
    try:
        yield d
    finally:
        d.close()


def test_ping_from_every_client():
    with daemon() as d:
        rc, out, _ = d.yima("PING")
        eq((rc, out), (0, "PONG\n"), "yima PING")
        rc, out, _ = d.redis_cli("PING")
        eq((rc, out), (0, "PONG\n"), "redis-cli PING")
        c = d.connect()
        c.send(b"PING\r\n")                       # inline, as nc sends it
        eq(c.reply(), "PONG", "inline PING")
        c.send(b"ping   \"hello world\"\n")       # bare LF, quotes
        eq(c.reply(), b"hello world", "inline PING with a quoted argument")
        eq(c.call("PING", b"a\x00b\r\nc"), b"a\x00b\r\nc", "binary-safe argument")


def test_hello_switches_protocol():
    with daemon() as d:
        rc, out, _ = d.redis_cli("HELLO", "3")
        eq(rc, 0, "redis-cli HELLO 3 exit status")
        check("server" in out and "yima" in out and "proto" in out, out)
        c = d.connect()
        m = c.call("HELLO", "3")
        check(isinstance(m, dict), f"HELLO 3 should reply a map, got {m!r}")
        eq(m[b"proto"], 3, "proto")
        eq(m[b"server"], b"yima", "server")
        c.send(b"%s" % encode("HELLO", "3"))
        eq(c.sock.recv(1)[:1], b"%", "a RESP3 map starts with %")
        c.buf = b""
        c2 = d.connect()
        r = c2.call("HELLO", "2", "SETNAME", "scanner-7")
        check(isinstance(r, list) and r[0] == b"server", f"RESP2 HELLO: {r!r}")
        r = c2.call("HELLO", "4")
        check(isinstance(r, Error) and r.startswith("NOPROTO"), r)
        eq(c2.call("PING"), "PONG", "connection usable after NOPROTO")


def test_pipeline_of_1000_in_one_write():
    with daemon() as d:
        c = d.connect()
        reqs = []
        for i in range(1000):
            if i % 3 == 0:
                reqs.append(encode("SITE", "SET", f"s{i}", "name", f"Site {i}"))
            elif i % 3 == 1:
                reqs.append(encode("SITE", "GET", f"s{i - 1}"))  # reads its own write
            else:
                reqs.append(encode("PING", str(i)))
        c.send(b"".join(reqs))
        for i in range(1000):
            r = c.reply()
            if i % 3 == 0:
                eq(r, "OK", f"reply {i}")
            elif i % 3 == 1:
                eq(r[1], f"s{i - 1}".encode(), f"reply {i} id")
                eq(r[3], f"Site {i - 1}".encode(), f"reply {i} name")
            else:
                eq(r, str(i).encode(), f"reply {i}")


def test_request_split_at_every_byte():
    with daemon() as d:
        req = encode("SITE", "SET", "split", "name", "Split Pharmacy", "kind", "pharmacy")
        for k in range(1, len(req)):
            c = d.connect()
            c.send(req[:k])
            time.sleep(0.002)        # let the first part arrive on its own
            c.send(req[k:])
            eq(c.reply(), "OK", f"split at byte {k}")
            c.close()
        inline = b"SITE GET split\r\n"
        c = d.connect()
        for b in inline:             # dribbled one byte at a time
            c.send(bytes([b]))
            time.sleep(0.001)
        eq(c.reply()[3], b"Split Pharmacy", "inline request sent byte by byte")


def test_oversized_bulk_closes_only_that_connection():
    with daemon() as d:
        other = d.connect()
        eq(other.call("PING"), "PONG", "other client before")
        bad = d.connect()
        bad.send(b"*2\r\n$99999999999\r\n")
        r = bad.reply()
        check(isinstance(r, Error) and "Protocol error" in r and "limit" in r,
              f"oversized bulk reply: {r!r}")
        check(bad.closed_by_peer(), "connection closed after a framing error")
        eq(other.call("PING"), "PONG", "other client after")
        eq(d.connect().call("PING"), "PONG", "new client after")


def test_framing_errors_reply_then_close():
    cases = [
        b"*2\r\n+PING\r\n",            # not a bulk string
        b"*1\r\n$-5\r\n",              # negative length
        b"*x\r\n",                     # not a number
        b"*1\r\n$4\r\nPINGxx",         # no CRLF after the argument
        b'PING "unterminated\r\n',     # inline quoting
    ]
    with daemon("--max-args", "100") as d:
        for raw in cases + [b"*101\r\n"]:
            c = d.connect()
            c.send(raw)
            r = c.reply()
            check(isinstance(r, Error) and r.startswith("ERR Protocol error"),
                  f"{raw!r}: {r!r}")
            check(c.closed_by_peer(), f"{raw!r}: connection closed")


def test_errors_keep_the_connection():
    with daemon() as d:
        c = d.connect()
        r = c.call("NOSUCH", "x")
        check(isinstance(r, Error) and "unknown command 'NOSUCH'" in r, r)
        r = c.call("SITE", "GET")
        check(isinstance(r, Error) and "wrong number of arguments" in r and "SITE GET id" in r, r)
        r = c.call("SITE", "FROB", "x")
        check(isinstance(r, Error) and "unknown subcommand 'FROB'" in r, r)
        r = c.call("SITE", "SET", "s1", "kind", "shop")
        check(isinstance(r, Error) and "kind 'shop' is not one of" in r, r)
        r = c.call("INFO", "nosuch")
        check(isinstance(r, Error) and "unknown section" in r, r)
        eq(c.call("PING"), "PONG", "connection still usable")


def test_error_after_pipelined_writes_stays_in_order():
    with daemon() as d:
        c = d.connect()
        c.send(encode("SITE", "SET", "a", "name", "A") + encode("NOSUCH") +
               encode("SITE", "SET", "b", "name", "B") + b"*1\r\n+bad\r\n")
        eq(c.reply(), "OK", "first write")
        check(isinstance(c.reply(), Error), "unknown command second")
        eq(c.reply(), "OK", "second write")
        r = c.reply()
        check(isinstance(r, Error) and "Protocol error" in r, f"framing error last: {r!r}")
        check(c.closed_by_peer(), "closed after the framing error")


def test_malformed_code_list_held_behind_a_write():
    """A request naming several codes and then a bad option, pipelined
    behind a write: the connection holds it until the write is answered
    (replies leave in order), then answers ERR; yimad stays up.  It used
    to free memory the held request did not own and abort."""
    with daemon() as d:
        c = d.connect()
        c.send(encode("SITE", "SET", "M1", "name", "M", "kind", "manufacturer") +
               encode("COMMISSION", "83055550000000000001", "83055550000000000002",
                      "83055550000000000003", "SITE", "M1", "BOGUS", "x") +
               encode("PING"))
        eq(c.reply(), "OK", "the write first")
        r = c.reply()
        check(isinstance(r, Error) and r.startswith("ERR") and "BOGUS" in r, r)
        eq(c.reply(), "PONG", "then the ping")
        eq(d.connect().call("PING"), "PONG", "still serving")
        eq(d.stop(), 0, "clean exit")


def test_quit_and_half_close():
    with daemon() as d:
        c = d.connect()
        c.send(encode("PING") + encode("QUIT") + encode("PING"))
        eq(c.reply(), "PONG", "before QUIT")
        eq(c.reply(), "OK", "QUIT")
        check(c.closed_by_peer(), "closed after QUIT")
        eq(c.buf, b"", "nothing after QUIT's reply")
        # A client that sends its requests and shuts its side still gets
        # every reply, writes included.
        c = d.connect()
        c.send(encode("SITE", "SET", "h", "name", "Half") + encode("SITE", "GET", "h"))
        c.sock.shutdown(socket.SHUT_WR)
        eq(c.reply(), "OK", "write reply after half-close")
        eq(c.reply()[3], b"Half", "read reply after half-close")
        check(c.closed_by_peer(), "closed once replies are sent")


def test_max_clients_and_idle_timeout():
    with daemon("--max-clients", "3", "--timeout", "1") as d:
        held = [d.connect() for _ in range(3)]
        for c in held:
            eq(c.call("PING"), "PONG", "within max_clients")
        extra = d.connect()
        r = extra.reply()
        check(isinstance(r, Error) and "max number of clients" in r, r)
        # The idle ones are closed after the timeout (1 s; allow 10).
        for c in held:
            check(c.closed_by_peer(timeout=10), "idle connection closed")
        eq(d.connect().call("PING"), "PONG", "room again after idle ones closed")


def test_many_connections_served():
    with daemon() as d:
        conns = [d.connect() for _ in range(1000)]
        for c in conns:
            c.send(encode("PING"))
        for c in conns:
            eq(c.reply(), "PONG", "each of 1000 connections")
        connected = info(conns[0], "clients")[b"connected_clients"]
        check(connected >= 1000, f"INFO connected {connected}")
        for c in conns:
            c.close()
