/**
 * Aligning the layers of two models: which layer of A is which layer of B.
 * Names first (a layer that kept its name is the same layer), then, for the
 * layers left, structure: a longest common subsequence over the two
 * topological orders (Myers' O((N+M)·D) algorithm, as text diffs use, so two
 * renamed copies of a 20,000-layer model align in linear time) on each
 * layer's full signature (op, attributes, shapes); then, inside each stretch
 * where the orders disagree, a scored alignment that pairs layers of the
 * same op whose attributes or shapes differ (a grouped convolution in place
 * of a plain one). What is left is added or removed.
 */

export interface AlignItem {
  name: string;
  /** Op, attributes, shapes, dtypes, weights: equal means "the same layer, renamed". */
  full: string;
  /** Op and attributes: equal means "the same operation, its shapes changed". */
  opAttrs: string;
  /** Op and output shapes: equal means "the same place, its attributes changed". */
  opShapes: string;
  op: string;
}

/**
 * Pairs of indices into A and B (in A's order), and how each pair was found: by name; by structure
 * (the same signature, or the same op with the same attributes or output shapes); by op alone (a
 * weak pair: the same kind of layer where the two orders disagree).
 */
export interface Alignment {
  pairs: { a: number; b: number; by: 'name' | 'structure' | 'op' }[];
  /** Unaligned layers of A (removed) and of B (added). */
  removed: number[];
  added: number[];
}

/** Past this many differences Myers' search stops: the models are too unlike for an order-based alignment. */
const MAX_EDIT_DISTANCE = 20_000;
/** Stretches up to this many candidate pairs get the scored (quadratic) alignment. */
const MAX_SCORED_CELLS = 400_000;

export function alignLayers(a: readonly AlignItem[], b: readonly AlignItem[]): Alignment {
  const pairA = new Int32Array(a.length).fill(-1);
  const pairB = new Int32Array(b.length).fill(-1);
  const by = new Map<number, 'name' | 'structure' | 'op'>();
  const bByName = new Map<string, number>();
  b.forEach((x, j) => bByName.set(x.name, j));
  a.forEach((x, i) => {
    const j = bByName.get(x.name);
    if (j !== undefined && pairB[j] < 0) {
      pairA[i] = j;
      pairB[j] = i;
      by.set(i, 'name');
    }
  });
  // The layers names did not pair, in each model's order.
  const restA = a.map((_, i) => i).filter((i) => pairA[i] < 0);
  const restB = b.map((_, j) => j).filter((j) => pairB[j] < 0);
  const link = (i: number, j: number, weak = false) => {
    pairA[i] = j;
    pairB[j] = i;
    by.set(i, weak ? 'op' : 'structure');
  };
  const matched = lcs(restA.map((i) => a[i].full), restB.map((j) => b[j].full));
  // Between consecutive exact matches: stretches that differ, aligned by op (score) when small enough.
  let pa = 0;
  let pb = 0;
  const stretch = (endA: number, endB: number) => {
    const sa = restA.slice(pa, endA);
    const sb = restB.slice(pb, endB);
    if (sa.length && sb.length) for (const [i, j, weak] of scoredAlignment(sa.map((i) => a[i]), sb.map((j) => b[j]))) link(sa[i], sb[j], weak);
  };
  if (matched) {
    for (const [x, y] of matched) {
      stretch(x, y);
      link(restA[x], restB[y]);
      pa = x + 1;
      pb = y + 1;
    }
    stretch(restA.length, restB.length);
  }
  const pairs: Alignment['pairs'] = [];
  for (let i = 0; i < a.length; i++) if (pairA[i] >= 0) pairs.push({ a: i, b: pairA[i], by: by.get(i)! });
  return {
    pairs,
    removed: a.map((_, i) => i).filter((i) => pairA[i] < 0),
    added: b.map((_, j) => j).filter((j) => pairB[j] < 0),
  };
}

/**
 * A longest common subsequence of two token lists as index pairs (Myers 1986, forward greedy with
 * the trace kept); undefined when the edit distance exceeds MAX_EDIT_DISTANCE.
 */
export function lcs(x: readonly string[], y: readonly string[]): [number, number][] | undefined {
  // Tokens as small integers: comparisons in the inner loop are then integer compares.
  const ids = new Map<string, number>();
  const id = (s: string) => {
    let v = ids.get(s);
    if (v === undefined) ids.set(s, (v = ids.size));
    return v;
  };
  const X = Int32Array.from(x, id);
  const Y = Int32Array.from(y, id);
  const n = X.length;
  const m = Y.length;
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d]: the furthest x on each diagonal k before step d.
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let px = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let py = px - k;
      while (px < n && py < m && X[px] === Y[py]) {
        px++;
        py++;
      }
      v[offset + k] = px;
      if (px >= n && py >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return undefined;
  // Back from (n, m): each step d ends in a snake (matches) after one insertion or deletion.
  const out: [number, number][] = [];
  let px = n;
  let py = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d];
    const k = px - py;
    const down = k === -d || (k !== d && vd[offset + k - 1] < vd[offset + k + 1]);
    const prevK = down ? k + 1 : k - 1;
    const prevX = vd[offset + prevK];
    const startX = down ? prevX : prevX + 1;
    while (px > startX) {
      px--;
      py--;
      out.push([px, py]);
    }
    px = prevX;
    py = prevX - prevK;
  }
  while (px > 0 && py > 0) {
    px--;
    py--;
    out.push([px, py]);
  }
  return out.reverse();
}

/**
 * Pairs of a stretch where the orders disagree: the alignment that maximises the score of its
 * pairs (the same op 1, plus 2 for the same attributes, plus 2 for the same output shapes;
 * different ops never pair). Quadratic, so
 * only for stretches up to MAX_SCORED_CELLS; a larger one pairs layers of equal op and attributes in order.
 */
function scoredAlignment(a: readonly AlignItem[], b: readonly AlignItem[]): [number, number, boolean][] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_SCORED_CELLS) return inOrder(a, b);
  // The same op; more for the same attributes, and more again for the same output shapes.
  const score = (x: AlignItem, y: AlignItem) => (x.op !== y.op ? 0 : 1 + (x.opAttrs === y.opAttrs ? 2 : 0) + (x.opShapes === y.opShapes ? 2 : 0));
  const w = m + 1;
  const best = new Int32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const s = score(a[i], b[j]);
      const take = s > 0 ? s + best[(i + 1) * w + j + 1] : 0;
      best[i * w + j] = Math.max(take, best[(i + 1) * w + j], best[i * w + j + 1]);
    }
  }
  const out: [number, number, boolean][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const s = score(a[i], b[j]);
    if (s > 0 && best[i * w + j] === s + best[(i + 1) * w + j + 1]) {
      out.push([i, j, s === 1]);
      i++;
      j++;
    } else if (best[i * w + j] === best[(i + 1) * w + j]) i++;
    else j++;
  }
  return out;
}

/** Layers of equal op and attributes, paired in order (a large stretch). */
function inOrder(a: readonly AlignItem[], b: readonly AlignItem[]): [number, number, boolean][] {
  const pairs = lcs(a.map((x) => x.opAttrs), b.map((y) => y.opAttrs));
  return (pairs ?? []).map(([i, j]) => [i, j, false]);
}
