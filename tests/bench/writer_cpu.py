"""The CPU time of yimad's writer thread, for tests/bench/compare.py.

A yimad that has it says so in `INFO writer` (`cpu_seconds`).  An older
build does not, so that a "before" run of a refactor can still be measured,
the same figure is read from /proc: the kernel's run time of the writer
thread (/proc/PID/task/TID/schedstat, in nanoseconds — what the thread's
CPU clock behind cpu_seconds counts; utime + stime from .../stat, in clock
ticks, where schedstat is missing).

Which thread is the writer: the one named `yimad-writer` when yimad names
its threads.  An older build leaves every thread named `yimad`; the writer
is then found by two facts that must agree, or not at all (None, and the
report says why, with "–" for the figures):

- order: server.c starts the writer before the network threads, so its
  thread id is the lowest after the main thread's (the process id);
- state: at rest the writer sleeps on a condition variable (the kernel
  shows a futex wait in /proc/PID/task/TID/wchan), while the network
  threads and the main thread sleep in epoll_wait.  (Threads asleep in
  neither, such as a sanitizer's helper, are not yimad's and are left out.)

A build that started its threads in another order, or a kernel that hides
wchan, fails the check rather than giving another thread's time.
"""
import os
import time

import harness

WRITER_NAME = "yimad-writer"


def _read(path):
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return None


def threads(pid):
    """[(tid, name)] of a process, by thread id."""
    out = []
    for t in os.listdir(f"/proc/{pid}/task"):
        name = _read(f"/proc/{pid}/task/{t}/comm")
        if name is not None:
            out.append((int(t), name))
    return sorted(out)


def thread_cpu(pid, tid):
    """Seconds of CPU a thread has used, or None when it is gone."""
    sched = _read(f"/proc/{pid}/task/{tid}/schedstat")
    if sched:
        return int(sched.split()[0]) / 1e9
    stat = _read(f"/proc/{pid}/task/{tid}/stat")
    if not stat:
        return None
    # Fields after the name (which may hold blanks), from the third on:
    # utime and stime are the 14th and 15th.
    f = stat[stat.rindex(")") + 2:].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def find_writer(pid, names=True, tries=50):
    """(tid, how) of yimad's writer thread, or (None, why not).  Call it
    while yimad is at rest (just started, or between workloads).
    names=False ignores thread names, as for a build without them."""
    why = "no thread"
    for _ in range(tries):
        ts = threads(pid)
        if names:
            named = [t for t, n in ts if n == WRITER_NAME]
            if len(named) == 1:
                return named[0], f"thread {WRITER_NAME}"
        others = [t for t in ts if t[0] != pid]
        if len(others) < 2:
            return None, f"{len(others) + 1} thread(s): not a yimad with a writer"
        if names and len({n for _, n in ts}) > 1:
            return None, "threads are named, none " + WRITER_NAME
        waits = {t: _read(f"/proc/{pid}/task/{t}/wchan") or "0" for t, _ in others}
        # A running thread shows "0": only a look with every thread asleep
        # tells which waits where.
        running = any(w == "0" for w in waits.values())
        futex = [t for t, w in waits.items() if "futex" in w]
        epoll = [t for t, w in waits.items() if "epoll" in w]
        first = min(futex + epoll, default=None)
        if not running and futex == [first] and epoll:
            return first, (f"unnamed threads: the first started (tid {first}), the only "
                           "one waiting on a futex at rest")
        why = ("unnamed threads and no thread both first started and alone waiting on "
               "a futex at rest (wchan: " +
               ", ".join(f"{t} {w}" for t, w in sorted(waits.items())) + ")")
        # A thread may be between two waits: look again.
        time.sleep(0.02)
    return None, why


class WriterMeter:
    """Reads the writer's CPU seconds and committed writes of one yimad
    (a harness.Yimad).  Construct it while yimad is at rest."""

    def __init__(self, yimad):
        self.yimad = yimad
        self.tid = None
        self.why = None      # why the CPU time is unknown
        if "cpu_seconds" in self.info():
            self.source = "INFO writer cpu_seconds"
        else:
            self.tid, how = find_writer(yimad.proc.pid)
            self.source = f"/proc, {how}" if self.tid else None
            if self.tid is None:
                self.why = f"no cpu_seconds in INFO writer, and {how}"

    def info(self):
        c = self.yimad.connect()
        try:
            w = c.call("INFO", "writer")
        finally:
            c.close()
        # Redis's INFO text; a yimad before it: RESP2 ["writer", [field,
        # value, ...]], doubles as bulk strings.
        if isinstance(w, bytes):
            w = [b"writer", [x for kv in harness.parse_info(w)[b"writer"].items() for x in kv]]
        return {k.decode(): (v.decode() if isinstance(v, bytes) else v)
                for k, v in zip(w[1][::2], w[1][1::2])}

    def read(self):
        """(cpu seconds or None, writes committed, the INFO writer map)."""
        info = self.info()
        if "cpu_seconds" in info:
            cpu = float(info["cpu_seconds"])
        elif self.tid:
            cpu = thread_cpu(self.yimad.proc.pid, self.tid)
        else:
            cpu = None
        return cpu, int(info["writes"]), info


def span(before, after, per=None):
    """What the writer did between two read()s: {cpu_s, writes, commits,
    us_per} — CPU µs per `per` (default: per write committed), None when
    the CPU time is unknown or nothing was done.  Commits are shown with
    it because a write's cost depends on the group it was committed in:
    fewer, larger groups cost less CPU per write."""
    cpu = None if before[0] is None or after[0] is None else after[0] - before[0]
    writes = after[1] - before[1]
    n = writes if per is None else per
    return {"cpu_s": cpu, "writes": writes,
            "commits": int(after[2]["commits"]) - int(before[2]["commits"]),
            "us_per": cpu * 1e6 / n if cpu is not None and n else None}
