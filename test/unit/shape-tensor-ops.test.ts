/**
 * Shape, tensor, reduction and control-flow rules on hand-built models. The
 * expected figures follow the ONNX operator spec (onnx/docs/Operators.md);
 * the exporter chain is the one torch.onnx emits for `x.view(x.size(0), -1)`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Attribute, DType, Graph, Model, Node, Shape, Value } from '../../src/core/ir';
import { inferShapes } from '../../src/core/analysis/infer';
import type { TensorInfo } from '../../src/core/analysis/ops/types';

interface Init {
  dtype: DType;
  dims: number[];
  values: number[];
}

interface GraphSpec {
  inputs?: Record<string, { dtype?: DType; shape?: Shape }>;
  inits?: Record<string, Init>;
  nodes: [op: string, inputs: string[], outputs: string[], attrs?: Record<string, Attribute>][];
  outputs: string[];
}

function graph(spec: GraphSpec, name = 'g'): Graph {
  const values = new Map<string, Value>();
  for (const [n, v] of Object.entries(spec.inputs ?? {})) values.set(n, { name: n, dtype: v.dtype ?? 'float32', shape: v.shape });
  for (const [n, t] of Object.entries(spec.inits ?? {})) {
    values.set(n, { name: n, dtype: t.dtype, shape: t.dims, data: { dtype: t.dtype, dims: t.dims, storage: { kind: 'values', values: t.values } } });
  }
  const nodes: Node[] = spec.nodes.map(([opType, inputs, outputs, attrs], i) => ({
    name: `${name}/${opType}_${i}`, opType, domain: '', attributes: attrs ?? {}, inputs, outputs,
  }));
  return {
    name, nodes, inputs: Object.keys(spec.inputs ?? {}), outputs: spec.outputs, values,
    initializers: new Set(Object.keys(spec.inits ?? {})),
  };
}

function model(spec: GraphSpec, opset = 17): Model {
  return { format: 'onnx', opset: { '': opset }, graph: graph(spec), functions: new Map(), warnings: [], metadata: {} };
}

const ints = (value: number[]): Attribute => ({ type: 'ints', value });
const int = (value: number): Attribute => ({ type: 'int', value });
const sub = (g: Graph): Attribute => ({ type: 'graph', value: g });
const i64 = (values: number[], dims = [values.length]): Init => ({ dtype: 'int64', dims, values });

function infer(m: Model): Map<string, TensorInfo> {
  const r = inferShapes(m, { useDeclared: false });
  assert.deepEqual(r.issues.filter((x) => x.severity === 'error'), []);
  return r.values;
}

describe('exporter flatten chain (Shape → Gather → Unsqueeze → Concat → Reshape)', () => {
  const chain = (x: Shape) => model({
    inputs: { x: { shape: x } },
    inits: { zero: i64([0], []), axes0: i64([0]), minus1: i64([-1]) },
    nodes: [
      ['Shape', ['x'], ['s']],
      ['Gather', ['s', 'zero'], ['n'], { axis: int(0) }],
      ['Unsqueeze', ['n', 'axes0'], ['n1']],
      ['Concat', ['n1', 'minus1'], ['target'], { axis: int(0) }],
      ['Reshape', ['x', 'target'], ['y']],
    ],
    outputs: ['y'],
  }, 13);

  it('keeps a symbolic batch and multiplies out C*H*W = 3*32*32 = 3072', () => {
    const v = infer(chain(['N', 3, 32, 32]));
    assert.deepEqual(v.get('target')!.shape, [2]);
    assert.deepEqual(v.get('y')!.shape, ['N', 3072]);
  });

  it('folds to numbers when every dim is known: [2,3,4,4] → target [2,-1] → [2,48]', () => {
    const v = infer(chain([2, 3, 4, 4]));
    assert.deepEqual(v.get('s')!.value, [2, 3, 4, 4]);
    assert.deepEqual(v.get('target')!.value, [2, -1]);
    assert.deepEqual(v.get('y')!.shape, [2, 48]);
  });

  it('Shape → Slice → Concat keeps the spatial dims: [N,3,8,8] → [N,3,64]', () => {
    const v = infer(model({
      inputs: { x: { shape: ['N', 3, 8, 8] } },
      inits: { st: i64([0]), en: i64([2]), ax: i64([0]), minus1: i64([-1]) },
      nodes: [
        ['Shape', ['x'], ['s']],
        ['Slice', ['s', 'st', 'en', 'ax'], ['nc']],
        ['Concat', ['nc', 'minus1'], ['target'], { axis: int(0) }],
        ['Reshape', ['x', 'target'], ['y']],
      ],
      outputs: ['y'],
    }));
    assert.deepEqual(v.get('y')!.shape, ['N', 3, 64]);
  });
});

describe('Reshape', () => {
  it('reports an element-count mismatch ([2,3] → [4,2]: 6 vs 8 elements) as an error', () => {
    const r = inferShapes(model({
      inputs: { x: { shape: [2, 3] } },
      inits: { t: i64([4, 2]) },
      nodes: [['Reshape', ['x', 't'], ['y']]],
      outputs: ['y'],
    }), { useDeclared: false });
    const errors = r.issues.filter((x) => x.severity === 'error');
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /cannot reshape 2×3 \(6 elements\) to \[4, 2\] \(8 elements\)/);
  });

  it('gives the rank but not the dims when the target values are unknown', () => {
    const v = infer(model({
      inputs: { x: { shape: [2, 3] }, t: { dtype: 'int64', shape: [3] } },
      nodes: [['Reshape', ['x', 't'], ['y']]],
      outputs: ['y'],
    }));
    const y = v.get('y')!.shape!;
    assert.equal(y.length, 3);
    assert.ok(y.every((d) => typeof d === 'string' && d.startsWith('?')));
  });
});

describe('ConstantOfShape', () => {
  it('takes its shape from a folded Shape (start=1 of [2,3,5] → [3,5]) and its dtype from `value`', () => {
    const v = infer(model({
      inputs: { x: { shape: [2, 3, 5] } },
      nodes: [
        ['Shape', ['x'], ['s'], { start: int(1) }],
        ['ConstantOfShape', ['s'], ['y'], { value: { type: 'tensor', value: { dtype: 'int64', dims: [1], storage: { kind: 'values', values: [7] } } } }],
      ],
      outputs: ['y'],
    }));
    const y = v.get('y')!;
    assert.deepEqual(y.shape, [3, 5]);
    assert.equal(y.dtype, 'int64');
    assert.deepEqual(y.value, new Array(15).fill(7));
  });
});

describe('Slice, Split, Pad, Squeeze (spec examples)', () => {
  it('clamps INT64_MAX ends and follows negative steps', () => {
    const v = infer(model({
      inputs: { x: { shape: [20, 10, 5] } },
      inits: { st: i64([1, -1]), en: i64([2 ** 63, -(2 ** 63)]), ax: i64([0, 1]), sp: i64([1, -2]) },
      nodes: [['Slice', ['x', 'st', 'en', 'ax', 'sp'], ['y']]],
      outputs: ['y'],
    }));
    // axis 0: 1..20 → 19; axis 1: from 9 down to the start in steps of 2 → 5.
    assert.deepEqual(v.get('y')!.shape, [19, 5, 5]);
  });

  it('splits 7 into num_outputs=3 as [3,3,1] (opset 18)', () => {
    const v = infer(model({
      inputs: { x: { shape: [7, 2] } },
      nodes: [['Split', ['x'], ['a', 'b', 'c'], { num_outputs: int(3) }]],
      outputs: ['a', 'b', 'c'],
    }, 18));
    assert.deepEqual(['a', 'b', 'c'].map((n) => v.get(n)!.shape), [[3, 2], [3, 2], [1, 2]]);
  });

  it('pads only the given axes (opset 18 axes input) and keeps symbolic dims', () => {
    const v = infer(model({
      inputs: { x: { shape: ['N', 3, 8, 8] } },
      inits: { p: i64([1, 2, 1, 2]), ax: i64([-2, -1]) },
      nodes: [['Pad', ['x', 'p', '', 'ax'], ['y'], { mode: { type: 'string', value: 'reflect' } }]],
      outputs: ['y'],
    }, 18));
    assert.deepEqual(v.get('y')!.shape, ['N', 3, 10, 12]);
  });

  it('squeezes by attribute before opset 13 and reports squeezing a dim that is not 1', () => {
    const ok = infer(model({ inputs: { x: { shape: [1, 3, 1, 5] } }, nodes: [['Squeeze', ['x'], ['y'], { axes: ints([-2]) }]], outputs: ['y'] }, 11));
    assert.deepEqual(ok.get('y')!.shape, [1, 3, 5]);
    const bad = inferShapes(model({ inputs: { x: { shape: [1, 3] } }, nodes: [['Squeeze', ['x'], ['y'], { axes: ints([1]) }]], outputs: ['y'] }, 11));
    assert.equal(bad.issues.filter((x) => x.severity === 'error').length, 1);
  });
});

describe('reductions', () => {
  it('ReduceMean keepdims and ReduceSum axes input (opset 13) with noop_with_empty_axes', () => {
    const v = infer(model({
      inputs: { x: { shape: ['N', 4, 6] } },
      inits: { ax: i64([1]), none: i64([], [0]) },
      nodes: [
        ['ReduceMean', ['x'], ['m'], { axes: ints([-1]) }],
        ['ReduceSum', ['x', 'ax'], ['s'], { keepdims: int(0) }],
        ['ReduceSum', ['x', 'none'], ['same'], { noop_with_empty_axes: int(1) }],
        ['ArgMax', ['x'], ['am'], { axis: int(2), keepdims: int(0) }],
      ],
      outputs: ['m', 's', 'same', 'am'],
    }, 13));
    assert.deepEqual(v.get('m')!.shape, ['N', 4, 1]);
    assert.deepEqual(v.get('s')!.shape, ['N', 6]);
    assert.deepEqual(v.get('same')!.shape, ['N', 4, 6]);
    assert.deepEqual(v.get('am')!.shape, ['N', 4]);
    assert.equal(v.get('am')!.dtype, 'int64');
  });

  it('ReduceProd over a folded Shape gives the element count', () => {
    const v = infer(model({
      inputs: { x: { shape: [2, 3, 4] } },
      nodes: [['Shape', ['x'], ['s']], ['ReduceProd', ['s'], ['n'], { keepdims: int(0) }]],
      outputs: ['n'],
    }));
    assert.deepEqual(v.get('n')!.value, [24]);
  });
});

describe('If', () => {
  const thenG = graph({ inits: { a: { dtype: 'float32', dims: [2, 3], values: [1, 2, 3, 4, 5, 6] } }, nodes: [['Identity', ['a'], ['ta']]], outputs: ['ta'] }, 'then');
  const elseG = graph({ inits: { b: { dtype: 'float32', dims: [2, 4], values: [1, 2, 3, 4, 5, 6, 7, 8] } }, nodes: [['Identity', ['b'], ['eb']]], outputs: ['eb'] }, 'else');
  const ifModel = (cond?: number) => model({
    inputs: cond === undefined ? { c: { dtype: 'bool', shape: [] } } : {},
    inits: cond === undefined ? {} : { c: { dtype: 'bool', dims: [], values: [cond] } },
    nodes: [['If', ['c'], ['y'], { then_branch: sub(thenG), else_branch: sub(elseG) }]],
    outputs: ['y'],
  });

  it('merges branches [2,3] and [2,4] into [2, symbolic]', () => {
    const y = infer(ifModel()).get('y')!.shape!;
    assert.equal(y[0], 2);
    assert.equal(typeof y[1], 'string');
  });

  it('takes the branch a constant condition selects', () => {
    assert.deepEqual(infer(ifModel(0)).get('y')!.shape, [2, 4]);
    assert.deepEqual(infer(ifModel(1)).get('y')!.shape, [2, 3]);
  });
});

describe('Loop', () => {
  it('stacks a scan output over a known trip count of 5 and keeps the carried shape', () => {
    const body = graph({
      inputs: { i: { dtype: 'int64', shape: [] }, c_in: { dtype: 'bool', shape: [] }, v_in: { shape: [2] } },
      nodes: [['Identity', ['c_in'], ['c_out']], ['Add', ['v_in', 'v_in'], ['v_out']], ['Identity', ['v_in'], ['s_out']]],
      outputs: ['c_out', 'v_out', 's_out'],
    }, 'body');
    const v = infer(model({
      inputs: { v0: { shape: [2] } },
      inits: { M: i64([5], []), cond: { dtype: 'bool', dims: [], values: [1] } },
      nodes: [['Loop', ['M', 'cond', 'v0'], ['v_final', 'scan'], { body: sub(body) }]],
      outputs: ['v_final', 'scan'],
    }));
    assert.deepEqual(v.get('v_final')!.shape, [2]);
    assert.deepEqual(v.get('scan')!.shape, [5, 2]);
  });
});

describe('Scan (opset 9+)', () => {
  it('slices scan inputs on their axis and stacks outputs on scan_output_axes', () => {
    const body = graph({
      inputs: { s_in: { shape: [4] }, x_t: { shape: [4] } },
      nodes: [['Add', ['s_in', 'x_t'], ['s_out']], ['Identity', ['x_t'], ['y_t']]],
      outputs: ['s_out', 'y_t'],
    }, 'body');
    const v = infer(model({
      inputs: { s0: { shape: [4] }, xs: { shape: [4, 7] } },
      nodes: [['Scan', ['s0', 'xs'], ['s', 'ys'], { body: sub(body), num_scan_inputs: int(1), scan_input_axes: ints([1]), scan_output_axes: ints([-1]) }]],
      outputs: ['s', 'ys'],
    }));
    assert.deepEqual(v.get('s')!.shape, [4]);
    assert.deepEqual(v.get('ys')!.shape, [4, 7]);
  });
});

describe('Slice on a symbolic dim with an int32 "to the end" sentinel', () => {
  it('[N,3] sliced [0:2147483647, 0:1] (TF StridedSlice x[:, 0] with begin/end masks, tf2onnx) is [N,1], not [2147483647,1]', () => {
    const r = inferShapes(model({
      inputs: { x: { shape: ['N', 3] } },
      inits: { s: i64([0, 0]), e: i64([2147483647, 1]), ax: i64([0, 1]) },
      nodes: [['Slice', ['x', 's', 'e', 'ax'], ['y']]],
      outputs: ['y'],
    }), { useDeclared: false });
    assert.deepEqual(r.values.get('y')?.shape, ['N', 1]);
  });
});

describe('Range', () => {
  it('range(0, N) over a symbolic batch read with Shape has N elements (tf.range(tf.shape(x)[0]))', () => {
    const v = infer(model({
      inputs: { x: { shape: ['N', 48, 48, 32] } },
      inits: {
        zero: { dtype: 'int64', dims: [], values: [0] },
        one: { dtype: 'int64', dims: [], values: [1] },
        first: { dtype: 'int64', dims: [1], values: [0] },
        second: { dtype: 'int64', dims: [1], values: [1] },
      },
      nodes: [
        ['Shape', ['x'], ['s']],
        ['Slice', ['s', 'first', 'second'], ['s0']],
        ['Squeeze', ['s0', 'first'], ['n']],
        ['Range', ['zero', 'n', 'one'], ['r']],
      ],
      outputs: ['r'],
    }));
    assert.deepEqual(v.get('r')!.shape, ['N']);
  });

  it('known bounds give the spec\'s count, max(ceil((limit − start) / delta), 0): range(10, 4, −3) has 2', () => {
    const v = infer(model({
      inits: {
        s: { dtype: 'int64', dims: [], values: [10] },
        l: { dtype: 'int64', dims: [], values: [4] },
        d: { dtype: 'int64', dims: [], values: [-3] },
      },
      nodes: [['Range', ['s', 'l', 'd'], ['r']]],
      outputs: ['r'],
    }));
    assert.deepEqual(v.get('r')!.shape, [2]);
    assert.deepEqual(v.get('r')!.value, [10, 7]);
  });
});
