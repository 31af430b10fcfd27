#!/usr/bin/env python3
"""Dynamically quantized models (int8 weights, activations quantized at run time): berth's fp32
model, berth on the quantized file, and ONNX Runtime on the same quantized file, interleaved
round by round so that a noisy neighbour hurts each alike.

    bench/int8_dynamic.py [--berth build/bin/berth] [--rounds 7] [--iterations 100]
                          [--threads 2] [--ort-spin 1] [FP32.onnx:INT8.onnx ...]

Default pairs: /work/bench-models/{bert_small,mlp}.onnx with ONNX Runtime's quantize_dynamic
files in /work/bench-models/ort/. Prints, per model, the median over rounds of each side's p50
and min, and the ratios fp32/int8 (berth's speed-up) and berth/ORT on the int8 file. ORT runs
through ../shared/bench/ort_bench.js (onnxruntime-node; compare.py installs it), spinning
unless --ort-spin 0. berth inherits the environment: `OMP_WAIT_POLICY=PASSIVE bench/...` runs
berth's OpenMP threads without spinning (see docs/PERFORMANCE.md, "int8 (dynamic)").
"""
import argparse
import json
import os
import statistics
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ORT_BENCH = os.path.join(HERE, "..", "..", "shared", "bench", "ort_bench.js")
MODELS = "/work/bench-models"
DEFAULT = [f"{MODELS}/bert_small.onnx:{MODELS}/ort/bert_small_dynamic.onnx",
           f"{MODELS}/mlp.onnx:{MODELS}/ort/mlp_dynamic.onnx"]


def last_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    d = json.loads(out.strip().splitlines()[-1])
    return d["p50_ms"], d["min_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--berth", default="build/bin/berth")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--iterations", default="100")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--ort-spin", default="1", choices=["0", "1"])
    ap.add_argument("pairs", nargs="*", default=DEFAULT)
    a = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("ORT_NODE_DIR", os.path.expanduser("~/.cache/berth-bench/node_modules"))
    common = ["--threads", a.threads, "--batch", "1", "--warmup", "10", "--iterations",
              a.iterations]
    rows = []
    for pair in a.pairs:
        fp32, int8 = pair.split(":")
        runs = {"berth fp32": [], "berth int8": [], "ORT int8": []}
        for _ in range(a.rounds):
            runs["ORT int8"].append(
                last_json(["node", ORT_BENCH, int8, *common, "--spin", a.ort_spin], env))
            runs["berth int8"].append(last_json([a.berth, "bench", int8, *common, "--json"]))
            runs["berth fp32"].append(last_json([a.berth, "bench", fp32, *common, "--json"]))
        med = {k: (statistics.median(p for p, _ in v), statistics.median(m for _, m in v))
               for k, v in runs.items()}
        rows.append({"model": os.path.basename(int8), **{
            k.replace(" ", "_") + "_p50_ms": v[0] for k, v in med.items()}, **{
            k.replace(" ", "_") + "_min_ms": v[1] for k, v in med.items()},
            "fp32_over_int8_p50": med["berth fp32"][0] / med["berth int8"][0],
            "berth_over_ort_p50": med["berth int8"][0] / med["ORT int8"][0],
            "fp32_over_int8_min": med["berth fp32"][1] / med["berth int8"][1],
            "berth_over_ort_min": med["berth int8"][1] / med["ORT int8"][1]})
    print(f"{'model':24} {'berth fp32':>11} {'berth int8':>11} {'ORT int8':>9} "
          f"{'fp32/int8':>10} {'berth/ORT':>10}   (median p50 ms; min ms below)")
    for r in rows:
        for kind in ("p50", "min"):
            print(f"{r['model'] if kind == 'p50' else '':24} {r[f'berth_fp32_{kind}_ms']:11.3f} "
                  f"{r[f'berth_int8_{kind}_ms']:11.3f} {r[f'ORT_int8_{kind}_ms']:9.3f} "
                  f"{r[f'fp32_over_int8_{kind}']:10.2f} {r[f'berth_over_ort_{kind}']:10.2f}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
