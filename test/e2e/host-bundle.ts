/** Shared by both ways of running the extension-host suite (code-server, @vscode/test-electron). */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';

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

/** A temporary workspace folder holding the bundled example model. */
export function smallCnnWorkspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'convlens-ws-'));
  copyFileSync(join(ROOT, 'examples', 'small-cnn.onnx'), join(ws, 'small-cnn.onnx'));
  return ws;
}
