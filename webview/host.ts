/**
 * The page's side of the webview host: VS Code's API (acquired once, as it
 * must be), `post` for the protocol's messages to the extension, and the view
 * state that survives the panel being hidden (getState/setState).
 */
import type { FromWebviewMessage } from '../src/protocol';
import type { GraphState } from './graph/graph-view';
import type { SortKey } from './panels/table';

interface VsCodeApi<S> {
  postMessage(m: FromWebviewMessage): void;
  getState(): S | undefined;
  setState(s: S): void;
}
declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export type Tab = 'graph' | 'table' | 'features';

export interface ViewState {
  file?: string;
  graph?: GraphState;
  selected?: string | null;
  tab?: Tab;
  sort?: { key: SortKey; descending: boolean };
  /** The summary header collapsed to one line (also remembered by the extension for new views). */
  headerCollapsed?: boolean;
}

export const vscode = acquireVsCodeApi<ViewState>();
export const post = (m: FromWebviewMessage) => vscode.postMessage(m);
