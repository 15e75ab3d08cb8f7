/**
 * What the model worker (model-worker.ts) answers, as handlers that also run
 * in-process when no worker can start. The open model is kept as a promise:
 * a request after an `open` answers from that load, or fails with its
 * error, never from the model before it nor with "no model open".
 */
import { ModelLoadError } from '../core/errors';
import { loadModelFile } from '../core/loaders/index';
import { ModelSession, type ModelViewData, type SessionOptions } from '../core/report/model-session';
import { profileModel, type ProfileOptions, type ProfileReport } from '../core/report/profile';
import type { WeightStats } from '../core/analysis/weight-stats';
import { errorMessage } from '../protocol';
import type { WorkerHandlers } from './worker-thread';
import type { TorchResult } from '../core/pytorch/bridge-types';

export type ModelWorkerApi = {
  /** (Re)load the file; later requests answer from this load. */
  /** `torch`: the file is a PyTorch model's export; its report takes torch's facts (parameters, modules). */
  open: { params: { path: string; torch?: TorchResult; compareWith?: string }; reply: null };
  /** The view's data from one profile; its largest batch that fits is 'pending' (ask `batchFit`). */
  view: { params: { options: SessionOptions }; reply: ModelViewData };
  batchFit: { params: { options: SessionOptions }; reply: number | 'unbounded' | null };
  stats: { params: { layer: number; input: number }; reply: WeightStats };
  /** Load and profile a file once, without keeping it (the static-profile command). */
  profile: { params: { path: string; options: Omit<ProfileOptions, 'readExternal'> }; reply: ProfileReport };
};

/** A load error's problem is the user's message; the caller names the file. */
export function describeModelError(err: unknown): string {
  return err instanceof ModelLoadError ? err.problem : errorMessage(err);
}

export function modelRequestHandlers(): WorkerHandlers<ModelWorkerApi> {
  let session: Promise<ModelSession> | undefined;
  const current = () => {
    if (!session) throw new Error('no model open');
    return session;
  };
  return {
    async open({ path, torch, compareWith }) {
      session = ModelSession.open(path, torch, compareWith);
      // Kept even when it fails: the requests after it report the same error.
      session.catch(() => undefined);
      await session;
      return null;
    },
    view: async ({ options }) => (await current()).view(options, { batchFit: 'later' }),
    batchFit: async ({ options }) => (await current()).batchFit(options),
    stats: async ({ layer, input }) => (await current()).weightStats(layer, input),
    async profile({ path, options }) {
      const loaded = await loadModelFile(path);
      return profileModel(loaded.model, { ...options, readExternal: loaded.readExternal }).report;
    },
  };
}
