/**
 * The model view in headless Chromium, served by the harness exactly as the
 * extension serves it (same CSP, bundles and styles). Run with
 * `node --import tsx test/browser/run.ts` after `node scripts/build.mjs`.
 *
 * - Model strings (node, scope and tensor names, op types, attributes, doc
 *   strings) are shown as text: markup in them never becomes elements, runs,
 *   or trips the CSP.
 * - One `g.node` per visible box: the count the renderer draws equals the
 *   count computed in Node from the same ELK graph the page lays out.
 * - Opening a model logs no console error and no CSP violation.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Model } from '../../src/core/ir';
import { GraphBuilder } from '../../src/core/onnx/builder';
import { countBoxes, DEFAULT_BUDGET, defaultExpanded, ioId, toElkGraph, viewGraph, type ElkNode } from '../../webview/graph/elk-graph';
import { compactLayout, firstScreenGraph } from '../../webview/graph/ahead';
import { resnet50 } from '../helpers/zoo';
import type { FromWebviewMessage, ToWebviewMessage } from '../../src/protocol';
import { ROOT, TEST_NONCE, modelMessage, openView, type Harness, type OpenView } from './harness';
import { PAINT_TIMEOUT_MS, UI_TIMEOUT_MS, drawnTransform, settled, until, zoomLayerTransform } from './waits';
import { ensureGraphModels } from '../../bench/graph-models';
import ELK from 'elkjs/lib/elk.bundled.js';
import { runInChild } from '../../src/runtime/client';
import { runtimeView } from '../../src/core/timing/runtime-view';
import { SAMPLES } from '../../src/core/image/samples';
import { DEFAULT_PREPROCESS } from '../../src/core/image/preprocess';
import { summaryOf } from '../../src/core/image/capture';

export interface BrowserTestContext {
  browser: Browser;
  harness: Harness;
}

export interface BrowserTest {
  name: string;
  run(ctx: BrowserTestContext): Promise<void>;
}

type ModelMessage = Extract<ToWebviewMessage, { type: 'model' }>;
type PaintedMessage = Extract<FromWebviewMessage, { type: 'painted' }>;

const SHOTS = join(ROOT, 'test-results', 'browser');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** The page's `painted` (the wait fails with the page's own errors, so a broken page reads as such). */
export const painted = (view: OpenView) => view.fromWebview('painted', PAINT_TIMEOUT_MS);

// ---------------------------------------------------------------------------
// A model whose every string is markup

const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '<script>window.__pwned=2</script>';
const SVG = '"><svg onload=window.__pwned=3>';
const DOC = '<b>bold</b><img src=x onerror="window.__pwned=4"><script>window.__pwned=5</script>';
/** The custom op's type: its box's title (the only box whose text holds `<img src=x`). */
const EVIL_OP = IMG;
const EVIL_ATTR = '<script>window.__pwned=6</script><img src=x onerror="window.__pwned=7">';
const TENSOR = '<img src=y onerror="window.__pwned=8">';

/** Renames value `from` to `to` everywhere in `model` (graph inputs/outputs, node inputs/outputs, value table). */
function renameValue(model: Model, from: string, to: string): void {
  const g = model.graph;
  const v = g.values.get(from);
  if (v) {
    g.values.delete(from);
    g.values.set(to, { ...v, name: to });
  }
  const swap = (names: string[]) => names.map((n) => (n === from ? to : n));
  g.inputs = swap(g.inputs);
  g.outputs = swap(g.outputs);
  for (const n of g.nodes) {
    n.inputs = swap(n.inputs);
    n.outputs = swap(n.outputs);
  }
}

/**
 * Conv → Relu in scope `SVG`, then Conv → a custom op whose type is `IMG` (so
 * the box title itself is markup, with a markup attribute and doc string) →
 * Relu in scope `SCRIPT` (its `</` splits it into two scope levels); tensors
 * and the graph input named with markup.
 */
export function markupModel(): { model: Model; evilLayer: number; evilName: string } {
  const b = new GraphBuilder('markup', { weights: 'none' });
  b.input('input', 'float32', [1, 3, 16, 16]);
  b.conv({ outChannels: 4, kernel: 3, pads: 1, name: 'a' });
  b.relu({ name: 'b' });
  b.conv({ outChannels: 4, kernel: 1, name: 'c' });
  b.node(EVIL_OP, [b.last], { note: EVIL_ATTR }, 1, { name: 'evil', domain: 'com.example' });
  b.relu({ name: 'd' });
  b.output(undefined, { name: 'output' });
  const model = b.build();
  const nodes = model.graph.nodes;
  const names = [`/${SVG}/conv/Conv`, `/${SVG}/relu/Relu`, `/${SCRIPT}/conv/Conv`, `/${SCRIPT}/${SVG}evil`, `/${SCRIPT}/relu/Relu`];
  nodes.forEach((n, i) => (n.name = names[i]));
  nodes[0].doc = DOC;
  nodes[3].doc = DOC;
  nodes.slice(0, 4).forEach((n, i) => renameValue(model, n.outputs[0], `${TENSOR}:${i}`));
  renameValue(model, 'input', `${SVG}input`);
  return { model, evilLayer: 3, evilName: names[3] };
}

/** Everything in the document that markup could have created. */
function injectedElements(nonce: string): string[] {
  const found: string[] = [];
  for (const e of Array.from(document.querySelectorAll('*'))) {
    for (const a of e.getAttributeNames()) if (/^on/i.test(a)) found.push(`<${e.localName} ${a}>`);
  }
  for (const img of Array.from(document.querySelectorAll('img'))) if (/^[xy]$/.test(img.getAttribute('src') ?? '')) found.push(`<img src="${img.getAttribute('src')}">`);
  for (const s of Array.from(document.querySelectorAll('script'))) if (s.nonce !== nonce) found.push(`<script>${(s.textContent ?? '').slice(0, 40)}`);
  for (const b of Array.from(document.querySelectorAll('b'))) if (b.textContent === 'bold') found.push('<b>bold</b>');
  return found;
}

// ---------------------------------------------------------------------------
// The visible boxes of the ELK graph, computed in Node

/** ELK nodes drawn as boxes: layers and collapsed groups (expanded groups are frames). */
export function countVisibleBoxes(n: ElkNode): number {
  let count = 0;
  for (const c of n.children ?? []) {
    if (c.children?.length) count += countVisibleBoxes(c);
    else if (c.layer !== undefined || c.group?.collapsed) count++;
  }
  return count;
}

export function expectedBoxes(msg: ModelMessage): number {
  const layers = msg.report.layers;
  return countVisibleBoxes(toElkGraph(layers, msg.layers, { expanded: defaultExpanded(layers) }));
}

async function drawnBoxes(page: Page): Promise<{ gNodes: number; attribute: string | null }> {
  return page.evaluate(() => ({
    gNodes: document.querySelectorAll('svg.graph g.node').length,
    attribute: document.querySelector('svg.graph')?.getAttribute('data-visible-nodes') ?? null,
  }));
}

/**
 * Opens `msg` in a fresh page, runs `check` once it has painted, and closes the
 * page; on failure, saves `<shot>-failure.png` first.
 */
export async function withView(
  { browser, harness }: BrowserTestContext,
  msg: ModelMessage,
  shot: string,
  check: (view: OpenView, p: PaintedMessage) => Promise<void>,
): Promise<void> {
  const view = await openView(browser, harness.url, msg);
  try {
    await check(view, await painted(view));
  } catch (err) {
    await screenshot(view.page, `${shot}-failure`).catch(() => {});
    throw err;
  } finally {
    await view.close();
  }
}

export async function assertCleanPage(view: OpenView): Promise<void> {
  assert.deepEqual(view.consoleErrors, [], 'console errors');
  assert.deepEqual(await view.cspViolations(), [], 'CSP violations');
}

const smallCnn = () => modelMessage(join(ROOT, 'examples', 'small-cnn.onnx'), 'small-cnn.onnx');

interface SavedState {
  selected?: string | null;
  graph?: { transform?: { x: number; y: number; k: number }; expanded?: string[]; overlay?: string };
}

const savedState = (page: Page) => page.evaluate(() => (window as { __state?: unknown }).__state) as Promise<SavedState | undefined>;
const transformOf = (page: Page) => page.evaluate(() => (window as { __state?: SavedState }).__state?.graph?.transform);

export const tests: BrowserTest[] = [
  {
    name: 'a model that cannot be read shows the file and the reason, not a blank page',
    async run(ctx) {
      const problem = 'truncated at byte 1,204 (field 7 of ModelProto needs 4,096 more) <b>not bold</b>';
      const view = await openView(ctx.browser, ctx.harness.url, { type: 'error', file: 'broken<i>.onnx', message: problem });
      try {
        const alert = view.page.getByRole('alert');
        await alert.waitFor({ timeout: UI_TIMEOUT_MS });
        const text = (await alert.textContent()) ?? '';
        assert.ok(text.includes('Cannot open broken<i>.onnx') && text.includes(problem), text);
        assert.equal(await view.page.locator('.error b, .error i').count(), 0, 'the message is text');
        await screenshot(view.page, 'load-error');
      } finally {
        await view.close();
      }
    },
  },
  {
    name: 'zoom, selection, expanded groups and overlay survive a reload of the file and the view being hidden and shown',
    async run(ctx) {
      const msg = await modelMessage(join(ROOT, 'examples', 'small-cnn.onnx'), 'small-cnn.onnx');
      let saved: SavedState | undefined;
      await withView(ctx, msg, 'state', async (view) => {
        const { page } = view;
        // A person collapses the stem group, zooms in, picks an overlay and selects /block1/bn1.
        const before0 = (await view.messages()).length;
        await page.locator('g.group[data-group="group:stem"] .group-header').click();
        await view.fromWebview('painted', PAINT_TIMEOUT_MS, before0);
        // 21 layers, the stem's 3 now one box.
        assert.equal(await page.locator('svg.graph g.node').count(), 19);
        await page.locator('svg.graph').focus();
        await page.keyboard.press('+');
        await page.keyboard.press('+');
        await page.locator('svg.graph g.node[data-layer="4"]').click();
        await page.locator('#overlay').evaluate((d: HTMLElement & { value: string }) => {
          d.value = 'macs';
          d.dispatchEvent(new Event('change', { bubbles: true }));
        });
        // The page saves its state on each change (zoom debounced); wait for the last one.
        await page
          .waitForFunction(() => {
            const st = (window as { __state?: SavedState }).__state;
            return st?.graph?.overlay === 'macs' && st.selected === '/block1/bn1/BatchNormalization';
          }, undefined, { timeout: UI_TIMEOUT_MS })
          .catch(() => undefined);
        saved = await savedState(page);
        assert.equal(saved?.selected, '/block1/bn1/BatchNormalization');
        assert.equal(saved?.graph?.overlay, 'macs');
        assert.ok(saved?.graph?.expanded && !saved.graph.expanded.includes('group:stem') && saved.graph.expanded.includes('group:block1'), 'the expanded groups are saved');
        const before = saved?.graph?.transform;
        assert.ok(before && before.k > 0, 'the zoom is saved');

        // The file changes on disk: the extension sends the model again.
        const since = (await view.messages()).length;
        await page.evaluate((m) => window.postMessage(m, '*'), msg);
        await view.fromWebview('painted', PAINT_TIMEOUT_MS, since);
        await until(page, `svg.graph > g.zoom[transform="${drawnTransform(before)}"]`);
        await until(page, 'svg.graph g.node.selected[data-layer="4"]');
        assert.equal(await zoomLayerTransform(page), drawnTransform(before), 'a reload keeps the zoom and pan on screen');
        assert.deepEqual(await transformOf(page), before, 'a reload keeps the zoom and pan');
        assert.equal(await page.locator('svg.graph g.node.selected').getAttribute('data-layer'), '4', 'a reload keeps the selection');
        assert.equal(await page.locator('svg.graph g.node').count(), 19, 'a reload keeps the stem collapsed');
        assert.equal(await page.locator('#overlay').evaluate((d: HTMLElement & { value: string }) => d.value), 'macs');
      });

      // Hidden and shown: VS Code discards the page and starts a new one with the saved state.
      const view = await openView(ctx.browser, ctx.harness.url, msg, { state: saved });
      try {
        await painted(view);
        await until(view.page, `svg.graph > g.zoom[transform="${drawnTransform(saved!.graph!.transform!)}"]`);
        await until(view.page, 'svg.graph g.node.selected[data-layer="4"]');
        assert.equal(await zoomLayerTransform(view.page), drawnTransform(saved!.graph!.transform!), 'the zoom and pan come back on screen');
        assert.deepEqual(await transformOf(view.page), saved!.graph!.transform, 'the zoom and pan come back');
        assert.equal(await view.page.locator('svg.graph g.node.selected').getAttribute('data-layer'), '4', 'the selection comes back');
        await view.page.locator('.details-pane').getByText('/block1/bn1/BatchNormalization').first().waitFor({ timeout: UI_TIMEOUT_MS });
        assert.equal((await savedState(view.page))?.graph?.overlay, 'macs', 'the overlay comes back');
        assert.equal(await view.page.locator('svg.graph g.node').count(), 19, 'the stem stays collapsed');
        await screenshot(view.page, 'state-restored');
      } finally {
        await view.close();
      }
    },
  },
  {
    name: 'a measured run (onnxruntime, in the runtime process): latency overlay, the table\'s time column, the details\' measured section',
    async run(ctx) {
      const file = join(ROOT, 'examples', 'small-cnn.onnx');
      const msg = await modelMessage(file, 'small-cnn.onnx');
      const { report: run } = await runInChild({ kind: 'profile', modelPath: file, provider: 'cpu', input: 'random', warmup: 1, runs: 5 });
      const rv = runtimeView(msg.report, run);
      await withView(ctx, msg, 'runtime', async (view) => {
        const { page } = view;
        await page.evaluate(() => window.postMessage({ type: 'runStatus', running: true, message: 'run 2/5' }, '*'));
        await page.locator('#run-profile').getByText('Cancel run').waitFor({ timeout: UI_TIMEOUT_MS });
        assert.match((await page.locator('.runtime-status').textContent()) ?? '', /Running… run 2\/5/);
        // The button posts the request; here the test plays the extension.
        await page.evaluate(() => window.postMessage({ type: 'runStatus', running: false }, '*'));
        await page.locator('#run-profile').click();
        assert.ok((await view.messages()).some((m) => m.type === 'runProfile'), 'the button asks the extension to run');
        await page.evaluate((m) => window.postMessage(m, '*'), { type: 'runtime', view: rv } as ToWebviewMessage);
        // The result of a run started here switches the colours to the measured latency.
        await page.waitForFunction(() => (document.querySelector('#overlay') as HTMLElement & { value: string }).value === 'latency', undefined, { timeout: UI_TIMEOUT_MS });
        await page.locator('.graph-legend .legend-title', { hasText: 'Latency' }).waitFor({ timeout: UI_TIMEOUT_MS });
        const fills = await page.locator('svg.graph g.node rect').evaluateAll((rs) => new Set(rs.map((r) => getComputedStyle(r).fill)).size);
        assert.ok(fills >= 3, `latency colours vary over the boxes (${fills} fills)`);
        assert.match((await page.locator('.runtime-figures').textContent()) ?? '', /Latency p50[\d.]+ (ms|µs)/);
        // The first conv: its measured time in its details, with the layers onnxruntime fused into it.
        const conv = msg.report.layers.findIndex((l) => l.op === 'Conv');
        await page.locator(`svg.graph g.node[data-layer="${conv}"]`).click();
        const measured = page.locator('.details-section', { hasText: 'Measured' });
        await measured.waitFor({ timeout: UI_TIMEOUT_MS });
        const text = (await measured.textContent()) ?? '';
        assert.match(text, /median of 5 runs/);
        assert.match(text, /CPU/);
        // A batch sweep: the chart of throughput and latency, and where memory ran out.
        const point = (batch: number, p50: number) => ({ batch, latencyMs: { n: 3, min: p50, p50, p90: p50, max: p50, mean: p50 }, throughput: (batch * 1000) / p50, peakRssBytes: 1e8 * batch });
        const sweep = { file: 'small-cnn.onnx', engine: 'onnxruntime 1.30.0', providers: ['CPUExecutionProvider'], device: 'CPU', points: [point(1, 1), point(2, 1.5), point(4, 2.5)], stopped: { batch: 8, reason: 'memory' as const, message: 'out of memory at batch 8: <b>killed</b>' }, memoryLimitBytes: 1e9 };
        await page.evaluate((m) => window.postMessage(m, '*'), { type: 'sweep', sweep } as ToWebviewMessage);
        await page.locator('svg.sweep-chart').waitFor({ timeout: UI_TIMEOUT_MS });
        assert.equal(await page.locator('svg.sweep-chart polyline').count(), 2);
        assert.equal(await page.locator('svg.sweep-chart circle').count(), 6);
        assert.match((await page.locator('.sweep-note').textContent()) ?? '', /Best throughput 1600\.0 samples\/s at batch 4\. out of memory at batch 8: <b>killed<\/b>/);
        await screenshot(page, 'runtime-overlay');
        await page.locator('#tab-table').click();
        await page.locator('table.layers th', { hasText: 'Time' }).waitFor({ timeout: UI_TIMEOUT_MS });
        const timeCells = await page.locator('table.layers td.layers-runtime').allTextContents();
        assert.ok(timeCells.some((t) => /\d+(\.\d+)? (ms|µs)/.test(t)), 'the table shows measured times');
        assert.ok(timeCells.includes('fused'), 'fused layers say so');
        // The run's columns come after the op, in view without scrolling sideways.
        const seen = await page.evaluate(() => {
          const pane = document.querySelector('.table-pane')!.getBoundingClientRect();
          const cols = Array.from(document.querySelectorAll('table.layers th'), (th) => ({ text: th.textContent ?? '', right: th.getBoundingClientRect().right }));
          return { paneRight: pane.right, cols };
        });
        assert.deepEqual(seen.cols.slice(1, 7).map((c) => c.text.trim()), ['Layer', 'Op', 'Time', 'Share', 'GFLOP/s', 'Bound']);
        for (const c of seen.cols.slice(3, 7)) assert.ok(c.right <= seen.paneRight + 1, `${c.text} ends at ${c.right}, the pane at ${seen.paneRight}`);
        // The Layer column's edge drags wider; the names are in the cells' tooltips.
        const name = page.locator('table.layers th.layers-col-name');
        const w0 = (await name.boundingBox())!.width;
        const handle = (await page.locator('table.layers .layers-resize').boundingBox())!;
        await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
        await page.mouse.down();
        await page.mouse.move(handle.x + 100, handle.y + handle.height / 2, { steps: 4 });
        await page.mouse.up();
        assert.ok((await name.boundingBox())!.width > w0 + 50, 'the Layer column is wider after a drag');
        assert.equal(await page.locator('table.layers td.layers-name').first().getAttribute('title'), msg.report.layers[0].name);
        await screenshot(page, 'runtime-table');
        assert.deepEqual(view.consoleErrors, []);
        assert.deepEqual(await view.cspViolations(), []);
      });
    },
  },
  {
    name: 'feature maps: capture on a sample, the selected layer\'s channel grid, a channel enlarged, a unit\'s receptive field on the input',
    async run(ctx) {
      const file = join(ROOT, 'examples', 'small-cnn.onnx');
      const msg = await modelMessage(file, 'small-cnn.onnx');
      const samples = SAMPLES.map((x) => ({ file: x.file, label: x.label }));
      await withView(ctx, msg, 'feature-maps', async (view) => {
        const { page } = view;
        const setup: ToWebviewMessage = { type: 'featureMapsSetup', samples, settings: { image: { kind: 'sample', file: 'stripes-vertical.png' }, preprocess: { ...DEFAULT_PREPROCESS } }, imageLabel: 'Stripes, vertical' };
        await page.evaluate((m) => window.postMessage(m, '*'), setup);
        await page.locator('#tab-features').click();
        await page.locator('#fm-capture').click();
        // The test plays the extension: the capture runs in the runtime process, as the extension runs it.
        const asked = await view.fromWebview('captureFeatureMaps', UI_TIMEOUT_MS);
        assert.equal(asked.settings.image.kind, 'sample');
        assert.equal(asked.settings.preprocess.mean.join(), '0.485,0.456,0.406');
        const image = join(ROOT, 'media', 'samples', (asked.settings.image as { file: string }).file);
        const { capture } = await runInChild({ kind: 'capture', modelPath: file, provider: 'cpu', image, preprocess: asked.settings.preprocess });
        await page.evaluate((m) => window.postMessage(m, '*'), { type: 'featureMapsCaptured', summary: summaryOf(capture) } as ToWebviewMessage);
        await page.locator('.fm-status', { hasText: '21 layers captured' }).or(page.locator('.fm-status', { hasText: 'layers captured' })).first().waitFor({ timeout: UI_TIMEOUT_MS });
        // Select block1's first conv (layer 3) from the extension side, as a click in the graph would.
        const since = (await view.messages()).length;
        await page.evaluate(() => window.postMessage({ type: 'reveal', layer: 3 }, '*'));
        await page.locator('#tab-features').click();
        const req = await view.fromWebview('featureMap', UI_TIMEOUT_MS, since);
        assert.equal(req.layer, msg.report.layers[3].name);
        const map = capture.layers.find((l) => l.layer === req.layer)!;
        await page.evaluate((m) => window.postMessage(m, '*'), { type: 'reply', requestId: req.requestId, reply: { ok: true, value: map } } as ToWebviewMessage);
        await page.locator('.fm-tile').first().waitFor({ timeout: UI_TIMEOUT_MS });
        assert.equal(await page.locator('.fm-tile').count(), 16, 'one tile per channel of the 16-channel conv');
        assert.match((await page.locator('.fm-layer-title').textContent()) ?? '', /1×16×32×32 · 16 channels/);
        // Strongest first.
        await page.locator('#fm-sort').evaluate((d: HTMLElement & { value: string }) => {
          d.value = 'max';
          d.dispatchEvent(new Event('change', { bubbles: true }));
        });
        const strongest = [...map.stats.keys()].sort((a, b) => map.stats[b].max - map.stats[a].max || a - b)[0];
        assert.equal(await page.locator('.fm-tile').first().getAttribute('data-channel'), String(strongest));
        await page.locator('.fm-tile').first().click();
        await page.locator('.fm-zoom-canvas').waitFor({ timeout: UI_TIMEOUT_MS });
        // The centre unit (16, 16) of a 5×5 field at stride 1: input pixels 14–19 (edges) on both axes.
        const box = await page.locator('.fm-zoom-canvas').boundingBox();
        await page.mouse.click(box!.x + box!.width * (16.5 / 32), box!.y + box!.height * (16.5 / 32));
        await page.locator('.fm-input-info', { hasText: 'receptive field x 14–19, y 14–19' }).waitFor({ timeout: UI_TIMEOUT_MS });
        await screenshot(page, 'feature-maps');
        assert.deepEqual(view.consoleErrors, []);
        assert.deepEqual(await view.cspViolations(), []);
      });
    },
  },
  {
    name: 'markup in model strings shows literally',
    async run(ctx) {
      const { model, evilLayer, evilName } = markupModel();
      await withView(ctx, await modelMessage(model, `${IMG}.onnx`), 'markup-model', async (view) => {
        const { page } = view;
        // An injected <img onerror> would fire once its load fails: wait until every image has settled.
        await settled(page);
        await screenshot(page, 'markup-model');
        assert.equal(await page.evaluate(() => window.__pwned), undefined, 'markup from the model ran');
        assert.deepEqual(await page.evaluate(injectedElements, TEST_NONCE), [], 'elements created from model strings');
        const graphText = (await page.locator('svg.graph').textContent()) ?? '';
        for (const s of [SVG, SCRIPT]) assert.ok(graphText.includes(s), `the graph shows the scope ${JSON.stringify(s)} verbatim`);

        const node = page.locator('svg.graph g.node').filter({ hasText: '<img src=x' });
        assert.equal(await node.count(), 1, `exactly one box titled with the literal markup (box texts: ${JSON.stringify(await page.locator('svg.graph g.node').allTextContents())})`);
        assert.ok((await node.textContent())?.includes(EVIL_OP), 'the box shows the op type verbatim');

        const since = (await view.messages()).length;
        await node.click();
        const selected = await view.fromWebview('selected', UI_TIMEOUT_MS, since);
        assert.equal(selected.layer, evilLayer, 'clicking the box selects its layer');
        await page
          .waitForFunction((name) => (document.querySelector('.details-pane')?.textContent ?? '').includes(name), evilName, { timeout: UI_TIMEOUT_MS })
          .catch(() => undefined);
        const details = (await page.locator('.details-pane').textContent()) ?? '';
        for (const s of [EVIL_OP, EVIL_ATTR, DOC, evilName, `${TENSOR}:2`, `${TENSOR}:3`]) {
          assert.ok(details.includes(s), `the details panel shows ${JSON.stringify(s)} verbatim`);
        }
        await screenshot(page, 'markup-model-selected');

        assert.equal(await page.evaluate(() => window.__pwned), undefined, 'markup from the model ran after selecting');
        assert.deepEqual(await page.evaluate(injectedElements, TEST_NONCE), [], 'elements created from model strings after selecting');
        await assertCleanPage(view);
      });
    },
  },
  {
    name: 'a TF.js layers model shows its own layout: NHWC shapes with the open batch N in the summary, graph and details',
    async run(ctx) {
      const msg = await modelMessage(join(ROOT, 'examples', 'tfjs-cnn', 'model.json'), 'model.json');
      assert.equal(msg.report.layout, 'NHWC');
      await withView(ctx, msg, 'tfjs-cnn-layout', async (view) => {
        const { page } = view;
        const summary = await page.locator('.summary-io').innerText();
        assert.match(summary, /shapes NHWC \(channels last\)/);
        assert.match(summary, /Inputs: \S+ N×32×32×3 float32/);
        const conv = msg.report.layers.findIndex((l) => l.op === 'Conv');
        await page.locator(`svg.graph g.node[data-layer="${conv}"]`).click();
        await page.waitForFunction(() => /N×32×32×16/.test(document.querySelector('.details-pane')?.textContent ?? ''), undefined, { timeout: UI_TIMEOUT_MS });
        assert.match(await page.locator('svg.graph').textContent() ?? '', /N×32×32×16/);
        const details = await page.locator('.details-pane').innerText();
        assert.doesNotMatch(details, /1×16×32×32/);
        // The kernel as Keras stores it: [kh, kw, C_in, filters].
        assert.match(details, /3×3×3×16/);
        await screenshot(page, 'tfjs-cnn-layout');
      });
    },
  },
  {
    name: 'one g.node per visible box (small-cnn.onnx)',
    async run(ctx) {
      const msg = await smallCnn();
      const expected = expectedBoxes(msg);
      await withView(ctx, msg, 'small-cnn', async (view, p) => {
        await screenshot(view.page, 'small-cnn');
        const drawn = await drawnBoxes(view.page);
        assert.equal(drawn.gNodes, expected, 'svg.graph g.node elements vs visible boxes of toElkGraph');
        assert.equal(p.visibleNodes, expected, 'painted.visibleNodes');
        assert.equal(drawn.attribute, String(expected), 'svg.graph[data-visible-nodes]');
        assert.equal(p.layers, msg.report.layers.length, 'painted.layers');
      });
    },
  },
  {
    name: 'Restricted Mode: the run and capture buttons are disabled up front and say why, with Manage Workspace Trust; the header collapses to one line',
    async run(ctx) {
      await withView(ctx, await smallCnn(), 'restricted', async (view) => {
        const { page } = view;
        await page.evaluate(() => window.postMessage({ type: 'trust', trusted: false }, '*'));
        await page.locator('.runtime-bar .trust-note', { hasText: 'needs a trusted workspace' }).waitFor({ timeout: UI_TIMEOUT_MS });
        assert.equal(await page.locator('#run-profile').getAttribute('disabled'), '', 'Profile (run) is disabled');
        assert.equal(await page.locator('#run-sweep').getAttribute('disabled'), '', 'Batch sweep is disabled');
        assert.equal(await page.locator('#fm-capture').getAttribute('disabled'), '', 'Capture is disabled');
        const since = (await view.messages()).length;
        await page.locator('.runtime-bar .trust-note vscode-button').click();
        await view.fromWebview('manageTrust', UI_TIMEOUT_MS, since);
        await screenshot(page, 'restricted-mode');
        // Trust granted: the buttons work again, the note goes.
        await page.evaluate(() => window.postMessage({ type: 'trust', trusted: true }, '*'));
        await page.locator('.runtime-bar .trust-note').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
        assert.equal(await page.locator('#run-profile').getAttribute('disabled'), null);
        // The header collapses to one line and says so to the extension (remembered for new views).
        const graphTop = () => page.locator('.graph-pane').evaluate((e) => e.getBoundingClientRect().top);
        const before = await graphTop();
        const sent = (await view.messages()).length;
        await page.locator('#summary-toggle').click();
        const msg = await view.fromWebview('headerCollapsed', UI_TIMEOUT_MS, sent);
        assert.equal(msg.collapsed, true);
        await page.locator('.summary-compact', { hasText: 'small-cnn.onnx · 21 layers' }).waitFor({ timeout: UI_TIMEOUT_MS });
        assert.ok((await graphTop()) < before - 100, `the graph moved up: ${before} → ${await graphTop()}`);
        await screenshot(page, 'header-collapsed');
      });
    },
  },
  {
    name: 'heat colours keep their scale when a group collapses',
    async run(ctx) {
      await withView(ctx, await smallCnn(), 'heat-scale', async (view) => {
        const { page } = view;
        await page.locator('#overlay').evaluate((d: HTMLElement & { value: string }) => {
          d.value = 'macs';
          d.dispatchEvent(new Event('change', { bubbles: true }));
        });
        const fill = () => page.locator('svg.graph g.node[data-layer="6"] rect.body').evaluate((r) => (r as SVGRectElement).style.fill);
        await page.waitForFunction(() => !!document.querySelector<SVGRectElement>('svg.graph g.node[data-layer="6"] rect.body')?.style.fill);
        const before = await fill();
        // Collapsing the stem makes a box whose MACs are the stem's sum; layer 6's colour stays.
        const since = (await view.messages()).length;
        await page.locator('g.group[data-group="group:stem"] .group-header').click();
        await view.fromWebview('painted', PAINT_TIMEOUT_MS, since);
        assert.equal(await page.locator('svg.graph g.node').count(), 19);
        assert.equal(await fill(), before);
        // Expanding it again is a state laid out before: drawn from the cache, without ELK.
        const again = (await view.messages()).length;
        await page.locator('svg.graph g.group-collapsed[data-group="group:stem"]').click();
        const painted = await view.fromWebview('painted', PAINT_TIMEOUT_MS, again);
        assert.equal(painted.layoutIn, 'cache');
        assert.equal(await page.locator('svg.graph g.node').count(), 21);
      });
    },
  },
  {
    name: 'an SVG export while Find dims the graph shows every box at full strength',
    async run(ctx) {
      await withView(ctx, await smallCnn(), 'export-search', async (view) => {
        const { page } = view;
        await page.locator('.search-field').click();
        await page.keyboard.type('shortcut');
        await page.locator('svg.graph.searching').waitFor({ timeout: UI_TIMEOUT_MS });
        const dimmed = await page.locator('svg.graph g.node:not(.match):not(.match-current)').first().evaluate((e) => getComputedStyle(e).opacity);
        assert.equal(dimmed, '0.35', 'Find dims the boxes that do not match');
        const since = (await view.messages()).length;
        await page.evaluate(() => window.postMessage({ type: 'export', requestId: 41, format: 'svg' }, '*'));
        const reply = (await view.fromWebview('reply', UI_TIMEOUT_MS, since)) as { requestId: number; reply: { ok: boolean; value?: string } };
        assert.equal(reply.requestId, 41);
        assert.ok(reply.reply.ok && reply.reply.value, 'the export has a body');
        assert.doesNotMatch(reply.reply.value, /opacity:\s*0\.35/, 'no box is dimmed in the export');
      });
    },
  },
  {
    name: 'a layout made ahead by the extension for the page\'s character width is drawn as it is; one for another width is laid out again',
    async run(ctx) {
      const msg = await smallCnn();
      // The width this Chromium measures, as the extension learns it from a page's `ready`.
      let width = 0;
      await withView(ctx, msg, 'ahead-probe', async (view) => {
        const ready = (await view.messages()).find((m) => m.type === 'ready') as { charWidth?: number } | undefined;
        width = ready?.charWidth ?? 0;
      });
      assert.ok(width > 4 && width < 12, `the page reports its character width: ${width}`);
      const expanded = defaultExpanded(msg.report.layers);
      const laid = async (charWidth: number) =>
        (await new ELK().layout(viewGraph(msg.report, msg.layers, expanded, charWidth) as never)) as unknown as ElkNode;
      await withView(ctx, { ...msg, layout: { expanded: [...expanded], charWidth: width, graph: await laid(width) } }, 'ahead', async (view, p) => {
        assert.equal(p.layoutIn, 'extension');
        assert.equal(await view.page.locator('svg.graph g.node').count(), msg.report.layers.length);
        await assertCleanPage(view);
      });
      await withView(ctx, { ...msg, layout: { expanded: [...expanded], charWidth: width + 1, graph: await laid(width + 1) } }, 'ahead-other-width', (_view, p) => {
        assert.notEqual(p.layoutIn, 'extension');
        return Promise.resolve();
      });
    },
  },
  {
    name: 'a view larger than a screen opens on its opening screen laid out ahead, then the whole view replaces it in place',
    async run(ctx) {
      const msg = await modelMessage(resnet50({ weights: 'none' }), 'resnet50.onnx');
      let width = 0;
      await withView(ctx, await smallCnn(), 'opening-probe', async (view) => {
        width = ((await view.messages()).find((m) => m.type === 'ready') as { charWidth?: number } | undefined)?.charWidth ?? 0;
      });
      const expanded = defaultExpanded(msg.report.layers);
      const whole = viewGraph(msg.report, msg.layers, expanded, width);
      const first = firstScreenGraph(whole)!;
      assert.ok(first, `ResNet-50 shows more boxes (${countBoxes(whole)}) than its opening screen`);
      const laid = async (g: ElkNode) => compactLayout((await new ELK().layout(g as never)) as unknown as ElkNode);
      const base = { expanded: [...expanded], charWidth: width };
      const partial = { ...base, graph: await laid(first), partial: true };
      const wholeLaid = { ...base, graph: await laid(whole) };
      const inputAt = (page: Page) => page.locator(`svg.graph [data-id="${ioId('input', 0)}"]`).evaluate((e) => {
        const r = e.getBoundingClientRect();
        return [Math.round(r.x), Math.round(r.y)];
      });
      for (const movedFirst of [false, true]) {
        await withView(ctx, { ...msg, layout: partial }, `opening-screen${movedFirst ? '-moved' : ''}`, async (view, p) => {
          assert.equal(p.partial, true);
          assert.equal(p.layoutIn, 'extension');
          const shown = await view.page.locator('svg.graph g.node').count();
          assert.ok(shown > 0 && shown < msg.report.layers.length, `the opening screen's layers only: ${shown}`);
          // An export asked for now waits for the whole view.
          const since = (await view.messages()).length;
          await view.page.evaluate(() => window.postMessage({ type: 'export', requestId: 7, format: 'svg' }, '*'));
          if (movedFirst) {
            const start = await inputAt(view.page);
            await view.page.locator('svg.graph').hover();
            await view.page.mouse.wheel(0, 120);
            for (let i = 0; i < 100 && (await inputAt(view.page)).join() === start.join(); i++) await view.page.waitForTimeout(20);
            assert.notDeepEqual(await inputAt(view.page), start, 'the user moved the view');
          }
          const before = await inputAt(view.page);
          await view.post({ type: 'layout', layout: wholeLaid });
          const again = await view.fromWebview('painted', PAINT_TIMEOUT_MS, since);
          assert.equal(again.partial, undefined);
          assert.equal(again.layoutIn, 'extension');
          assert.equal(await view.page.locator('svg.graph g.node').count(), msg.report.layers.length, 'every layer drawn');
          assert.deepEqual(await inputAt(view.page), before, 'the input box stays where it was on screen');
          const reply = (await view.fromWebview('reply', UI_TIMEOUT_MS, since)) as { requestId: number; reply: { ok: boolean; value?: string } };
          assert.equal(reply.requestId, 7);
          assert.equal((reply.reply.value!.match(/class="node[ "]/g) ?? []).length, msg.report.layers.length, 'the export has the whole graph');
          await assertCleanPage(view);
        });
      }
      // The extension could not lay the whole view out: the page does.
      await withView(ctx, { ...msg, layout: partial }, 'opening-screen-page-lays-out', async (view) => {
        const since = (await view.messages()).length;
        await view.post({ type: 'layout', layout: null });
        const again = await view.fromWebview('painted', PAINT_TIMEOUT_MS, since);
        assert.equal(again.partial, undefined);
        assert.notEqual(again.layoutIn, 'extension');
        assert.equal(await view.page.locator('svg.graph g.node').count(), msg.report.layers.length);
      });
    },
  },
  {
    name: 'no console errors or CSP violations while opening small-cnn.onnx',
    async run(ctx) {
      await withView(ctx, await smallCnn(), 'small-cnn-console', async (view) => {
        await settled(view.page);
        await assertCleanPage(view);
      });
    },
  },
  {
    name: 'a 2,000-node model opens within the visible-box budget',
    async run(ctx) {
      const [m] = ensureGraphModels(undefined, { log: () => {} });
      const msg = await modelMessage(m.file, 'cnn-2000.onnx');
      const expected = expectedBoxes(msg);
      await withView(ctx, msg, 'cnn-2000', async (view, p) => {
        await screenshot(view.page, 'cnn-2000');
        const drawn = await drawnBoxes(view.page);
        assert.ok(expected <= DEFAULT_BUDGET, `at most ${DEFAULT_BUDGET} boxes by default (the ELK graph has ${expected})`);
        assert.equal(drawn.gNodes, expected, 'svg.graph g.node elements vs visible boxes of toElkGraph');
        assert.equal(p.visibleNodes, expected, 'painted.visibleNodes');
        await assertCleanPage(view);
      });
    },
  },
];
