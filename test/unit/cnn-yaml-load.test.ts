/** `*.cnn.yaml` files through the loader and the CLI: the same pipeline as ONNX models. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadModelFileSync } from '../../src/core/loaders/index';
import { runCli } from '../helpers/cli';
import type { ProfileReport } from '../../src/core/report/profile';
import { tempDir } from '../helpers/temp';

const EXAMPLES = join(resolve(__dirname, '../..'), 'examples');

function temp(name: string, text: string | Uint8Array): string {
  const path = join(tempDir('convlens-yaml-'), name);
  writeFileSync(path, text);
  return path;
}

describe('cnn.yaml files', () => {
  it('every bundled definition loads without problems', () => {
    for (const f of ['lenet5.cnn.yaml', 'alexnet.cnn.yaml', 'vgg16.cnn.yaml']) {
      const { model } = loadModelFileSync(join(EXAMPLES, f));
      assert.equal(model.format, 'yaml', f);
      assert.deepEqual(model.warnings, [], f);
    }
  });

  it('`convlens profile alexnet.cnn.yaml --json`: 62,378,344 parameters, the classic single-stream AlexNet count', async () => {
    // Krizhevsky et al.'s AlexNet without the two-GPU split, counted by hand:
    // C1 34,944 + C3 614,656 + C5 885,120 + C6 1,327,488 + C7 884,992 + F8 37,752,832 + F9 16,781,312 + F10 4,097,000.
    const r = await runCli('profile', '--json', join(EXAMPLES, 'alexnet.cnn.yaml'));
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as ProfileReport;
    assert.equal(report.totals.params, 62_378_344);
    assert.deepEqual(report.inputs[0].shape, [1, 3, 227, 227]);
    assert.deepEqual(report.outputs[0].shape, [1, 1000]);
  });

  it('--batch applies to a definition as to an ONNX model', async () => {
    const r = await runCli('profile', '--json', '--batch', '8', join(EXAMPLES, 'lenet5.cnn.yaml'));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as ProfileReport).outputs[0].shape, [8, 10]);
  });

  it('a definition with an error: one line naming the file, the line and column, and the problem; exit 2', async () => {
    const path = temp('bad.cnn.yaml', 'input: [32, 32, 1]\nlayers:\n  - Conv2D: {filters: 6, kernel_size: 5}\n  - Conv2d: {filters: 6}\n');
    const r = await runCli('profile', path);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), 'convlens: bad.cnn.yaml: line 4, column 5: unknown layer Conv2d; did you mean Conv2D?');
  });

  it('YAML syntax errors and non-UTF-8 bytes are reported, never thrown as crashes', async () => {
    const syntax = await runCli('profile', temp('s.cnn.yaml', 'input: [32, 32, 1]\nlayers:\n  - Conv2D: {filters: 6\n'));
    assert.equal(syntax.code, 2);
    assert.match(syntax.stderr, /^convlens: s\.cnn\.yaml: line \d+, column \d+: /);
    const binary = await runCli('profile', temp('b.cnn.yaml', new Uint8Array([0xff, 0xfe, 0x00, 0x80])));
    assert.equal(binary.code, 2);
    assert.match(binary.stderr, /not UTF-8 text/);
  });
});
