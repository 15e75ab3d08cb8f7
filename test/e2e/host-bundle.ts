/** Shared by both ways of running the extension-host suite (code-server, @vscode/test-electron). */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { writeKerasH5 } from '../helpers/keras-writers';
import { exampleCnn } from '../../scripts/make-keras-examples';
import { tempDir } from '../helpers/temp';

export const ROOT = resolve(__dirname, '../..');

/** Bundles test/e2e/host/*.ts to out/e2e/host/ (vscode and mocha stay external); returns index.js. */
export async function bundleHostSuite(): Promise<string> {
  const out = join(ROOT, 'out', 'e2e', 'host');
  rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [join(ROOT, 'test/e2e/host/index.ts'), join(ROOT, 'test/e2e/host/extension.test.ts')],
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return join(out, 'index.js');
}

/**
 * A temporary workspace folder holding bundled examples (a model, a
 * definition, a .keras archive), a PyTorch export and a legacy Keras .h5 written with h5wasm
 * (HDF5 files carry timestamps, so none is committed).
 */
export async function smallCnnWorkspace(): Promise<string> {
  const ws = tempDir('convlens-ws-');
  for (const f of ['small-cnn.onnx', 'alexnet.cnn.yaml', 'keras-cnn.keras']) copyFileSync(join(ROOT, 'examples', f), join(ws, f));
  // A file PyTorch's exporter wrote (exporter Identity and Constant nodes, shape arithmetic).
  copyFileSync(join(ROOT, 'test', 'fixtures', 'torch-export-cnn.onnx'), join(ws, 'torch-export-cnn.onnx'));
  // A PyTorch source, for the Python editor's CodeLens and hovers.
  copyFileSync(join(ROOT, 'examples', 'pytorch', 'resnet18.py'), join(ws, 'resnet18.py'));
  // A state_dict torch.save wrote: the weights view.
  copyFileSync(join(ROOT, 'test', 'fixtures', 'small-state-dict.pth'), join(ws, 'small-state-dict.pth'));
  // Two definitions to compare: LeNet-5 and a copy whose C3 has 32 filters instead of 16.
  const lenet = readFileSync(join(ROOT, 'examples', 'lenet5.cnn.yaml'), 'utf8');
  writeFileSync(join(ws, 'lenet5.cnn.yaml'), lenet);
  writeFileSync(join(ws, 'lenet5-wide.cnn.yaml'), lenet.replace('filters: 16', 'filters: 32'));
  await writeKerasH5(join(ws, 'keras-cnn.h5'), exampleCnn().toJSON(null, false));
  return ws;
}
