/**
 * The compare view's merged model (core/diff/compare-view.ts, through
 * ModelSession as the extension's worker runs it): B's layers with A's
 * removed ones where they stood, every edge still joining a tensor some
 * layer (or the input) makes, each layer's status and both sides' figures.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadModelFile } from '../../src/core/loaders/index';
import { DEFAULT_BUDGET_BYTES, ModelSession } from '../../src/core/report/model-session';
import { tempDir } from '../helpers/temp';

const ROOT = resolve(__dirname, '../..');
const dir = tempDir('convlens-compare-');

function definition(name: string, edit: (text: string) => string): string {
  const text = readFileSync(join(ROOT, 'examples', 'lenet5.cnn.yaml'), 'utf8');
  const out = join(dir, name);
  const changed = edit(text);
  assert.notEqual(changed, text, 'the edit applies');
  writeFileSync(out, changed);
  return out;
}

describe('compare view', () => {
  it('a layer removed, one added, one widened: the merged model holds all, edges join, statuses and both figures per layer', async () => {
    const a = join(ROOT, 'examples', 'lenet5.cnn.yaml');
    // B: C3 widened to 32 filters, S4 (the second pooling) removed, a Dense layer added before the output.
    const b = definition('lenet-b.cnn.yaml', (t) =>
      t
        .replace('filters: 16', 'filters: 32')
        .replace(/ {2}- AveragePooling2D: \{pool_size: 2\} {28}# S4: 5×5×16\n/, '')
        .replace('  - Dense: {units: 10,', '  - Dense: {units: 42, activation: relu}\n  - Dense: {units: 10,'),
    );
    const [ma, mb] = [await loadModelFile(a), await loadModelFile(b)];
    const view = ModelSession.compareModels(ma.model, mb.model, { a: 'lenet5.cnn.yaml', b: 'lenet-b.cnn.yaml' }).view({ budgetBytes: DEFAULT_BUDGET_BYTES });
    const c = view.compare!;
    assert.ok(c, 'a compare view carries its compare data');
    assert.equal(view.report.layers.length, c.layers.length);
    assert.equal(view.layers.length, c.layers.length);
    const statuses = c.layers.map((l) => l.status);
    assert.ok(statuses.includes('removed') && statuses.includes('added') && statuses.includes('changed') && statuses.includes('unchanged'), statuses.join());
    // Removed layers are A's, named apart; the others are B's.
    view.report.layers.forEach((l, i) => {
      const s = c.layers[i];
      if (s.status === 'removed') {
        assert.ok(l.name.startsWith('A:') && s.a && !s.b);
        assert.equal(l.name, `A:${s.a.name}`);
      } else {
        assert.equal(l.name, s.b!.name);
        if (s.status !== 'added') assert.ok(s.a, `${l.name} has its A side`);
      }
    });
    // A removed layer reads what the merged model makes: the edges into it are drawn.
    const made = new Set(view.report.inputs.map((t) => t.name));
    for (const l of view.report.layers) for (const t of l.outputs) made.add(t.name);
    for (const l of view.report.layers.filter((x) => x.name.startsWith('A:'))) {
      assert.ok(l.inputs.some((i) => made.has(i)), `the removed ${l.name} is joined to the graph`);
    }
    // The widened convolution: both sides' parameters.
    const widened = c.layers.find((l) => l.status === 'changed' && l.changes.includes('params') && l.a?.op === 'Conv')!;
    assert.ok(widened.b!.params! > widened.a!.params!);
    assert.equal(c.delta.params, c.b.totals.params! - c.a.totals.params!);
  });

  it('an unreadable A is an error naming A', async () => {
    const bad = join(dir, 'broken.onnx');
    writeFileSync(bad, 'not a model');
    await assert.rejects(ModelSession.open(join(ROOT, 'examples', 'lenet5.cnn.yaml'), undefined, bad), (e: Error) => e.message.includes('broken.onnx'));
  });
});
