/**
 * The compare view (a model message with `compare`) in headless Chromium:
 * ResNet-18 (examples/resnet18.cnn.yaml) as A, and as B a copy with
 * conv1_relu removed, a Dropout added before the pooling, conv4_block2's
 * first conv at 5×5 instead of 3×3 and a 10-way classifier instead of 1000.
 *
 * - The graph opens on the 'change' overlay: changed, added and removed
 *   layers coloured, unchanged ones plain; groups holding a change expanded,
 *   the others collapsed; the legend says so.
 * - The header reads A → B with each total's delta, and the counts.
 * - The details show A / B / Δ; the table has the status and delta columns;
 *   selection is shared between graph, table and details.
 * - A normal model shown after it looks as before (no change overlay, the
 *   run buttons and feature maps back).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { loadModelFile } from '../../src/core/loaders/index';
import { DEFAULT_BUDGET_BYTES, ModelSession } from '../../src/core/report/model-session';
import type { ToWebviewMessage } from '../../src/protocol';
import { ROOT, modelMessage, openView, setTheme } from './harness';
import { PAINT_TIMEOUT_MS, UI_TIMEOUT_MS, until } from './waits';
import { assertCleanPage, painted, screenshot, withView, type BrowserTest } from './webview.test';

type ModelMessage = Extract<ToWebviewMessage, { type: 'model' }>;

/** Okabe & Ito's colour-universal palette, written out (not read from the code under test). */
const COLOURS = { added: 'rgb(0, 158, 115)', removed: 'rgb(213, 94, 0)', changed: 'rgb(240, 228, 66)' };

/** The compare message the extension sends for resnet18.cnn.yaml → its edited copy. */
async function resnetCompare(): Promise<ModelMessage> {
  const dir = mkdtempSync(join(tmpdir(), 'convlens-compare-'));
  try {
    const a = join(ROOT, 'examples', 'resnet18.cnn.yaml');
    const b = join(dir, 'resnet18-b.cnn.yaml');
    const edits: [string | RegExp, string][] = [
      ['  - ReLU: {name: conv1_relu}\n', ''],
      ['  - GlobalAveragePooling2D', '  - Dropout: {rate: 0.5, name: drop}\n  - GlobalAveragePooling2D'],
      [/(name: conv4_block2\n {6}layers:\n {8}- Conv2D: \{filters: 256, kernel_size: )3/, '$15'],
      ['units: 1000', 'units: 10'],
    ];
    let text = readFileSync(a, 'utf8');
    for (const [from, to] of edits) {
      const next = text.replace(from, to);
      assert.notEqual(next, text, `the edit ${from} applies to resnet18.cnn.yaml`);
      text = next;
    }
    writeFileSync(b, text);
    const session = ModelSession.compareModels((await loadModelFile(a)).model, (await loadModelFile(b)).model, { a: 'models/resnet18.cnn.yaml', b: 'models/resnet18-b.cnn.yaml' });
    return { type: 'model', file: b, ...session.view({ budgetBytes: DEFAULT_BUDGET_BYTES }) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fillOf = (page: Page, selector: string) => page.locator(selector).first().evaluate((r) => (r as SVGRectElement).style.fill);
const visible = (page: Page, selector: string) => page.locator(selector).first().isVisible();

async function setOverlay(page: Page, value: string): Promise<void> {
  await page.locator('#overlay').evaluate((d: HTMLElement & { value: string }, v) => {
    d.value = v;
    d.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

export const compareTests: BrowserTest[] = [
  {
    name: 'compare view: change colours and legend, A → B header with deltas, A/B/Δ details, status and delta columns, shared selection; light and dark',
    async run(ctx) {
      const msg = await resnetCompare();
      const c = msg.compare!;
      const index = (status: string, op?: string) => c.layers.findIndex((l, i) => l.status === status && (!op || msg.report.layers[i].op === op));
      const changed = index('changed', 'Conv');
      const added = index('added');
      const removed = index('removed');
      assert.deepEqual([c.summary.changed, c.summary.added, c.summary.removed], [3, 1, 1], 'the conv, the classifier and its softmax changed; the Dropout added; conv1_relu removed');
      assert.equal(msg.report.layers[removed].name, 'A:/conv1_relu/Relu');
      await withView(ctx, msg, 'compare', async (view) => {
        const { page } = view;
        // The change overlay is offered, first, and chosen.
        assert.equal(await page.locator('#overlay').evaluate((d: HTMLElement & { value: string }) => d.value), 'change');
        assert.equal((await page.locator('#overlay vscode-option').first().textContent())?.trim(), 'Colour: change');
        await page.locator('.graph-legend .legend-title', { hasText: 'Change' }).waitFor({ timeout: UI_TIMEOUT_MS });
        const legend = (await page.locator('.graph-legend').textContent()) ?? '';
        for (const s of ['changed (3)', 'added (1)', 'removed (1)', 'no colour: unchanged']) assert.ok(legend.includes(s), `the legend says ${s}: ${legend}`);

        // Layers coloured by status; unchanged ones plain.
        assert.equal(await fillOf(page, `svg.graph g.node[data-layer="${changed}"] rect.body`), COLOURS.changed);
        assert.equal(await fillOf(page, `svg.graph g.node[data-layer="${added}"] rect.body`), COLOURS.added);
        assert.equal(await fillOf(page, `svg.graph g.node[data-layer="${removed}"] rect.body`), COLOURS.removed);
        assert.equal(await fillOf(page, 'svg.graph g.node[data-layer="0"] rect.body'), '', 'an unchanged layer has no fill');
        assert.equal(await page.locator(`svg.graph g.node[data-layer="${removed}"] .title`).evaluate((t) => getComputedStyle(t).textDecorationLine), 'line-through', 'a removed layer is struck through, not told by hue alone');
        await screenshot(page, 'compare-open-dark');
        // Groups holding a change open; the unchanged ones stay collapsed, plain.
        assert.equal(await page.locator('svg.graph g.group-collapsed[data-group="group:conv4_block2"]').count(), 0, 'conv4_block2 (changed) is expanded');
        assert.equal(await page.locator('svg.graph g.group-collapsed[data-group="group:conv2"]').count(), 1, 'conv2 (unchanged) is collapsed');
        assert.equal(await fillOf(page, 'svg.graph g.group-collapsed[data-group="group:conv2"] rect.body'), '');

        // The header: A → B, B's totals with their deltas, the counts; no run or feature maps.
        assert.equal((await page.locator('.summary-file').textContent())?.trim(), 'resnet18.cnn.yaml → resnet18-b.cnn.yaml');
        const deltas = await page.locator('.summary-totals .summary-delta').allTextContents();
        // (5×5 − 3×3)·256·256 = +1,048,576 weights, (512 + 1)·(10 − 1000) = −507,870: +540,706 of ResNet-18's 11,699,112.
        assert.equal(deltas[0], '+540.71 K (+4.6%)');
        assert.equal(deltas[4], 'no change', 'the peak inference memory is the same');
        assert.match((await page.locator('.summary-counts').textContent()) ?? '', /^3 changed · 1 added · 1 removed · 71 unchanged/);
        assert.ok(!(await visible(page, '#run-profile')), 'no Profile (run) in a compare view');
        assert.ok(!(await visible(page, '#run-sweep')), 'no Batch sweep in a compare view');
        assert.ok(!(await visible(page, '#tab-features')), 'no Feature maps tab in a compare view');

        // Clicking the changed conv (the whole graph fitted in view): its status, what changed, and A / B / Δ.
        await page.locator('#fit').click();
        await page.locator(`svg.graph g.node[data-layer="${changed}"]`).click();
        const section = page.locator('.details-pane .details-compare');
        await section.waitFor({ timeout: UI_TIMEOUT_MS });
        assert.match((await section.locator('.details-compare-status').textContent()) ?? '', /changed/);
        assert.deepEqual(await section.locator('.details-compare-changes li').allTextContents(), ['weight shapes', 'parameters', 'MACs', 'receptive field']);
        assert.deepEqual((await section.locator('thead th').allTextContents()).map((t) => t.trim()), ['', 'A', 'B', 'Δ']);
        const params = await section.locator('tbody tr', { hasText: 'Params' }).locator('td').allTextContents();
        // 3·3·256·256 = 589,824 → 5·5·256·256 = 1,638,400.
        assert.deepEqual(params, ['589.82 K', '1.64 M', '+1.05 M']);
        // The same output shape in both: said once; no Δ of a shape.
        assert.deepEqual(await section.locator('tbody tr', { hasText: 'Output' }).locator('td').allTextContents(), ['1×256×14×14', '']);
        // Centred at a readable zoom for the pictures, the pointer away from the graph (no tooltip).
        await view.post({ type: 'reveal', layer: changed });
        await page.waitForFunction(() => /scale\(0\.9|scale\(1/.test(document.querySelector('svg.graph > g.zoom')?.getAttribute('transform') ?? ''), undefined, { timeout: UI_TIMEOUT_MS });
        await page.mouse.move(1300, 880);
        await screenshot(page, 'compare-dark');
        await setTheme(page, 'light');
        assert.equal(await fillOf(page, `svg.graph g.node[data-layer="${changed}"] rect.body`), COLOURS.changed, 'the same colours in the light theme');
        await screenshot(page, 'compare-light');

        // A collapsed group takes the kind of change inside it.
        const since = (await view.messages()).length;
        await page.locator('g.group[data-group="group:conv4_block2"] .group-header').click();
        await view.fromWebview('painted', PAINT_TIMEOUT_MS, since);
        assert.equal(await fillOf(page, 'svg.graph g.group-collapsed[data-group="group:conv4_block2"] rect.body'), COLOURS.changed);
        // The model's tail: the added Dropout, the changed classifier, in the light theme.
        await view.post({ type: 'reveal', layer: added });
        await until(page, `svg.graph g.node.selected[data-layer="${added}"]`);
        await page.mouse.move(1300, 880);
        await screenshot(page, 'compare-tail-light');

        // The table: status and delta columns after the op; removed rows marked; sorted by status.
        await page.locator('#tab-table').click();
        await page.locator('table.layers th', { hasText: 'Status' }).waitFor({ timeout: UI_TIMEOUT_MS });
        const heads = (await page.locator('table.layers th').allTextContents()).map((t) => t.trim());
        assert.deepEqual(heads.slice(1, 8), ['Layer', 'Op', 'Status', 'Δ params', 'Δ MACs', 'Δ memory', 'Δ receptive field']);
        await page.locator('table.layers .layers-sort', { hasText: 'Status' }).click();
        const first = await page.locator('table.layers tbody tr[data-layer]').evaluateAll((rows) => rows.slice(0, 6).map((r) => r.querySelector('.layers-status')?.textContent ?? ''));
        assert.deepEqual(first, ['changed', 'changed', 'changed', 'added', 'removed', ''], 'changes first');
        const removedRow = page.locator(`table.layers tr[data-layer="${removed}"]`);
        assert.equal(await removedRow.getAttribute('class').then((k) => k?.includes('layers-status-removed')), true);
        assert.equal(await removedRow.locator('td.layers-name').evaluate((td) => getComputedStyle(td).textDecorationLine), 'line-through');
        // The Δ params column sums to the header's Δ (an added layer adds all of its parameters, a removed one takes all of A's away).
        assert.equal(c.layers.reduce((s, l) => s + (l.b?.params ?? 0) - (l.a?.params ?? 0), 0), c.delta.params);
        await screenshot(page, 'compare-table-light');
        await setTheme(page, 'dark');
        await screenshot(page, 'compare-table-dark');

        // A row selects its layer in the graph and the details.
        await page.locator(`table.layers tr[data-layer="${added}"]`).click();
        await until(page, `svg.graph g.node.selected[data-layer="${added}"]`);
        assert.equal(await page.locator('svg.graph g.node.selected').getAttribute('data-layer'), String(added));
        assert.match((await page.locator('.details-pane .details-compare-status').textContent()) ?? '', /added: only in B/);
        await assertCleanPage(view);

        // A normal model next: as before, without the compare view's parts.
        const again = (await view.messages()).length;
        await view.post(await modelMessage(join(ROOT, 'examples', 'small-cnn.onnx'), 'small-cnn.onnx'));
        await view.fromWebview('painted', PAINT_TIMEOUT_MS, again);
        await page.locator('.graph-legend').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
        assert.equal(await page.locator('#overlay').evaluate((d: HTMLElement & { value: string }) => d.value), 'none');
        assert.equal(await page.locator('#overlay vscode-option[value="change"]').count(), 0, 'no change overlay for one model');
        assert.ok(await visible(page, '#run-profile'), 'Profile (run) is back');
        assert.ok(await visible(page, '#tab-features'), 'the Feature maps tab is back');
        assert.equal((await page.locator('.summary-file').textContent())?.trim(), 'small-cnn.onnx');
        assert.equal(await page.locator('.details-compare').count(), 0);
        await page.locator('#tab-table').click();
        await page.locator('table.layers tbody tr[data-layer]').first().waitFor({ timeout: UI_TIMEOUT_MS });
        assert.ok(!(await page.locator('table.layers th').allTextContents()).some((t) => t.includes('Status')), 'no Status column for one model');
        await assertCleanPage(view);
      });
    },
  },
  {
    name: 'compare view: the heat overlays still work; a saved change overlay comes back, and is dropped for a single model',
    async run(ctx) {
      const msg = await resnetCompare();
      let saved: unknown;
      await withView(ctx, msg, 'compare-overlays', async (view) => {
        const { page } = view;
        await setOverlay(page, 'macs');
        await page.locator('.graph-legend .legend-title', { hasText: 'MACs' }).waitFor({ timeout: UI_TIMEOUT_MS });
        assert.notEqual(await fillOf(page, 'svg.graph g.node[data-layer="1"] rect.body'), '', 'an unchanged conv has a MACs colour');
        await setOverlay(page, 'change');
        await page.locator('.graph-legend .legend-title', { hasText: 'Change' }).waitFor({ timeout: UI_TIMEOUT_MS });
        await page.waitForFunction(() => (window as { __state?: { graph?: { overlay?: string } } }).__state?.graph?.overlay === 'change', undefined, { timeout: UI_TIMEOUT_MS });
        saved = await page.evaluate(() => (window as { __state?: unknown }).__state);
        await assertCleanPage(view);
      });
      // Hidden and shown: the page starts again from its saved state.
      const again = await openView(ctx.browser, ctx.harness.url, msg, { state: saved });
      try {
        await painted(again);
        await again.page.locator('.graph-legend .legend-title', { hasText: 'Change' }).waitFor({ timeout: UI_TIMEOUT_MS });
        assert.equal(await again.page.locator('#overlay').evaluate((d: HTMLElement & { value: string }) => d.value), 'change');
      } finally {
        await again.close();
      }
      // The same state for a single model (the file opened on its own): no change overlay to come back to.
      const single = await openView(ctx.browser, ctx.harness.url, { ...msg, compare: undefined }, { state: saved });
      try {
        await painted(single);
        assert.equal(await single.page.locator('.graph-legend').isVisible(), false);
        assert.equal(await single.page.locator('#overlay').evaluate((d: HTMLElement & { value: string }) => d.value), 'none');
        await assertCleanPage(single);
      } finally {
        await single.close();
      }
    },
  },
];
