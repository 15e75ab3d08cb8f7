/**
 * Runtime benchmarks (issue #6), printed as Markdown tables:
 * 1. onnxruntime-node inference of ResNet-style models with the profiler on
 *    vs. the same model in a session without it (goal: overhead under 10%).
 *    Both sessions live in this process and their runs alternate, so both see
 *    the same machine load; medians of 40 runs after 5 warm-up runs each.
 * 2. Per-layer times against the whole run: the sum of the layers' median
 *    times over onnxruntime's own p50 per run (goal 0.85–1.15) and over the
 *    wall-clock p50 around session.run (goal 0.5–1.15). A ratio of times
 *    depends on the machine's load, so it is measured here, not asserted in
 *    test/integration/runtime.test.ts.
 * 3. The whole "Profile Model…" path (runtime child process: start, load,
 *    session, 3 + 20 runs, trace read back) per model.
 * 4. Feature maps: from the click on "Capture feature maps" to the selected
 *    layer's channel grid on screen, in headless Chromium with the real
 *    capture in the runtime process (as the extension runs it).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { runnableModel } from '../src/core/export/runnable';
import { encodeOnnx } from '../src/core/onnx/writer';
import { resnet50 } from '../test/helpers/zoo';
import { runInChild } from '../src/runtime/client';
import { summaryOf } from '../src/core/image/capture';
import { DEFAULT_PREPROCESS } from '../src/core/image/preprocess';
import { SAMPLES } from '../src/core/image/samples';
import { CHROMIUM, launchChromium, modelMessage, openView, startHarness } from '../test/browser/harness';
import type { ToWebviewMessage } from '../src/protocol';
import { tempDir } from '../test/helpers/temp';

const ROOT = resolve(__dirname, '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function overhead(name: string, bytes: Uint8Array, dims: number[]): Promise<string> {
  // The profiler's trace is only needed while it is written: its folder goes when the bench exits.
  const traceDir = tempDir('convlens-bench-trace-');
  const plain = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const profiled = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3, enableProfiling: true, profileFilePrefix: join(traceDir, 'trace') });
  const x = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).map(() => Math.random() * 2 - 1), dims);
  const feed = { [plain.inputNames[0]]: x };
  const time = async (s: ort.InferenceSession) => {
    const t = process.hrtime.bigint();
    await s.run(feed);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  for (let i = 0; i < 5; i++) {
    await time(plain);
    await time(profiled);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 40; i++) {
    a.push(await time(plain));
    b.push(await time(profiled));
  }
  profiled.endProfiling();
  await plain.release();
  await profiled.release();
  const [pa, pb] = [median(a), median(b)];
  const over = (pb / pa - 1) * 100;
  return `| ${name} | ${pa.toFixed(2)} | ${pb.toFixed(2)} | ${over >= 0 ? '+' : ''}${over.toFixed(1)}% | < 10% | ${over < 10 ? 'PASS' : 'MISS'} |`;
}

const inRange = (x: number, lo: number, hi: number) => (x > lo && x <= hi ? 'PASS' : 'MISS');

/** One row: the per-layer sum of a profiling run against onnxruntime's and the wall clock's p50. */
async function layerSum(file: string): Promise<string> {
  // One intra-op thread: a thread pool on a busy machine waits for descheduled workers between kernels.
  const { report } = await runInChild({ kind: 'profile', modelPath: join(ROOT, 'examples', file), provider: 'cpu', input: 'random', warmup: 2, runs: 10, intraOpThreads: 1 });
  const sum = report.layers.reduce((a, l) => a + l.timeMs, 0) + report.inserted.reduce((a, k) => a + k.timeMs, 0);
  const engine = report.engineMs?.p50 ?? NaN;
  const wall = report.latencyMs.p50;
  const [re, rw] = [sum / engine, sum / wall];
  return `| ${file} | ${sum.toFixed(2)} | ${engine.toFixed(2)} | ${re.toFixed(3)} | 0.85–1.15 | ${inRange(re, 0.85, 1.15)} | ${wall.toFixed(2)} | ${rw.toFixed(3)} | 0.5–1.15 | ${inRange(rw, 0.5, 1.15)} |`;
}

async function main(): Promise<void> {
  console.log('\n## Profiling overhead: onnxruntime-node (CPU), the same model with and without enableProfiling (median of 40 alternating runs)\n');
  console.log('| model | plain ms | profiled ms | overhead | goal | result |');
  console.log('|:--|---:|---:|---:|:--|:--|');
  const r18 = await runnableModel(join(ROOT, 'examples', 'resnet18.cnn.yaml'));
  const r18bytes = 'bytes' in r18.source ? r18.source.bytes : new Uint8Array();
  console.log(await overhead('ResNet-18 (examples/resnet18.cnn.yaml → ONNX), 224×224', r18bytes, [1, 3, 224, 224]));
  console.log(await overhead('ResNet-50 (torchvision layout, random weights), 224×224', encodeOnnx(resnet50({ weights: 'random' })), [1, 3, 224, 224]));
  console.log(await overhead('ResNet-50, batch 1, 112×112', encodeOnnx(resnet50({ weights: 'random', inputSize: 112 })), [1, 3, 112, 112]));

  console.log('\n## Per-layer times against the run (CPU, one intra-op thread, 2 warm-up + 10 timed runs in the runtime process)\n');
  console.log('| model | per-layer sum ms | onnxruntime p50 ms | sum / onnxruntime | goal | result | wall-clock p50 ms | sum / wall clock | goal | result |');
  console.log('|:--|---:|---:|---:|:--|:--|---:|---:|:--|:--|');
  for (const f of ['resnet18.cnn.yaml', 'mobilenet.cnn.yaml', 'small-cnn.onnx']) console.log(await layerSum(f));

  console.log('\n## Profile Model… end to end (runtime process: start, load, session, 3 warm-up + 20 timed runs, trace)\n');
  console.log('| model | total s | p50 ms | p90 ms | layers timed | kernels / p50 |');
  console.log('|:--|---:|---:|---:|---:|---:|');
  for (const f of ['small-cnn.onnx', 'mobilenet.cnn.yaml', 'resnet18.cnn.yaml', 'keras-cnn.keras']) {
    const t = Date.now();
    const { report } = await runInChild({ kind: 'profile', modelPath: join(ROOT, 'examples', f), provider: 'cpu', input: 'random', warmup: 3, runs: 20 });
    const timed = report.layers.filter((l) => l.status === 'ran').length;
    console.log(`| ${f} (${report.engine.name}${report.engine.backend ? ` ${report.engine.backend}` : ''}) | ${((Date.now() - t) / 1000).toFixed(2)} | ${report.latencyMs.p50.toFixed(2)} | ${report.latencyMs.p90.toFixed(2)} | ${timed} | ${((report.kernelSumMs / report.latencyMs.p50) * 100).toFixed(0)}% |`);
  }

  if (!existsSync(CHROMIUM) || !existsSync(join(ROOT, 'dist', 'webview.js'))) {
    console.log(`\n(feature-map timing skipped: needs ${CHROMIUM} and a build in dist/)`);
    return;
  }
  console.log('\n## Feature maps: "Capture feature maps" clicked → the selected layer\'s channel grid shown (headless Chromium, real capture)\n');
  console.log('| model | layer | channels | capture in the runtime process ms | click → grid ms | goal |');
  console.log('|:--|:--|---:|---:|---:|:--|');
  const harness = await startHarness();
  const browser = await launchChromium();
  try {
    for (const [file, layerIndex] of [['small-cnn.onnx', 3], ['resnet18.cnn.yaml', 1]] as const) {
      const path = join(ROOT, 'examples', file);
      const times: number[] = [];
      const captures: number[] = [];
      let label = '';
      let channels = 0;
      for (let rep = 0; rep < 3; rep++) {
        const msg = await modelMessage(path, file);
        const view = await openView(browser, harness.url, msg, { readyTimeoutMs: 30_000 });
        try {
          await view.fromWebview('painted', 60_000);
          const { page } = view;
          const setup: ToWebviewMessage = { type: 'featureMapsSetup', samples: SAMPLES.map((s) => ({ file: s.file, label: s.label })), settings: { image: { kind: 'sample', file: 'scene.png' }, preprocess: { ...DEFAULT_PREPROCESS } }, imageLabel: 'Scene' };
          await page.evaluate((m) => window.postMessage(m, '*'), setup);
          await page.evaluate((l) => window.postMessage({ type: 'reveal', layer: l }, '*'), layerIndex);
          await page.waitForTimeout(300);
          await page.locator('#tab-features').click();
          const since = (await view.messages()).length;
          const clickedAt = await page.evaluate(() => {
            const t = performance.now();
            (document.querySelector('#fm-capture') as HTMLElement).click();
            return t;
          });
          const asked = await view.fromWebview('captureFeatureMaps', 5_000, since);
          const t0 = Date.now();
          const { capture } = await runInChild({ kind: 'capture', modelPath: path, provider: 'cpu', image: join(ROOT, 'media', 'samples', 'scene.png'), preprocess: asked.settings.preprocess });
          captures.push(Date.now() - t0);
          await page.evaluate((m) => window.postMessage(m, '*'), { type: 'featureMapsCaptured', summary: summaryOf(capture) } as ToWebviewMessage);
          const req = await view.fromWebview('featureMap', 10_000, since);
          const map = capture.layers.find((l) => l.layer === req.layer)!;
          label = req.layer;
          channels = map.channels;
          await page.evaluate((m) => window.postMessage(m, '*'), { type: 'reply', requestId: req.requestId, reply: { ok: true, value: map } } as ToWebviewMessage);
          // A string, not a function: tsx's name-keeping helpers do not exist in the page.
          const shownAt = await page.evaluate<number>(
            'new Promise((done) => { const check = () => (document.querySelector(\'.fm-tile canvas\') ? requestAnimationFrame(() => done(performance.now())) : requestAnimationFrame(check)); check(); })',
          );
          times.push(shownAt - clickedAt);
        } finally {
          await view.close();
        }
      }
      console.log(`| ${file} | ${label} | ${channels} | ${median(captures)} | ${median(times).toFixed(0)} | report |`);
    }
  } finally {
    await browser.close();
    await harness.close();
  }
}

void main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
