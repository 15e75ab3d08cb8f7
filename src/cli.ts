/**
 * `convlens` command line: the same engine as the extension, for terminals and CI.
 *   convlens profile <model> [--input NAME=1x3x224x224] [--batch N] [--dtype T]
 *                            [--optimizer sgd|momentum|adam] [--budget 8GiB]
 *                            [--json | --csv | --markdown]
 */
import { parseArgs } from 'node:util';
import { ModelLoadError } from './core/errors';
import { loadModelFile } from './core/loaders/index';
import { parseShape } from './core/analysis/infer';
import { parseDType } from './core/dtype';
import { largestBatchThatFits, profileModel, type ProfileOptions } from './core/report/profile';
import { formatCsv, formatMarkdown, formatTable, humanBytes, parseByteSize } from './core/report/format';
import type { Optimizer } from './core/analysis/memory';
import type { Shape } from './core/ir';

const USAGE = `Usage: convlens profile <model.onnx> [options]

Prints every layer's output shape, parameters, MACs/FLOPs, receptive field and
activation memory, and the model's totals.

Options:
  --input NAME=DIMS   set an input's shape, e.g. --input input=1x3x299x299 (repeatable;
                      DIMS may name symbolic dims: Nx3x224x224)
  --batch N           set the batch (first) dim: of every input whose first dim is
                      symbolic, else of the first input
  --dtype T           element type of the inputs (float32, float16, …)
  --optimizer O       sgd | momentum | adam (training-memory estimate; default adam)
  --budget SIZE       also print the largest batch whose training memory fits SIZE (e.g. 16GiB)
  --json | --csv | --markdown   machine-readable output instead of the table
  -h, --help          this text
`;

class UsageError extends Error {}

function parseBytes(s: string): number {
  const bytes = parseByteSize(s);
  if (bytes === null) throw new UsageError(`--budget: cannot read '${s}' as a size (e.g. 8GiB, 512MB)`);
  return bytes;
}

function positiveInt(name: string, s: string): number {
  if (!/^\d+$/.test(s) || Number(s) < 1) throw new UsageError(`${name}: expected a positive integer, got '${s}'`);
  return Number(s);
}

export function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        input: { type: 'string', multiple: true },
        batch: { type: 'string' },
        dtype: { type: 'string' },
        optimizer: { type: 'string' },
        budget: { type: 'string' },
        json: { type: 'boolean' },
        csv: { type: 'boolean' },
        markdown: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    err(`convlens: ${(e as Error).message}\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    (values.help ? out : err)(USAGE);
    return values.help ? 0 : 1;
  }
  const [command, modelPath, ...extra] = positionals;
  if (command !== 'profile' || !modelPath || extra.length > 0) {
    err(`convlens: expected 'profile <model>'\n${USAGE}`);
    return 1;
  }
  try {
    const inputShapes: Record<string, Shape> = {};
    for (const spec of values.input ?? []) {
      const eq = spec.lastIndexOf('=');
      if (eq <= 0) throw new UsageError(`--input: expected NAME=DIMS, got '${spec}'`);
      const shape = parseShape(spec.slice(eq + 1));
      if (shape.length === 0) throw new UsageError(`--input: no dims in '${spec}'`);
      inputShapes[spec.slice(0, eq)] = shape;
    }
    const options: ProfileOptions = { inputShapes };
    if (values.batch !== undefined) options.batch = positiveInt('--batch', values.batch);
    if (values.dtype !== undefined) {
      const d = parseDType(values.dtype);
      if (!d) throw new UsageError(`--dtype: unknown element type '${values.dtype}'`);
      options.inputDtype = d;
    }
    if (values.optimizer !== undefined) {
      if (!['sgd', 'momentum', 'adam'].includes(values.optimizer)) throw new UsageError(`--optimizer: expected sgd, momentum or adam, got '${values.optimizer}'`);
      options.optimizer = values.optimizer as Optimizer;
    }
    const formats = [values.json, values.csv, values.markdown].filter(Boolean).length;
    if (formats > 1) throw new UsageError('choose one of --json, --csv, --markdown');

    const loaded = loadModelFile(modelPath);
    options.readExternal = loaded.readExternal;
    const { report } = profileModel(loaded.model, options);
    const fmt = { optimizer: options.optimizer };
    if (values.json) out(JSON.stringify(report, null, 2) + '\n');
    else if (values.csv) out(formatCsv(report));
    else if (values.markdown) out(formatMarkdown(report, fmt));
    else out(formatTable(report, fmt) + '\n');
    if (values.budget !== undefined) {
      const budget = parseBytes(values.budget);
      const fit = largestBatchThatFits(loaded.model, budget, 'training', options);
      err(`Largest training batch within ${humanBytes(budget)}: ${fit.batch} (${humanBytes(fit.bytesAtBatch)}; ${humanBytes(fit.perSampleBytes)} per sample)\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`convlens: ${e.message}\n`);
      return 1;
    }
    if (e instanceof ModelLoadError) {
      err(`convlens: ${e.message}\n`);
      return 2;
    }
    err(`convlens: ${modelPath}: ${(e as Error).message ?? String(e)}\n`);
    return 2;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
