/**
 * Editor features for `*.cnn.yaml` definitions: diagnostics (updated as you
 * type, debounced), a hover per layer (shapes and costs), inlay hints with
 * each layer's output shape, and a CodeLens with the totals that opens the
 * graph view. Thin glue over `analyseDefinition` (src/core).
 */
import * as vscode from 'vscode';
import { analyseDefinition, isKerasJsonText, itemAt, type DefinitionAnalysis, type DefinitionFormat } from '../core/report/definition-view';
import { exactText, figureText, humanBytes, humanCount, totalText, withUnit } from '../core/report/format';

/** `*.cnn.yaml` definitions, and JSON files (only Keras / TF.js layers-model JSON gets anything). */
export const DEFINITION_SELECTOR: vscode.DocumentSelector = [{ pattern: '**/*.cnn.{yaml,yml}' }, { pattern: '**/*.json' }];
const DEBOUNCE_MS = 150;

/** The document's definition format, if it is one. */
export function definitionFormat(doc: vscode.TextDocument): DefinitionFormat | undefined {
  if (/\.cnn\.ya?ml$/i.test(doc.uri.path)) return 'yaml';
  if (/\.json$/i.test(doc.uri.path) && isKerasJsonText(doc.getText())) return 'keras-json';
  return undefined;
}

const isDefinition = (doc: vscode.TextDocument) => definitionFormat(doc) !== undefined;
const EMPTY: DefinitionAnalysis = { items: [], problems: [] };

class AnalysisCache {
  private readonly cache = new Map<string, { version: number; analysis: DefinitionAnalysis }>();
  constructor(private readonly log: (line: string) => void) {}

  get(doc: vscode.TextDocument): DefinitionAnalysis {
    const key = doc.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version) return hit.analysis;
    const format = definitionFormat(doc);
    if (!format) return EMPTY;
    const t0 = Date.now();
    let analysis: DefinitionAnalysis;
    try {
      analysis = analyseDefinition(doc.getText(), format);
    } catch (err) {
      // A bug, not the user's text: keep the editor usable and say so once.
      this.log(`error: analysing ${doc.uri.fsPath}: ${(err as Error).stack ?? err}`);
      analysis = { items: [], problems: [{ message: `ConvLens could not analyse this definition: ${(err as Error).message}`, range: { start: 0, end: 0 }, severity: 'error' }] };
    }
    const ms = Date.now() - t0;
    if (ms > 50) this.log(`analysed ${doc.uri.fsPath} in ${ms} ms`);
    this.cache.set(key, { version: doc.version, analysis });
    return analysis;
  }

  forget(doc: vscode.TextDocument): void {
    this.cache.delete(doc.uri.toString());
  }
}

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

export function registerDefinitionFeatures(log: (line: string) => void): vscode.Disposable[] {
  const cache = new AnalysisCache(log);
  const diagnostics = vscode.languages.createDiagnosticCollection('convlens');
  const timers = new Map<string, NodeJS.Timeout>();

  const diagnose = (doc: vscode.TextDocument) => {
    if (!isDefinition(doc)) return;
    const a = cache.get(doc);
    diagnostics.set(
      doc.uri,
      a.problems.map((p) => {
        const d = new vscode.Diagnostic(new vscode.Range(doc.positionAt(p.range.start), doc.positionAt(Math.max(p.range.end, p.range.start + 1))), p.message, SEVERITY[p.severity]);
        d.source = 'ConvLens';
        return d;
      }),
    );
  };
  const schedule = (doc: vscode.TextDocument) => {
    if (!isDefinition(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => (timers.delete(key), diagnose(doc)), DEBOUNCE_MS));
  };

  const hover: vscode.HoverProvider = {
    provideHover(doc, position) {
      const a = cache.get(doc);
      const item = itemAt(a.items, doc.offsetAt(position));
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
    },
  };

  const inlay: vscode.InlayHintsProvider = {
    provideInlayHints(doc, range) {
      if (!vscode.workspace.getConfiguration('convlens', doc.uri).get<boolean>('definitions.inlayHints', true)) return [];
      const hints: vscode.InlayHint[] = [];
      const seen = new Set<number>();
      for (const item of cache.get(doc).items) {
        // At the end of the item's first line: `- Conv2D: {...}  → 55×55×96`.
        const line = doc.positionAt(item.anchor).line;
        if (seen.has(line) || line < range.start.line || line > range.end.line) continue;
        seen.add(line);
        const end = doc.lineAt(line).range.end;
        const hint = new vscode.InlayHint(end, `→ ${item.outputShape}`);
        hint.paddingLeft = true;
        hint.tooltip = `${item.inputShape} → ${item.outputShape} · ${figureText(item.params, exactText)} params`;
        hints.push(hint);
      }
      return hints;
    },
  };

  const lens: vscode.CodeLensProvider = {
    provideCodeLenses(doc) {
      const a = cache.get(doc);
      if (!a.totals) return [];
      // Over the `name:` line, else the first line.
      const at = definitionFormat(doc) === 'yaml' ? /^name\s*:/m.exec(doc.getText()) : null;
      const range = doc.lineAt(at ? doc.positionAt(at.index).line : 0).range;
      const t = a.totals;
      const title = `${totalText(t, 'params', humanCount)} params · ${totalText(t, 'macs', (n) => withUnit(n, 'MACs'))} · peak ${totalText(t, 'peakActivationBytes', humanBytes)} — Open Graph View`;
      return [new vscode.CodeLens(range, { title, command: 'convlens.openGraphToSide', arguments: [doc.uri], tooltip: 'ConvLens: totals of this definition at batch 1; click to see its graph beside the text' })];
    },
  };

  for (const doc of vscode.workspace.textDocuments) diagnose(doc);
  return [
    diagnostics,
    vscode.workspace.onDidOpenTextDocument(diagnose),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      cache.forget(doc);
      diagnostics.delete(doc.uri);
    }),
    vscode.languages.registerHoverProvider(DEFINITION_SELECTOR, hover),
    vscode.languages.registerInlayHintsProvider(DEFINITION_SELECTOR, inlay),
    vscode.languages.registerCodeLensProvider(DEFINITION_SELECTOR, lens),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  ];
}
