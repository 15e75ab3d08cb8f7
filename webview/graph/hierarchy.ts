/**
 * The group hierarchy of a model's layers, pure data (tested in Node through
 * ./elk-graph.ts): layers grouped by their exporter name scopes
 * (`/layer1/layer1.0/conv1/Conv` → `layer1 ▸ layer1.0`), scopes holding a
 * single item dissolved, a level with more items than the visible-box budget
 * cut into synthetic consecutive chunks (`layers 1–250`); which box stands for
 * a layer when groups are collapsed, and which groups open by default.
 * ./elk-graph.ts turns it into the ELK graph.
 */
import type { LayerReport } from '../../src/core/report/profile';

/** The scope path of a node name: every segment but the last (the op itself). */
export function scopeOf(nodeName: string): string[] {
  const parts = nodeName.split('/').filter(Boolean);
  return parts.slice(0, -1);
}

const groupIdOf = (path: readonly string[]) => `group:${path.join('/')}`;
export const nodeId = (index: number) => `node:${index}`;

export const DEFAULT_BUDGET = 300;
/** Layers per synthetic chunk (at most the budget). */
const CHUNK = 250;

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
  if (!byBudget) cache.set(layers, (byBudget = new Map<number, Hierarchy>()));
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
export function frameOf(h: Hierarchy, layerIndex: number, expanded: ReadonlySet<string>): string[] {
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
