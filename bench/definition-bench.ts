/**
 * Editor analysis of a `*.cnn.yaml` definition (parse → lower → profile), the
 * work behind hovers, inlay hints and diagnostics on each keystroke (issue #5:
 * under 50 ms for a 200-layer definition). Prints a Markdown table.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyseDefinition } from '../src/core/report/definition-view';
import { loadCnnYaml } from '../src/core/loaders/cnn-yaml-model';
import { exportOnnx } from '../src/core/export/onnx-export';
import { profileModel } from '../src/core/report/profile';
import { DefinitionAnalyser } from '../src/extension/definition-analyser';

/** `layers` layers in stages of conv/BN/ReLU triples with a pool between stages, written out one per line. */
function definition(layers: number): string {
  const lines = ['name: bench', 'input: [224, 224, 3]', 'layers:'];
  let n = 0;
  let filters = 16;
  while (n < layers - 3) {
    for (let k = 0; k < 10 && n < layers - 3; k++, n += 3) {
      lines.push(`  - Conv2D: {filters: ${filters}, kernel_size: 3, padding: same, use_bias: false}`, '  - BatchNormalization: {}', '  - ReLU: {}');
    }
    if (n < layers - 3) {
      lines.push('  - MaxPooling2D: {pool_size: 2, padding: same}');
      n++;
      filters = Math.min(filters * 2, 512);
    }
  }
  lines.push('  - GlobalAveragePooling2D: {}', '  - Dense: {units: 1000, activation: softmax}');
  return lines.join('\n') + '\n';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const rows: string[] = [];
for (const layers of [50, 200, 1000]) {
  const text = definition(layers);
  const items = analyseDefinition(text).items.length;
  for (let i = 0; i < 5; i++) analyseDefinition(text);
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t = performance.now();
    analyseDefinition(text);
    times.push(performance.now() - t);
  }
  const ms = median(times);
  const goal = layers === 200 ? '< 50 ms' : '';
  rows.push(`| ${layers} | ${items} | ${ms.toFixed(1)} | ${Math.max(...times).toFixed(1)} | ${goal} | ${goal ? (ms < 50 ? 'PASS' : 'MISS') : ''} |`);
}
console.log('\n## Definition analysis per keystroke (parse → lower → profile; median of 21 after 5 warm-up runs)\n');
console.log('| layers | items analysed | median ms | max ms | goal | result |');
console.log('|---:|---:|---:|---:|:--|:--|');
for (const r of rows) console.log(r);

// The same per-keystroke analysis for a Keras model JSON text (TF.js's own
// model.json of the same kind of stack), and the export of definitions to
// ONNX (He-normal fill of every weight, encoding).
function kerasJson(layers: number): string {
  const list: unknown[] = [];
  let n = 0;
  let filters = 16;
  const conv = (name: string, f: number) => ({ class_name: 'Conv2D', config: { name, filters: f, kernel_size: [3, 3], padding: 'same', use_bias: false, activation: 'linear' } });
  list.push({ class_name: 'InputLayer', config: { name: 'input', batch_input_shape: [null, 224, 224, 3] } });
  while (n < layers - 3) {
    for (let k = 0; k < 10 && n < layers - 3; k++, n += 3) {
      list.push(conv(`conv${n}`, filters), { class_name: 'BatchNormalization', config: { name: `bn${n}`, axis: -1 } }, { class_name: 'ReLU', config: { name: `relu${n}` } });
    }
    if (n < layers - 3) {
      list.push({ class_name: 'MaxPooling2D', config: { name: `pool${n}`, pool_size: [2, 2], padding: 'same' } });
      n++;
      filters = Math.min(filters * 2, 512);
    }
  }
  list.push({ class_name: 'GlobalAveragePooling2D', config: { name: 'gap' } }, { class_name: 'Dense', config: { name: 'fc', units: 1000, activation: 'softmax' } });
  return JSON.stringify({ class_name: 'Sequential', config: { name: 'bench', layers: list }, keras_version: '2.15.0', backend: 'tensorflow' }, null, 1);
}

const jsonRows: string[] = [];
for (const layers of [50, 200]) {
  const text = kerasJson(layers);
  const items = analyseDefinition(text, 'keras-json').items.length;
  for (let i = 0; i < 5; i++) analyseDefinition(text, 'keras-json');
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t = performance.now();
    analyseDefinition(text, 'keras-json');
    times.push(performance.now() - t);
  }
  const ms = median(times);
  jsonRows.push(`| ${layers} | ${(text.length / 1024).toFixed(0)} KiB | ${items} | ${ms.toFixed(1)} | ${Math.max(...times).toFixed(1)} | ${ms < 50 ? 'PASS' : 'MISS'} (< 50 ms) |`);
}
console.log('\n## Keras model JSON in the editor (jsonc-parser → lower → profile; median of 21)\n');
console.log('| layers | text | items | median ms | max ms | result |');
console.log('|---:|---:|---:|---:|---:|:--|');
for (const r of jsonRows) console.log(r);

const exportRows: string[] = [];
for (const name of ['lenet5', 'resnet18', 'mobilenet', 'vgg16']) {
  const file = join(resolve(__dirname, '..'), 'examples', `${name}.cnn.yaml`);
  const model = loadCnnYaml(readFileSync(file, 'utf8'), file);
  const t = performance.now();
  const bytes = exportOnnx(model);
  const ms = performance.now() - t;
  exportRows.push(`| ${name} | ${profileModel(model).report.totals.params!.toLocaleString('en-US')} | ${(bytes.length / 2 ** 20).toFixed(1)} MiB | ${ms.toFixed(0)} |`);
}
console.log('\n## Export to ONNX (He-normal weights, opset 17; one run)\n');
console.log('| definition | params | file | ms |');
console.log('|---|---:|---:|---:|');
for (const r of exportRows) console.log(r);

// In the editor the analysis runs in a worker thread (src/extension/definition-analyser.ts):
// each keystroke's analysis pays the messages both ways on top of the analysis itself, and a
// fresh worker (the first analysis, or after one was stopped) pays for loading its bundle.
async function workerBench(): Promise<void> {
  const workerScript = join(resolve(__dirname, '..'), 'dist', 'definition-worker.js');
  const workerRows: string[] = [];
  for (const layers of [50, 200, 1000]) {
    const text = definition(layers);
    const analyser = new DefinitionAnalyser({ workerScript, log: () => undefined });
    let t = performance.now();
    await analyser.analyse('bench', 0, () => text, 'yaml');
    const first = performance.now() - t;
    const times: number[] = [];
    for (let version = 1; version <= 26; version++) {
      t = performance.now();
      await analyser.analyse('bench', version, () => text, 'yaml');
      if (version > 5) times.push(performance.now() - t);
    }
    analyser.dispose();
    workerRows.push(`| ${layers} | ${first.toFixed(0)} | ${median(times).toFixed(1)} | ${Math.max(...times).toFixed(1)} |`);
  }
  console.log(`\n## Definition analysis through the worker thread (${workerScript.replace(/.*\/dist\//, 'dist/')}; median of 21 new versions after 5)\n`);
  console.log('| layers | first analysis, worker start included (ms) | median ms per version | max ms |');
  console.log('|---:|---:|---:|---:|');
  for (const r of workerRows) console.log(r);
}

// Large definitions (issue #11): a Repeat of 10,000 layers must stay linear. What the user waits
// for is the whole CLI run (a fresh process: start, parse, lower, profile, print), so each
// sample is a cold process; median of 5. The 100,000-layer row is the expansion limit.
function largeDefinitionBench(): void {
  const dir = mkdtempSync(join(tmpdir(), 'convlens-bench-large-'));
  const rows: string[] = [];
  try {
    for (const layers of [1_000, 10_000, 100_000]) {
      const path = join(dir, `repeat-${layers}.cnn.yaml`);
      writeFileSync(path, `input: [32, 32, 3]\nlayers:\n  - Repeat:\n      times: ${layers}\n      layers:\n        - Conv2D: {filters: 8, kernel_size: 3, padding: same}\n`);
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        const r = spawnSync(process.execPath, [join(resolve(__dirname, '..'), 'dist', 'cli.js'), 'profile', path, '--json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
        times.push(performance.now() - t);
        if (r.status !== 0) throw new Error(`convlens profile ${path}: ${r.stderr}`);
      }
      const goal = layers === 10_000 ? '< 1 s' : '';
      const ms = median(times);
      rows.push(`| ${layers.toLocaleString('en-US')} | ${ms.toFixed(0)} | ${(ms / layers * 1000).toFixed(1)} | ${goal} | ${goal ? (ms < 1000 ? 'PASS' : 'MISS') : ''} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\n## Large definitions: `convlens profile --json`, cold process end to end (median of 5)\n');
  console.log('| layers | ms | µs per layer | goal | result |');
  console.log('|---:|---:|---:|:--|:--|');
  for (const r of rows) console.log(r);
}

largeDefinitionBench();
void workerBench();
