#!/usr/bin/env python3
"""Writes the seed corpus of npz_fuzzer: .npz archives as numpy.savez and savez_compressed
write them (one and several members, dtypes, an empty array) and refusals (a member not named
*.npy, a pickled object array, not a zip), plus damaged copies (truncated, bit-flipped).
Deterministic. Usage: make_npz_corpus.py [OUT_DIR]
"""
import io
import os
import random
import sys
import zipfile

import numpy as np

from corpus_util import write_seed

HERE = os.path.dirname(os.path.abspath(__file__))


def zip_of(members, compression=zipfile.ZIP_STORED):
    """A zip of `members` (name: bytes) with a fixed date, so that the file is the same on
    every run."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = compression
            z.writestr(info, data)
    return buf.getvalue()


def npz(compressed=False, **arrays):
    """What numpy.savez(_compressed) writes: each array as the member NAME.npy."""
    members = {}
    for name, array in arrays.items():
        member = io.BytesIO()
        np.lib.format.write_array(member, array, allow_pickle=False)
        members[name + ".npy"] = member.getvalue()
    return zip_of(members, zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED)


def seeds():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    yield "one", npz(x=x)
    yield "several", npz(x=x, label=np.array([0, 1, 2], np.int64), mask=np.ones(3, bool))
    yield "compressed", npz(True, x=x, y=np.zeros((2, 2), np.float64))
    yield "empty", npz(x=np.zeros((0, 4), np.float32))
    yield "not_npy", zip_of({"x.txt": b"hello"})
    yield "bad_member", zip_of({"x.npy": b"\x93NUMPY\x01\x00garbage"})
    yield "not_zip", b"PK\x03\x04 not really a zip"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "npz_corpus")
    rnd = random.Random(12)
    for name, data in seeds():
        write_seed(out, name + ".npz", data, rnd)


if __name__ == "__main__":
    main()
