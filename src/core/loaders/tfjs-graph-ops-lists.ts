/**
 * TensorArray (TF1) and TensorList (TF2) ops around collapsed while loops
 * (the `map_fn` pattern: unstack into a list, process each element in the
 * loop, stack the results). They stay opaque TF ops (domain ai.tensorflow),
 * but their outputs' shapes are declared where the op states them: a stack
 * is [count, ...element_shape], flows and sizes are scalars. Inputs and
 * attributes follow tfjs-converter/src/operations/op_list/control.ts.
 */
import type { Dim, DType } from '../ir';
import { nullProto } from '../lookup';
import { tf, type OpEnv, type OpLowering } from './tfjs-graph-env';

const DTYPES: Record<string, DType> = nullProto({ DT_FLOAT: 'float32', DT_INT32: 'int32', DT_BOOL: 'bool', DT_UINT8: 'uint8', DT_INT64: 'int64' });

/** An opaque TF node whose outputs get the given shapes (undefined: unknown). */
function declared(e: OpEnv, shapes: (Dim[] | undefined)[], dtype?: string): ReturnType<OpLowering> {
  const ins = Array.from({ length: e.arity }, (_, i) => e.tf(i));
  const outs = e.nodeN(e.op, ins, Math.max(e.referenced, shapes.length), {}, 'ai.tensorflow');
  outs.forEach((o, k) => e.declare(o, k === 0 && dtype ? DTYPES[dtype] : undefined, shapes[k]));
  return outs.map(tf);
}

/** An element shape given as a constant input (−1 or a scalar −1: unknown). */
function elementShape(e: OpEnv, i: number): Dim[] | undefined {
  const s = e.constInts(i);
  return s && (e.shape(i)?.length ?? 1) === 1 && s.every((d) => d >= 0) ? s : undefined;
}

/** TensorListStack(handle, element_shape; num_elements): [num_elements, ...element_shape]. */
const listStack: OpLowering = (e) => {
  const el = elementShape(e, 1);
  const n = e.attrInt('num_elements') ?? -1;
  return declared(e, [el ? [n >= 0 ? n : `${e.name}_count`, ...el] : undefined], e.attrStr('element_dtype'));
};

/** TensorArrayGatherV3(handle, indices, flow; element_shape): [len(indices), ...element_shape]. */
const arrayGather: OpLowering = (e) => {
  const el = e.attrShape('element_shape');
  const idx = e.shape(1);
  return declared(e, [el && idx?.length === 1 && el.every((d) => d >= 0) ? [idx[0], ...el] : undefined], e.attrStr('dtype'));
};

const SCALAR: Dim[] = [];

export const LIST_OPS: Record<string, OpLowering> = nullProto({
  TensorListStack: listStack,
  TensorListReserve: (e) => declared(e, [SCALAR]),
  TensorListFromTensor: (e) => declared(e, [SCALAR]),
  // TF's handle is a [2] string vector; TF.js holds it as a scalar id, as here.
  TensorArrayV3: (e) => declared(e, [SCALAR, SCALAR]),
  TensorArrayGatherV3: arrayGather,
  TensorArrayScatterV3: (e) => declared(e, [SCALAR]),
  TensorArraySizeV3: (e) => declared(e, [SCALAR], 'DT_INT32'),
});
