"""Every error path of the contract, over raw HTTP (status code and {"error": ...} naming the
input or model) and over gRPC (status code and details)."""
import json
import socket

import grpc
import numpy as np
import pytest

from conftest import tritonclient_or_skip, wait_for
import models
import util

tritonclient_or_skip()
from tritonclient.grpc import service_pb2, service_pb2_grpc  # noqa: E402

F32 = np.ones((1, 16), np.float32)


def assert_error(reply, status, *fragments):
    assert reply.status == status, (status, reply)
    doc = reply.json()  # the body must be JSON
    assert isinstance(doc, dict) and isinstance(doc.get("error"), str) and doc["error"], doc
    for f in fragments:
        assert f in doc["error"], (f, doc["error"])


def infer_raw(server, model, doc, path=None):
    body = json.dumps(doc).encode() if not isinstance(doc, bytes) else doc
    return util.post(server.http_port, path or f"/v2/models/{model}/infer", body,
                     headers={"Content-Type": "application/json"})


def t(name, shape, datatype, data):
    return {"name": name, "shape": shape, "datatype": datatype, "data": data}


ONES16 = [1.0] * 16


# --- 400: bad arguments, naming the input ------------------------------------------------

def test_shape_mismatch(server):
    r = infer_raw(server, "simple", {"inputs": [t("INPUT0", [1, 15], "FP32", [1.0] * 15),
                                                t("INPUT1", [1, 16], "FP32", ONES16)]})
    assert_error(r, 400, "INPUT0")


def test_rank_mismatch(server):
    r = infer_raw(server, "simple", {"inputs": [t("INPUT0", [1, 16], "FP32", ONES16),
                                                t("INPUT1", [16], "FP32", ONES16)]})
    assert_error(r, 400, "INPUT1")


def test_datatype_mismatch(server):
    r = infer_raw(server, "simple", {"inputs": [t("INPUT0", [1, 16], "FP32", ONES16),
                                                t("INPUT1", [1, 16], "INT32", [1] * 16)]})
    assert_error(r, 400, "INPUT1")


def test_unknown_datatype(server):
    r = infer_raw(server, "simple", {"inputs": [t("INPUT0", [1, 16], "FLOAT", ONES16),
                                                t("INPUT1", [1, 16], "FP32", ONES16)]})
    assert_error(r, 400, "FLOAT")


def test_json_element_count_mismatch(server):
    r = infer_raw(server, "simple", {"inputs": [t("INPUT0", [1, 16], "FP32", ONES16),
                                                t("INPUT1", [1, 16], "FP32", [1.0] * 15)]})
    assert_error(r, 400, "INPUT1")


def test_json_value_of_wrong_kind(server):
    r = infer_raw(server, "simple", {"inputs": [t("INPUT0", [1, 16], "FP32", ["a"] * 16),
                                                t("INPUT1", [1, 16], "FP32", ONES16)]})
    assert_error(r, 400, "INPUT0")


def test_json_integer_out_of_range(server):
    r = infer_raw(server, "identity_int8", {"inputs": [t("INPUT0", [1, 2], "INT8", [1, 300])]})
    assert_error(r, 400, "INPUT0")


def test_binary_wrong_byte_size(server):
    body, headers = util.binary_infer_body([("INPUT0", F32), ("INPUT1", F32)])
    header_len = int(headers["Inference-Header-Content-Length"])
    doc = json.loads(body[:header_len])
    doc["inputs"][1]["parameters"]["binary_data_size"] = 60  # 16 floats are 64 bytes
    h = json.dumps(doc).encode()
    r = util.post(server.http_port, "/v2/models/simple/infer", h + F32.tobytes() + F32.tobytes()[:60],
                  headers={"Inference-Header-Content-Length": str(len(h))})
    assert_error(r, 400, "INPUT1")


def test_binary_sizes_beyond_body(server):
    body, headers = util.binary_infer_body([("INPUT0", F32), ("INPUT1", F32)])
    r = util.post(server.http_port, "/v2/models/simple/infer", body[:-10], headers=headers)
    assert r.status == 400, r
    assert r.error


def test_header_length_beyond_body(server):
    r = util.post(server.http_port, "/v2/models/simple/infer", b'{"inputs": []}',
                  headers={"Inference-Header-Content-Length": "1000"})
    assert r.status == 400, r
    assert r.error


def test_header_length_not_a_number(server):
    r = util.post(server.http_port, "/v2/models/simple/infer", b'{"inputs": []}',
                  headers={"Inference-Header-Content-Length": "ten"})
    assert r.status == 400, r


def test_duplicate_input(server):
    r = infer_raw(server, "simple", {"inputs": [t("INPUT0", [1, 16], "FP32", ONES16),
                                                t("INPUT1", [1, 16], "FP32", ONES16),
                                                t("INPUT0", [1, 16], "FP32", ONES16)]})
    assert_error(r, 400, "INPUT0")


def test_missing_input(server):
    r = infer_raw(server, "simple", {"inputs": [t("INPUT0", [1, 16], "FP32", ONES16)]})
    assert_error(r, 400, "INPUT1")


def test_unknown_input(server):
    r = infer_raw(server, "simple", {"inputs": [t("INPUT0", [1, 16], "FP32", ONES16),
                                                t("INPUT1", [1, 16], "FP32", ONES16),
                                                t("INPUT9", [1, 16], "FP32", ONES16)]})
    assert_error(r, 400, "INPUT9")


def test_unknown_output(server):
    r = infer_raw(server, "simple", {"inputs": [t("INPUT0", [1, 16], "FP32", ONES16),
                                                t("INPUT1", [1, 16], "FP32", ONES16)],
                                     "outputs": [{"name": "OUTPUT7"}]})
    assert_error(r, 400, "OUTPUT7")


def test_too_many_rows_for_max_batch_size(server):
    a = np.ones((9, 4), np.float32)  # max_batch_size 8
    r = util.infer(server.http_port, "batched", [("INPUT0", a)])
    assert_error(r, 400, "INPUT0")


def test_negative_dimension(server):
    r = infer_raw(server, "identity_fp32", {"inputs": [t("INPUT0", [-1, 2], "FP32", [1.0, 2.0])]})
    assert_error(r, 400, "INPUT0")


def test_shape_overflow(server):
    r = infer_raw(server, "identity_fp32",
                  {"inputs": [t("INPUT0", [2**62, 2**62], "FP32", [1.0])]})
    assert_error(r, 400, "INPUT0")


def test_over_max_input_elements(server):
    # Default --max-input-elements is 2^28; announce 2^29 elements in a tiny body.
    r = infer_raw(server, "identity_fp32", {"inputs": [t("INPUT0", [2**15, 2**14], "FP32", [1.0])]})
    assert_error(r, 400, "INPUT0")


def test_malformed_json(server):
    for body in (b"{", b"[]", b'{"inputs": 3}', b'{"inputs": [{"name": 1}]}', b"\xff\xfe"):
        r = infer_raw(server, "simple", body)
        assert r.status == 400, (body, r)
        assert r.error, (body, r)


def test_no_inputs(server):
    r = infer_raw(server, "simple", {"inputs": []})
    assert r.status == 400, r


def test_json_too_deep(server):
    deep = b'{"inputs": [], "parameters": {"a": ' + b"[" * 40 + b"]" * 40 + b"}}"
    r = infer_raw(server, "simple", deep)  # default --max-json-depth is 32
    assert r.status == 400, r


# --- 404 / 400 for names -----------------------------------------------------------------

def test_unknown_model(server):
    a = np.ones((1, 1), np.float32)
    r = util.infer(server.http_port, "no_such_model", [("INPUT0", a)])
    assert_error(r, 404, "no_such_model")
    for path in ("/v2/models/no_such_model", "/v2/models/no_such_model/config",
                 "/v2/models/no_such_model/stats"):
        assert_error(util.get(server.http_port, path), 404, "no_such_model")
    r = util.get(server.http_port, "/v2/models/no_such_model/ready")
    assert r.status == 404, r


def test_unknown_version(server):
    a = np.ones((1, 16), np.float32)
    r = util.infer(server.http_port, "simple", [("INPUT0", a), ("INPUT1", a)], version=7)
    assert_error(r, 404, "7")
    for path in ("/v2/models/simple/versions/7", "/v2/models/simple/versions/7/config",
                 "/v2/models/simple/versions/7/stats"):
        assert util.get(server.http_port, path).status == 404, path
    assert util.get(server.http_port, "/v2/models/simple/versions/7/ready").status == 404


@pytest.mark.parametrize("text", ["abc", "0", "-1", "01", "1.0", "99999999999999999999"])
def test_invalid_version_text(server, text):
    r = util.get(server.http_port, f"/v2/models/simple/versions/{text}")
    assert r.status in (400, 404), r
    assert text in r.error, r


# (URL-encoded path segment, what the message must show of the decoded name)
BAD_NAMES = [
    ("..%2Fx", ".."),          # ../x
    ("a%2F..%2Fb", ".."),      # a/../b
    ("%2e%2e", ".."),          # ..
    ("%2E%2E%2Fsimple", ".."),
    (".hidden", ".hidden"),
    ("bad%01name", "name"),    # control byte
    ("bad%00name", "name"),    # NUL
    ("sp%20ace", "ace"),
    ("back%5Cslash", "slash"),
    ("x" * 129, "x" * 20),     # too long
]


@pytest.mark.parametrize("segment,shown", BAD_NAMES, ids=[b[0][:16] for b in BAD_NAMES])
def test_invalid_model_name_http(server, segment, shown):
    for method, suffix in (("GET", ""), ("GET", "/ready"), ("GET", "/config"),
                           ("POST", "/infer"), ("GET", "/stats")):
        body = b'{"inputs": []}' if method == "POST" else None
        r = util.request(server.http_port, method, f"/v2/models/{segment}{suffix}", body=body)
        assert r.status == 400, (segment, suffix, r)
        # The message names the model, decoded or as it came in the URL.
        assert shown in r.error or segment[:20] in r.error, (segment, suffix, r)


def test_literal_dot_segments(server):
    """Unencoded dot segments never reach a file: 400 (invalid name) or 404, never 200."""
    for path in ("/v2/models/../simple", "/v2/models/./simple", "/v2/models/simple/../simple",
                 "/v2/models/%2e%2e/%2e%2e/simple"):
        r = util.get(server.http_port, path)
        assert r.status in (400, 404), (path, r)
        assert r.error, (path, r)


def test_unknown_route(server):
    for method, path in (("GET", "/v3"), ("GET", "/v2/nothing"), ("POST", "/v2/health/live")):
        r = util.request(server.http_port, method, path, body=b"" if method == "POST" else None)
        assert 400 <= r.status < 500, (method, path, r)


# --- 413 ---------------------------------------------------------------------------------

def test_content_length_over_limit_answered_before_body(server):
    """Announces 64 MiB + 1 and sends no body: the 413 must come without it."""
    assert util.announce(server.http_port, "/v2/models/simple/infer", 64 * 1024 * 1024 + 1) == 413
    assert util.announce(server.http_port, "/v2/repository/index", 2**40) == 413


# --- gRPC --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stub(server):
    channel = grpc.insecure_channel(server.grpc_url)
    yield service_pb2_grpc.GRPCInferenceServiceStub(channel)
    channel.close()


def grpc_request(model, inputs, version=""):
    req = service_pb2.ModelInferRequest(model_name=model, model_version=version)
    for name, a, dt in inputs:
        req.inputs.add(name=name, datatype=dt, shape=list(a.shape))
        req.raw_input_contents.append(util.tensor_bytes(a))
    return req


def grpc_error(stub, req):
    with pytest.raises(grpc.RpcError) as e:
        stub.ModelInfer(req, timeout=60)
    return e.value.code(), e.value.details()


def test_grpc_bad_arguments(stub):
    ok = np.ones((1, 16), np.float32)
    cases = [
        ([("INPUT0", np.ones((1, 15), np.float32), "FP32"), ("INPUT1", ok, "FP32")], "INPUT0"),
        ([("INPUT0", ok, "FP32"), ("INPUT1", np.ones((1, 16), np.int32), "INT32")], "INPUT1"),
        ([("INPUT0", ok, "FP32")], "INPUT1"),
        ([("INPUT0", ok, "FP32"), ("INPUT1", ok, "FP32"), ("INPUT0", ok, "FP32")], "INPUT0"),
        ([("INPUT0", ok, "FP32"), ("INPUT1", ok, "FP32"), ("INPUT5", ok, "FP32")], "INPUT5"),
    ]
    for inputs, named in cases:
        code, details = grpc_error(stub, grpc_request("simple", inputs))
        assert code == grpc.StatusCode.INVALID_ARGUMENT, (named, code, details)
        assert named in details, (named, details)


def test_grpc_wrong_raw_size(stub):
    req = grpc_request("simple", [("INPUT0", F32, "FP32"), ("INPUT1", F32, "FP32")])
    req.raw_input_contents[1] = req.raw_input_contents[1][:60]
    code, details = grpc_error(stub, req)
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "INPUT1" in details, (code, details)


def test_grpc_raw_count_mismatch(stub):
    req = grpc_request("simple", [("INPUT0", F32, "FP32"), ("INPUT1", F32, "FP32")])
    del req.raw_input_contents[1]
    code, details = grpc_error(stub, req)
    assert code == grpc.StatusCode.INVALID_ARGUMENT, (code, details)


def test_grpc_typed_count_mismatch(stub):
    req = service_pb2.ModelInferRequest(model_name="identity_fp32")
    tensor = req.inputs.add(name="INPUT0", datatype="FP32", shape=[1, 3])
    tensor.contents.fp32_contents.extend([1.0, 2.0])
    code, details = grpc_error(stub, req)
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "INPUT0" in details, (code, details)


def test_grpc_unknown_model_and_version(stub):
    code, details = grpc_error(stub, grpc_request("no_such_model", [("INPUT0", F32, "FP32")]))
    assert code == grpc.StatusCode.NOT_FOUND and "no_such_model" in details, (code, details)
    req = grpc_request("simple", [("INPUT0", F32, "FP32"), ("INPUT1", F32, "FP32")], "9")
    code, details = grpc_error(stub, req)
    assert code == grpc.StatusCode.NOT_FOUND and "9" in details, (code, details)


@pytest.mark.parametrize("name", ["../x", "a/../b", "..", ".", "bad\x01name", "sp ace",
                                  "x" * 129, ""])
def test_grpc_invalid_model_name(stub, name):
    code, details = grpc_error(stub, grpc_request(name, [("INPUT0", F32, "FP32")]))
    assert code == grpc.StatusCode.INVALID_ARGUMENT, (name, code, details)
    with pytest.raises(grpc.RpcError) as e:
        stub.ModelMetadata(service_pb2.ModelMetadataRequest(name=name), timeout=60)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (name, e.value)


# --- a server with small limits ---------------------------------------------------------

@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    from conftest import Server
    repo = models.build_repository(tmp_path_factory.mktemp("limited_repo"),
                                   ["simple", "identity_fp32"])
    s = Server(repo, tmp_path_factory.mktemp("limited_logs") / "server.log", "none",
               ["--max-request-bytes", 65536, "--max-json-depth", 8,
                "--max-input-elements", 1000, "--grpc-max-message-bytes", 65536,
                "--http-threads", 2, "--intra-op-threads", 1])
    s.start()
    yield s
    s.assert_stopped_cleanly()


def test_limit_request_bytes(limited):
    a = np.ones((1, 900), np.float32)
    ok = util.infer(limited.http_port, "identity_fp32", [("INPUT0", a)], binary=True)
    assert ok.status == 200, ok
    # 80 kB > 64 KiB, announced and not sent (a client sending the body anyway may see the
    # connection reset before it reads the answer).
    assert util.announce(limited.http_port, "/v2/models/identity_fp32/infer", 80000) == 413
    assert util.announce(limited.http_port, "/v2/models/identity_fp32/infer", 65537) == 413
    # The server stays usable.
    assert util.infer(limited.http_port, "identity_fp32", [("INPUT0", a)]).status == 200


def test_limit_json_depth(limited):
    ok = b'{"inputs": [{"name": "INPUT0", "shape": [1, 1], "datatype": "FP32", "data": [[1.0]]}]}'
    assert infer_raw(limited, "identity_fp32", ok).status == 200
    deep = (b'{"inputs": [{"name": "INPUT0", "shape": [1, 1], "datatype": "FP32", "data": '
            + b"[" * 12 + b"1.0" + b"]" * 12 + b"}]}")
    r = infer_raw(limited, "identity_fp32", deep)
    assert r.status == 400, r


def test_limit_input_elements(limited):
    ok = np.ones((10, 100), np.float32)
    assert util.infer(limited.http_port, "identity_fp32", [("INPUT0", ok)],
                      binary=True).status == 200
    over = np.ones((7, 143), np.float32)  # 1001 elements
    r = util.infer(limited.http_port, "identity_fp32", [("INPUT0", over)], binary=True)
    assert_error(r, 400, "INPUT0")
    stub = service_pb2_grpc.GRPCInferenceServiceStub(grpc.insecure_channel(limited.grpc_url))
    code, details = grpc_error(stub, grpc_request("identity_fp32", [("INPUT0", over, "FP32")]))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "INPUT0" in details, (code, details)


def test_limit_grpc_message_bytes(limited):
    channel = grpc.insecure_channel(limited.grpc_url)
    stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
    big = np.ones((1, 20000), np.float32)
    code, details = grpc_error(stub, grpc_request("identity_fp32", [("INPUT0", big, "FP32")]))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED, (code, details)
    small = np.ones((1, 10), np.float32)
    resp = stub.ModelInfer(grpc_request("identity_fp32", [("INPUT0", small, "FP32")]), timeout=60)
    assert resp.model_name == "identity_fp32"
    channel.close()


# --- a model that fails to load ---------------------------------------------------------

def test_broken_model_is_failed_not_fatal(server_factory):
    s = server_factory(["broken", "simple"])
    r = util.get(s.http_port, "/v2/models/broken/ready")
    assert r.status != 200, r
    index = util.post(s.http_port, "/v2/repository/index", b"{}").json()
    broken = [e for e in index if e["name"] == "broken"]
    assert broken, index
    assert all(e["state"] != "READY" for e in broken), broken
    assert any(e.get("reason") for e in broken), broken
    a = np.ones((1, 1), np.float32)
    r = util.infer(s.http_port, "broken", [("INPUT0", a)])
    assert_error(r, 503, "broken")
    stub = service_pb2_grpc.GRPCInferenceServiceStub(grpc.insecure_channel(s.grpc_url))
    code, details = grpc_error(stub, grpc_request("broken", [("INPUT0", a, "FP32")]))
    assert code == grpc.StatusCode.UNAVAILABLE and "broken" in details, (code, details)
    # The rest serves.
    b = np.ones((1, 16), np.float32)
    assert util.infer(s.http_port, "simple", [("INPUT0", b), ("INPUT1", b)]).status == 200


# --- admin token --------------------------------------------------------------------------

def test_admin_token(server_factory, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\n")
    s = server_factory(["simple", "identity_one"], mode="explicit",
                       args=["--admin-token-file", token_file])
    good = {"Authorization": "Bearer s3cret-token"}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-token"},
                    {"Authorization": "Basic s3cret-token"}):
        for call in ("load", "unload"):
            r = util.post(s.http_port, f"/v2/repository/models/simple/{call}", b"",
                          headers=headers)
            assert r.status == 401, (call, headers, r)
            assert r.error, r
    assert util.get(s.http_port, "/v2/models/simple/ready").status != 200
    r = util.post(s.http_port, "/v2/repository/models/simple/load", b"", headers=good)
    assert r.status == 200, r
    assert util.get(s.http_port, "/v2/models/simple/ready").status == 200
    # gRPC: the same token in the authorization metadata.
    channel = grpc.insecure_channel(s.grpc_url)
    stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
    with pytest.raises(grpc.RpcError) as e:
        stub.RepositoryModelLoad(service_pb2.RepositoryModelLoadRequest(model_name="identity_one"),
                                 timeout=60)
    assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED, e.value
    with pytest.raises(grpc.RpcError) as e:
        stub.RepositoryModelUnload(service_pb2.RepositoryModelUnloadRequest(model_name="simple"),
                                   timeout=60, metadata=[("authorization", "Bearer nope")])
    assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED, e.value
    stub.RepositoryModelLoad(service_pb2.RepositoryModelLoadRequest(model_name="identity_one"),
                             timeout=60, metadata=[("authorization", "Bearer s3cret-token")])
    r = util.post(s.http_port, "/v2/repository/models/simple/unload", b"", headers=good)
    assert r.status == 200, r
    assert util.get(s.http_port, "/v2/models/identity_one/ready").status == 200
    channel.close()


def test_load_unload_refused_in_poll_mode(server_factory):
    s = server_factory(["simple"], mode="poll", args=["--repository-poll-secs", "0.5"])
    for call in ("load", "unload"):
        r = util.post(s.http_port, f"/v2/repository/models/simple/{call}", b"")
        assert r.status == 400, (call, r)
        assert r.error
    assert util.get(s.http_port, "/v2/models/simple/ready").status == 200


def test_explicit_mode_errors(server_factory):
    s = server_factory(["simple"], mode="explicit")
    # Not loaded: not ready, and inference is refused naming the model.
    assert util.get(s.http_port, "/v2/models/simple/ready").status != 200
    a = np.ones((1, 16), np.float32)
    r = util.infer(s.http_port, "simple", [("INPUT0", a), ("INPUT1", a)])
    assert r.status in (404, 503), r
    assert "simple" in r.error
    # Loading what the repository does not have: 4xx naming it; invalid names: 400.
    r = util.post(s.http_port, "/v2/repository/models/not_there/load", b"")
    assert 400 <= r.status < 500 and "not_there" in r.error, r
    r = util.post(s.http_port, "/v2/repository/models/..%2Fetc/load", b"")
    assert r.status == 400, r
    r = util.post(s.http_port, "/v2/repository/models/%2e%2e/unload", b"")
    assert r.status == 400, r


def test_raw_control_byte_in_path(server):
    """A control byte sent as is (not %-encoded) in the request target: 400, connection or
    not, and the server goes on."""
    for target in (b"/v2/models/bad\x01name/ready", b"/v2/models/bad\x7fname"):
        with socket.create_connection(("127.0.0.1", server.http_port), timeout=30) as s:
            s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            data = s.recv(4096)
        assert data.startswith(b"HTTP/1.1 400"), (target, data[:200])
    assert util.get(server.http_port, "/v2/health/live").status == 200


def test_longest_valid_name_is_unknown_not_invalid(server):
    r = util.get(server.http_port, "/v2/models/" + "m" * 128)
    assert r.status == 404, r


def test_connections_over_the_limit_get_503_and_room_comes_back(server_factory):
    s = server_factory(["simple"], args=["--max-connections", "2"])
    live = b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n"

    def open_one():
        c = socket.create_connection(("127.0.0.1", s.http_port), timeout=30)
        c.sendall(live)
        return c, c.recv(65536)

    held = [open_one(), open_one()]
    assert all(reply.startswith(b"HTTP/1.1 200") for _, reply in held), held
    extra, reply = open_one()
    assert reply.startswith(b"HTTP/1.1 503"), reply
    assert b"too many open connections (the limit is 2)" in reply, reply
    extra.close()
    held[0][0].close()
    # The closed connection's room is given back (bounded wait: the close is asynchronous).
    wait_for(lambda: open_one()[1].startswith(b"HTTP/1.1 200"), 30, "room for a connection")
    held[1][0].close()
