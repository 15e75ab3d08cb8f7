/**
 * Model strings cannot inject into what ConvLens writes (issue #11): node
 * names, op types and dim names that a file chose are made inert in every
 * report, one rule everywhere (src/core/report/safe-text.ts):
 *  - control characters are shown as escapes (`\x1b`, `\x07`, `\n`, `\r`,
 *    `\t`), so ANSI colours, OSC 8 links and forged lines are text and every
 *    layer stays one row;
 *  - CSV cells starting with = + - @ tab or CR get a leading ' and quotes, as
 *    OWASP's CSV-injection advice says;
 *  - Markdown cells escape | [ ] ` * and HTML's < > &.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from '../../src/core/ir';
import { profileModel, type ProfileReport } from '../../src/core/report/profile';
import { formatCsv, formatMarkdown, formatTable } from '../../src/core/report/format';
import { formatHtml } from '../../src/core/report/html';
import { formatRuntimeCsv, formatRuntimeHtml, formatRuntimeMarkdown, formatRuntimeTable } from '../../src/core/report/runtime-format';
import { csvText, mdText, visibleText } from '../../src/core/report/safe-text';
import { formatSweep } from '../../src/core/timing/sweep';
import type { RuntimeLayer, RuntimeReport } from '../../src/core/timing/runtime-report';
import { encodeOnnx } from '../../src/core/onnx/writer';
import { testModel } from '../helpers/ir';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

const HOSTILE = [
  '=HYPERLINK("http://x","y")',
  '+1',
  '-1',
  '@SUM(A1)',
  '\x1b[31mred',
  'bell\x07',
  '\x1b]8;;http://x\x07link\x1b]8;;\x07',
  'two\nlines',
  'carriage\rreturn',
  '\tcell',
  'a|b',
  '![img](http://x/t.png)',
  'rtl\u202eoverride',
];

/** Raw control characters other than the line breaks between rows (and the bidi overrides). */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** x → Relu × HOSTILE.length, each named by a hostile string; one op type and the batch dim hostile too. */
function hostileModel(): Model {
  const m = testModel({
    inputs: { x: { shape: ['=1+1', 3, 4, 4] } },
    outputs: [`y${HOSTILE.length - 1}`],
    nodes: HOSTILE.map((name, i) => ({ name, op: 'Relu', inputs: [i ? `y${i - 1}` : 'x'], outputs: [`y${i}`] })),
  });
  m.graph.nodes[1].opType = '=Evil\x1b[2J';
  m.graph.nodes[1].domain = 'evil';
  m.opset.evil = 1;
  return m;
}

const report = profileModel(hostileModel()).report;

describe('the rule itself', () => {
  it('visibleText escapes controls, C1 and bidi characters as JavaScript escapes; leaves other text alone', () => {
    assert.equal(visibleText('\x1b[31mred\x07'), '\\x1b[31mred\\x07');
    assert.equal(visibleText('a\nb\rc\td'), 'a\\nb\\rc\\td');
    assert.equal(visibleText('\x9b2J\x7f'), '\\x9b2J\\x7f');
    assert.equal(visibleText('rtl\u202eo\u2028'), 'rtl\\u202eo\\u2028');
    assert.equal(visibleText('/layer1/conv_1 × 3 — ok'), '/layer1/conv_1 × 3 — ok');
  });

  it('csvText neutralises formula starts (OWASP) and quotes what needs it', () => {
    assert.equal(csvText('=HYPERLINK("http://x","y")'), '"\'=HYPERLINK(""http://x"",""y"")"');
    assert.equal(csvText('+1'), '"\'+1"');
    assert.equal(csvText('-1'), '"\'-1"');
    assert.equal(csvText('@SUM(A1)'), '"\'@SUM(A1)"');
    assert.equal(csvText('\tcell'), '"\'\\tcell"');
    assert.equal(csvText('\rcell'), '"\'\\rcell"');
    assert.equal(csvText('a,b'), '"a,b"');
    assert.equal(csvText('conv_1'), 'conv_1');
  });

  it('mdText escapes the cell separator, links, code, emphasis and HTML', () => {
    assert.equal(mdText('a|b'), 'a\\|b');
    assert.equal(mdText('![i](http://x)'), '!\\[i\\](http://x)');
    assert.equal(mdText('`x` *y* <b> &amp;'), '\\`x\\` \\*y\\* &lt;b&gt; &amp;amp;');
    assert.equal(mdText('line\nbreak'), 'line\\\\nbreak');
  });
});

describe('static reports with hostile names', () => {
  it('table: one row per layer, controls shown as escapes', () => {
    const t = formatTable(report);
    assert.doesNotMatch(t, RAW_CONTROL);
    const rows = t.split('\n').filter((l) => /^\s*\d+ {2}/.test(l));
    assert.equal(rows.length, HOSTILE.length);
    assert.ok(rows[4].includes('\\x1b[31mred'), rows[4]);
    assert.ok(rows[6].includes('\\x1b]8;;http://x\\x07link'), rows[6]);
    assert.ok(rows[7].includes('two\\nlines'));
    assert.ok(rows[1].includes('=Evil\\x1b[2J'));
    assert.match(t, /^Inputs: x =1\+1×3×4×4 float32$/m);
  });

  it('CSV: one line per layer, formulas neutralised, quotes doubled', () => {
    const lines = formatCsv(report).trimEnd().split('\n');
    assert.equal(lines.length, HOSTILE.length + 1);
    assert.doesNotMatch(lines.join('\n'), RAW_CONTROL);
    const cells = lines.slice(1).map(parseCsvLine);
    assert.ok(cells.every((c) => c.length === 11), 'every record has the 11 columns');
    assert.deepEqual(cells.slice(0, 4).map((c) => c[1]), ['\'=HYPERLINK("http://x","y")', '\'+1', '\'-1', '\'@SUM(A1)']);
    assert.equal(cells[9][1], '\'\\tcell');
    assert.equal(cells[1][2], '\'=Evil\\x1b[2J');
    // A symbolic dim may start the shape cell: neutralised too.
    assert.equal(cells[0][3], '\'=1+1x3x4x4');
    // Our own numbers are never prefixed.
    assert.equal(cells[0][4], '0');
  });

  it('Markdown: one table row per layer, | escaped, no link or image', () => {
    const md = formatMarkdown(report);
    assert.doesNotMatch(md, RAW_CONTROL);
    const rows = md.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    assert.equal(rows.length, HOSTILE.length);
    // Nine cells per row: split on the separators that are not escaped.
    assert.ok(rows.every((r) => r.split(/(?<!\\)\|/).length === 11), rows.join('\n'));
    assert.ok(rows[10].includes('a\\|b'));
    assert.ok(rows[11].includes('!\\[img\\](http://x/t.png)'));
  });

  it('HTML: markup escaped and controls shown, as everywhere else', () => {
    const html = formatHtml(report, { title: 'evil\x1b[31m<script>.onnx' });
    assert.doesNotMatch(html, RAW_CONTROL);
    assert.ok(html.includes('<td>\\x1b[31mred</td>'));
    assert.ok(html.includes('<h1>evil\\x1b[31m&lt;script&gt;.onnx</h1>'));
    assert.equal((html.match(/<tr><td class="num">/g) ?? []).length, HOSTILE.length);
  });

  it('JSON keeps the names exactly (it is data; JSON escapes controls itself)', () => {
    const text = JSON.stringify(report);
    // eslint-disable-next-line no-control-regex -- asserts that JSON left no raw control character
    assert.doesNotMatch(text, /[\u0000-\u001f]/);
    assert.deepEqual((JSON.parse(text) as ProfileReport).layers.map((l) => l.name), HOSTILE);
  });
});

describe('measured reports and the sweep with hostile names', () => {
  const layers: RuntimeLayer[] = report.layers.map((l, i) => ({
    name: l.name, op: l.op, status: 'ran', timeMs: 0.1, share: 1 / report.layers.length, flops: l.flops,
    kernels: [`${l.name}_kernel`], kernelOps: ['Relu'], fusedLayers: [l.name], providers: [i === 3 ? '=cmd|"/C calc"!A0' : 'CPUExecutionProvider'],
  }));
  const run: RuntimeReport = {
    file: 'evil.onnx', engine: { name: 'onnxruntime', version: '1.30.0' }, requested: 'auto', providers: ['CPUExecutionProvider'],
    devices: [{ kind: 'cpu', name: 'CPU\x1b]0;pwned\x07', cores: 2 }], notices: ['notice\x1b[2J'],
    batch: 1, inputs: report.inputs, warmup: 1, runs: 5,
    latencyMs: { n: 5, min: 1, p50: 1.2, p90: 1.5, max: 2, mean: 1.3 }, throughput: 833.3, kernelSumMs: 1.3,
    layers, inserted: [{ name: '@inserted\x07', op: 'Reorder', provider: 'CPUExecutionProvider', timeMs: 0.01, share: 0.01 }],
    memory: { baselineRssBytes: 2 ** 20, loadedRssBytes: 2 ** 21, peakRssBytes: 2 ** 22, peakMethod: 'test', staticPeakActivationBytes: null, paramBytes: 0, measuredInferenceBytes: 2 ** 21, explanation: 'why\nnot' },
    warnings: ['warning about \x1b[31m'],
  };

  it('table, CSV, Markdown and HTML: one row per layer, nothing raw', () => {
    const table = formatRuntimeTable(run);
    assert.doesNotMatch(table, RAW_CONTROL);
    assert.equal(table.split('\n').filter((l) => /^\s*\d+ {2}/.test(l)).length, HOSTILE.length);
    assert.match(table, /^Device: CPU\\x1b\]0;pwned\\x07 \(2 threads\)$/m);
    const csv = formatRuntimeCsv(run).trimEnd().split('\n');
    assert.equal(csv.length, 1 + HOSTILE.length + 1);
    assert.doesNotMatch(csv.join('\n'), RAW_CONTROL);
    const cells = csv.slice(1).map(parseCsvLine);
    assert.ok(cells.every((c) => c.length === 15));
    assert.equal(cells[0][1], '\'=HYPERLINK("http://x","y")');
    assert.equal(cells[3][13], '\'=cmd|"/C calc"!A0');
    assert.equal(cells[HOSTILE.length][1], '\'@inserted\\x07');
    const md = formatRuntimeMarkdown(run);
    assert.doesNotMatch(md, RAW_CONTROL);
    assert.equal(md.split('\n').filter((l) => /^\| \d+ \|/.test(l)).length, HOSTILE.length);
    assert.doesNotMatch(formatRuntimeHtml(run, { title: 'x' }), RAW_CONTROL);
  });

  it('formatSweep shows the device, engine and stop message as text', () => {
    const s = formatSweep({
      file: 'x.onnx', engine: 'ort\x1b[31m', providers: ['CPU'], device: 'dev\x07', memoryLimitBytes: 2 ** 30,
      points: [{ batch: 1, latencyMs: { n: 1, min: 1, p50: 1, p90: 1, max: 1, mean: 1 }, throughput: 1000, peakRssBytes: 2 ** 20 }],
      stopped: { batch: 2, reason: 'error', message: 'node \'\x1b]8;;http://x\x07n\' failed' },
    });
    assert.doesNotMatch(s, RAW_CONTROL);
    assert.match(s, /^Batch sweep on ort\\x1b\[31m, CPU, dev\\x07$/m);
    assert.match(s, /^Stopped: node '\\x1b\]8;;http:\/\/x\\x07n' failed$/m);
  });
});

describe('the CLI prints model strings inert', () => {
  it('warnings in the table and errors on stderr: escapes, never raw controls', async () => {
    const dir = tempDir('convlens-inject-');
    try {
      const good = join(dir, 'hostile.onnx');
      writeFileSync(good, encodeOnnx(hostileModel()));
      const table = await runCli('profile', good);
      assert.equal(table.code, 0, table.stderr);
      assert.doesNotMatch(table.stdout, RAW_CONTROL);
      // The unknown operator's warning quotes its name.
      assert.match(table.stdout, /^warning: unknown operator evil:=Evil\\x1b\[2J/m);
      const csv = await runCli('profile', good, '--csv');
      assert.equal(csv.stdout.trimEnd().split('\n').length, HOSTILE.length + 1);
      // A file name chosen by someone else ends up in the error message.
      const bad = join(dir, 'bad\x1b[31m\x07.onnx');
      writeFileSync(bad, 'not a model');
      const r = await runCli('profile', bad);
      assert.equal(r.code, 2);
      assert.doesNotMatch(r.stderr, RAW_CONTROL);
      assert.match(r.stderr, /bad\\x1b\[31m\\x07\.onnx/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** One RFC 4180 record (no line breaks inside: the point of the test). */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (line[i] === '"') break;
        else v += line[i++];
      }
      out.push(v);
      i += 2;
    } else {
      const end = line.indexOf(',', i);
      out.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return out;
}
