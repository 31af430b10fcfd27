#!/usr/bin/env python3
"""int8 against float, and berth against ONNX Runtime on the same int8 file, in one run:
for each model, berth on FP32_DIR/NAME.onnx, berth on INT8_DIR/NAME<suffix>.onnx and ORT
(../shared/bench/ort_bench.js) on that same int8 file, interleaved round by round so that a
noisy neighbour hurts each alike. Prints the median p50 of each and the ratios, one JSON
line per model.

    bench/int8_bench.py --fp32-dir /work/bench-models --int8-dir /work/bench-models/ort \\
        --suffix _qdq [--berth build/bin/berth] [--ort-bench ../shared/bench/ort_bench.js] \\
        [--rounds 5] [--iterations 50] [--threads 2] [--ort-spin 1] NAME ...

berth's OpenMP threads follow the environment (OMP_WAIT_POLICY=PASSIVE stops idle spinning,
which matters when other processes load the machine).
"""
import argparse
import json
import os
import statistics
import subprocess


def p50(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])["p50_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fp32-dir", required=True)
    ap.add_argument("--int8-dir", required=True)
    ap.add_argument("--suffix", default="_qdq")
    ap.add_argument("--berth", default="build/bin/berth")
    ap.add_argument("--ort-bench", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench", "ort_bench.js"))
    ap.add_argument("--ort-node-dir", default=os.path.expanduser("~/.cache/berth-bench/node_modules"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iterations", default="50")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--ort-spin", default="1", help="ORT's intra-op spinning (ort_bench.js --spin)")
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()
    env = dict(os.environ, ORT_NODE_DIR=a.ort_node_dir)
    common = ["--threads", a.threads, "--batch", "1", "--warmup", "10", "--iterations",
              a.iterations]
    for name in a.names:
        fp32 = os.path.join(a.fp32_dir, name + ".onnx")
        int8 = os.path.join(a.int8_dir, name + a.suffix + ".onnx")
        runs = {"berth_fp32": [], "berth_int8": [], "ort_int8": []}
        for _ in range(a.rounds):
            runs["berth_fp32"].append(p50([a.berth, "bench", fp32, *common, "--json"]))
            runs["berth_int8"].append(p50([a.berth, "bench", int8, *common, "--json"]))
            runs["ort_int8"].append(p50(["node", a.ort_bench, int8, *common, "--spin", a.ort_spin],
                                        env))
        med = {k: statistics.median(v) for k, v in runs.items()}
        print(json.dumps({
            "model": name, "rounds": a.rounds,
            **{k + "_p50_ms": round(v, 3) for k, v in med.items()},
            "int8_speedup_over_fp32": round(med["berth_fp32"] / med["berth_int8"], 2),
            "berth_over_ort_int8": round(med["berth_int8"] / med["ort_int8"], 2),
            "all_p50_ms": {k: [round(x, 2) for x in v] for k, v in runs.items()}}), flush=True)


if __name__ == "__main__":
    main()
