"""Writes small fp16 and quantized ONNX models with the onnx package itself (a
real writer, not ConvLens's), in the forms exporters and onnxruntime's
quantizer produce, for test/integration/real-writer-models.test.ts.

Usage: python3 quantized_models.py OUT_DIR
For each model NAME it writes OUT_DIR/NAME.onnx, OUT_DIR/NAME.all.onnx (every
node output also a graph output, so onnxruntime returns it) and prints one
JSON object {NAME: {"onnx": version, "values": {value: [dims or null] or null}}}
with onnx's own shape inference of NAME.onnx.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T, helper, numpy_helper, shape_inference

rng = np.random.default_rng(0)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def u8(name, shape):
    return init(name, rng.integers(0, 255, size=shape, dtype=np.uint8))


def scalar(name, value, dtype):
    return init(name, np.array(value, dtype=dtype))


def model(name, nodes, inputs, outputs, inits, opset=15):
    g = helper.make_graph(nodes, name, inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="onnx.helper")
    m.ir_version = 8
    # (onnx.checker wants a shape on every output; these leave outputs to inference.)
    return m


def fp16_cnn():
    """As PyTorch writes a half model (medium.onnx's form): Cast in, fp16 Conv/Relu/MaxPool,
    Resize to sizes computed by Shape → Slice → Concat, Cast out."""
    x = helper.make_tensor_value_info("input", T.FLOAT, [1, 3, 16, 16])
    y = helper.make_tensor_value_info("output", T.FLOAT, None)
    inits = [
        init("w1", rng.standard_normal((8, 3, 3, 3)).astype(np.float16)),
        init("b1", rng.standard_normal(8).astype(np.float16)),
        init("w2", rng.standard_normal((4, 8, 1, 1)).astype(np.float16)),
        init("start", np.array([2], np.int64)),
        init("end", np.array([4], np.int64)),
        init("nc", np.array([1, 4], np.int64)),
    ]
    nodes = [
        helper.make_node("Cast", ["input"], ["xh"], to=T.FLOAT16),
        helper.make_node("Conv", ["xh", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2"], ["c2"]),
        helper.make_node("Shape", ["xh"], ["s"]),
        helper.make_node("Slice", ["s", "start", "end"], ["hw"]),
        helper.make_node("Concat", ["nc", "hw"], ["sizes"], axis=0),
        helper.make_node("Resize", ["c2", "", "", "sizes"], ["up"], mode="linear"),
        helper.make_node("Cast", ["up"], ["output"], to=T.FLOAT),
    ]
    return model("fp16_cnn", nodes, [x], [y], inits)


def conv_integer():
    """onnxruntime's dynamic quantizer (small.onnx's form): DynamicQuantizeLinear →
    ConvInteger → Cast → Mul by the scales → Add the bias → Relu."""
    x = helper.make_tensor_value_info("input", T.FLOAT, [1, 3, 16, 16])
    y = helper.make_tensor_value_info("output", T.FLOAT, None)
    inits = [u8("w", (8, 3, 3, 3)), scalar("wz", 128, np.uint8), scalar("ws", 0.02, np.float32),
             init("bias", rng.standard_normal((1, 8, 1, 1)).astype(np.float32))]
    nodes = [
        helper.make_node("DynamicQuantizeLinear", ["input"], ["xq", "xs", "xz"]),
        helper.make_node("Mul", ["xs", "ws"], ["scale"]),
        helper.make_node("ConvInteger", ["xq", "w", "xz", "wz"], ["acc"]),
        helper.make_node("Cast", ["acc"], ["accf"], to=T.FLOAT),
        helper.make_node("Mul", ["accf", "scale"], ["deq"]),
        helper.make_node("Add", ["deq", "bias"], ["biased"]),
        helper.make_node("Relu", ["biased"], ["output"]),
    ]
    return model("conv_integer", nodes, [x], [y], inits)


def qlinear():
    """Static QOperator form: QuantizeLinear → QLinearConv (int32 bias) → Reshape →
    QLinearMatMul → DequantizeLinear."""
    x = helper.make_tensor_value_info("input", T.FLOAT, [1, 3, 16, 16])
    y = helper.make_tensor_value_info("output", T.FLOAT, None)
    s = lambda n, v=0.05: scalar(n, v, np.float32)
    z = lambda n: scalar(n, 128, np.uint8)
    inits = [s("xs"), z("xz"), u8("w", (8, 3, 3, 3)), s("ws", 0.01), z("wz"), s("ys", 0.1), z("yz"),
             init("b", rng.integers(-100, 100, size=8, dtype=np.int32)),
             init("flat", np.array([1, 2048], np.int64)),
             u8("m", (2048, 10)), s("ms", 0.01), z("mz"), s("os", 0.2), z("oz")]
    nodes = [
        helper.make_node("QuantizeLinear", ["input", "xs", "xz"], ["xq"]),
        helper.make_node("QLinearConv", ["xq", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["yq"], pads=[1, 1, 1, 1]),
        helper.make_node("Reshape", ["yq", "flat"], ["fq"]),
        helper.make_node("QLinearMatMul", ["fq", "ys", "yz", "m", "ms", "mz", "os", "oz"], ["oq"]),
        helper.make_node("DequantizeLinear", ["oq", "os", "oz"], ["output"]),
    ]
    return model("qlinear", nodes, [x], [y], inits)


def matmul_integer():
    """Dynamic quantization of a linear layer: DynamicQuantizeLinear → MatMulInteger → Cast → Mul."""
    x = helper.make_tensor_value_info("input", T.FLOAT, [4, 32])
    y = helper.make_tensor_value_info("output", T.FLOAT, None)
    inits = [u8("b", (32, 16)), scalar("bz", 128, np.uint8), scalar("bs", 0.01, np.float32)]
    nodes = [
        helper.make_node("DynamicQuantizeLinear", ["input"], ["aq", "as", "az"]),
        helper.make_node("MatMulInteger", ["aq", "b", "az", "bz"], ["acc"]),
        helper.make_node("Cast", ["acc"], ["accf"], to=T.FLOAT),
        helper.make_node("Mul", ["as", "bs"], ["scale"]),
        helper.make_node("Mul", ["accf", "scale"], ["output"]),
    ]
    return model("matmul_integer", nodes, [x], [y], inits)


def qdq():
    """QDQ form (onnxruntime's static quantizer default): Q → DQ around a float Conv whose
    weight is an int8 initializer behind DequantizeLinear."""
    x = helper.make_tensor_value_info("input", T.FLOAT, [1, 3, 16, 16])
    y = helper.make_tensor_value_info("output", T.FLOAT, None)
    inits = [scalar("s", 0.05, np.float32), scalar("z", 0, np.int8),
             init("wq", rng.integers(-127, 127, size=(8, 3, 3, 3), dtype=np.int8)), scalar("wscale", 0.01, np.float32)]
    nodes = [
        helper.make_node("QuantizeLinear", ["input", "s", "z"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "s", "z"], ["xd"]),
        helper.make_node("DequantizeLinear", ["wq", "wscale"], ["wd"]),
        helper.make_node("Conv", ["xd", "wd"], ["c"]),
        helper.make_node("QuantizeLinear", ["c", "s", "z"], ["cq"]),
        helper.make_node("DequantizeLinear", ["cq", "s", "z"], ["output"]),
    ]
    return model("qdq", nodes, [x], [y], inits)


def dims_of(type_proto):
    t = type_proto.tensor_type
    if not t.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param if d.HasField("dim_param") else None) for d in t.shape.dim]


def main():
    out = sys.argv[1]
    report = {}
    for build in (fp16_cnn, conv_integer, qlinear, matmul_integer, qdq):
        m = build()
        name = m.graph.name
        onnx.save(m, os.path.join(out, name + ".onnx"))
        inferred = shape_inference.infer_shapes(m, strict_mode=True)
        values = {vi.name: dims_of(vi.type) for vi in list(inferred.graph.value_info) + list(inferred.graph.output)}
        report[name] = {"onnx": onnx.__version__, "values": values}
        every = onnx.ModelProto()
        every.CopyFrom(m)
        names = {o.name for o in every.graph.output}
        for n in every.graph.node:
            for o in n.output:
                if o and o not in names:
                    every.graph.output.append(onnx.ValueInfoProto(name=o))
                    names.add(o)
        onnx.save(every, os.path.join(out, name + ".all.onnx"))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
