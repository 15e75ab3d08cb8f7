/**
 * The extension's long-lived ELK worker (layout-host.ts): it lays out a
 * model's first view while the page boots, and the page draws that layout
 * as it is when it was made for the page's own view.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import ELK from 'elkjs/lib/elk.bundled.js';
import { LayoutHost } from '../../src/extension/layout-host';
import { loadModelFileSync } from '../../src/core/loaders/index';
import { profileModel } from '../../src/core/report/profile';
import { layerViews } from '../../src/core/report/layer-view';
import { writeFileSync } from 'node:fs';
import { countBoxes, defaultExpanded, ioId, viewGraph, type ElkNode } from '../../webview/graph/elk-graph';
import { FIRST_SCREEN_BOXES, firstScreenGraph } from '../../webview/graph/ahead';
import { tempDir } from '../helpers/temp';
import { LayoutCache } from '../../webview/graph/layout-cache';

const WORKER = resolve(__dirname, '../../src/extension/layout-worker.ts');

function positions(g: ElkNode, out: Record<string, [number, number, number, number]> = {}): Record<string, [number, number, number, number]> {
  for (const c of g.children ?? []) {
    out[c.id] = [c.x!, c.y!, c.width!, c.height!];
    positions(c, out);
  }
  return out;
}

describe('layouts made ahead by the extension', () => {
  const { model } = loadModelFileSync(join(resolve(__dirname, '../..'), 'examples/small-cnn.onnx'));
  const profile = profileModel(model);
  const graph = () => viewGraph(profile.report, layerViews(model, profile), defaultExpanded(profile.report.layers), 7.5);

  it('the worker lays out exactly what ELK lays out on the page (deterministic): every box at the same place', async () => {
    const host = new LayoutHost(WORKER, () => undefined);
    try {
      const ahead = await host.layout(graph());
      assert.ok(ahead, 'laid out');
      const page = (await new ELK().layout(graph() as never)) as unknown as ElkNode;
      assert.deepEqual(positions(ahead), positions(page));
      // Twice: the same worker answers again (it lives for the session).
      assert.deepEqual(positions((await host.layout(graph()))!), positions(page));
    } finally {
      host.dispose();
    }
  });

  it('a view larger than a screen is laid out in two steps: its opening screen, then the whole, each as ELK lays it out', async () => {
    // 120 layers: more boxes than the opening screen holds.
    const chain = Array.from({ length: 120 }, (_, i) => `  - Conv2D: {filters: 4, kernel_size: 1, name: c${i}}`).join('\n');
    const file = join(tempDir('convlens-layout-'), 'chain.cnn.yaml');
    writeFileSync(file, `name: chain\ninput: [8, 8, 4]\nlayers:\n${chain}\n`);
    const m = loadModelFileSync(file).model;
    const p = profileModel(m);
    const expanded = defaultExpanded(p.report.layers);
    const whole = viewGraph(p.report, layerViews(m, p), expanded, 7.5);
    const host = new LayoutHost(WORKER, () => undefined);
    try {
      const steps: string[] = [];
      const r = await host.layoutView({ report: p.report, layers: layerViews(m, p) }, 7.5, (what) => steps.push(what));
      assert.equal(r.layout?.partial, true);
      const first = positions(r.layout.graph);
      assert.equal(Object.keys(first).length, FIRST_SCREEN_BOXES, 'the opening screen: the input and the first layers');
      assert.ok(ioId('input', 0) in first && 'node:0' in first && !('node:119' in first));
      assert.deepEqual(first, positions((await new ELK().layout(firstScreenGraph(whole) as never)) as unknown as ElkNode));
      const done = await r.whole;
      assert.equal(done?.partial, undefined);
      assert.deepEqual(done?.expanded, [...expanded]);
      assert.deepEqual(positions(done.graph), positions((await new ELK().layout(whole as never)) as unknown as ElkNode));
      assert.deepEqual(steps, [`the opening screen (${FIRST_SCREEN_BOXES} of ${countBoxes(whole)} boxes)`, 'the whole graph']);
    } finally {
      host.dispose();
    }
  });

  it('a worker that cannot start leaves the layout to the page (undefined), with no error thrown', async () => {
    const lines: string[] = [];
    const host = new LayoutHost(join(tmpdir(), 'no-such-layout-worker.js'), (l) => lines.push(l));
    assert.equal(await host.layout(graph()), undefined);
    host.dispose();
  });
});

describe('the page\'s layout cache', () => {
  const g = (id: string): ElkNode => ({ id, children: [] });
  it('draws a layout made ahead only for the same expanded groups and character width, and says so once', () => {
    const c = new LayoutCache();
    c.seed({ expanded: ['group:a'], charWidth: 7.5, graph: g('ahead') }, new Set(['group:a']), 7.9);
    assert.equal(c.take(new Set(['group:a'])), undefined, 'another width: laid out again');
    c.seed({ expanded: ['group:a'], charWidth: 7.9, graph: g('ahead') }, new Set(['group:b']), 7.9);
    assert.equal(c.take(new Set(['group:b'])), undefined, 'other groups expanded: laid out again');
    c.seed({ expanded: ['group:a', 'group:b'], charWidth: 7.9, graph: g('ahead') }, new Set(['group:b', 'group:a']), 7.9);
    assert.deepEqual(c.take(new Set(['group:a', 'group:b'])), { graph: g('ahead'), ahead: true, partial: false });
    assert.deepEqual(c.take(new Set(['group:a', 'group:b'])), { graph: g('ahead'), ahead: false, partial: false });
  });
  it('draws an opening screen (a partial layout) once and never keeps it; the whole view replaces it', () => {
    const c = new LayoutCache();
    const state = new Set(['group:a']);
    assert.equal(c.seed({ expanded: ['group:a'], charWidth: 7.9, graph: g('first'), partial: true }, state, 7.9), true);
    assert.deepEqual(c.take(state), { graph: g('first'), ahead: true, partial: true });
    assert.equal(c.take(state), undefined, 'given once: going back to this state lays the whole view out');
    // The whole view arrives before the opening screen is drawn: the opening screen is dropped.
    c.seed({ expanded: ['group:a'], charWidth: 7.9, graph: g('first'), partial: true }, state, 7.9);
    assert.equal(c.seed({ expanded: ['group:a'], charWidth: 7.9, graph: g('whole') }, state, 7.9), true);
    assert.deepEqual(c.take(state), { graph: g('whole'), ahead: true, partial: false });
    assert.equal(c.seed({ expanded: ['group:a'], charWidth: 7.5, graph: g('whole') }, state, 7.9), false, 'made for another width: not kept');
  });
  it('keeps the 8 most recent states', () => {
    const c = new LayoutCache();
    for (let i = 0; i < 9; i++) c.put(new Set([`group:${i}`]), g(String(i)));
    assert.equal(c.take(new Set(['group:0'])), undefined);
    assert.equal(c.take(new Set(['group:8']))?.graph.id, '8');
    c.clear();
    assert.equal(c.take(new Set(['group:8'])), undefined);
  });
});
