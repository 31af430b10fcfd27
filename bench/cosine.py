#!/usr/bin/env python3
"""How close a quantized (or otherwise rewritten) model's outputs stay to its float model's:
the cosine similarity of their first outputs on N random inputs (as `berth bench` makes them:
floats uniform in [0, 1), integers in [0, 100); fixed seed), and the top-1 agreement. Prints
the minimum, median and mean cosine and the agreement, one JSON line.

    .venv/bin/python bench/cosine.py FP32.onnx QUANT.onnx [--runner berth|ort]
        [--berth build/bin/berth] [--n 100] [--chunk 10] [--threads 2] [--seed 0]

--runner berth runs both files with `berth infer`, ort with ONNX Runtime (the venv's). Every
graph input's first dimension must be symbolic (the batch; the benchmark models' is): inputs go
through in chunks of --chunk rows. bench/quantized.py uses the same routine.
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

import benchlib


def input_spec(path):
    """[(name, numpy dtype, dims without the batch)] of the model's graph inputs."""
    model = onnx.load(path, load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    spec = []
    for i in model.graph.input:
        if i.name in inits:
            continue
        t = i.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else -1 for d in t.shape.dim]
        if not dims or dims[0] != -1 or any(d < 1 for d in dims[1:]):
            sys.exit(f"{path}: input {i.name} {dims} needs a symbolic batch and fixed other dims")
        spec.append((i.name, onnx.helper.tensor_dtype_to_np_dtype(t.elem_type), dims[1:]))
    return spec


def random_feed(spec, rng, rows):
    """`berth bench`'s inputs for `rows` rows: floats uniform in [0,1), integers in [0,100)."""
    feed = {}
    for name, dtype, dims in spec:
        shape = [rows] + dims
        if np.issubdtype(dtype, np.floating):
            feed[name] = rng.random(shape, dtype=np.float32).astype(dtype)
        else:
            feed[name] = rng.integers(0, 100, shape).astype(dtype)
    return feed


def berth_runner(berth, model, threads=2):
    """feed -> first output, by `berth infer` (one process per call)."""
    def run(feed):
        with tempfile.TemporaryDirectory() as work:
            paths = []
            for k, (name, value) in enumerate(feed.items()):
                path = os.path.join(work, f"input_{k}.pb")
                with open(path, "wb") as f:
                    f.write(numpy_helper.from_array(value, name).SerializeToString())
                paths.append(path)
            out = os.path.join(work, "out")
            benchlib.run([berth, "infer", model, "--inputs", *paths, "--outputs-dir", out,
                          "--threads", str(threads)])
            return numpy_helper.to_array(onnx.load_tensor(os.path.join(out, "output_0.pb")))
    return run


def ort_runner(model, threads=2):
    """feed -> first output, by ONNX Runtime's CPU provider."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    session = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    return lambda feed: session.run(None, feed)[0]


def compare(reference, candidate, spec, n, chunk=10, seed=0):
    """Cosine similarity and top-1 agreement, row by row, of two runners' outputs on n random
    inputs; returns {"n", "cosine_min", "cosine_median", "cosine_mean", "top1_agreement"}."""
    rng = np.random.default_rng(seed)
    cos, agree = [], 0
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        feed = random_feed(spec, rng, rows)
        ref = reference(feed).reshape(rows, -1).astype(np.float64)
        got = candidate(feed).reshape(rows, -1).astype(np.float64)
        cos += list((ref * got).sum(1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(got, axis=1))
        agree += int((ref.argmax(1) == got.argmax(1)).sum())
    return {"n": n, "cosine_min": float(np.min(cos)), "cosine_median": float(np.median(cos)),
            "cosine_mean": float(np.mean(cos)), "top1_agreement": agree / n}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("fp32")
    ap.add_argument("quantized")
    ap.add_argument("--runner", choices=["berth", "ort"], default="berth")
    ap.add_argument("--berth", default=benchlib.DEFAULT_BERTH)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--chunk", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.n < 1 or a.chunk < 1:
        sys.exit("--n and --chunk must be at least 1")
    for path in (a.fp32, a.quantized):
        benchlib.require_file(path)
    if a.runner == "berth":
        ref, got = (berth_runner(a.berth, m, a.threads) for m in (a.fp32, a.quantized))
    else:
        ref, got = (ort_runner(m, a.threads) for m in (a.fp32, a.quantized))
    result = compare(ref, got, input_spec(a.fp32), a.n, a.chunk, a.seed)
    print(json.dumps({"fp32": a.fp32, "quantized": a.quantized, "runner": a.runner,
                      **{k: round(v, 5) if k.startswith("cosine") else v
                         for k, v in result.items()}}))


if __name__ == "__main__":
    main()
