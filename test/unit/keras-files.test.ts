/**
 * Keras model files: `.keras` zips (written with fflate, saving_lib's
 * layout), legacy `.h5` (written with h5wasm, a `model_config` root
 * attribute), the committed examples (regenerated with TF.js and compared),
 * and broken files, each a ModelLoadError naming the file.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { loadModelBytesSync, loadModelFile, loadModelFileSync } from '../../src/core/loaders/index';
import { initHdf5, loadKerasH5 } from '../../src/core/loaders/keras-h5';
import { matchKerasArchive } from '../../src/core/loaders/keras-archive';
import { ModelLoadError } from '../../src/core/errors';
import { profileModel } from '../../src/core/report/profile';
import { kerasArchive, kerasJsonOf, tfjsReference, tfjsSequentialCnn, writeKerasH5 } from '../helpers/keras-writers';
import { exampleCnn, writeKerasExamples } from '../../scripts/make-keras-examples';
import { tempDir } from '../helpers/temp';

const examples = join(__dirname, '..', '..', 'examples');
const params = (m: ReturnType<typeof loadModelBytesSync>) => profileModel(m).report.totals.params;
const isLoadError = (file: string, pattern: RegExp) => (e: unknown) => e instanceof ModelLoadError && e.file === file && pattern.test(e.problem);

let dir: string;
before(() => {
  dir = tempDir('convlens-keras-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('.keras archives', () => {
  it('loads config.json of a TF.js model saved in Keras format; params as TF.js counts', () => {
    const tfModel = tfjsSequentialCnn();
    const bytes = kerasArchive(kerasJsonOf(tfModel));
    assert.ok(matchKerasArchive(bytes));
    const m = loadModelBytesSync(bytes, 'cnn.keras');
    assert.equal(m.format, 'keras');
    assert.equal(params(m), tfjsReference(tfModel).params);
  });

  it('truncated zip, zip without config.json, config.json that is not JSON', () => {
    const good = kerasArchive(kerasJsonOf(tfjsSequentialCnn()));
    assert.throws(() => loadModelBytesSync(good.subarray(0, good.length - 30), 'cut.keras'), isLoadError('cut.keras', /truncated or corrupt zip archive/));
    const noConfig = zipSync({ 'archive/data.pkl': strToU8('x') });
    assert.ok(!matchKerasArchive(noConfig));
    assert.throws(() => loadModelBytesSync(noConfig, 'model.pt'), isLoadError('model.pt', /zip archive without config\.json \(it holds archive\/data\.pkl\)/));
    const notJson = zipSync({ 'config.json': strToU8('{"class_name": "Sequential", ') });
    assert.throws(() => loadModelBytesSync(notJson, 'bad.keras'), isLoadError('bad.keras', /config\.json in the archive is not valid JSON/));
  });
});

describe('legacy .h5 files', () => {
  it('before initHdf5() the sync loader says how to initialise', () => {
    assert.throws(() => loadKerasH5(new Uint8Array(8), 'm.h5'), isLoadError('m.h5', /HDF5 support is not initialised/));
  });

  it('loadModelFile reads model_config (fixed-length bytes, as h5py writes it, or a vlen string)', async () => {
    const tfModel = tfjsSequentialCnn();
    for (const fixed of [true, false]) {
      const path = join(dir, `model-${fixed}.h5`);
      await writeKerasH5(path, kerasJsonOf(tfModel), fixed);
      const { model } = await loadModelFile(path);
      assert.equal(params(model), tfjsReference(tfModel).params);
      // Once initialised, bytes load synchronously too (through a temporary file).
      assert.equal(params(loadModelBytesSync(readFileSync(path), 'model.h5')), tfjsReference(tfModel).params);
    }
  });

  it('weights-only and truncated HDF5 files are clear errors', async () => {
    await initHdf5();
    const weights = join(dir, 'weights.h5');
    await writeKerasH5(weights, undefined);
    await assert.rejects(loadModelFile(weights), isLoadError('weights.h5', /holds weights only \(no model_config\)/));
    const full = join(dir, 'full.h5');
    await writeKerasH5(full, kerasJsonOf(tfjsSequentialCnn()));
    const cut = join(dir, 'cut.h5');
    writeFileSync(cut, readFileSync(full).subarray(0, 1500));
    assert.throws(() => loadModelFileSync(cut), isLoadError('cut.h5', /not a readable HDF5 file \(.*truncated.*\)/i));
    const junk = join(dir, 'junk.h5');
    writeFileSync(junk, Buffer.concat([readFileSync(full).subarray(0, 8), Buffer.alloc(100, 7)]));
    assert.throws(() => loadModelFileSync(junk), isLoadError('junk.h5', /not a readable HDF5 file/));
  });

  it('model_config that is not JSON', async () => {
    await initHdf5();
    const path = join(dir, 'text.h5');
    await writeKerasH5(path, 'not json');
    // JSON.stringify('not json') is valid JSON text (a string): it is not a model.
    assert.throws(() => loadModelFileSync(path), isLoadError('text.h5', /not a Keras model/));
  });
});

describe('committed Keras / TF.js examples', () => {
  it('load with the parameter count TF.js reports', () => {
    const expected = exampleCnn().countParams();
    // conv1 3·3·3·16 = 432; bn1 4·16 = 64; conv2 3·3·16·32 + 32 = 4,640;
    // sep3 3·3·32 + 32·64 + 64 = 2,400; logits 64·10 + 10 = 650: 8,186.
    assert.equal(expected, 8_186);
    assert.equal(params(loadModelFileSync(join(examples, 'keras-cnn.keras')).model), expected);
    const tfjs = loadModelFileSync(join(examples, 'tfjs-cnn', 'model.json')).model;
    assert.equal(tfjs.format, 'tfjs');
    assert.equal(params(tfjs), expected);
    assert.deepEqual(tfjs.warnings, []);
  });

  it('are what scripts/make-keras-examples.ts writes', async () => {
    const out = join(dir, 'examples');
    await writeKerasExamples(out);
    for (const f of ['keras-cnn.keras', 'tfjs-cnn/model.json', 'tfjs-cnn/group1-shard1of1.bin']) {
      assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(examples, f))), `${f} is up to date (run: node --import tsx scripts/make-keras-examples.ts)`);
    }
  });
});
