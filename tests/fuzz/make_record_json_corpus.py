#!/usr/bin/env python3
"""Writes the seed corpus of record_json_fuzzer: the registry's records as the management API
writes them (registry/record_json.h), one file per reader. The first byte picks the reader:
0 version, 1 versions, 2 aliases, 3 deployment, 4 deployments, 5 rollout, 6 rollouts,
7 protection, 8 protections, 9 gate verdicts, 10 document. Also refusals (missing members,
wrong types, bad times), damaged copies (truncated, bit-flipped) and a signature nested
1 MiB deep (the reader must not recurse that deep). Deterministic.
Usage: make_record_json_corpus.py [OUT_DIR]
"""
import json
import os
import random
import sys

from corpus_util import write_deep, write_seed

HERE = os.path.dirname(os.path.abspath(__file__))
AT = "2026-12-07T04:00:00.000001Z"

VERSION = {
    "model": "digits", "version": 3, "digest": "ab" * 32, "size": 5120, "created_at": AT,
    "pushed_by": "ann", "description": "the \"third\"", "tags": {"team": "vision"},
    "metrics": {"accuracy": 0.30000000000000004}, "parent": 2, "derivation": "fine-tuned",
    "aliases": ["production"],
    "signature": {"inputs": [{"name": "x", "type": "FP32", "shape": [1, "n", None]}],
                  "outputs": []},
    "documents": [{"kind": "profile", "size": 10, "created_by": "bob", "created_at": AT}]}
ALIAS = {"model": "digits", "alias": "production", "version": 3, "updated_at": AT}
DEPLOYMENT = {"id": 7, "model": "digits", "alias": "production", "from_version": None,
              "to_version": 2, "actor": "bob", "reason": "first", "at": AT, "forced": True}
ROLLOUT = {"id": 1, "model": "digits", "alias": "production", "candidate": 4, "baseline": 3,
           "state": "active", "canary_percent": 12.5, "shadow": False, "max_error_rate": 0.05,
           "max_p99_ratio": 2.5, "min_requests": 10, "bake_secs": 60, "reason": "",
           "actor": "ci", "started_at": AT, "ended_at": None, "forced": False,
           "force_reason": ""}
PROTECTION = {"model": "digits", "alias": "production", "require": "validation",
              "min_accuracy": 0.9, "max_p99_ms": None, "created_by": "ops", "created_at": AT}
GATE = {"protection": PROTECTION, "passes": False, "reasons": ["no validation report"]}
DOCUMENT = {"model": "digits", "version": 3, "kind": "validation", "size": 33,
            "created_by": "ci", "created_at": AT, "body": "{\"passed\": true}"}


def seeds():
    yield "version", 0, VERSION
    yield "versions", 1, [VERSION, dict(VERSION, version=4, parent=None, documents=[])]
    yield "aliases", 2, [ALIAS, dict(ALIAS, alias="canary")]
    yield "deployment", 3, DEPLOYMENT
    yield "deployments", 4, [DEPLOYMENT, {k: v for k, v in DEPLOYMENT.items() if k != "forced"}]
    yield "rollout", 5, ROLLOUT
    yield "rollouts", 6, [ROLLOUT, dict(ROLLOUT, state="rolled_back", ended_at=AT,
                                        forced=True, force_reason="hotfix")]
    yield "protection", 7, PROTECTION
    yield "protections", 8, [PROTECTION]
    yield "gates", 9, [GATE, dict(GATE, passes=True, reasons=[])]
    yield "document", 10, DOCUMENT
    yield "alias_string_version", 2, [dict(ALIAS, version="3")]
    yield "alias_no_time", 2, [{k: v for k, v in ALIAS.items() if k != "updated_at"}]
    yield "bad_time", 3, dict(DEPLOYMENT, at="2026-13-40T99:00:00Z")
    yield "far_time", 3, dict(DEPLOYMENT, at="99999-01-01T00:00:00Z")
    yield "bad_state", 5, dict(ROLLOUT, state="paused")
    yield "not_array", 1, VERSION
    yield "metric_text", 0, dict(VERSION, metrics={"accuracy": "high"})


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "record_json_corpus")
    rnd = random.Random(10)
    for name, reader, record in seeds():
        write_seed(out, name + ".json", bytes([reader]) + json.dumps(record).encode(), rnd,
                   keep_first=1)
    deep_prefix = json.dumps(VERSION).split('"signature"')[0] + '"signature": '
    write_deep(out, "deep_signature.json", bytes([0]) + deep_prefix.encode(), 1 << 19,
               b', "documents": []}')


if __name__ == "__main__":
    main()
