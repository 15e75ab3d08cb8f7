/**
 * Design hints from the CNN literature: information-level notes at a
 * layer's key, with the figures for that layer, and only where they hold.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyseDefinition } from '../../src/core/report/definition-view';

const EXAMPLES = join(resolve(__dirname, '../..'), 'examples');
const example = (f: string) => readFileSync(join(EXAMPLES, f), 'utf8');

/** The hints of a definition as [text at the range, message]. */
function hints(text: string): [string, string][] {
  const a = analyseDefinition(text);
  assert.deepEqual(a.problems.filter((p) => p.severity !== 'information'), []);
  return a.problems.map((p) => [text.slice(p.range.start, p.range.end), p.message]);
}
const model = (input: string, layers: string) => `input: ${input}\nlayers:\n${layers}`;

describe('(a) large kernels → stacked 3×3 (Simonyan & Zisserman 2015)', () => {
  it('AlexNet: C3\'s 5×5 gets it (96→96→256: 304,128 weights instead of 614,400), C1\'s 11×11 first layer does not', () => {
    assert.deepEqual(hints(example('alexnet.cnn.yaml')), [[
      'Conv2D',
      'Conv2D \'C3\': two stacked 3×3 convolutions cover the same 5×5 receptive field with fewer parameters (Simonyan & Zisserman 2015): 304,128 weights (96→96→256) instead of 614,400',
    ]]);
  });

  it('7×7 with C channels → three 3×3: 27·C² instead of 49·C² (the paper\'s §2.3 figures, C = 64)', () => {
    const [[, m]] = hints(model('[28, 28, 64]', `  - Conv2D: {filters: 64, kernel_size: 3, padding: same}
  - Conv2D: {filters: 64, kernel_size: 7, padding: same, name: big}
`));
    assert.equal(m, `Conv2D 'big': three stacked 3×3 convolutions cover the same 7×7 receptive field with fewer parameters (Simonyan & Zisserman 2015): ${(27 * 64 * 64).toLocaleString('en-US')} weights (64→64→64→64) instead of ${(49 * 64 * 64).toLocaleString('en-US')}`);
  });

  it('not for a strided or depthwise 5×5, nor where the stack would not be smaller', () => {
    assert.deepEqual(hints(model('[28, 28, 8]', `  - Conv2D: {filters: 8, kernel_size: 3}
  - Conv2D: {filters: 8, kernel_size: 5, strides: 2}
  - DepthwiseConv2D: {kernel_size: 5}
  - Conv2D: {filters: 1, kernel_size: 5, padding: same}
`)), []);
  });
});

describe('(b) pooling or striding a 1×1 map', () => {
  it('MaxPooling2D (padding same) on 1×1×120: does nothing', () => {
    assert.deepEqual(hints(model('[1, 1, 120]', '  - MaxPooling2D: {pool_size: 2, padding: same}\n')), [[
      'MaxPooling2D', 'MaxPooling2D \'max_pooling2d\': pooling a 1×1 map does nothing (its output is its 1×1×120 input); remove it',
    ]]);
  });

  it('a 1×1 Conv2D with strides 2 on a 1×1 map: the stride does nothing', () => {
    assert.deepEqual(hints(model('[1, 1, 16]', '  - Conv2D: {filters: 4, kernel_size: 1, strides: 2, name: s}\n')), [[
      'Conv2D', 'Conv2D \'s\': strides 2 on a 1×1 map do nothing (the output is 1×1 either way)',
    ]]);
  });
});

describe('(c) a kernel larger than its input', () => {
  it('5×5 (padding same) on a 3×3 map: at most 3×3 of its 25 taps see the input', () => {
    assert.deepEqual(hints(model('[3, 3, 4]', '  - DepthwiseConv2D: {kernel_size: 5, padding: same, name: dw}\n')), [[
      'DepthwiseConv2D', 'DepthwiseConv2D \'dw\': its 5×5 kernel is larger than its 3×3 input (padding same): at most 3×3 of its 25 taps ever see the input, the others multiply padding zeros; a 3×3 kernel computes the same from what it sees',
    ]]);
  });
});

describe('(d) Dense on a large flattened map → GlobalAveragePooling2D (Lin et al. 2014)', () => {
  it('VGG-16\'s fc1 on 7×7×512: 4096 × 512 × (49 − 1) = 100,663,296 parameters cut', () => {
    assert.deepEqual(hints(example('vgg16.cnn.yaml')), [[
      'Dense', 'Dense \'fc1\': on a flattened 7×7×512 map (25,088 inputs); GlobalAveragePooling2D instead of Flatten cuts 100,663,296 parameters (Lin et al. 2014, Network in Network)',
    ]]);
  });

  it('not below 7×7×512 inputs (AlexNet\'s 6×6×256), nor on a 1×1 map (LeNet-5\'s C5)', () => {
    assert.ok(!hints(example('alexnet.cnn.yaml')).some(([k]) => k === 'Dense'));
    assert.ok(!hints(example('lenet5.cnn.yaml')).some(([k]) => k === 'Dense'));
  });
});

describe('(e) a bias right before BatchNormalization (Ioffe & Szegedy 2015)', () => {
  it('Conv2D (use_bias default true) → BatchNormalization: 64 redundant bias parameters', () => {
    assert.deepEqual(hints(model('[8, 8, 3]', '  - Conv2D: {filters: 64, kernel_size: 3, name: c}\n  - BatchNormalization\n')), [[
      'Conv2D', 'Conv2D \'c\': its bias is redundant before BatchNormalization, whose beta cancels it (Ioffe & Szegedy 2015); use_bias: false saves 64 parameters',
    ]]);
  });

  it('not with use_bias: false, an activation in between, or BN without center', () => {
    assert.deepEqual(hints(model('[8, 8, 3]', `  - Conv2D: {filters: 8, kernel_size: 3, use_bias: false}
  - BatchNormalization
  - Conv2D: {filters: 8, kernel_size: 3, activation: relu}
  - BatchNormalization
  - Conv2D: {filters: 8, kernel_size: 1}
  - BatchNormalization: {center: false}
`)), []);
  });

  it('once per layer, however many copies a Repeat makes', () => {
    const text = model('[8, 8, 4]', '  - Repeat: {times: 3, layers: [Conv2D: {filters: 4, kernel_size: 1}, BatchNormalization]}\n');
    assert.equal(hints(text).length, 1);
  });
});

describe('hints on the bundled examples', () => {
  it('none on ResNet-18 and MobileNet (no bias before BN, 3×3 kernels past the stem)', () => {
    assert.deepEqual(hints(example('resnet18.cnn.yaml')), []);
    assert.deepEqual(hints(example('mobilenet.cnn.yaml')), []);
  });

  it('LeNet-5\'s C3 (6→6→16: 1,188 instead of 2,400) and C5 (16→16→120: 19,584 instead of 48,000), 5×5 past C1', () => {
    assert.deepEqual(hints(example('lenet5.cnn.yaml')).map(([, m]) => m.match(/[\d,]+ weights \(.*\) instead of [\d,]+/)![0]), [
      '1,188 weights (6→6→16) instead of 2,400', '19,584 weights (16→16→120) instead of 48,000',
    ]);
  });

  it('the GoogLeNet front\'s 5×5 branches get (a): what Inception v3 later did (Szegedy et al. 2016, §3.1)', () => {
    assert.deepEqual(hints(example('inception.cnn.yaml')).map(([, m]) => m.match(/[\d,]+ weights \(.*\) instead of [\d,]+/)![0]), [
      '6,912 weights (16→16→32) instead of 12,800', '36,864 weights (32→32→96) instead of 76,800',
    ]);
  });

  it('hints are information, and none while the definition has errors', () => {
    const text = model('[8, 8, 3]', '  - Conv2D: {filters: 64, kernel_size: 3}\n  - BatchNormalization\n  - Dense: {units: 2}\n');
    const a = analyseDefinition(text);
    assert.ok(a.problems.length > 0);
    assert.ok(a.problems.every((p) => p.severity === 'error'));
  });
});
