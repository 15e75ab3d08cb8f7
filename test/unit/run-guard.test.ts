/**
 * The arithmetic and text behind runs that hostile models cannot break:
 * one-line messages without JavaScript internals, feed shapes checked before
 * allocation, the static memory need against the memory free, the figures
 * Linux gives for it, the runtime process's exit described, and stand-in
 * names for names onnxruntime's trace cannot hold.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeError, oneLine, printable, stripAnsi } from '../../src/core/user-message';
import { ModelLoadError } from '../../src/core/errors';
import {
  approxBytes, cgroupHeadroom, feedShapeProblem, heapLimitMiB, memoryNeed, memoryRefusal, parseGpuFree, parseMemAvailable, parseVmRss, residentLimit,
} from '../../src/core/timing/run-guard';
import { hasUnsafeNames, restoreReportNames, withSafeNames } from '../../src/core/timing/safe-names';
import { parseOrtTrace, TraceError } from '../../src/core/timing/ort-trace';
import { describeExit } from '../../src/runtime/client';
import { copyFits, freeDiskBytes } from '../../src/runtime/scratch';
import { fallbackNotice } from '../../src/runtime/ort-session';
import { GraphBuilder } from '../../src/core/onnx/builder';
import type { Graph, Model } from '../../src/core/ir';
import type { RuntimeReport } from '../../src/core/timing/runtime-report';

describe('one-line messages', () => {
  it('onnxruntime\'s message (source position, continuation lines, final newline) becomes one line', () => {
    // As onnxruntime-node 1.30 rejects a feed of the wrong size.
    const ort = 'Got invalid dimensions for input: x for the following indices\n index: 3 Got: 15 Expected: 16\n Please fix either the inputs/outputs or the model.';
    assert.equal(oneLine(ort), 'Got invalid dimensions for input: x for the following indices index: 3 Got: 15 Expected: 16 Please fix either the inputs/outputs or the model.');
    const arena = 'Non-zero status code returned while running Expand node. Name:\'/Expand\' Status Message: /onnxruntime_src/onnxruntime/core/framework/bfc_arena.cc:376 void* onnxruntime::BFCArena::AllocateRawInternal(size_t, bool, onnxruntime::Stream*) Failed to allocate memory for requested buffer of size 4503599627370496\n';
    assert.equal(oneLine(arena), 'Non-zero status code returned while running Expand node. Name:\'/Expand\' Status Message: Failed to allocate memory for requested buffer of size 4503599627370496');
  });

  it('control, line-separator and bidi characters are shown escaped; a runtime log\'s colours are dropped', () => {
    assert.equal(oneLine('\u001b[1;31merror\u001b[m in a\u0007b\u2028c\u202ed'), '\\x1b[1;31merror\\x1b[m in a\\x07b\\u2028c\\u202ed');
    assert.equal(oneLine(stripAnsi('\u001b[1;31merror\u001b[m in a\u0007b')), 'error in a\\x07b');
    assert.equal(oneLine('x'.repeat(2000)).length, 1000);
    assert.equal(printable('a\nb\t"c"\u0001'), 'a\\nb\\t"c"\\x01');
  });

  it('JavaScript\'s own errors are told as what went wrong, never by their text', () => {
    const negative = describeError(new RangeError('Invalid typed array length: -65536'), 'warm-up 1/3');
    assert.equal(negative, 'a tensor of a size that cannot be allocated (a negative or too large shape; step: warm-up 1/3)');
    assert.equal(describeError(new RangeError('Array buffer allocation failed')), 'not enough memory (an allocation failed)');
    assert.equal(describeError(new TypeError('Cannot read properties of undefined (reading \'dims\')'), 'loading the model'), 'internal error (a bug in ConvLens; please report it with the model; step: loading the model)');
    assert.equal(describeError(new ModelLoadError('m.onnx', 'truncated\nat byte 12')), 'm.onnx: truncated at byte 12');
    assert.equal(describeError(new Error('')), 'failed without a message');
  });
});

describe('feed shapes', () => {
  it('whole numbers ≥ 0, at most 2^32 − 1 elements (the longest typed array Node allocates)', () => {
    assert.equal(feedShapeProblem('x', [1, 3, 224, 224]), undefined);
    assert.equal(feedShapeProblem('x', [0, 3]), undefined);
    assert.equal(feedShapeProblem('x', [2 ** 16, 2 ** 16 - 1]), undefined);
    assert.equal(feedShapeProblem('x', [1, -65536]), 'input \'x\' has shape [1, -65536]: dim 1 is negative, so it cannot be fed');
    assert.equal(feedShapeProblem('x', [1.5]), 'input \'x\' has shape [1.5]: dim 0 is not a whole number, so it cannot be fed');
    assert.equal(feedShapeProblem('x', [2 ** 16, 2 ** 16]), 'input \'x\' has shape [65536, 65536]: 4.29e+9 elements, more than the 4,294,967,295 one input can hold');
    assert.equal(feedShapeProblem('in\n"put"', [-1]), 'input \'in\\n"put"\' has shape [-1]: dim 0 is negative, so it cannot be fed');
  });
});

describe('memory need and the memory free', () => {
  it('need = inputs + peak activations + outputs + weights; refused when more than free, with the figures', () => {
    // The 113-byte model of issue #11: an int8 input of 2^31 elements passed through.
    const need = memoryNeed({ inputBytes: 2 ** 31, peakActivationBytes: 2 ** 32, outputBytes: 2 ** 31, weightBytes: 0 });
    assert.equal(need.totalBytes, 2 ** 33);
    assert.equal(memoryRefusal(need, 1.2 * 2 ** 30), 'needs ≈ 8.0 GiB of memory (inputs 2.0 GiB + peak activations 4.0 GiB + outputs 2.0 GiB + weights 0 B), 1.2 GiB free');
    assert.equal(memoryRefusal(need, 2 ** 33), undefined);
    assert.equal(memoryRefusal(need, NaN), undefined);
  });

  it('a model run through its ONNX export holds its weights three times: the export, its encoding, onnxruntime\'s copy', () => {
    // examples/mid: Flatten of 8×8×3 then Dense 20,000,000: 3.84 G parameters, 14.4 GiB of float32.
    const need = memoryNeed({ inputBytes: 768, peakActivationBytes: 8e7, outputBytes: 8e7, weightBytes: 4 * 3_840_000_000 + 8e7, weightCopies: 3 });
    assert.equal(memoryRefusal(need, 18.9 * 2 ** 30), 'needs ≈ 43.3 GiB of memory (inputs 768 B + peak activations 76.3 MiB + outputs 76.3 MiB + weights 14.4 GiB × 3 copies), 18.9 GiB free');
  });

  it('parts the analysis could not size count as 0 and are named, never as NaN or a negative figure', () => {
    const need = memoryNeed({ inputBytes: -65536, peakActivationBytes: NaN, outputBytes: null, weightBytes: 1024 });
    assert.equal(need.totalBytes, 1024);
    assert.deepEqual(need.unknown, ['inputs', 'activations', 'outputs']);
  });

  it('bytes for messages: B, KiB … EiB, one decimal', () => {
    assert.equal(approxBytes(12), '12 B');
    assert.equal(approxBytes(1536), '1.5 KiB');
    assert.equal(approxBytes(2 ** 52), '4.0 PiB');
    assert.equal(approxBytes(Infinity), 'an unbounded amount');
  });

  it('limits of the runtime process: resident memory 90% of the available; JavaScript heap half of it, 512 MiB–4 GiB', () => {
    assert.equal(residentLimit(10 * 2 ** 30), 9 * 2 ** 30);
    assert.equal(heapLimitMiB(2 ** 30), 512);
    assert.equal(heapLimitMiB(4 * 2 ** 30), 2048);
    assert.equal(heapLimitMiB(64 * 2 ** 30), 4096);
  });

  it('Linux\'s figures: MemAvailable, a cgroup\'s limit less its usage (v2 \'max\' and v1\'s 2^63 mean none), VmRSS, nvidia-smi\'s free memory', () => {
    assert.equal(parseMemAvailable('MemTotal:       24689136 kB\nMemFree:        19422448 kB\nMemAvailable:   20130420 kB\n'), 20130420 * 1024);
    assert.equal(parseMemAvailable('MemTotal: 1 kB\n'), undefined);
    assert.equal(cgroupHeadroom('8589934592\n', '2147483648\n'), 6 * 2 ** 30);
    assert.equal(cgroupHeadroom('max\n', '2147483648\n'), undefined);
    assert.equal(cgroupHeadroom('9223372036854771712\n', '5773774848\n'), undefined);
    assert.equal(parseVmRss('Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n'), 100 * 2 ** 20);
    assert.equal(parseGpuFree('0, 80000\n1, 1024\n', 1), 2 ** 30);
    assert.equal(parseGpuFree('0, [N/A]\n', 0), undefined);
  });
});

describe('the runtime process\'s exit, in one line', () => {
  it('a JavaScript heap out of memory (V8 prints a native stack) is a memory error naming the limit, without the stack', () => {
    const stderr = '<--- Last few GCs --->\n[123:0x5]  2000 ms: Mark-Compact 4000.1 (4100.2) -> 3999.8 (4100.2) MB\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n 1: 0xb8ced1 node::OOMErrorHandler(char const*, v8::OOMDetails const&) [node]\n 2: 0xf06460 v8::Utils::ReportOOMFailure(v8::internal::Isolate*) [node]\n';
    assert.deepEqual(describeExit(null, 'SIGABRT', stderr, 2048), { kind: 'memory', message: 'the runtime process ran out of memory: its JavaScript heap reached the 2048 MiB limit' });
  });

  it('a crash keeps onnxruntime\'s last error line, and nothing else of stderr', () => {
    const stderr = '\u001b[1;31m2026-12-04 20:39:50.99 [E:onnxruntime:, sequential_executor.cc:671 ExecuteKernel] Non-zero status code returned while running Conv node. Name:\'c\'\u001b[m\nSegmentation fault\n    at Object.<anonymous> (/x/child.js:1:1)\n';
    assert.deepEqual(describeExit(null, 'SIGSEGV', stderr), { kind: 'crashed', message: 'the runtime process crashed (SIGSEGV): Non-zero status code returned while running Conv node. Name:\'c\'' });
    assert.deepEqual(describeExit(1, null, 'TypeError: x is not a function\n    at f (/x/child.js:1:1)\n'), { kind: 'crashed', message: 'the runtime process exited with code 1' });
  });
});

describe('stand-in names for what the profiler trace cannot hold', () => {
  it('a trace with a node name holding a quote is not JSON: onnxruntime writes names unescaped', () => {
    const trace = '[{"cat" : "Node","pid" :1,"tid" :1,"dur" :5,"ts" :10,"ph" : "X","name" :"conv "q"_kernel_time","args" : {"op_name" : "Conv"}}]';
    assert.throws(() => parseOrtTrace(trace, 'trace.json'), TraceError);
  });

  const model = (): Model => {
    const b = new GraphBuilder('m', { weights: 'zeros' });
    b.input('in"put', 'float32', [1, 3, 4, 4]);
    b.conv({ outChannels: 2, kernel: 1, name: 'conv' });
    b.relu({ name: 'relu' });
    b.output(undefined, { name: 'out\n' });
    const m = b.build();
    // A node named with a quote, and a subgraph (If's branch) reading the renamed outer value.
    const branch: Graph = { name: 'then', nodes: [{ name: 'inner "id"', opType: 'Identity', domain: '', attributes: {}, inputs: ['out\n'], outputs: ['branch_out'] }], inputs: [], outputs: ['branch_out'], values: new Map(), initializers: new Set() };
    m.graph.nodes[0].name = 'conv "a"';
    m.graph.nodes.push({ name: 'if', opType: 'If', domain: '', attributes: { then_branch: { type: 'graph', value: branch } }, inputs: ['cond'], outputs: ['if_out'] });
    return m;
  };

  it('unsafe names everywhere (graph, inputs, outputs, subgraphs) are replaced consistently; plain ones are kept', () => {
    const m = model();
    assert.ok(hasUnsafeNames(m));
    const safe = withSafeNames(m)!;
    assert.ok(!hasUnsafeNames(safe.model));
    const g = safe.model.graph;
    assert.match(g.inputs[0], /^cvlsafe_\d+_$/);
    assert.equal(g.nodes[0].inputs[0], g.inputs[0]);
    assert.equal(g.nodes[1].name, '/relu/Relu');
    assert.equal(g.values.get(g.inputs[0])!.name, g.inputs[0]);
    const inner = (g.nodes[2].attributes.then_branch as { value: Graph }).value.nodes[0];
    assert.equal(inner.inputs[0], g.outputs[0], 'the subgraph reads the renamed outer value');
    // Names onnxruntime derives (`<value>_nchwc`) and its messages map back.
    assert.equal(safe.restore(`${g.outputs[0]}_nchwc`), 'out\n_nchwc');
    assert.equal(safe.restorePrintable(`Name:'${g.nodes[0].name}'`), 'Name:\'conv "a"\'');
    assert.equal(withSafeNames(new GraphBuilder('plain').build()), undefined);
  });

  it('the stand-ins avoid any name already in the model', () => {
    const m = model();
    m.graph.nodes[1].name = 'cvlsafe_0_';
    const safe = withSafeNames(m)!;
    assert.match(safe.model.graph.inputs[0], /^cvlsafe1x_\d+_$/);
    assert.equal(safe.model.graph.nodes[1].name, 'cvlsafe_0_');
    assert.equal(safe.restore('cvlsafe_0_'), 'cvlsafe_0_');
  });

  it('a report built on stand-ins gets the model\'s names back: layers, fusions, kernels, inputs, warnings', () => {
    const safe = withSafeNames(model())!;
    const [conv, relu] = safe.model.graph.nodes.map((n) => n.name);
    const report = {
      inputs: [{ name: safe.model.graph.inputs[0], shape: [1, 3, 4, 4], dtype: 'float32' }],
      layers: [
        { name: conv, op: 'Conv', status: 'ran', kernels: [`${safe.model.graph.nodes[0].outputs[0]}_nchwc`], fusedLayers: [conv, relu], timeMs: 1, share: 1, flops: 2 },
        { name: relu, op: 'Relu', status: 'fused', fusedInto: conv, timeMs: 0, share: 0, flops: 0 },
      ],
      inserted: [],
      notices: [],
      warnings: [`${conv}: a warning`],
    } as unknown as RuntimeReport;
    const back = restoreReportNames(report, safe.restore);
    assert.deepEqual(back.layers.map((l) => l.name), ['conv "a"', '/relu/Relu']);
    assert.equal(back.layers[1].fusedInto, 'conv "a"');
    assert.deepEqual(back.layers[0].fusedLayers, ['conv "a"', '/relu/Relu']);
    assert.deepEqual(back.inputs.map((t) => t.name), ['in"put']);
    assert.deepEqual(back.warnings, ['conv "a": a warning']);
  });
});

describe('onnxruntime\'s optimized copy of the model on a nearly full disk', () => {
  const MiB = 2 ** 20;
  it('is written only when its weights fit with room to spare (VGG-16: 528 MiB)', () => {
    assert.equal(copyFits(528 * MiB, 2048 * MiB), true);
    // 528 MiB × 1.1 + 256 MiB margin = 837 MiB
    assert.equal(copyFits(528 * MiB, 836 * MiB), false);
    assert.equal(copyFits(528 * MiB, 838 * MiB), true);
    // Unknown either way: tried (a failure to write is caught and the graph matched by name).
    assert.equal(copyFits(null, 1), true);
    assert.equal(copyFits(1, undefined), true);
  });
  it('reads the free space of a real folder', () => {
    const free = freeDiskBytes(__dirname);
    assert.ok(free === undefined || (Number.isInteger(free) && free >= 0), String(free));
  });
});

describe('falling back from a GPU provider', () => {
  const missing = new Error('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library');
  it('auto, CUDA not installed: one quiet line', () => {
    assert.equal(fallbackNotice('cuda', 'cpu', missing, 'auto'), 'CPU — CUDA is not installed (see README, "Running models on a GPU")');
  });
  it('CUDA asked for, or failing for another reason: onnxruntime\'s reason is kept', () => {
    assert.equal(fallbackNotice('cuda', 'cpu', missing, 'cuda'), 'CUDA execution provider unavailable (OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library); trying CPU (see README, "Running models on a GPU")');
    assert.match(fallbackNotice('cuda', 'cpu', new Error('CUDA failure 100: no CUDA-capable device is detected'), 'auto'), /^CUDA execution provider unavailable \(CUDA failure 100/);
  });
});
