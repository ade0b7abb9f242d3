"""Run every integration test: tests/integration/test_*.py, functions named
test_*.  Each takes no arguments and starts the daemons it needs.  Prints
one line per test and a closing 'integration: N passed, M failed' line; the
exit status is 1 if anything failed.

  python3 tests/integration/run.py [NAME-SUBSTRING ...]
"""
import importlib.util
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main(argv):
    wanted = argv[1:]
    tests = []
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(HERE, name))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for attr in sorted(vars(mod)):
            fn = getattr(mod, attr)
            if attr.startswith("test_") and callable(fn):
                full = f"{name[:-3]}.{attr}"
                if not wanted or any(w in full for w in wanted):
                    tests.append((full, fn))
    passed = failed = 0
    for full, fn in tests:
        t0 = time.monotonic()
        try:
            fn()
        except Exception:
            failed += 1
            print(f"FAIL {full} ({time.monotonic() - t0:.2f}s)")
            print("    " + traceback.format_exc().replace("\n", "\n    "))
        else:
            passed += 1
            print(f"ok   {full} ({time.monotonic() - t0:.2f}s)")
        sys.stdout.flush()
    print(f"integration: {passed} passed, {failed} failed")
    return 1 if failed or not tests else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
