/** Quantized (QDQ) models, Einsum and onnxruntime's FusedConv. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { einsumOutput } from '../../src/core/analysis/ops/misc';
import { profileModel } from '../../src/core/report/profile';
import { testModel, ints } from '../helpers/ir';

describe('Einsum (numpy.einsum semantics)', () => {
  it('explicit and implicit outputs', () => {
    assert.deepEqual(einsumOutput('ij,jk->ik', [[2, 3], [3, 4]]), [2, 4]);
    assert.deepEqual(einsumOutput('bij,bjk->bik', [['N', 3, 5], ['N', 5, 7]]), ['N', 3, 7]);
    assert.deepEqual(einsumOutput('ij,jk', [[2, 3], [3, 4]]), [2, 4]); // implicit: indices seen once, sorted
    assert.deepEqual(einsumOutput('ji', [[2, 3]]), [3, 2]); // implicit output sorts: 'ij'
    assert.deepEqual(einsumOutput('...ii->...i', [[5, 4, 3, 3]]), [5, 4, 3]);
    assert.deepEqual(einsumOutput('nchw,kc->nkhw', [[1, 8, 4, 4], [16, 8]]), [1, 16, 4, 4]);
  });

  it('MACs are the product of every index size', () => {
    const m = testModel({
      inputs: { a: { shape: [2, 3] }, b: { shape: [3, 4] } },
      outputs: ['y'],
      nodes: [{ op: 'Einsum', inputs: ['a', 'b'], outputs: ['y'], attrs: { equation: { type: 'string', value: 'ij,jk->ik' } } }],
    });
    const l = profileModel(m).report.layers[0];
    assert.deepEqual(l.outputs[0].shape, [2, 4]);
    assert.equal(l.macs, 24);
  });
});

describe('quantized models', () => {
  it('QDQ: int8 weights behind DequantizeLinear count as parameters, at their stored size', () => {
    const m = testModel({
      inputs: { x: { shape: [1, 3, 8, 8] } },
      outputs: ['y'],
      initializers: {
        w_q: { dtype: 'int8', dims: [8, 3, 3, 3] },
        w_scale: { dims: [], values: [0.02] },
        w_zp: { dtype: 'int8', dims: [], values: [0] },
      },
      nodes: [
        { op: 'DequantizeLinear', inputs: ['w_q', 'w_scale', 'w_zp'], outputs: ['w'] },
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: ints([3, 3]) } },
      ],
    });
    const { report } = profileModel(m);
    assert.deepEqual(report.outputs[0].shape, [1, 8, 6, 6]);
    // 216 int8 weights + the float scale; the int8 zero point is not a weight.
    assert.equal(report.totals.params, 217);
    assert.equal(report.totals.paramBytes, 216 + 4);
    // The DequantizeLinear of a weight is a constant computation: folded into the Conv, whose parameters they are.
    assert.deepEqual(report.layers.map((l) => l.op), ['Conv']);
    assert.equal(report.layers[0].params, 217);
    assert.equal(report.layers[0].macs, 8 * 6 * 6 * 27);
  });

  it('com.microsoft FusedConv is counted and shaped as a Conv', () => {
    const m = testModel({
      inputs: { x: { shape: [1, 3, 8, 8] } },
      outputs: ['y'],
      initializers: { w: { dims: [4, 3, 3, 3] } },
      nodes: [{ op: 'FusedConv', inputs: ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) } }],
    });
    m.graph.nodes[0].domain = 'com.microsoft';
    const { report } = profileModel(m);
    assert.deepEqual(report.outputs[0].shape, [1, 4, 8, 8]);
    assert.equal(report.layers[0].macs, 4 * 64 * 27);
    assert.deepEqual(report.layers[0].receptiveField, { size: [3, 3], stride: [1, 1], offset: [0, 0] });
  });
});
