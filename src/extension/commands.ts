/**
 * Palette commands of the model view: open it (here or to the side), export
 * the graph (SVG, PNG) and the profile (JSON, CSV, Markdown, HTML), set the
 * input shape or batch size, show the layer table, find. Export commands
 * take an optional target Uri so scripts and tests can skip the save dialog.
 */
import * as vscode from 'vscode';
import { FILE_FORMATS, renderProfile } from '../core/report/render';
import { parseShape } from '../core/analysis/infer';
import type { ExportFormat, ViewCommand } from '../protocol';
import type { ModelEditorProvider, ModelView } from './model-editor';
import { activeTabUri, isModelPath, MODEL_FILE_FILTERS, viewTypeFor } from './model-files';

async function modelUri(uri?: unknown): Promise<vscode.Uri | undefined> {
  if (uri instanceof vscode.Uri) return uri;
  const active = activeTabUri();
  if (active && isModelPath(active.path)) return active;
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: MODEL_FILE_FILTERS });
  return picked?.[0];
}

function needView(provider: ModelEditorProvider): ModelView | undefined {
  const view = provider.target();
  if (!view) void vscode.window.showWarningMessage('ConvLens: open a model in the ConvLens Model View first.');
  return view;
}

async function saveTarget(view: ModelView, ext: string, label: string, target?: unknown): Promise<vscode.Uri | undefined> {
  if (target instanceof vscode.Uri) return target;
  const base = view.document.uri.path.replace(/\.[^./]+$/, '');
  return vscode.window.showSaveDialog({ defaultUri: view.document.uri.with({ path: `${base}.${ext}` }), filters: { [label]: [ext] } });
}

async function write(uri: vscode.Uri, bytes: Uint8Array, log: (l: string) => void): Promise<void> {
  await vscode.workspace.fs.writeFile(uri, bytes);
  log(`wrote ${uri.fsPath} (${bytes.length.toLocaleString('en-US')} bytes)`);
}

export function registerViewCommands(provider: ModelEditorProvider, log: (line: string) => void): vscode.Disposable[] {
  const open = (column: vscode.ViewColumn) => async (uri?: unknown) => {
    const target = await modelUri(uri);
    if (target) await vscode.commands.executeCommand('vscode.openWith', target, viewTypeFor(target.path), { viewColumn: column, preview: false });
  };

  const exportGraph = (format: ExportFormat) => async (target?: unknown): Promise<vscode.Uri | undefined> => {
    const view = needView(provider);
    if (!view) return undefined;
    const uri = await saveTarget(view, format, format.toUpperCase(), target);
    if (!uri) return undefined;
    // A hidden webview does not paint: show it (keeping focus where it is).
    if (!view.panel.visible) view.panel.reveal(undefined, true);
    try {
      const data = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `ConvLens: exporting the graph as ${format.toUpperCase()}` }, () => view.requestExport(format));
      await write(uri, format === 'svg' ? new TextEncoder().encode(data) : Buffer.from(data, 'base64'), log);
      // Say where it went, with the way to it (no target given: the user chose it in a dialog, or a command did).
      log(`exported the graph of ${view.document.fileName} to ${uri.fsPath}`);
      void vscode.window.showInformationMessage(`ConvLens: graph saved to ${uri.fsPath}`, 'Open', 'Reveal in File Explorer').then((choice) => {
        if (choice === 'Open') void vscode.commands.executeCommand('vscode.open', uri);
        if (choice === 'Reveal in File Explorer') void vscode.commands.executeCommand('revealFileInOS', uri);
      });
      return uri;
    } catch (err) {
      log(`error: export ${format}: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(`ConvLens: cannot export the graph: ${(err as Error).message}`);
      return undefined;
    }
  };

  const exportProfile = async (format?: unknown, target?: unknown): Promise<vscode.Uri | undefined> => {
    const view = needView(provider);
    if (!view) return undefined;
    const state = view.document.state;
    if (state.kind !== 'ready') {
      void vscode.window.showWarningMessage(`ConvLens: ${view.document.fileName} has no profile to export (${state.kind === 'error' ? state.message : 'still loading'}).`);
      return undefined;
    }
    const chosen = FILE_FORMATS.find((f) => f.format === format) ?? (await vscode.window.showQuickPick(FILE_FORMATS.map((f) => ({ ...f })), { title: 'Export profile as' }));
    if (!chosen) return undefined;
    const uri = await saveTarget(view, chosen.ext, chosen.label, target);
    if (!uri) return undefined;
    const { report, summary } = state.data;
    const text = renderProfile(report, chosen.format, { title: view.document.fileName, optimizer: summary.optimizer, generatedAt: new Date().toISOString() });
    await write(uri, new TextEncoder().encode(text), log);
    return uri;
  };

  const setInputShape = async () => {
    const view = needView(provider);
    if (!view) return;
    const doc = view.document;
    const report = doc.state.kind === 'ready' ? doc.state.data.report : undefined;
    const inputs = report?.inputs ?? [];
    // action: 'batch', 'reset' or the name of the input to reshape.
    type Item = vscode.QuickPickItem & { action: string };
    const items: Item[] = [
      { label: 'Batch size…', description: doc.overrides.batch ? `now ${doc.overrides.batch}` : 'now the model\'s own', action: 'batch' },
      ...inputs.map((t) => ({ label: `Shape of input ${t.name}…`, description: t.shape ? t.shape.join('×') : 'unknown', action: t.name })),
      { label: 'Reset to the model\'s own shapes', action: 'reset' },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: `ConvLens: input shape / batch size of ${doc.fileName}` });
    if (!pick) return;
    if (pick.action === 'reset') return doc.setOverrides({ batch: null, inputShapes: {} });
    if (pick.action === 'batch') {
      const text = await vscode.window.showInputBox({
        title: 'Batch size', prompt: 'Sets the batch (first) dimension of the inputs; empty = the model\'s own',
        value: doc.overrides.batch ? String(doc.overrides.batch) : '',
        validateInput: (v) => (v === '' || (/^[1-9]\d*$/.test(v) && Number.isSafeInteger(Number(v))) ? undefined : 'a positive integer below 2^53'),
      });
      if (text !== undefined) await doc.setOverrides({ batch: text === '' ? null : Number(text) });
      return;
    }
    const current = inputs.find((t) => t.name === pick.action)?.shape;
    const text = await vscode.window.showInputBox({
      // In the layout the model view shows (a Keras model's NHWC).
      title: `Shape of ${pick.action}`,
      prompt: `Dimensions separated by x, e.g. ${report?.layout === 'NHWC' ? '1x224x224x3 (NHWC, as shown)' : '1x3x224x224'} (names such as N stay symbolic)`,
      value: current ? current.join('x') : '',
      validateInput: (v) => parseShape(v).error,
    });
    const parsed = text === undefined ? undefined : parseShape(text);
    if (parsed?.error === undefined && parsed) await doc.setOverrides({ inputShapes: { ...doc.overrides.inputShapes, [pick.action]: parsed.shape } });
  };

  const forward = (command: ViewCommand) => () => {
    const view = needView(provider);
    if (!view) return;
    view.panel.reveal(undefined, false);
    view.command(command);
  };

  return [
    vscode.commands.registerCommand('convlens.openGraph', open(vscode.ViewColumn.Active)),
    vscode.commands.registerCommand('convlens.openGraphToSide', open(vscode.ViewColumn.Beside)),
    vscode.commands.registerCommand('convlens.exportGraphSvg', exportGraph('svg')),
    vscode.commands.registerCommand('convlens.exportGraphPng', exportGraph('png')),
    vscode.commands.registerCommand('convlens.exportProfile', exportProfile),
    vscode.commands.registerCommand('convlens.setInputShape', setInputShape),
    vscode.commands.registerCommand('convlens.showLayerTable', forward('showTable')),
    vscode.commands.registerCommand('convlens.find', forward('find')),
    vscode.commands.registerCommand('convlens.fitGraph', forward('fit')),
  ];
}
