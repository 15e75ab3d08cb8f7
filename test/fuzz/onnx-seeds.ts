/**
 * Valid ONNX models to mutate: the example CNN, models built here (a CNN
 * with a symbolic batch and a constant Reshape target, and the same with its
 * initializers in a side file), and, when the ONNX node tests are beside the
 * checkout, every model among them (one per operator case).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GraphBuilder } from '../../src/core/onnx/builder';
import { encodeOnnx, externalizeInitializers } from '../../src/core/onnx/writer';
import type { Model } from '../../src/core/ir';
import type { Rng } from './rng';

const ROOT = resolve(__dirname, '../..');
/** The ONNX node tests' models, vendored (test/fixtures/onnx-node). */
export const CONFORMANCE = resolve(ROOT, 'test/fixtures/onnx-node/node');

/** input N×3×16×16 → Conv 3×3 ×8 → Relu → MaxPool 2 → Reshape [1, -1] → Gemm ×10 → Softmax. */
export function smallConvNet(name = 'fuzz_cnn'): Model {
  const b = new GraphBuilder(name, { opset: 17, weights: 'zeros' });
  b.input('input', 'float32', ['N', 3, 16, 16]);
  b.conv({ outChannels: 8, kernel: 3, pads: 1, name: 'conv1' });
  b.relu({ name: 'relu1' });
  b.maxPool({ kernel: 2, strides: 2, name: 'pool1' });
  b.reshape(undefined, [1, -1], { name: 'flatten' });
  b.gemm({ outFeatures: 10, inFeatures: 512, name: 'fc' });
  b.softmax({ name: 'softmax' });
  b.output(undefined, { name: 'logits' });
  return b.build();
}

/** smallConvNet with every initializer (the Reshape target too) in `weights.bin` beside the model. */
export function externalConvNet(): { model: Uint8Array; weights: Uint8Array } {
  const ext = externalizeInitializers(smallConvNet('fuzz_external'), 'weights.bin', { sizeThreshold: 1, align: 64 });
  const weights = new Uint8Array(ext.length);
  let o = 0;
  for (const c of ext.chunks) {
    weights.set(c, o);
    o += c.length;
  }
  return { model: encodeOnnx(ext.model), weights };
}

let corpus: { name: string; path: string }[] | undefined;

function conformanceModels(): { name: string; path: string }[] {
  corpus ??= existsSync(CONFORMANCE)
    ? readdirSync(CONFORMANCE)
        .filter((d) => existsSync(join(CONFORMANCE, d, 'model.onnx')))
        .sort()
        .map((d) => ({ name: d, path: join(CONFORMANCE, d, 'model.onnx') }))
    : [];
  return corpus;
}

/** Whether the ONNX node tests were found (the harness says so when they were not). */
export const haveConformance = (): boolean => conformanceModels().length > 0;

/** A valid model's bytes and a name for it. */
export function onnxSeed(rng: Rng): { name: string; bytes: Uint8Array } {
  const models = conformanceModels();
  const r = rng.float();
  if (r < 0.25 || models.length === 0) {
    return rng.chance(0.5)
      ? { name: 'small-cnn.onnx', bytes: readFileSync(join(ROOT, 'examples/small-cnn.onnx')) }
      : { name: 'fuzz_cnn', bytes: encodeOnnx(smallConvNet()) };
  }
  const m = rng.pick(models);
  return { name: m.name, bytes: readFileSync(m.path) };
}
