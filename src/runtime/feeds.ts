/**
 * Input tensors for a run: random (seeded, uniform in [-1, 1) for floats) or
 * zeros, at the shapes static analysis resolved; integer inputs are zeros.
 */
import type * as Ort from 'onnxruntime-node';
import type { DType } from '../core/ir';
import { mulberry32 } from '../core/export/init-weights';
import type { InputFill } from './messages';
import type { OrtModule } from './ort-session';

type OrtType = Ort.Tensor.Type;

const ORT_TYPE: Partial<Record<DType, OrtType>> = {
  float32: 'float32', float64: 'float64', float16: 'float16', int8: 'int8', uint8: 'uint8', int16: 'int16', uint16: 'uint16',
  int32: 'int32', uint32: 'uint32', int64: 'int64', uint64: 'uint64', bool: 'bool',
};

export function ortType(dtype: DType): OrtType {
  const t = ORT_TYPE[dtype];
  if (!t) throw new Error(`inputs of type ${dtype} cannot be generated (supported: ${Object.keys(ORT_TYPE).join(', ')})`);
  return t;
}

/** IEEE half bits of a float in [-1, 1) (no overflow or subnormal care needed there beyond truncation). */
function halfBits(x: number): number {
  if (x === 0) return 0;
  const sign = x < 0 ? 0x8000 : 0;
  const a = Math.abs(x);
  const e = Math.floor(Math.log2(a));
  if (e < -14) return sign;
  const m = Math.round((a / 2 ** e - 1) * 1024);
  return sign | ((e + 15) << 10) | Math.min(m, 1023);
}

export function makeTensor(ort: OrtModule, dtype: DType, dims: number[], fill: InputFill, seed: number): Ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const type = ortType(dtype);
  const rand = mulberry32(seed);
  const float = fill === 'random' && (type === 'float32' || type === 'float64' || type === 'float16');
  switch (type) {
    case 'float32':
    case 'float64': {
      const data = type === 'float32' ? new Float32Array(n) : new Float64Array(n);
      if (float) for (let i = 0; i < n; i++) data[i] = rand() * 2 - 1;
      return new ort.Tensor(type, data, dims);
    }
    case 'float16': {
      const data = new Uint16Array(n);
      if (float) for (let i = 0; i < n; i++) data[i] = halfBits(rand() * 2 - 1);
      return new ort.Tensor('float16', data, dims);
    }
    case 'int64':
      return new ort.Tensor('int64', new BigInt64Array(n), dims);
    case 'uint64':
      return new ort.Tensor('uint64', new BigUint64Array(n), dims);
    case 'int32':
      return new ort.Tensor('int32', new Int32Array(n), dims);
    case 'uint32':
      return new ort.Tensor('uint32', new Uint32Array(n), dims);
    case 'int16':
      return new ort.Tensor('int16', new Int16Array(n), dims);
    case 'uint16':
      return new ort.Tensor('uint16', new Uint16Array(n), dims);
    case 'int8':
      return new ort.Tensor('int8', new Int8Array(n), dims);
    case 'bool':
      return new ort.Tensor('bool', new Uint8Array(n), dims);
    default:
      return new ort.Tensor('uint8', new Uint8Array(n), dims);
  }
}
