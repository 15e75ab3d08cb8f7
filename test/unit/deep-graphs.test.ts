/**
 * Graphs as deep as a file can make them (issue #11): a chain of hundreds of
 * thousands of nodes, in file order or reversed, is walked without
 * recursion or quadratic passes, through loading, shape inference, the
 * report and every text format.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Model, Node } from '../../src/core/ir';
import { executionOrder } from '../../src/core/analysis/execution-order';
import { profileModel } from '../../src/core/report/profile';
import { formatCsv, formatMarkdown, formatTable } from '../../src/core/report/format';
import { encodeOnnx } from '../../src/core/onnx/writer';
import { loadModelBytesSync } from '../../src/core/loaders/index';

/** x → Relu → Relu → … (n nodes), listed in file order or reversed. */
function chain(n: number, reversed = false): Model {
  const nodes: Node[] = [];
  for (let i = 0; i < n; i++) nodes.push({ name: `r${i}`, opType: 'Relu', domain: '', attributes: {}, inputs: [i ? `t${i - 1}` : 'x'], outputs: [`t${i}`] });
  if (reversed) nodes.reverse();
  const values = new Map([['x', { name: 'x', dtype: 'float32' as const, shape: [1, 4] }]]);
  return { format: 'onnx', opset: { '': 17 }, irVersion: 8, graph: { name: 'chain', nodes, inputs: ['x'], outputs: [`t${n - 1}`], values, initializers: new Set() }, functions: new Map(), warnings: [], metadata: {} };
}

describe('deep graphs', () => {
  // 150,000 rows: past what one call can take as spread arguments (about 120,000 here).
  it('a 150,000-node chain: loaded from its bytes, profiled, printed as table, CSV and Markdown', () => {
    const n = 150_000;
    const model = loadModelBytesSync(encodeOnnx(chain(n)), 'chain.onnx');
    const { report } = profileModel(model);
    assert.equal(report.layers.length, n);
    assert.deepEqual(report.outputs[0].shape, [1, 4]);
    assert.equal(report.totals.activationBytes, n * 16);
    assert.equal(formatCsv(report).trimEnd().split('\n').length, n + 1);
    assert.ok(formatTable(report).length > n);
    assert.ok(formatMarkdown(report).length > n);
  });

  it('100,000 nodes in reverse file order: ordered producer first, and every shape known', () => {
    const n = 100_000;
    const model = chain(n, true);
    const order = executionOrder(model.graph);
    assert.equal(order.length, n);
    assert.deepEqual([order[0].name, order[1].name, order[n - 1].name], ['r0', 'r1', `r${n - 1}`]);
    const { report } = profileModel(model);
    assert.deepEqual(report.outputs[0].shape, [1, 4]);
    assert.equal(report.totals.partial.length, 0);
  });

  it('independent nodes keep file order; a cycle keeps its nodes, in file order, after the rest', () => {
    const m = chain(3, true);
    // r2 ← r1 ← r0 listed reversed; an unrelated node 'free' listed first stays first.
    m.graph.nodes.unshift({ name: 'free', opType: 'Relu', domain: '', attributes: {}, inputs: ['x'], outputs: ['f'] });
    assert.deepEqual(executionOrder(m.graph).map((n) => n.name), ['free', 'r0', 'r1', 'r2']);
    const cyc = chain(2);
    cyc.graph.nodes.push({ name: 'a', opType: 'Relu', domain: '', attributes: {}, inputs: ['b_out'], outputs: ['a_out'] });
    cyc.graph.nodes.push({ name: 'b', opType: 'Relu', domain: '', attributes: {}, inputs: ['a_out'], outputs: ['b_out'] });
    cyc.graph.nodes.reverse();
    assert.deepEqual(executionOrder(cyc.graph).map((n) => n.name), ['r0', 'r1', 'b', 'a']);
  });
});
