"""Hardening of the store and the loader: a full disk said as such, and a
bulk load that does not half-apply a file it cannot read."""
import os
import subprocess
import tempfile

from harness import Error, Yimad, check, day, eq, info
from test_verdicts import chain, cn, verdict


def test_load_with_a_syntax_error_loads_nothing():
    """A CSV file with a syntax error after valid rows: without --skip-bad
    nothing is loaded and the error names its line; with --skip-bad the
    readable rows load and the bad one is counted."""
    d = Yimad()
    try:
        c = chain(d)
        path = os.path.join(d.tmp, "events.csv")
        with open(path, "w") as f:
            f.write("event,code,from,lot,expiry\n")
            for i in (1, 2):
                f.write(f"commission,{cn(i)},MFR,L1,{day(400)}\n")
            f.write(f'commission,8301234000"0000000003,MFR,L1,{day(400)}\n')
            f.write(f"commission,{cn(4)},MFR,L1,{day(400)}\n")
        rc, out, err = d.yima("load", path)
        eq(rc, 2, f"exit status: nothing loaded\n{out}{err}")
        check("events.csv:4: quote inside an unquoted field" in err, err)
        check("nothing was loaded" in err, err)
        check("applied: 0," in out and "refused: 1," in out, out)
        for i in (1, 2, 4):
            eq(verdict(c.call("VERIFY", cn(i))), ("red", ["unknown"]), f"row of {cn(i)} not loaded")
        rc, out, err = d.yima("load", path, "--skip-bad")
        eq(rc, 1, f"--skip-bad exit status (an error was reported)\n{out}{err}")
        check("applied: 3," in out and "refused: 1," in out, out)
        for i in (1, 2, 4):
            eq(verdict(c.call("VERIFY", cn(i)))[0], "green", f"{cn(i)} loaded with --skip-bad")
    finally:
        d.close()

def test_disk_full_is_said_so():
    """A store on a full disk: the write is refused as 'the disk holding
    DIR/data.mdb is full', logged once, shown in INFO store; reads go on."""
    mnt = tempfile.mkdtemp(prefix="yima-full-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f"this test mounts a 3 MiB tmpfs and needs root: {r.stderr}")
    d = None
    try:
        d = Yimad(data=os.path.join(mnt, "data"))
        c = chain(d)
        refused = None
        for batch in range(200):        # 3 MiB holds far fewer than 200 x 500 codes
            codes = [cn(1_000_000 + batch * 500 + i) for i in range(500)]
            r = c.call("COMMISSION", *codes, "SITE", "MFR", "LOT", "L1", "EXPIRY", day(400))
            if isinstance(r, Error):
                refused = r
                break
        check(refused is not None, "the disk never filled")
        check(refused.startswith("STORE write failed: the disk holding "
                                 f"{mnt}/data/data.mdb is full"), refused)
        eq(info(c, "store")[b"disk_full"], True, "INFO store disk_full")
        for i in range(3):      # the same again: refused, and not logged again
            r2 = c.call("COMMISSION", *[cn(2_000_000 + i * 500 + k) for k in range(500)],
                        "SITE", "MFR", "LOT", "L1", "EXPIRY", day(400))
            check(isinstance(r2, Error) and "is full" in r2, r2)
        eq(verdict(c.call("VERIFY", cn(1_000_000)))[0], "green", "reads go on")
        eq(d.output().count("writes fail: the disk holding"), 1, "logged once")
    finally:
        if d is not None:
            d.close()
        subprocess.run(["umount", mnt], timeout=30)
        os.rmdir(mnt)
