"""`berth lambda` end to end: the real binary against a loopback fake of the Lambda Runtime
API. Each test queues its events, runs berth with --max-invocations, and checks the answers
it posted (proxy responses carrying Open Inference Protocol JSON, or invocation errors)."""
import base64
import json
import os
import struct
import subprocess
import sys
import time

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import models  # noqa: E402  (tests/integration/models.py: ONNX test models)
from fake_runtime_api import FakeRuntimeApi  # noqa: E402

BERTH = os.environ.get("BERTH_BIN") or os.path.join(HERE, "..", "..", "build", "bin", "berth")


@pytest.fixture
def fake():
    api = FakeRuntimeApi()
    yield api
    api.close()


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "models"
    models.write_version(root, "plus", 1, models.add_constant(1.0, "plus"))
    return root


def run_berth(fake, *args, invocations, timeout=60):
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=fake.endpoint)
    out = subprocess.run([BERTH, "lambda", *map(str, args), "--max-invocations",
                          str(invocations), "--log-format", "text"],
                         env=env, capture_output=True, text=True, timeout=timeout)
    return out


def infer_body(values, **extra):
    return json.dumps({"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [len(values)],
                                   "data": values}], **extra})


def v1_event(body, path="/v2/models/plus/infer", method="POST", base64_body=False, headers=None):
    if base64_body:
        body = base64.b64encode(body if isinstance(body, bytes) else body.encode()).decode()
    return {"resource": "/{proxy+}", "path": path, "httpMethod": method,
            "headers": headers or {"Content-Type": "application/json"},
            "queryStringParameters": None, "requestContext": {"stage": "prod"},
            "body": body, "isBase64Encoded": base64_body}


def v2_event(body, path="/v2/models/plus/infer", base64_body=False):
    if base64_body:
        body = base64.b64encode(body.encode()).decode()
    return {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
            "headers": {"content-type": "application/json"},
            "requestContext": {"http": {"method": "POST", "path": path}},
            "body": body, "isBase64Encoded": base64_body}


def proxy_answer(fake, request_id):
    answer = fake.wait_answer(request_id)
    assert answer is not None, f"no answer to {request_id}"
    assert answer["kind"] == "response", answer
    return json.loads(answer["body"])


def body_json(response):
    assert response["headers"]["Content-Type"] == "application/json", response
    assert response["isBase64Encoded"] is False
    return json.loads(response["body"])


def test_good_requests_v1_v2_base64_and_default_model(fake, repo):
    ids = [fake.add(v1_event(infer_body([1.0, 2.5], id="r1"))),
           fake.add(v2_event(infer_body([3.0]))),
           fake.add(v2_event(infer_body([-1.0]), base64_body=True)),
           fake.add(v1_event(infer_body([0.5]), path="/predict")),
           fake.add(v1_event(infer_body([7.0]), path="/v2/models/plus/versions/1/infer"))]
    out = run_berth(fake, "--model-repository", repo, "--model", "plus", invocations=len(ids))
    assert out.returncode == 0, out.stderr + out.stdout
    expected = [[2.0, 3.5], [4.0], [0.0], [1.5], [8.0]]
    for request_id, want in zip(ids, expected):
        response = proxy_answer(fake, request_id)
        assert response["statusCode"] == 200, response
        reply = body_json(response)
        assert reply["model_name"] == "plus" and reply["model_version"] == "1"
        assert reply["outputs"][0]["name"] == "OUTPUT0"
        assert reply["outputs"][0]["data"] == want
        assert response["headers"]["x-request-id"]
    assert body_json(proxy_answer(fake, ids[0]))["id"] == "r1"


def test_bad_requests_are_error_responses(fake, repo):
    cases = {
        fake.add(v1_event("{not json")): (400, "JSON"),
        fake.add(v1_event(infer_body([1.0]), path="/v2/models/nosuch/infer")): (404, "nosuch"),
        fake.add(v1_event(infer_body([1.0]), path="/v2/models/plus/versions/9/infer")): (404, "9"),
        fake.add(v1_event(json.dumps({"inputs": [{"name": "WRONG", "datatype": "FP32",
                                                  "shape": [1], "data": [1]}]}))): (400, "WRONG"),
        fake.add(v1_event(json.dumps({"inputs": [{"name": "INPUT0", "datatype": "FP32",
                                                  "shape": [2], "data": [1]}]}))): (400, "INPUT0"),
        fake.add(v1_event(None)): (400, "no body"),
        fake.add(v1_event("!!notbase64", base64_body=False, path="/v2/models/plus/infer")):
            (400, "JSON"),
        fake.add(v1_event(infer_body([1.0]), method="GET")): (405, "POST"),
        fake.add(v1_event(infer_body([1.0]), path="/v2/health/ready")): (404, "infer"),
        fake.add(v1_event(infer_body([1.0]), path="/v2/models/../infer")): (400, ""),
        fake.add(v1_event("[" * 100 + "]" * 100)): (400, "deep"),
    }
    out = run_berth(fake, "--model-repository", repo, invocations=len(cases))
    assert out.returncode == 0, out.stderr + out.stdout
    for request_id, (status, word) in cases.items():
        response = proxy_answer(fake, request_id)
        assert response["statusCode"] == status, (word, response)
        error = body_json(response)["error"]
        assert word.lower() in error.lower(), (word, error)


def test_events_that_are_not_proxy_events_are_invocation_errors(fake, repo):
    ids = [fake.add(b"\x00\xffnot json at all"),
           fake.add({"key": "value"}),
           fake.add({"httpMethod": "POST", "path": "/p", "body": "%%%", "isBase64Encoded": True}),
           fake.add([1, 2, 3])]
    good = fake.add(v1_event(infer_body([1.0])))  # still serving afterwards
    out = run_berth(fake, "--model-repository", repo, invocations=len(ids) + 1)
    assert out.returncode == 0, out.stderr + out.stdout
    for request_id in ids:
        answer = fake.wait_answer(request_id)
        assert answer["kind"] == "error", answer
        assert answer["type"] == "Runtime.InvalidEvent"
        error = json.loads(answer["body"])
        assert error["errorType"] == "Runtime.InvalidEvent" and error["errorMessage"]
    assert proxy_answer(fake, good)["statusCode"] == 200


def test_oversized_event_is_answered_413_unread(fake, repo):
    big = fake.add(v1_event(infer_body([1.0] * 20000)))
    small = fake.add(v1_event(infer_body([1.0])))
    out = run_berth(fake, "--model-repository", repo, "--max-event-bytes", 50000, invocations=2)
    assert out.returncode == 0, out.stderr + out.stdout
    response = proxy_answer(fake, big)
    assert response["statusCode"] == 413
    assert "max-event-bytes" in body_json(response)["error"]
    assert proxy_answer(fake, small)["statusCode"] == 200


def test_deadline_passed_is_504(fake, repo):
    past = fake.add(v1_event(infer_body([1.0])), deadline_ms=int(time.time() * 1000) - 1000)
    near = fake.add(v1_event(infer_body([1.0])), deadline_ms=int(time.time() * 1000) + 5)
    later = fake.add(v1_event(infer_body([1.0])))
    out = run_berth(fake, "--model-repository", repo, invocations=3)
    assert out.returncode == 0, out.stderr + out.stdout
    for request_id in (past, near):  # near: within the 20 ms margin by the time it runs
        response = proxy_answer(fake, request_id)
        assert response["statusCode"] == 504, response
        assert "deadline" in body_json(response)["error"]
    assert proxy_answer(fake, later)["statusCode"] == 200


def test_binary_outputs_and_inputs_travel_base64(fake, repo):
    header = json.dumps({"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [2],
                                     "parameters": {"binary_data_size": 8}}],
                         "parameters": {"binary_data_output": True}}).encode()
    body = header + struct.pack("<2f", 1.0, 2.0)
    event = v1_event(body, base64_body=True,
                     headers={"Inference-Header-Content-Length": str(len(header))})
    request_id = fake.add(event)
    bad = fake.add(v1_event(body, base64_body=True,
                            headers={"Inference-Header-Content-Length": "99999"}))
    out = run_berth(fake, "--model-repository", repo, invocations=2)
    assert out.returncode == 0, out.stderr + out.stdout
    response = proxy_answer(fake, request_id)
    assert response["statusCode"] == 200 and response["isBase64Encoded"] is True
    raw = base64.b64decode(response["body"])
    n = int(response["headers"]["Inference-Header-Content-Length"])
    reply = json.loads(raw[:n])
    assert reply["outputs"][0]["parameters"]["binary_data_size"] == 8
    assert struct.unpack("<2f", raw[n:]) == (2.0, 3.0)
    assert proxy_answer(fake, bad)["statusCode"] == 400


def test_refused_response_becomes_an_invocation_error(repo):
    fake = FakeRuntimeApi(refuse_responses_over=300)
    try:
        big = fake.add(v1_event(infer_body([1.0] * 100)))
        out = run_berth(fake, "--model-repository", repo, invocations=1)
        assert out.returncode == 0, out.stderr + out.stdout
        answer = fake.wait_answer(big)
        assert answer["kind"] == "error" and answer["type"] == "Runtime.ResponseRefused"
        assert "413" in json.loads(answer["body"])["errorMessage"]
    finally:
        fake.close()


def test_runtime_api_that_does_not_answer_ends_the_process(repo):
    fake = FakeRuntimeApi(stall_responses_secs=5)
    try:
        fake.add(v1_event(infer_body([1.0])))
        start = time.monotonic()
        out = run_berth(fake, "--model-repository", repo, "--runtime-api-timeout-ms", 300,
                        invocations=1)
        assert out.returncode == 1, out.stdout
        assert "Runtime API" in out.stderr, out.stderr
        assert time.monotonic() - start < 4
    finally:
        fake.close()


def test_model_file(fake, tmp_path):
    path = tmp_path / "double.onnx"
    models.save(models.add_constant(2.0, "double"), str(path))
    request_id = fake.add(v2_event(infer_body([1.0]), path="/"))
    named = fake.add(v2_event(infer_body([1.0]), path="/v2/models/double/infer"))
    out = run_berth(fake, "--model-file", path, invocations=2)
    assert out.returncode == 0, out.stderr + out.stdout
    for rid in (request_id, named):
        reply = body_json(proxy_answer(fake, rid))
        assert reply["model_name"] == "double" and reply["outputs"][0]["data"] == [3.0]


def test_init_errors_are_reported(fake, tmp_path):
    broken = tmp_path / "broken"
    models.write_broken(broken, "bad")
    for args in (["--model-repository", broken],
                 ["--model-repository", tmp_path / "missing"],
                 ["--model-file", tmp_path / "missing.onnx"],
                 ["--model-repository", broken, "--model-file", tmp_path / "x.onnx"]):
        before = len(fake.init_errors)
        out = run_berth(fake, *args, invocations=1)
        assert out.returncode == 1, out.stdout
        assert len(fake.init_errors) == before + 1, out.stderr
        error = fake.init_errors[-1]
        assert error["type"] == "Runtime.InitError"
        assert error["body"]["errorType"] == "Runtime.InitError"
        assert error["body"]["errorMessage"], error


def test_without_runtime_api_it_fails_clearly(repo):
    env = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_RUNTIME_API"}
    out = subprocess.run([BERTH, "lambda", "--model-repository", str(repo)], env=env,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and "AWS_LAMBDA_RUNTIME_API" in out.stderr


def registry_with_two_versions(tmp_path):
    """A SQLite registry holding model m: version 1 adds 1.0, version 2 adds 2.0. Returns its
    flags and a function running the CLI on it (which must succeed)."""
    reg = ["--registry", f"sqlite:{tmp_path}/registry.db", "--artifacts", str(tmp_path / "blobs")]

    def cli(*args):
        out = subprocess.run([BERTH, *map(str, args), *reg], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout

    for delta in (1.0, 2.0):
        path = tmp_path / f"v{delta}.onnx"
        models.save(models.add_constant(delta, "m"), str(path))
        cli("push", path, "--name", "m")
    return reg, cli


def test_registry_alias_is_loaded_at_start(fake, tmp_path):
    reg, cli = registry_with_two_versions(tmp_path)
    cli("alias", "set", "m", "production", 2)
    cli("alias", "set", "m", "staging", 1)
    prod = fake.add(v1_event(infer_body([1.0]), path="/"))
    staging = fake.add(v1_event(infer_body([1.0]), path="/v2/models/m/versions/staging/infer"))
    out = run_berth(fake, *reg, "--model", "m@production", invocations=2)
    assert out.returncode == 0, out.stderr + out.stdout
    reply = body_json(proxy_answer(fake, prod))
    assert reply["model_version"] == "2" and reply["outputs"][0]["data"] == [3.0]
    reply = body_json(proxy_answer(fake, staging))
    assert reply["model_version"] == "1" and reply["outputs"][0]["data"] == [2.0]
    before = len(fake.init_errors)
    out = run_berth(fake, *reg, "--model", "m@nosuch", invocations=1)
    assert out.returncode == 1 and len(fake.init_errors) == before + 1
    assert "nosuch" in fake.init_errors[-1]["body"]["errorMessage"]


def test_a_warm_instance_follows_an_alias_move(fake, tmp_path):
    """With --registry, a running instance polls (--registry-poll-ms) and answers from the
    version an alias moves to, once it is ready; every invocation meanwhile is answered."""
    reg, cli = registry_with_two_versions(tmp_path)
    cli("alias", "set", "m", "production", 1)
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=fake.endpoint)
    proc = subprocess.Popen([BERTH, "lambda", *reg, "--model", "m@production",
                             "--registry-poll-ms", "50", "--log-format", "text"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def version_answering():
            reply = body_json(proxy_answer(fake, fake.add(v1_event(infer_body([1.0]), path="/"))))
            assert reply["outputs"][0]["data"] == [1.0 + float(reply["model_version"])], reply
            return reply["model_version"]

        assert version_answering() == "1"
        cli("alias", "set", "m", "production", 2)
        seen = [version_answering() for _ in range(3)]
        deadline = time.monotonic() + 30
        while seen[-1] != "2" and time.monotonic() < deadline:
            time.sleep(0.05)
            seen.append(version_answering())
        assert seen[-1] == "2", seen
        # Once moved, it stays moved.
        assert [version_answering() for _ in range(3)] == ["2"] * 3
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    # The option follows a registry: without one it is a usage error.
    out = run_berth(fake, "--model-file", tmp_path / "v1.0.onnx", "--registry-poll-ms", 50,
                    invocations=1)
    assert out.returncode != 0 and "--registry" in out.stderr, out.stderr
