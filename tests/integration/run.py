"""Run every integration test: tests/integration/test_*.py, functions named
test_*.  Each takes no arguments and starts the daemons it needs.  Prints
the suite's seed and day first, one line per test, and a closing
'integration: N passed, M failed' line; the exit status is 1 if anything
failed or no test ran.

  python3 tests/integration/run.py [NAME-SUBSTRING ...]

A test fails when it raises, when it runs longer than $YIMA_TEST_TIMEOUT
seconds (default 300; its daemons are stopped and the suite goes on), when
an exception escapes a thread it started, or when it leaves a process it
started running.

Every temporary file and directory the tests make (tempfile's, and the
daemons' $TMPDIR) goes in one directory of the suite's own, removed when
the suite ends, so a test that stops its daemon without removing their
data leaves nothing behind.

Randomness: the suite seed is $YIMA_TEST_SEED, or taken from the time when
that is not set; it is printed first and left in the environment for the
tests (seeded.rng(name) gives a test its own generator).  Before each test
the module-level `random` is seeded from the suite seed and the test's name;
a failing test's report repeats both.
"""
import importlib.util
import shutil
import tempfile
import os
import random
import signal
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

DEFAULT_TIMEOUT = 300.0
# After a timeout the test gets this long to clean up before it is
# interrupted again; after RETRIES interruptions the runner gives up on it.
GRACE = 60.0
RETRIES = 3


class TestTimeout(BaseException):
    """Raised in the main thread when a test runs out of time.  Not an
    Exception, so that a test's `except Exception` cannot swallow it; its
    `finally` blocks (which stop its daemons) still run."""


# -- processes a test starts ---------------------------------------------
# Every subprocess.Popen (yimad started by the harness, clients, tools) is
# noted, so that the runner can stop whatever a test left running.
_children = []
_children_lock = threading.Lock()
_popen_init = subprocess.Popen.__init__


def _tracked_init(self, *args, **kwargs):
    _popen_init(self, *args, **kwargs)
    with _children_lock:
        _children.append(self)


subprocess.Popen.__init__ = _tracked_init


def take_children():
    with _children_lock:
        procs = list(_children)
        _children.clear()
    return procs


def stop_leftovers(procs):
    """Kill the processes in procs still running; returns their
    descriptions."""
    left = []
    for p in procs:
        if p.poll() is not None:
            continue
        args = p.args if isinstance(p.args, (list, tuple)) else [p.args]
        left.append(f"{os.path.basename(str(args[0]))} (pid {p.pid})")
        try:
            p.kill()
            p.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            pass
    return left


# -- exceptions in threads -----------------------------------------------
_thread_errors = []
_thread_errors_lock = threading.Lock()


def _excepthook(args):
    if args.exc_type is SystemExit:
        return
    text = "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                              args.exc_traceback))
    name = args.thread.name if args.thread is not None else "?"
    with _thread_errors_lock:
        _thread_errors.append(f"exception in thread {name}:\n{text}")


threading.excepthook = _excepthook


def take_thread_errors():
    with _thread_errors_lock:
        errors = list(_thread_errors)
        _thread_errors.clear()
    return errors


# -- the per-test timer --------------------------------------------------
class Timer:
    def __init__(self, seconds, give_up):
        self.seconds = seconds
        self.give_up = give_up      # called when a test will not stop
        self.running = False
        self.fired = 0
        signal.signal(signal.SIGALRM, self.on_alarm)

    def start(self):
        self.fired = 0
        self.running = True
        if self.seconds > 0:
            signal.setitimer(signal.ITIMER_REAL, self.seconds, GRACE)

    def stop(self):
        self.running = False
        signal.setitimer(signal.ITIMER_REAL, 0)

    def on_alarm(self, signum, frame):
        if not self.running:
            return
        self.fired += 1
        if self.fired > RETRIES:
            self.stop()
            self.give_up(f"still running {GRACE * RETRIES:.0f} s after its timeout of "
                         f"{self.seconds:g} s:\n" + "".join(traceback.format_stack(frame)))
        if self.fired == 1:
            raise TestTimeout(f"timed out after {self.seconds:g} s (YIMA_TEST_TIMEOUT)")
        raise TestTimeout(f"still running {GRACE * (self.fired - 1):.0f} s after its "
                          "timeout")


def indent(text):
    return "    " + text.rstrip("\n").replace("\n", "\n    ")


def load_tests(wanted):
    """[(name, function or None, import error text)]"""
    tests = []
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(HERE, name))
        mod = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(mod)
        except Exception:
            if not wanted or any(w in name[:-3] for w in wanted):
                tests.append((f"{name[:-3]} (import)", None, traceback.format_exc()))
            continue
        for attr in sorted(vars(mod)):
            fn = getattr(mod, attr)
            if attr.startswith("test_") and callable(fn):
                full = f"{name[:-3]}.{attr}"
                if not wanted or any(w in full for w in wanted):
                    tests.append((full, fn, None))
    return tests


def main(argv):
    wanted = argv[1:]
    text = os.environ.get("YIMA_TEST_SEED", "").strip()
    if not text:
        text = str(time.time_ns() % 1_000_000_007)
    os.environ["YIMA_TEST_SEED"] = text
    import seeded
    try:
        suite = seeded.suite_seed()
    except ValueError as e:
        print(f"integration: {e}")
        return 2
    timeout_text = os.environ.get("YIMA_TEST_TIMEOUT", "").strip()
    try:
        timeout = float(timeout_text) if timeout_text else DEFAULT_TIMEOUT
    except ValueError:
        print(f"integration: YIMA_TEST_TIMEOUT={timeout_text!r} is not a number of seconds")
        return 2
    try:
        import harness
    except Exception as e:      # e.g. a YIMA_TEST_TODAY that is not a day
        print(f"integration: cannot load the harness: {e}")
        return 2
    print(f"integration: seed {suite} (repeat with YIMA_TEST_SEED={suite}), "
          f"day {harness.TODAY} (YIMA_TEST_TODAY), timeout {timeout:g} s a test "
          "(YIMA_TEST_TIMEOUT)")
    sys.stdout.flush()

    suite_tmp = tempfile.mkdtemp(prefix="yima-integration-")
    tempfile.tempdir = suite_tmp
    os.environ["TMPDIR"] = suite_tmp
    try:
        return run_tests(wanted, timeout, suite, harness, suite_tmp)
    finally:
        shutil.rmtree(suite_tmp, ignore_errors=True)


def run_tests(wanted, timeout, suite, harness, suite_tmp):
    import seeded
    tests = load_tests(wanted)
    passed = failed = 0
    current = None

    def give_up(why):
        """A test that outlived its timeout and every interruption: stop
        its processes, report, and end the suite."""
        stop_leftovers(take_children())
        shutil.rmtree(suite_tmp, ignore_errors=True)
        print(f"FAIL {current}")
        print(indent(why))
        print(f"integration: {passed} passed, {failed + 1} failed "
              f"(stopped at {current}, which would not stop)")
        sys.stdout.flush()
        os._exit(1)

    timer = Timer(timeout, give_up)
    for full, fn, import_error in tests:
        current = full
        t0 = time.monotonic()
        problems = []
        test_seed = seeded.seed_for(full)
        if fn is None:
            problems.append(import_error)
        else:
            random.seed(test_seed)
            try:
                timer.start()
                try:
                    fn()
                finally:
                    timer.stop()
            except KeyboardInterrupt:
                stop_leftovers(take_children())
                raise
            except TestTimeout as e:
                problems.append(f"TIMEOUT: {e}\n" + traceback.format_exc())
            except BaseException:
                problems.append(traceback.format_exc())
        left = stop_leftovers(take_children())
        if left:
            problems.append("left running (killed): " + ", ".join(left))
        problems += take_thread_errors()
        took = time.monotonic() - t0
        if problems:
            failed += 1
            print(f"FAIL {full} ({took:.2f}s)")
            for p in problems:
                print(indent(p))
            print(indent(f"seed: YIMA_TEST_SEED={suite}; random seeded with {test_seed} "
                         f"for this test; day {harness.TODAY}"))
        else:
            passed += 1
            print(f"ok   {full} ({took:.2f}s)")
        sys.stdout.flush()
    print(f"integration: {passed} passed, {failed} failed")
    sys.stdout.flush()
    rc = 1 if failed or not tests else 0
    # Threads a failed test left blocked must not keep the runner alive.
    if any(t.is_alive() and not t.daemon for t in threading.enumerate()
           if t is not threading.main_thread()):
        shutil.rmtree(suite_tmp, ignore_errors=True)
        os._exit(rc)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
