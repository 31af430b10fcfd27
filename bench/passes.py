#!/usr/bin/env python3
"""What berth's graph passes buy: p50 latency of each benchmark model with no passes, with
every pass but the channels-last layout, and with all of them, in one run.

    bench/passes.py [--berth build/bin/berth] [--models bench/models] [--rounds 3]
                    [--iterations 50] [NAME ...]

Levels are interleaved round by round so that a noisy neighbour hurts each alike; the table
shows the median p50 per level and each level's speed-up over the one before it. The models
come from `make bench` (bench/models).
"""
import argparse
import json
import os
import sys

import benchlib

LEVELS = ["none", "no-layout", "all"]
DEFAULT_MODELS = ["mlp", "resnet18", "resnet50", "mobilenet_v2", "bert_small"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--berth", default="build/bin/berth")
    ap.add_argument("--models", default="bench/models")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    rows = []
    for name in args.names or DEFAULT_MODELS:
        model = os.path.join(args.models, name + ".onnx")
        if not os.path.exists(model):
            sys.exit(f"no model {model}: run `make bench` once to make the models")
        runs = benchlib.interleave({level: benchlib.command(benchlib.berth_bench_cmd(
            args.berth, model, args.threads, 1, 10, args.iterations, ["--optimize", level]))
            for level in LEVELS}, args.rounds)
        rows.append((name, {level: benchlib.median(runs[level], "p50_ms") for level in LEVELS}))
    print(f"{'model':14} {'none ms':>9} {'no-layout ms':>13} {'all ms':>9} "
          f"{'fusions x':>10} {'layout x':>9}")
    for name, m in rows:
        print(f"{name:14} {m['none']:9.3f} {m['no-layout']:13.3f} {m['all']:9.3f} "
              f"{m['none'] / m['no-layout']:10.2f} {m['no-layout'] / m['all']:9.2f}")
    print(json.dumps([{"model": n, **m} for n, m in rows]))


if __name__ == "__main__":
    sys.exit(main())
