"""Repository changes while clients send requests: 50 version swaps in poll mode, 50 in
explicit mode, broken versions, models coming and going, version policies.

The swap model's version v computes INPUT0 + v, so each answer shows which version made it."""
import os
import shutil
import threading
import time

import numpy as np
import pytest

from conftest import tritonclient_or_skip, wait_for
import models
import util

tritonclient_or_skip()
import tritonclient.grpc as grpcclient  # noqa: E402

SWAPS = 50
CLIENTS = 8          # half raw HTTP on keep-alive connections, half gRPC
TEST_BOUND = 180.0   # seconds for the whole swap test (a bound, not a measurement)
POLL_SECS = "0.2"
LATEST_1 = "version_policy:\n  latest: 1\n"


def write_swap_version(repo, v):
    models.write_version(str(repo), "swap", v, models.add_constant(float(v), "swap"))


def make_swap_repo(tmp_path, first=1):
    repo = tmp_path / "swap_repo"
    models.write_config(str(repo), "swap", LATEST_1)
    write_swap_version(repo, first)
    return repo


class Clients:
    """CLIENTS threads sending requests to `swap` until stopped; every answer must be 200,
    from a version in `allowed` (a set the test grows before it writes a version), with
    OUTPUT0 == INPUT0 + version."""

    def __init__(self, server, allowed):
        self.server = server
        self.allowed = allowed
        self.stop = threading.Event()
        self.failures = []
        self.counts = [0] * CLIENTS
        self.versions_seen = set()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(k,), daemon=True)
                        for k in range(CLIENTS)]

    def _fail(self, what):
        with self.lock:
            if len(self.failures) < 50:
                self.failures.append(what)

    def _check(self, k, i, version, out, a):
        if version not in self.allowed:
            self._fail(f"client {k} request {i}: version {version} never existed")
        elif not np.array_equal(out, a + np.float32(version)):
            self._fail(f"client {k} request {i}: version {version} gave {out} for {a}")
        with self.lock:
            self.versions_seen.add(version)
        self.counts[k] += 1

    def _run(self, k):
        import http.client
        i = 0
        if k % 2 == 0:
            conn = http.client.HTTPConnection("127.0.0.1", self.server.http_port, timeout=120)
            while not self.stop.is_set():
                a = np.array([k, i, 0.5], np.float32)
                try:
                    r = util.infer(self.server.http_port, "swap", [("INPUT0", a)],
                                   binary=bool(i % 2), conn=conn)
                    if r.status != 200:
                        self._fail(f"client {k} request {i}: HTTP {r.status} {r.error}")
                    else:
                        doc, outs = util.parse_infer_reply(r)
                        self._check(k, i, int(doc["model_version"]), outs["OUTPUT0"], a)
                except Exception as e:  # noqa: BLE001
                    self._fail(f"client {k} request {i}: {type(e).__name__}: {e}")
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.server.http_port,
                                                      timeout=120)
                i += 1
            conn.close()
        else:
            c = self.server.grpc_client()
            while not self.stop.is_set():
                a = np.array([k, i, 0.25], np.float32)
                try:
                    inp = grpcclient.InferInput("INPUT0", [3], "FP32")
                    inp.set_data_from_numpy(a)
                    r = c.infer("swap", [inp], client_timeout=120)
                    self._check(k, i, int(r.get_response().model_version),
                                r.as_numpy("OUTPUT0"), a)
                except Exception as e:  # noqa: BLE001
                    self._fail(f"client {k} request {i}: {type(e).__name__}: {e}")
                i += 1
            c.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(120)
        assert not any(t.is_alive() for t in self.threads), "a client thread hung"

    def assert_clean(self):
        assert not self.failures, "\n".join(self.failures)
        assert all(c > 0 for c in self.counts), self.counts


def probe_version(server):
    """The version that answers a request to `swap` with no version given."""
    a = np.array([0.0], np.float32)
    r = util.infer(server.http_port, "swap", [("INPUT0", a)])
    if r.status != 200:
        return None
    doc, outs = util.parse_infer_reply(r)
    return int(doc["model_version"])


def version_ready(server, v):
    return util.get(server.http_port, f"/v2/models/swap/versions/{v}/ready").status == 200


def test_50_swaps_poll_mode(server_factory, tmp_path):
    repo = make_swap_repo(tmp_path)
    s = server_factory(repo=repo, mode="poll", args=["--repository-poll-secs", POLL_SECS])
    assert probe_version(s) == 1
    allowed = {1}
    deadline = time.monotonic() + TEST_BOUND
    with Clients(s, allowed) as clients:
        for v in range(2, SWAPS + 2):
            assert time.monotonic() < deadline, f"swap test took over {TEST_BOUND:.0f} s"
            allowed.add(v)
            write_swap_version(repo, v)
            wait_for(lambda: probe_version(s) == v,
                     max(1.0, deadline - time.monotonic()), f"version {v} to serve (poll)",
                     interval=0.02, on_fail=lambda: "\n" + s.stderr()[-3000:])
            shutil.rmtree(repo / "swap" / str(v - 1))
        # The last one keeps serving once the clients stop.
    clients.assert_clean()
    assert probe_version(s) == SWAPS + 1
    wait_for(lambda: not version_ready(s, SWAPS), 30, f"version {SWAPS} to retire")
    index = util.post(s.http_port, "/v2/repository/index", b"{}").json()
    ready = [e["version"] for e in index if e["name"] == "swap" and e["state"] == "READY"]
    assert ready == [str(SWAPS + 1)], index


def test_50_swaps_explicit_mode(server_factory, tmp_path):
    repo = make_swap_repo(tmp_path)
    s = server_factory(repo=repo, mode="explicit", args=["--load-model", "swap"])
    assert probe_version(s) == 1
    allowed = {1}
    deadline = time.monotonic() + TEST_BOUND
    with Clients(s, allowed) as clients:
        for v in range(2, SWAPS + 2):
            assert time.monotonic() < deadline, f"swap test took over {TEST_BOUND:.0f} s"
            allowed.add(v)
            write_swap_version(repo, v)
            r = util.post(s.http_port, "/v2/repository/models/swap/load", b"")
            assert r.status == 200, (v, r)
            # load returns once the new version serves.
            assert probe_version(s) == v, v
            shutil.rmtree(repo / "swap" / str(v - 1))
    clients.assert_clean()
    assert probe_version(s) == SWAPS + 1
    # Unload and load through the API.
    assert util.post(s.http_port, "/v2/repository/models/swap/unload", b"").status == 200
    wait_for(lambda: util.get(s.http_port, "/v2/models/swap/ready").status != 200, 30,
             "swap to unload")
    assert util.post(s.http_port, "/v2/repository/models/swap/load", b"").status == 200
    assert probe_version(s) == SWAPS + 1


def test_explicit_load_unload_tritonclient(server_factory):
    s = server_factory(["simple", "identity_one"], mode="explicit",
                       args=["--load-model", "identity_one"])
    for c in (s.http_client(), s.grpc_client()):
        assert not c.is_model_ready("simple")
        assert c.is_model_ready("identity_one")
        c.load_model("simple")
        assert c.is_model_ready("simple")
        c.unload_model("simple")
        wait_for(lambda: not c.is_model_ready("simple"), 30, "simple to unload")
        index = c.get_model_repository_index()
        if hasattr(index, "models"):
            index = [{"name": m.name, "state": m.state} for m in index.models]
        states = {e["name"]: e.get("state") for e in index if e["name"] == "simple"}
        assert states and states["simple"] != "READY", index
        c.close()


def test_broken_version_poll_mode_keeps_old(server_factory, tmp_path):
    repo = make_swap_repo(tmp_path)
    s = server_factory(repo=repo, mode="poll", args=["--repository-poll-secs", POLL_SECS])
    allowed = {1}
    with Clients(s, allowed) as clients:
        models.write_broken(str(repo), "swap", 2)

        def v2_failed():
            index = util.post(s.http_port, "/v2/repository/index", b"{}").json()
            return [e for e in index if e["name"] == "swap" and e.get("version") == "2"]

        entries = wait_for(v2_failed, 30, "the index to show the broken version 2",
                           on_fail=lambda: "\n" + s.stderr()[-3000:])
        assert all(e["state"] != "READY" for e in entries), entries
        # Several more poll passes over the broken file: version 1 still serves.
        for _ in range(10):
            assert probe_version(s) == 1
            time.sleep(0.1)
        assert version_ready(s, 1)
        allowed.add(3)
        write_swap_version(repo, 3)
        wait_for(lambda: probe_version(s) == 3, 30, "version 3 to serve after the broken 2")
    clients.assert_clean()


def test_broken_version_explicit_mode_keeps_old(server_factory, tmp_path):
    repo = make_swap_repo(tmp_path)
    s = server_factory(repo=repo, mode="explicit", args=["--load-model", "swap"])
    allowed = {1}
    with Clients(s, allowed) as clients:
        models.write_broken(str(repo), "swap", 2)
        r = util.post(s.http_port, "/v2/repository/models/swap/load", b"")
        assert r.status != 200, r
        assert "swap" in r.error, r
        assert probe_version(s) == 1 and version_ready(s, 1)
        # A config that does not parse: refused too, and version 1 goes on.
        shutil.rmtree(repo / "swap" / "2")
        models.write_config(str(repo), "swap", "version_policy:\n  latest: 1\nmax_batch_sise: 4\n")
        r = util.post(s.http_port, "/v2/repository/models/swap/load", b"")
        assert r.status != 200, r
        assert probe_version(s) == 1
    clients.assert_clean()


def test_poll_mode_models_come_and_go(server_factory, tmp_path):
    repo = tmp_path / "repo"
    models.build_repository(repo, ["simple"])
    s = server_factory(repo=repo, mode="poll", args=["--repository-poll-secs", POLL_SECS])
    assert util.get(s.http_port, "/v2/models/identity_one/ready").status != 200
    models.build_repository(repo, ["identity_one"])
    wait_for(lambda: util.get(s.http_port, "/v2/models/identity_one/ready").status == 200, 30,
             "a new model folder to load")
    a = np.array([2.5], np.float32)
    r = util.infer(s.http_port, "identity_one", [("INPUT0", a)])
    util.assert_same(util.parse_infer_reply(r)[1]["OUTPUT0"], a)
    shutil.rmtree(repo / "identity_one")
    wait_for(lambda: util.get(s.http_port, "/v2/models/identity_one/ready").status != 200, 30,
             "a removed model to unload")
    assert util.infer(s.http_port, "identity_one", [("INPUT0", a)]).status in (404, 503)
    assert util.get(s.http_port, "/v2/models/simple/ready").status == 200


def test_version_policies(server_factory, tmp_path):
    repo = tmp_path / "repo"
    for v in (1, 2, 3):
        models.write_version(str(repo), "specific", v, models.add_constant(float(v), "specific"))
        models.write_version(str(repo), "latest2", v, models.add_constant(float(v), "latest2"))
        models.write_version(str(repo), "default", v, models.add_constant(float(v), "default"))
    models.write_config(str(repo), "specific", "version_policy:\n  specific: [1, 3]\n")
    models.write_config(str(repo), "latest2", "version_policy:\n  latest: 2\n")
    s = server_factory(repo=repo)

    def ready(m, v):
        return util.get(s.http_port, f"/v2/models/{m}/versions/{v}/ready").status == 200

    assert [ready("specific", v) for v in (1, 2, 3)] == [True, False, True]
    assert [ready("latest2", v) for v in (1, 2, 3)] == [False, True, True]
    assert [ready("default", v) for v in (1, 2, 3)] == [False, False, True]
    a = np.array([10.0], np.float32)
    r = util.infer(s.http_port, "specific", [("INPUT0", a)], version=1)
    util.assert_same(util.parse_infer_reply(r)[1]["OUTPUT0"], a + 1)
    assert util.infer(s.http_port, "specific", [("INPUT0", a)], version=2).status == 404
