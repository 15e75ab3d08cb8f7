/**
 * Writes examples/small-cnn.onnx, the model `npm start` profiles: a small
 * CIFAR-style ResNet (conv-BN-ReLU stem, two residual blocks, one with a
 * strided 1×1 projection shortcut, global pooling, a linear classifier).
 * Run: npx tsx scripts/make-example.ts
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GraphBuilder } from '../src/core/onnx/builder';
import { encodeOnnx } from '../src/core/onnx/writer';

const b = new GraphBuilder('small-cnn', { opset: 17, seed: 2019 });
b.input('image', 'float32', [1, 3, 32, 32]);
b.conv({ name: 'stem.conv', outChannels: 16, kernel: 3, pads: 1, bias: false });
b.batchNorm({ name: 'stem.bn' });
let x = b.relu({ name: 'stem.relu' });

// Block 1: identity shortcut.
b.conv(x, { name: 'block1.conv1', outChannels: 16, kernel: 3, pads: 1, bias: false });
b.batchNorm({ name: 'block1.bn1' });
b.relu({ name: 'block1.relu1' });
b.conv({ name: 'block1.conv2', outChannels: 16, kernel: 3, pads: 1, bias: false });
const y1 = b.batchNorm({ name: 'block1.bn2' });
x = b.relu(b.add(x, y1, { name: 'block1' }), { name: 'block1.relu2' });

// Block 2: stride 2, 1×1 projection shortcut.
b.conv(x, { name: 'block2.conv1', outChannels: 32, kernel: 3, strides: 2, pads: 1, bias: false });
b.batchNorm({ name: 'block2.bn1' });
b.relu({ name: 'block2.relu1' });
b.conv({ name: 'block2.conv2', outChannels: 32, kernel: 3, pads: 1, bias: false });
const y2 = b.batchNorm({ name: 'block2.bn2' });
const s2 = b.conv(x, { name: 'block2.shortcut', outChannels: 32, kernel: 1, strides: 2, bias: false });
x = b.relu(b.add(s2, y2, { name: 'block2' }), { name: 'block2.relu2' });

b.globalAveragePool(x, { name: 'pool' });
b.flatten({ name: 'flatten', axis: 1 });
b.gemm({ name: 'fc', outFeatures: 10 });
b.output(undefined, { name: 'logits' });

const path = resolve(__dirname, '../examples/small-cnn.onnx');
writeFileSync(path, encodeOnnx(b.build()));
console.log(`wrote ${path}`);
