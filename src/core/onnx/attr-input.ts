/**
 * Attribute values from plain inputs, for building IR nodes by hand
 * (GraphBuilder): numbers, lists and strings become typed ONNX attributes.
 */
import type { Attribute } from '../ir';

/** One number for every spatial axis, or one per axis. */
export type Ints = number | number[];

/** Attribute values: plain numbers become `int` when integral, else `float` (pass an Attribute to force a type). */
export type AttrInput = Attribute | number | number[] | string | string[];

export function toAttribute(v: AttrInput): Attribute {
  if (typeof v === 'number') return Number.isInteger(v) ? { type: 'int', value: v } : { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'string', value: v };
  if (Array.isArray(v)) {
    if (v.every((x): x is string => typeof x === 'string')) return { type: 'strings', value: v };
    const nums = v;
    return nums.every(Number.isInteger) ? { type: 'ints', value: nums } : { type: 'floats', value: nums };
  }
  return v;
}

/** A float attribute, also for integral values (epsilon = 1 must stay a float). */
export const f = (value: number): Attribute => ({ type: 'float', value });

export function ints(v: Ints, rank: number): number[] {
  return typeof v === 'number' ? Array<number>(rank).fill(v) : [...v];
}

/** ONNX pads are all begins then all ends. */
export function pads(v: Ints, rank: number): number[] {
  const p = ints(v, rank);
  return p.length === rank ? [...p, ...p] : p;
}
