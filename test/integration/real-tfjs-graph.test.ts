/**
 * Published TF.js graph models (@vladmandic/human's, a dev dependency), each
 * checked against TF.js executing it on the cpu backend (see
 * test/helpers/real-tfjs-graph.ts): parameters equal the weights manifest's
 * float elements; every executed TF output that our IR gives a known shape has
 * TF.js's shape; every Conv/depthwise/MatMul has the MACs computed from its
 * executed output shape and filter shape.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkRealGraphModel } from '../helpers/real-tfjs-graph';
import { loadModelFile } from '../../src/core/loaders';
import { profileModel } from '../../src/core/report/profile';
import { shownShape } from '../../src/core/layout';

const DIR = join(__dirname, '..', '..', 'node_modules', '@vladmandic', 'human', 'models');

/** Model, and the least share of executed outputs whose shape we must know (the rest are data-dependent). */
const MODELS: [string, number][] = [
  ['antispoof', 1], ['blazeface', 1], ['centernet', 1], ['emotion', 1], ['facemesh', 1], ['faceres', 1], ['handlandmark-lite', 1], ['iris', 1],
  ['liveness', 1], ['movenet-lightning', 1], ['handtrack', 0.6],
];

describe('published TF.js graph models agree with TF.js executing them', () => {
  before(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });
  for (const [name, share] of MODELS) {
    it(`${name}: parameters, every known shape and every convolution's MACs`, async () => {
      const r = await checkRealGraphModel(tf, join(DIR, `${name}.json`));
      assert.equal(r.params, r.manifestParams, 'parameters = the float elements of the weights manifest');
      assert.equal(r.notExecuted, undefined);
      assert.ok(r.executed > 0);
      assert.deepEqual(r.mismatches, [], 'shapes as TF.js executes them');
      assert.ok(r.compared >= share * r.executed, `${r.compared} of ${r.executed} executed outputs have a known shape`);
      assert.deepEqual(r.macsMismatches, []);
      assert.ok(r.macsChecked > 0);
    });
  }
});

describe('a published graph model is reported as TensorFlow has it', () => {
  it('blazeface: layout NHWC, layers named after their TF nodes with TF.js-shaped outputs, filters as the manifest stores them', async () => {
    const { model } = await loadModelFile(join(DIR, 'blazeface.json'));
    const report = profileModel(model).report;
    assert.equal(report.layout, 'NHWC');
    // The first fused conv (_FusedConv2D, 5×5 stride 2, 24 filters, Relu) on the 1×256×256×3 input.
    const conv = report.layers.find((l) => l.name === 'StatefulPartitionedCall/functional_1/conv2d/Relu');
    assert.ok(conv, 'a layer carries the TF node name');
    assert.deepEqual(conv.outputs[0].shape, [1, 128, 128, 24]);
    // Its filter is the manifest's 'unknown' [5, 5, 3, 24], held as ONNX's [24, 3, 5, 5].
    const convNode = model.graph.nodes.find((n) => n.name === 'StatefulPartitionedCall/functional_1/conv2d/Relu/Conv');
    assert.ok(convNode);
    const filter = convNode.inputs[1];
    assert.deepEqual(model.graph.values.get(filter)!.shape, [24, 3, 5, 5]);
    assert.deepEqual(shownShape(model, filter, model.graph.values.get(filter)!.shape!), [5, 5, 3, 24]);
  });
});
