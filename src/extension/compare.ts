/**
 * Comparing two models in VS Code: "ConvLens: Compare Models…" (two files
 * picked), the Explorer's "Select for Compare" / "Compare with Selected" on
 * model files, and "Open Changes in ConvLens" (Source Control and editor
 * title) comparing a file's HEAD version, from git, with the working copy.
 * Each opens the compare view (ModelEditorProvider.openCompare).
 */
import * as vscode from 'vscode';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { ModelEditorProvider } from './model-editor';
import type { DocumentState } from './model-document';
import { MODEL_FILE_FILTERS } from './model-files';

const SELECTED_KEY = 'convlens.compareSelected';

/** Runs git in `cwd`; its stdout to `out` when given, else returned as text. */
function git(cwd: string, args: string[], out?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let err = '';
    // With `out`, done once git has exited and the file is written to the end.
    const file = out ? createWriteStream(out) : undefined;
    const written = file ? new Promise<void>((ok, fail) => file.on('finish', ok).on('error', fail)) : Promise.resolve();
    if (file) child.stdout.pipe(file);
    else child.stdout.on('data', (d: Buffer) => (text += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', (e) => reject(new Error(`git could not be run (${e.message})`)));
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(err.trim().split('\n')[0] || `git exited with ${code}`));
      else written.then(() => resolve(text.trim()), reject);
    });
  });
}

/** The file's version at HEAD, written under `storage`; throws what git says when there is none. */
async function headVersion(file: vscode.Uri, storage: vscode.Uri): Promise<vscode.Uri> {
  const root = await git(dirname(file.fsPath), ['rev-parse', '--show-toplevel']);
  const rel = relative(root, file.fsPath).split('\\').join('/');
  const dir = join(storage.fsPath, 'head', createHash('sha256').update(file.fsPath).digest('hex').slice(0, 16));
  mkdirSync(dir, { recursive: true });
  const out = join(dir, basename(file.fsPath));
  await git(root, ['show', `HEAD:${rel}`], out);
  return vscode.Uri.file(out);
}

/** The Uri a menu passes: a file, a Source Control resource state, or the active editor's. */
function uriOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const r = (arg as { resourceUri?: unknown } | undefined)?.resourceUri;
  if (r instanceof vscode.Uri) return r;
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return vscode.window.activeTextEditor?.document.uri ?? (tab && typeof tab === 'object' && 'uri' in tab ? (tab as { uri: vscode.Uri }).uri : undefined);
}

export function registerCompare(provider: ModelEditorProvider, storage: vscode.Uri, log: (line: string) => void): vscode.Disposable[] {
  let selected: vscode.Uri | undefined;
  const name = (u: vscode.Uri) => basename(u.fsPath);
  /** Opens the compare view; resolves, once both models are read, to the diff's summary and deltas (scripts, tests) or the error. */
  const open = async (a: vscode.Uri, b: vscode.Uri, title = `${name(a)} ↔ ${name(b)}`) => {
    log(`comparing ${a.fsPath} → ${b.fsPath}`);
    const { document, panel } = provider.openCompare(a, b, title);
    // The first state that is not "loading" (a file written just before may reload it once).
    const s = document.state.kind !== 'loading' ? document.state : await new Promise<DocumentState>((resolve) => {
      const sub = document.onDidUpdate((state) => {
        if (state.kind === 'loading') return;
        sub.dispose();
        resolve(state);
      });
      // Closed before it loaded.
      panel.onDidDispose(() => {
        sub.dispose();
        resolve(document.state);
      });
    });
    if (s.kind === 'error') return { error: s.message };
    return s.kind === 'ready' && s.data.compare ? { summary: s.data.compare.summary, delta: s.data.compare.delta } : undefined;
  };
  const pick = async (title: string): Promise<vscode.Uri | undefined> =>
    (await vscode.window.showOpenDialog({ canSelectMany: false, title, filters: MODEL_FILE_FILTERS }))?.[0];

  return [
    // Returns the compare panel (scripts and tests wait on its view).
    vscode.commands.registerCommand('convlens.compareModels', async (a?: unknown, b?: unknown) => {
      const first = a instanceof vscode.Uri ? a : await pick('ConvLens: the model to compare from (A)');
      if (!first) return undefined;
      const second = b instanceof vscode.Uri ? b : await pick(`ConvLens: compare ${name(first)} with (B)`);
      if (!second) return undefined;
      return open(first, second);
    }),
    vscode.commands.registerCommand('convlens.selectForCompare', async (arg?: unknown) => {
      selected = uriOf(arg);
      await vscode.commands.executeCommand('setContext', SELECTED_KEY, selected !== undefined);
    }),
    vscode.commands.registerCommand('convlens.compareWithSelected', (arg?: unknown) => {
      const b = uriOf(arg);
      if (!selected || !b) {
        void vscode.window.showInformationMessage('ConvLens: choose "Select for Compare" on a model first.');
        return undefined;
      }
      return open(selected, b);
    }),
    vscode.commands.registerCommand('convlens.openChangesInConvLens', async (arg?: unknown) => {
      const file = uriOf(arg);
      if (!file || file.scheme !== 'file') {
        void vscode.window.showInformationMessage('ConvLens: open a model file under git to see its changes.');
        return undefined;
      }
      try {
        const head = await headVersion(file, storage);
        return await open(head, file, `${name(file)} (HEAD ↔ working copy)`);
      } catch (e) {
        const message = (e as Error).message;
        log(`error: ${file.fsPath}: no HEAD version (${message})`);
        void vscode.window.showErrorMessage(`ConvLens: ${name(file)} has no version at HEAD to compare with: ${message}`);
        return undefined;
      }
    }),
  ];
}
