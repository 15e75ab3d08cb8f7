/**
 * Layer alignment for `convlens diff` (core/diff/align.ts): the longest
 * common subsequence against the textbook dynamic program on thousands of
 * random sequences, and the alignment's rules on small models: names first,
 * then structure, then the same op where the orders disagree.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alignLayers, lcs, type AlignItem } from '../../src/core/diff/align';

/** The LCS length by the O(n·m) dynamic program. */
function lcsLength(x: string[], y: string[]): number {
  const n = x.length;
  const m = y.length;
  const L = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = x[i] === y[j] ? 1 + L[i + 1][j + 1] : Math.max(L[i + 1][j], L[i][j + 1]);
  return L[0][0];
}

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const item = (name: string, op: string, attrs = '', shapes = '1x8'): AlignItem => ({ name, op, full: `${op}|${attrs}|${shapes}`, opAttrs: `${op}|${attrs}`, opShapes: `${op}|${shapes}` });

describe('layer alignment', () => {
  it('Myers\' LCS has the dynamic program\'s length, and its pairs match, in order, on 3,000 random pairs of sequences', () => {
    const r = random(7);
    for (let t = 0; t < 3000; t++) {
      const alphabet = 'abcd'.slice(0, 1 + Math.floor(r() * 4));
      const make = () => Array.from({ length: Math.floor(r() * 14) }, () => alphabet[Math.floor(r() * alphabet.length)]);
      const x = make();
      const y = make();
      const pairs = lcs(x, y)!;
      assert.equal(pairs.length, lcsLength(x, y), `${x.join('')} / ${y.join('')}`);
      pairs.forEach(([i, j], k) => {
        assert.equal(x[i], y[j]);
        if (k > 0) assert.ok(i > pairs[k - 1][0] && j > pairs[k - 1][1], 'pairs in order');
      });
    }
  });

  it('names pair first; renamed layers pair by structure; an inserted block is added', () => {
    const a = [item('conv1', 'Conv', 'k3'), item('relu1', 'Relu'), item('fc', 'Gemm')];
    const b = [item('stem', 'Conv', 'k3'), item('relu1', 'Relu'), item('extra', 'Conv', 'k1'), item('extra_relu', 'Relu'), item('head', 'Gemm')];
    const al = alignLayers(a, b);
    assert.deepEqual(al.pairs.map((p) => [a[p.a].name, b[p.b].name, p.by]), [['conv1', 'stem', 'structure'], ['relu1', 'relu1', 'name'], ['fc', 'head', 'structure']]);
    assert.deepEqual(al.added.map((j) => b[j].name), ['extra', 'extra_relu']);
    assert.deepEqual(al.removed, []);
  });

  it('where the orders disagree, the same op pairs by attributes before shapes, and a different op never pairs', () => {
    const a = [item('a0', 'Conv', 'group=1', '1x64'), item('a1', 'MaxPool', 'k2', '1x64')];
    const b = [item('b0', 'Conv', 'group=32', '1x64'), item('b1', 'AveragePool', 'k2', '1x64')];
    const al = alignLayers(a, b);
    assert.deepEqual(al.pairs.map((p) => [p.a, p.b, p.by]), [[0, 0, 'structure']]);
    assert.deepEqual(al.removed, [1]);
    assert.deepEqual(al.added, [1]);
  });

  it('two renamed copies of a 20,000-layer model align completely, by structure', () => {
    const ops = ['Conv', 'Relu', 'Conv', 'Relu', 'Conv', 'Add', 'Relu'];
    const a = Array.from({ length: 20_000 }, (_, i) => item(`a${i}`, ops[i % ops.length], `k${i % 3}`, `1x${8 << (i % 4)}`));
    const b = a.map((x, i) => ({ ...x, name: `b${i}` }));
    const al = alignLayers(a, b);
    assert.equal(al.pairs.length, 20_000);
    assert.ok(al.pairs.every((p) => p.a === p.b && p.by === 'structure'));
  });
});
