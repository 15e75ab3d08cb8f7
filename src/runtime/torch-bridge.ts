/**
 * The parent side of the PyTorch bridge (torch_bridge.py): runs the user's
 * Python on their model file in a child process, which builds the model,
 * records every submodule's shapes with forward hooks and exports it to ONNX.
 * It executes the user's code: callers run it only in a trusted workspace.
 * A crash, a hung import or a runaway forward ends only the child: it is
 * killed on timeout or cancellation. No vscode here.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TorchResult, TorchErrorKind, TorchFrame } from '../core/pytorch/bridge-types';
import type { Optimizer } from '../core/analysis/memory';
import { oneLine } from '../core/user-message';

export class TorchBridgeError extends Error {
  constructor(
    readonly kind: TorchErrorKind,
    message: string,
    /** The traceback, innermost last, when the user's code raised. */
    readonly frames: TorchFrame[] = [],
  ) {
    super(oneLine(message));
  }
}

export type TorchArchiveKind = 'torchscript' | 'export';

export interface TorchRequest {
  /** The user's Python file, or with `archive` a TorchScript or torch.export archive. */
  file: string;
  /** A torch.nn.Module subclass or a function of the file ('' with `archive`). */
  target: string;
  /**
   * `file` is an archive, not a source: `torchscript` (torch.jit.save), loaded with torch.jit.load, no
   * hooks (TorchScript refuses them); `export` (torch.export.save, `.pt2`, torch >= 2.1), loaded with
   * torch.export.load. Neither runs Python code of the user's.
   */
  archive?: TorchArchiveKind;
  /** Python call arguments for the target (`num_classes=10`); none by default. */
  args?: string;
  /** The example inputs' shapes (zeros, float32). */
  inputs: number[][];
  /** Export to ONNX here (TorchScript exporter); no export when absent. */
  onnx?: string;
  opset?: number;
  /** Also measure what one training step with this optimizer keeps (a train-mode forward with saved-tensor hooks). */
  training?: Optimizer;
  /** Submodule paths run under torch.utils.checkpoint in that measurement. */
  checkpoint?: string[];
}

export interface BridgeOptions {
  /** The Python interpreter (default `python3`). */
  python?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The helper script; default torch_bridge.py beside this bundle (or in src/runtime from source). */
  script?: string;
}

/** Marks the result line among whatever the user's code prints. */
const RESULT_MARK = '\u001econvlens-result ';
/** Output kept from the child: the result line is small, a chatty model's prints are not kept whole. */
const MAX_OUTPUT = 64 << 20;

export function bridgeScript(explicit?: string): string {
  if (explicit) return explicit;
  const bundled = join(__dirname, 'torch_bridge.py');
  return existsSync(bundled) ? bundled : resolve(__dirname, 'torch_bridge.py');
}

/** What a Python without torch, or too old a torch, needs, in one line. */
export const TORCH_HINT = 'install PyTorch ≥ 1.13 for this interpreter (pip install torch; Debian: apt-get install python3-torch), or choose another interpreter (--python or CONVLENS_PYTHON)';

/** Where a system Python with the distribution's torch usually is (Debian's python3-torch), tried when `python3` has none. */
const SYSTEM_PYTHON = '/usr/bin/python3';

/**
 * Runs the bridge on `req`; rejects with a TorchBridgeError. With no interpreter chosen (or plain
 * `python3`), a `python3` on PATH without torch (a pyenv or venv shadowing the system's) is
 * followed by the system's /usr/bin/python3 before giving up; the first error is the one reported.
 */
export async function runTorchBridge(req: TorchRequest, opts: BridgeOptions = {}): Promise<TorchResult> {
  const chosen = opts.python && opts.python !== 'python3';
  try {
    return await runWith(opts.python || 'python3', req, opts);
  } catch (e) {
    const noTorch = e instanceof TorchBridgeError && (e.kind === 'no-torch' || e.kind === 'no-python' || e.kind === 'old-torch');
    if (chosen || !noTorch || !existsSync(SYSTEM_PYTHON)) throw e;
    try {
      return await runWith(SYSTEM_PYTHON, req, opts);
    } catch {
      throw e;
    }
  }
}

function runWith(python: string, req: TorchRequest, opts: BridgeOptions): Promise<TorchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'convlens-torch-'));
  const requestFile = join(dir, 'request.json');
  writeFileSync(requestFile, JSON.stringify({ ...req, file: resolve(req.file) }));
  return new Promise<TorchResult>((settle, reject) => {
    let stdout = '';
    let stderr = '';
    let done = false;
    const child = spawn(python, ['-u', bridgeScript(opts.script), requestFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    });
    const finish = (err: TorchBridgeError | undefined, result?: TorchResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      if (err) reject(err);
      else settle(result!);
    };
    const onAbort = () => finish(new TorchBridgeError('cancelled', 'cancelled'));
    const timer = opts.timeoutMs ? setTimeout(() => finish(new TorchBridgeError('timeout', `Python did not finish within ${Math.round(opts.timeoutMs! / 1000)} s`)), opts.timeoutMs) : undefined;
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += d;
    });
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-8192);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish(new TorchBridgeError('no-python', e.code === 'ENOENT' ? `Python was not found ('${python}')` : `Python could not start ('${python}'): ${e.message}`));
    });
    child.on('close', (code, signal) => {
      const at = stdout.lastIndexOf(RESULT_MARK);
      if (at < 0) {
        const last = stderr.trim().split('\n').pop() ?? '';
        const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
        return finish(new TorchBridgeError('crashed', `Python ${how} before it answered${last ? `: ${last}` : ''}`));
      }
      let answer: { ok: true } & TorchResult | { ok: false; error: { kind: TorchErrorKind; message: string; frames: TorchFrame[] } };
      try {
        answer = JSON.parse(stdout.slice(at + RESULT_MARK.length).split('\n')[0]) as typeof answer;
      } catch {
        return finish(new TorchBridgeError('crashed', 'the PyTorch helper answered something unreadable'));
      }
      if (!answer.ok) return finish(new TorchBridgeError(answer.error.kind, answer.error.message, answer.error.frames));
      const { ok: _ok, ...result } = answer;
      finish(undefined, result);
    });
  });
}
