/**
 * `export` and `profile --run` on models that are valid but hostile: export
 * onto its own input (directly, through a link, under another spelling),
 * into places it cannot write, or past a file-size limit (EFBIG half-way);
 * runs of models with hostile names, huge declared inputs, symbolic dims,
 * and weights outside the model's folder.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { onnxTypes, type PModel } from '../../src/core/onnx/schema';
import { encodeOnnx } from '../../src/core/onnx/writer';
import { MODEL_DIR, SECRET_FILE, type CaseFile, type OutputKind } from './case';
import { exportCommand } from './commands';
import { hostileName, HOSTILE_NAMES } from './hostile';
import { kerasSeeds } from './keras-seeds';
import type { CaseBody } from './onnx-cases';
import { externalConvNet, smallConvNet } from './onnx-seeds';
import type { Rng } from './rng';

const { ModelProto } = onnxTypes();

const EXAMPLES = resolve(__dirname, '../../examples');

/** A model to export: a definition, the example ONNX or Keras file; the name it has in the case. */
function exportSource(rng: Rng): { file: CaseFile; path: string } {
  const [name, from] = rng.pick([['model.cnn.yaml', 'lenet5.cnn.yaml'], ['model.cnn.yaml', 'mobilenet.cnn.yaml'], ['model.onnx', 'small-cnn.onnx'], ['model.keras', 'keras-cnn.keras']] as const);
  const path = `${MODEL_DIR}/${name}`;
  return { file: { path, bytes: readFileSync(join(EXAMPLES, from)) }, path };
}

export function exportCase(rng: Rng): CaseBody {
  const src = exportSource(rng);
  const files = [src.file];
  switch (rng.int(6)) {
    case 0:
      return { mutation: 'export -o the input itself', files, ...exportCommand(src.path, src.path), keepsInput: src.path };
    case 1: {
      const other = rng.pick([`${MODEL_DIR}/../${src.path}`, `./${src.path}`, `${MODEL_DIR}//${src.path.slice(MODEL_DIR.length + 1)}`]);
      return { mutation: 'export -o the input under another spelling', files, ...exportCommand(src.path, other), keepsInput: src.path };
    }
    case 2:
      files.push({ path: 'out/link.onnx', symlinkTo: `../${src.path}` });
      return { mutation: 'export -o a symlink to the input', files, ...exportCommand(src.path, 'out/link.onnx'), keepsInput: src.path };
    case 3: {
      const [target, what] = rng.pick([
        [`${src.path}/x.onnx`, 'under a file (ENOTDIR)'],
        ['out', 'a folder (EISDIR)'],
        ['nowhere/deeper/x.onnx', 'in a missing folder (ENOENT)'],
        ['/proc/version', 'in /proc (not writable)'],
        ['/dev/full', '/dev/full (ENOSPC)'],
      ] as const);
      const cmd = exportCommand(src.path, target);
      return { mutation: `export -o ${what}`, files, ...cmd, exportTo: target.startsWith('/') ? undefined : cmd.exportTo };
    }
    case 4: {
      const blocks = rng.pick([1, 8, 64]);
      return { mutation: `export past a file-size limit (ulimit -f ${blocks}: EFBIG half-way)`, files, ...exportCommand(src.path), fresh: true, fileSizeLimitBlocks: blocks };
    }
    default: {
      const batch = rng.pick(['2147483648', '9007199254740993', '1000000']);
      const yaml = { path: `${MODEL_DIR}/model.cnn.yaml`, bytes: readFileSync(join(EXAMPLES, 'lenet5.cnn.yaml')) };
      const cmd = exportCommand(yaml.path);
      return { mutation: `export --batch ${batch}`, files: [yaml], ...cmd, args: [...cmd.args, '--batch', batch] };
    }
  }
}

/** smallConvNet with value and node names made hostile (consistently, so it still runs). */
function hostileNamedModel(rng: Rng): { bytes: Uint8Array; what: string } {
  const m = ModelProto.decode(encodeOnnx(smallConvNet())) as unknown as PModel;
  const names = new Map<string, string>();
  const g = m.graph!;
  const rename = (s: string) => {
    if (!s) return s;
    if (!names.has(s)) names.set(s, `${rng.pick(HOSTILE_NAMES.filter((n) => n !== ''))}#${names.size}`);
    return names.get(s)!;
  };
  for (const n of g.node ?? []) {
    n.name = hostileName(rng);
    n.input = (n.input ?? []).map(rename);
    n.output = (n.output ?? []).map(rename);
  }
  for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])]) v.name = rename(v.name ?? '');
  for (const t of g.initializer ?? []) t.name = rename(t.name ?? '');
  return { bytes: ModelProto.encode(m).finish(), what: 'hostile node and value names' };
}

/** x of a huge declared size → Identity → y. */
function hugeInputModel(rng: Rng): { bytes: Uint8Array; what: string } {
  const [elem, label] = rng.pick([[3, 'int8'], [1, 'float32']] as const);
  const dims = rng.pick([[2 ** 31], [2 ** 31 - 1], [2 ** 40], [65536, 65536], [2 ** 53 + 2]]);
  const info = (name: string) => ({ name, type: { tensorType: { elemType: elem, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const m: PModel = { irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'huge', node: [{ opType: 'Identity', input: ['x'], output: ['y'] }], input: [info('x')], output: [info('y')] } };
  return { bytes: ModelProto.encode(m).finish(), what: `declared input ${label}[${dims.join(', ')}]` };
}

function symbolicModel(rng: Rng): { bytes: Uint8Array; what: string } {
  const m = ModelProto.decode(encodeOnnx(smallConvNet())) as unknown as PModel;
  const dims = m.graph!.input![0].type!.tensorType!.shape!.dim!;
  const which = rng.pick(['spatial', 'all', 'channels']);
  if (which !== 'channels') dims[2] = { dimParam: 'H' };
  if (which !== 'channels') dims[3] = { dimParam: 'W' };
  if (which !== 'spatial') dims[1] = { dimParam: 'C' };
  return { bytes: ModelProto.encode(m).finish(), what: `symbolic ${which} dims` };
}

export async function runCase(rng: Rng): Promise<CaseBody> {
  const output = rng.weighted([[4, 'json'], [2, 'table'], [1, 'csv'], [1, 'markdown'], [1, 'html']] as const);
  const path = `${MODEL_DIR}/model.onnx`;
  let files: CaseFile[];
  let what: string;
  const extra: string[] = [];
  switch (rng.int(6)) {
    case 0:
    case 1: {
      const m = hostileNamedModel(rng);
      files = [{ path, bytes: m.bytes }];
      what = m.what;
      break;
    }
    case 2: {
      const m = hugeInputModel(rng);
      files = [{ path, bytes: m.bytes }];
      what = m.what;
      break;
    }
    case 3: {
      const m = symbolicModel(rng);
      files = [{ path, bytes: m.bytes }];
      what = m.what;
      if (rng.chance(0.5)) {
        extra.push('--batch', rng.pick(['2147483648', '65536']));
        what += ` with --batch ${extra[1]}`;
      }
      break;
    }
    case 4: {
      const { model, weights } = externalConvNet();
      files = [{ path, bytes: model }, rng.chance(0.5) ? { path: `${MODEL_DIR}/weights.bin`, symlinkTo: `../${SECRET_FILE}` } : { path: `${MODEL_DIR}/weights.bin`, bytes: weights.subarray(0, 100) }];
      what = files[1].symlinkTo ? 'external data a symlink outside the folder' : 'external data file cut short';
      break;
    }
    default: {
      const seed = rng.pick((await kerasSeeds()).tfjs.filter((s) => s.name.startsWith('layers')));
      const json = `${MODEL_DIR}/model.json`;
      const shard = Object.keys(seed.shards)[0];
      files = [{ path: json, bytes: JSON.stringify(seed.modelJson) }, { path: `${MODEL_DIR}/${shard}`, symlinkTo: `../${SECRET_FILE}` }];
      return { mutation: `run: TF.js ${seed.name} with its shard a symlink outside the folder`, files, args: ['profile', json, '--run', '--runs', '1', '--warmup', '0', '--timeout', '60', '--json'], output: 'run', fresh: true, timeoutS: 90 };
    }
  }
  const args = ['profile', path, '--run', '--provider', 'cpu', '--runs', '2', '--warmup', '0', '--timeout', '60', ...extra];
  if (output !== 'table') args.push(`--${output}`);
  const kind: OutputKind = output === 'json' || output === 'table' ? 'run' : output;
  return { mutation: `run: ${what} (${output})`, files, args, output: kind, fresh: true, timeoutS: 90 };
}
