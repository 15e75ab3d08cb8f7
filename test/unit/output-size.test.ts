/**
 * The output-size formula shown in hovers (`out = ⌊(55 + 2·0 − 3)/2⌋ + 1 = 27`):
 * the written expression, evaluated on its own, must give the size the ONNX
 * project's node tests expect, for every conv/pool/transpose case there.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { outputSizeFormulas, type AxisFormula } from '../../src/core/analysis/output-size';
import { loadOnnx } from '../../src/core/loaders/onnx';
import { onnxNodeCase, onnxNodeCaseNames, onnxNodeModelPath } from '../helpers/onnx-node-fixtures';
import type { Node } from '../../src/core/ir';

/** Evaluates the text between `out =` and the stated result, as a reader would: ⌊⌋ floor, ⌈⌉ ceiling, · times, − minus. */
function evaluate(f: AxisFormula): { expr: number; stated: number } {
  const parts = f.text.replace(/\s*\([a-z_][^)]*\)/g, '').split(' = ');
  assert.equal(parts[0], 'out', f.text);
  const js = parts[1].replace(/⌊/g, 'Math.floor(').replace(/⌋/g, ')').replace(/⌈/g, 'Math.ceil(').replace(/⌉/g, ')').replace(/·/g, '*').replace(/−/g, '-');
  assert.match(js, /^[\d\s+\-*/().Mathflorcei]+$/, `only arithmetic in ${f.text}`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the text is checked above to be arithmetic and Math.floor/ceil only
  const expr = new Function(`return ${js};`) as () => unknown;
  return { expr: Number(expr()), stated: Number(parts[parts.length - 1]) };
}

const node = (opType: string, attributes: Node['attributes']): Node => ({ name: 'n', opType, domain: '', attributes, inputs: ['x', 'w'], outputs: ['y'] });
const ints = (value: number[]) => ({ type: 'ints' as const, value });

describe('output-size formulas', () => {
  it('AlexNet S2, the issue\'s example: out = ⌊(55 + 2·0 − 3)/2⌋ + 1 = 27', () => {
    const f = outputSizeFormulas(node('MaxPool', { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([0, 0, 0, 0]) }), [1, 96, 55, 55]);
    assert.deepEqual(f, [{ axes: 'H, W', text: 'out = ⌊(55 + 2·0 − 3)/2⌋ + 1 = 27', out: 27 }]);
  });

  it('same padding: ⌈in/s⌉ with the pads it resolves to (TensorFlow puts the odd pixel at the end)', () => {
    const f = outputSizeFormulas(node('Conv', { kernel_shape: ints([7, 7]), strides: ints([2, 2]), auto_pad: { type: 'string', value: 'SAME_UPPER' } }), [1, 3, 224, 224]);
    assert.deepEqual(f?.map((x) => x.text), ['out = ⌈224/2⌉ = 112 (padding same: pads 2 + 3)']);
  });

  it('axes that differ get a line each; dilation shows the effective kernel', () => {
    const f = outputSizeFormulas(node('Conv', { kernel_shape: ints([3, 3]), dilations: ints([2, 1]), pads: ints([1, 0, 1, 0]) }), [1, 3, 10, 12]);
    assert.deepEqual(f?.map((x) => `${x.axes}: ${x.text}`), ['H: out = ⌊(10 + 2·1 − (2·(3 − 1) + 1))/1⌋ + 1 = 8', 'W: out = ⌊(12 + 2·0 − 3)/1⌋ + 1 = 10']);
  });

  it('nothing for other ops or symbolic sizes', () => {
    assert.equal(outputSizeFormulas(node('Relu', {}), [1, 3, 8, 8]), undefined);
    assert.equal(outputSizeFormulas(node('MaxPool', { kernel_shape: ints([2, 2]) }), [1, 3, 'H', 8]), undefined);
  });

  const cases = onnxNodeCaseNames().filter((n) => /^test_(conv_|conv_with|convtranspose|maxpool_(1d|2d|3d)|averagepool|lppool)/.test(n));
  it(`every ONNX node test of Conv, ConvTranspose, MaxPool, AveragePool and LpPool (${cases.length} cases): the expression gives the expected output size`, () => {
    assert.ok(cases.length >= 60, `found only ${cases.length} cases`);
    let checked = 0;
    for (const name of cases) {
      const model = loadOnnx(readFileSync(onnxNodeModelPath(name)), { file: name });
      const n = model.graph.nodes[0];
      // test_data_set_0: input_0 is X, input_1 (Conv, ConvTranspose) the weights W, output_0 Y.
      const data = onnxNodeCase(name);
      const x = data.inputs[0].dims;
      const w = n.opType.startsWith('Conv') ? data.inputs[1]?.dims : undefined;
      const expected = data.outputs[0].dims.slice(2);
      const f = outputSizeFormulas(n, x, w);
      assert.ok(f, `${name}: no formula`);
      const axes = ['L', 'H', 'W', 'D'];
      const names = x.length === 3 ? ['L'] : x.length === 4 ? ['H', 'W'] : ['D', 'H', 'W'];
      for (const line of f) {
        const { expr, stated } = evaluate(line);
        for (const axis of line.axes.split(', ')) {
          assert.ok(axes.includes(axis));
          const want = expected[names.indexOf(axis)];
          assert.equal(stated, want, `${name} ${axis}: ${line.text} (expected ${want})`);
          assert.equal(expr, want, `${name} ${axis}: the expression of ${line.text} evaluates to ${expr}`);
          checked++;
        }
      }
    }
    assert.ok(checked >= cases.length);
  });
});
