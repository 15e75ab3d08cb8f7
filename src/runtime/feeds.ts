/**
 * Input tensors for a run: random (seeded, uniform in [-1, 1) for floats) or
 * zeros, at the shapes static analysis resolved; integer inputs are zeros.
 */
import type * as Ort from 'onnxruntime-node';
import type { DType } from '../core/ir';
import { mulberry32 } from '../core/random';
import { floatToHalfBits } from '../core/onnx/writer';
import type { InputFill } from './messages';
import type { OrtModule } from './ort-session';

type OrtType = Ort.Tensor.Type;
type Numbers = ArrayLike<number> & { [i: number]: number };
type ArrayOf = new (n: number) => ArrayLike<number | bigint>;

/** Each input type as onnxruntime names it, and the typed array it is passed in (float16 as its bit patterns, bool as bytes). */
const TYPES: Partial<Record<DType, [OrtType, ArrayOf]>> = {
  float32: ['float32', Float32Array], float64: ['float64', Float64Array], float16: ['float16', Uint16Array],
  int8: ['int8', Int8Array], uint8: ['uint8', Uint8Array], int16: ['int16', Int16Array], uint16: ['uint16', Uint16Array],
  int32: ['int32', Int32Array], uint32: ['uint32', Uint32Array], int64: ['int64', BigInt64Array], uint64: ['uint64', BigUint64Array],
  bool: ['bool', Uint8Array],
};

export function ortType(dtype: DType): OrtType {
  const t = TYPES[dtype];
  if (!t) throw new Error(`inputs of type ${dtype} cannot be generated (supported: ${Object.keys(TYPES).join(', ')})`);
  return t[0];
}

export function makeTensor(ort: OrtModule, dtype: DType, dims: number[], fill: InputFill, seed: number): Ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const type = ortType(dtype);
  const data = new TYPES[dtype]![1](n);
  if (fill === 'random' && (type === 'float32' || type === 'float64' || type === 'float16')) {
    const rand = mulberry32(seed);
    const out = data as Numbers;
    for (let i = 0; i < n; i++) {
      const v = rand() * 2 - 1;
      out[i] = type === 'float16' ? floatToHalfBits(v) : v;
    }
  }
  return new ort.Tensor(type, data as never, dims);
}
