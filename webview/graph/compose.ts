/**
 * A view's layout, one group at a time: each expanded group's interior is
 * laid out by ELK on its own (its boxes, its inner groups as boxes of their
 * laid-out size, and ports on its border where edges enter from above and
 * leave below), then its parent, up to the root. Each of these layouts is
 * kept by its input: expanding or collapsing a group lays out again only
 * that group's parent chain (the rest is the same input, taken from the
 * cache), and a group seen before is never laid out twice. One ELK run over
 * the whole hierarchy (INCLUDE_CHILDREN) grows much faster than its boxes
 * (DenseNet-121: 2 s), and every toggle paid all of it.
 *
 * The result has the shape of ELK's own output for the whole graph: every
 * node placed relative to its parent, every edge of the view one routed
 * polyline (segments joined at the group borders), in root coordinates.
 * Deterministic: the same view gives the same layout. DOM-free.
 */
import { LAYERED_OPTIONS, type ElkEdge, type ElkNode, type ElkPoint } from './elk-graph';

/** Lays out one graph (ELK's `layout`, in a worker or not). */
export type LayoutOne = (graph: ElkNode) => Promise<ElkNode>;

/** One group's laid-out interior (or the root's): what the parent and the assembly need. */
export interface FrameLayout {
  width: number;
  height: number;
  /** Its border ports' positions (in the order of the frame's ports), relative to its top-left. */
  ports: [number, number][];
  /** Its children's positions, relative to its top-left. */
  children: [string, number, number][];
  /** Its local edges' routes (by position among the frame's edges), relative to its top-left. */
  edges: ElkPoint[][];
}

/** Laid-out frames by their ELK input (JSON): kept across toggles and views of one model. */
export class FrameCache {
  private readonly frames = new Map<string, FrameLayout>();
  /** Frames being laid out now (by another layout: the background's), by input. */
  readonly pending = new Map<string, Promise<FrameLayout | undefined>>();
  constructor(private readonly limit = 2000) {}

  get(key: string): FrameLayout | undefined {
    const f = this.frames.get(key);
    if (f) {
      // Most recently used last.
      this.frames.delete(key);
      this.frames.set(key, f);
    }
    return f;
  }

  set(key: string, f: FrameLayout): void {
    this.frames.set(key, f);
    while (this.frames.size > this.limit) this.frames.delete(this.frames.keys().next().value!);
  }
}

/** Names by position in a frame's input (ports, edges), and the ids of the frame laid out. */
const CANON = '\u0004';
const ROOT_ID = 'root';
const FRAME_ID = '\u0004frame';

/** Options of every frame's own layout (the view's, one level at a time). */
const FRAME_OPTIONS: Record<string, string> = { ...LAYERED_OPTIONS, 'elk.hierarchyHandling': 'SEPARATE_CHILDREN' };
/** In the background, frames laid out together in one ELK run up to this many boxes and edges. */
const SMALL_RUN = 200;
/** The wrapper around groups laid out with their border ports (ELK places ports only on a node). */
const WRAP_OPTIONS: Record<string, string> = { 'elk.algorithm': 'layered', 'elk.padding': '[top=0,left=0,bottom=0,right=0]', 'elk.hierarchyHandling': 'SEPARATE_CHILDREN' };

interface LocalEdge {
  id: string;
  source: string;
  target: string;
}

interface Frame {
  node: ElkNode;
  /** Border ports by id: 'in' (top) for edges entering, 'out' (bottom) for edges leaving. */
  ports: Map<string, 'in' | 'out'>;
  edges: Map<string, LocalEdge>;
}

const portId = (frame: string, side: 'in' | 'out', source: string) => `${frame}\u0001${side}\u0001${source}`;

/**
 * Lays out `graph` (a view graph: groups with children, edges single-source and single-target,
 * each held by any ancestor) frame by frame through `layoutOne`, with `cache`.
 */
export async function layoutComposed(graph: ElkNode, layoutOne: LayoutOne, cache: FrameCache, opts: { oneAtATime?: boolean } = {}): Promise<ElkNode> {
  // Frames (the root and every expanded group), each node's frame, and each frame's parent.
  const frames = new Map<string, Frame>();
  const frameOf = new Map<string, string>();
  const order: Frame[] = [];
  const originalEdges: { edge: ElkEdge; owner: ElkNode }[] = [];
  const index = (n: ElkNode) => {
    const f: Frame = { node: n, ports: new Map(), edges: new Map() };
    frames.set(n.id, f);
    for (const e of n.edges ?? []) originalEdges.push({ edge: e, owner: n });
    for (const c of n.children ?? []) {
      frameOf.set(c.id, n.id);
      if (c.children) index(c);
    }
    // Children before their parent: the order frames are laid out in.
    order.push(f);
  };
  index(graph);
  const chain = (id: string): string[] => {
    const out: string[] = [];
    for (let f = frameOf.get(id); f !== undefined; f = frameOf.get(f)) out.push(f);
    return out;
  };

  // Each view edge becomes local edges: up from its source through the borders of the groups it
  // leaves, across the lowest frame holding both ends, down into the groups it enters.
  const segments = new Map<string, { frame: string; local: string }[]>();
  const local = (frame: string, source: string, target: string): { frame: string; local: string } => {
    const f = frames.get(frame)!;
    const id = `${frame}\u0002${source}\u0002${target}`;
    if (!f.edges.has(id)) f.edges.set(id, { id, source, target });
    return { frame, local: id };
  };
  for (const { edge } of originalEdges) {
    const s = edge.sources[0];
    const t = edge.targets[0];
    const up = chain(s);
    const down = chain(t);
    const shared = new Set(down);
    const lca = up.find((f) => shared.has(f));
    if (lca === undefined) continue;
    const segs: { frame: string; local: string }[] = [];
    // Up: in each frame below the common one, from the source (or the inner group's out-port) to this frame's out-port.
    let from = s;
    for (const f of up) {
      if (f === lca) break;
      const port = portId(f, 'out', s);
      frames.get(f)!.ports.set(port, 'out');
      segs.push(local(f, from, port));
      from = port;
    }
    // Down: the frames from the common one to the target, each entered by its in-port.
    const below = down.slice(0, down.indexOf(lca)).reverse();
    const entry = below.map((f) => portId(f, 'in', s));
    below.forEach((f, i) => frames.get(f)!.ports.set(entry[i], 'in'));
    segs.push(local(lca, from, entry[0] ?? t));
    below.forEach((f, i) => segs.push(local(f, entry[i], entry[i + 1] ?? t)));
    segments.set(edge.id, segs);
  }

  // Lay out the frames, inner groups first, one height (the longest chain of groups below them)
  // at a time: frames side by side in a wrapper, each laid out on its own.
  const height = new Map<string, number>();
  for (const f of order) height.set(f.node.id, Math.max(-1, ...(f.node.children ?? []).filter((c) => c.children).map((c) => height.get(c.id)!)) + 1);
  const byHeight: Frame[][] = [];
  for (const f of order) if (f.node !== graph) (byHeight[height.get(f.node.id)!] ??= []).push(f);
  const laid = new Map<string, FrameLayout>();
  for (const level of byHeight) {
    const todo: { f: Frame; body: ElkNode; key: string }[] = [];
    const waiting: { f: Frame; body: ElkNode; key: string; frame: Promise<FrameLayout | undefined> }[] = [];
    for (const f of level ?? []) {
      const body = frameInput(f, false, laid, frames);
      const key = JSON.stringify(body);
      const known = cache.get(key);
      const coming = known ? undefined : cache.pending.get(key);
      if (known) laid.set(f.node.id, known);
      else if (coming) waiting.push({ f, body, key, frame: coming });
      else todo.push({ f, body, key });
    }
    // One ELK run for the level; or, in the background, small frames together and larger ones
    // alone, the smallest first, so that a toggle waiting for some of them (DenseNet: the small
    // dense blocks) is not held up by the largest (the 24-layer block, seconds of ELK).
    const size = (t: { body: ElkNode }) => (t.body.children?.length ?? 0) + (t.body.edges?.length ?? 0);
    const runs: (typeof todo)[] = [];
    if (!opts.oneAtATime) {
      if (todo.length) runs.push(todo);
    } else {
      for (const t of [...todo].sort((a, b) => size(a) - size(b))) {
        const last = runs[runs.length - 1];
        if (last && last.reduce((n, x) => n + size(x), 0) + size(t) <= SMALL_RUN) last.push(t);
        else runs.push([t]);
      }
    }
    let previous: Promise<unknown> = Promise.resolve();
    const done: Promise<Map<string, FrameLayout>>[] = runs.map((batch) => {
      const run = previous.then(() => layOutTogether(batch.map((t) => t.body), layoutOne)).then((laidOut) => new Map(batch.map((t, k) => [t.f.node.id, laidOut[k]])));
      // A run that fails (a dropped background layout) fails this layout once, at its await below.
      previous = run.catch(() => undefined);
      // Another layout needing one of these frames meanwhile waits for this run instead of repeating it.
      for (const t of batch) {
        const frame = run.then((m) => m.get(t.f.node.id), () => undefined);
        cache.pending.set(t.key, frame);
        void frame.finally(() => cache.pending.get(t.key) === frame && cache.pending.delete(t.key));
        void frame.then((f) => f && cache.set(t.key, f));
      }
      return run;
    });
    for (const run of done) {
      const byId = await run;
      for (const [id, frame] of byId) laid.set(id, frame);
    }
    for (const w of waiting) {
      // The other layout failed or was dropped: this one lays the frame out itself.
      const frame = (await w.frame) ?? (await layOutTogether([w.body], layoutOne))[0];
      cache.set(w.key, frame);
      laid.set(w.f.node.id, frame);
    }
  }
  {
    const body = frameInput(frames.get(graph.id)!, true, laid, frames);
    const key = JSON.stringify(body);
    let frame = cache.get(key);
    if (!frame) {
      frame = frameResult(await layoutOne(copyGraph(body)), '');
      cache.set(key, frame);
    }
    laid.set(graph.id, frame);
  }

  // Assemble ELK's whole-graph shape: positions relative to the parent, edges in root coordinates.
  const origin = new Map<string, ElkPoint>([[graph.id, { x: 0, y: 0 }]]);
  const routes = new Map<string, ElkPoint[]>();
  const place = (n: ElkNode): ElkNode => {
    const here = laid.get(n.id)!;
    const at = origin.get(n.id)!;
    const localIds = [...frames.get(n.id)!.edges.keys()];
    here.edges.forEach((points, k) => routes.set(localIds[k], points.map((p) => ({ x: p.x + at.x, y: p.y + at.y }))));
    const pos = new Map(here.children.map(([id, x, y]) => [id, { x, y }]));
    const children = (n.children ?? []).map((c) => {
      const p = pos.get(c.id) ?? { x: 0, y: 0 };
      origin.set(c.id, { x: at.x + p.x, y: at.y + p.y });
      if (c.children) {
        const inner = place(c);
        return { ...inner, x: p.x, y: p.y };
      }
      return { ...c, x: p.x, y: p.y, ...(c.edges ? { edges: [] } : {}) };
    });
    return { ...n, children, edges: [], width: here.width, height: here.height };
  };
  const out = place(graph);
  // Each view edge, back in the node that held it, as one polyline through its segments.
  const byOwner = new Map<string, ElkEdge[]>();
  for (const { edge, owner } of originalEdges) {
    const segs = segments.get(edge.id);
    const points: ElkPoint[] = [];
    for (const s of segs ?? []) {
      const route = routes.get(s.local) ?? [];
      const start = points.length && route.length && samePoint(points[points.length - 1], route[0]) ? 1 : 0;
      for (let i = start; i < route.length; i++) points.push(route[i]);
    }
    const placed: ElkEdge = { ...edge, container: graph.id };
    if (points.length >= 2) placed.sections = [{ startPoint: points[0], endPoint: points[points.length - 1], ...(points.length > 2 ? { bendPoints: points.slice(1, -1) } : {}) }];
    (byOwner.get(owner.id) ?? byOwner.set(owner.id, []).get(owner.id)!).push(placed);
  }
  const attach = (n: ElkNode) => {
    if (!n.children) return;
    n.edges = byOwner.get(n.id) ?? [];
    n.children.forEach(attach);
  };
  attach(out);
  return out;
}

const samePoint = (a: ElkPoint, b: ElkPoint) => Math.abs(a.x - b.x) < 0.01 && Math.abs(a.y - b.y) < 0.01;

/**
 * One frame's ELK input: its children (inner groups as boxes of their laid-out size, with their
 * ports), its local edges and its own border ports. Ports and edges are named by position, not
 * by the tensors' producers: a group whose interior is unchanged is the same input (and laid out
 * once) whatever the groups around it show (collapsing a neighbour renames its producers).
 */
function frameInput(f: Frame, isRoot: boolean, laid: Map<string, FrameLayout>, frames: Map<string, Frame>): ElkNode {
  const portIndex = (frame: Frame) => new Map([...frame.ports.keys()].map((id, i) => [id, i]));
  const own = portIndex(f);
  const inner = new Map<string, string>();
  const children: ElkNode[] = (f.node.children ?? []).map((c) => {
    if (!c.children) return { id: c.id, width: c.width, height: c.height };
    const child = frames.get(c.id)!;
    for (const [id, i] of portIndex(child)) inner.set(id, `${c.id}${CANON}${i}`);
    const layout = laid.get(c.id)!;
    return {
      id: c.id,
      width: layout.width,
      height: layout.height,
      layoutOptions: { 'elk.portConstraints': 'FIXED_POS' },
      ports: layout.ports.map(([x, y], i) => ({ id: `${c.id}${CANON}${i}`, x, y, width: 0, height: 0 })),
    };
  });
  const name = (id: string) => (own.has(id) ? `${CANON}${own.get(id)}` : inner.get(id) ?? id);
  const edges = [...f.edges.values()].map((e, k) => ({ id: `${CANON}e${k}`, sources: [name(e.source)], targets: [name(e.target)], tensors: [] }));
  const options = f.node.layoutOptions ?? {};
  if (isRoot) return { id: ROOT_ID, layoutOptions: { ...options, ...FRAME_OPTIONS }, children, edges };
  const ports = [...f.ports].map(([, side], i) => ({ id: `${CANON}${i}`, width: 0, height: 0, layoutOptions: { 'elk.port.side': side === 'in' ? 'NORTH' : 'SOUTH' } }));
  return { id: FRAME_ID, layoutOptions: { ...FRAME_OPTIONS, ...options, 'elk.portConstraints': 'FIXED_SIDE' }, children, edges, ...(ports.length ? { ports } : {}) };
}

/** What a laid-out frame keeps (relative to its own top-left). */
function frameResult(node: ElkNode, prefix: string): FrameLayout {
  const ports: FrameLayout['ports'] = [];
  const own = prefix.length + CANON.length;
  for (const p of node.ports ?? []) ports[Number(p.id.slice(own))] = [p.x ?? 0, p.y ?? 0];
  const edges: FrameLayout['edges'] = [];
  for (const e of node.edges ?? []) {
    const sec = e.sections?.[0];
    edges[Number(e.id.slice(own + 1))] = sec ? [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint] : [];
  }
  return { width: node.width ?? 0, height: node.height ?? 0, ports, children: (node.children ?? []).map((c) => [c.id, c.x ?? 0, c.y ?? 0]), edges };
}

/** Frames (their inputs) laid out side by side in one ELK run, each on its own: their layouts, in order. */
async function layOutTogether(bodies: ElkNode[], layoutOne: LayoutOne): Promise<FrameLayout[]> {
  const result = await layoutOne({ id: '\u0003wrap', layoutOptions: WRAP_OPTIONS, children: bodies.map(numbered), edges: [] });
  const byId = new Map((result.children ?? []).map((c) => [c.id, c]));
  return bodies.map((_, k) => frameResult(byId.get(`${k}${FRAME_ID}`)!, `${k}`));
}

/**
 * A frame's input with its own names (its id, ports and edges) numbered `k`, so that several
 * frames can be laid out side by side in one ELK run; a fresh copy (ELK writes into its input).
 */
function numbered(body: ElkNode, k: number): ElkNode {
  const own = (id: string) => (id.startsWith(CANON) ? `${k}${id}` : id);
  return {
    ...body,
    id: `${k}${body.id}`,
    children: copyGraph({ id: '', children: body.children }).children,
    ports: body.ports?.map((p) => ({ ...p, id: own(p.id), layoutOptions: { ...p.layoutOptions } })),
    edges: body.edges?.map((e) => ({ ...e, id: own(e.id), sources: e.sources.map(own), targets: e.targets.map(own), tensors: [] })),
    layoutOptions: { ...body.layoutOptions },
  };
}

/** ELK writes into the graph it lays out: it gets a copy. */
const copyGraph = (g: ElkNode): ElkNode => JSON.parse(JSON.stringify(g)) as ElkNode;
