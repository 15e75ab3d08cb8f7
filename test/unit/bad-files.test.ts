/**
 * Bad input never crashes or hangs: every broken file gives exit code 2 and
 * one line on stderr naming the file and the problem, without a stack trace.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCli } from '../helpers/cli';
import { externalReader } from '../../src/core/loaders/index';
import { encodeVarint } from '../../src/core/loaders/onnx-ranges';
import { onnxNodeModelPath } from '../helpers/onnx-node-fixtures';
import { tempDir } from '../helpers/temp';

const GOOD = readFileSync(onnxNodeModelPath('test_conv_with_strides_padding'));

function field(num: number, payload: Uint8Array | number[]): number[] {
  return [...encodeVarint(num * 8 + 2), ...encodeVarint(payload.length), ...payload];
}

let dir: string;

function write(name: string, bytes: Uint8Array | number[] | string): string {
  const p = join(dir, name);
  writeFileSync(p, typeof bytes === 'string' ? bytes : Buffer.from(bytes as Uint8Array));
  return p;
}

async function expectOneLineError(path: string, pattern: RegExp): Promise<void> {
  const r = await runCli('profile', path);
  assert.equal(r.code, 2, `exit code for ${path}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0], new RegExp(`^convlens: .*${path.split('/').pop()!.replace('.', '\\.')}`));
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\bat .*:\d+:\d+/, 'no stack trace');
}

describe('bad model files', () => {
  before(() => {
    dir = tempDir('convlens-bad-');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an empty file', () => expectOneLineError(write('empty.onnx', []), /empty file/));

  it('a missing file', () => expectOneLineError(join(dir, 'missing.onnx'), /cannot read/));

  it('a folder', async () => {
    mkdirSync(join(dir, 'folder.onnx'));
    await expectOneLineError(join(dir, 'folder.onnx'), /folder/);
  });

  it('random bytes', async () => {
    let seed = 7;
    const bytes = Array.from({ length: 4096 }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 16) & 0xff);
    await expectOneLineError(write('random.onnx', bytes), /not a model file/);
  });

  it('a text file', () => expectOneLineError(write('notes.onnx', 'hello, this is not a model\n'), /not a model file/));

  it('a TF.js model.json without its topology', () => expectOneLineError(write('model.json', '{"format": "layers-model"}'), /without modelTopology/));

  it('a model truncated at every tenth byte', async () => {
    for (let cut = 10; cut < GOOD.length; cut += 10) {
      const p = write(`cut${cut}.onnx`, GOOD.subarray(0, cut));
      const r = await runCli('profile', p);
      assert.equal(r.code, 2, `cut at ${cut} should fail: ${r.stdout}`);
      assert.match(r.stderr, /truncated/, `cut at ${cut}: ${r.stderr}`);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1);
    }
  });

  it('a truncated model says where', () => expectOneLineError(write('trunc.onnx', GOOD.subarray(0, 150)), /truncated at byte 150: the graph field starting at byte 16 needs 65 more bytes/));

  it('a field claiming 4 GB', async () => {
    // ir_version 8, then a graph field whose length prefix says 0xFFFFFFFF.
    await expectOneLineError(write('huge-length.onnx', [0x08, 0x08, 0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]), /truncated/);
  });

  it('subgraphs nested a hundred levels deep', async () => {
    // GraphProto{node: NodeProto{op_type: "If", attribute: AttributeProto{name:"g", type: GRAPH, g: …}}}
    let graph: number[] = [];
    for (let i = 0; i < 100; i++) {
      const attr = [...field(1, [0x67]), 0xa0, 0x01, 0x05, ...field(6, graph)];
      const node = [...field(4, [0x49, 0x66]), ...field(5, attr)];
      graph = field(1, node);
    }
    const model = [0x08, 0x08, ...field(7, graph)];
    await expectOneLineError(write('deep.onnx', model), /nested|nesting/);
  });

  it('an invalid wire type inside the graph', async () => {
    await expectOneLineError(write('wire.onnx', [0x08, 0x08, ...field(7, [0x0f, 0x00])]), /corrupt/);
  });

  it('external data outside the model folder is refused', () => {
    const read = externalReader(join(dir, 'model.onnx'));
    assert.throws(() => read('../../etc/passwd', 0, 16), /points outside the model's folder/);
    assert.throws(() => read('/etc/passwd', 0, 16), /points outside the model's folder/);
    assert.throws(() => read('missing.bin', 0, 16), /external data file 'missing.bin' is missing/);
    write('short.bin', [1, 2, 3, 4]);
    assert.throws(() => read('short.bin', 0, 16), /is 4 bytes, but a tensor needs bytes 0–16/);
    assert.deepEqual([...read('short.bin', 1, 2)], [2, 3]);
  });

  it('the built CLI prints the same one line and exits 2', () => {
    const p = write('cli-empty.onnx', []);
    const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(__dirname, '../../src/cli.ts'), 'profile', p], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim(), `convlens: cli-empty.onnx: empty file`);
  });
});
