/**
 * A profiling run on onnxruntime-node, inside the runtime child process:
 * load (definitions through their ONNX export), create the session with
 * onnxruntime's profiler on, warm up, time N runs, then read the profiler's
 * trace, the optimized graph and the process's memory, and key it all to the
 * IR's layers (src/core/timing).
 */
import { irInputShapes, shownShape } from '../core/layout';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Graph, Shape } from '../core/ir';
import { runnableModel, type RunnableModel } from '../core/export/runnable';
import { loadOnnx } from '../core/loaders/onnx';
import { profileModel } from '../core/report/profile';
import { parseOrtTrace, TraceError, type TraceRun } from '../core/timing/ort-trace';
import { buildOrtReport, type RuntimeReport } from '../core/timing/runtime-report';
import { restoreReportNames } from '../core/timing/safe-names';
import { cpuDevice, gpuMemoryOf, nvidiaGpus } from './devices';
import { makeTensor } from './feeds';
import type { ProfileRequest } from './messages';
import { createSession, loadOrt, shortOrtError, type OrtModule } from './ort-session';
import { devicePeaks } from './peaks';
import { PeakRss, rssBytes } from './process-memory';
import { checkBeforeBuilding, checkFeedShapes, checkGpuMemory, checkHostMemory, feedBytes, runNeed } from './run-checks';
import { loadModelFile } from '../core/loaders/index';
import { readImageFile } from '../core/image/decode';
import { DEFAULT_PREPROCESS, inputLayout, preprocessImage, type PreprocessSpec } from '../core/image/preprocess';
import { nullProto } from '../core/lookup';
import { approxBytes, feedShapeProblem } from '../core/timing/run-guard';
import { copyFits, freeDiskBytes, scratchRoot } from './scratch';

export type Progress = (message: string, fraction?: number) => void;

const PROVIDER_LABEL: Record<string, string> = nullProto({ cpu: 'CPUExecutionProvider', cuda: 'CUDAExecutionProvider', tensorrt: 'TensorrtExecutionProvider' });

/** Time the warm-up and timed runs of one profile may take together, about. */
export const RUNS_BUDGET_MS = 60_000;

/**
 * The warm-up and timed runs that fit RUNS_BUDGET_MS when one run takes
 * `firstMs` (the first warm-up, the slowest): as asked when they fit, else
 * fewer (at least one warm-up and three timed runs), with a notice.
 */
export function runsWithinBudget(firstMs: number, warmup: number, runs: number, notices: string[]): { warmup: number; runs: number } {
  if (!(firstMs > 0) || firstMs * (warmup + runs) <= RUNS_BUDGET_MS) return { warmup, runs };
  const fit = Math.max(1, Math.floor(RUNS_BUDGET_MS / firstMs));
  const w = Math.min(warmup, 1);
  const r = Math.min(runs, Math.max(3, fit - w));
  if (w < warmup || r < runs) notices.push(`one run takes ${(firstMs / 1000).toFixed(1)} s: ${w} warm-up and ${r} timed runs instead of ${warmup} and ${runs}, to finish in about ${RUNS_BUDGET_MS / 1000} s`);
  return { warmup: w, runs: r };
}

/** Optimized graphs above this size are not read back (the mapping then goes by names). */
const MAX_OPTIMIZED_BYTES = 256 * 2 ** 20;

/** Concrete input shapes: static analysis's, with symbols left over taken as 1. */
export function concreteShapes(inputs: { name: string; shape: (number | string)[] | null }[], warnings: string[], declared: (name: string) => Shape | undefined = () => undefined): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const t of inputs) {
    if (!t.shape) {
      // Static analysis refuses a declared shape that is no size (a -1 dim): say so in the feed's terms.
      const d = declared(t.name);
      const problem = d && feedShapeProblem(t.name, d.map((x) => (typeof x === 'number' ? x : 1)));
      throw new Error(problem ?? `input '${t.name}' has no known shape; give one (e.g. --input ${t.name}=1x3x224x224)`);
    }
    const dims = t.shape.map((d) => (typeof d === 'number' ? d : 1));
    if (t.shape.some((d) => typeof d !== 'number')) warnings.push(`input '${t.name}': symbolic dims of ${JSON.stringify(t.shape)} fed as 1`);
    out.set(t.name, dims);
  }
  return out;
}

export async function profileOnOrt(req: ProfileRequest, progress: Progress): Promise<RuntimeReport> {
  const ort = loadOrt();
  progress('loading the model', 0);
  const loaded = await loadModelFile(req.modelPath);
  checkBeforeBuilding(loaded, req);
  // Names onnxruntime's trace cannot hold run under plain ones (safe-names.ts), mapped back here.
  const runnable = await runnableModel(req.modelPath, { batch: req.batch, safeNames: true, loaded });
  const names = runnable.restoreNames;
  try {
    // The export runs NCHW; `--input` is given in the file's own layout (a Keras model's NHWC).
    const ran = await profileRunnable(ort, runnable, { ...req, inputShapes: irInputShapes(loaded.model, req.inputShapes) }, progress);
    const report = names ? restoreReportNames(ran, names.restore) : ran;
    // Its inputs as the static report shows them (a Keras model's NHWC), not as the export holds them.
    return { ...report, inputs: report.inputs.map((t) => ({ ...t, shape: t.shape && shownShape(loaded.model, t.name, t.shape) })) };
  } catch (e) {
    if (names && e instanceof Error) e.message = names.restorePrintable(e.message);
    throw e;
  }
}

async function profileRunnable(ort: OrtModule, runnable: RunnableModel, req: ProfileRequest, progress: Progress): Promise<RuntimeReport> {
  const warnings: string[] = [];
  const inputShapes: Record<string, Shape> = { ...req.inputShapes };
  const prof = profileModel(runnable.model, { batch: runnable.batchBuiltIn ? undefined : req.batch, inputShapes, readExternal: runnable.readExternal });
  const shapes = concreteShapes(prof.report.inputs, warnings, (n) => inputShapes[n] ?? runnable.model.graph.values.get(n)?.shape);
  checkFeedShapes(shapes);
  const need = runNeed(prof.report, feedBytes(shapes, (n) => prof.details.tensorOf(n).dtype));
  checkHostMemory(need, req.force);
  const batch = req.batch ?? shapes.values().next().value?.[0] ?? 1;

  const work = mkdtempSync(join(scratchRoot(), 'profile-'));
  try {
    const optimizedPath = join(work, 'optimized.onnx');
    const base = {
      graphOptimizationLevel: 'all' as const,
      enableProfiling: true,
      profileFilePrefix: join(work, 'trace'),
      logSeverityLevel: 3 as const,
      ...(req.intraOpThreads ? { intraOpNumThreads: req.intraOpThreads } : {}),
    };
    const withOptimized = {
      ...base,
      optimizedModelFilePath: optimizedPath,
      // Weights of the optimized copy go to a side file that is never read: only its graph matters.
      extra: { session: { optimized_model_external_initializers_file_name: 'optimized.bin', optimized_model_external_initializers_min_size_in_bytes: '1024' } },
    };
    progress(`creating the onnxruntime session (${req.provider})`, 0.05);
    // What the process holds before the runtime gets the model: Node, the addon, ConvLens's own copy of the model.
    const baselineRssBytes = rssBytes();
    let created;
    // The optimized copy's weights are as big as the model's: on a nearly full disk it is not written.
    const weightBytes = prof.report.totals.paramBytes;
    const free = freeDiskBytes(work);
    const roomForCopy = copyFits(weightBytes, free);
    if (!roomForCopy) warnings.push(`${approxBytes(free!)} free on the disk of ${dirname(work)}, too little for onnxruntime's optimized copy of the model (${approxBytes(weightBytes!)} of weights): kernels are matched to layers by name`);
    try {
      created = await createSession(ort, runnable.source, req.provider, roomForCopy ? withOptimized : base);
    } catch {
      // Some providers (TensorRT's compiled nodes) cannot save an optimized graph: try without it.
      created = await createSession(ort, runnable.source, req.provider, base);
    }
    const { session, providers, notices } = created;
    if (providers[0] !== 'cpu') {
      try {
        checkGpuMemory(need, req.force);
      } catch (e) {
        await session.release();
        throw e;
      }
    }
    if (req.image) notices.push(`input: ${basename(req.image)}, ${req.preprocess?.resize === 'stretch' ? 'stretched' : 'shorter side resized, centre crop'}, (pixel × ${+(req.preprocess ?? DEFAULT_PREPROCESS).scale.toPrecision(4)} − mean) / std`);
    const loadedRssBytes = rssBytes();
    let optimized: Graph | undefined;
    if (existsSync(optimizedPath) && statSync(optimizedPath).size <= MAX_OPTIMIZED_BYTES) {
      try {
        optimized = loadOnnx(readFileSync(optimizedPath), { file: 'optimized.onnx' }).graph;
      } catch (e) {
        warnings.push(`onnxruntime's optimized graph could not be read (${(e as Error).message}); kernels are matched to layers by name`);
      }
    }

    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    let seed = req.seed ?? 0;
    const image = req.image ? imageFeed(req.image, req.preprocess ?? DEFAULT_PREPROCESS, session.inputNames, shapes) : undefined;
    for (const name of session.inputNames) {
      const dims = shapes.get(name);
      if (!dims) throw new Error(`onnxruntime expects an input '${name}' that the model does not declare`);
      const dtype = prof.details.tensorOf(name).dtype ?? 'float32';
      feeds[name] = image?.name === name ? new ort.Tensor('float32', image.data, dims) : makeTensor(ort, dtype, dims, req.input, seed++);
    }

    const peak = new PeakRss();
    peak.reset();
    // A model whose one run takes seconds (huge declared inputs) would keep the user waiting for
    // minutes: the runs are cut to what fits RUNS_BUDGET_MS, measured on the first warm-up run.
    let warmup = req.warmup;
    let runs = req.runs;
    let total = warmup + runs;
    for (let i = 0; i < warmup; i++) {
      progress(`warm-up ${i + 1}/${warmup}`, 0.1 + (0.8 * i) / total);
      const ms = await run(session, feeds);
      if (i === 0) ({ warmup, runs } = runsWithinBudget(ms, req.warmup, req.runs, notices));
      total = warmup + runs;
    }
    const wallMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      progress(`run ${i + 1}/${runs}`, 0.1 + (0.8 * (warmup + i)) / total);
      wallMs.push(await run(session, feeds));
    }
    const peakRss = peak.read();
    const gpu = providers[0] !== 'cpu';
    const gpuBytes = gpu ? gpuMemoryOf(process.pid) : undefined;
    session.endProfiling();
    const traceFile = readdirSync(work).find((f) => f.startsWith('trace') && f.endsWith('.json'));
    let trace: TraceRun[] = [];
    try {
      if (!traceFile) throw new TraceError('onnxruntime wrote no profile');
      trace = parseOrtTrace(readFileSync(join(work, traceFile), 'utf8'), traceFile);
      if (trace.length < total) warnings.push(`onnxruntime's profile holds ${trace.length} runs, expected ${total}`);
    } catch (e) {
      // The latency stands without it; only the per-layer times are lost.
      if (!(e instanceof TraceError)) throw e;
      warnings.push(`onnxruntime's profile could not be read (${e.message}); no per-layer times`);
    }
    await session.release();

    const cpu = cpuDevice();
    const gpus = gpu ? nvidiaGpus() : [];
    const devices = [...gpus.slice(0, 1), cpu];
    let peaks;
    if (req.peaksCache !== undefined) {
      progress('measuring the device peaks (once per device)', 0.92);
      const device = `${PROVIDER_LABEL[providers[0]] ?? providers[0]} on ${gpu ? gpus[0]?.name ?? 'GPU' : `${cpu.name} (${cpu.cores} threads)`}`;
      try {
        peaks = (await devicePeaks(ort, providers, device, gpu, req.peaksCache || undefined)).peaks;
      } catch (e) {
        warnings.push(`device peaks could not be measured (${shortOrtError(e)}); no roofline`);
      }
    }
    progress('reading the profile', 0.97);
    return buildOrtReport(
      runnable.model.graph,
      prof.report,
      {
        file: req.modelPath,
        engineVersion: ort.env.versions?.node ?? ort.env.versions?.common ?? '',
        requested: req.provider,
        devices,
        notices,
        batch,
        inputs: prof.report.inputs.map((t) => ({ ...t, shape: shapes.get(t.name) ?? t.shape })),
        warmup,
        wallMs,
        // The profiler's runs after the warm-up are the timed ones.
        trace: trace.slice(-runs),
        optimized,
        memory: { baselineRssBytes, loadedRssBytes, peakRssBytes: peakRss.bytes, peakMethod: peakRss.method, ...(gpuBytes !== undefined ? { gpuBytes } : {}) },
        peaks,
        warnings: [...prof.report.warnings, ...warnings],
      },
      (name) => prof.details.tensorOf(name),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** An image as the data of the first image-shaped input, repeated over the batch. */
function imageFeed(file: string, spec: PreprocessSpec, names: readonly string[], shapes: Map<string, number[]>): { name: string; data: Float32Array } {
  for (const name of names) {
    const dims = shapes.get(name);
    const layout = inputLayout(dims, spec.layout);
    if (!dims || !layout) continue;
    const one = preprocessImage(readImageFile(file), layout, spec).data;
    const data = new Float32Array(one.length * dims[0]);
    for (let b = 0; b < dims[0]; b++) data.set(one, b * one.length);
    return { name, data };
  }
  throw new Error(`no image input: an image needs an input shaped [N, 3, H, W] or [N, H, W, 3]`);
}

async function run(session: { run(feeds: Record<string, unknown>): Promise<unknown> }, feeds: Record<string, unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await session.run(feeds);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
