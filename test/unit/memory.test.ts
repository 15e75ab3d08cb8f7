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

  it('training memory = params + grads + optimizer state + saved activations and inputs', () => {
    const m = residual();
    // params: W = 16 floats = 64 B. Activations 256 B, input 64 B.
    const sgd = profileModel(m, { optimizer: 'sgd' }).report.totals;
    assert.equal(sgd.params, 16);
    assert.equal(sgd.paramBytes, 64);
    assert.equal(sgd.trainingBytes, 64 * 2 + 64 + 256);
    assert.equal(profileModel(m, { optimizer: 'momentum' }).report.totals.trainingBytes, 64 * 3 + 320);
    assert.equal(profileModel(m, { optimizer: 'adam' }).report.totals.trainingBytes, 64 * 4 + 320);
  });

  it('scales with the batch and finds the largest batch within a budget', () => {
    const m = residual();
    const b8 = profileModel(m, { batch: 8, optimizer: 'sgd' }).report.totals;
    assert.equal(b8.activationBytes, 256 * 8);
    assert.equal(b8.peakActivationBytes, 192 * 8);
    // Training at batch b (SGD): 128 + 320·b bytes. Budget 10,000 → b = 30 (9,728 B); 31 needs 10,048.
    const fit = largestBatchThatFits(m, 10_000, 'training', { optimizer: 'sgd' });
    assert.equal(fit.batch, 30);
    assert.equal(fit.bytesAtBatch, 128 + 320 * 30);
    assert.equal(fit.perSampleBytes, 320);
  });

  it('float16 inputs halve the activation bytes', () => {
    assert.equal(profileModel(residual(), { inputDtype: 'float16' }).report.totals.activationBytes, 128);
  });
});
