"""The test models themselves, checked with `berth infer` (no server needed): each runs in the
engine and computes what its builder says. If the engine ever refuses a datatype, the
failure here says which one to drop from models.IDENTITY_DATATYPES."""
import numpy as np
import pytest

import models
import util
from util import sample


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return models.build_repository(tmp_path_factory.mktemp("models_repo"))


@pytest.mark.parametrize("datatype", models.IDENTITY_DATATYPES)
def test_identity_runs_in_engine(repo, tmp_path, datatype):
    a = sample(datatype)
    (out,) = util.berth_infer(repo / f"identity_{datatype.lower()}" / "1" / "model.onnx",
                              [a], tmp_path)
    util.assert_same(out, a, datatype)


def test_simple(repo, tmp_path):
    a, b = sample("FP32", (3, 16), 1), sample("FP32", (3, 16), 2)
    o0, o1 = util.berth_infer(repo / "simple" / "1" / "model.onnx", [a, b], tmp_path)
    util.assert_same(o0, a + b)
    util.assert_same(o1, a - b)


def test_batched(repo, tmp_path):
    a = sample("FP32", (5, 4), 3)
    o0, o1 = util.berth_infer(repo / "batched" / "1" / "model.onnx", [a], tmp_path)
    util.assert_same(o0, a * np.float32(2) + np.float32(1))
    assert o1.shape == (5, 1)
    np.testing.assert_allclose(o1[:, 0], a.sum(axis=1), rtol=1e-5)


def test_slow_is_identity(repo, tmp_path):
    a = np.array([[1.5], [-2.0]], np.float32)
    (o,) = util.berth_infer(repo / "slow" / "1" / "model.onnx", [a], tmp_path)
    util.assert_same(o, a)


def test_versions_differ(repo, tmp_path):
    a = np.array([1, 2, 3], np.float32)
    for v in (1, 2):
        (o,) = util.berth_infer(repo / "two_versions" / str(v) / "model.onnx", [a],
                                tmp_path / str(v))
        util.assert_same(o, a + np.float32(v))


def test_broken_is_refused(repo, tmp_path):
    import subprocess
    r = subprocess.run([util.BERTH, "inspect", str(repo / "broken" / "1" / "model.onnx")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and r.returncode > 0, (r.returncode, r.stderr)
