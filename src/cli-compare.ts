/**
 * `convlens diff A B [--json | --markdown] [--weights]`: what changed between
 * two models (core/diff). `convlens check MODEL [--max-params 30M]
 * [--max-macs 5G] [--max-peak-memory 200MiB] [--max-training-memory 8GiB
 * --batch 32]`: budgets for CI, exit 1 with one line per exceeded budget.
 * Models in any format the profiler reads, PyTorch sources and archives
 * through Python.
 */
import { parseArgs } from 'node:util';
import { ModelLoadError } from './core/errors';
import { loadModelFile } from './core/loaders/index';
import { profileModel, type ProfileOptions } from './core/report/profile';
import { parsePythonTarget } from './core/pytorch/modules';
import { isTorchFile, torchArchiveKind } from './core/pytorch/checkpoint';
import { withFile } from './core/pytorch/zip';
import { withTorchFacts } from './core/report/pytorch';
import { diffModels, type DiffSide } from './core/diff/model-diff';
import { formatDiffMarkdown, formatDiffTable } from './core/diff/diff-format';
import { budgetFailures, budgetSummary, parseCount, type Budgets } from './core/report/budgets';
import { parseOptimizer } from './core/analysis/memory';
import { failure, OptionValueError, parseBytes, positiveInt, UsageError } from './cli-common';

export const COMPARE_USAGE = `       convlens diff <a> <b> [--json | --markdown] [--weights]
       convlens check <model> [--max-params N] [--max-macs N] [--max-peak-memory SIZE]
                      [--max-training-memory SIZE] [--batch N] [--optimizer O]`;

const COMPARE_HELP = `Usage: ${COMPARE_USAGE.trimStart()}

diff lines up the layers of two models (by name, then by structure, across formats) and
prints the totals of each with the deltas, then every layer changed (and what: shape,
attributes, weights, params, MACs, memory, receptive field), added or removed.
  --json              { a, b, delta, summary, layers: [{ status, a, b, changes }] }
  --markdown          a pull-request comment: totals with deltas, then the changed layers
  --weights           also compare weights' values (largest absolute difference)

check exits 1, with one line per budget exceeded, when the model is over any budget:
  --max-params N      e.g. 30M (K, M, G, T: thousands, millions, …)
  --max-macs N        e.g. 5G
  --max-peak-memory SIZE        peak inference memory, e.g. 200MiB
  --max-training-memory SIZE    training memory at --batch (and --optimizer, default adam)
`;

/** A model of any kind the CLI reads, profiled (PyTorch sources and archives through Python). */
async function loadSide(path: string, options: ProfileOptions, python: string | undefined): Promise<DiffSide> {
  const pySource = parsePythonTarget(path);
  const archive = !pySource && isTorchFile(path) ? withFile(path, torchArchiveKind) : undefined;
  if (!pySource && !archive && isTorchFile(path)) {
    throw new ModelLoadError(path, 'a PyTorch checkpoint holds weights only, no graph: compare its model (model.py:Class) or an ONNX export');
  }
  if (pySource || archive) {
    const { loadTorchModel, loadTorchArchive } = await import('./runtime/torch-model.js');
    const opts = { python: python ?? process.env.CONVLENS_PYTHON, timeoutMs: 300_000, ...(options.batch !== undefined ? { batch: options.batch } : {}) };
    const { model, torch } = pySource ? await loadTorchModel(pySource.file, pySource.target, opts) : await loadTorchArchive(path, archive!, opts);
    const profile = profileModel(model, options);
    profile.report = withTorchFacts(profile.report, torch, { optimizer: options.optimizer });
    return { file: path, model, profile };
  }
  const loaded = await loadModelFile(path);
  return { file: path, model: loaded.model, profile: profileModel(loaded.model, { ...options, readExternal: loaded.readExternal }), readExternal: loaded.readExternal };
}

/** Exit codes as `profile`'s: 1 for the command line, 2 for a model that cannot be read. */
async function guarded(err: (s: string) => void, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    return failure(err, e);
  }
}

/** The parsed command line, or undefined after saying what is wrong with it. */
function parse<T>(err: (s: string) => void, run: () => T): T | undefined {
  try {
    return run();
  } catch (e) {
    err(`convlens: ${(e as Error).message}\n${COMPARE_HELP}`);
    return undefined;
  }
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

export async function diffCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const parsed = parse(err, () =>
    parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, markdown: { type: 'boolean' }, weights: { type: 'boolean' }, python: { type: 'string' }, ...HELP } }),
  );
  if (!parsed) return 1;
  const { values, positionals } = parsed;
  if (values.help) {
    out(COMPARE_HELP);
    return 0;
  }
  if (positionals.length !== 2) {
    err(`convlens: diff takes two models, got ${positionals.length}\n${COMPARE_HELP}`);
    return 1;
  }
  return guarded(err, async () => {
    if (values.json && values.markdown) throw new UsageError('choose one of --json, --markdown');
    const python = values.python;
    const [a, b] = [await loadSide(positionals[0], {}, python), await loadSide(positionals[1], {}, python)];
    const d = diffModels(a, b, { weights: values.weights === true });
    if (values.json) out(JSON.stringify(d, null, 2) + '\n');
    else if (values.markdown) out(formatDiffMarkdown(d));
    else out(formatDiffTable(d) + '\n');
    return 0;
  });
}

export async function checkCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const parsed = parse(err, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'max-params': { type: 'string' },
        'max-macs': { type: 'string' },
        'max-peak-memory': { type: 'string' },
        'max-training-memory': { type: 'string' },
        batch: { type: 'string' },
        optimizer: { type: 'string' },
        python: { type: 'string' },
        ...HELP,
      },
    }),
  );
  if (!parsed) return 1;
  const { values, positionals } = parsed;
  if (values.help) {
    out(COMPARE_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    err(`convlens: check takes one model, got ${positionals.length}\n${COMPARE_HELP}`);
    return 1;
  }
  return guarded(err, async () => {
    const budgets: Budgets = {};
    const count = (name: 'max-params' | 'max-macs') => {
      const s = values[name] as string;
      const n = parseCount(s);
      if (n === null) throw new OptionValueError(`--${name}: cannot read '${s}' as a count (e.g. 30M, 5G, 1500000)`);
      return n;
    };
    if (values['max-params'] !== undefined) budgets.params = count('max-params');
    if (values['max-macs'] !== undefined) budgets.macs = count('max-macs');
    if (values['max-peak-memory'] !== undefined) budgets.peakActivationBytes = parseBytes(values['max-peak-memory'], '--max-peak-memory');
    if (values['max-training-memory'] !== undefined) budgets.trainingBytes = parseBytes(values['max-training-memory'], '--max-training-memory');
    if (Object.keys(budgets).length === 0) throw new UsageError('check needs at least one budget: --max-params, --max-macs, --max-peak-memory or --max-training-memory');
    const options: ProfileOptions = {};
    if (values.batch !== undefined) options.batch = positiveInt('--batch', values.batch);
    if (values.optimizer !== undefined) {
      const o = parseOptimizer(values.optimizer);
      if ('error' in o) throw new OptionValueError(`--optimizer: ${o.error}`);
      options.optimizer = o.optimizer;
    }
    const side = await loadSide(positionals[0], options, values.python);
    const totals = side.profile.report.totals;
    const failures = budgetFailures(totals, budgets);
    for (const f of failures) err(`convlens: ${positionals[0]}: ${f}\n`);
    if (failures.length) return 1;
    out(`${positionals[0]}: within budget (${budgetSummary(totals, budgets)})\n`);
    return 0;
  });
}
