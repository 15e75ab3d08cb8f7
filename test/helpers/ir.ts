/** Hand-built IR models for tests, without going through a file. */
import type { Attribute, DType, Graph, Model, Node, Shape } from '../../src/core/ir';

export interface TestNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, Attribute>;
}

export interface TestModelSpec {
  inputs: Record<string, { dtype?: DType; shape: Shape }>;
  outputs: string[];
  nodes: TestNode[];
  /** Initializers: values given are stored as numbers; without values the data is absent. */
  initializers?: Record<string, { dtype?: DType; dims: number[]; values?: number[] }>;
  opset?: number;
}

export function testModel(spec: TestModelSpec): Model {
  const values: Graph['values'] = new Map();
  for (const [name, v] of Object.entries(spec.inputs)) values.set(name, { name, dtype: v.dtype ?? 'float32', shape: v.shape });
  const initializers = new Set<string>();
  for (const [name, t] of Object.entries(spec.initializers ?? {})) {
    const dtype = t.dtype ?? 'float32';
    const storage = t.values ? { kind: 'values' as const, values: t.values } : { kind: 'none' as const };
    values.set(name, { name, dtype, shape: t.dims, data: { dtype, dims: t.dims, storage } });
    initializers.add(name);
  }
  const nodes: Node[] = spec.nodes.map((n, i) => ({
    name: n.name ?? `${n.op}_${i}`,
    opType: n.op,
    domain: '',
    attributes: n.attrs ?? {},
    inputs: n.inputs,
    outputs: n.outputs,
  }));
  return {
    format: 'onnx',
    opset: { '': spec.opset ?? 17 },
    graph: { name: 'test', nodes, inputs: Object.keys(spec.inputs), outputs: spec.outputs, values, initializers },
    functions: new Map(),
    warnings: [],
    metadata: {},
  };
}

export const ints = (value: number[]): Attribute => ({ type: 'ints', value });
export const int = (value: number): Attribute => ({ type: 'int', value });
