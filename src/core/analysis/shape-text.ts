/**
 * Shapes as users type them (`--input x=1x3x224x224`, the editor's input-shape
 * box, a PyTorch module's example input): text → dims, each a size or a
 * symbolic name, with an error naming the dim that is neither.
 */
import type { Dim, Shape } from '../ir';
import { dimProblem } from './ops/dims';

/** A shape typed by a user, or why it cannot be one. */
export type ParsedShape = { shape: Shape; error?: undefined } | { error: string };

/**
 * Parses `1x3x224x224` or `N,3,224,224` into a shape: each dim an integer
 * from 0 to 2^53 − 1 or a name (`N`, `batch_size`), which stays symbolic.
 * Anything else (-1, 1e308, 2.5, an empty dim) is an error naming the dim.
 */
export function parseShape(text: string): ParsedShape {
  const parts = text.split(/[x×,]/i).map((p) => p.trim());
  if (parts.every((p) => p === '')) return { error: `no dims in '${text}'` };
  const shape: Dim[] = [];
  for (const [i, p] of parts.entries()) {
    if (/^\d+$/.test(p)) {
      // Number('9007199254740993') rounds to 2^53, which dimProblem refuses like every size from 2^53 up.
      const problem = dimProblem(Number(p));
      if (problem) return { error: `dim ${i} of '${text}': ${problem}` };
      shape.push(Number(p));
    } else if (/^[A-Za-z_][\w.]*$/.test(p)) shape.push(p);
    else return { error: `dim ${i} of '${text}': '${p}' is neither a size (an integer ≥ 0) nor a name such as N` };
  }
  return { shape };
}
