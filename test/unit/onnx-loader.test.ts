/** ONNX loader details: old IR forms, content sniffing, unset dims. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { onnxTypes } from '../../src/core/onnx/schema';
import { loadOnnx, matchOnnx } from '../../src/core/loaders/onnx';
import { profileModel } from '../../src/core/report/profile';

const { ModelProto } = onnxTypes();

const f32 = (name: string, dims: (number | string | null)[]) => ({
  name,
  type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (d === null ? {} : typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

/** IR version 3 (opset 7): initializers are listed among the graph inputs too. */
function irV3(): Uint8Array {
  const msg = ModelProto.fromObject({
    irVersion: 3,
    opsetImport: [{ domain: '', version: 7 }],
    graph: {
      name: 'old',
      node: [{ opType: 'Conv', input: ['x', 'W'], output: ['y'], attribute: [{ name: 'kernel_shape', type: 7, ints: [3, 3] }] }],
      input: [f32('x', ['batch', 3, 8, 8]), f32('W', [4, 3, 3, 3])],
      output: [f32('y', [null, null, null, null])],
      initializer: [{ name: 'W', dataType: 1, dims: [4, 3, 3, 3], rawData: new Uint8Array(4 * 3 * 9 * 4) }],
    },
  });
  return ModelProto.encode(msg).finish();
}

describe('ONNX loader', () => {
  it('IR 3: an initializer listed as an input is a weight, not an input', () => {
    const m = loadOnnx(irV3(), { file: 'old.onnx' });
    assert.deepEqual(m.graph.inputs, ['x']);
    assert.deepEqual({ ...m.opset }, { '': 7 });
    const { report } = profileModel(m);
    assert.equal(report.totals.params, 108);
    assert.deepEqual(report.outputs[0].shape, ['batch', 4, 6, 6]);
  });

  it('a dim with neither value nor name is unknown, named after its value and axis', () => {
    const m = loadOnnx(irV3(), { file: 'old.onnx' });
    assert.deepEqual(m.graph.values.get('y')!.shape, ['?y[0]', '?y[1]', '?y[2]', '?y[3]']);
  });

  it('recognises ONNX by its bytes, whatever the name', () => {
    assert.equal(matchOnnx(irV3()), true);
    assert.equal(matchOnnx(new TextEncoder().encode('{"modelTopology": {}}')), false);
    assert.equal(matchOnnx(Uint8Array.from([0x89, 0x48, 0x44, 0x46])), false);
    assert.equal(matchOnnx(Uint8Array.from([0x08, 0xc8, 0x01, 0x3a, 0x00])), false, 'ir_version 200 is not a real IR version');
  });
});

describe('hostile functions', () => {
  it('a function that calls itself is reported, not followed forever', () => {
    const m = loadOnnx(irV3(), { file: 'old.onnx' });
    m.functions.set('evil:Loop', {
      name: 'Loop', domain: 'evil', inputs: ['a'], outputs: ['b'], attributes: [], attributeDefaults: {}, opset: { '': 17 },
      nodes: [{ name: 'again', opType: 'Loop', domain: 'evil', attributes: {}, inputs: ['a'], outputs: ['b'] }],
    });
    m.graph.nodes.push({ name: 'call', opType: 'Loop', domain: 'evil', attributes: {}, inputs: ['y'], outputs: ['z'] });
    const { report } = profileModel(m);
    assert.ok(report.warnings.some((w) => /function evil:Loop calls itself/.test(w)), report.warnings.join('\n'));
    assert.equal(report.layers[1].outputs[0].shape, null);
  });
});
