/**
 * The model view's HTML page. Pure (no `vscode` import) so the browser tests
 * and the benchmark serve exactly the page the extension shows.
 *
 * Security: a strict Content-Security-Policy — nothing remote, scripts only
 * with this page's nonce, styles and images only from the extension's own
 * resources; the ELK layout worker is created from a blob of our own script.
 * Model strings are never part of this page: they arrive as messages and are
 * rendered as text.
 */

export interface WebviewAssets {
  /** `webview.cspSource`: the origin of the extension's resources. */
  cspSource: string;
  /** URIs (already `asWebviewUri`-mapped) of the bundles and style sheets. */
  script: string;
  layoutWorker: string;
  layoutMainThread: string;
  styles: string[];
  /** Inline script run before the bundle (tests stub `acquireVsCodeApi` here); gets the nonce. */
  preamble?: string;
  /** The summary header starts collapsed to one line (the user's last choice, remembered by the extension). */
  headerCollapsed?: boolean;
  /**
   * The extension lays out the first view ahead (its warm ELK worker): the page then starts its
   * own ELK only after the first paint, so that booting it does not slow the one coming.
   */
  layoutAhead?: boolean;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    'default-src \'none\'',
    // The toolkit (FAST) probes `:focus-visible` with an empty <style>; this hash allows only an empty one.
    `style-src ${cspSource} 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data: blob:`,
    `script-src 'nonce-${nonce}'`,
    // The layout worker's code is fetched from our own dist/ and started from a blob.
    `connect-src ${cspSource}`,
    'worker-src blob:',
  ].join('; ');
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function webviewHtml(a: WebviewAssets, nonce: string): string {
  const links = a.styles.map((s) => `<link rel="stylesheet" href="${attr(s)}">`).join('\n');
  const preamble = a.preamble ? `<script nonce="${nonce}">${a.preamble}</script>\n` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(a.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${links}
<title>ConvLens</title>
</head>
<body data-layout-worker="${attr(a.layoutWorker)}" data-layout-main="${attr(a.layoutMainThread)}"${a.headerCollapsed ? ' data-header-collapsed="true"' : ''}${a.layoutAhead ? ' data-layout-ahead="true"' : ''}>
<main id="root" aria-live="polite"><p class="loading">Loading model…</p></main>
${preamble}<script nonce="${nonce}" src="${attr(a.script)}"></script>
</body>
</html>`;
}

/** Style sheets under media/, in cascade order. */
export const WEBVIEW_STYLES = ['webview.css', 'graph.css', 'panels.css'];
