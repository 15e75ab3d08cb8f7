import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listCases, runCase } from './onnx-node-cases';
import { ONNX_NODE_CASES_FILE, ONNX_NODE_DIR, onnxNodeModelPath, readVendoredCases } from '../helpers/onnx-node-fixtures';

describe('ONNX node conformance (test/fixtures/onnx-node)', () => {
  const cases = listCases();

  it('finds the vendored ONNX node tests: every case with its model, from the commit SOURCE_COMMIT names', () => {
    assert.ok(cases.length > 400, `expected the ONNX node tests in ${ONNX_NODE_CASES_FILE}, found ${cases.length}`);
    assert.deepEqual(cases.filter((c) => !existsSync(onnxNodeModelPath(c))), []);
    assert.equal(readVendoredCases().sourceCommit, readFileSync(join(ONNX_NODE_DIR, 'SOURCE_COMMIT'), 'utf8').trim());
    assert.match(readFileSync(join(ONNX_NODE_DIR, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0/);
  });

  it('infers the expected output shape for every test of a supported operator', () => {
    const results = cases.map(runCase);
    const required = results.filter((r) => r.op);
    const failures = required.filter((r) => !r.ok);
    const others = results.filter((r) => !r.op && r.applicable !== false);
    const notTensors = results.filter((r) => r.applicable === false);
    console.log(
      `ONNX conformance: ${required.length - failures.length}/${required.length} tests of the required operators passed; ` +
      `${others.filter((r) => r.ok).length}/${others.length} tests of other operators passed too; ` +
      `${notTensors.length} tests with sequence/optional outputs have no tensor shape to compare`,
    );
    assert.deepEqual(failures.map((f) => `${f.name}: ${f.detail}`), []);
  });
});
