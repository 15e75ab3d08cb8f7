/**
 * PyTorch checkpoints read natively (pytorch/checkpoint.ts, pickle.ts):
 * files written by torch.save itself (Debian's python3-torch), compared with
 * the tensor list torch reports, and pickles that would run code, which must
 * be refused without running anything.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { readCheckpoint } from '../../src/core/pytorch/checkpoint';
import { checkpointStats } from '../../src/core/pytorch/tensor-stats';
import { withFile } from '../../src/core/pytorch/zip';
import { unpickle, PickleError } from '../../src/core/pytorch/pickle';
import { ModelLoadError } from '../../src/core/errors';
import { runCli } from '../helpers/cli';
import { pythonWith, PYTHON_TORCH_HINT } from '../helpers/python-torch';
import { weightsHtml, weightsReport, type WeightsReport } from '../../src/core/report/weights';
import type { ProfileReport } from '../../src/core/report/profile';
import { tempDir } from '../helpers/temp';

const python = pythonWith('torch');
const SKIP = python ? false : PYTHON_TORCH_HINT;
const dir = tempDir('convlens-ckpt-');

/** Runs a Python script with torch; returns its stdout. */
function py(script: string): string {
  const r = spawnSync(python!, ['-c', script], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** A pickle (protocol 2) that asks for os.system('touch MARKER') when Python loads it. */
function evilPickle(marker: string): Uint8Array {
  const cmd = ascii(`touch ${marker}`);
  return new Uint8Array([0x80, 0x02, 0x63, ...ascii('os\nsystem\n'), 0x58, cmd.length, 0, 0, 0, ...cmd, 0x85, 0x52, 0x2e]);
}

describe('PyTorch checkpoints, read without running them', () => {
  it('a pickle that would run a command is refused by name, and the command never runs', () => {
    const marker = join(dir, 'pwned');
    const file = join(dir, 'evil.pth');
    writeFileSync(file, zipSync({ 'evil/data.pkl': evilPickle(marker) }, { level: 0 }));
    assert.throws(() => readCheckpoint(readFileSync(file), file), (e: unknown) => e instanceof ModelLoadError && /asks Python to import os\.system/.test(e.message));
    assert.equal(existsSync(marker), false);
  });

  it('every prefix of a real pickle is an error or a value, never a crash or a hang', () => {
    // A state_dict-like pickle: OrderedDict with one tensor, as torch writes it (protocol 2).
    const pkl = new Uint8Array([
      0x80, 0x02, 0x63, ...ascii('collections\nOrderedDict\n'), 0x71, 0x00, 0x29, 0x52, 0x71, 0x01, 0x28,
      0x58, 1, 0, 0, 0, ...ascii('w'), 0x63, ...ascii('torch._utils\n_rebuild_tensor_v2\n'), 0x28,
      0x28, 0x58, 7, 0, 0, 0, ...ascii('storage'), 0x63, ...ascii('torch\nFloatStorage\n'), 0x58, 1, 0, 0, 0, ...ascii('0'), 0x58, 3, 0, 0, 0, ...ascii('cpu'), 0x4b, 6, 0x74, 0x51,
      0x4b, 0, 0x4b, 2, 0x4b, 3, 0x86, 0x4b, 3, 0x4b, 1, 0x86, 0x89, 0x68, 0x00, 0x29, 0x52, 0x74, 0x52,
      0x75, 0x2e,
    ]);
    const whole = unpickle(pkl) as { kind: 'dict'; entries: [unknown, { shape: number[] }][] };
    assert.deepEqual(whole.entries[0][1].shape, [2, 3]);
    for (let cut = 0; cut < pkl.length; cut++) {
      assert.throws(() => unpickle(pkl.subarray(0, cut)), PickleError, `cut at ${cut}`);
    }
  });

  it('a state_dict from torch.save: exactly the tensors torch lists, in order, with shapes and dtypes', { skip: SKIP }, () => {
    const listed = JSON.parse(py(`
import json, torch
from torch import nn
m = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 30 * 30, 10))
sd = m.state_dict()
sd['extra.half'] = torch.zeros(4, 5, dtype=torch.float16)
sd['extra.bf16'] = torch.zeros(3, dtype=torch.bfloat16)
sd['extra.view'] = sd['4.weight'][:, ::2]
sd['extra.scalar'] = torch.tensor(7, dtype=torch.int32)
torch.save(sd, 'sd.pth')
print(json.dumps([[k, list(v.shape), str(v.dtype).replace('torch.', '')] for k, v in sd.items()]))
`)) as [string, number[], string][];
    const ck = readCheckpoint(readFileSync(join(dir, 'sd.pth')), 'sd.pth');
    assert.deepEqual(ck.tensors.map((t) => [t.name, t.shape, t.dtype]), listed);
    assert.deepEqual(ck.warnings, []);
    const bn = ck.tensors.find((t) => t.name === '1.num_batches_tracked')!;
    assert.equal(bn.dtype, 'int64');
    assert.equal(ck.tensors.find((t) => t.name === 'extra.half')!.bytes, 40);
  });

  it('a training checkpoint: tensors by their path in the saved dict, plain values beside them', { skip: SKIP }, () => {
    py(`
import torch
from torch import nn
m = nn.Linear(4, 2)
opt = torch.optim.Adam(m.parameters())
m(torch.zeros(1, 4)).sum().backward(); opt.step()
torch.save({'epoch': 3, 'arch': 'linear', 'model': m.state_dict(), 'optimizer': opt.state_dict()}, 'train.pt')
`);
    const ck = readCheckpoint(readFileSync(join(dir, 'train.pt')), 'train.pt');
    assert.deepEqual(ck.tensors.filter((t) => t.name.startsWith('model.')).map((t) => t.name), ['model.weight', 'model.bias']);
    assert.ok(ck.tensors.some((t) => /^optimizer\.state\.0\.exp_avg$/.test(t.name)), ck.tensors.map((t) => t.name).join(', '));
    assert.ok(ck.values.some((v) => v.name === 'epoch' && v.value === '3'));
    assert.ok(ck.values.some((v) => v.name === 'arch' && v.value === 'linear'));
  });

  it('torch.save of an object that would run code: refused, and its payload never runs', { skip: SKIP }, () => {
    const marker = join(dir, 'ran');
    py(`
import os, torch
class Evil:
    def __reduce__(self):
        return (os.system, ('touch ${marker}',))
torch.save({'w': torch.zeros(2), 'x': Evil()}, 'evil2.pth')
`);
    assert.equal(existsSync(marker), false, 'saving must not run it either');
    assert.throws(() => readCheckpoint(readFileSync(join(dir, 'evil2.pth')), 'evil2.pth'), /asks Python to import (posix|nt)\.system/);
    assert.equal(existsSync(marker), false);
  });

  it('legacy files are named, with what to do; a TorchScript archive\'s weights read natively, exactly as torch.jit.load lists them', { skip: SKIP }, () => {
    const listed = JSON.parse(py(`
import json, torch
from torch import nn
torch.save({'w': torch.zeros(2)}, 'legacy.pth', _use_new_zipfile_serialization=False)
net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Sequential(nn.Flatten(), nn.Linear(8, 2)))
torch.jit.save(torch.jit.script(net), 'script.pt')
m = torch.jit.load('script.pt')
print(json.dumps([[k, list(v.shape), str(v.dtype)] for k, v in m.state_dict().items()]))
`)) as [string, number[], string][];
    assert.throws(() => readCheckpoint(readFileSync(join(dir, 'legacy.pth')), 'legacy.pth'), /legacy format/);
    const ck = withFile(join(dir, 'script.pt'), (src) => readCheckpoint(src, 'script.pt'));
    assert.equal(ck.kind, 'torchscript');
    assert.deepEqual(ck.tensors.map((t) => [t.name, t.shape, `torch.${t.dtype}`]), listed);
    assert.deepEqual(ck.values, [], 'a TorchScript module\'s own attributes are not values saved beside the weights');
  });

  it('statistics of every tensor equal torch\'s (float32/16, bfloat16, int8, bool, strided views, an offset slice, NaN), also from a re-zipped ZIP64 archive', { skip: SKIP }, () => {
    const expected = JSON.parse(py(`
import json, math, zipfile, torch
torch.manual_seed(0)
base = torch.randn(10, 6) * 3 + 1
sd = {
  'f32': torch.randn(64, 3, 3, 3) * 0.1,
  'f16': (torch.randn(300) * 2).half(),
  'bf16': torch.randn(50).bfloat16(),
  'i8': torch.randint(-128, 127, (40,), dtype=torch.int8),
  'flags': torch.tensor([True, False, True]),
  'transposed': base.t(),
  'slice': base[3:7],
  'columns': base[:, 1:4],
  'nan': torch.tensor([1.0, float('nan'), 3.0, 0.0, float('inf')]),
  'one': torch.tensor([2.5]),
}
torch.save(sd, 'mixed.pth')
# The same archive re-zipped: deflated records, ZIP64 records and directory.
with zipfile.ZipFile('mixed.pth') as src, zipfile.ZipFile('rezipped.pth', 'w', zipfile.ZIP_DEFLATED) as dst:
    for info in src.infolist():
        with dst.open(info.filename, 'w', force_zip64=True) as f:
            f.write(src.read(info.filename))
out = {}
for k, v in sd.items():
    d = v.double()
    finite = d[torch.isfinite(d)]
    std = finite.std().item() if finite.numel() > 1 else None
    out[k] = [finite.mean().item(), std, finite.min().item(), finite.max().item(), int((v == 0).sum()), int((~torch.isfinite(d)).sum())]
print(json.dumps(out))
`)) as Record<string, [number, number | null, number, number, number, number]>;
    for (const file of ['mixed.pth', 'rezipped.pth']) {
      const results = withFile(join(dir, file), (src) => checkpointStats(src, readCheckpoint(src, file)));
      assert.deepEqual(results.map((r) => r.name), Object.keys(expected), file);
      for (const r of results) {
        assert.ok('stats' in r, `${file} ${r.name}: ${'skipped' in r ? r.skipped : ''}`);
        const [mean, std, min, max, zeros, nonFinite] = expected[r.name];
        const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${file} ${r.name} ${what}: ${a} vs torch ${b}`);
        close(r.stats.mean, mean, 'mean');
        if (std === null) assert.ok(Number.isNaN(r.stats.std), `${r.name}: one value has no std`);
        else close(r.stats.std, std, 'std');
        close(r.stats.min, min, 'min');
        close(r.stats.max, max, 'max');
        assert.equal(r.stats.zeros, zeros, `${file} ${r.name} zeros`);
        assert.equal(r.stats.nonFinite, nonFinite, `${file} ${r.name} non-finite`);
      }
    }
  });

  it('a TorchScript archive profiles through Python (torch.jit.load, then the export): torch\'s counts, the graph\'s shapes', { skip: SKIP }, async () => {
    py(`
import torch
from torch import nn
torch.jit.save(torch.jit.script(nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())), 'conv.pt')
`);
    const r = await runCli('profile', join(dir, 'conv.pt'), '--input', '1x3x8x8', '--json', '--python', python!);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as ProfileReport;
    assert.equal(j.format, 'pytorch');
    // Conv 8·3·9 + 8, BatchNorm 8 + 8 (its running statistics are buffers: 8 + 8 + 1).
    assert.equal(j.totals.params, 216 + 8 + 16);
    assert.equal(j.pytorch!.buffers, 17);
    assert.deepEqual(j.outputs[0].shape, [1, 8, 6, 6]);
    assert.equal(j.totals.macs, 6 * 6 * 8 * 3 * 9);
  });

  it('convlens profile model.pth: the weights table and --json; model options are a usage error', { skip: SKIP }, async () => {
    py(`
import torch
from torch import nn
torch.save(nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16)).state_dict(), 'small.pth')
`);
    const file = join(dir, 'small.pth');
    const table = await runCli('profile', file);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /0\.weight\s+16×3×3×3\s+float32\s+432\s+1\.7 KiB/);
    const j = JSON.parse((await runCli('profile', file, '--json')).stdout) as WeightsReport;
    assert.equal(j.format, 'pytorch-checkpoint');
    // conv 432 + 16, BatchNorm weight, bias, running mean and var 4 × 16, num_batches_tracked 1.
    assert.equal(j.totals.elements, 432 + 16 + 64 + 1);
    const stats = await runCli('profile', file, '--stats', '--csv');
    assert.equal(stats.code, 0, stats.stderr);
    assert.match(stats.stdout, /^name,shape,dtype,elements,bytes,mean,std,min,max,zeros\n/);
    // BatchNorm's running mean starts at zeros: 16 of 16.
    assert.match(stats.stdout, /\n1\.running_mean,16,float32,16,64,0,0,0,0,16\n/);
    const notTorch = await runCli('profile', join(__dirname, '..', '..', 'examples', 'resnet18.cnn.yaml'), '--stats');
    assert.equal(notTorch.code, 1);
    assert.match(notTorch.stderr, /--stats applies to a PyTorch checkpoint/);
    const usage = await runCli('profile', file, '--input', '1x3x8x8');
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /--input applies to a model; small\.pth is a PyTorch checkpoint/);
  });

  it('a state_dict torch wrote, kept in the repository: its tensors, and a page that escapes every name', () => {
    const fixture = join(__dirname, '..', 'fixtures', 'small-state-dict.pth');
    const r = weightsReport(readCheckpoint(readFileSync(fixture), fixture));
    // nn.Sequential(Conv2d(3, 16, 3), BatchNorm2d(16), ReLU(), Conv2d(16, 32, 3, groups=2), Flatten(), Linear(512, 10)):
    // 7,946 parameters and 33 buffer elements (running mean and var, num_batches_tracked).
    assert.deepEqual(r.tensors.map((t) => t.name), ['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked', '3.weight', '3.bias', '5.weight', '5.bias']);
    assert.equal(r.totals.elements, 7946 + 33);
    assert.deepEqual(r.tensors.find((t) => t.name === '3.weight')!.shape, [32, 8, 3, 3]);
    const hostile = { ...r, tensors: [{ ...r.tensors[0], name: '<img src=x onerror=alert(1)>.w\u202e' }], groups: [{ module: '<img src=x onerror=alert(1)>', tensors: 1, elements: 1, bytes: 4 }] };
    const html = weightsHtml(hostile, 'a<b>.pth', 'NONCE');
    assert.ok(!html.includes('<img'), 'a model string became markup');
    assert.ok(!html.includes('<script'), 'the page has no scripts');
    assert.ok(!html.includes('\u202e'), 'a bidi override reached the page');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'nonce-NONCE'"/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  });
});
