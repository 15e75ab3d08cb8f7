/**
 * `node --import tsx bench/open-bench.ts [--runs N] [--models a,b]`: what a
 * user waits for when opening a model, ConvLens beside Netron, in the same
 * headless Chromium, interleaved (ConvLens, Netron, ConvLens, …), cold.
 *
 * ConvLens, per run, as the extension does it when a model file is opened:
 * a model worker thread (dist/model-worker.js, the extension's own
 * ModelHost; the spare the extension started after the previous open, as
 * SpareWorker does in VS Code) loads and profiles the file, and the
 * extension's ELK worker (LayoutHost, one for the session as in the
 * extension host) lays out the first view, while a fresh page (the exact
 * page the extension serves, which boots its own ELK only after the first
 * paint) boots; the `model` message (JSON) crosses to the page once both are
 * ready; the clock stops when the page says `painted` (boxes on screen). Then one group is expanded (or collapsed) and the time
 * to the next `painted` is the expand time.
 *
 * Netron 9.2.1's web viewer (../shared/peers/netron/source, see
 * ../shared/peers/README.md), per run: a fresh browser context opens
 * `index.html?url=<model>`; the clock stops when the page shows its graph
 * (`body.default` and a `#origin g.node`, checked every animation frame).
 *
 * Both clocks are this process's, from just before the page starts loading
 * (its browser context, a harness's, is made before).
 * Models: torchvision ResNet-50, Inception-v3 and DenseNet-121 exported by
 * torch.onnx.export (when Python has torch and torchvision; cached in
 * bench/models/), and the generated 2,000- and 20,000-node CNNs.
 * Needs dist/ (npm run build) and /usr/bin/chromium.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { DEFAULT_BUDGET_BYTES } from '../src/core/report/model-session';
import { ModelHost } from '../src/extension/model-host';
import { LayoutHost } from '../src/extension/layout-host';
import { SpareWorker } from '../src/extension/spare-worker';
import type { ModelWorkerApi } from '../src/extension/model-requests';
import { hierarchyOf } from '../webview/graph/elk-graph';
import type { LayerReport } from '../src/core/report/profile';
import { launchChromium, openView, startHarness, type Harness, type OpenView } from '../test/browser/harness';
import { ensureGraphModels, GRAPH_MODEL_DIR, torchvisionModels } from './graph-models';

const ROOT = resolve(__dirname, '..');
const NETRON = resolve(ROOT, '../shared/peers/netron/source');
const WORKER = join(ROOT, 'dist', 'model-worker.js');
const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(arg('--runs') ?? 5);
const only = arg('--models')?.split(',');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Target {
  name: string;
  file: string;
}

/** A static server for Netron's viewer and the model files (by absolute path under /models/). */
async function startNetronServer(models: Target[]): Promise<{ url: (t: Target) => string; server: Server }> {
  const byName = new Map(models.map((m, i) => [`m${i}${extname(m.file)}`, m.file]));
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon' };
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const model = /^\/models\/(.+)$/.exec(path);
    const file = model ? byName.get(model[1]) : join(NETRON, path === '/' ? 'index.html' : path);
    if (!file || (!model && !file.startsWith(NETRON)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const names = new Map(models.map((m, i) => [m.file, `m${i}${extname(m.file)}`]));
  return { url: (t) => `${origin}/index.html?url=${encodeURIComponent(`${origin}/models/${names.get(t.file)}`)}`, server };
}

/**
 * As in the extension host: one ELK worker for the whole session, a model worker started ahead of each
 * open, and the width the pages last measured.
 */
const layouts = new LayoutHost(join(ROOT, 'dist', 'layout-worker-node.js'), () => undefined);
const spares = new SpareWorker<ModelWorkerApi>(WORKER, 'the model worker');
let charWidth = 7;

/**
 * The largest group a person would fold: the group with the most layers below half of the
 * model's (DenseNet-121: denseblock3, not `features`, which holds nearly everything).
 */
function largestGroup(layers: readonly LayerReport[]): string | undefined {
  const groups = [...hierarchyOf(layers).groups.values()].filter((g) => g.layers.length < layers.length / 2);
  return groups.sort((a, b) => b.layers.length - a.layers.length || a.layers[0] - b.layers[0])[0]?.id;
}

/** Clicks group `id`'s title bar (expanded) or box (collapsed), wherever it is; the time to the next paint. */
async function toggleGroup(view: OpenView, id: string): Promise<number | null> {
  const since = (await view.messages()).length;
  const e0 = performance.now();
  const found = await view.page.evaluate((group) => {
    const el = document.querySelector(`svg.graph g.group-title-bar[data-group="${CSS.escape(group)}"] .header-hit`) ?? document.querySelector(`svg.graph g.group-collapsed[data-group="${CSS.escape(group)}"] .body`);
    el?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    return el !== null;
  }, id);
  if (!found) return null;
  return view.fromWebview('painted', 120_000, since).then(() => performance.now() - e0, () => null);
}

async function convlensOnce(
  browser: Browser,
  harness: Harness,
  t: Target,
): Promise<{ openMs: number; wholeMs: number; expandMs: number | null; largestMs: [number, number] | null; boxes: number; layoutIn: string }> {
  // The clock starts as the page starts loading (Netron's too): the browser context is the harness's,
  // not something a user waits for. The extension starts loading the model at the same moment
  // (openCustomDocument comes just before the webview's HTML is set).
  let t0 = 0;
  const host = new ModelHost(t.file, WORKER, () => undefined, spares);
  let startWork!: () => void;
  const started = new Promise<void>((ok) => (startWork = ok));
  // The extension's path: a model worker loads and profiles, and the session's ELK worker lays out
  // the first view (the opening screen's boxes first when it has more), while the page boots.
  const data = started.then(async () => {
    await host.open();
    const view = await host.view({ budgetBytes: DEFAULT_BUDGET_BYTES });
    const { layout, whole } = await layouts.layoutView(view, charWidth);
    const message = { type: 'model' as const, file: t.file.split('/').pop()!, report: view.report, layers: view.layers, summary: view.summary, ...(layout ? { layout } : {}) };
    return { message, whole };
  });
  // openView boots the page, waits for its `ready`, then posts the message once it is made.
  const view = await openView(
    browser,
    harness.url,
    data.then((d) => d.message),
    {
      beforeLoad: () => {
        t0 = performance.now();
        startWork();
        return Promise.resolve();
      },
    },
  );
  try {
    const painted = await view.fromWebview('painted', 300_000);
    const openMs = performance.now() - t0;
    let wholeMs = openMs;
    const { whole } = await data;
    // The whole view follows its opening screen, as ModelDocument sends it. (A page that measured
    // another character width than the layout was made for laid out the whole view itself.)
    if (whole && painted.partial) {
      const since = (await view.messages()).length;
      await view.post({ type: 'layout', layout: (await whole) ?? null });
      await view.fromWebview('painted', 300_000, since);
      wholeMs = performance.now() - t0;
    }
    const ready = (await view.messages()).find((m) => m.type === 'ready') as { charWidth?: number } | undefined;
    if (ready?.charWidth) charWidth = ready.charWidth;
    // The largest group, toggled twice (collapsed then expanded again, or the reverse), each click 1.5 s after the
    // paint; then the first group title or collapsed group on screen, once.
    let largestMs: [number, number] | null = null;
    const largest = largestGroup((await data).message.report.layers);
    if (largest) {
      await new Promise((ok) => setTimeout(ok, 1500));
      const once = await toggleGroup(view, largest);
      await new Promise((ok) => setTimeout(ok, 1500));
      const twice = await toggleGroup(view, largest);
      if (once !== null && twice !== null) largestMs = [once, twice];
    }
    // Expand (or collapse) the first group title or collapsed group on screen: time to the next paint.
    // A person looks at the first screen before clicking: the click comes 1.5 s after the paint.
    await new Promise((ok) => setTimeout(ok, 1500));
    let expandMs: number | null = null;
    const since = (await view.messages()).length;
    const target = view.page.locator('svg.graph g.group-collapsed, svg.graph g.group-title-bar .group-header').first();
    if ((await target.count()) > 0) {
      const e0 = performance.now();
      await target.click({ timeout: 10_000 }).catch(() => undefined);
      await view.fromWebview('painted', 120_000, since).then(() => (expandMs = performance.now() - e0)).catch(() => undefined);
    }
    return { openMs, wholeMs, expandMs, largestMs, boxes: painted.visibleNodes, layoutIn: painted.layoutIn + (painted.partial ? ' (opening screen)' : '') };
  } finally {
    await view.close();
    host.dispose();
  }
}

async function netronOnce(browser: Browser, url: string): Promise<{ openMs: number; nodes: number }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const origin = new URL(url).origin;
  await context.addCookies([{ name: 'consent', value: String(Date.now()), url: origin }]);
  const page = await context.newPage();
  try {
    const t0 = performance.now();
    await page.goto(url);
    // Netron replaces window.eval (which page.evaluate relies on): poll through CDP.
    const cdp = await context.newCDPSession(page);
    for (;;) {
      const r = await cdp.send('Runtime.evaluate', {
        expression: 'document.body.classList.contains(\'default\') && document.querySelectorAll(\'#origin g.node\').length',
        returnByValue: true,
      });
      const n = r.result.value as number | false;
      if (n) return { openMs: performance.now() - t0, nodes: n };
      if (performance.now() - t0 > 300_000) throw new Error(`Netron did not draw ${url} within 300 s`);
      await new Promise((ok) => setTimeout(ok, 20));
    }
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(WORKER)) throw new Error('dist/model-worker.js is missing: npm run build first');
  if (!existsSync(join(NETRON, 'index.html'))) throw new Error(`Netron's web viewer is not at ${NETRON} (../shared/peers/README.md)`);
  const generated = ensureGraphModels(GRAPH_MODEL_DIR).map((m) => ({ name: m.name, file: m.file }));
  const targets = [...torchvisionModels(), ...generated].filter((t) => !only || only.some((o) => t.name.includes(o)));
  // The extension's activation: its ELK worker and the first spare model worker start.
  layouts.start();
  spares.prepare(0);
  const harness = await startHarness({ layoutAhead: true });
  const netron = await startNetronServer(targets);
  const browser = await launchChromium();
  const rows: string[] = [];
  try {
    for (const t of targets) {
      const ours: number[] = [];
      const wholes: number[] = [];
      const where: string[] = [];
      const expand: number[] = [];
      const largest: [number, number][] = [];
      const theirs: number[] = [];
      let boxes = 0;
      let nodes = 0;
      for (let i = 0; i < RUNS; i++) {
        const c = await convlensOnce(browser, harness, t);
        ours.push(c.openMs);
        wholes.push(c.wholeMs);
        where.push(c.layoutIn);
        boxes = c.boxes;
        if (c.expandMs !== null) expand.push(c.expandMs);
        if (c.largestMs) largest.push(c.largestMs);
        const n = await netronOnce(browser, netron.url(t));
        theirs.push(n.openMs);
        nodes = n.nodes;
      }
      const [a, w, b] = [median(ours), median(wholes), median(theirs)];
      const row = `| ${t.name} | ${Math.round(a)} | ${Math.round(ours[0])} | ${Math.round(w)} | ${Math.round(b)} | ${(a / b).toFixed(2)} | ${(w / b).toFixed(2)} | ${expand.length ? Math.round(median(expand)) : '—'} | ${largest.length ? `${Math.round(median(largest.map((l) => l[0])))} / ${Math.round(median(largest.map((l) => l[1])))}` : '—'} | ${boxes} | ${nodes} | ${[...new Set(where)].join(', ')} |`;
      console.log(row);
      rows.push(row);
    }
  } finally {
    layouts.dispose();
    spares.dispose();
    await browser.close();
    await harness.close();
    netron.server.close();
  }
  console.log(`\nOpen → graph drawn, median of ${RUNS} interleaved pairs (ms), each a fresh page and a model worker started ahead; the extension's`);
  console.log('ELK worker lives for the session, as in VS Code ("first": the first open of this model in this run, the very first');
  console.log('row also the first layout of the session). ConvLens: the first boxes drawn (the opening screen, at 100 % on the input;');
  console.log('a view of more boxes than a screen shows has its opening screen laid out first); whole: the whole first view drawn.');
  console.log('Expand: the first group on screen toggled → repainted (ms); largest group: the largest group below half the model');
  console.log('toggled, then toggled back (ms), each click 1.5 s after the paint. Laid out: where the first view was.\n');
  console.log('| model | ConvLens | first | whole | Netron 9.2.1 | ratio (goal ≤ 0.5) | whole ratio | expand (goal < 300) | largest group (goal < 300) | ConvLens boxes | Netron nodes | laid out |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) console.log(r);
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
