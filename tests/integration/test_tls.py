"""TLS: handshakes with good, expired, wrong-CA and missing client
certificates; old protocol versions refused; the yima client over TLS;
certificates reloaded on SIGHUP without dropping connections; session
resumption on and off."""
import os
import shutil
import ssl
import subprocess
import time

from harness import ConnectionClosed, Yimad, check, day, eq
from secutil import GEN, PRODUCT, certs, refused, setup_sites, tls_flags

CODE = "83012340000000000001"
EXPIRY = day(730)      # two years after the pinned day


def handshake_refused(d, cert, what):
    """The server refuses this client certificate: the handshake, or the
    first request after it (TLS 1.3 checks the client's certificate after
    the client thinks it is done), fails."""
    c = certs()
    try:
        conn = d.connect_tls(c["ca"], *(cert or (None, None)))
        conn.call("PING")
    except (ssl.SSLError, ConnectionClosed, ConnectionResetError, BrokenPipeError):
        return
    raise AssertionError(f"{what}: the server accepted the connection")


def wait_log(d, text, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in d.output():
            return
        time.sleep(0.02)
    raise AssertionError(f"log has no {text!r}:\n{d.output()[-2000:]}")


def test_good_client_certificate_signs_in_as_its_site():
    c = certs()
    d = Yimad(*tls_flags("required"))
    try:
        setup_sites(d)
        conn = d.connect_tls(c["ca"], *c["PH1"])
        eq(conn.call("PING"), "PONG", "PING over TLS")
        r = conn.call("VERIFY", CODE, "SITE", "PH1")
        check(isinstance(r, list) and b"verdict" in r, f"VERIFY as PH1: {r!r}")
        refused(conn.call("VERIFY", CODE, "SITE", "PH2"), "NOPERM", "VERIFY as PH2")
        r = refused(conn.call("RECALL", PRODUCT, "L1", "LEVEL", "1", "REASON", "x"),
                    "NOPERM", "RECALL by a pharmacy")
        check("pharmacy 'PH1'" in r, r)
        wait_log(d, "signed in as pharmacy 'PH1' of site PH1")
    finally:
        d.close()


def test_certificate_that_names_no_site_says_why():
    """Issue 20 item 10: a verified certificate whose name is no site and
    no ACL entry does not sign in, and the client is told why on the
    first command that needs signing in, not only the server's log."""
    c = certs()
    d = Yimad(*tls_flags("optional"))
    try:
        setup_sites(d)
        conn = d.connect_tls(c["ca"], *c["ops"])
        eq(conn.call("PING"), "PONG", "PING needs no sign-in")
        r = refused(conn.call("VERIFY", CODE, "SITE", "PH1"), "NOAUTH", "VERIFY as 'ops'")
        check("your client certificate did not sign you in: no ACL entry or site for "
              "certificate name 'ops'" in r, r)
        # A connection without a certificate is told only how to sign in.
        r = refused(d.connect_tls(c["ca"]).call("VERIFY", CODE, "SITE", "PH1"), "NOAUTH",
                    "no certificate")
        check("certificate did not sign you in" not in r, r)
    finally:
        d.close()


def test_expired_client_certificate_refused():
    c = certs()
    d = Yimad(*tls_flags("required"))
    try:
        handshake_refused(d, c["expired"], "expired certificate")
        wait_log(d, "client certificate: certificate has expired")
    finally:
        d.close()


def test_client_certificate_from_another_ca_refused():
    c = certs()
    d = Yimad(*tls_flags("optional"))
    try:
        handshake_refused(d, c["other"], "certificate of another CA")
        wait_log(d, "client certificate: unable to get local issuer certificate")
    finally:
        d.close()


def test_missing_client_certificate():
    c = certs()
    d = Yimad(*tls_flags("required"))
    try:
        handshake_refused(d, None, "no certificate, required")
        wait_log(d, "did not return a certificate")
    finally:
        d.close()
    # optional: the client gets in, unauthenticated.
    d = Yimad(*tls_flags("optional"))
    try:
        conn = d.connect_tls(c["ca"])
        eq(conn.call("PING"), "PONG", "PING without a certificate")
        refused(conn.call("VERIFY", CODE), "NOAUTH", "VERIFY unauthenticated")
    finally:
        d.close()


def s_client(d, *args):
    c = certs()
    p = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{d.tls_port}",
                        "-CAfile", c["ca"], "-cert", c["PH1"][0], "-key", c["PH1"][1],
                        "-ign_eof", *args], input=b"PING\r\nQUIT\r\n",
                       capture_output=True, timeout=20)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


def test_tls_1_0_and_1_1_refused():
    d = Yimad(*tls_flags("optional"))
    try:
        for version in ("-tls1", "-tls1_1"):
            # SECLEVEL=0: the client itself would not offer these otherwise.
            rc, out = s_client(d, version, "-cipher", "DEFAULT@SECLEVEL=0")
            check(rc != 0, f"{version}: s_client succeeded:\n{out}")
            check("alert protocol version" in out or "unsupported protocol" in out,
                  f"{version}: not refused for its version:\n{out}")
        for version, name in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
            rc, out = s_client(d, version)
            check(f"Protocol  : {name}" in out or f"New, {name}" in out,
                  f"{version} not negotiated:\n{out}")
            check("+PONG" in out, f"{version}: no PONG:\n{out}")
    finally:
        d.close()


def test_yima_client_over_tls():
    c = certs()
    d = Yimad(*tls_flags("required"))
    try:
        setup_sites(d).call("COMMISSION", CODE, "SITE", "MFR", "LOT", "L1",
                            "EXPIRY", EXPIRY)
        base = ["-p", str(d.tls_port), "--tls", "--cacert", c["ca"]]
        rc, out, err = d.yima(*base[2:], "--cert", c["PH1"][0], "--key", c["PH1"][1],
                              "-p", str(d.tls_port), "verify", CODE, "--site", "PH1")
        eq(rc, 3, f"verify over TLS (amber: not received here): {out} {err}")
        rc, out, err = d.yima("-p", str(d.tls_port), "--tls", "--cacert",
                              c["other_dir"] + "/ca.crt", "PING")
        eq(rc, 2, "untrusted server certificate")
        check("not trusted" in err, err)
        rc, out, err = d.yima("-p", str(d.tls_port), "--cacert", c["ca"], "--cert",
                              c["MFR"][0], "--key", c["MFR"][1], "TRACE", CODE)
        eq(rc, 0, f"TRACE as the manufacturer: {err}")
    finally:
        d.close()


def test_sighup_reloads_certificate_without_dropping_connections():
    c = certs()
    mine = os.path.join(os.path.dirname(c["dir"]), "reload")
    shutil.copytree(c["dir"], mine)
    flags = tls_flags("optional")
    flags[flags.index("--tls-cert") + 1] = os.path.join(mine, "server.crt")
    flags[flags.index("--tls-key") + 1] = os.path.join(mine, "server.key")
    d = Yimad(*flags)
    try:
        before = d.connect_tls(c["ca"])
        eq(before.call("PING"), "PONG", "before")
        first = before.sock.getpeercert(binary_form=True)
        # A new server key and certificate from the same CA.
        subprocess.run(["sh", GEN, mine], check=True, capture_output=True, timeout=60)
        d.hup()
        wait_log(d, "TLS certificate, key and CA reloaded")
        eq(before.call("PING"), "PONG", "the old connection lives on")
        after = d.connect_tls(c["ca"])
        eq(after.call("PING"), "PONG", "a new connection")
        check(after.sock.getpeercert(binary_form=True) != first,
              "the new connection got the new certificate")
        # A broken file keeps the old certificate in use.
        with open(os.path.join(mine, "server.key"), "w") as f:
            f.write("not a key\n")
        d.hup()
        wait_log(d, "TLS not reloaded")
        eq(d.connect_tls(c["ca"]).call("PING"), "PONG", "still served")
    finally:
        d.close()
        shutil.rmtree(mine, ignore_errors=True)


def resumed(d):
    """Connect twice, offering the first session the second time."""
    c = certs()
    first = d.connect_tls(c["ca"], *c["PH1"])
    eq(first.call("PING"), "PONG", "first")     # TLS 1.3 tickets come after
    session = first.sock.session
    first.close()
    second = d.connect_tls(c["ca"], *c["PH1"], session=session)
    eq(second.call("PING"), "PONG", "second")
    return second.sock.session_reused


def test_session_resumption_on_and_off():
    d = Yimad(*tls_flags("optional"))
    try:
        check(resumed(d), "resumption on: the session was not resumed")
    finally:
        d.close()
    d = Yimad(*tls_flags("optional", tls_session_timeout=0))
    try:
        check(not resumed(d), "resumption off: a session was resumed")
    finally:
        d.close()


def test_bad_tls_configuration_refused_at_start():
    c = certs()
    for flags, want in (
            (["--tls-port", "1", "--tls-key", c["server"][1]], "tls_cert and tls_key"),
            (tls_flags("required")[:-4] + ["--tls-verify-client", "required"], "tls_ca"),
            (["--tls-port", "1", "--tls-cert", c["server"][0], "--tls-key", c["PH1"][1]],
             "tls_key")):
        try:
            d = Yimad(*flags)
        except AssertionError as e:
            check(want in str(e), f"{flags}: {e}")
        else:
            d.close()
            raise AssertionError(f"yimad started with {flags}")
