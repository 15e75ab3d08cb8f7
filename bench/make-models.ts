/**
 * Writes the benchmark models (torchvision CNNs from the test zoo, with
 * deterministic pseudo-random float32 weights, so sizes are real) into
 * bench/models/ (git-ignored), skipping files that already exist:
 *
 *   npx tsx bench/make-models.ts [outdir] [--all] [--force]
 *
 * --all adds VGG-16 (553 MB; its Python `onnx` timings alone take over a minute).
 * resnet50-ext.onnx keeps its weights in resnet50-ext.onnx.data, as
 * onnx.save_model(..., save_as_external_data=True) would.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Model } from '../src/core/ir';
import { encodeOnnx, externalizeInitializers } from '../src/core/onnx/writer';
import * as zoo from '../test/helpers/zoo';

export const DEFAULT_MODEL_DIR = resolve(__dirname, 'models');

export interface BenchModel {
  name: string;
  /** The .onnx file. */
  file: string;
  /** The external-data side file, if any. */
  dataFile?: string;
}

interface Recipe {
  name: string;
  build: () => Model;
  /** Weights in a side file next to the model. */
  external?: boolean;
  /** Only with `all` (slow to measure). */
  large?: boolean;
}

const RECIPES: Recipe[] = [
  { name: 'mobilenet_v2', build: () => zoo.mobilenetV2() },
  { name: 'resnet18', build: () => zoo.resnet18() },
  { name: 'resnet50', build: () => zoo.resnet50() },
  { name: 'resnet50-ext', build: () => zoo.resnet50(), external: true },
  { name: 'alexnet', build: () => zoo.alexnet() },
  { name: 'vgg16', build: () => zoo.vgg16(), large: true },
];

/** Writes `chunks` to `file` through a temporary name, so an interrupted run leaves no half file. */
function writeAtomically(file: string, chunks: Uint8Array[]): void {
  const tmp = `${file}.partial`;
  const fd = openSync(tmp, 'w');
  try {
    for (const c of chunks) writeSync(fd, c);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export interface EnsureOptions {
  /** Include the large models (VGG-16). */
  all?: boolean;
  /** Remake models that exist. */
  force?: boolean;
  log?: (line: string) => void;
}

/** Makes the models missing from `dir` (all of them with `force`); returns every model's paths. */
export function ensureModels(dir = DEFAULT_MODEL_DIR, opts: EnsureOptions = {}): BenchModel[] {
  const log = opts.log ?? ((line: string) => console.error(line));
  mkdirSync(dir, { recursive: true });
  const out: BenchModel[] = [];
  for (const r of RECIPES.filter((x) => opts.all || !x.large)) {
    const file = join(dir, `${r.name}.onnx`);
    const dataFile = r.external ? `${file}.data` : undefined;
    out.push({ name: r.name, file, dataFile });
    if (!opts.force && existsSync(file) && (!dataFile || existsSync(dataFile))) continue;
    const t0 = performance.now();
    let model = r.build();
    if (dataFile) {
      const ext = externalizeInitializers(model, basename(dataFile));
      writeAtomically(dataFile, ext.chunks);
      model = ext.model;
    }
    writeAtomically(file, [encodeOnnx(model)]);
    const mb = (statSync(file).size + (dataFile ? statSync(dataFile).size : 0)) / 1e6;
    log(`made ${file} (${mb.toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return out;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  for (const m of ensureModels(dir ? resolve(dir) : DEFAULT_MODEL_DIR, { all: args.includes('--all'), force: args.includes('--force') })) {
    console.log(m.dataFile ? `${m.file} + ${m.dataFile}` : m.file);
  }
}
