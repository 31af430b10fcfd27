"""Crash consistency and concurrent pushers.

kill -9 of `berth push` at random moments (50 on SQLite, 20 on PostgreSQL) must leave the
database intact (on SQLite, PRAGMA integrity_check), versions numbered 1..N with each blob
present, hashing to its digest and loading in the engine; after `berth gc`, no orphan blob or
staging file. Four processes
pushing at once get distinct, complete versions 1..N on both backends.
"""
import os
import random
import signal
import sqlite3
import subprocess
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from conftest import BERTH, assert_ok, run, sha256_file

KILLS = {"sqlite": 50, "postgresql": 20}


def large_model(path, seed):
    """y = x @ W with W float[1024, 2048] (8 MiB), so a push spends real time writing."""
    w = np.random.default_rng(seed).standard_normal([1024, 2048]).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "matmul",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1024])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2048])],
        [numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return str(path)


def check_every_version_is_complete(registry, expected_count=None):
    versions = registry.json("versions", "m")
    numbers = [v["version"] for v in versions]
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    if expected_count is not None:
        assert len(numbers) == expected_count
    for v in versions:
        blob = registry.blob_path(v["digest"])
        assert os.path.exists(blob), f"version {v['version']} has no blob"
        assert os.path.getsize(blob) == v["size"]
        assert sha256_file(blob) == v["digest"], f"version {v['version']} blob is torn"
    return versions


def test_kill_minus_9_during_push_never_leaves_a_broken_version(registry, tmp_path):
    kills = KILLS[registry.backend]
    models = [large_model(tmp_path / f"m{i}.onnx", seed=i) for i in range(3)]
    # One clean push to measure how long a push takes on this machine.
    start = time.monotonic()
    assert_ok(registry.cli("push", models[0], "--name", "m"))
    duration = time.monotonic() - start
    rng = random.Random(20261206)
    killed = 0
    # Which moment each kill hit, judged afterwards: before anything was written, with a
    # staging file or an uncommitted blob left, or after the commit.
    outcomes = {"nothing written": 0, "debris left": 0, "committed": 0, "finished": 0}
    for i in range(kills):
        before = (len(registry.json("versions", "m")), registry.blobs(),
                  set(registry.staging_files()))
        proc = subprocess.Popen([BERTH, "push", models[i % 3], "--name", "m",
                                 *registry.flags()],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, duration * 1.2))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        rc = proc.wait()
        assert rc in (0, -signal.SIGKILL), rc
        after = (len(registry.json("versions", "m")), registry.blobs(),
                 set(registry.staging_files()))
        if rc == 0:
            outcomes["finished"] += 1
        elif after[0] > before[0]:
            outcomes["committed"] += 1
        elif after[1] != before[1] or after[2] != before[2]:
            outcomes["debris left"] += 1
        else:
            outcomes["nothing written"] += 1
    print(f"kill -9 outcomes over {kills} pushes on {registry.backend}: {outcomes}")
    assert killed >= kills // 5, f"only {killed} of {kills} pushes were killed mid-way"

    if registry.backend == "sqlite":
        with sqlite3.connect(registry.uri[len("sqlite:"):]) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    versions = check_every_version_is_complete(registry)
    for digest in {v["digest"] for v in versions}:  # each distinct artifact loads
        r = run("inspect", registry.blob_path(digest), "--json")
        assert r.returncode == 0 and '"supported":true' in r.stdout, r.stderr

    assert_ok(registry.cli("gc"))
    assert registry.blobs() == {v["digest"] for v in versions}
    assert registry.staging_files() == []
    # The registry still works after all that.
    assert assert_ok(registry.cli("push", models[1], "--name", "m")) == f"{len(versions) + 1}\n"


def test_four_concurrent_pushers_get_distinct_complete_versions(registry, tmp_path):
    from conftest import add_relu_model
    pushes_each = 3
    models = [add_relu_model(tmp_path / f"p{i}.onnx", bias=float(i)) for i in range(4)]
    procs = []
    for i in range(4):
        script = " && ".join(
            f"'{BERTH}' push '{models[i]}' --name m --actor pusher{i} "
            f"--registry '{registry.uri}' --artifacts '{registry.artifacts}'"
            for _ in range(pushes_each))
        procs.append(subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    printed = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        printed += [int(line) for line in out.split()]
    assert sorted(printed) == list(range(1, 4 * pushes_each + 1))
    versions = check_every_version_is_complete(registry, 4 * pushes_each)
    by_actor = {}
    for v in versions:
        by_actor.setdefault(v["pushed_by"], set()).add(v["digest"])
    assert sorted(by_actor) == [f"pusher{i}" for i in range(4)]
    assert all(len(d) == 1 for d in by_actor.values())  # each pusher's own bytes


def test_simultaneous_first_pushes_to_a_new_sqlite_registry(tmp_path):
    """Eight processes creating the same SQLite registry at once (switching it to WAL and
    migrating it) all succeed; repeated on fresh registries, as the race is timing-bound."""
    from conftest import add_relu_model
    model = add_relu_model(tmp_path / "m.onnx")
    for round_ in range(4):
        uri = f"sqlite:{tmp_path}/r{round_}/registry.db"
        procs = [subprocess.Popen([BERTH, "push", model, "--name", "m", "--registry", uri],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(8)]
        results = [p.communicate(timeout=300) for p in procs]
        for p, (out, err) in zip(procs, results):
            assert p.returncode == 0, err
        assert sorted(int(out) for out, _ in results) == list(range(1, 9))
