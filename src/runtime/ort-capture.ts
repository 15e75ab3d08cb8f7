/**
 * Feature maps, inside the runtime child process: the model (definitions
 * through their ONNX export) with every layer's output made a graph output,
 * run once on a preprocessed image. Outputs are fetched in chunks of at most
 * CHUNK_BYTES and each is reduced to previews and statistics at once
 * (src/core/image/feature-maps.ts), so memory stays bounded and only small
 * previews travel back. A classifier's scores give its top-5 classes.
 */
import { runnableModel } from '../core/export/runnable';
import { profileModel } from '../core/report/profile';
import { readImageFile } from '../core/image/decode';
import { inputLayout, preprocessImage, preprocessProblem } from '../core/image/preprocess';
import { reduceFeatureMap, type FeatureMapPreview } from '../core/image/feature-maps';
import { classify } from './labels';
import type { FeatureMapCapture } from '../core/image/capture';
import type { CaptureRequest } from './messages';
import { createSession, loadOrt } from './ort-session';
import type { Progress } from './ort-profile';
import { checkBeforeBuilding, checkFeedShapes, checkHostMemory, feedBytes, runNeed } from './run-checks';
import { loadModelFile } from '../core/loaders/index';

/** Bytes of layer outputs fetched per run. */
const CHUNK_BYTES = 256 * 2 ** 20;

const isFloat = (d: string | null) => d === 'float32' || d === 'float16' || d === 'float64';

export async function captureOnOrt(req: CaptureRequest, progress: Progress): Promise<FeatureMapCapture> {
  const t0 = Date.now();
  const ort = loadOrt();
  const warnings: string[] = [];
  progress('loading the model', 0);
  const loaded = await loadModelFile(req.modelPath);
  // Before the export with every layer's output made a graph output: the memory (the image input is checked below).
  checkBeforeBuilding(loaded, { batch: 1, force: req.force }, { exported: true, outputBytes: (r) => 2 * Math.min(CHUNK_BYTES, r.totals.activationBytes ?? 0) });
  const runnable = await runnableModel(req.modelPath, { export: { intermediateOutputs: true }, loaded });
  const prof = profileModel(runnable.model, { readExternal: runnable.readExternal });
  const graphInputs = prof.report.inputs;
  const imageInput = graphInputs.map((t) => ({ t, layout: inputLayout(t.shape, req.preprocess.layout) })).find((x) => x.layout);
  if (!imageInput) {
    throw new Error(`no image input: feature maps need an input shaped [N, 3, H, W] or [N, H, W, 3] (inputs: ${graphInputs.map((t) => `${t.name} ${JSON.stringify(t.shape)}`).join(', ')})`);
  }
  const layout = imageInput.layout!;
  const problem = preprocessProblem(req.preprocess, layout.channels);
  if (problem) throw new Error(`preprocessing: ${problem}`);
  // The feed and the memory before anything is allocated: the image is resized to the input's height and width.
  const feed: [string, number[]] = [imageInput.t.name, layout.layout === 'NCHW' ? [1, layout.channels, layout.height, layout.width] : [1, layout.height, layout.width, layout.channels]];
  checkFeedShapes([feed]);
  // Fetched layer outputs: up to a chunk held by onnxruntime, and its copy in JavaScript.
  const fetched = 2 * Math.min(CHUNK_BYTES, prof.report.totals.activationBytes ?? 0);
  checkHostMemory(runNeed(prof.report, feedBytes([feed], () => 'float32'), { outputBytes: fetched }), req.force);

  progress('reading the image', 0.05);
  const pre = preprocessImage(readImageFile(req.image), layout, req.preprocess);

  progress(`creating the onnxruntime session (${req.provider})`, 0.1);
  const { session, providers, notices } = await createSession(ort, runnable.source, req.provider, { graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  try {
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const name of session.inputNames) {
      if (name !== imageInput.t.name) throw new Error(`the model has a second input '${name}'; feature maps need a model with one image input`);
      feeds[name] = new ort.Tensor('float32', pre.data, pre.dims);
    }
    // Layers whose first output is a floating-point activation, in graph order.
    const wanted = prof.report.layers
      // A layer of unknown size (null) is not captured.
      .map((l) => ({ layer: l.name, value: l.outputs[0], bytes: l.activationBytes ?? 0 }))
      .filter((x) => x.value && x.bytes > 0 && isFloat(x.value.dtype) && session.outputNames.includes(x.value.name));
    const chunks: (typeof wanted)[] = [];
    let size = Infinity;
    for (const w of wanted) {
      if (size + w.bytes > CHUNK_BYTES) {
        chunks.push([]);
        size = 0;
      }
      chunks[chunks.length - 1].push(w);
      size += w.bytes;
    }
    const layers: FeatureMapPreview[] = [];
    let runMs = 0;
    const finalOutput = runnable.model.graph.outputs[0];
    let scores: { layer: string; data: ArrayLike<number> } | undefined;
    for (let i = 0; i < chunks.length; i++) {
      progress(`running and reducing (${i + 1}/${chunks.length})`, 0.15 + (0.8 * i) / chunks.length);
      const t = Date.now();
      const out = await session.run(feeds, chunks[i].map((w) => w.value.name));
      runMs += Date.now() - t;
      for (const w of chunks[i]) {
        const tensor = out[w.value.name];
        if (!tensor || typeof tensor.data === 'string' || !('length' in tensor.data)) continue;
        const data = tensor.data as ArrayLike<number>;
        const preview = reduceFeatureMap(w.layer, w.value.name, data, tensor.dims, { maxSide: req.maxSide, maxChannels: req.maxChannels });
        if (preview) layers.push(preview);
        if (w.value.name === finalOutput && tensor.dims.length === 2 && tensor.dims[1] >= 2) scores = { layer: w.layer, data: Array.from(data).slice(0, Number(tensor.dims[1])) };
      }
    }
    const top = scores ? classify(scores.layer, scores.data, req, warnings) : undefined;
    progress('done', 1);
    return {
      file: req.modelPath,
      image: req.image,
      input: { name: imageInput.t.name, dims: pre.dims, layout: layout.layout },
      shown: { width: pre.shown.width, height: pre.shown.height, rgb: Buffer.from(pre.shown.rgb).toString('base64') },
      preprocess: { ...req.preprocess, layout: layout.layout },
      layers,
      ...(top ? { top } : {}),
      providers,
      notices,
      runMs,
      totalMs: Date.now() - t0,
      warnings: [...prof.report.warnings, ...warnings],
    };
  } finally {
    await session.release();
  }
}
