/**
 * Every path where a shape is not known gives an unknown cost (null, totals
 * partial), never a silent 0, and the symbolic-dims warning says what really
 * happened (issue #12). Each case below was 0 or untruthful before.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FunctionDef, Model, Node } from '../../src/core/ir';
import { profileModel } from '../../src/core/report/profile';
import { GraphBuilder } from '../../src/core/onnx/builder';
import { int, ints, testModel } from '../helpers/ir';

const node = (name: string, opType: string, inputs: string[], outputs: string[], domain = '', attributes: Node['attributes'] = {}): Node => ({ name, opType, domain, inputs, outputs, attributes });
const layer = (m: Model, i: number) => profileModel(m).report.layers[i];

describe('data-dependent dims', () => {
  // x[4,8] → NonZero → [2, n] (n = number of non-zeros, known at run time) → Cast → Transpose [n, 2] → MatMul W[2,3] → [n, 3].
  const m = testModel({
    inputs: { x: { shape: [4, 8] } },
    outputs: ['z'],
    initializers: { W: { dims: [2, 3] } },
    nodes: [
      { op: 'NonZero', inputs: ['x'], outputs: ['nz'] },
      { op: 'Cast', inputs: ['nz'], outputs: ['f'], attrs: { to: int(1) } },
      { op: 'Transpose', inputs: ['f'], outputs: ['t'] },
      { op: 'MatMul', inputs: ['t', 'W'], outputs: ['z'] },
    ],
  });
  const r = profileModel(m).report;

  it('a MatMul over n rows has unknown MACs and FLOPs; the totals say they are partial', () => {
    assert.deepEqual([r.layers[3].macs, r.layers[3].flops, r.layers[3].activationBytes], [null, null, null]);
    assert.ok(r.totals.partial.includes('macs') && r.totals.partial.includes('flops'));
    // NonZero reads its 32 input elements: that much is known.
    assert.equal(r.layers[0].flops, 32);
  });

  it('the warning does not claim n was taken as 1; it says n is known only at run time', () => {
    assert.ok(!r.warnings.some((w) => /taken as 1/.test(w)), r.warnings.join('\n'));
    assert.ok(r.warnings.some((w) => /^dims '\?nz\[1\]' are known only when the model runs/.test(w)), r.warnings.join('\n'));
  });

  it('a symbolic batch is taken as 1, and the warning names it alone', () => {
    const sym = testModel({
      inputs: { x: { shape: ['N', 4, 8] } },
      outputs: ['z'],
      initializers: { W: { dims: [8, 3] } },
      nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['z'] }],
    });
    const s = profileModel(sym).report;
    assert.equal(s.layers[0].macs, 1 * 4 * 3 * 8);
    assert.deepEqual(s.warnings.filter((w) => /dims/.test(w)), ['symbolic dims \'N\' taken as 1 for counts and memory (bind them with --input or --batch)']);
  });
  it('MatMul whose K is data-dependent: the output [2, 2] is known, the MACs are not', () => {
    // NonZero(x) = [2, n]; a = Cast → [2, n]; b = Transpose → [n, 2]; a·b = [2, 2] with K = n.
    const k = testModel({
      inputs: { x: { shape: [4, 8] } },
      outputs: ['z'],
      nodes: [
        { op: 'NonZero', inputs: ['x'], outputs: ['nz'] },
        { op: 'Cast', inputs: ['nz'], outputs: ['a'], attrs: { to: int(1) } },
        { op: 'Transpose', inputs: ['a'], outputs: ['b'] },
        { op: 'MatMul', inputs: ['a', 'b'], outputs: ['z'] },
      ],
    });
    const l = profileModel(k).report.layers[3];
    assert.deepEqual(l.outputs[0].shape, [2, 2]);
    assert.deepEqual([l.macs, l.flops], [null, null]);
    assert.equal(l.activationBytes, 16);
  });
});

describe('unknown rank and unknown channels', () => {
  it('an input of unknown rank: Relu FLOPs and Conv MACs are unknown, the Conv weights still count (4·3·3·3 = 108)', () => {
    const m = testModel({
      inputs: { x: { shape: undefined as never } },
      outputs: ['y'],
      initializers: { W: { dims: [4, 3, 3, 3] } },
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'Conv', inputs: ['r', 'W'], outputs: ['y'] }],
    });
    const r = profileModel(m).report;
    assert.equal(r.layers[0].flops, null);
    assert.deepEqual([r.layers[1].macs, r.layers[1].flops, r.layers[1].params], [null, null, 108]);
    assert.deepEqual(r.totals.partial, ['macs', 'flops', 'activationBytes', 'peakActivationBytes', 'trainingBytes', 'trainingPeakBytes']);
  });

  it('Gemm whose A has unknown rank (K unknown): unknown', () => {
    const m = testModel({
      inputs: { a: { shape: undefined as never } },
      outputs: ['y'],
      initializers: { W: { dims: [5, 3] } },
      nodes: [{ op: 'Gemm', inputs: ['a', 'W'], outputs: ['y'] }],
    });
    assert.deepEqual([layer(m, 0).macs, layer(m, 0).flops], [null, null]);
  });

  it('a Conv whose weight (a graph input) has no shape: output channels and MACs unknown, no "taken as 1"', () => {
    const m = testModel({
      inputs: { x: { shape: [1, 3, 8, 8] }, W: { shape: undefined as never } },
      outputs: ['y'],
      nodes: [{ op: 'Conv', inputs: ['x', 'W'], outputs: ['y'], attrs: { kernel_shape: ints([3, 3]) } }],
    });
    const r = profileModel(m).report;
    assert.deepEqual([r.layers[0].macs, r.layers[0].flops], [null, null]);
    assert.ok(!r.warnings.some((w) => /taken as 1/.test(w)), r.warnings.join('\n'));
  });
});

describe('work ConvLens does not count is unknown, not 0', () => {
  it('If: its branches are not counted, so its MACs and FLOPs are unknown', () => {
    const branch = (name: string) => ({ name, nodes: [node(`${name}/relu`, 'Relu', ['x'], [`${name}_y`])], inputs: [], outputs: [`${name}_y`], values: new Map(), initializers: new Set<string>() });
    const m = testModel({ inputs: { x: { shape: [1, 4] }, c: { dtype: 'bool', shape: [] } }, outputs: ['y'], nodes: [] });
    m.graph.values.set('then_y', { name: 'then_y', dtype: 'float32', shape: [1, 4] });
    m.graph.nodes.push({ name: 'if', opType: 'If', domain: '', inputs: ['c'], outputs: ['y'], attributes: { then_branch: { type: 'graph', value: branch('then') }, else_branch: { type: 'graph', value: branch('else') } } });
    const r = profileModel(m).report;
    assert.deepEqual([r.layers[0].macs, r.layers[0].flops], [null, null]);
    assert.ok(r.totals.partial.includes('flops'));
  });

  it('an op of a custom domain inside a model-local function: the call is unknown', () => {
    const b = new GraphBuilder('fn', { opsets: { local: 1, 'my.domain': 1 }, weights: 'none' });
    b.input('x', 'float32', [1, 4]);
    b.addFunction({ name: 'F', domain: 'local', inputs: ['X'], outputs: ['Y'], attributes: [], attributeDefaults: {}, opset: { '': 17, 'my.domain': 1 }, nodes: [node('m', 'Mystery', ['X'], ['Y'], 'my.domain')] });
    b.node('F', ['x'], {}, 1, { name: 'call', domain: 'local' });
    b.output(undefined, { name: 'y' });
    const r = profileModel(b.build()).report;
    assert.deepEqual([r.layers[0].macs, r.layers[0].flops], [null, null]);
  });

  it('functions calling functions: the calls inside a body are counted (2^3 Relus on 4 elements = 32 FLOPs)', () => {
    const b = new GraphBuilder('nested', { opsets: { local: 1 }, weights: 'none' });
    b.input('x', 'float32', [1, 4]);
    b.addFunction({ name: 'F0', domain: 'local', inputs: ['X'], outputs: ['Y'], attributes: [], attributeDefaults: {}, opset: { '': 17 }, nodes: [node('r', 'Relu', ['X'], ['Y'])] });
    for (let k = 1; k <= 3; k++) {
      const fn: FunctionDef = {
        name: `F${k}`, domain: 'local', inputs: ['X'], outputs: ['Y'], attributes: [], attributeDefaults: {}, opset: { '': 17, local: 1 },
        nodes: [node('a', `F${k - 1}`, ['X'], ['T'], 'local'), node('b', `F${k - 1}`, ['T'], ['Y'], 'local')],
      };
      b.addFunction(fn);
    }
    b.node('F3', ['x'], {}, 1, { name: 'top', domain: 'local' });
    b.output(undefined, { name: 'y' });
    const r = profileModel(b.build()).report;
    assert.deepEqual([r.layers[0].macs, r.layers[0].flops], [0, 32]);
  });

  it('a pooling window given by the call (attribute reference) counts with the call\'s value: 4 outputs × 2 = 8', () => {
    const b = new GraphBuilder('ref', { opsets: { local: 1 }, weights: 'none' });
    b.input('x', 'float32', [1, 1, 5]);
    b.addFunction({
      name: 'P', domain: 'local', inputs: ['X'], outputs: ['Y'], attributes: ['k'], attributeDefaults: {}, opset: { '': 17 },
      nodes: [node('p', 'MaxPool', ['X'], ['Y'], '', { kernel_shape: { type: 'ref', value: 'k' } })],
    });
    b.node('P', ['x'], { k: ints([2]) }, 1, { name: 'call', domain: 'local' });
    b.output(undefined, { name: 'y' });
    const r = profileModel(b.build()).report;
    assert.deepEqual(r.outputs[0].shape, [1, 1, 4]);
    assert.equal(r.layers[0].flops, 8);
  });
});
