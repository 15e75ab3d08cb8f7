/**
 * `node --import tsx bench/cli-bench.ts [--runs N]`: what a terminal user waits
 * for, `convlens profile model.onnx` (the built dist/cli.js, its table sent to
 * a pipe), next to Python onnx's onnx.load + shape_inference.infer_shapes
 * (bench/onnx_cpu.py), each a fresh process, the pairs interleaved.
 *
 * CPU is the whole process's user + system time over all its threads (Node:
 * process.cpuUsage() at exit, via bench/cpu-at-exit.cjs; Python:
 * getrusage(RUSAGE_SELF)), start-up and module loading included; wall is
 * spawn to exit as this process sees it. Medians of N runs (default 5).
 * The goal (#13): the CLI on the 20,000-node weight-free graph within 0.5×
 * Python onnx's CPU time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureGraphModels, torchvisionModels } from './graph-models';
import { pythonWithOnnx, PYTHON_ONNX_HINT } from '../test/helpers/python-onnx';
import { median, table } from './tables';

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const GOAL_RATIO = 0.5;

interface Run {
  cpuMs: number;
  wallMs: number;
}

function convlens(file: string, scratch: string): Run {
  const out = join(scratch, 'cpu.json');
  rmSync(out, { force: true });
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--require', join(__dirname, 'cpu-at-exit.cjs'), CLI, 'profile', file], {
    env: { ...process.env, CONVLENS_CPU_OUT: out },
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const wallMs = performance.now() - t;
  if (r.status !== 0) throw new Error(`convlens profile ${file} failed: ${(r.stderr || '').trim().split('\n').pop()}`);
  return { cpuMs: (JSON.parse(readFileSync(out, 'utf8')) as { cpuMs: number }).cpuMs, wallMs };
}

function python(py: string, file: string): Run {
  const t = performance.now();
  const r = spawnSync(py, [join(__dirname, 'onnx_cpu.py'), file], { encoding: 'utf8' });
  const wallMs = performance.now() - t;
  if (r.status !== 0) throw new Error(`python onnx on ${file} failed: ${(r.stderr || '').trim().split('\n').pop()}`);
  return { cpuMs: (JSON.parse(r.stdout.trim().split('\n').pop()!) as { cpuMs: number }).cpuMs, wallMs };
}

function main(): void {
  const args = process.argv.slice(2);
  const at = args.indexOf('--runs');
  const runs = at >= 0 ? Math.max(1, Number(args[at + 1]) || 5) : 5;
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: npm run build first');
  const py = pythonWithOnnx();
  const [k2, k20] = ensureGraphModels();
  const models = [
    { name: 'cnn-2k (weight-free)', file: k2.file, goal: false },
    { name: 'cnn-20k (weight-free)', file: k20.file, goal: true },
    ...torchvisionModels().map((m) => ({ ...m, goal: false })),
  ];
  const scratch = mkdtempSync(join(tmpdir(), 'convlens-cli-bench-'));
  const rows = [['model', 'ConvLens CPU ms', 'onnx CPU ms', 'CPU ratio', 'ConvLens wall ms', 'onnx wall ms', 'goal', 'result']];
  try {
    // One untimed run of each first: the file cache, not the program, would otherwise pay for the first read.
    for (const m of models) {
      convlens(m.file, scratch);
      if (py) python(py, m.file);
    }
    for (const m of models) {
      process.stderr.write(`measuring ${m.name}…\n`);
      const ours: Run[] = [];
      const theirs: Run[] = [];
      for (let i = 0; i < runs; i++) {
        ours.push(convlens(m.file, scratch));
        if (py) theirs.push(python(py, m.file));
      }
      const cpu = median(ours.map((r) => r.cpuMs));
      const pyCpu = py ? median(theirs.map((r) => r.cpuMs)) : NaN;
      const ratio = cpu / pyCpu;
      const met = ratio <= GOAL_RATIO;
      rows.push([
        m.name,
        cpu.toFixed(0),
        py ? pyCpu.toFixed(0) : '–',
        py ? ratio.toFixed(2) : '–',
        median(ours.map((r) => r.wallMs)).toFixed(0),
        py ? median(theirs.map((r) => r.wallMs)).toFixed(0) : '–',
        m.goal ? `≤ ${GOAL_RATIO}×` : '',
        m.goal && py ? (met ? 'met' : 'missed') : '',
      ]);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log('\n## The CLI against Python onnx: `convlens profile model.onnx` vs onnx.load + infer_shapes, whole fresh processes\n');
  console.log(table(rows));
  console.log(`\nMedians of ${runs} interleaved runs. CPU: user + system of the whole process (every thread, start-up included). The CLI also computes what Python does not (MACs, receptive fields, memory) and prints a table.`);
  if (!py) console.log(`onnx columns empty: ${PYTHON_ONNX_HINT}.`);
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
