/**
 * The runtime child process on the CPU: a definition's ONNX export profiled
 * by onnxruntime-node; per-layer times for every layer that ran, summing to
 * within 15% of the measured end-to-end time; cancel, crash and timeout end
 * only the child, with a clear error.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { runInChild, RuntimeError } from '../../src/runtime/client';
import type { ProfileRequest } from '../../src/runtime/messages';
import { runCli, runCliAsync } from '../helpers/cli';

const ROOT = resolve(__dirname, '../..');
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

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !alive(pid);
}

describe('runtime profiling in a child process (onnxruntime-node, CPU)', () => {
  it('ResNet-18 (examples/resnet18.cnn.yaml through its ONNX export): every layer timed, fused layers named, times sum to the run time', async () => {
    const { report } = await runInChild(profile(example('resnet18.cnn.yaml')), { timeoutMs: 120_000 });
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
    for (const l of report.layers) if (l.status === 'ran') assert.ok(l.timeMs > 0, l.name);
    const layerSum = report.layers.reduce((a, l) => a + l.timeMs, 0) + report.inserted.reduce((a, k) => a + k.timeMs, 0);
    const ratio = layerSum / report.latencyMs.p50;
    assert.ok(ratio > 0.85 && ratio <= 1.15, `per-layer sum ${layerSum.toFixed(2)} ms vs p50 ${report.latencyMs.p50.toFixed(2)} ms (ratio ${ratio.toFixed(3)})`);
    const shares = report.layers.reduce((a, l) => a + l.share, 0) + report.inserted.reduce((a, k) => a + k.share, 0);
    assert.ok(Math.abs(shares - 1) < 1e-9);
    // Memory was measured: the process grew by at least the weights (44.6 MiB) once the session was created.
    assert.ok(report.memory.loadedRssBytes - report.memory.baselineRssBytes > report.memory.paramBytes * 0.9, JSON.stringify(report.memory));
    assert.ok(report.memory.peakRssBytes >= report.memory.loadedRssBytes * 0.9);
    assert.match(report.memory.explanation, /static estimate/);
  });

  it('auto on a machine without CUDA falls back to the CPU and says so; with CUDA it reports CUDA', async () => {
    const { report } = await runInChild(profile(example('lenet5.cnn.yaml'), { provider: 'auto', runs: 3, warmup: 1 }), { timeoutMs: 60_000 });
    if (report.providers.includes('CUDAExecutionProvider')) {
      assert.equal(report.devices[0].kind, 'gpu');
    } else {
      assert.deepEqual(report.providers, ['CPUExecutionProvider']);
      assert.match(report.notices.join('\n'), /CUDA execution provider unavailable \(.+\); trying CPU/);
    }
  });

  it('an ONNX file runs as it is, batch fed at the asked size; a bad file is a clear error', async () => {
    const { report } = await runInChild(profile(example('small-cnn.onnx'), { batch: 4, runs: 3, warmup: 1 }), { timeoutMs: 60_000 });
    assert.equal(report.batch, 4);
    assert.equal(report.inputs[0].shape![0], 4);
    assert.ok(report.throughput > 0);
    await assert.rejects(runInChild(profile(join(ROOT, 'README.md'))), (e: RuntimeError) => e.kind === 'failed' && /README\.md: not a model file/.test(e.message));
  });

  it('cancelling stops the child within a second', async () => {
    const ac = new AbortController();
    let pid = 0;
    const started = Date.now();
    const run = runInChild(profile(example('vgg16.cnn.yaml'), { runs: 1000, warmup: 0 }), {
      signal: ac.signal,
      onStart: (p) => (pid = p),
      onProgress: (m) => m.startsWith('run 2/') && ac.abort(),
    });
    let abortedAt = 0;
    ac.signal.addEventListener('abort', () => (abortedAt = Date.now()));
    await assert.rejects(run, (e: RuntimeError) => e.kind === 'cancelled');
    assert.ok(Date.now() - abortedAt < 1000, `rejected ${Date.now() - abortedAt} ms after cancel`);
    assert.ok(pid > 0 && (await waitGone(pid, 1000)), 'the child process is gone within a second');
    assert.ok(Date.now() - started < 120_000);
  });

  it('a crash of the runtime (SIGSEGV in native code) is a clear error, and this process carries on', async () => {
    await assert.rejects(
      runInChild(profile(example('vgg16.cnn.yaml'), { runs: 1000 }), { onStart: (pid) => setTimeout(() => process.kill(pid, 'SIGSEGV'), 300) }),
      (e: RuntimeError) => e.kind === 'crashed' && /the runtime process crashed \(SIGSEGV\)/.test(e.message),
    );
    // And the next run works.
    const { report } = await runInChild(profile(example('lenet5.cnn.yaml'), { runs: 2, warmup: 0 }));
    assert.equal(report.runs, 2);
  });

  it('a run past its timeout is stopped with a message naming the setting', async () => {
    let pid = 0;
    await assert.rejects(
      runInChild(profile(example('vgg16.cnn.yaml'), { runs: 1000 }), { timeoutMs: 1500, onStart: (p) => (pid = p) }),
      (e: RuntimeError) => e.kind === 'timeout' && /longer than 2 s and was stopped \(setting convlens\.runtime\.timeoutSeconds\)/.test(e.message),
    );
    assert.ok(await waitGone(pid, 1000));
  });
});

describe('convlens profile --run', () => {
  it('prints the measured table, or the report as JSON/CSV/Markdown/HTML', async () => {
    const table = await runCliAsync('profile', example('lenet5.cnn.yaml'), '--run', '--runs', '3', '--warmup', '1', '--provider', 'cpu');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Engine: onnxruntime \S+; ran on CPU \(asked: cpu\)$/m);
    assert.match(table.stdout, /Latency over 3 runs after 1 warm-up: p50 [\d.]+ ms/);
    assert.match(table.stdout, /\/conv2d\/Conv\s+Conv\s+[\d.]+\s+[\d.]+%/);
    const json = await runCliAsync('profile', example('lenet5.cnn.yaml'), '--run', '--runs', '2', '--warmup', '0', '--provider', 'cpu', '--json');
    const report = JSON.parse(json.stdout);
    assert.equal(report.runs, 2);
    // One entry per layer of the graph that ran: the static profile's layers.
    const staticReport = JSON.parse(runCli('profile', example('lenet5.cnn.yaml'), '--json').stdout);
    assert.deepEqual(report.layers.map((l: { name: string }) => l.name), staticReport.layers.map((l: { name: string }) => l.name));
    assert.ok(report.layers.every((l: { status: string }) => ['ran', 'fused', 'folded', 'eliminated'].includes(l.status)));
    const csv = await runCliAsync('profile', example('lenet5.cnn.yaml'), '--run', '--runs', '2', '--provider', 'cpu', '--csv');
    assert.match(csv.stdout.split('\n')[0], /^index,name,op,status,fused_into,time_ms/);
    const html = await runCliAsync('profile', example('lenet5.cnn.yaml'), '--run', '--runs', '2', '--provider', 'cpu', '--html');
    assert.match(html.stdout, /^<!DOCTYPE html>/);
    assert.doesNotMatch(html.stdout, /<script/);
  });

  it('bad options are usage errors; a model that cannot run exits 2 naming the file', async () => {
    assert.equal((await runCliAsync('profile', example('lenet5.cnn.yaml'), '--run', '--provider', 'gpu')).code, 1);
    assert.equal((await runCliAsync('profile', example('lenet5.cnn.yaml'), '--run', '--runs', '0')).code, 1);
    const noRun = runCli('profile', example('lenet5.cnn.yaml'), '--provider', 'cpu');
    assert.equal(noRun.code, 1);
    assert.match(noRun.stderr, /--provider applies to 'profile --run'/);
    const bad = await runCliAsync('profile', join(ROOT, 'package.json'), '--run');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /package\.json/);
  });
});
