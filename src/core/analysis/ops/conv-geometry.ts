import type { Node, Shape } from '../../ir';

/** Resolved window geometry of a Conv/ConvTranspose/pooling node, per spatial axis. */
export interface SpatialGeometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
}

/** TODO(helper): implemented by the conv/pool work. */
export function convPoolGeometry(node: Node, inputShape: Shape | undefined, weightShape?: Shape): SpatialGeometry | undefined {
  void node; void inputShape; void weightShape;
  return undefined;
}
