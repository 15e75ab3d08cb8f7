/**
 * Profiling at other input shapes (`--input`, `--batch`, the batch setting)
 * than the file's (issue #12). Shapes the graph cannot take — a Reshape
 * whose target bakes in batch 1, a Gemm whose K no longer matches — are an
 * error naming the node that breaks, exit 2, never a report mixing the
 * asked shapes with the file's declared ones. Shapes the graph can take
 * carry through every layer.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli';
import { pythonWithOnnx, PYTHON_ONNX_HINT } from '../helpers/python-onnx';
import { ModelHost } from '../../src/extension/model-host';
import { isInputShapeMessage } from '../../src/core/errors';
import { testModel } from '../helpers/ir';
import { profileModel, type ProfileReport } from '../../src/core/report/profile';
import { tempDir } from '../helpers/temp';

const ROOT = resolve(__dirname, '../..');
const LENET = join(ROOT, 'examples/lenet5.cnn.yaml');
const SMALL_CNN = join(ROOT, 'examples/small-cnn.onnx');
const WORKER = resolve(__dirname, '../../src/extension/model-worker.ts');

/**
 * Two models written with the onnx package, as torch.onnx.export writes
 * them (value_info from its shape inference included):
 *  - fixed.onnx: x [1,3,32,32] → Conv(8, 3×3, stride 2) → Relu → Reshape to
 *    the constant [1, 2048] (a batch-1 export of `x.view(1, -1)`) → Gemm(10).
 *  - dynamic.onnx: x [N,3,32,32] → Conv → Relu → Shape → Gather(0) →
 *    Unsqueeze → Concat with [-1] → Reshape (`x.view(x.size(0), -1)`) → Gemm(10).
 */
const WRITE_MODELS = String.raw`
import sys, numpy as np, onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh
out = sys.argv[1]
def w(name, shape): return nh.from_array(np.zeros(shape, np.float32), name)
def i64(name, v): return nh.from_array(np.array(v, np.int64), name)
def body(batch, reshape_nodes, inits):
    nodes = [h.make_node('Conv', ['x', 'conv.weight', 'conv.bias'], ['conv_out'], name='Conv_0', kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
             h.make_node('Relu', ['conv_out'], ['relu_out'], name='Relu_1')] + reshape_nodes + [
             h.make_node('Gemm', ['flat', 'fc.weight', 'fc.bias'], ['logits'], name='Gemm_13', transB=1)]
    g = h.make_graph(nodes, 'g', [h.make_tensor_value_info('x', T.FLOAT, [batch, 3, 32, 32])],
        [h.make_tensor_value_info('logits', T.FLOAT, [batch, 10])],
        [w('conv.weight', [8, 3, 3, 3]), w('conv.bias', [8]), w('fc.weight', [10, 2048]), w('fc.bias', [10])] + inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid('', 13)], producer_name='pytorch')
    return onnx.shape_inference.infer_shapes(m)
fixed = body(1, [h.make_node('Reshape', ['relu_out', 'shape_const'], ['flat'], name='Reshape_12')], [i64('shape_const', [1, 2048])])
onnx.save(fixed, out + '/fixed.onnx')
dyn = body('N', [
    h.make_node('Shape', ['relu_out'], ['s'], name='Shape_2'),
    h.make_node('Gather', ['s', 'zero'], ['n'], name='Gather_3', axis=0),
    h.make_node('Unsqueeze', ['n', 'axes0'], ['n1'], name='Unsqueeze_4'),
    h.make_node('Concat', ['n1', 'minus1'], ['target'], name='Concat_5', axis=0),
    h.make_node('Reshape', ['relu_out', 'target'], ['flat'], name='Reshape_6')],
    [i64('zero', 0), i64('axes0', [0]), i64('minus1', [-1])])
onnx.save(dyn, out + '/dynamic.onnx')
# An operator ConvLens does not know, its output declared by the exporter: in N, or at batch 1.
for name, batch in (('custom-dynamic', 'N'), ('custom-fixed', 1)):
    nodes = [h.make_node('Conv', ['x', 'conv.weight'], ['conv_out'], name='Conv_0', kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
             h.make_node('Mystery', ['conv_out'], ['myst'], name='Mystery_1', domain='com.example'),
             h.make_node('Flatten', ['myst'], ['flat'], name='Flatten_2'),
             h.make_node('Gemm', ['flat', 'fc.weight'], ['logits'], name='Gemm_3', transB=1)]
    g = h.make_graph(nodes, 'g', [h.make_tensor_value_info('x', T.FLOAT, [batch, 3, 32, 32])],
        [h.make_tensor_value_info('logits', T.FLOAT, [batch, 10])], [w('conv.weight', [8, 3, 3, 3]), w('fc.weight', [10, 2048])],
        value_info=[h.make_tensor_value_info('myst', T.FLOAT, [batch, 8, 16, 16])])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid('', 13), h.make_opsetid('com.example', 1)]), out + '/' + name + '.onnx')
`;

describe('input shapes the graph cannot take', () => {
  const python = pythonWithOnnx();
  let dir: string;
  before(() => {
    dir = tempDir('convlens-rebind-');
    if (!python) {
      console.log(`# skipped the Python-written models: ${PYTHON_ONNX_HINT}`);
      return;
    }
    const r = spawnSync(python, ['-c', WRITE_MODELS, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--batch 2 on a Reshape baked for batch 1: exit 2, one stderr line naming the node and why', { skip: python ? false : PYTHON_ONNX_HINT }, async () => {
    const file = join(dir, 'fixed.onnx');
    const r = await runCli('profile', file, '--batch', '2', '--json');
    assert.equal(r.code, 2, r.stdout);
    assert.equal(r.stdout, '', 'no report, so no mixed totals');
    // Conv 3×3 stride 2 pad 1 on 32×32: 16×16, so 2×8×16×16 = 4,096 elements; the target holds 2,048.
    assert.equal(
      r.stderr,
      `convlens: ${file}: input 'x' as 2×3×32×32 does not fit the graph: node 'Reshape_12' (Reshape): cannot reshape 2×8×16×16 (4,096 elements) to [1, 2048] (2,048 elements)\n`,
    );
  });

  it('--input at another image size: the same rule, per input name', { skip: python ? false : PYTHON_ONNX_HINT }, async () => {
    const r = await runCli('profile', join(dir, 'fixed.onnx'), '--input', 'x=1x3x64x64');
    assert.equal(r.code, 2);
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    assert.match(r.stderr, /node 'Reshape_12' \(Reshape\): cannot reshape 1×8×32×32 \(8,192 elements\) to \[1, 2048\]/);
  });

  it('an example model (LeNet-5, 32×32) at 64×64: the first Dense\'s K no longer matches', async () => {
    const r = await runCli('profile', LENET, '--input', 'input=1x1x64x64');
    assert.equal(r.code, 2, r.stdout);
    assert.equal(r.stdout, '');
    // Conv5 on 64×64 leaves 120×9×9 = 9,720 features; the Dense was built for 120.
    assert.equal(
      r.stderr,
      `convlens: ${LENET}: input 'input' as 1×1×64×64 does not fit the graph: node '/dense/Gemm' (Gemm): inner dimensions differ: A [1,9720] has K=9720 but B [120,84] has K=120\n`,
    );
  });

  it('--budget on a batch-1-only graph: the largest batch is 1, and the node that refuses 2 is named', { skip: python ? false : PYTHON_ONNX_HINT }, async () => {
    const r = await runCli('profile', join(dir, 'fixed.onnx'), '--budget', '1GiB');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Largest training batch within 1\.00 GiB: 1 \(.*\); the graph takes no other batch \(input 'x' as 2×3×32×32 does not fit the graph: node 'Reshape_12'/);
  });

  it('the model view and the command-palette profile get the same message as the CLI', { skip: python ? false : PYTHON_ONNX_HINT }, async () => {
    const file = join(dir, 'fixed.onnx');
    const cli = await runCli('profile', file, '--batch', '2');
    const message = cli.stderr.replace(`convlens: ${file}: `, '').trimEnd();
    for (const script of [WORKER, join(tmpdir(), 'no-such-model-worker.js')]) {
      const host = new ModelHost(file, script, () => undefined);
      try {
        await host.open();
        await assert.rejects(host.view({ budgetBytes: 2 ** 30, batch: 2 }), (e: Error) => e.message === message);
        await assert.rejects(host.profile({ batch: 2 }), (e: Error) => e.message === message);
        // The view tells this apart from a file it cannot open (it names the shapes, not the file, as the problem).
        assert.ok(isInputShapeMessage(message));
        // Back at the file's own batch, the view works again.
        const data = await host.view({ budgetBytes: 2 ** 30 });
        assert.equal(data.report.outputs[0].shape?.[0], 1);
        // Found after the first paint, by a request of its own.
        assert.equal(data.summary.largestTrainingBatch, 'pending');
        assert.equal(await host.batchFit({ budgetBytes: 2 ** 30 }), 1);
      } finally {
        host.dispose();
      }
    }
  });
});

describe('input shapes the graph can take', () => {
  const python = pythonWithOnnx();
  let dir: string;
  before(() => {
    dir = tempDir('convlens-rebind-ok-');
    if (python) assert.equal(spawnSync(python, ['-c', WRITE_MODELS, dir], { encoding: 'utf8' }).status, 0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--batch 8 on a dynamic-batch export: every layer\'s activations carry batch 8, and MACs are 8× batch 1\'s', { skip: python ? false : PYTHON_ONNX_HINT }, async () => {
    const file = join(dir, 'dynamic.onnx');
    const r1 = JSON.parse((await runCli('profile', file, '--json', '--batch', '1')).stdout) as ProfileReport;
    const r = await runCli('profile', file, '--json', '--batch', '8');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as ProfileReport;
    // Conv, Relu, Reshape, Gemm: the tensors (the Shape → Concat chain holds 1-D shape vectors).
    const activations = j.layers.filter((l) => l.outputs[0].shape!.length >= 2);
    assert.deepEqual(activations.map((l) => l.op), ['Conv', 'Relu', 'Reshape', 'Gemm']);
    for (const l of activations) assert.equal(l.outputs[0].shape![0], 8, `${l.name}: ${JSON.stringify(l.outputs[0].shape)}`);
    assert.deepEqual(j.layers.find((l) => l.name === 'Reshape_6')!.outputs[0].shape, [8, 2048]);
    assert.deepEqual(j.outputs[0].shape, [8, 10]);
    assert.equal(j.totals.macs, 8 * r1.totals.macs!);
    assert.deepEqual(j.warnings, []);
  });

  it('an unknown operator\'s declared output in the dynamic batch N follows --batch 8', { skip: python ? false : PYTHON_ONNX_HINT }, async () => {
    const r = await runCli('profile', join(dir, 'custom-dynamic.onnx'), '--json', '--batch', '8');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as ProfileReport;
    assert.deepEqual(j.layers.map((l) => l.outputs[0].shape), [[8, 8, 16, 16], [8, 8, 16, 16], [8, 2048], [8, 10]]);
  });

  it('an unknown operator\'s output declared at batch 1 is unknown at --batch 2, never batch 1 among batch 2', { skip: python ? false : PYTHON_ONNX_HINT }, async () => {
    const r = await runCli('profile', join(dir, 'custom-fixed.onnx'), '--json', '--batch', '2');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as ProfileReport;
    const shapes = j.layers.map((l) => l.outputs[0].shape);
    assert.deepEqual(shapes[0], [2, 8, 16, 16]);
    assert.equal(shapes[1], null, 'the file\'s [1,8,16,16] is for batch 1');
    // Downstream, dims are unknown (named '?…'), none of them the file's batch 1.
    for (const s of shapes.slice(2)) assert.match(String(s![0]), /^\?/, JSON.stringify(s));
    assert.ok(j.totals.partial.includes('macs'));
  });

  it('--batch 8 on the example small-cnn.onnx: every layer is at batch 8', async () => {
    const r = await runCli('profile', SMALL_CNN, '--json', '--batch', '8');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as ProfileReport;
    for (const l of j.layers) for (const o of l.outputs) assert.equal(o.shape![0], 8, `${l.name}: ${JSON.stringify(o.shape)}`);
  });

  it('a Keras Reshape (target excludes the batch) takes any batch: MobileNet\'s definition at batch 3', async () => {
    const r = await runCli('profile', join(ROOT, 'examples/mobilenet.cnn.yaml'), '--json', '--batch', '3');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as ProfileReport;
    assert.deepEqual(j.outputs[0].shape, [3, 1000]);
    assert.deepEqual(j.totals.partial, []);
  });
});

describe('shapes an op states itself survive rebinding', () => {
  it('a TF.js TensorList stack\'s stated shape holds at another input size; a shape recorded for the file\'s input does not', () => {
    const model = testModel({
      inputs: { x: { shape: [1, 3, 8, 8] } },
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'], name: 'relu' },
        { op: 'Opaque', inputs: ['r'], outputs: ['stated', 'recorded'], name: 'stack' },
        { op: 'Relu', inputs: ['stated'], outputs: ['s2'], name: 'after_stated' },
        { op: 'Relu', inputs: ['recorded'], outputs: ['r2'], name: 'after_recorded' },
      ],
      outputs: ['s2', 'r2'],
    });
    model.graph.nodes[1].domain = 'ai.tensorflow';
    model.graph.values.set('stated', { name: 'stated', dtype: 'float32', shape: [1, 320, 320, 3], shapeStatedByOp: true });
    model.graph.values.set('recorded', { name: 'recorded', dtype: 'float32', shape: [1, 3, 8, 8] });
    const layer = (r: ReturnType<typeof profileModel>, name: string) => r.report.layers.find((l) => l.name === name)!.outputs[0].shape;
    const own = profileModel(model);
    assert.deepEqual(layer(own, 'after_stated'), [1, 320, 320, 3]);
    assert.deepEqual(layer(own, 'after_recorded'), [1, 3, 8, 8]);
    const rebound = profileModel(model, { inputShapes: { x: [1, 3, 16, 16] } });
    assert.deepEqual(layer(rebound, 'after_stated'), [1, 320, 320, 3]);
    assert.equal(layer(rebound, 'after_recorded'), null);
  });
});
