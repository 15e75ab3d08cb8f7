/** What the editor shows for a definition: per-item shapes channels-last, costs, receptive fields, problems. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyseDefinition, channelsLast, isKerasJsonText, itemAt } from '../../src/core/report/definition-view';

const ALEXNET = readFileSync(join(resolve(__dirname, '../..'), 'examples/alexnet.cnn.yaml'), 'utf8');

describe('definition analysis for the editor', () => {
  it('AlexNet: every item\'s output channels-last as in the classic table, and RF 195 /32 at the last pool (Araujo et al. 2019, Table 1)', () => {
    const a = analyseDefinition(ALEXNET);
    // Only design hints (C3's 5×5 kernel), no warnings or errors.
    assert.deepEqual(a.problems.filter((p) => p.severity !== 'information'), []);
    assert.deepEqual(a.items.map((i) => i.outputShape), ['55×55×96', '27×27×96', '27×27×256', '13×13×256', '13×13×384', '13×13×384', '13×13×256', '6×6×256', '9216', '4096', '4096', '4096', '4096', '1000']);
    assert.equal(a.items[0].inputShape, '227×227×3');
    assert.equal(a.items[0].params, 34_944);
    assert.deepEqual(a.items[0].ops, ['Conv', 'Relu']);
    assert.equal(a.items[7].receptiveField, '195×195 /32×32');
    // The arithmetic behind C1, S2 and C3's sizes, as the hover writes it.
    assert.deepEqual(a.items[0].formulas, ['H, W: out = ⌊(227 + 2·0 − 11)/4⌋ + 1 = 55']);
    assert.deepEqual(a.items[1].formulas, ['H, W: out = ⌊(55 + 2·0 − 3)/2⌋ + 1 = 27']);
    assert.deepEqual(a.items[2].formulas, ['H, W: out = ⌈27/1⌉ = 27 (padding same: pads 2 + 2)']);
    assert.deepEqual(a.items[9].formulas, []);
    assert.equal(a.totals!.params, 62_378_344);
  });

  it('the hovered item is the innermost one under the cursor', () => {
    const a = analyseDefinition(ALEXNET);
    const at = ALEXNET.indexOf('filters: 256');
    assert.equal(itemAt(a.items, at)!.outputShape, '27×27×256');
    assert.equal(itemAt(a.items, 0), undefined);
    const text = 'input: [8, 8, 4]\nlayers:\n  - Residual:\n      - Conv2D: {filters: 4, kernel_size: 3, padding: same}\n';
    const r = analyseDefinition(text);
    assert.deepEqual(itemAt(r.items, text.indexOf('filters'))!.ops, ['Conv']);
    assert.deepEqual(itemAt(r.items, text.indexOf('Residual'))!.ops, ['Add']);
  });

  it('problems keep their ranges, and a broken definition still yields what it can', () => {
    const text = 'input: [8, 8, 3]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 9}\n  - Flatten\n';
    const a = analyseDefinition(text);
    assert.equal(a.problems.length, 1);
    assert.equal(text.slice(a.problems[0].range.start, a.problems[0].range.end).trim(), 'Conv2D: {filters: 4, kernel_size: 9}');
    assert.match(a.problems[0].message, /kernel is larger than the padded input/);
    assert.deepEqual(analyseDefinition('layers: [').items, []);
  });

  it('channels-last rendering of NCHW shapes', () => {
    assert.equal(channelsLast([1, 64, 56, 56]), '56×56×64');
    assert.equal(channelsLast([1, 10]), '10');
    assert.equal(channelsLast([1, 16, 100]), '100×16');
    assert.equal(channelsLast(null), '?');
  });
});

describe('Keras / TF.js JSON in the editor', () => {
  const TFJS = readFileSync(join(resolve(__dirname, '../..'), 'examples/tfjs-cnn/model.json'), 'utf8');

  it('is told from other JSON by its keys', () => {
    assert.ok(isKerasJsonText(TFJS));
    assert.ok(!isKerasJsonText('{"name": "convlens", "version": "0.1.0"}'));
  });

  it('each layer of a TF.js model.json gets its shapes at its "class_name" line; totals are TF.js\'s countParams()', () => {
    const a = analyseDefinition(TFJS, 'keras-json');
    assert.deepEqual(a.problems.filter((p) => p.severity === 'error'), []);
    assert.equal(a.totals?.params, 8_186);
    const conv1 = itemAt(a.items, TFJS.indexOf('"filters": 16'));
    assert.ok(conv1);
    // As the report shows them: channels last, the open batch N (Keras's (None, 32, 32, 16)).
    assert.equal(`${conv1.inputShape} → ${conv1.outputShape}`, 'N×32×32×3 → N×32×32×16');
    assert.equal(TFJS.slice(conv1.anchor, conv1.anchor + 12), '"class_name"');
    assert.equal(conv1.params, 3 * 3 * 3 * 16);
    const gap = a.items.find((i) => i.ops.includes('GlobalAveragePool'));
    assert.equal(gap?.outputShape, 'N×64');
  });

  it('a broken JSON text: the syntax error at its offset, nothing else', () => {
    const broken = TFJS.replace('"filters": 16,', '"filters": 16');
    const a = analyseDefinition(broken, 'keras-json');
    assert.ok(a.problems.length >= 1 && a.problems.every((p) => p.severity === 'error'));
    assert.ok(Math.abs(a.problems[0].range.start - broken.indexOf('"kernel_initializer"')) < 20, JSON.stringify(a.problems[0]));
  });
});
