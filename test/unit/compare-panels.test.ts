/**
 * The compare view's webview figures (webview/graph/change.ts,
 * webview/panels/compare.ts, the table's compare columns): status colours
 * and groups, the groups a compare view opens with, per-layer deltas and
 * their sort. Checked on small hand-made layers, and on LeNet-5 against a
 * copy whose C3 has 32 filters instead of 16.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompareLayer } from '../../src/core/diff/compare-view';
import type { LayerReport } from '../../src/core/report/profile';
import { loadModelFileSync } from '../../src/core/loaders/index';
import { DEFAULT_BUDGET_BYTES, ModelSession } from '../../src/core/report/model-session';
import { CHANGE_COLORS, changeExpanded, changeLegend, groupStatus } from '../../webview/graph/change';
import { availableModes } from '../../webview/graph/overlay';
import { changeNames, fieldDelta, figureRows, layerDelta, totalDeltaText } from '../../webview/panels/compare';
import { compareCells, sortLayers, tableColumns, COLUMNS } from '../../webview/panels/table-columns';
import { humanCount } from '../../src/core/report/format';

function layer(p: Partial<LayerReport>): LayerReport {
  return { name: 'l', op: 'Conv', inputs: [], outputs: [], params: 0, macs: 0, flops: 0, receptiveField: null, activationBytes: 0, savedBytes: 0, ...p };
}

const conv = (name: string, params: number, rf: number) => layer({ name, params, macs: params * 100, activationBytes: 4 * params, receptiveField: { size: [rf, rf], stride: [1, 1], offset: [0, 0] }, outputs: [{ name: `${name}:0`, shape: [1, 8, 4, 4], dtype: 'float32' }] });

describe('change overlay', () => {
  it('colours from Okabe & Ito (2008): bluish green, vermillion, yellow', () => {
    assert.deepEqual(CHANGE_COLORS, { added: '#009e73', removed: '#d55e00', changed: '#f0e442' });
  });

  it('a group is unchanged when all its layers are, of the one kind of its changes, else changed', () => {
    assert.equal(groupStatus(['unchanged', 'unchanged']), 'unchanged');
    assert.equal(groupStatus(['unchanged', 'added', 'added']), 'added');
    assert.equal(groupStatus(['removed', 'unchanged']), 'removed');
    assert.equal(groupStatus(['added', 'removed']), 'changed');
    assert.equal(groupStatus([]), 'unchanged');
  });

  it('the legend lists the kinds present, changed first, with their layer counts; a mixed group makes changed present', () => {
    assert.deepEqual(changeLegend(['added', 'unchanged', 'added', 'removed'], []).map((e) => [e.kind, e.layers]), [['added', 2], ['removed', 1]]);
    assert.deepEqual(changeLegend(['added', 'removed'], ['changed']).map((e) => [e.kind, e.layers]), [['changed', 0], ['added', 1], ['removed', 1]]);
    assert.deepEqual(changeLegend(['unchanged'], ['unchanged']), []);
  });

  it('is offered only in a compare view', () => {
    assert.ok(!availableModes().includes('change'));
    assert.ok(availableModes(undefined, true).includes('change'));
  });

  it('opens the groups holding a change and their ancestors; the others stay collapsed', () => {
    const layers = [layer({ name: '/a/x/Conv' }), layer({ name: '/a/y/Relu' }), layer({ name: '/b/c/Conv' }), layer({ name: '/b/d/Conv' }), layer({ name: '/b/e/f/Conv' }), layer({ name: '/b/e/g/Conv' })];
    const expanded = changeExpanded(layers, ['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged', 'changed']);
    assert.deepEqual([...expanded].sort(), ['group:b', 'group:b/e']);
  });
});

describe('compare figures', () => {
  const changed: CompareLayer = { status: 'changed', changes: ['weights', 'params', 'receptiveField'], a: conv('c', 1000, 5), b: conv('c', 3000, 7) };
  const added: CompareLayer = { status: 'added', changes: [], a: null, b: conv('n', 500, 9) };
  const removed: CompareLayer = { status: 'removed', changes: [], a: conv('o', 200, 3), b: null };
  const unchanged: CompareLayer = { status: 'unchanged', changes: [], a: conv('u', 50, 3), b: conv('u', 50, 3) };

  it('a layer only in one model adds or takes away all of its figure (the column sums to the totals\' delta)', () => {
    assert.equal(layerDelta(changed, 'params'), 2000);
    assert.equal(layerDelta(added, 'params'), 500);
    assert.equal(layerDelta(removed, 'params'), -200);
    assert.equal(layerDelta(unchanged, 'macs'), 0);
    assert.equal(layerDelta({ ...changed, b: { ...changed.b!, params: null } }, 'params'), null);
  });

  it('receptive field: the change of the largest side, only for a layer in both; global is ∞', () => {
    assert.equal(fieldDelta(changed), 2);
    assert.equal(fieldDelta(added), null);
    const global = (l: LayerReport): LayerReport => ({ ...l, receptiveField: { global: true } });
    assert.equal(fieldDelta({ ...changed, b: global(changed.b!) }), Infinity);
    assert.equal(fieldDelta({ ...changed, a: global(changed.a!), b: global(changed.b!) }), 0);
  });

  it('the details\' rows: A, B and Δ; Δ empty where a side is missing or the figure is a shape', () => {
    const rows = figureRows(changed);
    assert.deepEqual(rows.map((r) => r.label), ['Output', 'Params', 'MACs', 'FLOPs', 'Memory', 'Field']);
    assert.deepEqual([rows[1].a, rows[1].b, rows[1].delta, rows[1].deltaTitle], ['1.00 K', '3.00 K', '+2.00 K', '+2.00 K (+200.0%)']);
    assert.equal(rows[0].delta, '');
    assert.deepEqual([rows[5].a, rows[5].b, rows[5].delta], ['5×5', '7×7', '+2']);
    const only = figureRows(added);
    assert.deepEqual([only[1].a, only[1].b, only[1].delta], ['—', '500', '']);
  });

  it('says what changed in words, and a total\'s delta with its share of A', () => {
    assert.deepEqual(changeNames(changed.changes), ['weight shapes', 'parameters', 'receptive field']);
    assert.equal(totalDeltaText(10_100_000, 1_600_000, humanCount), '+10.10 M (+631.3%)');
    assert.equal(totalDeltaText(0, 1_600_000, humanCount), 'no change');
    assert.equal(totalDeltaText(null, 1_600_000, humanCount), 'unknown');
  });

  it('the table: status and deltas after the op, sorted changes first; deltas with missing ones last both ways', () => {
    const cols = tableColumns(false, true);
    assert.deepEqual(cols.slice(0, 8).map((c) => c.label), ['#', 'Layer', 'Op', 'Status', 'Δ params', 'Δ MACs', 'Δ memory', 'Δ receptive field']);
    assert.equal(tableColumns(false, false), COLUMNS);
    const compare = { layers: [unchanged, removed, changed, added] } as Parameters<typeof sortLayers>[4];
    const layers = compare!.layers.map((c) => (c.b ?? c.a)!);
    assert.deepEqual(sortLayers(layers, 'status', false, null, compare), [2, 3, 1, 0]);
    assert.deepEqual(sortLayers(layers, 'deltaParams', true, null, compare), [2, 3, 0, 1]);
    assert.deepEqual(sortLayers(layers, 'deltaField', true, null, compare), [2, 0, 1, 3]);
    assert.deepEqual(sortLayers(layers, 'deltaField', false, null, compare), [0, 2, 1, 3]);
    // Without compare data the keys fall back to model order.
    assert.deepEqual(sortLayers(layers, 'status', false, null, null), [0, 1, 2, 3]);
    assert.deepEqual(compareCells(changed).map((c) => c.text), ['changed', '+2.00 K', '+200.00 K', '+7.8 KiB', '+2']);
    assert.deepEqual(compareCells(unchanged).map((c) => c.text), ['', '', '', '', '']);
    assert.deepEqual(compareCells(removed).map((c) => c.text), ['removed', '−200', '−20.00 K', '−800 B', '']);
  });

  it('LeNet-5 with 32 filters in C3: the per-layer Δ params sum to the totals\' delta', () => {
    const dir = mkdtempSync(join(tmpdir(), 'convlens-lenet-'));
    try {
      const a = join(__dirname, '..', '..', 'examples', 'lenet5.cnn.yaml');
      const b = join(dir, 'lenet5-32.cnn.yaml');
      writeFileSync(b, readFileSync(a, 'utf8').replace('filters: 16', 'filters: 32'));
      const view = ModelSession.compareModels(loadModelFileSync(a).model, loadModelFileSync(b).model, { a: 'a.cnn.yaml', b: 'b.cnn.yaml' }).view({ budgetBytes: DEFAULT_BUDGET_BYTES });
      const c = view.compare!;
      // C3: 5·5·6·16 + 16 = 2,416 → 5·5·6·32 + 32 = 4,832; C5: 5·5·16·120 + 120 = 48,120 → 5·5·32·120 + 120 = 96,120.
      assert.equal(c.delta.params, 2416 + 48_000);
      for (const key of ['params', 'macs', 'activationBytes'] as const) {
        assert.equal(c.layers.reduce((s, l) => s + layerDelta(l, key)!, 0), c.delta[key], key);
      }
      const statuses = c.layers.map((l) => l.status);
      assert.ok(statuses.includes('changed') && statuses.includes('unchanged'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
