"""Prints the ONNX reference shape inference of a model as JSON.

Usage: python3 onnx_reference_shapes.py model.onnx [NAME=1x3x224x224 ...]
Output: {"onnx": version, "values": {name: [dims or null]}} where a dim is an
int, a symbolic name (str) or null (unknown).
"""
import json
import sys

import onnx
from onnx import shape_inference


def dims_of(type_proto):
    t = type_proto.tensor_type
    if not t.HasField("shape"):
        return None
    out = []
    for d in t.shape.dim:
        if d.HasField("dim_value"):
            out.append(d.dim_value)
        elif d.HasField("dim_param"):
            out.append(d.dim_param)
        else:
            out.append(None)
    return out


def main():
    model = onnx.load(sys.argv[1])
    overrides = dict(arg.split("=", 1) for arg in sys.argv[2:])
    for inp in model.graph.input:
        if inp.name in overrides:
            dims = overrides[inp.name].split("x")
            shape = inp.type.tensor_type.shape
            del shape.dim[:]
            for d in dims:
                shape.dim.add().dim_value = int(d)
    # Drop declared intermediate/output shapes so every figure is inferred.
    del model.graph.value_info[:]
    for out in model.graph.output:
        out.type.tensor_type.ClearField("shape")
    inferred = shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    values = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
        values[vi.name] = dims_of(vi.type)
    print(json.dumps({"onnx": onnx.__version__, "values": values}))


if __name__ == "__main__":
    main()
