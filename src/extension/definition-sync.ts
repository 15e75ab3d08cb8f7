/**
 * A definition's text editor and its graph view beside it follow each
 * other (`*.cnn.yaml`, Keras / TF.js JSON): selecting a node reveals the layer's line; moving the cursor onto a
 * layer (by mouse or keyboard) selects its node. Glue over
 * core/report/definition-sync.ts.
 */
import * as vscode from 'vscode';
import { DefinitionLocations, definitionLocations } from '../core/report/definition-sync';
import { definitionFormat } from './definitions';
import type { ModelEditorProvider } from './model-editor';

const CURSOR_DEBOUNCE_MS = 150;
const isDefinition = (uri: vscode.Uri) => /\.(cnn\.ya?ml|json)$/i.test(uri.path);

export function registerDefinitionSync(provider: ModelEditorProvider): vscode.Disposable[] {
  const cache = new Map<string, { version: number; locations: DefinitionLocations }>();
  const locationsOf = (doc: vscode.TextDocument): DefinitionLocations => {
    const key = doc.uri.toString();
    const hit = cache.get(key);
    if (hit?.version === doc.version) return hit.locations;
    const format = definitionFormat(doc);
    const locations = format ? definitionLocations(doc.getText(), format) : DefinitionLocations.empty;
    cache.set(key, { version: doc.version, locations });
    return locations;
  };

  let timer: NodeJS.Timeout | undefined;
  const followCursor = (editor: vscode.TextEditor) => {
    const views = provider.viewsOf(editor.document.uri).filter((v) => v.panel.visible);
    if (views.length === 0) return;
    const node = locationsOf(editor.document).nodeAt(editor.document.offsetAt(editor.selection.active));
    if (!node) return;
    for (const view of views) if (view.selectedName() !== node) view.reveal(view.layerIndex(node));
  };

  return [
    provider.onDidSelect((view) => {
      const uri = view.document.uri;
      const name = view.selectedName();
      if (!isDefinition(uri) || !name) return;
      for (const editor of vscode.window.visibleTextEditors) {
        if (editor.document.uri.toString() !== uri.toString()) continue;
        const range = locationsOf(editor.document).rangeOf(name);
        if (!range) continue;
        // Already there (e.g. the selection came from this cursor): leave the cursor alone.
        const at = editor.document.offsetAt(editor.selection.active);
        if (at >= range.start && at <= range.end) continue;
        const start = editor.document.positionAt(range.start);
        editor.selection = new vscode.Selection(start, start);
        editor.revealRange(new vscode.Range(start, editor.document.positionAt(range.end)), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
    }),
    vscode.window.onDidChangeTextEditorSelection((e) => {
      // Only the user's own moves: programmatic ones (ours above) would echo back.
      if (!isDefinition(e.textEditor.document.uri) || e.kind === undefined || e.kind === vscode.TextEditorSelectionChangeKind.Command) return;
      clearTimeout(timer);
      timer = setTimeout(() => followCursor(e.textEditor), CURSOR_DEBOUNCE_MS);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => cache.delete(doc.uri.toString())),
    { dispose: () => clearTimeout(timer) },
  ];
}
