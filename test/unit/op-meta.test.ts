/**
 * One entry per operator (src/core/analysis/op-meta.ts): every op with a
 * shape rule has a cost class, a receptive-field rule and a colour family, so
 * an op added to the shape rules cannot be silently 0 FLOPs, given the wrong
 * receptive field or drawn grey (issue #12: QLinearConv and ConvInteger had
 * MACs but 0 FLOPs because the FLOP table was a separate list).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OP_RULES } from '../../src/core/analysis/ops/index';
import { DRAWN_ONLY_FAMILY, OP_META, opKey, type OpMeta } from '../../src/shared/op-meta';

const FAMILIES = ['conv', 'pool', 'norm', 'activation', 'elementwise', 'linear', 'shape', 'resize', 'reduce', 'control', 'quant', 'io', 'other'];
const COST_KINDS = ['conv', 'convTranspose', 'gemm', 'matmul', 'einsum', 'window', 'input', 'variadic', 'elementwise', 'lrn', 'none', 'unknown'];
const FIELD_RULES = ['window', 'transposedWindow', 'global', 'reduce', 'reshape', 'transpose', 'pad', 'resize', 'slice', 'depthToSpace', 'spaceToDepth', 'squeeze', 'concat', 'union'];

/** What is wrong with the table against the shape rules: one line per problem. */
function problems(rules: Record<string, unknown>, meta: Record<string, OpMeta | undefined>): string[] {
  const out: string[] = [];
  for (const op of Object.keys(rules)) {
    const m = meta[op];
    if (!m) {
      out.push(`${op}: has a shape rule but no entry in OP_META (cost class, receptive-field rule, family)`);
      continue;
    }
    if (!FAMILIES.includes(m.family)) out.push(`${op}: family '${m.family}'`);
    if (!m.cost || !COST_KINDS.includes(m.cost.kind)) out.push(`${op}: cost class ${JSON.stringify(m.cost)}`);
    if (!FIELD_RULES.includes(m.field)) out.push(`${op}: receptive-field rule '${m.field}'`);
    if (m.cost?.kind === 'elementwise' && !(m.cost.perOutput > 0)) out.push(`${op}: element-wise cost must be positive (use 'none' for no arithmetic)`);
    if (['conv', 'convTranspose'].includes(m.cost?.kind) && m.weight === undefined) out.push(`${op}: conv-like without a weight input`);
  }
  for (const op of Object.keys(meta)) if (!(op in rules)) out.push(`${op}: entry in OP_META without a shape rule (drawn-only ops go in DRAWN_ONLY_FAMILY)`);
  return out;
}

describe('op metadata: one entry per operator', () => {
  it('every op with a shape rule has a cost class, a receptive-field rule and a family; no entry lacks a rule', () => {
    assert.deepEqual(problems(OP_RULES, OP_META), []);
  });

  it('the check notices an op whose entry is missing (as when a rule is added to ops/*.ts alone)', () => {
    const rules = { ...OP_RULES, NewTopKLikeOp: OP_RULES.TopK };
    assert.ok(problems(rules, OP_META).includes('NewTopKLikeOp: has a shape rule but no entry in OP_META (cost class, receptive-field rule, family)'));
    const meta = Object.assign(Object.create(null), OP_META) as Record<string, OpMeta>;
    delete meta.ConvInteger;
    assert.match(problems(OP_RULES, meta).join('\n'), /^ConvInteger: has a shape rule but no entry/);
  });

  it('ops drawn without a shape rule are not also in the main table, and have a family', () => {
    for (const [op, family] of Object.entries(DRAWN_ONLY_FAMILY)) {
      assert.ok(!(op in OP_META) && !(op in OP_RULES), op);
      assert.ok(FAMILIES.includes(family), op);
    }
  });

  it('conv- and matmul-like ops count 2 FLOPs per MAC, integer and quantized ones included', () => {
    for (const op of ['Conv', 'ConvInteger', 'QLinearConv', 'DeformConv', 'com.microsoft:FusedConv']) assert.equal(OP_META[op].cost.kind, 'conv', op);
    for (const op of ['MatMul', 'MatMulInteger', 'QLinearMatMul']) assert.equal(OP_META[op].cost.kind, 'matmul', op);
    // Input positions from the ONNX operator specs: QLinearConv(x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B).
    assert.deepEqual([OP_META.QLinearConv.weight, OP_META.QLinearConv.bias, OP_META.QLinearConv.quantizedWeight], [3, 8, 3]);
    // QLinearMatMul(a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point).
    assert.deepEqual([OP_META.QLinearMatMul.weight, OP_META.QLinearMatMul.quantizedWeight], [3, 3]);
    assert.deepEqual([OP_META.ConvInteger.weight, OP_META.ConvInteger.quantizedWeight], [1, 1]);
  });

  it('keys follow the shape-rule table: default and ai.onnx.ml domains bare, others as domain:Op', () => {
    assert.equal(opKey('', 'Conv'), 'Conv');
    assert.equal(opKey('ai.onnx', 'Conv'), 'Conv');
    assert.equal(opKey('ai.onnx.ml', 'Conv'), 'Conv');
    assert.equal(opKey('com.microsoft', 'FusedConv'), 'com.microsoft:FusedConv');
  });
});
