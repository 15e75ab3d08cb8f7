/** The extension ↔ webview protocol, the page it is spoken in, and the exported HTML profile. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { isFromWebviewMessage, isToWebviewMessage, operatorDocsUrl, replyOf, RequestError, RequestTracker, type Reply, type ToWebviewMessage } from '../../src/protocol';
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
    const back = JSON.parse(JSON.stringify(m)) as unknown;
    assert.deepEqual(back, m);
    assert.ok(isToWebviewMessage(back));
  });

  it('guards reject what is not a message of the other side', () => {
    for (const bad of [null, undefined, 42, 'ready', {}, { type: 7 }, { type: 'nope' }]) {
      assert.equal(isFromWebviewMessage(bad), false, JSON.stringify(bad));
      assert.equal(isToWebviewMessage(bad), false, JSON.stringify(bad));
    }
    assert.ok(isFromWebviewMessage({ type: 'ready' }));
    assert.ok(isFromWebviewMessage({ type: 'reply', requestId: 1, reply: { ok: true, value: '<svg/>' } }));
    assert.ok(isToWebviewMessage({ type: 'reply', requestId: 1, reply: { ok: false, error: 'no feature maps of conv1' } }));
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

describe('request/reply bookkeeping (RequestTracker)', () => {
  type Replies = { stats: { count: number }; export: string };
  /** A transport that keeps what was sent, to answer by hand. */
  const sentTo = () => {
    const sent: { type: string; requestId: number }[] = [];
    return { sent, send: (type: string) => (requestId: number) => void sent.push({ type, requestId }) };
  };
  const reason = async (p: Promise<unknown>) => {
    const err = await p.then(() => assert.fail('expected a rejection'), (e: unknown) => e);
    assert.ok(err instanceof RequestError);
    return err;
  };

  it('numbers requests from 1 and settles each from the reply with its id, whatever the order of replies', async () => {
    const tracker = new RequestTracker<Replies>({ peer: 'the view' });
    const { sent, send } = sentTo();
    const a = tracker.request('stats', send('stats'));
    const b = tracker.request('export', send('export'));
    assert.deepEqual(sent, [{ type: 'stats', requestId: 1 }, { type: 'export', requestId: 2 }]);
    assert.equal(tracker.size, 2);
    assert.equal(tracker.settle(2, { ok: true, value: '<svg/>' }), true);
    assert.equal(tracker.settle(1, { ok: true, value: { count: 288 } }), true);
    // Typed by the map: a number and a string, no casts.
    const [stats, svg] = await Promise.all([a, b]);
    assert.equal(stats.count + svg.length, 294);
    assert.equal(tracker.size, 0);
  });

  it('an error reply rejects with its message; a reply nobody waits for is ignored', async () => {
    const tracker = new RequestTracker<Replies>({ peer: 'the view' });
    const p = tracker.request('export', () => undefined);
    tracker.settle(1, { ok: false, error: 'the graph is not drawn yet' });
    const err = await reason(p);
    assert.equal(err.reason, 'failed');
    assert.equal(err.message, 'the graph is not drawn yet');
    assert.equal(tracker.settle(1, { ok: true, value: 'late' }), false);
    assert.equal(tracker.settle(99, { ok: true, value: 'unknown' }), false);
  });

  it('a request not answered within its timeout fails, naming who did not answer; its late reply is dropped', async () => {
    const tracker = new RequestTracker<Replies>({ peer: 'the view', timeoutMs: 60_000 });
    const err = await reason(tracker.request('export', () => undefined, 1));
    assert.equal(err.reason, 'timeout');
    assert.equal(err.message, 'the view did not answer the export request within 1 ms');
    assert.equal(tracker.settle(1, { ok: true, value: '<svg/>' }), false);
  });

  it('close fails every waiting request and every later one with the reason', async () => {
    const tracker = new RequestTracker<Replies>({ peer: 'the model worker' });
    const waiting = [tracker.request('stats', () => undefined), tracker.request('export', () => undefined)];
    tracker.close('the view was closed');
    for (const p of waiting) assert.equal((await reason(p)).reason, 'closed');
    const later = await reason(tracker.request('stats', () => assert.fail('nothing is sent after close')));
    assert.equal(later.message, 'the view was closed');
  });

  it('a transport that throws fails the request at once', async () => {
    const tracker = new RequestTracker<Replies>({ peer: 'the model worker' });
    const err = await reason(tracker.request('stats', () => {
      throw new Error('DataCloneError');
    }));
    assert.equal(err.message, 'cannot send the stats request to the model worker: DataCloneError');
    assert.equal(tracker.size, 0);
  });

  it('replyOf turns work into a reply: its value, or its error as a message', async () => {
    assert.deepEqual(await replyOf(() => 42), { ok: true, value: 42 } satisfies Reply<number>);
    assert.deepEqual(await replyOf(async () => Promise.reject(new Error('resnet.onnx: truncated'))), { ok: false, error: 'resnet.onnx: truncated' });
    assert.deepEqual(await replyOf(() => { throw new Error('x'); }, () => 'described'), { ok: false, error: 'described' });
  });
});

describe('the webview page', () => {
  const html = webviewHtml({ cspSource: 'https://res.example', script: 'https://res.example/dist/webview.js', layoutWorker: 'https://res.example/dist/layout-worker.js', layoutMainThread: 'https://res.example/dist/layout-main.js', styles: ['https://res.example/media/webview.css'] }, 'N0nce');
  it('has a strict CSP: nothing by default, scripts by nonce only, no inline styles, no remote origins', () => {
    const csp = contentSecurityPolicy('https://res.example', 'N0nce');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N0nce'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|https?:\/\/(?!res\.example)/);
    assert.ok(html.includes(csp.replace(/'/g, '\'')));
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
