/**
 * The CLI command a case runs: `profile` in one of its output formats
 * (JSON most often: its figures are the easiest to check), sometimes with a
 * batch size or memory budget, or `export` to a fresh file.
 */
import type { OutputKind } from './case';
import type { Rng } from './rng';

export interface Command {
  args: string[];
  output: OutputKind;
  exportTo?: string;
}

export function profileCommand(rng: Rng, model: string): Command {
  const output = rng.weighted([[5, 'json'], [2, 'csv'], [2, 'markdown'], [2, 'table']] as const);
  const args = ['profile', model];
  if (output !== 'table') args.push(`--${output}`);
  if (rng.chance(0.1)) args.push('--batch', rng.pick(['4', '1000000', '2147483648', '9007199254740993']));
  if (rng.chance(0.08)) args.push('--budget', rng.pick(['8GiB', '1B', '999999TB']));
  return { args, output };
}

export function exportCommand(model: string, out = 'out/exported.onnx'): Command {
  return { args: ['export', model, '-o', out], output: 'export', exportTo: out };
}

/** Mostly profile, sometimes export (which reads every weight, external data included). */
export function someCommand(rng: Rng, model: string, exportShare = 0.15): Command {
  return rng.chance(exportShare) ? exportCommand(model) : profileCommand(rng, model);
}
