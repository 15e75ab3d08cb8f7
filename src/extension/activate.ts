/**
 * VS Code glue: activation and the static-profile command. No analysis logic
 * here: everything numeric comes from src/core.
 */
import * as vscode from 'vscode';
import { loadModelFile } from '../core/loaders/index';
import { profileModel, type ProfileOptions } from '../core/report/profile';
import { formatTable } from '../core/report/format';
import { ModelLoadError } from '../core/errors';
import { parseDType } from '../core/dtype';
import type { Optimizer } from '../core/analysis/memory';
import { registerModelEditor } from './model-editor';

let output: vscode.OutputChannel | undefined;

function channel(): vscode.OutputChannel {
  output ??= vscode.window.createOutputChannel('ConvLens');
  return output;
}

async function pickModel(uri?: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (uri instanceof vscode.Uri) return uri;
  const active = vscode.window.activeTextEditor?.document.uri ?? activeTabUri();
  if (active && active.path.endsWith('.onnx')) return active;
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX models': ['onnx'] } });
  return picked?.[0];
}

function activeTabUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input && typeof input === 'object' && 'uri' in input ? (input as { uri: vscode.Uri }).uri : undefined;
}

const OPTIMIZERS: readonly Optimizer[] = ['sgd', 'momentum', 'adam'];

/**
 * The `convlens.profile.*` settings (package.json `contributes.configuration`)
 * for `resource`, as profile options. Invalid values are reported in
 * `problems` and ignored (the model's own shapes and types, and Adam, apply).
 */
export function profileSettings(resource?: vscode.Uri): { options: ProfileOptions; optimizer: Optimizer; problems: string[] } {
  const config = vscode.workspace.getConfiguration('convlens', resource);
  const problems: string[] = [];
  const options: ProfileOptions = {};

  const optimizer = config.get<unknown>('profile.optimizer', 'adam');
  if (typeof optimizer === 'string' && (OPTIMIZERS as readonly string[]).includes(optimizer)) options.optimizer = optimizer as Optimizer;
  else problems.push(`convlens.profile.optimizer: expected sgd, momentum or adam, got ${JSON.stringify(optimizer)}; using adam`);

  const batch = config.get<unknown>('profile.batchSize', null);
  if (typeof batch === 'number' && Number.isInteger(batch) && batch >= 1) options.batch = batch;
  else if (batch !== null && batch !== undefined) problems.push(`convlens.profile.batchSize: expected an integer ≥ 1 or null, got ${JSON.stringify(batch)}; using the model's own`);

  const dtype = config.get<unknown>('profile.inputDtype', null);
  const parsed = typeof dtype === 'string' ? parseDType(dtype) : undefined;
  if (parsed) options.inputDtype = parsed;
  else if (dtype !== null && dtype !== undefined) problems.push(`convlens.profile.inputDtype: unknown element type ${JSON.stringify(dtype)}; using the model's own`);

  return { options, optimizer: options.optimizer ?? 'adam', problems };
}

export async function profileCommand(uri?: vscode.Uri): Promise<string | undefined> {
  const target = await pickModel(uri);
  if (!target) return undefined;
  const out = channel();
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `ConvLens: profiling ${target.path.split('/').pop()}`, cancellable: true },
    async (progress, token) => {
      progress.report({ message: 'loading' });
      try {
        const loaded = loadModelFile(target.fsPath);
        if (token.isCancellationRequested) return undefined;
        progress.report({ message: 'analysing' });
        const settings = profileSettings(target);
        const { report } = profileModel(loaded.model, { ...settings.options, readExternal: loaded.readExternal });
        const table = formatTable(report, { optimizer: settings.optimizer });
        for (const problem of settings.problems) out.appendLine(`warning: ${problem}`);
        out.appendLine(`# ${target.fsPath}`);
        out.appendLine(table);
        out.show(true);
        return table;
      } catch (err) {
        const msg = err instanceof ModelLoadError ? err.message : `${target.fsPath}: ${(err as Error).message}`;
        out.appendLine(`error: ${msg}`);
        void vscode.window.showErrorMessage(`ConvLens: ${msg}`);
        return undefined;
      }
    },
  );
}

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('convlens.profileModel', profileCommand));
  context.subscriptions.push(registerModelEditor(context, profileSettings, (line) => channel().appendLine(line)));
  if (output) context.subscriptions.push(output);
}

export function deactivate(): void {
  output?.dispose();
  output = undefined;
}
