/** `*.cnn.yaml` definitions: structure, source ranges and problems at the exact range (issue #5, step one). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flattenLayers, parseCnnYaml, type LayerSpec } from '../../src/core/loaders/cnn-yaml';

const LENET = `name: LeNet-5
input: [32, 32, 1]
layers:
  - Conv2D: {filters: 6, kernel_size: 5, activation: tanh}
  - AveragePooling2D: {pool_size: 2}
  - Conv2D: {filters: 16, kernel_size: 5, activation: tanh}
  - AveragePooling2D: {pool_size: 2}
  - Conv2D: {filters: 120, kernel_size: 5, activation: tanh}
  - Flatten: {}
  - Dense: {units: 84, activation: tanh}
  - Dense: {units: 10, activation: softmax}
`;

const slice = (text: string, r: { start: number; end: number }) => text.slice(r.start, r.end);

describe('cnn.yaml structure', () => {
  it('reads the LeNet-5 example of the issue: name, input, eight layers with their arguments', () => {
    const { definition, problems } = parseCnnYaml(LENET);
    assert.deepEqual(problems, []);
    assert.equal(definition!.name, 'LeNet-5');
    assert.deepEqual(definition!.input, [32, 32, 1]);
    const layers = definition!.layers as LayerSpec[];
    assert.deepEqual(layers.map((l) => l.type), ['Conv2D', 'AveragePooling2D', 'Conv2D', 'AveragePooling2D', 'Conv2D', 'Flatten', 'Dense', 'Dense']);
    assert.deepEqual({ ...layers[0].args }, { filters: 6, kernel_size: 5, activation: 'tanh' });
    assert.deepEqual({ ...layers[5].args }, {});
  });

  it('keeps source ranges: the layer key and each argument value', () => {
    const layers = parseCnnYaml(LENET).definition!.layers as LayerSpec[];
    assert.equal(slice(LENET, layers[2].keyRange), 'Conv2D');
    assert.equal(slice(LENET, layers[2].argRanges.filters), '16');
    assert.equal(slice(LENET, layers[6].argRanges.activation), 'tanh');
    assert.match(slice(LENET, layers[7].range), /^Dense: \{units: 10, activation: softmax\}/);
  });

  it('reads the three blocks and names', () => {
    const text = `input: [56, 56, 64]
layers:
  - Residual:
      name: res1
      layers:
        - Conv2D: {filters: 128, kernel_size: 3, strides: 2, padding: same, name: c1}
        - Conv2D: {filters: 128, kernel_size: 3, padding: same}
      shortcut:
        - Conv2D: {filters: 128, kernel_size: 1, strides: 2}
  - Residual:
      - Conv2D: {filters: 128, kernel_size: 3, padding: same}
  - Branches:
      - [Conv2D: {filters: 64, kernel_size: 1}]
      - - Conv2D: {filters: 96, kernel_size: 1}
        - Conv2D: {filters: 128, kernel_size: 3, padding: same}
      - [MaxPooling2D: {pool_size: 3, strides: 1, padding: same}]
  - Repeat: {times: 3, layers: [ReLU, Dropout: {rate: 0.1}]}
`;
    const { definition, problems } = parseCnnYaml(text);
    assert.deepEqual(problems, []);
    const [res, plain, br, rep] = definition!.layers;
    assert.equal(res.kind, 'Residual');
    assert.equal(res.name, 'res1');
    assert.equal(res.shortcut!.length, 1);
    assert.equal((res.layers[0] as LayerSpec).name, 'c1');
    assert.equal('name' in (res.layers[0] as LayerSpec).args, false);
    assert.equal(plain.kind === 'Residual' && plain.shortcut, undefined);
    assert.equal(br.kind === 'Branches' && br.branches.map((b) => b.length).join(','), '1,2,1');
    assert.equal(rep.kind === 'Repeat' && rep.times, 3);
    assert.deepEqual(flattenLayers(definition!.layers).map((l) => l.type), ['Conv2D', 'Conv2D', 'Conv2D', 'Conv2D', 'Conv2D', 'Conv2D', 'Conv2D', 'MaxPooling2D', 'ReLU', 'Dropout']);
  });
});

describe('cnn.yaml problems at the exact range', () => {
  const problemAt = (text: string) => {
    const { problems } = parseCnnYaml(text);
    assert.ok(problems.length > 0, 'a problem is reported');
    return { ...problems[0], text: slice(text, problems[0].range) };
  };

  it('YAML syntax errors carry their position', () => {
    const p = problemAt('input: [32, 32, 1]\nlayers:\n  - Conv2D: {filters: 6\n');
    assert.equal(p.severity, 'error');
    assert.ok(p.line >= 3, `line ${p.line}`);
  });

  it('a bad input shape, a missing layers list, a two-key item, an arguments list, a bad Repeat', () => {
    assert.equal(problemAt('input: [32, 0, 1]\nlayers: []\n').text, '[32, 0, 1]');
    assert.match(problemAt('input: [32, 32, 1]\n').message, /missing `layers`/);
    const two = problemAt('input: [8, 8, 1]\nlayers:\n  - {Conv2D: {filters: 1}, Dense: {units: 2}}\n');
    assert.match(two.message, /one layer/);
    assert.equal(two.line, 3);
    const args = problemAt('input: [8, 8, 1]\nlayers:\n  - Conv2D: [6, 5]\n');
    assert.equal(args.text, '[6, 5]');
    assert.match(args.message, /must be a map/);
    const rep = problemAt('input: [8, 8, 1]\nlayers:\n  - Repeat: {times: 0, layers: [ReLU]}\n');
    assert.equal(rep.text, '0');
  });

  it('duplicate arguments and unknown top-level keys', () => {
    const dup = parseCnnYaml('input: [8, 8, 1]\nlayers:\n  - Dense: {units: 2, units: 3}\n');
    assert.ok(dup.problems.some((p) => p.severity === 'error'), JSON.stringify(dup.problems));
    const extra = parseCnnYaml('input: [8, 8, 1]\nlayer: []\nlayers: []\n');
    assert.equal(extra.problems[0].severity, 'warning');
    assert.match(extra.problems[0].message, /unknown top-level key 'layer'/);
    assert.ok(extra.definition);
  });

  it('never throws on hostile input', () => {
    for (const text of ['', '---', '- a\n- b', 'input: &a [1]\nlayers: *a', 'input: [1]\nlayers:\n  - !!binary aGk=', '{'.repeat(500), 'a: '.repeat(1000)]) {
      const r = parseCnnYaml(text);
      assert.ok(Array.isArray(r.problems));
    }
  });
});
