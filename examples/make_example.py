#!/usr/bin/env python3
"""Writes the bundled example: a small image classifier (Conv -> ReLU -> pool -> Gemm ->
Softmax) with a symbolic batch dimension and fixed-seed weights, plus one input tensor.

Usage: make_example.py OUT_DIR   (writes OUT_DIR/classifier.onnx, OUT_DIR/input_0.pb, and a
model repository for `berth serve`: OUT_DIR/repository/classifier/1/model.onnx with a
config.yaml that batches requests)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build(rng):
    w = rng.standard_normal((8, 1, 3, 3)).astype(np.float32) * 0.3
    b = rng.standard_normal(8).astype(np.float32) * 0.1
    fc_w = rng.standard_normal((10, 8 * 14 * 14)).astype(np.float32) * 0.05
    fc_b = rng.standard_normal(10).astype(np.float32) * 0.1
    nodes = [
        helper.make_node("Conv", ["image", "conv_w", "conv_b"], ["conv"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("MaxPool", ["relu"], ["pool"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["pool"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "classifier",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, 28, 28])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 10])],
        [numpy_helper.from_array(w, "conv_w"), numpy_helper.from_array(b, "conv_b"),
         numpy_helper.from_array(fc_w, "fc_w"), numpy_helper.from_array(fc_b, "fc_b")])
    model = helper.make_model(graph, producer_name="berth-example",
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


CONFIG = """\
# Served by `berth serve`: requests of up to 8 images are joined into one run.
max_batch_size: 8
dynamic_batching:
  max_queue_delay_us: 200
  preferred_batch_sizes: [4, 8]
"""


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20261125)
    model = build(rng)
    onnx.save(model, os.path.join(out, "classifier.onnx"))
    version_dir = os.path.join(out, "repository", "classifier", "1")
    os.makedirs(version_dir, exist_ok=True)
    onnx.save(model, os.path.join(version_dir, "model.onnx"))
    with open(os.path.join(out, "repository", "classifier", "config.yaml"), "w") as f:
        f.write(CONFIG)
    image = rng.random((2, 1, 28, 28), dtype=np.float32)
    with open(os.path.join(out, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(image, "image").SerializeToString())


if __name__ == "__main__":
    main()
