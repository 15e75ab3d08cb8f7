/** Keras / TF.js JSON as editor text: problems and IR nodes placed at offsets of the text. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kerasJsonDefinition } from '../../src/core/loaders/keras-json-definition';
import { profileModel } from '../../src/core/report/profile';
import { keras2ProjectionBlock, kerasMnistSequential, saveTfjs, tfjsFunctionalCnn, tfjsReference, type Json } from '../helpers/keras-writers';

const at = (text: string, r: { start: number; end: number }) => text.slice(r.start, r.end);
const pretty = (v: unknown) => JSON.stringify(v, null, 2);
const layers = (j: Json) => (j.config as Json).layers as Json[];

describe('kerasJsonDefinition', () => {
  it('a Keras 3 config: no problems, every node mapped to its layer object', () => {
    const text = pretty(kerasMnistSequential());
    const d = kerasJsonDefinition(text);
    assert.deepEqual(d.problems, []);
    assert.equal(profileModel(d.model).report.totals.params, 34_826);
    const conv = d.model.graph.nodes.find((n) => n.name === '/conv2d_1/Conv')!;
    const obj = at(text, d.layerOf.get(conv.name)!);
    assert.ok(obj.startsWith('{') && obj.endsWith('}'));
    assert.equal((JSON.parse(obj) as { config: { name: string } }).config.name, 'conv2d_1');
    for (const n of d.model.graph.nodes) assert.ok(d.layerOf.has(n.name), n.name);
  });

  it('an argument problem sits on its config key; an unknown class on the class_name value', () => {
    const j = kerasMnistSequential();
    (layers(j)[3].config as Json).padding = 'full';
    layers(j)[5].class_name = 'Flaten';
    const text = pretty(j);
    const d = kerasJsonDefinition(text);
    const pad = d.problems.find((p) => /padding/.test(p.message))!;
    assert.equal(pad.severity, 'error');
    assert.equal(at(text, pad.range), '"padding"');
    assert.ok(pad.range.start > text.indexOf('"conv2d_1"'));
    const cls = d.problems.find((p) => /unknown layer class/.test(p.message))!;
    assert.equal(at(text, cls.range), '"Flaten"');
    assert.match(cls.message, /did you mean Flatten\?/);
  });

  it('unknown arguments are warnings at their key', () => {
    const j = kerasMnistSequential();
    (layers(j)[1].config as Json).quantization_config = { mode: 'int8' };
    const text = pretty(j);
    const d = kerasJsonDefinition(text);
    assert.equal(d.problems.length, 1);
    assert.equal(d.problems[0].severity, 'warning');
    assert.equal(at(text, d.problems[0].range), '"quantization_config"');
  });

  it('structural problems (a missing inbound layer) sit on the layer class_name', () => {
    const j = keras2ProjectionBlock();
    layers(j)[2].inbound_nodes = [[['conv_z', 0, 0, {}]]];
    const text = pretty(j);
    const d = kerasJsonDefinition(text);
    const p = d.problems.find((x) => /conv_z/.test(x.message))!;
    assert.equal(at(text, p.range), '"BatchNormalization"');
    assert.ok(p.range.start > text.indexOf('"bn_a"') - 200 && p.range.start < text.indexOf('"conv_z"'));
  });

  it('JSON syntax errors at their offset; the text stays tolerant', () => {
    const text = pretty(kerasMnistSequential());
    const broken = text.replace('"filters": 32,', '"filters": 32,,');
    const d = kerasJsonDefinition(broken);
    assert.ok(d.problems.length >= 1);
    assert.match(d.problems[0].message, /JSON syntax: /);
    assert.equal(d.problems[0].range.start, broken.indexOf(',,') + 1);
  });

  it('a TF.js layers model.json: ranges inside modelTopology, params as TF.js counts', async () => {
    const tfModel = tfjsFunctionalCnn();
    const { modelJson } = await saveTfjs(tfModel);
    const text = pretty(modelJson);
    const d = kerasJsonDefinition(text);
    assert.deepEqual(d.problems, []);
    assert.equal(profileModel(d.model).report.totals.params, tfjsReference(tfModel).params);
    const cat = d.model.graph.nodes.find((n) => n.opType === 'Concat')!;
    assert.equal((JSON.parse(at(text, d.layerOf.get(cat.name)!)) as { name: string }).name, 'cat');
  });

  it('other JSON, graph models and absurd nesting are single clear problems', () => {
    assert.match(kerasJsonDefinition('{"name": "x"}').problems[0].message, /not a Keras model JSON/);
    assert.match(kerasJsonDefinition('{"format": "graph-model", "modelTopology": {"node": []}}').problems[0].message, /graph models: not supported yet/);
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    assert.match(kerasJsonDefinition(deep).problems[0].message, /nested too deeply/);
    assert.match(kerasJsonDefinition('').problems[0].message, /.+/);
  });
});
