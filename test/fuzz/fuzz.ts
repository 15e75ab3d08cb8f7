/**
 * `npm run fuzz`: issue #11's fuzz harness. Generates hostile model files of
 * every supported format (seeded, so a seed gives the same cases), runs each
 * through the CLI with a time limit and a memory cap, and classifies it:
 * OK, clean error, crash, hang or bad output. Failing cases stay in --out,
 * one folder each with repro.txt; the closing note counts per format and
 * lists the failure classes with one reproducer each. Not part of npm test.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORMATS, type FormatName, type FuzzCase } from './case';
import { classify, type Classified } from './classify';
import { generateCase } from './generate';
import { layOut, observe } from './layout';
import { haveConformance } from './onnx-seeds';
import { kerasSeeds } from './keras-seeds';
import { parseOptions, type FuzzOptions } from './options';
import { printable, Tally, type Failure } from './report';
import { CLI, reproducer, runFresh, WorkerPool, type Limits } from './runner';

const OUT_MARK = '.convlens-fuzz';

/** A fresh --out folder (kept as it is for --only); one that holds something else is left alone. */
function prepareOut(out: string, empty: boolean): string {
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, OUT_MARK))) {
    throw new Error(`--out ${out} exists and was not made by the fuzzer; choose another folder`);
  }
  if (empty) rmSync(join(out, 'cases'), { recursive: true, force: true });
  mkdirSync(join(out, 'cases'), { recursive: true });
  writeFileSync(join(out, OUT_MARK), 'Made by npm run fuzz; emptied at each run.\n');
  return join(out, 'cases');
}

async function runCase(c: FuzzCase, dir: string, opts: FuzzOptions, limits: Limits, pool: WorkerPool): Promise<{ result: Classified; inProcessOnly?: Classified }> {
  const fresh = opts.fresh || c.fresh;
  let prepared = layOut(c, dir);
  let r = fresh ? await runFresh(c, dir, limits) : await pool.run(c, dir);
  const result = classify(r, c.output, observe(c, prepared, r.stdout, r.stderr));
  if (fresh || result.verdict === 'ok' || result.verdict === 'clean' || r.polluted) return { result };
  // A worker's failure counts only when a fresh process, as users run it, fails too.
  prepared = layOut(c, dir);
  r = await runFresh(c, dir, limits);
  const again = classify(r, c.output, observe(c, prepared, r.stdout, r.stderr));
  return again.verdict === 'ok' || again.verdict === 'clean' ? { result: again, inProcessOnly: result } : { result: again };
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseOptions(argv);
  if ('message' in parsed) {
    (parsed.help ? process.stdout : process.stderr).write(parsed.message);
    return parsed.help ? 0 : 1;
  }
  const opts = parsed;
  if (!existsSync(CLI)) {
    process.stderr.write(`fuzz: ${CLI} is missing; build it first: node scripts/build.mjs\n`);
    return 1;
  }
  const casesDir = prepareOut(opts.out, !opts.only);
  // Seed models made by TF.js's writers take seconds once: made before the clock starts.
  if (opts.formats.some((f) => ['keras-json', 'keras', 'h5', 'tfjs', 'run'].includes(f))) await kerasSeeds();
  const limits: Limits = { timeoutS: opts.timeoutS, memoryCapBytes: opts.memoryCapBytes };
  const pool = new WorkerPool(opts.jobs, limits);
  const tally = new Tally();
  const start = Date.now();
  const deadline = start + opts.timeS * 1000;
  process.stderr.write(`fuzz: seed ${opts.seed}, ${opts.timeS} s, formats ${opts.formats.join(', ')}, ${opts.jobs} at once, cases in ${casesDir}\n`);
  if (opts.formats.includes('onnx') && !haveConformance()) process.stderr.write('fuzz: test/fixtures/onnx-node not found: ONNX seeds are the example and built models only\n');

  // Formats share the time, not the count: the next case is of the format that has had the least.
  const used = new Map<FormatName, number>(opts.formats.map((f) => [f, 0]));
  const next = new Map<FormatName, number>(opts.formats.map((f) => [f, 0]));
  const only = opts.only ? [...opts.only] : undefined;
  const take = (): FormatName | undefined => {
    if (only) {
      const o = only.shift();
      if (o) next.set(o.format, o.index);
      return o?.format;
    }
    if (Date.now() >= deadline) return undefined;
    const open = opts.formats.filter((f) => next.get(f)! < opts.cases);
    return open.sort((a, b) => used.get(a)! - used.get(b)!)[0];
  };
  let lastNote = start;

  const lane = async () => {
    for (let format = take(); format; format = take()) {
      const index = next.get(format)!;
      next.set(format, index + 1);
      const t0 = Date.now();
      const dir = join(casesDir, `${format}-${index}`);
      let c: FuzzCase;
      try {
        c = await generateCase(opts.seed, format, index, dir);
      } catch (e) {
        tally.harnessErrors.push(`${format} #${index}: generating the case failed: ${(e as Error).stack ?? String(e)}`);
        used.set(format, used.get(format)! + (Date.now() - t0) + 1000);
        continue;
      }
      try {
        const { result, inProcessOnly } = await runCase(c, dir, opts, limits, pool);
        tally.add(format, result.verdict);
        if (result.verdict === 'ok' || result.verdict === 'clean') {
          if (inProcessOnly) tally.inProcessOnly.push({ verdict: inProcessOnly.verdict as Failure['verdict'], reason: inProcessOnly.reason ?? '', case: c, dir, command: reproducer(c, dir) });
          rmSync(dir, { recursive: true, force: true });
        } else {
          // A hang has no message: what was fuzzed tells hangs apart.
          const reason = result.verdict === 'hang' ? `${result.reason}: ${c.mutation}` : result.reason ?? '';
          const f: Failure = { verdict: result.verdict, reason, case: c, dir, command: reproducer(c, dir) };
          writeFileSync(join(dir, 'repro.txt'), `${f.verdict}: ${printable(f.reason, 2000)}\ncase: ${format} #${index} (seed ${opts.seed}): ${printable(c.mutation, 2000)}\n${f.command}\n`);
          // Only the first case of a class is kept: the folder is the class's reproducer.
          if (!tally.fail(f)) rmSync(dir, { recursive: true, force: true });
        }
      } catch (e) {
        tally.harnessErrors.push(`${format} #${index}: running the case failed: ${(e as Error).stack ?? String(e)}`);
      }
      used.set(format, used.get(format)! + (Date.now() - t0));
      if (Date.now() - lastNote > 30_000) {
        lastNote = Date.now();
        const n = [...tally.counts.values()].reduce((a, r) => a + r.tried, 0);
        process.stderr.write(`fuzz: ${Math.round((Date.now() - start) / 1000)} s: ${n} cases, ${tally.failures} failing, ${tally.classes.size} classes\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.jobs }, lane));
  pool.close();

  const order = FORMATS.filter((f) => opts.formats.includes(f) || opts.only?.some((o) => o.format === f));
  const summary = [
    `ConvLens fuzz: seed ${opts.seed}, ${Math.round((Date.now() - start) / 1000)} s, time limit ${opts.timeoutS} s per case, memory cap ${(opts.memoryCapBytes / 2 ** 30).toFixed(1)} GiB`,
    '',
    tally.table(order),
    '',
    tally.classList(),
    ...(tally.inProcessOnly.length ? ['', `Seen in a worker only (a fresh process ran them cleanly; not counted as failures): ${tally.inProcessOnly.length}`, ...tally.inProcessOnly.slice(0, 5).map((f) => `  ${f.case.format} #${f.case.index}: ${printable(f.reason, 160)}`)] : []),
    ...(tally.harnessErrors.length ? ['', `Harness errors (${tally.harnessErrors.length}):`, ...tally.harnessErrors.slice(0, 5).map((e) => `  ${e.split('\n').slice(0, 3).join(' | ')}`)] : []),
  ].join('\n');
  process.stdout.write(`${summary}\n`);
  // A re-run of a few cases leaves the last full run's report alone.
  if (opts.only) return tally.harnessErrors.length > 0 || (opts.strict && tally.failures > 0) ? 1 : 0;
  writeFileSync(join(opts.out, 'summary.txt'), `${summary}\n`);
  writeFileSync(join(opts.out, 'failures.json'), JSON.stringify([...tally.classes.values()].map((c) => ({
    class: c.key, verdict: c.verdict, count: c.count, formats: [...c.formats], reason: c.first.reason, mutation: c.first.case.mutation, folder: c.first.dir, reproduce: c.first.command,
  })), null, 2));
  if (tally.harnessErrors.length > 0) return 1;
  return opts.strict && tally.failures > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`fuzz: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
