/**
 * The parent side of the runtime: each request runs in a fresh child process
 * (child.ts), so that a native crash, an out-of-memory kill or a runaway
 * model ends only that process, and its memory is measured from a clean
 * start. Requests are cancellable (AbortSignal: the child is killed at once)
 * and have a timeout. Used by the extension and the CLI; no vscode here.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FromChild, ResultFor, RuntimeRequest, RuntimeResult } from './messages';
import { RequestTracker } from '../protocol';

/** The result each request kind is answered with. */
type RuntimeReplies = { [K in RuntimeRequest['kind']]: Extract<RuntimeResult, { kind: K }> };

export type RuntimeErrorKind = 'failed' | 'crashed' | 'timeout' | 'cancelled';

export class RuntimeError extends Error {
  constructor(readonly kind: RuntimeErrorKind, message: string) {
    super(message);
  }
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Milliseconds until the child is killed (0 or undefined: no limit). */
  timeoutMs?: number;
  onProgress?: (message: string, fraction?: number) => void;
  /** Called with the child's pid once it is up. */
  onStart?: (pid: number) => void;
  /** Diagnostic lines (the child's stderr). */
  onLog?: (line: string) => void;
  /** The child script; default dist/runtime-child.js beside this bundle (or child.ts through tsx from source). */
  script?: string;
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

function describeExit(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const tail = stderr.trim().split('\n').slice(-3).join(' | ').slice(-600);
  const why =
    signal === 'SIGKILL' ? 'was killed (SIGKILL), most likely for running out of memory'
    : signal ? `crashed (${signal})`
    : `exited with code ${code}`;
  return `the runtime process ${why}${tail ? `: ${tail}` : ''}`;
}

/** Runs one request in a fresh child process. */
export function runInChild<R extends RuntimeRequest>(request: R, options: RunOptions = {}): Promise<ResultFor<R>> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new RuntimeError('cancelled', 'cancelled'));
    const { script, execArgv } = childScript(options.script);
    let child: ChildProcess;
    try {
      child = fork(script, [], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    } catch (e) {
      return reject(new RuntimeError('failed', `cannot start the runtime process: ${(e as Error).message}`));
    }
    let settled = false;
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: RuntimeError | undefined, result?: RuntimeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
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
      for (const line of chunk.split('\n')) if (line.trim()) options.onLog?.(line.replace(/\u001b\[[0-9;]*m/g, ''));
    });
    child.on('error', (e) => finish(new RuntimeError('failed', `the runtime process failed: ${e.message}`)));
    child.on('exit', (code, signal) => finish(new RuntimeError('crashed', describeExit(code, signal, stderr))));
    // The child's replies settle the request by id; progress counts only for it.
    const replies = new RequestTracker<RuntimeReplies>({ peer: 'the runtime process' });
    let sent: number | undefined;
    child.on('message', (m: FromChild) => {
      if (m.type === 'ready') {
        options.onStart?.(m.pid);
        replies.request(request.kind, (id) => child.send({ type: 'request', id: (sent = id), request })).then(
          (result) => finish(undefined, result),
          (e: Error) => finish(new RuntimeError('failed', e.message)),
        );
      }
      else if (m.type === 'progress' && m.id === sent) options.onProgress?.(m.message, m.fraction);
      else if (m.type === 'result') replies.settle(m.id, { ok: true, value: m.result });
      else if (m.type === 'error') replies.settle(m.id, { ok: false, error: m.message });
    });
  });
}

export type { RuntimeRequest, RuntimeResult };
