"""Live accuracy and drift (issue 5): a small classifier pushed into a SQLite registry, its
reference profile made by `berth profile` from a NumPy dataset, served by the real binary.
In-distribution traffic keeps berth_drift_psi low, shifted traffic sends it over 0.2; correct
labels through POST /v2/models/NAME/feedback give a high berth_live_accuracy, wrong ones make
it fall; unknown ids and models get 404 and add no series."""
import json
import re
import subprocess

import numpy as np
from onnx import TensorProto, helper, numpy_helper

import conftest
import models
import util
from test_registry_serving import Registry, RegistryServer
from webhook_receiver import WebhookReceiver

FEATURES = 4
CLASSES = 3
WEIGHTS = np.array([[1.0, -0.5, 0.2], [0.3, 1.0, -0.7], [-0.6, 0.4, 1.0], [0.5, 0.5, -0.5]],
                   np.float32)
WINDOW = 500


def classifier():
    """probs = Softmax(x @ WEIGHTS): three classes from four features."""
    f = TensorProto.FLOAT
    w = numpy_helper.from_array(WEIGHTS, "w")
    nodes = [helper.make_node("MatMul", ["x", "w"], ["logits"]),
             helper.make_node("Softmax", ["logits"], ["probs"], axis=1)]
    return models._model(nodes, "classifier", [models.vi("x", f, ["n", FEATURES])],
                         [models.vi("probs", f, ["n", CLASSES])], [w])


def predicted(x):
    return np.argmax(x @ WEIGHTS, axis=1)


def metric(port, name, **labels):
    """The value of the series `name` with (at least) `labels`, or None."""
    want = {(k, str(v)) for k, v in labels.items()}
    for (n, have), value in util.scrape(port).items():
        if n == name and want <= have:
            return value
    return None


def infer(server, x, rid=None):
    body, headers = util.json_infer_body([("x", x.astype(np.float32))], rid=rid)
    r = util.request(server.http_port, "POST", "/v2/models/m/infer", body=body, headers=headers)
    assert r.status == 200, r.body
    return r


def feedback(server, body, model="m"):
    return util.request(server.http_port, "POST", f"/v2/models/{model}/feedback",
                        body=json.dumps(body).encode(),
                        headers={"Content-Type": "application/json"})


def test_drift_crosses_its_threshold_and_wrong_labels_lower_accuracy(tmp_path):
    registry = Registry(tmp_path)
    assert registry.push(classifier(), "m") == 1
    registry.cli("alias", "set", "m", "production", 1)
    rng = np.random.default_rng(5)
    data = tmp_path / "reference.npz"
    np.savez(data, x=rng.normal(0, 1, (3000, FEATURES)).astype(np.float64),
             label=np.zeros(3000, np.int64))
    out = registry.cli("profile", "m@production", "--data", data).stdout
    assert "profiled 3000 rows" in out and "output 'probs' (classes" in out, out
    shown = registry.cli("show", "m@1").stdout
    assert re.search(r"documents:\s+profile \(made \d{4}-", shown), shown

    server = RegistryServer(registry, tmp_path / "server.log",
                            ["--drift-window-rows", WINDOW, "--drift-min-rows", 100,
                             "--drift-check-secs", "0.1"])
    server.start()
    try:
        port = server.http_port
        # In distribution: the worst feature stays well under the alert threshold.
        for _ in range(WINDOW // 50):
            infer(server, rng.normal(0, 1, (50, FEATURES)))
        assert metric(port, "berth_drift_window_rows", model="m", version=1) == WINDOW
        calm_x = metric(port, "berth_drift_psi", model="m", version=1, tensor="x")
        calm_probs = metric(port, "berth_drift_psi", model="m", version=1, tensor="probs")
        assert calm_x is not None and calm_x < 0.2, calm_x
        assert calm_probs is not None and calm_probs < 0.2, calm_probs
        # Shifted: a window's worth of inputs two standard deviations off.
        for _ in range(WINDOW // 50 + 2):
            infer(server, rng.normal(2, 1, (50, FEATURES)))
        drifted = metric(port, "berth_drift_psi", model="m", version=1, tensor="x")
        assert drifted > 0.2, drifted

        # Correct labels, then wrong ones, for one-row requests known by their id.
        xs = rng.normal(0, 1, (80, FEATURES)).astype(np.float32)
        for i in range(80):
            infer(server, xs[i:i + 1], rid=f"q-{i}")
        classes = predicted(xs)
        for i in range(40):
            r = feedback(server, {"id": f"q-{i}", "label": int(classes[i])})
            assert r.status == 200, r.body
            assert r.json()["correct"] is True and r.json()["model_version"] == "1"
        assert metric(port, "berth_live_accuracy", model="m", version=1) == 1.0
        for i in range(40, 80):
            r = feedback(server, {"id": f"q-{i}", "label": int((classes[i] + 1) % CLASSES)})
            assert r.status == 200 and r.json()["correct"] is False, r.body
        assert metric(port, "berth_live_accuracy", model="m", version=1) == 0.5
        assert metric(port, "berth_live_labelled", model="m", version=1) == 80
        assert metric(port, "berth_feedback_total", model="m", result="joined") == 80

        # An id never seen, or already labelled: 404; a bad body: 400 naming the problem.
        assert feedback(server, {"id": "never-sent", "label": 1}).status == 404
        assert feedback(server, {"id": "q-0", "label": 1}).status == 404
        bad = feedback(server, {"id": "q-0", "label": 1, "weight": 3})
        assert bad.status == 400 and "unknown member 'weight'" in bad.error, bad.body
        assert feedback(server, {"id": "q-0", "label": "cat"}).status == 400
        assert metric(port, "berth_feedback_total", model="m", result="unknown_id") == 2
        assert metric(port, "berth_feedback_total", model="m", result="invalid") == 2
        # An unknown model: 404, and no series names it.
        assert feedback(server, {"id": "q-1", "label": 1}, model="nope").status == 404
        assert 'model="nope"' not in util.get(port, "/metrics").body.decode()
    finally:
        server.assert_stopped_cleanly()


def test_a_version_without_profile_builds_one_from_its_first_rows(tmp_path):
    """...and the drift it then sees reaches a webhook as a drift.detected event."""
    repo = tmp_path / "repo"
    models.write_version(repo, "m", 1, classifier())
    with WebhookReceiver() as receiver:
        server = conftest.Server(
            repo, tmp_path / "server.log",
            args=["--drift-reference-rows", 400, "--drift-window-rows", 400,
                  "--drift-min-rows", 100, "--drift-check-secs", "0.1",
                  "--webhook-url", receiver.url(), "--webhook-allow-host", "127.0.0.1"])
        server.start()
        try:
            rng = np.random.default_rng(9)
            for _ in range(8):  # 400 rows make the reference
                infer(server, rng.normal(0, 1, (50, FEATURES)))
            assert metric(server.http_port, "berth_drift_psi", model="m", version=1) is None
            for _ in range(10):
                infer(server, rng.normal(3, 1, (50, FEATURES)))
            psi = metric(server.http_port, "berth_drift_psi", model="m", version=1, tensor="x")
            assert psi is not None and psi > 0.2, psi
            # The check runs at most every 0.1 s, on the request path: more requests make one.
            def detected():
                infer(server, rng.normal(3, 1, (50, FEATURES)))
                return [e for e in receiver.events() if e["type"] == "drift.detected"]
            conftest.wait_for(detected, 30, "a drift.detected webhook", interval=0.2)
        finally:
            server.assert_stopped_cleanly()
    event = [e for e in receiver.events() if e["type"] == "drift.detected"][0]
    assert event["model"] == "m" and event["version"] == 1, event
    assert event["details"]["tensor"] in ("x", "probs"), event
    assert float(event["details"]["psi"]) > 0.2, event
    assert "above 0.200" in event["reason"], event


def test_a_repository_profile_is_read_with_its_version(tmp_path):
    repo = tmp_path / "repo"
    models.write_version(repo, "m", 1, classifier())
    rng = np.random.default_rng(11)
    np.save(tmp_path / "x.npy", rng.normal(0, 1, (1000, FEATURES)).astype(np.float32))
    out = util_run("profile", repo / "m" / "1" / "model.onnx", "--data", tmp_path / "x.npy",
                   "-o", repo / "m" / "1" / "profile.json")
    assert "written to" in out
    server = conftest.Server(repo, tmp_path / "server.log",
                             args=["--drift-window-rows", 200, "--drift-min-rows", 100])
    server.start()
    try:
        for _ in range(4):
            infer(server, rng.normal(0, 1, (50, FEATURES)))
        psi = metric(server.http_port, "berth_drift_psi", model="m", version=1, tensor="x")
        assert psi is not None and psi < 0.2, psi
    finally:
        server.assert_stopped_cleanly()


def util_run(*args):
    out = subprocess.run([util.BERTH, *map(str, args)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout
