"""berth on QDQ models written by ONNX Runtime's own static quantizer at test time: a small
residual CNN (convolutions with and without Relu, a depthwise convolution, MaxPool, the
residual Add, GlobalAveragePool, Gemm) quantized per channel (QUInt8 activations, QInt8
weights), run by `berth infer` and by ORT on the same file. berth fuses the QDQ groups into
its int8 kernels; the outputs must agree with ORT's within a few steps of the last
quantization, and stay close to the float model's.

Run: BERTH_BIN=build/bin/berth .venv/bin/python -m pytest -q tests/qdq
(ctest runs it as `int8_qdq_models`). Needs onnx, onnxruntime and numpy (the venv has them).
"""
import os
import signal
import subprocess

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                      quantize_static)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BERTH = os.environ.get("BERTH_BIN", os.path.join(ROOT, "build", "bin", "berth"))
SHAPE = (1, 3, 32, 32)


def conv(nodes, inits, rng, x, name, c_in, c_out, k, stride=1, group=1, relu=True):
    w = rng.normal(0, (2.0 / (c_in // group * k * k)) ** 0.5,
                   (c_out, c_in // group, k, k)).astype(np.float32)
    b = rng.normal(0, 0.1, c_out).astype(np.float32)
    inits += [numpy_helper.from_array(w, name + "_w"), numpy_helper.from_array(b, name + "_b")]
    out = name if not relu else name + "_pre"
    nodes.append(helper.make_node("Conv", [x, name + "_w", name + "_b"], [out],
                                  pads=[k // 2] * 4, strides=[stride, stride], group=group))
    if relu:
        nodes.append(helper.make_node("Relu", [out], [name]))
    return name


def float_model(path):
    rng = np.random.default_rng(0)
    nodes, inits = [], []
    x = conv(nodes, inits, rng, "input", "c1", 3, 16, 3)
    nodes.append(helper.make_node("MaxPool", [x], ["p1"], kernel_shape=[2, 2], strides=[2, 2]))
    y = conv(nodes, inits, rng, "p1", "c2", 16, 16, 3)
    y = conv(nodes, inits, rng, y, "dw", 16, 16, 3, group=16)
    y = conv(nodes, inits, rng, y, "c3", 16, 16, 1, relu=False)
    nodes.append(helper.make_node("Add", [y, "p1"], ["sum"]))
    nodes.append(helper.make_node("Relu", ["sum"], ["block"]))
    y = conv(nodes, inits, rng, "block", "c4", 16, 32, 3, stride=2)
    nodes.append(helper.make_node("GlobalAveragePool", [y], ["gap"]))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"]))
    fc = rng.normal(0, 0.2, (10, 32)).astype(np.float32)
    inits += [numpy_helper.from_array(fc, "fc_w"),
              numpy_helper.from_array(np.zeros(10, np.float32), "fc_b")]
    nodes.append(helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], transB=1))
    graph = helper.make_graph(
        nodes, "qdq_test", [helper.make_tensor_value_info("input", TensorProto.FLOAT, SHAPE)],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, (1, 10))], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


class Reader(CalibrationDataReader):
    def __init__(self):
        rng = np.random.default_rng(1)
        self.data = iter([{"input": rng.random(SHAPE, dtype=np.float32)} for _ in range(16)])

    def get_next(self):
        return next(self.data, None)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("int8")
    fp32, qdq = str(d / "cnn.onnx"), str(d / "cnn_qdq.onnx")
    float_model(fp32)
    quantize_static(fp32, qdq, Reader(), quant_format=QuantFormat.QDQ,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    per_channel=True)
    return fp32, qdq


def berth_infer(model, x, tmp_path, *extra):
    pb = tmp_path / "input.pb"
    pb.write_bytes(numpy_helper.from_array(x, "input").SerializeToString())
    out = tmp_path / "out"
    r = subprocess.run([BERTH, "infer", model, "--inputs", str(pb), "--outputs-dir", str(out),
                        "--threads", "2", *extra], capture_output=True, text=True, timeout=120)
    assert r.returncode >= 0, f"berth died from {signal.Signals(-r.returncode).name}: {r.stderr}"
    assert r.returncode == 0, r.stderr
    t = onnx.TensorProto()
    t.ParseFromString((out / "output_0.pb").read_bytes())
    return numpy_helper.to_array(t)


def output_scale(qdq):
    m = onnx.load(qdq)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    last = [n for n in m.graph.node if n.output[0] == "logits"][0]
    assert last.op_type == "DequantizeLinear", last.op_type
    return float(inits[last.input[1]])


def test_quantizer_wrote_qdq(models):
    ops = {n.op_type for n in onnx.load(models[1]).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear", "Conv", "Add", "MaxPool"} <= ops


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_berth_matches_ort_on_the_qdq_file(models, seed, tmp_path):
    fp32, qdq = models
    x = np.random.default_rng(100 + seed).random(SHAPE, dtype=np.float32)
    want = ort.InferenceSession(qdq, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    got = berth_infer(qdq, x, tmp_path)
    step = output_scale(qdq)
    # Rounding ties may go the other way in fused kernels; a few steps of the output scale.
    assert np.abs(got - want).max() <= 4 * step, (np.abs(got - want).max(), step)
    assert got.argmax() == want.argmax()
    ref = ort.InferenceSession(fp32, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    cos = float((got * ref).sum() / np.linalg.norm(got) / np.linalg.norm(ref))
    assert cos > 0.98, cos
