/**
 * Exported definitions pass the ONNX project's own checker (Python `onnx`,
 * full_check: schema and strict shape inference), not only our loader and
 * onnxruntime-node (onnx-export.test.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCnnYaml } from '../../src/core/loaders/cnn-yaml-model';
import { exportOnnx } from '../../src/core/export/onnx-export';
import { PYTHON_ONNX_HINT, pythonWithOnnx } from '../helpers/python-onnx';
import { tempDir } from '../helpers/temp';

const EXAMPLES = resolve(__dirname, '../../examples');
// VGG-16's 138 M weights make a 553 MB file: the others cover the same ops.
const FILES = readdirSync(EXAMPLES).filter((f) => f.endsWith('.cnn.yaml') && f !== 'vgg16.cnn.yaml');

describe('exported ONNX models and the ONNX checker', () => {
  const python = pythonWithOnnx();
  it(`every example but VGG-16 passes onnx.checker full_check at opset 17 (${FILES.length} files)`, { skip: python ? false : PYTHON_ONNX_HINT }, () => {
    const dir = tempDir('convlens-export-check-');
    try {
      const paths = FILES.map((f) => {
        const out = join(dir, f.replace(/\.cnn\.yaml$/, '.onnx'));
        writeFileSync(out, exportOnnx(loadCnnYaml(readFileSync(join(EXAMPLES, f), 'utf8'), f)));
        return out;
      });
      const script = [
        'import onnx, sys',
        'for f in sys.argv[1:]:',
        '    m = onnx.load(f)',
        '    onnx.checker.check_model(m, full_check=True)',
        '    assert m.opset_import[0].version == 17, f',
      ].join('\n');
      const r = spawnSync(python!, ['-c', script, ...paths], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
