/**
 * VS Code glue: activation and the static-profile command. No analysis logic
 * here: everything numeric comes from src/core.
 */
import * as vscode from 'vscode';
import { loadModelFile } from '../core/loaders/index';
import { formatTable } from '../core/report/format';
import { ModelLoadError } from '../core/errors';
import { ModelEditorProvider, registerModelEditor } from './model-editor';
import { registerViewCommands } from './commands';
import { registerStatusBar } from './status-bar';
import { registerDefinitionFeatures } from './definitions';
import { registerDefinitionSync } from './definition-sync';
import { registerExportOnnx } from './export-onnx';
import { profileWithSettings } from './settings';
import { activeTabUri, isModelPath, MODEL_FILE_FILTERS } from './model-files';
import { registerRuntime, RuntimeRuns } from './runtime';
import { FeatureMaps } from './feature-maps';
import { summaryOf } from '../core/image/capture';

let output: vscode.OutputChannel | undefined;

function channel(): vscode.OutputChannel {
  output ??= vscode.window.createOutputChannel('ConvLens');
  return output;
}

async function pickModel(uri?: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (uri instanceof vscode.Uri) return uri;
  const active = vscode.window.activeTextEditor?.document.uri ?? activeTabUri();
  if (active && isModelPath(active.path)) return active;
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: MODEL_FILE_FILTERS });
  return picked?.[0];
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
        const loaded = await loadModelFile(target.fsPath);
        if (token.isCancellationRequested) return undefined;
        progress.report({ message: 'analysing' });
        const { report, optimizer, problems } = profileWithSettings(loaded, target);
        const table = formatTable(report, { optimizer });
        for (const problem of problems) out.appendLine(`warning: ${problem}`);
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
  const log = (line: string) => channel().appendLine(line);
  const provider = new ModelEditorProvider(context.extensionUri, log);
  const runs = new RuntimeRuns(log, vscode.Uri.joinPath(context.globalStorageUri, 'device-peaks.json').fsPath);
  context.subscriptions.push(runs, ...provider.attachRuntime(runs), ...registerRuntime(runs, provider, log));
  const featureMaps = new FeatureMaps(context.extensionUri, context.workspaceState, log);
  provider.attachFeatureMaps(featureMaps);
  context.subscriptions.push(
    featureMaps,
    vscode.commands.registerCommand('convlens.showFeatureMaps', async (uri?: unknown) => {
      const target = uri instanceof vscode.Uri ? uri : provider.target()?.document.uri ?? (await pickModel());
      if (!target) return;
      if (provider.viewsOf(target).length === 0) await vscode.commands.executeCommand('convlens.openGraph', target);
      const view = provider.viewsOf(target)[0];
      view?.panel.reveal(undefined, false);
      view?.command('showFeatureMaps');
    }),
    // For scripts and tests: capture with the model's remembered (or given) settings; returns the summary.
    vscode.commands.registerCommand('convlens.captureFeatureMaps', async (uri?: unknown, settings?: unknown) => {
      const target = uri instanceof vscode.Uri ? uri : provider.target()?.document.uri;
      if (!target) return undefined;
      const s = settings && typeof settings === 'object' ? (settings as ReturnType<FeatureMaps['settingsOf']>) : featureMaps.settingsOf(target);
      const c = await featureMaps.capture(target, s, provider.viewsOf(target));
      return c ? summaryOf(c) : undefined;
    }),
  );
  context.subscriptions.push(...registerModelEditor(provider), ...registerViewCommands(provider, log), ...registerStatusBar(provider), ...registerDefinitionFeatures(log), ...registerDefinitionSync(provider), registerExportOnnx(log));
}

export function deactivate(): void {
  output?.dispose();
  output = undefined;
}
