#!/usr/bin/env python3
"""Writes the seed corpus of the model-loader fuzzer: small valid models over common ops,
subgraphs and external-data references, plus damaged copies (truncated, bit-flipped).
Deterministic (fixed seed). Usage: make_corpus.py OUT_DIR
"""
import os
import random
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(nodes, inputs, outputs, inits=(), opset=13):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def fvi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def seeds():
    w = numpy_helper.from_array(np.ones((4, 1, 3, 3), np.float32), "w")
    yield "conv", model([helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1])],
                        [fvi("x", ["N", 1, 8, 8])], [fvi("y", ["N", 4, 8, 8])], [w])
    yield "add_relu", model([helper.make_node("Add", ["x", "x"], ["s"]),
                             helper.make_node("Relu", ["s"], ["y"])],
                            [fvi("x", [2, 3])], [fvi("y", [2, 3])])
    shape = numpy_helper.from_array(np.array([3, 2], np.int64), "shape")
    yield "reshape", model([helper.make_node("Reshape", ["x", "shape"], ["y"])],
                           [fvi("x", [2, 3])], [fvi("y", [3, 2])], [shape])
    b = numpy_helper.from_array(np.ones((3, 3), np.float32), "b")
    yield "gemm_softmax", model([helper.make_node("Gemm", ["x", "b"], ["g"]),
                                 helper.make_node("Softmax", ["g"], ["y"])],
                                [fvi("x", [2, 3])], [fvi("y", [2, 3])], [b])
    yield "old_opset_add", model([helper.make_node("Add", ["x", "x"], ["y"], broadcast=0)],
                                 [fvi("x", [2])], [fvi("y", [2])], opset=6)
    then_g = helper.make_graph([helper.make_node("Identity", ["x"], ["t"])], "then", [],
                               [fvi("t", [2])])
    else_g = helper.make_graph([helper.make_node("Neg", ["x"], ["e"])], "else", [],
                               [fvi("e", [2])])
    yield "if", model([helper.make_node("If", ["c"], ["y"], then_branch=then_g,
                                        else_branch=else_g)],
                      [helper.make_tensor_value_info("c", TensorProto.BOOL, []), fvi("x", [2])],
                      [fvi("y", [2])])
    ext = numpy_helper.from_array(np.ones(4, np.float32), "e")
    ext.data_location = TensorProto.EXTERNAL
    ext.ClearField("raw_data")
    for key, value in (("location", "../../etc/passwd"), ("offset", "0"), ("length", "16")):
        entry = ext.external_data.add()
        entry.key, entry.value = key, value
    yield "external_escape", model([helper.make_node("Add", ["x", "e"], ["y"])],
                                   [fvi("x", [4])], [fvi("y", [4])], [ext])
    yield "cycle", model([helper.make_node("Relu", ["b"], ["a"]),
                          helper.make_node("Relu", ["a"], ["b"])],
                         [fvi("x", [1])], [fvi("b", [1])])
    yield "opset_99", model([helper.make_node("Relu", ["x"], ["y"])],
                            [fvi("x", [1])], [fvi("y", [1])], opset=99)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(1125)
    for name, m in seeds():
        data = m.SerializeToString()
        open(os.path.join(out, name + ".onnx"), "wb").write(data)
        open(os.path.join(out, name + ".truncated"), "wb").write(data[: len(data) // 2])
        flipped = bytearray(data)
        for _ in range(3):
            i = rng.randrange(len(flipped))
            flipped[i] ^= 1 << rng.randrange(8)
        open(os.path.join(out, name + ".flipped"), "wb").write(bytes(flipped))
    open(os.path.join(out, "empty"), "wb").write(b"")
    open(os.path.join(out, "text"), "wb").write(b"this is not an onnx model\n")


if __name__ == "__main__":
    main()
