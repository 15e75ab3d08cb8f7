/**
 * One open model as the model view uses it: loaded once, profiled again
 * whenever the view's options change (batch, input shapes, budget), and
 * asked for weight statistics on demand. Pure core: the extension runs it in
 * a worker thread so loading never blocks the extension host.
 */
import { loadModelFile, type LoadedModel } from '../loaders/index';
import { largestBatchThatFits, profileModel, type ProfileOptions, type ProfileReport } from './profile';
import { layerViews, type LayerView } from './layer-view';
import { weightStats, type WeightStats } from '../analysis/weight-stats';
import type { Optimizer } from '../analysis/memory';
import type { Model } from '../ir';
import type { ExternalReader } from '../tensor-data';

export interface SessionOptions extends Omit<ProfileOptions, 'readExternal'> {
  /** Memory budget for the largest training batch that fits. */
  budgetBytes: number;
}

export interface ModelViewData {
  report: ProfileReport;
  layers: LayerView[];
  /** Figures for the view's summary header beyond the report's totals. */
  summary: {
    optimizer: Optimizer;
    /** Batch the profile was computed at; null: the model's own input shapes. */
    batch: number | null;
    /** Layer during which inference memory peaks. */
    peakLayer: string | null;
    /** Memory budget for "largest batch that fits", bytes. */
    budgetBytes: number;
    /** Largest training batch whose memory fits the budget (0: not even 1); null when unknown (or the model has no inputs). */
    largestTrainingBatch: number | 'unbounded' | null;
    /** The tool that wrote the file (ONNX producer_name). */
    producer?: string;
  };
}

export const DEFAULT_BUDGET_BYTES = 8 * 2 ** 30;

export class ModelSession {
  private constructor(private readonly loaded: LoadedModel) {}

  /** Throws ModelLoadError (file and problem) when the file cannot be read. */
  static async open(path: string): Promise<ModelSession> {
    return new ModelSession(await loadModelFile(path));
  }

  /** A model built in memory (tests, benchmarks): it has no file, so no external data. */
  static fromModel(model: Model): ModelSession {
    const readExternal: ExternalReader = (location) => {
      throw new Error(`an in-memory model has no external data file '${location}'`);
    };
    return new ModelSession({ model, readExternal, fileBytes: 0 });
  }

  view(o: SessionOptions): ModelViewData {
    const model = this.loaded.model;
    const options: ProfileOptions = { ...o, readExternal: this.loaded.readExternal };
    const profile = profileModel(model, options);
    const largest = profile.report.inputs.length > 0 ? largestBatchThatFits(model, o.budgetBytes, 'training', options).batch : null;
    const summary: ModelViewData['summary'] = {
      optimizer: o.optimizer ?? 'adam',
      batch: o.batch ?? null,
      peakLayer: profile.details.peakLayer,
      budgetBytes: o.budgetBytes,
      largestTrainingBatch: largest,
    };
    if (model.producer) summary.producer = model.producer;
    return { report: profile.report, layers: layerViews(model, profile), summary };
  }

  /** Statistics of the weight feeding input `input` of layer `layer`. */
  weightStats(layer: number, input: number): WeightStats {
    const node = this.loaded.model.graph.nodes[layer];
    if (!node) throw new Error(`no layer #${layer}`);
    const name = node.inputs[input];
    const data = name ? this.loaded.model.graph.values.get(name)?.data : undefined;
    if (!data) throw new Error(`input ${input} of ${node.name} is not a stored weight`);
    const stats = weightStats(data, this.loaded.readExternal);
    if (!stats) throw new Error(`the elements of ${name} are not available (${data.storage.kind === 'external' ? 'external data file missing' : `${data.dtype} data`})`);
    return stats;
  }
}
