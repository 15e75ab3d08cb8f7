/**
 * onnxruntime-node sessions with the execution provider the user asked for,
 * falling back to the CPU with a notice when a GPU provider cannot start
 * (onnxruntime-node ships only the CPU provider unless installed with its
 * CUDA flag; see README, "Running models on a GPU").
 */
import type * as Ort from 'onnxruntime-node';
import type { ProviderSetting } from './messages';
import { nullProto } from '../core/lookup';

export type OrtModule = typeof Ort;

export function loadOrt(): OrtModule {
  // Required lazily so that the static parts of ConvLens never load the native addon.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('onnxruntime-node') as OrtModule;
}

/** The provider lists to try in turn for a setting: each list is one attempt. */
export function providerAttempts(setting: ProviderSetting): string[][] {
  switch (setting) {
    case 'cpu':
      return [['cpu']];
    case 'cuda':
      return [['cuda', 'cpu'], ['cpu']];
    case 'tensorrt':
      return [['tensorrt', 'cuda', 'cpu'], ['cuda', 'cpu'], ['cpu']];
    case 'auto':
    default:
      return [['cuda', 'cpu'], ['cpu']];
  }
}

const PROVIDER_NAMES: Record<string, string> = nullProto({ cuda: 'CUDA', tensorrt: 'TensorRT', cpu: 'CPU' });

export interface CreatedSession {
  session: Ort.InferenceSession;
  /** The list that succeeded, e.g. ['cpu']. */
  providers: string[];
  notices: string[];
}

/** The first line of an onnxruntime error, without its source-file prefix. */
export function shortOrtError(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].replace(/^\/onnxruntime_src\/\S+\s+/, '').slice(0, 300);
}

/** onnxruntime's words for a provider library that is not there (the npm package ships the CPU provider only). */
const NOT_INSTALLED = /Failed to load (shared )?library|cannot open shared object|not (compiled|built) (in|with)|is not available|not supported/i;

/**
 * The notice for falling back from `gpu` to `next`. Where the user did not
 * ask for a GPU (`auto`) and its provider is simply not installed, one quiet
 * line; otherwise onnxruntime's reason too.
 */
export function fallbackNotice(gpu: string, next: string, err: unknown, setting: ProviderSetting): string {
  const name = PROVIDER_NAMES[gpu] ?? gpu;
  const to = PROVIDER_NAMES[next] ?? next;
  const readme = next === 'cpu' ? ' (see README, "Running models on a GPU")' : '';
  const reason = shortOrtError(err);
  if (setting === 'auto' && NOT_INSTALLED.test(reason)) return `${to} — ${name} is not installed${readme}`;
  return `${name} execution provider unavailable (${reason}); trying ${to}${readme}`;
}

/**
 * Creates a session, trying the setting's providers in order. A failure of
 * the last attempt (the CPU) is the model's problem and is thrown as is.
 */
export async function createSession(
  ort: OrtModule,
  source: { path: string } | { bytes: Uint8Array },
  setting: ProviderSetting,
  options: Ort.InferenceSession.SessionOptions,
): Promise<CreatedSession> {
  const notices: string[] = [];
  const attempts = providerAttempts(setting);
  for (let i = 0; i < attempts.length; i++) {
    const providers = attempts[i];
    const opts = { ...options, executionProviders: providers };
    try {
      const session = 'path' in source ? await ort.InferenceSession.create(source.path, opts) : await ort.InferenceSession.create(source.bytes, opts);
      return { session, providers, notices };
    } catch (err) {
      if (i === attempts.length - 1) throw err;
      notices.push(fallbackNotice(providers[0], attempts[i + 1][0], err, setting));
    }
  }
  throw new Error('unreachable');
}
