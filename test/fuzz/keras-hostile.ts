/**
 * Keras configs made hostile on purpose: Sequential models nested 1,000+
 * deep, 10,000+ layers, functional graphs with cycles or references to
 * layers that do not exist, prototype names as classes and layer names.
 */
import { hostileName } from './hostile';
import type { Rng } from './rng';
import { jsonText, type Json } from './tree-mutate';

const conv = (name: string, extra: Record<string, Json> = {}): Json => ({
  class_name: 'Conv2D', config: { name, filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'same', activation: 'linear', use_bias: true, ...extra },
});
const input = (shape: Json = [null, 16, 16, 3]): Json => ({ class_name: 'InputLayer', config: { name: 'input_1', batch_input_shape: shape, dtype: 'float32' } });
const sequential = (layers: Json[], name = 'seq'): Json => ({ class_name: 'Sequential', config: { name, layers } });

/** tf.keras 2 functional: layers with inbound_nodes [[[name, 0, 0, {}]]]. */
function functional(layers: { cls: string; name: string; inputs: string[]; config?: Record<string, Json> }[], outputs: string[]): Json {
  return {
    class_name: 'Functional',
    config: {
      name: 'fn',
      layers: layers.map((l) => ({ class_name: l.cls, name: l.name, config: { name: l.name, ...(l.config ?? {}) }, inbound_nodes: l.inputs.length ? [l.inputs.map((i) => [i, 0, 0, {}])] : [] })),
      input_layers: [['input_1', 0, 0]],
      output_layers: outputs.map((o) => [o, 0, 0]),
    },
  };
}

/** A hostile Keras config as JSON text (nesting thousands deep is written as text: JSON.stringify would overflow the stack). */
export function hostileKerasConfig(rng: Rng): { text: string; what: string } {
  if (rng.chance(1 / 7)) {
    const depth = rng.pick([1000, 5000, 20_000]);
    const open = (i: number) => `{"class_name": "Sequential", "config": {"name": "s${i}", "layers": [${jsonText(input())}, `;
    const text = Array.from({ length: depth }, (_, i) => open(i)).join('') + jsonText(sequential([input(), conv('c')], 'inner')) + ']}}'.repeat(depth);
    return { text, what: `Sequential nested ${depth} deep` };
  }
  const h = hostileConfig(rng);
  return { text: jsonText(h.config), what: h.what };
}

function hostileConfig(rng: Rng): { config: Json; what: string } {
  switch (rng.int(6)) {
    case 0: {
      const n = rng.pick([10_000, 30_000]);
      return { config: sequential([input([null, 8, 8, 3]), ...Array.from({ length: n }, (_, i) => conv(`c${i}`))]), what: `${n.toLocaleString('en-US')} layers` };
    }
    case 1:
      return {
        config: functional([
          { cls: 'InputLayer', name: 'input_1', inputs: [], config: { batch_input_shape: [null, 8, 8, 3] } },
          { cls: 'Add', name: 'a', inputs: ['input_1', 'b'] },
          { cls: 'ReLU', name: 'b', inputs: ['a'] },
        ], ['b']),
        what: 'functional layers in a cycle',
      };
    case 2: {
      const missing = rng.pick(['nowhere', '__proto__', 'constructor', 'toString']);
      return {
        config: functional([
          { cls: 'InputLayer', name: 'input_1', inputs: [], config: { batch_input_shape: [null, 8, 8, 3] } },
          { cls: 'ReLU', name: 'r', inputs: [missing] },
        ], [rng.chance(0.5) ? 'r' : missing]),
        what: `functional input or output names layer '${missing}' that does not exist`,
      };
    }
    case 3: {
      const name = rng.pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']);
      const asClass = rng.chance(0.5);
      const layer = asClass ? { class_name: name, config: { name: 'x' } } : conv(name);
      return { config: sequential([input(), layer, conv(name)]), what: `${asClass ? 'class name' : 'layer name (twice)'} ${name}` };
    }
    case 4: {
      const name = hostileName(rng);
      return {
        config: functional([
          { cls: 'InputLayer', name: 'input_1', inputs: [], config: { batch_input_shape: [null, 8, 8, 3] } },
          { cls: 'Conv2D', name, inputs: ['input_1'], config: { filters: 2, kernel_size: [1, 1] } },
          { cls: 'ReLU', name: `${name}_relu`, inputs: [name] },
        ], [`${name}_relu`]),
        what: `functional layer named ${name.length > 60 ? `with ${name.length} characters` : JSON.stringify(name)}`,
      };
    }
    default: {
      const index = rng.pick([1, 2 ** 31, -1, 1e308]);
      const cfg = functional([
        { cls: 'InputLayer', name: 'input_1', inputs: [], config: { batch_input_shape: [null, 8, 8, 3] } },
        { cls: 'ReLU', name: 'r', inputs: ['input_1'] },
      ], ['r']) as { config: { layers: { inbound_nodes: Json[][][] }[] } };
      cfg.config.layers[1].inbound_nodes = [[['input_1', index, index, {}]]];
      return { config: cfg, what: `inbound node index ${index}` };
    }
  }
}
