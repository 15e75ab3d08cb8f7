/**
 * A measured profile: what ran where, how long each layer took, and how much
 * memory the runtime used, keyed to the same IR layers as the static report
 * (so the graph view and the table can show both side by side). Built from
 * the runtime's raw measurements by plain functions; the runtime process
 * (src/runtime) only measures.
 */
import type { Graph } from '../ir';
import type { ProfileReport, TensorReport } from '../report/profile';
import { analyseDataflow } from '../analysis/dataflow';
import { addExact, sumFigures, tensorBytes, type Figure } from '../../shared/exact';
import { executionOrder } from '../analysis/execution-order';
import { mapKernelsToNodes } from './node-map';
import type { TraceRun } from './ort-trace';
import { summarize, summaryPerKey, type TimingSummary } from './stats';
import { classifyBound, type DevicePeaks, type Bound } from './roofline';

/** Provider names without the suffix: `CPUExecutionProvider` → `CPU`. */
export const shortProvider = (p: string): string => p.replace(/ExecutionProvider$/, '');

export interface DeviceInfo {
  kind: 'cpu' | 'gpu';
  /** `Intel(R) Xeon(R) …`, `NVIDIA H200`. */
  name: string;
  cores?: number;
  memoryBytes?: number;
}

export interface RuntimeLayer {
  name: string;
  op: string;
  status: 'ran' | 'fused' | 'folded' | 'eliminated';
  /** For `fused`: the layer whose time includes this one. */
  fusedInto?: string;
  /** For `ran`: the runtime's kernels and the layers fused into this one (itself first). */
  kernels?: string[];
  kernelOps?: string[];
  fusedLayers?: string[];
  /** Execution providers (onnxruntime) or backend that ran its kernels. */
  providers?: string[];
  /** Median over the timed runs, milliseconds (0 unless `ran`). */
  timeMs: number;
  /** 90th percentile and minimum over the timed runs, milliseconds (layers that ran). */
  timeP90Ms?: number;
  timeMinMs?: number;
  /** timeMs / the sum over all layers and runtime-inserted kernels. */
  share: number;
  /** FLOPs of the layer and those fused into it (static count); null when unknown. */
  flops: Figure;
  /** Achieved GFLOP/s: flops / time. */
  gflops?: number;
  /** FLOPs per byte moved (inputs, weights and outputs of the group). */
  intensity?: number;
  bound?: Bound;
}

export interface MemoryMeasurement {
  /** Resident memory of the runtime process before the model was loaded. */
  baselineRssBytes: number;
  /** After the session was created (weights loaded, graph optimized). */
  loadedRssBytes: number;
  /** Highest resident memory during the timed runs. */
  peakRssBytes: number;
  /** How the peak was read: `VmHWM (reset after load)` or `maxRSS (includes loading)`. */
  peakMethod: string;
  /** GPU memory the process held, where the provider exposes it (nvidia-smi). */
  gpuBytes?: number;
}

export interface MemoryReport extends MemoryMeasurement {
  /** Static figures for comparison; null when unknown (a shape could not be inferred). */
  staticPeakActivationBytes: Figure;
  paramBytes: Figure;
  /** peak − baseline. */
  measuredInferenceBytes: number;
  /** Why measured and static differ, in a sentence or two. */
  explanation: string;
}

export interface RuntimeReport {
  file: string;
  engine: { name: 'onnxruntime' | 'tensorflow.js'; version: string; backend?: string };
  /** The setting: auto, cuda, tensorrt, cpu (or a TF.js backend). */
  requested: string;
  /** What actually ran kernels, e.g. ['CPUExecutionProvider']. */
  providers: string[];
  devices: DeviceInfo[];
  /** Fallbacks and other things the user should see (`CUDA unavailable: …; ran on CPU`). */
  notices: string[];
  batch: number;
  inputs: TensorReport[];
  warmup: number;
  runs: number;
  /** End-to-end inference time per run as the caller sees it (session.run from JavaScript), milliseconds. */
  latencyMs: TimingSummary;
  /** The same runs as the runtime's own profiler times them (onnxruntime's model_run), milliseconds. */
  engineMs?: TimingSummary;
  /** Samples per second at the median latency. */
  throughput: number;
  /** Median over runs of the sum of kernel times, milliseconds. */
  kernelSumMs: number;
  layers: RuntimeLayer[];
  /** Kernels the runtime inserted that match no layer (layout reorders, copies). */
  inserted: { name: string; op: string; provider: string; timeMs: number; share: number }[];
  memory: MemoryReport;
  peaks?: DevicePeaks;
  warnings: string[];
}

export interface RawOrtMeasurement {
  file: string;
  engineVersion: string;
  requested: string;
  devices: DeviceInfo[];
  notices: string[];
  batch: number;
  inputs: TensorReport[];
  warmup: number;
  /** Wall-clock time of every timed run (after the warm-up), milliseconds. */
  wallMs: number[];
  /** The profiler's timed runs (warm-up runs left out). */
  trace: TraceRun[];
  optimized?: Graph;
  memory: MemoryMeasurement;
  peaks?: DevicePeaks;
  warnings: string[];
}

/**
 * The measured report for a graph run on onnxruntime: per-layer medians over
 * the timed runs, mapped to IR layers.
 */
export function buildOrtReport(graph: Graph, profile: ProfileReport, raw: RawOrtMeasurement, tensorOf: (name: string) => TensorReport): RuntimeReport {
  const timed = raw.trace;
  const flow = analyseDataflow(graph, executionOrder(graph));
  const layerOf = new Map(profile.layers.map((l) => [l.name, l]));
  const nodeOf = new Map(graph.nodes.map((n) => [n.name, n]));
  const constant = (n: string) => !(nodeOf.get(n)?.outputs.some((o) => o && flow.dynamic.has(o)) ?? false);
  const kernels = [...new Set(timed.flatMap((r) => r.kernels.map((k) => k.node)))];
  const mapping = mapKernelsToNodes(graph, kernels, { optimized: raw.optimized, constant, weight: (n) => layerOf.get(n)?.flops ?? 0 });

  // Per run: each layer's kernel time, and each unmatched kernel's.
  const perRun = timed.map((r) => {
    const m = new Map<string, number>();
    for (const k of r.kernels) {
      const key = mapping.kernelTo.get(k.node) ?? `\u0000${k.node}`;
      m.set(key, (m.get(key) ?? 0) + k.durUs / 1000);
    }
    return m;
  });
  const spread = summaryPerKey(perRun);
  const median = new Map([...spread].map(([k, v]) => [k, v.p50]));
  const kernelSums = perRun.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
  // No trace (it could not be read): no kernel time, rather than NaN.
  const kernelSumMs = kernelSums.length > 0 ? summarize(kernelSums).p50 : 0;
  const total = [...median.values()].reduce((a, b) => a + b, 0) || 1;
  const kernelInfo = new Map<string, { op: string; provider: string }>();
  for (const r of timed) for (const k of r.kernels) kernelInfo.set(k.node, { op: k.op, provider: k.provider });

  // The static report's layers: folded nodes (constant and shape arithmetic) are not layers here either.
  const layers: RuntimeLayer[] = graph.nodes.filter((n) => layerOf.has(n.name)).map((n) => {
    const st = mapping.status.get(n.name)!;
    const base = { name: n.name, op: n.opType, timeMs: 0, share: 0, flops: layerOf.get(n.name)?.flops ?? null };
    if (st.kind === 'fused') return { ...base, status: 'fused', fusedInto: st.into };
    if (st.kind !== 'ran') return { ...base, status: st.kind };
    const timeMs = median.get(n.name) ?? 0;
    const summed = sumFigures(st.members.map((m) => layerOf.get(m)?.flops ?? null));
    const flops = summed.partial ? null : summed.total;
    const providers = [...new Set(st.kernels.map((k) => kernelInfo.get(k)?.provider ?? '').filter(Boolean))];
    const layer: RuntimeLayer = {
      ...base,
      status: 'ran',
      kernels: st.kernels,
      kernelOps: st.kernels.map((k) => kernelInfo.get(k)?.op ?? ''),
      fusedLayers: st.members,
      providers,
      timeMs,
      timeP90Ms: spread.get(n.name)?.p90 ?? timeMs,
      timeMinMs: spread.get(n.name)?.min ?? timeMs,
      share: timeMs / total,
      flops,
    };
    if (timeMs > 0 && flops) layer.gflops = flops / (timeMs * 1e6);
    const moved = groupBytes(st.members, nodeOf, flow.dynamic, tensorOf);
    if (moved > 0 && flops) layer.intensity = flops / moved;
    return layer;
  });
  // The roof is at least what the best layer reached: a short matmul on a busy machine can fall below a long conv.
  let peaks = raw.peaks;
  if (peaks) {
    const best = Math.max(0, ...layers.map((l) => (l.gflops ?? 0) * 1e9));
    if (best > peaks.flopsPerSec) peaks = { ...peaks, flopsPerSec: best, note: `compute roof raised from the matmul's ${(raw.peaks!.flopsPerSec / 1e9).toFixed(0)} GFLOP/s to the best layer's` };
    for (const l of layers) if (l.intensity !== undefined) l.bound = classifyBound(l.intensity, peaks);
  }

  const inserted = mapping.unmatched.map((k) => {
    const timeMs = median.get(`\u0000${k}`) ?? 0;
    return { name: k, op: kernelInfo.get(k)?.op ?? '', provider: kernelInfo.get(k)?.provider ?? '', timeMs, share: timeMs / total };
  });
  const providers = [...new Set(timed.flatMap((r) => r.kernels.map((k) => k.provider)).filter(Boolean))];
  const latencyMs = summarize(raw.wallMs);
  const engineMs = summarize(timed.map((r) => r.durUs / 1000));
  const estimate = staticMemory(profile.totals);
  const measuredInferenceBytes = Math.max(0, raw.memory.peakRssBytes - raw.memory.baselineRssBytes);
  return {
    file: raw.file,
    engine: { name: 'onnxruntime', version: raw.engineVersion },
    requested: raw.requested,
    providers,
    devices: raw.devices,
    notices: raw.notices,
    batch: raw.batch,
    inputs: raw.inputs,
    warmup: raw.warmup,
    runs: raw.wallMs.length,
    latencyMs,
    ...(timed.length ? { engineMs } : {}),
    throughput: latencyMs.p50 > 0 ? (raw.batch * 1000) / latencyMs.p50 : 0,
    kernelSumMs,
    layers,
    inserted,
    memory: {
      ...raw.memory,
      staticPeakActivationBytes: estimate.staticPeakActivationBytes,
      paramBytes: estimate.paramBytes,
      measuredInferenceBytes,
      explanation: explainMemory(measuredInferenceBytes, estimate, raw.memory),
    },
    ...(peaks ? { peaks } : {}),
    warnings: raw.warnings,
  };
}

/** A static count as a figure: what analysis could not count (NaN, infinite, negative from a malformed shape) is 0. */
const figure = (n: number): number => (Number.isFinite(n) && n > 0 ? n : 0);

/** Bytes a fused group reads and writes: its dynamic inputs from outside, its weights, its outputs. */
function groupBytes(
  members: readonly string[],
  nodeOf: Map<string, Graph['nodes'][number]>,
  dynamic: Set<string>,
  tensorOf: (name: string) => TensorReport,
): number {
  const inside = new Set(members.flatMap((m) => nodeOf.get(m)?.outputs ?? []));
  let bytes = 0;
  const seen = new Set<string>();
  for (const m of members) {
    const node = nodeOf.get(m);
    if (!node) continue;
    for (const v of node.inputs) {
      if (!v || inside.has(v) || seen.has(v)) continue;
      seen.add(v);
      bytes += figure(tensorBytes(tensorOf(v)) ?? 0);
    }
  }
  // The group's result: the last member's outputs (the intermediate ones stay in registers/cache when fused).
  const last = nodeOf.get(members[0]);
  for (const o of last?.outputs ?? []) if (o && dynamic.has(o)) bytes += figure(tensorBytes(tensorOf(o)) ?? 0);
  return bytes;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

export interface StaticMemory {
  /** Peak activations and weights of the static profile; null unless known in full (a partial total is only a lower bound). */
  staticPeakActivationBytes: Figure;
  paramBytes: Figure;
  /** Their sum, the estimate a measurement is compared with. */
  bytes: Figure;
  text: string;
}

/** The static estimate to compare a measurement with: peak activations + weights, when both are known in full. */
export function staticMemory(t: ProfileReport['totals']): StaticMemory {
  const full = (k: 'peakActivationBytes' | 'paramBytes'): Figure => (t.partial.includes(k) ? null : t[k]);
  const peak = full('peakActivationBytes');
  const params = full('paramBytes');
  const bytes = addExact(peak, params);
  const text = bytes === null || peak === null || params === null
    ? 'static estimate unknown (some activation or weight sizes are unknown)'
    : `static estimate ${mib(bytes)} = peak activations ${mib(peak)} + weights ${mib(params)}`;
  return { staticPeakActivationBytes: peak, paramBytes: params, bytes, text };
}

function explainMemory(measured: number, estimate: StaticMemory, m: MemoryMeasurement): string {
  const parts = [
    `measured ${mib(measured)} above the ${mib(m.baselineRssBytes)} the runtime process held before creating the session (Node, the runtime's code and ConvLens's own copy of the model; ${m.peakMethod})`,
    estimate.text,
  ];
  if (estimate.bytes === null) return parts.join('; ') + '.';
  const expected = estimate.bytes;
  const diff = measured - expected;
  if (diff > 0) parts.push(`the ${mib(diff)} more is the runtime's own: graph optimization copies of the weights, its memory arena (it keeps freed blocks for reuse) and kernel workspaces`);
  else parts.push(`the runtime needed ${mib(-diff)} less: it reuses activation buffers in place and may map weights without copying`);
  return parts.join('; ') + '.';
}
