/**
 * The model view outside VS Code: a local HTTP server that serves exactly the
 * page the extension serves (`webviewHtml`, same CSP, same bundles and style
 * sheets), with `acquireVsCodeApi()` stubbed by an inline preamble, and
 * Playwright helpers that open it in headless Chromium and talk to it as the
 * extension does (`window.postMessage` in, `acquireVsCodeApi().postMessage` out).
 *
 * Used by the browser tests (test/browser/run.ts) and the graph benchmark
 * (bench/graph-bench.ts). Needs `node scripts/build.mjs` first (dist/).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Model } from '../../src/core/ir';
import { DEFAULT_BUDGET_BYTES, ModelSession } from '../../src/core/report/model-session';
import type { FromWebviewMessage, ToWebviewMessage } from '../../src/protocol';
import { WEBVIEW_STYLES, webviewHtml } from '../../src/extension/webview-html';

export const ROOT = resolve(__dirname, '../..');
export const CHROMIUM = '/usr/bin/chromium';
/** The nonce of the test page (fixed, so failures are reproducible). */
export const TEST_NONCE = 'Y29udmxlbnMtdGVzdC1ub25jZQ';

type ModelMessage = Extract<ToWebviewMessage, { type: 'model' }>;

declare global {
  interface Window {
    __fromWebview?: FromWebviewMessage[];
    /** `performance.now()` when each message of `__fromWebview` was posted. */
    __fromWebviewAt?: number[];
    __cspViolations?: { directive: string; blockedURI: string; sample: string }[];
    __state?: unknown;
    __pwned?: unknown;
    /** Where the page takes the harness's messages from (a long poll), and when each arrived. */
    __harnessPush?: string;
    __pulling?: boolean;
    __deliveredAt?: number[];
  }
}

/** Stands in for VS Code's webview API; runs before the bundle, under the page's nonce. */
const PREAMBLE = `
window.acquireVsCodeApi = function () {
  return {
    postMessage(m) {
      (window.__fromWebview ||= []).push(m);
      (window.__fromWebviewAt ||= []).push(performance.now());
      window.dispatchEvent(new CustomEvent('convlens-from-webview', { detail: m }));
      // Once ready, the page takes the messages the harness pushes, as a webview gets the extension's.
      if (m && m.type === 'ready' && window.__harnessPush && !window.__pulling) {
        window.__pulling = true;
        (async () => {
          for (;;) {
            const r = await fetch(window.__harnessPush).catch(() => null);
            if (!r || r.status !== 200) return;
            const message = await r.json();
            (window.__deliveredAt ||= []).push(performance.now());
            window.postMessage(message, '*');
          }
        })();
      }
    },
    getState() { return window.__state; },
    setState(s) { window.__state = s; },
  };
};
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push({ directive: e.violatedDirective, blockedURI: e.blockedURI, sample: e.sample });
});
document.body.classList.add('vscode-dark');
document.body.dataset.vscodeThemeKind = 'vscode-dark';
`;

/**
 * The theme variables VS Code injects into every webview (a Dark+ subset), so
 * screenshots look like the editor. Served as a style sheet: the CSP allows no
 * inline styles.
 */
/** The fonts, the same in both themes. */
const FONT_VARS = `
  --vscode-font-family: system-ui, -apple-system, "Segoe UI", "Ubuntu", "Droid Sans", sans-serif;
  --vscode-font-size: 13px;
  --vscode-font-weight: normal;
  --vscode-editor-font-family: "Droid Sans Mono", "monospace", monospace;
  --vscode-editor-font-size: 14px;
`;

const THEME_CSS = `:root {${FONT_VARS}  --vscode-foreground: #cccccc;
  --vscode-descriptionForeground: #9d9d9d;
  --vscode-errorForeground: #f85149;
  --vscode-focusBorder: #0078d4;
  --vscode-editor-background: #1f1f1f;
  --vscode-editor-foreground: #cccccc;
  --vscode-sideBar-background: #181818;
  --vscode-panel-border: #2b2b2b;
  --vscode-editorWidget-background: #202020;
  --vscode-editorWidget-border: #313131;
  --vscode-widget-shadow: rgba(0, 0, 0, 0.36);
  --vscode-input-background: #313131;
  --vscode-input-foreground: #cccccc;
  --vscode-input-border: #3c3c3c;
  --vscode-button-background: #0078d4;
  --vscode-button-foreground: #ffffff;
  --vscode-button-hoverBackground: #026ec1;
  --vscode-button-secondaryBackground: #313131;
  --vscode-button-secondaryForeground: #cccccc;
  --vscode-dropdown-background: #313131;
  --vscode-dropdown-foreground: #cccccc;
  --vscode-dropdown-border: #3c3c3c;
  --vscode-list-hoverBackground: #2a2d2e;
  --vscode-list-activeSelectionBackground: #04395e;
  --vscode-textLink-foreground: #4daafc;
  --vscode-badge-background: #616161;
  --vscode-badge-foreground: #f8f8f8;
  --vscode-editor-findMatchHighlightBackground: rgba(234, 92, 0, 0.33);
  --vscode-charts-red: #f14c4c;
  --vscode-charts-blue: #3794ff;
  --vscode-charts-yellow: #cca700;
  --vscode-charts-orange: #d18616;
  --vscode-charts-green: #89d185;
  --vscode-charts-purple: #b180d7;
}
`;

/**
 * The Light Modern theme's variables (the same subset), for screenshots of the
 * light theme: `setTheme` swaps the page's theme sheet for this one.
 */
const LIGHT_THEME_CSS = `:root {${FONT_VARS}  --vscode-foreground: #3b3b3b;
  --vscode-descriptionForeground: #717171;
  --vscode-errorForeground: #f85149;
  --vscode-focusBorder: #005fb8;
  --vscode-editor-background: #ffffff;
  --vscode-editor-foreground: #3b3b3b;
  --vscode-sideBar-background: #f8f8f8;
  --vscode-panel-border: #e5e5e5;
  --vscode-editorWidget-background: #f8f8f8;
  --vscode-editorWidget-border: #e5e5e5;
  --vscode-widget-shadow: rgba(0, 0, 0, 0.16);
  --vscode-input-background: #ffffff;
  --vscode-input-foreground: #3b3b3b;
  --vscode-input-border: #cecece;
  --vscode-button-background: #005fb8;
  --vscode-button-foreground: #ffffff;
  --vscode-button-hoverBackground: #0258a8;
  --vscode-button-secondaryBackground: #e5e5e5;
  --vscode-button-secondaryForeground: #3b3b3b;
  --vscode-dropdown-background: #ffffff;
  --vscode-dropdown-foreground: #3b3b3b;
  --vscode-dropdown-border: #cecece;
  --vscode-list-hoverBackground: #f2f2f2;
  --vscode-list-activeSelectionBackground: #e8e8e8;
  --vscode-textLink-foreground: #005fb8;
  --vscode-badge-background: #cccccc;
  --vscode-badge-foreground: #3b3b3b;
  --vscode-editor-findMatchHighlightBackground: rgba(234, 92, 0, 0.33);
  --vscode-charts-red: #e51400;
  --vscode-charts-blue: #1a85ff;
  --vscode-charts-yellow: #bf8803;
  --vscode-charts-orange: #d18616;
  --vscode-charts-green: #388a34;
  --vscode-charts-purple: #652d90;
}
`;

const THEMES = { dark: '/harness/vscode-theme.css', light: '/harness/vscode-theme-light.css' } as const;

/**
 * Switches an open view to VS Code's light or dark theme, as VS Code does: the
 * theme's variables (here, the harness's theme sheet), then the body's theme
 * class, whose change makes the toolkit read the variables again. Resolves
 * once both apply.
 */
export async function setTheme(page: Page, theme: keyof typeof THEMES): Promise<void> {
  // (No named functions inside: tsx would wrap them in a helper the page lacks.)
  await page.evaluate(
    (href) =>
      new Promise<void>((done, fail) => {
        const link = Array.from(document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')).find((l) => l.href.includes('/harness/vscode-theme'));
        if (!link) return fail(new Error('the page has no harness theme sheet'));
        if (new URL(link.href).pathname === href) return done();
        link.addEventListener('load', () => done(), { once: true });
        link.addEventListener('error', () => fail(new Error(`${href} did not load`)), { once: true });
        link.href = href;
      }),
    THEMES[theme],
  );
  await page.evaluate(
    (kind) =>
      new Promise<void>((done) => {
        document.body.classList.remove('vscode-dark', 'vscode-light');
        document.body.classList.add(`vscode-${kind}`);
        document.body.dataset.vscodeThemeKind = `vscode-${kind}`;
        requestAnimationFrame(() => requestAnimationFrame(() => done()));
      }),
    theme,
  );
}

const MIME: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** Folders of the repository the page may load from, by URL prefix. */
const SERVED = { dist: join(ROOT, 'dist'), media: join(ROOT, 'media') } as const;

/** The file a request path maps to, or null when it is outside the served folders (traversal, encoded or not). */
export function servedFile(urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const segments = path.split('/');
  // ['', 'dist', …]: no empty, '.' or '..' segment after the prefix.
  if (segments[0] !== '' || segments.length < 3) return null;
  if (!Object.hasOwn(SERVED, segments[1])) return null;
  const base = SERVED[segments[1] as keyof typeof SERVED];
  const rest = segments.slice(2);
  if (rest.some((s) => s === '' || s === '.' || s === '..')) return null;
  const file = resolve(base, ...rest);
  if (!file.startsWith(base + sep)) return null;
  return file;
}

export interface Harness {
  /** The page, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  origin: string;
  close(): Promise<void>;
}

/**
 * Each view's message channel, per harness URL: messages travel by HTTP, the
 * page holding a request open (a long poll) from its `ready` on, so that a
 * message is pushed as the extension posts one, with no Playwright round
 * trip (a 150 KB argument to `page.evaluate` takes ~100 ms to marshal, a
 * 15 MB one seconds, which would swamp what is measured).
 */
const channels = new Map<string, () => { url: string; push(json: string): void }>();

/**
 * Starts the page server on 127.0.0.1 (a free port). `layoutAhead`: the page
 * the extension serves when its ELK worker lays out first views (the page's
 * own ELK then boots after the first paint).
 */
export async function startHarness(opts: { layoutAhead?: boolean } = {}): Promise<Harness> {
  let origin = '';
  let page = '';
  const pushed = new Map<string, { queue: string[]; waiting?: ServerResponse }>();
  let nextChannel = 0;
  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(body);
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed');
    const raw = req.url ?? '/';
    const path = raw.split(/[?#]/, 1)[0];
    if (path === '/' || path === '/index.html') return send(res, 200, MIME['.html'], page);
    // Browsers ask for it by themselves; a webview has none.
    if (path === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    if (path === THEMES.dark) return send(res, 200, MIME['.css'], THEME_CSS);
    if (path === THEMES.light) return send(res, 200, MIME['.css'], LIGHT_THEME_CSS);
    const push = /^\/harness\/push\/(\d+)$/.exec(path);
    if (push) {
      const channel = pushed.get(push[1]);
      if (!channel) return send(res, 404, 'text/plain', 'not found');
      const next = channel.queue.shift();
      if (next !== undefined) return send(res, 200, MIME['.json'], next);
      channel.waiting = res;
      res.on('close', () => channel.waiting === res && (channel.waiting = undefined));
      return;
    }
    const file = servedFile(path);
    if (file === null) return send(res, 403, 'text/plain', 'forbidden');
    let body: Buffer;
    try {
      if (!statSync(file).isFile()) return send(res, 404, 'text/plain', 'not found');
      body = readFileSync(file);
    } catch {
      return send(res, 404, 'text/plain', 'not found');
    }
    send(res, 200, MIME[extname(file).toLowerCase()] ?? 'application/octet-stream', body);
  };
  const server = createServer(handle);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  page = webviewHtml(
    {
      cspSource: origin,
      script: `${origin}/dist/webview.js`,
      layoutWorker: `${origin}/dist/layout-worker.js`,
      layoutMainThread: `${origin}/dist/layout-main.js`,
      styles: [`${origin}${THEMES.dark}`, ...WEBVIEW_STYLES.map((s) => `${origin}/media/${s}`)],
      preamble: PREAMBLE,
      layoutAhead: opts.layoutAhead,
    },
    TEST_NONCE,
  );
  const url = `${origin}/`;
  channels.set(url, () => {
    const id = String(nextChannel++);
    const channel: { queue: string[]; waiting?: ServerResponse } = { queue: [] };
    pushed.set(id, channel);
    return {
      url: `${origin}/harness/push/${id}`,
      push: (json) => {
        const res = channel.waiting;
        channel.waiting = undefined;
        if (res) send(res, 200, MIME['.json'], json);
        else channel.queue.push(json);
      },
    };
  });
  return {
    url,
    origin,
    close: () =>
      new Promise<void>((ok) => {
        channels.delete(url);
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Headless Debian Chromium (never a downloaded one). */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium), or set CONVLENS_SKIP_BROWSER=1 to skip the browser tests`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}

/** The `{type:'model'}` message the extension sends for a model file (or a model built in code). */
export async function modelMessage(source: string | Model, file: string): Promise<ModelMessage> {
  // Exactly what the extension's worker thread sends (src/extension/model-document.ts).
  const session = typeof source === 'string' ? await ModelSession.open(source) : ModelSession.fromModel(source);
  return { type: 'model', file, ...session.view({ budgetBytes: DEFAULT_BUDGET_BYTES }) };
}

type FromType = FromWebviewMessage['type'];
type From<T extends FromType> = Extract<FromWebviewMessage, { type: T }>;

export interface OpenView {
  page: Page;
  context: BrowserContext;
  /**
   * The first message of `type` the page posted (from message number `since`
   * on, default 0), waiting up to `timeoutMs`; with `at`, the page's
   * `performance.now()` when it was posted.
   */
  fromWebview<T extends FromType>(type: T, timeoutMs?: number, since?: number): Promise<From<T>>;
  fromWebviewTimed<T extends FromType>(type: T, timeoutMs?: number, since?: number): Promise<{ message: From<T>; at: number }>;
  /** Every message the page has posted so far. */
  messages(): Promise<FromWebviewMessage[]>;
  /** The page's `performance.now()` just before the model message was posted to it. */
  deliveredAt: number;
  /** Posts a further message as the extension would; resolves to the page's `performance.now()` just before. */
  post(message: ToWebviewMessage): Promise<number>;
  /** Console errors and uncaught exceptions so far. */
  consoleErrors: string[];
  cspViolations(): Promise<NonNullable<Window['__cspViolations']>>;
  close(): Promise<void>;
}

export interface OpenOptions {
  viewport?: { width: number; height: number };
  /** How long to wait for the page's `ready` (default 60 s: a limit that only catches a hang). */
  readyTimeoutMs?: number;
  /** What `getState()` returns at start: the state a hidden view saved before VS Code discarded it. */
  state?: unknown;
  /** Runs before the page loads (e.g. to start a CPU profile of its boot). */
  beforeLoad?: (page: Page) => Promise<void>;
}

/**
 * Opens the view in a fresh browser context and delivers `pending` as the
 * extension would, once the page is ready and the message made: the page
 * takes it from its channel (as JSON, parsed there, as a webview's messages
 * are) and `window.postMessage`s it. Resolves once the page has it; the
 * caller waits for `painted`.
 */
export async function openView(browser: Browser, harnessUrl: string, pending: ToWebviewMessage | Promise<ToWebviewMessage>, opts: OpenOptions = {}): Promise<OpenView> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`console.error: ${m.text()}${m.location().url ? ` (${m.location().url}:${m.location().lineNumber})` : ''}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.stack ?? e.message}`));
  page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`));

  const fromWebviewTimed = async <T extends FromType>(type: T, timeoutMs = 30_000, since = 0) => {
    const handle = await page
      .waitForFunction(
        ([t, from]) => {
          const list = window.__fromWebview ?? [];
          for (let i = from; i < list.length; i++) if (list[i].type === t) return { message: list[i], at: window.__fromWebviewAt?.[i] ?? NaN };
          return false;
        },
        [type, since] as const,
        { timeout: timeoutMs, polling: 20 },
      )
      .catch((err: Error) => {
        const errors = consoleErrors.length ? `; page errors: ${consoleErrors.slice(0, 5).join(' | ')}` : '';
        throw new Error(`the page posted no '${type}' within ${timeoutMs} ms${errors} (${err.message.split('\n')[0]})`);
      });
    return (await handle.jsonValue()) as { message: From<T>; at: number };
  };

  if (opts.state !== undefined) await context.addInitScript((st) => ((window as { __state?: unknown }).__state = st), opts.state);
  const channel = channels.get(harnessUrl)?.();
  if (!channel) throw new Error(`no harness serves ${harnessUrl}`);
  await context.addInitScript((u) => (window.__harnessPush = u), channel.url);
  let posted = 0;
  /** Posts `message` as the extension would; resolves to the page's `performance.now()` when it got it. */
  const post = async (message: ToWebviewMessage): Promise<number> => {
    const n = ++posted;
    channel.push(JSON.stringify(message));
    const at = await page.waitForFunction((k) => window.__deliveredAt?.[k - 1] ?? false, n, { polling: 20, timeout: 60_000 });
    return (await at.jsonValue()) as number;
  };
  await opts.beforeLoad?.(page);
  await page.goto(harnessUrl);
  // A message still being made (the benchmark's model worker) is pushed as soon as it is; the page
  // takes it once ready (as the extension posts it on the page's `ready`).
  const first = Promise.resolve(pending).then(post);
  first.catch(() => undefined);
  await fromWebviewTimed('ready', opts.readyTimeoutMs ?? 60_000);
  const deliveredAt = await first;

  return {
    page,
    context,
    deliveredAt,
    post,
    consoleErrors,
    fromWebviewTimed,
    fromWebview: async (type, timeoutMs, since) => (await fromWebviewTimed(type, timeoutMs, since)).message,
    messages: () => page.evaluate(() => window.__fromWebview ?? []),
    cspViolations: () => page.evaluate(() => window.__cspViolations ?? []),
    close: () => context.close(),
  };
}
