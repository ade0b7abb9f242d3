"""Daemon configuration, start-up errors, INFO, and the yima CLI."""
import json
import os
import subprocess
import tempfile

from harness import YIMA, YIMAD, Yimad, check, encode, eq

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def run_yimad(*args):
    p = subprocess.run([YIMAD, *args], capture_output=True, timeout=30)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_config_errors_name_file_and_line():
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "y.conf")
        cases = [
            ("port = 7700\n# comment\nprot = 1\n", ":3: unknown option 'prot'"),
            ("threads = many\n", ":1: threads: 'many' is not a whole number"),
            ("\nmap_size = 12XB\n", ":2: map_size: '12XB' is not a size"),
            ("log_level = loud\n", ":1: log_level: 'loud' is not one of"),
            ("\n[server]\nport = 1\n", ":2: sections are not used; '[server]' found"),
            ("port 7700\n", ":1: expected 'key = value'"),
        ]
        for text, msg in cases:
            with open(conf, "w") as f:
                f.write(text)
            rc, _, err = run_yimad("-c", conf)
            eq(rc, 2, f"exit status for {text!r}")
            check(conf + msg in err, f"{text!r}: {err}")
        rc, _, err = run_yimad("--prot", "1")
        check(rc == 2 and "unknown option 'prot'" in err, err)
        rc, _, err = run_yimad("--port", "70000")
        check(rc == 2 and "out of range" in err, err)
        rc, _, err = run_yimad("-c", os.path.join(tmp, "missing.conf"))
        check(rc == 2 and "No such file" in err, err)


def test_shipped_config_and_flag_precedence():
    conf = os.path.join(ROOT, "config", "yimad.conf")
    d = Yimad("-c", conf, "--threads", "3", "--log-level", "debug")
    try:
        rc, out, _ = d.yima("--json", "INFO", "server", check_rc=0)
        server = json.loads(out)["server"]
        eq(server["threads"], 3, "--threads overrides the file")
        eq(server["port"], d.port, "--port overrides the file")
        check("[debug]" in d.output(), "--log-level debug took effect")
    finally:
        d.close()


def test_info_reports_store_and_writer():
    d = Yimad()
    try:
        c = d.connect()
        c.send(b"".join(b"*5\r\n$4\r\nSITE\r\n$3\r\nSET\r\n$2\r\ni%d\r\n$4\r\nname\r\n$1\r\nx\r\n"
                        % (i % 10) for i in range(100)))
        for _ in range(100):
            eq(c.reply(), "OK", "set")
        rc, out, _ = d.yima("--json", "INFO", check_rc=0)
        info = json.loads(out)
        eq(set(info), {"server", "clients", "store", "writer", "memory", "audit",
                       "replication"}, "sections")
        eq(info["replication"], {"role": "single"}, "one node, no cluster")
        eq(info["store"]["entries"]["sites"], 10, "sites entries")
        eq(info["store"]["entries"]["site_nums"], 10, "site_nums entries")
        eq(info["writer"]["writes"], 100, "writes")
        check(1 <= info["writer"]["commits"] <= 100, info["writer"])
        check(abs(info["writer"]["mean_group_size"] -
                  100 / info["writer"]["commits"]) < 1e-9, info["writer"])
        check(info["memory"]["rss_bytes"] > 0, info["memory"])
        check(info["store"]["map_used"] > 0, info["store"])
    finally:
        d.close()


def thread_names(pid):
    """{thread id: its name} of a process."""
    names = {}
    for t in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{t}/comm") as f:
            names[int(t)] = f.read().strip()
    return names


def test_writer_cpu_seconds_and_thread_names():
    d = Yimad("--threads", "3")
    try:
        pid = d.proc.pid
        names = thread_names(pid)
        # (A sanitizer may add a thread of its own: only yimad's are counted.)
        eq(names[pid], "yimad", "the main thread's name")
        eq(sorted(n for n in names.values() if n.startswith("yimad-")),
           ["yimad-net", "yimad-net", "yimad-net", "yimad-writer"], "thread names")
        writer = next(t for t, n in names.items() if n == "yimad-writer")

        def cpu():
            rc, out, _ = d.yima("--json", "INFO", "writer", check_rc=0)
            v = json.loads(out)["writer"]["cpu_seconds"]
            check(isinstance(v, float), f"cpu_seconds is not a double: {v!r}")
            return v

        def kernel():
            # What the kernel counts for the thread, in ns (the same clock).
            with open(f"/proc/{pid}/task/{writer}/schedstat") as f:
                return int(f.read().split()[0]) / 1e9

        c0 = cpu()
        check(0 <= c0 < 1, f"a writer that has done nothing used {c0} s")
        c = d.connect()
        c.send(b"".join(encode("SITE", "SET", f"s{i}", "name", "x" * 100)
                        for i in range(3000)))
        for _ in range(3000):
            eq(c.reply(), "OK", "SITE SET")
        c.close()
        c1 = cpu()
        check(c1 > c0, f"3000 writes and the writer's CPU went from {c0} to {c1}")
        # The writer is at rest: INFO gives the kernel's figure for that
        # thread, not another thread's nor the process's.
        k0 = kernel()
        c2 = cpu()
        k1 = kernel()
        check(k0 - 1e-3 <= c2 <= k1 + 1e-3,
              f"cpu_seconds {c2}, the writer thread's run time {k0}..{k1}")
    finally:
        d.close()


def test_stop_signals_are_read_by_the_event_loop():
    """SIGTERM, SIGINT and SIGHUP are blocked in every thread and read by
    the main thread's event loop from a signalfd: no handler runs on a
    thread asleep elsewhere (a sanitizer defers it, and the daemon would
    never stop).  And a SIGTERM sent the moment yimad says it is ready
    stops it cleanly, every time."""
    wanted = {1: "SIGHUP", 2: "SIGINT", 15: "SIGTERM"}

    def named(mask):
        return {name for n, name in wanted.items() if mask >> (n - 1) & 1}

    def blocked(pid, tid):
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            return named(next(int(line.split()[1], 16) for line in f
                              if line.startswith("SigBlk:")))

    def signalfds(pid):
        """The signal sets of the process's signalfds."""
        sets = []
        for fd in os.listdir(f"/proc/{pid}/fdinfo"):
            try:
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    for line in f:
                        if line.startswith("sigmask:"):
                            sets.append(named(int(line.split()[1], 16)))
            except FileNotFoundError:   # closed meanwhile
                pass
        return sets

    d = Yimad("--threads", "2")
    try:
        pid = d.proc.pid
        tasks = thread_names(pid)
        ours = [t for t, n in tasks.items() if n.startswith("yimad-")]
        eq(len(ours), 3, f"yimad's own threads: {tasks}")
        for t in tasks:
            eq(blocked(pid, t), set(wanted.values()), f"signals {tasks[t]} ({t}) blocks")
        eq(signalfds(pid), [set(wanted.values())], "the signalfd the loop reads them from")
    finally:
        d.close()
    for i in range(10):
        d = Yimad()
        try:
            eq(d.stop(timeout=30), 0, f"round {i}: exit status after a SIGTERM at once")
        finally:
            d.close()


def test_cli_output_and_exit_status():
    d = Yimad()
    try:
        eq(d.yima("PING")[:2], (0, "PONG\n"), "PING")
        rc, out, err = d.yima("SITE", "GET", "nope")
        eq(rc, 1, "error reply exit status")
        eq(err, "yima: NOTFOUND no site 'nope'\n", "error text: one form for every error")
        rc, out, _ = d.yima("--json", "SITE", "GET", "nope")
        eq((rc, json.loads(out)), (1, {"error": "NOTFOUND no site 'nope'"}), "JSON error")
        d.yima("SITE", "SET", "s1", "name", "药房一号", "kind", "pharmacy", check_rc=0)
        rc, out, _ = d.yima("SITE", "GET", "s1", check_rc=0)
        eq(out, "id: s1\nname: 药房一号\nkind: pharmacy\n", "text output of a map")
        rc, out, _ = d.yima("--json", "SITE", "GET", "s1", check_rc=0)
        eq(json.loads(out), {"id": "s1", "name": "药房一号", "kind": "pharmacy"}, "JSON map")
        # Usage and connection errors: 2.
        p = subprocess.run([YIMA, "--bogus"], capture_output=True, timeout=30)
        eq(p.returncode, 2, "unknown option")
        p = subprocess.run([YIMA, "-p", "1", "PING"], capture_output=True, timeout=30)
        eq(p.returncode, 2, "connection refused")
        check(b"cannot connect to 127.0.0.1:1" in p.stderr, p.stderr)
        # Commands from standard input, one per line.
        rc, out, err = d.yima(input=b'SITE SET s2 name "Two Words"\nSITE GET s2\nPING\n')
        eq(rc, 0, "piped commands")
        eq(out, "OK\nid: s2\nname: Two Words\nPONG\n", "piped output")
        rc, out, err = d.yima(input=b"NOSUCH\nPING\n")
        eq(rc, 1, "piped commands with an error reply")
        eq(out, "PONG\n", "later commands still run")
    finally:
        d.close()


def test_redis_cli_pipe_of_commands():
    """redis-cli as an independent client: several commands through one
    connection, RESP3 maps included."""
    d = Yimad()
    try:
        rc, out, _ = d.redis_cli(input=b"PRODUCT SET 8301234 name Amoxicillin\n"
                                        b"PRODUCT GET 8301234\nPING\n")
        eq(rc, 0, "redis-cli exit status")
        eq(out.split("\n")[:6], ["OK", "id", "8301234", "name", "Amoxicillin", "PONG"],
           "redis-cli output")
        rc, out, _ = d.redis_cli("--no-raw", "-3", "PRODUCT", "GET", "8301234")
        eq(rc, 0, "redis-cli -3 exit status")
        check('1# "id" => "8301234"' in out, f"RESP3 map from redis-cli -3: {out!r}")
        # --pipe: raw RESP in, counts out (it ends with ECHO to find the end).
        data = b"".join(encode("SITE", "SET", f"p{i}", "name", f"Pipe {i}") for i in range(1000))
        rc, out, _ = d.redis_cli("--pipe", input=data)
        eq(rc, 0, "redis-cli --pipe exit status")
        check("errors: 0, replies: 1000" in out, out)
        eq(d.connect().call("SITE", "GET", "p999")[3], b"Pipe 999", "piped write stored")
    finally:
        d.close()
