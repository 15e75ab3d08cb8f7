/**
 * TF.js layers models (model.json) → IR, checked against TF.js itself: the
 * model.json is what `model.save()` writes, and the expected parameter
 * counts and per-layer output shapes are TF.js's `countParams()` and
 * `layer.outputShape`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadModelBytesSync } from '../../src/core/loaders/index';
import { loadTfjsModelJson, manifestWeights } from '../../src/core/loaders/tfjs-layers';
import { profileModel } from '../../src/core/report/profile';
import { inferShapes } from '../../src/core/analysis/infer';
import type { Model } from '../../src/core/ir';
import { saveTfjs, tfjsFunctionalCnn, tfjsReference, tfjsSequentialCnn, tfjsSharedAndNested } from '../helpers/keras-writers';

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/** The report's shape (the model's own layout) as TF.js writes it: the open batch N is TF.js's null. */
const asTfjsShape = (s: readonly (number | string)[] | null) => s && s.map((d, i) => (i === 0 && d === 'N' ? null : d));

/** Each layer's output shape as the report shows it (its last node's output), keyed by its innermost layer name. */
function layerShapes(model: Model): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const l of profileModel(model).report.layers) {
    if (l.op === 'Constant') continue;
    const scope = l.name.split('/').filter(Boolean);
    out.set(scope[scope.length - 2], asTfjsShape(l.outputs[0].shape));
  }
  return out;
}

/** Layers whose output TF.js and ConvLens both know, compared; Dropout and InputLayer lower to nothing (or Identity). */
function assertShapesMatch(model: Model, reference: Map<string, unknown>): void {
  const ours = layerShapes(model);
  let compared = 0;
  for (const [name, shape] of reference) {
    if (!ours.has(name)) continue;
    assert.deepEqual(ours.get(name), shape, `layer ${name}`);
    compared++;
  }
  assert.ok(compared >= reference.size - 2, `compared ${compared} of ${reference.size} layers`);
}

async function roundTrip(build: () => import('@tensorflow/tfjs').LayersModel) {
  const tfModel = build();
  const saved = await saveTfjs(tfModel);
  const model = loadModelBytesSync(bytes(saved.modelJson), 'model.json');
  return { tfModel, saved, model, ref: tfjsReference(tfModel), profile: profileModel(model) };
}

describe('TF.js layers models (written by @tensorflow/tfjs)', () => {
  it('sequential CNN: params and every layer shape as TF.js reports', async () => {
    const { model, ref, profile } = await roundTrip(tfjsSequentialCnn);
    assert.equal(model.format, 'tfjs');
    assert.equal(profile.report.totals.params, ref.params);
    assertShapesMatch(model, ref.shapes);
    assert.deepEqual(model.warnings, []);
    assert.deepEqual(inferShapes(model).issues, []);
    assert.equal(model.metadata.format, 'layers-model');
  });

  it('functional CNN with concatenate and add: params and shapes as TF.js reports', async () => {
    const { model, ref, profile } = await roundTrip(tfjsFunctionalCnn);
    assert.equal(profile.report.totals.params, ref.params);
    assertShapesMatch(model, ref.shapes);
    assert.deepEqual(model.graph.inputs, ['image']);
    assert.deepEqual(profile.report.outputs[0].shape, ['N', 5]);
  });

  it('a shared layer counts its weights once; a nested Sequential is lowered inline', async () => {
    const { model, ref, profile } = await roundTrip(tfjsSharedAndNested);
    // shared_conv 3·3·4·4+4 = 148 (once), inner 2 × 148 = 296: 444.
    assert.equal(ref.params, 444);
    assert.equal(profile.report.totals.params, 444);
    assert.equal(model.graph.nodes.filter((n) => n.opType === 'Conv').length, 4);
    assert.ok(model.graph.nodes.some((n) => n.name.startsWith('/inner_block/')), 'nested layers under the inner model name');
    assert.deepEqual(profile.report.outputs[0].shape, ['N', 4]);
  });

  it('reads the weights manifest (shapes only) and warns when its count differs', async () => {
    const { saved, ref } = await roundTrip(tfjsSequentialCnn);
    const w = manifestWeights(saved.modelJson)!;
    assert.equal(w.reduce((a, x) => a + x.shape.reduce((p, d) => p * d, 1), 0), ref.params);
    const tampered = structuredClone(saved.modelJson);
    const group = (tampered.weightsManifest as { weights: { shape: number[] }[] }[])[0];
    group.weights[0].shape = [3, 3, 3, 9];
    const model = loadTfjsModelJson(JSON.stringify(tampered), 'model.json');
    assert.equal(model.warnings.length, 1);
    assert.match(model.warnings[0], /weights manifest lists .* parameters, the lowered model has/);
  });

  it('modelTopology wrapped as {model_config} (tensorflowjs_converter from Keras .h5)', async () => {
    const { saved, ref } = await roundTrip(tfjsFunctionalCnn);
    const wrapped = { ...saved.modelJson, modelTopology: { keras_version: '2.15.0', backend: 'tensorflow', model_config: saved.modelJson.modelTopology } };
    const model = loadModelBytesSync(bytes(wrapped), 'model.json');
    assert.equal(profileModel(model).report.totals.params, ref.params);
  });

  it('graph models go to the graph-model loader (its own checks, its own messages)', () => {
    assert.throws(() => loadModelBytesSync(bytes({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }), 'model.json'), /model\.json: the graph has no nodes/);
    assert.throws(() => loadModelBytesSync(bytes({ modelTopology: { node: [{ name: 'x', op: 'Placeholder' }] } }), 'model.json'), /model\.json: weightsManifest is missing/);
  });

  it('a manifest without a topology is a clear error', () => {
    assert.throws(() => loadModelBytesSync(bytes({ weightsManifest: [] }), 'model.json'), /model\.json: .*without modelTopology/);
  });
});
