/**
 * torchvision models exported by PyTorch's own torch.onnx.export (Debian's
 * python3-torch and python3-torchvision; random weights, nothing downloaded).
 * The exporter writes what our own builder never does: an `Identity` for
 * every parameter whose values equal another's (a fresh network's zero
 * biases: 245 in DenseNet-121), `Constant` nodes for pads, `onnx::` names.
 * Checked against PyTorch's own parameter count, not against ConvLens.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli';
import { pythonWith } from '../helpers/python-torch';
import { tempDir } from '../helpers/temp';
import { ModelSession } from '../../src/core/report/model-session';
import type { ProfileReport } from '../../src/core/report/profile';

const ROOT = resolve(__dirname, '../..');

interface Exported {
  file: string;
  params: number;
  expected_params: number;
  ops: Record<string, number>;
}

const python = pythonWith('torch, torchvision, onnx');
const SKIP = python ? false : 'PyTorch with torchvision and onnx is not available (Debian: apt-get install python3-torch python3-torchvision python3-onnx; or set CONVLENS_PYTHON)';

describe('torchvision exports (torch.onnx.export): exporter Identity and Constant nodes are folded, not layers', { skip: SKIP }, () => {
  let models: Record<string, Exported> = {};
  before(() => {
    const dir = tempDir('convlens-torch-');
    const r = spawnSync(python!, [join(ROOT, 'test/helpers/torchvision_exports.py'), dir, 'resnet18', 'densenet121'], { encoding: 'utf8', maxBuffer: 1 << 24 });
    assert.equal(r.status, 0, r.stderr);
    models = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, Exported>;
  });

  const profile = async (name: string): Promise<ProfileReport> => {
    const r = await runCli('profile', models[name].file, '--json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as ProfileReport;
  };

  for (const name of ['resnet18', 'densenet121']) {
    it(`${name}: one layer per real node, the parameters PyTorch counts (less the folded BatchNorm scales)`, async () => {
      const m = models[name];
      const report = await profile(name);
      const forwarding = (m.ops.Identity ?? 0) + (m.ops.Constant ?? 0);
      assert.ok((m.ops.Identity ?? 0) > 0, `the exporter wrote Identity nodes into ${name}: ${JSON.stringify(m.ops)}`);
      const nodes = Object.values(m.ops).reduce((a, b) => a + b, 0);
      assert.equal(report.layers.length, nodes - forwarding);
      assert.deepEqual(report.layers.filter((l) => l.op === 'Identity' || l.op === 'Constant').map((l) => l.name), []);
      assert.equal(report.foldedNodes.length, forwarding);
      // Each Identity copy is the parameter it was in PyTorch: the layers' sum is the total.
      assert.equal(report.totals.params, m.expected_params, `PyTorch: ${m.params} parameters`);
      assert.equal(report.layers.reduce((a, l) => a + (l.params ?? 0), 0), report.totals.params);
    });
  }

  it('densenet121: a layer reading a bias through an Identity lists it as a weight (with its stored tensor), not as an input', async () => {
    const session = await ModelSession.open(models.densenet121.file);
    const data = session.view({ budgetBytes: 8 * 2 ** 30 });
    const i = data.report.layers.findIndex((l, k) => l.op === 'BatchNormalization' && data.layers[k].weights.some((w) => w.via === 'Identity'));
    assert.ok(i >= 0, 'a BatchNormalization reads a parameter through an Identity');
    const view = data.layers[i];
    assert.deepEqual(view.weights.map((w) => w.input), [1, 2, 3, 4], `scale, B, mean, var are weights: ${JSON.stringify(view.weights)}`);
    const copied = view.weights.find((w) => w.via === 'Identity')!;
    assert.match(copied.from!, /./);
    assert.equal(copied.dims.length, 1);
    // Statistics read the stored tensor behind the Identity.
    const stats = session.weightStats(i, copied.input);
    assert.equal(stats.count, copied.dims[0]);
  });
});

describe('a PyTorch export committed as a fixture (test/fixtures/torch-export-cnn.onnx, written by torch.onnx.export 1.13)', () => {
  const file = join(ROOT, 'test/fixtures/torch-export-cnn.onnx');

  it('28 layers; the 30 exporter nodes (Identity, Constant, pad arithmetic, view(x.size(0), -1)) folded; PyTorch\'s 13,298 parameters less 120 BatchNorm scales', async () => {
    const r = await runCli('profile', file, '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as ProfileReport;
    const count = (ops: string[]) => Object.fromEntries([...new Set(ops)].sort().map((op) => [op, ops.filter((o) => o === op).length]));
    assert.deepEqual(count(report.layers.map((l) => l.op)), { Add: 4, Conv: 10, GlobalAveragePool: 1, Gemm: 1, Pad: 1, Relu: 10, Reshape: 1 });
    assert.deepEqual(count(report.foldedNodes.map((n) => n.op)), {
      Cast: 1, Concat: 2, Constant: 11, ConstantOfShape: 1, Gather: 1, Identity: 8, Reshape: 2, Shape: 1, Slice: 1, Transpose: 1, Unsqueeze: 1,
    });
    assert.equal(report.totals.params, 13_298 - 120);
    // --all-nodes: every one of the file's 58 nodes is a layer again, with the same totals.
    const all = JSON.parse((await runCli('profile', file, '--json', '--all-nodes')).stdout) as ProfileReport;
    assert.equal(all.layers.length, 58);
    assert.deepEqual(all.totals, report.totals);
    // The measured run and the export have no such list: the option is refused there (exit 1, a usage error).
    const run = await runCli('profile', file, '--run', '--all-nodes');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /--all-nodes applies to the static profile, not --run/);
    assert.equal((await runCli('export', file, '-o', 'x.onnx', '--all-nodes')).code, 1);
    const table = await runCli('profile', file);
    assert.match(table.stdout, /^Layers: 28; 30 constant and shape nodes \(11 Constant, 8 Identity, 2 Concat, 2 Reshape, …\) folded into the layers that read them \(--all-nodes lists them\)$/m);
  });

  it('the details say what was folded where: a bias through an Identity, the pads and the flatten shape as constants', async () => {
    const session = await ModelSession.open(file);
    const data = session.view({ budgetBytes: 2 ** 30 }, { batchFit: 'later' });
    const view = (name: string) => data.layers[data.report.layers.findIndex((l) => l.name === name)];
    const conv = view('/layer1/layer1.0/conv2/Conv');
    assert.deepEqual(conv.weights.map((w) => [w.input, w.dims, w.via ?? '', w.from ?? '']), [[1, [8, 8, 3, 3], '', ''], [2, [8], 'Identity', 'onnx::Conv_135']]);
    assert.deepEqual(view('/Pad').constants?.map((c) => [c.input, c.value, c.via.endsWith('Transpose → Reshape → Cast')]), [[1, '[0, 0, 1, 1, 0, 0, 1, 1]', true]]);
    assert.deepEqual(view('/Reshape_2').constants?.map((c) => [c.input, c.via, c.from]), [[1, 'Shape → Gather → Unsqueeze → Concat', '/GlobalAveragePool_output_0']]);
    // The view's summary is from one profile; the batch fit follows.
    assert.equal(data.summary.largestTrainingBatch, 'pending');
    assert.equal(typeof session.batchFit({ budgetBytes: 2 ** 30 }), 'number');
  });
});
