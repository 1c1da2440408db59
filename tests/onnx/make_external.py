"""Writes a small ONNX model whose initializer lives in an external file,
using the reference `onnx` package: y = x + W, W = arange(6).reshape(2,3)/2.
Usage: make_external.py OUTDIR  (writes OUTDIR/ext.onnx and OUTDIR/ext.bin)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
w = (np.arange(6, dtype=np.float32) / 2).reshape(2, 3)
init = numpy_helper.from_array(w, name="W")
node = helper.make_node("Add", ["x", "W"], ["y"], name="add0")
graph = helper.make_graph(
    [node], "ext",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
    [init])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.save_model(model, os.path.join(out, "ext.onnx"), save_as_external_data=True,
                all_tensors_to_one_file=True, location="ext.bin",
                size_threshold=0)
