/**
 * Hostile values shared by every mutator: names that try to escape a
 * terminal, a CSV cell or a JavaScript object, and numbers at the edges of
 * what a dimension, a kernel or a count can be.
 *
 * No name contains the words `undefined`, `NaN` or `Infinity`: the
 * classifier reads those words in output as JavaScript values leaking out.
 */
import type { Rng } from './rng';

export const ESC = '\x1b';
export const BEL = '\x07';

/** Names that break terminals, CSV and Markdown cells, or plain-object lookups. */
export const HOSTILE_NAMES: readonly string[] = [
  'quote"name',
  'back\\slash',
  'new\nline',
  'carriage\rreturn',
  'tab\tname',
  `${ESC}[31mred${ESC}[0m`,
  `${ESC}[2J${ESC}[Hcleared`,
  `bell${BEL}`,
  `${ESC}]8;;https://example.invalid/${BEL}click me${ESC}]8;;${BEL}`,
  `${ESC}]0;title${BEL}`,
  '\u009b31mc1-csi',
  '=HYPERLINK("https://example.invalid","x")',
  '=1+2',
  '+1+2',
  '-1+2',
  '@SUM(A1:A2)',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  'prototype',
  '|pipe|name|',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '',
  ' ',
  'nul\u0000byte',
  'rtl\u202eoverride',
  'zero\u200bwidth',
  '\ud800lone-surrogate',
  'emoji 🧠',
];

/** A name that is hostile by length: 10⁴–10⁶ characters. */
export function longName(rng: Rng): string {
  return 'n'.repeat(rng.pick([10_000, 100_000, 1_000_000]));
}

export function hostileName(rng: Rng): string {
  return rng.chance(0.05) ? longName(rng) : rng.pick(HOSTILE_NAMES);
}

/** Integers at the edges: zero, negatives, 32-bit and 53-bit limits, beyond. */
export const HOSTILE_INTS: readonly number[] = [0, -1, -2, -(2 ** 31), 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 2 ** 53 + 2, 2 ** 62, 1e15, 1e18];

/** Numbers for JSON/YAML configs, where floats and out-of-range values are possible too. */
export const HOSTILE_NUMBERS: readonly number[] = [...HOSTILE_INTS, 0.5, 1.5, -0.5, 1e-300, 1e308, -1e308, Number.MAX_VALUE];

export function hostileInt(rng: Rng): number {
  return rng.pick(HOSTILE_INTS);
}

export function hostileNumber(rng: Rng): number {
  return rng.pick(HOSTILE_NUMBERS);
}

/**
 * Number literals JSON.stringify cannot write but a file can hold: parsers
 * read `1e309` as Infinity, `-0` as negative zero, and `9007199254740993`
 * (2⁵³ + 1) as 2⁵³.
 */
export const HOSTILE_NUMBER_LITERALS: readonly string[] = ['1e309', '-1e309', '-0', '9007199254740993', '1e-400', '0.0000001', '123456789012345678901234567890'];
