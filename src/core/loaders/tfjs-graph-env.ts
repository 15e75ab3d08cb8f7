/**
 * What a TF.js graph-model op lowering sees (implemented by tfjs-graph.ts)
 * and the small helpers every op family shares.
 */
import type { Dim, DType } from '../ir';
import type { AttrInput } from '../onnx/attr-input';

export type Layout = 'tf' | 'nchw';

export interface Lowered {
  value: string;
  layout: Layout;
}

/** What an op lowering may do; implemented by the loader (tfjs-graph.ts). */
export interface OpEnv {
  readonly name: string;
  readonly op: string;
  /** Number of data inputs (control inputs `^x` excluded). */
  readonly arity: number;
  raw(i: number): Lowered;
  /** Input i's layout (constants are always TF layout), without materialising it. */
  layout(i: number): Layout;
  /** Input i as the IR value of the TF tensor (transposed back to NHWC when held NCHW). */
  tf(i: number): string;
  /** 4-D NHWC input i as NCHW. */
  nchw(i: number): string;
  /** Input i's shape in TF order, when its rank is known. */
  shape(i: number): Dim[] | undefined;
  /** Whether input i is a Const node's output. */
  isConst(i: number): boolean;
  /** Values of a constant integer input, when known. */
  constInts(i: number): number[] | undefined;
  /**
   * Input i in another form (ONNX filter layout, [C,1,1] bias…): a constant
   * is declared once with `dims` (same element count, so parameter counts
   * stay the manifest's); otherwise `fromTf` builds it from the TF value.
   */
  form(i: number, key: string, dims: number[] | undefined, fromTf: (v: string) => string): string;
  node(op: string, inputs: string[], attrs?: Record<string, AttrInput>, domain?: string): string;
  /** A node with `count` outputs. */
  nodeN(op: string, inputs: string[], count: number, attrs?: Record<string, AttrInput>, domain?: string): string[];
  /** How many outputs of this TF node its consumers reference (1 + the highest `name:k`; at least 1). */
  readonly referenced: number;
  ints(values: number[]): string;
  floats(values: number[], dims?: number[]): string;
  attrStr(name: string): string | undefined;
  attrInt(name: string): number | undefined;
  attrInts(name: string): number[] | undefined;
  attrFloat(name: string): number | undefined;
  attrBool(name: string): boolean | undefined;
  attrStrs(name: string): string[] | undefined;
  /** A shape attribute's dims (−1: unknown), when present with a known rank. */
  attrShape(name: string): number[] | undefined;
  /** Declares an opaque node output's dtype and shape, as a file declares value_info. */
  declare(value: string, dtype: DType | undefined, shape: Dim[] | undefined): void;
  warn(message: string): void;
  /** Notes this node's op type as unsupported (the loader warns once per op type). */
  unsupported(): void;
  fail(message: string): never;
}

export type OpLowering = (e: OpEnv) => Lowered | Lowered[];

export const tf = (value: string): Lowered => ({ value, layout: 'tf' });
export const nchw = (value: string): Lowered => ({ value, layout: 'nchw' });
export const num = (d: Dim | undefined): d is number => typeof d === 'number';

export function normAxes(e: OpEnv, axes: number[], rank: number): number[] {
  return axes.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) e.fail(`axis ${a} is out of range for rank ${rank}`);
    return a < 0 ? a + rank : a;
  });
}

/**
 * An op we cannot lower: an opaque node in domain ai.tensorflow with as many
 * outputs as its consumers reference (their shapes unknown), noted for the
 * loader's one warning per op type.
 */
export function opaque(e: OpEnv, note = true): Lowered[] {
  if (note) e.unsupported();
  const ins = Array.from({ length: e.arity }, (_, i) => e.tf(i));
  return e.nodeN(e.op, ins, e.referenced, {}, 'ai.tensorflow').map(tf);
}
