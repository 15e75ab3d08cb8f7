/**
 * ONNX external data that points where it must not: out of the model's
 * folder (`../`, absolute paths, links to files or folders outside it), at a
 * named pipe, a device or a folder, or at offsets and lengths no file has.
 * A tensor read from secret.bin shows SECRET_INT (the Reshape target becomes
 * [24681357, 24681357]) or its bytes in an exported file.
 */
import { onnxTypes, type PModel, type PTensor } from '../../src/core/onnx/schema';
import { MODEL_DIR, SECRET_FILE, type CaseFile } from './case';
import { externalConvNet } from './onnx-seeds';
import type { Rng } from './rng';

const { ModelProto } = onnxTypes();

export interface ExternalCase {
  files: CaseFile[];
  what: string;
}

const entry = (t: PTensor, key: string): { key: string; value: string } | undefined => t.externalData?.find((e) => e.key === key);

function setAll(m: PModel, key: string, value: string): void {
  for (const t of m.graph?.initializer ?? []) {
    const e = entry(t, key);
    if (e) e.value = value;
    else (t.externalData ??= []).push({ key, value });
  }
}

/** A case's files: model/model.onnx with its external data edited, and what stands at model/weights.bin. */
export function externalCase(rng: Rng, caseDir: string): ExternalCase {
  const { model: bytes, weights } = externalConvNet();
  const m = ModelProto.decode(bytes) as unknown as PModel;
  const weightsFile: CaseFile = { path: `${MODEL_DIR}/weights.bin`, bytes: weights };
  const files: CaseFile[] = [];
  let what: string;
  // Escapes read from the start of the target, where the secret's integers are.
  const escape = (location: string) => {
    setAll(m, 'location', location);
    setAll(m, 'offset', '0');
  };
  switch (rng.int(12)) {
    case 0:
      escape(`../${SECRET_FILE}`);
      what = 'external data location ../secret.bin';
      break;
    case 1:
      escape(`${caseDir}/${SECRET_FILE}`);
      what = 'external data location an absolute path outside the folder';
      break;
    case 2:
      escape('weights.bin');
      files.push({ path: `${MODEL_DIR}/weights.bin`, symlinkTo: `../${SECRET_FILE}` });
      what = 'external data file a symlink to a file outside the folder';
      break;
    case 3:
      escape(`up/${SECRET_FILE}`);
      files.push({ path: `${MODEL_DIR}/up`, symlinkTo: '..' });
      what = 'external data through a symlinked folder pointing outside';
      break;
    case 4:
      escape('weights.bin');
      files.push({ path: `${MODEL_DIR}/weights.bin`, symlinkTo: `$CASE/${SECRET_FILE}` });
      what = 'external data file an absolute symlink outside the folder';
      break;
    case 5:
      files.push({ path: `${MODEL_DIR}/weights.bin`, fifo: true });
      what = 'external data file a named pipe (FIFO)';
      break;
    case 6: {
      const v = rng.pick(['9007199254740993', '18446744073709551615', '1e400', '-1', 'abc', '0x40', '']);
      setAll(m, rng.pick(['offset', 'length']), v);
      files.push(weightsFile);
      what = `external data offset or length '${v}'`;
      break;
    }
    case 7: {
      const loc = rng.pick(['', '.', 'sub/', '/dev/zero', '/proc/self/environ', 'weights.bin\u0000.txt', 'model.onnx']);
      setAll(m, 'location', loc);
      files.push(weightsFile, { path: `${MODEL_DIR}/sub/keep`, bytes: '' });
      what = `external data location ${JSON.stringify(loc)}`;
      break;
    }
    case 8:
      what = 'external data file missing';
      break;
    case 9:
      files.push({ path: `${MODEL_DIR}/weights.bin`, bytes: weights.subarray(0, rng.int(weights.length)) });
      what = 'external data file shorter than its tensors';
      break;
    case 10:
      for (const t of m.graph?.initializer ?? []) t.externalData = [...(t.externalData ?? []), { key: 'location', value: `../${SECRET_FILE}` }];
      files.push(weightsFile);
      what = 'external data with two location entries (the second outside)';
      break;
    default:
      for (const t of m.graph?.initializer ?? []) t.dataLocation = rng.pick([0, 2, 99]);
      files.push(weightsFile);
      what = 'external data with an unknown data_location';
      break;
  }
  files.unshift({ path: `${MODEL_DIR}/model.onnx`, bytes: ModelProto.encode(m).finish() });
  return { files, what };
}
