/**
 * The model view's worker thread answers in the order it is asked. A legacy
 * .h5 loads asynchronously (HDF5 support is WebAssembly, started on first
 * use), so a view posted right behind its `open` used to run while the load
 * was still pending and fail with "no model open" (the view then stayed on
 * that error). These tests post the requests back to back to a real worker
 * thread (src/extension/model-worker.ts through tsx) and to the in-process
 * fallback; nothing here waits on a clock.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ModelHost } from '../../src/extension/model-host';
import { SpareWorker } from '../../src/extension/spare-worker';
import type { ModelWorkerApi } from '../../src/extension/model-requests';
import { kerasMnistSequential, kerasResBlockFunctional, writeKerasH5 } from '../helpers/keras-writers';
import { tempDir } from '../helpers/temp';

const WORKER = resolve(__dirname, '../../src/extension/model-worker.ts');
const OPTIONS = { budgetBytes: 2 ** 30 };
// Parameter counts from the helpers' own sums (test/helpers/keras-writers.ts).
const MNIST_PARAMS = 34_826;
const RESBLOCK_PARAMS = 4_906;

describe('model worker: requests answered in order', () => {
  let dir: string;
  before(() => (dir = tempDir('convlens-model-host-')));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [label, script] of [['worker thread', WORKER], ['in-process fallback (no worker script)', join(tmpdir(), 'no-such-model-worker.js')]] as const) {
    describe(label, () => {
      it('a view posted right behind open is of the model just loaded (.h5, which loads asynchronously)', async () => {
        const path = join(dir, `first-${label.length}.h5`);
        await writeKerasH5(path, kerasMnistSequential());
        const log: string[] = [];
        const host = new ModelHost(path, script, (l) => log.push(l));
        try {
          const [, data] = await Promise.all([host.open(), host.view(OPTIONS)]);
          assert.equal(data.report.totals.params, MNIST_PARAMS);
          if (script !== WORKER) assert.ok(log.some((l) => /is missing; loading models on the extension host's thread/.test(l)), log.join('\n'));
        } finally {
          host.dispose();
        }
      });

      it('after the file changes on disk, a re-open and the view behind it answer from the new file, never the old one', async () => {
        const path = join(dir, `changing-${label.length}.h5`);
        await writeKerasH5(path, kerasMnistSequential());
        const host = new ModelHost(path, script, () => undefined);
        try {
          await host.open();
          assert.equal((await host.view(OPTIONS)).report.totals.params, MNIST_PARAMS);
          await writeKerasH5(path, kerasResBlockFunctional());
          const [, data] = await Promise.all([host.open(), host.view(OPTIONS)]);
          assert.equal(data.report.totals.params, RESBLOCK_PARAMS);
        } finally {
          host.dispose();
        }
      });

      it('a re-open of a file that became unreadable fails the view behind it with the load error, not the old figures', async () => {
        const path = join(dir, `broken-${label.length}.h5`);
        await writeKerasH5(path, kerasMnistSequential());
        const host = new ModelHost(path, script, () => undefined);
        try {
          await host.open();
          await host.view(OPTIONS);
          writeFileSync(path, new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2]));
          const [opened, viewed] = await Promise.allSettled([host.open(), host.view(OPTIONS)]);
          assert.equal(opened.status, 'rejected');
          assert.equal(viewed.status, 'rejected');
          const message = (viewed.reason as Error).message;
          assert.equal(message, (opened.reason as Error).message);
          assert.doesNotMatch(message, /no model open/);
        } finally {
          host.dispose();
        }
      });
    });
  }

  it('a closed host fails its requests with a message instead of hanging', async () => {
    const path = join(dir, 'closed.h5');
    await writeKerasH5(path, kerasMnistSequential());
    const host = new ModelHost(path, WORKER, () => undefined);
    const view = host.view(OPTIONS);
    host.dispose();
    await assert.rejects(view, /the model was closed/);
    await assert.rejects(host.view(OPTIONS), /the model was closed/);
  });
});

describe('model workers started ahead (SpareWorker)', () => {
  const waitFor = async (cond: () => boolean, what: string) => {
    // A limit that only catches a hang; nothing is asserted about time.
    for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(cond(), what);
  };

  it('a host takes the spare, which answers for its file; the next spare starts after it', async () => {
    const dir = tempDir('convlens-spare-');
    const path = join(dir, 'mnist.h5');
    await writeKerasH5(path, kerasMnistSequential());
    const spares = new SpareWorker<ModelWorkerApi>(WORKER, 'the model worker', 0);
    const hosts: ModelHost[] = [];
    try {
      spares.prepare();
      await waitFor(() => spares.idle, 'a spare is started');
      const host = new ModelHost(path, WORKER, () => undefined, spares);
      hosts.push(host);
      const open = host.open();
      assert.equal(spares.idle, false, 'the host took the spare');
      await open;
      assert.equal((await host.view(OPTIONS)).report.totals.params, MNIST_PARAMS);
      await waitFor(() => spares.idle, 'the next spare is started');
      // A host of another worker script starts its own thread and leaves the spare alone.
      const other = new ModelHost(path, join(tmpdir(), 'no-such-model-worker.js'), () => undefined, spares);
      hosts.push(other);
      await other.open();
      assert.equal(spares.idle, true);
    } finally {
      hosts.forEach((h) => h.dispose());
      spares.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(spares.idle, false, 'disposed: no spare left running');
  });
});
