/**
 * What the text editor shows for a `*.cnn.yaml` definition (or a Keras /
 * TF.js layers-model JSON file): per definition
 * item (a layer, or a Residual/Branches block's merge), its input and output
 * shapes in the definition's own channels-last terms, parameters, MACs,
 * receptive field and activation memory; and every problem at its range.
 * One pass: parse → lower → profile (the same numbers as the CLI).
 */
import { parseCnnYaml, type SourceRange } from '../loaders/cnn-yaml';
import { definitionToModel, type DefinitionModel, type ModelProblem } from '../loaders/cnn-yaml-model';
import { kerasJsonDefinition } from '../loaders/keras-json-definition';
import { formatField, formatShape } from './format';
import { profileModel, type Profile, type TensorReport, type Totals } from './profile';
import { addExact, type Figure } from '../../shared/exact';
import { definitionHints } from './definition-hints';
import { outputSizeFormulas } from '../analysis/output-size';
import type { Node } from '../ir';
import { append } from '../arrays';

export interface DefinitionItemInfo {
  /** The whole item, as offsets into the text. */
  range: SourceRange;
  /** Where its inlay hint belongs: the line of its key (`- Conv2D:`, `"class_name"`). */
  anchor: number;
  /**
   * Input and output shapes, channels last: without the batch in a
   * definition (`55×55×96`), with it in a Keras file, as the report shows
   * it (`N×55×55×96`, Keras's `(None, 55, 55, 96)`).
   */
  inputShape: string;
  outputShape: string;
  /** null when unknown (an earlier problem left a shape unknown). */
  params: Figure;
  macs: Figure;
  /** `11×11 /4`, `global`, or ''. */
  receptiveField: string;
  activationBytes: Figure;
  /** The graph nodes the item became (`Conv`, `Relu`, …). */
  ops: string[];
  /** How its conv/pool output size comes about, per spatial axis: `H, W: out = ⌊(55 + 2·0 − 3)/2⌋ + 1 = 27`. */
  formulas: string[];
}

export interface DefinitionAnalysis {
  items: DefinitionItemInfo[];
  problems: ModelProblem[];
  totals?: Pick<Totals, 'params' | 'macs' | 'peakActivationBytes' | 'partial'>;
  /** Name given in the definition. */
  name?: string;
}

/** NCHW (or NC, NCL) → the channels-last shape a Keras user writes, without the batch. */
export function channelsLast(shape: TensorReport['shape']): string {
  if (!shape) return '?';
  const [, c, ...spatial] = shape;
  if (c === undefined) return '?';
  return (spatial.length ? [...spatial, c] : [c]).join('×');
}

/** Text formats the editor features understand: our YAML, and Keras / TF.js layers-model JSON. */
export type DefinitionFormat = 'yaml' | 'keras-json';

/** Keras model JSON or a TF.js model.json, told from other JSON by its first 64 KiB. */
export function isKerasJsonText(text: string): boolean {
  return /"(class_name|modelTopology)"\s*:/.test(text.slice(0, 65_536));
}

export function analyseDefinition(text: string, format: DefinitionFormat = 'yaml'): DefinitionAnalysis {
  if (format === 'keras-json') {
    const lowered = kerasJsonDefinition(text);
    const problems = [...lowered.problems];
    if (lowered.model.graph.nodes.length === 0) return { items: [], problems };
    const out = analyseLowered(lowered, problems, profileModel(lowered.model));
    // Hints and shapes go on the layer's `"class_name"` line, not on the object's opening brace.
    for (const item of out.items) {
      const at = text.indexOf('"class_name"', item.range.start);
      if (at >= 0 && at < item.range.end) item.anchor = at;
    }
    return out;
  }
  const parsed = parseCnnYaml(text);
  const problems: ModelProblem[] = parsed.problems.map((p) => ({ message: p.message, range: p.range, severity: p.severity }));
  if (!parsed.definition) return { items: [], problems };
  const lowered = definitionToModel(parsed.definition);
  append(problems, lowered.problems);
  const profile = profileModel(lowered.model);
  // Design hints only on a definition without errors: a broken layer passes its input through, so figures would mislead.
  if (!problems.some((p) => p.severity === 'error')) append(problems, definitionHints(parsed.definition, lowered, profile.report));
  const out = analyseLowered(lowered, problems, profile);
  if (parsed.definition.name) out.name = parsed.definition.name;
  return out;
}

/** Per-item figures: each report layer added to the definition item it was lowered from. */
function analyseLowered(lowered: DefinitionModel, problems: ModelProblem[], profile: Profile): DefinitionAnalysis {
  const { report, details } = profile;
  // A Keras file's report is already in its own layout (NHWC, batch N); a definition's is the IR's NCHW.
  const shapeText = report.layout === 'NHWC' ? formatShape : channelsLast;
  const byItem = new Map<string, DefinitionItemInfo>();
  const tensorOf = new Map<string, TensorReport>();
  for (const t of report.inputs) tensorOf.set(t.name, t);
  for (const l of report.layers) for (const o of l.outputs) tensorOf.set(o.name, o);
  const graph = lowered.model.graph;
  const nodeOf = new Map<string, Node>(graph.nodes.map((n) => [n.name, n]));
  for (const layer of report.layers) {
    const range = lowered.layerOf.get(layer.name);
    if (!range || layer.op === 'Constant') continue;
    const key = `${range.start}:${range.end}`;
    let info = byItem.get(key);
    if (!info) {
      info = {
        range,
        anchor: range.start,
        inputShape: shapeText(tensorOf.get(layer.inputs[0] ?? '')?.shape ?? null),
        outputShape: '?',
        params: 0,
        macs: 0,
        receptiveField: '',
        activationBytes: 0,
        ops: [],
        formulas: [],
      };
      byItem.set(key, info);
    }
    // The item's last node gives its output (a Conv's activation comes after it).
    info.outputShape = shapeText(layer.outputs[0]?.shape ?? null);
    info.receptiveField = formatField(layer.receptiveField);
    info.activationBytes = layer.activationBytes;
    info.params = addExact(info.params, layer.params);
    info.macs = addExact(info.macs, layer.macs);
    info.ops.push(layer.op);
    const node = nodeOf.get(layer.name);
    const formulas = node && layer.inputs[0] && outputSizeFormulas(node, details.irTensorOf(layer.inputs[0]).shape, graph.values.get(node.inputs[1] ?? '')?.shape);
    // A separable conv's pointwise 1×1 adds nothing to say after its depthwise window.
    const trivial = node && isPointwise(node);
    if (formulas && !(trivial && info.formulas.length)) info.formulas.push(...formulas.map((f) => `${f.axes}: ${f.text}`));
  }
  const t = report.totals;
  return { items: [...byItem.values()], problems, totals: { params: t.params, macs: t.macs, peakActivationBytes: t.peakActivationBytes, partial: t.partial } };
}

function isPointwise(node: Node): boolean {
  const ones = (name: string, absent: boolean) => {
    const a = node.attributes[name];
    return a ? a.type === 'ints' && a.value.every((v) => v === 1) : absent;
  };
  return ones('kernel_shape', false) && ones('strides', true);
}

/** The innermost item containing `offset` (a layer inside a block before the block). */
export function itemAt(items: readonly DefinitionItemInfo[], offset: number): DefinitionItemInfo | undefined {
  let best: DefinitionItemInfo | undefined;
  for (const it of items) {
    if (offset < it.range.start || offset > it.range.end) continue;
    if (!best || it.range.end - it.range.start < best.range.end - best.range.start) best = it;
  }
  return best;
}
