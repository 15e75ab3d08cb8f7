/**
 * The colour family of an operator: what kind of work a node box does, at a
 * glance. Families are part of each op's entry in the core's op table
 * (src/core/analysis/op-meta.ts, plain data), with the ops drawn but not
 * inferred beside it; the graph draws each as a `fam-<family>` CSS class
 * coloured from the theme.
 */
import { DRAWN_ONLY_FAMILY, OP_FAMILIES, OP_META, type OpFamily } from '../../src/shared/op-meta';

export { OP_FAMILIES, type OpFamily };

const BY_OP = new Map<string, OpFamily>();
for (const [key, meta] of Object.entries(OP_META)) BY_OP.set(key.slice(key.lastIndexOf(':') + 1), meta.family);
for (const [op, family] of Object.entries(DRAWN_ONLY_FAMILY)) BY_OP.set(op, family);

export function opFamily(op: string): OpFamily {
  const known = BY_OP.get(op);
  if (known) return known;
  // ReduceSum, ReduceMean, ReduceMax, … (and the ai.onnx.ml/contrib variants)
  if (op.startsWith('Reduce')) return 'reduce';
  if (op.startsWith('QLinear') || op.startsWith('Quantize') || op.startsWith('Dequantize')) return 'quant';
  return 'other';
}
