/**
 * A definition's text editor and its graph view beside it follow each
 * other (`*.cnn.yaml`, Keras / TF.js JSON): selecting a node reveals the layer's line; moving the cursor onto a
 * layer (by mouse or keyboard) selects its node. The node locations come
 * with the definition's analysis (worker thread, DefinitionFeatures).
 */
import * as vscode from 'vscode';
import type { DefinitionFeatures } from './definitions';
import type { ModelEditorProvider } from './model-editor';

const CURSOR_DEBOUNCE_MS = 150;
const isDefinition = (uri: vscode.Uri) => /\.(cnn\.ya?ml|json)$/i.test(uri.path);

export function registerDefinitionSync(provider: ModelEditorProvider, definitions: DefinitionFeatures): vscode.Disposable[] {
  const locationsOf = async (doc: vscode.TextDocument) => (await definitions.resultOf(doc))?.locations;

  let timer: NodeJS.Timeout | undefined;
  const followCursor = async (editor: vscode.TextEditor) => {
    const views = provider.viewsOf(editor.document.uri).filter((v) => v.panel.visible);
    if (views.length === 0) return;
    const locations = await locationsOf(editor.document);
    const node = locations?.nodeAt(editor.document.offsetAt(editor.selection.active));
    if (!node) return;
    for (const view of views) if (view.selectedName() !== node) view.revealByName(node);
  };

  return [
    provider.onDidSelect(async (view) => {
      const uri = view.document.uri;
      const name = view.selectedName();
      if (!isDefinition(uri) || !name) return;
      for (const editor of vscode.window.visibleTextEditors) {
        if (editor.document.uri.toString() !== uri.toString()) continue;
        const range = (await locationsOf(editor.document))?.rangeOf(name);
        // The user moved on while the text was analysed.
        if (!range || view.selectedName() !== name) continue;
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
      timer = setTimeout(() => void followCursor(e.textEditor), CURSOR_DEBOUNCE_MS);
    }),
    { dispose: () => clearTimeout(timer) },
  ];
}
