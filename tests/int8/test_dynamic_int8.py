"""Dynamically quantized models (ONNX Runtime's own quantize_dynamic, run at test time) through
`berth infer`, against ONNX Runtime on the same file and inputs: a transformer-like block
(MatMul + bias, the erf GELU, a residual Add, LayerNormalization) and an MLP of Gemms, with
int8 weights per tensor and per channel, and uint8 weights. berth fuses the int8 patterns into
berth::DynamicQuantizeMatMul (oneDNN's u8 x s8 matmul); ORT runs its own kernels.

Run: BERTH_BIN=build/bin/berth .venv/bin/python -m pytest -q tests/int8
(ctest runs it as `int8_dynamic_vs_ort`). Needs onnx, onnxruntime and numpy (the venv has them).
"""
import os
import signal
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

ort = pytest.importorskip("onnxruntime")
from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BERTH = os.environ.get("BERTH_BIN", os.path.join(ROOT, "build", "bin", "berth"))


def init(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def transformer_block(path, seq=16, dim=64, hidden=192, out=10):
    """x -> MatMul+bias -> GELU (erf form) -> MatMul+bias -> + x -> LayerNorm -> MatMul+bias."""
    rng = np.random.default_rng(1)
    w = lambda *s: rng.normal(0, 1 / np.sqrt(s[0]), s)  # noqa: E731
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["m1"]),
        helper.make_node("Add", ["m1", "b1"], ["h"]),
        helper.make_node("Div", ["h", "sqrt2"], ["hd"]),
        helper.make_node("Erf", ["hd"], ["he"]),
        helper.make_node("Add", ["he", "one"], ["hp"]),
        helper.make_node("Mul", ["h", "hp"], ["hm"]),
        helper.make_node("Mul", ["hm", "half"], ["g"]),
        helper.make_node("MatMul", ["g", "w2"], ["m2"]),
        helper.make_node("Add", ["b2", "m2"], ["h2"]),
        helper.make_node("Add", ["x", "h2"], ["r"]),
        helper.make_node("LayerNormalization", ["r", "gamma", "beta"], ["ln"], axis=-1),
        helper.make_node("MatMul", ["ln", "w3"], ["m3"]),
        helper.make_node("Add", ["m3", "b3"], ["y"]),
    ]
    inits = [init("w1", w(dim, hidden)), init("b1", rng.normal(0, 0.1, hidden)),
             init("w2", w(hidden, dim)), init("b2", rng.normal(0, 0.1, dim)),
             init("w3", w(dim, out)), init("b3", rng.normal(0, 0.1, out)),
             init("gamma", 1 + rng.normal(0, 0.1, dim)), init("beta", rng.normal(0, 0.1, dim)),
             init("sqrt2", np.sqrt(2.0)), init("one", 1.0), init("half", 0.5)]
    graph = helper.make_graph(
        nodes, "block", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", seq, dim])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", seq, out])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return {"x": (seq, dim)}


def gemm_mlp(path, dims=(32, 96, 96, 10)):
    """Gemm (transB) -> Relu -> Gemm -> Relu -> Gemm, as torch exports a Linear stack."""
    rng = np.random.default_rng(2)
    nodes, inits, prev = [], [], "x"
    for i in range(len(dims) - 1):
        inits += [init(f"w{i}", rng.normal(0, 1 / np.sqrt(dims[i]), (dims[i + 1], dims[i]))),
                  init(f"b{i}", rng.normal(0, 0.1, dims[i + 1]))]
        out = "y" if i == len(dims) - 2 else f"g{i}"
        nodes.append(helper.make_node("Gemm", [prev, f"w{i}", f"b{i}"], [out], transB=1))
        if out != "y":
            nodes.append(helper.make_node("Relu", [out], [f"a{i}"]))
            prev = f"a{i}"
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", dims[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", dims[-1]])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return {"x": (dims[0],)}


MODELS = {"block": transformer_block, "mlp": gemm_mlp}
WEIGHTS = {"int8": dict(weight_type=QuantType.QInt8),
           "int8_per_channel": dict(weight_type=QuantType.QInt8, per_channel=True),
           "uint8": dict(weight_type=QuantType.QUInt8)}


def berth_infer(model, x, tmp_path):
    pb = tmp_path / "x.pb"
    pb.write_bytes(numpy_helper.from_array(x, "x").SerializeToString())
    out_dir = tmp_path / "out"
    r = subprocess.run([BERTH, "infer", str(model), "--inputs", str(pb), "--outputs-dir",
                        str(out_dir), "--threads", "2"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode >= 0, f"berth died from {signal.Signals(-r.returncode).name}: {r.stderr}"
    assert r.returncode == 0, r.stderr
    t = onnx.TensorProto()
    t.ParseFromString((out_dir / "output_0.pb").read_bytes())
    return numpy_helper.to_array(t)


@pytest.mark.parametrize("weights", sorted(WEIGHTS))
@pytest.mark.parametrize("name", sorted(MODELS))
def test_berth_matches_ort_on_quantize_dynamic(name, weights, tmp_path):
    fp32 = tmp_path / f"{name}.onnx"
    shapes = MODELS[name](str(fp32))
    quantized = tmp_path / f"{name}_{weights}.onnx"
    quantize_dynamic(str(fp32), str(quantized), **WEIGHTS[weights])
    ops = {n.op_type for n in onnx.load(str(quantized)).graph.node}
    assert {"DynamicQuantizeLinear", "MatMulInteger"} <= ops, ops

    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, (3, *shapes["x"])).astype(np.float32)
    session = ort.InferenceSession(str(quantized), providers=["CPUExecutionProvider"])
    want = session.run(None, {"x": x})[0]
    reference = ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"])
    fp32_out = reference.run(None, {"x": x})[0]
    got = berth_infer(quantized, x, tmp_path)
    assert got.shape == want.shape
    # Both run the same integer arithmetic; an input element that rounds the other way at a
    # .5 boundary in one of them moves an output by about one quantization step. The bound
    # is a small fraction of the quantization error itself (int8 vs fp32).
    quant_error = np.abs(want - fp32_out).max()
    diff = np.abs(got - want).max()
    assert diff <= max(0.1 * quant_error, 1e-5), (diff, quant_error)
    assert np.abs(got - fp32_out).max() <= 1.5 * quant_error + 1e-5
