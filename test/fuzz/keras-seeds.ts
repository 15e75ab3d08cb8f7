/**
 * Valid Keras and TF.js models to mutate, made by the writers the loader
 * tests use (test/helpers): Keras 3 and tf.keras 2 configs, TF.js's own
 * `model.toJSON()` and `model.save()` artifacts, HDF5 written by h5wasm, and
 * the examples. Made once per run (TF.js's writers are asynchronous).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  keras2ProjectionBlock, kerasJsonOf, kerasMnistSequential, kerasResBlockFunctional, saveTfjs, tfjsFunctionalCnn, tfjsSequentialCnn, tfjsSharedAndNested, writeKerasH5Text,
} from '../helpers/keras-writers';
import { mobileBlock, shapeArithmetic, smallCnn, upsampler } from '../helpers/tfjs-graph-fixtures';
import type { Json } from './tree-mutate';
import { tempDir } from '../helpers/temp';

const EXAMPLES = resolve(__dirname, '../../examples');

export interface TfjsSeed {
  name: string;
  modelJson: Json;
  /** Shard file name → bytes. */
  shards: Record<string, Uint8Array>;
}

export interface KerasSeeds {
  /** Keras model configs (`model.to_json()` / config.json / model_config). */
  configs: { name: string; config: Json }[];
  tfjs: TfjsSeed[];
  /** A valid legacy .h5 (model_config + a weights group), and the example .keras. */
  h5: Uint8Array;
  keras: Uint8Array;
}

let seeds: Promise<KerasSeeds> | undefined;

export function kerasSeeds(): Promise<KerasSeeds> {
  seeds ??= (async () => {
    const configs: KerasSeeds['configs'] = [
      { name: 'mnist (Keras 3)', config: kerasMnistSequential() as Json },
      { name: 'res block (Keras 3 functional)', config: kerasResBlockFunctional() as Json },
      { name: 'projection block (tf.keras 2)', config: keras2ProjectionBlock() as Json },
      { name: 'sequential (TF.js toJSON)', config: kerasJsonOf(tfjsSequentialCnn()) as Json },
      { name: 'functional (TF.js toJSON)', config: kerasJsonOf(tfjsFunctionalCnn()) as Json },
      { name: 'shared and nested (TF.js toJSON)', config: kerasJsonOf(tfjsSharedAndNested()) as Json },
    ];
    const tfjs: TfjsSeed[] = [];
    for (const [name, make] of [['sequential', tfjsSequentialCnn], ['functional', tfjsFunctionalCnn], ['shared', tfjsSharedAndNested]] as const) {
      const s = await saveTfjs(make());
      tfjs.push({ name: `layers model (${name})`, modelJson: s.modelJson as Json, shards: { [s.shardName]: s.weights } });
    }
    for (const [name, make] of [['small cnn', smallCnn], ['mobile block', mobileBlock], ['upsampler', upsampler], ['shape arithmetic', shapeArithmetic]] as const) {
      const g = make();
      tfjs.push({ name: `graph model (${name})`, modelJson: g.json as unknown as Json, shards: { 'group1-shard1of1.bin': g.weightData } });
    }
    tfjs.push({
      name: 'example tfjs-cnn',
      modelJson: JSON.parse(readFileSync(join(EXAMPLES, 'tfjs-cnn/model.json'), 'utf8')) as Json,
      shards: { 'group1-shard1of1.bin': readFileSync(join(EXAMPLES, 'tfjs-cnn/group1-shard1of1.bin')) },
    });
    return { configs, tfjs, h5: await h5Bytes(JSON.stringify(kerasMnistSequential())), keras: readFileSync(join(EXAMPLES, 'keras-cnn.keras')) };
  })();
  return seeds;
}

/** A legacy .h5 as keras-writers writes it, with the model_config text as given; its bytes. */
export async function h5Bytes(configText: string | undefined, fixedLength = true): Promise<Uint8Array> {
  const dir = tempDir('convlens-fuzz-h5-');
  try {
    const path = join(dir, 'model.h5');
    await writeKerasH5Text(path, configText, fixedLength);
    return readFileSync(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
