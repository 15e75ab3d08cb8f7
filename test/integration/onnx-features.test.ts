/**
 * ONNX features beyond plain graphs, through real files and the CLI:
 * external data, model-local functions, unknown operators.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../../src/core/onnx/builder';
import { encodeOnnx, externalizeInitializers } from '../../src/core/onnx/writer';
import type { FunctionDef, Model } from '../../src/core/ir';
import { runCli } from '../helpers/cli';
import * as zoo from '../helpers/zoo';
import { loadModelFileSync } from '../../src/core/loaders/index';
import { profileModel, type ProfileReport } from '../../src/core/report/profile';
import { tensorNumbers } from '../../src/core/tensor-data';
import { convReshape } from '../helpers/zoo';
import { tempDir } from '../helpers/temp';

let dir: string;

function save(name: string, model: Model): string {
  const path = join(dir, name);
  writeFileSync(path, encodeOnnx(model));
  return path;
}

async function json(path: string, ...args: string[]): Promise<ProfileReport> {
  const r = await runCli('profile', path, '--json', ...args);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ProfileReport;
}

describe('ONNX features', () => {
  before(() => {
    dir = tempDir('convlens-features-');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('external data: weights stay in the side file; small constants are read from it lazily', async () => {
    const { model, chunks } = externalizeInitializers(convReshape(), 'ext.onnx.data', { sizeThreshold: 0, align: 64 });
    writeFileSync(join(dir, 'ext.onnx.data'), Buffer.concat(chunks));
    const j = await json(save('ext.onnx', model));
    assert.equal(j.totals.params, 8 * 3 * 9 + 8);
    // The Reshape target [1, -1] lives in the side file: folding read it.
    assert.deepEqual(j.outputs[0].shape, [1, 8 * 16 * 16]);
    assert.equal(j.layers[0].macs, 8 * 16 * 16 * 27);
  });

  it('external data: a missing side file is named in a warning, not a crash', async () => {
    const { model } = externalizeInitializers(convReshape(), 'gone.onnx.data', { sizeThreshold: 0 });
    const j = await json(save('gone.onnx', model));
    // Dims are in the model file, so counts still work; the Reshape target cannot be read.
    assert.equal(j.totals.params, 8 * 3 * 9 + 8);
    assert.equal(j.outputs[0].shape!.length, 2);
    assert.ok(j.warnings.includes('external data file \'gone.onnx.data\' is missing: weight values cannot be read (shapes and counts do not need them)'), j.warnings.join('\n'));
  });

  it('large files are read in ranges: same graph and report, weights read from the file on demand', () => {
    const path = save('resnet18.onnx', zoo.resnet18());
    const whole = loadModelFileSync(path, { rangeReadAbove: Infinity });
    const ranged = loadModelFileSync(path, { rangeReadAbove: 0 });
    assert.deepEqual(profileModel(ranged.model).report, profileModel(whole.model).report);
    let compared = 0;
    for (const name of whole.model.graph.initializers) {
      const a = whole.model.graph.values.get(name)!.data!;
      const b = ranged.model.graph.values.get(name)!.data!;
      assert.equal(a.storage.kind, 'raw');
      // Big weights stay in the file; small tensors (≤ 4 KiB, e.g. biases) are kept inline.
      const big = a.storage.kind === 'raw' && a.storage.bytes.length > 4096;
      assert.equal(b.storage.kind, big ? 'external' : 'raw', name);
      if (compared++ % 7 === 0) {
        assert.deepEqual(tensorNumbers(b, ranged.readExternal), tensorNumbers(a), name);
      }
    }
    assert.ok(compared > 40);
  });

  it('a truncated large file gives a one-line error from the ranged reader', async () => {
    const bytes = encodeOnnx(zoo.resnet18({ weights: 'zeros' }));
    const path = join(dir, 'cut.onnx');
    writeFileSync(path, bytes.subarray(0, bytes.length - 1000));
    assert.throws(() => loadModelFileSync(path, { rangeReadAbove: 0 }), /^ModelLoadError: cut\.onnx: truncated at byte/);
    const r = await runCli('profile', path); // 46 MB: above the CLI's range-read size
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^convlens: cut\.onnx: truncated at byte [\d,]+: a field at byte [\d,]+ needs [\d,]+ more bytes\n$/);
  });

  it('model-local functions: shapes through the body, MACs summed over it', async () => {
    const fn: FunctionDef = {
      name: 'ConvRelu', domain: 'local', inputs: ['X', 'W'], outputs: ['Y'], attributes: [], attributeDefaults: {},
      opset: { '': 17 },
      nodes: [
        { name: 'c', opType: 'Conv', domain: '', attributes: { pads: { type: 'ints', value: [1, 1, 1, 1] } }, inputs: ['X', 'W'], outputs: ['T'] },
        { name: 'r', opType: 'Relu', domain: '', attributes: {}, inputs: ['T'], outputs: ['Y'] },
      ],
    };
    const b = new GraphBuilder('fn', { opsets: { local: 1 } });
    b.input('x', 'float32', [1, 4, 8, 8]);
    const w = b.initializer('w', 'float32', [6, 4, 3, 3], 'random');
    b.addFunction(fn);
    b.node('ConvRelu', ['x', w], {}, 1, { name: 'block', domain: 'local' });
    b.output(undefined, { name: 'y' });
    const j = await json(save('fn.onnx', b.build()));
    assert.deepEqual(j.outputs[0].shape, [1, 6, 8, 8]);
    assert.equal(j.layers[0].op, 'ConvRelu');
    assert.equal(j.layers[0].macs, 6 * 8 * 8 * 4 * 9);
    assert.equal(j.layers[0].params, 6 * 4 * 9);
  });

  it('an unknown operator warns once and the rest of the graph still gets shapes', async () => {
    const b = new GraphBuilder('unknown');
    b.input('x', 'float32', [1, 3, 8, 8]);
    b.conv({ name: 'conv', outChannels: 4, kernel: 3 });
    const [mystery] = b.node('MysteryOp', [b.last], {}, 1, { name: 'mystery', domain: 'com.example' });
    b.conv(mystery, { name: 'conv2', outChannels: 4, kernel: 1, inChannels: 4 });
    b.node('Relu', ['x'], {}, 1, { name: 'side' });
    b.output(undefined, { name: 'side_out' });
    const j = await json(save('unknown.onnx', b.build()));
    assert.ok(j.warnings.some((w) => /unknown operator com\.example:MysteryOp/.test(w)), j.warnings.join('\n'));
    assert.deepEqual(j.layers[0].outputs[0].shape, [1, 4, 6, 6]);
    assert.equal(j.layers[1].outputs[0].shape, null);
    assert.deepEqual(j.outputs[0].shape, [1, 3, 8, 8]);
  });
});
