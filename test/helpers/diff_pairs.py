"""Pairs of models for `convlens diff`, written by PyTorch's exporter and by
Python onnx, with what PyTorch and onnx themselves say of each pair (JSON on
the last line of stdout):

  resnet18 / resnet34                 blocks per stage [2,2,2,2] / [3,4,6,3]
  resnet50 / resnext50_32x4d          grouped 3x3 convolutions, wider bottlenecks
  mobilenet_v2 / mobilenet_v2_075     width multiplier 1.0 / 0.75
  resnet18_renamed                    every node and tensor renamed (onnx)
  resnet18_fp16                       weights and inputs as float16 (onnx, numpy)

For each model: its file, expected_params (as the export stores them), the
names of its residual blocks, and each Conv2d's weight shape by module path.

Usage: diff_pairs.py OUT_DIR
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(__file__))
from torchvision_exports import export  # noqa: E402

out = sys.argv[1]
result = {}


def facts(model, info):
    info["blocks"] = [n for n, m in model.named_modules() if type(m).__name__ in ("BasicBlock", "Bottleneck", "InvertedResidual")]
    info["convs"] = {n: list(m.weight.shape) for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)}
    return info


for name, kwargs, file in [
    ("resnet18", {}, None), ("resnet34", {}, None), ("resnet50", {}, None), ("resnext50_32x4d", {}, None),
    ("mobilenet_v2", {}, None), ("mobilenet_v2", {"width_mult": 0.75}, "mobilenet_v2_075"),
]:
    model, info = export(name, out, file=file, **kwargs)
    result[file or name] = facts(model, info)

# Every node and every value renamed: the same network, no name in common.
m = onnx.load(result["resnet18"]["file"])
names = {}
def renamed(n):
    if n and n not in names:
        names[n] = f"t{len(names)}"
    return names.get(n, n)
for t in m.graph.initializer:
    t.name = renamed(t.name)
for v in list(m.graph.input) + list(m.graph.output) + list(m.graph.value_info):
    v.name = renamed(v.name)
for i, node in enumerate(m.graph.node):
    node.name = f"layer_{i:03d}"
    node.input[:] = [renamed(x) for x in node.input]
    node.output[:] = [renamed(x) for x in node.output]
path = f"{out}/resnet18_renamed.onnx"
onnx.save(m, path)
result["resnet18_renamed"] = {"file": path, "nodes": len(m.graph.node)}

# A float16 copy: every float initializer and the graph's inputs and outputs as float16.
m = onnx.load(result["resnet18"]["file"])
for t in m.graph.initializer:
    if t.data_type == onnx.TensorProto.FLOAT:
        t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float16), t.name))
for v in list(m.graph.input) + list(m.graph.output):
    if v.type.tensor_type.elem_type == onnx.TensorProto.FLOAT:
        v.type.tensor_type.elem_type = onnx.TensorProto.FLOAT16
for node in m.graph.node:
    if node.op_type == "Constant":
        for a in node.attribute:
            if a.name == "value" and a.t.data_type == onnx.TensorProto.FLOAT:
                a.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(a.t).astype(np.float16)))
del m.graph.value_info[:]
path = f"{out}/resnet18_fp16.onnx"
onnx.save(m, path)
onnx.checker.check_model(m)
result["resnet18_fp16"] = {"file": path}
print(json.dumps(result))
