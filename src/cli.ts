/**
 * `convlens` command line: the same engine as the extension, for terminals and CI.
 *   convlens profile <model> [--input NAME=1x3x224x224] [--batch N] [--dtype T]
 *                            [--optimizer sgd|momentum|adam] [--budget 8GiB]
 *                            [--json | --csv | --markdown]
 *   convlens profile <model> --run [--provider auto|cuda|tensorrt|cpu] [--engine auto|onnxruntime|tfjs] [--runs N] [--warmup N]
 *                            [--timeout S] [--zeros] [--batch N] [--force] [--json | --csv | --markdown | --html]
 *   convlens export <model.cnn.yaml> -o <out.onnx> [--seed N] [--opset 17] [--batch N]
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { sameFile, writeFileAtomic } from './core/files';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describeError, oneLine, printable } from './core/user-message';
import { formatSweep } from './core/timing/sweep';
import { DEFAULT_PREPROCESS, PRESETS, type PresetName } from './core/image/preprocess';
import { ENGINE_SETTINGS, PROVIDER_SETTINGS, TFJS_BACKEND_SETTINGS, type EngineSetting, type ProfileRequest, type ProviderSetting, type TfjsBackendSetting } from './runtime/messages';
import { formatRuntimeCsv, formatRuntimeHtml, formatRuntimeMarkdown, formatRuntimeTable } from './core/report/runtime-format';
import { InputShapeError, ModelLoadError, formatCount } from './core/errors';
import { isCnnYamlName, loadModelFile } from './core/loaders/index';
import { loadCnnYaml } from './core/loaders/cnn-yaml-model';
import { MAX_EXPORT_OPSET as MAX_OPSET, MIN_EXPORT_OPSET as MIN_OPSET } from './core/export/opset';
import { DEFAULT_EXPORT_OPSET, ExportError, exportOnnx, exportOpset, isLowered, type ExportOptions } from './core/export/onnx-export';
import { definitionAtBatch } from './core/export/runnable';
import packageJson from '../package.json';
import { parseShape } from './core/analysis/infer';
import { parseDType } from './core/dtype';
import { BARE_INPUT, largestBatchThatFits, profileModel, type ProfileOptions, type ProfileReport } from './core/report/profile';
import { parsePythonTarget } from './core/pytorch/modules';
import { isTorchFile, readCheckpoint, torchArchiveKind } from './core/pytorch/checkpoint';
import { checkpointStats } from './core/pytorch/tensor-stats';
import { withFile } from './core/pytorch/zip';
import { formatWeightsCsv, formatWeightsMarkdown, formatWeightsTable, weightsReport, withStats } from './core/report/weights';
import { formatBatchFit, formatCsv, formatMarkdown, formatTable, parseByteSize } from './core/report/format';
import { visibleLines, visibleText } from './core/report/safe-text';
import { parseOptimizer } from './core/analysis/memory';
import type { Model, Shape } from './core/ir';
import { dict } from './core/lookup';
import { checkCommand, COMPARE_USAGE, diffCommand } from './cli-compare';
import { describeWriteError, fail, failure, OptionValueError, parseBytes, positiveInt, unexpected, UsageError } from './cli-common';
import { append } from './core/arrays';

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
  --budget SIZE       also print the largest batch whose training memory fits SIZE (e.g. 16GiB)
  --all-nodes         list exporters' constant and shape nodes (Identity of a weight,
                      Constant, Shape → Gather → Concat) as layers; by default they are
                      folded into the layers that read them
  --json | --csv | --markdown   machine-readable output instead of the table
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

/** `--input NAME=DIMS` options as input shapes. */
function inputShapesOf(specs: readonly string[] | undefined): Record<string, Shape> {
  const shapes: Record<string, Shape> = dict();
  for (const spec of specs ?? []) {
    const eq = spec.lastIndexOf('=');
    if (eq < 0 && parseShape(spec).error === undefined) {
      // Bare dims: the model's only input.
      if (Object.keys(shapes).length > 0) throw new UsageError(`--input ${spec}: bare dims name no input; with several --input, write NAME=DIMS`);
      shapes[BARE_INPUT] = (parseShape(spec) as { shape: Shape }).shape;
      continue;
    }
    if (eq <= 0) throw new UsageError(`--input: expected NAME=DIMS or DIMS, got '${spec}'`);
    const parsed = parseShape(spec.slice(eq + 1));
    if (parsed.error !== undefined) throw new OptionValueError(`--input ${spec.slice(0, eq)}: ${parsed.error}`);
    shapes[spec.slice(0, eq)] = parsed.shape;
  }
  return shapes;
}


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
    const formats = [values.json, values.csv, values.markdown].filter(Boolean).length;
    if (formats > 1) throw new UsageError('choose one of --json, --csv, --markdown');
    // Every option is read before anything is printed: an error never follows a report.
    const budget = values.budget === undefined ? undefined : parseBytes(values.budget);
    const printProfile = (report: ProfileReport, model: Model): number => {
      const fmt = { optimizer: options.optimizer };
      if (values.json) out(JSON.stringify(report, null, 2) + '\n');
      else if (values.csv) out(formatCsv(report));
      else if (values.markdown) out(formatMarkdown(report, fmt));
      else out(formatTable(report, fmt) + '\n');
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
      const asked = (['input', 'batch', 'dtype', 'optimizer', 'budget', 'all-nodes', 'python'] as const).find((k) => values[k] !== undefined);
      if (asked) throw new UsageError(`--${asked} applies to a model; ${basename(modelPath)} is a PyTorch checkpoint (weights only)`);
      const weights = withFile(modelPath, (src) => {
        const ck = readCheckpoint(src, modelPath);
        const report = weightsReport(ck);
        return values.stats ? withStats(report, checkpointStats(src, ck)) : report;
      });
      if (values.json) out(JSON.stringify(weights, null, 2) + '\n');
      else if (values.csv) out(formatWeightsCsv(weights));
      else if (values.markdown) out(formatWeightsMarkdown(weights));
      else out(formatWeightsTable(weights) + '\n');
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

const PROFILE_ONLY = ['input', 'python', 'stats', 'dtype', 'optimizer', 'budget', 'all-nodes', 'json', 'csv', 'markdown', 'run', 'provider', 'engine', 'tfjs-backend', 'runs', 'warmup', 'timeout', 'zeros', 'html', 'sweep', 'image', 'normalize', 'force'] as const;
const RUN_ONLY = ['provider', 'engine', 'tfjs-backend', 'runs', 'warmup', 'timeout', 'zeros', 'html', 'sweep', 'image', 'normalize', 'force'] as const;

/** Where measured device peaks are cached between runs. */
function peaksCachePath(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'convlens', 'device-peaks.json');
}

/** Exit codes of `profile --run`: 1 usage, 2 the model could not be run (any reason), 128 + n a signal. */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

async function runCommand(values: Record<string, unknown>, modelPath: string, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const tty = process.stderr.isTTY;
  // SIGINT/SIGTERM stop the runtime process before this one ends (it also ends by itself when this one is killed).
  const ac = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    signalled = sig;
    ac.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const failRun = (message: string) => {
    if (tty) err('\r\x1b[K');
    err(`${oneLine(`convlens: ${printable(modelPath)}: ${message}`)}\n`);
    return 2;
  };
  // The progress line is ours (carriage return, erase line); the message in it may quote layer names.
  const status = (m: string) => err(`\r\x1b[K${visibleText(m)}`);
  // Loaded only for --run: the runtime client brings child processes and sockets, which a static profile never needs.
  const { runInChild, RuntimeError } = await import('./runtime/client.js');
  const { batchSweep } = await import('./runtime/sweep.js');
  try {
    const notHere = (['dtype', 'optimizer', 'budget', 'all-nodes'] as const).find((k) => values[k] !== undefined);
    if (notHere) throw new UsageError(`--${notHere} applies to the static profile, not --run`);
    const provider = (values.provider as string | undefined) ?? 'auto';
    if (!(PROVIDER_SETTINGS as readonly string[]).includes(provider)) throw new OptionValueError(`--provider: expected ${PROVIDER_SETTINGS.join(', ')}, got '${provider}'`);
    const engine = (values.engine as string | undefined) ?? 'auto';
    if (!(ENGINE_SETTINGS as readonly string[]).includes(engine)) throw new OptionValueError(`--engine: expected ${ENGINE_SETTINGS.join(', ')}, got '${engine}'`);
    const tfjsBackend = (values['tfjs-backend'] as string | undefined) ?? 'auto';
    if (!(TFJS_BACKEND_SETTINGS as readonly string[]).includes(tfjsBackend)) throw new OptionValueError(`--tfjs-backend: expected ${TFJS_BACKEND_SETTINGS.join(', ')}, got '${tfjsBackend}'`);
    const count = (name: string, fallback: number, min: number) => {
      const v = values[name] as string | undefined;
      if (v === undefined) return fallback;
      if (!/^\d+$/.test(v) || Number(v) < min) throw new OptionValueError(`--${name}: expected an integer ≥ ${min}, got '${v}'`);
      return Number(v);
    };
    const formats = [values.json, values.csv, values.markdown, values.html].filter(Boolean).length;
    if (formats > 1) throw new UsageError('choose one of --json, --csv, --markdown, --html');
    const request: ProfileRequest = {
      kind: 'profile',
      modelPath: resolve(modelPath),
      provider: provider as ProviderSetting,
      engine: engine as EngineSetting,
      tfjsBackend: tfjsBackend as TfjsBackendSetting,
      input: values.zeros ? 'zeros' : 'random',
      warmup: count('warmup', 3, 0),
      runs: count('runs', 20, 1),
      peaksCache: peaksCachePath(),
      inputShapes: inputShapesOf(values.input as string[] | undefined),
      ...(values.batch !== undefined ? { batch: positiveInt('--batch', values.batch as string) } : {}),
      ...(values.force ? { force: true } : {}),
    };
    if (values.image !== undefined) {
      const preset = ((values.normalize as string | undefined) ?? 'imagenet') as PresetName;
      if (!(preset in PRESETS)) throw new OptionValueError(`--normalize: expected ${Object.keys(PRESETS).join(', ')}, got '${preset}'`);
      request.image = resolve(values.image as string);
      const { scale, mean, std } = PRESETS[preset];
      request.preprocess = { ...DEFAULT_PREPROCESS, scale, mean, std };
    } else if (values.normalize !== undefined) throw new UsageError('--normalize applies with --image');
    const timeoutS = count('timeout', 300, 1);
    if (values.sweep !== undefined) {
      if (values.batch !== undefined) throw new UsageError('--sweep chooses the batches; leave out --batch');
      if (values.csv || values.markdown || values.html) throw new UsageError('--sweep prints a table or --json');
      const sweep = await batchSweep({ ...request, runs: count('runs', 5, 1), warmup: count('warmup', 1, 0) }, {
        maxBatch: positiveInt('--sweep', values.sweep as string),
        timeoutMs: timeoutS * 1000,
        signal: ac.signal,
        onProgress: (m) => tty && status(m),
      });
      if (tty) err('\r\x1b[K');
      sweep.file = modelPath;
      out(values.json ? JSON.stringify(sweep, null, 2) + '\n' : formatSweep(sweep) + '\n');
      return 0;
    }
    const { report } = await runInChild(request, {
      timeoutMs: timeoutS * 1000,
      signal: ac.signal,
      onProgress: (m) => tty && status(m),
      // The runtime process's own diagnostics, for a bug report.
      ...(process.env.CONVLENS_DEBUG ? { onLog: (line: string) => err(`runtime: ${line}\n`) } : {}),
    });
    if (tty) err('\r\x1b[K');
    report.file = modelPath;
    if (values.json) out(JSON.stringify(report, null, 2) + '\n');
    else if (values.csv) out(formatRuntimeCsv(report));
    else if (values.markdown) out(formatRuntimeMarkdown(report));
    else if (values.html) out(formatRuntimeHtml(report, { title: basename(modelPath), generatedAt: new Date().toISOString() }));
    else out(formatRuntimeTable(report) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof OptionValueError) {
      err(`convlens: ${oneLine(e.message)}\n`);
      return e instanceof UsageError ? 1 : 2;
    }
    if (e instanceof RuntimeError && e.kind === 'cancelled' && signalled) {
      failRun(`stopped by ${signalled}`);
      return SIGNAL_EXIT[signalled] ?? 2;
    }
    if (e instanceof RuntimeError && e.kind === 'refused') return failRun(`${e.message}; --force to run anyway`);
    return failRun(e instanceof RuntimeError ? e.message : describeError(e));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The model to export: a definition is lowered at the asked batch (Reshape
 * targets embed it, so it cannot be patched in afterwards); it is loaded at
 * batch 1 first so that its problems are reported as `profile` reports them.
 */
async function loadForExport(path: string, batch: number | undefined): Promise<{ model: Model; readExternal?: ExportOptions['readExternal'] }> {
  if (!isCnnYamlName(path)) {
    if (batch !== undefined) throw new UsageError('--batch applies to .cnn.yaml definitions; an ONNX file keeps its own input shapes');
    const loaded = await loadModelFile(path);
    return { model: loaded.model, readExternal: loaded.readExternal };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ModelLoadError(path, `cannot read: ${(e as Error).message}`);
  }
  const model = loadCnnYaml(text, path);
  if (batch === undefined || batch === 1) return { model };
  const rebatched = definitionAtBatch(text, path, batch);
  append(rebatched.warnings, model.warnings);
  return { model: rebatched };
}

async function exportCommand(values: Record<string, unknown>, modelPath: string, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  try {
    const profileOnly = PROFILE_ONLY.find((k) => values[k] !== undefined);
    if (profileOnly) throw new UsageError(`--${profileOnly} applies to 'profile', not 'export'`);
    const output = values.output as string | undefined;
    if (!output) throw new UsageError("export: give the output file with -o <out.onnx>");
    if (sameFile(output, modelPath)) {
      // Never over the user's model: an export replaces its target.
      fail(err, `${modelPath}: cannot export over the model itself (-o ${output}); choose another output file`);
      return 2;
    }
    const options: ExportOptions = { producerVersion: packageJson.version };
    if (values.seed !== undefined) {
      const s = values.seed as string;
      if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) throw new OptionValueError(`--seed: expected an integer 0–4294967295, got '${s}'`);
      options.seed = Number(s);
    }
    if (values.opset !== undefined) {
      const o = positiveInt('--opset', values.opset as string);
      if (o < MIN_OPSET || o > MAX_OPSET) throw new OptionValueError(`--opset: expected ${MIN_OPSET}–${MAX_OPSET}, got ${o}`);
      options.opset = o;
    }
    const batch = values.batch === undefined ? undefined : positiveInt('--batch', values.batch as string);
    const { model, readExternal } = await loadForExport(modelPath, batch);
    options.readExternal = readExternal;
    const bytes = exportOnnx(model, options);
    try {
      writeFileAtomic(output, bytes);
    } catch (e) {
      fail(err, `cannot write ${output}: ${describeWriteError(e)}`);
      return 2;
    }
    const { params } = profileModel(model, { readExternal }).report.totals;
    const input = model.graph.inputs.map((i) => `${i} ${(model.graph.values.get(i)?.shape ?? []).join('×')}`).join(', ');
    const opset = exportOpset(model, options);
    out(visibleText(`Wrote ${output}: ${formatCount(bytes.length)} bytes, ${params === null ? 'unknown' : formatCount(params)} params, opset ${opset}, input ${input} (NCHW)`) +
      (isLowered(model) ? `, initial weights seed ${options.seed ?? 0}` : '') + '\n');
    // Warnings go with the report on stdout: stderr carries at most one line.
    for (const w of model.warnings) out(`warning: ${w}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof OptionValueError) {
      fail(err, e.message);
      return e instanceof UsageError ? 1 : 2;
    }
    if (e instanceof ModelLoadError) {
      fail(err, e.message);
      return 2;
    }
    if (e instanceof ExportError) {
      fail(err, `${modelPath}: cannot export: ${e.message}`);
      return 2;
    }
    fail(err, `${modelPath}: ${unexpected(e)}`);
    return 2;
  }
}

if (require.main === module) {
  // stderr carries the CLI's own lines only: a library's noise (Emscripten's
  // "Aborted(…)" from h5wasm, TensorFlow.js banners) would make a one-line
  // error several lines. CONVLENS_DEBUG=1 lets it through.
  const write = process.stderr.write.bind(process.stderr);
  if (!process.env.CONVLENS_DEBUG) process.stderr.write = (() => true) as typeof process.stderr.write;
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
