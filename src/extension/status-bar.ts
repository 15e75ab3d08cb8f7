/**
 * Status bar item for the active model view: parameters and GMACs; a click
 * opens the layer table.
 */
import * as vscode from 'vscode';
import { exactText, humanCount, totalText, withUnit } from '../core/report/format';
import type { ModelEditorProvider, ModelView } from './model-editor';

export function registerStatusBar(provider: ModelEditorProvider): vscode.Disposable[] {
  const item = vscode.window.createStatusBarItem('convlens.model', vscode.StatusBarAlignment.Right, 100);
  item.name = 'ConvLens model';
  item.command = 'convlens.showLayerTable';
  const update = (view: ModelView | undefined) => {
    const state = view?.document.state;
    if (!view || !state) return item.hide();
    if (state.kind === 'ready') {
      const t = state.data.report.totals;
      item.text = `$(type-hierarchy) ${totalText(t, 'params', humanCount)} params · ${totalText(t, 'macs', (n) => withUnit(n, 'MACs'))}`;
      item.tooltip = `${view.document.fileName}: ${totalText(t, 'params', exactText)} parameters, ${totalText(t, 'macs', exactText)} MACs${t.partial.length ? ' (≥: partial, some layers\' figures are unknown)' : ''}. Click to show the layer table.`;
    } else {
      item.text = state.kind === 'loading' ? '$(loading~spin) ConvLens' : '$(error) ConvLens';
      item.tooltip = state.kind === 'error' ? state.message : `Loading ${view.document.fileName}`;
    }
    item.show();
  };
  return [item, provider.onDidChange(update)];
}
