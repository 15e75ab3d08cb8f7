/**
 * What a person sees: a real workbench in Chromium with the packaged VSIX
 * installed. Each test adds to `passed`/`failed`; screenshots are saved.
 */
import { join } from 'node:path';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import type { CodeServer } from '../code-server';

/**
 * Every wait here is for a state of the page, and its limit only catches a
 * hang: on a busy 2-core machine the workbench can take many seconds for a
 * step. The short pauses left (before screenshots) never decide a result.
 */
const UI_MS = 30_000;
const RUN_MS = 180_000;

export interface UiContext {
  server: CodeServer;
  browser: BrowserContext;
  workspace: string;
  results: string;
  /** A Python with torch (the editor's PyTorch features need one); none: those tests say why they do not run. */
  python?: string;
}

/** Opens the palette and runs `command`, or with `run: false` only waits until it is listed. */
async function openPalette(page: Page, command: string, run = true): Promise<void> {
  // A palette opened before the extension's contributions load may miss its commands: retry.
  for (let attempt = 0; attempt < 10; attempt++) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: UI_MS });
    await input.fill(`>${command}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: command }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      // Click the row itself: Enter would take whichever row the fuzzy match ranks first.
      if (run) await row.click();
      else await page.keyboard.press('Escape');
      return;
    } catch {
      // Not listed yet: close the palette and try again (a back-off, not a wait for something).
      await page.keyboard.press('Escape');
      await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: UI_MS }).catch(() => undefined);
    }
  }
  throw new Error(`command '${command}' never appeared in the command palette`);
}

/** Hides the bottom panel (Output, Problems) when it is open: Ctrl+J toggles it. */
async function hidePanel(page: Page): Promise<void> {
  if (await page.locator('.part.panel').first().isVisible()) {
    await page.keyboard.press('Control+J');
    await page.locator('.part.panel').first().waitFor({ state: 'hidden', timeout: UI_MS }).catch(() => undefined);
  }
}

/** Switches the colour theme as a person would: Preferences: Color Theme, then the theme's name. */
async function setTheme(page: Page, theme: string, cls: 'vs' | 'vs-dark'): Promise<void> {
  await openPalette(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: UI_MS });
  await input.fill(theme);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).first();
  await row.waitFor({ timeout: UI_MS });
  await row.click();
  await page.locator(`.monaco-workbench.${cls}`).waitFor({ timeout: UI_MS });
}

/** Polls `check` in the model view's page until it holds (a state, not a time). */
async function untilInView(view: FrameLocator, what: string, check: () => boolean): Promise<void> {
  const end = Date.now() + UI_MS;
  while (!(await view.locator('body').evaluate(check))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runUiSuite(ctx: UiContext): Promise<{ passed: number; failed: number }> {
  const page = await ctx.browser.newPage();
  let passed = 0;
  let failed = 0;
  const test = async (name: string, body: () => Promise<void>) => {
    const t = Date.now();
    try {
      await body();
      passed++;
      console.log(`  ✔ ${name} (${Date.now() - t} ms)`);
    } catch (err) {
      failed++;
      console.log(`  ✖ ${name}: ${(err as Error).message.split('\n')[0]}`);
      await page.screenshot({ path: join(ctx.results, `failure-${name.replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
    }
  };

  await test('the workbench opens the workspace', async () => {
    await page.goto(`${ctx.server.url}/?folder=${encodeURIComponent(ctx.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: RUN_MS });
    await page.getByRole('treeitem', { name: /small-cnn\.onnx/ }).waitFor({ timeout: UI_MS });
    // The extension's contributions (its custom editor too) are registered once its commands are listed.
    await openPalette(page, 'ConvLens: Profile Model', false);
  });

  // Webviews are nested iframes (../shared/E2E.md).
  const view = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');

  await test('opening a model from the Explorer draws its graph: one box per layer', async () => {
    // Right after start-up the workbench can still resolve the file to the text editor
    // (its custom-editor registry fills in asynchronously): close and open again, as a person would.
    for (let attempt = 1; ; attempt++) {
      await page.getByRole('treeitem', { name: /small-cnn\.onnx/ }).click();
      await page.locator('.tabs-container .tab', { hasText: 'small-cnn.onnx' }).first().waitFor({ timeout: UI_MS });
      try {
        await view.locator('svg.graph g.node').first().waitFor({ timeout: UI_MS });
        break;
      } catch (err) {
        if (attempt === 3) throw err;
        console.log(`    (attempt ${attempt}: the model opened in another editor; reopening)`);
        await openPalette(page, 'View: Close All Editors');
        await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: UI_MS }).catch(() => undefined);
      }
    }
    // small-cnn.onnx has 21 layers; small graphs open with every group expanded.
    const boxes = await view.locator('svg.graph g.node').count();
    if (boxes !== 21) throw new Error(`expected 21 node boxes, found ${boxes}`);
    const drawn = await view.locator('svg.graph').getAttribute('data-visible-nodes');
    if (drawn !== '21') throw new Error(`svg data-visible-nodes = ${drawn}`);
    await view.locator('.summary-host', { hasText: '20,154' }).waitFor({ timeout: UI_MS });
    await page.waitForTimeout(500); // settles the picture only
    await page.screenshot({ path: join(ctx.results, 'graph-light.png') });
  });

  await test('hovering a node shows its output shape', async () => {
    // The view opens on the top of the graph at a readable zoom; Fit shows all of it.
    // Fit sets the transform at once; hover() then waits for the box to be stable where it is.
    await view.locator('#fit').click();
    // Layer 13 is /block2/relu1/Relu, output 1×32×16×16.
    await view.locator('svg.graph g.node[data-layer="12"]').hover();
    await view.locator('.tooltip', { hasText: '1×32×16×16' }).waitFor({ timeout: UI_MS });
    await page.screenshot({ path: join(ctx.results, 'graph-hover-light.png') });
  });

  await test('selecting a node shows its details', async () => {
    await view.locator('svg.graph g.node[data-layer="20"]').click();
    const details = view.locator('.details-pane');
    await details.getByText('/fc/Gemm').first().waitFor({ timeout: UI_MS });
    await details.getByText('transB').first().waitFor({ timeout: UI_MS });
    await page.screenshot({ path: join(ctx.results, 'graph-details-light.png') });
  });

  await test('Ctrl+F in the view finds a node by name', async () => {
    await view.locator('svg.graph').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+f');
    // Type only once the search field has the focus (the key may travel through the extension).
    await untilInView(view, 'the search field to take the focus', () => document.activeElement?.classList.contains('search-field') === true);
    await page.keyboard.type('shortcut');
    // /block2/shortcut/Conv is layer 16 (index 15).
    await view.locator('svg.graph g.node.match-current[data-layer="15"]').waitFor({ timeout: UI_MS });
    await page.screenshot({ path: join(ctx.results, 'graph-search-light.png') });
    await page.keyboard.press('Escape');
  });

  await test('the status bar shows the model\'s parameters and MACs; clicking it opens the layer table', async () => {
    const item = page.locator('.statusbar-item', { hasText: '20.15 K params' });
    await item.waitFor({ timeout: UI_MS });
    if (!(await item.textContent())?.includes('8.83 MMACs')) throw new Error(`status bar: ${await item.textContent()}`);
    await item.click();
    await view.locator('table.layers').waitFor({ timeout: UI_MS });
    await view.locator('table.layers tbody tr', { hasText: '/block2/shortcut/Conv' }).waitFor({ timeout: UI_MS });
    await page.screenshot({ path: join(ctx.results, 'table-light.png') });
    await view.locator('#tab-graph').click();
    await view.locator('svg.graph g.node').first().waitFor({ timeout: UI_MS });
  });

  await test('ConvLens: Profile Model from the command palette prints the profile', async () => {
    await openPalette(page, 'ConvLens: Profile Model (static)');
    // Monaco renders spaces as no-break spaces, which \s matches.
    await page.getByText(/Parameters:\s20,154/).first().waitFor({ timeout: UI_MS });
    await page.waitForTimeout(500); // settles the picture only
    await page.screenshot({ path: join(ctx.results, 'profile-light.png') });
  });

  await test('ConvLens: Profile Model… runs the model: a progress notification, then the latency overlay', async () => {
    await page.locator('.tabs-container .tab', { hasText: 'small-cnn.onnx' }).first().click();
    await openPalette(page, 'ConvLens: Profile Model…');
    await page.locator('.notifications-toasts', { hasText: 'ConvLens: profiling small-cnn.onnx' }).waitFor({ timeout: UI_MS });
    await page.screenshot({ path: join(ctx.results, 'runtime-progress.png') });
    // When it is done: the view colours the graph by measured time, and says what ran where.
    await view.locator('.graph-legend .legend-title', { hasText: 'Latency' }).waitFor({ timeout: RUN_MS });
    await view.locator('.runtime-figures', { hasText: 'Latency p50' }).waitFor({ timeout: UI_MS });
    const value = await view.locator('#overlay').evaluate((d) => (d as HTMLElement & { value: string }).value);
    if (value !== 'latency') throw new Error(`overlay is ${value}`);
    await page.locator('.statusbar-item', { hasText: /ms p50/ }).first().waitFor({ timeout: UI_MS });
    await page.waitForTimeout(500); // settles the picture only
    await page.screenshot({ path: join(ctx.results, 'runtime-overlay.png') });
  });

  await test('feature maps: capture on a bundled sample, then a layer\'s channel grid', async () => {
    await hidePanel(page);
    await view.locator('#tab-features').click();
    await view.locator('#fm-capture').click();
    await view.locator('.fm-status', { hasText: 'layers captured' }).waitFor({ timeout: RUN_MS });
    // Pick block1's first conv in the layer table, then come back to its channels.
    await view.locator('#tab-table').click();
    await view.locator('table.layers tr[data-layer="3"]').click();
    await view.locator('#tab-features').click();
    await view.locator('.fm-tile').first().waitFor({ timeout: UI_MS });
    const tiles = await view.locator('.fm-tile').count();
    if (tiles !== 16) throw new Error(`expected 16 channel tiles, found ${tiles}`);
    await view.locator('.fm-tile').nth(2).click();
    await view.locator('.fm-zoom-canvas').waitFor({ timeout: UI_MS });
    await page.waitForTimeout(300); // settles the picture only
    await page.screenshot({ path: join(ctx.results, 'feature-maps.png') });
    await view.locator('#tab-graph').click();
  });

  await test('the dark theme renders the same view', async () => {
    await setTheme(page, 'Dark Modern', 'vs-dark');
    // The webview follows the theme once VS Code has passed it the new colours.
    await view.locator('body.vscode-dark').waitFor({ timeout: UI_MS });
    await view.locator('.summary-host', { hasText: '20,154' }).waitFor({ timeout: UI_MS });
    await page.screenshot({ path: join(ctx.results, 'profile-dark.png') });
    await hidePanel(page); // the model view alone
    await view.locator('svg.graph g.node').first().waitFor({ timeout: UI_MS });
    await page.waitForTimeout(800); // settles the picture only
    await page.screenshot({ path: join(ctx.results, 'graph-dark.png') });
  });

  await test('a PyTorch export: a readable first screen (input box, text ≥ 11 px, no exporter Identity boxes), folded weights in the details, the header collapsed to one line; dark and light', async () => {
    await page.getByRole('treeitem', { name: /torch-export-cnn\.onnx/ }).click();
    await page.locator('.tabs-container .tab', { hasText: 'torch-export-cnn.onnx' }).first().waitFor({ timeout: UI_MS });
    await view.locator('.summary-host', { hasText: '13,178' }).waitFor({ timeout: UI_MS });
    await view.locator('svg.graph g.io-input').waitFor({ timeout: UI_MS });
    // First screen: the input box inside the graph pane, box text at 12 px × zoom ≥ 11 px.
    const first = await view.locator('body').evaluate(() => {
      const pane = document.querySelector('.graph-pane')!.getBoundingClientRect();
      const input = document.querySelector('svg.graph g.io-input')!.getBoundingClientRect();
      const zoom = /scale\(([\d.]+)\)/.exec(document.querySelector('svg.graph > g.zoom')!.getAttribute('transform') ?? '')?.[1];
      const titles = Array.from(document.querySelectorAll('svg.graph g.node .title'), (t) => t.textContent ?? '');
      return { inView: input.top >= pane.top && input.bottom <= pane.bottom && input.left >= pane.left && input.right <= pane.right, zoom: Number(zoom ?? 1), titles };
    });
    if (!first.inView) throw new Error('the input box is not on the first screen');
    // Laid out by the extension's warm ELK worker while the page booted (the font width was learnt from the first view).
    const layoutIn = await view.locator('svg.graph').getAttribute('data-layout-in');
    if (layoutIn !== 'extension') throw new Error(`the first view was laid out in the ${layoutIn}, not ahead by the extension`);
    if (12 * first.zoom < 11) throw new Error(`box titles are ${(12 * first.zoom).toFixed(1)} px on the first screen`);
    const exporterBoxes = first.titles.filter((t) => /^(Identity|Constant|Shape|Gather|Unsqueeze)\b/.test(t));
    if (exporterBoxes.length) throw new Error(`exporter nodes drawn as boxes: ${exporterBoxes.join(', ')}`);
    // /layer1/layer1.0/conv2/Conv (layer 5) reads its bias through an exporter Identity: a weight, folded.
    // It is below the first screen: a click on its row in the table reveals and selects it in the graph.
    await view.locator('#tab-table').click();
    await view.locator('table.layers tbody tr', { hasText: '/layer1/layer1.0/conv2/Conv' }).first().click();
    await view.locator('svg.graph g.node.selected[data-layer="5"]').waitFor({ timeout: UI_MS });
    const details = view.locator('.details-pane');
    await details.getByText('/layer1/layer1.0/conv2/Conv').first().waitFor({ timeout: UI_MS });
    await details.getByText('Identity of onnx::Conv_135 (folded)').first().waitFor({ timeout: UI_MS });
    // The header collapses to one line, and the graph gets the room.
    const paneHeight = () => view.locator('.graph-pane').evaluate((e) => e.getBoundingClientRect().height);
    const before = await paneHeight();
    await view.locator('#summary-toggle').click();
    await view.locator('.summary-compact', { hasText: 'torch-export-cnn.onnx · 28 layers' }).waitFor({ timeout: UI_MS });
    await view.locator('.summary-totals').waitFor({ state: 'hidden', timeout: UI_MS });
    const after = await paneHeight();
    if (after < before + 100) throw new Error(`the graph pane grew from ${before} to only ${after} px`);
    await openPalette(page, 'Notifications: Clear All Notifications');
    await page.waitForTimeout(500); // settles the picture only
    await page.screenshot({ path: join(ctx.results, 'torch-export-dark.png') });
    await setTheme(page, 'Light Modern', 'vs');
    await view.locator('body.vscode-light').waitFor({ timeout: UI_MS });
    await page.waitForTimeout(800); // settles the picture only
    await page.screenshot({ path: join(ctx.results, 'torch-export-light.png') });
    // Back as it was for the tests after this one (the choice is remembered for new views).
    await view.locator('#summary-toggle').click();
    await view.locator('.summary-totals').waitFor({ state: 'visible', timeout: UI_MS });
    await setTheme(page, 'Dark Modern', 'vs-dark');
  });

  await test('a PyTorch source: the CodeLens profiles the class, shows its totals, and self.conv1\'s hover reads torch\'s shapes', async () => {
    if (!ctx.python) {
      console.log('    (not run: no Python with torch; Debian: apt-get install python3-torch)');
      return;
    }
    await openPalette(page, 'View: Close All Editors');
    await page.getByRole('treeitem', { name: /resnet18\.py/ }).click();
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.locator('.view-lines', { hasText: 'class ResNet18' }).waitFor({ timeout: UI_MS });
    const lenses = editor.locator('.codelens-decoration a', { hasText: 'ConvLens: profile this model' });
    // BasicBlock needs arguments (its lens offers to write them); ResNet18 builds as it is.
    await lenses.first().waitFor({ timeout: UI_MS });
    await lenses.first().click();
    await editor.locator('.codelens-decoration a', { hasText: '11.69 M params · 1.81 GMACs' }).waitFor({ timeout: 120_000 });
    await editor.locator('.view-lines').getByText('→ 64×112×112').first().waitFor({ timeout: UI_MS });
    await page.screenshot({ path: join(ctx.results, 'pytorch-codelens.png') });
    await editor.locator('.view-line', { hasText: 'self.conv1 = nn.Conv2d(3, 64' }).getByText(/conv1/).first().hover();
    const hover = page.locator('.monaco-hover-content', { hasText: '1×3×224×224 → 1×64×112×112' });
    await hover.waitFor({ timeout: UI_MS });
    await page.screenshot({ path: join(ctx.results, 'pytorch-hover.png') });
    await page.keyboard.press('Escape');
  });

  await test('a PyTorch source and its model view follow each other: the cursor on a module selects its layer, a layer moves the cursor to its line', async () => {
    if (!ctx.python) {
      console.log('    (not run: no Python with torch; Debian: apt-get install python3-torch)');
      return;
    }
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.locator('.codelens-decoration a', { hasText: 'Open Model View' }).first().click();
    const graph = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    await graph.locator('svg.graph g.node').first().waitFor({ timeout: UI_MS });
    // torch's parameter count (BatchNorm's included, which the export folds into the convolutions), as the CodeLens says.
    await graph.getByText('11,689,512').first().waitFor({ timeout: UI_MS });
    // Cursor → graph: a click on `self.fc = nn.Linear(…)` selects the classifier's Gemm. (Line 40 brought into view first: the editor draws only the lines it shows.)
    await page.locator('.tabs-container .tab', { hasText: 'resnet18.py' }).first().click();
    await page.keyboard.press('Control+G');
    await page.keyboard.type('40');
    await page.keyboard.press('Enter');
    await page.locator('.view-line', { hasText: 'self.fc = nn.Linear' }).getByText('Linear').click();
    await graph.locator('svg.graph g.node.selected', { hasText: 'Gemm' }).waitFor({ timeout: UI_MS });
    await page.screenshot({ path: join(ctx.results, 'pytorch-sync-cursor.png') });
    // Graph → text: selecting the stem's max pool moves the cursor to `self.maxpool = …` (line 34).
    await graph.locator('#fit').click();
    await graph.locator('svg.graph g.node', { hasText: 'MaxPool' }).first().click();
    await page.locator('.editor-instance .monaco-editor .line-numbers.active-line-number', { hasText: /^\s*34\s*$/ }).first().waitFor({ timeout: UI_MS });
    await page.screenshot({ path: join(ctx.results, 'pytorch-sync-graph.png') });
  });

  await test('a .pth checkpoint opens in the weights view: tensors by module, totals', async () => {
    await openPalette(page, 'View: Close All Editors');
    await page.getByRole('treeitem', { name: /small-state-dict\.pth/ }).click();
    const weights = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    await weights.locator('td', { hasText: 'running_mean' }).waitFor({ timeout: UI_MS });
    const totals = await weights.locator('dl').textContent();
    if (!totals?.includes('7,979')) throw new Error(`totals: ${totals}`);
    await page.screenshot({ path: join(ctx.results, 'pytorch-weights.png') });
    // Statistics on request: the page's link (a command link; the page runs no scripts).
    await weights.locator('a', { hasText: 'Compute weight statistics' }).click();
    const stats = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    await stats.locator('th', { hasText: 'Std' }).waitFor({ timeout: UI_MS });
    await stats.locator('td', { hasText: '16 (100%)' }).first().waitFor({ timeout: UI_MS });
    await page.screenshot({ path: join(ctx.results, 'pytorch-weights-stats.png') });
  });

  await test('Compare Models…: the compare view colours the changes, shows the deltas and the delta table; light and dark', async () => {
    await openPalette(page, 'View: Close All Editors');
    // Compare Models… asks for A, then B, in VS Code's file dialog (the path typed in its box).
    const pickFile = async (name: string, then: () => Promise<void>) => {
      // The dialog's box holds the workspace folder's path: the file's name typed after it, then Enter.
      const input = page.locator('.quick-input-widget input');
      await page.locator('.quick-input-list .monaco-list-row').filter({ has: page.getByText(name, { exact: true }) }).first().waitFor({ timeout: UI_MS });
      await input.press('End');
      await input.pressSequentially(name);
      await page.waitForTimeout(300); // lets the dialog read the box; settles the widget only
      await page.keyboard.press('Enter');
      await then();
    };
    await openPalette(page, 'ConvLens: Compare Models…');
    // The second dialog takes the first one's place (the widget stays up, its title changes).
    await pickFile('lenet5.cnn.yaml', () => page.locator('.quick-input-widget', { hasText: 'compare lenet5.cnn.yaml with (B)' }).waitFor({ timeout: UI_MS }));
    await pickFile('lenet5-wide.cnn.yaml', () => page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: UI_MS }));
    const view = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (e) {
        throw new Error(`${what}: ${(e as Error).message.split('\n')[0]}`);
      }
    };
    // C3 widened: it and the layers after it that read more channels are changed (coloured), the rest not.
    await step('a changed box', () => view.locator('svg.graph g.node.change-changed').first().waitFor({ timeout: UI_MS }));
    await step('the legend', () => view.locator('.graph-legend', { hasText: 'Change' }).waitFor({ timeout: UI_MS }));
    await step('the heading', () => view.locator('.summary-host', { hasText: 'lenet5-wide.cnn.yaml' }).first().waitFor({ timeout: UI_MS }));
    await step('the counts', () => view.locator('.summary-counts', { hasText: /changed · 0 added · 0 removed/ }).waitFor({ timeout: UI_MS }));
    await step('a click on the changed convolution', () => view.locator('svg.graph g.node.change-changed', { hasText: 'Conv' }).first().click());
    await step('the details\' Compare section', () => view.locator('.details-pane .details-compare').waitFor({ timeout: UI_MS }));
    await openPalette(page, 'Notifications: Clear All Notifications');
    await page.waitForTimeout(500); // settles the picture only
    await page.screenshot({ path: join(ctx.results, 'compare-dark.png') });
    await view.locator('#tab-table').click();
    await step('the Status column', () => view.locator('th', { hasText: 'Status' }).first().waitFor({ timeout: UI_MS }));
    await setTheme(page, 'Light Modern', 'vs');
    await view.locator('body.vscode-light').waitFor({ timeout: UI_MS });
    await page.waitForTimeout(800); // settles the picture only
    await page.screenshot({ path: join(ctx.results, 'compare-table-light.png') });
    await view.locator('#tab-graph').click();
    await page.waitForTimeout(500); // settles the picture only
    await page.screenshot({ path: join(ctx.results, 'compare-light.png') });
    await setTheme(page, 'Dark Modern', 'vs-dark');
  });

  await test('a definition in the text editor: inlay hints, hover shapes, and a diagnostic for a shape error', async () => {
    await openPalette(page, 'View: Close All Editors');
    await page.getByRole('treeitem', { name: /alexnet\.cnn\.yaml/ }).click();
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.locator('.view-lines', { hasText: 'name: AlexNet' }).waitFor({ timeout: UI_MS });
    // Inlay hints: each layer line ends with its output shape, channels last (the classic table's figures).
    for (const shape of ['→ 55×55×96', '→ 27×27×256', '→ 13×13×384']) {
      await editor.locator('.view-lines').getByText(shape).first().waitFor({ timeout: UI_MS });
    }
    await page.screenshot({ path: join(ctx.results, 'definition-inlay.png') });
    // Hover C3 (the 5×5 convolution): input → output shape and its cost.
    await editor.locator('.view-line', { hasText: 'name: C3' }).getByText('Conv2D').hover();
    const hover = page.locator('.monaco-hover-content', { hasText: '27×27×96 → 27×27×256' });
    await hover.waitFor({ timeout: UI_MS });
    if (!(await hover.textContent())?.includes('614,656')) throw new Error(`hover: ${await hover.textContent()}`);
    await page.screenshot({ path: join(ctx.results, 'definition-hover.png') });
    await page.keyboard.press('Escape');
    // A pool larger than its 55×55 input: the Problems panel says so, and the text is squiggled.
    await editor.locator('.view-line', { hasText: 'name: S2' }).getByText('pool_size: 3').click();
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    // insertText: as a paste, without the editor's auto-closing brackets.
    await page.keyboard.insertText('- MaxPooling2D: {pool_size: 60, strides: 2, name: S2}');
    await editor.locator('.squiggly-error').first().waitFor({ timeout: UI_MS });
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'larger than' }).first().waitFor({ timeout: UI_MS });
    await page.screenshot({ path: join(ctx.results, 'definition-diagnostic.png') });
    // Put the line back as it was (the workspace may auto-save, so no revert).
    await editor.locator('.view-line', { hasText: 'pool_size: 60' }).getByText('pool_size: 60').click();
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.insertText('- MaxPooling2D: {pool_size: 3, strides: 2, name: S2}');
    await editor.locator('.squiggly-error').first().waitFor({ state: 'detached', timeout: UI_MS });
    await page.keyboard.press('Control+J');
  });

  await test('the graph beside a definition follows the cursor, and the text follows the graph', async () => {
    await page.locator('.view-line', { hasText: 'name: C5' }).getByText('Conv2D').click();
    await openPalette(page, 'ConvLens: Open Graph View to the Side');
    const graph = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    await graph.locator('svg.graph g.node').first().waitFor({ timeout: UI_MS });
    // Cursor → graph: a click on the C3 line selects /C3/Conv.
    await page.locator('.view-line', { hasText: 'name: C3' }).getByText('Conv2D').click();
    await graph.locator('svg.graph g.node.selected', { hasText: 'Conv 5×5' }).waitFor({ timeout: UI_MS });
    await page.screenshot({ path: join(ctx.results, 'definition-sync-cursor.png') });
    // Graph → text: selecting the S4 pool moves the cursor to its line (line 9).
    await graph.locator('#fit').click();
    await graph.locator('svg.graph g.node', { hasText: 'MaxPool' }).nth(1).click();
    // The graph keeps the focus, so the status bar shows no cursor; the gutter marks the cursor's line.
    await page.locator('.editor-instance .monaco-editor .line-numbers.active-line-number', { hasText: /^\s*9\s*$/ }).first().waitFor({ timeout: UI_MS });
    await page.screenshot({ path: join(ctx.results, 'definition-sync-graph.png') });
  });

  await page.close();
  return { passed, failed };
}
