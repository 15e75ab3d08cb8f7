/**
 * Feature maps in the model view: the panel's settings (image, preprocessing)
 * remembered per model in workspace state, captures run in the runtime child
 * process with a cancellable progress notification, and one layer's previews
 * at a time sent to the view. Thin glue over src/runtime and src/core/image.
 */
import * as vscode from 'vscode';
import { modelFileOf } from './model-document';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FeatureMapSettings, FromWebviewMessage } from '../protocol';
import { summaryOf, type FeatureMapCapture } from '../core/image/capture';
import { DEFAULT_PREPROCESS, preprocessProblem } from '../core/image/preprocess';
import { SAMPLES } from '../core/image/samples';
import { runInChild, RuntimeError } from '../runtime/client';
import type { CaptureRequest } from '../runtime/messages';
import { confirmRunAnyway } from './run-anyway';
import { describeError } from '../core/user-message';
import { runtimeSettings } from './settings';
import type { ModelView } from './model-editor';

const STATE_KEY = 'convlens.featureMaps';

/** A labels file beside the model: `<model>.labels.txt`, else `labels.txt`. */
export function labelsBeside(modelPath: string): string | undefined {
  const stem = basename(modelPath).replace(/(\.cnn)?\.[^.]+$/, '');
  return [join(dirname(modelPath), `${stem}.labels.txt`), join(dirname(modelPath), 'labels.txt')].find((f) => existsSync(f));
}

export class FeatureMaps implements vscode.Disposable {
  private readonly captures = new Map<string, FeatureMapCapture>();
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly state: vscode.Memento,
    private readonly log: (line: string) => void,
  ) {}

  private samplePath(file: string): string {
    return vscode.Uri.joinPath(this.extensionUri, 'media', 'samples', file).fsPath;
  }

  settingsOf(uri: vscode.Uri): FeatureMapSettings {
    const all = this.state.get<Record<string, FeatureMapSettings>>(STATE_KEY, {});
    const s = all[uri.toString()];
    const valid = s && s.image && s.preprocess && (s.image.kind === 'file' ? typeof s.image.path === 'string' : SAMPLES.some((x) => x.file === (s.image as { file: string }).file));
    return valid ? s : { image: { kind: 'sample', file: 'scene.png' }, preprocess: { ...DEFAULT_PREPROCESS } };
  }

  private async remember(uri: vscode.Uri, s: FeatureMapSettings): Promise<void> {
    const all = { ...this.state.get<Record<string, FeatureMapSettings>>(STATE_KEY, {}), [uri.toString()]: s };
    await this.state.update(STATE_KEY, all);
  }

  private imageLabel(s: FeatureMapSettings): string {
    return s.image.kind === 'sample' ? SAMPLES.find((x) => x.file === (s.image as { file: string }).file)?.label ?? s.image.file : basename(s.image.path);
  }

  /** The panel's choices and this model's settings; its last capture, if any. */
  setup(view: ModelView): void {
    const settings = this.settingsOf(view.document.uri);
    view.post({ type: 'featureMapsSetup', samples: SAMPLES.map((s) => ({ file: s.file, label: s.label })), settings, imageLabel: this.imageLabel(settings) });
    const c = this.captures.get(view.document.uri.toString());
    if (c) view.post({ type: 'featureMapsCaptured', summary: summaryOf(c) });
  }

  async receive(view: ModelView, m: FromWebviewMessage, views: ModelView[]): Promise<void> {
    const uri = view.document.uri;
    switch (m.type) {
      case 'pickImage': {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Images: ['png', 'jpg', 'jpeg'] }, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri, title: 'Image for the feature maps' });
        if (!picked?.[0]) return;
        const settings = { ...this.settingsOf(uri), image: { kind: 'file' as const, path: picked[0].fsPath } };
        await this.remember(uri, settings);
        for (const v of views) this.setup(v);
        return;
      }
      case 'captureFeatureMaps':
        await this.capture(uri, m.settings, views);
        return;
      case 'cancelCapture':
        this.running.get(uri.toString())?.abort();
        return;
      case 'featureMap': {
        const map = this.captures.get(uri.toString())?.layers.find((l) => l.layer === m.layer);
        view.post({ type: 'reply', requestId: m.requestId, reply: map ? { ok: true, value: map } : { ok: false, error: `no feature maps of ${m.layer}` } });
        return;
      }
      default:
        return;
    }
  }

  /** Captures `uri`'s feature maps with `settings`; every view of the model is told. */
  async capture(uri: vscode.Uri, settings: FeatureMapSettings, views: ModelView[]): Promise<FeatureMapCapture | undefined> {
    const key = uri.toString();
    const file = basename(uri.fsPath);
    const post = (m: Parameters<ModelView['post']>[0]) => views.forEach((v) => v.post(m));
    if (!vscode.workspace.isTrusted) {
      post({ type: 'featureMapsStatus', running: false, error: 'Feature maps run the model: this needs a trusted workspace.' });
      return undefined;
    }
    if (this.running.has(key)) return undefined;
    const problem = preprocessProblem(settings.preprocess, 3);
    if (problem) {
      post({ type: 'featureMapsStatus', running: false, error: `Preprocessing: ${problem}` });
      return undefined;
    }
    await this.remember(uri, settings);
    const image = settings.image.kind === 'sample' ? this.samplePath(settings.image.file) : settings.image.path;
    const { settings: run, problems } = runtimeSettings(uri);
    for (const p of problems) this.log(`warning: ${p}`);
    const ac = new AbortController();
    this.running.set(key, ac);
    post({ type: 'featureMapsStatus', running: true, message: 'starting' });
    this.log(`feature maps of ${uri.fsPath} on ${image}`);
    try {
      const capture = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `ConvLens: feature maps of ${file}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => ac.abort());
          const request: CaptureRequest = {
            kind: 'capture',
            modelPath: modelFileOf(uri),
            provider: run.provider,
            engine: run.engine,
            tfjsBackend: run.tfjsBackend,
            image,
            preprocess: settings.preprocess,
            labelsPath: labelsBeside(uri.fsPath),
            imagenetLabels: vscode.Uri.joinPath(this.extensionUri, 'media', 'labels', 'imagenet.txt').fsPath,
          };
          const options = {
            signal: ac.signal,
            timeoutMs: run.timeoutMs,
            onProgress: (message: string) => {
              progress.report({ message });
              post({ type: 'featureMapsStatus', running: true, message });
            },
            onLog: (line: string) => this.log(`runtime: ${line}`),
          };
          let capture: FeatureMapCapture;
          try {
            ({ capture } = await runInChild(request, options));
          } catch (err) {
            if (!(await confirmRunAnyway(file, err))) throw err;
            ({ capture } = await runInChild({ ...request, force: true }, options));
          }
          return capture;
        },
      );
      this.captures.set(key, capture);
      this.log(`feature maps of ${file}: ${capture.layers.length} layers in ${capture.totalMs} ms (inference ${capture.runMs} ms) on ${capture.providers.join(', ')}`);
      for (const w of capture.warnings) this.log(`warning: ${w}`);
      post({ type: 'featureMapsStatus', running: false });
      post({ type: 'featureMapsCaptured', summary: summaryOf(capture) });
      return capture;
    } catch (err) {
      const cancelled = err instanceof RuntimeError && err.kind === 'cancelled';
      const msg = cancelled ? undefined : err instanceof RuntimeError ? err.message : describeError(err);
      if (msg) this.log(`error: feature maps of ${file}: ${msg}`);
      post({ type: 'featureMapsStatus', running: false, ...(msg ? { error: msg } : {}) });
      return undefined;
    } finally {
      this.running.delete(key);
    }
  }

  dispose(): void {
    for (const ac of this.running.values()) ac.abort();
  }
}
