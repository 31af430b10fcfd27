#!/usr/bin/env python3
"""p50 latency of several model files (for example a model and its pruned or quantized
versions) with `berth bench`, side by side in one run.

    bench/side_by_side.py [--berth build/bin/berth] [--threads 2] [--batch 1] [--rounds 5]
                          [--iterations 50] MODEL.onnx [MODEL.onnx ...]

The files are interleaved round by round so that a noisy neighbour hurts each alike; the table
shows each file's median p50 and median throughput over the rounds, and its speed-up over the
first file (p50 of the first / p50 of this one).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def bench(berth, model, args):
    cmd = [berth, "bench", model, "--threads", str(args.threads), "--batch", str(args.batch),
           "--warmup", "10", "--iterations", str(args.iterations), "--json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--berth", default="build/bin/berth")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("models", nargs="+")
    args = ap.parse_args()
    for model in args.models:
        if not os.path.isfile(model):
            sys.exit(f"no model file {model}")
    p50 = {m: [] for m in args.models}
    throughput = {m: [] for m in args.models}
    for _ in range(args.rounds):
        for model in args.models:
            result = bench(args.berth, model, args)
            p50[model].append(result["p50_ms"])
            throughput[model].append(result["throughput_per_s"])
    rows = [{"model": m, "bytes": os.path.getsize(m), "p50_ms": statistics.median(p50[m]),
             "throughput_per_s": statistics.median(throughput[m])} for m in args.models]
    first = rows[0]["p50_ms"]
    print(f"{'model':40} {'MB':>8} {'p50 ms':>9} {'per s':>9} {'speed-up':>9}")
    for r in rows:
        r["speedup"] = first / r["p50_ms"]
        print(f"{os.path.basename(r['model']):40} {r['bytes'] / 1e6:8.2f} {r['p50_ms']:9.3f} "
              f"{r['throughput_per_s']:9.1f} {r['speedup']:9.2f}")
    print(json.dumps(rows))


if __name__ == "__main__":
    sys.exit(main())
