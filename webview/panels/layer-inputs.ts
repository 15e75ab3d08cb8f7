/**
 * A layer's inputs with their types and shapes, put together on the page
 * from what the model message already holds once: activations from the
 * report (graph inputs and layer outputs, by name), weights and folded
 * constants from the layer's view. The message does not repeat them per
 * layer (20,000 layers: 5 MB less to send and parse). DOM-free.
 */
import type { LayerReport, TensorReport } from '../../src/core/report/profile';
import type { LayerView } from '../../src/core/report/layer-view';

/** Every tensor the report names: the graph inputs and each layer's outputs. */
export function tensorIndex(report: { inputs: readonly TensorReport[]; layers: readonly LayerReport[] }): Map<string, TensorReport> {
  const out = new Map<string, TensorReport>(report.inputs.map((t) => [t.name, t]));
  for (const l of report.layers) for (const o of l.outputs) out.set(o.name, o);
  return out;
}

/** Input `k` of the layer: '' for an omitted optional one; shape and type null where nothing says them. */
export function layerInputs(layer: LayerReport, view: LayerView, tensors: ReadonlyMap<string, TensorReport>): TensorReport[] {
  return layer.inputs.map((name, k) => {
    if (!name) return { name: '', shape: null, dtype: null };
    const w = view.weights.find((x) => x.input === k);
    if (w) return { name, shape: w.dims, dtype: w.dtype };
    const c = view.constants?.find((x) => x.input === k);
    if (c) return { name, shape: c.shape, dtype: c.dtype };
    return tensors.get(name) ?? { name, shape: null, dtype: null };
  });
}
