/**
 * The opset `convlens export` writes is the one it prints and the one README
 * promises (issue #12: it printed "opset 20" for Keras models while README
 * said 17). The opset is read back from the written bytes by a protobuf walk
 * of its own, not by the loader under test.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli';
import { definitionRequestHandlers } from '../../src/extension/definition-requests';
import { tempDir } from '../helpers/temp';

const ROOT = resolve(__dirname, '../..');
let dir: string;
before(() => (dir = tempDir('convlens-opset-')));
after(() => rmSync(dir, { recursive: true, force: true }));

function varintAt(b: Uint8Array, i: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const byte = b[i++];
    v += (byte & 0x7f) * mul;
    mul *= 128;
    if (byte < 0x80) return [v, i];
  }
}

/** ModelProto.opset_import (field 8) → OperatorSetIdProto {domain: 1, version: 2}, by domain. */
function opsetImports(b: Uint8Array): Record<string, number> {
  const out: Record<string, number> = {};
  let i = 0;
  while (i < b.length) {
    let key: number;
    [key, i] = varintAt(b, i);
    const wire = key & 7;
    if (wire === 0) [, i] = varintAt(b, i);
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      let len: number;
      [len, i] = varintAt(b, i);
      if (key >>> 3 === 8) {
        const sub = b.subarray(i, i + len);
        let j = 0;
        let domain = '';
        let version = 0;
        while (j < sub.length) {
          let k: number;
          [k, j] = varintAt(sub, j);
          if (k === (1 << 3 | 2)) {
            let l: number;
            [l, j] = varintAt(sub, j);
            domain = new TextDecoder().decode(sub.subarray(j, j + l));
            j += l;
          } else if (k === (2 << 3 | 0)) [version, j] = varintAt(sub, j);
          else throw new Error(`unexpected key ${k} in opset_import`);
        }
        out[domain] = version;
      }
      i += len;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

describe('convlens export: the opset written, printed and documented agree', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const exportRow = readme.split('\n').find((l) => l.startsWith('| **Export to ONNX**'))!;
  const promised = Number(/opset (\d+)/.exec(exportRow)![1]);

  it('README promises opset 17 for exported definitions, Keras and TF.js layers models', () => {
    assert.equal(promised, 17);
  });

  for (const example of ['lenet5.cnn.yaml', 'keras-cnn.keras', 'tfjs-cnn/model.json']) {
    it(`${example}: the file holds ai.onnx opset ${17}, as printed`, async () => {
      const out = join(dir, example.replace(/\W/g, '_') + '.onnx');
      const r = await runCli('export', join(ROOT, 'examples', example), '-o', out);
      assert.equal(r.code, 0, r.stderr);
      const written = opsetImports(readFileSync(out))[''];
      assert.equal(written, promised);
      assert.equal(Number(/opset (\d+)/.exec(r.stdout)![1]), written, r.stdout);
    });
  }

  it('--opset 13 on a Keras model is written as 13 (it was refused: "only for definitions")', async () => {
    const out = join(dir, 'k13.onnx');
    const r = await runCli('export', join(ROOT, 'examples/keras-cnn.keras'), '-o', out, '--opset', '13');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(opsetImports(readFileSync(out))[''], 13);
    assert.match(r.stdout, /opset 13/);
  });

  it('an ONNX file keeps its own opset, and says so', async () => {
    const out = join(dir, 'small.onnx');
    const r = await runCli('export', join(ROOT, 'examples/small-cnn.onnx'), '-o', out);
    assert.equal(r.code, 0, r.stderr);
    const own = opsetImports(readFileSync(join(ROOT, 'examples/small-cnn.onnx')))[''];
    assert.equal(opsetImports(readFileSync(out))[''], own);
    assert.match(r.stdout, new RegExp(`opset ${own}\\b`));
  });

  it('Export to ONNX in VS Code reports the opset of the bytes it writes (it always said 17)', async () => {
    for (const [example, weights] of [['keras-cnn.keras', true], ['small-cnn.onnx', false]] as const) {
      const bytes = readFileSync(join(ROOT, 'examples', example));
      const r = await definitionRequestHandlers.exportOnnx({ bytes, file: example });
      assert.equal(r.opset, opsetImports(r.onnx)['']);
      assert.equal(r.initialWeights, weights, example);
    }
  });
});
