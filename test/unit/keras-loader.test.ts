/**
 * Keras model configs → IR: hand-written Keras 3 and Keras 2 configs in the
 * exact shape Keras writes (keras/src/models/functional.py get_config,
 * serialize_node; tf.keras 2 get_network_config), with parameter counts
 * worked out by hand in the comments, plus malformed configs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kerasModelFromJson, loadKerasJson, lowerKerasModel } from '../../src/core/loaders/keras';
import { loadModelBytesSync } from '../../src/core/loaders/index';
import { ModelLoadError } from '../../src/core/errors';
import { profileModel } from '../../src/core/report/profile';
import { inferShapes } from '../../src/core/analysis/infer';
import { keras2ProjectionBlock, kerasMnistSequential, kerasResBlockFunctional, keras3Layer as k3, keras3Tensor as tensor, type Json } from '../helpers/keras-writers';

const params = (m: ReturnType<typeof kerasModelFromJson>) => profileModel(m).report.totals.params;
const loadErr = (json: unknown, pattern: RegExp) =>
  assert.throws(() => kerasModelFromJson(json, 'm.json'), (e: unknown) => e instanceof ModelLoadError && e.file === 'm.json' && pattern.test(e.problem), String(pattern));

describe('Keras configs → IR', () => {
  it('Keras 3 Sequential (MNIST convnet): 34,826 params, shapes, no warnings for Keras-written arguments', () => {
    const m = kerasModelFromJson(kerasMnistSequential(), 'config.json');
    assert.equal(m.format, 'keras');
    assert.equal(params(m), 34_826);
    assert.deepEqual(m.graph.inputs, ['input_layer']);
    // The IR is NCHW with the batch Keras leaves open (None) symbolic; the report shows Keras's own layout.
    assert.deepEqual(m.graph.values.get('input_layer')!.shape, ['N', 1, 28, 28]);
    const { report } = profileModel(m);
    assert.equal(report.layout, 'NHWC');
    assert.deepEqual(report.inputs[0].shape, ['N', 28, 28, 1]);
    assert.deepEqual(report.outputs[0].shape, ['N', 10]);
    assert.deepEqual(m.warnings, []);
    assert.deepEqual(inferShapes(m).issues, []);
  });

  it('Keras 3 Functional ResNet block (keras_history, merge args as a list): 4,906 params', () => {
    const m = kerasModelFromJson(kerasResBlockFunctional(), 'config.json');
    assert.equal(params(m), 4_906);
    assert.ok(m.graph.nodes.some((n) => n.opType === 'Add' && n.name === '/add/Add'));
    assert.deepEqual(m.warnings, []);
  });

  it('Keras 2 functional projection block (inbound_nodes lists, axis [3]): 15,050 params, 16×16×32 after the add', () => {
    const m = kerasModelFromJson(keras2ProjectionBlock(), 'model.json');
    assert.equal(params(m), 15_050);
    const values = inferShapes(m).values;
    const add = m.graph.nodes.find((n) => n.name === '/add/Add')!;
    assert.deepEqual(values.get(add.outputs[0])!.shape, ['N', 32, 16, 16]);
    assert.equal(m.metadata.keras_version, '2.15.0');
  });

  it('layers listed out of order are lowered once their inputs exist (as Keras from_config does)', () => {
    const j = keras2ProjectionBlock();
    const layers = (j.config as Json).layers as Json[];
    (j.config as Json).layers = [layers[0], ...layers.slice(1).reverse()];
    assert.equal(params(kerasModelFromJson(j, 'model.json')), 15_050);
  });

  it('a nested Functional model used as a layer is lowered inline under its name (node index 0 or 1)', () => {
    for (const node of [0, 1]) {
      const inner = kerasResBlockFunctional();
      const s = [null, 32, 32, 16];
      const outer = {
        class_name: 'Functional',
        config: {
          name: 'outer',
          layers: [
            { class_name: 'InputLayer', config: { batch_shape: s, name: 'x' }, name: 'x', inbound_nodes: [] },
            { ...inner, name: 'res_block', inbound_nodes: [{ args: [tensor(s, 'x')], kwargs: {} }] },
            { ...k3('Dense', { name: 'head', units: 2 }), name: 'head', inbound_nodes: [{ args: [tensor([null, 10], 'res_block', node)], kwargs: {} }] },
          ],
          input_layers: [['x', 0, 0]], output_layers: [['head', 0, 0]],
        },
      };
      const m = kerasModelFromJson(outer, 'config.json');
      assert.equal(params(m), 4_906 + 22); // + dense 10·2 + 2
      assert.ok(m.graph.nodes.some((n) => n.name.startsWith('/res_block/conv1/')));
    }
  });

  it('arguments Keras wrote but ConvLens does not model are warnings naming layer and argument', () => {
    const j = kerasMnistSequential();
    const layers = (j.config as Json).layers as Json[];
    (layers[1].config as Json).quantization_config = { mode: 'int8' };
    const m = kerasModelFromJson(j, 'config.json');
    assert.deepEqual(m.warnings, ['Conv2D \'conv2d\': argument \'quantization_config\' ignored']);
    assert.equal(params(m), 34_826);
  });

  it('loads through loadModelBytes by content (JSON with class_name and config)', () => {
    const m = loadModelBytesSync(new TextEncoder().encode(JSON.stringify(kerasMnistSequential())), 'model.json');
    assert.equal(params(m), 34_826);
  });
});

describe('Keras configs: malformed input → ModelLoadError naming file and layer', () => {
  it('unknown layer class, with a suggestion', () => {
    const j = kerasMnistSequential();
    ((j.config as Json).layers as Json[])[1].class_name = 'Conv2d';
    loadErr(j, /Conv2d 'conv2d': unknown layer class 'Conv2d'; did you mean Conv2D\?/);
  });

  it('data_format channels_first is refused clearly', () => {
    const j = kerasMnistSequential();
    (((j.config as Json).layers as Json[])[1].config as Json).data_format = 'channels_first';
    loadErr(j, /Conv2D 'conv2d': data_format 'channels_first' is not supported/);
  });

  it('a layer referenced but not defined', () => {
    const j = keras2ProjectionBlock();
    ((j.config as Json).layers as Json[])[2].inbound_nodes = [[['conv_z', 0, 0, {}]]];
    loadErr(j, /BatchNormalization 'bn_a' takes its input from 'conv_z', which is not a layer of the model/);
  });

  it('a cycle between layers', () => {
    const j = keras2ProjectionBlock();
    ((j.config as Json).layers as Json[])[1].inbound_nodes = [[['relu_a', 0, 0, {}]]];
    loadErr(j, /a cycle through 'relu_a'/);
  });

  it('a call index past the calls a layer has', () => {
    const j = keras2ProjectionBlock();
    ((j.config as Json).layers as Json[])[2].inbound_nodes = [[['conv_a', 3, 0, {}]]];
    loadErr(j, /takes call 3 of 'conv_a', which is called 1 time/);
  });

  it('unknown output layer and input layer names', () => {
    const j = keras2ProjectionBlock();
    (j.config as Json).output_layers = [['nope', 0, 0]];
    loadErr(j, /output_layers names 'nope'/);
    const k = keras2ProjectionBlock();
    (k.config as Json).input_layers = [['nope', 0, 0]];
    loadErr(k, /input_layers names 'nope'/);
  });

  it('an input without a fixed size', () => {
    const j = kerasMnistSequential();
    const layers = (j.config as Json).layers as Json[];
    (layers[0].config as Json).batch_shape = [null, null, null, 1];
    loadErr(j, /input 'input_layer': its shape is \(None, None, None, 1\); ConvLens needs every size but the batch fixed/);
  });

  it('models nested too deep, and JSON nested deeply, fail cleanly', () => {
    let m: Json = kerasMnistSequential();
    for (let i = 0; i < 100; i++) m = { class_name: 'Sequential', config: { name: `s${i}`, layers: [{ class_name: 'InputLayer', config: { batch_shape: [null, 28, 28, 1] } }, m] } };
    loadErr(m, /nested more than 32 deep/);
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    assert.throws(() => loadKerasJson(`{"class_name": "Sequential", "config": {"layers": ${deep}}}`, 'm.json'), ModelLoadError);
  });

  it('not a model: a bare layer, non-JSON text, JSON of something else', () => {
    loadErr({ class_name: 'Conv2D', config: {} }, /not a Keras model: class_name 'Conv2D'/);
    assert.throws(() => loadKerasJson('{"class_name": ', 'm.json'), /m\.json: the Keras model config is not valid JSON/);
    assert.throws(() => loadModelBytesSync(new TextEncoder().encode('{"name": "pkg"}'), 'package.json'), /package\.json: JSON that is neither a Keras model config/);
  });

  it('lowerKerasModel reports problems with JSON paths instead of throwing', () => {
    const j = kerasMnistSequential();
    (((j.config as Json).layers as Json[])[3].config as Json).padding = 'full';
    const out = lowerKerasModel(j);
    const p = out.problems.find((x) => x.severity === 'error')!;
    assert.deepEqual(p.path, ['config', 'layers', 3]);
    assert.equal(p.arg, 'padding');
  });
});
