/**
 * IR (a profile report's layers) → the ELK graph the webview lays out.
 * Pure data, no DOM, so it is tested in Node.
 *
 * Layers are grouped by their exporter name scopes (./hierarchy.ts: single-item
 * scopes dissolved, long levels cut into chunks, so a 20,000-layer model
 * without scopes still opens as a readable number of boxes). A collapsed group
 * is drawn as one box and the edges into and out of it are merged.
 *
 * The extra fields on the nodes (`layer`, `op`, `group`) and edges (`tensors`)
 * pass through elkjs unchanged; the renderer reads them from the laid-out graph.
 * The hierarchy's functions are re-exported here, the graph's one entry point
 * for the extension's layout host and the tests.
 */
import type { LayerReport, ProfileReport, TensorReport } from '../../src/core/report/profile';
import type { LayerView } from '../../src/core/report/layer-view';
import { formatShape } from '../../src/core/report/format';
import { DEFAULT_BUDGET, frameOf, hierarchyOf, nodeId, visibleIdOf, type Group } from './hierarchy';

export { DEFAULT_BUDGET, defaultExpanded, groupLayers, hierarchyOf, nodeId, scopeOf, visibleIdOf, type Group, type Hierarchy, type Item } from './hierarchy';

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

export const ioId = (kind: 'input' | 'output', index: number) => `${kind}:${index}`;

/** Boxes and groups in an ELK graph (a layout's size, for its progress line). */
export function countBoxes(g: ElkNode): number {
  let n = 0;
  for (const c of g.children ?? []) n += 1 + countBoxes(c);
  return n;
}

/** Box text's width per character (px) when the page has not measured it. */
export const DEFAULT_CHAR_WIDTH = 7;

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
