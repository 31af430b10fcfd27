"""Several machines, on one: three `berth serve` replicas following one PostgreSQL registry
with one artifact folder, behind nginx running deploy/nginx/berth.conf (ports and paths
substituted). PostgreSQL (tests/registry/postgres_server.py) and nginx are Debian's, on free
loopback ports. Without PostgreSQL or nginx the cases skip, except with CI=true where they
fail.

One module-wide fleet: the cases run in order and each leaves three replicas serving. Every
replica sends its webhook events to one receiver on loopback (only the leader sends).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
ROOT = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "integration"))
sys.path.insert(0, os.path.join(TESTS, "registry"))

import models  # noqa: E402
import util  # noqa: E402
from postgres_server import in_ci, new_database, server_or_none  # noqa: E402
from webhook_receiver import WebhookReceiver  # noqa: E402


def _integration_conftest():
    """tests/integration/conftest.py (Server, free_ports, wait_for) under a name of its own:
    "conftest" may already name another folder's."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "integration_conftest", os.path.join(TESTS, "integration", "conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


conftest = _integration_conftest()

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REPLICAS = 3
CLIENTS = 6


def unavailable(what):
    if in_ci():
        pytest.fail(f"{what} (CI=true)")
    pytest.skip(what)


class Replica(conftest.Server):
    """A `berth serve --registry` replica that keeps its ports across restarts."""

    def __init__(self, index, flags, root, ports):
        super().__init__(root, root / f"replica{index}.log")
        self.index = index
        self.flags = flags
        self.http_port, self.grpc_port = ports

    def command(self):
        return [util.BERTH, "serve", *self.flags, "--host", "127.0.0.1",
                "--http-port", str(self.http_port), "--grpc-port", str(self.grpc_port),
                "--registry-poll-ms", "100", "--exit-timeout-secs", "20"]

    def start(self, wait="ready"):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        log.close()
        self.returncode = None
        if not self._wait(wait):
            pytest.fail(f"replica {self.index} did not become ready{self._describe()}")
        return self

    @property
    def address(self):
        return f"127.0.0.1:{self.http_port}"

    def metrics(self):
        return util.scrape(self.http_port)

    def leads(self):
        try:
            return util.metric(self.metrics(), "berth_leader") == 1
        except OSError:
            return False


class Fleet:
    def __init__(self, root, uri, receiver):
        self.root = root
        self.flags = ["--registry", uri, "--artifacts", str(root / "blobs")]
        self.receiver = receiver
        serve_flags = self.flags + ["--webhook-url", receiver.url(), "--webhook-allow-host",
                                    "127.0.0.1"]
        ports = conftest.free_ports(2 * REPLICAS + 1)
        self.nginx_port = ports[-1]
        self.replicas = [Replica(i, serve_flags, root, (ports[2 * i], ports[2 * i + 1]))
                         for i in range(REPLICAS)]
        self.nginx = None
        self.access_log = root / "nginx-access.log"

    def cli(self, *args):
        r = subprocess.run([util.BERTH, *map(str, args), *self.flags], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, f"berth {' '.join(map(str, args))}: {r.stderr}"
        return r.stdout

    def push(self, model):
        path = self.root / f"push_{time.monotonic_ns()}.onnx"
        models.save(model, path)
        return int(self.cli("push", path, "--name", "m").strip())

    def rollout(self):
        return json.loads(self.cli("rollout", "status", "m", "--json"))[-1]

    def start_nginx(self):
        """Runs deploy/nginx/berth.conf with this fleet's ports and paths."""
        with open(os.path.join(ROOT, "deploy", "nginx", "berth.conf")) as f:
            conf = f.read()
        upstreams = iter(r.address for r in self.replicas)
        conf = re.sub(r"server 127\.0\.0\.1:800[123]", lambda m: f"server {next(upstreams)}",
                      conf)
        conf = conf.replace("listen 127.0.0.1:8000;", f"listen 127.0.0.1:{self.nginx_port};")
        conf = conf.replace("/run/nginx-berth.pid", str(self.root / "nginx.pid"))
        conf = conf.replace("/var/log/nginx/berth-error.log", str(self.root / "nginx-error.log"))
        conf = conf.replace("/var/log/nginx/berth-access.log", str(self.access_log))
        temp = self.root / "nginx-temp"
        temp.mkdir()
        os.chmod(temp, 0o777)  # workers run as nobody when the test runs as root
        conf = conf.replace("http {", f"http {{\n    client_body_temp_path {temp}/body;\n"
                                      f"    proxy_temp_path {temp}/proxy;", 1)
        path = self.root / "nginx.conf"
        path.write_text(conf)
        self.nginx = subprocess.Popen([NGINX, "-p", str(self.root), "-c", str(path), "-g",
                                       "daemon off;"], stdout=subprocess.DEVNULL,
                                      stderr=open(self.root / "nginx-stderr.log", "wb"))
        conftest.wait_for(lambda: util.can_connect(self.nginx_port), 30, "nginx to listen",
                          on_fail=lambda: (self.root / "nginx-stderr.log").read_text())

    def stop(self):
        """Stops nginx and the replicas (SIGTERM); returns the replicas' exit codes."""
        if self.nginx is not None:
            self.nginx.send_signal(signal.SIGQUIT)
            self.nginx.wait(timeout=30)
        return {r.index: r.stop() for r in self.replicas if r.alive()}

    def leaders(self):
        return [r for r in self.replicas if r.alive() and r.leads()]


def infer(port, x=1.0, timeout=30.0):
    """(status, served version, replica address nginx names or None, body) of one request."""
    body, headers = util.json_infer_body([("INPUT0", np.array([x], np.float32))])
    r = util.request(port, "POST", "/v2/models/m/infer", body=body, headers=headers,
                     timeout=timeout)
    version = int(r.headers["berth-model-version"]) if r.status == 200 else None
    return r.status, version, r.headers.get("x-berth-upstream"), r.body


class Load:
    """CLIENTS threads sending inference requests through nginx until stopped."""

    def __init__(self, port):
        self.port = port
        self.ok = 0
        self.failures = []
        self.by_upstream = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(CLIENTS)]

    def run(self):
        while not self.stopping.is_set():
            try:
                status, _, upstream, body = infer(self.port)
                failure = None if status == 200 else f"{status} {body[:200]!r}"
            except OSError as e:
                failure, upstream = f"{type(e).__name__}: {e}", None
            with self.lock:
                if failure:
                    self.failures.append(failure)
                else:
                    self.ok += 1
                    self.by_upstream[upstream] = self.by_upstream.get(upstream, 0) + 1

    def served_by(self, address):
        with self.lock:
            return sum(n for u, n in self.by_upstream.items() if u and u.endswith(address))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=60)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    if not os.access(NGINX, os.X_OK):
        unavailable("nginx is not installed (Debian package nginx-light)")
    gen = server_or_none()
    server = next(gen)
    if server is None:
        unavailable("PostgreSQL is not available")
    root = tmp_path_factory.mktemp("fleet")
    receiver = WebhookReceiver().__enter__()
    f = Fleet(root, new_database(server, "fleet"), receiver)
    try:
        f.push(models.add_constant(1))
        f.push(models.add_constant(2))
        f.cli("alias", "set", "m", "production", 1)
        for r in f.replicas:
            r.start()
        f.start_nginx()
        yield f
        codes = f.stop()
        assert set(codes.values()) <= {0}, f"replicas exited with {codes}"
    finally:
        f.stop()
        receiver.__exit__(None, None, None)
        for _ in gen:  # stops PostgreSQL
            pass


def wait_one_leader(fleet, timeout=15):
    """The one replica that leads, once exactly one does."""
    found = conftest.wait_for(lambda: len(fleet.leaders()) == 1 and fleet.leaders(), timeout,
                              "exactly one leading replica")
    return found[0]


def start_healthy_rollout(fleet, candidate, bake_secs=1):
    """A canary of `candidate` that the leader promotes after `bake_secs` and 20 requests the
    fleet served. These cases check who decides, and on which figures, not the analysis
    (tests/integration does): the p99 limit is out of reach, since on a busy machine one slow
    request among 20 can be 100 times the baseline's p99."""
    fleet.cli("rollout", "start", "m", "--alias", "production", "--candidate", candidate,
              "--canary", 50, "--min-requests", 20, "--bake-secs", bake_secs,
              "--max-p99-ratio", 1e6)


def fleet_figures(reason):
    """(candidate requests, servers) the verdict's reason names: the fleet's figures."""
    found = re.search(r"over (\d+) requests.*over (\d+) servers?\)", reason)
    assert found, f"no fleet figures in the verdict's reason: {reason!r}"
    return int(found.group(1)), int(found.group(2))


def test_an_alias_move_reaches_every_replica_within_one_second(fleet):
    assert all(infer(r.http_port)[1] == 1 for r in fleet.replicas)
    fleet.cli("alias", "set", "m", "production", 2)
    moved = time.monotonic()  # the move is committed once the command has returned
    seen = {}
    deadline = moved + 10
    while len(seen) < REPLICAS and time.monotonic() < deadline:
        for r in fleet.replicas:
            if r.index not in seen and infer(r.http_port)[1] == 2:
                seen[r.index] = time.monotonic() - moved
    print(f"alias move seen by each replica after (s): "
          f"{ {i: round(t, 3) for i, t in sorted(seen.items())} }")
    assert len(seen) == REPLICAS, f"only replicas {sorted(seen)} moved within 10 s"
    assert max(seen.values()) <= 1.0, seen
    # Through nginx too, whichever replica answers.
    assert {infer(fleet.nginx_port)[1] for _ in range(12)} == {2}


def test_one_replica_leads_and_decides_a_rollout_once_for_the_fleet(fleet):
    leader = wait_one_leader(fleet)
    assert "leading the fleet" in leader.stderr()
    fleet.push(models.add_constant(2))  # version 3 answers like version 2: a healthy canary
    # A bake of 3 s: each replica shares its figures once a second, so by the verdict every
    # one has shared at least twice.
    start_healthy_rollout(fleet, 3, bake_secs=3)
    with Load(fleet.nginx_port) as load:
        conftest.wait_for(lambda: fleet.rollout()["state"] != "active", 60,
                          "the rollout's verdict")
    assert load.failures == []
    assert fleet.rollout()["state"] == "promoted", fleet.rollout()["reason"]
    verdicts = {r.index: util.metric_sum(r.metrics(), "berth_rollout_verdicts_total")
                for r in fleet.replicas}
    assert verdicts == {r.index: (1 if r is leader else 0) for r in fleet.replicas}, verdicts
    # The verdict counts the canary requests of every replica, not only the leader's own
    # (its berth_rollout_requests_total, which also holds those it served after the verdict).
    served = {r.index: util.metric_sum(r.metrics(), "berth_rollout_requests_total",
                                       arm="candidate") for r in fleet.replicas}
    judged, servers = fleet_figures(fleet.rollout()["reason"])
    print(f"verdict on {judged} candidate requests over {servers} replicas; "
          f"each replica served {served}")
    assert servers == REPLICAS, fleet.rollout()["reason"]
    assert judged > served[leader.index], (judged, served)
    assert judged <= sum(served.values()), (judged, served)
    history = json.loads(fleet.cli("history", "m", "--json"))
    assert sum(1 for h in history if h["to_version"] == 3) == 1, history


def test_another_replica_takes_over_when_the_leader_dies(fleet):
    leader = wait_one_leader(fleet)
    leader.proc.kill()
    leader.proc.wait()
    killed = time.monotonic()
    successor = wait_one_leader(fleet)
    print(f"new leader after {time.monotonic() - killed:.3f} s")
    assert successor is not leader
    assert "leading the fleet" in successor.stderr()
    # The new leader decides the next rollout, and only it.
    alive = [r for r in fleet.replicas if r.alive()]
    before = {r.index: util.metric_sum(r.metrics(), "berth_rollout_verdicts_total")
              for r in alive}
    fleet.push(models.add_constant(2))  # version 4
    start_healthy_rollout(fleet, 4)
    with Load(fleet.nginx_port) as load:
        conftest.wait_for(lambda: fleet.rollout()["state"] != "active", 60,
                          "the rollout's verdict")
    assert load.failures == []  # nginx skips the dead replica
    assert fleet.rollout()["state"] == "promoted", fleet.rollout()["reason"]
    added = {r.index: util.metric_sum(r.metrics(), "berth_rollout_verdicts_total") -
             before[r.index] for r in alive}
    assert added == {r.index: (1 if r is successor else 0) for r in alive}, added
    leader.start()  # back to three; it follows, since the lock is taken
    time.sleep(0.5)
    assert fleet.leaders() == [successor]


def moves_to(receiver, version):
    """The alias.moved events of m/production to `version` the receiver got."""
    return [e for e in receiver.events() if e["type"] == "alias.moved" and
            (e["model"], e["alias"], e["version"]) == ("m", "production", version)]


def test_a_move_the_dying_leader_never_saw_is_announced_once_by_the_next(fleet):
    """The leader freezes (SIGSTOP: it keeps its lock and sees nothing) before an alias move;
    the other replicas publish the move without announcing it (they do not lead); then the
    leader dies (kill -9). The next leader announces that move, once. No timing: the frozen
    leader cannot send, and the others never do while it holds the lock."""
    leader = wait_one_leader(fleet)
    before = infer(leader.http_port)[1]
    target = fleet.push(models.add_constant(2))  # answers like the versions before it
    others = [r for r in fleet.replicas if r.alive() and r is not leader]
    leader.proc.send_signal(signal.SIGSTOP)
    try:
        fleet.cli("alias", "set", "m", "production", target)
        conftest.wait_for(lambda: all(infer(r.http_port)[1] == target for r in others), 30,
                          "the other replicas to serve the move")
        assert moves_to(fleet.receiver, target) == [], "only the (frozen) leader may announce"
    finally:
        leader.proc.kill()  # a stopped process dies of SIGKILL too
        leader.proc.wait()
    successor = wait_one_leader(fleet)
    assert successor is not leader
    fleet.receiver.wait_for(lambda r: moves_to(r, target), 30)
    moved = moves_to(fleet.receiver, target)
    assert len(moved) == 1, moved
    assert moved[0]["details"] == {"from_version": str(before), "to_version": str(target)}
    # Nothing more: the next move (back) comes after any repeat the successor would send.
    leader.start()
    fleet.cli("alias", "set", "m", "production", before)
    fleet.receiver.wait_for(lambda r: moves_to(r, before) and
                            moves_to(r, before)[-1]["details"]["from_version"] == str(target),
                            30)
    assert len(moves_to(fleet.receiver, target)) == 1, moves_to(fleet.receiver, target)
    assert fleet.leaders() == [successor]


def test_a_rolling_restart_under_load_fails_no_request(fleet):
    with Load(fleet.nginx_port) as load:
        for r in fleet.replicas:
            assert r.stop(signal.SIGTERM) == 0, r._describe()
            r.start()
            # nginx tries a replica again after its fail_timeout: wait until it does, so that
            # the next restart never leaves nginx with no replica it believes up.
            before = load.served_by(r.address)
            conftest.wait_for(lambda: load.served_by(r.address) > before, 30,
                              f"nginx to send replica {r.index} traffic again")
        time.sleep(0.5)
    wait_one_leader(fleet)
    print(f"rolling restart: {load.ok} requests answered, {len(load.failures)} failed")
    assert load.ok > 0
    assert load.failures == []


def test_kill_9_costs_at_most_the_requests_inside_and_nginx_stops_sending_it_traffic(fleet):
    victim = fleet.replicas[1]
    with Load(fleet.nginx_port) as load:
        time.sleep(1.0)
        killed_at = time.time()  # nginx logs a request when it ends, so this counts those inside
        victim.proc.kill()
        victim.proc.wait()
        at_kill = load.ok
        time.sleep(3.0)
        after_kill = load.ok
        time.sleep(1.0)
        answered_late = load.ok - after_kill
    print(f"kill -9: {load.ok} answered, {len(load.failures)} failed: {load.failures[:3]}")
    # At most the requests that were inside it (each client has one request at a time).
    assert len(load.failures) <= CLIENTS, load.failures
    assert answered_late > 0  # the others keep answering
    # nginx marks it down (max_fails=1) and retries elsewhere. Over the 4 s after the kill
    # the requests whose tries included the dead replica are at most: those inside it (one
    # per client), the one that found it dead, and one try per fail_timeout (2 s) after,
    # i.e. 3 over 4 s and a bit; out of thousands answered.
    tried_dead = []
    with open(fleet.access_log) as f:
        for line in f:
            at, rest = line.split(" ", 1)
            upstreams = rest.split("upstream=")[1].split(" upstream_status=")[0]
            if float(at) >= killed_at and victim.address in upstreams:
                tried_dead.append(line.strip())
    print(f"requests that tried the dead replica after the kill: {len(tried_dead)}")
    assert len(tried_dead) <= CLIENTS + 4, tried_dead
    assert load.ok - at_kill > 20 * len(tried_dead), (load.ok - at_kill, len(tried_dead))
    victim.start()
