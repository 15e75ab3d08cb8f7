/**
 * A laid-out ELK graph → SVG DOM. Every string from the model goes in with
 * `textContent`; elements are made with `createElementNS`. Colours, selection,
 * search and overlay states are CSS classes (media/graph.css); only the heat
 * overlay's fill is set, through the CSSOM.
 *
 * `geometry` (pure, tested in Node) turns ELK's relative coordinates into
 * absolute ones: a node's x/y are relative to its parent, and an edge's
 * sections to the node ELK names as its `container` (with INCLUDE_CHILDREN
 * hierarchy handling, the lowest common ancestor the edge is declared in).
 */
import type { ElkEdge, ElkNode, ElkPoint } from './elk-graph';
import { opFamily } from './op-family';
import { visibleText } from '../../src/core/report/safe-text';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedNode extends Box {
  node: ElkNode;
  /** Nesting depth: 0 for the top level. */
  depth: number;
}

export interface PlacedEdge {
  edge: ElkEdge;
  /** One polyline per section, in absolute coordinates. */
  lines: ElkPoint[][];
}

export interface Geometry {
  /** Every node and group, in pre-order (outer groups before what they hold). */
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export function geometry(graph: ElkNode): Geometry {
  const nodes: PlacedNode[] = [];
  const origin = new Map<string, ElkPoint>([[graph.id, { x: 0, y: 0 }]]);
  const declared: { edge: ElkEdge; in: string }[] = [];
  const walk = (n: ElkNode, at: ElkPoint, depth: number) => {
    for (const e of n.edges ?? []) declared.push({ edge: e, in: n.id });
    for (const c of n.children ?? []) {
      const p = { x: at.x + (c.x ?? 0), y: at.y + (c.y ?? 0) };
      origin.set(c.id, p);
      nodes.push({ ...p, width: c.width ?? 0, height: c.height ?? 0, node: c, depth });
      walk(c, p, depth + 1);
    }
  };
  walk(graph, { x: 0, y: 0 }, 0);
  const edges = declared.map(({ edge, in: decl }) => {
    const o = origin.get(edge.container ?? decl) ?? { x: 0, y: 0 };
    const lines = (edge.sections ?? []).map((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => ({ x: p.x + o.x, y: p.y + o.y })));
    return { edge, lines };
  });
  return { nodes, edges, width: graph.width ?? 0, height: graph.height ?? 0 };
}

// ---------------------------------------------------------------------------
// SVG

export const SVG_NS = 'http://www.w3.org/2000/svg';

export function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, cls?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (cls) e.setAttribute('class', cls);
  return e;
}

function text(x: number, y: number, cls: string, content: string): SVGTextElement {
  const t = svgEl('text', { x, y }, cls);
  // Labels quote the model: control and bidi characters are shown as escapes (safe-text.ts).
  t.textContent = visibleText(content);
  return t;
}

export interface RenderedGraph {
  /** The drawing: group frames, then edges and their labels, group title bars, then node boxes. */
  scene: SVGGElement;
  width: number;
  height: number;
  /** Absolute boxes of every node and group, by id. */
  boxes: Map<string, Box>;
  /** The `<g>` of every node box, collapsed group and expanded group frame, by id. */
  elements: Map<string, SVGGElement>;
  /** Ids of the boxes drawn (layers and collapsed groups). */
  boxIds: string[];
  /** By `data-edge` index. */
  edges: { tensors: string[]; element: SVGGElement }[];
}

const ARROW_ID = 'convlens-arrow';

/** The arrowhead marker, once per svg. */
export function arrowDefs(): SVGDefsElement {
  const defs = svgEl('defs');
  const marker = svgEl('marker', { id: ARROW_ID, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' });
  marker.append(svgEl('path', { d: 'M0,1 L9,5 L0,9 z' }, 'arrowhead'));
  defs.append(marker);
  return defs;
}

function pathData(line: ElkPoint[]): string {
  return line.map((p, i) => `${i ? 'L' : 'M'}${round(p.x)},${round(p.y)}`).join(' ');
}

const round = (v: number) => Math.round(v * 10) / 10;

/**
 * Where an edge's label goes: beside its last stretch, just before the
 * arrowhead, so it sits next to the box it feeds (and clear of group headers,
 * which long edges cross on their way in).
 */
function labelAnchor(line: ElkPoint[]): { x: number; y: number; vertical: boolean } {
  const end = line[line.length - 1];
  const prev = line[line.length - 2] ?? end;
  const vertical = Math.abs(end.x - prev.x) <= Math.abs(end.y - prev.y);
  if (vertical) {
    const dir = Math.sign(end.y - prev.y) || 1;
    const back = Math.min(10, Math.abs(end.y - prev.y) / 2);
    return { x: end.x + 5, y: end.y - dir * back, vertical };
  }
  return { x: (end.x + prev.x) / 2, y: end.y - 4, vertical };
}

/** Edge-label font (media/graph.css .edge-label): 10 px; digits and × about 6 px wide. */
const LABEL_CHAR_WIDTH = 6;
const LABEL_HEIGHT = 11;
const GROUP_HEADER_HEIGHT = 24;

/**
 * Where edge labels may go: not over a box, a group's title bar, or a label
 * placed before. Labels are placed in edge order; one that collides is dropped.
 */
export class LabelSpace {
  private readonly taken: Box[] = [];

  constructor(nodes: readonly PlacedNode[]) {
    for (const p of nodes) {
      if (p.node.group && !p.node.group.collapsed) this.taken.push({ x: p.x, y: p.y, width: p.width, height: GROUP_HEADER_HEIGHT });
      else this.taken.push({ x: p.x, y: p.y, width: p.width, height: p.height });
    }
  }

  /** The label's box at its anchor (`vertical`: text starts at x; else centred on x); true and taken when free. */
  claim(a: { x: number; y: number; vertical: boolean }, label: string): boolean {
    const width = label.length * LABEL_CHAR_WIDTH;
    const box = { x: a.vertical ? a.x : a.x - width / 2, y: a.y - LABEL_HEIGHT + 2, width, height: LABEL_HEIGHT };
    if (this.taken.some((t) => overlaps(t, box))) return false;
    this.taken.push(box);
    return true;
  }
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

function layerBox(n: ElkNode, b: Box): SVGGElement {
  const family = opFamily(n.op ?? '');
  const g = svgEl('g', { transform: `translate(${round(b.x)},${round(b.y)})`, 'data-id': n.id, 'data-layer': n.layer! }, `node fam-${family}`);
  g.append(
    svgEl('rect', { width: b.width, height: b.height, rx: 4, ry: 4 }, 'body'),
    svgEl('rect', { width: 4, height: b.height - 2, x: 1, y: 1, rx: 2, ry: 2 }, 'accent'),
    text(12, 18, 'title', n.labels?.[0]?.text ?? ''),
    text(12, 33, 'shape', n.labels?.[1]?.text ?? ''),
  );
  return g;
}

/** A model input or output: a rounded pill with the tensor's name and its shape and type. */
function ioBox(n: ElkNode, b: Box): SVGGElement {
  const g = svgEl('g', { transform: `translate(${round(b.x)},${round(b.y)})`, 'data-id': n.id, 'data-io': n.io!.kind }, `io io-${n.io!.kind}`);
  g.append(
    svgEl('rect', { width: b.width, height: b.height, rx: b.height / 2, ry: b.height / 2 }, 'body'),
    text(14, 18, 'title', n.labels?.[0]?.text ?? ''),
    text(14, 33, 'shape', n.labels?.[1]?.text ?? ''),
  );
  return g;
}

function collapsedBox(n: ElkNode, b: Box): SVGGElement {
  const info = n.group!;
  const g = svgEl('g', { transform: `translate(${round(b.x)},${round(b.y)})`, 'data-id': n.id, 'data-group': n.id }, 'node group-collapsed');
  g.append(
    // A second sheet peeking out behind: this box stands for many.
    svgEl('rect', { width: b.width, height: b.height, x: 3, y: 3, rx: 4, ry: 4 }, 'stack'),
    svgEl('rect', { width: b.width, height: b.height, rx: 4, ry: 4 }, 'body'),
    svgEl('rect', { width: 4, height: b.height - 2, x: 1, y: 1, rx: 2, ry: 2 }, 'accent'),
    text(12, 18, 'title', `▸ ${info.name}`),
    text(12, 33, 'shape', `${info.layers.length} layers`),
  );
  return g;
}

/**
 * An expanded group: its frame (under the edges) and its title bar, drawn
 * over the edges so that an edge entering the group never covers the title
 * or takes the click that collapses it.
 */
function groupFrame(n: ElkNode, b: Box): { frame: SVGGElement; title: SVGGElement } {
  const frame = svgEl('g', { 'data-id': n.id, 'data-group': n.id }, 'group');
  frame.append(svgEl('rect', { x: round(b.x), y: round(b.y), width: round(b.width), height: round(b.height), rx: 6, ry: 6 }, 'frame'));
  const title = svgEl('g', { 'data-group': n.id }, 'group group-title-bar');
  const header = svgEl('g', { transform: `translate(${round(b.x)},${round(b.y)})` }, 'group-header');
  header.append(svgEl('rect', { width: b.width, height: 24, rx: 6, ry: 6 }, 'header-hit'), text(10, 17, 'group-title', `▾ ${n.group!.name}`));
  title.append(header);
  return { frame, title };
}

export function renderGraph(graph: ElkNode, shapeOf: (tensor: string) => string | undefined): RenderedGraph {
  const geo = geometry(graph);
  const scene = svgEl('g', {}, 'scene');
  const groupLayer = svgEl('g', {}, 'groups');
  const edgeLayer = svgEl('g', {}, 'edges');
  const labelLayer = svgEl('g', {}, 'edge-labels');
  const nodeLayer = svgEl('g', {}, 'nodes');
  const titleLayer = svgEl('g', {}, 'group-titles');
  scene.append(groupLayer, edgeLayer, labelLayer, titleLayer, nodeLayer);

  const boxes = new Map<string, Box>();
  const elements = new Map<string, SVGGElement>();
  const boxIds: string[] = [];
  for (const p of geo.nodes) {
    const n = p.node;
    boxes.set(n.id, { x: p.x, y: p.y, width: p.width, height: p.height });
    let g: SVGGElement;
    if (n.layer !== undefined) {
      g = layerBox(n, p);
      nodeLayer.append(g);
      boxIds.push(n.id);
    } else if (n.io) {
      g = ioBox(n, p);
      nodeLayer.append(g);
    } else if (n.group?.collapsed) {
      g = collapsedBox(n, p);
      nodeLayer.append(g);
      boxIds.push(n.id);
    } else if (n.group) {
      const { frame, title } = groupFrame(n, p);
      groupLayer.append(frame);
      titleLayer.append(title);
      g = frame;
    } else continue;
    elements.set(n.id, g);
  }

  const edges: RenderedGraph['edges'] = [];
  const labels = new LabelSpace(geo.nodes);
  geo.edges.forEach(({ edge, lines }, k) => {
    const g = svgEl('g', { 'data-edge': k }, 'edge-group');
    for (const line of lines) {
      const d = pathData(line);
      g.append(svgEl('path', { d }, 'edge-hit'), svgEl('path', { d, 'marker-end': `url(#${ARROW_ID})` }, 'edge'));
    }
    edgeLayer.append(g);
    edges.push({ tensors: edge.tensors, element: g });
    const last = lines[lines.length - 1];
    const shape = edge.tensors.length ? shapeOf(edge.tensors[0]) : undefined;
    if (last && last.length > 1 && shape) {
      const a = labelAnchor(last);
      const more = edge.tensors.length > 1 ? ` +${edge.tensors.length - 1}` : '';
      // A label that would cover a box, a group's title or another label is left out (the shape is in the box it leaves).
      if (!labels.claim(a, `${shape}${more}`)) return;
      const t = text(round(a.x), round(a.y), 'edge-label', `${shape}${more}`);
      if (!a.vertical) t.setAttribute('text-anchor', 'middle');
      t.setAttribute('data-edge', String(k));
      labelLayer.append(t);
    }
  });
  return { scene, width: geo.width, height: geo.height, boxes, elements, boxIds, edges };
}
