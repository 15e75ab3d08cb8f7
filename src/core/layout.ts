/**
 * The model's own layout (ir.ts `ModelLayout`) applied to shapes: the IR's
 * channels-first shape of a value → the shape its framework shows, and back
 * (for shapes a user gives, e.g. `--input`, in the layout they are shown in).
 */
import type { Model, Shape } from './ir';
import { dict } from './lookup';

/** The layout reports show shapes in: NHWC for channels-last models (Keras, TF.js layers), else NCHW (as the IR holds them). */
export type LayoutName = 'NCHW' | 'NHWC';

export function layoutName(model: Pick<Model, 'layout'>): LayoutName {
  return model.layout?.name ?? 'NCHW';
}

const moves = (model: Pick<Model, 'layout'>, name: string, rank: number) => rank >= 3 && (model.layout?.channelsLast.has(name) ?? false);

/** IR shape of `name` → the shape the model's framework shows: [N, C, H, W] → [N, H, W, C] for a channels-last value. */
export function shownShape<S extends Shape | readonly (number | string)[]>(model: Pick<Model, 'layout'>, name: string, shape: S): S {
  const weight = model.layout?.weightDims?.get(name);
  if (weight) return [...weight] as unknown as S;
  if (!moves(model, name, shape.length)) return shape;
  return [shape[0], ...shape.slice(2), shape[1]] as unknown as S;
}

/** A shape in the model's own layout (as shown) → the IR's: [N, H, W, C] → [N, C, H, W] for a channels-last value. */
export function irShape<S extends Shape | readonly (number | string)[]>(model: Pick<Model, 'layout'>, name: string, shape: S): S {
  const r = shape.length;
  if (!moves(model, name, r)) return shape;
  return [shape[0], shape[r - 1], ...shape.slice(1, r - 1)] as unknown as S;
}

/** Input shape overrides given in the shown layout → the IR's. */
export function irInputShapes(model: Pick<Model, 'layout'>, shapes: Record<string, Shape> | undefined): Record<string, Shape> | undefined {
  if (!shapes || !model.layout) return shapes;
  const out = dict<Shape>();
  for (const [name, s] of Object.entries(shapes)) out[name] = irShape(model, name, s);
  return out;
}
