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
    with open(os.path.join(OUT, "not_json"), "wb") as f:
        f.write(struct.pack("<I", 5) + b"{\"in\xff")


if __name__ == "__main__":
    main()
