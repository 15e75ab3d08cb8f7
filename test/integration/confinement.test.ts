/**
 * Files a model names beside itself are read only from inside its real
 * folder, and only when they are regular files (issue #11): a symbolic link
 * out of the folder is refused like `../`, a FIFO never blocks, and an
 * export never writes over its own input or leaves half a file.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeOnnx, externalizeInitializers } from '../../src/core/onnx/writer';
import type { ProfileReport } from '../../src/core/report/profile';
import { runCli } from '../helpers/cli';
import { assertClean } from '../helpers/hostile';
import { smallCnn } from '../helpers/tfjs-graph-fixtures';
import { convReshape } from '../helpers/zoo';
import { tempDir } from '../helpers/temp';

const SECRET = 'CONVLENS-SECRET-MARKER-1f2e3d';
let root: string;
let outside: string;

/** A model folder whose external data file is `location`; returns the model path. */
function modelWithExternal(folder: string, location: string): string {
  const dir = join(root, folder);
  mkdirSync(dir, { recursive: true });
  const { model } = externalizeInitializers(convReshape(), location, { sizeThreshold: 0 });
  const path = join(dir, 'model.onnx');
  writeFileSync(path, encodeOnnx(model));
  return path;
}

const mkfifo = (path: string) => assert.equal(spawnSync('mkfifo', [path]).status, 0, 'mkfifo');

describe('side files stay inside the model folder', () => {
  before(() => {
    root = tempDir('convlens-confine-');
    outside = join(root, 'secret.bin');
    // Big enough for every external tensor, so only the confinement can stop the read.
    writeFileSync(outside, Buffer.concat([Buffer.from(SECRET), Buffer.alloc(8192, 1)]));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('an external-data file that is a link to a file outside: not read, a warning, and export refuses to copy it', async () => {
    const path = modelWithExternal('link-file', 'w.bin');
    symlinkSync(outside, join(root, 'link-file', 'w.bin'));
    const r = await runCli('profile', path, '--json');
    assertClean(r, 'profile');
    assert.equal(r.code, 0);
    const j = JSON.parse(r.stdout) as ProfileReport;
    assert.ok(j.warnings.some((w) => /external data file 'w\.bin' is a link to a file outside the model's folder/.test(w)), j.warnings.join('\n'));
    // The Reshape target lives in the refused file: the output shape is not taken from the secret's bytes.
    assert.notDeepEqual(j.outputs[0].shape, [1, 8 * 16 * 16]);
    const out = join(root, 'link-file-export.onnx');
    const e = await runCli('export', path, '-o', out);
    assertClean(e, 'export');
    assert.equal(e.code, 2);
    assert.match(e.stderr, /link to a file outside the model's folder/);
    assert.ok(!readdirSync(root).includes('link-file-export.onnx'), 'no output written');
    assert.doesNotMatch(r.stdout + r.stderr + e.stdout + e.stderr, new RegExp(SECRET));
  });

  it('a linked folder inside the model folder that leads outside is refused the same way', async () => {
    const path = modelWithExternal('link-dir', 'data/w.bin');
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'w.bin'), readFileSync(outside));
    symlinkSync(elsewhere, join(root, 'link-dir', 'data'));
    const j = JSON.parse((await runCli('profile', path, '--json')).stdout) as ProfileReport;
    assert.ok(j.warnings.some((w) => /'data\/w\.bin' is a link to a file outside/.test(w)), j.warnings.join('\n'));
  });

  it('a link that stays inside the folder is followed', async () => {
    const path = modelWithExternal('link-inside', 'w.bin');
    const { chunks } = externalizeInitializers(convReshape(), 'w.bin', { sizeThreshold: 0 });
    writeFileSync(join(root, 'link-inside', 'real.bin'), Buffer.concat(chunks));
    symlinkSync('real.bin', join(root, 'link-inside', 'w.bin'));
    const j = JSON.parse((await runCli('profile', path, '--json')).stdout) as ProfileReport;
    assert.deepEqual(j.outputs[0].shape, [1, 8 * 16 * 16]);
    assert.equal(j.warnings.filter((w) => /external data/.test(w)).length, 0, j.warnings.join('\n'));
  });

  it('`../` and absolute locations are refused as before', async () => {
    for (const location of ['../secret.bin', outside]) {
      const path = modelWithExternal(`rel-${location.length}`, location);
      const r = await runCli('export', path, '-o', join(root, `rel-${location.length}.onnx`));
      assertClean(r, location);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /points outside the model's folder/);
    }
  });

  it('an external-data file that is a FIFO is refused at once (a read would block forever)', async () => {
    const path = modelWithExternal('fifo', 'w.bin');
    mkfifo(join(root, 'fifo', 'w.bin'));
    const r = await runCli('profile', path, '--json');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as ProfileReport;
    assert.ok(j.warnings.some((w) => /external data file 'w\.bin' is not a regular file/.test(w)), j.warnings.join('\n'));
    const e = await runCli('export', path, '-o', join(root, 'fifo.onnx'));
    assertClean(e, 'export');
    assert.equal(e.code, 2);
  });

  it('a model file that is a FIFO is refused at once', async () => {
    const path = join(root, 'pipe.onnx');
    mkfifo(path);
    const r = await runCli('profile', path);
    assertClean(r, 'fifo model');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pipe\.onnx: is not a regular file/);
  });

  it('TF.js weight shards linked from outside are not read', async () => {
    const dir = join(root, 'tfjs');
    mkdirSync(dir);
    const fx = smallCnn();
    const shard = join(root, 'real-shard.bin');
    writeFileSync(shard, fx.weightData);
    symlinkSync(shard, join(dir, 'group1-shard1of1.bin'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify(fx.json));
    const r = await runCli('profile', join(dir, 'model.json'), '--json');
    assertClean(r, 'tfjs');
    assert.equal(r.code, 0, r.stderr);
    // The Reshape's integer target lives in the shard: the linked shard is not read, and a warning says so.
    const warnings = (JSON.parse(r.stdout) as ProfileReport).warnings;
    assert.ok(warnings.some((w) => /the target shape is in the weights file; the output shape is unknown without it/.test(w)), warnings.join('\n'));
  });
});

describe('export never loses the user\'s data', () => {
  before(() => (root = tempDir('convlens-export-')));
  after(() => rmSync(root, { recursive: true, force: true }));

  const lenet = () => {
    const p = join(root, `lenet-${Math.random().toString(36).slice(2)}.cnn.yaml`);
    writeFileSync(p, readFileSync(join(__dirname, '../../examples/lenet5.cnn.yaml')));
    return p;
  };

  it('refuses to write over its input: the same path, a link to it, or a hard link', async () => {
    const input = lenet();
    const before = readFileSync(input);
    const mtime = statSync(input).mtimeMs;
    const link = join(root, 'link.onnx');
    symlinkSync(input, link);
    const hard = join(root, 'hard.onnx');
    linkSync(input, hard);
    for (const output of [input, link, hard]) {
      const r = await runCli('export', input, '-o', output);
      assertClean(r, output);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /cannot export over the model itself/);
    }
    assert.deepEqual(readFileSync(input), before);
    assert.equal(statSync(input).mtimeMs, mtime);
  });

  it('a failed export leaves no file, and no temporary file behind', async () => {
    const input = lenet();
    const locked = join(root, 'locked');
    mkdirSync(locked, { mode: 0o500 });
    const r = await runCli('export', input, '-o', join(locked, 'x.onnx'));
    assertClean(r, 'unwritable');
    // root may write anywhere: only then does the export succeed here.
    if (process.getuid?.() !== 0) {
      assert.equal(r.code, 2);
      assert.deepEqual(readdirSync(locked), []);
    }
    const bad = join(root, 'bad.cnn.yaml');
    writeFileSync(bad, 'input: [8, 8, 3]\nlayers:\n  - Nope: {}\n');
    const target = join(root, 'kept.onnx');
    writeFileSync(target, 'previous export');
    const f = await runCli('export', bad, '-o', target);
    assert.equal(f.code, 2);
    assert.equal(readFileSync(target, 'utf8'), 'previous export', 'the previous file is untouched');
    assert.deepEqual(readdirSync(root).filter((n) => n.endsWith('.tmp')), []);
  });

  it('a successful export replaces the target whole (written beside it, then renamed)', async () => {
    const input = lenet();
    const target = join(root, 'out.onnx');
    writeFileSync(target, 'old');
    const r = await runCli('export', input, '-o', target);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(statSync(target).size > 100_000);
    assert.deepEqual(readdirSync(root).filter((n) => n.endsWith('.tmp')), []);
  });
});
