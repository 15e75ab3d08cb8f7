/**
 * The runtime child process (dist/runtime-child.js), started by client.ts
 * with child_process.fork. It loads the native runtimes, runs one request at
 * a time and reports over IPC; the parent kills it to cancel or on timeout.
 */
import type { FromChild, ToChild } from './messages';
import { profileOnOrt } from './ort-profile';
import { captureOnOrt } from './ort-capture';
import { kerasConfigFor, profileOnTfjs } from './tfjs-profile';
import { captureOnTfjs } from './tfjs-capture';
import { describeError } from '../core/user-message';
import { MemoryRefusal } from './run-checks';
import { endWithParent } from './parent-watch';
import { removeOwnScratch } from './scratch';

const send = (m: FromChild) => process.send?.(m);

/** The Keras config when the request runs on TensorFlow.js (engine auto or tfjs, and a Keras or TF.js layers model). */
async function tfjsModel(request: { modelPath: string; engine?: string }) {
  const engine = request.engine ?? 'auto';
  const keras = engine === 'onnxruntime' ? undefined : await kerasConfigFor(request.modelPath);
  if (engine === 'tfjs' && !keras) throw new Error('TensorFlow.js runs Keras models (.keras, .h5, model JSON) and TF.js layers models; this one runs on onnxruntime (setting convlens.runtime.engine)');
  return keras;
}

async function handle(msg: ToChild): Promise<void> {
  const { id, request } = msg;
  // What the run was doing, for an error that does not say.
  let stage = 'starting';
  const progress = (message: string, fraction?: number) => {
    stage = message;
    send({ type: 'progress', id, message, ...(fraction !== undefined ? { fraction } : {}) });
  };
  try {
    switch (request.kind) {
      case 'profile': {
        const keras = await tfjsModel(request);
        send({ type: 'result', id, result: { kind: 'profile', report: keras ? await profileOnTfjs(request, keras, progress) : await profileOnOrt(request, progress) } });
        break;
      }
      case 'capture': {
        const keras = await tfjsModel(request);
        send({ type: 'result', id, result: { kind: 'capture', capture: keras ? await captureOnTfjs(request, keras, progress) : await captureOnOrt(request, progress) } });
        break;
      }
      default:
        send({ type: 'error', id, message: `unknown request ${(request as { kind: string }).kind}` });
    }
  } catch (err) {
    // CONVLENS_DEBUG: the error's stack on stderr too (the extension's output channel, the CLI's stderr), for a bug report.
    if (process.env.CONVLENS_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    const message = describeError(err, stage);
    send({ type: 'error', id, message, ...(err instanceof MemoryRefusal ? { refused: { needBytes: err.needBytes, freeBytes: err.freeBytes } } : {}) });
  }
}

if (!process.send) {
  process.stderr.write('convlens runtime: start me with child_process.fork\n');
  process.exit(2);
}
process.on('message', (m: ToChild) => {
  if (m?.type === 'request') void handle(m);
});
// The parent going away (extension host reload, CLI killed) ends the child too: at once when
// the event loop is free, and through the worker thread's watch while native code holds it.
process.on('disconnect', () => {
  // The parent that would remove the scratch folder may be gone with the channel.
  removeOwnScratch();
  process.exit(0);
});
endWithParent();
send({ type: 'ready', pid: process.pid });
