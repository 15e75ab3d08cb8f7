/** A case of a format by index: the same (seed, format, index) always gives the same case. */
import type { FormatName, FuzzCase } from './case';
import { exportCase, runCase } from './command-cases';
import { h5Case, kerasJsonCase, kerasZipCase } from './keras-cases';
import { onnxCase, type CaseBody } from './onnx-cases';
import { caseSeed, Rng } from './rng';
import { tfjsCase } from './tfjs-cases';
import { yamlCase } from './yaml-cases';

const GENERATORS: Record<FormatName, (rng: Rng, dir: string) => CaseBody | Promise<CaseBody>> = {
  onnx: onnxCase,
  yaml: yamlCase,
  'keras-json': kerasJsonCase,
  keras: kerasZipCase,
  h5: h5Case,
  tfjs: tfjsCase,
  export: exportCase,
  run: runCase,
};

/** `dir` is the case folder's absolute path (some cases name it: absolute paths outside the model's folder). */
export async function generateCase(seed: number, format: FormatName, index: number, dir: string): Promise<FuzzCase> {
  const body = await GENERATORS[format](new Rng(caseSeed(seed, format, index)), dir);
  return { format, index, ...body };
}
