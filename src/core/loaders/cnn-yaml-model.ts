/**
 * `*.cnn.yaml` definitions, step two: a `ModelDefinition` → the IR, with the
 * Keras layer semantics of src/core/keras. Blocks unroll into plain graph
 * structure: Residual = its layers, plus its shortcut (identity when absent)
 * from the block input, then Add; Branches = each branch from the block
 * input, then Concat on channels; Repeat = `times` copies. Every node is
 * mapped back to the definition item it came from, and every problem
 * (lowering or shape inference) is placed at a range of the text.
 */
import type { Model } from '../ir';
import { LoweringContext, lowerLayer, lowerMerge, type LayerProblem } from '../keras/layers';
import { parseCnnYaml, type BlockItem, type LayerSpec, type ModelDefinition, type SourceRange } from './cnn-yaml';
import { ModelLoadError } from '../errors';
import { append } from '../arrays';

export interface ModelProblem {
  message: string;
  range: SourceRange;
  severity: 'error' | 'warning' | 'information';
}

export interface DefinitionModel {
  model: Model;
  problems: ModelProblem[];
  /** IR node name → the range of the definition item (layer or block) it came from. */
  layerOf: Map<string, SourceRange>;
}

/** The graph input's NCHW shape for a channels-last definition input: [H, W, C] → [N, C, H, W]; [F] → [N, F]. */
export function definitionInputShape(input: readonly number[], batch: number): number[] {
  if (input.length === 1) return [batch, input[0]];
  return [batch, input[input.length - 1], ...input.slice(0, -1)];
}

/** NCHW → the definition's channels-last terms without the batch: [1, 64, 56, 56] → 56×56×64 (as definition-view's `channelsLast`). */
const hwc = (s: readonly number[]): string => (s.length > 2 ? [...s.slice(2), s[1]] : s.slice(1)).join('×');

/** Two shapes add when, aligned from the end, each pair of dims is equal or one of them is 1 (Keras's and ONNX's broadcasting). */
function broadcastable(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const [x, y] = [a[a.length - i], b[b.length - i]];
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

/**
 * A Residual whose layers and shortcut (or input) cannot be added, said in
 * the definition's terms, with the projection shortcut that would fix it
 * (He et al. 2016, option B: a strided 1×1 convolution).
 */
export function residualMismatch(label: string, [main, other]: number[][], hasShortcut: boolean): string | undefined {
  if (broadcastable(main, other)) return undefined;
  const what = hasShortcut ? 'its shortcut gives' : 'its input is';
  let fix = '';
  if (main.length === 4 && other.length === 4) {
    const sh = other[2] / main[2];
    const sw = other[3] / main[3];
    const strides = sh === 1 && sw === 1 ? ' with' : Number.isInteger(sh) && Number.isInteger(sw) ? ` with strides ${sh === sw ? sh : `[${sh}, ${sw}]`} and` : undefined;
    if (strides !== undefined) {
      fix = hasShortcut
        ? `; make the shortcut give ${hwc(main)} (e.g. Conv2D 1×1${strides} ${main[1]} filters)`
        : `; add a shortcut (e.g. Conv2D 1×1${strides} ${main[1]} filters)`;
    }
  }
  return `${label}: its layers give ${hwc(main)} but ${what} ${hwc(other)}${fix || '; the shapes must agree to add'}`;
}

/** A Branches block whose outputs cannot be concatenated on channels: the first branch that disagrees with branch 1. */
export function branchesMismatch(label: string, shapes: number[][]): string | undefined {
  const first = shapes[0];
  for (let i = 1; i < shapes.length; i++) {
    const s = shapes[i];
    const differs = s.length !== first.length || s.some((d, k) => k !== 1 && d !== first[k]);
    if (!differs) continue;
    const why = s.length !== first.length ? 'ranks must agree' : first.length > 2 ? 'spatial sizes must agree' : 'shapes must agree';
    return `${label}: branch ${i + 1} gives ${hwc(s)} but branch 1 gives ${hwc(first)}; ${why} to concatenate on channels`;
  }
  return undefined;
}

export function definitionToModel(def: ModelDefinition, opts: { batch?: number } = {}): DefinitionModel {
  const ctx = new LoweringContext(def.name ?? 'model', 'yaml');
  const problems: ModelProblem[] = [];
  const layerOf = new Map<string, SourceRange>();
  /** Node name → how messages name its item (`Residual 'res1'`). */
  const labelOf = new Map<string, string>();
  let current: SourceRange = def.inputRange;
  let currentLabel = '';
  let locate: (p: LayerProblem) => SourceRange = () => current;
  ctx.onNode = (name) => {
    layerOf.set(name, current);
    labelOf.set(name, currentLabel);
  };
  ctx.onProblem = (p) => problems.push({ message: p.message, severity: p.severity, range: locate(p) });

  const layer = (item: LayerSpec, x: string): string => {
    current = item.range;
    currentLabel = `${item.type}${item.name ? ` '${item.name}'` : ''}`;
    locate = (p) => (p.arg !== undefined ? item.argRanges[p.arg] ?? item.keyRange : p.onType ? item.keyRange : item.range);
    const y = lowerLayer(ctx, item, x);
    const s = y !== x ? ctx.shapeOf(y) : undefined;
    if (s && s.some((d) => d <= 0)) {
      problems.push({
        message: `${item.type}${item.name ? ` '${item.name}'` : ''}: the output would be empty (shape ${JSON.stringify(s)} in NCHW); the input is too small for its kernel, stride or cropping`,
        severity: 'error', range: item.keyRange,
      });
    }
    return y;
  };

  const merge = (item: BlockItem, type: 'Add' | 'Concatenate', inputs: string[], hasShortcut = false): string => {
    current = item.range;
    currentLabel = `${item.kind} '${ctx.scope[ctx.scope.length - 1]}'`;
    locate = () => item.keyRange;
    // A mismatch in the definition's own terms, unless an error inside the block already explains it.
    const inside = problems.some((p) => p.severity === 'error' && p.range.start >= item.range.start && p.range.end <= item.range.end);
    const shapes = inputs.map((v) => ctx.shapeOf(v));
    if (!inside && shapes.every((s): s is number[] => s !== undefined)) {
      const message = type === 'Add' ? residualMismatch(currentLabel, shapes, hasShortcut) : branchesMismatch(currentLabel, shapes);
      if (message) problems.push({ message, severity: 'error', range: item.keyRange });
    }
    return lowerMerge(ctx, { type, args: {} }, inputs);
  };

  const items = (list: readonly BlockItem[], x: string): string => {
    let y = x;
    for (const item of list) {
      if (item.kind === 'layer') {
        y = layer(item, y);
        continue;
      }
      ctx.scope.push(item.name ?? ctx.autoBlockName(item.kind.toLowerCase()));
      try {
        if (item.kind === 'Residual') {
          const main = items(item.layers, y);
          const shortcut = item.shortcut ? items(item.shortcut, y) : y;
          y = merge(item, 'Add', [main, shortcut], item.shortcut !== undefined);
        } else if (item.kind === 'Branches') {
          const outs = item.branches.map((b) => items(b, y));
          y = merge(item, 'Concatenate', outs);
        } else {
          for (let k = 1; k <= item.times; k++) {
            ctx.scope.push(String(k));
            try {
              y = items(item.layers, y);
            } finally {
              ctx.scope.pop();
            }
          }
        }
      } finally {
        ctx.scope.pop();
      }
    }
    return y;
  };

  const input = ctx.input('input', definitionInputShape(def.input, opts.batch ?? 1));
  const output = items(def.layers, input);
  ctx.graph.outputs.push(output);
  const model = ctx.build();

  // Shape errors (channel mismatches at an Add, empty outputs) found by the shared inference, at their item.
  // One problem per item: an item that already has one (e.g. an empty output) gets no second.
  const opOf = new Map(model.graph.nodes.map((n) => [n.name, n.opType]));
  for (const issue of ctx.inferenceIssues()) {
    const range = layerOf.get(issue.node);
    if (!range || issue.severity !== 'error') continue;
    if (problems.some((p) => p.range.start >= range.start && p.range.end <= range.end)) continue;
    // The inference message names the node (`MaxPool '/S2/MaxPool': …`); the label already says which layer.
    const detail = issue.message.replace(/^[A-Za-z]+ '[^']*': /, '');
    problems.push({ message: `${labelOf.get(issue.node)} (its ${opOf.get(issue.node)}): ${detail}`, severity: 'error', range });
  }
  return { model, problems, layerOf };
}

/** 1-based line and column of an offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/**
 * A `*.cnn.yaml` file → the IR, for the CLI and the model view. Errors (in
 * the text or in the layers) make it unloadable: the first is reported with
 * its line and column; warnings go to the model's warnings.
 */
export function loadCnnYaml(text: string, file: string): Model {
  const parsed = parseCnnYaml(text);
  const fail = (problems: { message: string; range: SourceRange; severity: string }[]) => {
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length === 0) return;
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    throw new ModelLoadError(file, `${lineColumn(text, first.range.start)}: ${first.message}${more}`);
  };
  fail(parsed.problems);
  if (!parsed.definition) throw new ModelLoadError(file, 'not a model definition (expected `input` and `layers`)');
  const lowered = definitionToModel(parsed.definition);
  fail(lowered.problems);
  const notes = [...parsed.problems, ...lowered.problems].filter((p) => p.severity === 'warning');
  append(lowered.model.warnings, notes.map((p) => `${lineColumn(text, p.range.start)}: ${p.message}`));
  return lowered.model;
}
