"""Pruned models are standard ONNX: the digits models optimize_prune_models_test prunes pass
onnx's checker (with shape inference) and ONNX Runtime classifies the digits test split
exactly as berth's engine did in that test.

Run by ctest (optimize_prune_ort) with PRUNE_MODELS_TEST set to the gtest binary.
"""
import os
import re
import subprocess

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, "..", "..", "tests", "fixtures", "digits_test.npz")
# "digits structured 0.25: top-1 350/359" -> the file digits_cnn-structured25.onnx
PRINTED = re.compile(r"^digits (magnitude|structured) ([0-9.]+): top-1 (\d+)/(\d+)", re.M)


def test_pruned_digits_models_run_in_onnx_runtime_as_in_berth(tmp_path):
    env = dict(os.environ, BERTH_PRUNE_OUT_DIR=str(tmp_path))
    run = subprocess.run([os.environ["PRUNE_MODELS_TEST"], "--gtest_filter=PruneDigits*"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    berth_counts = {f"digits_cnn-{m.group(1)}{round(float(m.group(2)) * 100)}.onnx":
                    int(m.group(3)) for m in PRINTED.finditer(run.stdout)}
    assert len(berth_counts) == 3, run.stdout
    data = np.load(DIGITS)
    for name, berth_correct in berth_counts.items():
        path = tmp_path / name
        onnx.checker.check_model(str(path), full_check=True)
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        logits = session.run(None, {"image": data["image"]})[0]
        assert logits.shape == (len(data["labels"]), 10)
        assert int((logits.argmax(1) == data["labels"]).sum()) == berth_correct, name
