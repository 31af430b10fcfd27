"""`berth optimize` end to end, checked with ONNX Runtime (contract C3: ORT runs what we write).

Run by ctest (`optimize_cli`) with BERTH_BIN set; by hand:
  BERTH_BIN=build/bin/berth .venv/bin/python -m pytest -q tests/optimize
"""
import hashlib
import json
import os
import subprocess

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import helper, numpy_helper, TensorProto

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
DIGITS = os.path.join(FIXTURES, "digits_cnn.onnx")
DIGITS_TEST = os.path.join(FIXTURES, "digits_test.npz")
DIGITS_CALIBRATION = os.path.join(FIXTURES, "digits_calibration.npz")
CANCER = os.path.join(FIXTURES, "breast_cancer_mlp.onnx")
CANCER_TEST = os.path.join(FIXTURES, "breast_cancer_test.npz")
# The largest top-1 loss int8-static may cost on digits (the issue: at most 1 point).
MAX_INT8_LOSS_POINTS = 1.0


@pytest.fixture(scope="session")
def berth():
    path = os.environ.get("BERTH_BIN", os.path.join(HERE, "..", "..", "build", "bin", "berth"))
    assert os.path.exists(path), f"no berth binary at {path} (set BERTH_BIN)"
    return path


def optimize(berth, *args, check=True):
    r = subprocess.run([berth, "optimize", *args], capture_output=True, text=True, timeout=300)
    if check:
        assert r.returncode == 0, f"berth optimize {' '.join(args)} failed: {r.stderr}"
    return r


def ort_run(path, feeds):
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def berth_infer(berth, model, name, array, tmp_path):
    inp = tmp_path / f"{name}.pb"
    inp.write_bytes(numpy_helper.from_array(array, name).SerializeToString())
    out = tmp_path / "berth_out"
    r = subprocess.run([berth, "infer", model, "--inputs", str(inp), "--outputs-dir", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return numpy_helper.to_array(onnx.load_tensor(str(out / "output_0.pb")))


def cosine(a, b):
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


def ops(path):
    model = onnx.load(path)
    counts = {}
    for n in model.graph.node:
        counts[n.op_type] = counts.get(n.op_type, 0) + 1
    return model, counts


def test_int8_static_keeps_digits_accuracy(berth, tmp_path):
    out = str(tmp_path / "digits_int8.onnx")
    r = optimize(berth, DIGITS, "--quantize", "int8-static", "--calibration", DIGITS_CALIBRATION,
                 "-o", out)
    assert "quantized: " in r.stdout and "2 Conv" in r.stdout and "1 Gemm" in r.stdout, r.stdout
    assert "size: " in r.stdout
    data = np.load(DIGITS_TEST)
    images, labels = data["image"], data["labels"]
    fp32 = ort_run(DIGITS, {"image": images})[0]
    int8_ort = ort_run(out, {"image": images})[0]
    int8_berth = berth_infer(berth, out, "image", images, tmp_path)
    n = len(labels)
    right = {name: int((logits.argmax(1) == labels).sum())
             for name, logits in [("fp32", fp32), ("int8 ORT", int8_ort),
                                  ("int8 berth", int8_berth)]}
    figures = ", ".join(f"{k} {v}/{n} = {100.0 * v / n:.2f}%" for k, v in right.items())
    print(f"digits top-1: {figures}")
    for name in ("int8 ORT", "int8 berth"):
        loss = 100.0 * (right["fp32"] - right[name]) / n
        assert loss <= MAX_INT8_LOSS_POINTS, f"{name} loses {loss:.2f} points: {figures}"
    # berth and ORT compute the same quantized model.
    assert np.abs(int8_berth - int8_ort).max() < 0.05, np.abs(int8_berth - int8_ort).max()
    assert cosine(fp32, int8_ort) > 0.99


def test_int8_static_follows_ort_qdq_conventions(berth, tmp_path):
    out = str(tmp_path / "digits_int8.onnx")
    optimize(berth, DIGITS, "--quantize", "int8-static", "--calibration", DIGITS_CALIBRATION,
             "-o", out)
    model, counts = ops(out)
    inits = {t.name: t for t in model.graph.initializer}
    producers = {o: n for n in model.graph.node for o in n.output}
    assert counts.get("Relu") == 2, counts  # kept after each Conv
    for node in model.graph.node:
        if node.op_type in ("Conv", "Gemm"):
            w_dq = producers[node.input[1]]
            assert w_dq.op_type == "DequantizeLinear"
            w = inits[w_dq.input[0]]
            assert w.data_type == TensorProto.INT8
            zp = numpy_helper.to_array(inits[w_dq.input[2]])
            assert zp.dtype == np.int8 and not zp.any() and zp.shape == (w.dims[0],)
            axis = [a.i for a in w_dq.attribute if a.name == "axis"]
            assert axis == [0], axis  # Conv, and Gemm with transB = 1
            b_dq = producers[node.input[2]]
            assert inits[b_dq.input[0]].data_type == TensorProto.INT32
            x_dq = producers[node.input[0]]
            assert x_dq.op_type == "DequantizeLinear"
            x_scale = numpy_helper.to_array(inits[x_dq.input[1]])
            w_scale = numpy_helper.to_array(inits[w_dq.input[1]])
            b_scale = numpy_helper.to_array(inits[b_dq.input[1]])
            np.testing.assert_allclose(b_scale, x_scale * w_scale, rtol=1e-6)
        if node.op_type == "QuantizeLinear":
            assert inits[node.input[2]].data_type == TensorProto.UINT8
        if node.op_type == "Relu":
            # The Q comes after the Relu, which reads the Conv's float output.
            assert producers[node.input[0]].op_type == "Conv"
    assert producers["logits"].op_type == "Gemm"  # the model's output stays float


def test_int8_dynamic_gemm_runs_in_ort_and_berth(berth, tmp_path):
    out = str(tmp_path / "cancer_dynamic.onnx")
    optimize(berth, CANCER, "--quantize", "int8-dynamic", "-o", out)
    model, counts = ops(out)
    assert counts.get("Gemm", 0) == 0, counts
    for op in ("DynamicQuantizeLinear", "MatMulInteger", "Cast"):
        assert counts.get(op) == 2, counts
    assert counts.get("Mul") == 4 and counts.get("Add") == 2, counts
    features = np.load(CANCER_TEST)["features"]
    labels = np.load(CANCER_TEST)["labels"]
    fp32 = ort_run(CANCER, {"features": features})[0]
    q_ort = ort_run(out, {"features": features})[0]
    q_berth = berth_infer(berth, out, "features", features, tmp_path)
    assert np.abs(q_berth - q_ort).max() < 1e-3
    assert cosine(fp32, q_ort) > 0.99
    lost = int((fp32.argmax(1) == labels).sum()) - int((q_ort.argmax(1) == labels).sum())
    assert lost <= 1, lost


def matmul_model(path):
    """A MatMul network with a 3-D activation (as in transformers) and a shared weight."""
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.uniform(-0.5, 0.5, (16, 16)).astype(np.float32), "w")
    bias = numpy_helper.from_array(rng.uniform(-0.1, 0.1, (16,)).astype(np.float32), "bias")
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m1"]),
             helper.make_node("Add", ["m1", "bias"], ["a1"]),
             helper.make_node("Relu", ["a1"], ["r1"]),
             helper.make_node("MatMul", ["r1", "w"], ["y"])]
    graph = helper.make_graph(
        nodes, "mm", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4, 16])], [w, bias])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


@pytest.mark.parametrize("method", ["int8-dynamic", "int8-static", "fp16", "bf16"])
def test_every_form_runs_in_ort_close_to_fp32(berth, tmp_path, method):
    src = str(tmp_path / "mm.onnx")
    matmul_model(src)
    x = np.random.default_rng(1).random((8, 4, 16), dtype=np.float32)
    args = ["--quantize", method]
    if method == "int8-static":
        np.savez(tmp_path / "calib.npz", x=x)
        args += ["--calibration", str(tmp_path / "calib.npz")]
    out = str(tmp_path / f"mm_{method}.onnx")
    optimize(berth, src, *args, "-o", out)
    onnx.checker.check_model(onnx.load(out))
    fp32 = ort_run(src, {"x": x})[0]
    got = ort_run(out, {"x": x})[0]
    mine = berth_infer(berth, out, "x", x, tmp_path)
    assert cosine(fp32, got) > 0.99
    tolerance = {"fp16": 1e-2, "bf16": 5e-2}.get(method, 0.1)
    assert np.abs(fp32 - got).max() < tolerance, np.abs(fp32 - got).max()
    assert np.abs(mine - got).max() < tolerance


@pytest.mark.parametrize("method,dtype", [("fp16", TensorProto.FLOAT16),
                                          ("bf16", TensorProto.BFLOAT16)])
def test_half_precision_halves_the_weights(berth, tmp_path, method, dtype):
    out = str(tmp_path / f"digits_{method}.onnx")
    optimize(berth, DIGITS, "--quantize", method, "-o", out)
    model, counts = ops(out)
    big = [t for t in model.graph.initializer if np.prod(t.dims) >= 16]
    assert big and all(t.data_type == dtype for t in big)
    assert model.graph.input[0].type.tensor_type.elem_type == TensorProto.FLOAT
    assert counts["Cast"] == len(big)
    images = np.load(DIGITS_TEST)["image"]
    fp32 = ort_run(DIGITS, {"image": images})[0]
    got = ort_run(out, {"image": images})[0]
    assert (fp32.argmax(1) == got.argmax(1)).mean() > 0.99
    weights_fp32 = sum(np.prod(t.dims) * 4 for t in onnx.load(DIGITS).graph.initializer)
    weights_half = sum(np.prod(t.dims) * (2 if t.data_type == dtype else 4)
                       for t in model.graph.initializer)
    assert weights_half < 0.55 * weights_fp32


@pytest.mark.parametrize("args,message", [
    (["--quantize", "int8-static", "-o", "x.onnx"], "needs calibration data"),
    (["-o", "x.onnx"], "nothing to do"),
    (["--quantize", "fp16", "--structured", "-o", "x.onnx"], "--structured needs --prune"),
    (["--quantize", "int4", "-o", "x.onnx"], "unknown quantization method 'int4'"),
    (["--quantize", "fp16"], "give -o OUT.onnx, --push"),
    (["--quantize", "fp16", "--push"], "--push needs a registry REF"),
    (["--quantize", "fp16", "--calibration", DIGITS_CALIBRATION, "-o", "x.onnx"],
     "only used by int8-static"),
])
def test_bad_flags_are_clear_errors(berth, tmp_path, args, message):
    r = optimize(berth, DIGITS, *args, check=False)
    assert r.returncode == 1, r
    assert message in r.stderr, r.stderr
    assert not (tmp_path / "x.onnx").exists()


def test_prune_then_int8_static_keeps_the_zeros(berth, tmp_path):
    out = str(tmp_path / "digits_pruned_int8.onnx")
    r = optimize(berth, DIGITS, "--prune", "0.5", "--quantize", "int8-static", "--calibration",
                 DIGITS_CALIBRATION, "-o", out)
    assert "pruned to 0.5: " in r.stdout and "quantized: " in r.stdout, r.stdout
    pruned = str(tmp_path / "digits_pruned.onnx")
    optimize(berth, DIGITS, "--prune", "0.5", "-o", pruned)
    zeros_pruned = sum(int((numpy_helper.to_array(t) == 0).sum())
                       for t in onnx.load(pruned).graph.initializer
                       if t.data_type == TensorProto.FLOAT and len(t.dims) > 1)
    zeros_int8 = sum(int((numpy_helper.to_array(t) == 0).sum())
                     for t in onnx.load(out).graph.initializer
                     if t.data_type == TensorProto.INT8 and len(t.dims) > 1)
    # Symmetric quantization (zero point 0) keeps every pruned weight at exactly zero.
    assert zeros_pruned > 0 and zeros_int8 >= zeros_pruned, (zeros_pruned, zeros_int8)
    data = np.load(DIGITS_TEST)
    fp32 = ort_run(DIGITS, {"image": data["image"]})[0]
    got = ort_run(out, {"image": data["image"]})[0]
    right = [int((x.argmax(1) == data["labels"]).sum()) for x in (fp32, got)]
    print(f"digits top-1: fp32 {right[0]}, pruned 50% + int8-static {right[1]} of "
          f"{len(data['labels'])}")
    assert right[0] - right[1] <= 0.03 * len(data["labels"]), right


def test_calibration_data_must_fit_the_model(berth, tmp_path):
    np.savez(tmp_path / "wrong.npz", pixels=np.zeros((4, 1, 8, 8), np.float32))
    r = optimize(berth, DIGITS, "--quantize", "int8-static", "--calibration",
                 str(tmp_path / "wrong.npz"), "-o", str(tmp_path / "x.onnx"), check=False)
    assert r.returncode == 1
    assert "no tensor named 'image'" in r.stderr, r.stderr
    assert not (tmp_path / "x.onnx").exists()


def registry_with_digits(berth, tmp_path):
    """A fresh SQLite registry holding digits_cnn.onnx as digits version 1; its CLI flags."""
    reg = ["--registry", f"sqlite:{tmp_path}/registry.db"]
    r = subprocess.run([berth, "push", DIGITS, "--name", "digits", *reg], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    return reg


def push_int8_digits(berth, reg, *validation_args, check=True):
    return optimize(berth, "digits@1", "--quantize", "int8-static", "--calibration",
                    DIGITS_CALIBRATION, "--push", *validation_args, *reg, check=check)


def show(berth, reg, ref, *args):
    shown = subprocess.run([berth, "show", ref, *args, *reg], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def test_push_records_parent_and_calibration_digest(berth, tmp_path):
    reg = registry_with_digits(berth, tmp_path)
    out = tmp_path / "digits_int8.onnx"
    r = push_int8_digits(berth, reg, "-o", str(out))
    assert "pushed as digits version 2 (parent 1)" in r.stdout, r.stdout
    version = json.loads(show(berth, reg, "digits@2", "--json"))
    digest = hashlib.sha256(open(DIGITS_CALIBRATION, "rb").read()).hexdigest()
    assert version["parent"] == 1
    assert "int8-static" in version["derivation"] and digest in version["derivation"], version
    assert version["tags"]["optimized"] == "int8-static"
    # The pushed bytes are the quantized model written with -o.
    assert version["digest"] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_push_validates_against_the_parent_and_stores_the_report(berth, tmp_path):
    reg = registry_with_digits(berth, tmp_path)
    r = push_int8_digits(berth, reg, "--validation-data", DIGITS_TEST, "--min-accuracy", "0.9",
                         "--min-agreement", "0.95")
    assert "pushed as digits version 2 (parent 1)" in r.stdout, r.stdout
    shown = show(berth, reg, "digits@2")
    assert "validation: passed" in shown, shown
    assert "digits@1" in shown, shown  # validated against its parent
    assert "min agreement 0.95" in shown, shown


def test_push_that_fails_validation_stays_pushed_and_exits_1(berth, tmp_path):
    reg = registry_with_digits(berth, tmp_path)
    # No model reaches 100% on the digits test split: the validation fails on accuracy.
    r = push_int8_digits(berth, reg, "--validation-data", DIGITS_TEST, "--min-accuracy", "1.0",
                         check=False)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "version 2 is pushed but failed validation against version 1" in r.stderr, r.stderr
    assert "validation: failed" in show(berth, reg, "digits@2")


def test_validation_flags_need_push(berth, tmp_path):
    r = optimize(berth, DIGITS, "--quantize", "fp16", "--validation-data", DIGITS_TEST, "-o",
                 str(tmp_path / "x.onnx"), check=False)
    assert r.returncode == 1
    assert "need --push" in r.stderr, r.stderr
    r = optimize(berth, DIGITS, "--quantize", "fp16", "--min-agreement", "0.9", "-o",
                 str(tmp_path / "x.onnx"), check=False)
    assert r.returncode == 1 and "need --push" in r.stderr, r.stderr
