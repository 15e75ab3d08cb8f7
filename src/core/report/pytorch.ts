/**
 * A PyTorch model's report: ConvLens's profile of its ONNX export, with what
 * torch itself knows put back. Parameters are torch's count
 * (`sum(p.numel() for p in model.parameters())`), not the export's: the
 * exporter folds each BatchNorm into the convolution before it, which changes
 * both the count and the layers that hold them. Buffers (running statistics)
 * are reported apart. Each layer names the module that owns it.
 */
import type { TorchResult } from '../pytorch/bridge-types';
import { moduleOfNode } from '../pytorch/modules';
import { trainingBytes, type Optimizer } from '../analysis/memory';
import { addExact, exactCount, sumFigures, type Figure } from '../../shared/exact';
import { formatField } from './format';
import type { ProfileReport } from './profile';

export function withTorchFacts(report: ProfileReport, torch: TorchResult, opts: { optimizer?: Optimizer; inputBytes: number | null }): ProfileReport {
  const paths = new Set(torch.modules.map((m) => m.path).filter(Boolean));
  const params = exactCount(torch.params);
  const paramBytes = exactCount(torch.paramBytes);
  // Saved for the backward pass: the inputs and every activation, as the profile counts them.
  const saved = opts.inputBytes === null ? null : addExact(opts.inputBytes, report.totals.activationBytes);
  const partial = report.totals.partial.filter((f) => f !== 'params' && f !== 'paramBytes');
  return {
    ...report,
    format: 'pytorch',
    totals: {
      ...report.totals,
      params,
      paramBytes,
      trainingBytes: trainingBytes(paramBytes, saved, opts.optimizer ?? 'adam'),
      partial,
    },
    layers: report.layers.map((l) => {
      const module = moduleOfNode(l.name, paths);
      return module === undefined ? l : { name: l.name, module, ...withoutName(l) };
    }),
    pytorch: {
      torch: torch.torch,
      buffers: torch.buffers,
      bufferBytes: torch.bufferBytes,
      modules: torch.modules.map((m) => ({ path: m.path, type: m.type, params: m.params, calls: m.calls })),
    },
  };
}

/** The layer without its name, so that `module` follows `name` in the JSON. */
function withoutName<T extends { name: string }>(l: T): Omit<T, 'name'> {
  const { name: _name, ...rest } = l;
  return rest;
}

/** What the editor shows for one module: torch's shapes, and ConvLens's figures over the layers it owns. */
export interface ModuleFigures {
  path: string;
  type: string;
  /** Each forward call's input and output shapes, as torch's hook saw them. */
  calls: { inputs: number[][]; outputs: number[][] }[];
  /** Its parameters and its children's, as torch counts them. */
  params: number;
  /** Over the layers it and its children own (null: some unknown). */
  macs: Figure;
  /** Its last layer's receptive field, as the table shows it ('' when none). */
  receptiveField: string;
  /** Its last layer's output bytes. */
  activationBytes: Figure;
  /** How many of the export's layers it owns. */
  layers: number;
}

export function moduleFigures(report: ProfileReport, path: string): ModuleFigures | undefined {
  const modules = report.pytorch?.modules;
  const m = modules?.find((x) => x.path === path);
  if (!modules || !m) return undefined;
  const within = (p: string | undefined) => p !== undefined && (path === '' || p === path || p.startsWith(`${path}.`));
  const params = modules.filter((x) => within(x.path)).reduce((s, x) => s + x.params, 0);
  const layers = path === '' ? report.layers : report.layers.filter((l) => within(l.module));
  const macs = sumFigures(layers.map((l) => l.macs));
  const last = layers[layers.length - 1];
  return {
    path,
    type: m.type,
    calls: m.calls,
    params,
    macs: macs.partial ? null : macs.total,
    receptiveField: last ? formatField(last.receptiveField) : '',
    activationBytes: last ? last.activationBytes : null,
    layers: layers.length,
  };
}
