/**
 * Names a runtime can write into its profiler's trace. onnxruntime writes
 * node names (and names it derives from value names, `x_nchwc`) into its
 * JSON trace without escaping them, so a valid model whose names hold a
 * quote, a backslash or a control character yields a trace that is not
 * JSON. Before a profiling run such names are replaced by plain ones
 * (`cvlsafe_3_`), consistently in the graph, its subgraphs and its
 * functions; afterwards every name in the report, and in an error message,
 * is mapped back, so per-layer times stay keyed to the model's own layers.
 */
import type { Attribute, FunctionDef, Graph, Model, Node, Value } from '../ir';
import { printable } from '../user-message';
import type { RuntimeReport } from './runtime-report';

/** Characters a JSON writer must escape, and what invalid UTF-8 decodes to. */
// eslint-disable-next-line no-control-regex -- matches the control characters a JSON writer escapes
const UNSAFE = /["\\\u0000-\u001f\u007f\ufffd]/;

export const needsSafeName = (name: string): boolean => UNSAFE.test(name);

export interface SafeNames {
  model: Model;
  /** Restores the original names in a text the runtime wrote (kernel names, messages). */
  restore: (text: string) => string;
  /** The same, with control characters of the originals escaped (for one-line messages). */
  restorePrintable: (text: string) => string;
}

function* graphNames(g: Graph): Generator<string> {
  yield* g.inputs;
  yield* g.outputs;
  yield* g.values.keys();
  for (const n of g.nodes) yield* nodeNames(n);
}

function* nodeNames(n: Node): Generator<string> {
  yield n.name;
  yield* n.inputs;
  yield* n.outputs;
  for (const a of Object.values(n.attributes)) for (const sub of subgraphs(a)) yield* graphNames(sub);
}

const subgraphs = (a: Attribute): Graph[] => (a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : []);

function* modelNames(m: Model): Generator<string> {
  yield* graphNames(m.graph);
  for (const f of m.functions.values()) {
    yield* f.inputs;
    yield* f.outputs;
    for (const n of f.nodes) yield* nodeNames(n);
  }
}

/** True when a name anywhere in the model (graph, subgraphs, functions) needs a safe one. */
export function hasUnsafeNames(model: Model): boolean {
  for (const n of modelNames(model)) if (needsSafeName(n)) return true;
  return false;
}

/** The model with plain names where needed, or undefined when every name is already safe. */
export function withSafeNames(model: Model): SafeNames | undefined {
  const all = new Set(modelNames(model));
  const unsafe = [...all].filter(needsSafeName);
  if (unsafe.length === 0) return undefined;
  // A tag that no name contains, so that every occurrence in the runtime's text is one of ours.
  let tag = 'cvlsafe';
  for (let k = 1; [...all].some((n) => n.includes(tag)); k++) tag = `cvlsafe${k}x`;
  const toSafe = new Map<string, string>();
  const original: string[] = [];
  for (const name of unsafe) {
    toSafe.set(name, `${tag}_${original.length}_`);
    original.push(name);
  }
  const rename = (s: string) => toSafe.get(s) ?? s;
  const pattern = new RegExp(`${tag}_(\\d+)_`, 'g');
  return {
    model: renameModel(model, rename),
    restore: (text) => text.replace(pattern, (m, i: string) => original[Number(i)] ?? m),
    restorePrintable: (text) => text.replace(pattern, (m, i: string) => (original[Number(i)] !== undefined ? printable(original[Number(i)]) : m)),
  };
}

function renameAttribute(a: Attribute, rename: (s: string) => string): Attribute {
  if (a.type === 'graph') return { type: 'graph', value: renameGraph(a.value, rename) };
  if (a.type === 'graphs') return { type: 'graphs', value: a.value.map((g) => renameGraph(g, rename)) };
  return a;
}

function renameNode(n: Node, rename: (s: string) => string): Node {
  const attributes: Record<string, Attribute> = {};
  for (const [k, a] of Object.entries(n.attributes)) attributes[k] = renameAttribute(a, rename);
  return { ...n, name: rename(n.name), inputs: n.inputs.map(rename), outputs: n.outputs.map(rename), attributes };
}

function renameGraph(g: Graph, rename: (s: string) => string): Graph {
  const values = new Map<string, Value>();
  for (const [k, v] of g.values) values.set(rename(k), { ...v, name: rename(v.name) });
  return {
    ...g,
    nodes: g.nodes.map((n) => renameNode(n, rename)),
    inputs: g.inputs.map(rename),
    outputs: g.outputs.map(rename),
    values,
    initializers: new Set([...g.initializers].map(rename)),
  };
}

function renameModel(m: Model, rename: (s: string) => string): Model {
  const functions = new Map<string, FunctionDef>();
  for (const [k, f] of m.functions) functions.set(k, { ...f, inputs: f.inputs.map(rename), outputs: f.outputs.map(rename), nodes: f.nodes.map((n) => renameNode(n, rename)) });
  return { ...m, graph: renameGraph(m.graph, rename), functions };
}

/** A report built on the renamed model, with the model's own names back. */
export function restoreReportNames(report: RuntimeReport, restore: (text: string) => string): RuntimeReport {
  return {
    ...report,
    inputs: report.inputs.map((t) => ({ ...t, name: restore(t.name) })),
    layers: report.layers.map((l) => ({
      ...l,
      name: restore(l.name),
      ...(l.fusedInto !== undefined ? { fusedInto: restore(l.fusedInto) } : {}),
      ...(l.kernels ? { kernels: l.kernels.map(restore) } : {}),
      ...(l.fusedLayers ? { fusedLayers: l.fusedLayers.map(restore) } : {}),
    })),
    inserted: report.inserted.map((k) => ({ ...k, name: restore(k.name) })),
    notices: report.notices.map(restore),
    warnings: report.warnings.map(restore),
  };
}
