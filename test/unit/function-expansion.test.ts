/**
 * Model-local functions that call each other (issue #11): two calls per
 * level over 40 levels is 2^40 nodes from a file of a few KB. Expansion is
 * memoised per function and signature and has a node budget, so such a
 * file profiles at once, and one whose calls really differ past the budget
 * ends with an error naming the function.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../../src/core/onnx/builder';
import { encodeOnnx } from '../../src/core/onnx/writer';
import type { FunctionDef, Model, Node } from '../../src/core/ir';
import { inferShapes, MAX_FUNCTION_DEPTH } from '../../src/core/analysis/infer';
import { runCli } from '../helpers/cli';
import type { ProfileReport } from '../../src/core/report/profile';
import { assertClean } from '../helpers/hostile';
import { tempDir } from '../helpers/temp';

const node = (name: string, opType: string, inputs: string[], outputs: string[], domain = '', attributes: Node['attributes'] = {}): Node => ({ name, opType, domain, inputs, outputs, attributes });

/**
 * F(k) = F(k−1) applied twice in sequence, so a call of F(levels) is 2^levels
 * copies of F0. With F0 = Relu every call of a level has the same signature;
 * with F0 a 1-wide MaxPool padded by one (length n → n + 1) every call sees
 * another length, and memoising cannot help.
 */
function doubling(levels: number, f0: 'relu' | 'grow' = 'relu'): Model {
  const b = new GraphBuilder('doubling', { opsets: { local: 1 }, weights: 'none' });
  b.input('x', 'float32', f0 === 'relu' ? [1, 4] : [1, 1, 4]);
  const body = f0 === 'relu'
    ? node('r', 'Relu', ['X'], ['Y'])
    : node('p', 'MaxPool', ['X'], ['Y'], '', { kernel_shape: { type: 'ints', value: [1] }, pads: { type: 'ints', value: [0, 1] } });
  b.addFunction({ name: 'F0', domain: 'local', inputs: ['X'], outputs: ['Y'], attributes: [], attributeDefaults: {}, opset: { '': 17 }, nodes: [body] });
  for (let k = 1; k <= levels; k++) {
    const fn: FunctionDef = {
      name: `F${k}`, domain: 'local', inputs: ['X'], outputs: ['Y'], attributes: [], attributeDefaults: {}, opset: { '': 17, local: 1 },
      nodes: [node('a', `F${k - 1}`, ['X'], ['T'], 'local'), node('b', `F${k - 1}`, ['T'], ['Y'], 'local')],
    };
    b.addFunction(fn);
  }
  b.node(`F${levels}`, ['x'], {}, 1, { name: 'top', domain: 'local' });
  b.output(undefined, { name: 'y' });
  return b.build();
}

let dir: string;
before(() => (dir = tempDir('convlens-fn-')));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('model-local functions calling each other', () => {
  it('2^39 nodes in a few KB: memoised, the output shape is known, the CLI answers (exit 0)', async () => {
    const path = join(dir, 'doubling.onnx');
    writeFileSync(path, encodeOnnx(doubling(39)));
    assert.ok(statSync(path).size < 4096, `${statSync(path).size} bytes`);
    const r = await runCli('profile', path, '--json');
    assertClean(r, 'doubling');
    assert.equal(r.code, 0);
    assert.deepEqual((JSON.parse(r.stdout) as ProfileReport).outputs[0].shape, [1, 4]);
  });

  it('a function whose calls all differ stays exact within the budget: 2^10 copies of n → n + 1', () => {
    assert.deepEqual(inferShapes(doubling(10, 'grow')).values.get('y')?.shape, [1, 1, 4 + 2 ** 10]);
  });

  it('calls that differ in every copy past the budget: an error naming the function, the outputs unknown', () => {
    // 2^24 MaxPools, each on a longer input: 16.8 M distinct calls.
    const r = inferShapes(doubling(24, 'grow'));
    const e = r.issues.find((i) => i.node === '/top/F24');
    assert.ok(e, JSON.stringify(r.issues.slice(0, 3)));
    assert.match(e.message, /^function local:F24: expanding model-local functions would evaluate more than 250,000 nodes \(function local:F\d+, called from local:F24 at node '\/top\/F24'\); its outputs are unknown$/);
    assert.equal(r.values.get('y')?.shape, undefined);
  });

  it(`functions nested more than ${MAX_FUNCTION_DEPTH} calls deep: an error, no stack overflow`, () => {
    // F(k) calls F(k−1) once: a chain of 5,000 functions.
    const b = new GraphBuilder('chain', { opsets: { local: 1 }, weights: 'none' });
    b.input('x', 'float32', [1, 4]);
    b.addFunction({ name: 'F0', domain: 'local', inputs: ['X'], outputs: ['Y'], attributes: [], attributeDefaults: {}, opset: { '': 17 }, nodes: [node('r', 'Relu', ['X'], ['Y'])] });
    for (let k = 1; k <= 5000; k++) {
      b.addFunction({ name: `F${k}`, domain: 'local', inputs: ['X'], outputs: ['Y'], attributes: [], attributeDefaults: {}, opset: { '': 17, local: 1 }, nodes: [node('a', `F${k - 1}`, ['X'], ['Y'], 'local')] });
    }
    b.node('F5000', ['x'], {}, 1, { name: 'top', domain: 'local' });
    b.output(undefined, { name: 'y' });
    const r = inferShapes(b.build());
    assert.ok(r.issues.some((i) => /function calls are nested more than 64 deep/.test(i.message)), JSON.stringify(r.issues.slice(0, 3)));
  });
});
