/**
 * IR (a profile report's layers) → the ELK graph the webview lays out.
 * Pure data, no DOM, so it is tested in Node.
 *
 * Layers are grouped by their exporter name scopes (`/layer1/layer1.0/conv1/Conv`
 * → `layer1 ▸ layer1.0`). Scopes that hold a single item add nothing and are
 * dissolved; a scope level with more items than the visible-node budget is cut
 * into synthetic consecutive chunks (`layers 1–250`), so a 20,000-layer model
 * without scopes still opens as a readable number of boxes. A collapsed group
 * is drawn as one box and the edges into and out of it are merged.
 *
 * The extra fields on the nodes (`layer`, `op`, `group`) and edges (`tensors`)
 * pass through elkjs unchanged; the renderer reads them from the laid-out graph.
 */
import type { LayerReport, ProfileReport, TensorReport } from '../../src/core/report/profile';
import type { LayerView } from '../../src/core/report/layer-view';
import { formatShape } from '../../src/core/report/format';

export interface ElkPoint {
  x: number;
  y: number;
}

export interface ElkSection {
  startPoint: ElkPoint;
  endPoint: ElkPoint;
  bendPoints?: ElkPoint[];
}

export interface GroupInfo {
  /** Scope path (a synthetic chunk adds a `#chunkN` segment). */
  path: string[];
  /** Display name: the last scope segment, `a/b` for merged single-child scopes, `layers 1–250` for chunks. */
  name: string;
  /** Every layer inside, recursively, in model order. */
  layers: number[];
  collapsed: boolean;
  synthetic: boolean;
}

export interface ElkNode {
  id: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  labels?: { text: string }[];
  children?: ElkNode[];
  edges?: ElkEdge[];
  layoutOptions?: Record<string, string>;
  /** A layer box: its index in `report.layers`. */
  layer?: number;
  /** A layer box: its op type (for the colour family). */
  op?: string;
  /** A group, expanded (with children) or collapsed (a box). */
  group?: GroupInfo;
  /** A model input or output box: which, and the tensor's name. */
  io?: { kind: 'input' | 'output'; name: string };
  /** Border ports (a group laid out on its own, compose.ts). */
  ports?: { id: string; x?: number; y?: number; width?: number; height?: number; layoutOptions?: Record<string, string> }[];
}

export interface ElkEdge {
  id: string;
  sources: string[];
  targets: string[];
  /** Tensor names this edge carries (several when a collapsed group merges edges). */
  tensors: string[];
  /** Set by ELK: routed sections, relative to the `container` node. */
  sections?: ElkSection[];
  /** Set by ELK: id of the node whose coordinate frame the sections are in. */
  container?: string;
}

/** The scope path of a node name: every segment but the last (the op itself). */
export function scopeOf(nodeName: string): string[] {
  const parts = nodeName.split('/').filter(Boolean);
  return parts.slice(0, -1);
}

const groupIdOf = (path: readonly string[]) => `group:${path.join('/')}`;
export const nodeId = (index: number) => `node:${index}`;
export const ioId = (kind: 'input' | 'output', index: number) => `${kind}:${index}`;

/** Boxes and groups in an ELK graph (a layout's size, for its progress line). */
export function countBoxes(g: ElkNode): number {
  let n = 0;
  for (const c of g.children ?? []) n += 1 + countBoxes(c);
  return n;
}

export const DEFAULT_BUDGET = 300;
/** Box text's width per character (px) when the page has not measured it. */
export const DEFAULT_CHAR_WIDTH = 7;
/** Layers per synthetic chunk (at most the budget). */
const CHUNK = 250;

export interface GraphOptions {
  /** Group ids (`group:a/b`) drawn expanded; every other group is collapsed. */
  expanded: ReadonlySet<string>;
  /** Approximate character width for sizing boxes (px). */
  charWidth?: number;
  /** Visible-node budget used to chunk long scope levels (same as `defaultExpanded`'s). */
  budget?: number;
  /** The model's inputs and outputs, drawn as boxes of their own (name, shape, type), as Netron does. */
  io?: { inputs: readonly TensorReport[]; outputs: readonly TensorReport[] };
}

export const LAYERED_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.spacing.nodeNodeBetweenLayers': '28',
  'elk.spacing.nodeNode': '18',
  'elk.randomSeed': '1',
};

const GROUP_PADDING = '[top=30,left=12,bottom=12,right=12]';
export const NODE_HEIGHT = 42;

// ---------------------------------------------------------------------------
// The group hierarchy

export interface Group {
  id: string;
  name: string;
  path: string[];
  items: Item[];
  /** Every layer inside, recursively, in model order. */
  layers: number[];
  synthetic: boolean;
}

export type Item = { kind: 'group'; group: Group } | { kind: 'layer'; index: number };

export interface Hierarchy {
  /** The top level (never drawn as a box). */
  root: Group;
  groups: Map<string, Group>;
  /** Per layer: the ids of the groups around it, outermost first. */
  ancestors: string[][];
  budget: number;
}

function scopeTree(layers: readonly LayerReport[]): Group {
  const root: Group = { id: 'root', name: '', path: [], items: [], layers: [], synthetic: false };
  const byId = new Map<string, Group>();
  layers.forEach((l, i) => {
    let g = root;
    for (const seg of scopeOf(l.name)) {
      const path = [...g.path, seg];
      const id = groupIdOf(path);
      let c = byId.get(id);
      if (!c) {
        c = { id, name: seg, path, items: [], layers: [], synthetic: false };
        byId.set(id, c);
        g.items.push({ kind: 'group', group: c });
      }
      g = c;
    }
    g.items.push({ kind: 'layer', index: i });
  });
  return root;
}

/** Dissolves scopes holding one item: a lone layer moves up; a lone subgroup takes the name `a/b`. */
function simplify(g: Group): void {
  g.items = g.items.map((item) => {
    if (item.kind === 'layer') return item;
    let c = item.group;
    simplify(c);
    while (c.items.length === 1) {
      const only = c.items[0];
      if (only.kind === 'layer') return only;
      only.group.name = `${c.name}/${only.group.name}`;
      c = only.group;
    }
    return { kind: 'group', group: c };
  });
}

function firstLayer(item: Item): number {
  return item.kind === 'layer' ? item.index : firstLayer(item.group.items[0]);
}

function lastLayer(item: Item): number {
  return item.kind === 'layer' ? item.index : lastLayer(item.group.items[item.group.items.length - 1]);
}

/** Cuts a level with more than `budget` items into consecutive chunks (recursively when chunks are too many). */
function chunk(g: Group, budget: number): void {
  const size = Math.max(2, Math.min(CHUNK, budget));
  let level = 0;
  while (g.items.length > budget) {
    const items = g.items;
    const chunks: Item[] = [];
    for (let k = 0; k * size < items.length; k++) {
      const part = items.slice(k * size, (k + 1) * size);
      const seg = level === 0 ? `#chunk${k}` : `#chunk${level}.${k}`;
      const path = [...g.path, seg];
      const name = `layers ${firstLayer(part[0]) + 1}–${lastLayer(part[part.length - 1]) + 1}`;
      chunks.push({ kind: 'group', group: { id: groupIdOf(path), name, path, items: part, layers: [], synthetic: true } });
    }
    g.items = chunks;
    level++;
  }
  // Chunks hold at most `size` ≤ budget items, so recursing into them only reaches the real groups inside.
  for (const item of g.items) if (item.kind === 'group') chunk(item.group, budget);
}

const cache = new WeakMap<readonly LayerReport[], Map<number, Hierarchy>>();

/** The group tree of a model (memoised per layers array and budget). */
export function hierarchyOf(layers: readonly LayerReport[], budget = DEFAULT_BUDGET): Hierarchy {
  let byBudget = cache.get(layers);
  if (!byBudget) cache.set(layers, (byBudget = new Map()));
  const hit = byBudget.get(budget);
  if (hit) return hit;

  const root = scopeTree(layers);
  simplify(root);
  // A single outermost scope (`/model/...`) is just a frame around everything.
  while (root.items.length === 1 && root.items[0].kind === 'group') root.items = root.items[0].group.items;
  chunk(root, budget);

  const groups = new Map<string, Group>();
  const ancestors: string[][] = layers.map(() => []);
  const walk = (g: Group, chain: string[]): number[] => {
    const out: number[] = [];
    for (const item of g.items) {
      if (item.kind === 'layer') {
        ancestors[item.index] = chain;
        out.push(item.index);
      } else {
        groups.set(item.group.id, item.group);
        out.push(...walk(item.group, [...chain, item.group.id]));
      }
    }
    g.layers = out;
    return out;
  };
  walk(root, []);
  const h: Hierarchy = { root, groups, ancestors, budget };
  byBudget.set(budget, h);
  return h;
}

/** Layers inside each group (recursive), by group id. */
export function groupLayers(layers: readonly LayerReport[], budget = DEFAULT_BUDGET): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [id, g] of hierarchyOf(layers, budget).groups) out.set(id, g.layers);
  return out;
}

/** The id a layer is drawn as: itself, or its outermost collapsed group. */
export function visibleIdOf(h: Hierarchy, layerIndex: number, expanded: ReadonlySet<string>): string {
  for (const id of h.ancestors[layerIndex] ?? []) if (!expanded.has(id)) return id;
  return nodeId(layerIndex);
}

/** The expanded groups a visible box sits in, outermost first. */
function frameOf(h: Hierarchy, layerIndex: number, expanded: ReadonlySet<string>): string[] {
  const chain = h.ancestors[layerIndex] ?? [];
  const k = chain.findIndex((id) => !expanded.has(id));
  return k < 0 ? chain : chain.slice(0, k);
}

/**
 * Groups to expand by default within a visible-box budget: all collapsed, then
 * breadth first (shallowest first, in model order) each group whose expansion
 * keeps the number of visible boxes ≤ budget. `open`: only groups it accepts
 * (a compare view opens those holding a change).
 */
export function defaultExpanded(layers: readonly LayerReport[], budget = DEFAULT_BUDGET, open: (g: Group) => boolean = () => true): Set<string> {
  const h = hierarchyOf(layers, budget);
  const out = new Set<string>();
  let visible = h.root.items.length;
  const queue: Group[] = h.root.items.flatMap((i) => (i.kind === 'group' ? [i.group] : []));
  for (let q = 0; q < queue.length; q++) {
    const g = queue[q];
    const cost = g.items.length - 1;
    if (visible + cost > budget || !open(g)) continue;
    out.add(g.id);
    visible += cost;
    for (const i of g.items) if (i.kind === 'group') queue.push(i.group);
  }
  return out;
}

// ---------------------------------------------------------------------------
// The ELK graph

function shapeText(l: LayerReport): string {
  const shapes = l.outputs.map((o) => formatShape(o.shape));
  const text = shapes.slice(0, 2).join(', ') + (shapes.length > 2 ? `, … (${shapes.length})` : '');
  return text.length > 48 ? `${text.slice(0, 47)}…` : text;
}

const boxWidth = (lines: string[], cw: number) => Math.max(80, Math.ceil(Math.max(...lines.map((t) => t.length)) * cw + 28));

export function toElkGraph(layers: readonly LayerReport[], views: readonly LayerView[], o: GraphOptions): ElkNode {
  const cw = o.charWidth ?? DEFAULT_CHAR_WIDTH;
  const h = hierarchyOf(layers, o.budget ?? DEFAULT_BUDGET);
  const elkOf = new Map<string, ElkNode>();

  const build = (g: Group): ElkNode[] =>
    g.items.map((item) => {
      if (item.kind === 'layer') {
        const i = item.index;
        const l = layers[i];
        const lines = [views[i]?.title || l.op, shapeText(l)];
        const n: ElkNode = { id: nodeId(i), labels: lines.map((text) => ({ text })), width: boxWidth(lines, cw), height: NODE_HEIGHT, layer: i, op: l.op };
        elkOf.set(n.id, n);
        return n;
      }
      const c = item.group;
      const info = (collapsed: boolean): GroupInfo => ({ path: c.path, name: c.name, layers: c.layers, collapsed, synthetic: c.synthetic });
      let n: ElkNode;
      if (o.expanded.has(c.id)) {
        const minWidth = Math.ceil((c.name.length + 3) * cw + 24);
        n = {
          id: c.id,
          labels: [{ text: c.name }],
          children: build(c),
          edges: [],
          layoutOptions: { 'elk.padding': GROUP_PADDING, 'elk.nodeSize.constraints': 'MINIMUM_SIZE', 'elk.nodeSize.minimum': `(${minWidth}, 40)` },
          group: info(false),
        };
      } else {
        const lines = [`${c.name} ▸`, `${c.layers.length} layers`];
        n = { id: c.id, labels: lines.map((text) => ({ text })), width: boxWidth(lines, cw), height: NODE_HEIGHT, group: info(true) };
      }
      elkOf.set(c.id, n);
      return n;
    });
  const graph: ElkNode = { id: 'root', children: build(h.root), edges: [], layoutOptions: LAYERED_OPTIONS };

  // Producer of each tensor, by visible id.
  const producer = new Map<string, number>();
  layers.forEach((l, i) => l.outputs.forEach((t) => producer.set(t.name, i)));
  const edges = new Map<string, { edge: ElkEdge; owner: ElkNode }>();
  layers.forEach((l, i) => {
    const target = visibleIdOf(h, i, o.expanded);
    for (const t of l.inputs) {
      const p = producer.get(t);
      if (p === undefined) continue;
      const source = visibleIdOf(h, p, o.expanded);
      if (source === target) continue;
      const key = `${source}->${target}`;
      const known = edges.get(key);
      if (known) {
        if (!known.edge.tensors.includes(t)) known.edge.tensors.push(t);
        continue;
      }
      // An edge lives in the lowest common expanded ancestor of its endpoints (ELK's JSON rule).
      const a = frameOf(h, p, o.expanded);
      const b = frameOf(h, i, o.expanded);
      let k = 0;
      while (k < a.length && k < b.length && a[k] === b[k]) k++;
      const owner = k === 0 ? graph : elkOf.get(a[k - 1])!;
      edges.set(key, { edge: { id: `edge:${edges.size}`, sources: [source], targets: [target], tensors: [t] }, owner });
    }
  });
  if (o.io) addIoBoxes(graph, layers, o.io, producer, (i) => visibleIdOf(h, i, o.expanded), cw);
  for (const { edge, owner } of edges.values()) owner.edges!.push(edge);
  return graph;
}

/** A model view's ELK graph: its layers, grouped, with the model's inputs and outputs as boxes. */
export function viewGraph(report: Pick<ProfileReport, 'layers' | 'inputs' | 'outputs'>, views: readonly LayerView[], expanded: ReadonlySet<string>, charWidth?: number): ElkNode {
  return toElkGraph(report.layers, views, { expanded, charWidth, io: { inputs: report.inputs, outputs: report.outputs } });
}

/** A box per model input and output, at the top level, with edges to the boxes that read or make it. */
function addIoBoxes(graph: ElkNode, layers: readonly LayerReport[], io: NonNullable<GraphOptions['io']>, producer: ReadonlyMap<string, number>, visible: (layer: number) => string, cw: number): void {
  const box = (kind: 'input' | 'output', t: TensorReport, k: number): ElkNode => {
    const lines = [t.name, `${formatShape(t.shape)}${t.dtype ? ` ${t.dtype}` : ''}`].map((x) => (x.length > 48 ? `${x.slice(0, 47)}…` : x));
    return { id: ioId(kind, k), labels: lines.map((text) => ({ text })), width: boxWidth(lines, cw), height: NODE_HEIGHT, io: { kind, name: t.name } };
  };
  const seen = new Set<string>();
  const edge = (source: string, target: string, tensor: string) => {
    if (seen.has(`${source}->${target}`)) return;
    seen.add(`${source}->${target}`);
    graph.edges!.push({ id: `edge:io:${seen.size}`, sources: [source], targets: [target], tensors: [tensor] });
  };
  const readers = new Map<string, number[]>();
  layers.forEach((l, i) => l.inputs.forEach((t) => t && readers.set(t, [...(readers.get(t) ?? []), i])));
  const ins = io.inputs.map((t, k) => {
    const n = box('input', t, k);
    for (const i of readers.get(t.name) ?? []) edge(n.id, visible(i), t.name);
    return n;
  });
  const outs = io.outputs.map((t, k) => {
    const n = box('output', t, k);
    const p = producer.get(t.name);
    if (p !== undefined) edge(visible(p), n.id, t.name);
    return n;
  });
  // In model order: inputs first, outputs last (ELK's considerModelOrder keeps it).
  graph.children = [...ins, ...graph.children!, ...outs];
}
