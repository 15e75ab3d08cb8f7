/** The extension ↔ webview protocol, the page it is spoken in, and the exported HTML profile. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { isFromWebviewMessage, isToWebviewMessage, operatorDocsUrl, type ToWebviewMessage } from '../../src/protocol';
import { contentSecurityPolicy, webviewHtml } from '../../src/extension/webview-html';
import { escapeHtml, formatHtml } from '../../src/core/report/html';
import { parseByteSize } from '../../src/core/report/format';
import { ModelSession } from '../../src/core/report/model-session';
import { profileModel } from '../../src/core/report/profile';
import { testModel } from '../helpers/ir';

const EXAMPLE = join(resolve(__dirname, '../..'), 'examples/small-cnn.onnx');

describe('message protocol', () => {
  it('a model message survives JSON (postMessage) unchanged', async () => {
    const data = (await ModelSession.open(EXAMPLE)).view({ budgetBytes: 2 ** 30 });
    const m: ToWebviewMessage = { type: 'model', file: 'small-cnn.onnx', ...data };
    const back = JSON.parse(JSON.stringify(m));
    assert.deepEqual(back, m);
    assert.ok(isToWebviewMessage(back));
  });

  it('guards reject what is not a message of the other side', () => {
    for (const bad of [null, undefined, 42, 'ready', {}, { type: 7 }, { type: 'nope' }]) {
      assert.equal(isFromWebviewMessage(bad), false, JSON.stringify(bad));
      assert.equal(isToWebviewMessage(bad), false, JSON.stringify(bad));
    }
    assert.ok(isFromWebviewMessage({ type: 'ready' }));
    assert.ok(isFromWebviewMessage({ type: 'painted', visibleNodes: 3, layers: 3, layoutMs: 1, totalMs: 2, layoutIn: 'worker' }));
    // Each side only accepts its own direction.
    assert.equal(isToWebviewMessage({ type: 'ready' }), false);
    assert.equal(isFromWebviewMessage({ type: 'model' }), false);
  });

  it('operator docs links point at onnx.ai for the default domain only for plain op names', () => {
    assert.equal(operatorDocsUrl('Conv', ''), 'https://onnx.ai/onnx/operators/onnx__Conv.html');
    assert.equal(operatorDocsUrl('TreeEnsembleClassifier', 'ai.onnx.ml'), 'https://onnx.ai/onnx/operators/onnx_aionnxml_TreeEnsembleClassifier.html');
    assert.equal(operatorDocsUrl('Conv"><script>', ''), null);
    assert.equal(operatorDocsUrl('MyOp', 'com.example'), null);
  });
});

describe('the webview page', () => {
  const html = webviewHtml({ cspSource: 'https://res.example', script: 'https://res.example/dist/webview.js', layoutWorker: 'https://res.example/dist/layout-worker.js', layoutMainThread: 'https://res.example/dist/layout-main.js', styles: ['https://res.example/media/webview.css'] }, 'N0nce');
  it('has a strict CSP: nothing by default, scripts by nonce only, no inline styles, no remote origins', () => {
    const csp = contentSecurityPolicy('https://res.example', 'N0nce');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N0nce'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|https?:\/\/(?!res\.example)/);
    assert.ok(html.includes(csp.replace(/'/g, "'")));
    // Every script element carries the nonce.
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.ok(scripts.length >= 1);
    for (const s of scripts) assert.match(s, /nonce="N0nce"/);
  });
});

describe('HTML profile export', () => {
  it('escapes every model string and loads nothing from outside', () => {
    const model = testModel({
      inputs: { '<img src=x onerror=alert(1)>': { shape: [1, 3, 8, 8] } },
      outputs: ['y'],
      nodes: [{ op: 'Relu', name: '</td><script>alert(2)</script>', inputs: ['<img src=x onerror=alert(1)>'], outputs: ['y'] }],
    });
    const html = formatHtml(profileModel(model).report, { title: 'a"<b>.onnx' });
    assert.doesNotMatch(html, /<script|<img/i);
    assert.ok(html.includes('&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;'));
    assert.ok(html.includes('<h1>a&quot;&lt;b&gt;.onnx</h1>'));
    assert.doesNotMatch(html, /<[^>]*\b(src|href)=/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  });

  it('has one table row per layer with the figures of the report', async () => {
    const report = (await ModelSession.open(EXAMPLE)).view({ budgetBytes: 2 ** 30 }).report;
    const html = formatHtml(report, { title: 'small-cnn.onnx' });
    assert.equal((html.match(/<tr>/g) ?? []).length, report.layers.length + 1);
    assert.ok(html.includes('20,154'));
    assert.equal(escapeHtml(`<&>"'`), '&lt;&amp;&gt;&quot;&#39;');
  });
});

describe('memory budget sizes', () => {
  it('reads the units people write', () => {
    assert.equal(parseByteSize('8GiB'), 8 * 2 ** 30);
    assert.equal(parseByteSize(' 512 MB '), 512e6);
    assert.equal(parseByteSize('1.5 gib'), 1.5 * 2 ** 30);
    assert.equal(parseByteSize('4096'), 4096);
    assert.equal(parseByteSize('8 GiBs'), null);
    assert.equal(parseByteSize(''), null);
  });
});
