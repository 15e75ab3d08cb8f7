/**
 * Element-wise operators: unary activations (same shape as the input) and
 * n-ary arithmetic/comparison with multidirectional (numpy) broadcasting
 * (onnx/docs/Broadcasting.md). Small constant inputs are folded so that
 * exporter shape arithmetic resolves.
 */
import type { Dim, DType, Shape } from '../../ir';
import { dtypeFromOnnx, isInteger } from '../../dtype';
import { allNumeric, broadcastShapes, dimAdd, dimFloorDiv, dimMul, isNum, keepValue, need, numel, strides } from './dims';
import type { OpRule, OpRules, TensorInfo } from './types';
import { nullProto } from '../../lookup';

type Unary = (x: number) => number;

const UNARY_FOLD: Record<string, Unary> = nullProto({
  Identity: (x) => x,
  Neg: (x) => -x,
  Abs: Math.abs,
  Floor: Math.floor,
  Ceil: Math.ceil,
  Round: (x) => {
    // Round half to even, as ONNX specifies.
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  Sqrt: Math.sqrt,
  Relu: (x) => Math.max(0, x),
  Reciprocal: (x) => 1 / x,
  Exp: Math.exp,
  Log: Math.log,
  Sign: Math.sign,
  Not: (x) => (x ? 0 : 1),
});

/** Shape-preserving ops whose single output has the input's dtype. */
const SAME_SHAPE = [
  'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh',
  'Erf', 'Gelu', 'Mish', 'Identity', 'Softplus', 'Softsign', 'Swish', 'ThresholdedRelu', 'Shrink',
  'Abs', 'Neg', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sign', 'Sin', 'Cos',
  'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Not', 'Clip',
  'Softmax', 'LogSoftmax', 'Hardmax', 'LRN', 'MeanVarianceNormalization', 'BitwiseNot',
];

const BOOL_UNARY = ['IsNaN', 'IsInf'];

type Binary = (a: number, b: number, integer: boolean) => number;

const BINARY_FOLD: Record<string, Binary> = nullProto({
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b, int) => (int ? Math.trunc(a / b) : a / b),
  Pow: (a, b) => a ** b,
  Mod: (a, b) => a - b * Math.floor(a / b),
  Max: (a, b) => Math.max(a, b),
  Min: (a, b) => Math.min(a, b),
  Sum: (a, b) => a + b,
  Equal: (a, b) => Number(a === b),
  Less: (a, b) => Number(a < b),
  Greater: (a, b) => Number(a > b),
  LessOrEqual: (a, b) => Number(a <= b),
  GreaterOrEqual: (a, b) => Number(a >= b),
  And: (a, b) => Number(Boolean(a) && Boolean(b)),
  Or: (a, b) => Number(Boolean(a) || Boolean(b)),
  Xor: (a, b) => Number(Boolean(a) !== Boolean(b)),
});

const COMPARISON = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor']);

/** Evaluates `f` elementwise over broadcast inputs, when every input has values. */
export function foldBroadcast(
  inputs: readonly TensorInfo[],
  out: Shape | undefined,
  f: (args: number[]) => number,
): number[] | undefined {
  if (!out || !allNumeric(out) || numel(out) > 4096) return undefined;
  if (inputs.some((t) => !t.value || !allNumeric(t.shape))) return undefined;
  const n = numel(out);
  const outStrides = strides(out);
  const inStrides = inputs.map((t) => {
    const s = t.shape as number[];
    const st = strides(s);
    // Align right; broadcast dims get stride 0.
    return out.map((_, i) => {
      const j = i - (out.length - s.length);
      return j < 0 || s[j] === 1 ? 0 : st[j];
    });
  });
  const result = new Array<number>(n);
  const args = new Array<number>(inputs.length);
  for (let k = 0; k < n; k++) {
    let rem = k;
    const offs = inputs.map(() => 0);
    for (let d = 0; d < out.length; d++) {
      const idx = Math.floor(rem / outStrides[d]);
      rem -= idx * outStrides[d];
      for (let t = 0; t < inputs.length; t++) offs[t] += idx * inStrides[t][d];
    }
    for (let t = 0; t < inputs.length; t++) args[t] = inputs[t].value![offs[t]];
    result[k] = f(args);
  }
  return result;
}

const sameShape: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const fold = UNARY_FOLD[ctx.node.opType] as Unary | undefined;
  const value = fold && x.value ? keepValue(x.shape!, x.value.map(fold)) : undefined;
  const symbolic = ctx.node.opType === 'Identity' ? x.symbolic : undefined;
  const outs: TensorInfo[] = [{ dtype: x.dtype, shape: x.shape, value, symbolic }];
  if (ctx.node.opType === 'Dropout') outs.push({ dtype: 'bool', shape: x.shape });
  return outs;
};

const dropout: OpRule = (ctx) => {
  const x = need(ctx, 0);
  return [{ dtype: x.dtype, shape: x.shape, value: x.value }, { dtype: 'bool', shape: x.shape }];
};

const boolUnary: OpRule = (ctx) => [{ dtype: 'bool', shape: need(ctx, 0).shape }];

const nary: OpRule = (ctx) => {
  const op = ctx.node.opType;
  const ins = ctx.inputs.filter((t): t is TensorInfo => t !== undefined);
  if (ins.length === 0) need(ctx, 0);
  const shape = broadcastShapes(ins.map((t) => t.shape));
  const dtype: DType | undefined = COMPARISON.has(op) ? 'bool' : ins[0].dtype;
  let value: number[] | undefined;
  const f = BINARY_FOLD[op] as Binary | undefined;
  if (f) {
    const int = isInteger(ins[0].dtype);
    value = foldBroadcast(ins, shape, (args) => args.reduce((acc, x) => f(acc, x, int)));
  } else if (op === 'Mean') {
    value = foldBroadcast(ins, shape, (args) => args.reduce((a, b) => a + b, 0) / args.length);
  }
  const symbolic = value ? undefined : foldSymbolic(op, ins, shape);
  return [{ dtype, shape, value, symbolic }];
};

const SYMBOLIC_ARITH: Record<string, (a: Dim, b: Dim) => Dim> = nullProto({
  Add: dimAdd,
  Mul: dimMul,
  Sub: (a, b) => (isNum(b) ? dimAdd(a, -b) : isNum(a) && isNum(b) ? a - b : `${a}-(${b})`),
  Div: (a, b) => dimFloorDiv(a, b),
});

/**
 * Exporter arithmetic on shape data with symbolic dims (e.g. N * 3 for a
 * view(N, -1)): scalars and vectors only, the forms exporters emit.
 */
function foldSymbolic(op: string, ins: readonly TensorInfo[], shape: Shape | undefined): Dim[] | undefined {
  const f = SYMBOLIC_ARITH[op];
  if (!f || ins.length !== 2 || !shape || shape.length > 1 || !allNumeric(shape)) return undefined;
  const [a, b] = ins.map((t) => t.value ?? t.symbolic);
  if (!a || !b) return undefined;
  const n = shape.length === 0 ? 1 : shape[0];
  if (n > 64) return undefined;
  const at = (v: Dim[], i: number) => (v.length === 1 ? v[0] : v[i]);
  return Array.from({ length: n }, (_, i) => f(at(a, i), at(b, i)));
}

const where: OpRule = (ctx) => {
  const [c, x, y] = [need(ctx, 0), need(ctx, 1), need(ctx, 2)];
  const shape = broadcastShapes([c.shape, x.shape, y.shape]);
  return [{ dtype: x.dtype ?? y.dtype, shape, value: foldBroadcast([c, x, y], shape, ([a, b, d]) => (a ? b : d)) }];
};

const cast: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const dtype = dtypeFromOnnx(ctx.int('to', 0));
  let value = x.value;
  if (value && isInteger(dtype)) value = value.map((v) => (dtype === 'bool' ? Number(v !== 0) : Math.trunc(v)));
  return [{ dtype, shape: x.shape, value, symbolic: isInteger(dtype) ? x.symbolic : undefined }];
};

const castLike: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const dtype = need(ctx, 1).dtype;
  let value = x.value;
  if (value && isInteger(dtype)) value = value.map((v) => Math.trunc(v));
  return [{ dtype, shape: x.shape, value }];
};

const bitShift: OpRule = (ctx) => nary(ctx);

function rules(): OpRules {
  const r: OpRules = {};
  for (const op of SAME_SHAPE) r[op] = sameShape;
  for (const op of BOOL_UNARY) r[op] = boolUnary;
  for (const op of [...Object.keys(BINARY_FOLD), 'Mean', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor']) r[op] = nary;
  r.BitShift = bitShift;
  r.Dropout = dropout;
  r.Where = where;
  r.Cast = cast;
  r.CastLike = castLike;
  return r;
}

export const elementwiseRules: OpRules = rules();
