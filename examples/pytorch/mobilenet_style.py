"""A MobileNet-style network: depthwise separable convolutions (a 3x3 depthwise conv, groups =
channels, then a 1x1 pointwise conv), each followed by BatchNorm and ReLU6."""
from torch import Tensor, nn


def separable(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, stride=stride, padding=1, groups=cin, bias=False),
        nn.BatchNorm2d(cin),
        nn.ReLU6(inplace=True),
        nn.Conv2d(cin, cout, 1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU6(inplace=True),
    )


# convlens: input=1x3x96x96
class TinyMobileNet(nn.Module):
    def __init__(self, num_classes: int = 10, width: int = 32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU6(inplace=True))
        blocks = []
        channels = width
        for cout, stride in [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1)]:
            blocks.append(separable(channels, cout, stride))
            channels = cout
        self.blocks = nn.ModuleList(blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.classifier(self.pool(x).flatten(1))


def tiny_mobilenet() -> TinyMobileNet:
    """A zero-argument factory, as model zoos write them."""
    return TinyMobileNet(num_classes=100)
