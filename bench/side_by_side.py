#!/usr/bin/env python3
"""p50 latency of several model files (for example a model and its pruned or quantized
versions) with `berth bench`, side by side in one run.

    bench/side_by_side.py [--berth build/bin/berth] [--threads 2] [--batch 1] [--rounds 5]
                          [--iterations 50] [--cpu] MODEL.onnx [MODEL.onnx ...]

The files are interleaved round by round so that a noisy neighbour hurts each alike; the table
shows each file's median p50, median min (the fastest run of a round: what a shared machine
disturbs least) and median throughput over the rounds, and its speed-up over the first file
(p50 of the first / p50 of this one; min likewise).

With --cpu it also measures the CPU time one run takes (user + system, of the berth process,
from getrusage): each round runs `berth bench` once with 5 iterations and once with
5 + --iterations, and the difference divided by --iterations is one run's CPU time, load and
warm-up cancelled out. On a machine that other tenants load, CPU time moves much less than
wall time (use --threads 1 with it: OpenMP workers that spin count as CPU time).
"""
import argparse
import json
import os
import resource
import sys

import benchlib


def cpu_ms(model, iterations, args):
    """CPU milliseconds (user + system) of one `berth bench` run of `iterations` timed runs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    benchlib.run(benchlib.berth_bench_cmd(args.berth, model, args.threads, args.batch, 0,
                                          iterations))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return 1000.0 * ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))


def runner(model, args):
    """One round of a file: `berth bench`'s JSON, with --cpu its cpu_ms too."""
    timed = benchlib.command(benchlib.berth_bench_cmd(args.berth, model, args.threads,
                                                      args.batch, 10, args.iterations))

    def run():
        result = timed()
        if args.cpu:
            base = cpu_ms(model, 5, args)
            more = cpu_ms(model, 5 + args.iterations, args)
            result["cpu_ms"] = (more - base) / args.iterations
        return result
    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--berth", default=benchlib.DEFAULT_BERTH)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--cpu", action="store_true", help="also measure CPU time per run")
    ap.add_argument("models", nargs="+")
    args = ap.parse_args()
    for model in args.models:
        benchlib.require_file(model)
    runs = benchlib.interleave({m: runner(m, args) for m in args.models}, args.rounds)
    rows = [{"model": m, "bytes": os.path.getsize(m),
             **{k: benchlib.median(runs[m], k) for k in ("p50_ms", "min_ms", "throughput_per_s")},
             "cpu_ms": benchlib.median(runs[m], "cpu_ms") if args.cpu else None}
            for m in args.models]
    cpu_head = f" {'cpu ms':>8} {'x cpu':>6}" if args.cpu else ""
    print(f"{'model':36} {'MB':>7} {'p50 ms':>9} {'min ms':>9} {'per s':>8} {'x p50':>6} "
          f"{'x min':>6}{cpu_head}")
    for r in rows:
        r["speedup_p50"] = rows[0]["p50_ms"] / r["p50_ms"]
        r["speedup_min"] = rows[0]["min_ms"] / r["min_ms"]
        print(f"{os.path.basename(r['model']):36} {r['bytes'] / 1e6:7.2f} {r['p50_ms']:9.3f} "
              f"{r['min_ms']:9.3f} {r['throughput_per_s']:8.1f} {r['speedup_p50']:6.2f} "
              f"{r['speedup_min']:6.2f}", end="")
        if args.cpu:
            r["speedup_cpu"] = rows[0]["cpu_ms"] / r["cpu_ms"]
            print(f" {r['cpu_ms']:8.2f} {r['speedup_cpu']:6.2f}", end="")
        print()
    print(json.dumps(rows))


if __name__ == "__main__":
    sys.exit(main())
