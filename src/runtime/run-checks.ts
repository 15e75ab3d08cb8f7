/**
 * The checks every run makes inside the runtime process before it
 * allocates (src/core/timing/run-guard.ts decides; this reads the machine):
 * each feed's shape, then the static memory need against the memory free,
 * and on a GPU against the device's free memory. A refusal is a
 * MemoryRefusal, which the parent reports with the figures and which the
 * request's `force` skips.
 */
import type { DType } from '../core/ir';
import { dtypeBytes } from '../core/dtype';
import { approxBytes, feedShapeProblem, memoryNeed, memoryRefusal, type MemoryNeed } from '../core/timing/run-guard';
import { profileModel, type ProfileReport, type TensorReport } from '../core/report/profile';
import type { LoadedModel } from '../core/loaders/index';
import type { Shape } from '../core/ir';
import { availableMemoryBytes } from './process-memory';
import { gpuFreeBytes } from './devices';

export class MemoryRefusal extends Error {
  constructor(
    message: string,
    readonly needBytes: number,
    readonly freeBytes: number,
  ) {
    super(message);
  }
}

/** Throws, naming the input and its shape, when a feed cannot be allocated. */
export function checkFeedShapes(shapes: Iterable<[string, readonly number[]]>): void {
  for (const [name, dims] of shapes) {
    const problem = feedShapeProblem(name, dims);
    if (problem) throw new Error(problem);
  }
}

/** Bytes of the feeds at their concrete shapes. */
export function feedBytes(shapes: Iterable<[string, readonly number[]]>, dtypeOf: (name: string) => DType | null): number {
  let bytes = 0;
  for (const [name, dims] of shapes) bytes += dtypeBytes(dtypeOf(name) ?? 'float32', dims.reduce((a, b) => a * b, 1));
  return bytes;
}

/** Bytes of tensors whose symbolic dims are taken as 1 (as the static counts take them); null when a shape or type is unknown. */
export function tensorsBytes(tensors: readonly TensorReport[]): number | null {
  let bytes = 0;
  for (const t of tensors) {
    if (!t.shape || !t.dtype) return null;
    bytes += dtypeBytes(t.dtype, t.shape.reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1));
  }
  return bytes;
}

/** A profiling run's need: its feeds, the model's peak activations, its outputs copied back, its weights. */
export function runNeed(report: ProfileReport, inputBytes: number, options: { activationBytes?: number | null; outputBytes?: number | null; weightCopies?: number } = {}): MemoryNeed {
  return memoryNeed({
    inputBytes,
    peakActivationBytes: options.activationBytes !== undefined ? options.activationBytes : report.totals.peakActivationBytes,
    outputBytes: options.outputBytes !== undefined ? options.outputBytes : tensorsBytes(report.outputs),
    weightBytes: report.totals.paramBytes,
    weightCopies: options.weightCopies,
  });
}

/** Throws a MemoryRefusal when the need is more than the memory available (unless forced). */
export function checkHostMemory(need: MemoryNeed, force: boolean | undefined): void {
  if (force) return;
  const free = availableMemoryBytes();
  const why = memoryRefusal(need, free);
  if (why) throw new MemoryRefusal(why, need.totalBytes, free);
}

/**
 * On a GPU, once the session holds the weights there: the activations
 * against the device's free memory, when nvidia-smi tells it.
 */
export function checkGpuMemory(need: MemoryNeed, force: boolean | undefined): void {
  if (force) return;
  const free = gpuFreeBytes();
  if (free === undefined || need.peakActivationBytes <= free) return;
  throw new MemoryRefusal(`needs ≈ ${approxBytes(need.peakActivationBytes)} of GPU memory for its activations, ${approxBytes(free)} free on the GPU`, need.peakActivationBytes, free);
}

/**
 * The checks on the model as loaded, before its runnable form is built:
 * its feeds at the batch asked for, and the memory. A model that runs
 * through its ONNX export (`exported`: definitions, Keras and TF.js models,
 * feature-map captures) holds its weights three times at once: the
 * export's tensors, their encoding and onnxruntime's copy. Symbolic dims
 * count as 1; an input of unknown shape is left to the run's own check.
 */
export function checkBeforeBuilding(
  loaded: LoadedModel,
  request: { batch?: number; inputShapes?: Record<string, Shape>; force?: boolean },
  options: { exported?: boolean; outputBytes?: (report: ProfileReport) => number | null } = {},
): void {
  const { report } = profileModel(loaded.model, { batch: request.batch, inputShapes: request.inputShapes, readExternal: loaded.readExternal });
  const feeds = report.inputs.filter((t) => t.shape).map((t): [string, number[]] => [t.name, t.shape!.map((d) => (typeof d === 'number' ? d : 1))]);
  checkFeedShapes(feeds);
  const dtypes = new Map(report.inputs.map((t) => [t.name, t.dtype]));
  const exported = options.exported ?? loaded.model.format !== 'onnx';
  const need = runNeed(report, feedBytes(feeds, (n) => dtypes.get(n) ?? null), {
    ...(options.outputBytes ? { outputBytes: options.outputBytes(report) } : {}),
    weightCopies: exported ? 3 : 1,
  });
  checkHostMemory(need, request.force);
}
