/**
 * Definition analysis off the extension host's thread (DefinitionAnalyser):
 * a real worker thread (the definition worker through tsx; its probe variant
 * hangs on `# hang` and exits on `# crash`). Results are awaited, never
 * timed: the only clocks are the analyser's own limits, set far apart.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DefinitionAnalyser, type DefinitionAnalyserOptions } from '../../src/extension/definition-analyser';

const ROOT = resolve(__dirname, '../..');
const WORKER = join(ROOT, 'src/extension/definition-worker.ts');
const PROBE = join(ROOT, 'test/helpers/definition-worker-probe.ts');
const LENET = readFileSync(join(ROOT, 'examples/lenet5.cnn.yaml'), 'utf8');
const TFJS = readFileSync(join(ROOT, 'examples/tfjs-cnn/model.json'), 'utf8');
/** LeNet-5 with tanh, as written: 156 + 2,416 + 48,120 + 10,164 + 850 (the e2e suite's figure). */
const LENET_PARAMS = 61_706;

/** A small definition whose `name` tells the results apart. */
const tiny = (name: string, extra = '') => `name: ${name}\ninput: [8, 8, 1]\nlayers:\n  - Conv2D: {filters: 2, kernel_size: 3}\n${extra}`;

function analyser(options: Partial<DefinitionAnalyserOptions> = {}): { analyser: DefinitionAnalyser; log: string[] } {
  const log: string[] = [];
  return { analyser: new DefinitionAnalyser({ workerScript: PROBE, log: (l) => log.push(l), timeoutMs: 60_000, ...options }), log };
}

describe('definition analysis in a worker thread', () => {
  it('gives the figures of the core analysis (LeNet-5: 61,706 parameters) and each node\'s text range', async () => {
    const { analyser: a } = analyser({ workerScript: WORKER });
    try {
      const r = await a.analyse('lenet', 1, () => LENET, 'yaml');
      assert.equal(r?.version, 1);
      assert.equal(r?.analysis.totals?.params, LENET_PARAMS);
      assert.equal(r?.analysis.name, 'LeNet-5');
      const conv = LENET.indexOf('Conv2D');
      const node = r.locations.nodeAt(conv);
      assert.ok(node, 'the first Conv2D line maps to a graph node');
      assert.ok(r.locations.rangeOf(node)!.start <= conv);
      // Keras / TF.js JSON too: the first conv of examples/tfjs-cnn.
      const json = await a.analyse('model.json', 1, () => TFJS, 'keras-json');
      assert.ok(json?.analysis.items.some((i) => i.inputShape === 'N×32×32×3' && i.outputShape === 'N×32×32×16'));
    } finally {
      a.dispose();
    }
  });

  it('keeps results per document version: the same version is not analysed twice, nor its text read again', async () => {
    const { analyser: a } = analyser();
    try {
      const first = await a.analyse('doc', 1, () => tiny('one'), 'yaml');
      const again = await a.analyse('doc', 1, () => assert.fail('the text of an analysed version is not read again'), 'yaml');
      assert.equal(again, first);
      assert.deepEqual(a.counts, { workersStarted: 1, analysed: 1, stopped: 0 });
    } finally {
      a.dispose();
    }
  });

  it('answers documents in the order asked, one analysis at a time', async () => {
    const { analyser: a } = analyser();
    try {
      const order: string[] = [];
      await Promise.all(['a', 'b', 'c', 'd'].map((name) => a.analyse(name, 1, () => tiny(name), 'yaml').then((r) => order.push(r!.analysis.name!))));
      assert.deepEqual(order, ['a', 'b', 'c', 'd']);
    } finally {
      a.dispose();
    }
  });
});

describe('the newest version of a document wins', () => {
  it('a queued analysis of an older version never runs: it resolves empty and the newer one answers', async () => {
    const { analyser: a } = analyser();
    try {
      const other = a.analyse('other', 1, () => tiny('other'), 'yaml');
      const v1 = a.analyse('doc', 1, () => tiny('v1'), 'yaml');
      const v2 = a.analyse('doc', 2, () => tiny('v2'), 'yaml');
      assert.equal(await v1, undefined);
      assert.equal((await v2)?.analysis.name, 'v2');
      assert.equal((await other)?.analysis.name, 'other');
      // `other` and v2 only.
      assert.equal(a.counts.analysed, 2);
      // An older version asked for after a newer one gets nothing.
      assert.equal(await a.analyse('doc', 1, () => tiny('v1'), 'yaml'), undefined);
    } finally {
      a.dispose();
    }
  });

  it('the result of a running analysis of an older version is dropped', async () => {
    const { analyser: a } = analyser();
    try {
      const v1 = a.analyse('doc', 1, () => tiny('v1'), 'yaml');
      const v2 = a.analyse('doc', 2, () => tiny('v2'), 'yaml');
      assert.equal(await v1, undefined);
      assert.equal((await v2)?.analysis.name, 'v2');
    } finally {
      a.dispose();
    }
  });

  it('a superseded analysis that keeps running is stopped (without a problem on the document) and a fresh worker analyses the new version', async () => {
    // The 60 s limit never comes into it: the superseded run is stopped 50 ms after it started.
    const { analyser: a } = analyser({ supersededGraceMs: 50 });
    try {
      const v1 = a.analyse('doc', 1, () => tiny('v1', '# hang\n'), 'yaml');
      const v2 = a.analyse('doc', 2, () => tiny('v2'), 'yaml');
      assert.equal(await v1, undefined);
      const r = await v2;
      assert.equal(r?.analysis.name, 'v2');
      assert.deepEqual(r?.analysis.problems.filter((p) => p.severity !== 'information'), []);
      assert.equal(a.counts.workersStarted, 2);
      assert.equal(a.counts.stopped, 0);
    } finally {
      a.dispose();
    }
  });
});

describe('an analysis that runs too long or crashes', () => {
  it('past the time limit: the worker is terminated, the document gets a problem saying why, and a fresh worker takes the next analysis', async () => {
    // The limit also bounds the next, tiny analysis on the fresh worker: far above what it needs.
    const { analyser: a, log } = analyser({ timeoutMs: 5_000 });
    try {
      const hostile = a.analyse('hostile', 1, () => tiny('hostile', '# hang\n'), 'yaml');
      const next = a.analyse('next', 1, () => tiny('next'), 'yaml');
      const r = await hostile;
      assert.deepEqual(r?.analysis.items, []);
      assert.equal(r?.analysis.problems.length, 1);
      assert.equal(r?.analysis.problems[0].severity, 'warning');
      assert.match(r.analysis.problems[0].message, /^ConvLens stopped analysing this definition after 5 s, so it shows no hovers, inlay hints or figures until the next edit/);
      assert.equal((await next)?.analysis.name, 'next');
      assert.deepEqual(a.counts, { workersStarted: 2, analysed: 2, stopped: 1 });
      assert.ok(log.some((l) => /stopped analysing hostile \(version 1\) after 5 s/.test(l)), log.join('\n'));
      // The stopped version keeps its result: asking again does not start it over.
      assert.equal(await a.analyse('hostile', 1, () => tiny('hostile', '# hang\n'), 'yaml'), r);
      assert.equal(a.counts.stopped, 1);
    } finally {
      a.dispose();
    }
  });

  it('a worker that dies mid-analysis: the document says so and the next analysis gets a fresh worker', async () => {
    const { analyser: a } = analyser();
    try {
      const r = await a.analyse('crash', 1, () => tiny('crash', '# crash\n'), 'yaml');
      assert.equal(r?.analysis.problems[0].severity, 'error');
      assert.match(r.analysis.problems[0].message, /^ConvLens could not analyse this definition: the definition worker stopped \(exit code 3\)/);
      assert.equal((await a.analyse('crash', 2, () => tiny('fixed'), 'yaml'))?.analysis.name, 'fixed');
      assert.equal(a.counts.workersStarted, 2);
    } finally {
      a.dispose();
    }
  });

  it('when no worker can start, analysis runs in-process and the log says why', async () => {
    const { analyser: a, log } = analyser({ workerScript: join(tmpdir(), 'no-such-definition-worker.js') });
    try {
      assert.equal((await a.analyse('lenet', 1, () => LENET, 'yaml'))?.analysis.totals?.params, LENET_PARAMS);
      assert.equal(a.counts.workersStarted, 0);
      assert.ok(log.some((l) => /cannot start the definition worker .*no-such-definition-worker\.js is missing.*extension host's thread/.test(l)), log.join('\n'));
    } finally {
      a.dispose();
    }
  });
});
