"""Limits: AUTH brute force throttled, request rate per principal, slow
requests and handshakes cut off, connections per address, the request size
before authentication."""
import os
import re
import socket
import tempfile
import time

from harness import ConnectionClosed, Error, Yimad, check, encode, eq
from secutil import certs, refused, setup_sites, tls_flags, token_line


def with_acl(*flags):
    tmp = tempfile.mkdtemp(prefix="yima-lim-")
    path = os.path.join(tmp, "acl")
    with open(path, "w") as f:
        f.write(token_line("reg", "regulator", "-", "right-token"))
        for i in range(1, 4):
            f.write(token_line(f"till-{i}", "regulator", "-", f"till-token-{i}"))
    return Yimad("--acl-file", path, *flags)


def lockout_wait(reply):
    """The N of a lockout refusal's 'try again in N s'."""
    m = re.search(r"try again in (\d+) s", reply)
    check(m is not None, f"no 'try again in N s' in {reply!r}")
    return int(m.group(1))


def test_auth_brute_force_throttled():
    """The lockout is paced by yimad's clock: moving the clock past it ends
    it (a real wait of 60 s would be needed otherwise)."""
    d = with_acl("--auth-max-failures", "3", "--auth-lockout", "60s")
    try:
        c = d.connect()
        for i in range(3):
            r = refused(c.call("AUTH", f"guess-{i}"), "WRONGPASS", f"guess {i}")
            check("invalid token" in r, r)
        # Locked out: even the right token, on a new connection too.
        for conn in (c, d.connect()):
            r = refused(conn.call("AUTH", "right-token"), "WRONGPASS", "locked out")
            check("too many failed sign-ins" in r, r)
            wait = lockout_wait(r)
            check(50 <= wait <= 60, f"lockout of 60 s, {wait} s left: {r}")
        # Half of it later, still locked, with half as long to wait.
        d.advance("30s")
        r = refused(d.connect().call("AUTH", "right-token"), "WRONGPASS", "30 s later")
        wait = lockout_wait(r)
        check(20 <= wait <= 30, f"30 s into a lockout of 60 s, {wait} s left: {r}")
        # Past its end: the right token signs in again.
        d.advance("31s")
        eq(d.connect().call("AUTH", "right-token"), "OK", "right token after the lockout")
    finally:
        d.close()
    # A success forgives no failure: the third wrong token after a good
    # one still locks the address out, for every token that has not
    # signed in from it.
    d = with_acl("--auth-max-failures", "3")
    try:
        c = d.connect()
        for i in range(2):
            refused(c.call("AUTH", f"guess-{i}"), "WRONGPASS", "guess")
        eq(c.call("AUTH", "right-token"), "OK", "right token")
        r = refused(c.call("AUTH", "guess-2"), "WRONGPASS", "third guess")
        check("invalid token" in r, r)
        r = refused(c.call("AUTH", "till-token-1"), "WRONGPASS", "locked out after three")
        check("too many failed sign-ins" in r, r)
    finally:
        d.close()


def test_lockout_spares_the_other_tills_behind_one_address():
    """Issue 20 item 9: every till of a pharmacy chain comes from one NAT
    address.  With the defaults, five bad tokens lock nobody out: a good
    token new to the address still signs in.  A stale token retried is one
    mistake, not one per retry.  Guessing stays bounded: at twenty distinct
    wrong tokens within a minute tokens new to the address wait until the
    lockout ends, while the tokens that have signed in from it (the tills
    at work) and client certificates are never refused."""
    d = with_acl(*tls_flags("optional"))
    try:
        setup_sites(d)
        eq(d.connect().call("AUTH", "till-token-1"), "OK", "till 1 signs in")
        # Till 3's stale token, retried all morning: one failure.
        stale = d.connect()
        for _ in range(10):
            r = refused(stale.call("AUTH", "stale-token"), "WRONGPASS", "stale token")
            check("invalid token" in r, f"a retried token is tried, not locked out: {r}")
        # Four more wrong tokens: five, and a good token new to the address
        # (till 2, switched on now) signs in all the same.
        guesser = d.connect()
        for i in range(4):
            r = refused(guesser.call("AUTH", f"guess-{i}"), "WRONGPASS", f"guess {i}")
            check("invalid token" in r, r)
        eq(d.connect().call("AUTH", "till-token-2"), "OK", "a new till after five bad tokens")
        # Twenty distinct wrong tokens: guessing.  Tokens new to the address
        # wait; the tills that signed in from it do not.
        for i in range(4, 19):
            r = refused(guesser.call("AUTH", f"guess-{i}"), "WRONGPASS", f"guess {i}")
            check("invalid token" in r, f"the {i + 2}th wrong token is still tried: {r}")
        r = refused(guesser.call("AUTH", "guess-19"), "WRONGPASS", "the 21st wrong token")
        check("too many failed sign-ins" in r, f"locked out after twenty: {r}")
        r = refused(d.connect().call("AUTH", "till-token-3"), "WRONGPASS", "a new till now")
        check("too many failed sign-ins" in r and lockout_wait(r) > 0, r)
        # However many more guesses, the tills at work keep signing in.
        for i in range(20, 60):
            refused(guesser.call("AUTH", f"guess-{i}"), "WRONGPASS", f"guess {i}")
        for i in (1, 2):
            eq(d.connect().call("AUTH", f"till-token-{i}"), "OK", f"till {i} during the lockout")
        cert = d.connect_tls(certs()["ca"], *certs()["PH1"])
        r = cert.call("VERIFY", "83012340000000000001", "SITE", "PH1")
        check(isinstance(r, list) and b"verdict" in r, f"PH1's certificate: {r!r}")
        d.advance("61s")
        eq(d.connect().call("AUTH", "till-token-3"), "OK", "till 3 once the lockout is over")
    finally:
        d.close()


def test_request_rate_per_principal():
    """The rate limit is paced by yimad's clock: at one request a second,
    ten tokens come back only when the clock moves (a real wait of 10 s
    would be needed otherwise)."""
    d = with_acl("--rate-limit", "1", "--rate-burst", "10")
    try:
        a, b = d.connect(), d.connect()
        eq(a.call("AUTH", "right-token"), "OK", "AUTH a")
        eq(b.call("AUTH", "right-token"), "OK", "AUTH b")

        def burst(n):
            """n requests at once over two connections of one principal;
            returns how many were served."""
            a.send(encode("PING") * (n - n // 2))
            b.send(encode("PING") * (n // 2))
            replies = [a.reply() for _ in range(n - n // 2)] + \
                      [b.reply() for _ in range(n // 2)]
            limited = [r for r in replies if isinstance(r, Error)]
            check(all(r.startswith("RATELIMIT more than 1 requests a second (burst 10) "
                                   "from reg") for r in limited), limited[:2])
            check(all(r == "PONG" for r in replies if not isinstance(r, Error)), replies)
            return len(replies) - len(limited)

        eq(burst(30), 10, "the burst passes, the rest is refused")
        check(isinstance(a.call("PING"), Error), "refused right after the burst")
        d.advance("1s")
        eq(a.call("PING"), "PONG", "a second later by the clock: one token back")
        check(isinstance(b.call("PING"), Error), "and only one")
        d.advance("1h")
        eq(burst(30), 10, "an hour later by the clock: the whole burst again")
        # The local principal is not limited.
        c = d.connect()
        c.send(encode("PING") * 50)
        eq([c.reply() for _ in range(50)], ["PONG"] * 50, "local: no limit")
    finally:
        d.close()


def closed_within(sock, seconds):
    sock.settimeout(seconds)
    data = b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return True, data
            data += chunk
    except socket.timeout:
        return False, data
    except ConnectionResetError:
        return True, data


def test_slow_client_cut_off():
    d = Yimad("--request-timeout", "1")
    try:
        # Dribbling a request a byte at a time does not keep it alive.
        s = socket.create_connection(("127.0.0.1", d.port))
        t0 = time.monotonic()
        cut = False
        for byte in b"*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n":
            try:
                s.send(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                cut = True
                break
            time.sleep(0.2)
            if time.monotonic() - t0 > 3:
                break
        closed, data = closed_within(s, 3)
        check(cut or closed, "a dribbling client was not cut off")
        check(time.monotonic() - t0 < 5, "cut off late")
        check(b"request not complete within 1 s" in data or cut, data)
        check("request not complete within 1 s" in d.output(), d.output()[-500:])
        # A quiet client between requests is left alone (that is `timeout`).
        c = d.connect()
        eq(c.call("PING"), "PONG", "first")
        time.sleep(1.5)
        eq(c.call("PING"), "PONG", "idle between requests is fine")
    finally:
        d.close()


def test_tls_handshake_must_finish_in_time():
    d = Yimad(*tls_flags("optional", request_timeout=1))
    try:
        s = socket.create_connection(("127.0.0.1", d.tls_port))
        s.send(b"\x16\x03")     # the start of a ClientHello, and no more
        closed, _ = closed_within(s, 4)
        check(closed, "a stalled handshake was not closed")
        check("TLS handshake not complete within 1 s" in d.output(), d.output()[-500:])
    finally:
        d.close()


def test_connections_per_address():
    d = Yimad("--local-trust", "no", "--max-clients-per-addr", "2")
    try:
        a, b = d.connect(), d.connect()
        eq(a.call("PING"), "PONG", "first")
        eq(b.call("PING"), "PONG", "second")
        r = d.connect().reply()
        check(isinstance(r, Error) and "max number of clients from your address" in r, r)
        b.close()
        for _ in range(100):    # the close is seen by the server shortly
            c = d.connect()
            try:
                if c.call("PING") == "PONG":
                    break
            except ConnectionClosed:
                pass
            time.sleep(0.02)
        else:
            raise AssertionError("no room after a connection closed")
    finally:
        d.close()
    # Trusted local clients are not counted.
    d = Yimad("--max-clients-per-addr", "2")
    try:
        conns = [d.connect() for _ in range(5)]
        eq([c.call("PING") for c in conns], ["PONG"] * 5, "local clients")
    finally:
        d.close()


def test_request_size_before_authentication():
    d = with_acl("--local-trust", "no", "--unauth-max-request", "1KiB")
    try:
        c = d.connect()
        c.send(encode("ECHO", "x" * 4000))
        r = c.reply()
        check(isinstance(r, Error) and r.startswith("ERR Protocol error"), r)
        check(c.closed_by_peer(), "closed after the protocol error")
        c = d.connect()
        eq(c.call("AUTH", "right-token"), "OK", "AUTH")
        eq(c.call("ECHO", "x" * 4000), b"x" * 4000, "big request once signed in")
    finally:
        d.close()
