#!/usr/bin/env python3
"""A quantized model against its float model, and berth against ONNX Runtime on the same
quantized file, in one run: for each FP32:QUANT pair, berth on FP32, berth on QUANT and ORT
(../shared/bench/ort_bench.js) on QUANT, interleaved round by round so that a noisy neighbour
hurts each alike. Prints one JSON line per pair: the medians over rounds of each side's p50
and min, and the ratios fp32/int8 (berth's speed-up) and berth/ORT on the quantized file.

    bench/quant_bench.py [--models bench/models] [--berth build/bin/berth] [--rounds 5]
        [--iterations 50] [--warmup 10] [--threads 2] [--ort-spin 1] [FP32.onnx:QUANT.onnx ...]

Paths in a pair are relative to --models unless absolute. Default pairs: what `make bench`
makes (bench/quantized.py): resnet50.onnx:resnet50_int8_static.onnx and
bert_small.onnx:bert_small_int8_dynamic.onnx. Works for either form, static (QDQ) or dynamic.
berth's OpenMP threads follow the environment: `OMP_WAIT_POLICY=PASSIVE bench/quant_bench.py`
runs them without spinning (docs/PERFORMANCE.md); --ort-spin 0 does the same for ORT.
"""
import argparse
import json
import os
import sys

import benchlib

DEFAULT_PAIRS = ["resnet50.onnx:resnet50_int8_static.onnx",
                 "bert_small.onnx:bert_small_int8_dynamic.onnx"]
SIDES = ["berth_fp32", "berth_int8", "ort_int8"]


def time_pair(fp32, quantized, args, env):
    """The interleaved rounds of one pair, summarised as a dict (see the module doc)."""
    timing = dict(threads=args.threads, batch=1, warmup=args.warmup, iterations=args.iterations)
    runs = benchlib.interleave({
        "berth_fp32": benchlib.command(benchlib.berth_bench_cmd(args.berth, fp32, **timing)),
        "berth_int8": benchlib.command(benchlib.berth_bench_cmd(args.berth, quantized, **timing)),
        "ort_int8": benchlib.command(benchlib.ort_bench_cmd(
            quantized, spin=args.ort_spin, ort_bench=args.ort_bench, **timing), env),
    }, args.rounds)
    row = {"fp32": fp32, "quantized": quantized, "rounds": args.rounds}
    for kind in ("p50", "min"):
        med = {side: benchlib.median(runs[side], kind + "_ms") for side in SIDES}
        row.update({f"{side}_{kind}_ms": round(med[side], 3) for side in SIDES})
        row[f"fp32_over_int8_{kind}"] = round(med["berth_fp32"] / med["berth_int8"], 2)
        row[f"berth_over_ort_{kind}"] = round(med["berth_int8"] / med["ort_int8"], 2)
    row["all_p50_ms"] = {side: [round(r["p50_ms"], 3) for r in runs[side]] for side in SIDES}
    return row


def parse_pair(pair, models):
    if pair.count(":") != 1:
        sys.exit(f"{pair}: a pair is FP32.onnx:QUANT.onnx")
    return [benchlib.require_file(os.path.join(models, p)) for p in pair.split(":")]


def add_timing_flags(ap, rounds, iterations):
    """The flags time_pair reads (bench/quantized.py shares them)."""
    ap.add_argument("--berth", default=benchlib.DEFAULT_BERTH)
    ap.add_argument("--ort-bench", default=benchlib.ORT_BENCH)
    ap.add_argument("--rounds", type=int, default=rounds)
    ap.add_argument("--iterations", type=int, default=iterations)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ort-spin", type=int, choices=[0, 1], default=1,
                    help="ORT's intra-op spinning (ort_bench.js --spin)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=benchlib.DEFAULT_MODELS)
    add_timing_flags(ap, rounds=5, iterations=50)
    ap.add_argument("pairs", nargs="*", default=DEFAULT_PAIRS)
    args = ap.parse_args()
    pairs = [parse_pair(p, args.models) for p in args.pairs]
    env = benchlib.ort_env()
    for fp32, quantized in pairs:
        print(json.dumps(time_pair(fp32, quantized, args, env)), flush=True)


if __name__ == "__main__":
    main()
