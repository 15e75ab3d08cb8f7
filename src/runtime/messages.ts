/**
 * Every message between the extension host (or the CLI) and the runtime
 * child process. The child runs models; the parent never loads a native
 * runtime, so a crash, an out-of-memory kill or a runaway model ends only the
 * child. Requests carry an id; the child answers each with progress
 * messages and then exactly one `result` or `error`.
 */
import type { Shape } from '../core/ir';
import type { RuntimeReport } from '../core/timing/runtime-report';
import type { DevicePeaks } from '../core/timing/roofline';
import type { PreprocessSpec } from '../core/image/preprocess';
import type { FeatureMapCapture } from '../core/image/capture';

export type ProviderSetting = 'auto' | 'cuda' | 'tensorrt' | 'cpu';
export const PROVIDER_SETTINGS: readonly ProviderSetting[] = ['auto', 'cuda', 'tensorrt', 'cpu'];

export type InputFill = 'random' | 'zeros';
export const INPUT_FILLS: readonly InputFill[] = ['random', 'zeros'];

export interface ProfileRequest {
  kind: 'profile';
  /** The model file: ONNX runs as it is; definitions, Keras and TF.js models run through their ONNX export. */
  modelPath: string;
  provider: ProviderSetting;
  /** Batch size (the first dim of the batched inputs), default the model's own. */
  batch?: number;
  inputShapes?: Record<string, Shape>;
  input: InputFill;
  seed?: number;
  warmup: number;
  runs: number;
  /** Measure (or read from this cache file) the device's peak FLOP/s and bytes/s for the roofline. */
  peaksCache?: string;
  /** Threads onnxruntime may use within an operator (0: its default, one per core). */
  intraOpThreads?: number;
  /** A PNG or JPEG fed to the image input instead of random values (repeated over the batch). */
  image?: string;
  preprocess?: PreprocessSpec;
  /** Which runtime: auto (TensorFlow.js for Keras and TF.js layers models, onnxruntime otherwise), onnxruntime (everything through ONNX), tfjs. */
  engine?: EngineSetting;
  /** TF.js backend: auto (tfjs-node-gpu, then wasm, then cpu), wasm, cpu. */
  tfjsBackend?: TfjsBackendSetting;
  /** Run even when the static estimate needs more memory than is free (the resident-memory watch still applies). */
  force?: boolean;
}

export type EngineSetting = 'auto' | 'onnxruntime' | 'tfjs';
export const ENGINE_SETTINGS: readonly EngineSetting[] = ['auto', 'onnxruntime', 'tfjs'];

/** `convlens.runtime.tfjsBackend`, `--tfjs-backend`: auto tries tfjs-node-gpu, then wasm, then cpu. */
export type TfjsBackendSetting = 'auto' | 'wasm' | 'cpu';
export const TFJS_BACKEND_SETTINGS: readonly TfjsBackendSetting[] = ['auto', 'wasm', 'cpu'];

/** Defaults of a measured run (settings `convlens.runtime.*`, and `--warmup`, `--runs`, `--timeout` of `profile --run`). */
export const RUN_DEFAULTS = { warmupRuns: 3, timedRuns: 20, timeoutSeconds: 300, sweepMaxBatch: 64 } as const;

export interface CaptureRequest {
  kind: 'capture';
  modelPath: string;
  provider: ProviderSetting;
  /** A PNG or JPEG file. */
  image: string;
  preprocess: PreprocessSpec;
  /** Preview size per side and channels with a preview (defaults 48 and 512). */
  maxSide?: number;
  maxChannels?: number;
  /** A labels file for the classifier output (e.g. labels.txt beside the model). */
  labelsPath?: string;
  /** The bundled ImageNet labels, used for 1,000-class outputs without a labels file. */
  imagenetLabels?: string;
  engine?: EngineSetting;
  tfjsBackend?: TfjsBackendSetting;
  force?: boolean;
}

export type RuntimeRequest = ProfileRequest | CaptureRequest;

export type ToChild = { type: 'request'; id: number; request: RuntimeRequest };

export type FromChild =
  | { type: 'ready'; pid: number }
  | { type: 'progress'; id: number; message: string; /** 0–1 of the whole request, when known. */ fraction?: number }
  | { type: 'result'; id: number; result: RuntimeResult }
  /** `message` is one line; `refused`: the run would need more memory than is free (bytes), and did not start. */
  | { type: 'error'; id: number; message: string; refused?: { needBytes: number; freeBytes: number } };

export type RuntimeResult = { kind: 'profile'; report: RuntimeReport } | { kind: 'capture'; capture: FeatureMapCapture };

/** The result a request gets. */
export type ResultFor<R extends RuntimeRequest> = Extract<RuntimeResult, { kind: R['kind'] }>;

export type { DevicePeaks };
