#!/usr/bin/env python3
"""The quantized benchmark models: makes them with `berth optimize`, checks their outputs
against fp32 (bench/cosine.py's routine), and times them (bench/quant_bench.py's: berth fp32
vs berth quantized, and berth vs ONNX Runtime on the same quantized file, interleaved).

  resnet50_int8_static.onnx   int8-static, calibrated on 16 random [1,3,224,224] inputs in
                              [0,1) (the distribution `berth bench` feeds), seed 0
  bert_small_int8_dynamic.onnx  int8-dynamic

Check (the issue's target): resnet50 int8's outputs at cosine similarity >= 0.99 to fp32's on
100 random inputs (ONNX Runtime runs both files; berth runs the int8 one on a few of them); the
exit status is 1 when it does not hold. bert_small's figures (its output is two logits, so one
input's cosine moves a lot) and its top-1 agreement are reported, with those of ONNX Runtime's
own quantize_dynamic file when MODELS/ort/bert_small_dynamic.onnx exists.

Usage (the venv's Python: it needs onnxruntime):
  .venv/bin/python bench/quantized.py [--berth build/bin/berth] [--models bench/models]
      [--force] [--skip-timing] [--threads 2] [--rounds 3] [--iterations 30] [--inputs 100]
Models: MODELS/resnet50.onnx and MODELS/bert_small.onnx (compare.py makes them on first use).
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

import benchlib
import cosine
import quant_bench

MIN_COSINE = 0.99
COSINE_INPUTS = 100
CALIBRATION_INPUTS = 16
BERTH_CHECK_INPUTS = 3  # berth runs the quantized file on these many of the inputs
SEED = 1


def make_models(berth, models, force):
    resnet, bert = (os.path.join(models, n + ".onnx") for n in ("resnet50", "bert_small"))
    for path in (resnet, bert):
        if not os.path.exists(path):
            benchlib.run(["/usr/bin/python3", os.path.join(benchlib.SHARED, "bench",
                                                            "make_models.py"),
                          models, os.path.basename(path)[:-5]])
    out_static = os.path.join(models, "resnet50_int8_static.onnx")
    if force or not os.path.exists(out_static):
        with tempfile.TemporaryDirectory() as tmp:
            spec = cosine.input_spec(resnet)
            rng = np.random.default_rng(0)
            calibration = os.path.join(tmp, "calibration.npz")
            np.savez(calibration, **cosine.random_feed(spec, rng, CALIBRATION_INPUTS))
            print(benchlib.run([berth, "optimize", resnet, "--quantize", "int8-static",
                                "--calibration", calibration, "-o", out_static]), end="")
    out_dynamic = os.path.join(models, "bert_small_int8_dynamic.onnx")
    if force or not os.path.exists(out_dynamic):
        print(benchlib.run([berth, "optimize", bert, "--quantize", "int8-dynamic", "-o",
                            out_dynamic]), end="")
    # (fp32, quantized, whether the cosine target is required)
    return [(resnet, out_static, True), (bert, out_dynamic, False)]


def check_outputs(args, fp32, quantized):
    """ORT on fp32 against ORT on the quantized file over --inputs random inputs, and the
    largest 1 - cosine between ORT and berth on the quantized file over a few of them."""
    spec = cosine.input_spec(fp32)
    ort_quantized = cosine.ort_runner(quantized, args.threads)
    # One input a run (chunk 1): the inputs docs/PERFORMANCE.md's figures were measured on.
    to_fp32 = cosine.compare(cosine.ort_runner(fp32, args.threads), ort_quantized, spec,
                             args.inputs, chunk=1, seed=SEED)
    berth = cosine.berth_runner(args.berth, quantized, args.threads)
    same_file = cosine.compare(ort_quantized, berth, spec, BERTH_CHECK_INPUTS, chunk=1,
                               seed=SEED)
    return to_fp32, 1.0 - same_file["cosine_min"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=benchlib.DEFAULT_MODELS)
    ap.add_argument("--force", action="store_true", help="remake the quantized files")
    ap.add_argument("--skip-timing", action="store_true")
    ap.add_argument("--inputs", type=int, default=COSINE_INPUTS)
    quant_bench.add_timing_flags(ap, rounds=3, iterations=30)
    args = ap.parse_args()
    os.makedirs(args.models, exist_ok=True)
    pairs = make_models(args.berth, args.models, args.force)
    env = None if args.skip_timing else benchlib.ort_env()
    failed = False
    for fp32, quantized, required in pairs:
        name = os.path.basename(quantized)[:-5]
        size = f"{os.path.getsize(fp32) / 1e6:.1f} MB -> {os.path.getsize(quantized) / 1e6:.1f} MB"
        c, gap = check_outputs(args, fp32, quantized)
        worst = c["cosine_min"]
        verdict = ("ok" if worst >= MIN_COSINE else "BELOW") if required else \
            "no target; resnet50's is"
        failed |= required and worst < MIN_COSINE
        print(f"{name}: {size}; cosine to fp32 on {args.inputs} random inputs: min {worst:.5f} "
              f"mean {c['cosine_mean']:.5f} ({verdict} {MIN_COSINE}), top-1 agreement "
              f"{c['top1_agreement']:.2f}; berth vs ORT on the same file: 1 - cosine <= {gap:.2e}")
        reference = os.path.join(args.models, "ort", "bert_small_dynamic.onnx")
        if not required and os.path.exists(reference):
            c, _ = check_outputs(args, fp32, reference)
            print(f"  ONNX Runtime's quantize_dynamic file: min {c['cosine_min']:.5f} mean "
                  f"{c['cosine_mean']:.5f}, top-1 agreement {c['top1_agreement']:.2f}")
        if args.skip_timing:
            continue
        row = quant_bench.time_pair(fp32, quantized, args, env)
        print(f"{name}: median p50 of {args.rounds} rounds: berth fp32 {row['berth_fp32_p50_ms']} "
              f"ms, berth quantized {row['berth_int8_p50_ms']} ms ({row['fp32_over_int8_p50']}x), "
              f"ORT quantized {row['ort_int8_p50_ms']} ms (berth/ORT {row['berth_over_ort_p50']})")
        print(json.dumps(row), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
