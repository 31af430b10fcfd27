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
import statistics
import subprocess
import sys

LEVELS = ["none", "no-layout", "all"]
DEFAULT_MODELS = ["mlp", "resnet18", "resnet50", "mobilenet_v2", "bert_small"]


def p50(berth, model, level, args):
    cmd = [berth, "bench", model, "--threads", str(args.threads), "--batch", "1",
           "--warmup", "10", "--iterations", str(args.iterations), "--json",
           "--optimize", level]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["p50_ms"]


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
        samples = {level: [] for level in LEVELS}
        for _ in range(args.rounds):
            for level in LEVELS:
                samples[level].append(p50(args.berth, model, level, args))
        rows.append((name, {level: statistics.median(v) for level, v in samples.items()}))
    print(f"{'model':14} {'none ms':>9} {'no-layout ms':>13} {'all ms':>9} "
          f"{'fusions x':>10} {'layout x':>9}")
    for name, m in rows:
        print(f"{name:14} {m['none']:9.3f} {m['no-layout']:13.3f} {m['all']:9.3f} "
              f"{m['none'] / m['no-layout']:10.2f} {m['no-layout'] / m['all']:9.2f}")
    print(json.dumps([{"model": n, **m} for n, m in rows]))


if __name__ == "__main__":
    sys.exit(main())
