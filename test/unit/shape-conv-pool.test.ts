/**
 * Convolution and pooling geometry and shape rules on hand-built models.
 * Expected figures follow the ONNX spec (onnx/defs/nn/defs.cc: the conv
 * auto_pad doc, the pooling output-size formulas, the ConvTranspose pads
 * equations) and the ONNX node tests named where they pin a rule down.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Attribute, Node, Shape } from '../../src/core/ir';
import { inferShapes } from '../../src/core/analysis/infer';
import { convPoolGeometry, windowOutputDim } from '../../src/core/analysis/ops/conv-geometry';
import { int, ints, testModel, type TestModelSpec } from '../helpers/ir';

const str = (value: string): Attribute => ({ type: 'string', value });

function node(opType: string, attributes: Record<string, Attribute> = {}): Node {
  return { name: opType, opType, domain: '', attributes, inputs: ['x', 'w'], outputs: ['y'] };
}

function infer(spec: TestModelSpec, output = 'y') {
  const r = inferShapes(testModel(spec), { useDeclared: false });
  return { shape: r.values.get(output)?.shape, info: r.values.get(output), issues: r.issues };
}

/** One Conv of input `x` with a weight initializer of shape `w` (no data needed for shapes). */
function conv(x: Shape, w: number[], attrs: Record<string, Attribute> = {}, op = 'Conv') {
  return infer({
    inputs: { x: { shape: x } },
    initializers: { w: { dims: w } },
    outputs: ['y'],
    nodes: [{ op, inputs: ['x', 'w'], outputs: ['y'], attrs }],
  });
}

describe('convPoolGeometry', () => {
  it('takes the kernel from the weight and explicit strides, dilations and pads', () => {
    const g = convPoolGeometry(node('Conv', { strides: ints([2, 1]), dilations: ints([1, 2]), pads: ints([3, 1, 2, 0]) }), [1, 3, 32, 32], [8, 3, 7, 5]);
    assert.deepEqual(g, { kernel: [7, 5], strides: [2, 1], dilations: [1, 2], padsBegin: [3, 1], padsEnd: [2, 0] });
  });

  it('resolves SAME_UPPER / SAME_LOWER: total = (ceil(in/s)-1)·s + k - in, odd pixel at the end / beginning', () => {
    // in 5, k 4, s 2: ceil(5/2) = 3 → total (3-1)·2 + 4 - 5 = 3.
    const upper = convPoolGeometry(node('MaxPool', { kernel_shape: ints([4]), strides: ints([2]), auto_pad: str('SAME_UPPER') }), [1, 1, 5]);
    assert.deepEqual([upper?.padsBegin, upper?.padsEnd], [[1], [2]]);
    const lower = convPoolGeometry(node('MaxPool', { kernel_shape: ints([4]), strides: ints([2]), auto_pad: str('SAME_LOWER') }), [1, 1, 5]);
    assert.deepEqual([lower?.padsBegin, lower?.padsEnd], [[2], [1]]);
  });

  it('uses no padding for VALID even when pads are written', () => {
    const g = convPoolGeometry(node('Conv', { auto_pad: str('VALID'), pads: ints([1, 1, 1, 1]) }), [1, 3, 9, 9], [4, 3, 3, 3]);
    assert.deepEqual([g?.padsBegin, g?.padsEnd], [[0, 0], [0, 0]]);
  });

  it('counts dilations in the SAME padding: k 3, d 2 spans 5, so stride 1 pads 2 + 2, even for a symbolic size', () => {
    const g = convPoolGeometry(node('Conv', { dilations: ints([2, 2]), auto_pad: str('SAME_UPPER') }), ['N', 3, 'H', 'W'], [4, 3, 3, 3]);
    assert.deepEqual([g?.padsBegin, g?.padsEnd], [[2, 2], [2, 2]]);
  });

  it('is undefined when SAME pads depend on a symbolic size (stride 2) or the kernel is unknown', () => {
    assert.equal(convPoolGeometry(node('Conv', { strides: ints([2, 2]), auto_pad: str('SAME_UPPER') }), [1, 3, 'H', 'W'], [4, 3, 3, 3]), undefined);
    assert.equal(convPoolGeometry(node('Conv'), [1, 3, 8, 8], [4, 3, 'kh', 'kw']), undefined);
    assert.equal(convPoolGeometry(node('Conv'), [1, 3, 8, 8]), undefined);
  });

  it('adds the end padding ceil_mode implies (test_maxpool_2d_ceil: 4×4, k 3, s 2 → 2×2)', () => {
    const g = convPoolGeometry(node('MaxPool', { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: int(1) }), [1, 1, 4, 4]);
    assert.deepEqual([g?.padsBegin, g?.padsEnd], [[0, 0], [1, 1]]);
  });

  it('generates ConvTranspose pads from auto_pad SAME (total = output_padding + k - s) and from output_shape', () => {
    // test_convtranspose_autopad_same: in 3, k 3, s 2 → total 1, SAME_UPPER puts it at the end.
    const same = convPoolGeometry(node('ConvTranspose', { strides: ints([2, 2]), auto_pad: str('SAME_UPPER') }), [1, 1, 3, 3], [1, 2, 3, 3]);
    assert.deepEqual([same?.padsBegin, same?.padsEnd], [[0, 0], [1, 1]]);
    // output_shape 6: total = 2·(3-1) + 0 + 3 - 6 = 1; NOTSET puts the odd pixel at the beginning.
    const shaped = convPoolGeometry(node('ConvTranspose', { strides: ints([2]), output_shape: ints([6]) }), [1, 1, 3], [1, 2, 3]);
    assert.deepEqual([shaped?.padsBegin, shaped?.padsEnd], [[1], [0]]);
  });
});

describe('ceil_mode output size', () => {
  it('floor vs ceil: 4, k 3, s 2 → 1 or 2', () => {
    assert.equal(windowOutputDim(4, 3, 2, 1, 0, 0, false), 1);
    assert.equal(windowOutputDim(4, 3, 2, 1, 0, 0, true), 2);
  });

  it('drops a last window that starts past the input (test_maxpool_2d_ceil_output_size_reduce_by_one: 2, k 1, s 2 → 1)', () => {
    assert.equal(windowOutputDim(2, 1, 2, 1, 0, 0, true), 1);
  });

  it('drops a last window that starts on the end padding (test_averagepool_2d_ceil_last_window_starts_on_pad: 2, k 3, s 3, pads 1+1 → 1)', () => {
    assert.equal(windowOutputDim(2, 3, 3, 1, 1, 1, true), 1);
    const r = infer({
      inputs: { x: { shape: [1, 3, 2, 2] } },
      outputs: ['y'],
      nodes: [{ op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: ints([3, 3]), strides: ints([3, 3]), pads: ints([1, 1, 1, 1]), ceil_mode: int(1) } }],
    });
    assert.deepEqual(r.shape, [1, 3, 1, 1]);
  });
});

describe('Conv', () => {
  it('ResNet stem: [N,3,224,224] with 7×7/2 pads 3 → [N,64,112,112], N kept symbolic', () => {
    const r = conv(['N', 3, 224, 224], [64, 3, 7, 7], { strides: ints([2, 2]), pads: ints([3, 3, 3, 3]) });
    assert.deepEqual(r.shape, ['N', 64, 112, 112]);
  });

  it('keeps symbolic spatial sizes symbolic: 3×3 pads 1 keeps H; stride 2 gives an expression in H; SAME gives ceil(H/2)', () => {
    assert.deepEqual(conv(['N', 3, 'H', 'W'], [16, 3, 3, 3], { pads: ints([1, 1, 1, 1]) }).shape, ['N', 16, 'H', 'W']);
    const strided = conv(['N', 3, 'H', 'W'], [16, 3, 3, 3], { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) }).shape!;
    assert.equal(typeof strided[2], 'string');
    assert.match(String(strided[2]), /H/);
    assert.deepEqual(conv(['N', 3, 'H', 'W'], [16, 3, 3, 3], { auto_pad: str('SAME_UPPER'), strides: ints([2, 2]) }).shape, ['N', 16, 'ceil(H/2)', 'ceil(W/2)']);
  });

  it('divides the input channels among groups: C 4, W [8,2,3,3], group 2 → [1,8,6,6]', () => {
    assert.deepEqual(conv([1, 4, 8, 8], [8, 2, 3, 3], { group: int(2) }).shape, [1, 8, 6, 6]);
  });

  it('reports a channel mismatch as a shape error: C 4 vs W dims[1]·group = 3', () => {
    const r = conv([1, 4, 8, 8], [8, 3, 3, 3]);
    assert.equal(r.shape, undefined);
    const err = r.issues.find((i) => i.severity === 'error');
    assert.ok(err, 'expected a shape error');
    assert.match(err.message, /4 channels/);
    assert.match(err.message, /3/);
  });

  it('reports a kernel larger than the padded input', () => {
    const r = conv([1, 3, 4, 4], [8, 3, 7, 7]);
    assert.ok(r.issues.some((i) => i.severity === 'error' && /larger than the padded input/.test(i.message)));
  });

  it('ConvInteger produces int32', () => {
    assert.equal(conv([1, 3, 8, 8], [4, 3, 3, 3], {}, 'ConvInteger').info?.dtype, 'int32');
  });
});

describe('ConvTranspose', () => {
  it('SAME_UPPER doubles each axis at stride 2 and outputs W.dims[1]·group channels (test_convtranspose_autopad_same)', () => {
    assert.deepEqual(conv([1, 1, 3, 3], [1, 2, 3, 3], { strides: ints([2, 2]), auto_pad: str('SAME_UPPER') }, 'ConvTranspose').shape, [1, 2, 6, 6]);
  });

  it('explicit pads with output_padding: s·(in-1) + op + k - pb - pe = 2·2 + 1 + 3 - 0 = 8', () => {
    assert.deepEqual(conv([1, 1, 3, 3], [1, 2, 3, 3], { strides: ints([2, 2]), output_padding: ints([1, 1]) }, 'ConvTranspose').shape, [1, 2, 8, 8]);
  });

  it('uses output_shape when given', () => {
    assert.deepEqual(conv([1, 1, 3, 3], [1, 2, 3, 3], { strides: ints([3, 2]), output_shape: ints([10, 8]) }, 'ConvTranspose').shape, [1, 2, 10, 8]);
  });
});

describe('pooling', () => {
  it('MaxPool gives an int64 Indices output shaped like Y', () => {
    const m = testModel({
      inputs: { x: { shape: ['N', 8, 32, 32] } },
      outputs: ['y', 'i'],
      nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y', 'i'], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]) } }],
    });
    const v = inferShapes(m, { useDeclared: false }).values;
    assert.deepEqual(v.get('y')?.shape, ['N', 8, 16, 16]);
    assert.deepEqual(v.get('i'), { dtype: 'int64', shape: ['N', 8, 16, 16] });
  });

  it('GlobalAveragePool keeps N and C and makes every spatial axis 1', () => {
    const r = infer({ inputs: { x: { shape: ['N', 512, 'H', 'W'] } }, outputs: ['y'], nodes: [{ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }] });
    assert.deepEqual(r.shape, ['N', 512, 1, 1]);
  });
});
