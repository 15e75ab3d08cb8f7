/**
 * One open model as the model view uses it: loaded once, profiled again
 * whenever the view's options change (batch, input shapes, budget), and
 * asked for weight statistics on demand. Pure core: the extension runs it in
 * a worker thread so loading never blocks the extension host.
 */
import type { TorchResult } from '../pytorch/bridge-types';
import { withTorchFacts } from './pytorch';
import { loadModelFile, type LoadedModel } from '../loaders/index';
import { ModelLoadError } from '../errors';
import { largestBatchThatFits, profileModel, type Profile, type ProfileOptions, type ProfileReport } from './profile';
import { layerViews, type LayerView } from './layer-view';
import { weightStats, type WeightStats } from '../analysis/weight-stats';
import type { Optimizer } from '../analysis/memory';
import type { Model } from '../ir';
import { dataThroughIdentity, type ExternalReader } from '../tensor-data';
import { mergedView, type CompareData } from '../diff/compare-view';
import { diffModels } from '../diff/model-diff';

export interface SessionOptions extends Omit<ProfileOptions, 'readExternal'> {
  /** Memory budget for the largest training batch that fits. */
  budgetBytes: number;
}

export interface ModelViewData {
  report: ProfileReport;
  layers: LayerView[];
  /** A compare view: the merged model of two, each layer's diff status and both sides' figures (diff/compare-view.ts). */
  compare?: CompareData;
  /** Figures for the view's summary header beyond the report's totals. */
  summary: {
    optimizer: Optimizer;
    /** Batch the profile was computed at; null: the model's own input shapes. */
    batch: number | null;
    /** Layer during which inference memory peaks. */
    peakLayer: string | null;
    /** Memory budget for "largest batch that fits", bytes. */
    budgetBytes: number;
    /**
     * Largest training batch whose memory fits the budget (0: not even 1);
     * null when unknown (or the model has no inputs); 'pending' until
     * `batchFit` answers (it profiles again: not needed for the first paint).
     */
    largestTrainingBatch: number | 'unbounded' | null | 'pending';
    /** The tool that wrote the file (ONNX producer_name). */
    producer?: string;
  };
}

/** The memory budget the model view's largest training batch fits when the setting is unset (`convlens.profile.memoryBudget`). */
export const DEFAULT_BUDGET = '8 GiB';
export const DEFAULT_BUDGET_BYTES = 8 * 2 ** 30;

export class ModelSession {
  /** Names of the layers the last view listed: the webview's layer indices point into them. */
  private layerNames: string[] = [];

  private constructor(
    private readonly loaded: LoadedModel,
    /** The file is a PyTorch model's ONNX export: reports take torch's facts (report/pytorch.ts). */
    private readonly torch?: TorchResult,
    /** A compare view: this model (B) against `before` (A); views are the merged model (diff/compare-view.ts). */
    private readonly before?: { file: string; loaded: LoadedModel; self: string },
  ) {}

  /** Throws ModelLoadError (file and problem) when the file cannot be read. `compareWith`: a compare view of that file (A) → this one (B). */
  static async open(path: string, torch?: TorchResult, compareWith?: string): Promise<ModelSession> {
    const loaded = await loadModelFile(path);
    if (compareWith === undefined) return new ModelSession(loaded, torch);
    let before: LoadedModel;
    try {
      before = await loadModelFile(compareWith);
    } catch (e) {
      // The view names B's file; this error is A's: its message names A.
      throw new Error(e instanceof ModelLoadError ? e.message : `${compareWith}: ${(e as Error).message}`);
    }
    return new ModelSession(loaded, torch, { file: compareWith, loaded: before, self: path });
  }

  /** A compare view of two models built in memory (tests): `before` (A) → `after` (B). */
  static compareModels(before: Model, after: Model, files: { a: string; b: string } = { a: 'A', b: 'B' }): ModelSession {
    const inMemory = (model: Model): LoadedModel => ({ model, fileBytes: 0, readExternal: (location) => { throw new Error(`an in-memory model has no external data file '${location}'`); } });
    return new ModelSession(inMemory(after), undefined, { file: files.a, loaded: inMemory(before), self: files.b });
  }

  /** A model built in memory (tests, benchmarks): it has no file, so no external data. */
  static fromModel(model: Model): ModelSession {
    const readExternal: ExternalReader = (location) => {
      throw new Error(`an in-memory model has no external data file '${location}'`);
    };
    return new ModelSession({ model, readExternal, fileBytes: 0 });
  }

  /**
   * The view's data from one profile. `batchFit: 'later'` leaves the largest
   * batch that fits 'pending' (the caller asks `batchFit` after the first paint).
   */
  view(o: SessionOptions, when: { batchFit?: 'now' | 'later' } = {}): ModelViewData {
    const single = this.single(this.loaded, o, when);
    if (!this.before) {
      this.layerNames = single.data.report.layers.map((l) => l.name);
      return single.data;
    }
    const before = this.single(this.before.loaded, o, { batchFit: 'later' });
    const diff = diffModels(
      { file: this.before.file, model: this.before.loaded.model, profile: before.profile, readExternal: this.before.loaded.readExternal },
      { file: this.before.self, model: this.loaded.model, profile: single.profile, readExternal: this.loaded.readExternal },
    );
    const merged = mergedView(before.data, single.data, diff);
    this.layerNames = merged.report.layers.map((l) => l.name);
    return merged;
  }

  private single(loaded: LoadedModel, o: SessionOptions, when: { batchFit?: 'now' | 'later' }): { data: ModelViewData; profile: Profile } {
    const model = loaded.model;
    const profile = profileModel(model, { ...o, readExternal: loaded.readExternal });
    if (this.torch && loaded === this.loaded) profile.report = withTorchFacts(profile.report, this.torch, { optimizer: o.optimizer });
    const largest = when.batchFit === 'later' ? 'pending' : this.batchFit(o);
    const summary: ModelViewData['summary'] = {
      optimizer: o.optimizer ?? 'adam',
      batch: o.batch ?? null,
      peakLayer: profile.details.peakLayer,
      budgetBytes: o.budgetBytes,
      largestTrainingBatch: largest,
    };
    if (model.producer) summary.producer = model.producer;
    return { data: { report: profile.report, layers: layerViews(model, profile), summary }, profile };
  }

  /** The largest training batch within `o.budgetBytes` (null: unknown, or the model has no inputs). */
  batchFit(o: SessionOptions): number | 'unbounded' | null {
    const model = this.loaded.model;
    if (model.graph.inputs.length === 0) return null;
    return largestBatchThatFits(model, o.budgetBytes, 'training', { ...o, readExternal: this.loaded.readExternal }).batch;
  }

  /** Statistics of the weight feeding input `input` of layer `layer` (an index into the last view's layers). */
  weightStats(layer: number, input: number): WeightStats {
    // A compare view's removed layers are A's (`A:name`).
    const name0 = this.layerNames[layer] ?? '';
    const fromA = this.before !== undefined && name0.startsWith('A:');
    const graph = fromA ? this.before.loaded.model.graph : this.loaded.model.graph;
    const readExternal = fromA ? this.before.loaded.readExternal : this.loaded.readExternal;
    const node = graph.nodes.find((n) => n.name === (fromA ? name0.slice(2) : name0));
    if (!node) throw new Error(`no layer #${layer}`);
    const name = node.inputs[input];
    const data = name ? dataThroughIdentity(graph, (n) => (graph.initializers.has(n) ? graph.values.get(n)?.data : undefined))(name) : undefined;
    if (!data) throw new Error(`input ${input} of ${node.name} is not a stored weight (statistics are of the tensors stored in the file)`);
    const stats = weightStats(data, readExternal);
    if (!stats) throw new Error(`the elements of ${name} are not available (${data.storage.kind === 'external' ? 'external data file missing' : `${data.dtype} data`})`);
    return stats;
  }
}
