/** Which files ConvLens opens, and in which of its views: core/formats.ts decides; this adds the editor's tab. */
import * as vscode from 'vscode';
import { modelFileFilters } from '../core/formats';

export { isModelPath, viewTypeFor } from '../core/formats';

export const MODEL_FILE_FILTERS = modelFileFilters();

/** The file of the active editor tab (text, custom or notebook editors alike). */
export function activeTabUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input && typeof input === 'object' && 'uri' in input ? (input as { uri: vscode.Uri }).uri : undefined;
}
