/**
 * A figure that cannot be known is unknown — null in JSON, `?` in tables,
 * empty in CSV — never 0, negative, NaN or Infinity; totals that leave such
 * figures out say so (`totals.partial`, `≥ …` with a footnote); counts from
 * 2^53 up are refused rather than printed as rounded floats (issue #11).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from '../../src/core/ir';
import { encodeOnnx } from '../../src/core/onnx/writer';
import { largestBatchThatFits, profileModel, type ProfileReport } from '../../src/core/report/profile';
import { formatTable, humanBytes, humanCount, withUnit } from '../../src/core/report/format';
import { int, ints, testModel } from '../helpers/ir';
import { impossibleNumbers } from '../helpers/impossible-numbers';
import { runCli } from '../helpers/cli';
import { varint } from '../helpers/protobuf';
import { tempDir } from '../helpers/temp';

let dir: string;
before(() => (dir = tempDir('convlens-unknown-')));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeModel(name: string, model: Model): string {
  const path = join(dir, name);
  writeFileSync(path, encodeOnnx(model));
  return path;
}

/**
 * x [1, 3, 8, 8] → Conv 'c1' (4 filters 3×3, pads 1) → my.domain:Mystery 'm'
 * → Conv 'c2' (2 filters 3×3). c1: 4·8·8 outputs × 3·3·3 = 6,912 MACs; the
 * custom op has no rule, so its output and everything after it is unknown.
 */
function mysteryModel(): Model {
  const m = testModel({
    inputs: { x: { shape: [1, 3, 8, 8] } },
    outputs: ['y'],
    initializers: { w1: { dims: [4, 3, 3, 3] }, w2: { dims: [2, 4, 3, 3] } },
    nodes: [
      { name: 'c1', op: 'Conv', inputs: ['x', 'w1'], outputs: ['a'], attrs: { pads: ints([1, 1, 1, 1]) } },
      { name: 'm', op: 'Mystery', inputs: ['a'], outputs: ['b'] },
      { name: 'c2', op: 'Conv', inputs: ['b', 'w2'], outputs: ['y'] },
    ],
  });
  m.graph.nodes[1].domain = 'my.domain';
  m.opset['my.domain'] = 1;
  return m;
}

describe('unknown shapes make unknown figures and partial totals', () => {
  it('JSON: null for the unknown operator and what follows it; totals are the known sum, flagged partial', async () => {
    const r = await runCli('profile', writeModel('mystery.onnx', mysteryModel()), '--json');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as ProfileReport;
    const [c1, m, c2] = j.layers;
    assert.equal(c1.macs, 6912);
    assert.equal(c1.activationBytes, 4 * 8 * 8 * 4);
    assert.deepEqual([m.macs, m.flops, m.activationBytes], [null, null, null]);
    assert.deepEqual([c2.macs, c2.flops, c2.activationBytes], [null, null, null]);
    // Weights are stored tensors: their counts stay known (108 + 72).
    assert.equal(c2.params, 72);
    assert.equal(j.totals.params, 180);
    assert.equal(j.totals.macs, 6912);
    assert.deepEqual(j.totals.partial, ['macs', 'flops', 'activationBytes', 'peakActivationBytes', 'trainingBytes', 'trainingPeakBytes']);
    assert.ok(j.warnings.some((w) => /unknown operator my\.domain:Mystery/.test(w)));
    assert.ok(j.warnings.some((w) => /^2 layers have unknown figures \('m', 'c2'.*the totals of macs, flops, activationBytes, peakActivationBytes, trainingBytes, trainingPeakBytes are partial/.test(w)), j.warnings.join('\n'));
    assert.deepEqual(impossibleNumbers(j), []);
  });

  it('table: ? in the unknown cells, ≥ on the partial totals, and the footnote', async () => {
    const t = (await runCli('profile', writeModel('mystery-t.onnx', mysteryModel()))).stdout;
    const row = (name: string) => t.split('\n').find((l) => new RegExp(`^\\s*\\d+\\s+${name}\\s`).test(l))!;
    assert.match(row('c1'), /6\.91 K\s+13\.82 K/);
    // Params are known (0), MACs, FLOPs and activations are not.
    assert.match(row('m'), /Mystery\s+\?\s+\?\s+\?\s+\?$/);
    assert.match(t, /^MACs: ≥ 6,912 \(≥ 6\.91 KMACs; /m);
    assert.match(t, /^Parameters: 180 \(720 B\)$/m);
    assert.match(t, /^≥: partial total, the sum of the known figures; layers whose figures are unknown \(\?\) are left out/m);
    assert.doesNotMatch(t, /NaN|Infinity|-\d/);
  });

  it('CSV: unknown figures are empty cells, one row per layer', async () => {
    const csv = (await runCli('profile', writeModel('mystery-c.onnx', mysteryModel()), '--csv')).stdout.trimEnd().split('\n');
    assert.equal(csv.length, 4);
    assert.equal(csv[2], '2,m,Mystery,?,0,,,,,,');
    assert.equal(csv[1], '1,c1,Conv,1x4x8x8,108,6912,13824,3x3,1x1,0 0,1024');
  });

  it('Markdown: ? cells and ≥ totals', async () => {
    const md = (await runCli('profile', writeModel('mystery-m.onnx', mysteryModel()), '--markdown')).stdout;
    assert.match(md, /^\| 2 \| m \| Mystery \| \? \| {2}\| \? \| \? \| {2}\| \? \|$/m);
    assert.match(md, /^- MACs: ≥ 6,912 /m);
    assert.match(md, /^- ≥: partial total/m);
  });

  it('symbolic dims not bound are still taken as 1 (a warning says so) and the totals stay complete', () => {
    const model = testModel({ inputs: { x: { shape: ['N', 3, 8, 8] } }, outputs: ['y'], initializers: { w: { dims: [4, 3, 3, 3] } }, nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { pads: ints([1, 1, 1, 1]) } }] });
    const { report } = profileModel(model);
    assert.equal(report.totals.macs, 6912);
    assert.deepEqual(report.totals.partial, []);
    assert.ok(report.warnings.some((w) => /symbolic dims 'N' taken as 1 for counts and memory/.test(w)));
    // Bound, they count as their value.
    assert.equal(profileModel(model, { bindings: { N: 2 } }).report.totals.macs, 2 * 6912);
  });

  it('an input of unknown rank: every shape-dependent figure is null, never 0', () => {
    const model = testModel({ inputs: { x: { shape: [] } }, outputs: ['y'], initializers: { w: { dims: [4, 3, 3, 3] } }, nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'] }] });
    model.graph.values.get('x')!.shape = undefined;
    const { report } = profileModel(model);
    assert.deepEqual([report.layers[0].macs, report.layers[0].flops, report.layers[0].activationBytes], [null, null, null]);
    assert.equal(report.layers[0].params, 108);
    assert.ok(report.totals.partial.includes('macs'));
    assert.deepEqual(impossibleNumbers(report), []);
  });

  it('--budget on a model whose training memory is partial: unknown, not a batch', async () => {
    const r = await runCli('profile', writeModel('mystery-b.onnx', mysteryModel()), '--json', '--budget', '1GiB');
    assert.match(r.stderr, /^Largest training batch within 1\.00 GiB: unknown \(training memory is not known in full; see the warnings\)\n$/);
  });
});

describe('counts from 2^53 up are refused, never rounded', () => {
  it('a dim of 2^53 + 1 in the file: the input is refused at that dim, nothing above 2^53 in the JSON', async () => {
    // Written as 2^53 − 1 and patched to 2^53 + 1: both varints are 8 bytes long.
    const model = testModel({ inputs: { x: { shape: [1, 1, 2 ** 53 - 1, 1] } }, outputs: ['y'], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
    const bytes = Buffer.from(encodeOnnx(model));
    const from = Buffer.from(varint(2n ** 53n - 1n));
    const at = bytes.indexOf(from);
    assert.ok(at > 0 && bytes.indexOf(from, at + 1) < 0);
    Buffer.from(varint(2n ** 53n + 1n)).copy(bytes, at);
    const path = join(dir, 'big-dim.onnx');
    writeFileSync(path, bytes);
    const r = await runCli('profile', path, '--json');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as ProfileReport;
    assert.equal(j.inputs[0].shape, null);
    assert.ok(j.warnings.some((w) => /input 'x': dim 2 of \[1,1,9007199254740992,1\]: 9007199254740992 is 2\^53 or more \(the value read may itself be rounded\)/.test(w)), j.warnings.join('\n'));
    assert.deepEqual(impossibleNumbers(j), []);
  });

  it('--input with a dim of 2^53 + 1: an error at the dim (exit 2)', async () => {
    const r = await runCli('profile', 'examples/small-cnn.onnx', '--input', 'input=1x3x9007199254740993x32');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--input input: dim 2 of '1x3x9007199254740993x32': 9007199254740992 is 2\^53 or more/);
  });

  it('exact dims whose element count passes 2^53: the shape is carried exactly, the counts are unknown', () => {
    const big = 2 ** 24;
    const { report } = profileModel(testModel({ inputs: { x: { shape: [1, 64, big, big] } }, outputs: ['y'], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] }));
    assert.deepEqual(report.outputs[0].shape, [1, 64, big, big]);
    // 64 · 2^48 = 2^54 elements.
    assert.deepEqual([report.layers[0].flops, report.layers[0].activationBytes], [null, null]);
    assert.deepEqual(impossibleNumbers(report), []);
  });

  it('a weight of 2^54 elements: its parameter count is unknown', () => {
    const { report } = profileModel(testModel({
      inputs: { x: { shape: [1, 2 ** 27] } }, outputs: ['y'], initializers: { w: { dims: [2 ** 27, 2 ** 27] } },
      nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
    }));
    assert.equal(report.layers[0].params, null);
    assert.equal(report.totals.params, 0);
    assert.ok(report.totals.partial.includes('params'));
    assert.deepEqual(impossibleNumbers(report), []);
  });

  it('known layer figures whose sum passes 2^53: the total is unknown (null), not a rounded sum', () => {
    // Each activation is 2^50 float32 elements = 2^52 bytes; input + two Relus = 3 · 2^52.
    const { report } = profileModel(testModel({
      inputs: { x: { shape: [1, 1, 2 ** 25, 2 ** 25] } }, outputs: ['z'],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }, { op: 'Relu', inputs: ['y'], outputs: ['z'] }],
    }));
    assert.deepEqual(report.layers.map((l) => l.activationBytes), [2 ** 52, 2 ** 52]);
    assert.equal(report.totals.activationBytes, null);
    assert.equal(report.totals.peakActivationBytes, null);
    assert.equal(report.totals.trainingBytes, null);
    assert.deepEqual(impossibleNumbers(report), []);
    assert.match(formatTable(report), /^Activations: unknown in total, unknown peak during inference$/m);
  });

  it('a receptive field whose stride passes 2^53 is unknown, not a rounded float', () => {
    // Six 1×1 pools of stride 1000 on a 1×1 map: jumps 10^3 … 10^18.
    const nodes = Array.from({ length: 6 }, (_, i) => ({
      op: 'MaxPool', inputs: [i ? `p${i - 1}` : 'x'], outputs: [`p${i}`],
      attrs: { kernel_shape: ints([1, 1]), strides: ints([1000, 1000]), auto_pad: { type: 'string' as const, value: 'SAME_UPPER' } },
    }));
    const { report } = profileModel(testModel({ inputs: { x: { shape: [1, 1, 1, 1] } }, outputs: ['p5'], nodes }));
    const rf = report.layers[4].receptiveField;
    assert.ok(rf && 'stride' in rf);
    assert.deepEqual(rf.stride, [1e15, 1e15]);
    assert.equal(report.layers[5].receptiveField, null);
  });

  it('the largest batch within a 2^53 − 1 byte budget is an exact batch that fits, found without one profile per batch', () => {
    const model = testModel({ inputs: { x: { shape: [1, 3, 8, 8] } }, outputs: ['y'], initializers: { w: { dims: [4, 3, 3, 3] } }, nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { group: int(1) } }] });
    const budget = Number.MAX_SAFE_INTEGER;
    const fit = largestBatchThatFits(model, budget, 'training', { optimizer: 'sgd' });
    assert.ok(typeof fit.batch === 'number' && Number.isSafeInteger(fit.batch) && fit.batch > 1, String(fit.batch));
    const at = profileModel(model, { batch: fit.batch, optimizer: 'sgd' }).report.totals;
    // At such a batch the MACs may pass 2^53 (unknown); the memory that decided the batch is known and fits.
    assert.ok(!at.partial.includes('trainingBytes'));
    assert.ok(at.trainingBytes !== null && at.trainingBytes <= budget);
  });
});

describe('human figures never print NaN, Infinity or negatives', () => {
  it('unknown, non-finite and negative values read ?', () => {
    for (const v of [null, NaN, Infinity, -Infinity, -2]) {
      assert.equal(humanBytes(v), '?');
      assert.equal(humanCount(v), '?');
    }
    assert.equal(withUnit(null, 'MACs'), '? MACs');
    assert.equal(humanBytes(3 * 2 ** 30), '3.00 GiB');
  });
});
