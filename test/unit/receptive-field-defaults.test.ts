/**
 * Receptive fields through ops whose axis is left at the spec's default
 * (Softmax-like: −1 from opset 13, 1 with 2-D coercion before; ArgMax: 0).
 * Such a node had no field before, and so had everything after it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { profileModel } from '../../src/core/report/profile';
import { int, ints, testModel } from '../helpers/ir';

/** x[1,3,8,8] → Conv 3×3 (field 3×3) → op without an axis attribute. */
function after(op: string, opset: number, attrs = {}) {
  const m = testModel({
    inputs: { x: { shape: [1, 3, 8, 8] } },
    outputs: ['y'],
    initializers: { W: { dims: [4, 3, 3, 3] } },
    nodes: [
      { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'], attrs: { kernel_shape: ints([3, 3]) } },
      { op, inputs: ['c'], outputs: ['y'], attrs },
    ],
    opset,
  });
  return profileModel(m).report.layers[1].receptiveField;
}

describe('receptive field at default axes', () => {
  for (const op of ['Softmax', 'LogSoftmax', 'Hardmax']) {
    it(`${op} at opset 13 (axis −1, the width): global`, () => assert.deepEqual(after(op, 13), { global: true }));
    it(`${op} at opset 11 (axis 1, every axis after it): global`, () => assert.deepEqual(after(op, 11), { global: true }));
    it(`${op} over channels (axis 1) at opset 13 keeps the conv's 3×3 field`, () => {
      assert.deepEqual(after(op, 13, { axis: int(1) }), { size: [3, 3], stride: [1, 1], offset: [1, 1] });
    });
  }
  it('ArgMax without an axis reduces the batch (axis 0): the 3×3 field stays', () => {
    assert.deepEqual(after('ArgMax', 13), { size: [3, 3], stride: [1, 1], offset: [1, 1] });
  });
});
