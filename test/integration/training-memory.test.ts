/**
 * Training memory against PyTorch's own accounting: what autograd saves in one train-mode forward
 * pass (saved-tensor hooks, each storage once) + parameters + gradients + Adam's two moments, in
 * Debian's torch, on torchvision's models (test/helpers/torch_training_memory.py). ConvLens must
 * come within 10 % (issue 17); it prints how close it came.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { PYTHON_TORCH_HINT, pythonWith } from '../helpers/python-torch';
import { runCli } from '../helpers/cli';
import type { ProfileReport } from '../../src/core/report/profile';

const ROOT = resolve(__dirname, '../..');
const python = pythonWith('torchvision');
const SKIP = python ? false : PYTHON_TORCH_HINT.replace('PyTorch is', 'PyTorch (with torchvision) is');
const TORCHVISION_SOURCE = join(ROOT, 'test', 'fixtures', 'pytorch', 'torchvision_models.py');

interface Kept {
  keptBytes: number;
  savedBytes: number;
}

/** What torch keeps for `model` (a torchvision name) at `input`. */
function torchKeeps(model: string, input: string, ...extra: string[]): Kept {
  const r = spawnSync(python!, [join(ROOT, 'test', 'helpers', 'torch_training_memory.py'), '--model', model, '--input', input, ...extra], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Kept;
}

async function profile(...args: string[]): Promise<ProfileReport> {
  const source = args[0].includes('.py:') ? ['--python', python!] : [];
  const r = await runCli('profile', ...args, '--optimizer', 'adam', '--json', ...source);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ProfileReport;
}

function within10(ours: number | null, theirs: number, what: string): void {
  assert.ok(ours !== null, `${what}: unknown`);
  const off = (ours - theirs) / theirs;
  console.log(`# ${what}: ConvLens ${(ours / 2 ** 20).toFixed(1)} MiB, PyTorch ${(theirs / 2 ** 20).toFixed(1)} MiB (${(off * 100).toFixed(2)} %)`);
  assert.ok(Math.abs(off) <= 0.1, `${what}: ${(off * 100).toFixed(1)} % from PyTorch`);
}

describe('training memory: definitions against torchvision in torch', { skip: SKIP }, () => {
  for (const [file, model] of [['resnet18.cnn.yaml', 'resnet18'], ['mobilenet-v2.cnn.yaml', 'mobilenet_v2']]) {
    for (const batch of [16, 32]) {
      it(`${file} at batch ${batch} against torchvision's ${model}`, async () => {
        const ours = await profile(join(ROOT, 'examples', file), '--batch', String(batch));
        within10(ours.totals.trainingBytes, torchKeeps(model, `${batch}x3x224x224`).keptBytes, `${file} b${batch}`);
        // The peak adds backward's largest transient, never less than what is kept.
        assert.ok(ours.totals.trainingPeakBytes! > ours.totals.trainingBytes!);
        assert.equal(ours.layers.reduce((a, l) => a + (l.savedBytes ?? 0), 0), ours.training.savedBytes);
      });
    }
  }

  it('activation checkpointing: ResNet-18 with its third stage checkpointed', async () => {
    const plain = await profile(join(ROOT, 'examples', 'resnet18.cnn.yaml'), '--batch', '16');
    const ours = await profile(join(ROOT, 'examples', 'resnet18.cnn.yaml'), '--batch', '16', '--checkpoint', 'conv4_*');
    within10(ours.totals.trainingBytes, torchKeeps('resnet18', '16x3x224x224', '--checkpoint', 'layer3').keptBytes, 'resnet18.cnn.yaml b16, conv4_* checkpointed');
    assert.ok(ours.totals.trainingBytes! < plain.totals.trainingBytes!);
    assert.deepEqual(ours.training.checkpoint.map((c) => [c.prefix, c.layers]), [['conv4_*', 15]]);
  });
});

describe('training memory: PyTorch sources are measured in torch', { skip: SKIP }, () => {
  for (const model of ['resnet18', 'mobilenet_v2']) {
    for (const batch of [4, 8]) {
      it(`torchvision_models.py:${model} at batch ${batch}`, async () => {
        const input = `${batch}x3x224x224`;
        const ours = await profile(`${TORCHVISION_SOURCE}:${model}`, '--input', input);
        within10(ours.totals.trainingBytes, torchKeeps(model, input).keptBytes, `${model}.py b${batch}`);
        assert.ok(ours.training.measured, 'measured in torch');
        // The estimate for the export (BatchNorm folded) is shown beside it, with how far apart they are.
        assert.ok(ours.training.notes.some((n) => /^measured in torch .*estimate for the ONNX export is .* \(−\d+\.\d %\)/.test(n)), ours.training.notes.join('\n'));
        // Where they differ: the BatchNorm modules the export folded away keep their inputs in torch.
        assert.equal(ours.training.measured.modules[0].type, 'BatchNorm2d');
        assert.equal(ours.training.measured.modules[0].estimatedBytes, 0);
      });
    }
  }

  it('measuring leaves the user\'s model as it was: mode, BatchNorm statistics, gradients, no graph kept', () => {
    const script = `
import importlib.util, json, sys, torch
spec = importlib.util.spec_from_file_location('bridge', sys.argv[1]); bridge = importlib.util.module_from_spec(spec); spec.loader.exec_module(bridge)
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(inplace=True), torch.nn.Dropout(0.5)).eval()
m[0].weight.grad = torch.ones_like(m[0].weight)
before = {k: v.clone() for k, v in m.state_dict().items()}
r = bridge.training_memory(torch, m, torch.randn(2, 3, 8, 8), 'adam')
after = m.state_dict()
print(json.dumps({
  'same': all(torch.equal(before[k], after[k]) for k in before),
  'eval': not any(x.training for x in m.modules()),
  'grad': bool(torch.equal(m[0].weight.grad, torch.ones_like(m[0].weight))) and m[1].weight.grad is None,
  'released': r['graphReleased'],
  'saved': r['savedBytes'],
}))`;
    const r = spawnSync(python!, ['-c', script, join(ROOT, 'src', 'runtime', 'torch_bridge.py')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { same: boolean; eval: boolean; grad: boolean; released: boolean; saved: number };
    assert.deepEqual({ same: out.same, eval: out.eval, grad: out.grad, released: out.released }, { same: true, eval: true, grad: true, released: true });
    // The train-mode pass did keep tensors (input, conv weight, BN input and statistics, ReLU result, dropout mask).
    assert.ok(out.saved > 0);
  });

  it('a checkpointed module is measured checkpointed', async () => {
    const ours = await profile(`${TORCHVISION_SOURCE}:resnet18`, '--input', '4x3x224x224', '--checkpoint', 'layer3');
    assert.equal(ours.training.measured?.keptBytes, torchKeeps('resnet18', '4x3x224x224', '--checkpoint', 'layer3').keptBytes);
  });
});
