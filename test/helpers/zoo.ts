/**
 * torchvision CNNs rebuilt with the GraphBuilder, layer for layer as
 * torchvision/models/{resnet,vgg,alexnet,mobilenetv2}.py define them and as
 * torch.onnx.export (eval mode, opset 17) writes them:
 *
 * - BatchNorm is folded into the preceding conv (which gains a bias) unless
 *   `foldBatchNorm: false`, which emits BatchNormalization nodes instead.
 * - Dropout is left out (an identity in eval mode; the exporter drops it).
 * - ReLU6 is Clip(0, 6); nn.Linear is Gemm(transB = 1); flatten is Flatten(1).
 * - AdaptiveAvgPool2d(1) is GlobalAveragePool. AdaptiveAvgPool2d(n) on an m×m
 *   map with n dividing m is AveragePool(kernel = stride = m/n), as the
 *   exporter's `_adaptive_pool` writes it: at 224×224 input VGG's (7) and
 *   AlexNet's (6) are 1×1 AveragePools (identities). Other sizes throw, as
 *   they do in torch.onnx.export.
 *
 * Parameter counts: with `foldBatchNorm: false`, the float initializers other
 * than BatchNorm running statistics (buffers in PyTorch) are exactly the
 * torchvision parameters. Folding turns each BatchNorm's weight and bias
 * (2·C parameters) into one conv bias (C), so a folded model has
 * Σ C_bn fewer float weights than torchvision reports.
 */
import type { Model } from '../../src/core/ir';
import { GraphBuilder } from '../../src/core/onnx/builder';

export interface ZooOptions {
  /** Batch dim: a size or a symbolic name such as 'N' (default 1). */
  batch?: number | string;
  /** Input height and width (default 224). */
  inputSize?: number;
  numClasses?: number;
  /** Fold BatchNorm into convs as torch.onnx.export does in eval mode (default true). */
  foldBatchNorm?: boolean;
  /** 'random' (default), 'zeros' (same file size, faster) or 'none' (structure only, no weight bytes). */
  weights?: 'random' | 'zeros' | 'none';
  opset?: number;
}

interface Net {
  b: GraphBuilder;
  fold: boolean;
}

function start(name: string, o: ZooOptions): Net {
  const b = new GraphBuilder(name, { opset: o.opset ?? 17, weights: o.weights });
  b.input('input', 'float32', [o.batch ?? 1, 3, o.inputSize ?? 224, o.inputSize ?? 224]);
  return { b, fold: o.foldBatchNorm ?? true };
}

function finish({ b }: Net, o: ZooOptions): Model {
  b.output(undefined, { name: 'output', dtype: 'float32', shape: [o.batch ?? 1, o.numClasses ?? 1000] });
  return b.build();
}

/** Conv (bias-free) + BatchNorm, or the conv with the BatchNorm folded into its bias. */
function convBn(
  { b, fold }: Net, x: string, conv: string, bn: string,
  c: { outChannels: number; kernel: number; strides?: number; pads?: number; group?: number },
): string {
  const y = b.conv(x, { ...c, bias: fold, name: conv });
  return fold ? y : b.batchNorm(y, { name: bn });
}

/** torch.onnx.export's AdaptiveAvgPool2d(n) on a size×size map. */
function adaptiveAvgPool({ b }: Net, size: number, n: number, name: string): string {
  if (size % n !== 0) throw new Error(`AdaptiveAvgPool2d(${n}) on a ${size}×${size} map is not exportable as one AveragePool`);
  const k = size / n;
  return b.node('AveragePool', [b.last], { kernel_shape: [k, k], strides: [k, k] }, 1, { name })[0];
}

const convOut = (size: number, k: number, s: number, p: number) => Math.floor((size + 2 * p - k) / s) + 1;

// ---------------------------------------------------------------------------
// ResNet (He et al. 2016; torchvision v1.5: stride on the 3×3 conv of Bottleneck)

type Block = (net: Net, x: string, path: string, planes: number, stride: number, downsample: boolean) => string;

const basicBlock: Block = (net, x, path, planes, stride, downsample) => {
  const { b } = net;
  let y = convBn(net, x, `${path}.conv1`, `${path}.bn1`, { outChannels: planes, kernel: 3, strides: stride, pads: 1 });
  y = b.relu(y, { name: `${path}.relu` });
  y = convBn(net, y, `${path}.conv2`, `${path}.bn2`, { outChannels: planes, kernel: 3, pads: 1 });
  const identity = downsample
    ? convBn(net, x, `${path}.downsample.0`, `${path}.downsample.1`, { outChannels: planes, kernel: 1, strides: stride })
    : x;
  return b.relu(b.add(y, identity, { name: path }), { name: `${path}.relu` });
};

const bottleneck: Block = (net, x, path, planes, stride, downsample) => {
  const { b } = net;
  let y = convBn(net, x, `${path}.conv1`, `${path}.bn1`, { outChannels: planes, kernel: 1 });
  y = b.relu(y, { name: `${path}.relu` });
  y = convBn(net, y, `${path}.conv2`, `${path}.bn2`, { outChannels: planes, kernel: 3, strides: stride, pads: 1 });
  y = b.relu(y, { name: `${path}.relu` });
  y = convBn(net, y, `${path}.conv3`, `${path}.bn3`, { outChannels: planes * 4, kernel: 1 });
  const identity = downsample
    ? convBn(net, x, `${path}.downsample.0`, `${path}.downsample.1`, { outChannels: planes * 4, kernel: 1, strides: stride })
    : x;
  return b.relu(b.add(y, identity, { name: path }), { name: `${path}.relu` });
};

function resnet(name: string, block: Block, expansion: number, layers: number[], o: ZooOptions): Model {
  const net = start(name, o);
  const { b } = net;
  let x = convBn(net, 'input', 'conv1', 'bn1', { outChannels: 64, kernel: 7, strides: 2, pads: 3 });
  x = b.relu(x, { name: 'relu' });
  x = b.maxPool(x, { kernel: 3, strides: 2, pads: 1, name: 'maxpool' });
  let inplanes = 64;
  layers.forEach((blocks, i) => {
    const planes = 64 << i;
    const stride = i === 0 ? 1 : 2;
    for (let j = 0; j < blocks; j++) {
      const s = j === 0 ? stride : 1;
      x = block(net, x, `layer${i + 1}.${j}`, planes, s, j === 0 && (s !== 1 || inplanes !== planes * expansion));
      inplanes = planes * expansion;
    }
  });
  b.globalAveragePool(x, { name: 'avgpool' });
  b.flatten();
  b.gemm({ outFeatures: o.numClasses ?? 1000, name: 'fc' });
  return finish(net, o);
}

export const resnet18 = (o: ZooOptions = {}): Model => resnet('resnet18', basicBlock, 1, [2, 2, 2, 2], o);
export const resnet34 = (o: ZooOptions = {}): Model => resnet('resnet34', basicBlock, 1, [3, 4, 6, 3], o);
export const resnet50 = (o: ZooOptions = {}): Model => resnet('resnet50', bottleneck, 4, [3, 4, 6, 3], o);

// ---------------------------------------------------------------------------
// VGG-16 (Simonyan & Zisserman 2015, configuration "D"; torchvision vgg.py, no BatchNorm)

export function vgg16(o: ZooOptions = {}): Model {
  const net = start('vgg16', o);
  const { b } = net;
  const cfg: (number | 'M')[] = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];
  let size = o.inputSize ?? 224;
  let i = 0;
  for (const v of cfg) {
    if (v === 'M') {
      b.maxPool({ kernel: 2, strides: 2, name: `features.${i++}` });
      size = convOut(size, 2, 2, 0);
    } else {
      b.conv({ outChannels: v, kernel: 3, pads: 1, name: `features.${i++}` });
      b.relu({ name: `features.${i++}` });
    }
  }
  adaptiveAvgPool(net, size, 7, 'avgpool');
  b.flatten();
  b.gemm({ outFeatures: 4096, inFeatures: 512 * 7 * 7, name: 'classifier.0' });
  b.relu({ name: 'classifier.1' });
  b.gemm({ outFeatures: 4096, name: 'classifier.3' });
  b.relu({ name: 'classifier.4' });
  b.gemm({ outFeatures: o.numClasses ?? 1000, name: 'classifier.6' });
  return finish(net, o);
}

// ---------------------------------------------------------------------------
// AlexNet (torchvision's "one weird trick" variant, Krizhevsky 2014: 64-192-384-256-256, no LRN)

export function alexnet(o: ZooOptions = {}): Model {
  const net = start('alexnet', o);
  const { b } = net;
  let size = o.inputSize ?? 224;
  const conv = (i: number, outChannels: number, kernel: number, strides: number, pads: number) => {
    b.conv({ outChannels, kernel, strides, pads, name: `features.${i}` });
    b.relu({ name: `features.${i + 1}` });
    size = convOut(size, kernel, strides, pads);
  };
  const pool = (i: number) => {
    b.maxPool({ kernel: 3, strides: 2, name: `features.${i}` });
    size = convOut(size, 3, 2, 0);
  };
  conv(0, 64, 11, 4, 2);
  pool(2);
  conv(3, 192, 5, 1, 2);
  pool(5);
  conv(6, 384, 3, 1, 1);
  conv(8, 256, 3, 1, 1);
  conv(10, 256, 3, 1, 1);
  pool(12);
  adaptiveAvgPool(net, size, 6, 'avgpool');
  b.flatten();
  b.gemm({ outFeatures: 4096, inFeatures: 256 * 6 * 6, name: 'classifier.1' });
  b.relu({ name: 'classifier.2' });
  b.gemm({ outFeatures: 4096, name: 'classifier.4' });
  b.relu({ name: 'classifier.5' });
  b.gemm({ outFeatures: o.numClasses ?? 1000, name: 'classifier.6' });
  return finish(net, o);
}

// ---------------------------------------------------------------------------
// MobileNetV2 (Sandler et al. 2018; torchvision mobilenetv2.py, width 1.0)

/** ConvNormActivation(..., activation_layer=ReLU6) at module path `path` (children .0 conv, .1 bn, .2 relu6). */
function convBnRelu6(net: Net, x: string, path: string, c: { outChannels: number; kernel: number; strides?: number; group?: number }): string {
  const y = convBn(net, x, `${path}.0`, `${path}.1`, { ...c, pads: (c.kernel - 1) / 2 });
  return net.b.clip(y, { min: 0, max: 6, name: `${path}.2` });
}

export function mobilenetV2(o: ZooOptions = {}): Model {
  const net = start('mobilenet_v2', o);
  const { b } = net;
  // t (expansion), c (channels), n (repeats), s (first stride)
  const setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
  let x = convBnRelu6(net, 'input', 'features.0', { outChannels: 32, kernel: 3, strides: 2 });
  let inp = 32;
  let index = 1;
  for (const [t, c, n, s] of setting) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const path = `features.${index++}.conv`;
      const hidden = Math.round(inp * t);
      let y = x;
      let k = 0;
      if (t !== 1) y = convBnRelu6(net, y, `${path}.${k++}`, { outChannels: hidden, kernel: 1 });
      y = convBnRelu6(net, y, `${path}.${k++}`, { outChannels: hidden, kernel: 3, strides: stride, group: hidden });
      y = convBn(net, y, `${path}.${k}`, `${path}.${k + 1}`, { outChannels: c, kernel: 1 });
      x = stride === 1 && inp === c ? b.add(x, y, { name: path.slice(0, -'.conv'.length) }) : y;
      inp = c;
    }
  }
  convBnRelu6(net, x, `features.${index}`, { outChannels: 1280, kernel: 1 });
  b.globalAveragePool();
  b.flatten();
  b.gemm({ outFeatures: o.numClasses ?? 1000, name: 'classifier.1' });
  return finish(net, o);
}

/** conv 3→8 3×3 pad 1, then a Reshape to [1, -1] whose shape tensor is an initializer. */
export function convReshape(): Model {
  const b = new GraphBuilder('ext', { seed: 1 });
  b.input('x', 'float32', [1, 3, 16, 16]);
  b.conv({ name: 'conv', outChannels: 8, kernel: 3, pads: 1 });
  const shape = b.initializer('target_shape', 'int64', [2], [1, -1]);
  b.node('Reshape', [b.last, shape], {}, 1, { name: 'flatten' });
  b.output(undefined, { name: 'y' });
  return b.build();
}
