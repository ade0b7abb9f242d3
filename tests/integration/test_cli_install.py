"""Shell and system integration (issue 20, item 6): `make install` into a
temporary DESTDIR/PREFIX, the man pages (every subcommand, global option
and config option in them, no groff warnings), bash completion (every
subcommand and option of `yima --help`), the hardened systemd unit,
`yima --version` / `yimad --version`, and `yimad --check-config`."""
import os
import re
import shutil
import subprocess
import tempfile

from harness import BIN, YIMA, YIMAD, Yimad, check, eq
from secutil import certs, token_line

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SUBCOMMANDS = ("verify", "dispense", "undo", "trace", "alerts", "scan", "load", "recall",
               "lift", "withdraw", "impact", "decommission", "reactivate", "unwithdraw",
               "alert", "stock", "lots", "sites", "products", "contents", "risk", "backup",
               "parse", "transform", "coldchain")


def make_install(**variables):
    """`make install` with these variables, the binaries under test as they
    are (-o: never rebuilt here)."""
    yimad, yima = os.path.join(BIN, "yimad"), os.path.join(BIN, "yima")
    args = ["make", "-s", "-C", ROOT, "-o", yimad, "-o", yima, f"BIN={BIN}", "install"]
    args += [f"{k}={v}" for k, v in variables.items()]
    p = subprocess.run(args, capture_output=True, timeout=120)
    eq(p.returncode, 0, f"make install: {p.stderr.decode()}")


def tmpdir():
    return tempfile.mkdtemp(prefix="yima-install-")


def yima_help():
    p = subprocess.run([YIMA, "--help"], capture_output=True, timeout=30)
    return p.stdout.decode()


def subcommand_options(sub):
    """The options a subcommand's usage names."""
    p = subprocess.run([YIMA, sub, "--help"], capture_output=True, timeout=30)
    eq(p.returncode, 0, f"yima {sub} --help")
    return set(re.findall(r"--[a-z][a-z-]*", p.stdout.decode()))


GLOBALS = ("-h", "-p", "-a", "--tls", "--cacert", "--cert", "--key", "--json", "--timeout",
           "--help", "--version")


def test_make_install_destdir_and_prefix():
    stage = tmpdir()
    try:
        make_install(DESTDIR=stage, PREFIX="/usr")
        want = {
            "usr/bin/yima": 0o755, "usr/sbin/yimad": 0o755,
            "usr/share/man/man1/yima.1": 0o644, "usr/share/man/man5/yimad.conf.5": 0o644,
            "usr/share/man/man8/yimad.8": 0o644,
            "usr/share/bash-completion/completions/yima": 0o644,
            "usr/share/doc/yima/yimad.conf": 0o644, "usr/share/doc/yima/acl.example": 0o644,
            "usr/lib/systemd/system/yimad.service": 0o644,
        }
        got = {}
        for top, _, files in os.walk(stage):
            for f in files:
                path = os.path.join(top, f)
                got[os.path.relpath(path, stage)] = os.stat(path).st_mode & 0o777
        eq(got, want, "installed files and modes")
        with open(os.path.join(stage, "usr/lib/systemd/system/yimad.service")) as f:
            unit = f.read()
        check("ExecStart=/usr/sbin/yimad -c /etc/yima/yimad.conf\n" in unit, unit)
        check("/usr/local" not in unit, "PREFIX followed in the unit")
        with open(os.path.join(stage, "usr/share/man/man8/yimad.8")) as f:
            check("cp /usr/share/doc/yima/yimad.conf" in f.read(), "PREFIX in yimad.8")
        # The installed programs are the ones built.
        for prog, path in (("yima", "usr/bin/yima"), ("yimad", "usr/sbin/yimad")):
            p = subprocess.run([os.path.join(stage, path), "--version"], capture_output=True,
                               timeout=30)
            check(re.fullmatch(prog + r" \d+\.\d+\.\d+\n", p.stdout.decode()),
                  p.stdout.decode())
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def test_versions_agree():
    a = subprocess.run([YIMA, "--version"], capture_output=True, timeout=30).stdout.decode()
    b = subprocess.run([YIMAD, "--version"], capture_output=True, timeout=30).stdout.decode()
    eq(a.split()[1], b.split()[1], "yima and yimad are one version")
    c = subprocess.run([YIMA, "trace", "x", "--version"], capture_output=True, timeout=30)
    eq((c.returncode, c.stdout.decode()), (0, a), "--version after a subcommand")


def groff_warnings(path):
    p = subprocess.run(["groff", "-man", "-ww", "-z", path], capture_output=True, timeout=30)
    return p.stderr.decode()


def test_man_pages_say_everything():
    yima1 = os.path.join(ROOT, "clients", "man", "yima.1")
    yimad8 = os.path.join(ROOT, "daemon", "man", "yimad.8")
    conf5 = os.path.join(ROOT, "daemon", "man", "yimad.conf.5")
    for page in (yima1, yimad8, conf5):
        eq(groff_warnings(page), "", f"groff warnings in {page}")
    text = subprocess.run(["man", "-l", yima1], capture_output=True, timeout=30,
                          env={**os.environ, "MANWIDTH": "200"}).stdout.decode()
    help_text = yima_help()
    for sub in SUBCOMMANDS:
        check(f"\n  {sub} " in help_text, f"{sub} in yima --help")
        check(re.search(rf"^ +{sub}\b", text, re.M), f"{sub} in yima(1)")
    for opt in GLOBALS:
        check(re.search(rf"(^|\s){re.escape(opt)}\b", help_text, re.M), f"{opt} in --help")
        check(re.search(rf"^ +{re.escape(opt)}\b", text, re.M), f"{opt} in yima(1)")
    # Every option of the daemon's config (config/yimad.conf keeps the table's).
    with open(os.path.join(ROOT, "config", "yimad.conf")) as f:
        keys = re.findall(r"^([a-z_0-9]+) =", f.read(), re.M)
    check(len(keys) > 50, keys)
    with open(conf5) as f:
        page = f.read()
    for k in keys:
        check(f"\n.B {k}\n" in page, f"{k} in yimad.conf(5)")
    with open(yimad8) as f:
        page = f.read()
    for flag in ("check\\-config", "replay", "version", "SIGHUP", "ProtectSystem=strict"):
        check(flag in page, f"{flag} in yimad(8)")


def complete(line):
    """What the installed completion offers for `line` (the cursor at its
    end), by bash itself."""
    script = (f"source {os.path.join(ROOT, 'clients', 'yima.bash')}\n"
              f"COMP_LINE={line!r}; read -ra COMP_WORDS <<< \"$COMP_LINE\"\n"
              "[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')\n"
              "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_POINT=${#COMP_LINE}\n"
              "_yima; printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True,
                       timeout=30)
    eq(p.stderr.decode(), "", f"bash completion for {line!r}")
    return set(p.stdout.decode().split())


def test_bash_completion():
    eq(complete("yima "), set(SUBCOMMANDS), "subcommands")
    eq(complete("yima ver"), {"verify"}, "a prefix")
    eq(complete("yima -p 7701 disp"), {"dispense"}, "after a global option and its value")
    eq(complete("yima load --format "), {"csv", "epcis"}, "--format's values")
    eq(complete("yima PING "), set(), "a server command's words are its own")
    check({"--json", "--tls", "-p"} <= complete("yima -"), "global options")
    for sub in SUBCOMMANDS:
        offered = complete(f"yima {sub} -")
        missing = subcommand_options(sub) - offered - {"--help"}
        eq(missing, set(), f"options of {sub} the completion lacks")
        check(set(GLOBALS) - {"--help", "--version"} <= offered,
              f"global options after {sub}: {offered}")


def unit_settings(text):
    settings = {}
    for line in text.split("\n"):
        if "=" in line and not line.startswith("#"):
            k, _, v = line.partition("=")
            settings.setdefault(k, []).append(v)
    return settings


def test_systemd_unit_is_hardened():
    with open(os.path.join(ROOT, "config", "yimad.service")) as f:
        s = unit_settings(f.read())
    for key, value in (("User", "yima"), ("Group", "yima"), ("ProtectSystem", "strict"),
                       ("NoNewPrivileges", "yes"), ("ReadWritePaths", "/var/lib/yima"),
                       ("StateDirectory", "yima"), ("WorkingDirectory", "/var/lib/yima"),
                       ("LimitNOFILE", "65536"), ("ProtectHome", "yes"),
                       ("PrivateTmp", "yes"), ("CapabilityBoundingSet", "")):
        eq(s.get(key), [value], key)
    check(any("--check-config" in v for v in s["ExecStartPre"]), "config checked first")
    if shutil.which("systemd-analyze") is None:
        print("    systemd-analyze not installed: the unit is not verified by systemd")
        return
    prefix = tmpdir()
    try:
        make_install(PREFIX=prefix)
        unit = os.path.join(prefix, "lib", "systemd", "system", "yimad.service")
        p = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True,
                           timeout=60, env={**os.environ,
                                            "MANPATH": os.path.join(prefix, "share", "man")})
        eq((p.returncode, p.stderr.decode()), (0, ""), "systemd-analyze verify")
        p = subprocess.run(["systemd-analyze", "security", "--offline=yes", unit],
                           capture_output=True, timeout=60)
        m = re.search(r"Overall exposure level for yimad.service: ([\d.]+)",
                      p.stdout.decode() + p.stderr.decode())
        check(m, p.stdout.decode())
        level = float(m.group(1))
        print(f"    systemd exposure level {level} (0 safest, 10 unprotected)")
        check(level <= 2.0, f"exposure {level}")
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def check_config(*args):
    p = subprocess.run([YIMAD, *args, "--check-config"], capture_output=True, timeout=30)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_check_config():
    tmp = tmpdir()
    try:
        def write(name, text):
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(text)
            return path

        c = certs()
        acl = write("acl", "# principals\n" + token_line("till1", "pharmacy", "PH1", "s3cret"))
        data = os.path.join(tmp, "data")
        port_file = os.path.join(tmp, "port")
        good = write("good.conf", f"port = 0\nport_file = {port_file}\ndata = {data}\n"
                                  f"acl_file = {acl}\ntls_port = 7743\n"
                                  f"tls_cert = {c['server'][0]}\ntls_key = {c['server'][1]}\n"
                                  f"tls_ca = {c['ca']}\n")
        rc, out, err = check_config("-c", good)
        eq((rc, err), (0, ""), "a good configuration")
        check(out.startswith(f"yimad: configuration OK: {good}; acl_file {acl}: 1 principal; "
                             "TLS certificate"), out)
        # It started nothing: no port file, no store, no listener.
        check(not os.path.exists(port_file) and not os.path.exists(data), "nothing started")

        bad = write("bad.conf", "port = 7700\n# fine\nmax_clients = lots\n")
        rc, out, err = check_config("-c", bad)
        eq((rc, out), (2, ""), "a bad value")
        eq(err, f"yimad: {bad}:3: max_clients: 'lots' is not a whole number\n", "FILE:LINE")
        # Every wrong line in one run, in order, each with its line.
        bad3 = write("bad3.conf", "port = 7700\nno equals sign\nthreads = many\n"
                                  "[section]\nprot = 1\n")
        rc, out, err = check_config("-c", bad3)
        eq((rc, out), (2, ""), "three bad lines")
        eq(err, f"yimad: {bad3}:2: expected 'key = value'\n"
                f"yimad: {bad3}:3: threads: 'many' is not a whole number\n"
                f"yimad: {bad3}:4: sections are not used; '[section]' found\n"
                f"yimad: {bad3}:5: unknown option 'prot'\n", "each problem with FILE:LINE")
        rc, _, err = check_config("-c", write("typo.conf", "prot = 7700\n"))
        check(rc == 2 and "typo.conf:1: unknown option 'prot'" in err, err)
        rc, _, err = check_config("-c", good, "--max-clients", "0")
        check(rc == 2 and "command line: max_clients" in err, err)

        bad_acl = write("bad.acl", "# ok\n" + token_line("a", "admin", "-", "x") +
                        "token b wizard - sha256:" + "0" * 64 + "\n")
        rc, _, err = check_config("-c", good, "--acl-file", bad_acl)
        check(rc == 2 and f"{bad_acl}:3:" in err and "wizard" in err, err)
        # Each problem of the files it names, not only the first.
        rc, _, err = check_config("-c", good, "--acl-file", bad_acl, "--tls-key",
                                  c["PH1"][1])
        eq(rc, 2)
        lines = err.strip().split("\n")
        eq(len(lines), 2, err)
        check(lines[1].startswith(f"yimad: tls_key {c['PH1'][1]}: ") and "mismatch" in lines[1],
              lines[1])
        rc, _, err = check_config("--tls-port", "7743")
        check(rc == 2 and "tls_cert and tls_key must name" in err, err)
        rc, _, err = check_config("-c", os.path.join(tmp, "missing.conf"))
        check(rc == 2 and "missing.conf: No such file or directory" in err, err)
        # The example configuration the install ships is good as it is.
        rc, out, _ = check_config("-c", os.path.join(ROOT, "config", "yimad.conf"))
        eq(rc, 0, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    # And a daemon still starts with its config: the flag did not leak.
    d = Yimad()
    d.close()
