/**
 * The JSON of Keras model configs as the loaders handle it: objects, paths
 * into the file's JSON (where a problem is placed in the text editor), and
 * text parsed with an error that says where it is broken.
 */
import { ModelLoadError } from '../errors';

export type JsonPath = (string | number)[];
export type Json = Record<string, unknown>;

export const isJsonObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON text → a value, or a ModelLoadError saying where the text is broken. */
export function parseJsonText(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ModelLoadError(file, `${what} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}
