/**
 * What a run found: counts per format and verdict, and the failure classes
 * (a normalised reason, e.g. `crash: exit code N: TypeError: Cannot read
 * properties of '…'`) with the first case of each kept as a reproducer.
 */
import type { FormatName, FuzzCase } from './case';
import { normaliseReason, type Verdict } from './classify';

export interface Failure {
  verdict: Exclude<Verdict, 'ok' | 'clean'>;
  reason: string;
  case: FuzzCase;
  dir: string;
  command: string;
  /** Seen in a worker but not in the fresh process that re-ran it. */
  inProcessOnly?: boolean;
}

export interface FailureClass {
  key: string;
  verdict: Failure['verdict'];
  count: number;
  formats: Set<FormatName>;
  first: Failure;
}

const COLUMNS = ['tried', 'OK', 'clean error', 'crash', 'hang', 'bad output'] as const;
const VERDICT_COLUMN: Record<Verdict, (typeof COLUMNS)[number]> = { ok: 'OK', clean: 'clean error', crash: 'crash', hang: 'hang', bad: 'bad output' };

export class Tally {
  readonly counts = new Map<FormatName, Record<(typeof COLUMNS)[number], number>>();
  readonly classes = new Map<string, FailureClass>();
  /** Failures a worker saw that a fresh process did not: reported, never counted as failures. */
  readonly inProcessOnly: Failure[] = [];
  harnessErrors: string[] = [];

  add(format: FormatName, verdict: Verdict): void {
    const row = this.counts.get(format) ?? Object.fromEntries(COLUMNS.map((c) => [c, 0])) as Record<(typeof COLUMNS)[number], number>;
    row.tried++;
    row[VERDICT_COLUMN[verdict]]++;
    this.counts.set(format, row);
  }

  /** Records a failure; true when it opens a new class (its folder is the class's reproducer). */
  fail(f: Failure): boolean {
    const key = `${f.verdict}: ${normaliseReason(f.reason)}`;
    const c = this.classes.get(key);
    if (c) {
      c.count++;
      c.formats.add(f.case.format);
      return false;
    }
    this.classes.set(key, { key, verdict: f.verdict, count: 1, formats: new Set([f.case.format]), first: f });
    return true;
  }

  get failures(): number {
    return [...this.classes.values()].reduce((a, c) => a + c.count, 0);
  }

  table(order: readonly FormatName[]): string {
    const rows: string[][] = [];
    const total = Object.fromEntries(COLUMNS.map((c) => [c, 0])) as Record<(typeof COLUMNS)[number], number>;
    for (const f of order) {
      const r = this.counts.get(f);
      if (!r) continue;
      rows.push([f, ...COLUMNS.map((c) => String(r[c]))]);
      for (const c of COLUMNS) total[c] += r[c];
    }
    rows.push(['total', ...COLUMNS.map((c) => String(total[c]))]);
    const header = ['format', ...COLUMNS];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
    return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(0, -1).map(line), widths.map((w) => '-'.repeat(w)).join('  '), line(rows[rows.length - 1])].join('\n');
  }

  /** The failure classes, most frequent first, each with its mutation and reproducer command. */
  classList(): string {
    const classes = [...this.classes.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
    if (classes.length === 0) return 'No failures.';
    const lines = [`Failure classes (${classes.length}; ${this.failures} failing cases):`];
    for (const c of classes) {
      lines.push('', `[${c.verdict}] ×${c.count} (${[...c.formats].join(', ')}): ${printable(c.first.reason)}`);
      lines.push(`  case:      ${c.first.case.format} #${c.first.case.index}: ${printable(c.first.case.mutation)}`);
      lines.push(`  reproduce: ${c.first.command}`);
    }
    return lines.join('\n');
  }
}

/** Text from models and the CLI, safe to print: control characters shown as escapes, long runs cut. */
export function printable(s: string, max = 300): string {
  const t = JSON.stringify(s)
    .slice(1, -1)
    .replace(/\\"/g, '"')
    .replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
