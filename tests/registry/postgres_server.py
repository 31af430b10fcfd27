"""A throwaway PostgreSQL server for the registry tests: Debian's initdb and pg_ctl on a free
loopback port, in a temporary folder, stopped and removed afterwards.

PostgreSQL refuses to run as root, and the tests run as root in CI: then the server runs as
the `postgres` system user (through runuser) in a folder that user owns. Authentication is
`trust` on 127.0.0.1 only; fsync is off (these tests check the registry, not PostgreSQL).
"""
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def pg_bin():
    """The newest installed PostgreSQL's bin folder (Debian 12: /usr/lib/postgresql/15/bin)."""
    found = sorted(glob.glob(PG_BIN_GLOB), key=lambda p: int(p.split("/")[-2]))
    if not found or not os.access(os.path.join(found[-1], "initdb"), os.X_OK):
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql "
                           "(install the Debian package postgresql)")
    return found[-1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self):
        self.bin = pg_bin()
        user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        self.dir = tempfile.mkdtemp(prefix="berth-pg-", dir="/tmp")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self.port = None
        self.prefix = []
        if user is not None:
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        os.chmod(self.dir, 0o700)

    @property
    def uri(self):
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args, timeout=120):
        r = subprocess.run([*self.prefix, *args], capture_output=True, text=True,
                           timeout=timeout)
        if r.returncode != 0:
            log = ""
            if os.path.exists(self.log):
                with open(self.log, errors="replace") as f:
                    log = f.read()[-3000:]
            raise RuntimeError(f"{' '.join(args[:2])} failed ({r.returncode}):\n"
                               f"{r.stdout}{r.stderr}{log}")
        return r

    def start(self):
        """Starts the server; on failure removes what it made and raises RuntimeError."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        self._run(os.path.join(self.bin, "initdb"), "-D", self.data, "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync")
        for attempt in range(3):
            self.port = free_port()
            options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                       "-c fsync=off -c max_connections=60")
            try:
                self._run(os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l", self.log,
                          "-w", "-t", "60", "-o", options, "start")
                return self
            except RuntimeError:
                if attempt == 2:
                    raise
        return self

    def stop(self):
        try:
            if os.path.exists(os.path.join(self.data, "postmaster.pid")):
                self._run(os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "immediate",
                          "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def in_ci():
    return os.environ.get("CI") == "true"


def server_or_none():
    """Yields a started server, or None when PostgreSQL cannot start outside CI (the caller's
    cases then skip); with CI=true a server that does not start fails the run. For fixtures:
    `yield from server_or_none()`."""
    import pytest
    try:
        server = PostgresServer().start()
    except (RuntimeError, OSError, KeyError) as e:
        if in_ci():
            pytest.fail(f"PostgreSQL did not start (CI=true): {e}")
        yield None
        return
    yield server
    server.stop()


_database_numbers = itertools.count(1)


def new_database(server, prefix):
    """Creates an empty database `<prefix>_<n>` on `server`; returns its URI."""
    name = f"{prefix}_{next(_database_numbers)}"
    r = subprocess.run(["psql", server.uri, "-v", "ON_ERROR_STOP=1", "-qc",
                        f"CREATE DATABASE {name}"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return server.uri.rsplit("/", 1)[0] + "/" + name
