/**
 * The one message protocol between the extension and its webviews. Every
 * message either side sends is a member of these unions, and no other
 * channel joins the extension (`src/extension/`) and the webview
 * (`webview/`); the types they send, and the pure helpers that read them
 * (src/core/report), both sides import from the core.
 * Requests that want an answer carry a `requestId` and are answered by a
 * `reply` (ViewReplies, HostReplies); RequestTracker, at the end, keeps
 * the books for every request/reply conversation of the project.
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
import type { CompareData } from './core/diff/compare-view';
import type { ElkNode } from '../webview/graph/elk-graph';

/**
 * The first view's layout, made by the extension's long-lived ELK worker
 * while the page booted: the expanded groups and the character width it was
 * made for, and the laid-out graph. The page draws it when both match its own.
 * `partial`: only the boxes the opening screen shows (firstScreenGraph); the
 * whole view follows in a `layout` message.
 */
export interface ViewLayout {
  expanded: string[];
  charWidth: number;
  graph: ElkNode;
  partial?: boolean;
}

export type { CompareData, ClassScore, FeatureMapPreview, FeatureMapsSummary, SweepReport, LayerView, PreprocessSpec, ProfileReport, RuntimeView, WeightStats };

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
  | { type: 'model'; file: string; report: ProfileReport; layers: LayerView[]; summary: ViewSummary; layout?: ViewLayout; compare?: CompareData }
  /** The shown model's summary with figures found after the first paint (the largest batch that fits). */
  | { type: 'summary'; summary: ViewSummary }
  /** The whole first view, after a `model` message whose layout was partial (null: the extension could not; the page lays it out). */
  | { type: 'layout'; layout: ViewLayout | null }
  /** `inputShapes`: the file loaded, but the input shapes asked for (batch setting, overrides) do not fit its graph. */
  | { type: 'error'; file: string; message: string; inputShapes?: boolean }
  /** The reply to the view's request `requestId` (ViewReplies says what each request is answered with). */
  | { type: 'reply'; requestId: number; reply: Reply<ViewReplies[keyof ViewReplies]> }
  /** Draw the graph as SVG text or PNG (base64); the view answers with a `reply`. */
  | { type: 'export'; requestId: number; format: ExportFormat }
  | { type: 'command'; command: ViewCommand }
  | { type: 'reveal'; layer: number }
  /** The last measured run of this model (null: none, or it no longer matches). */
  | { type: 'runtime'; view: RuntimeView | null }
  /** A measured run of this model started, progressed or ended. */
  | { type: 'runStatus'; running: boolean; message?: string }
  /** Whether the workspace is trusted: running a model (profile run, sweep, feature maps) needs it. */
  | { type: 'trust'; trusted: boolean }
  /** The last batch-size sweep of this model (null: none). */
  | { type: 'sweep'; sweep: SweepReport | null }
  /** The feature-map panel's choices: bundled samples, and this model's current settings. */
  | { type: 'featureMapsSetup'; samples: { file: string; label: string }[]; settings: FeatureMapSettings; imageLabel: string }
  | { type: 'featureMapsStatus'; running: boolean; message?: string; error?: string }
  | { type: 'featureMapsCaptured'; summary: FeatureMapsSummary | null };

export type FromWebviewMessage =
  /** The page is up; `charWidth`: the box font's width per character it measured (the extension sizes its layouts by it). */
  | { type: 'ready'; charWidth?: number }
  /** Re-profile at this batch size / memory budget (the summary header's controls). */
  | { type: 'setProfileOptions'; batch?: number | null; budgetBytes?: number }
  /** Statistics of a layer's weight input; answered with a `reply`. */
  | { type: 'weightStats'; requestId: number; layer: number; input: number }
  /** The reply to the extension's request `requestId` (HostReplies). */
  | { type: 'reply'; requestId: number; reply: Reply<HostReplies[keyof HostReplies]> }
  | { type: 'openDocs'; op: string; domain: string }
  /** The graph is on screen: figures for the log, tests and the benchmark. */
  /** `partial`: the opening screen's boxes, drawn while the whole view is laid out. */
  | { type: 'painted'; visibleNodes: number; layers: number; layoutMs: number; totalMs: number; layoutIn: 'worker' | 'main thread' | 'cache' | 'extension'; partial?: boolean }
  | { type: 'selected'; layer: number | null }
  /** The user asked to manage workspace trust (Restricted Mode blocks running models). */
  | { type: 'manageTrust' }
  /** The user collapsed or expanded the summary header: remembered for the next views. */
  | { type: 'headerCollapsed'; collapsed: boolean }
  /** Run "Profile Model…" on this model (the summary header's button), or cancel the run. */
  | { type: 'runProfile' }
  | { type: 'runSweep' }
  | { type: 'cancelRun' }
  /** Run the model on the image with this preprocessing, keeping every layer's output. */
  | { type: 'captureFeatureMaps'; settings: FeatureMapSettings }
  | { type: 'cancelCapture' }
  /** Let the user choose an image file (the extension answers with featureMapsSetup). */
  | { type: 'pickImage' }
  /** One layer's feature-map previews from the last capture; answered with a `reply`. */
  | { type: 'featureMap'; requestId: number; layer: string };

/** What the extension answers each of the view's requests with. */
export interface ViewReplies {
  weightStats: WeightStats;
  featureMap: FeatureMapPreview;
}

/** What the view answers each of the extension's requests with: SVG text, or PNG as base64. */
export interface HostReplies {
  export: string;
}

const TO_WEBVIEW = new Set<ToWebviewMessage['type']>(['loading', 'model', 'summary', 'layout', 'error', 'reply', 'export', 'command', 'reveal', 'runtime', 'runStatus', 'trust', 'sweep', 'featureMapsSetup', 'featureMapsStatus', 'featureMapsCaptured']);
const FROM_WEBVIEW = new Set<FromWebviewMessage['type']>(['ready', 'setProfileOptions', 'weightStats', 'reply', 'openDocs', 'painted', 'selected', 'headerCollapsed', 'manageTrust', 'runProfile', 'runSweep', 'cancelRun', 'captureFeatureMaps', 'cancelCapture', 'pickImage', 'featureMap']);

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

// Requests and replies. Every request/reply conversation (extension ↔ view,
// extension ↔ its worker threads, parent ↔ runtime process) numbers its
// requests and settles them from replies in the same way; only the transport
// differs, so it is passed in. Nothing here may import Node: the webview
// bundle (browser) uses it too.

/** A reply as it travels: the value, or an error message the user can act on. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: string };

/** Why a request got no value: the other side answered with an error, did not answer in time, or went away. */
export type RequestFailure = 'failed' | 'timeout' | 'closed';

export class RequestError extends Error {
  constructor(readonly reason: RequestFailure, message: string) {
    super(message);
    this.name = 'RequestError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The reply `work` earns: its value, or its error's message (`describe` picks the message). */
export async function replyOf<T>(work: () => T | Promise<T>, describe: (err: unknown) => string = errorMessage): Promise<Reply<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    return { ok: false, error: describe(err) };
  }
}

export interface RequestTrackerOptions {
  /** Who answers, as messages name it: `the view`, `the model worker`. */
  peer: string;
  /** Milliseconds a request waits for its reply by default (0 or absent: no limit). */
  timeoutMs?: number;
}

type Pending = { resolve(value: unknown): void; reject(err: RequestError): void; timer?: ReturnType<typeof setTimeout> };

const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${ms >= 10_000 ? Math.round(ms / 1000) : Math.round(ms / 100) / 10} s`);

/**
 * The asking side of a conversation: numbers requests, keeps those waiting,
 * settles each from its reply, rejects one that outlives its timeout and,
 * on close, every one left. `Replies` maps each request type to the value it
 * is answered with, so callers get typed values. A reply that comes after
 * its request was given up (timed out, closed) is ignored.
 */
export class RequestTracker<Replies> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedBecause: string | undefined;

  constructor(private readonly options: RequestTrackerOptions) {}

  /** Requests waiting for their reply. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Sends request `type` with `send` (which posts it with the id given) and
   * resolves with the reply's value; rejects with a RequestError.
   */
  request<K extends keyof Replies & string>(type: K, send: (requestId: number) => void, timeoutMs = this.options.timeoutMs ?? 0): Promise<Replies[K]> {
    if (this.closedBecause !== undefined) return Promise.reject(new RequestError('closed', this.closedBecause));
    const requestId = this.nextId++;
    return new Promise<Replies[K]>((resolve, reject) => {
      const entry: Pending = { resolve, reject };
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => this.fail(requestId, new RequestError('timeout', `${this.options.peer} did not answer the ${type} request within ${duration(timeoutMs)}`)), timeoutMs);
      }
      this.pending.set(requestId, entry);
      try {
        send(requestId);
      } catch (err) {
        this.fail(requestId, new RequestError('failed', `cannot send the ${type} request to ${this.options.peer}: ${errorMessage(err)}`));
      }
    });
  }

  /** A reply arrived: settles its request. False when none waits for it (answered, timed out or closed already). */
  settle(requestId: number, reply: Reply<unknown>): boolean {
    const entry = this.take(requestId);
    if (!entry) return false;
    if (reply.ok) entry.resolve(reply.value);
    else entry.reject(new RequestError('failed', reply.error));
    return true;
  }

  /** The other side went away: every waiting request fails with `reason`, and so does every later one. */
  close(reason: string): void {
    this.closedBecause ??= reason;
    for (const id of [...this.pending.keys()]) this.fail(id, new RequestError('closed', reason));
  }

  private fail(requestId: number, err: RequestError): void {
    this.take(requestId)?.reject(err);
  }

  private take(requestId: number): Pending | undefined {
    const entry = this.pending.get(requestId);
    if (!entry) return undefined;
    this.pending.delete(requestId);
    clearTimeout(entry.timer);
    return entry;
  }
}
