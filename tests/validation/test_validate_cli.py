"""`berth validate` through the CLI: the report (C1) on real models, failures with their
reasons, what could not run (exit 3), and the report stored with a registry version.

Run: BERTH_BIN=build/bin/berth .venv/bin/python -m pytest -q tests/validation/test_validate_cli.py
(ctest runs it as `validation_cli`).
"""
import hashlib
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper

from conftest import (BUDGET_MS, CHECKS, DIGITS, DIGITS_DATA, FIXTURES, QUICK, SLOW, check,
                      expect_exit, report_of, run)

ACCURACY = json.load(open(os.path.join(FIXTURES, "accuracy.json")))


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_the_good_digits_model_passes_and_the_report_follows_the_contract():
    r = run("validate", DIGITS, "--data", DIGITS_DATA, "--min-accuracy", "0.9", "--json", *QUICK)
    report = report_of(r)
    expect_exit(r, 0)
    assert report["format"] == "berth.validation/1"
    assert report["model"] == {"ref": DIGITS, "name": None, "version": None,
                               "sha256": sha256(DIGITS)}
    assert report["against"] is None
    assert report["passed"] is True
    assert report["created_at"].endswith("Z")
    assert report["options"] == {"batch": 1, "threads": 1, "min_accuracy": 0.9,
                                 "max_p99_ms": None, "min_agreement": None, "max_abs_diff": None}
    assert [c["name"] for c in report["checks"]] == CHECKS
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses == {"load": "passed", "signature": "skipped", "accuracy": "passed",
                        "agreement": "skipped", "edge_cases": "passed", "latency": "passed"}
    expected = ACCURACY["digits_cnn"]
    assert report["accuracy"]["task"] == "classification"
    assert report["accuracy"]["rows"] == expected["total"]
    assert abs(report["accuracy"]["top1"] - expected["correct"] / expected["total"]) < 1e-9
    assert report["accuracy"]["top1"] <= report["accuracy"]["top5"] <= 1
    latency = report["latency"]
    assert latency["batch"] == 1 and latency["threads"] == 1
    assert 0 < latency["p50_ms"] <= latency["p99_ms"] and latency["throughput_per_s"] > 0
    edge = check(report, "edge_cases")
    assert edge["figures"]["cases"] == 9 and edge["figures"]["failed"] == 0
    for name in ("zeros", "ones", "huge", "tiny", "nan", "inf", "random", "batch_smallest",
                 "batch_largest (4 rows)"):
        assert name in edge["message"], edge["message"]


def test_the_table_shows_each_check_with_its_figures():
    out = expect_exit(run("validate", DIGITS, "--data", DIGITS_DATA, *QUICK), 0)
    lines = out.splitlines()
    assert lines[0] == f"validation of {DIGITS}: PASSED"
    for name in CHECKS:
        assert any(line.split()[:1] == [name] for line in lines), (name, out)
    assert "top1=0.97493" in out and "p99_ms=" in out


def test_the_broken_model_fails_accuracy_and_agreement_shows_why(models):
    r = run("validate", models["broken"], "--data", DIGITS_DATA, "--against", DIGITS,
            "--min-accuracy", "0.9", "--json", *QUICK)
    report = report_of(r)
    expect_exit(r, 1)
    assert report["passed"] is False
    assert report["against"]["sha256"] == sha256(DIGITS)
    accuracy = check(report, "accuracy")
    assert accuracy["status"] == "failed"
    assert "is below the minimum 0.9" in accuracy["message"]
    assert report["accuracy"]["top1"] < 0.5
    assert check(report, "signature")["status"] == "passed"  # same signature, other weights
    agreement = check(report, "agreement")["figures"]
    assert agreement["top1_agreement"] < 0.5 and agreement["max_abs_diff"] > 1
    assert check(report, "edge_cases")["status"] == "passed"


def test_agreement_thresholds_fail_a_model_that_disagrees_with_the_one_it_replaces(models):
    r = run("validate", models["broken"], "--data", DIGITS_DATA, "--against", DIGITS,
            "--min-agreement", "0.95", "--max-abs-diff", "0.5", "--json", *QUICK)
    report = report_of(r)
    expect_exit(r, 1)
    agreement = check(report, "agreement")
    assert agreement["status"] == "failed"
    assert "top-1 agreement" in agreement["message"] and "is below the minimum 0.95" in \
        agreement["message"]
    assert "is above the maximum 0.5" in agreement["message"]
    assert agreement["figures"]["min_agreement"] == 0.95
    assert agreement["figures"]["max_abs_diff_allowed"] == 0.5
    assert report["options"]["min_agreement"] == 0.95
    assert report["options"]["max_abs_diff"] == 0.5
    # The same thresholds pass the good model against itself.
    same = run("validate", DIGITS, "--data", DIGITS_DATA, "--against", DIGITS,
               "--min-agreement", "0.95", "--max-abs-diff", "0.5", *QUICK)
    expect_exit(same, 0)
    # A threshold without a model to compare against is a usage error.
    expect_exit(run("validate", DIGITS, "--min-agreement", "0.9"), 2)
    expect_exit(run("validate", DIGITS, "--against", DIGITS, "--min-agreement", "1.5"), 2)


def test_the_slow_model_misses_a_budget_the_good_one_meets(models):
    good = report_of(run("validate", DIGITS, "--max-p99-ms", BUDGET_MS, "--json", *QUICK))
    assert check(good, "latency")["status"] == "passed"
    r = run("validate", models["slow"], "--data", DIGITS_DATA, "--max-p99-ms", BUDGET_MS,
            "--against", DIGITS, "--json", *SLOW)
    report = report_of(r)
    expect_exit(r, 1)
    latency = check(report, "latency")
    assert latency["status"] == "failed"
    assert f"over the budget of {BUDGET_MS} ms" in latency["message"]
    assert report["latency"]["p99_ms"] > BUDGET_MS
    # The same outputs as the good model: only the latency fails.
    assert check(report, "agreement")["figures"]["max_abs_diff"] == 0
    assert [c["name"] for c in report["checks"] if c["status"] == "failed"] == ["latency"]


def test_the_latency_budget_mechanics():
    zero = run("validate", DIGITS, "--max-p99-ms", "0", "--json", *QUICK)
    expect_exit(zero, 1)
    assert check(report_of(zero), "latency")["status"] == "failed"
    huge = run("validate", DIGITS, "--max-p99-ms", "1e9", "--batch", "8", "--threads", "2",
               "--json", *QUICK)
    expect_exit(huge, 0)
    assert report_of(huge)["latency"]["batch"] == 8
    assert report_of(huge)["options"]["threads"] == 2


def test_a_signature_break_names_what_clients_would_break_on():
    other = os.path.join(FIXTURES, "breast_cancer_mlp.onnx")
    r = run("validate", DIGITS, "--data", DIGITS_DATA, "--against", other, "--json", *QUICK)
    report = report_of(r)
    expect_exit(r, 1)
    signature = check(report, "signature")
    assert signature["status"] == "failed"
    assert "input 'features' is gone" in signature["message"]
    assert "new input 'image' is required" in signature["message"]
    assert check(report, "agreement")["status"] == "failed"
    assert "no tensor 'features'" in check(report, "agreement")["message"]


def test_csv_data_and_a_separate_labels_file(tmp_path):
    mlp = os.path.join(FIXTURES, "breast_cancer_mlp.onnx")
    report = report_of(expect_exit_json(run("validate", mlp, "--data",
                                            os.path.join(FIXTURES, "breast_cancer_test.csv"),
                                            "--json", *QUICK)))
    expected = ACCURACY["breast_cancer_mlp"]
    assert report["accuracy"]["rows"] == expected["total"]
    assert abs(report["accuracy"]["top1"] - expected["correct"] / expected["total"]) < 1e-9
    data = np.load(DIGITS_DATA)
    np.save(tmp_path / "image.npy", data["image"])
    np.save(tmp_path / "truth.npy", data["labels"])
    report = report_of(expect_exit_json(run("validate", DIGITS, "--data", tmp_path / "image.npy",
                                            "--labels", tmp_path / "truth.npy", "--json",
                                            *QUICK)))
    assert report["accuracy"]["rows"] == 359
    np.save(tmp_path / "target.npy", data["labels"].astype(np.float32))
    report = report_of(run("validate", DIGITS, "--data", tmp_path / "image.npy", "--labels",
                           tmp_path / "target.npy", "--json", *QUICK))
    # Float labels are regression targets; the digits model gives ten scores per row.
    assert "regression needs one" in check(report, "accuracy")["message"]


def expect_exit_json(r):
    expect_exit(r, 0)
    return r


def test_outputs_that_turn_non_finite_on_finite_inputs_are_flagged(tmp_path):
    # y = Log(x): log(0) is -inf, so the zeros case turns finite inputs into infinities.
    graph = helper.make_graph(
        [helper.make_node("Log", ["x"], ["y"])], "log",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "log.onnx"
    onnx.save(model, path)
    r = run("validate", path, "--json", *QUICK)
    expect_exit(r, 1)
    edge = check(report_of(r), "edge_cases")
    assert edge["status"] == "failed"
    assert "case 'zeros' non_finite: output 'y' has 4 of 4 values NaN or infinite" in \
        edge["message"]


def test_what_could_not_run_exits_3_and_usage_errors_2(tmp_path):
    r = run("validate", DIGITS, "--data", tmp_path / "missing.npz")
    expect_exit(r, 3)
    assert "missing.npz" in r.stderr
    r = run("validate", DIGITS, "--data", os.path.join(FIXTURES, "breast_cancer_test.npz"))
    expect_exit(r, 3)
    assert "no tensor 'image'" in r.stderr
    r = run("validate", tmp_path / "nothing.onnx")
    expect_exit(r, 3)
    assert "nothing.onnx" in r.stderr
    expect_exit(run("validate", DIGITS, "--batch", "0"), 2)
    expect_exit(run("validate", DIGITS, "--min-accuracy", "2"), 2)
    expect_exit(run("validate"), 2)


def test_a_model_that_does_not_load_fails_the_load_check(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    r = run("validate", bad, "--json")
    expect_exit(r, 1)
    report = report_of(r)
    assert check(report, "load")["status"] == "failed"
    assert "does not load" in check(report, "load")["message"]
    assert report["accuracy"] is None and report["latency"] is None


def test_the_report_is_stored_with_a_registry_version_and_shown(registry, models, tmp_path):
    assert registry.push(DIGITS) == 1
    assert registry.push(models["broken"]) == 2
    out_file = tmp_path / "report.json"
    r = registry.cli("validate", "digits@1", "--data", DIGITS_DATA, "--min-accuracy", "0.9",
                     "-o", out_file, *QUICK)
    out = expect_exit(r, 0)
    assert "stored as the validation report of digits version 1" in out
    written = json.loads(out_file.read_text())
    assert written["model"] == {"ref": "digits@1", "name": "digits", "version": 1,
                                "sha256": sha256(DIGITS)}
    shown = expect_exit(registry.cli("show", "digits@1"), 0)
    assert "validation: passed" in shown
    assert "  accuracy: passed: top-1 0.9749 (350 of 359 rows right)" in shown
    version = json.loads(expect_exit(registry.cli("show", "digits@1", "--json"), 0))
    assert "validation" in [d["kind"] for d in version.get("documents", [])] or \
        "validation" in json.dumps(version)

    r = registry.cli("validate", "digits@2", "--data", DIGITS_DATA, "--against", "digits@1",
                     "--min-accuracy", "0.9", *QUICK)
    expect_exit(r, 1)
    shown = expect_exit(registry.cli("show", "digits@2"), 0)
    assert "validation: failed" in shown and "against digits@1" in shown
    assert "  accuracy: failed: top-1" in shown and "is below the minimum 0.9" in shown
    # An unknown version could not be validated: nothing stored, exit 3.
    r = registry.cli("validate", "digits@9", "--data", DIGITS_DATA)
    expect_exit(r, 3)
    assert "9" in r.stderr
