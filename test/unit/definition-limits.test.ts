/**
 * A definition can ask for more than any network has: `Repeat` a billion
 * times, blocks nested a thousand deep. Each ends at once with a message at
 * the place in the text (issue #11), instead of hanging the CLI or the
 * editor; and large real definitions stay linear (the bench times them).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCnnYaml } from '../../src/core/loaders/cnn-yaml';
import { MAX_BLOCK_NESTING, MAX_DEFINITION_LAYERS, MAX_YAML_NESTING, tooDeeplyNested } from '../../src/core/loaders/cnn-yaml-limits';
import { loadCnnYaml } from '../../src/core/loaders/cnn-yaml-model';
import { analyseDefinition } from '../../src/core/report/definition-view';
import { runCli } from '../helpers/cli';
import { assertClean } from '../helpers/hostile';
import { tempDir } from '../helpers/temp';

const errorsOf = (text: string) => parseCnnYaml(text).problems.filter((p) => p.severity === 'error');
const at = (text: string, offset: number) => text.slice(offset, offset + 12);

describe('Repeat times', () => {
  it('above the expansion limit (1,000,000,000; 1e308) is an error at `times`, as written', () => {
    for (const times of ['1000000000', '1e308', '100001']) {
      const text = `input: [8, 8, 3]\nlayers:\n  - Repeat: {times: ${times}, layers: [ReLU]}\n`;
      const [e] = errorsOf(text);
      assert.ok(e, times);
      assert.equal(at(text, e.range.start).startsWith(times), true, at(text, e.range.start));
      assert.equal(e.message, `Repeat times ${times} is more than a definition may expand to (100,000 layers)`);
    }
  });

  it('nested Repeats that multiply past the limit: the error is at the innermost one that passes it alone', () => {
    const text = 'input: [8, 8, 3]\nlayers:\n  - Repeat:\n      times: 1000\n      layers:\n        - Repeat: {times: 1000, layers: [ReLU]}\n';
    const [e] = errorsOf(text);
    assert.match(e.message, /^the definition expands to more than 100,000 layers \(this Repeat alone: 1,000 × 1,000 layers\)/);
    assert.equal(e.line, 4, 'the outer times: 1000 × 1000 passes the limit, 1000 × 1 does not');
  });

  it('exactly at the limit is a definition like any other', () => {
    const text = `input: [4]\nlayers:\n  - Repeat: {times: ${MAX_DEFINITION_LAYERS}, layers: [ReLU]}\n`;
    assert.deepEqual(errorsOf(text), []);
  });

  it('zero, negative, fractional and non-numbers are still the "integer ≥ 1" error', () => {
    for (const times of ['0', '-3', '2.5', 'many', '.inf', '.nan']) {
      const [e] = errorsOf(`input: [4]\nlayers:\n  - Repeat: {times: ${times}, layers: [ReLU]}\n`);
      assert.match(e.message, /Repeat needs `times` \(an integer ≥ 1\)/, times);
    }
  });

  it('the CLI ends at once with one line (exit 2)', async () => {
    const dir = tempDir('convlens-limits-');
    try {
      const path = join(dir, 'huge.cnn.yaml');
      writeFileSync(path, 'input: [32, 32, 3]\nlayers:\n  - Repeat:\n      times: 1000000000\n      layers:\n        - Conv2D: {filters: 8, kernel_size: 3, padding: same}\n');
      const r = await runCli('profile', path);
      assertClean(r, 'huge Repeat');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /huge\.cnn\.yaml: line 4, column 14: Repeat times 1000000000 is more than/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('nesting', () => {
  const nestedFlow = (n: number) => {
    let inner = '[ReLU]';
    for (let i = 0; i < n; i++) inner = `[{Residual: ${inner}}]`;
    return `input: [8, 8, 3]\nlayers: ${inner}\n`;
  };
  const nestedBlock = (n: number) => {
    let s = 'input: [8, 8, 3]\nlayers:\n';
    for (let i = 0; i < n; i++) s += `${'  '.repeat(i)}- Residual:\n`;
    return s + `${'  '.repeat(n)}- ReLU\n`;
  };

  it('YAML nested 1,000 levels (brackets or indentation) is refused before parsing', () => {
    for (const text of [nestedFlow(1000), nestedBlock(1000), `input: [4]\nlayers: ${'['.repeat(5000)}${']'.repeat(5000)}\n`]) {
      const [e] = errorsOf(text);
      assert.equal(e.message, `the YAML is nested more than ${MAX_YAML_NESTING} levels deep`);
      assert.ok(e.line >= 2);
    }
  });

  it('blocks nested past the block limit but within the YAML limit: an error at the list', () => {
    const [e] = errorsOf(nestedFlow(MAX_BLOCK_NESTING + 5));
    assert.equal(e.message, `blocks are nested more than ${MAX_BLOCK_NESTING} levels deep`);
  });

  it('ordinary nesting (a ResNet bottleneck in a Repeat) is far from the limits', () => {
    const text = 'input: [56, 56, 64]\nlayers:\n  - Repeat:\n      times: 3\n      layers:\n        - Residual:\n            layers:\n              - Conv2D: {filters: 64, kernel_size: 1}\n              - Conv2D: {filters: 64, kernel_size: 3, padding: same}\n              - Conv2D: {filters: 64, kernel_size: 1}\n';
    assert.deepEqual(errorsOf(text), []);
    assert.equal(tooDeeplyNested(text, MAX_YAML_NESTING), -1);
  });

  it('the analysis behind the editor returns the problem, never a stack overflow', () => {
    for (const text of [nestedFlow(3000), nestedBlock(3000)]) {
      const a = analyseDefinition(text);
      assert.match(a.problems[0].message, /nested more than/);
    }
  });
});

describe('large definitions', () => {
  it('10,000 layers (a Repeat) load: every copy lowered, each with its own name', () => {
    const text = 'input: [16, 16, 3]\nlayers:\n  - Repeat:\n      times: 10000\n      layers:\n        - Conv2D: {filters: 4, kernel_size: 3, padding: same}\n';
    const m = loadCnnYaml(text, 'big.cnn.yaml');
    const convs = m.graph.nodes.filter((n) => n.opType === 'Conv');
    assert.equal(convs.length, 10_000);
    assert.equal(new Set(convs.map((n) => n.name)).size, 10_000);
  });
});
