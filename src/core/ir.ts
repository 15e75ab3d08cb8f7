/**
 * The format-independent graph IR. Every loader (ONNX, Keras, TF.js, YAML)
 * produces a `Graph`; every analysis reads one. Plain data, no methods: a
 * structured clone (worker threads) copies it whole, `Map` and `Set`
 * included; JSON would not (what crosses to the webview is the report, not
 * the IR).
 */

/** A dimension: a concrete size, or a symbolic name such as `N` or `batch`. */
export type Dim = number | string;

/** A shape, or `undefined` when not even the rank is known. */
export type Shape = Dim[];

export type DType =
  | 'float32' | 'float16' | 'bfloat16' | 'float64'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'bool' | 'string' | 'complex64' | 'complex128'
  | 'float8e4m3fn' | 'float8e4m3fnuz' | 'float8e5m2' | 'float8e5m2fnuz'
  | 'uint4' | 'int4' | 'float4e2m1';

/** Where a tensor's element bytes live. Loaders never copy weight bytes. */
export type TensorStorage =
  /** A view into the model file's buffer (little-endian, ONNX raw_data layout). */
  | { kind: 'raw'; bytes: Uint8Array }
  /** Elements already decoded as numbers (ONNX typed fields, folded constants). */
  | { kind: 'values'; values: ArrayLike<number> }
  /** Strings (ONNX string tensors). */
  | { kind: 'strings'; values: string[] }
  /** Bytes in a side file, read on demand (ONNX external data). */
  | { kind: 'external'; location: string; offset: number; length: number | undefined }
  /** No data available (e.g. a sparse or unsupported encoding). */
  | { kind: 'none' };

export interface TensorConst {
  dtype: DType;
  dims: number[];
  storage: TensorStorage;
}

export interface Value {
  name: string;
  dtype?: DType;
  /** `undefined`: rank unknown. */
  shape?: Shape;
  /** Constant contents when known (initializers, Constant nodes, folded results). */
  data?: TensorConst;
  /** Doc string from the model, if any. */
  doc?: string;
  /**
   * The shape is what the producing op itself states (a TF.js TensorList
   * stack's element shape from its attributes), not a record made for the
   * file's input shapes: it still holds when `--input`/`--batch` rebind them.
   */
  shapeStatedByOp?: boolean;
}

export type Attribute =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: TensorConst }
  | { type: 'graph'; value: Graph }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensors'; value: TensorConst[] }
  | { type: 'graphs'; value: Graph[] }
  /** A reference to an attribute of the enclosing function (`ref_attr_name`). */
  | { type: 'ref'; value: string }
  | { type: 'unsupported'; value: string };

export interface Node {
  /** Unique within the graph (loaders invent one when the file has none). */
  name: string;
  opType: string;
  /** '' for the default ONNX domain. */
  domain: string;
  attributes: Record<string, Attribute>;
  /** Value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  doc?: string;
}

export interface Graph {
  name: string;
  nodes: Node[];
  /** Graph input names (never initializer-only names). */
  inputs: string[];
  outputs: string[];
  /** Every value known to the graph: inputs, outputs, intermediates, initializers. */
  values: Map<string, Value>;
  /** Names of values whose data is a weight or constant stored in the file. */
  initializers: Set<string>;
}

export interface FunctionDef {
  name: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: string[];
  attributeDefaults: Record<string, Attribute>;
  nodes: Node[];
  opset: Record<string, number>;
}

export interface Model {
  format: 'onnx' | 'keras' | 'tfjs' | 'yaml';
  /** Opset version per domain ('' = ai.onnx). */
  opset: Record<string, number>;
  irVersion?: number;
  producer?: string;
  graph: Graph;
  /** Model-local functions, keyed by `domain:name`. */
  functions: Map<string, FunctionDef>;
  /** Non-fatal problems found while loading. */
  warnings: string[];
  metadata: Record<string, string>;
  /** How the model's own framework lays out its tensors, when not as the IR holds them (absent: as held). */
  layout?: ModelLayout;
}

/**
 * A channels-last framework's view of a channels-first IR. Keras and TF.js
 * layers models are lowered to NCHW values (ONNX's convolutions are
 * channels-first); their users know them channels-last, so reports show the
 * values listed here with the IR's axis 1 moved last (IR [N, C, H, W] is shown
 * [N, H, W, C]; [N, C, L] as [N, L, C]). Values not listed are shown as held
 * (those below rank 3, and lowering intermediates already in the framework's
 * order).
 */
export interface ModelLayout {
  name: 'NHWC';
  channelsLast: Set<string>;
  /**
   * Weights whose framework dims differ from the IR's ONNX ones, with the
   * framework's (a Keras Conv2D kernel is [kh, kw, C_in, filters], the IR's
   * [filters, C_in, kh, kw]): what a user of the model reads.
   */
  weightDims?: Map<string, number[]>;
  /**
   * Values that only re-lay out another (the Transposes a lowering inserts
   * between the framework's layout and the IR's): not tensors of the model,
   * so memory figures count them as views of their input, not as activations.
   */
  views?: Set<string>;
}

export const DEFAULT_DOMAIN = '';

export function opsetOf(model: Pick<Model, 'opset'>, domain: string): number {
  const d = domain === 'ai.onnx' ? '' : domain;
  return model.opset[d] ?? 0;
}
