/**
 * A measured profile as the model view shows it: figures per layer of the
 * view's own (static) report, matched by layer name, so the latency overlay,
 * the table and the details panel can address layers by index. Layers of
 * the view that the run does not have (another batch, another export) get
 * null.
 */
import type { ProfileReport } from '../report/profile';
import type { Bound, DevicePeaks } from './roofline';
import { shortProvider, type MemoryReport, type RuntimeReport } from './runtime-report';
import type { TimingSummary } from './stats';

export interface RuntimeLayerView {
  status: 'ran' | 'fused' | 'folded' | 'eliminated';
  timeMs: number;
  timeP90Ms?: number;
  timeMinMs?: number;
  share: number;
  gflops?: number;
  bound?: Bound;
  providers?: string[];
  /** The kernels' ops (`Conv`, `FusedConv`, `ReorderOutput`). */
  kernelOps?: string[];
  /** Layers fused into this one (names), itself excluded. */
  fused?: string[];
  /** For `fused`: the layer carrying its time (index in the view's report, -1 if not shown) and its name. */
  fusedInto?: { index: number; name: string };
}

export interface RuntimeSummaryView {
  engine: string;
  requested: string;
  providers: string[];
  device: string;
  notices: string[];
  batch: number;
  runs: number;
  warmup: number;
  latencyMs: TimingSummary;
  throughput: number;
  kernelSumMs: number;
  memory: MemoryReport;
  peaks?: DevicePeaks;
  warnings: string[];
}

export interface RuntimeView {
  summary: RuntimeSummaryView;
  /** Aligned with the view's `report.layers`. */
  layers: (RuntimeLayerView | null)[];
  /** ms per layer for the latency overlay; null where nothing ran. */
  latencyMs: (number | null)[];
  /** Time of the runtime's own inserted kernels (layout reorders), ms. */
  insertedMs: number;
}

export function runtimeView(report: ProfileReport, run: RuntimeReport): RuntimeView {
  const index = new Map(report.layers.map((l, i) => [l.name, i]));
  const byName = new Map(run.layers.map((l) => [l.name, l]));
  const layers = report.layers.map((l): RuntimeLayerView | null => {
    const r = byName.get(l.name);
    if (!r) return null;
    const v: RuntimeLayerView = { status: r.status, timeMs: r.timeMs, share: r.share };
    if (r.timeP90Ms !== undefined) v.timeP90Ms = r.timeP90Ms;
    if (r.timeMinMs !== undefined) v.timeMinMs = r.timeMinMs;
    if (r.gflops !== undefined) v.gflops = r.gflops;
    if (r.bound) v.bound = r.bound;
    if (r.providers) v.providers = r.providers.map(shortProvider);
    if (r.kernelOps) v.kernelOps = r.kernelOps;
    if (r.fusedLayers && r.fusedLayers.length > 1) v.fused = r.fusedLayers.filter((n) => n !== r.name);
    if (r.fusedInto) v.fusedInto = { index: index.get(r.fusedInto) ?? -1, name: r.fusedInto };
    return v;
  });
  const device = run.devices.map((d) => `${d.name}${d.cores ? ` (${d.cores} threads)` : ''}`).join(' + ');
  return {
    summary: {
      engine: `${run.engine.name} ${run.engine.version}${run.engine.backend ? ` (${run.engine.backend})` : ''}`,
      requested: run.requested,
      providers: run.providers.map(shortProvider),
      device,
      notices: run.notices,
      batch: run.batch,
      runs: run.runs,
      warmup: run.warmup,
      latencyMs: run.latencyMs,
      throughput: run.throughput,
      kernelSumMs: run.kernelSumMs,
      memory: run.memory,
      ...(run.peaks ? { peaks: run.peaks } : {}),
      warnings: run.warnings,
    },
    layers,
    latencyMs: layers.map((l) => (l && l.status === 'ran' ? l.timeMs : null)),
    insertedMs: run.inserted.reduce((a, k) => a + k.timeMs, 0),
  };
}
