/**
 * What the definition worker (definition-worker.ts) answers: the editor's
 * analysis of a `*.cnn.yaml` / Keras JSON text with the graph-node locations
 * of its items, and Export to ONNX. Also run in-process when no worker can
 * start. No `vscode` import.
 */
import { analyseDefinition, type DefinitionAnalysis, type DefinitionFormat } from '../core/report/definition-view';
import { definitionLocations, type NodeLocation } from '../core/report/definition-sync';
import { loadModelBytes } from '../core/loaders/index';
import { exportOnnx, exportOpset, isLowered } from '../core/export/onnx-export';
import { ModelLoadError } from '../core/errors';
import type { WorkerHandlers } from './worker-thread';

export interface DefinitionFigures {
  analysis: DefinitionAnalysis;
  /** Which text range each graph node came from (graph ↔ text selection sync). */
  locations: NodeLocation[];
}

export type DefinitionWorkerApi = {
  analyse: { params: { text: string; format: DefinitionFormat }; reply: DefinitionFigures };
  /** A definition or model file's bytes → a runnable ONNX model, the opset written and whether its weights are initial values. */
  exportOnnx: { params: { bytes: Uint8Array; file: string }; reply: { onnx: Uint8Array; opset: number; initialWeights: boolean } };
};

export function definitionFigures(text: string, format: DefinitionFormat): DefinitionFigures {
  return { analysis: analyseDefinition(text, format), locations: [...definitionLocations(text, format).nodes] };
}

export const definitionRequestHandlers: WorkerHandlers<DefinitionWorkerApi> = {
  analyse: ({ text, format }) => definitionFigures(text, format),
  async exportOnnx({ bytes, file }) {
    try {
      const model = await loadModelBytes(bytes, file);
      return { onnx: exportOnnx(model), opset: exportOpset(model), initialWeights: isLowered(model) };
    } catch (err) {
      // A load error names the file already; anything else gets it here.
      throw err instanceof ModelLoadError ? err : new Error(`${file}: ${(err as Error).message}`);
    }
  },
};
