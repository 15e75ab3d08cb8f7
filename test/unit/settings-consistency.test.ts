/**
 * Each setting's choices are defined once in the code; package.json's
 * `contributes.configuration` (what VS Code's Settings editor offers) must
 * list exactly those, with the default the code falls back to, and the
 * element types the profiler knows for the input dtype.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import packageJson from '../../package.json';
import { ENGINE_SETTINGS, INPUT_FILLS, PROVIDER_SETTINGS, RUN_DEFAULTS, TFJS_BACKEND_SETTINGS } from '../../src/runtime/messages';
import { DEFAULT_BUDGET, DEFAULT_BUDGET_BYTES } from '../../src/core/report/model-session';
import { parseByteSize } from '../../src/core/report/format';
import { OPTIMIZERS } from '../../src/core/analysis/memory';
import { parseDType } from '../../src/core/dtype';

type Property = { enum?: (string | null)[]; default?: unknown };
const properties = Object.assign({}, ...[packageJson.contributes.configuration].flat().map((c: { properties: Record<string, Property> }) => c.properties)) as Record<string, Property>;

describe('settings in package.json and in the code', () => {
  const cases: [string, readonly string[], string][] = [
    ['convlens.profile.optimizer', OPTIMIZERS, 'adam'],
    ['convlens.runtime.executionProvider', PROVIDER_SETTINGS, 'auto'],
    ['convlens.runtime.engine', ENGINE_SETTINGS, 'auto'],
    ['convlens.runtime.tfjsBackend', TFJS_BACKEND_SETTINGS, 'auto'],
    ['convlens.runtime.input', INPUT_FILLS, 'random'],
  ];
  for (const [key, choices, fallback] of cases) {
    it(`${key}: the same choices and default`, () => {
      const p = properties[key];
      assert.ok(p, `${key} is contributed`);
      assert.deepEqual(p.enum, [...choices]);
      assert.equal(p.default, fallback);
    });
  }

  it('numeric and size settings: the defaults the code falls back to', () => {
    for (const [key, value] of Object.entries(RUN_DEFAULTS)) assert.equal(properties[`convlens.runtime.${key}`]?.default, value, key);
    assert.equal(properties['convlens.profile.memoryBudget'].default, DEFAULT_BUDGET);
    assert.equal(parseByteSize(DEFAULT_BUDGET), DEFAULT_BUDGET_BYTES);
  });

  it('convlens.profile.inputDtype: every listed type is one the profiler reads (null: the model\'s own)', () => {
    const p = properties['convlens.profile.inputDtype'];
    assert.equal(p.default, null);
    for (const t of p.enum ?? []) if (t !== null) assert.ok(parseDType(String(t)), `${String(t)} is not an element type ConvLens knows`);
  });
});
