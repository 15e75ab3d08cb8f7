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
import { defaultExpanded, viewGraph, type ElkNode } from '../../webview/graph/elk-graph';
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
    assert.deepEqual(c.take(new Set(['group:a', 'group:b'])), { graph: g('ahead'), ahead: true });
    assert.deepEqual(c.take(new Set(['group:a', 'group:b'])), { graph: g('ahead'), ahead: false });
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
