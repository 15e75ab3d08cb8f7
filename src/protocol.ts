/**
 * The one message protocol between the extension and its webviews. Every
 * message either side sends is a member of these unions; the extension side
 * (`src/extension/`) and the webview (`webview/`) share nothing else.
 *
 * Layers are addressed by their index in `report.layers`.
 */
import type { ProfileReport } from './core/report/profile';
import type { LayerView } from './core/report/layer-view';
import type { WeightStats } from './core/analysis/weight-stats';
import type { ModelViewData } from './core/report/model-session';
import type { RuntimeView } from './core/timing/runtime-view';
import type { PreprocessSpec } from './core/image/preprocess';
import type { ClassScore, FeatureMapPreview } from './core/image/feature-maps';
import type { FeatureMapsSummary } from './core/image/capture';
import type { SweepReport } from './core/timing/sweep';

export type { ClassScore, FeatureMapPreview, FeatureMapsSummary, SweepReport, LayerView, PreprocessSpec, ProfileReport, RuntimeView, WeightStats };

/** The image feature maps are computed on: a bundled sample (media/samples) or a file. */
export type ImageChoice = { kind: 'sample'; file: string } | { kind: 'file'; path: string };

/** What the feature-map panel is set to; remembered per model. */
export interface FeatureMapSettings {
  image: ImageChoice;
  preprocess: PreprocessSpec;
}

/** Figures for the summary header beyond the report's totals. */
export type ViewSummary = ModelViewData['summary'];

export type ExportFormat = 'svg' | 'png';

/** Commands the extension forwards to the active view. */
export type ViewCommand = 'find' | 'fit' | 'showTable' | 'showGraph' | 'showFeatureMaps' | 'zoomIn' | 'zoomOut';

export type ToWebviewMessage =
  | { type: 'loading'; file: string }
  | { type: 'model'; file: string; report: ProfileReport; layers: LayerView[]; summary: ViewSummary }
  | { type: 'error'; file: string; message: string }
  | { type: 'weightStats'; requestId: number; stats?: WeightStats; error?: string }
  | { type: 'export'; requestId: number; format: ExportFormat }
  | { type: 'command'; command: ViewCommand }
  | { type: 'reveal'; layer: number }
  /** The last measured run of this model (null: none, or it no longer matches). */
  | { type: 'runtime'; view: RuntimeView | null }
  /** A measured run of this model started, progressed or ended. */
  | { type: 'runStatus'; running: boolean; message?: string }
  /** The last batch-size sweep of this model (null: none). */
  | { type: 'sweep'; sweep: SweepReport | null }
  /** The feature-map panel's choices: bundled samples, and this model's current settings. */
  | { type: 'featureMapsSetup'; samples: { file: string; label: string }[]; settings: FeatureMapSettings; imageLabel: string }
  | { type: 'featureMapsStatus'; running: boolean; message?: string; error?: string }
  | { type: 'featureMapsCaptured'; summary: FeatureMapsSummary | null }
  | { type: 'featureMap'; requestId: number; map?: FeatureMapPreview; error?: string };

export type FromWebviewMessage =
  | { type: 'ready' }
  /** Re-profile at this batch size / memory budget (the summary header's controls). */
  | { type: 'setProfileOptions'; batch?: number | null; budgetBytes?: number }
  | { type: 'weightStats'; requestId: number; layer: number; input: number }
  | { type: 'exported'; requestId: number; format: ExportFormat; /** SVG text, or PNG as base64. */ data: string }
  | { type: 'exportFailed'; requestId: number; message: string }
  | { type: 'openDocs'; op: string; domain: string }
  /** The graph is on screen: figures for the log, tests and the benchmark. */
  | { type: 'painted'; visibleNodes: number; layers: number; layoutMs: number; totalMs: number; layoutIn: 'worker' | 'main thread' }
  | { type: 'selected'; layer: number | null }
  /** Run "Profile Model…" on this model (the summary header's button), or cancel the run. */
  | { type: 'runProfile' }
  | { type: 'runSweep' }
  | { type: 'cancelRun' }
  /** Run the model on the image with this preprocessing, keeping every layer's output. */
  | { type: 'captureFeatureMaps'; settings: FeatureMapSettings }
  | { type: 'cancelCapture' }
  /** Let the user choose an image file (the extension answers with featureMapsSetup). */
  | { type: 'pickImage' }
  | { type: 'featureMap'; requestId: number; layer: string };

const TO_WEBVIEW = new Set<ToWebviewMessage['type']>(['loading', 'model', 'error', 'weightStats', 'export', 'command', 'reveal', 'runtime', 'runStatus', 'sweep', 'featureMapsSetup', 'featureMapsStatus', 'featureMapsCaptured', 'featureMap']);
const FROM_WEBVIEW = new Set<FromWebviewMessage['type']>(['ready', 'setProfileOptions', 'weightStats', 'exported', 'exportFailed', 'openDocs', 'painted', 'selected', 'runProfile', 'runSweep', 'cancelRun', 'captureFeatureMaps', 'cancelCapture', 'pickImage', 'featureMap']);

function tagged(m: unknown): m is { type: string } {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

/** Messages arrive untyped (postMessage); these guard each side's input. */
export function isToWebviewMessage(m: unknown): m is ToWebviewMessage {
  return tagged(m) && TO_WEBVIEW.has(m.type as ToWebviewMessage['type']);
}

export function isFromWebviewMessage(m: unknown): m is FromWebviewMessage {
  return tagged(m) && FROM_WEBVIEW.has(m.type as FromWebviewMessage['type']);
}

/** The ONNX operator documentation page for an op (default and ai.onnx.ml domains). */
export function operatorDocsUrl(op: string, domain: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(op)) return null;
  if (domain === '' || domain === 'ai.onnx') return `https://onnx.ai/onnx/operators/onnx__${op}.html`;
  if (domain === 'ai.onnx.ml') return `https://onnx.ai/onnx/operators/onnx_aionnxml_${op}.html`;
  if (domain === 'com.microsoft') return `https://github.com/microsoft/onnxruntime/blob/main/docs/ContribOperators.md#com.microsoft.${op}`;
  return null;
}
