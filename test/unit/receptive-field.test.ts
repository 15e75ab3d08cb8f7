/**
 * Receptive fields against Araujo, Norris & Sim, "Computing Receptive Fields
 * of Convolutional Neural Networks" (Distill, 2019), Table 1:
 *   AlexNet  r = 195, effective stride 32
 *   VGG-16   r = 212, effective stride 32, effective padding 90
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { profileModel } from '../../src/core/report/profile';
import { sequential, type Layer } from '../helpers/sequential';
import { testModel, ints } from '../helpers/ir';

const vgg16: Layer[] = [];
for (const [n, c] of [[2, 64], [2, 128], [3, 256], [3, 512], [3, 512]]) {
  for (let i = 0; i < n; i++) vgg16.push({ conv: c, k: 3, p: 1 }, { relu: true });
  vgg16.push({ maxpool: 2 });
}

// torchvision's AlexNet features (the Distill table's AlexNet has the same kernels and strides).
const alexnet: Layer[] = [
  { conv: 64, k: 11, s: 4, p: 2 }, { relu: true }, { maxpool: 3, s: 2 },
  { conv: 192, k: 5, p: 2 }, { relu: true }, { maxpool: 3, s: 2 },
  { conv: 384, k: 3, p: 1 }, { relu: true },
  { conv: 256, k: 3, p: 1 }, { relu: true },
  { conv: 256, k: 3, p: 1 }, { relu: true }, { maxpool: 3, s: 2 },
];

function lastField(layers: Layer[]) {
  const { report } = profileModel(sequential([1, 3, 224, 224], layers));
  return report.layers[report.layers.length - 1].receptiveField;
}

describe('receptive field (Araujo et al. 2019)', () => {
  it('VGG-16: 212 × 212, stride 32, centre of the first unit at −90 + 211/2', () => {
    assert.deepEqual(lastField(vgg16), { size: [212, 212], stride: [32, 32], offset: [15.5, 15.5] });
  });

  it('AlexNet: 195 × 195, stride 32', () => {
    // Effective padding 2 + 2·8 + 3·16 = 66 → offset −66 + 194/2 = 31.
    assert.deepEqual(lastField(alexnet), { size: [195, 195], stride: [32, 32], offset: [31, 31] });
  });

  it('a single 7×7/2 pad-3 convolution: size 7, stride 2, centred on pixel 0', () => {
    assert.deepEqual(lastField([{ conv: 64, k: 7, s: 2, p: 3 }]), { size: [7, 7], stride: [2, 2], offset: [0, 0] });
  });

  it('dilation widens the kernel to d·(k−1)+1', () => {
    assert.deepEqual(lastField([{ conv: 8, k: 3, d: 4 }]), { size: [9, 9], stride: [1, 1], offset: [4, 4] });
  });

  it('merging paths takes the union of the fields', () => {
    // Path a: 3×3 conv (field 3); path b: 5×5 conv pad 1 (field 5, starts one pixel earlier... centred at 1).
    const m = testModel({
      inputs: { x: { shape: [1, 1, 9, 9] } },
      outputs: ['y'],
      initializers: { wa: { dims: [1, 1, 3, 3] }, wb: { dims: [1, 1, 5, 5] } },
      nodes: [
        { op: 'Conv', inputs: ['x', 'wa'], outputs: ['a'], attrs: { kernel_shape: ints([3, 3]) } }, // [0, 2]
        { op: 'Conv', inputs: ['x', 'wb'], outputs: ['b'], attrs: { kernel_shape: ints([5, 5]), pads: ints([1, 1, 1, 1]) } }, // [−1, 3]
        { op: 'Add', inputs: ['a', 'b'], outputs: ['y'] },
      ],
    });
    const { report } = profileModel(m);
    assert.deepEqual(report.layers[2].receptiveField, { size: [5, 5], stride: [1, 1], offset: [1, 1] });
  });

  it('global pooling and Flatten are global; constants have none', () => {
    const m = testModel({
      inputs: { x: { shape: [1, 3, 8, 8] } },
      outputs: ['z'],
      initializers: { w: { dims: [4, 3, 3, 3] } },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: ints([3, 3]) } },
        { op: 'GlobalAveragePool', inputs: ['c'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['z'] },
        { op: 'Identity', inputs: ['w'], outputs: ['w2'] },
      ],
    });
    // The Identity of a weight is listed only with showFoldedNodes (otherwise folded away).
    const rf = profileModel(m, { showFoldedNodes: true }).report.layers.map((l) => l.receptiveField);
    assert.deepEqual(rf, [{ size: [3, 3], stride: [1, 1], offset: [1, 1] }, { global: true }, { global: true }, null]);
  });
});
