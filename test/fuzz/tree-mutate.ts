/**
 * Mutations of a parsed configuration tree (Keras JSON, TF.js model.json,
 * `*.cnn.yaml` as data): hostile numbers where the format wants sizes,
 * hostile strings where it wants names, wrong types, missing and duplicated
 * entries, prototype keys, huge arrays. Number literals a serialiser cannot
 * write (1e309, 2⁵³ + 1) are placeholders that `jsonText` puts in as written.
 */
import { HOSTILE_NUMBER_LITERALS, hostileName, hostileNumber } from './hostile';
import type { Rng } from './rng';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Keys whose values are sizes, counts or shapes in Keras, TF.js and cnn.yaml configs. */
const SIZE_KEYS = new Set([
  'filters', 'kernel_size', 'strides', 'units', 'times', 'pool_size', 'input', 'batch_input_shape', 'batch_shape', 'input_shape', 'shape',
  'dilation_rate', 'groups', 'depth_multiplier', 'padding', 'size', 'axis', 'target_shape', 'dims', 'cropping', 'rate', 'keras_history',
  'inbound_nodes', 'output_layers', 'input_layers', 'node_index', 'tensor_index', 'i', 'list', 'dim', 'tensorShape', 'offset', 'length',
]);
/** Keys whose values are names (layers, classes, values). */
const NAME_KEYS = new Set(['name', 'class_name', 'op', 'input', 'inbound_nodes', 'registered_name', 'module', 'dtype', 'activation', 'padding', 'data_format', 'paths', 'layers']);

const LITERAL = (s: string) => `@@literal:${s}@@`;

/** JSON text with the placeholders of `LITERAL` written as bare number literals. */
export function jsonText(v: Json, indent?: number): string {
  return JSON.stringify(v, null, indent).replace(/"@@literal:([^@"]*)@@"/g, '$1');
}

interface Site {
  parent: Json[] | { [key: string]: Json };
  key: string | number;
  value: Json;
  /** The nearest object key above (for array elements, the array's key). */
  field: string;
}

function sites(root: Json, limit = 20_000): Site[] {
  const out: Site[] = [];
  const walk = (v: Json, field: string) => {
    if (out.length >= limit || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach((e, i) => {
        out.push({ parent: v, key: i, value: e, field });
        walk(e, field);
      });
    } else {
      for (const [k, e] of Object.entries(v)) {
        out.push({ parent: v, key: k, value: e, field: k });
        walk(e, k);
      }
    }
  };
  walk(root, '');
  return out;
}

function set(s: Site, v: Json): void {
  (s.parent as Record<string | number, Json>)[s.key] = v;
}

function hostileValue(rng: Rng): Json {
  return rng.weighted<Json>([
    [3, null],
    [2, LITERAL(rng.pick(HOSTILE_NUMBER_LITERALS))],
    [2, hostileNumber(rng)],
    [2, hostileName(rng)],
    [1, true],
    [1, []],
    [1, {}],
    [1, [[[1]]]],
    [1, { __proto__x: 1 }],
  ]);
}

/** One mutation of the tree in place; returns what it did. */
export function mutateTree(rng: Rng, root: Json): string {
  const all = sites(root);
  if (all.length === 0) return 'nothing to mutate';
  const sized = all.filter((s) => SIZE_KEYS.has(s.field) && (typeof s.value === 'number' || Array.isArray(s.value)));
  const named = all.filter((s) => NAME_KEYS.has(s.field) && typeof s.value === 'string');
  const op = rng.int(10);
  if (op <= 2 && sized.length > 0) {
    const s = rng.pick(sized);
    if (Array.isArray(s.value) && s.value.length > 0 && typeof s.value[0] !== 'object') {
      const i = rng.int(s.value.length);
      const v = rng.chance(0.3) ? LITERAL(rng.pick(HOSTILE_NUMBER_LITERALS)) : hostileNumber(rng);
      s.value[i] = v;
      return `${s.field}[${i}] = ${String(v).replace(/@@literal:|@@/g, '')}`;
    }
    const v = rng.chance(0.3) ? LITERAL(rng.pick(HOSTILE_NUMBER_LITERALS)) : hostileNumber(rng);
    set(s, v);
    return `${s.field} = ${String(v).replace(/@@literal:|@@/g, '')}`;
  }
  if (op <= 4 && named.length > 0) {
    const s = rng.pick(named);
    const v = hostileName(rng);
    set(s, v);
    return `${s.field} = ${v.length > 60 ? `${v.length}-character name` : JSON.stringify(v)}`;
  }
  const s = rng.pick(all);
  switch (op) {
    case 5: {
      const v = hostileValue(rng);
      set(s, v);
      return `${s.field} replaced by ${jsonText(v).slice(0, 40)}`;
    }
    case 6:
      if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
      else delete s.parent[s.key as string];
      return `${s.field} removed`;
    case 7:
      if (Array.isArray(s.parent)) {
        s.parent.splice(s.key as number, 0, structuredClone(s.value));
        return `${s.field} element duplicated`;
      }
      if (typeof s.value === 'object' && s.value !== null && !Array.isArray(s.value)) {
        const k = rng.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']);
        Object.defineProperty(s.value, k, { value: hostileValue(rng), enumerable: true, configurable: true, writable: true });
        return `key ${k} added to ${s.field}`;
      }
      set(s, hostileValue(rng));
      return `${s.field} replaced`;
    case 8:
      if (Array.isArray(s.value) && s.value.length > 0) {
        const e = s.value[0];
        // Capped at about 20 MB of text: the point is the count, not the disk.
        const n = Math.min(rng.pick([1000, 10_000, 100_000]), Math.max(1000, Math.floor(20e6 / jsonText(e).length)));
        set(s, Array.from({ length: n }, () => e));
        return `${s.field} repeated to ${n} elements`;
      }
      set(s, hostileValue(rng));
      return `${s.field} replaced`;
    default: {
      const v = hostileValue(rng);
      set(s, v);
      return `${s.field} replaced by ${jsonText(v).slice(0, 40)}`;
    }
  }
}
