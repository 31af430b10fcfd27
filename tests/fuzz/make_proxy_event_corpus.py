#!/usr/bin/env python3
"""Writes the seed corpus of proxy_event_fuzzer: API Gateway proxy events of both payload
versions (1.0 REST, 2.0 HTTP API) with plain and base64 bodies, queries and headers, and broken
ones (no method, wrong types, bad base64, not an object), plus damaged copies (truncated,
bit-flipped) and a 1 MiB-deep nesting (the parser must not recurse that deep). Deterministic.
Usage: make_proxy_event_corpus.py [OUT_DIR]   (default: proxy_event_corpus beside this file)
"""
import base64
import json
import os
import random
import sys

from corpus_util import write_deep, write_seed

HERE = os.path.dirname(os.path.abspath(__file__))
BODY = json.dumps({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": [1]}]})


def seeds():
    yield "v1", {"httpMethod": "POST", "path": "/v2/models/m/infer?x=1",
                 "headers": {"Content-Type": "application/json", "X-Request-Id": "a"},
                 "body": BODY, "isBase64Encoded": False}
    yield "v1_base64", {"httpMethod": "POST", "path": "/v2/models/m/infer",
                        "headers": None, "isBase64Encoded": True,
                        "body": base64.b64encode(b"\x00\x01binary\xff").decode()}
    yield "v1_get", {"httpMethod": "GET", "path": "/v2/health/ready", "body": None}
    yield "v2", {"version": "2.0", "rawPath": "/v2/models/m/infer", "rawQueryString": "a=b",
                 "requestContext": {"http": {"method": "POST", "path": "/v2/models/m/infer"}},
                 "headers": {"content-type": "application/json"}, "body": BODY}
    yield "v2_base64", {"version": "2.0", "rawPath": "/v2/models/m", "isBase64Encoded": True,
                        "requestContext": {"http": {"method": "GET"}}, "body": "aGk="}
    yield "no_method", {"path": "/v2"}
    yield "v2_no_context", {"version": "2.0", "rawPath": "/"}
    yield "header_number", {"httpMethod": "GET", "path": "/", "headers": {"a": 1}}
    yield "bad_base64", {"httpMethod": "POST", "path": "/", "body": "!!", "isBase64Encoded": True}
    yield "flag_string", {"httpMethod": "POST", "path": "/", "body": "", "isBase64Encoded": "yes"}
    yield "array", [1, 2]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "proxy_event_corpus")
    rnd = random.Random(7)
    for name, event in seeds():
        write_seed(out, name + ".json", json.dumps(event).encode(), rnd)
    write_deep(out, "deep.json", b'{"httpMethod": "GET", "path": "/", "x": ', 1 << 20)


if __name__ == "__main__":
    main()
