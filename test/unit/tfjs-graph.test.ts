/**
 * TF.js graph-model loader, checked against TF.js itself: every fixture is
 * loaded and run by @tensorflow/tfjs (cpu backend), and each TF node's output
 * shape must equal the shape our IR infers for the value the node was lowered
 * to (NCHW values read back as NHWC); parameter counts must equal the
 * manifest's float elements.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { Dim } from '../../src/core/ir';
import { ModelLoadError } from '../../src/core/errors';
import { inferShapes } from '../../src/core/analysis/infer';
import { profileModel } from '../../src/core/report/profile';
import { loadTfjsGraphModel, lowerTfjsGraphModel } from '../../src/core/loaders/tfjs-graph';
import { loadModelFileSync } from '../../src/core/loaders/index';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder, attr, mobileBlock, shapeArithmetic, smallCnn, sparseReshapeTarget, upsampler, type GraphFixture } from '../helpers/tfjs-graph-fixtures';
import { tempDir } from '../helpers/temp';

/** TF.js's shape for output 0 of every computed node, run on a batch of one. */
async function tfjsShapes(fx: GraphFixture): Promise<Map<string, number[]>> {
  const { modelTopology, weightsManifest } = fx.json;
  const weightData = fx.weightData.buffer.slice(fx.weightData.byteOffset, fx.weightData.byteOffset + fx.weightData.byteLength) as ArrayBuffer;
  const model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology, weightSpecs: weightsManifest[0].weights as tf.io.WeightsManifestEntry[], weightData }));
  const input = tf.randomNormal(fx.inputShape.map((d) => (d < 0 ? 1 : d)));
  const outs = model.execute({ [fx.inputName]: input }, fx.computed) as tf.Tensor[];
  const shapes = new Map(fx.computed.map((n, k) => [n, outs[k].shape]));
  tf.dispose([input, ...outs]);
  model.dispose();
  return shapes;
}

/** Our inferred shape (NHWC order) for each computed node, batch bound to 1. */
function ourShapes(fx: GraphFixture, withWeights = true): { shapes: Map<string, Dim[] | undefined>; warnings: string[]; params: number } {
  const { model, outputs } = lowerTfjsGraphModel(fx.json, 'model.json', withWeights ? { weightData: fx.weightData } : {});
  const inferred = inferShapes(model, { bindings: { N: 1 } });
  const shapes = new Map<string, Dim[] | undefined>();
  for (const name of fx.computed) {
    const low = outputs.get(name);
    const s = low ? inferred.values.get(low.value)?.shape : undefined;
    shapes.set(name, s && low?.layout === 'nchw' ? [s[0], s[2], s[3], s[1]] : s);
  }
  const errors = inferred.issues.filter((i) => i.severity === 'error').map((i) => i.message);
  assert.deepEqual(errors, [], 'shape inference found no inconsistencies');
  return { shapes, warnings: model.warnings, params: profileModel(model).report.totals.params! };
}

const FIXTURES: [string, () => GraphFixture][] = [
  ['small CNN (Conv2D SAME s2, BiasAdd, Relu, MaxPool, Reshape, MatMul, Softmax)', smallCnn],
  ['MobileNet-style block (_FusedConv2D, depthwise, FusedBatchNormV3, ConcatV2, Pad, AvgPool, Mean, Squeeze, _FusedMatMul)', mobileBlock],
  ['shape arithmetic (channel-vector Mul/Sub/RealDiv/Maximum, MirrorPad, Shape → StridedSlice → Pack → Reshape)', shapeArithmetic],
  ['upsampler (Conv2DBackpropInput, ResizeNearestNeighbor/Bilinear, Elu, LeakyRelu, Mean)', upsampler],
  ['a Reshape target made by SparseToDense of no indices, as tf2onnx writes (nanodet)', sparseReshapeTarget],
];

describe('TF.js graph models: shapes agree with TF.js', () => {
  before(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  for (const [label, make] of FIXTURES) {
    it(label, async () => {
      const fx = make();
      const expected = await tfjsShapes(fx);
      const ours = ourShapes(fx);
      for (const name of fx.computed) assert.deepEqual(ours.shapes.get(name), expected.get(name), `node ${name}`);
      assert.equal(ours.params, fx.floatParams, 'parameters = float elements of the manifest');
      assert.deepEqual(ours.warnings, []);
    });
  }

  it('without the weight bytes, conv stacks and common axis patterns still get shapes (with warnings)', async () => {
    const fx = mobileBlock();
    const expected = await tfjsShapes(fx);
    const ours = ourShapes(fx, false);
    for (const name of ['stem/Relu6', 'block/depthwise', 'block/bn/FusedBatchNormV3', 'block/project', 'branch/BiasAdd', 'concat']) {
      assert.deepEqual(ours.shapes.get(name), expected.get(name), `node ${name}`);
    }
    assert.equal(ours.params, fx.floatParams);
    assert.ok(ours.warnings.some((w) => /concat axis is in the weights file/.test(w)), ours.warnings.join('\n'));
    assert.ok(ours.warnings.some((w) => /paddings are not known/.test(w)), ours.warnings.join('\n'));
  });
});

describe('TF.js graph models: lowering', () => {
  it('Conv2D SAME with stride 2 on an even input pads asymmetrically, as TF (more at the end)', () => {
    const m = loadTfjsGraphModel(smallCnn().json, 'model.json');
    const conv = m.graph.nodes.find((n) => n.opType === 'Conv')!;
    assert.deepEqual(conv.attributes.pads, { type: 'ints', value: [0, 0, 1, 1] });
    const w = m.graph.values.get(conv.inputs[1])!;
    assert.deepEqual(w.shape, [8, 3, 3, 3], 'ONNX filter layout [out, in, kh, kw]');
  });

  it('depthwise filters become grouped Conv weights [in·mult, 1, kh, kw]', () => {
    const m = loadTfjsGraphModel(mobileBlock().json, 'model.json');
    // The Conv computes the TF node's output, so it carries the TF node's name.
    const dw = m.graph.nodes.find((n) => n.name === 'block/depthwise')!;
    assert.equal(dw.opType, 'Conv');
    assert.deepEqual(dw.attributes.group, { type: 'int', value: 16 });
    assert.deepEqual(m.graph.values.get(dw.inputs[1])!.shape, [16, 1, 3, 3]);
  });

  it('the batch dim -1 is symbolic N; graph outputs are NHWC', () => {
    const m = loadTfjsGraphModel(smallCnn().json, 'model.json', { weightData: smallCnn().weightData });
    const { report } = profileModel(m);
    assert.deepEqual(report.outputs[0].shape, ['N', 10]);
  });

  it('an unknown op becomes an opaque node with a warning, not a crash', () => {
    const g = new GraphBuilder();
    const x = g.placeholder('x', [1, 8, 8, 3]);
    const y = g.op('weird', 'FancyOp', [x]);
    g.op('out', 'Relu', [y]);
    const m = loadTfjsGraphModel(g.build().json, 'm.json');
    assert.ok(m.warnings.some((w) => w.includes('\'weird\'') && w.includes('FancyOp')), m.warnings.join('\n'));
    assert.ok(m.graph.nodes.some((n) => n.opType === 'FancyOp' && n.domain === 'ai.tensorflow'));
  });
});

describe('TF.js graph models: unknown ops and TF1 control flow', () => {
  const shapeOf = (m: ReturnType<typeof loadTfjsGraphModel>, value: string) => inferShapes(m).values.get(value)?.shape;

  it('an unknown op keeps every output its consumers reference; one warning per op type; shapes continue past it', () => {
    const g = new GraphBuilder();
    const x = g.placeholder('x', [1, 8, 8, 3]);
    g.op('weird', 'FancyOp', [x]);
    g.op('weird2', 'FancyOp', [x]);
    g.op('a', 'Relu', ['weird:2']);
    g.op('b', 'AddV2', ['weird:0', 'weird2:1']);
    g.op('c', 'Relu', [x]);
    const { model, outputs } = lowerTfjsGraphModel(g.build().json, 'm.json');
    const fancy = model.graph.nodes.filter((n) => n.opType === 'FancyOp');
    assert.deepEqual(fancy.map((n) => n.outputs.length), [3, 2]);
    assert.equal(model.warnings.filter((w) => w.includes('FancyOp')).length, 1, model.warnings.join('\n'));
    assert.match(model.warnings.find((w) => w.includes('FancyOp'))!, /2 nodes, the first 'weird'/);
    const c = outputs.get('c')!;
    assert.deepEqual(shapeOf(model, c.value), c.layout === 'nchw' ? [1, 3, 8, 8] : [1, 8, 8, 3]);
  });

  it('BatchMatMulV2 with adj_y (facemesh-attention.json\'s FoldTransposeIntoMatMul): [1,3,3] × [1,71,3]ᵀ = [1,3,71]', () => {
    const g = new GraphBuilder();
    const x = g.placeholder('x', [1, 71, 3]);
    g.op('mm', 'BatchMatMulV2', [g.const('m', [1, 3, 3]), x], { adj_x: attr.b(false), adj_y: attr.b(true) });
    const fx = g.build();
    const { model, outputs } = lowerTfjsGraphModel(fx.json, 'm.json', { weightData: fx.weightData });
    assert.deepEqual(shapeOf(model, outputs.get('mm')!.value), [1, 3, 71]);
  });

  it('a TF1 cond (Switch:1 / Merge) loads; the Merge has the branches\' common shape', () => {
    const g = new GraphBuilder();
    const x = g.placeholder('x', [1, 8, 8, 3]);
    const m = g.op('m', 'Mean', [x, g.const('axes', [4], [0, 1, 2, 3])], { keep_dims: attr.b(false) });
    const pred = g.op('pred', 'Greater', [m, g.const('zero', [])]);
    g.op('cond/Switch', 'Switch', [x, pred]);
    g.op('cond/then', 'Relu', ['cond/Switch:1']);
    g.op('cond/else', 'Sigmoid', ['cond/Switch']);
    g.op('cond/Merge', 'Merge', ['cond/else', 'cond/then'], { N: attr.i(2) });
    g.op('out', 'Tanh', ['cond/Merge']);
    const fx = g.build();
    const { model, outputs } = lowerTfjsGraphModel(fx.json, 'm.json', { weightData: fx.weightData });
    assert.deepEqual(shapeOf(model, outputs.get('out')!.value), [1, 8, 8, 3]);
  });

  it('a TF1 while loop becomes one WhileLoop node: a value passed through keeps its shape, a counter too; the rest is profiled', () => {
    const g = new GraphBuilder();
    const x = g.placeholder('x', [1, 8, 8, 3]);
    const frame = { frame_name: attr.s('w/while_context'), is_constant: attr.b(false), parallel_iterations: attr.i(10) };
    g.op('w/Enter', 'Enter', [x], frame);
    g.op('w/Enter_1', 'Enter', [g.const('i0', [], [0])], frame);
    g.op('w/Enter_2', 'Enter', [g.const('limit', [], [3])], { ...frame, is_constant: attr.b(true) });
    g.op('w/Merge', 'Merge', ['w/Enter', 'w/NextIteration']);
    g.op('w/Merge_1', 'Merge', ['w/Enter_1', 'w/NextIteration_1']);
    g.op('w/Less', 'Less', ['w/Merge_1', 'w/Enter_2']);
    g.op('w/LoopCond', 'LoopCond', ['w/Less']);
    g.op('w/Switch', 'Switch', ['w/Merge', 'w/LoopCond']);
    g.op('w/Switch_1', 'Switch', ['w/Merge_1', 'w/LoopCond']);
    g.op('w/Identity', 'Identity', ['w/Switch:1']);
    g.op('w/Identity_1', 'Identity', ['w/Switch_1:1']);
    g.rawNodes.push({ name: 'w/one', op: 'Const', input: ['^w/Identity_1'], attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: {} } }, dtype: attr.type() } });
    g.op('w/add', 'AddV2', ['w/Identity_1', 'w/one']);
    g.op('w/NextIteration', 'NextIteration', ['w/Identity']);
    g.op('w/NextIteration_1', 'NextIteration', ['w/add']);
    g.op('w/Exit', 'Exit', ['w/Switch']);
    g.op('w/Exit_1', 'Exit', ['w/Switch_1']);
    g.op('out', 'Relu', ['w/Exit']);
    g.op('count', 'Identity', ['w/Exit_1']);
    const fx = g.build();
    fx.json.weightsManifest[0].weights.push({ name: 'w/one', shape: [], dtype: 'float32' });
    const data = new Uint8Array(fx.weightData.byteLength + 4);
    data.set(fx.weightData);
    const { model, outputs } = lowerTfjsGraphModel(fx.json, 'm.json', { weightData: data });
    const loops = model.graph.nodes.filter((n) => n.opType === 'WhileLoop');
    assert.equal(loops.length, 1);
    assert.ok(!model.graph.nodes.some((n) => ['Enter', 'Merge', 'Switch', 'NextIteration', 'Exit', 'LoopCond'].includes(n.opType)));
    const out = outputs.get('out')!;
    assert.deepEqual(shapeOf(model, out.value), out.layout === 'nchw' ? [1, 3, 8, 8] : [1, 8, 8, 3]);
    assert.deepEqual(shapeOf(model, outputs.get('count')!.value), []);
    assert.ok(model.warnings.some((w) => /while loop 'w\/while_context' \(\d+ TF nodes\)/.test(w)), model.warnings.join('\n'));
    assert.equal(profileModel(model).report.totals.params, 1, 'the body\'s float constant counts');
  });
});

describe('TF.js graph models: SpaceToBatchND / BatchToSpaceND (dilated depthwise convolutions, as rvm.json writes them)', () => {
  before(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });
  const cases: [number, number[], number[]][] = [[16, [2, 2, 2, 2], [0, 0, 0, 0]], [15, [2, 3, 2, 3], [0, 1, 0, 1]]];
  for (const [size, pads, crops] of cases) {
    it(`input ${size}×${size}, paddings [${pads.join(',')}], crops [${crops.join(',')}]: shapes as TF.js executes them, batch 2`, async () => {
      const g = new GraphBuilder();
      const x = g.placeholder('x', [-1, size, size, 4]);
      const s2b = g.op('s2b', 'SpaceToBatchND', [x, g.const('block', [2], [2, 2]), g.const('pads', [2, 2], pads)]);
      const dw = g.op('dw', 'DepthwiseConv2dNative', [s2b, g.const('w', [3, 3, 4, 1])], {
        strides: attr.ints([1, 1, 1, 1]), padding: attr.s('VALID'), dilations: attr.ints([1, 1, 1, 1]), data_format: attr.s('NHWC'),
      });
      g.op('b2s', 'BatchToSpaceND', [dw, g.const('block2', [2], [2, 2]), g.const('crops', [2, 2], crops)]);
      const fx = g.build();
      const wd = fx.weightData;
      const tfModel = await tf.loadGraphModel(tf.io.fromMemory({
        modelTopology: fx.json.modelTopology, weightSpecs: fx.json.weightsManifest[0].weights as tf.io.WeightsManifestEntry[],
        weightData: wd.buffer.slice(wd.byteOffset, wd.byteOffset + wd.byteLength) as ArrayBuffer,
      }));
      const input = tf.zeros([2, size, size, 4]);
      const outs = tfModel.execute({ x: input }, fx.computed) as tf.Tensor[];
      const { model, outputs } = lowerTfjsGraphModel(fx.json, 'm.json', { weightData: wd });
      const inferred = inferShapes(model, { bindings: { N: 2 } });
      fx.computed.forEach((n, k) => {
        const low = outputs.get(n)!;
        const sh = inferred.values.get(low.value)?.shape;
        assert.deepEqual(low.layout === 'nchw' && sh ? [sh[0], sh[2], sh[3], sh[1]] : sh, outs[k].shape, n);
      });
      tf.dispose([input, ...outs]);
      tfModel.dispose();
    });
  }
});

describe('TF.js graph models: malformed files', () => {
  const base = () => smallCnn().json as unknown as Record<string, unknown>;
  const nodesOf = (j: Record<string, unknown>) => (j.modelTopology as { node: Record<string, unknown>[] }).node;
  const named = (j: Record<string, unknown>, name: string) => nodesOf(j).find((n) => n.name === name)!;
  const cases: [string, () => unknown, RegExp][] = [
    ['not an object', () => [1, 2], /expected a JSON object/],
    ['a layers model', () => ({ ...base(), format: 'layers-model' }), /not 'graph-model'/],
    ['no topology', () => ({ ...base(), modelTopology: undefined }), /modelTopology is missing/],
    ['no node list', () => ({ ...base(), modelTopology: {} }), /modelTopology.node/],
    ['no manifest', () => ({ ...base(), weightsManifest: undefined }), /weightsManifest/],
    ['a missing input', () => { const j = base(); named(j, 'conv1/BiasAdd').input = ['conv1/Conv2D', 'nope']; return j; }, /conv1\/BiasAdd.*'nope'/],
    ['a cycle', () => { const j = base(); named(j, 'conv1/BiasAdd').input = ['conv1/Relu', 'conv1/bias']; return j; }, /cycle/],
    ['a Const without manifest entry', () => {
      const j = base();
      const m = j.weightsManifest as { weights: { name: string }[] }[];
      m[0].weights = m[0].weights.filter((w) => w.name !== 'conv1/kernel');
      return j;
    }, /conv1\/kernel.*no entry in weightsManifest/],
    ['a negative placeholder dim', () => { const j = base(); named(j, 'x').attr = { dtype: attr.type(), shape: attr.shape([1, -7, 8, 3]) }; return j; }, /'x'.*invalid dim/],
    ['a huge manifest dim', () => {
      const j = base();
      (j.weightsManifest as { weights: { shape: number[] }[] }[])[0].weights[0].shape = [2 ** 40, 1];
      return j;
    }, /invalid shape/],
    ['duplicate node names', () => { const j = base(); nodesOf(j).push({ ...named(j, 'conv1/Relu') }); return j; }, /two nodes are named 'conv1\/Relu'/],
    ['a rank-2 filter', () => {
      const j = base();
      (j.weightsManifest as { weights: { name: string; shape: number[] }[] }[])[0].weights[0].shape = [27, 8];
      return j;
    }, /conv1\/Conv2D.*filter must be a 4-D tensor/],
  ];
  for (const [label, make, re] of cases) {
    it(label, () => {
      assert.throws(() => loadTfjsGraphModel(make(), 'bad/model.json'), (e: unknown) => {
        assert.ok(e instanceof ModelLoadError, String(e));
        assert.equal(e.file, 'bad/model.json');
        assert.match(e.message, re);
        return true;
      });
    });
  }
});

describe('TF.js graph model files on disk', () => {
  const write = (fx: GraphFixture, withShards: boolean): string => {
    const dir = tempDir('convlens-tfjs-graph-');
    writeFileSync(join(dir, 'model.json'), JSON.stringify(fx.json));
    if (withShards) writeFileSync(join(dir, fx.json.weightsManifest[0].paths[0]), fx.weightData);
    return join(dir, 'model.json');
  };

  it('loadModelFile reads the weight shards beside model.json for the integer constants: no warnings', () => {
    const fx = mobileBlock();
    const { model } = loadModelFileSync(write(fx, true));
    assert.equal(model.format, 'tfjs');
    assert.deepEqual(model.warnings, []);
    assert.equal(profileModel(model).report.totals.params, fx.floatParams);
  });

  it('without its shards the model still loads, with the assumptions as warnings', () => {
    const { model } = loadModelFileSync(write(mobileBlock(), false));
    assert.ok(model.warnings.some((w) => /concat axis is in the weights file/.test(w)), model.warnings.join('\n'));
  });

  it('shard paths outside the model folder are not read, even when the file there is the right shard', () => {
    // The real shard sits one folder up: read, it would leave no warnings (as in the first test above).
    const fx = mobileBlock();
    const outer = tempDir('convlens-tfjs-graph-outside-');
    mkdirSync(join(outer, 'model'));
    writeFileSync(join(outer, 'weights.bin'), fx.weightData);
    fx.json.weightsManifest[0].paths = ['../weights.bin'];
    writeFileSync(join(outer, 'model', 'model.json'), JSON.stringify(fx.json));
    const { model } = loadModelFileSync(join(outer, 'model', 'model.json'));
    assert.ok(model.warnings.some((w) => /concat axis is in the weights file/.test(w)), model.warnings.join('\n'));
  });
});

describe('TF.js graph models: memory counts the tensors TensorFlow has', () => {
  it('the layout Transposes ConvLens inserts are views: 0 bytes, and their input stays live while they are read', () => {
    const fx = smallCnn();
    const report = profileModel(loadTfjsGraphModel(fx.json, 'model.json', { weightData: fx.weightData })).report;
    const transposes = report.layers.filter((l) => l.op === 'Transpose');
    assert.equal(transposes.length, 2, 'NHWC → NCHW before the conv, back before the Reshape');
    assert.ok(transposes.every((l) => l.activationBytes === 0));
    // TF's own tensors (float32, batch 1): conv, bias add and relu 16×16×8, pool 8×8×8, reshape 512, matmul, bias add, softmax 10.
    assert.equal(report.totals.activationBytes, 4 * (3 * 16 * 16 * 8 + 2 * 8 * 8 * 8 + 3 * 10));
    // Peak while the conv runs: its input x (32×32×3, read through the view) and its output 16×16×8.
    assert.equal(report.totals.peakActivationBytes, 4 * (32 * 32 * 3 + 16 * 16 * 8));
  });
});
