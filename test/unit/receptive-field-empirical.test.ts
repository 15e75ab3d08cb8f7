/**
 * Receptive fields measured, not derived: a direct (naive) executor runs a
 * small single-channel network with all-ones weights, lights one input row
 * (or column) at a time and sees whether a chosen output unit changes. Rows
 * and columns that reach the unit are its field; the analysis must report
 * exactly that extent, position and stride.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { profileModel } from '../../src/core/report/profile';
import { testModel, ints, int } from '../helpers/ir';

type Map2 = { h: number; w: number; v: Float64Array };

const zeros = (h: number, w: number): Map2 => ({ h, w, v: new Float64Array(h * w) });

interface Win { k: number; s: number; p: number; d?: number }

/** Sliding window over a zero-padded map: `reduce` folds the window's in-bounds values. */
function slide(x: Map2, o: Win, reduce: (vals: number[]) => number): Map2 {
  const d = o.d ?? 1;
  const ek = (o.k - 1) * d + 1;
  const h = Math.floor((x.h + 2 * o.p - ek) / o.s) + 1;
  const w = Math.floor((x.w + 2 * o.p - ek) / o.s) + 1;
  const y = zeros(h, w);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const vals: number[] = [];
      for (let a = 0; a < o.k; a++) {
        for (let b = 0; b < o.k; b++) {
          const r = i * o.s - o.p + a * d;
          const c = j * o.s - o.p + b * d;
          if (r >= 0 && r < x.h && c >= 0 && c < x.w) vals.push(x.v[r * x.w + c]);
        }
      }
      y.v[i * w + j] = reduce(vals);
    }
  }
  return y;
}

const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
const conv = (x: Map2, o: Win) => slide(x, o, sum);
const maxpool = (x: Map2, o: Win) => slide(x, o, (v) => Math.max(0, ...v));
const avgpool = (x: Map2, o: Win) => slide(x, o, (v) => sum(v) / v.length);
const add = (a: Map2, b: Map2): Map2 => ({ h: a.h, w: a.w, v: a.v.map((x, i) => x + b.v[i]) });

const SIZE = 96;

/** The network, executed directly. */
function forward(x: Map2): Map2 {
  let y = conv(x, { k: 3, s: 1, p: 1 });
  y = maxpool(y, { k: 2, s: 2, p: 0 });
  y = conv(y, { k: 3, s: 1, p: 2, d: 2 });
  y = conv(y, { k: 5, s: 2, p: 2 });
  y = avgpool(y, { k: 3, s: 1, p: 1 });
  const shortcut = conv(x, { k: 1, s: 4, p: 0 });
  return add(y, shortcut);
}

/** The same network as an ONNX-style graph. */
function graph() {
  const w = (k: number) => ({ dims: [1, 1, k, k] });
  const a = (k: number, s: number, p: number, d = 1) => ({
    kernel_shape: ints([k, k]), strides: ints([s, s]), pads: ints([p, p, p, p]), dilations: ints([d, d]),
  });
  return testModel({
    inputs: { x: { shape: [1, 1, SIZE, SIZE] } },
    outputs: ['y'],
    initializers: { w3: w(3), w3b: w(3), w5: w(5), w1: w(1) },
    nodes: [
      { op: 'Conv', inputs: ['x', 'w3'], outputs: ['c1'], attrs: a(3, 1, 1) },
      { op: 'MaxPool', inputs: ['c1'], outputs: ['p1'], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]) } },
      { op: 'Conv', inputs: ['p1', 'w3b'], outputs: ['c2'], attrs: a(3, 1, 2, 2) },
      { op: 'Conv', inputs: ['c2', 'w5'], outputs: ['c3'], attrs: a(5, 2, 2) },
      { op: 'AveragePool', inputs: ['c3'], outputs: ['p2'], attrs: { kernel_shape: ints([3, 3]), strides: ints([1, 1]), pads: ints([1, 1, 1, 1]), count_include_pad: int(0) } },
      { op: 'Conv', inputs: ['x', 'w1'], outputs: ['s'], attrs: a(1, 4, 0) },
      { op: 'Add', inputs: ['p2', 's'], outputs: ['y'] },
    ],
  });
}

/** Input rows (axis 0) or columns (axis 1) that reach output unit (u, u). */
function measuredExtent(u: number, axis: 0 | 1): number[] {
  const reach: number[] = [];
  for (let line = 0; line < SIZE; line++) {
    const x = zeros(SIZE, SIZE);
    for (let t = 0; t < SIZE; t++) x.v[axis === 0 ? line * SIZE + t : t * SIZE + line] = 1;
    const y = forward(x);
    if (y.v[u * y.w + u] > 0) reach.push(line);
  }
  return reach;
}

describe('receptive field, measured empirically', () => {
  it('equals the analysis for a unit whose field lies inside the image', () => {
    const { report } = profileModel(graph());
    const last = report.layers[report.layers.length - 1];
    assert.deepEqual(last.outputs[0].shape, [1, 1, 24, 24]);
    const rf = last.receptiveField;
    assert.ok(rf && !('global' in rf));
    const u = 12; // a central unit: its field is not clipped by the image border
    for (const axis of [0, 1] as const) {
      const reach = measuredExtent(u, axis);
      const lo = reach[0];
      const hi = reach[reach.length - 1];
      assert.equal(reach.length, hi - lo + 1, 'the field is contiguous');
      assert.ok(lo > 0 && hi < SIZE - 1, 'not clipped');
      assert.equal(hi - lo + 1, rf.size[axis], 'size');
      // Unit u's field is centred at offset + u·stride.
      assert.equal((lo + hi) / 2, rf.offset[axis] + u * rf.stride[axis], 'position');
    }
    assert.deepEqual(rf.stride, [4, 4]);
  });
});
