/**
 * A layer's output as previews the view can draw without the raw tensor:
 * per channel its min, max, mean and mean |x|, and the map average-pooled
 * to at most `maxSide` pixels a side, scaled to 0–255 between that channel's
 * min and max. Batch item 0 only. [N, C, H, W] (and [N, C, L]) maps are
 * channels; an [N, F] vector is one strip. At most `maxChannels` channels
 * get a preview (all get statistics).
 */

export interface ChannelStats {
  min: number;
  max: number;
  mean: number;
  meanAbs: number;
}

export interface FeatureMapPreview {
  /** The layer (IR node) whose output this is. */
  layer: string;
  value: string;
  /** The output's full shape. */
  shape: number[];
  kind: 'spatial' | 'vector';
  /** Channels in the output, and how many have a preview. */
  channels: number;
  shown: number;
  /** The map's own size (H, W; 1×L for 1-D, 1×F for vectors). */
  mapHeight: number;
  mapWidth: number;
  /** Preview size, and how many map pixels one preview pixel averages per side. */
  height: number;
  width: number;
  pool: number;
  stats: ChannelStats[];
  /** shown × height × width bytes, base64 (JSON-safe across the process and webview boundaries). */
  pixels: string;
}

export interface ReduceOptions {
  maxSide?: number;
  maxChannels?: number;
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function reduceFeatureMap(layer: string, value: string, data: ArrayLike<number>, dims: readonly number[], o: ReduceOptions = {}): FeatureMapPreview | undefined {
  const maxSide = o.maxSide ?? 48;
  const maxChannels = o.maxChannels ?? 512;
  if (dims.length < 2 || dims.some((d) => !Number.isInteger(d) || d < 0)) return undefined;
  let C: number;
  let H: number;
  let W: number;
  let kind: FeatureMapPreview['kind'];
  if (dims.length === 2) {
    [C, H, W, kind] = [1, 1, dims[1], 'vector'];
  } else {
    C = dims[1];
    H = dims.length === 3 ? 1 : dims[2];
    W = dims.slice(dims.length === 3 ? 2 : 3).reduce((a, b) => a * b, 1);
    kind = 'spatial';
  }
  const plane = H * W;
  if (C === 0 || plane === 0 || data.length < C * plane) return undefined;
  // Vectors get a longer strip: one pixel per element up to 8× the side.
  const side = kind === 'vector' ? maxSide * 8 : maxSide;
  const pool = Math.max(1, Math.ceil(Math.max(H, W) / side));
  const ph = Math.ceil(H / pool);
  const pw = Math.ceil(W / pool);
  const shown = Math.min(C, maxChannels);
  const pixels = new Uint8Array(shown * ph * pw);
  const pooled = new Float64Array(ph * pw);
  const stats: ChannelStats[] = [];
  for (let c = 0; c < C; c++) {
    const base = c * plane;
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let sumAbs = 0;
    for (let i = 0; i < plane; i++) {
      const v = data[base + i];
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      sumAbs += Math.abs(v);
    }
    stats.push({ min, max, mean: sum / plane, meanAbs: sumAbs / plane });
    if (c >= shown) continue;
    pooled.fill(0);
    for (let y = 0; y < H; y++) {
      const py = Math.floor(y / pool);
      for (let x = 0; x < W; x++) pooled[py * pw + Math.floor(x / pool)] += data[base + y * W + x];
    }
    const range = max - min;
    for (let py = 0; py < ph; py++) {
      const cellH = Math.min(pool, H - py * pool);
      for (let px = 0; px < pw; px++) {
        const cellW = Math.min(pool, W - px * pool);
        const v = pooled[py * pw + px] / (cellH * cellW);
        pixels[c * ph * pw + py * pw + px] = range > 0 ? Math.round(((v - min) / range) * 255) : 0;
      }
    }
  }
  return { layer, value, shape: [...dims], kind, channels: C, shown, mapHeight: H, mapWidth: W, height: ph, width: pw, pool, stats, pixels: toBase64(pixels) };
}

export interface ClassScore {
  index: number;
  label: string;
  probability: number;
}

/**
 * The top `k` classes of a classifier output (one row of scores): softmax
 * unless the row already is a distribution (non-negative, sums to 1 within
 * 1e-3), labelled from `labels` (`class i` where there is none).
 */
export function topClasses(scores: ArrayLike<number>, labels: readonly string[] | undefined, k = 5): ClassScore[] {
  const n = scores.length;
  let sum = 0;
  let nonNegative = true;
  for (let i = 0; i < n; i++) {
    sum += scores[i];
    if (scores[i] < 0) nonNegative = false;
  }
  const probs = new Float64Array(n);
  if (nonNegative && Math.abs(sum - 1) < 1e-3) {
    for (let i = 0; i < n; i++) probs[i] = scores[i];
  } else {
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, scores[i]);
    let z = 0;
    for (let i = 0; i < n; i++) z += (probs[i] = Math.exp(scores[i] - max));
    for (let i = 0; i < n; i++) probs[i] /= z;
  }
  return [...probs.keys()]
    .sort((a, b) => probs[b] - probs[a] || a - b)
    .slice(0, k)
    .map((index) => ({ index, label: labels?.[index] ?? `class ${index}`, probability: probs[index] }));
}

/** A labels file: one label per line, in class order; trailing blank lines dropped. */
export function parseLabels(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  return lines.map((l) => l.trim());
}
