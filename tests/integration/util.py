"""Helpers shared by the integration tests: raw HTTP, V2 request bodies, `berth infer`."""
import http.client
import json
import os
import re
import socket
import struct
import subprocess

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BERTH = os.environ.get("BERTH_BIN") or os.path.join(ROOT, "build", "bin", "berth")

NP_TO_V2 = {
    np.dtype(np.float32): "FP32", np.dtype(np.float64): "FP64", np.dtype(np.float16): "FP16",
    np.dtype(np.int8): "INT8", np.dtype(np.int16): "INT16", np.dtype(np.int32): "INT32",
    np.dtype(np.int64): "INT64", np.dtype(np.uint8): "UINT8", np.dtype(np.uint16): "UINT16",
    np.dtype(np.uint32): "UINT32", np.dtype(np.uint64): "UINT64", np.dtype(np.bool_): "BOOL",
    np.dtype(np.object_): "BYTES",
}
V2_TO_NP = {v: k for k, v in NP_TO_V2.items()}


def v2_datatype(array):
    return NP_TO_V2[np.asarray(array).dtype]


# --- raw HTTP ---------------------------------------------------------------------------

class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def error(self):
        """The "error" string of an error body ("" when there is none or it is not JSON)."""
        try:
            return str(self.json().get("error", ""))
        except Exception:
            return ""

    def __repr__(self):
        return f"Reply({self.status}, {self.body[:400]!r})"


def request(port, method, path, body=None, headers=None, timeout=120.0, conn=None):
    """One HTTP request on a new connection (or `conn`); returns a Reply."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        if own:
            conn.close()


def get(port, path, **kw):
    return request(port, "GET", path, **kw)


def post(port, path, body=b"", **kw):
    return request(port, "POST", path, body=body, **kw)


def announce(port, path, content_length, timeout=60.0):
    """Sends only the headers of a POST announcing `content_length` body bytes; returns the
    status code of the answer (which must come without the body), or None if none came."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {content_length}\r\n\r\n".encode())
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    parts = data.split(b" ", 2)
    return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None


def can_connect(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=5):
            return True
    except OSError:
        return False


# --- GET /metrics ----------------------------------------------------------------------

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """{(name, frozenset of (label, value)): value} of a Prometheus text exposition; fails on
    a line it cannot read."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        samples[(m.group(1), frozenset(_LABEL.findall(m.group(2) or "")))] = float(m.group(3))
    return samples


def scrape(port):
    """The parsed samples of GET /metrics."""
    r = get(port, "/metrics")
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4"), r.headers
    return parse_metrics(r.body.decode())


def metric(samples, name, **labels):
    """The sample `name` with exactly `labels`; fails when it is absent."""
    key = (name, frozenset(labels.items()))
    assert key in samples, f"no sample {name}{labels}"
    return samples[key]


def metric_sum(samples, name, **labels):
    """The sum of the samples `name` whose labels include `labels` (0 when none)."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


# --- V2 infer bodies --------------------------------------------------------------------

def _json_data(array):
    a = np.asarray(array)
    if a.dtype == np.object_:
        return [x.decode() if isinstance(x, bytes) else str(x) for x in a.flatten()]
    return a.flatten().tolist()


def serialize_bytes(array):
    out = bytearray()
    for x in np.asarray(array, dtype=object).flatten():
        b = x if isinstance(x, bytes) else str(x).encode()
        out += struct.pack("<I", len(b)) + b
    return bytes(out)


def deserialize_bytes(buf):
    items, i = [], 0
    while i < len(buf):
        (n,) = struct.unpack_from("<I", buf, i)
        items.append(bytes(buf[i + 4:i + 4 + n]))
        i += 4 + n
    return np.array(items, dtype=object)


def tensor_bytes(array):
    a = np.asarray(array)
    if a.dtype == np.object_:
        return serialize_bytes(a)
    return np.ascontiguousarray(a).tobytes()


def json_infer_body(inputs, outputs=None, parameters=None, binary_outputs=False, rid=None):
    """inputs: list of (name, array). A JSON-only body (outputs as JSON unless binary_outputs)."""
    body = {"inputs": [{"name": n, "shape": list(np.shape(a)), "datatype": v2_datatype(a),
                        "data": _json_data(a)} for n, a in inputs]}
    if rid is not None:
        body["id"] = rid
    if outputs is not None:
        body["outputs"] = [{"name": o, "parameters": {"binary_data": binary_outputs}}
                           for o in outputs]
    elif binary_outputs:
        body.setdefault("parameters", {})["binary_data_output"] = True
    if parameters:
        body.setdefault("parameters", {}).update(parameters)
    return json.dumps(body).encode(), {"Content-Type": "application/json"}


def binary_infer_body(inputs, outputs=None, parameters=None, binary_outputs=True):
    """The binary tensor extension: JSON header, then each input's bytes."""
    header = {"inputs": []}
    blobs = []
    for n, a in inputs:
        data = tensor_bytes(a)
        header["inputs"].append({"name": n, "shape": list(np.shape(a)),
                                 "datatype": v2_datatype(a),
                                 "parameters": {"binary_data_size": len(data)}})
        blobs.append(data)
    if outputs is not None:
        header["outputs"] = [{"name": o, "parameters": {"binary_data": binary_outputs}}
                             for o in outputs]
    else:
        header["parameters"] = {"binary_data_output": binary_outputs}
    if parameters:
        header.setdefault("parameters", {}).update(parameters)
    h = json.dumps(header).encode()
    return h + b"".join(blobs), {"Inference-Header-Content-Length": str(len(h)),
                                 "Content-Type": "application/octet-stream"}


def parse_infer_reply(reply):
    """(response JSON, {output name: numpy array}) of a 200 infer Reply, JSON or binary."""
    assert reply.status == 200, reply
    hlen = reply.headers.get("inference-header-content-length")
    if hlen is None:
        doc, rest = json.loads(reply.body), b""
    else:
        doc, rest = json.loads(reply.body[:int(hlen)]), reply.body[int(hlen):]
    arrays, offset = {}, 0
    for out in doc.get("outputs", []):
        dt, shape = out["datatype"], out["shape"]
        size = (out.get("parameters") or {}).get("binary_data_size")
        if size is not None:
            chunk = rest[offset:offset + size]
            offset += size
            if dt == "BYTES":
                a = deserialize_bytes(chunk)
            else:
                a = np.frombuffer(chunk, dtype=V2_TO_NP[dt]).copy()
        elif dt == "BYTES":
            a = np.array([x.encode() if isinstance(x, str) else x for x in out["data"]],
                         dtype=object)
        else:
            a = np.array(out["data"], dtype=V2_TO_NP[dt])
        arrays[out["name"]] = a.reshape(shape)
    assert offset == len(rest), "binary outputs do not add up to the body"
    return doc, arrays


def infer(port, model, inputs, version=None, binary=False, outputs=None, parameters=None,
          timeout=120.0, conn=None):
    """POSTs an infer request; returns the Reply."""
    if binary:
        body, headers = binary_infer_body(inputs, outputs, parameters)
    else:
        body, headers = json_infer_body(inputs, outputs, parameters)
    path = f"/v2/models/{model}" + (f"/versions/{version}" if version else "") + "/infer"
    return request(port, "POST", path, body=body, headers=headers, timeout=timeout, conn=conn)


# --- `berth infer`, the reference -------------------------------------------------------

def to_bytes_array(a):
    """A numpy string/bytes array as an object array of bytes (what the server returns)."""
    a = np.asarray(a)
    if a.dtype.kind in "OUS":
        return np.array([x.encode() if isinstance(x, str) else bytes(x) for x in a.flatten()],
                        dtype=object).reshape(a.shape)
    return a


def berth_infer(model_path, arrays, work_dir):
    """Runs `berth infer` on `arrays` (graph input order); returns the outputs in graph order."""
    os.makedirs(work_dir, exist_ok=True)
    paths = []
    for i, a in enumerate(arrays):
        p = os.path.join(work_dir, f"in_{i}.pb")
        a = np.asarray(a)
        with open(p, "wb") as f:
            f.write(numpy_helper.from_array(a).SerializeToString())
        paths.append(p)
    out_dir = os.path.join(work_dir, "out")
    r = subprocess.run([BERTH, "infer", str(model_path), "--inputs", *paths,
                        "--outputs-dir", out_dir], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"berth infer failed ({r.returncode}): {r.stderr}"
    outs = []
    i = 0
    while os.path.exists(os.path.join(out_dir, f"output_{i}.pb")):
        t = onnx.load_tensor(os.path.join(out_dir, f"output_{i}.pb"))
        if t.data_type == onnx.TensorProto.STRING:  # raw bytes, not necessarily UTF-8
            outs.append(np.array(list(t.string_data), dtype=object).reshape(tuple(t.dims)))
        else:
            outs.append(numpy_helper.to_array(t))
        i += 1
    return outs


def assert_same(actual, expected, what=""):
    """Exact equality of value, dtype and shape (the server runs the same engine)."""
    actual, expected = to_bytes_array(actual), to_bytes_array(expected)
    assert actual.shape == expected.shape, (what, actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (what, actual.dtype, expected.dtype)
    if actual.dtype.kind == "f":
        assert np.array_equal(actual, expected, equal_nan=True), (what, actual, expected)
    else:
        assert np.array_equal(actual, expected), (what, actual, expected)


# --- sample data ----------------------------------------------------------------------

def sample(datatype, shape=(2, 3), seed=0):
    """A deterministic array of `datatype` that exercises its range."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if datatype == "BYTES":
        pool = [b"", b"a", b"hello", "\u00e9t\u00e9".encode(), b"\x00\xff\x01", b"x" * 40]
        return np.array([pool[i % len(pool)] for i in range(n)], dtype=object).reshape(shape)
    if datatype == "BOOL":
        return (rng.integers(0, 2, n) == 1).reshape(shape)
    dt = np.dtype(V2_TO_NP[datatype])
    if dt.kind == "f":
        a = rng.standard_normal(n).astype(dt) * 100
        a.flat[0] = 0.1 if n > 1 else a.flat[0]
        return a.reshape(shape)
    info = np.iinfo(dt)
    a = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    a.flat[0] = info.min
    if n > 1:
        a.flat[1] = info.max
    return a.reshape(shape)


def sample_json_safe(datatype, shape=(2, 3), seed=0):
    """Like sample() but BYTES values are UTF-8 text (JSON carries strings)."""
    if datatype == "BYTES":
        pool = ["", "a", "hello", "\u00e9t\u00e9", "with space", "x" * 40]
        n = int(np.prod(shape))
        return np.array([pool[i % len(pool)].encode() for i in range(n)],
                        dtype=object).reshape(shape)
    return sample(datatype, shape, seed)
