/**
 * nsfwjs's published TF.js models (dev dependency `nsfwjs`,
 * dist/models/<name>/) as the model.json + weight shard folder TF.js serves.
 * nsfwjs ships each file as a UMD module: `model.min.js` exports the
 * model.json object ({modelTopology, weightsManifest}), each
 * `group1-shardKofN.min.js` a base64 string of the shard's bytes.
 * mobilenet_v2 and inception_v3 are layers models (Keras 2.2.4 topologies,
 * uint8-quantized weights); mobilenet_v2_mid is a graph model.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { tempDir } from './temp';

export type NsfwjsModel = 'mobilenet_v2' | 'mobilenet_v2_mid' | 'inception_v3';

export interface NsfwjsArtifacts {
  /** The model.json object. */
  modelJson: { modelTopology: unknown; weightsManifest: { paths: string[]; weights: unknown[] }[]; [k: string]: unknown };
  /** Shard bytes by manifest path (`group1-shard1of1`). */
  shards: Map<string, Uint8Array>;
}

const MODELS = resolve(__dirname, '../../node_modules/nsfwjs/dist/models');
const load = createRequire(join(MODELS, 'package.json'));

/** The model.json and its decoded shards. */
export function nsfwjsArtifacts(name: NsfwjsModel): NsfwjsArtifacts {
  const modelJson = load(`./${name}/model.min.js`) as NsfwjsArtifacts['modelJson'];
  const shards = new Map<string, Uint8Array>();
  for (const group of modelJson.weightsManifest) {
    for (const p of group.paths) shards.set(p, new Uint8Array(Buffer.from(load(`./${name}/${p}.min.js`) as string, 'base64')));
  }
  return { modelJson, shards };
}

/** The shards concatenated in manifest order (TF.js's weightData). */
export function weightData(a: NsfwjsArtifacts): Uint8Array {
  const parts = a.modelJson.weightsManifest.flatMap((g) => g.paths.map((p) => a.shards.get(p)!));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Writes model.json and its shards to a fresh temp folder; returns the model.json path. */
export function writeNsfwjsModel(name: NsfwjsModel, dir = tempDir(`nsfwjs-${name}-`)): string {
  const a = nsfwjsArtifacts(name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify(a.modelJson));
  for (const [p, bytes] of a.shards) writeFileSync(join(dir, p), bytes);
  return join(dir, 'model.json');
}
