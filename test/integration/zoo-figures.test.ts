/**
 * Whole-network figures against numbers published outside this codebase:
 * torchvision's model tables (parameters and "GFLOPS", which are GMACs) and
 * the ONNX project's reference shape inference (Python `onnx`).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { encodeOnnx } from '../../src/core/onnx/writer';
import { loadOnnx } from '../../src/core/loaders/onnx';
import { inferShapes } from '../../src/core/analysis/infer';
import { profileModel } from '../../src/core/report/profile';
import type { Model } from '../../src/core/ir';
import * as zoo from '../helpers/zoo';
import { GraphBuilder } from '../../src/core/onnx/builder';
import { PYTHON_ONNX_HINT, pythonWithOnnx } from '../helpers/python-onnx';
import { tempDir } from '../helpers/temp';

// Structure-only files (dims and types, no weight bytes) keep the test fast; every figure here depends only on dims.
const none = { weights: 'none' } as const;
// torchvision.models docs, "Table of all available classification weights" (IMAGENET1K_V1).
const TORCHVISION: { name: string; build: () => Model; params: number; gmacs: number }[] = [
  { name: 'alexnet', build: () => zoo.alexnet(none), params: 61_100_840, gmacs: 0.71 },
  { name: 'vgg16', build: () => zoo.vgg16(none), params: 138_357_544, gmacs: 15.47 },
  { name: 'resnet18', build: () => zoo.resnet18(none), params: 11_689_512, gmacs: 1.81 },
  { name: 'resnet50', build: () => zoo.resnet50(none), params: 25_557_032, gmacs: 4.09 },
  { name: 'mobilenet_v2', build: () => zoo.mobilenetV2(none), params: 3_504_872, gmacs: 0.3 },
];

/**
 * The PyTorch exporter's dynamic flatten, x.view(x.size(0), -1):
 * Shape → Gather → Unsqueeze → Concat(-1) → Reshape, then ConstantOfShape of the result's Shape.
 */
function exporterFlatten(): Model {
  const b = new GraphBuilder('exporter-flatten', { weights: 'none' });
  b.input('x', 'float32', ['N', 3, 32, 32]);
  const c = b.conv({ name: 'conv', outChannels: 8, kernel: 3, strides: 2, pads: 1 });
  const [shape] = b.node('Shape', [c], {}, 1, { name: 'shape' });
  const [n] = b.node('Gather', [shape, b.initializer('zero', 'int64', [], [0])], { axis: 0 }, 1, { name: 'gather' });
  const [nu] = b.node('Unsqueeze', [n, b.initializer('axes', 'int64', [1], [0])], {}, 1, { name: 'unsqueeze' });
  const [target] = b.node('Concat', [nu, b.initializer('minus1', 'int64', [1], [-1])], { axis: 0 }, 1, { name: 'concat' });
  const [flat] = b.node('Reshape', [c, target], {}, 1, { name: 'reshape' });
  const [fill] = b.node('ConstantOfShape', [b.node('Shape', [flat], {}, 1, { name: 'shape2' })[0]], {}, 1, { name: 'fill' });
  b.node('Add', [flat, fill], {}, 1, { name: 'add' });
  b.output(undefined, { name: 'y' });
  return b.build();
}

/** Models checked against the reference shape inference only. */
const SHAPE_ONLY: { name: string; build: () => Model }[] = [
  { name: 'exporter-flatten', build: exporterFlatten },
  { name: 'resnet50-dynamic-batch', build: () => zoo.resnet50({ ...none, batch: 'N' }) },
  { name: 'mobilenet_v2-bn-160', build: () => zoo.mobilenetV2({ ...none, foldBatchNorm: false, inputSize: 160 }) },
];

let dir: string;

/** BatchNorm channels of the unfolded torchvision architecture. */
function bnChannels(name: string): number {
  const builders: Record<string, (o: zoo.ZooOptions) => Model> = {
    alexnet: zoo.alexnet, vgg16: zoo.vgg16, resnet18: zoo.resnet18, resnet50: zoo.resnet50, mobilenet_v2: zoo.mobilenetV2,
  };
  const m = builders[name]({ foldBatchNorm: false, weights: 'none' });
  let c = 0;
  for (const n of m.graph.nodes) if (n.opType === 'BatchNormalization') c += m.graph.values.get(n.inputs[1])!.shape![0] as number;
  return c;
}

function floatInitializerElements(m: Model): number {
  let n = 0;
  for (const name of m.graph.initializers) {
    const t = m.graph.values.get(name)!.data!;
    if (t.dtype.startsWith('float')) n += t.dims.reduce((a, b) => a * b, 1);
  }
  return n;
}

function floatScalarInitializers(m: Model): number {
  return [...m.graph.initializers].filter((name) => {
    const t = m.graph.values.get(name)!.data!;
    return t.dtype.startsWith('float') && t.dims.length === 0;
  }).length;
}
const files = new Map<string, string>();

/** Round-trips through the ONNX file format, as a user's model would arrive. */
function viaFile(name: string, model: Model): Model {
  const path = join(dir, `${name}.onnx`);
  const bytes = encodeOnnx(model);
  writeFileSync(path, bytes);
  files.set(name, path);
  return loadOnnx(bytes, { file: `${name}.onnx` });
}

describe('torchvision CNNs: parameters, MACs and shapes', () => {
  const models = new Map<string, Model>();
  before(() => {
    dir = tempDir('convlens-zoo-');
    for (const t of [...TORCHVISION, ...SHAPE_ONLY]) models.set(t.name, viaFile(t.name, t.build()));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const t of TORCHVISION) {
    it(`${t.name}: ${t.params.toLocaleString('en-US')} parameters and ${t.gmacs} GMACs at 224×224 (torchvision)`, () => {
      const model = models.get(t.name)!;
      const { report } = profileModel(model);
      // The zoo exports as torch.onnx.export does in eval mode: each BatchNorm's
      // weight and bias (2·C) fold into one conv bias (C), so the file holds
      // C fewer floats per BatchNorm than torchvision counts; ReLU6's Clip
      // bounds are float scalars in the file.
      const unfolded = bnChannels(t.name);
      const scalars = floatScalarInitializers(model);
      assert.equal(report.totals.params, t.params - unfolded + scalars);
      // And params is exactly the float initializer elements (every weight is used).
      assert.equal(report.totals.params, floatInitializerElements(model));
      // torchvision prints two decimals: the exact count must round to the published figure.
      assert.equal(Math.round(report.totals.macs! / 1e7) / 100, t.gmacs, `${report.totals.macs} MACs`);
      assert.deepEqual(report.outputs[0].shape, [1, 1000]);
      assert.deepEqual(report.warnings, []);
    });
  }

  const python = pythonWithOnnx();
  it('exporter flatten with a symbolic batch resolves to [N, 2048]', () => {
    const v = inferShapes(models.get('exporter-flatten')!, { useDeclared: false }).values;
    assert.deepEqual(v.get('y')?.shape, ['N', 2048]);
  });

  for (const t of [...TORCHVISION, ...SHAPE_ONLY]) {
    it(`${t.name}: every shape equals the ONNX reference shape inference`, { skip: python ? false : PYTHON_ONNX_HINT }, () => {
      const r = spawnSync(python!, [resolve(__dirname, '../helpers/onnx_reference_shapes.py'), files.get(t.name)!], { encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.equal(r.status, 0, r.stderr);
      const reference = (JSON.parse(r.stdout) as { values: Record<string, (number | string | null)[] | null> }).values;
      const ours = inferShapes(models.get(t.name)!, { useDeclared: false }).values;
      const names = Object.keys(reference);
      assert.ok(names.length >= 8, `reference inferred ${names.length} values`);
      // Where the reference gives up on a dim (null, or a fresh 'unk__N' symbol) any answer of ours is accepted:
      // e.g. it leaves Reshape's -1 unknown next to a symbolic batch, which ConvLens resolves (2048).
      const same = (a: (number | string)[] | undefined, b: (number | string | null)[] | null) =>
        a === undefined ? b === null : b !== null && a.length === b.length && a.every((d, i) => b[i] === null || (typeof b[i] === 'string' && String(b[i]).startsWith('unk__')) || d === b[i]);
      const mismatches = names.filter((n) => !same(ours.get(n)?.shape, reference[n]));
      assert.deepEqual(mismatches.map((n) => `${n}: ours ${JSON.stringify(ours.get(n)?.shape)} vs onnx ${JSON.stringify(reference[n])}`), []);
    });
  }
});
