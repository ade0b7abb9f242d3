"""Cluster mode: three yimads applying one log replicated on a 3-node
NATS JetStream cluster (natsctl.py), all on 127.0.0.1.  Writes go through
any node; every node applies the stream in order; the same entries give
the same answers and the same chain heads everywhere."""
import contextlib
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time

import oldstore
import seeded
from harness import YIMA, ConnectionClosed, Error, Yimad, check, day, eq, info
from natsctl import NatsCluster
from test_stream import STREAM_TOOL

PRODUCT = "8301234"
CONVERGE_S = 60


def cn(n):
    return f"{PRODUCT}{n:013d}"


@contextlib.contextmanager
def cluster_of(n=3):
    tmp = tempfile.mkdtemp(prefix="yima-cluster-")
    nats = NatsCluster(os.path.join(tmp, "nats"))
    nodes = []
    try:
        nats.start()
        nats.tmp = tmp
        for i in range(n):
            nodes.append(node(nats, f"y{i + 1}"))
        yield nats, nodes
    finally:
        for d in nodes:
            d.close()
        nats.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def node(nats, name, data=None):
    return Yimad("--cluster-nats-urls", nats.urls(), "--node-name", name,
                 "--cluster-max-bytes", "1GiB", data=data)


def conn(d, timeout=60.0):
    c = d.connect(timeout=timeout)
    c.call("HELLO", "3")
    return c


def replication(d):
    c = conn(d)
    r = info(c, "replication")
    c.close()
    return {k.decode(): v.decode() if isinstance(v, bytes) else v for k, v in r.items()}


def converge(nodes, what="the nodes"):
    """Wait (bounded) until every node has applied the whole stream; the
    heads then must be the same everywhere.  Returns one node's figures."""
    deadline = time.monotonic() + CONVERGE_S
    while True:
        reps = [replication(d) for d in nodes]
        applied = {(r["applied_seq"], r["applied_index"]) for r in reps}
        last = max(r["stream_last_seq"] for r in reps)
        if len(applied) == 1 and applied.pop()[0] >= last:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not converge in {CONVERGE_S} s: "
                                 f"{[(r['node'], r['applied_seq'], r['stream_last_seq']) for r in reps]}")
        time.sleep(0.1)
    for r in reps[1:]:
        same = lambda x: (x["applied_seq"], x["applied_index"], x["head_seq"], x["head_hash"],
                          x["log_head_seq"], x["log_head_hash"])
        if same(r) != same(reps[0]):
            print_log_difference(nodes, reps)
        eq((r["applied_seq"], r["applied_index"], r["head_seq"], r["head_hash"],
            r["log_head_seq"], r["log_head_hash"]),
           (reps[0]["applied_seq"], reps[0]["applied_index"], reps[0]["head_seq"],
            reps[0]["head_hash"], reps[0]["log_head_seq"], reps[0]["log_head_hash"]),
           f"{r['node']}'s heads against {reps[0]['node']}'s")
    return reps[0]


def log_entries(d):
    """The node's log entries (DB "log": 8-byte sequence, then the link and
    the entry), read with mdb_dump while it runs; LMDB readers do not block
    the writer."""
    out = subprocess.run(["mdb_dump", "-s", "log", d.data], capture_output=True,
                         timeout=60, text=True)
    if out.returncode != 0:
        return None, out.stderr.strip()
    lines = [ln.strip() for ln in out.stdout.split("HEADER=END", 1)[-1].splitlines()
             if ln.startswith(" ")]
    # Key and value lines alternate; the value's first 32 bytes are the link.
    return [bytes.fromhex(v)[32:] for v in lines[1::2]], None


def print_log_difference(nodes, reps):
    """Diagnostics for heads that differ after the nodes converged: which
    entries one node's log holds that another's does not, and where."""
    logs = {}
    for d, r in zip(nodes, reps):
        entries, err = log_entries(d)
        logs[r["node"]] = entries
        print(f"    {r['node']}: {len(entries) if entries is not None else err} log entries, "
              f"applied {r['applied_seq']}.{r['applied_index']}")
    names = [n for n in logs if logs[n] is not None]
    for a in names:
        for b in names:
            if a == b:
                continue
            theirs = set(logs[b])
            for i, e in enumerate(logs[a]):
                if e not in theirs:
                    print(f"    entry {i + 1} of {a} is not in {b}'s log: {e[:160]!r}")
                    break


def ok(r, what):
    check(not isinstance(r, Error), f"{what}: {r}")
    return r


def stock(d, n, lot="L1"):
    """Sites, the product and n units received at PH1, through node d."""
    c = conn(d)
    for site, kind in (("MFR", "manufacturer"), ("PH1", "pharmacy"), ("PH2", "pharmacy")):
        ok(c.call("SITE", "SET", site, "name", site, "kind", kind), "SITE SET")
    ok(c.call("PRODUCT", "SET", PRODUCT, "name", "Amoxicillin"), "PRODUCT SET")
    codes = [cn(i) for i in range(1, n + 1)]
    for at in range(0, n, 500):
        part = codes[at:at + 500]
        ok(c.call("COMMISSION", *part, "SITE", "MFR", "LOT", lot, "EXPIRY", day(400)),
           "COMMISSION")
        ok(c.call("SHIP", *part, "FROM", "MFR", "TO", "PH1"), "SHIP")
        ok(c.call("RECEIVE", *part, "SITE", "PH1"), "RECEIVE")
    c.close()
    return codes


def verdict(r):
    return r[b"verdict"].decode() if isinstance(r, dict) else None


def answers(d, codes):
    """What a node answers about the codes and their lot."""
    c = conn(d)
    out = [c.call("VERIFY", code) for code in codes]
    out += [c.call("TRACE", code) for code in codes]
    out.append(c.call("IMPACT", PRODUCT, "L1"))
    c.close()
    return out


def test_one_winner_per_code_through_three_nodes():
    """The same codes sold at once through all three nodes, each with its
    own TX: exactly one sale per code (the first in stream order), and
    every node answers VERIFY, TRACE and IMPACT alike, with the same chain
    heads at the same applied sequence."""
    r = seeded.rng("test_cluster.one_winner")
    with cluster_of() as (_, nodes):
        codes = stock(nodes[0], 30)
        converge(nodes, "after the stock")
        got = [[] for _ in nodes]
        errors = []

        def sell(i):
            try:
                c = conn(nodes[i])
                order = codes[:]
                r2 = random.Random(r.random() + i)
                r2.shuffle(order)
                for code in order:
                    got[i].append((code, verdict(c.call("DISPENSE", code, "SITE", "PH1",
                                                       "TX", f"N{i}-{code[-3:]}"))))
                c.close()
            except Exception as e:      # reported below
                errors.append(e)
        threads = [threading.Thread(target=sell, args=(i,)) for i in range(len(nodes))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        eq(errors, [], "sellers")
        for code in codes:
            sold = [v for g in got for c, v in g if c == code and v != "red"]
            eq(len(sold), 1, f"{code}: sales that were not RED")
            check(all(v in ("green", "amber", "red") for g in got for c, v in g if c == code),
                  f"{code}: every reply a verdict")
        head = converge(nodes, "after the sales")
        print(f"    {len(codes) * len(nodes)} dispenses through {len(nodes)} nodes; "
              f"applied up to stream message {head['applied_seq']}, log head "
              f"{head['log_head_seq']}")
        want = answers(nodes[0], codes)
        for d in nodes[1:]:
            eq(answers(d, codes), want, "VERIFY, TRACE and IMPACT on every node")


def test_acknowledged_sales_survive_kill9_of_a_node_and_of_the_leader():
    """A dispense storm through two nodes while a third yimad is killed
    with -9 and restarted, then while the stream leader's nats-server is:
    every sale acknowledged GREEN is dispensed on every node afterwards, no
    code is sold twice, and the restarted node converges to the same heads."""
    r = seeded.rng("test_cluster.kill9")
    with cluster_of() as (nats, nodes):
        codes = stock(nodes[0], 3000)
        converge(nodes, "after the stock")
        acked, errors = [], []
        lock = threading.Lock()

        def storm(i, mine):
            c = conn(nodes[i])
            for n, code in enumerate(mine):
                try:
                    v = verdict(c.call("DISPENSE", code, "SITE", "PH1", "TX", f"S{i}-{n}"))
                except (ConnectionClosed, OSError) as e:
                    errors.append(e)
                    break
                if v is not None and v != "red":
                    with lock:
                        acked.append(code)
            c.close()

        def wait_acked(n):
            deadline = time.monotonic() + 60
            while len(acked) < n and time.monotonic() < deadline and not errors:
                time.sleep(0.01)
            return len(acked)

        # Overlapping halves: some codes are sold through both nodes.
        order = codes[:]
        r.shuffle(order)
        halves = (order[:1800], order[1200:])
        threads = [threading.Thread(target=storm, args=(i, h))
                   for i, h in zip((0, 2), halves)]
        for t in threads:
            t.start()
        at_node_kill = wait_acked(200)
        nodes[1].kill9()
        leader = nats.stream_leader("YIMA")
        check(leader is not None, "a stream leader")
        at_leader_kill = wait_acked(at_node_kill + 300)
        nats.kill9(leader)
        killed = time.monotonic()
        for t in threads:
            t.join(180)
        stalled = time.monotonic() - killed
        eq(errors, [], "the sellers' connections")
        check(len(acked) > at_leader_kill + 100,
              f"sales went on after the leader's kill: {at_leader_kill} then {len(acked)}")
        nats.restart(leader)
        nodes[1].start()
        head = converge(nodes, "after the kills")
        print(f"    {len(acked)} sales acknowledged ({at_node_kill} when a yimad was killed, "
              f"{at_leader_kill} when the stream leader was); the sellers finished "
              f"{stalled:.1f} s after the leader's kill; applied {head['applied_seq']}")
        eq(len(acked), len(set(acked)), "no code acknowledged twice")
        for d in nodes:
            c = conn(d)
            for code in acked:
                eq(c.call("VERIFY", code)[b"status"], b"dispensed",
                   f"{code} on {d.flags[3]}")
            c.close()


def test_bulk_load_through_one_node_verifies_on_the_others():
    """yima load of a generated supply chain through one node: every node
    holds the same records and answers the sample codes alike."""
    with cluster_of() as (nats, nodes):
        gen = os.path.join(nats.tmp, "gen")
        subprocess.run([os.path.join(os.path.dirname(YIMA), "yima-gen"), "--units", "2000", "--seed", "5", "--today", "2027-03-15",
                        "--out", gen], check=True, capture_output=True, timeout=120)
        rc, out, err = nodes[0].yima("load", *(os.path.join(gen, f) for f in
                                              ("sites.csv", "products.csv", "events.csv")))
        eq(rc, 0, f"yima load: {err}")
        converge(nodes, "after the load")
        with open(os.path.join(gen, "sample-codes.txt")) as f:
            sample = [line.strip() for line in f if line.strip()][:50]
        want = []
        for i, d in enumerate(nodes):
            c = conn(d)
            got = [c.call("VERIFY", code) for code in sample]
            store = info(c, "store")[b"entries"]
            c.close()
            if i == 0:
                want = (got, store)
            else:
                eq((got, store), want, f"node {i + 1}: answers and record counts")


def test_new_node_joins_from_a_backup():
    """A fourth node started on a peer's BACKUP consumes the stream from
    the sequence the copy holds and catches up with writes made since."""
    with cluster_of() as (nats, nodes):
        codes = stock(nodes[0], 20)
        c = conn(nodes[1])
        ok(c.call("DISPENSE", codes[0], "SITE", "PH1", "TX", "B1"), "a sale")
        c.close()
        converge(nodes, "before the backup")
        rc, out, err = nodes[0].yima("backup", "join")
        eq(rc, 0, f"yima backup: {err}")
        path = os.path.join(nodes[0].tmp, "backups", "join")
        c = conn(nodes[2])
        for code in codes[1:6]:
            ok(c.call("DISPENSE", code, "SITE", "PH1", "TX", "AFTER"), "a sale after it")
        c.close()
        fourth = node(nats, "y4", data=path)
        nodes.append(fourth)
        head = converge(nodes, "with the fourth node")
        c = conn(fourth)
        for code in codes[:6]:
            eq(c.call("VERIFY", code)[b"status"], b"dispensed", f"{code} on the new node")
        c.close()
        print(f"    the new node caught up to entry {head['applied_seq']}")


def test_entry_of_a_newer_yimad_stops_the_nodes_that_cannot_read_it():
    """An entry of a newer format (here a sale's entry as stored, its
    version byte raised to 3) is not applied as a refusal, which would
    leave these nodes without a write that newer nodes apply: every node
    stops applying the stream there and says why in INFO replication, what
    came before it stays applied, a new write is answered UNAVAILABLE, and
    a node started again stops at the same entry."""
    with cluster_of() as (nats, nodes):
        codes = stock(nodes[0], 3)
        c = conn(nodes[1])
        ok(c.call("DISPENSE", codes[0], "SITE", "PH1", "TX", "N1"), "a sale")
        c.close()
        before = converge(nodes, "before the newer entry")
        sale = bytes.fromhex(oldstore.dump(nodes[0].data, "log")[-1][1])[32:]
        eq(sale[0], 2, "the sale's entry version")
        newer = bytes([3]) + sale[1:]
        out = subprocess.run([STREAM_TOOL, "put", "--urls", nats.urls(), "--hex",
                              (len(newer).to_bytes(4, "big") + newer).hex()],
                             capture_output=True, text=True, timeout=90)
        eq(out.returncode, 0, f"stream_tool put: {out.stderr}")
        seq = int(out.stdout.split()[1])
        check(seq > before["applied_seq"], f"published at {seq}")

        def halted_everywhere():
            deadline = time.monotonic() + CONVERGE_S
            while True:
                reps = [replication(d) for d in nodes]
                if all(r["halted"] for r in reps):
                    return reps
                check(time.monotonic() < deadline, f"not every node halted: {reps}")
                time.sleep(0.1)

        for r in halted_everywhere():
            check(f"stream entry {seq}.0: entry version 3, of a newer yimad" in
                  r["halted_why"], r["halted_why"])
            eq((r["applied_seq"], r["log_head_seq"], r["log_head_hash"]),
               (before["applied_seq"], before["log_head_seq"], before["log_head_hash"]),
               f"{r['node']} applied nothing from the newer entry on")
        c = conn(nodes[2])
        r = c.call("DISPENSE", codes[1], "SITE", "PH1", "TX", "N2")
        check(isinstance(r, Error) and str(r).startswith("UNAVAILABLE"), r)
        eq(c.call("VERIFY", codes[0])[b"status"], b"dispensed", "the sale before it")
        c.close()
        eq(nodes[2].stop(), 0, "y3 stopped")
        nodes[2].start()
        r = halted_everywhere()[2]
        check(f"stream entry {seq}.0" in r["halted_why"], r["halted_why"])
        eq(r["applied_seq"], before["applied_seq"], "y3 after a restart")


def test_client_with_three_servers_keeps_selling():
    """yima with all three nodes (-h a,b,c) sells code after code while
    the first node is killed: every sale GREEN, none a duplicate."""
    with cluster_of() as (_, nodes):
        codes = stock(nodes[0], 20)
        converge(nodes, "after the stock")
        hosts = ",".join(f"127.0.0.1:{d.port}" for d in nodes)
        for n, code in enumerate(codes):
            if n == 8:
                nodes[0].kill9()
            p = subprocess.run([YIMA, "-h", hosts, "dispense", code, "--site", "PH1",
                                "--tx", f"F{n}"], capture_output=True, text=True, timeout=60)
            eq(p.returncode, 0, f"sale {n}: {p.stdout}{p.stderr}")
            check("GREEN" in p.stdout.upper(), f"sale {n}: {p.stdout}")
        nodes[0].start()
        converge(nodes, "after the client's sales")


def test_fresh_read_sees_what_another_node_acknowledged():
    """A sale acknowledged by one node, then VERIFY ... FRESH through
    another at once: it waits for that node to apply the stream's last entry
    and always shows the sale (a plain VERIFY may answer from a store a few
    entries behind).  One node alone takes FRESH too."""
    with cluster_of() as (_, nodes):
        codes = stock(nodes[0], 600)
        converge(nodes, "after the stock")
        sellers = [conn(d) for d in nodes]
        fresh, plain = codes[:300], codes[300:]
        stale = 0
        for n in range(300):
            a, b, other = sellers[n % 3], sellers[(n + 1) % 3], sellers[(n + 2) % 3]
            check(verdict(a.call("DISPENSE", fresh[n], "SITE", "PH1", "TX", f"F{n}")) ==
                  "green", "a sale")
            r = b.call("VERIFY", fresh[n], "FRESH")
            eq(r[b"status"], b"dispensed", f"{fresh[n]}: VERIFY FRESH on the next node")
            r = b.call("TRACE", fresh[n], "FRESH")
            check(not isinstance(r, Error), f"TRACE FRESH: {r}")
            check(verdict(a.call("DISPENSE", plain[n], "SITE", "PH1", "TX", f"G{n}")) ==
                  "green", "another sale")
            if other.call("VERIFY", plain[n])[b"status"] != b"dispensed":
                stale += 1
        print(f"    {len(fresh)} fresh reads after a sale elsewhere, all current; "
              f"{stale} plain reads answered before their node applied the sale")
    d = Yimad()
    try:
        c = conn(d)
        r = c.call("VERIFY", cn(1), "FRESH")
        check(isinstance(r, dict) and r[b"verdict"] == b"red", f"one node: {r}")
    finally:
        d.close()
