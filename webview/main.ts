/**
 * Webview entry (browser): composes the model view — summary header,
 * toolbar, graph (webview/graph), layer table, details panel, search and
 * tooltips (webview/panels) — and speaks the protocol of src/protocol.ts.
 * Every string from the model is inserted as text, never parsed as HTML.
 * View state (zoom, expanded groups, selection, overlay, tab, table sort)
 * survives the panel being hidden through getState/setState.
 */
import { isToWebviewMessage, replyOf, RequestTracker, type LayerView, type ProfileReport, type ToWebviewMessage, type ViewReplies } from '../src/protocol';
import { GraphView, type HoverTarget } from './graph/graph-view';
import { LayerTable } from './panels/table';
import { DetailsPanel } from './panels/details';
import { SearchBar } from './panels/search';
import { renderSummary } from './panels/summary';
import { RuntimeStrip } from './panels/runtime-summary';
import { FeatureMapsPanel } from './panels/feature-maps';
import type { CompareData, RuntimeView, ViewLayout, ViewSummary } from '../src/protocol';
import { measureCharWidth } from './graph/decorate';
import { hoverTooltip, Tooltip } from './panels/tooltip';
import { tensorIndex } from './panels/layer-inputs';
import { OverlayPicker } from './panels/overlay-picker';
import { loadError } from './panels/load-error';
import { button, registerToolkit } from './ui/toolkit';
import { el } from './ui/dom';
import { post, vscode, type Tab, type ViewState } from './host';

/** Weight statistics of a large tensor wait behind the model's profile in the extension's worker. */
const REQUEST_TIMEOUT_MS = 120_000;

class App {
  private readonly root = document.getElementById('root')!;
  private readonly summaryEl = el('header', undefined, 'summary-host');
  private readonly runtimeEl = el('div', undefined, 'runtime-host');
  private readonly runtimeStrip: RuntimeStrip;
  private runtime: RuntimeView | null = null;
  /** A run was started from this page (or seen running): its result switches the overlay to latency. */
  private awaitingRun = false;
  private readonly toolbar = el('div', undefined, 'toolbar');
  private readonly graphPane = el('section', undefined, 'graph-pane');
  private readonly tablePane = el('section', undefined, 'table-pane');
  private readonly featuresPane = el('section', undefined, 'features-pane');
  private readonly featureMaps: FeatureMapsPanel;
  private readonly detailsPane = el('aside', undefined, 'details-pane');
  private readonly graph: GraphView;
  private readonly table: LayerTable;
  private readonly details: DetailsPanel;
  private readonly search: SearchBar;
  private readonly tooltip: Tooltip;
  private readonly overlay: OverlayPicker;
  private readonly tabButtons: Record<Tab, HTMLElement>;
  private readonly headerToggle: HTMLElement;
  private headerCollapsed = false;
  /** The shown model; `tensors` indexes every graph input and layer output by name (for edge tooltips). */
  private model: { file: string; report: ProfileReport; layers: LayerView[]; summary: ViewSummary; tensors: Map<string, ProfileReport['inputs'][number]>; compare?: CompareData } | undefined;
  private selected: number | null = null;
  /** A model the table has yet to show (filled after the graph's first paint, or when its tab opens). */
  private tableFor: { report: ProfileReport; layers: LayerView[]; compare?: CompareData } | undefined;
  private tab: Tab = 'graph';
  private state: ViewState = vscode.getState() ?? {};
  private shownAt = 0;
  private painted = false;
  private readonly paintWaiters: (() => void)[] = [];
  /** Requests to the extension (weight statistics, feature maps) awaiting their reply. */
  private readonly requests = new RequestTracker<ViewReplies>({ peer: 'ConvLens', timeoutMs: REQUEST_TIMEOUT_MS });

  constructor() {
    void registerToolkit();
    const body = document.body;
    this.graph = new GraphView(this.graphPane, { worker: body.dataset.layoutWorker ?? '', mainThread: body.dataset.layoutMain ?? '', ahead: body.dataset.layoutAhead === 'true' }, {
      onSelect: (layer) => this.select(layer),
      onHover: (t, x, y) => this.hover(t, x, y),
      onPainted: (info) => requestAnimationFrame(() => {
        // The frame after the DOM change: the graph is on screen.
        const model = this.model;
        if (!model) return;
        post({ type: 'painted', visibleNodes: info.visibleNodes, layers: model.report.layers.length, layoutMs: info.layoutMs, totalMs: performance.now() - this.shownAt, layoutIn: info.layoutIn, ...(info.partial ? { partial: true } : {}) });
        // An export waits for the whole graph, not the opening screen drawn before it.
        if (!info.partial) {
          this.painted = true;
          this.paintWaiters.splice(0).forEach((w) => w());
        }
        this.save();
      }),
      onStateChange: () => this.save(),
    });
    this.table = new LayerTable(this.tablePane, (layer) => void this.reveal(layer));
    this.featureMaps = new FeatureMapsPanel(this.featuresPane, {
      capture: (settings) => post({ type: 'captureFeatureMaps', settings }),
      cancel: () => post({ type: 'cancelCapture' }),
      pickImage: () => post({ type: 'pickImage' }),
      requestMap: (layer) => this.requests.request('featureMap', (requestId) => post({ type: 'featureMap', requestId, layer })),
      manageTrust: () => post({ type: 'manageTrust' }),
    });
    this.details = new DetailsPanel(this.detailsPane, {
      requestWeightStats: (layer, input) => this.requests.request('weightStats', (requestId) => post({ type: 'weightStats', requestId, layer, input })),
      openDocs: (op, domain) => post({ type: 'openDocs', op, domain }),
    });
    this.tooltip = new Tooltip(document.body);
    this.runtimeStrip = new RuntimeStrip(this.runtimeEl, {
      run: () => post({ type: 'runProfile' }),
      sweep: () => post({ type: 'runSweep' }),
      cancel: () => post({ type: 'cancelRun' }),
      manageTrust: () => post({ type: 'manageTrust' }),
    });
    const searchHost = el('div', undefined, 'search-host');
    this.search = new SearchBar(searchHost, (matches, current) => {
      this.graph.highlight(matches, current);
      if (current !== null) void this.reveal(current, false);
    });
    this.tabButtons = {
      graph: button('Graph', () => this.showTab('graph'), { appearance: 'secondary', id: 'tab-graph', title: 'Show the graph' }),
      table: button('Table', () => this.showTab('table'), { appearance: 'secondary', id: 'tab-table', title: 'Show the layer table' }),
      features: button('Feature maps', () => this.showTab('features'), { appearance: 'secondary', id: 'tab-features', title: 'Run the model on an image and see each layer’s channels' }),
    };
    this.overlay = new OverlayPicker(this.state.graph?.overlay ?? 'none', (mode) => {
      this.graph.setOverlay(mode);
      this.save();
    });
    const fit = button('Fit', () => this.graph.fit(), { appearance: 'secondary', title: 'Fit the graph to the view (0)', id: 'fit' });
    // The summary collapses to one line so the graph gets the editor; the choice is remembered.
    this.headerToggle = button('', () => this.setHeaderCollapsed(!this.headerCollapsed, true), { appearance: 'icon', id: 'summary-toggle' });
    this.setHeaderCollapsed(this.state.headerCollapsed ?? body.dataset.headerCollapsed === 'true', false);
    this.toolbar.append(this.headerToggle, this.tabButtons.graph, this.tabButtons.table, this.tabButtons.features, this.overlay.element, fit, searchHost);
    if (this.state.sort) this.table.setState(this.state.sort);
    this.tab = this.state.tab ?? 'graph';
  }

  handle(m: ToWebviewMessage): void {
    switch (m.type) {
      case 'loading':
        if (!this.model) this.message('loading', `Loading ${m.file}…`);
        return;
      case 'error':
        this.model = undefined;
        this.error(m.file, m.message, m.inputShapes === true);
        return;
      case 'trust':
        this.runtimeStrip.setTrusted(m.trusted);
        this.featureMaps.setTrusted(m.trusted);
        return;
      case 'summary':
        if (this.model) {
          this.model.summary = m.summary;
          renderSummary(this.summaryEl, this.model.file, this.model.report, m.summary, (o) => post({ type: 'setProfileOptions', ...o }), this.model.compare);
        }
        return;
      case 'model':
        void this.show(m.file, m.report, m.layers, m.summary, m.layout, m.compare);
        return;
      case 'layout':
        if (this.model) void this.graph.completeLayout(m.layout);
        return;
      case 'reply':
        this.requests.settle(m.requestId, m.reply);
        return;
      case 'export':
        void this.export(m.requestId, m.format);
        return;
      case 'command':
        if (m.command === 'find') this.search.focus();
        else if (m.command === 'fit') this.graph.fit();
        else if (m.command === 'showTable') this.showTab('table');
        else if (m.command === 'showGraph') this.showTab('graph');
        else if (m.command === 'showFeatureMaps') this.showTab('features');
        else if (m.command === 'zoomIn') this.graph.zoomBy(1.25);
        else if (m.command === 'zoomOut') this.graph.zoomBy(0.8);
        return;
      case 'reveal':
        void this.reveal(m.layer);
        return;
      case 'runStatus':
        if (m.running) this.awaitingRun = true;
        this.runtimeStrip.setRunning(m.running, m.message);
        return;
      case 'runtime':
        this.setRuntime(m.view);
        return;
      case 'sweep':
        this.runtimeStrip.showSweep(m.sweep);
        return;
      case 'featureMapsSetup':
        this.featureMaps.setup(m.samples, m.settings, m.imageLabel);
        return;
      case 'featureMapsStatus':
        this.featureMaps.setStatus(m.running, m.message, m.error);
        return;
      case 'featureMapsCaptured':
        this.featureMaps.captured(m.summary);
        return;
    }
  }

  private setRuntime(view: RuntimeView | null): void {
    this.runtime = view;
    this.runtimeStrip.show(view);
    this.table.setRuntime(view);
    this.details.setRuntime(view);
    const hasLatency = !!view && view.latencyMs.some((v) => v !== null);
    this.graph.setLatency(hasLatency ? view.latencyMs.map((v) => (v === null ? NaN : v)) : undefined);
    this.overlay.setLatency(hasLatency);
    if (hasLatency && (this.awaitingRun || this.state.graph?.overlay === 'latency')) {
      this.awaitingRun = false;
      this.overlay.value = 'latency';
      this.graph.setOverlay('latency');
    } else if (!hasLatency && this.overlay.value === 'latency') {
      this.overlay.value = 'none';
    }
    if (this.model && this.selected !== null) this.details.show(this.selected, this.model.report, this.model.layers);
  }

  private async show(file: string, report: ProfileReport, layers: LayerView[], summary: ViewSummary, ahead?: ViewLayout, compare?: CompareData): Promise<void> {
    this.shownAt = performance.now();
    // The state saved before this page started (showTab and the panels save over it below).
    const saved = this.state;
    const sameFile = this.model?.file === file || saved.file === file;
    const restoring = !this.model && saved.file === file;
    const firstShow = !this.root.contains(this.graphPane);
    const previous = this.model?.report;
    const tensors = tensorIndex(report);
    this.model = { file, report, layers, summary, tensors, compare };
    this.setCompareMode(compare);
    if (firstShow) {
      const workspace = el('div', undefined, 'workspace');
      workspace.append(this.graphPane, this.tablePane, this.featuresPane, this.detailsPane);
      this.root.replaceChildren(this.summaryEl, this.runtimeEl, this.toolbar, workspace);
    }
    this.showTab(this.tab);
    // Start the layout first: the worker lays out while the panels render here.
    const drawing = this.graph.show(report, layers, restoring ? saved.graph : undefined, ahead, compare?.layers.map((l) => l.status));
    // The graph picks the overlay (a compare view opens on 'change'; a saved one comes back).
    this.overlay.value = this.graph.getState().overlay ?? 'none';
    renderSummary(this.summaryEl, file, report, summary, (o) => post({ type: 'setProfileOptions', ...o }), compare);
    // The table is filled when shown, or just after the graph's first paint.
    this.tableFor = { report, layers, compare };
    if (this.tab === 'table') this.fillTable();
    else requestAnimationFrame(() => setTimeout(() => this.fillTable(), 0));
    this.featureMaps.setModel(report);
    this.search.setModel(report, layers);
    // Keep the selection across reloads by name; a new file starts unselected.
    const selectedName = sameFile ? (this.selected !== null ? previous?.layers[this.selected]?.name : saved.selected) : null;
    const index = selectedName ? report.layers.findIndex((l) => l.name === selectedName) : -1;
    await drawing;
    this.select(index >= 0 ? index : null);
  }

  /**
   * A compare view shows two models: what measures one model (a run, a sweep,
   * feature maps) is hidden; the change overlay is offered; the details and
   * table show both sides.
   */
  private setCompareMode(compare: CompareData | undefined): void {
    const on = compare !== undefined;
    this.runtimeEl.hidden = on;
    this.tabButtons.features.hidden = on;
    if (on && this.tab === 'features') this.tab = 'graph';
    this.overlay.setCompare(on);
    this.details.setCompare(compare ?? null);
  }

  private setHeaderCollapsed(collapsed: boolean, byUser: boolean): void {
    this.headerCollapsed = collapsed;
    document.body.classList.toggle('header-collapsed', collapsed);
    this.headerToggle.textContent = collapsed ? '▾' : '▴';
    const what = collapsed ? 'Show the model summary' : 'Collapse the model summary to one line';
    this.headerToggle.title = what;
    this.headerToggle.setAttribute('aria-label', what);
    this.headerToggle.setAttribute('aria-expanded', String(!collapsed));
    if (!byUser) return;
    post({ type: 'headerCollapsed', collapsed });
    this.save();
  }

  /** The table gets the shown model (once per model). */
  private fillTable(): void {
    const t = this.tableFor;
    this.tableFor = undefined;
    if (t) this.table.show(t.report, t.layers, t.compare);
  }

  private showTab(tab: Tab): void {
    if (tab === 'features' && this.model?.compare) tab = 'graph';
    if (tab === 'table') this.fillTable();
    this.tab = tab;
    this.graphPane.hidden = tab !== 'graph';
    this.tablePane.hidden = tab !== 'table';
    this.featuresPane.hidden = tab !== 'features';
    for (const [k, b] of Object.entries(this.tabButtons)) {
      b.setAttribute('appearance', k === tab ? 'primary' : 'secondary');
      b.setAttribute('aria-pressed', String(k === tab));
    }
    this.save();
  }

  private select(layer: number | null): void {
    const model = this.model;
    if (!model) return;
    this.selected = layer;
    this.graph.select(layer);
    this.table.setSelected(layer);
    this.details.show(layer, model.report, model.layers);
    this.featureMaps.setLayer(layer);
    post({ type: 'selected', layer });
    this.save();
  }

  private async reveal(layer: number, switchTab = true): Promise<void> {
    if (!this.model || layer < 0 || layer >= this.model.report.layers.length) return;
    if (switchTab) this.showTab('graph');
    await this.graph.reveal(layer);
    this.select(layer);
  }

  private hover(t: HoverTarget | null, x: number, y: number): void {
    const model = this.model;
    if (!t || !model) return this.tooltip.hide();
    this.tooltip.show(hoverTooltip(t, model.report.layers, model.layers, model.tensors, this.runtime, model.report.totals.trainingBytes), x, y);
  }

  /** Answers the extension's export request with the graph as SVG text or PNG (base64). */
  private async export(requestId: number, format: 'svg' | 'png'): Promise<void> {
    const reply = await replyOf(async () => {
      // An export asked for while the model is loading waits for the first paint.
      if (!this.painted) {
        await new Promise<void>((resolve, reject) => {
          this.paintWaiters.push(resolve);
          setTimeout(() => reject(new Error('the graph is not drawn yet')), 30_000);
        });
      }
      // The graph must be laid out on screen to be measured and drawn.
      const tab = this.tab;
      if (tab !== 'graph') this.showTab('graph');
      const data = format === 'svg' ? this.graph.exportSvg() : await this.graph.exportPng();
      if (tab !== 'graph') this.showTab(tab);
      return data;
    });
    post({ type: 'reply', requestId, reply });
  }

  private save(): void {
    if (!this.model) return;
    const selected = this.selected !== null ? this.model.report.layers[this.selected]?.name ?? null : null;
    this.state = { file: this.model.file, graph: this.graph.getState(), selected, tab: this.tab, sort: this.table.getState(), headerCollapsed: this.headerCollapsed };
    vscode.setState(this.state);
  }

  private message(cls: string, text: string): void {
    this.root.replaceChildren(el('p', text, cls));
  }

  private error(file: string, message: string, inputShapes: boolean): void {
    this.root.replaceChildren(loadError(file, message, inputShapes));
  }
}

const app = new App();
window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isToWebviewMessage(event.data)) app.handle(event.data);
});
// The box font's width per character: the extension lays out the next views ahead with it.
const charWidth = measureCharWidth(document.body);
post(charWidth !== undefined ? { type: 'ready', charWidth } : { type: 'ready' });
