"""Smoke test of the berth command-line tool: inspect, infer, bench, and bad inputs.

Run: BERTH_BIN=build/bin/berth .venv/bin/python -m pytest -q tests/cli/test_cli.py
(ctest runs it as `cli_smoke`). Needs onnx and numpy (the venv has them).
"""
import json
import os
import signal
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BERTH = os.environ.get("BERTH_BIN", os.path.join(ROOT, "build", "bin", "berth"))


def run(*args, timeout=120):
    """Runs berth; fails the test on a signal (a crash) or a timeout."""
    r = subprocess.run([BERTH, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    assert r.returncode >= 0, (
        f"berth died from signal {signal.Signals(-r.returncode).name}: {args}\n{r.stderr}")
    return r


def assert_error(r, *fragments, code=1):
    """Exit `code`, one stderr line 'berth: ...' holding every fragment (case-insensitive)."""
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("berth: "), r.stderr
    for f in fragments:
        assert f.lower() in lines[0].lower(), (f, lines[0])


def write_tensor(path, array, name=""):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    # z = Relu(x + b), x: float[batch, 4], b: float[4]
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "b"], ["s"]), helper.make_node("Relu", ["s"], ["z"])],
        "add_relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch", 4])])
    add_relu = helper.make_model(graph, producer_name="berth-cli-test", producer_version="1.0",
                                 opset_imports=[helper.make_opsetid("", 17)])
    add_relu.ir_version = 8
    paths = {"add_relu": d / "add_relu.onnx"}
    onnx.save(add_relu, paths["add_relu"])

    # y = Relu(x), x: float[batch, seq] with a weight, to test --shape and param counts.
    w = numpy_helper.from_array(np.ones((1, 1), np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "w"], ["m"]), helper.make_node("Relu", ["m"], ["y"])],
        "seq", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "seq"])], [w])
    seq = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    seq.ir_version = 8
    paths["seq"] = d / "seq.onnx"
    onnx.save(seq, paths["seq"])

    # An operator no engine has.
    graph = helper.make_graph(
        [helper.make_node("NoSuchOp", ["x"], ["y"], domain="com.example")], "custom",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    custom = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                     helper.make_opsetid("com.example", 1)])
    custom.ir_version = 8
    paths["custom"] = d / "custom.onnx"
    onnx.save(custom, paths["custom"])

    # No inputs at all: c = [1, 2, 3].
    graph = helper.make_graph(
        [helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(
            np.array([1, 2, 3], np.int64)))], "constant", [],
        [helper.make_tensor_value_info("c", TensorProto.INT64, [3])])
    constant = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    constant.ir_version = 8
    paths["constant"] = d / "constant.onnx"
    onnx.save(constant, paths["constant"])

    data = add_relu.SerializeToString()
    paths["empty"] = d / "empty.onnx"
    paths["empty"].write_bytes(b"")
    paths["truncated"] = d / "truncated.onnx"
    paths["truncated"].write_bytes(data[: len(data) // 2])
    paths["random"] = d / "random.onnx"
    paths["random"].write_bytes(np.random.default_rng(0).integers(0, 256, 4096, np.uint8).tobytes())
    paths["text"] = d / "text.onnx"
    paths["text"].write_text("this is not a model\n" * 20)
    return paths


# --- help and version ---------------------------------------------------------------------

def test_version():
    r = run("--version")
    assert r.returncode == 0
    assert r.stdout.startswith("berth ")


@pytest.mark.parametrize("sub", [[], ["inspect"], ["infer"], ["bench"]])
def test_help(sub):
    r = run(*sub, "--help")
    assert r.returncode == 0, r.stderr
    assert "Usage" in r.stdout or "usage" in r.stdout.lower()


def test_usage_errors_exit_2(models):
    assert_error(run(), "subcommand", code=2)
    assert_error(run("frobnicate"), code=2)
    assert_error(run("inspect", models["add_relu"], "--no-such-flag"), code=2)
    assert_error(run("infer", models["add_relu"], "--inputs", "a.pb"), "--outputs-dir", code=2)
    assert_error(run("bench", models["add_relu"], "--iterations", "0"), code=2)
    assert_error(run("bench", models["add_relu"], "--batch", "abc"), code=2)


# --- inspect -------------------------------------------------------------------------------

def test_inspect_json(models):
    r = run("inspect", models["add_relu"], "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["ir_version"] == 8
    assert info["producer_name"] == "berth-cli-test"
    assert info["producer_version"] == "1.0"
    assert info["opsets"] == {"ai.onnx": 17}
    assert info["inputs"] == [{"name": "x", "type": "float", "shape": ["batch", 4]},
                              {"name": "b", "type": "float", "shape": [4]}]
    assert info["outputs"] == [{"name": "z", "type": "float", "shape": ["batch", 4]}]
    assert info["op_counts"] == {"Add": 1, "Relu": 1}
    assert info["node_count"] == 2
    assert info["parameter_count"] == 0
    assert info["supported"] is True


def test_inspect_parameters(models):
    info = json.loads(run("inspect", models["seq"], "--json").stdout)
    assert info["parameter_count"] == 1
    assert info["parameter_bytes"] == 4
    assert info["inputs"][0]["shape"] == ["batch", "seq"]


def test_inspect_table(models):
    r = run("inspect", models["add_relu"])
    assert r.returncode == 0, r.stderr
    for text in ["x", "float", "[batch,4]", "Relu", "ai.onnx 17", "berth-cli-test"]:
        assert text in r.stdout, text


def test_inspect_unsupported_operator_still_describes_the_model(models):
    r = run("inspect", models["custom"], "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["supported"] is False
    assert "NoSuchOp" in info["unsupported_reason"]
    assert info["inputs"][0]["name"] == "x"


# --- infer ---------------------------------------------------------------------------------

def test_infer_matches_numpy(models, tmp_path):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    out_dir = tmp_path / "new" / "nested"
    r = run("infer", models["add_relu"], "--inputs", write_tensor(tmp_path / "x.pb", x, "x"),
            write_tensor(tmp_path / "b.pb", b, "b"), "--outputs-dir", out_dir, "--threads", 1)
    assert r.returncode == 0, r.stderr
    tensor = onnx.load_tensor(str(out_dir / "output_0.pb"))
    assert tensor.name == "z"
    np.testing.assert_allclose(numpy_helper.to_array(tensor), np.maximum(x + b, 0), rtol=1e-6)
    assert sorted(os.listdir(out_dir)) == ["output_0.pb"]


@pytest.mark.parametrize("kind", ["empty", "truncated", "random", "text"])
def test_bad_model_file(models, kind, tmp_path):
    for args in (["inspect", models[kind]], ["inspect", models[kind], "--json"],
                 ["bench", models[kind], "--iterations", 1, "--warmup", 0],
                 ["infer", models[kind], "--inputs", tmp_path / "x.pb", "--outputs-dir", tmp_path]):
        assert_error(run(*args), str(models[kind]))


def test_missing_model_and_directory(tmp_path):
    assert_error(run("inspect", tmp_path / "nope.onnx"), "nope.onnx", "does not exist")
    assert_error(run("bench", tmp_path / "nope.onnx"), "does not exist")
    assert_error(run("inspect", tmp_path), "directory")


@pytest.fixture
def good_inputs(tmp_path):
    return (write_tensor(tmp_path / "x.pb", np.ones((2, 4), np.float32), "x"),
            write_tensor(tmp_path / "b.pb", np.ones(4, np.float32), "b"))


def test_infer_wrong_input_count(models, good_inputs, tmp_path):
    x, b = good_inputs
    assert_error(run("infer", models["add_relu"], "--inputs", x, "--outputs-dir", tmp_path / "o"),
                 "2 inputs", "x, b", "1 --inputs file")
    assert_error(run("infer", models["add_relu"], "--inputs", x, b, x,
                     "--outputs-dir", tmp_path / "o"), "2 inputs", "3 --inputs files")


def test_infer_without_inputs_flag(models, tmp_path):
    assert_error(run("infer", models["add_relu"], "--outputs-dir", tmp_path / "o"),
                 "2 inputs", "0 --inputs files")


def test_infer_model_without_inputs(models, tmp_path):
    r = run("infer", models["constant"], "--outputs-dir", tmp_path / "o")
    assert r.returncode == 0, r.stderr
    out = numpy_helper.to_array(onnx.load_tensor(str(tmp_path / "o" / "output_0.pb")))
    np.testing.assert_array_equal(out, np.array([1, 2, 3], np.int64))


def test_infer_missing_input_file(models, good_inputs, tmp_path):
    x, _ = good_inputs
    assert_error(run("infer", models["add_relu"], "--inputs", x, tmp_path / "missing.pb",
                     "--outputs-dir", tmp_path / "o"), "missing.pb", "does not exist")


def test_infer_wrong_input_type(models, good_inputs, tmp_path):
    x, _ = good_inputs
    bad = write_tensor(tmp_path / "b_int.pb", np.ones(4, np.int64), "b")
    assert_error(run("infer", models["add_relu"], "--inputs", x, bad,
                     "--outputs-dir", tmp_path / "o"), "b_int.pb", "int64", "float")


def test_infer_wrong_input_rank_or_shape(models, good_inputs, tmp_path):
    x, _ = good_inputs
    rank = write_tensor(tmp_path / "b_rank.pb", np.ones((2, 4), np.float32), "b")
    assert_error(run("infer", models["add_relu"], "--inputs", x, rank,
                     "--outputs-dir", tmp_path / "o"), "b_rank.pb")
    shape = write_tensor(tmp_path / "b_shape.pb", np.ones(5, np.float32), "b")
    assert_error(run("infer", models["add_relu"], "--inputs", x, shape,
                     "--outputs-dir", tmp_path / "o"), "'b'")


@pytest.mark.parametrize("content", [b"", b"\x08\x01\x08\x02\x10\x01\x4a\x04\x00\x00",
                                     b"\xff" * 64, b"hello world\n"])
def test_infer_bad_tensor_file(models, good_inputs, tmp_path, content):
    x, _ = good_inputs
    bad = tmp_path / "bad.pb"
    bad.write_bytes(content)
    assert_error(run("infer", models["add_relu"], "--inputs", x, bad,
                     "--outputs-dir", tmp_path / "o"), "bad.pb")


def test_infer_truncated_tensor_file(models, good_inputs, tmp_path):
    x, b = good_inputs
    data = open(b, "rb").read()
    bad = tmp_path / "b_trunc.pb"
    bad.write_bytes(data[:-3])
    assert_error(run("infer", models["add_relu"], "--inputs", x, bad,
                     "--outputs-dir", tmp_path / "o"), "b_trunc.pb")


def test_infer_outputs_dir_is_a_file(models, good_inputs, tmp_path):
    x, b = good_inputs
    f = tmp_path / "file"
    f.write_text("")
    assert_error(run("infer", models["add_relu"], "--inputs", x, b, "--outputs-dir", f),
                 "not a directory")


# --- bench ---------------------------------------------------------------------------------

BENCH_FIELDS = ["p50_ms", "p90_ms", "p99_ms", "mean_ms", "min_ms", "throughput_per_s"]


def test_bench_json(models):
    r = run("bench", models["add_relu"], "--threads", 1, "--batch", 3, "--warmup", 2,
            "--iterations", 20, "--json")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    for field in BENCH_FIELDS:
        assert isinstance(result[field], (int, float)) and result[field] > 0, (field, result)
    assert result["min_ms"] <= result["p50_ms"] <= result["p90_ms"] <= result["p99_ms"]
    assert result["threads"] == 1
    assert result["batch"] == 3
    assert result["iterations"] == 20
    assert result["model"] == "add_relu.onnx"
    assert result["inputs"] == ["x: float[3,4]", "b: float[4]"]


def test_bench_table(models):
    r = run("bench", models["add_relu"], "--iterations", 5, "--warmup", 1)
    assert r.returncode == 0, r.stderr
    assert "p50" in r.stdout and "p99" in r.stdout


def test_bench_optimize_levels(models):
    for level in ("all", "no-layout", "none"):
        r = run("bench", models["add_relu"], "--iterations", 3, "--warmup", 0, "--json",
                "--optimize", level)
        assert r.returncode == 0, (level, r.stderr)
        assert json.loads(r.stdout)["p50_ms"] > 0
    assert_error(run("bench", models["add_relu"], "--optimize", "fast"), "--optimize", "fast",
                 code=2)


def test_bench_symbolic_dim_needs_shape(models):
    assert_error(run("bench", models["seq"], "--iterations", 1, "--json"),
                 "'x'", "dim 1", "seq", "--shape")
    r = run("bench", models["seq"], "--iterations", 3, "--warmup", 0, "--shape", "x=2,7",
            "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["inputs"] == ["x: float[2,7]"]


def test_bench_bad_shape_flags(models):
    assert_error(run("bench", models["seq"], "--shape", "nope=1,2"), "nope", "not a model input")
    assert_error(run("bench", models["seq"], "--shape", "x=1,a"), "x=1,a")
    assert_error(run("bench", models["seq"], "--shape", "x=1,2,3"), "rank")


def test_bench_unsupported_operator(models):
    assert_error(run("bench", models["custom"], "--iterations", 1), "NoSuchOp")
