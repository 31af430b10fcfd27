#!/usr/bin/env python3
"""Writes the seed corpus of the .npy reader's fuzzer: arrays of every supported dtype, format
versions 1-3, Fortran order and big-endian (refused), plus damaged copies (truncated,
bit-flipped, a header claiming more than the file has). Deterministic (fixed seed).
Usage: make_npy_corpus.py OUT_DIR
"""
import io
import os
import random
import sys

import numpy as np


def npy(array, version=None):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, version=version, allow_pickle=False)
    return buf.getvalue()


def seeds():
    rng = np.random.default_rng(0)
    for dtype in ["<f2", "<f4", "<f8", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8",
                  "|b1"]:
        yield "dtype_" + dtype[1:], npy(rng.integers(0, 2, (3, 4)).astype(dtype))
    yield "v2", npy(np.arange(6, dtype=np.float32).reshape(2, 3), (2, 0))
    yield "v3", npy(np.arange(6, dtype=np.float32).reshape(2, 3), (3, 0))
    yield "scalar", npy(np.float32(1.5))
    yield "empty_rows", npy(np.zeros((0, 5), np.float32))
    yield "rank4", npy(np.zeros((2, 1, 2, 2), np.uint8))
    yield "fortran", npy(np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
    yield "big_endian", npy(np.arange(4, dtype=">f4"))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(5)
    for name, data in seeds():
        with open(os.path.join(out, name + ".npy"), "wb") as f:
            f.write(data)
        with open(os.path.join(out, name + ".truncated"), "wb") as f:
            f.write(data[: max(1, len(data) - 3)])
        flipped = bytearray(data)
        for _ in range(3):
            i = rnd.randrange(len(flipped))
            flipped[i] ^= 1 << rnd.randrange(8)
        with open(os.path.join(out, name + ".flipped"), "wb") as f:
            f.write(bytes(flipped))
    lying = bytearray(npy(np.zeros((2, 2), np.float32)))
    lying[8] = 0xFF
    lying[9] = 0x7F
    with open(os.path.join(out, "header_too_long"), "wb") as f:
        f.write(bytes(lying))


if __name__ == "__main__":
    main()
