"""Fixtures: a model repository in tmp_path and `berth serve` on free loopback ports.

The server binary is $BERTH_BIN, or build/bin/berth under the repository root. Every server a
test starts is stopped with SIGTERM at the end and must exit with code 0.
"""
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import models  # noqa: E402
import util  # noqa: E402

READY_TIMEOUT = 90.0   # seconds a server may take to come up (bounded wait, not a check)
STOP_TIMEOUT = 90.0    # seconds it may take to exit after SIGTERM


def tritonclient_or_skip():
    """Skips the calling module when tritonclient is missing (the only reason to skip)."""
    for mod in ("tritonclient.http", "tritonclient.grpc"):
        pytest.importorskip(mod, reason=f"{mod} is not importable: pip install "
                                        "'tritonclient[http,grpc]' into .venv")


def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1 (closed again; the server binds them)."""
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def wait_for(predicate, timeout, what, interval=0.05, on_fail=None):
    """Polls until predicate() is truthy; fails after `timeout` seconds naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() > deadline:
            extra = on_fail() if on_fail else ""
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}{extra}")
        time.sleep(interval)


class Server:
    """One `berth serve` process."""

    def __init__(self, repo, log_path, mode="none", args=(), stdout_path=None, env=None):
        self.repo = str(repo)
        self.log_path = str(log_path)
        # With stdout_path, stdout (the logs) goes there and only stderr to log_path.
        self.stdout_path = str(stdout_path) if stdout_path else None
        self.env = env
        self.mode = mode
        self.args = [str(a) for a in args]
        self.proc = None
        self.http_port = self.grpc_port = None
        self.returncode = None

    @property
    def http_url(self):
        return f"127.0.0.1:{self.http_port}"

    @property
    def grpc_url(self):
        return f"127.0.0.1:{self.grpc_port}"

    def command(self):
        return [util.BERTH, "serve", "--model-repository", self.repo, "--host", "127.0.0.1",
                "--http-port", str(self.http_port), "--grpc-port", str(self.grpc_port),
                "--model-control-mode", self.mode, *self.args]

    def stderr(self):
        try:
            with open(self.log_path, errors="replace") as f:
                text = f.read()
        except OSError:
            return ""
        return text + (self.stdout() if self.stdout_path else "")

    def stdout(self):
        """What the server wrote on stdout, when it went to stdout_path."""
        try:
            with open(self.stdout_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _describe(self):
        rc = self.proc.poll() if self.proc else None
        return (f"\ncommand: {' '.join(self.command())}\nexit code: {rc}\n"
                f"--- server output ---\n{self.stderr()[-6000:]}")

    def start(self, wait="ready"):
        # The binary may be mid-rebuild: give it a bounded while to reappear.
        wait_for(lambda: os.access(util.BERTH, os.X_OK), 180, f"{util.BERTH} to exist")
        for attempt in range(3):
            self.http_port, self.grpc_port = free_ports(2)
            log = open(self.log_path, "ab")
            out = open(self.stdout_path, "ab") if self.stdout_path else None
            env = dict(os.environ, **self.env) if self.env else None
            self.proc = subprocess.Popen(self.command(), stdout=out or log,
                                         stderr=log if out else subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env)
            log.close()
            if out:
                out.close()
            ok = self._wait(wait)
            if ok:
                return self
            # Lost a race for the port to another process: try other ports.
            if "address" in self.stderr().lower() and attempt < 2:
                continue
            break
        pytest.fail(f"berth serve did not become {wait}{self._describe()}")

    def _wait(self, wait):
        path = "/v2/health/ready" if wait == "ready" else "/v2/health/live"
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if util.get(self.http_port, path, timeout=5).status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=STOP_TIMEOUT):
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"berth serve did not exit within {timeout:.0f} s of the signal"
                        f"{self._describe()}")
        return self.returncode

    def stop(self, sig=signal.SIGTERM):
        """Signals the server and returns its exit code (None if it was not running)."""
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            self.returncode = self.proc.returncode
            return self.returncode
        self.send_signal(sig)
        return self.wait_exit()

    def assert_stopped_cleanly(self, sig=signal.SIGTERM):
        rc = self.stop(sig)
        assert rc == 0, f"berth serve exited with {rc} (expected 0){self._describe()}"

    # Clients ------------------------------------------------------------------------------

    def http_client(self, **kw):
        import tritonclient.http as httpclient
        kw.setdefault("network_timeout", 300.0)
        return httpclient.InferenceServerClient(self.http_url, **kw)

    def grpc_client(self, **kw):
        import tritonclient.grpc as grpcclient
        return grpcclient.InferenceServerClient(self.grpc_url, **kw)


@pytest.fixture
def server_factory(tmp_path):
    """start(models=[...] or repo=path, mode=..., args=[...], wait=..., split_stdout=...,
    env={...}) -> a running Server. Every server started is stopped (SIGTERM) at teardown and
    must exit 0. split_stdout: stdout apart from stderr (Server.stdout()); env: added to the
    environment."""
    started = []

    def start(models_=None, repo=None, mode="none", args=(), wait="ready", split_stdout=False,
              env=None):
        if repo is None:
            repo = tmp_path / f"repo{len(started)}"
            models.build_repository(repo, models_ if models_ is not None else [])
        n = len(started)
        s = Server(repo, tmp_path / f"server{n}.log", mode, args,
                   stdout_path=tmp_path / f"server{n}.stdout" if split_stdout else None, env=env)
        started.append(s)
        return s.start(wait)

    yield start
    for s in started:
        if s.proc is not None and s.returncode is None:
            s.assert_stopped_cleanly()


# The models every read-only test may use (the broken one is kept apart: it would make the
# server's overall readiness a question of policy).
SHARED_MODELS = [m for m in models.DEFAULT_MODELS if m != "broken"]


@pytest.fixture(scope="session")
def shared_repo(tmp_path_factory):
    repo = tmp_path_factory.mktemp("shared_repo")
    models.build_repository(repo, SHARED_MODELS)
    return repo


@pytest.fixture(scope="session")
def server(shared_repo, tmp_path_factory):
    """One server (mode none) over SHARED_MODELS for the tests that change nothing."""
    s = Server(shared_repo, tmp_path_factory.mktemp("logs") / "shared_server.log", "none")
    s.start()
    yield s
    s.assert_stopped_cleanly()
