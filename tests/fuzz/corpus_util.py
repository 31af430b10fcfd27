"""What the seed-corpus scripts share: each seed written as it is, truncated and bit-flipped
(deterministic, from the caller's seeded random.Random)."""
import os


def write_seed(out, name, data, rnd, keep_first=0):
    """Writes OUT/NAME, OUT/NAME.truncated and OUT/NAME.flipped. `keep_first` bytes (a
    fuzzer's option bytes) are left as they are in the damaged copies."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    if len(data) <= keep_first + 1:
        return
    with open(os.path.join(out, name + ".truncated"), "wb") as f:
        f.write(data[: keep_first + (len(data) - keep_first) * 2 // 3])
    flipped = bytearray(data)
    for _ in range(2):
        i = rnd.randrange(keep_first, len(flipped))
        flipped[i] ^= 1 << rnd.randrange(8)
    with open(os.path.join(out, name + ".flipped"), "wb") as f:
        f.write(bytes(flipped))


def write_deep(out, name, prefix, depth, suffix=None):
    """A regression seed: `prefix` then `depth` opening brackets (JSON nested that deep);
    with a `suffix`, the brackets are closed again and the suffix follows (valid JSON)."""
    with open(os.path.join(out, name), "wb") as f:
        f.write(prefix + b"[" * depth)
        if suffix is not None:
            f.write(b"]" * depth + suffix)
