/**
 * The runtime child process on the CPU: a definition's ONNX export profiled
 * by onnxruntime-node; per-layer times for every layer that ran, their shares
 * adding up to the whole; cancel, crash and timeout end only the child, with
 * a clear error. Nothing here depends on how fast or busy the machine is:
 * events are awaited, never slept for, and how the per-layer times compare
 * with the run's is measured by `npm run bench` (bench/runtime-bench.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runInChild, RuntimeError } from '../../src/runtime/client';
import type { ProfileRequest } from '../../src/runtime/messages';
import { runCli } from '../helpers/cli';
import { batchSweep } from '../../src/runtime/sweep';
import type { ProfileReport } from '../../src/core/report/profile';
import type { RuntimeReport } from '../../src/core/timing/runtime-report';

const ROOT = resolve(__dirname, '../..');
/** Run limits only catch a hang: on a busy 2-core machine one run can take minutes. */
const HANG_MS = 600_000;
const example = (f: string) => join(ROOT, 'examples', f);
const profile = (modelPath: string, extra: Partial<ProfileRequest> = {}): ProfileRequest => ({ kind: 'profile', modelPath, provider: 'cpu', input: 'random', warmup: 2, runs: 10, ...extra });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Polls until the process is gone; the limit only catches a child that never dies. */
async function waitGone(pid: number, ms = 60_000): Promise<boolean> {
  assert.ok(pid > 0, `a child's pid, not ${pid} (0 would be this process's group)`);
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !alive(pid);
}

/** Polls until `dir` no longer exists (its remover runs on the child's exit event); the limit only catches a folder left behind. */
async function waitRemoved(dir: string, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && existsSync(dir)) await new Promise((r) => setTimeout(r, 20));
  return !existsSync(dir);
}

describe('runtime profiling in a child process (onnxruntime-node, CPU)', () => {
  it('ResNet-18 (examples/resnet18.cnn.yaml through its ONNX export): every layer timed, fused layers named, shares add up to the whole', async () => {
    // One intra-op thread: a thread pool on a busy 2-core machine waits for descheduled workers between kernels.
    const { report } = await runInChild(profile(example('resnet18.cnn.yaml'), { intraOpThreads: 1 }), { timeoutMs: HANG_MS });
    assert.equal(report.engine.name, 'onnxruntime');
    assert.deepEqual(report.providers, ['CPUExecutionProvider']);
    assert.equal(report.devices.at(-1)!.kind, 'cpu');
    assert.equal(report.runs, 10);
    assert.equal(report.latencyMs.n, 10);
    // Every Conv ran and carries time; BatchNormalization and Relu were fused into a Conv by onnxruntime.
    const convs = report.layers.filter((l) => l.op === 'Conv');
    assert.equal(convs.length, 20);
    for (const c of convs) {
      assert.equal(c.status, 'ran', c.name);
      assert.ok(c.timeMs > 0, c.name);
      assert.ok(c.gflops! > 0);
      assert.deepEqual(c.providers, ['CPUExecutionProvider']);
    }
    for (const l of report.layers.filter((x) => x.op === 'BatchNormalization' || x.op === 'Relu')) {
      assert.equal(l.status, 'fused', l.name);
      assert.equal(report.layers.find((x) => x.name === l.fusedInto)?.op, 'Conv');
    }
    for (const op of ['GlobalAveragePool', 'Gemm', 'Softmax']) assert.ok(report.layers.find((l) => l.op === op)!.timeMs > 0, op);
    // Every layer has a status; every layer that ran has a time.
    for (const l of report.layers) {
      if (l.status !== 'ran') continue;
      assert.ok(l.timeMs > 0, l.name);
      assert.ok(l.timeMinMs! <= l.timeMs && l.timeMs <= l.timeP90Ms!, `${l.name}: min ${l.timeMinMs} ≤ p50 ${l.timeMs} ≤ p90 ${l.timeP90Ms}`);
    }
    // The run was timed by onnxruntime (model_run) and by the wall clock; the per-layer sum is a
    // finite, positive time. How close it comes to the run's time depends on the machine's load:
    // npm run bench prints that ratio against its goal (0.85–1.15).
    const layerSum = report.layers.reduce((a, l) => a + l.timeMs, 0) + report.inserted.reduce((a, k) => a + k.timeMs, 0);
    assert.ok(Number.isFinite(layerSum) && layerSum > 0, `per-layer sum ${layerSum} ms`);
    assert.ok(report.engineMs!.p50 > 0 && Number.isFinite(report.engineMs!.p50), `onnxruntime's p50 ${report.engineMs!.p50} ms`);
    assert.ok(report.latencyMs.min <= report.latencyMs.p50 && report.latencyMs.p50 <= report.latencyMs.p90, JSON.stringify(report.latencyMs));
    // Each share is the layer's part of the per-layer sum, so together they make 1 exactly.
    const shares = report.layers.reduce((a, l) => a + l.share, 0) + report.inserted.reduce((a, k) => a + k.share, 0);
    assert.ok(Math.abs(shares - 1) < 1e-9);
    // Memory was measured: the process grew by at least the weights (44.6 MiB) once the session was created.
    assert.ok(report.memory.loadedRssBytes - report.memory.baselineRssBytes > report.memory.paramBytes! * 0.9, JSON.stringify(report.memory));
    assert.ok(report.memory.peakRssBytes >= report.memory.loadedRssBytes * 0.9);
    assert.match(report.memory.explanation, /static estimate/);
  });

  it('auto on a machine without CUDA falls back to the CPU and says so; with CUDA it reports CUDA', async () => {
    const { report } = await runInChild(profile(example('lenet5.cnn.yaml'), { provider: 'auto', runs: 3, warmup: 1 }), { timeoutMs: HANG_MS });
    if (report.providers.includes('CUDAExecutionProvider')) {
      assert.equal(report.devices[0].kind, 'gpu');
    } else {
      assert.deepEqual(report.providers, ['CPUExecutionProvider']);
      // Not asked for a GPU: one quiet line, not onnxruntime's library error.
      assert.match(report.notices.join('\n'), /^CPU — CUDA is not installed \(see README, "Running models on a GPU"\)$/m);
      assert.doesNotMatch(report.notices.join('\n'), /shared library|onnxruntime/i);
    }
  });

  it('an ONNX file runs as it is, batch fed at the asked size; a bad file is a clear error', async () => {
    const { report } = await runInChild(profile(example('small-cnn.onnx'), { batch: 4, runs: 3, warmup: 1 }), { timeoutMs: HANG_MS });
    assert.equal(report.batch, 4);
    assert.equal(report.inputs[0].shape![0], 4);
    assert.ok(report.throughput > 0);
    await assert.rejects(runInChild(profile(join(ROOT, 'README.md'))), (e: RuntimeError) => e.kind === 'failed' && /README\.md: not a model file/.test(e.message));
  });

  it('cancelling settles the run at once and ends the child', async () => {
    const ac = new AbortController();
    let pid = 0;
    let settled = false;
    let settledBeforeNextTask: boolean | undefined;
    let scratch = '';
    let written: string[] = [];
    const run = runInChild(profile(example('vgg16.cnn.yaml'), { runs: 1000, warmup: 0 }), {
      signal: ac.signal,
      onStart: (p, dir) => ((pid = p), (scratch = dir)),
      onProgress: (m) => {
        if (!m.startsWith('run 2/') || ac.signal.aborted) return;
        written = readdirSync(scratch, { recursive: true }).map(String);
        ac.abort();
        // "At once": the promise is rejected before anything else this process does (the next
        // macrotask), not after the child answers; measured in events, not milliseconds.
        setImmediate(() => (settledBeforeNextTask = settled));
      },
    });
    run.catch(() => (settled = true));
    await assert.rejects(run, (e: RuntimeError) => e.kind === 'cancelled');
    await new Promise((r) => setImmediate(r));
    assert.equal(settledBeforeNextTask, true, 'the run was rejected before the next task after abort()');
    assert.ok(await waitGone(pid), `the child process ${pid} is gone`);
    // The killed child could not clean up: its scratch folder, with the 0.5 GB optimized copy of VGG-16, is removed by this process.
    assert.ok(written.some((f) => f.endsWith('optimized.bin')), `the child wrote onnxruntime's optimized copy: ${written.join(', ')}`);
    assert.ok(await waitRemoved(scratch), `${scratch} is removed`);
  });

  it('a crash of the runtime (SIGSEGV in native code) is a clear error, and this process carries on', async () => {
    let pid = 0;
    let scratch = '';
    await assert.rejects(
      runInChild(profile(example('vgg16.cnn.yaml'), { runs: 1000 }), {
        onStart: (p, dir) => ((pid = p), (scratch = dir)),
        // Mid-run, as a crash in a kernel would be: once the first timed run has begun.
        onProgress: (m) => /^run 1\//.test(m) && process.kill(pid, 'SIGSEGV'),
      }),
      (e: RuntimeError) => e.kind === 'crashed' && /the runtime process crashed \(SIGSEGV\)/.test(e.message),
    );
    assert.ok(await waitRemoved(scratch), `the crashed child's scratch folder ${scratch} is removed`);
    // And the next run works.
    const { report } = await runInChild(profile(example('lenet5.cnn.yaml'), { runs: 2, warmup: 0 }));
    assert.equal(report.runs, 2);
  });

  it('a run past its timeout is stopped with a message naming the setting', { timeout: HANG_MS }, async (t) => {
    // The test holds the clock: the 1.5 s timeout passes only once the child is mid-run, however
    // long a busy machine takes to start it (a real timer could fire before the child is up).
    // So the run's timeout cannot end a child that hangs; the test's own limit does.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let pid = 0;
    let scratch = '';
    await assert.rejects(
      runInChild(profile(example('vgg16.cnn.yaml'), { runs: 1000 }), {
        timeoutMs: 1500,
        onStart: (p, dir) => ((pid = p), (scratch = dir)),
        onProgress: (m) => /^run 2\//.test(m) && t.mock.timers.tick(1500),
      }),
      (e: RuntimeError) => e.kind === 'timeout' && /longer than 2 s and was stopped \(setting convlens\.runtime\.timeoutSeconds\)/.test(e.message),
    );
    t.mock.timers.reset();
    assert.ok(await waitGone(pid), `the child process ${pid} is gone`);
    assert.ok(await waitRemoved(scratch), `the stopped child's scratch folder ${scratch} is removed`);
  });
});

describe('convlens profile --run', () => {
  it('prints the measured table, or the report as JSON/CSV/Markdown/HTML', async () => {
    const table = await runCli('profile', example('lenet5.cnn.yaml'), '--run', '--runs', '3', '--warmup', '1', '--provider', 'cpu');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Engine: onnxruntime \S+; ran on CPU \(asked: cpu\)$/m);
    assert.match(table.stdout, /Latency over 3 runs after 1 warm-up: p50 [\d.]+ ms/);
    assert.match(table.stdout, /\/conv2d\/Conv\s+Conv\s+[\d.]+\s+[\d.]+%/);
    const json = await runCli('profile', example('lenet5.cnn.yaml'), '--run', '--runs', '2', '--warmup', '0', '--provider', 'cpu', '--json');
    const report = JSON.parse(json.stdout) as RuntimeReport;
    assert.equal(report.runs, 2);
    // One entry per layer of the graph that ran: the static profile's layers.
    const staticReport = JSON.parse((await runCli('profile', example('lenet5.cnn.yaml'), '--json')).stdout) as ProfileReport;
    assert.deepEqual(report.layers.map((l) => l.name), staticReport.layers.map((l) => l.name));
    assert.ok(report.layers.every((l) => ['ran', 'fused', 'folded', 'eliminated'].includes(l.status)));
    const csv = await runCli('profile', example('lenet5.cnn.yaml'), '--run', '--runs', '2', '--provider', 'cpu', '--csv');
    assert.match(csv.stdout.split('\n')[0], /^index,name,op,status,fused_into,time_ms/);
    const html = await runCli('profile', example('lenet5.cnn.yaml'), '--run', '--runs', '2', '--provider', 'cpu', '--html');
    assert.match(html.stdout, /^<!DOCTYPE html>/);
    assert.doesNotMatch(html.stdout, /<script/);
  });

  it('--image feeds a sample image to the image input', async () => {
    const r = await runCli('profile', join(ROOT, 'examples', 'small-cnn.onnx'), '--run', '--runs', '2', '--provider', 'cpu', '--image', join(ROOT, 'media', 'samples', 'checkerboard.png'), '--normalize', 'unit', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.match((JSON.parse(r.stdout) as RuntimeReport).notices.join('\n'), /input: checkerboard\.png, shorter side resized, centre crop, \(pixel × 0\.003922 − mean\) \/ std/);
    assert.equal((await runCli('profile', join(ROOT, 'examples', 'small-cnn.onnx'), '--run', '--normalize', 'unit')).code, 1);
  });

  it('bad options exit 1 (malformed) or 2 (a value that cannot be used); a model that cannot run exits 2 naming the file', async () => {
    assert.equal((await runCli('profile', example('lenet5.cnn.yaml'), '--run', '--provider', 'gpu')).code, 2);
    assert.equal((await runCli('profile', example('lenet5.cnn.yaml'), '--run', '--runs', '0')).code, 2);
    assert.equal((await runCli('profile', example('lenet5.cnn.yaml'), '--run', '--json', '--csv')).code, 1);
    const noRun = await runCli('profile', example('lenet5.cnn.yaml'), '--provider', 'cpu');
    assert.equal(noRun.code, 1);
    assert.match(noRun.stderr, /--provider applies to 'profile --run'/);
    const bad = await runCli('profile', join(ROOT, 'package.json'), '--run');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /package\.json/);
  });
});

describe('runtime profiling on TensorFlow.js (Keras and TF.js layers models)', () => {
  it('a TF.js layers model (examples/tfjs-cnn, with its weight shards): every Keras layer timed on the backend that loaded, which is named', async () => {
    const { report } = await runInChild(profile(example('tfjs-cnn/model.json'), { runs: 5, warmup: 1, provider: 'auto' }), { timeoutMs: HANG_MS });
    assert.equal(report.engine.name, 'tensorflow.js');
    assert.match(report.engine.version, /^4\./);
    // tfjs-node-gpu is an optional dependency that needs CUDA: without it, wasm, and the report says why.
    if (report.engine.backend !== 'tensorflow') {
      assert.equal(report.engine.backend, 'wasm');
      assert.match(report.notices.join('\n'), /@tensorflow\/tfjs-node-gpu is not available/);
    }
    assert.deepEqual(report.providers, [`tfjs-${report.engine.backend}`]);
    assert.match(report.notices.join('\n'), /weights from the weight shards/);
    const ran = report.layers.filter((l) => l.status === 'ran');
    assert.ok(ran.length >= 8, `${ran.length} layers timed`);
    for (const l of ran) assert.ok(l.timeMs > 0, l.name);
    // A Keras Conv2D with a ReLU activation is one TF.js layer: its Relu is part of the Conv's time.
    const relu = report.layers.find((l) => l.op === 'Relu' && l.status === 'fused');
    assert.ok(relu, 'a fused activation');
    assert.equal(report.layers.find((l) => l.name === relu.fusedInto)!.op, 'Conv');
    assert.equal(report.inputs[0].shape!.length, 4);
    assert.ok(report.latencyMs.p50 > 0);
  });

  it('the cpu backend when asked; engine onnxruntime runs the same Keras model through its ONNX export', async () => {
    const cpu = (await runInChild(profile(example('keras-cnn.keras'), { runs: 2, warmup: 0, tfjsBackend: 'cpu' }))).report;
    assert.equal(cpu.engine.name, 'tensorflow.js');
    assert.equal(cpu.engine.backend, 'cpu');
    assert.match(cpu.notices.join('\n'), /initialised by TF\.js from the config's initializers/);
    const ort = (await runInChild(profile(example('keras-cnn.keras'), { runs: 2, warmup: 0, engine: 'onnxruntime' }))).report;
    assert.equal(ort.engine.name, 'onnxruntime');
    // The export runs NCHW; both reports give the input as the Keras model has it (NHWC).
    assert.deepEqual(ort.inputs[0].shape, cpu.inputs[0].shape);
    assert.equal(ort.inputs[0].shape?.length, 4);
    assert.equal(ort.inputs[0].shape?.[3], 3);
    await assert.rejects(runInChild(profile(example('lenet5.cnn.yaml'), { engine: 'tfjs' })), /TensorFlow\.js runs Keras models/);
  });
});

describe('batch-size sweep', () => {
  it('batches 1, 2, 4, 8, each in its own process, with latency, throughput and peak memory', async () => {
    const s = await batchSweep(profile(example('lenet5.cnn.yaml'), { runs: 3, warmup: 1 }), { maxBatch: 8, timeoutMs: HANG_MS });
    assert.deepEqual(s.points.map((p) => p.batch), [1, 2, 4, 8]);
    for (const p of s.points) {
      assert.ok(p.latencyMs.p50 > 0 && p.throughput > 0 && p.peakRssBytes > 0);
      assert.ok(Math.abs(p.throughput - (p.batch * 1000) / p.latencyMs.p50) < 1e-6);
    }
    assert.equal(s.stopped, undefined);
  });

  it('stops where memory runs out: predicted beyond the limit, or the process killed (the out-of-memory killer\'s SIGKILL)', async () => {
    const predicted = await batchSweep(profile(example('lenet5.cnn.yaml'), { runs: 2, warmup: 0 }), { maxBatch: 64, memoryLimitBytes: 1 });
    assert.deepEqual(predicted.points.map((p) => p.batch), [1]);
    assert.equal(predicted.stopped?.reason, 'predicted');
    assert.match(predicted.stopped.message, /^batch 2 would need about [\d.]+ GiB, more than the 0\.00 GiB available$/);
    // Batch 4's process is killed as soon as it reports working on the request, as the
    // out-of-memory killer would (not at its start-up: the request must have reached it).
    let batch4 = 0;
    const killed = await batchSweep(profile(example('vgg16.cnn.yaml'), { runs: 2, warmup: 0 }), {
      maxBatch: 64,
      onStart: (batch, pid) => batch === 4 && (batch4 = pid),
      onProgress: (m) => {
        if (batch4 > 0 && m === 'loading the model') {
          process.kill(batch4, 'SIGKILL');
          batch4 = -1;
        }
      },
    });
    assert.deepEqual(killed.points.map((p) => p.batch), [1, 2]);
    assert.equal(killed.stopped?.batch, 4);
    assert.equal(killed.stopped?.reason, 'memory');
    assert.match(killed.stopped.message, /out of memory at batch 4: the runtime process was killed \(SIGKILL\)/);
  });
});
