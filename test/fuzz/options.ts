/** `npm run fuzz -- [options]`: the harness's command line. */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FORMATS, type FormatName } from './case';

export interface FuzzOptions {
  seed: number;
  /** Seconds in which cases are started; the last ones finish after it (at most two time limits more). */
  timeS: number;
  formats: FormatName[];
  /** Cases per format at most (default: as many as the time allows). */
  cases: number;
  out: string;
  /** Seconds before a case counts as hung. */
  timeoutS: number;
  memoryCapBytes: number;
  jobs: number;
  /** Every case in a fresh CLI process (slower; exact). */
  fresh: boolean;
  /** Exit 1 when a crash, hang or bad output was found. */
  strict: boolean;
  /** Just these cases (`onnx:175`), as a report names them: to re-run one after a fix. */
  only?: { format: FormatName; index: number }[];
}

export const USAGE = `Usage: npm run fuzz -- [options]

Mutates models of every supported format, runs each through the CLI
(dist/cli.js; build it first with node scripts/build.mjs) and counts per
format: OK, clean error (exit 2, one line), crash, hang, bad output.

  --seed N          seed (default 1): the same seed gives the same cases
  --time S          seconds to start cases in (default 300)
  --format LIST     comma-separated: ${FORMATS.join(', ')} (default all)
  --cases N         at most N cases per format
  --out DIR         where failing cases are kept, each with repro.txt (default fuzz-out)
  --timeout S       a case still running after S seconds is a hang (default 20; runs 90)
  --memory-cap GB   a case above this resident memory is a hang (default 3)
  --jobs N          cases at once (default 2)
  --fresh           every case in a fresh node process (default: a few in-process workers,
                    every failure re-checked in a fresh process)
  --strict          exit 1 when anything but OK and clean errors was found
  --only LIST       just these cases, as the report names them: onnx:175,yaml:3 (with the same --seed)
`;

class OptionError extends Error {}

function count(name: string, v: string | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new OptionError(`--${name}: expected a number ≥ ${min}, got '${v}'`);
  return n;
}

/** The options, or a message for the user (`help` for --help). */
export function parseOptions(argv: string[]): FuzzOptions | { message: string; help?: boolean } {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        seed: { type: 'string' }, time: { type: 'string' }, format: { type: 'string' }, cases: { type: 'string' }, out: { type: 'string' },
        timeout: { type: 'string' }, 'memory-cap': { type: 'string' }, jobs: { type: 'string' }, fresh: { type: 'boolean' }, strict: { type: 'boolean' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) return { message: USAGE, help: true };
    const formats = values.format === undefined ? [...FORMATS] : values.format.split(',').map((f) => f.trim()).filter(Boolean);
    const unknown = formats.find((f) => !(FORMATS as readonly string[]).includes(f));
    if (unknown) throw new OptionError(`--format: unknown format '${unknown}' (known: ${FORMATS.join(', ')})`);
    const seed = count('seed', values.seed, 1, 0);
    if (!Number.isInteger(seed) || seed > 0xffffffff) throw new OptionError(`--seed: expected an integer 0–4294967295, got '${values.seed}'`);
    const only = values.only?.split(',').map((spec) => {
      const m = /^([\w-]+)[:#](\d+)$/.exec(spec.trim());
      if (!m || !(FORMATS as readonly string[]).includes(m[1])) throw new OptionError(`--only: expected FORMAT:INDEX (e.g. onnx:175), got '${spec}'`);
      return { format: m[1] as FormatName, index: Number(m[2]) };
    });
    return {
      only,
      seed,
      timeS: count('time', values.time, 300),
      formats: formats as FormatName[],
      cases: count('cases', values.cases, Infinity),
      out: resolve(values.out ?? 'fuzz-out'),
      timeoutS: count('timeout', values.timeout, 20),
      memoryCapBytes: count('memory-cap', values['memory-cap'], 3, 0.1) * 2 ** 30,
      jobs: Math.min(count('jobs', values.jobs, 2), Math.max(1, availableParallelism() * 2)),
      fresh: values.fresh ?? false,
      strict: values.strict ?? false,
    };
  } catch (e) {
    return { message: `fuzz: ${(e as Error).message}\n\n${USAGE}` };
  }
}
