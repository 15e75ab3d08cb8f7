/** `convlens export <model> -o <out.onnx>`: a runnable ONNX file from a definition, Keras or TF.js layers model, or ONNX. */
import { readFileSync } from 'node:fs';
import { sameFile, writeFileAtomic } from './core/files';
import { ModelLoadError, formatCount } from './core/errors';
import { loadModelFile } from './core/loaders/index';
import { isCnnYamlName } from './core/formats';
import { loadCnnYaml } from './core/loaders/cnn-yaml-model';
import { MAX_EXPORT_OPSET as MAX_OPSET, MIN_EXPORT_OPSET as MIN_OPSET } from './core/export/opset';
import { describeWriteError, fail, OptionValueError, positiveInt, PROFILE_ONLY, unexpected, UsageError } from './cli-common';
import { ExportError, exportOnnx, exportOpset, isLowered, type ExportOptions } from './core/export/onnx-export';
import { definitionAtBatch } from './core/export/runnable';
import packageJson from '../package.json';
import { profileModel } from './core/report/profile';
import { visibleText } from './core/report/safe-text';
import type { Model } from './core/ir';
import { append } from './core/arrays';

/**
 * The model to export: a definition is lowered at the asked batch (Reshape
 * targets embed it, so it cannot be patched in afterwards); it is loaded at
 * batch 1 first so that its problems are reported as `profile` reports them.
 */
async function loadForExport(path: string, batch: number | undefined): Promise<{ model: Model; readExternal?: ExportOptions['readExternal'] }> {
  if (!isCnnYamlName(path)) {
    if (batch !== undefined) throw new UsageError('--batch applies to .cnn.yaml definitions; an ONNX file keeps its own input shapes');
    const loaded = await loadModelFile(path);
    return { model: loaded.model, readExternal: loaded.readExternal };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ModelLoadError(path, `cannot read: ${(e as Error).message}`);
  }
  const model = loadCnnYaml(text, path);
  if (batch === undefined || batch === 1) return { model };
  const rebatched = definitionAtBatch(text, path, batch);
  append(rebatched.warnings, model.warnings);
  return { model: rebatched };
}

export async function exportCommand(values: Record<string, unknown>, modelPath: string, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  try {
    const profileOnly = PROFILE_ONLY.find((k) => values[k] !== undefined);
    if (profileOnly) throw new UsageError(`--${profileOnly} applies to 'profile', not 'export'`);
    const output = values.output as string | undefined;
    if (!output) throw new UsageError('export: give the output file with -o <out.onnx>');
    if (sameFile(output, modelPath)) {
      // Never over the user's model: an export replaces its target.
      fail(err, `${modelPath}: cannot export over the model itself (-o ${output}); choose another output file`);
      return 2;
    }
    const options: ExportOptions = { producerVersion: packageJson.version };
    if (values.seed !== undefined) {
      const s = values.seed as string;
      if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) throw new OptionValueError(`--seed: expected an integer 0–4294967295, got '${s}'`);
      options.seed = Number(s);
    }
    if (values.opset !== undefined) {
      const o = positiveInt('--opset', values.opset as string);
      if (o < MIN_OPSET || o > MAX_OPSET) throw new OptionValueError(`--opset: expected ${MIN_OPSET}–${MAX_OPSET}, got ${o}`);
      options.opset = o;
    }
    const batch = values.batch === undefined ? undefined : positiveInt('--batch', values.batch as string);
    const { model, readExternal } = await loadForExport(modelPath, batch);
    options.readExternal = readExternal;
    const bytes = exportOnnx(model, options);
    try {
      writeFileAtomic(output, bytes);
    } catch (e) {
      fail(err, `cannot write ${output}: ${describeWriteError(e)}`);
      return 2;
    }
    const { params } = profileModel(model, { readExternal }).report.totals;
    const input = model.graph.inputs.map((i) => `${i} ${(model.graph.values.get(i)?.shape ?? []).join('×')}`).join(', ');
    const opset = exportOpset(model, options);
    out(visibleText(`Wrote ${output}: ${formatCount(bytes.length)} bytes, ${params === null ? 'unknown' : formatCount(params)} params, opset ${opset}, input ${input} (NCHW)`) +
      (isLowered(model) ? `, initial weights seed ${options.seed ?? 0}` : '') + '\n');
    // Warnings go with the report on stdout: stderr carries at most one line.
    for (const w of model.warnings) out(`warning: ${w}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof OptionValueError) {
      fail(err, e.message);
      return e instanceof UsageError ? 1 : 2;
    }
    if (e instanceof ModelLoadError) {
      fail(err, e.message);
      return 2;
    }
    if (e instanceof ExportError) {
      fail(err, `${modelPath}: cannot export: ${e.message}`);
      return 2;
    }
    fail(err, `${modelPath}: ${unexpected(e)}`);
    return 2;
  }
}
