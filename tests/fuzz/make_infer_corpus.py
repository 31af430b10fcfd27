#!/usr/bin/env python3
"""Writes the seed corpus of infer_request_fuzzer into infer_request_corpus/: a 4-byte
little-endian JSON header length, the JSON, then any binary tensor data."""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "infer_request_corpus")


def seed(name, request, binary=b""):
    header = json.dumps(request).encode()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<I", len(header)) + header + binary)


def seed_text(name, json_text):
    """A seed whose JSON is written by hand (numbers json.dumps cannot spell)."""
    header = json_text.encode()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<I", len(header)) + header)


def main():
    os.makedirs(OUT, exist_ok=True)
    seed("json_types", {"id": "a", "parameters": {"binary_data_output": True, "timeout": 10},
                        "inputs": [
                            {"name": "x", "datatype": "FP32", "shape": [2, 2],
                             "data": [[1.5, -2], [0.25, 3]]},
                            {"name": "i", "datatype": "INT8", "shape": [2], "data": [-128, 127]},
                            {"name": "b", "datatype": "BOOL", "shape": [1], "data": [True]},
                            {"name": "s", "datatype": "BYTES", "shape": [1], "data": ["hi"]},
                            {"name": "h", "datatype": "BF16", "shape": [1], "data": [0.5]}],
                        "outputs": [{"name": "y", "parameters": {"binary_data": True}}]})
    seed("binary", {"inputs": [
        {"name": "x", "datatype": "FP32", "shape": [2], "parameters": {"binary_data_size": 8}},
        {"name": "s", "datatype": "BYTES", "shape": [1],
         "parameters": {"binary_data_size": 6}}]},
         struct.pack("<ff", 1.0, 2.0) + struct.pack("<I", 2) + b"ok")
    seed("wrong_size", {"inputs": [
        {"name": "x", "datatype": "FP32", "shape": [3], "parameters": {"binary_data_size": 8}}]},
         b"\0" * 8)
    seed("deep", {"inputs": [{"name": "x", "datatype": "FP32", "shape": [1],
                              "data": [[[[[[[[1]]]]]]]]}]})
    # The fast reader of data values (protocol/json_data_text.h) and what it leaves to the DOM.
    seed_text("fast_numbers", '{"inputs": [{"name": "f", "datatype": "FP32", "shape": [2, 3], '
              '"data": [[0.5488135039273248, -0, 1E+2], [ 3.4028236e38,\n1e-46,\t-2.5e-3 ]]}, '
              '{"name": "d", "datatype": "FP64", "shape": [3], "data": [4.9e-324, 1e-400, 2e308]}, '
              '{"name": "u", "datatype": "UINT64", "shape": [2], "data": [18446744073709551615, -0]}, '
              '{"name": "i", "datatype": "INT64", "shape": [1], "data": -9223372036854775808}, '
              '{"data": [true, false], "shape": [2], "name": "b", "datatype": "BOOL"}]}')
    seed_text("strtod_crash", '{"inputs": [{"name": "x", "datatype": "FP64", "shape": [2], '
              '"data": [1.2980294063998833695e-330, 0.0000000000000000000000000]}]}')
    seed_text("fast_declines", '{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], '
              '"d\\u0061ta": [], "data": [1]}, {"name": "y", "datatype": "FP32", "shape": [1], '
              '"data": [0e400]}]}')
    with open(os.path.join(OUT, "not_json"), "wb") as f:
        f.write(struct.pack("<I", 5) + b"{\"in\xff")


if __name__ == "__main__":
    main()
