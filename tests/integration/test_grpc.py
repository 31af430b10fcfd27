"""Every gRPC call through tritonclient.grpc (raw_input_contents), and typed `contents`
written with the generated stubs. Outputs are compared with `berth infer`."""
import grpc
import numpy as np
import pytest

from conftest import SHARED_MODELS, tritonclient_or_skip
import models
import util
from util import sample

tritonclient_or_skip()
import tritonclient.grpc as grpcclient  # noqa: E402
from tritonclient.grpc import service_pb2, service_pb2_grpc  # noqa: E402
from tritonclient.utils import InferenceServerException  # noqa: E402


@pytest.fixture(scope="module")
def client(server):
    c = server.grpc_client()
    yield c
    c.close()


@pytest.fixture(scope="module")
def stub(server):
    channel = grpc.insecure_channel(server.grpc_url)
    yield service_pb2_grpc.GRPCInferenceServiceStub(channel)
    channel.close()


def model_file(server, name, version=1):
    return f"{server.repo}/{name}/{version}/model.onnx"


def test_live_and_ready(client):
    assert client.is_server_live()
    assert client.is_server_ready()


def test_server_metadata(client):
    md = client.get_server_metadata(as_json=True)
    assert md["name"]
    assert "binary_tensor_data" in md.get("extensions", []), md


def test_model_metadata(client):
    md = client.get_model_metadata("simple")
    assert md.name == "simple"
    assert "1" in md.versions
    assert [t.name for t in md.inputs] == ["INPUT0", "INPUT1"]
    assert [t.name for t in md.outputs] == ["OUTPUT0", "OUTPUT1"]
    for t in list(md.inputs) + list(md.outputs):
        assert t.datatype == "FP32" and list(t.shape) == [-1, 16]
    assert client.get_model_metadata("simple", "1").name == "simple"
    with pytest.raises(InferenceServerException) as e:
        client.get_model_metadata("no_such_model")
    assert e.value.status() == "StatusCode.NOT_FOUND"
    assert "no_such_model" in e.value.message()


def test_model_ready(client):
    assert client.is_model_ready("simple")
    assert client.is_model_ready("two_versions", "2")
    assert not client.is_model_ready("simple", "2")
    assert not client.is_model_ready("no_such_model")


def test_simple_matches_berth_infer(client, server, tmp_path):
    a, b = sample("FP32", (4, 16), 21), sample("FP32", (4, 16), 22)
    ref = util.berth_infer(model_file(server, "simple"), [a, b], tmp_path)
    i0 = grpcclient.InferInput("INPUT0", [4, 16], "FP32")
    i1 = grpcclient.InferInput("INPUT1", [4, 16], "FP32")
    i0.set_data_from_numpy(a)
    i1.set_data_from_numpy(b)
    r = client.infer("simple", [i0, i1], request_id="g-1",
                     outputs=[grpcclient.InferRequestedOutput("OUTPUT0"),
                              grpcclient.InferRequestedOutput("OUTPUT1")])
    resp = r.get_response()
    assert resp.model_name == "simple" and resp.model_version == "1" and resp.id == "g-1"
    util.assert_same(r.as_numpy("OUTPUT0"), ref[0])
    util.assert_same(r.as_numpy("OUTPUT1"), ref[1])


def test_requested_output_subset(client):
    a = np.ones((1, 16), np.float32)
    i0 = grpcclient.InferInput("INPUT0", [1, 16], "FP32")
    i1 = grpcclient.InferInput("INPUT1", [1, 16], "FP32")
    i0.set_data_from_numpy(a)
    i1.set_data_from_numpy(a * 3)
    r = client.infer("simple", [i0, i1], outputs=[grpcclient.InferRequestedOutput("OUTPUT1")])
    assert [o.name for o in r.get_response().outputs] == ["OUTPUT1"]
    util.assert_same(r.as_numpy("OUTPUT1"), a - a * 3)


@pytest.mark.parametrize("datatype", models.IDENTITY_DATATYPES)
def test_identity_raw_contents(client, server, tmp_path, datatype):
    a = sample(datatype, (3, 4))
    name = f"identity_{datatype.lower()}"
    (ref,) = util.berth_infer(model_file(server, name), [a], tmp_path)
    inp = grpcclient.InferInput("INPUT0", [3, 4], datatype)
    inp.set_data_from_numpy(a)
    r = client.infer(name, [inp])
    out = r.get_response().outputs[0]
    assert out.datatype == datatype and list(out.shape) == [3, 4]
    util.assert_same(r.as_numpy("OUTPUT0"), ref, datatype)


# Which InferTensorContents field carries each datatype (FP16 has none: raw only).
TYPED_FIELD = {
    "BOOL": "bool_contents", "INT8": "int_contents", "INT16": "int_contents",
    "INT32": "int_contents", "INT64": "int64_contents", "UINT8": "uint_contents",
    "UINT16": "uint_contents", "UINT32": "uint_contents", "UINT64": "uint64_contents",
    "FP32": "fp32_contents", "FP64": "fp64_contents", "BYTES": "bytes_contents",
}


def decode_raw(datatype, raw, shape):
    if datatype == "BYTES":
        return util.deserialize_bytes(raw).reshape(shape)
    return np.frombuffer(raw, dtype=util.V2_TO_NP[datatype]).reshape(shape)


@pytest.mark.parametrize("datatype", [d for d in models.IDENTITY_DATATYPES if d in TYPED_FIELD])
def test_identity_typed_contents(stub, datatype):
    a = sample(datatype, (2, 3))
    req = service_pb2.ModelInferRequest(model_name=f"identity_{datatype.lower()}")
    t = req.inputs.add(name="INPUT0", datatype=datatype, shape=[2, 3])
    getattr(t.contents, TYPED_FIELD[datatype]).extend(
        [bytes(x) if datatype == "BYTES" else x.item() for x in a.flatten()])
    resp = stub.ModelInfer(req, timeout=60)
    assert resp.outputs[0].name == "OUTPUT0"
    assert resp.outputs[0].datatype == datatype
    if resp.raw_output_contents:
        out = decode_raw(datatype, resp.raw_output_contents[0], list(resp.outputs[0].shape))
    else:
        out = np.array(list(getattr(resp.outputs[0].contents, TYPED_FIELD[datatype])),
                       dtype=util.V2_TO_NP[datatype]).reshape(list(resp.outputs[0].shape))
    util.assert_same(out, a, datatype)


def test_typed_and_raw_mixed_is_refused(stub):
    """Both contents and raw_input_contents for the protocol is an error, naming the input."""
    req = service_pb2.ModelInferRequest(model_name="identity_fp32")
    t = req.inputs.add(name="INPUT0", datatype="FP32", shape=[1, 1])
    t.contents.fp32_contents.append(1.0)
    req.raw_input_contents.append(np.ones(1, np.float32).tobytes())
    with pytest.raises(grpc.RpcError) as e:
        stub.ModelInfer(req, timeout=60)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT, e.value
    assert "INPUT0" in e.value.details()


def test_large_tensor(client):
    a = sample("FP32", (256, 4096), 9)  # 4 MiB, under the default 64 MiB limit
    inp = grpcclient.InferInput("INPUT0", list(a.shape), "FP32")
    inp.set_data_from_numpy(a)
    util.assert_same(client.infer("identity_fp32", [inp]).as_numpy("OUTPUT0"), a)


def test_versioned_infer(client):
    a = np.array([5, 6], np.float32)
    for v in ("1", "2"):
        inp = grpcclient.InferInput("INPUT0", [2], "FP32")
        inp.set_data_from_numpy(a)
        r = client.infer("two_versions", [inp], model_version=v)
        assert r.get_response().model_version == v
        util.assert_same(r.as_numpy("OUTPUT0"), a + np.float32(int(v)))


def test_model_config(client):
    cfg = client.get_model_config("batched", as_json=True)["config"]
    assert cfg["name"] == "batched"
    assert int(cfg["max_batch_size"]) == 8
    assert "dynamic_batching" in cfg
    assert [t["name"] for t in cfg["input"]] == ["INPUT0"]
    assert [int(d) for d in cfg["input"][0]["dims"]] == [4]
    assert client.get_model_config("simple").config.name == "simple"


def test_repository_index(client):
    index = client.get_model_repository_index(as_json=True).get("models", [])
    names = {m["name"] for m in index}
    assert set(SHARED_MODELS) <= names, index
    for m in index:
        if m["name"] in SHARED_MODELS:
            assert m.get("state") == "READY", m


def test_load_unload_refused_in_mode_none(client):
    for call in (client.load_model, client.unload_model):
        with pytest.raises(InferenceServerException) as e:
            call("simple")
        # 400 over HTTP is INVALID_ARGUMENT (or FAILED_PRECONDITION) over gRPC.
        assert e.value.status() in ("StatusCode.INVALID_ARGUMENT",
                                    "StatusCode.FAILED_PRECONDITION"), e.value
    assert client.is_model_ready("simple")


def test_statistics(client):
    def counts():
        st = client.get_inference_statistics("identity_int16", as_json=True)
        s = st.get("model_stats", [{}])[0]
        return int(s.get("inference_count", 0)), int(s.get("execution_count", 0))

    before = counts()
    a = np.ones((1, 2), np.int16)
    for _ in range(4):
        inp = grpcclient.InferInput("INPUT0", [1, 2], "INT16")
        inp.set_data_from_numpy(a)
        client.infer("identity_int16", [inp])
    after = counts()
    assert after[0] - before[0] == 4 and after[1] - before[1] == 4, (before, after)
    st = client.get_inference_statistics("identity_int16", "1", as_json=True)
    assert [s["version"] for s in st["model_stats"]] == ["1"]
    every = client.get_inference_statistics(as_json=True)["model_stats"]
    assert {"simple", "identity_int16"} <= {s["name"] for s in every}


def test_concurrent_clients(server):
    import threading
    results, errors = {}, []

    def work(k):
        c = server.grpc_client()
        try:
            for i in range(10):
                a = np.full((1, 16), k * 100 + i, np.float32)
                i0 = grpcclient.InferInput("INPUT0", [1, 16], "FP32")
                i1 = grpcclient.InferInput("INPUT1", [1, 16], "FP32")
                i0.set_data_from_numpy(a)
                i1.set_data_from_numpy(a)
                r = c.infer("simple", [i0, i1])
                results[(k, i)] = np.array_equal(r.as_numpy("OUTPUT0"), a * 2)
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            c.close()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert len(results) == 40 and all(results.values())
