/**
 * The bundled `examples/*.cnn.yaml` against their published figures:
 * ResNet-18 (torchvision), MobileNet v1 (Keras, Howard et al. 2017) and the
 * GoogLeNet front (Szegedy et al. 2015, Table 1). LeNet-5's and AlexNet's
 * per-layer shapes are checked in cnn-yaml-model.test.ts and
 * definition-view.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadModelFileSync } from '../../src/core/loaders/index';
import { profileModel, type LayerReport } from '../../src/core/report/profile';
import { analyseDefinition } from '../../src/core/report/definition-view';

const EXAMPLES = join(resolve(__dirname, '../..'), 'examples');
const DEFINITIONS = readdirSync(EXAMPLES).filter((f) => f.endsWith('.cnn.yaml')).sort();

const profile = (file: string) => profileModel(loadModelFileSync(join(EXAMPLES, file)).model).report;
const sum = (layers: LayerReport[], f: (l: LayerReport) => number | null) => layers.reduce((a, l) => a + f(l)!, 0);
/** Keras counts BatchNormalization's moving mean and variance (2·C) as non-trainable parameters. */
const trainable = (layers: LayerReport[]) => sum(layers, (l) => (l.op === 'BatchNormalization' ? l.params! / 2 : l.params));

describe('bundled definitions', () => {
  it('every examples/*.cnn.yaml loads without problems', () => {
    assert.ok(DEFINITIONS.length >= 6, DEFINITIONS.join(', '));
    for (const f of DEFINITIONS) {
      const { model } = loadModelFileSync(join(EXAMPLES, f));
      assert.equal(model.format, 'yaml', f);
      assert.deepEqual(model.warnings, [], f);
      assert.deepEqual(analyseDefinition(readFileSync(join(EXAMPLES, f), 'utf8')).problems.filter((p) => p.severity !== 'information'), [], f);
    }
  });
});

describe('ResNet-18 (torchvision.models.resnet18)', () => {
  const report = profile('resnet18.cnn.yaml');

  it('11,689,512 trainable parameters (torchvision), plus 2·4,800 BN moving statistics', () => {
    assert.equal(trainable(report.layers), 11_689_512);
    assert.equal(report.totals.params, 11_689_512 + 9_600);
  });

  it('1.814 G multiply-adds (torchvision docs: "GFLOPS 1.81", which are MACs)', () => {
    // Convolutions and the classifier; BN, ReLU, pooling and the adds are no MACs (fvcore's count: 1.814 G).
    assert.equal(report.totals.macs, 1_814_073_344);
    assert.equal(Math.round(report.totals.macs / 1e7) / 100, 1.81);
  });

  it('spatial sizes 224 → 112 → 56 → 28 → 14 → 7 (He et al. 2016, Table 1)', () => {
    const items = analyseDefinition(readFileSync(join(EXAMPLES, 'resnet18.cnn.yaml'), 'utf8')).items;
    assert.equal(items.find((i) => i.ops[0] === 'Conv')!.outputShape, '112×112×64');
    assert.equal(items.find((i) => i.ops[0] === 'MaxPool')!.outputShape, '56×56×64');
    // Each residual block's add: conv2_x (a Repeat, one item), then two blocks per stage.
    assert.deepEqual(items.filter((i) => i.ops[0] === 'Add').map((i) => i.outputShape), [
      '56×56×64', '28×28×128', '28×28×128', '14×14×256', '14×14×256', '7×7×512', '7×7×512',
    ]);
    assert.deepEqual(report.outputs[0].shape, [1, 1000]);
  });
});

describe('MobileNet v1, alpha 1.0, 224 (keras.applications.MobileNet)', () => {
  const report = profile('mobilenet.cnn.yaml');

  it('4,253,864 parameters (Keras model.summary()), 4,231,976 trainable', () => {
    assert.equal(report.totals.params, 4_253_864);
    assert.equal(trainable(report.layers), 4_231_976);
  });

  it('569 M multiply-adds (Howard et al. 2017, Tables 4 and 8: "569 Million Mult-Adds")', () => {
    // Every convolution (depthwise included) and the 1×1 classifier (1,024,000); nothing else counts.
    assert.equal(report.totals.macs, 568_740_352);
    assert.equal(Math.round(report.totals.macs / 1e6), 569);
  });

  it('7×7×1024 before the classifier (Table 1)', () => {
    const pw13 = report.layers.find((l) => l.name === '/conv_pw_13_relu/Clip')!;
    assert.deepEqual(pw13.outputs[0].shape, [1, 1024, 7, 7]);
    assert.deepEqual(report.outputs[0].shape, [1, 1000]);
  });
});

describe('GoogLeNet front (Szegedy et al. 2015, Table 1)', () => {
  const report = profile('inception.cnn.yaml');
  const block = (name: string) => report.layers.filter((l) => l.name.startsWith(`/${name}/`));
  /** The table's K are 1,024 parameters, its M 10^6 operations (multiply-adds). */
  const K = (n: number) => n / 1024;
  const M = (n: number) => n / 1e6;

  it('inception (3a): 28×28×256, 159K params, 128M ops', () => {
    const layers = block('inception_3a');
    assert.deepEqual(layers.at(-1)!.outputs[0].shape, [1, 256, 28, 28]);
    assert.ok(Math.abs(K(sum(layers, (l) => l.params)) - 159) < 1, `${K(sum(layers, (l) => l.params))}K`);
    assert.equal(Math.round(M(sum(layers, (l) => l.macs))), 128);
  });

  it('inception (3b): 28×28×480, 380K params, 304M ops', () => {
    const layers = block('inception_3b');
    assert.deepEqual(layers.at(-1)!.outputs[0].shape, [1, 480, 28, 28]);
    assert.ok(Math.abs(K(sum(layers, (l) => l.params)) - 380) < 1, `${K(sum(layers, (l) => l.params))}K`);
    assert.equal(Math.round(M(sum(layers, (l) => l.macs))), 304);
  });

  it('conv2 (1×1 reduce + 3×3): 56×56×192, 112K params, 360M ops', () => {
    const layers = [...block('conv2_reduce'), ...block('conv2')];
    assert.deepEqual(layers.at(-1)!.outputs[0].shape, [1, 192, 56, 56]);
    assert.equal(Math.round(K(sum(layers, (l) => l.params))), 112);
    assert.equal(Math.round(M(sum(layers, (l) => l.macs))), 360);
  });

  it('ends at 14×14×480 after the third max pool', () => {
    assert.deepEqual(report.outputs[0].shape, [1, 480, 14, 14]);
  });
});
