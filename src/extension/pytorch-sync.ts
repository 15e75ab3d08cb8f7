/**
 * A PyTorch source and the model view of its export (opened from the totals
 * CodeLens) follow each other, as definitions do (definition-sync.ts):
 * selecting a layer reveals the line that builds its module; moving the
 * cursor onto `self.conv1 = …`, `self.conv1(x)` or a Sequential entry
 * selects the module's first layer. The mapping is core/pytorch/source-sync.ts.
 */
import * as vscode from 'vscode';
import type { ModelEditorProvider } from './model-editor';
import type { ModelDocument } from './model-document';
import type { PytorchFeatures } from './pytorch';
import { layerOfModules, modulesOnLine, sourceOfModule } from '../core/pytorch/source-sync';

const CURSOR_DEBOUNCE_MS = 150;

export function registerPytorchSync(provider: ModelEditorProvider, features: PytorchFeatures): vscode.Disposable[] {
  let timer: NodeJS.Timeout | undefined;
  /** The layer the cursor selected last: its selection event is ours, not the user's. */
  let fromCursor: string | undefined;

  const followCursor = (editor: vscode.TextEditor) => {
    const results = features.resultsOf(editor.document);
    if (!results) return;
    const text = editor.document.getText();
    for (const r of results.values()) {
      const views = provider.viewsOf(r.onnx).filter((v) => v.panel.visible);
      if (views.length === 0) continue;
      const paths = modulesOnLine(text, r.report.pytorch?.modules ?? [], editor.selection.active.line);
      if (paths.length === 0) continue;
      for (const view of views) {
        // Already on one of them (e.g. the selection came from the view): leave it.
        const current = r.report.layers.find((l) => l.name === view.selectedName())?.module;
        if (current !== undefined && paths.some((p) => current === p || current.startsWith(`${p}.`))) continue;
        const name = layerOfModules(r.report.layers, paths);
        if (!name) continue;
        fromCursor = name;
        view.revealByName(name);
      }
    }
  };

  return [
    // A source profiled again (on save): its open model views take the new facts (the export's file watcher may fire first).
    features.onDidChange(() => {
      const stale = new Set<ModelDocument>();
      for (const editor of vscode.window.visibleTextEditors) {
        for (const r of features.resultsOf(editor.document)?.values() ?? []) {
          for (const view of provider.viewsOf(r.onnx)) if (view.document.torchFacts !== r.torch) stale.add(view.document);
        }
      }
      for (const doc of stale) void doc.reload();
    }),
    provider.onDidSelect((view) => {
      const name = view.selectedName();
      if (!name || name === fromCursor) {
        fromCursor = undefined;
        return;
      }
      const owner = features.sourceOfExport(view.document.uri);
      if (!owner) return;
      const module = owner.result.report.layers.find((l) => l.name === name)?.module;
      if (module === undefined) return;
      for (const editor of vscode.window.visibleTextEditors) {
        if (editor.document.uri.toString() !== owner.source.toString()) continue;
        const at = sourceOfModule(editor.document.getText(), owner.result.report.pytorch?.modules ?? [], module);
        if (!at) continue;
        if (editor.selection.active.line === at.line) continue;
        const start = new vscode.Position(at.line, at.start);
        editor.selection = new vscode.Selection(start, start);
        editor.revealRange(new vscode.Range(start, new vscode.Position(at.line, at.end)), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
    }),
    vscode.window.onDidChangeTextEditorSelection((e) => {
      // Only the user's own moves: programmatic ones (ours above) would echo back.
      if (e.textEditor.document.languageId !== 'python' || e.kind === undefined || e.kind === vscode.TextEditorSelectionChangeKind.Command) return;
      clearTimeout(timer);
      timer = setTimeout(() => followCursor(e.textEditor), CURSOR_DEBOUNCE_MS);
    }),
    { dispose: () => clearTimeout(timer) },
  ];
}
