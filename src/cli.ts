/**
 * `convlens` command line: the same engine as the extension, for terminals and CI.
 *   convlens profile <model> [--input NAME=1x3x224x224] [--batch N] [--dtype T]
 *                            [--optimizer sgd|momentum|adam] [--budget 8GiB] [--checkpoint GROUP]
 *                            [--json | --csv | --markdown | --html]
 *   convlens profile <model> --run [--provider auto|cuda|tensorrt|cpu] [--engine auto|onnxruntime|tfjs] [--runs N] [--warmup N]
 *                            [--timeout S] [--zeros] [--batch N] [--force] [--json | --csv | --markdown | --html]
 *   convlens export <model.cnn.yaml> -o <out.onnx> [--seed N] [--opset 17] [--batch N]
 */
import { parseArgs } from 'node:util';
import { basename } from 'node:path';
import { oneLine } from './core/user-message';
import { loadModelFile } from './core/loaders/index';
import { MAX_EXPORT_OPSET as MAX_OPSET, MIN_EXPORT_OPSET as MIN_OPSET } from './core/export/opset';
import { DEFAULT_EXPORT_OPSET } from './core/export/onnx-export';
import { parseDType } from './core/dtype';
import { BARE_INPUT, largestBatchThatFits, profileModel, type ProfileOptions, type ProfileReport } from './core/report/profile';
import { parsePythonTarget } from './core/pytorch/modules';
import { isTorchFile, readCheckpoint, torchArchiveKind } from './core/pytorch/checkpoint';
import { checkpointStats } from './core/pytorch/tensor-stats';
import { withFile } from './core/pytorch/zip';
import { weightsReport, withStats } from './core/report/weights';
import { formatOfFlags, renderProfile, renderWeights } from './core/report/render';
import { formatBatchFit } from './core/report/format';
import { visibleLines } from './core/report/safe-text';
import { parseOptimizer } from './core/analysis/memory';
import type { Model } from './core/ir';
import { checkCommand, COMPARE_USAGE, diffCommand } from './cli-compare';
import { fail, failure, inputShapesOf, OptionValueError, parseBytes, positiveInt, RUN_ONLY, unexpected, UsageError } from './cli-common';
import { runCommand } from './cli-run';
import { exportCommand } from './cli-export';

const USAGE = `Usage: convlens profile <model.onnx> [options]
       convlens profile <model.py:ClassName> [--input 1x3x224x224] [--python PATH] [options]
       convlens profile <checkpoint.pth> [--stats] [--json|--csv|--markdown]
       convlens profile <model> --run [run options]
       convlens export <model.cnn.yaml> -o <out.onnx> [--seed N] [--opset N] [--batch N]
${COMPARE_USAGE}

Prints every layer's output shape, parameters, MACs/FLOPs, receptive field and
activation memory, and the model's totals.

Options:
  --input NAME=DIMS   set an input's shape, e.g. --input input=1x3x299x299 (repeatable;
                      DIMS may name symbolic dims: Nx3x224x224); bare DIMS for a model
                      with one input
  --python PATH       the Python (with torch ≥ 1.13) that builds a PyTorch model
                      (default: $CONVLENS_PYTHON, else python3). It runs the file's code.
                      A TorchScript (.pt) or torch.export (.pt2) archive's graph also comes
                      through Python; its weights (--stats) do not.
  --stats             a checkpoint's (or TorchScript archive's) weights with each tensor's
                      mean, std, min, max and zeros (reads every tensor)
  --batch N           set the batch (first) dim: of every input whose first dim is
                      symbolic, else of the first input
  --dtype T           element type of the inputs (float32, float16, …)
  --optimizer O       sgd | momentum | adam (training-memory estimate; default adam)
  --budget SIZE       also print the largest batch whose training peak fits SIZE (e.g. 16GiB)
  --checkpoint GROUP  training memory with activation checkpointing of GROUP (a layer-name
                      scope such as layer3, layer3.0 or conv4_*; repeatable): its activations
                      are recomputed in backward instead of kept
                      (--dtype float16 or bfloat16: mixed precision, float32 master weights)
  --all-nodes         list exporters' constant and shape nodes (Identity of a weight,
                      Constant, Shape → Gather → Concat) as layers; by default they are
                      folded into the layers that read them
  --json | --csv | --markdown   machine-readable output instead of the table
  --html              a self-contained HTML report (no scripts, nothing remote)
  -h, --help          this text

--run measures instead: runs the model on onnxruntime-node in a separate process
(definitions, Keras and TF.js models through their ONNX export) and prints the
latency (p50/p90/min), per-layer times from onnxruntime's profiler, achieved
GFLOP/s, compute- or memory-bound (roofline), and the measured memory.
  --provider P        auto | cuda | tensorrt | cpu (default auto: CUDA when it loads, else CPU)
  --engine E          auto | onnxruntime | tfjs (default auto: TensorFlow.js for Keras and TF.js
                      layers models, onnxruntime for the rest)
  --tfjs-backend B    auto | wasm | cpu (auto: tfjs-node-gpu when installed, else wasm, else cpu)
  --runs N            timed runs (default 20)
  --warmup N          untimed runs first (default 3)
  --timeout S         stop after S seconds (default 300)
  --zeros             feed zeros (default: seeded random values in [-1, 1))
  --image FILE        feed a PNG or JPEG to the image input (shorter side resized, centre crop)
  --normalize P       imagenet | unit | symmetric | raw: the image's scaling (default imagenet)
  --html              a self-contained HTML report (also --json, --csv, --markdown)
  --sweep MAX         a batch-size sweep instead: batches 1, 2, 4, … up to MAX, each in its own
                      process; latency, throughput and peak memory per batch, and where memory
                      runs out (also --json)
  --force             run even when the static estimate needs more memory than is free (the run
                      is still stopped if it uses more than 90% of the memory available)

export writes a runnable ONNX file: a .cnn.yaml definition, Keras or TF.js layers
model gets Keras-style initial weights (He-normal kernels, zero biases, BatchNorm
gamma 1 / variance 1), opset conversion and declared shapes. Any loadable model file
works, but ONNX files and TF.js graph models are simply re-encoded (inline, at their
own opset).
  -o, --output FILE   where to write the .onnx file (required)
  --seed N            seed of the initial weights (default 0; same seed, same bytes)
  --opset N           ai.onnx opset to write, ${MIN_OPSET}–${MAX_OPSET} (default ${DEFAULT_EXPORT_OPSET})
  --batch N           batch size of the input (definitions only; default 1)
`;

/** Runs the CLI; `profile --run` is asynchronous (it waits for the runtime process). */
export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), rawErr: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  // Messages quote file and model names: their control characters are shown, never obeyed (safe-text.ts).
  const err = (s: string) => rawErr(visibleLines(s));
  if (argv[0] === 'diff') return diffCommand(argv.slice(1), out, err);
  if (argv[0] === 'check') return checkCommand(argv.slice(1), out, err);
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
        checkpoint: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        csv: { type: 'boolean' },
        markdown: { type: 'boolean' },
        output: { type: 'string', short: 'o' },
        seed: { type: 'string' },
        opset: { type: 'string' },
        run: { type: 'boolean' },
        provider: { type: 'string' },
        engine: { type: 'string' },
        'tfjs-backend': { type: 'string' },
        runs: { type: 'string' },
        warmup: { type: 'string' },
        timeout: { type: 'string' },
        zeros: { type: 'boolean' },
        sweep: { type: 'string' },
        image: { type: 'string' },
        normalize: { type: 'string' },
        html: { type: 'boolean' },
        force: { type: 'boolean' },
        'all-nodes': { type: 'boolean' },
        python: { type: 'string' },
        stats: { type: 'boolean' },
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
  if ((command !== 'profile' && command !== 'export') || !modelPath || extra.length > 0) {
    err(`convlens: expected 'profile <model>', 'export <model> -o <out.onnx>', 'diff <a> <b>' or 'check <model> --max-…'\n${USAGE}`);
    return 1;
  }
  if (command === 'export') return exportCommand(values, modelPath, out, err);
  if (values.run) return runCommand(values, modelPath, out, rawErr);
  const runOnly = RUN_ONLY.find((k) => values[k] !== undefined);
  if (runOnly) {
    fail(err, `--${runOnly} applies to 'profile --run'`);
    return 1;
  }
  try {
    const exportOnly = (['output', 'seed', 'opset'] as const).find((k) => values[k] !== undefined);
    if (exportOnly) throw new UsageError(`--${exportOnly} applies to 'export', not 'profile'`);
    const options: ProfileOptions = { inputShapes: inputShapesOf(values.input), ...(values['all-nodes'] ? { showFoldedNodes: true } : {}) };
    if (values.checkpoint?.length) options.checkpoint = values.checkpoint;
    if (values.batch !== undefined) options.batch = positiveInt('--batch', values.batch);
    if (values.dtype !== undefined) {
      const d = parseDType(values.dtype);
      if (!d) throw new OptionValueError(`--dtype: unknown element type '${values.dtype}'`);
      options.inputDtype = d;
    }
    if (values.optimizer !== undefined) {
      const o = parseOptimizer(values.optimizer);
      if ('error' in o) throw new OptionValueError(`--optimizer: ${o.error}`);
      options.optimizer = o.optimizer;
    }
    const format = formatOfFlags(values, ['json', 'csv', 'markdown', 'html']);
    if (typeof format === 'object') throw new UsageError(format.error);
    // Every option is read before anything is printed: an error never follows a report.
    const budget = values.budget === undefined ? undefined : parseBytes(values.budget);
    const printProfile = (report: ProfileReport, model: Model): number => {
      out(renderProfile(report, format, { title: basename(modelPath), optimizer: options.optimizer, generatedAt: new Date().toISOString() }));
      if (budget !== undefined) err(formatBatchFit(budget, largestBatchThatFits(model, budget, 'training', options)) + '\n');
      return 0;
    };

    const torchFile = !parsePythonTarget(modelPath) && isTorchFile(modelPath);
    // Through Python: fed and exported at the asked shapes (the export's own are then static).
    const viaTorch = async (file: string, target: string | undefined, archive?: 'torchscript' | 'export') => {
      const { profileTorchSource } = await import('./runtime/torch-model.js');
      const profiled = await profileTorchSource(file, target, {
        archive,
        python: values.python ?? process.env.CONVLENS_PYTHON,
        inputs: Object.values(options.inputShapes ?? {}),
        batch: options.batch,
        timeoutMs: 300_000,
        optimizer: options.optimizer,
        checkpoint: options.checkpoint,
        showFoldedNodes: options.showFoldedNodes,
      });
      return printProfile(profiled.report, profiled.model);
    };
    if (values.stats && !torchFile) throw new UsageError('--stats applies to a PyTorch checkpoint or TorchScript archive (.pt/.pth)');
    // A TorchScript or torch.export archive is a graph: loaded by torch, then the export; --stats reads its weights instead.
    // (`return await`: its errors are this try's.)
    if (torchFile && !values.stats) {
      const archive = withFile(modelPath, torchArchiveKind);
      if (archive) return await viaTorch(modelPath, undefined, archive);
    }
    if (torchFile) {
      const asked = (['input', 'batch', 'dtype', 'optimizer', 'budget', 'checkpoint', 'all-nodes', 'python'] as const).find((k) => values[k] !== undefined);
      if (asked) throw new UsageError(`--${asked} applies to a model; ${basename(modelPath)} is a PyTorch checkpoint (weights only)`);
      const weights = withFile(modelPath, (src) => {
        const ck = readCheckpoint(src, modelPath);
        const report = weightsReport(ck);
        return values.stats ? withStats(report, checkpointStats(src, ck)) : report;
      });
      if (format === 'html') throw new UsageError(`--html applies to a model; ${basename(modelPath)} is a PyTorch checkpoint (weights only)`);
      out(renderWeights(weights, format));
      return 0;
    }
    const python = parsePythonTarget(modelPath);
    if (values.python !== undefined && !python) throw new UsageError('--python applies to a PyTorch source (model.py:ClassName) or a TorchScript archive');
    if (python) return await viaTorch(python.file, python.target);
    const loaded = await loadModelFile(modelPath);
    options.readExternal = loaded.readExternal;
    const model = loaded.model;
    const inputs = model.graph.inputs;
    if (options.inputShapes?.[BARE_INPUT] && inputs.length !== 1) {
      throw new OptionValueError(`--input without a name is for a model with one input; ${modelPath} has ${inputs.length} (${inputs.join(', ') || 'none'}): write NAME=DIMS`);
    }
    return printProfile(profileModel(model, options).report, model);
  } catch (e) {
    return failure(err, e, modelPath);
  }
}

if (require.main === module) {
  // stderr carries the CLI's own lines only: a library's noise (Emscripten's
  // "Aborted(…)" from h5wasm, TensorFlow.js banners) would make a one-line
  // error several lines. CONVLENS_DEBUG=1 lets it through.
  const write = process.stderr.write.bind(process.stderr);
  if (!process.env.CONVLENS_DEBUG) process.stderr.write = () => true;
  const err = (s: string) => void write(s);
  const crash = (e: unknown) => {
    err(`convlens: ${oneLine(unexpected(e))}\n`);
    process.exit(2);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  // The reader went away (`convlens profile big.onnx | head`): stop quietly, as Unix tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(0) : crash(e)));
  void main(process.argv.slice(2), undefined, err).then((code) => (process.exitCode = code));
}
