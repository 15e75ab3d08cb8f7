/**
 * Attributes and dims the specs forbid are errors at their node, named, and
 * nothing impossible reaches the report (issue #11). The forbidden values are
 * those ONNX's own shape inference rejects (onnx/defs/nn/defs.cc,
 * convPoolShapeInference and convTransposeShapeInference: "kernel_shape must
 * only contain positive values", "strides/dilations must only contain
 * positive values", "pads must not contain negative values", "group must be
 * > 0", "output_shape / output_padding must not contain negative values") and
 * the ONNX IR's "a shape is a list of non-negative integers"; for Keras,
 * kernel_size, strides, filters, dilation_rate and pool_size are positive
 * integers (keras.layers docs).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Attribute, Shape } from '../../src/core/ir';
import { profileModel, type ProfileReport } from '../../src/core/report/profile';
import { parseShape } from '../../src/core/analysis/shape-text';
import { layerTitle } from '../../src/core/report/layer-view';
import { parseCnnYaml } from '../../src/core/loaders/cnn-yaml';
import { definitionToModel } from '../../src/core/loaders/cnn-yaml-model';
import { kerasJsonDefinition } from '../../src/core/loaders/keras-json-definition';
import { int, ints, testModel, type TestModelSpec } from '../helpers/ir';
import { impossibleNumbers } from '../helpers/impossible-numbers';
import { kerasMnistSequential, type Json } from '../helpers/keras-writers';
import { runCli } from '../helpers/cli';
import { encodeOnnx } from '../../src/core/onnx/writer';
import { tempDir } from '../helpers/temp';

const floats = (value: number[]): Attribute => ({ type: 'floats', value });

/**
 * input x [1, 3, 8, 8] → Relu 'before' → <op 'bad'> → Relu 'after'; and
 * x → Relu 'side' → output, a branch the bad node does not touch.
 */
function withBadNode(op: string, attrs: Record<string, Attribute>, weight?: number[], x: Shape = [1, 3, 8, 8]): ProfileReport {
  const spec: TestModelSpec = {
    inputs: { x: { shape: x } },
    outputs: ['z', 's'],
    nodes: [
      { name: 'before', op: 'Relu', inputs: ['x'], outputs: ['a'] },
      { name: 'bad', op, inputs: weight ? ['a', 'w'] : ['a'], outputs: ['y'], attrs },
      { name: 'after', op: 'Relu', inputs: ['y'], outputs: ['z'] },
      { name: 'side', op: 'Relu', inputs: ['x'], outputs: ['s'] },
    ],
    initializers: weight ? { w: { dims: weight } } : {},
  };
  return profileModel(testModel(spec)).report;
}

/** The node is refused with `message`, gets no shape, and the rest of the report holds nothing impossible. */
function assertRefused(report: ProfileReport, message: RegExp): void {
  const errors = report.warnings.filter((w) => w.startsWith('bad: '));
  assert.ok(errors.some((w) => message.test(w)), `expected ${message} among:\n${report.warnings.join('\n')}`);
  const bad = report.layers.find((l) => l.name === 'bad')!;
  assert.equal(bad.outputs[0].shape, null, 'the refused node gets no output shape');
  assert.equal(bad.receptiveField, null);
  // Its figures and everything after it are unknown, never 0 or negative.
  assert.equal(bad.activationBytes, null);
  assert.equal(report.layers.find((l) => l.name === 'after')!.flops, null);
  // The rest of the graph still gets what it can.
  assert.deepEqual(report.layers.find((l) => l.name === 'before')!.outputs[0].shape, [1, 3, 8, 8]);
  assert.deepEqual(report.layers.find((l) => l.name === 'side')!.outputs[0].shape, [1, 3, 8, 8]);
  assert.ok(report.totals.partial.includes('flops') && report.totals.partial.includes('activationBytes'));
  assert.deepEqual(impossibleNumbers(report), []);
}

describe('forbidden Conv attributes', () => {
  const w = [4, 3, 3, 3];
  const cases: [string, Record<string, Attribute>, RegExp, number[]?][] = [
    ['kernel_shape with a zero', { kernel_shape: ints([3, 0]) }, /Conv 'bad': kernel_shape \[3, 0\] must be positive/, [4, 3, 3, 0]],
    ['kernel_shape with a negative entry', { kernel_shape: ints([-3, 3]) }, /kernel_shape \[-3, 3\] must be positive/],
    ['a weight whose kernel has a zero dim', {}, /the weight's kernel \[0, 3\] must be positive/, [4, 3, 0, 3]],
    ['strides 0', { strides: ints([0, 1]) }, /Conv 'bad': strides \[0, 1\] must be positive/],
    ['negative strides', { strides: ints([-1, 1]) }, /strides \[-1, 1\] must be positive/],
    ['strides 1e308', { strides: ints([1e308, 1]) }, /strides \[1e\+308, 1\] must be positive integers below 2\^53/],
    ['strides written as floats', { strides: floats([1.5, 1]) }, /strides must be a list of integers, not a floats attribute/],
    ['dilation 0', { dilations: ints([0, 1]) }, /dilations \[0, 1\] must be positive/],
    ['negative pads', { pads: ints([-1, 0, 0, 0]) }, /pads \[-1, 0, 0, 0\] must be non-negative/],
    ['group 0', { group: int(0) }, /Conv 'bad': group 0 must be a positive integer/],
    ['group -1', { group: int(-1) }, /group -1 must be a positive integer/],
    ['group that does not divide the 3 input channels', { group: int(2) }, /group=2/, [4, 1, 3, 3]],
  ];
  for (const [what, attrs, message, weight] of cases) {
    it(`${what}: an error at the node, no shape, nothing impossible`, () => assertRefused(withBadNode('Conv', attrs, weight ?? w), message));
  }

  it('group not dividing the channels is refused even when the weight shape is unknown', () => {
    const report = profileModel(testModel({
      inputs: { x: { shape: [1, 3, 8, 8] }, w: { shape: [4, 'k', 3, 3] } },
      outputs: ['y'],
      nodes: [{ name: 'bad', op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { group: int(2) } }],
    })).report;
    assert.ok(report.warnings.some((w) => /the input's 3 channels are not divisible by group=2/.test(w)), report.warnings.join('\n'));
  });
});

describe('forbidden ConvTranspose attributes', () => {
  const w = [3, 2, 3, 3];
  const cases: [string, Record<string, Attribute>, RegExp][] = [
    ['kernel_shape 0', { kernel_shape: ints([0, 3]) }, /ConvTranspose 'bad': kernel_shape \[0, 3\] must be positive/],
    ['strides 0', { strides: ints([2, 0]) }, /strides \[2, 0\] must be positive/],
    ['dilation 0', { dilations: ints([0, 0]) }, /dilations \[0, 0\] must be positive/],
    ['negative pads', { pads: ints([0, 0, -2, 0]) }, /pads \[0, 0, -2, 0\] must be non-negative/],
    ['negative output_padding', { output_padding: ints([-1, 0]) }, /output_padding \[-1, 0\] must be non-negative/],
    ['negative output_shape', { output_shape: ints([-2, 4]) }, /output_shape \[-2, 4\] must be non-negative/],
    ['group 0', { group: int(0) }, /ConvTranspose 'bad': group 0 must be a positive integer/],
  ];
  for (const [what, attrs, message] of cases) {
    it(`${what}: an error at the node`, () => assertRefused(withBadNode('ConvTranspose', attrs, w), message));
  }

  it('the graph box title of a group -1 ConvTranspose shows no (negative) channel count', () => {
    const node = { name: 'bad', opType: 'ConvTranspose', domain: '', attributes: { group: int(-1) }, inputs: ['a', 'w'], outputs: ['y'] };
    assert.equal(layerTitle(node, () => w), 'ConvTranspose 3×3');
  });
});

describe('forbidden pooling attributes', () => {
  const cases: [string, string, Record<string, Attribute>, RegExp][] = [
    // Before: an 8×8 input "pooled" to 11×11 by a kernel of −2.
    ['MaxPool kernel_shape [-2, -2]', 'MaxPool', { kernel_shape: ints([-2, -2]) }, /MaxPool 'bad': kernel_shape \[-2, -2\] must be positive/],
    ['MaxPool kernel_shape 0', 'MaxPool', { kernel_shape: ints([0, 2]) }, /kernel_shape \[0, 2\] must be positive/],
    ['MaxPool dilation 0', 'MaxPool', { kernel_shape: ints([2, 2]), dilations: ints([1, 0]) }, /dilations \[1, 0\] must be positive/],
    ['AveragePool strides 0', 'AveragePool', { kernel_shape: ints([2, 2]), strides: ints([0, 2]) }, /AveragePool 'bad': strides \[0, 2\] must be positive/],
    ['AveragePool negative pads', 'AveragePool', { kernel_shape: ints([2, 2]), pads: ints([0, -1, 0, 0]) }, /pads \[0, -1, 0, 0\] must be non-negative/],
    ['LpPool strides 1e308', 'LpPool', { kernel_shape: ints([2, 2]), strides: ints([1e308, 1e308]) }, /LpPool 'bad': strides \[1e\+308, 1e\+308\] must be positive integers below 2\^53/],
  ];
  for (const [what, op, attrs, message] of cases) {
    it(`${what}: an error at the node`, () => assertRefused(withBadNode(op, attrs), message));
  }
});

describe('dims that cannot be sizes', () => {
  it('-1 in an input shape declared in the file: the input is refused by name, everything after it unknown', () => {
    const report = withBadNode('Relu', {}, undefined, [1, 3, -1, 8]);
    assert.ok(report.warnings.some((w) => /^x: input 'x': dim 2 of \[1,3,-1,8\]: -1 is not a size/.test(w)), report.warnings.join('\n'));
    assert.equal(report.inputs[0].shape, null);
    assert.ok(report.layers.every((l) => l.flops === null && l.activationBytes === null));
    assert.ok(report.totals.partial.includes('trainingBytes'));
    assert.deepEqual(impossibleNumbers(report), []);
  });

  it('-1 as a dim_value in an ONNX file: convlens profile --json refuses the input by name, nothing impossible', async () => {
    const dir = tempDir('convlens-forbidden-');
    try {
      const path = join(dir, 'minus-one.onnx');
      const model = testModel({ inputs: { x: { shape: [1, 3, -1, 8] } }, outputs: ['y'], nodes: [{ name: 'r', op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
      writeFileSync(path, encodeOnnx(model));
      const r = await runCli('profile', path, '--json');
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as ProfileReport;
      assert.ok(j.warnings.some((w) => /input 'x': dim 2 of \[1,3,-1,8\]: -1 is not a size/.test(w)), j.warnings.join('\n'));
      assert.deepEqual([j.inputs[0].shape, j.layers[0].flops, j.layers[0].activationBytes], [null, null, null]);
      assert.deepEqual(impossibleNumbers(j), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a negative dim given with --input (inputShapes) is refused the same way', () => {
    const report = profileModel(testModel({ inputs: { x: { shape: [1, 3, 8, 8] } }, outputs: ['y'], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] }), { inputShapes: { x: [1, 3, -4, 8] } }).report;
    assert.ok(report.warnings.some((w) => /input 'x': dim 2 of \[1,3,-4,8\]: -4 is not a size/.test(w)), report.warnings.join('\n'));
    assert.deepEqual(impossibleNumbers(report), []);
  });

  it('parseShape accepts sizes and names, and names the dim it refuses', () => {
    assert.deepEqual(parseShape('Nx3x224x224'), { shape: ['N', 3, 224, 224] });
    assert.deepEqual(parseShape('1, 3, 0, 5'), { shape: [1, 3, 0, 5] });
    assert.match(parseShape('1x3x-1x224').error!, /dim 2 of '1x3x-1x224': '-1' is neither a size/);
    assert.match(parseShape('1x1e308').error!, /dim 1 .*'1e308' is neither a size/);
    assert.match(parseShape('1x2.5').error!, /'2\.5' is neither a size/);
    assert.match(parseShape('1xx3').error!, /dim 1 .*'' is neither/);
    assert.match(parseShape('').error!, /no dims/);
  });

  it('convlens profile --input x=1x1x-1x5 is an error naming the dim (exit 2, one line)', async () => {
    const r = await runCli('profile', 'examples/small-cnn.onnx', '--input', 'input=1x3x-1x32');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^convlens: --input input: dim 2 of '1x3x-1x32': '-1' is neither a size \(an integer ≥ 0\) nor a name such as N\n$/);
  });
});

describe('forbidden Keras arguments in a definition', () => {
  const at = (text: string, r: { start: number; end: number }) => text.slice(r.start, r.end);
  const problemsOf = (text: string) => {
    const parsed = parseCnnYaml(text);
    if (!parsed.definition) return parsed.problems;
    const lowered = definitionToModel(parsed.definition);
    assert.deepEqual(impossibleNumbers(profileModel(lowered.model).report), []);
    return lowered.problems;
  };
  const cases: [string, string, RegExp, string][] = [
    ['kernel_size 0', '{filters: 2, kernel_size: 0}', /kernel_size must be a positive integer .*; got 0/, '0'],
    ['kernel_size [3, -1]', '{filters: 2, kernel_size: [3, -1]}', /kernel_size must be .*; got \[3,-1\]/, '[3, -1]'],
    ['strides 1e308', '{filters: 2, kernel_size: 3, strides: 1e308}', /strides must be .*below 2\^53; got 1e\+308/, '1e308'],
    ['filters -3', '{filters: -3, kernel_size: 3}', /filters must be a positive integer below 2\^53; got -3/, '-3'],
    ['dilation_rate 0', '{filters: 2, kernel_size: 3, dilation_rate: 0}', /dilation_rate must be .*; got 0/, '0'],
  ];
  for (const [what, args, message, value] of cases) {
    it(`Conv2D ${what}: an error at the argument's value`, () => {
      const text = `input: [8, 8, 3]\nlayers:\n  - Conv2D: ${args}\n  - ReLU\n`;
      const p = problemsOf(text).find((x) => message.test(x.message));
      assert.ok(p, problemsOf(text).map((x) => x.message).join('\n'));
      assert.equal(p.severity, 'error');
      assert.equal(at(text, p.range), value);
    });
  }

  it('MaxPooling2D pool_size 0: an error at the value', () => {
    const text = 'input: [8, 8, 3]\nlayers:\n  - MaxPooling2D: {pool_size: 0}\n';
    const p = problemsOf(text).find((x) => /pool_size/.test(x.message))!;
    assert.match(p.message, /pool_size must be .*; got 0/);
    assert.equal(at(text, p.range), '0');
  });

  it('input [-1, 8, 3] and [1e308, 8, 3]: an error at the input list', () => {
    for (const input of ['[-1, 8, 3]', '[1e308, 8, 3]']) {
      const text = `input: ${input}\nlayers:\n  - ReLU\n`;
      const [p] = parseCnnYaml(text).problems;
      assert.match(p.message, /`input` must be a list of positive integers below 2\^53/);
      assert.equal(at(text, p.range), input);
    }
  });

  it('a Keras model JSON with batch_shape [null, -5, 28, 1]: the input is refused by name', () => {
    const j = kerasMnistSequential();
    const layers = (j.config as Json).layers as Json[];
    (layers[0].config as Json).batch_shape = [null, -5, 28, 1];
    const d = kerasJsonDefinition(JSON.stringify(j, null, 2));
    assert.ok(d.problems.some((p) => /input 'input_layer': its shape is \(None, -5, 28, 1\); -5 is not a size/.test(p.message)), d.problems.map((p) => p.message).join('\n'));
    assert.deepEqual(impossibleNumbers(profileModel(d.model).report), []);
  });
});
