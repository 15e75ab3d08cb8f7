/**
 * A profiling run on TensorFlow.js, inside the runtime child process, for
 * Keras models (.keras, .h5, model JSON: built from their config with
 * TF.js's own initializers) and TF.js layers models (model.json with its
 * weight shards). End-to-end: `model.predict` plus reading the result, N
 * timed runs after a warm-up. Per layer: the model executed layer by layer,
 * each layer's output read before the next starts, medians over the runs.
 * Keras layers are keyed to the IR layers lowered from them (name scope
 * `/<layer>/…`): the costliest node of a layer carries its time, the
 * others are marked as part of it.
 */
import { readSideFile, sideFileSize } from '../core/loaders/side-files';
import { basename } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { loadModelFile } from '../core/loaders/index';
import { readKerasConfig, type KerasConfig } from '../core/loaders/keras-config';
import { readKerasH5Weights } from '../core/loaders/keras-h5';
import { profileModel } from '../core/report/profile';
import { summarize, summaryPerKey } from '../core/timing/stats';
import { staticMemory, type RuntimeLayer, type RuntimeReport } from '../core/timing/runtime-report';
import { sumFigures } from '../shared/exact';
import { cpuDevice, gpuMemoryOf, nvidiaGpus } from './devices';
import { loadTfjs, type Tfjs } from './tfjs-backend';
import type { ProfileRequest } from './messages';
import { PeakRss, rssBytes } from './process-memory';
import type { Progress } from './ort-profile';
import { mulberry32 } from '../core/random';
import { checkFeedShapes, checkHostMemory, feedBytes, runNeed } from './run-checks';
import { append } from '../core/arrays';

/** Weight shards read for a TF.js layers model, at most. */
const MAX_WEIGHT_BYTES = 2 * 2 ** 30;

/** The top-level Keras layer a graph node was lowered from: its first name scope (`/conv1/Conv` → `conv1`). */
export const kerasLayerOf = (node: string): string | undefined => /^\/([^/]+)\//.exec(node)?.[1];

/** The model file's Keras config, when TF.js can run it. */
export function kerasConfigFor(path: string): Promise<KerasConfig | undefined> {
  return readKerasConfig(path).catch(() => undefined);
}

export async function buildModel(tf: Tfjs, k: KerasConfig): Promise<{ model: TF.LayersModel; weights: string }> {
  if (k.source === 'tfjs-layers' && k.weights) {
    const specs: TF.io.WeightsManifestEntry[] = [];
    const buffers: Buffer[] = [];
    let total = 0;
    for (const group of k.weights.manifest as { paths: string[]; weights: TF.io.WeightsManifestEntry[] }[]) {
      append(specs, group.weights);
      for (const p of group.paths) {
        // Confined to the model's real folder, regular files only (side-files.ts).
        total += sideFileSize(k.weights.dir, p, 'model.json', 'weight shard');
        if (total > MAX_WEIGHT_BYTES) throw new Error('the weight shards are larger than 2 GiB');
        buffers.push(readSideFile(k.weights.dir, p, 'model.json', 'weight shard'));
      }
    }
    const data = Buffer.concat(buffers);
    const handler: TF.io.IOHandler = {
      load: () => Promise.resolve({ modelTopology: k.model, weightSpecs: specs, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) }),
    };
    return { model: await tf.loadLayersModel(handler), weights: 'from the weight shards' };
  }
  const model = await tf.models.modelFromJSON({ modelTopology: k.model } as never);
  if (k.h5) {
    const stored = readKerasH5Weights(k.h5, basename(k.h5));
    if (stored) {
      const missing: string[] = [];
      let set = 0;
      for (const layer of model.layers) {
        if (layer.weights.length === 0) continue;
        const w = stored.get(layer.name);
        const fits = w && w.length === layer.weights.length && w.every((x, i) => x.shape.join() === layer.weights[i].shape.join());
        if (!fits) {
          missing.push(layer.name);
          continue;
        }
        layer.setWeights(w.map((x) => tf.tensor(x.values, x.shape, 'float32')));
        set++;
      }
      if (missing.length === 0) return { model, weights: `from the .h5 file (${set} layers)` };
      if (set > 0) return { model, weights: `from the .h5 file for ${set} layers; initialised by TF.js for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''} (not found in the file, or of another shape)` };
    }
  }
  return { model, weights: 'initialised by TF.js from the config\'s initializers (the file holds none ConvLens reads)' };
}

/** Runs the model layer by layer; the time each layer took, its output read. */
async function layerTimes(tf: Tfjs, model: TF.LayersModel, inputs: TF.Tensor[]): Promise<Map<string, number>> {
  const values = new Map<number, TF.Tensor>();
  model.inputs.forEach((s, i) => values.set(s.id, inputs[i]));
  const times = new Map<string, number>();
  const made: TF.Tensor[] = [];
  try {
    for (const layer of model.layers) {
      const node = (layer as unknown as { inboundNodes: { inputTensors: TF.SymbolicTensor[]; outputTensors: TF.SymbolicTensor[]; callArgs?: unknown }[] }).inboundNodes.find((n) =>
        n.outputTensors.every((o) => !values.has(o.id)) && n.inputTensors.every((t) => values.has(t.id)),
      );
      if (!node || node.inputTensors.length === 0) continue;
      const ins = node.inputTensors.map((t) => values.get(t.id)!);
      const t0 = process.hrtime.bigint();
      const out = layer.apply(ins.length === 1 ? ins[0] : ins, node.callArgs ?? {}) as TF.Tensor | TF.Tensor[];
      const outs = Array.isArray(out) ? out : [out];
      for (const o of outs) await o.data();
      times.set(layer.name, (times.get(layer.name) ?? 0) + Number(process.hrtime.bigint() - t0) / 1e6);
      outs.forEach((o, i) => node.outputTensors[i] && values.set(node.outputTensors[i].id, o));
      made.push(...outs);
    }
  } finally {
    tf.dispose(made);
  }
  return times;
}

export async function profileOnTfjs(req: ProfileRequest, k: KerasConfig, progress: Progress): Promise<RuntimeReport> {
  progress('loading TensorFlow.js', 0);
  const { tf, backend, device, notices } = await loadTfjs(req.tfjsBackend ?? 'auto');
  progress('loading the model', 0.05);
  const loaded = await loadModelFile(req.modelPath);
  const warnings: string[] = [];
  const prof = profileModel(loaded.model, { batch: req.batch, inputShapes: req.inputShapes });
  // Before TF.js builds the model (its weights): the feeds (symbolic dims as 1) and the memory. The
  // per-layer runs keep every layer's output until the run ends, so all activations count.
  const irFeeds = prof.report.inputs.map((t): [string, number[]] => [t.name, (t.shape ?? []).map((d) => (typeof d === 'number' ? d : 1))]);
  checkFeedShapes(irFeeds);
  checkHostMemory(runNeed(prof.report, feedBytes(irFeeds, () => 'float32'), { activationBytes: prof.report.totals.activationBytes }), req.force);
  const baselineRssBytes = rssBytes();
  const { model, weights } = await buildModel(tf, k);
  notices.push(`weights ${weights}`);
  const loadedRssBytes = rssBytes();
  // TF.js inputs are channels-last, as the Keras model declares them.
  const batch = req.batch ?? 1;
  const rand = mulberry32(req.seed ?? 0);
  const feeds = model.inputs.map((s): [string, number[]] => [s.name, s.shape.map((d, i) => (i === 0 ? batch : d === null ? 1 : d))]);
  checkFeedShapes(feeds);
  const inputs = model.inputs.map((s, k) => {
    const dims = feeds[k][1];
    if (s.shape.slice(1).some((d) => d === null)) warnings.push(`input '${s.name}': unknown dims fed as 1`);
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (req.input === 'random') for (let i = 0; i < n; i++) data[i] = rand() * 2 - 1;
    return tf.tensor(data, dims, 'float32');
  });

  const peak = new PeakRss();
  peak.reset();
  const run = async () => {
    const t0 = process.hrtime.bigint();
    const out = model.predict(inputs.length === 1 ? inputs[0] : inputs);
    const outs = Array.isArray(out) ? out : [out];
    for (const o of outs) await o.data();
    tf.dispose(outs);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const total = req.warmup + req.runs;
  for (let i = 0; i < req.warmup; i++) {
    progress(`warm-up ${i + 1}/${req.warmup}`, 0.1 + (0.4 * i) / total);
    await run();
  }
  const wallMs: number[] = [];
  for (let i = 0; i < req.runs; i++) {
    progress(`run ${i + 1}/${req.runs}`, 0.1 + (0.4 * (req.warmup + i)) / total);
    wallMs.push(await run());
  }
  // Per layer: the same number of runs, layer by layer.
  const perRun: Map<string, number>[] = [];
  const profiled = await tf.profile(async () => {
    for (let i = 0; i < req.runs; i++) {
      progress(`per-layer run ${i + 1}/${req.runs}`, 0.5 + (0.45 * i) / req.runs);
      perRun.push(await layerTimes(tf, model, inputs));
    }
  });
  const peakRss = peak.read();
  const gpuBytes = device === 'gpu' ? gpuMemoryOf(process.pid) : undefined;
  const spread = summaryPerKey(perRun);
  const layerMs = new Map([...spread].map(([k, v]) => [k, v.p50]));
  tf.dispose(inputs);
  model.dispose();

  // Keras layer → the IR layers lowered from it (scope `/<name>/`).
  const layers: RuntimeLayer[] = prof.report.layers.map((l) => ({ name: l.name, op: l.op, status: 'eliminated', timeMs: 0, share: 0, flops: l.flops }));
  const byKeras = new Map<string, RuntimeLayer[]>();
  for (const l of layers) {
    const k = kerasLayerOf(l.name);
    if (k) byKeras.set(k, [...(byKeras.get(k) ?? []), l]);
  }
  const sum = [...layerMs.values()].reduce((a, b) => a + b, 0) || 1;
  const tfProvider = `tfjs-${backend}`;
  const inserted: RuntimeReport['inserted'] = [];
  for (const [name, ms] of layerMs) {
    const group = byKeras.get(name);
    if (!group?.length) {
      inserted.push({ name, op: 'Keras layer', provider: tfProvider, timeMs: ms, share: ms / sum });
      continue;
    }
    const best = group.reduce((a, b) => ((b.flops ?? 0) > (a.flops ?? 0) ? b : a));
    const summed = sumFigures(group.map((g) => g.flops));
    const flops = summed.partial ? null : summed.total;
    Object.assign(best, {
      status: 'ran', timeMs: ms, timeP90Ms: spread.get(name)?.p90 ?? ms, timeMinMs: spread.get(name)?.min ?? ms, share: ms / sum, flops, kernels: [name], kernelOps: [`Keras ${name}`], fusedLayers: [best.name, ...group.filter((g) => g !== best).map((g) => g.name)],
      providers: [tfProvider], ...(ms > 0 && flops ? { gflops: flops / (ms * 1e6) } : {}),
    });
    for (const g of group) if (g !== best) Object.assign(g, { status: 'fused', fusedInto: best.name });
  }
  const latencyMs = summarize(wallMs);
  const gpus = device === 'gpu' ? nvidiaGpus() : [];
  const estimate = staticMemory(prof.report.totals);
  const measured = Math.max(0, peakRss.bytes - baselineRssBytes);
  return {
    file: req.modelPath,
    engine: { name: 'tensorflow.js', version: tf.version.tfjs, backend },
    requested: req.tfjsBackend ?? 'auto',
    providers: [tfProvider],
    devices: [...gpus.slice(0, 1), cpuDevice()],
    notices,
    batch,
    inputs: model.inputs.map((s) => ({ name: s.name, shape: s.shape.map((d, i) => (i === 0 ? batch : d ?? 1)), dtype: 'float32' as const })),
    warmup: req.warmup,
    runs: req.runs,
    latencyMs,
    throughput: latencyMs.p50 > 0 ? (batch * 1000) / latencyMs.p50 : 0,
    kernelSumMs: sum,
    layers,
    inserted,
    memory: {
      baselineRssBytes,
      loadedRssBytes,
      peakRssBytes: peakRss.bytes,
      peakMethod: peakRss.method,
      ...(gpuBytes !== undefined ? { gpuBytes } : {}),
      staticPeakActivationBytes: estimate.staticPeakActivationBytes,
      paramBytes: estimate.paramBytes,
      measuredInferenceBytes: measured,
      explanation:
        `measured ${(measured / 2 ** 20).toFixed(1)} MiB of resident memory above the ${(baselineRssBytes / 2 ** 20).toFixed(1)} MiB before the model was built (${peakRss.method}); ` +
        `TF.js tracked a peak of ${(profiled.peakBytes / 2 ** 20).toFixed(1)} MiB of tensors during the per-layer runs (every layer's output kept until the run ends); ` +
        `${estimate.text}.`,
    },
    warnings: [...prof.report.warnings, ...warnings],
  };
}
