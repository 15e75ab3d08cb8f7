/**
 * What every model's check records, and the checks that need only the
 * report: `convlens profile --json` run as a user runs it, every figure
 * finite and non-negative, flops ≥ 2 × macs for every layer with macs.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ProfileReport, LayerReport } from '../../src/core/report/profile';

export interface Outcome {
  id: string;
  format: string;
  /** null: the CLI loaded and profiled it; else why not (its stderr line). */
  loadError: string | null;
  shapesCompared: number;
  shapesAgreeing: number;
  /** Of the disagreeing shapes: those that are the executed one in channels-first order (a layout difference). */
  channelsFirst: number;
  /** null: not checked (execution failed, or no reference). */
  paramsExact: boolean | null;
  macsCompared: number;
  macsAgreeing: number;
  flopsOk: boolean | null;
  figuresOk: boolean | null;
  /** Why execution (the reference) failed, when it did. */
  executionError?: string;
  /** Values the reference could not compute (each a failure: nothing to compare ours with). */
  unfetched?: number;
  disagreements: string[];
  seconds: number;
}

export function newOutcome(id: string, format: string): Outcome {
  return { id, format, loadError: null, shapesCompared: 0, shapesAgreeing: 0, channelsFirst: 0, paramsExact: null, macsCompared: 0, macsAgreeing: 0, flopsOk: null, figuresOk: null, disagreements: [], seconds: 0 };
}

export function failed(o: Outcome): boolean {
  return o.loadError !== null || o.executionError !== undefined || (o.unfetched ?? 0) > 0 || o.shapesAgreeing < o.shapesCompared || o.paramsExact === false ||
    o.macsAgreeing < o.macsCompared || o.flopsOk === false || o.figuresOk === false;
}

const CLI = join(__dirname, '../../dist/cli.js');

/**
 * `convlens profile <file> --json --all-nodes [extra]`: the report, or the
 * one-line error. Every node is checked against execution, so the folded
 * constant and shape nodes are listed too (the runtimes run them).
 */
export function profile(file: string, extra: string[] = []): { report?: ProfileReport; error?: string } {
  const r = spawnSync(process.execPath, [CLI, 'profile', file, '--json', '--all-nodes', ...extra], { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 600_000 });
  if (r.status !== 0) return { error: (r.stderr || `exit ${r.status ?? r.signal}`).trim().split('\n')[0].replace(/^convlens: /, '') };
  return { report: JSON.parse(r.stdout) as ProfileReport };
}

/** A new outcome for `file` profiled through the CLI: with the report (its figures checked), or with the load error. */
export function profiled(id: string, format: string, file: string, extra: string[] = []): { o: Outcome; report?: ProfileReport } {
  const o = newOutcome(id, format);
  const { report, error } = profile(file, extra);
  if (!report) o.loadError = error!;
  else checkFigures(report, o);
  return { o, report };
}

/** Every number in the report is finite and ≥ 0; every layer with MACs has flops ≥ 2 × macs. */
export function checkFigures(report: ProfileReport, o: Outcome): void {
  const bad: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (typeof v === 'number') {
      // A receptive field's offset is negative where the field starts in the padding (README).
      if (!Number.isFinite(v) || (v < 0 && !/\.receptiveField\.offset\[/.test(path))) bad.push(`${path} = ${v}`);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(report, 'report');
  o.figuresOk = bad.length === 0;
  for (const b of bad.slice(0, 3)) o.disagreements.push(`figure ${b}`);
  const low = report.layers.filter((l) => typeof l.macs === 'number' && l.macs > 0 && !(typeof l.flops === 'number' && l.flops >= 2 * l.macs));
  o.flopsOk = low.length === 0;
  for (const l of low.slice(0, 3)) o.disagreements.push(`${l.name} (${l.op}): flops ${l.flops} < 2 × macs ${l.macs}`);
}

/** The layer that produces each value. */
export function producers(report: ProfileReport): Map<string, { layer: LayerReport; k: number }> {
  const m = new Map<string, { layer: LayerReport; k: number }>();
  for (const layer of report.layers) layer.outputs.forEach((t, k) => m.set(t.name, { layer, k }));
  return m;
}

/** A reported shape with symbolic dims bound (`N` → the executed batch); undefined when a symbol is left. */
export function bound(shape: (number | string)[] | null, bindings: Record<string, number>): number[] | undefined {
  if (!shape) return undefined;
  const out = shape.map((d) => (typeof d === 'number' ? d : bindings[d] ?? boundExpression(d, bindings)));
  return out.every((d) => typeof d === 'number') ? out : undefined;
}

/** A dim written as arithmetic over symbols ('2304*N', 'N+1') with every symbol bound; undefined otherwise ('?…' dims are unknown). */
function boundExpression(d: string, bindings: Record<string, number>): number | undefined {
  if (d.startsWith('?')) return undefined;
  let free = false;
  const arithmetic = d.replace(/[A-Za-z_][\w]*/g, (s) => {
    if (bindings[s] === undefined) free = true;
    return String(bindings[s]);
  });
  if (free || !/^[\d+\-*/() ]+$/.test(arithmetic)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the text is checked above to be digits, + - * / and parentheses only
  const evaluate = Function(`"use strict"; return (${arithmetic});`) as () => unknown;
  const v = evaluate();
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

export const fmt = (s: readonly (number | string)[] | null | undefined): string => (s ? `[${s.join(',')}]` : 'unknown');

export const product = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
