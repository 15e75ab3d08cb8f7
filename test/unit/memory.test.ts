/**
 * Activation memory, checked against figures worked out by hand from the
 * definition in README ("Memory").
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { profileModel, largestBatchThatFits } from '../../src/core/report/profile';
import { testModel } from '../helpers/ir';

// x[1,1,4,4] float32 = 64 bytes; every activation below is the same size.
//   step 0: A = Relu(x)        live: x, A          = 128
//   step 1: B = Relu(A)        live: A, B          = 128   (x died after step 0)
//   step 2: C = Add(A, B)      live: A, B, C       = 192   ← peak
//   step 3: Wi = Identity(W)   constant: not an activation; live: C = 64
//   step 4: D = Mul(C, Wi)     live: C, D          = 128   (D is a graph output)
const residual = () =>
  testModel({
    inputs: { x: { shape: [1, 1, 4, 4] } },
    outputs: ['D'],
    initializers: { W: { dims: [1, 1, 4, 4] } },
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['A'] },
      { op: 'Relu', inputs: ['A'], outputs: ['B'] },
      { op: 'Add', inputs: ['A', 'B'], outputs: ['C'] },
      { op: 'Identity', inputs: ['W'], outputs: ['Wi'] },
      { op: 'Mul', inputs: ['C', 'Wi'], outputs: ['D'] },
    ],
  });

describe('activation memory', () => {
  it('counts each activation once and weights passed through Identity as constants', () => {
    const { report } = profileModel(residual(), { showFoldedNodes: true });
    assert.deepEqual(report.layers.map((l) => l.activationBytes), [64, 64, 64, 0, 64]);
    // Folded (the default), the Identity of the weight is not a layer; the totals are the same.
    const folded = profileModel(residual()).report;
    assert.deepEqual(folded.layers.map((l) => l.activationBytes), [64, 64, 64, 64]);
    assert.deepEqual(folded.totals, report.totals);
    assert.equal(report.totals.activationBytes, 256);
  });

  it('peak inference memory is the most bytes live at once', () => {
    const p = profileModel(residual());
    assert.equal(p.report.totals.peakActivationBytes, 192);
    assert.equal(p.details.peakLayer, 'Add_2');
    assert.deepEqual(p.details.liveAtPeak.sort(), ['A', 'B', 'C']);
  });

  it('graph outputs stay live to the end', () => {
    // Two outputs: the first one made early must be counted until the end.
    const m = testModel({
      inputs: { x: { shape: [1, 16] } }, // 64 B
      outputs: ['A', 'C'],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['A'] }, // step 0: x, A = 128
        { op: 'Sigmoid', inputs: ['x'], outputs: ['B'] }, // step 1: x, A, B = 192
        { op: 'Tanh', inputs: ['B'], outputs: ['C'] }, // step 2: A, B, C = 192
      ],
    });
    assert.equal(profileModel(m).report.totals.peakActivationBytes, 192);
  });

  it('training memory = what backward keeps (each storage once) + params + grads + optimizer state', () => {
    const m = residual();
    // Kept for backward (PyTorch autograd): Relu keeps its result (A, then B), Add nothing, Mul both
    // operands: C and W (through its Identity copy, the same storage). x is kept by nobody.
    // Saved = A + B + C + W = 4 · 64 = 256 B, of which the weight W 64 B. Params: W = 64 B.
    const sgd = profileModel(m, { optimizer: 'sgd' }).report;
    assert.equal(sgd.totals.params, 16);
    assert.equal(sgd.totals.paramBytes, 64);
    assert.equal(sgd.training.savedBytes, 256);
    assert.equal(sgd.training.savedWeightBytes, 64);
    assert.equal(sgd.totals.trainingBytes, 256 + 64 * 2);
    assert.equal(profileModel(m, { optimizer: 'momentum' }).report.totals.trainingBytes, 256 + 64 * 3);
    assert.equal(profileModel(m, { optimizer: 'adam' }).report.totals.trainingBytes, 256 + 64 * 4);
    // Each layer's share: the layer that keeps a storage first.
    assert.deepEqual(sgd.layers.map((l) => [l.name, l.savedBytes]), [['Relu_0', 64], ['Relu_1', 64], ['Add_2', 0], ['Mul_4', 128]]);
    // Backward's largest transient: Add's output gradient and both input gradients, 3 · 64 B.
    assert.equal(sgd.training.transientBytes, 192);
    assert.equal(sgd.training.transientLayer, 'Add_2');
    assert.equal(sgd.totals.trainingPeakBytes, 384 + 192);
  });

  it('scales with the batch and finds the largest batch whose training peak fits a budget', () => {
    const m = residual();
    const b8 = profileModel(m, { batch: 8, optimizer: 'sgd' }).report.totals;
    assert.equal(b8.activationBytes, 256 * 8);
    assert.equal(b8.peakActivationBytes, 192 * 8);
    // SGD at batch b: kept = 3·64·b (A, B, C) + 64 (W) + 2·64 = 192b + 192; peak = kept + 192b = 384b + 192.
    assert.equal(b8.trainingBytes, 192 * 8 + 192);
    assert.equal(b8.trainingPeakBytes, 384 * 8 + 192);
    // Budget 10,000 → b = 25 (9,792 B); 26 needs 10,176.
    const fit = largestBatchThatFits(m, 10_000, 'training', { optimizer: 'sgd' });
    assert.equal(fit.batch, 25);
    assert.equal(fit.bytesAtBatch, 384 * 25 + 192);
    assert.equal(fit.perSampleBytes, 384);
  });

  it('float16 inputs halve the activation bytes', () => {
    assert.equal(profileModel(residual(), { inputDtype: 'float16' }).report.totals.activationBytes, 128);
  });
});
