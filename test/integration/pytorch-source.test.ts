/**
 * PyTorch source files through the bridge (src/runtime/torch_bridge.py) with
 * Debian's python3-torch: `convlens profile model.py:Net`. Checked against
 * torch itself (its forward hooks' shapes, its parameter count) and against
 * torchvision's published ResNet-18 figures, never against ConvLens.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli';
import { pythonWith, PYTHON_TORCH_HINT } from '../helpers/python-torch';
import { tempDir } from '../helpers/temp';
import type { ProfileReport } from '../../src/core/report/profile';
import { convlensComment, convlensCommentPlace, convlensCommentText, moduleOfNode, parsePythonTarget, requiredInitArgs } from '../../src/core/pytorch/modules';
import { factoryFunctions, moduleClasses, moduleSites, modulesAt, siteAt } from '../../src/core/pytorch/source-map';
import { layerOfModules, modulesOnLine, sourceOfModule } from '../../src/core/pytorch/source-sync';

const ROOT = resolve(__dirname, '../..');
const EXAMPLES = join(ROOT, 'examples', 'pytorch');

const python = pythonWith('torch');
const SKIP = python ? false : PYTHON_TORCH_HINT;

async function profile(spec: string, ...args: string[]): Promise<ProfileReport> {
  const r = await runCli('profile', spec, '--json', '--python', python!, ...args);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ProfileReport;
}

/**
 * Every layer a leaf module owns has the shapes torch's hooks saw that module produce, call by
 * call; returns how many modules were compared.
 */
function assertShapesAsTorch(report: ProfileReport): number {
  const modules = report.pytorch!.modules;
  const paths = new Set(modules.map((m) => m.path));
  let compared = 0;
  for (const m of modules) {
    if (m.path === '' || modules.some((c) => c.path.startsWith(`${m.path}.`))) continue;
    const layers = report.layers.filter((l) => l.module === m.path);
    // BatchNorm is folded into the convolution before it by the exporter: no layer of its own.
    if (layers.length === 0) continue;
    const torchShapes = m.calls.map((c) => c.outputs[0]);
    // Each call of the module is one layer (an activation module used twice: two layers).
    assert.deepEqual(layers.map((l) => l.outputs[0].shape), torchShapes, `${m.path} (${m.type})`);
    compared++;
  }
  assert.ok(paths.size > 0);
  return compared;
}

/** Graph ↔ source: every layer goes to a line of the file (or its module's class line), and that line's modules hold it. */
function assertSourceSync(report: ProfileReport, src: string): void {
  const lines = src.split('\n');
  const modules = report.pytorch!.modules;
  for (const l of report.layers.filter((x) => x.module !== undefined)) {
    const at = sourceOfModule(src, modules, l.module!);
    assert.ok(at, `${l.name} (${l.module}) has no line`);
    const here = modulesOnLine(src, modules, at.line);
    if (at.start === 0 && at.end === 0) assert.match(lines[at.line], /^class /, `${l.module}: a class line`);
    else assert.ok(here.some((p) => l.module === p || l.module!.startsWith(`${p}.`)), `${l.module} → line ${at.line + 1}, which holds ${here.join(', ')}`);
  }
}

describe('PyTorch sources (convlens profile model.py:Net)', { skip: SKIP }, () => {
  const dir = tempDir('convlens-pysrc-');

  it('ResNet-18 written out in one file: torchvision\'s 11,689,512 parameters and 1.814 G MACs, buffers apart', async () => {
    const j = await profile(join(EXAMPLES, 'resnet18.py:ResNet18'));
    assert.equal(j.format, 'pytorch');
    assert.equal(j.totals.params, 11_689_512);
    assert.equal(j.totals.macs, 1_814_073_344);
    // 20 BatchNorm layers: running mean and variance per channel (4,800 each) plus num_batches_tracked.
    assert.equal(j.pytorch!.buffers, 2 * 4800 + 20);
    assert.ok(assertShapesAsTorch(j) >= 30);
    const conv1 = j.layers.find((l) => l.module === 'conv1')!;
    assert.deepEqual(conv1.outputs[0].shape, [1, 64, 112, 112]);
    assert.deepEqual(j.layers.find((l) => l.module === 'layer1.0.conv1')?.outputs[0].shape, [1, 64, 56, 56]);

    // Graph ↔ source: every layer goes to a line of the file, and that line's modules hold it.
    const src = readFileSync(join(EXAMPLES, 'resnet18.py'), 'utf8');
    const lines = src.split('\n');
    const modules = j.pytorch!.modules;
    assertSourceSync(j, src);
    const conv = sourceOfModule(src, modules, 'layer3.1.conv1')!;
    assert.match(lines[conv.line].slice(conv.start), /^self\.conv1 = nn\.Conv2d\(inplanes/);
    // The cursor there selects the first block's conv; on the call in forward, the same.
    assert.equal(layerOfModules(j.layers, modulesOnLine(src, modules, conv.line)), j.layers.find((l) => l.module === 'layer1.0.conv1')!.name);
    const call = lines.findIndex((t) => t.includes('self.conv1(x)') && t.includes('self.bn1'));
    assert.equal(layerOfModules(j.layers, modulesOnLine(src, modules, call)), j.layers.find((l) => l.module === 'layer1.0.conv1')!.name);
    // A block's addition belongs to the block: its Sequential entry.
    const block = sourceOfModule(src, modules, 'layer2.1')!;
    assert.match(lines[block.line], /self\.layer2 = nn\.Sequential\(/);
    assert.equal(lines[block.line].slice(block.start, block.end), 'BasicBlock');
  });

  it('LeNet-5 at the input its # convlens: line gives; a bare --input overrides it', async () => {
    const j = await profile(join(EXAMPLES, 'lenet5.py:LeNet5'));
    assert.deepEqual(j.inputs[0].shape, [1, 1, 32, 32]);
    assert.ok(assertShapesAsTorch(j) >= 7);
    // conv 6·25+6, conv 16·6·25+16, fc 400·120+120, 120·84+84, 84·10+10.
    assert.equal(j.totals.params, 156 + 2416 + 48120 + 10164 + 850);
    const big = await profile(join(EXAMPLES, 'lenet5.py:LeNet5'), '--input', '2x1x32x32');
    assert.deepEqual(big.inputs[0].shape, [2, 1, 32, 32]);
    assert.equal(big.totals.macs, 2 * j.totals.macs!);
  });

  it('a depthwise-separable net built in loops and a ModuleList, as a class and through a factory function', async () => {
    const j = await profile(join(EXAMPLES, 'mobilenet_style.py:TinyMobileNet'));
    assert.ok(assertShapesAsTorch(j) >= 10);
    const dw = j.layers.find((l) => l.module === 'blocks.0.0')!;
    assert.equal(dw.op, 'Conv');
    assert.deepEqual(dw.outputs[0].shape, [1, 32, 48, 48]);
    // Depthwise: one 3×3 filter per channel, 48·48 outputs × 32 channels × 9.
    assert.equal(dw.macs, 48 * 48 * 32 * 9);
    assertSourceSync(j, readFileSync(join(EXAMPLES, 'mobilenet_style.py'), 'utf8'));
    const f = await profile(join(EXAMPLES, 'mobilenet_style.py:tiny_mobilenet'), '--input', '1x3x96x96');
    assert.deepEqual(f.outputs[0].shape, [1, 100]);
  });

  it('a shape bug in forward: exit 2, the line of the user\'s code and PyTorch\'s message', async () => {
    const file = join(dir, 'buggy.py');
    writeFileSync(file, [
      'import torch',
      'from torch import nn',
      '',
      'class Buggy(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.conv = nn.Conv2d(3, 8, 3)',
      '        self.fc = nn.Linear(100, 10)',
      '',
      '    def forward(self, x):',
      '        x = self.conv(x).flatten(1)',
      '        return self.fc(x)',
      '',
    ].join('\n'));
    const r = await runCli('profile', `${file}:Buggy`, '--input', '1x3x8x8', '--python', python!);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /buggy\.py: line 12: the forward pass failed: RuntimeError: mat1 and mat2 shapes cannot be multiplied \(1x288 and 100x10\)/);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  });

  it('a missing target names the module classes of the file; an unknown one says so', async () => {
    const r = await runCli('profile', join(EXAMPLES, 'resnet18.py'), '--python', python!);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /name the model to build: resnet18\.py:ClassName \(module classes here: BasicBlock, ResNet18\)/);
    const u = await runCli('profile', `${join(EXAMPLES, 'resnet18.py')}:ResNet50`, '--python', python!);
    assert.match(u.stderr, /has no class or function named 'ResNet50'/);
  });

  it('no interpreter chosen and a python3 on PATH without torch: the system\'s /usr/bin/python3 builds it', async (t) => {
    if (spawnSync('/usr/bin/python3', ['-c', 'import torch']).status !== 0) return t.skip('/usr/bin/python3 has no torch here');
    // A `python3` first on PATH whose torch fails to import (as a pyenv or venv without torch would).
    const bin = join(dir, 'bin-no-torch');
    mkdirSync(join(bin, 'shadow', 'torch'), { recursive: true });
    writeFileSync(join(bin, 'shadow', 'torch', '__init__.py'), 'raise ImportError("no torch in this environment")\n');
    writeFileSync(join(bin, 'python3'), `#!/bin/sh\nPYTHONPATH='${join(bin, 'shadow')}' exec /usr/bin/python3 "$@"\n`, { mode: 0o755 });
    const saved = { path: process.env.PATH, py: process.env.CONVLENS_PYTHON };
    process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
    delete process.env.CONVLENS_PYTHON;
    try {
      const r = await runCli('profile', join(EXAMPLES, 'lenet5.py:LeNet5'), '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as ProfileReport).format, 'pytorch');
    } finally {
      process.env.PATH = saved.path;
      if (saved.py !== undefined) process.env.CONVLENS_PYTHON = saved.py;
    }
  });

  it('a Python whose torch cannot be imported: one line with how to fix it', async () => {
    // A `torch` package that fails to import, ahead of the real one on the path.
    const shadow = join(dir, 'shadow', 'torch');
    mkdirSync(shadow, { recursive: true });
    writeFileSync(join(shadow, '__init__.py'), 'raise ImportError("this torch is broken on purpose")\n');
    const before = process.env.PYTHONPATH;
    process.env.PYTHONPATH = join(dir, 'shadow');
    try {
      const r = await runCli('profile', join(EXAMPLES, 'lenet5.py:LeNet5'), '--python', python!);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /torch cannot be imported \(ImportError: this torch is broken on purpose\); install PyTorch ≥ 1\.13/);
    } finally {
      if (before === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = before;
    }
    const none = await runCli('profile', join(EXAMPLES, 'lenet5.py:LeNet5'), '--python', join(dir, 'no-such-python'));
    assert.match(none.stderr, /Python was not found/);
  });
});

describe('PyTorch source helpers', () => {
  it('model.py:Target on the command line', () => {
    assert.deepEqual(parsePythonTarget('nets/model.py:ResNet'), { file: 'nets/model.py', target: 'ResNet' });
    assert.deepEqual(parsePythonTarget('model.py'), { file: 'model.py' });
    assert.equal(parsePythonTarget('model.onnx'), undefined);
  });

  it('the # convlens: line above a class: call arguments (nested brackets, strings) and inputs', () => {
    const src = ['import torch', '', '# convlens: Net(widths=[32, 64], act=\'relu)\'), input=1x3x32x32, input=1x10', '@some.decorator', 'class Net(nn.Module):', '    pass'].join('\n');
    assert.deepEqual(convlensComment(src, 'Net'), { line: 3, args: 'widths=[32, 64], act=\'relu)\'', inputs: [[1, 3, 32, 32], [1, 10]] });
    assert.equal(convlensComment('class Net(nn.Module):\n  pass', 'Net'), undefined);
  });

  it('which classes need arguments, and where their # convlens: line goes', () => {
    const src = [
      'class A(nn.Module):',
      '    def __init__(self, inplanes: int, planes,',
      '                 stride: int = 1, *layers, act=nn.ReLU(inplace=True), **kw):',
      '        super().__init__()',
      '',
      '@register',
      'class B(nn.Module):',
      '    def __init__(self, width=(8, 16)):',
      '        pass',
      '',
      '# convlens: C(3), input=1x3x8x8',
      'class C(nn.Module):',
      '    pass',
    ].join('\n');
    assert.deepEqual(requiredInitArgs(src, 'A'), ['inplanes', 'planes']);
    assert.deepEqual(requiredInitArgs(src, 'B'), []);
    assert.deepEqual(requiredInitArgs(src, 'C'), []);
    assert.deepEqual(convlensCommentPlace(src, 'A'), { line: 0, replace: false });
    assert.deepEqual(convlensCommentPlace(src, 'B'), { line: 5, replace: false });
    assert.deepEqual(convlensCommentPlace(src, 'C'), { line: 10, replace: true });
    const line = convlensCommentText('A', 'inplanes=64, planes=64', ['1x64x56x56']);
    assert.equal(line, '# convlens: A(inplanes=64, planes=64), input=1x64x56x56');
    assert.deepEqual(convlensComment(`${line}\nclass A(nn.Module):`, 'A'), { line: 1, args: 'inplanes=64, planes=64', inputs: [[1, 64, 56, 56]] });
  });

  it('the module that owns an exported node, by its scope', () => {
    const paths = new Set(['conv1', 'layer1', 'layer1.0', 'layer1.0.conv1', 'layer1.0.relu', 'layer1.0.downsample', 'layer1.0.downsample.0', 'blocks', 'blocks.0', 'blocks.0.0']);
    assert.equal(moduleOfNode('/layer1/layer1.0/conv1/Conv', paths), 'layer1.0.conv1');
    assert.equal(moduleOfNode('/layer1/layer1.0/relu_1/Relu', paths), 'layer1.0.relu');
    assert.equal(moduleOfNode('/layer1/layer1.0/Add', paths), 'layer1.0');
    assert.equal(moduleOfNode('/blocks.0/blocks.0.0/Conv', paths), 'blocks.0.0');
    assert.equal(moduleOfNode('/layer1/layer1.0/downsample/downsample.0/Conv', paths), 'layer1.0.downsample.0');
    assert.equal(moduleOfNode('/Flatten', paths), undefined);
    assert.equal(moduleOfNode('Conv_12', paths), undefined);
    // A Sequential inside a Sequential (torchvision's MobileNetV2: features.1.conv.0 is a Conv-BN-ReLU6 Sequential).
    const nested = new Set(['features', 'features.1', 'features.1.conv', 'features.1.conv.0', 'features.1.conv.0.0', 'features.1.conv.0.2', 'features.1.conv.1']);
    assert.equal(moduleOfNode('/features/features.1/conv/conv.0/conv.0.0/Conv', nested), 'features.1.conv.0.0');
    assert.equal(moduleOfNode('/features/features.1/conv/conv.0/conv.0.2/Clip', nested), 'features.1.conv.0.2');
    assert.equal(moduleOfNode('/features/features.1/conv/conv.1/Conv', nested), 'features.1.conv.1');
  });

  it('where a source names its submodules: assignments that build them, calls in forward, and the modules each stands for', () => {
    const src = readFileSync(join(EXAMPLES, 'resnet18.py'), 'utf8');
    assert.deepEqual(moduleClasses(src).map((c) => c.name), ['BasicBlock', 'ResNet18']);
    // A subclass of any nn. class, or of a module class of the file, is a module class too; other classes are not.
    const derived = ['class Base(nn.Module):', '    pass', 'class Net(Base):', '    pass', 'class Wide(torch.nn.Conv2d):', '    pass', 'class Config(object):', '    pass'].join('\n');
    assert.deepEqual(moduleClasses(derived).map((c) => c.name), ['Base', 'Net', 'Wide']);
    const sites = moduleSites(src);
    const lines = src.split('\n');
    const conv1 = sites.find((s) => s.className === 'ResNet18' && s.attr === 'conv1' && s.kind === 'assign')!;
    assert.equal(lines[conv1.line].slice(conv1.start, conv1.end), 'self.conv1');
    assert.equal(conv1.builds, true);
    // `self.downsample = None` names the attribute but builds nothing; the Sequential below does.
    const down = sites.filter((s) => s.className === 'BasicBlock' && s.attr === 'downsample' && s.kind === 'assign');
    assert.deepEqual(down.map((s) => s.builds), [false, true]);
    assert.ok(sites.some((s) => s.className === 'BasicBlock' && s.attr === 'conv1' && s.kind === 'call'));
    assert.equal(siteAt(sites, conv1.line, conv1.start + 7), conv1);
    assert.equal(siteAt(sites, conv1.line, conv1.end + 3), undefined);
    const modules = [
      { path: '', type: 'ResNet18' }, { path: 'conv1', type: 'Conv2d' }, { path: 'layer1', type: 'Sequential' },
      { path: 'layer1.0', type: 'BasicBlock' }, { path: 'layer1.0.conv1', type: 'Conv2d' }, { path: 'layer1.1', type: 'BasicBlock' }, { path: 'layer1.1.conv1', type: 'Conv2d' },
    ];
    // nn.Sequential entries: each on its own line gets its own site and hint; entries on the assignment's line only a site.
    const entries = sites.filter((s) => s.kind === 'entry');
    assert.deepEqual(entries.filter((s) => s.className === 'BasicBlock').map((s) => [s.attr, lines[s.line].trim().slice(0, 10), s.builds]), [['downsample.0', 'nn.Conv2d(', true], ['downsample.1', 'nn.BatchNo', true]]);
    assert.deepEqual(entries.filter((s) => s.className === 'ResNet18' && s.attr.startsWith('layer1.')).map((s) => [s.attr, s.builds]), [['layer1.0', false], ['layer1.1', false]]);
    // A loop's appends to the list that becomes a ModuleList stand for all of its modules.
    const mobile = moduleSites(readFileSync(join(EXAMPLES, 'mobilenet_style.py'), 'utf8'));
    const loop = mobile.find((s) => s.kind === 'loop')!;
    // A zero-argument function that returns a module class of the file gets a CodeLens too; one with parameters does not.
    assert.deepEqual(factoryFunctions(readFileSync(join(EXAMPLES, 'mobilenet_style.py'), 'utf8')).map((f) => f.name), ['tiny_mobilenet']);
    assert.equal(loop.attr, 'blocks');
    const mods = [{ path: '', type: 'TinyMobileNet' }, { path: 'blocks', type: 'ModuleList' }, { path: 'blocks.0', type: 'Sequential' }, { path: 'blocks.0.0', type: 'Conv2d' }, { path: 'blocks.1', type: 'Sequential' }];
    assert.deepEqual(modulesAt(loop, mods).map((m) => m.path), ['blocks.0', 'blocks.1']);
    assert.deepEqual(modulesAt(conv1, modules).map((m) => m.path), ['conv1']);
    assert.deepEqual(modulesAt({ className: 'BasicBlock', attr: 'conv1' }, modules).map((m) => m.path), ['layer1.0.conv1', 'layer1.1.conv1']);
  });
});
