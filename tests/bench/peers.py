"""The servers yima is compared with, each started on a free loopback port
in a directory of its own and stopped by its owner (both are context
managers):

  PgServer     Debian's PostgreSQL (initdb + pg_ctl as the postgres user),
               fsync and synchronous_commit on;
  RedisServer  Debian's redis-server, no snapshots; AOF on request.

Missing packages are installed with apt-get (as root).  Every wait is
bounded in time.
"""
import glob
import os
import pwd
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def apt_install(package):
    subprocess.run(["apt-get", "install", "-y", "-q", package], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        apt_install("postgresql")
        found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1]


def as_postgres(*cmd, **kw):
    return subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True,
                          capture_output=True, text=True, **kw)


class PgServer:
    """A throw-away PostgreSQL cluster under work/pgdata.  Files it must read
    with COPY go in self.dir (owned by postgres)."""

    def __init__(self, work, settings=()):
        pg_bin("initdb")
        self.pw = pwd.getpwnam("postgres")
        self.dir = work
        self.pgdata = os.path.join(work, "pgdata")
        self.port = free_port()
        self.settings = ["fsync=on", "synchronous_commit=on", *settings]
        os.makedirs(self.pgdata, exist_ok=True)
        for d in (work, self.pgdata):
            os.chown(d, self.pw.pw_uid, self.pw.pw_gid)

    def give(self, path):
        """Let the server read path (for COPY ... FROM 'path')."""
        os.chown(path, self.pw.pw_uid, self.pw.pw_gid)

    def __enter__(self):
        as_postgres(pg_bin("initdb"), "-D", self.pgdata, "-A", "trust", "-U", "postgres")
        opts = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 " + " ".join(
            f"-c {s}" for s in self.settings)
        as_postgres(pg_bin("pg_ctl"), "-D", self.pgdata, "-w", "-t", "60", "-l",
                    os.path.join(self.pgdata, "log"), "-o", opts, "start")
        return self

    def psql(self, sql, timeout=7200):
        return as_postgres(pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                           "postgres", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql,
                           timeout=timeout).stdout.strip()

    def __exit__(self, *exc):
        as_postgres(pg_bin("pg_ctl"), "-D", self.pgdata, "-m", "fast", "-w", "-t", "120", "stop")


class RedisServer:
    """redis-server in the foreground under work/, RDB snapshots off."""

    def __init__(self, work):
        if not os.path.exists("/usr/bin/redis-server"):
            apt_install("redis-server")
        self.dir = work
        self.port = free_port()
        os.makedirs(work, exist_ok=True)
        self.proc = None

    def __enter__(self):
        self.log = open(os.path.join(self.dir, "redis.log"), "wb")
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", self.dir,
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while self.cli("PING", check=False) != "PONG":
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start; see " + self.log.name)
            time.sleep(0.05)
        return self

    def cli(self, *args, check=True, **kw):
        p = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True,
                           text=True, timeout=kw.pop("timeout", 600), **kw)
        if check and p.returncode != 0:
            raise RuntimeError(f"redis-cli {' '.join(args)}: {p.stderr.strip()}")
        return p.stdout.strip()

    def info(self, section):
        out = {}
        for line in self.cli("INFO", section).splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                out[k] = v.strip()
        return out

    def durable_aof(self, timeout=3600):
        """Turn on the append-only file with an fsync before every reply:
        a rewrite of what is loaded, then appendfsync always."""
        self.cli("CONFIG", "SET", "appendonly", "yes")
        deadline = time.monotonic() + timeout
        while True:
            p = self.info("persistence")
            if p.get("aof_rewrite_in_progress") == "0" and p.get("aof_rewrite_scheduled") == "0":
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the AOF rewrite did not finish")
            time.sleep(0.2)
        self.cli("CONFIG", "SET", "appendfsync", "always")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
