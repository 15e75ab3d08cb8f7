/** Measured-profile arithmetic: percentiles, onnxruntime's trace format, kernels → IR layers, the roofline. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summarize } from '../../src/core/timing/stats';
import { parseOrtTrace, TraceError } from '../../src/core/timing/ort-trace';
import { mapKernelsToNodes } from '../../src/core/timing/node-map';
import { attainable, classifyBound, ridgePoint } from '../../src/core/timing/roofline';
import { testModel } from '../helpers/ir';
import { predictedPeak, sweepBatches } from '../../src/core/timing/sweep';

describe('timing statistics', () => {
  it('percentiles interpolate linearly between ranks, as numpy.percentile does', () => {
    // np.percentile([1, 2, 3, 4, 10], [50, 90]) → [3.0, 7.6]
    const s = summarize([10, 1, 4, 2, 3]);
    assert.equal(s.p50, 3);
    assert.ok(Math.abs(s.p90 - 7.6) < 1e-12);
    assert.equal(s.min, 1);
    assert.equal(s.mean, 4);
    // np.percentile([1, 2], 50) → 1.5
    assert.equal(percentile([1, 2], 50), 1.5);
    assert.ok(Number.isNaN(summarize([]).p50));
  });
});

const event = (cat: string, name: string, ts: number, dur: number, args: Record<string, unknown> = {}) => ({ cat, pid: 1, tid: 1, ph: 'X', name, ts, dur, args });

describe('onnxruntime\'s profiler trace', () => {
  it('groups kernel events into the model_run that contains them, skipping fences and session events', () => {
    const trace = JSON.stringify([
      event('Session', 'model_loading_uri', 0, 50),
      event('Session', 'session_initialization', 50, 100),
      event('Node', 'conv_kernel_time', 200, 30, { op_name: 'Conv', provider: 'CPUExecutionProvider' }),
      event('Node', 'conv_fence_before', 199, 0),
      event('Node', 'relu_kernel_time', 231, 5, { op_name: 'Relu', provider: 'CPUExecutionProvider' }),
      event('Session', 'model_run', 198, 40),
      event('Session', 'model_run', 300, 38),
      event('Node', 'conv_kernel_time', 301, 28, { op_name: 'Conv', provider: 'CUDAExecutionProvider' }),
    ]);
    const runs = parseOrtTrace(trace);
    assert.equal(runs.length, 2);
    assert.deepEqual(runs[0].kernels.map((k) => [k.node, k.op, k.durUs]), [['conv', 'Conv', 30], ['relu', 'Relu', 5]]);
    assert.equal(runs[1].kernels[0].provider, 'CUDAExecutionProvider');
    assert.equal(runs[1].durUs, 38);
  });

  it('a file that is not a trace is a clear error', () => {
    assert.throws(() => parseOrtTrace('{"a":', 'p.json'), (e: Error) => e instanceof TraceError && /p\.json: not JSON/.test(e.message));
    assert.throws(() => parseOrtTrace('{}', 'p.json'), /expected an array of trace events/);
    assert.deepEqual(parseOrtTrace('[1, null, {"cat": "Node"}]'), []);
  });
});

/** x → Pad → Conv → BatchNormalization → Add(·, x') → Relu → Identity → Gemm, with a constant Shape chain feeding a Reshape. */
function convBlock() {
  return testModel({
    inputs: { x: { shape: [1, 4, 8, 8] } },
    outputs: ['y'],
    initializers: { w: { dims: [4, 4, 3, 3] }, s: { dims: [4] }, b: { dims: [4] }, m: { dims: [4] }, v: { dims: [4] }, g: { dims: [10, 256] }, shp: { dtype: 'int64', dims: [2], values: [1, 256] } },
    nodes: [
      { name: 'pad', op: 'Pad', inputs: ['x'], outputs: ['xp'] },
      { name: 'conv', op: 'Conv', inputs: ['xp', 'w'], outputs: ['c'] },
      { name: 'bn', op: 'BatchNormalization', inputs: ['c', 's', 'b', 'm', 'v'], outputs: ['n'] },
      { name: 'add', op: 'Add', inputs: ['x', 'n'], outputs: ['a'] },
      { name: 'relu', op: 'Relu', inputs: ['a'], outputs: ['r'] },
      { name: 'id', op: 'Identity', inputs: ['r'], outputs: ['ri'] },
      { name: 'shape_const', op: 'Identity', inputs: ['shp'], outputs: ['shp2'] },
      { name: 'flat', op: 'Reshape', inputs: ['ri', 'shp2'], outputs: ['f'] },
      { name: 'fc', op: 'Gemm', inputs: ['f', 'g'], outputs: ['y'] },
    ],
  });
}
const FLOPS: Record<string, number> = { conv: 1000, bn: 10, add: 5, relu: 5, fc: 500 };
const options = (constant: string[] = ['shape_const']) => ({ constant: (n: string) => constant.includes(n), weight: (n: string) => FLOPS[n] ?? 0 });

describe('kernels → IR layers', () => {
  it('an NCHWc kernel named after the BatchNormalization output carries the Pad, Conv, Add and Relu; its time shows on the Conv', () => {
    const g = convBlock().graph;
    // As onnxruntime's NCHWc transformer names them: `<value>_nchwc`; ReorderOutput gets a fresh name.
    const m = mapKernelsToNodes(g, ['n_nchwc', 'ReorderOutput_3', 'fc'], options());
    assert.deepEqual(m.status.get('conv'), { kind: 'ran', kernels: ['n_nchwc'], members: ['conv', 'pad', 'bn', 'add', 'relu'] });
    for (const n of ['pad', 'bn', 'add', 'relu']) assert.deepEqual(m.status.get(n), { kind: 'fused', into: 'conv' });
    assert.deepEqual(m.status.get('id'), { kind: 'eliminated' });
    assert.deepEqual(m.status.get('shape_const'), { kind: 'folded' });
    // The Reshape became a no-op view next to the Gemm that consumes it.
    assert.deepEqual(m.status.get('flat'), { kind: 'fused', into: 'fc' });
    assert.equal(m.kernelTo.get('n_nchwc'), 'conv');
    assert.deepEqual(m.unmatched, ['ReorderOutput_3']);
  });

  it('a kernel on a node taken for a constant is shown as the runtime\'s own, its time kept', () => {
    const m = mapKernelsToNodes(convBlock().graph, ['n_nchwc', 'shape_const', 'fc'], options());
    assert.deepEqual(m.unmatched, ['shape_const']);
    assert.equal(m.kernelTo.has('shape_const'), false);
    assert.deepEqual(m.status.get('shape_const'), { kind: 'folded' });
  });

  it('a kernel named after the Relu (Conv+activation fusion) takes the chain before it', () => {
    const m = mapKernelsToNodes(convBlock().graph, ['r_nchwc', 'fc'], options());
    assert.equal(m.kernelTo.get('r_nchwc'), 'conv');
    assert.deepEqual((m.status.get('conv') as { members: string[] }).members, ['conv', 'pad', 'bn', 'add', 'relu']);
  });

  it('unfused kernels keep their node names; a fused name is matched by its longest node-name prefix', () => {
    const m = mapKernelsToNodes(convBlock().graph, ['pad', 'conv', 'bn', 'add_relu_fused', 'fc'], options());
    assert.equal(m.status.get('pad')!.kind, 'ran');
    assert.equal(m.status.get('bn')!.kind, 'ran');
    assert.equal(m.kernelTo.get('add_relu_fused'), 'add');
    assert.deepEqual(m.status.get('relu'), { kind: 'fused', into: 'add' });
  });

  it('an intermediate read twice is not fused across (onnxruntime fuses single-consumer chains only)', () => {
    const g = testModel({
      inputs: { x: { shape: [1, 4] } },
      outputs: ['y', 'z'],
      nodes: [
        { name: 'mm', op: 'MatMul', inputs: ['x', 'x'], outputs: ['a'] },
        { name: 'relu', op: 'Relu', inputs: ['a'], outputs: ['y'] },
        { name: 'sig', op: 'Sigmoid', inputs: ['a'], outputs: ['z'] },
      ],
    }).graph;
    const m = mapKernelsToNodes(g, ['mm', 'relu', 'sig'], { constant: () => false, weight: () => 1 });
    for (const n of ['mm', 'relu', 'sig']) assert.equal(m.status.get(n)!.kind, 'ran');
  });
});

describe('roofline (Williams et al. 2009)', () => {
  const peaks = { device: 'test', flopsPerSec: 200e9, bytesPerSec: 20e9, measuredAt: '' };
  it('ridge point = peak FLOP/s ÷ bandwidth; below it memory-bound', () => {
    assert.equal(ridgePoint(peaks), 10);
    assert.equal(classifyBound(2, peaks), 'memory');
    assert.equal(classifyBound(50, peaks), 'compute');
    assert.equal(attainable(2, peaks), 40e9);
    assert.equal(attainable(50, peaks), 200e9);
  });
});

describe('batch sweep arithmetic', () => {
  it('batches double up to the limit; the next peak is extrapolated from the growth per sample', () => {
    assert.deepEqual(sweepBatches(20), [1, 2, 4, 8, 16]);
    assert.deepEqual(sweepBatches(1), [1]);
    // One point: baseline 100 + (150 − 100) per sample × 4.
    assert.equal(predictedPeak([{ batch: 1, peakRssBytes: 150 }], 4, 100), 300);
    // Two points: 10 per sample from batch 2 to 4, so batch 8 = 220 + 4 × 10.
    assert.equal(predictedPeak([{ batch: 2, peakRssBytes: 200 }, { batch: 4, peakRssBytes: 220 }], 8, 100), 260);
  });
});
