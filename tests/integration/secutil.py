"""Helpers for the security tests: development certificates (made once per
run with config/gen-dev-certs.sh, plus an expired one and one from another
CA), ACL files with tokens, and a standard set of sites."""
import atexit
import datetime
import hashlib
import os
import shutil
import subprocess
import tempfile

from harness import Error, check, eq

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
GEN = os.path.join(ROOT, "config", "gen-dev-certs.sh")

SITES = (("MFR", "manufacturer"), ("DIST", "distributor"), ("PH1", "pharmacy"),
         ("PH2", "pharmacy"), ("HOSP", "hospital"), ("NMPA", "regulator"))
PRODUCT = "8301234"

_certs = None


_EXPIRED_CA_CONF = """\
[ca]
default_ca = dev
[dev]
database = {dir}/index.txt
new_certs_dir = {dir}
serial = {dir}/serial
default_md = sha256
policy = any
[any]
commonName = supplied
[leaf]
basicConstraints = critical,CA:false
"""


def _expired_cert(dirname, name):
    """A client certificate for `name` signed by the dev CA, valid from 30
    days ago until yesterday.  Made with the openssl command (its `ca`
    subcommand takes explicit start and end dates), so the tests need no
    Python package beyond the standard library."""
    work = os.path.join(dirname, "expired-ca")
    os.makedirs(work, exist_ok=True)
    open(os.path.join(work, "index.txt"), "w").close()
    with open(os.path.join(work, "serial"), "w") as f:
        f.write("01\n")
    conf = os.path.join(work, "ca.cnf")
    with open(conf, "w") as f:
        f.write(_EXPIRED_CA_CONF.format(dir=work))
    crt, pem = (os.path.join(dirname, f"{name}-expired.{x}") for x in ("crt", "key"))
    csr = os.path.join(work, f"{name}.csr")
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = lambda t: t.strftime("%Y%m%d%H%M%SZ")
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={name}",
                    "-keyout", pem, "-out", csr],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "ca", "-batch", "-config", conf, "-notext",
                    "-cert", os.path.join(dirname, "ca.crt"),
                    "-keyfile", os.path.join(dirname, "ca.key"),
                    "-in", csr, "-out", crt, "-extensions", "leaf",
                    "-startdate", stamp(now - datetime.timedelta(days=30)),
                    "-enddate", stamp(now - datetime.timedelta(days=1))],
                   check=True, capture_output=True)
    return crt, pem


def certs():
    """{'dir': ..., 'ca': ..., 'server': (crt, key), 'PH1': (crt, key), ...,
    'expired': (crt, key) of PH1, 'other': (crt, key) of PH1 from another CA,
    'other_dir': the other CA's directory}"""
    global _certs
    if _certs:
        return _certs
    top = tempfile.mkdtemp(prefix="yima-certs-")
    atexit.register(shutil.rmtree, top, True)
    good, other = os.path.join(top, "dev"), os.path.join(top, "other")
    names = [s for s, _ in SITES] + ["ops"]
    subprocess.run(["sh", GEN, good, *names], check=True, capture_output=True)
    subprocess.run(["sh", GEN, other, "PH1"], check=True, capture_output=True)
    c = {"dir": good, "ca": os.path.join(good, "ca.crt"), "other_dir": other}
    for n in ["server"] + names:
        c[n] = (os.path.join(good, f"{n}.crt"), os.path.join(good, f"{n}.key"))
    c["expired"] = _expired_cert(good, "PH1")
    c["other"] = (os.path.join(other, "PH1.crt"), os.path.join(other, "PH1.key"))
    _certs = c
    return c


def tls_flags(verify="required", **extra):
    c = certs()
    from harness import free_port
    flags = ["--tls-port", str(free_port()), "--tls-cert", c["server"][0],
             "--tls-key", c["server"][1], "--tls-ca", c["ca"],
             "--tls-verify-client", verify]
    for k, v in extra.items():
        flags += ["--" + k.replace("_", "-"), str(v)]
    return flags


def token_line(name, role, site, token):
    digest = hashlib.sha256(token.encode()).hexdigest()
    return f"token {name} {role} {site} sha256:{digest}\n"


def write_acl(d, lines):
    path = os.path.join(d.tmp, "acl")
    with open(path, "w") as f:
        f.write("# test ACL\n" + "".join(lines))
    return path


def setup_sites(d):
    """The standard sites and product, through the local principal."""
    c = d.connect()
    c.call("HELLO", "3")
    for site, kind in SITES:
        eq(c.call("SITE", "SET", site, "name", site, "kind", kind), "OK", "SITE SET")
    eq(c.call("PRODUCT", "SET", PRODUCT, "name", "Amoxicillin", "units_per_pack", "1"),
       "OK", "PRODUCT SET")
    return c


def ok(r, what="reply"):
    check(not isinstance(r, Error), f"{what}: {r!r}")
    return r


def refused(r, code, what="reply"):
    check(isinstance(r, Error) and r.startswith(code + " "), f"{what}: want {code}, got {r!r}")
    return r
