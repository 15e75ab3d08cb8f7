import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { yamlDefinitionLocations } from '../../src/core/report/definition-sync';

const alexnet = readFileSync(join(resolve(__dirname, '../..'), 'examples/alexnet.cnn.yaml'), 'utf8');

describe('definition ↔ graph locations', () => {
  it('the cursor on a layer line selects that layer’s main node, not its activation', () => {
    const loc = yamlDefinitionLocations(alexnet);
    const c3 = loc.nodeAt(alexnet.indexOf('filters: 256, kernel_size: 5'));
    assert.equal(c3, '/C3/Conv');
    assert.equal(loc.nodeAt(alexnet.indexOf('MaxPooling2D: {pool_size: 3, strides: 2, name: S4}')), '/S4/MaxPool');
  });

  it('a node reveals the text of the layer it came from', () => {
    const loc = yamlDefinitionLocations(alexnet);
    for (const node of ['/C3/Conv', '/C3/Relu']) {
      const r = loc.rangeOf(node);
      assert.ok(r);
      assert.match(alexnet.slice(r.start, r.end), /^Conv2D: \{filters: 256, kernel_size: 5/);
    }
    assert.equal(loc.rangeOf('/nope/Conv'), undefined);
  });

  it('inside a block: a layer selects its own node; the block key selects the merge', () => {
    const text = 'input: [8, 8, 4]\nlayers:\n  - Residual:\n      name: res1\n      layers:\n        - Conv2D: {filters: 4, kernel_size: 3, padding: same}\n';
    const loc = yamlDefinitionLocations(text);
    assert.equal(loc.nodeAt(text.indexOf('filters: 4')), '/res1/conv2d/Conv');
    assert.equal(loc.nodeAt(text.indexOf('Residual')), '/res1/add/Add');
  });

  it('text that is no definition has no locations', () => {
    assert.equal(yamlDefinitionLocations('just: [text').nodeAt(3), undefined);
  });
});
