#!/usr/bin/env python3
"""Writes the seed corpus of admin_request_fuzzer: one management API request per file, the
first byte the method (0 GET, 1 PUT, 2 POST, 3 DELETE, 4 PATCH), then the target, a newline
and the JSON body. Every route with a good body, and refusals (unknown members, wrong types,
bad names, control characters, dot segments, bad queries), plus damaged copies (truncated,
bit-flipped) and a body nested 1 MiB deep (the parser must not recurse that deep).
Deterministic. Usage: make_admin_request_corpus.py [OUT_DIR]
"""
import json
import os
import random
import sys

from corpus_util import write_deep, write_seed

HERE = os.path.dirname(os.path.abspath(__file__))
GET, PUT, POST, DELETE, PATCH = range(5)


def seeds():
    yield "models", GET, "/v1/models", None
    yield "versions", GET, "/v1/models/digits/versions", None
    yield "version", GET, "/v1/models/digits/versions/production", None
    yield "gates", GET, "/v1/models/digits/versions/3/gates", None
    yield "document", GET, "/v1/models/digits/versions/3/documents/validation", None
    yield "aliases", GET, "/v1/models/digits/aliases", None
    yield "history", GET, "/v1/models/digits/history?alias=production&at=2026-12-07T04%3A00%3A00Z", None
    yield "rollouts", GET, "/v1/models/digits/rollouts", None
    yield "protections", GET, "/v1/models/digits/protections", None
    yield "set_alias", PUT, "/v1/models/digits/aliases/production", {
        "version": 3, "reason": "better", "actor": "ann", "force": False}
    yield "set_alias_forced", PUT, "/v1/models/digits/aliases/canary", {
        "version": 9223372036854775807, "reason": "hotfix", "force": True}
    yield "rollback", POST, "/v1/models/digits/rollback", {"alias": "production", "reason": "errors"}
    yield "start_rollout", POST, "/v1/models/digits/rollouts", {
        "alias": "production", "candidate": 4, "canary_percent": 12.5, "shadow": True,
        "max_error_rate": 0.05, "max_p99_ratio": 2.5, "min_requests": 10, "bake_secs": 60,
        "actor": "ci", "force": True, "reason": "urgent"}
    yield "abort_rollout", POST, "/v1/models/digits/rollouts/abort", {"alias": "canary"}
    yield "protect", PUT, "/v1/models/digits/protections/production", {
        "require": "validation", "min_accuracy": 0.9, "max_p99_ms": 5, "actor": "ops"}
    yield "unprotect", DELETE, "/v1/models/digits/protections/production", None
    yield "wrong_method", PATCH, "/v1/models/digits/aliases", None
    yield "unknown_member", PUT, "/v1/models/m/aliases/a", {"version": 1, "versoin": 2}
    yield "wrong_type", POST, "/v1/models/m/rollouts", {"candidate": "4", "shadow": 1}
    yield "control_actor", POST, "/v1/models/m/rollback", {"actor": "a\nb", "reason": "\u007f"}
    yield "no_require", PUT, "/v1/models/m/protections/a", {"min_accuracy": None}
    yield "dot_segment", GET, "/v1/models/../versions", None
    yield "bad_query", GET, "/v1/models/m/history?alias=%zz&x=1", None
    yield "bad_name", GET, "/v1/models/-bad name/versions/0", None
    yield "not_object", PUT, "/v1/models/m/aliases/a", [1]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "admin_request_corpus")
    rnd = random.Random(8)
    for name, method, target, body in seeds():
        text = target + "\n" + ("" if body is None else json.dumps(body))
        write_seed(out, name, bytes([method]) + text.encode(), rnd, keep_first=1)
    write_deep(out, "deep_body", bytes([PUT]) + b"/v1/models/m/aliases/a\n", (1 << 20) - 1)


if __name__ == "__main__":
    main()
