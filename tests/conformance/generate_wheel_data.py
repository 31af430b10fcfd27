#!/usr/bin/env python3
"""Writes the onnx wheel's backend test cases that the wheel does not ship as files.

Usage: generate_wheel_data.py OUT_DIR

- OUT_DIR/node/<case>/: ONNX's operator test cases. The wheel has their Python definitions
  (onnx.backend.test.case.node) but not the data files, and `backend-test-tools generate-data`
  only writes the model cases (real/, simple/). This script runs the same writer over the node
  cases.
- OUT_DIR/light/<case>/: the "light" model tests (data/light/light_<model>.onnx, weights made
  by ConstantOfShape) as ordinary case folders: the input is what ONNX's backend runner feeds
  them (arange(n) / n, see onnx.backend.test.runner generate_dummy_data) and the expected
  output is the wheel's light_<model>_output_0.pb.

Run it with the venv's interpreter (it needs that onnx and numpy).
"""
import argparse
import glob
import os
import shutil
import sys
import types
import warnings

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.backend.test import cmd_tools
from onnx.backend.test.case import node as node_cases


def write_node_cases(out_dir):
    # cmd_tools.generate_data writes model_test.collect_testcases(); point it at the node cases.
    cmd_tools.model_test = types.SimpleNamespace(
        collect_testcases=lambda: node_cases.collect_testcases(None))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.seterr(all="ignore")
        cmd_tools.generate_data(argparse.Namespace(output=out_dir))


def dummy_input(value_info):
    dims = value_info.type.tensor_type.shape.dim
    shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in dims)
    n = int(np.prod(shape))
    return (np.arange(n).reshape(shape) / n).astype(np.float32)


def write_light_cases(out_dir):
    light_dir = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")
    for model_path in sorted(glob.glob(os.path.join(light_dir, "light_*.onnx"))):
        name = os.path.basename(model_path)[len("light_"):-len(".onnx")]
        expected = os.path.join(light_dir, f"light_{name}_output_0.pb")
        if not os.path.exists(expected):
            continue
        case_dir = os.path.join(out_dir, "light", f"test_{name}")
        data_dir = os.path.join(case_dir, "test_data_set_0")
        os.makedirs(data_dir, exist_ok=True)
        shutil.copyfile(model_path, os.path.join(case_dir, "model.onnx"))
        model = onnx.load(model_path)
        initializers = {i.name for i in model.graph.initializer}
        k = 0
        for value_info in model.graph.input:
            if value_info.name in initializers:
                continue
            tensor = numpy_helper.from_array(dummy_input(value_info), value_info.name)
            with open(os.path.join(data_dir, f"input_{k}.pb"), "wb") as f:
                f.write(tensor.SerializeToString())
            k += 1
        shutil.copyfile(expected, os.path.join(data_dir, "output_0.pb"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir")
    args = parser.parse_args()
    write_node_cases(args.out_dir)
    write_light_cases(args.out_dir)
    print(f"onnx {onnx.__version__}: wrote "
          f"{len(os.listdir(os.path.join(args.out_dir, 'node')))} node cases and "
          f"{len(os.listdir(os.path.join(args.out_dir, 'light')))} light cases to {args.out_dir}")


if __name__ == "__main__":
    sys.exit(main())
