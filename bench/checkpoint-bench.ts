/**
 * `node --import tsx bench/checkpoint-bench.ts [--runs N] [--gib G]`: a large
 * PyTorch checkpoint (G GiB of float32 tensors, default 2, written once by
 * torch.save) as a terminal user meets it, each a fresh process:
 *   - `convlens profile big.pth` (the tensor list) next to Python
 *     `torch.load(…, map_location='cpu')` and listing the state_dict;
 *   - `convlens profile big.pth --stats` next to torch computing the same
 *     mean, std, min, max and zeros per tensor.
 * Wall time (spawn to exit) and peak resident memory (`/usr/bin/time`'s
 * maximum RSS), medians of N runs (default 5). The file stays in the page
 * cache between runs, so this times the reading, not the disk.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pythonWith, PYTHON_TORCH_HINT } from '../test/helpers/python-torch';
import { median, table } from './tables';

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('--runs', 5);
const GIB = arg('--gib', 2);

/** Wall ms and peak RSS (MiB) of one command. */
function timed(cmd: string[]): { wallMs: number; rssMiB: number } {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'RSS_KB=%M', ...cmd], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallMs = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd.join(' ')}: exit ${r.status}\n${r.stderr.slice(-2000)}`);
  const rss = /RSS_KB=(\d+)/.exec(r.stderr);
  return { wallMs, rssMiB: rss ? Number(rss[1]) / 1024 : NaN };
}

const LIST_PY = `
import sys, torch
sd = torch.load(sys.argv[1], map_location='cpu')
for k, v in sd.items(): print(k, tuple(v.shape), v.dtype, v.numel())
`;
const STATS_PY = `
import sys, torch
sd = torch.load(sys.argv[1], map_location='cpu')
for k, v in sd.items():
    d = v.double()
    print(k, d.mean().item(), d.std().item(), d.min().item(), d.max().item(), int((v == 0).sum()))
`;

function main(): void {
  const python = pythonWith('torch');
  if (!python) {
    console.log(`checkpoint bench: not run (${PYTHON_TORCH_HINT})`);
    return;
  }
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: npm run build');
  const dir = mkdtempSync(join(tmpdir(), 'convlens-ckpt-bench-'));
  try {
    const file = join(dir, 'big.pth');
    // 64 MiB tensors (16 Mi float32 each), as large layers of a big model are.
    const count = Math.round((GIB * 1024) / 64);
    const made = spawnSync(python, ['-c', `
import sys, torch
torch.manual_seed(0)
torch.save({f'layer{i}.weight': torch.randn(4096, 4096) for i in range(${count})}, sys.argv[1])
`, file], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(made.stderr);
    const size = statSync(file).size;
    const cases: [string, string[]][] = [
      ['ConvLens: list tensors', [process.execPath, CLI, 'profile', file]],
      ['torch.load, list', [python, '-c', LIST_PY, file]],
      ['ConvLens: --stats', [process.execPath, CLI, 'profile', file, '--stats']],
      ['torch.load, stats', [python, '-c', STATS_PY, file]],
    ];
    const results = new Map<string, { wallMs: number; rssMiB: number }[]>(cases.map(([n]) => [n, []]));
    for (let i = 0; i < RUNS; i++) for (const [name, cmd] of cases) results.get(name)!.push(timed(cmd));
    console.log(`\nPyTorch checkpoint, ${count} float32 tensors of 4096×4096, ${(size / 2 ** 30).toFixed(2)} GiB on disk; medians of ${RUNS} fresh processes`);
    console.log(table([
      ['what', 'wall ms', 'peak RSS MiB'],
      ...cases.map(([name]) => {
        const r = results.get(name)!;
        return [name, median(r.map((x) => x.wallMs)).toFixed(0), median(r.map((x) => x.rssMiB)).toFixed(0)];
      }),
    ]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
