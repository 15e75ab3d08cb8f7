/**
 * What backward keeps, op by op (saved-tensors.ts), worked out by hand from
 * what torch 1.13's autograd saves (measured with saved-tensor hooks; see
 * README "Training memory"), on small graphs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { profileModel } from '../../src/core/report/profile';
import { inGroup } from '../../src/core/analysis/training';
import { testModel } from '../helpers/ir';

const ints = (value: number[]) => ({ type: 'ints' as const, value });

describe('what backward keeps', () => {
  // x [2,4,8,8] float32 = 2048 B. Conv 3×3 pad 1 → c [2,4,8,8]; BN → b; Relu → r; MaxPool 2×2 → p [2,4,4,4] = 512 B.
  const block = () =>
    testModel({
      inputs: { x: { shape: [2, 4, 8, 8] } },
      outputs: ['p'],
      initializers: { W: { dims: [4, 4, 3, 3] }, s: { dims: [4] }, o: { dims: [4] }, m: { dims: [4] }, v: { dims: [4] } },
      nodes: [
        { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'], attrs: { pads: ints([1, 1, 1, 1]), kernel_shape: ints([3, 3]) } },
        { op: 'BatchNormalization', inputs: ['c', 's', 'o', 'm', 'v'], outputs: ['b'] },
        { op: 'Relu', inputs: ['b'], outputs: ['r'] },
        { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]) } },
      ],
    });

  it('Conv: input and weight; BatchNorm: input, scale, running statistics and two batch statistics; ReLU: its result; MaxPool: argmax indices', () => {
    const r = profileModel(block(), { optimizer: 'sgd' }).report;
    const saved = Object.fromEntries(r.layers.map((l) => [l.op, l.savedBytes]));
    assert.equal(saved.Conv, 2048 + 4 * 4 * 9 * 4); // x + W (576 B)
    assert.equal(saved.BatchNormalization, 2048 + 3 * 16 + 2 * 16); // c + scale, mean, var (16 B each) + save_mean, save_invstd
    assert.equal(saved.Relu, 2048); // r (in place: the BN output's storage)
    assert.equal(saved.MaxPool, 2 * 4 * 4 * 4 * 8); // r is kept already; int64 indices of p
    assert.equal(r.training.savedWeightBytes, 576 + 48);
    assert.equal(r.training.savedBytes, 2624 + 2128 + 2048 + 1024);
  });

  it('a constant Pad before a convolution is padding inside it; a reshape is a view; Dropout keeps a mask; an unknown op keeps its inputs', () => {
    const m = testModel({
      inputs: { x: { shape: [1, 2, 4, 4] } }, // 128 B
      outputs: ['z'],
      initializers: { W: { dims: [2, 2, 3, 3] }, P: { dtype: 'int64', dims: [8], values: [0, 0, 1, 1, 0, 0, 1, 1] } }, // W: 144 B
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['a'] }, // keeps a: 128 B
        { op: 'Pad', inputs: ['a', 'P'], outputs: ['ap'] },
        { op: 'Conv', inputs: ['ap', 'W'], outputs: ['c'], attrs: { kernel_shape: ints([3, 3]) } }, // ap is a's storage; W: 144 B
        { op: 'Flatten', inputs: ['c'], outputs: ['f'] },
        { op: 'Dropout', inputs: ['f'], outputs: ['d'] }, // mask: 128 B
        { op: 'Mystery', inputs: ['d'], outputs: ['z'] }, // unknown: assumed to keep d, 128 B
      ],
    });
    const r = profileModel(m, { optimizer: 'sgd', showFoldedNodes: true }).report;
    assert.deepEqual(r.layers.map((l) => l.savedBytes), [128, 0, 144, 0, 128, 128]);
    // The Pad's output is not a tensor of its own (a's storage), so it is no transient either: the largest is
    // the Conv's (c's gradient 128 B + a's 128 B, at the Pad's input size, not the padded 288 B).
    assert.equal(r.training.transientLayer, 'Conv_2');
    assert.deepEqual(r.training.assumedOps, ['Mystery']);
  });

  it('mixed precision: float16 inputs keep activations and the saved weight copies at 2 bytes, parameters at 4', () => {
    const full = profileModel(block(), { optimizer: 'adam' }).report;
    const half = profileModel(block(), { optimizer: 'adam', inputDtype: 'float16' }).report;
    assert.equal(half.training.mixedPrecision, true);
    assert.equal(half.training.paramBytes, full.training.paramBytes);
    // Activations and the indices: x, c, r at 1024 B, W's copy 288 B; BN's per-channel tensors stay float32; indices int64.
    assert.equal(half.training.savedBytes, 1024 + 288 + 1024 + 48 + 32 + 1024 + 1024);
  });

  it('checkpointing keeps a group\'s inputs instead of its activations, and recomputes them in backward', () => {
    const m = testModel({
      inputs: { x: { shape: [1, 16] } }, // 64 B each
      outputs: ['y'],
      nodes: [
        { op: 'Sigmoid', inputs: ['x'], outputs: ['a'], name: '/pre/Sigmoid' },
        { op: 'Sigmoid', inputs: ['a'], outputs: ['b'], name: '/blk/s1/Sigmoid' },
        { op: 'Sigmoid', inputs: ['b'], outputs: ['c'], name: '/blk/s2/Sigmoid' },
        { op: 'Sigmoid', inputs: ['c'], outputs: ['y'], name: '/post/Sigmoid' },
      ] as never,
    });
    const plain = profileModel(m, { optimizer: 'sgd' }).report.training;
    assert.equal(plain.savedBytes, 4 * 64);
    const ck = profileModel(m, { optimizer: 'sgd', checkpoint: ['blk'] }).report.training;
    // a (the group's input) is kept by /pre already; b and c are recomputed: 128 B during blk's backward.
    assert.equal(ck.savedBytes, 2 * 64);
    assert.deepEqual(ck.checkpoint, [{ prefix: 'blk', layers: 2, keptBytes: 0, recomputedBytes: 128 }]);
  });

  it('group names: scopes of the layer name, PyTorch module paths, * within a scope', () => {
    assert.ok(inGroup('/layer3/layer3.0/conv1/Conv', 'layer3'));
    assert.ok(inGroup('/layer3/layer3.0/conv1/Conv', 'layer3.0'));
    assert.ok(!inGroup('/layer3/layer3.1/conv1/Conv', 'layer3.0'));
    assert.ok(!inGroup('/layer3/layer3.0/conv1/Conv', 'conv1'));
    assert.ok(inGroup('/conv4_block1/conv2d_9/Conv', 'conv4_*'));
    assert.ok(!inGroup('/conv4_block1/conv2d_9/Conv', 'conv4'));
    assert.ok(!inGroup('/layer30/x/Conv', 'layer3'));
  });
});
