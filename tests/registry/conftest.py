"""Fixtures for the registry CLI tests: ONNX models, and a registry on SQLite or on a real
PostgreSQL (one server per session, started by postgres_server.py; one database per test).

The berth binary is $BERTH_BIN, or build/bin/berth under the repository root. Without a
PostgreSQL the PostgreSQL cases skip, except with CI=true where they fail.
"""
import hashlib
import os
import signal
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from postgres_server import new_database, server_or_none  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BERTH = os.environ.get("BERTH_BIN", os.path.join(ROOT, "build", "bin", "berth"))


def run(*args, timeout=120, env=None):
    """Runs berth; fails the test on a signal (a crash) or a timeout."""
    r = subprocess.run([BERTH, *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, env=env)
    assert r.returncode >= 0, (
        f"berth died from signal {signal.Signals(-r.returncode).name}: {args}\n{r.stderr}")
    return r


def assert_ok(r):
    assert r.returncode == 0, (r.args, r.returncode, r.stdout, r.stderr)
    return r.stdout


def assert_error(r, *fragments, code=1):
    """Exit `code`, one stderr line 'berth: ...' holding every fragment (case-insensitive)."""
    assert r.returncode == code, (r.args, r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("berth: "), r.stderr
    for f in fragments:
        assert f.lower() in lines[0].lower(), (f, lines[0])


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def add_relu_model(path, bias=0.0, width=4):
    """y = Relu(x + b), x: float[batch, width]; `bias` makes each file's bytes differ."""
    b = np.full([width], bias, dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "b"], ["s"]), helper.make_node("Relu", ["s"], ["y"])],
        "add_relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", width])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", width])],
        [numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return str(path)


class Registry:
    """One registry (a database and an artifact folder) and the CLI pointed at it."""

    def __init__(self, backend, uri, artifacts):
        self.backend = backend
        self.uri = uri
        self.artifacts = str(artifacts)

    def flags(self):
        return ["--registry", self.uri, "--artifacts", self.artifacts]

    def cli(self, *args, **kw):
        return run(*args, *self.flags(), **kw)

    def json(self, *args):
        import json
        return json.loads(assert_ok(self.cli(*args, "--json")))

    def blob_path(self, digest):
        return os.path.join(self.artifacts, "sha256", digest[:2], digest)

    def blobs(self):
        found = set()
        for dirpath, _, files in os.walk(os.path.join(self.artifacts, "sha256")):
            found.update(files)
        return found

    def staging_files(self):
        staging = os.path.join(self.artifacts, "staging")
        return os.listdir(staging) if os.path.isdir(staging) else []


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the session, or None (the cases skip) outside CI."""
    yield from server_or_none()


def postgres_database(server):
    """A new empty database on `server`; its URI."""
    return new_database(server, "registry_test")


@pytest.fixture(params=["sqlite", "postgresql"])
def registry(request, tmp_path, postgres):
    if request.param == "sqlite":
        return Registry("sqlite", f"sqlite:{tmp_path}/reg/registry.db", tmp_path / "reg" / "blobs")
    if postgres is None:
        pytest.skip("PostgreSQL is not available (set CI=true to make this a failure)")
    return Registry("postgresql", postgres_database(postgres), tmp_path / "blobs")


@pytest.fixture
def sqlite_registry(tmp_path):
    return Registry("sqlite", f"sqlite:{tmp_path}/reg/registry.db", tmp_path / "reg" / "blobs")


@pytest.fixture
def model(tmp_path):
    return add_relu_model(tmp_path / "model.onnx")
