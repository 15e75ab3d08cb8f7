/**
 * The batch-size sweep: the model profiled at batch 1, 2, 4, … up to a
 * limit, each batch in its own runtime process (a clean memory measurement,
 * and an out-of-memory kill ends only that batch). It stops where memory
 * runs out: when the next batch's predicted need (the measured growth per
 * sample so far) exceeds the memory available, when the runtime fails to
 * allocate, or when the system kills the process (SIGKILL).
 */
import { freemem } from 'node:os';
import { predictedPeak, sweepBatches, type SweepPoint, type SweepReport } from '../core/timing/sweep';
import type { RuntimeReport } from '../core/timing/runtime-report';
import { runInChild, RuntimeError, type RunOptions } from './client';
import type { ProfileRequest } from './messages';

export type { SweepPoint, SweepReport };

export interface SweepOptions extends Omit<RunOptions, 'onStart'> {
  maxBatch: number;
  /** Memory a batch may need (default: 90% of the free memory at the start). */
  memoryLimitBytes?: number;
  /** Each batch's process (tests use it to play the out-of-memory killer). */
  onStart?: (batch: number, pid: number) => void;
  onPoint?: (p: SweepPoint) => void;
}

const MEMORY_FAILURE = /alloc|out of memory|bad_alloc|OOM|memory/i;

export async function batchSweep(base: ProfileRequest, o: SweepOptions): Promise<SweepReport> {
  const memoryLimitBytes = o.memoryLimitBytes ?? Math.floor(freemem() * 0.9);
  const points: SweepPoint[] = [];
  let first: RuntimeReport | undefined;
  let stopped: SweepReport['stopped'];
  for (const batch of sweepBatches(o.maxBatch)) {
    if (first) {
      const need = predictedPeak(points, batch, first.memory.baselineRssBytes);
      if (need > memoryLimitBytes) {
        stopped = { batch, reason: 'predicted', message: `batch ${batch} would need about ${(need / 2 ** 30).toFixed(2)} GiB, more than the ${(memoryLimitBytes / 2 ** 30).toFixed(2)} GiB available` };
        break;
      }
    }
    o.onProgress?.(`batch ${batch}`, undefined);
    try {
      const { report } = await runInChild({ ...base, batch, peaksCache: undefined }, { ...o, onStart: (pid) => o.onStart?.(batch, pid) });
      first ??= report;
      const p: SweepPoint = { batch, latencyMs: report.latencyMs, throughput: report.throughput, peakRssBytes: report.memory.peakRssBytes, ...(report.memory.gpuBytes !== undefined ? { gpuBytes: report.memory.gpuBytes } : {}) };
      points.push(p);
      o.onPoint?.(p);
    } catch (e) {
      if (e instanceof RuntimeError && e.kind === 'cancelled') throw e;
      const msg = (e as Error).message;
      if (e instanceof RuntimeError && e.kind === 'refused') {
        // The static estimate of this batch is more than the memory free: it did not start.
        stopped = { batch, reason: 'predicted', message: `batch ${batch} ${msg}` };
      } else {
        const killed = e instanceof RuntimeError && (e.kind === 'memory' || (e.kind === 'crashed' && /SIGKILL/.test(msg)));
        const reason = killed || (e instanceof RuntimeError && e.kind === 'failed' && MEMORY_FAILURE.test(msg)) ? 'memory' : 'error';
        stopped = { batch, reason, message: reason === 'memory' ? `out of memory at batch ${batch}: ${msg}` : `batch ${batch} failed: ${msg}` };
      }
      if (!first) throw e;
      break;
    }
  }
  return {
    file: base.modelPath,
    engine: first ? `${first.engine.name} ${first.engine.version}${first.engine.backend ? ` (${first.engine.backend})` : ''}` : '?',
    providers: first?.providers ?? [],
    device: first?.devices.map((d) => d.name).join(' + ') ?? '?',
    points,
    ...(stopped ? { stopped } : {}),
    memoryLimitBytes,
  };
}
