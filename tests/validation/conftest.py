"""Fixtures of the validation tests: the berth binary, the digits fixtures, the broken and slow
digits models (made once per session from the good one), and a SQLite registry."""
import json
import os
import signal
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import make_validation_fixtures  # noqa: E402

BERTH = os.environ.get("BERTH_BIN", os.path.join(ROOT, "build", "bin", "berth"))
DIGITS = os.path.join(FIXTURES, "digits_cnn.onnx")
DIGITS_DATA = os.path.join(FIXTURES, "digits_test.npz")
CHECKS = ["load", "signature", "accuracy", "agreement", "edge_cases", "latency"]
# Budgets far from both models (the good one runs in microseconds, the slow one in tens of
# milliseconds), so that neither outcome depends on the load of the machine.
BUDGET_MS = 10
# A small largest batch keeps the edge cases short. The fast models keep the default 200
# timed runs, so their p99 is the second-slowest run: one stall of the machine cannot break
# the budget. The slow model takes 30 (its p99 is far over the budget anyway).
QUICK = ["--largest-batch", "4"]
SLOW = ["--iterations", "30", "--largest-batch", "4"]


def run(*args, timeout=600):
    """Runs berth; fails the test on a signal (a crash) or a timeout."""
    r = subprocess.run([BERTH, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    assert r.returncode >= 0, (
        f"berth died from signal {signal.Signals(-r.returncode).name}: {args}\n{r.stderr}")
    return r


def expect_exit(r, code):
    assert r.returncode == code, (r.args, r.returncode, r.stdout, r.stderr)
    return r.stdout


def report_of(r):
    """The JSON report `validate --json` printed."""
    return json.loads(r.stdout)


def check(report, name):
    [c] = [c for c in report["checks"] if c["name"] == name]
    return c


@pytest.fixture(scope="session")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("validation_models")
    broken = str(d / "digits_cnn_broken.onnx")
    slow = str(d / "digits_cnn_slow.onnx")
    make_validation_fixtures.broken(DIGITS, broken)
    make_validation_fixtures.slow(DIGITS, slow)
    return {"good": DIGITS, "broken": broken, "slow": slow}


class Registry:
    """A SQLite registry in a temporary folder and the CLI pointed at it."""

    def __init__(self, root):
        self.flags = ["--registry", f"sqlite:{root}/registry.db", "--artifacts", f"{root}/blobs"]

    def cli(self, *args, timeout=600):
        return run(*args, *self.flags, timeout=timeout)

    def push(self, path, name="digits"):
        r = self.cli("push", path, "--name", name)
        return int(expect_exit(r, 0).strip())


@pytest.fixture
def registry(tmp_path):
    return Registry(tmp_path / "reg")
