#!/usr/bin/env python3
"""Writes the seed corpus of validation_report_fuzzer: validation reports (contract C1 of
docs/VALIDATION.md) for a registry version and for a file, classification and regression,
with and without a baseline, latency and options; broken ones (another format, an unknown
check or status, wrong types, a figure that is not a number); damaged copies (truncated,
bit-flipped); and a report nested 1 MiB deep (the reader must not recurse that deep).
Deterministic. Usage: make_validation_report_corpus.py [OUT_DIR]
"""
import copy
import json
import os
import random
import sys

from corpus_util import write_deep, write_seed

HERE = os.path.dirname(os.path.abspath(__file__))

MODEL = {"ref": "digits@3", "name": "digits", "version": 3, "sha256": "ab" * 32}
REPORT = {
    "format": "berth.validation/1",
    "model": MODEL,
    "against": {"ref": "digits@2", "name": "digits", "version": 2, "sha256": "cd" * 32},
    "passed": True,
    "created_at": "2026-12-07T04:00:00Z",
    "options": {"batch": 1, "threads": 1, "min_accuracy": 0.9, "max_p99_ms": 5.0,
                "min_agreement": 0.99, "max_abs_diff": None},
    "checks": [
        {"name": "load", "status": "passed", "message": "loaded in 3 ms",
         "figures": {"load_ms": 3.25}},
        {"name": "signature", "status": "passed", "message": "same inputs", "figures": {}},
        {"name": "accuracy", "status": "passed", "message": "top-1 0.975",
         "figures": {"top1": 0.975, "top5": 0.9972222222222222, "rows": 360}},
        {"name": "agreement", "status": "failed", "message": "2 rows differ",
         "figures": {"agreement": 0.99444, "max_abs_diff": None}},
        {"name": "edge_cases", "status": "skipped", "message": "no data", "figures": {}},
        {"name": "latency", "status": "passed", "message": "p99 0.2 ms",
         "figures": {"p50_ms": 0.1, "p99_ms": 0.2}}],
    "accuracy": {"task": "classification", "rows": 360, "top1": 0.975, "top5": 0.997},
    "latency": {"batch": 1, "threads": 1, "p50_ms": 0.1, "p99_ms": 0.2,
                "throughput_per_s": 9000},
}


def variant(**changes):
    r = copy.deepcopy(REPORT)
    for key, value in changes.items():
        if value is KeyError:
            del r[key]
        else:
            r[key] = value
    return r


def seeds():
    yield "full", REPORT
    yield "file", variant(model={"ref": "m.onnx", "name": None, "version": None,
                                 "sha256": "00"}, against=None, accuracy=None, latency=None)
    yield "regression", variant(accuracy={"task": "regression", "rows": 100, "mae": 0.1,
                                          "rmse": 0.2}, passed=False)
    yield "old_options", variant(options={"batch": 8, "threads": 2, "min_accuracy": None,
                                          "max_p99_ms": None})
    yield "labels_only", variant(accuracy={"task": "classification", "rows": 1, "top1": 1,
                                           "top5": None})
    yield "other_format", variant(format="berth.validation/9")
    yield "unknown_check", variant(checks=[{"name": "speed", "status": "passed",
                                            "message": "", "figures": {}}])
    yield "unknown_status", variant(checks=[{"name": "load", "status": "ok", "message": "",
                                             "figures": {}}])
    yield "figure_text", variant(checks=[{"name": "load", "status": "passed", "message": "",
                                          "figures": {"ms": "3"}}])
    yield "passed_string", variant(passed="yes")
    yield "no_model", variant(model=KeyError)
    yield "bad_time", variant(created_at="yesterday")
    yield "far_time", variant(created_at="99999-01-01T00:00:00Z")
    yield "huge_threads", variant(options={"batch": 1, "threads": 4294967297})
    yield "unknown_task", variant(accuracy={"task": "ranking", "rows": 1})


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "validation_report_corpus")
    rnd = random.Random(9)
    for name, report in seeds():
        write_seed(out, name + ".json", json.dumps(report).encode(), rnd)
    write_seed(out, "pretty.json", json.dumps(REPORT, indent=2).encode(), rnd)
    write_deep(out, "deep.json", b'{"format": "berth.validation/1", "model": ', (1 << 20) - 64)


if __name__ == "__main__":
    main()
