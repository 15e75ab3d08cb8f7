/** A tiny sequential-CNN builder over the test IR helper (for receptive-field tables). */
import type { Attribute } from '../../src/core/ir';
import { testModel, type TestModelSpec } from './ir';

export type Layer =
  | { conv: number; k: number; s?: number; p?: number; d?: number }
  | { maxpool: number; s?: number; p?: number }
  | { relu: true };

export function sequential(input: number[], layers: Layer[]) {
  const spec: TestModelSpec = { inputs: { x: { shape: input } }, outputs: [], nodes: [], initializers: {} };
  let cur = 'x';
  let channels = input[1];
  layers.forEach((l, i) => {
    const out = `t${i}`;
    const ints = (v: number[]): Attribute => ({ type: 'ints', value: v });
    if ('conv' in l) {
      const w = `w${i}`;
      spec.initializers![w] = { dims: [l.conv, channels, l.k, l.k] };
      const p = l.p ?? 0;
      spec.nodes.push({ op: 'Conv', name: `conv${i}`, inputs: [cur, w], outputs: [out], attrs: { kernel_shape: ints([l.k, l.k]), strides: ints([l.s ?? 1, l.s ?? 1]), pads: ints([p, p, p, p]), dilations: ints([l.d ?? 1, l.d ?? 1]) } });
      channels = l.conv;
    } else if ('maxpool' in l) {
      const p = l.p ?? 0;
      spec.nodes.push({ op: 'MaxPool', name: `pool${i}`, inputs: [cur], outputs: [out], attrs: { kernel_shape: ints([l.maxpool, l.maxpool]), strides: ints([l.s ?? l.maxpool, l.s ?? l.maxpool]), pads: ints([p, p, p, p]) } });
    } else {
      spec.nodes.push({ op: 'Relu', name: `relu${i}`, inputs: [cur], outputs: [out] });
    }
    cur = out;
  });
  spec.outputs = [cur];
  return testModel(spec);
}
