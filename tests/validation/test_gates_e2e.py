"""The issue's end-to-end test of validation gates: a good digits model passes validation and
gets promoted to a protected alias; a broken one (shuffled weights) and a slow one (over the
latency budget) fail validation with clear reasons and cannot be put behind the protected alias
(`alias set` and `rollout start` refused) except with --force --reason, which the ledger records.

Run: BERTH_BIN=build/bin/berth .venv/bin/python -m pytest -q tests/validation/test_gates_e2e.py
(ctest runs it as `validation_gates_e2e`). Needs the gates of the registry (`alias protect`).
"""
import json

from conftest import (BUDGET_MS, DIGITS, DIGITS_DATA, QUICK, SLOW, check, expect_exit,
                      report_of)

MIN_ACCURACY = "0.9"


def refused(r, version):
    """`alias set` / `rollout start` refused by the gate, naming the version and the alias."""
    assert r.returncode == 1, (r.args, r.returncode, r.stdout, r.stderr)
    message = r.stderr.strip()
    assert message.startswith("berth: "), message
    assert f"version {version}" in message and "production" in message, message
    return message


def test_only_a_validated_model_goes_behind_a_protected_alias(registry, models):
    good = registry.push(models["good"])
    broken = registry.push(models["broken"])
    slow = registry.push(models["slow"])
    assert (good, broken, slow) == (1, 2, 3)
    expect_exit(registry.cli("alias", "protect", "digits", "production", "--require",
                             "validation", "--min-accuracy", MIN_ACCURACY, "--max-p99-ms",
                             BUDGET_MS), 0)
    gates = ["--min-accuracy", MIN_ACCURACY, "--max-p99-ms", BUDGET_MS]

    # Not validated yet: refused.
    refused(registry.cli("alias", "set", "digits", "production", str(good)), good)

    # The good model passes and is promoted.
    r = registry.cli("validate", f"digits@{good}", "--data", DIGITS_DATA, "--json", *gates,
                     *QUICK)
    expect_exit(r, 0)
    assert report_of(r)["passed"] is True
    expect_exit(registry.cli("alias", "set", "digits", "production", str(good)), 0)
    shown = json.loads(expect_exit(registry.cli("show", "digits@production", "--json"), 0))
    assert shown["version"] == good

    # The broken model fails on accuracy, against the good one.
    r = registry.cli("validate", f"digits@{broken}", "--data", DIGITS_DATA, "--against",
                     "digits@production", "--json", *gates, *QUICK)
    expect_exit(r, 1)
    report = report_of(r)
    accuracy = check(report, "accuracy")
    assert accuracy["status"] == "failed" and "below the minimum 0.9" in accuracy["message"]
    assert check(report, "agreement")["figures"]["top1_agreement"] < 0.5

    # The slow model fails on latency: same answers, over the budget.
    r = registry.cli("validate", f"digits@{slow}", "--data", DIGITS_DATA, "--against",
                     "digits@production", "--json", *gates, *SLOW)
    expect_exit(r, 1)
    report = report_of(r)
    latency = check(report, "latency")
    assert latency["status"] == "failed" and f"over the budget of {BUDGET_MS} ms" in \
        latency["message"]
    assert check(report, "accuracy")["status"] == "passed"

    # Neither goes behind the protected alias, by alias set or by a rollout.
    for version, reason in ((broken, "accuracy"), (slow, "latency")):
        message = refused(registry.cli("alias", "set", "digits", "production", str(version)),
                          version)
        assert reason in message or "p99" in message, message
        refused(registry.cli("rollout", "start", "digits", "--alias", "production",
                             "--candidate", str(version)), version)
        # Forcing needs a reason.
        r = registry.cli("alias", "set", "digits", "production", str(version), "--force")
        assert r.returncode != 0 and "reason" in r.stderr.lower(), r.stderr
    shown = json.loads(expect_exit(registry.cli("show", "digits@production", "--json"), 0))
    assert shown["version"] == good  # nothing moved

    # An unprotected alias takes any version.
    expect_exit(registry.cli("alias", "set", "digits", "staging", str(broken)), 0)

    # --force --reason overrides, and the ledger says so.
    expect_exit(registry.cli("rollout", "start", "digits", "--alias", "production",
                             "--candidate", str(slow), "--force", "--reason",
                             "load test of the slow build"), 0)
    expect_exit(registry.cli("rollout", "abort", "digits", "--alias", "production"), 0)
    expect_exit(registry.cli("alias", "set", "digits", "production", str(broken), "--force",
                             "--reason", "incident 42: reproduce in prod"), 0)
    history = json.loads(expect_exit(registry.cli("history", "digits", "--alias", "production",
                                                  "--json"), 0))
    last = history[-1]
    assert last["to_version"] == broken and last["forced"] is True
    assert last["reason"] == "incident 42: reproduce in prod"
    assert history[-2]["to_version"] == good and history[-2]["forced"] is False

    # Rollback is not gated: it returns to the version that served.
    expect_exit(registry.cli("rollback", "digits", "--alias", "production"), 0)
    shown = json.loads(expect_exit(registry.cli("show", "digits@production", "--json"), 0))
    assert shown["version"] == good
