"""Exports torchvision models with torch.onnx.export (random weights: nothing is
downloaded) and prints, per model, what PyTorch itself says of it, as JSON:

  params           parameters as PyTorch counts them (model.parameters())
  expected_params  the same, as the exported file stores them (see below)
  ops              op types of the ONNX graph, as written

Usage: torchvision_exports.py OUT_DIR name[:size] ...
"""
import collections
import json
import sys
import warnings

import onnx
import torch
import torchvision

warnings.filterwarnings("ignore")


def export(name, out, size=224, file=None, **kwargs):
    """Exports torchvision.models.<name>(**kwargs) to OUT/<file or name>.onnx; returns the model and its facts."""
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None, **kwargs).eval()
    path = f"{out}/{file or name}.onnx"
    torch.onnx.export(model, torch.randn(1, 3, size, size), path, opset_version=13)
    # The exporter folds each BatchNorm2d that follows a convolution into it: its
    # scale goes (-1 parameter per channel), its shift becomes the convolution's
    # bias. DenseNet's pre-activation BatchNorm2d stay BatchNormalization nodes,
    # whose running mean and variance are stored tensors too (+2 per channel).
    graph = onnx.load(path, load_external_data=False).graph
    dims = {t.name: list(t.dims) for t in graph.initializer}
    forward = {n.output[0]: n.input[0] for n in graph.node if n.op_type == "Identity"}
    def stored_dims(name):
        while name not in dims and name in forward:
            name = forward[name]
        return dims[name]
    kept = sum(stored_dims(n.input[1])[0] for n in graph.node if n.op_type == "BatchNormalization")
    bn = sum(m.num_features for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    return model, {
        "file": path,
        "params": sum(p.numel() for p in model.parameters()),
        "expected_params": sum(p.numel() for p in model.parameters()) - (bn - kept) + 2 * kept,
        "ops": dict(collections.Counter(n.op_type for n in graph.node)),
    }


if __name__ == "__main__":
    result = {}
    for spec in sys.argv[2:]:
        name, _, size = spec.partition(":")
        result[name] = export(name, sys.argv[1], int(size or 224))[1]
    print(json.dumps(result))
