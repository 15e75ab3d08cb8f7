/**
 * The view laid out one group at a time (webview/graph/compose.ts): every box
 * placed inside its group, every edge one polyline from its source's border to
 * its target's, the same layout every time, and an expand or collapse that
 * lays out only the groups it changes (counted ELK runs, not timings).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import ELK from 'elkjs/lib/elk.bundled.js';
import { profileModel } from '../../src/core/report/profile';
import { layerViews } from '../../src/core/report/layer-view';
import { defaultExpanded, viewGraph, type ElkNode } from '../../webview/graph/elk-graph';
import { FrameCache, layoutComposed } from '../../webview/graph/compose';
import { geometry } from '../../webview/graph/render';
import { resnet50 } from '../helpers/zoo';

const model = resnet50({ weights: 'none' });
const profile = profileModel(model);
const views = layerViews(model, profile);
const view = (expanded: ReadonlySet<string>) => viewGraph(profile.report, views, expanded, 7.5);
const expanded = defaultExpanded(profile.report.layers);

function counting(): { runs: () => number; one: (g: ElkNode) => Promise<ElkNode> } {
  const elk = new ELK();
  let n = 0;
  return { runs: () => n, one: (g) => (n++, elk.layout(g as never) as unknown as Promise<ElkNode>) };
}

describe('a view laid out one group at a time', () => {
  it('every box inside its group, no two boxes of a group overlapping; every edge one polyline from border to border', async () => {
    const out = await layoutComposed(view(expanded), counting().one, new FrameCache());
    const geo = geometry(out);
    const box = new Map(geo.nodes.map((n) => [n.node.id, n]));
    assert.equal(geo.nodes.filter((n) => n.node.layer !== undefined).length, profile.report.layers.length);
    const inside = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
      a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
    const walk = (n: ElkNode) => {
      const kids = n.children ?? [];
      for (const c of kids) if (n.id !== out.id) assert.ok(inside(box.get(c.id)!, box.get(n.id)!), `${c.id} inside ${n.id}`);
      for (let i = 0; i < kids.length; i++)
        for (let j = i + 1; j < kids.length; j++) {
          const [a, b] = [box.get(kids[i].id)!, box.get(kids[j].id)!];
          const apart = a.x + a.width <= b.x + 0.5 || b.x + b.width <= a.x + 0.5 || a.y + a.height <= b.y + 0.5 || b.y + b.height <= a.y + 0.5;
          assert.ok(apart, `${kids[i].id} and ${kids[j].id} overlap`);
        }
      kids.forEach(walk);
    };
    walk(out);
    // Every edge of the view, each routed as one line that starts on its source box and ends on its target box.
    const declared = (n: ElkNode): number => (n.edges?.length ?? 0) + (n.children ?? []).reduce((s, c) => s + declared(c), 0);
    assert.equal(geo.edges.length, declared(view(expanded)));
    const onBorder = (p: { x: number; y: number }, id: string) => {
      const b = box.get(id)!;
      const d = Math.min(Math.abs(p.x - b.x), Math.abs(p.x - b.x - b.width), Math.abs(p.y - b.y), Math.abs(p.y - b.y - b.height));
      return p.x >= b.x - 0.5 && p.x <= b.x + b.width + 0.5 && p.y >= b.y - 0.5 && p.y <= b.y + b.height + 0.5 && d < 0.5;
    };
    for (const { edge, lines } of geo.edges) {
      assert.equal(lines.length, 1, `${edge.id}: one polyline`);
      const line = lines[0];
      assert.ok(onBorder(line[0], edge.sources[0]), `${edge.id} starts on ${edge.sources[0]}`);
      assert.ok(onBorder(line.at(-1)!, edge.targets[0]), `${edge.id} ends on ${edge.targets[0]}`);
      // Orthogonal all the way, through the group borders it crosses.
      for (let i = 1; i < line.length; i++) {
        const [a, b] = [line[i - 1], line[i]];
        assert.ok(Math.abs(a.x - b.x) < 0.5 || Math.abs(a.y - b.y) < 0.5, `${edge.id}: segment ${i} is horizontal or vertical`);
      }
    }
  });

  it('the same view gives the same layout, whether its groups came from the cache or not', async () => {
    const a = await layoutComposed(view(expanded), counting().one, new FrameCache());
    const cache = new FrameCache();
    await layoutComposed(view(new Set()), counting().one, cache);
    const b = await layoutComposed(view(expanded), counting().one, cache);
    assert.deepEqual(geometry(b).nodes.map((n) => [n.node.id, n.x, n.y]), geometry(a).nodes.map((n) => [n.node.id, n.x, n.y]));
    assert.deepEqual(geometry(b).edges.map((e) => e.lines), geometry(a).edges.map((e) => e.lines));
  });

  it('an expand or collapse lays out only the groups it changes: its parent chain, one ELK run per level; going back, none', async () => {
    const cache = new FrameCache();
    const first = counting();
    await layoutComposed(view(expanded), first.one, cache);
    // Levels: blocks, stages, the root (frames of one depth share a run).
    assert.equal(first.runs(), 3);
    const block = 'group:layer3/layer3.2';
    const collapsed = new Set([...expanded].filter((id) => id !== block));
    const toggle = counting();
    await layoutComposed(view(collapsed), toggle.one, cache);
    assert.equal(toggle.runs(), 2, 'layer3 (holding the collapsed block) and the root');
    const back = counting();
    await layoutComposed(view(expanded), back.one, cache);
    assert.equal(back.runs(), 0, 'every group seen before comes from the cache');
    // Collapsing the stem's neighbour renames the producers layer2 reads from: layer2 is still the same layout.
    const stage = counting();
    await layoutComposed(view(new Set([...expanded].filter((id) => id !== 'group:layer1' && !id.startsWith('group:layer1/')))), stage.one, cache);
    assert.equal(stage.runs(), 1, 'only the root is laid out again');
  });
});
