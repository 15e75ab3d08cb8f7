import type { DType } from './ir';

/** ONNX TensorProto.DataType numbers (onnx.proto). */
const ONNX_DTYPES: Record<number, DType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
  8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
  14: 'complex64', 15: 'complex128', 16: 'bfloat16', 17: 'float8e4m3fn', 18: 'float8e4m3fnuz',
  19: 'float8e5m2', 20: 'float8e5m2fnuz', 21: 'uint4', 22: 'int4', 23: 'float4e2m1',
};

const ONNX_NUMBERS = new Map<DType, number>(
  Object.entries(ONNX_DTYPES).map(([k, v]) => [v, Number(k)]),
);

export function dtypeFromOnnx(n: number): DType | undefined {
  return ONNX_DTYPES[n];
}

export function dtypeToOnnx(d: DType): number {
  return ONNX_NUMBERS.get(d) ?? 0;
}

/** Storage size of one element in bits (sub-byte types pack). */
export function dtypeBits(d: DType): number {
  switch (d) {
    case 'float64': case 'int64': case 'uint64': case 'complex64': return 64;
    case 'complex128': return 128;
    case 'float32': case 'int32': case 'uint32': return 32;
    case 'float16': case 'bfloat16': case 'int16': case 'uint16': return 16;
    case 'uint4': case 'int4': case 'float4e2m1': return 4;
    case 'string': return 0;
    default: return 8;
  }
}

/** Bytes for `elements` elements of `d` (sub-byte types round up). */
export function dtypeBytes(d: DType, elements: number): number {
  return Math.ceil((dtypeBits(d) * elements) / 8);
}

export function isFloat(d: DType | undefined): boolean {
  return d !== undefined && (d.startsWith('float') || d === 'bfloat16');
}

export function isInteger(d: DType | undefined): boolean {
  return d !== undefined && (d.startsWith('int') || d.startsWith('uint') || d === 'bool');
}

/** Accepts user spellings (`float`, `fp16`, `int64`) for CLI overrides. */
export function parseDType(s: string): DType | undefined {
  const t = s.toLowerCase();
  const alias: Record<string, DType> = {
    float: 'float32', fp32: 'float32', f32: 'float32', half: 'float16', fp16: 'float16',
    f16: 'float16', double: 'float64', fp64: 'float64', bf16: 'bfloat16', long: 'int64',
    int: 'int32',
  };
  if (alias[t]) return alias[t];
  return (Object.values(ONNX_DTYPES) as string[]).includes(t) ? (t as DType) : undefined;
}
