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

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness import Error, check, eq

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
GEN = os.path.join(ROOT, "config", "gen-dev-certs.sh")

SITES = (("MFR", "manufacturer"), ("DIST", "distributor"), ("PH1", "pharmacy"),
         ("PH2", "pharmacy"), ("HOSP", "hospital"), ("NMPA", "regulator"))
PRODUCT = "8301234"

_certs = None


def _expired_cert(dirname, name):
    """A client certificate for `name` signed by the dev CA, expired
    yesterday."""
    with open(os.path.join(dirname, "ca.key"), "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), None)
    with open(os.path.join(dirname, "ca.crt"), "rb") as f:
        ca = x509.load_pem_x509_certificate(f.read())
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=30))
            .not_valid_after(now - datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    crt, pem = (os.path.join(dirname, f"{name}-expired.{x}") for x in ("crt", "key"))
    with open(crt, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(pem, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
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
