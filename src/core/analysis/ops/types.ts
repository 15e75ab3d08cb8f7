/**
 * The contract between the shape-inference driver and the per-operator rules
 * in this folder (one module per operator family, as in onnx/defs/*).
 */
import type { Attribute, Dim, DType, Graph, Node, Shape } from '../../ir';

/** What is known about one tensor during inference. */
export interface TensorInfo {
  dtype?: DType;
  /** `undefined`: rank unknown. Dims are numbers or symbolic strings. */
  shape?: Shape;
  /**
   * Constant element values (row-major) when known and small: the fuel for
   * folding exporter shape arithmetic (Shape → Gather → Concat → Reshape).
   */
  value?: number[];
  /**
   * Element values of a small integer tensor holding dims when some are
   * symbolic (e.g. Shape of [N,3,H,W] = ['N',3,224,224]); set only when
   * `value` cannot be. ONNX's data propagation does the same.
   */
  symbolic?: Dim[];
}

/** Thrown by a rule when the node's inputs are inconsistent (a real shape error). */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

export interface OpContext {
  readonly node: Node;
  /** Opset version of the node's domain in the model. */
  readonly opset: number;
  /** One entry per node input; `undefined` for an omitted optional input. */
  readonly inputs: readonly (TensorInfo | undefined)[];
  attr(name: string): Attribute | undefined;
  int(name: string): number | undefined;
  int(name: string, fallback: number): number;
  ints(name: string): number[] | undefined;
  float(name: string, fallback: number): number;
  floats(name: string): number[] | undefined;
  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  /** A non-fatal note about this node (e.g. an unsupported attribute value). */
  warn(message: string): void;
  /** Infers a subgraph (If/Loop/Scan bodies) with the given formal input infos. */
  inferSubgraph(graph: Graph, inputs: (TensorInfo | undefined)[]): (TensorInfo | undefined)[];
}

/** Returns one entry per node output (`undefined` = unknown). */
export type OpRule = (ctx: OpContext) => (TensorInfo | undefined)[];

export type OpRules = Record<string, OpRule>;

/** Values above this many elements are not kept for folding. */
export const MAX_FOLD_ELEMENTS = 4096;
