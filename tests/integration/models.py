"""Small ONNX models for the inference server's end-to-end tests, built with onnx.helper.

Every model is opset 17, IR 8. `build_repository(root, names)` writes the chosen ones as
root/<model>/<version>/model.onnx (+ root/<model>/config.yaml). The module is also a script:
`python models.py DIR` writes every model into DIR (handy for trying the server by hand).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8

# Protocol datatype -> (ONNX element type, numpy dtype). The identity models are built for
# each; IDENTITY_DATATYPES lists those the engine runs (checked by test_models.py with
# `berth infer`).
DATATYPES = {
    "FP32": (TensorProto.FLOAT, np.float32),
    "FP64": (TensorProto.DOUBLE, np.float64),
    "FP16": (TensorProto.FLOAT16, np.float16),
    "INT8": (TensorProto.INT8, np.int8),
    "INT16": (TensorProto.INT16, np.int16),
    "INT32": (TensorProto.INT32, np.int32),
    "INT64": (TensorProto.INT64, np.int64),
    "UINT8": (TensorProto.UINT8, np.uint8),
    "UINT16": (TensorProto.UINT16, np.uint16),
    "UINT32": (TensorProto.UINT32, np.uint32),
    "UINT64": (TensorProto.UINT64, np.uint64),
    "BOOL": (TensorProto.BOOL, np.bool_),
    "BYTES": (TensorProto.STRING, np.object_),
}
IDENTITY_DATATYPES = list(DATATYPES)

# The slow model: a chain of SLOW_MATMULS products of SLOW_N x SLOW_N matrices per run, about
# 190 ms on one thread of the 2-core dev machine (`berth bench --threads 1`).
SLOW_N = 512
SLOW_MATMULS = 80

SWAP_DELTA = {1: 1.0, 2: 2.0}


def _model(nodes, name, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    m = helper.make_model(graph, producer_name="berth-integration-test",
                          opset_imports=[helper.make_opsetid("", OPSET)])
    m.ir_version = IR_VERSION
    return m


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def simple():
    """Like Triton's 'simple': OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1."""
    f = TensorProto.FLOAT
    return _model(
        [helper.make_node("Add", ["INPUT0", "INPUT1"], ["OUTPUT0"]),
         helper.make_node("Sub", ["INPUT0", "INPUT1"], ["OUTPUT1"])],
        "simple",
        [vi("INPUT0", f, ["batch", 16]), vi("INPUT1", f, ["batch", 16])],
        [vi("OUTPUT0", f, ["batch", 16]), vi("OUTPUT1", f, ["batch", 16])])


def identity(datatype):
    """OUTPUT0 = INPUT0 of `datatype`, any 2-D shape."""
    elem = DATATYPES[datatype][0]
    return _model([helper.make_node("Identity", ["INPUT0"], ["OUTPUT0"])],
                  f"identity_{datatype.lower()}",
                  [vi("INPUT0", elem, ["d0", "d1"])], [vi("OUTPUT0", elem, ["d0", "d1"])])


def identity_one():
    """One FP32 element in, the same out: the cheapest possible request."""
    f = TensorProto.FLOAT
    return _model([helper.make_node("Identity", ["INPUT0"], ["OUTPUT0"])], "identity_one",
                  [vi("INPUT0", f, [1])], [vi("OUTPUT0", f, [1])])


def batched():
    """Batchable, row-wise: OUTPUT0 = INPUT0 * 2 + 1, OUTPUT1 = sum of each row."""
    f = TensorProto.FLOAT
    two = numpy_helper.from_array(np.array(2.0, np.float32), "two")
    one = numpy_helper.from_array(np.array(1.0, np.float32), "one")
    axes = numpy_helper.from_array(np.array([1], np.int64), "axes")
    return _model(
        [helper.make_node("Mul", ["INPUT0", "two"], ["m"]),
         helper.make_node("Add", ["m", "one"], ["OUTPUT0"]),
         helper.make_node("ReduceSum", ["INPUT0", "axes"], ["OUTPUT1"], keepdims=1)],
        "batched", [vi("INPUT0", f, ["batch", 4])],
        [vi("OUTPUT0", f, ["batch", 4]), vi("OUTPUT1", f, ["batch", 1])], [two, one, axes])


def slow(n=SLOW_N, matmuls=SLOW_MATMULS):
    """Slow on purpose: OUTPUT0 = INPUT0 (shape [batch, 1]), after a chain of `matmuls`
    n x n matrix products that depend on the input (so nothing can be folded away).

    A0 = c * sum(INPUT0) with c = 1/n everywhere, A(k+1) = A(k) @ C: every A(k) stays
    sum(INPUT0)/n, finite. OUTPUT0 = INPUT0 + 0 * mean(A(K)).
    """
    f = TensorProto.FLOAT
    inits = [
        numpy_helper.from_array(np.array([n, n], np.int64), "nn"),
        numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
    ]
    nodes = [
        helper.make_node("ConstantOfShape", ["nn"], ["C"],
                         value=numpy_helper.from_array(np.array([1.0 / n], np.float32))),
        helper.make_node("ReduceSum", ["INPUT0"], ["s"], keepdims=0),
        helper.make_node("Mul", ["C", "s"], ["A0"]),
    ]
    for k in range(matmuls):
        nodes.append(helper.make_node("MatMul", [f"A{k}", "C"], [f"A{k + 1}"]))
    nodes += [
        helper.make_node("ReduceMean", [f"A{matmuls}"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["z"]),
        helper.make_node("Add", ["INPUT0", "z"], ["OUTPUT0"]),
    ]
    return _model(nodes, "slow", [vi("INPUT0", f, ["batch", 1])],
                  [vi("OUTPUT0", f, ["batch", 1])], inits)


def add_constant(delta, name="swap"):
    """OUTPUT0 = INPUT0 + delta, FP32 [-1]; versions of one model differ by delta."""
    f = TensorProto.FLOAT
    d = numpy_helper.from_array(np.array(delta, np.float32), "delta")
    return _model([helper.make_node("Add", ["INPUT0", "delta"], ["OUTPUT0"])], name,
                  [vi("INPUT0", f, ["n"])], [vi("OUTPUT0", f, ["n"])], [d])


# --- writing a repository ---------------------------------------------------------------

BATCHED_CONFIG = """\
max_batch_size: 8
dynamic_batching:
  max_queue_delay_us: 20000
  preferred_batch_sizes: [4, 8]
  max_queue_size: 256
instance_count: 1
"""

# One instance, room for one waiting request: the third concurrent request finds it full.
SLOW_QUEUE_CONFIG = """\
max_batch_size: 1
dynamic_batching:
  max_queue_delay_us: 0
  max_queue_size: 1
instance_count: 1
intra_op_threads: 1
"""

# One instance and a long queue: requests wait for each other (timeouts, shutdown).
SLOW_CONFIG = """\
max_batch_size: 1
dynamic_batching:
  max_queue_delay_us: 0
  max_queue_size: 64
instance_count: 1
intra_op_threads: 1
"""


def save(model, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp"
    onnx.save(model, tmp)
    os.replace(tmp, path)  # the server polling the folder never sees half a file


def write_version(root, name, version, model):
    path = os.path.join(root, name, str(version), "model.onnx")
    save(model, path)
    return path


def write_config(root, name, text):
    os.makedirs(os.path.join(root, name), exist_ok=True)
    path = os.path.join(root, name, "config.yaml")
    with open(f"{path}.tmp", "w") as f:
        f.write(text)
    os.replace(f"{path}.tmp", path)
    return path


def write_broken(root, name, version=1):
    """A model.onnx that is not a model: the server must mark it unavailable, not crash."""
    path = os.path.join(root, name, str(version), "model.onnx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"this is not an ONNX model\x00\xff\x01")
    return path


def _builders():
    b = {
        "simple": lambda root: write_version(root, "simple", 1, simple()),
        "identity_one": lambda root: write_version(root, "identity_one", 1, identity_one()),
        "batched": lambda root: (write_version(root, "batched", 1, batched()),
                                 write_config(root, "batched", BATCHED_CONFIG)),
        "slow": lambda root: (write_version(root, "slow", 1, slow()),
                              write_config(root, "slow", SLOW_CONFIG)),
        "slow_queue": lambda root: (write_version(root, "slow_queue", 1, slow()),
                                    write_config(root, "slow_queue", SLOW_QUEUE_CONFIG)),
        "broken": lambda root: write_broken(root, "broken"),
        # Two versions, both served: version 1 adds 1, version 2 adds 2.
        "two_versions": lambda root: (
            write_version(root, "two_versions", 1, add_constant(1.0, "two_versions")),
            write_version(root, "two_versions", 2, add_constant(2.0, "two_versions")),
            write_config(root, "two_versions", "version_policy:\n  all: true\n")),
    }
    for dt in IDENTITY_DATATYPES:
        b[f"identity_{dt.lower()}"] = (
            lambda root, dt=dt: write_version(root, f"identity_{dt.lower()}", 1, identity(dt)))
    return b


BUILDERS = _builders()
DEFAULT_MODELS = [n for n in BUILDERS]


def build_repository(root, names=None):
    os.makedirs(root, exist_ok=True)
    for name in names if names is not None else DEFAULT_MODELS:
        BUILDERS[name](str(root))
    return root


if __name__ == "__main__":
    build_repository(sys.argv[1] if len(sys.argv) > 1 else "model_repository")
