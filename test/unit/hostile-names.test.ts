/**
 * Names from model files that collide with JavaScript's object internals
 * (`constructor`, `__proto__`, `toString`, …) are just names: as a layer
 * class, an op type, an argument or an attribute they give the message any
 * other unknown name gives, never "def.lower is not a function" (issue #11).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import type { ProfileReport } from '../../src/core/report/profile';
import { assertClean } from '../helpers/hostile';
import { GraphBuilder } from '../../src/core/onnx/builder';
import { encodeOnnx } from '../../src/core/onnx/writer';
import { kerasMnistSequential, type Json } from '../helpers/keras-writers';
import { smallCnn } from '../helpers/tfjs-graph-fixtures';
import { tempDir } from '../helpers/temp';

const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype'];

let dir: string;
before(() => (dir = tempDir('convlens-names-')));
after(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, data: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

describe('names that are JavaScript object internals', () => {
  it('as a .cnn.yaml layer class, argument or activation: the unknown-name message', async () => {
    for (const n of NAMES) {
      const asClass = await runCli('profile', write(`c-${n}.cnn.yaml`, `input: [8, 8, 3]\nlayers:\n  - ${n}: {}\n`));
      assertClean(asClass, `class ${n}`);
      assert.equal(asClass.code, 2);
      assert.match(asClass.stderr, new RegExp(`unknown layer.*${n.replace(/_/g, '_')}`));
      const asArg = await runCli('profile', write(`a-${n}.cnn.yaml`, `input: [8, 8, 3]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 3, ${n}: 1}\n`));
      assertClean(asArg, `argument ${n}`);
      assert.equal(asArg.code, 2);
      assert.match(asArg.stderr, new RegExp(`'${n}'`));
      const asActivation = await runCli('profile', write(`act-${n}.cnn.yaml`, `input: [8, 8, 3]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 3, activation: ${n}}\n`));
      assertClean(asActivation, `activation ${n}`);
      assert.equal(asActivation.code, 2);
    }
  });

  it('as a Keras class_name or argument: the unknown-name message', async () => {
    for (const n of NAMES) {
      const j = kerasMnistSequential();
      const layers = (j.config as Json).layers as Json[];
      layers[1] = { ...layers[1], class_name: n };
      const r = await runCli('profile', write(`k-${n}.json`, JSON.stringify(j)));
      assertClean(r, `Keras class ${n}`);
      assert.equal(r.code, 2);
      const k = kerasMnistSequential();
      const conv = ((k.config as Json).layers as Json[])[1];
      (conv.config as Json)[n] = 1;
      (conv.config as Json).activation = n;
      assertClean(await runCli('profile', write(`ka-${n}.json`, JSON.stringify(k))), `Keras argument ${n}`);
    }
  });

  it('as an ONNX op type or attribute name: an unknown operator that warns, the rest of the graph profiled', async () => {
    for (const n of NAMES) {
      const b = new GraphBuilder('names', { weights: 'none' });
      b.input('x', 'float32', [1, 3, 8, 8]);
      b.conv({ outChannels: 4, kernel: 3 });
      b.node(n, [b.last], { [n]: 1 });
      b.relu();
      b.output();
      const r = await runCli('profile', write(`o-${n}.onnx`, encodeOnnx(b.build())), '--json');
      assertClean(r, `op ${n}`);
      assert.equal(r.code, 0);
      const j = JSON.parse(r.stdout) as ProfileReport;
      assert.ok(j.warnings.some((w) => w.includes(`unknown operator ${n}`)), j.warnings.join('\n'));
      assert.deepEqual(j.layers[0].outputs[0].shape, [1, 4, 6, 6]);
    }
  });

  it('as a TF.js graph op, attribute or dtype: a clean result or message', async () => {
    for (const n of NAMES) {
      const fx = smallCnn();
      const nodes = fx.json.modelTopology.node as { op: string; attr?: Record<string, unknown> }[];
      nodes[nodes.length - 1].op = n;
      nodes[1].attr = { ...nodes[1].attr, [n]: { type: n } };
      const sub = join(dir, `tf-${n}`);
      rmSync(sub, { recursive: true, force: true });
      mkdirSync(sub);
      writeFileSync(join(sub, 'group1-shard1of1.bin'), fx.weightData);
      assertClean(await runCli('profile', write(`tf-${n}/model.json`, JSON.stringify(fx.json))), `TF.js op ${n}`);
    }
  });
});
