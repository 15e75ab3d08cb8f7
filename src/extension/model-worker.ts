/**
 * Worker thread (dist/model-worker.js) that holds one open model: loading,
 * profiling and weight statistics run here, off the extension host's event
 * loop. No `vscode` import. Messages: see `WorkerRequest` / `WorkerReply`.
 */
import { parentPort } from 'node:worker_threads';
import { ModelLoadError } from '../core/errors';
import { ModelSession, type SessionOptions } from '../core/report/model-session';

export type WorkerRequest =
  | { id: number; kind: 'open'; path: string }
  | { id: number; kind: 'view'; options: SessionOptions }
  | { id: number; kind: 'stats'; layer: number; input: number };

export type WorkerReply = { id: number; ok: true; value: unknown; ms: number } | { id: number; ok: false; error: string; ms: number };

let session: ModelSession | undefined;

async function handle(r: WorkerRequest): Promise<unknown> {
  switch (r.kind) {
    case 'open':
      session = undefined;
      session = await ModelSession.open(r.path);
      return null;
    case 'view':
      if (!session) throw new Error('no model open');
      return session.view(r.options);
    case 'stats':
      if (!session) throw new Error('no model open');
      return session.weightStats(r.layer, r.input);
  }
}

parentPort?.on('message', async (r: WorkerRequest) => {
  const t0 = performance.now();
  let reply: WorkerReply;
  try {
    reply = { id: r.id, ok: true, value: await handle(r), ms: performance.now() - t0 };
  } catch (err) {
    // A load error's problem is the user's message; the file is named by the caller.
    const error = err instanceof ModelLoadError ? err.problem : (err as Error).message;
    reply = { id: r.id, ok: false, error, ms: performance.now() - t0 };
  }
  parentPort!.postMessage(reply);
});
