/**
 * `convlens profile <model> --run`: runs the model in the runtime child
 * process (onnxruntime-node or TensorFlow.js) and prints what it measured,
 * or with `--sweep` the latency and memory of batch after batch.
 */
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describeError, oneLine, printable } from './core/user-message';
import { formatSweep } from './core/timing/sweep';
import { DEFAULT_PREPROCESS, PRESETS, type PresetName } from './core/image/preprocess';
import { ENGINE_SETTINGS, PROVIDER_SETTINGS, RUN_DEFAULTS, TFJS_BACKEND_SETTINGS, type EngineSetting, type ProfileRequest, type ProviderSetting, type TfjsBackendSetting } from './runtime/messages';
import { formatOfFlags, renderRuntime } from './core/report/render';
import { visibleText } from './core/report/safe-text';
import { inputShapesOf, OptionValueError, positiveInt, UsageError } from './cli-common';

/** Where measured device peaks are cached between runs. */
function peaksCachePath(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'convlens', 'device-peaks.json');
}

/** Exit codes of `profile --run`: 1 usage, 2 the model could not be run (any reason), 128 + n a signal. */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

export async function runCommand(values: Record<string, unknown>, modelPath: string, out: (s: string) => void, err: (s: string) => void): Promise<number> {
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
    const notHere = (['dtype', 'optimizer', 'budget', 'checkpoint', 'all-nodes'] as const).find((k) => values[k] !== undefined);
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
    const format = formatOfFlags(values, ['json', 'csv', 'markdown', 'html']);
    if (typeof format === 'object') throw new UsageError(format.error);
    const request: ProfileRequest = {
      kind: 'profile',
      modelPath: resolve(modelPath),
      provider: provider as ProviderSetting,
      engine: engine as EngineSetting,
      tfjsBackend: tfjsBackend as TfjsBackendSetting,
      input: values.zeros ? 'zeros' : 'random',
      warmup: count('warmup', RUN_DEFAULTS.warmupRuns, 0),
      runs: count('runs', RUN_DEFAULTS.timedRuns, 1),
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
    const timeoutS = count('timeout', RUN_DEFAULTS.timeoutSeconds, 1);
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
    out(renderRuntime(report, format, { title: basename(modelPath), generatedAt: new Date().toISOString() }));
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
