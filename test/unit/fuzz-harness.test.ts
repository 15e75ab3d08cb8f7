/**
 * The fuzz harness's judge (test/fuzz/classify.ts, output-checks.ts): issue
 * #11's contract for the CLI on hostile files, checked on hand-made outputs
 * that break each rule once, on the CLI's real output for the examples
 * (which must pass), and the harness's promise that a seed gives the same cases.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { classify, normaliseReason, type RunOutcome, type SideEffects } from '../fuzz/classify';
import { checkCsv, checkJson, checkMarkdown, checkTable, parseCsv } from '../fuzz/output-checks';
import { generateCase } from '../fuzz/generate';
import { lengthFields } from '../fuzz/mutate-bytes';
import { encodeOnnx } from '../../src/core/onnx/writer';
import { smallConvNet } from '../fuzz/onnx-seeds';
import { runCli } from '../helpers/cli';

const run = (o: Partial<RunOutcome>): RunOutcome => ({ code: 0, signal: null, stdout: '', stderr: '', timedOut: false, overMemory: false, ...o });
const none: SideEffects = { secretRead: false, secretLeaked: false, inputChanged: false };
const verdict = (o: Partial<RunOutcome>, side: Partial<SideEffects> = {}, kind: Parameters<typeof classify>[1] = 'json') => classify(run(o), kind, { ...none, ...side });

describe('fuzz verdicts (issue #11: exit 0 or 2, one stderr line, no internals)', () => {
  it('exit 2 with one line naming the problem is a clean error', () => {
    assert.equal(verdict({ code: 2, stderr: 'convlens: m.onnx: truncated at byte 12\n' }).verdict, 'clean');
  });
  it('exit 2 with two lines, or with a stack trace, is a crash', () => {
    assert.equal(verdict({ code: 2, stderr: 'convlens: m.onnx: bad\nmore\n' }).verdict, 'crash');
    assert.equal(verdict({ code: 2, stderr: 'convlens: m.onnx: x\n    at f (/a/b.js:1:2)\n' }).verdict, 'crash');
  });
  it('JavaScript internals in the one line are a crash', () => {
    for (const msg of ['Cannot read properties of undefined (reading \'dims\')', 'shape.map is not a function', 'Maximum call stack size exceeded', 'Invalid typed array length: 9', 'size NaN', 'RangeError: x', 'Aborted(OOM)']) {
      assert.equal(verdict({ code: 2, stderr: `convlens: m.onnx: ${msg}\n` }).verdict, 'crash', msg);
    }
  });
  it('exit 1 (usage errors only) and signals are crashes; time-outs and the memory cap are hangs', () => {
    assert.equal(verdict({ code: 1, stderr: 'convlens: x\n' }).verdict, 'crash');
    assert.equal(verdict({ code: null, signal: 'SIGABRT' }).verdict, 'crash');
    assert.equal(verdict({ code: null, timedOut: true }).verdict, 'hang');
    assert.equal(verdict({ code: null, overMemory: true }).verdict, 'hang');
  });
  it('an escape sequence in stderr, a read or leak outside the folder, an overwritten input are bad output', () => {
    assert.equal(verdict({ code: 2, stderr: 'convlens: m.onnx: node \x1b[31mred\n' }).verdict, 'bad');
    assert.equal(verdict({ code: 2, stderr: 'convlens: m.onnx: x\n' }, { secretRead: true }).verdict, 'bad');
    assert.equal(verdict({ stdout: '{}' }, { secretLeaked: true }).verdict, 'bad');
    assert.equal(verdict({ stdout: 'Wrote x' }, { inputChanged: true }, 'export').verdict, 'bad');
  });
  it('a failed export that leaves a file behind is bad output; a successful one must leave a complete model', () => {
    assert.equal(verdict({ code: 2, stderr: 'convlens: cannot write o.onnx: EFBIG\n' }, { exportTarget: 'partial' }, 'export').verdict, 'bad');
    assert.equal(verdict({ code: 2, stderr: 'convlens: cannot write o.onnx: EFBIG\n' }, { exportTarget: 'absent' }, 'export').verdict, 'clean');
    assert.equal(verdict({ stdout: 'Wrote o.onnx\n' }, { exportTarget: 'absent' }, 'export').verdict, 'bad');
    assert.equal(verdict({ stdout: 'Wrote o.onnx\n' }, { exportTarget: 'onnx' }, 'export').verdict, 'ok');
  });
  it('one bug seen through different files is one failure class', () => {
    assert.equal(
      normaliseReason('crash: exit 2: convlens: a.onnx: node \'x\' has 3 inputs at byte 1,204'),
      normaliseReason('crash: exit 2: convlens: b.onnx: node \'/conv/Conv\' has 12 inputs at byte 99'),
    );
  });
});

describe('fuzz output checks', () => {
  it('JSON: a negative or huge figure is flagged, a negative receptive-field offset is not (README: negative in the padding)', () => {
    assert.deepEqual(checkJson('{"layers":[{"receptiveField":{"offset":[-1.5,-1.5]},"macs":4}]}'), []);
    assert.match(checkJson('{"totals":{"macs":-4}}')[0], /negative figure at \.totals\.macs/);
    assert.match(checkJson('{"totals":{"macs":1e999}}')[0], /non-finite/);
  });
  it('CSV: a cell a spreadsheet runs as a formula, quoted or not, is flagged (OWASP CSV injection)', () => {
    const header = 'index,name,op,output_shape,params,macs,flops,rf_size,rf_stride,rf_offset,activation_bytes';
    assert.deepEqual(checkCsv(`${header}\n1,conv,Conv,1x8,1,2,3,3x3,1x1,0 0,32\n`), []);
    assert.match(checkCsv(`${header}\n1,"=HYPERLINK(""x"")",Conv,1x8,1,2,3,3x3,1x1,0 0,32\n`)[0], /formula/);
    assert.match(checkCsv(`${header}\n1,conv,Conv,1x8,1,2,3,3x3,1x1,"-1 -1",32\n`)[0], /formula.*rf_offset/);
  });
  it('CSV: one row per layer, no newline or escape inside a cell, counts are digits', () => {
    const header = 'index,name,op,output_shape,params,macs,flops,rf_size,rf_stride,rf_offset,activation_bytes';
    assert.ok(checkCsv(`${header}\n1,"a\nb",Conv,1x8,1,2,3,,,,32\n`).some((p) => /newline/.test(p)));
    assert.ok(checkCsv(`${header}\n1,a,Conv,1x8,1,2,3,,,,32\n3,b,Relu,1x8,0,0,8,,,,32\n`).some((p) => /one per layer/.test(p)));
    assert.ok(checkCsv(`${header}\n1,a,Conv,1x8,1,NaN,3,,,,32\n`).some((p) => /count column macs/.test(p)));
    assert.deepEqual(parseCsv('a,"b,""c"""\n1,2\n'), [['a', 'b,"c"'], ['1', '2']]);
  });
  it('Markdown and table: a newline in a name breaks a row; an escape sequence is flagged', () => {
    assert.ok(checkMarkdown('| # | Layer |\n| ---: | --- |\n| 1 | a |\nb |\n| 2 | c |\n').some((p) => /broken by a newline/.test(p)));
    assert.ok(checkTable(' #  Layer\n--  -----\n 1  a\nb\n 2  c\n\nParameters: 1\n').some((p) => /one per layer/.test(p)));
    assert.ok(checkTable(' #  Layer\n--  -----\n 1  \x1b]8;;http://x\x07a\n').some((p) => /U\+001B/.test(p)));
  });
  it('the CLI\'s own output for every example passes every check', async () => {
    const examples = readdirSync('examples').filter((f) => /\.(onnx|cnn\.yaml|keras)$/.test(f)).map((f) => join('examples', f));
    examples.push('examples/tfjs-cnn/model.json');
    for (const file of examples) {
      for (const [flag, check] of [['--json', checkJson], ['--csv', checkCsv], ['--markdown', checkMarkdown], ['', checkTable]] as const) {
        const r = await runCli('profile', file, ...(flag ? [flag] : []));
        assert.equal(r.code, 0, `${file} ${flag}: ${r.stderr}`);
        const problems = check(r.stdout);
        assert.deepEqual(problems, [], `${file} ${flag}`);
      }
    }
  });
});

describe('fuzz cases are reproducible', () => {
  it('the same seed, format and index give the same files and command', async () => {
    for (const format of ['onnx', 'yaml', 'export'] as const) {
      for (let i = 0; i < 8; i++) {
        const [a, b] = [await generateCase(7, format, i, '/tmp/case'), await generateCase(7, format, i, '/tmp/case')];
        assert.deepEqual(a, b, `${format} #${i}`);
      }
    }
    assert.notDeepEqual(await generateCase(7, 'yaml', 0, '/tmp/case'), await generateCase(8, 'yaml', 0, '/tmp/case'));
  });
  it('length fields are found at every nesting level of an ONNX file (the targets of the huge-length mutation)', () => {
    const bytes = encodeOnnx(smallConvNet());
    const fields = lengthFields(bytes);
    // graph (1) + opset_import + producer_name, and inside the graph its nodes, initializers, inputs/outputs and their names.
    assert.ok(fields.length > 40, `${fields.length} fields`);
    assert.ok(fields.every((f) => f.payloadEnd <= bytes.length && f.lenAt < f.lenEnd));
  });
});
