/** The CLI's contract: options, and the exact `--json` structure of README. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GraphBuilder } from '../../src/core/onnx/builder';
import { encodeOnnx } from '../../src/core/onnx/writer';
import { runCli } from '../helpers/cli';
import type { ProfileReport } from '../../src/core/report/profile';
import { onnxNodeModelPath } from '../helpers/onnx-node-fixtures';

const CONV = onnxNodeModelPath('test_conv_with_strides_padding');

describe('convlens profile', () => {
  it('--json has exactly the documented keys', async () => {
    const r = await runCli('profile', CONV, '--json');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as ProfileReport;
    assert.deepEqual(Object.keys(j), ['format', 'opset', 'layout', 'inputs', 'outputs', 'totals', 'layers', 'foldedNodes', 'training', 'warnings']);
    assert.equal(j.format, 'onnx');
    assert.equal(j.opset, 22);
    assert.equal(j.layout, 'NCHW');
    assert.deepEqual(Object.keys(j.totals), ['params', 'paramBytes', 'macs', 'flops', 'activationBytes', 'peakActivationBytes', 'trainingBytes', 'trainingPeakBytes', 'partial']);
    // Every figure is known here: no total leaves anything out.
    assert.deepEqual(j.totals.partial, []);
    assert.equal(j.layers.length, 1);
    assert.deepEqual(Object.keys(j.layers[0]), ['name', 'op', 'inputs', 'outputs', 'params', 'macs', 'flops', 'receptiveField', 'activationBytes', 'savedBytes']);
    assert.deepEqual(j.inputs, [
      { name: 'x', shape: [1, 1, 7, 5], dtype: 'float32' },
      { name: 'W', shape: [1, 1, 3, 3], dtype: 'float32' },
    ]);
    // ONNX's own test: 7×5 input, 3×3 kernel, pads 1, strides 2 → 4×3 (test_conv_with_strides_padding).
    assert.deepEqual(j.outputs, [{ name: 'y', shape: [1, 1, 4, 3], dtype: 'float32' }]);
    // 12 outputs × 1 input channel × 9 = 108 MACs; W is a graph input here, so no params.
    assert.equal(j.layers[0].macs, 108);
    assert.equal(j.layers[0].flops, 216);
    assert.equal(j.totals.params, 0);
    assert.deepEqual(Object.keys(j.training), ['optimizer', 'mixedPrecision', 'savedBytes', 'savedWeightBytes', 'paramBytes', 'gradientBytes', 'optimizerStateBytes', 'keptBytes', 'transientBytes', 'transientLayer', 'peakBytes', 'checkpoint', 'assumedOps', 'notes']);
    // Backward keeps the Conv's two operands: x (1·1·7·5 floats = 140 B) and W (36 B).
    assert.equal(j.training.savedBytes, 176);
    assert.equal(j.layers[0].savedBytes, 176);
  });

  it('--input overrides a shape and --batch sets the first dim', async () => {
    const r = await runCli('profile', CONV, '--json', '--input', 'x=1x1x9x9', '--batch', '4');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as ProfileReport;
    // (9 + 2 − 3)/2 + 1 = 5
    assert.deepEqual(j.outputs[0].shape, [4, 1, 5, 5]);
    assert.equal(j.totals.macs, 4 * 25 * 9);
  });

  it('symbolic dims stay strings and a warning says they count as 1', async () => {
    const r = await runCli('profile', CONV, '--json', '--input', 'x=Nx1x7x5');
    const j = JSON.parse(r.stdout) as ProfileReport;
    assert.deepEqual(j.outputs[0].shape, ['N', 1, 4, 3]);
    assert.equal(j.totals.macs, 108);
    assert.ok(j.warnings.some((w: string) => /'N' taken as 1/.test(w)), j.warnings.join('\n'));
  });

  it('--csv and --markdown', async () => {
    const csv = await runCli('profile', CONV, '--csv');
    assert.equal(csv.stdout.split('\n')[0], 'index,name,op,output_shape,params,macs,flops,rf_size,rf_stride,rf_offset,activation_bytes');
    assert.match(csv.stdout.split('\n')[1], /^1,Conv_0,Conv,1x1x4x3,0,108,216,/);
    const md = await runCli('profile', CONV, '--markdown');
    assert.match(md.stdout, /^\| # \| Layer \| Op \|/);
    assert.match(md.stdout, /\| 1 \| Conv_0 \| Conv \| 1×1×4×3 \|/);
  });

  it('--html: one self-contained page, the same report the extension exports', async () => {
    const r = await runCli('profile', CONV, '--html');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^<!DOCTYPE html>/i);
    assert.match(r.stdout, /<title>[^<]*test_conv_with_strides_padding|<title>model\.onnx/);
    assert.match(r.stdout, />Conv_0</);
    assert.doesNotMatch(r.stdout, /<script|https?:\/\/(?!www\.w3\.org)/);
    assert.match((await runCli('profile', CONV, '--html', '--json')).stderr, /choose one of --json, --csv, --markdown, --html/);
  });

  it('--budget prints the largest training batch that fits', async () => {
    // SGD, no params. Kept: x (140 B per sample) and W (a graph input, not batched: 36 B once), both
    // saved by the Conv; the peak adds backward's buffer for y's gradient (48 B per sample): 188 B per sample.
    // 1000 B → 5 samples: 5·188 + 36 = 976 B (6 would need 1,164 B).
    const r = await runCli('profile', CONV, '--json', '--optimizer', 'sgd', '--budget', '1000');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Largest training batch within 1000 B: 5 \(976 B; 188 B per sample\)\n$/);
    assert.match((await runCli('profile', CONV, '--budget', 'lots')).stderr, /cannot read 'lots' as a size/);
  });

  it('usage errors exit 1 with a message; option values that cannot be used exit 2', async () => {
    assert.equal((await runCli()).code, 1);
    assert.equal((await runCli('profile', CONV, '--batch', '0')).code, 2);
    assert.equal((await runCli('profile', CONV, '--batch', '9007199254740993')).code, 2);
    assert.match((await runCli('profile', CONV, '--batch', 'x')).stderr, /^convlens: --batch: expected a positive integer below 2\^53, got 'x'\n$/);
    assert.match((await runCli('profile', CONV, '--input', 'nonsense')).stderr, /NAME=DIMS/);
    assert.match((await runCli('profile', CONV, '--json', '--csv')).stderr, /choose one/);
    assert.equal((await runCli('--help')).code, 0);
  });

  it('a Keras / TF.js layers model: layout NHWC, the open batch N; --batch and --input (NHWC) bind it', async () => {
    const TFJS = join(__dirname, '../../examples/tfjs-cnn/model.json');
    const j = JSON.parse((await runCli('profile', TFJS, '--json')).stdout) as ProfileReport;
    assert.equal(j.layout, 'NHWC');
    assert.deepEqual(j.inputs[0].shape, ['N', 32, 32, 3]);
    assert.deepEqual(j.layers.find((l) => l.op === 'Conv')?.outputs[0].shape, ['N', 32, 32, 16]);
    assert.ok(j.warnings.some((w: string) => /'N' taken as 1/.test(w)), j.warnings.join('\n'));
    const b = JSON.parse((await runCli('profile', TFJS, '--json', '--batch', '8')).stdout) as ProfileReport;
    assert.deepEqual(b.inputs[0].shape, [8, 32, 32, 3]);
    assert.equal(b.totals.macs, 8 * j.totals.macs!);
    const i = JSON.parse((await runCli('profile', TFJS, '--json', '--input', `${j.inputs[0].name}=2x64x64x3`)).stdout) as ProfileReport;
    assert.deepEqual(i.layers.find((l) => l.op === 'Conv')?.outputs[0].shape, [2, 64, 64, 16]);
    const table = (await runCli('profile', TFJS)).stdout;
    assert.match(table, /N×32×32×3 float32\n.*\nShapes: NHWC/);
  });

  it('stops quietly when the reader of its output goes away (| head)', async () => {
    // 3,000 layers: a table far larger than a pipe's buffer, so the CLI is still writing when the reader leaves.
    const b = new GraphBuilder('long', { weights: 'none' });
    b.input('x', 'float32', [1, 3, 8, 8]);
    for (let i = 0; i < 3000; i++) b.relu();
    b.output();
    const dir = mkdtempSync(join(tmpdir(), 'convlens-epipe-'));
    const big = join(dir, 'long.onnx');
    writeFileSync(big, encodeOnnx(b.build()));
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '../../src/cli.ts'), 'profile', big], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Like `head -1`: read the first chunk, then close the pipe while the CLI still has lines to write.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((done) => child.on('close', done));
    rmSync(dir, { recursive: true, force: true });
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });

  it('warns about an --input that names no input', async () => {
    const j = JSON.parse((await runCli('profile', CONV, '--json', '--input', 'image=1x3x9x9')).stdout) as ProfileReport;
    assert.ok(j.warnings.some((w: string) => /'image', which is not an input/.test(w)));
  });
});
