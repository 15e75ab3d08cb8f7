/**
 * `npm run bench [-- [modeldir] [--all]]`: how fast and how lean ConvLens opens real-sized models,
 * next to the Python `onnx` package (onnx.load + shape_inference.infer_shapes)
 * when it is installed.
 *
 * For each model of bench/make-models.ts (made on first run; `--all` adds
 * VGG-16, which makes the run several minutes longer): the size on disk
 * (external data included), the median of 5 in-process runs of load
 * (loadModelFile, as the CLI loads), shape inference (inferShapes, default options) and, when
 * src/core/report/profile.ts provides it, profileModel; then the peak RSS of a
 * fresh process that does it once (bench/profile-one.ts), over the file size,
 * both whole-process and above the RSS before loading.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inferShapes } from '../src/core/analysis/infer';
import { ensureModels, type BenchModel } from './make-models';
import { findProfiler, loadModel, type OneResult } from './profile-one';
import { pythonWithOnnx, PYTHON_ONNX_HINT } from '../test/helpers/python-onnx';
import { median, table } from './tables';

const RUNS = 5;
const root = resolve(__dirname, '..');

interface PythonResult { onnxVersion: string; totalMs: number; maxRssBytes: number }

function timed<T>(f: () => T): [T, number] {
  const t = performance.now();
  const r = f();
  return [r, performance.now() - t];
}

function runJson<T>(cmd: string, args: string[]): T | string {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) return (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop()!;
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
  } catch {
    return `unreadable output: ${r.stdout.slice(0, 200)}`;
  }
}

const fmt = (x: number | null | undefined, digits = 0) => (x === null || x === undefined ? '–' : x.toFixed(digits));
const mb = (bytes: number) => bytes / 1e6;

function main(): void {
  const started = performance.now();
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  const models: BenchModel[] = ensureModels(dir ? resolve(dir) : undefined, { all: args.includes('--all') });
  const profile = findProfiler();
  const python = pythonWithOnnx();
  const header = ['model', 'size MB', 'ConvLens load ms', 'ConvLens infer ms', 'ConvLens total ms'];
  if (profile) header.push('ConvLens profile ms');
  header.push('ConvLens peak RSS MB', 'peak/size', '(peak−baseline)/size', 'onnx load+infer ms', 'onnx peak RSS MB', 'onnx peak/size');
  const rows = [header];
  const notes: string[] = [];
  let onnxVersion = '';

  for (const m of models) {
    process.stderr.write(`measuring ${m.name}…\n`);
    const size = statSync(m.file).size + (m.dataFile ? statSync(m.dataFile).size : 0);
    const load: number[] = [];
    const infer: number[] = [];
    const total: number[] = [];
    const prof: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const [model, l] = timed(() => loadModel(m.file));
      const [, s] = timed(() => inferShapes(model));
      load.push(l);
      infer.push(s);
      total.push(l + s);
      if (profile) prof.push(timed(() => profile(model))[1]);
    }
    const one = runJson<OneResult>(process.execPath, ['--import', 'tsx', join('bench', 'profile-one.ts'), m.file]);
    const py = python ? runJson<PythonResult>(python, [join('bench', 'onnx_one.py'), m.file, String(RUNS)]) : null;
    if (typeof one === 'string') notes.push(`${m.name}: ConvLens child process failed: ${one}`);
    if (typeof py === 'string') notes.push(`${m.name}: python onnx failed: ${py}`);
    if (py && typeof py !== 'string') onnxVersion = py.onnxVersion;
    const child = typeof one === 'string' ? undefined : one;
    const pyOk = py && typeof py !== 'string' ? py : undefined;
    const row = [
      m.dataFile ? `${m.name} (external data)` : m.name,
      fmt(mb(size), 1), fmt(median(load), 1), fmt(median(infer), 1), fmt(median(total), 1),
    ];
    if (profile) row.push(fmt(median(prof), 1));
    row.push(
      fmt(child && mb(child.maxRssBytes)),
      child ? fmt(child.maxRssBytes / size, 2) : '–',
      child ? fmt((child.maxRssBytes - child.rssBeforeBytes) / size, 2) : '–',
      fmt(pyOk?.totalMs),
      fmt(pyOk && mb(pyOk.maxRssBytes)),
      pyOk ? fmt(pyOk.maxRssBytes / size, 2) : '–',
    );
    rows.push(row);
  }

  console.log(table(rows));
  console.log();
  console.log(`Times: median of ${RUNS} runs in one process. Peak RSS: a fresh process per model (node --import tsx bench/profile-one.ts).`);
  console.log('Load is what the CLI does: files over 16 MiB are read in ranges and their weights stay on disk until asked for.');
  console.log('peak/size: whole-process peak RSS over the model size (Node runtime included); baseline = RSS before loading.');
  if (!profile) console.log('No profile column: src/core/report/profile.ts does not export profileModel yet.');
  if (python) console.log(`onnx: Python onnx ${onnxVersion} (${python}), onnx.load + onnx.shape_inference.infer_shapes, median of ${RUNS} runs and peak RSS of one process.`);
  else console.log(`onnx columns empty: ${PYTHON_ONNX_HINT}.`);
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`(bench took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exit(1);
}
