/**
 * Runs the ONNX project's own node tests (vendored in test/fixtures/onnx-node)
 * through ConvLens' shape inference: given each test's input shapes (and the
 * values of small inputs, e.g. shape tensors and Resize scales), the inferred output shapes must equal the dims
 * of the expected outputs. The model's declared output shapes are ignored.
 */
import { readFileSync } from 'node:fs';
import { loadOnnx } from '../../src/core/loaders/onnx';
import { inferShapes } from '../../src/core/analysis/infer';
import { fromJsonNumber, onnxNodeCase, onnxNodeCaseNames, onnxNodeModelPath } from '../helpers/onnx-node-fixtures';

/** The operators issue #2 requires, keyed by the name the ONNX tests use. */
const TESTED_OPS: [prefix: string, op: string][] = [
  ['conv_', 'Conv'], ['convtranspose', 'ConvTranspose'], ['maxpool', 'MaxPool'], ['averagepool', 'AveragePool'],
  ['lppool', 'LpPool'], ['globalaveragepool', 'GlobalAveragePool'], ['globalmaxpool', 'GlobalMaxPool'],
  ['maxunpool', 'MaxUnpool'], ['batchnorm', 'BatchNormalization'], ['instancenorm', 'InstanceNormalization'],
  ['layer_normalization', 'LayerNormalization'], ['lrn', 'LRN'], ['dropout', 'Dropout'],
  ['add', 'Add'], ['sub', 'Sub'], ['mul', 'Mul'], ['div', 'Div'], ['pow', 'Pow'], ['sum', 'Sum'], ['mean', 'Mean'],
  ['max_', 'Max'], ['min_', 'Min'], ['relu', 'Relu'], ['leakyrelu', 'LeakyRelu'], ['prelu', 'PRelu'], ['elu', 'Elu'],
  ['selu', 'Selu'], ['sigmoid', 'Sigmoid'], ['hardsigmoid', 'HardSigmoid'], ['hardswish', 'HardSwish'],
  ['tanh', 'Tanh'], ['clip', 'Clip'], ['erf', 'Erf'], ['gelu', 'Gelu'], ['mish', 'Mish'], ['identity', 'Identity'],
  ['cast', 'Cast'], ['gemm', 'Gemm'], ['matmul_', 'MatMul'], ['flatten', 'Flatten'], ['reshape', 'Reshape'],
  ['transpose', 'Transpose'], ['squeeze', 'Squeeze'], ['unsqueeze', 'Unsqueeze'], ['concat', 'Concat'],
  ['split', 'Split'], ['slice', 'Slice'], ['constant_pad', 'Pad'], ['edge_pad', 'Pad'], ['reflect_pad', 'Pad'],
  ['wrap_pad', 'Pad'], ['resize', 'Resize'], ['upsample', 'Upsample'], ['depthtospace', 'DepthToSpace'],
  ['spacetodepth', 'SpaceToDepth'], ['softmax', 'Softmax'], ['logsoftmax', 'LogSoftmax'],
  ['reduce_mean', 'ReduceMean'], ['reduce_max', 'ReduceMax'], ['reduce_sum', 'ReduceSum'], ['shape', 'Shape'],
  ['gather_', 'Gather'], ['constantofshape', 'ConstantOfShape'], ['constant', 'Constant'], ['expand', 'Expand'],
  ['tile', 'Tile'],
];

/** The required operator a test exercises, or undefined for tests of other operators. */
export function testedOp(testName: string): string | undefined {
  const base = testName.replace(/^test_/, '') + '_';
  let best: [string, string] | undefined;
  for (const [prefix, op] of TESTED_OPS) {
    if (base.startsWith(prefix) && (!best || prefix.length > best[0].length)) best = [prefix, op];
  }
  return best?.[1];
}

export interface CaseResult {
  name: string;
  op: string | undefined;
  ok: boolean;
  detail: string;
  /** False for tests with no tensor outputs (sequence/optional types): nothing to compare. */
  applicable?: boolean;
}

export const listCases = onnxNodeCaseNames;

export function runCase(name: string): CaseResult {
  const op = testedOp(name);
  try {
    const model = loadOnnx(readFileSync(onnxNodeModelPath(name)), { file: `${name}/model.onnx` });
    // test_data_set_0 as vendored: input_i.pb feeds the model's i-th input, as in ONNX's own runner.
    const data = onnxNodeCase(name);
    const inputShapes: Record<string, number[]> = {};
    const inputValues: Record<string, number[]> = {};
    model.graph.inputs.forEach((input, i) => {
      const t = data.inputs[i];
      if (!t) return;
      inputShapes[input] = t.dims;
      // Small inputs' values too: integer shapes/indices, and float `scales` (Resize/Upsample).
      if (t.values) inputValues[input] = t.values.map(fromJsonNumber);
    });
    const result = inferShapes(model, { inputShapes, inputValues, useDeclared: false });
    const problems: string[] = [];
    let compared = 0;
    model.graph.outputs.forEach((output, i) => {
      // Sequence and optional outputs (no tensor type in the model) are not tensors to compare.
      if (!data.outputs[i] || !model.graph.values.get(output)?.dtype) return;
      compared++;
      const expected = data.outputs[i].dims;
      const got = result.values.get(output)?.shape;
      if (!got || got.length !== expected.length || got.some((d, k) => d !== expected[k])) {
        problems.push(`${output}: expected [${expected.join(',')}], got ${got ? `[${got.join(',')}]` : 'unknown'}`);
      }
    });
    const issues = result.issues.map((x) => x.message);
    if (compared === 0) return { name, op: undefined, ok: false, applicable: false, detail: 'no tensor outputs to compare (sequence/optional types)' };
    return { name, op, ok: problems.length === 0, detail: [...problems, ...issues].join('; ') };
  } catch (err) {
    return { name, op, ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

// `npx tsx test/conformance/onnx-node-cases.ts [filter]` prints every case's result.
if (require.main === module) {
  const filter = process.argv[2] ?? '';
  let pass = 0;
  let fail = 0;
  for (const name of listCases().filter((n) => n.includes(filter))) {
    const r = runCase(name);
    if (r.ok) pass++;
    else fail++;
    if (!r.ok || process.argv.includes('-v')) console.log(`${r.ok ? 'PASS' : 'FAIL'} ${name} [${r.op ?? 'not required'}] ${r.detail}`);
  }
  console.log(`${pass} passed, ${fail} failed`);
}
