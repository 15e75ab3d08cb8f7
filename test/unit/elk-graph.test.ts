/** IR → ELK graph: grouping by name scope, collapsing, edges, and a real ELK layout. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import ELK from 'elkjs/lib/elk.bundled.js';
import { loadModelFile } from '../../src/core/loaders/index';
import { profileModel } from '../../src/core/report/profile';
import { defaultExpanded, scopeOf, toElkGraph, type ElkNode } from '../../webview/graph/elk-graph';

const layers = profileModel(loadModelFile(join(resolve(__dirname, '../..'), 'examples/small-cnn.onnx')).model).report.layers;

function ids(n: ElkNode, out: string[] = []): string[] {
  for (const c of n.children ?? []) {
    out.push(c.id);
    ids(c, out);
  }
  return out;
}

function edgesOf(n: ElkNode, out: { sources: string[]; targets: string[]; tensors: string[] }[] = []) {
  out.push(...(n.edges ?? []));
  for (const c of n.children ?? []) edgesOf(c, out);
  return out;
}

describe('IR → ELK graph', () => {
  it('name scopes become groups', () => {
    assert.deepEqual(scopeOf('/layer1/layer1.0/conv1/Conv'), ['layer1', 'layer1.0', 'conv1']);
    assert.deepEqual(scopeOf('Conv_0'), []);
  });

  it('expanded: one node per layer inside its scope groups, one edge per producer → consumer', () => {
    const g = toElkGraph(layers, { expanded: defaultExpanded(layers) });
    const all = ids(g);
    assert.equal(all.filter((i) => i.startsWith('node:')).length, layers.length);
    assert.ok(all.includes('group:block1') && all.includes('group:block1/conv1'));
    // One edge into each of the 20 layers after the first, + the second input of each of the two Adds: 22.
    const edges = edgesOf(g);
    for (const e of edges) assert.ok(all.includes(e.sources[0]) && all.includes(e.targets[0]), JSON.stringify(e));
    assert.equal(edges.length, 22);
  });

  it('collapsed groups are single nodes; edges into them are merged and self-loops dropped', () => {
    const g = toElkGraph(layers, { expanded: new Set() });
    const top = (g.children ?? []).map((c) => c.id);
    assert.deepEqual(top, ['group:stem', 'group:block1', 'group:block2', 'group:pool', 'group:flatten', 'group:fc']);
    const edges = edgesOf(g).map((e) => `${e.sources[0]}->${e.targets[0]}`);
    assert.deepEqual(edges, ['group:stem->group:block1', 'group:block1->group:block2', 'group:block2->group:pool', 'group:pool->group:flatten', 'group:flatten->group:fc']);
  });

  it('ELK lays it out: every node placed, the same positions every time', async () => {
    const elk = new ELK();
    const place = async () => {
      const out = await elk.layout(toElkGraph(layers, { expanded: defaultExpanded(layers) }) as never);
      const pos: Record<string, [number, number]> = {};
      const walk = (n: { id: string; x?: number; y?: number; children?: unknown[] }) => {
        for (const c of (n.children ?? []) as typeof n[]) {
          assert.ok(Number.isFinite(c.x) && Number.isFinite(c.y), `${c.id} placed`);
          pos[c.id] = [c.x!, c.y!];
          walk(c);
        }
      };
      walk(out as never);
      return pos;
    };
    const a = await place();
    const b = await place();
    assert.equal(Object.keys(a).length, ids(toElkGraph(layers, { expanded: defaultExpanded(layers) })).length);
    assert.deepEqual(a, b);
    // Top to bottom: the stem is above the classifier.
    assert.ok(a['group:stem'][1] < a['group:fc'][1]);
  });
});
