/**
 * Writes test/fixtures/onnx-node from a full copy of the ONNX project's node
 * tests (default ../shared/onnx-conformance: node/<case>/{model.onnx,
 * test_data_set_0/*.pb}, LICENSE, SOURCE_COMMIT). Kept: every model.onnx and,
 * in one cases.json, each input's and output's name/dtype/dims plus the values
 * of small inputs; the .pb tensors themselves (16 MB) are left behind.
 *
 *   npm run vendor:onnx-tests [-- --from DIR] [-- --check]
 *
 * --check writes nothing and exits 1 when the committed copy differs from
 * what DIR gives.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { decodeTensorProto } from '../src/core/loaders/onnx';
import { isInteger } from '../src/core/dtype';
import { elementCount, tensorNumbers } from '../src/core/tensor-data';
import { ONNX_NODE_DIR, SMALL_INPUT_ELEMENTS, toJsonNumber, type VendoredCase, type VendoredCases, type VendoredTensor } from '../test/helpers/onnx-node-fixtures';

const ROOT = resolve(__dirname, '..');

function parseArgs(argv: string[]): { from: string; check: boolean } {
  let from = resolve(ROOT, '../shared/onnx-conformance');
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--from' && argv[i + 1]) from = resolve(argv[++i]);
    else if (argv[i] === '--check') check = true;
    else throw new Error(`unknown argument '${argv[i]}' (expected --from DIR or --check)`);
  }
  return { from, check };
}

function readTensor(file: string, keepValues: boolean): VendoredTensor {
  const t = decodeTensorProto(readFileSync(file), file);
  const out: VendoredTensor = { name: t.name, dtype: t.dtype, dims: t.dims };
  // The same test as the conformance runner always made on the .pb file.
  if (keepValues && (isInteger(t.dtype) || t.dtype === 'float32') && elementCount(t.dims) <= SMALL_INPUT_ELEMENTS) {
    const v = tensorNumbers(t);
    if (v) out.values = Array.from(v, toJsonNumber);
  }
  return out;
}

/** input_0.pb, input_1.pb, … (or output_…): they must be numbered without gaps. */
function numbered(dataDir: string, prefix: 'input' | 'output'): string[] {
  const files = readdirSync(dataDir).filter((f) => f.startsWith(`${prefix}_`) && f.endsWith('.pb'));
  const sorted = files.map((_, i) => `${prefix}_${i}.pb`);
  const missing = sorted.filter((f) => !files.includes(f));
  if (missing.length) throw new Error(`${dataDir}: ${missing.join(', ')} missing among ${files.join(', ')}`);
  return sorted.map((f) => join(dataDir, f));
}

function readCase(caseDir: string): VendoredCase {
  const data = join(caseDir, 'test_data_set_0');
  if (!existsSync(data)) return { inputs: [], outputs: [] };
  return {
    inputs: numbered(data, 'input').map((f) => readTensor(f, true)),
    outputs: numbered(data, 'output').map((f) => readTensor(f, false)),
  };
}

/** One case a line: diffs after an upgrade show which cases changed. */
function formatCases(v: VendoredCases): string {
  const lines = Object.entries(v.cases).map(([name, c]) => `    ${JSON.stringify(name)}: ${JSON.stringify(c)}`);
  return `{\n  "sourceCommit": ${JSON.stringify(v.sourceCommit)},\n  "cases": {\n${lines.join(',\n')}\n  }\n}\n`;
}

function main(): number {
  const { from, check } = parseArgs(process.argv.slice(2));
  const nodeDir = join(from, 'node');
  if (!existsSync(nodeDir)) throw new Error(`${nodeDir}: no ONNX node tests there (pass --from DIR, the folder holding node/, LICENSE and SOURCE_COMMIT)`);
  const names = readdirSync(nodeDir).filter((d) => existsSync(join(nodeDir, d, 'model.onnx'))).sort();
  const sourceCommit = readFileSync(join(from, 'SOURCE_COMMIT'), 'utf8').trim();
  const vendored: VendoredCases = { sourceCommit, cases: {} };
  for (const name of names) vendored.cases[name] = readCase(join(nodeDir, name));

  // Every file of the copy, by its path under test/fixtures/onnx-node.
  const files = new Map<string, Uint8Array | string>([
    ['cases.json', formatCases(vendored)],
    ['LICENSE', readFileSync(join(from, 'LICENSE'))],
    ['SOURCE_COMMIT', `${sourceCommit}\n`],
  ]);
  for (const name of names) files.set(join('node', name, 'model.onnx'), readFileSync(join(nodeDir, name, 'model.onnx')));

  const modelBytes = names.reduce((a, n) => a + (files.get(join('node', n, 'model.onnx')) as Uint8Array).length, 0);
  const summary = `${names.length} cases, ${modelBytes.toLocaleString('en-US')} bytes of models, cases.json ${(files.get('cases.json') as string).length.toLocaleString('en-US')} bytes (onnx/onnx ${sourceCommit})`;

  if (check) {
    const differ: string[] = [];
    for (const [path, content] of files) {
      const p = join(ONNX_NODE_DIR, path);
      if (!existsSync(p) || !Buffer.from(content).equals(readFileSync(p))) differ.push(path);
    }
    const extra = existsSync(join(ONNX_NODE_DIR, 'node')) ? readdirSync(join(ONNX_NODE_DIR, 'node')).filter((d) => !names.includes(d)) : [];
    for (const d of extra) differ.push(join('node', d) + ' (not in the source)');
    if (differ.length) {
      console.error(`${relative(ROOT, ONNX_NODE_DIR)} differs from ${from} in ${differ.length} files: ${differ.slice(0, 10).join(', ')}${differ.length > 10 ? ', …' : ''}`);
      return 1;
    }
    console.log(`${relative(ROOT, ONNX_NODE_DIR)} matches ${from}: ${summary}`);
    return 0;
  }

  // Cases dropped upstream must not linger: node/ is rewritten whole.
  rmSync(join(ONNX_NODE_DIR, 'node'), { recursive: true, force: true });
  for (const [path, content] of files) {
    const p = join(ONNX_NODE_DIR, path);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, content);
  }
  console.log(`wrote ${relative(ROOT, ONNX_NODE_DIR)}: ${summary}`);
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  console.error(`vendor-onnx-node-tests: ${(e as Error).message}`);
  process.exitCode = 1;
}
