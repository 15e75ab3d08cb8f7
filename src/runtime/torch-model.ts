/**
 * A model defined in a PyTorch source file, ready for the engine: the bridge
 * builds it from the user's file, records its submodules' shapes and exports
 * it to ONNX, which is loaded like any ONNX file. Used by the CLI
 * (`convlens profile model.py:Net`); no vscode here. It runs the user's code.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Model, Shape } from '../core/ir';
import { ModelLoadError } from '../core/errors';
import { loadModelFile } from '../core/loaders/index';
import { convlensComment } from '../core/pytorch/modules';
import { moduleClasses } from '../core/pytorch/source-map';
import type { TorchResult } from '../core/pytorch/bridge-types';
import { profileModel, type ProfileReport } from '../core/report/profile';
import { withTorchFacts } from '../core/report/pytorch';
import type { Optimizer } from '../core/analysis/memory';
import { runTorchBridge, TorchBridgeError, TORCH_HINT, type BridgeOptions, type TorchArchiveKind, type TorchRequest } from './torch-bridge';

/** What a model is fed when neither the command line nor its `# convlens:` comment says. */
export const DEFAULT_TORCH_INPUT = [1, 3, 224, 224];

export interface TorchModelOptions extends BridgeOptions {
  /** Input shapes in order (overrides the `# convlens:` comment). */
  inputs?: Shape[];
  /** Sets the first dim of every input. */
  batch?: number;
  /** Write the ONNX export here and keep it (the model view opens it); by default it is a temporary file. */
  onnxPath?: string;
  /** Also measure what one training step with this optimizer keeps, in torch. */
  training?: Optimizer;
  /** Submodules (paths such as layer3) checkpointed in that measurement. */
  checkpoint?: string[];
}

/**
 * Loads `file`'s `target` through Python: the ONNX export as a Model, and what torch counted
 * and recorded. Errors name the file, and the line of the user's code that raised.
 */
export async function loadTorchModel(file: string, target: string | undefined, opts: TorchModelOptions = {}): Promise<{ model: Model; torch: TorchResult }> {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ModelLoadError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message);
  }
  if (!target) {
    const found = moduleClasses(source).map((c) => c.name);
    throw new ModelLoadError(file, `name the model to build: ${basename(file)}:ClassName${found.length ? ` (module classes here: ${found.slice(0, 6).join(', ')})` : ''}`);
  }
  const comment = convlensComment(source, target);
  const inputs = exampleShapes(file, opts.inputs?.length ? opts.inputs : comment?.inputs?.length ? comment.inputs : [DEFAULT_TORCH_INPUT], opts.batch);
  return bridgeToModel({ file, target, args: comment?.args, inputs }, opts);
}

/** A TorchScript (torch.jit.save) or torch.export (.pt2) archive through the bridge: its export as a Model, and what torch counts. */
export async function loadTorchArchive(file: string, archive: TorchArchiveKind, opts: TorchModelOptions = {}): Promise<{ model: Model; torch: TorchResult }> {
  return bridgeToModel({ file, target: '', archive, inputs: exampleShapes(file, opts.inputs?.length ? opts.inputs : [DEFAULT_TORCH_INPUT], opts.batch) }, opts);
}

async function bridgeToModel(req: Omit<TorchRequest, 'onnx'>, opts: TorchModelOptions): Promise<{ model: Model; torch: TorchResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'convlens-export-'));
  try {
    const onnx = opts.onnxPath ?? join(dir, 'model.onnx');
    let torch: TorchResult;
    try {
      const training = opts.training ? { training: opts.training, ...(opts.checkpoint?.length ? { checkpoint: opts.checkpoint } : {}) } : {};
      torch = await runTorchBridge({ ...req, onnx, ...training }, opts);
    } catch (e) {
      throw e instanceof TorchBridgeError ? bridgeError(req.file, e) : e;
    }
    if (!torch.onnx) throw new ModelLoadError(req.file, `${req.target || 'the model'} ran, but torch.onnx.export failed: ${torch.exportError ?? 'no file written'}`);
    const loaded = await loadModelFile(onnx);
    return { model: loaded.model, torch };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The example inputs' sizes, the batch applied; a named dim is an error (PyTorch needs sizes). */
function exampleShapes(file: string, shapes: readonly Shape[], batch: number | undefined): number[][] {
  return shapes.map((s, i) => {
    if (!s.every((d): d is number => typeof d === 'number')) throw new ModelLoadError(file, `input ${i}: PyTorch needs sizes, not names (${s.join('×')})`);
    return batch !== undefined && s.length > 0 ? [batch, ...s.slice(1)] : s;
  });
}

/** A failure of the user's model, with the traceback (innermost last) for the editor's diagnostic. */
export class TorchSourceError extends ModelLoadError {
  constructor(
    file: string,
    problem: string,
    readonly frames: TorchBridgeError['frames'],
  ) {
    super(file, problem);
  }
}

/** A bridge failure as a one-line load error: `file: line 12: RuntimeError: …` when the user's code raised. */
function bridgeError(file: string, e: TorchBridgeError): ModelLoadError {
  const at = [...e.frames].reverse().find((f) => f.user);
  const where = at ? `line ${at.line}: ` : '';
  switch (e.kind) {
    case 'no-python':
      return new ModelLoadError(file, `${e.message}: choose the interpreter with --python or CONVLENS_PYTHON`);
    case 'no-torch':
      return new ModelLoadError(file, `torch cannot be imported (${e.message}); ${TORCH_HINT}`);
    case 'old-torch':
      return new ModelLoadError(file, `${e.message}; ${TORCH_HINT}`);
    case 'forward':
      return new TorchSourceError(file, `${where}the forward pass failed: ${e.message}`, e.frames);
    case 'build':
      return new TorchSourceError(file, `${where}building the model failed: ${e.message}`, e.frames);
    case 'import':
      return new TorchSourceError(file, `${where}importing the file failed: ${e.message}`, e.frames);
    default:
      return new ModelLoadError(file, e.message);
  }
}

/**
 * A PyTorch source's profile: the export's, with torch's facts put back (report/pytorch.ts).
 * `optimizer` chooses the training-memory estimate.
 */
export async function profileTorchSource(file: string, target: string | undefined, opts: TorchModelOptions & { optimizer?: Optimizer; showFoldedNodes?: boolean; archive?: TorchArchiveKind } = {}): Promise<{ report: ProfileReport; model: Model; torch: TorchResult }> {
  // torch also measures what a training step keeps, for the report to show beside ConvLens's estimate.
  const bridged = { ...opts, training: opts.training ?? opts.optimizer ?? 'adam' };
  const { model, torch } = opts.archive ? await loadTorchArchive(file, opts.archive, bridged) : await loadTorchModel(file, target, bridged);
  // Fed and exported at the asked shapes: the export's own are static.
  const profile = profileModel(model, { optimizer: opts.optimizer, checkpoint: opts.checkpoint, ...(opts.showFoldedNodes ? { showFoldedNodes: true } : {}) });
  return { report: withTorchFacts(profile.report, torch, { optimizer: opts.optimizer }), model, torch };
}
