/**
 * TensorFlow.js for the runtime child: `@tensorflow/tfjs-node-gpu` when it is
 * installed and loads (an optional dependency: it needs CUDA and downloads
 * libtensorflow at install time), else `@tensorflow/tfjs` on its WebAssembly
 * backend, else its plain JavaScript `cpu` backend. Every fallback is a
 * notice; the report names the backend that ran.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { TfjsBackendSetting } from './messages';

export type Tfjs = typeof TF;

export interface LoadedTfjs {
  tf: Tfjs;
  /** `tensorflow` (tfjs-node-gpu), `wasm` or `cpu`. */
  backend: string;
  /** Where tensors live for that backend. */
  device: 'gpu' | 'cpu';
  notices: string[];
}

/** Where the WebAssembly binaries are: dist/tfjs-wasm beside the bundle, else the package. */
function wasmDir(): string | undefined {
  const bundled = join(__dirname, 'tfjs-wasm');
  if (existsSync(join(bundled, 'tfjs-backend-wasm.wasm'))) return bundled + '/';
  try {
    return join(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'), '..', 'dist') + '/';
  } catch {
    return undefined;
  }
}

const quiet = <T>(f: () => T): T => {
  // TF.js prints a banner suggesting tfjs-node; the report already says which backend ran.
  const log = console.log;
  const warn = console.warn;
  console.log = console.warn = () => undefined;
  try {
    return f();
  } finally {
    console.log = log;
    console.warn = warn;
  }
};

let loaded: Promise<LoadedTfjs> | undefined;

export function loadTfjs(prefer: TfjsBackendSetting = 'auto'): Promise<LoadedTfjs> {
  loaded ??= (async () => {
    const notices: string[] = [];
    if (prefer === 'auto') {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const tf = quiet(() => require('@tensorflow/tfjs-node-gpu') as Tfjs);
        await tf.ready();
        return { tf, backend: tf.getBackend(), device: 'gpu', notices };
      } catch (e) {
        const why = (e as Error).message.split('\n')[0].slice(0, 200);
        notices.push(`@tensorflow/tfjs-node-gpu is not available (${/Cannot find module/.test(why) ? 'not installed' : why}); using @tensorflow/tfjs`);
      }
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tf = quiet(() => require('@tensorflow/tfjs') as Tfjs);
    if (prefer !== 'cpu') {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(p: string): void };
        const dir = wasmDir();
        if (!dir) throw new Error('its .wasm files were not found');
        wasm.setWasmPaths(dir);
        if (await tf.setBackend('wasm')) {
          await tf.ready();
          return { tf, backend: 'wasm', device: 'cpu', notices };
        }
        throw new Error('the backend did not initialise');
      } catch (e) {
        notices.push(`the TF.js WebAssembly backend is not available (${(e as Error).message.split('\n')[0].slice(0, 200)}); using the cpu backend`);
      }
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return { tf, backend: 'cpu', device: 'cpu', notices };
  })();
  return loaded;
}
