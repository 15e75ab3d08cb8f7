/**
 * What shape inference (infer.ts) is asked and what it answers: the options a
 * caller binds inputs and symbols with, the per-node problems it finds, and
 * what it knows of every value, including inside model-local function calls.
 * Types only, so the report, the metrics and the Keras lowering can name them
 * without importing the driver.
 */
import type { Attribute, DType, Node, Shape } from '../ir';
import type { ExternalReader } from '../tensor-data';
import type { TensorInfo } from './ops/types';

export interface InferOptions {
  /** Overrides graph input shapes (e.g. from `--input x=1x3x224x224`). */
  inputShapes?: Record<string, Shape>;
  /** Overrides graph input element types (e.g. `--dtype float16`). */
  inputDtypes?: Record<string, DType>;
  /** Values for symbolic dims (e.g. `{ N: 32 }`); unbound symbols stay symbolic. */
  bindings?: Record<string, number>;
  /** Bind every symbolic dim that is still unbound to this size. */
  bindRemaining?: number;
  /** Constant values for graph inputs (used by conformance tests for integer inputs). */
  inputValues?: Record<string, number[]>;
  readExternal?: ExternalReader;
  /** Fall back to shapes declared in the file when a rule cannot infer one (default true). */
  useDeclared?: boolean;
  /**
   * Top-level inputs given a shape other than the file's (`--input`, `--batch`).
   * The file's declared shapes of values computed from them describe the
   * file's input shapes, not these: they are neither used nor compared.
   */
  reboundInputs?: readonly string[];
  /**
   * Symbols of the file's input shapes that the asked shapes gave a number,
   * when no fixed dim changed (`[N,3,224,224]` asked as 8×3×224×224): a
   * declared shape written in them still holds once they are bound.
   */
  parametricSymbols?: readonly string[];
}

export interface NodeIssue {
  node: string;
  message: string;
  /** 'error' for inconsistent shapes, 'warning' for unsupported/unknown parts. */
  severity: 'error' | 'warning';
  /** Set when the node's operator has no rule; `warnings` already says so once per operator. */
  unknownOperator?: string;
}

export interface InferResult {
  /** Everything known about every value of the top-level graph. */
  values: Map<string, TensorInfo>;
  /** The node order used (file order unless it was not topological). */
  order: Node[];
  issues: NodeIssue[];
  warnings: string[];
  /** For nodes that call a model-local function: what is known inside its body. */
  functionScopes: Map<string, Map<string, TensorInfo>>;
  /** Per top-level call of a model-local function: what is known inside its body, and in the calls the body makes. */
  functionCalls: Map<string, FunctionCallScope>;
  /** The symbolic dims (of inputs and declared shapes) that `bindRemaining` gave its value. */
  boundRemaining: Set<string>;
}

/** What is known inside one call of a model-local function, and inside the calls its body makes (by body node name). */
export interface FunctionCallScope {
  values: Map<string, TensorInfo>;
  calls: Map<string, FunctionCallScope>;
  /** The call's attributes over the function's defaults: what the body's attribute references stand for. */
  attributes: Record<string, Attribute>;
}
