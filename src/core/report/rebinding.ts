/**
 * Profiling at input shapes other than the file's (`--input`, `--batch`):
 * which inputs are rebound, which of the file's symbols that binds, and the
 * error naming the node when the graph cannot take the asked shapes.
 */
import type { DType, Model, Shape } from '../ir';
import { inferShapes } from '../analysis/infer';
import type { InferResult } from '../analysis/infer-types';
import { InputShapeError } from '../errors';
import { dict } from '../lookup';
import { shownShape } from '../layout';
import type { ProfileOptions } from './profile';

/** Inputs whose shape as asked differs from the file's. */
export function reboundInputs(inputs: readonly string[], fileShape: (name: string) => Shape | undefined, asked: Record<string, Shape>): string[] {
  return inputs.filter((n) => {
    const a = asked[n];
    const f = fileShape(n);
    return a !== undefined && (f === undefined || a.length !== f.length || a.some((d, i) => d !== f[i]));
  });
}

/**
 * The file's symbolic dims that the asked shapes give a number (`N` of
 * `[N,3,H,W]` asked as 2×3×512×512 is 2), so that every value sized by `N`
 * follows. A symbol asked as two different numbers is left unbound.
 */
export function symbolsBoundBy(rebound: readonly string[], fileShape: (name: string) => Shape | undefined, asked: Record<string, Shape>): Record<string, number> {
  const bound: Record<string, number> = dict();
  const conflicting = new Set<string>();
  for (const name of rebound) {
    const f = fileShape(name);
    const a = asked[name];
    if (!f || f.length !== a.length) continue;
    f.forEach((d, i) => {
      const v = a[i];
      if (typeof d !== 'string' || typeof v !== 'number') return;
      if (bound[d] !== undefined && bound[d] !== v) conflicting.add(d);
      else bound[d] = v;
    });
  }
  for (const d of conflicting) delete bound[d];
  return bound;
}

/**
 * Shapes asked for that make the graph inconsistent (a node refused at them
 * that the file's own shapes pass) are an error naming that node: reporting
 * on would mix the asked shapes with what the file declares.
 */
export function refuseBrokenRebinding(model: Model, options: Pick<ProfileOptions, 'inputDtype' | 'bindings' | 'readExternal'>, rebound: readonly string[], asked: Record<string, Shape>, results: readonly InferResult[]): void {
  const refused = (r: InferResult) => r.issues.filter((i) => i.severity === 'error');
  const now = results.flatMap(refused);
  if (now.length === 0) return;
  const inputDtypes: Record<string, DType> = dict();
  if (options.inputDtype) for (const name of model.graph.inputs) inputDtypes[name] = options.inputDtype;
  const own = { inputDtypes, bindings: options.bindings, readExternal: options.readExternal };
  const before = new Set([inferShapes(model, own), inferShapes(model, { ...own, bindRemaining: 1 })].flatMap(refused).map((i) => i.node));
  const nodes = new Map(results[results.length - 1].order.map((n, k) => [n.name, { node: n, k }]));
  const broken = now
    .filter((i) => nodes.has(i.node) && !before.has(i.node))
    .sort((a, b) => nodes.get(a.node)!.k - nodes.get(b.node)!.k)[0];
  if (!broken) return;
  const node = nodes.get(broken.node)!.node;
  const prefix = `${node.opType} '${node.name}'`;
  const problem = broken.message.startsWith(prefix) ? broken.message.slice(prefix.length).replace(/^:?\s*/, '') : broken.message;
  throw new InputShapeError(rebound.map((n) => `'${n}' as ${shownShape(model, n, asked[n]).join('×')}`), node.name, node.opType, problem);
}
