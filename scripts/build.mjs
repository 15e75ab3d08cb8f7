// Bundles the extension and the CLI for Node, and the webview for the browser.
// `node scripts/build.mjs --watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

// For Node bundles, ES module builds first: jsonc-parser's UMD `main`
// requires its parts by computed paths that a bundle cannot follow.
const nodeMainFields = ['module', 'main'];

const targets = [
  {
    ...common,
    // The extension; its worker threads: one loads and profiles models, one
    // analyses and exports definitions as they are edited, one lays out graphs; and the child
    // process that runs models (onnxruntime-node, TensorFlow.js).
    entryPoints: {
      extension: 'src/extension.ts',
      'model-worker': 'src/extension/model-worker.ts',
      'definition-worker': 'src/extension/definition-worker.ts',
      'runtime-child': 'src/runtime/child.ts',
      // ELK for the views' first layouts, kept warm for the extension's lifetime.
      'layout-worker-node': 'src/extension/layout-worker.ts',
    },
    outdir: 'dist',
    platform: 'node',
    mainFields: nodeMainFields,
    format: 'cjs',
    target: 'node20',
    // vscode is provided by the host; native addons cannot be bundled; h5wasm's
    // Node build is an ES module (import.meta.url) loaded by import() when an .h5 opens.
    external: ['vscode', 'onnxruntime-node', '@tensorflow/tfjs-node-gpu', 'h5wasm'],
  },
  {
    ...common,
    entryPoints: { cli: 'src/cli.ts' },
    outdir: 'dist',
    platform: 'node',
    mainFields: nodeMainFields,
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    external: ['onnxruntime-node', '@tensorflow/tfjs-node-gpu', 'h5wasm'],
  },
  {
    ...common,
    // The view, the ELK layout Web Worker, and the main-thread layout used
    // only where a worker cannot start.
    entryPoints: { webview: 'webview/main.ts', 'layout-worker': 'webview/graph/layout-worker.ts', 'layout-main': 'webview/graph/layout-main.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    metafile: true,
  },
];

// The webview bundles take display helpers (src/shared/, src/core/report's formatting) and the
// protocol's types, never the engine: a value import from analysis or a loader would ship
// shape inference to the browser (it did once: 100 KB through one tensorBytes import).
const WEBVIEW_FORBIDDEN = ['src/core/analysis/', 'src/core/loaders/', 'src/core/onnx/', 'src/core/keras/', 'src/runtime/', 'src/extension/'];

function checkWebviewBundle(result) {
  const bad = new Set();
  for (const [out, o] of Object.entries(result.metafile?.outputs ?? {})) {
    if (!out.endsWith('.js')) continue;
    for (const input of Object.keys(o.inputs)) if (WEBVIEW_FORBIDDEN.some((p) => input.startsWith(p))) bad.add(`${out}: ${input}`);
  }
  if (bad.size > 0) {
    console.error(`build: the webview bundles contain engine code (import it with 'import type', or move the helper to src/shared/):\n  ${[...bad].join('\n  ')}`);
    process.exit(1);
  }
}

// TF.js's WebAssembly backend loads its .wasm binaries at run time: they go beside the runtime child.
function copyTfjsWasm() {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  mkdirSync('dist/tfjs-wasm', { recursive: true });
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(dir, f), join('dist/tfjs-wasm', f));
}

copyTfjsWasm();
// The PyTorch bridge is Python, run by the user's interpreter beside the bundles that start it.
copyFileSync('src/runtime/torch_bridge.py', 'dist/torch_bridge.py');
if (watch) {
  for (const t of targets) (await esbuild.context(t)).watch();
} else {
  const results = await Promise.all(targets.map((t) => esbuild.build(t)));
  checkWebviewBundle(results[2]);
  chmodSync('dist/cli.js', 0o755);
}
