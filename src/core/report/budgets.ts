/**
 * Budgets for CI gates (`convlens check`): the most parameters, MACs, peak
 * inference memory and training memory a model may have. Each exceeded
 * budget is one line; a total that cannot be known (an unknown shape) cannot
 * pass a budget, and says so.
 */
import type { Figure } from '../../shared/exact';
import type { Totals, TotalFigure } from './profile';
import { exactText, humanBytes, humanCount, withUnit } from './format';

export interface Budgets {
  params?: number;
  macs?: number;
  peakActivationBytes?: number;
  trainingBytes?: number;
}

const SI: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** A count with an optional SI suffix: `30M`, `5G`, `2.5K`, `1500000` (K = 1,000). Null when unreadable. */
export function parseCount(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)\s*(?:MACs?|FLOPs?|params?)?\s*$/i.exec(s);
  if (!m) return null;
  const n = Math.round(Number(m[1]) * SI[m[2].toUpperCase()]);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

const CHECKS: { key: keyof Budgets & TotalFigure; label: string; human: (n: number) => string }[] = [
  { key: 'params', label: 'parameters', human: humanCount },
  { key: 'macs', label: 'MACs', human: (n) => withUnit(n, 'MACs') },
  { key: 'peakActivationBytes', label: 'peak inference memory', human: humanBytes },
  { key: 'trainingBytes', label: 'training memory', human: humanBytes },
];

/** One line per budget the totals exceed or cannot be checked against; empty when all pass. */
export function budgetFailures(totals: Totals, budgets: Budgets): string[] {
  const out: string[] = [];
  for (const c of CHECKS) {
    const limit = budgets[c.key];
    if (limit === undefined) continue;
    const value: Figure = totals[c.key];
    const partial = totals.partial.includes(c.key);
    const budget = `the budget of ${c.human(limit)} (${exactText(limit)})`;
    if (value !== null && value > limit) out.push(`${c.label}: ${c.human(value)} (${exactText(value)})${partial ? ' at least' : ''} exceed ${budget}`);
    else if (value === null || partial) out.push(`${c.label}: unknown (some layers' shapes are not known), so ${budget} cannot be checked`);
  }
  return out;
}

/** The passing line: each checked figure against its budget. */
export function budgetSummary(totals: Totals, budgets: Budgets): string {
  return CHECKS.filter((c) => budgets[c.key] !== undefined)
    .map((c) => `${c.label} ${c.human(totals[c.key] ?? 0)} ≤ ${c.human(budgets[c.key]!)}`)
    .join(', ');
}
