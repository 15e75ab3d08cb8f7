/**
 * PyTorch sources in the Python editor: a CodeLens on each nn.Module class
 * (profile it; then its totals, which open the model view), hovers on
 * `self.conv1 = …` and `self.conv1(x)` with the shapes torch recorded and
 * ConvLens's figures, inlay hints `→ 64×112×112` after submodule
 * assignments, and the user's error as a diagnostic on the line that
 * raised. Profiling runs the user's code through the bridge
 * (runtime/torch-model.ts), so only in a trusted workspace; results refresh
 * on save and read "stale" while the file has unsaved edits.
 */
import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TORCH_INPUT, loadTorchArchive, profileTorchSource, TorchSourceError } from '../runtime/torch-model';
import { torchArchiveKind } from '../core/pytorch/checkpoint';
import { withFile } from '../core/pytorch/zip';
import { convlensComment, convlensCommentPlace, convlensCommentText, requiredInitArgs } from '../core/pytorch/modules';
import { parseShape } from '../core/analysis/infer';
import { ModelLoadError } from '../core/errors';
import { factoryFunctions, moduleClasses, moduleSites, modulesAt, siteAt } from '../core/pytorch/source-map';
import { moduleFigures } from '../core/report/pytorch';
import type { ProfileReport } from '../core/report/profile';
import type { TorchResult } from '../core/pytorch/bridge-types';
import { exactText, figureText, humanBytes, humanCount, totalText, withUnit } from '../core/report/format';

const PYTHON: vscode.DocumentSelector = { language: 'python', scheme: 'file' };
const TIMEOUT_MS = 300_000;

interface Profiled {
  target: string;
  report: ProfileReport;
  /** The export the model view opens. */
  onnx: vscode.Uri;
  /** What torch counted and recorded (the model view's report takes it). */
  torch: TorchResult;
}

const shapeText = (s: number[] | undefined) => (s ? s.join('×') : '?');

/** The interpreter: the setting, else the Python extension's active environment, else $CONVLENS_PYTHON, else python3. */
async function interpreter(uri: vscode.Uri): Promise<string> {
  const set = vscode.workspace.getConfiguration('convlens', uri).get<string>('python.interpreter', '').trim();
  if (set) return set;
  try {
    const ext = vscode.extensions.getExtension<{ environments?: { getActiveEnvironmentPath(r?: vscode.Uri): { path: string } } }>('ms-python.python');
    const api = ext && (ext.isActive ? ext.exports : await ext.activate());
    const active = api?.environments?.getActiveEnvironmentPath(uri)?.path;
    if (active) return active;
  } catch {
    // no Python extension, or an older API: the fallbacks below
  }
  return process.env.CONVLENS_PYTHON || 'python3';
}

export class PytorchFeatures implements vscode.Disposable {
  private readonly results = new Map<string, Map<string, Profiled>>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('convlens-python');
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly storage: vscode.Uri,
    private readonly log: (line: string) => void,
  ) {}

  resultsOf(doc: vscode.TextDocument): Map<string, Profiled> | undefined {
    return this.results.get(doc.uri.toString());
  }

  /** torch's facts about the export `onnx`, when it is a profiled source's. */
  factsOf(onnx: vscode.Uri): TorchResult | undefined {
    return this.sourceOfExport(onnx)?.result.torch;
  }

  /** The source and profile whose export is `onnx` (a model view's file). */
  sourceOfExport(onnx: vscode.Uri): { source: vscode.Uri; result: Profiled } | undefined {
    for (const [source, byTarget] of this.results) {
      for (const r of byTarget.values()) if (r.onnx.toString() === onnx.toString()) return { source: vscode.Uri.parse(source), result: r };
    }
    return undefined;
  }

  /** Profiles `target` of `uri` (after saving it), with progress; the result feeds the editor features. */
  async profile(uri: vscode.Uri, target: string): Promise<ProfileReport | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('ConvLens: profiling a PyTorch model runs its Python code; trust this workspace first.');
      return undefined;
    }
    const python = await interpreter(uri);
    const dir = join(this.storage.fsPath, 'torch', createHash('sha256').update(uri.fsPath).digest('hex').slice(0, 16));
    mkdirSync(dir, { recursive: true });
    const onnx = vscode.Uri.file(join(dir, `${target}.onnx`));
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `ConvLens: building ${target} with Python`, cancellable: true },
      async (_progress, token) => {
        const ac = new AbortController();
        const cancelled = token.onCancellationRequested(() => ac.abort());
        const t0 = Date.now();
        try {
          const { report, torch } = await profileTorchSource(uri.fsPath, target, { python, onnxPath: onnx.fsPath, timeoutMs: TIMEOUT_MS, signal: ac.signal });
          this.log(`${uri.fsPath}:${target}: profiled with ${python} (torch ${report.pytorch?.torch}) in ${Date.now() - t0} ms`);
          const byTarget = this.results.get(uri.toString()) ?? new Map<string, Profiled>();
          byTarget.set(target, { target, report, onnx, torch });
          this.results.set(uri.toString(), byTarget);
          this.diagnostics.delete(uri);
          this.changed.fire();
          return report;
        } catch (e) {
          if (token.isCancellationRequested) return undefined;
          this.showError(uri, target, e);
          return undefined;
        } finally {
          cancelled.dispose();
        }
      },
    );
  }

  /**
   * A TorchScript (.pt) or torch.export (.pt2) archive's ONNX export, made by torch through the bridge
   * (the model view's file for it); at the default input, 1×3×224×224. Throws what stops it.
   */
  async exportArchive(uri: vscode.Uri, signal: AbortSignal): Promise<{ path: string; torch: TorchResult }> {
    const kind = withFile(uri.fsPath, torchArchiveKind);
    if (!kind) throw new Error(`${uri.fsPath}: a checkpoint of weights only (no graph in it); it opens in the ConvLens Weights view`);
    if (!vscode.workspace.isTrusted) throw new Error(`${uri.fsPath}: its graph comes from torch loading it (Python): trust this workspace first, or reopen it in the ConvLens Weights view, which reads its weights without Python`);
    const python = await interpreter(uri);
    const dir = join(this.storage.fsPath, 'torch', createHash('sha256').update(uri.fsPath).digest('hex').slice(0, 16));
    mkdirSync(dir, { recursive: true });
    const onnxPath = join(dir, 'archive.onnx');
    const t0 = Date.now();
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `ConvLens: loading ${uri.path.split('/').pop()} with torch`, cancellable: true },
      async (_progress, token) => {
        const ac = new AbortController();
        const stop = () => ac.abort();
        signal.addEventListener('abort', stop);
        const cancelled = token.onCancellationRequested(stop);
        try {
          const { torch } = await loadTorchArchive(uri.fsPath, kind, { python, onnxPath, timeoutMs: TIMEOUT_MS, signal: ac.signal });
          this.log(`${uri.fsPath}: ${kind === 'torchscript' ? 'TorchScript' : 'torch.export'} archive exported with ${python} (torch ${torch.torch}) at ${DEFAULT_TORCH_INPUT.join('×')} in ${Date.now() - t0} ms`);
          return { path: onnxPath, torch };
        } finally {
          cancelled.dispose();
          signal.removeEventListener('abort', stop);
        }
      },
    );
  }

  /** Profiles again every target of `doc` that was profiled before (on save). */
  refresh(doc: vscode.TextDocument): void {
    const done = this.results.get(doc.uri.toString());
    if (done) for (const target of done.keys()) void this.profile(doc.uri, target);
  }

  forget(doc: vscode.TextDocument): void {
    this.results.delete(doc.uri.toString());
    this.diagnostics.delete(doc.uri);
  }

  private showError(uri: vscode.Uri, target: string, e: unknown): void {
    const message = e instanceof ModelLoadError ? e.problem : (e as Error).message;
    this.log(`error: ${uri.fsPath}:${target}: ${message}`);
    const frames = e instanceof TorchSourceError ? e.frames : [];
    const at = [...frames].reverse().find((f) => f.user && f.file === uri.fsPath);
    if (at) {
      const line = Math.max(0, at.line - 1);
      const d = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), message.replace(/^line \d+: /, ''), vscode.DiagnosticSeverity.Error);
      d.source = 'ConvLens (PyTorch)';
      this.diagnostics.set(uri, [d]);
    }
    void vscode.window.showErrorMessage(`ConvLens: ${target}: ${message}`);
  }

  dispose(): void {
    this.diagnostics.dispose();
    this.changed.dispose();
  }
}

function hoverOf(doc: vscode.TextDocument, features: PytorchFeatures, position: vscode.Position): vscode.Hover | undefined {
  const results = features.resultsOf(doc);
  if (!results) return undefined;
  const site = siteAt(moduleSites(doc.getText()), position.line, position.character);
  if (!site) return undefined;
  for (const r of results.values()) {
    const modules = modulesAt(site, r.report.pytorch?.modules ?? []);
    if (modules.length === 0) continue;
    const md = new vscode.MarkdownString();
    if (doc.isDirty) md.appendMarkdown('*Stale: save the file to profile it again.*\n\n');
    for (const m of modules.slice(0, 4)) {
      const f = moduleFigures(r.report, m.path)!;
      const call = f.calls[0];
      md.appendMarkdown('**');
      md.appendText(`${call ? `${shapeText(call.inputs[0])} → ${shapeText(call.outputs[0])}` : 'not called'}`);
      md.appendMarkdown('** ');
      md.appendText(`${f.path} (${f.type})${f.calls.length > 1 ? `, called ${f.calls.length} times` : ''}`);
      md.appendMarkdown('  \n');
      md.appendText(`Parameters: ${exactText(f.params)} · MACs: ${figureText(f.macs, (n) => (n ? `${humanCount(n)} (${exactText(n)})` : '0'))} · receptive field: ${f.receptiveField || '—'} · activations: ${figureText(f.activationBytes, humanBytes)}`);
      md.appendMarkdown('\n\n');
    }
    if (modules.length > 4) md.appendText(`…and ${modules.length - 4} more ${site.className} modules`);
    return new vscode.Hover(md, new vscode.Range(site.line, site.start, site.line, site.end));
  }
  return undefined;
}

function inlayHintsOf(doc: vscode.TextDocument, features: PytorchFeatures, range: vscode.Range): vscode.InlayHint[] {
  const results = features.resultsOf(doc);
  if (!results) return [];
  const hints: vscode.InlayHint[] = [];
  const hinted = new Set<number>();
  for (const site of moduleSites(doc.getText())) {
    if (!site.builds || site.line < range.start.line || site.line > range.end.line) continue;
    if (hinted.has(site.line)) continue;
    for (const r of results.values()) {
      const modules = modulesAt(site, r.report.pytorch?.modules ?? []).filter((m) => m.calls[0]?.outputs[0]);
      if (modules.length === 0) continue;
      const m = modules[0];
      const out = m.calls[0].outputs[0];
      // Without the batch dim, as the layer's own output reads: `→ 64×112×112`; a loop's modules: first … last.
      const last = site.kind === 'loop' && modules.length > 1 ? modules[modules.length - 1].calls[0].outputs[0] : undefined;
      const label = last ? `→ ${shapeText(out.slice(1))} … ${shapeText(last.slice(1))}` : `→ ${shapeText(out.slice(1))}`;
      const hint = new vscode.InlayHint(doc.lineAt(site.line).range.end, label);
      hint.paddingLeft = true;
      hint.tooltip = `${modules.map((x) => x.path).slice(0, 6).join(', ')}${modules.length > 6 ? ', …' : ''}: ${shapeText(m.calls[0].inputs[0])} → ${shapeText(out)}${doc.isDirty ? ' (stale: save to refresh)' : ''}`;
      hints.push(hint);
      hinted.add(site.line);
      break;
    }
  }
  return hints;
}

function codeLensesOf(doc: vscode.TextDocument, features: PytorchFeatures): vscode.CodeLens[] {
  const results = features.resultsOf(doc);
  const text = doc.getText();
  return [...moduleClasses(text), ...factoryFunctions(text)].sort((a, b) => a.line - b.line).flatMap((c) => {
    const range = new vscode.Range(c.line, 0, c.line, 0);
    const r = results?.get(c.name);
    if (!r) {
      // A class whose __init__ needs arguments is built from its `# convlens:` line: that comes first.
      const needs = requiredInitArgs(text, c.name);
      if (needs.length > 0 && !convlensComment(text, c.name)?.args) {
        return [new vscode.CodeLens(range, { title: `ConvLens: set ${needs.join(', ')} to profile this model`, command: 'convlens.setPythonModelCall', arguments: [doc.uri, c.name], tooltip: 'Writes a # convlens: line above the class with its arguments and input shape' })];
      }
      const title = vscode.workspace.isTrusted ? 'ConvLens: profile this model' : 'ConvLens: trust the workspace to profile this model (it runs the code)';
      return [
        new vscode.CodeLens(range, { title, command: 'convlens.profilePythonModel', arguments: [doc.uri, c.name], tooltip: 'Builds the model with your Python and torch, runs one forward pass with hooks and profiles its ONNX export' }),
        new vscode.CodeLens(range, { title: 'arguments and input…', command: 'convlens.setPythonModelCall', arguments: [doc.uri, c.name], tooltip: 'Writes a # convlens: line above the class with its arguments and input shape' }),
      ];
    }
    const t = r.report.totals;
    const stale = doc.isDirty ? ' (stale)' : '';
    const title = `${totalText(t, 'params', humanCount)} params · ${totalText(t, 'macs', (n) => withUnit(n, 'MACs'))} · peak ${totalText(t, 'peakActivationBytes', humanBytes)}${stale} — Open Model View`;
    return [
      new vscode.CodeLens(range, { title, command: 'convlens.openGraphToSide', arguments: [r.onnx], tooltip: `ConvLens: ${c.name} at input ${r.report.inputs.map((i) => shapeText(i.shape as number[])).join(', ')}; refreshed on save` }),
      new vscode.CodeLens(range, { title: 'arguments and input…', command: 'convlens.setPythonModelCall', arguments: [doc.uri, c.name], tooltip: 'Rewrites the # convlens: line above the class with its arguments and input shape, and profiles again' }),
    ];
  });
}

/** The file's only model, or the one the user picks. */
async function pickModel(text: string): Promise<string | undefined> {
  const names = [...moduleClasses(text), ...factoryFunctions(text)].map((c) => c.name);
  return names.length === 1 ? names[0] : vscode.window.showQuickPick(names, { title: 'ConvLens: which model?' });
}

export function registerPytorchFeatures(features: PytorchFeatures): vscode.Disposable[] {
  const lensChanged = new vscode.EventEmitter<void>();
  return [
    features,
    lensChanged,
    features.onDidChange(() => lensChanged.fire()),
    vscode.commands.registerCommand('convlens.profilePythonModel', async (uri?: unknown, target?: unknown) => {
      const doc = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
      if (!doc) return undefined;
      const name = typeof target === 'string' ? target : await pickModel(doc.getText());
      if (!name) return undefined;
      if (doc.isDirty) await doc.save();
      return features.profile(doc.uri, name);
    }),
    // Writes (or rewrites) the `# convlens: Net(args), input=…` line above a class, then profiles it.
    // Arguments and input may be given (scripts, tests); otherwise they are asked for.
    vscode.commands.registerCommand('convlens.setPythonModelCall', async (uriArg?: unknown, targetArg?: unknown, args?: unknown, input?: unknown) => {
      const doc = uriArg instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uriArg) : vscode.window.activeTextEditor?.document;
      if (!doc) return undefined;
      const uri = doc.uri;
      const text = doc.getText();
      const target = typeof targetArg === 'string' ? targetArg : await pickModel(text);
      if (!target) return undefined;
      const known = convlensComment(text, target);
      const needs = requiredInitArgs(text, target);
      const callArgs = typeof args === 'string' ? args : await vscode.window.showInputBox({
        title: `ConvLens: arguments for ${target}(…)`,
        prompt: needs.length ? `Python call arguments; ${target} needs ${needs.join(', ')}` : 'Python call arguments (empty: none)',
        value: known?.args ?? needs.map((n) => `${n}=`).join(', '),
      });
      if (callArgs === undefined) return undefined;
      const shape = typeof input === 'string' ? input : await vscode.window.showInputBox({
        title: `ConvLens: input shape for ${target}`,
        prompt: 'NCHW, e.g. 1x3x224x224',
        value: known?.inputs?.[0]?.join('x') ?? DEFAULT_TORCH_INPUT.join('x'),
        validateInput: (v) => (parseShape(v).error ?? undefined),
      });
      if (shape === undefined) return undefined;
      const place = convlensCommentPlace(text, target);
      if (!place) return undefined;
      const line = convlensCommentText(target, callArgs, [shape.trim()]);
      const edit = new vscode.WorkspaceEdit();
      if (place.replace) edit.replace(uri, doc.lineAt(place.line).range, line);
      else edit.insert(uri, new vscode.Position(place.line, 0), `${line}\n`);
      await vscode.workspace.applyEdit(edit);
      await doc.save();
      return features.profile(uri, target);
    }),
    vscode.workspace.onDidSaveTextDocument((doc) => doc.languageId === 'python' && features.refresh(doc)),
    vscode.workspace.onDidChangeTextDocument((e) => e.document.languageId === 'python' && features.resultsOf(e.document) && lensChanged.fire()),
    vscode.workspace.onDidCloseTextDocument((doc) => features.forget(doc)),
    vscode.languages.registerHoverProvider(PYTHON, { provideHover: (doc, position) => hoverOf(doc, features, position) }),
    vscode.languages.registerInlayHintsProvider(PYTHON, { provideInlayHints: (doc, range) => inlayHintsOf(doc, features, range), onDidChangeInlayHints: features.onDidChange }),
    vscode.languages.registerCodeLensProvider(PYTHON, { provideCodeLenses: (doc) => codeLensesOf(doc, features), onDidChangeCodeLenses: lensChanged.event }),
  ];
}
