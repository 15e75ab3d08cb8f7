/**
 * VS Code glue: activation and the static-profile command. No analysis logic
 * here: everything numeric comes from src/core.
 */
import * as vscode from 'vscode';
import { formatTable } from '../core/report/format';
import { ModelEditorProvider, registerModelEditor } from './model-editor';
import { registerViewCommands } from './commands';
import { registerStatusBar } from './status-bar';
import { DefinitionFeatures, registerDefinitionFeatures } from './definitions';
import { DefinitionAnalyser } from './definition-analyser';
import { registerDefinitionSync } from './definition-sync';
import { registerExportOnnx } from './export-onnx';
import { ModelHost } from './model-host';
import { profileSettings } from './settings';
import { activeTabUri, isModelPath, MODEL_FILE_FILTERS } from './model-files';
import { registerRuntime, RuntimeRuns } from './runtime';
import { FeatureMaps } from './feature-maps';
import { summaryOf } from '../core/image/capture';
import { LayoutHost } from './layout-host';
import { SpareWorker } from './spare-worker';
import type { ModelWorkerApi } from './model-requests';
import { PytorchFeatures, registerPytorchFeatures } from './pytorch';
import { registerWeightsEditor } from './weights-editor';
import { registerPytorchSync } from './pytorch-sync';
import { registerCompare } from './compare';

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

/** The static-profile command: loads and profiles in the model worker, prints the table. */
function profileCommand(workerScript: string, log: (line: string) => void) {
  return async (uri?: vscode.Uri): Promise<string | undefined> => {
    const target = await pickModel(uri);
    if (!target) return undefined;
    const out = channel();
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `ConvLens: profiling ${target.path.split('/').pop()}`, cancellable: true },
      async (progress, token) => {
        progress.report({ message: 'loading and analysing' });
        const host = new ModelHost(target.fsPath, workerScript, log);
        const cancelled = token.onCancellationRequested(() => host.dispose());
        try {
          const settings = profileSettings(target);
          const report = await host.profile(settings.options);
          if (token.isCancellationRequested) return undefined;
          const table = formatTable(report, { optimizer: settings.optimizer });
          for (const problem of settings.problems) out.appendLine(`warning: ${problem}`);
          out.appendLine(`# ${target.fsPath}`);
          out.appendLine(table);
          out.show(true);
          return table;
        } catch (err) {
          if (token.isCancellationRequested) return undefined;
          // The worker's message is the problem; the file is named here.
          const msg = `${target.fsPath}: ${(err as Error).message}`;
          out.appendLine(`error: ${msg}`);
          void vscode.window.showErrorMessage(`ConvLens: ${msg}`);
          return undefined;
        } finally {
          cancelled.dispose();
          host.dispose();
        }
      },
    );
  };
}

export function activate(context: vscode.ExtensionContext): void {
  const log = (line: string) => channel().appendLine(line);
  const worker = (name: string) => vscode.Uri.joinPath(context.extensionUri, 'dist', name).fsPath;
  context.subscriptions.push(vscode.commands.registerCommand('convlens.profileModel', profileCommand(worker('model-worker.js'), log)));
  // ELK, warm for the extension's lifetime: each model's first view is laid out while its page boots.
  const layouts = new LayoutHost(worker('layout-worker-node.js'), log);
  layouts.start();
  // A model worker started ahead: the next model opened skips the thread's start-up.
  const spares = new SpareWorker<ModelWorkerApi>(worker('model-worker.js'), 'the model worker');
  spares.prepare();
  context.subscriptions.push({ dispose: () => layouts.dispose() }, { dispose: () => spares.dispose() });
  const provider = new ModelEditorProvider(context.extensionUri, log, context.globalState, layouts, spares);
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
  const pytorch = new PytorchFeatures(context.globalStorageUri, log);
  provider.attachTorch({ exportArchive: (uri, signal) => pytorch.exportArchive(uri, signal), factsOf: (uri) => pytorch.factsOf(uri) });
  context.subscriptions.push(...registerCompare(provider, context.globalStorageUri, log));
  context.subscriptions.push(...registerPytorchFeatures(pytorch), ...registerPytorchSync(provider, pytorch), ...registerWeightsEditor(log));
  const definitions = new DefinitionFeatures(new DefinitionAnalyser({ workerScript: worker('definition-worker.js'), log }));
  context.subscriptions.push(...registerModelEditor(provider), ...registerViewCommands(provider, log), ...registerStatusBar(provider), ...registerDefinitionFeatures(definitions), ...registerDefinitionSync(provider, definitions), registerExportOnnx(worker('definition-worker.js'), log));
}

export function deactivate(): void {
  output?.dispose();
  output = undefined;
}
