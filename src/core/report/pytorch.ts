/**
 * A PyTorch model's report: ConvLens's profile of its ONNX export, with what
 * torch itself knows put back. Parameters are torch's count
 * (`sum(p.numel() for p in model.parameters())`), not the export's: the
 * exporter folds each BatchNorm into the convolution before it, which changes
 * both the count and the layers that hold them. Buffers (running statistics)
 * are reported apart. Each layer names the module that owns it.
 */
import type { TorchResult, TorchTraining } from '../pytorch/bridge-types';
import { moduleOfNode } from '../pytorch/modules';
import type { Optimizer } from '../analysis/memory';
import { addExact, exactCount, sumFigures, type Figure } from '../../shared/exact';
import { withParameters, type TrainingReport } from './training-report';
import { formatField, humanBytes } from './format';
import type { ProfileReport } from './profile';

export function withTorchFacts(report: ProfileReport, torch: TorchResult, opts: { optimizer?: Optimizer }): ProfileReport {
  const paths = new Set(torch.modules.map((m) => m.path).filter(Boolean));
  const params = exactCount(torch.params);
  const paramBytes = exactCount(torch.paramBytes);
  const layers = report.layers.map((l) => {
    const module = moduleOfNode(l.name, paths);
    return module === undefined ? l : { name: l.name, module, ...withoutName(l) };
  });
  const estimatedByModule = new Map<string, number>();
  for (const l of layers) estimatedByModule.set(l.module ?? '', (estimatedByModule.get(l.module ?? '') ?? 0) + (l.savedBytes ?? 0));
  const training = torchTraining(report.training, torch, paramBytes, opts.optimizer ?? 'adam', estimatedByModule);
  const measured = training.measured !== undefined;
  const partial = report.totals.partial.filter((f) => f !== 'params' && f !== 'paramBytes' && !(measured && f === 'trainingBytes'));
  return {
    ...report,
    format: 'pytorch',
    totals: {
      ...report.totals,
      params,
      paramBytes,
      trainingBytes: training.keptBytes,
      trainingPeakBytes: training.peakBytes,
      partial,
    },
    training,
    layers,
    pytorch: {
      torch: torch.torch,
      buffers: torch.buffers,
      bufferBytes: torch.bufferBytes,
      modules: torch.modules.map((m) => ({ path: m.path, type: m.type, params: m.params, calls: m.calls })),
    },
  };
}

/**
 * Training memory with torch's parameters (the export folds BatchNorm into the convolutions) and,
 * when the bridge measured it, what torch itself kept: the measured figure is the total, the
 * estimate of the export stays beside it.
 */
function torchTraining(t: TrainingReport, torch: TorchResult, paramBytes: Figure, optimizer: Optimizer, estimatedByModule: ReadonlyMap<string, number>): TrainingReport {
  const withParams = { ...t, ...withParameters(t, paramBytes, optimizer) };
  const estimate = withParams.keptBytes;
  const m = torch.training;
  if (!m || m.optimizer !== optimizer || t.mixedPrecision) {
    const why = torch.trainingError ? [`torch could not measure a training step (${torch.trainingError}): the figure is ConvLens's estimate for the ONNX export`]
      : m && t.mixedPrecision ? [`torch measured ${humanBytes(m.keptBytes)} at float32; the figure is ConvLens's mixed-precision estimate for the ONNX export`] : [];
    return { ...withParams, notes: [...why, ...t.notes] };
  }
  const modules = moduleDifferences(m.perModule, estimatedByModule);
  const off = estimate === null || m.keptBytes === 0 ? '' : ` (${estimate >= m.keptBytes ? '+' : '−'}${((Math.abs(estimate - m.keptBytes) / m.keptBytes) * 100).toFixed(1)} %)`;
  return {
    ...withParams,
    keptBytes: m.keptBytes,
    peakBytes: addExact(m.keptBytes, t.transientBytes),
    measured: { torch: torch.torch, savedBytes: m.savedBytes, keptBytes: m.keptBytes, estimatedKeptBytes: estimate, modules },
    notes: [
      `measured in torch ${torch.torch} (saved-tensor hooks, one forward pass in train mode); ConvLens's estimate for the ONNX export is ${estimate === null ? 'unknown' : humanBytes(estimate)}${off}` +
      (t.notes.length ? ': the export has BatchNorm folded into the convolutions, so it keeps less than the network torch trains' : '') +
      (modules.length ? `; most apart: ${modules.slice(0, 3).map((r) => `${r.module || 'the model'}${r.type ? ` (${r.type})` : ''} ${humanBytes(r.measuredBytes)} measured, ${humanBytes(r.estimatedBytes)} estimated`).join('; ')}` : ''),
    ],
  };
}

/** Saved bytes by module, measured against estimated, the five largest differences (of at least 1 % of what torch saves). */
function moduleDifferences(measured: TorchTraining['perModule'], estimated: ReadonlyMap<string, number>): NonNullable<TrainingReport['measured']>['modules'] {
  const total = measured.reduce((a, m) => a + m.savedBytes, 0);
  const rows = new Map(measured.map((m) => [m.name, { module: m.name, type: m.type, measuredBytes: m.savedBytes, estimatedBytes: 0 }]));
  for (const [module, bytes] of estimated) {
    const row = rows.get(module) ?? { module, type: '', measuredBytes: 0, estimatedBytes: 0 };
    row.estimatedBytes += bytes;
    rows.set(module, row);
  }
  const gap = (r: { measuredBytes: number; estimatedBytes: number }) => Math.abs(r.measuredBytes - r.estimatedBytes);
  return [...rows.values()].filter((r) => gap(r) >= total / 100).sort((a, b) => gap(b) - gap(a)).slice(0, 5);
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
