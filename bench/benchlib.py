"""Timing helpers the bench/ scripts share: the `berth bench` and ONNX Runtime (ort_bench.js)
command lines, running one and reading its JSON, and interleaving several runs round by round
(so that a noisy neighbour hurts each alike) with medians over the rounds.

Both benchmark commands print one JSON line with at least p50_ms, min_ms and
throughput_per_s (see ../shared/bench/README.md).
"""
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.environ.get("BERTH_SHARED", os.path.join(ROOT, "..", "shared"))
ORT_BENCH = os.path.join(SHARED, "bench", "ort_bench.js")
ORT_NODE_DIR = os.path.expanduser("~/.cache/berth-bench/node_modules")
DEFAULT_BERTH = os.path.join(ROOT, "build", "bin", "berth")
DEFAULT_MODELS = os.path.join(ROOT, "bench", "models")


def run(cmd, env=None):
    """stdout of `cmd`; exits naming the command and its stderr when it fails."""
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{(r.stderr or r.stdout).strip()}")
    return r.stdout


def last_json(cmd, env=None):
    """The last line of `cmd`'s stdout, parsed as JSON."""
    out = run(cmd, env).strip()
    if not out:
        sys.exit(f"{' '.join(cmd)} printed nothing")
    return json.loads(out.splitlines()[-1])


def berth_bench_cmd(berth, model, threads=2, batch=1, warmup=10, iterations=50, extra=()):
    return [berth, "bench", model, "--threads", str(threads), "--batch", str(batch),
            "--warmup", str(warmup), "--iterations", str(iterations), "--json", *extra]


def ort_bench_cmd(model, threads=2, batch=1, warmup=10, iterations=50, spin=1,
                  ort_bench=ORT_BENCH):
    return ["node", ort_bench, model, "--threads", str(threads), "--batch", str(batch),
            "--warmup", str(warmup), "--iterations", str(iterations), "--spin", str(spin)]


def ort_env():
    """The environment for ort_bench.js: ORT_NODE_DIR where compare.py installs onnxruntime-node,
    unless already set; exits with what to do when it is not installed."""
    env = dict(os.environ)
    env.setdefault("ORT_NODE_DIR", ORT_NODE_DIR)
    if not os.path.isdir(os.path.join(env["ORT_NODE_DIR"], "onnxruntime-node")):
        sys.exit(f"no onnxruntime-node in {env['ORT_NODE_DIR']}: run ../shared/bench/compare.py "
                 "once (it installs it) or set ORT_NODE_DIR")
    return env


def command(cmd, env=None):
    """A runner for `interleave`: runs `cmd` and returns its parsed JSON."""
    return lambda: last_json(cmd, env)


def interleave(runners, rounds):
    """Calls each runner (name -> function returning a dict, e.g. `command(...)`) once per
    round, in order, `rounds` times; returns name -> list of the dicts, one per round."""
    if rounds < 1:
        sys.exit(f"--rounds must be at least 1, not {rounds}")
    results = {name: [] for name in runners}
    for _ in range(rounds):
        for name, runner in runners.items():
            results[name].append(runner())
    return results


def median(results, key):
    """The median over rounds of one field of the results `interleave` returned for a name."""
    return statistics.median(r[key] for r in results)


def require_file(path):
    if not os.path.isfile(path):
        sys.exit(f"no model file {path}")
    return path
