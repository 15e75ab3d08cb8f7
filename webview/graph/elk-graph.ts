/**
 * IR (a profile report's layers) → the ELK graph the webview lays out.
 * Pure data, no DOM, so it is tested in Node. Nodes are grouped by their
 * exporter name scopes (`/layer1/layer1.0/conv1/Conv` → `layer1 ▸ layer1.0`);
 * a collapsed group is drawn as one node and edges are rerouted to it.
 */
import type { LayerReport } from '../../src/core/report/profile';

export interface ElkNode {
  id: string;
  width?: number;
  height?: number;
  labels?: { text: string }[];
  children?: ElkNode[];
  edges?: ElkEdge[];
  layoutOptions?: Record<string, string>;
}

export interface ElkEdge {
  id: string;
  sources: string[];
  targets: string[];
  /** Tensor names this edge carries (several when a collapsed group merges edges). */
  tensors: string[];
}

/** The scope path of a node name: every segment but the last (the op itself). */
export function scopeOf(nodeName: string): string[] {
  const parts = nodeName.split('/').filter(Boolean);
  return parts.slice(0, -1);
}

const groupId = (path: readonly string[]) => `group:${path.join('/')}`;
const nodeId = (index: number) => `node:${index}`;

export interface GraphOptions {
  /** Group ids (`group:a/b`) drawn expanded; every other group is collapsed. */
  expanded: ReadonlySet<string>;
  /** Approximate character width for sizing boxes (px). */
  charWidth?: number;
}

export const LAYERED_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.randomSeed': '1',
};

interface Group {
  id: string;
  path: string[];
  children: Map<string, Group>;
  nodes: number[];
}

function label(l: LayerReport): string {
  const scope = scopeOf(l.name);
  return scope.length ? `${scope[scope.length - 1]} · ${l.op}` : l.name || l.op;
}

/** The id a layer is drawn as: itself, or its outermost collapsed group. */
function visibleId(path: string[], index: number, expanded: ReadonlySet<string>): string {
  for (let i = 1; i <= path.length; i++) {
    const id = groupId(path.slice(0, i));
    if (!expanded.has(id)) return id;
  }
  return nodeId(index);
}

export function toElkGraph(layers: readonly LayerReport[], o: GraphOptions): ElkNode {
  const cw = o.charWidth ?? 7;
  const root: Group = { id: 'root', path: [], children: new Map(), nodes: [] };
  const paths = layers.map((l) => scopeOf(l.name));
  layers.forEach((_, i) => {
    let g = root;
    for (const seg of paths[i]) {
      let c = g.children.get(seg);
      if (!c) {
        c = { id: groupId([...g.path, seg]), path: [...g.path, seg], children: new Map(), nodes: [] };
        g.children.set(seg, c);
      }
      g = c;
    }
    g.nodes.push(i);
  });

  const elkOf = new Map<string, ElkNode>();
  const build = (g: Group): ElkNode[] => {
    const out: ElkNode[] = [];
    for (const c of g.children.values()) {
      const name = c.path[c.path.length - 1];
      if (o.expanded.has(c.id)) {
        const n: ElkNode = { id: c.id, labels: [{ text: name }], children: build(c), edges: [], layoutOptions: { 'elk.padding': '[top=28,left=12,bottom=12,right=12]' } };
        elkOf.set(c.id, n);
        out.push(n);
      } else {
        const n: ElkNode = { id: c.id, labels: [{ text: `${name} ▸` }], width: Math.max(80, (name.length + 4) * cw), height: 36 };
        elkOf.set(c.id, n);
        out.push(n);
      }
    }
    for (const i of g.nodes) {
      const text = label(layers[i]);
      const n: ElkNode = { id: nodeId(i), labels: [{ text }], width: Math.max(80, text.length * cw + 24), height: 40 };
      elkOf.set(n.id, n);
      out.push(n);
    }
    return out;
  };
  const graph: ElkNode = { id: 'root', children: build(root), edges: [], layoutOptions: LAYERED_OPTIONS };
  elkOf.set('root', graph);

  // Producer of each tensor, by visible id.
  const producer = new Map<string, string>();
  layers.forEach((l, i) => l.outputs.forEach((t) => producer.set(t.name, visibleId(paths[i], i, o.expanded))));
  const edges = new Map<string, ElkEdge>();
  const containerOf = (id: string): string[] => (id.startsWith('group:') ? id.slice(6).split('/').slice(0, -1) : paths[Number(id.slice(5))]);
  layers.forEach((l, i) => {
    const target = visibleId(paths[i], i, o.expanded);
    for (const t of l.inputs) {
      const source = producer.get(t);
      if (!source || source === target) continue;
      const key = `${source}->${target}`;
      const e = edges.get(key);
      if (e) {
        if (!e.tensors.includes(t)) e.tensors.push(t);
        continue;
      }
      edges.set(key, { id: `edge:${edges.size}`, sources: [source], targets: [target], tensors: [t] });
    }
  });
  // Each edge lives in the lowest common expanded ancestor of its endpoints (ELK's JSON rule).
  for (const e of edges.values()) {
    const a = containerOf(e.sources[0]);
    const b = containerOf(e.targets[0]);
    let k = 0;
    while (k < a.length && k < b.length && a[k] === b[k] && o.expanded.has(groupId(a.slice(0, k + 1)))) k++;
    const owner = k === 0 ? graph : elkOf.get(groupId(a.slice(0, k)))!;
    owner.edges!.push(e);
  }
  return graph;
}

/** Groups to expand by default: all of them on small graphs, none past `limit` layers. */
export function defaultExpanded(layers: readonly LayerReport[], limit = 400): Set<string> {
  if (layers.length > limit) return new Set();
  const out = new Set<string>();
  for (const l of layers) {
    const p = scopeOf(l.name);
    for (let i = 1; i <= p.length; i++) out.add(groupId(p.slice(0, i)));
  }
  return out;
}
