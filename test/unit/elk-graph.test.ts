/** IR → ELK graph: grouping by name scope, collapsing, the visible-node budget, edges, and a real ELK layout. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import ELK from 'elkjs/lib/elk.bundled.js';
import { loadModelFileSync } from '../../src/core/loaders/index';
import { profileModel, type LayerReport } from '../../src/core/report/profile';
import { layerViews } from '../../src/core/report/layer-view';
import { defaultExpanded, groupLayers, hierarchyOf, ioId, nodeId, scopeOf, toElkGraph, visibleIdOf, type ElkNode } from '../../webview/graph/elk-graph';
import { compactLayout, firstScreenGraph } from '../../webview/graph/ahead';
import { geometry, LabelSpace } from '../../webview/graph/render';
import { formatShape } from '../../src/core/report/format';
import { resnet50 } from '../helpers/zoo';

const loaded = loadModelFileSync(join(resolve(__dirname, '../..'), 'examples/small-cnn.onnx')).model;
const profile = profileModel(loaded);
const layers = profile.report.layers;
const views = layerViews(loaded, profile);

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

/** Boxes drawn: layers and collapsed groups. */
const boxes = (g: ElkNode) => ids(g).filter((id) => id.startsWith('node:') || isCollapsed(g, id)).length;
function isCollapsed(g: ElkNode, id: string): boolean {
  const find = (n: ElkNode): ElkNode | undefined => (n.id === id ? n : (n.children ?? []).map(find).find(Boolean));
  return find(g)?.group?.collapsed === true;
}

/** A chain of `n` Relus named like an exporter without scopes: `Relu_0`, `Relu_1`, … */
function chain(n: number, name = (i: number) => `Relu_${i}`): LayerReport[] {
  return Array.from({ length: n }, (_, i) => ({
    name: name(i), op: 'Relu', inputs: [i ? `t${i - 1}` : 'x'], outputs: [{ name: `t${i}`, shape: [1, 8], dtype: 'float32' as const }],
    params: 0, macs: 0, flops: 8, receptiveField: null, activationBytes: 32, savedBytes: 0,
  }));
}

describe('IR → ELK graph', () => {
  it('name scopes become groups; scopes holding a single layer dissolve into their parent', () => {
    assert.deepEqual(scopeOf('/layer1/layer1.0/conv1/Conv'), ['layer1', 'layer1.0', 'conv1']);
    assert.deepEqual(scopeOf('Conv_0'), []);
    // small-cnn: /block1/conv1/Conv is the only layer of block1/conv1, so it sits in block1 itself.
    const groups = groupLayers(layers);
    assert.deepEqual([...groups.keys()], ['group:stem', 'group:block1', 'group:block2']);
    assert.deepEqual(groups.get('group:block1'), [3, 4, 5, 6, 7, 8, 9]);
  });

  it('expanded: one two-line box per layer (title, output shape) inside its groups, one edge per producer → consumer', () => {
    const g = toElkGraph(layers, views, { expanded: defaultExpanded(layers) });
    const all = ids(g);
    assert.equal(all.filter((i) => i.startsWith('node:')).length, layers.length);
    assert.ok(all.includes('group:block1') && !all.includes('group:block1/conv1'));
    const block2 = g.children!.find((c) => c.id === 'group:block2')!;
    const conv = block2.children!.find((c) => c.layer === 10)!;
    // layer-view titles a stride-2 3×3 conv with 32 outputs `Conv 3×3 /2 ×32`; its output is 1×32×16×16.
    assert.deepEqual(conv.labels!.map((l) => l.text), ['Conv 3×3 /2 ×32', '1×32×16×16']);
    assert.equal(conv.op, 'Conv');
    assert.ok(conv.width! >= 'Conv 3×3 /2 ×32'.length * 7);
    assert.deepEqual(block2.group, { path: ['block2'], name: 'block2', layers: [10, 11, 12, 13, 14, 15, 16, 17], collapsed: false, synthetic: false });
    // One edge into each of the 20 layers after the first, + the second input of each of the two Adds: 22.
    const edges = edgesOf(g);
    for (const e of edges) assert.ok(all.includes(e.sources[0]) && all.includes(e.targets[0]), JSON.stringify(e));
    assert.equal(edges.length, 22);
  });

  it('collapsed groups are single boxes (`name ▸`, `N layers`); edges into them are merged and self-loops dropped', () => {
    const g = toElkGraph(layers, views, { expanded: new Set() });
    const top = (g.children ?? []).map((c) => c.id);
    assert.deepEqual(top, ['group:stem', 'group:block1', 'group:block2', 'node:18', 'node:19', 'node:20']);
    assert.deepEqual(g.children![1].labels!.map((l) => l.text), ['block1 ▸', '7 layers']);
    const edges = edgesOf(g).map((e) => `${e.sources[0]}->${e.targets[0]}`);
    assert.deepEqual(edges, ['group:stem->group:block1', 'group:block1->group:block2', 'group:block2->node:18', 'node:18->node:19', 'node:19->node:20']);
    // block1's Add reads the stem's output twice over (conv path and skip): one edge, one tensor.
    assert.deepEqual(edgesOf(g)[0].tensors, ['/stem/relu/Relu_output_0']);
  });

  it('visibleIdOf: a layer is drawn as its outermost collapsed group', () => {
    const h = hierarchyOf(layers);
    assert.equal(visibleIdOf(h, 4, new Set()), 'group:block1');
    assert.equal(visibleIdOf(h, 4, new Set(['group:block1'])), 'node:4');
    assert.equal(visibleIdOf(h, 20, new Set()), 'node:20');
  });
});

describe('visible-node budget', () => {
  it('small models open fully expanded (ResNet-50: every group, every layer a box)', () => {
    const r50 = profileModel(resnet50({ weights: 'none' })).report.layers;
    const expanded = defaultExpanded(r50);
    assert.equal(expanded.size, groupLayers(r50).size);
    const g = toElkGraph(r50, [], { expanded });
    assert.equal(ids(g).filter((i) => i.startsWith('node:')).length, r50.length);
  });

  it('expands breadth first while the boxes stay within the budget', () => {
    const r50 = profileModel(resnet50({ weights: 'none' })).report.layers;
    // Top level: conv1, relu, maxpool, layer1–4, avgpool, flatten, fc = 10 boxes; layer1–4 hold 3, 4, 6, 3 blocks,
    // so opening all four stages shows 10 − 4 + 16 = 22 boxes. A block holds 8 layers (+7 boxes): 29 > 25.
    const expanded = defaultExpanded(r50, 25);
    assert.deepEqual([...expanded], ['group:layer1', 'group:layer2', 'group:layer3', 'group:layer4']);
    assert.equal(boxes(toElkGraph(r50, [], { expanded, budget: 25 })), 22);
    // With 30, the first block (shallowest, first in model order) opens too.
    assert.deepEqual([...defaultExpanded(r50, 30)].at(-1), 'group:layer1/layer1.0');
  });

  it('a 20,000-layer model without scopes opens as chunks of 250, collapsed', () => {
    const big = chain(20_000);
    const g = toElkGraph(big, [], { expanded: defaultExpanded(big) });
    assert.equal(g.children!.length, 80);
    assert.equal(g.children![0].id, 'group:#chunk0');
    assert.deepEqual(g.children![0].labels!.map((l) => l.text), ['layers 1–250 ▸', '250 layers']);
    assert.deepEqual(g.children![79].group!.layers.length, 250);
    assert.equal(edgesOf(g).length, 79);
    // Revealing layer 1000 (the 1001st) expands chunk 4.
    assert.equal(visibleIdOf(hierarchyOf(big), 1000, new Set()), 'group:#chunk4');
  });
});

describe('ELK layout', () => {
  const layout = async (g: ElkNode) => (await new ELK().layout(g as never)) as unknown as ElkNode;

  it('the opening screen: the first boxes in model order, inside the groups that hold them, with the edges among them', () => {
    const r50 = profileModel(resnet50({ weights: 'none' })).report;
    const whole = toElkGraph(r50.layers, [], { expanded: defaultExpanded(r50.layers), io: { inputs: r50.inputs, outputs: r50.outputs } });
    assert.equal(firstScreenGraph(whole, 1000), undefined, 'no more boxes than that: the whole graph is laid out at once');
    const first = firstScreenGraph(whole, 20)!;
    const leaves = ids(first).filter((id) => !id.startsWith('group:'));
    // The input, then layers 0–18 (conv1, relu, maxpool and the first blocks of layer1).
    assert.deepEqual(leaves, [ioId('input', 0), ...Array.from({ length: 19 }, (_, i) => nodeId(i))]);
    const groups = ids(first).filter((id) => id.startsWith('group:'));
    assert.ok(groups.includes('group:layer1') && !groups.includes('group:layer2'), `only groups holding kept boxes: ${groups.join(',')}`);
    const kept = new Set(leaves);
    const edges = edgesOf(first);
    assert.ok(edges.length > 0 && edges.every((e) => [...e.sources, ...e.targets].every((id) => kept.has(id))), 'edges only among kept boxes');
    // Every edge of the whole graph between two kept boxes is kept.
    assert.equal(edges.length, edgesOf(whole).filter((e) => [...e.sources, ...e.targets].every((id) => kept.has(id))).length);
    assert.equal(ids(whole).length > ids(first).length, true, 'the whole graph is left as it was');
  });

  it('a layout sent from the extension keeps only what drawing needs: the same boxes, the same edge routes, a fraction of the JSON', async () => {
    const full = await layout(toElkGraph(layers, views, { expanded: defaultExpanded(layers) }));
    const compact = compactLayout(full);
    const drawn = (g: ElkNode) => {
      const geo = geometry(g);
      return {
        boxes: geo.nodes.map((n) => [n.node.id, n.x, n.y, n.width, n.height, n.node.labels?.map((l) => l.text), n.node.layer, n.node.op, n.node.group, n.node.io]),
        edges: geo.edges.map((e) => [e.edge.id, e.edge.sources, e.edge.targets, e.edge.tensors, e.lines]),
      };
    };
    assert.deepEqual(drawn(compact), drawn(full));
    assert.ok(drawn(full).edges.length > 0);
    assert.ok(JSON.stringify(compact).length < 0.75 * JSON.stringify(full).length, `${JSON.stringify(compact).length} of ${JSON.stringify(full).length} bytes`);
  });

  it('every node placed, the same positions every time; extra fields pass through', async () => {
    const place = async () => {
      const out = await layout(toElkGraph(layers, views, { expanded: defaultExpanded(layers) }));
      const pos: Record<string, [number, number]> = {};
      const walk = (n: ElkNode) => {
        for (const c of n.children ?? []) {
          assert.ok(Number.isFinite(c.x) && Number.isFinite(c.y), `${c.id} placed`);
          assert.ok(c.layer !== undefined || c.group !== undefined, `${c.id} keeps its layer/group`);
          pos[c.id] = [c.x!, c.y!];
          walk(c);
        }
      };
      walk(out);
      return pos;
    };
    const a = await place();
    const b = await place();
    assert.equal(Object.keys(a).length, ids(toElkGraph(layers, views, { expanded: defaultExpanded(layers) })).length);
    assert.deepEqual(a, b);
    // Top to bottom: the stem is above the classifier.
    assert.ok(a['group:stem'][1] < a['node:20'][1]);
  });

  it('edge sections in absolute coordinates start on the source box border and end on the target box border', async () => {
    for (const expanded of [defaultExpanded(layers), new Set<string>(), new Set(['group:block2'])]) {
      const geo = geometry(await layout(toElkGraph(layers, views, { expanded })));
      const box = new Map(geo.nodes.map((n) => [n.node.id, n]));
      assert.ok(geo.edges.length > 0);
      for (const { edge, lines } of geo.edges) {
        assert.ok(lines.length > 0, `${edge.id} routed`);
        const onBorder = (p: { x: number; y: number }, id: string) => {
          const b = box.get(id)!;
          const inside = p.x >= b.x - 0.5 && p.x <= b.x + b.width + 0.5 && p.y >= b.y - 0.5 && p.y <= b.y + b.height + 0.5;
          const edgeDist = Math.min(Math.abs(p.x - b.x), Math.abs(p.x - b.x - b.width), Math.abs(p.y - b.y), Math.abs(p.y - b.y - b.height));
          return inside && edgeDist < 0.5;
        };
        const first = lines[0][0];
        const last = lines[lines.length - 1].at(-1)!;
        assert.ok(onBorder(first, edge.sources[0]), `${edge.id} starts on ${edge.sources[0]}: ${JSON.stringify(first)} ${JSON.stringify(box.get(edge.sources[0]))}`);
        assert.ok(onBorder(last, edge.targets[0]), `${edge.id} ends on ${edge.targets[0]}: ${JSON.stringify(last)}`);
      }
    }
  });
});

describe('model inputs and outputs as boxes; edge labels that never overlap', () => {
  const layout = async (g: ElkNode) => (await new ELK().layout(g as never)) as unknown as ElkNode;
  const io = { inputs: profile.report.inputs, outputs: profile.report.outputs };

  it('a box per input (first) and output (last), name and shape, with edges to the layers that read or make it', async () => {
    const g = toElkGraph(layers, views, { expanded: defaultExpanded(layers), io });
    const first = g.children![0];
    const last = g.children!.at(-1)!;
    assert.deepEqual(first.io, { kind: 'input', name: io.inputs[0].name });
    assert.deepEqual(first.labels!.map((l) => l.text), [io.inputs[0].name, `${formatShape(io.inputs[0].shape)} float32`]);
    assert.deepEqual(last.io, { kind: 'output', name: io.outputs[0].name });
    const readers = layers.map((l, i) => [l, i] as const).filter(([l]) => l.inputs.includes(io.inputs[0].name));
    const fromInput = edgesOf(g).filter((e) => e.sources[0] === first.id);
    assert.equal(fromInput.length, readers.length);
    assert.ok(readers.length > 0);
    assert.deepEqual(edgesOf(g).filter((e) => e.targets[0] === last.id).map((e) => e.tensors), [[io.outputs[0].name]]);
    // Laid out: the input above every layer, the output below.
    const geo = geometry(await layout(g));
    const y = new Map(geo.nodes.map((n) => [n.node.id, n.y]));
    const layerYs = geo.nodes.filter((n) => n.node.layer !== undefined).map((n) => n.y);
    assert.ok(y.get(first.id)! < Math.min(...layerYs));
    assert.ok(y.get(last.id)! > Math.max(...layerYs));
  });

  it('a label is not placed over a box, a group title or another label', () => {
    const nodes = [
      { x: 0, y: 0, width: 200, height: 100, depth: 0, node: { id: 'group:a', group: { path: ['a'], name: 'a', layers: [0], collapsed: false, synthetic: false } } },
      { x: 10, y: 30, width: 120, height: 42, depth: 1, node: { id: 'node:0', layer: 0 } },
    ];
    const space = new LabelSpace(nodes);
    // Just above the box, inside the group title bar (y 0–24): refused.
    assert.equal(space.claim({ x: 60, y: 20, vertical: true }, '1×3×299×299'), false);
    // Over the box: refused.
    assert.equal(space.claim({ x: 20, y: 50, vertical: true }, '1×8'), false);
    // Below the group: placed once; the same place again is taken.
    assert.equal(space.claim({ x: 60, y: 130, vertical: true }, '1×64×56×56'), true);
    assert.equal(space.claim({ x: 70, y: 132, vertical: true }, '1×64×56×56'), false);
  });
});
