/**
 * Keras cases: `model.to_json()` JSON, `.keras` zips (a mutated config.json
 * in a valid zip; corrupt zips; sizes that lie; a bomb) and legacy `.h5`
 * (byte mutations of a valid file; valid HDF5 with a mutated model_config).
 */
import { strToU8, zipSync } from 'fflate';
import { MODEL_DIR } from './case';
import { someCommand } from './commands';
import { kerasArchive } from '../helpers/keras-writers';
import { hostileKerasConfig } from './keras-hostile';
import { h5Bytes, kerasSeeds } from './keras-seeds';
import { havoc } from './mutate-bytes';
import type { CaseBody } from './onnx-cases';
import type { Rng } from './rng';
import { jsonText, mutateTree, type Json } from './tree-mutate';

/** A mutated or hostile Keras config, as JSON text. */
async function mutatedConfig(rng: Rng): Promise<{ text: string; what: string }> {
  if (rng.chance(0.3)) {
    return hostileKerasConfig(rng);
  }
  const seed = rng.pick((await kerasSeeds()).configs);
  const config = structuredClone(seed.config);
  const whats: string[] = [];
  for (let i = 0, n = rng.range(1, 3); i < n; i++) whats.push(mutateTree(rng, config));
  let text = jsonText(config);
  if (rng.chance(0.1)) {
    const m = havoc(rng, new TextEncoder().encode(text));
    text = new TextDecoder().decode(m.bytes);
    whats.push(`text ${m.what}`);
  }
  return { text, what: `${seed.name}: ${whats.join('; ')}` };
}

export async function kerasJsonCase(rng: Rng): Promise<CaseBody> {
  const c = await mutatedConfig(rng);
  const path = `${MODEL_DIR}/${rng.pick(['model.json', 'keras_model.json', 'model.model.json'])}`;
  return { mutation: `keras json (${c.what})`, files: [{ path, bytes: c.text }], ...someCommand(rng, path) };
}

/** Sets the uncompressed-size fields of every local and central zip header to `size`. */
function lieAboutSizes(zip: Uint8Array, size: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  for (let i = 0; i + 46 <= out.length; i++) {
    const sig = view.getUint32(i, true);
    if (sig === 0x04034b50) view.setUint32(i + 22, size >>> 0, true);
    else if (sig === 0x02014b50) view.setUint32(i + 24, size >>> 0, true);
  }
  return out;
}

let bomb: Uint8Array | undefined;
/** config.json of 200 MB of spaces around a valid model: a zip of about 200 KB. */
function zipBomb(): Uint8Array {
  bomb ??= zipSync({ 'config.json': strToU8(`{"class_name": "Sequential", "config": {"layers": []}${' '.repeat(200 * 2 ** 20)}}`) }, { level: 9 });
  return bomb;
}

export async function kerasZipCase(rng: Rng): Promise<CaseBody> {
  const path = `${MODEL_DIR}/model.keras`;
  let bytes: Uint8Array;
  let what: string;
  switch (rng.int(8)) {
    case 0:
    case 1:
    case 2: {
      const c = await mutatedConfig(rng);
      bytes = zipSync({ 'metadata.json': strToU8('{}'), 'config.json': strToU8(c.text), 'model.weights.h5': new Uint8Array(0) });
      what = `config.json mutated (${c.what})`;
      break;
    }
    case 3:
    case 4: {
      const m = havoc(rng, (await kerasSeeds()).keras);
      bytes = m.bytes;
      what = `zip bytes: ${m.what}`;
      break;
    }
    case 5: {
      const size = rng.pick([0, 1, 2 ** 32 - 1, 2 ** 31]);
      bytes = lieAboutSizes((await kerasSeeds()).keras, size);
      what = `zip headers say every entry inflates to ${size} bytes`;
      break;
    }
    case 6:
      bytes = rng.chance(0.5) ? zipBomb() : lieAboutSizes(zipBomb(), 100);
      what = 'config.json inflating to 200 MB (zip bomb)';
      break;
    default: {
      const entries: Record<string, Uint8Array> = {};
      const kind = rng.int(3);
      if (kind === 0) for (let i = 0; i < 20_000; i++) entries[`f${i}`] = new Uint8Array(0);
      else if (kind === 1) entries['../config.json'] = strToU8('{}');
      else entries['config.json'] = Uint8Array.from([0xff, 0xfe, 0x00, 0x7b]);
      bytes = kind === 0 ? kerasArchive({ class_name: 'Sequential', config: { layers: [] } }, entries) : zipSync(entries);
      what = ['20,000 entries', 'config.json only as ../config.json', 'config.json not UTF-8'][kind];
    }
  }
  return { mutation: `keras zip: ${what}`, files: [{ path, bytes }], ...someCommand(rng, path) };
}

export async function h5Case(rng: Rng): Promise<CaseBody> {
  const path = `${MODEL_DIR}/model.h5`;
  let bytes: Uint8Array;
  let what: string;
  const r = rng.int(10);
  if (r < 5) {
    const m = havoc(rng, (await kerasSeeds()).h5);
    bytes = m.bytes;
    what = `hdf5 bytes: ${m.what}`;
  } else if (r < 9) {
    const c = await mutatedConfig(rng);
    const fixed = rng.chance(0.5);
    bytes = await h5Bytes(c.text, fixed);
    what = `model_config mutated (${c.what})${fixed ? '' : ', variable-length string'}`;
  } else {
    const kind = rng.int(3);
    bytes = await h5Bytes(kind === 0 ? undefined : kind === 1 ? '' : '"just a string"');
    what = ['no model_config', 'empty model_config', 'model_config a JSON string'][kind];
  }
  return { mutation: `h5: ${what}`, files: [{ path, bytes }], ...someCommand(rng, path) };
}

export type { Json };
