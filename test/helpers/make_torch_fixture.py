"""Writes test/fixtures/torch-export-cnn.onnx with PyTorch's own exporter
(Debian's python3-torch 1.13), as a user's `torch.onnx.export` would: a small
residual CNN, freshly initialised, with a dynamic batch.

What the exporter writes into it, and our own builder never does:
- `Identity` nodes: the exporter folds each BatchNorm2d into the convolution
  before it; a fresh BatchNorm's shift is 0, so the folded biases of equal
  width are equal, and the exporter keeps one initializer and forwards it to
  the others through Identity nodes;
- a `Constant` feeding a `Pad` (F.pad);
- shape arithmetic for `x.view(x.size(0), -1)` on the dynamic batch
  (Shape -> Gather -> Unsqueeze -> Concat -> Reshape);
- `onnx::` names and `/layer/...` scopes.

Run: python3 test/helpers/make_torch_fixture.py (the file is committed; CI reads it).
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(x + self.bn2(self.conv2(y)))


class TinyResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.layer1 = nn.Sequential(Block(8), Block(8))
        self.down = nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False)
        self.bn_down = nn.BatchNorm2d(16)
        self.layer2 = nn.Sequential(Block(16), Block(16))
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.pad(x, (1, 1, 1, 1))
        x = F.relu(self.bn(self.stem(x)))
        x = self.layer1(x)
        x = F.relu(self.bn_down(self.down(x)))
        x = self.layer2(x)
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(x.view(x.size(0), -1))


torch.manual_seed(0)
model = TinyResNet().eval()
out = os.path.join(os.path.dirname(__file__), "..", "fixtures", "torch-export-cnn.onnx")
torch.onnx.export(model, torch.randn(1, 3, 32, 32), out, opset_version=13,
                  input_names=["image"], output_names=["logits"],
                  dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}})
print(out, sum(p.numel() for p in model.parameters()), "parameters", file=sys.stderr)
