"""Every HTTP endpoint through tritonclient.http, plus raw-HTTP checks of the wire format
(JSON and binary tensors, keep-alive). Outputs are compared with `berth infer`."""
import json

import numpy as np
import pytest

from conftest import SHARED_MODELS, tritonclient_or_skip
import models
import util
from util import sample, sample_json_safe

tritonclient_or_skip()
import tritonclient.http as httpclient  # noqa: E402
from tritonclient.utils import InferenceServerException  # noqa: E402


@pytest.fixture(scope="module")
def client(server):
    c = server.http_client()
    yield c
    c.close()


def model_file(server, name, version=1):
    return f"{server.repo}/{name}/{version}/model.onnx"


def test_live_and_ready(client, server):
    assert client.is_server_live()
    assert client.is_server_ready()
    for path in ("/v2/health/live", "/v2/health/ready"):
        assert util.get(server.http_port, path).status == 200


def test_server_metadata(client):
    md = client.get_server_metadata()
    assert md["name"]
    assert "version" in md
    assert isinstance(md["extensions"], list)
    for ext in ("binary_tensor_data", "model_repository", "statistics", "model_configuration"):
        assert ext in md["extensions"], md


def test_model_metadata(client):
    md = client.get_model_metadata("simple")
    assert md["name"] == "simple"
    assert "1" in md["versions"]
    ins = {t["name"]: t for t in md["inputs"]}
    outs = {t["name"]: t for t in md["outputs"]}
    assert set(ins) == {"INPUT0", "INPUT1"} and set(outs) == {"OUTPUT0", "OUTPUT1"}
    for t in list(ins.values()) + list(outs.values()):
        assert t["datatype"] == "FP32", t
        assert [int(d) for d in t["shape"]] == [-1, 16], t
    md1 = client.get_model_metadata("simple", "1")
    assert md1["name"] == "simple" and [t["name"] for t in md1["inputs"]] == ["INPUT0", "INPUT1"]


@pytest.mark.parametrize("datatype", models.IDENTITY_DATATYPES)
def test_identity_metadata_datatype(client, datatype):
    md = client.get_model_metadata(f"identity_{datatype.lower()}")
    assert md["inputs"][0]["datatype"] == datatype
    assert md["outputs"][0]["datatype"] == datatype
    assert [int(d) for d in md["inputs"][0]["shape"]] == [-1, -1]


def test_model_metadata_two_versions(client):
    md = client.get_model_metadata("two_versions")
    assert sorted(md["versions"], key=int) == ["1", "2"]


def test_model_ready(client):
    assert client.is_model_ready("simple")
    assert client.is_model_ready("simple", "1")
    assert client.is_model_ready("two_versions", "1")
    assert client.is_model_ready("two_versions", "2")
    assert not client.is_model_ready("simple", "2")
    assert not client.is_model_ready("no_such_model")


def test_simple_infer_matches_berth_infer(client, server, tmp_path):
    a, b = sample("FP32", (3, 16), 11), sample("FP32", (3, 16), 12)
    ref = util.berth_infer(model_file(server, "simple"), [a, b], tmp_path)
    for binary in (False, True):
        i0 = httpclient.InferInput("INPUT0", [3, 16], "FP32")
        i1 = httpclient.InferInput("INPUT1", [3, 16], "FP32")
        i0.set_data_from_numpy(a, binary_data=binary)
        i1.set_data_from_numpy(b, binary_data=binary)
        outs = [httpclient.InferRequestedOutput(n, binary_data=binary)
                for n in ("OUTPUT0", "OUTPUT1")]
        r = client.infer("simple", [i0, i1], outputs=outs, request_id="req-7")
        resp = r.get_response()
        assert resp["model_name"] == "simple"
        assert resp["model_version"] == "1"
        assert resp.get("id") == "req-7"
        util.assert_same(r.as_numpy("OUTPUT0"), ref[0], f"OUTPUT0 binary={binary}")
        util.assert_same(r.as_numpy("OUTPUT1"), ref[1], f"OUTPUT1 binary={binary}")


def test_requested_output_subset(client):
    a = np.ones((1, 16), np.float32)
    i0 = httpclient.InferInput("INPUT0", [1, 16], "FP32")
    i1 = httpclient.InferInput("INPUT1", [1, 16], "FP32")
    i0.set_data_from_numpy(a)
    i1.set_data_from_numpy(a)
    r = client.infer("simple", [i0, i1], outputs=[httpclient.InferRequestedOutput("OUTPUT1")])
    names = [o["name"] for o in r.get_response()["outputs"]]
    assert names == ["OUTPUT1"]
    util.assert_same(r.as_numpy("OUTPUT1"), np.zeros((1, 16), np.float32))


def _identity_roundtrip(client, server, tmp_path, datatype, binary, shape=(3, 5)):
    a = sample(datatype, shape) if binary else sample_json_safe(datatype, shape)
    name = f"identity_{datatype.lower()}"
    (ref,) = util.berth_infer(model_file(server, name), [a], tmp_path)
    util.assert_same(ref, a, "berth infer itself")
    inp = httpclient.InferInput("INPUT0", list(shape), datatype)
    inp.set_data_from_numpy(a, binary_data=binary)
    r = client.infer(name, [inp],
                     outputs=[httpclient.InferRequestedOutput("OUTPUT0", binary_data=binary)])
    out = r.as_numpy("OUTPUT0")
    assert r.get_response()["outputs"][0]["datatype"] == datatype
    util.assert_same(out, ref, f"{datatype} binary={binary}")


@pytest.mark.parametrize("datatype", models.IDENTITY_DATATYPES)
def test_identity_binary(client, server, tmp_path, datatype):
    _identity_roundtrip(client, server, tmp_path, datatype, binary=True)


# FP16 has no JSON form in the protocol as Triton serves it: binary only.
@pytest.mark.parametrize("datatype", [d for d in models.IDENTITY_DATATYPES if d != "FP16"])
def test_identity_json(client, server, tmp_path, datatype):
    _identity_roundtrip(client, server, tmp_path, datatype, binary=False)


@pytest.mark.parametrize("datatype", ["FP32", "INT64", "BYTES", "BOOL", "UINT8"])
@pytest.mark.parametrize("binary", [False, True])
def test_identity_raw_http(server, datatype, binary):
    """The wire format written by hand (not by tritonclient)."""
    a = sample(datatype, (2, 4)) if binary else sample_json_safe(datatype, (2, 4))
    r = util.infer(server.http_port, f"identity_{datatype.lower()}", [("INPUT0", a)],
                   binary=binary)
    doc, outs = util.parse_infer_reply(r)
    assert doc["model_name"] == f"identity_{datatype.lower()}"
    util.assert_same(outs["OUTPUT0"], a)


def test_binary_input_json_output(server):
    a = sample("INT32", (2, 3))
    body, headers = util.binary_infer_body([("INPUT0", a)], outputs=["OUTPUT0"],
                                           binary_outputs=False)
    r = util.post(server.http_port, "/v2/models/identity_int32/infer", body, headers=headers)
    doc, outs = util.parse_infer_reply(r)
    assert "inference-header-content-length" not in r.headers
    assert doc["outputs"][0]["data"] == a.flatten().tolist()
    util.assert_same(outs["OUTPUT0"], a)


def test_json_input_binary_output(server):
    a = sample("FP64", (2, 3))
    body, headers = util.json_infer_body([("INPUT0", a)], outputs=["OUTPUT0"],
                                         binary_outputs=True)
    r = util.post(server.http_port, "/v2/models/identity_fp64/infer", body, headers=headers)
    assert "inference-header-content-length" in r.headers
    doc, outs = util.parse_infer_reply(r)
    assert doc["outputs"][0]["parameters"]["binary_data_size"] == a.nbytes
    util.assert_same(outs["OUTPUT0"], a)


def test_json_extreme_integers_exact(server):
    """64-bit integers must survive JSON exactly (no trip through a double)."""
    for dt, vals in (("INT64", [-2**63, 2**63 - 1, 2**53 + 1, -(2**53 + 1)]),
                     ("UINT64", [0, 2**64 - 1, 2**53 + 1, 2**63])):
        a = np.array([vals], dtype=util.V2_TO_NP[dt])
        r = util.infer(server.http_port, f"identity_{dt.lower()}", [("INPUT0", a)])
        doc, outs = util.parse_infer_reply(r)
        assert doc["outputs"][0]["data"] == vals, (dt, doc)


def test_json_floats_exact(server):
    f64 = np.array([[0.1, 1 / 3, 1e-300, -1.7976931348623157e308, 5e-324]], np.float64)
    r = util.infer(server.http_port, "identity_fp64", [("INPUT0", f64)])
    util.assert_same(util.parse_infer_reply(r)[1]["OUTPUT0"], f64)
    f32 = np.array([[0.1, 1 / 3, 3.4028235e38, 1e-45, -0.0]], np.float32)
    r = util.infer(server.http_port, "identity_fp32", [("INPUT0", f32)])
    util.assert_same(util.parse_infer_reply(r)[1]["OUTPUT0"], f32)


def test_fp16_sent_to_fp32_model(server):
    """FP16 given to a float input is converted (a documented convenience)."""
    a = np.array([[1.5, -2.25, 65504.0]], np.float16)
    r = util.infer(server.http_port, "identity_fp32", [("INPUT0", a)], binary=True)
    doc, outs = util.parse_infer_reply(r)
    util.assert_same(outs["OUTPUT0"], a.astype(np.float32))


def test_large_tensor(server, tmp_path):
    a = sample("FP32", (256, 4096), 5)  # 4 MiB
    for binary in (True, False):
        r = util.infer(server.http_port, "identity_fp32", [("INPUT0", a)], binary=binary)
        util.assert_same(util.parse_infer_reply(r)[1]["OUTPUT0"], a, f"binary={binary}")


def test_empty_tensor(server):
    a = np.zeros((0, 3), np.float32)
    r = util.infer(server.http_port, "identity_fp32", [("INPUT0", a)], binary=True)
    util.assert_same(util.parse_infer_reply(r)[1]["OUTPUT0"], a)


def test_versioned_infer(server):
    a = np.array([1, 2, 3], np.float32)
    for v in (1, 2):
        r = util.infer(server.http_port, "two_versions", [("INPUT0", a)], version=v)
        doc, outs = util.parse_infer_reply(r)
        assert doc["model_version"] == str(v)
        util.assert_same(outs["OUTPUT0"], a + np.float32(v))
    # No version: the highest ready one.
    doc, outs = util.parse_infer_reply(util.infer(server.http_port, "two_versions",
                                                  [("INPUT0", a)]))
    assert doc["model_version"] == "2"


def test_keep_alive(server):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=60)
    try:
        for i in range(20):
            a = np.full((1, 1), i, np.float32)
            r = util.infer(server.http_port, "identity_fp32", [("INPUT0", a)],
                           binary=bool(i % 2), conn=conn)
            util.assert_same(util.parse_infer_reply(r)[1]["OUTPUT0"], a)
            assert util.get(server.http_port, "/v2/health/ready", conn=conn).status == 200
    finally:
        conn.close()


def test_slow_model_matches_berth_infer(server, tmp_path):
    a = np.array([[3.25]], np.float32)
    (ref,) = util.berth_infer(model_file(server, "slow"), [a], tmp_path)
    r = util.infer(server.http_port, "slow", [("INPUT0", a)])
    util.assert_same(util.parse_infer_reply(r)[1]["OUTPUT0"], ref)


def test_model_config(client):
    cfg = client.get_model_config("batched")
    assert cfg["name"] == "batched"
    assert int(cfg["max_batch_size"]) == 8
    assert "dynamic_batching" in cfg
    assert [t["name"] for t in cfg["input"]] == ["INPUT0"]
    assert [t["name"] for t in cfg["output"]] == ["OUTPUT0", "OUTPUT1"]
    # Dims without the batch dimension when max_batch_size > 0.
    assert [int(d) for d in cfg["input"][0]["dims"]] == [4]
    simple = client.get_model_config("simple")
    assert simple["name"] == "simple"
    assert int(simple.get("max_batch_size", 0)) == 0
    assert [int(d) for d in simple["input"][0]["dims"]] == [-1, 16]
    assert client.get_model_config("simple", "1")["name"] == "simple"


def test_model_config_raw(server):
    for path in ("/v2/models/simple/config", "/v2/models/simple/versions/1/config"):
        r = util.get(server.http_port, path)
        assert r.status == 200, r
        assert r.json()["name"] == "simple"


def test_repository_index(client, server):
    index = client.get_model_repository_index()
    by_name = {}
    for e in index:
        by_name.setdefault(e["name"], []).append(e)
    for m in SHARED_MODELS:
        assert m in by_name, (m, index)
        assert all(e["state"] == "READY" for e in by_name[m]), by_name[m]
    assert sorted(e["version"] for e in by_name["two_versions"]) == ["1", "2"]
    r = util.post(server.http_port, "/v2/repository/index", b'{"ready": true}',
                  headers={"Content-Type": "application/json"})
    assert r.status == 200, r
    assert all(e["state"] == "READY" for e in r.json())


def test_load_unload_refused_in_mode_none(client):
    for call in (client.load_model, client.unload_model):
        with pytest.raises(InferenceServerException) as e:
            call("simple")
        assert e.value.status() == "400", (e.value.status(), e.value.message())
    assert client.is_model_ready("simple")


def _stats(client, name, version=""):
    st = client.get_inference_statistics(name, version)
    return st["model_stats"]


def test_statistics(client, server):
    before = {(s["name"], s["version"]): s for s in _stats(client, "identity_int8")}
    a = np.ones((1, 1), np.int8)
    for _ in range(5):
        util.parse_infer_reply(util.infer(server.http_port, "identity_int8", [("INPUT0", a)]))
    after = _stats(client, "identity_int8")
    assert len(after) == 1 and after[0]["name"] == "identity_int8"
    assert after[0]["version"] == "1"
    b = before.get(("identity_int8", "1"), {"inference_count": 0, "execution_count": 0})
    assert int(after[0]["inference_count"]) - int(b["inference_count"]) == 5
    assert int(after[0]["execution_count"]) - int(b["execution_count"]) == 5
    succ = after[0]["inference_stats"]["success"]
    assert int(succ["count"]) >= 5
    assert int(after[0]["last_inference"]) > 0
    # Per version and for every model.
    v1 = _stats(client, "identity_int8", "1")
    assert [s["version"] for s in v1] == ["1"]
    every = client.get_inference_statistics()["model_stats"]
    assert {"simple", "identity_int8", "batched"} <= {s["name"] for s in every}
    assert {s["version"] for s in every if s["name"] == "two_versions"} == {"1", "2"}
    for path in ("/v2/models/stats", "/v2/models/identity_int8/stats",
                 "/v2/models/identity_int8/versions/1/stats"):
        r = util.get(server.http_port, path)
        assert r.status == 200 and "model_stats" in r.json(), (path, r)


def test_statistics_unknown_model(client):
    with pytest.raises(InferenceServerException) as e:
        client.get_inference_statistics("no_such_model")
    assert e.value.status() == "404"
    assert "no_such_model" in e.value.message()


def test_async_infer_many(client, server):
    """Several requests in flight on the client's connection pool."""
    c = server.http_client(concurrency=4)
    try:
        arrays = [np.full((1, 16), i, np.float32) for i in range(16)]
        pending = []
        for a in arrays:
            i0 = httpclient.InferInput("INPUT0", [1, 16], "FP32")
            i1 = httpclient.InferInput("INPUT1", [1, 16], "FP32")
            i0.set_data_from_numpy(a)
            i1.set_data_from_numpy(np.ones((1, 16), np.float32))
            pending.append(c.async_infer("simple", [i0, i1]))
        for a, p in zip(arrays, pending):
            r = p.get_result()
            util.assert_same(r.as_numpy("OUTPUT0"), a + 1)
            util.assert_same(r.as_numpy("OUTPUT1"), a - 1)
    finally:
        c.close()
