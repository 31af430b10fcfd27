#!/usr/bin/env python3
"""How close an int8 model's outputs stay to its float model's: the cosine similarity of
their outputs on N random inputs (uniform in [0, 1), fixed seed, as `berth bench` makes
them), both run by `berth infer`. Prints the minimum, median and mean cosine and the top-1
agreement, one JSON line.

    bench/int8_cosine.py FP32.onnx INT8.onnx [--berth build/bin/berth] [--n 100] [--chunk 10]

The model's first input must have a symbolic batch dimension (the benchmark models do):
inputs go through in chunks of --chunk rows.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper


def input_spec(path):
    m = onnx.load(path, load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    inp = [i for i in m.graph.input if i.name not in inits][0]
    dims = [d.dim_value if d.HasField("dim_value") else -1
            for d in inp.type.tensor_type.shape.dim]
    if dims[0] != -1 or any(d < 1 for d in dims[1:]):
        sys.exit(f"{path}: input {inp.name} {dims} needs a symbolic batch and fixed other dims")
    return inp.name, dims[1:]


def infer(berth, model, name, x, work):
    pb = os.path.join(work, "input.pb")
    with open(pb, "wb") as f:
        f.write(numpy_helper.from_array(x, name).SerializeToString())
    out = os.path.join(work, "out")
    subprocess.run([berth, "infer", model, "--inputs", pb, "--outputs-dir", out, "--threads", "2"],
                   check=True, capture_output=True)
    return numpy_helper.to_array(onnx.load_tensor(os.path.join(out, "output_0.pb")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("fp32")
    ap.add_argument("int8")
    ap.add_argument("--berth", default="build/bin/berth")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--chunk", type=int, default=10)
    a = ap.parse_args()
    name, dims = input_spec(a.fp32)
    rng = np.random.default_rng(0)
    cos, agree = [], 0
    with tempfile.TemporaryDirectory() as work:
        for start in range(0, a.n, a.chunk):
            rows = min(a.chunk, a.n - start)
            x = rng.random([rows] + dims, dtype=np.float32)
            ref = infer(a.berth, a.fp32, name, x, work).reshape(rows, -1).astype(np.float64)
            got = infer(a.berth, a.int8, name, x, work).reshape(rows, -1).astype(np.float64)
            cos += list((ref * got).sum(1) / np.linalg.norm(ref, axis=1) /
                        np.linalg.norm(got, axis=1))
            agree += int((ref.argmax(1) == got.argmax(1)).sum())
    print(json.dumps({"fp32": a.fp32, "int8": a.int8, "n": a.n,
                      "cosine_min": round(float(np.min(cos)), 5),
                      "cosine_median": round(float(np.median(cos)), 5),
                      "cosine_mean": round(float(np.mean(cos)), 5),
                      "top1_agreement": agree / a.n}))


if __name__ == "__main__":
    main()
