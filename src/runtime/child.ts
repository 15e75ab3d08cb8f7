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
import { ModelLoadError } from '../core/errors';

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
  const progress = (message: string, fraction?: number) => send({ type: 'progress', id, message, ...(fraction !== undefined ? { fraction } : {}) });
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
    const message = err instanceof ModelLoadError ? err.message : err instanceof Error ? err.message : String(err);
    send({ type: 'error', id, message });
  }
}

if (!process.send) {
  process.stderr.write('convlens runtime: start me with child_process.fork\n');
  process.exit(2);
}
process.on('message', (m: ToChild) => {
  if (m?.type === 'request') void handle(m);
});
// The parent going away (extension host reload, CLI killed) ends the child too.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid });
