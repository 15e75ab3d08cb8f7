/**
 * Every report, in every format, from one place: the CLI's format flags and
 * the extension's export commands both come here, so a report reads the same
 * whichever way it is asked for. Each text ends with a newline.
 */
import type { ProfileReport } from './profile';
import type { RuntimeReport } from '../timing/runtime-report';
import type { WeightsReport } from './weights';
import { formatCsv, formatMarkdown, formatTable } from './format';
import { formatHtml } from './html';
import { formatRuntimeCsv, formatRuntimeHtml, formatRuntimeMarkdown, formatRuntimeTable } from './runtime-format';
import { formatWeightsCsv, formatWeightsMarkdown, formatWeightsTable } from './weights';

export type ReportFormat = 'table' | 'json' | 'csv' | 'markdown' | 'html';
/** The formats a report is saved as (the table is for terminals). */
export type FileFormat = Exclude<ReportFormat, 'table'>;

export const FILE_FORMATS: readonly { format: FileFormat; label: string; ext: string }[] = [
  { format: 'json', label: 'JSON', ext: 'json' },
  { format: 'csv', label: 'CSV', ext: 'csv' },
  { format: 'markdown', label: 'Markdown', ext: 'md' },
  { format: 'html', label: 'HTML (self-contained)', ext: 'html' },
];

export interface RenderOptions {
  /** The HTML page's title (usually the model file's name). */
  title: string;
  /** Optimizer named in the training-memory line. */
  optimizer?: string;
  /** ISO timestamp for the HTML footer; none keeps the output reproducible. */
  generatedAt?: string;
}

const json = (r: unknown) => JSON.stringify(r, null, 2) + '\n';
const line = (s: string) => (s.endsWith('\n') ? s : s + '\n');

export function renderProfile(report: ProfileReport, format: ReportFormat, o: RenderOptions): string {
  const fmt = { optimizer: o.optimizer };
  switch (format) {
    case 'json': return json(report);
    case 'csv': return formatCsv(report);
    case 'markdown': return line(formatMarkdown(report, fmt));
    case 'html': return formatHtml(report, o);
    case 'table': return line(formatTable(report, fmt));
  }
}

export function renderRuntime(report: RuntimeReport, format: ReportFormat, o: RenderOptions): string {
  switch (format) {
    case 'json': return json(report);
    case 'csv': return formatRuntimeCsv(report);
    case 'markdown': return line(formatRuntimeMarkdown(report));
    case 'html': return formatRuntimeHtml(report, o);
    case 'table': return line(formatRuntimeTable(report));
  }
}

/** A checkpoint's tensors (no HTML: the weights view is the page). */
export function renderWeights(report: WeightsReport, format: Exclude<ReportFormat, 'html'>): string {
  switch (format) {
    case 'json': return json(report);
    case 'csv': return formatWeightsCsv(report);
    case 'markdown': return line(formatWeightsMarkdown(report));
    case 'table': return line(formatWeightsTable(report));
  }
}

/** The format that command-line flags ask for; an error message when they ask for more than one. */
export function formatOfFlags(flags: Partial<Record<FileFormat, boolean | undefined>>, allowed: readonly FileFormat[]): ReportFormat | { error: string } {
  const asked = allowed.filter((f) => flags[f]);
  if (asked.length > 1) return { error: `choose one of ${allowed.map((f) => `--${f}`).join(', ')}` };
  return asked[0] ?? 'table';
}
