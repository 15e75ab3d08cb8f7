/**
 * Runs that hostile models cannot break (issue #11): names that onnxruntime
 * writes unescaped into its trace, shapes that ask for impossible or
 * enormous feeds, runs that need more memory than is free or grow past
 * their limit, a parent killed while its runtime process is busy in native
 * code, and runtime errors that span lines. Every model is built here; each
 * failure reaches the user as one line on stderr, exit 2, naming the file.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { GraphBuilder } from '../../src/core/onnx/builder';
import { encodeOnnx } from '../../src/core/onnx/writer';
import type { Model } from '../../src/core/ir';
import { runInChild, RuntimeError } from '../../src/runtime/client';
import { batchSweep } from '../../src/runtime/sweep';
import type { ProfileRequest } from '../../src/runtime/messages';
import type { RuntimeReport } from '../../src/core/timing/runtime-report';
import { runCli, type CliRun } from '../helpers/cli';
import { PRESETS } from '../../src/core/image/preprocess';
import { tempDir } from '../helpers/temp';

const ROOT = resolve(__dirname, '../..');
let dir: string;

function write(name: string, model: Model): string {
  const path = join(dir, name);
  writeFileSync(path, encodeOnnx(model));
  return path;
}

/** The model with node and value names mapped through `names` (others kept). */
function renamed(model: Model, names: Record<string, string>): Model {
  const r = (s: string) => names[s] ?? s;
  const g = model.graph;
  return {
    ...model,
    graph: {
      ...g,
      nodes: g.nodes.map((n) => ({ ...n, name: r(n.name), inputs: n.inputs.map(r), outputs: n.outputs.map(r) })),
      inputs: g.inputs.map(r),
      outputs: g.outputs.map(r),
      values: new Map([...g.values].map(([k, v]) => [r(k), { ...v, name: r(v.name) }])),
      initializers: new Set([...g.initializers].map(r)),
    },
  };
}

/** A model of one element-wise op on an input of `shape`. */
function reluOn(dtype: 'float32' | 'int8', shape: (number | string)[]): Model {
  const b = new GraphBuilder('relu', { weights: 'none' });
  b.input('x', dtype, shape);
  b.relu();
  b.output(undefined, { name: 'y' });
  return b.build();
}

const profile = (modelPath: string, extra: Partial<ProfileRequest> = {}): ProfileRequest => ({ kind: 'profile', modelPath, provider: 'cpu', input: 'random', warmup: 0, runs: 2, ...extra });
const capture = (modelPath: string) =>
  runInChild({ kind: 'capture', modelPath, image: join(ROOT, 'media/samples/checkerboard.png'), provider: 'cpu', preprocess: { resize: 'stretch', channelOrder: 'RGB', ...PRESETS.unit } }, { timeoutMs: 120_000 });
const run = (path: string, ...args: string[]) => runCli('profile', path, '--run', '--provider', 'cpu', '--runs', '2', '--warmup', '0', ...args);

/** What every failed run must give: exit 2, one stderr line naming the file, nothing of JavaScript's internals. */
function assertOneLineFailure(r: CliRun, file: string): string {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.endsWith('\n'), JSON.stringify(r.stderr));
  const lines = r.stderr.slice(0, -1).split('\n');
  assert.equal(lines.length, 1, `one line expected, got ${JSON.stringify(r.stderr)}`);
  assert.ok(lines[0].startsWith(`convlens: ${file}: `), lines[0]);
  // eslint-disable-next-line no-control-regex -- asserts that no raw control character is left
  assert.doesNotMatch(lines[0], /[\u0000-\u001f\u007f]/, 'control characters escaped');
  assert.doesNotMatch(lines[0], /TypeError|RangeError|ReferenceError|Invalid typed array length|\bat .*:\d+:\d+/, 'no JavaScript internals');
  return lines[0];
}

/** Every figure of a runtime report is a finite number ≥ 0 (JSON writes NaN and infinities as null). */
function assertFigures(value: unknown, path = 'report'): void {
  assert.notEqual(value, null, `${path} is null`);
  if (typeof value === 'number') assert.ok(Number.isFinite(value) && value >= 0, `${path} = ${value}`);
  else if (Array.isArray(value)) value.forEach((v, i) => assertFigures(v, `${path}[${i}]`));
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value as object)) assertFigures(v, `${path}.${k}`);
}

/** Whether process `pid` still runs (a zombie waiting for its new parent to reap it has ended). */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return process.platform !== 'linux';
    } catch {
      return false;
    }
  }
}

/** Polls until `pid` ends; false if it still runs after `ms` (the assertion is that it ends, not how fast). */
async function ends(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!running(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !running(pid);
}

/** Child processes of `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // Ended while we looked.
    }
  }
  return out;
}

/** Resolves with the first line of `p`'s stdout that matches. */
function lineFrom(p: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolveLine, reject) => {
    let buffered = '';
    p.stdout!.setEncoding('utf8');
    p.stdout!.on('data', (chunk: string) => {
      buffered += chunk;
      for (const line of buffered.split('\n')) {
        const m = pattern.exec(line);
        if (m) return resolveLine(m);
      }
    });
    p.once('exit', () => reject(new Error(`exited before printing ${pattern}: ${buffered}`)));
  });
}

before(() => {
  dir = tempDir('convlens-hostile-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('names onnxruntime writes unescaped into its profiler trace', () => {
  it('quotes, backslashes, newlines, tabs and escape sequences in node, value and input names: the run succeeds and every layer is timed under its own name', async () => {
    const b = new GraphBuilder('names', { seed: 1 });
    b.input('input', 'float32', [1, 3, 8, 8]);
    b.conv({ outChannels: 4, kernel: 3, pads: 1, name: 'conv' });
    b.relu({ name: 'relu' });
    b.globalAveragePool({ name: 'gap' });
    b.flatten({ name: 'flat' });
    b.gemm({ outFeatures: 5, name: 'fc' });
    b.softmax({ name: 'soft' });
    b.output(undefined, { name: 'probs' });
    const names = {
      input: 'in"put',
      '/conv/Conv': 'conv "3x3" \\ first',
      '/conv/Conv_output_0': 'conv\nout "0"',
      '/relu/Relu': 'relu\nafter "conv"',
      '/relu/Relu_output_0': 'relu\\out',
      '/gap/GlobalAveragePool': 'gap\t"\u0001"',
      '/fc/Gemm': 'fc "logits"',
      '/soft/Softmax': 'soft\\max "\u001b[31m"',
      probs: 'probs"',
    };
    const path = write('names.onnx', renamed(b.build(), names));
    const r = await run(path, '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as RuntimeReport;
    assertFigures(report);
    const layer = (name: string) => report.layers.find((l) => l.name === name)!;
    // The same layers as the file, under the file's names.
    assert.deepEqual(report.layers.map((l) => l.name), ['conv "3x3" \\ first', 'relu\nafter "conv"', 'gap\t"\u0001"', '/flat/Flatten', 'fc "logits"', 'soft\\max "\u001b[31m"']);
    assert.deepEqual(report.inputs.map((t) => t.name), ['in"put']);
    for (const name of ['conv "3x3" \\ first', 'gap\t"\u0001"', 'fc "logits"', 'soft\\max "\u001b[31m"']) {
      assert.equal(layer(name).status, 'ran', name);
      assert.ok(layer(name).timeMs > 0, name);
    }
    // onnxruntime fuses the Relu into the Conv: its time is the Conv's.
    assert.equal(layer('relu\nafter "conv"').status, 'fused');
    assert.equal(layer('relu\nafter "conv"').fusedInto, 'conv "3x3" \\ first');
    assert.ok(!JSON.stringify(report).includes('cvlsafe'), 'no stand-in name is left in the report');
  });

  it('an error onnxruntime raises inside such a node names it in one line, its newline escaped', async () => {
    const b = new GraphBuilder('reshape', { weights: 'none' });
    b.input('x', 'float32', [1, 3, 4, 4]);
    b.reshape('x', [5], { name: 'bad' });
    b.output(undefined, { name: 'y' });
    // A Reshape to 5 elements of a 48-element tensor: onnxruntime's error spans lines and ends with a newline.
    const path = write('reshape.onnx', renamed(b.build(), { '/bad/Reshape': 'reshape\n"to 5"' }));
    const line = assertOneLineFailure(await run(path), path);
    assert.match(line, /Reshape node\. Name:'reshape\\n"to 5"'.*cannot be reshaped to the requested shape/);
    assert.doesNotMatch(line, /onnxruntime_src|cvlsafe/);
  });
});

describe('feed shapes are checked before anything is allocated', () => {
  it('a negative dim: the input and its shape named, no "Invalid typed array length"', async () => {
    const path = write('negative.onnx', reluOn('float32', [1, -65536]));
    const line = assertOneLineFailure(await run(path), path);
    assert.match(line, /input 'x' has shape \[1, -65536\]: dim 1 is negative, so it cannot be fed$/);
  });

  it('more elements than one input can hold (2^40 × 2^40)', async () => {
    const path = write('huge.onnx', reluOn('float32', [2 ** 40, 2 ** 40]));
    const line = assertOneLineFailure(await run(path, '--force'), path);
    assert.match(line, /input 'x' has shape \[1099511627776, 1099511627776\]: 1\.21e\+24 elements, more than the 4,294,967,295 one input can hold$/);
  });

  it('feature maps: an image input of 65,000 × 65,000 is refused before the image is resized to it', async () => {
    const b = new GraphBuilder('wide', { weights: 'none' });
    b.input('image', 'float32', [1, 3, 65000, 65000]);
    b.relu();
    b.output(undefined, { name: 'y' });
    await assert.rejects(capture(write('wide.onnx', b.build())), (e: RuntimeError) =>
      e.kind === 'failed' && e.message === 'input \'image\' has shape [1, 3, 65000, 65000]: 1.27e+10 elements, more than the 4,294,967,295 one input can hold');
  });

  it('symbolic dims are fed as 1, the batch dim at --batch (README, "Running models")', async () => {
    const path = write('symbolic.onnx', reluOn('float32', ['N', 'C', 4]));
    const r = await run(path, '--batch', '3', '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as RuntimeReport;
    assert.deepEqual(report.inputs[0].shape, [3, 1, 4]);
    assertFigures(report);
  });
});

describe('memory: the static need against the memory free, and a watch on the process', () => {
  // Expand of one float to 2^25 × 2^25: a 136-byte model whose output is 4 PiB, more than any machine has free.
  const expand = () => {
    const b = new GraphBuilder('expand', { weights: 'none' });
    b.input('x', 'float32', [1]);
    const shape = b.initializer('shape', 'int64', [2], [2 ** 25, 2 ** 25]);
    b.node('Expand', ['x', shape]);
    b.output(undefined, { name: 'y', dtype: 'float32', shape: [2 ** 25, 2 ** 25] });
    return b.build();
  };

  it('refused before it starts, with the figures; --force runs it anyway (and onnxruntime cannot allocate it)', async () => {
    const path = write('expand.onnx', expand());
    const line = assertOneLineFailure(await run(path), path);
    // Output 2^50 floats = 4 PiB, live at the peak and copied back: 4 PiB + 4 PiB.
    assert.match(line, /: needs ≈ 8\.0 PiB of memory \(inputs 4 B \+ peak activations 4\.0 PiB \+ outputs 4\.0 PiB \+ weights 0 B\), [\d.]+ [KMGT]iB free; --force to run anyway$/);
    const forced = assertOneLineFailure(await run(path, '--force'), path);
    assert.match(forced, /Failed to allocate memory/);
  });

  it('a definition is refused before its export makes the weights (Dense of 10^9 units on 192 features: 719 GiB of weights, held three times)', async () => {
    const path = join(dir, 'dense.cnn.yaml');
    writeFileSync(path, 'name: dense\ninput: [8, 8, 3]\nlayers:\n  - Flatten\n  - Dense: {units: 1000000000}\n');
    const line = assertOneLineFailure(await run(path), path);
    // 193 × 10^9 float32 parameters (kernel and bias) = 719 GiB; the export, its encoding and onnxruntime's copy. Output 10^9 floats = 3.7 GiB.
    assert.match(line, /: needs ≈ 2\.1 TiB of memory \(inputs 768 B \+ peak activations 3\.7 GiB \+ outputs 3\.7 GiB \+ weights 719\.0 GiB × 3 copies\), [\d.]+ [KMGT]iB free; --force to run anyway$/);
  });

  it('a refusal is a RuntimeError of kind refused carrying the need and the memory free', async () => {
    // Input 4 B + peak (input and output live together) 2^52 + 4 B + output copy 2^52 B.
    const path = write('expand2.onnx', expand());
    await assert.rejects(runInChild(profile(path)), (e: RuntimeError) => e.kind === 'refused' && e.memory!.needBytes === 2 ** 53 + 8 && e.memory!.freeBytes > 0);
  });

  it('feature maps: refused when every layer output to fetch would not fit (an 8×8 image expanded to 2^36 copies, 48 TiB)', async () => {
    const b = new GraphBuilder('copies', { weights: 'none' });
    b.input('image', 'float32', [1, 3, 8, 8]);
    const shape = b.initializer('shape', 'int64', [4], [2 ** 36, 3, 8, 8]);
    b.node('Expand', ['image', shape]);
    b.output(undefined, { name: 'y' });
    // Fetched outputs: a 256 MiB chunk in onnxruntime and its copy in JavaScript; the model runs through its export (weights × 3).
    await assert.rejects(capture(write('copies.onnx', b.build())), (e: RuntimeError) =>
      e.kind === 'refused' && /^needs ≈ 48\.0 TiB of memory \(inputs 768 B \+ peak activations 48\.0 TiB \+ outputs 512\.0 MiB \+ weights 0 B × 3 copies\), [\d.]+ [KMGT]iB free$/.test(e.message));
  });

  it('a process past its resident-memory limit is stopped, and says so in one line', async () => {
    // 2^26 random floats (256 MiB) fed to a Relu: past a 300 MiB limit while it runs.
    const path = write('resident.onnx', reluOn('float32', [2 ** 26]));
    await assert.rejects(
      runInChild(profile(path, { warmup: 1 }), { rssLimitBytes: 300 * 2 ** 20 }),
      (e: RuntimeError) => e.kind === 'memory' && e.message === 'stopped: used more than 300.0 MiB of memory',
    );
  });

  it('a batch sweep stops at the first batch whose need is more than the memory free, before starting it', async () => {
    // x[N] expanded to N^12 elements (shape Concat of Shape(x) twelve times): batch 4 needs 64 MiB per tensor, batch 8 256 GiB.
    const b = new GraphBuilder('power', { weights: 'none' });
    b.input('x', 'float32', ['N']);
    const [shape] = b.node('Shape', ['x']);
    const [dims] = b.node('Concat', Array<string>(12).fill(shape), { axis: 0 });
    b.node('Expand', ['x', dims]);
    b.output(undefined, { name: 'y' });
    const path = write('power.onnx', b.build());
    const sweep = await batchSweep(profile(path, { runs: 1 }), { maxBatch: 64, memoryLimitBytes: 2 ** 62, timeoutMs: 120_000 });
    assert.deepEqual(sweep.points.map((p) => p.batch), [1, 2, 4]);
    assert.equal(sweep.stopped?.batch, 8);
    assert.equal(sweep.stopped?.reason, 'predicted');
    // 8^12 floats = 256 GiB, live at the peak and copied back.
    assert.match(sweep.stopped.message, /^batch 8 needs ≈ 512\.0 GiB of memory \(inputs 32 B \+ peak activations 256\.0 GiB \+ outputs 256\.0 GiB \+ weights 0 B\), [\d.]+ [KMGT]iB free$/);
  });
});

describe('the runtime process ends with its parent', () => {
  // MatMul of a 4096 × 4096 matrix with itself: seconds inside one native call.
  const longRun = () => {
    const b = new GraphBuilder('matmul', { weights: 'none' });
    b.input('x', 'float32', [4096, 4096]);
    b.matmul('x', 'x');
    b.output(undefined, { name: 'y' });
    return write('matmul.onnx', b.build());
  };

  it('the parent killed (SIGKILL) while the child is busy (generating VGG-16\'s 138 M initial weights): the child ends', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/runtime-parent.ts'), join(ROOT, 'examples/vgg16.cnn.yaml')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [, childPid, scratch] = await lineFrom(parent, /^child (\d+) (.+)$/);
      const pid = Number(childPid);
      await lineFrom(parent, /^progress loading the model$/);
      // Inside the export, which holds the child's main thread for seconds: no 'disconnect' event can run.
      await new Promise((r) => setTimeout(r, 500));
      parent.kill('SIGKILL');
      assert.ok(await ends(pid, 10_000), `runtime process ${pid} still runs 10 s after its parent was killed`);
      // No one is left to remove the child's scratch folder but the child itself, before it ends.
      assert.ok(existsSync(scratch) === false, `${scratch} is left behind`);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('the CLI stopped by SIGTERM: it stops its runtime process, exits 143 with one line', async () => {
    const path = longRun();
    const cli = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'profile', path, '--run', '--provider', 'cpu', '--runs', '1000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    cli.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((r) => cli.once('exit', (code) => r(code)));
    try {
      let children: number[] = [];
      for (let i = 0; i < 600 && children.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        children = childrenOf(cli.pid!);
      }
      assert.equal(children.length, 1, 'the CLI started its runtime process');
      cli.kill('SIGTERM');
      assert.equal(await exited, 143);
      assert.ok(await ends(children[0], 10_000), `runtime process ${children[0]} still runs 10 s after the CLI got SIGTERM`);
      assert.equal(stderr, `convlens: ${path}: stopped by SIGTERM\n`);
    } finally {
      cli.kill('SIGKILL');
    }
  });
});
