"""daemon/stream.c against a real 3-node JetStream cluster (natsctl.py), by
way of stream_tool: asynchronous appends, in-order delivery from any
sequence without a gap or a repeat, and the stream leader's nats-server
killed with kill -9 while entries are being appended."""
import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time

import seeded
from harness import check, eq
from natsctl import NatsCluster

TOOLS = os.environ.get("YIMA_TEST_TOOLS", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "tests"))
STREAM_TOOL = os.path.join(TOOLS, "stream_tool")


@contextlib.contextmanager
def cluster():
    tmp = tempfile.mkdtemp(prefix="yima-nats-")
    c = NatsCluster(os.path.join(tmp, "nats"))
    try:
        c.start()
        c.tmp = tmp
        yield c
    finally:
        c.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def figures(out):
    """The "key value" lines stream_tool prints at its end."""
    f = {}
    for line in out.splitlines():
        k, _, v = line.partition(" ")
        if k and not k.startswith("progress") and "=" not in v:
            f[k] = v
    return f


def tool(*args, timeout=120):
    p = subprocess.run([STREAM_TOOL, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, figures(p.stdout), p.stderr


def read_out(path):
    """(acks: {id: [seq, ...]}, delivered: [(seq, id), ...]) from --out."""
    acks, dlv = {}, []
    with open(path) as f:
        for line in f:
            kind, a, b = line.split()
            if kind == "ack":
                acks.setdefault(int(a), []).append(int(b))
            else:
                dlv.append((int(a), int(b)))
    return acks, dlv


def check_delivery(acks, dlv, first, last):
    """Delivered sequences are first..last, each once, in order, and every
    acked (id, seq) was delivered as that id at that seq."""
    seqs = [s for s, _ in dlv]
    check(seqs == list(range(first, last + 1)),
          f"delivered sequences are not {first}..{last} in order once each "
          f"(got {len(seqs)}, first {seqs[:3]}, last {seqs[-3:]})")
    by_seq = dict(dlv)
    for id, seqs_acked in acks.items():
        for s in seqs_acked:
            eq(by_seq.get(s), id, f"entry delivered at acked sequence {s}")


def test_stream_publish_10000_consume_in_order():
    with cluster() as c:
        out = os.path.join(c.tmp, "out.txt")
        rc, f, err = tool("run", "--urls", c.urls(), "--publish", "10000",
                          "--consume-from", "1", "--out", out, "--timeout", "60")
        eq(rc, 0, f"stream_tool exit ({err})")
        eq(f["acks"], "10000", "acks")
        eq(f["unknown"], "0", "acks with an unknown outcome")
        eq(f["order_errors"], "0", "order errors")
        # Nothing for stream.c's own check to mend on a quiet cluster.
        eq((f["gaps"], f["resubscribes"], f["duplicates_dropped"]), ("0", "0", "0"),
           "gaps, resubscribes, duplicates dropped")
        acks, dlv = read_out(out)
        eq(len(acks), 10000, "ids acked")
        eq(sorted(s for v in acks.values() for s in v), list(range(1, 10001)),
           "acked sequences")
        check_delivery(acks, dlv, 1, 10000)
        print(f"    publish {f['publish_rate']} acks/s, {f['stalls']} stalls; "
              f"consumer latency mean {f['latency_mean_ms']} ms, "
              f"p99 {f['latency_p99_ms']} ms (the consumer started with the stream)")


def test_stream_consume_from_k():
    r = seeded.rng("test_stream.consume_from_k")
    with cluster() as c:
        rc, f, err = tool("run", "--urls", c.urls(), "--publish", "3000", "--timeout", "60")
        eq(rc, 0, f"stream_tool publish ({err})")
        k = r.randint(2, 2999)
        print(f"    consuming from {k}")
        out = os.path.join(c.tmp, "out.txt")
        rc, f, err = tool("run", "--urls", c.urls(), "--consume-from", str(k), "--until",
                          "3000", "--out", out, "--timeout", "60")
        eq(rc, 0, f"stream_tool consume ({err})")
        eq((f["gaps"], f["resubscribes"]), ("0", "0"), "gaps, resubscribes")
        _, dlv = read_out(out)
        check_delivery({}, dlv, k, 3000)
        # The stream as stream_info reports it.
        rc, f, err = tool("info", "--urls", c.urls())
        eq(rc, 0, f"stream_tool info ({err})")
        eq((f["first_seq"], f["last_seq"], f["replicas"]), ("1", "3000", "3"), "stream state")


def test_stream_exists_with_other_settings():
    with cluster() as c:
        rc, _, err = tool("run", "--urls", c.urls(), "--publish", "1", "--timeout", "30")
        eq(rc, 0, f"stream_tool ({err})")
        rc, _, err = tool("run", "--urls", c.urls(), "--replicas", "1", "--publish", "1")
        eq(rc, 2, "exit of stream_tool with replicas 1 against a stream of 3")
        check("stream YIMA exists with replicas 3, configured 1" in err, f"error: {err}")


def test_stream_leader_kill9_while_publishing():
    """kill -9 of the stream leader's nats-server while 20,000 entries are
    appended: publishing resumes after the election (within 40 s: elections
    took 4.5 to 7 s here, once 20 s), and every
    acked entry is delivered at its sequence, in order, no gap, no repeat;
    the restarted node serves as many entries again."""
    r = seeded.rng("test_stream.leader_kill9")
    kill_at = r.randint(2000, 8000)
    print(f"    killing the stream leader after {kill_at} acks")
    with cluster() as c:
        # The stream must exist (and have a leader) before we look for it.
        rc, _, err = tool("run", "--urls", c.urls(), "--publish", "1", "--timeout", "30")
        eq(rc, 0, f"stream_tool ({err})")
        leader = c.stream_leader("YIMA")
        check(leader is not None, "no stream leader found in /jsz")
        out = os.path.join(c.tmp, "out.txt")
        p = subprocess.Popen([STREAM_TOOL, "run", "--urls", c.urls(), "--publish", "20000",
                              "--consume-from", "1", "--out", out, "--timeout", "90"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stderr = []
        t = threading.Thread(target=lambda: stderr.append(p.stderr.read()), daemon=True)
        t.start()
        lines = []
        killed_at = None
        try:
            for line in p.stdout:
                lines.append(line)
                if killed_at is None and line.startswith("progress acked="):
                    acked = int(line.split()[1].split("=")[1])
                    if acked >= kill_at:
                        c.kill9(leader)
                        killed_at = time.monotonic()
            p.wait(timeout=120)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        t.join(10)
        f = figures("".join(lines))
        eq(p.returncode, 0, f"stream_tool exit ({''.join(stderr)[-2000:]})")
        check(killed_at is not None, "the tool finished before the kill")
        new_leader = c.stream_leader("YIMA")
        check(new_leader is not None and new_leader != leader, "a new stream leader")
        gap = float(f["max_ack_gap_ms"])
        print(f"    longest time without an ack: {gap:.0f} ms; {f['unknown']} acks with "
              f"an unknown outcome ({f['no_responders']} no responders); consumer "
              f"resubscribes {f['resubscribes']}, reconnects {f['reconnects']}")
        check(gap < 40000, f"publishing stalled {gap:.0f} ms after the leader's death")
        acks, dlv = read_out(out)
        eq(len(acks), 20000, "ids acked")
        last = max(s for v in acks.values() for s in v)
        # The first run's entry is sequence 1; the consumer read it too.
        check_delivery(acks, [d for d in dlv], 1, last)
        c.restart(leader)
        # The restarted node rejoins and serves the stream again.  Whether
        # it serves the same entries is nats-server's business, and 2.9.10
        # does not always: a replica killed with -9 was seen once serving
        # the stream from sequence 2 on with other entries (a re-appended
        # tail).  That is reported, not asserted: a node applying a
        # diverged replica must be caught by comparing the log's chain
        # heads at the same applied sequence, which the cluster mode's
        # INFO replication is to show.
        out2 = os.path.join(c.tmp, "out2.txt")
        rc, f, err = tool("run", "--urls", c.url(leader), "--consume-from", "1", "--until",
                          str(last), "--out", out2, "--timeout", "60")
        eq(rc, 0, f"stream_tool after the restart ({err})")
        _, dlv2 = read_out(out2)
        eq(len(dlv2), len(dlv), "entries read again after the old leader came back")
        differ = [i for i, (a, b) in enumerate(zip(dlv, dlv2)) if a != b]
        if differ:
            i = differ[0]
            print(f"    the restarted replica serves {len(differ)} entries otherwise, from "
                  f"{dlv[i]} (first run) against {dlv2[i]}: nats-server's replica divergence "
                  f"after kill -9")
