/**
 * The model view's panels, their DOM-free parts: table sorting, layer search,
 * the budget parser and the tooltip contents, on the profile of
 * examples/small-cnn.onnx (figures in `convlens profile examples/small-cnn.onnx`).
 *
 * Layers of small-cnn (index: name, params, receptive field):
 *   0 stem/conv 432 3×3      7 block1/bn2 64 7×7        14 block2/bn2 128 13×13
 *   1 stem/bn 64 3×3         8 block1/Add 0 7×7         15 block2/shortcut 512 7×7
 *   2 stem/relu 0 3×3        9 block1/relu2 0 7×7       16 block2/Add 0 13×13
 *   3 block1/conv1 2304 5×5 10 block2/conv1 4608 9×9   17 block2/relu2 0 13×13
 *   4 block1/bn1 64 5×5     11 block2/bn1 128 9×9      18 GlobalAveragePool 0 global
 *   5 block1/relu1 0 5×5    12 block2/relu1 0 9×9      19 Flatten 0 global
 *   6 block1/conv2 2304 7×7 13 block2/conv2 9216 13×13 20 fc/Gemm 330 global
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadModelFileSync } from '../../src/core/loaders/index';
import { profileModel, type LayerReport } from '../../src/core/report/profile';
import { layerViews } from '../../src/core/report/layer-view';
import { sortLayers } from '../../webview/panels/table-columns';
import { findLayers } from '../../webview/panels/search';
import { parseBatch, parseBytes } from '../../webview/panels/summary';
import { groupTooltip, layerTooltip, tensorBytes, tensorTooltip } from '../../webview/panels/tooltip';
import { formatStat } from '../../webview/panels/details';
import { tensorIndex } from '../../webview/panels/layer-inputs';

const { model } = loadModelFileSync('examples/small-cnn.onnx');
const profile = profileModel(model);
const report = profile.report;
const views = layerViews(model, profile);
const layers = report.layers;
const tensors = tensorIndex(report);

describe('sortLayers', () => {
  it('index: layer order, or reversed', () => {
    assert.deepEqual(sortLayers(layers, 'index', false), [...Array(21).keys()]);
    assert.deepEqual(sortLayers(layers, 'index', true), [...Array(21).keys()].reverse());
  });

  it('params descending; equal counts keep layer order (the two 2,304-parameter convs 3, 6)', () => {
    assert.deepEqual(sortLayers(layers, 'params', true), [13, 10, 3, 6, 15, 0, 20, 11, 14, 1, 4, 7, 2, 5, 8, 9, 12, 16, 17, 18, 19]);
  });

  it('params ascending: the parameter-free layers first, in layer order', () => {
    assert.deepEqual(sortLayers(layers, 'params', false), [2, 5, 8, 9, 12, 16, 17, 18, 19, 1, 4, 7, 11, 14, 20, 0, 15, 3, 6, 10, 13]);
  });

  it('FLOPs descending: the three 4.72 MFLOPs convs (3, 6, 13) tie and stay in order', () => {
    assert.deepEqual(sortLayers(layers, 'flops', true).slice(0, 5), [3, 6, 13, 10, 0]);
  });

  it('receptive field by size product: global largest, then 13×13, 9×9, 7×7, 5×5, 3×3', () => {
    assert.deepEqual(sortLayers(layers, 'receptiveField', true), [18, 19, 20, 13, 14, 16, 17, 10, 11, 12, 6, 7, 8, 9, 15, 3, 4, 5, 0, 1, 2]);
  });

  it('receptive field: layers without one sort smallest', () => {
    const base: LayerReport = { name: '', op: 'Relu', inputs: [], outputs: [], params: 0, macs: 0, flops: 0, receptiveField: null, activationBytes: 0, savedBytes: 0 };
    const ls: LayerReport[] = [
      { ...base, name: 'global', receptiveField: { global: true } },
      { ...base, name: 'none' },
      { ...base, name: '1x9', receptiveField: { size: [1, 9], stride: [1, 1], offset: [0, 0] } },
      { ...base, name: '3x2', receptiveField: { size: [3, 2], stride: [1, 1], offset: [0, 0] } },
    ];
    assert.deepEqual(sortLayers(ls, 'receptiveField', false), [1, 3, 2, 0]);
    assert.deepEqual(sortLayers(ls, 'receptiveField', true), [0, 2, 3, 1]);
  });

  it('name: alphabetical, case-insensitive', () => {
    const byName = sortLayers(layers, 'name', false);
    assert.equal(layers[byName[0]].name, '/block1/Add');
    assert.equal(layers[byName[20]].name, '/stem/relu/Relu');
    assert.deepEqual(sortLayers(layers, 'name', true), byName.reverse());
  });

  it('op: by op type, layers of one op in layer order', () => {
    assert.deepEqual(sortLayers(layers, 'op', false).slice(0, 8), [8, 16, 1, 4, 7, 11, 14, 0]);
  });

  it('activation bytes ascending: 40 B (Gemm), 128 B (pool, flatten), then 32 KiB and 64 KiB layers', () => {
    assert.deepEqual(sortLayers(layers, 'activationBytes', false).slice(0, 4), [20, 18, 19, 10]);
  });
});

describe('findLayers', () => {
  it('matches names, op types and tensor names: "conv" finds the convs and the layers fed by them', () => {
    // BatchNormalizations 1, 4, 7, 11, 14 and the block2 Add (16) read a Conv's output tensor.
    assert.deepEqual(findLayers('conv', report, views), [0, 1, 3, 4, 6, 7, 10, 11, 13, 14, 15, 16]);
  });

  it('is case-insensitive', () => {
    assert.deepEqual(findLayers('RELU', report, views), findLayers('relu', report, views));
    assert.deepEqual(findLayers('RELU', report, views), [2, 3, 5, 6, 8, 9, 10, 12, 13, 15, 17, 18]);
  });

  it('matches the title: only block2/conv1 is a 3×3 stride-2 conv', () => {
    assert.deepEqual(findLayers('3×3 /2', report, views), [10]);
    assert.deepEqual(findLayers('axis 1', report, views), [19]);
  });

  it('matches weight and output tensor names', () => {
    assert.deepEqual(findLayers('block1.bn1', report, views), [4]);
    assert.deepEqual(findLayers('logits', report, views), [20]);
  });

  it('an empty or blank query, or one that matches nothing, gives no layers', () => {
    assert.deepEqual(findLayers('', report, views), []);
    assert.deepEqual(findLayers('   ', report, views), []);
    assert.deepEqual(findLayers('transformer', report, views), []);
  });
});

describe('parseBytes (memory budget field)', () => {
  it('binary units: 8 GiB = 8 × 2³⁰, 512 MiB = 512 × 2²⁰, 1.5 GiB, 64 KiB', () => {
    assert.equal(parseBytes('8 GiB'), 8_589_934_592);
    assert.equal(parseBytes('8GiB'), 8_589_934_592);
    assert.equal(parseBytes('512 MiB'), 536_870_912);
    assert.equal(parseBytes('1.5 GiB'), 1_610_612_736);
    assert.equal(parseBytes(' 64 kib '), 65_536);
  });

  it('decimal units as --budget reads them: 8GB = 8 × 10⁹', () => {
    assert.equal(parseBytes('8GB'), 8_000_000_000);
    assert.equal(parseBytes('512 MB'), 512_000_000);
  });

  it('plain numbers are bytes', () => {
    assert.equal(parseBytes('4096'), 4096);
    assert.equal(parseBytes('4096 B'), 4096);
  });

  it('rejects empty, zero, negative and unreadable sizes', () => {
    for (const s of ['', '0', '0 GiB', '0.5', '-1 GiB', 'lots', '8 GiBs', 'GiB']) assert.equal(parseBytes(s), null, s);
  });
});

describe('parseBatch (batch size field)', () => {
  it('empty is the model\'s own batch (null); whole numbers ≥ 1 are batches; anything else is invalid', () => {
    assert.equal(parseBatch(''), null);
    assert.equal(parseBatch('  '), null);
    assert.equal(parseBatch('16'), 16);
    for (const s of ['0', '1.5', '-2', 'abc', '1e3']) assert.equal(parseBatch(s), undefined, s);
  });
});

describe('layerTooltip', () => {
  it('stem conv: title, op, shapes in → out (weights left out), figures', () => {
    // 16×3×3×3 = 432 params; 432 × 32 × 32 = 442,368 MACs; output 1×16×32×32 float32 = 65,536 B.
    assert.deepEqual(layerTooltip(layers[0], views[0], tensors), {
      title: '/stem/conv/Conv',
      rows: [
        ['Op', 'Conv 3×3 ×16'],
        ['Shape', '1×3×32×32 → 1×16×32×32'],
        ['Params', '432'],
        ['MACs', '442.37 KMACs'],
        ['FLOPs', '884.74 KFLOPs'],
        ['Receptive field', '3×3 /1×1'],
        ['Activations', '64.0 KiB'],
        // Kept for backward: its input (1×3×32×32 float32 = 12,288 B) and weight (1,728 B) = 14,016 B.
        ['Kept for training', '13.7 KiB'],
      ],
    });
    // With the model's training total, its share of it.
    assert.match(layerTooltip(layers[0], views[0], tensors, undefined, 140_160).rows.at(-1)![1], /^13\.7 KiB, 10\.0 % of training memory$/);
  });

  it('Relu: no parameter or MAC rows', () => {
    assert.deepEqual(layerTooltip(layers[2], views[2], tensors).rows.map(([k]) => k), ['Op', 'Shape', 'FLOPs', 'Receptive field', 'Activations', 'Kept for training']);
  });

  it('Gemm: 32×10 + 10 = 330 params, 320 MACs, global field, 1×10 float32 = 40 B', () => {
    assert.deepEqual(layerTooltip(layers[20], views[20], tensors).rows, [
      ['Op', 'Gemm ×10'],
      ['Shape', '1×32 → 1×10'],
      ['Params', '330'],
      ['MACs', '320 MACs'],
      ['FLOPs', '650 FLOPs'],
      ['Receptive field', 'global'],
      ['Activations', '40 B'],
      // Its input (1×32 = 128 B) and weight (32×10 = 1,280 B); the bias is not kept.
      ['Kept for training', '1.4 KiB'],
    ]);
  });
});

describe('groupTooltip', () => {
  it('block2 (layers 10–17): count and sums', () => {
    // Params 4,608 + 128 + 9,216 + 128 + 512 = 14,592; MACs 1,179,648 + 2,359,296 + 131,072 = 3,670,016;
    // activations 8 × 1×32×16×16 float32 = 8 × 32,768 B = 256 KiB.
    assert.deepEqual(groupTooltip('block2', layers.slice(10, 18)), {
      title: 'block2',
      rows: [
        ['Layers', '8'],
        ['Params', '14,592'],
        ['MACs', '3.67 MMACs'],
        ['FLOPs', '7.40 MFLOPs'],
        ['Activations', '256.0 KiB'],
        // conv1 W 18,432 + bn1 (input 32,768 + scale, mean, var 384 + batch stats 256) 33,408 + relu1 32,768
        // + conv2 W 36,864 + bn2 33,408 + shortcut W 2,048 + relu2 32,768 = 189,696 B (block1's output is kept before).
        ['Kept for training', '185.3 KiB'],
      ],
    });
  });

  it('an empty group sums to zero', () => {
    assert.deepEqual(groupTooltip('empty', []).rows, [['Layers', '0'], ['Params', '0'], ['MACs', '0 MACs'], ['FLOPs', '0 FLOPs'], ['Activations', '0 B'], ['Kept for training', '0 B']]);
  });
});

describe('tensorTooltip', () => {
  it('one tensor: the input image 1×3×32×32 float32 = 3,072 × 4 B = 12,288 B', () => {
    assert.equal(tensorBytes(report.inputs[0]), 12_288);
    assert.deepEqual(tensorTooltip([report.inputs[0]]), {
      title: 'image',
      rows: [['Shape', '1×3×32×32'], ['Type', 'float32'], ['Size', '12.0 KiB']],
    });
  });

  it('several tensors: one row each', () => {
    assert.deepEqual(tensorTooltip([report.inputs[0], report.outputs[0]]), {
      title: '2 tensors',
      rows: [['image', '1×3×32×32 float32, 12.0 KiB'], ['logits', '1×10 float32, 40 B']],
    });
  });

  it('no size for symbolic shapes or unknown types; sub-byte types round up (int4 3×5 = 60 bits → 8 B)', () => {
    assert.deepEqual(tensorTooltip([{ name: 'x', shape: ['N', 3, 224, 224], dtype: 'float16' }]).rows, [['Shape', 'N×3×224×224'], ['Type', 'float16']]);
    assert.deepEqual(tensorTooltip([{ name: 'y', shape: null, dtype: null }]).rows, [['Shape', '?'], ['Type', '?']]);
    assert.equal(tensorBytes({ shape: [3, 5], dtype: 'int4' }), 8);
  });
});

describe('formatStat (weight statistics)', () => {
  it('5 significant digits, exponent form outside [1e-3, 1e6), a dash for missing values', () => {
    assert.equal(formatStat(0.0123456789), '0.012346');
    assert.equal(formatStat(-0.5), '-0.5');
    assert.equal(formatStat(0), '0');
    assert.equal(formatStat(1.5e-5), '1.500e-5');
    assert.equal(formatStat(NaN), '—');
    assert.equal(formatStat(null), '—');
  });
});
