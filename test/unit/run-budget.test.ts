/**
 * A profile whose single run takes seconds (a model declaring a 2^31-element
 * input) finishes in about a minute: the runs are cut to the time budget,
 * and the report says so (issue #11).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RUNS_BUDGET_MS, runsWithinBudget } from '../../src/runtime/ort-profile';

describe('runs within the time budget', () => {
  it('fast runs: as asked, no notice', () => {
    const notices: string[] = [];
    assert.deepEqual(runsWithinBudget(12, 3, 20, notices), { warmup: 3, runs: 20 });
    assert.deepEqual(notices, []);
  });

  it('a 9 s run: one warm-up and the timed runs that fit (at least 3), with a notice', () => {
    const notices: string[] = [];
    const cut = runsWithinBudget(9_000, 3, 20, notices);
    assert.deepEqual(cut, { warmup: 1, runs: Math.floor(RUNS_BUDGET_MS / 9_000) - 1 });
    assert.ok((cut.warmup + cut.runs) * 9_000 <= RUNS_BUDGET_MS);
    assert.deepEqual(notices, [`one run takes 9.0 s: 1 warm-up and ${cut.runs} timed runs instead of 3 and 20, to finish in about 60 s`]);
  });

  it('a run longer than the whole budget still gets 3 timed runs (a median needs them)', () => {
    assert.deepEqual(runsWithinBudget(90_000, 3, 20, []), { warmup: 1, runs: 3 });
    assert.deepEqual(runsWithinBudget(90_000, 0, 2, []), { warmup: 0, runs: 2 });
  });
});
