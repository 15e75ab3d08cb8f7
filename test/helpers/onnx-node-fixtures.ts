/**
 * The vendored copy of the ONNX project's node tests (test/fixtures/onnx-node,
 * written by scripts/vendor-onnx-node-tests.ts): each case's model.onnx, and
 * in cases.json what the tests read from its test_data_set_0 — every input's
 * and output's name, dtype and dims, and the values of small inputs — instead
 * of the 16 MB of .pb tensors.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DType } from '../../src/core/ir';

export const ONNX_NODE_DIR = resolve(__dirname, '../fixtures/onnx-node');
export const ONNX_NODE_CASES_FILE = join(ONNX_NODE_DIR, 'cases.json');

/**
 * Inputs of at most this many integer or float32 elements keep their values:
 * shape tensors, axes, indices, pads, Resize scales — what shape inference reads.
 */
export const SMALL_INPUT_ELEMENTS = 64;

/** JSON has no NaN or ±Infinity; those values are written as these strings. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export interface VendoredTensor {
  /** The TensorProto's own name (empty for the few .pb files that hold a sequence or optional). */
  name: string;
  dtype: DType;
  dims: number[];
  /** Only for small inputs (see SMALL_INPUT_ELEMENTS). */
  values?: JsonNumber[];
}

/** test_data_set_0 of one case: `inputs[i]` is input_i.pb, `outputs[i]` is output_i.pb. */
export interface VendoredCase {
  inputs: VendoredTensor[];
  outputs: VendoredTensor[];
}

export interface VendoredCases {
  /** The onnx/onnx commit the copy was taken from (as SOURCE_COMMIT). */
  sourceCommit: string;
  cases: Record<string, VendoredCase>;
}

export function toJsonNumber(x: number): JsonNumber {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

export function fromJsonNumber(x: JsonNumber): number {
  return typeof x === 'number' ? x : Number(x);
}

let loaded: VendoredCases | undefined;

/** cases.json, read once; a missing file names itself and the command that writes it. */
export function readVendoredCases(): VendoredCases {
  if (loaded) return loaded;
  if (!existsSync(ONNX_NODE_CASES_FILE)) {
    throw new Error(`${ONNX_NODE_CASES_FILE} is missing: run \`npm run vendor:onnx-tests\` (see test/fixtures/onnx-node/README.md)`);
  }
  loaded = JSON.parse(readFileSync(ONNX_NODE_CASES_FILE, 'utf8')) as VendoredCases;
  return loaded;
}

/** The case names, sorted. */
export function onnxNodeCaseNames(): string[] {
  return Object.keys(readVendoredCases().cases).sort();
}

export function onnxNodeCase(name: string): VendoredCase {
  const c = readVendoredCases().cases[name];
  if (!c) throw new Error(`no ONNX node test '${name}' in ${ONNX_NODE_CASES_FILE}`);
  return c;
}

export function onnxNodeModelPath(name: string): string {
  return join(ONNX_NODE_DIR, 'node', name, 'model.onnx');
}
