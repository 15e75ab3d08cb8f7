import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONFORMANCE_DIR, listCases, runCase } from './onnx-node-cases';

describe('ONNX node conformance (shared/onnx-conformance)', () => {
  const cases = listCases();

  it('finds the ONNX node tests', () => {
    assert.ok(cases.length > 400, `expected the ONNX node tests under ${CONFORMANCE_DIR}, found ${cases.length}`);
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
