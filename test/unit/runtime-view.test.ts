/**
 * A measured run as the model view and the reports show it, on a hand-made
 * run of examples/small-cnn.onnx: conv layers timed, their BatchNormalization
 * and Relu fused into them, the Flatten removed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadModelFileSync } from '../../src/core/loaders/index';
import { profileModel } from '../../src/core/report/profile';
import { runtimeView } from '../../src/core/timing/runtime-view';
import type { RuntimeLayer, RuntimeReport } from '../../src/core/timing/runtime-report';
import { formatRuntimeCsv, formatRuntimeHtml, formatRuntimeMarkdown, formatRuntimeTable } from '../../src/core/report/runtime-format';
import { sortLayers, runtimeCells } from '../../webview/panels/table-columns';
import { runtimeLines } from '../../webview/panels/runtime-summary';
import { measuredRows } from '../../webview/panels/details';
import { layerTooltip } from '../../webview/panels/tooltip';
import { layerViews } from '../../src/core/report/layer-view';
import { niceMax, sweepChart } from '../../webview/panels/sweep-chart';
import { tensorIndex } from '../../webview/panels/layer-inputs';

const { model } = loadModelFileSync('examples/small-cnn.onnx');
const profile = profileModel(model);
const report = profile.report;

function fakeRun(): RuntimeReport {
  const layers: RuntimeLayer[] = [];
  let owner = '';
  report.layers.forEach((l, i) => {
    const base = { name: l.name, op: l.op, timeMs: 0, share: 0, flops: l.flops };
    if (l.op === 'Conv' || l.op === 'GlobalAveragePool' || l.op === 'Gemm') {
      owner = l.name;
      layers.push({ ...base, status: 'ran', timeMs: 0.01 * (i + 1), kernels: [`k${i}`], kernelOps: ['Conv'], fusedLayers: [l.name], providers: ['CPUExecutionProvider'], gflops: 10 + i, bound: i % 2 ? 'memory' : 'compute' });
    } else if (l.op === 'Flatten') layers.push({ ...base, status: 'eliminated' });
    else {
      layers.push({ ...base, status: 'fused', fusedInto: owner });
      const o = layers.find((x) => x.name === owner)!;
      o.fusedLayers!.push(l.name);
    }
  });
  const total = layers.reduce((a, l) => a + l.timeMs, 0);
  for (const l of layers) l.share = l.timeMs / total;
  return {
    file: 'small-cnn.onnx', engine: { name: 'onnxruntime', version: '1.30.0' }, requested: 'auto', providers: ['CPUExecutionProvider'],
    devices: [{ kind: 'cpu', name: 'Test CPU <b>', cores: 2 }], notices: ['CUDA execution provider unavailable (<script>); trying CPU'],
    batch: 1, inputs: report.inputs, warmup: 3, runs: 20,
    latencyMs: { n: 20, min: 1, p50: 1.2, p90: 1.5, max: 2, mean: 1.3 }, throughput: 833.3, kernelSumMs: total,
    layers, inserted: [{ name: 'ReorderOutput', op: 'ReorderOutput', provider: 'CPUExecutionProvider', timeMs: 0, share: 0 }],
    memory: { baselineRssBytes: 100 * 2 ** 20, loadedRssBytes: 110 * 2 ** 20, peakRssBytes: 120 * 2 ** 20, peakMethod: 'test', staticPeakActivationBytes: 196_608, paramBytes: 80_616, measuredInferenceBytes: 20 * 2 ** 20, explanation: 'why' },
    peaks: { device: 'test', flopsPerSec: 100e9, bytesPerSec: 10e9, measuredAt: '' },
    warnings: [],
  };
}

describe('the measured run in the model view', () => {
  const run = fakeRun();
  const view = runtimeView(report, run);

  it('aligns with the view\'s layers by name; only layers that ran have a latency', () => {
    assert.equal(view.layers.length, report.layers.length);
    assert.equal(view.latencyMs.length, report.layers.length);
    assert.equal(view.layers[0]!.status, 'ran');
    assert.deepEqual(view.layers[0]!.fused, ['/stem/bn/BatchNormalization', '/stem/relu/Relu']);
    assert.deepEqual(view.layers[1]!.fusedInto, { index: 0, name: report.layers[0].name });
    assert.equal(view.latencyMs[1], null);
    assert.equal(view.latencyMs[0], 0.01);
    assert.deepEqual(view.summary.providers, ['CPU']);
    // A report of another graph (layers renamed) matches nothing.
    const other = runtimeView({ ...report, layers: report.layers.map((l) => ({ ...l, name: `x${l.name}` })) }, run);
    assert.ok(other.layers.every((l) => l === null));
  });

  it('the table sorts by measured time, layers that did not run last', () => {
    const order = sortLayers(report.layers, 'timeMs', true, view);
    assert.equal(order[0], 20, 'the latest conv-free layer with the largest fake time (Gemm) first');
    const ranCount = view.layers.filter((l) => l?.status === 'ran').length;
    assert.ok(order.slice(ranCount).every((i) => view.layers[i]!.status !== 'ran'));
    // Without a run, a time sort is the file order.
    assert.deepEqual(sortLayers(report.layers, 'timeMs', false, null), report.layers.map((_, i) => i));
  });

  it('cells, details rows and tooltips say where a fused layer\'s time went', () => {
    assert.deepEqual(runtimeCells(view.layers[1]).map((c) => c.text), ['fused', '', '', '']);
    assert.match(runtimeCells(view.layers[1])[0].title!, /fused into \/stem\/conv\/Conv/);
    assert.deepEqual(runtimeCells(view.layers[0]).map((c) => c.text), ['10 µs', `${(run.layers[0].share * 100).toFixed(1)}%`, '10.0', 'compute']);
    assert.deepEqual(measuredRows(view.layers[1]!, view), [['Time', `fused into ${report.layers[0].name}, whose time includes this layer`]]);
    const rows = new Map(measuredRows(view.layers[0]!, view));
    assert.equal(rows.get('Time'), '10.0 µs (median of 20 runs, batch 1)');
    assert.equal(rows.get('Roofline'), 'compute-bound (ridge 10.0 FLOP/byte)');
    assert.equal(rows.get('Fused in'), '/stem/bn/BatchNormalization, /stem/relu/Relu');
    const views = layerViews(model, profile);
    const tip = new Map(layerTooltip(report.layers[0], views[0], tensorIndex(report), view.layers[0]).rows);
    assert.match(tip.get('Time')!, /^10 µs \(\d+\.\d%\) incl\. 2 fused$/);
    assert.equal(new Map(layerTooltip(report.layers[2], views[2], tensorIndex(report), view.layers[2]).rows).get('Time'), `fused into ${report.layers[0].name}`);
  });

  it('the summary strip: latency, throughput, where it ran, measured and static memory', () => {
    const lines = new Map(runtimeLines(view).map(([k, v, n]) => [k, [v, n]]));
    assert.deepEqual(lines.get('Latency p50'), ['1.20 ms', 'p90 1.50 ms · min 1.00 ms · 20 runs after 3 warm-up']);
    assert.equal(lines.get('Throughput')![0], '833 /s');
    assert.equal(lines.get('Ran on')![0], 'CPU');
    assert.equal(lines.get('Measured memory')![0], '120.00 MiB');
    assert.equal(lines.get('Static estimate')![0], '270.7 KiB');
  });
});

describe('measured reports (terminal, CSV, Markdown, HTML)', () => {
  const run = fakeRun();
  it('the table lists the layers that ran, with the fused count, and the inserted kernels', () => {
    const t = formatRuntimeTable(run);
    assert.match(t, /^Engine: onnxruntime 1\.30\.0; ran on CPU \(asked: auto\)$/m);
    assert.match(t, /^Latency over 20 runs after 3 warm-up: p50 1\.20 ms, p90 1\.50 ms, min 1\.00 ms; 833\.3 samples\/s$/m);
    assert.match(t, /^ 1 {2}\/stem\/conv\/Conv\s+Conv\s+0\.010\s+[\d.]+%\s+10\.0\s+compute\s+CPU\s+\+2$/m);
    assert.match(t, /ReorderOutput \(inserted\)/);
    assert.doesNotMatch(t, /\/stem\/bn\/BatchNormalization/);
    assert.match(t, /^notice: CUDA execution provider unavailable/m);
  });

  it('CSV has every layer with its status; HTML escapes what it shows and runs no script', () => {
    const csv = formatRuntimeCsv(run).trim().split('\n');
    assert.equal(csv.length, 1 + report.layers.length + 1);
    assert.match(csv[2], /^2,\/stem\/bn\/BatchNormalization,BatchNormalization,fused,\/stem\/conv\/Conv,0,/);
    const html = formatRuntimeHtml(run, { title: 'a<b>.onnx' });
    assert.doesNotMatch(html, /<script|<b>/);
    assert.match(html, /a&lt;b&gt;\.onnx/);
    assert.match(html, /Test CPU &lt;b&gt;/);
    assert.match(formatRuntimeMarkdown(run), /^\| # \| Layer \| Op \| Time ms \| Share \| GFLOP\/s \| Bound \| Provider \| Fused \|$/m);
  });
});

describe('the batch-sweep chart', () => {
  it('log₂ batch axis, rounded axis maxima, one point per batch', () => {
    assert.deepEqual([niceMax(0), niceMax(3), niceMax(17), niceMax(200), niceMax(0.03)], [1, 5, 20, 200, 0.05]);
    const point = (batch: number, p50: number) => ({ batch, latencyMs: { n: 1, min: p50, p50, p90: p50, max: p50, mean: p50 }, throughput: (batch * 1000) / p50, peakRssBytes: 0 });
    const c = sweepChart({ file: '', engine: '', providers: [], device: '', points: [point(1, 2), point(2, 2), point(4, 4)], memoryLimitBytes: 0 }, 360, 160);
    assert.equal(c.maxThroughput, 1000);
    assert.equal(c.maxLatency, 5);
    // Batches 1, 2, 4 evenly spaced from left (48) to right (312).
    assert.deepEqual(c.points.map((p) => p.x), [48, 180, 312]);
    // 500 samples/s on a 0–1000 axis from y 132 (bottom) to 12 (top): halfway.
    assert.equal(c.points[0].throughputY, 72);
  });
});
