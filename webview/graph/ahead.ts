/**
 * A first view laid out ahead by the extension (layout-host.ts), as the
 * page gets it: the opening screen's graph (its first boxes, laid out first)
 * and the laid-out graph cut down to what drawing needs. DOM-free.
 */
import type { ElkNode } from './elk-graph';

/** How many boxes the first screen's layout holds: more than a window shows at 100 % on the input. */
export const FIRST_SCREEN_BOXES = 60;

/**
 * The first `boxes` boxes of a view graph in model order (the model's inputs,
 * then layers and collapsed groups by their first layer), inside the groups
 * that hold them, with the edges among them: what the opening screen shows
 * (at 100 %, on the input). Laid out in a fraction of the whole graph's time,
 * it is drawn first while the whole graph is laid out. Undefined when the
 * graph has no more boxes than that.
 */
export function firstScreenGraph(graph: ElkNode, boxes = FIRST_SCREEN_BOXES): ElkNode | undefined {
  const leaves: { node: ElkNode; order: number }[] = [];
  const walk = (n: ElkNode) => {
    for (const c of n.children ?? []) {
      if (c.children) walk(c);
      else leaves.push({ node: c, order: c.io ? (c.io.kind === 'input' ? -1 : Infinity) : (c.layer ?? c.group?.layers[0] ?? Infinity) });
    }
  };
  walk(graph);
  if (leaves.length <= boxes) return undefined;
  // Model order; ties (none between layers) keep the graph's order (the sort is stable).
  const keep = new Set([...leaves].sort((a, b) => a.order - b.order).slice(0, boxes).map((l) => l.node.id));
  const kept = (id: string) => keep.has(id);
  // Edges stay in the node that held them; only those between kept boxes remain.
  const prune = (n: ElkNode): ElkNode | undefined => {
    if (!n.children) return keep.has(n.id) ? { ...n } : undefined;
    const children = n.children.map(prune).filter((c): c is ElkNode => c !== undefined);
    if (children.length === 0 && n !== graph) return undefined;
    const edges = (n.edges ?? []).filter((e) => e.sources.every(kept) && e.targets.every(kept)).map((e) => ({ ...e, tensors: [...e.tensors] }));
    return { ...n, children, edges };
  };
  return prune(graph);
}

/**
 * A laid-out graph with only what drawing it needs: ELK's output repeats
 * every option and adds label boxes, internal ids and section bookkeeping
 * (half of a layout's JSON). Used on layouts sent from the extension.
 */
export function compactLayout(n: ElkNode): ElkNode {
  const out: ElkNode = { id: n.id, x: n.x, y: n.y, width: n.width, height: n.height };
  if (n.labels) out.labels = n.labels.map((l) => ({ text: l.text }));
  if (n.layer !== undefined) out.layer = n.layer;
  if (n.op !== undefined) out.op = n.op;
  if (n.group) out.group = n.group;
  if (n.io) out.io = n.io;
  if (n.children) out.children = n.children.map(compactLayout);
  if (n.edges?.length || n.children) {
    out.edges = (n.edges ?? []).map((e) => ({
      id: e.id,
      sources: e.sources,
      targets: e.targets,
      tensors: e.tensors,
      ...(e.container !== undefined ? { container: e.container } : {}),
      ...(e.sections ? { sections: e.sections.map((s) => ({ startPoint: s.startPoint, endPoint: s.endPoint, ...(s.bendPoints?.length ? { bendPoints: s.bendPoints } : {}) })) } : {}),
    }));
  }
  return out;
}
