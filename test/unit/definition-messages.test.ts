/**
 * Shape mismatches at a Residual or Branches block, said in the
 * definition's own channels-last terms (not the IR's NCHW), at the block's
 * key, with the fix when there is an obvious one.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCnnYaml } from '../../src/core/loaders/cnn-yaml';
import { definitionToModel } from '../../src/core/loaders/cnn-yaml-model';
import { analyseDefinition } from '../../src/core/report/definition-view';

function problemsOf(text: string) {
  const parsed = parseCnnYaml(text);
  assert.deepEqual(parsed.problems, []);
  return definitionToModel(parsed.definition!).problems;
}
const at = (text: string, r: { start: number; end: number }) => text.slice(r.start, r.end);

describe('Residual mismatches', () => {
  it('a stride-2 block without a shortcut: 28×28×128 vs its 56×56×64 input; add a 1×1 stride-2 projection with 128 filters', () => {
    const text = `input: [56, 56, 64]
layers:
  - Residual:
      name: res2
      layers:
        - Conv2D: {filters: 128, kernel_size: 3, strides: 2, padding: same}
        - Conv2D: {filters: 128, kernel_size: 3, padding: same}
`;
    const [p, ...rest] = problemsOf(text);
    assert.deepEqual(rest, []);
    assert.equal(p.message, 'Residual \'res2\': its layers give 28×28×128 but its input is 56×56×64; add a shortcut (e.g. Conv2D 1×1 with strides 2 and 128 filters)');
    assert.equal(p.severity, 'error');
    assert.equal(at(text, p.range), 'Residual');
  });

  it('channels only (8×8×4 vs 8×8×3): a 1×1 projection without strides; auto-named block', () => {
    const text = 'input: [8, 8, 3]\nlayers:\n  - Residual: [Conv2D: {filters: 4, kernel_size: 3, padding: same}]\n';
    const [p, ...rest] = problemsOf(text);
    assert.deepEqual(rest, []);
    assert.equal(p.message, 'Residual \'residual_1\': its layers give 8×8×4 but its input is 8×8×3; add a shortcut (e.g. Conv2D 1×1 with 4 filters)');
    assert.equal(at(text, p.range), 'Residual');
  });

  it('a shortcut that forgets the stride: its shortcut gives 16×16×32, the layers 8×8×32', () => {
    const text = `input: [16, 16, 16]
layers:
  - Residual:
      layers: [Conv2D: {filters: 32, kernel_size: 3, strides: 2, padding: same}]
      shortcut: [Conv2D: {filters: 32, kernel_size: 1}]
`;
    const [p, ...rest] = problemsOf(text);
    assert.deepEqual(rest, []);
    assert.equal(p.message, 'Residual \'residual_1\': its layers give 8×8×32 but its shortcut gives 16×16×32; make the shortcut give 8×8×32 (e.g. Conv2D 1×1 with strides 2 and 32 filters)');
  });

  it('shapes that broadcast (a 1×1×C gate) are no mismatch', () => {
    const text = 'input: [8, 8, 4]\nlayers:\n  - Residual: [GlobalAveragePooling2D: {keepdims: true}]\n';
    assert.deepEqual(problemsOf(text), []);
  });

  it('an error inside the block is reported alone, not again as a mismatch', () => {
    const text = 'input: [8, 8, 3]\nlayers:\n  - Residual: [Conv2D: {filters: 4, kernel_size: 3, padding: same, strides: 0}]\n';
    const ps = problemsOf(text);
    assert.equal(ps.length, 1);
    assert.match(ps[0].message, /strides must be/);
  });
});

describe('Branches mismatches', () => {
  it('branch 2 gives 13×13×64 but branch 1 gives 14×14×64: spatial sizes must agree', () => {
    const text = `input: [14, 14, 32]
layers:
  - Branches:
      name: mixed
      branches:
        - [Conv2D: {filters: 64, kernel_size: 1}]
        - [Conv2D: {filters: 64, kernel_size: 2}]
`;
    const [p, ...rest] = problemsOf(text);
    assert.deepEqual(rest, []);
    assert.equal(p.message, 'Branches \'mixed\': branch 2 gives 13×13×64 but branch 1 gives 14×14×64; spatial sizes must agree to concatenate on channels');
    assert.equal(at(text, p.range), 'Branches');
  });

  it('the first disagreeing branch is named (branch 3), channels may differ', () => {
    const text = 'input: [8, 8, 4]\nlayers:\n  - Branches: [[Conv2D: {filters: 2, kernel_size: 1}], [Conv2D: {filters: 6, kernel_size: 1}], [MaxPooling2D: {pool_size: 2}]]\n';
    const [p, ...rest] = problemsOf(text);
    assert.deepEqual(rest, []);
    assert.equal(p.message, 'Branches \'branches_1\': branch 3 gives 4×4×4 but branch 1 gives 8×8×2; spatial sizes must agree to concatenate on channels');
  });

  it('ranks that differ: a flattened branch', () => {
    const text = 'input: [4, 4, 2]\nlayers:\n  - Branches: [[Conv2D: {filters: 2, kernel_size: 1}], [Flatten]]\n';
    const [p] = problemsOf(text);
    assert.equal(p.message, 'Branches \'branches_1\': branch 2 gives 32 but branch 1 gives 4×4×2; ranks must agree to concatenate on channels');
  });

  it('the editor gets the same message at the same range', () => {
    const text = 'input: [8, 8, 3]\nlayers:\n  - Residual: [Conv2D: {filters: 4, kernel_size: 3, padding: same}]\n';
    const errors = analyseDefinition(text).problems.filter((p) => p.severity === 'error');
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /^Residual 'residual_1': its layers give 8×8×4 but its input is 8×8×3/);
    assert.equal(at(text, errors[0].range), 'Residual');
  });
});
