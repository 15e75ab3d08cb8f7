/**
 * Editor features for `*.cnn.yaml` definitions (and Keras / TF.js JSON):
 * diagnostics (updated as you type, debounced), a hover per layer (shapes
 * and costs), inlay hints with each layer's output shape, and a CodeLens
 * with the totals that opens the graph view. The analysis runs in a worker
 * thread (DefinitionAnalyser); providers await it and give up when VS Code
 * cancels them, so a huge or hostile definition never blocks the editor.
 */
import * as vscode from 'vscode';
import { isKerasJsonText, itemAt, type DefinitionFormat } from '../core/report/definition-view';
import { exactText, figureText, humanBytes, humanCount, totalText, withUnit } from '../core/report/format';
import type { DefinitionAnalyser, DefinitionResult } from './definition-analyser';

/** `*.cnn.yaml` definitions, and JSON files (only Keras / TF.js layers-model JSON gets anything). */
export const DEFINITION_SELECTOR: vscode.DocumentSelector = [{ pattern: '**/*.cnn.{yaml,yml}' }, { pattern: '**/*.json' }];
const DEBOUNCE_MS = 150;
/** As much of a JSON text as isKerasJsonText reads. */
const KERAS_SNIFF_CHARS = 65_536;

/** The document's definition format, if it is one. */
export function definitionFormat(doc: vscode.TextDocument): DefinitionFormat | undefined {
  if (/\.cnn\.ya?ml$/i.test(doc.uri.path)) return 'yaml';
  // Told by the head of the text: a large JSON file is not copied whole on every request.
  if (/\.json$/i.test(doc.uri.path) && isKerasJsonText(doc.getText(new vscode.Range(doc.positionAt(0), doc.positionAt(KERAS_SNIFF_CHARS))))) return 'keras-json';
  return undefined;
}

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

/** `promise`, or undefined as soon as `token` is cancelled (the work itself goes on for others). */
function unlessCancelled<T>(promise: Promise<T>, token?: vscode.CancellationToken): Promise<T | undefined> {
  if (!token) return promise;
  if (token.isCancellationRequested) return Promise.resolve(undefined);
  let cancelled: vscode.Disposable | undefined;
  const whenCancelled = new Promise<undefined>((resolve) => (cancelled = token.onCancellationRequested(() => resolve(undefined))));
  return Promise.race([promise, whenCancelled]).finally(() => {
    cancelled?.dispose();
  });
}

/** Analyses of open definitions, and the diagnostics they show. */
export class DefinitionFeatures implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('convlens');
  /** The document version whose problems are shown, per document. */
  private readonly shown = new Map<string, number>();

  constructor(private readonly analyser: DefinitionAnalyser) {}

  /** The analysis of `doc` as it stands; undefined when it is no definition, an edit superseded it, or `token` was cancelled. */
  async resultOf(doc: vscode.TextDocument, token?: vscode.CancellationToken): Promise<DefinitionResult | undefined> {
    const format = definitionFormat(doc);
    if (!format) return undefined;
    const key = doc.uri.toString();
    const analysed = this.analyser.analyse(key, doc.version, () => doc.getText(), format).then((r) => {
      // Whoever asked, the document shows the problems of its current version.
      if (r && r.version === doc.version && !doc.isClosed) this.show(doc, r);
      return r;
    });
    const r = await unlessCancelled(analysed, token);
    return r && r.version === doc.version ? r : undefined;
  }

  forget(doc: vscode.TextDocument): void {
    this.analyser.forget(doc.uri.toString());
    this.shown.delete(doc.uri.toString());
    this.diagnostics.delete(doc.uri);
  }

  dispose(): void {
    this.analyser.dispose();
    this.diagnostics.dispose();
  }

  private show(doc: vscode.TextDocument, r: DefinitionResult): void {
    const key = doc.uri.toString();
    if (this.shown.get(key) === r.version) return;
    this.shown.set(key, r.version);
    this.diagnostics.set(
      doc.uri,
      r.analysis.problems.map((p) => {
        const d = new vscode.Diagnostic(new vscode.Range(doc.positionAt(p.range.start), doc.positionAt(Math.max(p.range.end, p.range.start + 1))), p.message, SEVERITY[p.severity]);
        d.source = 'ConvLens';
        return d;
      }),
    );
  }
}

function hoverOf(doc: vscode.TextDocument, r: DefinitionResult, position: vscode.Position): vscode.Hover | undefined {
  const item = itemAt(r.analysis.items, doc.offsetAt(position));
  if (!item) return undefined;
  const md = new vscode.MarkdownString();
  md.appendMarkdown('**');
  md.appendText(`${item.inputShape} → ${item.outputShape}`);
  md.appendMarkdown('**\n\n');
  const rows: [string, string][] = [
    ['Parameters', figureText(item.params, exactText)],
    ['MACs', figureText(item.macs, (n) => (n ? `${humanCount(n)} (${exactText(n)})` : '0'))],
    ['Receptive field', item.receptiveField || '—'],
    ['Activations', figureText(item.activationBytes, humanBytes)],
    ['Graph ops', item.ops.join(', ')],
  ];
  for (const [k, v] of rows) {
    md.appendText(`${k}: ${v}`);
    md.appendMarkdown('  \n');
  }
  if (item.formulas.length) {
    md.appendMarkdown('\n');
    md.appendText('Output size:');
    md.appendMarkdown('  \n');
    for (const f of item.formulas) {
      md.appendText(f);
      md.appendMarkdown('  \n');
    }
  }
  return new vscode.Hover(md, new vscode.Range(doc.positionAt(item.range.start), doc.positionAt(item.range.end)));
}

function inlayHintsOf(doc: vscode.TextDocument, r: DefinitionResult, range: vscode.Range): vscode.InlayHint[] {
  const hints: vscode.InlayHint[] = [];
  const seen = new Set<number>();
  for (const item of r.analysis.items) {
    // At the end of the item's first line: `- Conv2D: {...}  → 55×55×96`.
    const line = doc.positionAt(item.anchor).line;
    if (seen.has(line) || line < range.start.line || line > range.end.line) continue;
    seen.add(line);
    const hint = new vscode.InlayHint(doc.lineAt(line).range.end, `→ ${item.outputShape}`);
    hint.paddingLeft = true;
    hint.tooltip = `${item.inputShape} → ${item.outputShape} · ${figureText(item.params, exactText)} params`;
    hints.push(hint);
  }
  return hints;
}

function codeLensesOf(doc: vscode.TextDocument, r: DefinitionResult): vscode.CodeLens[] {
  const t = r.analysis.totals;
  if (!t) return [];
  // Over the `name:` line, else the first line.
  const at = definitionFormat(doc) === 'yaml' ? /^name\s*:/m.exec(doc.getText()) : null;
  const range = doc.lineAt(at ? doc.positionAt(at.index).line : 0).range;
  const title = `${totalText(t, 'params', humanCount)} params · ${totalText(t, 'macs', (n) => withUnit(n, 'MACs'))} · peak ${totalText(t, 'peakActivationBytes', humanBytes)} — Open Graph View`;
  return [new vscode.CodeLens(range, { title, command: 'convlens.openGraphToSide', arguments: [doc.uri], tooltip: 'ConvLens: totals of this definition at batch 1; click to see its graph beside the text' })];
}

export function registerDefinitionFeatures(features: DefinitionFeatures): vscode.Disposable[] {
  const timers = new Map<string, NodeJS.Timeout>();
  const diagnose = (doc: vscode.TextDocument) => void features.resultOf(doc);
  const schedule = (doc: vscode.TextDocument) => {
    if (!definitionFormat(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => (timers.delete(key), diagnose(doc)), DEBOUNCE_MS));
  };

  const hover: vscode.HoverProvider = {
    async provideHover(doc, position, token) {
      const r = await features.resultOf(doc, token);
      return r && hoverOf(doc, r, position);
    },
  };
  const inlay: vscode.InlayHintsProvider = {
    async provideInlayHints(doc, range, token) {
      if (!vscode.workspace.getConfiguration('convlens', doc.uri).get<boolean>('definitions.inlayHints', true)) return [];
      const r = await features.resultOf(doc, token);
      return r ? inlayHintsOf(doc, r, range) : [];
    },
  };
  const lens: vscode.CodeLensProvider = {
    async provideCodeLenses(doc, token) {
      const r = await features.resultOf(doc, token);
      return r ? codeLensesOf(doc, r) : [];
    },
  };

  for (const doc of vscode.workspace.textDocuments) diagnose(doc);
  return [
    features,
    vscode.workspace.onDidOpenTextDocument(diagnose),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => features.forget(doc)),
    vscode.languages.registerHoverProvider(DEFINITION_SELECTOR, hover),
    vscode.languages.registerInlayHintsProvider(DEFINITION_SELECTOR, inlay),
    vscode.languages.registerCodeLensProvider(DEFINITION_SELECTOR, lens),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  ];
}
