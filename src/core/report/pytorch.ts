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
import { addExact, exactCount } from '../../shared/exact';
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
