/**
 * The parent side of the runtime: each request runs in a fresh child process
 * (child.ts), so that a native crash, an out-of-memory kill or a runaway
 * model ends only that process, and its memory is measured from a clean
 * start. Requests are cancellable (AbortSignal: the child is killed at once)
 * and have a timeout. Used by the extension and the CLI; no vscode here.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FromChild, ResultFor, RuntimeRequest, RuntimeResult } from './messages';
import { RequestTracker } from '../protocol';

/** The result each request kind is answered with. */
type RuntimeReplies = { [K in RuntimeRequest['kind']]: Extract<RuntimeResult, { kind: K }> };
import { approxBytes, heapLimitMiB, residentLimit } from '../core/timing/run-guard';
import { oneLine, stripAnsi } from '../core/user-message';
import { availableMemoryBytes } from './process-memory';
import { watchResidentMemory } from './memory-watch';
import { SCRATCH_ENV } from './scratch';

/**
 * failed: the model could not run (its error); refused: it would need more
 * memory than is free (the request's `force` runs it anyway); memory: it was
 * stopped for using too much; crashed, timeout, cancelled: the process ended.
 */
export type RuntimeErrorKind = 'failed' | 'refused' | 'memory' | 'crashed' | 'timeout' | 'cancelled';

export class RuntimeError extends Error {
  constructor(
    readonly kind: RuntimeErrorKind,
    message: string,
    /** For `refused`: the static need and the memory free, bytes. */
    readonly memory?: { needBytes: number; freeBytes: number },
  ) {
    super(oneLine(message));
  }
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Milliseconds until the child is killed (0 or undefined: no limit). */
  timeoutMs?: number;
  onProgress?: (message: string, fraction?: number) => void;
  /** Called with the child's pid once it is up, and the scratch folder it writes in (removed when it ends). */
  onStart?: (pid: number, scratch: string) => void;
  /** Diagnostic lines (the child's stderr). */
  onLog?: (line: string) => void;
  /** The child script; default dist/runtime-child.js beside this bundle (or child.ts through tsx from source). */
  script?: string;
  /** Resident memory at which the child is stopped (default 90% of the memory available when it starts). */
  rssLimitBytes?: number;
}

/** The child script and the Node flags it needs. */
export function childScript(explicit?: string): { script: string; execArgv: string[] } {
  if (explicit) return { script: explicit, execArgv: explicit.endsWith('.ts') ? ['--import', 'tsx'] : [] };
  const bundled = join(__dirname, 'runtime-child.js');
  if (existsSync(bundled)) return { script: bundled, execArgv: [] };
  // Running from source (tests, tsx): the TypeScript entry through tsx.
  return { script: join(__dirname, 'child.ts'), execArgv: ['--import', 'tsx'] };
}

const STDERR_KEPT = 4000;

/** onnxruntime's own log line for a failure: `… [E:onnxruntime:, sequential_executor.cc:671 ExecuteKernel] <message>`. */
const ORT_LOG = /\[E:onnxruntime:[^\]]*\]\s*(.*)$/;

/**
 * Why the child ended, in one line. Its stderr is not shown as it is (a
 * fatal error prints a native stack); only what names the cause is kept:
 * the JavaScript heap limit, a failed native allocation, onnxruntime's last
 * error line.
 */
export function describeExit(code: number | null, signal: NodeJS.Signals | null, stderr: string, heapMiB?: number): { kind: RuntimeErrorKind; message: string } {
  if (/JavaScript heap out of memory|Reached heap limit/.test(stderr)) {
    return { kind: 'memory', message: `the runtime process ran out of memory: its JavaScript heap reached ${heapMiB ? `the ${heapMiB} MiB limit` : 'its limit'}` };
  }
  if (/std::bad_alloc|Failed to allocate memory/.test(stderr)) return { kind: 'memory', message: 'the runtime process ran out of memory (a native allocation failed)' };
  // eslint-disable-next-line no-control-regex -- strips the colour escapes ONNX Runtime writes in its log lines
  const ortLine = stderr.split('\n').map((l) => ORT_LOG.exec(l.replace(/\u001b\[[0-9;]*m/g, ''))?.[1]).filter(Boolean).at(-1);
  const why =
    signal === 'SIGKILL' ? 'was killed (SIGKILL), most likely for running out of memory'
      : signal ? `crashed (${signal})`
        : `exited with code ${code}`;
  return { kind: 'crashed', message: `the runtime process ${why}${ortLine ? `: ${oneLine(ortLine, 400)}` : ''}` };
}

/**
 * Runtime processes alive, with their scratch folders: killed and removed
 * when this process exits (process.exit, an uncaught error). A child writes
 * onnxruntime's optimized copy of the model (a VGG-16's is 0.5 GB) in its
 * scratch folder; a child that is killed (cancel, timeout, crash) cannot
 * clean up after itself, so the parent, which made the folder, removes it.
 */
const live = new Map<ChildProcess, string>();
let exitHook = false;
const removeScratch = (dir: string) => rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
function track(child: ChildProcess, scratch: string): void {
  live.set(child, scratch);
  child.once('exit', () => {
    live.delete(child);
    removeScratch(scratch);
  });
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const [c, dir] of live) {
      c.kill('SIGKILL');
      removeScratch(dir);
    }
  });
}

/** Runs one request in a fresh child process. */
export function runInChild<R extends RuntimeRequest>(request: R, options: RunOptions = {}): Promise<ResultFor<R>> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new RuntimeError('cancelled', 'cancelled'));
    const { script, execArgv } = childScript(options.script);
    const available = availableMemoryBytes();
    // Typed arrays and native memory live outside this heap: the resident-memory watch covers those.
    const heapMiB = heapLimitMiB(available);
    let child: ChildProcess;
    let scratch: string;
    try {
      scratch = mkdtempSync(join(tmpdir(), 'convlens-run-'));
    } catch (e) {
      return reject(new RuntimeError('failed', `cannot make the runtime's scratch folder in ${tmpdir()}: ${(e as Error).message}`));
    }
    try {
      child = fork(script, [], {
        execArgv: [...execArgv, `--max-old-space-size=${heapMiB}`],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        serialization: 'json',
        env: { ...process.env, [SCRATCH_ENV]: scratch },
      });
    } catch (e) {
      removeScratch(scratch);
      return reject(new RuntimeError('failed', `cannot start the runtime process: ${(e as Error).message}`));
    }
    track(child, scratch);
    let settled = false;
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const rssLimit = options.rssLimitBytes ?? residentLimit(available);
    const stopWatch = child.pid === undefined ? () => undefined : watchResidentMemory(child.pid, rssLimit, () => {
      finish(new RuntimeError('memory', `stopped: used more than ${approxBytes(rssLimit)} of memory${options.rssLimitBytes === undefined ? ` (90% of the ${approxBytes(available)} available when the run started)` : ''}`));
    });
    const finish = (err: RuntimeError | undefined, result?: RuntimeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopWatch();
      options.signal?.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (err) reject(err);
      else if (result?.kind !== request.kind) reject(new RuntimeError('failed', `the runtime process answered a ${request.kind} request with ${result?.kind}`));
      else resolve(result as ResultFor<R>);
    };
    const onAbort = () => finish(new RuntimeError('cancelled', 'cancelled'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.timeoutMs) {
      timer = setTimeout(() => finish(new RuntimeError('timeout', `the run took longer than ${Math.round(options.timeoutMs! / 1000)} s and was stopped (setting convlens.runtime.timeoutSeconds)`)), options.timeoutMs);
    }
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEPT);
      for (const line of chunk.split('\n')) if (line.trim()) options.onLog?.(oneLine(stripAnsi(line)));
    });
    child.on('error', (e) => finish(new RuntimeError('failed', `the runtime process failed: ${e.message}`)));
    child.on('exit', (code, signal) => {
      const { kind, message } = describeExit(code, signal, stderr, heapMiB);
      finish(new RuntimeError(kind, message));
    });
    // The child's replies settle the request by id; progress counts only for it.
    const replies = new RequestTracker<RuntimeReplies>({ peer: 'the runtime process' });
    let sent: number | undefined;
    child.on('message', (m: FromChild) => {
      if (m.type === 'ready') {
        options.onStart?.(m.pid, scratch);
        replies.request(request.kind, (id) => child.send({ type: 'request', id: (sent = id), request })).then(
          (result) => finish(undefined, result),
          (e: Error) => finish(new RuntimeError('failed', e.message)),
        );
      } else if (m.type === 'progress' && m.id === sent) options.onProgress?.(m.message, m.fraction);
      else if (m.type === 'result') replies.settle(m.id, { ok: true, value: m.result });
      // A refusal carries its figures: it is finished here, not as a plain failure.
      else if (m.type === 'error' && m.refused) finish(new RuntimeError('refused', m.message, m.refused));
      else if (m.type === 'error') replies.settle(m.id, { ok: false, error: m.message });
    });
  });
}

export type { RuntimeRequest, RuntimeResult };
