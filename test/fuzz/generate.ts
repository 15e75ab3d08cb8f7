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

/** File names that are escape sequences, line breaks or formulas themselves: messages name the file. */
const HOSTILE_STEMS = ['\x1b[31mred\x1b[0m', '\x1b]8;;https://example.invalid/\x07link\x1b]8;;\x07', 'new\nline', 'carriage\rreturn', '=HYPERLINK("https:\\example.invalid")', '@SUM(1)', 'bell\x07'];

/** Sometimes (1 case in 20, from a stream of its own, so the case is otherwise unchanged) the model file gets such a name. */
function hostileFileName(rng: Rng, c: CaseBody): CaseBody {
  const model = c.args[1];
  if (!rng.chance(0.05) || c.keepsInput || !model?.startsWith('model/')) return c;
  const base = model.slice('model/'.length);
  if (base.includes('/')) return c;
  const renamed = `model/${rng.pick(HOSTILE_STEMS)}${base.slice(base.indexOf('.'))}`;
  return {
    ...c,
    mutation: `${c.mutation}; model file named ${JSON.stringify(renamed)}`,
    files: c.files.map((f) => (f.path === model ? { ...f, path: renamed } : f)),
    args: c.args.map((a, i) => (i === 1 ? renamed : a)),
  };
}

/** `dir` is the case folder's absolute path (some cases name it: absolute paths outside the model's folder). */
export async function generateCase(seed: number, format: FormatName, index: number, dir: string): Promise<FuzzCase> {
  const body = await GENERATORS[format](new Rng(caseSeed(seed, format, index)), dir);
  return { format, index, ...hostileFileName(new Rng(caseSeed(seed, `${format}/name`, index)), body) };
}
