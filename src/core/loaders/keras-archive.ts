/**
 * `.keras` files (Keras 3's native format, keras/src/saving/saving_lib.py):
 * a zip holding `config.json` (the model config), `metadata.json` and
 * `model.weights.h5`. The architecture is all ConvLens needs, so only
 * `config.json` is inflated (fflate's `filter` skips the weights).
 */
import { unzipSync } from 'fflate';
import type { Model } from '../ir';
import { ModelLoadError, formatCount } from '../errors';
import { kerasModelFromJson } from './keras';
import { parseJsonText } from './keras-json';

/** A model config far beyond any real one: refuse to inflate it (a zip bomb, or not a Keras file). */
const MAX_CONFIG_BYTES = 64 * 2 ** 20;

export const isZip = (bytes: Uint8Array): boolean => bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;

/** The archive's file names; ModelLoadError when the zip cannot be read. */
function entries(bytes: Uint8Array, file: string, wanted: (name: string) => boolean): { names: string[]; files: Record<string, Uint8Array> } {
  const names: string[] = [];
  let tooBig: number | undefined;
  try {
    const files = unzipSync(bytes, {
      filter: (f) => {
        names.push(f.name);
        if (!wanted(f.name)) return false;
        if (f.originalSize > MAX_CONFIG_BYTES) tooBig = f.originalSize;
        return tooBig === undefined;
      },
    });
    if (tooBig !== undefined) throw new ModelLoadError(file, `config.json would inflate to ${formatCount(tooBig)} bytes, far more than a model config; the archive is not a Keras model`);
    return { names, files };
  } catch (err) {
    if (err instanceof ModelLoadError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new ModelLoadError(file, `is a truncated or corrupt zip archive (${why}); save the model again with model.save("model.keras")`);
  }
}

/** A zip whose entries include `config.json` (the mark of a `.keras` file). */
export function matchKerasArchive(bytes: Uint8Array): boolean {
  if (!isZip(bytes)) return false;
  try {
    return entries(bytes, '', () => false).names.includes('config.json');
  } catch {
    return false;
  }
}

/** The `config.json` text of a `.keras` archive. */
export function readKerasArchiveConfig(bytes: Uint8Array, file: string): string {
  const { names, files } = entries(bytes, file, (n) => n === 'config.json');
  const config = files['config.json'];
  if (!config) {
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ', …' : '');
    throw new ModelLoadError(file, `is a zip archive without config.json (it holds ${shown || 'nothing'}), so not a Keras .keras model`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(config);
  } catch {
    throw new ModelLoadError(file, 'config.json in the archive is not UTF-8 text');
  }
}

/** A `.keras` archive → IR. */
export function loadKerasArchive(bytes: Uint8Array, file: string): Model {
  const text = readKerasArchiveConfig(bytes, file);
  return kerasModelFromJson(parseJsonText(text, file, 'config.json in the archive'), file, 'keras');
}
