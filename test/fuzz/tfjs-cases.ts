/**
 * TF.js `model.json` cases (layers and graph models): mutated topology and
 * weights manifest, and shards that are missing, short, a named pipe, or
 * outside the model's folder (`../`, absolute paths, symlinks). A graph
 * model's integer constants are read from its shard, so a shard read from
 * secret.bin shows SECRET_INT as a Reshape target.
 */
import { MODEL_DIR, SECRET_FILE, type CaseFile } from './case';
import { someCommand } from './commands';
import { attr, GraphBuilder } from '../helpers/tfjs-graph-fixtures';
import { kerasSeeds, type TfjsSeed } from './keras-seeds';
import type { CaseBody } from './onnx-cases';
import type { Rng } from './rng';
import { jsonText, mutateTree, type Json } from './tree-mutate';
import { havoc } from './mutate-bytes';

const MODEL = `${MODEL_DIR}/model.json`;

/** x [1, 4] → Reshape to an int32 constant [2, 2] that lives in the shard. */
function reshapeFromShard(): TfjsSeed {
  const g = new GraphBuilder();
  const x = g.placeholder('x', [1, 4]);
  g.op('reshape', 'Reshape', [x, g.const('target', [2], [2, 2])], { Tshape: attr.type('DT_INT32') });
  const f = g.build();
  return { name: 'graph model (reshape target in the shard)', modelJson: f.json as unknown as Json, shards: { 'group1-shard1of1.bin': f.weightData } };
}

interface Manifest { paths: string[]; weights: { name: string; shape: Json; dtype: string }[] }
const manifests = (m: Json): Manifest[] => ((m as { weightsManifest?: Manifest[] }).weightsManifest ?? []);

function shardFiles(seed: TfjsSeed): CaseFile[] {
  return Object.entries(seed.shards).map(([name, bytes]) => ({ path: `${MODEL_DIR}/${name}`, bytes }));
}

function shardCase(rng: Rng, caseDir: string): { files: CaseFile[]; json: Json; what: string } {
  const seed = rng.chance(0.6) ? reshapeFromShard() : rng.pick(tfjsSeedsCache!);
  const json = structuredClone(seed.modelJson);
  const first = manifests(json)[0];
  const shard = first?.paths[0] ?? 'group1-shard1of1.bin';
  const files: CaseFile[] = [];
  let what: string;
  switch (rng.int(9)) {
    case 0:
      first.paths = [`../${SECRET_FILE}`];
      what = 'shard path ../secret.bin';
      break;
    case 1:
      first.paths = [`${caseDir}/${SECRET_FILE}`];
      what = 'shard path absolute, outside the folder';
      break;
    case 2:
      files.push({ path: `${MODEL_DIR}/${shard}`, symlinkTo: `../${SECRET_FILE}` });
      what = 'shard a symlink to a file outside the folder';
      break;
    case 3:
      first.paths = [`up/${SECRET_FILE}`];
      files.push({ path: `${MODEL_DIR}/up`, symlinkTo: '..' });
      what = 'shard through a symlinked folder pointing outside';
      break;
    case 4:
      files.push({ path: `${MODEL_DIR}/${shard}`, fifo: true });
      what = 'shard a named pipe (FIFO)';
      break;
    case 5:
      what = 'shard missing';
      break;
    case 6: {
      const bytes = seed.shards[shard] ?? new Uint8Array(0);
      files.push({ path: `${MODEL_DIR}/${shard}`, bytes: bytes.subarray(0, rng.int(bytes.length)) });
      what = 'shard shorter than its manifest';
      break;
    }
    case 7:
      first.paths = [rng.pick(['', '.', '/dev/zero', '/proc/self/environ', 'a\u0000b', MODEL_DIR])];
      files.push(...shardFiles(seed));
      what = `shard path ${JSON.stringify(first.paths[0])}`;
      break;
    default: {
      const w = first?.weights[0];
      if (w) w.shape = rng.pick<Json>([[2 ** 31, 2 ** 31], [-1], [1e308], [], [0], Array(64).fill(2)]);
      files.push(...shardFiles(seed));
      what = `manifest weight shape ${jsonText(w?.shape ?? null)}`;
    }
  }
  return { files, json, what: `${seed.name}: ${what}` };
}

let tfjsSeedsCache: TfjsSeed[] | undefined;

export async function tfjsCase(rng: Rng, caseDir: string): Promise<CaseBody> {
  tfjsSeedsCache ??= (await kerasSeeds()).tfjs;
  let files: CaseFile[];
  let text: string;
  let what: string;
  if (rng.chance(0.35)) {
    const s = shardCase(rng, caseDir);
    files = s.files;
    text = jsonText(s.json);
    what = s.what;
  } else {
    const seed = rng.pick(tfjsSeedsCache);
    const json = structuredClone(seed.modelJson);
    const whats: string[] = [];
    for (let i = 0, n = rng.range(1, 4); i < n; i++) whats.push(mutateTree(rng, json));
    text = jsonText(json);
    if (rng.chance(0.1)) {
      const m = havoc(rng, new TextEncoder().encode(text));
      text = new TextDecoder().decode(m.bytes);
      whats.push(`text ${m.what}`);
    }
    files = shardFiles(seed);
    what = `${seed.name}: ${whats.join('; ')}`;
  }
  return { mutation: `tfjs ${what}`, files: [{ path: MODEL, bytes: text }, ...files], ...someCommand(rng, MODEL, 0.1) };
}
