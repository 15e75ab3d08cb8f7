/**
 * The read-only custom editor for model files (`convlens.graph`): opening a
 * `.onnx` shows its graph, profile overlays, layer table and details in a
 * webview. Each document is loaded once (in a worker thread) and shared by
 * all its editors. Runs under a strict CSP with a nonce (webview-html.ts);
 * model strings travel as message data and are rendered as text.
 */
import * as vscode from 'vscode';
import type { TorchResult } from '../core/pytorch/bridge-types';
import { randomBytes } from 'node:crypto';
import { isFromWebviewMessage, operatorDocsUrl, replyOf, RequestTracker, type ExportFormat, type FromWebviewMessage, type HostReplies, type ToWebviewMessage, type ViewCommand } from '../protocol';
import { webviewHtml, WEBVIEW_STYLES } from './webview-html';
import type { LayoutHost } from './layout-host';
import type { SpareWorker } from './spare-worker';
import type { ModelWorkerApi } from './model-requests';
import { ModelDocument, type DocumentState } from './model-document';
import { DEFAULT_CHAR_WIDTH } from '../../webview/graph/elk-graph';
import type { RuntimeReport } from '../core/timing/runtime-report';
import { runtimeView } from '../core/timing/runtime-view';
import type { SweepReport } from '../core/timing/sweep';

/** Feature maps of a model (src/extension/feature-maps.ts). */
export interface FeatureMapSource {
  setup(view: ModelView): void;
  receive(view: ModelView, m: FromWebviewMessage, views: ModelView[]): Promise<void>;
}

/** Where views get the last measured run of their model (src/extension/runtime.ts). */
export interface RuntimeSource {
  get(uri: vscode.Uri): RuntimeReport | undefined;
  sweepOf(uri: vscode.Uri): SweepReport | undefined;
  isRunning(uri: vscode.Uri): boolean;
}

export interface TorchSources {
  exportArchive(uri: vscode.Uri, signal: AbortSignal): Promise<{ path: string; torch: TorchResult }>;
  /** torch's facts when `uri` is the export of a profiled PyTorch source. */
  factsOf(uri: vscode.Uri): TorchResult | undefined;
}

export const MODEL_EDITOR_VIEW_TYPE = 'convlens.graph';
/** The same view for `*.cnn.yaml` definitions: an option beside the text editor, not the default. */
export const DEFINITION_VIEW_TYPE = 'convlens.graphDefinition';
/** A TorchScript (.pt) or torch.export (.pt2) archive's graph, through Python (its ONNX export). */
export const TORCH_GRAPH_VIEW_TYPE = 'convlens.torchGraph';
/** The compare view's panels (not a custom editor: it shows two files). */
export const COMPARE_VIEW_TYPE = 'convlens.compare';
const EXPORT_TIMEOUT_MS = 60_000;

/** One editor (webview panel) showing a ModelDocument. */
export class ModelView {
  /** Requests to the page (exports) awaiting its reply. */
  private readonly requests = new RequestTracker<HostReplies>({ peer: 'the view', timeoutMs: EXPORT_TIMEOUT_MS });
  /** The page has said `ready`: messages posted now are received. */
  ready = false;
  private readonly whenReady: Promise<void>;
  private markReady!: () => void;
  /** Layer selected in the view (index), for commands. */
  selected: number | null = null;

  constructor(
    readonly document: ModelDocument,
    readonly panel: vscode.WebviewPanel,
    private readonly log: (line: string) => void,
    private readonly onSelect: (view: ModelView) => void = () => undefined,
    private readonly runtime?: RuntimeSource,
    private readonly featureMaps?: FeatureMapSource,
    private readonly siblings: () => ModelView[] = () => [this],
    private readonly rememberHeader: (collapsed: boolean) => void = () => undefined,
    private readonly rememberCharWidth: (width: number) => void = () => undefined,
  ) {
    this.whenReady = new Promise((r) => (this.markReady = r));
  }

  post(m: ToWebviewMessage): void {
    void this.panel.webview.postMessage(m);
  }

  sendState(s: DocumentState): void {
    if (!this.ready) return;
    const file = this.document.fileName;
    if (s.kind === 'loading') this.post({ type: 'loading', file });
    else if (s.kind === 'error') this.post({ type: 'error', file, message: s.message, ...(s.inputShapes ? { inputShapes: true } : {}) });
    else {
      this.post({ type: 'model', file, report: s.data.report, layers: s.data.layers, summary: s.data.summary, ...(s.layout ? { layout: s.layout } : {}), ...(s.data.compare ? { compare: s.data.compare } : {}) });
      this.sendRuntime();
      if (this.runtime?.isRunning(this.document.uri)) this.post({ type: 'runStatus', running: true });
    }
  }

  /** The model's last measured run, matched to the shown report's layers. */
  sendRuntime(): void {
    const s = this.document.state;
    if (!this.ready || s.kind !== 'ready') return;
    const run = this.runtime?.get(this.document.uri);
    this.post({ type: 'runtime', view: run ? runtimeView(s.data.report, run) : null });
    this.post({ type: 'sweep', sweep: this.runtime?.sweepOf(this.document.uri) ?? null });
  }

  command(command: ViewCommand): void {
    void this.whenReady.then(() => this.post({ type: 'command', command }));
  }

  /** Index of a layer by name in the shown report (-1 while loading or when absent). */
  layerIndex(name: string): number {
    const s = this.document.state;
    return s.kind === 'ready' ? s.data.report.layers.findIndex((l) => l.name === name) : -1;
  }

  /** Name of the selected layer. */
  selectedName(): string | undefined {
    const s = this.document.state;
    return s.kind === 'ready' && this.selected !== null ? s.data.report.layers[this.selected]?.name : undefined;
  }

  /** Selects and centres a layer in the graph (when the page is up). */
  reveal(layer: number): void {
    if (this.ready && layer >= 0) this.post({ type: 'reveal', layer });
  }

  /** Selects the layer named `name`: now, or, while the model is (re)loading (a save on disk), once it is shown. */
  revealByName(name: string): void {
    if (this.document.state.kind !== 'loading') {
      this.reveal(this.layerIndex(name));
      return;
    }
    const sub = this.document.onDidUpdate((s) => {
      if (s.kind === 'loading') return;
      sub.dispose();
      this.reveal(this.layerIndex(name));
    });
  }

  /** Asks the view to draw its graph as SVG text or PNG (base64). */
  requestExport(format: ExportFormat): Promise<string> {
    // Messages posted before the page's script runs are lost: wait for its `ready`.
    return this.requests.request('export', (requestId) => void this.whenReady.then(() => this.post({ type: 'export', requestId, format })));
  }

  async receive(m: FromWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        if (m.charWidth !== undefined) this.rememberCharWidth(m.charWidth);
        this.ready = true;
        this.markReady();
        this.sendState(this.document.state);
        this.post({ type: 'trust', trusted: vscode.workspace.isTrusted });
        this.featureMaps?.setup(this);
        void this.document.ensureLoaded();
        return;
      case 'setProfileOptions': {
        const o: Parameters<ModelDocument['setOverrides']>[0] = {};
        if (m.batch !== undefined) o.batch = m.batch;
        if (m.budgetBytes !== undefined) o.budgetBytes = m.budgetBytes;
        await this.document.setOverrides(o);
        return;
      }
      case 'weightStats':
        this.post({ type: 'reply', requestId: m.requestId, reply: await replyOf(() => this.document.weightStats(m.layer, m.input)) });
        return;
      case 'reply':
        if (!this.requests.settle(m.requestId, m.reply)) this.log(`${this.document.fileName}: a reply from the view came after its request was given up`);
        return;
      case 'openDocs': {
        const url = operatorDocsUrl(m.op, m.domain);
        if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
        else void vscode.window.showInformationMessage(`ConvLens: no documentation known for ${m.domain ? `${m.domain}.` : ''}${m.op}`);
        return;
      }
      case 'painted':
        this.log(`${this.document.fileName}: ${m.partial ? 'opening screen' : 'graph'} painted, ${m.visibleNodes} boxes of ${m.layers} layers, layout ${Math.round(m.layoutMs)} ms in the ${m.layoutIn}, ${Math.round(m.totalMs)} ms in the view`);
        return;
      case 'manageTrust':
        await vscode.commands.executeCommand('workbench.trust.manage');
        return;
      case 'headerCollapsed':
        this.rememberHeader(m.collapsed);
        return;
      case 'selected':
        this.selected = m.layer;
        this.onSelect(this);
        return;
      case 'runProfile':
        await vscode.commands.executeCommand('convlens.runProfile', this.document.uri);
        return;
      case 'runSweep':
        await vscode.commands.executeCommand('convlens.batchSweep', this.document.uri);
        return;
      case 'cancelRun':
        await vscode.commands.executeCommand('convlens.cancelRunProfile', this.document.uri);
        return;
      case 'captureFeatureMaps':
      case 'cancelCapture':
      case 'pickImage':
      case 'featureMap':
        await this.featureMaps?.receive(this, m, this.siblings());
        return;
    }
  }

  dispose(): void {
    this.requests.close('the view was closed');
  }
}

const HEADER_COLLAPSED_KEY = 'convlens.view.headerCollapsed';
/** The character width the pages measured for box text (layouts made ahead are sized by it). */
const CHAR_WIDTH_KEY = 'convlens.view.charWidth';

export class ModelEditorProvider implements vscode.CustomReadonlyEditorProvider<ModelDocument> {
  private readonly views = new Set<ModelView>();
  private activeView: ModelView | undefined;
  private readonly changed = new vscode.EventEmitter<ModelView | undefined>();
  /** The active model view changed, or its document was re-profiled. */
  readonly onDidChange = this.changed.event;
  private readonly selectedEmitter = new vscode.EventEmitter<ModelView>();
  /** The user selected a layer (or cleared the selection) in a view. */
  readonly onDidSelect = this.selectedEmitter.event;

  private runtime: RuntimeSource | undefined;
  private featureMaps: FeatureMapSource | undefined;

  attachFeatureMaps(f: FeatureMapSource): void {
    this.featureMaps = f;
  }

  private torch: TorchSources | undefined;

  /**
   * PyTorch models: how an archive (.pt/.pth/.pt2) becomes a file the model view reads (its ONNX
   * export, through Python), and torch's facts about a source's export the view opens.
   */
  attachTorch(sources: TorchSources): void {
    this.torch = sources;
  }

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: (line: string) => void,
    /** Where the view's own choices are remembered across views and sessions (the summary header collapsed, the font's width). */
    private readonly memento?: vscode.Memento,
    /** The extension's warm ELK worker: first views are laid out while their pages boot. */
    private readonly layouts?: LayoutHost,
    /** Model workers started ahead of the next open. */
    private readonly spares?: SpareWorker<ModelWorkerApi>,
  ) {}

  /** Measured runs: shown in every view of their model, with the run's progress. */
  attachRuntime(runtime: RuntimeSource & {
    onDidChange: vscode.Event<vscode.Uri>;
    onDidChangeStatus: vscode.Event<{ uri: vscode.Uri; running: boolean; message?: string }>;
  }): vscode.Disposable[] {
    this.runtime = runtime;
    return [
      runtime.onDidChange((uri) => this.viewsOf(uri).forEach((v) => v.sendRuntime())),
      runtime.onDidChangeStatus((e) => this.viewsOf(e.uri).forEach((v) => v.post({ type: 'runStatus', running: e.running, ...(e.message ? { message: e.message } : {}) }))),
    ];
  }

  get active(): ModelView | undefined {
    return this.activeView;
  }

  /** Open views of the model at `uri`. */
  viewsOf(uri: vscode.Uri): ModelView[] {
    return [...this.views].filter((v) => v.document.uri.toString() === uri.toString());
  }

  /** The active view, else the only open one. */
  target(): ModelView | undefined {
    return this.activeView ?? (this.views.size === 1 ? [...this.views][0] : undefined);
  }

  openCustomDocument(uri: vscode.Uri): ModelDocument {
    const worker = vscode.Uri.joinPath(this.extensionUri, 'dist', 'model-worker.js').fsPath;
    const ahead = this.layouts && { layouts: this.layouts, charWidth: () => this.memento?.get<number>(CHAR_WIDTH_KEY) ?? DEFAULT_CHAR_WIDTH };
    const torch = this.torch;
    const prepare = !torch
      ? undefined
      : /\.(pt|pth|pt2)$/i.test(uri.path)
        ? (signal: AbortSignal) => torch.exportArchive(uri, signal)
        : () => Promise.resolve({ path: uri.fsPath, torch: torch.factsOf(uri) });
    return new ModelDocument(uri, worker, this.log, ahead, this.spares, prepare);
  }

  /**
   * A compare view, A → B, in a panel of its own: the model view of B in compare mode (its worker
   * loads both and draws the merged model, diff/compare-view.ts). Reloads when B changes on disk.
   */
  openCompare(a: vscode.Uri, b: vscode.Uri, title: string, column: vscode.ViewColumn = vscode.ViewColumn.Active): { panel: vscode.WebviewPanel; document: ModelDocument } {
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, title, column, { enableScripts: true });
    const worker = vscode.Uri.joinPath(this.extensionUri, 'dist', 'model-worker.js').fsPath;
    const ahead = this.layouts && { layouts: this.layouts, charWidth: () => this.memento?.get<number>(CHAR_WIDTH_KEY) ?? DEFAULT_CHAR_WIDTH };
    const document = new ModelDocument(b, worker, this.log, ahead, this.spares, () => Promise.resolve({ path: b.fsPath, compareWith: a.fsPath }));
    this.resolveCustomEditor(document, panel);
    panel.onDidDispose(() => document.dispose());
    return { panel, document };
  }

  resolveCustomEditor(document: ModelDocument, panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    const view = new ModelView(document, panel, this.log, (v) => this.selectedEmitter.fire(v), this.runtime, this.featureMaps, () => this.viewsOf(document.uri), (collapsed) =>
      void this.memento?.update(HEADER_COLLAPSED_KEY, collapsed), (width) => {
      if (Number.isFinite(width) && width >= 4 && width <= 12) void this.memento?.update(CHAR_WIDTH_KEY, width);
    });
    webview.html = this.html(webview);
    this.views.add(view);
    const disposables: vscode.Disposable[] = [
      webview.onDidReceiveMessage((m: unknown) => {
        if (isFromWebviewMessage(m)) void view.receive(m);
        else this.log(`ignored a malformed message from the view: ${JSON.stringify(m)?.slice(0, 200)}`);
      }),
      document.onDidUpdate((s) => {
        view.sendState(s);
        if (this.activeView === view) this.changed.fire(view);
      }),
      document.onDidUpdateSummary((summary) => view.ready && view.post({ type: 'summary', summary })),
      document.onDidLayOutWhole((layout) => view.ready && view.post({ type: 'layout', layout })),
      // Trust granted while the view is open: its run buttons work at once.
      vscode.workspace.onDidGrantWorkspaceTrust(() => view.ready && view.post({ type: 'trust', trusted: true })),
      panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.active) this.activeView = view;
        else if (this.activeView === view) this.activeView = undefined;
        this.changed.fire(this.activeView);
      }),
    ];
    // Load while the page boots: the model is usually ready before the page asks for it.
    void document.ensureLoaded();
    if (panel.active) this.activeView = view;
    this.changed.fire(this.activeView);
    panel.onDidDispose(() => {
      for (const d of disposables) d.dispose();
      view.dispose();
      this.views.delete(view);
      if (this.activeView === view) this.activeView = undefined;
      this.changed.fire(this.activeView);
    });
  }

  private html(webview: vscode.Webview): string {
    const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...p)).toString();
    return webviewHtml(
      {
        cspSource: webview.cspSource,
        script: uri('dist', 'webview.js'),
        layoutWorker: uri('dist', 'layout-worker.js'),
        layoutMainThread: uri('dist', 'layout-main.js'),
        styles: WEBVIEW_STYLES.map((s) => uri('media', s)),
        headerCollapsed: this.memento?.get<boolean>(HEADER_COLLAPSED_KEY) === true,
        layoutAhead: this.layouts !== undefined,
      },
      randomBytes(16).toString('base64'),
    );
  }
}

export function registerModelEditor(provider: ModelEditorProvider): vscode.Disposable[] {
  return [MODEL_EDITOR_VIEW_TYPE, DEFINITION_VIEW_TYPE, TORCH_GRAPH_VIEW_TYPE].map((viewType) =>
    vscode.window.registerCustomEditorProvider(viewType, provider, { supportsMultipleEditorsPerDocument: true }),
  );
}
