"""The server's logs: JSON lines on stdout, request ids (body id, x-request-id, generated)
echoed back over HTTP and gRPC, the access log and its switches, the level, traceparent, and
that no tensor value or token ever reaches the log."""
import json
import re

import numpy as np
import pytest

import util
from conftest import tritonclient_or_skip, wait_for

tritonclient_or_skip()
import grpc  # noqa: E402
import tritonclient.grpc as grpcclient  # noqa: E402
from tritonclient.grpc import service_pb2, service_pb2_grpc  # noqa: E402

MODELS = ["identity_one", "simple"]
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
# Values no log line may ever contain: the tensors sent and the admin token.
SECRET_VALUE = 987654.25
SECRET_TOKEN = "sekrit-token-5d1e"
INFER = "/v2/models/identity_one/infer"


def parse_lines(text):
    """Every line of `text` as a JSON object (fails naming the first that is not)."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        try:
            obj = json.loads(line)
        except ValueError as e:
            pytest.fail(f"stdout line {n} is not JSON ({e}): {line!r}")
        assert isinstance(obj, dict), line
        assert TIME.match(obj.get("time", "")), line
        assert obj.get("level") in ("trace", "debug", "info", "warn", "error", "critical"), line
        assert isinstance(obj.get("message"), str), line
        out.append(obj)
    return out


def access_lines(server):
    return [o for o in parse_lines(server.stdout()) if o["message"] == "access"]


def access_line_for(server, request_id, protocol="http"):
    """The access line of `request_id` (waits for it: it is written after the reply)."""
    def find():
        found = [o for o in access_lines(server)
                 if o.get("request_id") == request_id and o.get("protocol") == protocol]
        return found[0] if found else None
    return wait_for(find, 30, f"the {protocol} access line of {request_id!r}",
                    on_fail=lambda: "\n" + server.stdout()[-3000:])


def infer_body(rid=None, value=1.5):
    return util.json_infer_body([("INPUT0", np.array([value], np.float32))], rid=rid)


def http_infer(server, rid=None, headers=None, value=1.5, path=INFER):
    body, h = infer_body(rid, value)
    h.update(headers or {})
    return util.post(server.http_port, path, body=body, headers=h), body


def grpc_request(rid="", value=1.5, model="identity_one"):
    req = service_pb2.ModelInferRequest(model_name=model, id=rid)
    inp = req.inputs.add()
    inp.name, inp.datatype = "INPUT0", "FP32"
    inp.shape.extend([1])
    req.raw_input_contents.append(np.array([value], np.float32).tobytes())
    return req


def grpc_infer(server, rid="", metadata=(), value=1.5, model="identity_one"):
    """(response or None, the x-request-id the server sent back, the RpcError or None)."""
    with grpc.insecure_channel(server.grpc_url) as channel:
        stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
        try:
            response, call = stub.ModelInfer.with_call(grpc_request(rid, value, model),
                                                       metadata=list(metadata), timeout=60,
                                                       wait_for_ready=True)
            return response, dict(call.initial_metadata()).get("x-request-id"), None
        except grpc.RpcError as e:
            return None, dict(e.initial_metadata() or ()).get("x-request-id"), e


@pytest.fixture
def logged(server_factory):
    return server_factory(MODELS, split_stdout=True)


def check_access_fields(line, protocol, status, version="1"):
    assert line["level"] == "info"
    assert line["protocol"] == protocol
    assert line["model"] == "identity_one"
    assert line["status"] == status
    if version is None:
        assert "version" not in line, line
    else:
        assert line["version"] == version, line
    for field in ("duration_us", "queue_us", "compute_us", "bytes_in", "bytes_out"):
        assert isinstance(line[field], int) and line[field] >= 0, (field, line)
    assert re.match(r"^127\.0\.0\.1:\d+$", line["peer"]), line


def test_http_body_id_wins_and_is_echoed(logged):
    r, body = http_infer(logged, rid="body-1", headers={"x-request-id": "hdr-1"})
    assert r.status == 200, r
    assert r.headers["x-request-id"] == "body-1"
    assert r.json()["id"] == "body-1"
    line = access_line_for(logged, "body-1")
    check_access_fields(line, "http", "200")
    assert line["bytes_in"] == len(body)
    assert line["bytes_out"] == len(r.body)
    assert not [o for o in access_lines(logged) if o.get("request_id") == "hdr-1"]


def test_http_header_id_is_used_and_echoed(logged):
    r, _ = http_infer(logged, headers={"x-request-id": "hdr/2 retry=1"})
    assert r.status == 200, r
    assert r.headers["x-request-id"] == "hdr/2 retry=1"
    assert "id" not in r.json()
    check_access_fields(access_line_for(logged, "hdr/2 retry=1"), "http", "200")


def test_http_generated_ids_differ_and_are_echoed(logged):
    ids = []
    for _ in range(3):
        r, _ = http_infer(logged)
        assert r.status == 200, r
        ids.append(r.headers["x-request-id"])
    assert all(GENERATED_ID.match(i) for i in ids), ids
    assert len(set(ids)) == 3, ids
    for i in ids:
        check_access_fields(access_line_for(logged, i), "http", "200")


def test_http_errors_echo_an_id_and_are_logged(logged):
    r, _ = http_infer(logged, headers={"x-request-id": "missing-1"},
                      path="/v2/models/no_such_model/infer")
    assert r.status == 404, r
    assert r.headers["x-request-id"] == "missing-1"
    line = access_line_for(logged, "missing-1")
    assert line["status"] == "404" and line["model"] == "no_such_model" and "version" not in line

    r = util.post(logged.http_port, INFER, body=b"{not json", headers={"x-request-id": "junk-1"})
    assert r.status == 400, r
    assert r.headers["x-request-id"] == "junk-1"
    check_access_fields(access_line_for(logged, "junk-1"), "http", "400", version=None)


@pytest.mark.parametrize("bad", ["x" * 129, "tab\there", "caf\u00e9"])
def test_http_bad_request_id_header_is_refused(logged, bad):
    r, _ = http_infer(logged, headers={"x-request-id": bad})
    assert r.status == 400, r
    assert "x-request-id" in r.error, r
    echoed = r.headers["x-request-id"]
    assert GENERATED_ID.match(echoed), echoed
    line = access_line_for(logged, echoed)
    assert line["status"] == "400" and "version" not in line


def test_http_bad_body_id_is_refused(logged):
    r, _ = http_infer(logged, rid="b" * 129)
    assert r.status == 400, r
    assert '"id"' in r.error, r


def test_traceparent_is_logged_when_well_formed_only(logged):
    r, _ = http_infer(logged, rid="trace-1", headers={"traceparent": TRACEPARENT})
    assert r.status == 200, r
    assert access_line_for(logged, "trace-1")["traceparent"] == TRACEPARENT
    malformed = TRACEPARENT.upper()
    r, _ = http_infer(logged, rid="trace-2", headers={"traceparent": malformed})
    assert r.status == 200, r
    assert "traceparent" not in access_line_for(logged, "trace-2")
    _, echoed, err = grpc_infer(logged, rid="trace-3", metadata=[("traceparent", TRACEPARENT)])
    assert err is None and echoed == "trace-3"
    assert access_line_for(logged, "trace-3", "grpc")["traceparent"] == TRACEPARENT
    assert malformed not in logged.stdout()


def test_grpc_ids_are_chosen_echoed_and_logged(logged):
    response, echoed, err = grpc_infer(logged, rid="g-body", metadata=[("x-request-id", "g-hdr")])
    assert err is None and response.id == "g-body" and echoed == "g-body"
    check_access_fields(access_line_for(logged, "g-body", "grpc"), "grpc", "OK")

    _, echoed, err = grpc_infer(logged, metadata=[("x-request-id", "g-hdr-2")])
    assert err is None and echoed == "g-hdr-2"
    check_access_fields(access_line_for(logged, "g-hdr-2", "grpc"), "grpc", "OK")

    generated = []
    for _ in range(2):
        _, echoed, err = grpc_infer(logged)
        assert err is None and GENERATED_ID.match(echoed or ""), echoed
        generated.append(echoed)
        check_access_fields(access_line_for(logged, echoed, "grpc"), "grpc", "OK")
    assert generated[0] != generated[1]


def test_grpc_bad_request_id_is_invalid_argument(logged):
    _, echoed, err = grpc_infer(logged, metadata=[("x-request-id", "y" * 200)])
    assert err is not None and err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "x-request-id" in err.details()
    assert GENERATED_ID.match(echoed or ""), echoed
    line = access_line_for(logged, echoed, "grpc")
    assert line["status"] == "INVALID_ARGUMENT" and "version" not in line

    _, echoed, err = grpc_infer(logged, metadata=[("x-request-id", "g-missing")],
                                model="no_such_model")
    assert err is not None and err.code() == grpc.StatusCode.NOT_FOUND and echoed == "g-missing"
    assert access_line_for(logged, "g-missing", "grpc")["status"] == "NOT_FOUND"


def test_tritonclient_request_ids_reach_the_log(logged):
    # The gRPC listener opens just after HTTP's readiness answers.
    wait_for(lambda: util.can_connect(logged.grpc_port), 30, "the gRPC port")
    client = logged.grpc_client()
    i0 = grpcclient.InferInput("INPUT0", [1], "FP32")
    i0.set_data_from_numpy(np.array([2.5], np.float32))
    r = client.infer("identity_one", [i0], request_id="tc-1", headers={"x-request-id": "other"})
    assert r.get_response().id == "tc-1"
    check_access_fields(access_line_for(logged, "tc-1", "grpc"), "grpc", "OK")
    hclient = logged.http_client()
    import tritonclient.http as httpclient
    h0 = httpclient.InferInput("INPUT0", [1], "FP32")
    h0.set_data_from_numpy(np.array([2.5], np.float32), binary_data=True)
    hclient.infer("identity_one", [h0], headers={"x-request-id": "tc-http-1"})
    check_access_fields(access_line_for(logged, "tc-http-1"), "http", "200")


def test_no_tensor_values_or_tokens_in_the_log(logged):
    r, _ = http_infer(logged, rid="secret-1", value=SECRET_VALUE,
                      headers={"Authorization": f"Bearer {SECRET_TOKEN}"})
    assert r.status == 200, r
    _, _, err = grpc_infer(logged, rid="secret-2", value=SECRET_VALUE,
                           metadata=[("authorization", f"Bearer {SECRET_TOKEN}")])
    assert err is None
    access_line_for(logged, "secret-1")
    access_line_for(logged, "secret-2", "grpc")
    logged.assert_stopped_cleanly()
    text = logged.stdout()
    for needle in ("987654", SECRET_TOKEN, "INPUT0", "Bearer"):
        assert needle not in text, needle


def test_every_stdout_line_is_json_from_start_to_stop(logged):
    http_infer(logged, rid="s-1")
    access_line_for(logged, "s-1")
    logged.assert_stopped_cleanly()
    lines = parse_lines(logged.stdout())
    messages = [o["message"] for o in lines]
    assert any(m.startswith("berth ") and "serving" in m for m in messages), messages
    assert messages[-1] == "stopped", messages


def test_level_warn_drops_info_lines(server_factory):
    s = server_factory(["identity_one", "broken"], wait="live", split_stdout=True,
                       env={"BERTH_LOG_LEVEL": "warn"})
    wait_for(lambda: util.get(s.http_port, "/v2/models/identity_one/ready").status == 200, 60,
             "identity_one to be ready")
    r, _ = http_infer(s, rid="quiet-1")
    assert r.status == 200, r
    s.assert_stopped_cleanly()
    lines = parse_lines(s.stdout())
    assert lines, "the broken model's warning should still be logged"
    assert all(o["level"] in ("warn", "error", "critical") for o in lines), lines
    assert any("broken" in o["message"] for o in lines), lines


def test_the_flag_wins_over_the_environment(server_factory):
    s = server_factory(["identity_one"], split_stdout=True, env={"BERTH_LOG_LEVEL": "error"},
                       args=["--log-level", "info"])
    http_infer(s, rid="loud-1")
    access_line_for(s, "loud-1")


@pytest.mark.parametrize("how", ["flag", "env"])
def test_access_log_can_be_turned_off(server_factory, how):
    args, env = (["--no-access-log"], None) if how == "flag" else ((), {"BERTH_ACCESS_LOG": "0"})
    s = server_factory(["identity_one"], split_stdout=True, args=args, env=env)
    r, _ = http_infer(s, rid="off-1")
    assert r.status == 200 and r.headers["x-request-id"] == "off-1"
    _, echoed, err = grpc_infer(s, rid="off-2")
    assert err is None and echoed == "off-2"
    s.assert_stopped_cleanly()
    lines = parse_lines(s.stdout())
    assert not [o for o in lines if o["message"] == "access"], lines
    assert lines[-1]["message"] == "stopped", lines


def test_text_format_is_one_readable_line_each(server_factory):
    s = server_factory(["identity_one"], split_stdout=True, args=["--log-format", "text"])
    http_infer(s, rid="text-1")
    wait_for(lambda: "access request_id=text-1" in s.stdout(), 30, "the text access line",
             on_fail=lambda: "\n" + s.stdout())
    s.assert_stopped_cleanly()
    for line in s.stdout().splitlines():
        assert TIME.match(line.split(" ", 1)[0]), line
        assert line.split(" ")[1] in ("info", "warn", "error"), line


@pytest.mark.parametrize("args,env,named", [
    (["--log-level", "loud"], None, "--log-level"),
    ([], {"BERTH_LOG_LEVEL": "verbose"}, "BERTH_LOG_LEVEL"),
    ([], {"BERTH_ACCESS_LOG": "yes"}, "BERTH_ACCESS_LOG"),
    (["--log-format", "xml"], None, "xml"),
])
def test_bad_log_settings_stop_the_start(tmp_path, args, env, named):
    import os
    import subprocess
    proc = subprocess.run(
        [util.BERTH, "serve", "--model-repository", str(tmp_path), "--http-port", "0",
         "--grpc-port", "0", *args], env=dict(os.environ, **(env or {})),
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc
    assert named in proc.stderr, proc.stderr
