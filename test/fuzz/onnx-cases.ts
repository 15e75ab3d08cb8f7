/**
 * ONNX cases: byte mutations of valid models, structural mutations
 * (decode → mutate → re-encode), hostile models made from scratch, and
 * external data that points where it must not.
 */
import { onnxTypes, type PModel } from '../../src/core/onnx/schema';
import { MODEL_DIR, type FuzzCase } from './case';
import { someCommand } from './commands';
import { havoc, hugeLength } from './mutate-bytes';
import { externalCase } from './onnx-external';
import { generateOnnx } from './onnx-generators';
import { onnxSeed } from './onnx-seeds';
import { mutateStructure } from './onnx-struct';
import type { Rng } from './rng';

const { ModelProto } = onnxTypes();

export type CaseBody = Omit<FuzzCase, 'format' | 'index'>;

const MODEL = `${MODEL_DIR}/model.onnx`;

function bytesCase(rng: Rng): CaseBody {
  const seed = onnxSeed(rng);
  const m = (rng.chance(0.3) && hugeLength(rng, seed.bytes)) || havoc(rng, seed.bytes);
  return { mutation: `onnx bytes (${seed.name}): ${m.what}`, files: [{ path: MODEL, bytes: m.bytes }], ...someCommand(rng, MODEL) };
}

function structureCase(rng: Rng): CaseBody {
  const seed = onnxSeed(rng);
  const m = ModelProto.decode(seed.bytes) as unknown as PModel;
  const whats: string[] = [];
  const steps = rng.weighted([[6, 1], [3, 2], [1, 4]] as const);
  for (let i = 0; i < steps; i++) {
    const w = mutateStructure(rng, m);
    if (w) whats.push(w);
  }
  const bytes = ModelProto.encode(m).finish();
  return { mutation: `onnx structure (${seed.name}): ${whats.join('; ') || 'unchanged'}`, files: [{ path: MODEL, bytes }], ...someCommand(rng, MODEL) };
}

function generatedCase(rng: Rng): CaseBody {
  const g = generateOnnx(rng);
  return { mutation: `onnx generated: ${g.what}`, files: [{ path: MODEL, bytes: g.bytes }], ...someCommand(rng, MODEL) };
}

function externalDataCase(rng: Rng, caseDir: string): CaseBody {
  const e = externalCase(rng, caseDir);
  return { mutation: `onnx external data: ${e.what}`, files: e.files, ...someCommand(rng, MODEL, 0.35) };
}

export function onnxCase(rng: Rng, caseDir: string): CaseBody {
  return rng.weighted([
    [35, () => bytesCase(rng)],
    [35, () => structureCase(rng)],
    [10, () => generatedCase(rng)],
    [20, () => externalDataCase(rng, caseDir)],
  ] as const)();
}
