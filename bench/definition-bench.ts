/**
 * Editor analysis of a `*.cnn.yaml` definition (parse → lower → profile), the
 * work behind hovers, inlay hints and diagnostics on each keystroke (issue #5:
 * under 50 ms for a 200-layer definition). Prints a Markdown table.
 */
import { analyseDefinition } from '../src/core/report/definition-view';

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
