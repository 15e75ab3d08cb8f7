/**
 * `*.cnn.yaml` model definitions (issue #5), step one: the text → a typed
 * definition with source ranges, and structural problems at the exact range.
 * Layer semantics (Keras arguments, shapes) come after, shared with the
 * Keras loaders; this module only knows the format's structure:
 *
 *   name: LeNet-5          # optional
 *   input: [32, 32, 1]     # height, width, channels (any rank ≥ 1)
 *   layers:
 *     - Conv2D: {filters: 6, kernel_size: 5, activation: tanh}
 *     - Residual: {layers: [...], shortcut: [...]}   # or Residual: [...]
 *     - Branches: [[...], [...]]                      # or {branches: [...]}
 *     - Repeat: {times: 3, layers: [...]}
 *
 * Each layer is a map with one key, the Keras layer class, whose value is its
 * arguments (a map, or empty). Parsed with the `yaml` package, which keeps
 * every node's offsets in the text.
 */
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import { formatCount } from '../errors';
import { dict } from '../lookup';
import { culprit, expandedLayers, MAX_BLOCK_NESTING, MAX_DEFINITION_LAYERS, MAX_YAML_NESTING, tooDeeplyNested } from './cnn-yaml-limits';

/** Offsets into the text: [start, end). */
export interface SourceRange {
  start: number;
  end: number;
}

interface Spanned {
  /** The whole list item. */
  range: SourceRange;
  /** The key naming the layer or block (`Conv2D`, `Residual`, …). */
  keyRange: SourceRange;
  /** `name:` given in the arguments, if any. */
  name?: string;
}

export interface LayerSpec extends Spanned {
  kind: 'layer';
  /** Keras layer class, e.g. `Conv2D`. */
  type: string;
  /** Arguments as plain data (`name` excluded). */
  args: Record<string, unknown>;
  /** Range of each argument's value, for diagnostics on an argument. */
  argRanges: Record<string, SourceRange>;
}

export interface ResidualSpec extends Spanned {
  kind: 'Residual';
  layers: BlockItem[];
  /** Projection applied to the block's input before the add; absent: identity. */
  shortcut?: BlockItem[];
}

export interface BranchesSpec extends Spanned {
  kind: 'Branches';
  branches: BlockItem[][];
}

export interface RepeatSpec extends Spanned {
  kind: 'Repeat';
  times: number;
  /** The `times` value, for messages about it. */
  timesRange: SourceRange;
  layers: BlockItem[];
}

export type BlockItem = LayerSpec | ResidualSpec | BranchesSpec | RepeatSpec;

export interface ModelDefinition {
  name?: string;
  input: number[];
  inputRange: SourceRange;
  layers: BlockItem[];
}

export interface DefinitionProblem {
  severity: 'error' | 'warning';
  message: string;
  range: SourceRange;
  /** 1-based line and column of `range.start`, for messages outside an editor. */
  line: number;
  column: number;
}

export interface ParsedDefinition {
  /** Undefined when the text is too broken to describe a model. */
  definition?: ModelDefinition;
  problems: DefinitionProblem[];
}

const BLOCKS = new Set(['Residual', 'Branches', 'Repeat']);
const TOP_KEYS = new Set(['name', 'input', 'layers', 'description']);

function rangeOf(n: YamlNode | Pair | null | undefined, fallback: SourceRange): SourceRange {
  const r = n && 'range' in n ? n.range : undefined;
  if (r) return { start: r[0], end: r[1] };
  // A pair has no range of its own: from its key to the end of its value.
  if (n && 'key' in n) {
    const k = rangeOf(n.key as YamlNode, fallback);
    const v = n.value ? rangeOf(n.value as YamlNode, k) : k;
    return { start: k.start, end: v.end };
  }
  return fallback;
}

class Parser {
  readonly problems: DefinitionProblem[] = [];
  constructor(
    private readonly lines: LineCounter,
    private readonly text: string,
  ) {}

  problem(range: SourceRange, message: string, severity: DefinitionProblem['severity'] = 'error'): void {
    const pos = this.lines.linePos(range.start);
    this.problems.push({ severity, message, range, line: pos.line, column: pos.col });
  }

  /** Blocks entered so far (recursion is bounded by MAX_BLOCK_NESTING). */
  private depth = 0;

  /** A list of layers; `where` names it in messages (`layers`, `Residual.shortcut`, …). */
  items(n: unknown, where: string, at: SourceRange): BlockItem[] {
    if (!isSeq(n)) {
      this.problem(rangeOf(n as YamlNode, at), `${where} must be a list of layers`);
      return [];
    }
    if (this.depth > MAX_BLOCK_NESTING) {
      this.problem(rangeOf(n, at), `blocks are nested more than ${MAX_BLOCK_NESTING} levels deep`);
      return [];
    }
    this.depth++;
    try {
      const out: BlockItem[] = [];
      for (const item of n.items) {
        const parsed = this.item(item as YamlNode, where, rangeOf(n, at));
        if (parsed) out.push(parsed);
      }
      return out;
    } finally {
      this.depth--;
    }
  }

  item(n: YamlNode, where: string, at: SourceRange): BlockItem | undefined {
    const range = rangeOf(n, at);
    if (isScalar(n) && typeof n.value === 'string' && n.value) {
      // `- Flatten` is read as `- Flatten: {}`.
      return { kind: 'layer', type: n.value, args: dict(), argRanges: dict(), range, keyRange: range };
    }
    if (!isMap(n) || n.items.length !== 1) {
      this.problem(range, `each item of ${where} must be one layer, written \`- LayerClass: {arguments}\``);
      return undefined;
    }
    const pair = n.items[0];
    const key = pair.key as YamlNode;
    const keyRange = rangeOf(key, range);
    const type = isScalar(key) ? String(key.value) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(type)) {
      this.problem(keyRange, `'${type}' is not a layer class name`);
      return undefined;
    }
    const value = pair.value as YamlNode | null;
    if (type === 'Residual') return this.residual(value, range, keyRange);
    if (type === 'Branches') return this.branches(value, range, keyRange);
    if (type === 'Repeat') return this.repeat(value, range, keyRange);
    return this.layer(type, value, range, keyRange);
  }

  layer(type: string, value: YamlNode | null, range: SourceRange, keyRange: SourceRange): LayerSpec | undefined {
    const spec: LayerSpec = { kind: 'layer', type, args: dict(), argRanges: dict(), range, keyRange };
    if (value === null || (isScalar(value) && value.value === null)) return spec;
    if (!isMap(value)) {
      this.problem(rangeOf(value, range), `the arguments of ${type} must be a map, e.g. \`${type}: {filters: 32}\``);
      return undefined;
    }
    for (const p of value.items) {
      const k = p.key as YamlNode;
      const name = isScalar(k) ? String(k.value) : '';
      const vr = rangeOf(p.value as YamlNode, rangeOf(k, range));
      if (name in spec.argRanges) this.problem(rangeOf(k, range), `${type}: argument '${name}' is given twice`);
      const v: unknown = isNode(p.value) ? p.value.toJSON() : p.value;
      if (name === 'name') {
        if (typeof v === 'string' && v) spec.name = v;
        else this.problem(vr, `${type}: name must be a non-empty string`);
        continue;
      }
      spec.args[name] = v;
      spec.argRanges[name] = vr;
    }
    return spec;
  }

  /** `Block: [...]` or `Block: {field: [...], name: ...}`: the map's fields, checked against `allowed`. */
  blockFields(type: string, value: YamlNode | null, range: SourceRange, allowed: string[]): Map<string, YamlNode> | undefined {
    const out = new Map<string, YamlNode>();
    if (!isMap(value)) return undefined;
    for (const p of value.items) {
      const k = p.key as YamlNode;
      const name = isScalar(k) ? String(k.value) : '';
      if (!allowed.includes(name)) this.problem(rangeOf(k, range), `${type} takes ${allowed.map((a) => `'${a}'`).join(', ')}; not '${name}'`);
      else out.set(name, p.value as YamlNode);
    }
    return out;
  }

  nameOf(fields: Map<string, YamlNode> | undefined, type: string, range: SourceRange): string | undefined {
    const n = fields?.get('name');
    if (!n) return undefined;
    if (isScalar(n) && typeof n.value === 'string' && n.value) return n.value;
    this.problem(rangeOf(n, range), `${type}: name must be a non-empty string`);
    return undefined;
  }

  residual(value: YamlNode | null, range: SourceRange, keyRange: SourceRange): ResidualSpec | undefined {
    if (isSeq(value)) return { kind: 'Residual', layers: this.items(value, 'Residual', range), range, keyRange };
    const f = this.blockFields('Residual', value, range, ['layers', 'shortcut', 'name']);
    if (!f?.has('layers')) {
      this.problem(keyRange, 'Residual needs its layers: `Residual: [...]` or `Residual: {layers: [...], shortcut: [...]}`');
      return undefined;
    }
    const spec: ResidualSpec = { kind: 'Residual', layers: this.items(f.get('layers'), 'Residual.layers', range), range, keyRange };
    if (f.has('shortcut')) spec.shortcut = this.items(f.get('shortcut'), 'Residual.shortcut', range);
    const name = this.nameOf(f, 'Residual', range);
    if (name) spec.name = name;
    return spec;
  }

  branches(value: YamlNode | null, range: SourceRange, keyRange: SourceRange): BranchesSpec | undefined {
    const f = isSeq(value) ? undefined : this.blockFields('Branches', value, range, ['branches', 'name']);
    const list = isSeq(value) ? value : f?.get('branches');
    if (!isSeq(list) || list.items.length < 2) {
      this.problem(list ? rangeOf(list, keyRange) : keyRange, 'Branches needs a list of two or more branches, each a list of layers');
      return undefined;
    }
    const spec: BranchesSpec = { kind: 'Branches', branches: list.items.map((b, i) => this.items(b, `branch ${i + 1} of Branches`, rangeOf(list, range))), range, keyRange };
    const name = this.nameOf(f, 'Branches', range);
    if (name) spec.name = name;
    return spec;
  }

  repeat(value: YamlNode | null, range: SourceRange, keyRange: SourceRange): RepeatSpec | undefined {
    const f = this.blockFields('Repeat', value, range, ['times', 'layers', 'name']);
    const times = f?.get('times');
    const n = isScalar(times) ? times.value : undefined;
    const timesRange = times ? rangeOf(times, keyRange) : keyRange;
    if (!f || !f.has('layers') || typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      this.problem(timesRange, 'Repeat needs `times` (an integer ≥ 1) and `layers`, e.g. `Repeat: {times: 3, layers: [...]}`');
      return undefined;
    }
    if (n > MAX_DEFINITION_LAYERS) {
      // As written: a float such as 1e308 has no exact integer form worth printing.
      const written = this.text.slice(timesRange.start, timesRange.end).trim();
      this.problem(timesRange, `Repeat times ${written} is more than a definition may expand to (${formatCount(MAX_DEFINITION_LAYERS)} layers)`);
      return undefined;
    }
    const spec: RepeatSpec = { kind: 'Repeat', times: n, timesRange, layers: this.items(f.get('layers'), 'Repeat.layers', range), range, keyRange };
    const name = this.nameOf(f, 'Repeat', range);
    if (name) spec.name = name;
    return spec;
  }
}

export function parseCnnYaml(text: string): ParsedDefinition {
  const lines = new LineCounter();
  const deep = tooDeeplyNested(text, MAX_YAML_NESTING);
  if (deep >= 0) {
    // The line counter only knows lines the parser has seen: place the problem by hand.
    const before = text.slice(0, deep).split('\n');
    const range = { start: deep, end: deep + 1 };
    const problem = `the YAML is nested more than ${MAX_YAML_NESTING} levels deep`;
    return { problems: [{ severity: 'error', message: problem, range, line: before.length, column: before[before.length - 1].length + 1 }] };
  }
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const p = new Parser(lines, text);
  const whole: SourceRange = { start: 0, end: text.length };
  for (const e of [...doc.errors, ...doc.warnings]) {
    // The yaml package reports its own stack overflow as a parse error.
    const message = /Maximum call stack/.test(e.message) ? 'the YAML is nested too deeply to read' : e.message.split('\n')[0];
    p.problem({ start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) }, message, doc.errors.includes(e) ? 'error' : 'warning');
  }
  if (doc.errors.length) return { problems: p.problems };
  const root = doc.contents;
  if (!isMap(root)) {
    p.problem(rangeOf(root, whole), 'a model definition is a map with `input` and `layers`');
    return { problems: p.problems };
  }
  const top = new Map<string, Pair>();
  for (const pair of root.items) {
    const k = pair.key as YamlNode;
    const name = isScalar(k) ? String(k.value) : '';
    if (!TOP_KEYS.has(name)) p.problem(rangeOf(k, whole), `unknown top-level key '${name}' (expected name, input, layers)`, 'warning');
    top.set(name, pair);
  }
  const inputPair = top.get('input');
  const layersPair = top.get('layers');
  if (!inputPair) p.problem(rangeOf(root, whole), 'missing `input`: the input shape, e.g. `input: [224, 224, 3]` (height, width, channels)');
  if (!layersPair) p.problem(rangeOf(root, whole), 'missing `layers`: the list of layers');
  let input: number[] | undefined;
  let inputRange = whole;
  if (inputPair) {
    const v = inputPair.value as YamlNode;
    inputRange = rangeOf(v, rangeOf(inputPair, whole));
    const dims = isSeq(v) ? v.items.map((d) => (isScalar(d) ? d.value : undefined)) : [];
    if (dims.length > 0 && dims.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 1)) input = dims as number[];
    else p.problem(inputRange, '`input` must be a list of positive integers below 2^53, e.g. [224, 224, 3] (height, width, channels)');
  }
  const layers = layersPair ? p.items(layersPair.value, 'layers', rangeOf(layersPair, whole)) : [];
  const nameNode = top.get('name')?.value as YamlNode | undefined;
  if (!input || !layersPair) return { problems: p.problems };
  if (expandedLayers(layers, MAX_DEFINITION_LAYERS) > MAX_DEFINITION_LAYERS) {
    const it = culprit(layers, MAX_DEFINITION_LAYERS);
    const range = it?.kind === 'Repeat' ? it.timesRange : it?.keyRange ?? rangeOf(layersPair, whole);
    p.problem(range, `the definition expands to more than ${formatCount(MAX_DEFINITION_LAYERS)} layers${it?.kind === 'Repeat' ? ` (this Repeat alone: ${formatCount(it.times)} × ${formatCount(expandedLayers(it.layers, MAX_DEFINITION_LAYERS))} layers)` : ''}; ConvLens analyses at most that many`);
    return { problems: p.problems };
  }
  const definition: ModelDefinition = { input, inputRange, layers };
  if (isScalar(nameNode) && nameNode.value !== null) definition.name = nameNode.toString();
  return { definition, problems: p.problems };
}

/** Every plain layer in definition order (blocks' contents included, a Repeat's once). */
export function flattenLayers(items: readonly BlockItem[]): LayerSpec[] {
  const out: LayerSpec[] = [];
  const walk = (list: readonly BlockItem[]) => {
    for (const it of list) {
      if (it.kind === 'layer') out.push(it);
      else if (it.kind === 'Residual') {
        walk(it.layers);
        if (it.shortcut) walk(it.shortcut);
      } else if (it.kind === 'Branches') it.branches.forEach(walk);
      else walk(it.layers);
    }
  };
  walk(items);
  return out;
}

export const isBlockName = (s: string): boolean => BLOCKS.has(s);
