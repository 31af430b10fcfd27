#!/usr/bin/env python3
"""Multiply-accumulates per example of the Conv, Gemm and MatMul nodes of ONNX models (from
ONNX's shape inference at batch 1), with their parameter counts: what a pruned model saves.

    bench/count_macs.py MODEL.onnx [MODEL.onnx ...]
"""
import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference


def dims_of(value_info):
    return [d.dim_value if d.HasField("dim_value") else 1
            for d in value_info.type.tensor_type.shape.dim]


def macs(path):
    model = onnx.load(path)
    for graph_input in model.graph.input:
        for dim in graph_input.type.tensor_type.shape.dim:
            if not dim.HasField("dim_value"):
                dim.dim_value = 1
    model = shape_inference.infer_shapes(model)
    shapes = {v.name: dims_of(v) for v in list(model.graph.value_info) +
              list(model.graph.input) + list(model.graph.output)}
    weights = {t.name: t for t in model.graph.initializer}
    total = 0
    for node in model.graph.node:
        if node.op_type not in ("Conv", "Gemm", "MatMul") or node.output[0] not in shapes:
            continue
        out = shapes[node.output[0]]
        if node.op_type == "Conv":
            w = list(weights[node.input[1]].dims) if node.input[1] in weights else \
                shapes[node.input[1]]
            total += int(np.prod(out)) * int(np.prod(w[1:]))
        else:
            a = shapes.get(node.input[0], [])
            transposed = any(x.name == "transA" and x.i for x in node.attribute)
            k = a[-2] if node.op_type == "Gemm" and transposed else (a[-1] if a else 0)
            total += int(np.prod(out)) * k
    params = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    nonzero = sum(int(np.count_nonzero(numpy_helper.to_array(t)))
                  for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT)
    return {"model": path, "macs": total, "parameters": params, "nonzero_float": nonzero}


def main():
    for path in sys.argv[1:]:
        print(json.dumps(macs(path)))


if __name__ == "__main__":
    sys.exit(main())
