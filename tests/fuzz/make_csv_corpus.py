#!/usr/bin/env python3
"""Writes the seed corpus of the CSV reader's fuzzer: good files (LF and CRLF line ends, a last
line without its end, quoted header names with commas, doubled quotes and line ends, a byte
order mark, a float label, named column groups, an ignored text column) and broken ones (ragged
rows, empty, quoted and non-numeric values, unclosed quotes, a lone carriage return, duplicate
names), plus damaged copies (truncated, bit-flipped). Each file's first byte is the fuzzer's
option byte (bit 0: float label, bit 1: inputs first=[a] and rest=[c,b], bit 2: no label column).
Deterministic (fixed seed).
Usage: make_csv_corpus.py OUT_DIR
"""
import os
import random
import sys

DEFAULT, FLOAT_LABEL, GROUPS, NO_LABEL = 0, 1, 2, 4


def seeds():
    yield "lf", DEFAULT, "a,b,label\n1,2,0\n3.5,-4e-3,1\n"
    yield "crlf", DEFAULT, "a,b,label\r\n1,2,0\r\n3,4,1\r\n"
    yield "unended", DEFAULT, "a,b,label\n1,2,0\n3,4,1"
    yield "bom", DEFAULT, "\ufeffa,b,label\n1,2,0\n"
    yield "quoted_header", DEFAULT, '"x, y","say ""hi""",label\n1,2,0\n'
    yield "float_label", FLOAT_LABEL, "a,b,label\n1,2,0.25\n3,4,-1e3\n"
    yield "groups", GROUPS, "a,b,c,label\n1,2,3,0\n4,5,6,1\n"
    yield "text_column", GROUPS | NO_LABEL, 'a,b,c,note\n1,2,3,"two\nlines, ""quoted"""\n'
    yield "no_label", NO_LABEL, "a,b,label\n1,2,3\n"
    yield "signs", DEFAULT, "a,label\n+1,+2\n-0.0,-3\n.5e+2,4\n1E-45,5\n"
    yield "ragged_short", DEFAULT, "a,b,label\n1,2\n"
    yield "ragged_long", DEFAULT, "a,b,label\n1,2,0,9\n"
    yield "empty_value", DEFAULT, "a,b,label\n1,,0\n"
    yield "quoted_value", DEFAULT, 'a,b,label\n1,"2",0\n'
    yield "words", DEFAULT, "a,b,label\nnan,inf,0\n0x1,abc,1\n"
    yield "unclosed", DEFAULT, 'a,b,label\n1,"2,0\n'
    yield "after_quote", DEFAULT, '"a"x,b,label\n1,2,0\n'
    yield "lone_cr", DEFAULT, "a,b,label\r1,2,0\n"
    yield "duplicate", DEFAULT, "a,a,label\n1,2,0\n"
    yield "blank_line", DEFAULT, "a,b,label\n1,2,0\n\n3,4,1\n"
    yield "header_only", DEFAULT, "a,b,label\n"
    yield "huge", DEFAULT, "a,label\n1e39,0\n99999999999999999999,99999999999999999999\n"


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(6)
    for name, option, text in seeds():
        data = bytes([option]) + text.encode("utf-8")
        with open(os.path.join(out, name + ".csv"), "wb") as f:
            f.write(data)
        with open(os.path.join(out, name + ".truncated"), "wb") as f:
            f.write(data[: max(1, len(data) - 3)])
        flipped = bytearray(data)
        for _ in range(2):
            i = rnd.randrange(1, len(flipped))
            flipped[i] ^= 1 << rnd.randrange(8)
        with open(os.path.join(out, name + ".flipped"), "wb") as f:
            f.write(bytes(flipped))


if __name__ == "__main__":
    main()
