/**
 * Writes the Keras and TF.js example models, built with TF.js itself:
 *   examples/keras-cnn.keras       a `.keras` zip whose config.json is the model's
 *                                  `toJSON()` (Keras format), as Keras lays the archive out
 *   examples/tfjs-cnn/model.json   the files `model.save()` writes (+ its weights shard)
 * Run: node --import tsx scripts/make-keras-examples.ts
 * Output is deterministic (fixed layer names, weights and zip dates), so the
 * committed files can be compared with a fresh run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import * as tf from '@tensorflow/tfjs';

/** A small CNN for 32×32 RGB images: two conv/BN/pool stages, a separable conv, global pooling, a dense head. */
export function exampleCnn(): tf.Sequential {
  const model = tf.sequential({
    name: 'keras_cnn',
    layers: [
      tf.layers.conv2d({ name: 'conv1', inputShape: [32, 32, 3], filters: 16, kernelSize: 3, padding: 'same', useBias: false }),
      tf.layers.batchNormalization({ name: 'bn1' }),
      tf.layers.activation({ name: 'relu1', activation: 'relu' }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      tf.layers.conv2d({ name: 'conv2', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
      tf.layers.separableConv2d({ name: 'sep3', filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dropout({ name: 'dropout', rate: 0.2 }),
      tf.layers.dense({ name: 'logits', units: 10, activation: 'softmax' }),
    ],
  });
  // Fixed weights, so the shard is the same on every run.
  model.setWeights(model.getWeights().map((w, i) => tf.fill(w.shape, (i + 1) / 100)));
  return model;
}

const FIXED_DATE = new Date('2025-01-01T00:00:00Z');

/** A `.keras` archive (keras/src/saving/saving_lib.py layout) with the model's Keras config. */
export function kerasArchiveOf(model: tf.LayersModel): Uint8Array {
  const config = model.toJSON(null, false);
  return zipSync(
    {
      'metadata.json': strToU8(JSON.stringify({ keras_version: 'tfjs-layers 4.22.0', date_saved: '2025-01-01@00:00:00' })),
      'config.json': strToU8(JSON.stringify(config)),
    },
    { mtime: FIXED_DATE },
  );
}

/** model.json and its weights shard, exactly as TF.js's save handler receives them. */
export async function tfjsFilesOf(model: tf.LayersModel): Promise<{ modelJson: string; shard: Uint8Array; shardName: string }> {
  const shardName = 'group1-shard1of1.bin';
  let out: { modelJson: string; shard: Uint8Array; shardName: string } | undefined;
  await model.save(tf.io.withSaveHandler((a) => {
    const data = a.weightData;
    const shard = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(tf.io.concatenateArrayBuffers(data ?? []));
    const json = { modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy ?? null, weightsManifest: [{ paths: [shardName], weights: a.weightSpecs }] };
    out = { modelJson: `${JSON.stringify(json, null, 1)}\n`, shard, shardName };
    return Promise.resolve({ modelArtifactsInfo: { dateSaved: FIXED_DATE, modelTopologyType: 'JSON' } });
  }));
  return out!;
}

/** Writes both examples under `dir` (the repository's examples/ by default). */
export async function writeKerasExamples(dir: string): Promise<{ keras: string; tfjs: string }> {
  const model = exampleCnn();
  mkdirSync(dir, { recursive: true });
  const keras = join(dir, 'keras-cnn.keras');
  writeFileSync(keras, kerasArchiveOf(model));
  const tfjsDir = join(dir, 'tfjs-cnn');
  mkdirSync(tfjsDir, { recursive: true });
  const files = await tfjsFilesOf(model);
  const tfjs = join(tfjsDir, 'model.json');
  writeFileSync(tfjs, files.modelJson);
  writeFileSync(join(tfjsDir, files.shardName), files.shard);
  return { keras, tfjs };
}

if (require.main === module) {
  writeKerasExamples(join(__dirname, '..', 'examples')).then(
    (w) => console.log(`wrote ${w.keras}\nwrote ${w.tfjs}`),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
