/**
 * `node --import tsx bench/diff-bench.ts [--runs N]`: `convlens diff A B` as
 * a terminal or CI runs it (the built dist/cli.js, a fresh process per run,
 * its table sent to a pipe) on two 20,000-layer models: the same network
 * grown by two blocks (names mostly kept), and a copy with every node
 * renamed (aligned by structure alone). Wall time spawn → exit, median of N
 * runs (default 5); the goal (#15) is under 2 s.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { scopedCnn } from './graph-models';
import { encodeOnnx } from '../src/core/onnx/writer';
import { median, table } from './tables';

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const GOAL_MS = 2000;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

function main(): void {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: npm run build');
  const dir = mkdtempSync(join(tmpdir(), 'convlens-diff-bench-'));
  try {
    const a = join(dir, 'a.onnx');
    const grown = join(dir, 'grown.onnx');
    const renamed = join(dir, 'renamed.onnx');
    const model = scopedCnn({ nodes: 20_000, stages: 4 });
    writeFileSync(a, encodeOnnx(model));
    writeFileSync(grown, encodeOnnx(scopedCnn({ nodes: 20_014, stages: 4 })));
    model.graph.nodes.forEach((n, i) => (n.name = `node_${i}`));
    writeFileSync(renamed, encodeOnnx(model));
    const cases: [string, string][] = [['20,000 layers → 20,014 (two blocks added)', grown], ['20,000 layers → the same, every node renamed', renamed]];
    const rows = [['convlens diff', 'wall ms (median)', 'summary']];
    for (const [name, b] of cases) {
      const times: number[] = [];
      let summary = '';
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        const r = spawnSync(process.execPath, [CLI, 'diff', a, b], { encoding: 'utf8', maxBuffer: 64 << 20 });
        times.push(performance.now() - t);
        if (r.status !== 0) throw new Error(r.stderr);
        summary = /\d+ changed, \d+ added, \d+ removed, \d+ unchanged/.exec(r.stdout)?.[0] ?? '?';
      }
      const ms = median(times);
      rows.push([name, `${ms.toFixed(0)}${ms < GOAL_MS ? '' : ' (over the 2 s goal)'}`, summary]);
    }
    console.log(`\nconvlens diff, fresh process per run, medians of ${RUNS}`);
    console.log(table(rows));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
