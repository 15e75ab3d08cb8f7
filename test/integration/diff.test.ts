/**
 * `convlens diff` and `convlens check` on pairs other tools wrote: torchvision
 * models exported by torch.onnx.export, copies made with Python onnx (every
 * name changed; float16), a definition against its own ONNX export. What
 * the diff says is checked against what PyTorch's module lists imply
 * (blocks added, convolutions whose weights differ), not against ConvLens.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli';
import { pythonWith } from '../helpers/python-torch';
import { tempDir } from '../helpers/temp';
import { moduleOfNode } from '../../src/core/pytorch/modules';
import type { ModelDiff } from '../../src/core/diff/model-diff';
import type { ProfileReport } from '../../src/core/report/profile';

const ROOT = resolve(__dirname, '../..');
const python = pythonWith('torch, torchvision, onnx');
const SKIP = python ? false : 'PyTorch with torchvision and onnx is not available (Debian: apt-get install python3-torch python3-torchvision python3-onnx; or set CONVLENS_PYTHON)';

interface Facts {
  file: string;
  expected_params: number;
  blocks: string[];
  convs: Record<string, number[]>;
}

async function diff(a: string, b: string, ...args: string[]): Promise<ModelDiff> {
  const r = await runCli('diff', a, b, '--json', ...args);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ModelDiff;
}

/** The delta is exactly B's totals minus A's. */
function assertDeltaExact(d: ModelDiff): void {
  for (const k of Object.keys(d.delta) as (keyof ModelDiff['delta'])[]) {
    const a = d.a.totals[k];
    const b = d.b.totals[k];
    assert.equal(d.delta[k], a === null || b === null ? null : b - a, k);
  }
}

/** Conv layers whose weights differ, as module paths; and the Conv2d modules whose weight shapes differ in PyTorch. */
function convsChanged(d: ModelDiff, a: Facts, b: Facts): { ours: string[]; torch: string[] } {
  // Every module on the way to a convolution (`layer1`, `layer1.0`, `layer1.0.conv1`): how scopes name them.
  const paths = new Set(Object.keys(b.convs).flatMap((p) => p.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
  const ours = d.layers.filter((l) => l.op === 'Conv' && l.changes.includes('weights')).map((l) => moduleOfNode(l.b!, paths)!).sort();
  const torch = Object.keys(b.convs).filter((m) => a.convs[m]?.join() !== b.convs[m].join()).sort();
  return { ours, torch };
}

describe('convlens diff on pairs written by PyTorch and onnx', { skip: SKIP }, () => {
  let m: Record<string, Facts> = {};
  before(() => {
    const dir = tempDir('convlens-diff-');
    const r = spawnSync(python!, [join(ROOT, 'test/helpers/diff_pairs.py'), dir], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr);
    m = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, Facts>;
  });

  it('ResNet-18 → ResNet-34: exactly the layers of the blocks PyTorch adds are added; nothing else changes', async () => {
    const d = await diff(m.resnet18.file, m.resnet34.file);
    const newBlocks = m.resnet34.blocks.filter((blk) => !m.resnet18.blocks.includes(blk));
    assert.equal(newBlocks.length, 1 + 2 + 4 + 1);
    const blockOf = (name: string) => /^\/(layer\d)\/(layer\d\.\d+)\//.exec(name)?.[2];
    const added = d.layers.filter((l) => l.status === 'added');
    assert.ok(added.length > 0);
    assert.deepEqual([...new Set(added.map((l) => blockOf(l.b!)))].sort(), newBlocks.sort());
    const profiled = JSON.parse((await runCli('profile', m.resnet34.file, '--json')).stdout) as ProfileReport;
    assert.equal(added.length, profiled.layers.filter((l) => newBlocks.includes(blockOf(l.name) ?? '')).length);
    assert.deepEqual([d.summary.changed, d.summary.removed], [0, 0]);
    assert.equal(d.delta.params, m.resnet34.expected_params - m.resnet18.expected_params);
    assertDeltaExact(d);
  });

  it('ResNet-50 → ResNeXt-50 32×4d: the same layers; the grouped 3×3 convolutions change their attributes, and exactly the convolutions PyTorch widened change weights', async () => {
    const d = await diff(m.resnet50.file, m.resnext50_32x4d.file);
    assert.deepEqual([d.summary.added, d.summary.removed], [0, 0]);
    const grouped = d.layers.filter((l) => l.changes.includes('attributes')).map((l) => l.b!);
    assert.equal(grouped.length, m.resnet50.blocks.length);
    assert.ok(grouped.every((n) => /\/conv2\/Conv$/.test(n)), grouped.join());
    const { ours, torch } = convsChanged(d, m.resnet50, m.resnext50_32x4d);
    assert.deepEqual(ours, torch);
    assert.equal(d.delta.params, m.resnext50_32x4d.expected_params - m.resnet50.expected_params);
    assertDeltaExact(d);
  });

  it('MobileNetV2 at width 1.0 → 0.75: every convolution PyTorch narrowed changes, none is added or removed', async () => {
    const d = await diff(m.mobilenet_v2.file, m.mobilenet_v2_075.file);
    assert.deepEqual([d.summary.added, d.summary.removed], [0, 0]);
    const { ours, torch } = convsChanged(d, m.mobilenet_v2, m.mobilenet_v2_075);
    assert.ok(torch.length > 40);
    assert.deepEqual(ours, torch);
    assert.equal(d.delta.params, m.mobilenet_v2_075.expected_params - m.mobilenet_v2.expected_params);
    assert.ok(d.delta.macs! < 0);
    assertDeltaExact(d);
  });

  it('a copy with every node and tensor renamed: every layer unchanged, paired by structure; its weights equal', async () => {
    const d = await diff(m.resnet18.file, m.resnet18_renamed.file, '--weights');
    assert.deepEqual([d.summary.changed, d.summary.added, d.summary.removed], [0, 0, 0]);
    assert.ok(d.summary.unchanged > 40);
    assert.ok(d.layers.every((l) => l.renamed && l.a !== l.b));
    const compared = d.layers.filter((l) => l.maxAbsDiff);
    assert.ok(compared.length >= 20, 'the convolutions\' and the classifier\'s weights were compared');
    assert.ok(compared.every((l) => Object.values(l.maxAbsDiff!).every((x) => x === 0)));
    assert.deepEqual(Object.values(d.delta), [0, 0, 0, 0, 0, 0]);
  });

  it('a float16 copy: dtypes and bytes change, nothing else; its weights differ by float16 rounding only', async () => {
    const d = await diff(m.resnet18.file, m.resnet18_fp16.file, '--weights');
    assert.deepEqual([d.summary.added, d.summary.removed], [0, 0]);
    for (const l of d.layers) {
      assert.ok(l.changes.includes('dtype'), `${l.b}: ${l.changes.join(',')}`);
      assert.deepEqual(l.changes.filter((c) => !['dtype', 'memory', 'values'].includes(c)), [], `${l.b}: ${l.changes.join(',')}`);
      for (const x of Object.values(l.maxAbsDiff ?? {})) assert.ok(x >= 0 && x < 1e-3, `${l.b}: ${x}`);
    }
    // Random weights are not float16 numbers: rounded, each convolution's differ (zero biases do not).
    const convs = d.layers.filter((l) => l.op === 'Conv');
    assert.ok(convs.every((l) => l.changes.includes('values')), 'every convolution\'s weights were rounded');
    assert.deepEqual([d.delta.params, d.delta.macs, d.delta.flops], [0, 0, 0]);
    assert.equal(d.delta.activationBytes, -d.a.totals.activationBytes! / 2);
  });

  it('unrelated models (ResNet-18 → MobileNetV2): the diff says so and pairs nothing weakly', async () => {
    const d = await diff(m.resnet18.file, m.mobilenet_v2.file);
    assert.match(d.summary.unrelated ?? '', /share little structure/);
    assert.ok(d.summary.similarity < 0.3);
    assert.ok(d.summary.added > 50 && d.summary.removed > 20);
    const md = await runCli('diff', m.resnet18.file, m.mobilenet_v2.file, '--markdown');
    assert.match(md.stdout, /^\*\*ConvLens diff\*\*/);
    assert.match(md.stdout, /\n> the models share little structure/);
  });
});

describe('convlens diff and check without PyTorch', () => {
  const dir = tempDir('convlens-diff-');
  const yaml = join(ROOT, 'examples', 'resnet18.cnn.yaml');

  it('a definition against its own ONNX export: every layer unchanged, the totals equal', async () => {
    const onnx = join(dir, 'resnet18.onnx');
    const e = await runCli('export', yaml, '-o', onnx);
    assert.equal(e.code, 0, e.stderr);
    const d = await diff(yaml, onnx);
    assert.deepEqual([d.summary.changed, d.summary.added, d.summary.removed], [0, 0, 0]);
    assert.ok(d.summary.unchanged > 50);
    assert.deepEqual(Object.values(d.delta), [0, 0, 0, 0, 0, 0]);
    // The JSON contract.
    assert.deepEqual(Object.keys(d).sort(), ['a', 'b', 'delta', 'layers', 'summary']);
    assert.deepEqual(Object.keys(d.delta).sort(), ['activationBytes', 'flops', 'macs', 'params', 'peakActivationBytes', 'trainingBytes']);
    assert.equal(d.a.file, yaml);
    for (const l of d.layers) for (const k of ['status', 'a', 'b', 'changes']) assert.ok(k in l, k);
  });

  it('a definition against a changed copy: a widened layer and its successors change, the table says what and by how much', async () => {
    const wide = join(dir, 'lenet-wide.cnn.yaml');
    const text = (await import('node:fs')).readFileSync(join(ROOT, 'examples', 'lenet5.cnn.yaml'), 'utf8');
    const changed = text.replace(/filters: 16/, 'filters: 32');
    assert.notEqual(changed, text);
    writeFileSync(wide, changed);
    const d = await diff(join(ROOT, 'examples', 'lenet5.cnn.yaml'), wide);
    assert.ok(d.summary.changed >= 2);
    assert.ok(d.delta.params! > 0);
    const table = await runCli('diff', join(ROOT, 'examples', 'lenet5.cnn.yaml'), wide);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /changed, 0 added, 0 removed/);
    assert.match(table.stdout, /\n~ \S+ \(Conv\) \[shape, weights, params, macs, memory\] {2}params \+/);
  });

  it('an unreadable file is named, exit 2; a wrong number of models, exit 1', async () => {
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, 'not a model');
    const r = await runCli('diff', yaml, bad);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.onnx/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    const one = await runCli('diff', yaml);
    assert.equal(one.code, 1);
  });

  it('check: a budget exceeded is one line and exit 1; within budget, exit 0; training memory at --batch', async () => {
    const p = JSON.parse((await runCli('profile', yaml, '--json')).stdout) as ProfileReport;
    const over = await runCli('check', yaml, '--max-params', '10M', '--max-macs', '5G');
    assert.equal(over.code, 1);
    assert.deepEqual(over.stderr.trim().split('\n'), [`convlens: ${yaml}: parameters: 11.70 M (${p.totals.params!.toLocaleString('en-US')}) exceed the budget of 10.00 M (10,000,000)`]);
    const ok = await runCli('check', yaml, '--max-params', '12M', '--max-macs', '2G', '--max-peak-memory', '200MiB');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /within budget/);
    const at32 = JSON.parse((await runCli('profile', yaml, '--json', '--batch', '32')).stdout) as ProfileReport;
    const limit = at32.totals.trainingBytes! - 1;
    const train = await runCli('check', yaml, '--max-training-memory', String(limit), '--batch', '32');
    assert.equal(train.code, 1);
    assert.match(train.stderr, /training memory: .* exceed the budget/);
    assert.equal((await runCli('check', yaml, '--max-training-memory', String(limit + 1), '--batch', '32')).code, 0);
    assert.equal((await runCli('check', yaml, '--max-params', 'lots')).code, 2);
    assert.equal((await runCli('check', yaml)).code, 1);
  });
});
