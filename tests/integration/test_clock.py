"""yimad's one clock, end to end: --clock-today starts it on a given day
(shown by INFO server and CLOCK, and logged), CLOCK ADVANCE moves it and
the verdicts follow, a yimad on the system's clock refuses to move it, a
day that does not exist is refused at start, and the harness carries the
clock on across restarts so that it never goes back.

Every day here is computed from the harness's TODAY."""
import datetime
import os
import shutil
import subprocess
import tempfile
import time

from harness import TODAY, YIMAD, Error, Yimad, check, day, eq, info

PRODUCT = "8301234"
CODE = "83012340000000000001"
BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def noon(n=0):
    """12:00 in Beijing on TODAY + n days, as an aware datetime."""
    return datetime.datetime.combine(TODAY + datetime.timedelta(days=n),
                                     datetime.time(12), BEIJING)


def parse_time(value):
    """A reply's time ('...Z', UTC with milliseconds) as an aware datetime."""
    text = value.decode() if isinstance(value, bytes) else value
    check(text.endswith("Z"), f"time {text!r} is not UTC")
    return datetime.datetime.fromisoformat(text[:-1] + "+00:00")


def clock(d):
    """CLOCK as a dict with str keys: time (datetime), clock (str),
    clock_offset_seconds (int)."""
    c = d.connect()
    try:
        c.call("HELLO", "3")
        r = c.call("CLOCK")
    finally:
        c.close()
    check(isinstance(r, dict), f"CLOCK: {r!r}")
    eq(set(r), {b"time", b"clock", b"clock_offset_seconds"}, "CLOCK's keys")
    return {"time": parse_time(r[b"time"]), "clock": r[b"clock"].decode(),
            "clock_offset_seconds": r[b"clock_offset_seconds"]}


def info_server(d):
    c = d.connect()
    try:
        c.call("HELLO", "3")
        return info(c, "server")	# Redis's text under RESP3 too
    finally:
        c.close()


def near(got, want, seconds, what):
    check(abs((got - want).total_seconds()) <= seconds,
          f"{what}: {got.isoformat()}, want within {seconds} s of {want.isoformat()}")


def verdict(c, code, site="PH1"):
    r = c.call("VERIFY", code, "SITE", site)
    check(isinstance(r, dict), f"VERIFY {code}: {r!r}")
    return r[b"verdict"].decode(), sorted(x.decode() for x in r[b"reasons"])


def test_clock_today_shown_by_info_and_clock_and_logged():
    # The documented form, a bare day (today=None: the harness adds no
    # clock of its own).
    t0 = time.time()
    d = Yimad("--clock-today", day(), today=None)
    try:
        # The shift is fixed at start: the pinned noon minus the system's
        # time then.
        want_offset = noon().timestamp() - t0
        k = clock(d)
        eq(k["clock"], day(), "CLOCK: clock (the day it was started at)")
        check(abs(k["clock_offset_seconds"] - want_offset) <= 5,
              f"CLOCK: clock_offset_seconds {k['clock_offset_seconds']}, want about "
              f"{want_offset:.0f}")
        near(k["time"], noon(), 10, "CLOCK: time (started at noon, running since)")
        check(k["time"] >= noon(), f"CLOCK: time {k['time']} before the noon it started at")

        s = info_server(d)
        eq(s[b"clock"].decode(), day(), "INFO server: clock")
        eq(s[b"clock_offset_seconds"], k["clock_offset_seconds"],
           "INFO server: clock_offset_seconds, as CLOCK says")
        t_info = parse_time(s[b"time"])
        check(k["time"] <= t_info, f"INFO's time {t_info} before CLOCK's {k['time']}")
        near(t_info, noon(), 10, "INFO server: time")

        # The clock runs on from there.
        time.sleep(0.05)
        later = clock(d)["time"]
        check(later > t_info, f"the clock did not run: {t_info} then {later}")

        log = d.output()
        want = (f"clock shifted for tests: clock_today {day()} (Asia/Shanghai; noon if no "
                f"time is given), {k['clock_offset_seconds']:+d} s from the system's clock")
        check(want in log, f"log lacks {want!r}:\n{log[-1500:]}")
    finally:
        d.close()
    # The harness's form, a local time to carry the clock on across
    # restarts: INFO shows what it was given.
    d = Yimad()
    try:
        eq(clock(d)["clock"], f"{day()}T12:00:00", "clock started at a local time")
        near(clock(d)["time"], noon(), 10, "time")
    finally:
        d.close()


def test_expiry_follows_the_clock():
    """A unit expiring TODAY + 10 is AMBER near_expiry on TODAY and RED
    expired once the clock has moved 11 days, and stays so across a
    restart."""
    d = Yimad()
    try:
        c = d.connect()
        c.call("HELLO", "3")
        for site, kind in (("MFR", "manufacturer"), ("PH1", "pharmacy")):
            eq(c.call("SITE", "SET", site, "name", site, "kind", kind), "OK", "SITE SET")
        eq(c.call("PRODUCT", "SET", PRODUCT, "name", "Amoxicillin 250mg",
                  "units_per_pack", "1", "kind", "drug"), "OK", "PRODUCT SET")
        for req in (("COMMISSION", CODE, "SITE", "MFR", "LOT", "L1", "EXPIRY", day(10)),
                    ("SHIP", CODE, "FROM", "MFR", "TO", "PH1", "REF", "DN-1"),
                    ("RECEIVE", CODE, "SITE", "PH1")):
            r = c.call(*req)
            check(not isinstance(r, Error), f"{req[0]}: {r!r}")
        r = c.call("VERIFY", CODE, "SITE", "PH1")
        eq(r[b"expiry"].decode(), day(10), "the unit's expiry")
        eq(verdict(c, CODE), ("amber", ["near_expiry"]), f"on {day()}, expiring {day(10)}")

        now = parse_time(d.advance("11d"))
        near(now, noon(11), 10, "CLOCK ADVANCE 11d: the clock's new time")
        near(clock(d)["time"], noon(11), 10, "CLOCK after ADVANCE 11d")
        eq(verdict(c, CODE), ("red", ["expired"]), f"on {day(11)}, expired {day(10)}")

        d.restart()
        c = d.connect()
        c.call("HELLO", "3")
        eq(verdict(c, CODE), ("red", ["expired"]), "after a restart, still expired")
        check(clock(d)["time"] >= now, "the clock went back across the restart")
    finally:
        d.close()


def test_advance_checks_its_duration():
    d = Yimad()
    try:
        before = clock(d)
        c = d.connect()
        for bad in ("0", "3651d", "soon", "1w", "-5"):
            r = c.call("CLOCK", "ADVANCE", bad)
            check(isinstance(r, Error) and f"CLOCK ADVANCE: '{bad}' is not a duration" in r,
                  f"CLOCK ADVANCE {bad}: {r!r}")
        r = c.call("CLOCK", "BACK", "1d")
        check(isinstance(r, Error) and "usage: CLOCK [ADVANCE duration]" in r, repr(r))
        after = clock(d)
        near(after["time"], before["time"], 10, "refused moves left the clock alone")
        eq(after["clock_offset_seconds"], before["clock_offset_seconds"], "offset unchanged")
        for step, secs in (("90", 90), ("15m", 900), ("2h", 7200), ("3d", 3 * 86400)):
            d.advance(step)
            now = clock(d)
            eq(now["clock_offset_seconds"] - after["clock_offset_seconds"], secs,
               f"CLOCK ADVANCE {step}: the offset grows by {secs} s")
            after = now
    finally:
        d.close()


def test_system_clock_refuses_to_move():
    t0 = datetime.datetime.now(datetime.timezone.utc)
    d = Yimad(today=None)
    try:
        c = d.connect()
        r = c.call("CLOCK", "ADVANCE", "1d")
        check(isinstance(r, Error) and r.startswith("ERR CLOCK ADVANCE: the clock is the "
                                                    "system's"), f"CLOCK ADVANCE 1d: {r!r}")
        k = clock(d)
        eq((k["clock"], k["clock_offset_seconds"]), ("system", 0), "CLOCK on the system's clock")
        near(k["time"], t0, 10, "CLOCK: the system's time")
        s = info_server(d)
        eq((s[b"clock"], s[b"clock_offset_seconds"]), (b"system", 0), "INFO server")
        check("clock shifted" not in d.output(), d.output())
    finally:
        d.close()


def test_day_that_does_not_exist_refused_at_start():
    tmp = tempfile.mkdtemp(prefix="yima-clock-")
    try:
        for bad in ("2031-02-30", "2027-13-01", "1969-12-31", "20270315", "2027-03-15T25:00:00"):
            try:
                p = subprocess.run([YIMAD, "--port", "0", "--data", os.path.join(tmp, "data"),
                                    "--clock-today", bad], capture_output=True, timeout=10)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"yimad started with --clock-today {bad}") from None
            eq(p.returncode, 2, f"--clock-today {bad}: exit status")
            err = p.stderr.decode()
            check(f"clock_today: '{bad}' is not a day YYYY-MM-DD" in err,
                  f"--clock-today {bad}: {err!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_clock_does_not_go_back_across_restarts():
    """The harness starts yimad again where its clock was: moves and the
    time it ran (half a second of real time here, so that a restart that
    lost it would show) are kept, across SIGTERM and kill -9 alike."""
    d = Yimad()
    try:
        t1 = parse_time(d.advance("2h"))
        near(t1, noon() + datetime.timedelta(hours=2), 10, "after CLOCK ADVANCE 2h")
        for how in ("a restart", "kill -9 and a start"):
            time.sleep(0.5)
            before = clock(d)["time"]
            if how == "a restart":
                d.restart()
            else:
                d.kill9()
                d.start()
            after = clock(d)["time"]
            check(after >= before, f"after {how} the clock went back: {before} then {after}")
            near(after, before, 10, f"after {how}")
    finally:
        d.close()
