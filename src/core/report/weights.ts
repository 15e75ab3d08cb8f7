/**
 * The weights report of a checkpoint (a PyTorch state_dict read natively,
 * pytorch/checkpoint.ts): its tensors with shapes, dtypes, elements and
 * bytes, grouped by module prefix (`layer1.0.conv1.weight` belongs to
 * `layer1.0.conv1`), and the totals. No graph: a state_dict has none.
 */
import type { Checkpoint, CheckpointTensor } from '../pytorch/checkpoint';
import { csvText, mdText, visibleText } from './safe-text';
import { exactText, humanBytes, humanCount } from './format';
import { addExact, type Figure } from '../../shared/exact';

export interface WeightsGroup {
  /** The module prefix ('' for top-level tensors). */
  module: string;
  tensors: number;
  elements: Figure;
  bytes: Figure;
}

export interface WeightsReport {
  format: 'pytorch-checkpoint';
  tensors: Omit<CheckpointTensor, 'storage'>[];
  groups: WeightsGroup[];
  totals: { tensors: number; elements: Figure; bytes: Figure };
  /** Plain values saved beside the tensors (epoch, arch, …). */
  values: { name: string; value: string }[];
  warnings: string[];
}

const moduleOf = (name: string) => (name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '');

export function weightsReport(ck: Checkpoint): WeightsReport {
  const groups = new Map<string, WeightsGroup>();
  let elements: Figure = 0;
  let bytes: Figure = 0;
  for (const t of ck.tensors) {
    const m = moduleOf(t.name);
    const g = groups.get(m) ?? { module: m, tensors: 0, elements: 0, bytes: 0 };
    g.tensors++;
    g.elements = addExact(g.elements, t.elements);
    g.bytes = addExact(g.bytes, t.bytes);
    groups.set(m, g);
    elements = addExact(elements, t.elements);
    bytes = addExact(bytes, t.bytes);
  }
  return {
    format: 'pytorch-checkpoint',
    tensors: ck.tensors.map(({ storage: _storage, ...t }) => t),
    groups: [...groups.values()],
    totals: { tensors: ck.tensors.length, elements, bytes },
    values: ck.values,
    warnings: ck.warnings,
  };
}

const HEADERS = ['Tensor', 'Shape', 'Dtype', 'Elements', 'Bytes'];
const shapeText = (s: number[]) => (s.length ? s.join('×') : 'scalar');

function rows(r: WeightsReport): string[][] {
  return r.tensors.map((t) => [visibleText(t.name), shapeText(t.shape), t.dtype, humanCount(t.elements), humanBytes(t.bytes)]);
}

export function totalsLine(r: WeightsReport): string {
  return `Tensors: ${exactText(r.totals.tensors)}; elements: ${exactText(r.totals.elements)} (${humanCount(r.totals.elements)}); ${humanBytes(r.totals.bytes)} in ${exactText(r.groups.length)} module${r.groups.length === 1 ? '' : 's'}`;
}

/** The terminal table: one row per tensor, aligned, then the totals and the plain values. */
export function formatWeightsTable(r: WeightsReport): string {
  const body = rows(r);
  const widths = HEADERS.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const numeric = (c: number) => c >= 3;
  const line = (row: string[]) => row.map((cell, c) => (numeric(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  const out = ['PyTorch checkpoint (read without running it)', '', line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), '', totalsLine(r)];
  if (r.values.length) out.push(`Also saved: ${r.values.slice(0, 8).map((v) => `${visibleText(v.name)} = ${visibleText(v.value)}`).join(', ')}${r.values.length > 8 ? ', …' : ''}`);
  for (const w of r.warnings) out.push(`warning: ${visibleText(w)}`);
  return out.join('\n');
}

export function formatWeightsCsv(r: WeightsReport): string {
  const lines = r.tensors.map((t) => [csvText(t.name), t.shape.join('x'), t.dtype, String(t.elements), String(t.bytes)].join(','));
  return ['name,shape,dtype,elements,bytes', ...lines].join('\n') + '\n';
}

export function formatWeightsMarkdown(r: WeightsReport): string {
  return [
    `| ${HEADERS.join(' | ')} |`,
    '| --- | --- | --- | ---: | ---: |',
    ...rows(r).map((row) => `| ${row.map(mdText).join(' | ')} |`),
    '',
    `- ${mdText(totalsLine(r))}`,
    ...r.warnings.map((w) => `- warning: ${mdText(w)}`),
  ].join('\n') + '\n';
}
